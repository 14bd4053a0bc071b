/* record.h - a record: an ordered list of named text fields.
 *
 * Values live in the record's arena and stay put until pm_record_clear, so a
 * pointer from pm_record_get is valid while the record holds that value.
 * Field NAMES are not copied by pm_record_set/pm_record_add: they must outlive
 * the record's use (string literals, a reader's header, a schema).  Use
 * pm_record_set_copy when the name is transient.
 * An empty value means "no value" (docs/CONTRACT.md section 1).
 */
#ifndef PM_RECORD_H
#define PM_RECORD_H

#include <assert.h>
#include <stddef.h>
#include "buf.h"

typedef struct pm_field {
    const char *name;
    const char *value; /* NUL-terminated; never NULL */
    size_t len;        /* strlen(value) */
} pm_field;

typedef struct pm_record {
    pm_field *f;
    size_t n, cap;
    pm_arena arena;
    const char *source; /* input file name as given ("-" for stdin), or NULL */
    long line;          /* line the record starts on in source, or 0 */
    /* Set by the CSV reader for a row it read from one line without quotes
     * (cleared by pm_record_clear): the values of the first raw_n fields
     * were raw[0..raw_len) split at raw_delim, each delimiter replaced by
     * the NUL that ends its value, and written with that delimiter those
     * bytes are what a CSV writer would write for them.  A writer may copy
     * them instead of quoting each value again, as far as the fields still
     * hold exactly those values (it checks their pointers and lengths). */
    const char *raw;
    size_t raw_len, raw_n;
    char raw_delim;
    /* Set by the CSV reader for such a row too (cleared by
     * pm_record_clear): the header array whose strings, in order, name all
     * its fields.  Anything that renames or adds a field leaves it stale, so
     * only the pipeline reads it, on a record fresh from the reader, before
     * the program sees it (pm_inputs_record_header compares the names). */
    const char *const *named_by;
} pm_record;

void pm_record_init(pm_record *r);
void pm_record_free(pm_record *r);
/* Removes all fields (and their values); keeps the memory. */
void pm_record_clear(pm_record *r);

/* Index of the first field called name, or -1. */
int pm_record_index(const pm_record *r, const char *name);
/* Value of the field called name, or NULL when there is no such field. */
const char *pm_record_get(const pm_record *r, const char *name);
/* Like pm_record_get, but "" when absent: "no value" either way. */
const char *pm_record_value(const pm_record *r, const char *name);

/* Replaces the value of an existing field in place, or appends the field.
 * The value is copied; the name is not (see above). */
void pm_record_set(pm_record *r, const char *name, const char *value);
void pm_record_setn(pm_record *r, const char *name, const char *value, size_t len);
/* Same, copying the name into the record's arena too. */
void pm_record_set_copy(pm_record *r, const char *name, const char *value, size_t len);
/* Appends without looking for an existing field (readers use this). */
void pm_record_add(pm_record *r, const char *name, const char *value, size_t len);
/* Appends a field whose value is already in the record's arena (no copy).
 * Inline: readers call it for every field; pm_record_make_room grows. */
void pm_record_make_room(pm_record *r);
static inline void pm_record_add_owned(pm_record *r, const char *name, const char *value, size_t len)
{
    assert(name && value); /* a value is never NULL */
    if (r->n == r->cap) pm_record_make_room(r);
    r->f[r->n].name = name;
    r->f[r->n].value = value;
    r->f[r->n].len = len;
    r->n++;
}
/* Memory in the record's arena, freed with the record's values. */
void *pm_record_alloc(pm_record *r, size_t n);
char *pm_record_strdup(pm_record *r, const char *s, size_t n);
/* Makes dst an independent copy of src (names included). */
void pm_record_copy(pm_record *dst, const pm_record *src);

#endif
