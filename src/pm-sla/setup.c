/* setup.c - pm-sla's run as its options ask: the policy, the zone and the
 * calendar opened (or the policy printed), the clock and the at-risk window
 * read, then sla_run. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "calendar.h"
#include "opts.h"
#include "sla.h"

int sla_main(const sla_args *a, const pm_common *common_in, char **paths, int npaths)
{
    pm_common common = *common_in; /* a copy: YAML lists are joined here */
    pm_error err;
    sla_policy policy;
    sla_run_opts ro;

    pm_errors errs = PM_ERRORS_INIT;
    if (sla_policy_load(&policy, a->policy, &errs) != 0) {
        pm_errors_report(&errs);
        pm_errors_free(&errs);
        return PM_EXIT_ERROR;
    }
    if (a->print_policy) {
        if (a->policy) {
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
    const char *tzname = a->tz ? a->tz : policy.timezone ? policy.timezone : PM_DEFAULT_TZ;
    pm_tz *tz = pm_tz_open(tzname, &err);
    if (!tz) {
        if (!a->tz && policy.timezone) /* the policy file's mistake: say where */
            pm_warn_at(a->policy, policy.timezone_line, "timezone: %s", err.msg);
        else
            pm_warn("%s", err.msg);
        sla_policy_free(&policy);
        return PM_EXIT_ERROR;
    }

    const char *calref = a->calendar ? a->calendar : policy.calendar ? policy.calendar : "cn";
    pm_errors cerrs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_open(calref, &cerrs);
    if (!cal) {
        const pm_error *ce = &cerrs.v[0];
        if (!a->calendar && policy.calendar && cerrs.n == 1 && ce->line == 0) /* the file named does not open */
            pm_warn_at(a->policy, policy.calendar_line, "calendar '%s': %s%s%s", policy.calendar_text,
                       ce->file[0] ? ce->file : "", ce->file[0] ? ": " : "", ce->msg);
        else
            pm_errors_report(&cerrs);
        pm_errors_free(&cerrs);
        pm_tz_free(tz);
        sla_policy_free(&policy);
        return PM_EXIT_ERROR;
    }

    memset(&ro, 0, sizeof ro);
    ro.policy = &policy;
    ro.cal = cal;
    ro.tz = tz;
    ro.breaches = a->breaches;
    ro.explain = a->explain;
    ro.stats = common.stats;
    ro.window = -1;
    if (a->now) {
        if (pm_time_parse(a->now, strlen(a->now), tz, &ro.now, &err) != 0)
            pm_usage_error("--now=%s: %s", a->now, err.msg);
    } else {
        ro.now = (pm_time)time(NULL);
    }
    if (a->at_risk) {
        pm_duration d;
        if (pm_duration_parse(a->at_risk, strlen(a->at_risk), &d, &err) != 0)
            pm_usage_error("--at-risk=%s: %s", a->at_risk, err.msg);
        if (d.kind == PM_DUR_WORKDAYS)
            pm_usage_error("--at-risk=%s: give the window in minutes, hours or days", a->at_risk);
        ro.window = d.kind == PM_DUR_DAYS ? d.n * 86400 : d.n;
    }

    common.read.join_lists = 1; /* YAML paused: [A/B, C/] */
    int status = sla_run(&ro, &common, paths, npaths);
    pm_calendar_free(cal);
    pm_tz_free(tz);
    sla_policy_free(&policy);
    return status;
}
