/* main.c - pm-fee: charges to the fen that auditors can re-run (docs/CONTRACT.md
 * section 7).  Options only; fee_main (setup.c) sets up the run: the record
 * loop is the toolkit's pipeline (lib/pipeline.h) with fee_on_record (run.c)
 * as its record function; the rest is in charge.c, schedule.c, expr.c,
 * split.c, verify.c, inputs.c and journal.c. */
#include <stdlib.h>
#include <string.h>

#include "fee.h"
#include "opts.h"
#include "pipeline.h"

int main(int argc, char **argv)
{
    fee_settings st = {0};
    pm_common common;

    pm_program_init(argc, argv);
    memset(&common, 0, sizeof common);
    st.journal = fee_journal_take_option(&argc, argv);
    const pm_option options[] = {
        PM_OPT_STRING("schedule", 0, &st.schedule, "FILE", "the fee schedule (YAML); required"),
        PM_OPT_STRING("period", 0, &st.period, "YYYY-MM",
                      "charge every record for this month (default: each record's period field)"),
        PM_OPT_FLAG("explain", 0, &st.explain, "append a formula field showing how each amount was reached"),
        PM_OPT_STRING("verify", 0, &st.verify, "CHARGES",
                      "recompute and write the differences from CHARGES (exit 1 if any)"),
        PM_OPT_STRING("key", 0, &st.key, "FIELD[,FIELD]", "the field(s) naming a record in charges (default: id)"),
        PM_OPT_STRING("period-field", 0, &st.period_field, "FIELD",
                      "the field holding a record's month (default: period)"),
        PM_OPT_STRING("unmatched", 0, &st.unmatched, "FILE",
                      "write flagged and rejected records here, with _source and _error"),
        PM_OPT_END,
    };
    int first =
        pm_opts_parse(argc, argv, options, PM_OPT_STREAM | PM_OPT_REJECT, &common, NULL, NULL,
                      "pm-fee --schedule=FILE [--period=YYYY-MM] [--explain] [--verify=CHARGES] [OPTION]... [FILE]...",
                      "Computes the charges a fee schedule makes of input records, exactly and "
                      "reproducibly; with --verify, compares them with a charges file made earlier. "
                      "-t ledger or -t beancount writes the charges as an accounting journal.");
    if (!st.schedule) pm_usage_error("--schedule=FILE is required");
    if (st.period && fee_period_parse(st.period, strlen(st.period), &st.period_day) != 0)
        pm_usage_error("--period must be a month written YYYY-MM, not '%s'", st.period);
    if (st.key && (!*st.key || strstr(st.key, ",,") || st.key[0] == ',' || st.key[strlen(st.key) - 1] == ','))
        pm_usage_error("--key names one or more fields separated by commas, not '%s'", st.key);
    if (st.period_field && !*st.period_field) pm_usage_error("--period-field needs a field name");
    if (st.journal != FEE_JOURNAL_NONE && st.verify)
        pm_usage_error("--verify writes differences, not a journal: drop -t");
    /* (the charges file would be read by the input's byte range too, and a
     * block's charges differ from the whole run's by every other block's) */
    if (st.verify && common.read.byte_range)
        pm_usage_error("--verify compares the charges of the whole input: it does not read one block (--byte-range)");
    if (st.unmatched && common.reject && strcmp(st.unmatched, common.reject) != 0)
        pm_usage_error("--unmatched and --reject name one stream: give one of them");

    return fee_main(&st, &common, argv + first, argc - first);
}
