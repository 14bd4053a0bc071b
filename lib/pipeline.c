/* pipeline.c - the record loop every pm program runs (see pipeline.h). */
#include "pipeline.h"

#include <stdarg.h>
#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "reader_int.h" /* pm_inputs, held by the pipeline */
#include "outpath.h"
#include "text.h"

#define MAX_SLOTS 64

struct pm_pipe {
    pm_pipe_spec spec;
    pm_common c;
    pm_inputs in;
    pm_format fmt;
    pm_writer *out, *rej;
    pm_record rec;

    /* field slots: names, and their positions for the header in force */
    const char *slot_name[MAX_SLOTS];
    int slot_idx[MAX_SLOTS]; /* positions for the cached header */
    int rec_idx[MAX_SLOTS];  /* positions in the record at hand */
    int rec_idx_moved;       /* rec_idx differs from slot_idx */
    int nslots, key_slot;
    unsigned hdr_id; /* pm_inputs_record_header of the cached positions; 0: none */

    /* the field names of the last record settle wrote, when they were the
     * reader's header (names_hdr, see pm_inputs_record_header) followed by
     * slot names (see names_as_last) */
    unsigned long long names_at; /* the writer's count after it; 0: none */
    unsigned names_hdr;
    size_t names_hn, names_n;
    const char *names_extra[MAX_SLOTS];
    /* the writer's count after the last pm_pipe_write_same_names; 0: none */
    unsigned long long same_at;

    pm_pipe_counts n;
    int failed, flagged;
    int in_bad;     /* the record at hand could not be read */
    int skip_input; /* pm_pipe_skip_input was called */
    pm_buf reason, raw, where;
};

/* Appends the fields of rec as one CSV line: the raw text of a record the
 * reader could not read, when the reader does not give its own. */
static void raw_from_record(pm_buf *out, const pm_record *rec)
{
    pm_buf line = PM_BUF_INIT;
    for (size_t i = 0; i < rec->n; i++) {
        if (i) pm_buf_addc(&line, ',');
        pm_csv_quote(&line, rec->f[i].value, rec->f[i].len, ',');
    }
    pm_utf8_escape(out, line.s ? line.s : "", line.len);
    pm_buf_free(&line);
}

static void on_input(pm_reader *rd, int begin, void *ctx);

/* Frees p and what it holds, less its writers (closed, or not, by the
 * caller): the one teardown of a pipe, whether it failed to open or ran. */
static void pipe_free(pm_pipe *p)
{
    pm_inputs_close(&p->in);
    pm_record_free(&p->rec);
    pm_buf_free(&p->reason);
    pm_buf_free(&p->raw);
    pm_buf_free(&p->where);
    free(p);
}

pm_pipe *pm_pipe_open(const pm_common *c, char **paths, int npaths, const pm_pipe_spec *spec, pm_error *err)
{
    pm_pipe *p = pm_xcalloc(1, sizeof *p);
    p->spec = *spec;
    p->c = *c;
    if (spec->flags & PM_PIPE_FOLD_NEWLINES) p->c.read.fold_newlines = 1;
    pm_record_init(&p->rec);
    if (!p->spec.reject_path) p->spec.reject_path = c->reject;
    spec = &p->spec;
    p->key_slot = pm_pipe_field(p, spec->key_field ? spec->key_field : "id");

    /* Outputs never destroy inputs: checked before anything is opened. */
    const char *outs[18];
    int nouts = 0;
    if (!(spec->flags & PM_PIPE_NO_OUTPUT) && c->output) outs[nouts++] = c->output;
    if (spec->reject_path) outs[nouts++] = spec->reject_path;
    for (int i = 0; i < spec->nother_outputs && nouts < 18; i++)
        if (spec->other_outputs[i]) outs[nouts++] = spec->other_outputs[i];
    if (pm_paths_check(paths, npaths, outs, nouts, err) != 0) {
        pipe_free(p); /* (its inputs not opened yet: closing them is nothing) */
        return NULL;
    }

    pm_inputs_init(&p->in, paths, npaths, &p->c.read);
    pm_inputs_on_input(&p->in, on_input, p);
    pm_format infmt = pm_inputs_peek_format(&p->in);
    if (infmt == PM_FMT_TSV && (spec->flags & PM_PIPE_TSV_AS_CSV)) infmt = PM_FMT_CSV;
    pm_format fmt = pm_common_out_format(c, infmt);
    p->fmt = fmt;
    if (!(spec->flags & PM_PIPE_NO_OUTPUT)) {
        p->out = pm_writer_open(c->output, fmt, err);
        if (!p->out) goto fail;
    }
    if (spec->reject_path) {
        p->rej = pm_writer_open(spec->reject_path, fmt == PM_FMT_TSV ? PM_FMT_CSV : fmt, err);
        if (!p->rej) goto fail;
    }
    return p;
fail:
    if (p->out) {
        pm_error ignored; /* the error that made us fail is the one to say */
        pm_writer_close(p->out, 0, &ignored);
    }
    pipe_free(p);
    return NULL;
}

size_t pm_fold_surplus(pm_record *rec, size_t width, pm_buf *out)
{
    if (width == 0 || rec->n <= width) return 0;
    for (size_t i = width; i < rec->n; i++) {
        if (i > width) pm_buf_addc(out, ' ');
        pm_csv_quote(out, rec->f[i].value, rec->f[i].len, ',');
    }
    size_t n = rec->n - width;
    rec->n = width;
    return n;
}

size_t pm_pipe_fold_surplus(pm_pipe *p, pm_record *rec, pm_buf *out)
{
    size_t hn = 0;
    const pm_reader *rd = pm_inputs_current(&p->in);
    if (!rd || !pm_reader_header(rd, &hn)) return 0;
    return pm_fold_surplus(rec, hn, out);
}

/* A bad CSV record with fewer fields than the header in force (one the
 * reader rejected whole, such as an unclosed quote, has none) gets the
 * missing ones, empty, so that the stream keeps one header. */
static void pad_to_header(pm_pipe *p, pm_record *rec)
{
    size_t hn = 0;
    const pm_reader *rd = pm_inputs_current(&p->in);
    const char *const *hdr = rd ? pm_reader_header(rd, &hn) : NULL;
    for (size_t i = rec->n; hdr && i < hn; i++) pm_record_add_owned(rec, hdr[i], "", 0);
}

/* Makes every value of a bad record valid UTF-8 without NUL. */
static void escape_values(pm_record *rec)
{
    pm_buf b = PM_BUF_INIT;
    for (size_t i = 0; i < rec->n; i++) {
        pm_field *f = &rec->f[i];
        if (pm_utf8_valid(f->value, f->len) && memchr(f->value, 0, f->len) == NULL) continue;
        pm_buf_reset(&b);
        pm_utf8_escape(&b, f->value, f->len);
        f->value = pm_record_strdup(rec, pm_buf_str(&b), b.len);
        f->len = b.len;
    }
    pm_buf_free(&b);
}

int pm_pipe_field(pm_pipe *p, const char *name)
{
    for (int i = 0; i < p->nslots; i++)
        if (strcmp(p->slot_name[i], name) == 0) return i;
    /* the programs declare a fixed handful of slots at set-up */
    assert(p->nslots < MAX_SLOTS);
    p->slot_name[p->nslots] = name;
    p->hdr_id = 0;
    return p->nslots++;
}

/* pm_inputs_record_header of a record fresh from the reader, which nothing
 * has changed yet: one the CSV reader split from a plain line says which
 * header named it (pm_record.named_by), and its names need no comparing. */
static unsigned fresh_header(pm_pipe *p, const pm_record *rec, size_t *hn)
{
    const pm_reader *rd = p->in.cur;
    if (rd && rec->named_by && rec->named_by == (const char *const *)rd->header && rd->have_header &&
        rec->n == rd->nheader && rec->n) {
        *hn = rec->n;
        return pm_inputs_header_gen(&p->in) + 1;
    }
    return pm_inputs_record_header(&p->in, rec, hn);
}

/* Finds the slots' positions in rec.  CSV records carry their reader's
 * header names (stable pointers), so while the header stays the same the
 * positions found for the first record serve them all; YAML records, whose
 * keys may differ from one record to the next, are looked up afresh. */
static void locate_fields(pm_pipe *p, const pm_record *rec, int fresh)
{
    size_t hn;
    unsigned id = fresh ? fresh_header(p, rec, &hn) : pm_inputs_record_header(&p->in, rec, &hn);
    if (hn != rec->n) id = 0; /* fields added: positions of their own */
    if (!id || id != p->hdr_id) {
        for (int s = 0; s < p->nslots; s++) p->slot_idx[s] = pm_record_index(rec, p->slot_name[s]);
        p->hdr_id = id;
        p->rec_idx_moved = 1;
    }
    /* the record at hand starts from the header's positions (copied only
     * when they changed, or pm_pipe_set_static appended a field) */
    if (p->rec_idx_moved) {
        memcpy(p->rec_idx, p->slot_idx, sizeof p->rec_idx[0] * (size_t)p->nslots);
        p->rec_idx_moved = 0;
    }
}

unsigned pm_pipe_record_header(const pm_pipe *p)
{
    return p->hdr_id; /* locate_fields left the record's there */
}

int pm_pipe_index(pm_pipe *p, const pm_record *rec, int slot)
{
    (void)rec;
    return p->rec_idx[slot];
}

const char *pm_pipe_get(pm_pipe *p, const pm_record *rec, int slot, size_t *len)
{
    int i = p->rec_idx[slot];
    if (i < 0 || (size_t)i >= rec->n) {
        if (len) *len = 0;
        return "";
    }
    if (len) *len = rec->f[i].len;
    return rec->f[i].value;
}

void pm_pipe_set_static(pm_pipe *p, pm_record *rec, int slot, const char *value, size_t len)
{
    int i = p->rec_idx[slot];
    if (i >= 0 && (size_t)i < rec->n) {
        rec->f[i].value = value;
        rec->f[i].len = len;
        return;
    }
    pm_record_add_owned(rec, p->slot_name[slot], value, len);
    p->rec_idx[slot] = (int)rec->n - 1;
    p->rec_idx_moved = 1;
}

void pm_pipe_set(pm_pipe *p, pm_record *rec, int slot, const char *value, size_t len)
{
    pm_pipe_set_static(p, rec, slot, pm_record_strdup(rec, value, len), len);
}

/* Where a record came from, "FILE:LINE" (or "FILE", or "-"). */
static const char *where_of(pm_pipe *p, const pm_record *rec)
{
    pm_buf_reset(&p->where);
    pm_buf_adds(&p->where, rec->source ? rec->source : "-");
    if (rec->line > 0) pm_buf_addf(&p->where, ":%ld", pm_line_shown(rec->line));
    return pm_buf_str(&p->where);
}

void pm_pipe_warn(pm_pipe *p, const pm_record *rec, const char *fmt, ...)
{
    pm_buf msg = PM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pm_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    size_t klen = 0;
    const char *key = p->in_bad ? "" : pm_pipe_get(p, rec, p->key_slot, &klen);
    if (klen > 0) pm_text_add_key(&msg, p->spec.key_field ? p->spec.key_field : "id", key, klen);
    pm_warn_at(rec->source ? rec->source : "-", rec->line, "%s", pm_buf_str(&msg));
    pm_buf_free(&msg);
}

void pm_pipe_reason(pm_pipe *p, const char *fmt, ...)
{
    va_list ap;
    pm_buf_reset(&p->reason);
    va_start(ap, fmt);
    pm_buf_vaddf(&p->reason, fmt, ap);
    va_end(ap);
}

const char *pm_pipe_raw(const pm_pipe *p, size_t *len)
{
    if (len) *len = p->raw.len;
    return p->raw.s ? p->raw.s : "";
}

void pm_pipe_set_raw(pm_pipe *p, const char *raw, size_t len)
{
    if (raw == p->raw.s) return;
    pm_buf tmp = PM_BUF_INIT;
    pm_buf_add(&tmp, raw, len);
    pm_buf_free(&p->raw);
    p->raw = tmp;
}

void pm_pipe_error(pm_pipe *p)
{
    p->failed = 1;
}
void pm_pipe_flag(pm_pipe *p)
{
    p->flagged = 1;
}
pm_inputs *pm_pipe_inputs(pm_pipe *p)
{
    return &p->in;
}
pm_format pm_pipe_out_format(const pm_pipe *p)
{
    return p->fmt;
}
pm_writer *pm_pipe_writer(pm_pipe *p)
{
    return p->out;
}
pm_pipe_counts pm_pipe_counts_get(const pm_pipe *p)
{
    return p->n;
}

/* Whether rec's field names are known, by identity, to be those of the
 * record settle wrote last: then the writer need not compare them as text.
 * They are when both are the reader's header in force (the header's own
 * strings: pm_inputs_record_header) followed by the same
 * slot names (which outlive the pipe), and nothing was written in between.
 * 1: the same; 0: not, but rec's names are remembered for the next record;
 * -1: rec's names are not of that kind. */
static int names_as_last(pm_pipe *p, const pm_record *rec)
{
    size_t hn;
    unsigned id = pm_inputs_record_header(&p->in, rec, &hn);
    int same = p->names_at && p->names_at == pm_writer_count(p->out) && p->names_hdr == id && p->names_hn == hn &&
               p->names_n == rec->n;
    p->names_at = 0;
    if (!id || rec->n - hn > MAX_SLOTS) return -1;
    for (size_t i = hn; i < rec->n; i++) {
        const char *nm = rec->f[i].name;
        if (same && nm == p->names_extra[i - hn]) continue;
        same = 0;
        int s = 0;
        while (s < p->nslots && p->slot_name[s] != nm) s++;
        if (s == p->nslots) return -1;
        p->names_extra[i - hn] = nm;
    }
    p->names_hdr = id;
    p->names_hn = hn;
    p->names_n = rec->n;
    return same;
}

/* pm_pipe_write for settle: the names compared by identity when it can. */
static void write_settled(pm_pipe *p, const pm_record *rec)
{
    pm_error err;
    int known = names_as_last(p, rec);
    int rc = known == 1 ? pm_writer_write_same_names(p->out, rec, &err) : pm_writer_write(p->out, rec, &err);
    if (rc != 0) {
        pm_report(&err);
        p->failed = 2; /* a write error: stop */
        return;
    }
    p->n.written++;
    if (known >= 0) p->names_at = pm_writer_count(p->out);
}

/* pm_pipe_write, and pm_pipe_write_same_names when same_names. */
static int write_output(pm_pipe *p, const pm_record *rec, int same_names, uint64_t plain)
{
    pm_error err;
    if (!p->out) return 0;
    /* the names are known only while nothing else was written in between */
    int known = same_names && p->same_at && p->same_at == pm_writer_count(p->out);
    if (pm_writer_write_known(p->out, rec, known, plain, &err) != 0) {
        pm_report(&err);
        p->failed = 2; /* a write error: stop */
        return -1;
    }
    p->n.written++;
    if (same_names) p->same_at = pm_writer_count(p->out);
    return 0;
}

int pm_pipe_write(pm_pipe *p, const pm_record *rec)
{
    return write_output(p, rec, 0, 0);
}

int pm_pipe_write_same_names(pm_pipe *p, const pm_record *rec, uint64_t plain)
{
    return write_output(p, rec, 1, plain);
}

int pm_pipe_write_reject(pm_pipe *p, pm_record *rec, const char *why)
{
    pm_error err;
    if (!p->rej) return 0;
    /* the names of the added fields outlive the record: literals */
    const char *where = where_of(p, rec);
    pm_record_set_copy(rec, "_source", where, p->where.len);
    pm_record_set_copy(rec, "_error", why, strlen(why));
    if (p->in_bad)
        pm_record_set_copy(rec, "_raw", pm_pipe_raw(p, NULL), p->raw.len);
    else if (p->spec.flags & PM_PIPE_REJECT_RAW)
        pm_record_set_copy(rec, "_raw", "", 0);
    if (pm_writer_write(p->rej, rec, &err) != 0) {
        pm_report(&err);
        p->failed = 2;
        return -1;
    }
    return 0;
}

/* Applies the verdict for the record at hand. */
static void settle(pm_pipe *p, pm_record *rec, pm_verdict v)
{
    switch (v) {
    case PM_PASS_FLAGGED:
        p->n.flagged++;
        /* fall through */
    case PM_PASS:
        p->n.passed++;
        if (p->out && !(p->spec.flags & PM_PIPE_NO_OUTPUT)) write_settled(p, rec);
        break;
    case PM_HOLD_FLAGGED:
        p->n.flagged++;
        /* fall through */
    case PM_HOLD: p->n.passed++; break;
    case PM_SKIP: p->n.skipped++; break;
    case PM_REJECT: {
        p->n.rejected++;
        char *why = pm_xstrdup(p->reason.len ? pm_buf_str(&p->reason) : "rejected");
        if (!(p->spec.flags & PM_PIPE_QUIET_REJECTS)) pm_pipe_warn(p, rec, "rejected: %s", why);
        pm_pipe_write_reject(p, rec, why);
        free(why);
        break;
    }
    case PM_FAIL:
        p->n.passed++; /* read, and the program took it; the run stops */
        p->failed = 2;
        break;
    case PM_NOT_RECORD:
    case PM_DEFER:
        p->n.read--; /* counted when settled, or never */
        break;
    }
}

void pm_pipe_settle(pm_pipe *p, pm_record *rec, const char *raw, size_t rawlen, pm_verdict v)
{
    if (v == PM_NOT_RECORD || v == PM_DEFER) return;
    int was_bad = p->in_bad;
    pm_buf keep = p->raw;
    pm_buf_init(&p->raw);
    if (raw) {
        pm_buf_add(&p->raw, raw, rawlen);
        p->in_bad = 1;
    } else {
        p->in_bad = 0;
    }
    p->n.read++;
    settle(p, rec, v);
    pm_buf_free(&p->raw);
    p->raw = keep;
    p->in_bad = was_bad;
    pm_buf_reset(&p->reason);
}

void pm_pipe_skip_input(pm_pipe *p)
{
    p->skip_input = 1;
}

/* pm_inputs' report of an input that begins or ends. */
static void on_input(pm_reader *rd, int begin, void *ctx)
{
    pm_pipe *p = ctx;
    if (begin) {
        if (p->spec.begin_input) p->spec.begin_input(p, rd, p->spec.ctx);
        return;
    }
    if (!p->spec.end_input || p->failed == 2) return;
    /* its warnings first, as they came before its end */
    pm_error w;
    while (pm_inputs_take_warning(&p->in, &w)) pm_report(&w);
    p->spec.end_input(p, rd, p->spec.ctx);
}

int pm_pipe_run(pm_pipe *p)
{
    pm_error err;
    for (;;) {
        pm_error_clear(&err);
        int r = pm_inputs_next(&p->in, &p->rec, &err);
        pm_error w;
        while (pm_inputs_take_warning(&p->in, &w)) pm_report(&w);
        if (r == PM_READ_EOF) break;
        if (r == PM_READ_FATAL) { /* an input that cannot be read (further) */
            pm_report(&err);
            p->failed = p->failed ? p->failed : 1;
            continue;
        }
        p->n.read++;
        pm_buf_reset(&p->reason);
        pm_verdict v;
        if (r == PM_READ_BAD) {
            p->in_bad = 1;
            /* the reader knows where a bad record starts */
            if (!p->rec.source) p->rec.source = pm_reader_name(pm_inputs_current(&p->in));
            if (err.line > 0) p->rec.line = err.line;
            pm_buf_reset(&p->raw);
            size_t rawlen = 0;
            const char *raw = pm_inputs_raw(&p->in, &rawlen);
            if (raw)
                pm_buf_add(&p->raw, raw, rawlen);
            else
                raw_from_record(&p->raw, &p->rec);
            escape_values(&p->rec);
            pad_to_header(p, &p->rec);
            locate_fields(p, &p->rec, 0);
            if (p->spec.bad) {
                v = p->spec.bad(p, &p->rec, err.msg, p->spec.ctx);
            } else {
                pm_pipe_reason(p, "%s", err.msg);
                v = PM_REJECT;
            }
            settle(p, &p->rec, v);
            p->in_bad = 0;
        } else {
            locate_fields(p, &p->rec, 1); /* as read */
            v = p->spec.record(p, &p->rec, p->spec.ctx);
            settle(p, &p->rec, v);
        }
        if (p->skip_input) {
            p->skip_input = 0;
            pm_inputs_skip(&p->in);
        }
        if (p->failed == 2) break;
    }
    if (pm_inputs_failed(&p->in) && !p->failed) p->failed = 1;
    if (p->failed) return PM_EXIT_ERROR;
    return p->flagged || p->n.flagged || p->n.rejected ? PM_EXIT_FLAGGED : PM_EXIT_OK;
}

void pm_pipe_stats_line(const pm_pipe *p, pm_buf *out)
{
    pm_buf_addf(out, "read %llu, passed %llu, rejected %llu, skipped %llu, flagged %llu, wrote %llu", p->n.read,
                p->n.passed, p->n.rejected, p->n.skipped, p->n.flagged, p->n.written);
    if (p->spec.stats) {
        size_t at = out->len;
        pm_buf_adds(out, "; ");
        size_t mark = out->len;
        p->spec.stats(out, p->spec.ctx);
        if (out->len == mark) { /* nothing added */
            out->len = at;
            out->s[at] = '\0';
        }
    }
}

int pm_pipe_finish(pm_pipe *p, int status)
{
    pm_error err;
    if (p->failed && status < PM_EXIT_ERROR) status = PM_EXIT_ERROR;
    if (p->c.stats) {
        pm_buf b = PM_BUF_INIT;
        pm_pipe_stats_line(p, &b);
        pm_warn("%s", pm_buf_str(&b));
        pm_buf_free(&b);
    }
    int commit = status < PM_EXIT_ERROR || ((p->spec.flags & PM_PIPE_COMMIT_INCOMPLETE) && p->failed != 2);
    if (p->out && pm_writer_close(p->out, commit, &err) != 0) {
        if (commit) pm_report(&err);
        status = PM_EXIT_ERROR;
        commit = 0;
    }
    if (p->rej && pm_writer_close(p->rej, commit, &err) != 0) {
        if (commit) pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    pipe_free(p);
    return status;
}
