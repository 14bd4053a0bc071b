/* inputs.c - pm_reader's public functions, the queue of records read
 * ahead, warnings, and iteration over the inputs of a command line. */
#include "reader_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Raw text and warnings ------------------------------------------------------ */

/* Queues a warning (the first WARN_MAX per input; then they are counted). */
void pmr_warn(pm_reader *rd, long line, const char *msg)
{
    rd->nwarn++;
    if (rd->nwarn > WARN_MAX) return;
    if (rd->wlen == rd->wcap) {
        rd->wcap = rd->wcap ? rd->wcap * 2 : 4;
        rd->warn = pm_xrealloc(rd->warn, rd->wcap * sizeof *rd->warn);
    }
    pm_error_set(&rd->warn[rd->wlen++], rd->name, line, "warning: %s", msg);
}

int pm_reader_take_warning(pm_reader *rd, pm_error *w)
{
    if (rd->whead < rd->wlen) {
        *w = rd->warn[rd->whead++];
        if (rd->whead == rd->wlen) rd->whead = rd->wlen = 0;
        return 1;
    }
    if (rd->finished && rd->nwarn > WARN_MAX && !rd->wsummary) {
        rd->wsummary = 1;
        pm_error_set(w, rd->name, 0, "warning: %lu more warnings not shown (%lu in all)", rd->nwarn - WARN_MAX,
                     rd->nwarn);
        return 1;
    }
    return 0;
}

const char *pm_reader_raw(const pm_reader *rd, size_t *len)
{
    if (len) *len = rd->rawout.len;
    return rd->rawout.s ? rd->rawout.s : "";
}

pm_record *pmr_queue_slot(pm_reader *rd)
{
    if (rd->qhead + rd->qlen == rd->qcap) {
        if (rd->qhead > 0) {
            /* rotate the finished slots to the end for reuse */
            pending tmp;
            for (size_t k = 0; k < rd->qhead; k++) {
                tmp = rd->q[0];
                memmove(rd->q, rd->q + 1, (rd->qcap - 1) * sizeof *rd->q);
                rd->q[rd->qcap - 1] = tmp;
            }
            rd->qhead = 0;
        } else {
            size_t cap = rd->qcap ? rd->qcap * 2 : 4;
            rd->q = pm_xrealloc(rd->q, cap * sizeof *rd->q);
            for (size_t k = rd->qcap; k < cap; k++) {
                pm_record_init(&rd->q[k].rec);
                pm_buf_init(&rd->q[k].raw);
            }
            rd->qcap = cap;
        }
    }
    return &rd->q[rd->qhead + rd->qlen].rec;
}

void pmr_fold_newlines(char *v, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < *len; i++) {
        char c = v[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < *len && v[i + 1] == '\n') i++;
            v[o++] = ' ';
        } else {
            v[o++] = c;
        }
    }
    v[o] = 0;
    *len = o;
}

int pmr_queue_pop(pm_reader *rd, pm_record *rec, pm_error *err)
{
    pending *p = &rd->q[rd->qhead];
    pm_record tmp = *rec;
    *rec = p->rec;
    p->rec = tmp;
    pm_record_clear(&p->rec);
    rd->qhead++;
    rd->qlen--;
    if (rd->qlen == 0) rd->qhead = 0;
    if (p->bad) {
        pm_buf t = rd->rawout;
        rd->rawout = p->raw;
        p->raw = t;
        pm_buf_reset(&p->raw);
        if (p->bad == 2) {
            pm_error_set(err, rd->name, rec->line, "%s", p->msg);
            rd->fatal_goes_on = 1;
            return PM_READ_FATAL;
        }
        pm_error_set(err, rd->name, rec->line, "%s", p->msg);
        return PM_READ_BAD;
    }
    return PM_READ_OK;
}

/* Public ------------------------------------------------------------------- */

int pm_format_parse(const char *name)
{
    if (!name) return -1;
    if (!strcasecmp(name, "csv")) return PM_FMT_CSV;
    if (!strcasecmp(name, "tsv")) return PM_FMT_TSV;
    if (!strcasecmp(name, "yaml") || !strcasecmp(name, "yml")) return PM_FMT_YAML;
    if (!strcasecmp(name, "auto")) return PM_FMT_AUTO;
    return -1;
}

const char *pm_format_name(pm_format f)
{
    switch (f) {
    case PM_FMT_CSV: return "csv";
    case PM_FMT_TSV: return "tsv";
    case PM_FMT_YAML: return "yaml";
    default: return "auto";
    }
}

pm_reader *pm_reader_open(const char *path, const pm_read_opts *opts, pm_error *err)
{
    pm_reader *rd = pm_xcalloc(1, sizeof *rd);
    rd->cd = (iconv_t)-1;
    if (opts) rd->opts = *opts;
    if (!rd->opts.max_field) rd->opts.max_field = PM_DEFAULT_MAX_FIELD;
    rd->line = 1;
    rd->flow_prev = '\n';
    if (!path || !strcmp(path, "-")) {
        rd->fd = 0;
        rd->name = pm_xstrdup("-");
    } else {
        rd->fd = open(path, O_RDONLY | O_CLOEXEC);
        rd->name = pm_xstrdup(path);
        if (rd->fd < 0) {
            pm_error_set(err, path, 0, "cannot open: %s", strerror(errno));
            free(rd->name);
            free(rd);
            return NULL;
        }
        rd->owns_fd = 1;
    }
    rd->raw = pm_xmalloc(CHUNK);
    if (pmr_src_start(rd, err) < 0) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", rd->name);
        pm_reader_close(rd);
        return NULL;
    }
    rd->format = rd->opts.format;
    if (rd->format == PM_FMT_AUTO) {
        size_t n = rd->declen - rd->decpos;
        rd->format = pmr_detect_format(rd->dec + rd->decpos, n > 4096 ? 4096 : n);
        if (rd->format == PM_FMT_CSV && rd->opts.delimiter == '\t') rd->format = PM_FMT_TSV;
    }
    if (rd->opts.byte_range && pmr_src_range(rd, err) < 0) {
        pm_reader_close(rd);
        return NULL;
    }
    return rd;
}

int pm_reader_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    pm_record_clear(rec);
    pm_error_clear(err);
    pm_buf_reset(&rd->rawout);
    rd->fatal_goes_on = 0;
    if (rd->format == PM_FMT_YAML) {
        int st = pmr_yaml_next(rd, rec, err);
        if (st == PM_READ_BAD && rd->flow_dropped) {
            /* the nesting that was left out made this record bad */
            rd->flow_dropped = 0;
            pm_error_set(err, rd->name, rec->line,
                         "collections nested deeper than %d levels (the deeper part is not read)", YAML_MAX_FLOW);
        }
        if (st == PM_READ_FATAL && rd->range_refused) *err = rd->range_err;
        return st;
    }
    return pmr_csv_next(rd, rec, err);
}

pm_format pm_reader_format(const pm_reader *rd)
{
    return rd->format;
}
int pm_reader_goes_on(const pm_reader *rd)
{
    return rd->fatal_goes_on;
}
const char *pm_reader_name(const pm_reader *rd)
{
    return rd->name;
}

const char *const *pm_reader_header(const pm_reader *rd, size_t *n)
{
    *n = rd->have_header ? rd->nheader : 0;
    return (const char *const *)rd->header;
}

void pm_reader_close(pm_reader *rd)
{
    if (!rd) return;
    if (rd->owns_fd) close(rd->fd);
    pmr_csv_free(rd);
    pmr_yaml_free(rd);
    if (rd->cd != (iconv_t)-1) {
        iconv_close(rd->cd);
        free(rd->dec);
    }
    free(rd->raw);
    for (size_t i = 0; i < rd->nheader; i++) free(rd->header[i]);
    free(rd->header);
    for (size_t i = 0; i < rd->qcap; i++) {
        pm_record_free(&rd->q[i].rec);
        pm_buf_free(&rd->q[i].raw);
    }
    free(rd->q);
    pm_buf_free(&rd->rawout);
    free(rd->warn);
    free(rd->name);
    free(rd);
}

/* Inputs ------------------------------------------------------------------- */

void pm_inputs_init(pm_inputs *in, char **paths, int npaths, const pm_read_opts *opts)
{
    assert(npaths <= 0 || paths);
    memset(in, 0, sizeof *in);
    static char *stdin_only[] = {"-"};
    if (npaths <= 0) {
        paths = stdin_only;
        npaths = 1;
    }
    in->paths = paths;
    in->npaths = npaths;
    if (opts) in->opts = *opts;
    /* --byte-range names bytes of one file: with several, none opens */
    if (in->opts.byte_range && npaths > 1) in->opts.range_start = -1;
}

static int inputs_open_next(pm_inputs *in, pm_error *err)
{
    while (!in->cur && in->next < in->npaths) {
        if (in->peeked && in->next == in->peeked_at) {
            in->cur = in->peeked;
            in->peeked = NULL;
            in->next++;
            in->gen_opened++;
            if (in->on_input) in->on_input(in->cur, 1, in->on_input_ctx);
            break;
        }
        in->cur = pm_reader_open(in->paths[in->next++], &in->opts, err);
        in->gen_opened++;
        if (!in->cur) {
            in->had_error = 1;
            return PM_READ_FATAL;
        }
        if (in->first_format == PM_FMT_AUTO) in->first_format = pm_reader_format(in->cur);
        if (in->on_input) in->on_input(in->cur, 1, in->on_input_ctx);
    }
    return in->cur ? PM_READ_OK : PM_READ_EOF;
}

pm_format pm_inputs_peek_format(pm_inputs *in)
{
    /* Inputs that do not open are passed over here and reported by
     * pm_inputs_next, in order, when it reaches them; the first one that
     * opens is kept open (standard input cannot be opened twice). */
    for (int i = in->next; in->first_format == PM_FMT_AUTO && !in->cur && !in->peeked && i < in->npaths; i++) {
        pm_error err;
        pm_reader *rd = pm_reader_open(in->paths[i], &in->opts, &err);
        if (!rd) continue;
        in->first_format = pm_reader_format(rd);
        in->peeked = rd;
        in->peeked_at = i;
    }
    return in->first_format == PM_FMT_AUTO ? PM_FMT_CSV : in->first_format;
}

/* Closes the current input, keeping its warnings and header count. */
static void inputs_close_cur(pm_inputs *in)
{
    pm_error w;
    in->cur->finished = 1;
    while (pm_reader_take_warning(in->cur, &w)) {
        if (in->wlen == in->wcap) {
            in->wcap = in->wcap ? in->wcap * 2 : 4;
            in->warn = pm_xrealloc(in->warn, in->wcap * sizeof *in->warn);
        }
        in->warn[in->wlen++] = w;
    }
    if (in->on_input) in->on_input(in->cur, 0, in->on_input_ctx);
    in->gen_closed += in->cur->header_gen;
    pm_reader_close(in->cur);
    in->cur = NULL;
}

int pm_inputs_next(pm_inputs *in, pm_record *rec, pm_error *err)
{
    for (;;) {
        int r = inputs_open_next(in, err);
        if (r != PM_READ_OK) return r;
        r = pm_reader_next(in->cur, rec, err);
        if (r == PM_READ_EOF) {
            inputs_close_cur(in);
            continue;
        }
        if (r == PM_READ_FATAL) {
            in->had_error = 1;
            /* a bad header: its rows follow, as bad records */
            if (!in->cur->fatal_goes_on) inputs_close_cur(in);
        }
        return r;
    }
}

void pm_inputs_close(pm_inputs *in)
{
    pm_reader_close(in->cur);
    in->cur = NULL;
    pm_reader_close(in->peeked);
    in->peeked = NULL;
    free(in->warn);
    in->warn = NULL;
    in->whead = in->wlen = in->wcap = 0;
}

unsigned pm_inputs_header_gen(const pm_inputs *in)
{
    return in->gen_opened + in->gen_closed + (in->cur ? in->cur->header_gen : 0);
}

unsigned pm_inputs_record_header(const pm_inputs *in, const pm_record *rec, size_t *hn)
{
    size_t n = 0;
    *hn = 0;
    const char *const *hdr = in->cur ? pm_reader_header(in->cur, &n) : NULL;
    if (in->cur && !n && in->cur->format == PM_FMT_YAML) hdr = pmr_yaml_keys(in->cur, &n);
    *hn = n;
    if (!hdr || n == 0 || rec->n < n) return 0;
    /* every name compared (they are the header's as a rule): their
     * differences gathered, four a step, without a branch for each */
    const pm_field *f = rec->f;
    uintptr_t d0 = 0, d1 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        d0 |= ((uintptr_t)f[i].name ^ (uintptr_t)hdr[i]) | ((uintptr_t)f[i + 1].name ^ (uintptr_t)hdr[i + 1]);
        d1 |= ((uintptr_t)f[i + 2].name ^ (uintptr_t)hdr[i + 2]) | ((uintptr_t)f[i + 3].name ^ (uintptr_t)hdr[i + 3]);
    }
    for (; i < n; i++) d0 |= (uintptr_t)f[i].name ^ (uintptr_t)hdr[i];
    if (d0 | d1) return 0;
    return pm_inputs_header_gen(in) + 1;
}

const char *pm_inputs_raw(const pm_inputs *in, size_t *len)
{
    if (in->cur) return pm_reader_raw(in->cur, len);
    if (len) *len = 0;
    return "";
}

int pm_inputs_take_warning(pm_inputs *in, pm_error *w)
{
    if (in->whead < in->wlen) {
        *w = in->warn[in->whead++];
        if (in->whead == in->wlen) in->whead = in->wlen = 0;
        return 1;
    }
    return in->cur ? pm_reader_take_warning(in->cur, w) : 0;
}

pm_reader *pm_inputs_current(const pm_inputs *in)
{
    return in->cur;
}

void pm_inputs_on_input(pm_inputs *in, void (*fn)(pm_reader *rd, int begin, void *ctx), void *ctx)
{
    in->on_input = fn;
    in->on_input_ctx = ctx;
}

void pm_inputs_skip(pm_inputs *in)
{
    if (in->cur) inputs_close_cur(in);
}
int pm_inputs_failed(const pm_inputs *in)
{
    return in->had_error;
}
pm_format pm_inputs_format(const pm_inputs *in)
{
    return in->first_format;
}
int pm_inputs_index(const pm_inputs *in)
{
    return in->next - 1;
}
