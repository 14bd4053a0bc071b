/* schema.h - pm-ingest schemas: source columns to canonical fields
 * (docs/CONTRACT.md section 5). */
#ifndef PM_INGEST_SCHEMA_H
#define PM_INGEST_SCHEMA_H

#include <stddef.h>
#include "buf.h"
#include "diag.h"
#include "regex.h"
#include "record.h"
#include "timex.h"

typedef enum ftype { FT_TEXT, FT_INT, FT_DECIMAL, FT_BOOL, FT_TIMESTAMP, FT_ENUM } ftype;

typedef struct enum_value {
    char *value;        /* canonical value */
    pm_regex **pats;    /* patterns that select it */
    size_t npats;
} enum_value;

typedef struct rewrite {
    pm_regex *rx;
    char *repl;
} rewrite;

typedef struct field_def {
    char *name;
    char **from;        /* exact header names, trimmed */
    size_t nfrom;
    pm_regex **from_rx; /* /.../ header patterns */
    size_t nfrom_rx;
    ftype type;
    int required, unique;
    char *def;          /* default value, or NULL */
    pm_regex *pattern;  /* the value must match, or NULL */
    rewrite *normalize;
    size_t nnormalize;
    enum_value *values;
    size_t nvalues;
    char *personal;     /* name|phone|id_card|address|text, or NULL */
    long line;          /* where the schema defines it */
} field_def;

typedef struct schema {
    field_def *f;
    size_t n;
    char *source;       /* file name, or "(built-in)" */
} schema;

/* The default ticket schema, as YAML text (docs/CONTRACT.md sections 4 and 5). */
extern const char pm_ingest_default_schema[];

/* Loads a schema from a file (path) or, with path NULL, the default.
 * 0, or -1 with err (FILE:LINE). */
int schema_load(schema *s, const char *path, pm_error *err);
void schema_free(schema *s);

/* Column of the source record that feeds each schema field (-1: none), for a
 * record with these field names.  cols has s->n entries. */
void schema_map_columns(const schema *s, const pm_record *src, int *cols);

/* Converts one value of field fd (already trimmed and normalized) to its
 * canonical text in out.  0, or -1 with a reason in err->msg, which quotes
 * the value. */
int schema_convert(const field_def *fd, const char *v, size_t len, const pm_tz *tz,
                   pm_buf *out, pm_error *err);
/* The same for a personal value under --protect: the reason names "the
 * value" and holds no part of it, however long it is. */
int schema_convert_hidden(const field_def *fd, const char *v, size_t len, const pm_tz *tz,
                          pm_buf *out, pm_error *err);

#endif
