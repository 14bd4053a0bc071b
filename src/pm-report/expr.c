/* expr.c - the condition language of --where and of count(...)/rate(...):
 *
 *   cond  := or
 *   or    := and (("or" | "||") and)*
 *   and   := unary (("and" | "&&") unary)*
 *   unary := ("not" | "!") unary | "(" cond ")" | pred
 *   pred  := FIELD OP VALUE            OP: = == != < <= > >=
 *          | FIELD ["not"] "in" "(" VALUE ("," VALUE)* ")"
 *          | FIELD ("~" | "!~") /REGEX/[i]
 *          | FIELD "is" ["not"] "empty"
 *
 * FIELD and VALUE are bare words (no blanks, none of = ! < > ~ ( ) , ; & |
 * ' ") or quoted with ' or ".  A value that reads as a decimal number is
 * compared as an exact decimal with values that read as numbers; one that
 * reads as a timestamp (docs/CONTRACT.md section 2, local in the report's zone) is
 * compared as an instant; anything else as text (bytes).  An empty value
 * never compares < <= > >= with anything; "F =" with nothing after it holds
 * when F is empty, as "F is empty" does.  Regular expressions are PCRE2
 * (lib/regex.h).
 */
#include <stdlib.h>
#include <string.h>
#include "regex.h"
#include "report.h"

typedef enum tok_kind { T_END = 0, T_WORD, T_STR, T_OP, T_LP, T_RP, T_COMMA, T_SEMI } tok_kind;

typedef struct lexer {
    const char *s, *p;
    tok_kind kind;
    char *text;     /* malloc'd word/string/op text */
    const char *at; /* start of the current token */
    const pm_tz *tz;
    pm_error *err;
    int failed;
} lexer;

static int word_char(char c)
{
    return c && !strchr(" \t\n\r=!<>~(),;&|'\"", c);
}

static void fail(lexer *lx, const char *fmt, const char *a)
{
    if (lx->failed) return;
    lx->failed = 1;
    char where[64];
    size_t off = (size_t)(lx->at - lx->s);
    snprintf(where, sizeof where, " (at character %zu)", off + 1);
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, fmt, a);
    pm_error_set(lx->err, NULL, 0, "bad condition '%s': %s%s", lx->s, pm_buf_str(&b), where);
    pm_buf_free(&b);
}

static void next(lexer *lx)
{
    free(lx->text);
    lx->text = NULL;
    while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r') lx->p++;
    lx->at = lx->p;
    char c = *lx->p;
    if (!c) {
        lx->kind = T_END;
        return;
    }
    if (c == '(' || c == ')' || c == ',' || c == ';') {
        lx->kind = c == '(' ? T_LP : c == ')' ? T_RP : c == ',' ? T_COMMA : T_SEMI;
        lx->p++;
        return;
    }
    if (c == '\'' || c == '"') {
        pm_buf b = PM_BUF_INIT;
        const char *q = lx->p + 1;
        while (*q && *q != c) {
            if (*q == '\\' && (q[1] == c || q[1] == '\\')) q++;
            pm_buf_addc(&b, *q++);
        }
        if (*q != c) {
            pm_buf_free(&b);
            lx->kind = T_END;
            fail(lx, "a quote is not closed%s", "");
            return;
        }
        lx->p = q + 1;
        lx->kind = T_STR;
        lx->text = pm_xstrdup(pm_buf_str(&b));
        pm_buf_free(&b);
        return;
    }
    static const char *const ops[] = {"==", "!=", "<=", ">=", "!~", "&&", "||", "=", "<", ">", "~", "!"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(lx->p, ops[i], n) == 0) {
            lx->kind = T_OP;
            lx->text = pm_xstrdup(ops[i]);
            lx->p += n;
            return;
        }
    }
    if (c == '&' || c == '|') {
        lx->kind = T_END;
        fail(lx, "'%c' alone is not an operator (and: &&, or: ||)", (char[]){c, 0});
        return;
    }
    const char *q = lx->p;
    while (word_char(*q)) q++;
    lx->kind = T_WORD;
    lx->text = pm_xstrndup(lx->p, (size_t)(q - lx->p));
    lx->p = q;
}

static int is_kw(const lexer *lx, const char *kw)
{
    return lx->kind == T_WORD && strcmp(lx->text, kw) == 0;
}

static int is_op(const lexer *lx, const char *op)
{
    return lx->kind == T_OP && strcmp(lx->text, op) == 0;
}

static rpt_expr *node(rpt_exop op)
{
    rpt_expr *e = pm_xcalloc(1, sizeof *e);
    e->op = op;
    e->f.cache = -1;
    return e;
}

/* Reads the constant of a comparison: decimal, instant or text. */
static void set_value(lexer *lx, rpt_expr *e, char *v)
{
    e->value = v;
    e->vlen = strlen(v);
    pm_error te;
    if (e->vlen && pm_decimal_parse(v, e->vlen, &e->dv) == PM_DEC_OK)
        e->vkind = RPT_V_DEC;
    else if (e->vlen && lx->tz && pm_time_parse(v, e->vlen, lx->tz, &e->tv, &te) == 0)
        e->vkind = RPT_V_TIME;
    else
        e->vkind = RPT_V_TEXT;
}

static rpt_expr *parse_or(lexer *lx);

static char *take_text(lexer *lx)
{
    char *t = lx->text;
    lx->text = NULL;
    next(lx);
    return t;
}

static rpt_expr *parse_pred(lexer *lx)
{
    if (lx->kind != T_WORD && lx->kind != T_STR) {
        if (lx->kind == T_END)
            fail(lx, "a condition is missing at the end%s", "");
        else
            fail(lx, "expected a field name, not '%s'", lx->text ? lx->text : lx->kind == T_RP ? ")" : ",");
        return NULL;
    }
    char *field = take_text(lx);
    rpt_expr *e = NULL;
    if (lx->kind == T_OP) {
        static const struct {
            const char *op;
            rpt_exop x;
        } cmps[] = {{"=", EX_EQ},  {"==", EX_EQ}, {"!=", EX_NE}, {"<", EX_LT},
                    {"<=", EX_LE}, {">", EX_GT},  {">=", EX_GE}};
        for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++)
            if (strcmp(lx->text, cmps[i].op) == 0) {
                e = node(cmps[i].x);
                next(lx);
                if (lx->kind == T_WORD || lx->kind == T_STR) {
                    set_value(lx, e, take_text(lx));
                } else if ((e->op == EX_EQ || e->op == EX_NE) &&
                           (lx->kind == T_END || lx->kind == T_RP || lx->kind == T_SEMI || is_kw(lx, "and") ||
                            is_kw(lx, "or"))) {
                    set_value(lx, e, pm_xstrdup("")); /* F= : F is empty */
                } else {
                    fail(lx, "expected a value after %s", cmps[i].op);
                }
                break;
            }
        if (!e && (is_op(lx, "~") || is_op(lx, "!~"))) {
            e = node(EX_RE);
            e->negate = is_op(lx, "!~");
            next(lx);
            /* the pattern: /.../ with optional i, or a quoted string */
            const char *q = lx->at;
            pm_buf b = PM_BUF_INIT;
            unsigned flags = 0;
            if (*q == '/') {
                q++;
                while (*q && *q != '/') {
                    if (*q == '\\' && q[1] == '/')
                        q++;
                    else if (*q == '\\' && q[1])
                        pm_buf_addc(&b, *q++);
                    pm_buf_addc(&b, *q++);
                }
                if (*q != '/') {
                    fail(lx, "the pattern is not closed with /%s", "");
                    pm_buf_free(&b);
                    free(field);
                    free(e);
                    return NULL;
                }
                q++;
                if (*q == 'i') {
                    flags = PM_RX_CASELESS;
                    e->vkind = 1;
                    q++;
                }
                lx->p = q;
                next(lx);
            } else if (lx->kind == T_STR || lx->kind == T_WORD) {
                pm_buf_adds(&b, lx->text);
                next(lx);
            } else {
                fail(lx, "expected /pattern/ after ~%s", "");
            }
            if (!lx->failed) {
                pm_error re;
                e->rx = pm_regex_compile(pm_buf_str(&b), flags, &re);
                if (!e->rx) fail(lx, "%s", re.msg);
            }
            e->value = pm_buf_detach(&b);
        } else if (!e) {
            fail(lx, "'%s' is not an operator here", lx->text);
        }
    } else if (is_kw(lx, "in") || is_kw(lx, "not")) {
        int neg = is_kw(lx, "not");
        next(lx);
        if (neg && !is_kw(lx, "in")) {
            fail(lx, "expected 'in' after 'not'%s", "");
        } else {
            if (neg) next(lx);
            e = node(EX_IN);
            e->negate = neg;
            if (lx->kind != T_LP)
                fail(lx, "expected ( after in%s", "");
            else
                next(lx);
            while (!lx->failed) {
                if (lx->kind != T_WORD && lx->kind != T_STR) {
                    fail(lx, "expected a value in the list%s", "");
                    break;
                }
                e->list = pm_xrealloc(e->list, sizeof *e->list * (size_t)(e->nlist + 2));
                rpt_expr *v = node(EX_EQ);
                set_value(lx, v, take_text(lx));
                e->list[e->nlist++] = v;
                if (lx->kind == T_COMMA) {
                    next(lx);
                    continue;
                }
                if (lx->kind == T_RP) {
                    next(lx);
                    break;
                }
                fail(lx, "expected , or ) in the list%s", "");
            }
        }
    } else if (is_kw(lx, "is")) {
        next(lx);
        e = node(EX_EMPTY);
        if (is_kw(lx, "not")) {
            e->negate = 1;
            next(lx);
        }
        if (!is_kw(lx, "empty"))
            fail(lx, "expected 'empty' after 'is'%s", "");
        else
            next(lx);
    } else {
        fail(lx,
             lx->kind == T_END ? "expected =, !=, <, <=, >, >=, in, ~ or 'is empty' after '%s'"
                               : "expected =, !=, <, <=, >, >=, in, ~ or 'is empty' after '%s'",
             field);
    }
    if (!e) {
        free(field);
        return NULL;
    }
    e->f.name = field;
    for (int i = 0; i < e->nlist; i++) e->list[i]->f = e->f;
    return e;
}

static rpt_expr *parse_unary(lexer *lx)
{
    if (is_kw(lx, "not") || is_op(lx, "!")) {
        next(lx);
        rpt_expr *e = node(EX_NOT);
        e->a = parse_unary(lx);
        return e;
    }
    if (lx->kind == T_LP) {
        next(lx);
        rpt_expr *e = parse_or(lx);
        if (lx->kind != T_RP)
            fail(lx, "expected )%s", "");
        else
            next(lx);
        return e;
    }
    return parse_pred(lx);
}

/* The binary operators, loosest first: or, then and (a or b and c is
 * a or (b and c)); both are left-associative. */
static const struct binop {
    const char *kw, *op;
    rpt_exop kind;
} binops[] = {{"or", "||", EX_OR}, {"and", "&&", EX_AND}};
#define NBINOPS ((int)(sizeof binops / sizeof binops[0]))

/* An expression of the operators binops[level] and tighter. */
static rpt_expr *parse_binary(lexer *lx, int level)
{
    if (level == NBINOPS) return parse_unary(lx);
    const struct binop *o = &binops[level];
    rpt_expr *e = parse_binary(lx, level + 1);
    while (!lx->failed && (is_kw(lx, o->kw) || is_op(lx, o->op))) {
        next(lx);
        rpt_expr *x = node(o->kind);
        x->a = e;
        x->b = parse_binary(lx, level + 1);
        e = x;
    }
    return e;
}

static rpt_expr *parse_or(lexer *lx)
{
    return parse_binary(lx, 0);
}

rpt_expr *rpt_expr_parse(const char *text, const pm_tz *tz, const char **rest, pm_error *err)
{
    lexer lx = {.s = text, .p = text, .tz = tz, .err = err};
    next(&lx);
    rpt_expr *e = lx.failed ? NULL : parse_or(&lx);
    if (!lx.failed && lx.kind != T_END && !(rest && lx.kind == T_SEMI))
        fail(&lx, "unexpected '%s'", lx.text ? lx.text : lx.kind == T_RP ? ")" : lx.kind == T_COMMA ? "," : ";");
    if (rest) *rest = lx.kind == T_SEMI ? lx.at + 1 : NULL;
    free(lx.text);
    if (lx.failed) {
        rpt_expr_free(e);
        return NULL;
    }
    return e;
}

void rpt_expr_free(rpt_expr *e)
{
    if (!e) return;
    rpt_expr_free(e->a);
    rpt_expr_free(e->b);
    for (int i = 0; i < e->nlist; i++) {
        free(e->list[i]->value);
        free(e->list[i]);
    }
    free(e->list);
    if (e->rx) pm_regex_free(e->rx);
    if (e->op >= EX_EQ) free((char *)e->f.name);
    free(e->value);
    free(e);
}

/* v (len bytes, not empty) against the constant of e: <0, 0, >0, or 2 when
 * they do not compare (a number against a word). */
static int compare(const rpt_expr *e, const char *v, size_t len, const pm_tz *tz)
{
    if (e->vkind == RPT_V_DEC) {
        pm_decimal d;
        if (pm_decimal_parse(v, len, &d) == PM_DEC_OK) return pm_decimal_cmp(d, e->dv);
    } else if (e->vkind == RPT_V_TIME) {
        pm_time t;
        pm_error te;
        if (pm_time_parse(v, len, tz, &t, &te) == 0) return t < e->tv ? -1 : t > e->tv;
    }
    if (e->op != EX_EQ && e->op != EX_NE && e->vkind != RPT_V_TEXT) return 2;
    size_t n = len < e->vlen ? len : e->vlen;
    int c = memcmp(v, e->value, n);
    if (c == 0) c = len < e->vlen ? -1 : len > e->vlen;
    return c < 0 ? -1 : c > 0;
}

static int eq_holds(const rpt_expr *e, const char *v, size_t len, const pm_tz *tz)
{
    if (e->vlen == 0 || len == 0) return e->vlen == 0 && len == 0;
    return compare(e, v, len, tz) == 0;
}

int rpt_expr_holds(rpt_expr *e, const pm_record *r, const pm_tz *tz)
{
    size_t len;
    const char *v;
    switch (e->op) {
    case EX_AND: return rpt_expr_holds(e->a, r, tz) && rpt_expr_holds(e->b, r, tz);
    case EX_OR: return rpt_expr_holds(e->a, r, tz) || rpt_expr_holds(e->b, r, tz);
    case EX_NOT: return !rpt_expr_holds(e->a, r, tz);
    default: break;
    }
    v = rpt_field_get(&e->f, r, &len);
    switch (e->op) {
    case EX_EQ: return eq_holds(e, v, len, tz);
    case EX_NE: return !eq_holds(e, v, len, tz);
    case EX_EMPTY: return (len == 0) != e->negate;
    case EX_IN: {
        int hit = 0;
        for (int i = 0; i < e->nlist && !hit; i++) hit = eq_holds(e->list[i], v, len, tz);
        return hit != e->negate;
    }
    case EX_RE: {
        pm_error err;
        int m = pm_regex_match(e->rx, v, len, &err);
        return (m == PM_RX_MATCH) != e->negate;
    }
    default: break;
    }
    if (len == 0 || e->vlen == 0) return 0;
    int c = compare(e, v, len, tz);
    if (c == 2) return 0;
    switch (e->op) {
    case EX_LT: return c < 0;
    case EX_LE: return c <= 0;
    case EX_GT: return c > 0;
    case EX_GE: return c >= 0;
    default: return 0;
    }
}

void rpt_expr_fields(rpt_expr *e, void (*fn)(rpt_expr *pred, void *ctx), void *ctx)
{
    if (!e) return;
    if (e->op == EX_AND || e->op == EX_OR || e->op == EX_NOT) {
        rpt_expr_fields(e->a, fn, ctx);
        rpt_expr_fields(e->b, fn, ctx);
        return;
    }
    fn(e, ctx);
}

void rpt_expr_forget(rpt_expr *e)
{
    if (!e) return;
    rpt_expr_forget(e->a);
    rpt_expr_forget(e->b);
    e->f.seen = NULL;
}

static void canon_value(pm_buf *b, const char *v)
{
    int plain = *v != '\0';
    for (const char *p = v; *p && plain; p++) plain = word_char(*p);
    if (plain && strcmp(v, "and") && strcmp(v, "or") && strcmp(v, "not") && strcmp(v, "in") && strcmp(v, "is")) {
        pm_buf_adds(b, v);
        return;
    }
    if (!*v) return;
    pm_buf_addc(b, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '\'' || *p == '\\') pm_buf_addc(b, '\\');
        pm_buf_addc(b, *p);
    }
    pm_buf_addc(b, '\'');
}

void rpt_expr_canon(const rpt_expr *e, pm_buf *b, int top)
{
    static const char *const opn[] = {"", "", "", "=", "!=", "<", "<=", ">", ">="};
    switch (e->op) {
    case EX_AND:
    case EX_OR:
        if (!top) pm_buf_addc(b, '(');
        rpt_expr_canon(e->a, b, e->a->op == e->op);
        pm_buf_adds(b, e->op == EX_AND ? " and " : " or ");
        rpt_expr_canon(e->b, b, e->b->op == e->op);
        if (!top) pm_buf_addc(b, ')');
        return;
    case EX_NOT:
        pm_buf_adds(b, "not ");
        rpt_expr_canon(e->a, b, 0);
        return;
    default: break;
    }
    canon_value(b, e->f.name);
    switch (e->op) {
    case EX_EMPTY: pm_buf_adds(b, e->negate ? " is not empty" : " is empty"); return;
    case EX_IN:
        pm_buf_adds(b, e->negate ? " not in (" : " in (");
        for (int i = 0; i < e->nlist; i++) {
            if (i) pm_buf_adds(b, ", ");
            canon_value(b, e->list[i]->value);
        }
        pm_buf_addc(b, ')');
        return;
    case EX_RE:
        pm_buf_adds(b, e->negate ? " !~ /" : " ~ /");
        pm_buf_adds(b, e->value);
        pm_buf_adds(b, e->vkind ? "/i" : "/");
        return;
    default:
        pm_buf_adds(b, opn[e->op]);
        canon_value(b, e->value);
        return;
    }
}
