/* partial.c - partial aggregates (--partial): one record per group with the
 * report's signature (_partial), the key values (_key1...) and the raw
 * aggregates of every metric: counts (NAME), numerators and denominators
 * (NAME.num, NAME.den), and for sum/min/max/mean the number of values, the
 * exact sum, the minimum and the maximum as decimal text (NAME.n, NAME.sum,
 * NAME.min, NAME.max).  Nothing is rounded, so --merge can add them up.
 * Groups are written in key order, so partials are reproducible too.
 * The stream ends with the shard record (see "Shards" below).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <nettle/sha2.h>
#include "report.h"

static int write_shard_record(rpt_groups *g, FILE *fp, int csv, int nbase, const char **names, const rpt_shard_info *si,
                              size_t written, pm_buf *b);
static const char *const shard_cols[] = {"_shard", "_read", "_written", "_program", "_config"};
#define NSHARD_COLS 5

/* Column k of a group row: the count v, as text in bufs[k]; returns the
 * next column. */
static int put_count(char (*bufs)[PM_DEC_BUFSZ], const char **vals, int k, int64_t v)
{
    snprintf(bufs[k], PM_DEC_BUFSZ, "%lld", (long long)v);
    vals[k] = bufs[k];
    return k + 1;
}

/* Column k of a group row: the decimal v when has, else empty. */
static int put_decimal(char (*bufs)[PM_DEC_BUFSZ], const char **vals, int k, int has, pm_decimal v)
{
    if (has)
        pm_decimal_format(v, bufs[k]);
    else
        bufs[k][0] = '\0';
    vals[k] = bufs[k];
    return k + 1;
}

int rpt_partial_write(rpt_groups *g, FILE *fp, int csv, const rpt_shard_info *si)
{
    rpt_spec *spec = g->spec;
    int n = 1 + g->nkey;
    for (int i = 0; i < spec->nm; i++) n += spec->m[i].npcol;
    int nbase = n;
    if (csv) n += NSHARD_COLS; /* empty in group rows */
    const char **names = pm_xmalloc(sizeof *names * (size_t)n);
    const char **vals = pm_xmalloc(sizeof *vals * (size_t)n);
    char(*bufs)[PM_DEC_BUFSZ] = pm_xmalloc(sizeof *bufs * (size_t)n);
    pm_buf *vbufs = pm_xcalloc((size_t)n, sizeof *vbufs); /* percentile values */
    int k = 0;
    names[k++] = "_partial";
    for (int i = 0; i < g->nkey; i++) names[k++] = rpt_partial_key_name(i);
    for (int i = 0; i < spec->nm; i++)
        for (int j = 0; j < spec->m[i].npcol; j++) names[k++] = spec->m[i].pcol[j];
    for (int i = 0; csv && i < NSHARD_COLS; i++) {
        names[k] = shard_cols[i];
        vals[k++] = "";
    }
    pm_buf b = PM_BUF_INIT;
    if (csv) rpt_emit_row(fp, csv, names, names, n, &b);
    rpt_group **v = rpt_groups_sorted(g);
    for (size_t x = 0; x < g->n; x++) {
        rpt_group *gr = v[x];
        k = 0;
        vals[k++] = spec->signature;
        for (int i = 0; i < g->nkey; i++) vals[k++] = gr->key[i];
        for (int i = 0; i < spec->nm; i++) {
            rpt_metric *m = &spec->m[i];
            rpt_state *st = &gr->st[i];
            k = put_count(bufs, vals, k, st->a);
            if (m->kind == MK_RATIO) {
                k = put_count(bufs, vals, k, st->b);
            } else if (m->kind == MK_PCT) {
                k += rpt_partial_values(st, &vbufs[k], bufs[k + 1], &vals[k]);
            } else if (m->kind != MK_COUNT) {
                /* no sum: merge carries the overflow */
                k = put_decimal(bufs, vals, k, !st->x->overflow, st->x->sum);
                k = put_decimal(bufs, vals, k, m->kind == MK_MIN && st->a, st->x->lo);
                k = put_decimal(bufs, vals, k, m->kind == MK_MAX && st->a, st->x->hi);
                if (m->diff) k = put_count(bufs, vals, k, st->x->skipped);
            }
        }
        rpt_emit_row(fp, csv, names, vals, n, &b);
    }
    write_shard_record(g, fp, csv, nbase, names, si, g->n, &b);
    free(v);
    free(names);
    free(vals);
    free(bufs);
    for (int i = 0; i < n; i++) pm_buf_free(&vbufs[i]);
    free(vbufs);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}

/* A percentile's values (NAME.values: every value, ';'-separated, so a
 * merge has exactly what one pass has) and skipped records (NAME.skipped)
 * into vals[0] and vals[1]; returns 2. */
int rpt_partial_values(const rpt_state *st, pm_buf *vb, char *skipbuf, const char **vals)
{
    char d[PM_DEC_BUFSZ];
    pm_buf_reset(vb);
    for (int64_t i = 0; i < st->a; i++) {
        if (i) pm_buf_addc(vb, ';');
        pm_decimal_format(st->x->vals[i], d);
        pm_buf_adds(vb, d);
    }
    vals[0] = pm_buf_str(vb);
    snprintf(skipbuf, PM_DEC_BUFSZ, "%lld", (long long)st->x->skipped);
    vals[1] = skipbuf;
    return 2;
}

/* Shards ------------------------------------------------------------------
 *
 * A partial stream ends with its shard record: the report's signature in
 * _partial, empty keys and metrics, and _shard (the shard's name, or the
 * names of the shards a merged partial holds, separated by ';'), _read (the
 * records read), _written (the group rows written before it), _program
 * (pm-report and its version) and _config (SHA-256 of the signature
 * without --protect's part, and of the targets file's bytes).  Group rows leave these columns empty (YAML:
 * leaves them out).  --merge checks every partial against them (rpt_ledger),
 * so a partial that was cut short, given twice, made with other options,
 * or that holds impossible counts is refused, not added up.
 */

char *rpt_partial_config(const rpt_spec *spec, const char *targets, pm_error *err)
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    /* Without --protect's part: protected and raw partials of one report
     * merge (the routing checks that the protection is this run's). */
    sha256_update(&ctx, strlen(spec->raw_signature) + 1, (const uint8_t *)spec->raw_signature);
    if (targets) {
        FILE *f = fopen(targets, "rb");
        if (!f) {
            pm_error_set(err, targets, 0, "cannot read: %s", strerror(errno));
            return NULL;
        }
        uint8_t buf[65536];
        size_t n;
        sha256_update(&ctx, 8, (const uint8_t *)"targets\n");
        while ((n = fread(buf, 1, sizeof buf, f)) > 0) sha256_update(&ctx, n, buf);
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            pm_error_set(err, targets, 0, "read error");
            return NULL;
        }
    }
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    static const char hex[] = "0123456789abcdef";
    char *out = pm_xmalloc(2 * SHA256_DIGEST_SIZE + 1);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * SHA256_DIGEST_SIZE] = '\0';
    return out;
}

char *rpt_shard_name_default(char *const *paths, int n)
{
    pm_buf b = PM_BUF_INIT;
    if (n == 0) {
        /* Standard input: every job of a split run reads one, so the job's
         * number names it: GNU parallel's {#}, Hadoop's map task. */
        const char *seq = getenv("PARALLEL_SEQ"), *task = getenv("mapreduce_task_partition");
        if (seq && *seq && !strpbrk(seq, ";\r\n"))
            pm_buf_adds(&b, seq);
        else if (task && *task && !strpbrk(task, ";\r\n"))
            pm_buf_addf(&b, "map-%s", task);
        else
            pm_buf_adds(&b, "-");
    }
    for (int i = 0; i < n; i++) {
        if (i) pm_buf_addc(&b, ',');
        /* ';' separates the shards of a merged partial */
        for (const char *p = paths[i]; *p; p++) pm_buf_addc(&b, *p == ';' || *p == '\n' || *p == '\r' ? '_' : *p);
    }
    return pm_buf_detach(&b);
}

static int write_shard_record(rpt_groups *g, FILE *fp, int csv, int nbase, const char **names, const rpt_shard_info *si,
                              size_t written, pm_buf *b)
{
    char read[32], wrote[32];
    snprintf(read, sizeof read, "%llu", (unsigned long long)si->read);
    snprintf(wrote, sizeof wrote, "%zu", written);
    const char *sv[NSHARD_COLS] = {si->name, read, wrote, si->program, si->config};
    if (!csv) {
        const char *yn[1 + NSHARD_COLS], *yv[1 + NSHARD_COLS];
        yn[0] = "_partial";
        yv[0] = g->spec->signature;
        for (int i = 0; i < NSHARD_COLS; i++) {
            yn[1 + i] = shard_cols[i];
            yv[1 + i] = sv[i];
        }
        rpt_emit_row(fp, csv, yn, yv, 1 + NSHARD_COLS, b);
        return 0;
    }
    const char **vals = pm_xmalloc(sizeof *vals * (size_t)(nbase + NSHARD_COLS));
    vals[0] = g->spec->signature;
    for (int i = 1; i < nbase; i++) vals[i] = "";
    for (int i = 0; i < NSHARD_COLS; i++) vals[nbase + i] = sv[i];
    rpt_emit_row(fp, csv, names, vals, nbase + NSHARD_COLS, b);
    free(vals);
    return 0;
}

/* The ledger of a merge ----------------------------------------------------- */

void rpt_ledger_init(rpt_ledger *l, const rpt_spec *spec)
{
    memset(l, 0, sizeof *l);
    l->nm = spec->nm;
    l->tot = pm_xcalloc((size_t)spec->nm + 1, sizeof *l->tot);
    l->over = pm_xcalloc((size_t)spec->nm + 1, sizeof *l->over);
}

void rpt_ledger_free(rpt_ledger *l)
{
    for (size_t i = 0; i < l->nnames; i++) {
        free(l->names[i].name);
        free(l->names[i].where);
    }
    free(l->names);
    free(l->program);
    free(l->config);
    free(l->first_src);
    free(l->tot);
    free(l->over);
    free(l->merged_name);
}

static void ledger_error(rpt_ledger *l, const pm_record *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void ledger_error(rpt_ledger *l, const pm_record *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    l->errors++;
    if (r)
        pm_warn_at(r->source, r->line, "%s", msg);
    else
        pm_warn("%s", msg);
}

/* A count column: a non-negative decimal integer that fits 64 bits. */
static int read_count(const pm_record *r, const char *name, uint64_t *out)
{
    const char *v = pm_record_get(r, name);
    if (!v || !*v) return -1;
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x)) return -2;
    }
    *out = x;
    return 0;
}

int rpt_is_shard_record(const pm_record *r)
{
    const char *s = pm_record_get(r, "_shard");
    return s && *s;
}

static void where(const pm_record *r, char *out, size_t n)
{
    snprintf(out, n, "%s:%ld", r->source ? r->source : "-", pm_line_shown(r->line));
}

int rpt_ledger_shard(rpt_ledger *l, const pm_record *r)
{
    const char *name = pm_record_get(r, "_shard");
    const char *program = pm_record_get(r, "_program");
    const char *config = pm_record_get(r, "_config");
    uint64_t nread, nwritten;
    if (!program || !*program || !config || !*config || read_count(r, "_read", &nread) != 0 ||
        read_count(r, "_written", &nwritten) != 0) {
        ledger_error(l, r, "shard record of '%s' without its _read, _written, _program and _config", name);
        return -1;
    }
    if (!l->program) {
        l->program = pm_xstrdup(program);
        l->config = pm_xstrdup(config);
        char w[256];
        where(r, w, sizeof w);
        l->first_src = pm_xstrdup(w);
    } else if (strcmp(l->program, program) != 0) {
        ledger_error(l, r, "mixed configurations: shard '%s' was made by %s, the one at %s by %s", name, program,
                     l->first_src, l->program);
    } else if (strcmp(l->config, config) != 0) {
        ledger_error(l, r,
                     "mixed configurations: shard '%s' was made with other options or targets (config %.12s, "
                     "the one at %s: %.12s)",
                     name, config, l->first_src, l->config);
    }
    /* counted all the same, so one mistake makes one message */
    if (__builtin_add_overflow(l->read, nread, &l->read) || __builtin_add_overflow(l->written, nwritten, &l->written)) {
        ledger_error(l, r, "the shards' counts of records overflow 64 bits (shard '%s')", name);
        return -1;
    }
    /* one or more names, separated by ';' */
    const char *p = name;
    for (;;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        PM_GROW(l->names, l->nnames + 1, l->cap);
        char w[256];
        where(r, w, sizeof w);
        l->names[l->nnames].name = pm_xstrndup(p, n);
        l->names[l->nnames].where = pm_xstrdup(w);
        l->nnames++;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

/* Says and returns 1 when the partial row r holds aggregates of metric m
 * that no input could give: a numerator above its denominator, a number
 * of values other than the count, a minimum or maximum without records or
 * records without one.  The one place that judges them: a merge
 * (rpt_groups_merge) adds what passes. */
static int impossible(rpt_ledger *l, const rpt_metric *m, const pm_record *r, uint64_t a, uint64_t b)
{
    if (m->kind == MK_RATIO && a > b) {
        ledger_error(l, r, "%s: impossible partial: numerator %llu above denominator %llu", m->name,
                     (unsigned long long)a, (unsigned long long)b);
        return 1;
    }
    if (m->kind == MK_PCT) {
        const char *v = pm_record_get(r, m->pcol[1]);
        uint64_t n = v && *v ? 1 : 0;
        for (; v && *v; v++) n += *v == ';';
        if (v && n != a) {
            ledger_error(l, r, "%s: impossible partial: %llu values for a count of %llu", m->name,
                         (unsigned long long)n, (unsigned long long)a);
            return 1;
        }
    }
    if (m->kind == MK_MIN || m->kind == MK_MAX) {
        const char *v = pm_record_get(r, m->pcol[m->kind == MK_MIN ? 2 : 3]);
        if (v && (*v != '\0') != (a > 0)) {
            ledger_error(l, r, "%s: impossible partial: %s %s for a count of %llu", m->name, *v ? "a" : "no",
                         m->kind == MK_MIN ? "minimum" : "maximum", (unsigned long long)a);
            return 1;
        }
    }
    return 0;
}

int rpt_ledger_row(rpt_ledger *l, const rpt_spec *spec, const pm_record *r)
{
    uint64_t v[RPT_LEDGER_MAXM][2];
    int bad = 0;
    for (int i = 0; i < spec->nm && i < RPT_LEDGER_MAXM; i++) {
        const rpt_metric *m = &spec->m[i];
        v[i][0] = v[i][1] = 0;
        int rc = read_count(r, m->pcol[0], &v[i][0]);
        if (rc == 0 && m->kind == MK_RATIO) rc = read_count(r, m->pcol[1], &v[i][1]);
        if (rc == -2) {
            ledger_error(l, r, "%s: a count that does not fit 64 bits", m->name);
            return -1;
        }
        if (rc != 0) continue; /* rpt_groups_merge says what is wrong */
        if (impossible(l, m, r, v[i][0], v[i][1])) bad = 1;
    }
    /* Every record counts in one group at most, so the counts of all groups
     * add up to at most the records read: a total that overflows 64 bits
     * is refused before any group's counter could wrap. */
    for (int i = 0; i < spec->nm && i < RPT_LEDGER_MAXM; i++)
        for (int j = 0; j < 2; j++) {
            if (l->over[i]) continue;
            if (__builtin_add_overflow(l->tot[i][j], v[i][j], &l->tot[i][j]) || l->tot[i][j] > INT64_MAX) {
                ledger_error(l, r, "%s: the merged counts overflow 64 bits", spec->m[i].name);
                l->over[i] = 1;
                bad = 1;
            }
        }
    l->rows++;
    return bad ? -1 : 0;
}

static int cmp_names(const void *a, const void *b)
{
    const struct rpt_shard_seen *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Is s a decimal number 1..n (the job numbers pm-cluster gives shards)? */
static uint64_t job_number(const char *s)
{
    uint64_t x = 0;
    if (!*s || *s == '0') return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > UINT64_MAX / 10 - 1) return 0;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    return x;
}

int rpt_ledger_finish(rpt_ledger *l, const rpt_spec *spec, const rpt_expect *ex)
{
    if (l->nnames) qsort(l->names, l->nnames, sizeof *l->names, cmp_names);
    size_t distinct = 0;
    for (size_t i = 0; i < l->nnames; i++) {
        if (i && strcmp(l->names[i].name, l->names[i - 1].name) == 0) {
            ledger_error(l, NULL, "shard '%s' appears twice (%s and %s): its records would be counted twice",
                         l->names[i].name, l->names[i - 1].where, l->names[i].where);
            continue;
        }
        distinct++;
    }
    if (l->rows != l->written)
        ledger_error(l, NULL,
                     "%llu group rows, but the shard records account for %llu: a partial was cut short or "
                     "lost its shard record",
                     (unsigned long long)l->rows, (unsigned long long)l->written);
    for (int i = 0; i < spec->nm && i < RPT_LEDGER_MAXM; i++)
        for (int j = 0; j < 2; j++)
            if (!l->over[i] && l->tot[i][j] > l->read) {
                ledger_error(l, NULL,
                             "%s: impossible partials: they count %llu records, but their shards "
                             "read %llu",
                             spec->m[i].name, (unsigned long long)l->tot[i][j], (unsigned long long)l->read);
                j = 2;
            }
    if (ex && ex->n) {
        if (distinct != ex->n) {
            /* name the missing ones when the shards are job numbers */
            pm_buf b = PM_BUF_INIT;
            int listed = 0;
            for (uint64_t k = 1; k <= ex->n && listed < 10; k++) {
                char s[32];
                snprintf(s, sizeof s, "%llu", (unsigned long long)k);
                struct rpt_shard_seen key = {.name = s};
                if (!l->nnames || !bsearch(&key, l->names, l->nnames, sizeof *l->names, cmp_names)) {
                    pm_buf_addf(&b, "%s%s", listed ? ", " : "", s);
                    listed++;
                }
            }
            int numbered = 1;
            for (size_t i = 0; i < l->nnames && numbered; i++) numbered = job_number(l->names[i].name) != 0;
            ledger_error(l, NULL, "%zu shards, %llu expected%s%s%s", distinct, (unsigned long long)ex->n,
                         numbered && listed ? " (missing: " : "", numbered && listed ? pm_buf_str(&b) : "",
                         numbered && listed ? ")" : "");
            pm_buf_free(&b);
        }
    }
    if (ex && ex->names) {
        for (size_t i = 0; i < ex->nnames; i++) {
            struct rpt_shard_seen key = {.name = ex->names[i]};
            if (!l->nnames || !bsearch(&key, l->names, l->nnames, sizeof *l->names, cmp_names))
                ledger_error(l, NULL, "shard '%s' of the manifest is missing", ex->names[i]);
        }
        for (size_t i = 0; i < l->nnames; i++) {
            size_t k = 0;
            while (k < ex->nnames && strcmp(ex->names[k], l->names[i].name) != 0) k++;
            if (k == ex->nnames)
                ledger_error(l, NULL, "shard '%s' (%s) is not in the manifest", l->names[i].name, l->names[i].where);
        }
    }
    return l->errors ? -1 : 0;
}

char *rpt_ledger_names(const rpt_ledger *l)
{
    pm_buf b = PM_BUF_INIT;
    for (size_t i = 0; i < l->nnames; i++) {
        if (i) pm_buf_addc(&b, ';');
        pm_buf_adds(&b, l->names[i].name);
    }
    return pm_buf_detach(&b);
}

int rpt_expect_parse(rpt_expect *ex, const char *arg, pm_error *err)
{
    memset(ex, 0, sizeof *ex);
    char *end;
    errno = 0;
    unsigned long long n = strtoull(arg, &end, 10);
    if (*arg >= '0' && *arg <= '9' && *end == '\0' && errno == 0) {
        if (n == 0) {
            pm_error_set(err, NULL, 0, "--expect-shards: give a number above 0 or a manifest file");
            return -1;
        }
        ex->n = n;
        return 0;
    }
    /* a manifest: one shard name a line */
    FILE *f = fopen(arg, "r");
    if (!f) {
        pm_error_set(err, arg, 0, "--expect-shards: neither a number nor a readable manifest: %s", strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (!len) continue;
        ex->names = pm_xrealloc(ex->names, sizeof *ex->names * (ex->nnames + 1));
        ex->names[ex->nnames++] = pm_xstrdup(line);
    }
    free(line);
    fclose(f);
    if (!ex->nnames) {
        pm_error_set(err, arg, 0, "--expect-shards: the manifest names no shard");
        return -1;
    }
    return 0;
}

void rpt_expect_free(rpt_expect *ex)
{
    for (size_t i = 0; i < ex->nnames; i++) free(ex->names[i]);
    free(ex->names);
}
