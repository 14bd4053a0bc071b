/* personal.c - --protect in pm-report: the fields named personal with
 * --personal=FIELD:KIND, and what becomes of their values.
 *
 * pm-report shows record values as the keys of the --by fields (the first
 * columns of the report, the labels of the charts, the _key columns of
 * partials), as the figures of sum, min, max and mean, as periods of the
 * time field, and in the messages about numbers and times it cannot read.
 * A personal --by value is protected (lib/protect.c, the same masks and the
 * same keyed tokens as pm-ingest's) before it becomes a group key, so that
 * pseudonyms still make one group per person and masks one group per
 * masked value.  The other ways are refused for a personal field: sum, min,
 * max or mean of it (the minimum of a group of one person is that
 * person's), --period of it, and a metric comparing it with a value
 * (count(phone=138...)), whose name, with the value, is a column.  So
 * neither figures nor messages can carry a personal value.
 */
#include <stdlib.h>
#include <string.h>
#include "report.h"

int rpt_personal_parse(const char *list, rpt_personal **pf, int *n, pm_error *err)
{
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *item = pm_xstrndup(p, len);
        char *colon = strrchr(item, ':');
        int kind = colon ? pm_pi_kind_parse(colon + 1) : -1;
        if (!colon || colon == item || kind < 0) {
            pm_error_set(err, NULL, 0,
                         "--personal: '%s' is not FIELD:KIND (KIND: name, phone, id_card, address or text)", item);
            free(item);
            return -1;
        }
        *colon = '\0';
        for (int i = 0; i < *n; i++)
            if (strcmp((*pf)[i].field, item) == 0) {
                pm_error_set(err, NULL, 0, "--personal: field '%s' is given twice", item);
                free(item);
                return -1;
            }
        *pf = pm_xrealloc(*pf, sizeof **pf * (size_t)(*n + 1));
        (*pf)[*n].field = item;
        (*pf)[*n].kind = (pm_pi_kind)kind;
        (*n)++;
        if (!e) return 0;
        p = e + 1;
    }
}

int rpt_personal_kind(const rpt_personal *pf, int n, const char *field)
{
    for (int i = 0; i < n; i++)
        if (strcmp(pf[i].field, field) == 0) return (int)pf[i].kind;
    return -1;
}

typedef struct pcheck {
    const rpt_personal *pf;
    int n;
    const char *hit;
} pcheck;

static void personal_pred(rpt_expr *p, void *ctx)
{
    pcheck *c = ctx;
    if (p->op != EX_EMPTY && !c->hit && rpt_personal_kind(c->pf, c->n, p->f.name) >= 0 &&
        !((p->op == EX_EQ || p->op == EX_NE) && p->vlen == 0))
        c->hit = p->f.name;
}

int rpt_metric_check_personal(const rpt_metric *m, int conds, const rpt_personal *pf, int n, pm_error *err)
{
    pcheck pc = {pf, n, NULL};
    if (conds) {
        rpt_expr_fields(m->expr, personal_pred, &pc);
        rpt_expr_fields(m->dexpr, personal_pred, &pc);
    }
    if (pc.hit) {
        pm_error_set(err, NULL, 0,
                     "a metric compares the personal field %s with a value, which its name (a column "
                     "of the report) would show; group with --by=%s instead",
                     pc.hit, pc.hit);
        return -1;
    }
    if (m->diff && m->kind >= MK_SUM && rpt_personal_kind(pf, n, m->field2.name) >= 0) {
        pm_error_set(err, NULL, 0, "%s would show values of the personal field %s", m->name, m->field2.name);
        return -1;
    }
    if (m->kind >= MK_SUM && rpt_personal_kind(pf, n, m->field.name) >= 0) {
        /* the minimum of a group of one is that one's value */
        pm_error_set(err, NULL, 0, "%s would show values of the personal field %s", m->name, m->field.name);
        return -1;
    }
    const rpt_cond *list[2] = {m->cond, m->num};
    int count[2] = {m->ncond, m->nnum};
    for (int k = 0; conds && k < 2; k++)
        for (int i = 0; i < count[k]; i++) {
            const rpt_cond *c = &list[k][i];
            if (c->value && *c->value && rpt_personal_kind(pf, n, c->f.name) >= 0) {
                pm_error_set(err, NULL, 0,
                             "a metric compares the personal field %s with a value, which its name (a column "
                             "of the report) would show; group with --by=%s instead",
                             c->f.name, c->f.name);
                return -1;
            }
        }
    return 0;
}

void rpt_spec_protect(rpt_spec *spec, const pm_protector *p, const rpt_personal *pf, int n)
{
    spec->prot = p && p->mode != PM_PROTECT_NONE ? p : NULL;
    spec->personal = pf;
    spec->npersonal = n;
    for (int i = 0; i < spec->nby; i++) spec->by_kind[i] = spec->prot ? rpt_personal_kind(pf, n, spec->by[i].name) : -1;
}

void rpt_protect_key(const rpt_spec *spec, int by, const char **v, size_t *len, pm_buf *scratch)
{
    if (!spec->prot || spec->by_kind[by] < 0) return;
    pm_buf_reset(scratch);
    pm_protect_value(spec->prot, (pm_pi_kind)spec->by_kind[by], *v, *len, scratch);
    *v = pm_buf_str(scratch);
    *len = scratch->len;
}

void rpt_sign_protection(const rpt_spec *spec, pm_buf *b)
{
    int any = 0;
    for (int i = 0; spec->prot && i < spec->nby; i++) any |= spec->by_kind[i] >= 0;
    if (!any) return; /* the keys are the same as without --protect */
    static const char *const mode[] = {"", "mask", "pseudonymize", "drop"};
    pm_buf_addf(b, " protect=%s", mode[spec->prot->mode]);
    if (spec->prot->mode == PM_PROTECT_PSEUDONYMIZE) {
        char id[PM_KEY_ID_SIZE];
        pm_protector_key_id(spec->prot, id);
        pm_buf_addf(b, ":key-%s", id);
    }
    pm_buf_adds(b, " personal=");
    const char *sep = "";
    for (int i = 0; i < spec->nby; i++)
        if (spec->by_kind[i] >= 0) {
            pm_buf_addf(b, "%s%s:%s", sep, spec->by[i].name, pm_pi_kind_name((pm_pi_kind)spec->by_kind[i]));
            sep = ",";
        }
}
