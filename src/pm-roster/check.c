/* check.c - the rules of docs/CONTRACT.md section 8, each by its name.
 *
 * ro_check appends one violation per broken rule: per uncovered stretch of
 * a post (contiguous uncovered time merged), per assignment for skill and
 * unavailable, per overlap, per over-long stretch or shift, per person and
 * week for week_hours and rest_day, per duty window short of patrols.
 *
 * Coverage, skill and unavailable are judged inside the checked span, on
 * the assignments that touch it.  Overlap, max_continuous, max_shift and
 * week_hours are judged on every assignment given, so that work before the
 * span counts (a shift that began the evening before, the Monday of a week
 * that started before the first day); a violation is reported when any part
 * of the offending overlap, stretch, shift or week lies inside the span.
 * rest_day is checked for the weeks lying wholly inside the span.
 * The planner runs the same code on its own rota, with the roster worked
 * before it (plan --previous) as the work before the span.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include "roster.h"

const char *const ro_rule_names[RULE_COUNT] = {"coverage",  "skill",      "unavailable", "overlap", "max_continuous",
                                               "max_shift", "week_hours", "rest_day",    "duty"};

pm_time ro_at(const ro_model *m, pm_day d, int min)
{
    d += min / 1440;
    min %= 1440;
    return pm_tz_from_local(m->tz, d, min * 60);
}

void ro_fmt_dur(int64_t secs, char out[32])
{
    int64_t h = secs / 3600, mi = (secs % 3600) / 60, s = secs % 60;
    if (s)
        snprintf(out, 32, "%lldh%02lldm%02llds", (long long)h, (long long)mi, (long long)s);
    else if (h && mi)
        snprintf(out, 32, "%lldh%02lldm", (long long)h, (long long)mi);
    else if (mi)
        snprintf(out, 32, "%lldm", (long long)mi);
    else
        snprintf(out, 32, "%lldh", (long long)h);
}

void ro_violation_add(ro_violations *vs, int rule, const char *staff, const char *post, pm_time s, pm_time e,
                      const char *fmt, ...)
{
    PM_GROW(vs->v, vs->n + 1, vs->cap);
    ro_violation *v = &vs->v[vs->n++];
    v->rule = rule;
    v->staff = pm_xstrdup(staff ? staff : "");
    v->post = pm_xstrdup(post ? post : "");
    v->s = s;
    v->e = e;
    pm_buf b = PM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pm_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    v->detail = pm_xstrdup(pm_buf_str(&b));
    pm_buf_free(&b);
}

static int cmp_violation(const void *a, const void *b)
{
    const ro_violation *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    if (x->rule != y->rule) return x->rule - y->rule;
    int c = strcmp(x->post, y->post);
    if (c) return c;
    c = strcmp(x->staff, y->staff);
    if (c) return c;
    if (x->e != y->e) return x->e < y->e ? -1 : 1;
    return strcmp(x->detail, y->detail);
}

void ro_violations_sort(ro_violations *vs)
{
    if (vs->n > 1) qsort(vs->v, (size_t)vs->n, sizeof *vs->v, cmp_violation);
}

void ro_violations_free(ro_violations *vs)
{
    for (int i = 0; i < vs->n; i++) {
        free(vs->v[i].staff);
        free(vs->v[i].post);
        free(vs->v[i].detail);
    }
    free(vs->v);
    memset(vs, 0, sizeof *vs);
}

int ro_violations_write(const ro_violations *vs, const ro_model *m, pm_writer *w, pm_error *err)
{
    pm_record rec;
    pm_record_init(&rec);
    int rc = 0;
    for (int i = 0; i < vs->n && rc == 0; i++) {
        const ro_violation *v = &vs->v[i];
        char sb[PM_TIME_BUFSZ], eb[PM_TIME_BUFSZ];
        pm_time_format(v->s, m->tz, sb);
        pm_time_format(v->e, m->tz, eb);
        pm_record_clear(&rec);
        pm_record_set(&rec, "rule", ro_rule_names[v->rule]);
        pm_record_set(&rec, "staff", v->staff);
        pm_record_set(&rec, "post", v->post);
        pm_record_set(&rec, "start", sb);
        pm_record_set(&rec, "end", eb);
        pm_record_set(&rec, "detail", v->detail);
        rc = pm_writer_write(w, &rec, err);
    }
    pm_record_free(&rec);
    return rc;
}

/* "2024-10-03 08:00" in the model's zone. */
static void fmt_local(const ro_model *m, pm_time t, char out[32])
{
    char b[PM_TIME_BUFSZ];
    pm_time_format(t, m->tz, b);
    snprintf(out, 32, "%.10s %.5s", b, b + 11);
}

static void fmt_day(pm_day d, char out[16])
{
    pm_day_format(d, out);
}

/* Sorting assignment indexes by fields of the assignments, the most
 * significant first: every order compares all four. */
enum { BY_STAFF, BY_POST, BY_START, BY_END };

typedef struct order {
    const ro_assign *as;
    const int *by; /* BY_*, four */
} order;

static int cmp_field(const ro_assign *x, const ro_assign *y, int by)
{
    switch (by) {
    case BY_STAFF: return (x->staff > y->staff) - (x->staff < y->staff);
    case BY_POST: return (x->post > y->post) - (x->post < y->post);
    case BY_START: return (x->s > y->s) - (x->s < y->s);
    default: return (x->e > y->e) - (x->e < y->e);
    }
}

/* qsort_r: ctx is an order. */
static int cmp_order(const void *a, const void *b, void *ctx)
{
    const order *o = ctx;
    const ro_assign *x = &o->as[*(const int *)a], *y = &o->as[*(const int *)b];
    for (int k = 0; k < 4; k++) {
        int c = cmp_field(x, y, o->by[k]);
        if (c) return c;
    }
    return 0;
}

/* A copy of the assignment indexes idx[0..n), sorted by the fields by[0..4);
 * the caller frees it. */
static int *sorted_copy(const ro_model *m, const int *idx, int n, const int by[4])
{
    int *ord = pm_xmalloc(sizeof *ord * (size_t)(n + 1));
    memcpy(ord, idx, sizeof *ord * (size_t)n);
    order o = {m->as, by};
    qsort_r(ord, (size_t)n, sizeof *ord, cmp_order, &o);
    return ord;
}

typedef struct ev {
    pm_time t;
    int d;
} ev;

static int cmp_ev(const void *a, const void *b)
{
    const ev *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->d - y->d;
}

static int post_on_day(const ro_post *p, pm_day d)
{
    if (!p->ndates) return 1;
    for (int i = 0; i < p->ndates; i++)
        if (d >= p->dates[i].from && d <= p->dates[i].to) return 1;
    return 0;
}

/* The post's window that starts on day d: [*ws, *we). */
static void post_window(const ro_model *m, const ro_post *p, pm_day d, pm_time *ws, pm_time *we)
{
    *ws = ro_at(m, d, p->from_min);
    if (p->to_min > p->from_min)
        *we = ro_at(m, d, p->to_min);
    else
        *we = ro_at(m, d + 1, p->to_min);
}

typedef struct gap {
    int open;
    pm_time s, e;
    int lo, hi;
} gap;

static void gap_flush(const ro_model *m, const ro_post *p, gap *g, ro_violations *out)
{
    if (!g->open) return;
    if (g->lo == g->hi)
        ro_violation_add(out, RULE_COVERAGE, "", p->id, g->s, g->e, "%d of %d people assigned", g->lo, p->headcount);
    else
        ro_violation_add(out, RULE_COVERAGE, "", p->id, g->s, g->e, "%d to %d of %d people assigned", g->lo, g->hi,
                         p->headcount);
    g->open = 0;
    (void)m;
}

static void gap_seg(const ro_model *m, const ro_post *p, gap *g, pm_time s, pm_time e, int count, ro_violations *out)
{
    if (count >= p->headcount) {
        gap_flush(m, p, g, out);
        return;
    }
    if (g->open && g->e == s) {
        g->e = e;
        if (count < g->lo) g->lo = count;
        if (count > g->hi) g->hi = count;
        return;
    }
    gap_flush(m, p, g, out);
    g->open = 1;
    g->s = s;
    g->e = e;
    g->lo = g->hi = count;
}

static void check_coverage(const ro_model *m, const int *idx, int n, pm_day first, int ndays, ro_violations *out)
{
    pm_time span_s = ro_at(m, first, 0), span_e = ro_at(m, first + ndays, 0);
    int *ord = sorted_copy(m, idx, n, (const int[]){BY_POST, BY_STAFF, BY_START, BY_END});
    ev *evs = pm_xmalloc(sizeof *evs * (size_t)(2 * n + 2));
    int k = 0;
    for (int p = 0; p < m->nposts; p++) {
        const ro_post *po = &m->posts[p];
        /* Each person's time at this post, merged, counts once. */
        int nev = 0;
        while (k < n && m->as[ord[k]].post < p) k++;
        while (k < n && m->as[ord[k]].post == p) {
            int st = m->as[ord[k]].staff;
            pm_time s = m->as[ord[k]].s, e = m->as[ord[k]].e;
            k++;
            while (k < n && m->as[ord[k]].post == p && m->as[ord[k]].staff == st && m->as[ord[k]].s <= e) {
                if (m->as[ord[k]].e > e) e = m->as[ord[k]].e;
                k++;
            }
            evs[nev].t = s;
            evs[nev++].d = 1;
            evs[nev].t = e;
            evs[nev++].d = -1;
        }
        qsort(evs, (size_t)nev, sizeof *evs, cmp_ev);
        gap g = {0, 0, 0, 0, 0};
        int ei = 0, count = 0;
        for (pm_day d = first - 1; d < first + ndays; d++) {
            if (!post_on_day(po, d)) continue;
            pm_time ws, we;
            post_window(m, po, d, &ws, &we);
            if (ws < span_s) ws = span_s;
            if (we > span_e) we = span_e;
            if (we <= ws) continue;
            while (ei < nev && evs[ei].t <= ws) count += evs[ei++].d;
            pm_time t = ws;
            while (t < we) {
                pm_time next = (ei < nev && evs[ei].t < we) ? evs[ei].t : we;
                if (next > t) gap_seg(m, po, &g, t, next, count, out);
                t = next;
                while (ei < nev && evs[ei].t == t && t < we) count += evs[ei++].d;
            }
        }
        gap_flush(m, po, &g, out);
    }
    free(evs);
    free(ord);
}

static void check_assignments(const ro_model *m, const int *idx, int n, pm_day first, int ndays, ro_violations *out)
{
    if (!m->have_staff_file) return;
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < n; i++) {
        const ro_assign *a = &m->as[idx[i]];
        const ro_staff *st = &m->staff[a->staff];
        const ro_post *po = &m->posts[a->post];
        uint64_t missing = po->skills & ~st->skills;
        if (missing) {
            pm_buf_reset(&b);
            ro_skills_format(m, missing, &b);
            ro_violation_add(out, RULE_SKILL, st->id, po->id, a->s, a->e, "%s lacks skill %s", st->id, pm_buf_str(&b));
        }
        if (st->nunavail) {
            pm_day d0 = pm_tz_day(m->tz, a->s), d1 = pm_tz_day(m->tz, a->e - 1);
            if (d0 < first) d0 = first; /* the days of the span only */
            if (d1 > first + ndays - 1) d1 = first + ndays - 1;
            pm_buf_reset(&b);
            for (pm_day d = d0; d <= d1; d++) {
                if (!ro_unavailable(st, d)) continue;
                char ds[16];
                fmt_day(d, ds);
                if (b.len) pm_buf_adds(&b, ", ");
                pm_buf_adds(&b, ds);
            }
            if (b.len)
                ro_violation_add(out, RULE_UNAVAILABLE, st->id, po->id, a->s, a->e, "%s is unavailable on %s", st->id,
                                 pm_buf_str(&b));
        }
    }
    pm_buf_free(&b);
}

static void check_stretches(const ro_model *m, const int *idx, int n, pm_time span_s, pm_time span_e,
                            ro_violations *out)
{
    int *ord = sorted_copy(m, idx, n, (const int[]){BY_STAFF, BY_POST, BY_START, BY_END});
    for (int i = 0; i < n;) {
        const ro_assign *a = &m->as[ord[i]];
        pm_time s = a->s, e = a->e;
        int j = i + 1;
        while (j < n && m->as[ord[j]].staff == a->staff && m->as[ord[j]].post == a->post && m->as[ord[j]].s <= e) {
            if (m->as[ord[j]].e > e) e = m->as[ord[j]].e;
            j++;
        }
        const ro_post *po = &m->posts[a->post];
        if (po->max_continuous && e - s > po->max_continuous && e > span_s && s < span_e) {
            char d1[32], d2[32];
            ro_fmt_dur(e - s, d1);
            ro_fmt_dur(po->max_continuous, d2);
            ro_violation_add(out, RULE_MAX_CONTINUOUS, m->staff[a->staff].id, po->id, s, e,
                             "%s stood %s at %s without a break (limit %s)", m->staff[a->staff].id, d1, po->id, d2);
        }
        i = j;
    }
    free(ord);
}

static void add_post_name(pm_buf *b, const char *id)
{
    /* a short ';'-list without repeats */
    const char *p = pm_buf_str(b);
    size_t n = strlen(id);
    while (*p) {
        size_t k = strcspn(p, ";");
        if (k == n && !memcmp(p, id, n)) return;
        p += k;
        if (*p) p++;
    }
    if (b->len) pm_buf_addc(b, ';');
    pm_buf_adds(b, id);
}

static void check_person(const ro_model *m, const int *idx, int n, pm_day first, int ndays, ro_violations *out)
{
    pm_time span_s = ro_at(m, first, 0), span_e = ro_at(m, first + ndays, 0);
    int *ord = sorted_copy(m, idx, n, (const int[]){BY_STAFF, BY_START, BY_END, BY_POST});
    pm_day last = first + ndays - 1;
    /* Week range: every week any assignment touches. */
    pm_day wmin = first - pm_day_weekday(first), wmax = last - pm_day_weekday(last);
    for (int i = 0; i < n; i++) {
        pm_day d0 = pm_tz_day(m->tz, m->as[ord[i]].s);
        pm_day d1 = pm_tz_day(m->tz, m->as[ord[i]].e - 1);
        if (d0 - pm_day_weekday(d0) < wmin) wmin = d0 - pm_day_weekday(d0);
        if (d1 - pm_day_weekday(d1) > wmax) wmax = d1 - pm_day_weekday(d1);
    }
    int nweeks = (int)((wmax - wmin) / 7 + 1);
    int64_t *wsecs = pm_xcalloc((size_t)nweeks, sizeof *wsecs);
    int ndaysall = nweeks * 7;
    unsigned char *worked = pm_xcalloc((size_t)ndaysall, 1);
    pm_buf posts = PM_BUF_INIT;
    const ro_rules *r = &m->rules;

    for (int i = 0; i < n;) {
        int st = m->as[ord[i]].staff;
        int j = i;
        while (j < n && m->as[ord[j]].staff == st) j++;
        const char *sid = m->staff[st].id;
        /* overlap */
        pm_time maxe = 0;
        int maxa = -1;
        for (int k = i; k < j; k++) {
            const ro_assign *a = &m->as[ord[k]];
            pm_time oe = a->e < maxe ? a->e : maxe;
            if (maxa >= 0 && a->s < maxe && oe > span_s && a->s < span_e) {
                const ro_assign *b = &m->as[maxa];
                pm_buf_reset(&posts);
                add_post_name(&posts, m->posts[b->post].id);
                add_post_name(&posts, m->posts[a->post].id);
                if (a->post == b->post)
                    ro_violation_add(out, RULE_OVERLAP, sid, pm_buf_str(&posts), a->s, oe,
                                     "%s has two assignments at %s at once", sid, m->posts[a->post].id);
                else
                    ro_violation_add(out, RULE_OVERLAP, sid, pm_buf_str(&posts), a->s, oe, "%s is at %s and %s at once",
                                     sid, m->posts[b->post].id, m->posts[a->post].id);
            }
            if (maxa < 0 || a->e > maxe) {
                maxe = a->e;
                maxa = ord[k];
            }
        }
        /* max_shift: parts less than min_rest apart form one shift */
        for (int k = i; k < j;) {
            pm_time s = m->as[ord[k]].s, e = m->as[ord[k]].e;
            pm_buf_reset(&posts);
            add_post_name(&posts, m->posts[m->as[ord[k]].post].id);
            int l = k + 1;
            while (l < j && m->as[ord[l]].s - e < r->min_rest) {
                if (m->as[ord[l]].e > e) e = m->as[ord[l]].e;
                add_post_name(&posts, m->posts[m->as[ord[l]].post].id);
                l++;
            }
            if (e - s > r->max_shift && e > span_s && s < span_e) {
                char d1[32], d2[32], d3[32];
                ro_fmt_dur(e - s, d1);
                ro_fmt_dur(r->max_shift, d2);
                ro_fmt_dur(r->min_rest, d3);
                ro_violation_add(out, RULE_MAX_SHIFT, sid, pm_buf_str(&posts), s, e,
                                 "%s works a shift of %s (limit %s; parts less than %s apart are one shift)", sid, d1,
                                 d2, d3);
            }
            k = l;
        }
        /* week_hours and rest_day, on the union of the person's time */
        memset(wsecs, 0, sizeof *wsecs * (size_t)nweeks);
        memset(worked, 0, (size_t)ndaysall);
        for (int k = i; k < j;) {
            pm_time s = m->as[ord[k]].s, e = m->as[ord[k]].e;
            int l = k + 1;
            while (l < j && m->as[ord[l]].s <= e) {
                if (m->as[ord[l]].e > e) e = m->as[ord[l]].e;
                l++;
            }
            k = l;
            pm_day d0 = pm_tz_day(m->tz, s), d1 = pm_tz_day(m->tz, e - 1);
            for (pm_day d = d0; d <= d1; d++) {
                pm_time ds = ro_at(m, d, 0), de = ro_at(m, d + 1, 0);
                pm_time a = s > ds ? s : ds, b = e < de ? e : de;
                if (b <= a) continue;
                long di = (long)(d - wmin);
                worked[di] = 1;
                wsecs[di / 7] += b - a;
            }
        }
        int64_t limit = m->staff[st].max_week;
        for (int w = 0; w < nweeks; w++) {
            pm_day mon = wmin + 7 * w;
            if (mon + 6 < first || mon > last) continue;
            char ds[16];
            fmt_day(mon, ds);
            if (wsecs[w] > limit) {
                char d1[32], d2[32];
                ro_fmt_dur(wsecs[w], d1);
                ro_fmt_dur(limit, d2);
                ro_violation_add(out, RULE_WEEK_HOURS, sid, "", ro_at(m, mon, 0), ro_at(m, mon + 7, 0),
                                 "%s works %s in the week of %s (limit %s)", sid, d1, ds, d2);
            }
            if (mon >= first && mon + 6 <= last) {
                int rest = 0;
                for (int d = 0; d < 7; d++) rest += !worked[w * 7 + d];
                if (rest < r->rest_days)
                    ro_violation_add(out, RULE_REST_DAY, sid, "", ro_at(m, mon, 0), ro_at(m, mon + 7, 0),
                                     "%s has %d rest day%s in the week of %s (at least %d)", sid, rest,
                                     rest == 1 ? "" : "s", ds, r->rest_days);
            }
        }
        i = j;
    }
    pm_buf_free(&posts);
    free(worked);
    free(wsecs);
    free(ord);
}

/* Logs are sorted by duty, then start (ro_logs_dedup): the first log of
 * duty di starting at or after t. */
static int first_log(const ro_model *m, int di, pm_time t)
{
    int lo = 0, hi = m->nlogs;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        const ro_log *lg = &m->logs[mid];
        if (lg->duty < di || (lg->duty == di && lg->s < t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void check_duties(const ro_model *m, pm_day first, int ndays, ro_violations *out)
{
    for (int di = 0; di < m->nduties; di++) {
        const ro_duty *du = &m->duties[di];
        for (int wi = 0; wi < du->nw; wi++) {
            const ro_window *w = &du->w[wi];
            for (pm_day d = first; d < first + ndays; d++) {
                pm_time ws = ro_at(m, d, w->from_min);
                pm_time we = w->to_min > w->from_min ? ro_at(m, d, w->to_min) : ro_at(m, d + 1, w->to_min);
                int good = 0, short_ = 0;
                for (int l = first_log(m, di, ws); l < m->nlogs; l++) {
                    const ro_log *lg = &m->logs[l];
                    if (lg->duty != di || lg->s >= we) break;
                    if (lg->nstaff >= w->people)
                        good++;
                    else
                        short_++;
                }
                if (good >= w->times) continue;
                char ds[16];
                fmt_day(d, ds);
                pm_buf b = PM_BUF_INIT;
                pm_buf_addf(&b, "%s %s of %s: %d of %d patrols", du->id, w->name, ds, good, w->times);
                if (w->people > 1) pm_buf_addf(&b, " with %d people", w->people);
                if (short_) pm_buf_addf(&b, " (%d more with fewer people)", short_);
                ro_violation_add(out, RULE_DUTY, "", du->id, ws, we, "%s", pm_buf_str(&b));
                pm_buf_free(&b);
            }
        }
    }
}

typedef struct patrol {
    int staff, log;
} patrol;

/* qsort_r: ctx is the logs. */
static int cmp_patrol(const void *a, const void *b, void *ctx)
{
    const patrol *x = a, *y = b;
    if (x->staff != y->staff) return x->staff - y->staff;
    const ro_log *logs = ctx;
    const ro_log *p = &logs[x->log], *q = &logs[y->log];
    if (p->s != q->s) return p->s < q->s ? -1 : 1;
    if (p->e != q->e) return p->e < q->e ? -1 : 1;
    return x->log - y->log;
}

/* One person on two patrols at one moment: the intervals meet in more than
 * an end point, or two patrols without a length start together. */
static void check_patrol_overlap(const ro_model *m, pm_time span_s, pm_time span_e, ro_violations *out)
{
    int n = 0;
    for (int l = 0; l < m->nlogs; l++) n += m->logs[l].nstaff;
    if (n < 2) return;
    patrol *ps = pm_xmalloc(sizeof *ps * (size_t)n);
    n = 0;
    for (int l = 0; l < m->nlogs; l++)
        for (int k = 0; k < m->logs[l].nstaff; k++) {
            ps[n].staff = m->logs[l].staff[k];
            ps[n++].log = l;
        }
    qsort_r(ps, (size_t)n, sizeof *ps, cmp_patrol, m->logs);
    pm_buf posts = PM_BUF_INIT;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && ps[j].staff == ps[i].staff) j++;
        int maxl = -1;
        for (int k = i; k < j; k++) {
            const ro_log *a = &m->logs[ps[k].log];
            if (maxl >= 0) {
                const ro_log *b = &m->logs[maxl];
                int meet = a->s < b->e || a->s == b->s;
                pm_time oe = a->e < b->e ? a->e : b->e;
                if (meet && a->s >= span_s && a->s < span_e) {
                    const char *sid = m->staff[ps[k].staff].id;
                    pm_buf_reset(&posts);
                    add_post_name(&posts, m->duties[b->duty].id);
                    add_post_name(&posts, m->duties[a->duty].id);
                    ro_violation_add(out, RULE_OVERLAP, sid, pm_buf_str(&posts), a->s, oe,
                                     "%s is on two patrols at once (%s:%ld %s and %s:%ld %s)", sid, m->srcs[b->src],
                                     b->line, m->duties[b->duty].id, m->srcs[a->src], a->line, m->duties[a->duty].id);
                }
            }
            if (maxl < 0 || a->e > m->logs[maxl].e) maxl = ps[k].log;
        }
        i = j;
    }
    pm_buf_free(&posts);
    free(ps);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ro_check(const ro_model *m, pm_day first, int ndays, double max_seconds, ro_violations *out)
{
    pm_time span_s = ro_at(m, first, 0), span_e = ro_at(m, first + ndays, 0);
    int *idx = pm_xmalloc(sizeof *idx * (size_t)(m->nas + 1));
    int *all = pm_xmalloc(sizeof *all * (size_t)(m->nas + 1));
    int n = 0;
    for (int i = 0; i < m->nas; i++) {
        all[i] = i;
        if (m->as[i].e > span_s && m->as[i].s < span_e) idx[n++] = i;
    }
    /* Each pass is linear in the records of the (clipped) span; the cap is
     * looked at between them. */
    double end = max_seconds > 0 ? seconds_now() + max_seconds : 0;
    int stopped = 0;
    for (int pass = 0; pass < 5 && !stopped; pass++) {
        switch (pass) {
        case 0:
            if (m->have_roster) check_coverage(m, idx, n, first, ndays, out);
            break;
        case 1: check_assignments(m, idx, n, first, ndays, out); break;
        case 2: check_stretches(m, all, m->nas, span_s, span_e, out); break;
        case 3: check_person(m, all, m->nas, first, ndays, out); break;
        case 4:
            if (m->have_logs || m->nlogs) {
                check_duties(m, first, ndays, out);
                check_patrol_overlap(m, span_s, span_e, out);
            }
            break;
        }
        if (end > 0 && pass < 4 && seconds_now() >= end) stopped = 1;
    }
    free(all);
    free(idx);
    (void)fmt_local;
    return stopped;
}
