/* test_roster_calendar.c - pm_calendar_open: the name-or-path rule every
 * program's --calendar follows (a name is a shipped calendar, a path or a
 * .yaml/.yml name is a file). */
#include <criterion/criterion.h>
#include "unit_test.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"

Test(calendar_open, a_name_is_a_shipped_calendar)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_open("cn", &errs);
    cr_assert_not_null(cal, "%s", errs.v[0].msg);
    cr_assert_str_eq(pm_calendar_name(cal), "cn");
    /* 1 October 2024, National Day */
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 1)), PM_DAY_HOLIDAY);
    pm_calendar_free(cal);
}

Test(calendar_open, an_unknown_name_fails)
{
    pm_errors errs = PM_ERRORS_INIT;
    cr_assert_null(pm_calendar_open("nosuchcalendar", &errs));
    cr_assert_eq(errs.n, 1);
    cr_assert(errs.v[0].msg[0]);
    pm_errors_free(&errs);
}

Test(calendar_open, a_path_is_a_file)
{
    char path[] = "/tmp/pmcalXXXXXX";
    test_temp_file(path, "name: plain\nweekend: [sat, sun]\nholidays: [2024-10-02]\n");
    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_open(path, &errs);
    unlink(path);
    cr_assert_not_null(cal, "%s", errs.v[0].msg);
    cr_assert_str_eq(pm_calendar_name(cal), "plain");
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 1)), PM_DAY_WORKING);
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 2)), PM_DAY_HOLIDAY);
    pm_calendar_free(cal);
}

Test(calendar_open, a_yaml_name_is_a_file_not_a_shipped_calendar)
{
    pm_errors errs = PM_ERRORS_INIT;
    /* no '/', but .yaml: read as a file in the current folder, which is not there */
    cr_assert_null(pm_calendar_open("cn.yaml", &errs));
    cr_assert_null(pm_calendar_open("cn.yml", &errs));
    cr_assert_eq(errs.n, 2);
    cr_assert_str_eq(errs.v[0].file, "cn.yaml");
    pm_errors_free(&errs);
}
