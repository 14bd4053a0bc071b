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
#define _GNU_SOURCE  /* qsort_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const key_names[] = {"_key1", "_key2", "_key3", "_key4", "_key5", "_key6",
                                        "_key7", "_key8", "_key9", "_key10", "_key11", "_key12",
                                        "_key13", "_key14", "_key15", "_key16", "_key17"};

void rpt_groups_init(rpt_groups *g, rpt_spec *spec)
{
    memset(g, 0, sizeof *g);
    g->spec = spec;
    g->nkey = (spec->period != PERIOD_NONE) + spec->nby;
    g->nslots = 1024;
    g->days = pm_xcalloc(RPT_DAY_CACHE, sizeof *g->days);
    g->slots = pm_xcalloc(g->nslots, sizeof *g->slots);
    pm_arena_init(&g->arena);
}

void rpt_groups_free(rpt_groups *g)
{
    for (int i = 0; i < 16; i++)
        pm_buf_free(&g->keys[i]);
    free(g->source);
    free(g->days);
    free(g->slots);
    pm_arena_free(&g->arena);
}

const char *rpt_key_name(const rpt_spec *spec, int i)
{
    if (spec->period != PERIOD_NONE) {
        if (i == 0)
            return "period";
        i--;
    }
    return spec->by[i].name;
}

static uint64_t hash_key(const char *const *kv, const size_t *kl, int n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) {
        for (size_t j = 0; j < kl[i]; j++) {
            h ^= (unsigned char)kv[i][j];
            h *= 1099511628211ULL;
        }
        h ^= 0xff;  /* separator: ("ab","") differs from ("a","b") */
        h *= 1099511628211ULL;
    }
    return h;
}

static void grow(rpt_groups *g)
{
    size_t nn = g->nslots * 2;
    rpt_group **ns = pm_xcalloc(nn, sizeof *ns);
    for (size_t i = 0; i < g->nslots; i++) {
        rpt_group *x = g->slots[i];
        while (x) {
            rpt_group *next = x->next;
            size_t s = x->hash & (nn - 1);
            x->next = ns[s];
            ns[s] = x;
            x = next;
        }
    }
    free(g->slots);
    g->slots = ns;
    g->nslots = nn;
}

static rpt_group *lookup(rpt_groups *g, const char *const *kv, const size_t *kl)
{
    uint64_t h = hash_key(kv, kl, g->nkey);
    size_t s = h & (g->nslots - 1);
    for (rpt_group *x = g->slots[s]; x; x = x->next) {
        if (x->hash != h)
            continue;
        int same = 1;
        for (int i = 0; i < g->nkey && same; i++)
            same = strlen(x->key[i]) == kl[i] && memcmp(x->key[i], kv[i], kl[i]) == 0;
        if (same)
            return x;
    }
    rpt_group *x = pm_arena_alloc(&g->arena, sizeof *x);
    x->hash = h;
    x->key = pm_arena_alloc(&g->arena, sizeof *x->key * (size_t)(g->nkey + 1));
    for (int i = 0; i < g->nkey; i++)
        x->key[i] = pm_arena_strndup(&g->arena, kv[i], kl[i]);
    x->st = pm_arena_alloc(&g->arena, sizeof *x->st * (size_t)(g->spec->nm + 1));
    for (int i = 0; i < g->spec->nm; i++) {
        memset(&x->st[i], 0, sizeof x->st[i]);  /* the arena's memory is not zeroed */
        x->st[i].sum = pm_decimal_from_int(0);
        x->st[i].lo = x->st[i].hi = pm_decimal_from_int(0);
    }
    x->next = g->slots[s];
    g->slots[s] = x;
    if (++g->n > g->nslots)
        grow(g);
    return x;
}

void rpt_groups_ensure_total(rpt_groups *g)
{
    if (g->nkey == 0)
        lookup(g, NULL, NULL);
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
    if (p == PERIOD_MONTH)
        snprintf(out, 16, "%04d-%02d", y % 10000, m % 100);
    else
        snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, dd % 100);
}

static void record_error(rpt_groups *g, const pm_record *r, const char *fmt, const char *a, const char *b)
{
    g->errors++;
    /* One message per record is enough. */
    if (g->last_err_seq == g->seq)
        return;
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
        if (!is_ws(v[i]))
            return 0;
    return 1;
}

static void update_stats(rpt_groups *g, rpt_metric *m, rpt_state *st, const pm_record *r)
{
    size_t len;
    const char *v = rpt_field_get(&m->field, r, &len);
    if (len == 0 || blank(v, len))
        return;  /* no value */
    pm_decimal d;
    if (pm_decimal_parse(v, len, &d) != PM_DEC_OK) {
        record_error(g, r, "%s: '%s' is not a number", m->name, v);
        return;
    }
    if (m->kind == MK_SUM || m->kind == MK_MEAN) {
        pm_decimal s;
        if (pm_decimal_add(st->sum, d, &s) != PM_DEC_OK) {
            record_error(g, r, "%s: the sum overflows at '%s'", m->name, v);
            st->overflow = 1;
            return;
        }
        st->sum = s;
    }
    if (m->kind == MK_MIN) {
        int c = st->a ? pm_decimal_cmp(d, st->lo) : -1;
        if (c < 0 || (c == 0 && d.scale > st->lo.scale))
            st->lo = d;
    }
    if (m->kind == MK_MAX) {
        int c = st->a ? pm_decimal_cmp(d, st->hi) : 1;
        if (c > 0 || (c == 0 && d.scale > st->hi.scale))
            st->hi = d;
    }
    st->a++;
}

/* Forgets the header pointers the fields remember (a new input has a new
 * header, which may reuse the old one's memory for other names). */
static void forget_fields(rpt_spec *spec)
{
    spec->time_field.seen = NULL;
    for (int i = 0; i < spec->nby; i++)
        spec->by[i].seen = NULL;
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        m->field.seen = NULL;
        for (int k = 0; k < m->ncond; k++)
            m->cond[k].f.seen = NULL;
        for (int k = 0; k < m->nnum; k++)
            m->num[k].f.seen = NULL;
    }
}

void rpt_groups_add(rpt_groups *g, const pm_record *r)
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
    const char *kv[20];
    size_t kl[20];
    char label[16];
    int k = 0;
    if (spec->period != PERIOD_NONE) {
        size_t len;
        const char *v = rpt_field_get(&spec->time_field, r, &len);
        if (len == 0) {
            record_error(g, r, "%s%s: no value, the record is not counted", spec->time_field.name, "");
            return;
        }
        pm_time t;
        pm_error e;
        if (pm_time_parse(v, len, spec->tz, &t, &e) != 0) {
            record_error(g, r, "%s: cannot read '%s' as a time; the record is not counted",
                         spec->time_field.name, v);
            return;
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
    for (int i = 0; i < spec->nby; i++, k++) {
        kv[k] = rpt_field_get(&spec->by[i], r, &kl[k]);
        rpt_protect_key(spec, i, &kv[k], &kl[k], &g->keys[i]);
    }
    rpt_group *x = lookup(g, kv, kl);
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        rpt_state *st = &x->st[i];
        switch (m->kind) {
        case MK_COUNT:
            if (rpt_cond_holds(m->cond, m->ncond, r))
                st->a++;
            break;
        case MK_RATIO:
            if (rpt_cond_holds(m->cond, m->ncond, r)) {
                st->b++;
                if (rpt_cond_holds(m->num, m->nnum, r))
                    st->a++;
            }
            break;
        default:
            update_stats(g, m, st, r);
            break;
        }
    }
}

/* Merging partial records ------------------------------------------------- */

static int get_int(const pm_record *r, const char *name, int64_t *out)
{
    const char *v = pm_record_get(r, name);
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || x < 0)
        return -1;
    *out = x;
    return 0;
}

static int get_dec(const pm_record *r, const char *name, pm_decimal *out, int *has)
{
    const char *v = pm_record_get(r, name);
    if (!v)
        return -1;
    *has = *v != '\0';
    if (!*has)
        return 0;
    return pm_decimal_parse(v, strlen(v), out) == PM_DEC_OK ? 0 : -1;
}

static void merge_error(rpt_groups *g, const pm_record *r, const char *what)
{
    g->errors++;
    pm_warn_at(r->source, r->line, "not a partial record of this report: %s", what);
}

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
        if (raw && i >= nperiod)
            rpt_protect_key(spec, i - nperiod, &kv[i], &kl[i], &g->keys[i - nperiod]);
    }
    /* Read everything first so a bad record changes nothing. */
    rpt_state add[64];
    int has_lo[64], has_hi[64], has_sum;
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        rpt_state *s = &add[i];
        memset(s, 0, sizeof *s);
        s->sum = s->lo = s->hi = pm_decimal_from_int(0);
        has_lo[i] = has_hi[i] = 0;
        int bad = get_int(r, m->pcol[0], &s->a) != 0;
        if (m->kind == MK_RATIO)
            bad |= get_int(r, m->pcol[1], &s->b) != 0;
        else if (m->kind != MK_COUNT) {
            bad |= get_dec(r, m->pcol[1], &s->sum, &has_sum) != 0;
            s->overflow = s->a > 0 && !has_sum;  /* the shard's sum overflowed */
            bad |= get_dec(r, m->pcol[2], &s->lo, &has_lo[i]) != 0;
            bad |= get_dec(r, m->pcol[3], &s->hi, &has_hi[i]) != 0;
        }
        if (bad) {
            merge_error(g, r, m->name);
            return;
        }
    }
    rpt_group *x = lookup(g, kv, kl);
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        rpt_state *st = &x->st[i], *s = &add[i];
        if (m->kind == MK_SUM || m->kind == MK_MEAN) {
            pm_decimal sum;
            if (s->overflow) {
                g->errors++;
                st->overflow = 1;
                pm_warn_at(r->source, r->line, "%s: the sum overflowed in this partial", m->name);
            }
            if (pm_decimal_add(st->sum, s->sum, &sum) != PM_DEC_OK) {
                g->errors++;
                st->overflow = 1;
                pm_warn_at(r->source, r->line, "%s: the sum overflows", m->name);
            } else {
                st->sum = sum;
            }
        }
        if (m->kind == MK_MIN && has_lo[i]) {
            int c = st->a ? pm_decimal_cmp(s->lo, st->lo) : -1;
            if (c < 0 || (c == 0 && s->lo.scale > st->lo.scale))
                st->lo = s->lo;
        }
        if (m->kind == MK_MAX && has_hi[i]) {
            int c = st->a ? pm_decimal_cmp(s->hi, st->hi) : 1;
            if (c > 0 || (c == 0 && s->hi.scale > st->hi.scale))
                st->hi = s->hi;
        }
        st->a += s->a;
        st->b += s->b;
    }
}

static int cmp_groups(const void *a, const void *b, void *nkey)
{
    const rpt_group *x = *(rpt_group *const *)a, *y = *(rpt_group *const *)b;
    for (int i = 0; i < *(int *)nkey; i++) {
        int c = strcmp(x->key[i], y->key[i]);
        if (c)
            return c;
    }
    return 0;
}

rpt_group **rpt_groups_sorted(rpt_groups *g)
{
    rpt_group **v = pm_xmalloc(sizeof *v * (g->n + 1));
    size_t k = 0;
    for (size_t i = 0; i < g->nslots; i++)
        for (rpt_group *x = g->slots[i]; x; x = x->next)
            v[k++] = x;
    qsort_r(v, k, sizeof *v, cmp_groups, &g->nkey);
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
            if (strcmp(sig, gs[i]->spec->signature) == 0)
                return i;
            /* the same report of raw data: this run protects its keys */
            if (strcmp(sig, gs[i]->spec->raw_signature) == 0) {
                *raw = 1;
                return i;
            }
        }
    /* One message per input is enough: a whole file is from another run. */
    const char *src = r->source ? r->source : "-";
    if (*last_src && strcmp(*last_src, src) == 0)
        return -1;
    free(*last_src);
    *last_src = pm_xstrdup(src);
    if (!sig)
        pm_warn_at(r->source, r->line, "not a partial record (no _partial field; make them with --partial)");
    else
        pm_warn_at(r->source, r->line, "partial made with other options ('%s'; this run is '%s')", sig,
                   gs[0]->spec->signature);
    return -1;
}
