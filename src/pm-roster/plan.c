/* plan.c - the rota planner.
 *
 * Time is cut into slots on a grid of U minutes from local midnight, U being
 * the greatest common divisor of the day, every post's window edges, every
 * max_continuous, max_shift and weekly limit (2 h for the example compound),
 * so every window edge is a slot edge and a stretch, shift or week can use
 * its whole limit.
 * A post needs `headcount` people in every slot that starts inside one of
 * its windows (the windows of the day before the first day included, so the
 * 00:00-06:00 end of a night post is covered on day 1).
 *
 * Construction is greedy, slot by slot in time order, posts with the fewest
 * qualified staff first.  A person may take a seat only if every rule stays
 * kept: skills, not unavailable that day, not busy, the shift (parts less
 * than min_rest apart) no longer than max_shift, the stretch at the post no
 * longer than its max_continuous, the week's hours within their limit, and
 * enough days of the week left free for the rest days.  So the partial rota
 * is always valid; only coverage can fail.  Among those allowed, the
 * candidate with the lowest score wins: carrying on at the same post, then
 * moving on to another post without a break (people forced out by
 * max_continuous first - this is how gate staff rotate every 4 h inside an
 * 8 h shift), then starting a new shift, then resuming a shift after a
 * break.  New shifts go to the person with the fewest hours relative to
 * their weekly limit, with night and weekend/holiday hours weighed when the
 * shift would fall on them, a small charge for using a rare skill where a
 * common one does, and a seeded pseudo-random tie-break.
 *
 * The roster worked before (--previous, m->as[0..nprev)) is the state the
 * construction starts from: each person's last shift and stretch at a post,
 * and the hours and days they worked in the part of the first week before
 * the first day, so that a shift, stretch or week running into the first
 * day stays within its limit.
 *
 * The construction runs several times with different tie-breaks (derived
 * from --seed, so the result is deterministic); the rota with the least
 * uncovered time, then the most even spread of hours, wins.  Gaps left go
 * to a repair search over windows of days (repair_windows): a window is
 * constructed again between the replayed rota before it and the kept rota
 * after it, under late acceptance.  The winner is
 * checked with the same code as `pm-roster check`; uncovered time becomes
 * coverage violations with the reason each qualified person could not take
 * it.
 */
#define _GNU_SOURCE /* qsort_r */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "planner.h"

/* Why a qualified person could not take a seat (gap explanations). */
static const char *const why_text[WHY_COUNT] = {"unavailable",
                                                "on another post",
                                                "at the weekly limit",
                                                "needs a rest day this week",
                                                "resting between shifts or at the shift limit",
                                                "at the post's max_continuous",
                                                "on another shift",
                                                "free, but the search did not seat them"};

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

uint64_t ro_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

int ro_day_off(const planner *P, pm_day d)
{
    if (P->po->cal) {
        pm_daykind k = pm_calendar_kind(P->po->cal, d);
        return k == PM_DAY_WEEKEND || k == PM_DAY_HOLIDAY;
    }
    return pm_day_weekday(d) >= 5;
}

static int64_t overlap(pm_time a, pm_time b, pm_time c, pm_time d)
{
    pm_time s = a > c ? a : c, e = b < d ? b : d;
    return e > s ? e - s : 0;
}

int64_t ro_night_secs(const ro_model *m, pm_day d, pm_time s, pm_time e)
{
    return overlap(s, e, ro_at(m, d, 0), ro_at(m, d, NIGHT_TO)) +
           overlap(s, e, ro_at(m, d, NIGHT_FROM), ro_at(m, d + 1, 0));
}

static void build_slots(planner *P)
{
    ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    int64_t g = 1440;
    for (int p = 0; p < m->nposts; p++) {
        g = gcd64(g, m->posts[p].from_min % 1440);
        g = gcd64(g, m->posts[p].to_min % 1440);
        if (m->posts[p].max_continuous % 60 == 0) g = gcd64(g, m->posts[p].max_continuous / 60);
    }
    if (m->rules.max_shift % 60 == 0) g = gcd64(g, m->rules.max_shift / 60);
    for (int k = 0; k < m->npatterns; k++)
        for (int i = 0; i < m->patterns[k].n; i++) {
            g = gcd64(g, m->patterns[k].sh[i].from_min);
            g = gcd64(g, m->patterns[k].sh[i].len_min);
        }
    /* so that weekly limits (44 h = 5 x 8 h + 4 h) can be used to the full */
    if (m->rules.max_week % 60 == 0) g = gcd64(g, m->rules.max_week / 60);
    for (int s = 0; s < m->nstaff; s++)
        if (m->staff[s].max_week % 60 == 0) g = gcd64(g, m->staff[s].max_week / 60);
    if (g <= 0) g = 60;
    /* A slot never exceeds a limit it must fit in. */
    while (g > 1 && (g * 60 > m->rules.max_shift)) g = g / 2 ? g / 2 : 1;
    for (int p = 0; p < m->nposts; p++)
        while (g > 1 && m->posts[p].max_continuous && g * 60 > m->posts[p].max_continuous) g /= 2;
    P->U = (int)g;
    int per = 1440 / P->U;
    P->sl = pm_xmalloc(sizeof *P->sl * (size_t)(po->ndays * per + 1));
    P->nsl = 0;
    pm_day monday0 = po->first_day - pm_day_weekday(po->first_day);
    for (int di = 0; di < po->ndays; di++) {
        pm_day d = po->first_day + di;
        int off = ro_day_off(P, d);
        for (int k = 0; k < per; k++) {
            slot *s = &P->sl[P->nsl];
            s->s = ro_at(m, d, k * P->U);
            s->e = ro_at(m, d, (k + 1) * P->U);
            if (s->e <= s->s) continue; /* a clock change swallowed it */
            s->di = di;
            s->wi = (int)((d - monday0) / 7);
            s->night = ro_night_secs(m, d, s->s, s->e);
            s->off = off;
            P->nsl++;
        }
    }
    P->nweeks = (int)((po->first_day + po->ndays - 1 - monday0) / 7 + 1);
    /* projected shift from each slot: night and day-off shares (a window
     * of max_shift sliding over the slots) */
    int64_t len = 0, night = 0, off = 0;
    for (int i = 0, j = 0; i < P->nsl; i++) {
        if (j < i) j = i;
        for (; j < P->nsl && P->sl[j].s < P->sl[i].s + m->rules.max_shift; j++) {
            int64_t l = P->sl[j].e - P->sl[j].s;
            len += l;
            night += P->sl[j].night;
            if (P->sl[j].off) off += l;
        }
        P->sl[i].proj_night = len ? (int)(night * 1000 / len) : 0;
        P->sl[i].proj_off = len ? (int)(off * 1000 / len) : 0;
        if (j > i) { /* slot i leaves the window */
            int64_t l = P->sl[i].e - P->sl[i].s;
            len -= l;
            night -= P->sl[i].night;
            if (P->sl[i].off) off -= l;
        }
    }
}

static int post_on_day(const ro_post *p, pm_day d)
{
    if (!p->ndates) return 1;
    for (int i = 0; i < p->ndates; i++)
        if (d >= p->dates[i].from && d <= p->dates[i].to) return 1;
    return 0;
}

static void build_need(planner *P)
{
    ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    P->need = pm_xcalloc((size_t)P->nsl * (size_t)(m->nposts ? m->nposts : 1), sizeof *P->need);
    P->seat0 = pm_xmalloc(sizeof *P->seat0 * (size_t)(m->nposts + 1));
    P->nseats = 0;
    for (int p = 0; p < m->nposts; p++) {
        const ro_post *q = &m->posts[p];
        P->seat0[p] = P->nseats;
        P->nseats += q->headcount;
        int i = 0;
        for (pm_day d = po->first_day - 1; d < po->first_day + po->ndays; d++) {
            if (!post_on_day(q, d)) continue;
            pm_time ws = ro_at(m, d, q->from_min);
            pm_time we = q->to_min > q->from_min ? ro_at(m, d, q->to_min) : ro_at(m, d + 1, q->to_min);
            while (i > 0 && P->sl[i - 1].s >= ws) i--;
            while (i < P->nsl && P->sl[i].s < ws) i++;
            for (; i < P->nsl && P->sl[i].s < we; i++) P->need[ro_ix(i, m->nposts, p)] = q->headcount;
        }
    }
    P->seat0[m->nposts] = P->nseats;
    /* scarcest posts first */
    int *nq = pm_xcalloc((size_t)m->nposts + 1, sizeof *nq);
    for (int p = 0; p < m->nposts; p++)
        for (int s = 0; s < m->nstaff; s++)
            if ((m->posts[p].skills & ~m->staff[s].skills) == 0) nq[p]++;
    P->order = pm_xmalloc(sizeof *P->order * (size_t)(m->nposts + 1));
    for (int p = 0; p < m->nposts; p++) P->order[p] = p;
    for (int a = 1; a < m->nposts; a++)
        for (int b = a; b > 0 && nq[P->order[b]] < nq[P->order[b - 1]]; b--) {
            int t = P->order[b];
            P->order[b] = P->order[b - 1];
            P->order[b - 1] = t;
        }
    free(nq);
    P->unavail = pm_xcalloc((size_t)m->nstaff * (size_t)po->ndays + 1, 1);
    for (int s = 0; s < m->nstaff; s++)
        for (int di = 0; di < po->ndays; di++)
            P->unavail[ro_ix(s, po->ndays, di)] = (unsigned char)ro_unavailable(&m->staff[s], po->first_day + di);
    /* Pressure on each skill, week by week: hours needed over hours its
     * holders can give.  Seating someone whose other skills are under
     * pressure that week costs that. */
    int nw = P->nweeks, nk = m->nskills ? m->nskills : 1;
    int64_t *demand = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *demand);
    int64_t *supply = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *supply);
    P->pressure = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *P->pressure);
    for (int i = 0; i < P->nsl; i++)
        for (int p = 0; p < m->nposts; p++) {
            int n = P->need[ro_ix(i, m->nposts, p)];
            if (!n) continue;
            for (int k = 0; k < m->nskills; k++)
                if (m->posts[p].skills & ((uint64_t)1 << k))
                    demand[ro_ix(k, nw, P->sl[i].wi)] += n * (P->sl[i].e - P->sl[i].s);
        }
    pm_day monday0 = po->first_day - pm_day_weekday(po->first_day);
    for (int s = 0; s < m->nstaff; s++)
        for (int di = 0; di < po->ndays; di++) {
            if (P->unavail[ro_ix(s, po->ndays, di)]) continue;
            int wi = (int)((po->first_day + di - monday0) / 7);
            for (int k = 0; k < m->nskills; k++)
                if (m->staff[s].skills & ((uint64_t)1 << k)) supply[ro_ix(k, nw, wi)] += m->staff[s].max_week / 7;
        }
    for (size_t k = 0; k < (size_t)nk * (size_t)nw; k++) {
        P->pressure[k] = supply[k] ? demand[k] * 1000 / supply[k] : 0;
    }
    free(demand);
    free(supply);
}

/* What seating staff s at post q in week wi costs the other posts. */
static int64_t rarity(const planner *P, int s, int q, int wi)
{
    const ro_model *m = P->m;
    uint64_t extra = m->staff[s].skills & ~m->posts[q].skills;
    int64_t c = 0;
    while (extra) {
        int k = __builtin_ctzll(extra);
        extra &= extra - 1;
        size_t x = ro_ix(k, P->nweeks, wi);
        c += P->pressure[x] / 2;
    }
    return c;
}

static int cmp_prev(const void *a, const void *b, void *ctx)
{
    const ro_assign *as = ctx, *x = &as[*(const int *)a], *y = &as[*(const int *)b];
    if (x->staff != y->staff) return x->staff - y->staff;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

/* Adds the time [s, e) of staff st before the first day to the first week. */
static void prev_week_time(planner *P, int st, pm_time s, pm_time e, pm_day monday0)
{
    const ro_model *m = P->m;
    pm_day first = P->po->first_day;
    pm_day d0 = pm_tz_day(m->tz, s), d1 = pm_tz_day(m->tz, e - 1);
    if (d0 < monday0) d0 = monday0;
    if (d1 > first - 1) d1 = first - 1;
    for (pm_day d = d0; d <= d1; d++) {
        pm_time ds = ro_at(m, d, 0), de = ro_at(m, d + 1, 0);
        pm_time a = s > ds ? s : ds, b = e < de ? e : de;
        if (b <= a) continue;
        P->week0[st] += b - a;
        P->wdays0[st] |= (unsigned char)(1u << (d - monday0));
    }
}

/* The state the roster worked before (m->as[0..nprev)) leaves each person
 * in: as `take` would have left it, and the first week's hours and days. */
static void seed_previous(planner *P)
{
    const ro_model *m = P->m;
    const ro_rules *r = &m->rules;
    int ns = m->nstaff ? m->nstaff : 1, n = P->po->nprev;
    P->ps0 = pm_xcalloc((size_t)ns, sizeof *P->ps0);
    P->week0 = pm_xcalloc((size_t)ns, sizeof *P->week0);
    P->wdays0 = pm_xcalloc((size_t)ns, 1);
    for (int s = 0; s < m->nstaff; s++) {
        person *p = &P->ps0[s];
        p->last_end = INT64_MIN / 4;
        p->shift_start = INT64_MIN / 4;
        p->last_post = -1;
    }
    int *ord = pm_xmalloc(sizeof *ord * (size_t)(n + 1));
    for (int i = 0; i < n; i++) ord[i] = i;
    qsort_r(ord, (size_t)n, sizeof *ord, cmp_prev, m->as);
    pm_day monday0 = P->po->first_day - pm_day_weekday(P->po->first_day);
    pm_time cs = 0, ce = 0; /* the person's time so far, merged */
    for (int i = 0; i < n; i++) {
        const ro_assign *a = &m->as[ord[i]];
        person *p = &P->ps0[a->staff];
        int first_of_person = i == 0 || m->as[ord[i - 1]].staff != a->staff;
        if (first_of_person) {
            cs = a->s;
            ce = a->e;
        } else if (a->s > ce) {
            prev_week_time(P, a->staff, cs, ce, monday0);
            cs = a->s;
            ce = a->e;
        } else if (a->e > ce)
            ce = a->e;
        if (i == n - 1 || m->as[ord[i + 1]].staff != a->staff) prev_week_time(P, a->staff, cs, ce, monday0);
        /* parts less than min_rest apart are one shift; touching parts at
         * one post one stretch (as check.c sees them) */
        if (a->s - p->last_end >= r->min_rest) p->shift_start = a->s;
        if (a->e >= p->last_end) {
            if (!(p->last_post == a->post && a->s <= p->last_end)) p->stretch_start = a->s;
            p->last_post = a->post;
            p->last_end = a->e;
        }
    }
    for (int s = 0; s < m->nstaff; s++) {
        int k = 0;
        for (unsigned x = P->wdays0[s]; x; x &= x - 1) k++;
        P->wdays0[s] = (unsigned char)k;
    }
    free(ord);
}

static void reset_state(planner *P)
{
    ro_model *m = P->m;
    memcpy(P->ps, P->ps0, sizeof *P->ps * (size_t)m->nstaff);
    memset(P->week, 0, sizeof *P->week * (size_t)m->nstaff * (size_t)P->nweeks);
    memset(P->wdays, 0, (size_t)m->nstaff * (size_t)P->nweeks);
    for (int s = 0; s < m->nstaff; s++) {
        P->week[(size_t)s * (size_t)P->nweeks] = P->week0[s];
        P->wdays[(size_t)s * (size_t)P->nweeks] = P->wdays0[s];
    }
    memset(P->worked, 0, (size_t)m->nstaff * (size_t)P->po->ndays);
    for (size_t i = 0; i < (size_t)P->nsl * (size_t)P->nseats; i++) P->asg[i] = -1;
    for (int s = 0; s < m->nstaff; s++) P->next_fixed[s] = INT64_MAX / 4;
    P->uncovered = 0;
}

/* Whether staff s may take post q in slot i; else the WHY_* reason. */
static int allowed(const planner *P, int s, int q, int i, int *why)
{
    const ro_model *m = P->m;
    const ro_staff *st = &m->staff[s];
    const ro_post *po = &m->posts[q];
    const slot *sl = &P->sl[i];
    const person *p = &P->ps[s];
    const ro_rules *r = &m->rules;
    int nd = P->po->ndays;
    if (P->unavail[ro_ix(s, nd, sl->di)]) {
        *why = WHY_UNAVAILABLE;
        return 0;
    }
    if (p->last_end > sl->s) {
        *why = WHY_BUSY;
        return 0;
    }
    /* before a kept part of the rota: only with a rest before it (so
     * neither its shift nor its stretch grows) */
    if (P->next_fixed[s] <= sl->e || P->next_fixed[s] - sl->e < r->min_rest) {
        *why = WHY_REST;
        return 0;
    }
    if (P->week[ro_ix(s, P->nweeks, sl->wi)] + (sl->e - sl->s) > st->max_week) {
        *why = WHY_WEEK;
        return 0;
    }
    if (!P->worked[ro_ix(s, nd, sl->di)] && P->wdays[ro_ix(s, P->nweeks, sl->wi)] + 1 > 7 - r->rest_days) {
        *why = WHY_RESTDAY;
        return 0;
    }
    int same_shift = sl->s - p->last_end < r->min_rest;
    if ((same_shift ? sl->e - p->shift_start : sl->e - sl->s) > r->max_shift) {
        *why = WHY_REST;
        return 0;
    }
    if (po->max_continuous) {
        pm_time from = (p->last_post == q && p->last_end == sl->s) ? p->stretch_start : sl->s;
        if (sl->e - from > po->max_continuous) {
            *why = WHY_STRETCH;
            return 0;
        }
    }
    return 1;
}

static void take(planner *P, int s, int q, int i)
{
    const ro_model *m = P->m;
    const slot *sl = &P->sl[i];
    person *p = &P->ps[s];
    int nd = P->po->ndays;
    if (sl->s - p->last_end >= m->rules.min_rest) {
        if (p->shift_start > INT64_MIN / 8 && (sl->s - p->shift_start) % 86400) p->changes++;
        p->shift_start = sl->s;
    }
    if (!(p->last_post == q && p->last_end == sl->s)) p->stretch_start = sl->s;
    p->last_post = q;
    p->last_end = sl->e;
    int64_t len = sl->e - sl->s;
    P->week[ro_ix(s, P->nweeks, sl->wi)] += len;
    if (!P->worked[ro_ix(s, nd, sl->di)]) {
        P->worked[ro_ix(s, nd, sl->di)] = 1;
        P->wdays[ro_ix(s, P->nweeks, sl->wi)]++;
    }
    p->total += len;
    p->night += sl->night;
    if (sl->off) p->off += len;
}

gapinfo *ro_gap_new(planner *P, int i, int q)
{
    PM_GROW(P->gaps, P->ngaps + 1, P->capgaps);
    gapinfo *g = &P->gaps[P->ngaps++];
    g->slot = i;
    g->post = q;
    g->why = pm_xcalloc((size_t)P->m->nstaff + 1, 1);
    return g;
}

static void record_gap(planner *P, int i, int q)
{
    ro_model *m = P->m;
    gapinfo *g = ro_gap_new(P, i, q);
    for (int s = 0; s < m->nstaff; s++) {
        if (m->posts[q].skills & ~m->staff[s].skills) continue;
        int here = 0; /* already seated at this post in this slot */
        for (int k = P->seat0[q]; k < P->seat0[q + 1]; k++) here |= P->asg[ro_ix(i, P->nseats, k)] == s;
        if (here) continue;
        int why = WHY_BUSY;
        if (!allowed(P, s, q, i, &why))
            g->why[s] = (unsigned char)(why + 1);
        else
            g->why[s] = WHY_BUSY + 1; /* allowed but already seated here */
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts a seat the construction leaves empty, in slot i. */
static void note_gap(planner *P, int i)
{
    if (P->ngap++ == 0) P->first_gap = i;
}

/* Keeps the seats of `saved` from slot `to` on: their hours and days count
 * in the weeks, and each person's first kept seat bounds what may be
 * planned before it (allowed). */
static void keep_tail(planner *P, int to, const int *saved)
{
    ro_model *m = P->m;
    int nd = P->po->ndays;
    for (int i = to; i < P->nsl; i++) {
        const slot *sl = &P->sl[i];
        int64_t len = sl->e - sl->s;
        for (int q = 0; q < m->nposts; q++) {
            int need = P->need[ro_ix(i, m->nposts, q)];
            for (int k = 0; k < need; k++) {
                int s = saved[ro_ix(i, P->nseats, P->seat0[q] + k)];
                P->asg[ro_ix(i, P->nseats, P->seat0[q] + k)] = s;
                if (s < 0) {
                    P->uncovered += len;
                    continue;
                }
                if (P->next_fixed[s] > sl->s) P->next_fixed[s] = sl->s;
                P->week[ro_ix(s, P->nweeks, sl->wi)] += len;
                if (!P->worked[ro_ix(s, nd, sl->di)]) {
                    P->worked[ro_ix(s, nd, sl->di)] = 1;
                    P->wdays[ro_ix(s, P->nweeks, sl->wi)]++;
                }
                P->ps[s].total += len;
                P->ps[s].night += sl->night;
                if (sl->off) P->ps[s].off += len;
            }
        }
    }
}

/* The gaps of the kept tail, after those of the slots before it. */
static void tail_gaps(planner *P, int to)
{
    ro_model *m = P->m;
    for (int i = to; i < P->nsl; i++)
        for (int q = 0; q < m->nposts; q++) {
            int need = P->need[ro_ix(i, m->nposts, q)];
            for (int k = 0; k < need; k++)
                if (P->asg[ro_ix(i, P->nseats, P->seat0[q] + k)] < 0) {
                    note_gap(P, i);
                    break;
                }
        }
}

/* One greedy construction.  Slots before `from` replay the rota `saved`
 * (same order, so the same state) instead of choosing; slots from `to` on
 * keep it (a window [from, to) is rebuilt). */
static void construct_window(planner *P, uint64_t salt, int attempt, int from, int to, const int *saved)
{
    ro_model *m = P->m;
    const ro_rules *r = &m->rules;
    reset_state(P);
    P->ngap = 0;
    P->cut = P->nsl;
    if (to < P->nsl) keep_tail(P, to, saved);
    /* a portfolio: each construction weighs the week a little differently */
    static const int64_t wdays_ws[4] = {15, 15, 0, 40}, week_ws[4] = {0, 300, 300, 1000};
    int64_t wdays_w = wdays_ws[attempt % 4], week_w = week_ws[attempt % 4];
    int64_t noise_amp = 10 + 40 * ((attempt / 4) % 16);
    static const int64_t change_ws[3] = {400, 150, 0};
    int64_t change_w = change_ws[(attempt / 2) % 3];
    for (int i = 0; i < to; i++) {
        const slot *sl = &P->sl[i];
        /* --max-seconds ends a construction too (a one-minute grid for a
         * year): the slots left are gaps, never planned */
        if (i >= from && P->cut == P->nsl && P->deadline > 0 && (i & 15) == 0 && now_seconds() > P->deadline) {
            P->cut = i;
            P->stopped = 1;
        }
        if (i >= P->cut) {
            for (int q = 0; q < m->nposts; q++) {
                int need = P->need[ro_ix(i, m->nposts, q)];
                if (!need) continue;
                P->uncovered += (int64_t)need * (sl->e - sl->s);
                note_gap(P, i);
            }
            continue;
        }
        for (int oi = 0; oi < m->nposts; oi++) {
            int q = P->order[oi];
            int need = P->need[ro_ix(i, m->nposts, q)];
            const ro_post *po = &m->posts[q];
            for (int k = 0; k < need; k++) {
                int best = -1;
                int64_t bests = INT64_MAX;
                if (i < from) best = saved[ro_ix(i, P->nseats, P->seat0[q] + k)];
                for (int s = 0; s < m->nstaff && i >= from; s++) {
                    const ro_staff *st = &m->staff[s];
                    if (po->skills & ~st->skills) continue;
                    int why;
                    if (!allowed(P, s, q, i, &why)) continue;
                    const person *p = &P->ps[s];
                    int64_t cls, score;
                    int same_shift = sl->s - p->last_end < r->min_rest;
                    int cont = same_shift && p->last_end == sl->s;
                    if (cont && p->last_post == q)
                        cls = 0;
                    else if (cont) {
                        /* could they stay where they were? then leave them there */
                        int lp = p->last_post, stay = 0;
                        if (lp >= 0 && P->need[ro_ix(i, m->nposts, lp)] > 0) {
                            const ro_post *lq = &m->posts[lp];
                            stay = !lq->max_continuous || sl->e - p->stretch_start <= lq->max_continuous;
                        }
                        cls = stay ? 2 : 1;
                    } else if (!same_shift)
                        cls = 3;
                    else
                        cls = 4;
                    uint64_t h = ro_mix(salt ^ ((uint64_t)i << 32) ^ ((uint64_t)s << 8) ^ (uint64_t)q);
                    if (cls <= 2) {
                        score = (int64_t)(h % 16);
                    } else {
                        int64_t cap = st->max_week > 0 ? st->max_week : 1;
                        score = p->total * 1000 / cap;
                        score += p->night * 1000 / cap * sl->proj_night / 400;
                        score += p->off * 1000 / cap * sl->proj_off / 400;
                        score += rarity(P, s, q, sl->wi);
                        /* keep everyone's week usable to its end */
                        score += P->wdays[ro_ix(s, P->nweeks, sl->wi)] * wdays_w;
                        score += P->week[ro_ix(s, P->nweeks, sl->wi)] * week_w / cap;
                        if (st->max_week - P->week[ro_ix(s, P->nweeks, sl->wi)] < r->max_shift) score += 150;
                        score += (int64_t)(h % (uint64_t)noise_amp);
                        /* a workable rota: new shifts start when the person's
                         * last one did (fewer changes of shift type) */
                        if (cls == 3 && p->shift_start > INT64_MIN / 8) {
                            int64_t tod = (sl->s - p->shift_start) % 86400;
                            if (tod < 0) tod += 86400;
                            if (tod) score += change_w;
                        }
                    }
                    score += cls * 1000000000LL;
                    if (score < bests) {
                        bests = score;
                        best = s;
                    }
                }
                if (best < 0) {
                    P->uncovered += (int64_t)(need - k) * (sl->e - sl->s);
                    note_gap(P, i);
                    if (P->explain && i < P->explain_until) record_gap(P, i, q);
                    break;
                }
                take(P, best, q, i);
                P->asg[ro_ix(i, P->nseats, P->seat0[q] + k)] = best;
            }
        }
    }
    if (to < P->nsl) tail_gaps(P, to);
}

static void construct(planner *P, uint64_t salt, int attempt, int from, const int *saved)
{
    construct_window(P, salt, attempt, from, P->nsl, saved);
}

/* Spread of hours relative to capacity: lower is fairer. */
static int64_t unfairness(const planner *P)
{
    const ro_model *m = P->m;
    int64_t lo = INT64_MAX, hi = INT64_MIN, nlo = INT64_MAX, nhi = INT64_MIN, olo = INT64_MAX, ohi = INT64_MIN;
    for (int s = 0; s < m->nstaff; s++) {
        int64_t cap = m->staff[s].max_week > 0 ? m->staff[s].max_week : 1;
        int64_t t = P->ps[s].total * 1000 / cap, n = P->ps[s].night * 1000 / cap, o = P->ps[s].off * 1000 / cap;
        if (t < lo) lo = t;
        if (t > hi) hi = t;
        if (n < nlo) nlo = n;
        if (n > nhi) nhi = n;
        if (o < olo) olo = o;
        if (o > ohi) ohi = o;
    }
    if (!m->nstaff) return 0;
    int64_t changes = 0;
    for (int s = 0; s < m->nstaff; s++) changes += P->ps[s].changes;
    return (hi - lo) + (nhi - nlo) + (ohi - olo) + 10 * changes;
}

static void emit(planner *P)
{
    ro_model *m = P->m;
    int *open = pm_xmalloc(sizeof *open * (size_t)(m->nstaff + 1));
    for (int s = 0; s < m->nstaff; s++) open[s] = -1;
    m->nas = P->po->nprev; /* after the roster worked before */
    for (int i = 0; i < P->nsl; i++) {
        for (int q = 0; q < m->nposts; q++) {
            for (int k = P->seat0[q]; k < P->seat0[q + 1]; k++) {
                int s = P->asg[ro_ix(i, P->nseats, k)];
                if (s < 0) continue;
                int o = open[s];
                if (o >= 0 && m->as[o].post == q && m->as[o].e == P->sl[i].s) {
                    m->as[o].e = P->sl[i].e;
                } else {
                    ro_add_assign(m, q, s, P->sl[i].s, P->sl[i].e);
                    open[s] = m->nas - 1;
                }
            }
        }
    }
    free(open);
}

static void explain_gap(planner *P, ro_violation *v, int q)
{
    ro_model *m = P->m;
    /* union of reasons over the gap's slots */
    int n = m->nstaff;
    unsigned char *seen = pm_xcalloc(ro_ix(n, WHY_COUNT, 1), 1);
    int any_qualified = 0;
    for (int g = 0; g < P->ngaps; g++) {
        gapinfo *gi = &P->gaps[g];
        if (gi->post != q || P->sl[gi->slot].s < v->s || P->sl[gi->slot].s >= v->e) continue;
        for (int s = 0; s < n; s++)
            if (gi->why[s]) {
                seen[ro_ix(s, WHY_COUNT, gi->why[s] - 1)] = 1;
                any_qualified = 1;
            }
    }
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, v->detail);
    if (P->explain_until < P->nsl && v->e > P->sl[P->explain_until].s) {
        pm_buf_adds(&b, ": not planned: --max-seconds ended the planner before it");
        free(v->detail);
        v->detail = pm_xstrdup(pm_buf_str(&b));
        pm_buf_free(&b);
        free(seen);
        return;
    }
    int nq = 0;
    for (int s = 0; s < n; s++)
        if (!(m->posts[q].skills & ~m->staff[s].skills)) nq++;
    int nskills = 0;
    for (uint64_t x = m->posts[q].skills; x; x &= x - 1) nskills++;
    if (nq == 0) {
        if (nskills) {
            pm_buf_adds(&b, nskills > 1 ? ": nobody has all the skills " : ": nobody has skill ");
            ro_skills_format(m, m->posts[q].skills, &b);
        } else {
            pm_buf_adds(&b, ": no staff at all");
        }
    } else {
        pm_buf_addf(&b, ": %d qualified", nq);
        if (nskills) {
            pm_buf_adds(&b, " (");
            ro_skills_format(m, m->posts[q].skills, &b);
            pm_buf_adds(&b, ")");
        }
        pm_buf_adds(&b, any_qualified ? ", none free:" : ", all of them already here");
        const int order[WHY_COUNT] = {WHY_UNAVAILABLE, WHY_WEEK,  WHY_RESTDAY, WHY_REST,
                                      WHY_STRETCH,     WHY_SHIFT, WHY_BUSY,    WHY_UNUSED};
        int firstcat = 1;
        for (int oi = 0; oi < WHY_COUNT; oi++) {
            int w = order[oi], cnt = 0;
            for (int s = 0; s < n; s++) cnt += seen[ro_ix(s, WHY_COUNT, w)];
            if (!cnt) continue;
            pm_buf_addf(&b, "%s %s ", firstcat ? "" : ";", why_text[w]);
            firstcat = 0;
            int shown = 0;
            for (int s = 0; s < n; s++) {
                if (!seen[ro_ix(s, WHY_COUNT, w)]) continue;
                if (shown == 8) {
                    pm_buf_addf(&b, " +%d more", cnt - 8);
                    break;
                }
                pm_buf_addf(&b, "%s%s", shown ? "," : "", m->staff[s].id);
                shown++;
            }
        }
    }
    free(v->detail);
    v->detail = pm_xstrdup(pm_buf_str(&b));
    pm_buf_free(&b);
    free(seen);
}

static int cmp_staff_start(const void *a, const void *b)
{
    const ro_assign *x = a, *y = b;
    if (x->staff != y->staff) return x->staff - y->staff;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Without shift patterns: a shift's type is the time of day it starts;
 * counts each person's changes of it over the rota written. */
static void count_changes(planner *P)
{
    ro_model *m = P->m;
    int n = m->nas - P->po->nprev;
    if (n <= 0) return;
    ro_assign *as = pm_xmalloc(sizeof *as * (size_t)n);
    memcpy(as, m->as + P->po->nprev, sizeof *as * (size_t)n);
    qsort(as, (size_t)n, sizeof *as, cmp_staff_start);
    int last_type = -1, last_staff = -1;
    pm_time last_end = 0;
    for (int i = 0; i < n; i++) {
        if (as[i].staff != last_staff) {
            last_staff = as[i].staff;
            last_type = -1;
            last_end = 0;
        } else if (as[i].s - last_end < m->rules.min_rest) {
            if (as[i].e > last_end) last_end = as[i].e;
            continue;
        }
        pm_day d = pm_tz_day(m->tz, as[i].s);
        int type = (int)((as[i].s - pm_tz_midnight(m->tz, d)) / 60);
        if (last_type >= 0 && type != last_type) P->ps[as[i].staff].changes++;
        last_type = type;
        last_end = as[i].e;
    }
    free(as);
}

static void print_spread(planner *P)
{
    ro_model *m = P->m;
    if (!m->nstaff) return;
    if (!P->declared) {
        for (int s = 0; s < m->nstaff; s++) P->ps[s].changes = 0;
        count_changes(P);
    }
    int ilo[3] = {0, 0, 0}, ihi[3] = {0, 0, 0};
    for (int s = 1; s < m->nstaff; s++) {
        int64_t v[3] = {P->ps[s].total, P->ps[s].night, P->ps[s].off};
        for (int k = 0; k < 3; k++) {
            int64_t lo = k == 0 ? P->ps[ilo[k]].total : k == 1 ? P->ps[ilo[k]].night : P->ps[ilo[k]].off;
            int64_t hi = k == 0 ? P->ps[ihi[k]].total : k == 1 ? P->ps[ihi[k]].night : P->ps[ihi[k]].off;
            if (v[k] < lo) ilo[k] = s;
            if (v[k] > hi) ihi[k] = s;
        }
    }
    const char *what[3] = {"hours", "night hours (22:00-06:00)", "weekend and holiday hours"};
    for (int k = 0; k < 3; k++) {
        int64_t lo = k == 0 ? P->ps[ilo[k]].total : k == 1 ? P->ps[ilo[k]].night : P->ps[ilo[k]].off;
        int64_t hi = k == 0 ? P->ps[ihi[k]].total : k == 1 ? P->ps[ihi[k]].night : P->ps[ihi[k]].off;
        char a[32], b[32];
        ro_fmt_dur(lo, a);
        ro_fmt_dur(hi, b);
        pm_warn("spread of %s per person: min %s (%s), max %s (%s)", what[k], a, m->staff[ilo[k]].id, b,
                m->staff[ihi[k]].id);
    }
    int clo = 0, chi = 0;
    for (int s = 1; s < m->nstaff; s++) {
        if (P->ps[s].changes < P->ps[clo].changes) clo = s;
        if (P->ps[s].changes > P->ps[chi].changes) chi = s;
    }
    pm_warn("spread of shift changes per person: min %d (%s), max %d (%s)", P->ps[clo].changes, m->staff[clo].id,
            P->ps[chi].changes, m->staff[chi].id);
    if (P->po->stats) {
        for (int s = 0; s < m->nstaff; s++) {
            char a[32], b[32], c[32];
            ro_fmt_dur(P->ps[s].total, a);
            ro_fmt_dur(P->ps[s].night, b);
            ro_fmt_dur(P->ps[s].off, c);
            pm_warn("  %-12s hours %-8s night %-8s weekend/holiday %-8s shift changes %d", m->staff[s].id, a, b, c,
                    P->ps[s].changes);
        }
    }
}

/* The most hours person s can work in week wi of the span by the rules
 * alone (a bound, not a plan): the weekly limit less what the roster
 * worked before used, and for each day they may work (not unavailable;
 * in a week lying wholly inside the span, no more than 7 - rest days) the
 * most one calendar day can hold: n shifts of max_shift with min_rest
 * between them. */
static int64_t most_in_week(const planner *P, int s, int wi, int64_t day_cap)
{
    const ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    pm_day monday0 = po->first_day - pm_day_weekday(po->first_day), mon = monday0 + 7 * wi;
    int avail = 0, inside = mon >= po->first_day && mon + 6 <= po->first_day + po->ndays - 1;
    for (pm_day d = mon; d < mon + 7; d++) {
        if (d < po->first_day || d >= po->first_day + po->ndays) continue;
        /* a day of the span: d - first_day is below ndays, an int */
        if (!P->unavail[ro_ix(s, po->ndays, (int)(d - po->first_day))]) avail++;
    }
    int before = wi == 0 ? P->wdays0[s] : 0;
    if (inside && avail > 7 - m->rules.rest_days - before) avail = 7 - m->rules.rest_days - before;
    if (avail < 0) avail = 0;
    int64_t h = m->staff[s].max_week - (wi == 0 ? P->week0[s] : 0);
    if (h < 0) h = 0;
    return h < avail * day_cap ? h : avail * day_cap;
}

/* The fewest people with skill k the shift from slot i0 to i1 of pattern
 * pat needs: the most seats at once at its posts that need k, and one
 * more when for longer than a post's max_continuous those seats are all
 * at that one post (nobody could leave it). */
static int shift_need(const planner *P, int pat, int k, int i0, int i1)
{
    const ro_model *m = P->m;
    int S = 0;
    for (int i = i0; i < i1; i++) {
        int n = 0;
        for (int q = 0; q < m->nposts; q++)
            if (P->post_pattern[q] == pat && (m->posts[q].skills >> k & 1)) n += P->need[ro_ix(i, m->nposts, q)];
        if (n > S) S = n;
    }
    if (!S) return 0;
    int run_q = -1;
    pm_time run_s = 0;
    for (int i = i0; i < i1; i++) {
        int n = 0, only = -1, nposts = 0;
        for (int q = 0; q < m->nposts; q++) {
            if (P->post_pattern[q] != pat || !(m->posts[q].skills >> k & 1)) continue;
            int c = P->need[ro_ix(i, m->nposts, q)];
            if (!c) continue;
            n += c;
            only = q;
            nposts++;
        }
        if (n != S || nposts != 1) {
            run_q = -1;
            continue;
        }
        if (only != run_q) {
            run_q = only;
            run_s = P->sl[i].s;
        }
        int64_t mc = m->posts[only].max_continuous;
        if (mc && P->sl[i].e - run_s > mc) return S + 1;
    }
    return S;
}

/* On declared shifts people work whole shifts: per skill and week, the
 * people-shifts the shifts lying wholly in the week need at least
 * (shift_need), against the most the staff with the skill can work: their
 * hours that week (most_in_week) over the shortest such shift.  Fills
 * P->shiftshort; returns whether any declared shift was counted. */
static int shift_capacity(planner *P, int64_t day_cap, int *sneed, int *smost)
{
    ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    int nw = P->nweeks, counted = 0;
    int64_t *minlen = pm_xmalloc(sizeof *minlen * (size_t)(m->nskills + 1));
    for (int k = 0; k < m->nskills; k++) minlen[k] = INT64_MAX;
    for (int q = 0; q < m->nposts; q++) {
        int pat = P->post_pattern[q];
        if (pat < 0 || m->patterns[pat].derived) continue;
        for (int k = 0; k < m->nskills; k++) {
            if (!(m->posts[q].skills >> k & 1)) continue;
            for (int t = 0; t < m->patterns[pat].n; t++)
                if ((int64_t)m->patterns[pat].sh[t].len_min * 60 < minlen[k])
                    minlen[k] = (int64_t)m->patterns[pat].sh[t].len_min * 60;
        }
    }
    pm_day monday0 = po->first_day - pm_day_weekday(po->first_day);
    pm_time S0 = ro_at(m, po->first_day, 0), S1 = ro_at(m, po->first_day + po->ndays, 0);
    for (int pat = 0; pat < m->npatterns; pat++) {
        if (m->patterns[pat].derived) continue;
        int used = 0;
        for (int q = 0; q < m->nposts; q++) used |= P->post_pattern[q] == pat;
        if (!used) continue;
        for (int t = 0; t < m->patterns[pat].n; t++) {
            const ro_shift *sh = &m->patterns[pat].sh[t];
            for (int j = 0; j <= po->ndays; j++) {
                pm_day d = po->first_day + j - 1 + sh->off;
                pm_time ws = ro_at(m, d, sh->from_min), we = ro_at(m, d, sh->from_min + sh->len_min);
                if (ws < S0 || we > S1 || we <= ws) continue;
                pm_day d0 = pm_tz_day(m->tz, ws), d1 = pm_tz_day(m->tz, we - 1);
                int w = (int)((d0 - monday0) / 7);
                if ((d1 - monday0) / 7 != w || w < 0 || w >= nw) continue;
                int i0 = ro_slot_at(P, ws), i1 = ro_slot_at(P, we);
                for (int k = 0; k < m->nskills; k++) {
                    int n = shift_need(P, pat, k, i0, i1);
                    sneed[ro_ix(k, nw, w)] += n;
                    counted |= n > 0;
                }
            }
        }
    }
    for (int s = 0; s < m->nstaff; s++)
        for (int w = 0; w < nw; w++) {
            int64_t h = most_in_week(P, s, w, day_cap);
            for (int k = 0; k < m->nskills; k++)
                if ((m->staff[s].skills >> k & 1) && minlen[k] < INT64_MAX)
                    smost[ro_ix(k, nw, w)] += (int)(h / minlen[k]);
        }
    for (size_t x = 0; x < (size_t)(m->nskills ? m->nskills : 1) * (size_t)nw; x++)
        P->shiftshort[x] = sneed[x] > smost[x] ? sneed[x] - smost[x] : 0;
    free(minlen);
    return counted;
}

/* The capacity check: per skill and week, the hours the posts need against
 * the most the qualified staff can give; per slot and post, more seats than
 * people qualified and available that day.  Either proves a gap no rota
 * can close.  Prints the table when something is short or when asked. */
static void capacity(planner *P)
{
    ro_model *m = P->m;
    const ro_plan_opts *po = P->po;
    int nw = P->nweeks, nk = m->nskills ? m->nskills : 1;
    P->shortfall = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *P->shortfall);
    P->simshort = pm_xcalloc((size_t)P->nsl * (size_t)(m->nposts ? m->nposts : 1), 1);
    int64_t *need = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *need);
    int64_t *most = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *most);
    int64_t *simw = pm_xcalloc((size_t)nw, sizeof *simw);
    int64_t ms = m->rules.max_shift, mr = m->rules.min_rest, day_cap = 0;
    for (int n = 1; n <= 48; n++) {
        int64_t c = n * ms, room = 86400 - (int64_t)(n - 1) * mr;
        if (room <= 0) break;
        if (c > room) c = room;
        if (c > day_cap) day_cap = c;
    }
    int *nq = pm_xcalloc((size_t)m->nposts * (size_t)po->ndays + 1, sizeof *nq);
    for (int q = 0; q < m->nposts; q++)
        for (int s = 0; s < m->nstaff; s++) {
            if (m->posts[q].skills & ~m->staff[s].skills) continue;
            for (int di = 0; di < po->ndays; di++) nq[ro_ix(q, po->ndays, di)] += !P->unavail[ro_ix(s, po->ndays, di)];
        }
    for (int i = 0; i < P->nsl; i++)
        for (int q = 0; q < m->nposts; q++) {
            int n = P->need[ro_ix(i, m->nposts, q)];
            if (!n) continue;
            int64_t len = P->sl[i].e - P->sl[i].s;
            for (int k = 0; k < m->nskills; k++)
                if (m->posts[q].skills & ((uint64_t)1 << k)) need[ro_ix(k, nw, P->sl[i].wi)] += n * len;
            int have = nq[ro_ix(q, po->ndays, P->sl[i].di)];
            if (n > have) {
                P->simshort[ro_ix(i, m->nposts, q)] = 1;
                simw[P->sl[i].wi] += (n - have) * len;
            }
        }
    for (int s = 0; s < m->nstaff; s++)
        for (int w = 0; w < nw; w++) {
            int64_t h = most_in_week(P, s, w, day_cap);
            for (int k = 0; k < m->nskills; k++)
                if (m->staff[s].skills & ((uint64_t)1 << k)) most[ro_ix(k, nw, w)] += h;
        }
    P->shiftshort = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *P->shiftshort);
    int *sneed = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *sneed);
    int *smost = pm_xcalloc((size_t)nk * (size_t)nw, sizeof *smost);
    int shifts = m->npatterns && shift_capacity(P, day_cap, sneed, smost);
    int any = 0;
    P->proven = 0;
    for (int w = 0; w < nw; w++) {
        int64_t worst = simw[w];
        for (int k = 0; k < m->nskills; k++) {
            /* each person-shift missing leaves a seat empty for a slot at least */
            int64_t sh = (int64_t)P->shiftshort[ro_ix(k, nw, w)] * P->U * 60;
            if (sh) any = 1;
            if (sh > worst) worst = sh;
        }
        for (int k = 0; k < m->nskills; k++) {
            size_t x = ro_ix(k, nw, w);
            if (need[x] > most[x]) {
                P->shortfall[x] = need[x] - most[x];
                any = 1;
                if (P->shortfall[x] > worst) worst = P->shortfall[x];
            }
        }
        if (simw[w]) any = 1;
        P->proven += worst;
    }
    if (any || po->capacity || po->stats) {
        pm_day monday0 = po->first_day - pm_day_weekday(po->first_day);
        pm_warn("capacity: hours the posts need against the most the qualified staff can give");
        pm_warn("  %-12s %-10s %9s %9s %9s", "skill", "week of", "needed", "at most", "short");
        for (int k = 0; k < m->nskills; k++)
            for (int w = 0; w < nw; w++) {
                size_t x = ro_ix(k, nw, w);
                if (!need[x]) continue;
                char ds[16], a[32], b[32], c[32];
                pm_day_format(monday0 + 7 * w, ds);
                ro_fmt_dur(need[x], a);
                ro_fmt_dur(most[x], b);
                if (P->shortfall[x])
                    ro_fmt_dur(P->shortfall[x], c);
                else
                    snprintf(c, sizeof c, "-");
                pm_warn("  %-12s %-10s %9s %9s %9s", m->skill_names[k], ds, a, b, c);
            }
        for (int w = 0; w < nw; w++) {
            if (!simw[w]) continue;
            char ds[16], a[32];
            pm_day_format(monday0 + 7 * w, ds);
            ro_fmt_dur(simw[w], a);
            pm_warn("  week of %s: %s of seats need more people at once than are qualified "
                    "and available",
                    ds, a);
        }
        if (shifts) {
            pm_warn("capacity on the declared shifts: people the shifts need against the most "
                    "shifts the qualified staff can work");
            pm_warn("  %-12s %-10s %9s %9s %9s", "skill", "week of", "needed", "at most", "short");
            for (int k = 0; k < m->nskills; k++)
                for (int w = 0; w < nw; w++) {
                    size_t x = ro_ix(k, nw, w);
                    if (!sneed[x]) continue;
                    char ds[16], c[32];
                    pm_day_format(monday0 + 7 * w, ds);
                    if (P->shiftshort[x])
                        snprintf(c, sizeof c, "%d", P->shiftshort[x]);
                    else
                        snprintf(c, sizeof c, "-");
                    pm_warn("  %-12s %-10s %9d %9d %9s", m->skill_names[k], ds, sneed[x], smost[x], c);
                }
        }
    }
    free(sneed);
    free(smost);
    free(nq);
    free(simw);
    free(need);
    free(most);
}

/* Whether the capacity check proves the gap [s, e) at post q; names why. */
static int gap_proven(const planner *P, int q, pm_time s, pm_time e, pm_buf *why)
{
    const ro_model *m = P->m;
    pm_day monday0 = P->po->first_day - pm_day_weekday(P->po->first_day);
    for (int i = ro_slot_at(P, s); i < P->nsl && P->sl[i].s < e; i++) {
        if (P->simshort[ro_ix(i, m->nposts, q)]) {
            pm_buf_adds(why, "more seats at once than people qualified and available");
            return 1;
        }
        for (int k = 0; k < m->nskills; k++) {
            if (!(m->posts[q].skills & ((uint64_t)1 << k))) continue;
            int ss = P->shiftshort[ro_ix(k, P->nweeks, P->sl[i].wi)];
            if (ss && P->post_pattern[q] >= 0 && !m->patterns[P->post_pattern[q]].derived) {
                char ds[16];
                pm_day_format(monday0 + 7 * P->sl[i].wi, ds);
                pm_buf_addf(why, "%s is short %d shift%s in the week of %s", m->skill_names[k], ss, ss == 1 ? "" : "s",
                            ds);
                return 1;
            }
            int64_t sh = P->shortfall[ro_ix(k, P->nweeks, P->sl[i].wi)];
            if (!sh) continue;
            char ds[16], a[32];
            pm_day_format(monday0 + 7 * P->sl[i].wi, ds);
            ro_fmt_dur(sh, a);
            pm_buf_addf(why, "%s is short %s in the week of %s", m->skill_names[k], a, ds);
            return 1;
        }
    }
    return 0;
}

/* Shift mode (when the posts file declares shifts): the pattern of each
 * post; a post with none of its own takes the rules' pattern, or else its
 * hours cut into shifts of max_shift from their start. */
static void assign_patterns(planner *P)
{
    ro_model *m = P->m;
    P->post_pattern = pm_xmalloc(sizeof *P->post_pattern * (size_t)(m->nposts + 1));
    for (int q = 0; q < m->nposts; q++) P->post_pattern[q] = -1;
    if (!m->npatterns) return;
    for (int q = 0; q < m->nposts; q++) {
        const ro_post *p = &m->posts[q];
        if (p->pattern >= 0) {
            P->post_pattern[q] = p->pattern;
            continue;
        }
        if (m->rules.pattern >= 0) {
            P->post_pattern[q] = m->rules.pattern;
            continue;
        }
        int len = p->to_min > p->from_min ? p->to_min - p->from_min : p->to_min + 1440 - p->from_min;
        int ms = (int)(m->rules.max_shift / 60);
        if (ms < 1) ms = 1;
        int n = (len + ms - 1) / ms;
        ro_shift *sh = pm_xcalloc((size_t)n, sizeof *sh);
        for (int k = 0; k < n; k++) {
            int a = p->from_min + k * ms;
            sh[k].from_min = a % 1440;
            sh[k].off = a / 1440;
            sh[k].len_min = (k + 1) * ms <= len ? ms : len - k * ms;
        }
        P->post_pattern[q] = ro_pattern_add(m, sh, n, 1);
    }
}

/* The repair search of the slot planner: large-neighbourhood search over
 * windows of days.  Each step picks an uncovered seat, takes a window of
 * one to eight days around it (the days before it more likely: a gap on a
 * Sunday is mostly made on the days before), and constructs that window
 * again with other tie-breaks while the rota before it is replayed and the
 * rota after it kept (its hours and days count, and nobody is seated
 * closer than min_rest before their next kept seat).  A late-acceptance
 * rule takes the new rota when it leaves no more uncovered time than the
 * current one, or than the one some steps back, so the search walks across
 * plateaus.  The number of steps is bounded by a fixed amount of work (the
 * result depends on the seed alone) and by --max-seconds.  best and
 * *best_unc hold the best rota. */
static void repair_windows(planner *P, int *best, int64_t *best_unc, double t_start)
{
    const ro_plan_opts *po = P->po;
    size_t na = (size_t)P->nsl * (size_t)P->nseats;
    int *cur = pm_xmalloc(sizeof *cur * (na + 1));
    memcpy(cur, best, sizeof *cur * na);
    int64_t cur_unc = *best_unc;
    int *day_first = pm_xmalloc(sizeof *day_first * (size_t)(po->ndays + 1));
    for (int d = 0, i = 0; d <= po->ndays; d++) {
        while (i < P->nsl && P->sl[i].di < d) i++;
        day_first[d] = i;
    }
    enum { L = 50 };
    int64_t hist[L];
    for (int k = 0; k < L; k++) hist[k] = cur_unc;
    uint64_t rng = ro_mix(po->seed * 0x2545F4914F6CDD1DULL + 99) | 1;
    double per_staff = (double)P->nseats * (double)(P->m->nstaff + 1);
    double work = 0, budget = 2e8;
    int ngap_list = 0;
    int *gap_list = pm_xmalloc(sizeof *gap_list * (na + 1));
    long since_best = 0, steps = 0;
    int64_t start_unc = *best_unc;
    for (long it = 0; *best_unc > P->proven && work < budget && since_best < 1000; it++, since_best++) {
        if (po->max_seconds > 0 && (it & 7) == 0 && now_seconds() - t_start > po->max_seconds) {
            P->stopped = 1;
            break;
        }
        ngap_list = 0;
        for (int i = 0; i < P->nsl; i++)
            for (int c = 0; c < P->nseats; c++)
                if (cur[ro_ix(i, P->nseats, c)] < 0) {
                    int q = 0;
                    while (P->seat0[q + 1] <= c) q++;
                    if (c - P->seat0[q] < P->need[ro_ix(i, P->m->nposts, q)]) {
                        gap_list[ngap_list++] = i;
                        break;
                    }
                }
        if (!ngap_list) break;
        rng = ro_mix(rng);
        int g = P->sl[gap_list[rng % (uint64_t)ngap_list]].di;
        int back = (int)((rng >> 20) % 7), ahead = 1 + (int)((rng >> 40) % 2);
        int a = g - back < 0 ? 0 : g - back, b = g + ahead > po->ndays ? po->ndays : g + ahead;
        int from = day_first[a], to = day_first[b];
        construct_window(P, ro_mix(rng ^ 0x5bd1e995ULL), (int)(rng >> 50), from, to, cur);
        steps++;
        work += (double)P->nsl * P->nseats + (double)(to - from) * per_staff;
        int64_t u = P->uncovered;
        if (u <= cur_unc || u <= hist[it % L]) {
            cur_unc = u;
            memcpy(cur, P->asg, sizeof *cur * na);
            if (u < *best_unc) {
                *best_unc = u;
                since_best = 0;
                memcpy(best, P->asg, sizeof *best * na);
            }
        }
        hist[it % L] = cur_unc;
    }
    if (po->stats) {
        char a[32], b[32];
        ro_fmt_dur(start_unc, a);
        ro_fmt_dur(*best_unc, b);
        pm_warn("repair search: the constructions left %s uncovered; %ld windows rebuilt, %s left", a, steps, b);
    }
    free(gap_list);
    free(day_first);
    free(cur);
}

int ro_plan(ro_model *m, const ro_plan_opts *po, ro_violations *gaps)
{
    planner P;
    memset(&P, 0, sizeof P);
    double t_start = now_seconds(); /* --max-seconds counts from here */
    P.m = m;
    P.po = po;
    m->nas = po->nprev;
    P.declared = m->npatterns > 0;
    assign_patterns(&P);
    build_slots(&P);
    P.cut = P.explain_until = P.nsl;
    build_need(&P);
    seed_previous(&P);
    capacity(&P);
    int ns = m->nstaff ? m->nstaff : 1;
    P.ps = pm_xcalloc((size_t)ns, sizeof *P.ps);
    P.week = pm_xcalloc((size_t)ns * (size_t)P.nweeks, sizeof *P.week);
    P.wdays = pm_xcalloc((size_t)ns * (size_t)P.nweeks, 1);
    P.worked = pm_xcalloc((size_t)ns * (size_t)po->ndays, 1);
    P.asg = pm_xmalloc(sizeof *P.asg * ((size_t)P.nsl * (size_t)P.nseats + 1));
    P.next_fixed = pm_xmalloc(sizeof *P.next_fixed * (size_t)ns);

    P.deadline = po->max_seconds > 0 ? t_start + po->max_seconds : 0;
    if (P.declared) {
        ro_search(&P);
        if (P.stopped)
            pm_warn("the search stopped at --max-seconds=%g: the best rota found so far is written "
                    "(another run may find another)",
                    po->max_seconds);
    } else {
        /* Number of constructions: at least 48 (as work allows); more, up to
         * 2000 or a fixed amount of work, while gaps remain. */
        double work = (double)P.nsl * (double)P.nseats * (double)(m->nstaff + 1);
        double budget = 3e8 / (work + 1);
        int max_tries = budget > 2000 ? 2000 : budget < 2 ? 2 : (int)budget;
        int min_tries = max_tries < 48 ? max_tries : 48;
        int best_cut = P.nsl, first_gap = P.nsl;
        int64_t best_unc = INT64_MAX, best_unf = INT64_MAX;
        int *best_asg = pm_xmalloc(sizeof *best_asg * ((size_t)P.nsl * (size_t)P.nseats + 1));
        for (int t = 0; t < max_tries && (t < min_tries || best_unc > 0); t++) {
            if (t > 0 && po->max_seconds > 0 && now_seconds() - t_start > po->max_seconds) {
                P.stopped = 1;
                break;
            }
            construct(&P, ro_mix(po->seed * UINT64_C(1000003) + (uint64_t)t), t, 0, NULL);
            int64_t unf = unfairness(&P);
            if (P.uncovered < best_unc || (P.uncovered == best_unc && unf < best_unf)) {
                best_unc = P.uncovered;
                best_unf = unf;
                best_cut = P.cut;
                first_gap = P.ngap ? P.first_gap : P.nsl;
                memcpy(best_asg, P.asg, sizeof *best_asg * (size_t)P.nsl * (size_t)P.nseats);
            }
        }
        /* Repair: while gaps remain, keep the rota up to a few days before the
         * first gap and construct the rest again with other tie-breaks; keep
         * the result when it leaves less uncovered time (or as much, with the
         * first gap later). */
        int per_day = 1440 / P.U;
        for (int t = 0; t < max_tries && best_unc > 0; t++) {
            if (po->max_seconds > 0 && now_seconds() - t_start > po->max_seconds) {
                P.stopped = 1;
                break;
            }
            uint64_t h = ro_mix(po->seed * UINT64_C(7919) + (uint64_t)t + UINT64_C(0x5eed));
            int back = (int)(h % 8); /* days */
            int from = first_gap - first_gap % per_day - back * per_day;
            if (from < 0) from = 0;
            construct(&P, ro_mix(h), t, from, best_asg);
            int fg = P.ngap ? P.first_gap : P.nsl;
            if (P.uncovered < best_unc || (P.uncovered == best_unc && fg > first_gap)) {
                best_unc = P.uncovered;
                first_gap = fg;
                memcpy(best_asg, P.asg, sizeof *best_asg * (size_t)P.nsl * (size_t)P.nseats);
            }
        }
        if (best_unc > 0 && !P.stopped) repair_windows(&P, best_asg, &best_unc, t_start);
        /* replay the winner, this time noting why gaps stayed open */
        P.explain = 1;
        P.explain_until = best_cut;
        construct(&P, 0, 0, P.nsl, best_asg);
        free(best_asg);
        if (P.stopped)
            pm_warn("the planner stopped at --max-seconds=%g: the best rota found so far is written "
                    "(another run may find another)",
                    po->max_seconds);
    }
    emit(&P);

    /* What the roster worked before breaks in the span by itself (a week
     * already over its hours) is not the plan's doing. */
    ro_violations vs = {0, 0, 0}, before = {0, 0, 0};
    int save_logs = m->have_logs, save_roster = m->have_roster, nall = m->nas;
    m->have_logs = 0;
    if (po->nprev) {
        m->nas = po->nprev;
        m->have_roster = 0;
        ro_check(m, po->first_day, po->ndays, 0, &before);
        m->nas = nall;
        m->have_roster = save_roster;
    }
    ro_check(m, po->first_day, po->ndays, 0, &vs);
    m->have_logs = save_logs;
    int status = 0;
    for (int i = 0; i < vs.n; i++) {
        ro_violation *v = &vs.v[i];
        if (v->rule != RULE_COVERAGE) {
            int old = 0;
            for (int j = 0; j < before.n && !old; j++) {
                const ro_violation *b = &before.v[j];
                old = b->rule == v->rule && b->s == v->s && b->e == v->e && !strcmp(b->staff, v->staff) &&
                      !strcmp(b->post, v->post) && !strcmp(b->detail, v->detail);
            }
            if (!old) {
                pm_warn("internal error: the plan breaks %s: %s", ro_rule_names[v->rule], v->detail);
                status = 2;
                continue;
            }
            pm_warn("the previous roster breaks %s: %s", ro_rule_names[v->rule], v->detail);
            ro_violation_add(gaps, v->rule, v->staff, v->post, v->s, v->e, "%s", v->detail);
            if (!status) status = 1;
            continue;
        }
        int q = ro_post_find(m, v->post);
        explain_gap(&P, v, q);
        ro_violation_add(gaps, v->rule, v->staff, v->post, v->s, v->e, "%s", v->detail);
        if (!status) status = 1;
    }
    ro_violations_free(&vs);
    ro_violations_free(&before);
    ro_violations_sort(gaps);
    int ngaps = 0, nproven = 0;
    int64_t unc = 0;
    pm_buf why = PM_BUF_INIT;
    for (int i = 0; i < gaps->n; i++) {
        if (gaps->v[i].rule != RULE_COVERAGE) continue;
        ngaps++;
        char a[PM_TIME_BUFSZ], b[PM_TIME_BUFSZ];
        pm_time_format(gaps->v[i].s, m->tz, a);
        pm_time_format(gaps->v[i].e, m->tz, b);
        int q = ro_post_find(m, gaps->v[i].post);
        pm_buf_reset(&why);
        int proven = q >= 0 && gap_proven(&P, q, gaps->v[i].s, gaps->v[i].e, &why);
        nproven += proven;
        pm_warn("gap: %s %s to %s: %s [%s%s]", gaps->v[i].post, a, b, gaps->v[i].detail,
                proven ? "proven: " : "not proven: the search found no cover", pm_buf_str(&why));
    }
    pm_buf_free(&why);
    /* uncovered seat time of the rota written */
    for (int i = 0; i < P.nsl; i++)
        for (int q = 0; q < m->nposts; q++) {
            int n = P.need[ro_ix(i, m->nposts, q)];
            for (int k = 0; k < n; k++)
                if (P.asg[ro_ix(i, P.nseats, P.seat0[q] + k)] < 0) unc += P.sl[i].e - P.sl[i].s;
        }
    if (ngaps) {
        char a[32], b[32];
        ro_fmt_dur(unc, a);
        ro_fmt_dur(P.proven < unc ? P.proven : unc, b);
        if (nproven == ngaps)
            pm_warn("uncovered: %s of post time; every gap is proven by the capacity check "
                    "(at least %s cannot be covered by any rota)",
                    a, b);
        else if (nproven)
            pm_warn("uncovered: %s of post time; %d of %d gaps proven by the capacity check "
                    "(at least %s cannot be covered by any rota), the others not: another --seed or "
                    "more --max-seconds may cover them",
                    a, nproven, ngaps, b);
        else
            pm_warn("uncovered: %s of post time; no gap is proven by the capacity check: the "
                    "search found no cover (another --seed or more --max-seconds may)",
                    a);
    }
    char d0[16], d1[16];
    pm_day_format(po->first_day, d0);
    pm_day_format(po->first_day + po->ndays - 1, d1);
    pm_warn("planned %s..%s: %d staff, %d assignments, %s", d0, d1, m->nstaff, m->nas - po->nprev,
            ngaps ? "coverage gaps (see above)" : "every post covered");
    print_spread(&P);

    for (int g = 0; g < P.ngaps; g++) free(P.gaps[g].why);
    free(P.gaps);
    free(P.asg);
    free(P.next_fixed);
    free(P.worked);
    free(P.wdays);
    free(P.week);
    free(P.ps);
    free(P.ps0);
    free(P.week0);
    free(P.wdays0);
    free(P.unavail);
    free(P.pressure);
    free(P.order);
    free(P.seat0);
    free(P.need);
    free(P.post_pattern);
    free(P.shortfall);
    free(P.shiftshort);
    free(P.simshort);
    free(P.sl);
    return status;
}
