/* test_ingest_schema.c - pm-ingest's schema: which values it may keep as
 * they were read (schema_is_canonical), held to what converting them gives. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/pm-ingest/schema.h"

static pm_tz *zone(const char *name)
{
    pm_error err;
    pm_tz *tz = pm_tz_open(name, &err);
    cr_assert(tz, "%s: %s", name, err.msg);
    return tz;
}

static field_def field(ftype type)
{
    field_def fd;
    memset(&fd, 0, sizeof fd);
    fd.type = type;
    return fd;
}

/* 1 when schema_convert gives v back unchanged (and succeeds). */
static int converts_to_itself(const field_def *fd, const char *v, const pm_tz *tz)
{
    pm_buf out = PM_BUF_INIT;
    pm_error err;
    int same = schema_convert(fd, v, strlen(v), tz, &out, &err) == 0 && out.len == strlen(v) &&
               !memcmp(pm_buf_str(&out), v, out.len);
    pm_buf_free(&out);
    return same;
}

/* Every value said canonical converts to itself; each value here is
 * canonical exactly when its expectation says so. */
static void expect_canonical(const field_def *fd, const pm_tz *tz, const char *v, int want)
{
    int got = schema_is_canonical(fd, v, strlen(v), tz);
    cr_expect_eq(got, want, "'%s' in %s: canonical %d, expected %d", v, pm_tz_name(tz), got, want);
    cr_expect_eq(converts_to_itself(fd, v, tz), want, "'%s' in %s: converts to itself %d", v, pm_tz_name(tz), !want);
}

Test(ingest_schema, timestamp_kept_only_when_written_as_the_zone_writes_it)
{
    field_def fd = field(FT_TIMESTAMP);
    pm_tz *sh = zone("Asia/Shanghai"), *ny = zone("America/New_York"), *utc = zone("UTC");
    expect_canonical(&fd, sh, "2024-01-01T12:17:51+08:00", 1);
    expect_canonical(&fd, sh, "2024-02-29T23:59:59+08:00", 1);
    expect_canonical(&fd, sh, "2024-01-01T12:17:51+09:00", 0); /* another zone's offset */
    expect_canonical(&fd, sh, "2024-01-01T12:17:51+0800", 0);
    expect_canonical(&fd, sh, "2024-01-01t12:17:51+08:00", 0);
    expect_canonical(&fd, sh, "2024-01-01 12:17:51+08:00", 0);
    expect_canonical(&fd, sh, "2024/01/01T12:17:51+08:00", 0);
    expect_canonical(&fd, sh, "1900-01-01T00:00:00+08:00", 0); /* local mean time then: +08:05 */
    expect_canonical(&fd, utc, "2024-01-01T00:00:00+00:00", 1);
    expect_canonical(&fd, utc, "2024-01-01T00:00:00-00:00", 0);
    expect_canonical(&fd, utc, "0001-01-01T00:00:00+00:00", 1);
    expect_canonical(&fd, utc, "9999-12-31T23:59:59+00:00", 1);
    /* on each side of a clock change, the offset in force then */
    expect_canonical(&fd, ny, "2024-03-10T01:59:59-05:00", 1);
    expect_canonical(&fd, ny, "2024-03-10T03:00:00-04:00", 1);
    expect_canonical(&fd, ny, "2024-03-10T02:30:00-04:00", 0); /* is 01:30-05:00 */
    expect_canonical(&fd, ny, "2024-11-03T01:30:00-04:00", 1);
    expect_canonical(&fd, ny, "2024-11-03T01:30:00-05:00", 1);
    expect_canonical(&fd, ny, "2024-11-03T02:00:00-04:00", 0);
    /* values that are no timestamp at all: converting them fails */
    static const char *const bad[] = {"0000-01-01T00:00:00+00:00", "2023-02-29T12:00:00+00:00",
                                      "2024-04-31T00:00:00+00:00", "2024-13-01T00:00:00+00:00",
                                      "2024-01-01T24:00:00+00:00", "2024-01-01T00:60:00+00:00",
                                      "2024-01-01T00:00:60+00:00", "2024-01-01T00:00:00+00:60",
                                      "2024-01-01T00:00:00+14:01", "2024-01-01T0a:00:00+00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_canonical(&fd, utc, bad[i], 0);
    pm_tz_free(sh);
    pm_tz_free(ny);
    pm_tz_free(utc);
}

/* Every hour of a year with two clock changes, written as pm_time_format
 * writes it, is kept; with the other offset of the zone it is kept exactly
 * when that reads back as the same (an hour that happens twice). */
Test(ingest_schema, timestamp_every_hour_of_a_year_agrees_with_converting)
{
    field_def fd = field(FT_TIMESTAMP);
    pm_tz *ny = zone("America/New_York");
    pm_time start = 1704067200; /* 2024-01-01T00:00:00Z */
    for (pm_time t = start; t < start + 366 * 86400; t += 3600 + 17) {
        char buf[PM_TIME_BUFSZ];
        size_t n = pm_time_format(t, ny, buf);
        cr_assert(schema_is_canonical(&fd, buf, n, ny), "%s", buf);
        buf[21] = buf[21] == '4' ? '5' : '4'; /* -04:00 <-> -05:00 */
        cr_assert_eq(schema_is_canonical(&fd, buf, n, ny), converts_to_itself(&fd, buf, ny), "%s", buf);
    }
    pm_tz_free(ny);
}

Test(ingest_schema, other_types_kept_only_as_converting_writes_them)
{
    pm_tz *utc = zone("UTC");
    field_def txt = field(FT_TEXT), in = field(FT_INT), b = field(FT_BOOL), dec = field(FT_DECIMAL);
    expect_canonical(&txt, utc, "any text, 甚至中文", 1);
    expect_canonical(&in, utc, "0", 1);
    expect_canonical(&in, utc, "-17", 1);
    expect_canonical(&in, utc, "123456789012345678", 1);
    expect_canonical(&in, utc, "-0", 0);
    expect_canonical(&in, utc, "+5", 0);
    expect_canonical(&in, utc, "007", 0);
    expect_canonical(&b, utc, "true", 1);
    expect_canonical(&b, utc, "false", 1);
    expect_canonical(&b, utc, "True", 0);
    expect_canonical(&b, utc, "是", 0);
    /* decimals are always converted (a kept value would be right too) */
    cr_expect_eq(schema_is_canonical(&dec, "1.50", 4, utc), 0);
    field_def en = field(FT_ENUM);
    enum_value vals[2] = {{.value = "repair"}, {.value = "complaint"}};
    en.values = vals;
    en.nvalues = 2;
    en.name = "kind";
    expect_canonical(&en, utc, "repair", 1);
    expect_canonical(&en, utc, "complaint", 1);
    cr_expect_eq(schema_is_canonical(&en, "Repair", 6, utc), 0);
    cr_expect_eq(schema_is_canonical(&en, "repairs", 7, utc), 0);
    pm_tz_free(utc);
}
