/* search.c - the shift planner: who works which shift of which day.
 *
 * When the posts file declares shift patterns (rules or posts `shifts:`),
 * people work whole shifts: on each day a person is off or on one shift of
 * a pattern, and the people on a shift instance (a shift of a pattern on a
 * day) are seated at the posts of that pattern slot by slot inside it.  The
 * seating (dispatch) is a small greedy pass over the instance's slots:
 * carrying on at the same post first, then someone idle, then someone
 * moving from another post, never beyond a post's max_continuous.  So two
 * guards on one 8 h shift alternate a gate with a 4 h limit.
 *
 * The shift level is searched.  The hard rules hold at every step: skills
 * (a person is only put on a pattern with a post they can take), days
 * unavailable, min_rest between shifts (and after the roster worked
 * before), the weekly hours (a shift counts whole) and the days left free
 * for the rest days.  The score is lexicographic in effect: uncovered
 * seat-seconds times 1000, plus soft penalties: shift-type changes, runs
 * of the same shift shorter than min_same_shift_days, backward rotation
 * (evening -> morning the next day), and the spread of hours, night hours
 * and weekend hours.  A rule declared hard weighs more than all coverage.
 *
 * A greedy construction goes day by day, adding people to each instance
 * while its seating leaves seats empty; then a late-acceptance hill
 * climbing search repairs: moves put someone qualified on a shift with an
 * empty seat (or move their shift there from another day of the week),
 * swap two people's shifts, move a shift by a few days, recolour a run.
 * Each move re-seats only the instances it touches and rescores only the
 * people it moves (an incremental score).  The search is bounded by a
 * fixed amount of work, so the result depends only on the inputs and the
 * seed, and by --max-seconds as a safety cap.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "planner.h"

#define W_COVER  1000000LL           /* per uncovered seat-second */
#define W_CHANGE 300000LL            /* per change of shift type */
#define W_ROTATE 2000000LL           /* per backward rotation (soft) */
#define W_SAME   1000000LL           /* per day a run falls short of min_same_shift_days (soft) */
#define W_HARD   10000000000000000LL /* a hard shift rule: more than any coverage */

typedef struct stype {
    int pat, k;
} stype;

typedef struct inst {
    int type, j;
    pm_time ws, we; /* the window, clipped to the span */
    int i0, i1;     /* its slots */
    int nd;
    int di[4];       /* span days it touches */
    int64_t dsec[4]; /* seconds on each */
    int64_t secs, night, off;
    int valid;
    int *mem; /* people on it, ascending */
    int nmem;
    size_t capmem;
    int64_t unc; /* uncovered seat-seconds (last dispatch) */
    int qfirst;  /* the first post left short, or -1 */
} inst;

typedef struct search {
    planner *P;
    ro_model *m;
    int nd, nsd, ntypes, npat;
    stype *types;
    int *type0;             /* first type of each pattern */
    inst *in;               /* [j * ntypes + t] */
    int *x;                 /* [s * nsd + j]: type or -1 */
    unsigned char *qualpat; /* [s * npat + pat] */
    int **gp;               /* per pattern: its posts, scarcest first */
    int *ngp;
    int **qualpost; /* per post: the staff qualified */
    int *nqualpost;
    int64_t *week;         /* [s * nweeks + w] */
    unsigned char *dayuse; /* [s * nd + di] */
    int *wdays;            /* [s * nweeks + w] */
    int64_t *tot, *nig, *offs, *pen;
    int64_t unc, pens;
    int cut_j; /* the construction stopped at --max-seconds before this shift-day */
    int R;     /* shift-days to look either side for min_rest */
    /* dispatch scratch */
    int *lastp, *lasti, *seat;
    pm_time *st;
    uint64_t rng;
    long work; /* dispatch work so far */
} search;

static uint64_t rnd(search *X)
{
    X->rng ^= X->rng >> 12;
    X->rng ^= X->rng << 25;
    X->rng ^= X->rng >> 27;
    return X->rng * 0x2545F4914F6CDD1DULL;
}

static int rndn(search *X, int n)
{
    return n > 0 ? (int)(rnd(X) % (uint64_t)n) : 0;
}

static inst *I_at(search *X, int j, int t)
{
    return &X->in[ro_ix(j, X->ntypes, t)];
}

static int popcount64(uint64_t v)
{
    return __builtin_popcountll(v);
}

/* Seats the people on I slot by slot; returns the uncovered seat-seconds
 * (and writes P->asg when write). */
static int64_t dispatch(search *X, inst *I, int write)
{
    planner *P = X->P;
    ro_model *m = X->m;
    int pat = X->types[I->type].pat;
    int n = I->nmem, np = X->ngp[pat];
    const int *posts = X->gp[pat];
    for (int a = 0; a < n; a++) {
        X->lastp[a] = -1;
        X->lasti[a] = -5;
        X->seat[a] = -1;
    }
    int64_t unc = 0;
    I->qfirst = -1;
    for (int i = I->i0; i < I->i1; i++) {
        const slot *sl = &P->sl[i];
        int64_t len = sl->e - sl->s;
        for (int oi = 0; oi < np; oi++) {
            int q = posts[oi];
            int need = P->need[ro_ix(i, m->nposts, q)];
            if (!need) continue;
            const ro_post *po = &m->posts[q];
            for (int k = 0; k < need; k++) {
                int best = -1, bc = INT_MAX;
                for (int a = 0; a < n; a++) {
                    if (X->seat[a] == i) continue;
                    const ro_staff *stf = &m->staff[I->mem[a]];
                    if (po->skills & ~stf->skills) continue;
                    int cont = X->lastp[a] == q && X->lasti[a] == i - 1;
                    if (po->max_continuous) {
                        pm_time from = cont ? X->st[a] : sl->s;
                        if (sl->e - from > po->max_continuous) continue;
                    }
                    int c = cont ? 0 : X->lasti[a] != i - 1 ? 1 : 2;
                    c = c * 64 + popcount64(stf->skills & ~po->skills);
                    if (c < bc) {
                        bc = c;
                        best = a;
                    }
                }
                X->work += n;
                if (best < 0) {
                    unc += (int64_t)(need - k) * len;
                    if (I->qfirst < 0) I->qfirst = q;
                    break;
                }
                if (!(X->lastp[best] == q && X->lasti[best] == i - 1)) X->st[best] = sl->s;
                X->lastp[best] = q;
                X->lasti[best] = i;
                X->seat[best] = i;
                if (write) P->asg[ro_ix(i, P->nseats, P->seat0[q] + k)] = I->mem[best];
            }
        }
    }
    I->unc = unc;
    return unc;
}

static void mem_add(inst *I, int s)
{
    PM_GROW(I->mem, I->nmem + 1, I->capmem);
    int k = I->nmem;
    while (k > 0 && I->mem[k - 1] > s) {
        I->mem[k] = I->mem[k - 1];
        k--;
    }
    I->mem[k] = s;
    I->nmem++;
}

static void mem_del(inst *I, int s)
{
    int k = 0;
    while (k < I->nmem && I->mem[k] != s) k++;
    if (k == I->nmem) return;
    memmove(I->mem + k, I->mem + k + 1, sizeof *I->mem * (size_t)(I->nmem - k - 1));
    I->nmem--;
}

/* Adds (sign 1) or removes (-1) instance I from person s's hours and days. */
static void account(search *X, int s, const inst *I, int sign)
{
    planner *P = X->P;
    for (int k = 0; k < I->nd; k++) {
        int di = I->di[k];
        pm_day monday0 = P->po->first_day - pm_day_weekday(P->po->first_day);
        int w = (int)((P->po->first_day + di - monday0) / 7); /* the week of span day di */
        X->week[ro_ix(s, P->nweeks, w)] += sign * I->dsec[k];
        unsigned char *du = &X->dayuse[ro_ix(s, X->nd, di)];
        if (sign > 0) {
            if ((*du)++ == 0) X->wdays[ro_ix(s, P->nweeks, w)]++;
        } else {
            if (--(*du) == 0) X->wdays[ro_ix(s, P->nweeks, w)]--;
        }
    }
    X->tot[s] += sign * I->secs;
    X->nig[s] += sign * I->night;
    X->offs[s] += sign * I->off;
}

/* Puts person s on type t (-1: off) on shift-day j.  Returns the
 * instances touched in touched[] (up to 2). */
static int set_x(search *X, int s, int j, int t, inst **touched)
{
    int *xp = &X->x[ro_ix(s, X->nsd, j)];
    int n = 0;
    if (*xp == t) return 0;
    if (*xp >= 0) {
        inst *I = I_at(X, j, *xp);
        mem_del(I, s);
        account(X, s, I, -1);
        touched[n++] = I;
    }
    *xp = t;
    if (t >= 0) {
        inst *I = I_at(X, j, t);
        mem_add(I, s);
        account(X, s, I, 1);
        touched[n++] = I;
    }
    return n;
}

/* Whether person s's shift on shift-day j keeps the hard rules; -1, or
 * the WHY_* reason. */
static int hard_why(search *X, int s, int j)
{
    planner *P = X->P;
    ro_model *m = X->m;
    int t = X->x[ro_ix(s, X->nsd, j)];
    if (t < 0) return -1;
    const inst *I = I_at(X, j, t);
    if (!I->valid || !X->qualpat[ro_ix(s, X->npat, X->types[t].pat)]) return WHY_BUSY;
    const ro_staff *st = &m->staff[s];
    pm_day monday0 = P->po->first_day - pm_day_weekday(P->po->first_day);
    for (int k = 0; k < I->nd; k++)
        if (P->unavail[ro_ix(s, X->nd, I->di[k])]) return WHY_UNAVAILABLE;
    for (int k = 0; k < I->nd; k++) {
        int w = (int)((P->po->first_day + I->di[k] - monday0) / 7);
        if (X->week[ro_ix(s, P->nweeks, w)] > st->max_week) return WHY_WEEK;
        if (X->wdays[ro_ix(s, P->nweeks, w)] > 7 - m->rules.rest_days) return WHY_RESTDAY;
    }
    int64_t mr = m->rules.min_rest;
    if (I->ws - P->ps0[s].last_end < mr) return WHY_REST;
    for (int jj = j - X->R; jj <= j + X->R; jj++) {
        if (jj < 0 || jj >= X->nsd || jj == j) continue;
        int t2 = X->x[ro_ix(s, X->nsd, jj)];
        if (t2 < 0) continue;
        const inst *J = I_at(X, jj, t2);
        pm_time gap = I->ws >= J->we ? I->ws - J->we : J->ws >= I->we ? J->ws - I->we : -1;
        if (gap < mr) return WHY_REST;
    }
    return -1;
}

/* Person s's shift changes, days short of min_same_shift_days and
 * backward rotations. */
static void person_rules(const search *X, int s, int64_t *changes_, int64_t *backward_, int64_t *shortd_)
{
    const ro_rules *r = &X->m->rules;
    int64_t changes = 0, backward = 0, shortd = 0;
    int pt = -1, pj = -1, run = 0, first_run = 1;
    const int *x = &X->x[ro_ix(s, X->nsd, 0)];
    for (int j = 0; j < X->nsd; j++) {
        int t = x[j];
        if (t < 0) continue;
        if (pt >= 0 && t != pt) {
            changes++;
            if (!first_run && run < r->min_same_days) shortd += r->min_same_days - run;
            first_run = 0;
            run = 0;
            if (j == pj + 1 && X->types[t].pat == X->types[pt].pat && X->types[t].k < X->types[pt].k) backward++;
        }
        run++;
        pt = t;
        pj = j;
    }
    *changes_ = changes;
    *backward_ = backward;
    *shortd_ = shortd;
}

/* Person s's soft penalty: shift changes, short runs, backward rotation,
 * spread. */
static int64_t person_pen(search *X, int s)
{
    ro_model *m = X->m;
    const ro_rules *r = &m->rules;
    int64_t changes, backward, shortd;
    person_rules(X, s, &changes, &backward, &shortd);
    int64_t p = changes * W_CHANGE;
    if (r->rotation != RO_OFF) p += backward * (r->rotation == RO_HARD ? W_HARD : W_ROTATE);
    p += shortd * (r->same_how == RO_HARD ? W_HARD : W_SAME);
    int64_t cap = m->staff[s].max_week > 0 ? m->staff[s].max_week : 1;
    int64_t h = X->tot[s] * 1000 / cap, n = X->nig[s] * 1000 / cap, o = X->offs[s] * 1000 / cap;
    p += h * h / 10 + n * n / 10 + o * o / 20;
    return p;
}

typedef struct change {
    int s, j, old;
} change;

typedef struct move {
    change c[16];
    int n;
    inst *touched[40];
    int64_t oldunc[40];
    int nt;
    int ps[16];
    int64_t oldpen[16];
    int np;
} move;

static void mv_set(search *X, move *M, int s, int j, int t)
{
    if (M->n == 16) return;
    int old = X->x[ro_ix(s, X->nsd, j)];
    if (old == t) return;
    M->c[M->n].s = s;
    M->c[M->n].j = j;
    M->c[M->n].old = old;
    M->n++;
    inst *tt[2];
    int k = set_x(X, s, j, t, tt);
    for (int a = 0; a < k; a++) {
        int seen = 0;
        for (int b = 0; b < M->nt; b++) seen |= M->touched[b] == tt[a];
        if (!seen && M->nt < 40) {
            M->oldunc[M->nt] = tt[a]->unc;
            M->touched[M->nt++] = tt[a];
        }
    }
    int seen = 0;
    for (int b = 0; b < M->np; b++) seen |= M->ps[b] == s;
    if (!seen) {
        M->oldpen[M->np] = X->pen[s];
        M->ps[M->np++] = s;
    }
}

static int mv_hard_ok(search *X, const move *M)
{
    for (int a = 0; a < M->n; a++)
        if (hard_why(X, M->c[a].s, M->c[a].j) >= 0) return 0;
    return 1;
}

/* Rescores what the move touched; returns the new total cost. */
static int64_t mv_eval(search *X, move *M)
{
    for (int a = 0; a < M->nt; a++) {
        X->unc -= M->touched[a]->unc;
        X->unc += dispatch(X, M->touched[a], 0);
    }
    for (int a = 0; a < M->np; a++) {
        X->pens -= X->pen[M->ps[a]];
        X->pen[M->ps[a]] = person_pen(X, M->ps[a]);
        X->pens += X->pen[M->ps[a]];
    }
    return X->unc * W_COVER + X->pens;
}

/* Undoes the move (after mv_eval or not: evaluated says which). */
static void mv_undo(search *X, move *M, int evaluated)
{
    inst *tt[2];
    for (int a = M->n - 1; a >= 0; a--) set_x(X, M->c[a].s, M->c[a].j, M->c[a].old, tt);
    if (evaluated) {
        for (int a = 0; a < M->nt; a++) {
            X->unc -= M->touched[a]->unc;
            M->touched[a]->unc = M->oldunc[a];
            X->unc += M->oldunc[a];
        }
        for (int a = 0; a < M->np; a++) {
            X->pens -= X->pen[M->ps[a]];
            X->pen[M->ps[a]] = M->oldpen[a];
            X->pens += M->oldpen[a];
        }
    }
}

/* ---- setup ---------------------------------------------------------- */

int ro_slot_at(const planner *P, pm_time t)
{
    int lo = 0, hi = P->nsl;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (P->sl[mid].s < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The score from scratch: the uncovered seats of every instance and each
 * person's penalty. */
static void rescore(search *X)
{
    ro_model *m = X->m;
    X->unc = 0;
    for (int k = 0; k < X->nsd * X->ntypes; k++)
        if (X->in[k].valid) X->unc += dispatch(X, &X->in[k], 0);
    X->pens = 0;
    for (int s = 0; s < m->nstaff; s++) {
        X->pen[s] = person_pen(X, s);
        X->pens += X->pen[s];
    }
}

static void setup(search *X, planner *P)
{
    ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    int ns = m->nstaff ? m->nstaff : 1;
    X->P = P;
    X->m = m;
    X->nd = po->ndays;
    X->nsd = po->ndays + 1;
    X->npat = m->npatterns;
    X->type0 = pm_xcalloc((size_t)X->npat + 1, sizeof *X->type0);
    for (int p = 0; p < X->npat; p++) {
        X->type0[p] = X->ntypes;
        X->ntypes += m->patterns[p].n;
    }
    X->types = pm_xcalloc((size_t)X->ntypes + 1, sizeof *X->types);
    for (int p = 0; p < X->npat; p++)
        for (int k = 0; k < m->patterns[p].n; k++) {
            X->types[X->type0[p] + k].pat = p;
            X->types[X->type0[p] + k].k = k;
        }
    /* posts per pattern, in the planner's scarcest-first order */
    X->gp = pm_xcalloc((size_t)X->npat + 1, sizeof *X->gp);
    X->ngp = pm_xcalloc((size_t)X->npat + 1, sizeof *X->ngp);
    for (int oi = 0; oi < m->nposts; oi++) {
        int q = P->order[oi], p = P->post_pattern[q];
        if (p < 0) continue;
        X->gp[p] = pm_xrealloc(X->gp[p], sizeof **X->gp * (size_t)(X->ngp[p] + 1));
        X->gp[p][X->ngp[p]++] = q;
    }
    X->qualpat = pm_xcalloc((size_t)ns * (size_t)(X->npat ? X->npat : 1), 1);
    X->qualpost = pm_xcalloc((size_t)m->nposts + 1, sizeof *X->qualpost);
    X->nqualpost = pm_xcalloc((size_t)m->nposts + 1, sizeof *X->nqualpost);
    for (int q = 0; q < m->nposts; q++) {
        X->qualpost[q] = pm_xmalloc(sizeof **X->qualpost * (size_t)ns);
        for (int s = 0; s < m->nstaff; s++) {
            if (m->posts[q].skills & ~m->staff[s].skills) continue;
            X->qualpost[q][X->nqualpost[q]++] = s;
            if (P->post_pattern[q] >= 0) X->qualpat[ro_ix(s, X->npat, P->post_pattern[q])] = 1;
        }
    }
    /* instances */
    pm_time S0 = ro_at(m, po->first_day, 0), S1 = ro_at(m, po->first_day + po->ndays, 0);
    X->in = pm_xcalloc((size_t)X->nsd * (size_t)X->ntypes + 1, sizeof *X->in);
    for (int j = 0; j < X->nsd; j++)
        for (int t = 0; t < X->ntypes; t++) {
            inst *I = I_at(X, j, t);
            const ro_shift *sh = &m->patterns[X->types[t].pat].sh[X->types[t].k];
            pm_day d = po->first_day + j - 1 + sh->off;
            I->type = t;
            I->j = j;
            I->ws = ro_at(m, d, sh->from_min);
            I->we = ro_at(m, d, sh->from_min + sh->len_min);
            if (I->ws < S0) I->ws = S0;
            if (I->we > S1) I->we = S1;
            I->qfirst = -1;
            if (I->we <= I->ws) continue;
            I->i0 = ro_slot_at(P, I->ws);
            I->i1 = ro_slot_at(P, I->we);
            if (I->i1 <= I->i0) continue;
            I->valid = 1;
            for (int i = I->i0; i < I->i1; i++) {
                const slot *sl = &P->sl[i];
                int64_t len = sl->e - sl->s;
                int k = 0;
                while (k < I->nd && I->di[k] != sl->di) k++;
                if (k == I->nd && k < 4) {
                    I->di[k] = sl->di;
                    I->dsec[k] = 0;
                    I->nd++;
                }
                if (k < 4) I->dsec[k] += len;
                I->secs += len;
                I->night += sl->night;
                if (sl->off) I->off += len;
            }
        }
    X->x = pm_xmalloc(sizeof *X->x * (size_t)ns * (size_t)X->nsd);
    for (size_t k = 0; k < (size_t)ns * (size_t)X->nsd; k++) X->x[k] = -1;
    X->week = pm_xcalloc((size_t)ns * (size_t)P->nweeks, sizeof *X->week);
    X->wdays = pm_xcalloc((size_t)ns * (size_t)P->nweeks, sizeof *X->wdays);
    for (int s = 0; s < m->nstaff; s++) {
        X->week[ro_ix(s, P->nweeks, 0)] = P->week0[s];
        X->wdays[ro_ix(s, P->nweeks, 0)] = P->wdays0[s];
    }
    X->dayuse = pm_xcalloc((size_t)ns * (size_t)X->nd, 1);
    X->tot = pm_xcalloc((size_t)ns, sizeof *X->tot);
    X->nig = pm_xcalloc((size_t)ns, sizeof *X->nig);
    X->offs = pm_xcalloc((size_t)ns, sizeof *X->offs);
    X->pen = pm_xcalloc((size_t)ns, sizeof *X->pen);
    X->lastp = pm_xmalloc(sizeof *X->lastp * (size_t)ns);
    X->lasti = pm_xmalloc(sizeof *X->lasti * (size_t)ns);
    X->seat = pm_xmalloc(sizeof *X->seat * (size_t)ns);
    X->st = pm_xmalloc(sizeof *X->st * (size_t)ns);
    X->R = (int)(m->rules.min_rest / 86400) + 2;
    X->rng = ro_mix(po->seed * 0x9E3779B97F4A7C15ULL + 17) | 1;
    rescore(X);
}

static void teardown(search *X)
{
    for (int k = 0; k < X->nsd * X->ntypes; k++) free(X->in[k].mem);
    free(X->in);
    for (int p = 0; p < X->npat; p++) free(X->gp[p]);
    free(X->gp);
    free(X->ngp);
    for (int q = 0; q < X->m->nposts; q++) free(X->qualpost[q]);
    free(X->qualpost);
    free(X->nqualpost);
    free(X->qualpat);
    free(X->types);
    free(X->type0);
    free(X->x);
    free(X->week);
    free(X->wdays);
    free(X->dayuse);
    free(X->tot);
    free(X->nig);
    free(X->offs);
    free(X->pen);
    free(X->lastp);
    free(X->lasti);
    free(X->seat);
    free(X->st);
}

/* ---- construction --------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last type person s works before shift-day j, or -1. */
static int last_type(const search *X, int s, int j, int *at)
{
    for (int jj = j - 1; jj >= 0; jj--) {
        int t = X->x[ro_ix(s, X->nsd, jj)];
        if (t >= 0) {
            if (at) *at = jj;
            return t;
        }
    }
    return -1;
}

static void construct(search *X)
{
    ro_model *m = X->m;
    int ns = m->nstaff;
    unsigned char *tried = pm_xcalloc((size_t)ns + 1, 1);
    /* instances of a day in time order; --max-seconds ends it too (the
     * days not reached stay empty: gaps, not explained) */
    X->cut_j = X->nsd;
    for (int j = 0; j < X->nsd; j++) {
        if (X->P->deadline > 0 && now_seconds() > X->P->deadline) {
            X->cut_j = j;
            X->P->stopped = 1;
            break;
        }
        for (int t = 0; t < X->ntypes; t++) {
            inst *I = I_at(X, j, t);
            if (!I->valid) continue;
            memset(tried, 0, (size_t)ns);
            int guard = 0;
            while (I->unc > 0 && guard++ < 4 * ns) {
                int q = I->qfirst;
                if (q < 0) break;
                int best = -1;
                int64_t bs = INT64_MAX;
                for (int a = 0; a < X->nqualpost[q]; a++) {
                    int s = X->qualpost[q][a];
                    if (tried[s] || X->x[ro_ix(s, X->nsd, j)] >= 0) continue;
                    inst *tt[2];
                    set_x(X, s, j, t, tt);
                    int why = hard_why(X, s, j);
                    set_x(X, s, j, -1, tt);
                    if (why >= 0) continue;
                    int at = -1;
                    int lt = last_type(X, s, j, &at);
                    int64_t sc;
                    if (lt == t && at == j - 1)
                        sc = 0;
                    else if (lt == t)
                        sc = 1;
                    else if (lt < 0)
                        sc = 2;
                    else if (X->types[lt].pat == X->types[t].pat && X->types[t].k > X->types[lt].k)
                        sc = 3;
                    else
                        sc = 4;
                    int64_t cap = m->staff[s].max_week > 0 ? m->staff[s].max_week : 1;
                    sc = sc * 4000 + X->tot[s] * 1000 / cap / 4;
                    sc += popcount64(m->staff[s].skills & ~m->posts[q].skills) * 150;
                    sc = sc * 64 + (int64_t)(rnd(X) % 64);
                    if (sc < bs) {
                        bs = sc;
                        best = s;
                    }
                }
                if (best < 0) break;
                tried[best] = 1;
                inst *tt[2];
                int64_t before = I->unc;
                set_x(X, best, j, t, tt);
                X->unc -= before;
                X->unc += dispatch(X, I, 0);
                if (I->unc >= before) { /* seated nobody more: not needed */
                    set_x(X, best, j, -1, tt);
                    X->unc -= I->unc;
                    X->unc += dispatch(X, I, 0);
                }
            }
        }
    }
    free(tried);
    X->pens = 0;
    for (int s = 0; s < ns; s++) {
        X->pen[s] = person_pen(X, s);
        X->pens += X->pen[s];
    }
}

/* ---- the repair search ---------------------------------------------- */

/* A random uncovered instance, or NULL. */
static inst *pick_gap(search *X, int *list, int nlist)
{
    if (!nlist) return NULL;
    for (int tries = 0; tries < 8; tries++) {
        inst *I = &X->in[list[rndn(X, nlist)]];
        if (I->unc > 0) return I;
    }
    return NULL;
}

static void propose(search *X, move *M, int *gaplist, int ngap)
{
    ro_model *m = X->m;
    int ns = m->nstaff;
    int r = rndn(X, 100);
    if (X->unc > 0 && r < 45) {
        inst *I = pick_gap(X, gaplist, ngap);
        if (!I || I->qfirst < 0 || !X->nqualpost[I->qfirst]) return;
        int q = I->qfirst;
        int s = X->qualpost[q][rndn(X, X->nqualpost[q])];
        int j = I->j, t0 = X->x[ro_ix(s, X->nsd, j)];
        if (t0 == I->type) return;
        mv_set(X, M, s, j, I->type);
        if (t0 < 0 && rndn(X, 2) && hard_why(X, s, j) >= 0) {
            /* bring the shift from another day near it */
            int j2 = j + rndn(X, 13) - 6;
            if (j2 >= 0 && j2 < X->nsd && j2 != j && X->x[ro_ix(s, X->nsd, j2)] >= 0) mv_set(X, M, s, j2, -1);
        }
        return;
    }
    int s = rndn(X, ns), j = rndn(X, X->nsd);
    int t = X->x[ro_ix(s, X->nsd, j)];
    r = rndn(X, 4);
    if (r == 0) {
        /* swap with another person on the same day, one who could take
         * the shift when there is one */
        int s2 = rndn(X, ns);
        if (t >= 0) {
            int pat = X->types[t].pat;
            if (X->ngp[pat]) {
                int q = X->gp[pat][rndn(X, X->ngp[pat])];
                if (X->nqualpost[q]) s2 = X->qualpost[q][rndn(X, X->nqualpost[q])];
            }
        }
        int t2 = X->x[ro_ix(s2, X->nsd, j)];
        if (s2 == s || t2 == t) return;
        mv_set(X, M, s, j, t2);
        mv_set(X, M, s2, j, t);
    } else if (r == 1) {
        /* another type, or off */
        int nt = rndn(X, X->ntypes + 1) - 1;
        mv_set(X, M, s, j, nt);
    } else if (r == 2) {
        /* move the shift a few days */
        if (t < 0) return;
        int j2 = j + (rndn(X, 2) ? 1 : -1) * (1 + rndn(X, 3));
        if (j2 < 0 || j2 >= X->nsd || X->x[ro_ix(s, X->nsd, j2)] >= 0) return;
        mv_set(X, M, s, j, -1);
        mv_set(X, M, s, j2, t);
    } else {
        /* recolour the run of work around j */
        if (t < 0) return;
        int nt = rndn(X, X->ntypes);
        if (nt == t) return;
        int a = j, b = j;
        while (a > 0 && X->x[ro_ix(s, X->nsd, a - 1)] >= 0 && j - a < 7) a--;
        while (b + 1 < X->nsd && X->x[ro_ix(s, X->nsd, b + 1)] >= 0 && b - j < 7) b++;
        for (int jj = a; jj <= b; jj++) mv_set(X, M, s, jj, nt);
    }
}

static void rebuild(search *X, const int *xs)
{
    ro_model *m = X->m;
    inst *tt[2];
    for (int s = 0; s < m->nstaff; s++)
        for (int j = 0; j < X->nsd; j++) set_x(X, s, j, -1, tt);
    for (int s = 0; s < m->nstaff; s++)
        for (int j = 0; j < X->nsd; j++)
            if (xs[ro_ix(s, X->nsd, j)] >= 0) set_x(X, s, j, xs[ro_ix(s, X->nsd, j)], tt);
    rescore(X);
}

static int gap_list(search *X, int *list)
{
    int n = 0;
    for (int k = 0; k < X->nsd * X->ntypes; k++)
        if (X->in[k].valid && X->in[k].unc > 0) list[n++] = k;
    return n;
}

static void improve(search *X)
{
    planner *P = X->P;
    ro_model *m = X->m;
    size_t nx = (size_t)(m->nstaff ? m->nstaff : 1) * (size_t)X->nsd;
    int *best = pm_xmalloc(sizeof *best * nx);
    memcpy(best, X->x, sizeof *best * nx);
    int64_t cur = X->unc * W_COVER + X->pens, bestc = cur;
    enum { L = 500 };
    int64_t hist[L];
    for (int k = 0; k < L; k++) hist[k] = cur;
    int ninst = X->nsd * X->ntypes;
    int *gaps = pm_xmalloc(sizeof *gaps * (size_t)(ninst + 1));
    int ngap = gap_list(X, gaps);
    /* a fixed amount of work (so the result depends on the seed alone),
     * and --max-seconds as a cap */
    long budget = 250000000L, since_best = 0;
    double t0 = now_seconds();
    long it;
    for (it = 0; X->work < budget; it++) {
        if ((it & 255) == 0 && P->deadline > 0 && now_seconds() > P->deadline) {
            P->stopped = 1;
            break;
        }
        if ((X->unc == 0 && since_best > 300000) || since_best > 2000000) break;
        if ((it & 63) == 0) ngap = gap_list(X, gaps);
        move M;
        M.n = M.nt = M.np = 0;
        propose(X, &M, gaps, ngap);
        since_best++;
        if (!M.n) continue;
        if (!mv_hard_ok(X, &M)) {
            mv_undo(X, &M, 0);
            continue;
        }
        int64_t c = mv_eval(X, &M);
        if (c <= cur || c <= hist[it % L]) {
            cur = c;
            if (c < bestc) {
                bestc = c;
                memcpy(best, X->x, sizeof *best * nx);
                since_best = 0;
            }
        } else {
            mv_undo(X, &M, 1);
        }
        hist[it % L] = cur;
    }
    if (P->po->stats)
        pm_warn("search: %ld moves, %ld work, %.2f s, best score %lld", it, X->work, now_seconds() - t0,
                (long long)bestc);
    rebuild(X, best);
    free(best);
    free(gaps);
}

/* ---- results -------------------------------------------------------- */

static void explain(search *X)
{
    planner *P = X->P;
    ro_model *m = X->m;
    int ninst = X->nsd * X->ntypes;
    for (int k = 0; k < ninst; k++) {
        inst *I = &X->in[k];
        if (!I->valid) continue;
        if (I->j >= X->cut_j) { /* never planned: plan.c says so */
            if (I->i0 < P->explain_until) P->explain_until = I->i0;
            continue;
        }
        for (int i = I->i0; i < I->i1; i++)
            for (int oi = 0; oi < X->ngp[X->types[I->type].pat]; oi++) {
                int q = X->gp[X->types[I->type].pat][oi];
                int need = P->need[ro_ix(i, m->nposts, q)], have = 0;
                for (int c = 0; c < need; c++) have += P->asg[ro_ix(i, P->nseats, P->seat0[q] + c)] >= 0;
                if (have >= need) continue;
                gapinfo *g = ro_gap_new(P, i, q);
                for (int a = 0; a < X->nqualpost[q]; a++) {
                    int s = X->qualpost[q][a];
                    int here = 0, seated = 0;
                    for (int c = P->seat0[q]; c < P->seat0[q + 1]; c++) here |= P->asg[ro_ix(i, P->nseats, c)] == s;
                    if (here) continue;
                    for (int c = 0; c < P->nseats; c++) seated |= P->asg[ro_ix(i, P->nseats, c)] == s;
                    int t = X->x[ro_ix(s, X->nsd, I->j)];
                    int why;
                    if (t == I->type)
                        why = seated ? WHY_BUSY : WHY_STRETCH;
                    else if (t >= 0)
                        why = WHY_SHIFT;
                    else {
                        inst *tt[2];
                        set_x(X, s, I->j, I->type, tt);
                        why = hard_why(X, s, I->j);
                        set_x(X, s, I->j, -1, tt);
                        if (why < 0) why = WHY_UNUSED;
                    }
                    g->why[s] = (unsigned char)(why + 1);
                }
            }
    }
}

int ro_search(planner *P)
{
    search X;
    memset(&X, 0, sizeof X);
    setup(&X, P);
    construct(&X);
    if (P->po->stats) {
        int64_t h = X.unc / 60;
        pm_warn("construction leaves %lldh%02lldm of seats uncovered", (long long)(h / 60), (long long)(h % 60));
    }
    improve(&X);
    ro_model *m = P->m;
    for (size_t i = 0; i < (size_t)P->nsl * (size_t)P->nseats; i++) P->asg[i] = -1;
    for (int k = 0; k < X.nsd * X.ntypes; k++)
        if (X.in[k].valid) dispatch(&X, &X.in[k], 1);
    /* the spread, from the seats taken */
    for (int s = 0; s < m->nstaff; s++) memset(&P->ps[s], 0, sizeof P->ps[s]);
    for (int i = 0; i < P->nsl; i++)
        for (int c = 0; c < P->nseats; c++) {
            int s = P->asg[ro_ix(i, P->nseats, c)];
            if (s < 0) continue;
            int64_t len = P->sl[i].e - P->sl[i].s;
            P->ps[s].total += len;
            P->ps[s].night += P->sl[i].night;
            if (P->sl[i].off) P->ps[s].off += len;
        }
    explain(&X);
    /* a hard shift rule the best rota still breaks (it was so from the start) */
    for (int s = 0; s < m->nstaff; s++) {
        int64_t ch, back, shortd;
        person_rules(&X, s, &ch, &back, &shortd);
        if (m->rules.rotation == RO_HARD && back)
            pm_warn("the rota breaks the hard rule forward_rotation: %s moves to an earlier shift on the next day "
                    "%lld time%s",
                    m->staff[s].id, (long long)back, back == 1 ? "" : "s");
        if (m->rules.same_how == RO_HARD && shortd)
            pm_warn("the rota breaks the hard rule min_same_shift_days: %s has runs %lld day%s short of %d",
                    m->staff[s].id, (long long)shortd, shortd == 1 ? "" : "s", m->rules.min_same_days);
    }
    for (int s = 0; s < m->nstaff; s++) {
        int pt = -1;
        for (int j = 0; j < X.nsd; j++) {
            int t = X.x[ro_ix(s, X.nsd, j)];
            if (t < 0) continue;
            if (pt >= 0 && t != pt) P->ps[s].changes++;
            pt = t;
        }
    }
    int gaps = X.unc > 0;
    teardown(&X);
    return gaps;
}
