/* run.c - the stream pass of pm-sla: read a ticket, compute its clocks,
 * append the fields of docs/CONTRACT.md section 6, write it.
 *
 * Speed matters (a million tickets a night): field positions are looked up
 * once per header shape, each timestamp is parsed once, nothing is allocated
 * per record outside the record's own arena, and --explain costs nothing when
 * it is off (no trace is filled).
 */
#include <stdlib.h>
#include <string.h>
#include "sla.h"

const char *const sla_status_name[] = {"", "met", "open", "at_risk", "late", "overdue"};

enum { IN_CATEGORY = 0, IN_CREATED, IN_RESPONDED, IN_ARRIVED, IN_RESOLVED, IN_AGREED, NIN };
static const char *const in_name[NIN] = {
    "category", "created_at", "responded_at", "arrived_at", "resolved_at", "agreed_due_at"};

enum { NOUT = 8 };
static const char *const out_name[NOUT] = {
    "respond_due", "respond_status", "arrive_due", "arrive_status",
    "resolve_due", "resolve_status", "sla_status", "sla_explain"};
enum { OUT_SLA = 6, OUT_EXPLAIN = 7 };

/* The pipeline's field slots for this run's inputs and outputs. */
typedef struct shape {
    int in[NIN];
    int out[NOUT];
} shape;

static void set_out(pm_pipe *p, pm_record *rec, const shape *s, int k, const char *v, size_t len)
{
    pm_pipe_set(p, rec, s->out[k], v, len);
}

/* The same for a value that lives at least as long as the record (a
 * literal, or memory of the record's arena): no copy. */
static void set_out_static(pm_pipe *p, pm_record *rec, const shape *s, int k, const char *v, size_t len)
{
    pm_pipe_set_static(p, rec, s->out[k], v, len);
}

typedef struct counts {
    unsigned long long invalid;
    unsigned long long by[6];
} counts;

/* Everything one run needs, the pipeline's record function's context. */
typedef struct run {
    const sla_run_opts *o;
    shape s;
    counts n;
    pm_buf msg, ex;
} run;

/* Checks the ticket and parses its timestamps; returns 0, or -1 with msg. */
static int check(pm_pipe *p, const pm_record *rec, const shape *s, const sla_run_opts *o,
                 const sla_category **cat, pm_time t[NIN], int has[NIN], pm_buf *msg)
{
    pm_error e;
    size_t clen;
    const char *c = pm_pipe_get(p, rec, s->in[IN_CATEGORY], &clen);

    if (clen == 0) {
        pm_buf_adds(msg, "no category");
        return -1;
    }
    *cat = sla_policy_find(o->policy, c, clen);
    if (!*cat) {
        pm_buf_addf(msg, "unknown category '%s'", c);
        return -1;
    }
    for (int k = IN_CREATED; k < NIN; k++) {
        size_t len;
        const char *v = pm_pipe_get(p, rec, s->in[k], &len);
        has[k] = len > 0;
        if (!has[k]) {
            if (k == IN_CREATED) {
                pm_buf_adds(msg, "no created_at");
                return -1;
            }
            continue;
        }
        if (pm_time_parse(v, len, o->tz, &t[k], &e) != 0) {
            pm_buf_addf(msg, "%s: %s", in_name[k], e.msg);
            return -1;
        }
        if (k >= IN_RESPONDED && k <= IN_RESOLVED && t[k] < t[IN_CREATED]) {
            pm_buf_addf(msg, "%s %s is before created_at %s", in_name[k], v,
                        pm_pipe_get(p, rec, s->in[IN_CREATED], NULL));
            return -1;
        }
    }
    return 0;
}

/* Writes an invalid ticket's fields: every clock empty, sla_status=invalid,
 * and the reason in sla_explain under --explain.  Invalid tickets need a
 * person (exit status 1) and are not breaches (--breaches leaves them out). */
static pm_verdict invalid(pm_pipe *p, pm_record *rec, run *r, const char *why)
{
    const sla_run_opts *o = r->o;
    const shape *s = &r->s;
    pm_pipe_warn(p, rec, "%s", why);
    r->n.invalid++;
    for (int k = 0; k < OUT_SLA; k++)
        set_out_static(p, rec, s, k, "", 0);
    set_out_static(p, rec, s, OUT_SLA, "invalid", 7);
    if (o->explain) {
        pm_buf_reset(&r->ex);
        pm_buf_addf(&r->ex, "invalid: %s", why);
        set_out(p, rec, s, OUT_EXPLAIN, r->ex.s, r->ex.len);
    } else if (pm_pipe_index(p, rec, s->out[OUT_EXPLAIN]) >= 0) {
        set_out_static(p, rec, s, OUT_EXPLAIN, "", 0);
    }
    return o->breaches ? PM_HOLD_FLAGGED : PM_PASS_FLAGGED;
}

/* A record the reader could not read: written invalid with what could be
 * read of it. */
static pm_verdict on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    run *r = ctx;
    pm_buf surplus = PM_BUF_INIT;
    size_t n = pm_pipe_fold_surplus(p, rec, &surplus);
    pm_buf_reset(&r->msg);
    pm_buf_adds(&r->msg, why);
    if (n)
        pm_buf_addf(&r->msg, "; the surplus value%s: %s", n == 1 ? "" : "s", pm_buf_str(&surplus));
    pm_buf_free(&surplus);
    return invalid(p, rec, r, pm_buf_str(&r->msg));
}

static pm_verdict on_ticket(pm_pipe *p, pm_record *rec, void *ctx)
{
    run *r = ctx;
    const sla_run_opts *o = r->o;
    const shape *s = &r->s;
    const sla_category *cat = NULL;
    pm_time t[NIN] = {0};
    int has[NIN] = {0};
    sla_status worst = SLA_NONE;

    pm_buf_reset(&r->msg);
    if (check(p, rec, s, o, &cat, t, has, &r->msg) != 0)
        return invalid(p, rec, r, pm_buf_str(&r->msg));

    int used_cal = 0;
    if (o->explain)
        pm_buf_reset(&r->ex);
    for (int k = 0; k < SLA_NCLOCKS; k++) {
        const sla_clock *ck = &cat->clock[k];
        if (!ck->present) {
            set_out_static(p, rec, s, 2 * k, "", 0);
            set_out_static(p, rec, s, 2 * k + 1, "", 0);
            continue;
        }
        sla_trace tr;
        pm_time due = sla_deadline(ck, t[IN_CREATED], has[IN_AGREED], t[IN_AGREED],
                                   o->cal, o->tz, o->explain ? &tr : NULL);
        used_cal |= ck->within.kind == PM_DUR_WORKDAYS;
        sla_outcome oc;
        oc.completed = has[IN_RESPONDED + k];
        oc.completed_at = t[IN_RESPONDED + k];
        oc.now = o->now;
        oc.window = o->window;
        if (oc.completed)
            oc.status = oc.completed_at <= due ? SLA_MET : SLA_LATE;
        else if (o->now > due)
            oc.status = SLA_OVERDUE;
        else if (o->window >= 0 && due - o->now <= o->window)
            oc.status = SLA_AT_RISK;
        else
            oc.status = SLA_OPEN;
        if (oc.status > worst)
            worst = oc.status;
        char *b = pm_record_alloc(rec, PM_TIME_BUFSZ);  /* formatted in place */
        size_t bl = pm_time_format(due, o->tz, b);
        set_out_static(p, rec, s, 2 * k, b, bl);
        const char *st = sla_status_name[oc.status];
        set_out_static(p, rec, s, 2 * k + 1, st, strlen(st));
        if (o->explain) {
            if (r->ex.len)
                pm_buf_adds(&r->ex, " | ");
            sla_explain_clock(&r->ex, k, &tr, &oc, o->cal, o->tz);
        }
    }
    if (used_cal) {
        int year;
        while (pm_calendar_take_missing_year(o->cal, &year))
            pm_warn("calendar %s has no holiday data for %d; counting weekends only",
                    pm_calendar_name(o->cal), year);
    }
    const char *st = sla_status_name[worst];
    set_out_static(p, rec, s, OUT_SLA, st, strlen(st));
    if (o->explain)
        set_out(p, rec, s, OUT_EXPLAIN, pm_buf_str(&r->ex), r->ex.len);
    else if (pm_pipe_index(p, rec, s->out[OUT_EXPLAIN]) >= 0)  /* an earlier run's: no longer true */
        set_out_static(p, rec, s, OUT_EXPLAIN, "", 0);
    r->n.by[worst]++;
    if (worst == SLA_LATE || worst == SLA_OVERDUE)
        return PM_PASS_FLAGGED;
    return o->breaches ? PM_HOLD : PM_PASS;
}

static void stats(pm_buf *out, void *ctx)
{
    const run *r = ctx;
    pm_buf_addf(out, "met %llu, open %llu, at_risk %llu, late %llu, overdue %llu, no clock %llu, invalid %llu",
                r->n.by[SLA_MET], r->n.by[SLA_OPEN], r->n.by[SLA_AT_RISK], r->n.by[SLA_LATE],
                r->n.by[SLA_OVERDUE], r->n.by[SLA_NONE], r->n.invalid);
}

int sla_run(const sla_run_opts *o, const pm_common *c, char **paths, int npaths)
{
    run r;
    pm_error err;
    memset(&r, 0, sizeof r);
    r.o = o;
    pm_pipe_spec spec = {.record = on_ticket, .bad = on_bad, .stats = stats, .ctx = &r};
    pm_pipe *p = pm_pipe_open(c, paths, npaths, &spec, &err);
    if (!p) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    for (int i = 0; i < NIN; i++)
        r.s.in[i] = pm_pipe_field(p, in_name[i]);
    for (int i = 0; i < NOUT; i++)
        r.s.out[i] = pm_pipe_field(p, out_name[i]);
    int status = pm_pipe_finish(p, pm_pipe_run(p));
    pm_buf_free(&r.msg);
    pm_buf_free(&r.ex);
    return status;
}
