/* run.c - what pm-fee does with one input record, as the record function of
 * the toolkit's pipeline (lib/pipeline.h): charge it, then write the charge
 * lines (or compare them with --verify, or write them as journal
 * transactions); or flag it (no rule matches, a quantity <= 0, a party
 * named twice: reported with its key, written to --unmatched, exit 1); or
 * reject it (an error of its data: reported, written to --unmatched, the
 * run's result is incomplete: exit 2). */
#include "fee.h"

#include <string.h>

#include "pipeline.h"

static const char *const flag_names[FEE_FLAG_KINDS] = {"", "no rule", "quantity", "duplicate party"};

/* The fields of a charge record, in order; formula only with --explain. */
enum {
    C_PERIOD,
    C_SOURCE,
    C_RULE,
    C_PARTY,
    C_QUANTITY,
    C_PRICE,
    C_BASE,
    C_PERCENT,
    C_AMOUNT,
    C_SCHEDULE,
    C_VERSION,
    C_INPUTS,
    C_FORMULA,
    C_FIELDS
};
static const char *const charge_names[C_FIELDS] = {
    "period", "source",          "rule",         "party",         "quantity", "price", "base", "percent",
    "amount", "schedule_sha256", "rule_version", "inputs_sha256", "formula"};

/* The fields of a charge record whose values never need quotes (see
 * pm_writer_write_known): the period (a month checked by fee_charge, or
 * none), figures pm_decimal_format wrote (or a field's text that is such a
 * figure, see charge.c), the hex digests.  A line's rule id, percent and
 * version join them when the schedule's texts need none (texts_plain). */
static const uint64_t charge_plain = 1u << C_PERIOD | 1u << C_QUANTITY | 1u << C_PRICE | 1u << C_BASE | 1u << C_AMOUNT |
                                     1u << C_SCHEDULE | 1u << C_INPUTS;

/* Sets field i of out to v, of length len.  The line's texts live until
 * the next record is charged (the engine's arena, the input record, the
 * schedule): out points at them rather than copying. */
static void set_text(pm_record *out, int i, const char *v, size_t len)
{
    out->f[i].value = v;
    out->f[i].len = len;
}

uint64_t fee_charge_record(fee_run *r, const fee_line *l, const char *inputs_sha256, pm_record *out)
{
    uint64_t plain = charge_plain;
    if (out->n == 0) { /* the names, once */
        size_t n = r->explain ? C_FIELDS : C_FIELDS - 1;
        for (size_t i = 0; i < n; i++) pm_record_add_owned(out, charge_names[i], "", 0);
    }
    set_text(out, C_PERIOD, l->period, l->period_len);
    set_text(out, C_SOURCE, l->source, l->source_len);
    /* the rule's texts, measured at load (a line made by hand has no rule) */
    const fee_rule *fr = l->r;
    unsigned known = fr ? fr->texts_plain : 0; /* the rule's texts that need no quotes */
    set_text(out, C_RULE, l->rule, fr && l->rule == fr->id ? fr->id_len : strlen(l->rule));
    if (fr && l->rule == fr->id && (known & FEE_PLAIN_ID)) plain |= 1u << C_RULE;
    set_text(out, C_PARTY, l->party, l->party_len);
    set_text(out, C_QUANTITY, l->quantity, l->quantity_len);
    set_text(out, C_PRICE, l->price, l->price_len);
    set_text(out, C_BASE, l->base, l->base_len);
    size_t plen = !*l->percent ? 0 : fr && l->percent == fr->percent_text ? fr->percent_len : strlen(l->percent);
    set_text(out, C_PERCENT, l->percent, plen);
    if (!plen || (fr && l->percent == fr->percent_text && (known & FEE_PLAIN_PERCENT))) plain |= 1u << C_PERCENT;
    set_text(out, C_AMOUNT, l->amount, l->amount_len);
    set_text(out, C_SCHEDULE, r->sched->sha256, 64);
    set_text(out, C_VERSION, l->version, fr && l->version == fr->version ? fr->version_len : strlen(l->version));
    if (!*l->version || (fr && l->version == fr->version && (known & FEE_PLAIN_VERSION))) plain |= 1u << C_VERSION;
    set_text(out, C_INPUTS, inputs_sha256, *inputs_sha256 ? 64 : 0);
    if (r->explain) set_text(out, C_FORMULA, l->formula ? l->formula : "", l->formula ? strlen(l->formula) : 0);
    return plain;
}

static pm_verdict flag(fee_run *r, pm_pipe *p, pm_record *rec)
{
    fee_engine *e = &r->eng;
    const char *src = rec->source ? rec->source : "-";
    if (e->key_fallback)
        pm_warn_at(src, rec->line, "%s", pm_buf_str(&e->flagmsg));
    else
        pm_warn_at(src, rec->line, "%s: %s", e->key, pm_buf_str(&e->flagmsg));
    r->nflagged++;
    r->nflag[e->flag]++;
    pm_pipe_write_reject(p, rec, pm_buf_str(&e->flagmsg));
    return PM_HOLD_FLAGGED;
}

pm_verdict fee_on_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    fee_run *r = ctx;
    fee_engine *e = &r->eng;
    /* the header rec carries (fee_engine_header), as the pipeline found it */
    e->header_id = pm_pipe_record_header(p);
    int st = fee_charge(e, rec, &r->err);
    if (e->key_fallback && !r->warned_key) {
        r->warned_key = 1;
        pm_warn_at(rec->source ? rec->source : "-", rec->line,
                   "no value in the key field%s '%s': such records are keyed FILE:LINE, which --verify cannot "
                   "match once a row is added or moved (name the key with --key=FIELD[,FIELD])",
                   e->nkeys > 1 ? "s" : "", e->keys[0].name);
    }
    if (st == FEE_ERROR) {
        /* reported here as FILE:LINE: rule 'x': message; the record goes
         * to the reject stream, and the run's result is incomplete */
        pm_report(&r->err);
        r->nerrors++; /* exit 2 after the outputs are committed: main.c */
        pm_pipe_reason(p, "%s", r->err.msg);
        return PM_REJECT;
    }
    if (st == FEE_FLAGGED) return flag(r, p, rec);
    if (r->journal && e->nlines > 0 && !*e->lines[0].period) {
        pm_error_set(&r->err, rec->source ? rec->source : "-", rec->line,
                     "%s: a journal entry needs a date, and the charge has no period (give --period)", e->key);
        pm_report(&r->err);
        r->nerrors++;
        pm_pipe_reason(p, "%s", r->err.msg);
        return PM_REJECT;
    }
    /* every line of the record comes from one input */
    const char *in = "";
    if (r->hashes && e->header_id && e->header_id == r->in_header) {
        in = r->in_sha; /* the input of the last record */
    } else if (r->hashes) {
        in = fee_inputs_sha256(r->hashes, rec->source ? rec->source : "-");
        r->in_header = e->header_id;
        r->in_sha = in;
    }
    for (size_t i = 0; i < e->nlines; i++) {
        fee_line *l = &e->lines[i];
        l->input = rec->source;
        r->ncharges++;
        if (r->ver) {
            int n = fee_verify_check(r->ver, l, r->explain);
            for (int k = 0; k < n; k++) {
                fee_verify_diff(r->ver, k, &r->out);
                r->ndiff++;
                pm_pipe_flag(p);
                if (pm_pipe_write(p, &r->out) != 0) return PM_FAIL;
            }
        } else if (r->journal) {
            if (fee_journal_write(r->journal, r, l, &r->err) != 0) {
                pm_report(&r->err); /* a write error: the run stops */
                return PM_FAIL;
            }
        } else {
            uint64_t plain = fee_charge_record(r, l, in, &r->charge);
            /* r->charge keeps the names it was given once */
            if (pm_pipe_write_same_names(p, &r->charge, plain) != 0) return PM_FAIL;
        }
    }
    return PM_HOLD;
}

pm_verdict fee_on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    (void)ctx;
    /* surplus values go into the reason, so the stream keeps one header */
    pm_buf surplus = PM_BUF_INIT;
    size_t n = pm_pipe_fold_surplus(p, rec, &surplus);
    if (n)
        pm_pipe_reason(p, "%s; the surplus value%s: %s", why, n == 1 ? "" : "s", pm_buf_str(&surplus));
    else
        pm_pipe_reason(p, "%s", why);
    pm_buf_free(&surplus);
    pm_pipe_warn(p, rec, "%s", why);
    return PM_REJECT;
}

void fee_on_stats(pm_buf *out, void *ctx)
{
    fee_run *r = ctx;
    pm_buf_addf(out, "charges %llu, unmatched %llu", r->ncharges, r->nflagged);
    if (r->nflagged) {
        int shown = 0;
        pm_buf_adds(out, " (");
        for (int k = 1; k < FEE_FLAG_KINDS; k++) {
            if (!r->nflag[k]) continue;
            pm_buf_addf(out, "%s%llu %s", shown++ ? ", " : "", r->nflag[k], flag_names[k]);
        }
        pm_buf_addc(out, ')');
    }
    pm_buf_addf(out, ", with errors %llu", r->nerrors);
    if (r->ver) pm_buf_addf(out, ", differences %llu", r->ndiff);
}
