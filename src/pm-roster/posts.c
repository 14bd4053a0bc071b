/* posts.c - the posts file: rules, posts and duties (docs/CONTRACT.md section 8).
 *
 * Every problem is reported as POSTS:LINE; loading goes on to find the rest,
 * and the caller stops with exit status 2 when any was found.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "roster.h"

void ro_model_init(ro_model *m, pm_tz *tz)
{
    memset(m, 0, sizeof *m);
    m->tz = tz;
    m->have_roster = 1;
    m->rules.max_shift = 8 * 3600;
    m->rules.min_rest = 12 * 3600;
    m->rules.max_week = 44 * 3600;
    m->rules.rest_days = 1;
}

void ro_model_free(ro_model *m)
{
    for (int i = 0; i < m->nskills; i++) free(m->skill_names[i]);
    for (int i = 0; i < m->nposts; i++) { free(m->posts[i].id); free(m->posts[i].dates); }
    free(m->posts);
    for (int i = 0; i < m->nduties; i++) {
        for (int j = 0; j < m->duties[i].nw; j++) free(m->duties[i].w[j].name);
        free(m->duties[i].w);
        free(m->duties[i].id);
    }
    free(m->duties);
    for (int i = 0; i < m->nstaff; i++) {
        free(m->staff[i].id);
        free(m->staff[i].name);
        free(m->staff[i].unavail);
    }
    free(m->staff);
    free(m->as);
    for (int i = 0; i < m->nlogs; i++) free(m->logs[i].staff);
    free(m->logs);
}

int ro_skill_bit(ro_model *m, const char *name, size_t len)
{
    for (int i = 0; i < m->nskills; i++)
        if (strlen(m->skill_names[i]) == len && memcmp(m->skill_names[i], name, len) == 0) return i;
    if (m->nskills >= RO_MAX_SKILLS) return -1;
    m->skill_names[m->nskills] = pm_xstrndup(name, len);
    return m->nskills++;
}

void ro_skills_format(const ro_model *m, uint64_t mask, pm_buf *out)
{
    int first = 1;
    for (int i = 0; i < m->nskills; i++) {
        if (!(mask & ((uint64_t)1 << i))) continue;
        if (!first) pm_buf_addc(out, ';');
        pm_buf_adds(out, m->skill_names[i]);
        first = 0;
    }
}

int ro_parse_hhmm(const char *s)
{
    int h = 0, mi = 0, nd = 0;
    const char *p = s;
    while (*p == ' ') p++;
    while (*p >= '0' && *p <= '9' && nd < 2) { h = h * 10 + (*p++ - '0'); nd++; }
    if (nd == 0 || *p++ != ':') return -1;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9')) return -1;
    mi = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    while (*p == ' ') p++;
    if (*p || mi > 59 || h > 24 || (h == 24 && mi != 0)) return -1;
    return h * 60 + mi;
}

/* "HH:MM-HH:MM" -> from, to.  "00:00-24:00" is the whole day. */
static int parse_hours(const char *s, int *from, int *to)
{
    const char *dash = strchr(s, '-');
    if (!dash) return -1;
    char a[16];
    size_t n = (size_t)(dash - s);
    if (n >= sizeof a) return -1;
    memcpy(a, s, n);
    a[n] = 0;
    *from = ro_parse_hhmm(a);
    *to = ro_parse_hhmm(dash + 1);
    if (*from < 0 || *to < 0 || *from == 1440) return -1;
    return 0;
}

/* A duration in seconds ("8h", "30m"; "2d" as 48 hours); -1 if bad. */
static int64_t conf_duration(yaml_node_t *n)
{
    const char *s = pm_conf_str(n);
    if (!s) return -1;
    pm_duration d;
    pm_error e;
    if (pm_duration_parse(s, strlen(s), &d, &e) != 0) return -1;
    /* nothing in a rota lasts longer than a year */
    if (d.kind == PM_DUR_SECONDS) return d.n >= 0 && d.n <= 366 * 86400 ? d.n : -1;
    if (d.kind == PM_DUR_DAYS) return d.n >= 0 && d.n <= 366 ? d.n * 86400 : -1;
    return -1;
}

/* A non-negative integer; -1 if bad. */
static long conf_int(yaml_node_t *n)
{
    const char *s = pm_conf_str(n);
    if (!s || !*s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0) return -1;
    return v;
}

/* Hours as a number ("44", "12.5") or a duration ("44h"); seconds, -1 if
 * bad, -2 if not a whole number of minutes. */
static int64_t conf_hours(yaml_node_t *n)
{
    const char *s = pm_conf_str(n);
    int64_t secs;
    if (!s) return -1;
    int r = ro_parse_hours(s, &secs);
    if (r) return r;
    return secs > 168 * 3600 ? -1 : secs;  /* a week has 168 hours */
}

typedef struct loader {
    ro_model *m;
    pm_conf c;
    const char *path;
    int errors;
    pm_buf ids;  /* every post id seen, "\n"-separated, bad posts too */
} loader;

/* Whether id was seen before among the posts (remembers it). */
static int seen_before(loader *l, const char *id)
{
    const char *p = pm_buf_str(&l->ids);
    size_t n = strlen(id);
    while (*p) {
        size_t k = strcspn(p, "\n");
        if (k == n && !memcmp(p, id, n)) return 1;
        p += k;
        if (*p) p++;
    }
    pm_buf_adds(&l->ids, id);
    pm_buf_addc(&l->ids, '\n');
    return 0;
}

static void lerr(loader *l, yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lerr(loader *l, yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pm_warn_at(l->path, n ? pm_conf_line(n) : 0, "%s", msg);
    l->errors++;
}

static void lwarn_unknown(loader *l, yaml_node_t *key, const char *k, const char *where)
{
    pm_warn_at(l->path, pm_conf_line(key), "unknown key '%s' in %s ignored", k, where);
}

static void load_rules(loader *l, yaml_node_t *map)
{
    if (!pm_conf_is_map(map)) { lerr(l, map, "'rules' must be a mapping"); return; }
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        yaml_node_t *kn;
        const char *k = pm_conf_map_key(&l->c, map, i, &kn);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        if (!strcmp(k, "max_shift") || !strcmp(k, "min_rest")) {
            int64_t d = conf_duration(v);
            if (d <= 0) { lerr(l, v, "%s: expected a duration such as 8h", k); continue; }
            if (!strcmp(k, "max_shift")) l->m->rules.max_shift = d;
            else l->m->rules.min_rest = d;
        } else if (!strcmp(k, "max_week_hours")) {
            int64_t h = conf_hours(v);
            if (h == -2) { lerr(l, v, "max_week_hours: not a whole number of minutes"); continue; }
            if (h <= 0) {
                lerr(l, v, "max_week_hours: expected a number of hours such as 44, 12.5 or 44h (at most 168)");
                continue;
            }
            l->m->rules.max_week = h;
        } else if (!strcmp(k, "rest_days_per_week")) {
            long r = conf_int(v);
            if (r < 0 || r > 7) { lerr(l, v, "rest_days_per_week: expected a number from 0 to 7"); continue; }
            l->m->rules.rest_days = (int)r;
        } else {
            lwarn_unknown(l, kn, k, "rules");
        }
    }
}

/* Skills as a sequence or a "a;b" scalar -> mask. */
static uint64_t load_skills(loader *l, yaml_node_t *v)
{
    uint64_t mask = 0;
    if (pm_conf_is_seq(v)) {
        for (int i = 0; i < pm_conf_seq_len(v); i++) {
            yaml_node_t *it = pm_conf_seq_item(&l->c, v, i);
            const char *s = pm_conf_str(it);
            if (!s || !*s) { lerr(l, it, "skills: expected skill names"); continue; }
            int b = ro_skill_bit(l->m, s, strlen(s));
            if (b < 0) { lerr(l, it, "too many skills (at most %d)", RO_MAX_SKILLS); continue; }
            mask |= (uint64_t)1 << b;
        }
        return mask;
    }
    const char *s = pm_conf_str(v);
    if (!s) { lerr(l, v, "skills: expected a list of skill names"); return 0; }
    while (*s) {
        size_t n = strcspn(s, ";,");
        const char *a = s;
        size_t k = n;
        while (k && *a == ' ') { a++; k--; }
        while (k && a[k - 1] == ' ') k--;
        if (k) {
            int b = ro_skill_bit(l->m, a, k);
            if (b < 0) lerr(l, v, "too many skills (at most %d)", RO_MAX_SKILLS);
            else mask |= (uint64_t)1 << b;
        }
        s += n;
        if (*s) s++;
    }
    return mask;
}

static void load_post(loader *l, yaml_node_t *map)
{
    if (!pm_conf_is_map(map)) { lerr(l, map, "a post must be a mapping (id, hours, ...)"); return; }
    ro_model *m = l->m;
    ro_post p;
    memset(&p, 0, sizeof p);
    p.line = pm_conf_line(map);
    p.headcount = 1;
    p.from_min = -1;
    int ok = 1;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        yaml_node_t *kn;
        const char *k = pm_conf_map_key(&l->c, map, i, &kn);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        const char *s = pm_conf_str(v);
        if (!strcmp(k, "id")) {
            if (!s || !*s) { lerr(l, v, "post id must be a non-empty text"); ok = 0; continue; }
            if (strchr(s, '\n') || seen_before(l, s)) { lerr(l, v, "post '%s' is defined twice", s); ok = 0; continue; }
            p.id = pm_xstrdup(s);
        } else if (!strcmp(k, "hours")) {
            if (!s || parse_hours(s, &p.from_min, &p.to_min) != 0) {
                lerr(l, v, "hours: expected \"HH:MM-HH:MM\" such as \"00:00-24:00\" or \"20:00-06:00\"");
                ok = 0;
            }
        } else if (!strcmp(k, "headcount")) {
            long h = conf_int(v);
            if (h < 1 || h > 1000) { lerr(l, v, "headcount: expected a whole number of people, 1 or more"); ok = 0; continue; }
            p.headcount = (int)h;
        } else if (!strcmp(k, "skills")) {
            p.skills = load_skills(l, v);
        } else if (!strcmp(k, "max_continuous")) {
            int64_t d = conf_duration(v);
            if (d <= 0) { lerr(l, v, "max_continuous: expected a duration such as 4h"); ok = 0; continue; }
            p.max_continuous = d;
        } else if (!strcmp(k, "dates")) {
            pm_buf b = PM_BUF_INIT;
            if (pm_conf_is_seq(v)) {
                for (int j = 0; j < pm_conf_seq_len(v); j++) {
                    const char *d = pm_conf_str(pm_conf_seq_item(&l->c, v, j));
                    if (d) { if (b.len) pm_buf_addc(&b, ';'); pm_buf_adds(&b, d); }
                }
            } else if (s) {
                pm_buf_adds(&b, s);
            }
            pm_error e;
            if (ro_parse_dayranges(pm_buf_str(&b), &p.dates, &p.ndates, &e) != 0 || p.ndates == 0) {
                lerr(l, v, "dates: %s", p.ndates ? e.msg : "expected days or ranges such as 2024-10-15..2025-04-15");
                ok = 0;
            }
            pm_buf_free(&b);
        } else {
            lwarn_unknown(l, kn, k, "a post");
        }
    }
    if (!p.id && ok) { lerr(l, map, "post without an id"); ok = 0; }
    if (p.from_min < 0 && ok) { lerr(l, map, "post '%s' has no hours", p.id); ok = 0; }
    if (!ok) { free(p.id); free(p.dates); return; }
    m->posts = pm_xrealloc(m->posts, sizeof *m->posts * (size_t)(m->nposts + 1));
    m->posts[m->nposts++] = p;
}

static void load_window(loader *l, ro_duty *d, const char *name, yaml_node_t *map)
{
    ro_window w;
    memset(&w, 0, sizeof w);
    w.from_min = w.to_min = -1;
    w.times = 1;
    w.people = 1;
    int ok = 1;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        yaml_node_t *kn;
        const char *k = pm_conf_map_key(&l->c, map, i, &kn);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        const char *s = pm_conf_str(v);
        if (!strcmp(k, "from") || !strcmp(k, "to")) {
            int mi = s ? ro_parse_hhmm(s) : -1;
            if (mi < 0) { lerr(l, v, "%s: expected a time of day \"HH:MM\"", k); ok = 0; continue; }
            if (!strcmp(k, "from")) w.from_min = mi; else w.to_min = mi;
        } else if (!strcmp(k, "times") || !strcmp(k, "people")) {
            long t = conf_int(v);
            if (t < 1 || t > 10000) { lerr(l, v, "%s: expected a whole number, 1 or more", k); ok = 0; continue; }
            if (!strcmp(k, "times")) w.times = (int)t; else w.people = (int)t;
        } else {
            lwarn_unknown(l, kn, k, "a duty window");
        }
    }
    if (ok && (w.from_min < 0 || w.to_min < 0)) { lerr(l, map, "duty window '%s' needs from and to", name); ok = 0; }
    if (ok && w.from_min == 1440) { lerr(l, map, "duty window '%s' cannot start at 24:00", name); ok = 0; }
    if (!ok) return;
    w.name = pm_xstrdup(name);
    d->w = pm_xrealloc(d->w, sizeof *d->w * (size_t)(d->nw + 1));
    d->w[d->nw++] = w;
}

static void load_duty(loader *l, yaml_node_t *map)
{
    if (!pm_conf_is_map(map)) { lerr(l, map, "a duty must be a mapping (id, day, night)"); return; }
    ro_model *m = l->m;
    ro_duty d;
    memset(&d, 0, sizeof d);
    d.line = pm_conf_line(map);
    int before = l->errors;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        yaml_node_t *kn;
        const char *k = pm_conf_map_key(&l->c, map, i, &kn);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        if (!strcmp(k, "id")) {
            const char *s = pm_conf_str(v);
            if (!s || !*s) { lerr(l, v, "duty id must be a non-empty text"); continue; }
            if (ro_duty_find(m, s) >= 0) { lerr(l, v, "duty '%s' is defined twice", s); continue; }
            free(d.id);
            d.id = pm_xstrdup(s);
        } else if (pm_conf_is_map(v)) {
            load_window(l, &d, k, v);
        } else {
            lerr(l, v, "duty window '%s' must be a mapping {from, to, times, people}", k);
        }
    }
    if (!d.id && l->errors == before) lerr(l, map, "duty without an id");
    if (d.nw == 0 && l->errors == before) lerr(l, map, "duty '%s' has no window (day: {from, to, times})", d.id);
    if (l->errors != before) {
        for (int j = 0; j < d.nw; j++) free(d.w[j].name);
        free(d.w);
        free(d.id);
        return;
    }
    m->duties = pm_xrealloc(m->duties, sizeof *m->duties * (size_t)(m->nduties + 1));
    m->duties[m->nduties++] = d;
}

int ro_posts_load(ro_model *m, const char *path)
{
    loader l;
    memset(&l, 0, sizeof l);
    l.m = m;
    l.path = path;
    pm_error err;
    pm_error_clear(&err);
    if (pm_conf_load(&l.c, path, &err) != 0) {
        pm_report(&err);
        return -1;
    }
    yaml_node_t *root = pm_conf_root(&l.c);
    if (!root || !pm_conf_is_map(root)) {
        lerr(&l, root, "the posts file must be a mapping with rules, posts and duties");
        pm_conf_free(&l.c);
        pm_buf_free(&l.ids);
        return -1;
    }
    int saw_posts = 0;
    for (int i = 0; i < pm_conf_map_len(root); i++) {
        yaml_node_t *kn;
        const char *k = pm_conf_map_key(&l.c, root, i, &kn);
        yaml_node_t *v = pm_conf_map_value(&l.c, root, i);
        if (!k) continue;
        if (!strcmp(k, "rules")) {
            load_rules(&l, v);
        } else if (!strcmp(k, "posts") || !strcmp(k, "duties")) {
            int posts = !strcmp(k, "posts");
            if (posts) saw_posts = 1;
            if (pm_conf_is_scalar(v) && (!pm_conf_str(v) || !*pm_conf_str(v))) continue;
            if (!pm_conf_is_seq(v)) { lerr(&l, v, "'%s' must be a list", k); continue; }
            for (int j = 0; j < pm_conf_seq_len(v); j++) {
                yaml_node_t *it = pm_conf_seq_item(&l.c, v, j);
                if (posts) load_post(&l, it); else load_duty(&l, it);
            }
        } else {
            lwarn_unknown(&l, kn, k, "the posts file");
        }
    }
    if (!saw_posts && !l.errors) lerr(&l, root, "no 'posts' list");
    pm_conf_free(&l.c);
    pm_buf_free(&l.ids);
    return l.errors ? -1 : 0;
}

int ro_post_find(const ro_model *m, const char *id)
{
    for (int i = 0; i < m->nposts; i++)
        if (!strcmp(m->posts[i].id, id)) return i;
    return -1;
}

int ro_duty_find(const ro_model *m, const char *id)
{
    for (int i = 0; i < m->nduties; i++)
        if (!strcmp(m->duties[i].id, id)) return i;
    return -1;
}
