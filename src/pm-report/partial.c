/* partial.c - partial aggregates (--partial): one record per group with the
 * report's signature (_partial), the key values (_key1...) and the raw
 * aggregates of every metric: counts (NAME), numerators and denominators
 * (NAME.num, NAME.den), and for sum/min/max/mean the number of values, the
 * exact sum, the minimum and the maximum as decimal text (NAME.n, NAME.sum,
 * NAME.min, NAME.max).  Nothing is rounded, so --merge can add them up.
 * Groups are written in key order, so partials are reproducible too.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

int rpt_partial_write(rpt_groups *g, FILE *fp, int csv)
{
    rpt_spec *spec = g->spec;
    int n = 1 + g->nkey;
    for (int i = 0; i < spec->nm; i++)
        n += spec->m[i].npcol;
    const char **names = pm_xmalloc(sizeof *names * (size_t)n);
    const char **vals = pm_xmalloc(sizeof *vals * (size_t)n);
    char (*bufs)[PM_DEC_BUFSZ] = pm_xmalloc(sizeof *bufs * (size_t)n);
    pm_buf *vbufs = pm_xcalloc((size_t)n, sizeof *vbufs);  /* percentile values */
    int k = 0;
    names[k++] = "_partial";
    for (int i = 0; i < g->nkey; i++)
        names[k++] = rpt_partial_key_name(i);
    for (int i = 0; i < spec->nm; i++)
        for (int j = 0; j < spec->m[i].npcol; j++)
            names[k++] = spec->m[i].pcol[j];
    pm_buf b = PM_BUF_INIT;
    if (csv)
        rpt_emit_row(fp, csv, names, names, n, &b);
    rpt_group **v = rpt_groups_sorted(g);
    for (size_t x = 0; x < g->n; x++) {
        rpt_group *gr = v[x];
        k = 0;
        vals[k++] = spec->signature;
        for (int i = 0; i < g->nkey; i++)
            vals[k++] = gr->key[i];
        for (int i = 0; i < spec->nm; i++) {
            rpt_metric *m = &spec->m[i];
            rpt_state *st = &gr->st[i];
            snprintf(bufs[k], PM_DEC_BUFSZ, "%lld", (long long)st->a);
            vals[k] = bufs[k];
            k++;
            if (m->kind == MK_RATIO) {
                snprintf(bufs[k], PM_DEC_BUFSZ, "%lld", (long long)st->b);
                vals[k] = bufs[k];
                k++;
            } else if (m->kind == MK_PCT) {
                k += rpt_partial_values(st, &vbufs[k], bufs[k + 1], &vals[k]);
            } else if (m->kind != MK_COUNT) {
                if (st->overflow)
                    bufs[k][0] = '\0';  /* no sum: merge carries the overflow */
                else
                    pm_decimal_format(st->sum, bufs[k]);
                vals[k] = bufs[k];
                k++;
                if (m->kind == MK_MIN && st->a)
                    pm_decimal_format(st->lo, bufs[k]);
                else
                    bufs[k][0] = '\0';
                vals[k] = bufs[k];
                k++;
                if (m->kind == MK_MAX && st->a)
                    pm_decimal_format(st->hi, bufs[k]);
                else
                    bufs[k][0] = '\0';
                vals[k] = bufs[k];
                k++;
                if (m->diff) {
                    snprintf(bufs[k], PM_DEC_BUFSZ, "%lld", (long long)st->skipped);
                    vals[k] = bufs[k];
                    k++;
                }
            }
        }
        rpt_emit_row(fp, csv, names, vals, n, &b);
    }
    free(v);
    free(names);
    free(vals);
    free(bufs);
    for (int i = 0; i < n; i++)
        pm_buf_free(&vbufs[i]);
    free(vbufs);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}

/* A percentile's values (NAME.values: every value, ';'-separated, so a
 * merge has exactly what one pass has) and skipped records (NAME.skipped)
 * into vals[0] and vals[1]; returns 2. */
int rpt_partial_values(const rpt_state *st, pm_buf *vb, char *skipbuf, const char **vals)
{
    char d[PM_DEC_BUFSZ];
    pm_buf_reset(vb);
    for (int64_t i = 0; i < st->a; i++) {
        if (i)
            pm_buf_addc(vb, ';');
        pm_decimal_format(st->vals[i], d);
        pm_buf_adds(vb, d);
    }
    vals[0] = pm_buf_str(vb);
    snprintf(skipbuf, PM_DEC_BUFSZ, "%lld", (long long)st->skipped);
    vals[1] = skipbuf;
    return 2;
}
