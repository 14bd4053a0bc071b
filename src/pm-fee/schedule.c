/* schedule.c - reading and checking a fee schedule (docs/CONTRACT.md section 7).
 *
 * The whole schedule is checked before any input is read, so a typo is
 * reported as SCHEDULE:LINE and nothing is charged with half a schedule.
 * Unknown keys are errors for the same reason (`efective_from` must not
 * silently make a rule apply for ever): each section has a key table
 * (lib/conf.h).  Every error is noted and loading goes on with the next
 * value, rule or section, so that one run reports them all.  The SHA-256 of the file's bytes is
 * taken with nettle.
 */
#include "fee.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    fee_schedule *s;
    const char *rule; /* id of the rule being read, for messages */
    char prefix[200];
} loader;

/* "rule 'id': " while a rule is read, else "". */
static const char *in_rule(loader *ld)
{
    if (!ld->rule) return "";
    snprintf(ld->prefix, sizeof ld->prefix, "rule '%.150s': ", ld->rule);
    return ld->prefix;
}

/* Notes an error at node n ("SCHEDULE:LINE: ...") and yields -1. */
#define bad(ld, n, ...) (pm_conf_note(&(ld)->s->conf, (n), __VA_ARGS__), -1)

/* A scalar that must be a decimal number. */
static int decimal_at(loader *ld, yaml_node_t *n, const char *what, pm_decimal *out)
{
    const char *t = pm_conf_str(n);
    if (!t) return bad(ld, n, "%s%s must be a number", in_rule(ld), what);
    int st = pm_decimal_parse(t, strlen(t), out);
    if (st != PM_DEC_OK) return bad(ld, n, "%s%s: '%s' is not a decimal number", in_rule(ld), what, t);
    return 0;
}

/* A rule's min or max: a decimal number, kept rounded to the schedule's
 * scale like the amounts it bounds; *has set when it is. */
static int bound_at(loader *ld, yaml_node_t *n, const char *what, pm_decimal *out, int *has)
{
    if (decimal_at(ld, n, what, out) != 0) return -1;
    if (pm_decimal_round(*out, ld->s->scale, ld->s->rounding, out) != PM_DEC_OK)
        return bad(ld, n, "%s%s: too large", in_rule(ld), what);
    *has = 1;
    return 0;
}

/* A rule's key whose value is a name (group, account): a copy in *out, or
 * "rule 'id': must" noted. */
static int name_at(loader *ld, yaml_node_t *n, const fee_rule *r, const char *must, char **out)
{
    const char *t = pm_conf_str(n);
    if (!t || !*t) return bad(ld, n, "rule '%s': %s", r->id, must);
    *out = pm_xstrdup(t);
    return 0;
}

static int expr_at(loader *ld, yaml_node_t *n, const char *what, fee_expr **out)
{
    const char *t = pm_conf_str(n);
    char msg[256];
    if (!t || !*t) return bad(ld, n, "%s%s must be a field name, number or expression", in_rule(ld), what);
    *out = fee_expr_parse(t, msg, sizeof msg);
    if (!*out) return bad(ld, n, "%s%s: %s", in_rule(ld), what, msg);
    return 0;
}

static int date_at(loader *ld, yaml_node_t *n, const char *what, pm_day *out)
{
    const char *t = pm_conf_str(n);
    size_t len = t ? strlen(t) : 0;
    /* exactly YYYY-MM-DD: dates in a schedule are read by auditors */
    if (!t || len != 10 || t[4] != '-' || t[7] != '-' || pm_day_parse(t, len, out) != 0)
        return bad(ld, n, "%s%s: '%s' is not a date (YYYY-MM-DD)", in_rule(ld), what, t ? t : "");
    return 0;
}

static void note_when_field(fee_schedule *s, const char *name)
{
    for (int i = 0; i < s->nwhen_fields; i++)
        if (strcmp(s->when_fields[i].name, name) == 0) return;
    s->when_fields = pm_xrealloc(s->when_fields, (size_t)(s->nwhen_fields + 1) * sizeof *s->when_fields);
    s->when_fields[s->nwhen_fields].name = name;
    s->when_fields[s->nwhen_fields].slot = -1;
    s->nwhen_fields++;
}

/* One value of a `when` entry: text, or /PCRE2/ (with an optional trailing
 * i for caseless matching). */
static int when_value(loader *ld, yaml_node_t *n, fee_cond *c, int i)
{
    const char *t = pm_conf_str(n);
    if (!t)
        return bad(ld, n, "%swhen: the value of '%s' must be text, a list or /pattern/", in_rule(ld), c->field.name);
    size_t len = strlen(t);
    c->vals[i] = pm_xstrdup(t);
    c->lens[i] = len;
    c->rx[i] = NULL;
    if (len >= 2 && t[0] == '/') {
        unsigned flags = 0;
        size_t end = len - 1;
        if (t[end] == 'i' && end >= 2 && t[end - 1] == '/') {
            flags = PM_RX_CASELESS;
            end--;
        }
        if (t[end] == '/' && end >= 1) {
            char *pat = pm_xstrndup(t + 1, end - 1);
            pm_error rxerr;
            pm_error_clear(&rxerr);
            c->rx[i] = pm_regex_compile(pat, flags, &rxerr);
            free(pat);
            if (!c->rx[i]) return bad(ld, n, "%swhen: %s: %s", in_rule(ld), c->field.name, rxerr.msg);
        }
    }
    return 0;
}

static int load_when(loader *ld, yaml_node_t *n, fee_rule *r)
{
    pm_conf *cf = &ld->s->conf;
    if (!pm_conf_is_map(n)) return bad(ld, n, "rule '%s': when must be a mapping of field: value", r->id);
    int m = pm_conf_map_len(n), rc = 0;
    r->conds = pm_xcalloc((size_t)(m ? m : 1), sizeof *r->conds);
    for (int i = 0; i < m; i++) {
        yaml_node_t *kn;
        const char *key = pm_conf_map_key(cf, n, i, &kn);
        yaml_node_t *v = pm_conf_map_value(cf, n, i);
        if (!key || !*key) {
            rc = bad(ld, kn ? kn : n, "rule '%s': when: field names must be text", r->id);
            continue;
        }
        fee_cond *c = &r->conds[r->nconds++];
        c->field.name = key; /* lives in the schedule's document */
        note_when_field(ld->s, key);
        int nv = pm_conf_is_seq(v) ? pm_conf_seq_len(v) : 1;
        if (pm_conf_is_seq(v) && nv == 0) {
            rc = bad(ld, v, "rule '%s': when: empty list for '%s'", r->id, key);
            continue;
        }
        c->nvals = nv;
        c->vals = pm_xcalloc((size_t)nv, sizeof *c->vals);
        c->lens = pm_xcalloc((size_t)nv, sizeof *c->lens);
        c->rx = pm_xcalloc((size_t)nv, sizeof *c->rx);
        for (int j = 0; j < nv; j++) {
            yaml_node_t *item = pm_conf_is_seq(v) ? pm_conf_seq_item(cf, v, j) : v;
            if (when_value(ld, item, c, j) != 0) rc = -1;
        }
    }
    return rc;
}

/* The keys of a rule.  Their values are checked as they are read, with
 * messages that say what each one takes (description is for people: any
 * value). */
static const pm_conf_key rule_keys[] = {
    {"id", 0, NULL},
    {"when", 0, NULL},
    {"effective_from", 0, NULL},
    {"effective_to", 0, NULL},
    {"price", 0, NULL},
    {"quantity", 0, NULL},
    {"fixed", 0, NULL},
    {"percent", 0, NULL},
    {"base", 0, NULL},
    {"excess", 0, NULL},
    {"min", 0, NULL},
    {"max", 0, NULL},
    {"split", 0, NULL},
    {"description", 0, NULL},
    {"group", 0, NULL},
    {"allow_negative", 0, NULL},
    {"account", 0, NULL},
    {NULL, 0, NULL},
};

static const pm_conf_key excess_keys[] = {
    {"over", 0, NULL},
    {"price", 0, NULL},
    {"quantity", 0, NULL},
    {NULL, 0, NULL},
};

static const pm_conf_key split_keys[] = {{"parties", 0, NULL}, {"shares", 0, NULL}, {NULL, 0, NULL}};

/* "rule 'ID'" (or "a rule") and what follows, as a section of messages. */
static const char *section(loader *ld, const char *what, char *buf, size_t n)
{
    if (!ld->rule) return what ? what : "a rule";
    snprintf(buf, n, "%s%srule '%.150s'", what ? what : "", what ? " of " : "", ld->rule);
    return buf;
}

static int load_excess(loader *ld, yaml_node_t *n, fee_rule *r)
{
    pm_conf *cf = &ld->s->conf;
    if (!pm_conf_is_map(n)) return bad(ld, n, "rule '%s': excess must be a mapping {over, price, quantity}", r->id);
    char buf[200];
    int rc = pm_conf_check(cf, n, section(ld, "the excess", buf, sizeof buf), excess_keys, NULL) ? -1 : 0;
    yaml_node_t *over = pm_conf_get(cf, n, "over"), *price = pm_conf_get(cf, n, "price"),
                *qty = pm_conf_get(cf, n, "quantity");
    if (!over || !price || !qty) return bad(ld, n, "rule '%s': excess needs over, price and quantity", r->id);
    if (decimal_at(ld, over, "excess: over", &r->over) != 0) rc = -1;
    if (expr_at(ld, price, "excess: price", &r->price) != 0) rc = -1;
    if (expr_at(ld, qty, "excess: quantity", &r->quantity) != 0) rc = -1;
    return rc;
}

static int load_split(loader *ld, yaml_node_t *n, fee_rule *r)
{
    pm_conf *cf = &ld->s->conf;
    if (!pm_conf_is_map(n))
        return bad(ld, n, "rule '%s': split must be a mapping {parties: FIELD, shares: FIELD}", r->id);
    char buf[200];
    int rc = pm_conf_check(cf, n, section(ld, "the split", buf, sizeof buf), split_keys, NULL) ? -1 : 0;
    yaml_node_t *p = pm_conf_get(cf, n, "parties"), *sh = pm_conf_get(cf, n, "shares");
    const char *pt = p ? pm_conf_str(p) : NULL;
    if (!pt || !*pt) return bad(ld, p ? p : n, "rule '%s': split needs parties: FIELD", r->id);
    r->split = 1;
    r->parties.name = pt;
    if (sh) {
        const char *st = pm_conf_str(sh);
        if (!st || !*st) return bad(ld, sh, "rule '%s': split: shares must be a field name", r->id);
        r->has_shares = 1;
        r->shares.name = st;
    }
    return rc;
}

static int load_rule(loader *ld, yaml_node_t *n, fee_rule *r)
{
    pm_conf *cf = &ld->s->conf;
    r->line = pm_conf_line(n);
    if (!pm_conf_is_map(n)) return bad(ld, n, "a rule must be a mapping");
    yaml_node_t *id = pm_conf_get(cf, n, "id");
    const char *idt = id ? pm_conf_str(id) : NULL;
    if (idt && *idt) {
        r->id = pm_xstrdup(idt);
        ld->rule = r->id;
    }
    /* several rules with one id are versions: check_versions */
    char buf[200];
    int rc = pm_conf_check(cf, n, section(ld, NULL, buf, sizeof buf), rule_keys, NULL) ? -1 : 0;
    if (!r->id) return bad(ld, id ? id : n, "rule without an id");

    yaml_node_t *when = pm_conf_get(cf, n, "when");
    if (!when)
        rc = bad(ld, n, "rule '%s': no when (use when: {} to match every record)", r->id);
    else if (load_when(ld, when, r) != 0)
        rc = -1;

    yaml_node_t *v;
    if ((v = pm_conf_get(cf, n, "effective_from"))) {
        if (date_at(ld, v, "effective_from", &r->from) != 0) {
            rc = -1;
        } else {
            r->has_from = 1;
            snprintf(r->version, sizeof r->version, "%s", pm_conf_str(v));
        }
    }
    if ((v = pm_conf_get(cf, n, "effective_to"))) {
        if (date_at(ld, v, "effective_to", &r->to) != 0)
            rc = -1;
        else
            r->has_to = 1;
    }
    if (r->has_from && r->has_to && r->to < r->from)
        rc = bad(ld, v, "rule '%s': effective_to is before effective_from", r->id);

    yaml_node_t *price = pm_conf_get(cf, n, "price"), *fixed = pm_conf_get(cf, n, "fixed"),
                *percent = pm_conf_get(cf, n, "percent"), *excess = pm_conf_get(cf, n, "excess"),
                *qty = pm_conf_get(cf, n, "quantity"), *base = pm_conf_get(cf, n, "base");
    int kinds = !!price + !!fixed + !!percent + !!excess;
    if (qty && !price) rc = bad(ld, qty, "rule '%s': quantity goes with price%s", r->id, " (excess has its own)");
    if (base && !percent) rc = bad(ld, base, "rule '%s': base goes with percent", r->id);
    if (kinds != 1) {
        rc = bad(ld, n, "rule '%s': needs exactly one of price, fixed, percent, excess%s", r->id,
                 kinds ? " (has more than one)" : "");
    } else if (price) {
        r->kind = FEE_PRICE;
        if (expr_at(ld, price, "price", &r->price) != 0) rc = -1;
        if (qty && expr_at(ld, qty, "quantity", &r->quantity) != 0) rc = -1;
    } else if (fixed) {
        r->kind = FEE_FIXED;
        if (decimal_at(ld, fixed, "fixed", &r->fixed) != 0) rc = -1;
    } else if (percent) {
        r->kind = FEE_PERCENT;
        if (decimal_at(ld, percent, "percent", &r->percent) != 0) {
            rc = -1;
        } else {
            char t[PM_DEC_BUFSZ];
            pm_decimal_format(r->percent, t);
            r->percent_text = pm_xstrdup(t);
        }
        if (!base)
            rc = bad(ld, n, "rule '%s': percent needs a base (a field or an expression)", r->id);
        else if (expr_at(ld, base, "base", &r->base) != 0)
            rc = -1;
    } else {
        r->kind = FEE_EXCESS;
        if (load_excess(ld, excess, r) != 0) rc = -1;
    }

    if ((v = pm_conf_get(cf, n, "min")) && bound_at(ld, v, "min", &r->min, &r->has_min) != 0) rc = -1;
    if ((v = pm_conf_get(cf, n, "max")) && bound_at(ld, v, "max", &r->max, &r->has_max) != 0) rc = -1;
    if (r->has_min && r->has_max && pm_decimal_cmp(r->min, r->max) > 0)
        rc = bad(ld, v, "rule '%s': min is larger than max", r->id);
    if ((v = pm_conf_get(cf, n, "split")) && load_split(ld, v, r) != 0) rc = -1;
    if ((v = pm_conf_get(cf, n, "group")) && name_at(ld, v, r, "group must be a name", &r->group) != 0) rc = -1;
    if ((v = pm_conf_get(cf, n, "allow_negative"))) {
        int b = pm_conf_bool(v);
        if (b < 0)
            rc = bad(ld, v, "rule '%s': allow_negative must be true or false", r->id);
        else
            r->allow_negative = b;
    }
    if ((v = pm_conf_get(cf, n, "account")) &&
        name_at(ld, v, r, "account must be an account name such as income:property", &r->account) != 0)
        rc = -1;
    return rc;
}

/* "2024-07-01" or "the beginning" / "open-ended", for messages. */
static const char *day_text(int has, pm_day d, char *buf, size_t n, const char *none)
{
    char t[16];
    if (!has) return none;
    pm_day_format(d, t);
    snprintf(buf, n, "%s", t);
    return buf;
}

/* Rules sharing an id are versions of one rule: sorted by effective_from,
 * each must end the day before the next begins.  An overlap would charge a
 * record twice for one rule; a gap would leave it uncharged in between. */
static int check_versions(loader *ld)
{
    fee_schedule *s = ld->s;
    int *idx = pm_xcalloc((size_t)s->nrules, sizeof *idx);
    int rc = 0;
    for (int i = 0; i < s->nrules; i++) {
        int n = 0, seen = 0;
        for (int j = 0; j < i; j++) seen |= strcmp(s->rules[j].id, s->rules[i].id) == 0;
        if (seen) continue;
        for (int j = i; j < s->nrules; j++)
            if (strcmp(s->rules[j].id, s->rules[i].id) == 0) idx[n++] = j;
        if (n < 2) continue;
        /* insertion sort by start; no start sorts first */
        for (int a = 1; a < n; a++) {
            int x = idx[a], b = a;
            for (; b > 0; b--) {
                fee_rule *p = &s->rules[idx[b - 1]], *q = &s->rules[x];
                pm_day ps = p->has_from ? p->from : INT64_MIN, qs = q->has_from ? q->from : INT64_MIN;
                if (ps <= qs) break;
                idx[b] = idx[b - 1];
            }
            idx[b] = x;
        }
        for (int a = 1; a < n; a++) {
            fee_rule *p = &s->rules[idx[a - 1]], *q = &s->rules[idx[a]];
            fee_rule *later = p->line > q->line ? p : q, *earlier = p->line > q->line ? q : p;
            char b1[16], b2[16];
            const char *pto = day_text(p->has_to, p->to, b1, sizeof b1, "open-ended");
            const char *qfrom = day_text(q->has_from, q->from, b2, sizeof b2, "no effective_from");
            if (!p->has_to || !q->has_from || p->to >= q->from) {
                pm_conf_note_at(
                    &s->conf, later->line,
                    "rule '%s': the versions on lines %ld and %ld overlap (one runs to %s, the other starts %s); "
                    "give the earlier an effective_to the day before the later's effective_from",
                    p->id, earlier->line, later->line, pto, qfrom);
                rc = -1;
            } else if (p->to + 1 < q->from) {
                pm_conf_note_at(
                    &s->conf, later->line,
                    "rule '%s': gap between the versions on lines %ld and %ld (one ends %s, the next starts %s)", p->id,
                    earlier->line, later->line, pto, qfrom);
                rc = -1;
            }
        }
    }
    free(idx);
    return rc;
}

/* exclusive: [a, b] or [[a, b], [c, d]]: rules of one set never both apply
 * to a record. */
static int load_exclusive(loader *ld, yaml_node_t *v)
{
    fee_schedule *s = ld->s;
    pm_conf *cf = &s->conf;
    if (!pm_conf_is_seq(v) || pm_conf_seq_len(v) == 0)
        return bad(ld, v, "exclusive must be a list of rule ids, or a list of such lists");
    int nested = pm_conf_is_seq(pm_conf_seq_item(cf, v, 0));
    int nsets = nested ? pm_conf_seq_len(v) : 1;
    if (nsets > 64) return bad(ld, v, "exclusive: at most 64 sets");
    for (int k = 0; k < nsets; k++) {
        yaml_node_t *set = nested ? pm_conf_seq_item(cf, v, k) : v;
        if (!pm_conf_is_seq(set) || pm_conf_seq_len(set) < 2)
            return bad(ld, set, "exclusive: a set names at least two rule ids");
        for (int j = 0; j < pm_conf_seq_len(set); j++) {
            yaml_node_t *item = pm_conf_seq_item(cf, set, j);
            const char *t = pm_conf_str(item);
            int found = 0;
            for (int i = 0; t && i < s->nrules; i++)
                if (strcmp(s->rules[i].id, t) == 0) {
                    s->rules[i].exclusive |= 1ULL << k;
                    found = 1;
                }
            if (!found) return bad(ld, item, "exclusive: no rule '%s'", t ? t : "");
        }
    }
    return 0;
}

static const pm_conf_key account_keys[] = {
    {"receivable", 0, NULL},
    {"income", 0, NULL},
    {NULL, 0, NULL},
};

static int load_accounts(loader *ld, yaml_node_t *v)
{
    fee_schedule *s = ld->s;
    pm_conf *cf = &s->conf;
    if (!pm_conf_is_map(v)) return bad(ld, v, "accounts must be a mapping {receivable: ACCOUNT, income: ACCOUNT}");
    yaml_node_t *val[PM_CONF_NKEYS(account_keys)];
    int rc = pm_conf_check(cf, v, "accounts", account_keys, val) ? -1 : 0;
    for (size_t i = 0; i < PM_CONF_NKEYS(account_keys); i++) {
        if (!val[i]) continue;
        const char *t = pm_conf_str(val[i]);
        if (!t || !*t) {
            rc = bad(ld, val[i], "accounts: %s must be an account name", account_keys[i].name);
            continue;
        }
        char **dst = i == 0 ? &s->acct_receivable : &s->acct_income;
        free(*dst);
        *dst = pm_xstrdup(t);
    }
    return rc;
}

static const pm_conf_key top_keys[] = {
    {"currency", 0, NULL},    {"scale", 0, NULL},     {"rounding", 0, NULL}, {"rules", 0, NULL}, {"name", 0, NULL},
    {"description", 0, NULL}, {"exclusive", 0, NULL}, {"accounts", 0, NULL}, {NULL, 0, NULL},
};

static void load(loader *ld)
{
    fee_schedule *s = ld->s;
    pm_conf *cf = &s->conf;
    yaml_node_t *root = pm_conf_root(cf), *v;
    if (!root || !pm_conf_is_map(root)) {
        pm_conf_note_at(cf, root ? pm_conf_line(root) : 1,
                        "a schedule is a mapping with currency, scale, rounding and rules");
        return;
    }
    pm_conf_check(cf, root, "the schedule", top_keys, NULL);
    if ((v = pm_conf_get(cf, root, "currency"))) {
        const char *t = pm_conf_str(v);
        if (!t || !*t)
            pm_conf_note(cf, v, "currency must be a code such as CNY");
        else
            s->currency = pm_xstrdup(t);
    }
    s->scale = 2;
    if ((v = pm_conf_get(cf, root, "scale"))) {
        const char *t = pm_conf_str(v);
        char *end = NULL;
        long sc = t ? strtol(t, &end, 10) : -1;
        if (!t || !*t || *end || sc < 0 || sc > FEE_MAX_SCALE)
            pm_conf_note(cf, v, "scale must be a whole number from 0 to 18, not '%s'", t ? t : "");
        else
            s->scale = (int)sc;
    }
    s->rounding = PM_ROUND_HALF_UP;
    if ((v = pm_conf_get(cf, root, "rounding"))) {
        const char *t = pm_conf_str(v);
        int m = t ? pm_round_parse(t) : -1;
        if (m < 0)
            pm_conf_note(cf, v, "rounding must be half_up, half_even, down or up, not '%s'", t ? t : "");
        else
            s->rounding = (pm_round)m;
    }
    v = pm_conf_get(cf, root, "rules");
    int rules_ok = 0;
    if (!v || !pm_conf_is_seq(v) || pm_conf_seq_len(v) == 0) {
        pm_conf_note(cf, v ? v : root, "rules must be a non-empty list of rules");
    } else {
        int n = pm_conf_seq_len(v);
        rules_ok = 1;
        s->rules = pm_xcalloc((size_t)n, sizeof *s->rules);
        for (int i = 0; i < n; i++) {
            s->nrules = i + 1;
            if (load_rule(ld, pm_conf_seq_item(cf, v, i), &s->rules[i]) != 0) rules_ok = 0;
            ld->rule = NULL;
        }
    }
    /* versions and exclusive sets are about rules read whole */
    if (rules_ok && check_versions(ld) == 0 && (v = pm_conf_get(cf, root, "exclusive"))) load_exclusive(ld, v);
    if ((v = pm_conf_get(cf, root, "accounts"))) load_accounts(ld, v);
    if (!s->acct_receivable) s->acct_receivable = pm_xstrdup("assets:receivable");
    if (!s->acct_income) s->acct_income = pm_xstrdup("income");
}

/* Whether s is written into CSV or TSV as it is (the writer's test, made
 * once here for a rule's texts): no quote, comma or control byte (tab, CR,
 * LF among them), no leading byte-order mark. */
static int plain_text(const char *s)
{
    if ((unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf) return 0;
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || *s == '"' || *s == ',') return 0;
    return 1;
}

int fee_schedule_load(fee_schedule *s, const char *path, pm_errors *errs)
{
    pm_error err;
    memset(s, 0, sizeof *s);
    if (pm_conf_load(&s->conf, path, &err) != 0) {
        pm_errors_add(errs, &err);
        return -1;
    }
    s->conf.errs = errs;
    loader ld = {s, NULL, ""};
    load(&ld);
    s->conf.errs = NULL; /* errs is the caller's: the schedule keeps no pointer to it */
    if (s->conf.nerrs) {
        fee_schedule_free(s);
        return -1;
    }

    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    static const char hex[] = "0123456789abcdef";
    sha256_init(&ctx);
    sha256_update(&ctx, s->conf.nbytes, s->conf.bytes);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        s->sha256[2 * i] = hex[digest[i] >> 4];
        s->sha256[2 * i + 1] = hex[digest[i] & 15];
    }
    s->sha256[64] = '\0';
    for (int i = 0; i < s->nrules; i++) {
        fee_rule *r = &s->rules[i];
        if (r->price && r->price->kind == FEE_EX_NUM) r->price_len = pm_decimal_format(r->price->num, r->price_text);
        r->id_len = strlen(r->id);
        r->percent_len = r->percent_text ? strlen(r->percent_text) : 0;
        r->version_len = strlen(r->version);
        r->texts_plain = (plain_text(r->id) ? FEE_PLAIN_ID : 0) |
                         (!r->percent_text || plain_text(r->percent_text) ? FEE_PLAIN_PERCENT : 0) |
                         (plain_text(r->version) ? FEE_PLAIN_VERSION : 0);
        if (r->group || r->exclusive) s->any_exclusive = 1;
    }
    return 0;
}

void fee_schedule_free(fee_schedule *s)
{
    for (int i = 0; i < s->nrules; i++) {
        fee_rule *r = &s->rules[i];
        for (int j = 0; j < r->nconds; j++) {
            fee_cond *c = &r->conds[j];
            for (int k = 0; k < c->nvals; k++) {
                free(c->vals[k]);
                if (c->rx[k]) pm_regex_free(c->rx[k]);
            }
            free(c->vals);
            free(c->lens);
            free(c->rx);
        }
        free(r->conds);
        free(r->id);
        free(r->percent_text);
        free(r->group);
        free(r->account);
        fee_expr_free(r->price);
        fee_expr_free(r->quantity);
        fee_expr_free(r->base);
    }
    free(s->rules);
    free(s->when_fields);
    free(s->currency);
    free(s->acct_receivable);
    free(s->acct_income);
    pm_conf_free(&s->conf);
    memset(s, 0, sizeof *s);
}
