/* deadline.c - when a clock is due (docs/CONTRACT.md section 2, PRC Civil Code
 * arts. 200-204).  The trace it fills is what --explain renders, so an
 * explanation can never disagree with the due it explains.
 */
#include <stdint.h>
#include <string.h>
#include "sla.h"

/* pm_calendar_add_workdays is a binary search (~150 ns); tickets of a day
 * share their start day and durations, so a small direct-mapped memo of its
 * answers saves most of that on a big export.  The calendar still sees the
 * first computation of each (day, n), so its missing-year reports are intact. */
typedef struct wd_memo {
    const pm_calendar *cal;
    pm_day day, last;
    int64_t n;
} wd_memo;
static wd_memo memo[512];

static pm_day add_workdays(pm_calendar *cal, pm_day day, int64_t n)
{
    wd_memo *m = &memo[((uint64_t)day * 8 + (uint64_t)n) % 512];
    if (m->cal != cal || m->day != day || m->n != n) {
        m->last = pm_calendar_add_workdays(cal, day, n);
        m->cal = cal;
        m->day = day;
        m->n = n;
    }
    return m->last;
}

pm_time sla_deadline(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at,
                     pm_calendar *cal, const pm_tz *tz, sla_trace *tr)
{
    pm_time cap, due;
    pm_day sd = 0, last = 0;

    switch (c->within.kind) {
    case PM_DUR_DAYS:
        /* The start day is not counted; the period ends at 24:00 of the Nth
         * day after it, written as 00:00 of the day after that. */
        sd = pm_tz_day(tz, start);
        last = sd + c->within.n;
        cap = pm_tz_midnight(tz, last + 1);
        break;
    case PM_DUR_WORKDAYS:
        /* The same, counting only working days; the start day is never
         * counted, even when it is a working day. */
        sd = pm_tz_day(tz, start);
        last = add_workdays(cal, sd, c->within.n);
        cap = pm_tz_midnight(tz, last + 1);
        break;
    case PM_DUR_SECONDS:
    default:
        cap = start + c->within.n;
        break;
    }
    due = cap;
    if (c->agreed && has_agreed && agreed_at < cap)
        due = agreed_at;
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
