/* test_timex_zones.c - pm_tz reads zone files itself (lib/tzif.c): its offsets
 * are glibc's, in real zones and in zone files written here to reach every
 * form of the POSIX TZ footer.  The tests may point glibc at a zone with TZ;
 * the library must not. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timex.h"

/* glibc's offset at t in zone (by TZ), cut to whole minutes as timex does. */
static int32_t glibc_offset(const char *zone, pm_time t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    const char *cur = getenv("TZ");
    if (!cur || strcmp(cur, zone) != 0) {
        setenv("TZ", zone, 1);
        tzset();
    }
    cr_assert_not_null(localtime_r(&tt, &tm));
    return (int32_t)(tm.tm_gmtoff - tm.tm_gmtoff % 60);
}

/* Compares every 6 hours of [from, to) and, at each change glibc shows, the
 * seconds on either side of it; then n random instants of 0001-9999. */
static void agrees_with_glibc(const char *zone, pm_time from, pm_time to, int n)
{
    pm_error err;
    pm_tz *tz = pm_tz_open(zone, &err);
    cr_assert_not_null(tz, "%s: %s", zone, err.msg);
    int32_t prev = glibc_offset(zone, from);
    int changes = 0;
    for (pm_time t = from; t < to; t += 6 * 3600) {
        int32_t o = glibc_offset(zone, t);
        cr_assert_eq(pm_tz_offset(tz, t), o, "%s at %lld", zone, (long long)t);
        if (o != prev) {
            pm_time lo = t - 6 * 3600, hi = t; /* glibc(lo) == prev != glibc(hi) */
            while (hi - lo > 1) {
                pm_time mid = lo + (hi - lo) / 2;
                if (glibc_offset(zone, mid) == prev)
                    lo = mid;
                else
                    hi = mid;
            }
            for (pm_time u = hi - 2; u <= hi + 1; u++)
                cr_assert_eq(pm_tz_offset(tz, u), glibc_offset(zone, u), "%s at %lld (a change)", zone, (long long)u);
            changes++;
        }
        prev = o;
    }
    unsigned long long seed = 7;
    for (int i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        pm_time t = -62135596800LL + (pm_time)((seed >> 11) % 315537897600ULL);
        cr_assert_eq(pm_tz_offset(tz, t), glibc_offset(zone, t), "%s at %lld", zone, (long long)t);
    }
    pm_tz_free(tz);
}

#define Y1900 (-2208988800LL)
#define Y2100 4102444800LL

Test(timex_zone, named_zones_agree_with_glibc)
{
    static const char *const zones[] = {
        "Asia/Shanghai",       "Europe/Berlin",    "America/New_York",  "Europe/London",    "Europe/Dublin",
        "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham",   "America/Santiago", "America/Sao_Paulo",
        "Asia/Jerusalem",      "America/Nuuk",     "Africa/Casablanca", "Asia/Kolkata",     "America/St_Johns",
        "Antarctica/Troll",    "Pacific/Apia",     "Asia/Tehran",       "Etc/GMT-8",        "UTC",
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) agrees_with_glibc(zones[i], Y1900, Y2100, 2000);
}

/* Far from any file's transitions only the footer speaks: every day of a
 * few years past 2037, and the last years of the range. */
Test(timex_zone, footer_years_agree_with_glibc)
{
    static const char *const zones[] = {"America/New_York", "Europe/Berlin",  "Australia/Sydney",
                                        "America/Santiago", "Asia/Jerusalem", "America/Nuuk"};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        agrees_with_glibc(zones[i], 2145916800LL, 2145916800LL + 5 * 366 * 86400LL, 0);
        agrees_with_glibc(zones[i], 253086240000LL, 253402300800LL, 0); /* 9990-9999 */
    }
}

/* Zone files written here ------------------------------------------------ */

static char zdir[] = "/tmp/pm-tzif-XXXXXX";

static void put32(FILE *f, int64_t v)
{
    uint32_t u = (uint32_t)v;
    unsigned char b[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
                          (unsigned char)u};
    fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
    put32(f, (int64_t)((uint64_t)v >> 32));
    put32(f, v);
}

static void header(FILE *f, int32_t ntime, int32_t ntype, int32_t nchar)
{
    static const char head[20] = "TZif2";
    fwrite(head, 1, 20, f);
    put32(f, 0); /* isut */
    put32(f, 0); /* isstd */
    put32(f, 0); /* leap */
    put32(f, ntime);
    put32(f, ntype);
    put32(f, nchar);
}

/* A v2 file NAME in zdir: ntime transitions to the types given (offsets
 * and isdst flags; all named "ZZZ"), then the footer. */
static void write_zone(const char *name, int ntime, const int64_t *at, const unsigned char *idx, int ntype,
                       const int32_t *off, const unsigned char *isdst, const char *footer)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", zdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    /* the 32-bit block: one type, as zic -b slim writes it */
    header(f, 0, 1, 4);
    put32(f, off[0]);
    fputc(isdst[0], f);
    fputc(0, f);
    fwrite("ZZZ", 1, 4, f);
    header(f, ntime, ntype, 4);
    for (int i = 0; i < ntime; i++) put64(f, at[i]);
    fwrite(idx, 1, (size_t)ntime, f);
    for (int i = 0; i < ntype; i++) {
        put32(f, off[i]);
        fputc(isdst[i], f);
        fputc(0, f);
    }
    fwrite("ZZZ", 1, 4, f);
    fprintf(f, "\n%s\n", footer);
    fclose(f);
}

static void make_zdir(void)
{
    cr_assert_not_null(mkdtemp(zdir));
    setenv("TZDIR", zdir, 1); /* for glibc and for pm_tz_open */
}

static void remove_zdir(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", zdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(timex_footer, .init = make_zdir, .fini = remove_zdir);

/* One transition in 1990, then only the footer: every form of rule glibc
 * reads (M, J and zero-based days, times past 24:00 and before 00:00, the
 * southern hemisphere, a default DST offset, names in <>, no DST at all). */
Test(timex_footer, every_rule_form_agrees_with_glibc)
{
    static const char *const footers[] = {
        "EST5EDT,M3.2.0,M11.1.0",
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "IST-2IDT,M3.4.4/26,M10.5.0",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
        "XST3XDT2:30,J60/1,J300",
        "YST-5YDT,59/0,300/23:59:59",
        "GMT0IST,M10.5.0,M3.5.0/1",
        "NST3:30NDT,M3.2.0,M11.1.0",
        "<+08>-8",
        "LMT-0:05:43",
        "EST5EDT,0/0,J365/25",
    };
    static const int64_t at[] = {631152000}; /* 1990-01-01 */
    static const unsigned char idx[] = {1};
    static const int32_t off[] = {3600, -7200};
    static const unsigned char dst[] = {0, 0};
    for (size_t i = 0; i < sizeof footers / sizeof footers[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "Test%zu", i);
        write_zone(name, 1, at, idx, 2, off, dst, footers[i]);
        agrees_with_glibc(name, 631152000LL - 86400 * 30, 631152000LL + 86400 * 366 * 4, 300);
        agrees_with_glibc(name, 4070908800LL, 4070908800LL + 86400 * 366 * 3, 0); /* 2099 */
    }
}

/* Before the first transition: the first standard-time type, as glibc has it. */
Test(timex_footer, before_the_first_transition)
{
    static const int64_t at[] = {0, 15778800};
    static const unsigned char idx[] = {1, 2};
    static const int32_t off[] = {7200, 3600, -18000};
    static const unsigned char dst[] = {1, 0, 0};
    write_zone("First", 2, at, idx, 3, off, dst, "EST5");
    agrees_with_glibc("First", -86400 * 400LL, 86400 * 400LL, 100);
    pm_error err;
    pm_tz *tz = pm_tz_open("First", &err);
    cr_assert_not_null(tz, "%s", err.msg);
    cr_assert_eq(pm_tz_offset(tz, -1), 3600);
    pm_tz_free(tz);
}

Test(timex_footer, broken_files_are_no_zone)
{
    char path[256];
    static const char *const junk[] = {"TZif", "TZif2\n", "not a zone file at all, but long enough to be read"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        snprintf(path, sizeof path, "%s/Junk", zdir);
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        fputs(junk[i], f);
        fclose(f);
        pm_error err;
        cr_assert_null(pm_tz_open("Junk", &err));
        cr_assert(strstr(err.msg, "unknown time zone 'Junk' (") && strstr(err.msg, "is no zone file)"), "%s", err.msg);
    }
    /* a real file cut short */
    static const int64_t at[] = {0};
    static const unsigned char idx[] = {0};
    static const int32_t off[] = {3600};
    static const unsigned char dst[] = {0};
    write_zone("Cut", 1, at, idx, 1, off, dst, "CET-1");
    snprintf(path, sizeof path, "%s/Cut", zdir);
    cr_assert_eq(truncate(path, 70), 0);
    pm_error err;
    cr_assert_null(pm_tz_open("Cut", &err));
    cr_assert(strstr(err.msg, "is no zone file"), "%s", err.msg);
}

/* No process-wide state ---------------------------------------------------- */

Test(timex_zone, zones_are_independent_objects)
{
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    pm_error err;
    pm_tz *ny = pm_tz_open("America/New_York", &err), *sh = pm_tz_open("Asia/Shanghai", &err);
    cr_assert(ny && sh);
    enum { N = 1000 };
    static int32_t got[N];
    char buf[PM_TIME_BUFSZ];
    pm_time t0 = 1720000000, step = 86400 * 7 + 3607;
    /* used alternately, each zone answers for itself */
    for (int i = 0; i < N; i++) {
        pm_time t = t0 + i * step;
        got[i] = pm_tz_offset(ny, t);
        pm_time_format(t, sh, buf);
        cr_assert_eq(strcmp(buf + 19, "+08:00"), 0, "%s", buf);
    }
    /* the machine's zone is neither used nor changed */
    cr_assert_str_eq(getenv("TZ"), "Europe/Paris");
    for (int i = 0; i < N; i++) cr_assert_eq(got[i], glibc_offset("America/New_York", t0 + i * step));
    pm_tz_free(ny);
    pm_tz_free(sh);
}

/* The remembering formatter -------------------------------------------------- */

/* pm_time_fmt_write keeps the offset interval and the last date between
 * calls: it writes what pm_time_format writes, walked in small and large
 * steps forward and back across daylight-saving changes, midnights, the
 * far future (the zone's rule) and the far past, and years that are not
 * four digits. */
Test(timex_zone, remembering_formatter_writes_what_pm_time_format_writes)
{
    const char *zones[] = {"America/New_York", "Asia/Shanghai", "UTC", "Europe/London", "Australia/Lord_Howe"};
    /* 2024-03-10T06:59:58Z: New York springs forward at 07:00Z */
    const pm_time starts[] = {1710053998,          1730613500,          0,
                              -62135596800 - 3600, 253402300799 - 7200, 4102444800 + 86400 * 200};
    const pm_time steps[] = {1, 599, 3600, 86399, 86400 * 3 + 1, -4000, -86400 * 40 - 7};
    pm_error err;
    char want[PM_TIME_BUFSZ], got[PM_TIME_BUFSZ];
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        pm_tz *tz = pm_tz_open(zones[z], &err);
        cr_assert_not_null(tz, "%s: %s", zones[z], err.msg);
        pm_time_fmt f = {.tz = tz};
        for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
            for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
                pm_time t = starts[s];
                for (int i = 0; i < 300; i++, t += steps[k]) {
                    size_t n = pm_time_format(t, tz, want);
                    cr_assert_eq(pm_time_fmt_write(&f, t, got), n, "%s %lld", zones[z], (long long)t);
                    cr_assert_str_eq(got, want, "%s %lld", zones[z], (long long)t);
                }
            }
        }
        pm_tz_free(tz);
    }
}
