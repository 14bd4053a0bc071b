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
#include "conf.h"
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
    int agreed; /* agreed: true - agreed_due_at, capped by within */
    int pause;  /* pause: true - stops while the ticket is paused
                   (default: resolve clocks only) */
    pm_duration within;
} sla_clock;

typedef struct sla_category {
    char *name;
    size_t len; /* strlen(name) */
    sla_clock clock[SLA_NCLOCKS];
    int nclocks;
} sla_category;

/* One version of a policy's categories.  A policy without `versions:` has
 * one, in force since always (has_from 0). */
typedef struct sla_version {
    int has_from;
    pm_day from; /* effective_from: in force from this date on */
    long line;   /* where the policy file gives it */
    sla_category *cat;
    size_t ncat;
} sla_version;

typedef struct sla_policy {
    char *timezone;                    /* NULL when the policy names none */
    char *calendar;                    /* NULL, a shipped calendar name, or a path (relative
                                          ones resolved against the policy file's folder) */
    char *calendar_text;               /* the calendar as the policy file wrote it */
    long timezone_line, calendar_line; /* where the policy file names them */
    sla_category *cat;                 /* the categories of ver[0] (the only version of a */
    size_t ncat;                       /*  policy without `versions:`) */
    sla_version *ver;                  /* in order of effective_from, at least one */
    size_t nver;
    int versioned; /* the file has `versions:` */
} sla_policy;

/* The built-in policy (docs/RULES.md section 1) as YAML text. */
extern const char sla_builtin_policy_yaml[];

/* Loads a policy from path, or the built-in one when path is NULL.
 * 0, or -1 with every error of the file added to errs (FILE:LINE). */
int sla_policy_load(sla_policy *p, const char *path, pm_errors *errs);
void sla_policy_free(sla_policy *p);
/* The category called name (len bytes) in the first version, or NULL. */
const sla_category *sla_policy_find(const sla_policy *p, const char *name, size_t len);
/* The version in force on day (the last whose effective_from is on or before
 * it), or NULL when day is before the first. */
const sla_version *sla_policy_version(const sla_policy *p, pm_day day);
/* The category called name (len bytes) in version v, or NULL. */
const sla_category *sla_version_find(const sla_version *v, const char *name, size_t len);
/* Writes the policy in the syntax sla_policy_load reads. */
void sla_policy_print(const sla_policy *p, pm_buf *out);

/* A pause of the ticket (its `paused` field): [start, end), or [start, ...)
 * when open (the ticket is still paused). */
typedef struct sla_pause {
    pm_time start, end;
    int open;
} sla_pause;

/* "No due": an open pause stopped the clock before its deadline. */
#define SLA_NO_DUE INT64_MAX

/* Parses a `paused` field: intervals START/END separated by ';' (blanks
 * around them allowed, empty pieces ignored); END empty for an open pause;
 * each side any timestamp form pm_time_parse reads (a side may itself hold
 * '/': the interval is split at the first '/' that leaves two readable
 * sides).  out has room for max intervals (at most 1 + the number of ';').
 * Returns the number of intervals, or -1 with the reason in msg (a side that
 * cannot be read, no '/', an end before its start). */
long sla_pauses_parse(const char *s, size_t len, const pm_tz *tz, sla_pause *out, size_t max, pm_buf *msg);
/* The pauses in[0..n) clipped to [from, until) (has_until 0: no end; an open
 * pause is closed at until), empty ones dropped, sorted and merged where they
 * overlap or touch, into out (room for n).  Returns how many. */
size_t sla_pauses_merge(const sla_pause *in, size_t n, pm_time from, int has_until, pm_time until, sla_pause *out);

/* What one pause did to a deadline (for --explain). */
typedef enum sla_pause_did {
    SLA_PAUSE_EXTENDS, /* minutes/hours: the deadline moved by its length */
    SLA_PAUSE_DAYS,    /* days/working days: days a..b not counted */
    SLA_PAUSE_NOTHING, /* it stopped the clock only on days not counted anyway */
    SLA_PAUSE_AFTER,   /* it starts at or after the running deadline */
    SLA_PAUSE_OPEN     /* still paused, started before the deadline: no due */
} sla_pause_did;

typedef struct sla_pause_effect {
    sla_pause pause; /* merged and clipped */
    sla_pause_did did;
    pm_day a, b; /* SLA_PAUSE_DAYS: the days not counted; OPEN: from a */
} sla_pause_effect;

/* How one due was computed; filled by sla_deadline when asked. */
typedef struct sla_trace {
    pm_duration within;
    int agreed;     /* the clock has agreed: true */
    int has_agreed; /* the ticket has an agreed_due_at */
    pm_time agreed_at;
    pm_time start;
    pm_day start_day;     /* d/wd: local date of start (never counted) */
    pm_day last_day;      /* d/wd: the Nth (working) day after start_day, not
                             counting paused days; open pause: the last day
                             counted before it */
    pm_time cap;          /* what the duration allows (SLA_NO_DUE: paused) */
    pm_time due;          /* SLA_NO_DUE: paused */
    sla_pause_effect *pe; /* set by the caller: room for one per pause, or NULL */
    size_t npe;           /* filled: the pauses, in order, and what each did */
} sla_trace;

/* The due of clock c for a ticket created at start (docs/CONTRACT.md section 2):
 *   seconds: start + n;  Nd: 00:00 of date(start) + N + 1;
 *   Nwd: 00:00 of the day after the Nth working day after date(start);
 *   agreed: min(agreed_at, the above) when the ticket has an agreed date.
 * trace, when not NULL, receives the steps. */
pm_time sla_deadline(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at, pm_calendar *cal,
                     const pm_tz *tz, sla_trace *trace);
/* The same with pauses (merged by sla_pauses_merge; ignored unless c->pause):
 *   minutes/hours: walking the pauses in order, each that starts before the
 *     running deadline moves it by its length; one at or after it does nothing;
 *   days/working days: a day on which the clock was stopped at any moment is
 *     not counted; a pause that starts at or after the running deadline does
 *     nothing;
 *   an open pause that starts before the running deadline: no cap (SLA_NO_DUE);
 *   agreed: min(agreed_at, the cap): a pause moves only the cap.
 * Returns SLA_NO_DUE when there is no due (still paused).  trace->pe, when
 * trace and it are set, needs room for npauses effects. */
pm_time sla_deadline_paused(const sla_clock *c, pm_time start, int has_agreed, pm_time agreed_at,
                            const sla_pause *pauses, size_t npauses, pm_calendar *cal, const pm_tz *tz,
                            sla_trace *trace);

/* Statuses, worst last so that "worst" is max (invalid is apart). */
typedef enum sla_status {
    SLA_NONE = 0,
    SLA_MET,
    SLA_OPEN,
    SLA_PAUSED,
    SLA_AT_RISK,
    SLA_LATE,
    SLA_OVERDUE,
    SLA_NSTATUS
} sla_status;
extern const char *const sla_status_name[];

/* Appends the account of one clock to out (issue 9 format). */
typedef struct sla_outcome {
    int completed;
    pm_time completed_at;
    pm_time now;
    int64_t window; /* at-risk window in seconds, -1 none */
    sla_status status;
} sla_outcome;
/* Where in a buffer a piece of text is: out->s + at, len bytes (at
 * SIZE_MAX: none). */
typedef struct sla_span {
    size_t at, len;
} sla_span;
void sla_explain_clock(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc, pm_calendar *cal,
                       const pm_tz *tz);
/* The same with a memo of the day counts already explained (tickets of a
 * day share them), for a run that keeps cal and tz; memo NULL: none.
 * due_text, when not NULL, receives where in out the due's text is
 * (pm_time_format's text: the due column can be that copy), at SIZE_MAX
 * when there is no due (paused). */
typedef struct sla_explain_memo sla_explain_memo;
sla_explain_memo *sla_explain_memo_new(void);
void sla_explain_memo_free(sla_explain_memo *m);
void sla_explain_clock_memo(pm_buf *out, int clock, const sla_trace *tr, const sla_outcome *oc, pm_calendar *cal,
                            const pm_tz *tz, sla_explain_memo *memo, sla_span *due_text);

/* The run over the inputs. */
typedef struct sla_run_opts {
    const sla_policy *policy;
    pm_calendar *cal;
    const pm_tz *tz;
    pm_time now;
    int64_t window; /* -1: no at-risk window */
    int breaches;
    int explain;
    int stats;
    sla_explain_memo *memo; /* for --explain, or NULL (sla_run makes one) */
} sla_run_opts;

/* One ticket (ticket.c) -------------------------------------------------- */

/* The fields a ticket is judged by, and their names. */
enum {
    SLA_IN_CATEGORY = 0,
    SLA_IN_CREATED,
    SLA_IN_RESPONDED,
    SLA_IN_ARRIVED,
    SLA_IN_RESOLVED,
    SLA_IN_AGREED,
    SLA_IN_PAUSED,
    SLA_NIN
};
extern const char *const sla_in_name[SLA_NIN];

/* The judgement of one ticket. */
typedef struct sla_verdict {
    sla_status worst;         /* sla_status (SLA_NONE: no clock) */
    int present[SLA_NCLOCKS]; /* the category has the clock */
    pm_time due[SLA_NCLOCKS]; /* SLA_NO_DUE: paused */
    sla_status status[SLA_NCLOCKS];
    int used_cal;                   /* a working-day clock was counted */
    sla_span due_text[SLA_NCLOCKS]; /* with an explanation: where in it the
                                       due's text is (at SIZE_MAX: none) */
} sla_verdict;

/* Judges ticket rec, whose fields of sla_in_name are at pos (-1: absent),
 * under o.  0 with v filled and, when ex is not NULL, the explanation
 * appended to ex; or -1 for an invalid ticket, with the reason in msg.
 * Scratch memory (pauses) comes from the record's arena. */
int sla_ticket_judge(const sla_run_opts *o, pm_record *rec, const int pos[SLA_NIN], sla_verdict *v, pm_buf *msg,
                     pm_buf *ex);

/* Reads the tickets of the inputs named (none: standard input), writes them
 * annotated, commits the output; returns the exit status (0, 1 or 2). */
int sla_run(const sla_run_opts *o, const pm_common *c, char **paths, int npaths);

/* The options of pm-sla (main.c) and the run they ask for (setup.c): opens
 * the policy, zone and calendar, reads --now and --at-risk (a bad one is a
 * usage error), then sla_run; returns the exit status. */
typedef struct sla_args {
    const char *policy, *calendar, *now, *at_risk, *tz;
    int breaches, explain, print_policy;
} sla_args;
int sla_main(const sla_args *a, const pm_common *common, char **paths, int npaths);

#endif
