/* ingest.c - one source row to one canonical record, or a reason to reject. */
#include "ingest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The values seen so far of a unique field, kept as 64-bit fingerprints:
 * 8 bytes an id (a million ids 8 MB), never two copies of the set at once.
 * Two different ids share a fingerprint with a chance of about n^2/2^65
 * (3e-8 for a million ids); such a row would be rejected, never lost.
 *
 * The fingerprints are a sorted array, with a directory of where each
 * 16-bit prefix starts (a lookup reads one short run), plus a small hash
 * set of the newest.  When that fills, its fingerprints are sorted and
 * merged into the array from the back, in place: the array grows by
 * realloc, which moves a large block without copying it.  A hash table
 * that doubles would hold 2 to 3 times as much at its peak. */
#define RECENT_MAX 32768                  /* newest fingerprints, in the hash */
#define RECENT_SLOTS (2 * RECENT_MAX)     /* at most half full */
#define DIR_SIZE ((size_t)1 << 16)        /* by the top 16 bits */

struct seen_set {
    uint64_t *sorted;   /* merged fingerprints, ascending */
    size_t n;
    uint32_t *dir;      /* [DIR_SIZE + 1]: first index with a prefix >= p */
    uint64_t *recent;   /* [RECENT_SLOTS], 0 marks an empty slot */
    size_t nrecent;
};

static uint64_t fingerprint(const char *s, size_t n)
{
    /* FNV-1a, then a final mix so that similar ids spread over the table */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Moves the recent fingerprints into the sorted array. */
static void seen_merge(seen_set *ss)
{
    size_t k = 0;
    uint64_t *tmp = pm_xmalloc(sizeof *tmp * (ss->nrecent + 1));
    for (size_t i = 0; i < RECENT_SLOTS; i++)
        if (ss->recent[i]) tmp[k++] = ss->recent[i];
    qsort(tmp, k, sizeof *tmp, cmp_u64);
    ss->sorted = pm_xrealloc(ss->sorted, sizeof *ss->sorted * (ss->n + k + 1));
    size_t i = ss->n, j = k, w = ss->n + k;  /* from the back: nothing overwritten unread */
    while (j > 0) {
        if (i > 0 && ss->sorted[i - 1] > tmp[j - 1]) ss->sorted[--w] = ss->sorted[--i];
        else ss->sorted[--w] = tmp[--j];
    }
    ss->n += k;
    free(tmp);
    memset(ss->recent, 0, sizeof *ss->recent * RECENT_SLOTS);
    ss->nrecent = 0;
    size_t at = 0;
    for (size_t p = 0; p < DIR_SIZE; p++) {
        while (at < ss->n && (ss->sorted[at] >> 48) < p) at++;
        ss->dir[p] = (uint32_t)at;
    }
    ss->dir[DIR_SIZE] = (uint32_t)ss->n;
}

/* 1 when the value was seen before; else 0, adding it when add is set. */
static int seen_check(seen_set *ss, const char *v, size_t len, int add)
{
    if (!ss->recent) {
        ss->recent = pm_xcalloc(RECENT_SLOTS, sizeof *ss->recent);
        ss->dir = pm_xcalloc(DIR_SIZE + 1, sizeof *ss->dir);
    }
    uint64_t h = fingerprint(v, len);
    if (ss->n) {
        size_t p = (size_t)(h >> 48);
        for (size_t i = ss->dir[p]; i < ss->dir[p + 1] && ss->sorted[i] <= h; i++)
            if (ss->sorted[i] == h) return 1;
    }
    size_t j = h & (RECENT_SLOTS - 1);
    while (ss->recent[j]) {
        if (ss->recent[j] == h) return 1;
        j = (j + 1) & (RECENT_SLOTS - 1);
    }
    if (add) {
        ss->recent[j] = h;
        if (++ss->nrecent == RECENT_MAX) seen_merge(ss);
    }
    return 0;
}

static void seen_free(seen_set *ss)
{
    if (!ss) return;
    free(ss->sorted);
    free(ss->dir);
    free(ss->recent);
    free(ss);
}

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
    pm_record_init(&in->out);
}

void ingest_free(ingest *in)
{
    for (size_t i = 0; i < in->s->n; i++) seen_free(in->seen[i]);
    free(in->seen);
    free(in->kind);
    free(in->cols);
    for (size_t i = 0; i < in->ncached; i++) free(in->cached_names[i]);
    free(in->cached_names);
    pm_buf_free(&in->val);
    pm_buf_free(&in->conv);
    pm_buf_free(&in->errs);
    pm_record_free(&in->out);
}

/* Maps columns again only when the field names changed (a new file, or
 * YAML records with other keys).  Names are compared by text: a reader may
 * reuse the same memory for other names. */
static void map_columns(ingest *in, const pm_record *src)
{
    if (in->cached_names && in->ncached == src->n) {
        size_t i = 0;
        while (i < src->n && !strcmp(in->cached_names[i], src->f[i].name)) i++;
        if (i == src->n) return;
    }
    schema_map_columns(in->s, src, in->cols);
    for (size_t i = 0; i < in->ncached; i++) free(in->cached_names[i]);
    free(in->cached_names);
    in->cached_names = pm_xcalloc(src->n + 1, sizeof *in->cached_names);
    for (size_t i = 0; i < src->n; i++) in->cached_names[i] = pm_xstrdup(src->f[i].name);
    in->ncached = src->n;
}

/* Trims ASCII blanks and the ideographic space U+3000 at both ends. */
static void trim(const char **v, size_t *len)
{
    const char *s = *v;
    size_t n = *len;
    for (;;) {
        if (n && (*s == ' ' || *s == '\t')) { s++; n--; continue; }
        if (n >= 3 && !memcmp(s, "\xe3\x80\x80", 3)) { s += 3; n -= 3; continue; }
        break;
    }
    for (;;) {
        if (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) { n--; continue; }
        if (n >= 3 && !memcmp(s + n - 3, "\xe3\x80\x80", 3)) { n -= 3; continue; }
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
        for (size_t i = 0; i < in->s->n; i++)
            if (in->cols[i] == (int)c && in->kind[i] >= 0) kind = in->kind[i];
        if (kind < 0) continue;
        pm_buf_reset(&in->conv);
        pm_protect_value(in->prot, (pm_pi_kind)kind, src->f[c].value, src->f[c].len, &in->conv);
        pm_record_setn(src, src->f[c].name, pm_buf_str(&in->conv), in->conv.len);
    }
}

int ingest_row(ingest *in, const pm_record *src)
{
    const schema *s = in->s;
    pm_record_clear(&in->out);
    pm_buf_reset(&in->errs);
    map_columns(in, src);
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
            pm_buf_reset(&in->val);  /* kept for redacting messages */
            pm_buf_add(&in->val, v, len);
        }
        if (len && fd->nnormalize) {
            pm_buf_reset(&in->val);
            pm_buf_add(&in->val, v, len);
            for (size_t k = 0; k < fd->nnormalize; k++) {
                pm_buf_reset(&in->conv);
                if (pm_regex_replace(fd->normalize[k].rx, pm_buf_str(&in->val), in->val.len,
                                     fd->normalize[k].repl, &in->conv, &e) < 0) {
                    add_error_at(in, i, e.msg, src);
                    break;
                }
                pm_buf_reset(&in->val);
                pm_buf_add(&in->val, pm_buf_str(&in->conv), in->conv.len);
            }
            v = pm_buf_str(&in->val);
            len = in->val.len;
            trim(&v, &len);
        }
        if (len == 0 && fd->def) {
            v = fd->def;
            len = strlen(v);
        }
        if (len == 0) {
            if (fd->required)
                add_error_at(in, i, in->cols[i] < 0 ? "required, but no column of the input maps to it"
                                                    : "required value is missing", src);
            pm_record_add(&in->out, fd->name, "", 0);
            continue;
        }
        if ((hide ? schema_convert_hidden : schema_convert)(fd, v, len, in->tz, &in->conv, &e) < 0) {
            add_error_at(in, i, e.msg, src);
            pm_record_add(&in->out, fd->name, "", 0);
            continue;
        }
        const char *cv = pm_buf_str(&in->conv);
        size_t clen = in->conv.len;
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
        pm_record_add(&in->out, fd->name, cv, clen);
    }
    /* unique values count only for rows that are written */
    for (size_t i = 0; i < s->n && in->errs.len == 0; i++) {
        if (!in->seen[i]) continue;
        const pm_field *f = &in->out.f[i];
        if (!f->len) continue;
        if (seen_check(in->seen[i], f->value, f->len, 0)) {
            char msg[512];
            if (in->prot && in->kind[i] >= 0)
                snprintf(msg, sizeof msg, "duplicate value: an earlier row already has it");
            else
                snprintf(msg, sizeof msg, "duplicate value '%.200s': an earlier row already has it", f->value);
            add_error_at(in, i, msg, src);
        }
    }
    if (in->errs.len) return -1;
    for (size_t i = 0; i < s->n; i++)
        if (in->seen[i] && in->out.f[i].len) seen_check(in->seen[i], in->out.f[i].value, in->out.f[i].len, 1);
    for (size_t i = 0; in->prot && i < s->n; i++) {
        if (in->kind[i] < 0 || !in->out.f[i].len) continue;
        pm_buf_reset(&in->conv);
        pm_protect_value(in->prot, (pm_pi_kind)in->kind[i], in->out.f[i].value, in->out.f[i].len, &in->conv);
        pm_record_setn(&in->out, in->out.f[i].name, pm_buf_str(&in->conv), in->conv.len);
    }
    if (in->keep_extra) {
        for (size_t k = 0; k < src->n; k++) {
            int mapped = 0;
            for (size_t i = 0; i < s->n; i++) if (in->cols[i] == (int)k) mapped = 1;
            if (!mapped) pm_record_add(&in->out, src->f[k].name, src->f[k].value, src->f[k].len);
        }
    }
    return 0;
}
