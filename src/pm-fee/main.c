/* main.c - pm-fee: charges to the fen that auditors can re-run (docs/CONTRACT.md
 * section 7).  Options and the record loop; the work is in charge.c,
 * schedule.c, expr.c, split.c and verify.c. */
#include <stdlib.h>
#include <string.h>

#include "fee.h"
#include "opts.h"

enum { OPT_SCHEDULE = 1000, OPT_PERIOD, OPT_EXPLAIN, OPT_VERIFY };

typedef struct settings {
    const char *schedule, *period, *verify;
    int explain;
} settings;

static const pm_option options[] = {
    {"schedule", 0, 1, OPT_SCHEDULE, "FILE", "the fee schedule (YAML); required"},
    {"period", 0, 1, OPT_PERIOD, "YYYY-MM", "charge every record for this month (default: each record's period field)"},
    {"explain", 0, 0, OPT_EXPLAIN, NULL, "append a formula field showing how each amount was reached"},
    {"verify", 0, 1, OPT_VERIFY, "CHARGES", "recompute and write the differences from CHARGES (exit 1 if any)"},
    {NULL, 0, 0, 0, NULL, NULL}
};

static int on_option(int id, const char *arg, void *p)
{
    settings *st = p;
    switch (id) {
    case OPT_SCHEDULE: st->schedule = arg; break;
    case OPT_PERIOD: st->period = arg; break;
    case OPT_EXPLAIN: st->explain = 1; break;
    case OPT_VERIFY: st->verify = arg; break;
    }
    return 0;
}

static void charge_record(pm_record *out, const fee_line *l, const char *sha, int explain)
{
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
    pm_record_add(out, "schedule_sha256", sha, 64);
    if (explain) pm_record_add(out, "formula", l->formula ? l->formula : "", l->formula ? strlen(l->formula) : 0);
}

int main(int argc, char **argv)
{
    settings st = {0};
    pm_common common;
    pm_error err;
    pm_day period_day = 0;

    pm_program_init(argc, argv);
    int first = pm_opts_parse(argc, argv, options, PM_OPT_STREAM, &common, on_option, &st,
                              "pm-fee --schedule=FILE [--period=YYYY-MM] [--explain] [--verify=CHARGES] [OPTION]... [FILE]...",
                              "Computes the charges a fee schedule makes of input records, exactly and "
                              "reproducibly; with --verify, compares them with a charges file made earlier.");
    if (!st.schedule) pm_usage_error("--schedule=FILE is required");
    if (st.period && fee_period_parse(st.period, strlen(st.period), &period_day) != 0)
        pm_usage_error("--period must be a month written YYYY-MM, not '%s'", st.period);

    pm_error_clear(&err);
    fee_schedule sched;
    if (fee_schedule_load(&sched, st.schedule, &err) != 0) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    fee_verify *ver = NULL;
    if (st.verify) {
        /* -f names the inputs' format; the charges file is detected */
        pm_read_opts vopts = common.read;
        vopts.format = PM_FMT_AUTO;
        ver = fee_verify_load(st.verify, &vopts, sched.sha256, &err);
        if (!ver) {
            pm_report(&err);
            fee_schedule_free(&sched);
            return PM_EXIT_ERROR;
        }
        long line;
        const char *other = fee_verify_other_schedule(ver, &line);
        if (other)
            pm_warn_at(st.verify, line, "made with another schedule (schedule_sha256 %.64s, this one is %s)", other, sched.sha256);
    }

    pm_inputs in;
    pm_inputs_init(&in, argv + first, argc - first, &common.read);
    pm_format fmt = pm_common_out_format(&common, pm_inputs_peek_format(&in));
    if (fmt == PM_FMT_AUTO) fmt = PM_FMT_CSV;
    pm_writer *w = pm_writer_open(common.output, fmt, &err);
    if (!w) {
        pm_report(&err);
        pm_inputs_close(&in);
        fee_verify_free(ver);
        fee_schedule_free(&sched);
        return PM_EXIT_ERROR;
    }

    fee_engine eng;
    fee_engine_init(&eng, &sched, st.explain, st.period, period_day);
    pm_record rec, out;
    pm_record_init(&rec);
    pm_record_init(&out);
    pm_buf note = PM_BUF_INIT;
    unsigned long long nrec = 0, nbad = 0, nunmatched = 0, ncharges = 0, ndiff = 0;
    int status = PM_EXIT_OK, write_failed = 0, rc;

    while (!write_failed && (rc = pm_inputs_next(&in, &rec, &err)) != PM_READ_EOF) {
        if (rc != PM_READ_OK) {
            pm_report(&err);
            status = PM_EXIT_ERROR;
            nbad++;
            continue;
        }
        nrec++;
        if (fee_charge(&eng, &rec, &err) != 0) {
            pm_report(&err);
            status = PM_EXIT_ERROR;
            nbad++;
            continue;
        }
        if (eng.nlines == 0) {
            pm_buf_reset(&note);
            fee_unmatched_note(&eng, &rec, &note);
            pm_warn_at(rec.source ? rec.source : "-", rec.line, "%s", pm_buf_str(&note));
            nunmatched++;
            continue;
        }
        for (size_t i = 0; i < eng.nlines && !write_failed; i++) {
            ncharges++;
            if (ver) {
                if (!fee_verify_check(ver, &eng.lines[i], st.explain, &out)) continue;
                ndiff++;
            } else {
                charge_record(&out, &eng.lines[i], sched.sha256, st.explain);
            }
            if (pm_writer_write(w, &out, &err) != 0) write_failed = 1;
        }
    }
    while (ver && !write_failed && fee_verify_next_extra(ver, st.explain, &out)) {
        ndiff++;
        if (pm_writer_write(w, &out, &err) != 0) write_failed = 1;
    }
    if (write_failed) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    if (pm_writer_close(w, !write_failed, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    if (common.stats) {
        pm_warn("%llu records, %llu charges, %llu unmatched, %llu with errors", nrec, ncharges, nunmatched, nbad);
        if (ver) pm_warn("%llu differences", ndiff);
    }
    if (status == PM_EXIT_OK && ndiff > 0) status = PM_EXIT_FLAGGED;

    pm_buf_free(&note);
    pm_record_free(&rec);
    pm_record_free(&out);
    fee_engine_free(&eng);
    pm_inputs_close(&in);
    fee_verify_free(ver);
    fee_schedule_free(&sched);
    return status;
}
