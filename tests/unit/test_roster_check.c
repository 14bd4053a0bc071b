/* test_roster_check.c - ro_check, the roster checker, one rule at a time
 * (man/pm-roster.1, THE RULES) on small rosters loaded the way pm-roster
 * loads them: a posts file, a staff file and a roster, read by ro_read.
 *
 * The expected instants are worked out by hand: Asia/Shanghai is UTC+8 all
 * year (no daylight saving since 1991), so local H:00 of a day is
 * day * 86400 + (H - 8) * 3600.  2024-10-01 is a Tuesday; 2024-10-07 a
 * Monday.  Default rules: max_shift 8h, min_rest 12h, 44 h a week, one
 * rest day a week. */
#include <criterion/criterion.h>
#include "unit_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/pm-roster/roster.h"

static char *write_temp(const char *text)
{
    return test_temp_file(strdup("/tmp/pmrocheckXXXXXX"), text);
}

/* Local time in Shanghai, by hand (UTC+8). */
static pm_time sh_at(int y, int mo, int d, int h, int mi)
{
    return (pm_time)pm_day_from_civil(y, mo, d) * 86400 + (pm_time)(h - 8) * 3600 + (pm_time)mi * 60;
}

typedef struct fixture {
    pm_tz *tz;
    ro_model m;
    ro_violations vs;
} fixture;

/* Loads posts (YAML), staff (CSV) and one roster (CSV) into f->m; every
 * record must be accepted. */
static void load(fixture *f, const char *posts_yaml, const char *staff_csv, const char *roster_csv)
{
    pm_error err;
    pm_error_clear(&err);
    f->tz = pm_tz_open("Asia/Shanghai", &err);
    cr_assert_not_null(f->tz, "%s", err.msg);
    ro_model_init(&f->m, f->tz);
    memset(&f->vs, 0, sizeof f->vs);
    char *posts = write_temp(posts_yaml);
    char *staff = write_temp(staff_csv);
    char *roster = write_temp(roster_csv);
    cr_assert_eq(ro_posts_load(&f->m, posts), 0);
    pm_common com;
    memset(&com, 0, sizeof com);
    com.tz_name = "Asia/Shanghai";
    ro_read_spec rs;
    memset(&rs, 0, sizeof rs);
    rs.staff = staff;
    rs.rosters = &roster;
    rs.nrosters = 1;
    int st = ro_read(&f->m, &com, &rs);
    cr_assert(rs.opened);
    cr_assert_eq(st, 0, "every record of the fixture is valid");
    cr_assert_eq(rs.rejected, 0);
    unlink(posts);
    unlink(staff);
    unlink(roster);
    free(posts);
    free(staff);
    free(roster);
}

static int check(fixture *f, int y, int mo, int d, int ndays, double max_seconds)
{
    int rc = ro_check(&f->m, pm_day_from_civil(y, mo, d), ndays, max_seconds, &f->vs);
    ro_violations_sort(&f->vs);
    return rc;
}

static void done(fixture *f)
{
    ro_violations_free(&f->vs);
    ro_model_free(&f->m);
    pm_tz_free(f->tz);
}

/* The violations as "rule staff post" lines, for failure messages. */
static const char *listing(const ro_violations *vs)
{
    static char out[2048];
    out[0] = 0;
    for (int i = 0; i < vs->n; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "[%s|%s|%s|%s] ", ro_rule_names[vs->v[i].rule], vs->v[i].staff, vs->v[i].post,
                 vs->v[i].detail);
    }
    return out;
}

static void expect_one(const ro_violations *vs, int rule, const char *staff, const char *post, pm_time s, pm_time e)
{
    cr_assert_eq(vs->n, 1, "one violation expected, got %d: %s", vs->n, listing(vs));
    const ro_violation *v = &vs->v[0];
    cr_assert_eq(v->rule, rule, "rule %s, expected %s", ro_rule_names[v->rule], ro_rule_names[rule]);
    cr_assert_str_eq(v->staff, staff);
    cr_assert_str_eq(v->post, post);
    cr_assert_eq(v->s, s, "start %lld, expected %lld", (long long)v->s, (long long)s);
    cr_assert_eq(v->e, e, "end %lld, expected %lld", (long long)v->e, (long long)e);
}

#define CONTROL_POSTS "posts:\n  - {id: control, hours: \"00:00-24:00\"}\n"
#define THREE_STAFF   "id,name,skills\nS1,Wang Wei,\nS2,Li Na,\nS3,Zhang Min,\n"

Test(roster_check, rule_names_in_report_order)
{
    cr_assert_str_eq(ro_rule_names[RULE_COVERAGE], "coverage");
    cr_assert_str_eq(ro_rule_names[RULE_SKILL], "skill");
    cr_assert_str_eq(ro_rule_names[RULE_OVERLAP], "overlap");
    cr_assert_str_eq(ro_rule_names[RULE_MAX_CONTINUOUS], "max_continuous");
    cr_assert_str_eq(ro_rule_names[RULE_WEEK_HOURS], "week_hours");
    cr_assert_str_eq(ro_rule_names[RULE_REST_DAY], "rest_day");
}

/* A 24 h post held in three 8 h shifts, one after the other: nothing to flag. */
Test(roster_check, covered_post_gives_no_violation)
{
    fixture f;
    load(&f, CONTROL_POSTS, THREE_STAFF,
         "post,staff,start,end\n"
         "control,S1,2024-10-01 00:00,2024-10-01 08:00\n"
         "control,S2,2024-10-01 08:00,2024-10-01 16:00\n"
         "control,S3,2024-10-01 16:00,2024-10-02 00:00\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    cr_assert_eq(f.vs.n, 0, "nothing broken, got: %s", listing(&f.vs));
    done(&f);
}

/* The day shift is missing: 08:00-16:00 of the 24 h post is one gap, not
 * about a person. */
Test(roster_check, coverage_gap_of_a_24h_post)
{
    fixture f;
    load(&f, CONTROL_POSTS, THREE_STAFF,
         "post,staff,start,end\n"
         "control,S1,2024-10-01 00:00,2024-10-01 08:00\n"
         "control,S3,2024-10-01 16:00,2024-10-02 00:00\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    expect_one(&f.vs, RULE_COVERAGE, "", "control", sh_at(2024, 10, 1, 8, 0), sh_at(2024, 10, 1, 16, 0));
    done(&f);
}

/* An uncovered stretch across midnight is one violation: S1 leaves the
 * 24 h post at 20:00 on the 1st, S2 comes at 06:00 on the 2nd. */
Test(roster_check, coverage_gap_across_midnight_is_one)
{
    fixture f;
    load(&f, CONTROL_POSTS, THREE_STAFF,
         "post,staff,start,end\n"
         "control,S1,2024-10-01 00:00,2024-10-01 06:00\n"
         "control,S3,2024-10-01 06:00,2024-10-01 14:00\n"
         "control,S1,2024-10-01 14:00,2024-10-01 20:00\n"
         "control,S2,2024-10-02 06:00,2024-10-02 14:00\n"
         "control,S3,2024-10-02 14:00,2024-10-02 22:00\n"
         "control,S1,2024-10-02 22:00,2024-10-03 00:00\n");
    /* S1 works 00-06 and 14-20 on the 1st: 8 h apart < min_rest 12h, so one
     * shift of 20 h (max_shift); that is a second, separate finding */
    cr_assert_eq(check(&f, 2024, 10, 1, 2, 0), 0);
    int ncov = 0;
    for (int i = 0; i < f.vs.n; i++) {
        const ro_violation *v = &f.vs.v[i];
        if (v->rule != RULE_COVERAGE) continue;
        ncov++;
        cr_assert_str_eq(v->post, "control");
        cr_assert_eq(v->s, sh_at(2024, 10, 1, 20, 0));
        cr_assert_eq(v->e, sh_at(2024, 10, 2, 6, 0));
    }
    cr_assert_eq(ncov, 1, "one gap across midnight: %s", listing(&f.vs));
    done(&f);
}

/* A gate allows 4 h unbroken.  S1's two adjacent assignments (08-10,
 * 10-13) are one 5 h stretch; S2's exactly 4 h and S3's 3 h are fine. */
Test(roster_check, max_continuous_at_a_gate)
{
    fixture f;
    load(&f, "posts:\n  - {id: gate, hours: \"08:00-20:00\", max_continuous: 4h}\n", THREE_STAFF,
         "post,staff,start,end\n"
         "gate,S1,2024-10-01 08:00,2024-10-01 10:00\n"
         "gate,S1,2024-10-01 10:00,2024-10-01 13:00\n"
         "gate,S2,2024-10-01 13:00,2024-10-01 17:00\n"
         "gate,S3,2024-10-01 17:00,2024-10-01 20:00\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    expect_one(&f.vs, RULE_MAX_CONTINUOUS, "S1", "gate", sh_at(2024, 10, 1, 8, 0), sh_at(2024, 10, 1, 13, 0));
    done(&f);
}

/* A break ends the stretch: 08-11 and 11:30-14:30 are two 3 h stretches. */
Test(roster_check, a_break_ends_the_stretch)
{
    fixture f;
    load(&f, "posts:\n  - {id: gate, hours: \"08:00-14:30\", max_continuous: 4h}\n", THREE_STAFF,
         "post,staff,start,end\n"
         "gate,S1,2024-10-01 08:00,2024-10-01 11:00\n"
         "gate,S2,2024-10-01 11:00,2024-10-01 11:30\n"
         "gate,S1,2024-10-01 11:30,2024-10-01 14:30\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    cr_assert_eq(f.vs.n, 0, "no stretch over 4h: %s", listing(&f.vs));
    done(&f);
}

/* S1 holds post A all day and also stands at post B from 12:00 to 14:00,
 * between S2 and S3: at A and B at once from 12:00 to 14:00 (the overlap,
 * not either assignment). */
Test(roster_check, one_person_on_two_posts_at_once)
{
    fixture f;
    load(&f,
         "posts:\n  - {id: A, hours: \"08:00-16:00\"}\n"
         "  - {id: B, hours: \"08:00-16:00\"}\n",
         THREE_STAFF,
         "post,staff,start,end\n"
         "A,S1,2024-10-01 08:00,2024-10-01 16:00\n"
         "B,S2,2024-10-01 08:00,2024-10-01 12:00\n"
         "B,S1,2024-10-01 12:00,2024-10-01 14:00\n"
         "B,S3,2024-10-01 14:00,2024-10-01 16:00\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    expect_one(&f.vs, RULE_OVERLAP, "S1", "A;B", sh_at(2024, 10, 1, 12, 0), sh_at(2024, 10, 1, 14, 0));
    done(&f);
}

/* S1's own limit is 20 h, below the rule's 44: three 8 h days (Monday to
 * Wednesday) make 24 h in the week of Monday 2024-10-07; the violation is
 * the whole week, Monday 00:00 to the next Monday 00:00.  S2, 24 h under a
 * 44 h limit, is fine. */
Test(roster_check, week_hours_over_the_limit)
{
    fixture f;
    load(&f,
         "posts:\n  - {id: desk, hours: \"08:00-16:00\"}\n"
         "  - {id: door, hours: \"08:00-16:00\"}\n",
         "id,name,skills,max_week_hours\nS1,Wang Wei,,20\nS2,Li Na,,\n",
         "post,staff,start,end\n"
         "desk,S1,2024-10-07 08:00,2024-10-07 16:00\n"
         "desk,S1,2024-10-08 08:00,2024-10-08 16:00\n"
         "desk,S1,2024-10-09 08:00,2024-10-09 16:00\n"
         "door,S2,2024-10-07 08:00,2024-10-07 16:00\n"
         "door,S2,2024-10-08 08:00,2024-10-08 16:00\n"
         "door,S2,2024-10-09 08:00,2024-10-09 16:00\n");
    /* three days: the week is not wholly inside, so no rest_day check */
    cr_assert_eq(check(&f, 2024, 10, 7, 3, 0), 0);
    expect_one(&f.vs, RULE_WEEK_HOURS, "S1", "", sh_at(2024, 10, 7, 0, 0), sh_at(2024, 10, 14, 0, 0));
    cr_assert(strstr(f.vs.v[0].detail, "24h"), "%s", f.vs.v[0].detail);
    done(&f);
}

/* S1 works 4 h on each of the seven days of the week of 2024-10-07 (28 h,
 * under 44): no day without work.  The week lies wholly inside the span. */
Test(roster_check, missing_rest_day)
{
    fixture f;
    load(&f, "posts:\n  - {id: desk, hours: \"08:00-12:00\"}\n", THREE_STAFF,
         "post,staff,start,end\n"
         "desk,S1,2024-10-07 08:00,2024-10-07 12:00\n"
         "desk,S1,2024-10-08 08:00,2024-10-08 12:00\n"
         "desk,S1,2024-10-09 08:00,2024-10-09 12:00\n"
         "desk,S1,2024-10-10 08:00,2024-10-10 12:00\n"
         "desk,S1,2024-10-11 08:00,2024-10-11 12:00\n"
         "desk,S1,2024-10-12 08:00,2024-10-12 12:00\n"
         "desk,S1,2024-10-13 08:00,2024-10-13 12:00\n");
    cr_assert_eq(check(&f, 2024, 10, 7, 7, 0), 0);
    expect_one(&f.vs, RULE_REST_DAY, "S1", "", sh_at(2024, 10, 7, 0, 0), sh_at(2024, 10, 14, 0, 0));
    done(&f);
}

/* The same week with S2 taking Sunday: S1 has a rest day, S2 six. */
Test(roster_check, one_free_day_is_enough)
{
    fixture f;
    load(&f, "posts:\n  - {id: desk, hours: \"08:00-12:00\"}\n", THREE_STAFF,
         "post,staff,start,end\n"
         "desk,S1,2024-10-07 08:00,2024-10-07 12:00\n"
         "desk,S1,2024-10-08 08:00,2024-10-08 12:00\n"
         "desk,S1,2024-10-09 08:00,2024-10-09 12:00\n"
         "desk,S1,2024-10-10 08:00,2024-10-10 12:00\n"
         "desk,S1,2024-10-11 08:00,2024-10-11 12:00\n"
         "desk,S1,2024-10-12 08:00,2024-10-12 12:00\n"
         "desk,S2,2024-10-13 08:00,2024-10-13 12:00\n");
    cr_assert_eq(check(&f, 2024, 10, 7, 7, 0), 0);
    cr_assert_eq(f.vs.n, 0, "everyone has a rest day: %s", listing(&f.vs));
    done(&f);
}

/* The clinic needs firstaid: S1 (guard only) breaks it for their
 * assignment, S2 (guard and firstaid) does not. */
Test(roster_check, skill_the_person_lacks)
{
    fixture f;
    load(&f, "posts:\n  - {id: clinic, hours: \"08:00-16:00\", skills: [firstaid]}\n",
         "id,name,skills\nS1,Wang Wei,guard\nS2,Li Na,guard;firstaid\n",
         "post,staff,start,end\n"
         "clinic,S1,2024-10-01 08:00,2024-10-01 12:00\n"
         "clinic,S2,2024-10-01 12:00,2024-10-01 16:00\n");
    cr_assert_eq(check(&f, 2024, 10, 1, 1, 0), 0);
    expect_one(&f.vs, RULE_SKILL, "S1", "clinic", sh_at(2024, 10, 1, 8, 0), sh_at(2024, 10, 1, 12, 0));
    cr_assert(strstr(f.vs.v[0].detail, "firstaid"), "%s", f.vs.v[0].detail);
    done(&f);
}

/* max_seconds 0 is no cap: every pass runs (the rest_day of the last
 * person pass is there with the coverage gap of the first) and the result
 * is 0, complete. */
Test(roster_check, zero_max_seconds_is_no_cap)
{
    fixture f;
    load(&f, "posts:\n  - {id: desk, hours: \"08:00-13:00\"}\n", THREE_STAFF,
         "post,staff,start,end\n"
         "desk,S1,2024-10-07 08:00,2024-10-07 12:00\n"
         "desk,S1,2024-10-08 08:00,2024-10-08 13:00\n"
         "desk,S1,2024-10-09 08:00,2024-10-09 13:00\n"
         "desk,S1,2024-10-10 08:00,2024-10-10 13:00\n"
         "desk,S1,2024-10-11 08:00,2024-10-11 13:00\n"
         "desk,S1,2024-10-12 08:00,2024-10-12 13:00\n"
         "desk,S1,2024-10-13 08:00,2024-10-13 13:00\n");
    cr_assert_eq(check(&f, 2024, 10, 7, 7, 0), 0, "no cap: the check is complete");
    cr_assert_eq(f.vs.n, 2, "%s", listing(&f.vs));
    /* sorted by start: the week's rest_day at Monday 00:00, then the gap */
    cr_assert_eq(f.vs.v[0].rule, RULE_REST_DAY);
    cr_assert_str_eq(f.vs.v[0].staff, "S1");
    cr_assert_eq(f.vs.v[0].s, sh_at(2024, 10, 7, 0, 0));
    cr_assert_eq(f.vs.v[1].rule, RULE_COVERAGE);
    cr_assert_eq(f.vs.v[1].s, sh_at(2024, 10, 7, 12, 0));
    cr_assert_eq(f.vs.v[1].e, sh_at(2024, 10, 7, 13, 0));
    done(&f);
}
