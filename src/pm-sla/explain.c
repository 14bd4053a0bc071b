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
#include <string.h>
#include "sla.h"

static const char *const wday[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static void add_time(pm_buf *out, pm_time t, const pm_tz *tz)
{
    char b[PM_TIME_BUFSZ];
    size_t n = pm_time_format(t, tz, b);
    pm_buf_add(out, b, n);
}

static void add_dur(pm_buf *out, const pm_duration *d)
{
    char b[32];
    size_t n = pm_duration_format(d, b);
    pm_buf_add(out, b, n);
}

/* "MM-DD" within the start's year, else "YYYY-MM-DD". */
static void add_day(pm_buf *out, pm_day day, int year0)
{
    char b[16];
    int y, m, d;
    pm_civil_from_day(day, &y, &m, &d);
    pm_day_format(day, b);
    pm_buf_adds(out, y == year0 ? b + 5 : b);
}

static void add_range(pm_buf *out, pm_day a, pm_day b, int year0)
{
    add_day(out, a, year0);
    if (b != a) {
        pm_buf_adds(out, "..");
        add_day(out, b, year0);
    }
}

/* Counted days a..b numbered from k: one by one up to three, else a range. */
static void add_counted(pm_buf *out, int *sep, pm_day a, pm_day b, int64_t k, int year0)
{
    if (a > b)
        return;
    if (b - a < 3) {
        for (pm_day d = a; d <= b; d++, k++) {
            pm_buf_adds(out, *sep ? ", " : "");
            *sep = 1;
            add_day(out, d, year0);
            pm_buf_addf(out, " =%lld", (long long)k);
        }
    } else {
        pm_buf_adds(out, *sep ? ", " : "");
        *sep = 1;
        add_range(out, a, b, year0);
        pm_buf_addf(out, " =%lld..=%lld", (long long)k, (long long)(k + (b - a)));
    }
}

static void add_skipped(pm_buf *out, int *sep, pm_day a, pm_day b, pm_daykind kind,
                        const char *name, int year0)
{
    pm_buf_adds(out, *sep ? ", " : "");
    *sep = 1;
    add_range(out, a, b, year0);
    if (kind == PM_DAY_HOLIDAY) {
        pm_buf_adds(out, " holiday");
        if (name && *name)
            pm_buf_addf(out, " (%s)", name);
    } else {
        pm_buf_adds(out, " weekend");
    }
}

/* The working days after the start day up to the last one. */
static void add_workdays(pm_buf *out, const sla_trace *tr, pm_calendar *cal, int year0)
{
    int sep = 0;
    int64_t k = 1;            /* number of the next working day */
    pm_day run = 0;           /* start of the current run */
    int run_kind = -1;        /* -1 none, else pm_daykind */
    const char *run_name = NULL;
    pm_day d;

    for (d = tr->start_day + 1; d <= tr->last_day + 1; d++) {
        int kind = d <= tr->last_day ? (int)pm_calendar_kind(cal, d) : -2;
        const char *name = kind == PM_DAY_HOLIDAY ? pm_calendar_holiday_name(cal, d) : NULL;
        int same = kind == run_kind && kind != PM_DAY_MAKEUP &&
                   (kind != PM_DAY_HOLIDAY || name == run_name ||
                    (name && run_name && strcmp(name, run_name) == 0));
        if (same)
            continue;
        /* Flush the run [run, d-1]. */
        if (run_kind == PM_DAY_WORKING) {
            add_counted(out, &sep, run, d - 1, k, year0);
            k += d - run;
        } else if (run_kind == PM_DAY_MAKEUP) {
            pm_buf_adds(out, sep ? ", " : "");
            sep = 1;
            add_day(out, run, year0);
            pm_buf_addf(out, " make-up working day =%lld", (long long)k);
            k++;
        } else if (run_kind == PM_DAY_WEEKEND || run_kind == PM_DAY_HOLIDAY) {
            add_skipped(out, &sep, run, d - 1, (pm_daykind)run_kind, run_name, year0);
        }
        run = d;
        run_kind = kind;
        run_name = name;
    }
    if (k - 1 != tr->within.n || !pm_calendar_is_workday(cal, tr->last_day))
        pm_buf_addf(out, " [counted %lld working days: the calendar changed?]", (long long)(k - 1));
}

static void add_missing_years(pm_buf *out, const sla_trace *tr, pm_calendar *cal)
{
    int y0, y1, m, d;
    pm_civil_from_day(tr->start_day + 1, &y0, &m, &d);
    pm_civil_from_day(tr->last_day, &y1, &m, &d);
    for (int y = y0; y <= y1; y++)
        if (!pm_calendar_has_year(cal, y))
            pm_buf_addf(out, "; calendar %s has no holiday data for %d: weekends only",
                        pm_calendar_name(cal), y);
}

void sla_explain_clock(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc,
                       pm_calendar *cal, const pm_tz *tz)
{
    const char *what = tr->agreed ? "cap" : "due";
    int y0, m, d;

    pm_buf_adds(out, sla_clock_name[clock]);
    pm_buf_addc(out, ' ');
    if (tr->within.kind == PM_DUR_SECONDS) {
        if (tr->agreed)
            pm_buf_adds(out, "(agreed) ");
        add_time(out, tr->start, tz);
        pm_buf_adds(out, " + ");
        add_dur(out, &tr->within);
    } else {
        pm_civil_from_day(tr->start_day, &y0, &m, &d);
        add_dur(out, &tr->within);
        if (tr->within.kind == PM_DUR_DAYS)
            pm_buf_adds(out, " (calendar days)");
        if (tr->agreed)
            pm_buf_adds(out, " (agreed)");
        pm_buf_adds(out, " from ");
        char b[16];
        pm_day_format(tr->start_day, b);
        pm_buf_adds(out, b);
        pm_buf_addf(out, " (%s, not counted): ", wday[pm_day_weekday(tr->start_day)]);
        if (tr->within.kind == PM_DUR_DAYS) {
            int sep = 0;
            add_counted(out, &sep, tr->start_day + 1, tr->last_day, 1, y0);
        } else {
            add_workdays(out, tr, cal, y0);
        }
    }
    pm_buf_addf(out, " → %s ", what);
    add_time(out, tr->cap, tz);
    if (tr->within.kind == PM_DUR_WORKDAYS)
        add_missing_years(out, tr, cal);
    if (tr->agreed) {
        if (!tr->has_agreed) {
            pm_buf_adds(out, "; no agreed date → due ");
        } else {
            pm_buf_adds(out, "; agreed ");
            add_time(out, tr->agreed_at, tz);
            if (tr->agreed_at < tr->cap)
                pm_buf_adds(out, " is earlier, agreed wins → due ");
            else if (tr->agreed_at == tr->cap)
                pm_buf_adds(out, " is the cap → due ");
            else
                pm_buf_adds(out, " is later, the cap wins → due ");
        }
        add_time(out, tr->due, tz);
    }
    pm_buf_adds(out, "; ");
    if (oc->completed) {
        pm_buf_adds(out, sla_clock_done[clock]);
        pm_buf_addc(out, ' ');
        add_time(out, oc->completed_at, tz);
    } else {
        pm_buf_addf(out, "not %s, now ", sla_clock_done[clock]);
        add_time(out, oc->now, tz);
    }
    pm_buf_adds(out, " → ");
    pm_buf_adds(out, sla_status_name[oc->status]);
    if (oc->status == SLA_AT_RISK) {
        pm_duration w = {PM_DUR_SECONDS, oc->window};
        pm_buf_adds(out, " (window ");
        add_dur(out, &w);
        pm_buf_addc(out, ')');
    }
}
