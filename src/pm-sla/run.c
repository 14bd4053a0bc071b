/* run.c - the stream pass of pm-sla on the shared pipeline (lib/pipeline.h):
 * each ticket is judged (ticket.c) and written with the fields of
 * docs/CONTRACT.md section 6 appended; a ticket that is invalid, or a record
 * the reader could not read, is written with sla_status=invalid.
 *
 * Speed matters (a million tickets a night): field positions come from the
 * pipeline's slots (found once per header), each timestamp is parsed once,
 * nothing is allocated per record outside the record's own arena, and
 * --explain costs nothing when it is off (no trace is filled).
 */
#include <stdlib.h>
#include <string.h>
#include "sla.h"

const char *const sla_status_name[] = {"", "met", "open", "paused", "at_risk", "late", "overdue"};
/* strlen of each sla_status_name, so that writing a status costs no strlen */
static const unsigned char status_len[SLA_NSTATUS] = {0, 3, 4, 6, 7, 4, 7};

enum { NOUT = 8 };
static const char *const out_name[NOUT] = {"respond_due", "respond_status", "arrive_due", "arrive_status",
                                           "resolve_due", "resolve_status", "sla_status", "sla_explain"};
enum { OUT_SLA = 6, OUT_EXPLAIN = 7 };

/* Everything one run needs: the pipeline's record function's context. */
typedef struct run {
    const sla_run_opts *o;
    int in[SLA_NIN]; /* pipeline slots of the fields a ticket is judged by */
    int out[NOUT];   /* and of the fields written */
    unsigned long long invalid;
    unsigned long long by[SLA_NSTATUS];
    pm_buf msg, ex;
    pm_time_fmt tf; /* the dues' instants */
} run;

static void set_out(pm_pipe *p, pm_record *rec, const run *r, int k, const char *v, size_t len)
{
    pm_pipe_set(p, rec, r->out[k], v, len);
}

/* The same for a value that lives at least as long as the record (a
 * literal, or memory of the record's arena): no copy. */
static void set_out_static(pm_pipe *p, pm_record *rec, const run *r, int k, const char *v, size_t len)
{
    pm_pipe_set_static(p, rec, r->out[k], v, len);
}

/* Writes an invalid ticket's fields: every clock empty, sla_status=invalid,
 * and the reason in sla_explain under --explain.  Invalid tickets need a
 * person (exit status 1) and are not breaches (--breaches leaves them out). */
static pm_verdict invalid(pm_pipe *p, pm_record *rec, run *r, const char *why)
{
    const sla_run_opts *o = r->o;
    pm_pipe_warn(p, rec, "%s", why);
    r->invalid++;
    for (int k = 0; k < OUT_SLA; k++) set_out_static(p, rec, r, k, "", 0);
    set_out_static(p, rec, r, OUT_SLA, "invalid", 7);
    if (o->explain) {
        pm_buf_reset(&r->ex);
        pm_buf_addf(&r->ex, "invalid: %s", why);
        set_out(p, rec, r, OUT_EXPLAIN, r->ex.s, r->ex.len);
    } else if (pm_pipe_index(p, rec, r->out[OUT_EXPLAIN]) >= 0) {
        set_out_static(p, rec, r, OUT_EXPLAIN, "", 0);
    }
    return o->breaches ? PM_HOLD_FLAGGED : PM_PASS_FLAGGED;
}

/* A record the reader could not read: written invalid with what could be
 * read of it; surplus values of a row longer than its header go into the
 * reason, so the stream keeps one header. */
static pm_verdict on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    run *r = ctx;
    pm_buf surplus = PM_BUF_INIT;
    size_t n = pm_pipe_fold_surplus(p, rec, &surplus);
    pm_buf_reset(&r->msg);
    pm_buf_adds(&r->msg, why);
    if (n) pm_buf_addf(&r->msg, "; the surplus value%s: %s", n == 1 ? "" : "s", pm_buf_str(&surplus));
    pm_buf_free(&surplus);
    return invalid(p, rec, r, pm_buf_str(&r->msg));
}

static pm_verdict on_ticket(pm_pipe *p, pm_record *rec, void *ctx)
{
    run *r = ctx;
    const sla_run_opts *o = r->o;
    int pos[SLA_NIN];
    sla_verdict v;

    for (int k = 0; k < SLA_NIN; k++) pos[k] = pm_pipe_index(p, rec, r->in[k]);
    pm_buf_reset(&r->msg);
    pm_buf_reset(&r->ex);
    if (sla_ticket_judge(o, rec, pos, &v, &r->msg, o->explain ? &r->ex : NULL) != 0)
        return invalid(p, rec, r, pm_buf_str(&r->msg));

    for (int k = 0; k < SLA_NCLOCKS; k++) {
        if (!v.present[k] || v.due[k] == SLA_NO_DUE) {
            set_out_static(p, rec, r, 2 * k, "", 0);
        } else if (o->explain && v.due_text[k].at != SIZE_MAX) { /* the explanation wrote it: that copy */
            set_out_static(p, rec, r, 2 * k, r->ex.s + v.due_text[k].at, v.due_text[k].len);
        } else {
            char *b = pm_record_alloc(rec, PM_TIME_BUFSZ); /* formatted in place */
            size_t bl = pm_time_fmt_write(&r->tf, v.due[k], b);
            set_out_static(p, rec, r, 2 * k, b, bl);
        }
        sla_status st = v.present[k] ? v.status[k] : SLA_NONE;
        set_out_static(p, rec, r, 2 * k + 1, sla_status_name[st], status_len[st]);
    }
    if (v.used_cal) {
        int year;
        while (pm_calendar_take_missing_year(o->cal, &year))
            pm_warn("calendar %s has no holiday data for %d; counting weekends only", pm_calendar_name(o->cal), year);
    }
    set_out_static(p, rec, r, OUT_SLA, sla_status_name[v.worst], status_len[v.worst]);
    if (o->explain) /* r->ex is kept until the next ticket, after this one is written */
        set_out_static(p, rec, r, OUT_EXPLAIN, pm_buf_str(&r->ex), r->ex.len);
    else if (pm_pipe_index(p, rec, r->out[OUT_EXPLAIN]) >= 0) /* an earlier run's: no longer true */
        set_out_static(p, rec, r, OUT_EXPLAIN, "", 0);
    r->by[v.worst]++;
    if (v.worst == SLA_LATE || v.worst == SLA_OVERDUE) return PM_PASS_FLAGGED;
    return o->breaches ? PM_HOLD : PM_PASS;
}

static void stats(pm_buf *out, void *ctx)
{
    const run *r = ctx;
    pm_buf_addf(out,
                "met %llu, open %llu, paused %llu, at_risk %llu, late %llu, overdue %llu, "
                "no clock %llu, invalid %llu",
                r->by[SLA_MET], r->by[SLA_OPEN], r->by[SLA_PAUSED], r->by[SLA_AT_RISK], r->by[SLA_LATE],
                r->by[SLA_OVERDUE], r->by[SLA_NONE], r->invalid);
}

int sla_run(const sla_run_opts *o, const pm_common *c, char **paths, int npaths)
{
    run r;
    pm_error err;
    sla_run_opts ro = *o;
    memset(&r, 0, sizeof r);
    if (ro.explain && !ro.memo) ro.memo = sla_explain_memo_new();
    r.o = &ro;
    r.tf.tz = ro.tz;
    pm_pipe_spec spec = {.record = on_ticket, .bad = on_bad, .stats = stats, .ctx = &r};
    pm_pipe *p = pm_pipe_open(c, paths, npaths, &spec, &err);
    if (!p) {
        pm_report(&err);
        if (ro.memo != o->memo) sla_explain_memo_free(ro.memo);
        return PM_EXIT_ERROR;
    }
    for (int i = 0; i < SLA_NIN; i++) r.in[i] = pm_pipe_field(p, sla_in_name[i]);
    for (int i = 0; i < NOUT; i++) r.out[i] = pm_pipe_field(p, out_name[i]);
    int status = pm_pipe_finish(p, pm_pipe_run(p));
    pm_buf_free(&r.msg);
    pm_buf_free(&r.ex);
    if (ro.memo != o->memo) sla_explain_memo_free(ro.memo);
    return status;
}
