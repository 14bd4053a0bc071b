/* test_fee_logic.c - specification of pm-fee's own logic: the expression
 * parser and evaluator (src/pm-fee/expr.c) and the largest-remainder split
 * (src/pm-fee/split.c), tested directly.  The split is checked exhaustively
 * over small cases against a brute-force statement of its rules. */
#include <criterion/criterion.h>
#include "unit_test.h"
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/pm-fee/fee.h"
#include "reader_int.h" /* pm_inputs on the stack */

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
    if (st == PM_DEC_OK)
        pm_decimal_format(d, out);
    else
        snprintf(out, sizeof out, "status %d %s", st, field ? field : "");
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
    if (values)
        fee_expr_render(e, &rec, &b);
    else
        fee_expr_text(e, &b);
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
    snprintf(want, sizeof want, "status %d ", PM_DEC_DIVZERO); /* no field to blame */
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
                cr_assert(rem[i] > rem[j] || (rem[i] == rem[j] && i < j), "whole %lld: party %d got a unit before %d",
                          (long long)whole, i, j);
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

/* ---- expression depth ----------------------------------------------------- */

static char *repeat_wrap(int n, const char *open, const char *mid, const char *close)
{
    size_t len = n * (strlen(open) + strlen(close)) + strlen(mid) + 1;
    char *s = malloc(len), *p = s;
    for (int i = 0; i < n; i++) p = stpcpy(p, open);
    p = stpcpy(p, mid);
    for (int i = 0; i < n; i++) p = stpcpy(p, close);
    return s;
}

Test(fee_expr, nesting_limit_is_a_message_not_a_crash)
{
    char msg[200];
    char *ok = repeat_wrap(FEE_EXPR_MAX_NESTING, "(", "a", ")");
    fee_expr *e = fee_expr_parse(ok, msg, sizeof msg);
    cr_assert_not_null(e, "%d levels parse: %s", FEE_EXPR_MAX_NESTING, msg);
    fee_expr_free(e);
    free(ok);
    char *deep = repeat_wrap(10000, "(", "a", ")");
    cr_assert_null(fee_expr_parse(deep, msg, sizeof msg));
    cr_assert(strstr(msg, "nested too deeply (more than 256 levels)"), "%s", msg);
    free(deep);
    char *minus = repeat_wrap(10000, "-", "a", "");
    cr_assert_null(fee_expr_parse(minus, msg, sizeof msg));
    cr_assert(strstr(msg, "nested too deeply"), "%s", msg);
    free(minus);
    char *chain = repeat_wrap(FEE_EXPR_MAX_DEPTH + 5, "a + ", "a", "");
    cr_assert_null(fee_expr_parse(chain, msg, sizeof msg));
    cr_assert(strstr(msg, "expression too long"), "%s", msg);
    free(chain);
}

/* ---- journal account names ------------------------------------------------ */

static const char *bean(const char *name)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    fee_beancount_account(name, &b);
    return pm_buf_str(&b);
}

Test(fee_journal, beancount_account_names)
{
    cr_assert_str_eq(bean("assets:receivable:u1"), "Assets:Receivable:U1");
    cr_assert_str_eq(bean("income:property-service"), "Income:Property-service");
    cr_assert_str_eq(bean("assets:receivable:12-3-1502"), "Assets:Receivable:12-3-1502");
    cr_assert_str_eq(bean("assets:receivable:a_b.c d"), "Assets:Receivable:A-b-c-d");
    cr_assert_str_eq(bean("assets:receivable:_x"), "Assets:Receivable:X-x");
    cr_assert_str_eq(bean("assets:receivable:张三"), "Assets:Receivable:U5F20U4E09");
    cr_assert_str_eq(bean("assets::x"), "Assets:X:X");
}

Test(fee_journal, ledger_components)
{
    pm_buf b = PM_BUF_INIT;
    fee_ledger_component("when.csv:7", &b);
    cr_assert_str_eq(pm_buf_str(&b), "when.csv-7");
    pm_buf_reset(&b);
    fee_ledger_component("a  b;c", &b);
    cr_assert_str_eq(pm_buf_str(&b), "a--b-c");
    pm_buf_free(&b);
}

Test(fee_journal, the_journal_formats_are_taken_out_of_argv)
{
    char *argv[] = {"pm-fee", "-t", "ledger", "--schedule=s", "-tyaml", "--to=beancount", "--", "-t", "x", NULL};
    int argc = 9;
    cr_assert_eq(fee_journal_take_option(&argc, argv), FEE_JOURNAL_BEANCOUNT);
    cr_assert_eq(argc, 6);
    cr_assert_str_eq(argv[1], "--schedule=s");
    cr_assert_str_eq(argv[2], "-tyaml");
    cr_assert_str_eq(argv[3], "--");
    cr_assert_str_eq(argv[4], "-t");
    cr_assert_null(argv[6]);
}

/* ---- versions of one rule ------------------------------------------------- */

static int load_text(const char *text, fee_schedule *s, pm_error *err)
{
    char path[] = "/tmp/pm-fee-unit-XXXXXX";
    test_temp_file(path, text);
    pm_error_clear(err);
    pm_errors errs = PM_ERRORS_INIT;
    int rc = fee_schedule_load(s, path, &errs);
    if (errs.n) *err = errs.v[0]; /* the first */
    pm_errors_free(&errs);
    unlink(path);
    return rc;
}

Test(fee_schedule, versions_meet_exactly)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: a, when: {}, fixed: '1', effective_to: 2024-06-30}\n"
                           "  - {id: a, when: {}, fixed: '2', effective_from: 2024-07-01, effective_to: 2024-12-31}\n"
                           "  - {id: a, when: {}, fixed: '3', effective_from: 2025-01-01}\n",
                           &s, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(s.rules[1].version, "2024-07-01");
    cr_assert_str_eq(s.rules[0].version, "");
    fee_schedule_free(&s);
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: a, when: {}, fixed: '2', effective_from: 2024-07-01}\n"
                           "  - {id: a, when: {}, fixed: '1', effective_from: 2024-01-01, effective_to: 2024-07-01}\n",
                           &s, &err),
                 -1);
    cr_assert(strstr(err.msg, "versions on lines 2 and 3 overlap"), "%s", err.msg);
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: a, when: {}, fixed: '1', effective_to: 2024-06-29}\n"
                           "  - {id: a, when: {}, fixed: '2', effective_from: 2024-07-01}\n",
                           &s, &err),
                 -1);
    cr_assert(strstr(err.msg, "gap between the versions on lines 2 and 3"), "%s", err.msg);
}

/* ---- charging: flags, versions, keys --------------------------------------- */

static int charge_one(fee_engine *e, const char *const *kv, int n, pm_error *err)
{
    static pm_record r;
    static int init;
    if (!init) {
        pm_record_init(&r);
        init = 1;
    }
    pm_record_clear(&r);
    for (int i = 0; i < n; i++) pm_record_set(&r, kv[2 * i], kv[2 * i + 1]);
    r.source = "in.csv";
    r.line = 7;
    return fee_charge(e, &r, err);
}

/* A `when` pattern's answers are kept by value text (fee_rx_memo): every
 * value of a stream that comes back, short or long, of one length or
 * another, gets the pattern's own answer, whatever was matched before. */
Test(fee_charge, pattern_answers_kept_by_value_are_the_patterns)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: high, when: {floor: '/^[1-9][0-9]+$/'}, fixed: '1'}\n"
                           "  - {id: any, when: {}, fixed: '2'}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    char floor[40];
    for (int round = 0; round < 3; round++)
        for (int f = 0; f < 300; f++) {
            /* 0..299, then with leading zeros and as long texts */
            if (round == 0)
                snprintf(floor, sizeof floor, "%d", f);
            else if (round == 1)
                snprintf(floor, sizeof floor, "0%d", f);
            else
                snprintf(floor, sizeof floor, "%030d%d", 0, f % 10 + 1);
            const char *kv[] = {"id", "x", "floor", floor};
            cr_assert_eq(charge_one(&e, kv, 2, &err), FEE_CHARGED, "%s", err.msg);
            int high = round == 0 && f >= 10;
            cr_expect_eq(e.nlines, high ? 2 : 1, "floor '%s'", floor);
        }
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* A field that several rules use is read once a record (num_memo): each
 * record's lines take that record's value, whatever the one before held. */
Test(fee_charge, a_field_read_once_a_record_is_that_records)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: two, when: {}, price: '2', quantity: area}\n"
                           "  - {id: three, when: {}, price: '3', quantity: area}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    char area[16], want[32];
    for (int a = 1; a <= 50; a++) {
        snprintf(area, sizeof area, "%d", a);
        const char *kv[] = {"id", "x", "area", area};
        cr_assert_eq(charge_one(&e, kv, 2, &err), FEE_CHARGED, "%s", err.msg);
        cr_assert_eq(e.nlines, 2);
        snprintf(want, sizeof want, "%d.00", 2 * a);
        cr_expect_str_eq(e.lines[0].amount, want);
        snprintf(want, sizeof want, "%d.00", 3 * a);
        cr_expect_str_eq(e.lines[1].amount, want);
        cr_expect_str_eq(e.lines[1].quantity, area);
    }
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

Test(fee_charge, flags_versions_and_keys)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: pf, when: {type: unit}, price: '2', quantity: area, effective_to: 2024-06-30}\n"
                           "  - {id: pf, when: {type: unit}, price: '3', quantity: area, effective_from: 2024-07-01}\n"
                           "  - {id: pool, when: {type: c}, fixed: '1', split: {parties: p}}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    fee_engine_keys(&e, "unit,period", NULL);

    const char *july[] = {"type", "unit", "unit", "1-1", "period", "2024-07", "area", "10"};
    cr_assert_eq(charge_one(&e, july, 4, &err), FEE_CHARGED);
    cr_assert_eq(e.nlines, 1);
    cr_assert_str_eq(e.lines[0].amount, "30.00");
    cr_assert_str_eq(e.lines[0].version, "2024-07-01");
    cr_assert_str_eq(e.key, "1-1/2024-07");
    cr_assert_eq(e.key_fallback, 0);

    const char *neg[] = {"type", "unit", "unit", "1-2", "period", "2024-06", "area", "-5"};
    cr_assert_eq(charge_one(&e, neg, 4, &err), FEE_FLAGGED);
    cr_assert_eq(e.flag, FEE_FLAG_QUANTITY);
    cr_assert_eq(e.nlines, 0);

    const char *twice[] = {"type", "c", "p", "A; A"};
    cr_assert_eq(charge_one(&e, twice, 2, &err), FEE_FLAGGED);
    cr_assert_eq(e.flag, FEE_FLAG_PARTY);
    cr_assert_str_eq(e.key, "in.csv:7");
    cr_assert_eq(e.key_fallback, 1);

    const char *none[] = {"type", "parking", "period", "2024-07"};
    cr_assert_eq(charge_one(&e, none, 2, &err), FEE_FLAGGED);
    cr_assert_eq(e.flag, FEE_FLAG_UNMATCHED);
    cr_assert(strstr(pm_buf_str(&e.flagmsg), "no rule matches (type=parking)"), "%s", pm_buf_str(&e.flagmsg));

    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* ids joined by blanks: "a b f". */
static const char *joined(const char *const *ids, size_t n)
{
    static char got[256];
    got[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(got, " ");
        strcat(got, ids[i]);
    }
    return got;
}

/* The rules of the lines of the last record charged. */
static const char *charged_rules(const fee_engine *e)
{
    const char *ids[16];
    for (size_t i = 0; i < e->nlines && i < 16; i++) ids[i] = e->lines[i].rule;
    return joined(ids, e->nlines < 16 ? e->nlines : 16);
}

/* The rules of one pick list (fee_engine.picks). */
static const char *picked_rules(const fee_engine *e, const fee_pick *pk)
{
    const char *ids[16];
    for (int i = 0; i < pk->nrules && i < 16; i++) ids[i] = e->sched->rules[pk->rules[i]].id;
    return joined(ids, pk->nrules < 16 ? (size_t)pk->nrules : 16);
}

Test(fee_charge, rules_are_tried_by_the_value_of_the_field_most_test_first)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: a, when: {type: unit, size: small}, fixed: '1'}\n"
                           "  - {id: b, when: {type: [unit, shop]}, fixed: '2'}\n"
                           "  - {id: c, when: {size: small}, fixed: '3'}\n"
                           "  - {id: d, when: {type: '/^sh/'}, fixed: '4'}\n"
                           "  - {id: e, when: {type: ''}, fixed: '5'}\n"
                           "  - {id: f, when: {}, fixed: '6'}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    /* type is tested first by a, b and e with plain values: listed under
     * those values only; c (size first), d (a pattern) and f (no entry)
     * under every value */
    cr_assert_str_eq(e.pick_ref.name, "type");
    cr_assert_eq(e.npicks, 4);
    cr_assert_str_eq(e.picks[0].val, "unit");
    cr_assert_str_eq(picked_rules(&e, &e.picks[0]), "a b c d f");
    cr_assert_str_eq(e.picks[1].val, "shop");
    cr_assert_str_eq(picked_rules(&e, &e.picks[1]), "b c d f");
    cr_assert_str_eq(e.picks[2].val, "");
    cr_assert_str_eq(picked_rules(&e, &e.picks[2]), "c d e f");
    cr_assert_null(e.picks[3].val);
    cr_assert_str_eq(picked_rules(&e, &e.picks[3]), "c d f");

    /* the lines are those of trying every rule in order */
    const char *unit[] = {"type", "unit", "size", "small"};
    cr_assert_eq(charge_one(&e, unit, 2, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "a b c f");
    const char *shop[] = {"type", "shop", "size", "large"};
    cr_assert_eq(charge_one(&e, shop, 2, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "b d f");
    const char *shed[] = {"type", "shed"};
    cr_assert_eq(charge_one(&e, shed, 1, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "d f");
    const char *untyped[] = {"size", "small"};
    cr_assert_eq(charge_one(&e, untyped, 1, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "c e f");
    const char *unt[] = {"type", "unt"};
    cr_assert_eq(charge_one(&e, unt, 1, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "f");

    /* --period stands for every record's period field, in the index too */
    fee_engine_free(&e);
    fee_schedule_free(&s);
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: june, when: {period: 2024-06}, fixed: '1'}\n"
                           "  - {id: july, when: {period: 2024-07}, fixed: '2'}\n",
                           &s, &err),
                 0, "%s", err.msg);
    pm_day july;
    cr_assert_eq(fee_period_parse("2024-07", 7, &july), 0);
    fee_engine_init(&e, &s, 0, "2024-07", july);
    const char *june[] = {"period", "2024-06"};
    cr_assert_eq(charge_one(&e, june, 1, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_str_eq(charged_rules(&e), "july");
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* ---- verification: repeated keys, every field ------------------------------ */

static const char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/pm-fee-unit-XXXXXX");
    return test_temp_file(path, text);
}

Test(fee_verify, repeated_keys_match_line_by_line)
{
    const char *sha = "aa";
    const char *path = write_tmp("period,source,rule,party,quantity,amount,schedule_sha256\n"
                                 ",k,r,,1,1.00,aa\n,k,r,,2,2.00,aa\n,k,r,,3,3.00,bb\n");
    pm_read_opts o = {0};
    pm_error err;
    fee_verify *v = fee_verify_load(path, &o, sha, &err);
    unlink(path);
    cr_assert_not_null(v, "%s", err.msg);
    fee_line l = {.period = "",
                  .source = "k",
                  .rule = "r",
                  .party = "",
                  .quantity = "1",
                  .price = "",
                  .base = "",
                  .percent = "",
                  .amount = "1.0",
                  .version = ""};
    cr_assert_eq(fee_verify_check(v, &l, 0), 0, "1.0 is 1.00, the first line");
    l.quantity = "2.5";
    l.amount = "2.00";
    cr_assert_eq(fee_verify_check(v, &l, 0), 1, "the second line: quantity differs");
    pm_record out;
    pm_record_init(&out);
    fee_verify_diff(v, 0, &out);
    cr_assert_str_eq(pm_record_value(&out, "field"), "quantity");
    cr_assert_str_eq(pm_record_value(&out, "expected"), "2.5");
    cr_assert_str_eq(pm_record_value(&out, "actual"), "2");
    l.quantity = "3";
    l.amount = "3.00";
    cr_assert_eq(fee_verify_check(v, &l, 0), 1, "the third line: another schedule");
    fee_verify_diff(v, 0, &out);
    cr_assert_str_eq(pm_record_value(&out, "field"), "schedule_sha256");
    cr_assert_eq(fee_verify_check(v, &l, 0), 1, "a fourth: missing");
    fee_verify_diff(v, 0, &out);
    cr_assert_str_eq(pm_record_value(&out, "difference"), "missing");
    cr_assert_eq(fee_verify_next_extra(v, 0, &out), 0);
    pm_record_free(&out);
    fee_verify_free(v);
}

/* ---- input fingerprints ------------------------------------------------------ */

Test(fee_inputs, sha256_of_the_bytes)
{
    char *path = strdup(write_tmp("abc"));
    char *paths[] = {path, "/nonexistent/pm-fee"};
    fee_inputs_hash *h = fee_inputs_hash_new(paths, 2);
    /* SHA-256("abc") */
    cr_assert_str_eq(fee_inputs_sha256(h, path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_str_eq(fee_inputs_sha256(h, "/nonexistent/pm-fee"), "");
    int i = 0;
    cr_assert_null(fee_inputs_unhashed(h, &i), "a missing file is the reader's to report");
    pm_error err;
    cr_assert_eq(fee_inputs_unchanged(h, &err), 0);
    FILE *f = fopen(path, "a");
    fputs("d", f);
    fclose(f);
    cr_assert_eq(fee_inputs_unchanged(h, &err), -1);
    cr_assert(strstr(err.msg, "changed while pm-fee read it"), "%s", err.msg);
    fee_inputs_hash_free(h);
    unlink(path);
    free(path);
}

/* ---- field positions, found once per header ------------------------------- */

/* The rules find their fields once per header: a second CSV block with the
 * columns in another order, a second input, and records built by hand
 * (no header: their names are compared as text) each get their own
 * positions. */
Test(fee_charge, field_positions_follow_the_header)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: big, when: {type: unit, size: large}, price: '2', quantity: area}\n"
                           "  - {id: small, when: {type: unit, size: small}, fixed: '1'}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    char a[] = "/tmp/pm-fee-unit-XXXXXX", b[] = "/tmp/pm-fee-unit-XXXXXX";
    char *paths[] = {(char *)test_temp_file(a, "id,type,size,area\nr1,unit,large,10\n\n"
                                               "size,area,id,type\nlarge,7,r2,unit\nsmall,,r3,unit\n"),
                     (char *)test_temp_file(b, "area,type,id,size\n3,unit,r4,large\n")};
    pm_read_opts o = {.format = PM_FMT_CSV};
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, &o);
    pm_record r;
    pm_record_init(&r);
    pm_buf got = PM_BUF_INIT;
    int st;
    while ((st = pm_inputs_next(&in, &r, &err)) != PM_READ_EOF) {
        cr_assert_eq(st, PM_READ_OK, "%s", err.msg);
        fee_engine_header(&e, &in, &r);
        cr_assert_eq(fee_charge(&e, &r, &err), FEE_CHARGED, "%s", err.msg);
        pm_buf_addf(&got, "%s:%s=%s;", e.key, e.lines[0].rule, e.lines[0].amount);
    }
    cr_expect_str_eq(pm_buf_str(&got), "r1:big=20.00;r2:big=14.00;r3:small=1.00;r4:big=6.00;");
    pm_inputs_close(&in);
    unlink(a);
    unlink(b);

    /* by hand, in one record whose names live in its own memory */
    const char *recs[][8] = {{"id", "h1", "type", "unit", "size", "large", "area", "5"},
                             {"id", "h2", "type", "unit", "sizf", "large", "size", "small"},
                             {"id", "h3", "area", "4", "size", "large", "type", "unit"}};
    pm_buf_reset(&got);
    for (int k = 0; k < 3; k++) {
        pm_record_clear(&r);
        for (int i = 0; i < 4; i++)
            pm_record_set_copy(&r, recs[k][2 * i], recs[k][2 * i + 1], strlen(recs[k][2 * i + 1]));
        fee_engine_header(&e, &in, &r);
        cr_assert_eq(fee_charge(&e, &r, &err), FEE_CHARGED, "%s", err.msg);
        pm_buf_addf(&got, "%s:%s=%s;", e.key, e.lines[0].rule, e.lines[0].amount);
    }
    cr_expect_str_eq(pm_buf_str(&got), "h1:big=10.00;h2:small=1.00;h3:big=8.00;");
    pm_buf_free(&got);
    pm_record_free(&r);
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* A quantity or base that is a lone field is shown as the field's text
 * when that text is the figure pm_decimal_format writes for it, and as
 * that figure otherwise (leading zeros, signs, blanks, a point at either
 * end, a negative zero, more than 64 bits): either way the charge line
 * holds the figure, as long as it says. */
Test(fee_charge, lone_field_figures_are_the_formatted_numbers)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: p, when: {}, price: '2', quantity: area, allow_negative: true}\n"
                           "  - {id: c, when: {}, percent: '10', base: area}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    static const char *const texts[] = {"5",
                                        "05",
                                        "007.50",
                                        "0.5",
                                        ".5",
                                        "5.",
                                        "+5",
                                        " 5",
                                        "5 ",
                                        "-0",
                                        "-0.00",
                                        "-1.5",
                                        "-.5",
                                        "-05",
                                        "0",
                                        "0.00",
                                        "10.0",
                                        "100",
                                        "99.99",
                                        "-0.01",
                                        "1234567890123456789",
                                        "12345678901234567890",
                                        "0.0000000000000000001",
                                        "1.2345678901234567890",
                                        "18446744073709551615",
                                        "18446744073709551616"};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        const char *kv[] = {"id", "x", "area", texts[i]};
        cr_assert_eq(charge_one(&e, kv, 2, &err), FEE_CHARGED, "'%s': %s", texts[i], err.msg);
        cr_assert_eq(e.nlines, 2);
        pm_decimal d;
        char want[PM_DEC_BUFSZ];
        cr_assert_eq(pm_decimal_parse(texts[i], strlen(texts[i]), &d), PM_DEC_OK);
        pm_decimal_format(d, want);
        cr_expect_str_eq(e.lines[0].quantity, want, "quantity '%s'", texts[i]);
        cr_expect_eq(e.lines[0].quantity_len, strlen(want), "quantity '%s'", texts[i]);
        cr_expect_str_eq(e.lines[1].base, want, "base '%s'", texts[i]);
        cr_expect_eq(e.lines[1].base_len, strlen(want), "base '%s'", texts[i]);
    }
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* Writes every line of e through a CSV or TSV writer to a file and returns
 * its bytes: with known, each line with the fields fee_charge_record says
 * need no quotes; without, every value tested by the writer. */
static char *written_lines(fee_run *run, int tsv, int known, size_t *len)
{
    char path[] = "/tmp/pm-fee-unit-lines-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    pm_error err;
    pm_writer *w = pm_writer_open(path, tsv ? PM_FMT_TSV : PM_FMT_CSV, &err);
    cr_assert_not_null(w, "%s", err.msg);
    pm_record out;
    pm_record_init(&out);
    for (size_t i = 0; i < run->eng.nlines; i++) {
        uint64_t plain = fee_charge_record(run, &run->eng.lines[i], "", &out);
        cr_assert_eq(pm_writer_write_known(w, &out, 0, known ? plain : 0, &err), 0, "%s", err.msg);
    }
    pm_record_free(&out);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    FILE *in = fopen(path, "rb");
    cr_assert_not_null(in);
    char *got = malloc(1 << 16);
    *len = fread(got, 1, 1 << 16, in);
    fclose(in);
    remove(path);
    return got;
}

/* A rule's id, percent and version are passed to the writer as needing no
 * quotes only when they need none: ids with a comma, a quote, a tab or a
 * leading byte-order mark come out quoted as the writer would quote them,
 * in CSV and in TSV. */
Test(fee_charge, rule_texts_known_plain_are_the_plain_ones)
{
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text("rules:\n"
                           "  - {id: plain-id, when: {}, percent: '12.5', base: a}\n"
                           "  - {id: 'with,comma', when: {}, percent: '10', base: a, effective_from: 2024-01-01}\n"
                           "  - {id: 'with\"quote', when: {}, fixed: '1'}\n"
                           "  - {id: \"with\\ttab\", when: {}, price: '2', quantity: a}\n"
                           "  - {id: \"\\ufeffbom\", when: {}, fixed: '3'}\n"
                           "  - {id: 'semi;colon', when: {}, fixed: '4'}\n",
                           &s, &err),
                 0, "%s", err.msg);
    fee_run run;
    memset(&run, 0, sizeof run);
    run.sched = &s;
    fee_engine_init(&run.eng, &s, 0, NULL, 0);
    const char *kv[] = {"id", "x", "a", "10", "period", "2024-07"};
    cr_assert_eq(charge_one(&run.eng, kv, 3, &err), FEE_CHARGED, "%s", err.msg);
    cr_assert_eq(run.eng.nlines, 6);
    for (int tsv = 0; tsv <= 1; tsv++) {
        size_t n1, n2;
        char *fast = written_lines(&run, tsv, 1, &n1), *tested = written_lines(&run, tsv, 0, &n2);
        cr_expect_eq(n1, n2, "%s", tsv ? "TSV" : "CSV");
        cr_expect(n1 == n2 && memcmp(fast, tested, n1) == 0, "%s: %.*s", tsv ? "TSV" : "CSV", (int)n1, fast);
        fast[n1 < (1 << 16) ? n1 : n1 - 1] = '\0';
        cr_expect(strstr(fast, tsv ? "\"with\ttab\"" : "\"with,comma\"") != NULL, "%s", fast);
        cr_expect(strstr(fast, "\"with\"\"quote\"") != NULL, "%s", fast);
        free(fast);
        free(tested);
    }
    fee_engine_free(&run.eng);
    fee_schedule_free(&s);
}

/* The rules picked by the first field's value, found by a hash of the
 * value's length and end bytes (pick_slot): 100 listed values, some alone
 * in their slot, some sharing one, every one of them, and values of the
 * same length and end bytes that no rule lists, charge the rules of trying
 * every rule in order. */
static void pick_value(char *out, int i, char mid)
{
    int n = (i / 13) % 4;
    out[0] = (char)('a' + i % 13);
    for (int k = 0; k < n; k++) out[1 + k] = mid;
    out[1 + n] = (char)('0' + i / 52);
    out[2 + n] = '\0';
}

Test(fee_charge, picked_by_hash_as_by_trying_every_rule)
{
    pm_buf y = PM_BUF_INIT;
    pm_buf_adds(&y, "rules:\n");
    char v[16];
    for (int i = 0; i < 100; i++) {
        pick_value(v, i, 'x');
        pm_buf_addf(&y, "  - {id: r%d, when: {type: '%s'}, fixed: '1'}\n", i, v);
    }
    pm_buf_adds(&y, "  - {id: all, when: {}, fixed: '2'}\n");
    fee_schedule s;
    pm_error err;
    cr_assert_eq(load_text(pm_buf_str(&y), &s, &err), 0, "%s", err.msg);
    pm_buf_free(&y);
    fee_engine e;
    fee_engine_init(&e, &s, 0, NULL, 0);
    cr_assert_eq(e.npicks, 101);
    int alone = 0, shared = 0;
    for (int k = 0; k < FEE_PICK_SLOTS; k++) {
        alone += e.pick_slot[k] >= 0;
        shared += e.pick_slot[k] == FEE_PICK_MANY;
    }
    cr_assert(alone > 0 && shared > 0, "alone %d, shared %d", alone, shared);
    for (int i = 0; i < 100; i++)
        for (int near = 0; near <= 1; near++) {
            char want[16];
            pick_value(v, i, near ? 'y' : 'x');
            const char *kv[] = {"type", v};
            cr_assert_eq(charge_one(&e, kv, 1, &err), FEE_CHARGED, "%s", err.msg);
            if (near && (i / 13) % 4 > 0)
                snprintf(want, sizeof want, "all");
            else
                snprintf(want, sizeof want, "r%d all", i);
            cr_expect_str_eq(charged_rules(&e), want, "type %s", v);
        }
    const char *other[] = {"type", "zz"};
    cr_assert_eq(charge_one(&e, other, 1, &err), FEE_CHARGED, "%s", err.msg);
    cr_expect_str_eq(charged_rules(&e), "all");
    fee_engine_free(&e);
    fee_schedule_free(&s);
}

/* Shares whose products lie around 2^64 (where the split changes from one
 * 64-bit division to a 128-bit one): every part is the floor of its exact
 * share or one more, the remainders are the exact ones, the parts add up
 * to the whole. */
Test(fee_split, products_around_64_bits_are_exact, .timeout = 20)
{
    const unsigned __int128 two64 = (unsigned __int128)1 << 64;
    const unsigned __int128 wholes[] = {two64 - 1, two64, two64 + 1, two64 / 3, two64 / 3 + 1, (two64 - 1) / 7 * 2};
    const __int128 ws[][3] = {{1, 1, 1}, {1, 2, 3}, {3, 5, 7}, {7, 0, 1}, {2, 2, 1}};
    for (size_t a = 0; a < sizeof wholes / sizeof *wholes; a++)
        for (size_t b = 0; b < sizeof ws / sizeof *ws; b++)
            for (int neg = 0; neg <= 1; neg++) {
                __int128 whole = neg ? -(__int128)wholes[a] : (__int128)wholes[a], part[3], rem[3];
                cr_assert_eq(fee_split(whole, ws[b], 3, part, rem), PM_DEC_OK);
                unsigned __int128 sum = (unsigned __int128)(ws[b][0] + ws[b][1] + ws[b][2]);
                __int128 total = 0;
                for (int i = 0; i < 3; i++) {
                    unsigned __int128 prod = wholes[a] * (unsigned __int128)ws[b][i];
                    unsigned __int128 fl = prod / sum, got = (unsigned __int128)(neg ? -part[i] : part[i]);
                    cr_expect(got == fl || got == fl + 1, "whole #%zu weights #%zu party %d", a, b, i);
                    cr_expect(rem[i] == (__int128)(prod % sum), "remainder of whole #%zu weights #%zu party %d", a, b,
                              i);
                    total += part[i];
                }
                cr_expect(total == whole, "whole #%zu weights #%zu", a, b);
            }
}
