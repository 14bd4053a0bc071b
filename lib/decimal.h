/* decimal.h - exact decimal numbers for money, rates and quantities.
 *
 * A pm_decimal is coef * 10^-scale with a signed 128-bit coefficient: at least
 * 38 significant digits, scale 0..PM_DEC_MAX_SCALE.  Every operation that
 * could overflow returns an error status instead of wrapping.  No binary
 * floating point is used anywhere.
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
/* Longest text pm_decimal_format writes, with its NUL. */
#define PM_DEC_BUFSZ 48

typedef enum pm_round {
    PM_ROUND_HALF_UP = 0,  /* ties away from zero */
    PM_ROUND_HALF_EVEN,    /* ties to even */
    PM_ROUND_DOWN,         /* toward zero */
    PM_ROUND_UP            /* away from zero */
} pm_round;

/* Status codes. */
enum {
    PM_DEC_OK = 0,
    PM_DEC_SYNTAX = -1,    /* not a number */
    PM_DEC_OVERFLOW = -2,  /* does not fit */
    PM_DEC_DIVZERO = -3    /* division by zero */
};

/* "name" -> mode; -1 when unknown.  Names: half_up half_even down up. */
int pm_round_parse(const char *name);
const char *pm_round_name(pm_round mode);
/* Message for a status code. */
const char *pm_decimal_strerror(int status);

pm_decimal pm_decimal_from_int(int64_t v);
/* Parses [+-]digits[.digits] (blanks around are allowed; no exponent, no
 * thousands separators).  Keeps the written scale: "1.50" has scale 2. */
int pm_decimal_parse(const char *s, size_t len, pm_decimal *out);
/* Writes the number with exactly its scale ("-0.50"); returns the length. */
size_t pm_decimal_format(pm_decimal d, char out[PM_DEC_BUFSZ]);

int pm_decimal_add(pm_decimal a, pm_decimal b, pm_decimal *out);
int pm_decimal_sub(pm_decimal a, pm_decimal b, pm_decimal *out);
/* Exact product (scale a.scale + b.scale, reduced if it must be to fit). */
int pm_decimal_mul(pm_decimal a, pm_decimal b, pm_decimal *out);
/* a / b rounded to scale with mode. */
int pm_decimal_div(pm_decimal a, pm_decimal b, int scale, pm_round mode, pm_decimal *out);
/* Rounds (or extends) to scale. */
int pm_decimal_round(pm_decimal a, int scale, pm_round mode, pm_decimal *out);
/* Same value at a larger or equal scale (exact); overflow possible. */
int pm_decimal_rescale(pm_decimal a, int scale, pm_decimal *out);
/* -1, 0, 1 by value (1.5 == 1.50). */
int pm_decimal_cmp(pm_decimal a, pm_decimal b);
int pm_decimal_sign(pm_decimal a);
pm_decimal pm_decimal_neg(pm_decimal a);
int pm_decimal_is_zero(pm_decimal a);
/* Removes trailing fractional zeros down to min_scale. */
pm_decimal pm_decimal_normalize(pm_decimal a, int min_scale);

#endif
