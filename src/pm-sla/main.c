/* main.c - pm-sla: deadlines of tickets under an SLA policy (docs/CONTRACT.md 6).
 * Options only; sla_main (setup.c) sets up the run, and the work is in run.c,
 * deadline.c, explain.c and policy.c. */
#include <string.h>
#include "opts.h"
#include "sla.h"

static const char usage[] = "pm-sla [--policy=FILE] [--calendar=FILE] [--now=TIME] [--at-risk=DURATION] [--breaches]\n"
                            "       [--explain] [OPTION]... [FILE]...\n"
                            "pm-sla --print-policy [--policy=FILE]";
static const char description[] =
    "Computes the respond, arrive and resolve deadlines of tickets under an SLA policy,\n"
    "counting days and working days as the PRC Civil Code does, and appends\n"
    "respond_due, respond_status, arrive_due, arrive_status, resolve_due, resolve_status\n"
    "and sla_status (met, late, open, paused, at_risk, overdue, invalid).\n"
    "A ticket's paused field (START/END;...) stops the clocks that pause.\n"
    "Exit status: 0 nothing late, 1 something late, overdue or invalid, 2 errors.";

int main(int argc, char **argv)
{
    sla_args a;
    pm_common common;

    pm_program_init(argc, argv);
    memset(&a, 0, sizeof a);
    memset(&common, 0, sizeof common);
    const pm_option options[] = {
        PM_OPT_STRING("policy", 0, &a.policy, "FILE", "SLA policy (YAML); default: the built-in one"),
        PM_OPT_STRING("calendar", 0, &a.calendar, "FILE", "working-day calendar (YAML); default: cn"),
        PM_OPT_STRING("now", 0, &a.now, "TIME", "the time to judge open tickets against; default: now"),
        PM_OPT_STRING("at-risk", 0, &a.at_risk, "DURATION", "open tickets due within DURATION are at_risk"),
        PM_OPT_FLAG("breaches", 0, &a.breaches, "write only late and overdue tickets"),
        PM_OPT_FLAG("explain", 0, &a.explain, "append sla_explain: how each due was counted"),
        PM_OPT_STRING("tz", 0, &a.tz, "ZONE", "time zone (IANA name); beats the policy's; default Asia/Shanghai"),
        PM_OPT_FLAG("print-policy", 0, &a.print_policy, "write the policy (YAML) and exit"),
        PM_OPT_END,
    };
    int first = pm_opts_parse(argc, argv, options, PM_OPT_STREAM & ~PM_OPT_TZ, &common, NULL, NULL, usage, description);

    return sla_main(&a, &common, argv + first, argc - first);
}
