/* ingest.h - turning source rows into canonical records. */
#ifndef PM_INGEST_INGEST_H
#define PM_INGEST_INGEST_H

#include "protect.h"
#include "schema.h"
#include "opts.h"
#include "stream.h"

typedef struct seen_set seen_set;
typedef struct unknown_set unknown_set;

/* What ingest_header says about a record before it is converted. */
enum {
    INGEST_ROW = 0,      /* a row: convert it (after the held ones) */
    INGEST_NOT_DATA = 1, /* the header, or a title line above it: no row */
    INGEST_HELD = 2      /* kept while the header is looked for */
};
/* What ingest_row did. */
enum { INGEST_WRITTEN = 0, INGEST_REJECTED = -1, INGEST_SKIPPED = 1 };

#define INGEST_HEADER_SEARCH 10 /* lines looked at for a header */

typedef struct ingest {
    const schema *s;
    const pm_tz *tz;
    int keep_extra;
    /* column mapping cache for the last header seen */
    int *cols;
    char **cached_names; /* copies */
    size_t ncached;
    unsigned cached_header; /* the reader's number for them (0: none) */
    unsigned rec_header;    /* the reader's number for the record's names
                               (pm_inputs_record_header; 0: compare them) */
    seen_set **seen;        /* one set per unique field (NULL for others) */
    pm_buf val, conv, errs;
    pm_record out;
    const pm_protector *prot; /* NULL: values as they are */
    int *kind;                /* per schema field: pm_pi_kind, or -1 */
    /* per column of the current header */
    int *col_field;  /* the field it feeds, or -1 */
    int *col_shadow; /* 1 + the field it matched but lost to another column, or 0 */
    int *col_kind;   /* pm_pi_kind of what it holds, or -1 */
    size_t ncols;
    pm_buf conflicts; /* "columns 'A' and 'B' both map to field 'x'" lines */
    /* the input being read */
    const char *input; /* its name (not owned) */
    int yaml;
    long force_line; /* --header-line, or 0 */
    int state;       /* see ingest.c */
    char **hdr;      /* a header found below line 1 (owned) */
    size_t nhdr;
    long hdr_line;
    pm_record held[INGEST_HEADER_SEARCH];
    char *held_bad[INGEST_HEADER_SEARCH];  /* the reader's reason, or NULL */
    pm_buf held_raw[INGEST_HEADER_SEARCH]; /* and its raw text (protected) */
    size_t nheld, nreleased;
    unsigned long long input_records;
    char bad_msg[256]; /* the reason for a held or rekeyed bad row */
    /* across the run */
    int map_errors; /* required fields without a column, ambiguous columns */
    unsigned long long skipped;
    unknown_set **unknown;         /* per field with 'unknown: empty' */
    unsigned long long bare_dates; /* date-only values in 'date_only: warn' fields */
    int print_mapping;             /* --print-mapping: describe, to stdout */
    int quiet;                     /* a probe (ingest_find_header_line): say nothing */
} ingest;

void ingest_init(ingest *in, const schema *s, const pm_tz *tz, int keep_extra);
void ingest_free(ingest *in);
/* Protects the personal fields of every written and rejected record (and
 * keeps their values out of error messages). */
void ingest_set_protector(ingest *in, const pm_protector *p);
/* Protects, in a rejected source record, the columns that feed personal
 * fields; with every set, all the other columns too, as text (a row the
 * reader could not read as it should, such as one with more or fewer values
 * than the header, may have any value in any column). */
void ingest_protect_source(ingest *in, pm_record *src, int every);
/* Converts src into in->out, whose values may point into src's (a value
 * that needs no change is not copied, and in->out takes src's raw line, so
 * that a writer copies what stayed as it was read): write in->out before
 * src changes.  Returns INGEST_WRITTEN, INGEST_REJECTED with
 * the reasons ("field: reason; field: reason") in in->errs, or
 * INGEST_SKIPPED for a row that is not data (ingest_skip_reason). */
int ingest_row(ingest *in, const pm_record *src);
/* Why src is not data, or NULL: a blank row, a totals row (first cell
 * 合计/总计/小计), a row whose every mapped field is empty. */
const char *ingest_skip_reason(ingest *in, const pm_record *src);
/* 1 when the reader's reason is only that a row has more or fewer values
 * than the header ("15 fields where the header has 14"). */
int ingest_width_mismatch(const char *bad);
#define INGEST_SKIP_UNMAPPED "no column the schema maps has a value"

/* Inputs and their headers -------------------------------------------------
 * Per input: ingest_begin_input; for each record ingest_header, then the
 * held records (ingest_release) before the record itself; at the end
 * ingest_end_input and ingest_release again.  The header is the reader's
 * first line when it maps the schema's required fields; else the first of
 * the next lines whose values do (a title above the header), looked for in
 * INGEST_HEADER_SEARCH lines; force_line (--header-line) says which.  Once
 * the header is known the mapping is told on standard error (stdout with
 * print_mapping). */
void ingest_begin_input(ingest *in, const char *name, int yaml, long force_line);
/* bad: the reader's reason when it could not read rec as it should, else
 * NULL; names: the reader's header (NULL for YAML: rec's own names).  With INGEST_ROW, *bad is updated (a row read
 * against a title line may be fine against the header found). */
int ingest_header(ingest *in, pm_record *rec, const char **bad, const char *const *names, size_t n);
/* The next held record to process as a row (1), or 0. */
int ingest_release(ingest *in, pm_record *rec, const char **bad);
/* Ends the input: the reader's header names (for an input without rows).
 * -1 when the input had no data at all (0 bytes). */
int ingest_end_input(ingest *in, const char *const *names, size_t n);
/* 1 once the current input's header is known. */
int ingest_header_known(const ingest *in);
/* The line of the header in the CSV file path as ingest_header finds it
 * when the file is read whole (1 when it is the first line, none maps, or
 * the file is YAML; 0 when path cannot be read): what every block of the
 * file (--byte-range) must read down to. */
long ingest_find_header_line(const ingest *in, const char *path, const pm_read_opts *opts);
/* Values per row the header has (for the surplus of a bad row). */
size_t ingest_header_width(const ingest *in, size_t reader_width);
/* Warnings that sum up the run (unknown enum values, bare dates). */
void ingest_report_end(ingest *in);

/* The whole run on the shared pipeline (lib/pipeline.h) ------------------- */
typedef struct ingest_opts {
    const char *schema; /* --schema, or NULL: the default */
    int keep_extra, print_mapping;
    int protect; /* pm_protect_mode */
    const char *key_file;
    long header_line; /* --header-line, or 0 */
    int date_order;   /* --date-order */
} ingest_opts;
/* Reads every input (paths; none: standard input) into canonical records
 * on c's output, rejects on c->reject; prints the summary.  Returns the
 * exit status. */
int ingest_run(const ingest_opts *o, pm_common *c, char **paths, int npaths);

#endif
