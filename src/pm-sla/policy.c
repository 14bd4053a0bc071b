/* policy.c - the SLA policy: the built-in one (docs/RULES.md section 1) and
 * the loader that reads it and users' --policy files alike (docs/CONTRACT.md 6).
 *
 *   timezone: Asia/Shanghai            # optional; --tz overrides
 *   calendar: cn                       # optional (extension); --calendar overrides
 *   categories:
 *     noise:         {arrive: 15m}
 *     indoor_repair: {resolve: {within: 7wd, agreed: true}}
 */
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "sla.h"
#include "stream.h"

const char *const sla_clock_name[SLA_NCLOCKS] = {"respond", "arrive", "resolve"};
const char *const sla_clock_done[SLA_NCLOCKS] = {"responded", "arrived", "resolved"};
const char *const sla_clock_field[SLA_NCLOCKS] = {"responded_at", "arrived_at", "resolved_at"};

const char sla_builtin_policy_yaml[] =
    "# pm-sla built-in policy: docs/RULES.md section 1 (社区化管理方案, lines 295-313, 419).\n"
    "# Start your own from it:  pm-sla --print-policy > policy.yaml; pm-sla --policy=policy.yaml\n"
    "# Clocks: respond (responded_at), arrive (arrived_at), resolve (resolved_at), all from created_at.\n"
    "# Durations: 15m minutes, 8h hours (from the exact moment); 2d calendar days, 7wd working days\n"
    "# (the start day is not counted; the period ends at 24:00 of the last day).\n"
    "# {within: 7wd, agreed: true}: the agreed_due_at of the ticket, but never later than 7wd.\n"
    "# pause: resolve clocks stop while a ticket is paused (its paused field), respond and arrive\n"
    "# clocks do not, unless the clock says otherwise: {within: 30m, pause: true}, {within: 3wd, pause: false}.\n"
    "# Rules that change: versions: [{effective_from: 2025-01-01, categories: {...}}, ...]\n"
    "timezone: Asia/Shanghai\n"
    "categories:\n"
    "  noise: {arrive: 15m}                      # 邻居装修异味/噪音、休息时间噪音\n"
    "  other_complaint: {arrive: 8h}             # 其他投诉\n"
    "  indoor_repair: {resolve: {within: 7wd, agreed: true}}  # 工程维修（户内）: as agreed, at most 7 working days\n"
    "  public_repair: {resolve: 3wd}             # 小区公共部分维修\n"
    "  door_window: {resolve: 2wd}               # 公共区域玻璃、门窗配件\n"
    "  lighting: {resolve: 2d}                   # 照明设施一般故障（灯头、灯泡、开关）\n"
    "  lighting_other: {resolve: 5wd}            # 照明其他故障\n"
    "  general_inquiry: {respond: 30m}           # 小区一般情况咨询\n"
    "  fee_inquiry: {respond: 30m}               # 物业收费项目和标准\n"
    "  external_service_inquiry: {respond: 30m}  # 管理中心以外的服务项目\n"
    "  other_dept_inquiry: {respond: 2wd}        # 其它部门的办事程序\n";

static int parse_duration(pm_conf *c, yaml_node_t *node, pm_duration *d, pm_error *err)
{
    const char *s = pm_conf_str(node);
    pm_error e;
    if (!s || !*s) {
        pm_conf_error(c, node, err, "a duration (15m, 8h, 2d, 7wd) is needed here");
        return -1;
    }
    pm_error_clear(&e);
    if (pm_duration_parse(s, strlen(s), d, &e) != 0) {
        pm_conf_error(c, node, err, "%s", e.msg);
        return -1;
    }
    if (d->n <= 0) {
        pm_conf_error(c, node, err, "duration '%s' must be positive", s);
        return -1;
    }
    if (d->kind != PM_DUR_SECONDS && d->n > 36600) {
        pm_conf_error(c, node, err, "duration '%s' is longer than 100 years", s);
        return -1;
    }
    return 0;
}

static int parse_clock(pm_conf *c, yaml_node_t *node, int clock, sla_clock *k, pm_error *err)
{
    k->present = 1;
    k->agreed = 0;
    k->pause = clock == SLA_RESOLVE;  /* an owner away excuses no late answer */
    if (pm_conf_is_scalar(node))
        return parse_duration(c, node, &k->within, err);
    if (!pm_conf_is_map(node)) {
        pm_conf_error(c, node, err, "a clock is a duration or {within: DURATION, agreed: true, pause: true}");
        return -1;
    }
    yaml_node_t *within = NULL;
    for (int i = 0; i < pm_conf_map_len(node); i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, node, i, &kn);
        yaml_node_t *v = pm_conf_map_value(c, node, i);
        if (key && strcmp(key, "within") == 0) {
            within = v;
        } else if (key && strcmp(key, "agreed") == 0) {
            int b = pm_conf_bool(v);
            if (b < 0) {
                pm_conf_error(c, v, err, "agreed must be true or false");
                return -1;
            }
            k->agreed = b;
        } else if (key && strcmp(key, "pause") == 0) {
            int b = pm_conf_bool(v);
            if (b < 0) {
                pm_conf_error(c, v, err, "pause must be true or false");
                return -1;
            }
            k->pause = b;
        } else {
            pm_conf_error(c, kn ? kn : node, err, "unknown key '%s' in a clock (within, agreed, pause)",
                          key ? key : "?");
            return -1;
        }
    }
    if (!within) {
        pm_conf_error(c, node, err, "a clock needs 'within: DURATION'");
        return -1;
    }
    return parse_duration(c, within, &k->within, err);
}

static int parse_category(pm_conf *c, const char *name, yaml_node_t *node, sla_category *cat,
                          pm_error *err)
{
    memset(cat, 0, sizeof *cat);
    cat->name = pm_xstrdup(name);
    cat->len = strlen(name);
    if (pm_conf_is_scalar(node) && (!pm_conf_str(node) || !*pm_conf_str(node)))
        return 0;  /* "category:" with nothing: known, no clock */
    if (!pm_conf_is_map(node)) {
        pm_conf_error(c, node, err, "category '%s': a mapping of clocks is needed "
                      "(respond, arrive, resolve)", name);
        return -1;
    }
    for (int i = 0; i < pm_conf_map_len(node); i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, node, i, &kn);
        int k;
        for (k = 0; k < SLA_NCLOCKS; k++)
            if (key && strcmp(key, sla_clock_name[k]) == 0)
                break;
        if (k == SLA_NCLOCKS) {
            pm_conf_error(c, kn ? kn : node, err,
                          "unknown clock '%s' (respond, arrive, resolve)", key ? key : "?");
            return -1;
        }
        if (cat->clock[k].present) {
            pm_conf_error(c, kn ? kn : node, err, "clock '%s' given twice", key);
            return -1;
        }
        if (parse_clock(c, pm_conf_map_value(c, node, i), k, &cat->clock[k], err) != 0)
            return -1;
        cat->nclocks++;
    }
    return 0;
}

/* A calendar named in a policy file: a shipped name ("cn"), or a path,
 * relative to the policy file's folder. */
static char *calendar_ref(const char *value, const char *policy_path)
{
    if (!strchr(value, '/') && !strstr(value, ".yaml") && !strstr(value, ".yml"))
        return pm_xstrdup(value);
    if (value[0] == '/' || !policy_path)
        return pm_xstrdup(value);
    const char *slash = strrchr(policy_path, '/');
    if (!slash)
        return pm_xstrdup(value);
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, policy_path, (size_t)(slash - policy_path) + 1);
    pm_buf_adds(&b, value);
    return pm_buf_detach(&b);
}

/* The categories of one version. */
static int load_categories(pm_conf *c, yaml_node_t *cats, yaml_node_t *at, sla_version *v,
                           pm_error *err)
{
    if (!cats || !pm_conf_is_map(cats)) {
        pm_conf_error(c, cats ? cats : at, err, "'categories:' must map category keys to clocks");
        return -1;
    }
    int n = pm_conf_map_len(cats);
    v->cat = pm_xcalloc((size_t)(n > 0 ? n : 1), sizeof *v->cat);
    for (int i = 0; i < n; i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, cats, i, &kn);
        if (!key || !*key) {
            pm_conf_error(c, kn ? kn : cats, err, "a category key must be a non-empty text");
            return -1;
        }
        if (sla_version_find(v, key, strlen(key))) {
            pm_conf_error(c, kn ? kn : cats, err, "category '%s' given twice", key);
            return -1;
        }
        int r = parse_category(c, key, pm_conf_map_value(c, cats, i), &v->cat[v->ncat], err);
        v->ncat++;  /* freed by sla_policy_free either way */
        if (r != 0)
            return -1;
    }
    return 0;
}

/* versions: [{effective_from: DATE, categories: {...}}, ...], in order. */
static int load_versions(sla_policy *p, pm_conf *c, yaml_node_t *vers, pm_error *err)
{
    if (!pm_conf_is_seq(vers) || pm_conf_seq_len(vers) == 0) {
        pm_conf_error(c, vers, err, "'versions:' is a list of {effective_from: DATE, categories: {...}}");
        return -1;
    }
    int n = pm_conf_seq_len(vers);
    p->ver = pm_xcalloc((size_t)n, sizeof *p->ver);
    for (int i = 0; i < n; i++) {
        yaml_node_t *item = pm_conf_seq_item(c, vers, i);
        sla_version *v = &p->ver[p->nver++];
        yaml_node_t *cats = NULL, *from = NULL;
        if (!item || !pm_conf_is_map(item)) {
            pm_conf_error(c, item ? item : vers, err,
                          "a version is a mapping {effective_from: DATE, categories: {...}}");
            return -1;
        }
        v->line = pm_conf_line(item);
        for (int j = 0; j < pm_conf_map_len(item); j++) {
            yaml_node_t *kn;
            const char *key = pm_conf_map_key(c, item, j, &kn);
            if (key && strcmp(key, "effective_from") == 0) {
                from = pm_conf_map_value(c, item, j);
            } else if (key && strcmp(key, "categories") == 0) {
                cats = pm_conf_map_value(c, item, j);
            } else {
                pm_conf_error(c, kn ? kn : item, err,
                              "unknown key '%s' in a version (effective_from, categories)",
                              key ? key : "?");
                return -1;
            }
        }
        const char *fs = from ? pm_conf_str(from) : NULL;
        if (!fs || !*fs) {
            pm_conf_error(c, from ? from : item, err, "a version needs 'effective_from: YYYY-MM-DD'");
            return -1;
        }
        if (pm_day_parse(fs, strlen(fs), &v->from) != 0) {
            pm_conf_error(c, from, err, "effective_from: bad date '%s' (YYYY-MM-DD)", fs);
            return -1;
        }
        v->has_from = 1;
        v->line = pm_conf_line(from);
        if (i > 0 && v->from <= p->ver[i - 1].from) {
            char d1[16], d0[16];
            pm_day_format(v->from, d1);
            pm_day_format(p->ver[i - 1].from, d0);
            pm_conf_error(c, from, err,
                          "the version effective from %s %s the version effective from %s "
                          "(line %ld): versions must be in order, each from a later date",
                          d1, v->from == p->ver[i - 1].from ? "overlaps" : "comes after",
                          d0, p->ver[i - 1].line);
            return -1;
        }
        if (load_categories(c, cats, item, v, err) != 0)
            return -1;
    }
    return 0;
}

static int load(sla_policy *p, pm_conf *c, const char *path, pm_error *err)
{
    yaml_node_t *root = pm_conf_root(c);
    yaml_node_t *cats = NULL, *vers = NULL, *cats_key = NULL, *vers_key = NULL;
    if (!root) {
        pm_error_set(err, path ? path : "built-in policy", 0, "empty policy: 'categories:' is needed");
        return -1;
    }
    if (!pm_conf_is_map(root)) {
        pm_conf_error(c, root, err, "a policy is a mapping with 'categories:'");
        return -1;
    }
    for (int i = 0; i < pm_conf_map_len(root); i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, root, i, &kn);
        yaml_node_t *v = pm_conf_map_value(c, root, i);
        const char *s = pm_conf_str(v);
        if (key && strcmp(key, "categories") == 0) {
            cats = v;
            cats_key = kn;
        } else if (key && strcmp(key, "versions") == 0) {
            vers = v;
            vers_key = kn;
        } else if (key && (strcmp(key, "timezone") == 0 || strcmp(key, "calendar") == 0)) {
            if (!s || !*s) {
                pm_conf_error(c, v, err, "%s: a name is needed", key);
                return -1;
            }
            if (key[1] == 'i') {
                free(p->timezone);
                p->timezone = pm_xstrdup(s);
                p->timezone_line = pm_conf_line(v);
            } else {
                free(p->calendar);
                free(p->calendar_text);
                p->calendar = calendar_ref(s, path);
                p->calendar_text = pm_xstrdup(s);
                p->calendar_line = pm_conf_line(v);
            }
        } else {
            pm_conf_error(c, kn ? kn : root, err,
                          "unknown key '%s' (timezone, calendar, categories, versions)",
                          key ? key : "?");
            return -1;
        }
    }
    int r;
    if (vers && cats) {
        pm_conf_error(c, pm_conf_line(cats_key) > pm_conf_line(vers_key) ? cats_key : vers_key, err,
                      "give either 'categories:' or 'versions:', not both");
        return -1;
    } else if (vers) {
        p->versioned = 1;
        r = load_versions(p, c, vers, err);
    } else {
        p->ver = pm_xcalloc(1, sizeof *p->ver);
        p->nver = 1;
        r = load_categories(c, cats, root, &p->ver[0], err);
    }
    if (p->nver) {
        p->cat = p->ver[0].cat;
        p->ncat = p->ver[0].ncat;
    }
    return r;
}

int sla_policy_load(sla_policy *p, const char *path, pm_error *err)
{
    pm_conf c;
    int r;
    memset(p, 0, sizeof *p);
    memset(&c, 0, sizeof c);
    if (path)
        r = pm_conf_load(&c, path, err);
    else
        r = pm_conf_load_string(&c, sla_builtin_policy_yaml, sizeof sla_builtin_policy_yaml - 1,
                                "built-in policy", err);
    if (r != 0)
        return -1;
    r = load(p, &c, path, err);
    pm_conf_free(&c);
    if (r != 0)
        sla_policy_free(p);
    return r;
}

void sla_policy_free(sla_policy *p)
{
    for (size_t v = 0; v < p->nver; v++) {
        for (size_t i = 0; i < p->ver[v].ncat; i++)
            free(p->ver[v].cat[i].name);
        free(p->ver[v].cat);
    }
    free(p->ver);
    free(p->timezone);
    free(p->calendar);
    free(p->calendar_text);
    memset(p, 0, sizeof *p);
}

const sla_category *sla_version_find(const sla_version *v, const char *name, size_t len)
{
    for (size_t i = 0; i < v->ncat; i++) {
        const sla_category *c = &v->cat[i];
        if (c->len == len && c->name[0] == name[0] && memcmp(c->name, name, len) == 0)
            return c;
    }
    return NULL;
}

const sla_category *sla_policy_find(const sla_policy *p, const char *name, size_t len)
{
    return p->nver ? sla_version_find(&p->ver[0], name, len) : NULL;
}

const sla_version *sla_policy_version(const sla_policy *p, pm_day day)
{
    size_t lo = 0, hi = p->nver;  /* the last version with from <= day */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (!p->ver[mid].has_from || p->ver[mid].from <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &p->ver[lo - 1] : NULL;
}

/* The categories of v, each on a line indented by ind. */
static void print_categories(pm_buf *out, const sla_version *v, const char *ind)
{
    char d[32];
    for (size_t i = 0; i < v->ncat; i++) {
        const sla_category *cat = &v->cat[i];
        int first = 1;
        pm_buf_adds(out, ind);
        size_t key = out->len;
        pm_yaml_key(out, cat->name, strlen(cat->name));
        /* an explicit key ("? ", a long name) has its value on the next line */
        if (out->s[key] == '?') {
            pm_buf_addc(out, '\n');
            pm_buf_adds(out, ind);
            pm_buf_adds(out, ": {");
        } else {
            pm_buf_adds(out, ": {");
        }
        for (int k = 0; k < SLA_NCLOCKS; k++) {
            const sla_clock *ck = &cat->clock[k];
            if (!ck->present)
                continue;
            size_t n = pm_duration_format(&ck->within, d);
            int pause_default = ck->pause == (k == SLA_RESOLVE);
            if (!first)
                pm_buf_adds(out, ", ");
            first = 0;
            pm_buf_adds(out, sla_clock_name[k]);
            pm_buf_adds(out, ": ");
            if (ck->agreed || !pause_default) {
                pm_buf_adds(out, "{within: ");
                pm_buf_add(out, d, n);
                if (ck->agreed)
                    pm_buf_adds(out, ", agreed: true");
                if (!pause_default)
                    pm_buf_adds(out, ck->pause ? ", pause: true" : ", pause: false");
                pm_buf_addc(out, '}');
            } else {
                pm_buf_add(out, d, n);
            }
        }
        pm_buf_adds(out, "}\n");
    }
}

void sla_policy_print(const sla_policy *p, pm_buf *out)
{
    pm_buf_adds(out, "# pause: resolve clocks stop while a ticket is paused, respond and arrive "
                     "clocks do not,\n# unless the clock says otherwise ({within: 30m, pause: true}).\n");
    if (p->timezone) {
        pm_buf_adds(out, "timezone: ");
        pm_yaml_quote(out, p->timezone, strlen(p->timezone));
        pm_buf_addc(out, '\n');
    }
    if (p->calendar_text) {
        /* as written: a relative path stays relative to the policy's folder */
        pm_buf_adds(out, "calendar: ");
        pm_yaml_quote(out, p->calendar_text, strlen(p->calendar_text));
        pm_buf_addc(out, '\n');
    }
    if (!p->versioned) {
        /* no categories: an empty mapping, which 'categories:' alone is not */
        pm_buf_adds(out, p->ncat ? "categories:\n" : "categories: {}\n");
        print_categories(out, &p->ver[0], "  ");
        return;
    }
    pm_buf_adds(out, "versions:\n");
    for (size_t v = 0; v < p->nver; v++) {
        char b[16];
        pm_day_format(p->ver[v].from, b);
        pm_buf_addf(out, "  - effective_from: %s\n", b);
        pm_buf_adds(out, p->ver[v].ncat ? "    categories:\n" : "    categories: {}\n");
        print_categories(out, &p->ver[v], "      ");
    }
}
