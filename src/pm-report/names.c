/* names.c - the field names a report names (--by, --time-field, --where,
 * -m) checked against the fields the input has: a name that occurs in no
 * record is a typo, not a field that is empty everywhere, and it gives
 * plausible wrong figures (zeros, blanks) unless it is caught.  A field seen
 * in some records only is fine.  Checked per header, not per record: CSV
 * records share their reader's header, so this costs nothing per record.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "text.h"

void rpt_names_add(rpt_names *ns, const char *name, const char *option)
{
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->name[i], name) == 0) return;
    ns->name = pm_xrealloc(ns->name, sizeof *ns->name * (size_t)(ns->n + 1));
    ns->option = pm_xrealloc(ns->option, sizeof *ns->option * (size_t)(ns->n + 1));
    ns->seen = pm_xrealloc(ns->seen, sizeof *ns->seen * (size_t)(ns->n + 1));
    ns->name[ns->n] = pm_xstrdup(name);
    ns->option[ns->n] = option;
    ns->seen[ns->n] = 0;
    ns->n++;
    ns->unseen++;
}

static void add_pred(rpt_expr *p, void *ctx)
{
    void **a = ctx;
    rpt_names_add(a[0], p->f.name, a[1]);
}

void rpt_names_add_expr(rpt_names *ns, rpt_expr *e, const char *option)
{
    void *ctx[2] = {ns, (void *)option};
    rpt_expr_fields(e, add_pred, ctx);
}

static void know(rpt_names *ns, const char *name)
{
    if (ns->nknown >= 4096) return;
    for (int i = 0; i < ns->nknown; i++)
        if (strcmp(ns->known[i], name) == 0) return;
    ns->known = pm_xrealloc(ns->known, sizeof *ns->known * (size_t)(ns->nknown + 1));
    ns->known[ns->nknown++] = pm_xstrdup(name);
}

void rpt_names_see(rpt_names *ns, const pm_record *r)
{
    if (ns->n == 0 || r->n == 0) return;
    /* the same header as the last record: nothing new */
    if (r->n == ns->last_n && r->f[0].name == ns->last_first && r->f[r->n - 1].name == ns->last_last) return;
    ns->last_n = r->n;
    ns->last_first = r->f[0].name;
    ns->last_last = r->f[r->n - 1].name;
    for (size_t i = 0; i < r->n; i++) know(ns, r->f[i].name);
    for (int i = 0; i < ns->n && ns->unseen; i++)
        if (!ns->seen[i] && pm_record_index(r, ns->name[i]) >= 0) {
            ns->seen[i] = 1;
            ns->unseen--;
        }
}

int rpt_names_report(const rpt_names *ns)
{
    int bad = 0;
    for (int i = 0; i < ns->n; i++) {
        if (ns->seen[i]) continue;
        bad++;
        /* the nearest known names, up to three */
        int near[3], shown = pm_text_nearest(ns->name[i], (const char *const *)ns->known, ns->nknown, near, 3);
        pm_buf b = PM_BUF_INIT;
        for (int k = 0; k < shown; k++) pm_buf_addf(&b, "%s%s", k ? ", " : "", ns->known[near[k]]);
        if (shown)
            pm_warn("%s: no field '%s' in any record of the input; did you mean %s?", ns->option[i], ns->name[i],
                    pm_buf_str(&b));
        else
            pm_warn("%s: no field '%s' in any record of the input (fields: %d known)", ns->option[i], ns->name[i],
                    ns->nknown);
        pm_buf_free(&b);
    }
    return bad;
}

void rpt_names_free(rpt_names *ns)
{
    for (int i = 0; i < ns->n; i++) free(ns->name[i]);
    for (int i = 0; i < ns->nknown; i++) free(ns->known[i]);
    free(ns->name);
    free(ns->option);
    free(ns->seen);
    free(ns->known);
    memset(ns, 0, sizeof *ns);
}
