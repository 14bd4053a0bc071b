/* test_report_merge.c - pm-report's group merge (issue 20): partial rows
 * merged by rpt_groups_merge give the groups and aggregates that adding
 * every record to one set of groups (rpt_groups_add) gives; counts,
 * numerators, denominators, sums add, minimums and maximums combine.
 * (sum, min and max of a partial row each carry n, sum, min, max.)
 *
 * Six records, --by kind, metrics count, count(status=late),
 * rate(status=late), sum(v), min(v), max(v):
 *   1 repair    late 10     4 repair    met  4
 *   2 repair    met  2.5    5 complaint met  0.5
 *   3 complaint late 1      6 noise     late 3
 * Counted by hand:
 *   all:       repair 3, late 1, rate 1/3, sum n 3 = 16.5 min 2.5 max 10
 *              complaint 2, late 1, rate 1/2, sum n 2 = 1.5 min 0.5 max 1
 *              noise 1, late 1, rate 1/1, sum n 1 = 3 min 3 max 3
 *   records 1-3 (partial A): repair 2, 1, 1/2, n 2 = 12.5 min 2.5 max 10;
 *              complaint 1, 1, 1/1, n 1 = 1 min 1 max 1
 *   records 4-6 (partial B): repair 1, 0, 0/1, n 1 = 4 min 4 max 4;
 *              complaint 1, 0, 0/1, n 1 = 0.5; noise 1, 1, 1/1, n 1 = 3 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/pm-report/report.h"

enum { M_COUNT = 0, M_LATE, M_RATE, M_SUM, M_MIN, M_MAX, NM };
static const char *const metric_text[NM] = {"count", "count(status=late)", "rate(status=late)", "sum(v)", "min(v)",
                                            "max(v)"};

static pm_tz *tz;
static rpt_spec spec;
static rpt_metric metrics[NM];

static const char *const recs[6][3] = {
    {"repair", "late", "10"}, {"repair", "met", "2.5"},    {"complaint", "late", "1"},
    {"repair", "met", "4"},   {"complaint", "met", "0.5"}, {"noise", "late", "3"},
};

static void setup(void)
{
    pm_error e;
    tz = pm_tz_open("Asia/Shanghai", &e);
    cr_assert_not_null(tz);
    memset(&spec, 0, sizeof spec);
    spec.by[0].name = "kind";
    spec.by[0].cache = -1;
    spec.nby = 1;
    spec.period = PERIOD_NONE;
    spec.time_field.name = "created_at";
    spec.time_field.cache = -1;
    spec.tz = tz;
    spec.tz_name = "Asia/Shanghai";
    for (int i = 0; i < NM; i++) cr_assert_eq(rpt_metric_parse(metric_text[i], &metrics[i], tz, &e), 0, "%s", e.msg);
    spec.m = metrics;
    spec.nm = NM;
}

static void teardown(void)
{
    for (int i = 0; i < NM; i++) rpt_metric_free(&metrics[i]);
    pm_tz_free(tz);
}

TestSuite(report_merge, .init = setup, .fini = teardown);

/* Adds records [from, to) with rpt_groups_add. */
static void add_records(rpt_groups *g, int from, int to)
{
    for (int i = from; i < to; i++) {
        pm_record r;
        pm_record_init(&r);
        pm_record_set(&r, "kind", recs[i][0]);
        pm_record_set(&r, "status", recs[i][1]);
        pm_record_set(&r, "v", recs[i][2]);
        cr_assert_eq(rpt_groups_add(g, &r), 1, "record %d not counted", i + 1);
        pm_record_free(&r);
    }
}

/* Merges one partial row: key, count, late, rate num/den, sum n/sum/min/max. */
static void merge_row(rpt_groups *g, const char *key, const char *count, const char *late, const char *num,
                      const char *den, const char *n, const char *sum, const char *lo, const char *hi)
{
    pm_record r;
    pm_record_init(&r);
    pm_record_set(&r, rpt_partial_key_name(0), key);
    pm_record_set(&r, metrics[M_COUNT].pcol[0], count);
    pm_record_set(&r, metrics[M_LATE].pcol[0], late);
    pm_record_set(&r, metrics[M_RATE].pcol[0], num);
    pm_record_set(&r, metrics[M_RATE].pcol[1], den);
    /* sum(v), min(v), max(v): the same four columns n, sum, min, max */
    for (int k = M_SUM; k <= M_MAX; k++) {
        pm_record_set(&r, metrics[k].pcol[0], n);
        pm_record_set(&r, metrics[k].pcol[1], sum);
        pm_record_set(&r, metrics[k].pcol[2], lo);
        pm_record_set(&r, metrics[k].pcol[3], hi);
    }
    int errors = g->errors;
    rpt_groups_merge(g, &r, 0);
    cr_assert_eq(g->errors, errors, "the partial row of %s was refused", key);
    pm_record_free(&r);
}

static void merge_partial_a(rpt_groups *g)
{
    merge_row(g, "repair", "2", "1", "1", "2", "2", "12.5", "2.5", "10");
    merge_row(g, "complaint", "1", "1", "1", "1", "1", "1", "1", "1");
}

static void merge_partial_b(rpt_groups *g)
{
    merge_row(g, "repair", "1", "0", "0", "1", "1", "4", "4", "4");
    merge_row(g, "complaint", "1", "0", "0", "1", "1", "0.5", "0.5", "0.5");
    merge_row(g, "noise", "1", "1", "1", "1", "1", "3", "3", "3");
}

static rpt_group *find(rpt_groups *g, const char *key)
{
    rpt_group **v = rpt_groups_sorted(g);
    rpt_group *x = NULL;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(v[i]->key[0], key) == 0) x = v[i];
    free(v);
    cr_assert_not_null(x, "no group %s", key);
    return x;
}

static void expect_dec(pm_decimal d, const char *want, const char *what, const char *key)
{
    pm_decimal w;
    cr_assert_eq(pm_decimal_parse(want, strlen(want), &w), PM_DEC_OK);
    char b[PM_DEC_BUFSZ];
    pm_decimal_format(d, b);
    cr_expect_eq(pm_decimal_cmp(d, w), 0, "%s %s: %s, expected %s", key, what, b, want);
}

/* Group key has the aggregates counted by hand. */
static void expect_group(rpt_groups *g, const char *key, int64_t count, int64_t late, int64_t num, int64_t den,
                         int64_t n, const char *sum, const char *lo, const char *hi)
{
    rpt_group *x = find(g, key);
    cr_expect_eq(x->st[M_COUNT].a, count, "%s count %lld", key, (long long)x->st[M_COUNT].a);
    cr_expect_eq(x->st[M_LATE].a, late, "%s late %lld", key, (long long)x->st[M_LATE].a);
    cr_expect_eq(x->st[M_RATE].a, num, "%s rate numerator %lld", key, (long long)x->st[M_RATE].a);
    cr_expect_eq(x->st[M_RATE].b, den, "%s rate denominator %lld", key, (long long)x->st[M_RATE].b);
    cr_expect_eq(x->st[M_SUM].a, n, "%s sum n %lld", key, (long long)x->st[M_SUM].a);
    const char *want[3] = {sum, lo, hi};
    for (int k = M_SUM; k <= M_MAX; k++) {
        pm_decimal v;
        cr_assert(rpt_metric_value(&spec, &metrics[k], &x->st[k], &v), "%s %s: no value", key, metric_text[k]);
        expect_dec(v, want[k - M_SUM], metric_text[k], key);
    }
}

static void expect_all(rpt_groups *g)
{
    cr_expect_eq(g->n, 3, "groups: %zu", g->n);
    expect_group(g, "repair", 3, 1, 1, 3, 3, "16.5", "2.5", "10");
    expect_group(g, "complaint", 2, 1, 1, 2, 2, "1.5", "0.5", "1");
    expect_group(g, "noise", 1, 1, 1, 1, 1, "3", "3", "3");
}

/* The same groups with the same aggregates in a and b. */
static void expect_same(rpt_groups *a, rpt_groups *b)
{
    cr_assert_eq(a->n, b->n, "groups: %zu and %zu", a->n, b->n);
    rpt_group **va = rpt_groups_sorted(a), **vb = rpt_groups_sorted(b);
    for (size_t i = 0; i < a->n; i++) {
        cr_expect_str_eq(va[i]->key[0], vb[i]->key[0]);
        for (int k = 0; k < NM; k++) {
            cr_expect_eq(va[i]->st[k].a, vb[i]->st[k].a, "%s %s", va[i]->key[0], metric_text[k]);
            cr_expect_eq(va[i]->st[k].b, vb[i]->st[k].b, "%s %s", va[i]->key[0], metric_text[k]);
        }
        for (int k = 0; k < NM; k++) {
            pm_decimal v1, v2;
            int h1 = rpt_metric_value(&spec, &metrics[k], &va[i]->st[k], &v1);
            int h2 = rpt_metric_value(&spec, &metrics[k], &vb[i]->st[k], &v2);
            cr_expect_eq(h1, h2, "%s %s", va[i]->key[0], metric_text[k]);
            if (h1 && h2) cr_expect_eq(pm_decimal_cmp(v1, v2), 0, "%s %s", va[i]->key[0], metric_text[k]);
        }
    }
    free(va);
    free(vb);
}

Test(report_merge, adding_every_record_gives_the_counts_by_hand)
{
    rpt_groups g;
    rpt_groups_init(&g, &spec);
    add_records(&g, 0, 6);
    expect_all(&g);
    rpt_groups_free(&g);
}

Test(report_merge, the_hand_written_partials_are_what_adding_each_half_gives)
{
    rpt_groups a, pa;
    rpt_groups_init(&a, &spec);
    rpt_groups_init(&pa, &spec);
    add_records(&a, 0, 3);
    merge_partial_a(&pa);
    expect_group(&a, "repair", 2, 1, 1, 2, 2, "12.5", "2.5", "10");
    expect_group(&a, "complaint", 1, 1, 1, 1, 1, "1", "1", "1");
    expect_same(&a, &pa);
    rpt_groups_free(&a);
    rpt_groups_free(&pa);

    rpt_groups b, pb;
    rpt_groups_init(&b, &spec);
    rpt_groups_init(&pb, &spec);
    add_records(&b, 3, 6);
    merge_partial_b(&pb);
    expect_group(&b, "repair", 1, 0, 0, 1, 1, "4", "4", "4");
    expect_group(&b, "noise", 1, 1, 1, 1, 1, "3", "3", "3");
    expect_same(&b, &pb);
    rpt_groups_free(&b);
    rpt_groups_free(&pb);
}

Test(report_merge, merging_two_partials_is_adding_every_record)
{
    rpt_groups all, m;
    rpt_groups_init(&all, &spec);
    rpt_groups_init(&m, &spec);
    add_records(&all, 0, 6);
    merge_partial_a(&m);
    merge_partial_b(&m);
    expect_all(&m);
    expect_same(&all, &m);
    rpt_groups_free(&all);
    rpt_groups_free(&m);
}

Test(report_merge, the_order_of_the_partials_does_not_matter)
{
    rpt_groups m;
    rpt_groups_init(&m, &spec);
    merge_partial_b(&m);
    merge_partial_a(&m);
    expect_all(&m);
    rpt_groups_free(&m);
}

Test(report_merge, a_partial_merged_into_groups_that_hold_records)
{
    /* records 1-3 added, partial B merged: the six records */
    rpt_groups g;
    rpt_groups_init(&g, &spec);
    add_records(&g, 0, 3);
    merge_partial_b(&g);
    expect_all(&g);
    rpt_groups_free(&g);
}

Test(report_merge, counts_add)
{
    /* partial A twice: every count, numerator, denominator and sum doubles;
     * the minimum and maximum stay */
    rpt_groups g;
    rpt_groups_init(&g, &spec);
    merge_partial_a(&g);
    merge_partial_a(&g);
    cr_expect_eq(g.n, 2);
    expect_group(&g, "repair", 4, 2, 2, 4, 4, "25", "2.5", "10");
    expect_group(&g, "complaint", 2, 2, 2, 2, 2, "2", "1", "1");
    rpt_groups_free(&g);
}

Test(report_merge, the_merged_rate_is_from_the_summed_counts)
{
    /* repair: 1/2 and 0/1 merge to 1/3 (0.3333), not the mean of 0.5 and 0 */
    rpt_groups g;
    rpt_groups_init(&g, &spec);
    merge_partial_a(&g);
    merge_partial_b(&g);
    pm_decimal v;
    cr_assert(rpt_metric_value(&spec, &metrics[M_RATE], &find(&g, "repair")->st[M_RATE], &v));
    expect_dec(v, "0.3333", "rate", "repair");
    rpt_groups_free(&g);
}
