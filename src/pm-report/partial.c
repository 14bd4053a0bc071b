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
            }
        }
        rpt_emit_row(fp, csv, names, vals, n, &b);
    }
    free(v);
    free(names);
    free(vals);
    free(bufs);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}
