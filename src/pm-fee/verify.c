/* verify.c - comparing recomputed charges with a charges file made earlier.
 *
 * A charge is identified by period + source + rule + party.  The file is
 * read once into a map (lib/map.h) of its distinct keys, each holding its
 * lines in file order and a cursor at the first line not yet claimed; each
 * recomputed line claims the line under its key's cursor, so a key that
 * legitimately occurs twice is matched line by line, in constant time
 * however often it repeats.  Memory grows with the charges file only (its
 * strings live in one arena); the recomputation is streamed past it.
 * Differences:
 *   missing  - the inputs produce the charge, the file does not have it;
 *   changed  - both have it and a compared field differs: one record per
 *              field (quantity, price, base, percent, amount, rule_version,
 *              schedule_sha256); numbers compare as numbers (150.0 is
 *              150.00), a value that is not a number differs from any;
 *   extra    - the file has a line the inputs do not produce.
 * A column the file does not have is not compared (charges files written
 * before it existed still verify).
 */
#include "fee.h"
#include "map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The compared fields, in output order. */
enum { C_QUANTITY, C_PRICE, C_BASE, C_PERCENT, C_AMOUNT, C_VERSION, C_SHA, NCMP };
static const char *const cmp_names[NCMP] = {"quantity", "price",        "base",           "percent",
                                            "amount",   "rule_version", "schedule_sha256"};
static const int cmp_numeric[NCMP] = {1, 1, 1, 1, 1, 0, 0};

static const char *const key_fields[4] = {"period", "source", "rule", "party"};

/* The lines of one key: the value of the key (period \x1f source \x1f rule
 * \x1f party) in the map. */
typedef struct group {
    uint32_t first, last, cursor; /* entry indexes; cursor NONE: all claimed */
} group;

/* One line of the charges file, in 32 bytes and its blob: each compared
 * value the file has, NUL-terminated, in cmp_names order; a
 * schedule_sha256 equal to the schedule's is not stored (same_sha). */
typedef struct entry {
    const group *g; /* its key's lines */
    const char *blob;
    uint32_t next;   /* next line of the same key, or NONE */
    uint32_t line;   /* saturates at UINT32_MAX */
    uint8_t present; /* bit k: the file has value k */
    uint8_t same_sha;
    uint8_t used;
} entry;

#define NONE UINT32_MAX

typedef struct diff {
    int field; /* -1: missing */
    const char *expected, *actual;
} diff;

struct fee_verify {
    entry *e;
    size_t n, cap;
    pm_map groups; /* key -> group */
    pm_arena arena;
    size_t next_extra;
    pm_buf key;
    char *other_schedule; /* first other schedule_sha256 seen, or NULL */
    long other_line;
    /* the differences of the last check */
    diff d[NCMP];
    int nd;
    const fee_line *line;
    const char *cur_amount;
    int explain;
    const char *sha; /* the schedule's */
};

static void make_key(pm_buf *b, const char *const v[4])
{
    pm_buf_reset(b);
    for (int i = 0; i < 4; i++) {
        if (i) pm_buf_addc(b, '\x1f');
        pm_buf_adds(b, v[i]);
    }
}

/* The values of en, NULL where the file has none. */
static void values(const fee_verify *v, const entry *en, const char *val[NCMP])
{
    const char *p = en->blob;
    for (int k = 0; k < NCMP; k++) {
        val[k] = NULL;
        if (k == C_SHA && en->same_sha) {
            val[k] = v->sha;
        } else if (en->present & (1u << k)) {
            val[k] = p;
            p += strlen(p) + 1;
        }
    }
}

fee_verify *fee_verify_load(const char *path, const pm_read_opts *opts, const char *sha256, pm_error *err)
{
    pm_reader *rd = pm_reader_open(path, opts, err);
    if (!rd) return NULL;
    fee_verify *v = pm_xcalloc(1, sizeof *v);
    pm_buf_init(&v->key);
    pm_arena_init(&v->arena);
    pm_map_init(&v->groups, sizeof(group));
    v->sha = pm_arena_strndup(&v->arena, sha256, strlen(sha256));
    pm_record rec;
    pm_record_init(&rec);
    int st, failed = 0;
    while ((st = pm_reader_next(rd, &rec, err)) != PM_READ_EOF) {
        if (st != PM_READ_OK) {
            failed = 1;
            break;
        }
        const char *vals[4];
        for (int i = 0; i < 4; i++) {
            vals[i] = pm_record_get(&rec, key_fields[i]);
            if (!vals[i]) {
                pm_error_set(err, pm_reader_name(rd), rec.line, "a charges file needs a '%s' field", key_fields[i]);
                failed = 1;
                break;
            }
        }
        if (!failed && !pm_record_get(&rec, "amount")) {
            pm_error_set(err, pm_reader_name(rd), rec.line, "a charges file needs an 'amount' field");
            failed = 1;
        }
        if (failed) break;
        if (v->n >= NONE - 1) {
            pm_error_set(err, pm_reader_name(rd), rec.line, "more than 4294967294 charges");
            failed = 1;
            break;
        }
        const char *sha = pm_record_get(&rec, "schedule_sha256");
        if (sha && *sha && strcmp(sha, sha256) != 0 && !v->other_schedule) {
            v->other_schedule = pm_xstrdup(sha);
            v->other_line = rec.line;
        }
        PM_GROW(v->e, v->n + 1, v->cap);
        uint32_t idx = (uint32_t)v->n++;
        entry *en = &v->e[idx];
        memset(en, 0, sizeof *en);
        make_key(&v->key, vals);
        int created;
        group *g = pm_map_insert(&v->groups, v->key.s, v->key.len, &created);
        if (created) {
            g->first = g->last = g->cursor = idx;
        } else {
            v->e[g->last].next = idx;
            g->last = idx;
        }
        en->g = g;
        en->line = rec.line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)rec.line;
        en->next = NONE;
        pm_buf_reset(&v->key);
        for (int k = 0; k < NCMP; k++) {
            const char *val = pm_record_get(&rec, cmp_names[k]);
            if (!val) continue;
            if (k == C_SHA && strcmp(val, v->sha) == 0) {
                en->same_sha = 1;
                continue;
            }
            en->present |= (uint8_t)(1u << k);
            pm_buf_add(&v->key, val, strlen(val) + 1);
        }
        en->blob = pm_arena_strndup(&v->arena, v->key.s, v->key.len);
    }
    pm_record_free(&rec);
    pm_reader_close(rd);
    if (failed) {
        fee_verify_free(v);
        return NULL;
    }
    return v;
}

const char *fee_verify_other_schedule(const fee_verify *v, long *line)
{
    *line = v->other_line;
    return v->other_schedule;
}

/* 1 when a and b are the same value (numbers as numbers). */
static int same(const char *a, const char *b, int numeric)
{
    if (strcmp(a, b) == 0) return 1;
    if (!numeric) return 0;
    pm_decimal x, y;
    return pm_decimal_parse(a, strlen(a), &x) == PM_DEC_OK && pm_decimal_parse(b, strlen(b), &y) == PM_DEC_OK &&
           pm_decimal_cmp(x, y) == 0;
}

int fee_verify_check(fee_verify *v, const fee_line *l, int explain)
{
    const char *key[4] = {l->period, l->source, l->rule, l->party};
    make_key(&v->key, key);
    group *g = pm_map_find(&v->groups, v->key.s, v->key.len);
    v->nd = 0;
    v->line = l;
    v->explain = explain;
    if (!g || g->cursor == NONE) {
        v->d[v->nd++] = (diff){-1, l->amount, ""};
        return v->nd;
    }
    entry *en = &v->e[g->cursor];
    en->used = 1;
    g->cursor = en->next;
    const char *mine[NCMP] = {l->quantity, l->price, l->base, l->percent, l->amount, l->version, v->sha};
    const char *theirs[NCMP];
    values(v, en, theirs);
    for (int k = 0; k < NCMP; k++) {
        if (!theirs[k] || !mine[k]) continue;
        if (!same(mine[k], theirs[k], cmp_numeric[k])) v->d[v->nd++] = (diff){k, mine[k], theirs[k]};
    }
    v->cur_amount = theirs[C_AMOUNT];
    return v->nd;
}

static void diff_record(pm_record *out, const char *kind, const char *const key[4], const char *exp_amount,
                        const char *act_amount, const char *field, const char *expected, const char *actual,
                        const char *formula)
{
    pm_record_clear(out);
    pm_record_add(out, "difference", kind, strlen(kind));
    for (int i = 0; i < 4; i++) pm_record_add(out, key_fields[i], key[i], strlen(key[i]));
    pm_record_add(out, "expected_amount", exp_amount, strlen(exp_amount));
    pm_record_add(out, "actual_amount", act_amount, strlen(act_amount));
    pm_record_add(out, "field", field, strlen(field));
    pm_record_add(out, "expected", expected, strlen(expected));
    pm_record_add(out, "actual", actual, strlen(actual));
    if (formula) pm_record_add(out, "formula", formula, strlen(formula));
}

void fee_verify_diff(fee_verify *v, int i, pm_record *out)
{
    const fee_line *l = v->line;
    const char *key[4] = {l->period, l->source, l->rule, l->party};
    const char *formula = v->explain ? (l->formula ? l->formula : "") : NULL;
    diff *d = &v->d[i];
    if (d->field < 0)
        diff_record(out, "missing", key, l->amount, "", "", "", "", formula);
    else
        diff_record(out, "changed", key, l->amount, v->cur_amount, cmp_names[d->field], d->expected, d->actual,
                    formula);
}

int fee_verify_next_extra(fee_verify *v, int explain, pm_record *out)
{
    while (v->next_extra < v->n) {
        entry *en = &v->e[v->next_extra++];
        if (en->used) continue;
        /* split the stored key back into its four parts */
        const char *theirs[NCMP];
        values(v, en, theirs);
        size_t keylen;
        const char *key = pm_map_key(&v->groups, en->g, &keylen);
        char *k = pm_xstrndup(key, keylen);
        char *parts[4], *p = k;
        for (int i = 0; i < 4; i++) {
            parts[i] = p;
            p = strchr(p, '\x1f');
            if (p)
                *p++ = '\0';
            else
                p = k + keylen;
        }
        diff_record(out, "extra", (const char *const *)parts, "", theirs[C_AMOUNT], "", "", "", explain ? "" : NULL);
        free(k);
        return 1;
    }
    return 0;
}

void fee_verify_free(fee_verify *v)
{
    if (!v) return;
    free(v->e);
    pm_map_free(&v->groups);
    pm_arena_free(&v->arena);
    free(v->other_schedule);
    pm_buf_free(&v->key);
    free(v);
}
