/* deadline.c - when a clock is due (docs/CONTRACT.md section 2, PRC Civil Code
 * arts. 200-204).  The trace it fills is what --explain renders, so an
 * explanation can never disagree with the due it explains.
 */
#include <stdint.h>
#include <string.h>
#include "sla.h"

/* Working days (wd) or days in (a, b]; 0 when b <= a. */
static int64_t count_days(pm_calendar *cal, int wd, pm_day a, pm_day b)
{
    if (b <= a) return 0;
    return wd ? pm_calendar_count_workdays(cal, a, b) : b - a;
}

/* The nth (working) day after day. */
static pm_day add_days(pm_calendar *cal, int wd, pm_day day, int64_t n)
{
    return wd ? pm_calendar_add_workdays(cal, day, n) : day + n;
}

static void note(sla_trace *tr, const sla_pause *p, sla_pause_did did, pm_day a, pm_day b)
{
    if (!tr || !tr->pe) return;
    sla_pause_effect *e = &tr->pe[tr->npe++];
    e->pause = *p;
    e->did = did;
    e->a = a;
    e->b = b;
}

pm_time sla_deadline_paused(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at, const sla_pause *pz,
                            size_t np, pm_calendar *cal, const pm_tz *tz, sla_trace *tr)
{
    pm_time cap, due;
    pm_day sd = 0, last = 0;
    size_t i;

    if (!c->pause) np = 0;
    if (tr) tr->npe = 0;
    if (np == 0 && !tr) { /* the common case, kept as short as before pauses */
        switch (c->within.kind) {
        case PM_DUR_DAYS: cap = pm_tz_midnight(tz, pm_tz_day(tz, start) + c->within.n + 1); break;
        case PM_DUR_WORKDAYS:
            cap = pm_tz_midnight(tz, pm_calendar_add_workdays(cal, pm_tz_day(tz, start), c->within.n) + 1);
            break;
        case PM_DUR_SECONDS:
        default: cap = start + c->within.n; break;
        }
        return c->agreed && has_agreed && agreed_at < cap ? agreed_at : cap;
    }
    switch (c->within.kind) {
    case PM_DUR_DAYS:
    case PM_DUR_WORKDAYS: {
        /* The start day is not counted; the period ends at 24:00 of the Nth
         * (working) day after it, written as 00:00 of the day after that;
         * the start day is never counted, even when it is a working day.
         * A day on which a pause stopped the clock is not counted either:
         * cur is the last day dealt with (counted or stopped), remaining
         * the days still to count after it. */
        int wd = c->within.kind == PM_DUR_WORKDAYS;
        int64_t remaining = c->within.n;
        pm_day cur;
        sd = cur = pm_tz_day(tz, start);
        last = add_days(cal, wd, cur, remaining);
        cap = pm_tz_midnight(tz, last + 1);
        for (i = 0; i < np; i++) {
            const sla_pause *p = &pz[i];
            if (p->start >= cap) {
                note(tr, p, SLA_PAUSE_AFTER, 0, 0);
                continue;
            }
            pm_day da = pm_tz_day(tz, p->start);
            pm_day db = p->open ? INT64_MAX : pm_tz_day(tz, p->end - 1);
            if (db <= cur) { /* only days not counted anyway */
                note(tr, p, SLA_PAUSE_NOTHING, da, db);
                continue;
            }
            pm_day a = da > cur ? da : cur + 1;
            /* days before the pause count; p->start < cap puts a on or
             * before last, so fewer than remaining of them */
            remaining -= count_days(cal, wd, cur, a - 1);
            if (p->open) {
                last = a - 1;
                cap = SLA_NO_DUE;
                note(tr, p, SLA_PAUSE_OPEN, a, 0);
                break;
            }
            cur = db;
            note(tr, p, SLA_PAUSE_DAYS, a, db);
            last = add_days(cal, wd, cur, remaining);
            cap = pm_tz_midnight(tz, last + 1);
        }
        break;
    }
    case PM_DUR_SECONDS:
    default:
        cap = start + c->within.n;
        for (i = 0; i < np; i++) {
            const sla_pause *p = &pz[i];
            if (p->start >= cap) {
                note(tr, p, SLA_PAUSE_AFTER, 0, 0);
                continue;
            }
            if (p->open) {
                cap = SLA_NO_DUE;
                note(tr, p, SLA_PAUSE_OPEN, 0, 0);
                break;
            }
            cap += p->end - p->start;
            note(tr, p, SLA_PAUSE_EXTENDS, 0, 0);
        }
        break;
    }
    due = cap;
    if (c->agreed && has_agreed && agreed_at < cap) due = agreed_at;
    if (tr) {
        tr->within = c->within;
        tr->agreed = c->agreed;
        tr->has_agreed = c->agreed && has_agreed;
        tr->agreed_at = agreed_at;
        tr->start = start;
        tr->start_day = sd;
        tr->last_day = last;
        tr->cap = cap;
        tr->due = due;
    }
    return due;
}

pm_time sla_deadline(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at, pm_calendar *cal,
                     const pm_tz *tz, sla_trace *tr)
{
    if (tr) tr->pe = NULL;
    return sla_deadline_paused(c, start, has_agreed, agreed_at, NULL, 0, cal, tz, tr);
}
