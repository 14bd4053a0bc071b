/* staff.c - staff records, roster assignments and patrol logs as records.
 *
 * Staff: id, name, skills ("guard;monitor"), max_week_hours, unavailable
 * ("2024-10-01;2024-10-03..2024-10-05").  A roster record has post, staff,
 * start, end; a patrol-log record has duty, staff ("S1;S2"), start, end.
 * Bad records are rejected: reported as FILE:LINE, written to --reject,
 * counted (exit status 1).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pipeline.h"
#include "roster.h"

int ro_list_next(const char **pp, const char **item, size_t *len)
{
    const unsigned char *p = (const unsigned char *)*pp;
    /* separators: , ; blanks, and U+3001 、 U+FF0C ， U+FF1B ； U+3000 */
#define SEP_LEN(q)                                                                                                     \
    ((*(q) == ',' || *(q) == ';' || *(q) == ' ' || *(q) == '\t' || *(q) == '\r' || *(q) == '\n') ? 1                   \
     : ((q)[0] == 0xE3 && (q)[1] == 0x80 && ((q)[2] == 0x81 || (q)[2] == 0x80))                  ? 3                   \
     : ((q)[0] == 0xEF && (q)[1] == 0xBC && ((q)[2] == 0x8C || (q)[2] == 0x9B))                  ? 3                   \
                                                                                                 : 0)
    int n;
    while (*p && (n = SEP_LEN(p)) > 0) p += n;
    if (!*p) {
        *pp = (const char *)p;
        return 0;
    }
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
        while (k && (*a == ' ' || *a == '[')) {
            a++;
            k--;
        }
        while (k && (a[k - 1] == ' ' || a[k - 1] == ']')) k--;
        if (k) {
            const char *dots = NULL;
            for (size_t i = 0; i + 1 < k; i++)
                if (a[i] == '.' && a[i + 1] == '.') {
                    dots = a + i;
                    break;
                }
            ro_dayrange r;
            int bad;
            if (dots) {
                size_t k1 = (size_t)(dots - a);
                bad = pm_day_parse(a, k1, &r.from) != 0 || pm_day_parse(dots + 2, k - k1 - 2, &r.to) != 0;
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
    while (p < end && *p >= '0' && *p <= '9' && nd < 7) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
    if (nd && p < end && *p == '.') {
        p++;
        int nf = 0;
        while (p < end && *p >= '0' && *p <= '9' && nf < 9) {
            frac = frac * 10 + (*p++ - '0');
            scale *= 10;
            nf++;
        }
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
    if (d.kind == PM_DUR_DAYS && d.n <= 7) {
        *secs = d.n * 86400;
        return 0;
    }
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
    PM_GROW(m->staff, m->nstaff + 1, m->capstaff);
    ro_staff *st = &m->staff[m->nstaff];
    memset(st, 0, sizeof *st);
    st->id = pm_xstrndup(id, len);
    st->name = pm_xstrdup("");
    st->max_week = m->rules.max_week;
    return m->nstaff++;
}

void ro_add_assign(ro_model *m, int post, int staff, pm_time s, pm_time e)
{
    PM_GROW(m->as, m->nas + 1, m->capas);
    ro_assign *a = &m->as[m->nas++];
    a->post = post;
    a->staff = staff;
    a->s = s;
    a->e = e;
}

/* Reading: one pass of the shared record pipeline (lib/pipeline.h) over
 * the staff file, the patrol logs and the rosters, in that order, so that
 * everyone in the staff file is known before the first assignment.  What a
 * record is follows from the input it came from.  A record that cannot be
 * read, or that is invalid (unknown post, duty or staff, bad timestamps,
 * end not after start), is rejected: reported as FILE:LINE, written to
 * --reject when given, and counted. */

typedef enum { IN_STAFF, IN_LOGS, IN_ROSTER } in_kind;

/* The fields read, as pipeline slots. */
enum { F_ID, F_NAME, F_SKILLS, F_MAXWEEK, F_UNAVAIL, F_DUTY, F_POST, F_STAFF, F_START, F_END, NF };
static const char *const field_name[NF] = {"id",   "name", "skills", "max_week_hours", "unavailable",
                                           "duty", "post", "staff",  "start",          "end"};

typedef struct rd_ctx {
    ro_model *m;
    ro_read_spec *r;
    int f[NF];
    int nstaff_in, nlogs_in; /* inputs 0..nstaff_in-1 are the staff file, then the logs */
    int posts_skills;        /* skills the posts file named: the rest no post needs */
    long unused_line[RO_MAX_SKILLS];
    unsigned long long nstaff, nassign, nlog;
    pm_format fmt[3]; /* of the first record of each kind */
    pm_buf why;
} rd_ctx;

static const char *get(pm_pipe *p, const pm_record *rec, const rd_ctx *c, int k, size_t *len)
{
    return pm_pipe_get(p, rec, c->f[k], len);
}

/* Rejects the record at hand: says why (FILE:LINE: why) and returns the
 * verdict. */
static pm_verdict reject(pm_pipe *p, const pm_record *rec, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static pm_verdict reject(pm_pipe *p, const pm_record *rec, const char *fmt, ...)
{
    pm_buf b = PM_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    pm_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    pm_pipe_warn(p, rec, "%s", pm_buf_str(&b));
    pm_pipe_reason(p, "%s", pm_buf_str(&b));
    pm_buf_free(&b);
    return PM_REJECT;
}

/* Which input the record at hand came from. */
static in_kind kind_of(pm_pipe *p, const rd_ctx *c)
{
    int i = pm_inputs_index(pm_pipe_inputs(p));
    if (i < c->nstaff_in) return IN_STAFF;
    if (i < c->nstaff_in + c->nlogs_in) return IN_LOGS;
    return IN_ROSTER;
}

/* s[0..*len) without the blanks (' ') at either end: returns the new
 * start and shortens *len. */
static const char *trim_blanks(const char *s, size_t *len)
{
    while (*len && s[*len - 1] == ' ') (*len)--;
    while (*len && *s == ' ') {
        s++;
        (*len)--;
    }
    return s;
}

static pm_verdict read_staff(pm_pipe *p, const pm_record *rec, rd_ctx *c)
{
    ro_model *m = c->m;
    size_t idlen;
    const char *id = get(p, rec, c, F_ID, &idlen);
    id = trim_blanks(id, &idlen);
    if (!idlen) return reject(p, rec, "staff record without an id");
    if (ro_staff_find(m, id, idlen, 0) >= 0) return reject(p, rec, "staff '%.*s' is listed twice", (int)idlen, id);
    ro_staff st;
    memset(&st, 0, sizeof st);
    st.known = 1;
    st.max_week = m->rules.max_week;
    pm_buf_reset(&c->why);
    const char *mw = get(p, rec, c, F_MAXWEEK, NULL);
    if (*mw) {
        int64_t secs = 0;
        int hr = ro_parse_hours(mw, &secs);
        if (hr == -2)
            pm_buf_addf(&c->why, "max_week_hours '%s' is not a whole number of minutes", mw);
        else if (hr != 0 || secs > 168 * 3600)
            pm_buf_addf(&c->why, "max_week_hours '%s' is not a number of hours (44, 12.5 or 44h; at most 168)", mw);
        else if (secs < st.max_week)
            st.max_week = secs;
    }
    pm_error err;
    pm_error_clear(&err);
    const char *un = get(p, rec, c, F_UNAVAIL, NULL);
    if (ro_parse_dayranges(un, &st.unavail, &st.nunavail, &err) != 0)
        pm_buf_addf(&c->why, "%sunavailable: %s", c->why.len ? "; " : "", err.msg);
    const char *sk = get(p, rec, c, F_SKILLS, NULL);
    const char *a;
    size_t k;
    uint64_t skills = 0;
    int too_many = 0;
    while (ro_list_next(&sk, &a, &k)) {
        int b = ro_skill_bit(m, a, k);
        if (b < 0) {
            too_many = 1;
            continue;
        }
        skills |= (uint64_t)1 << b;
        if (b >= c->posts_skills && !c->unused_line[b]) c->unused_line[b] = rec->line;
    }
    if (too_many) pm_buf_addf(&c->why, "%stoo many skills (at most %d)", c->why.len ? "; " : "", RO_MAX_SKILLS);
    if (c->why.len) {
        free(st.unavail);
        return reject(p, rec, "%s", pm_buf_str(&c->why));
    }
    st.skills = skills;
    int i = ro_staff_find(m, id, idlen, 1);
    free(m->staff[i].name);
    st.id = m->staff[i].id;
    st.name = pm_xstrdup(get(p, rec, c, F_NAME, NULL));
    m->staff[i] = st;
    c->nstaff++;
    return PM_HOLD;
}

/* Parses the time in field k: 0, 1 when empty and not required, or -1
 * with the reason in c->why. */
static int parse_when(pm_pipe *p, const pm_record *rec, rd_ctx *c, int k, int required, pm_time *out)
{
    size_t len;
    const char *v = get(p, rec, c, k, &len);
    pm_buf_reset(&c->why);
    if (!len) {
        if (!required) return 1;
        pm_buf_addf(&c->why, "no %s", field_name[k]);
        return -1;
    }
    pm_error err;
    pm_error_clear(&err);
    if (pm_time_parse(v, len, c->m->tz, out, &err) != 0) {
        pm_buf_addf(&c->why, "%s: %s", field_name[k], err.msg);
        return -1;
    }
    return 0;
}

static pm_verdict read_log(pm_pipe *p, const pm_record *rec, rd_ctx *c, const char *duty)
{
    ro_model *m = c->m;
    int d = ro_duty_find(m, duty);
    if (d < 0) return reject(p, rec, "duty '%s' is not in the posts file", duty);
    ro_log lg;
    memset(&lg, 0, sizeof lg);
    lg.duty = d;
    if (parse_when(p, rec, c, F_START, 1, &lg.s) != 0) return reject(p, rec, "%s", pm_buf_str(&c->why));
    int r = parse_when(p, rec, c, F_END, 0, &lg.e);
    if (r < 0) return reject(p, rec, "%s", pm_buf_str(&c->why));
    if (r == 1) lg.e = lg.s;
    if (lg.e < lg.s) return reject(p, rec, "end is before start");
    const char *sv = get(p, rec, c, F_STAFF, NULL);
    pm_buf_reset(&c->why);
    int unknown = 0;
    const char *a;
    size_t k;
    while (ro_list_next(&sv, &a, &k)) {
        int i = ro_staff_find(m, a, k, !m->have_staff_file);
        if (i < 0) {
            pm_buf_addf(&c->why, "%s'%.*s'", unknown ? ", " : "", (int)k, a);
            unknown++;
            continue;
        }
        int j = lg.nstaff; /* kept ascending, without repeats */
        while (j > 0 && lg.staff[j - 1] > i) j--;
        if (j > 0 && lg.staff[j - 1] == i) continue;
        lg.staff = pm_xrealloc(lg.staff, sizeof *lg.staff * (size_t)(lg.nstaff + 1));
        memmove(lg.staff + j + 1, lg.staff + j, sizeof *lg.staff * (size_t)(lg.nstaff - j));
        lg.staff[j] = i;
        lg.nstaff++;
    }
    if (unknown) { /* the patrol does not count */
        free(lg.staff);
        return reject(p, rec, "staff %s %s not in the staff file", pm_buf_str(&c->why), unknown > 1 ? "are" : "is");
    }
    const char *src = rec->source ? rec->source : "-";
    if (!m->nsrcs || strcmp(m->srcs[m->nsrcs - 1], src)) {
        m->srcs = pm_xrealloc(m->srcs, sizeof *m->srcs * (size_t)(m->nsrcs + 1));
        m->srcs[m->nsrcs++] = pm_xstrdup(src);
    }
    lg.src = m->nsrcs - 1;
    lg.line = rec->line;
    PM_GROW(m->logs, m->nlogs + 1, m->caplogs);
    m->logs[m->nlogs++] = lg;
    c->nlog++;
    return PM_HOLD;
}

static pm_verdict read_assign(pm_pipe *p, const pm_record *rec, rd_ctx *c, const char *post)
{
    ro_model *m = c->m;
    int pi = ro_post_find(m, post);
    if (pi < 0) return reject(p, rec, "post '%s' is not in the posts file", post);
    size_t k;
    const char *sid = get(p, rec, c, F_STAFF, &k);
    sid = trim_blanks(sid, &k);
    if (!k) return reject(p, rec, "assignment without staff");
    pm_time s, e;
    if (parse_when(p, rec, c, F_START, 1, &s) != 0 || parse_when(p, rec, c, F_END, 1, &e) != 0)
        return reject(p, rec, "%s", pm_buf_str(&c->why));
    if (e <= s) return reject(p, rec, "end is not after start");
    if (c->r->previous && e > c->r->before) {
        char b[PM_TIME_BUFSZ];
        pm_time_format(c->r->before, m->tz, b);
        return reject(p, rec, "ends after %s, the start of the plan: --previous is the roster worked before it", b);
    }
    /* Without a staff file everyone is known by the roster alone; with one,
     * an assignment of someone else is rejected (it covers nothing). */
    int i = ro_staff_find(m, sid, k, !m->have_staff_file);
    if (i < 0) return reject(p, rec, "staff '%.*s' is not in the staff file", (int)k, sid);
    ro_add_assign(m, pi, i, s, e);
    c->nassign++;
    return PM_HOLD;
}

static pm_verdict on_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    rd_ctx *c = ctx;
    in_kind kind = kind_of(p, c);
    if (c->fmt[kind] == PM_FMT_AUTO) c->fmt[kind] = pm_reader_format(pm_inputs_current(pm_pipe_inputs(p)));
    if (kind == IN_STAFF) return read_staff(p, rec, c);
    const char *duty = get(p, rec, c, F_DUTY, NULL);
    const char *post = get(p, rec, c, F_POST, NULL);
    if (*duty && c->r->previous)
        return reject(p, rec, "a patrol log record in --previous (a roster: post, staff, start, end)");
    if (*duty) return read_log(p, rec, c, duty);
    if (kind == IN_LOGS) return reject(p, rec, "a patrol log record needs a duty");
    if (*post) return read_assign(p, rec, c, post);
    return reject(p, rec, "record has neither post (an assignment) nor duty (a patrol log)");
}

/* A record the reader could not read: rejected, said as the others are. */
static pm_verdict on_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    (void)ctx;
    return reject(p, rec, "%s", why);
}

static void on_stats(pm_buf *out, void *ctx)
{
    const rd_ctx *c = ctx;
    pm_buf_addf(out, "staff %llu, assignments %llu, patrol logs %llu", c->nstaff, c->nassign, c->nlog);
}

/* Warns of each skill of the staff file that no post needs. */
static void warn_unused_skills(const rd_ctx *c)
{
    const ro_model *m = c->m;
    for (int b = c->posts_skills; b < m->nskills; b++) {
        if (!c->unused_line[b]) continue;
        pm_buf who = PM_BUF_INIT;
        int nwho = 0;
        for (int i = 0; i < m->nstaff; i++) {
            if (!(m->staff[i].skills & ((uint64_t)1 << b))) continue;
            if (nwho < 5) pm_buf_addf(&who, "%s%s", nwho ? ", " : "", m->staff[i].id);
            nwho++;
        }
        if (nwho > 5) pm_buf_addf(&who, " and %d more", nwho - 5);
        pm_warn_at(c->r->staff, c->unused_line[b], "skill '%s' (%s) is needed by no post", m->skill_names[b],
                   pm_buf_str(&who));
        pm_buf_free(&who);
    }
}

int ro_read(ro_model *m, const pm_common *com, ro_read_spec *r)
{
    rd_ctx c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.r = r;
    c.posts_skills = m->nskills;
    /* the inputs in order: staff file, logs, rosters (standard input when
     * asked and nothing else is named) */
    char *stdin_path[1] = {"-"};
    char **rosters = r->rosters;
    int nrosters = r->nrosters;
    if (!nrosters && r->stdin_default) {
        rosters = stdin_path;
        nrosters = 1;
    }
    int n = 0;
    char **paths = pm_xcalloc((size_t)nrosters + 2, sizeof *paths);
    if (r->staff) {
        paths[n++] = (char *)r->staff;
        c.nstaff_in = 1;
    }
    if (r->logs) {
        paths[n++] = (char *)r->logs;
        c.nlogs_in = 1;
    }
    for (int i = 0; i < nrosters; i++) paths[n++] = rosters[i];
    /* A staff file that cannot be opened is reported by the pipeline (exit
     * 2); the rosters are then checked as without one, not every
     * assignment rejected as someone unknown. */
    m->have_staff_file = r->staff && (!strcmp(r->staff, "-") || access(r->staff, R_OK) == 0);
    m->have_logs = r->logs != NULL;

    /* pm-roster writes its own outputs: checked against the inputs here */
    pm_pipe_spec spec = {.record = on_record,
                         .bad = on_bad,
                         .stats = on_stats,
                         .ctx = &c,
                         .key_field = NULL,
                         .flags = PM_PIPE_NO_OUTPUT | PM_PIPE_QUIET_REJECTS,
                         .other_outputs = r->outputs,
                         .nother_outputs = r->noutputs};
    pm_error err;
    pm_error_clear(&err);
    pm_pipe *p = pm_pipe_open(com, paths, n, &spec, &err);
    if (!p) { /* an output names an input, or cannot be opened: nothing read */
        pm_report(&err);
        free(paths);
        return PM_EXIT_ERROR;
    }
    r->opened = 1;
    for (int k = 0; k < NF; k++) c.f[k] = pm_pipe_field(p, field_name[k]);
    int status = pm_pipe_run(p);
    if (m->have_staff_file) {
        warn_unused_skills(&c);
        if (c.nstaff == 0) pm_warn("%s: no staff records", r->staff);
    }
    r->staff_format = c.fmt[IN_STAFF];
    r->format = c.fmt[IN_ROSTER] != PM_FMT_AUTO ? c.fmt[IN_ROSTER] : c.fmt[IN_LOGS];
    r->rejected = pm_pipe_counts_get(p).rejected;
    status = pm_pipe_finish(p, status);
    pm_buf_free(&c.why);
    free(paths);
    return status;
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
        if (a->e <= a->s) a->e = a->s = s; /* outside: nothing left */
        pm_time_format(s, m->tz, sb);
        pm_time_format(e, m->tz, eb);
        pm_warn("%s at %s from %s to %s is longer than the days checked; clipped to %s..%s", m->staff[a->staff].id,
                m->posts[a->post].id, ab, bb, sb, eb);
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
