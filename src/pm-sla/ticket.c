/* ticket.c - the judgement of one ticket (docs/CONTRACT.md section 6): its policy
 * version and category, its timestamps and pauses, and for each clock the
 * due and the status.  A pure function of the record and the options, so
 * that the run over a stream (run.c, or a shared record loop) only reads,
 * writes and counts.
 */
#include <string.h>
#include "sla.h"

const char *const sla_in_name[SLA_NIN] = {"category",    "created_at",    "responded_at", "arrived_at",
                                          "resolved_at", "agreed_due_at", "paused"};

/* Whether pm can write instant t in zone tz: its local year is at most
 * 9999.  A later deadline would need a five-digit year, which no pm program
 * reads back.  Offsets stay within 14 hours, so only instants from
 * 9999-12-31T10:00Z on need the zone. */
static int writable(pm_time t, const pm_tz *tz)
{
    static const pm_time first_doubt = (pm_time)2932896 * 86400 + 10 * 3600; /* 9999-12-31T10:00Z */
    if (t < first_doubt) return 1;
    int y, m, d;
    pm_civil_from_day(pm_tz_day(tz, t), &y, &m, &d);
    return y <= 9999;
}

/* Reads the timestamps; 0 or -1 with msg. */
static int read_times(const pm_record *rec, const int pos[SLA_NIN], const pm_tz *tz, pm_time t[SLA_NIN],
                      int has[SLA_NIN], pm_buf *msg)
{
    pm_error e;
    for (int k = SLA_IN_CREATED; k <= SLA_IN_AGREED; k++) {
        int i = pos[k];
        has[k] = i >= 0 && rec->f[i].len > 0;
        if (!has[k]) {
            if (k == SLA_IN_CREATED) {
                pm_buf_adds(msg, "no created_at");
                return -1;
            }
            continue;
        }
        if (pm_time_parse(rec->f[i].value, rec->f[i].len, tz, &t[k], &e) != 0) {
            pm_buf_addf(msg, "%s: %s", sla_in_name[k], e.msg);
            return -1;
        }
        if (k >= SLA_IN_RESPONDED && k <= SLA_IN_RESOLVED && t[k] < t[SLA_IN_CREATED]) {
            pm_buf_addf(msg, "%s %s is before created_at %s", sla_in_name[k], rec->f[i].value,
                        rec->f[pos[SLA_IN_CREATED]].value);
            return -1;
        }
    }
    return 0;
}

/* The pauses of the ticket, in the record's arena; their number, or -1. */
static long read_pauses(pm_record *rec, int i, const pm_tz *tz, sla_pause **out, pm_buf *msg)
{
    const char *s = rec->f[i].value;
    size_t len = rec->f[i].len, max = 1;
    for (size_t j = 0; j < len; j++) max += s[j] == ';';
    *out = pm_record_alloc(rec, max * sizeof **out);
    return sla_pauses_parse(s, len, tz, *out, max, msg);
}

int sla_ticket_judge(const sla_run_opts *o, pm_record *rec, const int pos[SLA_NIN], sla_verdict *v, pm_buf *msg,
                     pm_buf *ex)
{
    const sla_policy *p = o->policy;
    const sla_version *ver = &p->ver[0];
    const sla_category *cat = NULL;
    pm_time t[SLA_NIN] = {0};
    int has[SLA_NIN] = {0};
    sla_pause *pz = NULL;
    long np = 0;
    int i = pos[SLA_IN_CATEGORY];
    const char *c = i >= 0 ? rec->f[i].value : "";
    size_t clen = i >= 0 ? rec->f[i].len : 0;

    if (clen == 0) {
        pm_buf_adds(msg, "no category");
        return -1;
    }
    if (!p->versioned && !(cat = sla_version_find(ver, c, clen))) {
        pm_buf_addf(msg, "unknown category '%s'", c);
        return -1;
    }
    if (read_times(rec, pos, o->tz, t, has, msg) != 0) return -1;
    if (p->versioned) {
        char d[16], f[16];
        pm_day day = pm_tz_day(o->tz, t[SLA_IN_CREATED]);
        ver = sla_policy_version(p, day);
        if (!ver) {
            pm_day_format(day, d);
            pm_day_format(p->ver[0].from, f);
            pm_buf_addf(msg, "no policy version in force on %s (the first is effective from %s)", d, f);
            return -1;
        }
        if (!(cat = sla_version_find(ver, c, clen))) {
            pm_day_format(ver->from, f);
            pm_buf_addf(msg, "unknown category '%s' (policy version effective from %s)", c, f);
            return -1;
        }
    }
    i = pos[SLA_IN_PAUSED];
    if (i >= 0 && rec->f[i].len > 0 && (np = read_pauses(rec, i, o->tz, &pz, msg)) < 0) return -1;

    int first = 1;
    v->worst = SLA_NONE;
    v->used_cal = 0;
    for (int k = 0; k < SLA_NCLOCKS; k++) {
        const sla_clock *ck = &cat->clock[k];
        v->present[k] = ck->present;
        if (!ck->present) continue;
        const sla_pause *mp = NULL;
        size_t nm = 0;
        int done = has[SLA_IN_RESPONDED + k];
        pm_time done_at = t[SLA_IN_RESPONDED + k];
        if (np > 0 && ck->pause) {
            sla_pause *m = pm_record_alloc(rec, (size_t)np * sizeof *m);
            nm = sla_pauses_merge(pz, (size_t)np, t[SLA_IN_CREATED], done, done_at, m);
            mp = m;
        }
        sla_trace tr;
        if (ex) tr.pe = nm ? pm_record_alloc(rec, nm * sizeof *tr.pe) : NULL;
        pm_time due = sla_deadline_paused(ck, t[SLA_IN_CREATED], has[SLA_IN_AGREED], t[SLA_IN_AGREED], mp, nm, o->cal,
                                          o->tz, ex ? &tr : NULL);
        v->used_cal |= ck->within.kind == PM_DUR_WORKDAYS;
        if (due != SLA_NO_DUE && !writable(due, o->tz)) {
            pm_buf_addf(msg, "the %s deadline is after 9999-12-31", sla_clock_name[k]);
            return -1;
        }
        sla_outcome oc;
        oc.completed = done;
        oc.completed_at = done_at;
        oc.now = o->now;
        oc.window = o->window;
        if (done)
            oc.status = done_at <= due ? SLA_MET : SLA_LATE;
        else if (due == SLA_NO_DUE)
            oc.status = SLA_PAUSED;
        else if (o->now > due)
            oc.status = SLA_OVERDUE;
        else if (o->window >= 0 && due - o->now <= o->window)
            oc.status = SLA_AT_RISK;
        else
            oc.status = SLA_OPEN;
        v->due[k] = due;
        v->status[k] = oc.status;
        if (oc.status > v->worst) v->worst = oc.status;
        if (ex) {
            if (!first) {
                pm_buf_adds(ex, " | ");
            } else if (p->versioned) {
                char f[16];
                pm_day_format(ver->from, f);
                pm_buf_addf(ex, "policy version %s: ", f);
            }
            first = 0;
            sla_explain_clock_memo(ex, k, &tr, &oc, o->cal, o->tz, o->memo, &v->due_text[k]);
        }
    }
    return 0;
}
