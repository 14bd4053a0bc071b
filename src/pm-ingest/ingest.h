/* ingest.h - turning source rows into canonical records. */
#ifndef PM_INGEST_INGEST_H
#define PM_INGEST_INGEST_H

#include "schema.h"
#include "stream.h"

typedef struct seen_set seen_set;

typedef struct ingest {
    const schema *s;
    const pm_tz *tz;
    int keep_extra;
    /* column mapping cache for the last header seen */
    int *cols;
    const char **cached_names;
    size_t ncached;
    seen_set **seen;      /* one set per unique field (NULL for others) */
    pm_buf val, conv, errs;
    pm_record out;
} ingest;

void ingest_init(ingest *in, const schema *s, const pm_tz *tz, int keep_extra);
void ingest_free(ingest *in);
/* Converts src into in->out.  Returns 0, or -1 with the reasons ("field:
 * reason; field: reason") in in->errs. */
int ingest_row(ingest *in, const pm_record *src);

#endif
