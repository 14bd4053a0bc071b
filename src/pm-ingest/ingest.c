/* ingest.c - one source row to one canonical record, or a reason to reject. */
#include "text.h"
#include "ingest.h"
#include "map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "pipeline.h"
#include "timex.h"

/* The values seen so far of a unique field, kept as 64-bit fingerprints:
 * 8 bytes an id (a million ids 8 MB), never two copies of the set at once.
 * A fingerprint is the toolkit's seeded hash (map.h) under a key drawn
 * per run, so ids cannot be crafted to share one; two different ids do
 * with a chance of about n^2/2^65 (3e-8 for a million ids), and such a row
 * would be rejected, never lost.  (A pm_map would hold the ids themselves,
 * 40 bytes and more an id.)
 *
 * The fingerprints are a sorted array, with a directory of where each
 * 16-bit prefix starts (a lookup reads one short run), plus a small set of
 * the newest (open addressing, the fingerprint its own index).  When that
 * fills, its fingerprints are sorted (by prefix, then within it) and
 * merged into the array from the back, in place: the array grows by
 * realloc, which moves a large block without copying it.  A hash table
 * that doubles would hold 2 to 3 times as much at its peak.
 *
 * The slot of a fingerprint in that set is seldom in the cache (a run
 * streams far more through it than the set's 1 MB): a fingerprint waits
 * in a queue of the QUEUE newest while its slot is fetched, and goes in
 * when QUEUE more have come. */
#define QUEUE        16
#define RECENT_MAX   65536             /* newest fingerprints, in the hash */
#define RECENT_SLOTS (2 * RECENT_MAX)  /* at most half full */
#define DIR_SIZE     ((size_t)1 << 16) /* by the top 16 bits */

struct seen_set {
    uint64_t *sorted; /* merged fingerprints, ascending */
    size_t n;
    uint32_t *dir;    /* [DIR_SIZE + 1]: first index with a prefix >= p */
    uint64_t *recent; /* [RECENT_SLOTS], 0 marks an empty slot */
    size_t nrecent;
    uint64_t queue[QUEUE]; /* the newest, not in recent yet (0: none) */
    size_t qnext;          /* where the next one goes */
    uint64_t key[2];       /* the fingerprints' hash key */
    uint64_t pending;      /* fingerprint of the value seen_check last checked */
    /* The greatest value added (in byte order): a value above it is new
     * without a lookup, which in a large set is a cache miss or two, and
     * exports often list ids in ascending order. */
    pm_buf max;
    int pending_max; /* the value last checked is above max */
};

/* 1 when v[0..len) comes after max in byte order (a prefix first). */
static int above(const pm_buf *max, const char *v, size_t len)
{
    size_t n = len < max->len ? len : max->len;
    int c = memcmp(v, pm_buf_str(max), n);
    return c > 0 || (c == 0 && len > max->len);
}

/* 0 marks an empty slot, so no fingerprint is 0 */
static uint64_t fingerprint(const seen_set *ss, const char *s, size_t n)
{
    uint64_t h = pm_siphash24(s, n, ss->key);
    return h ? h : 1;
}

/* Sorts the n fingerprints of v ascending into out, and sets below[p] to
 * how many have a prefix (top 16 bits) under p, for p up to DIR_SIZE: one
 * counting pass puts them in order of prefix, and an insertion sort then
 * has only the few of each prefix to order (fingerprints are uniform). */
static void sort_by_prefix(const uint64_t *v, size_t n, uint64_t *out, uint32_t *below)
{
    memset(below, 0, sizeof *below * (DIR_SIZE + 1));
    for (size_t i = 0; i < n; i++) below[(v[i] >> 48) + 1]++;
    for (size_t p = 0; p < DIR_SIZE; p++) below[p + 1] += below[p];
    for (size_t i = 0; i < n; i++) out[below[v[i] >> 48]++] = v[i];
    /* below[p] went up by prefix p's count: it is below[p + 1] now */
    memmove(below + 1, below, sizeof *below * (DIR_SIZE - 1));
    below[0] = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t x = out[i];
        size_t j = i;
        for (; j > 0 && out[j - 1] > x; j--) out[j] = out[j - 1];
        out[j] = x;
    }
}

/* Moves the recent fingerprints into the sorted array. */
static void seen_merge(seen_set *ss)
{
    size_t k = 0;
    uint64_t *buf = pm_xmalloc(sizeof *buf * (2 * ss->nrecent + 1));
    uint32_t *below = pm_xmalloc(sizeof *below * (DIR_SIZE + 1));
    for (size_t i = 0; i < RECENT_SLOTS; i++)
        if (ss->recent[i]) buf[k++] = ss->recent[i];
    uint64_t *tmp = buf + k;
    sort_by_prefix(buf, k, tmp, below);
    ss->sorted = pm_xrealloc(ss->sorted, sizeof *ss->sorted * (ss->n + k + 1));
    size_t i = ss->n, j = k, w = ss->n + k; /* from the back: nothing overwritten unread */
    while (j > 0) {
        if (i > 0 && ss->sorted[i - 1] > tmp[j - 1])
            ss->sorted[--w] = ss->sorted[--i];
        else
            ss->sorted[--w] = tmp[--j];
    }
    ss->n += k;
    /* a prefix now starts later by the new fingerprints below it */
    for (size_t p = 0; p <= DIR_SIZE; p++) ss->dir[p] += below[p];
    free(below);
    free(buf);
    memset(ss->recent, 0, sizeof *ss->recent * RECENT_SLOTS);
    ss->nrecent = 0;
}

/* 1 when the value was seen before, else 0; seen_add_checked then adds
 * it (its fingerprint is not computed twice). */
static int seen_check(seen_set *ss, const char *v, size_t len)
{
    if (!ss->recent) {
        ss->recent = pm_xcalloc(RECENT_SLOTS, sizeof *ss->recent);
        ss->dir = pm_xcalloc(DIR_SIZE + 1, sizeof *ss->dir);
        pm_random_seed(ss->key);
    }
    uint64_t h = ss->pending = fingerprint(ss, v, len);
    ss->pending_max = !ss->max.len || above(&ss->max, v, len);
    if (ss->pending_max) return 0;
    if (ss->n) {
        size_t p = (size_t)(h >> 48);
        for (size_t i = ss->dir[p]; i < ss->dir[p + 1] && ss->sorted[i] <= h; i++)
            if (ss->sorted[i] == h) return 1;
    }
    for (size_t j = h & (RECENT_SLOTS - 1); ss->recent[j]; j = (j + 1) & (RECENT_SLOTS - 1))
        if (ss->recent[j] == h) return 1;
    for (size_t k = 0; k < QUEUE; k++)
        if (ss->queue[k] == h) return 1;
    return 0;
}

/* Adds the value seen_check last found new: v[0..len), the same. */
static void seen_add_checked(seen_set *ss, const char *v, size_t len)
{
    if (ss->pending_max) {
        pm_buf_reset(&ss->max);
        pm_buf_add(&ss->max, v, len);
    }
    uint64_t h = ss->queue[ss->qnext];
    ss->queue[ss->qnext] = ss->pending;
    ss->qnext = (ss->qnext + 1) % QUEUE;
    __builtin_prefetch(&ss->recent[ss->pending & (RECENT_SLOTS - 1)], 1);
    if (!h) return;
    size_t j = h & (RECENT_SLOTS - 1);
    while (ss->recent[j]) j = (j + 1) & (RECENT_SLOTS - 1);
    ss->recent[j] = h;
    if (++ss->nrecent == RECENT_MAX) seen_merge(ss);
}

static void seen_free(seen_set *ss)
{
    if (!ss) return;
    free(ss->sorted);
    free(ss->dir);
    free(ss->recent);
    pm_buf_free(&ss->max);
    free(ss);
}

/* The distinct values of an enum with 'unknown: empty' that matched
 * nothing: each is warned about once; the first UNKNOWN_MAX are kept. */
#define UNKNOWN_MAX 64
struct unknown_set {
    char *v[UNKNOWN_MAX];
    size_t n;
    unsigned long long rows;
};

/* Header states of the current input. */
enum { HDR_UNSET, HDR_SEARCH, HDR_READER, HDR_OWN };

void ingest_init(ingest *in, const schema *s, const pm_tz *tz, int keep_extra)
{
    memset(in, 0, sizeof *in);
    in->s = s;
    in->tz = tz;
    in->keep_extra = keep_extra;
    in->cols = pm_xcalloc(s->n + 1, sizeof *in->cols);
    in->seen = pm_xcalloc(s->n + 1, sizeof *in->seen);
    in->kind = pm_xcalloc(s->n + 1, sizeof *in->kind);
    for (size_t i = 0; i < s->n; i++) in->kind[i] = s->f[i].personal ? pm_pi_kind_parse(s->f[i].personal) : -1;
    for (size_t i = 0; i < s->n; i++)
        if (s->f[i].unique) in->seen[i] = pm_xcalloc(1, sizeof(seen_set));
    in->unknown = pm_xcalloc(s->n + 1, sizeof *in->unknown);
    for (size_t i = 0; i < s->n; i++)
        if (s->f[i].unknown_empty) in->unknown[i] = pm_xcalloc(1, sizeof(unknown_set));
    pm_record_init(&in->out);
    for (size_t i = 0; i < INGEST_HEADER_SEARCH; i++) pm_record_init(&in->held[i]);
}

static void free_header(ingest *in)
{
    for (size_t i = 0; i < in->nhdr; i++) free(in->hdr[i]);
    free(in->hdr);
    in->hdr = NULL;
    in->nhdr = 0;
}

static void clear_held(ingest *in)
{
    for (size_t i = 0; i < in->nheld; i++) {
        free(in->held_bad[i]);
        in->held_bad[i] = NULL;
        pm_buf_reset(&in->held_raw[i]);
    }
    in->nheld = in->nreleased = 0;
}

void ingest_free(ingest *in)
{
    for (size_t i = 0; i < in->s->n; i++) seen_free(in->seen[i]);
    free(in->seen);
    for (size_t i = 0; i < in->s->n; i++) {
        if (!in->unknown[i]) continue;
        for (size_t k = 0; k < in->unknown[i]->n; k++) free(in->unknown[i]->v[k]);
        free(in->unknown[i]);
    }
    free(in->unknown);
    clear_held(in);
    for (size_t i = 0; i < INGEST_HEADER_SEARCH; i++) {
        pm_record_free(&in->held[i]);
        pm_buf_free(&in->held_raw[i]);
    }
    free_header(in);
    free(in->col_field);
    free(in->col_shadow);
    free(in->col_kind);
    pm_buf_free(&in->conflicts);
    free(in->kind);
    free(in->cols);
    for (size_t i = 0; i < in->ncached; i++) free(in->cached_names[i]);
    free(in->cached_names);
    pm_buf_free(&in->val);
    pm_buf_free(&in->conv);
    pm_buf_free(&in->errs);
    pm_record_free(&in->out);
}

/* Maps the columns called names[0..n-1]: in->cols (per field), and per
 * column the field it feeds, the field it matched but lost, and the kind of
 * personal data it holds.  Exact names first, then /patterns/, each field
 * in schema order; a column feeds one field at most.  Several columns that
 * match one field are a conflict (in->conflicts) unless the field says
 * 'prefer: first'; the columns that lose feed nothing but are protected as
 * the field is. */
static void compute_mapping(ingest *in, const char *const *names, size_t n)
{
    const schema *s = in->s;
    if (n > in->ncols || !in->col_field) {
        in->col_field = pm_xrealloc(in->col_field, (n + 1) * sizeof *in->col_field);
        in->col_shadow = pm_xrealloc(in->col_shadow, (n + 1) * sizeof *in->col_shadow);
        in->col_kind = pm_xrealloc(in->col_kind, (n + 1) * sizeof *in->col_kind);
    }
    in->ncols = n;
    for (size_t k = 0; k < n; k++) {
        in->col_field[k] = -1;
        in->col_shadow[k] = 0;
        in->col_kind[k] = -1;
    }
    for (size_t i = 0; i < s->n; i++) in->cols[i] = -1;
    pm_buf_reset(&in->conflicts);
    /* the map_columns cache no longer describes cols */
    for (size_t i = 0; i < in->ncached; i++) free(in->cached_names[i]);
    free(in->cached_names);
    in->cached_names = NULL;
    in->ncached = 0;
    in->cached_header = 0;
    for (int exact = 1; exact >= 0; exact--) {
        for (size_t i = 0; i < s->n; i++) {
            const field_def *f = &s->f[i];
            if (in->cols[i] >= 0) continue;
            int best = -1, best_rank = 0, nmatch = 0;
            for (size_t k = 0; k < n; k++) {
                if (in->col_field[k] >= 0 || in->col_shadow[k]) continue;
                int r = exact ? schema_from_exact(f, names[k]) : schema_from_pattern(f, names[k]);
                if (r < 0) continue;
                nmatch++;
                if (best < 0 || r < best_rank) {
                    best = (int)k;
                    best_rank = r;
                }
            }
            if (best < 0) continue;
            in->cols[i] = best;
            in->col_field[best] = (int)i;
            if (nmatch < 2) continue;
            /* columns under one and the same name are the reader's error (a
             * duplicate header name, which rejects the rows), not a second
             * mapping conflict; they are shadowed, so still protected */
            int report = !f->prefer_first;
            if (report) {
                int distinct = 0;
                for (size_t k = 0; k < n && !distinct; k++) {
                    if ((int)k == best || in->col_shadow[k] || (in->col_field[k] >= 0 && (size_t)in->col_field[k] != i))
                        continue;
                    int r = exact ? schema_from_exact(f, names[k]) : schema_from_pattern(f, names[k]);
                    distinct = r >= 0 && strcmp(names[k], names[best]) != 0;
                }
                report = distinct;
            }
            if (report) {
                if (in->conflicts.len) pm_buf_addc(&in->conflicts, '\n');
                pm_buf_adds(&in->conflicts, "columns");
            }
            int nth = 0;
            for (size_t k = 0; k < n; k++) {
                if (in->col_field[k] >= 0 && (size_t)in->col_field[k] != i) continue;
                if (in->col_shadow[k]) continue;
                int r = exact ? schema_from_exact(f, names[k]) : schema_from_pattern(f, names[k]);
                if (r < 0) continue;
                if ((int)k != best) in->col_shadow[k] = (int)i + 1;
                if (report)
                    pm_buf_addf(&in->conflicts, "%s '%s'", nth++ ? (nth == nmatch ? " and" : ",") : "", names[k]);
            }
            if (report)
                pm_buf_addf(&in->conflicts,
                            " %s map to field '%s'; keep one column, or give the field "
                            "'prefer: first' in a schema (the name listed first in 'from' wins)",
                            nmatch == 2 ? "both" : "all", f->name);
        }
    }
    /* what each column holds: its field's kind, the kind of a personal
     * field it also matches (a second phone column), or of an entry of
     * personal_columns */
    for (size_t k = 0; k < n; k++) {
        int fi = in->col_field[k] >= 0 ? in->col_field[k] : in->col_shadow[k] - 1;
        if (fi >= 0 && in->kind[fi] >= 0) {
            in->col_kind[k] = in->kind[fi];
            continue;
        }
        for (size_t i = 0; i < s->n && in->col_kind[k] < 0; i++)
            if (in->kind[i] >= 0 &&
                (schema_from_exact(&s->f[i], names[k]) >= 0 || schema_from_pattern(&s->f[i], names[k]) >= 0))
                in->col_kind[k] = in->kind[i];
        for (size_t i = 0; i < s->npc && in->col_kind[k] < 0; i++)
            if (schema_from_exact(&s->pc[i], names[k]) >= 0 || schema_from_pattern(&s->pc[i], names[k]) >= 0)
                in->col_kind[k] = pm_pi_kind_parse(s->pc[i].personal);
    }
}

/* Maps columns again only when the field names changed (a new file, or
 * YAML records with other keys).  Names are compared by the reader's
 * number for its header when the record has one (in->rec_header), else by
 * text: a reader may reuse the same memory for other names. */
static void map_columns(ingest *in, const pm_record *src)
{
    if (in->cached_names && in->rec_header && in->rec_header == in->cached_header && in->ncached == src->n) return;
    if (in->cached_names && in->ncached == src->n) {
        size_t i = 0;
        while (i < src->n && !strcmp(in->cached_names[i], src->f[i].name)) i++;
        if (i == src->n) {
            in->cached_header = in->rec_header;
            return;
        }
    }
    const char **names = pm_xcalloc(src->n + 1, sizeof *names);
    for (size_t i = 0; i < src->n; i++) names[i] = src->f[i].name;
    compute_mapping(in, names, src->n);
    free(names);
    for (size_t i = 0; i < in->ncached; i++) free(in->cached_names[i]);
    free(in->cached_names);
    in->cached_names = pm_xcalloc(src->n + 1, sizeof *in->cached_names);
    for (size_t i = 0; i < src->n; i++) in->cached_names[i] = pm_xstrdup(src->f[i].name);
    in->ncached = src->n;
    in->cached_header = in->rec_header;
}

/* Trims ASCII blanks and the ideographic space U+3000 at both ends. */
static inline void trim(const char **v, size_t *len)
{
    const char *s = *v;
    size_t n = *len;
    if (!n) return;
    unsigned char a = (unsigned char)s[0], z = (unsigned char)s[n - 1];
    if (a != ' ' && a != '\t' && a != 0xe3 && z != ' ' && z != '\t' && z != 0x80) return; /* most values */
    for (;;) {
        if (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
            continue;
        }
        if (n >= 3 && !memcmp(s, "\xe3\x80\x80", 3)) {
            s += 3;
            n -= 3;
            continue;
        }
        break;
    }
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
            continue;
        }
        if (n >= 3 && !memcmp(s + n - 3, "\xe3\x80\x80", 3)) {
            n -= 3;
            continue;
        }
        break;
    }
    *v = s;
    *len = n;
}

void ingest_set_protector(ingest *in, const pm_protector *p)
{
    in->prot = p && p->mode != PM_PROTECT_NONE ? p : NULL;
}

/* Appends msg with every occurrence of the secret values replaced. */
static void add_redacted(pm_buf *out, const char *msg, const char *const *secret, const size_t *slen, int n)
{
    while (*msg) {
        int hit = -1;
        for (int k = 0; k < n && hit < 0; k++)
            if (slen[k] && !strncmp(msg, secret[k], slen[k])) hit = k;
        if (hit >= 0) {
            pm_buf_adds(out, "(hidden)");
            msg += slen[hit];
        } else {
            pm_buf_addc(out, *msg++);
        }
    }
}

/* Adds "field: msg" to the reasons.  The messages of a personal field are
 * made without its value (schema_convert_hidden, and no quoting here); the
 * redaction below only backs that up, as it finds whole values only. */
static void add_error_at(ingest *in, size_t fi, const char *msg, const pm_record *src)
{
    if (in->errs.len) pm_buf_adds(&in->errs, "; ");
    pm_buf_addf(&in->errs, "%s: ", in->s->f[fi].name);
    if (!in->prot || in->kind[fi] < 0) {
        pm_buf_adds(&in->errs, msg);
        return;
    }
    const char *secret[2] = {pm_buf_str(&in->val), ""};
    size_t slen[2] = {in->val.len, 0};
    if (in->cols[fi] >= 0) {
        secret[1] = src->f[in->cols[fi]].value;
        slen[1] = src->f[in->cols[fi]].len;
    }
    add_redacted(&in->errs, msg, secret, slen, 2);
}

void ingest_protect_source(ingest *in, pm_record *src, int every)
{
    if (!in->prot) return;
    map_columns(in, src);
    for (size_t c = 0; c < src->n; c++) {
        int kind = every ? PM_PI_TEXT : -1;
        if (c < in->ncols && in->col_kind[c] >= 0) kind = in->col_kind[c];
        if (kind < 0) continue;
        pm_buf_reset(&in->conv);
        pm_protect_value(in->prot, (pm_pi_kind)kind, src->f[c].value, src->f[c].len, &in->conv);
        /* by position: two columns may have one name (a repeated 户主) */
        src->f[c].value = pm_record_strdup(src, pm_buf_str(&in->conv), in->conv.len);
        src->f[c].len = in->conv.len;
    }
}

/* The value of src's column c, trimmed. */
static size_t cell(const pm_record *src, size_t c, const char **v)
{
    size_t len = src->f[c].len;
    *v = src->f[c].value;
    trim(v, &len);
    return len;
}

static int starts_with(const char *v, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len >= n && !memcmp(v, w, n);
}

const char *ingest_skip_reason(ingest *in, const pm_record *src)
{
    const char *v;
    size_t len;
    int any = 0, mapped = 0;
    map_columns(in, src);
    for (size_t c = 0; c < src->n && !any; c++) any = cell(src, c, &v) > 0;
    if (!any) return "a blank row";
    if (src->n && (len = cell(src, 0, &v)) &&
        (starts_with(v, len, "合计") || starts_with(v, len, "总计") || starts_with(v, len, "小计")))
        return "a totals row";
    for (size_t i = 0; i < in->s->n && !mapped; i++)
        if (in->cols[i] >= 0 && (size_t)in->cols[i] < src->n) mapped = cell(src, (size_t)in->cols[i], &v) > 0;
    if (!mapped) return INGEST_SKIP_UNMAPPED;
    return NULL;
}

/* An enum value that matched nothing, in a field with 'unknown: empty':
 * a warning the first time each value is met. */
static void note_unknown(ingest *in, size_t fi, const pm_record *src, const char *v, size_t len)
{
    unknown_set *u = in->unknown[fi];
    u->rows++;
    for (size_t k = 0; k < u->n; k++)
        if (strlen(u->v[k]) == len && !memcmp(u->v[k], v, len)) return;
    if (u->n == UNKNOWN_MAX) return;
    u->v[u->n++] = pm_xstrndup(v, len);
    int hide = in->prot && in->kind[fi] >= 0;
    pm_warn_at(src->source, src->line,
               "warning: %s: %s%.*s%s is none of its values; left empty "
               "(and so in every row that has it)",
               in->s->f[fi].name, hide ? "a value" : "'", hide ? 0 : (int)len, v, hide ? "" : "'");
}

int ingest_row(ingest *in, const pm_record *src)
{
    const schema *s = in->s;
    pm_record_clear(&in->out);
    pm_buf_reset(&in->errs);
    map_columns(in, src);
    const char *skip = ingest_skip_reason(in, src);
    if (skip) {
        /* a row with values only in columns no field takes may be data
         * under the wrong header: said, not silently passed over */
        if (!strcmp(skip, INGEST_SKIP_UNMAPPED))
            pm_warn_at(src->source, src->line, "warning: skipped: %s (only columns no field takes have values)", skip);
        in->skipped++;
        return INGEST_SKIPPED;
    }
    pm_error e;
    for (size_t i = 0; i < s->n; i++) {
        const field_def *fd = &s->f[i];
        const char *v = "";
        size_t len = 0;
        if (in->cols[i] >= 0) {
            v = src->f[in->cols[i]].value;
            len = src->f[in->cols[i]].len;
        }
        trim(&v, &len);
        int hide = in->prot && in->kind[i] >= 0;
        if (hide && !fd->nnormalize) {
            pm_buf_reset(&in->val); /* kept for redacting messages */
            pm_buf_add(&in->val, v, len);
        }
        int normalized = 0; /* v is in->val, not src's */
        if (len && fd->nnormalize) {
            pm_buf_reset(&in->val);
            pm_buf_add(&in->val, v, len);
            for (size_t k = 0; k < fd->nnormalize; k++) {
                /* a rule that matches nothing replaces nothing (a match
                 * costs less than a replacement) */
                if (pm_regex_match(fd->normalize[k].rx, pm_buf_str(&in->val), in->val.len, &e) == PM_RX_NOMATCH)
                    continue;
                normalized = 1;
                pm_buf_reset(&in->conv);
                if (pm_regex_replace(fd->normalize[k].rx, pm_buf_str(&in->val), in->val.len, fd->normalize[k].repl,
                                     &in->conv, &e) < 0) {
                    add_error_at(in, i, e.msg, src);
                    break;
                }
                pm_buf_reset(&in->val);
                pm_buf_add(&in->val, pm_buf_str(&in->conv), in->conv.len);
            }
            if (normalized) {
                v = pm_buf_str(&in->val);
                len = in->val.len;
                trim(&v, &len);
            }
        }
        if (len == 0 && fd->def) {
            v = fd->def;
            len = strlen(v);
        }
        if (len == 0) {
            if (fd->required)
                add_error_at(in, i,
                             in->cols[i] < 0 ? "required, but no column of the input maps to it"
                                             : "required value is missing",
                             src);
            /* src's empty value itself, where it has one */
            pm_record_add_owned(&in->out, fd->name, normalized ? "" : v, 0);
            continue;
        }
        const char *cv = v;
        size_t clen = len;
        if (schema_is_canonical(fd, v, len, in->tz)) {
            /* no change: src's bytes (or the schema's default) as they
             * are, where they end with the value */
            if (v[len] || normalized) cv = pm_record_strdup(&in->out, v, len);
        } else {
            int crc = (hide ? schema_convert_hidden : schema_convert)(fd, v, len, in->tz, &in->conv, &e);
            if (crc < 0) {
                add_error_at(in, i, e.msg, src);
                pm_record_add_owned(&in->out, fd->name, "", 0);
                continue;
            }
            if (crc == SCHEMA_UNKNOWN) {
                note_unknown(in, i, src, v, len);
                pm_record_add_owned(&in->out, fd->name, "", 0);
                continue;
            }
            if (crc == SCHEMA_BARE_DATE && in->bare_dates++ < 3)
                pm_warn_at(src->source, src->line, "warning: %s: a date without a time, read as 00:00 of that day%s",
                           fd->name, in->bare_dates == 3 ? " (further ones are counted at the end)" : "");
            cv = pm_record_strdup(&in->out, pm_buf_str(&in->conv), in->conv.len);
            clen = in->conv.len;
        }
        if (fd->pattern) {
            int m = pm_regex_match(fd->pattern, cv, clen, &e);
            if (m == PM_RX_ERROR) {
                add_error_at(in, i, e.msg, src);
            } else if (m == PM_RX_NOMATCH) {
                char msg[512];
                if (hide)
                    snprintf(msg, sizeof msg, "the value does not match the pattern '%.200s'",
                             pm_regex_pattern(fd->pattern));
                else
                    snprintf(msg, sizeof msg, "'%.200s' does not match the pattern '%.200s'", cv,
                             pm_regex_pattern(fd->pattern));
                add_error_at(in, i, msg, src);
            }
        }
        pm_record_add_owned(&in->out, fd->name, cv, clen);
    }
    /* unique values count only for rows that are written */
    for (size_t i = 0; i < s->n && in->errs.len == 0; i++) {
        if (!in->seen[i]) continue;
        const pm_field *f = &in->out.f[i];
        if (!f->len) continue;
        if (seen_check(in->seen[i], f->value, f->len)) {
            char msg[512];
            if (in->prot && in->kind[i] >= 0)
                snprintf(msg, sizeof msg, "duplicate value: an earlier row already has it");
            else
                snprintf(msg, sizeof msg, "duplicate value '%.200s': an earlier row already has it", f->value);
            add_error_at(in, i, msg, src);
        }
    }
    if (in->errs.len) return INGEST_REJECTED;
    for (size_t i = 0; i < s->n; i++)
        if (in->seen[i] && in->out.f[i].len) seen_add_checked(in->seen[i], in->out.f[i].value, in->out.f[i].len);
    for (size_t i = 0; in->prot && i < s->n; i++) {
        if (in->kind[i] < 0 || !in->out.f[i].len) continue;
        pm_buf_reset(&in->conv);
        pm_protect_value(in->prot, (pm_pi_kind)in->kind[i], in->out.f[i].value, in->out.f[i].len, &in->conv);
        pm_record_setn(&in->out, in->out.f[i].name, pm_buf_str(&in->conv), in->conv.len);
    }
    if (in->keep_extra) {
        for (size_t k = 0; k < src->n; k++) {
            if (k < in->ncols && in->col_field[k] >= 0) continue;
            if (in->prot && k < in->ncols && in->col_kind[k] >= 0) {
                /* a second phone column, an owner's name: protected too */
                pm_buf_reset(&in->conv);
                pm_protect_value(in->prot, (pm_pi_kind)in->col_kind[k], src->f[k].value, src->f[k].len, &in->conv);
                pm_record_add(&in->out, src->f[k].name, pm_buf_str(&in->conv), in->conv.len);
                continue;
            }
            pm_record_add_owned(&in->out, src->f[k].name, src->f[k].value, src->f[k].len);
        }
    }
    /* the fields that still hold src's values where src had them are
     * written as the bytes read (see pm_record) */
    in->out.raw = src->raw;
    in->out.raw_len = src->raw_len;
    in->out.raw_n = src->raw_n;
    in->out.raw_delim = src->raw_delim;
    return INGEST_WRITTEN;
}

/* Inputs and their headers ------------------------------------------------- */

void ingest_begin_input(ingest *in, const char *name, int yaml, long force_line)
{
    in->input = name;
    in->yaml = yaml;
    in->force_line = force_line;
    in->state = HDR_UNSET;
    in->hdr_line = 0;
    in->input_records = 0;
    free_header(in);
    clear_held(in);
}

int ingest_header_known(const ingest *in)
{
    return in->state == HDR_READER || in->state == HDR_OWN;
}

size_t ingest_header_width(const ingest *in, size_t reader_width)
{
    return in->state == HDR_OWN ? in->nhdr : reader_width;
}

/* 1 when names map every required field of the schema. */
static int maps_required(ingest *in, const char *const *names, size_t n)
{
    compute_mapping(in, names, n);
    for (size_t i = 0; i < in->s->n; i++)
        if (in->s->f[i].required && in->cols[i] < 0) return 0;
    return 1;
}

static void add_list(pm_buf *b, const field_def *f)
{
    for (size_t a = 0; a < f->nfrom; a++) pm_buf_addf(b, "%s%s", a ? ", " : "", f->from[a]);
    for (size_t a = 0; a < f->nfrom_rx; a++)
        pm_buf_addf(b, "%s/%s/", a || f->nfrom ? ", " : "", pm_regex_pattern(f->from_rx[a]));
}

/* For the unused column k called name: the name looked for that it is
 * nearest to (pm_text_nearest) among those of the fields no column feeds
 * (a typo in the header: 受理时问 for 受理时间), or NULL.  A column that
 * lost to another, or that holds personal data, is known: NULL. */
static const char *near_alias(const ingest *in, const char *name, size_t k)
{
    const schema *s = in->s;
    if (!*name || in->col_shadow[k] || in->col_kind[k] >= 0) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (in->cols[i] < 0) n += s->f[i].nfrom;
    if (!n) return NULL;
    const char **known = pm_xcalloc(n, sizeof *known);
    n = 0;
    for (size_t i = 0; i < s->n; i++)
        for (size_t a = 0; in->cols[i] < 0 && a < s->f[i].nfrom; a++) known[n++] = s->f[i].from[a];
    int best;
    const char *near = pm_text_nearest(name, known, (int)n, &best, 1) == 1 ? known[best] : NULL;
    free(known);
    return near;
}

/* The unused column of names near one of field f's names (a typo:
 * 受理时问 for 受理时间), or -1; after compute_mapping. */
static long near_column(const ingest *in, const field_def *f, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (in->col_field[k] >= 0) continue;
        const char *near = near_alias(in, names[k], k);
        for (size_t a = 0; near && a < f->nfrom; a++)
            if (near == f->from[a]) return (long)k;
    }
    return -1;
}

/* A header with a typo in a required column's name: every required field
 * found by name or by a column near one of its names, and at least half
 * of the line's named cells mapping by name (a title or a row does not).
 * Taken as the header, the typo is told at its own line, not every row
 * rejected against a title line taken for the header. */
static int maps_required_near(ingest *in, const char *const *names, size_t n)
{
    compute_mapping(in, names, n);
    size_t named = 0, mapped = 0;
    for (size_t k = 0; k < n; k++) {
        named += *names[k] != 0;
        mapped += in->col_field[k] >= 0;
    }
    if (mapped < 2 || mapped * 2 < named) return 0;
    for (size_t i = 0; i < in->s->n; i++)
        if (in->s->f[i].required && in->cols[i] < 0 && near_column(in, &in->s->f[i], names, n) < 0) return 0;
    return 1;
}

/* Tells how the columns called names map: on standard error, or as a
 * table on standard output (--print-mapping).  Required fields without a
 * column and conflicts count as mapping errors (exit status 2). */
static void report_mapping(ingest *in, const char *const *names, size_t n, long line)
{
    const schema *s = in->s;
    pm_buf b = PM_BUF_INIT;
    compute_mapping(in, names, n);
    if (in->quiet) return;
    if (in->print_mapping) {
        if (in->yaml)
            printf("%s: keys of the first record\n", in->input);
        else
            printf("%s: header on line %ld\n", in->input, pm_line_shown(line));
        for (size_t k = 0; k < n; k++) {
            if (in->col_field[k] >= 0)
                printf("  %s -> %s\n", names[k], s->f[in->col_field[k]].name);
            else if (in->col_shadow[k])
                printf("  %s -> (not used: %s comes from another column)\n", names[k],
                       s->f[in->col_shadow[k] - 1].name);
            else
                printf("  %s -> (not used)%s%s\n", names[k], in->col_kind[k] >= 0 ? " personal: " : "",
                       in->col_kind[k] >= 0 ? pm_pi_kind_name((pm_pi_kind)in->col_kind[k]) : "");
        }
        for (size_t i = 0; i < s->n; i++) {
            if (in->cols[i] >= 0) continue;
            pm_buf_reset(&b);
            add_list(&b, &s->f[i]);
            printf("  (no column) -> %s%s; looked for: %s\n", s->f[i].name, s->f[i].required ? ", REQUIRED" : "",
                   pm_buf_str(&b));
        }
        if (in->conflicts.len) printf("  error: %s\n", pm_buf_str(&in->conflicts));
    } else {
        for (size_t k = 0; k < n; k++)
            if (in->col_field[k] >= 0)
                pm_buf_addf(&b, "%s%s -> %s", b.len ? ", " : "", names[k], s->f[in->col_field[k]].name);
        pm_warn_at(in->input, line, "columns: %s", b.len ? pm_buf_str(&b) : "none maps to a field");
        pm_buf_reset(&b);
        for (size_t k = 0; k < n; k++) {
            if (in->col_field[k] >= 0) continue;
            pm_buf_addf(&b, "%s%s", b.len ? ", " : "", *names[k] ? names[k] : "(no name)");
            const char *near = near_alias(in, names[k], k);
            if (near) pm_buf_addf(&b, " (did you mean %s?)", near);
        }
        if (b.len)
            pm_warn_at(in->input, line, "warning: not used: %s%s", pm_buf_str(&b),
                       in->keep_extra ? " (kept by --keep-extra)" : " (--keep-extra keeps them)");
        pm_buf_reset(&b);
        for (size_t i = 0; i < s->n; i++)
            if (in->cols[i] < 0 && !s->f[i].required) pm_buf_addf(&b, "%s%s", b.len ? ", " : "", s->f[i].name);
        if (b.len)
            pm_warn_at(in->input, line, "warning: no column for %s (--print-mapping lists the names looked for)",
                       pm_buf_str(&b));
    }
    for (size_t i = 0; i < s->n; i++) {
        if (in->cols[i] >= 0 || !s->f[i].required) continue;
        in->map_errors++;
        if (in->print_mapping) continue;
        pm_buf_reset(&b);
        add_list(&b, &s->f[i]);
        long near = near_column(in, &s->f[i], names, n);
        if (near >= 0)
            pm_warn_at(in->input, line,
                       "no column for the required field '%s' (looked for: %s): every row would be "
                       "rejected; is the column %s meant to be %s?",
                       s->f[i].name, pm_buf_str(&b), names[near], near_alias(in, names[near], (size_t)near));
        else
            pm_warn_at(in->input, line,
                       "no column for the required field '%s' (looked for: %s): every row would be "
                       "rejected; is the header on another line (--header-line=N), or another schema needed?",
                       s->f[i].name, pm_buf_str(&b));
    }
    /* (YAML keys are a record's own: a key given twice is the reader's
     * bad record) */
    if (in->conflicts.len && !in->yaml) {
        in->map_errors++;
        if (!in->print_mapping) {
            const char *c = pm_buf_str(&in->conflicts), *nl;
            while ((nl = strchr(c, '\n'))) {
                pm_warn_at(in->input, line, "%.*s", (int)(nl - c), c);
                c = nl + 1;
            }
            pm_warn_at(in->input, line, "%s", c);
        }
    }
    pm_buf_free(&b);
}

static void report_record_names(ingest *in, const pm_record *rec, long line)
{
    const char **names = pm_xcalloc(rec->n + 1, sizeof *names);
    for (size_t i = 0; i < rec->n; i++) names[i] = rec->f[i].name;
    report_mapping(in, names, rec->n, line);
    free(names);
}

/* Takes the values of rec (trimmed) as the header. */
static void adopt_header(ingest *in, const pm_record *rec)
{
    free_header(in);
    size_t n = rec->n;
    while (n > 0) { /* a title line shorter than the rows leaves surplus empty cells */
        const char *v;
        if (cell(rec, n - 1, &v)) break;
        n--;
    }
    in->hdr = pm_xcalloc(n + 1, sizeof *in->hdr);
    for (size_t i = 0; i < n; i++) {
        const char *v;
        size_t len = cell(rec, i, &v);
        in->hdr[i] = pm_xstrndup(v, len);
    }
    in->nhdr = n;
    in->hdr_line = rec->line;
    in->state = HDR_OWN;
    report_mapping(in, (const char *const *)in->hdr, in->nhdr, rec->line);
}

int ingest_width_mismatch(const char *bad)
{
    size_t a, b;
    const char *w = bad ? strstr(bad, " where the header has ") : NULL;
    return w && sscanf(bad, "%zu field", &a) == 1 && sscanf(w, " where the header has %zu", &b) == 1 &&
           strspn(bad, "0123456789") > 0;
}

/* Names rec's values after the header found; a row that the reader found
 * too long for the title line may be right for the header. */
static void rekey(ingest *in, pm_record *rec, const char **bad)
{
    size_t n = rec->n;
    while (n > in->nhdr) {
        const char *v;
        if (cell(rec, n - 1, &v)) break;
        n--;
    }
    rec->n = n;
    for (size_t i = 0; i < n && i < in->nhdr; i++) rec->f[i].name = in->hdr[i];
    for (size_t i = n; i < in->nhdr; i++) pm_record_add(rec, in->hdr[i], "", 0);
    if (*bad && ingest_width_mismatch(*bad)) *bad = NULL;
    /* what the reader measured against its header, the first line: here
     * a title (an unterminated quote's "row of N fields ... where the
     * header has 1") */
    const char *w = *bad ? strstr(*bad, " where the header has ") : NULL;
    if (w) {
        char msg[sizeof in->bad_msg];
        snprintf(msg, sizeof msg, "%.*s where the title (line 1) has %s", (int)(w - *bad), *bad,
                 w + strlen(" where the header has "));
        memcpy(in->bad_msg, msg, strlen(msg) + 1);
        *bad = in->bad_msg;
    }
    if (!*bad && n > in->nhdr) {
        snprintf(in->bad_msg, sizeof in->bad_msg, "%zu fields where the header has %zu", n, in->nhdr);
        *bad = in->bad_msg;
    }
}

/* Whether the row rec, under a line taken for the header, is the header
 * (its cells, trimmed, map the required fields, or nearly: a typo). */
static int row_is_header(ingest *in, const pm_record *rec)
{
    const char **vals = pm_xcalloc(rec->n + 1, sizeof *vals);
    char **copies = pm_xcalloc(rec->n + 1, sizeof *copies);
    for (size_t i = 0; i < rec->n; i++) {
        const char *v;
        size_t len = cell(rec, i, &v);
        vals[i] = copies[i] = pm_xstrndup(v, len);
    }
    int found = maps_required(in, vals, rec->n) || maps_required_near(in, vals, rec->n);
    for (size_t i = 0; i < rec->n; i++) free(copies[i]);
    free(copies);
    free(vals);
    return found;
}

/* The line of path's header as ingest_header finds it when the file is
 * read whole (1 also when no line maps, or the file is YAML), for a block
 * of it (--byte-range), which reads the lines down to it; 0 when the file
 * cannot be read (the run then says why).  Its first lines, given to
 * ingest_header itself, in a quiet probe: one search, whichever way the
 * file is read. */
long ingest_find_header_line(const ingest *in, const char *path, const pm_read_opts *opts)
{
    pm_read_opts o = *opts;
    o.byte_range = 0;
    pm_error err;
    pm_reader *rd = pm_reader_open(path, &o, &err);
    if (!rd) return 0;
    ingest probe;
    ingest_init(&probe, in->s, in->tz, in->keep_extra);
    probe.quiet = 1;
    ingest_begin_input(&probe, path, 0, 0);
    pm_record rec;
    pm_record_init(&rec);
    while (!ingest_header_known(&probe)) {
        int st = pm_reader_next(rd, &rec, &err);
        if (st == PM_READ_EOF || st == PM_READ_FATAL || pm_reader_format(rd) == PM_FMT_YAML) break;
        size_t nh = 0;
        const char *const *names = pm_reader_header(rd, &nh);
        const char *bad = NULL;
        ingest_header(&probe, &rec, &bad, names, nh);
    }
    long line = probe.state == HDR_OWN ? probe.hdr_line : 1;
    pm_record_free(&rec);
    pm_reader_close(rd);
    ingest_free(&probe);
    return line;
}

int ingest_header(ingest *in, pm_record *rec, const char **bad, const char *const *hnames, size_t hn)
{
    in->input_records++;
    if (in->state == HDR_READER) return INGEST_ROW;
    if (in->state == HDR_OWN) {
        rekey(in, rec, bad);
        return INGEST_ROW;
    }
    if (in->state == HDR_UNSET) {
        if (in->force_line > 1 && !in->yaml) {
            if (rec->line < in->force_line) return INGEST_NOT_DATA;
            if (rec->line == in->force_line) {
                adopt_header(in, rec);
                return INGEST_NOT_DATA;
            }
        }
        if (in->yaml || !hnames) {
            /* a record's own keys: not those of one that could not be read */
            if (*bad) return INGEST_ROW;
            in->state = HDR_READER;
            report_record_names(in, rec, 1);
            return INGEST_ROW;
        }
        if (in->force_line || maps_required(in, hnames, hn)) {
            in->state = HDR_READER;
            report_mapping(in, hnames, hn, 1);
            return INGEST_ROW;
        }
        in->state = HDR_SEARCH;
    }
    /* HDR_SEARCH: is this line the header? */
    if (row_is_header(in, rec)) {
        if (!in->quiet && (in->nheld || rec->line > 1))
            pm_warn_at(in->input, rec->line, "the header is line %ld; the line%s above it %s a title, not data",
                       pm_line_shown(rec->line), rec->line > 2 ? "s" : "", rec->line > 2 ? "are" : "is");
        clear_held(in);
        adopt_header(in, rec);
        return INGEST_NOT_DATA;
    }
    if (in->nheld < INGEST_HEADER_SEARCH) {
        pm_record_copy(&in->held[in->nheld], rec);
        in->held_bad[in->nheld] = *bad ? pm_xstrdup(*bad) : NULL;
        in->nheld++;
        return INGEST_HELD;
    }
    /* no header in sight: line 1 is the header; the held lines are rows */
    in->state = HDR_READER;
    report_mapping(in, hnames, hn, 1);
    return INGEST_ROW;
}

int ingest_release(ingest *in, pm_record *rec, const char **bad)
{
    if (!ingest_header_known(in) || in->nreleased == in->nheld) return 0;
    size_t i = in->nreleased++;
    pm_record_copy(rec, &in->held[i]);
    *bad = NULL;
    if (in->held_bad[i]) {
        snprintf(in->bad_msg, sizeof in->bad_msg, "%s", in->held_bad[i]);
        *bad = in->bad_msg;
    }
    return 1;
}

int ingest_end_input(ingest *in, const char *const *names, size_t n)
{
    if (in->state == HDR_SEARCH) {
        in->state = HDR_READER;
        report_mapping(in, names, n, 1);
        return 0;
    }
    if (in->state != HDR_UNSET) return 0;
    if (in->yaml && in->input_records) return 0; /* every record bad: no keys to map */
    if (!n && !in->input_records) {
        if (in->print_mapping) printf("%s: no data at all\n", in->input);
        return -1;
    }
    /* a header and no rows: what would have been mapped */
    in->state = HDR_READER;
    report_mapping(in, names, n, 1);
    return 0;
}

void ingest_report_end(ingest *in)
{
    for (size_t i = 0; i < in->s->n; i++) {
        unknown_set *u = in->unknown[i];
        if (!u || !u->rows) continue;
        pm_warn_at(NULL, 0,
                   "warning: %s: %llu row%s with a value that is none of its values (%zu%s distinct), left empty",
                   in->s->f[i].name, u->rows, u->rows == 1 ? "" : "s", u->n, u->n == UNKNOWN_MAX ? "+" : "");
    }
    if (in->bare_dates > 3)
        pm_warn_at(NULL, 0, "warning: %llu dates without a time were read as 00:00 of their day", in->bare_dates);
}

/* The run on the shared pipeline ------------------------------------------- */

typedef struct run {
    ingest *ing;
    const pm_protector *prot;
    const ingest_opts *o;
    unsigned long long rows; /* for the progress line */
    int show_progress;
    pm_buf raw;
} run;

static void progress(unsigned long long n, int done)
{
    if (done)
        fputs("\r\033[K", stderr);
    else
        fprintf(stderr, "\r%s: %llu rows read...", pm_progname(), n);
}

/* A CSV row longer than its header: the surplus values go into the reason,
 * so that the reject stream keeps one header and loses nothing.  Under
 * --protect they are protected before they get here (dropped says that
 * --protect=drop emptied them). */
static void fold_surplus(size_t nh, pm_record *rec, pm_buf *why, int dropped)
{
    if (nh == 0 || rec->n <= nh) return;
    if (dropped) {
        size_t n = rec->n - nh;
        pm_buf_addf(why, "; %zu surplus value%s, not kept (--protect=drop)", n, n == 1 ? "" : "s");
        rec->n = nh;
        return;
    }
    pm_buf_adds(why, "; the surplus values: ");
    pm_fold_surplus(rec, nh, why);
}

/* " (id=X)": the record's id, from the column that feeds the schema's id
 * field (after protection), for a message about the row; ingest_row has
 * mapped the row's own names.  Nothing when the row has no such value or
 * was not read as it should (its values may not stand under their
 * columns), as pm_pipe_warn does. */
static void add_row_id(const ingest *ing, const pm_record *rec, pm_buf *out)
{
    if (ing->ncols != rec->n) return; /* (a mapping of other names) */
    for (size_t c = 0; c < rec->n; c++) {
        int f = ing->col_field[c];
        if (f < 0 || strcmp(ing->s->f[f].name, "id")) continue;
        if (rec->f[c].len) pm_text_add_key(out, "id", rec->f[c].value, rec->f[c].len);
        return;
    }
}

/* One row, its header settled: written, skipped or rejected (bad: the
 * reader's reason when it could not read the row as it should). */
static pm_verdict row_verdict(pm_pipe *p, run *r, pm_record *rec, const char *bad)
{
    ingest *ing = r->ing;
    if (r->show_progress && ++r->rows % 100000 == 0) progress(r->rows, 0);
    size_t hn = 0;
    ing->rec_header = pm_inputs_record_header(pm_pipe_inputs(p), rec, &hn);
    if (hn != rec->n) ing->rec_header = 0; /* names added after the header's */
    const char *why = NULL;
    if (bad) {
        /* a blank or totals row is not data however it was read (but a
         * misaligned row may have its values under unmapped columns) */
        const char *skip = ingest_skip_reason(ing, rec);
        if (skip && strcmp(skip, INGEST_SKIP_UNMAPPED) && ingest_width_mismatch(bad)) {
            ing->skipped++;
            return PM_SKIP;
        }
        why = bad;
    } else {
        int st = ingest_row(ing, rec);
        if (st == INGEST_SKIPPED) return PM_SKIP;
        if (st == INGEST_WRITTEN) {
            pm_pipe_write(p, &ing->out); /* a write error stops the run */
            return PM_HOLD;
        }
        why = pm_buf_str(&ing->errs);
    }
    if (bad) {
        char *msg = pm_xstrdup(bad);
        pm_buf_reset(&ing->errs);
        pm_buf_adds(&ing->errs, msg);
        free(msg);
        /* its columns cannot be trusted: every value is protected */
        ingest_protect_source(ing, rec, 1);
        size_t nh = 0;
        const pm_reader *rd = pm_inputs_current(pm_pipe_inputs(p));
        if (rd) pm_reader_header(rd, &nh);
        fold_surplus(ingest_header_width(ing, nh), rec, &ing->errs, r->prot->mode == PM_PROTECT_DROP);
        why = pm_buf_str(&ing->errs);
    } else {
        ingest_protect_source(ing, rec, 0);
    }
    pm_buf id = PM_BUF_INIT;
    if (!bad) add_row_id(ing, rec, &id);
    pm_warn_at(rec->source, rec->line, "rejected: %s%s", why, pm_buf_str(&id));
    pm_buf_free(&id);
    pm_pipe_reason(p, "%s", why);
    return PM_REJECT;
}

/* The rows held while the header was looked for, settled now. */
static void release_held(pm_pipe *p, run *r)
{
    ingest *ing = r->ing;
    pm_record held;
    const char *bad;
    pm_record_init(&held);
    while (ingest_release(ing, &held, &bad)) {
        size_t i = ing->nreleased - 1;
        if (r->o->print_mapping) continue; /* nothing is converted */
        const char *raw = ing->held_bad[i] ? pm_buf_str(&ing->held_raw[i]) : NULL;
        pm_pipe_settle(p, &held, raw, ing->held_raw[i].len, row_verdict(p, r, &held, bad));
    }
    pm_record_free(&held);
}

static pm_verdict on_any(pm_pipe *p, pm_record *rec, const char *bad, run *r)
{
    ingest *ing = r->ing;
    const pm_reader *rd = pm_inputs_current(pm_pipe_inputs(p));
    size_t nh = 0;
    const char *const *hn = pm_reader_header(rd, &nh);
    int h = ingest_header(ing, rec, &bad, pm_reader_format(rd) == PM_FMT_YAML ? NULL : hn, nh);
    if (h == INGEST_HELD) {
        size_t rawlen = 0;
        const char *raw = pm_pipe_raw(p, &rawlen);
        pm_buf *keep = &ing->held_raw[ing->nheld - 1];
        pm_buf_reset(keep);
        if (bad) pm_buf_add(keep, raw, rawlen);
        return PM_DEFER;
    }
    if (ing->nreleased < ing->nheld) release_held(p, r);
    if (r->o->print_mapping) {
        if (ingest_header_known(ing)) pm_pipe_skip_input(p);
        return PM_NOT_RECORD;
    }
    if (h == INGEST_NOT_DATA) return PM_NOT_RECORD;
    return row_verdict(p, r, rec, bad);
}

static pm_verdict on_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    return on_any(p, rec, NULL, ctx);
}

/* A record the reader could not read: its raw text is protected first
 * under --protect (any value may be anywhere in it). */
static pm_verdict on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    run *r = ctx;
    if (r->prot->mode != PM_PROTECT_NONE) {
        size_t len = 0;
        const char *raw = pm_pipe_raw(p, &len);
        pm_buf_reset(&r->raw);
        if (len) pm_protect_value(r->prot, PM_PI_TEXT, raw, len, &r->raw);
        pm_pipe_set_raw(p, r->raw.s ? r->raw.s : "", r->raw.len);
    }
    return on_any(p, rec, why, r);
}

static void begin_input(pm_pipe *p, const pm_reader *rd, void *ctx)
{
    run *r = ctx;
    ingest_begin_input(r->ing, pm_reader_name(rd), pm_reader_format(rd) == PM_FMT_YAML, r->o->header_line);
}

static void end_input(pm_pipe *p, const pm_reader *rd, void *ctx)
{
    run *r = ctx;
    size_t nh = 0;
    const char *const *names = pm_reader_header(rd, &nh);
    if (!ingest_header_known(r->ing) && ingest_end_input(r->ing, names, nh) < 0) {
        pm_warn_at(pm_reader_name(rd), 0, "no data at all; was the export empty?");
        pm_pipe_error(p);
    }
    release_held(p, r);
}

int ingest_run(const ingest_opts *o, pm_common *c, char **paths, int npaths)
{
    pm_error err;
    schema s;
    pm_errors errs = PM_ERRORS_INIT;
    if (schema_load(&s, o->schema, &errs) < 0) {
        pm_errors_report(&errs);
        pm_errors_free(&errs);
        return PM_EXIT_ERROR;
    }
    pm_protector prot;
    if (pm_protector_init(&prot, (pm_protect_mode)o->protect, o->key_file, &err) < 0) {
        pm_report(&err);
        schema_free(&s);
        return PM_EXIT_ERROR;
    }
    if (prot.key_exposed)
        pm_warn_at(o->key_file, 0, "the key file is readable by group or others; protect it: chmod 600 %s",
                   o->key_file);
    if (prot.mode != PM_PROTECT_NONE) {
        size_t npersonal = 0;
        for (size_t i = 0; i < s.n; i++) npersonal += s.f[i].personal != NULL;
        if (!npersonal)
            pm_warn_at(s.source, 0,
                       "warning: --protect: the schema marks no field 'personal:', so no field "
                       "is protected (only the values of rows that cannot be read are)");
    }
    pm_tz *tz = pm_tz_open(c->tz_name, &err);
    if (!tz) {
        pm_report(&err);
        pm_protector_free(&prot);
        schema_free(&s);
        return PM_EXIT_ERROR;
    }
    schema_set_date_order(&s, o->date_order);
    if (o->print_mapping) c->reject = NULL; /* nothing is converted */

    ingest ing;
    ingest_init(&ing, &s, tz, o->keep_extra);
    ingest_set_protector(&ing, &prot);
    ing.print_mapping = o->print_mapping;
    run r = {.ing = &ing, .prot = &prot, .o = o};
    r.show_progress = isatty(2) && !o->print_mapping;
    pm_pipe_spec spec = {.record = on_record,
                         .bad = on_bad,
                         .begin_input = begin_input,
                         .end_input = end_input,
                         .ctx = &r,
                         .flags = PM_PIPE_FOLD_NEWLINES | PM_PIPE_TSV_AS_CSV | PM_PIPE_QUIET_REJECTS |
                                  PM_PIPE_COMMIT_INCOMPLETE | PM_PIPE_REJECT_RAW |
                                  (o->print_mapping ? PM_PIPE_NO_OUTPUT : 0)};
    int status = PM_EXIT_ERROR;
    /* a block of a file (--byte-range) reads the titles above the header
     * too: the lines down to the one given, or the one a whole run finds */
    c->read.range_header_lines = o->header_line;
    if (c->read.byte_range && !o->header_line && npaths == 1 && strcmp(paths[0], "-") != 0)
        c->read.range_header_lines = ingest_find_header_line(&ing, paths[0], &c->read);
    pm_pipe *p = pm_pipe_open(c, paths, npaths, &spec, &err);
    if (!p) {
        pm_report(&err);
    } else {
        status = pm_pipe_run(p);
        if (r.show_progress && r.rows >= 100000) progress(r.rows, 1);
        if (!o->print_mapping) {
            ingest_report_end(&ing);
            /* N = M + K + S; ", skipped S" only when rows were skipped */
            pm_pipe_counts n = pm_pipe_counts_get(p);
            if (n.skipped)
                fprintf(stderr, "%s: read %llu, wrote %llu, rejected %llu, skipped %llu\n", pm_progname(), n.read,
                        n.written, n.rejected, n.skipped);
            else
                fprintf(stderr, "%s: read %llu, wrote %llu, rejected %llu\n", pm_progname(), n.read, n.written,
                        n.rejected);
        }
        if (ing.map_errors) pm_pipe_error(p);
        status = pm_pipe_finish(p, status);
    }
    pm_buf_free(&r.raw);
    ingest_free(&ing);
    schema_free(&s);
    pm_tz_free(tz);
    pm_protector_free(&prot);
    return status;
}
