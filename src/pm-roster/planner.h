/* planner.h - the planner's state, shared by the slot planner (plan.c) and
 * the shift planner (search.c).  Private to pm-roster. */
#ifndef PM_ROSTER_PLANNER_H
#define PM_ROSTER_PLANNER_H

#include <stdint.h>
#include "roster.h"

#define NIGHT_FROM (22 * 60)
#define NIGHT_TO   (6 * 60)

typedef struct slot {
    pm_time s, e;
    int di, wi;     /* day and week index in the span */
    int64_t night;  /* seconds of night in the slot */
    int off;        /* a weekend day or holiday */
    int proj_night; /* permille of night in [s, s + max_shift) */
    int proj_off;   /* permille of days off in the same */
} slot;

typedef struct person {
    pm_time last_end, shift_start, stretch_start;
    int last_post;
    int64_t total, night, off;
    int changes; /* changes of shift type (the fairness summary) */
} person;

/* Why a qualified person could not take a seat (gap explanations). */
enum { WHY_UNAVAILABLE = 0, WHY_BUSY, WHY_WEEK, WHY_RESTDAY, WHY_REST, WHY_STRETCH, WHY_SHIFT, WHY_UNUSED, WHY_COUNT };

typedef struct gapinfo {
    int slot, post;
    unsigned char *why; /* per staff: WHY_* + 1, or 0 when not qualified */
} gapinfo;

typedef struct planner {
    ro_model *m;
    const ro_plan_opts *po;
    int U; /* slot minutes */
    slot *sl;
    int nsl;
    int nweeks;
    int *need;              /* [slot * nposts + post] */
    int *order;             /* posts, scarcest first */
    int *seat0;             /* first seat of post in a slot's seat row */
    int nseats;             /* seats per slot (sum of headcounts) */
    unsigned char *unavail; /* [staff * ndays + di] */
    int64_t *pressure;      /* [skill * nweeks + wi]: permille of hours needed over hours there */
    int ngap, first_gap;    /* the seats the last construction left empty, the slot of the first */
    /* the state the roster worked before leaves: per staff */
    person *ps0;
    int64_t *week0;        /* seconds in the first week before the first day */
    unsigned char *wdays0; /* days worked in the first week before the first day */
    /* state of one construction */
    person *ps;
    int64_t *week;         /* [staff * nweeks + wi] seconds */
    unsigned char *wdays;  /* [staff * nweeks + wi] days worked */
    unsigned char *worked; /* [staff * ndays + di] */
    int *asg;              /* [slot * nseats + seat] staff or -1 */
    pm_time *next_fixed;   /* per staff: the first kept seat after a rebuilt window */
    int64_t uncovered;
    /* gap explanations (last construction only, when asked) */
    int explain;
    gapinfo *gaps;
    int ngaps;
    size_t capgaps;
    /* shift patterns (search.c) */
    int *post_pattern;       /* per post: the pattern whose shifts staff it, or -1 (no shift mode) */
    int64_t proven;          /* uncovered seconds the capacity bound proves */
    int64_t *shortfall;      /* [skill * nweeks + wi]: seconds needed beyond the most there */
    unsigned char *simshort; /* [slot * nposts + post]: more seats than qualified people that day */
    int *shiftshort;         /* [skill * nweeks + wi]: people-shifts needed on declared shifts beyond the most there */
    int stopped;             /* the search stopped at --max-seconds */
    double deadline;         /* slot planner: monotonic seconds when --max-seconds ends a construction (0: none) */
    int cut;                 /* the slot the last construction was cut at by the deadline (nsl: none) */
    int explain_until;       /* gap reasons only for slots before this (the rest were never planned) */
    int declared;            /* the posts file declares shifts (else slots, and maybe derived shifts) */
} planner;

/* The index of [row][col] in an array of rows of ncols, row after row (the
 * layouts above: [slot * nposts + post], [staff * nweeks + wi], ...).
 * Rows, columns and counts are ints that are never negative: the one
 * conversion of them to size_t is this. */
static inline size_t ro_ix(int row, int ncols, int col)
{
    return (size_t)row * (size_t)ncols + (size_t)col;
}

/* plan.c */
uint64_t ro_mix(uint64_t x);
int ro_day_off(const planner *P, pm_day d);
int64_t ro_night_secs(const ro_model *m, pm_day d, pm_time s, pm_time e);
gapinfo *ro_gap_new(planner *P, int slot, int post);
/* The first slot starting at or after t (P->nsl when none). */
int ro_slot_at(const planner *P, pm_time t);

/* search.c: the shift planner.  Fills P->asg with a rota in which everyone
 * works whole shifts of the patterns (P->post_pattern), P->gaps with the
 * reasons for what stays uncovered.  0, or 1 when gaps remain. */
int ro_search(planner *P);

#endif
