/* run.c - the plan and check subcommands: options, inputs, outputs, status.
 *
 * `--start=DATE` is the first day of a rota.  `--from` is the toolkit's
 * input format option (-f/--from=csv|yaml|tsv); for the rotas written
 * before --start existed, a --from whose value is a date is still taken as
 * the first day, with a warning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"
#include "roster.h"
#include "run.h"

enum { OPT_FROM = 1000, OPT_DAYS, OPT_SEED, OPT_PREVIOUS, OPT_START, OPT_MAX_SECONDS };

#define MAX_DAYS 3660 /* ten years */

typedef struct args {
    const char *posts, *staff, *violations, *calendar, *logs;
    char **previous; /* --previous, as often as given */
    int nprevious;
    pm_day from;
    int have_from;
    long days;
    int have_seed;
    unsigned long long seed;
    int format; /* from -f/--from=FORMAT */
    double max_seconds;
    int capacity;
} args;

static int on_option(int id, const char *arg, void *ctx)
{
    args *a = ctx;
    char *end;
    switch (id) {
    case OPT_PREVIOUS:
        a->previous = pm_xrealloc(a->previous, sizeof *a->previous * (size_t)(a->nprevious + 1));
        a->previous[a->nprevious++] = (char *)arg;
        break;
    case OPT_FROM: {
        int f = pm_format_parse(arg);
        if (f > 0) {
            a->format = f;
            break;
        }
        if (pm_day_parse(arg, strlen(arg), &a->from) != 0)
            return pm_usage_warn("--from: '%s' is neither a format (csv, yaml, tsv) nor a date (2024-10-01)", arg);
        pm_warn("--from=%s: --from is the input format; use --start=%s for the first day", arg, arg);
        a->have_from = 1;
        break;
    }
    case OPT_START:
        if (pm_day_parse(arg, strlen(arg), &a->from) != 0)
            return pm_usage_warn("--start: expected a date such as 2024-10-01, not '%s'", arg);
        a->have_from = 1;
        break;
    case OPT_DAYS:
        a->days = strtol(arg, &end, 10);
        if (*end || end == arg || a->days < 1 || a->days > MAX_DAYS)
            return pm_usage_warn("--days: expected a number of days from 1 to %d, not '%s'", MAX_DAYS, arg);
        break;
    case OPT_MAX_SECONDS:
        a->max_seconds = strtod(arg, &end);
        if (*end || end == arg || !(a->max_seconds > 0) || a->max_seconds > 86400)
            return pm_usage_warn("--max-seconds: expected a number of seconds above 0, not '%s'", arg);
        break;
    case OPT_SEED:
        a->seed = strtoull(arg, &end, 10);
        if (*end || end == arg) return pm_usage_warn("--seed: expected a whole number, not '%s'", arg);
        a->have_seed = 1;
        break;
    }
    return 0;
}

enum { PLAN, CHECK, NOPTIONS = 12 };

/* An option of plan or check, and what the --help of each says of it
 * (NULL: that subcommand does not take it). */
typedef struct ro_option {
    pm_option opt; /* its help is NULL: it is the subcommand's */
    const char *help[2];
} ro_option;

/* The options of subcommand sub (PLAN, CHECK), bound to a, into out (room
 * for NOPTIONS and the end); in the order of --help.  The options both
 * subcommands take are one row, parsed the same in each. */
static void subcommand_options(args *a, int sub, pm_option out[NOPTIONS + 1])
{
    const char *posts = "posts, rules and duties (YAML; required)";
    const ro_option all[NOPTIONS] = {
        {PM_OPT_STRING("posts", 0, &a->posts, "FILE", NULL), {posts, posts}},
        {PM_OPT_STRING("staff", 0, &a->staff, "FILE", NULL),
         {"staff records: id, name, skills, max_week_hours, unavailable (required)",
          "staff records (for skill, unavailable and own weekly limits)"}},
        {PM_OPT_STRING("logs", 0, &a->logs, "FILE", NULL),
         {NULL, "patrol log records (duty, staff, start, end) to check the duties"}},
        {PM_OPT_CALL("start", 0, OPT_START, "DATE", NULL), {"first day of the rota (required)", "first day checked"}},
        {PM_OPT_CALL("from", 'f', OPT_FROM, "FORMAT", NULL),
         {"format of the staff file and --previous (csv|yaml|tsv)", "input format (csv|yaml|tsv)"}},
        {PM_OPT_CALL("days", 0, OPT_DAYS, "N", NULL), {"number of days to plan (required)", "number of days checked"}},
        {PM_OPT_CALL("seed", 0, OPT_SEED, "N", NULL),
         {"vary the tie-breaking (default 1); same seed, same rota", NULL}},
        {PM_OPT_STRING("violations", 0, &a->violations, "FILE", NULL),
         {"write the coverage gaps as violation records to FILE", NULL}},
        {PM_OPT_CALL("max-seconds", 0, OPT_MAX_SECONDS, "S", NULL),
         {"stop the search after S seconds at most (default 10)",
          "stop checking after S seconds at most (default 10); exit 2 then"}},
        {PM_OPT_FLAG("capacity", 0, &a->capacity, NULL),
         {"print the capacity table (hours needed and available per skill and week)", NULL}},
        {PM_OPT_STRING("calendar", 0, &a->calendar, "NAME|FILE", NULL),
         {"holiday calendar: a shipped one (cn, the default) or a file", NULL}},
        {PM_OPT_CALL("previous", 0, OPT_PREVIOUS, "ROSTER", NULL),
         {"the roster worked before --start (again for more; - reads standard input): planned around", NULL}},
    };
    int n = 0;
    for (int i = 0; i < NOPTIONS; i++)
        if (all[i].help[sub]) {
            out[n] = all[i].opt;
            out[n++].help = all[i].help[sub];
        }
    out[n] = (pm_option)PM_OPT_END;
}

static const unsigned COMMON = PM_OPT_TO | PM_OPT_OUTPUT | PM_OPT_TZ | PM_OPT_STATS | PM_OPT_DELIMITER |
                               PM_OPT_ENCODING | PM_OPT_MAX_FIELD | PM_OPT_REJECT;

static pm_tz *open_tz(const pm_common *c)
{
    pm_error err;
    pm_error_clear(&err);
    pm_tz *tz = pm_tz_open(c->tz_name, &err);
    if (!tz) {
        pm_warn("--tz: %s", err.msg[0] ? err.msg : "unknown time zone");
        exit(PM_EXIT_ERROR);
    }
    return tz;
}

static const char *const violation_fields[] = {"rule", "staff", "post", "start", "end", "detail"};
static const char *const assignment_fields[] = {"post", "staff", "start", "end"};

static int write_violations(const ro_violations *vs, const ro_model *m, const char *path, pm_format fmt)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open(path, fmt, &err);
    if (!w) {
        pm_report(&err);
        return -1;
    }
    pm_writer_set_header(w, violation_fields, 6); /* no violations: the header alone */
    int rc = ro_violations_write(vs, m, w, &err);
    if (rc != 0) {
        pm_report(&err);
        pm_writer_close(w, 0, &err);
        return -1;
    }
    if (pm_writer_close(w, 1, &err) != 0) {
        pm_report(&err);
        return -1;
    }
    return 0;
}

static int cmp_assign(const void *a, const void *b)
{
    const ro_assign *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    if (x->post != y->post) return x->post - y->post;
    if (x->e != y->e) return x->e < y->e ? -1 : 1;
    return x->staff - y->staff;
}

/* The zone of --tz and a model holding the posts file: 0, or -1 with the
 * file's errors reported and nothing left to free. */
static int model_open(ro_model *m, const pm_common *com, const char *posts, pm_tz **tz)
{
    *tz = open_tz(com);
    ro_model_init(m, *tz);
    if (ro_posts_load(m, posts) != 0) {
        ro_model_free(m);
        pm_tz_free(*tz);
        return -1;
    }
    return 0;
}

int ro_cmd_plan(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    a.seed = 1;
    a.max_seconds = 10;
    pm_common com;
    pm_option options[NOPTIONS + 1];
    subcommand_options(&a, PLAN, options);
    pm_opts_parse(argc, argv, options, COMMON, &com, on_option, &a,
                  "pm-roster plan --posts=FILE --staff=FILE --start=DATE --days=N [--previous=ROSTER]... [OPTION]...",
                  "Plans a duty rota for the days asked that keeps every rule of the posts file, "
                  "spreading nights, weekends and holidays fairly; with --previous it carries on from "
                  "the roster worked before.  Writes assignments (post, staff, start, end); explains "
                  "coverage gaps on standard error.");
    if (a.format) com.read.format = (pm_format)a.format;
    if (!a.posts) pm_usage_error("plan needs --posts=FILE");
    if (!a.staff) pm_usage_error("plan needs --staff=FILE");
    if (!a.have_from) pm_usage_error("plan needs --start=DATE");
    if (!a.days) pm_usage_error("plan needs --days=N");
    pm_tz *tz;
    ro_model m;
    if (model_open(&m, &com, a.posts, &tz) != 0) return PM_EXIT_ERROR;
    /* the staff, and the roster worked before: assignments that end by
     * 00:00 of --start.  A plan made around records that were rejected
     * would break rules unseen: nothing is planned (exit 2). */
    const char *outs[2] = {com.output, a.violations};
    ro_read_spec rs = {.staff = a.staff,
                       .rosters = a.previous,
                       .nrosters = a.nprevious,
                       .previous = 1,
                       .before = ro_at(&m, a.from, 0),
                       .outputs = outs,
                       .noutputs = 2};
    int rst = ro_read(&m, &com, &rs);
    free(a.previous);
    if (rst != PM_EXIT_OK) {
        if (rs.rejected) pm_warn("nothing planned: the staff file or --previous holds records that were rejected");
        ro_model_free(&m);
        pm_tz_free(tz);
        return PM_EXIT_ERROR;
    }
    pm_format sfmt = rs.staff_format != PM_FMT_AUTO ? rs.staff_format : PM_FMT_CSV;

    pm_error err;
    pm_error_clear(&err);
    pm_calendar *cal = NULL;
    if (a.calendar) {
        pm_errors cerrs = PM_ERRORS_INIT;
        cal = pm_calendar_open(a.calendar, &cerrs);
        if (!cal) {
            pm_errors_report(&cerrs);
            pm_errors_free(&cerrs);
            ro_model_free(&m);
            pm_tz_free(tz);
            return PM_EXIT_ERROR;
        }
    } else {
        cal = pm_calendar_builtin("cn", &err);
        if (!cal) pm_warn("no cn calendar (%s); counting Saturdays and Sundays as the weekend, no holidays", err.msg);
    }

    ro_plan_opts po;
    memset(&po, 0, sizeof po);
    po.first_day = a.from;
    po.ndays = (int)a.days;
    po.nprev = m.nas;
    po.seed = a.seed;
    po.cal = cal;
    po.stats = com.stats;
    po.max_seconds = a.max_seconds;
    po.capacity = a.capacity;
    ro_violations gaps = {0, 0, 0};
    int status = ro_plan(&m, &po, &gaps);
    if (cal) {
        int year;
        while (pm_calendar_take_missing_year(cal, &year))
            pm_warn("the %s calendar has no holidays for %d; counting weekends only", pm_calendar_name(cal), year);
    }

    /* the new days only, after the previous roster */
    ro_assign *plan = m.as + po.nprev;
    int nplan = m.nas - po.nprev;
    if (nplan > 1) qsort(plan, (size_t)nplan, sizeof *plan, cmp_assign);
    pm_format ofmt = pm_common_out_format(&com, sfmt);
    if (ofmt == PM_FMT_AUTO) ofmt = PM_FMT_CSV;
    int rc = PM_EXIT_OK;
    pm_writer *w = pm_writer_open(com.output, ofmt, &err);
    if (!w) {
        pm_report(&err);
        rc = PM_EXIT_ERROR;
    } else {
        pm_writer_set_header(w, assignment_fields, 4); /* no assignments: the header alone */
        pm_record rec;
        pm_record_init(&rec);
        int werr = 0;
        for (int i = 0; i < nplan && !werr; i++) {
            char sb[PM_TIME_BUFSZ], eb[PM_TIME_BUFSZ];
            pm_time_format(plan[i].s, tz, sb);
            pm_time_format(plan[i].e, tz, eb);
            pm_record_clear(&rec);
            pm_record_set(&rec, "post", m.posts[plan[i].post].id);
            pm_record_set(&rec, "staff", m.staff[plan[i].staff].id);
            pm_record_set(&rec, "start", sb);
            pm_record_set(&rec, "end", eb);
            if (pm_writer_write(w, &rec, &err) != 0) werr = 1;
        }
        pm_record_free(&rec);
        if (werr) {
            pm_report(&err);
            pm_writer_close(w, 0, &err);
            rc = PM_EXIT_ERROR;
        } else if (pm_writer_close(w, 1, &err) != 0) {
            pm_report(&err);
            rc = PM_EXIT_ERROR;
        }
    }
    if (a.violations && write_violations(&gaps, &m, a.violations, ofmt) != 0) rc = PM_EXIT_ERROR;
    if (rc == PM_EXIT_OK && status) rc = status == 2 ? PM_EXIT_ERROR : PM_EXIT_FLAGGED;
    ro_violations_free(&gaps);
    if (cal) pm_calendar_free(cal);
    ro_model_free(&m);
    pm_tz_free(tz);
    return rc;
}

int ro_cmd_check(int argc, char **argv)
{
    args a;
    memset(&a, 0, sizeof a);
    a.max_seconds = 10;
    pm_common com;
    pm_option options[NOPTIONS + 1];
    subcommand_options(&a, CHECK, options);
    int first = pm_opts_parse(argc, argv, options, COMMON, &com, on_option, &a,
                              "pm-roster check --posts=FILE [--staff=FILE] [--logs=FILE] [--start=DATE --days=N] "
                              "[OPTION]... [ROSTER]...",
                              "Checks rosters (post, staff, start, end) and patrol logs (duty, staff, start, end) "
                              "against every rule of the posts file; writes one violation record (rule, staff, "
                              "post, start, end, detail) per broken rule.  Exit status 1 when any.");
    if (a.format) com.read.format = (pm_format)a.format;
    if (!a.posts) pm_usage_error("check needs --posts=FILE");
    pm_tz *tz;
    ro_model m;
    if (model_open(&m, &com, a.posts, &tz) != 0) return PM_EXIT_ERROR;
    /* With --logs and no ROSTER named, standard input is not read ('-' reads it). */
    const char *outs[1] = {com.output};
    ro_read_spec rs = {.staff = a.staff,
                       .logs = a.logs,
                       .rosters = argv + first,
                       .nrosters = argc - first,
                       .stdin_default = !a.logs,
                       .outputs = outs,
                       .noutputs = 1};
    int rst = ro_read(&m, &com, &rs);
    if (!rs.opened) {
        ro_model_free(&m);
        pm_tz_free(tz);
        return PM_EXIT_ERROR;
    }
    pm_format infmt = rs.format;

    ro_logs_dedup(&m);
    /* A stream of patrol logs alone is not a roster: coverage is checked
     * unless the input held patrol logs and no assignment at all. */
    m.have_roster = m.nas > 0 || (m.nlogs == 0 && !a.logs);
    pm_day fday = a.from;
    long ndays = a.days;
    if (!a.have_from || !ndays) {
        /* every whole day from the first start to the last end */
        int any = 0;
        pm_day lo = 0, hi = 0;
        for (int i = 0; i < m.nas + m.nlogs; i++) {
            pm_time s = i < m.nas ? m.as[i].s : m.logs[i - m.nas].s;
            pm_time e = i < m.nas ? m.as[i].e : m.logs[i - m.nas].e;
            pm_day d0 = pm_tz_day(tz, s);
            pm_day d1 = e > s ? pm_tz_day(tz, e - 1) : d0;
            if (i >= m.nas) {
                /* a patrol counts on the day its window starts: 02:00 of a
                 * 20:00-06:00 night belongs to the day before */
                const ro_duty *du = &m.duties[m.logs[i - m.nas].duty];
                int mins = (int)((s - pm_tz_midnight(tz, d0)) / 60);
                for (int w = 0; w < du->nw; w++)
                    if (du->w[w].to_min <= du->w[w].from_min && mins < du->w[w].to_min) {
                        d0--;
                        break;
                    }
                d1 = d0;
            }
            if (!any || d0 < lo) lo = d0;
            if (!any || d1 > hi) hi = d1;
            any = 1;
        }
        if (!a.have_from) fday = any ? lo : 0;
        if (!ndays) ndays = any && hi >= fday ? (long)(hi - fday + 1) : (a.have_from ? 1 : 0);
        if (ndays > MAX_DAYS) {
            char ds[16];
            pm_day_format(fday, ds);
            pm_warn("the records span %ld days; checking the first %d from %s (--start and --days choose others)",
                    ndays, MAX_DAYS, ds);
            ndays = MAX_DAYS;
        }
    }
    /* Work before and after the days checked counts (a shift begun the
     * evening before, the rest of a week); a row longer than the days
     * checked is a typo, and is clipped to them. */
    if (ndays > 0) ro_clip_long(&m, ro_at(&m, fday, 0), ro_at(&m, fday + ndays, 0));

    ro_violations vs = {0, 0, 0};
    int stopped = 0;
    if (ndays > 0) stopped = ro_check(&m, fday, (int)ndays, a.max_seconds, &vs);
    if (stopped)
        pm_warn("check stopped at --max-seconds=%g: the violations found so far are written, "
                "and some rules were not checked (exit 2)",
                a.max_seconds);
    ro_violations_sort(&vs);
    pm_format ofmt = pm_common_out_format(&com, infmt);
    if (ofmt == PM_FMT_AUTO) ofmt = PM_FMT_CSV;
    int rc = write_violations(&vs, &m, com.output, ofmt) != 0 ? PM_EXIT_ERROR : PM_EXIT_OK;
    if (com.stats) {
        int per[RULE_COUNT] = {0};
        for (int i = 0; i < vs.n; i++) per[vs.v[i].rule]++;
        char ds[16];
        pm_day_format(fday, ds);
        pm_warn("checked %d assignments, %d patrol log records, %ld days from %s: %d violations", m.nas, m.nlogs, ndays,
                ds, vs.n);
        for (int r = 0; r < RULE_COUNT; r++)
            if (per[r]) pm_warn("  %-15s %d", ro_rule_names[r], per[r]);
    }
    if (rc == PM_EXIT_OK) rc = rst;
    if (stopped) rc = PM_EXIT_ERROR; /* an incomplete result */
    if (rc == PM_EXIT_OK && vs.n) rc = PM_EXIT_FLAGGED;
    ro_violations_free(&vs);
    ro_model_free(&m);
    pm_tz_free(tz);
    return rc;
}
