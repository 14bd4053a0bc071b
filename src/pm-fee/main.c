/* main.c - pm-fee: charges to the fen that auditors can re-run (docs/CONTRACT.md
 * section 7).  Options and setup; the record loop is the toolkit's pipeline
 * (lib/pipeline.h) with fee_on_record (run.c) as its record function; the
 * rest is in charge.c, schedule.c, expr.c, split.c, verify.c, inputs.c and
 * journal.c. */
#include <stdlib.h>
#include <string.h>

#include "fee.h"
#include "opts.h"
#include "pipeline.h"

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
    {"unmatched", 0, 1, OPT_UNMATCHED, "FILE", "write flagged and rejected records here, with _source and _error"},
    {NULL, 0, 0, 0, NULL, NULL}};

static int on_option(int id, const char *arg, void *p)
{
    settings *st = p;
    switch (id) {
    case OPT_SCHEDULE:
        st->schedule = arg;
        break;
    case OPT_PERIOD:
        st->period = arg;
        break;
    case OPT_EXPLAIN:
        st->explain = 1;
        break;
    case OPT_VERIFY:
        st->verify = arg;
        break;
    case OPT_KEY:
        st->key = arg;
        break;
    case OPT_PERIOD_FIELD:
        st->period_field = arg;
        break;
    case OPT_UNMATCHED:
        st->unmatched = arg;
        break;
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
    memset(&common, 0, sizeof common);
    fee_journal_kind jk = fee_journal_take_option(&argc, argv);
    int first =
        pm_opts_parse(argc, argv, options, PM_OPT_STREAM | PM_OPT_REJECT, &common, on_option, &st,
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
    if (st.unmatched && common.reject && strcmp(st.unmatched, common.reject) != 0)
        pm_usage_error("--unmatched and --reject name one stream: give one of them");

    pm_error_clear(&err);
    fee_schedule sched;
    pm_errors errs = PM_ERRORS_INIT;
    if (fee_schedule_load(&sched, st.schedule, &errs) != 0) {
        pm_errors_report(&errs);
        pm_errors_free(&errs);
        return PM_EXIT_ERROR;
    }
    fee_run run;
    memset(&run, 0, sizeof run);
    run.sched = &sched;
    run.explain = st.explain;
    pm_error_clear(&run.err);
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
            pm_warn_at(st.verify, line, "made with another schedule (schedule_sha256 %.64s, this one is %s)", other,
                       sched.sha256);
    }

    run.hashes = fee_inputs_hash_new(argv + first, argc - first);
    if (!st.verify && jk == FEE_JOURNAL_NONE) {
        int i = 0;
        const char *name;
        while ((name = fee_inputs_unhashed(run.hashes, &i)))
            pm_warn_at(name, 0, "not a regular file: its charges carry no inputs_sha256");
    }

    /* messages about unreadable records name the first key field */
    char *key1 = pm_xstrndup(st.key ? st.key : "id", st.key ? strcspn(st.key, ",") : 2);
    const char *journal_path = jk != FEE_JOURNAL_NONE ? common.output : NULL;
    pm_pipe_spec spec = {
        .record = fee_on_record,
        .bad = fee_on_bad,
        .stats = fee_on_stats,
        .ctx = &run,
        .key_field = key1,
        .flags = PM_PIPE_QUIET_REJECTS | (jk != FEE_JOURNAL_NONE ? PM_PIPE_NO_OUTPUT : 0),
        .reject_path = st.unmatched ? st.unmatched : common.reject,
        .other_outputs = &journal_path,
        .nother_outputs = journal_path ? 1 : 0,
    };
    int status = PM_EXIT_ERROR;
    pm_pipe *p = pm_pipe_open(&common, argv + first, argc - first, &spec, &err);
    if (!p) {
        pm_report(&err);
        goto done;
    }
    run.p = p;
    if (jk != FEE_JOURNAL_NONE && !(run.journal = fee_journal_open(journal_path, jk, &sched, &err))) {
        pm_report(&err);
        pm_pipe_finish(p, PM_EXIT_ERROR);
        goto done;
    }
    fee_engine_init(&run.eng, &sched, st.explain, st.period, period_day);
    fee_engine_keys(&run.eng, st.key, st.period_field);
    pm_record_init(&run.out);

    status = pm_pipe_run(p);
    if (status < PM_EXIT_ERROR) {
        while (run.ver && fee_verify_next_extra(run.ver, st.explain, &run.out)) {
            run.ndiff++;
            pm_pipe_flag(p);
            if (pm_pipe_write(p, &run.out) != 0) {
                status = PM_EXIT_ERROR;
                break;
            }
        }
        if (run.ver && run.ndiff > 0 && status == PM_EXIT_OK) status = PM_EXIT_FLAGGED;
        if (fee_inputs_unchanged(run.hashes, &err) != 0) {
            pm_report(&err);
            status = PM_EXIT_ERROR;
        }
    }
    status = pm_pipe_finish(p, status);
    /* A record whose data could not be charged (a field that is not a
     * number, an overflow, ...) is rejected to --unmatched and the outputs
     * are committed (every charge written is right), but the charges are
     * incomplete: exit 2, as pm-fee(1) says. */
    if (run.nerrors > 0 && status < PM_EXIT_ERROR) status = PM_EXIT_ERROR;
    if (run.journal && fee_journal_close(run.journal, status < PM_EXIT_ERROR, &err) != 0) {
        pm_report(&err);
        status = PM_EXIT_ERROR;
    }
    pm_record_free(&run.out);
    fee_engine_free(&run.eng);

done:
    free(key1);
    fee_inputs_hash_free(run.hashes);
    fee_verify_free(run.ver);
    fee_schedule_free(&sched);
    return status;
}
