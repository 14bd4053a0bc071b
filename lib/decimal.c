/* decimal.c - exact decimal arithmetic on a 128-bit coefficient.
 *
 * Invariant of every valid pm_decimal: |coef| <= 10^38 - 1 (38 digits)
 * and 0 <= scale <= 38.  Keeping the coefficient range symmetric means
 * negation never overflows and the sum of two magnitudes always fits in an
 * unsigned 128-bit integer.  Arithmetic works on magnitudes (unsigned) and a
 * sign, so no signed overflow can ever happen; where an intermediate may not
 * fit in 128 bits (rescaled operands, products, dividends) a small unsigned
 * 256-bit helper computes the exact value, and the result is reduced only by
 * dropping trailing zeros: a value is never silently rounded or wrapped.
 *
 * Inputs that break the invariant (built by hand) are rejected with
 * PM_DEC_OVERFLOW by the functions that return a status; the others stay
 * memory-safe and free of undefined behaviour on them.
 *
 * 128-bit multiplications and divisions go through our own code rather than
 * __builtin_mul_overflow, which some compilers lower to runtime helpers that
 * are not always linked.
 */
#include "decimal.h"

#include <assert.h>
#include <string.h>

typedef unsigned __int128 u128;

#define P19 10000000000000000000ULL

/* 10^0 .. 10^19, the powers that fit 64 bits (both tables start with them) */
/* clang-format off */
#define POW10_0_19 \
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL, \
    10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL, \
    1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL, P19
/* clang-format on */

static const uint64_t pow10_64[20] = {POW10_0_19};

#define BIG(k) ((u128)P19 * (u128)(k))
/* clang-format off */
static const u128 pow10_128[39] = {
    POW10_0_19,
    BIG(10ULL), BIG(100ULL), BIG(1000ULL), BIG(10000ULL), BIG(100000ULL),
    BIG(1000000ULL), BIG(10000000ULL), BIG(100000000ULL), BIG(1000000000ULL), BIG(10000000000ULL),
    BIG(100000000000ULL), BIG(1000000000000ULL), BIG(10000000000000ULL), BIG(100000000000000ULL), BIG(1000000000000000ULL),
    BIG(10000000000000000ULL), BIG(100000000000000000ULL), BIG(1000000000000000000ULL), BIG(P19),
};
/* clang-format on */

/* 10^38 - 1: the largest magnitude, exactly 38 nines. */
#define MAXC (pow10_128[38] - 1)

/* ---- small helpers ---------------------------------------------------- */

static inline u128 mag(__int128 c)
{
    return c < 0 ? (u128)0 - (u128)c : (u128)c;
}

/* m must be <= MAXC: every result is built here, so every result keeps the
 * invariant of decimal.h. */
static inline pm_decimal make(int neg, u128 m, int scale)
{
    assert(m <= MAXC && scale >= 0 && scale <= PM_DEC_MAX_SCALE);
    pm_decimal d;
    d.coef = neg ? -(__int128)m : (__int128)m;
    d.scale = scale;
    return d;
}

static inline int valid(pm_decimal d)
{
    return d.scale >= 0 && d.scale <= PM_DEC_MAX_SCALE && mag(d.coef) <= MAXC;
}

static inline int valid_mode(pm_round mode)
{
    return mode == PM_ROUND_HALF_UP || mode == PM_ROUND_HALF_EVEN || mode == PM_ROUND_DOWN || mode == PM_ROUND_UP;
}

/* Whether q (truncated quotient magnitude) must be incremented, given the
 * remainder r and divisor d (0 <= r < d).  half is the sign of r - (d - r):
 * below, exactly at or above half a unit. */
static inline int round_up_needed(pm_round mode, int q_odd, int r_nonzero, int half)
{
    switch (mode) {
    case PM_ROUND_DOWN: return 0;
    case PM_ROUND_UP: return r_nonzero;
    case PM_ROUND_HALF_UP: return r_nonzero && half >= 0;
    case PM_ROUND_HALF_EVEN: return r_nonzero && (half > 0 || (half == 0 && q_odd));
    }
    return 0;
}

static inline int cmp_u128(u128 a, u128 b)
{
    return (a > b) - (a < b);
}

/* ---- 256-bit unsigned helper (slow paths only) ------------------------ */

typedef struct {
    uint64_t w[4];
} u256; /* little-endian limbs */

static u256 u256_from(u128 x)
{
    u256 r = {{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}};
    return r;
}

static int u256_is_u128(const u256 *a)
{
    return a->w[2] == 0 && a->w[3] == 0;
}

static u128 u256_lo(const u256 *a)
{
    return ((u128)a->w[1] << 64) | a->w[0];
}

static int u256_is_zero(const u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static int u256_cmp(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] > b->w[i] ? 1 : -1;
    return 0;
}

/* r = a + b; returns the carry out (overflow). */
static int u256_add(u256 *r, const u256 *a, const u256 *b)
{
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 s = (u128)a->w[i] + b->w[i] + carry;
        r->w[i] = (uint64_t)s;
        carry = s >> 64;
    }
    return carry != 0;
}

/* r = a - b, requires a >= b. */
static void u256_sub(u256 *r, const u256 *a, const u256 *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        uint64_t d = x - y - borrow;
        borrow = (x < y) || (x - y < borrow);
        r->w[i] = d;
    }
}

/* a *= m; returns nonzero on overflow (a is then meaningless). */
static int u256_mul_u64(u256 *a, uint64_t m)
{
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)a->w[i] * m + carry;
        a->w[i] = (uint64_t)p;
        carry = p >> 64;
    }
    return carry != 0;
}

/* a *= 10^e (e >= 0); returns nonzero on overflow. */
static int u256_mul_pow10(u256 *a, int e)
{
    while (e > 0) {
        int k = e > 19 ? 19 : e;
        if (u256_mul_u64(a, pow10_64[k])) return 1;
        e -= k;
    }
    return 0;
}

static u256 u256_mul128(u128 a, u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1;
    u128 p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u256 r;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    r.w[0] = (uint64_t)p00;
    r.w[1] = (uint64_t)mid;
    u128 hi = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + (uint64_t)p11;
    r.w[2] = (uint64_t)hi;
    r.w[3] = (uint64_t)((hi >> 64) + (p11 >> 64));
    return r;
}

/* a /= d; returns the remainder. */
static uint64_t u256_divmod_u64(u256 *a, uint64_t d)
{
    u128 r = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = (r << 64) | a->w[i];
        a->w[i] = (uint64_t)(cur / d);
        r = cur % d;
    }
    return (uint64_t)r;
}

static int u256_bit(const u256 *a, int i)
{
    return (int)((a->w[i / 64] >> (i % 64)) & 1);
}

/* Binary long division, q = n / d, r = n % d; d must be below 2^255. */
static void u256_divmod(const u256 *n, const u256 *d, u256 *q, u256 *r)
{
    u256 rem = {{0, 0, 0, 0}}, quo = {{0, 0, 0, 0}};
    int top = 255;
    while (top >= 0 && !u256_bit(n, top)) top--;
    for (int i = top; i >= 0; i--) {
        rem.w[3] = (rem.w[3] << 1) | (rem.w[2] >> 63);
        rem.w[2] = (rem.w[2] << 1) | (rem.w[1] >> 63);
        rem.w[1] = (rem.w[1] << 1) | (rem.w[0] >> 63);
        rem.w[0] = (rem.w[0] << 1) | (uint64_t)u256_bit(n, i);
        if (u256_cmp(&rem, d) >= 0) {
            u256_sub(&rem, &rem, d);
            quo.w[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    *q = quo;
    *r = rem;
}

/* Represents sign * m * 10^-scale, dropping trailing zeros only while the
 * magnitude or the scale is too large; PM_DEC_OVERFLOW when that is not
 * enough. */
static int fit(int neg, u256 m, int scale, pm_decimal *out)
{
    u256 maxc = u256_from(MAXC);
    while ((scale > PM_DEC_MAX_SCALE || u256_cmp(&m, &maxc) > 0) && scale > 0) {
        u256 t = m;
        if (u256_divmod_u64(&t, 10) != 0) break;
        m = t;
        scale--;
    }
    if (scale > PM_DEC_MAX_SCALE || u256_cmp(&m, &maxc) > 0) return PM_DEC_OVERFLOW;
    *out = make(neg, u256_lo(&m), scale);
    return PM_DEC_OK;
}

/* ---- names and messages ----------------------------------------------- */

static const char *const round_names[] = {"half_up", "half_even", "down", "up"};

int pm_round_parse(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, round_names[i]) == 0) return i;
    return -1;
}

const char *pm_round_name(pm_round mode)
{
    return valid_mode(mode) ? round_names[mode] : "unknown";
}

const char *pm_decimal_strerror(int status)
{
    switch (status) {
    case PM_DEC_OK: return "ok";
    case PM_DEC_SYNTAX: return "not a decimal number";
    case PM_DEC_OVERFLOW: return "decimal does not fit (more than 38 digits or scale above 38)";
    case PM_DEC_DIVZERO: return "division by zero";
    }
    return "unknown decimal error";
}

/* ---- conversion --------------------------------------------------------- */

pm_decimal pm_decimal_from_int(int64_t v)
{
    pm_decimal d;
    d.coef = v;
    d.scale = 0;
    return d;
}

static inline int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static inline int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* Appends the digits [p, q) (at most 38 in all) to *c. */
static inline void acc_digits(const unsigned char *p, const unsigned char *q, u128 *c)
{
    while (p < q) {
        size_t n = (size_t)(q - p);
        if (n > 19) n = 19;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v = v * 10 + (uint64_t)(p[i] - '0');
        *c = *c * pow10_64[n] + v;
        p += n;
    }
}

int pm_decimal_parse(const char *s, size_t len, pm_decimal *out)
{
    if (!s) return PM_DEC_SYNTAX;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int neg = 0;
    /* The usual number (an amount, a quantity): 1 to 19 characters, all
     * digits but one point at most, no blank or sign; its digits fit 64
     * bits.  One loop for the integer part, one for the fraction; any
     * other text goes on below. */
    if (len - 1 < 19) {
        const unsigned char *q = p;
        uint64_t v = 0;
        unsigned dg;
        while ((dg = (unsigned)*q - '0') < 10) {
            v = v * 10 + dg;
            if (++q == end) {
                out->coef = (__int128)v;
                out->scale = 0;
                return PM_DEC_OK;
            }
        }
        if (*q == '.') {
            const unsigned char *dot = q++;
            while (q < end && (dg = (unsigned)*q - '0') < 10) {
                v = v * 10 + dg;
                q++;
            }
            if (q == end && len > 1) { /* "." alone is no number */
                out->coef = (__int128)v;
                out->scale = (int)(end - dot - 1);
                return PM_DEC_OK;
            }
        }
    }

    while (p < end && is_blank(*p)) p++;
    while (end > p && is_blank(end[-1])) end--;
    if (p < end && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    /* Most numbers (amounts, quantities) are at most 19 characters of
     * digits and one point: one pass, the digits gathered in 64 bits,
     * which they cannot overflow (19 nines < 2^64).  Anything else (a
     * second point, a blank after the sign, no digit, a longer number) is
     * left to the full parse below, which gives the same value or the
     * error. */
    if (end - p <= 19) {
        const unsigned char *q = p, *dot = NULL;
        uint64_t v = 0;
        for (; q < end; q++) {
            if (is_digit(*q))
                v = v * 10 + (uint64_t)(*q - '0');
            else if (*q == '.' && !dot)
                dot = q;
            else
                break;
        }
        if (q == end && end - p > (dot != NULL)) {
            *out = make(neg, v, dot ? (int)(end - dot - 1) : 0);
            return PM_DEC_OK;
        }
    }
    const unsigned char *i0 = p;
    while (p < end && is_digit(*p)) p++;
    const unsigned char *i1 = p, *f0 = p, *f1 = p;
    if (p < end && *p == '.') {
        f0 = ++p;
        while (p < end && is_digit(*p)) p++;
        f1 = p;
    }
    if (p != end || (i1 == i0 && f1 == f0)) return PM_DEC_SYNTAX;

    size_t scale = (size_t)(f1 - f0);
    if (scale > PM_DEC_MAX_SCALE) return PM_DEC_OVERFLOW;
    /* Leading zeros are not significant. */
    while (i0 < i1 && *i0 == '0') i0++;
    if (i0 == i1)
        while (f0 < f1 && *f0 == '0') f0++;
    size_t digits = (size_t)(i1 - i0) + (size_t)(f1 - f0);
    if (digits > 38) return PM_DEC_OVERFLOW;

    u128 c = 0;
    acc_digits(i0, i1, &c);
    acc_digits(f0, f1, &c);
    *out = make(neg, c, (int)scale);
    return PM_DEC_OK;
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Writes v's decimal digits ending just before *end, at least min digits
 * (zero-padded); returns the new start. */
static char *put_u64(char *end, uint64_t v, int min)
{
    char *p = end;
    while (v >= 100) {
        unsigned k = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[k + 1];
        *--p = digit_pairs[k];
    }
    if (v >= 10) {
        unsigned k = (unsigned)v * 2;
        *--p = digit_pairs[k + 1];
        *--p = digit_pairs[k];
    } else {
        *--p = (char)('0' + v);
    }
    while (end - p < min) *--p = '0';
    return p;
}

/* How many decimal digits v has (1 for 0). */
static inline int digits_u64(uint64_t v)
{
    int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12; /* about log10, one below at most */
    int n = t + (v >= pow10_64[t]);
    return n ? n : 1;
}

size_t pm_decimal_format(pm_decimal d, char out[PM_DEC_BUFSZ])
{
    int fscale = d.scale < 0 ? 0 : d.scale > PM_DEC_MAX_SCALE ? PM_DEC_MAX_SCALE : d.scale;
    u128 fm = mag(d.coef);
    if (fm <= UINT64_MAX && fscale <= 19) {
        /* A coefficient of 64 bits (every amount but the huge): its digits
         * (at most 20, at least fscale + 1) two at a time into dig, from
         * the last back (divisions by a constant, no division by
         * 10^fscale), then the integer part and the fraction moved to out
         * as 20 bytes each whatever their length: the bytes past them are
         * written over or lie past the NUL, and every move stays inside
         * dig and out (1 + 20 + 1 + 20 < PM_DEC_BUFSZ). */
        char dig[64];
        char *const end = dig + 40, *const point = end - fscale; /* the fraction's first digit */
        char *p = put_u64(end, (uint64_t)fm, fscale + 1);        /* "0.05": a digit before the point */
        char *o = out;
        *o = '-';
        o += d.coef < 0;
        memcpy(o, p, 20);
        o += point - p;
        if (fscale) {
            *o++ = '.';
            memcpy(o, point, 20);
            o += fscale;
        }
        *o = '\0';
        return (size_t)(o - out);
    }
    /* Digits are produced right-aligned in tmp: at most 39 of them (any
     * 128-bit magnitude) plus padding up to scale + 1 <= 39. */
    char tmp[48];
    char *end = tmp + sizeof tmp;
    int scale = d.scale < 0 ? 0 : d.scale > PM_DEC_MAX_SCALE ? PM_DEC_MAX_SCALE : d.scale;
    u128 m = mag(d.coef);
    char *p;

    if (m <= UINT64_MAX) {
        p = put_u64(end, (uint64_t)m, 1);
    } else {
        u128 hi = m / P19;
        p = put_u64(end, (uint64_t)(m % P19), 19);
        if (hi > UINT64_MAX) {
            p = put_u64(p, (uint64_t)(hi % P19), 19);
            p = put_u64(p, (uint64_t)(hi / P19), 1);
        } else {
            p = put_u64(p, (uint64_t)hi, 1);
        }
    }
    while (end - p < scale + 1) *--p = '0';

    size_t n = (size_t)(end - p), ni = n - (size_t)scale, len = 0;
    if (d.coef < 0) out[len++] = '-';
    memcpy(out + len, p, ni);
    len += ni;
    if (scale > 0) {
        out[len++] = '.';
        memcpy(out + len, p + ni, (size_t)scale);
        len += (size_t)scale;
    }
    out[len] = '\0';
    assert(len < PM_DEC_BUFSZ);
    return len;
}

size_t pm_decimal_format_len(pm_decimal d)
{
    int scale = d.scale < 0 ? 0 : d.scale > PM_DEC_MAX_SCALE ? PM_DEC_MAX_SCALE : d.scale;
    u128 m = mag(d.coef);
    int digits;
    if (m <= UINT64_MAX) {
        digits = digits_u64((uint64_t)m);
    } else {
        digits = 20;
        while (digits < 39 && m >= pow10_128[digits]) digits++;
    }
    int shown = digits > scale + 1 ? digits : scale + 1; /* "0.05": a 0 before the point */
    return (size_t)((d.coef < 0) + shown + (scale > 0));
}

/* ---- arithmetic --------------------------------------------------------- */

int pm_decimal_rescale(pm_decimal a, int scale, pm_decimal *out)
{
    if (!valid(a) || scale < 0 || scale > PM_DEC_MAX_SCALE) return PM_DEC_OVERFLOW;
    u128 m = mag(a.coef);
    if (scale >= a.scale) {
        int k = scale - a.scale;
        /* m * 10^k <= 10^38 - 1  <=>  m < 10^(38-k) */
        if (m >= pow10_128[38 - k]) return PM_DEC_OVERFLOW;
        *out = make(a.coef < 0, m * pow10_128[k], scale);
        return PM_DEC_OK;
    }
    u128 p = pow10_128[a.scale - scale];
    if (m % p != 0) return PM_DEC_OVERFLOW;
    *out = make(a.coef < 0, m / p, scale);
    return PM_DEC_OK;
}

/* Adds sign/magnitude pairs already known valid. */
static int add_signed(int na, u128 ma, int sa, int nb, u128 mb, int sb, pm_decimal *out)
{
    int s = sa > sb ? sa : sb;
    int ka = s - sa, kb = s - sb;

    if (ma < pow10_128[38 - ka] && mb < pow10_128[38 - kb]) {
        /* Both aligned magnitudes are <= MAXC: the sum fits in 128 bits. */
        ma *= pow10_128[ka];
        mb *= pow10_128[kb];
        u128 r;
        int neg;
        if (na == nb) {
            r = ma + mb;
            neg = na;
        } else if (ma >= mb) {
            r = ma - mb;
            neg = na;
        } else {
            r = mb - ma;
            neg = nb;
        }
        if (r <= MAXC) {
            *out = make(neg && r != 0, r, s);
            return PM_DEC_OK;
        }
        return fit(neg, u256_from(r), s, out);
    }

    u256 xa = u256_mul128(ma, pow10_128[ka]);
    u256 xb = u256_mul128(mb, pow10_128[kb]);
    u256 r;
    int neg;
    if (na == nb) {
        u256_add(&r, &xa, &xb); /* < 2 * 10^76, no carry */
        neg = na;
    } else if (u256_cmp(&xa, &xb) >= 0) {
        u256_sub(&r, &xa, &xb);
        neg = na;
    } else {
        u256_sub(&r, &xb, &xa);
        neg = nb;
    }
    return fit(neg && !u256_is_zero(&r), r, s, out);
}

int pm_decimal_add(pm_decimal a, pm_decimal b, pm_decimal *out)
{
    if (!valid(a) || !valid(b)) return PM_DEC_OVERFLOW;
    if (a.scale == b.scale && ((mag(a.coef) | mag(b.coef)) >> 126) == 0) {
        /* Fast path: both below 2^126, so the sum cannot overflow. */
        __int128 r = a.coef + b.coef;
        if (mag(r) <= MAXC) {
            out->coef = r;
            out->scale = a.scale;
            return PM_DEC_OK;
        }
    }
    return add_signed(a.coef < 0, mag(a.coef), a.scale, b.coef < 0, mag(b.coef), b.scale, out);
}

int pm_decimal_sub(pm_decimal a, pm_decimal b, pm_decimal *out)
{
    if (!valid(a) || !valid(b)) return PM_DEC_OVERFLOW;
    return pm_decimal_add(a, pm_decimal_neg(b), out);
}

/* Whether c fits 64 bits signed: then |c| <= 2^63, and a product of two
 * such is at most 2^126 < 10^38 - 1 in magnitude, never too wide. */
static inline int fits_i64(__int128 c)
{
    return c == (__int128)(int64_t)c;
}

int pm_decimal_mul(pm_decimal a, pm_decimal b, pm_decimal *out)
{
    /* Most products (a quantity by a price): two 64-bit coefficients at
     * small scales, exact in 128 bits whatever their signs. */
    if (fits_i64(a.coef) && fits_i64(b.coef) && (unsigned)a.scale <= PM_DEC_MAX_SCALE &&
        (unsigned)b.scale <= PM_DEC_MAX_SCALE && a.scale + b.scale <= PM_DEC_MAX_SCALE) {
        out->coef = (__int128)(int64_t)a.coef * (int64_t)b.coef;
        out->scale = a.scale + b.scale;
        return PM_DEC_OK;
    }
    if (!valid(a) || !valid(b)) return PM_DEC_OVERFLOW;
    u128 ma = mag(a.coef), mb = mag(b.coef);
    int neg = (a.coef < 0) != (b.coef < 0);
    int s = a.scale + b.scale;

    if (ma <= UINT64_MAX && mb <= UINT64_MAX) {
        u128 p = ma * mb; /* < 2^128 */
        if (p <= MAXC && s <= PM_DEC_MAX_SCALE) {
            *out = make(neg && p != 0, p, s);
            return PM_DEC_OK;
        }
    }
    u256 p = u256_mul128(ma, mb);
    return fit(neg && !u256_is_zero(&p), p, s, out);
}

int pm_decimal_div(pm_decimal a, pm_decimal b, int scale, pm_round mode, pm_decimal *out)
{
    if (!valid(a) || !valid(b) || scale < 0 || scale > PM_DEC_MAX_SCALE) return PM_DEC_OVERFLOW;
    if (!valid_mode(mode)) return PM_DEC_SYNTAX;
    if (b.coef == 0) return PM_DEC_DIVZERO;

    /* a/b at scale s has coefficient |a| * 10^(s + sb - sa) / |b|. */
    int neg = (a.coef < 0) != (b.coef < 0);
    int e = scale + b.scale - a.scale; /* -38 .. 76 */
    u128 ma = mag(a.coef), mb = mag(b.coef);

    if (e <= 38) {
        /* Fast path when numerator and denominator fit in 128 bits. */
        u128 n = ma, d = mb;
        int ok = 1;
        if (e >= 0) {
            u256 t = u256_mul128(ma, pow10_128[e]);
            ok = u256_is_u128(&t);
            n = u256_lo(&t);
        } else {
            u256 t = u256_mul128(mb, pow10_128[-e]);
            ok = u256_is_u128(&t);
            d = u256_lo(&t);
        }
        if (ok) {
            u128 q = n / d, r = n % d;
            if (round_up_needed(mode, (int)(q & 1), r != 0, cmp_u128(r, d - r))) q++;
            if (q > MAXC) return PM_DEC_OVERFLOW;
            *out = make(neg && q != 0, q, scale);
            return PM_DEC_OK;
        }
    }

    u256 n = u256_from(ma), d = u256_from(mb);
    if (e >= 0) {
        /* A numerator beyond 2^256 gives a quotient beyond 2^256 / 10^38. */
        if (u256_mul_pow10(&n, e)) return PM_DEC_OVERFLOW;
    } else if (u256_mul_pow10(&d, -e)) {
        return PM_DEC_OVERFLOW; /* cannot happen: d <= 10^76 */
    }
    u256 q, r, half;
    u256_divmod(&n, &d, &q, &r);
    u256_sub(&half, &d, &r);
    int inc = round_up_needed(mode, (int)(q.w[0] & 1), !u256_is_zero(&r), u256_cmp(&r, &half));
    if (!u256_is_u128(&q)) return PM_DEC_OVERFLOW;
    u128 qq = u256_lo(&q);
    if (qq > MAXC) return PM_DEC_OVERFLOW;
    if (inc) qq++;
    if (qq > MAXC) return PM_DEC_OVERFLOW;
    *out = make(neg && qq != 0, qq, scale);
    return PM_DEC_OK;
}

int pm_decimal_round(pm_decimal a, int scale, pm_round mode, pm_decimal *out)
{
    if (!((fits_i64(a.coef) && (unsigned)a.scale <= PM_DEC_MAX_SCALE) || valid(a)) || scale < 0 ||
        scale > PM_DEC_MAX_SCALE)
        return PM_DEC_OVERFLOW;
    if (!valid_mode(mode)) return PM_DEC_SYNTAX;
    if (scale == a.scale) { /* an amount already at the scale (a fixed fee) */
        *out = a;
        return PM_DEC_OK;
    }
    if (scale > a.scale) return pm_decimal_rescale(a, scale, out);

    int k = a.scale - scale;
    u128 m = mag(a.coef), q;
    int inc;
    if (m <= UINT64_MAX && k <= 19) {
        uint64_t m64 = (uint64_t)m, d = pow10_64[k];
        uint64_t q64 = m64 / d, r = m64 % d;
        inc = round_up_needed(mode, (int)(q64 & 1), r != 0, (r > d - r) - (r < d - r));
        q = q64;
    } else {
        u128 d = pow10_128[k], r = m % d;
        q = m / d;
        inc = round_up_needed(mode, (int)(q & 1), r != 0, cmp_u128(r, d - r));
    }
    if (inc) q++; /* q <= 10^(38-k) <= MAXC */
    *out = make(a.coef < 0 && q != 0, q, scale);
    return PM_DEC_OK;
}

int pm_decimal_cmp(pm_decimal a, pm_decimal b)
{
    int sa = pm_decimal_sign(a), sb = pm_decimal_sign(b);
    if (sa != sb) return sa < sb ? -1 : 1;
    if (sa == 0) return 0;
    int c;
    if (a.scale == b.scale) {
        c = cmp_u128(mag(a.coef), mag(b.coef));
    } else {
        /* Align to the larger scale in 256 bits (exact for any scales
         * 0..38; out-of-range scales are clamped). */
        int as = a.scale < 0 ? 0 : a.scale > 38 ? 38 : a.scale;
        int bs = b.scale < 0 ? 0 : b.scale > 38 ? 38 : b.scale;
        int s = as > bs ? as : bs;
        u256 x = u256_mul128(mag(a.coef), pow10_128[s - as]);
        u256 y = u256_mul128(mag(b.coef), pow10_128[s - bs]);
        c = u256_cmp(&x, &y);
    }
    return sa < 0 ? -c : c;
}

int pm_decimal_sign(pm_decimal a)
{
    return (a.coef > 0) - (a.coef < 0);
}

pm_decimal pm_decimal_neg(pm_decimal a)
{
    /* Through unsigned arithmetic: defined even for an invalid INT128_MIN. */
    a.coef = (__int128)((u128)0 - (u128)a.coef);
    return a;
}

int pm_decimal_is_zero(pm_decimal a)
{
    return a.coef == 0;
}

pm_decimal pm_decimal_normalize(pm_decimal a, int min_scale)
{
    if (min_scale < 0) min_scale = 0;
    while (a.scale > min_scale && a.coef % 10 == 0) {
        a.coef /= 10;
        a.scale--;
    }
    return a;
}
