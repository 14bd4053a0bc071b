/* test_sla_deadline.c - pm-sla's deadline function without pauses (issue
 * 20): minute and hour clocks from the exact moment, calendar days and
 * working days that do not count the start day and end at 24:00 of the
 * last day (docs/RULES.md section 1, PRC Civil Code arts. 200-204),
 * weekends, holidays and make-up working days of the shipped cn calendar,
 * agreed dates capped by the clock, and the trace.  Every expected value is
 * counted by hand in the comments.
 *
 * Calendar cn, 2024: 02-10..02-17 Spring Festival (make-up working days
 * Sun 02-04 and Sun 02-18); 04-04..04-06 Qingming (make-up Sun 04-07);
 * 10-01..10-07 National Day (make-up Sun 09-29 and Sat 10-12).  Weekdays:
 * Mon 2024-07-01, Thu 2024-02-01, Mon 2024-04-01, Tue 2024-10-01.
 * Zone Asia/Shanghai (UTC+8, no DST) unless said otherwise. */
#include "sla_test.h"

SLA_SUITE(sla_deadline);

static const char *fmt(const pm_tz *z, pm_time t)
{
    static char b[4][PM_TIME_BUFSZ];
    static int i;
    i = (i + 1) % 4;
    pm_time_format(t, z, b[i]);
    return b[i];
}

static sla_clock clock_of(pm_dur_kind kind, int64_t n, int agreed)
{
    sla_clock c = {1, agreed, 0, {kind, n}};
    return c;
}

#define MINUTES(n) clock_of(PM_DUR_SECONDS, (n)*60, 0)
#define HOURS(n)   clock_of(PM_DUR_SECONDS, (n)*3600, 0)
#define DAYS(n)    clock_of(PM_DUR_DAYS, n, 0)
#define WD(n)      clock_of(PM_DUR_WORKDAYS, n, 0)

/* The due of clock c for a ticket created at `created` (no agreed date),
 * checked with and without a trace (the two paths of the function). */
#define expect_due(c, created, want)                                                                                   \
    do {                                                                                                               \
        sla_clock c_ = (c);                                                                                            \
        pm_time got_ = sla_deadline(&c_, T(created), 0, 0, cal, tz, NULL);                                             \
        cr_expect_eq(got_, T(want), "created %s: due %s, expected %s", created, fmt(tz, got_), want);                  \
        sla_trace tr_;                                                                                                 \
        memset(&tr_, 0, sizeof tr_);                                                                                   \
        got_ = sla_deadline(&c_, T(created), 0, 0, cal, tz, &tr_);                                                     \
        cr_expect_eq(got_, T(want), "traced, created %s: due %s, expected %s", created, fmt(tz, got_), want);          \
        cr_expect_eq(tr_.due, got_, "trace due");                                                                      \
    } while (0)

#define expect_agreed(c, created, agreed, want)                                                                        \
    do {                                                                                                               \
        sla_clock c_ = (c);                                                                                            \
        pm_time got_ = sla_deadline(&c_, T(created), 1, T(agreed), cal, tz, NULL);                                     \
        cr_expect_eq(got_, T(want), "agreed %s: due %s, expected %s", agreed, fmt(tz, got_), want);                    \
    } while (0)

/* --- minutes and hours: from the exact moment, weekends and holidays included --- */

Test(sla_deadline, minutes_from_the_exact_moment)
{
    expect_due(MINUTES(15), "2024-07-01 10:00", "2024-07-01 10:15");
    expect_due(MINUTES(30), "2024-07-01 10:07:42", "2024-07-01 10:37:42");
}

Test(sla_deadline, minutes_across_midnight)
{
    expect_due(MINUTES(30), "2024-07-01 23:50", "2024-07-02 00:20");
}

Test(sla_deadline, hours_run_through_the_weekend)
{
    /* Fri 20:00 + 8h = Sat 04:00: hours are not working hours */
    expect_due(HOURS(8), "2024-07-05 20:00", "2024-07-06 04:00");
}

Test(sla_deadline, hours_run_through_a_holiday)
{
    /* 02-10 is in the Spring Festival: 24h later all the same */
    expect_due(HOURS(24), "2024-02-10 09:30", "2024-02-11 09:30");
}

Test(sla_deadline, hours_are_elapsed_time_across_a_dst_change)
{
    /* New York, 2024-03-10 02:00 EST -> 03:00 EDT: 24 elapsed hours from
     * Sat 12:00 EST are Sun 13:00 EDT, not 12:00 */
    pm_error err;
    pm_tz *ny = pm_tz_open("America/New_York", &err);
    cr_assert_not_null(ny, "%s", err.msg);
    sla_clock c = HOURS(24);
    pm_time got = sla_deadline(&c, Tz(ny, "2024-03-09 12:00"), 0, 0, cal, ny, NULL);
    cr_expect_eq(got, Tz(ny, "2024-03-10 13:00"), "due %s", fmt(ny, got));
    pm_tz_free(ny);
}

/* --- calendar days: the start day is not counted; the period ends at 24:00 of the last day --- */

Test(sla_deadline, days_end_at_midnight_after_the_last_day)
{
    /* start Mon 07-01 not counted; days 07-02, 07-03; 24:00 of 07-03 */
    expect_due(DAYS(2), "2024-07-01 10:00", "2024-07-04 00:00");
}

Test(sla_deadline, days_start_day_not_counted_even_from_its_first_second)
{
    expect_due(DAYS(2), "2024-07-01 00:00:00", "2024-07-04 00:00");
    expect_due(DAYS(2), "2024-07-01 23:59:59", "2024-07-04 00:00");
}

Test(sla_deadline, days_one_second_past_midnight_starts_a_new_day)
{
    /* created at 00:00 of 07-02: 07-02 is the start day -> 07-03, 07-04 */
    expect_due(DAYS(2), "2024-07-02 00:00:00", "2024-07-05 00:00");
}

Test(sla_deadline, one_day)
{
    expect_due(DAYS(1), "2024-07-01 18:00", "2024-07-03 00:00");
}

Test(sla_deadline, days_count_weekends_and_holidays)
{
    /* Fri 07-05: 07-06 Sat, 07-07 Sun are days */
    expect_due(DAYS(2), "2024-07-05 09:00", "2024-07-08 00:00");
    /* Fri 02-09: 02-10, 02-11, 02-12 are holiday days, counted all the same */
    expect_due(DAYS(3), "2024-02-09 09:00", "2024-02-13 00:00");
}

Test(sla_deadline, days_across_a_month_and_year_end)
{
    /* 2024 is a leap year: 02-28 -> 02-29, 03-01 */
    expect_due(DAYS(2), "2024-02-28 12:00", "2024-03-02 00:00");
    /* 12-30 -> 12-31, 01-01 */
    expect_due(DAYS(2), "2024-12-30 12:00", "2025-01-02 00:00");
}

Test(sla_deadline, days_end_at_local_midnight_across_a_dst_change)
{
    /* New York: start Sat 03-09, days 03-10 (23 hours long), 03-11;
     * 00:00 EDT of 03-12 is 04:00 UTC */
    pm_error err;
    pm_tz *ny = pm_tz_open("America/New_York", &err);
    cr_assert_not_null(ny, "%s", err.msg);
    sla_clock c = DAYS(2);
    pm_time got = sla_deadline(&c, Tz(ny, "2024-03-09 10:00"), 0, 0, cal, ny, NULL);
    cr_expect_eq(got, Tz(ny, "2024-03-12 00:00"), "due %s", fmt(ny, got));
    /* 2024-03-12 04:00 UTC = 1710216000 */
    cr_expect_eq(got, (pm_time)1710216000);
    pm_tz_free(ny);
}

/* --- working days --- */

Test(sla_deadline, working_days_in_a_plain_week)
{
    /* Mon 07-01: 07-02, 07-03, 07-04 -> 24:00 of Thu 07-04 */
    expect_due(WD(3), "2024-07-01 10:00", "2024-07-05 00:00");
}

Test(sla_deadline, working_days_skip_the_weekend)
{
    /* Thu 07-04: Fri 07-05 (1), Sat/Sun skipped, Mon 07-08 (2), Tue 07-09 (3) */
    expect_due(WD(3), "2024-07-04 10:00", "2024-07-10 00:00");
    /* Fri 07-05: Mon 07-08 (1), Tue 07-09 (2) */
    expect_due(WD(2), "2024-07-05 17:00", "2024-07-10 00:00");
}

Test(sla_deadline, working_days_from_a_weekend_day)
{
    /* Sat 07-06: Mon 07-08, Tue 07-09, Wed 07-10 */
    expect_due(WD(3), "2024-07-06 10:00", "2024-07-11 00:00");
    /* Sun 07-07: the same three days */
    expect_due(WD(3), "2024-07-07 23:00", "2024-07-11 00:00");
}

Test(sla_deadline, working_days_start_day_not_counted_even_at_midnight)
{
    /* created 00:00 Mon 07-01: 07-01 is still the start day */
    expect_due(WD(1), "2024-07-01 00:00", "2024-07-03 00:00");
}

Test(sla_deadline, working_days_skip_a_holiday_and_count_a_makeup_sunday)
{
    /* Fri 02-09: 02-10..02-17 Spring Festival, Sun 02-18 make-up (1),
     * Mon 02-19 (2) */
    expect_due(WD(1), "2024-02-09 10:00", "2024-02-19 00:00");
    expect_due(WD(2), "2024-02-09 10:00", "2024-02-20 00:00");
}

Test(sla_deadline, working_days_makeup_sunday_before_the_holiday)
{
    /* Sat 02-03: Sun 02-04 is a make-up working day (1) */
    expect_due(WD(1), "2024-02-03 10:00", "2024-02-05 00:00");
    /* Fri 02-02: Sat 02-03 off, Sun 02-04 (1), Mon 02-05 (2) */
    expect_due(WD(2), "2024-02-02 10:00", "2024-02-06 00:00");
}

Test(sla_deadline, working_days_qingming)
{
    /* Wed 04-03: 04-04..04-06 holiday, Sun 04-07 make-up (1) */
    expect_due(WD(1), "2024-04-03 10:00", "2024-04-08 00:00");
    /* two: Mon 04-08 (2) */
    expect_due(WD(2), "2024-04-03 10:00", "2024-04-09 00:00");
}

Test(sla_deadline, working_days_national_day_with_a_makeup_saturday)
{
    /* Mon 09-30: 10-01..10-07 holiday; Tue 10-08 (1), 10-09 (2), 10-10 (3),
     * 10-11 (4), Sat 10-12 make-up (5) */
    expect_due(WD(5), "2024-09-30 10:00", "2024-10-13 00:00");
    /* Sat 09-28: Sun 09-29 make-up (1), Mon 09-30 (2), then 10-08 (3) */
    expect_due(WD(3), "2024-09-28 10:00", "2024-10-09 00:00");
}

Test(sla_deadline, working_days_seven_across_a_weekend)
{
    /* Mon 07-01: 02, 03, 04, 05, 08, 09, 10 -> 24:00 of Wed 07-10 */
    expect_due(WD(7), "2024-07-01 10:00", "2024-07-11 00:00");
}

Test(sla_deadline, trace_names_the_start_and_last_day)
{
    sla_clock c = WD(2);
    sla_trace tr;
    memset(&tr, 0, sizeof tr);
    pm_time got = sla_deadline(&c, T("2024-02-09 10:00"), 0, 0, cal, tz, &tr);
    cr_expect_eq(tr.start_day, pm_day_from_civil(2024, 2, 9));
    cr_expect_eq(tr.last_day, pm_day_from_civil(2024, 2, 19), "last day: Mon 02-19");
    cr_expect_eq(tr.start, T("2024-02-09 10:00"));
    cr_expect_eq(tr.cap, T("2024-02-20 00:00"));
    cr_expect_eq(tr.due, got);
    cr_expect_eq(got, T("2024-02-20 00:00"));
    cr_expect_eq(tr.within.kind, PM_DUR_WORKDAYS);
    cr_expect_eq(tr.within.n, 2);
    cr_expect_eq(tr.has_agreed, 0);
    cr_expect_eq(tr.npe, 0);
}

/* --- agreed: the agreed date, never later than the clock allows --- */

#define AGREED_WD(n) clock_of(PM_DUR_WORKDAYS, n, 1)

Test(sla_deadline, agreed_before_the_cap_is_the_due)
{
    /* 7wd from Mon 07-01 caps at 07-11 00:00; agreed 07-02 15:00 is earlier */
    expect_agreed(AGREED_WD(7), "2024-07-01 10:00", "2024-07-02 15:00", "2024-07-02 15:00");
}

Test(sla_deadline, agreed_after_the_cap_is_capped)
{
    expect_agreed(AGREED_WD(7), "2024-07-01 10:00", "2024-07-20 10:00", "2024-07-11 00:00");
    /* one second after the cap: still the cap */
    expect_agreed(AGREED_WD(7), "2024-07-01 10:00", "2024-07-11 00:00:01", "2024-07-11 00:00");
}

Test(sla_deadline, agreed_one_second_before_the_cap_is_the_due)
{
    expect_agreed(AGREED_WD(7), "2024-07-01 10:00", "2024-07-10 23:59:59", "2024-07-10 23:59:59");
}

Test(sla_deadline, agreed_exactly_at_the_cap)
{
    expect_agreed(AGREED_WD(7), "2024-07-01 10:00", "2024-07-11 00:00", "2024-07-11 00:00");
}

Test(sla_deadline, agreed_without_an_agreed_date_is_the_cap)
{
    sla_clock c = AGREED_WD(7);
    pm_time got = sla_deadline(&c, T("2024-07-01 10:00"), 0, T("2024-07-02 15:00"), cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-11 00:00"), "due %s", fmt(tz, got));
}

Test(sla_deadline, agreed_date_ignored_by_a_clock_that_is_not_agreed)
{
    sla_clock c = WD(7);
    pm_time got = sla_deadline(&c, T("2024-07-01 10:00"), 1, T("2024-07-02 15:00"), cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-11 00:00"), "due %s", fmt(tz, got));
}

Test(sla_deadline, agreed_trace)
{
    sla_clock c = AGREED_WD(7);
    sla_trace tr;
    memset(&tr, 0, sizeof tr);
    pm_time got = sla_deadline(&c, T("2024-07-01 10:00"), 1, T("2024-07-02 15:00"), cal, tz, &tr);
    cr_expect_eq(got, T("2024-07-02 15:00"));
    cr_expect_eq(tr.cap, T("2024-07-11 00:00"), "the cap is kept apart from the due");
    cr_expect_eq(tr.due, T("2024-07-02 15:00"));
    cr_expect_eq(tr.agreed, 1);
    cr_expect_eq(tr.has_agreed, 1);
    cr_expect_eq(tr.agreed_at, T("2024-07-02 15:00"));
}

Test(sla_deadline, agreed_minutes_clock)
{
    /* an agreed clock in hours: 8h from 10:00 caps at 18:00 */
    sla_clock c = clock_of(PM_DUR_SECONDS, 8 * 3600, 1);
    pm_time got = sla_deadline(&c, T("2024-07-01 10:00"), 1, T("2024-07-01 12:00"), cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-01 12:00"), "due %s", fmt(tz, got));
    got = sla_deadline(&c, T("2024-07-01 10:00"), 1, T("2024-07-01 19:00"), cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-01 18:00"), "due %s", fmt(tz, got));
}

/* --- the paused variant: pauses ignored by a clock that does not pause --- */

Test(sla_deadline, paused_ignored_when_the_clock_does_not_pause)
{
    sla_clock c = HOURS(8); /* pause 0 */
    sla_pause p = {T("2024-07-01 12:00"), T("2024-07-01 14:00"), 0};
    pm_time got = sla_deadline_paused(&c, T("2024-07-01 10:00"), 0, 0, &p, 1, cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-01 18:00"), "due %s", fmt(tz, got));
    c.pause = 1; /* the same pause now moves it by 2h */
    got = sla_deadline_paused(&c, T("2024-07-01 10:00"), 0, 0, &p, 1, cal, tz, NULL);
    cr_expect_eq(got, T("2024-07-01 20:00"), "due %s", fmt(tz, got));
}

Test(sla_deadline, paused_with_no_pauses_is_sla_deadline)
{
    sla_clock c = clock_of(PM_DUR_WORKDAYS, 2, 0);
    c.pause = 1;
    pm_time got = sla_deadline_paused(&c, T("2024-02-09 10:00"), 0, 0, NULL, 0, cal, tz, NULL);
    cr_expect_eq(got, T("2024-02-20 00:00"), "due %s", fmt(tz, got));
}
