/* run.c - the stream pass of pm-sla: read a ticket, compute its clocks,
 * append the fields of CONTRACT section 6, write it.
 *
 * Speed matters (a million tickets a night): field positions are looked up
 * once per header shape, each timestamp is parsed once, nothing is allocated
 * per record outside the record's own arena, and --explain costs nothing when
 * it is off (no trace is filled).
 */
#include <stdlib.h>
#include <string.h>
#include "sla.h"

const char *const sla_status_name[] = {"", "met", "open", "paused", "at_risk", "late", "overdue"};
/* strlen of each sla_status_name, so that writing a status costs no strlen */
static const unsigned char status_len[SLA_NSTATUS] = {0, 3, 4, 6, 7, 4, 7};

enum { NOUT = 8 };
static const char *const out_name[NOUT] = {
    "respond_due", "respond_status", "arrive_due", "arrive_status",
    "resolve_due", "resolve_status", "sla_status", "sla_explain"};
enum { OUT_SLA = 6, OUT_EXPLAIN = 7 };

/* Field positions for one header.  They are kept while the records come
 * from the same reader with that reader's CSV header as their names (stable
 * pointers); YAML records, whose names may differ from one record to the
 * next, are looked up afresh each time. */
typedef struct shape {
    const pm_reader *reader;    /* the reader the positions are for, or NULL */
    int gen;                    /* pm_inputs.next when they were found */
    const char *const *header;
    int in[SLA_NIN];
    int out[NOUT];
} shape;

static void shape_update(shape *s, const pm_record *rec, const pm_inputs *in)
{
    size_t i, hn = 0;
    const char *const *hdr = in->cur ? pm_reader_header(in->cur, &hn) : NULL;
    int stable = hdr && hn > 0 && hn == rec->n;
    for (i = 0; stable && i < rec->n; i++)
        stable = rec->f[i].name == hdr[i];
    if (stable && s->reader == in->cur && s->gen == in->next && s->header == hdr)
        return;
    for (i = 0; i < SLA_NIN; i++)
        s->in[i] = pm_record_index(rec, sla_in_name[i]);
    for (i = 0; i < NOUT; i++)
        s->out[i] = pm_record_index(rec, out_name[i]);
    s->reader = stable ? in->cur : NULL;
    s->gen = in->next;
    s->header = stable ? hdr : NULL;
}

static void set_out(pm_record *rec, const shape *s, int k, const char *v, size_t len)
{
    int i = s->out[k];
    if (i >= 0) {
        rec->f[i].value = pm_record_strdup(rec, v, len);
        rec->f[i].len = len;
    } else {
        pm_record_add(rec, out_name[k], v, len);
    }
}

/* The same for a value that lives at least as long as the record (a
 * literal, or memory of the record's arena): no copy. */
static void set_out_static(pm_record *rec, const shape *s, int k, const char *v, size_t len)
{
    int i = s->out[k];
    if (i >= 0) {
        rec->f[i].value = v;
        rec->f[i].len = len;
    } else {
        pm_record_add_owned(rec, out_name[k], v, len);
    }
}

typedef struct counts {
    unsigned long long read, written, invalid, bad;
    unsigned long long by[SLA_NSTATUS];
} counts;

int sla_run(const sla_run_opts *o, pm_inputs *in, pm_writer *w, int *commit_ok)
{
    pm_record rec;
    pm_error err;
    shape s;
    counts n;
    pm_buf msg = PM_BUF_INIT, ex = PM_BUF_INIT;
    int errors = 0, flagged = 0, r;

    pm_record_init(&rec);
    memset(&s, 0, sizeof s);
    memset(&n, 0, sizeof n);
    *commit_ok = 1;
    for (;;) {
        pm_error_clear(&err);
        r = pm_inputs_next(in, &rec, &err);
        if (r == PM_READ_EOF)
            break;
        if (r == PM_READ_FATAL) {
            pm_report(&err);
            errors = 1;
            *commit_ok = 0;
            continue;
        }
        n.read++;
        if (r == PM_READ_BAD) {
            pm_report(&err);
            errors = 1;
            n.bad++;
            continue;
        }
        shape_update(&s, &rec, in);

        sla_verdict v;
        pm_buf_reset(&msg);
        pm_buf_reset(&ex);
        if (sla_ticket_judge(o, &rec, s.in, &v, &msg, o->explain ? &ex : NULL) != 0) {
            /* an invalid ticket needs a person, like a breach (exit 1) */
            pm_warn_at(rec.source, rec.line, "%s", pm_buf_str(&msg));
            flagged = 1;
            n.invalid++;
            for (int k = 0; k < OUT_SLA; k++)
                set_out_static(&rec, &s, k, "", 0);
            set_out_static(&rec, &s, OUT_SLA, "invalid", 7);
            if (o->explain) {
                pm_buf_reset(&ex);
                pm_buf_addf(&ex, "invalid: %s", pm_buf_str(&msg));
                set_out(&rec, &s, OUT_EXPLAIN, ex.s, ex.len);
            } else if (s.out[OUT_EXPLAIN] >= 0) {
                set_out_static(&rec, &s, OUT_EXPLAIN, "", 0);
            }
            if (o->breaches)
                continue;
        } else {
            for (int k = 0; k < SLA_NCLOCKS; k++) {
                if (!v.present[k] || v.due[k] == SLA_NO_DUE) {
                    set_out_static(&rec, &s, 2 * k, "", 0);
                } else {
                    char *b = pm_record_alloc(&rec, PM_TIME_BUFSZ);  /* formatted in place */
                    size_t bl = pm_time_format(v.due[k], o->tz, b);
                    set_out_static(&rec, &s, 2 * k, b, bl);
                }
                sla_status st = v.present[k] ? v.status[k] : SLA_NONE;
                set_out_static(&rec, &s, 2 * k + 1, sla_status_name[st], status_len[st]);
            }
            if (v.used_cal) {
                int year;
                while (pm_calendar_take_missing_year(o->cal, &year))
                    pm_warn("calendar %s has no holiday data for %d; counting weekends only",
                            pm_calendar_name(o->cal), year);
            }
            set_out_static(&rec, &s, OUT_SLA, sla_status_name[v.worst], status_len[v.worst]);
            if (o->explain)
                set_out(&rec, &s, OUT_EXPLAIN, pm_buf_str(&ex), ex.len);
            else if (s.out[OUT_EXPLAIN] >= 0)  /* an earlier run's: no longer true */
                set_out_static(&rec, &s, OUT_EXPLAIN, "", 0);
            n.by[v.worst]++;
            if (v.worst == SLA_LATE || v.worst == SLA_OVERDUE)
                flagged = 1;
            else if (o->breaches)
                continue;
        }
        if (pm_writer_write(w, &rec, &err) != 0) {
            pm_report(&err);
            errors = 1;
            *commit_ok = 0;
            break;
        }
        n.written++;
    }
    if (in->had_error) {  /* e.g. the first input could not be opened */
        errors = 1;
        *commit_ok = 0;
    }
    if (o->stats)
        pm_warn("read %llu, wrote %llu; met %llu, open %llu, paused %llu, at_risk %llu, late %llu, "
                "overdue %llu, no clock %llu, invalid %llu",
                n.read, n.written, n.by[SLA_MET], n.by[SLA_OPEN], n.by[SLA_PAUSED], n.by[SLA_AT_RISK],
                n.by[SLA_LATE], n.by[SLA_OVERDUE], n.by[SLA_NONE], n.invalid + n.bad);
    pm_record_free(&rec);
    pm_buf_free(&msg);
    pm_buf_free(&ex);
    return errors ? PM_EXIT_ERROR : flagged ? PM_EXIT_FLAGGED : PM_EXIT_OK;
}
