/* pm-ingest - messy spreadsheet exports in, canonical records out.
 * See pm-ingest(1).  The work is in schema.c and ingest.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "opts.h"
#include "outpath.h"
#include "schema.h"

enum { O_SCHEMA = 1000, O_REJECT, O_KEEP_EXTRA, O_PRINT_SCHEMA, O_PROTECT, O_KEY_FILE, O_PRINT_MAPPING,
       O_HEADER_LINE, O_DATE_ORDER };

typedef struct options {
    const char *schema;
    const char *reject;
    int keep_extra, print_schema, print_mapping;
    int protect;
    const char *key_file;
    long header_line;
    int date_order;
} options;

static const pm_option prog_options[] = {
    {"schema", 's', 1, O_SCHEMA, "FILE", "map columns with this schema (default: the ticket schema)"},
    {"reject", 'r', 1, O_REJECT, "FILE", "write rejected rows here, with _source and _error"},
    {"keep-extra", 'k', 0, O_KEEP_EXTRA, NULL, "append the source columns the schema does not map"},
    {"print-schema", 0, 0, O_PRINT_SCHEMA, NULL, "print the default schema and exit"},
    {"protect", 0, 1, O_PROTECT, "MODE", "mask, pseudonymize or drop the schema's personal fields"},
    {"key-file", 0, 1, O_KEY_FILE, "FILE", "secret key for --protect=pseudonymize"},
    {"print-mapping", 0, 0, O_PRINT_MAPPING, NULL, "show which column feeds which field, convert nothing"},
    {"header-line", 0, 1, O_HEADER_LINE, "N", "the header is line N (default: the first line that maps the required fields)"},
    {"date-order", 0, 1, O_DATE_ORDER, "ORDER", "read dates with the year last (12/6/2026) as mdy or dmy"},
    {0},
};

static int on_option(int id, const char *arg, void *ctx)
{
    options *o = ctx;
    switch (id) {
    case O_SCHEMA: o->schema = arg; break;
    case O_REJECT: o->reject = arg; break;
    case O_KEEP_EXTRA: o->keep_extra = 1; break;
    case O_PRINT_SCHEMA: o->print_schema = 1; break;
    case O_PROTECT:
        o->protect = pm_protect_mode_parse(arg);
        if (o->protect < 0) pm_usage_error("unknown --protect mode '%s' (mask, pseudonymize or drop)", arg);
        break;
    case O_KEY_FILE: o->key_file = arg; break;
    case O_PRINT_MAPPING: o->print_mapping = 1; break;
    case O_HEADER_LINE: {
        char *end;
        o->header_line = strtol(arg, &end, 10);
        if (*end || o->header_line < 1 || o->header_line > 1000000)
            pm_usage_error("--header-line wants a line number, 1 or more, not '%s'", arg);
        break;
    }
    case O_DATE_ORDER:
        if (!strcmp(arg, "mdy")) o->date_order = PM_DATE_MDY;
        else if (!strcmp(arg, "dmy")) o->date_order = PM_DATE_DMY;
        else if (!strcmp(arg, "ymd")) o->date_order = PM_DATE_YMD;
        else pm_usage_error("unknown --date-order '%s' (mdy or dmy; ymd: only year first)", arg);
        break;
    }
    return 0;
}

/* A CSV row longer than its header: the surplus values go into the reason,
 * so that the reject stream keeps one header and loses nothing.  Under
 * --protect they are protected before they get here (dropped says that
 * --protect=drop emptied them). */
static void fold_surplus(size_t nh, pm_record *rec, pm_buf *why, int dropped)
{
    if (nh == 0 || rec->n <= nh) return;
    if (dropped) {
        size_t n = rec->n - nh;
        pm_buf_addf(why, "; %zu surplus value%s, not kept (--protect=drop)", n, n == 1 ? "" : "s");
        rec->n = nh;
        return;
    }
    pm_buf_adds(why, "; the surplus values:");
    for (size_t i = nh; i < rec->n; i++) {
        pm_buf_addc(why, ' ');
        pm_csv_quote(why, rec->f[i].value, rec->f[i].len, ',');
    }
    rec->n = nh;
}

static void progress(unsigned long long n, int done)
{
    if (done) fputs("\r\033[K", stderr);
    else fprintf(stderr, "\r%s: %llu rows read...", pm_progname(), n);
}

typedef struct counts {
    unsigned long long read, written, rejected;
    int show_progress;
} counts;

typedef struct row_ctx {
    ingest *ing;
    pm_writer *out, *rej;
    counts *n;
    const pm_protector *prot;
    pm_reader *rd;
    pm_error *err;
} row_ctx;

/* One row: written, skipped or rejected (bad: the reader's reason when it
 * could not read the row as it should, at line).  1 on a write error. */
static int handle_row(row_ctx *x, pm_record *rec, const char *bad, long line)
{
    ingest *ing = x->ing;
    char where[600];
    x->n->read++;
    if (x->n->show_progress && x->n->read % 100000 == 0) progress(x->n->read, 0);
    const char *why = NULL;
    if (bad) {
        /* a blank or totals row is not data however it was read (but a
         * misaligned row may have its values under unmapped columns) */
        const char *skip = ingest_skip_reason(ing, rec);
        if (skip && strcmp(skip, INGEST_SKIP_UNMAPPED) && ingest_width_mismatch(bad)) {
            ing->skipped++;
            return 0;
        }
        why = bad;
    } else {
        int r = ingest_row(ing, rec);
        if (r == INGEST_SKIPPED) return 0;
        if (r == INGEST_REJECTED) why = pm_buf_str(&ing->errs);
    }
    if (!why) {
        if (pm_writer_write(x->out, &ing->out, x->err) < 0) return 1;
        x->n->written++;
        return 0;
    }
    x->n->rejected++;
    if (bad) {
        /* the reader knows where a bad record starts, even one it could
         * not read at all (an unterminated quote) */
        char *msg = pm_xstrdup(bad);
        rec->source = pm_reader_name(x->rd);
        rec->line = line;
        pm_buf_reset(&ing->errs);
        pm_buf_adds(&ing->errs, msg);
        free(msg);
        /* its columns cannot be trusted: every value is protected */
        ingest_protect_source(ing, rec, 1);
        size_t nh = 0;
        pm_reader_header(x->rd, &nh);
        fold_surplus(ingest_header_width(ing, nh), rec, &ing->errs, x->prot->mode == PM_PROTECT_DROP);
        why = pm_buf_str(&ing->errs);
    } else {
        ingest_protect_source(ing, rec, 0);
    }
    pm_warn_at(rec->source, rec->line, "rejected: %s", why);
    if (x->rej) {
        snprintf(where, sizeof where, "%s:%ld", rec->source ? rec->source : "-", rec->line);
        char *msg = pm_xstrdup(why);
        pm_record_set(rec, "_source", where);
        pm_record_set(rec, "_error", msg);
        free(msg);
        if (pm_writer_write(x->rej, rec, x->err) < 0) return 1;
    }
    return 0;
}

/* The rows held while the header was looked for. */
static int release_held(row_ctx *x)
{
    pm_record held;
    const char *bad;
    int fatal = 0;
    pm_record_init(&held);
    while (!fatal && ingest_release(x->ing, &held, &bad)) fatal = handle_row(x, &held, bad, held.line);
    pm_record_free(&held);
    return fatal;
}

int main(int argc, char **argv)
{
    pm_program_init(argc, argv);
    options o = {0};
    pm_common c;
    int first = pm_opts_parse(argc, argv, prog_options, PM_OPT_STREAM, &c, on_option, &o,
                              "pm-ingest [--schema=FILE] [--reject=FILE] [OPTION]... [FILE]...",
                              "Turn spreadsheet exports (CSV, TSV, YAML; UTF-8 or GB18030) into canonical\n"
                              "records; rows that fail the schema go to the reject stream, never lost.");
    if (o.print_schema) {
        fputs(pm_ingest_default_schema, stdout);
        return 0;
    }
    pm_error err;
    const char *outputs[] = {c.output, o.reject};
    if (pm_paths_check(argv + first, argc - first, outputs, 2, &err) < 0) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    schema s;
    if (schema_load(&s, o.schema, &err) < 0) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    pm_protector prot;
    if (pm_protector_init(&prot, (pm_protect_mode)o.protect, o.key_file, &err) < 0) {
        pm_report(&err);
        schema_free(&s);
        return PM_EXIT_ERROR;
    }
    if (prot.key_exposed)
        pm_warn_at(o.key_file, 0, "the key file is readable by group or others; protect it: chmod 600 %s", o.key_file);
    if (prot.mode != PM_PROTECT_NONE) {
        size_t npersonal = 0;
        for (size_t i = 0; i < s.n; i++) npersonal += s.f[i].personal != NULL;
        if (!npersonal)
            pm_warn_at(s.source, 0, "warning: --protect: the schema marks no field 'personal:', so no field "
                       "is protected (only the values of rows that cannot be read are)");
    }
    pm_tz *tz = pm_tz_open(c.tz_name, &err);
    if (!tz) {
        pm_report(&err);
        pm_protector_free(&prot);
        schema_free(&s);
        return PM_EXIT_ERROR;
    }
    c.read.fold_newlines = 1;
    schema_set_date_order(&s, o.date_order);
    /* the inputs one by one (each has its header and its mapping); the
     * first is opened before the output, which takes its format */
    static char *stdin_only[] = {"-"};
    char **paths = argv + first;
    int npaths = argc - first;
    if (npaths <= 0) {
        paths = stdin_only;
        npaths = 1;
    }
    pm_reader *rd0 = NULL;
    int rd0_at = -1;
    for (int i = 0; i < npaths && !rd0; i++) {
        pm_error e0;
        if ((rd0 = pm_reader_open(paths[i], &c.read, &e0))) rd0_at = i;
    }
    pm_format fmt = pm_common_out_format(&c, rd0 ? pm_reader_format(rd0) : PM_FMT_CSV);
    if (fmt == PM_FMT_TSV && c.to == PM_FMT_AUTO) fmt = PM_FMT_CSV;  /* canonical output is CSV */
    pm_writer *out = NULL, *rej = NULL;
    if (!o.print_mapping && !(out = pm_writer_open(c.output, fmt, &err))) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    if (!o.print_mapping && o.reject && !(rej = pm_writer_open(o.reject, fmt, &err))) {
        pm_report(&err);
        pm_writer_close(out, 0, &err);
        return PM_EXIT_ERROR;
    }

    ingest ing;
    ingest_init(&ing, &s, tz, o.keep_extra);
    ingest_set_protector(&ing, &prot);
    ing.print_mapping = o.print_mapping;
    pm_record rec;
    pm_record_init(&rec);
    counts n = {0};
    int errors = 0, fatal = 0, rc;
    pm_error warn;
    n.show_progress = isatty(2) && !o.print_mapping;
    row_ctx x = {&ing, out, rej, &n, &prot, 0, &err};
    for (int i = 0; i < npaths && !fatal; i++) {
        pm_reader *rd = i == rd0_at ? rd0 : pm_reader_open(paths[i], &c.read, &err);
        if (!rd) {
            pm_report(&err);
            errors = 1;
            continue;
        }
        x.rd = rd;
        ingest_begin_input(&ing, pm_reader_name(rd), pm_reader_format(rd) == PM_FMT_YAML, o.header_line);
        while (!fatal && (rc = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
            while (pm_reader_take_warning(rd, &warn)) pm_report(&warn);
            if (rc == PM_READ_FATAL) {
                pm_report(&err);
                errors = 1;
                if (pm_reader_goes_on(rd)) continue;  /* a bad header: its rows follow, to be rejected */
                break;
            }
            const char *bad = rc == PM_READ_BAD ? err.msg : NULL;
            size_t nh = 0;
            const char *const *hn = pm_reader_header(rd, &nh);
            int h = ingest_header(&ing, &rec, &bad, pm_reader_format(rd) == PM_FMT_YAML ? NULL : hn, nh);
            fatal = release_held(&x);
            if (o.print_mapping && ingest_header_known(&ing)) break;
            if (h == INGEST_ROW && !fatal) fatal = handle_row(&x, &rec, bad, rc == PM_READ_BAD ? err.line : rec.line);
        }
        while (pm_reader_take_warning(rd, &warn)) pm_report(&warn);
        size_t nh = 0;
        const char *const *names = pm_reader_header(rd, &nh);
        if (!ingest_header_known(&ing) && ingest_end_input(&ing, names, nh) < 0) {
            pm_warn_at(pm_reader_name(rd), 0, "no data at all; was the export empty?");
            errors = 1;
        }
        if (!fatal) fatal = release_held(&x);
        pm_reader_close(rd);
    }
    if (n.show_progress && n.read >= 100000) progress(n.read, 1);
    if (fatal) pm_report(&err);
    if (out && pm_writer_close(out, !fatal, &err) < 0) { pm_report(&err); fatal = 1; }
    if (rej && pm_writer_close(rej, !fatal, &err) < 0) { pm_report(&err); fatal = 1; }
    if (!o.print_mapping) {
        ingest_report_end(&ing);
        /* N = M + K + S; ", skipped S" only when rows were skipped */
        if (ing.skipped)
            fprintf(stderr, "%s: read %llu, wrote %llu, rejected %llu, skipped %llu\n", pm_progname(), n.read,
                    n.written, n.rejected, ing.skipped);
        else
            fprintf(stderr, "%s: read %llu, wrote %llu, rejected %llu\n", pm_progname(), n.read, n.written,
                    n.rejected);
    }
    int map_errors = ing.map_errors;
    unsigned long long nrejected = n.rejected;

    pm_record_free(&rec);
    ingest_free(&ing);
    schema_free(&s);
    pm_tz_free(tz);
    pm_protector_free(&prot);
    if (fatal || errors || map_errors) return PM_EXIT_ERROR;
    return nrejected ? PM_EXIT_FLAGGED : PM_EXIT_OK;
}
