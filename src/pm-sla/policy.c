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
#include "text.h"

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

/* Every function below notes the errors it finds (pm_conf_note) and goes
 * on with the rest of the file; sla_policy_load fails at the end. */

static int parse_duration(pm_conf *c, yaml_node_t *node, pm_duration *d)
{
    const char *s = pm_conf_str(node);
    pm_error e;
    if (!s || !*s) {
        pm_conf_note(c, node, "a duration (15m, 8h, 2d, 7wd) is needed here");
        return -1;
    }
    pm_error_clear(&e);
    if (pm_duration_parse(s, strlen(s), d, &e) != 0) {
        pm_conf_note(c, node, "%s", e.msg);
        return -1;
    }
    if (d->n <= 0) {
        pm_conf_note(c, node, "duration '%s' must be positive", s);
        return -1;
    }
    if (d->kind != PM_DUR_SECONDS && d->n > 36600) {
        pm_conf_note(c, node, "duration '%s' is longer than 100 years", s);
        return -1;
    }
    return 0;
}

enum { CLOCK_WITHIN, CLOCK_AGREED, CLOCK_PAUSE };
static const pm_conf_key clock_keys[] = {
    [CLOCK_WITHIN] = {"within", PM_CONF_SCALAR | PM_CONF_REQUIRED, "a duration (15m, 8h, 2d, 7wd)"},
    [CLOCK_AGREED] = {"agreed", PM_CONF_SCALAR, "true or false"},
    [CLOCK_PAUSE] = {"pause", PM_CONF_SCALAR, "true or false"},
    {NULL, 0, NULL},
};

static void parse_clock(pm_conf *c, yaml_node_t *node, int clock, sla_clock *k)
{
    k->present = 1;
    k->agreed = 0;
    k->pause = clock == SLA_RESOLVE; /* an owner away excuses no late answer */
    if (pm_conf_is_scalar(node)) {
        parse_duration(c, node, &k->within);
        return;
    }
    yaml_node_t *v[PM_CONF_NKEYS(clock_keys)];
    pm_conf_check(c, node, "a clock", clock_keys, v);
    if (v[CLOCK_AGREED]) {
        int b = pm_conf_bool(v[CLOCK_AGREED]);
        if (b < 0) pm_conf_note(c, v[CLOCK_AGREED], "agreed must be true or false");
        k->agreed = b > 0;
    }
    if (v[CLOCK_PAUSE]) {
        int b = pm_conf_bool(v[CLOCK_PAUSE]);
        if (b < 0)
            pm_conf_note(c, v[CLOCK_PAUSE], "pause must be true or false");
        else
            k->pause = b;
    }
    if (v[CLOCK_WITHIN]) parse_duration(c, v[CLOCK_WITHIN], &k->within);
}

#define CLOCK_WHAT "a duration or {within: DURATION, agreed: true, pause: true}"
/* The clocks of a category, in the order of sla_clock_name. */
static const pm_conf_key category_keys[] = {
    [SLA_RESPOND] = {"respond", PM_CONF_SCALAR | PM_CONF_MAP, CLOCK_WHAT},
    [SLA_ARRIVE] = {"arrive", PM_CONF_SCALAR | PM_CONF_MAP, CLOCK_WHAT},
    [SLA_RESOLVE] = {"resolve", PM_CONF_SCALAR | PM_CONF_MAP, CLOCK_WHAT},
    [SLA_NCLOCKS] = {NULL, 0, NULL},
};

static void parse_category(pm_conf *c, const char *name, yaml_node_t *node, sla_category *cat)
{
    memset(cat, 0, sizeof *cat);
    cat->name = pm_xstrdup(name);
    cat->len = strlen(name);
    if (pm_conf_is_scalar(node) && (!pm_conf_str(node) || !*pm_conf_str(node)))
        return; /* "category:" with nothing: known, no clock */
    if (!pm_conf_is_map(node)) {
        pm_conf_note(c, node,
                     "category '%s': a mapping of clocks is needed "
                     "(respond, arrive, resolve)",
                     name);
        return;
    }
    pm_buf section = PM_BUF_INIT;
    pm_buf_adds(&section, "category '");
    pm_text_printable(&section, name, strlen(name));
    pm_buf_addc(&section, '\'');
    yaml_node_t *v[PM_CONF_NKEYS(category_keys)];
    pm_conf_check(c, node, pm_buf_str(&section), category_keys, v);
    pm_buf_free(&section);
    for (int k = 0; k < SLA_NCLOCKS; k++)
        if (v[k]) {
            parse_clock(c, v[k], k, &cat->clock[k]);
            cat->nclocks++;
        }
}

/* A calendar named in a policy file: a shipped name ("cn"), or a path,
 * relative to the policy file's folder. */
static char *calendar_ref(const char *value, const char *policy_path)
{
    if (!strchr(value, '/') && !strstr(value, ".yaml") && !strstr(value, ".yml")) return pm_xstrdup(value);
    if (value[0] == '/' || !policy_path) return pm_xstrdup(value);
    const char *slash = strrchr(policy_path, '/');
    if (!slash) return pm_xstrdup(value);
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, policy_path, (size_t)(slash - policy_path) + 1);
    pm_buf_adds(&b, value);
    return pm_buf_detach(&b);
}

/* The categories of one version. */
static void load_categories(pm_conf *c, yaml_node_t *cats, yaml_node_t *at, sla_version *v)
{
    if (!cats || !pm_conf_is_map(cats)) {
        pm_conf_note(c, cats ? cats : at, "'categories:' must map category keys to clocks");
        return;
    }
    int n = pm_conf_map_len(cats);
    v->cat = pm_xcalloc((size_t)(n > 0 ? n : 1), sizeof *v->cat);
    for (int i = 0; i < n; i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(c, cats, i, &kn);
        if (!key || !*key) {
            pm_conf_note(c, kn ? kn : cats, "a category key must be a non-empty text");
            continue;
        }
        if (sla_version_find(v, key, strlen(key))) {
            pm_conf_note(c, kn ? kn : cats, "category '%s' given twice", key);
            continue;
        }
        parse_category(c, key, pm_conf_map_value(c, cats, i), &v->cat[v->ncat]);
        v->ncat++; /* freed by sla_policy_free either way */
    }
}

enum { VERSION_FROM, VERSION_CATEGORIES };
static const pm_conf_key version_keys[] = {
    [VERSION_FROM] = {"effective_from", PM_CONF_SCALAR | PM_CONF_REQUIRED, "a date YYYY-MM-DD"},
    [VERSION_CATEGORIES] = {"categories", 0, NULL}, /* load_categories says what it needs */
    {NULL, 0, NULL},
};

/* versions: [{effective_from: DATE, categories: {...}}, ...], in order. */
static void load_versions(sla_policy *p, pm_conf *c, yaml_node_t *vers)
{
    if (!pm_conf_is_seq(vers) || pm_conf_seq_len(vers) == 0) {
        pm_conf_note(c, vers, "'versions:' is a list of {effective_from: DATE, categories: {...}}");
        return;
    }
    int n = pm_conf_seq_len(vers);
    p->ver = pm_xcalloc((size_t)n, sizeof *p->ver);
    const sla_version *prev = NULL; /* the last version with a good date */
    for (int i = 0; i < n; i++) {
        yaml_node_t *item = pm_conf_seq_item(c, vers, i);
        sla_version *v = &p->ver[p->nver++];
        if (!item || !pm_conf_is_map(item)) {
            pm_conf_note(c, item ? item : vers, "a version is a mapping {effective_from: DATE, categories: {...}}");
            continue;
        }
        v->line = pm_conf_line(item);
        yaml_node_t *val[PM_CONF_NKEYS(version_keys)];
        pm_conf_check(c, item, "a version", version_keys, val);
        yaml_node_t *from = val[VERSION_FROM], *cats = val[VERSION_CATEGORIES];
        const char *fs = from ? pm_conf_str(from) : NULL;
        if (fs && pm_day_parse(fs, strlen(fs), &v->from) != 0) {
            pm_conf_note(c, from, "effective_from: bad date '%s' (YYYY-MM-DD)", fs);
        } else if (fs) {
            v->has_from = 1;
            v->line = pm_conf_line(from);
            if (prev && v->from <= prev->from) {
                char d1[16], d0[16];
                pm_day_format(v->from, d1);
                pm_day_format(prev->from, d0);
                pm_conf_note(c, from,
                             "the version effective from %s %s the version effective from %s "
                             "(line %ld): versions must be in order, each from a later date",
                             d1, v->from == prev->from ? "overlaps" : "comes after", d0, prev->line);
            }
            prev = v;
        }
        load_categories(c, cats, item, v);
    }
}

enum { TOP_TIMEZONE, TOP_CALENDAR, TOP_CATEGORIES, TOP_VERSIONS };
static const pm_conf_key policy_keys[] = {
    [TOP_TIMEZONE] = {"timezone", PM_CONF_SCALAR, "a name such as Asia/Shanghai"},
    [TOP_CALENDAR] = {"calendar", PM_CONF_SCALAR, "a calendar name or file"},
    [TOP_CATEGORIES] = {"categories", 0, NULL},
    [TOP_VERSIONS] = {"versions", 0, NULL},
    {NULL, 0, NULL},
};

static void load(sla_policy *p, pm_conf *c, const char *path)
{
    yaml_node_t *root = pm_conf_root(c);
    if (!root) {
        pm_conf_note(c, NULL, "empty policy: 'categories:' is needed");
        return;
    }
    if (!pm_conf_is_map(root)) {
        pm_conf_note(c, root, "a policy is a mapping with 'categories:'");
        return;
    }
    yaml_node_t *v[PM_CONF_NKEYS(policy_keys)];
    pm_conf_check(c, root, "the policy", policy_keys, v);
    for (int k = TOP_TIMEZONE; k <= TOP_CALENDAR; k++) {
        const char *s = pm_conf_str(v[k]);
        if (!s) continue;
        if (!*s) {
            pm_conf_note(c, v[k], "%s: a name is needed", policy_keys[k].name);
        } else if (k == TOP_TIMEZONE) {
            p->timezone = pm_xstrdup(s);
            p->timezone_line = pm_conf_line(v[k]);
        } else {
            p->calendar = calendar_ref(s, path);
            p->calendar_text = pm_xstrdup(s);
            p->calendar_line = pm_conf_line(v[k]);
        }
    }
    yaml_node_t *cats = v[TOP_CATEGORIES], *vers = v[TOP_VERSIONS];
    if (vers && cats) {
        yaml_node_t *later = NULL; /* the key given last */
        for (int i = 0; i < pm_conf_map_len(root); i++) {
            yaml_node_t *kn;
            const char *key = pm_conf_map_key(c, root, i, &kn);
            if (key && (!strcmp(key, "categories") || !strcmp(key, "versions"))) later = kn;
        }
        pm_conf_note(c, later, "give either 'categories:' or 'versions:', not both");
    } else if (vers) {
        p->versioned = 1;
        load_versions(p, c, vers);
    } else {
        p->ver = pm_xcalloc(1, sizeof *p->ver);
        p->nver = 1;
        load_categories(c, cats, root, &p->ver[0]);
    }
    if (p->nver) {
        p->cat = p->ver[0].cat;
        p->ncat = p->ver[0].ncat;
    }
}

int sla_policy_load(sla_policy *p, const char *path, pm_errors *errs)
{
    pm_conf c;
    pm_error err;
    int r;
    memset(p, 0, sizeof *p);
    memset(&c, 0, sizeof c);
    if (path)
        r = pm_conf_load(&c, path, &err);
    else
        r = pm_conf_load_string(&c, sla_builtin_policy_yaml, sizeof sla_builtin_policy_yaml - 1, "built-in policy",
                                &err);
    if (r != 0) {
        pm_errors_add(errs, &err);
        return -1;
    }
    c.errs = errs;
    load(p, &c, path);
    r = c.nerrs ? -1 : 0;
    pm_conf_free(&c);
    if (r != 0) sla_policy_free(p);
    return r;
}

void sla_policy_free(sla_policy *p)
{
    for (size_t v = 0; v < p->nver; v++) {
        for (size_t i = 0; i < p->ver[v].ncat; i++) free(p->ver[v].cat[i].name);
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
        if (c->len == len && c->name[0] == name[0] && memcmp(c->name, name, len) == 0) return c;
    }
    return NULL;
}

const sla_category *sla_policy_find(const sla_policy *p, const char *name, size_t len)
{
    return p->nver ? sla_version_find(&p->ver[0], name, len) : NULL;
}

const sla_version *sla_policy_version(const sla_policy *p, pm_day day)
{
    size_t lo = 0, hi = p->nver; /* the last version with from <= day */
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
            if (!ck->present) continue;
            size_t n = pm_duration_format(&ck->within, d);
            int pause_default = ck->pause == (k == SLA_RESOLVE);
            if (!first) pm_buf_adds(out, ", ");
            first = 0;
            pm_buf_adds(out, sla_clock_name[k]);
            pm_buf_adds(out, ": ");
            if (ck->agreed || !pause_default) {
                pm_buf_adds(out, "{within: ");
                pm_buf_add(out, d, n);
                if (ck->agreed) pm_buf_adds(out, ", agreed: true");
                if (!pause_default) pm_buf_adds(out, ck->pause ? ", pause: true" : ", pause: false");
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
