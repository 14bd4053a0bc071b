/* ingest.h - turning source rows into canonical records. */
#ifndef PM_INGEST_INGEST_H
#define PM_INGEST_INGEST_H

#include "protect.h"
#include "schema.h"
#include "stream.h"

typedef struct seen_set seen_set;

typedef struct ingest {
    const schema *s;
    const pm_tz *tz;
    int keep_extra;
    /* column mapping cache for the last header seen */
    int *cols;
    char **cached_names;    /* copies */
    size_t ncached;
    seen_set **seen;      /* one set per unique field (NULL for others) */
    pm_buf val, conv, errs;
    pm_record out;
    const pm_protector *prot;  /* NULL: values as they are */
    int *kind;                 /* per schema field: pm_pi_kind, or -1 */
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
/* Converts src into in->out.  Returns 0, or -1 with the reasons ("field:
 * reason; field: reason") in in->errs. */
int ingest_row(ingest *in, const pm_record *src);

#endif
