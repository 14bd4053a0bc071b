/* sla.h - pm-sla's own interfaces: the policy, the deadline computation with
 * its optional trace, the explanation that renders the trace, and the run
 * over a stream of tickets.
 *
 * One code path everywhere: the built-in policy is YAML text loaded by the
 * same loader as a user's --policy file, and --explain renders the trace the
 * deadline function filled while computing the very due it explains.
 */
#ifndef PM_SLA_H
#define PM_SLA_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "calendar.h"
#include "diag.h"
#include "pipeline.h"
#include "stream.h"
#include "timex.h"

enum { SLA_RESPOND = 0, SLA_ARRIVE, SLA_RESOLVE, SLA_NCLOCKS };

/* "respond", "arrive", "resolve" */
extern const char *const sla_clock_name[SLA_NCLOCKS];
/* "responded", "arrived", "resolved" (for explanations) */
extern const char *const sla_clock_done[SLA_NCLOCKS];
/* The completion field of each clock: responded_at, arrived_at, resolved_at. */
extern const char *const sla_clock_field[SLA_NCLOCKS];

typedef struct sla_clock {
    int present;
    int agreed;          /* agreed: true - agreed_due_at, capped by within */
    pm_duration within;
} sla_clock;

typedef struct sla_category {
    char *name;
    sla_clock clock[SLA_NCLOCKS];
    int nclocks;
} sla_category;

typedef struct sla_policy {
    char *timezone;      /* NULL when the policy names none */
    char *calendar;      /* NULL, a shipped calendar name, or a path (relative
                            ones resolved against the policy file's folder) */
    char *calendar_text; /* the calendar as the policy file wrote it */
    long timezone_line, calendar_line;  /* where the policy file names them */
    sla_category *cat;
    size_t ncat;
} sla_policy;

/* The built-in policy (docs/RULES.md section 1) as YAML text. */
extern const char sla_builtin_policy_yaml[];

/* Loads a policy from path, or the built-in one when path is NULL.
 * 0, or -1 with err (FILE:LINE). */
int sla_policy_load(sla_policy *p, const char *path, pm_error *err);
void sla_policy_free(sla_policy *p);
/* The category called name (len bytes), or NULL. */
const sla_category *sla_policy_find(const sla_policy *p, const char *name, size_t len);
/* Writes the policy in the syntax sla_policy_load reads. */
void sla_policy_print(const sla_policy *p, pm_buf *out);

/* How one due was computed; filled by sla_deadline when asked. */
typedef struct sla_trace {
    pm_duration within;
    int agreed;          /* the clock has agreed: true */
    int has_agreed;      /* the ticket has an agreed_due_at */
    pm_time agreed_at;
    pm_time start;
    pm_day start_day;    /* d/wd: local date of start (never counted) */
    pm_day last_day;     /* d/wd: the Nth (working) day after start_day */
    pm_time cap;         /* what the duration allows */
    pm_time due;
} sla_trace;

/* The due of clock c for a ticket created at start (docs/CONTRACT.md section 2):
 *   seconds: start + n;  Nd: 00:00 of date(start) + N + 1;
 *   Nwd: 00:00 of the day after the Nth working day after date(start);
 *   agreed: min(agreed_at, the above) when the ticket has an agreed date.
 * trace, when not NULL, receives the steps. */
pm_time sla_deadline(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at,
                     pm_calendar *cal, const pm_tz *tz, sla_trace *trace);

/* Statuses, worst last so that "worst" is max (invalid is apart). */
typedef enum sla_status {
    SLA_NONE = 0, SLA_MET, SLA_OPEN, SLA_AT_RISK, SLA_LATE, SLA_OVERDUE
} sla_status;
extern const char *const sla_status_name[];

/* Appends the account of one clock to out (issue 9 format). */
typedef struct sla_outcome {
    int completed;
    pm_time completed_at;
    pm_time now;
    int64_t window;      /* at-risk window in seconds, -1 none */
    sla_status status;
} sla_outcome;
void sla_explain_clock(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc,
                       pm_calendar *cal, const pm_tz *tz);

/* The run over the inputs. */
typedef struct sla_run_opts {
    const sla_policy *policy;
    pm_calendar *cal;
    const pm_tz *tz;
    pm_time now;
    int64_t window;      /* -1: no at-risk window */
    int breaches;
    int explain;
    int stats;
} sla_run_opts;

/* Reads the tickets of the inputs named (none: standard input), writes them
 * annotated, commits the output; returns the exit status (0, 1 or 2). */
int sla_run(const sla_run_opts *o, const pm_common *c, char **paths, int npaths);

#endif
