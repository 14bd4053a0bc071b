/* fuzz_time.c - libFuzzer harness for lib/timex.c: pm_time_parse,
 * pm_duration_parse, pm_day_parse.
 *
 * The first byte picks a zone (Asia/Shanghai, UTC, America/New_York,
 * Europe/London); the rest is the text.  Checks, beyond "no crash, no
 * sanitizer report": a failed parse sets a message; a successful one formats
 * (within PM_TIME_BUFSZ / 32 / 16 bytes) and the formatted text parses back
 * to the same value; formatted timestamps re-parse equal in any zone (they
 * carry their offset); civil-date conversions agree. */
#include "fuzz_util.h"
#include "timex.h"

static pm_tz *zones[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *names[4] = {"Asia/Shanghai", "UTC", "America/New_York", "Europe/London"};
    pm_error err;
    for (int i = 0; i < 4; i++) {
        zones[i] = pm_tz_open(names[i], &err);
        if (!zones[i]) { fprintf(stderr, "%s: %s\n", names[i], err.msg); abort(); }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    pm_tz *tz = zones[data[0] & 3];
    pm_tz *other = zones[(data[0] >> 2) & 3];
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    pm_error err;

    pm_time t;
    pm_error_clear(&err);
    if (pm_time_parse(s, len, tz, &t, &err) == 0) {
        char buf[PM_TIME_BUFSZ], buf2[PM_TIME_BUFSZ];
        size_t n = pm_time_format(t, tz, buf);
        CHECK(n < PM_TIME_BUFSZ && n == strlen(buf));
        pm_time t2;
        if (pm_time_parse(buf, n, tz, &t2, &err) != 0) {
            fprintf(stderr, "formatted '%s' does not parse: %s\n", buf, err.msg);
            __builtin_trap();
        }
        CHECK(t2 == t);
        /* in another zone the same instant may fall in year 10000: only
         * 4-digit years are written to be read again */
        size_t n2 = pm_time_format(t, other, buf2);
        CHECK(n2 < PM_TIME_BUFSZ);
        if (n2 == 25 && memcmp(buf2, "0000", 4)) CHECK(pm_time_parse(buf2, n2, other, &t2, &err) == 0 && t2 == t);
        pm_day d = pm_tz_day(tz, t);
        int y, m, dd;
        pm_civil_from_day(d, &y, &m, &dd);
        CHECK(pm_day_from_civil(y, m, dd) == d);
        CHECK(pm_tz_midnight(tz, d) <= t);
    } else {
        CHECK(err.msg[0]);
    }

    pm_duration du;
    pm_error_clear(&err);
    if (pm_duration_parse(s, len, &du, &err) == 0) {
        char buf[32];
        size_t n = pm_duration_format(&du, buf);
        CHECK(n < 32 && n == strlen(buf));
        pm_duration d2;
        CHECK(pm_duration_parse(buf, n, &d2, &err) == 0);
        CHECK(d2.kind == du.kind && d2.n == du.n);
        CHECK(du.n >= 0);
    } else {
        CHECK(err.msg[0]);
    }

    pm_day day;
    if (pm_day_parse(s, len, &day) == 0) {
        char buf[16];
        pm_day_format(day, buf);
        CHECK(strlen(buf) < 16);
        pm_day d2;
        CHECK(pm_day_parse(buf, strlen(buf), &d2) == 0 && d2 == day);
        int y, m, dd;
        pm_civil_from_day(day, &y, &m, &dd);
        CHECK(m >= 1 && m <= 12 && dd >= 1 && dd <= 31);
        CHECK(pm_day_from_civil(y, m, dd) == day);
    }
    return 0;
}
