/* test_sla_policy.c - pm-sla's policy (pause settings, versions) and the
 * judgement of one ticket (issue 14): the version in force on the creation
 * date, status paused, pauses per clock, deadlines past 9999-12-31. */
#include "sla_test.h"
#include "unit_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

SLA_SUITE(sla_policy);

/* Loads yaml as a policy file; 0 or -1 with err. */
static int load(const char *yaml, sla_policy *p, pm_error *err)
{
    char path[] = "/tmp/pm-test-policy-XXXXXX";
    test_temp_file(path, yaml);
    pm_error_clear(err);
    pm_errors errs = PM_ERRORS_INIT;
    int r = sla_policy_load(p, path, &errs);
    if (errs.n) *err = errs.v[0]; /* the first */
    pm_errors_free(&errs);
    unlink(path);
    return r;
}

static void load_ok(const char *yaml, sla_policy *p)
{
    pm_error err;
    cr_assert_eq(load(yaml, p, &err), 0, "%s:%ld: %s", err.file, err.line, err.msg);
}

static const char versions_yaml[] = "versions:\n"
                                    "  - effective_from: 2023-01-01\n"
                                    "    categories:\n"
                                    "      repair: {resolve: 5wd}\n"
                                    "      noise: {arrive: 30m}\n"
                                    "  - effective_from: 2024-07-01\n"
                                    "    categories:\n"
                                    "      repair: {resolve: {within: 3wd, pause: false}}\n"
                                    "      chat: {respond: {within: 30m, pause: true}}\n";

Test(sla_policy, pause_defaults_resolve_only)
{
    sla_policy p;
    load_ok("categories:\n  a: {respond: 30m, arrive: 1h, resolve: 3wd}\n"
            "  b: {respond: {within: 30m, pause: true}, resolve: {within: 2d, pause: false}}\n",
            &p);
    const sla_category *a = sla_policy_find(&p, "a", 1), *b = sla_policy_find(&p, "b", 1);
    cr_assert(a && b);
    cr_expect_eq(a->clock[SLA_RESPOND].pause, 0);
    cr_expect_eq(a->clock[SLA_ARRIVE].pause, 0);
    cr_expect_eq(a->clock[SLA_RESOLVE].pause, 1);
    cr_expect_eq(b->clock[SLA_RESPOND].pause, 1);
    cr_expect_eq(b->clock[SLA_RESOLVE].pause, 0);
    cr_expect_eq(p.versioned, 0);
    cr_expect_eq(p.nver, 1);
    sla_policy_free(&p);
}

Test(sla_policy, pause_must_be_a_bool)
{
    sla_policy p;
    pm_error err;
    cr_expect_eq(load("categories:\n  a: {resolve: {within: 3wd, pause: maybe}}\n", &p, &err), -1);
    cr_expect(strstr(err.msg, "pause must be true or false"), "%s", err.msg);
    cr_expect_eq(err.line, 2);
}

Test(sla_policy, versions_load_and_the_one_in_force_is_found)
{
    sla_policy p;
    load_ok(versions_yaml, &p);
    cr_assert_eq(p.nver, 2);
    cr_expect_eq(p.versioned, 1);
    cr_expect_null(sla_policy_version(&p, pm_day_from_civil(2022, 12, 31)));
    cr_expect_eq(sla_policy_version(&p, pm_day_from_civil(2023, 1, 1)), &p.ver[0]);
    cr_expect_eq(sla_policy_version(&p, pm_day_from_civil(2024, 6, 30)), &p.ver[0]);
    cr_expect_eq(sla_policy_version(&p, pm_day_from_civil(2024, 7, 1)), &p.ver[1]);
    cr_expect_eq(sla_policy_version(&p, pm_day_from_civil(2030, 1, 1)), &p.ver[1]);
    cr_expect_not_null(sla_version_find(&p.ver[0], "noise", 5));
    cr_expect_null(sla_version_find(&p.ver[1], "noise", 5));
    cr_expect_eq(sla_version_find(&p.ver[1], "repair", 6)->clock[SLA_RESOLVE].pause, 0);
    sla_policy_free(&p);
}

Test(sla_policy, versions_out_of_order_or_overlapping_name_both)
{
    sla_policy p;
    pm_error err;
    cr_expect_eq(load("versions:\n"
                      "  - effective_from: 2024-07-01\n    categories: {a: {resolve: 3wd}}\n"
                      "  - effective_from: 2024-01-01\n    categories: {a: {resolve: 5wd}}\n",
                      &p, &err),
                 -1);
    cr_expect_eq(err.line, 4);
    cr_expect(strstr(err.msg, "2024-01-01") && strstr(err.msg, "2024-07-01") && strstr(err.msg, "line 2"), "%s",
              err.msg);
    cr_expect_eq(load("versions:\n"
                      "  - effective_from: 2024-07-01\n    categories: {a: {resolve: 3wd}}\n"
                      "  - effective_from: 2024-07-01\n    categories: {a: {resolve: 5wd}}\n",
                      &p, &err),
                 -1);
    cr_expect(strstr(err.msg, "overlaps"), "%s", err.msg);
}

Test(sla_policy, versions_errors)
{
    sla_policy p;
    pm_error err;
    cr_expect_eq(load("versions: []\n", &p, &err), -1);
    cr_expect_eq(load("versions:\n  - categories: {a: {resolve: 3wd}}\n", &p, &err), -1);
    cr_expect(strstr(err.msg, "effective_from"), "%s", err.msg);
    cr_expect_eq(load("versions:\n  - effective_from: soon\n    categories: {}\n", &p, &err), -1);
    cr_expect(strstr(err.msg, "bad date"), "%s", err.msg);
    cr_expect_eq(load("categories: {a: {resolve: 3wd}}\n"
                      "versions:\n  - effective_from: 2024-01-01\n    categories: {}\n",
                      &p, &err),
                 -1);
    cr_expect(strstr(err.msg, "not both"), "%s", err.msg);
    cr_expect_eq(load("versions:\n  - effective_from: 2024-01-01\n    rules: {}\n", &p, &err), -1);
}

/* Printing a policy and loading the print gives the same policy, printed the same. */
static void round_trip(const char *yaml)
{
    sla_policy p, q;
    pm_buf a = PM_BUF_INIT, b = PM_BUF_INIT;
    load_ok(yaml, &p);
    sla_policy_print(&p, &a);
    load_ok(pm_buf_str(&a), &q);
    sla_policy_print(&q, &b);
    cr_expect_str_eq(pm_buf_str(&b), pm_buf_str(&a));
    cr_assert_eq(q.nver, p.nver);
    cr_expect_eq(q.versioned, p.versioned);
    for (size_t v = 0; v < p.nver; v++) {
        cr_expect_eq(q.ver[v].from, p.ver[v].from);
        cr_assert_eq(q.ver[v].ncat, p.ver[v].ncat);
        for (size_t i = 0; i < p.ver[v].ncat; i++)
            for (int k = 0; k < SLA_NCLOCKS; k++) {
                const sla_clock *x = &p.ver[v].cat[i].clock[k], *y = &q.ver[v].cat[i].clock[k];
                cr_expect_eq(x->present, y->present);
                cr_expect_eq(x->pause, y->pause);
                cr_expect_eq(x->agreed, y->agreed);
                cr_expect_eq(x->within.n, y->within.n);
            }
    }
    sla_policy_free(&p);
    sla_policy_free(&q);
    pm_buf_free(&a);
    pm_buf_free(&b);
}

Test(sla_policy, print_shows_pause_settings_and_versions_and_loads_back)
{
    round_trip(versions_yaml);
    round_trip("categories:\n  b: {respond: {within: 30m, pause: true}, "
               "resolve: {within: 7wd, agreed: true, pause: false}}\n");
    sla_policy p;
    pm_buf a = PM_BUF_INIT;
    load_ok(versions_yaml, &p);
    sla_policy_print(&p, &a);
    cr_expect(strstr(pm_buf_str(&a), "  - effective_from: 2024-07-01\n    categories:\n"
                                     "      repair: {resolve: {within: 3wd, pause: false}}\n"),
              "%s", pm_buf_str(&a));
    cr_expect(strstr(pm_buf_str(&a), "chat: {respond: {within: 30m, pause: true}}"), "%s", pm_buf_str(&a));
    sla_policy_free(&p);
    pm_buf_free(&a);
}

/* --- one ticket --- */

static int judge(const sla_policy *p, const char *const *fields, const char *now, sla_verdict *v, pm_buf *msg,
                 pm_buf *ex)
{
    static pm_record rec;
    static int init;
    int pos[SLA_NIN];
    sla_run_opts o;
    pm_error err;
    if (!init) {
        pm_record_init(&rec);
        init = 1;
    }
    pm_record_clear(&rec);
    for (int i = 0; fields[i]; i += 2) pm_record_add(&rec, fields[i], fields[i + 1], strlen(fields[i + 1]));
    for (int i = 0; i < SLA_NIN; i++) pos[i] = pm_record_index(&rec, sla_in_name[i]);
    memset(&o, 0, sizeof o);
    o.policy = p;
    o.cal = cal;
    o.tz = tz;
    o.window = -1;
    cr_assert_eq(pm_time_parse(now, strlen(now), tz, &o.now, &err), 0);
    pm_buf_reset(msg);
    if (ex) pm_buf_reset(ex);
    return sla_ticket_judge(&o, &rec, pos, v, msg, ex);
}

Test(sla_policy, ticket_judged_by_the_version_in_force_on_its_creation_date)
{
    sla_policy p;
    sla_verdict v;
    pm_buf msg = PM_BUF_INIT, ex = PM_BUF_INIT;
    load_ok(versions_yaml, &p);
    /* 2024-06-30 23:30 in Shanghai (15:30Z): the 2023 version, 5wd from Sun
     * 06-30: 07-01..07-05 -> 07-06 */
    const char *t1[] = {"id", "x", "category", "repair", "created_at", "2024-06-30T15:30:00Z", NULL};
    cr_assert_eq(judge(&p, t1, "2024-07-02", &v, &msg, &ex), 0, "%s", pm_buf_str(&msg));
    cr_expect_eq(v.due[SLA_RESOLVE], pm_tz_midnight(tz, pm_day_from_civil(2024, 7, 6)));
    cr_expect(strncmp(pm_buf_str(&ex), "policy version 2023-01-01: resolve 5wd", 38) == 0, "%s", pm_buf_str(&ex));
    /* 2024-07-01 00:00 Shanghai: the 2024 version, 3wd -> 07-05 */
    const char *t2[] = {"id", "y", "category", "repair", "created_at", "2024-06-30T16:00:00Z", NULL};
    cr_assert_eq(judge(&p, t2, "2024-07-02", &v, &msg, &ex), 0, "%s", pm_buf_str(&msg));
    cr_expect_eq(v.due[SLA_RESOLVE], pm_tz_midnight(tz, pm_day_from_civil(2024, 7, 5)));
    cr_expect(strstr(pm_buf_str(&ex), "policy version 2024-07-01: "), "%s", pm_buf_str(&ex));
    /* noise is gone from the 2024 version */
    const char *t3[] = {"category", "noise", "created_at", "2024-07-01 10:00", NULL};
    cr_expect_eq(judge(&p, t3, "2024-07-02", &v, &msg, NULL), -1);
    cr_expect(strstr(pm_buf_str(&msg), "unknown category 'noise'") && strstr(pm_buf_str(&msg), "2024-07-01"), "%s",
              pm_buf_str(&msg));
    /* before the first version */
    const char *t4[] = {"category", "repair", "created_at", "2022-12-31 10:00", NULL};
    cr_expect_eq(judge(&p, t4, "2024-07-02", &v, &msg, NULL), -1);
    cr_expect(strstr(pm_buf_str(&msg), "no policy version in force on 2022-12-31"), "%s", pm_buf_str(&msg));
    /* the 2024 repair clock does not pause, chat's respond clock does */
    const char *t5[] = {"category", "repair", "created_at", "2024-07-01 10:00", "paused", "2024-07-02 10:00/", NULL};
    cr_assert_eq(judge(&p, t5, "2024-07-02 12:00", &v, &msg, NULL), 0);
    cr_expect_eq(v.status[SLA_RESOLVE], SLA_OPEN);
    const char *t6[] = {"category", "chat", "created_at", "2024-07-01 10:00", "paused", "2024-07-01 10:10/", NULL};
    cr_assert_eq(judge(&p, t6, "2024-07-02 12:00", &v, &msg, NULL), 0);
    cr_expect_eq(v.status[SLA_RESPOND], SLA_PAUSED);
    cr_expect_eq(v.due[SLA_RESPOND], SLA_NO_DUE);
    cr_expect_eq(v.worst, SLA_PAUSED);
    sla_policy_free(&p);
    pm_buf_free(&msg);
    pm_buf_free(&ex);
}

Test(sla_policy, ticket_paused_status_ranks_below_at_risk_and_above_open)
{
    sla_policy p;
    sla_verdict v;
    pm_buf msg = PM_BUF_INIT;
    load_ok("categories:\n  a: {respond: 30m, resolve: 3wd}\n", &p);
    /* respond open (due 10:30, now 10:10), resolve paused: paused */
    const char *t1[] = {"category", "a", "created_at", "2024-07-01 10:00", "paused", "2024-07-01 10:05/", NULL};
    cr_assert_eq(judge(&p, t1, "2024-07-01 10:10", &v, &msg, NULL), 0);
    cr_expect_eq(v.status[SLA_RESPOND], SLA_OPEN, "respond clocks do not pause");
    cr_expect_eq(v.status[SLA_RESOLVE], SLA_PAUSED);
    cr_expect_eq(v.worst, SLA_PAUSED);
    /* respond overdue: overdue beats paused */
    cr_assert_eq(judge(&p, t1, "2024-07-01 10:31", &v, &msg, NULL), 0);
    cr_expect_eq(v.worst, SLA_OVERDUE);
    /* a bad pause makes the ticket invalid */
    const char *t2[] = {
        "category", "a", "created_at", "2024-07-01 10:00", "paused", "2024-07-03 10:00/2024-07-02 10:00", NULL};
    cr_expect_eq(judge(&p, t2, "2024-07-01 10:10", &v, &msg, NULL), -1);
    cr_expect(strstr(pm_buf_str(&msg), "end is before the start"), "%s", pm_buf_str(&msg));
    sla_policy_free(&p);
    pm_buf_free(&msg);
}

Test(sla_policy, ticket_deadline_after_9999_12_31_is_invalid)
{
    sla_policy p;
    sla_verdict v;
    pm_buf msg = PM_BUF_INIT;
    load_ok("categories:\n  a: {resolve: 2d}\n  b: {resolve: 23h}\n", &p);
    /* 9999-12-29: 12-30 =1, 12-31 =2 -> 24:00 of 9999-12-31, which is 10000-01-01 */
    const char *t1[] = {"category", "a", "created_at", "9999-12-29 10:00", NULL};
    cr_expect_eq(judge(&p, t1, "2024-07-01", &v, &msg, NULL), -1);
    cr_expect(strstr(pm_buf_str(&msg), "after 9999-12-31"), "%s", pm_buf_str(&msg));
    /* 9999-12-28: 12-29 =1, 12-30 =2 -> 9999-12-31T00:00: still written */
    const char *t2[] = {"category", "a", "created_at", "9999-12-28 10:00", NULL};
    cr_expect_eq(judge(&p, t2, "2024-07-01", &v, &msg, NULL), 0, "%s", pm_buf_str(&msg));
    const char *t3[] = {"category", "b", "created_at", "9999-12-31 00:59:59", NULL};
    cr_expect_eq(judge(&p, t3, "2024-07-01", &v, &msg, NULL), 0, "%s", pm_buf_str(&msg));
    const char *t4[] = {"category", "b", "created_at", "9999-12-31 01:00", NULL};
    cr_expect_eq(judge(&p, t4, "2024-07-01", &v, &msg, NULL), -1);
    /* a pause may push it there too */
    const char *t5[] = {
        "category", "b", "created_at", "9999-12-30 00:00", "paused", "9999-12-30 01:00/9999-12-31 23:00", NULL};
    cr_expect_eq(judge(&p, t5, "2024-07-01", &v, &msg, NULL), -1);
    sla_policy_free(&p);
    pm_buf_free(&msg);
}
