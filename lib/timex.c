/* timex.c - instants, civil dates, zones and durations (docs/CONTRACT.md section 2).
 *
 * Civil dates use Howard Hinnant's days_from_civil / civil_from_days, exact
 * for the proleptic Gregorian calendar.
 *
 * Zones are explicit objects: pm_tz_open reads the zone's TZif file from the
 * system time-zone database ($TZDIR, else /usr/share/zoneinfo) into a pm_tz
 * that holds its transitions (lib/tzif.c), and every conversion takes the
 * pm_tz it is meant for.  glibc is not asked: it has no per-zone API, only
 * the process-wide TZ variable, and switching that per call would be state
 * shared with the whole process (and with any thread).  A pm_tz is
 * immutable once open, so a const pm_tz may be shared freely; nothing here
 * keeps state between calls.
 *
 * Instant -> offset is an index lookup and a compare or two (pm_tzif_offset),
 * and a local reading at least 15 hours from any change takes the offset of
 * its interval directly; only readings near a change are resolved by the
 * rules of resolve_local.  Parsing and formatting are then a few dozen
 * nanoseconds of digit arithmetic.
 */
#include "timex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tzif.h"

/* Civil dates ------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Years 1 to 9999, the ones pm reads and writes, in unsigned 32-bit
 * arithmetic, where divisions by constants are multiplications; the same
 * formulas over the whole range in signed 64-bit (floor_div) for the rest. */
#define FAST_FIRST_DAY (-719162) /* 0001-01-01 */
#define FAST_LAST_DAY  2932896   /* 9999-12-31 */

pm_day pm_day_from_civil(int y, int m, int d)
{
    if (y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
        uint32_t yy = (uint32_t)y - (m <= 2);
        uint32_t era = yy / 400, yoe = yy - era * 400;
        uint32_t mp = m > 2 ? (uint32_t)m - 3 : (uint32_t)m + 9;
        uint32_t doy = (153 * mp + 2) / 5 + (uint32_t)d - 1;
        uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return (pm_day)(era * 146097 + doe) - 719468;
    }
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void pm_civil_from_day(pm_day day, int *y, int *m, int *d)
{
    if (day >= FAST_FIRST_DAY && day <= FAST_LAST_DAY) {
        /* Neri and Schneider, "Euclidean affine functions and their
         * application to calendar algorithms" (2022): the year counted from
         * March, shifted by 82 eras so that every number is unsigned */
        const uint32_t eras = 82, K = 719468 + 146097 * eras, L = 400 * eras;
        uint32_t N = (uint32_t)(day + (pm_day)K);
        uint32_t N1 = 4 * N + 3, C = N1 / 146097, NC = N1 % 146097 / 4;
        uint64_t P2 = (uint64_t)2939745 * (4 * NC + 3);
        uint32_t Z = (uint32_t)(P2 >> 32), NY = (uint32_t)P2 / 2939745 / 4;
        uint32_t N3 = 2141 * NY + 197913, M = N3 / 65536, D = N3 % 65536 / 2141;
        uint32_t J = NY >= 306; /* January and February: the next year */
        *y = (int)(100 * C + Z - L + J);
        *m = (int)(J ? M - 12 : M);
        *d = (int)(D + 1);
        return;
    }
    int64_t z = day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

int pm_day_weekday(pm_day day)
{
    /* 1970-01-01 was a Thursday (3). */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* "00" to "99": two digits by one look-up (instants are formatted millions
 * of times a run). */
#define PM_D10(t) t "0" t "1" t "2" t "3" t "4" t "5" t "6" t "7" t "8" t "9"
static const char two_digit[201] = PM_D10("0") PM_D10("1") PM_D10("2") PM_D10("3") PM_D10("4") PM_D10("5") PM_D10("6")
    PM_D10("7") PM_D10("8") PM_D10("9");
#undef PM_D10

static char *put2(char *p, int v)
{
    memcpy(p, two_digit + 2 * v, 2);
    return p + 2;
}

static char *put_date(char *p, int y, int m, int d)
{
    if (y >= 0 && y <= 9999) {
        p = put2(p, y / 100);
        p = put2(p, y % 100);
    } else {
        p += sprintf(p, "%d", y); /* never for valid input; stays readable */
    }
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    return put2(p, d);
}

/* "THH:MM:SS" of sod seconds into a day. */
static char *put_clock(char *p, int64_t sod)
{
    *p++ = 'T';
    p = put2(p, (int)(sod / 3600));
    *p++ = ':';
    p = put2(p, (int)(sod / 60 % 60));
    *p++ = ':';
    return put2(p, (int)(sod % 60));
}

/* "+HH:MM" (or "-HH:MM") of an offset of off seconds. */
static char *put_offset(char *p, int32_t off)
{
    int aoff = off < 0 ? -off : off;
    *p++ = off < 0 ? '-' : '+';
    p = put2(p, aoff / 3600);
    *p++ = ':';
    return put2(p, aoff / 60 % 60);
}

void pm_day_format(pm_day day, char out[16])
{
    int y, m, d;
    pm_civil_from_day(day, &y, &m, &d);
    if (y < -99999 || y > 99999) { /* keeps within 16 bytes */
        strcpy(out, "invalid");
        return;
    }
    *put_date(out, y, m, d) = '\0';
}

/* Lexing helpers ------------------------------------------------------------ */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *len)
{
    const char *p = *s, *e = *s + *len;
    while (p < e && is_blank(*p)) p++;
    while (e > p && is_blank(e[-1])) e--;
    *s = p;
    *len = (size_t)(e - p);
}

/* Reads 1..max digits at *p (before e); -1 when there is none. */
static int digits(const char **p, const char *e, int min, int max)
{
    const char *q = *p;
    int v = 0, n = 0;
    while (q < e && n < max && *q >= '0' && *q <= '9') {
        v = v * 10 + (*q - '0');
        q++;
        n++;
    }
    if (n < min || (q < e && *q >= '0' && *q <= '9')) return -1;
    *p = q;
    return v;
}

/* Exactly two digits at *p; -1 when not there. */
static int two_digits(const char **p, const char *e)
{
    const char *q = *p;
    if (e - q < 2 || q[0] < '0' || q[0] > '9' || q[1] < '0' || q[1] > '9') return -1;
    *p = q + 2;
    return (q[0] - '0') * 10 + (q[1] - '0');
}

static int lit(const char **p, const char *e, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(e - *p) < n || memcmp(*p, s, n) != 0) return 0;
    *p += n;
    return 1;
}

enum { DATE_OK = 0, DATE_SYNTAX = -1, DATE_YEAR = -2, DATE_MONTH = -3, DATE_DAY = -4, DATE_ORDER = -5 };

/* Parses a date at *p: YYYY-M-D, YYYY/M/D, YYYY.M.D or YYYY年M月D日 (month
 * and day of one or two digits); with order PM_DATE_MDY or PM_DATE_DMY also
 * M/D/YYYY or D/M/YYYY ('/', '-' or '.').  A date with the year last and no
 * order is DATE_ORDER. */
static int parse_date(const char **pp, const char *e, int order, int *y, int *m, int *d)
{
    const char *p = *pp;
    int cjk = 0;
    char sep = 0;
    *y = digits(&p, e, 4, 4);
    if (*y < 0) {
        /* the year last: 12/6/2026 */
        int a, b;
        p = *pp;
        a = digits(&p, e, 1, 2);
        if (a < 0 || !(p < e && (*p == '/' || *p == '-' || *p == '.'))) return DATE_SYNTAX;
        sep = *p++;
        b = digits(&p, e, 1, 2);
        if (b < 0 || !(p < e && *p == sep)) return DATE_SYNTAX;
        p++;
        *y = digits(&p, e, 4, 4);
        if (*y < 0) return DATE_SYNTAX;
        if (order != PM_DATE_MDY && order != PM_DATE_DMY) return DATE_ORDER;
        *m = order == PM_DATE_MDY ? a : b;
        *d = order == PM_DATE_MDY ? b : a;
    } else {
        if (p < e && (*p == '-' || *p == '/' || *p == '.'))
            sep = *p++;
        else if (lit(&p, e, "年"))
            cjk = 1;
        else
            return DATE_SYNTAX;
        *m = digits(&p, e, 1, 2);
        if (*m < 0) return DATE_SYNTAX;
        if (cjk ? !lit(&p, e, "月") : !(p < e && *p == sep && p++)) return DATE_SYNTAX;
        *d = digits(&p, e, 1, 2);
        if (*d < 0) return DATE_SYNTAX;
        if (cjk && !lit(&p, e, "日")) return DATE_SYNTAX;
    }
    *pp = p;
    if (*y < 1) return DATE_YEAR;
    if (*m < 1 || *m > 12) return DATE_MONTH;
    if (*d < 1 || *d > days_in_month(*y, *m)) return DATE_DAY;
    return DATE_OK;
}

int pm_day_parse(const char *s, size_t len, pm_day *out)
{
    int y, m, d;
    const char *p, *e;
    trim(&s, &len);
    p = s;
    e = s + len;
    if (parse_date(&p, e, PM_DATE_YMD, &y, &m, &d) != DATE_OK || p != e) return -1;
    *out = pm_day_from_civil(y, m, d);
    return 0;
}

/* Zones ------------------------------------------------------------------- */

struct pm_tz {
    char *name;
    pm_tzif z; /* immutable after pm_tz_open */
};

/* Largest zone file read; the biggest in the database is under 4 KiB. */
#define ZONE_FILE_MAX (256 * 1024)

/* Reads zone name's file into *z; 0, or -1 with err. */
static int zone_load(const char *name, pm_tzif *z, pm_error *err)
{
    const char *dir = getenv("TZDIR");
    char path[4096];
    unsigned char *buf;
    FILE *f;
    size_t n;
    int ok;
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    /* right/ zones count leap seconds, which pm_time does not. */
    if (!*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 255 || !strncmp(name, "right/", 6)) {
        pm_error_set(err, NULL, 0, "unknown time zone '%.255s'", name);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f) {
        pm_error_set(err, NULL, 0, "unknown time zone '%s' (not in %s)", name, dir);
        return -1;
    }
    buf = pm_xmalloc(ZONE_FILE_MAX);
    n = fread(buf, 1, ZONE_FILE_MAX, f);
    ok = !ferror(f) && n < ZONE_FILE_MAX && pm_tzif_parse(z, buf, n) == 0;
    fclose(f);
    free(buf);
    if (!ok) {
        pm_error_set(err, NULL, 0, "unknown time zone '%s' (%s is no zone file)", name, path);
        return -1;
    }
    return 0;
}

pm_tz *pm_tz_open(const char *name, pm_error *err)
{
    pm_tz *tz;
    pm_tzif z;
    if (!name || zone_load(name, &z, err) < 0) return NULL;
    tz = pm_xcalloc(1, sizeof *tz);
    tz->name = pm_xstrdup(name);
    tz->z = z;
    return tz;
}

void pm_tz_free(pm_tz *tz)
{
    if (!tz) return;
    free(tz->name);
    pm_tzif_free(&tz->z);
    free(tz);
}

const char *pm_tz_name(const pm_tz *tz)
{
    return tz->name;
}

/* The offset at t, and the interval [*lo, *hi) around t where it holds. */
static inline int32_t offset_at(const pm_tz *tz, pm_time t, int64_t *lo, int64_t *hi)
{
    return pm_tzif_offset(&tz->z, t, lo, hi);
}

int32_t pm_tz_offset(const pm_tz *tz, pm_time t)
{
    int64_t lo, hi;
    return offset_at(tz, t, &lo, &hi);
}

/* The offset to subtract from local seconds L (civil time read as if UTC):
 * the unique one; in an overlap the larger (earlier instant); in a gap the
 * offset in force before it, so the reading moves forward past the gap. */
static int32_t resolve_local(const pm_tz *tz, int64_t L)
{
    int32_t before = pm_tz_offset(tz, L - 86400);
    int32_t after = pm_tz_offset(tz, L + 86400);
    int ok_before, ok_after;
    if (before == after) {
        int32_t o = pm_tz_offset(tz, L - before);
        if (o == before) return o;
        /* Two changes within two days (rare); take the offset at the guess. */
        return pm_tz_offset(tz, L - o) == o ? o : before;
    }
    ok_before = pm_tz_offset(tz, L - before) == before;
    ok_after = pm_tz_offset(tz, L - after) == after;
    if (ok_before && ok_after) return before > after ? before : after;
    if (ok_before) return before;
    if (ok_after) return after;
    return before;
}

/* Real offsets stay within +-14 hours; anything local within this margin of
 * a constant-offset interval is read with that offset. */
#define LOCAL_MARGIN (15 * 3600)

pm_time pm_tz_from_local(const pm_tz *tz, pm_day day, int32_t secs)
{
    int64_t L = day * 86400 + secs, lo, hi;
    int32_t o = offset_at(tz, L, &lo, &hi);
    if (L - LOCAL_MARGIN >= lo && L + LOCAL_MARGIN < hi) return L - o;
    return L - resolve_local(tz, L);
}

pm_day pm_tz_day(const pm_tz *tz, pm_time t)
{
    return floor_div(t + pm_tz_offset(tz, t), 86400);
}

pm_time pm_tz_midnight(const pm_tz *tz, pm_day day)
{
    return pm_tz_from_local(tz, day, 0);
}

/* Timestamps -------------------------------------------------------------- */

#define MAX_OFFSET (14 * 3600)

/* Every form pm_time_parse_ex reads, for the message of a text that is no
 * timestamp at all. */
#define ACCEPTED_FORMS                                                                                                 \
    "accepted: 2024-07-03T09:05:00+08:00 (or Z), 2024-07-03 09:05[:SS], 2024/7/3 9:05, "                               \
    "2024.7.3 9:05, 2024年7月3日 9:05, 2024年7月3日9时5分[30秒], 2024/7/3 下午3:05 "                        \
    "(上午, 中午, 晚上...), a bare date 2024-07-03, and 7/3/2024 or 3/7/2024 with "                              \
    "--date-order=mdy or dmy"

/* A 12-hour marker before the time: 1 before noon, 2 after, 3 noon; 0 none. */
static int half_day(const char **p, const char *e)
{
    static const struct {
        const char *w;
        int h;
    } words[] = {
        {"上午", 1}, {"早上", 1}, {"早晨", 1}, {"凌晨", 1}, {"中午", 3},
        {"下午", 2}, {"晚上", 2}, {"傍晚", 2}, {"夜间", 2},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (lit(p, e, words[i].w)) return words[i].h;
    return 0;
}

/* The canonical forms at fixed positions, the ones the programs write and
 * read back millions of times: YYYY-MM-DDTHH:MM:SS+HH:MM (25 bytes) and
 * YYYY-MM-DD HH:MM:SS or ...THH:MM:SS (19 bytes, local).  1 when s is one
 * of them and in range (*out set); 0: let the general parser say.
 *
 * The layout is checked eight bytes at a time where words are
 * little-endian, else a byte at a time. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Byte i of a word loaded from memory (little-endian) set to c. */
#define BYTE_AT(i, c) ((uint64_t)(unsigned char)(c) << (8 * (i)))

/* The high bit of each byte of w, among those of mask (0xff each), that is
 * not an ASCII digit.  The other bytes read as '0'; for a byte of 0..0x7f,
 * y + 0x46 carries into its high bit from ':' on, and y - '0' borrows below
 * '0', into its own high bit (the borrow it passes on can only mark a byte
 * after one already marked). */
static uint64_t not_digits(uint64_t w, uint64_t mask)
{
    const uint64_t ones = 0x0101010101010101ULL, lo7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t x = (w & mask) | (ones * '0' & ~mask), y = x & lo7;
    return (x | (y + ones * 0x46) | (y - ones * '0')) & ~lo7;
}

static int fixed_layout_ok(const char *s, size_t len)
{
    uint64_t w0, w1;
    memcpy(&w0, s, 8);
    memcpy(&w1, s + 8, 8);
    /* YYYY-MM- */
    const uint64_t d0 = ~(BYTE_AT(4, 0xff) | BYTE_AT(7, 0xff));
    if ((w0 & ~d0) != (BYTE_AT(4, '-') | BYTE_AT(7, '-')) || not_digits(w0, d0)) return 0;
    /* DDTHH:MM or DD HH:MM */
    const uint64_t d1 = ~(BYTE_AT(2, 0xff) | BYTE_AT(5, 0xff));
    if ((w1 & BYTE_AT(5, 0xff)) != BYTE_AT(5, ':') || (s[10] != 'T' && s[10] != ' ') || not_digits(w1, d1)) return 0;
    if (len == 19) return s[16] == ':' && (unsigned)(s[17] - '0') <= 9 && (unsigned)(s[18] - '0') <= 9;
    /* :SS+HH:M and M */
    uint64_t w2;
    memcpy(&w2, s + 16, 8);
    const uint64_t d2 = ~(BYTE_AT(0, 0xff) | BYTE_AT(3, 0xff) | BYTE_AT(6, 0xff));
    if ((w2 & (BYTE_AT(0, 0xff) | BYTE_AT(6, 0xff))) != (BYTE_AT(0, ':') | BYTE_AT(6, ':')) ||
        (s[19] != '+' && s[19] != '-') || not_digits(w2, d2))
        return 0;
    return (unsigned)(s[24] - '0') <= 9;
}
#else
static const unsigned char fixed_digit[25] = {1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1,
                                              0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1};

static int fixed_layout_ok(const char *s, size_t len)
{
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return 0;
    if (len == 25 && ((s[19] != '+' && s[19] != '-') || s[22] != ':')) return 0;
    for (size_t i = 0; i < len; i++)
        if (fixed_digit[i] && (unsigned)(s[i] - '0') > 9) return 0;
    return 1;
}
#endif

static int parse_fixed(const char *s, size_t len, const pm_tz *tz, pm_time *out)
{
    int y, m, d, hh, mi, ss;
    if ((len != 25 && len != 19) || !fixed_layout_ok(s, len)) return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    hh = (s[11] - '0') * 10 + (s[12] - '0');
    mi = (s[14] - '0') * 10 + (s[15] - '0');
    ss = (s[17] - '0') * 10 + (s[18] - '0');
    if (y < 2 || y > 9998 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || hh > 23 || mi > 59 || ss > 59)
        return 0;
    if (len == 19) {
        pm_day day = pm_day_from_civil(y, m, d);
        int32_t secs = hh * 3600 + mi * 60 + ss;
        *out = pm_tz_from_local(tz, day, secs);
        /* a local time that a clock change skips: the general parser says so */
        return *out + pm_tz_offset(tz, *out) == day * 86400 + secs;
    }
    int oh = (s[20] - '0') * 10 + (s[21] - '0'), om = (s[23] - '0') * 10 + (s[24] - '0');
    if (om > 59 || oh * 3600 + om * 60 > MAX_OFFSET) return 0;
    int32_t off = (s[19] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    *out = pm_day_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
    return 1;
}

int pm_time_parse(const char *s, size_t len, const pm_tz *tz, pm_time *out, pm_error *err)
{
    return pm_time_parse_ex(s, len, tz, PM_DATE_YMD, out, NULL, err);
}

pm_time_why pm_time_scan(const char *s, size_t len, const pm_tz *tz, int date_order, pm_time *out, int *date_only)
{
    const char *p, *e;
    int y, m, d, hh = 0, mi = 0, ss = 0, rc;
    int has_off = 0, half = 0;
    int32_t off = 0;
    pm_day day;
    int32_t secs;

    if (date_only) *date_only = 0;
    if (tz && parse_fixed(s, len, tz, out)) return PM_TIME_OK;
    trim(&s, &len);
    p = s;
    e = s + len;
    if (len == 0) return PM_TIME_EMPTY;
    rc = parse_date(&p, e, date_order, &y, &m, &d);
    if (rc == DATE_SYNTAX) return PM_TIME_SYNTAX;
    if (rc == DATE_ORDER) return PM_TIME_NEEDS_ORDER;
    if (p == e && date_only) *date_only = 1;
    if (p < e) {
        /* Time: 'T' or blanks, then [上午|下午...]H[H]:MM[:SS[.fff]] or H时[M分[S秒]] */
        if (*p == 'T' || *p == 't') {
            p++;
        } else if (is_blank(*p)) {
            while (p < e && is_blank(*p)) p++;
        } else if (!(p > s && (unsigned char)p[-1] >= 0x80) && !(half = half_day(&p, e))) {
            /* after 日, and before 下午, no blank is needed */
            return PM_TIME_SEPARATOR;
        }
        if (!half) half = half_day(&p, e);
        if (half)
            while (p < e && is_blank(*p)) p++;
        hh = digits(&p, e, 1, 2);
        if (hh >= 0 && (lit(&p, e, "时") || lit(&p, e, "点"))) {
            /* 9时5分[30秒], 9时, 9点30分, 9点30 */
            if (p < e && *p >= '0' && *p <= '9') {
                mi = digits(&p, e, 1, 2);
                if (mi < 0) return PM_TIME_CJK_MINUTES;
                if (!lit(&p, e, "分") && p != e) return PM_TIME_CJK_MINUTES;
                if (p < e && *p >= '0' && *p <= '9') {
                    ss = digits(&p, e, 1, 2);
                    if (ss < 0 || !lit(&p, e, "秒")) return PM_TIME_CJK_SECONDS;
                }
            }
        } else {
            if (hh < 0 || !(p < e && *p == ':')) return PM_TIME_TIME_FORM;
            p++;
            mi = digits(&p, e, 2, 2);
            if (mi < 0) return PM_TIME_MINUTE_DIGITS;
            if (p < e && *p == ':') {
                p++;
                ss = digits(&p, e, 2, 2);
                if (ss < 0) return PM_TIME_SECOND_DIGITS;
                if (p < e && (*p == '.' || *p == ',')) {
                    const char *f = ++p;
                    while (p < e && *p >= '0' && *p <= '9') p++;
                    if (p == f) return PM_TIME_FRACTION;
                }
            }
        }
        if (p < e && !half) {
            if (*p == 'Z' || *p == 'z') {
                p++;
                has_off = 1;
            } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1;
                int oh = two_digits(&p, e), om = 0;
                if (oh < 0) return PM_TIME_OFFSET_FORM;
                if (p < e) {
                    if (*p == ':') p++;
                    om = two_digits(&p, e);
                    if (om < 0 || p != e) return PM_TIME_OFFSET_FORM;
                }
                if (om > 59 || oh * 3600 + om * 60 > MAX_OFFSET) return PM_TIME_OFFSET_RANGE;
                off = sign * (oh * 3600 + om * 60);
                has_off = 1;
            }
        }
        if (p != e) return PM_TIME_TRAILING;
        if (half) {
            /* 12-hour clock: 上午12点 is midnight, 下午12点 and 中午12点 noon */
            if (hh < 1 || hh > 12) return PM_TIME_HOUR12_RANGE;
            if (half == 1 && hh == 12)
                hh = 0;
            else if (half == 2 && hh < 12)
                hh += 12;
            else if (half == 3 && hh < 6)
                hh += 12;
        }
    }
    if (rc == DATE_YEAR) return PM_TIME_YEAR_RANGE;
    if (rc == DATE_MONTH) return PM_TIME_MONTH_RANGE;
    if (rc == DATE_DAY) return PM_TIME_DAY_RANGE;
    if (hh > 23) return PM_TIME_HOUR_RANGE;
    if (mi > 59) return PM_TIME_MINUTE_RANGE;
    if (ss > 59) return PM_TIME_SECOND_RANGE;
    day = pm_day_from_civil(y, m, d);
    secs = hh * 3600 + mi * 60 + ss;
    if (has_off) {
        *out = day * 86400 + secs - off;
        /* written in the zone in force it must still have a 4-digit year
         * (9999-12-31T23:00-14:00 is year 10000 in Asia/Shanghai); a zone
         * moves a time by about a day at most, so only the first and last
         * years can leave the range */
        if (tz && (y <= 1 || y >= 9999)) {
            int ly, lm, ld;
            pm_civil_from_day(pm_tz_day(tz, *out), &ly, &lm, &ld);
            if (ly < 1 || ly > 9999) return PM_TIME_YEAR_IN_ZONE;
        }
    } else {
        /* pm_tz_from_local, refusing a local time that a clock change
         * skips (pm-formats(5): never rolled over); the check costs nothing
         * away from a change */
        int64_t L = day * 86400 + secs, lo, hi;
        int32_t o = offset_at(tz, L, &lo, &hi);
        if (L - LOCAL_MARGIN >= lo && L + LOCAL_MARGIN < hi) {
            *out = L - o;
        } else {
            *out = L - resolve_local(tz, L);
            if (*out + pm_tz_offset(tz, *out) != L) {
                return PM_TIME_SKIPPED;
            }
        }
    }
    return PM_TIME_OK;
}

/* The reasons in words; PM_TIME_SKIPPED names the zone, so it is written
 * apart. */
static const char *const why_text[] = {
    [PM_TIME_EMPTY] = "empty",
    [PM_TIME_SYNTAX] = "expected YYYY-MM-DD[THH:MM[:SS]][+HH:MM]; " ACCEPTED_FORMS,
    [PM_TIME_NEEDS_ORDER] = "a date with the year last is read only with --date-order=mdy or dmy "
                            "(month or day first: never guessed)",
    [PM_TIME_SEPARATOR] = "expected 'T' or a blank after the date",
    [PM_TIME_CJK_MINUTES] = "expected the minutes as M分",
    [PM_TIME_CJK_SECONDS] = "expected the seconds as S秒",
    [PM_TIME_TIME_FORM] = "expected the time as HH:MM[:SS]",
    [PM_TIME_MINUTE_DIGITS] = "expected two digits of minutes",
    [PM_TIME_SECOND_DIGITS] = "expected two digits of seconds",
    [PM_TIME_FRACTION] = "expected digits after the decimal point",
    [PM_TIME_OFFSET_FORM] = "expected the offset as +HH:MM, +HHMM or +HH",
    [PM_TIME_OFFSET_RANGE] = "offset out of range (at most +-14:00)",
    [PM_TIME_TRAILING] = "unexpected text after the time",
    [PM_TIME_HOUR12_RANGE] = "hour out of range for a 12-hour time (1-12 after 上午/下午)",
    [PM_TIME_YEAR_RANGE] = "year out of range (0001-9999)",
    [PM_TIME_MONTH_RANGE] = "month out of range",
    [PM_TIME_DAY_RANGE] = "day out of range",
    [PM_TIME_HOUR_RANGE] = "hour out of range",
    [PM_TIME_MINUTE_RANGE] = "minute out of range",
    [PM_TIME_SECOND_RANGE] = "second out of range",
    [PM_TIME_YEAR_IN_ZONE] = "year out of range (0001-9999) in the zone in force",
};

void pm_time_why_error(pm_error *err, pm_time_why why, const pm_tz *tz, const char *s, size_t len)
{
    char reason[320];
    const char *r = reason;
    if (why == PM_TIME_SKIPPED)
        snprintf(reason, sizeof reason, "no such local time in %s (the clocks skip it)",
                 tz ? pm_tz_name(tz) : "the zone");
    else if (why > PM_TIME_OK && (size_t)why < sizeof why_text / sizeof why_text[0] && why_text[why])
        r = why_text[why];
    else
        r = "not a timestamp";
    if (!s) {
        pm_error_set(err, NULL, 0, "%s", r);
        return;
    }
    trim(&s, &len);
    pm_error_set(err, NULL, 0, "bad timestamp '%.*s': %s", len > 80 ? 80 : (int)len, s, r);
}

int pm_time_parse_ex(const char *s, size_t len, const pm_tz *tz, int date_order, pm_time *out, int *date_only,
                     pm_error *err)
{
    pm_time_why why = pm_time_scan(s, len, tz, date_order, out, date_only);
    if (why == PM_TIME_OK) return 0;
    if (err) pm_time_why_error(err, why, tz, s, len);
    return -1;
}

size_t pm_time_format(pm_time t, const pm_tz *tz, char out[PM_TIME_BUFSZ])
{
    int32_t off = pm_tz_offset(tz, t);
    int64_t local, day, sod;
    int y, m, d;
    char *p = out;
    local = t + off;
    day = floor_div(local, 86400);
    sod = local - day * 86400;
    pm_civil_from_day(day, &y, &m, &d);
    if (y < -99999 || y > 99999) {
        strcpy(out, "invalid");
        return strlen(out);
    }
    p = put_date(p, y, m, d);
    p = put_clock(p, sod);
    p = put_offset(p, off);
    *p = '\0';
    return (size_t)(p - out);
}

size_t pm_time_fmt_write(pm_time_fmt *f, pm_time t, char out[PM_TIME_BUFSZ])
{
    if (!(t >= f->lo && t < f->hi)) {
        int64_t lo, hi;
        int32_t off = offset_at(f->tz, t, &lo, &hi);
        f->off = off;
        f->lo = lo;
        f->hi = hi;
        put_offset(f->ofs, off);
    }
    int64_t local = t + f->off, day = floor_div(local, 86400), sod = local - day * 86400;
    if (!f->has_day || day != f->day) {
        int y, m, d;
        pm_civil_from_day(day, &y, &m, &d);
        if (y < 0 || y > 9999) return pm_time_format(t, f->tz, out); /* another length */
        put_date(f->date, y, m, d);
        f->day = day;
        f->has_day = 1;
    }
    char *p = out;
    memcpy(p, f->date, 10);
    p = put_clock(p + 10, sod);
    memcpy(p, f->ofs, 6);
    p += 6;
    *p = '\0';
    return (size_t)(p - out);
}

/* Durations --------------------------------------------------------------- */

/* Ten thousand years: beyond any sane deadline, and far from overflow. */
#define MAX_DUR_DAYS 3660000LL

static int bad_duration(pm_error *err, const char *s, size_t len, const char *why)
{
    if (err) pm_error_set(err, NULL, 0, "bad duration '%.*s': %s", len > 80 ? 80 : (int)len, s, why);
    return -1;
}

int pm_duration_parse(const char *s, size_t len, pm_duration *out, pm_error *err)
{
    const char *p, *e, *u;
    int64_t n = 0;
    size_t ulen;
    trim(&s, &len);
    p = s;
    e = s + len;
    if (len == 0) return bad_duration(err, s, len, "empty (expected e.g. 15m, 8h, 2d, 7wd)");
    if (!(*p >= '0' && *p <= '9'))
        return bad_duration(err, s, len, "expected a whole number and a unit (15m, 8h, 2d, 7wd)");
    while (p < e && *p >= '0' && *p <= '9') {
        n = n * 10 + (*p++ - '0');
        if (n > MAX_DUR_DAYS * 86400) return bad_duration(err, s, len, "too large");
    }
    u = p;
    ulen = (size_t)(e - u);
    if (ulen == 1 && *u == 's') {
        out->kind = PM_DUR_SECONDS;
        out->n = n;
    } else if (ulen == 1 && *u == 'm') {
        out->kind = PM_DUR_SECONDS;
        out->n = n * 60;
    } else if (ulen == 1 && *u == 'h') {
        out->kind = PM_DUR_SECONDS;
        out->n = n * 3600;
    } else if (ulen == 1 && *u == 'd') {
        out->kind = PM_DUR_DAYS;
        out->n = n;
    } else if (ulen == 2 && u[0] == 'w' && u[1] == 'd') {
        out->kind = PM_DUR_WORKDAYS;
        out->n = n;
    } else {
        return bad_duration(err, s, len, "unit must be s, m, h, d or wd (whole numbers only)");
    }
    if ((out->kind == PM_DUR_SECONDS && out->n > MAX_DUR_DAYS * 86400) ||
        (out->kind != PM_DUR_SECONDS && out->n > MAX_DUR_DAYS))
        return bad_duration(err, s, len, "too large");
    return 0;
}

/* v in decimal then the unit, into out (at most 20 digits, a sign, two
 * letters and a NUL: 32 bytes); --explain writes one per clock, so no
 * snprintf. */
static size_t put_count(long long v, const char *unit, char out[32])
{
    char tmp[24];
    size_t n = 0, k = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) out[n++] = '-';
    while (k) out[n++] = tmp[--k];
    while (*unit) out[n++] = *unit++;
    out[n] = '\0';
    return n;
}

size_t pm_duration_format(const pm_duration *d, char out[32])
{
    switch (d->kind) {
    case PM_DUR_DAYS: return put_count((long long)d->n, "d", out);
    case PM_DUR_WORKDAYS: return put_count((long long)d->n, "wd", out);
    default:
        if (d->n != 0 && d->n % 3600 == 0) return put_count((long long)(d->n / 3600), "h", out);
        if (d->n != 0 && d->n % 60 == 0) return put_count((long long)(d->n / 60), "m", out);
        return put_count((long long)d->n, "s", out);
    }
}
