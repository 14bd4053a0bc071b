/* test_calendar.c - working-day calendars: the shipped cn data, the file
 * format, and working-day arithmetic against a slow reference. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"

static pm_day D(int y, int m, int d)
{
    return pm_day_from_civil(y, m, d);
}

static pm_calendar *cn(void)
{
    pm_error err;
    pm_calendar *cal = pm_calendar_builtin("cn", &err);
    cr_assert_not_null(cal, "builtin cn: %s:%ld: %s", err.file, err.line, err.msg);
    return cal;
}

static pm_calendar *from_string(const char *yaml)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_load_string(yaml, "test.yaml", &errs);
    cr_assert_not_null(cal, "%s:%ld: %s", errs.v[0].file, errs.v[0].line, errs.v[0].msg);
    cr_assert_eq(errs.n, 0);
    return cal;
}

/* The errors of a calendar that does not load (the caller frees them). */
static pm_errors load_errors(const char *yaml)
{
    pm_errors errs = PM_ERRORS_INIT;
    cr_assert_null(pm_calendar_load_string(yaml, "bad.yaml", &errs), "loaded: %s", yaml);
    cr_assert_gt(errs.n, 0);
    for (int i = 0; i < errs.n; i++) cr_assert_str_eq(errs.v[i].file, "bad.yaml");
    return errs;
}

/* The one error of a calendar that does not load. */
static pm_error load_fails(const char *yaml)
{
    pm_errors errs = load_errors(yaml);
    cr_assert_eq(errs.n, 1, "%d errors, the second: %s", errs.n, errs.n > 1 ? errs.v[1].msg : "");
    pm_error err = errs.v[0];
    pm_errors_free(&errs);
    return err;
}

static const char *fmt(pm_day d)
{
    static char buf[4][16];
    static int i;
    i = (i + 1) % 4;
    pm_day_format(d, buf[i]);
    return buf[i];
}

/* Every day of [a, b] has the kind given. */
static void expect_kind(pm_calendar *cal, pm_day a, pm_day b, pm_daykind k, const char *name)
{
    for (pm_day d = a; d <= b; d++) {
        cr_assert_eq(pm_calendar_kind(cal, d), k, "%s: kind %d, want %d", fmt(d), pm_calendar_kind(cal, d), k);
        if (k == PM_DAY_HOLIDAY && name) {
            const char *n = pm_calendar_holiday_name(cal, d);
            cr_assert(n && !strcmp(n, name), "%s: name %s, want %s", fmt(d), n ? n : "(none)", name);
        }
    }
}

/* The shipped cn calendar, checked against the State Council notices
 * (as collected by the npm package chinese-days 1.5.7). ------------------- */

Test(calendar_cn, name_and_years)
{
    pm_calendar *cal = cn();
    cr_assert_str_eq(pm_calendar_name(cal), "cn");
    for (int y = 2020; y <= 2026; y++) cr_assert(pm_calendar_has_year(cal, y), "%d", y);
    cr_assert_not(pm_calendar_has_year(cal, 2019));
    cr_assert_not(pm_calendar_has_year(cal, 2027));
    pm_calendar_free(cal);
}

Test(calendar_cn, spring_festival_2024)
{
    pm_calendar *cal = cn();
    expect_kind(cal, D(2024, 2, 10), D(2024, 2, 17), PM_DAY_HOLIDAY, "春节");
    expect_kind(cal, D(2024, 2, 4), D(2024, 2, 4), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 2, 18), D(2024, 2, 18), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 2, 5), D(2024, 2, 9), PM_DAY_WORKING, NULL);
    expect_kind(cal, D(2024, 2, 19), D(2024, 2, 23), PM_DAY_WORKING, NULL);
    expect_kind(cal, D(2024, 2, 24), D(2024, 2, 25), PM_DAY_WEEKEND, NULL);
    cr_assert(pm_calendar_is_workday(cal, D(2024, 2, 18)));
    cr_assert_not(pm_calendar_is_workday(cal, D(2024, 2, 12)));
    cr_assert_null(pm_calendar_holiday_name(cal, D(2024, 2, 18)), "a make-up day is no holiday");
    cr_assert_null(pm_calendar_holiday_name(cal, D(2024, 2, 19)));
    pm_calendar_free(cal);
}

Test(calendar_cn, year_2024)
{
    pm_calendar *cal = cn();
    expect_kind(cal, D(2024, 1, 1), D(2024, 1, 1), PM_DAY_HOLIDAY, "元旦");
    expect_kind(cal, D(2024, 4, 4), D(2024, 4, 6), PM_DAY_HOLIDAY, "清明节");
    expect_kind(cal, D(2024, 4, 7), D(2024, 4, 7), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 5, 1), D(2024, 5, 5), PM_DAY_HOLIDAY, "劳动节");
    expect_kind(cal, D(2024, 4, 28), D(2024, 4, 28), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 5, 11), D(2024, 5, 11), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 6, 10), D(2024, 6, 10), PM_DAY_HOLIDAY, "端午节");
    expect_kind(cal, D(2024, 9, 15), D(2024, 9, 17), PM_DAY_HOLIDAY, "中秋节");
    expect_kind(cal, D(2024, 9, 14), D(2024, 9, 14), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 10, 1), D(2024, 10, 7), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2024, 9, 29), D(2024, 9, 29), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2024, 10, 12), D(2024, 10, 12), PM_DAY_MAKEUP, NULL);
    pm_calendar_free(cal);
}

Test(calendar_cn, year_2025_longer_spring_festival_and_labour_day)
{
    pm_calendar *cal = cn();
    expect_kind(cal, D(2025, 1, 1), D(2025, 1, 1), PM_DAY_HOLIDAY, "元旦");
    expect_kind(cal, D(2025, 1, 28), D(2025, 2, 4), PM_DAY_HOLIDAY, "春节"); /* 8 days */
    expect_kind(cal, D(2025, 1, 26), D(2025, 1, 26), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2025, 2, 8), D(2025, 2, 8), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2025, 2, 5), D(2025, 2, 7), PM_DAY_WORKING, NULL);
    expect_kind(cal, D(2025, 4, 4), D(2025, 4, 6), PM_DAY_HOLIDAY, "清明节");
    expect_kind(cal, D(2025, 5, 1), D(2025, 5, 5), PM_DAY_HOLIDAY, "劳动节");
    expect_kind(cal, D(2025, 4, 27), D(2025, 4, 27), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2025, 5, 31), D(2025, 6, 2), PM_DAY_HOLIDAY, "端午节");
    expect_kind(cal, D(2025, 10, 1), D(2025, 10, 5), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2025, 10, 6), D(2025, 10, 6), PM_DAY_HOLIDAY, "中秋节");
    expect_kind(cal, D(2025, 10, 7), D(2025, 10, 8), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2025, 9, 28), D(2025, 9, 28), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2025, 10, 11), D(2025, 10, 11), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2025, 10, 9), D(2025, 10, 10), PM_DAY_WORKING, NULL);
    pm_calendar_free(cal);
}

Test(calendar_cn, year_2026)
{
    pm_calendar *cal = cn();
    expect_kind(cal, D(2026, 1, 1), D(2026, 1, 3), PM_DAY_HOLIDAY, "元旦");
    expect_kind(cal, D(2026, 1, 4), D(2026, 1, 4), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2026, 2, 15), D(2026, 2, 23), PM_DAY_HOLIDAY, "春节"); /* 9 days */
    expect_kind(cal, D(2026, 2, 14), D(2026, 2, 14), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2026, 2, 28), D(2026, 2, 28), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2026, 2, 24), D(2026, 2, 27), PM_DAY_WORKING, NULL);
    expect_kind(cal, D(2026, 4, 4), D(2026, 4, 6), PM_DAY_HOLIDAY, "清明节");
    expect_kind(cal, D(2026, 5, 1), D(2026, 5, 5), PM_DAY_HOLIDAY, "劳动节");
    expect_kind(cal, D(2026, 5, 9), D(2026, 5, 9), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2026, 6, 19), D(2026, 6, 21), PM_DAY_HOLIDAY, "端午节");
    expect_kind(cal, D(2026, 9, 25), D(2026, 9, 27), PM_DAY_HOLIDAY, "中秋节");
    expect_kind(cal, D(2026, 10, 1), D(2026, 10, 7), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2026, 9, 20), D(2026, 9, 20), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2026, 10, 10), D(2026, 10, 10), PM_DAY_MAKEUP, NULL);
    pm_calendar_free(cal);
}

Test(calendar_cn, years_2020_to_2023)
{
    pm_calendar *cal = cn();
    /* 2020: 24-30 Jan, extended to 2 Feb for COVID-19; 1 Feb (Sat) was to be
     * a make-up day and became a holiday. */
    expect_kind(cal, D(2020, 1, 24), D(2020, 2, 2), PM_DAY_HOLIDAY, "春节");
    expect_kind(cal, D(2020, 1, 19), D(2020, 1, 19), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2020, 2, 3), D(2020, 2, 3), PM_DAY_WORKING, NULL);
    expect_kind(cal, D(2020, 10, 1), D(2020, 10, 8), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2020, 10, 10), D(2020, 10, 10), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2021, 2, 11), D(2021, 2, 17), PM_DAY_HOLIDAY, "春节");
    expect_kind(cal, D(2021, 2, 7), D(2021, 2, 7), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2021, 2, 20), D(2021, 2, 20), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2022, 1, 29), D(2022, 1, 30), PM_DAY_MAKEUP, NULL);
    expect_kind(cal, D(2022, 1, 31), D(2022, 2, 6), PM_DAY_HOLIDAY, "春节");
    /* 元旦 2023 began on 31 Dec 2022 */
    expect_kind(cal, D(2022, 12, 31), D(2023, 1, 2), PM_DAY_HOLIDAY, "元旦");
    expect_kind(cal, D(2023, 9, 29), D(2023, 9, 29), PM_DAY_HOLIDAY, "中秋节");
    expect_kind(cal, D(2023, 9, 30), D(2023, 10, 6), PM_DAY_HOLIDAY, "国庆节");
    expect_kind(cal, D(2023, 10, 7), D(2023, 10, 8), PM_DAY_MAKEUP, NULL);
    pm_calendar_free(cal);
}

/* Working days and holidays per year, counted from chinese-days' data. */
Test(calendar_cn, totals_per_year)
{
    static const struct {
        int year, work, hol;
    } want[] = {
        {2020, 249, 30}, {2021, 250, 31}, {2022, 249, 32}, {2023, 249, 26},
        {2024, 251, 28}, {2025, 248, 28}, {2026, 248, 33},
    };
    pm_calendar *cal = cn();
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int y = want[i].year, hol = 0;
        for (pm_day d = D(y, 1, 1); d < D(y + 1, 1, 1); d++) hol += pm_calendar_kind(cal, d) == PM_DAY_HOLIDAY;
        cr_assert_eq(pm_calendar_count_workdays(cal, D(y - 1, 12, 31), D(y, 12, 31)), want[i].work, "%d", y);
        cr_assert_eq(hol, want[i].hol, "%d holidays", y);
    }
    int y;
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 0, "all years have data");
    pm_calendar_free(cal);
}

/* Working-day arithmetic ---------------------------------------------------- */

Test(calendar_cn, add_across_spring_festival_2024)
{
    pm_calendar *cal = cn();
    pm_day fri = D(2024, 2, 9);
    cr_assert_eq(pm_calendar_add_workdays(cal, fri, 1), D(2024, 2, 18), "the make-up Sunday counts");
    cr_assert_eq(pm_calendar_add_workdays(cal, fri, 2), D(2024, 2, 19));
    cr_assert_eq(pm_calendar_add_workdays(cal, fri, 3), D(2024, 2, 20));
    cr_assert_eq(pm_calendar_count_workdays(cal, fri, D(2024, 2, 20)), 3);
    /* the start day is never counted, even on a working day */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 8), 1), D(2024, 2, 9));
    /* from inside the holiday */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 12), 1), D(2024, 2, 18));
    /* from the make-up Sunday before it */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 3), 1), D(2024, 2, 4));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 4), 5), D(2024, 2, 9));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 4), 6), D(2024, 2, 18));
    pm_calendar_free(cal);
}

Test(calendar_cn, add_across_national_day)
{
    pm_calendar *cal = cn();
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 9, 27), 1), D(2024, 9, 29), "make-up Sunday");
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 9, 29), 1), D(2024, 9, 30));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 9, 30), 1), D(2024, 10, 8));
    /* 10-08, 10-09, 10-10, 10-11, 10-12 (a make-up Saturday), 10-14 */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 9, 30), 5), D(2024, 10, 12));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 9, 30), 6), D(2024, 10, 14));
    cr_assert_eq(pm_calendar_count_workdays(cal, D(2024, 9, 27), D(2024, 10, 14)), 8);
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2025, 9, 30), 1), D(2025, 10, 9));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2025, 9, 30), 3), D(2025, 10, 11));
    /* from Friday 26 Sep 2025: 9-28 (make-up Sunday), 9-29, 9-30, 10-09,
     * 10-10, 10-11 (make-up Saturday), 10-13 */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2025, 9, 26), 1), D(2025, 9, 28));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2025, 9, 26), 5), D(2025, 10, 10));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2025, 9, 26), 7), D(2025, 10, 13));
    pm_calendar_free(cal);
}

Test(calendar_cn, into_a_year_without_data)
{
    pm_calendar *cal = cn();
    int y;
    /* 2026-12-31 is a Thursday; 2027 has no data, so 1 Jan 2027 counts as an
     * ordinary Friday. */
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2026, 12, 31), 1), D(2027, 1, 1));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2026, 12, 31), 2), D(2027, 1, 4));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2026, 12, 20), 10), D(2027, 1, 1));
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 1);
    cr_assert_eq(y, 2027);
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 0, "each year once");
    pm_calendar_add_workdays(cal, D(2027, 3, 1), 5);
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 0, "still once");
    /* a computation inside the data needs no warning */
    pm_calendar_add_workdays(cal, D(2024, 3, 1), 5);
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 0);
    /* several years at once come out in order */
    cr_assert_eq(pm_calendar_count_workdays(cal, D(2027, 6, 1), D(2030, 1, 5)) > 0, 1);
    int got[4], n = 0;
    while (n < 4 && pm_calendar_take_missing_year(cal, &got[n])) n++;
    cr_assert_eq(n, 3);
    cr_assert(got[0] == 2028 && got[1] == 2029 && got[2] == 2030);
    /* before the data, too */
    cr_assert_eq(pm_calendar_kind(cal, D(2019, 10, 1)), PM_DAY_WORKING, "2019 has no data: a Tuesday");
    cr_assert_eq(pm_calendar_take_missing_year(cal, &y), 1);
    cr_assert_eq(y, 2019);
    pm_calendar_free(cal);
}

/* The slow reference: walks day by day over pm_calendar_is_workday. */
static int64_t ref_count(pm_calendar *cal, pm_day a, pm_day b)
{
    int64_t n = 0;
    for (pm_day d = a + 1; d <= b; d++) n += pm_calendar_is_workday(cal, d);
    return n;
}

static pm_day ref_add(pm_calendar *cal, pm_day d, int64_t n)
{
    while (n > 0) {
        d++;
        if (pm_calendar_is_workday(cal, d)) n--;
    }
    return d;
}

static void check_against_reference(pm_calendar *cal, pm_day lo, pm_day hi, int rounds)
{
    unsigned seed = 20240210;
    for (int i = 0; i < rounds; i++) {
        seed = seed * 1103515245u + 12345u;
        pm_day a = lo + (pm_day)((seed >> 4) % (unsigned)(hi - lo));
        seed = seed * 1103515245u + 12345u;
        pm_day b = a - 5 + (pm_day)((seed >> 4) % 900u);
        seed = seed * 1103515245u + 12345u;
        int64_t n = 1 + (int64_t)((seed >> 4) % 400u);
        cr_assert_eq(pm_calendar_count_workdays(cal, a, b), b <= a ? 0 : ref_count(cal, a, b), "(%s, %s]", fmt(a),
                     fmt(b));
        pm_day r = pm_calendar_add_workdays(cal, a, n);
        cr_assert_eq(r, ref_add(cal, a, n), "%s + %lldwd", fmt(a), (long long)n);
        cr_assert_eq(pm_calendar_count_workdays(cal, a, r), n);
        cr_assert(pm_calendar_is_workday(cal, r));
    }
}

Test(calendar_arith, cn_matches_day_by_day_reference)
{
    pm_calendar *cal = cn();
    check_against_reference(cal, D(2017, 6, 1), D(2029, 12, 31), 3000);
    pm_calendar_free(cal);
}

Test(calendar_arith, odd_weekends_match_reference)
{
    pm_calendar *cal = from_string("name: gulf\nweekend: [fri, sat]\nholidays: {1999-12-31..2000-01-03: Y2K}\n");
    check_against_reference(cal, D(1960, 1, 1), D(2040, 1, 1), 1500);
    pm_calendar_free(cal);
    cal = from_string("weekend: [sun]\nholidays: []\n");
    check_against_reference(cal, D(1965, 1, 1), D(1975, 1, 1), 500); /* across the epoch */
    pm_calendar_free(cal);
}

Test(calendar_arith, large_counts_cost_no_walk)
{
    pm_calendar *cal = cn();
    pm_day start = D(2024, 2, 9);
    /* A million calls of 300wd: a day-by-day walk would take minutes. */
    pm_day r = 0;
    for (int i = 0; i < 1000000; i++) r = pm_calendar_add_workdays(cal, start + (i & 1023), 300);
    cr_assert(r > start);
    pm_day far = pm_calendar_add_workdays(cal, start, 1000000);
    cr_assert_eq(pm_calendar_count_workdays(cal, start, far), 1000000);
    cr_assert(pm_calendar_is_workday(cal, far));
    cr_assert_eq(pm_calendar_add_workdays(cal, start, 0), start, "n < 1 changes nothing");
    cr_assert_eq(pm_calendar_count_workdays(cal, start, start), 0);
    cr_assert_eq(pm_calendar_count_workdays(cal, start, start - 10), 0);
    pm_calendar_free(cal);
}

/* The file format ----------------------------------------------------------- */

Test(calendar_format, file_with_block_mapping)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_load("fixtures/cal_custom.yaml", &errs);
    cr_assert_not_null(cal, "%s:%ld: %s", errs.v[0].file, errs.v[0].line, errs.v[0].msg);
    cr_assert_str_eq(pm_calendar_name(cal), "test-office");
    cr_assert_str_eq(pm_calendar_holiday_name(cal, D(2024, 1, 1)), "New Year");
    expect_kind(cal, D(2024, 2, 10), D(2024, 2, 17), PM_DAY_HOLIDAY, "Spring Festival");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 5, 1)), PM_DAY_HOLIDAY);
    cr_assert_null(pm_calendar_holiday_name(cal, D(2024, 5, 1)), "no name given");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 2, 18)), PM_DAY_MAKEUP);
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 9), 3), D(2024, 2, 20));
    cr_assert(pm_calendar_has_year(cal, 2024));
    cr_assert_not(pm_calendar_has_year(cal, 2025));
    pm_calendar_free(cal);
}

Test(calendar_format, contract_example_and_flow_mapping)
{
    pm_calendar *cal = from_string("name: cn\n"
                                   "weekend: [sat, sun]\n"
                                   "holidays: [2024-01-01, 2024-02-10..2024-02-17]   # single days or ranges\n"
                                   "workdays: [2024-02-04, 2024-02-18]\n");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 2, 12)), PM_DAY_HOLIDAY);
    cr_assert_null(pm_calendar_holiday_name(cal, D(2024, 2, 12)));
    cr_assert_eq(pm_calendar_add_workdays(cal, D(2024, 2, 9), 3), D(2024, 2, 20));
    pm_calendar_free(cal);

    cal = from_string("name: x\nholidays: {2024-02-10..2024-02-17: 春节, 2024-01-01: 元旦}\n");
    cr_assert_str_eq(pm_calendar_holiday_name(cal, D(2024, 2, 17)), "春节");
    cr_assert_str_eq(pm_calendar_holiday_name(cal, D(2024, 1, 1)), "元旦");
    cr_assert_null(pm_calendar_holiday_name(cal, D(2024, 2, 18)));
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 2, 17)), PM_DAY_HOLIDAY, "a Saturday in a holiday is a holiday");
    pm_calendar_free(cal);

    /* list items may be mappings, and both may be mixed */
    cal = from_string("holidays:\n  - 2024-01-01\n  - 2024-10-01..2024-10-07: 国庆节\n  - {2024-06-10: 端午节}\n");
    cr_assert_str_eq(pm_calendar_holiday_name(cal, D(2024, 10, 3)), "国庆节");
    cr_assert_str_eq(pm_calendar_holiday_name(cal, D(2024, 6, 10)), "端午节");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 1, 1)), PM_DAY_HOLIDAY);
    cr_assert_str_eq(pm_calendar_name(cal), "test", "named after the file when it has no name");
    pm_calendar_free(cal);
}

Test(calendar_format, weekends)
{
    pm_calendar *cal = from_string("weekend: [fri, sat]\n");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 7, 5)), PM_DAY_WEEKEND, "Friday");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 7, 7)), PM_DAY_WORKING, "Sunday");
    pm_calendar_free(cal);
    cal = from_string("weekend: [Saturday, SUNDAY, mon]\n");
    cr_assert_eq(pm_calendar_kind(cal, D(2024, 7, 8)), PM_DAY_WEEKEND);
    cr_assert_eq(pm_calendar_count_workdays(cal, D(2024, 7, 7), D(2024, 7, 14)), 4);
    pm_calendar_free(cal);
    cal = from_string("weekend: []\n");
    cr_assert_eq(pm_calendar_count_workdays(cal, D(2024, 7, 7), D(2024, 7, 14)), 7);
    pm_calendar_free(cal);
    cal = from_string("name: only-name\n");
    cr_assert_eq(pm_calendar_count_workdays(cal, D(2024, 7, 7), D(2024, 7, 14)), 5, "default weekend sat, sun");
    pm_calendar_free(cal);
}

Test(calendar_format, errors_have_file_and_line)
{
    pm_errors errs = PM_ERRORS_INIT;
    cr_assert_null(pm_calendar_load("fixtures/cal_bad_range.yaml", &errs));
    cr_assert_eq(errs.n, 1);
    cr_assert_str_eq(errs.v[0].file, "fixtures/cal_bad_range.yaml");
    cr_assert_eq(errs.v[0].line, 5);
    cr_assert(strstr(errs.v[0].msg, "bad range '2024-02-17..2024-02-10'"), "%s", errs.v[0].msg);
    pm_errors_free(&errs);

    pm_error err = load_fails("name: x\nholidays:\n  - 2024-01-01\n  - 2024-02-30\n");
    cr_assert_eq(err.line, 4);
    cr_assert(strstr(err.msg, "bad date '2024-02-30'"), "%s", err.msg);

    err = load_fails("name: x\nweekend: [sat, sunday2]\n");
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "unknown weekday 'sunday2'"), "%s", err.msg);

    err = load_fails("name: x\nholidays:\n  2024-01-01: [a, b]\n");
    cr_assert_eq(err.line, 3);
    cr_assert(strstr(err.msg, "must be text"), "%s", err.msg);

    err = load_fails("- 2024-01-01\n");
    cr_assert_eq(err.line, 1);
    cr_assert(strstr(err.msg, "mapping"), "%s", err.msg);

    err = load_fails("");
    cr_assert(strstr(err.msg, "mapping"), "%s", err.msg);

    err = load_fails("name: x\nholiday: [2024-01-01]\n");
    cr_assert_eq(err.line, 2);
    cr_assert(strstr(err.msg, "unknown key 'holiday'"), "%s", err.msg);

    err = load_fails("holidays: [2024-02-04]\nworkdays:\n  - 2024-02-01..2024-02-05\n");
    cr_assert(strstr(err.msg, "2024-02-04 is both a holiday and a working day"), "%s", err.msg);

    err = load_fails("weekend: [mon, tue, wed, thu, fri, sat, sun]\n");
    cr_assert(strstr(err.msg, "no day would be working"), "%s", err.msg);

    err = load_fails("weekend: sat\n");
    cr_assert(strstr(err.msg, "weekend must be a list"), "%s", err.msg);

    err = load_fails("holidays: [2024-01-01..]\n");
    cr_assert(strstr(err.msg, "bad range"), "%s", err.msg);

    err = load_fails("holidays: [[2024-01-01]]\n");
    cr_assert(strstr(err.msg, "expected a date"), "%s", err.msg);

    err = load_fails("holidays: [2024-01-01\n");
    cr_assert(strstr(err.msg, "could not parse YAML"), "%s", err.msg);
}

/* Like the configuration files: every error of the file, each at its line,
 * not just the first. */
Test(calendar_format, every_error_is_reported)
{
    pm_errors errs = load_errors("name: x\n"
                                 "weekend: [sat, sunday2]\n"
                                 "holiday: [2024-01-01]\n"
                                 "holidays:\n"
                                 "  - 2024-02-30\n"
                                 "  - 2024-03-01..2024-02-01\n"
                                 "  - 2024-05-01\n"
                                 "  - {2024-06-01: [a]}\n"
                                 "workdays: [2024-04-30..2024-05-01]\n");
    static const struct {
        long line;
        const char *text;
    } want[] = {
        {2, "unknown weekday 'sunday2'"},
        {3, "unknown key 'holiday'"},
        {5, "bad date '2024-02-30'"},
        {6, "ends before it starts"},
        {7, "2024-05-01 is both a holiday and a working day (see line 9)"},
        {8, "the name of '2024-06-01' must be text"},
    };
    int nwant = (int)(sizeof want / sizeof want[0]);
    cr_assert_eq(errs.n, nwant, "%d errors", errs.n);
    for (int w = 0; w < nwant; w++) {
        int found = 0;
        for (int i = 0; i < errs.n; i++) found |= errs.v[i].line == want[w].line && strstr(errs.v[i].msg, want[w].text);
        cr_expect(found, "no error at line %ld: %s", want[w].line, want[w].text);
    }
    pm_errors_free(&errs);
}

/* A file of a thousand bad dates costs PM_ERRORS_MAX messages and a count. */
Test(calendar_format, errors_past_the_limit_are_counted)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "holidays:\n");
    for (int i = 0; i < PM_ERRORS_MAX + 1; i++) pm_buf_addf(&b, "  - 2024-13-%02d\n", i % 28 + 1);
    pm_errors errs = load_errors(pm_buf_str(&b));
    cr_assert_eq(errs.n, PM_ERRORS_MAX);
    cr_assert_eq(errs.more, 1);
    cr_assert_eq(errs.v[PM_ERRORS_MAX - 1].line, PM_ERRORS_MAX + 1);
    pm_errors_free(&errs);
    pm_buf_free(&b);
}

Test(calendar_format, builtin_unknown)
{
    pm_error err;
    cr_assert_null(pm_calendar_builtin("atlantis", &err));
    cr_assert(strstr(err.file, "calendars/atlantis.yaml"), "%s", err.file);
    cr_assert_null(pm_calendar_builtin("../cn", &err));
}
