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

enum { O_SCHEMA = 1000, O_REJECT, O_KEEP_EXTRA, O_PRINT_SCHEMA, O_PROTECT, O_KEY_FILE };

typedef struct options {
    const char *schema;
    const char *reject;
    int keep_extra, print_schema;
    int protect;
    const char *key_file;
} options;

static const pm_option prog_options[] = {
    {"schema", 's', 1, O_SCHEMA, "FILE", "map columns with this schema (default: the ticket schema)"},
    {"reject", 'r', 1, O_REJECT, "FILE", "write rejected rows here, with _source and _error"},
    {"keep-extra", 'k', 0, O_KEEP_EXTRA, NULL, "append the source columns the schema does not map"},
    {"print-schema", 0, 0, O_PRINT_SCHEMA, NULL, "print the default schema and exit"},
    {"protect", 0, 1, O_PROTECT, "MODE", "mask, pseudonymize or drop the schema's personal fields"},
    {"key-file", 0, 1, O_KEY_FILE, "FILE", "secret key for --protect=pseudonymize"},
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
    }
    return 0;
}

/* A CSV row longer than its header: the surplus values go into the reason,
 * so that the reject stream keeps one header and loses nothing.  Under
 * --protect they are protected before they get here (dropped says that
 * --protect=drop emptied them). */
static void fold_surplus(pm_inputs *in, pm_record *rec, pm_buf *why, int dropped)
{
    size_t nh = 0;
    if (!in->cur) return;
    pm_reader_header(in->cur, &nh);
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
    pm_inputs in;
    pm_inputs_init(&in, argv + first, argc - first, &c.read);
    pm_format fmt = pm_common_out_format(&c, pm_inputs_peek_format(&in));
    if (fmt == PM_FMT_TSV && c.to == PM_FMT_AUTO) fmt = PM_FMT_CSV;  /* canonical output is CSV */
    pm_writer *out = pm_writer_open(c.output, fmt, &err);
    if (!out) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    pm_writer *rej = NULL;
    if (o.reject && !(rej = pm_writer_open(o.reject, fmt, &err))) {
        pm_report(&err);
        pm_writer_close(out, 0, &err);
        return PM_EXIT_ERROR;
    }

    ingest ing;
    ingest_init(&ing, &s, tz, o.keep_extra);
    ingest_set_protector(&ing, &prot);
    pm_record rec;
    pm_record_init(&rec);
    unsigned long long nread = 0, nwritten = 0, nrejected = 0;
    int errors = 0, fatal = 0, rc;
    int show_progress = isatty(2);
    char where[600];
    while ((rc = pm_inputs_next(&in, &rec, &err)) != PM_READ_EOF) {
        if (rc == PM_READ_FATAL) {
            pm_report(&err);
            errors = 1;
            continue;
        }
        nread++;
        if (show_progress && nread % 100000 == 0) progress(nread, 0);
        const char *why = NULL;
        if (rc == PM_READ_BAD) why = err.msg;
        else if (ingest_row(&ing, &rec) < 0) why = pm_buf_str(&ing.errs);
        if (!why) {
            if (pm_writer_write(out, &ing.out, &err) < 0) { fatal = 1; break; }
            nwritten++;
            continue;
        }
        nrejected++;
        if (rc == PM_READ_BAD) {
            /* the reader knows where a bad record starts, even one it could
             * not read at all (an unterminated quote) */
            rec.source = in.cur ? pm_reader_name(in.cur) : rec.source;
            rec.line = err.line;
            pm_buf_reset(&ing.errs);
            pm_buf_adds(&ing.errs, err.msg);
            /* its columns cannot be trusted: every value is protected */
            ingest_protect_source(&ing, &rec, 1);
            fold_surplus(&in, &rec, &ing.errs, prot.mode == PM_PROTECT_DROP);
            why = pm_buf_str(&ing.errs);
        } else {
            ingest_protect_source(&ing, &rec, 0);
        }
        pm_warn_at(rec.source, rec.line, "rejected: %s", why);
        if (rej) {
            snprintf(where, sizeof where, "%s:%ld", rec.source ? rec.source : "-", rec.line);
            char *msg = pm_xstrdup(why);
            pm_record_set(&rec, "_source", where);
            pm_record_set(&rec, "_error", msg);
            free(msg);
            if (pm_writer_write(rej, &rec, &err) < 0) { fatal = 1; break; }
        }
    }
    if (show_progress && nread >= 100000) progress(nread, 1);
    if (fatal) pm_report(&err);
    if (pm_writer_close(out, !fatal, &err) < 0) { pm_report(&err); fatal = 1; }
    if (rej && pm_writer_close(rej, !fatal, &err) < 0) { pm_report(&err); fatal = 1; }
    fprintf(stderr, "%s: read %llu, wrote %llu, rejected %llu\n", pm_progname(), nread, nwritten, nrejected);

    pm_record_free(&rec);
    pm_inputs_close(&in);
    ingest_free(&ing);
    schema_free(&s);
    pm_tz_free(tz);
    pm_protector_free(&prot);
    if (fatal || errors || in.had_error) return PM_EXIT_ERROR;
    return nrejected ? PM_EXIT_FLAGGED : PM_EXIT_OK;
}
