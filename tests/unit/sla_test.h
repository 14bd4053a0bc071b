/* sla_test.h - the fixture shared by the tests of pm-sla's logic
 * (test_sla_deadline.c, test_sla_pause.c, test_sla_policy.c): the zone
 * Asia/Shanghai and the shipped calendar cn, opened before each test and
 * freed after it, and local times written as text.  Included once by each;
 * each names its suite with SLA_SUITE(name). */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/pm-sla/sla.h"

static pm_tz *tz;
static pm_calendar *cal;

static void setup(void)
{
    pm_error err;
    tz = pm_tz_open("Asia/Shanghai", &err);
    cr_assert_not_null(tz, "%s", err.msg);
    cal = pm_calendar_builtin("cn", &err);
    cr_assert_not_null(cal, "cn: %s", err.msg);
}

static void teardown(void)
{
    pm_calendar_free(cal);
    pm_tz_free(tz);
}

#define SLA_SUITE(name) TestSuite(name, .init = setup, .fini = teardown)

/* The instant of local time s ("2024-07-01 09:00") in zone z. */
static inline pm_time Tz(const pm_tz *z, const char *s)
{
    pm_time t = 0;
    pm_error err;
    cr_assert_eq(pm_time_parse(s, strlen(s), z, &t, &err), 0, "%s: %s", s, err.msg);
    return t;
}

/* ... in Asia/Shanghai. */
static inline pm_time T(const char *s)
{
    return Tz(tz, s);
}
