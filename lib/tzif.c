/* tzif.c - the UTC offsets of one time zone, read from its TZif file
 * (RFC 8536, /usr/share/zoneinfo), for lib/timex.c.
 *
 * Why the library reads zone files itself: glibc reaches a zone only
 * through the TZ environment variable, state of the whole process, with no
 * call that takes a zone as an argument.  Switching TZ per call is neither
 * safe (it changes the zone of everything else in the process and is not
 * thread-safe) nor fast, so each pm_tz holds the zone's transitions itself.
 *
 * The answers are glibc's, offset for offset (tests/unit/test_timex.c holds
 * them to it): before the first transition the first standard-time type;
 * from the last transition on (that instant included) the POSIX TZ footer
 * string when the file has one, else the last transition's type; the footer
 * rules are evaluated per UTC year ("Mm.w.d/time" of the year t falls in,
 * as glibc's __tz_compute does, including its use of 1970-01-01 as the
 * start of any year before 1970).
 */
#include "tzif.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timex.h"

/* Reading the bytes ---------------------------------------------------------- */

static int64_t be32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    return (int64_t)(int32_t)u;
}

static int64_t be64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | p[i];
    return (int64_t)u;
}

/* The counts of a TZif header (RFC 8536 section 3.1). */
typedef struct tzif_head {
    size_t isut, isstd, leap, time, type, chars;
} tzif_head;

/* Reads the header at p (44 bytes available); 0 or -1. */
static int read_head(const unsigned char *p, tzif_head *h)
{
    int64_t c[6];
    if (memcmp(p, "TZif", 4) != 0) return -1;
    for (int i = 0; i < 6; i++) {
        c[i] = be32(p + 20 + 4 * i);
        if (c[i] < 0 || c[i] > 1000000) return -1;
    }
    h->isut = (size_t)c[0];
    h->isstd = (size_t)c[1];
    h->leap = (size_t)c[2];
    h->time = (size_t)c[3];
    h->type = (size_t)c[4];
    h->chars = (size_t)c[5];
    if (h->type == 0 || h->isut > h->type || h->isstd > h->type) return -1;
    return 0;
}

/* Bytes of the data block after a header, with w-byte times. */
static size_t block_len(const tzif_head *h, size_t w)
{
    return h->time * (w + 1) + h->type * 6 + h->chars + h->leap * (w + 4) + h->isstd + h->isut;
}

/* The POSIX TZ footer ------------------------------------------------------- */

/* One change of a POSIX TZ rule: the day ('J' Jn: 1-365 without Feb 29;
 * 'D' n: 0-365; 'M' Mm.w.d) and the local time of day. */
typedef struct tz_date {
    char kind;
    int m, w, d;
    int32_t secs;
} tz_date;

typedef struct posix_tz {
    int32_t std, dst; /* seconds east of UTC */
    int has_dst;
    tz_date start, end; /* to daylight time, back to standard time */
} posix_tz;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A number of at most 6 digits at *p; -1 when there is none. */
static int32_t number(const char **p)
{
    int32_t v = 0;
    int n = 0;
    while (is_digit(**p) && n < 6) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

/* "EST", "<+08>": at least three letters, or three of [A-Za-z0-9+-] in <>. */
static int tz_name(const char **p)
{
    const char *q = *p;
    while (is_alpha(*q)) q++;
    if (q - *p >= 3) {
        *p = q;
        return 0;
    }
    q = *p;
    if (*q++ != '<') return -1;
    const char *s = q;
    while (is_alpha(*q) || is_digit(*q) || *q == '+' || *q == '-') q++;
    if (*q != '>' || q - s < 3) return -1;
    *p = q + 1;
    return 0;
}

/* hh[:mm[:ss]] at *p in seconds; -1 when there is none.  clamp: the hours
 * of an offset stop at 24, minutes and seconds at 59 (as glibc reads them). */
static int32_t hms(const char **p, int clamp)
{
    int32_t h = number(p), m = 0, s = 0;
    if (h < 0) return -1;
    if (**p == ':' && is_digit((*p)[1])) {
        (*p)++;
        m = number(p);
        if (**p == ':' && is_digit((*p)[1])) {
            (*p)++;
            s = number(p);
        }
    }
    if (clamp) {
        h = h > 24 ? 24 : h;
        m = m > 59 ? 59 : m;
        s = s > 59 ? 59 : s;
    }
    return h * 3600 + m * 60 + s;
}

/* [+-]hh[:mm[:ss]] west of UTC, returned east of UTC; 0 or -1. */
static int tz_offset(const char **p, int32_t *east)
{
    int sign = 1;
    int32_t v;
    if (**p == '+' || **p == '-') sign = *(*p)++ == '-' ? -1 : 1;
    v = hms(p, 1);
    if (v < 0) return -1;
    *east = -sign * v;
    return 0;
}

/* ",Jn[/time]", ",n[/time]" or ",Mm.w.d[/time]"; 0 or -1. */
static int tz_rule_date(const char **p, tz_date *r)
{
    const char *q = *p;
    if (*q == ',') q++;
    r->secs = 2 * 3600;
    if (*q == 'J' || is_digit(*q)) {
        r->kind = *q == 'J' ? 'J' : 'D';
        q += *q == 'J';
        r->d = number(&q);
        if (r->d < 0 || r->d > 365 || (r->kind == 'J' && r->d == 0)) return -1;
    } else if (*q == 'M') {
        q++;
        r->kind = 'M';
        r->m = number(&q);
        if (r->m < 1 || r->m > 12 || *q++ != '.') return -1;
        r->w = number(&q);
        if (r->w < 1 || r->w > 5 || *q++ != '.') return -1;
        r->d = number(&q);
        if (r->d < 0 || r->d > 6) return -1;
    } else {
        return -1;
    }
    if (*q == '/') {
        int neg;
        q++;
        neg = *q == '-';
        q += neg || *q == '+';
        r->secs = hms(&q, 0);
        if (r->secs < 0 || r->secs > 167 * 3600) return -1;
        if (neg) r->secs = -r->secs;
    }
    *p = q;
    return 0;
}

/* Parses a footer: "CST-8", "EST5EDT,M3.2.0,M11.1.0", "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1".
 * Without rules after the daylight name, the US rules (glibc's default). */
static int posix_parse(const char *s, posix_tz *tz)
{
    memset(tz, 0, sizeof *tz);
    if (tz_name(&s) < 0 || tz_offset(&s, &tz->std) < 0) return -1;
    tz->dst = tz->std;
    if (!*s) return 0;
    if (tz_name(&s) < 0) return -1;
    tz->has_dst = 1;
    if (*s == '+' || *s == '-' || is_digit(*s)) {
        if (tz_offset(&s, &tz->dst) < 0) return -1;
    } else {
        tz->dst = tz->std + 3600;
    }
    if (*s != ',' && *s) return -1;
    if (!*s || (s[0] == ',' && !s[1])) {
        tz->start = (tz_date){'M', 3, 2, 0, 2 * 3600};
        tz->end = (tz_date){'M', 11, 1, 0, 2 * 3600};
        return 0;
    }
    if (tz_rule_date(&s, &tz->start) < 0 || *s != ',' || tz_rule_date(&s, &tz->end) < 0 || *s) return -1;
    return 0;
}

/* The day of instant t (floor). */
static int64_t day_of(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The instant of change r in UTC year y, the change being read in local
 * time of offset off (glibc's compute_change). */
static int64_t change_at(const tz_date *r, int y, int32_t off)
{
    static const int before[2][13] = {{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
                                      {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};
    int leap = is_leap(y);
    int64_t t = y > 1970 ? pm_day_from_civil(y, 1, 1) * 86400 : 0;
    switch (r->kind) {
    case 'J':
        t += (int64_t)(r->d - 1) * 86400;
        if (r->d >= 60 && leap) t += 86400;
        break;
    case 'D': t += (int64_t)r->d * 86400; break;
    default: {
        /* the w-th weekday d (0 = Sunday) of month m; w 5: the last */
        int first = (pm_day_weekday(pm_day_from_civil(y, r->m, 1)) + 1) % 7;
        int dim = before[leap][r->m] - before[leap][r->m - 1];
        int dd = r->d - first;
        if (dd < 0) dd += 7;
        for (int i = 1; i < r->w && dd + 7 < dim; i++) dd += 7;
        t += (int64_t)(before[leap][r->m - 1] + dd) * 86400;
        break;
    }
    }
    return t - off + r->secs;
}

/* The footer's offset at t, in a UTC year whose changes are c0 (to
 * daylight time) and c1 (back): glibc's __tz_compute, which tells the
 * southern hemisphere by c0 > c1. */
static int32_t offset_between(const posix_tz *tz, int64_t t, int64_t c0, int64_t c1)
{
    int dst = c0 > c1 ? (t < c1 || t >= c0) : (t >= c0 && t < c1);
    return dst ? tz->dst : tz->std;
}

/* Building the steps -------------------------------------------------------- */

static int32_t whole_minutes(int64_t off)
{
    return (int32_t)(off - off % 60);
}

typedef struct steps {
    int64_t *at;
    int32_t *off; /* off[0] before at[0] */
    size_t n, cap;
} steps;

/* A change to off at t, unless off is already in force. */
static void step(steps *s, int64_t t, int32_t off)
{
    if (off == s->off[s->n]) return;
    if (s->n + 1 >= s->cap) {
        s->cap *= 2;
        s->at = pm_xrealloc(s->at, s->cap * sizeof *s->at);
        s->off = pm_xrealloc(s->off, s->cap * sizeof *s->off);
    }
    s->at[s->n++] = t;
    s->off[s->n] = off;
}

/* 400 Gregorian years: 146097 days, exactly 20871 weeks. */
#define CYCLE_SECS (146097LL * 86400)

/* Adds the footer's steps in UTC year y from instant from on (the year's
 * start, or the last transition within it). */
static void footer_year(steps *s, const posix_tz *tz, int y, int64_t from)
{
    int64_t end = pm_day_from_civil(y + 1, 1, 1) * 86400, c0, c1, ch[2];
    if (!tz->has_dst) {
        step(s, from, whole_minutes(tz->std));
        return;
    }
    c0 = change_at(&tz->start, y, tz->std);
    c1 = change_at(&tz->end, y, tz->dst);
    ch[0] = c0 < c1 ? c0 : c1;
    ch[1] = c0 < c1 ? c1 : c0;
    step(s, from, whole_minutes(offset_between(tz, from, c0, c1)));
    for (int i = 0; i < 2; i++)
        if (ch[i] > from && ch[i] < end) step(s, ch[i], whole_minutes(offset_between(tz, ch[i], c0, c1)));
}

/* Adds the footer's steps from t0 (the last transition, whose own offset
 * the footer gives) through one whole cycle of UTC years after it. */
static void footer_steps(steps *s, const posix_tz *tz, int64_t t0, pm_tzif *z)
{
    int y, m, d;
    pm_civil_from_day(day_of(t0), &y, &m, &d);
    footer_year(s, tz, y, t0);
    if (!tz->has_dst) return;
    z->cycle_start = pm_day_from_civil(y + 1, 1, 1) * 86400;
    z->cycle = CYCLE_SECS;
    for (int yy = y + 1; yy <= y + 400; yy++) footer_year(s, tz, yy, pm_day_from_civil(yy, 1, 1) * 86400);
}

#define SPAN ((int64_t)1 << PM_TZIF_SPAN_SHIFT)

static void build_index(pm_tzif *z)
{
    /* from 1900 at the earliest: zic's "big bang" transitions lie before */
    const int64_t floor_t = -2208988800LL;
    int64_t first, last, nspan;
    size_t i = 0;
    if (z->n == 0) return;
    first = z->at[0] > floor_t ? z->at[0] : floor_t;
    last = z->cycle ? z->cycle_start + z->cycle : z->at[z->n - 1] + 1;
    if (last <= first) return;
    z->span_start = first - (first % SPAN + SPAN) % SPAN; /* floor to a span */
    nspan = ((last - z->span_start) >> PM_TZIF_SPAN_SHIFT) + 1;
    z->span_end = z->span_start + (nspan << PM_TZIF_SPAN_SHIFT);
    z->span_first = pm_xmalloc((size_t)nspan * sizeof *z->span_first);
    for (int64_t k = 0; k < nspan; k++) {
        int64_t t = z->span_start + (k << PM_TZIF_SPAN_SHIFT);
        while (i < z->n && z->at[i] < t) i++;
        z->span_first[k] = (uint32_t)i;
    }
}

int pm_tzif_parse(pm_tzif *z, const unsigned char *buf, size_t len)
{
    tzif_head h;
    const unsigned char *p = buf, *e = buf + len, *types, *idx;
    size_t w = 4, first_std = 0;
    steps s;
    posix_tz footer;
    int has_footer = 0;

    if (len < 44 || read_head(p, &h) < 0) return -1;
    if (buf[4] >= '2') {
        /* skip the 32-bit data to the 64-bit header */
        size_t skip = 44 + block_len(&h, 4);
        if ((size_t)(e - p) < skip + 44) return -1;
        p += skip;
        if (read_head(p, &h) < 0) return -1;
        w = 8;
    }
    p += 44;
    if ((size_t)(e - p) < block_len(&h, w)) return -1;
    idx = p + h.time * w;
    types = idx + h.time;
    for (size_t i = 0; i < h.time; i++)
        if (idx[i] >= h.type) return -1;
    for (size_t i = 1; i < h.time; i++)
        if ((w == 8 ? be64(p + 8 * i) : be32(p + 4 * i)) <= (w == 8 ? be64(p + 8 * i - 8) : be32(p + 4 * i - 4)))
            return -1;
    if (w == 8) {
        /* the footer: "\nTZ string\n" */
        const unsigned char *f = p + block_len(&h, w), *nl;
        char tzs[256];
        if (f < e && *f == '\n' && (nl = memchr(f + 1, '\n', (size_t)(e - f - 1))) && nl > f + 1 &&
            (size_t)(nl - f - 1) < sizeof tzs) {
            memcpy(tzs, f + 1, (size_t)(nl - f - 1));
            tzs[nl - f - 1] = '\0';
            has_footer = posix_parse(tzs, &footer) == 0;
        }
    }
    /* before any transition: the first standard-time type (glibc) */
    while (first_std < h.type && types[6 * first_std + 4]) first_std++;
    if (first_std == h.type) first_std = 0;

    memset(z, 0, sizeof *z);
    s.cap = 64;
    s.n = 0;
    s.at = pm_xmalloc(s.cap * sizeof *s.at);
    s.off = pm_xmalloc(s.cap * sizeof *s.off);
    s.off[0] = whole_minutes(be32(types + 6 * first_std));
    for (size_t i = 0; i < h.time; i++) {
        int64_t t = w == 8 ? be64(p + 8 * i) : be32(p + 4 * i);
        if (i + 1 == h.time && has_footer)
            footer_steps(&s, &footer, t, z);
        else
            step(&s, t, whole_minutes(be32(types + 6 * idx[i])));
    }
    z->n = s.n;
    z->at = s.at;
    z->off = s.off;
    build_index(z);
    return 0;
}

void pm_tzif_free(pm_tzif *z)
{
    if (!z) return;
    free(z->at);
    free(z->off);
    free(z->span_first);
    memset(z, 0, sizeof *z);
}

/* Looking up ---------------------------------------------------------------- */

int32_t pm_tzif_offset(const pm_tzif *z, int64_t t, int64_t *lo, int64_t *hi)
{
    int64_t shift = 0;
    size_t i;
    if (z->cycle && t >= z->cycle_start + z->cycle) {
        shift = (t - z->cycle_start) / z->cycle * z->cycle;
        t -= shift;
    }
    if (t >= z->span_start && t < z->span_end) {
        i = z->span_first[(t - z->span_start) >> PM_TZIF_SPAN_SHIFT];
        while (i < z->n && t >= z->at[i]) i++;
    } else if (z->n && t >= z->at[z->n - 1]) {
        i = z->n;
    } else {
        /* the number of changes at or before t */
        size_t a = 0, b = z->n;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if (z->at[mid] <= t)
                a = mid + 1;
            else
                b = mid;
        }
        i = a;
    }
    *lo = i > 0 ? z->at[i - 1] : INT64_MIN;
    *hi = i < z->n ? z->at[i] : INT64_MAX;
    if (z->cycle && t >= z->cycle_start) {
        if (*lo < z->cycle_start) *lo = z->cycle_start;
        if (*hi > z->cycle_start + z->cycle) *hi = z->cycle_start + z->cycle;
        *lo += shift;
        *hi += shift;
    }
    return z->off[i];
}
