/* verify.c - comparing recomputed charges with a charges file made earlier.
 *
 * A charge is identified by period + source + rule + party.  The file is
 * read whole into a hash table (a month of charges is small next to the
 * inputs); each recomputed line claims the first unclaimed file line with
 * its key, so a key that legitimately occurs twice is matched line by line.
 * Differences:
 *   missing  - the inputs produce the charge, the file does not have it;
 *   changed  - both have it, the amounts differ (compared as numbers, so
 *              150.0 equals 150.00; an amount that is not a number differs);
 *   extra    - the file has a line the inputs do not produce.
 */
#include "fee.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;          /* period \x1f source \x1f rule \x1f party */
    size_t keylen;
    unsigned long hash;
    char *amount;       /* as written */
    pm_decimal value;
    int numeric;
    int used;
    long line;
    struct entry *next; /* bucket chain */
} entry;

struct fee_verify {
    entry *e;
    size_t n, cap;
    entry **bucket;
    size_t nbuckets;
    size_t next_extra;
    pm_buf key;
    char *other_schedule;  /* first other schedule_sha256 seen, or NULL */
    long other_line;
};

static const char *const key_fields[4] = {"period", "source", "rule", "party"};

static unsigned long hash_bytes(const char *s, size_t n)
{
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211UL;
    }
    return h;
}

static void make_key(pm_buf *b, const char *const v[4])
{
    pm_buf_reset(b);
    for (int i = 0; i < 4; i++) {
        if (i) pm_buf_addc(b, '\x1f');
        pm_buf_adds(b, v[i]);
    }
}

fee_verify *fee_verify_load(const char *path, const pm_read_opts *opts, const char *sha256, pm_error *err)
{
    pm_reader *rd = pm_reader_open(path, opts, err);
    if (!rd) return NULL;
    fee_verify *v = pm_xcalloc(1, sizeof *v);
    pm_buf_init(&v->key);
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
        const char *amount = pm_record_get(&rec, "amount");
        if (!failed && !amount) {
            pm_error_set(err, pm_reader_name(rd), rec.line, "a charges file needs an 'amount' field");
            failed = 1;
        }
        if (failed) break;
        const char *sha = pm_record_value(&rec, "schedule_sha256");
        if (*sha && strcmp(sha, sha256) != 0 && !v->other_schedule) {
            v->other_schedule = pm_xstrdup(sha);
            v->other_line = rec.line;
        }
        if (v->n == v->cap) {
            v->cap = v->cap ? 2 * v->cap : 256;
            v->e = pm_xrealloc(v->e, v->cap * sizeof *v->e);
        }
        entry *en = &v->e[v->n++];
        memset(en, 0, sizeof *en);
        make_key(&v->key, vals);
        en->key = pm_xstrndup(v->key.s, v->key.len);
        en->keylen = v->key.len;
        en->hash = hash_bytes(en->key, en->keylen);
        en->amount = pm_xstrdup(amount);
        en->numeric = pm_decimal_parse(amount, strlen(amount), &en->value) == PM_DEC_OK;
        en->line = rec.line;
    }
    pm_record_free(&rec);
    pm_reader_close(rd);
    if (failed) {
        fee_verify_free(v);
        return NULL;
    }
    v->nbuckets = 64;
    while (v->nbuckets < 2 * v->n) v->nbuckets *= 2;
    v->bucket = pm_xcalloc(v->nbuckets, sizeof *v->bucket);
    /* insert back to front so each chain lists equal keys in file order */
    for (size_t i = v->n; i-- > 0;) {
        entry *en = &v->e[i];
        size_t b = en->hash & (v->nbuckets - 1);
        en->next = v->bucket[b];
        v->bucket[b] = en;
    }
    return v;
}

const char *fee_verify_other_schedule(const fee_verify *v, long *line)
{
    *line = v->other_line;
    return v->other_schedule;
}

static void diff_record(pm_record *out, const char *kind, const char *const key[4],
                        const char *expected, const char *actual, const char *formula)
{
    pm_record_clear(out);
    pm_record_add(out, "difference", kind, strlen(kind));
    for (int i = 0; i < 4; i++) pm_record_add(out, key_fields[i], key[i], strlen(key[i]));
    pm_record_add(out, "expected_amount", expected, strlen(expected));
    pm_record_add(out, "actual_amount", actual, strlen(actual));
    if (formula) pm_record_add(out, "formula", formula, strlen(formula));
}

int fee_verify_check(fee_verify *v, const fee_line *l, int explain, pm_record *out)
{
    const char *key[4] = {l->period, l->source, l->rule, l->party};
    make_key(&v->key, key);
    unsigned long h = hash_bytes(v->key.s, v->key.len);
    entry *en;
    for (en = v->bucket[h & (v->nbuckets - 1)]; en; en = en->next)
        if (!en->used && en->hash == h && en->keylen == v->key.len && memcmp(en->key, v->key.s, en->keylen) == 0)
            break;
    const char *formula = explain ? (l->formula ? l->formula : "") : NULL;
    if (!en) {
        diff_record(out, "missing", key, l->amount, "", formula);
        return 1;
    }
    en->used = 1;
    if (en->numeric && pm_decimal_cmp(en->value, l->value) == 0) return 0;
    diff_record(out, "changed", key, l->amount, en->amount, formula);
    return 1;
}

int fee_verify_next_extra(fee_verify *v, int explain, pm_record *out)
{
    while (v->next_extra < v->n) {
        entry *en = &v->e[v->next_extra++];
        if (en->used) continue;
        /* split the stored key back into its four parts */
        char *parts[4], *p = en->key;
        for (int i = 0; i < 4; i++) {
            parts[i] = p;
            p = strchr(p, '\x1f');
            if (p) *p++ = '\0';
            else p = en->key + en->keylen;
        }
        diff_record(out, "extra", (const char *const *)parts, "", en->amount, explain ? "" : NULL);
        return 1;
    }
    return 0;
}

void fee_verify_free(fee_verify *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->e[i].key);
        free(v->e[i].amount);
    }
    free(v->e);
    free(v->bucket);
    free(v->other_schedule);
    pm_buf_free(&v->key);
    free(v);
}
