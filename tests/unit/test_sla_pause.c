/* test_sla_pause.c - pm-sla's deadline function with pauses (issue 14):
 * minute/hour clocks moved by each pause that starts before the running
 * deadline, day and working-day clocks that do not count a day on which the
 * clock was stopped, open pauses, agreed caps, clipping and merging, and
 * the `paused` field's syntax.  Calendar: the shipped cn (2024: Spring
 * Festival 02-10..02-17, make-up working days Sun 02-04 and Sun 02-18);
 * zone Asia/Shanghai.  July 2024: Monday 07-01, weekend 07-06/07-07. */
#include "sla_test.h"
#include <stdlib.h>

SLA_SUITE(sla_pause);

static const char *fmt(pm_time t)
{
    static char b[4][PM_TIME_BUFSZ];
    static int i;
    if (t == SLA_NO_DUE) return "no due";
    i = (i + 1) % 4;
    pm_time_format(t, tz, b[i]);
    return b[i];
}

static sla_clock clock_of(pm_dur_kind kind, int64_t n, int agreed)
{
    sla_clock c = {1, agreed, 1, {kind, n}};
    return c;
}

#define HOURS(n) clock_of(PM_DUR_SECONDS, (n)*3600, 0)
#define WD(n)    clock_of(PM_DUR_WORKDAYS, n, 0)
#define DAYS(n)  clock_of(PM_DUR_DAYS, n, 0)

/* The due of clock c for a ticket created at `created`, completed at `done`
 * (NULL: not completed), agreed at `agreed` (NULL: none), with the pauses
 * of `paused` (the field's syntax); tr may be NULL. */
static pm_time due_of(sla_clock c, const char *created, const char *done, const char *agreed, const char *paused,
                      sla_trace *tr)
{
    sla_pause in[16], m[16];
    pm_buf msg = PM_BUF_INIT;
    long n = sla_pauses_parse(paused, strlen(paused), tz, in, 16, &msg);
    cr_assert_geq(n, 0, "%s: %s", paused, pm_buf_str(&msg));
    pm_buf_free(&msg);
    pm_time start = T(created);
    size_t nm = sla_pauses_merge(in, (size_t)n, start, done != NULL, done ? T(done) : 0, m);
    static sla_pause_effect pe[16];
    if (tr) tr->pe = pe;
    return sla_deadline_paused(&c, start, agreed != NULL, agreed ? T(agreed) : 0, m, nm, cal, tz, tr);
}

#define expect_due(c, created, done, agreed, paused, want)                                                             \
    do {                                                                                                               \
        pm_time got_ = due_of(c, created, done, agreed, paused, NULL);                                                 \
        cr_expect_eq(got_, T(want), "paused %s: due %s, expected %s", paused, fmt(got_), want);                        \
    } while (0)

/* --- minutes and hours: moved by each pause that starts before the running deadline --- */

Test(sla_pause, hours_no_pause_as_before)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "", "2024-07-01 18:00");
}

Test(sla_pause, hours_pause_before_due_moves_it_by_its_length)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 12:00/2024-07-01 14:00", "2024-07-01 20:00");
}

Test(sla_pause, hours_pause_starting_at_the_deadline_instant_changes_nothing)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 18:00/2024-07-01 19:00", "2024-07-01 18:00");
}

Test(sla_pause, hours_pause_one_second_before_the_deadline_moves_it)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 17:59:59/2024-07-01 19:00", "2024-07-01 19:00:01");
}

Test(sla_pause, hours_walk_in_order_each_against_the_running_deadline)
{
    /* 18:00 +2h -> 20:00; 19:00..21:00 starts before 20:00 -> 22:00;
     * 22:00..23:00 starts at it -> nothing.  Given out of order. */
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL,
               "2024-07-01 22:00/2024-07-01 23:00; 2024-07-01 19:00/2024-07-01 21:00;"
               "2024-07-01 12:00/2024-07-01 14:00",
               "2024-07-01 22:00");
}

Test(sla_pause, hours_overlapping_pauses_count_once)
{
    /* merged 12:00..15:00: +3h (not 2h + 2h) */
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL,
               "2024-07-01 12:00/2024-07-01 14:00;2024-07-01 13:00/2024-07-01 15:00", "2024-07-01 21:00");
}

Test(sla_pause, hours_pause_inside_another_counts_once)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL,
               "2024-07-01 12:00/2024-07-01 16:00;2024-07-01 13:00/2024-07-01 14:00", "2024-07-01 22:00");
}

Test(sla_pause, hours_pause_before_creation_is_clipped)
{
    /* 08:00..12:00 counts from created_at 10:00: +2h */
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 08:00/2024-07-01 12:00", "2024-07-01 20:00");
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 08:00/2024-07-01 10:00", "2024-07-01 18:00");
}

Test(sla_pause, hours_pause_clipped_at_completion)
{
    /* completed 15:00: 14:00..23:00 counts 14:00..15:00 only */
    expect_due(HOURS(8), "2024-07-01 10:00", "2024-07-01 15:00", NULL, "2024-07-01 14:00/2024-07-01 23:00",
               "2024-07-01 19:00");
    /* a pause after completion is nothing */
    expect_due(HOURS(8), "2024-07-01 10:00", "2024-07-01 15:00", NULL, "2024-07-01 15:00/2024-07-01 23:00",
               "2024-07-01 18:00");
}

Test(sla_pause, hours_open_pause_before_the_deadline_means_no_due)
{
    cr_expect_eq(due_of(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 12:00/", NULL), SLA_NO_DUE);
    /* after a closed one that moved the deadline to 20:00 */
    cr_expect_eq(
        due_of(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 12:00/2024-07-01 14:00;2024-07-01 19:30/", NULL),
        SLA_NO_DUE);
}

Test(sla_pause, hours_open_pause_after_the_deadline_changes_nothing)
{
    expect_due(HOURS(8), "2024-07-01 10:00", NULL, NULL, "2024-07-01 18:00/", "2024-07-01 18:00");
}

Test(sla_pause, hours_open_pause_is_closed_by_completion)
{
    expect_due(HOURS(8), "2024-07-01 10:00", "2024-07-01 13:00", NULL, "2024-07-01 12:00/", "2024-07-01 19:00");
}

Test(sla_pause, a_clock_without_pause_ignores_pauses)
{
    sla_clock c = HOURS(8);
    c.pause = 0;
    expect_due(c, "2024-07-01 10:00", NULL, NULL, "2024-07-01 12:00/2024-07-01 14:00", "2024-07-01 18:00");
    expect_due(c, "2024-07-01 10:00", NULL, NULL, "2024-07-01 12:00/", "2024-07-01 18:00");
}

/* --- working days: a day on which the clock was stopped is not counted --- */

Test(sla_pause, wd_no_pause_as_before)
{
    /* Mon 07-01: 07-02 =1, 07-03 =2, 07-04 =3 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "", "2024-07-05 00:00");
}

Test(sla_pause, wd_issue_example_days_of_the_pause_not_counted)
{
    /* 07-02 =1; 07-03, 07-04, 07-05 paused; 07-06/07 weekend; 07-08 =2, 07-09 =3 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-03T10:00/2024-07-05 16:00", "2024-07-10 00:00");
}

Test(sla_pause, wd_one_minute_stops_the_whole_day)
{
    /* 07-03 not counted: 07-02 =1, 07-04 =2, 07-05 =3 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-03 23:59/2024-07-04 00:00", "2024-07-06 00:00");
}

Test(sla_pause, wd_pause_ending_at_midnight_leaves_the_next_day_counted)
{
    /* [07-02 10:00, 07-03 00:00): only 07-02 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-02 10:00/2024-07-03 00:00", "2024-07-06 00:00");
}

Test(sla_pause, wd_pause_starting_at_the_deadline_instant_changes_nothing)
{
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-05 00:00/2024-07-05 12:00", "2024-07-05 00:00");
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-05 00:00/", "2024-07-05 00:00");
}

Test(sla_pause, wd_pause_one_second_before_the_deadline_uncounts_the_last_day)
{
    /* 07-04 (the 3rd) and 07-05 stopped: 07-08 =3 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-04 23:59:59/2024-07-05 01:00", "2024-07-09 00:00");
}

Test(sla_pause, wd_pause_on_the_creation_day_changes_nothing)
{
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-01 11:00/2024-07-01 15:00", "2024-07-05 00:00");
}

Test(sla_pause, wd_pause_from_the_creation_day_into_the_next)
{
    /* 07-02 stopped: 07-03 =1, 07-04 =2, 07-05 =3 */
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-01 11:00/2024-07-02 09:00", "2024-07-06 00:00");
}

Test(sla_pause, wd_pause_spanning_a_holiday)
{
    /* Fri 02-09: 02-10..02-17 春节; 02-12..02-18 09:00 paused takes the
     * make-up day 02-18 too: 02-19 =1, 02-20 =2, 02-21 =3 */
    expect_due(WD(3), "2024-02-09 10:00", NULL, NULL, "2024-02-12 10:00/2024-02-18 09:00", "2024-02-22 00:00");
}

Test(sla_pause, wd_pause_inside_a_holiday_changes_nothing)
{
    /* 02-18 make-up =1, 02-19 =2, 02-20 =3, as without it */
    expect_due(WD(3), "2024-02-09 10:00", NULL, NULL, "2024-02-12 10:00/2024-02-14 09:00", "2024-02-21 00:00");
}

Test(sla_pause, wd_pause_on_a_make_up_working_day)
{
    /* Fri 02-02: 02-03 Sat, Sun 02-04 make-up (stopped), 02-05 =1, 02-06 =2,
     * 02-07 =3; without the pause 02-04 =1 and due 02-07 */
    expect_due(WD(3), "2024-02-02 10:00", NULL, NULL, "", "2024-02-07 00:00");
    expect_due(WD(3), "2024-02-02 10:00", NULL, NULL, "2024-02-04 08:00/2024-02-04 12:00", "2024-02-08 00:00");
}

Test(sla_pause, wd_touching_pauses_merge_and_later_ones_walk_on)
{
    /* 07-02 10:00..07-03 10:00 and 07-03 10:00..07-03 12:00 touch: 07-02,
     * 07-03 stopped; 07-04 =1, 07-05 =2, 07-08 =3 -> 07-09; 07-08 09:00
     * starts before it: 07-09 =3 -> 07-10 */
    sla_pause in[4], m[4];
    pm_buf msg = PM_BUF_INIT;
    const char *f = "2024-07-02 10:00/2024-07-03 10:00;2024-07-03 10:00/2024-07-03 12:00";
    long n = sla_pauses_parse(f, strlen(f), tz, in, 4, &msg);
    cr_assert_eq(n, 2);
    cr_expect_eq(sla_pauses_merge(in, 2, T("2024-07-01 10:00"), 0, 0, m), 1);
    cr_expect_eq(m[0].start, T("2024-07-02 10:00"));
    cr_expect_eq(m[0].end, T("2024-07-03 12:00"));
    pm_buf_free(&msg);
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, f, "2024-07-09 00:00");
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL,
               "2024-07-02 10:00/2024-07-03 10:00;2024-07-03 10:00/2024-07-03 12:00;"
               "2024-07-08 09:00/2024-07-08 10:00",
               "2024-07-10 00:00");
}

Test(sla_pause, wd_open_pause_before_the_deadline_means_no_due)
{
    sla_trace tr;
    cr_expect_eq(due_of(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-03 10:00/", &tr), SLA_NO_DUE);
    cr_expect_eq(tr.npe, 1);
    cr_expect_eq(tr.pe[0].did, SLA_PAUSE_OPEN);
    cr_expect_eq(tr.last_day, pm_day_from_civil(2024, 7, 2), "counted up to 07-02");
}

Test(sla_pause, wd_open_pause_after_the_deadline_changes_nothing)
{
    expect_due(WD(3), "2024-07-01 10:00", NULL, NULL, "2024-07-05 10:00/", "2024-07-05 00:00");
}

/* --- calendar days --- */

Test(sla_pause, days_stopped_day_not_counted_weekends_count)
{
    /* 2d from 07-01: 07-02 =1, 07-03 =2 -> 07-04 */
    expect_due(DAYS(2), "2024-07-01 10:00", NULL, NULL, "", "2024-07-04 00:00");
    /* 07-02 stopped: 07-03 =1, 07-04 =2 -> 07-05 */
    expect_due(DAYS(2), "2024-07-01 10:00", NULL, NULL, "2024-07-02 10:00/2024-07-02 11:00", "2024-07-05 00:00");
    /* Fri 07-05: 07-06 stopped, Sun 07-07 =1, 07-08 =2 -> 07-09 */
    expect_due(DAYS(2), "2024-07-05 10:00", NULL, NULL, "2024-07-06 10:00/2024-07-06 11:00", "2024-07-09 00:00");
}

Test(sla_pause, days_pause_at_the_deadline_changes_nothing)
{
    expect_due(DAYS(2), "2024-07-01 10:00", NULL, NULL, "2024-07-04 00:00/2024-07-04 11:00", "2024-07-04 00:00");
}

/* --- agreed deadlines: a pause moves only the cap --- */

Test(sla_pause, agreed_date_never_moved_by_a_pause)
{
    sla_clock c = clock_of(PM_DUR_WORKDAYS, 7, 1);
    expect_due(c, "2024-07-01 10:00", NULL, "2024-07-04 12:00", "2024-07-02 10:00/2024-07-03 10:00",
               "2024-07-04 12:00");
}

Test(sla_pause, agreed_cap_extended_by_a_pause)
{
    /* 7wd from 07-01: 07-02..05, 08..10 -> cap 07-11; an agreed 07-12 12:00
     * loses to it.  07-02 and 07-03 stopped: 07-04, 05, 08..12 -> cap 07-13,
     * and the agreed date wins. */
    sla_clock c = clock_of(PM_DUR_WORKDAYS, 7, 1);
    expect_due(c, "2024-07-01 10:00", NULL, "2024-07-12 12:00", "", "2024-07-11 00:00");
    sla_trace tr;
    pm_time due = due_of(c, "2024-07-01 10:00", NULL, "2024-07-12 12:00", "2024-07-02 10:00/2024-07-03 10:00", &tr);
    cr_expect_eq(due, T("2024-07-12 12:00"), "%s", fmt(due));
    cr_expect_eq(tr.cap, T("2024-07-13 00:00"), "cap %s", fmt(tr.cap));
    /* without an agreed date the cap is the due */
    expect_due(c, "2024-07-01 10:00", NULL, NULL, "2024-07-02 10:00/2024-07-03 10:00", "2024-07-13 00:00");
}

Test(sla_pause, agreed_hours_cap_extended_agreed_kept)
{
    sla_clock c = clock_of(PM_DUR_SECONDS, 8 * 3600, 1);
    /* cap 18:00 +2h = 20:00; agreed 19:00 now wins */
    expect_due(c, "2024-07-01 10:00", NULL, "2024-07-01 19:00", "", "2024-07-01 18:00");
    expect_due(c, "2024-07-01 10:00", NULL, "2024-07-01 19:00", "2024-07-01 12:00/2024-07-01 14:00",
               "2024-07-01 19:00");
}

Test(sla_pause, agreed_with_an_open_pause_keeps_the_agreed_date)
{
    sla_clock c = clock_of(PM_DUR_WORKDAYS, 7, 1);
    sla_trace tr;
    pm_time due = due_of(c, "2024-07-01 10:00", NULL, "2024-07-04 12:00", "2024-07-02 10:00/", &tr);
    cr_expect_eq(due, T("2024-07-04 12:00"), "%s", fmt(due));
    cr_expect_eq(tr.cap, SLA_NO_DUE);
    /* no agreed date: no due */
    cr_expect_eq(due_of(c, "2024-07-01 10:00", NULL, NULL, "2024-07-02 10:00/", NULL), SLA_NO_DUE);
}

/* --- the paused field --- */

static long parse(const char *s, sla_pause *out, pm_buf *msg)
{
    pm_buf_reset(msg);
    return sla_pauses_parse(s, strlen(s), tz, out, 8, msg);
}

Test(sla_pause, field_forms)
{
    sla_pause p[8];
    pm_buf msg = PM_BUF_INIT;
    cr_expect_eq(parse("", p, &msg), 0);
    cr_expect_eq(parse(" ; ", p, &msg), 0);
    cr_assert_eq(parse("2024-07-03T10:00:00+08:00/2024-07-05T16:00:00+08:00", p, &msg), 1);
    cr_expect_eq(p[0].start, T("2024-07-03 10:00"));
    cr_expect_eq(p[0].end, T("2024-07-05 16:00"));
    cr_expect_eq(p[0].open, 0);
    /* slashes inside the sides, blanks, Z, an open one last */
    cr_assert_eq(parse(" 2024/7/3 9:05/2024/7/5 16:00 ; 2024-07-06T02:00Z/ ;", p, &msg), 2, "%s", pm_buf_str(&msg));
    cr_expect_eq(p[0].start, T("2024-07-03 09:05"));
    cr_expect_eq(p[0].end, T("2024-07-05 16:00"));
    cr_expect_eq(p[1].start, T("2024-07-06 10:00"));
    cr_expect_eq(p[1].open, 1);
    cr_assert_eq(parse("2024年7月3日 9:05/2024-07-03", p, &msg), -1);
    cr_expect(strstr(pm_buf_str(&msg), "end is before the start"), "%s", pm_buf_str(&msg));
    /* zero length is no error (and does nothing) */
    cr_expect_eq(parse("2024-07-03 10:00/2024-07-03 10:00", p, &msg), 1);
    pm_buf_free(&msg);
}

Test(sla_pause, field_errors)
{
    sla_pause p[8];
    pm_buf msg = PM_BUF_INIT;
    cr_expect_eq(parse("2024-07-05 10:00/2024-07-03 10:00", p, &msg), -1);
    cr_expect(strstr(pm_buf_str(&msg), "the end is before the start"), "%s", pm_buf_str(&msg));
    cr_expect_eq(parse("2024-07-05 10:00", p, &msg), -1);
    cr_expect(strstr(pm_buf_str(&msg), "START/END"), "%s", pm_buf_str(&msg));
    cr_expect_eq(parse("yesterday/today", p, &msg), -1);
    cr_expect(strstr(pm_buf_str(&msg), "yesterday"), "%s", pm_buf_str(&msg));
    cr_expect_eq(parse("2024-07-01 10:00/2024-07-02 10:00;2024-07-05 10:00/2024-02-30", p, &msg), -1);
    pm_buf_free(&msg);
}

Test(sla_pause, merge_sorts_clips_drops_and_merges)
{
    pm_time c = T("2024-07-01 10:00");
    sla_pause in[5] =
        {
            {T("2024-07-03 10:00"), T("2024-07-04 10:00"), 0},
            {T("2024-06-30 10:00"), T("2024-07-01 09:00"), 0}, /* before creation: gone */
            {T("2024-07-02 10:00"), T("2024-07-03 10:00"), 0}, /* touches the first */
            {T("2024-07-05 10:00"), 0, 1},                     /* open */
            {T("2024-07-06 10:00"), T("2024-07-07 10:00"), 0}, /* inside the open one */
        },
              m[5];
    size_t n = sla_pauses_merge(in, 5, c, 0, 0, m);
    cr_assert_eq(n, 2);
    cr_expect_eq(m[0].start, T("2024-07-02 10:00"));
    cr_expect_eq(m[0].end, T("2024-07-04 10:00"));
    cr_expect_eq(m[1].start, T("2024-07-05 10:00"));
    cr_expect_eq(m[1].open, 1);
    /* completed 07-05 12:00: the open one ends there */
    n = sla_pauses_merge(in, 5, c, 1, T("2024-07-05 12:00"), m);
    cr_assert_eq(n, 2);
    cr_expect_eq(m[1].open, 0);
    cr_expect_eq(m[1].end, T("2024-07-05 12:00"));
    /* completed 07-03 00:00 */
    n = sla_pauses_merge(in, 5, c, 1, T("2024-07-03 00:00"), m);
    cr_assert_eq(n, 1);
    cr_expect_eq(m[0].end, T("2024-07-03 00:00"));
}

/* --- the explanation of what each pause did --- */

static const char *explain(sla_clock c, const char *created, const char *done, const char *paused, const char *now)
{
    static pm_buf out = PM_BUF_INIT;
    sla_trace tr;
    sla_outcome oc;
    pm_time due = due_of(c, created, done, NULL, paused, &tr);
    oc.completed = done != NULL;
    oc.completed_at = done ? T(done) : 0;
    oc.now = T(now);
    oc.window = -1;
    oc.status = done                ? (oc.completed_at <= due ? SLA_MET : SLA_LATE)
                : due == SLA_NO_DUE ? SLA_PAUSED
                : oc.now > due      ? SLA_OVERDUE
                                    : SLA_OPEN;
    pm_buf_reset(&out);
    sla_explain_clock(&out, SLA_RESOLVE, &tr, &oc, cal, tz);
    return pm_buf_str(&out);
}

Test(sla_pause, explain_names_each_pause_and_what_it_did)
{
    cr_expect_str_eq(explain(WD(3), "2024-07-01 10:00", NULL, "2024-07-03T10:00/2024-07-05 16:00", "2024-07-06"),
                     "resolve 3wd from 2024-07-01 (Mon, not counted): 07-02 =1, 07-03..07-05 paused, "
                     "07-06..07-07 weekend, 07-08 =2, 07-09 =3; paused 07-03 10:00..07-05 16:00: "
                     "07-03, 07-04, 07-05 not counted → due 2024-07-10T00:00:00+08:00; "
                     "not resolved, now 2024-07-06T00:00:00+08:00 → open");
    cr_expect_str_eq(explain(HOURS(8), "2024-07-01 10:00", "2024-07-01 19:30",
                             "2024-07-01 12:00/2024-07-01 13:30;2024-07-01 20:00/2024-07-01 21:00", "2024-07-06"),
                     "resolve 2024-07-01T10:00:00+08:00 + 8h; paused 07-01 12:00..07-01 13:30: +1h30m "
                     "→ due 2024-07-01T19:30:00+08:00; resolved 2024-07-01T19:30:00+08:00 → met");
    cr_expect_str_eq(
        explain(WD(3), "2024-07-01 10:00", NULL, "2024-07-01 11:00/2024-07-01 12:00;2024-07-08 00:00/", "2024-07-06"),
        "resolve 3wd from 2024-07-01 (Mon, not counted): 07-02 =1, 07-03 =2, 07-04 =3; "
        "paused 07-01 11:00..07-01 12:00: changes nothing (its days are not counted "
        "anyway); paused since 07-08 00:00: starts after the deadline, changes nothing "
        "→ due 2024-07-05T00:00:00+08:00; not resolved, now 2024-07-06T00:00:00+08:00 "
        "→ overdue");
    cr_expect_str_eq(explain(WD(3), "2024-07-01 10:00", NULL, "2024-07-03 10:00/", "2024-07-06"),
                     "resolve 3wd from 2024-07-01 (Mon, not counted): 07-02 =1; paused since "
                     "07-03 10:00: still paused, the clock is stopped → due none (paused); "
                     "not resolved, now 2024-07-06T00:00:00+08:00 → paused");
}

/* A run's memo (tickets of a day share a day count's account, due
 * included) changes no byte of an explanation, on a miss or a hit, and
 * the span it gives is the due's text there, as pm_time_format writes it
 * (the due column is that copy), or none when the clock is paused. */
Test(sla_pause, memo_changes_nothing_and_points_at_the_due)
{
    static const struct {
        sla_clock c;
        const char *created, *done, *agreed, *paused;
    } cases[] = {
        {{1, 0, 1, {PM_DUR_WORKDAYS, 3}}, "2024-07-01 10:00", "2024-07-03 09:00", NULL, ""},
        {{1, 0, 1, {PM_DUR_WORKDAYS, 3}}, "2024-07-01 18:00", NULL, NULL, ""}, /* the same day: a hit */
        {{1, 1, 1, {PM_DUR_WORKDAYS, 7}}, "2024-02-08 10:00", NULL, "2024-02-20 18:00", ""},
        {{1, 1, 1, {PM_DUR_WORKDAYS, 7}}, "2024-02-08 11:00", "2024-02-19 10:00", "2024-03-20 18:00", ""},
        {{1, 1, 1, {PM_DUR_WORKDAYS, 7}}, "2024-02-08 12:00", NULL, NULL, ""},
        {{1, 0, 1, {PM_DUR_DAYS, 2}}, "2024-07-05 10:00", NULL, NULL, ""},
        {{1, 0, 1, {PM_DUR_SECONDS, 1800}}, "2024-07-05 10:00", "2024-07-05 10:20", NULL, ""},
        {{1, 1, 1, {PM_DUR_SECONDS, 7200}}, "2024-07-05 10:00", NULL, "2024-07-05 11:00", ""},
        {{1, 0, 1, {PM_DUR_WORKDAYS, 3}}, "2024-07-01 10:00", NULL, NULL, "2024-07-03 10:00/"},
        {{1, 0, 1, {PM_DUR_WORKDAYS, 3}}, "2024-07-01 10:00", NULL, NULL, "2024-07-03 10:00/2024-07-04 10:00"},
        {{1, 0, 1, {PM_DUR_SECONDS, 3600}}, "2024-07-01 10:00", NULL, NULL, "2024-07-01 10:30/"},
    };
    sla_explain_memo *memo = sla_explain_memo_new();
    pm_buf plain = PM_BUF_INIT, got = PM_BUF_INIT;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            sla_trace tr;
            sla_outcome oc = {cases[i].done != NULL, cases[i].done ? T(cases[i].done) : 0, T("2024-07-06"), -1,
                              SLA_OPEN};
            pm_time due = due_of(cases[i].c, cases[i].created, cases[i].done, cases[i].agreed, cases[i].paused, &tr);
            pm_buf_reset(&plain);
            pm_buf_reset(&got);
            pm_buf_adds(&got, round ? "a longer text before: " : "x | ");
            size_t at = got.len;
            sla_span span = {0, 0};
            sla_explain_clock(&plain, SLA_RESOLVE, &tr, &oc, cal, tz);
            sla_explain_clock_memo(&got, SLA_RESOLVE, &tr, &oc, cal, tz, memo, &span);
            cr_expect_str_eq(pm_buf_str(&got) + at, pm_buf_str(&plain), "case %zu, round %d", i, round);
            if (due == SLA_NO_DUE) {
                cr_expect_eq(span.at, SIZE_MAX, "case %zu", i);
                continue;
            }
            cr_assert_lt(span.at, got.len, "case %zu", i);
            cr_expect_eq(span.len, 25);
            cr_expect_eq(strncmp(got.s + span.at, fmt(due), 25), 0, "case %zu: %.25s, due %s", i, got.s + span.at,
                         fmt(due));
        }
    }
    pm_buf_free(&plain);
    pm_buf_free(&got);
    sla_explain_memo_free(memo);
}

Test(sla_pause, paused_ranks_between_open_and_at_risk)
{
    cr_expect(SLA_OPEN < SLA_PAUSED && SLA_PAUSED < SLA_AT_RISK);
    cr_expect(SLA_MET < SLA_OPEN && SLA_AT_RISK < SLA_LATE && SLA_LATE < SLA_OVERDUE);
    cr_expect_str_eq(sla_status_name[SLA_PAUSED], "paused");
}
