/* staff.c - staff records, roster assignments and patrol logs as records.
 *
 * Staff: id, name, skills ("guard;monitor"), max_week_hours, unavailable
 * ("2024-10-01;2024-10-03..2024-10-05").  A roster record has post, staff,
 * start, end; a patrol-log record has duty, staff ("S1;S2"), start, end.
 * Bad records are reported as FILE:LINE and skipped (exit status 2 later).
 */
#include <stdlib.h>
#include <string.h>
#include "roster.h"

int ro_list_next(const char **pp, const char **item, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*pp;
    /* separators: , ; blanks, and U+3001 、 U+FF0C ， U+FF1B ； U+3000 */
#define SEP_LEN(q) ((*(q) == ',' || *(q) == ';' || *(q) == ' ' || *(q) == '\t' || *(q) == '\r' || *(q) == '\n') ? 1 : \
                    ((q)[0] == 0xE3 && (q)[1] == 0x80 && ((q)[2] == 0x81 || (q)[2] == 0x80)) ? 3 : \
                    ((q)[0] == 0xEF && (q)[1] == 0xBC && ((q)[2] == 0x8C || (q)[2] == 0x9B)) ? 3 : 0)
    int n;
    while (*p && (n = SEP_LEN(p)) > 0) p += n;
    if (!*p) { *pp = (const char *)p; return 0; }
    const unsigned char *a = p;
    while (*p && SEP_LEN(p) == 0) p++;
#undef SEP_LEN
    *item = (const char *)a;
    *len = (size_t)(p - a);
    *pp = (const char *)p;
    return 1;
}

int ro_parse_dayranges(const char *s, ro_dayrange **out, int *n, pm_error *err)
{
    while (*s) {
        size_t len = strcspn(s, ";,");
        const char *a = s;
        size_t k = len;
        while (k && (*a == ' ' || *a == '[')) { a++; k--; }
        while (k && (a[k - 1] == ' ' || a[k - 1] == ']')) k--;
        if (k) {
            const char *dots = NULL;
            for (size_t i = 0; i + 1 < k; i++)
                if (a[i] == '.' && a[i + 1] == '.') { dots = a + i; break; }
            ro_dayrange r;
            int bad;
            if (dots) {
                size_t k1 = (size_t)(dots - a);
                bad = pm_day_parse(a, k1, &r.from) != 0 ||
                      pm_day_parse(dots + 2, k - k1 - 2, &r.to) != 0;
            } else {
                bad = pm_day_parse(a, k, &r.from) != 0;
                r.to = r.from;
            }
            if (bad || r.to < r.from) {
                pm_error_set(err, NULL, 0, "bad day or range '%.*s' (expected 2024-10-01 or 2024-10-03..2024-10-05)",
                             (int)k, a);
                return -1;
            }
            *out = pm_xrealloc(*out, sizeof **out * (size_t)(*n + 1));
            (*out)[(*n)++] = r;
        }
        s += len;
        if (*s) s++;
    }
    return 0;
}

int ro_parse_hours(const char *s, int64_t *secs)
{
    while (*s == ' ') s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ') len--;
    if (!len) return -1;
    /* a decimal number of hours, optionally with an h: 44, 12.5, 44h */
    const char *p = s, *end = s + len;
    int64_t h = 0, frac = 0, scale = 1;
    int nd = 0;
    while (p < end && *p >= '0' && *p <= '9' && nd < 7) { h = h * 10 + (*p++ - '0'); nd++; }
    if (nd && p < end && *p == '.') {
        p++;
        int nf = 0;
        while (p < end && *p >= '0' && *p <= '9' && nf < 9) { frac = frac * 10 + (*p++ - '0'); scale *= 10; nf++; }
        if (!nf) return -1;
    }
    if (nd && p < end && *p == 'h') p++;
    if (nd && p == end) {
        /* whole minutes only: 12.5 and 12.25 are, 12.01 is not */
        if (frac * 60 % scale) return -2;
        *secs = h * 3600 + frac * 60 / scale * 60;
        return 0;
    }
    /* or any duration of the toolkit in whole minutes: 2640m */
    pm_duration d;
    pm_error err;
    pm_error_clear(&err);
    if (pm_duration_parse(s, len, &d, &err) != 0) return -1;
    if (d.kind == PM_DUR_DAYS && d.n <= 7) { *secs = d.n * 86400; return 0; }
    if (d.kind != PM_DUR_SECONDS || d.n > 168 * 3600) return -1;
    if (d.n % 60) return -2;
    *secs = d.n;
    return 0;
}

int ro_unavailable(const ro_staff *st, pm_day d)
{
    for (int i = 0; i < st->nunavail; i++)
        if (d >= st->unavail[i].from && d <= st->unavail[i].to) return 1;
    return 0;
}

int ro_staff_find(ro_model *m, const char *id, size_t len, int add)
{
    for (int i = 0; i < m->nstaff; i++)
        if (strlen(m->staff[i].id) == len && memcmp(m->staff[i].id, id, len) == 0) return i;
    if (!add) return -1;
    if (m->nstaff == m->capstaff) {
        m->capstaff = m->capstaff ? 2 * m->capstaff : 64;
        m->staff = pm_xrealloc(m->staff, sizeof *m->staff * (size_t)m->capstaff);
    }
    ro_staff *st = &m->staff[m->nstaff];
    memset(st, 0, sizeof *st);
    st->id = pm_xstrndup(id, len);
    st->name = pm_xstrdup("");
    st->max_week = m->rules.max_week;
    return m->nstaff++;
}

int ro_staff_load(ro_model *m, const char *path, const pm_read_opts *rop, int *format)
{
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(path, rop, &err);
    if (!rd) { pm_report(&err); m->bad = 1; return -1; }
    pm_record rec;
    pm_record_init(&rec);
    int r;
    m->have_staff_file = 1;
    /* skills the posts file did not name: no post needs them */
    int posts_skills = m->nskills;
    long unused_line[RO_MAX_SKILLS] = {0};
    while ((r = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
        if (r == PM_READ_FATAL) { pm_report(&err); m->bad = 1; break; }
        if (r == PM_READ_BAD) { pm_report(&err); m->bad = 1; continue; }
        const char *src = pm_reader_name(rd);
        const char *id = pm_record_value(&rec, "id");
        size_t idlen = strlen(id);
        while (idlen && id[idlen - 1] == ' ') idlen--;
        while (idlen && *id == ' ') { id++; idlen--; }
        if (!idlen) { pm_warn_at(src, rec.line, "staff record without an id"); m->bad = 1; continue; }
        if (ro_staff_find(m, id, idlen, 0) >= 0) {
            pm_warn_at(src, rec.line, "staff '%.*s' is listed twice", (int)idlen, id);
            m->bad = 1;
            continue;
        }
        ro_staff st;
        memset(&st, 0, sizeof st);
        st.known = 1;
        st.max_week = m->rules.max_week;
        int ok = 1;
        const char *mw = pm_record_value(&rec, "max_week_hours");
        if (*mw) {
            int64_t secs = 0;
            int hr = ro_parse_hours(mw, &secs);
            if (hr == -2) {
                pm_warn_at(src, rec.line, "max_week_hours '%s' is not a whole number of minutes", mw);
                ok = 0;
            } else if (hr != 0 || secs > 168 * 3600) {
                pm_warn_at(src, rec.line, "max_week_hours '%s' is not a number of hours (44, 12.5 or 44h; at most 168)",
                           mw);
                ok = 0;
            } else if (secs < st.max_week) {
                st.max_week = secs;
            }
        }
        const char *un = pm_record_value(&rec, "unavailable");
        if (ro_parse_dayranges(un, &st.unavail, &st.nunavail, &err) != 0) {
            pm_warn_at(src, rec.line, "unavailable: %s", err.msg);
            ok = 0;
        }
        const char *sk = pm_record_value(&rec, "skills");
        const char *a;
        size_t k;
        while (ro_list_next(&sk, &a, &k)) {
            int b = ro_skill_bit(m, a, k);
            if (b < 0) { pm_warn_at(src, rec.line, "too many skills (at most %d)", RO_MAX_SKILLS); ok = 0; continue; }
            st.skills |= (uint64_t)1 << b;
            if (b >= posts_skills && !unused_line[b]) unused_line[b] = rec.line;
        }
        if (!ok) { free(st.unavail); m->bad = 1; continue; }
        int i = ro_staff_find(m, id, idlen, 1);
        free(m->staff[i].name);
        st.id = m->staff[i].id;
        st.name = pm_xstrdup(pm_record_value(&rec, "name"));
        m->staff[i] = st;
    }
    for (int b = posts_skills; b < m->nskills; b++) {
        if (!unused_line[b]) continue;
        pm_buf who = PM_BUF_INIT;
        int nwho = 0;
        for (int i = 0; i < m->nstaff; i++) {
            if (!(m->staff[i].skills & ((uint64_t)1 << b))) continue;
            if (nwho < 5) pm_buf_addf(&who, "%s%s", nwho ? ", " : "", m->staff[i].id);
            nwho++;
        }
        if (nwho > 5) pm_buf_addf(&who, " and %d more", nwho - 5);
        pm_warn_at(path, unused_line[b], "skill '%s' (%s) is needed by no post", m->skill_names[b], pm_buf_str(&who));
        pm_buf_free(&who);
    }
    if (format) *format = pm_reader_format(rd);
    pm_record_free(&rec);
    pm_reader_close(rd);
    if (m->nstaff == 0) pm_warn("%s: no staff records", path);
    return 0;
}

void ro_add_assign(ro_model *m, int post, int staff, pm_time s, pm_time e)
{
    if (m->nas == m->capas) {
        m->capas = m->capas ? 2 * m->capas : 256;
        m->as = pm_xrealloc(m->as, sizeof *m->as * (size_t)m->capas);
    }
    ro_assign *a = &m->as[m->nas++];
    a->post = post;
    a->staff = staff;
    a->s = s;
    a->e = e;
}

static int parse_when(ro_model *m, const pm_record *rec, const char *field, int required,
                      pm_time *out)
{
    const char *v = pm_record_value(rec, field);
    if (!*v) {
        if (required) pm_warn_at(rec->source, rec->line, "no %s", field);
        return required ? -1 : 1;
    }
    pm_error err;
    pm_error_clear(&err);
    if (pm_time_parse(v, strlen(v), m->tz, out, &err) != 0) {
        pm_warn_at(rec->source, rec->line, "%s: %s", field, err.msg);
        return -1;
    }
    return 0;
}

static void read_log(ro_model *m, const pm_record *rec, const char *duty)
{
    int d = ro_duty_find(m, duty);
    if (d < 0) {
        pm_warn_at(rec->source, rec->line, "duty '%s' is not in the posts file", duty);
        m->bad = 1;
        return;
    }
    ro_log lg;
    memset(&lg, 0, sizeof lg);
    lg.duty = d;
    if (parse_when(m, rec, "start", 1, &lg.s) != 0) { m->bad = 1; return; }
    int r = parse_when(m, rec, "end", 0, &lg.e);
    if (r < 0) { m->bad = 1; return; }
    if (r == 1) lg.e = lg.s;
    if (lg.e < lg.s) {
        pm_warn_at(rec->source, rec->line, "end is before start");
        m->bad = 1;
        return;
    }
    const char *sv = pm_record_value(rec, "staff");
    int unknown = 0;
    const char *a;
    size_t k;
    while (ro_list_next(&sv, &a, &k)) {
        int i = ro_staff_find(m, a, k, !m->have_staff_file);
        if (i < 0) {
            pm_warn_at(rec->source, rec->line, "staff '%.*s' is not in the staff file", (int)k, a);
            unknown = 1;
            continue;
        }
        int j = lg.nstaff;  /* kept ascending, without repeats */
        while (j > 0 && lg.staff[j - 1] > i) j--;
        if (j > 0 && lg.staff[j - 1] == i) continue;
        lg.staff = pm_xrealloc(lg.staff, sizeof *lg.staff * (size_t)(lg.nstaff + 1));
        memmove(lg.staff + j + 1, lg.staff + j, sizeof *lg.staff * (size_t)(lg.nstaff - j));
        lg.staff[j] = i;
        lg.nstaff++;
    }
    const char *src = rec->source ? rec->source : "-";
    if (!m->nsrcs || strcmp(m->srcs[m->nsrcs - 1], src)) {
        m->srcs = pm_xrealloc(m->srcs, sizeof *m->srcs * (size_t)(m->nsrcs + 1));
        m->srcs[m->nsrcs++] = pm_xstrdup(src);
    }
    lg.src = m->nsrcs - 1;
    lg.line = rec->line;
    if (unknown) {  /* reported and skipped: the patrol does not count */
        free(lg.staff);
        m->bad = 1;
        return;
    }
    if (m->nlogs == m->caplogs) {
        m->caplogs = m->caplogs ? 2 * m->caplogs : 64;
        m->logs = pm_xrealloc(m->logs, sizeof *m->logs * (size_t)m->caplogs);
    }
    m->logs[m->nlogs++] = lg;
}

static void read_assign(ro_model *m, const pm_record *rec, const char *post, int what, pm_time before)
{
    int p = ro_post_find(m, post);
    if (p < 0) {
        pm_warn_at(rec->source, rec->line, "post '%s' is not in the posts file", post);
        m->bad = 1;
        return;
    }
    const char *sid = pm_record_value(rec, "staff");
    size_t k = strlen(sid);
    while (k && sid[k - 1] == ' ') k--;
    while (k && *sid == ' ') { sid++; k--; }
    if (!k) { pm_warn_at(rec->source, rec->line, "assignment without staff"); m->bad = 1; return; }
    pm_time s, e;
    if (parse_when(m, rec, "start", 1, &s) != 0 || parse_when(m, rec, "end", 1, &e) != 0) {
        m->bad = 1;
        return;
    }
    if (e <= s) {
        pm_warn_at(rec->source, rec->line, "end is not after start");
        m->bad = 1;
        return;
    }
    if (what == RO_READ_BEFORE && e > before) {
        char b[PM_TIME_BUFSZ];
        pm_time_format(before, m->tz, b);
        pm_warn_at(rec->source, rec->line,
                   "ends after %s, the start of the plan: --previous is the roster worked before it", b);
        m->bad = 1;
        return;
    }
    /* Without a staff file everyone is known by the roster alone; with one,
     * an assignment of someone else is reported and skipped (it covers
     * nothing). */
    int i = ro_staff_find(m, sid, k, !m->have_staff_file);
    if (i < 0) {
        pm_warn_at(rec->source, rec->line, "staff '%.*s' is not in the staff file", (int)k, sid);
        m->bad = 1;
        return;
    }
    ro_add_assign(m, p, i, s, e);
}

void ro_read_records(ro_model *m, pm_inputs *in, int what, pm_time before)
{
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    pm_error_clear(&err);
    int r;
    while ((r = pm_inputs_next(in, &rec, &err)) != PM_READ_EOF) {
        if (r == PM_READ_FATAL || r == PM_READ_BAD) {
            pm_report(&err);
            m->bad = 1;
            if (r == PM_READ_FATAL) continue;
            continue;
        }
        const char *duty = pm_record_value(&rec, "duty");
        const char *post = pm_record_value(&rec, "post");
        if (*duty && what == RO_READ_BEFORE) {
            pm_warn_at(rec.source, rec.line, "a patrol log record in --previous (a roster: post, staff, start, end)");
            m->bad = 1;
        } else if (*duty) read_log(m, &rec, duty);
        else if (what == RO_READ_LOGS) {
            pm_warn_at(rec.source, rec.line, "a patrol log record needs a duty");
            m->bad = 1;
        } else if (*post) read_assign(m, &rec, post, what, before);
        else {
            pm_warn_at(rec.source, rec.line, "record has neither post (an assignment) nor duty (a patrol log)");
            m->bad = 1;
        }
    }
    pm_record_free(&rec);
}

static int cmp_log(const void *a, const void *b)
{
    const ro_log *x = a, *y = b;
    if (x->duty != y->duty) return x->duty - y->duty;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    if (x->e != y->e) return x->e < y->e ? -1 : 1;
    if (x->nstaff != y->nstaff) return x->nstaff - y->nstaff;
    for (int i = 0; i < x->nstaff; i++)
        if (x->staff[i] != y->staff[i]) return x->staff[i] - y->staff[i];
    /* in the order read: the first of the repeats stays */
    if (x->src != y->src) return x->src - y->src;
    return x->line < y->line ? -1 : x->line > y->line;
}

void ro_logs_dedup(ro_model *m)
{
    if (m->nlogs < 2) return;
    qsort(m->logs, (size_t)m->nlogs, sizeof *m->logs, cmp_log);
    int n = 1;
    for (int i = 1; i < m->nlogs; i++) {
        ro_log *keep = &m->logs[n - 1], *lg = &m->logs[i];
        int same = keep->duty == lg->duty && keep->s == lg->s && keep->e == lg->e && keep->nstaff == lg->nstaff &&
                   (!lg->nstaff || !memcmp(keep->staff, lg->staff, sizeof *lg->staff * (size_t)lg->nstaff));
        if (same) {
            if (keep->src == lg->src)
                pm_warn_at(m->srcs[lg->src], lg->line, "the same patrol as line %ld (duty %s): counted once",
                           keep->line, m->duties[lg->duty].id);
            else
                pm_warn_at(m->srcs[lg->src], lg->line, "the same patrol as %s:%ld (duty %s): counted once",
                           m->srcs[keep->src], keep->line, m->duties[lg->duty].id);
            free(lg->staff);
            continue;
        }
        m->logs[n++] = *lg;
    }
    m->nlogs = n;
}

void ro_clip_long(ro_model *m, pm_time s, pm_time e)
{
    char sb[PM_TIME_BUFSZ], eb[PM_TIME_BUFSZ];
    for (int i = 0; i < m->nas; i++) {
        ro_assign *a = &m->as[i];
        if (a->e - a->s <= e - s) continue;
        char ab[PM_TIME_BUFSZ], bb[PM_TIME_BUFSZ];
        pm_time_format(a->s, m->tz, ab);
        pm_time_format(a->e, m->tz, bb);
        if (a->s < s) a->s = s;
        if (a->e > e) a->e = e;
        if (a->e <= a->s) a->e = a->s = s;  /* outside: nothing left */
        pm_time_format(s, m->tz, sb);
        pm_time_format(e, m->tz, eb);
        pm_warn("%s at %s from %s to %s is longer than the days checked; clipped to %s..%s",
                m->staff[a->staff].id, m->posts[a->post].id, ab, bb, sb, eb);
    }
    /* an assignment clipped to nothing covers nothing and counts nothing */
    int n = 0;
    for (int i = 0; i < m->nas; i++)
        if (m->as[i].e > m->as[i].s) m->as[n++] = m->as[i];
    m->nas = n;
    for (int i = 0; i < m->nlogs; i++) {
        ro_log *lg = &m->logs[i];
        if (lg->e - lg->s <= e - s) continue;
        /* a patrol counts where it starts: only its end is clipped */
        if (lg->e > e) lg->e = lg->s > e ? lg->s : e;
        pm_warn_at(m->srcs[lg->src], lg->line, "patrol of duty %s is longer than the days checked; clipped",
                   m->duties[lg->duty].id);
    }
}
