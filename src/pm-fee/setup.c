/* setup.c - pm-fee's run as its options ask: the schedule loaded, the
 * charges to verify read, the inputs' hashes taken, then the record loop
 * (lib/pipeline.h, fee_on_record) and what follows it (the charges only in
 * --verify's file, the inputs checked unchanged, the journal committed). */
#include <stdlib.h>
#include <string.h>

#include "fee.h"
#include "opts.h"
#include "pipeline.h"

int fee_main(const fee_settings *st, const pm_common *c, char **paths, int npaths)
{
    pm_common common = *c;
    pm_error err;

    pm_error_clear(&err);
    fee_schedule sched;
    pm_errors errs = PM_ERRORS_INIT;
    int loaded = fee_schedule_load(&sched, st->schedule, &errs) == 0;
    pm_errors_report(&errs); /* every error of the schedule: none when it loaded */
    pm_errors_free(&errs);
    if (!loaded) return PM_EXIT_ERROR;
    fee_run run;
    memset(&run, 0, sizeof run);
    run.sched = &sched;
    run.explain = st->explain;
    pm_error_clear(&run.err);
    if (st->verify) {
        /* -f names the inputs' format; the charges file is detected */
        pm_read_opts vopts = common.read;
        vopts.format = PM_FMT_AUTO;
        run.ver = fee_verify_load(st->verify, &vopts, sched.sha256, &err);
        if (!run.ver) {
            pm_report(&err);
            fee_schedule_free(&sched);
            return PM_EXIT_ERROR;
        }
        long line;
        const char *other = fee_verify_other_schedule(run.ver, &line);
        if (other)
            pm_warn_at(st->verify, line, "made with another schedule (schedule_sha256 %.64s, this one is %s)", other,
                       sched.sha256);
    }

    run.hashes = fee_inputs_hash_new(paths, npaths);
    if (!st->verify && st->journal == FEE_JOURNAL_NONE) {
        int i = 0;
        const char *name;
        while ((name = fee_inputs_unhashed(run.hashes, &i)))
            pm_warn_at(name, 0, "not a regular file: its charges carry no inputs_sha256");
    }

    /* messages about unreadable records name the first key field */
    char *key1 = pm_xstrndup(st->key ? st->key : "id", st->key ? strcspn(st->key, ",") : 2);
    const char *journal_path = st->journal != FEE_JOURNAL_NONE ? common.output : NULL;
    pm_pipe_spec spec = {
        .record = fee_on_record,
        .bad = fee_on_bad,
        .stats = fee_on_stats,
        .ctx = &run,
        .key_field = key1,
        .flags = PM_PIPE_QUIET_REJECTS | (st->journal != FEE_JOURNAL_NONE ? PM_PIPE_NO_OUTPUT : 0),
        .reject_path = st->unmatched ? st->unmatched : common.reject,
        .other_outputs = &journal_path,
        .nother_outputs = journal_path ? 1 : 0,
    };
    int status = PM_EXIT_ERROR;
    pm_pipe *p = pm_pipe_open(&common, paths, npaths, &spec, &err);
    if (!p) {
        pm_report(&err);
        goto done;
    }
    run.p = p;
    if (st->journal != FEE_JOURNAL_NONE && !(run.journal = fee_journal_open(journal_path, st->journal, &sched, &err))) {
        pm_report(&err);
        pm_pipe_finish(p, PM_EXIT_ERROR);
        goto done;
    }
    fee_engine_init(&run.eng, &sched, st->explain, st->period, st->period_day);
    fee_engine_keys(&run.eng, st->key, st->period_field);
    pm_record_init(&run.out);
    pm_record_init(&run.charge);

    status = pm_pipe_run(p);
    if (status < PM_EXIT_ERROR) {
        while (run.ver && fee_verify_next_extra(run.ver, st->explain, &run.out)) {
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
    pm_record_free(&run.charge);
    fee_engine_free(&run.eng);

done:
    free(key1);
    fee_inputs_hash_free(run.hashes);
    fee_verify_free(run.ver);
    fee_schedule_free(&sched);
    return status;
}
