/* schema.c - loading schemas, matching headers, converting values. */
#include "schema.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "decimal.h"

/* The default schema: the ticket record of docs/CONTRACT.md section 4 with the
 * Chinese header aliases of section 5, and the names that property-service
 * and 12345-hotline systems export under.  Its enums say 'match: longest':
 * a value takes the canonical value whose patterns cover the most of it
 * (see schema.h), so a compound phrase (户内门窗, 楼道灯) beats the word it
 * contains (门窗, 楼道) wherever it is listed; on a tie the value listed
 * first wins. */
const char pm_ingest_default_schema[] =
    "# pm-ingest default schema: the canonical ticket record (pm-formats(5))\n"
    "fields:\n"
    "  - name: id\n"
    "    from: [id, 工单号, 单号, 编号, 工单编号, 工单编码, 报事单号, 事件编号, 受理编号, 流水号]\n"
    "    required: true\n"
    "    unique: true\n"
    "  - name: kind\n"
    "    from: [kind, 工单类型, 性质, 工单性质, 诉求类型, 来电类型, 业务类型]\n"
    "    type: enum\n"
    "    match: longest\n"
    "    values:\n"
    "      complaint: ['投诉|举报']\n"
    "      consultation: ['咨询']\n"
    "      repair: ['报修|维修']\n"
    "  - name: category\n"
    "    from: [category, 类别, 问题类型, 报事类型, 问题分类, 工单类别, 报事类别, 服务类别, 事项分类, 诉求分类]\n"
    "    type: enum\n"
    "    match: longest\n"
    "    values:\n"
    "      noise: ['噪音|噪声|异味|吵']\n"
    "      door_window: ['公共区域(玻璃|门窗)|玻璃|门窗|单元门|门禁']\n"
    "      lighting_other: ['照明.*其[他它]|其[他它].*照明|照明线路']\n"
    "      lighting: ['楼道灯|路灯|庭院灯|灯不亮|灯泡|灯头|照明|灯']\n"
    "      indoor_repair: "
    "['(户内|室内|入户|家中|家里)(门窗|灯|照明)|户内|室内|入户|家中|家里|工程维修|水电维修|房屋维修']\n"
    "      public_repair: ['公共|公区|电梯|楼道|消防|管网|绿化|道路|围墙|外墙|屋面']\n"
    "      fee_inquiry: ['收费|费用|物业费|缴费|停车费']\n"
    "      external_service_inquiry: ['管理中心以外|中心以外|外部服务|有偿服务']\n"
    "      other_dept_inquiry: ['其他部门|其它部门|办事程序|办事流程']\n"
    "      general_inquiry: ['一般.*咨询|咨询']\n"
    "      other_complaint: ['其他投诉|其它投诉|投诉']\n"
    "  - name: major\n"
    "    from: [major, 重大, 是否重大, 重大投诉, 是否重大投诉]\n"
    "    type: bool\n"
    "  - name: unit\n"
    "    from: [unit, 房号, 房间号, 地址, 房屋编号, 房屋, 业主房号, 报事位置]\n"
    "    normalize:\n"
    "      - ['^(\\d+)(?:栋|幢|号楼)-?(\\d+)单元-?(\\d+)室?$', '$1-$2-$3']\n"
    "    personal: address\n"
    "  - name: created_at\n"
    "    from: [created_at, 受理时间, 创建时间, 报事时间, 登记时间, 来电时间, 报修时间, 提交时间, 下单时间]\n"
    "    type: timestamp\n"
    "    required: true\n"
    "    date_only: warn\n"
    "  - name: responded_at\n"
    "    from: [responded_at, 响应时间, 回复时间, 首次响应时间, 首次回复时间, 接单时间, 答复时间]\n"
    "    type: timestamp\n"
    "  - name: arrived_at\n"
    "    from: [arrived_at, 到场时间, 到达时间, 上门时间, 到达现场时间, 签到时间]\n"
    "    type: timestamp\n"
    "  - name: resolved_at\n"
    "    from: [resolved_at, 完成时间, 办结时间, 处理完成时间, 维修完成时间, 结单时间, 关单时间, 解决时间]\n"
    "    type: timestamp\n"
    "  - name: agreed_due_at\n"
    "    from: [agreed_due_at, 约定时间, 约定完成时间, 承诺完成时间, 预约完成时间, 要求完成时间, 期望完成时间]\n"
    "    type: timestamp\n"
    "    date_only: end\n"
    "  - name: callback_at\n"
    "    from: [callback_at, 回访时间, 回访日期, 回访完成时间, 电话回访时间, 满意度回访时间]\n"
    "    type: timestamp\n"
    "  - name: satisfaction\n"
    "    from: [satisfaction, 满意度, 回访结果, 满意度评价, 业主评价, 评价结果]\n"
    "    type: enum\n"
    "    match: longest\n"
    "    values:\n"
    "      unsatisfied: ['不满意']\n"
    "      neutral: ['基本满意|较满意|一般']\n"
    "      satisfied: ['满意']\n"
    "    unknown: empty\n"
    "  - name: assignee\n"
    "    from: [assignee, 处理人, 责任人, 维修人员, 维修工, 接单人, 处理人员]\n"
    "  - name: description\n"
    "    from: [description, 内容, 描述, 问题描述, 报事内容, 诉求内容, 工单内容, 详细描述]\n"
    "    personal: text\n"
    "# Columns that feed no field but hold personal data: --protect protects\n"
    "# them wherever they appear (the reject stream, --keep-extra).\n"
    "personal_columns:\n"
    "  - {name: owner, from: [业主, 业主姓名, 户主, 户主姓名, 姓名, 联系人, 报事人, 来电人], personal: name}\n"
    "  - {name: phone, from: [联系电话, 电话, 手机, 手机号, 手机号码, 来电号码, 联系方式], personal: phone}\n"
    "  - {name: id_card, from: [身份证, 身份证号, 证件号码], personal: id_card}\n"
    "  - {name: address, from: [详细地址, 住址, 家庭住址], personal: address}\n";

static void free_field(field_def *f)
{
    free(f->name);
    for (size_t i = 0; i < f->nfrom; i++) free(f->from[i]);
    free(f->from);
    for (size_t i = 0; i < f->nfrom_rx; i++) pm_regex_free(f->from_rx[i]);
    free(f->from_rx);
    free(f->def);
    pm_regex_free(f->pattern);
    for (size_t i = 0; i < f->nnormalize; i++) {
        pm_regex_free(f->normalize[i].rx);
        free(f->normalize[i].repl);
    }
    free(f->normalize);
    for (size_t i = 0; i < f->nvalues; i++) {
        free(f->values[i].value);
        for (size_t k = 0; k < f->values[i].npats; k++) pm_regex_free(f->values[i].pats[k]);
        free(f->values[i].pats);
    }
    free(f->values);
    free(f->personal);
}

void schema_free(schema *s)
{
    for (size_t i = 0; i < s->n; i++) free_field(&s->f[i]);
    free(s->f);
    for (size_t i = 0; i < s->npc; i++) free_field(&s->pc[i]);
    free(s->pc);
    free(s->source);
    memset(s, 0, sizeof *s);
}

static pm_regex *compile_at(pm_conf *c, yaml_node_t *n, const char *pat, unsigned flags, pm_error *err)
{
    pm_error e;
    pm_regex *rx = pm_regex_compile(pat, flags, &e);
    if (!rx) pm_conf_error(c, n, err, "%s", e.msg);
    return rx;
}

/* A scalar or a list of scalars: calls add(text, node) for each. */
static int each_string(pm_conf *c, yaml_node_t *n, const char *what, pm_error *err,
                       int (*add)(void *, const char *, yaml_node_t *, pm_error *), void *ctx)
{
    if (pm_conf_is_scalar(n)) return add(ctx, pm_conf_str(n), n, err);
    if (!pm_conf_is_seq(n)) {
        pm_conf_error(c, n, err, "%s must be a text or a list of texts", what);
        return -1;
    }
    for (int i = 0; i < pm_conf_seq_len(n); i++) {
        yaml_node_t *it = pm_conf_seq_item(c, n, i);
        if (!pm_conf_is_scalar(it)) {
            pm_conf_error(c, it, err, "%s must be a text or a list of texts", what);
            return -1;
        }
        if (add(ctx, pm_conf_str(it), it, err) < 0) return -1;
    }
    return 0;
}

typedef struct add_ctx {
    pm_conf *c;
    field_def *f;
    enum_value *ev;
} add_ctx;

static char *trim_dup(const char *s)
{
    size_t len = strlen(s);
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    return pm_xstrndup(s, len);
}

static int add_from(void *vctx, const char *s, yaml_node_t *n, pm_error *err)
{
    add_ctx *a = vctx;
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '/' && s[len - 1] == '/') {
        char *pat = pm_xstrndup(s + 1, len - 2);
        pm_regex *rx = compile_at(a->c, n, pat, PM_RX_CASELESS, err);
        free(pat);
        if (!rx) return -1;
        a->f->from_rx = pm_xrealloc(a->f->from_rx, (a->f->nfrom_rx + 1) * sizeof *a->f->from_rx);
        a->f->from_rx[a->f->nfrom_rx++] = rx;
    } else {
        a->f->from = pm_xrealloc(a->f->from, (a->f->nfrom + 1) * sizeof *a->f->from);
        a->f->from[a->f->nfrom++] = trim_dup(s);
    }
    return 0;
}

static int add_enum_pat(void *vctx, const char *s, yaml_node_t *n, pm_error *err)
{
    add_ctx *a = vctx;
    pm_regex *rx = compile_at(a->c, n, s, PM_RX_CASELESS, err);
    if (!rx) return -1;
    a->ev->pats = pm_xrealloc(a->ev->pats, (a->ev->npats + 1) * sizeof *a->ev->pats);
    a->ev->pats[a->ev->npats++] = rx;
    return 0;
}

static int parse_type(const char *t, ftype *out)
{
    static const char *const names[] = {"text", "int", "decimal", "bool", "timestamp", "enum"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(t, names[i])) {
            *out = (ftype)i;
            return 0;
        }
    return -1;
}

static int flag_at(pm_conf *c, yaml_node_t *map, const char *key, int *out, pm_error *err)
{
    yaml_node_t *n = pm_conf_get(c, map, key);
    if (!n) return 0;
    int b = pm_conf_bool(n);
    if (b < 0) {
        pm_conf_error(c, n, err, "%s must be true or false", key);
        return -1;
    }
    *out = b;
    return 0;
}

/* A key of a field whose value is one of a few words: the int it sets is
 * the word's place in words (a NULL place has no word). */
typedef struct choice {
    const char *key;
    int type; /* the only type of field it is for, or -1 */
    const char *words[3];
    size_t at; /* offsetof the int in field_def */
    const char *msg;
} choice;

static const choice choices[] = {
    {"prefer",
     -1,
     {NULL, "first"},
     offsetof(field_def, prefer_first),
     "prefer must be 'first' (when several columns match, the one whose name comes first in 'from' wins)"},
    {"unknown",
     FT_ENUM,
     {"reject", "empty"},
     offsetof(field_def, unknown_empty),
     "unknown must be 'empty' or 'reject', and only for type: enum"},
    {"match",
     FT_ENUM,
     {"first", "longest"},
     offsetof(field_def, match_longest),
     "match must be 'first' or 'longest', and only for type: enum"},
    {"date_only",
     FT_TIMESTAMP,
     {"start", "end", "warn"},
     offsetof(field_def, date_only), /* DATE_* */
     "date_only must be 'start', 'end' or 'warn', and only for type: timestamp"},
};

/* Sets f's int for ch from map n when n has the key: 0, or -1 with err at
 * a value that is none of the words or in a field of another type. */
static int choice_at(pm_conf *c, yaml_node_t *n, const choice *ch, field_def *f, pm_error *err)
{
    yaml_node_t *v = pm_conf_get(c, n, ch->key);
    if (!v) return 0;
    const char *u = pm_conf_str(v);
    int fits = u && (ch->type < 0 || f->type == (ftype)ch->type);
    for (int i = 0; fits && i < 3; i++)
        if (ch->words[i] && !strcmp(u, ch->words[i])) {
            *(int *)((char *)f + ch->at) = i;
            return 0;
        }
    pm_conf_error(c, v, err, "%s", ch->msg);
    return -1;
}

/* The values of field n: 0, or -1 with err at the first bad one. */
static int field_values(pm_conf *c, yaml_node_t *n, field_def *f, pm_error *err)
{
    yaml_node_t *name = pm_conf_get(c, n, "name");
    if (!name || !pm_conf_str(name) || !*pm_conf_str(name)) {
        pm_conf_error(c, n, err, "a field without a name");
        return -1;
    }
    f->name = pm_xstrdup(pm_conf_str(name));
    add_ctx a = {c, f, NULL};
    yaml_node_t *from = pm_conf_get(c, n, "from");
    if (from) {
        if (each_string(c, from, "from", err, add_from, &a) < 0) return -1;
    } else {
        add_from(&a, f->name, n, err);
    }
    yaml_node_t *type = pm_conf_get(c, n, "type");
    f->type = FT_TEXT;
    if (type && (!pm_conf_str(type) || parse_type(pm_conf_str(type), &f->type) < 0)) {
        pm_conf_error(c, type, err, "unknown type '%s' (text, int, decimal, bool, timestamp, enum)",
                      pm_conf_str(type) ? pm_conf_str(type) : "?");
        return -1;
    }
    if (flag_at(c, n, "required", &f->required, err) < 0) return -1;
    if (flag_at(c, n, "unique", &f->unique, err) < 0) return -1;
    yaml_node_t *def = pm_conf_get(c, n, "default");
    if (def) {
        if (!pm_conf_str(def)) {
            pm_conf_error(c, def, err, "default must be a text");
            return -1;
        }
        f->def = pm_xstrdup(pm_conf_str(def));
    }
    yaml_node_t *pat = pm_conf_get(c, n, "pattern");
    if (pat) {
        if (!pm_conf_str(pat)) {
            pm_conf_error(c, pat, err, "pattern must be a text");
            return -1;
        }
        if (!(f->pattern = compile_at(c, pat, pm_conf_str(pat), 0, err))) return -1;
    }
    yaml_node_t *norm = pm_conf_get(c, n, "normalize");
    if (norm) {
        if (!pm_conf_is_seq(norm)) {
            pm_conf_error(c, norm, err, "normalize must be a list of [pattern, replacement] pairs");
            return -1;
        }
        for (int i = 0; i < pm_conf_seq_len(norm); i++) {
            yaml_node_t *pair = pm_conf_seq_item(c, norm, i);
            yaml_node_t *p0 = pm_conf_is_seq(pair) && pm_conf_seq_len(pair) == 2 ? pm_conf_seq_item(c, pair, 0) : NULL;
            yaml_node_t *p1 = p0 ? pm_conf_seq_item(c, pair, 1) : NULL;
            if (!p0 || !pm_conf_str(p0) || !pm_conf_str(p1)) {
                pm_conf_error(c, pair, err, "each normalize entry must be [pattern, replacement]");
                return -1;
            }
            f->normalize = pm_xrealloc(f->normalize, (f->nnormalize + 1) * sizeof *f->normalize);
            rewrite *rw = &f->normalize[f->nnormalize];
            if (!(rw->rx = compile_at(c, p0, pm_conf_str(p0), 0, err))) return -1;
            rw->repl = pm_xstrdup(pm_conf_str(p1));
            f->nnormalize++;
        }
    }
    yaml_node_t *vals = pm_conf_get(c, n, "values");
    if (vals && f->type != FT_ENUM) {
        pm_conf_error(c, vals, err, "values is only for type: enum");
        return -1;
    }
    if (f->type == FT_ENUM) {
        if (!vals || !(pm_conf_is_map(vals) || pm_conf_is_seq(vals))) {
            pm_conf_error(c, vals ? vals : n, err,
                          "an enum needs values: a mapping from each canonical value to its patterns");
            return -1;
        }
        if (pm_conf_is_seq(vals)) { /* a plain list of canonical values */
            for (int i = 0; i < pm_conf_seq_len(vals); i++) {
                yaml_node_t *it = pm_conf_seq_item(c, vals, i);
                if (!pm_conf_str(it)) {
                    pm_conf_error(c, it, err, "enum values must be texts");
                    return -1;
                }
                f->values = pm_xrealloc(f->values, (f->nvalues + 1) * sizeof *f->values);
                enum_value *ev = &f->values[f->nvalues++];
                memset(ev, 0, sizeof *ev);
                ev->value = pm_xstrdup(pm_conf_str(it));
            }
        } else {
            for (int i = 0; i < pm_conf_map_len(vals); i++) {
                yaml_node_t *kn;
                const char *k = pm_conf_map_key(c, vals, i, &kn);
                yaml_node_t *v = pm_conf_map_value(c, vals, i);
                f->values = pm_xrealloc(f->values, (f->nvalues + 1) * sizeof *f->values);
                enum_value *ev = &f->values[f->nvalues++];
                memset(ev, 0, sizeof *ev);
                ev->value = pm_xstrdup(k ? k : "");
                a.ev = ev;
                if (v && !(pm_conf_is_scalar(v) && pm_conf_str(v)[0] == 0) &&
                    each_string(c, v, "enum patterns", err, add_enum_pat, &a) < 0)
                    return -1;
            }
        }
    }
    yaml_node_t *personal = pm_conf_get(c, n, "personal");
    if (personal) {
        static const char *const kinds[] = {"name", "phone", "id_card", "address", "text", NULL};
        const char *p = pm_conf_str(personal);
        int ok = 0;
        for (int j = 0; p && kinds[j]; j++)
            if (!strcmp(p, kinds[j])) ok = 1;
        if (!ok) {
            pm_conf_error(c, personal, err, "personal must be one of name, phone, id_card, address, text");
            return -1;
        }
        f->personal = pm_xstrdup(p);
    }
    for (size_t k = 0; k < sizeof choices / sizeof choices[0]; k++)
        if (choice_at(c, n, &choices[k], f, err) < 0) return -1;
    if (f->def && f->type != FT_TEXT) {
        pm_buf tmp = PM_BUF_INIT;
        pm_error e;
        pm_tz *utc = pm_tz_open("UTC", &e);
        int rc = schema_convert(f, f->def, strlen(f->def), utc, &tmp, &e);
        pm_tz_free(utc);
        pm_buf_free(&tmp);
        if (rc < 0) {
            pm_conf_error(c, def, err, "default of field '%s': %s", f->name, e.msg);
            return -1;
        }
    }
    return 0;
}

static const pm_conf_key field_keys[] = {
    {"name", 0, NULL},    {"from", 0, NULL},    {"type", 0, NULL},      {"required", 0, NULL}, {"unique", 0, NULL},
    {"default", 0, NULL}, {"pattern", 0, NULL}, {"normalize", 0, NULL}, {"values", 0, NULL},   {"personal", 0, NULL},
    {"prefer", 0, NULL},  {"unknown", 0, NULL}, {"date_only", 0, NULL}, {"match", 0, NULL},    {NULL, 0, NULL},
};

/* One field (of fields or personal_columns): notes its unknown keys and its
 * first bad value; -1 when there was any. */
static int load_field(pm_conf *c, yaml_node_t *n, field_def *f)
{
    if (!pm_conf_is_map(n)) {
        pm_conf_note(c, n, "each field must be a mapping with at least a name");
        return -1;
    }
    f->line = pm_conf_line(n);
    int before = c->nerrs;
    pm_conf_check(c, n, "a field", field_keys, NULL);
    pm_error err;
    if (field_values(c, n, f, &err) < 0) pm_conf_note_error(c, &err);
    return c->nerrs > before ? -1 : 0;
}

static const pm_conf_key schema_keys[] = {
    {"fields", 0, NULL},
    {"personal_columns", 0, NULL},
    {NULL, 0, NULL},
};

int schema_load(schema *s, const char *path, pm_errors *errs)
{
    memset(s, 0, sizeof *s);
    pm_conf c;
    pm_error err;
    int rc = path ? pm_conf_load(&c, path, &err)
                  : pm_conf_load_string(&c, pm_ingest_default_schema, strlen(pm_ingest_default_schema),
                                        "(built-in schema)", &err);
    if (rc < 0) {
        pm_errors_add(errs, &err);
        return -1;
    }
    c.errs = errs;
    s->source = pm_xstrdup(path ? path : "(built-in schema)");
    yaml_node_t *root = pm_conf_root(&c);
    if (pm_conf_is_map(root)) pm_conf_check(&c, root, "a schema", schema_keys, NULL);
    yaml_node_t *fields = root ? pm_conf_get(&c, root, "fields") : NULL;
    if (!fields || !pm_conf_is_seq(fields) || pm_conf_seq_len(fields) == 0) {
        if (root)
            pm_conf_note(&c, fields ? fields : root, "a schema needs 'fields:', a list of fields");
        else
            pm_conf_note_at(&c, 1, "a schema needs 'fields:', a list of fields");
    } else {
        int n = pm_conf_seq_len(fields);
        s->f = pm_xcalloc((size_t)n, sizeof *s->f);
        for (int i = 0; i < n; i++) {
            yaml_node_t *fn = pm_conf_seq_item(&c, fields, i);
            s->n++;
            if (load_field(&c, fn, &s->f[i]) < 0) continue;
            for (int j = 0; j < i; j++)
                if (s->f[j].name && !strcmp(s->f[j].name, s->f[i].name)) {
                    pm_conf_note(&c, fn, "field '%s' is defined twice", s->f[i].name);
                    break;
                }
        }
    }
    yaml_node_t *pcs = pm_conf_get(&c, root, "personal_columns");
    if (pcs && !pm_conf_is_seq(pcs)) {
        pm_conf_note(&c, pcs, "personal_columns must be a list of {name, from, personal}");
    } else if (pcs) {
        int np = pm_conf_seq_len(pcs);
        s->pc = pm_xcalloc((size_t)np + 1, sizeof *s->pc);
        for (int i = 0; i < np; i++) {
            yaml_node_t *pn = pm_conf_seq_item(&c, pcs, i);
            s->npc++;
            if (load_field(&c, pn, &s->pc[i]) == 0 && !s->pc[i].personal)
                pm_conf_note(&c, pn,
                             "an entry of personal_columns needs 'personal:' (name, phone, id_card, address, text)");
        }
    }
    rc = c.nerrs ? -1 : 0;
    pm_conf_free(&c);
    if (rc < 0) schema_free(s);
    return rc;
}

static int header_eq(const char *h, const char *alias)
{
    /* trimmed, case-insensitive */
    while (*h == ' ' || *h == '\t') h++;
    size_t len = strlen(h);
    while (len && (h[len - 1] == ' ' || h[len - 1] == '\t')) len--;
    return strlen(alias) == len && strncasecmp(h, alias, len) == 0;
}

int schema_from_exact(const field_def *f, const char *h)
{
    for (size_t a = 0; a < f->nfrom; a++)
        if (header_eq(h, f->from[a])) return (int)a;
    return -1;
}

int schema_from_pattern(const field_def *f, const char *h)
{
    for (size_t a = 0; a < f->nfrom_rx; a++) {
        pm_error e;
        if (pm_regex_match(f->from_rx[a], h, strlen(h), &e) == PM_RX_MATCH) return (int)a;
    }
    return -1;
}

void schema_set_date_order(schema *s, int order)
{
    for (size_t i = 0; i < s->n; i++) s->f[i].date_order = order;
}

void schema_map_columns(const schema *s, const pm_record *src, int *cols)
{
    char *taken = pm_xcalloc(src->n + 1, 1);
    for (size_t i = 0; i < s->n; i++) cols[i] = -1;
    /* exact names first, in each field's alias order */
    for (size_t i = 0; i < s->n; i++) {
        const field_def *f = &s->f[i];
        for (size_t a = 0; a < f->nfrom && cols[i] < 0; a++)
            for (size_t k = 0; k < src->n; k++)
                if (!taken[k] && header_eq(src->f[k].name, f->from[a])) {
                    cols[i] = (int)k;
                    taken[k] = 1;
                    break;
                }
    }
    /* then patterns */
    for (size_t i = 0; i < s->n; i++) {
        const field_def *f = &s->f[i];
        for (size_t a = 0; a < f->nfrom_rx && cols[i] < 0; a++)
            for (size_t k = 0; k < src->n; k++) {
                pm_error e;
                const char *h = src->f[k].name;
                if (!taken[k] && pm_regex_match(f->from_rx[a], h, strlen(h), &e) == PM_RX_MATCH) {
                    cols[i] = (int)k;
                    taken[k] = 1;
                    break;
                }
            }
    }
    free(taken);
}

static int bool_word(const char *v, size_t len)
{
    static const char *const t[] = {"true", "yes", "y", "1", "是", NULL};
    static const char *const f[] = {"false", "no", "n", "0", "否", NULL};
    for (int i = 0; t[i]; i++)
        if (strlen(t[i]) == len && !strncasecmp(v, t[i], len)) return 1;
    for (int i = 0; f[i]; i++)
        if (strlen(f[i]) == len && !strncasecmp(v, f[i], len)) return 0;
    return -1;
}

/* 1 when v[0..len) is one of fd's canonical values. */
static int is_enum_value(const field_def *fd, const char *v, size_t len)
{
    for (size_t i = 0; i < fd->nvalues; i++) {
        const char *e = fd->values[i].value;
        if ((len ? e[0] == v[0] : !e[0]) && strlen(e) == len && !memcmp(e, v, len)) return 1;
    }
    return 0;
}

/* How a value is named in a message: quoted, or (hide) not at all. */
#define SHOWN_FMT           "%s%.*s%s"
#define SHOWN(hide, len, v) (hide) ? "the value" : "'", (hide) ? 0 : (int)(len), (v), (hide) ? "" : "'"

static int convert(const field_def *fd, const char *v, size_t len, int hide, const pm_tz *tz, pm_buf *out,
                   pm_error *err)
{
    pm_buf_reset(out);
    switch (fd->type) {
    case FT_TEXT: pm_buf_add(out, v, len); return 0;
    case FT_INT: {
        size_t i = 0;
        int neg = 0;
        if (i < len && (v[i] == '+' || v[i] == '-')) neg = v[i++] == '-';
        if (i == len) goto bad_int;
        int64_t x = 0;
        for (; i < len; i++) {
            if (v[i] < '0' || v[i] > '9') goto bad_int;
            if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, v[i] - '0', &x)) {
                pm_error_set(err, NULL, 0, SHOWN_FMT " is too large for an int", SHOWN(hide, len, v));
                return -1;
            }
        }
        pm_buf_addf(out, "%lld", (long long)(neg ? -x : x));
        return 0;
    bad_int:
        pm_error_set(err, NULL, 0, SHOWN_FMT " is not an integer", SHOWN(hide, len, v));
        return -1;
    }
    case FT_DECIMAL: {
        pm_decimal d;
        int rc = pm_decimal_parse(v, len, &d);
        if (rc != PM_DEC_OK) {
            pm_error_set(err, NULL, 0, SHOWN_FMT " is not a decimal number (%s)", SHOWN(hide, len, v),
                         pm_decimal_strerror(rc));
            return -1;
        }
        char buf[PM_DEC_BUFSZ];
        pm_buf_add(out, buf, pm_decimal_format(d, buf));
        return 0;
    }
    case FT_BOOL: {
        int b = bool_word(v, len);
        if (b < 0) {
            pm_error_set(err, NULL, 0, SHOWN_FMT " is not a yes/no value (true/false, yes/no, y/n, 1/0, 是/否)",
                         SHOWN(hide, len, v));
            return -1;
        }
        pm_buf_adds(out, b ? "true" : "false");
        return 0;
    }
    case FT_TIMESTAMP: {
        pm_time t;
        pm_error e;
        int date_only = 0;
        pm_time_why why = pm_time_scan(v, len, tz, fd->date_order, &t, &date_only);
        if (why != PM_TIME_OK && !hide) {
            pm_time_why_error(err, why, tz, v, len);
            return -1;
        }
        if (why != PM_TIME_OK) {
            /* the reason alone, which never contains the value */
            pm_time_why_error(&e, why, tz, NULL, 0);
            pm_error_set(err, NULL, 0, "the value is not a valid timestamp: %s", e.msg);
            return -1;
        }
        /* a bare date in a due-type field: the end of that day, 24:00,
         * written as 00:00 of the next (Civil Code art. 203) */
        if (date_only && fd->date_only == DATE_END) t = pm_tz_midnight(tz, pm_tz_day(tz, t) + 1);
        char buf[PM_TIME_BUFSZ];
        pm_buf_add(out, buf, pm_time_format(t, tz, buf));
        return date_only && fd->date_only == DATE_WARN ? SCHEMA_BARE_DATE : 0;
    }
    case FT_ENUM: {
        if (is_enum_value(fd, v, len)) {
            pm_buf_add(out, v, len);
            return 0;
        }
        /* the value whose patterns cover the most of the text; the first
         * listed on a tie.  Coverage: the bytes that removing every match
         * takes away. */
        size_t best_len = 0;
        const enum_value *best = NULL;
        for (size_t i = 0; i < fd->nvalues; i++)
            for (size_t k = 0; k < fd->values[i].npats; k++) {
                int m = pm_regex_match(fd->values[i].pats[k], v, len, err);
                if (m == PM_RX_ERROR) return -1;
                if (m != PM_RX_MATCH) continue;
                if (!fd->match_longest) { /* the first in file order */
                    pm_buf_reset(out);
                    pm_buf_adds(out, fd->values[i].value);
                    return 0;
                }
                pm_buf_reset(out);
                if (pm_regex_replace(fd->values[i].pats[k], v, len, "", out, err) < 0) return -1;
                size_t covered = len - out->len;
                if (!best || covered > best_len) {
                    best = &fd->values[i];
                    best_len = covered;
                }
            }
        pm_buf_reset(out);
        if (best) {
            pm_buf_adds(out, best->value);
            return 0;
        }
        if (fd->unknown_empty) return SCHEMA_UNKNOWN;
    }
        if (fd->def) {
            pm_buf_adds(out, fd->def);
            return 0;
        }
        pm_error_set(err, NULL, 0, SHOWN_FMT " is none of the values of %s", SHOWN(hide, len, v), fd->name);
        return -1;
    }
    return 0;
}

/* The number written with the two digits at p, or -1. */
static inline int two_digits(const char *p)
{
    unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');
    return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* 1 when v is a timestamp in the very form pm_time_format writes for tz
 * (2024-01-01T12:17:51+08:00 with the zone's own offset at that instant):
 * read and written again it would come out as the same bytes.  Everything
 * this accepts, pm_time_scan reads (years 0001-9999, no leap second, an
 * offset the zone has, so the local year is the year written). */
static int canonical_time(const char *v, size_t len, const pm_tz *tz)
{
    if (len != 25 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' ||
        (v[19] != '+' && v[19] != '-') || v[22] != ':')
        return 0;
    int c = two_digits(v), yy = two_digits(v + 2), m = two_digits(v + 5), d = two_digits(v + 8);
    int hh = two_digits(v + 11), mi = two_digits(v + 14), ss = two_digits(v + 17);
    int oh = two_digits(v + 20), om = two_digits(v + 23);
    int y = c * 100 + yy;
    if (c < 0 || yy < 0 || y < 1 || m < 1 || m > 12 || d < 1 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 ||
        ss > 59 || oh < 0 || oh > 14 || om < 0 || om > 59)
        return 0;
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if (d > mdays[m - 1] + (m == 2 && leap)) return 0;
    int32_t off = oh * 3600 + om * 60;
    if (off > 14 * 3600) return 0;
    if (v[19] == '-') {
        if (off == 0) return 0; /* written +00:00 */
        off = -off;
    }
    pm_time t = pm_day_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
    return pm_tz_offset(tz, t) == off;
}

/* 1 when v is an integer as convert writes it: no sign but a minus, no
 * leading zero, small enough not to overflow. */
static int canonical_int(const char *v, size_t len)
{
    size_t i = len && v[0] == '-';
    if (i == len || len - i > 18 || (v[i] == '0' && len > 1)) return 0;
    for (; i < len; i++)
        if ((unsigned)(v[i] - '0') > 9) return 0;
    return 1;
}

int schema_is_canonical(const field_def *fd, const char *v, size_t len, const pm_tz *tz)
{
    switch (fd->type) {
    case FT_TEXT: return 1;
    case FT_INT: return canonical_int(v, len);
    case FT_BOOL: return (len == 4 && !memcmp(v, "true", 4)) || (len == 5 && !memcmp(v, "false", 5));
    case FT_TIMESTAMP: return canonical_time(v, len, tz);
    case FT_ENUM: return is_enum_value(fd, v, len);
    case FT_DECIMAL: return 0; /* (converted every time) */
    }
    return 0;
}

int schema_convert(const field_def *fd, const char *v, size_t len, const pm_tz *tz, pm_buf *out, pm_error *err)
{
    return convert(fd, v, len, 0, tz, out, err);
}

int schema_convert_hidden(const field_def *fd, const char *v, size_t len, const pm_tz *tz, pm_buf *out, pm_error *err)
{
    return convert(fd, v, len, 1, tz, out, err);
}
