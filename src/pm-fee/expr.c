/* expr.c - arithmetic over a record's fields, for `base`, `quantity` and
 * `price`.
 *
 * Grammar (usual precedence; binary operators associate to the left):
 *     expr    := term (('+' | '-') term)*
 *     term    := unary (('*' | '/') unary)*
 *     unary   := ('-' | '+') unary | primary
 *     primary := NUMBER | NAME | '`' any name '`' | '(' expr ')'
 *     NUMBER  := digits ['.' digits]
 *     NAME    := a letter, '_' or any non-ASCII byte, then letters, digits,
 *                '_', '.' or non-ASCII bytes (so 面积 is a field name)
 * Sums, differences and products are exact; a quotient is rounded half_up
 * to FEE_DIV_SCALE digits.  Overflow and division by zero are statuses.
 */
#include "fee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *s, *p;
    char *msg;
    size_t msgsz;
    int failed;
    int nesting; /* brackets and signs open around the current point */
} parser;

static fee_expr *parse_expr(parser *ps);

static void skip_blanks(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

static void fail(parser *ps, const char *what)
{
    if (ps->failed) return;
    ps->failed = 1;
    if (*ps->p)
        snprintf(ps->msg, ps->msgsz, "%s at offset %d ('%.12s')", what, (int)(ps->p - ps->s), ps->p);
    else
        snprintf(ps->msg, ps->msgsz, "%s at the end", what);
}

static fee_expr *node(fee_exkind kind, fee_expr *l, fee_expr *r)
{
    fee_expr *e = pm_xcalloc(1, sizeof *e);
    e->kind = kind;
    e->field.slot = -1;
    e->l = l;
    e->r = r;
    e->depth = 1 + (l ? l->depth : 0);
    if (r && r->depth + 1 > e->depth) e->depth = r->depth + 1;
    return e;
}

#define PM_STR_(x) #x
#define PM_STR(x)  PM_STR_(x)

/* Evaluating, rendering and freeing recurse over the tree: a tree deeper
 * than FEE_EXPR_MAX_DEPTH is refused (e is freed). */
static int too_deep(parser *ps, fee_expr *e)
{
    if (e->depth <= FEE_EXPR_MAX_DEPTH) return 0;
    fail(ps, "expression too long (more than " PM_STR(FEE_EXPR_MAX_DEPTH) " operations deep)");
    fee_expr_free(e);
    return 1;
}

static int name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

/* Steps past a '(' or a sign, one level deeper (the caller closes it);
 * 0 with a message when that is too deep. */
static int open_nesting(parser *ps)
{
    if (ps->nesting >= FEE_EXPR_MAX_NESTING) {
        fail(ps, "expression nested too deeply (more than " PM_STR(FEE_EXPR_MAX_NESTING) " levels)");
        return 0;
    }
    ps->p++;
    ps->nesting++;
    return 1;
}

static fee_expr *parse_primary(parser *ps)
{
    skip_blanks(ps);
    unsigned char c = (unsigned char)*ps->p;
    if (c == '(') {
        if (!open_nesting(ps)) return NULL;
        fee_expr *e = parse_expr(ps);
        ps->nesting--;
        if (!e) return NULL;
        skip_blanks(ps);
        if (*ps->p != ')') {
            fail(ps, "missing ')'");
            fee_expr_free(e);
            return NULL;
        }
        ps->p++;
        return e;
    }
    if (c >= '0' && c <= '9') {
        const char *start = ps->p;
        while (*ps->p >= '0' && *ps->p <= '9') ps->p++;
        if (*ps->p == '.') {
            ps->p++;
            if (!(*ps->p >= '0' && *ps->p <= '9')) {
                fail(ps, "digits expected after '.'");
                return NULL;
            }
            while (*ps->p >= '0' && *ps->p <= '9') ps->p++;
        }
        fee_expr *e = node(FEE_EX_NUM, NULL, NULL);
        int st = pm_decimal_parse(start, (size_t)(ps->p - start), &e->num);
        if (st != PM_DEC_OK) {
            ps->p = start;
            fail(ps, st == PM_DEC_OVERFLOW ? "number too large" : "bad number");
            free(e);
            return NULL;
        }
        return e;
    }
    if (c == '`') {
        /* `any name`: a field whose name has blanks, operators or brackets */
        const char *start = ++ps->p, *end = strchr(start, '`');
        if (!end || end == start) {
            ps->p = start - 1;
            fail(ps, end ? "empty `name`" : "unterminated `name`");
            return NULL;
        }
        ps->p = end + 1;
        fee_expr *e = node(FEE_EX_FIELD, NULL, NULL);
        e->field.name = pm_xstrndup(start, (size_t)(end - start));
        return e;
    }
    if (name_start(c)) {
        const char *start = ps->p;
        while (name_char((unsigned char)*ps->p)) ps->p++;
        fee_expr *e = node(FEE_EX_FIELD, NULL, NULL);
        e->field.name = pm_xstrndup(start, (size_t)(ps->p - start));
        return e;
    }
    fail(ps, "a number, field name or '(' expected");
    return NULL;
}

static fee_expr *parse_unary(parser *ps)
{
    skip_blanks(ps);
    if (*ps->p == '-' || *ps->p == '+') {
        int neg = *ps->p == '-';
        if (!open_nesting(ps)) return NULL;
        fee_expr *e = parse_unary(ps);
        ps->nesting--;
        if (!e) return NULL;
        return neg ? node(FEE_EX_NEG, e, NULL) : e;
    }
    return parse_primary(ps);
}

/* The binary operators, weakest first; the operators of one level work
 * left to right. */
static const struct {
    char op[2];
    fee_exkind kind[2];
} levels[] = {{{'+', '-'}, {FEE_EX_ADD, FEE_EX_SUB}}, {{'*', '/'}, {FEE_EX_MUL, FEE_EX_DIV}}};
enum { NLEVELS = sizeof levels / sizeof levels[0] };

/* An expression of operators of that level or stronger; NLEVELS: a unary
 * one. */
static fee_expr *parse_level(parser *ps, int level)
{
    if (level == NLEVELS) return parse_unary(ps);
    fee_expr *l = parse_level(ps, level + 1);
    while (l) {
        skip_blanks(ps);
        char op = *ps->p;
        int k = op == levels[level].op[0] ? 0 : op == levels[level].op[1] ? 1 : -1;
        if (k < 0) break;
        ps->p++;
        fee_expr *r = parse_level(ps, level + 1);
        if (!r) {
            fee_expr_free(l);
            return NULL;
        }
        l = node(levels[level].kind[k], l, r);
        if (too_deep(ps, l)) return NULL;
    }
    return l;
}

static fee_expr *parse_expr(parser *ps)
{
    return parse_level(ps, 0);
}

fee_expr *fee_expr_parse(const char *text, char *msg, size_t msgsz)
{
    parser ps = {text, text, msg, msgsz, 0, 0};
    fee_expr *e = parse_expr(&ps);
    if (e) {
        skip_blanks(&ps);
        if (*ps.p) {
            fail(&ps, *ps.p == ')' ? "unmatched ')'" : "operator expected");
            fee_expr_free(e);
            e = NULL;
        }
    }
    return e;
}

void fee_expr_free(fee_expr *e)
{
    if (!e) return;
    fee_expr_free(e->l);
    fee_expr_free(e->r);
    if (e->kind == FEE_EX_FIELD) free((char *)e->field.name);
    free(e);
}

int fee_expr_is_simple(const fee_expr *e)
{
    return e->kind == FEE_EX_NUM || e->kind == FEE_EX_FIELD;
}

/* The value of a field as a decimal. */
static int field_value(const fee_expr *e, const int *pos, const pm_record *rec, pm_decimal *out, const char **field)
{
    size_t len;
    const char *v = fee_field(rec, pos, &e->field, &len);
    if (!v || len == 0) {
        *field = e->field.name;
        return FEE_EVAL_NOVALUE;
    }
    int st = pm_decimal_parse(v, len, out);
    if (st != PM_DEC_OK) {
        *field = e->field.name;
        return st == PM_DEC_OVERFLOW ? PM_DEC_OVERFLOW : FEE_EVAL_NOTNUM;
    }
    return PM_DEC_OK;
}

int fee_expr_eval_at(const fee_expr *e, const int *pos, const pm_record *rec, pm_decimal *out, const char **field)
{
    pm_decimal a, b;
    int st;
    switch (e->kind) {
    case FEE_EX_NUM: *out = e->num; return PM_DEC_OK;
    case FEE_EX_FIELD: return field_value(e, pos, rec, out, field);
    case FEE_EX_NEG:
        if ((st = fee_expr_eval_at(e->l, pos, rec, &a, field)) != PM_DEC_OK) return st;
        *out = pm_decimal_neg(a);
        return PM_DEC_OK;
    default: break;
    }
    if ((st = fee_expr_eval_at(e->l, pos, rec, &a, field)) != PM_DEC_OK) return st;
    if ((st = fee_expr_eval_at(e->r, pos, rec, &b, field)) != PM_DEC_OK) return st;
    switch (e->kind) {
    case FEE_EX_ADD: return pm_decimal_add(a, b, out);
    case FEE_EX_SUB: return pm_decimal_sub(a, b, out);
    case FEE_EX_MUL: return pm_decimal_mul(a, b, out);
    case FEE_EX_DIV:
        st = pm_decimal_div(a, b, FEE_DIV_SCALE, PM_ROUND_HALF_UP, out);
        if (st == PM_DEC_OK) *out = pm_decimal_normalize(*out, 0);
        return st;
    default: return PM_DEC_SYNTAX;
    }
}

int fee_expr_eval(const fee_expr *e, const pm_record *rec, pm_decimal *out, const char **field)
{
    return fee_expr_eval_at(e, NULL, rec, out, field);
}

void fee_expr_each_field(fee_expr *e, void (*fn)(fee_fieldref *ref, void *ctx), void *ctx)
{
    if (!e) return;
    if (e->kind == FEE_EX_FIELD) fn(&e->field, ctx);
    fee_expr_each_field(e->l, fn, ctx);
    fee_expr_each_field(e->r, fn, ctx);
}

/* Binding strength, for putting back only the parentheses that matter. */
static int prec(const fee_expr *e)
{
    switch (e->kind) {
    case FEE_EX_ADD:
    case FEE_EX_SUB: return 1;
    case FEE_EX_MUL:
    case FEE_EX_DIV: return 2;
    case FEE_EX_NEG: return 3;
    default: return 4;
    }
}

static void render(const fee_expr *e, const int *pos, const pm_record *rec, pm_buf *out, int values);

/* 1 when name reads back as a NAME without backquotes, and cannot be taken
 * for a product: the text writes multiplication as ' × ', so a field named
 * 面积×单价 is written `面积×单价`. */
static int plain_name(const char *name)
{
    if (!name_start((unsigned char)*name) || strstr(name, "\xc3\x97")) return 0;
    for (; *name; name++)
        if (!name_char((unsigned char)*name)) return 0;
    return 1;
}

static void render_child(const fee_expr *child, int need, const int *pos, const pm_record *rec, pm_buf *out, int values)
{
    int paren = prec(child) < need;
    if (paren) pm_buf_addc(out, '(');
    render(child, pos, rec, out, values);
    if (paren) pm_buf_addc(out, ')');
}

static void render(const fee_expr *e, const int *pos, const pm_record *rec, pm_buf *out, int values)
{
    char num[PM_DEC_BUFSZ];
    const char *op = NULL;
    switch (e->kind) {
    case FEE_EX_NUM:
        pm_decimal_format(e->num, num);
        pm_buf_adds(out, num);
        return;
    case FEE_EX_FIELD:
        if (values) {
            pm_decimal d;
            size_t len;
            const char *v = fee_field(rec, pos, &e->field, &len);
            if (v && pm_decimal_parse(v, len, &d) == PM_DEC_OK) {
                pm_decimal_format(d, num);
                /* a negative value inside an expression reads better bracketed */
                if (d.coef < 0)
                    pm_buf_addf(out, "(%s)", num);
                else
                    pm_buf_adds(out, num);
                return;
            }
        }
        if (plain_name(e->field.name))
            pm_buf_adds(out, e->field.name);
        else
            pm_buf_addf(out, "`%s`", e->field.name);
        return;
    case FEE_EX_NEG:
        pm_buf_addc(out, '-');
        render_child(e->l, 3, pos, rec, out, values);
        return;
    case FEE_EX_ADD: op = " + "; break;
    case FEE_EX_SUB: op = " - "; break;
    case FEE_EX_MUL: op = " × "; break;
    case FEE_EX_DIV: op = " / "; break;
    }
    int p = prec(e);
    render_child(e->l, p, pos, rec, out, values);
    pm_buf_adds(out, op);
    /* right operand of - and / needs brackets at equal strength: a - (b - c) */
    render_child(e->r, p + 1, pos, rec, out, values);
}

void fee_expr_render_at(const fee_expr *e, const int *pos, const pm_record *rec, pm_buf *out)
{
    render(e, pos, rec, out, 1);
}

void fee_expr_render(const fee_expr *e, const pm_record *rec, pm_buf *out)
{
    render(e, NULL, rec, out, 1);
}

void fee_expr_text(const fee_expr *e, pm_buf *out)
{
    render(e, NULL, NULL, out, 0);
}
