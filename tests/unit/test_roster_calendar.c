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
    pm_error err;
    pm_error_clear(&err);
    pm_calendar *cal = pm_calendar_open("cn", &err);
    cr_assert_not_null(cal, "%s", err.msg);
    cr_assert_str_eq(pm_calendar_name(cal), "cn");
    /* 1 October 2024, National Day */
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 1)), PM_DAY_HOLIDAY);
    pm_calendar_free(cal);
}

Test(calendar_open, an_unknown_name_fails)
{
    pm_error err;
    pm_error_clear(&err);
    cr_assert_null(pm_calendar_open("nosuchcalendar", &err));
    cr_assert(err.msg[0]);
}

Test(calendar_open, a_path_is_a_file)
{
    char path[] = "/tmp/pmcalXXXXXX";
    test_temp_file(path, "name: plain\nweekend: [sat, sun]\nholidays: [2024-10-02]\n");
    pm_error err;
    pm_error_clear(&err);
    pm_calendar *cal = pm_calendar_open(path, &err);
    unlink(path);
    cr_assert_not_null(cal, "%s", err.msg);
    cr_assert_str_eq(pm_calendar_name(cal), "plain");
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 1)), PM_DAY_WORKING);
    cr_assert_eq(pm_calendar_kind(cal, pm_day_from_civil(2024, 10, 2)), PM_DAY_HOLIDAY);
    pm_calendar_free(cal);
}

Test(calendar_open, a_yaml_name_is_a_file_not_a_shipped_calendar)
{
    pm_error err;
    pm_error_clear(&err);
    /* no '/', but .yaml: read as a file in the current folder, which is not there */
    cr_assert_null(pm_calendar_open("cn.yaml", &err));
    cr_assert_null(pm_calendar_open("cn.yml", &err));
}
