/* fuzz_decimal.c - libFuzzer harness for lib/decimal.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_decimal.c lib/decimal.c -o /tmp/fz && /tmp/fz -max_total_time=120
 *
 * Input: TEXT_A [ '\n' TEXT_B ], the last byte also choosing a scale and a
 * rounding mode.  Checks, beyond "no crash, no sanitizer report":
 * format/parse round trip, (a+b)-b == a, commutativity, a*1 == a,
 * round == div by one, DOWN <= HALF_* <= UP within one unit, cmp symmetry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static int same(pm_decimal a, pm_decimal b)
{
    return a.coef == b.coef && a.scale == b.scale;
}

static pm_decimal absd(pm_decimal a)
{
    return pm_decimal_sign(a) < 0 ? pm_decimal_neg(a) : a;
}

static void check_one(pm_decimal a)
{
    char buf[PM_DEC_BUFSZ];
    pm_decimal b;
    size_t n = pm_decimal_format(a, buf);
    CHECK(n < PM_DEC_BUFSZ && n == strlen(buf));
    CHECK(pm_decimal_parse(buf, n, &b) == PM_DEC_OK);
    CHECK(same(a, b));
    CHECK(!(buf[0] == '-' && pm_decimal_is_zero(a)));
    CHECK(same(pm_decimal_neg(pm_decimal_neg(a)), a));
    pm_decimal z = pm_decimal_normalize(a, 0);
    CHECK(pm_decimal_cmp(z, a) == 0 && z.scale <= a.scale);
}

static void check_pair(pm_decimal a, pm_decimal b, int scale, pm_round mode)
{
    pm_decimal s, s2, back, p, p2, q, r;
    int c = pm_decimal_cmp(a, b);
    CHECK(c == -pm_decimal_cmp(b, a));

    int st = pm_decimal_add(a, b, &s);
    CHECK(st == PM_DEC_OK || st == PM_DEC_OVERFLOW);
    CHECK(pm_decimal_add(b, a, &s2) == st);
    if (st == PM_DEC_OK) {
        CHECK(same(s, s2));
        CHECK(pm_decimal_sub(s, b, &back) == PM_DEC_OK);
        CHECK(pm_decimal_cmp(back, a) == 0);
    }
    st = pm_decimal_sub(a, b, &s);
    CHECK(st == PM_DEC_OK || st == PM_DEC_OVERFLOW);
    if (st == PM_DEC_OK)
        CHECK(pm_decimal_sign(s) == c);

    st = pm_decimal_mul(a, b, &p);
    CHECK(st == PM_DEC_OK || st == PM_DEC_OVERFLOW);
    CHECK(pm_decimal_mul(b, a, &p2) == st);
    if (st == PM_DEC_OK) {
        CHECK(same(p, p2));
        if (!pm_decimal_is_zero(p))
            CHECK(pm_decimal_sign(p) == pm_decimal_sign(a) * pm_decimal_sign(b));
    }
    CHECK(pm_decimal_mul(a, pm_decimal_from_int(1), &p) == PM_DEC_OK && same(p, a));

    st = pm_decimal_div(a, b, scale, mode, &q);
    if (scale < 0) {
        CHECK(st == PM_DEC_OVERFLOW);  /* bad arguments are reported first */
    } else if (pm_decimal_is_zero(b)) {
        CHECK(st == PM_DEC_DIVZERO);
    } else {
        CHECK(st == PM_DEC_OK || st == PM_DEC_OVERFLOW);
        pm_decimal qd, qu;
        int sd = pm_decimal_div(a, b, scale, PM_ROUND_DOWN, &qd);
        int su = pm_decimal_div(a, b, scale, PM_ROUND_UP, &qu);
        if (sd == PM_DEC_OK && su == PM_DEC_OK && st == PM_DEC_OK) {
            /* |down| <= |q| <= |up| and |up| - |down| is 0 or one unit. */
            pm_decimal gap;
            CHECK(pm_decimal_cmp(absd(qd), absd(q)) <= 0);
            CHECK(pm_decimal_cmp(absd(q), absd(qu)) <= 0);
            CHECK(pm_decimal_sub(absd(qu), absd(qd), &gap) == PM_DEC_OK);
            CHECK(gap.coef == 0 || gap.coef == 1);
            /* a/b == (-a)/(-b), and (-a)/b == -(a/b) */
            pm_decimal q2;
            CHECK(pm_decimal_div(pm_decimal_neg(a), pm_decimal_neg(b), scale, mode, &q2) == PM_DEC_OK);
            CHECK(same(q, q2));
            CHECK(pm_decimal_div(pm_decimal_neg(a), b, scale, mode, &q2) == PM_DEC_OK);
            CHECK(same(pm_decimal_neg(q), q2));
        }
        if (sd == PM_DEC_OVERFLOW)
            CHECK(st == PM_DEC_OVERFLOW);
    }

    st = pm_decimal_round(a, scale, mode, &r);
    CHECK(st == PM_DEC_OK || st == PM_DEC_OVERFLOW);
    CHECK(pm_decimal_div(a, pm_decimal_from_int(1), scale, mode, &q) == st);
    if (st == PM_DEC_OK)
        CHECK(same(r, q));
    st = pm_decimal_rescale(a, scale, &r);
    if (st == PM_DEC_OK)
        CHECK(pm_decimal_cmp(r, a) == 0 && r.scale == scale);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t ctl = data[size - 1];
    int scale = ctl % 40 == 39 ? -1 : ctl % 40;  /* sometimes invalid */
    pm_round mode = (pm_round)((ctl >> 6) & 3);
    const char *s = (const char *)data;
    size_t len = size - 1;
    const char *nl = memchr(s, '\n', len);
    size_t la = nl ? (size_t)(nl - s) : len;

    /* Copy into exact-size heap buffers so ASan sees any over-read. */
    char *ta = malloc(la ? la : 1);
    memcpy(ta, s, la);
    pm_decimal a, b;
    int sa = pm_decimal_parse(ta, la, &a);
    CHECK(sa == PM_DEC_OK || sa == PM_DEC_SYNTAX || sa == PM_DEC_OVERFLOW);
    if (sa == PM_DEC_OK)
        check_one(a);
    if (sa == PM_DEC_OK && nl) {
        size_t lb = len - la - 1;
        char *tb = malloc(lb ? lb : 1);
        memcpy(tb, nl + 1, lb);
        if (pm_decimal_parse(tb, lb, &b) == PM_DEC_OK) {
            check_one(b);
            check_pair(a, b, scale, mode);
            check_pair(b, a, scale, mode);
        }
        free(tb);
    }
    free(ta);
    return 0;
}
