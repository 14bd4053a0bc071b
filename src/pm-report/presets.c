/* presets.c - the sla, service and fees presets, targets files, the Chinese
 * vocabulary, and the signature that ties partial streams to their options.
 */
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "report.h"

static const char *const sla_done[] = {"met", "late", "overdue", NULL};

static rpt_metric *add_metric(rpt_spec *s, rpt_kind kind, const char *name, const char *zh)
{
    s->m = pm_xrealloc(s->m, sizeof *s->m * (size_t)(s->nm + 1));
    rpt_metric *m = &s->m[s->nm++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->name = name;
    m->name_zh = zh;
    m->field.cache = -1;
    return m;
}

static void cond(rpt_cond *c, int *n, const char *field, const char *value)
{
    c[*n].f.name = field;
    c[*n].f.cache = -1;
    c[*n].value = value;
    c[*n].anyof = NULL;
    (*n)++;
}

static void add_target(rpt_spec *s, const char *figure, rpt_cmp cmp, const char *value)
{
    s->targets = pm_xrealloc(s->targets, sizeof *s->targets * (size_t)(s->ntargets + 1));
    rpt_target *t = &s->targets[s->ntargets++];
    t->figure = figure;
    t->cmp = cmp;
    pm_decimal_parse(value, strlen(value), &t->value);
}

int rpt_is_preset(const char *name)
{
    return strcmp(name, "sla") == 0 || strcmp(name, "service") == 0 || strcmp(name, "fees") == 0;
}

static void by(rpt_spec *s, const char *field)
{
    s->by[s->nby].name = pm_xstrdup(field);
    s->by[s->nby].cache = -1;
    s->nby++;
}

int rpt_preset_apply(rpt_spec *s, const char *name)
{
    rpt_metric *m;
    if (strcmp(name, "sla") == 0) {
        s->preset = "sla";
        s->title = s->zh ? "工单处理时限" : "Ticket deadlines";
        by(s, "category");
        m = add_metric(s, MK_COUNT, "tickets", "工单数");
        m->chart = 1;
        /* every sla_status pm-sla writes, so that a row adds up to tickets:
         * paused (a pause still open), invalid (a record pm-sla could not
         * judge), no_clock (empty: no clock applies to its category) */
        static const char *const st[] = {"met", "late", "overdue", "open", "at_risk", "paused", "invalid", ""};
        static const char *const stname[] = {"met",     "late",   "overdue", "open",
                                             "at_risk", "paused", "invalid", "no_clock"};
        static const char *const stzh[] = {"按时完成", "超时完成", "已逾期", "处理中",
                                           "即将逾期", "暂停",     "无效",   "无时限"};
        for (int i = 0; i < 8; i++) {
            m = add_metric(s, MK_COUNT, stname[i], stzh[i]);
            cond(m->cond, &m->ncond, "sla_status", st[i]);
        }
        m = add_metric(s, MK_RATIO, "compliance", "按时完成率");
        cond(m->cond, &m->ncond, "sla_status", NULL);
        m->cond[0].anyof = sla_done;
        cond(m->num, &m->nnum, "sla_status", "met");
        m->chart = 1;
    } else if (strcmp(name, "service") == 0) {
        s->preset = "service";
        s->title = s->zh ? "服务质量" : "Service quality";
        s->layout = LAYOUT_LONG;
        if (s->period == PERIOD_NONE) s->period = PERIOD_MONTH;
        m = add_metric(s, MK_RATIO, "callback_rate", "回访率");
        cond(m->cond, &m->ncond, "kind", "complaint");
        cond(m->num, &m->nnum, "callback_at", NULL);
        m->chart = 1;
        m = add_metric(s, MK_RATIO, "major_callback_rate", "重大投诉回访率");
        cond(m->cond, &m->ncond, "kind", "complaint");
        cond(m->cond, &m->ncond, "major", "true");
        cond(m->num, &m->nnum, "callback_at", NULL);
        m->chart = 1;
        m = add_metric(s, MK_RATIO, "satisfaction_rate", "满意率");
        cond(m->cond, &m->ncond, "satisfaction", NULL);
        cond(m->num, &m->nnum, "satisfaction", "satisfied");
        m->chart = 1;
        add_target(s, "callback_rate", CMP_GE, "0.5");
        add_target(s, "major_callback_rate", CMP_GE, "1.0");
        add_target(s, "satisfaction_rate", CMP_GE, "0.9");
    } else if (strcmp(name, "fees") == 0) {
        s->preset = "fees";
        s->title = s->zh ? "收费汇总" : "Charges";
        by(s, "rule");
        by(s, "party");
        m = add_metric(s, MK_COUNT, "charges", "笔数");
        m = add_metric(s, MK_SUM, "amount", "金额");
        m->field.name = "amount";
        m->chart = 1;
    } else {
        return -1;
    }
    for (int i = 0; i < s->nm; i++) rpt_metric_partial_names(&s->m[i]);
    s->npreset = s->nm;
    return 0;
}

void rpt_spec_clear_keys(rpt_spec *s)
{
    for (int i = 0; i < s->nby; i++) {
        free((char *)s->by[i].name);
        free((char *)s->bycol[i]);
        free(s->bysep[i]);
        s->bycol[i] = NULL;
        s->bysep[i] = NULL;
    }
    s->nby = 0;
}

void rpt_spec_free(rpt_spec *s)
{
    rpt_spec_clear_keys(s);
    for (int i = 0; i < s->nwhere; i++) rpt_expr_free(s->where[i]);
    free(s->where);
    for (int i = 0; i < s->nm; i++) {
        rpt_metric *m = &s->m[i];
        if (i >= s->npreset)
            rpt_metric_free(m);
        else /* a preset's names are literals */
            for (int q = 0; q < m->npcol; q++)
                if (m->pcol[q] != m->name) free((char *)m->pcol[q]);
    }
    free(s->m);
    free(s->targets);
    free(s->signature);
    free(s->raw_signature);
    memset(s, 0, sizeof *s);
}

/* A figure a target may name: a metric by its English or Chinese name. */
static const char *find_figure(rpt_spec *s, const char *name)
{
    for (int i = 0; i < s->nm; i++)
        if (strcmp(s->m[i].name, name) == 0 || (s->m[i].name_zh && strcmp(s->m[i].name_zh, name) == 0))
            return s->m[i].name;
    return NULL;
}

/* "0.9", "90%" -> 0.9 (a percentage is divided by 100 exactly). */
static int parse_target_value(const char *v, pm_decimal *out)
{
    size_t n = strlen(v);
    int pct = n > 0 && v[n - 1] == '%';
    if (pm_decimal_parse(v, pct ? n - 1 : n, out) != PM_DEC_OK) return -1;
    if (pct) {
        pm_decimal d = *out;
        d.scale += 2;
        if (d.scale > PM_DEC_MAX_SCALE) return -1;
        *out = pm_decimal_normalize(d, 0);
    }
    return 0;
}

enum { TARGET_FIGURE, TARGET_COMPARISON, TARGET_VALUE };
static const pm_conf_key target_keys[] = {
    [TARGET_FIGURE] = {"figure", PM_CONF_SCALAR | PM_CONF_REQUIRED, "a figure's name"},
    [TARGET_COMPARISON] = {"comparison", PM_CONF_SCALAR, "one of >= <= > < ="},
    [TARGET_VALUE] = {"value", PM_CONF_SCALAR | PM_CONF_REQUIRED, "a number (0.9 or 90%)"},
    {NULL, 0, NULL},
};

static const pm_conf_key file_keys[] = {{"targets", 0, NULL}, {NULL, 0, NULL}};

/* Whether a preset of another run has the figure fig. */
static int other_preset_figure(const char *fig)
{
    static const char *const all[] = {"sla", "service", "fees"};
    int known = 0;
    for (int j = 0; j < 3 && !known; j++) {
        rpt_spec other;
        memset(&other, 0, sizeof other);
        rpt_preset_apply(&other, all[j]);
        known = find_figure(&other, fig) != NULL;
        rpt_spec_free(&other);
    }
    return known;
}

/* Loads the targets of c that name figures of s; with specs/nspec set, a
 * figure that none of them has is an error, else one s lacks is skipped.
 * Notes every error (pm_conf_note) and goes on with the next target. */
static void targets_load(rpt_spec *s, pm_conf *c, rpt_spec *const *specs, int nspec)
{
    yaml_node_t *root = pm_conf_root(c);
    if (root && pm_conf_is_map(root)) {
        pm_conf_check(c, root, "a targets file", file_keys, NULL);
        if (pm_conf_get(c, root, "targets")) root = pm_conf_get(c, root, "targets");
    }
    if (root == NULL) {
        s->ntargets = 0;
        return;
    }
    if (!pm_conf_is_seq(root)) {
        pm_conf_note(c, root, "a targets file is a list of {figure, comparison, value}");
        return;
    }
    /* The file replaces the preset's targets. */
    s->ntargets = 0;
    int n = pm_conf_seq_len(root);
    for (int i = 0; i < n; i++) {
        yaml_node_t *it = pm_conf_seq_item(c, root, i);
        if (!pm_conf_is_map(it)) {
            pm_conf_note(c, it, "a target is a mapping {figure, comparison, value}");
            continue;
        }
        yaml_node_t *v[PM_CONF_NKEYS(target_keys)];
        int bad = pm_conf_check(c, it, "a target", target_keys, v);
        yaml_node_t *fn = v[TARGET_FIGURE], *cn = v[TARGET_COMPARISON], *vn = v[TARGET_VALUE];
        const char *fig = pm_conf_str(fn);
        const char *cmp = cn ? pm_conf_str(cn) : ">=";
        const char *val = pm_conf_str(vn);
        rpt_target t;
        if (cmp && rpt_cmp_parse(cmp, &t.cmp) != 0) {
            pm_conf_note(c, cn, "comparison must be one of >= <= > < =");
            bad = 1;
        }
        if (val && parse_target_value(val, &t.value) != 0) {
            pm_conf_note(c, vn, "target value '%s' is not a number (0.9 or 90%%)", val);
            bad = 1;
        }
        if (fig) {
            t.figure = find_figure(s, fig);
            /* A targets file may serve several reports: a figure of another
             * table, or of a preset not in this run, is skipped. */
            if (!t.figure) {
                int known = 0;
                for (int j = 0; j < nspec; j++) known |= find_figure(specs[j], fig) != NULL;
                if (known || other_preset_figure(fig)) continue;
                pm_conf_note(c, fn, "no figure '%s' in this report", fig);
                bad = 1;
            }
        }
        if (bad || !fig || !cmp || !val) continue;
        s->targets = pm_xrealloc(s->targets, sizeof *s->targets * (size_t)(s->ntargets + 1));
        s->targets[s->ntargets++] = t;
    }
}

int rpt_targets_load_all(rpt_spec *const *specs, int n, const char *path, pm_errors *errs)
{
    pm_conf c;
    pm_error err;
    memset(&c, 0, sizeof c);
    if (pm_conf_load(&c, path, &err) != 0) {
        pm_errors_add(errs, &err);
        return -1;
    }
    c.errs = errs;
    /* the file's errors are the same for every table: the first finds them */
    for (int i = 0; i < n && c.nerrs == 0; i++) targets_load(specs[i], &c, specs, n);
    int rc = c.nerrs ? -1 : 0;
    pm_conf_free(&c); /* targets keep no pointer into it */
    return rc;
}

void rpt_spec_sign(rpt_spec *s)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "pm-report/1");
    if (s->preset) pm_buf_addf(&b, " preset=%s", s->preset);
    pm_buf_adds(&b, " by=");
    int nperiod = s->period != PERIOD_NONE;
    for (int i = 0; i < s->nby; i++) pm_buf_addf(&b, "%s%s", i ? "," : "", rpt_key_name(s, i + nperiod));
    static const char *const pn[] = {"", "day", "week", "month", "quarter", "year"};
    if (s->period != PERIOD_NONE) pm_buf_addf(&b, " period=%s:%s:%s", pn[s->period], s->time_field.name, s->tz_name);
    /* what decides which records count, and the unit of durations: a
     * partial of other filters must not be merged */
    for (int i = 0; i < s->nwhere; i++) {
        pm_buf_adds(&b, " where=");
        rpt_expr_canon(s->where[i], &b, 1);
    }
    if (s->has_since || s->has_until) {
        pm_buf_addf(&b, " time=%s:", s->time_field.name);
        if (s->has_since) pm_buf_addf(&b, "%lld", (long long)s->since);
        pm_buf_adds(&b, "..");
        if (s->has_until) pm_buf_addf(&b, "%lld", (long long)s->until);
    }
    int dur = 0;
    for (int i = 0; i < s->nm; i++) dur |= s->m[i].diff;
    if (dur) pm_buf_addf(&b, " unit=%llds:%s", (long long)s->unit_secs, s->tz_name);
    pm_buf_adds(&b, " m=");
    for (int i = 0; i < s->nm; i++) pm_buf_addf(&b, "%s%s", i ? "|" : "", s->m[i].name);
    s->raw_signature = pm_xstrdup(pm_buf_str(&b));
    rpt_sign_protection(s, &b);
    s->signature = pm_buf_detach(&b);
}

static const char *const zh_words[][2] = {
    {"period", "期间"}, {"figure", "指标"},         {"numerator", "分子"},      {"denominator", "分母"},
    {"value", "数值"},  {"target", "目标"},         {"result", "结果"},         {"pass", "达标"},
    {"fail", "未达标"}, {"n/a", "无数据"},          {"category", "类别"},       {"rule", "规则"},
    {"party", "对象"},  {"kind", "类型"},           {"unit", "房号"},           {"assignee", "处理人"},
    {"major", "重大"},  {"satisfaction", "满意度"}, {"sla_status", "时限状态"}, {"total", "合计"},
};

const char *rpt_zh(const char *s)
{
    for (size_t i = 0; i < sizeof zh_words / sizeof zh_words[0]; i++)
        if (strcmp(zh_words[i][0], s) == 0) return zh_words[i][1];
    return s;
}

const char *rpt_label(const rpt_spec *spec, const char *en, const char *zh)
{
    if (!spec->zh) return en;
    return zh ? zh : rpt_zh(en);
}

/* Chinese labels of the enum values of the default ticket schema (the
 * canonical values of pm-ingest's default schema, pm-formats(5)) and of
 * the statuses pm-sla writes: shown for key values with --lang=zh. */
static const char *const value_labels[][3] = {
    {"kind", "complaint", "投诉"},
    {"kind", "consultation", "咨询"},
    {"kind", "repair", "报修"},
    {"category", "noise", "噪音"},
    {"category", "door_window", "门窗"},
    {"category", "lighting_other", "其他照明"},
    {"category", "lighting", "照明"},
    {"category", "indoor_repair", "户内维修"},
    {"category", "public_repair", "公共维修"},
    {"category", "fee_inquiry", "收费咨询"},
    {"category", "external_service_inquiry", "外部服务咨询"},
    {"category", "other_dept_inquiry", "其他部门咨询"},
    {"category", "general_inquiry", "一般咨询"},
    {"category", "other_complaint", "其他投诉"},
    {"major", "true", "是"},
    {"major", "false", "否"},
    {"satisfaction", "satisfied", "满意"},
    {"satisfaction", "neutral", "基本满意"},
    {"satisfaction", "unsatisfied", "不满意"},
    {"*status", "met", "按时完成"},
    {"*status", "late", "超时完成"},
    {"*status", "overdue", "已逾期"},
    {"*status", "open", "处理中"},
    {"*status", "at_risk", "即将逾期"},
    {"*status", "paused", "暂停"},
    {"*status", "invalid", "无效"},
    {"weekday", "1 Mon", "周一"},
    {"weekday", "2 Tue", "周二"},
    {"weekday", "3 Wed", "周三"},
    {"weekday", "4 Thu", "周四"},
    {"weekday", "5 Fri", "周五"},
    {"weekday", "6 Sat", "周六"},
    {"weekday", "7 Sun", "周日"},
};

const char *rpt_value_label(const rpt_spec *spec, int key, const char *value)
{
    int nperiod = spec->period != PERIOD_NONE;
    if (key < nperiod) return NULL;
    int i = key - nperiod;
    const char *field = spec->byfn[i] == KEY_WEEKDAY ? "weekday" : spec->byfn[i] == KEY_FIELD ? spec->by[i].name : NULL;
    if (!field) return NULL;
    size_t fl = strlen(field);
    /* sla_status, resolve_status...: the statuses of pm-sla */
    int status = fl >= 6 && strcmp(field + fl - 6, "status") == 0;
    for (size_t k = 0; k < sizeof value_labels / sizeof value_labels[0]; k++)
        if ((strcmp(value_labels[k][0], field) == 0 || (status && value_labels[k][0][0] == '*')) &&
            strcmp(value_labels[k][1], value) == 0)
            return value_labels[k][2];
    return NULL;
}
