/* test_decimal.c - specification of lib/decimal.h: parsing, formatting,
 * exact arithmetic, rounding modes at the half-unit boundaries, and the
 * 38-digit limits.  Randomized checks use a fixed seed and an independent
 * big-integer oracle (base 10^9 limbs) written only for these tests. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"

/* ---- helpers -------------------------------------------------------------- */

static pm_decimal D(const char *s)
{
    pm_decimal d;
    int st = pm_decimal_parse(s, strlen(s), &d);
    cr_assert_eq(st, PM_DEC_OK, "parse \"%s\": %s", s, pm_decimal_strerror(st));
    return d;
}

/* Formats into one of a few rotating buffers (enough for one assertion). */
static const char *F(pm_decimal d)
{
    static char bufs[8][PM_DEC_BUFSZ];
    static int n;
    char *b = bufs[n++ % 8];
    size_t len = pm_decimal_format(d, b);
    cr_assert_eq(len, strlen(b));
    return b;
}

static int parse_status(const char *s)
{
    pm_decimal d;
    return pm_decimal_parse(s, strlen(s), &d);
}

#define expect_parse(text, want)                                                                                       \
    do {                                                                                                               \
        pm_decimal d_;                                                                                                 \
        int st_ = pm_decimal_parse((text), strlen(text), &d_);                                                         \
        cr_expect_eq(st_, PM_DEC_OK, "parse \"%s\": %s", (text), pm_decimal_strerror(st_));                            \
        if (st_ == PM_DEC_OK) cr_expect_str_eq(F(d_), (want), "parse \"%s\"", (text));                                 \
    } while (0)

#define expect_op(fn, a, b, want)                                                                                      \
    do {                                                                                                               \
        pm_decimal r_;                                                                                                 \
        int st_ = fn(D(a), D(b), &r_);                                                                                 \
        cr_expect_eq(st_, PM_DEC_OK, #fn "(%s, %s): %s", (a), (b), pm_decimal_strerror(st_));                          \
        if (st_ == PM_DEC_OK) cr_expect_str_eq(F(r_), (want), #fn "(%s, %s)", (a), (b));                               \
    } while (0)

#define expect_op_status(fn, a, b, want)                                                                               \
    do {                                                                                                               \
        pm_decimal r_;                                                                                                 \
        cr_expect_eq(fn(D(a), D(b), &r_), (want), #fn "(%s, %s)", (a), (b));                                           \
    } while (0)

#define expect_round(a, scale, mode, want)                                                                             \
    do {                                                                                                               \
        pm_decimal r_;                                                                                                 \
        int st_ = pm_decimal_round(D(a), (scale), (mode), &r_);                                                        \
        cr_expect_eq(st_, PM_DEC_OK, "round(%s, %d, %s)", (a), (scale), pm_round_name(mode));                          \
        if (st_ == PM_DEC_OK) cr_expect_str_eq(F(r_), (want), "round(%s, %d, %s)", (a), (scale), pm_round_name(mode)); \
    } while (0)

#define expect_div(a, b, scale, mode, want)                                                                            \
    do {                                                                                                               \
        pm_decimal r_;                                                                                                 \
        int st_ = pm_decimal_div(D(a), D(b), (scale), (mode), &r_);                                                    \
        cr_expect_eq(st_, PM_DEC_OK, "div(%s, %s, %d, %s): %s", (a), (b), (scale), pm_round_name(mode),                \
                     pm_decimal_strerror(st_));                                                                        \
        if (st_ == PM_DEC_OK)                                                                                          \
            cr_expect_str_eq(F(r_), (want), "div(%s, %s, %d, %s)", (a), (b), (scale), pm_round_name(mode));            \
    } while (0)

#define NINES38 "99999999999999999999999999999999999999"
#define ONE_E38 "100000000000000000000000000000000000000"

/* ---- parse ---------------------------------------------------------------- */

Test(decimal_parse, keeps_written_scale)
{
    pm_decimal d = D("1.50");
    cr_expect(d.coef == 150);
    cr_expect_eq(d.scale, 2);
    expect_parse("1.50", "1.50");
    expect_parse("42", "42");
    expect_parse("0", "0");
    expect_parse("0.000", "0.000");
}

Test(decimal_parse, signs)
{
    expect_parse("-3.25", "-3.25");
    expect_parse("+3.25", "3.25");
    expect_parse("-0", "0");
    expect_parse("-0.00", "0.00");
    cr_expect(D("-0.00").coef == 0, "negative zero is plain zero");
}

Test(decimal_parse, leading_zeros_are_not_significant)
{
    expect_parse("007.50", "7.50");
    expect_parse("-000", "0");
    expect_parse("0000000000000000000000000000000000000000000001.5", "1.5");
    expect_parse("0.00000000000000000000000000000000000001", "0.00000000000000000000000000000000000001");
}

Test(decimal_parse, blanks_around_are_allowed)
{
    expect_parse("  12.5\t", "12.5");
    expect_parse("\t-1 ", "-1");
}

Test(decimal_parse, reads_only_len_bytes)
{
    pm_decimal d;
    cr_assert_eq(pm_decimal_parse("12.345xyz", 5, &d), PM_DEC_OK);
    cr_expect_str_eq(F(d), "12.34");
}

Test(decimal_parse, leading_or_trailing_point_is_accepted)
{
    expect_parse(".5", "0.5");
    expect_parse("-.25", "-0.25");
    expect_parse("5.", "5");
    cr_expect_eq(D("5.").scale, 0);
}

/* Numbers of 1 to 19 characters of digits and a point are read by one
 * loop; their edges: 19 and 20 characters, 19 nines, a point first, last,
 * twice, alone, a byte after the digits, a blank or a sign before them. */
Test(decimal_parse, short_numbers_at_the_edges_of_the_one_loop_read)
{
    expect_parse("9999999999999999999", "9999999999999999999");
    expect_parse("99999999999999999999", "99999999999999999999");
    expect_parse("123456789012345678.9", "123456789012345678.9");
    expect_parse("0.000000000000000001", "0.000000000000000001");
    expect_parse("1.000000000000000000", "1.000000000000000000");
    expect_parse(".000000000000000001", "0.000000000000000001");
    expect_parse("000000000000000012.", "12");
    expect_parse("7", "7");
    expect_parse("0.5", "0.5");
    expect_parse("+7", "7");
    expect_parse(" 7", "7");
    pm_decimal d = {123, 1};
    static const char *bad[] = {".", "1.2.3", "12a", "1.2a", "a", "1 2", "..5", "1-", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_expect_eq(pm_decimal_parse(bad[i], strlen(bad[i]), &d), PM_DEC_SYNTAX, "'%s'", bad[i]);
        cr_expect(d.coef == 123 && d.scale == 1, "'%s' leaves the output as it was", bad[i]);
    }
}

Test(decimal_parse, rejects_what_is_not_a_plain_decimal)
{
    static const char *bad[] = {
        "",    " ",     "\t",           ".",        "-",   "+",   "-.",   "+.",        "--1",  "+-1",   "- 1",  "1 2",
        "1e5", "1E5",   "1,000",        "1.000,00", "NaN", "nan", "inf",  "-Infinity", "0x10", "1.2.3", "1..2", "12a",
        "a12", "1_000", "\xef\xbc\x91", "1\n",      "\n1", "1-",  "1.-2", "¥5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(parse_status(bad[i]), PM_DEC_SYNTAX, "\"%s\" must be a syntax error", bad[i]);
}

Test(decimal_parse, error_leaves_output_untouched)
{
    pm_decimal d = D("7.7");
    cr_expect_eq(pm_decimal_parse("x", 1, &d), PM_DEC_SYNTAX);
    cr_expect_eq(pm_decimal_parse(ONE_E38, strlen(ONE_E38), &d), PM_DEC_OVERFLOW);
    cr_expect_str_eq(F(d), "7.7");
}

Test(decimal_parse, thirty_eight_digits_fit)
{
    expect_parse(NINES38, NINES38);
    expect_parse("-" NINES38, "-" NINES38);
    expect_parse("9999999999999999999.9999999999999999999", "9999999999999999999.9999999999999999999");
    expect_parse("0.99999999999999999999999999999999999999", "0.99999999999999999999999999999999999999");
}

Test(decimal_parse, thirty_nine_digits_overflow)
{
    cr_expect_eq(parse_status(ONE_E38), PM_DEC_OVERFLOW);
    cr_expect_eq(parse_status("-" ONE_E38), PM_DEC_OVERFLOW);
    cr_expect_eq(parse_status("1.00000000000000000000000000000000000000"), PM_DEC_OVERFLOW,
                 "38 fractional digits plus an integer digit is 39 digits");
}

Test(decimal_parse, thirty_nine_fractional_digits_overflow_even_when_zeros)
{
    cr_expect_eq(parse_status("0.000000000000000000000000000000000000001"), PM_DEC_OVERFLOW);
    cr_expect_eq(parse_status("0.000000000000000000000000000000000000000"), PM_DEC_OVERFLOW);
}

Test(decimal_parse, four_hundred_digits_overflow_without_crashing)
{
    char s[402];
    memset(s, '7', 400);
    s[400] = '\0';
    cr_expect_eq(parse_status(s), PM_DEC_OVERFLOW);
    s[200] = '.';
    cr_expect_eq(parse_status(s), PM_DEC_OVERFLOW);
    s[200] = 'x';
    cr_expect_eq(parse_status(s), PM_DEC_SYNTAX, "bad syntax wins over size");
}

Test(decimal_parse, null_string_is_a_syntax_error)
{
    pm_decimal d;
    cr_expect_eq(pm_decimal_parse(NULL, 0, &d), PM_DEC_SYNTAX);
}

/* ---- format --------------------------------------------------------------- */

Test(decimal_format, writes_exactly_scale_digits)
{
    pm_decimal d = {150, 2};
    cr_expect_str_eq(F(d), "1.50");
    d.coef = 5;
    d.scale = 3;
    cr_expect_str_eq(F(d), "0.005");
    d.coef = 0;
    d.scale = 2;
    cr_expect_str_eq(F(d), "0.00");
    d.coef = 0;
    d.scale = 0;
    cr_expect_str_eq(F(d), "0");
}

Test(decimal_format, negative_below_one_keeps_leading_zero)
{
    pm_decimal d = {-50, 2};
    cr_expect_str_eq(F(d), "-0.50");
    d.coef = -1;
    d.scale = 38;
    cr_expect_str_eq(F(d), "-0.00000000000000000000000000000000000001");
}

Test(decimal_format, zero_is_never_negative)
{
    pm_decimal r;
    cr_assert_eq(pm_decimal_mul(D("-1.5"), D("0.00"), &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "0.000");
    cr_assert_eq(pm_decimal_round(D("-0.004"), 2, PM_ROUND_HALF_UP, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "0.00");
    cr_expect_eq(pm_decimal_sign(r), 0);
}

Test(decimal_format, longest_value_fits_the_buffer)
{
    char buf[PM_DEC_BUFSZ];
    pm_decimal d = D("-0.99999999999999999999999999999999999999");
    size_t n = pm_decimal_format(d, buf);
    cr_expect_eq(n, 41);
    cr_expect_lt(n, (size_t)PM_DEC_BUFSZ);
    d = D("-" NINES38);
    cr_expect_eq(pm_decimal_format(d, buf), 39);
    cr_expect_str_eq(buf, "-" NINES38);
}

Test(decimal_format, large_coefficients_use_all_digit_groups)
{
    static const char *vals[] = {
        "18446744073709551615",
        "18446744073709551616",
        "10000000000000000000",
        "9999999999999999999",
        "1000000000000000000000000000000000000",
        "12345678901234567890123456789012345678",
        "-1234567890.1234567890123456789",
    };
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) expect_parse(vals[i], vals[i]);
}

Test(decimal_format, hand_built_39_digit_coefficient_does_not_overrun)
{
    char buf[PM_DEC_BUFSZ];
    pm_decimal d = {(__int128)(~(unsigned __int128)0 >> 1), 38};
    cr_expect_eq(pm_decimal_format(d, buf), 40);
    cr_expect_str_eq(buf, "1.70141183460469231731687303715884105727");
    d.coef = -d.coef - 1;
    cr_expect_eq(pm_decimal_format(d, buf), 41);
    cr_expect_str_eq(buf, "-1.70141183460469231731687303715884105728");
}

/* The 64-bit coefficients (every digit count, 0 to 2^64 - 1) at every scale
 * 0 to 19, signed both ways, against the text written digit by digit: the
 * digits of |coef|, zeros before them up to scale + 1 digits, the point
 * before the last scale of them; and the length is pm_decimal_format_len's. */
Test(decimal_format, every_digit_count_at_every_scale_matches_the_digits)
{
    uint64_t mags[64];
    int nm = 0;
    mags[nm++] = 0;
    for (uint64_t p = 1, k = 0; k < 20; k++, p *= 10) {
        mags[nm++] = p;
        if (k) mags[nm++] = p - 1;
        mags[nm++] = p + p / 3 + 7;
    }
    mags[nm++] = UINT64_MAX;
    for (int i = 0; i < nm; i++)
        for (int scale = 0; scale <= 19; scale++)
            for (int neg = 0; neg <= 1; neg++) {
                char digits[64], want[PM_DEC_BUFSZ], got[PM_DEC_BUFSZ];
                int nd = snprintf(digits, sizeof digits, "%0*llu", scale + 1, (unsigned long long)mags[i]);
                size_t w = 0;
                if (neg && mags[i]) want[w++] = '-';
                memcpy(want + w, digits, (size_t)(nd - scale));
                w += (size_t)(nd - scale);
                if (scale) {
                    want[w++] = '.';
                    memcpy(want + w, digits + nd - scale, (size_t)scale);
                    w += (size_t)scale;
                }
                want[w] = 0;
                pm_decimal d = {neg ? -(__int128)mags[i] : (__int128)mags[i], scale};
                size_t n = pm_decimal_format(d, got);
                cr_assert_str_eq(got, want, "coef %s%llu scale %d", neg ? "-" : "", (unsigned long long)mags[i], scale);
                cr_assert_eq(n, w);
                cr_assert_eq(pm_decimal_format_len(d), w);
            }
}

Test(decimal_format, invalid_scale_is_clamped_not_overrun)
{
    char buf[PM_DEC_BUFSZ];
    pm_decimal d = {-1, 200};
    size_t n = pm_decimal_format(d, buf);
    cr_expect_lt(n, (size_t)PM_DEC_BUFSZ);
    d.scale = -5;
    cr_expect_str_eq((pm_decimal_format(d, buf), buf), "-1");
}

/* ---- add / sub ------------------------------------------------------------ */

Test(decimal_add, aligns_to_the_larger_scale)
{
    expect_op(pm_decimal_add, "1.5", "2.25", "3.75");
    expect_op(pm_decimal_add, "1", "0.001", "1.001");
    expect_op(pm_decimal_add, "0.10", "0.20", "0.30");
    expect_op(pm_decimal_add, "-1.5", "1.50", "0.00");
    expect_op(pm_decimal_add, "-1.25", "0.5", "-0.75");
}

Test(decimal_sub, aligns_and_handles_signs)
{
    expect_op(pm_decimal_sub, "10", "0.01", "9.99");
    expect_op(pm_decimal_sub, "0.01", "10", "-9.99");
    expect_op(pm_decimal_sub, "-5.5", "-5.5", "0.0");
    expect_op(pm_decimal_sub, "100.00", "-0.005", "100.005");
}

Test(decimal_add, largest_value_fits_and_one_more_overflows)
{
    expect_op(pm_decimal_add, "99999999999999999999999999999999999998", "1", NINES38);
    expect_op_status(pm_decimal_add, NINES38, "1", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_add, "-" NINES38, "-1", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_sub, "-" NINES38, "1", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_add, NINES38, NINES38, PM_DEC_OVERFLOW);
    expect_op(pm_decimal_add, NINES38, "-" NINES38, "0");
    expect_op(pm_decimal_sub, NINES38, NINES38, "0");
}

Test(decimal_add, overflow_when_the_aligned_operand_needs_39_digits)
{
    /* 10^37 + 0.1 needs 39 digits. */
    expect_op_status(pm_decimal_add, "10000000000000000000000000000000000000", "0.1", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_add, "0.00000000000000000000000000000000000001", "1", PM_DEC_OVERFLOW);
}

Test(decimal_add, aligned_operand_beyond_38_digits_still_works_when_sum_fits)
{
    /* 10^37 at scale 1 is 39 digits, but 10^37 - 0.1 has 38. */
    expect_op(pm_decimal_add, "10000000000000000000000000000000000000", "-0.1",
              "9999999999999999999999999999999999999.9");
}

Test(decimal_add, drops_trailing_zeros_rather_than_overflow)
{
    /* The exact sum 10^38 - 1 fits at scale 0 but not at scale 1. */
    expect_op(pm_decimal_add, "99999999999999999999999999999999999990", "9.0", NINES38);
}

Test(decimal_add, rejects_hand_built_invalid_decimals)
{
    pm_decimal bad = {1, 39}, r;
    cr_expect_eq(pm_decimal_add(bad, D("1"), &r), PM_DEC_OVERFLOW);
    bad.scale = -1;
    cr_expect_eq(pm_decimal_add(D("1"), bad, &r), PM_DEC_OVERFLOW);
    bad.scale = 0;
    bad.coef = (__int128)(((unsigned __int128)1) << 127);
    cr_expect_eq(pm_decimal_sub(bad, D("1"), &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_mul(bad, D("1"), &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(bad, D("1"), 0, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_round(bad, 0, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
}

/* ---- mul ------------------------------------------------------------------ */

Test(decimal_mul, exact_product_at_summed_scale)
{
    expect_op(pm_decimal_mul, "89.37", "1.50", "134.0550");
    expect_op(pm_decimal_mul, "-2.5", "0.4", "-1.00");
    expect_op(pm_decimal_mul, "-2.5", "-0.4", "1.00");
    expect_op(pm_decimal_mul, "0", "-7.25", "0.00");
    expect_op(pm_decimal_mul, "12345678901234567890", "10", "123456789012345678900");
}

Test(decimal_mul, largest_product_fits_and_beyond_overflows)
{
    expect_op(pm_decimal_mul, "9999999999999999999", "10000000000000000001", NINES38);
    expect_op(pm_decimal_mul, "0.9999999999999999999", "0.9999999999999999999",
              "0.99999999999999999980000000000000000001");
    expect_op_status(pm_decimal_mul, "0.9999999999999999999", "0.99999999999999999999", PM_DEC_OVERFLOW);
    expect_op(pm_decimal_mul, "3", "33333333333333333333333333333333333333", NINES38);
    expect_op_status(pm_decimal_mul, "3", "33333333333333333333333333333333333334", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_mul, "10000000000000000000", "10000000000000000000", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_mul, NINES38, NINES38, PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_mul, "-" NINES38, NINES38, PM_DEC_OVERFLOW);
}

Test(decimal_mul, strips_trailing_zeros_when_coefficient_is_too_wide)
{
    /* 5.000...0 (scale 37) * 2.000...0 (scale 37) = 10 exactly. */
    expect_op(pm_decimal_mul, "5.0000000000000000000000000000000000000", "2.0000000000000000000000000000000000000",
              "10.000000000000000000000000000000000000");
}

Test(decimal_mul, strips_trailing_zeros_when_scale_exceeds_38)
{
    expect_op(pm_decimal_mul, "0.00000000000000000000000000000000000010", "0.10",
              "0.00000000000000000000000000000000000001");
    expect_op(pm_decimal_mul, "0.5000000000000000000000", "0.2000000000000000000000",
              "0.10000000000000000000000000000000000000");
}

/* Products of coefficients about the 64-bit edge (the exact 128-bit path
 * takes those that fit it) and at summed scales about 38. */
Test(decimal_mul, coefficients_about_the_64_bit_edge_and_scales_about_38)
{
    const __int128 two63 = (__int128)1 << 63;
    pm_decimal r;
    cr_assert_eq(pm_decimal_mul((pm_decimal){-two63, 0}, (pm_decimal){-two63, 0}, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "85070591730234615865843651857942052864"); /* 2^126 */
    cr_assert_eq(pm_decimal_mul((pm_decimal){two63 - 1, 20}, (pm_decimal){-two63, 18}, &r), PM_DEC_OK);
    cr_expect_eq(r.scale, 38);
    cr_expect_str_eq(F(r), "-0.85070591730234615856620279821087277056");
    /* 2^63 fits no int64: the general path, the same product */
    cr_assert_eq(pm_decimal_mul((pm_decimal){two63, 1}, (pm_decimal){3, 1}, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "276701161105643274.24");
    /* scales adding up to 39: trailing zeros dropped, or overflow */
    cr_assert_eq(pm_decimal_mul((pm_decimal){10, 20}, (pm_decimal){7, 19}, &r), PM_DEC_OK);
    cr_expect_eq(r.scale, 38);
    cr_expect_eq(r.coef, 7);
    cr_expect_eq(pm_decimal_mul((pm_decimal){11, 20}, (pm_decimal){7, 19}, &r), PM_DEC_OVERFLOW);
    /* hand-built scales outside 0..38 are refused, not multiplied */
    cr_expect_eq(pm_decimal_mul((pm_decimal){5, -1}, (pm_decimal){3, 2}, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_mul((pm_decimal){5, 39}, (pm_decimal){3, 0}, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_round((pm_decimal){5, -1}, 2, PM_ROUND_HALF_UP, &r), PM_DEC_OVERFLOW);
    /* rounding to the scale the amount has already: the amount */
    cr_assert_eq(pm_decimal_round((pm_decimal){-12345, 2}, 2, PM_ROUND_UP, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "-123.45");
}

Test(decimal_mul, never_rounds_away_nonzero_digits)
{
    expect_op_status(pm_decimal_mul, "0.0000000000000000001", "0.00000000000000000001", PM_DEC_OVERFLOW);
    expect_op_status(pm_decimal_mul, "1.00000000000000000000000000000000001", "1.0001", PM_DEC_OVERFLOW);
}

/* ---- div ------------------------------------------------------------------ */

Test(decimal_div, rounds_to_the_requested_scale)
{
    expect_div("10", "3", 2, PM_ROUND_HALF_UP, "3.33");
    expect_div("20", "3", 2, PM_ROUND_HALF_UP, "6.67");
    expect_div("20", "3", 2, PM_ROUND_DOWN, "6.66");
    expect_div("10", "3", 2, PM_ROUND_UP, "3.34");
    expect_div("1", "8", 2, PM_ROUND_HALF_EVEN, "0.12");
    expect_div("3", "8", 2, PM_ROUND_HALF_EVEN, "0.38");
    expect_div("1", "8", 2, PM_ROUND_HALF_UP, "0.13");
    expect_div("1.00", "0.25", 0, PM_ROUND_DOWN, "4");
    expect_div("7", "2", 4, PM_ROUND_DOWN, "3.5000");
}

Test(decimal_div, negative_operands_round_by_magnitude)
{
    expect_div("-1", "8", 2, PM_ROUND_HALF_UP, "-0.13");
    expect_div("1", "-8", 2, PM_ROUND_HALF_EVEN, "-0.12");
    expect_div("-1", "-8", 2, PM_ROUND_HALF_UP, "0.13");
    expect_div("-20", "3", 2, PM_ROUND_DOWN, "-6.66");
    expect_div("-20", "3", 2, PM_ROUND_UP, "-6.67");
    expect_div("-1", "3", 0, PM_ROUND_DOWN, "0");
    expect_div("-1", "3", 0, PM_ROUND_UP, "-1");
}

Test(decimal_div, sees_the_true_remainder_far_below_the_scale)
{
    /* 1.0000000001 / 2 = 0.50000000005: just above half a cent of 0.50. */
    expect_div("1.0000000001", "2", 0, PM_ROUND_HALF_EVEN, "1");
    expect_div("1.0000000000", "2", 0, PM_ROUND_HALF_EVEN, "0");
    expect_div("0.9999999999", "2", 0, PM_ROUND_HALF_UP, "0");
    expect_div("0.00000000000000000000000000000000000001", "1", 0, PM_ROUND_UP, "1");
}

Test(decimal_div, by_zero_is_an_error)
{
    pm_decimal r;
    cr_expect_eq(pm_decimal_div(D("1"), D("0"), 2, PM_ROUND_HALF_UP, &r), PM_DEC_DIVZERO);
    cr_expect_eq(pm_decimal_div(D("0"), D("0.00"), 2, PM_ROUND_HALF_UP, &r), PM_DEC_DIVZERO);
    cr_expect_eq(pm_decimal_div(D("-5"), D("-0"), 0, PM_ROUND_DOWN, &r), PM_DEC_DIVZERO);
}

Test(decimal_div, bad_scale_is_reported_before_division_by_zero)
{
    /* Found by fuzzing: argument errors come first, consistently. */
    pm_decimal r;
    cr_expect_eq(pm_decimal_div(D("-9"), D("0"), -1, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("-9"), D("0"), 39, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("-9"), D("0"), 38, PM_ROUND_DOWN, &r), PM_DEC_DIVZERO);
}

Test(decimal_div, quotient_beyond_38_digits_overflows)
{
    pm_decimal r;
    cr_expect_eq(pm_decimal_div(D(NINES38), D("0.1"), 0, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("1"), D("3"), 39, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("1"), D("3"), -1, PM_ROUND_DOWN, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("1"), D("0.00000000000000000000000000000000000001"), 38, PM_ROUND_DOWN, &r),
                 PM_DEC_OVERFLOW);
    expect_div(NINES38, "1", 0, PM_ROUND_DOWN, NINES38);
    expect_div(NINES38, "-1.0", 0, PM_ROUND_HALF_UP, "-" NINES38);
}

Test(decimal_div, quotient_of_exactly_38_digits_fits)
{
    pm_decimal r;
    expect_div("9999999999999999999999999999999999999.9", "0.1", 0, PM_ROUND_UP, NINES38);
    expect_div("9999999999999999999999999999999999999", "0.1", 0, PM_ROUND_UP,
               "99999999999999999999999999999999999990");
    cr_expect_eq(pm_decimal_div(D("10000000000000000000000000000000000000"), D("0.1"), 0, PM_ROUND_DOWN, &r),
                 PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_div(D("1000000000000000000000000000000000000"), D("0.1"), 1, PM_ROUND_DOWN, &r),
                 PM_DEC_OVERFLOW);
    expect_div("999999999999999999999999999999999999.9", "0.1", 1, PM_ROUND_DOWN,
               "9999999999999999999999999999999999999.0");
}

Test(decimal_div, wide_dividend_uses_exact_long_division)
{
    /* 10^25 * 10^15 / 12345678 needs the 256-bit path. */
    expect_div("10000000000000000000000000", "12345.678", 12, PM_ROUND_DOWN, "810000066420005446440.446608116621");
    expect_div("10000000000000000000000000", "12345.678", 12, PM_ROUND_UP, "810000066420005446440.446608116622");
    expect_div("-1", "3", 38, PM_ROUND_HALF_UP, "-0.33333333333333333333333333333333333333");
    expect_div("2", "3", 38, PM_ROUND_HALF_UP, "0.66666666666666666666666666666666666667");
    expect_div("0.99999999999999999999999999999999999999", "0.00000000000000000001", 18, PM_ROUND_HALF_EVEN,
               "99999999999999999999.999999999999999999");
}

Test(decimal_div, unknown_mode_is_rejected)
{
    pm_decimal r;
    cr_expect_eq(pm_decimal_div(D("1"), D("3"), 2, (pm_round)7, &r), PM_DEC_SYNTAX);
    cr_expect_eq(pm_decimal_round(D("1.55"), 1, (pm_round)-1, &r), PM_DEC_SYNTAX);
}

/* ---- round ---------------------------------------------------------------- */

Test(decimal_round, half_up_exactly_half_rounds_away_from_zero)
{
    expect_round("2.345", 2, PM_ROUND_HALF_UP, "2.35");
    expect_round("-2.345", 2, PM_ROUND_HALF_UP, "-2.35");
    expect_round("0.5", 0, PM_ROUND_HALF_UP, "1");
    expect_round("-0.5", 0, PM_ROUND_HALF_UP, "-1");
    expect_round("134.055", 2, PM_ROUND_HALF_UP, "134.06");
}

Test(decimal_round, half_up_just_below_half_rounds_toward_zero)
{
    expect_round("2.3449999", 2, PM_ROUND_HALF_UP, "2.34");
    expect_round("-2.3449999", 2, PM_ROUND_HALF_UP, "-2.34");
    expect_round("0.49", 0, PM_ROUND_HALF_UP, "0");
}

Test(decimal_round, half_up_just_above_half_rounds_away)
{
    expect_round("2.3450001", 2, PM_ROUND_HALF_UP, "2.35");
    expect_round("-2.3450001", 2, PM_ROUND_HALF_UP, "-2.35");
}

Test(decimal_round, half_even_exactly_half_rounds_to_even)
{
    expect_round("2.345", 2, PM_ROUND_HALF_EVEN, "2.34");
    expect_round("-2.345", 2, PM_ROUND_HALF_EVEN, "-2.34");
    expect_round("2.355", 2, PM_ROUND_HALF_EVEN, "2.36");
    expect_round("-2.355", 2, PM_ROUND_HALF_EVEN, "-2.36");
    expect_round("0.5", 0, PM_ROUND_HALF_EVEN, "0");
    expect_round("1.5", 0, PM_ROUND_HALF_EVEN, "2");
    expect_round("2.5", 0, PM_ROUND_HALF_EVEN, "2");
    expect_round("-2.5", 0, PM_ROUND_HALF_EVEN, "-2");
}

Test(decimal_round, half_even_off_half_rounds_to_nearest)
{
    expect_round("2.3450001", 2, PM_ROUND_HALF_EVEN, "2.35");
    expect_round("2.3449999", 2, PM_ROUND_HALF_EVEN, "2.34");
    expect_round("-2.3450001", 2, PM_ROUND_HALF_EVEN, "-2.35");
    expect_round("-2.3549999", 2, PM_ROUND_HALF_EVEN, "-2.35");
}

Test(decimal_round, down_truncates_toward_zero)
{
    expect_round("2.345", 2, PM_ROUND_DOWN, "2.34");
    expect_round("-2.345", 2, PM_ROUND_DOWN, "-2.34");
    expect_round("2.3499999", 2, PM_ROUND_DOWN, "2.34");
    expect_round("-0.999", 0, PM_ROUND_DOWN, "0");
    expect_round("2.3400000", 2, PM_ROUND_DOWN, "2.34");
}

Test(decimal_round, up_moves_away_from_zero_on_any_remainder)
{
    expect_round("2.345", 2, PM_ROUND_UP, "2.35");
    expect_round("-2.345", 2, PM_ROUND_UP, "-2.35");
    expect_round("2.3400001", 2, PM_ROUND_UP, "2.35");
    expect_round("-2.3400001", 2, PM_ROUND_UP, "-2.35");
    expect_round("2.3400000", 2, PM_ROUND_UP, "2.34");
    expect_round("0.001", 0, PM_ROUND_UP, "1");
}

Test(decimal_round, exact_values_are_unchanged_in_every_mode)
{
    for (int m = PM_ROUND_HALF_UP; m <= PM_ROUND_UP; m++) {
        expect_round("-7.2500", 2, (pm_round)m, "-7.25");
        expect_round("0.000", 1, (pm_round)m, "0.0");
    }
}

Test(decimal_round, carries_into_the_integer_part)
{
    expect_round("9.995", 2, PM_ROUND_HALF_UP, "10.00");
    expect_round("-99.99", 0, PM_ROUND_UP, "-100");
    expect_round("0.99999999999999999999999999999999999999", 0, PM_ROUND_HALF_EVEN, "1");
    expect_round("9999999999999999999999999999999999999.9", 0, PM_ROUND_HALF_UP,
                 "10000000000000000000000000000000000000");
}

Test(decimal_round, wide_coefficients_round_correctly)
{
    expect_round("12345678901234567890.123456789012345678", 2, PM_ROUND_HALF_UP, "12345678901234567890.12");
    expect_round("-12345678901234567890.125000000000000000", 2, PM_ROUND_HALF_EVEN, "-12345678901234567890.12");
    expect_round("-12345678901234567890.125000000000000001", 2, PM_ROUND_HALF_EVEN, "-12345678901234567890.13");
    expect_round("0.00000000000000000000000000000000000005", 37, PM_ROUND_HALF_UP,
                 "0.0000000000000000000000000000000000001");
    expect_round("0.50000000000000000000000000000000000000", 0, PM_ROUND_HALF_EVEN, "0");
}

Test(decimal_round, to_a_larger_scale_extends_exactly)
{
    expect_round("1.5", 4, PM_ROUND_DOWN, "1.5000");
    expect_round("-3", 2, PM_ROUND_UP, "-3.00");
    pm_decimal r;
    cr_expect_eq(pm_decimal_round(D(NINES38), 1, PM_ROUND_HALF_UP, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_round(D("1"), 39, PM_ROUND_HALF_UP, &r), PM_DEC_OVERFLOW);
}

/* ---- rescale / cmp / sign / neg / normalize ------------------------------- */

Test(decimal_rescale, extends_exactly_and_detects_overflow)
{
    pm_decimal r;
    cr_assert_eq(pm_decimal_rescale(D("1.5"), 3, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "1.500");
    cr_assert_eq(pm_decimal_rescale(D("9999999999999999999999999999999999999.9"), 1, &r), PM_DEC_OK);
    cr_expect_eq(pm_decimal_rescale(D("9999999999999999999999999999999999999.9"), 2, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_rescale(D("1"), 38, &r), PM_DEC_OVERFLOW);
    cr_assert_eq(pm_decimal_rescale(D("0.1"), 38, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "0.10000000000000000000000000000000000000");
}

Test(decimal_rescale, to_a_smaller_scale_only_when_exact)
{
    pm_decimal r;
    cr_assert_eq(pm_decimal_rescale(D("-1.500"), 1, &r), PM_DEC_OK);
    cr_expect_str_eq(F(r), "-1.5");
    cr_expect_eq(pm_decimal_rescale(D("1.501"), 2, &r), PM_DEC_OVERFLOW);
    cr_expect_eq(pm_decimal_rescale(D("1.5"), -1, &r), PM_DEC_OVERFLOW);
}

Test(decimal_cmp, equal_values_at_different_scales_compare_equal)
{
    cr_expect_eq(pm_decimal_cmp(D("1.5"), D("1.50")), 0);
    cr_expect_eq(pm_decimal_cmp(D("0"), D("-0.000")), 0);
    cr_expect_eq(pm_decimal_cmp(D("-2"), D("-2.00000000000000000000000000000000000")), 0);
}

Test(decimal_cmp, orders_by_value)
{
    cr_expect_eq(pm_decimal_cmp(D("1.5"), D("1.49")), 1);
    cr_expect_eq(pm_decimal_cmp(D("1.49"), D("1.5")), -1);
    cr_expect_eq(pm_decimal_cmp(D("-1.5"), D("-1.49")), -1);
    cr_expect_eq(pm_decimal_cmp(D("-1"), D("0.01")), -1);
    cr_expect_eq(pm_decimal_cmp(D("0"), D("-0.01")), 1);
    cr_expect_eq(pm_decimal_cmp(D(NINES38), D("0.99999999999999999999999999999999999999")), 1);
    cr_expect_eq(pm_decimal_cmp(D("-" NINES38), D("-0.99999999999999999999999999999999999999")), -1);
    cr_expect_eq(pm_decimal_cmp(D("0.00000000000000000000000000000000000001"), D("0")), 1);
    cr_expect_eq(
        pm_decimal_cmp(D("1000000000000000000000000000000000000"), D("999999999999999999999999999999999999.99")), 1);
}

Test(decimal_sign, negative_zero_positive)
{
    cr_expect_eq(pm_decimal_sign(D("-0.01")), -1);
    cr_expect_eq(pm_decimal_sign(D("-0.00")), 0);
    cr_expect_eq(pm_decimal_sign(D("3")), 1);
    cr_expect(pm_decimal_is_zero(D("0.000")));
    cr_expect(!pm_decimal_is_zero(D("0.001")));
}

Test(decimal_neg, flips_sign_and_keeps_scale)
{
    cr_expect_str_eq(F(pm_decimal_neg(D("1.50"))), "-1.50");
    cr_expect_str_eq(F(pm_decimal_neg(D("-" NINES38))), NINES38);
    cr_expect_str_eq(F(pm_decimal_neg(D("0.0"))), "0.0");
}

Test(decimal_normalize, removes_trailing_zeros_down_to_min_scale)
{
    cr_expect_str_eq(F(pm_decimal_normalize(D("1.500"), 0)), "1.5");
    cr_expect_str_eq(F(pm_decimal_normalize(D("1.500"), 2)), "1.50");
    cr_expect_str_eq(F(pm_decimal_normalize(D("-100.00"), 0)), "-100");
    cr_expect_str_eq(F(pm_decimal_normalize(D("0.000"), 0)), "0");
    cr_expect_str_eq(F(pm_decimal_normalize(D("1.5"), 4)), "1.5", "never extends");
}

Test(decimal_from_int, covers_the_int64_range)
{
    cr_expect_str_eq(F(pm_decimal_from_int(INT64_MIN)), "-9223372036854775808");
    cr_expect_str_eq(F(pm_decimal_from_int(INT64_MAX)), "9223372036854775807");
    cr_expect_str_eq(F(pm_decimal_from_int(0)), "0");
}

/* ---- names ---------------------------------------------------------------- */

Test(decimal_names, round_modes_parse_and_print)
{
    static const char *names[] = {"half_up", "half_even", "down", "up"};
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(pm_round_parse(names[i]), i);
        cr_expect_str_eq(pm_round_name((pm_round)i), names[i]);
    }
    cr_expect_eq(pm_round_parse("HALF_UP"), -1);
    cr_expect_eq(pm_round_parse("half-up"), -1);
    cr_expect_eq(pm_round_parse(""), -1);
    cr_expect_eq(pm_round_parse(NULL), -1);
    cr_expect_eq(PM_ROUND_HALF_UP, 0, "half_up is the default (zero) mode");
}

Test(decimal_names, every_status_has_a_message)
{
    int st[] = {PM_DEC_OK, PM_DEC_SYNTAX, PM_DEC_OVERFLOW, PM_DEC_DIVZERO, 99};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_not_null(pm_decimal_strerror(st[i]));
        cr_expect_gt(strlen(pm_decimal_strerror(st[i])), 0);
    }
    cr_expect_str_eq(pm_decimal_strerror(PM_DEC_DIVZERO), "division by zero");
}

/* ---- randomized checks with an independent oracle ------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random decimal with 1..maxdigits digits (random digit pattern, sometimes
 * with runs of zeros and nines) and scale 0..maxscale. */
static pm_decimal random_decimal(int maxdigits, int maxscale)
{
    char s[64];
    int n = 1 + (int)(rnd() % (uint64_t)maxdigits);
    int scale = (int)(rnd() % (uint64_t)(maxscale + 1));
    size_t k = 0;
    if (rnd() % 2) s[k++] = '-';
    int style = (int)(rnd() % 4);
    for (int i = 0; i < n; i++) {
        char c = (char)('0' + rnd() % 10);
        if (style == 1 && rnd() % 3 == 0) c = '0';
        if (style == 2 && rnd() % 3 == 0) c = '9';
        s[k++] = c;
    }
    s[k] = '\0';
    /* Insert the point scale digits from the right (only if enough digits). */
    if (scale > 0 && scale <= n) {
        memmove(s + k - scale + 1, s + k - scale, (size_t)scale + 1);
        s[k - scale] = '.';
    }
    return D(s);
}

/* Base 10^9 big naturals, little-endian. */
typedef struct {
    uint32_t l[24];
    int n;
} big;

static big big_from_u128(unsigned __int128 v)
{
    big b = {{0}, 0};
    while (v) {
        b.l[b.n++] = (uint32_t)(v % 1000000000u);
        v /= 1000000000u;
    }
    return b;
}

static unsigned __int128 umag(__int128 c)
{
    return c < 0 ? (unsigned __int128)0 - (unsigned __int128)c : (unsigned __int128)c;
}

static big big_mul(big a, big b)
{
    uint64_t t[48] = {0};
    for (int i = 0; i < a.n; i++)
        for (int j = 0; j < b.n; j++) {
            t[i + j] += (uint64_t)a.l[i] * b.l[j];
            for (int k = i + j; t[k] >= 1000000000u; k++) {
                t[k + 1] += t[k] / 1000000000u;
                t[k] %= 1000000000u;
            }
        }
    big r = {{0}, 0};
    for (int i = 0; i < a.n + b.n; i++) r.l[i] = (uint32_t)t[i];
    r.n = a.n + b.n;
    while (r.n > 0 && r.l[r.n - 1] == 0) r.n--;
    return r;
}

static big big_pow10(int e)
{
    big r = big_from_u128(1);
    big ten = big_from_u128(10);
    while (e-- > 0) r = big_mul(r, ten);
    return r;
}

static int big_cmp(big a, big b)
{
    if (a.n != b.n) return a.n > b.n ? 1 : -1;
    for (int i = a.n - 1; i >= 0; i--)
        if (a.l[i] != b.l[i]) return a.l[i] > b.l[i] ? 1 : -1;
    return 0;
}

/* Checks |q| is |a/b| at scale s rounded with mode, by exact comparisons:
 * N = |a| * 10^(s + sb - sa), D = |b| (or 10^-e on D), then for
 * DOWN q*D <= N < (q+1)*D, UP (q-1)*D < N <= q*D, HALF_* 2N vs (2q+-1)*D. */
static void check_div(pm_decimal a, pm_decimal b, int s, pm_round mode, pm_decimal q)
{
    int e = s + b.scale - a.scale;
    big N = big_from_u128(umag(a.coef)), Dn = big_from_u128(umag(b.coef));
    if (e >= 0)
        N = big_mul(N, big_pow10(e));
    else
        Dn = big_mul(Dn, big_pow10(-e));
    unsigned __int128 mq = umag(q.coef);
    big lo, hi; /* lo <= scaled N < hi (or with ties per mode) */
    big two = big_from_u128(2);
    switch (mode) {
    case PM_ROUND_DOWN:
        lo = big_mul(big_from_u128(mq), Dn);
        hi = big_mul(big_from_u128(mq + 1), Dn);
        cr_expect(big_cmp(lo, N) <= 0 && big_cmp(N, hi) < 0, "DOWN %s/%s=%s", F(a), F(b), F(q));
        break;
    case PM_ROUND_UP:
        hi = big_mul(big_from_u128(mq), Dn);
        lo = mq ? big_mul(big_from_u128(mq - 1), Dn) : big_from_u128(0);
        cr_expect(big_cmp(N, hi) <= 0 && (mq == 0 || big_cmp(lo, N) < 0), "UP %s/%s=%s", F(a), F(b), F(q));
        break;
    default: {
        big N2 = big_mul(N, two);
        hi = big_mul(big_from_u128(2 * mq + 1), Dn);
        int c_hi = big_cmp(N2, hi);
        int c_lo = mq ? big_cmp(N2, big_mul(big_from_u128(2 * mq - 1), Dn)) : 1;
        int ok = c_hi <= 0 && c_lo >= 0;
        if (c_hi == 0) /* tie above: only half_even with even q stays */
            ok = mode == PM_ROUND_HALF_EVEN && mq % 2 == 0;
        if (c_lo == 0) /* tie below: half_up moved away; half_even needs even q */
            ok = mode == PM_ROUND_HALF_UP || mq % 2 == 0;
        cr_expect(ok, "%s %s/%s=%s", pm_round_name(mode), F(a), F(b), F(q));
    }
    }
    cr_expect_eq(q.scale, s);
    if (mq != 0) cr_expect_eq(q.coef < 0, (a.coef < 0) != (b.coef < 0), "sign of %s/%s", F(a), F(b));
}

Test(decimal_random, add_then_sub_returns_the_original)
{
    rng_state = 20261125;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(36, 20), b = random_decimal(36, 20), s, back;
        int st = pm_decimal_add(a, b, &s);
        if (st != PM_DEC_OK) {
            cr_expect_eq(st, PM_DEC_OVERFLOW);
            continue;
        }
        cr_assert_eq(pm_decimal_sub(s, b, &back), PM_DEC_OK, "(%s+%s)-%s", F(a), F(b), F(b));
        cr_expect_eq(pm_decimal_cmp(back, a), 0, "(%s+%s)-%s = %s", F(a), F(b), F(b), F(back));
        pm_decimal s2;
        cr_assert_eq(pm_decimal_add(b, a, &s2), PM_DEC_OK);
        cr_expect_str_eq(F(s2), F(s), "addition commutes");
    }
}

Test(decimal_random, add_matches_plain_integer_arithmetic)
{
    rng_state = 7;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(17, 6), b = random_decimal(17, 6), r;
        int s = a.scale > b.scale ? a.scale : b.scale;
        __int128 pa = 1, pb = 1;
        for (int k = a.scale; k < s; k++) pa *= 10;
        for (int k = b.scale; k < s; k++) pb *= 10;
        __int128 want = a.coef * pa + b.coef * pb;
        cr_assert_eq(pm_decimal_add(a, b, &r), PM_DEC_OK);
        cr_expect(r.coef == want && r.scale == s, "%s + %s = %s", F(a), F(b), F(r));
        want = a.coef * pa - b.coef * pb;
        cr_assert_eq(pm_decimal_sub(a, b, &r), PM_DEC_OK);
        cr_expect(r.coef == want && r.scale == s, "%s - %s = %s", F(a), F(b), F(r));
    }
}

Test(decimal_random, mul_is_exact_or_truly_overflows)
{
    rng_state = 424242;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(30, 30), b = random_decimal(30, 30), r;
        int st = pm_decimal_mul(a, b, &r);
        big p = big_mul(big_from_u128(umag(a.coef)), big_from_u128(umag(b.coef)));
        int ps = a.scale + b.scale;
        /* Strip the exact product's trailing zeros as far as possible. */
        big stripped = p;
        int ss = ps;
        while (ss > 0 && stripped.n > 0 && stripped.l[0] % 10 == 0) {
            uint64_t carry = 0;
            for (int k = stripped.n - 1; k >= 0; k--) {
                uint64_t cur = carry * 1000000000u + stripped.l[k];
                stripped.l[k] = (uint32_t)(cur / 10);
                carry = cur % 10;
            }
            while (stripped.n > 0 && stripped.l[stripped.n - 1] == 0) stripped.n--;
            ss--;
        }
        if (stripped.n == 0) ss = ps > 38 ? 38 : ps; /* zero fits at any scale */
        int representable = ss <= 38 && big_cmp(stripped, big_pow10(38)) < 0;
        if (!representable) {
            cr_expect_eq(st, PM_DEC_OVERFLOW, "%s * %s should overflow", F(a), F(b));
            continue;
        }
        cr_assert_eq(st, PM_DEC_OK, "%s * %s", F(a), F(b));
        cr_expect_leq(r.scale, ps);
        big got = big_mul(big_from_u128(umag(r.coef)), big_pow10(ps - r.scale));
        cr_expect_eq(big_cmp(got, p), 0, "%s * %s = %s", F(a), F(b), F(r));
        if (ps <= 38 && big_cmp(p, big_pow10(38)) < 0)
            cr_expect_eq(r.scale, ps, "scale is reduced only when it must be");
        if (!pm_decimal_is_zero(r)) cr_expect_eq(r.coef < 0, (a.coef < 0) != (b.coef < 0));
    }
}

Test(decimal_random, div_rounds_exactly_in_every_mode)
{
    rng_state = 1234567;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(38, 38), b = random_decimal(38, 38), q;
        if (pm_decimal_is_zero(b)) continue;
        int s = (int)(rnd() % 39);
        pm_round mode = (pm_round)(rnd() % 4);
        int st = pm_decimal_div(a, b, s, mode, &q);
        if (st == PM_DEC_OVERFLOW) {
            /* Truly too big: N >= 10^38 * D. */
            int e = s + b.scale - a.scale;
            big N = big_from_u128(umag(a.coef)), Dn = big_from_u128(umag(b.coef));
            if (e >= 0)
                N = big_mul(N, big_pow10(e));
            else
                Dn = big_mul(Dn, big_pow10(-e));
            cr_expect_geq(big_cmp(N, big_mul(Dn, big_pow10(38))), 0, "%s / %s at %d should fit", F(a), F(b), s);
            continue;
        }
        cr_assert_eq(st, PM_DEC_OK);
        check_div(a, b, s, mode, q);
    }
}

Test(decimal_random, div_small_values_in_every_mode)
{
    rng_state = 99;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(12, 6), b = random_decimal(6, 4), q;
        if (pm_decimal_is_zero(b)) continue;
        int s = (int)(rnd() % 8);
        pm_round mode = (pm_round)(rnd() % 4);
        cr_assert_eq(pm_decimal_div(a, b, s, mode, &q), PM_DEC_OK);
        check_div(a, b, s, mode, q);
    }
}

Test(decimal_random, div_then_mul_round_trips_within_rounding)
{
    rng_state = 31337;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(15, 4), b = random_decimal(10, 4), q, back, diff, bound;
        if (pm_decimal_is_zero(b)) continue;
        int s = (int)(rnd() % 10);
        cr_assert_eq(pm_decimal_div(a, b, s, PM_ROUND_HALF_EVEN, &q), PM_DEC_OK);
        cr_assert_eq(pm_decimal_mul(q, b, &back), PM_DEC_OK);
        cr_assert_eq(pm_decimal_sub(back, a, &diff), PM_DEC_OK);
        /* |q*b - a| <= |b| * half a unit of scale s */
        pm_decimal half = {5, s + 1};
        pm_decimal absb = pm_decimal_sign(b) < 0 ? pm_decimal_neg(b) : b;
        pm_decimal absd = pm_decimal_sign(diff) < 0 ? pm_decimal_neg(diff) : diff;
        cr_assert_eq(pm_decimal_mul(absb, half, &bound), PM_DEC_OK);
        cr_expect_leq(pm_decimal_cmp(absd, bound), 0, "%s / %s = %s, * = %s", F(a), F(b), F(q), F(back));
    }
}

Test(decimal_random, round_matches_div_by_one)
{
    rng_state = 555;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(38, 38), r, q;
        int s = (int)(rnd() % 39);
        pm_round mode = (pm_round)(rnd() % 4);
        int st = pm_decimal_round(a, s, mode, &r);
        int st2 = pm_decimal_div(a, D("1"), s, mode, &q);
        cr_expect_eq(st, st2, "round(%s, %d)", F(a), s);
        if (st == PM_DEC_OK && st2 == PM_DEC_OK)
            cr_expect_str_eq(F(r), F(q), "round(%s, %d, %s)", F(a), s, pm_round_name(mode));
        if (st == PM_DEC_OK && s < a.scale) check_div(a, D("1"), s, mode, r);
    }
}

Test(decimal_random, format_then_parse_round_trips)
{
    rng_state = 8080;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(38, 38), b;
        char buf[PM_DEC_BUFSZ];
        size_t n = pm_decimal_format(a, buf);
        cr_assert_eq(pm_decimal_parse(buf, n, &b), PM_DEC_OK, "%s", buf);
        cr_expect(a.coef == b.coef && a.scale == b.scale, "%s", buf);
    }
}

Test(decimal_random, cmp_agrees_with_sub)
{
    rng_state = 2026;
    for (int i = 0; i < 20000; i++) {
        pm_decimal a = random_decimal(20, 19), b = random_decimal(20, 19), d;
        if (rnd() % 4 == 0) b = pm_decimal_normalize(a, 0);
        cr_assert_eq(pm_decimal_sub(a, b, &d), PM_DEC_OK);
        cr_expect_eq(pm_decimal_cmp(a, b), pm_decimal_sign(d), "cmp(%s, %s)", F(a), F(b));
        cr_expect_eq(pm_decimal_cmp(b, a), -pm_decimal_sign(d));
    }
}

/* ---- the 64-bit paths of parse and format, against plain oracles ---------- */

/* The text of sign * m * 10^-scale digit by digit (m below 2^128). */
static void oracle_text(int neg, unsigned __int128 m, int scale, char *out)
{
    char dig[64];
    int n = 0;
    do {
        dig[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    while (n < scale + 1) dig[n++] = '0';
    size_t k = 0;
    if (neg) out[k++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        out[k++] = dig[i];
        if (i == scale && scale > 0) out[k++] = '.';
    }
    out[k] = '\0';
}

Test(decimal_format, every_digit_count_and_scale_around_64_bits)
{
    /* 10^k - 1, 10^k and 10^k + 1 for every k a 64-bit number has, the
     * 64-bit limits and one beyond, at every scale to one past 19 */
    unsigned __int128 ms[70];
    int nm = 0;
    unsigned __int128 p = 1;
    for (int k = 0; k <= 19; k++, p *= 10) {
        ms[nm++] = p - 1;
        ms[nm++] = p;
        ms[nm++] = p + 1;
    }
    ms[nm++] = UINT64_MAX - 1;
    ms[nm++] = UINT64_MAX;
    ms[nm++] = (unsigned __int128)UINT64_MAX + 1;
    ms[nm++] = (unsigned __int128)UINT64_MAX * 10 + 7;
    for (int i = 0; i < nm; i++)
        for (int scale = 0; scale <= 21; scale++)
            for (int neg = 0; neg <= (ms[i] != 0); neg++) {
                pm_decimal d = {neg ? -(__int128)ms[i] : (__int128)ms[i], scale};
                char want[PM_DEC_BUFSZ], got[PM_DEC_BUFSZ];
                oracle_text(neg, ms[i], scale, want);
                size_t n = pm_decimal_format(d, got);
                cr_expect_str_eq(got, want, "coefficient #%d at scale %d", i, scale);
                cr_expect_eq(n, strlen(want), "length of %s", want);
                cr_expect_eq(pm_decimal_format_len(d), strlen(want), "format_len of %s", want);
            }
}

Test(decimal_format, format_len_is_the_length_format_writes)
{
    rng_state = 4711;
    for (int i = 0; i < 20000; i++) {
        pm_decimal d = random_decimal(38, 38);
        if (i % 7 == 0) d.scale = (int)(rnd() % 50) - 5; /* out of range: clamped by both */
        if (i % 11 == 0) d.coef = -d.coef;               /* both signs of every size */
        char buf[PM_DEC_BUFSZ];
        size_t n = pm_decimal_format(d, buf);
        cr_assert_eq(pm_decimal_format_len(d), n, "%s (scale %d)", buf, d.scale);
    }
}

/* What pm_decimal_parse should make of s[0..len), by decimal.h's grammar
 * read plainly: blanks, a sign, digits with at most one point (one digit
 * at least), blanks.  For texts short enough to fit without overflow. */
static int oracle_parse(const char *s, size_t len, pm_decimal *out)
{
    size_t i = 0, e = len;
    while (i < e && (s[i] == ' ' || s[i] == '\t')) i++;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
    int neg = 0;
    if (i < e && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    unsigned __int128 m = 0;
    int digits = 0, points = 0, scale = 0;
    for (; i < e; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            m = m * 10 + (unsigned)(s[i] - '0');
            digits++;
            scale += points;
        } else if (s[i] == '.') {
            points++;
        } else {
            return PM_DEC_SYNTAX;
        }
    }
    if (digits == 0 || points > 1) return PM_DEC_SYNTAX;
    out->coef = neg ? -(__int128)m : (__int128)m;
    out->scale = scale;
    return PM_DEC_OK;
}

Test(decimal_parse, short_numbers_match_a_plain_reading)
{
    /* texts of 1 to 22 bytes around the 19 characters read in one pass:
     * digits, points, signs, blanks and a stray letter */
    static const char alphabet[] = "0123456789012345678999999..+- \tx";
    rng_state = 19;
    for (int it = 0; it < 200000; it++) {
        char s[32];
        size_t len = 1 + (size_t)(rnd() % 22);
        for (size_t i = 0; i < len; i++) s[i] = alphabet[rnd() % (sizeof alphabet - 1)];
        /* most of them numbers: a sign only at the front, digits around */
        if (rnd() % 2)
            for (size_t i = 1; i < len; i++)
                if (s[i] == '+' || s[i] == '-' || s[i] == ' ' || s[i] == '\t' || s[i] == 'x') s[i] = '5';
        pm_decimal want = {0, 0}, got = {0, 0};
        int ws = oracle_parse(s, len, &want), gs = pm_decimal_parse(s, len, &got);
        cr_assert_eq(gs, ws, "status of '%.*s'", (int)len, s);
        if (ws == PM_DEC_OK)
            cr_assert(got.coef == want.coef && got.scale == want.scale, "'%.*s' read as %s", (int)len, s, F(got));
    }
    /* the edges of the one pass: 19 characters, and 20 */
    pm_decimal d;
    cr_assert_eq(pm_decimal_parse("9999999999999999999", 19, &d), PM_DEC_OK);
    cr_expect(d.coef == (__int128)9999999999999999999ULL && d.scale == 0);
    cr_assert_eq(pm_decimal_parse("99999999999999999999", 20, &d), PM_DEC_OK);
    cr_expect(d.coef == (__int128)9999999999999999999ULL * 10 + 9 && d.scale == 0);
    cr_assert_eq(pm_decimal_parse(".999999999999999999", 19, &d), PM_DEC_OK);
    cr_expect(d.coef == (__int128)999999999999999999ULL && d.scale == 18);
    cr_expect_eq(pm_decimal_parse("1.2.3", 5, &d), PM_DEC_SYNTAX);
    cr_expect_eq(pm_decimal_parse("-.", 2, &d), PM_DEC_SYNTAX);
}
