/* fee.h - pm-fee's own types: schedules, expressions, splits, charge lines.
 *
 * The pipeline per input record: the schedule's rules (schedule.c) are tried
 * in order; each rule whose `when` holds and which is in force for the
 * record's period computes one amount (charge.c) from expressions over the
 * record's fields (expr.c), rounds it once to the schedule's scale, clamps it,
 * and, for a split rule, shares it among parties (split.c).  The resulting
 * charge lines are written, or compared with a charges file (verify.c).
 *
 * All arithmetic is exact decimal (lib/decimal.h); nothing here uses binary
 * fractions.
 */
#ifndef PM_FEE_H
#define PM_FEE_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "decimal.h"
#include "diag.h"
#include "record.h"
#include "regex.h"
#include "stream.h"
#include "timex.h"

/* Digits after the point kept by a division inside an expression (the
 * quotient is rounded half_up there); everything else is exact. */
#define FEE_DIV_SCALE 18
/* Largest schedule scale accepted. */
#define FEE_MAX_SCALE 18

/* A field looked up by name, remembering where it was last found: input
 * records of one file share their layout, so the hint is almost always
 * right and the lookup costs one string comparison. */
typedef struct fee_fieldref {
    const char *name;
    size_t hint;
} fee_fieldref;

/* The field's value, or NULL when the record has no such field. */
const char *fee_field(const pm_record *r, fee_fieldref *ref, size_t *len);

/* Expressions (expr.c) ---------------------------------------------------- */

typedef enum fee_exkind {
    FEE_EX_NUM, FEE_EX_FIELD, FEE_EX_NEG, FEE_EX_ADD, FEE_EX_SUB, FEE_EX_MUL, FEE_EX_DIV
} fee_exkind;

typedef struct fee_expr {
    fee_exkind kind;
    pm_decimal num;        /* FEE_EX_NUM */
    fee_fieldref field;    /* FEE_EX_FIELD; name owned by the node */
    struct fee_expr *l, *r;
} fee_expr;

/* Parses text.  NULL with msg set ("unexpected ')' at offset 7") on error.
 * The tree is freed with fee_expr_free. */
fee_expr *fee_expr_parse(const char *text, char *msg, size_t msgsz);
void fee_expr_free(fee_expr *e);
/* 1 when e is a lone field or number (its derivation needs no explaining). */
int fee_expr_is_simple(const fee_expr *e);
/* Evaluates e over rec.  PM_DEC_OK, or a PM_DEC_* status, or
 * FEE_EVAL_NOVALUE / FEE_EVAL_NOTNUM with *field naming the culprit. */
enum { FEE_EVAL_NOVALUE = -100, FEE_EVAL_NOTNUM = -101 };
int fee_expr_eval(fee_expr *e, const pm_record *rec, pm_decimal *out, const char **field);
/* Appends e with every field replaced by its value ("52000.00 - 30000.00");
 * call after a successful fee_expr_eval. */
void fee_expr_render(fee_expr *e, const pm_record *rec, pm_buf *out);
/* Appends e as written, normalised ("gross_profit - costs"). */
void fee_expr_text(const fee_expr *e, pm_buf *out);

/* Schedules (schedule.c) -------------------------------------------------- */

typedef enum fee_kind { FEE_PRICE, FEE_FIXED, FEE_PERCENT, FEE_EXCESS } fee_kind;

/* One `when` entry: the field must equal one of vals (or match its regex). */
typedef struct fee_cond {
    fee_fieldref field;
    int nvals;
    char **vals;
    size_t *lens;
    pm_regex **rx;  /* rx[i] non-NULL when vals[i] was written /.../ */
} fee_cond;

typedef struct fee_rule {
    char *id;
    long line;
    fee_cond *conds;
    int nconds;
    int has_from, has_to;
    pm_day from, to;
    fee_kind kind;
    fee_expr *price;     /* FEE_PRICE, FEE_EXCESS */
    fee_expr *quantity;  /* FEE_PRICE (NULL: 1), FEE_EXCESS */
    fee_expr *base;      /* FEE_PERCENT */
    pm_decimal fixed, percent, over;
    char *percent_text;  /* as written, for the output */
    int has_min, has_max;
    pm_decimal min, max; /* already at the schedule's scale */
    int split, has_shares;
    fee_fieldref parties, shares;
} fee_rule;

typedef struct fee_schedule {
    pm_conf conf;
    char *currency;
    int scale;
    pm_round rounding;
    fee_rule *rules;
    int nrules;
    char sha256[65];
    /* Fields named in any `when`, for the "no rule matches" message. */
    fee_fieldref *when_fields;
    int nwhen_fields;
} fee_schedule;

/* Loads and checks path.  0, or -1 with err = "SCHEDULE:LINE: message". */
int fee_schedule_load(fee_schedule *s, const char *path, pm_error *err);
void fee_schedule_free(fee_schedule *s);

/* Splits (split.c) -------------------------------------------------------- */

/* Shares whole (an integer number of units) among n parties in proportion to
 * the non-negative integer weights w (sum > 0) by largest remainder: each
 * gets floor(|whole| * w / sum), the units left over go one each to the
 * largest remainders, ties to the party listed first; a negative whole is
 * shared as its magnitude and every part negated, so the parts always add up
 * to whole exactly.  rem[i] gets the remainder numerator (for explaining).
 * PM_DEC_OK or PM_DEC_OVERFLOW. */
int fee_split(__int128 whole, const __int128 *w, int n, __int128 *part, __int128 *rem);

/* Charges (charge.c) ------------------------------------------------------ */

/* One charge line; strings live in the engine's arena until the next record. */
typedef struct fee_line {
    const char *period, *source, *rule, *party;
    const char *quantity, *price, *base, *percent, *amount;
    const char *formula;  /* NULL without --explain */
    pm_decimal value;     /* amount as a number */
} fee_line;

typedef struct fee_engine {
    fee_schedule *sched;
    int explain;
    const char *period;  /* --period, or NULL */
    pm_day period_day;
    pm_arena arena;
    fee_line *lines;
    size_t nlines, cap;
    int unmatched_in_force;  /* last record: some `when` held, no rule in force */
    const char *last_period; /* ... in this period */
    pm_buf tmp, tmp2;
    /* scratch for splits */
    __int128 *w, *part, *rem;
    const char **names;
    size_t *namelens;
    int scratch_cap;
} fee_engine;

void fee_engine_init(fee_engine *e, fee_schedule *s, int explain, const char *period, pm_day period_day);
void fee_engine_free(fee_engine *e);
/* Computes the charge lines of rec into e->lines/e->nlines (0 lines: no rule
 * applies).  0, or -1 with err = "FILE:LINE: rule 'x': message" and no lines. */
int fee_charge(fee_engine *e, const pm_record *rec, pm_error *err);
/* Appends "no rule matches (type=x, ...)" for a record without charges. */
void fee_unmatched_note(fee_engine *e, const pm_record *rec, pm_buf *out);
/* Parses "YYYY-MM" into the day its month starts; 0 or -1. */
int fee_period_parse(const char *s, size_t len, pm_day *first_day);

/* Verification (verify.c) ------------------------------------------------- */

typedef struct fee_verify fee_verify;

/* Reads a charges file whole.  NULL with err set when it cannot be read or
 * lacks a needed column; bad amounts are kept and count as changed.  sha256
 * is the schedule's, to notice charges made with another schedule. */
fee_verify *fee_verify_load(const char *path, const pm_read_opts *opts, const char *sha256, pm_error *err);
/* The first schedule_sha256 of the file that differs from the schedule's
 * (NULL if none), and its line. */
const char *fee_verify_other_schedule(const fee_verify *v, long *line);
/* Looks up a recomputed line: 0 when the file has it with the same amount;
 * otherwise fills out with a difference record ("missing" or "changed") and
 * returns 1. */
int fee_verify_check(fee_verify *v, const fee_line *l, int explain, pm_record *out);
/* After the last line: the next file line no recomputed line claimed, as an
 * "extra" difference record in out; 0 when there are no more. */
int fee_verify_next_extra(fee_verify *v, int explain, pm_record *out);
void fee_verify_free(fee_verify *v);

#endif
