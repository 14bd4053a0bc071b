/* test_timex.c - civil dates, zones, timestamps and durations (docs/CONTRACT.md section 2). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timex.h"
#include "../../src/pm-ingest/schema.h"

static pm_tz *open_tz(const char *name)
{
    pm_error err;
    pm_tz *tz = pm_tz_open(name, &err);
    cr_assert_not_null(tz, "pm_tz_open(%s): %s", name, err.msg);
    return tz;
}

/* Parses s in zone and returns the formatted result (static buffer). */
static const char *reformat(const char *s, const char *zone)
{
    static char out[PM_TIME_BUFSZ];
    pm_error err;
    pm_time t;
    pm_tz *tz = open_tz(zone);
    int rc = pm_time_parse(s, strlen(s), tz, &t, &err);
    cr_assert_eq(rc, 0, "parse '%s': %s", s, err.msg);
    pm_time_format(t, tz, out);
    pm_tz_free(tz);
    return out;
}

static pm_time parse_in(const char *s, const char *zone)
{
    pm_error err;
    pm_time t;
    pm_tz *tz = open_tz(zone);
    cr_assert_eq(pm_time_parse(s, strlen(s), tz, &t, &err), 0, "parse '%s': %s", s, err.msg);
    pm_tz_free(tz);
    return t;
}

/* Every test runs with the machine's zone set to something else, to prove
 * that the library never falls back on it. */
static void foreign_local_zone(void)
{
    setenv("TZ", "America/New_York", 1);
    tzset();
}

TestSuite(timex, .init = foreign_local_zone);

/* Civil dates ------------------------------------------------------------- */

Test(timex, civil_known_days)
{
    cr_assert_eq(pm_day_from_civil(1970, 1, 1), 0);
    cr_assert_eq(pm_day_from_civil(1969, 12, 31), -1);
    cr_assert_eq(pm_day_from_civil(2000, 3, 1), 11017);
    cr_assert_eq(pm_day_from_civil(2024, 2, 29), 19782);
    cr_assert_eq(pm_day_from_civil(2100, 3, 1) - pm_day_from_civil(2100, 2, 28), 1, "2100 is no leap year");
    cr_assert_eq(pm_day_from_civil(2000, 3, 1) - pm_day_from_civil(2000, 2, 28), 2, "2000 is a leap year");
    cr_assert_eq(pm_day_from_civil(1, 1, 1), -719162);
}

Test(timex, civil_round_trip)
{
    for (pm_day d = -719162; d <= 2932896; d += 97) { /* 0001-01-01 .. 9999-12-31 */
        int y, m, dd;
        pm_civil_from_day(d, &y, &m, &dd);
        cr_assert_eq(pm_day_from_civil(y, m, dd), d, "day %lld", (long long)d);
    }
    int y, m, d;
    pm_civil_from_day(2932896, &y, &m, &d);
    cr_assert(y == 9999 && m == 12 && d == 31);
}

/* Every day from year -2 to 10002 (the fast range, 0001 to 9999, and the
 * general one on both sides of it) against a calendar counted a day at a
 * time. */
Test(timex, civil_every_day_agrees_with_counting)
{
    static const int dim[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = -2, m = 1, d = 1;
    pm_day day = pm_day_from_civil(-2, 1, 1);
    cr_assert_eq(day, -719162 - 3 * 365 - 1, "years 0 (leap), -1 and -2 before 0001-01-01");
    while (y <= 10002) {
        int yy, mm, dd;
        pm_civil_from_day(day, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            cr_assert_fail("day %lld: %d-%d-%d, not %d-%d-%d", (long long)day, yy, mm, dd, y, m, d);
        if (pm_day_from_civil(y, m, d) != day) cr_assert_fail("%d-%d-%d: not day %lld", y, m, d, (long long)day);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (++d > dim[m] + (m == 2 && leap)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        day++;
    }
    /* a day past its month's end counts on, as it always did */
    cr_assert_eq(pm_day_from_civil(2023, 2, 31), pm_day_from_civil(2023, 3, 3));
    cr_assert_eq(pm_day_from_civil(2024, 2, 31), pm_day_from_civil(2024, 3, 2));
}

Test(timex, weekday)
{
    cr_assert_eq(pm_day_weekday(0), 3, "1970-01-01 was a Thursday");
    cr_assert_eq(pm_day_weekday(pm_day_from_civil(2024, 7, 3)), 2, "Wednesday");
    cr_assert_eq(pm_day_weekday(pm_day_from_civil(2024, 2, 18)), 6, "Sunday");
    cr_assert_eq(pm_day_weekday(pm_day_from_civil(1969, 12, 29)), 0, "Monday before the epoch");
}

Test(timex, day_parse_and_format)
{
    pm_day d;
    char buf[16];
    cr_assert_eq(pm_day_parse("2024-02-29", 10, &d), 0);
    cr_assert_eq(d, pm_day_from_civil(2024, 2, 29));
    cr_assert_eq(pm_day_parse("2024/7/3", 8, &d), 0);
    cr_assert_eq(d, pm_day_from_civil(2024, 7, 3));
    cr_assert_eq(pm_day_parse("2024-7-3", 8, &d), 0);
    cr_assert_eq(pm_day_parse(" 2024-07-03 ", 12, &d), 0);
    cr_assert_eq(pm_day_parse("2024年7月3日", strlen("2024年7月3日"), &d), 0);
    cr_assert_eq(d, pm_day_from_civil(2024, 7, 3));
    pm_day_format(d, buf);
    cr_assert_str_eq(buf, "2024-07-03");
    pm_day_format(pm_day_from_civil(1, 1, 1), buf);
    cr_assert_str_eq(buf, "0001-01-01");

    const char *bad[] = {"2024-02-30", "2023-02-29",  "2024-13-01", "2024-00-10", "2024-01-00", "2024-1-",
                         "24-01-01",   "2024-01-01x", "",           "2024-01/01", "0000-01-01", "2024-001-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(pm_day_parse(bad[i], strlen(bad[i]), &d), -1, "'%s' accepted", bad[i]);
}

/* Zones ------------------------------------------------------------------- */

Test(timex, zone_open_known)
{
    const char *ok[] = {"Asia/Shanghai", "UTC", "Etc/UTC", "America/New_York", "Europe/London", "Asia/Kolkata"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        pm_tz *tz = open_tz(ok[i]);
        cr_assert_str_eq(pm_tz_name(tz), ok[i]);
        pm_tz_free(tz);
    }
}

Test(timex, zone_open_rejects_unknown)
{
    const char *bad[] = {"Mars/Olympus", "Asia/Shanghia", "",         "../../etc/passwd", "Asia/../Asia/Shanghai",
                         "/etc/passwd",  "Asia",          "zone.tab", "tzdata.zi",        "right/UTC"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm_error err;
        pm_tz *tz = pm_tz_open(bad[i], &err);
        cr_assert_null(tz, "'%s' accepted", bad[i]);
        cr_assert(strstr(err.msg, "unknown time zone"), "message: %s", err.msg);
    }
}

Test(timex, zone_honours_tzdir)
{
    pm_error err;
    setenv("TZDIR", "/nonexistent-zoneinfo", 1);
    cr_assert_null(pm_tz_open("Asia/Shanghai", &err));
    cr_assert(strstr(err.msg, "/nonexistent-zoneinfo"), "message: %s", err.msg);
    setenv("TZDIR", "/usr/share/zoneinfo", 1);
    pm_tz *tz = pm_tz_open("Asia/Shanghai", &err);
    cr_assert_not_null(tz);
    pm_tz_free(tz);
}

Test(timex, zone_offsets)
{
    pm_tz *sh = open_tz("Asia/Shanghai"), *ny = open_tz("America/New_York"), *utc = open_tz("UTC");
    pm_time t = parse_in("2024-07-03T00:00:00Z", "UTC");
    cr_assert_eq(pm_tz_offset(sh, t), 8 * 3600);
    cr_assert_eq(pm_tz_offset(ny, t), -4 * 3600);
    cr_assert_eq(pm_tz_offset(utc, t), 0);
    t = parse_in("2024-01-15T12:00:00Z", "UTC");
    cr_assert_eq(pm_tz_offset(ny, t), -5 * 3600);
    /* the same instant is a different day in each zone */
    t = parse_in("2024-07-03T20:00:00Z", "UTC");
    cr_assert_eq(pm_tz_day(sh, t), pm_day_from_civil(2024, 7, 4));
    cr_assert_eq(pm_tz_day(ny, t), pm_day_from_civil(2024, 7, 3));
    cr_assert_eq(pm_tz_midnight(sh, pm_day_from_civil(2024, 7, 4)), parse_in("2024-07-03T16:00:00Z", "UTC"));
    pm_tz_free(sh);
    pm_tz_free(ny);
    pm_tz_free(utc);
}

Test(timex, dst_gap_is_an_error)
{
    /* 2024-03-10 02:00-03:00 does not exist in New York: an error, never
     * rolled over (issue 14); pm_tz_from_local still reads it with the offset
     * before the change, so a midnight in a gap is the instant the day begins. */
    pm_tz *ny = open_tz("America/New_York");
    pm_time t;
    pm_error err;
    cr_assert_eq(pm_time_parse("2024-03-10 02:30", 16, ny, &t, &err), -1);
    cr_assert(strstr(err.msg, "no such local time in America/New_York"), "%s", err.msg);
    cr_assert_eq(pm_time_parse("2024-03-10 02:00", 16, ny, &t, &err), -1);
    cr_assert_eq(pm_time_parse("2024-03-10 02:59:59", 19, ny, &t, &err), -1);
    cr_assert_eq(pm_tz_from_local(ny, pm_day_from_civil(2024, 3, 10), 9000), parse_in("2024-03-10T07:30:00Z", "UTC"));
    /* with an offset it is an instant like any other */
    cr_assert_str_eq(reformat("2024-03-10T02:30:00-05:00", "America/New_York"), "2024-03-10T03:30:00-04:00");
    cr_assert_str_eq(reformat("2024-03-10 01:59:59", "America/New_York"), "2024-03-10T01:59:59-05:00");
    cr_assert_str_eq(reformat("2024-03-10 03:00", "America/New_York"), "2024-03-10T03:00:00-04:00");
    cr_assert_eq(pm_tz_midnight(ny, pm_day_from_civil(2024, 3, 10)), parse_in("2024-03-10T05:00:00Z", "UTC"));
    pm_tz_free(ny);
}

Test(timex, dst_gap_at_midnight)
{
    /* Chile springs forward at midnight: 2024-09-08 starts at 01:00. */
    pm_tz *tz = open_tz("America/Santiago");
    char buf[PM_TIME_BUFSZ];
    pm_time_format(pm_tz_midnight(tz, pm_day_from_civil(2024, 9, 8)), tz, buf);
    cr_assert_str_eq(buf, "2024-09-08T01:00:00-03:00");
    cr_assert_eq(pm_tz_day(tz, pm_tz_midnight(tz, pm_day_from_civil(2024, 9, 8))), pm_day_from_civil(2024, 9, 8));
    /* and falls back at midnight: 2024-04-06 23:30 happens twice */
    cr_assert_str_eq(reformat("2024-04-06 23:30", "America/Santiago"), "2024-04-06T23:30:00-03:00");
    cr_assert_str_eq(reformat("2024-04-07 00:00", "America/Santiago"), "2024-04-07T00:00:00-04:00");
    pm_tz_free(tz);
}

Test(timex, dst_overlap_takes_earlier_instant)
{
    /* 2024-11-03 01:00-02:00 happens twice in New York: the first one. */
    cr_assert_str_eq(reformat("2024-11-03 01:30", "America/New_York"), "2024-11-03T01:30:00-04:00");
    cr_assert_eq(parse_in("2024-11-03 01:30", "America/New_York"), parse_in("2024-11-03T05:30:00Z", "UTC"));
    cr_assert_str_eq(reformat("2024-11-03T01:30:00-05:00", "America/New_York"), "2024-11-03T01:30:00-05:00");
    cr_assert_str_eq(reformat("2024-11-03 00:59:59", "America/New_York"), "2024-11-03T00:59:59-04:00");
    cr_assert_str_eq(reformat("2024-11-03 02:00", "America/New_York"), "2024-11-03T02:00:00-05:00");
}

/* The zone objects must agree with glibc's reading of the zone database
 * everywhere, across transitions in both directions (more zones and the
 * footer rules: test_timex_zones.c). */
Test(timex, cached_offsets_match_libc)
{
    const char *zones[] = {"America/New_York", "Europe/London",     "Australia/Lord_Howe",
                           "Asia/Shanghai",    "Africa/Casablanca", "America/Sao_Paulo"};
    unsigned seed = 99;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        pm_tz *tz = open_tz(zones[z]);
        char buf[PM_TIME_BUFSZ];
        for (pm_time i = 0; i < 32600; i++) {
            /* all of 2024 at an odd step, then random instants 1902-2174 */
            pm_time t;
            if (i < 32000) {
                t = 1704067200 + i * 997;
            } else {
                seed = seed * 1103515245u + 12345u;
                t = -2145916800 + (pm_time)seed * 2;
            }
            struct tm tm;
            time_t tt = (time_t)t;
            int32_t off = pm_tz_offset(tz, t);
            setenv("TZ", zones[z], 1);
            tzset();
            localtime_r(&tt, &tm);
            cr_assert_eq(off, (int32_t)(tm.tm_gmtoff - tm.tm_gmtoff % 60), "%s at %lld", zones[z], (long long)t);
            /* and each formatted instant reads back to itself */
            size_t n = pm_time_format(t, tz, buf);
            pm_time back;
            pm_error err;
            cr_assert_eq(pm_time_parse(buf, n, tz, &back, &err), 0);
            cr_assert_eq(back, t, "%s", buf);
        }
        pm_tz_free(tz);
    }
}

/* Local readings round-trip outside gaps, in any order of access. */
Test(timex, cached_local_readings_round_trip)
{
    pm_tz *tz = open_tz("America/New_York");
    unsigned seed = 12345;
    char buf[PM_TIME_BUFSZ];
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        pm_time t = 1700000000 + (pm_time)(seed % 70000000u);
        pm_time_format(t, tz, buf);
        buf[19] = '\0'; /* drop the offset: a local reading */
        pm_time back;
        pm_error err;
        cr_assert_eq(pm_time_parse(buf, 19, tz, &back, &err), 0);
        /* in an overlap the earlier instant is taken, so back <= t by an hour */
        cr_assert(back == t || back == t - 3600, "%s: %lld vs %lld", buf, (long long)back, (long long)t);
    }
    pm_tz_free(tz);
}

/* Timestamps -------------------------------------------------------------- */

Test(timex, accepted_forms)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2024-07-03T09:05:00+08:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T01:05:00Z", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T01:05:00z", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03 09:05:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03 09:05", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05+08:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05:00+0800", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05:00+08", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T03:05:00+02:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-02T20:05:00-05:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T06:35:00+05:30", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05:00.000", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05:00.999+08:00", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T01:05:00.5Z", "2024-07-03T09:05:00+08:00"},
        {"2024/7/3 9:05", "2024-07-03T09:05:00+08:00"},
        {"2024/7/3 9:05:07", "2024-07-03T09:05:07+08:00"},
        {"2024/07/03 09:05", "2024-07-03T09:05:00+08:00"},
        {"2024-7-3 9:05", "2024-07-03T09:05:00+08:00"},
        {"2024年7月3日 9:05", "2024-07-03T09:05:00+08:00"},
        {"2024年07月03日 09:05:07", "2024-07-03T09:05:07+08:00"},
        {"2024年7月3日9:05", "2024-07-03T09:05:00+08:00"},
        {"2024年7月3日", "2024-07-03T00:00:00+08:00"},
        {"2024-07-03", "2024-07-03T00:00:00+08:00"},
        {"2024/7/3", "2024-07-03T00:00:00+08:00"},
        {"  2024-07-03 09:05  ", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03  09:05", "2024-07-03T09:05:00+08:00"},
        {"2024-07-03T09:05:00+14:00", "2024-07-03T03:05:00+08:00"},
        {"2024-07-03T09:05:00-14:00", "2024-07-04T07:05:00+08:00"},
        {"2024-07-03T09:05:00-00:00", "2024-07-03T17:05:00+08:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(reformat(cases[i].in, "Asia/Shanghai"), cases[i].out, "input '%s'", cases[i].in);
}

Test(timex, boundaries)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2024-07-03 00:00", "2024-07-03T00:00:00+08:00"},
        {"2024-07-03 23:59:59", "2024-07-03T23:59:59+08:00"},
        {"2024-02-29 12:00", "2024-02-29T12:00:00+08:00"},
        {"2024-12-31T23:59:59+08:00", "2024-12-31T23:59:59+08:00"},
        {"2025-01-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00"},
        {"1970-01-01T00:00:00Z", "1970-01-01T08:00:00+08:00"},
        {"2100-02-28 23:59:59", "2100-02-28T23:59:59+08:00"},
        {"2100-03-01 00:00", "2100-03-01T00:00:00+08:00"},
        {"9999-12-31 23:59:59", "9999-12-31T23:59:59+08:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(reformat(cases[i].in, "Asia/Shanghai"), cases[i].out, "input '%s'", cases[i].in);
    cr_assert_eq(parse_in("1970-01-01T00:00:00Z", "UTC"), 0);
    cr_assert_eq(parse_in("1970-01-01 08:00", "Asia/Shanghai"), 0);
    cr_assert_eq(parse_in("1969-12-31T23:59:59Z", "UTC"), -1);
    cr_assert_eq(parse_in("2100-01-01T00:00:00Z", "UTC"), 4102444800);
    cr_assert_eq(parse_in("2024-07-03 23:59:59", "UTC") + 1, parse_in("2024-07-04 00:00", "UTC"));
    /* Local mean time before 1901 is kept to the minute and reads back. */
    cr_assert_str_eq(reformat("0001-01-01 00:00", "Asia/Shanghai"), "0001-01-01T00:00:00+08:05");
}

Test(timex, output_in_the_zone_given)
{
    /* TZ says New York (see the suite's init); the zone asked for wins. */
    cr_assert_str_eq(reformat("2024-07-03 09:05", "Asia/Shanghai"), "2024-07-03T09:05:00+08:00");
    cr_assert_str_eq(reformat("2024-07-03 09:05", "UTC"), "2024-07-03T09:05:00+00:00");
    cr_assert_str_eq(reformat("2024-07-03 09:05", "Asia/Kolkata"), "2024-07-03T09:05:00+05:30");
    pm_tz *sh = open_tz("Asia/Shanghai"), *utc = open_tz("UTC");
    char buf[PM_TIME_BUFSZ];
    pm_time t = parse_in("2024-07-03T09:05:00+08:00", "UTC");
    cr_assert_eq(pm_time_format(t, utc, buf), 25);
    cr_assert_str_eq(buf, "2024-07-03T01:05:00+00:00");
    pm_time_format(t, sh, buf); /* alternating zones */
    cr_assert_str_eq(buf, "2024-07-03T09:05:00+08:00");
    pm_time_format(t, utc, buf);
    cr_assert_str_eq(buf, "2024-07-03T01:05:00+00:00");
    pm_tz_free(sh);
    pm_tz_free(utc);
}

Test(timex, rejected_forms)
{
    static const struct {
        const char *in, *why;
    } cases[] = {
        {"2024-02-30 10:00", "day out of range"},
        {"2023-02-29", "day out of range"},
        {"2024-04-31 10:00", "day out of range"},
        {"2024-13-01 10:00", "month out of range"},
        {"2024-00-01 10:00", "month out of range"},
        {"2024-07-00 10:00", "day out of range"},
        {"2024-07-03 25:00", "hour out of range"},
        {"2024-07-03 24:00", "hour out of range"},
        {"2024-07-03 10:60", "minute out of range"},
        {"2024-07-03 10:05:60", "second out of range"},
        {"2024-07-03T09:05:00+99:00", "offset out of range"},
        {"2024-07-03T09:05:00+14:01", "offset out of range"},
        {"2024-07-03T09:05:00+08:60", "offset out of range"},
        {"0000-07-03 10:00", "year out of range"},
        {"", "empty"},
        {"   ", "empty"},
        {"hello", "expected"},
        {"24-07-03 10:00", "expected"},
        {"20240-07-03 10:00", "expected"},
        {"2024-07-03 9", "expected"},
        {"2024-07-03 9:5", "expected"},
        {"2024-07-03 9:05:7", "expected"},
        {"2024-07-03 109:05", "expected"},
        {"2024-07-03T", "expected"},
        {"2024-07-03X09:05", "expected"},
        {"2024-07/03 09:05", "expected"},
        {"2024-07-03 09:05:00+8", "expected"},
        {"2024-07-03 09:05:00+08:0", "expected"},
        {"2024-07-03 09:05:00+08:00x", "expected"},
        {"2024-07-03 09:05:00.", "expected"},
        {"2024-07-03 09:05 PM", "unexpected"},
        {"2024-07-03 09:05:00 +08:00", "unexpected"},
        {"2024年7月3 9:05", "expected"},
    };
    pm_tz *tz = open_tz("Asia/Shanghai");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm_error err;
        pm_time t;
        int rc = pm_time_parse(cases[i].in, strlen(cases[i].in), tz, &t, &err);
        cr_assert_eq(rc, -1, "'%s' accepted", cases[i].in);
        cr_assert(strstr(err.msg, cases[i].why), "'%s': message '%s' lacks '%s'", cases[i].in, err.msg, cases[i].why);
        cr_assert(strncmp(err.msg, "bad timestamp '", 15) == 0, "message: %s", err.msg);
    }
    pm_error err;
    pm_time t;
    pm_time_parse("2024-02-30 10:00", 16, tz, &t, &err);
    cr_assert_str_eq(err.msg, "bad timestamp '2024-02-30 10:00': day out of range");
    cr_assert_eq(err.line, 0);
    cr_assert_str_eq(err.file, "");
    pm_tz_free(tz);
}

Test(timex, parse_uses_length_not_nul)
{
    pm_tz *tz = open_tz("Asia/Shanghai");
    pm_time t;
    pm_error err;
    const char *s = "2024-07-03 09:05,next field";
    cr_assert_eq(pm_time_parse(s, 16, tz, &t, &err), 0);
    cr_assert_eq(t, parse_in("2024-07-03T01:05:00Z", "UTC"));
    pm_tz_free(tz);
}

/* Durations --------------------------------------------------------------- */

Test(timex, durations_accepted)
{
    static const struct {
        const char *in;
        pm_dur_kind kind;
        int64_t n;
        const char *out;
    } cases[] = {
        {"15m", PM_DUR_SECONDS, 900, "15m"},
        {"8h", PM_DUR_SECONDS, 28800, "8h"},
        {"30s", PM_DUR_SECONDS, 30, "30s"},
        {"90s", PM_DUR_SECONDS, 90, "90s"},
        {"120s", PM_DUR_SECONDS, 120, "2m"},
        {"60m", PM_DUR_SECONDS, 3600, "1h"},
        {"90m", PM_DUR_SECONDS, 5400, "90m"},
        {"48h", PM_DUR_SECONDS, 172800, "48h"},
        {"0m", PM_DUR_SECONDS, 0, "0s"},
        {"2d", PM_DUR_DAYS, 2, "2d"},
        {"0d", PM_DUR_DAYS, 0, "0d"},
        {"7wd", PM_DUR_WORKDAYS, 7, "7wd"},
        {"300wd", PM_DUR_WORKDAYS, 300, "300wd"},
        {" 3wd ", PM_DUR_WORKDAYS, 3, "3wd"},
        {"007d", PM_DUR_DAYS, 7, "7d"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm_duration d;
        pm_error err;
        char buf[32];
        cr_assert_eq(pm_duration_parse(cases[i].in, strlen(cases[i].in), &d, &err), 0, "'%s': %s", cases[i].in,
                     err.msg);
        cr_assert_eq(d.kind, cases[i].kind, "'%s'", cases[i].in);
        cr_assert_eq(d.n, cases[i].n, "'%s'", cases[i].in);
        cr_assert_eq(pm_duration_format(&d, buf), strlen(cases[i].out));
        cr_assert_str_eq(buf, cases[i].out);
    }
}

/* pm_duration_format writes its digits by hand: the same text as printf,
 * at the ends of the range and for negative values too. */
Test(timex, duration_format_agrees_with_printf)
{
    const int64_t ns[] = {0,     1,     -1,        9,         10,        -10,           59,        60, -60, 3599, 3600,
                          -7200, 86400, 123456789, INT64_MAX, INT64_MIN, INT64_MAX - 1, -INT64_MAX};
    const char *units[] = {"d", "wd"};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        char got[32], want[32];
        for (int k = 0; k < 2; k++) {
            pm_duration d = {k ? PM_DUR_WORKDAYS : PM_DUR_DAYS, ns[i]};
            snprintf(want, sizeof want, "%lld%s", (long long)ns[i], units[k]);
            cr_assert_eq(pm_duration_format(&d, got), strlen(want));
            cr_assert_str_eq(got, want);
        }
        pm_duration s = {PM_DUR_SECONDS, ns[i]};
        if (ns[i] != 0 && ns[i] % 3600 == 0)
            snprintf(want, sizeof want, "%lldh", (long long)(ns[i] / 3600));
        else if (ns[i] != 0 && ns[i] % 60 == 0)
            snprintf(want, sizeof want, "%lldm", (long long)(ns[i] / 60));
        else
            snprintf(want, sizeof want, "%llds", (long long)ns[i]);
        cr_assert_eq(pm_duration_format(&s, got), strlen(want));
        cr_assert_str_eq(got, want);
    }
}

Test(timex, durations_rejected)
{
    static const struct {
        const char *in, *why;
    } cases[] = {
        {"0.5h", "unit"},
        {"-1d", "whole number"},
        {"+1d", "whole number"},
        {"", "empty"},
        {"5x", "unit"},
        {"5", "unit"},
        {"h", "whole number"},
        {"5 h", "unit"},
        {"5H", "unit"},
        {"5dw", "unit"},
        {"5wdd", "unit"},
        {"99999999999999999999999h", "too large"},
        {"9223372036854775807s", "too large"},
        {"4000000d", "too large"},
        {"4000000wd", "too large"},
        {"100000000h", "too large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm_duration d;
        pm_error err;
        cr_assert_eq(pm_duration_parse(cases[i].in, strlen(cases[i].in), &d, &err), -1, "'%s' accepted", cases[i].in);
        cr_assert(strstr(err.msg, cases[i].why), "'%s': message '%s' lacks '%s'", cases[i].in, err.msg, cases[i].why);
        cr_assert(strncmp(err.msg, "bad duration '", 14) == 0, "message: %s", err.msg);
    }
}

/* Forms people type (issue 13): pm_time_parse_ex. */
static const char *reformat_ex(const char *s, int order, int *date_only)
{
    static char out[PM_TIME_BUFSZ];
    pm_error err;
    pm_time t;
    pm_tz *tz = open_tz("Asia/Shanghai");
    int rc = pm_time_parse_ex(s, strlen(s), tz, order, &t, date_only, &err);
    cr_assert_eq(rc, 0, "parse '%s': %s", s, err.msg);
    pm_time_format(t, tz, out);
    pm_tz_free(tz);
    return out;
}

Test(timex, typed_forms)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2026.12.6 11:20", "2026-12-06T11:20:00+08:00"},
        {"2026.12.06", "2026-12-06T00:00:00+08:00"},
        {"2026/12/6 下午3:05", "2026-12-06T15:05:00+08:00"},
        {"2026/12/6下午3:05", "2026-12-06T15:05:00+08:00"},
        {"2026/12/6 上午9:05", "2026-12-06T09:05:00+08:00"},
        {"2026/12/6 上午12:30", "2026-12-06T00:30:00+08:00"},
        {"2026/12/6 下午12:30", "2026-12-06T12:30:00+08:00"},
        {"2026/12/6 中午12:10", "2026-12-06T12:10:00+08:00"},
        {"2026/12/6 中午1:10", "2026-12-06T13:10:00+08:00"},
        {"2026/12/6 晚上11:59:30", "2026-12-06T23:59:30+08:00"},
        {"2026年12月6日9时5分", "2026-12-06T09:05:00+08:00"},
        {"2026年12月6日 9时5分30秒", "2026-12-06T09:05:30+08:00"},
        {"2026年12月6日9时", "2026-12-06T09:00:00+08:00"},
        {"2026年12月6日下午3点", "2026-12-06T15:00:00+08:00"},
        {"2026年12月6日 14点30分", "2026-12-06T14:30:00+08:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(reformat_ex(cases[i].in, PM_DATE_YMD, NULL), cases[i].out, "%s", cases[i].in);
}

Test(timex, year_last_only_with_an_order)
{
    cr_assert_str_eq(reformat_ex("12/6/2026 11:20", PM_DATE_MDY, NULL), "2026-12-06T11:20:00+08:00");
    cr_assert_str_eq(reformat_ex("12/6/2026 11:20", PM_DATE_DMY, NULL), "2026-06-12T11:20:00+08:00");
    cr_assert_str_eq(reformat_ex("6.12.2026", PM_DATE_DMY, NULL), "2026-12-06T00:00:00+08:00");
    /* the year-first forms are read the same whatever the order */
    cr_assert_str_eq(reformat_ex("2026/12/6 11:20", PM_DATE_DMY, NULL), "2026-12-06T11:20:00+08:00");
    pm_tz *tz = open_tz("Asia/Shanghai");
    pm_error err;
    pm_time t;
    cr_assert_eq(pm_time_parse_ex("12/6/2026 11:20", 15, tz, PM_DATE_YMD, &t, NULL, &err), -1);
    cr_assert(strstr(err.msg, "--date-order"), "%s", err.msg);
    cr_assert_eq(pm_time_parse("12/6/2026", 9, tz, &t, &err), -1, "never guessed");
    cr_assert_eq(pm_time_parse_ex("13/6/2026", 9, tz, PM_DATE_MDY, &t, NULL, &err), -1);
    cr_assert(strstr(err.msg, "month out of range"), "%s", err.msg);
    pm_tz_free(tz);
}

Test(timex, date_only_is_told)
{
    int only = -1;
    reformat_ex("2026/12/8", PM_DATE_YMD, &only);
    cr_assert_eq(only, 1);
    reformat_ex("2026/12/8 15:00", PM_DATE_YMD, &only);
    cr_assert_eq(only, 0);
    reformat_ex("2026-12-08T15:00:00+08:00", PM_DATE_YMD, &only);
    cr_assert_eq(only, 0, "the fast path says so too");
    reformat_ex("2026年12月8日", PM_DATE_YMD, &only);
    cr_assert_eq(only, 1);
}

Test(timex, typed_forms_rejected)
{
    static const char *const bad[] = {
        "2026/12/6 下午13:05", "2026/12/6 上午0:05",       "2026年12月6日9时5x", "2026年12月6日9时5分30",
        "2026.12-6 11:20",     "2026/12/6 下午3:05+08:00", "2026年12月6日25时",
    };
    pm_tz *tz = open_tz("Asia/Shanghai");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm_error err;
        pm_time t;
        cr_assert_eq(pm_time_parse(bad[i], strlen(bad[i]), tz, &t, &err), -1, "'%s' accepted", bad[i]);
    }
    pm_tz_free(tz);
}

Test(timex, syntax_error_lists_every_form)
{
    pm_tz *tz = open_tz("Asia/Shanghai");
    pm_error err;
    pm_time t;
    cr_assert_eq(pm_time_parse("next Tuesday", 12, tz, &t, &err), -1);
    static const char *const forms[] = {"2024-07-03T09:05:00+08:00", "2024/7/3 9:05", "2024.7.3 9:05",
                                        "2024年7月3日 9:05",         "9时5分",        "下午3:05",
                                        "--date-order=mdy"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        cr_assert(strstr(err.msg, forms[i]), "message lacks %s: %s", forms[i], err.msg);
    pm_tz_free(tz);
}

Test(timex, fast_path_agrees_with_the_parser)
{
    /* the fixed-position forms and their near misses */
    static const char *const same[] = {
        "2024-07-03T09:05:07+08:00", "2024-07-03T09:05:07-05:30", "2024-07-03 09:05:07",
        "2024-07-03T09:05:07",       "2024-02-29T23:59:59+14:00", "2023-02-29T10:00:00+08:00",
        "2024-07-03T24:00:00+08:00", "2024-07-03T09:05:07+15:00", "2024-07-03T09:60:07+08:00",
        "2016-12-31T23:59:60+00:00", "2024-07-03T09:05:07+14:00", "2024-07-03T09:05:07-14:00",
        "2024-07-03T09:05:07+14:01", "2024-07-03T09:05:07+08:60", "0001-01-01T00:00:00+08:00",
        "0002-01-01T00:00:00+00:00", "9998-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00",
        "2024-07-03T09:05:07+0800",  "2024-07-03T09:05:07+08",    "2024-07-03t09:05:07+08:00",
        "2024-7-3T09:05:07+08:00",   "2024-07-03T9:05:07+08:00",  "2024-02-30T09:05:07+08:00",
        "2100-02-29T09:05:07+08:00", "2000-02-29T09:05:07+08:00", "2024-07-03 24:00:00",
        "2024-00-03T09:05:07+08:00", "2024-13-03T09:05:07+08:00", "2024-07-00T09:05:07+08:00",
    };
    pm_tz *tz = open_tz("Asia/Shanghai");
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        pm_error err;
        pm_time t;
        int rc = pm_time_parse(same[i], strlen(same[i]), tz, &t, &err);
        char slow[64];
        snprintf(slow, sizeof slow, " %s ", same[i]); /* blanks: the general parser */
        pm_time t2;
        int rc2 = pm_time_parse(slow, strlen(slow), tz, &t2, &err);
        cr_assert_eq(rc, rc2, "%s", same[i]);
        if (rc == 0) cr_assert_eq(t, t2, "%s", same[i]);
    }
    pm_tz_free(tz);
}

/* Formatting by two-digit look-ups against printf, over years 1 to 9999
 * and every hour, minute and second, in a zone east and one west. */
Test(timex, format_agrees_with_printf)
{
    static const char *const zones[] = {"Asia/Shanghai", "America/Caracas"};
    for (size_t z = 0; z < 2; z++) {
        pm_tz *tz = open_tz(zones[z]);
        for (pm_time t = (pm_time)-719162 * 86400 + 86400; t < (pm_time)2932896 * 86400; t += 7919 * 3607 + 13) {
            char got[PM_TIME_BUFSZ], want[64];
            int32_t off = pm_tz_offset(tz, t);
            pm_time local = t + off;
            pm_day day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
            int64_t sod = local - day * 86400;
            int y, m, d, aoff = off < 0 ? -off : off;
            pm_civil_from_day(day, &y, &m, &d);
            snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(sod / 3600),
                     (int)(sod / 60 % 60), (int)(sod % 60), off < 0 ? '-' : '+', aoff / 3600, aoff / 60 % 60);
            size_t n = pm_time_format(t, tz, got);
            if (n != strlen(want) || strcmp(got, want) != 0)
                cr_assert_fail("%lld: %s, not %s", (long long)t, got, want);
        }
        pm_tz_free(tz);
    }
}

/* Each byte of the canonical forms changed to something near it (a
 * neighbour of the digits, a separator, a byte with the high bit, NUL): the
 * fast path either reads the same instant as the general parser or leaves
 * the text to it. */
Test(timex, fast_path_agrees_on_every_one_byte_change)
{
    static const char *const base[] = {"2024-02-29T23:59:59+08:00", "1999-12-31T00:00:00-14:00", "2024-07-03 09:05:07",
                                       "2024-07-03T09:05:07"};
    static const unsigned char with[] = {'/', ':', '0', '1',  '2',  '3',  '5',  '6',  '9', '-',  '+',
                                         ' ', 'T', 'Z', 0x00, 0x80, 0xb0, 0xb9, 0xff, 'O', 0x10, 0x3f};
    pm_tz *tz = open_tz("Asia/Shanghai");
    for (size_t b = 0; b < sizeof base / sizeof base[0]; b++) {
        size_t len = strlen(base[b]);
        for (size_t i = 0; i < len; i++)
            for (size_t k = 0; k < sizeof with; k++) {
                char fast[32], slow[34];
                memcpy(fast, base[b], len);
                fast[i] = (char)with[k];
                slow[0] = ' '; /* blanks: the general parser */
                memcpy(slow + 1, fast, len);
                slow[len + 1] = ' ';
                pm_time t = 0, t2 = 0;
                int rc = pm_time_parse(fast, len, tz, &t, NULL);
                int rc2 = pm_time_parse(slow, len + 2, tz, &t2, NULL);
                cr_assert_eq(rc, rc2, "%s, byte %zu as 0x%02x", base[b], i, with[k]);
                if (rc == 0) cr_assert_eq(t, t2, "%s, byte %zu as 0x%02x", base[b], i, with[k]);
            }
    }
    pm_tz_free(tz);
}

/* Reasons apart from the value (issue 20): a caller that must hide the
 * value learns why without reading the message. */
Test(timex, reasons_apart_from_the_value)
{
    static const struct {
        const char *in;
        pm_time_why why;
        const char *text;
    } cases[] = {
        {"  ", PM_TIME_EMPTY, "empty"},
        {"Zhang San 13800138000", PM_TIME_SYNTAX, "expected YYYY-MM-DD"},
        {"12/6/2026", PM_TIME_NEEDS_ORDER, "--date-order"},
        {"2024-07-03X09:05", PM_TIME_SEPARATOR, "expected 'T' or a blank"},
        {"2026年12月6日9时5x", PM_TIME_CJK_MINUTES, "M分"},
        {"2026年12月6日9时5分30", PM_TIME_CJK_SECONDS, "S秒"},
        {"2024-07-03 9", PM_TIME_TIME_FORM, "HH:MM[:SS]"},
        {"2024-07-03 9:5", PM_TIME_MINUTE_DIGITS, "minutes"},
        {"2024-07-03 9:05:7", PM_TIME_SECOND_DIGITS, "seconds"},
        {"2024-07-03 09:05:00.", PM_TIME_FRACTION, "decimal point"},
        {"2024-07-03 09:05:00+8", PM_TIME_OFFSET_FORM, "+HH:MM"},
        {"2024-07-03T09:05:00+14:01", PM_TIME_OFFSET_RANGE, "at most +-14:00"},
        {"2024-07-03 09:05 PM", PM_TIME_TRAILING, "unexpected text"},
        {"2026/12/6 下午13:05", PM_TIME_HOUR12_RANGE, "12-hour"},
        {"0000-07-03 10:00", PM_TIME_YEAR_RANGE, "year out of range (0001-9999)"},
        {"2024-13-01", PM_TIME_MONTH_RANGE, "month out of range"},
        {"2024-02-30 10:00", PM_TIME_DAY_RANGE, "day out of range"},
        {"2024-07-03 24:00", PM_TIME_HOUR_RANGE, "hour out of range"},
        {"2024-07-03 10:60", PM_TIME_MINUTE_RANGE, "minute out of range"},
        {"2024-07-03 10:05:60", PM_TIME_SECOND_RANGE, "second out of range"},
        {"9999-12-31T23:00:00-14:00", PM_TIME_YEAR_IN_ZONE, "in the zone in force"},
    };
    pm_tz *tz = open_tz("Asia/Shanghai");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *in = cases[i].in;
        pm_time t;
        pm_error full, reason;
        cr_assert_eq(pm_time_scan(in, strlen(in), tz, PM_DATE_YMD, &t, NULL), cases[i].why, "'%s'", in);
        cr_assert_eq(pm_time_parse(in, strlen(in), tz, &t, &full), -1);
        pm_time_why_error(&reason, cases[i].why, tz, NULL, 0);
        cr_assert(strstr(reason.msg, cases[i].text), "'%s': %s", in, reason.msg);
        /* the reason is the message's tail, without the value */
        size_t n = strlen(full.msg), r = strlen(reason.msg);
        cr_assert(n > r && !strcmp(full.msg + n - r, reason.msg), "'%s': %s vs %s", in, full.msg, reason.msg);
        if (strlen(in) > 2) cr_assert_null(strstr(reason.msg, in), "'%s' shown: %s", in, reason.msg);
        pm_time_why_error(&reason, cases[i].why, tz, in, strlen(in));
        cr_assert_str_eq(reason.msg, full.msg);
    }
    pm_time t;
    cr_assert_eq(pm_time_scan("2024-07-03T09:05:00+08:00", 25, tz, PM_DATE_YMD, &t, NULL), PM_TIME_OK);
    pm_tz_free(tz);

    pm_tz *ny = open_tz("America/New_York");
    pm_error e;
    cr_assert_eq(pm_time_scan("2024-03-10 02:30", 16, ny, PM_DATE_YMD, &t, NULL), PM_TIME_SKIPPED);
    pm_time_why_error(&e, PM_TIME_SKIPPED, ny, NULL, 0);
    cr_assert_str_eq(e.msg, "no such local time in America/New_York (the clocks skip it)");
    pm_time_why_error(&e, PM_TIME_SKIPPED, ny, " 2024-03-10 02:30 ", 18);
    cr_assert_str_eq(e.msg, "bad timestamp '2024-03-10 02:30': no such local time in America/New_York "
                            "(the clocks skip it)");
    pm_tz_free(ny);
}

/* pm-ingest's hidden fields say why a timestamp is bad from the reason
 * code, never from the message text, so the value cannot leak, whatever its
 * length or blanks. */
Test(timex, hidden_field_gets_the_reason_without_the_value)
{
    field_def fd;
    memset(&fd, 0, sizeof fd);
    fd.type = FT_TIMESTAMP;
    fd.date_order = PM_DATE_YMD;
    pm_tz *tz = open_tz("Asia/Shanghai");
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"1990-02-30", "the value is not a valid timestamp: day out of range"},
        {"  1990-02-30  ", "the value is not a valid timestamp: day out of range"},
        {"1990-02-30 1", "the value is not a valid timestamp: expected the time as HH:MM[:SS]"},
        {"1990-01-01 10:00 110105199001011234 110105199001011234 110105199001011234 110105199001011234",
         "the value is not a valid timestamp: unexpected text after the time"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pm_buf out = PM_BUF_INIT;
        pm_error err;
        cr_assert_eq(schema_convert_hidden(&fd, cases[i].in, strlen(cases[i].in), tz, &out, &err), -1);
        cr_assert_str_eq(err.msg, cases[i].msg, "'%s'", cases[i].in);
        cr_assert_eq(schema_convert(&fd, cases[i].in, strlen(cases[i].in), tz, &out, &err), -1);
        cr_assert(strstr(err.msg, "bad timestamp '1990-"), "shown: %s", err.msg);
        pm_buf_free(&out);
    }
    pm_tz_free(tz);
}
