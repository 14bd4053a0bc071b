/* main.c - pm-fee: charges to the fen that auditors can re-run (docs/CONTRACT.md
 * section 7).  Options and the record loop; the per-record work is
 * fee_run_record (run.c), the rest in charge.c, schedule.c, expr.c,
 * split.c, verify.c, inputs.c and journal.c. */
#include <stdlib.h>
#include <string.h>

#include "fee.h"
#include "opts.h"

enum { OPT_SCHEDULE = 1000, OPT_PERIOD, OPT_EXPLAIN, OPT_VERIFY, OPT_KEY, OPT_PERIOD_FIELD, OPT_UNMATCHED };

typedef struct settings {
    const char *schedule, *period, *verify, *key, *period_field, *unmatched;
    int explain;
} settings;

static const pm_option options[] = {
    {"schedule", 0, 1, OPT_SCHEDULE, "FILE", "the fee schedule (YAML); required"},
    {"period", 0, 1, OPT_PERIOD, "YYYY-MM", "charge every record for this month (default: each record's period field)"},
    {"explain", 0, 0, OPT_EXPLAIN, NULL, "append a formula field showing how each amount was reached"},
    {"verify", 0, 1, OPT_VERIFY, "CHARGES", "recompute and write the differences from CHARGES (exit 1 if any)"},
    {"key", 0, 1, OPT_KEY, "FIELD[,FIELD]", "the field(s) naming a record in charges (default: id)"},
    {"period-field", 0, 1, OPT_PERIOD_FIELD, "FIELD", "the field holding a record's month (default: period)"},
    {"unmatched", 0, 1, OPT_UNMATCHED, "FILE", "write flagged records here, with _source and _error"},
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
    case OPT_KEY: st->key = arg; break;
    case OPT_PERIOD_FIELD: st->period_field = arg; break;
    case OPT_UNMATCHED: st->unmatched = arg; break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    settings st = {0};
    pm_common common;
    pm_error err;
    pm_day period_day = 0;

    pm_program_init(argc, argv);
    fee_journal_kind jk = fee_journal_take_option(&argc, argv);
    int first = pm_opts_parse(argc, argv, options, PM_OPT_STREAM, &common, on_option, &st,
                              "pm-fee --schedule=FILE [--period=YYYY-MM] [--explain] [--verify=CHARGES] [OPTION]... [FILE]...",
                              "Computes the charges a fee schedule makes of input records, exactly and "
                              "reproducibly; with --verify, compares them with a charges file made earlier. "
                              "-t ledger or -t beancount writes the charges as an accounting journal.");
    if (!st.schedule) pm_usage_error("--schedule=FILE is required");
    if (st.period && fee_period_parse(st.period, strlen(st.period), &period_day) != 0)
        pm_usage_error("--period must be a month written YYYY-MM, not '%s'", st.period);
    if (st.key && (!*st.key || strstr(st.key, ",,") || st.key[0] == ',' || st.key[strlen(st.key) - 1] == ','))
        pm_usage_error("--key names one or more fields separated by commas, not '%s'", st.key);
    if (st.period_field && !*st.period_field) pm_usage_error("--period-field needs a field name");
    if (jk != FEE_JOURNAL_NONE && st.verify) pm_usage_error("--verify writes differences, not a journal: drop -t");

    pm_error_clear(&err);
    fee_schedule sched;
    if (fee_schedule_load(&sched, st.schedule, &err) != 0) {
        pm_report(&err);
        return PM_EXIT_ERROR;
    }
    fee_run run;
    memset(&run, 0, sizeof run);
    run.sched = &sched;
    run.explain = st.explain;
    pm_error_clear(&run.err);
    int status = PM_EXIT_OK, started = 0;
    if (st.verify) {
        /* -f names the inputs' format; the charges file is detected */
        pm_read_opts vopts = common.read;
        vopts.format = PM_FMT_AUTO;
        run.ver = fee_verify_load(st.verify, &vopts, sched.sha256, &err);
        if (!run.ver) {
            pm_report(&err);
            fee_schedule_free(&sched);
            return PM_EXIT_ERROR;
        }
        long line;
        const char *other = fee_verify_other_schedule(run.ver, &line);
        if (other)
            pm_warn_at(st.verify, line, "made with another schedule (schedule_sha256 %.64s, this one is %s)", other, sched.sha256);
    }

    run.hashes = fee_inputs_hash_new(argv + first, argc - first);
    if (!st.verify && jk == FEE_JOURNAL_NONE) {
        int i = 0;
        const char *name;
        while ((name = fee_inputs_unhashed(run.hashes, &i)))
            pm_warn_at(name, 0, "not a regular file: its charges carry no inputs_sha256");
    }
    pm_inputs in;
    pm_inputs_init(&in, argv + first, argc - first, &common.read);
    pm_format infmt = pm_inputs_peek_format(&in);
    pm_format fmt = pm_common_out_format(&common, infmt);
    if (fmt == PM_FMT_AUTO) fmt = PM_FMT_CSV;
    if (jk != FEE_JOURNAL_NONE) run.journal = fee_journal_open(common.output, jk, &sched, &err);
    else run.w = pm_writer_open(common.output, fmt, &err);
    if (!run.w && !run.journal) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
        goto done;
    }
    if (st.unmatched) {
        pm_format ufmt = infmt == PM_FMT_AUTO ? PM_FMT_CSV : infmt;
        if (!(run.unmatched = pm_writer_open(st.unmatched, ufmt, &err))) {
            pm_report(&err);
            status = PM_EXIT_ERROR;
            goto done;
        }
    }

    started = 1;
    fee_engine_init(&run.eng, &sched, st.explain, st.period, period_day);
    fee_engine_keys(&run.eng, st.key, st.period_field);
    pm_record rec;
    pm_record_init(&rec);
    pm_record_init(&run.out);
    int rc;

    while (!run.write_failed && (rc = pm_inputs_next(&in, &rec, &err)) != PM_READ_EOF) {
        if (rc != PM_READ_OK) {
            pm_report(&err);
            status = PM_EXIT_ERROR;
            run.nbad++;
            continue;
        }
        if (fee_run_record(&run, &rec) == FEE_REC_REJECTED) status = PM_EXIT_ERROR;
    }
    while (run.ver && !run.write_failed && fee_verify_next_extra(run.ver, st.explain, &run.out)) {
        run.ndiff++;
        if (pm_writer_write(run.w, &run.out, &run.err) != 0) run.write_failed = 1;
    }
    if (!run.write_failed && fee_inputs_unchanged(run.hashes, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    if (run.write_failed) {
        pm_report(&run.err);
        status = PM_EXIT_ERROR;
    }
    pm_record_free(&rec);
    pm_record_free(&run.out);
    fee_engine_free(&run.eng);
    if (common.stats) {
        pm_buf b = PM_BUF_INIT;
        fee_run_flag_summary(&run, &b);
        pm_warn("%llu records, %llu charges, %llu unmatched, %llu with errors", run.nrec, run.ncharges, run.nflagged,
                run.nbad);
        if (run.nflagged) pm_warn("flagged: %s", pm_buf_str(&b));
        if (run.ver) pm_warn("%llu differences", run.ndiff);
        pm_buf_free(&b);
    }
    if (status == PM_EXIT_OK && (run.ndiff > 0 || run.nflagged > 0)) status = PM_EXIT_FLAGGED;

done:
    if (run.w && pm_writer_close(run.w, started && !run.write_failed, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    if (run.journal && fee_journal_close(run.journal, started && !run.write_failed, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    if (run.unmatched && pm_writer_close(run.unmatched, started && !run.write_failed, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    pm_inputs_close(&in);
    fee_inputs_hash_free(run.hashes);
    fee_verify_free(run.ver);
    fee_schedule_free(&sched);
    return status;
}
