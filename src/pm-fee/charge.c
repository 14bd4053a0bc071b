/* charge.c - the charge lines of one input record.
 *
 * For each rule, in schedule order: every `when` entry must hold; a rule with
 * effective dates must be in force on the first day of the period; then the
 * amount is computed exactly, rounded once to the schedule's scale, clamped
 * to min/max, and shared by split.c when the rule splits.  Any error (a
 * field that is not a number, overflow, division by zero, a bad period or
 * split) drops every line of the record: a record is charged whole or not at
 * all, so a re-run never has half a record to explain.  So does a flag (no
 * rule matches, a quantity <= 0 without allow_negative, a party named
 * twice): the record needs a person, not a guess.  Versions of one rule
 * never overlap (schedule.c), so at most one is in force; two different
 * rules of one group or exclusive set that both apply are an error.
 */
#include "fee.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fee_engine_init(fee_engine *e, fee_schedule *s, int explain, const char *period, pm_day period_day)
{
    memset(e, 0, sizeof *e); /* every buffer and arena starts empty (zeroed) */
    e->sched = s;
    e->explain = explain;
    e->period = period;
    e->period_day = period_day;
    fee_engine_keys(e, NULL, NULL);
}

/* Numbering the fields ---------------------------------------------------- */

static void number_ref(fee_fieldref *ref, void *ctx)
{
    fee_engine *e = ctx;
    for (int k = 0; k < e->nslots; k++)
        if (strcmp(e->slot_names[k], ref->name) == 0) {
            ref->slot = k;
            return;
        }
    e->slot_names = pm_xrealloc(e->slot_names, (size_t)(e->nslots + 1) * sizeof *e->slot_names);
    e->slot_names[e->nslots] = ref->name;
    ref->slot = e->nslots++;
}

/* 1 when rule r's first `when` entry tests the field of that slot with
 * plain values only (no pattern). */
static int first_plain(const fee_rule *r, int slot)
{
    if (r->nconds == 0 || r->conds[0].field.slot != slot) return 0;
    for (int j = 0; j < r->conds[0].nvals; j++)
        if (r->conds[0].rx[j]) return 0;
    return 1;
}

/* Whether a[0..alen) and b[0..blen) are the same text: most values differ
 * in length or first byte, told without a call. */
static inline int same_text(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || (a[0] == b[0] && memcmp(a, b, alen) == 0));
}

static int listed(const fee_cond *cd, const char *v, size_t len)
{
    for (int j = 0; j < cd->nvals; j++)
        if (cd->lens[j] == len && memcmp(cd->vals[j], v, len) == 0) return 1;
    return 0;
}

static void free_picks(fee_engine *e)
{
    for (int k = 0; k < e->npicks; k++) free(e->picks[k].rules);
    free(e->picks);
    free(e->pick_first);
    e->picks = NULL;
    e->pick_first = NULL;
    e->npicks = 0;
    e->pick_ref.slot = -1;
}

/* The slot of value v[0..len) in fee_engine.pick_slot: its length and its
 * first and last bytes, which tell apart the few values a `when` lists. */
static inline unsigned pick_hash(const char *v, size_t len)
{
    unsigned h = (unsigned)len * 7u;
    if (len) h += (unsigned char)v[0] * 3u + (unsigned char)v[len - 1] * 5u;
    return h % FEE_PICK_SLOTS;
}

/* Indexes the rules by the value of the field most of them test first
 * (fee_engine.picks).  A rule left out of a value's list is one whose first
 * entry fails for that value: trying it would stop there, before any other
 * entry (a pattern that could fail to run) is looked at, so skipping it
 * changes nothing but the time taken. */
static void index_rules(fee_engine *e)
{
    const fee_schedule *s = e->sched;
    free_picks(e);
    if (!s || s->nrules == 0) return;
    int best = -1, best_n = 0;
    for (int k = 0; k < e->nslots; k++) {
        int n = 0;
        for (int i = 0; i < s->nrules; i++) n += first_plain(&s->rules[i], k);
        if (n > best_n) best = k, best_n = n;
    }
    if (best < 0) return;
    e->pick_first = pm_xcalloc((size_t)s->nrules, 1);
    /* the distinct values, then one more entry for any other */
    for (int i = 0; i < s->nrules; i++) {
        const fee_rule *r = &s->rules[i];
        if (!(e->pick_first[i] = (unsigned char)first_plain(r, best))) continue;
        e->pick_ref = r->conds[0].field;
        for (int j = 0; j < r->conds[0].nvals; j++) {
            const char *v = r->conds[0].vals[j];
            size_t len = r->conds[0].lens[j];
            int k = 0;
            while (k < e->npicks && !(e->picks[k].len == len && memcmp(e->picks[k].val, v, len) == 0)) k++;
            if (k < e->npicks) continue;
            e->picks = pm_xrealloc(e->picks, (size_t)(e->npicks + 1) * sizeof *e->picks);
            e->picks[e->npicks++] = (fee_pick){v, len, NULL, 0};
        }
    }
    e->picks = pm_xrealloc(e->picks, (size_t)(e->npicks + 1) * sizeof *e->picks);
    e->picks[e->npicks++] = (fee_pick){NULL, 0, NULL, 0};
    memset(e->pick_slot, FEE_PICK_NONE, sizeof e->pick_slot);
    for (int k = 0; k < e->npicks - 1 && k < 127; k++) {
        signed char *slot = &e->pick_slot[pick_hash(e->picks[k].val, e->picks[k].len)];
        *slot = *slot == FEE_PICK_NONE ? (signed char)k : FEE_PICK_MANY;
    }
    if (e->npicks - 1 > 127) memset(e->pick_slot, FEE_PICK_MANY, sizeof e->pick_slot); /* beyond a slot's range */
    for (int k = 0; k < e->npicks; k++) {
        fee_pick *pk = &e->picks[k];
        pk->rules = pm_xmalloc((size_t)s->nrules * sizeof *pk->rules);
        for (int i = 0; i < s->nrules; i++)
            if (!e->pick_first[i] || (pk->val && listed(&s->rules[i].conds[0], pk->val, pk->len)))
                pk->rules[pk->nrules++] = i;
    }
}

/* Gives every field reference of the schedule and of the engine its slot:
 * one number per distinct name. */
static void number_fields(fee_engine *e)
{
    fee_schedule *s = e->sched;
    e->nslots = 0;
    for (int i = 0; s && i < s->nrules; i++) {
        fee_rule *r = &s->rules[i];
        for (int j = 0; j < r->nconds; j++) number_ref(&r->conds[j].field, e);
        fee_expr_each_field(r->price, number_ref, e);
        fee_expr_each_field(r->quantity, number_ref, e);
        fee_expr_each_field(r->base, number_ref, e);
        if (r->split) number_ref(&r->parties, e);
        if (r->split && r->has_shares) number_ref(&r->shares, e);
    }
    for (int i = 0; s && i < s->nwhen_fields; i++) number_ref(&s->when_fields[i], e);
    for (int i = 0; i < e->nkeys; i++) number_ref(&e->keys[i], e);
    number_ref(&e->period_ref, e);
    e->pos = pm_xrealloc(e->pos, (size_t)e->nslots * sizeof *e->pos);
    e->layout_ok = 0;
    index_rules(e);
}

void fee_engine_header(fee_engine *e, const pm_inputs *in, const pm_record *rec)
{
    /* the reader's header names stay put while that header is in force */
    size_t hn;
    unsigned id = pm_inputs_record_header(in, rec, &hn);
    e->header_id = hn == rec->n ? id : 0;
}

/* Finds the numbered fields in rec, unless rec has the header they were
 * last found in. */
static void locate(fee_engine *e, const pm_record *rec)
{
    if (e->layout_ok && e->header_id && e->header_id == e->layout_id) return;
    int same = e->layout_ok && rec->n == e->layout_n;
    for (size_t i = 0; same && i < rec->n; i++) same = strcmp(rec->f[i].name, e->layout_names[i]) == 0;
    e->layout_id = e->header_id;
    if (same) return;
    pm_arena_reset(&e->layout_arena);
    if (rec->n > e->layout_cap) {
        e->layout_cap = rec->n;
        e->layout_names = pm_xrealloc(e->layout_names, e->layout_cap * sizeof *e->layout_names);
    }
    for (size_t i = 0; i < rec->n; i++)
        e->layout_names[i] = pm_arena_strndup(&e->layout_arena, rec->f[i].name, strlen(rec->f[i].name));
    e->layout_n = rec->n;
    for (int k = 0; k < e->nslots; k++) e->pos[k] = pm_record_index(rec, e->slot_names[k]);
    e->layout_ok = 1;
}

void fee_engine_keys(fee_engine *e, const char *keys, const char *period_field)
{
    free(e->keys);
    e->keys = NULL;
    e->nkeys = 0;
    if (!keys) keys = "id";
    /* the names point into keys: one allocation per name, kept with e */
    const char *p = keys;
    for (;;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        e->keys = pm_xrealloc(e->keys, (size_t)(e->nkeys + 1) * sizeof *e->keys);
        e->keys[e->nkeys].name = pm_arena_strndup(&e->names_arena, p, n);
        e->keys[e->nkeys].slot = -1;
        e->nkeys++;
        if (!q) break;
        p = q + 1;
    }
    e->period_ref.name = period_field ? period_field : "period";
    e->period_ref.slot = -1;
    number_fields(e);
}

void fee_engine_free(fee_engine *e)
{
    pm_arena_free(&e->arena);
    pm_arena_free(&e->names_arena);
    pm_buf_free(&e->tmp);
    pm_buf_free(&e->tmp2);
    pm_buf_free(&e->flagmsg);
    free(e->keys);
    free(e->lines);
    free(e->w); /* the split scratch (scratch()) */
    free(e->slot_names);
    free(e->pos);
    free(e->layout_names);
    pm_arena_free(&e->layout_arena);
    free_picks(e);
    memset(e, 0, sizeof *e);
}

int fee_period_parse(const char *s, size_t len, pm_day *first_day)
{
    if (len != 7 || s[4] != '-') return -1;
    for (size_t i = 0; i < 7; i++)
        if (i != 4 && !(s[i] >= '0' && s[i] <= '9')) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    if (m < 1 || m > 12) return -1;
    *first_day = pm_day_from_civil(y, m, 1);
    return 0;
}

/* d as text in the arena, formatted where it stays; *len gets its length.
 * The texts of a record's numbers are laid one after the other in blocks
 * of the arena (fee_engine.num_at), so a number costs its length and no
 * call, where each took an allocation of the longest text. */
static const char *arena_dec(fee_engine *e, pm_decimal d, size_t *len)
{
    enum { BLOCK = 32 * PM_DEC_BUFSZ };
    if ((size_t)(e->num_end - e->num_at) < PM_DEC_BUFSZ) {
        e->num_at = pm_arena_alloc(&e->arena, BLOCK);
        e->num_end = e->num_at + BLOCK;
    }
    char *t = e->num_at;
    *len = pm_decimal_format(d, t);
    e->num_at += *len + 1;
    return t;
}

/* Whether s[0..len), which pm_decimal_parse read as d, is the text
 * pm_decimal_format writes for d: then a field's text is the charge
 * line's figure as it is.  It is when it starts with '-' or a digit, ends
 * with a digit (no blank, '+' or trailing point) and is as long as the
 * formatted text: a leading zero too many (007.5, -.5 reads 0.5), or a
 * negative zero, makes it longer or shorter. */
static int canonical_number(const char *s, size_t len, pm_decimal d)
{
    unsigned char a = (unsigned char)s[0], z = (unsigned char)s[len - 1];
    if (!(a == '-' || (unsigned)(a - '0') < 10u) || (unsigned)(z - '0') >= 10u) return 0;
    return len == pm_decimal_format_len(d);
}

/* The price's text: formatted once for a price that is a number
 * (fee_rule.price_text), else as d. */
static const char *price_text(fee_engine *e, const fee_rule *r, pm_decimal d, size_t *len)
{
    if (r->price_len) {
        *len = r->price_len;
        return r->price_text;
    }
    return arena_dec(e, d, len);
}

/* How an exact intermediate is shown: trailing zeros beyond the schedule's
 * scale dropped (134.0550 -> 134.055, 150.0000 -> 150.00). */
static void add_exact(fee_engine *e, pm_buf *b, pm_decimal d)
{
    char t[PM_DEC_BUFSZ];
    int keep = d.scale < e->sched->scale ? d.scale : e->sched->scale;
    pm_decimal_format(pm_decimal_normalize(d, keep), t);
    pm_buf_adds(b, t);
}

static void add_dec(pm_buf *b, pm_decimal d)
{
    char t[PM_DEC_BUFSZ];
    pm_decimal_format(d, t);
    pm_buf_adds(b, t);
}

typedef struct ctx {
    fee_engine *e;
    const pm_record *rec;
    const fee_rule *rule;
    pm_error *err;
} ctx;

/* Sets err to "FILE:LINE: rule 'id': message" for the record; yields -1. */
static int rec_error(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rec_error(ctx *c, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pm_error_set(c->err, c->rec->source ? c->rec->source : "-", c->rec->line, "rule '%s': %s", c->rule->id, msg);
    return -1;
}

/* Flags the record (e->flag, e->flagmsg = "rule 'id': message"); yields -2. */
static int rec_flag(ctx *c, fee_flag kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rec_flag(ctx *c, fee_flag kind, const char *fmt, ...)
{
    va_list ap;
    c->e->flag = kind;
    pm_buf_reset(&c->e->flagmsg);
    pm_buf_addf(&c->e->flagmsg, "rule '%s': ", c->rule->id);
    va_start(ap, fmt);
    pm_buf_vaddf(&c->e->flagmsg, fmt, ap);
    va_end(ap);
    return -2;
}

/* A quantity of zero or less is a data-entry slip more often than a credit:
 * flagged unless the rule says allow_negative: true. */
static int check_quantity(ctx *c, const fee_expr *ex, pm_decimal q)
{
    if (q.coef > 0 || c->rule->allow_negative) return 0;
    char t[PM_DEC_BUFSZ];
    pm_decimal_format(q, t);
    pm_buf *b = &c->e->tmp2;
    pm_buf_reset(b);
    fee_expr_text(ex, b);
    return rec_flag(c, FEE_FLAG_QUANTITY, "quantity %s is %s, not above 0 (allow_negative: true charges it)",
                    pm_buf_str(b), t);
}

static int status_error(ctx *c, int st, const char *field, const char *what)
{
    char v[80] = "";
    if (field) {
        fee_fieldref ref = {field, -1};
        size_t len;
        const char *val = fee_field(c->rec, NULL, &ref, &len);
        snprintf(v, sizeof v, "%.60s", val ? val : "");
    }
    switch (st) {
    case FEE_EVAL_NOVALUE: return rec_error(c, "field '%s' has no value (needed for %s)", field, what);
    case FEE_EVAL_NOTNUM: return rec_error(c, "field '%s' is not a decimal number: '%s'", field, v);
    case PM_DEC_OVERFLOW: return rec_error(c, "overflow computing %s (a number does not fit 38 digits)", what);
    case PM_DEC_DIVZERO: return rec_error(c, "division by zero computing %s", what);
    default: return rec_error(c, "cannot compute %s: %s", what, pm_decimal_strerror(st));
    }
}

/* Evaluates ex; with --explain and a compound expression appends
 * "text = values = result; " to the formula.  text (may be NULL) gets the
 * text of a lone field whose text is the value as pm_decimal_format
 * writes it (*tlen its length), else NULL: the charge line shows it as it
 * is. */
static int eval(ctx *c, const fee_expr *ex, const char *what, pm_decimal *out, pm_buf *f, const char **text,
                size_t *tlen)
{
    const char *field = NULL;
    fee_engine *e = c->e;
    if (text) *text = NULL;
    /* a lone field: read once a record (fee_engine.num_memo) */
    int slot = ex->kind == FEE_EX_FIELD ? ex->field.slot : -1;
    if (slot >= 0 && slot < FEE_NUM_MEMO && e->num_memo[slot].stamp == e->nrec) {
        *out = e->num_memo[slot].val;
        if (text) {
            *text = e->num_memo[slot].text;
            *tlen = e->num_memo[slot].text_len;
        }
        return 0; /* a lone field needs no explaining */
    }
    if (ex->kind == FEE_EX_FIELD) {
        /* read here as fee_expr_eval_at reads it, the text looked up once */
        size_t len = 0;
        const char *v = fee_field(c->rec, e->pos, &ex->field, &len);
        if (!v || len == 0) return status_error(c, FEE_EVAL_NOVALUE, ex->field.name, what);
        int st = pm_decimal_parse(v, len, out);
        if (st != PM_DEC_OK)
            return status_error(c, st == PM_DEC_OVERFLOW ? PM_DEC_OVERFLOW : FEE_EVAL_NOTNUM, ex->field.name, what);
        if (!canonical_number(v, len, *out)) v = NULL;
        if (text) {
            *text = v;
            *tlen = len;
        }
        if (slot >= 0 && slot < FEE_NUM_MEMO) {
            e->num_memo[slot].stamp = e->nrec;
            e->num_memo[slot].val = *out;
            e->num_memo[slot].text = v;
            e->num_memo[slot].text_len = len;
        }
        return 0; /* a lone field needs no explaining */
    }
    int st = fee_expr_eval_at(ex, e->pos, c->rec, out, &field);
    if (st != PM_DEC_OK) return status_error(c, st, field, what);
    if (f && !fee_expr_is_simple(ex)) {
        fee_expr_text(ex, f);
        pm_buf_adds(f, " = ");
        fee_expr_render_at(ex, c->e->pos, c->rec, f);
        pm_buf_adds(f, " = ");
        add_dec(f, *out);
        pm_buf_adds(f, "; ");
    }
    return 0;
}

/* Room for one more line: the slot a line is built in (e->lines[e->nlines]). */
static fee_line *line_room(fee_engine *e)
{
    if (e->nlines == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 16;
        e->lines = pm_xrealloc(e->lines, e->cap * sizeof *e->lines);
    }
    return &e->lines[e->nlines];
}

/* Room for n parties in the split scratch: one block holding w, part and
 * rem, then names and namelens (the 16-byte numbers first keep every array
 * aligned).  What the arrays held is not kept. */
static void scratch(fee_engine *e, int n)
{
    if (n <= e->scratch_cap) return;
    e->scratch_cap = n * 2;
    size_t m = (size_t)e->scratch_cap;
    free(e->w);
    e->w = pm_xmalloc(m * (3 * sizeof *e->w + sizeof *e->names + sizeof *e->namelens));
    e->part = e->w + m;
    e->rem = e->part + m;
    e->names = (const char **)(e->rem + m);
    e->namelens = (size_t *)(e->names + m);
}

static const char *trim(const char *s, const char *end, size_t *len)
{
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) end--;
    *len = (size_t)(end - s);
    return s;
}

/* Splits "a;b;c" into e->names (pointing into s); returns the count. */
static int list_items(fee_engine *e, const char *s, size_t len, int want_cap)
{
    int n = 1;
    for (size_t i = 0; i < len; i++) n += s[i] == ';';
    scratch(e, n > want_cap ? n : want_cap);
    const char *p = s, *end = s + len;
    for (int i = 0; i < n; i++) {
        const char *q = memchr(p, ';', (size_t)(end - p));
        if (!q) q = end;
        e->names[i] = trim(p, q, &e->namelens[i]);
        p = q + 1;
    }
    return n;
}

/* Writes the lines of a split rule: the whole (already rounded) shared by
 * largest remainder. */
static int split_lines(ctx *c, fee_line *base, const char *formula)
{
    fee_engine *e = c->e;
    const fee_rule *r = c->rule;
    size_t plen, slen = 0;
    const char *pv = fee_field(c->rec, e->pos, &r->parties, &plen), *sv = NULL;
    if (!pv || plen == 0) return rec_error(c, "field '%s' has no value (the parties to split among)", r->parties.name);
    int n = list_items(e, pv, plen, 0);
    const char **parties = pm_arena_alloc(&e->arena, (size_t)n * sizeof *parties);
    size_t *party_lens = pm_arena_alloc(&e->arena, (size_t)n * sizeof *party_lens);
    for (int i = 0; i < n; i++) {
        if (e->namelens[i] == 0)
            return rec_error(c, "empty party name in '%.*s' (field '%s')", (int)plen, pv, r->parties.name);
        parties[i] = pm_arena_strndup(&e->arena, e->names[i], e->namelens[i]);
        party_lens[i] = e->namelens[i];
        for (int j = 0; j < i; j++)
            if (strcmp(parties[j], parties[i]) == 0)
                return rec_flag(c, FEE_FLAG_PARTY, "party '%s' named twice in '%.*s' (field '%s')", parties[i],
                                (int)plen, pv, r->parties.name);
    }
    if (r->has_shares) {
        sv = fee_field(c->rec, e->pos, &r->shares, &slen);
    }
    if (sv && slen > 0) {
        int ns = list_items(e, sv, slen, n);
        if (ns != n) {
            return rec_error(c, "%d parties but %d shares in field '%s'", n, ns, r->shares.name);
        }
        /* shares may be decimals: bring them to one scale, use coefficients */
        int maxscale = 0;
        pm_decimal *sh = pm_arena_alloc(&e->arena, (size_t)n * sizeof *sh);
        for (int i = 0; i < n; i++) {
            if (pm_decimal_parse(e->names[i], e->namelens[i], &sh[i]) != PM_DEC_OK || sh[i].coef < 0)
                return rec_error(c, "share '%.*s' in field '%s' is not a number >= 0", (int)e->namelens[i], e->names[i],
                                 r->shares.name);
            if (sh[i].scale > maxscale) maxscale = sh[i].scale;
        }
        for (int i = 0; i < n; i++) {
            pm_decimal v;
            if (pm_decimal_rescale(sh[i], maxscale, &v) != PM_DEC_OK)
                return status_error(c, PM_DEC_OVERFLOW, NULL, "the shares");
            e->w[i] = v.coef;
        }
    } else {
        for (int i = 0; i < n; i++) e->w[i] = 1;
    }
    /* shares are small numbers; a bound keeps every product below 2^127 */
    const __int128 share_limit = (__int128)1000000000000000000LL; /* 10^18 */
    __int128 sum = 0;
    for (int i = 0; i < n; i++) {
        sum += e->w[i];
        if (sum > share_limit)
            return rec_error(c, "the shares in field '%s' are too large (their coefficients add up to more than 10^18)",
                             r->shares.name);
    }
    int st = fee_split(base->value.coef, e->w, n, e->part, e->rem);
    if (st == PM_DEC_DIVZERO) return rec_error(c, "the shares in field '%s' add up to 0", r->shares.name);
    if (st != PM_DEC_OK) return status_error(c, st, NULL, "the split");
    for (int i = 0; i < n; i++) {
        fee_line *l = line_room(e); /* built in its slot (base is a copy) */
        *l = *base;
        l->party = parties[i];
        l->party_len = party_lens[i];
        l->value.coef = e->part[i];
        l->value.scale = base->value.scale;
        l->amount = arena_dec(e, l->value, &l->amount_len);
        if (formula && n == 1) {
            l->formula = formula; /* one party: the whole is the share */
        } else if (formula) {
            pm_buf *f = &e->tmp2;
            pm_buf_reset(f);
            pm_buf_adds(f, formula);
            pm_buf_adds(f, "; ");
            add_dec(f, base->value);
            pm_buf_adds(f, " × ");
            add_dec(f, (pm_decimal){e->w[i], 0});
            pm_buf_adds(f, "/");
            add_dec(f, (pm_decimal){sum, 0});
            if (e->rem[i] == 0) {
                pm_buf_adds(f, " = ");
                add_dec(f, l->value);
            } else {
                /* the exact share cut to scale digits, then what it became */
                __int128 mag = base->value.coef < 0 ? -base->value.coef : base->value.coef;
                __int128 floor_units =
                    (__int128)(((unsigned __int128)mag * (unsigned __int128)e->w[i]) / (unsigned __int128)sum);
                pm_decimal q = {base->value.coef < 0 ? -floor_units : floor_units, base->value.scale};
                pm_buf_adds(f, " = ");
                add_dec(f, q);
                pm_buf_adds(f, "… → ");
                add_dec(f, l->value);
            }
            pm_buf_adds(f, " (largest remainder)");
            l->formula = pm_arena_strndup(&e->arena, f->s, f->len);
        }
        e->nlines++;
    }
    return 0;
}

/* Brings *v to a bound of the rule when it lies beyond it: side -1 for
 * min (a smaller amount is raised), 1 for max; with --explain appends
 * "; min 0.00 → 0.00" to f. */
static void clamp(pm_decimal *v, pm_decimal bound, int side, pm_buf *f)
{
    if (pm_decimal_cmp(*v, bound) != side) return;
    *v = bound;
    if (f) {
        pm_buf_adds(f, side < 0 ? "; min " : "; max ");
        add_dec(f, bound);
        pm_buf_adds(f, " → ");
        add_dec(f, *v);
    }
}

static int apply_rule(ctx *c, const char *period, size_t period_len)
{
    fee_engine *e = c->e;
    const fee_schedule *s = e->sched;
    const fee_rule *r = c->rule;
    pm_buf *f = e->explain ? &e->tmp : NULL;
    pm_decimal exact, q, p, b, one = {1, 0}, hundredth = {1, 2};
    /* built in its slot of e->lines, counted when done; every
     * field set here, one store each (clearing the whole line first is a
     * string instruction as slow as the rest of the rule) */
    fee_line *l = line_room(e);
    l->period = period;
    l->period_len = period_len;
    l->source = e->key;
    l->source_len = e->key_len;
    l->rule = r->id;
    l->version = r->version;
    l->r = r;
    l->party = l->quantity = l->price = l->base = l->percent = l->amount = "";
    l->party_len = l->quantity_len = l->price_len = l->base_len = l->amount_len = 0;
    l->formula = l->input = NULL;
    l->value = (pm_decimal){0, 0};
    int st;

    if (f) pm_buf_reset(f);

    switch (r->kind) {
    case FEE_PRICE: {
        const char *qtext = NULL, *ptext;
        size_t qlen = 0, plen;
        q = one;
        if (r->quantity && eval(c, r->quantity, "the quantity", &q, f, &qtext, &qlen) != 0) return -1;
        if (r->quantity && (st = check_quantity(c, r->quantity, q)) != 0) return st;
        if (eval(c, r->price, "the price", &p, f, &ptext, &plen) != 0) return -1;
        if ((st = pm_decimal_mul(q, p, &exact)) != PM_DEC_OK) return status_error(c, st, NULL, "quantity × price");
        if (qtext) {
            l->quantity = qtext;
            l->quantity_len = qlen;
        } else {
            l->quantity = arena_dec(e, q, &l->quantity_len);
        }
        if (ptext && !r->price_len) {
            l->price = ptext;
            l->price_len = plen;
        } else {
            l->price = price_text(e, r, p, &l->price_len);
        }
        if (f) {
            add_dec(f, q);
            pm_buf_adds(f, " × ");
            add_dec(f, p);
        }
        break;
    }
    case FEE_FIXED:
        exact = r->fixed;
        if (f) pm_buf_adds(f, "fixed ");
        if (f) add_dec(f, r->fixed);
        break;
    case FEE_PERCENT: {
        const char *btext;
        size_t blen;
        if (eval(c, r->base, "the base", &b, f, &btext, &blen) != 0) return -1;
        if ((st = pm_decimal_mul(b, r->percent, &exact)) != PM_DEC_OK ||
            (st = pm_decimal_mul(exact, hundredth, &exact)) != PM_DEC_OK)
            return status_error(c, st, NULL, "base × percent");
        if (btext) {
            l->base = btext;
            l->base_len = blen;
        } else {
            l->base = arena_dec(e, b, &l->base_len);
        }
        l->percent = r->percent_text;
        if (f) {
            add_dec(f, b);
            pm_buf_adds(f, " × ");
            pm_buf_adds(f, r->percent_text);
            pm_buf_adds(f, "%");
        }
        break;
    }
    case FEE_EXCESS: {
        pm_decimal raw;
        if (eval(c, r->quantity, "the quantity", &raw, f, NULL, NULL) != 0) return -1;
        if ((st = check_quantity(c, r->quantity, raw)) != 0) return st;
        if (eval(c, r->price, "the price", &p, f, NULL, NULL) != 0) return -1;
        if ((st = pm_decimal_sub(raw, r->over, &q)) != PM_DEC_OK) return status_error(c, st, NULL, "quantity - over");
        if (q.coef < 0) q.coef = 0;
        if ((st = pm_decimal_mul(q, p, &exact)) != PM_DEC_OK) return status_error(c, st, NULL, "excess × price");
        l->quantity = arena_dec(e, q, &l->quantity_len);
        l->price = price_text(e, r, p, &l->price_len);
        if (f) {
            pm_buf_adds(f, "max(0, ");
            add_dec(f, raw);
            pm_buf_adds(f, " - ");
            add_dec(f, r->over);
            pm_buf_adds(f, ") = ");
            add_dec(f, q);
            pm_buf_adds(f, "; ");
            add_dec(f, q);
            pm_buf_adds(f, " × ");
            add_dec(f, p);
        }
        break;
    }
    }

    if ((st = pm_decimal_round(exact, s->scale, s->rounding, &l->value)) != PM_DEC_OK)
        return status_error(c, st, NULL, "the amount");
    if (f) {
        if (r->kind != FEE_FIXED) {
            pm_buf_adds(f, " = ");
            add_exact(e, f, exact);
        }
        pm_buf_adds(f, " → ");
        add_dec(f, l->value);
        pm_buf_addf(f, " (%s)", pm_round_name(s->rounding));
    }
    if (r->has_min) clamp(&l->value, r->min, -1, f);
    if (r->has_max) clamp(&l->value, r->max, 1, f);
    if (!r->split) {
        l->amount = arena_dec(e, l->value, &l->amount_len);
        if (f) l->formula = pm_arena_strndup(&e->arena, f->s, f->len);
        e->nlines++;
        return 0;
    }
    const char *formula = f ? pm_arena_strndup(&e->arena, f->s, f->len) : NULL;
    fee_line base = *l; /* split_lines adds lines: e->lines may move */
    return split_lines(c, &base, formula);
}

/* The value a `when` condition looks at: the record's field, except that
 * --period replaces every record's period field (pm-fee(1)). */
static const char *when_value(const fee_engine *e, const pm_record *rec, const fee_fieldref *ref, size_t *len)
{
    if (e->period && ref->slot == e->period_ref.slot) {
        *len = strlen(e->period);
        return e->period;
    }
    return fee_field(rec, e->pos, ref, len);
}

/* Whether rx matches v[0..len): from the engine's memo when it holds the
 * answer for that text (fee_rx_memo), else from the pattern, kept for next
 * time.  PM_RX_MATCH, PM_RX_NOMATCH or PM_RX_ERROR with err. */
static int rx_match(fee_engine *e, pm_regex *rx, const char *v, size_t len, pm_error *err)
{
    fee_rx_memo *m = NULL;
    if (len <= sizeof m->text) {
        size_t h = ((uintptr_t)rx >> 4) + len * 31 + (len ? (unsigned char)v[0] * 7u + (unsigned char)v[len - 1] : 0);
        m = &e->rx_memo[h % FEE_RX_MEMO];
        if (m->rx == rx && m->len == len && memcmp(m->text, v, len) == 0) return m->match;
    }
    int r = pm_regex_match(rx, v, len, err);
    if (m && r != PM_RX_ERROR) {
        m->rx = rx;
        m->len = (unsigned char)len;
        memcpy(m->text, v, len);
        m->match = (unsigned char)r;
    }
    return r;
}

/* 1 if every `when` entry holds, 0 if not, -1 on a pattern error; from:
 * the entries before it are known to hold (fee_engine.picks). */
static int when_holds(ctx *c, int from)
{
    const fee_rule *r = c->rule;
    for (int i = from; i < r->nconds; i++) {
        const fee_cond *cd = &r->conds[i];
        size_t len;
        const char *v = when_value(c->e, c->rec, &cd->field, &len);
        int ok = 0;
        if (!v) {
            v = "";
            len = 0;
        }
        for (int j = 0; j < cd->nvals && !ok; j++) {
            if (cd->rx[j]) {
                pm_error rxerr;
                int m = rx_match(c->e, cd->rx[j], v, len, &rxerr);
                if (m == PM_RX_ERROR) return rec_error(c, "when: %s: %s", cd->field.name, rxerr.msg);
                ok = m == PM_RX_MATCH;
            } else {
                ok = same_text(v, len, cd->vals[j], cd->lens[j]);
            }
        }
        if (!ok) return 0;
    }
    return 1;
}

/* The rules worth trying on rec (fee_engine.picks), or NULL: all. */
static const fee_pick *pick(const fee_engine *e, const pm_record *rec)
{
    if (e->npicks == 0) return NULL;
    size_t len;
    const char *v = when_value(e, rec, &e->pick_ref, &len);
    if (!v) {
        v = "";
        len = 0;
    }
    int other = e->npicks - 1, k = e->pick_slot[pick_hash(v, len)];
    if (k == FEE_PICK_NONE) return &e->picks[other]; /* no listed value has its hash */
    if (k >= 0) return &e->picks[same_text(e->picks[k].val, e->picks[k].len, v, len) ? k : other];
    k = 0;
    while (k < other && !same_text(e->picks[k].val, e->picks[k].len, v, len)) k++;
    return &e->picks[k];
}

/* The record's key: the --key fields joined by '/', or FILE:LINE when one
 * of them has no value. */
static const char *record_key(fee_engine *e, const pm_record *rec)
{
    if (e->nkeys == 1) { /* the value itself, which lives as long as rec */
        size_t len;
        const char *v = fee_field(rec, e->pos, &e->keys[0], &len);
        e->key_fallback = !v || len == 0;
        if (!e->key_fallback) {
            e->key_len = len;
            return v;
        }
    }
    pm_buf *b = &e->tmp2;
    pm_buf_reset(b);
    e->key_fallback = 0;
    for (int i = 0; i < e->nkeys; i++) {
        size_t len;
        const char *v = fee_field(rec, e->pos, &e->keys[i], &len);
        if (!v || len == 0) {
            e->key_fallback = 1;
            break;
        }
        if (i) pm_buf_addc(b, '/');
        pm_buf_add(b, v, len);
    }
    if (e->key_fallback) {
        pm_buf_reset(b);
        pm_buf_addf(b, "%s:%ld", rec->source ? rec->source : "-", pm_line_shown(rec->line));
    }
    e->key_len = b->len;
    return pm_arena_strndup(&e->arena, b->s, b->len);
}

/* Two rules of one group or of one exclusive set both apply: the schedule
 * would charge the record twice for one thing.  The rules applied are those
 * of the lines, whose lines stand together (a split rule has several). */
static int exclusive_conflict(ctx *c)
{
    const fee_line *ls = c->e->lines;
    size_t n = c->e->nlines;
    for (size_t i = 0; i < n; i++) {
        if (i && ls[i].r == ls[i - 1].r) continue;
        for (size_t j = i + 1; j < n; j++) {
            if (ls[j].r == ls[j - 1].r) continue;
            const fee_rule *a = ls[i].r, *b = ls[j].r;
            int same_group = a->group && b->group && strcmp(a->group, b->group) == 0;
            if (!same_group && !(a->exclusive & b->exclusive)) continue;
            if (strcmp(a->id, b->id) == 0) continue; /* versions of one rule */
            c->rule = b;
            if (same_group)
                return rec_error(c,
                                 "rules '%s' (line %ld) and '%s' (line %ld) of group '%s' both apply; "
                                 "a record may be charged by one rule of a group only",
                                 a->id, a->line, b->id, b->line, a->group);
            return rec_error(c, "rules '%s' (line %ld) and '%s' (line %ld) are exclusive but both apply", a->id,
                             a->line, b->id, b->line);
        }
    }
    return 0;
}

static void unmatched_note(fee_engine *e, const pm_record *rec, int in_force, const char *period, pm_buf *out);

int fee_charge(fee_engine *e, const pm_record *rec, pm_error *err)
{
    fee_schedule *s = e->sched;
    ctx c = {e, rec, NULL, err};
    const char *period = "";
    size_t period_len = 0;
    pm_day day = 0;
    int have_period = 0;
    size_t len;

    e->nlines = 0;
    e->flag = FEE_FLAG_NONE;
    e->nrec++; /* from 1: stamp 0 is no record's */
    pm_arena_reset(&e->arena);
    e->num_at = e->num_end = NULL; /* its blocks went with it */
    locate(e, rec);

    e->key = record_key(e, rec);
    if (e->period) {
        period = e->period;
        period_len = strlen(e->period);
        day = e->period_day;
        have_period = 1;
    } else {
        const char *pv = fee_field(rec, e->pos, &e->period_ref, &len);
        if (pv && len == 7 && memcmp(pv, e->last_period, 7) == 0) { /* as the last record's */
            day = e->last_day;
            period = pv; /* lives as long as rec */
            period_len = len;
            have_period = 1;
        } else if (pv && len > 0) {
            if (fee_period_parse(pv, len, &day) != 0) {
                pm_error_set(err, rec->source ? rec->source : "-", rec->line, "%s '%.40s' is not a month (YYYY-MM)",
                             e->period_ref.name, pv);
                return FEE_ERROR;
            }
            period = pv;
            period_len = len;
            have_period = 1;
            memcpy(e->last_period, pv, 7); /* a month is 7 characters */
            e->last_day = day;
        }
    }

    int any_when = 0, st;
    const fee_pick *pk = pick(e, rec);
    int ntry = pk ? pk->nrules : s->nrules;
    for (int t = 0; t < ntry; t++) {
        int i = pk ? pk->rules[t] : t;
        const fee_rule *r = &s->rules[i];
        c.rule = r;
        int h = when_holds(&c, pk ? e->pick_first[i] : 0);
        if (h < 0) goto failed;
        if (!h) continue;
        any_when = 1;
        if (r->has_from || r->has_to) {
            if (!have_period) {
                rec_error(&c, "no period to tell whether the rule is in force (give --period or a %s field)",
                          e->period_ref.name);
                goto failed;
            }
            if ((r->has_from && day < r->from) || (r->has_to && day > r->to)) continue;
        }
        if ((st = apply_rule(&c, period, period_len)) != 0) {
            if (st == -2) goto flagged;
            goto failed;
        }
    }
    if (e->nlines > 1 && s->any_exclusive && exclusive_conflict(&c) != 0) goto failed;
    if (e->nlines == 0) {
        e->flag = FEE_FLAG_UNMATCHED;
        pm_buf_reset(&e->flagmsg);
        unmatched_note(e, rec, any_when, period, &e->flagmsg);
        return FEE_FLAGGED;
    }
    return FEE_CHARGED;

flagged:
    e->nlines = 0;
    return FEE_FLAGGED;
failed:
    e->nlines = 0;
    return FEE_ERROR;
}

static void unmatched_note(fee_engine *e, const pm_record *rec, int in_force, const char *period, pm_buf *out)
{
    fee_schedule *s = e->sched;
    int shown = 0;
    pm_buf_adds(out, in_force ? "no rule in force in " : "no rule matches");
    if (in_force) {
        pm_buf_adds(out, period);
        pm_buf_adds(out, " matches");
    }
    /* the values the rules look at, those the record has */
    for (int i = 0; i < s->nwhen_fields; i++) {
        size_t len;
        const char *v = when_value(e, rec, &s->when_fields[i], &len);
        if (!v || len == 0) continue;
        pm_buf_adds(out, shown++ ? ", " : " (");
        pm_buf_addf(out, "%s=%.*s", s->when_fields[i].name, (int)(len > 60 ? 60 : len), v);
    }
    if (shown) pm_buf_addc(out, ')');
}
