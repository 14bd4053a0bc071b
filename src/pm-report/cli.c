/* cli.c - pm-report's command line: options into a spec, records into
 * groups, groups into a table, the table into the chosen format.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "atomic.h"
#include "opts.h"
#include "pipeline.h"
#include "stream.h"
#include "report.h"

int rpt_main(int argc, char **argv);

enum { O_METRIC = 1000, O_WHERE, O_UNIT, O_SORT, O_TOP, O_PIVOT, O_TO, O_LANG, O_PROTECT, O_PERSONAL, O_SHARD };

enum out_kind { OUT_AUTO = 0, OUT_CSV, OUT_TSV, OUT_YAML, OUT_MD, OUT_HTML, OUT_XLSX };

/* The words an option takes, and what each means; ended by {NULL}. */
typedef struct word {
    const char *text;
    int value;
} word;

static const word to_words[] = {{"csv", OUT_CSV},   {"tsv", OUT_TSV},   {"yaml", OUT_YAML},
                                {"yml", OUT_YAML},  {"md", OUT_MD},     {"markdown", OUT_MD},
                                {"html", OUT_HTML}, {"xlsx", OUT_XLSX}, {NULL, 0}};
static const word unit_words[] = {{"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400}, {NULL, 0}};
static const word lang_words[] = {{"zh", 1}, {"zh_CN", 1}, {"zh-CN", 1}, {"en", 0}, {NULL, 0}};
static const word period_words[] = {{"day", PERIOD_DAY},         {"week", PERIOD_WEEK}, {"month", PERIOD_MONTH},
                                    {"quarter", PERIOD_QUARTER}, {"year", PERIOD_YEAR}, {NULL, 0}};

/* *out = the meaning of arg, the value of --NAME, among words; else a
 * usage error "--NAME: 'arg' is EXPECTED" (-1). */
static int parse_word(const char *name, const word *words, const char *arg, const char *expected, int *out)
{
    for (; words->text; words++)
        if (strcmp(words->text, arg) == 0) {
            *out = words->value;
            return 0;
        }
    return pm_usage_warn("--%s: '%s' is %s", name, arg, expected);
}

typedef struct cli {
    const char *by;
    const char *period;
    const char *time_field;
    const char **metrics;
    int nmetrics;
    const char *targets;
    int to; /* enum out_kind */
    int zh;
    int partial, merge;
    const char *title;
    int protect; /* pm_protect_mode */
    const char *key_file;
    rpt_personal *personal; /* --personal */
    int npersonal;
    const char **where; /* --where */
    int nwhere;
    const char *since, *until;
    int unit_secs;
    int totals, pivot, labels;
    char *sort; /* the figure --sort names */
    int sort_desc;
    long top;
    const char *shard;  /* --shard */
    const char *expect; /* --expect-shards */
} cli;

/* Appends arg to the list *v of *n. */
static void add_arg(const char ***v, int *n, const char *arg)
{
    *v = pm_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = arg;
}

/* The options into c; a usage error is reported and returns -1 (the parser
 * then exits 2). */
static int on_option(int id, const char *arg, void *ctx)
{
    cli *c = ctx;
    switch (id) {
    case O_METRIC: add_arg(&c->metrics, &c->nmetrics, arg); break;
    case O_WHERE: add_arg(&c->where, &c->nwhere, arg); break;
    case O_SORT: {
        const char *colon = strrchr(arg, ':');
        int dir = colon && (strcmp(colon, ":desc") == 0 || strcmp(colon, ":asc") == 0);
        free(c->sort);
        c->sort = pm_xstrndup(arg, dir ? (size_t)(colon - arg) : strlen(arg));
        if (dir) c->sort_desc = strcmp(colon, ":desc") == 0;
        break;
    }
    case O_TOP: {
        char *end;
        c->top = strtol(arg, &end, 10);
        if (*end || c->top <= 0) return pm_usage_warn("--top: '%s' is not a positive number", arg);
        break;
    }
    case O_PIVOT:
        if (strcmp(arg, "period") != 0) return pm_usage_warn("--pivot: only 'period' (periods as columns)");
        c->pivot = 1;
        break;
    case O_UNIT: return parse_word("unit", unit_words, arg, "not m, h or d", &c->unit_secs);
    case O_TO: return parse_word("to", to_words, arg, "not one of csv, yaml, md, html, xlsx", &c->to);
    case O_LANG: return parse_word("lang", lang_words, arg, "not en or zh", &c->zh);
    case O_PROTECT:
        c->protect = pm_protect_mode_parse(arg);
        if (c->protect < 0) return pm_usage_warn("unknown --protect mode '%s' (mask, pseudonymize or drop)", arg);
        break;
    case O_SHARD:
        if (!*arg || strpbrk(arg, ";\r\n"))
            return pm_usage_warn("--shard: a name, without ';' or line breaks (';' separates the shards of a merge)");
        c->shard = arg;
        break;
    case O_PERSONAL: {
        pm_error e;
        if (rpt_personal_parse(arg, &c->personal, &c->npersonal, &e) != 0) return pm_usage_warn("%s", e.msg);
        break;
    }
    }
    return 0;
}

static void cli_free(cli *c)
{
    free(c->metrics);
    free(c->where);
    free(c->sort);
    for (int i = 0; i < c->npersonal; i++) free(c->personal[i].field);
    free(c->personal);
}

/* One --by key: a field, or weekday(F), hour(F), part(F, SEP, N).  0, or
 * -1 after a usage error. */
static int set_key(rpt_spec *s, const char *text, size_t n, const char *list)
{
    char *k = pm_xstrndup(text, n);
    int i = s->nby;
    s->by[i].cache = -1;
    s->byfn[i] = KEY_FIELD;
    char *open = strchr(k, '(');
    if (!open) {
        if (strpbrk(k, "=!<>~)")) {
            pm_usage_warn("--by: '%s' is not a field name", k);
            free(k);
            return -1;
        }
        s->by[i].name = k;
        s->nby++;
        return 0;
    }
    size_t kl = strlen(k);
    if (k[kl - 1] != ')') {
        pm_usage_warn("--by: '%s': expected weekday(F), hour(F) or part(F, SEP, N)", k);
        free(k);
        return -1;
    }
    size_t fl = (size_t)(open - k);
    char *arg = pm_xstrndup(open + 1, kl - fl - 2);
    char *a[3] = {arg, NULL, NULL};
    int na = 1, fn = -1; /* rpt_keyfn, once the key is good */
    for (char *p = arg; *p && na < 3; p++)
        if (*p == ',') {
            *p = '\0';
            a[na++] = p + 1;
        }
    for (int j = 0; j < na; j++) {
        while (*a[j] == ' ') a[j]++;
        size_t l = strlen(a[j]);
        while (l && a[j][l - 1] == ' ') a[j][--l] = '\0';
    }
    long idx = 0;
    char *end = NULL;
    if (na == 3) idx = strtol(a[2], &end, 10);
    if (!*a[0])
        pm_usage_warn("--by: '%s': no field", k);
    else if (fl == 7 && strncmp(k, "weekday", 7) == 0 && na == 1)
        fn = KEY_WEEKDAY;
    else if (fl == 4 && strncmp(k, "hour", 4) == 0 && na == 1)
        fn = KEY_HOUR;
    else if (!(fl == 4 && strncmp(k, "part", 4) == 0 && na == 3))
        pm_usage_warn("--by: '%s' in '%s': expected a field, weekday(F), hour(F) or part(F, SEP, N)", k, list);
    else if (*end || idx == 0 || !*a[1])
        pm_usage_warn("--by: '%s': part(F, SEP, N) takes a separator and a part number (1 is the first, -1 the last)",
                      k);
    else
        fn = KEY_PART;
    if (fn >= 0) {
        s->byfn[i] = (rpt_keyfn)fn;
        s->by[i].name = pm_xstrdup(a[0]);
        /* the column: canonical text */
        pm_buf b = PM_BUF_INIT;
        if (fn == KEY_PART) {
            s->bysep[i] = pm_xstrdup(a[1]);
            s->bypart[i] = (int)idx;
            pm_buf_addf(&b, "part(%s, %s, %d)", a[0], a[1], s->bypart[i]);
        } else {
            pm_buf_addf(&b, "%.*s(%s)", (int)fl, k, a[0]);
        }
        s->bycol[i] = pm_buf_detach(&b);
        s->nby++;
    }
    free(arg);
    free(k);
    return fn >= 0 ? 0 : -1;
}

/* The --by list: the spec's keys (a preset's are replaced).  0, or -1
 * after a usage error. */
static int set_by(rpt_spec *s, const char *list)
{
    rpt_spec_clear_keys(s);
    const char *p = list;
    while (*p) {
        /* a comma inside parentheses is part(F, -, 1)'s */
        const char *e = p;
        int depth = 0;
        for (; *e && !(*e == ',' && depth == 0); e++) depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
        size_t n = (size_t)(e - p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ') n--;
        if (n == 0) return pm_usage_warn("--by: empty field name in '%s'", list);
        if (s->nby == 16) return pm_usage_warn("--by: at most 16 fields");
        if (set_key(s, p, n, list) != 0) return -1;
        if (!*e) break;
        p = e + 1;
    }
    return 0;
}

/* Copies the finished workbook at path into af. */
static int copy_into(pm_atomic_file *af, const char *path, pm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        pm_error_set(err, path, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
        rc = pm_atomic_write(af, buf, n, err); /* a full disk: the workbook would be cut */
    if (rc == 0 && ferror(f)) {
        pm_error_set(err, path, 0, "read error");
        rc = -1;
    }
    fclose(f);
    return rc;
}

/* libxlsxwriter writes a file by name: the atomic file's temporary file (or
 * the direct path); for standard output a temporary file, removed on a
 * signal like the others, that is copied out. */
static int write_xlsx(rpt_table *const *t, int n, const char *title, pm_atomic_file *af, pm_error *err)
{
    const char *path = pm_atomic_write_path(af);
    if (path) return rpt_write_xlsx(t, n, title, path, err);
    const char *dir = getenv("TMPDIR");
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, "%s/pm-report-XXXXXX", dir && *dir ? dir : "/tmp");
    char *tmp = pm_buf_detach(&b);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pm_error_set(err, NULL, 0, "cannot create a temporary file: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    pm_tmp_register(tmp);
    close(fd);
    int rc = rpt_write_xlsx(t, n, title, tmp, err);
    if (rc == 0) rc = copy_into(af, tmp, err);
    unlink(tmp);
    pm_tmp_forget(tmp);
    free(tmp);
    return rc;
}

/* Fills spec, zeroed, from the options: a preset (or NULL for custom
 * metrics).  0, or -1 after a usage error (spec is then for
 * rpt_spec_free only). */
static int make_spec(const cli *c, const pm_common *common, const char *preset, pm_tz **tz, rpt_spec *spec)
{
    spec->zh = c->zh;
    spec->time_field.name = c->time_field ? c->time_field : "created_at";
    spec->time_field.cache = -1;
    spec->tz_name = common->tz_name ? common->tz_name : PM_DEFAULT_TZ;
    if (c->period) {
        int period = PERIOD_NONE;
        if (parse_word("period", period_words, c->period, "not day, week, month, quarter or year", &period) != 0)
            return -1;
        spec->period = (rpt_period)period;
    }
    /* The zone reads timestamps in conditions, durations and derived keys
     * as well as periods. */
    if (!*tz) {
        pm_error e;
        *tz = pm_tz_open(spec->tz_name, &e);
        if (!*tz) return pm_usage_warn("--tz: %s", e.msg);
    }
    spec->tz = *tz;
    spec->unit_secs = c->unit_secs ? c->unit_secs : 3600;
    for (int i = 0; i < c->nwhere; i++) {
        pm_error e;
        rpt_expr *x = rpt_expr_parse(c->where[i], *tz, NULL, &e);
        if (!x) return pm_usage_warn("--where: %s", e.msg);
        spec->where = pm_xrealloc(spec->where, sizeof *spec->where * (size_t)(spec->nwhere + 1));
        spec->where[spec->nwhere++] = x;
    }
    const char *lim[2] = {c->since, c->until};
    for (int i = 0; i < 2; i++) {
        if (!lim[i]) continue;
        pm_error e;
        pm_time t;
        if (pm_time_parse(lim[i], strlen(lim[i]), *tz, &t, &e) != 0)
            return pm_usage_warn("--%s: %s", i ? "until" : "since", e.msg);
        if (i) {
            spec->has_until = 1;
            spec->until = t;
        } else {
            spec->has_since = 1;
            spec->since = t;
        }
    }
    if (preset) rpt_preset_apply(spec, preset);
    if (c->by && set_by(spec, c->by) != 0) return -1;
    if (spec->preset && strcmp(spec->preset, "service") == 0 && c->nmetrics)
        return pm_usage_warn("the service preset has its fixed figures; -m is for other reports");
    for (int i = 0; i < c->nmetrics; i++) {
        rpt_metric m;
        pm_error e;
        if (rpt_metric_parse(c->metrics[i], &m, *tz, &e) != 0) return pm_usage_warn("-m: %s", e.msg);
        for (int j = 0; j < spec->nm; j++)
            if (strcmp(spec->m[j].name, m.name) == 0) {
                pm_usage_warn("-m: %s is given twice", m.name);
                rpt_metric_free(&m);
                return -1;
            }
        spec->m = pm_xrealloc(spec->m, sizeof *spec->m * (size_t)(spec->nm + 1));
        spec->m[spec->nm++] = m;
    }
    if (c->protect && spec->period != PERIOD_NONE &&
        rpt_personal_kind(c->personal, c->npersonal, spec->time_field.name) >= 0)
        return pm_usage_warn("--protect: --period would show the days of the personal field %s", spec->time_field.name);
    /* the preset's own conditions compare with its fixed words, not with
     * anybody's data: only the values given with -m are checked */
    for (int i = 0; c->protect && i < spec->nm; i++) {
        pm_error e;
        if (rpt_metric_check_personal(&spec->m[i], i >= spec->npreset, c->personal, c->npersonal, &e) != 0)
            return pm_usage_warn("--protect: %s", e.msg);
    }
    if (spec->nm == 0) {
        rpt_metric m;
        pm_error e;
        rpt_metric_parse("count", &m, *tz, &e);
        spec->m = pm_xmalloc(sizeof *spec->m);
        spec->m[spec->nm++] = m;
    }
    if (spec->nm > 64) return pm_usage_warn("at most 64 metrics");
    return 0;
}

#define MAX_TABLES 8

/* Warns (once, on the first record) when the input lacks a field the preset
 * is made for: sla figures from tickets that pm-sla has not annotated would
 * all be zero. */
static void check_fields(const rpt_spec *spec, const pm_record *r)
{
    static const char *const need[][3] = {
        {"sla", "sla_status", "annotate the tickets with pm-sla first"},
        {"sla", "category", "tickets have a category"},
        {"fees", "amount", "the input should be pm-fee charges"},
        {"fees", "rule", "the input should be pm-fee charges"},
    };
    if (!spec->preset) return;
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (strcmp(spec->preset, need[i][0]) == 0 && pm_record_index(r, need[i][1]) < 0) {
            pm_warn_at(r->source, r->line, "warning: no %s field (%s)", need[i][1], need[i][2]);
            return;
        }
}

/* One run: the tables asked for and what is read into them.  Zeroed, then
 * filled step by step; run_free frees it at any step. */
typedef struct run {
    cli c;
    pm_common common;
    int n; /* tables */
    rpt_spec *specs[MAX_TABLES];
    rpt_groups *groups[MAX_TABLES];
    rpt_table *tables[MAX_TABLES];
    pm_protector prot; /* --protect */
    pm_tz *tz;
    pm_format in_format;
    unsigned long long nread;
    int status;
    rpt_names names;                /* the fields the options name */
    rpt_ledger ledgers[MAX_TABLES]; /* --merge: what the partials say */
    rpt_expect expect;              /* --expect-shards */
    int refused;                    /* --merge: the partials do not add up */
    char **paths;                   /* the inputs named */
    int npaths;
    char *last_bad;          /* --merge: the input last reported */
    pm_atomic_file *af;      /* -o (or standard output) */
    int route_errors;        /* --merge: partials of no table */
    int sort_by[MAX_TABLES]; /* --sort: the metric of each table */
} run;

static void run_free(run *r)
{
    for (int i = 0; i < r->n; i++) {
        if (r->tables[i]) rpt_table_free(r->tables[i]);
        free(r->tables[i]);
        if (r->groups[i]) rpt_groups_free(r->groups[i]);
        free(r->groups[i]);
        rpt_ledger_free(&r->ledgers[i]);
        if (r->specs[i]) rpt_spec_free(r->specs[i]);
        free(r->specs[i]);
    }
    rpt_expect_free(&r->expect);
    if (r->tz) pm_tz_free(r->tz);
    pm_protector_free(&r->prot);
    rpt_names_free(&r->names);
    cli_free(&r->c);
}

/* --protect: the key, and warnings when the key file is exposed or nothing
 * is named personal.  0, or -1 after reporting. */
static int setup_protection(run *r)
{
    cli *c = &r->c;
    if (c->npersonal && !c->protect)
        return pm_usage_warn("--personal names the fields that --protect=MODE protects; give --protect too");
    pm_error e;
    if (pm_protector_init(&r->prot, (pm_protect_mode)c->protect, c->key_file, &e) != 0) {
        pm_report(&e);
        return -1;
    }
    if (r->prot.key_exposed)
        pm_warn_at(c->key_file, 0, "the key file is readable by group or others; protect it: chmod 600 %s",
                   c->key_file);
    if (c->protect && !c->npersonal)
        pm_warn("warning: --protect: no field is named personal (--personal=FIELD:KIND,...), so no value is "
                "protected");
    return 0;
}

/* The field names the options give, to be checked against the input. */
static void collect_names(run *r, rpt_spec *spec)
{
    cli *c = &r->c;
    if (c->by)
        for (int i = 0; i < spec->nby; i++) rpt_names_add(&r->names, spec->by[i].name, "--by");
    if (c->time_field || c->period || c->since || c->until)
        rpt_names_add(&r->names, spec->time_field.name,
                      c->time_field ? "--time-field" : "the time field (--time-field)");
    for (int i = 0; i < spec->nwhere; i++) rpt_names_add_expr(&r->names, spec->where[i], "--where");
    for (int i = spec->nm - c->nmetrics; c->nmetrics && i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        if (m->field.name) rpt_names_add(&r->names, m->field.name, m->name);
        if (m->diff) rpt_names_add(&r->names, m->field2.name, m->name);
        rpt_names_add_expr(&r->names, m->expr, m->name);
        rpt_names_add_expr(&r->names, m->dexpr, m->name);
    }
}

/* The metric a --sort names (English or Chinese name), or -1. */
static int find_figure(const rpt_spec *spec, const char *name)
{
    for (int i = 0; i < spec->nm; i++)
        if (strcmp(spec->m[i].name, name) == 0 || (spec->m[i].name_zh && strcmp(spec->m[i].name_zh, name) == 0))
            return i;
    /* the figure as typed: count(a = b) for count(a=b) */
    rpt_metric m;
    pm_error e;
    if (rpt_metric_parse(name, &m, spec->tz, &e) != 0) return -1;
    int k = -1;
    for (int i = 0; i < spec->nm && k < 0; i++)
        if (strcmp(spec->m[i].name, m.name) == 0) k = i;
    rpt_metric_free(&m);
    return k;
}

/* Checks the combination of options and sets up a spec and groups per
 * preset (or one custom spec).  0, or -1 after reporting. */
static int setup(run *r, const char *const *presets, int np)
{
    cli *c = &r->c;
    if (setup_protection(r) != 0) return -1;
    int several = c->to == OUT_MD || c->to == OUT_HTML || c->to == OUT_XLSX; /* tables in one output */
    /* The combinations of options that are refused, and why; the first that
     * applies is reported. */
    const struct {
        int when;
        const char *why;
    } refused[] = {
        {np > 1 && c->nmetrics, "-m goes with one preset or none"},
        {c->partial && several, "--partial writes CSV or YAML"},
        {c->partial && np > 1, "--partial takes one preset at a time (one partial stream per report)"},
        {c->shard && !c->partial, "--shard names the partial stream that --partial writes"},
        {c->expect && !c->merge, "--expect-shards checks the partials that --merge reads"},
        {np > 1 && !several && !c->partial, "several presets make several tables: use --to=md, html or xlsx"},
        {c->pivot && !several, "--pivot=period is for md, html and xlsx (CSV and YAML keep a row per period)"},
        {c->pivot && c->period == NULL && !(np == 1 && strcmp(presets[0], "service") == 0),
         "--pivot=period needs --period"},
        {c->pivot && c->totals, "--pivot and --totals: not together (a pivot's rows are its keys)"},
        {c->partial && (c->totals || c->sort || c->top || c->pivot),
         "--totals, --sort, --top and --pivot are for the report, not for --partial"},
        {c->labels && !c->zh, "--labels shows the Chinese labels of --lang=zh in CSV and YAML; give --lang=zh"},
        {c->to == OUT_XLSX && (!r->common.output || strcmp(r->common.output, "-") == 0) && isatty(1),
         "XLSX is binary: give -o FILE.xlsx or redirect standard output"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (refused[i].when) return pm_usage_warn("%s", refused[i].why);
    if (c->expect) {
        pm_error e;
        if (rpt_expect_parse(&r->expect, c->expect, &e) != 0) {
            pm_report(&e);
            return -1;
        }
    }
    r->n = np ? np : 1;
    for (int i = 0; i < r->n; i++) {
        r->specs[i] = pm_xcalloc(1, sizeof *r->specs[i]);
        if (make_spec(c, &r->common, np ? presets[i] : NULL, &r->tz, r->specs[i]) != 0) return -1;
        if (c->title && r->n == 1) r->specs[i]->title = c->title;
        if (c->sort && (r->sort_by[i] = find_figure(r->specs[i], c->sort)) < 0)
            return pm_usage_warn("--sort: no figure '%s' in this report", c->sort);
    }
    if (c->targets) {
        /* Each table takes the targets that name its figures. */
        pm_errors errs = PM_ERRORS_INIT;
        int rc = rpt_targets_load_all(r->specs, r->n, c->targets, &errs);
        if (rc != 0) pm_errors_report(&errs);
        pm_errors_free(&errs);
        if (rc != 0) return -1;
    }
    for (int i = 0; i < r->n; i++) collect_names(r, r->specs[i]);
    for (int i = 0; i < r->n; i++) {
        rpt_spec_protect(r->specs[i], &r->prot, c->personal, c->npersonal);
        rpt_spec_sign(r->specs[i]);
        r->groups[i] = pm_xcalloc(1, sizeof *r->groups[i]);
        rpt_groups_init(r->groups[i], r->specs[i]);
        rpt_ledger_init(&r->ledgers[i], r->specs[i]);
    }
    return 0;
}

/* The pipeline's record function: a record into the groups, or with
 * --merge a partial record routed to its table and ledger. */
static pm_verdict on_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    run *r = ctx;
    (void)p;
    if (r->c.merge) {
        /* concatenated CSV partials repeat their header line */
        const char *sig = pm_record_get(rec, "_partial");
        if (sig && strcmp(sig, "_partial") == 0) return PM_SKIP;
        r->nread++;
        int raw;
        int k = rpt_route_partial(r->groups, r->n, rec, &r->last_bad, &raw);
        if (k < 0)
            r->route_errors++; /* reported; the merge is refused */
        else if (rpt_is_shard_record(rec))
            rpt_ledger_shard(&r->ledgers[k], rec);
        else if (rpt_ledger_row(&r->ledgers[k], r->specs[k], rec) == 0)
            rpt_groups_merge(r->groups[k], rec, raw);
        return PM_PASS;
    }
    r->nread++;
    if (r->nread == 1)
        for (int i = 0; i < r->n; i++) check_fields(r->specs[i], rec);
    rpt_names_see(&r->names, rec);
    for (int i = 0; i < r->n; i++) rpt_groups_add(r->groups[i], rec);
    return PM_PASS;
}

/* --stats: pm-report's own counts after the pipeline's: groups, records
 * left out, without a time; per duration metric the records skipped
 * because a side was empty. */
static void on_stats(pm_buf *b, void *ctx)
{
    run *r = ctx;
    rpt_groups *g = r->groups[0];
    rpt_spec *spec = r->specs[0];
    pm_buf_addf(b, "groups %zu", g->n);
    if (spec->nwhere || spec->has_since || spec->has_until)
        pm_buf_addf(b, ", %llu left out by --where/--since/--until", g->filtered);
    if (spec->period != PERIOD_NONE && g->notime)
        pm_buf_addf(b, ", %llu without %s (empty period)", g->notime, spec->time_field.name);
    for (int i = 0; i < spec->nm; i++) {
        rpt_metric *m = &spec->m[i];
        if (!m->diff) continue;
        long long skipped = rpt_groups_skipped(g, i);
        pm_buf_addf(b, ", %s: %lld records skipped (%s or %s empty)", m->name, skipped, m->field.name, m->field2.name);
    }
}

/* Reads every input into the groups on the shared pipeline (records, or
 * partials with --merge).  Returns the open pipeline, whose reject stream
 * pm_pipe_finish commits, and the reading's exit status in *status; NULL
 * after reporting when the inputs or the output cannot be opened. */
static pm_pipe *read_inputs(run *r, char **paths, int npaths, int *status)
{
    pm_error err;
    const char *outs[1] = {r->common.output};
    pm_pipe_spec ps = {.record = on_record,
                       .stats = on_stats,
                       .ctx = r,
                       .flags = PM_PIPE_NO_OUTPUT,
                       .other_outputs = outs,
                       .nother_outputs = 1};
    pm_pipe *p = pm_pipe_open(&r->common, paths, npaths, &ps, &err);
    if (!p) {
        pm_report(&err);
        return NULL;
    }
    /* the output is opened before any work, like every program's: a
     * temporary file beside it until the report is complete */
    r->af = pm_atomic_open(r->common.output, &err);
    if (!r->af) {
        pm_report(&err);
        pm_pipe_finish(p, PM_EXIT_ERROR);
        return NULL;
    }
    *status = pm_pipe_run(p);
    free(r->last_bad);
    r->last_bad = NULL;
    r->in_format = pm_inputs_format(pm_pipe_inputs(p));
    if (r->route_errors) pm_pipe_error(p);
    if (r->c.merge) {
        /* A merge of partials that do not add up has no right result:
         * say what is wrong and write nothing. */
        int bad = r->route_errors;
        for (int i = 0; i < r->n; i++)
            bad |= rpt_ledger_finish(&r->ledgers[i], r->specs[i], r->c.expect ? &r->expect : NULL) != 0;
        if (bad) {
            pm_warn("merge refused: the partials would give a wrong or incomplete result; nothing written");
            r->refused = 1;
            pm_pipe_error(p);
        }
    }
    for (int i = 0; i < r->n; i++)
        if (r->groups[i]->errors) pm_pipe_error(p);
    return p;
}

/* Writes the partial stream (--partial); 0, or -1 after reporting. */
static int write_partial(run *r, enum out_kind to)
{
    pm_error err;
    rpt_shard_info si;
    char program[64];
    snprintf(program, sizeof program, "pm-report %s", PM_VERSION);
    rpt_ledger *l = &r->ledgers[0];
    char *name = NULL, *config = NULL;
    if (r->c.merge && l->nnames) {
        /* a merged partial is all its shards, made as they were */
        name = rpt_ledger_names(l);
        si.read = l->read;
        si.program = l->program;
        si.config = l->config;
    } else {
        name = r->c.shard ? pm_xstrdup(r->c.shard) : rpt_shard_name_default(r->paths, r->npaths);
        si.read = r->nread;
        si.program = program;
        config = rpt_partial_config(r->specs[0], r->c.targets, &err);
        if (!config) {
            pm_report(&err);
            free(name);
            return -1;
        }
        si.config = config;
    }
    si.name = name;
    int rc = rpt_partial_write(r->groups[0], pm_atomic_stream(r->af),
                               to == OUT_YAML  ? 0
                               : to == OUT_TSV ? '\t'
                                               : 1,
                               &si);
    free(name);
    free(config);
    if (rc != 0) {
        pm_error_set(&err, pm_atomic_name(r->af), 0, "write error");
        pm_report(&err);
    }
    return rc;
}

/* Builds the tables and writes them in format to; 1 when a target failed.
 * A write error is reported and *wrote set to -1. */
static int write_report(run *r, enum out_kind to, int *wrote)
{
    int failed = 0;
    for (int i = 0; i < r->n; i++) {
        rpt_spec *spec = r->specs[i];
        rpt_groups *g = r->groups[i];
        rpt_groups_ensure_total(g);
        rpt_group **sorted = rpt_groups_sorted(g);
        size_t n = g->n;
        spec->rate_nd = to == OUT_CSV || to == OUT_TSV || to == OUT_YAML || to == OUT_XLSX;
        spec->charts = to == OUT_HTML || to == OUT_XLSX;
        /* data formats keep the keys unless --labels asks */
        spec->value_labels = spec->zh && (r->c.labels || to == OUT_MD || to == OUT_HTML || to == OUT_XLSX);
        if (r->c.sort) rpt_groups_sort_by(g, sorted, n, r->sort_by[i], r->c.sort_desc);
        if (r->c.top && (size_t)r->c.top < n) n = (size_t)r->c.top;
        if (r->c.totals && g->nkey > 0) {
            /* the total of every group, also those --top leaves out */
            sorted[n++] = rpt_groups_total(g, sorted, g->n);
            spec->has_total = 1;
        }
        r->tables[i] = pm_xmalloc(sizeof *r->tables[i]);
        rpt_table_build(r->tables[i], spec, sorted, n);
        if (r->c.pivot) rpt_table_pivot(r->tables[i], spec);
        free(sorted);
        failed |= r->tables[i]->failed;
    }
    const char *title = r->c.title;
    pm_buf tb = PM_BUF_INIT;
    if (!title) {
        for (int i = 0; i < r->n; i++) pm_buf_addf(&tb, "%s%s", i ? " \xC2\xB7 " : "", r->tables[i]->title);
        title = pm_buf_str(&tb);
    }
    pm_error err;
    int wrc = 0;
    if (to == OUT_XLSX) {
        wrc = write_xlsx(r->tables, r->n, title, r->af, &err);
    } else {
        FILE *fp = pm_atomic_stream(r->af);
        switch (to) {
        case OUT_YAML: wrc = rpt_write_yaml(r->tables[0], fp); break;
        case OUT_MD: wrc = rpt_write_md(r->tables, r->n, fp); break;
        case OUT_HTML: wrc = rpt_write_html(r->tables, r->n, title, r->c.zh, fp); break;
        case OUT_TSV: wrc = rpt_write_csv(r->tables[0], fp, '\t'); break;
        default: wrc = rpt_write_csv(r->tables[0], fp, ','); break;
        }
        if (wrc != 0) pm_error_set(&err, pm_atomic_name(r->af), 0, "write error");
    }
    if (wrc != 0) {
        pm_report(&err);
        *wrote = -1;
    }
    pm_buf_free(&tb);
    return failed;
}

/* The report of the inputs paths: set-up, reading, writing; the exit
 * status. */
static int report(run *r, const char *const *presets, int np, char **paths, int npaths)
{
    if (setup(r, presets, np) != 0) return PM_EXIT_ERROR;
    r->paths = paths;
    r->npaths = npaths;
    int rstatus;
    pm_pipe *p = read_inputs(r, paths, npaths, &rstatus);
    if (!p) return PM_EXIT_ERROR;
    /* A name no record has is a typo: its figures would be zeros and
     * blanks that look right.  No report then. */
    if (!r->c.merge && r->nread > 0 && rpt_names_report(&r->names) > 0) {
        pm_error e;
        pm_atomic_close(r->af, 0, &e);
        return pm_pipe_finish(p, PM_EXIT_ERROR);
    }

    enum out_kind to = r->c.to;
    if (to == OUT_AUTO) to = r->in_format == PM_FMT_YAML ? OUT_YAML : r->in_format == PM_FMT_TSV ? OUT_TSV : OUT_CSV;

    int failed = 0, wrote = 0;
    if (r->refused)
        wrote = -1; /* nothing written: the old file stays as it was */
    else if (r->c.partial)
        wrote = write_partial(r, to);
    else
        failed = write_report(r, to, &wrote);
    pm_error err;
    if (pm_atomic_close(r->af, wrote == 0, &err) != 0) {
        if (wrote == 0) /* else the write error is reported already */
            pm_report(&err);
        wrote = -1;
    }
    r->af = NULL;
    /* the report's own errors (a write error) are 2; a missed target 1 */
    if (wrote != 0 && !r->refused) r->status = PM_EXIT_ERROR;
    if (r->status == PM_EXIT_ERROR)
        pm_pipe_error(p);
    else if (failed)
        pm_pipe_flag(p);
    r->status = pm_pipe_finish(p, rstatus > r->status ? rstatus : r->status);
    if (r->status == PM_EXIT_OK && failed) r->status = PM_EXIT_FLAGGED;
    return r->status;
}

int rpt_main(int argc, char **argv)
{
    pm_program_init(argc, argv);
    run r;
    memset(&r, 0, sizeof r);
    const pm_option options[] = {
        PM_OPT_STRING("by", 0, &r.c.by, "FIELDS", "group by these fields (comma-separated)"),
        PM_OPT_STRING("period", 0, &r.c.period, "P",
                      "group by day, week (ISO, 2024-W27), month, quarter or year of the time field"),
        PM_OPT_STRING("time-field", 0, &r.c.time_field, "F",
                      "timestamp field of --period, --since, --until (default created_at)"),
        PM_OPT_CALL("metric", 'm', O_METRIC, "METRIC",
                    "count, count(COND), rate(COND), sum, min, max, mean, median, pNN of F or A - B; repeatable"),
        PM_OPT_CALL("where", 0, O_WHERE, "COND",
                    "only records where COND holds (e.g. kind=complaint and major=true); repeatable"),
        PM_OPT_STRING("since", 0, &r.c.since, "TIME", "only records whose time field is at or after TIME"),
        PM_OPT_STRING("until", 0, &r.c.until, "TIME", "only records whose time field is before TIME"),
        PM_OPT_CALL("unit", 0, O_UNIT, "U", "unit of durations A - B: m, h (default) or d"),
        PM_OPT_FLAG("totals", 0, &r.c.totals, "add a total row (counts and sums summed, rates recomputed)"),
        PM_OPT_CALL("sort", 0, O_SORT, "FIGURE[:desc]", "rows in the order of a figure (default: by key)"),
        PM_OPT_CALL("top", 0, O_TOP, "N", "only the first N rows (after --sort)"),
        PM_OPT_CALL("pivot", 0, O_PIVOT, "period", "periods as columns (md, html, xlsx)"),
        PM_OPT_FLAG("labels", 0, &r.c.labels, "with --lang=zh: Chinese labels of values in CSV/YAML too"),
        PM_OPT_STRING("targets", 0, &r.c.targets, "FILE", "targets (YAML list of figure, comparison, value)"),
        PM_OPT_CALL("to", 't', O_TO, "FORMAT", "csv, tsv, yaml, md, html or xlsx (default: the input's format)"),
        PM_OPT_CALL("lang", 0, O_LANG, "LANG", "en (default) or zh: headers and figure names in Chinese"),
        PM_OPT_STRING("title", 0, &r.c.title, "TEXT", "title of the HTML page and XLSX workbook"),
        PM_OPT_FLAG("partial", 0, &r.c.partial, "write mergeable partial aggregates (CSV/YAML)"),
        PM_OPT_FLAG("merge", 0, &r.c.merge, "read partial aggregates (with --partial: write them merged)"),
        PM_OPT_CALL("protect", 0, O_PROTECT, "MODE", "mask, pseudonymize or drop the values of the --personal fields"),
        PM_OPT_CALL("personal", 0, O_PERSONAL, "FIELD:KIND,...",
                    "personal fields; KIND: name, phone, id_card, address, text"),
        PM_OPT_STRING("key-file", 0, &r.c.key_file, "FILE", "secret key for --protect=pseudonymize"),
        PM_OPT_CALL("shard", 0, O_SHARD, "NAME", "--partial: the shard's name (default: the inputs' names)"),
        PM_OPT_STRING("expect-shards", 0, &r.c.expect, "N|FILE",
                      "--merge: refuse unless these shards (N, or a manifest) are all there"),
        PM_OPT_END,
    };
    int first = pm_opts_parse(
        argc, argv, options, (PM_OPT_STREAM & ~(unsigned)PM_OPT_TO) | PM_OPT_REJECT, &r.common, on_option, &r.c,
        "pm-report [PRESET]... [--by=FIELDS] [--period=day|week|month|quarter|year] [-m METRIC]...\n"
        "          [--where=COND]... [--since=T] [--until=T] [--unit=m|h|d] [--targets=FILE]\n"
        "          [--totals] [--sort=FIGURE[:desc]] [--top=N] [--pivot=period]\n"
        "          [--to=csv|yaml|md|html|xlsx] [--lang=zh [--labels]] [--partial] [--merge]\n"
        "          [--protect=mask|pseudonymize|drop --personal=FIELD:KIND,... [--key-file=FILE]] [FILE]...",
        "Groups records and computes figures against targets. PRESET is sla, service or fees;\n"
        "several presets make several tables (md, html, xlsx).\n"
        "--protect masks, pseudonymizes or drops the values of the --personal fields before\n"
        "they are grouped, so a report of raw data can leave the office (see pm-report(1)).\n"
        "Exit status 1 when a target is missed or a record is rejected (--reject=FILE), 2 on errors.");

    const char *presets[MAX_TABLES];
    int np = 0, status = PM_EXIT_OK;
    for (; first < argc && rpt_is_preset(argv[first]) && status == PM_EXIT_OK; first++) {
        for (int i = 0; i < np && status == PM_EXIT_OK; i++)
            if (strcmp(presets[i], argv[first]) == 0) {
                pm_usage_warn("preset %s given twice", argv[first]);
                status = PM_EXIT_ERROR;
            }
        presets[np++] = argv[first];
    }
    if (status == PM_EXIT_OK) status = report(&r, presets, np, argv + first, argc - first);
    run_free(&r);
    return status;
}
