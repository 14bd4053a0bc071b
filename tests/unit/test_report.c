/* test_report.c - specification of pm-report's own logic (src/pm-report/):
 * the condition language, the metric syntax, exact nearest-rank
 * percentiles, natural key order and the seeded group hash. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/pm-report/report.h"

static pm_record rec;
static pm_tz *tz;

static void setup(void)
{
    pm_error e;
    tz = pm_tz_open("Asia/Shanghai", &e);
    cr_assert_not_null(tz);
    pm_record_init(&rec);
    pm_record_set(&rec, "sla_status", "late");
    pm_record_set(&rec, "kind", "complaint");
    pm_record_set(&rec, "v", "10");
    pm_record_set(&rec, "w", "1.50");
    pm_record_set(&rec, "empty", "");
    pm_record_set(&rec, "created_at", "2024-08-01T00:00:00+08:00");
    pm_record_set(&rec, "unit", "12-3-1502");
}

static void teardown(void)
{
    pm_record_free(&rec);
    pm_tz_free(tz);
}

static int holds(const char *cond)
{
    pm_error e;
    rpt_expr *x = rpt_expr_parse(cond, tz, NULL, &e);
    cr_assert_not_null(x, "'%s' does not parse: %s", cond, e.msg);
    int h = rpt_expr_holds(x, &rec, tz);
    rpt_expr_free(x);
    return h;
}

static int parses(const char *cond)
{
    pm_error e;
    rpt_expr *x = rpt_expr_parse(cond, tz, NULL, &e);
    rpt_expr_free(x);
    return x != NULL;
}

Test(report_cond, not_equal_is_an_operator_not_part_of_the_field, .init = setup, .fini = teardown)
{
    cr_assert(holds("sla_status!=met"));
    cr_assert(!holds("sla_status != late"));
    cr_assert(holds("empty != x"), "an empty field is not x");
}

Test(report_cond, numbers_compare_as_exact_decimals, .init = setup, .fini = teardown)
{
    cr_assert(holds("v > 2"), "10 > 2 as numbers, though '10' < '2' as text");
    cr_assert(holds("w = 1.5"));
    cr_assert(holds("w >= 1.50 and w <= 1.5"));
    cr_assert(!holds("empty < 1"), "an empty value is never < anything");
    cr_assert(!holds("empty >= 1"));
}

Test(report_cond, timestamps_compare_as_instants, .init = setup, .fini = teardown)
{
    cr_assert(holds("created_at = 2024-07-31T16:00:00Z"));
    cr_assert(holds("created_at >= 2024-08-01"), "a bare date is local midnight");
    cr_assert(!holds("created_at < 2024-08-01"));
    cr_assert(holds("created_at < '2024-08-01 00:00:01'"));
}

Test(report_cond, in_regex_empty_and_logic, .init = setup, .fini = teardown)
{
    cr_assert(holds("sla_status in (late, overdue)"));
    cr_assert(!holds("sla_status not in (late, overdue)"));
    cr_assert(holds("unit ~ /^12-/"));
    cr_assert(!holds("unit !~ /^12-/"));
    cr_assert(holds("kind ~ /COMPLAINT/i"));
    cr_assert(holds("empty is empty"));
    cr_assert(holds("empty ="), "F= is F is empty");
    cr_assert(holds("kind is not empty"));
    cr_assert(holds("missing is empty"), "a field the record lacks is empty");
    cr_assert(holds("not (kind = repair or v < 5) and w = 1.5"));
    cr_assert(holds("kind = repair or kind = complaint and v = 10"), "and binds tighter than or");
    cr_assert(!holds("(kind = repair or kind = complaint) and v = 11"));
    cr_assert(holds("!(v = 11) && (w = 1.5 || v = 1)"));
}

Test(report_cond, syntax_errors_are_errors, .init = setup, .fini = teardown)
{
    const char *bad[] = {"sla_status!", "a in b", "(a=1", "a=1 and", "a = 1)",   "a ~ /x",
                         "a is full",   "a",      "",     "a & b",   "a in (x,", "a ~ /(/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert(!parses(bad[i]), "'%s' parses", bad[i]);
    cr_assert(parses("'odd name' = \"a b\""));
}

Test(report_metric, names_kinds_and_errors, .init = setup, .fini = teardown)
{
    rpt_metric m;
    pm_error e;
    cr_assert_eq(rpt_metric_parse("count(sla_status!=met)", &m, tz, &e), 0, "%s", e.msg);
    cr_assert_str_eq(m.name, "count(sla_status!=met)");
    rpt_metric_free(&m);
    cr_assert_eq(rpt_metric_parse(" rate( satisfaction = satisfied ) ", &m, tz, &e), 0);
    cr_assert_str_eq(m.name, "rate(satisfaction=satisfied)");
    cr_assert_eq(m.ncond, 1, "the denominator: satisfaction has a value");
    rpt_metric_free(&m);
    cr_assert_eq(rpt_metric_parse("median(resolved_at-created_at)", &m, tz, &e), 0);
    cr_assert_eq(m.kind, MK_PCT);
    cr_assert(m.diff);
    cr_assert_str_eq(m.field.name, "resolved_at");
    cr_assert_str_eq(m.field2.name, "created_at");
    cr_assert_str_eq(m.name, "median(resolved_at - created_at)");
    rpt_metric_free(&m);
    cr_assert_eq(rpt_metric_parse("p99.9(x)", &m, tz, &e), 0);
    cr_assert_eq(m.pct.coef, 999);
    cr_assert_eq(m.pct.scale, 1);
    rpt_metric_free(&m);
    const char *bad[] = {"p101(x)", "mode(x)", "sum(a b)", "count(a!)", "sum(a-b-c)", "sum()", "rate(a=1; )"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_neq(rpt_metric_parse(bad[i], &m, tz, &e), 0, "'%s' parses", bad[i]);
}

/* The percentile of vals (as text) by rpt_metric_value. */
static void pct_of(const char *metric, const char *const *vals, int n, const char *want)
{
    rpt_metric m;
    pm_error e;
    cr_assert_eq(rpt_metric_parse(metric, &m, NULL, &e), 0);
    rpt_spec spec;
    memset(&spec, 0, sizeof spec);
    rpt_stats x;
    memset(&x, 0, sizeof x);
    rpt_state st = {0, 0, &x};
    x.vals = calloc((size_t)n + 1, sizeof *x.vals);
    for (int i = 0; i < n; i++) pm_decimal_parse(vals[i], strlen(vals[i]), &x.vals[st.a++]);
    pm_decimal v;
    char b[PM_DEC_BUFSZ];
    cr_assert(rpt_metric_value(&spec, &m, &st, &v));
    pm_decimal_format(v, b);
    cr_assert_str_eq(b, want, "%s: %s, not %s", metric, b, want);
    free(x.vals);
    rpt_metric_free(&m);
}

Test(report_percentile, nearest_rank_is_a_value_of_the_data)
{
    const char *v[] = {"10", "1.5", "3.25", "2"}; /* sorted: 1.5 2 3.25 10 */
    pct_of("median(x)", v, 4, "2");               /* rank ceil(2) = 2: the lower middle */
    pct_of("p25(x)", v, 4, "1.5");
    pct_of("p26(x)", v, 4, "2"); /* ceil(1.04) = 2 */
    pct_of("p75(x)", v, 4, "3.25");
    pct_of("p75.1(x)", v, 4, "10");
    pct_of("p0(x)", v, 4, "1.5"); /* at least rank 1 */
    pct_of("p100(x)", v, 4, "10");
    const char *one[] = {"7"};
    pct_of("p1(x)", one, 1, "7");
    const char *ties[] = {"1.50", "1.5", "1.5"};
    pct_of("median(x)", ties, 3, "1.5"); /* equal values: the fewer places first */
}

Test(report_order, natural_order_of_keys)
{
    cr_assert_lt(rpt_natural_cmp("2", "10"), 0);
    cr_assert_lt(rpt_natural_cmp("A2", "A10"), 0);
    cr_assert_lt(rpt_natural_cmp("12-3-1502", "12-10-101"), 0);
    cr_assert_lt(rpt_natural_cmp("2", "02"), 0, "same value: fewer leading zeros first");
    cr_assert_gt(rpt_natural_cmp("b", "a10"), 0);
    cr_assert_lt(rpt_natural_cmp("", "a"), 0);
    cr_assert_eq(rpt_natural_cmp("x10y", "x10y"), 0);
    cr_assert_lt(rpt_natural_cmp("2024-W05", "2024-W10"), 0);
}
