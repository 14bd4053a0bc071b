/* group.c - the groups of a report: a hash table from key (period label and
 * --by values) to the running aggregates of every metric.
 *
 * Memory is proportional to the number of groups: a record only updates
 * counters and exact decimal sums.  The same aggregates come back from
 * partial streams (--merge), and merging is exact (counts and decimal sums
 * add; min/max keep, among equal values, the one written with more places),
 * so a merged report is byte-identical to a single pass.  Under --protect
 * the values of personal --by fields are protected before they become keys
 * (personal.c), in a pass and in a merge of raw partials alike.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const key_names[] = {"_key1",  "_key2",  "_key3",  "_key4",  "_key5",  "_key6",
                                        "_key7",  "_key8",  "_key9",  "_key10", "_key11", "_key12",
                                        "_key13", "_key14", "_key15", "_key16", "_key17"};

void rpt_groups_init(rpt_groups *g, rpt_spec *spec)
{
    memset(g, 0, sizeof *g);
    g->spec = spec;
    g->nkey = (spec->period != PERIOD_NONE) + spec->nby;
    /* A group is the map's value: the group, its key pointers, its states. */
    pm_map_init(&g->map, sizeof(rpt_group) + sizeof(char *) * (size_t)g->nkey + sizeof(rpt_state) * (size_t)spec->nm);
    /* Conditions: their values' lengths; metrics whose first condition
     * reads the field an earlier one reads (the sla preset's statuses)
     * take its value instead of looking it up again. */
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        for (int k = 0; k < m->ncond; k++) m->cond[k].vlen = m->cond[k].value ? strlen(m->cond[k].value) : 0;
        for (int k = 0; k < m->nnum; k++) m->num[k].vlen = m->num[k].value ? strlen(m->num[k].value) : 0;
        m->same = -1;
        m->num_same = m->ncond == 1 && m->nnum == 1 && strcmp(m->cond[0].f.name, m->num[0].f.name) == 0;
        for (int j = 0; j < i && m->ncond > 0 && m->same < 0; j++)
            if (spec->m[j].ncond > 0 && spec->m[j].same < 0 &&
                strcmp(spec->m[j].cond[0].f.name, m->cond[0].f.name) == 0)
                m->same = j;
    }
    g->days = pm_xcalloc(RPT_DAY_CACHE, sizeof *g->days);
    pm_arena_init(&g->arena);
}

static void free_values(const rpt_groups *g, const rpt_group *x)
{
    for (int k = 0; k < g->spec->nm; k++)
        if (x->st[k].x) free(x->st[k].x->vals);
}

void rpt_groups_free(rpt_groups *g)
{
    size_t pos = 0;
    for (rpt_group *x; (x = pm_map_next(&g->map, &pos));) free_values(g, x);
    if (g->total) free_values(g, g->total);
    pm_map_free(&g->map);
    pm_buf_free(&g->kbuf);
    for (int i = 0; i < 16; i++) pm_buf_free(&g->keys[i]);
    free(g->source);
    free(g->days);
    pm_arena_free(&g->arena);
}

int64_t rpt_groups_skipped(const rpt_groups *g, int i)
{
    int64_t n = 0;
    size_t pos = 0;
    for (rpt_group *x; (x = pm_map_next(&g->map, &pos));)
        if (x->st[i].x) n += x->st[i].x->skipped;
    return n;
}

const char *rpt_key_name(const rpt_spec *spec, int i)
{
    if (spec->period != PERIOD_NONE) {
        if (i == 0) return "period";
        i--;
    }
    return spec->bycol[i] ? spec->bycol[i] : spec->by[i].name;
}

/* Zeroed states for group x (its stats from the groups' arena). */
static void init_states(rpt_groups *g, rpt_state *st)
{
    for (int i = 0; i < g->spec->nm; i++) {
        st[i].a = st[i].b = 0;
        st[i].x = NULL;
        rpt_kind k = g->spec->m[i].kind;
        if (k == MK_COUNT || k == MK_RATIO) continue;
        rpt_stats *x = pm_arena_alloc(&g->arena, sizeof *x);
        memset(x, 0, sizeof *x); /* the arena's memory is not zeroed */
        x->sum = x->lo = x->hi = pm_decimal_from_int(0);
        st[i].x = x;
    }
}

/* The group of key kv[0..nkey) (lengths kl), made when new.  The map's
 * key is the one value as it is, or each value after its 4-byte length
 * and followed by a NUL (("ab","") differs from ("a","b"), and the group's
 * key pointers point into it). */
static rpt_group *lookup_hashed(rpt_groups *g, const char *const *kv, const size_t *kl)
{
    const char *key = g->nkey == 1 ? kv[0] : "";
    size_t len = g->nkey == 1 ? kl[0] : 0;
    if (g->nkey > 1) {
        pm_buf *b = &g->kbuf;
        pm_buf_reset(b);
        for (int i = 0; i < g->nkey; i++) {
            uint32_t l = (uint32_t)kl[i];
            pm_buf_add(b, &l, sizeof l);
            pm_buf_add(b, kv[i], kl[i]);
            pm_buf_addc(b, '\0');
        }
        key = b->s;
        len = b->len;
    }
    int created;
    rpt_group *x = pm_map_insert(&g->map, key, len, &created);
    if (!created) return x;
    x->key = (char **)(x + 1);
    x->st = (rpt_state *)(x->key + g->nkey);
    char *p = (char *)pm_map_key(&g->map, x, NULL);
    if (g->nkey == 1) x->key[0] = p;
    for (int i = 0; g->nkey > 1 && i < g->nkey; i++) {
        x->key[i] = p + sizeof(uint32_t);
        p += sizeof(uint32_t) + kl[i] + 1;
    }
    init_states(g, x->st);
    g->n++;
    return x;
}

/* The slot of the recent-groups cache of a one-field key: its first 8
 * bytes and length, mixed with the seed.  A crafted key can only miss the
 * cache (every hit is checked in full), so it costs no more than the
 * map it falls back on; and reports by a field of a few values
 * (category, kind) skip the hash nearly always. */
static size_t recent_slot(const rpt_groups *g, const char *k, size_t len)
{
    uint64_t w = 0;
    memcpy(&w, k, len < 8 ? len : 8);
    return (size_t)(((w ^ (uint64_t)len ^ g->map.seed[0]) * 0x9E3779B97F4A7C15ULL) >> 56);
}

static rpt_group *lookup(rpt_groups *g, const char *const *kv, const size_t *kl)
{
    if (g->nkey != 1) return lookup_hashed(g, kv, kl);
    size_t c = recent_slot(g, kv[0], kl[0]), len = 0;
    rpt_group *x = g->recent[c];
    if (x) pm_map_key(&g->map, x, &len);
    if (x && len == kl[0] && memcmp(x->key[0], kv[0], kl[0]) == 0) return x;
    x = lookup_hashed(g, kv, kl);
    g->recent[c] = x;
    return x;
}

void rpt_groups_ensure_total(rpt_groups *g)
{
    if (g->nkey == 0) lookup(g, NULL, NULL);
}

/* Writes the period label of local day d: 2024-07-03, 2024-W27 or 2024-07. */
static void period_label(rpt_period p, pm_day d, char out[16])
{
    int y, m, dd;
    if (p == PERIOD_WEEK) {
        /* ISO 8601: the week belongs to the year of its Thursday. */
        pm_day thu = d - pm_day_weekday(d) + 3;
        pm_civil_from_day(thu, &y, &m, &dd);
        int week = (int)((thu - pm_day_from_civil(y, 1, 1)) / 7) + 1;
        snprintf(out, 16, "%04d-W%02d", y % 10000, week % 100);
        return;
    }
    pm_civil_from_day(d, &y, &m, &dd);
    if (p == PERIOD_QUARTER)
        snprintf(out, 16, "%04d-Q%c", y % 10000, (char)('1' + (m - 1) / 3 % 4));
    else if (p == PERIOD_YEAR)
        snprintf(out, 16, "%04d", y % 10000);
    else if (p == PERIOD_MONTH)
        snprintf(out, 16, "%04d-%02d", y % 10000, m % 100);
    else
        snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, dd % 100);
}

static void record_error(rpt_groups *g, const pm_record *r, const char *fmt, const char *a, const char *b)
{
    g->errors++;
    /* One message per record is enough. */
    if (g->last_err_seq == g->seq) return;
    g->last_err_seq = g->seq;
    pm_warn_at(r->source, r->line, fmt, a, b);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static int blank(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_ws(v[i])) return 0;
    return 1;
}

/* Keeps value d of a percentile metric as value number st->a. */
static void keep_value(rpt_state *st, pm_decimal d)
{
    PM_GROW(st->x->vals, (size_t)st->a + 1, st->x->cap);
    st->x->vals[st->a] = d;
}

/* The value of a metric in record r: the decimal of its field, or the
 * seconds between two timestamps.  1 with *d, 0 when there is none
 * (*skip set when a difference lacked a side), -1 after an error. */
static int record_value(rpt_groups *g, rpt_metric *m, const pm_record *r, pm_decimal *d, int *skip)
{
    size_t len;
    const char *v = rpt_field_get(&m->field, r, &len);
    *skip = 0;
    if (m->diff) {
        size_t len2;
        const char *v2 = rpt_field_get(&m->field2, r, &len2);
        if (len == 0 || len2 == 0 || blank(v, len) || blank(v2, len2)) {
            *skip = 1;
            return 0;
        }
        pm_time a, b;
        pm_error e;
        if (pm_time_parse(v, len, g->spec->tz, &a, &e) != 0) {
            record_error(g, r, "%s: cannot read '%s' as a time", m->name, v);
            return -1;
        }
        if (pm_time_parse(v2, len2, g->spec->tz, &b, &e) != 0) {
            record_error(g, r, "%s: cannot read '%s' as a time", m->name, v2);
            return -1;
        }
        *d = pm_decimal_from_int(a - b);
        return 1;
    }
    if (len == 0 || blank(v, len)) return 0; /* no value */
    if (pm_decimal_parse(v, len, d) != PM_DEC_OK) {
        record_error(g, r, "%s: '%s' is not a number", m->name, v);
        return -1;
    }
    return 1;
}

static void update_stats(rpt_groups *g, rpt_metric *m, rpt_state *st, const pm_record *r)
{
    rpt_stats *x = st->x;
    pm_decimal d;
    int skip;
    if (record_value(g, m, r, &d, &skip) <= 0) {
        x->skipped += skip;
        return;
    }
    if (d.scale > x->maxscale) x->maxscale = d.scale;
    if (m->kind == MK_SUM || m->kind == MK_MEAN) {
        pm_decimal s;
        if (pm_decimal_add(x->sum, d, &s) != PM_DEC_OK) {
            const char *v = pm_record_value(r, m->field.name);
            record_error(g, r, "%s: the sum overflows at '%s'", m->name, v);
            x->overflow = 1;
            return;
        }
        x->sum = s;
    }
    if (m->kind == MK_MIN) {
        int c = st->a ? pm_decimal_cmp(d, x->lo) : -1;
        if (c < 0 || (c == 0 && d.scale > x->lo.scale)) x->lo = d;
    }
    if (m->kind == MK_MAX) {
        int c = st->a ? pm_decimal_cmp(d, x->hi) : 1;
        if (c > 0 || (c == 0 && d.scale > x->hi.scale)) x->hi = d;
    }
    if (m->kind == MK_PCT) keep_value(st, d);
    st->a++;
}

/* Forgets the header pointers the fields remember (a new input has a new
 * header, which may reuse the old one's memory for other names). */
static void forget_fields(rpt_spec *spec)
{
    spec->time_field.seen = NULL;
    for (int i = 0; i < spec->nby; i++) spec->by[i].seen = NULL;
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        m->field.seen = NULL;
        m->field2.seen = NULL;
        rpt_expr_forget(m->expr);
        rpt_expr_forget(m->dexpr);
        for (int k = 0; k < m->ncond; k++) m->cond[k].f.seen = NULL;
        for (int k = 0; k < m->nnum; k++) m->num[k].f.seen = NULL;
    }
    for (int i = 0; i < spec->nwhere; i++) rpt_expr_forget(spec->where[i]);
}

static const char *const weekdays[] = {"1 Mon", "2 Tue", "3 Wed", "4 Thu", "5 Fri", "6 Sat", "7 Sun"};

/* The value of derived key number i of record r (in g->derived[i]), or
 * NULL after an error. */
static const char *derived_key(rpt_groups *g, int i, const pm_record *r, size_t *len)
{
    rpt_spec *spec = g->spec;
    size_t vl;
    const char *v = rpt_field_get(&spec->by[i], r, &vl);
    char *out = g->derived[i];
    if (spec->byfn[i] == KEY_PART) {
        /* part N (from 1; negative: from the end) of v split at sep */
        const char *sep = spec->bysep[i];
        size_t sl = strlen(sep);
        const char *parts[64];
        size_t plen[64];
        int np = 0;
        const char *p = v, *end = v + vl;
        while (np < 64) {
            const char *q = sl ? memmem(p, (size_t)(end - p), sep, sl) : NULL;
            parts[np] = p;
            plen[np] = q ? (size_t)(q - p) : (size_t)(end - p);
            np++;
            if (!q) break;
            p = q + sl;
        }
        int n = spec->bypart[i];
        int k = n > 0 ? n - 1 : np + n;
        if (vl == 0 || k < 0 || k >= np) {
            *len = 0;
            return "";
        }
        *len = plen[k];
        return parts[k];
    }
    if (vl == 0 || blank(v, vl)) {
        *len = 0;
        return "";
    }
    pm_time t;
    pm_error e;
    if (pm_time_parse(v, vl, spec->tz, &t, &e) != 0) {
        record_error(g, r, "%s: cannot read '%s' as a time; the record is not counted", spec->by[i].name, v);
        return NULL;
    }
    if (spec->byfn[i] == KEY_WEEKDAY) {
        snprintf(out, 32, "%s", weekdays[pm_day_weekday(pm_tz_day(spec->tz, t))]);
    } else {
        int64_t secs = t + pm_tz_offset(spec->tz, t);
        int64_t sod = ((secs % 86400) + 86400) % 86400;
        snprintf(out, 32, "%02d", (int)(sod / 3600));
    }
    *len = strlen(out);
    return out;
}

/* 1 when record r passes --where, --since and --until. */
static int selected(rpt_groups *g, const pm_record *r)
{
    rpt_spec *spec = g->spec;
    for (int i = 0; i < spec->nwhere; i++)
        if (!rpt_expr_holds(spec->where[i], r, spec->tz)) return 0;
    if (spec->has_since || spec->has_until) {
        size_t len;
        const char *v = rpt_field_get(&spec->time_field, r, &len);
        pm_time t;
        pm_error e;
        if (len == 0 || blank(v, len)) return 0;
        if (pm_time_parse(v, len, spec->tz, &t, &e) != 0) {
            record_error(g, r, "%s: cannot read '%s' as a time; the record is not counted", spec->time_field.name, v);
            return -1;
        }
        if ((spec->has_since && t < spec->since) || (spec->has_until && t >= spec->until)) return 0;
    }
    return 1;
}

static int cond1(const rpt_cond *c, const char *v, size_t len);

int rpt_groups_add(rpt_groups *g, const pm_record *r)
{
    rpt_spec *spec = g->spec;
    g->seq++;
    /* By name: a reader's name may reuse the memory of the last one's. */
    const char *src = r->source ? r->source : "";
    if (!g->source || strcmp(src, g->source) != 0) {
        free(g->source);
        g->source = pm_xstrdup(src);
        forget_fields(spec);
    }
    if (spec->nwhere || spec->has_since || spec->has_until) {
        int sel = selected(g, r);
        if (sel <= 0) {
            g->filtered += sel == 0;
            return sel;
        }
    }
    const char *kv[20];
    size_t kl[20];
    char label[16];
    int k = 0;
    if (spec->period != PERIOD_NONE) {
        size_t len;
        const char *v = rpt_field_get(&spec->time_field, r, &len);
        if (len == 0 || blank(v, len)) {
            /* no time (an open ticket's resolved_at): the empty period */
            if (g->notime++ == 0)
                pm_warn_at(r->source, r->line,
                           "warning: %s is empty; such records are counted under an empty period (--stats counts them)",
                           spec->time_field.name);
            kv[k] = "";
            kl[k] = 0;
            k++;
        } else {
            pm_time t;
            pm_error e;
            if (pm_time_parse(v, len, spec->tz, &t, &e) != 0) {
                record_error(g, r, "%s: cannot read '%s' as a time; the record is not counted", spec->time_field.name,
                             v);
                return -1;
            }
            pm_day day = pm_tz_day(spec->tz, t);
            /* Labels of recent days, direct-mapped: most inputs span a few
             * hundred days, so nearly every record finds its day here. */
            struct rpt_daylabel *dl = &g->days[(uint64_t)day % RPT_DAY_CACHE];
            if (!dl->set || dl->day != day) {
                period_label(spec->period, day, dl->label);
                dl->day = day;
                dl->len = strlen(dl->label);
                dl->set = 1;
            }
            memcpy(label, dl->label, dl->len + 1);
            kv[k] = label;
            kl[k] = dl->len;
            k++;
        }
    }
    for (int i = 0; i < spec->nby; i++, k++) {
        if (spec->byfn[i] != KEY_FIELD) {
            kv[k] = derived_key(g, i, r, &kl[k]);
            if (!kv[k]) return -1;
        } else {
            kv[k] = rpt_field_get(&spec->by[i], r, &kl[k]);
        }
        rpt_protect_key(spec, i, &kv[k], &kl[k], &g->keys[i]);
    }
    rpt_group *x = lookup(g, kv, kl);
    const char *cv[64]; /* values of the metrics' first conditions' fields */
    size_t cl[64];
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        rpt_state *st = &x->st[i];
        if (m->ncond > 0) {
            if (m->same >= 0) {
                cv[i] = cv[m->same];
                cl[i] = cl[m->same];
            } else {
                cv[i] = rpt_field_get(&m->cond[0].f, r, &cl[i]);
            }
        }
        switch (m->kind) {
        case MK_COUNT:
            if (m->ncond == 1 && m->cond[0].value && !m->cond[0].anyof && !m->expr) {
                /* F = V, the presets' counts: the value read once */
                st->a += cl[i] == m->cond[0].vlen && memcmp(cv[i], m->cond[0].value, cl[i]) == 0;
                break;
            }
            if (rpt_cond_holds(m->cond, m->ncond, r) && (!m->expr || rpt_expr_holds(m->expr, r, spec->tz))) st->a++;
            break;
        case MK_RATIO:
            if (m->num_same && !m->expr && !m->dexpr) {
                /* the presets' rates: one field, read once */
                if (cond1(&m->cond[0], cv[i], cl[i])) {
                    st->b++;
                    st->a += cond1(&m->num[0], cv[i], cl[i]);
                }
                break;
            }
            if (rpt_cond_holds(m->cond, m->ncond, r) && (!m->dexpr || rpt_expr_holds(m->dexpr, r, spec->tz))) {
                st->b++;
                if (rpt_cond_holds(m->num, m->nnum, r) && (!m->expr || rpt_expr_holds(m->expr, r, spec->tz))) st->a++;
            }
            break;
        default: update_stats(g, m, st, r); break;
        }
    }
    return 1;
}

/* Condition c on the value v (len bytes) of its field. */
static int cond1(const rpt_cond *c, const char *v, size_t len)
{
    if (c->anyof) {
        for (const char *const *a = c->anyof; *a; a++)
            if (strlen(*a) == len && memcmp(v, *a, len) == 0) return 1;
        return 0;
    }
    if (c->value == NULL) return len != 0;
    return len == c->vlen && memcmp(v, c->value, len) == 0;
}

/* Merging partial records ------------------------------------------------- */

/* A count: decimal digits only, as rpt_ledger_row reads them. */
static int get_int(const pm_record *r, const char *name, int64_t *out)
{
    const char *v = pm_record_get(r, name);
    if (!v || !*v) return -1;
    int64_t x = 0;
    for (; *v; v++)
        if (*v < '0' || *v > '9' || __builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, *v - '0', &x))
            return -1;
    *out = x;
    return 0;
}

static int get_dec(const pm_record *r, const char *name, pm_decimal *out, int *has)
{
    const char *v = pm_record_get(r, name);
    if (!v) return -1;
    *has = *v != '\0';
    if (!*has) return 0;
    return pm_decimal_parse(v, strlen(v), out) == PM_DEC_OK ? 0 : -1;
}

static void merge_error(rpt_groups *g, const pm_record *r, const char *what)
{
    g->errors++;
    pm_warn_at(r->source, r->line, "not a partial record of this report: %s", what);
}

/* Reads NAME.values: decimals separated by ';' into st (a of them). */
static int get_values(const pm_record *r, const char *name, rpt_state *st)
{
    const char *v = pm_record_get(r, name);
    if (!v) return -1;
    int64_t n = 0;
    while (*v) {
        const char *e = strchr(v, ';');
        size_t len = e ? (size_t)(e - v) : strlen(v);
        pm_decimal d;
        if (pm_decimal_parse(v, len, &d) != PM_DEC_OK) return -1;
        st->a = n;
        keep_value(st, d);
        if (d.scale > st->x->maxscale) st->x->maxscale = d.scale;
        n++;
        if (!e) break;
        v = e + 1;
    }
    st->a = n;
    return 0;
}

static void free_adds(rpt_stats *add, int n)
{
    for (int i = 0; i < n; i++) free(add[i].vals);
}

static int counts_overflow(const rpt_state *dst, const rpt_state *src);
static int state_add(const rpt_metric *m, rpt_state *dst, const rpt_state *src);

void rpt_groups_merge(rpt_groups *g, const pm_record *r, int raw)
{
    rpt_spec *spec = g->spec;
    const char *kv[20];
    size_t kl[20];
    int nperiod = spec->period != PERIOD_NONE;
    for (int i = 0; i < g->nkey; i++) {
        kv[i] = pm_record_get(r, key_names[i]);
        if (!kv[i]) {
            merge_error(g, r, key_names[i]);
            return;
        }
        kl[i] = strlen(kv[i]);
        if (raw && i >= nperiod) rpt_protect_key(spec, i - nperiod, &kv[i], &kl[i], &g->keys[i - nperiod]);
    }
    /* Read everything first so a bad record changes nothing.  Whether
     * the counts are possible, rpt_ledger_row judged before. */
    rpt_state add[64];
    rpt_stats addx[64];
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        rpt_state *s = &add[i];
        rpt_stats *x = &addx[i];
        memset(x, 0, sizeof *x);
        x->sum = x->lo = x->hi = pm_decimal_from_int(0);
        *s = (rpt_state){0, 0, m->kind == MK_COUNT || m->kind == MK_RATIO ? NULL : x};
        int bad = get_int(r, m->pcol[0], &s->a) != 0, has;
        if (m->kind == MK_RATIO) {
            bad |= get_int(r, m->pcol[1], &s->b) != 0;
        } else if (m->kind == MK_PCT) {
            bad |= get_values(r, m->pcol[1], s) != 0;
            bad |= get_int(r, m->pcol[2], &x->skipped) != 0;
        } else if (m->kind != MK_COUNT) {
            bad |= get_dec(r, m->pcol[1], &x->sum, &has) != 0;
            x->overflow = s->a > 0 && !has; /* the shard's sum overflowed */
            bad |= get_dec(r, m->pcol[2], &x->lo, &has) != 0;
            bad |= get_dec(r, m->pcol[3], &x->hi, &has) != 0;
            if (m->diff) bad |= get_int(r, m->pcol[4], &x->skipped) != 0;
        }
        if (bad) {
            free_adds(addx, i + 1);
            merge_error(g, r, m->name);
            return;
        }
    }
    rpt_group *x = lookup(g, kv, kl);
    /* Counters: a sum beyond 2^63 - 1 is reported, not wrapped. */
    for (int i = 0; i < spec->nm; i++)
        if (counts_overflow(&x->st[i], &add[i])) {
            g->errors++;
            g->overflows++;
            pm_warn_at(r->source, r->line, "%s: the counts overflow (more than 2^63 - 1); the partial is not merged",
                       spec->m[i].name);
            free_adds(addx, spec->nm);
            return;
        }
    for (int i = 0; i < spec->nm; i++) {
        int rc = state_add(&spec->m[i], &x->st[i], &add[i]);
        if (rc) {
            g->errors++;
            pm_warn_at(r->source, r->line, rc == 1 ? "%s: the sum overflowed in this partial" : "%s: the sum overflows",
                       spec->m[i].name);
        }
    }
    free_adds(addx, spec->nm);
}

int rpt_natural_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        if (*p >= '0' && *p <= '9' && *q >= '0' && *q <= '9') {
            const unsigned char *p0 = p, *q0 = q;
            while (*p0 == '0' && p0[1] >= '0' && p0[1] <= '9') p0++;
            while (*q0 == '0' && q0[1] >= '0' && q0[1] <= '9') q0++;
            const unsigned char *pe = p0, *qe = q0;
            while (*pe >= '0' && *pe <= '9') pe++;
            while (*qe >= '0' && *qe <= '9') qe++;
            if (pe - p0 != qe - q0) return pe - p0 < qe - q0 ? -1 : 1;
            int c = memcmp(p0, q0, (size_t)(pe - p0));
            if (c) return c < 0 ? -1 : 1;
            /* same value: fewer leading zeros first, for a total order */
            if (p0 - p != q0 - q) return p0 - p < q0 - q ? -1 : 1;
            p = pe;
            q = qe;
            continue;
        }
        if (*p != *q) return *p < *q ? -1 : 1;
        p++;
        q++;
    }
    return *p ? 1 : *q ? -1 : 0;
}

static int cmp_groups(const void *a, const void *b, void *ctx)
{
    const rpt_groups *g = ctx;
    const rpt_group *x = *(rpt_group *const *)a, *y = *(rpt_group *const *)b;
    int nperiod = g->spec->period != PERIOD_NONE;
    for (int i = 0; i < g->nkey; i++) {
        /* periods in time order (their labels sort so), no period last */
        if (i < nperiod && (!x->key[i][0] || !y->key[i][0])) {
            if (!x->key[i][0] != !y->key[i][0]) return !x->key[i][0] ? 1 : -1;
            continue;
        }
        int c = rpt_natural_cmp(x->key[i], y->key[i]);
        if (c) return c;
    }
    return 0;
}

rpt_group **rpt_groups_sorted(rpt_groups *g)
{
    rpt_group **v = pm_xmalloc(sizeof *v * (g->n + 1));
    size_t k = 0, pos = 0;
    for (rpt_group *x; (x = pm_map_next(&g->map, &pos));) v[k++] = x;
    qsort_r(v, k, sizeof *v, cmp_groups, g);
    return v;
}

const char *rpt_partial_key_name(int i)
{
    return key_names[i];
}

int rpt_route_partial(rpt_groups *const *gs, int n, const pm_record *r, char **last_src, int *raw)
{
    const char *sig = pm_record_get(r, "_partial");
    *raw = 0;
    if (sig)
        for (int i = 0; i < n; i++) {
            if (strcmp(sig, gs[i]->spec->signature) == 0) return i;
            /* the same report of raw data: this run protects its keys */
            if (strcmp(sig, gs[i]->spec->raw_signature) == 0) {
                *raw = 1;
                return i;
            }
        }
    /* One message per input is enough: a whole file is from another run. */
    const char *src = r->source ? r->source : "-";
    if (*last_src && strcmp(*last_src, src) == 0) return -1;
    free(*last_src);
    *last_src = pm_xstrdup(src);
    if (!sig)
        pm_warn_at(r->source, r->line, "not a partial record (no _partial field; make them with --partial)");
    else
        pm_warn_at(r->source, r->line, "partial made with other options ('%s'; this run is '%s')", sig,
                   gs[0]->spec->signature);
    return -1;
}

/* 1 when adding src's counters to dst's would pass 2^63 - 1. */
static int counts_overflow(const rpt_state *dst, const rpt_state *src)
{
    int64_t t;
    return __builtin_add_overflow(dst->a, src->a, &t) || __builtin_add_overflow(dst->b, src->b, &t) ||
           (dst->x && __builtin_add_overflow(dst->x->skipped, src->x->skipped, &t));
}

/* Adds the aggregates of src to dst (both of metric m), for a merge and
 * the total; counts_overflow(dst, src) is 0.  Counts and decimal sums add;
 * min/max keep, among equal values, the one written with more places.
 * Returns 0; 1 when src has no sum (it overflowed), 2 when the sum
 * overflows now: dst then has no sum either. */
static int state_add(const rpt_metric *m, rpt_state *dst, const rpt_state *src)
{
    int rc = 0;
    rpt_stats *d = dst->x;
    const rpt_stats *s = src->x;
    if (m->kind == MK_SUM || m->kind == MK_MEAN) {
        pm_decimal sum;
        if (s->overflow) {
            d->overflow = 1;
            rc = 1;
        } else if (pm_decimal_add(d->sum, s->sum, &sum) != PM_DEC_OK) {
            d->overflow = 1;
            rc = 2;
        } else {
            d->sum = sum;
        }
    }
    if (m->kind == MK_MIN && src->a) {
        int c = dst->a ? pm_decimal_cmp(s->lo, d->lo) : -1;
        if (c < 0 || (c == 0 && s->lo.scale > d->lo.scale)) d->lo = s->lo;
    }
    if (m->kind == MK_MAX && src->a) {
        int c = dst->a ? pm_decimal_cmp(s->hi, d->hi) : 1;
        if (c > 0 || (c == 0 && s->hi.scale > d->hi.scale)) d->hi = s->hi;
    }
    if (m->kind == MK_PCT) {
        int64_t a = dst->a;
        for (int64_t j = 0; j < src->a; j++, dst->a++) keep_value(dst, s->vals[j]);
        dst->a = a;
    }
    if (d) {
        if (s->maxscale > d->maxscale) d->maxscale = s->maxscale;
        d->skipped += s->skipped;
    }
    dst->a += src->a;
    dst->b += src->b;
    return rc;
}

rpt_group *rpt_groups_total(rpt_groups *g, rpt_group *const *groups, size_t n)
{
    rpt_spec *spec = g->spec;
    rpt_group *x = pm_arena_alloc(&g->arena, sizeof *x);
    x->key = pm_arena_alloc(&g->arena, sizeof *x->key * (size_t)(g->nkey + 1));
    for (int i = 0; i < g->nkey; i++) x->key[i] = (char *)(i == 0 ? (spec->zh ? "合计" : "total") : "");
    x->st = pm_arena_alloc(&g->arena, sizeof *x->st * (size_t)(spec->nm + 1));
    init_states(g, x->st);
    for (int i = 0; i < spec->nm; i++) {
        rpt_state *st = &x->st[i];
        for (size_t k = 0; k < n; k++) {
            const rpt_state *src = &groups[k]->st[i];
            int no_sum = st->x && st->x->overflow;
            if (!counts_overflow(st, src)) {
                /* a sum that overflows leaves the total without one; it
                 * was said where it overflowed */
                state_add(&spec->m[i], st, src);
            } else if (!no_sum) {
                pm_warn("%s: the total overflows; it has no figure", spec->m[i].name);
                if (st->x) st->x->overflow = 1;
                g->errors++;
                break;
            }
        }
    }
    g->total = x;
    return x;
}

typedef struct by_figure {
    const rpt_spec *spec;
    int metric, desc, nkey;
    rpt_groups *g;
} by_figure;

static int cmp_figure(const void *a, const void *b, void *ctx)
{
    const by_figure *f = ctx;
    const rpt_group *x = *(rpt_group *const *)a, *y = *(rpt_group *const *)b;
    const rpt_metric *m = &f->spec->m[f->metric];
    pm_decimal vx, vy;
    int hx = rpt_metric_value(f->spec, m, &x->st[f->metric], &vx);
    int hy = rpt_metric_value(f->spec, m, &y->st[f->metric], &vy);
    if (hx != hy) return hx ? -1 : 1; /* no figure: last either way */
    if (hx) {
        int c = pm_decimal_cmp(vx, vy);
        if (c) return f->desc ? -c : c;
    }
    return cmp_groups(a, b, f->g); /* ties in key order */
}

void rpt_groups_sort_by(rpt_groups *g, rpt_group **v, size_t n, int metric, int desc)
{
    by_figure f = {g->spec, metric, desc, g->nkey, g};
    qsort_r(v, n, sizeof *v, cmp_figure, &f);
}
