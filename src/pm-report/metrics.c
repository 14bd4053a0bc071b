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
            for (const char *const *a = c[i].anyof; *a && !hit; a++) hit = strcmp(v, *a) == 0;
            if (!hit) return 0;
        } else if (c[i].value == NULL) {
            if (len == 0) return 0;
        } else if (len != c[i].vlen || memcmp(v, c[i].value, len) != 0) {
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
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    return pm_xstrndup(s, n);
}

/* Collects the distinct fields a rate's condition names (those it tests
 * with "is empty" aside): its denominator is the records where they all
 * have a value. */
typedef struct den_ctx {
    rpt_metric *m;
    int too_many;
} den_ctx;

static void den_field(rpt_expr *p, void *ctx)
{
    den_ctx *d = ctx;
    if (p->op == EX_EMPTY) return;
    for (int i = 0; i < d->m->ncond; i++)
        if (strcmp(d->m->cond[i].f.name, p->f.name) == 0) return;
    if (d->m->ncond == RPT_MAX_COND) {
        d->too_many = 1;
        return;
    }
    rpt_cond *c = &d->m->cond[d->m->ncond++];
    memset(c, 0, sizeof *c);
    c->f.name = pm_xstrdup(p->f.name);
    c->f.cache = -1;
}

/* FIELD or FIELD - FIELD (a difference of two timestamps) into m. */
static int parse_value(const char *text, const char *arg, rpt_metric *m, pm_error *err)
{
    const char *minus = strstr(arg, " - ");
    size_t skip = 3;
    if (!minus) {
        minus = strchr(arg, '-');
        skip = 1;
        if (minus && strchr(minus + 1, '-')) {
            pm_error_set(err, NULL, 0, "bad metric '%s': write a difference of fields as 'A - B', with blanks", text);
            return -1;
        }
    }
    const char *bad = "=!<>~(),;'\"";
    if (!minus) {
        if (arg[0] == '\0' || strpbrk(arg, bad) || strchr(arg, ' ')) {
            pm_error_set(err, NULL, 0, "bad metric '%s': expected a field name or A - B inside the parentheses", text);
            return -1;
        }
        m->field.name = pm_xstrdup(arg);
        return 0;
    }
    char *a = trimdup(arg, (size_t)(minus - arg));
    char *b = trimdup(minus + skip, strlen(minus + skip));
    if (!*a || !*b || strpbrk(a, bad) || strpbrk(b, bad) || strchr(a, ' ') || strchr(b, ' ')) {
        pm_error_set(err, NULL, 0, "bad metric '%s': expected A - B, two timestamp fields", text);
        free(a);
        free(b);
        return -1;
    }
    m->field.name = a;
    m->field2.name = b;
    m->field2.cache = -1;
    m->diff = 1;
    return 0;
}

int rpt_metric_parse(const char *text, rpt_metric *m, const pm_tz *tz, pm_error *err)
{
    static const struct {
        const char *fn;
        rpt_kind kind;
        int cond; /* argument is a condition */
        const char *zh;
    } fns[] = {
        {"count", MK_COUNT, 1, "计数"},  {"rate", MK_RATIO, 1, "比率"}, {"sum", MK_SUM, 0, "合计"},
        {"min", MK_MIN, 0, "最小"},      {"max", MK_MAX, 0, "最大"},    {"mean", MK_MEAN, 0, "平均"},
        {"median", MK_PCT, 0, "中位数"},
    };
    memset(m, 0, sizeof *m);
    m->field.cache = -1;
    m->field2.cache = -1;
    char *t = trimdup(text, strlen(text));
    if (strcmp(t, "count") == 0) {
        m->kind = MK_COUNT;
        m->name = t;
        m->name_zh = pm_xstrdup("计数");
        m->chart = 1;
        rpt_metric_partial_names(m);
        return 0;
    }
    char *open = strchr(t, '(');
    size_t tl = strlen(t);
    if (!open || tl < 3 || t[tl - 1] != ')') {
        pm_error_set(err, NULL, 0,
                     "bad metric '%s': expected count, count(COND), rate(COND), sum(F), min(F), max(F), mean(F), "
                     "median(F) or pNN(F) (F: a field or A - B)",
                     text);
        free(t);
        return -1;
    }
    size_t fl = (size_t)(open - t);
    while (fl > 0 && (t[fl - 1] == ' ' || t[fl - 1] == '\t')) fl--;
    int k = -1;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strlen(fns[i].fn) == fl && strncmp(t, fns[i].fn, fl) == 0) k = (int)i;
    char fname[32];
    char pzh[48];
    if (k < 0 && fl >= 2 && fl < 20 && t[0] == 'p') {
        /* pNN: a percentile from 0 to 100, e.g. p90, p99.9 */
        pm_decimal p;
        if (pm_decimal_parse(t + 1, fl - 1, &p) == PM_DEC_OK && t[1] >= '0' && t[1] <= '9' && pm_decimal_sign(p) >= 0 &&
            pm_decimal_cmp(p, pm_decimal_from_int(100)) <= 0) {
            m->pct = p;
            k = -2;
            memcpy(fname, t, fl);
            fname[fl] = '\0';
            snprintf(pzh, sizeof pzh, "%s分位", fname + 1);
        }
    }
    if (k == -1) {
        pm_error_set(err, NULL, 0,
                     "unknown metric function '%.*s' in '%s' (count, rate, sum, min, max, mean, "
                     "median, pNN)",
                     (int)fl, t, text);
        free(t);
        return -1;
    }
    const char *fn = k >= 0 ? fns[k].fn : fname;
    const char *fzh = k >= 0 ? fns[k].zh : pzh;
    if (k >= 0 && fns[k].kind == MK_PCT) m->pct = pm_decimal_from_int(50);
    char *arg = trimdup(open + 1, (size_t)(t + tl - 1 - open - 1));
    m->kind = k >= 0 ? fns[k].kind : MK_PCT;
    m->chart = 1;
    pm_buf b = PM_BUF_INIT;
    if (k >= 0 && fns[k].cond) {
        const char *rest = NULL;
        m->expr = rpt_expr_parse(arg, tz, m->kind == MK_RATIO ? &rest : NULL, err);
        if (m->expr && rest) {
            m->dexpr = rpt_expr_parse(rest, tz, NULL, err);
            if (!m->dexpr) {
                rpt_expr_free(m->expr);
                m->expr = NULL;
            }
        }
        if (!m->expr) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            pm_error_set(err, NULL, 0, "in '%s': %s", text, msg);
            free(arg);
            free(t);
            return -1;
        }
        if (m->kind == MK_RATIO && !m->dexpr) {
            den_ctx d = {m, 0};
            rpt_expr_fields(m->expr, den_field, &d);
            if (d.too_many) {
                pm_error_set(err, NULL, 0, "bad metric '%s': more than %d fields; give the denominator after ';'", text,
                             RPT_MAX_COND);
                free(arg);
                free(t);
                return -1;
            }
        }
        pm_buf_addf(&b, "%s(", fn);
        rpt_expr_canon(m->expr, &b, 1);
        if (m->dexpr) {
            pm_buf_adds(&b, "; ");
            rpt_expr_canon(m->dexpr, &b, 1);
        }
        pm_buf_addc(&b, ')');
    } else {
        if (parse_value(text, arg, m, err) != 0) {
            free(arg);
            free(t);
            return -1;
        }
        if (m->diff)
            pm_buf_addf(&b, "%s(%s - %s)", fn, m->field.name, m->field2.name);
        else
            pm_buf_addf(&b, "%s(%s)", fn, m->field.name);
    }
    /* Canonical name: fn(arg) without the blanks the user may have typed. */
    m->name = pm_buf_detach(&b);
    const char *paren = strchr(m->name, '(');
    pm_buf_addf(&b, "%s%s", fzh, paren);
    m->name_zh = pm_buf_detach(&b);
    free(arg);
    free(t);
    rpt_metric_partial_names(m);
    return 0;
}

void rpt_metric_free(rpt_metric *m)
{
    for (int i = 0; i < m->npcol; i++)
        if (m->pcol[i] != m->name) free((char *)m->pcol[i]);
    free((char *)m->name);
    free((char *)m->name_zh);
    free((char *)m->field.name);
    free((char *)m->field2.name);
    for (int i = 0; i < m->ncond; i++) free((char *)m->cond[i].f.name);
    rpt_expr_free(m->expr);
    rpt_expr_free(m->dexpr);
    memset(m, 0, sizeof *m);
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
    case MK_PCT:
        m->pcol[0] = suffixed(m->name, "n");
        m->pcol[1] = suffixed(m->name, "values");
        m->pcol[2] = suffixed(m->name, "skipped");
        m->npcol = 3;
        break;
    default:
        m->pcol[0] = suffixed(m->name, "n");
        m->pcol[1] = suffixed(m->name, "sum");
        m->pcol[2] = suffixed(m->name, "min");
        m->pcol[3] = suffixed(m->name, "max");
        m->npcol = 4;
        if (m->diff) m->pcol[m->npcol++] = suffixed(m->name, "skipped");
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
