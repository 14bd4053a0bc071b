/* report.h - pm-report's own types: what to compute (spec), the groups that
 * hold the running aggregates, the finished table, and the renderers.
 *
 * Flow: main.c parses options into a spec (presets.c, metrics.c); every
 * record (or partial record with --merge) updates one group (group.c); at
 * the end the groups, sorted by key, become a table (table.c) which one of
 * the renderers writes (out_text.c, out_html.c, out_xlsx.c).  Memory grows
 * with the number of groups only.
 */
#ifndef PM_REPORT_H
#define PM_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "buf.h"
#include "conf.h"
#include "decimal.h"
#include "diag.h"
#include "map.h"
#include "protect.h"
#include "record.h"
#include "timex.h"

/* Scale of rates in CSV/YAML (0.1250) and rounding of every derived value. */
#define RPT_RATE_SCALE 4
/* mean(F) is written with the largest scale of F's values plus this. */
#define RPT_MEAN_EXTRA_SCALE 2

/* A field looked up in records, with the position it was last found at. */
typedef struct rpt_field {
    const char *name;
    int cache;
    const char *seen; /* the record's name pointer at cache (readers share
                         one header across records) */
} rpt_field;

/* One condition on a record: field = value, or (value NULL) field not empty. */
typedef struct rpt_cond {
    rpt_field f;
    const char *value;
    const char *const *anyof; /* when not NULL: field is one of these */
    size_t vlen;              /* strlen(value), set by rpt_groups_init */
} rpt_cond;

#define RPT_MAX_COND 8

/* expr.c: the condition language of --where, count(...) and rate(...). */
typedef enum rpt_exop {
    EX_AND = 0,
    EX_OR,
    EX_NOT,
    EX_EQ,
    EX_NE,
    EX_LT,
    EX_LE,
    EX_GT,
    EX_GE,   /* field OP value */
    EX_IN,   /* field [not] in (list) */
    EX_RE,   /* field ~ /re/, !~ */
    EX_EMPTY /* field is [not] empty */
} rpt_exop;

enum { RPT_V_TEXT = 0, RPT_V_DEC, RPT_V_TIME };

typedef struct rpt_expr {
    rpt_exop op;
    struct rpt_expr *a, *b; /* and, or, not */
    rpt_field f;            /* predicates: the field (owned) */
    char *value;            /* the constant, or the pattern of EX_RE */
    size_t vlen;
    int vkind; /* RPT_V_*; EX_RE: 1 when caseless */
    pm_decimal dv;
    pm_time tv;
    struct rpt_expr **list; /* EX_IN: EX_EQ nodes */
    int nlist;
    int negate; /* not in, !~, is not empty */
    struct pm_regex *rx;
} rpt_expr;

/* Parses text; NULL with err->msg.  tz reads timestamps among the values
 * (NULL: none are).  With rest set, parsing stops at a top-level ';' and
 * *rest points after it (NULL when there was none). */
rpt_expr *rpt_expr_parse(const char *text, const pm_tz *tz, const char **rest, pm_error *err);
void rpt_expr_free(rpt_expr *e);
int rpt_expr_holds(rpt_expr *e, const pm_record *r, const pm_tz *tz);
/* Calls fn for every predicate (field condition) of e. */
void rpt_expr_fields(rpt_expr *e, void (*fn)(rpt_expr *pred, void *ctx), void *ctx);
/* Forgets the remembered header positions (a new input). */
void rpt_expr_forget(rpt_expr *e);
/* Appends the canonical text of e (blanks only around words). */
void rpt_expr_canon(const rpt_expr *e, pm_buf *b, int top);

typedef enum rpt_kind {
    MK_COUNT = 0, /* records meeting cond */
    MK_RATIO,     /* numerator: cond + num; denominator: cond */
    MK_SUM,
    MK_MIN,
    MK_MAX,
    MK_MEAN,
    MK_PCT /* pNN, median (p50): nearest rank; keeps the values */
} rpt_kind;

typedef struct rpt_metric {
    rpt_kind kind;
    const char *name;    /* column / figure name (English) */
    const char *name_zh; /* same in Chinese */
    rpt_cond cond[RPT_MAX_COND];
    int ncond;
    rpt_cond num[RPT_MAX_COND];
    int nnum;
    rpt_field field;  /* MK_SUM.. MK_PCT */
    rpt_field field2; /* diff: the value is field - field2 (timestamps) */
    int diff;
    rpt_expr *expr;  /* -m count(COND), rate(COND): COND (numerator) */
    rpt_expr *dexpr; /* rate(COND; DEN): DEN */
    pm_decimal pct;  /* MK_PCT: 50 for median */
    int money;       /* sum/min/max of values with 1-2 places: 2 places */
    int same;        /* rpt_groups_init: an earlier metric whose cond[0]
                        reads the same field (its value is reused), or -1 */
    int num_same;    /* rpt_groups_init: num[0] reads cond[0]'s field */
    int chart;       /* draw a chart of it in HTML */
    /* Partial-stream column names. */
    const char *pcol[6];
    int npcol;
} rpt_metric;

typedef enum rpt_cmp { CMP_GE = 0, CMP_LE, CMP_GT, CMP_LT, CMP_EQ } rpt_cmp;

typedef struct rpt_target {
    const char *figure;
    rpt_cmp cmp;
    pm_decimal value;
} rpt_target;

typedef enum rpt_period {
    PERIOD_NONE = 0,
    PERIOD_DAY,
    PERIOD_WEEK,
    PERIOD_MONTH,
    PERIOD_QUARTER,
    PERIOD_YEAR
} rpt_period;

/* A --by key: a field's value, or derived from it. */
typedef enum rpt_keyfn { KEY_FIELD = 0, KEY_WEEKDAY, KEY_HOUR, KEY_PART } rpt_keyfn;

typedef enum rpt_layout {
    LAYOUT_WIDE = 0, /* a row per group, a column per metric */
    LAYOUT_LONG      /* a row per group and figure (the service preset) */
} rpt_layout;

/* A field named personal with --personal=FIELD:KIND. */
typedef struct rpt_personal {
    char *field;
    pm_pi_kind kind;
} rpt_personal;

typedef struct rpt_spec {
    const char *preset; /* NULL for custom metrics */
    const char *title;  /* for HTML/XLSX */
    rpt_field by[16];   /* the field each key is read from */
    int nby;
    rpt_keyfn byfn[16];
    const char *bycol[16]; /* column name: "weekday(created_at)"; NULL: the field's */
    char *bysep[16];       /* part(F, SEP, N) */
    int bypart[16];
    rpt_expr **where; /* --where: all must hold */
    int nwhere;
    int has_since, has_until; /* --since/--until on time_field */
    pm_time since, until;
    int64_t unit_secs; /* durations (A - B) are shown in these: 3600 */
    /* presentation (cli.c sets them before the table is built) */
    int rate_nd;      /* rates get NAME_n, NAME_d columns */
    int has_total;    /* the last group is the --totals row */
    int value_labels; /* key values shown with their Chinese labels */
    int charts;       /* the table carries the charts' data (HTML, XLSX) */
    rpt_period period;
    rpt_field time_field;
    const pm_tz *tz;
    const char *tz_name;
    rpt_metric *m;
    int nm;
    int npreset; /* m[0..npreset) are the preset's (rpt_preset_apply) */
    rpt_layout layout;
    rpt_target *targets;
    int ntargets;
    int zh; /* --lang=zh */
    /* --protect (personal.c): NULL, or how personal values are protected;
     * the personal fields; the kind of each --by field (-1: not personal). */
    const pm_protector *prot;
    const rpt_personal *personal;
    int npersonal;
    int by_kind[16];
    char *signature;     /* identifies compatible partial streams */
    char *raw_signature; /* the same without --protect: partials of raw
                            data, whose keys --merge protects */
} rpt_spec;

/* metrics.c -------------------------------------------------------------- */
/* Parses "count", "count(F=V)", "sum(F)", "min(F)", "max(F)", "mean(F)",
 * "rate(F=V)" into m (strings are copied).  0, or -1 with err->msg. */
int rpt_metric_parse(const char *text, rpt_metric *m, const pm_tz *tz, pm_error *err);
/* Frees what rpt_metric_parse allocated (not for the presets' metrics). */
void rpt_metric_free(rpt_metric *m);
/* Fills the partial column names of m (after name is set). */
void rpt_metric_partial_names(rpt_metric *m);
const char *rpt_field_get(rpt_field *f, const pm_record *r, size_t *len);
int rpt_cond_holds(rpt_cond *c, int n, const pm_record *r);
const char *rpt_cmp_name(rpt_cmp c);
int rpt_cmp_parse(const char *s, rpt_cmp *out);

/* presets.c -------------------------------------------------------------- */
/* Sets up spec for preset name; -1 when there is no such preset. */
int rpt_preset_apply(rpt_spec *spec, const char *name);
/* Frees what spec holds: its keys (by, bycol, bysep: allocated, also a
 * preset's), its --where conditions, its metrics (rpt_metric_parse's, and
 * the preset's partial column names), targets and signatures; not the
 * title, time field, zone or protection, which it borrows.  spec itself is
 * the caller's. */
void rpt_spec_free(rpt_spec *spec);
/* Frees the keys of spec (before other keys replace them); nby is 0. */
void rpt_spec_clear_keys(rpt_spec *spec);
int rpt_is_preset(const char *name);
/* Loads a targets file (YAML list of {figure, comparison, value}) into the
 * specs whose figures the targets name; it replaces the presets' targets.
 * 0, or -1 with every error of the file added to errs. */
int rpt_targets_load_all(rpt_spec *const *specs, int n, const char *path, pm_errors *errs);
/* Builds spec->signature: preset, keys, period, filters, unit, metrics. */
void rpt_spec_sign(rpt_spec *spec);
/* Chinese names of fixed words ("period", "pass", ...); s itself if none. */
const char *rpt_zh(const char *s);
/* The Chinese label of value of key column key (period first), or NULL. */
const char *rpt_value_label(const rpt_spec *spec, int key, const char *value);
/* The name a column/figure is shown under. */
const char *rpt_label(const rpt_spec *spec, const char *en, const char *zh);

/* personal.c ------------------------------------------------------------- */
/* Adds the FIELD:KIND,... of list to *pf (*n of them, realloc'd; the caller
 * frees each field and the array).  0, or -1 with err->msg. */
int rpt_personal_parse(const char *list, rpt_personal **pf, int *n, pm_error *err);
/* The kind of field, or -1 when it is not personal. */
int rpt_personal_kind(const rpt_personal *pf, int n, const char *field);
/* -1 with err->msg when metric m would show values of a personal field:
 * sum, min, max or mean of one, or (conds set) a condition comparing one
 * with a value given on the command line. */
int rpt_metric_check_personal(const rpt_metric *m, int conds, const rpt_personal *pf, int n, pm_error *err);
/* Sets up --protect in spec (p NULL or mode none: nothing is protected);
 * call before rpt_spec_sign.  spec keeps the pointers. */
void rpt_spec_protect(rpt_spec *spec, const pm_protector *p, const rpt_personal *pf, int n);
/* Replaces *v, *len, the value of --by field number by, with its protected
 * form (in scratch) when that field is personal. */
void rpt_protect_key(const rpt_spec *spec, int by, const char **v, size_t *len, pm_buf *scratch);
/* Appends to a signature what --protect does to the keys (nothing when it
 * does nothing to them): mode, key id, the personal --by fields. */
void rpt_sign_protection(const rpt_spec *spec, pm_buf *b);

/* group.c ---------------------------------------------------------------- */
/* The aggregates of a metric other than a count or a rate. */
typedef struct rpt_stats {
    pm_decimal sum, lo, hi;
    int overflow;     /* sum (and mean) have no value: the sum overflowed */
    int maxscale;     /* largest scale among the values */
    int64_t skipped;  /* A - B: records where either side was empty */
    pm_decimal *vals; /* MK_PCT: the a values (malloc'd) */
    size_t cap;
} rpt_stats;

/* The running aggregates of one metric in one group.  Counts and rates
 * need a and b only: a group of them takes a few bytes a metric. */
typedef struct rpt_state {
    int64_t a, b; /* count, or numerator/denominator, or n of values */
    rpt_stats *x; /* NULL for MK_COUNT and MK_RATIO */
} rpt_state;

/* A group: the value of its key in the groups' map, followed there by
 * its key pointers and states. */
typedef struct rpt_group {
    char **key;    /* nkey values, NUL-terminated (in the map's key) */
    rpt_state *st; /* spec->nm states */
} rpt_group;

#define RPT_DAY_CACHE 1024

struct rpt_daylabel {
    pm_day day;
    int set;
    size_t len;
    char label[16];
};

typedef struct rpt_groups {
    rpt_spec *spec;
    int nkey;       /* (period ? 1 : 0) + nby */
    pm_map map;     /* key bytes -> group (seeded: crafted keys cannot
                       make it slow) */
    size_t n;       /* groups */
    pm_arena arena; /* the stats of the groups, the total */
    /* Errors met while aggregating: the program exits 2. */
    int errors;
    unsigned long long seq, last_err_seq; /* records added; last with an error */
    char *source;                         /* name of the input of the last record added */
    struct rpt_daylabel *days;            /* period labels of recent days */
    pm_buf keys[16];                      /* protected values of the --by fields */
    char derived[16][32];                 /* derived key values of the record */
    pm_buf kbuf;                          /* the key bytes of a key of several values */
    unsigned long long filtered;          /* records --where/--since/--until left out */
    unsigned long long notime;            /* records without a time (empty period) */
    unsigned long long overflows;         /* counters that would overflow */
    rpt_group *total;                     /* --totals: made by rpt_groups_total */
    rpt_group *recent[256];               /* one key: groups met lately, by its first bytes */
} rpt_groups;

void rpt_groups_init(rpt_groups *g, rpt_spec *spec);
void rpt_groups_free(rpt_groups *g);
/* Adds one input record: 1 when it was counted, 0 when --where, --since
 * or --until left it out, -1 when it could not be (an error reported). */
int rpt_groups_add(rpt_groups *g, const pm_record *r);
/* The records metric number i skipped in all groups (A - B with a side
 * empty). */
int64_t rpt_groups_skipped(const rpt_groups *g, int i);
/* Natural order of texts: digit runs by value (2 before 10). */
int rpt_natural_cmp(const char *a, const char *b);
/* The value of metric m in state st; 0 when it has none. */
int rpt_metric_value(const rpt_spec *spec, const rpt_metric *m, const rpt_state *st, pm_decimal *out);
/* Adds one partial record (from --partial) that rpt_ledger_row passed;
 * raw: its keys are not yet protected (see rpt_route_partial). */
void rpt_groups_merge(rpt_groups *g, const pm_record *r, int raw);
/* Index of the groups whose signature the partial record r carries, or -1
 * after reporting (once per input: *last_src, malloc'd, remembers).  *raw
 * is set when r is a partial of the same report made without --protect,
 * whose keys the merge protects. */
int rpt_route_partial(rpt_groups *const *gs, int n, const pm_record *r, char **last_src, int *raw);
/* The groups sorted by key; caller frees the array (not the groups). */
rpt_group **rpt_groups_sorted(rpt_groups *g);
/* The --totals group: every group's aggregates added up (counts and sums
 * summed, rates from the summed numerators and denominators, percentiles
 * over all values); its first key is "total". */
rpt_group *rpt_groups_total(rpt_groups *g, rpt_group *const *groups, size_t n);
/* Sorts v by the value of metric number metric (desc: largest first);
 * groups without a value last, ties in key order. */
void rpt_groups_sort_by(rpt_groups *g, rpt_group **v, size_t n, int metric, int desc);
/* Makes sure the no-key total group exists (a report without keys always
 * has its one row). */
void rpt_groups_ensure_total(rpt_groups *g);
/* Column names of the keys in partial streams: _key1, _key2... */
const char *rpt_partial_key_name(int i);
/* Key column names: "period" then the --by fields. */
const char *rpt_key_name(const rpt_spec *spec, int i);

/* names.c: the field names given on the command line, seen or not ------ */
typedef struct rpt_names {
    char **name;
    const char **option; /* "--by", "-m count(...)"... */
    int *seen;
    int n, unseen;
    char **known; /* every field name met (for "did you mean") */
    int nknown;
    size_t last_n;
    const char *last_first, *last_last;
} rpt_names;

void rpt_names_add(rpt_names *ns, const char *name, const char *option);
void rpt_names_add_expr(rpt_names *ns, rpt_expr *e, const char *option);
/* Notes the fields of r (cheap when r has the last record's header). */
void rpt_names_see(rpt_names *ns, const pm_record *r);
/* Reports each name no record had, with the nearest known names; the
 * number of them. */
int rpt_names_report(const rpt_names *ns);
void rpt_names_free(rpt_names *ns);

/* table.c ---------------------------------------------------------------- */
typedef enum rpt_ctype { CT_TEXT = 0, CT_INT, CT_DEC, CT_RATE } rpt_ctype;

typedef struct rpt_cell {
    char *text; /* canonical CSV text; "" for no value */
    rpt_ctype type;
} rpt_cell;

typedef struct rpt_chart {
    const char *title;
    int is_rate;
    int has_target;
    pm_decimal target;
    rpt_cmp cmp;
    int n;
    char **labels;
    pm_decimal *vals;
    int *has;
    int *result; /* per bar: 1 pass, 0 fail, -1 n/a or no target */
} rpt_chart;

typedef struct rpt_table {
    const char *title;
    const char *sheet; /* XLSX sheet name */
    int zh;
    int ncols, nkeys;
    const char **cols;
    int nrows;
    rpt_cell *cells; /* nrows * ncols */
    rpt_chart *charts;
    int ncharts;
    int failed; /* a target failed */
    pm_arena arena;
} rpt_table;

void rpt_table_build(rpt_table *t, rpt_spec *spec, rpt_group **groups, size_t n);
void rpt_table_free(rpt_table *t);
/* --pivot=period: the periods become columns (a column per metric and
 * period), the other keys rows; targets are left out. */
void rpt_table_pivot(rpt_table *t, const rpt_spec *spec);
/* The text shown in Markdown/HTML for cell c (rates as percentages). */
const char *rpt_cell_display(rpt_table *t, const rpt_cell *c);
/* Percentage text of a rate fraction ("0.1250" -> "12.50%"). */
void rpt_percent(pm_decimal frac, char out[PM_DEC_BUFSZ + 2]);

/* Renderers: 0, or -1 with err. */
int rpt_write_csv(rpt_table *t, FILE *fp, char delimiter);
int rpt_write_yaml(rpt_table *t, FILE *fp);
/* Several tables: md and html put a heading before each, xlsx a sheet each. */
int rpt_write_md(rpt_table *const *t, int n, FILE *fp);
int rpt_write_html(rpt_table *const *t, int n, const char *title, int zh, FILE *fp);
/* Writes the workbook to path. */
int rpt_write_xlsx(rpt_table *const *t, int n, const char *title, const char *path, pm_error *err);
/* Display width of UTF-8 text (East Asian wide characters count 2). */
size_t rpt_display_width(const char *s);

/* partial.c -------------------------------------------------------------- */
/* What a partial stream says about itself in its shard record. */
typedef struct rpt_shard_info {
    const char *name;    /* --shard, or the inputs' names; ';' separates
                            the shards of a merged partial */
    uint64_t read;       /* records read (a merged partial: its shards') */
    const char *program; /* "pm-report VERSION" */
    const char *config;  /* rpt_partial_config */
} rpt_shard_info;

/* Writes the groups as a partial stream: csv 0 YAML, '\t' TSV, else CSV;
 * the shard record last. */
int rpt_partial_write(rpt_groups *g, FILE *fp, int csv, const rpt_shard_info *si);
/* SHA-256 (hex, malloc'd) of the signature and the targets file's bytes
 * (targets NULL: none); NULL with err when the file cannot be read. */
char *rpt_partial_config(const rpt_spec *spec, const char *targets, pm_error *err);
/* The default shard name (malloc'd): the inputs' names joined by ','; for
 * standard input $PARALLEL_SEQ (a GNU parallel job), map-N (a Hadoop map
 * task, $mapreduce_task_partition), else "-". */
char *rpt_shard_name_default(char *const *paths, int n);
/* 1 when r is a shard record (a non-empty _shard). */
int rpt_is_shard_record(const pm_record *r);

/* --expect-shards: a number of shards, or the names of a manifest file. */
typedef struct rpt_expect {
    uint64_t n;
    char **names;
    size_t nnames;
} rpt_expect;
int rpt_expect_parse(rpt_expect *ex, const char *arg, pm_error *err);
void rpt_expect_free(rpt_expect *ex);

/* What a merge has read: the shards, their counts, and the totals of every
 * metric's counts.  Every check failed is reported (with the record's
 * FILE:LINE when there is one) and counted in errors; a merge with errors
 * writes nothing. */
#define RPT_LEDGER_MAXM 64
struct rpt_shard_seen {
    char *name;
    char *where; /* FILE:LINE of its shard record */
};
typedef struct rpt_ledger {
    int nm;
    struct rpt_shard_seen *names;
    size_t nnames, cap;
    char *program, *config, *first_src;
    uint64_t read, written, rows;
    uint64_t (*tot)[2]; /* per metric: counts (numerators), denominators */
    char *over;         /* per metric: the totals overflowed (said once) */
    char *merged_name;
    int errors;
} rpt_ledger;
void rpt_ledger_init(rpt_ledger *l, const rpt_spec *spec);
void rpt_ledger_free(rpt_ledger *l);
/* A shard record: same program and config as the others; -1 if not. */
int rpt_ledger_shard(rpt_ledger *l, const pm_record *r);
/* A group row: -1 when its aggregates are impossible (a numerator above
 * its denominator, values or a minimum/maximum that do not go with the
 * count) or its counts would overflow; the row must then not be merged.
 * The one check of them: rpt_groups_merge takes a row that passed. */
int rpt_ledger_row(rpt_ledger *l, const rpt_spec *spec, const pm_record *r);
/* After the last record: no shard twice, rows as the shard records say,
 * counts within the records read, the shards expected (ex may be NULL).
 * 0, or -1 when the merge must be refused. */
int rpt_ledger_finish(rpt_ledger *l, const rpt_spec *spec, const rpt_expect *ex);
/* The shard names read, sorted, joined by ';' (malloc'd). */
char *rpt_ledger_names(const rpt_ledger *l);
int rpt_partial_values(const rpt_state *st, pm_buf *vb, char *skipbuf, const char **vals);
/* Writes one row: csv 0 as a YAML line, '\t' as TSV, else CSV (with a
 * header, call it first with names as vals). */
void rpt_emit_row(FILE *fp, int csv, const char *const *names, const char *const *vals, int n, pm_buf *scratch);

#endif
