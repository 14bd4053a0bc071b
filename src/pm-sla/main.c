/* main.c - pm-sla: deadlines of tickets under an SLA policy (docs/CONTRACT.md 6).
 * Options and set-up only; the work is in run.c, deadline.c, explain.c and
 * policy.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calendar.h"
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

typedef struct args {
    const char *policy, *calendar, *now, *at_risk, *tz;
    int breaches, explain, print_policy;
} args;

static int on_option(int id, const char *arg, void *ctx)
{
    args *a = ctx;
    switch (id) {
    case OPT_POLICY:
        a->policy = arg;
        break;
    case OPT_CALENDAR:
        a->calendar = arg;
        break;
    case OPT_NOW:
        a->now = arg;
        break;
    case OPT_AT_RISK:
        a->at_risk = arg;
        break;
    case OPT_BREACHES:
        a->breaches = 1;
        break;
    case OPT_EXPLAIN:
        a->explain = 1;
        break;
    case OPT_PRINT_POLICY:
        a->print_policy = 1;
        break;
    case OPT_TZ:
        a->tz = arg;
        break;
    default:
        return -1;
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
    args a;
    pm_common common;
    pm_error err;
    sla_policy policy;
    sla_run_opts ro;

    pm_program_init(argc, argv);
    memset(&a, 0, sizeof a);
    memset(&common, 0, sizeof common);
    int first =
        pm_opts_parse(argc, argv, options, PM_OPT_STREAM & ~PM_OPT_TZ, &common, on_option, &a, usage, description);

    pm_errors errs = PM_ERRORS_INIT;
    if (sla_policy_load(&policy, a.policy, &errs) != 0) {
        pm_errors_report(&errs);
        pm_errors_free(&errs);
        return PM_EXIT_ERROR;
    }
    if (a.print_policy) {
        if (a.policy) {
            pm_buf b = PM_BUF_INIT;
            sla_policy_print(&policy, &b);
            fwrite(b.s, 1, b.len, stdout);
            pm_buf_free(&b);
        } else {
            fputs(sla_builtin_policy_yaml, stdout);
        }
        sla_policy_free(&policy);
        return pm_stdout_close();
    }

    /* --tz (our own option, so we know it was given) beats the policy's timezone, which beats the default. */
    const char *tzname = a.tz ? a.tz : policy.timezone ? policy.timezone : PM_DEFAULT_TZ;
    pm_tz *tz = pm_tz_open(tzname, &err);
    if (!tz) {
        if (!a.tz && policy.timezone) /* the policy file's mistake: say where */
            pm_warn_at(a.policy, policy.timezone_line, "timezone: %s", err.msg);
        else
            pm_warn("%s", err.msg);
        sla_policy_free(&policy);
        return PM_EXIT_ERROR;
    }

    const char *calref = a.calendar ? a.calendar : policy.calendar ? policy.calendar : "cn";
    pm_calendar *cal = pm_calendar_open(calref, &err);
    if (!cal) {
        if (!a.calendar && policy.calendar && err.line == 0) /* the file named does not open */
            pm_warn_at(a.policy, policy.calendar_line, "calendar '%s': %s%s%s", policy.calendar_text,
                       err.file[0] ? err.file : "", err.file[0] ? ": " : "", err.msg);
        else
            pm_report(&err);
        pm_tz_free(tz);
        sla_policy_free(&policy);
        return PM_EXIT_ERROR;
    }

    memset(&ro, 0, sizeof ro);
    ro.policy = &policy;
    ro.cal = cal;
    ro.tz = tz;
    ro.breaches = a.breaches;
    ro.explain = a.explain;
    ro.stats = common.stats;
    ro.window = -1;
    if (a.now) {
        if (pm_time_parse(a.now, strlen(a.now), tz, &ro.now, &err) != 0) pm_usage_error("--now=%s: %s", a.now, err.msg);
    } else {
        ro.now = (pm_time)time(NULL);
    }
    if (a.at_risk) {
        pm_duration d;
        if (pm_duration_parse(a.at_risk, strlen(a.at_risk), &d, &err) != 0)
            pm_usage_error("--at-risk=%s: %s", a.at_risk, err.msg);
        if (d.kind == PM_DUR_WORKDAYS)
            pm_usage_error("--at-risk=%s: give the window in minutes, hours or days", a.at_risk);
        ro.window = d.kind == PM_DUR_DAYS ? d.n * 86400 : d.n;
    }

    common.read.join_lists = 1; /* YAML paused: [A/B, C/] */
    int status = sla_run(&ro, &common, argv + first, argc - first);
    pm_calendar_free(cal);
    pm_tz_free(tz);
    sla_policy_free(&policy);
    return status;
}
