/* explain.c - renders a deadline's trace as a short readable account
 * (pm-sla --explain, issue 9):
 *
 *   resolve 3wd from 2024-02-09 (Fri, not counted): 02-10..02-17 holiday (春节),
 *   02-18 make-up working day =1, 02-19 =2, 02-20 =3 → due 2024-02-21T00:00:00+08:00;
 *   resolved 2024-02-20T16:02:00+08:00 → met
 *
 * The due and the last counted day come from the trace sla_deadline filled;
 * the days in between are listed from the same calendar, and the count is
 * checked against the duration (a mismatch is said, never hidden).
 */
#include <stdlib.h>
#include <string.h>
#include "sla.h"

/* Appending: an explanation is a few dozen short pieces, most of them
 * literals, so the copy is inline (a literal's length is known: no strlen,
 * no call) and the NUL is written once, at the end of the clock's account
 * (sla_explain_clock_memo); pm_buf_grow leaves room for it. */
static inline void put(pm_buf *out, const char *s, size_t n)
{
    pm_buf_grow(out, n);
    memcpy(out->s + out->len, s, n);
    out->len += n;
}
#define PUTL(out, lit) put(out, lit, sizeof lit - 1)
static inline void put1(pm_buf *out, char c)
{
    pm_buf_grow(out, 1);
    out->s[out->len++] = c;
}
static inline void puts0(pm_buf *out, const char *s)
{
    put(out, s, strlen(s));
}

static const char *const wday[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* An instant, by the run's formatter (tickets' instants are close together:
 * it mostly skips the zone look-up and the date). */
static void add_time(pm_buf *out, pm_time t, pm_time_fmt *tf)
{
    pm_buf_grow(out, PM_TIME_BUFSZ); /* written in place */
    out->len += pm_time_fmt_write(tf, t, out->s + out->len);
}

static void add_dur(pm_buf *out, const pm_duration *d)
{
    pm_buf_grow(out, 32);
    out->len += pm_duration_format(d, out->s + out->len);
}

/* n in decimal (explanations are long: no printf per number). */
static void add_num(pm_buf *out, int64_t n)
{
    char b[24], *p = b + sizeof b;
    uint64_t u = n < 0 ? -(uint64_t)n : (uint64_t)n;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0) *--p = '-';
    put(out, p, (size_t)(b + sizeof b - p));
}

/* "MM-DD" within the start's year, else "YYYY-MM-DD". */
static void add_day(pm_buf *out, pm_day day, int year0)
{
    char b[16];
    int y, m, d;
    pm_civil_from_day(day, &y, &m, &d);
    if (y == year0 && y >= 0 && y <= 9999) { /* what pm_day_format writes after "YYYY-" */
        char md[5] = {(char)('0' + m / 10), (char)('0' + m % 10), '-', (char)('0' + d / 10), (char)('0' + d % 10)};
        put(out, md, 5);
        return;
    }
    pm_day_format(day, b);
    puts0(out, y == year0 ? b + 5 : b);
}

static void add_range(pm_buf *out, pm_day a, pm_day b, int year0)
{
    add_day(out, a, year0);
    if (b != a) {
        PUTL(out, "..");
        add_day(out, b, year0);
    }
}

/* Counted days a..b numbered from k: one by one up to three, else a range. */
static void add_counted(pm_buf *out, int *sep, pm_day a, pm_day b, int64_t k, int year0)
{
    if (a > b) return;
    if (b - a < 3) {
        for (pm_day d = a; d <= b; d++, k++) {
            if (*sep) PUTL(out, ", ");
            *sep = 1;
            add_day(out, d, year0);
            PUTL(out, " =");
            add_num(out, k);
        }
    } else {
        if (*sep) PUTL(out, ", ");
        *sep = 1;
        add_range(out, a, b, year0);
        PUTL(out, " =");
        add_num(out, k);
        PUTL(out, "..=");
        add_num(out, k + (b - a));
    }
}

static void add_skipped(pm_buf *out, int *sep, pm_day a, pm_day b, pm_daykind kind, const char *name, int year0)
{
    if (*sep) PUTL(out, ", ");
    *sep = 1;
    add_range(out, a, b, year0);
    if (kind == PM_DAY_HOLIDAY) {
        PUTL(out, " holiday");
        if (name && *name) {
            PUTL(out, " (");
            puts0(out, name);
            put1(out, ')');
        }
    } else {
        PUTL(out, " weekend");
    }
}

/* A run kind beside pm_daykind: a day on which a pause stopped the clock. */
enum { DAY_PAUSED = 4 };

/* Whether a pause stopped the clock on day d; *pi walks the effects, which
 * are in order (so are the days asked). */
static int paused_on(const sla_trace *tr, pm_day d, size_t *pi)
{
    for (; *pi < tr->npe; (*pi)++) {
        const sla_pause_effect *e = &tr->pe[*pi];
        if (e->did == SLA_PAUSE_OPEN) return d >= e->a;
        if (e->did == SLA_PAUSE_DAYS) {
            if (d < e->a) return 0;
            if (d <= e->b) return 1;
        }
    }
    return 0;
}

/* The days after the start day up to the last one: runs of counted days
 * numbered, the others named (weekend, holiday, make-up day, paused). */
static void add_days(pm_buf *out, const sla_trace *tr, pm_calendar *cal, int year0)
{
    int sep = 0, wd = tr->within.kind == PM_DUR_WORKDAYS;
    int64_t k = 1;     /* number of the next counted day */
    pm_day run = 0;    /* start of the current run */
    int run_kind = -1; /* -1 none, else pm_daykind or DAY_PAUSED */
    const char *run_name = NULL;
    size_t pi = 0;
    pm_day d;

    for (d = tr->start_day + 1; d <= tr->last_day + 1; d++) {
        int kind = -2;
        if (d <= tr->last_day)
            kind = paused_on(tr, d, &pi) ? DAY_PAUSED : wd ? (int)pm_calendar_kind(cal, d) : PM_DAY_WORKING;
        const char *name = kind == PM_DAY_HOLIDAY ? pm_calendar_holiday_name(cal, d) : NULL;
        int same = kind == run_kind && kind != PM_DAY_MAKEUP &&
                   (kind != PM_DAY_HOLIDAY || name == run_name || (name && run_name && strcmp(name, run_name) == 0));
        if (same) continue;
        /* Flush the run [run, d-1]. */
        if (run_kind == PM_DAY_WORKING) {
            add_counted(out, &sep, run, d - 1, k, year0);
            k += d - run;
        } else if (run_kind == PM_DAY_MAKEUP) {
            if (sep) PUTL(out, ", ");
            sep = 1;
            add_day(out, run, year0);
            PUTL(out, " make-up working day =");
            add_num(out, k);
            k++;
        } else if (run_kind == PM_DAY_WEEKEND || run_kind == PM_DAY_HOLIDAY) {
            add_skipped(out, &sep, run, d - 1, (pm_daykind)run_kind, run_name, year0);
        } else if (run_kind == DAY_PAUSED) {
            if (sep) PUTL(out, ", ");
            sep = 1;
            add_range(out, run, d - 1, year0);
            PUTL(out, " paused");
        }
        run = d;
        run_kind = kind;
        run_name = name;
    }
    if (tr->cap == SLA_NO_DUE) return; /* the count stopped at an open pause */
    pi = 0;
    if (k - 1 != tr->within.n || (wd && !pm_calendar_is_workday(cal, tr->last_day)) || paused_on(tr, tr->last_day, &pi))
        pm_buf_addf(out, " [counted %lld %sdays: the calendar changed?]", (long long)(k - 1), wd ? "working " : "");
}

/* "07-03 10:00" (":SS" when not 0, the year when not year0) in zone tz. */
static void add_moment(pm_buf *out, pm_time t, const pm_tz *tz, int year0)
{
    char b[PM_TIME_BUFSZ];
    int y, m, d;
    pm_day day = pm_tz_day(tz, t);
    pm_civil_from_day(day, &y, &m, &d);
    pm_time_format(t, tz, b); /* YYYY-MM-DDTHH:MM:SS+HH:MM */
    put(out, y == year0 ? b + 5 : b, y == year0 ? 5 : 10);
    put1(out, ' ');
    put(out, b + 11, strncmp(b + 16, ":00", 3) == 0 ? 5 : 8);
}

/* Days a..b: one by one up to three, else a range. */
static void add_day_list(pm_buf *out, pm_day a, pm_day b, int year0)
{
    if (b - a < 3) {
        for (pm_day d = a; d <= b; d++) {
            if (d > a) PUTL(out, ", ");
            add_day(out, d, year0);
        }
    } else {
        add_range(out, a, b, year0);
    }
}

/* What each pause did: "; paused 07-03 10:00..07-05 16:00: 07-03, 07-04,
 * 07-05 not counted". */
static void add_pauses(pm_buf *out, const sla_trace *tr, const pm_tz *tz, int year0)
{
    for (size_t i = 0; i < tr->npe; i++) {
        const sla_pause_effect *e = &tr->pe[i];
        if (e->pause.open) {
            PUTL(out, "; paused since ");
            add_moment(out, e->pause.start, tz, year0);
        } else {
            PUTL(out, "; paused ");
            add_moment(out, e->pause.start, tz, year0);
            PUTL(out, "..");
            add_moment(out, e->pause.end, tz, year0);
        }
        PUTL(out, ": ");
        switch (e->did) {
        case SLA_PAUSE_EXTENDS: {
            /* +2h, +1h30m, +4h25m14s */
            int64_t n = e->pause.end - e->pause.start;
            put1(out, '+');
            if (n >= 3600) {
                add_num(out, n / 3600);
                put1(out, 'h');
            }
            if (n % 3600 >= 60) {
                add_num(out, n % 3600 / 60);
                put1(out, 'm');
            }
            if (n % 60 || n == 0) {
                add_num(out, n % 60);
                put1(out, 's');
            }
            break;
        }
        case SLA_PAUSE_DAYS:
            add_day_list(out, e->a, e->b, year0);
            PUTL(out, " not counted");
            break;
        case SLA_PAUSE_NOTHING: PUTL(out, "changes nothing (its days are not counted anyway)"); break;
        case SLA_PAUSE_AFTER: PUTL(out, "starts after the deadline, changes nothing"); break;
        case SLA_PAUSE_OPEN: PUTL(out, "still paused, the clock is stopped"); break;
        }
    }
}

static void add_missing_years(pm_buf *out, const sla_trace *tr, pm_calendar *cal)
{
    int y0, y1, m, d;
    pm_civil_from_day(tr->start_day + 1, &y0, &m, &d);
    pm_civil_from_day(tr->last_day, &y1, &m, &d);
    for (int y = y0; y <= y1; y++)
        if (!pm_calendar_has_year(cal, y))
            pm_buf_addf(out, "; calendar %s has no holiday data for %d: weekends only", pm_calendar_name(cal), y);
}

/* The local year of the start. */
static int start_year(const sla_trace *tr, const pm_tz *tz)
{
    int y, m, d;
    pm_civil_from_day(pm_tz_day(tz, tr->start), &y, &m, &d);
    return y;
}

/* at: where in out the instant's text is (at SIZE_MAX: none, paused). */
static void add_due(pm_buf *out, pm_time t, pm_time_fmt *tf, sla_span *at)
{
    if (t == SLA_NO_DUE) {
        at->at = SIZE_MAX;
        PUTL(out, "none (paused)");
    } else {
        at->at = out->len;
        add_time(out, t, tf);
        at->len = out->len - at->at;
    }
}

/* " → due 2024-01-04T00:00:00+08:00" (cap when an agreed date may win),
 * and the years the count crossed that the calendar has no data for. */
static void add_cap(pm_buf *out, const sla_trace *tr, pm_calendar *cal, pm_time_fmt *tf, sla_span *at)
{
    if (tr->agreed)
        PUTL(out, " → cap ");
    else
        PUTL(out, " → due ");
    add_due(out, tr->cap, tf, at);
    if (tr->within.kind == PM_DUR_WORKDAYS && tr->cap != SLA_NO_DUE) add_missing_years(out, tr, cal);
}

/* The part of an explanation of a (working) day count that depends only on
 * the duration, the agreed flag and the start day ("2wd from 2024-01-01
 * (Mon, not counted): 01-02 =1, 01-03 =2 → due 2024-01-04T00:00:00+08:00"),
 * when no pause changed it: tickets of a day share it (the calendar and the
 * zone are the run's).  Direct-mapped; owned by the run. */
#define EXPLAIN_MEMO 256
struct sla_explain_memo {
    struct explain_entry {
        pm_day start;
        int64_t n;
        int kind, agreed, used;
        sla_span cap; /* where in text the cap's instant is */
        pm_buf text;
    } e[EXPLAIN_MEMO];
    pm_time_fmt tf; /* the run's instants */
};

sla_explain_memo *sla_explain_memo_new(void)
{
    return pm_xcalloc(1, sizeof(sla_explain_memo));
}

void sla_explain_memo_free(sla_explain_memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < EXPLAIN_MEMO; i++) pm_buf_free(&m->e[i].text);
    free(m);
}

void sla_explain_clock(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc, pm_calendar *cal,
                       const pm_tz *tz)
{
    sla_explain_clock_memo(out, clock, tr, oc, cal, tz, NULL, NULL);
}

void sla_explain_clock_memo(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc, pm_calendar *cal,
                            const pm_tz *tz, sla_explain_memo *memo, sla_span *due_text)
{
    sla_span cap = {SIZE_MAX, 0}, due = {SIZE_MAX, 0};
    pm_time_fmt tf1 = {.tz = tz}, *tf = &tf1;
    if (memo) {
        if (memo->tf.tz != tz) memo->tf = tf1;
        tf = &memo->tf;
    }
    puts0(out, sla_clock_name[clock]);
    put1(out, ' ');
    if (tr->within.kind == PM_DUR_SECONDS) {
        if (tr->agreed) PUTL(out, "(agreed) ");
        add_time(out, tr->start, tf);
        PUTL(out, " + ");
        add_dur(out, &tr->within);
        if (tr->npe) add_pauses(out, tr, tz, start_year(tr, tz));
        add_cap(out, tr, cal, tf, &cap);
    } else {
        struct explain_entry *e = NULL;
        int kind = (int)tr->within.kind;
        if (memo && tr->npe == 0) {
            uint64_t h = (uint64_t)tr->start_day * 31 + (uint64_t)tr->within.n * 7 + (uint64_t)kind * 2 +
                         (uint64_t)(tr->agreed != 0);
            e = &memo->e[h % EXPLAIN_MEMO];
            if (e->used && e->start == tr->start_day && e->n == tr->within.n && e->kind == kind &&
                e->agreed == (tr->agreed != 0)) {
                cap = e->cap;
                if (cap.at != SIZE_MAX) cap.at += out->len;
                put(out, e->text.s, e->text.len);
                goto cap_done;
            }
        }
        size_t at = out->len;
        int y0 = start_year(tr, tz); /* dates in the start's year are written MM-DD */
        add_dur(out, &tr->within);
        if (tr->within.kind == PM_DUR_DAYS) PUTL(out, " (calendar days)");
        if (tr->agreed) PUTL(out, " (agreed)");
        PUTL(out, " from ");
        char b[16];
        pm_day_format(tr->start_day, b);
        puts0(out, b);
        PUTL(out, " (");
        put(out, wday[pm_day_weekday(tr->start_day)], 3);
        PUTL(out, ", not counted): ");
        add_days(out, tr, cal, y0);
        if (tr->npe) add_pauses(out, tr, tz, y0);
        add_cap(out, tr, cal, tf, &cap);
        if (e) {
            pm_buf_reset(&e->text);
            pm_buf_add(&e->text, out->s + at, out->len - at);
            e->start = tr->start_day;
            e->n = tr->within.n;
            e->kind = kind;
            e->agreed = tr->agreed != 0;
            e->used = 1;
            e->cap = cap;
            if (cap.at != SIZE_MAX) e->cap.at -= at;
        }
    }
cap_done:
    if (tr->agreed) {
        if (!tr->has_agreed) {
            PUTL(out, "; no agreed date → due ");
        } else {
            PUTL(out, "; agreed ");
            add_time(out, tr->agreed_at, tf);
            if (tr->agreed_at < tr->cap)
                PUTL(out, " is earlier, agreed wins → due ");
            else if (tr->agreed_at == tr->cap)
                PUTL(out, " is the cap → due ");
            else
                PUTL(out, " is later, the cap wins → due ");
        }
        add_due(out, tr->due, tf, &due);
    }
    PUTL(out, "; ");
    if (oc->completed) {
        puts0(out, sla_clock_done[clock]);
        put1(out, ' ');
        add_time(out, oc->completed_at, tf);
    } else {
        PUTL(out, "not ");
        puts0(out, sla_clock_done[clock]);
        PUTL(out, ", now ");
        add_time(out, oc->now, tf);
    }
    PUTL(out, " → ");
    puts0(out, sla_status_name[oc->status]);
    if (oc->status == SLA_AT_RISK) {
        pm_duration w = {PM_DUR_SECONDS, oc->window};
        PUTL(out, " (window ");
        add_dur(out, &w);
        put1(out, ')');
    }
    out->s[out->len] = 0;
    if (due_text) *due_text = tr->agreed ? due : cap;
}
