/* run.c - what pm-fee does with one input record: charge it, then write the
 * charge lines (or compare them with --verify, or write them as journal
 * transactions), or flag it (no rule matches, a quantity <= 0, a party
 * named twice: reported with its key, written to --unmatched, exit 1), or
 * reject it (an error of its data: reported, exit 2). */
#include "fee.h"

#include <string.h>

static const char *const flag_names[FEE_FLAG_KINDS] = {"", "no rule", "quantity", "duplicate party"};

void fee_charge_record(fee_run *r, const fee_line *l, pm_record *out)
{
    const char *in = r->hashes ? fee_inputs_sha256(r->hashes, l->input ? l->input : "-") : "";
    pm_record_clear(out);
    pm_record_add(out, "period", l->period, strlen(l->period));
    pm_record_add(out, "source", l->source, strlen(l->source));
    pm_record_add(out, "rule", l->rule, strlen(l->rule));
    pm_record_add(out, "party", l->party, strlen(l->party));
    pm_record_add(out, "quantity", l->quantity, strlen(l->quantity));
    pm_record_add(out, "price", l->price, strlen(l->price));
    pm_record_add(out, "base", l->base, strlen(l->base));
    pm_record_add(out, "percent", l->percent, strlen(l->percent));
    pm_record_add(out, "amount", l->amount, strlen(l->amount));
    pm_record_add(out, "schedule_sha256", r->sched->sha256, 64);
    pm_record_add(out, "rule_version", l->version, strlen(l->version));
    pm_record_add(out, "inputs_sha256", in, strlen(in));
    if (r->explain) pm_record_add(out, "formula", l->formula ? l->formula : "", l->formula ? strlen(l->formula) : 0);
}

static void write_out(fee_run *r, const pm_record *rec)
{
    if (!r->write_failed && pm_writer_write(r->w, rec, &r->err) != 0) r->write_failed = 1;
}

static void flag(fee_run *r, pm_record *rec)
{
    fee_engine *e = &r->eng;
    const char *src = rec->source ? rec->source : "-";
    if (e->key_fallback) pm_warn_at(src, rec->line, "%s", pm_buf_str(&e->flagmsg));
    else pm_warn_at(src, rec->line, "%s: %s", e->key, pm_buf_str(&e->flagmsg));
    r->nflagged++;
    r->nflag[e->flag]++;
    if (!r->unmatched || r->write_failed) return;
    char where[600];
    snprintf(where, sizeof where, "%s:%ld", src, rec->line);
    pm_record_set_copy(rec, "_source", where, strlen(where));
    pm_record_set_copy(rec, "_error", e->flagmsg.s, e->flagmsg.len);
    if (pm_writer_write(r->unmatched, rec, &r->err) != 0) r->write_failed = 1;
}

int fee_run_record(fee_run *r, pm_record *rec)
{
    fee_engine *e = &r->eng;
    r->nrec++;
    int st = fee_charge(e, rec, &r->err);
    if (e->key_fallback && !r->warned_key) {
        r->warned_key = 1;
        pm_warn_at(rec->source ? rec->source : "-", rec->line,
                   "no value in the key field%s '%s': such records are keyed FILE:LINE, which --verify cannot "
                   "match once a row is added or moved (name the key with --key=FIELD[,FIELD])",
                   e->nkeys > 1 ? "s" : "", e->keys[0].name);
    }
    if (st == FEE_ERROR) {
        pm_report(&r->err);
        r->nbad++;
        return FEE_REC_REJECTED;
    }
    if (st == FEE_FLAGGED) {
        flag(r, rec);
        return FEE_REC_FLAGGED;
    }
    for (size_t i = 0; i < e->nlines && !r->write_failed; i++) {
        fee_line *l = &e->lines[i];
        l->input = rec->source;
        r->ncharges++;
        if (r->ver) {
            int n = fee_verify_check(r->ver, l, r->explain);
            for (int k = 0; k < n; k++) {
                fee_verify_diff(r->ver, k, &r->out);
                r->ndiff++;
                write_out(r, &r->out);
            }
        } else if (r->journal) {
            if (fee_journal_write(r->journal, r, l, &r->err) != 0) r->write_failed = 1;
        } else {
            fee_charge_record(r, l, &r->out);
            write_out(r, &r->out);
        }
    }
    return FEE_REC_WRITTEN;
}

/* "2 no rule, 1 quantity" for --stats. */
void fee_run_flag_summary(const fee_run *r, pm_buf *out)
{
    int shown = 0;
    for (int k = 1; k < FEE_FLAG_KINDS; k++) {
        if (!r->nflag[k]) continue;
        pm_buf_addf(out, "%s%llu %s", shown++ ? ", " : "", r->nflag[k], flag_names[k]);
    }
}
