/* test_fee_logic.c - specification of pm-fee's own logic: the expression
 * parser and evaluator (src/pm-fee/expr.c) and the largest-remainder split
 * (src/pm-fee/split.c), tested directly.  The split is checked exhaustively
 * over small cases against a brute-force statement of its rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/pm-fee/fee.h"

/* ---- expressions ---------------------------------------------------------- */

static pm_record rec;

static void with_fields(void)
{
    pm_record_init(&rec);
    pm_record_set(&rec, "a", "2");
    pm_record_set(&rec, "b", "3");
    pm_record_set(&rec, "c", "4");
    pm_record_set(&rec, "zero", "0");
    pm_record_set(&rec, "面积", "89.37");
    pm_record_set(&rec, "empty", "");
    pm_record_set(&rec, "word", "x1");
    pm_record_set(&rec, "gross profit (yuan)", "10.5");
}

static void drop_fields(void)
{
    pm_record_free(&rec);
}

/* Evaluates text; returns the value formatted, or the status as text. */
static const char *eval_text(const char *text)
{
    static char out[PM_DEC_BUFSZ + 32];
    char msg[200];
    fee_expr *e = fee_expr_parse(text, msg, sizeof msg);
    cr_assert_not_null(e, "parse '%s': %s", text, msg);
    pm_decimal d;
    const char *field = NULL;
    int st = fee_expr_eval(e, &rec, &d, &field);
    if (st == PM_DEC_OK) pm_decimal_format(d, out);
    else snprintf(out, sizeof out, "status %d %s", st, field ? field : "");
    fee_expr_free(e);
    return out;
}

static const char *parse_error(const char *text)
{
    static char msg[200];
    fee_expr *e = fee_expr_parse(text, msg, sizeof msg);
    cr_assert_null(e, "'%s' should not parse", text);
    return msg;
}

static const char *rendered(const char *text, int values)
{
    static pm_buf b = PM_BUF_INIT;
    char msg[200];
    fee_expr *e = fee_expr_parse(text, msg, sizeof msg);
    cr_assert_not_null(e);
    pm_buf_reset(&b);
    if (values) fee_expr_render(e, &rec, &b);
    else fee_expr_text(e, &b);
    fee_expr_free(e);
    return pm_buf_str(&b);
}

TestSuite(fee_expr, .init = with_fields, .fini = drop_fields);

Test(fee_expr, multiplication_binds_tighter_than_addition)
{
    cr_assert_str_eq(eval_text("a + b * c"), "14");
    cr_assert_str_eq(eval_text("(a + b) * c"), "20");
}

Test(fee_expr, same_strength_works_left_to_right)
{
    cr_assert_str_eq(eval_text("a - b - c"), "-5");
    cr_assert_str_eq(eval_text("c / a / 2"), "1");
    cr_assert_str_eq(eval_text("a - (b - c)"), "3");
}

Test(fee_expr, unary_minus_binds_tightest)
{
    cr_assert_str_eq(eval_text("-a + b"), "1");
    cr_assert_str_eq(eval_text("-(a - b) * c"), "4");
    cr_assert_str_eq(eval_text("a * -b"), "-6");
    cr_assert_str_eq(eval_text("--a"), "2");
    cr_assert_str_eq(eval_text("+a"), "2");
}

Test(fee_expr, products_are_exact_and_keep_their_scale)
{
    cr_assert_str_eq(eval_text("面积 * 1.50"), "134.0550");
    cr_assert_str_eq(eval_text("0.1 + 0.2"), "0.3");
}

Test(fee_expr, backquotes_name_any_field)
{
    cr_assert_str_eq(eval_text("`gross profit (yuan)` - a"), "8.5");
    cr_assert_str_eq(parse_error("`gross"), "unterminated `name` at offset 0 ('`gross')");
    cr_assert_str_eq(parse_error("a + ``"), "empty `name` at offset 4 ('``')");
}

Test(fee_expr, division_is_rounded_half_up_to_18_places)
{
    cr_assert_str_eq(eval_text("1 / 3"), "0.333333333333333333");
    cr_assert_str_eq(eval_text("2 / 3"), "0.666666666666666667");
    cr_assert_str_eq(eval_text("-2 / 3"), "-0.666666666666666667");
    cr_assert_str_eq(eval_text("1 / 8"), "0.125");
}

Test(fee_expr, errors_name_the_field)
{
    char want[64];
    snprintf(want, sizeof want, "status %d ", PM_DEC_DIVZERO);  /* no field to blame */
    cr_assert_str_eq(eval_text("a / zero"), want);
    snprintf(want, sizeof want, "status %d empty", FEE_EVAL_NOVALUE);
    cr_assert_str_eq(eval_text("a + empty"), want);
    snprintf(want, sizeof want, "status %d missing", FEE_EVAL_NOVALUE);
    cr_assert_str_eq(eval_text("missing * 2"), want);
    snprintf(want, sizeof want, "status %d word", FEE_EVAL_NOTNUM);
    cr_assert_str_eq(eval_text("word"), want);
}

Test(fee_expr, overflow_is_a_status)
{
    pm_record_set(&rec, "big", "99999999999999999999999999999999999999");
    char want[64];
    snprintf(want, sizeof want, "status %d ", PM_DEC_OVERFLOW);
    cr_assert_str_eq(eval_text("big * 10"), want);
    cr_assert_str_eq(eval_text("big + 1"), want);
}

Test(fee_expr, syntax_errors_say_where)
{
    cr_assert_str_eq(parse_error("a +"), "a number, field name or '(' expected at the end");
    cr_assert_str_eq(parse_error("(a + b"), "missing ')' at the end");
    cr_assert_str_eq(parse_error("a b"), "operator expected at offset 2 ('b')");
    cr_assert_str_eq(parse_error("a + b)"), "unmatched ')' at offset 5 (')')");
    cr_assert_str_eq(parse_error("1."), "digits expected after '.' at the end");
    cr_assert_str_eq(parse_error(""), "a number, field name or '(' expected at the end");
    cr_assert_str_eq(parse_error("a % b"), "operator expected at offset 2 ('% b')");
}

Test(fee_expr, rendering_keeps_only_needed_parentheses)
{
    cr_assert_str_eq(rendered("((a)) + (b * c)", 0), "a + b × c");
    cr_assert_str_eq(rendered("a - (b - c)", 0), "a - (b - c)");
    cr_assert_str_eq(rendered("(a - b) - c", 0), "a - b - c");
    cr_assert_str_eq(rendered("a / (b * c)", 0), "a / (b × c)");
    cr_assert_str_eq(rendered("-(a + b)", 0), "-(a + b)");
    cr_assert_str_eq(rendered("(a + b) * c", 1), "(2 + 3) × 4");
    cr_assert_str_eq(rendered("`gross profit (yuan)` * 2", 0), "`gross profit (yuan)` × 2");
}

/* fuzz_expr: a field whose name holds '×' was written bare, so its text
 * read like a product (面积×单价 next to 面积 × 单价). */
Test(fee_expr, a_name_with_a_times_sign_is_backquoted)
{
    cr_assert_str_eq(rendered("面积×单价 * 2", 0), "`面积×单价` × 2");
    cr_assert_str_eq(rendered("`面积×单价` * 2", 0), "`面积×单价` × 2");
    cr_assert_str_eq(rendered("面积 * 单价", 0), "面积 × 单价");
}

/* ---- splits --------------------------------------------------------------- */

/* The rules, stated plainly: parts add up to the whole; each part is the
 * floor of the exact share (of the magnitude) or one unit more; the units
 * go to the largest remainders, and among equal remainders to the earlier
 * party. */
static void check_split(__int128 whole, const __int128 *w, int n)
{
    __int128 part[8], rem[8], sum = 0, total = whole < 0 ? -whole : whole, wsum = 0;
    for (int i = 0; i < n; i++) wsum += w[i];
    int st = fee_split(whole, w, n, part, rem);
    if (wsum == 0) {
        cr_assert_eq(st, PM_DEC_DIVZERO);
        return;
    }
    cr_assert_eq(st, PM_DEC_OK);
    int extra[8];
    for (int i = 0; i < n; i++) {
        sum += part[i];
        __int128 mag = whole < 0 ? -part[i] : part[i];
        __int128 fl = total * w[i] / wsum;
        cr_assert(mag == fl || mag == fl + 1, "part %d of %lld", i, (long long)whole);
        cr_assert(mag >= 0);
        extra[i] = mag == fl + 1;
        cr_assert_eq((long long)rem[i], (long long)(total * w[i] % wsum));
    }
    cr_assert_eq((long long)sum, (long long)whole);
    /* no party without the extra unit ranks before one with it */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (extra[i] && !extra[j])
                cr_assert(rem[i] > rem[j] || (rem[i] == rem[j] && i < j),
                          "whole %lld: party %d got a unit before %d", (long long)whole, i, j);
}

Test(fee_split, exhaustive_small_cases)
{
    __int128 w[4];
    for (int n = 1; n <= 4; n++) {
        int combos = 1;
        for (int i = 0; i < n; i++) combos *= 4;
        for (int c = 0; c < combos; c++) {
            int x = c;
            for (int i = 0; i < n; i++) {
                w[i] = x % 4;
                x /= 4;
            }
            for (int whole = -25; whole <= 25; whole++) check_split(whole, w, n);
        }
    }
}

Test(fee_split, thirds_and_their_negation)
{
    __int128 w[3] = {1, 1, 1}, part[3], rem[3];
    cr_assert_eq(fee_split(10000, w, 3, part, rem), PM_DEC_OK);
    cr_assert(part[0] == 3334 && part[1] == 3333 && part[2] == 3333);
    cr_assert_eq(fee_split(-10000, w, 3, part, rem), PM_DEC_OK);
    cr_assert(part[0] == -3334 && part[1] == -3333 && part[2] == -3333);
}

Test(fee_split, largest_remainder_beats_list_order)
{
    /* 10 x 1/7 = 1 r 3, 10 x 1/7 = 1 r 3, 10 x 5/7 = 7 r 1: the unit goes to the first */
    __int128 w[3] = {1, 1, 5}, part[3], rem[3];
    fee_split(10, w, 3, part, rem);
    cr_assert(part[0] == 2 && part[1] == 1 && part[2] == 7);
    /* 10 x 5/7 = 7 r 1, 10 x 1/7 = 1 r 3, 10 x 1/7 = 1 r 3: the unit goes to the second */
    __int128 v[3] = {5, 1, 1};
    fee_split(10, v, 3, part, rem);
    cr_assert(part[0] == 7 && part[1] == 2 && part[2] == 1);
}

Test(fee_split, huge_products_overflow_instead_of_wrapping)
{
    __int128 big = (__int128)1 << 100, w[2] = {big, 1}, part[2], rem[2];
    cr_assert_eq(fee_split(big, w, 2, part, rem), PM_DEC_OVERFLOW);
}
