/* main.c - pm-sla: deadlines of tickets under an SLA policy (docs/CONTRACT.md 6).
 * Options only; sla_main (setup.c) sets up the run, and the work is in run.c,
 * deadline.c, explain.c and policy.c. */
#include <string.h>
#include "opts.h"
#include "sla.h"

enum { OPT_POLICY = 1000, OPT_CALENDAR, OPT_NOW, OPT_AT_RISK, OPT_BREACHES, OPT_PRINT_POLICY, OPT_EXPLAIN, OPT_TZ };

static const pm_option options[] = {
    {"policy", 0, 1, OPT_POLICY, "FILE", "SLA policy (YAML); default: the built-in one"},
    {"calendar", 0, 1, OPT_CALENDAR, "FILE", "working-day calendar (YAML); default: cn"},
    {"now", 0, 1, OPT_NOW, "TIME", "the time to judge open tickets against; default: now"},
    {"at-risk", 0, 1, OPT_AT_RISK, "DURATION", "open tickets due within DURATION are at_risk"},
    {"breaches", 0, 0, OPT_BREACHES, NULL, "write only late and overdue tickets"},
    {"explain", 0, 0, OPT_EXPLAIN, NULL, "append sla_explain: how each due was counted"},
    {"tz", 0, 1, OPT_TZ, "ZONE", "time zone (IANA name); beats the policy's; default Asia/Shanghai"},
    {"print-policy", 0, 0, OPT_PRINT_POLICY, NULL, "write the policy (YAML) and exit"},
    {0, 0, 0, 0, 0, 0},
};

static int on_option(int id, const char *arg, void *ctx)
{
    sla_args *a = ctx;
    switch (id) {
    case OPT_POLICY: a->policy = arg; break;
    case OPT_CALENDAR: a->calendar = arg; break;
    case OPT_NOW: a->now = arg; break;
    case OPT_AT_RISK: a->at_risk = arg; break;
    case OPT_BREACHES: a->breaches = 1; break;
    case OPT_EXPLAIN: a->explain = 1; break;
    case OPT_PRINT_POLICY: a->print_policy = 1; break;
    case OPT_TZ: a->tz = arg; break;
    default: return -1;
    }
    return 0;
}

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
    int first =
        pm_opts_parse(argc, argv, options, PM_OPT_STREAM & ~PM_OPT_TZ, &common, on_option, &a, usage, description);

    return sla_main(&a, &common, argv + first, argc - first);
}
