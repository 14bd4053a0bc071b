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

static int parse_clock(pm_conf *c, yaml_node_t *node, sla_clock *k, pm_error *err)
{
    k->present = 1;
    k->agreed = 0;
    if (pm_conf_is_scalar(node))
        return parse_duration(c, node, &k->within, err);
    if (!pm_conf_is_map(node)) {
        pm_conf_error(c, node, err, "a clock is a duration or {within: DURATION, agreed: true}");
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
        } else {
            pm_conf_error(c, kn ? kn : node, err, "unknown key '%s' in a clock (within, agreed)",
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
        if (parse_clock(c, pm_conf_map_value(c, node, i), &cat->clock[k], err) != 0)
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

static int load(sla_policy *p, pm_conf *c, const char *path, pm_error *err)
{
    yaml_node_t *root = pm_conf_root(c);
    yaml_node_t *cats = NULL;
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
                          "unknown key '%s' (timezone, calendar, categories)", key ? key : "?");
            return -1;
        }
    }
    if (!cats || !pm_conf_is_map(cats)) {
        pm_conf_error(c, cats ? cats : root, err, "'categories:' must map category keys to clocks");
        return -1;
    }
    int n = pm_conf_map_len(cats);
    p->cat = pm_xcalloc((size_t)(n > 0 ? n : 1), sizeof *p->cat);
    for (int i = 0; i < n; i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, cats, i, &kn);
        if (!key || !*key) {
            pm_conf_error(c, kn ? kn : cats, err, "a category key must be a non-empty text");
            return -1;
        }
        if (sla_policy_find(p, key, strlen(key))) {
            pm_conf_error(c, kn ? kn : cats, err, "category '%s' given twice", key);
            return -1;
        }
        int r = parse_category(c, key, pm_conf_map_value(c, cats, i), &p->cat[p->ncat], err);
        p->ncat++;  /* freed by sla_policy_free either way */
        if (r != 0)
            return -1;
    }
    return 0;
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
    for (size_t i = 0; i < p->ncat; i++)
        free(p->cat[i].name);
    free(p->cat);
    free(p->timezone);
    free(p->calendar);
    free(p->calendar_text);
    memset(p, 0, sizeof *p);
}

const sla_category *sla_policy_find(const sla_policy *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->ncat; i++) {
        const char *cn = p->cat[i].name;
        if (cn[0] == name[0] && strncmp(cn, name, len) == 0 && cn[len] == '\0')
            return &p->cat[i];
    }
    return NULL;
}

void sla_policy_print(const sla_policy *p, pm_buf *out)
{
    char d[32];
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
    /* no categories: an empty mapping, which 'categories:' alone is not */
    pm_buf_adds(out, p->ncat ? "categories:\n" : "categories: {}\n");
    for (size_t i = 0; i < p->ncat; i++) {
        const sla_category *cat = &p->cat[i];
        int first = 1;
        pm_buf_adds(out, "  ");
        size_t key = out->len;
        pm_yaml_key(out, cat->name, strlen(cat->name));
        /* an explicit key ("? ", a long name) has its value on the next line */
        pm_buf_adds(out, out->s[key] == '?' ? "\n  : {" : ": {");
        for (int k = 0; k < SLA_NCLOCKS; k++) {
            const sla_clock *ck = &cat->clock[k];
            if (!ck->present)
                continue;
            size_t n = pm_duration_format(&ck->within, d);
            if (!first)
                pm_buf_adds(out, ", ");
            first = 0;
            pm_buf_adds(out, sla_clock_name[k]);
            pm_buf_adds(out, ": ");
            if (ck->agreed) {
                pm_buf_adds(out, "{within: ");
                pm_buf_add(out, d, n);
                pm_buf_adds(out, ", agreed: true}");
            } else {
                pm_buf_add(out, d, n);
            }
        }
        pm_buf_adds(out, "}\n");
    }
}
