/* decimal.h - exact decimal numbers for money, rates and quantities.
 *
 * A pm_decimal is coef * 10^-scale with a signed 128-bit coefficient: at least
 * 38 significant digits, scale 0..PM_DEC_MAX_SCALE.  Every operation that
 * could overflow returns an error status instead of wrapping.  No binary
 * fractions (IEEE 754 types) are used anywhere.
 *
 * Invariant: |coef| <= 10^38 - 1 (exactly PM_DEC_MAX_DIGITS digits) and
 * 0 <= scale <= 38; the range is symmetric, so negation never overflows.
 * A result that is not exactly representable is PM_DEC_OVERFLOW; results are
 * never silently rounded.  When an exact result needs more than 38 digits or
 * a scale above 38 only because of trailing fractional zeros (e.g. a product
 * at scale a.scale + b.scale > 38), those zeros are dropped and the result
 * has a smaller scale than usual; this only happens where the alternative
 * would be PM_DEC_OVERFLOW.  Decimals built by hand that break the invariant
 * make the status-returning functions fail with PM_DEC_OVERFLOW.
 */
#ifndef PM_DECIMAL_H
#define PM_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct pm_decimal {
    __int128 coef;
    int scale;
} pm_decimal;

#define PM_DEC_MAX_SCALE 38
/* Significant digits a coefficient may have. */
#define PM_DEC_MAX_DIGITS 38
/* Longest text pm_decimal_format writes, with its NUL. */
#define PM_DEC_BUFSZ 48

typedef enum pm_round {
    PM_ROUND_HALF_UP = 0, /* ties away from zero */
    PM_ROUND_HALF_EVEN,   /* ties to even */
    PM_ROUND_DOWN,        /* toward zero */
    PM_ROUND_UP           /* away from zero */
} pm_round;

/* Status codes. */
enum {
    PM_DEC_OK = 0,
    PM_DEC_SYNTAX = -1,   /* not a number */
    PM_DEC_OVERFLOW = -2, /* does not fit */
    PM_DEC_DIVZERO = -3   /* division by zero */
};

/* "name" -> mode; -1 when unknown.  Names: half_up half_even down up. */
int pm_round_parse(const char *name);
const char *pm_round_name(pm_round mode);
/* Message for a status code. */
const char *pm_decimal_strerror(int status);

pm_decimal pm_decimal_from_int(int64_t v);
/* Parses [+-]digits[.digits] (blanks around are allowed; no exponent, no
 * thousands separators).  Keeps the written scale: "1.50" has scale 2.
 * Blanks are spaces and tabs only.  ".5" (0.5, scale 1) and "5." (5, scale 0)
 * are accepted; "", ".", "-", "+-1", "- 1", "1e5", "1,000", "NaN" are
 * PM_DEC_SYNTAX.  Leading zeros are not significant ("007.50" is 7.50).
 * More than 38 significant digits or more than 38 fractional digits (even
 * zeros) is PM_DEC_OVERFLOW.  s need not be NUL-terminated; len bytes are read.
 * On error *out is unchanged. */
int pm_decimal_parse(const char *s, size_t len, pm_decimal *out);
/* Writes the number with exactly its scale ("-0.50", "0.00" for zero, never
 * "-0"), NUL-terminated; returns the length (at most PM_DEC_BUFSZ - 1). */
size_t pm_decimal_format(pm_decimal d, char out[PM_DEC_BUFSZ]);
/* The length pm_decimal_format writes for d, without writing it. */
size_t pm_decimal_format_len(pm_decimal d);

/* Exact sum/difference at scale max(a.scale, b.scale) (the smaller-scale
 * operand is extended), reduced only by dropping trailing zeros if it must be
 * to fit.  *out is written only on PM_DEC_OK (it may alias a or b). */
int pm_decimal_add(pm_decimal a, pm_decimal b, pm_decimal *out);
int pm_decimal_sub(pm_decimal a, pm_decimal b, pm_decimal *out);
/* Exact product (scale a.scale + b.scale, reduced if it must be to fit).
 * Only trailing zeros are ever dropped: 0.1^20 (scale 40, not 0) is
 * PM_DEC_OVERFLOW rather than a rounded value; round the operands first. */
int pm_decimal_mul(pm_decimal a, pm_decimal b, pm_decimal *out);
/* a / b rounded to scale with mode, computed from the exact remainder (works
 * for any signs; the mode acts on the magnitude, so HALF_UP is ties away from
 * zero).  PM_DEC_DIVZERO when b is zero, PM_DEC_OVERFLOW when the rounded
 * quotient needs more than 38 digits or scale is outside 0..38, PM_DEC_SYNTAX
 * for an unknown mode. */
int pm_decimal_div(pm_decimal a, pm_decimal b, int scale, pm_round mode, pm_decimal *out);
/* Rounds (or extends, exactly) to scale; statuses as pm_decimal_div.
 * -2.345 to 2 places: half_up -2.35, half_even -2.34, down -2.34, up -2.35. */
int pm_decimal_round(pm_decimal a, int scale, pm_round mode, pm_decimal *out);
/* Same value at a larger or equal scale (exact); overflow possible.  A smaller
 * scale is accepted only when the dropped digits are zeros (else overflow). */
int pm_decimal_rescale(pm_decimal a, int scale, pm_decimal *out);
/* -1, 0, 1 by value (1.5 == 1.50). */
int pm_decimal_cmp(pm_decimal a, pm_decimal b);
int pm_decimal_sign(pm_decimal a);
pm_decimal pm_decimal_neg(pm_decimal a);
int pm_decimal_is_zero(pm_decimal a);
/* Removes trailing fractional zeros down to min_scale (never extends). */
pm_decimal pm_decimal_normalize(pm_decimal a, int min_scale);

#endif
