/* schema.h - pm-ingest schemas: source columns to canonical fields
 * (docs/CONTRACT.md section 5). */
#ifndef PM_INGEST_SCHEMA_H
#define PM_INGEST_SCHEMA_H

#include <stddef.h>
#include "buf.h"
#include "conf.h"
#include "diag.h"
#include "regex.h"
#include "record.h"
#include "timex.h"

typedef enum ftype { FT_TEXT, FT_INT, FT_DECIMAL, FT_BOOL, FT_TIMESTAMP, FT_ENUM } ftype;

typedef struct enum_value {
    char *value;     /* canonical value */
    pm_regex **pats; /* patterns that select it */
    size_t npats;
} enum_value;

typedef struct rewrite {
    pm_regex *rx;
    char *repl;
} rewrite;

typedef struct field_def {
    char *name;
    char **from; /* exact header names, trimmed */
    size_t nfrom;
    pm_regex **from_rx; /* /.../ header patterns */
    size_t nfrom_rx;
    ftype type;
    int required, unique;
    char *def;         /* default value, or NULL */
    pm_regex *pattern; /* the value must match, or NULL */
    rewrite *normalize;
    size_t nnormalize;
    enum_value *values;
    size_t nvalues;
    char *personal;    /* name|phone|id_card|address|text, or NULL */
    int prefer_first;  /* prefer: first - several columns match: the one
                          whose name comes first in 'from' wins */
    int match_longest; /* match: longest - an enum value takes the canonical
                          value whose patterns cover the most of it; else
                          (match: first, the default) the first in file
                          order with a pattern that matches */
    int unknown_empty; /* unknown: empty - an enum value that matches
                          nothing becomes empty (a warning), not a reject */
    int date_order;    /* PM_DATE_*: set for the run by schema_set_date_order */
    int date_only;     /* date_only: start (0), end (DATE_END: 24:00 of
                          that day) or warn (DATE_WARN: 00:00, warned) */
    long line;         /* where the schema defines it */
} field_def;

enum { DATE_START = 0, DATE_END = 1, DATE_WARN = 2 };

typedef struct schema {
    field_def *f;
    size_t n;
    field_def *pc; /* personal_columns: columns that feed no field but
                      hold personal data (name, from, personal only) */
    size_t npc;
    char *source; /* file name, or "(built-in)" */
} schema;

/* The default ticket schema, as YAML text (docs/CONTRACT.md sections 4 and 5). */
extern const char pm_ingest_default_schema[];

/* Loads a schema from a file (path) or, with path NULL, the default.
 * 0, or -1 with every error of the file added to errs (FILE:LINE). */
int schema_load(schema *s, const char *path, pm_errors *errs);
void schema_free(schema *s);
/* How dates with the year last are read (--date-order): PM_DATE_*. */
void schema_set_date_order(schema *s, int order);

/* Where header h is among f's names: the index of the exact name in
 * 'from' (trimmed, case-insensitive), or -1. */
int schema_from_exact(const field_def *f, const char *h);
/* The index of the first /pattern/ of f's 'from' that matches h, or -1. */
int schema_from_pattern(const field_def *f, const char *h);

/* Column of the source record that feeds each schema field (-1: none), for a
 * record with these field names.  cols has s->n entries. */
void schema_map_columns(const schema *s, const pm_record *src, int *cols);

/* Converts one value of field fd (already trimmed and normalized) to its
 * canonical text in out.  0, or -1 with a reason in err->msg, which quotes
 * the value; SCHEMA_UNKNOWN (out empty) for an enum value that matches
 * nothing in a field with 'unknown: empty'; SCHEMA_BARE_DATE (out set) for
 * a date without a time in a field with 'date_only: warn'.
 * With 'match: longest', an enum value that is no canonical value takes the
 * canonical value whose patterns cover the most characters of it (all
 * their matches counted), the value listed first on a tie: 户内门窗损坏 is
 * indoor_repair ('户内门窗', 12 bytes) rather than door_window ('门窗', 6). */
enum { SCHEMA_UNKNOWN = 1, SCHEMA_BARE_DATE = 2 };
int schema_convert(const field_def *fd, const char *v, size_t len, const pm_tz *tz, pm_buf *out, pm_error *err);
/* The same for a personal value under --protect: the reason names "the
 * value" and holds no part of it, however long it is. */
int schema_convert_hidden(const field_def *fd, const char *v, size_t len, const pm_tz *tz, pm_buf *out, pm_error *err);

/* 1 when schema_convert would give v back as it is (and return 0): any
 * text, an enum's canonical value, true or false, an integer as it is
 * written, a timestamp as pm_time_format writes it in tz.  0 says nothing
 * but "convert it": a caller keeps the bytes it has when this says 1. */
int schema_is_canonical(const field_def *fd, const char *v, size_t len, const pm_tz *tz);

#endif
