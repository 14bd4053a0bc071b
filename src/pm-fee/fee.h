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
#include "pipeline.h"
#include "record.h"
#include "regex.h"
#include "stream.h"
#include "timex.h"

/* Digits after the point kept by a division inside an expression (the
 * quotient is rounded half_up there); everything else is exact. */
#define FEE_DIV_SCALE 18
/* Largest schedule scale accepted. */
#define FEE_MAX_SCALE 18

/* A field the schedule or the engine looks up.  slot is the engine's
 * number for the name (fee_engine_init numbers every reference; one number
 * per distinct name): the engine finds where each numbered field stands
 * once per header (fee_engine.pos), so a lookup is an array access. */
typedef struct fee_fieldref {
    const char *name;
    int slot; /* -1: not numbered, looked up by name */
} fee_fieldref;

/* The field's value, or NULL when the record has no such field.  pos: the
 * positions of numbered fields in r (fee_engine.pos), or NULL to look the
 * field up by name. */
static inline const char *fee_field(const pm_record *r, const int *pos, const fee_fieldref *ref, size_t *len)
{
    int i = pos && ref->slot >= 0 ? pos[ref->slot] : pm_record_index(r, ref->name);
    if (i < 0) return NULL;
    if (len) *len = r->f[i].len;
    return r->f[i].value;
}

/* Expressions (expr.c) ---------------------------------------------------- */

typedef enum fee_exkind {
    FEE_EX_NUM,
    FEE_EX_FIELD,
    FEE_EX_NEG,
    FEE_EX_ADD,
    FEE_EX_SUB,
    FEE_EX_MUL,
    FEE_EX_DIV
} fee_exkind;

typedef struct fee_expr {
    fee_exkind kind;
    pm_decimal num;     /* FEE_EX_NUM */
    fee_fieldref field; /* FEE_EX_FIELD; name owned by the node */
    struct fee_expr *l, *r;
    int depth; /* 1 for a leaf */
} fee_expr;

/* Deepest nesting of brackets and signs accepted, and deepest expression
 * tree (long chains like a + b + ... count too): beyond them a schedule is
 * refused with a message instead of exhausting the stack. */
#define FEE_EXPR_MAX_NESTING 256
#define FEE_EXPR_MAX_DEPTH   4096

/* Parses text.  NULL with msg set ("unexpected ')' at offset 7") on error.
 * The tree is freed with fee_expr_free. */
fee_expr *fee_expr_parse(const char *text, char *msg, size_t msgsz);
void fee_expr_free(fee_expr *e);
/* 1 when e is a lone field or number (its derivation needs no explaining). */
int fee_expr_is_simple(const fee_expr *e);
/* Evaluates e over rec.  PM_DEC_OK, or a PM_DEC_* status, or
 * FEE_EVAL_NOVALUE / FEE_EVAL_NOTNUM with *field naming the culprit. */
enum { FEE_EVAL_NOVALUE = -100, FEE_EVAL_NOTNUM = -101 };
int fee_expr_eval(const fee_expr *e, const pm_record *rec, pm_decimal *out, const char **field);
/* Appends e with every field replaced by its value ("52000.00 - 30000.00");
 * call after a successful fee_expr_eval. */
void fee_expr_render(const fee_expr *e, const pm_record *rec, pm_buf *out);
/* The same with the positions of numbered fields (see fee_field). */
int fee_expr_eval_at(const fee_expr *e, const int *pos, const pm_record *rec, pm_decimal *out, const char **field);
void fee_expr_render_at(const fee_expr *e, const int *pos, const pm_record *rec, pm_buf *out);
/* Calls fn for every field reference in e. */
void fee_expr_each_field(fee_expr *e, void (*fn)(fee_fieldref *ref, void *ctx), void *ctx);
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
    pm_regex **rx; /* rx[i] non-NULL when vals[i] was written /.../ */
} fee_cond;

typedef struct fee_rule {
    char *id;
    long line;
    fee_cond *conds;
    int nconds;
    int has_from, has_to;
    pm_day from, to;
    fee_kind kind;
    fee_expr *price;    /* FEE_PRICE, FEE_EXCESS */
    fee_expr *quantity; /* FEE_PRICE (NULL: 1), FEE_EXCESS */
    fee_expr *base;     /* FEE_PERCENT */
    pm_decimal fixed, percent, over;
    char *percent_text; /* as written, for the output */
    int has_min, has_max;
    pm_decimal min, max; /* already at the schedule's scale */
    int split, has_shares;
    fee_fieldref parties, shares;
    char version[11];             /* effective_from as written (YYYY-MM-DD), or "" */
    char *group;                  /* group: rules of one group never both apply */
    unsigned long long exclusive; /* bit i: in the schedule's exclusive set i */
    int allow_negative;           /* a quantity <= 0 is charged, not flagged */
    char *account;                /* income account (journal output), or NULL */
    /* A price that is a number: its text, formatted once (the charge line's
     * price); price_len 0 for any other price. */
    char price_text[PM_DEC_BUFSZ];
    size_t price_len;
    /* strlen of id, percent_text ("" when NULL: 0) and version, for the
     * charge lines */
    size_t id_len, percent_len, version_len;
    /* Which of those texts need no quotes in CSV or TSV (no quote, comma,
     * control byte or leading byte-order mark): FEE_PLAIN_* bits, so the
     * charge lines pass them to the writer as known (pm_pipe_write_same_names). */
    unsigned texts_plain;
} fee_rule;
enum { FEE_PLAIN_ID = 1, FEE_PLAIN_PERCENT = 2, FEE_PLAIN_VERSION = 4 };

typedef struct fee_schedule {
    pm_conf conf;
    char *currency;
    int scale;
    pm_round rounding;
    fee_rule *rules;
    int nrules;
    char sha256[65];
    /* Accounts of the journal output (-t ledger/beancount). */
    char *acct_receivable, *acct_income;
    /* Fields named in any `when`, for the "no rule matches" message. */
    fee_fieldref *when_fields;
    int nwhen_fields;
    /* Some rule has a group or is in an exclusive set (else no record's
     * rules can conflict, and fee_charge does not look). */
    int any_exclusive;
} fee_schedule;

/* Loads and checks path.  0, or -1 with every error of the file added to
 * errs ("SCHEDULE:LINE: message"). */
int fee_schedule_load(fee_schedule *s, const char *path, pm_errors *errs);
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
    const char *version; /* the rule version's effective_from, or "" */
    const fee_rule *r;
    const char *quantity, *price, *base, *percent, *amount;
    const char *formula; /* NULL without --explain */
    const char *input;   /* the input record's source (file name) */
    pm_decimal value;    /* amount as a number */
    /* The lengths of texts above, as fee_charge made them (the charge
     * record takes them from here rather than measure them again). */
    size_t period_len, source_len, party_len, quantity_len, price_len, base_len, amount_len;
} fee_line;

/* Why a record was flagged (fee_charge returned FEE_FLAGGED). */
typedef enum fee_flag { FEE_FLAG_NONE, FEE_FLAG_UNMATCHED, FEE_FLAG_QUANTITY, FEE_FLAG_PARTY, FEE_FLAG_KINDS } fee_flag;

/* The rules that can hold when a `when` field has one value (fee_engine). */
typedef struct fee_pick {
    const char *val; /* NULL: any value not listed */
    size_t len;
    int *rules, nrules;
} fee_pick;

/* A `when` pattern's answer for one short value (fee_engine.rx_memo):
 * patterns are tried on few distinct values (a floor, a category), and a
 * match costs more than looking the answer up. */
typedef struct fee_rx_memo {
    const pm_regex *rx; /* NULL: empty */
    unsigned char len;
    unsigned char match;
    char text[22];
} fee_rx_memo;
#define FEE_PICK_SLOTS 64
enum { FEE_PICK_NONE = -1, FEE_PICK_MANY = -2 };
#define FEE_RX_MEMO  64
#define FEE_NUM_MEMO 32

typedef struct fee_engine {
    fee_schedule *sched;
    /* --key (default: id) and --period-field (default: period) */
    fee_fieldref *keys;
    int nkeys;
    fee_fieldref period_ref;
    /* the last record: its key, whether that is FILE:LINE for want of a key
     * field, and why it was flagged */
    const char *key;
    size_t key_len;
    int key_fallback;
    fee_flag flag;
    pm_buf flagmsg;
    int explain;
    const char *period; /* --period, or NULL */
    pm_day period_day;
    char last_period[8]; /* the last period field parsed ("" none), its day */
    pm_day last_day;
    pm_arena arena;
    pm_arena names_arena; /* key field names */
    fee_line *lines;
    size_t nlines, cap;
    pm_buf tmp, tmp2;
    /* scratch for splits */
    __int128 *w, *part, *rem;
    const char **names;
    size_t *namelens;
    int scratch_cap;
    /* Field positions, found once per header: slot_names[k] is the name
     * numbered k (fee_fieldref.slot), pos[k] its index in the records of
     * the header in force or -1.  The layout holds while the records carry
     * their reader's header of the same generation (header_id, from
     * fee_engine_header), or, without one (YAML, records made by hand),
     * while their names are the same text as layout_names. */
    const char **slot_names;
    int nslots;
    int *pos;
    int layout_ok;
    unsigned long header_id, layout_id; /* 0: none */
    char **layout_names;
    size_t layout_n, layout_cap;
    pm_arena layout_arena;
    /* The rules worth trying on a record, by the value of one `when` field
     * (pick_ref: the field most rules test first with plain values; slot
     * -1: no such field, every rule is tried).  picks[k] (k < npicks - 1)
     * lists in schedule order the rules that can hold when the field has
     * the value picks[k].val, picks[npicks - 1] those for any other value;
     * a rule whose first `when` entry is that field is listed only under
     * its values, and pick_first[i] says so (that entry then holds). */
    fee_fieldref pick_ref;
    fee_pick *picks;
    int npicks;
    unsigned char *pick_first;
    /* picks by a hash of the value (pick_hash): the one listed value that
     * has the hash, FEE_PICK_NONE when none has it (the value is an other
     * one), FEE_PICK_MANY when several have it (they are compared in turn) */
    signed char pick_slot[FEE_PICK_SLOTS];
    /* The answers of `when` patterns for values of up to 22 bytes, by the
     * pattern and the value's text (direct-mapped; zeroed at init). */
    fee_rx_memo rx_memo[FEE_RX_MEMO];
    /* The number each of the first FEE_NUM_MEMO slots read as in the record
     * being charged, when nrec is its stamp (a field that several rules
     * use, area_m2, is read once a record); nrec counts fee_charge calls. */
    unsigned long long nrec;
    struct {
        unsigned long long stamp;
        pm_decimal val;
        const char *text; /* the field's text when it is the number's as
                             pm_decimal_format writes it, else NULL */
        size_t text_len;
    } num_memo[FEE_NUM_MEMO];
    /* Room in the arena for the texts of the numbers of the record being
     * charged: a block taken a few dozen numbers at a time, each number
     * using its length (arena_dec). */
    char *num_at, *num_end;
} fee_engine;

void fee_engine_init(fee_engine *e, fee_schedule *s, int explain, const char *period, pm_day period_day);
/* keys: "FIELD[,FIELD]" (NULL: "id"); period_field NULL: "period".  The
 * names must outlive the engine. */
void fee_engine_keys(fee_engine *e, const char *keys, const char *period_field);
void fee_engine_free(fee_engine *e);
/* Tells the engine, before fee_charge(e, rec), which header rec carries:
 * the pipeline's inputs name their reader's header and its generation. */
void fee_engine_header(fee_engine *e, const pm_inputs *in, const pm_record *rec);
/* Computes the charge lines of rec into e->lines/e->nlines.
 *   FEE_CHARGED: at least one line;
 *   FEE_FLAGGED: no line; the record needs a person (no rule matches, a
 *                quantity <= 0, a party named twice): e->flag says which
 *                and e->flagmsg what, without the key;
 *   FEE_ERROR:   no line; err = "FILE:LINE: rule 'x': message".
 * e->key is the record's key in every case. */
enum { FEE_ERROR = -1, FEE_CHARGED = 0, FEE_FLAGGED = 1 };
int fee_charge(fee_engine *e, const pm_record *rec, pm_error *err);
/* Parses "YYYY-MM" into the day its month starts; 0 or -1. */
int fee_period_parse(const char *s, size_t len, pm_day *first_day);

/* Verification (verify.c) ------------------------------------------------- */

typedef struct fee_verify fee_verify;

/* Reads a charges file into a table keyed by period, source, rule and
 * party: memory grows with the charges file only; the recomputed lines are
 * streamed past it.  NULL with err set when it cannot be read or lacks a
 * needed column.  sha256 is the schedule's. */
fee_verify *fee_verify_load(const char *path, const pm_read_opts *opts, const char *sha256, pm_error *err);
/* The first schedule_sha256 of the file that differs from the schedule's
 * (NULL if none), and its line. */
const char *fee_verify_other_schedule(const fee_verify *v, long *line);
/* Compares a recomputed line with the file's first unclaimed line of the
 * same key; returns the number of differences (0: identical), each then
 * fetched with fee_verify_diff. */
int fee_verify_check(fee_verify *v, const fee_line *l, int explain);
void fee_verify_diff(fee_verify *v, int i, pm_record *out);
/* After the last line: the next file line no recomputed line claimed, as an
 * "extra" difference record in out; 0 when there are no more. */
int fee_verify_next_extra(fee_verify *v, int explain, pm_record *out);
void fee_verify_free(fee_verify *v);

/* Journals (journal.c) ---------------------------------------------------- */

typedef struct fee_journal fee_journal;
typedef enum fee_journal_kind { FEE_JOURNAL_NONE, FEE_JOURNAL_LEDGER, FEE_JOURNAL_BEANCOUNT } fee_journal_kind;

/* Takes -t/--to=ledger|beancount out of argv (so the common options never
 * see them); returns the kind, FEE_JOURNAL_NONE when not asked for. */
fee_journal_kind fee_journal_take_option(int *argc, char **argv);
/* path NULL or "-": standard output; a file is written atomically. */
fee_journal *fee_journal_open(const char *path, fee_journal_kind kind, const fee_schedule *s, pm_error *err);
struct fee_run;
int fee_journal_write(fee_journal *j, struct fee_run *r, const fee_line *l, pm_error *err);
/* Flushes; with commit renames into place.  Frees j.  0 or -1 with err. */
int fee_journal_close(fee_journal *j, int commit, pm_error *err);
/* An account name made valid for beancount: components capitalised,
 * characters outside A-Z a-z 0-9 - replaced (pm-fee(1), JOURNALS). */
void fee_beancount_account(const char *name, pm_buf *out);
/* One component of a ledger account: no ':' and no run of blanks. */
void fee_ledger_component(const char *name, pm_buf *out);

/* Input fingerprints (inputs.c) ------------------------------------------ */

/* The SHA-256 of each input's bytes, taken before its records are read so
 * that every charge line can carry the hash of the file it came from; a
 * regular file (standard input redirected from one included) is read once
 * more for this, in 64 KiB blocks; a pipe cannot be read twice and gets an
 * empty hash (the caller says so).  pm-fee(1), INPUT FINGERPRINTS. */
typedef struct fee_inputs_hash fee_inputs_hash;
fee_inputs_hash *fee_inputs_hash_new(char **paths, int npaths);
/* The hex digest of the input named name (as records name their source),
 * "" when it could not be taken. */
const char *fee_inputs_sha256(fee_inputs_hash *h, const char *name);
/* Names of inputs that could be opened but not hashed (pipes; a walk:
 * *i starts at 0, NULL at the end). */
const char *fee_inputs_unhashed(fee_inputs_hash *h, int *i);
/* After the run: 0, or -1 with err naming an input that changed (size or
 * modification time) while it was read. */
int fee_inputs_unchanged(fee_inputs_hash *h, pm_error *err);
void fee_inputs_hash_free(fee_inputs_hash *h);

/* One run (run.c) --------------------------------------------------------- */

typedef struct fee_run {
    fee_engine eng;
    fee_schedule *sched;
    int explain;
    pm_pipe *p;           /* the record loop (lib/pipeline.h) */
    fee_journal *journal; /* -t ledger / beancount: instead of records */
    fee_verify *ver;
    fee_inputs_hash *hashes;
    /* the inputs_sha256 of the records of header in_header (the pipeline's
     * header number, which changes with every input read), looked up once */
    unsigned long in_header;
    const char *in_sha;
    pm_record out;    /* --verify's differences */
    pm_record charge; /* the charge lines (fee_charge_record) */
    int warned_key;
    pm_error err;
    unsigned long long ncharges, nerrors, ndiff, nflagged, nflag[FEE_FLAG_KINDS];
} fee_run;

/* The pipeline's record function: charges one record and writes its lines
 * (or compares them with --verify, or writes them as journal entries):
 * PM_HOLD; flags it (no rule matches, a quantity <= 0, a party named twice:
 * reported with its key, written to the reject stream --unmatched):
 * PM_HOLD_FLAGGED; or rejects it (an error of its data, reported; the run
 * ends with status 2): PM_REJECT.  ctx is the fee_run. */
pm_verdict fee_on_record(pm_pipe *p, pm_record *rec, void *ctx);
/* The pipeline's function for a record that could not be read: reported
 * and rejected (to --unmatched, with its raw text). */
pm_verdict fee_on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx);
/* The pipeline's stats function: "charges C, ..." */
void fee_on_stats(pm_buf *out, void *ctx);
/* The charge record of line l, as written; inputs_sha256: the hash of the
 * input the line came from (fee_inputs_sha256).  out is kept for charge
 * records only: its names are laid out on the first call (out empty), and
 * each call points its values at the line's texts.  Returns the fields
 * whose values need no quotes (bit i: field i), for
 * pm_pipe_write_same_names. */
uint64_t fee_charge_record(fee_run *r, const fee_line *l, const char *inputs_sha256, pm_record *out);

/* The options of pm-fee (main.c, checked there) and the run they ask for
 * (setup.c); returns the exit status. */
typedef struct fee_settings {
    const char *schedule, *period, *verify, *key, *period_field, *unmatched;
    int explain;
    pm_day period_day;        /* --period's first day */
    fee_journal_kind journal; /* -t ledger / beancount */
} fee_settings;
int fee_main(const fee_settings *st, const pm_common *common, char **paths, int npaths);

#endif
