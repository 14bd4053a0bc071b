/* roster.h - pm-roster's model: posts, duties, staff, assignments, patrol
 * logs and violations, shared by the parser (posts.c, staff.c), the checker
 * (check.c) and the planner (plan.c).
 *
 * All times are pm_time instants (seconds); windows of the day are minutes
 * since local midnight, turned into instants per day with the zone in force.
 * Staff and posts are referred to by index; skills are bits of a 64-bit mask.
 */
#ifndef PM_ROSTER_H
#define PM_ROSTER_H

#include <stdint.h>
#include "buf.h"
#include "calendar.h"
#include "diag.h"
#include "opts.h"
#include "stream.h"
#include "timex.h"

#define RO_MAX_SKILLS 64

/* A shift of a pattern: from from_min for len_min minutes, on the day
 * `off` days after the pattern's day (a night 00:00-08:00 listed after
 * 16:00-24:00 belongs to the day before: off 1). */
typedef struct ro_shift {
    int from_min, len_min, off;
} ro_shift;

/* The shifts people work, in the order of forward rotation (morning,
 * evening, night), as a posts file declares them. */
typedef struct ro_pattern {
    ro_shift *sh;
    int n;
    int derived; /* 1: cut from a post's hours, not declared */
} ro_pattern;

/* How a shift rule binds the planner. */
enum { RO_SOFT = 0, RO_HARD, RO_OFF };

typedef struct ro_rules {
    int64_t max_shift; /* seconds; default 8h */
    int64_t min_rest;  /* seconds; default 12h */
    int64_t max_week;  /* seconds; default 44h */
    int rest_days;     /* rest days per Monday-Sunday week; default 1 */
    int pattern;       /* rules' shifts: index in ro_model.patterns, or -1 */
    int min_same_days; /* min_same_shift_days; default 1 */
    int same_how;      /* RO_SOFT or RO_HARD (same_shift) */
    int rotation;      /* forward_rotation: RO_SOFT (default), RO_HARD, RO_OFF */
} ro_rules;

/* A range of days, both ends included. */
typedef struct ro_dayrange {
    pm_day from, to;
} ro_dayrange;

typedef struct ro_post {
    char *id;
    long line;
    int from_min, to_min; /* daily window [from, to); to <= from: past midnight */
    int headcount;
    uint64_t skills;
    int64_t max_continuous; /* seconds; 0: no limit of its own */
    ro_dayrange *dates;     /* extension: staffed only on these days (window start day) */
    int ndates;
    int pattern; /* its own shifts: index in ro_model.patterns, or -1 */
    long shifts_line;
} ro_post;

typedef struct ro_window {
    char *name; /* "day", "night", ... */
    int from_min, to_min;
    int times, people;
} ro_window;

typedef struct ro_duty {
    char *id;
    long line;
    ro_window *w;
    int nw;
} ro_duty;

typedef struct ro_staff {
    char *id, *name;
    uint64_t skills;
    int64_t max_week; /* seconds: the smaller of the rule and their own */
    ro_dayrange *unavail;
    int nunavail;
    int known; /* 1: from the staff file; 0: only seen in a roster (no staff file) */
} ro_staff;

typedef struct ro_assign {
    int post, staff;
    pm_time s, e;
} ro_assign;

typedef struct ro_log {
    int duty;
    int *staff; /* indexes, ascending */
    int nstaff;
    pm_time s, e;
    int src; /* index into ro_model.srcs */
    long line;
} ro_log;

/* Everything one run works with. */
typedef struct ro_model {
    pm_tz *tz;
    ro_rules rules;
    char *skill_names[RO_MAX_SKILLS];
    int nskills;
    ro_post *posts;
    int nposts;
    ro_pattern *patterns;
    int npatterns;
    ro_duty *duties;
    int nduties;
    ro_staff *staff;
    int nstaff;
    size_t capstaff;
    int have_staff_file;
    int have_logs;   /* patrol logs were given: duties are checked */
    int have_roster; /* a roster was given: coverage is checked */
    ro_assign *as;
    int nas;
    size_t capas;
    ro_log *logs;
    int nlogs;
    size_t caplogs;
    char **srcs; /* names of the files logs came from */
    int nsrcs;
} ro_model;

/* The rule names, in report order. */
enum {
    RULE_COVERAGE = 0,
    RULE_SKILL,
    RULE_UNAVAILABLE,
    RULE_OVERLAP,
    RULE_MAX_CONTINUOUS,
    RULE_MAX_SHIFT,
    RULE_WEEK_HOURS,
    RULE_REST_DAY,
    RULE_DUTY,
    RULE_COUNT
};
extern const char *const ro_rule_names[RULE_COUNT];

typedef struct ro_violation {
    int rule;
    char *staff; /* "" when the rule is not about one person */
    char *post;
    pm_time s, e;
    char *detail;
} ro_violation;

typedef struct ro_violations {
    ro_violation *v;
    int n;
    size_t cap;
} ro_violations;

/* posts.c */
void ro_model_init(ro_model *m, pm_tz *tz);
void ro_model_free(ro_model *m);
/* Loads the posts file; reports every problem as FILE:LINE and returns -1
 * when there was any. */
int ro_posts_load(ro_model *m, const char *path);
/* Skill bit for name, adding it; -1 when there are too many skills. */
int ro_skill_bit(ro_model *m, const char *name, size_t len);
/* Parses "HH:MM" (0..24:00) into minutes; -1 when malformed. */
int ro_parse_hhmm(const char *s);
/* Index of the pattern equal to sh[0..n), adding it (takes sh). */
int ro_pattern_add(ro_model *m, ro_shift *sh, int n, int derived);
/* Writes the names of the skills in mask, ';'-separated. */
void ro_skills_format(const ro_model *m, uint64_t mask, pm_buf *out);

/* staff.c */
/* The next item of a list such as skills: items are separated by ',' ';'
 * the Chinese 、，； and blanks (also the ideographic space).  Sets *item
 * and *len and advances *p; 0 at the end. */
int ro_list_next(const char **p, const char **item, size_t *len);
/* Index of the staff member called id; adds an unknown one when add. -1. */
int ro_staff_find(ro_model *m, const char *id, size_t len, int add);
int ro_post_find(const ro_model *m, const char *id);
int ro_duty_find(const ro_model *m, const char *id);
/* What one run reads, in this order, through one pass of the record
 * pipeline (lib/pipeline.h): the staff file, the patrol logs, then the
 * rosters (assignments, or patrol logs: a record with a duty). */
typedef struct ro_read_spec {
    const char *staff; /* or NULL */
    const char *logs;  /* check --logs, or NULL */
    char **rosters;    /* check ROSTER..., or plan --previous */
    int nrosters;
    int stdin_default;          /* no logs and no rosters: read standard input */
    int previous;               /* the rosters are plan --previous: no patrol logs, */
    pm_time before;             /* and every assignment ends by this */
    const char *const *outputs; /* the files the run will write: never an input */
    int noutputs;
    /* results */
    pm_format staff_format; /* of the staff file's records (PM_FMT_AUTO: none) */
    pm_format format;       /* of the rosters' records, else the logs' */
    unsigned long long rejected;
    int opened; /* 0: the pipeline refused to start (nothing may be written) */
} ro_read_spec;
/* Reads the inputs into m.  A record that cannot be read or is invalid
 * (unknown post, duty or staff, bad values, end not after start) is
 * rejected: reported as FILE:LINE, written to --reject, counted.  Prints
 * --stats (the pipeline's counts line).  Returns the pipeline's exit
 * status: 2 when an input could not be read or an output named an input,
 * 1 when a record was rejected, else 0. */
int ro_read(ro_model *m, const pm_common *com, ro_read_spec *r);
/* Drops patrol-log records that repeat another (same duty, people, start
 * and end), each with a warning naming both lines: one patrol. */
void ro_logs_dedup(ro_model *m);
/* Clips every assignment and patrol longer than [s, e) to it, with a
 * warning for each (a typo spanning years must not cost years of work). */
void ro_clip_long(ro_model *m, pm_time s, pm_time e);
void ro_add_assign(ro_model *m, int post, int staff, pm_time s, pm_time e);
/* Parses a number of hours: "44", "12.5", "44h", or a duration in whole
 * minutes ("2640m").  0 with *secs; -1 when malformed, -2 when not a whole
 * number of minutes (12.01). */
int ro_parse_hours(const char *s, int64_t *secs);
/* Whether staff member i is unavailable on day d. */
int ro_unavailable(const ro_staff *st, pm_day d);
/* Parses "2024-10-01;2024-10-03..2024-10-05" (also ',' separated);
 * -1 with a message in err on a bad item. */
int ro_parse_dayranges(const char *s, ro_dayrange **out, int *n, pm_error *err);

/* check.c */
/* Checks the assignments and logs of m over [span_s, span_e) (whole local
 * days first_day..first_day+ndays-1).  Appends violations to out.  With
 * max_seconds > 0 the check stops between its passes once that much time
 * has gone: returns 1 then (the violations are those of the passes done),
 * else 0. */
int ro_check(const ro_model *m, pm_day first_day, int ndays, double max_seconds, ro_violations *out);
/* Adds a violation (strings are copied). */
void ro_violation_add(ro_violations *vs, int rule, const char *staff, const char *post, pm_time s, pm_time e,
                      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void ro_violations_sort(ro_violations *vs);
void ro_violations_free(ro_violations *vs);
/* Writes violations as records; 0, or -1 with err. */
int ro_violations_write(const ro_violations *vs, const ro_model *m, pm_writer *w, pm_error *err);
/* Formats a duration in seconds as "8h", "4h30m", "45m". */
void ro_fmt_dur(int64_t secs, char out[32]);
/* The instant of local day d at minute min (min may be 1440 or more). */
pm_time ro_at(const ro_model *m, pm_day d, int min);

/* plan.c */
typedef struct ro_plan_opts {
    pm_day first_day;
    int ndays;
    int nprev; /* m->as[0..nprev): the roster worked before first_day */
    uint64_t seed;
    pm_calendar *cal; /* may be NULL: weekends (Sat, Sun) only */
    int stats;
    int capacity;       /* print the capacity table even when nothing is short */
    double max_seconds; /* a cap on the search's time (0: none) */
} ro_plan_opts;

/* Appends a rota to m->as, after the po->nprev assignments worked before
 * (which it plans around: hours of the week, rest days, the shift and the
 * stretch at a post that run into the first day); appends the coverage gaps
 * (with reasons) and what the previous roster already breaks in the span
 * to gaps.  Returns 0 when every rule holds, 1 when there are gaps or the
 * previous roster breaks a rule, 2 when the rota breaks another rule (a
 * bug, reported). */
int ro_plan(ro_model *m, const ro_plan_opts *po, ro_violations *gaps);

#endif
