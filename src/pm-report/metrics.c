/* metrics.c - the metric language of -m, conditions on records, comparisons. */
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* Finds field f in r, first at the position it was last seen (records of one
 * input share their layout, so this is nearly always a hit). */
const char *rpt_field_get(rpt_field *f, const pm_record *r, size_t *len)
{
    int i = f->cache;
    if (i >= 0 && (size_t)i < r->n &&
        (r->f[i].name == f->seen || r->f[i].name == f->name || strcmp(r->f[i].name, f->name) == 0)) {
        f->seen = r->f[i].name;
        *len = r->f[i].len;
        return r->f[i].value;
    }
    i = pm_record_index(r, f->name);
    if (i < 0) {
        *len = 0;
        return "";
    }
    f->cache = i;
    f->seen = r->f[i].name;
    *len = r->f[i].len;
    return r->f[i].value;
}

int rpt_cond_holds(rpt_cond *c, int n, const pm_record *r)
{
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *v = rpt_field_get(&c[i].f, r, &len);
        if (c[i].anyof) {
            int hit = 0;
            for (const char *const *a = c[i].anyof; *a && !hit; a++)
                hit = strcmp(v, *a) == 0;
            if (!hit)
                return 0;
        } else if (c[i].value == NULL) {
            if (len == 0)
                return 0;
        } else if (strcmp(v, c[i].value) != 0) {
            return 0;
        }
    }
    return 1;
}

static char *trimdup(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return pm_xstrndup(s, n);
}

int rpt_metric_parse(const char *text, rpt_metric *m, pm_error *err)
{
    static const struct {
        const char *fn;
        rpt_kind kind;
        int eq;  /* argument is F=V */
    } fns[] = {
        {"count", MK_COUNT, 1}, {"rate", MK_RATIO, 1}, {"sum", MK_SUM, 0},
        {"min", MK_MIN, 0},     {"max", MK_MAX, 0},    {"mean", MK_MEAN, 0},
    };
    static const char *zh[] = {"计数", "比率", "合计", "最小", "最大", "平均"};
    memset(m, 0, sizeof *m);
    m->field.cache = -1;
    char *t = trimdup(text, strlen(text));
    if (strcmp(t, "count") == 0) {
        m->kind = MK_COUNT;
        m->name = t;
        m->name_zh = "计数";
        m->chart = 1;
        rpt_metric_partial_names(m);
        return 0;
    }
    char *open = strchr(t, '(');
    size_t tl = strlen(t);
    if (!open || tl < 3 || t[tl - 1] != ')') {
        pm_error_set(err, NULL, 0, "bad metric '%s': expected count, count(F=V), sum(F), min(F), max(F), mean(F) or rate(F=V)", text);
        free(t);
        return -1;
    }
    size_t fl = (size_t)(open - t);
    int k = -1;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strlen(fns[i].fn) == fl && strncmp(t, fns[i].fn, fl) == 0)
            k = (int)i;
    if (k < 0) {
        pm_error_set(err, NULL, 0, "unknown metric function in '%s'", text);
        free(t);
        return -1;
    }
    char *arg = trimdup(open + 1, tl - fl - 2);
    m->kind = fns[k].kind;
    m->chart = 1;
    if (fns[k].eq) {
        char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            pm_error_set(err, NULL, 0, "bad metric '%s': expected %s(FIELD=VALUE)", text, fns[k].fn);
            free(arg);
            free(t);
            return -1;
        }
        char *fname = trimdup(arg, (size_t)(eq - arg));
        char *val = trimdup(eq + 1, strlen(eq + 1));
        if (m->kind == MK_COUNT) {
            m->cond[0].f.name = fname;
            m->cond[0].f.cache = -1;
            m->cond[0].value = val;
            m->ncond = 1;
        } else {
            /* rate(F=V): among records where F is not empty, those with F = V */
            m->cond[0].f.name = fname;
            m->cond[0].f.cache = -1;
            m->cond[0].value = NULL;
            m->ncond = 1;
            m->num[0].f.name = fname;
            m->num[0].f.cache = -1;
            m->num[0].value = val;
            m->nnum = 1;
        }
    } else {
        if (arg[0] == '\0' || strchr(arg, '=')) {
            pm_error_set(err, NULL, 0, "bad metric '%s': expected %s(FIELD)", text, fns[k].fn);
            free(arg);
            free(t);
            return -1;
        }
        m->field.name = pm_xstrdup(arg);
    }
    /* Canonical name: fn(arg) without the blanks the user may have typed. */
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, "%s(%s)", fns[k].fn, arg);
    m->name = pm_buf_detach(&b);
    pm_buf_addf(&b, "%s(%s)", zh[k], arg);
    m->name_zh = pm_buf_detach(&b);
    free(arg);
    free(t);
    rpt_metric_partial_names(m);
    return 0;
}

static const char *suffixed(const char *name, const char *sfx)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, "%s.%s", name, sfx);
    return pm_buf_detach(&b);
}

void rpt_metric_partial_names(rpt_metric *m)
{
    switch (m->kind) {
    case MK_COUNT:
        m->pcol[0] = m->name;
        m->npcol = 1;
        break;
    case MK_RATIO:
        m->pcol[0] = suffixed(m->name, "num");
        m->pcol[1] = suffixed(m->name, "den");
        m->npcol = 2;
        break;
    default:
        m->pcol[0] = suffixed(m->name, "n");
        m->pcol[1] = suffixed(m->name, "sum");
        m->pcol[2] = suffixed(m->name, "min");
        m->pcol[3] = suffixed(m->name, "max");
        m->npcol = 4;
        break;
    }
}

static const char *const cmp_names[] = {">=", "<=", ">", "<", "="};

const char *rpt_cmp_name(rpt_cmp c)
{
    return cmp_names[c];
}

int rpt_cmp_parse(const char *s, rpt_cmp *out)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, cmp_names[i]) == 0) {
            *out = (rpt_cmp)i;
            return 0;
        }
    if (strcmp(s, "==") == 0) {
        *out = CMP_EQ;
        return 0;
    }
    return -1;
}
