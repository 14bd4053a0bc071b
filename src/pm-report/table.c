/* table.c - turns sorted groups into the finished table: values computed
 * from the aggregates (rates 4 places half up, means to a documented scale),
 * targets checked exactly (num >= target * den, no rounding first), and the
 * data of the HTML charts.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static char *adup(rpt_table *t, const char *s)
{
    return pm_arena_strndup(&t->arena, s, strlen(s));
}

static char *afmt_dec(rpt_table *t, pm_decimal d)
{
    char b[PM_DEC_BUFSZ];
    pm_decimal_format(d, b);
    return adup(t, b);
}

static char *afmt_int(rpt_table *t, int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return adup(t, b);
}

void rpt_percent(pm_decimal frac, char out[PM_DEC_BUFSZ + 2])
{
    pm_decimal d = frac;
    if (d.scale < RPT_RATE_SCALE && pm_decimal_rescale(frac, RPT_RATE_SCALE, &d) != PM_DEC_OK) d = frac;
    if (d.scale >= 2) {
        d.scale -= 2;
    } else {
        pm_decimal h = pm_decimal_from_int(100);
        pm_decimal_mul(frac, h, &d);
    }
    size_t n = pm_decimal_format(d, out);
    out[n] = '%';
    out[n + 1] = '\0';
}

const char *rpt_cell_display(rpt_table *t, const rpt_cell *c)
{
    if (c->type != CT_RATE || c->text[0] == '\0') return c->text;
    pm_decimal d;
    if (pm_decimal_parse(c->text, strlen(c->text), &d) != PM_DEC_OK) return c->text;
    char b[PM_DEC_BUFSZ + 2];
    rpt_percent(d, b);
    return adup(t, b);
}

static int cmp_dec(const void *a, const void *b)
{
    const pm_decimal *x = a, *y = b;
    int c = pm_decimal_cmp(*x, *y);
    return c ? c : (x->scale > y->scale) - (x->scale < y->scale); /* 1.5 before 1.50: any order gives one text */
}

/* Seconds to the unit of durations, 2 places half up. */
static int in_unit(const rpt_spec *spec, pm_decimal secs, pm_decimal *out)
{
    int64_t u = spec->unit_secs > 0 ? spec->unit_secs : 3600;
    return pm_decimal_div(secs, pm_decimal_from_int(u), 2, PM_ROUND_HALF_UP, out) == PM_DEC_OK;
}

/* The nearest-rank percentile p of the n sorted values: the value at rank
 * ceil(p * n / 100), at least 1. */
static pm_decimal nearest_rank(pm_decimal p, const pm_decimal *v, int64_t n)
{
    __int128 scale = 1;
    for (int i = 0; i < p.scale; i++) scale *= 10;
    __int128 num = p.coef * n, den = 100 * scale;
    __int128 rank = (num + den - 1) / den;
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

int rpt_metric_value(const rpt_spec *spec, const rpt_metric *m, const rpt_state *cst, pm_decimal *out)
{
    rpt_state *st = (rpt_state *)cst; /* percentiles sort the values in place */
    pm_decimal v;
    switch (m->kind) {
    case MK_COUNT: *out = pm_decimal_from_int(st->a); return 1;
    case MK_RATIO:
        if (st->b == 0) return 0;
        return pm_decimal_div(pm_decimal_from_int(st->a), pm_decimal_from_int(st->b), RPT_RATE_SCALE, PM_ROUND_HALF_UP,
                              out) == PM_DEC_OK;
    case MK_SUM:
        if (st->x->overflow) return 0;
        if (m->diff) return in_unit(spec, st->x->sum, out);
        *out = st->x->sum;
        /* money: a sum of values with one or two places has two (6154.50) */
        if (out->scale == 1) pm_decimal_rescale(st->x->sum, 2, out);
        return 1;
    case MK_MIN:
    case MK_MAX:
        if (st->a == 0) return 0;
        v = m->kind == MK_MIN ? st->x->lo : st->x->hi;
        if (m->diff) return in_unit(spec, v, out);
        *out = v;
        return 1;
    case MK_PCT:
        if (st->a == 0) return 0;
        qsort(st->x->vals, (size_t)st->a, sizeof *st->x->vals, cmp_dec);
        v = nearest_rank(m->pct, st->x->vals, st->a);
        if (m->diff) return in_unit(spec, v, out);
        *out = v;
        return 1;
    case MK_MEAN:
        if (st->a == 0 || st->x->overflow) return 0;
        if (m->diff) {
            int64_t u = spec->unit_secs > 0 ? spec->unit_secs : 3600;
            pm_decimal den;
            if (pm_decimal_mul(pm_decimal_from_int(st->a), pm_decimal_from_int(u), &den) != PM_DEC_OK) return 0;
            return pm_decimal_div(st->x->sum, den, 2, PM_ROUND_HALF_UP, out) == PM_DEC_OK;
        }
        {
            int scale = st->x->sum.scale + RPT_MEAN_EXTRA_SCALE;
            if (scale > PM_DEC_MAX_SCALE) scale = PM_DEC_MAX_SCALE;
            return pm_decimal_div(st->x->sum, pm_decimal_from_int(st->a), scale, PM_ROUND_HALF_UP, out) == PM_DEC_OK;
        }
    }
    return 0;
}

static int metric_value(const rpt_spec *spec, const rpt_metric *m, const rpt_state *st, pm_decimal *out)
{
    return rpt_metric_value(spec, m, st, out);
}

/* pass (1), fail (0) or n/a (-1) of target tg for metric m in state st.
 * Compared exactly: a rate num/den against v as num <=> v * den. */
static int target_result(const rpt_spec *spec, const rpt_metric *m, const rpt_state *st, const rpt_target *tg)
{
    pm_decimal lhs, rhs = tg->value;
    if (m->diff || m->kind == MK_PCT) {
        if (!rpt_metric_value(spec, m, st, &lhs)) return -1;
        goto compare;
    }
    switch (m->kind) {
    case MK_COUNT: lhs = pm_decimal_from_int(st->a); break;
    case MK_RATIO:
        if (st->b == 0) return -1;
        lhs = pm_decimal_from_int(st->a);
        if (pm_decimal_mul(tg->value, pm_decimal_from_int(st->b), &rhs) != PM_DEC_OK) return -1;
        break;
    case MK_SUM:
        if (st->x->overflow) return -1;
        lhs = st->x->sum;
        break;
    case MK_MIN:
    case MK_MAX:
        if (st->a == 0) return -1;
        lhs = m->kind == MK_MIN ? st->x->lo : st->x->hi;
        break;
    case MK_MEAN:
        if (st->a == 0 || st->x->overflow) return -1;
        lhs = st->x->sum;
        if (pm_decimal_mul(tg->value, pm_decimal_from_int(st->a), &rhs) != PM_DEC_OK) return -1;
        break;
    default: return -1;
    }
compare:;
    int c = pm_decimal_cmp(lhs, rhs);
    switch (tg->cmp) {
    case CMP_GE: return c >= 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    case CMP_LT: return c < 0;
    case CMP_EQ: return c == 0;
    }
    return -1;
}

static const char *result_word(const rpt_spec *spec, int r)
{
    const char *w = r > 0 ? "pass" : r == 0 ? "fail" : "n/a";
    return spec->zh ? rpt_zh(w) : w;
}

static char *target_text(rpt_table *t, const rpt_metric *m, const rpt_target *tg)
{
    pm_decimal v = tg->value;
    if (m->kind == MK_RATIO && v.scale < RPT_RATE_SCALE) pm_decimal_rescale(tg->value, RPT_RATE_SCALE, &v);
    return afmt_dec(t, v);
}

static const rpt_target *find_target(const rpt_spec *spec, const rpt_metric *m)
{
    for (int i = 0; i < spec->ntargets; i++)
        if (strcmp(spec->targets[i].figure, m->name) == 0) return &spec->targets[i];
    return NULL;
}

static rpt_ctype value_type(const rpt_metric *m)
{
    switch (m->kind) {
    case MK_COUNT: return CT_INT;
    case MK_RATIO: return CT_RATE;
    default: return CT_DEC;
    }
}

/* Key value number k of g as shown: with --lang=zh its Chinese label. */
static const char *key_text(const rpt_spec *spec, int k, const rpt_group *g)
{
    const char *l = spec->value_labels ? rpt_value_label(spec, k, g->key[k]) : NULL;
    return l ? l : g->key[k];
}

static char *group_label(rpt_table *t, const rpt_spec *spec, int nkey, const rpt_group *g)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < nkey; i++) {
        if (i) pm_buf_adds(&b, " / ");
        const char *k = key_text(spec, i, g);
        pm_buf_adds(&b, k[0] ? k : "-");
    }
    if (nkey == 0) pm_buf_adds(&b, spec->zh ? "合计" : "total");
    char *s = adup(t, pm_buf_str(&b));
    pm_buf_free(&b);
    return s;
}

void rpt_table_build(rpt_table *t, rpt_spec *spec, rpt_group **groups, size_t n)
{
    memset(t, 0, sizeof *t);
    pm_arena_init(&t->arena);
    int nkey = (spec->period != PERIOD_NONE) + spec->nby;
    t->nkeys = nkey;
    t->title = spec->title ? spec->title : (spec->zh ? "统计报表" : "Report");
    t->sheet = spec->preset ? spec->preset : "report";
    t->zh = spec->zh;
    const char **cols = pm_arena_alloc(&t->arena, sizeof *cols * (size_t)(nkey + 4 * spec->nm + 8));
    int nc = 0;
    for (int i = 0; i < nkey; i++) cols[nc++] = rpt_label(spec, rpt_key_name(spec, i), NULL);

    /* Charts: one per charted metric, a bar per group. */
    t->charts = pm_arena_alloc(&t->arena, sizeof *t->charts * (size_t)(spec->nm + 1));
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        if (!m->chart || !spec->charts) continue;
        rpt_chart *c = &t->charts[t->ncharts++];
        memset(c, 0, sizeof *c);
        c->title = rpt_label(spec, m->name, m->name_zh);
        c->is_rate = m->kind == MK_RATIO;
        const rpt_target *tg = find_target(spec, m);
        if (tg) {
            c->has_target = 1;
            c->target = tg->value;
            c->cmp = tg->cmp;
        }
        c->n = (int)(n - (size_t)spec->has_total); /* no bar for the total */
        c->labels = pm_arena_alloc(&t->arena, sizeof *c->labels * (n + 1));
        c->vals = pm_arena_alloc(&t->arena, sizeof *c->vals * (n + 1));
        c->has = pm_arena_alloc(&t->arena, sizeof *c->has * (n + 1));
        c->result = pm_arena_alloc(&t->arena, sizeof *c->result * (n + 1));
        for (size_t g = 0; g < (size_t)c->n; g++) {
            c->labels[g] = group_label(t, spec, nkey, groups[g]);
            c->has[g] = metric_value(spec, m, &groups[g]->st[i], &c->vals[g]);
            c->result[g] = tg ? target_result(spec, m, &groups[g]->st[i], tg) : -1;
        }
    }

    if (spec->layout == LAYOUT_LONG) {
        static const char *const lc[] = {"figure", "numerator", "denominator", "value", "target", "result"};
        for (int i = 0; i < 6; i++) cols[nc++] = rpt_label(spec, lc[i], NULL);
        t->ncols = nc;
        t->cols = cols;
        t->nrows = (int)n * spec->nm;
        t->cells = pm_arena_alloc(&t->arena, sizeof *t->cells * (size_t)(t->nrows * nc + 1));
        int row = 0;
        for (size_t g = 0; g < n; g++) {
            for (int i = 0; i < spec->nm; i++, row++) {
                rpt_metric *m = &spec->m[i];
                rpt_state *st = &groups[g]->st[i];
                rpt_cell *c = &t->cells[row * nc];
                for (int k = 0; k < nkey; k++) c[k] = (rpt_cell){adup(t, key_text(spec, k, groups[g])), CT_TEXT};
                c += nkey;
                c[0] = (rpt_cell){adup(t, rpt_label(spec, m->name, m->name_zh)), CT_TEXT};
                c[1] = (rpt_cell){afmt_int(t, st->a), CT_INT};
                c[2] = (rpt_cell){afmt_int(t, st->b), CT_INT};
                pm_decimal v;
                c[3] = (rpt_cell){metric_value(spec, m, st, &v) ? afmt_dec(t, v) : "", value_type(m)};
                const rpt_target *tg = find_target(spec, m);
                if (tg) {
                    int r = target_result(spec, m, st, tg);
                    if (r == 0) t->failed = 1;
                    c[4] = (rpt_cell){target_text(t, m, tg), value_type(m)};
                    c[5] = (rpt_cell){adup(t, result_word(spec, r)), CT_TEXT};
                } else {
                    c[4] = (rpt_cell){"", CT_TEXT};
                    c[5] = (rpt_cell){"", CT_TEXT};
                }
            }
        }
        return;
    }

    /* Wide: a column per metric (a rate followed by its numerator and
     * denominator, NAME_n and NAME_d, when spec->rate_nd), then
     * target/result columns per target. */
    int nmc = 0; /* metric columns */
    for (int i = 0; i < spec->nm; i++) {
        const char *fig = rpt_label(spec, spec->m[i].name, spec->m[i].name_zh);
        cols[nc++] = fig;
        nmc++;
        if (spec->m[i].kind == MK_RATIO && spec->rate_nd) {
            pm_buf b = PM_BUF_INIT;
            pm_buf_addf(&b, "%s_%s", fig, spec->zh ? "分子" : "n");
            cols[nc++] = adup(t, pm_buf_str(&b));
            pm_buf_reset(&b);
            pm_buf_addf(&b, "%s_%s", fig, spec->zh ? "分母" : "d");
            cols[nc++] = adup(t, pm_buf_str(&b));
            pm_buf_free(&b);
            nmc += 2;
        }
    }
    int ntg = 0;
    int tgm[64];
    for (int i = 0; i < spec->nm && ntg < 64; i++) {
        rpt_metric *m = &spec->m[i];
        if (!find_target(spec, m)) continue;
        tgm[ntg++] = i;
        const char *fig = rpt_label(spec, m->name, m->name_zh);
        pm_buf b = PM_BUF_INIT;
        pm_buf_addf(&b, spec->zh ? "%s%s" : "%s_%s", fig, spec->zh ? "目标" : "target");
        cols[nc++] = adup(t, pm_buf_str(&b));
        pm_buf_reset(&b);
        pm_buf_addf(&b, spec->zh ? "%s%s" : "%s_%s", fig, spec->zh ? "结果" : "result");
        cols[nc++] = adup(t, pm_buf_str(&b));
        pm_buf_free(&b);
    }
    t->ncols = nc;
    t->cols = cols;
    t->nrows = (int)n;
    t->cells = pm_arena_alloc(&t->arena, sizeof *t->cells * (size_t)(t->nrows * nc + 1));
    for (size_t g = 0; g < n; g++) {
        rpt_cell *c = &t->cells[g * (size_t)nc];
        for (int k = 0; k < nkey; k++) c[k] = (rpt_cell){adup(t, key_text(spec, k, groups[g])), CT_TEXT};
        c += nkey;
        for (int i = 0, j = 0; i < spec->nm; i++) {
            pm_decimal v;
            rpt_metric *m = &spec->m[i];
            const rpt_state *st = &groups[g]->st[i];
            c[j++] = (rpt_cell){metric_value(spec, m, st, &v) ? afmt_dec(t, v) : "", value_type(m)};
            if (m->kind == MK_RATIO && spec->rate_nd) {
                c[j++] = (rpt_cell){afmt_int(t, st->a), CT_INT};
                c[j++] = (rpt_cell){afmt_int(t, st->b), CT_INT};
            }
        }
        c += nmc;
        for (int j = 0; j < ntg; j++) {
            rpt_metric *m = &spec->m[tgm[j]];
            const rpt_target *tg = find_target(spec, m);
            int r = target_result(spec, m, &groups[g]->st[tgm[j]], tg);
            if (r == 0) t->failed = 1;
            c[2 * j] = (rpt_cell){target_text(t, m, tg), value_type(m)};
            c[2 * j + 1] = (rpt_cell){adup(t, result_word(spec, r)), CT_TEXT};
        }
    }
}

/* Row r's values of columns idx[0..n) equal row q's? */
static int same_cells(const rpt_table *t, int r, int q, const int *idx, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t->cells[r * t->ncols + idx[i]].text, t->cells[q * t->ncols + idx[i]].text) != 0) return 0;
    return 1;
}

/* The order of rows for qsort_r: by the key columns, then as they were. */
typedef struct {
    const rpt_table *t;
    const int *keys;
    int nkeys;
} row_order;

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const row_order *o = ctx;
    int r = *(const int *)a, q = *(const int *)b;
    for (int i = 0; i < o->nkeys; i++) {
        int c = rpt_natural_cmp(o->t->cells[r * o->t->ncols + o->keys[i]].text,
                                o->t->cells[q * o->t->ncols + o->keys[i]].text);
        if (c) return c;
    }
    return r - q;
}

void rpt_table_pivot(rpt_table *t, const rpt_spec *spec)
{
    if (spec->period == PERIOD_NONE || t->nrows == 0) return;
    /* the row keys: the --by columns (and the figure of the long layout);
     * the values: a column per metric (the long layout's value) */
    int keys[20], nk = 0, vals[64], nv = 0;
    const char *vnames[64];
    for (int i = 1; i < t->nkeys; i++) keys[nk++] = i;
    if (spec->layout == LAYOUT_LONG) {
        keys[nk++] = t->nkeys;
        vals[nv] = t->nkeys + 3;
        vnames[nv++] = NULL;
    } else {
        int c = t->nkeys;
        for (int i = 0; i < spec->nm && nv < 64; i++) {
            vals[nv] = c;
            vnames[nv++] = spec->nm > 1 ? t->cols[c] : NULL;
            c += 1 + (spec->m[i].kind == MK_RATIO && spec->rate_nd ? 2 : 0);
        }
    }
    /* periods: distinct, chronological (their labels sort so), empty last */
    int *pr = pm_xmalloc(sizeof *pr * (size_t)t->nrows);
    int np = 0;
    for (int r = 0; r < t->nrows; r++) {
        int seen = 0;
        for (int k = 0; k < np && !seen; k++)
            seen = strcmp(t->cells[pr[k] * t->ncols].text, t->cells[r * t->ncols].text) == 0;
        if (!seen) pr[np++] = r;
    }
    int zero = 0;
    row_order by_period = {t, &zero, 1};
    qsort_r(pr, (size_t)np, sizeof *pr, cmp_rows, &by_period);
    if (np > 1 && t->cells[pr[0] * t->ncols].text[0] == '\0') {
        int e = pr[0];
        memmove(pr, pr + 1, sizeof *pr * (size_t)(np - 1));
        pr[np - 1] = e;
    }
    /* rows: distinct row keys, in natural order */
    int *rr = pm_xmalloc(sizeof *rr * (size_t)t->nrows);
    int nr = 0;
    for (int r = 0; r < t->nrows; r++) {
        int seen = 0;
        for (int k = 0; k < nr && !seen; k++) seen = same_cells(t, rr[k], r, keys, nk);
        if (!seen) rr[nr++] = r;
    }
    row_order by_keys = {t, keys, nk};
    qsort_r(rr, (size_t)nr, sizeof *rr, cmp_rows, &by_keys);
    int ncols = nk + nv * np;
    const char **cols = pm_arena_alloc(&t->arena, sizeof *cols * (size_t)(ncols + 1));
    for (int i = 0; i < nk; i++) cols[i] = t->cols[keys[i]];
    for (int v = 0; v < nv; v++)
        for (int p = 0; p < np; p++) {
            const char *per = t->cells[pr[p] * t->ncols].text;
            if (!*per) per = "-";
            pm_buf b = PM_BUF_INIT;
            if (vnames[v])
                pm_buf_addf(&b, "%s %s", vnames[v], per);
            else
                pm_buf_adds(&b, per);
            cols[nk + v * np + p] = adup(t, pm_buf_str(&b));
            pm_buf_free(&b);
        }
    rpt_cell *cells = pm_arena_alloc(&t->arena, sizeof *cells * (size_t)(nr * ncols + 1));
    for (int i = 0; i < nr * ncols; i++) cells[i] = (rpt_cell){"", CT_TEXT};
    for (int i = 0; i < nr; i++)
        for (int k = 0; k < nk; k++) cells[i * ncols + k] = t->cells[rr[i] * t->ncols + keys[k]];
    for (int r = 0; r < t->nrows; r++) {
        int row = 0, per = 0;
        while (row < nr && !same_cells(t, rr[row], r, keys, nk)) row++;
        while (per < np && strcmp(t->cells[pr[per] * t->ncols].text, t->cells[r * t->ncols].text) != 0) per++;
        for (int v = 0; v < nv; v++) cells[row * ncols + nk + v * np + per] = t->cells[r * t->ncols + vals[v]];
    }
    free(pr);
    free(rr);
    t->cols = cols;
    t->ncols = ncols;
    t->nrows = nr;
    t->nkeys = nk;
    t->cells = cells;
}

void rpt_table_free(rpt_table *t)
{
    pm_arena_free(&t->arena);
}
