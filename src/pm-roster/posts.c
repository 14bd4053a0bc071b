/* posts.c - the posts file: rules, posts and duties (docs/CONTRACT.md section 8).
 *
 * Every problem is reported as POSTS:LINE; loading goes on to find the rest,
 * and the caller stops with exit status 2 when any was found.  Each section's
 * keys are checked by a key table (lib/conf.h): an unknown key is an error.
 */
#include <stddef.h>
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
    m->rules.pattern = -1;
    m->rules.min_same_days = 1;
    m->rules.same_how = RO_SOFT;
    m->rules.rotation = RO_SOFT;
}

int ro_pattern_add(ro_model *m, ro_shift *sh, int n, int derived)
{
    for (int i = 0; i < m->npatterns; i++)
        if (m->patterns[i].n == n && !memcmp(m->patterns[i].sh, sh, sizeof *sh * (size_t)n)) {
            free(sh);
            return i;
        }
    m->patterns = pm_xrealloc(m->patterns, sizeof *m->patterns * (size_t)(m->npatterns + 1));
    m->patterns[m->npatterns].sh = sh;
    m->patterns[m->npatterns].n = n;
    m->patterns[m->npatterns].derived = derived;
    return m->npatterns++;
}

static void post_free(ro_post *p)
{
    free(p->id);
    free(p->dates);
}

static void duty_free(ro_duty *d)
{
    for (int j = 0; j < d->nw; j++) free(d->w[j].name);
    free(d->w);
    free(d->id);
}

void ro_model_free(ro_model *m)
{
    for (int i = 0; i < m->nskills; i++) free(m->skill_names[i]);
    for (int i = 0; i < m->nposts; i++) post_free(&m->posts[i]);
    free(m->posts);
    for (int i = 0; i < m->npatterns; i++) free(m->patterns[i].sh);
    free(m->patterns);
    for (int i = 0; i < m->nduties; i++) duty_free(&m->duties[i]);
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
    for (int i = 0; i < m->nsrcs; i++) free(m->srcs[i]);
    free(m->srcs);
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
    while (*p >= '0' && *p <= '9' && nd < 2) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
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
    return secs > 168 * 3600 ? -1 : secs; /* a week has 168 hours */
}

typedef struct loader {
    ro_model *m;
    pm_conf c;
    const char *path;
    pm_buf ids; /* every post id seen, "\n"-separated, bad posts too */
    long rules_shifts_line;
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

/* Notes an error at n (the load goes on; ro_posts_load prints them all). */
#define lerr(l, n, ...) pm_conf_note(&(l)->c, (n), __VA_ARGS__)

/* A copy of the id at v of a WHAT ("post", "duty"), or NULL with the error
 * noted when it is no text, empty, or taken(l, id): another has it. */
static char *load_id(loader *l, yaml_node_t *v, const char *what, int (*taken)(loader *, const char *))
{
    const char *s = pm_conf_str(v);
    if (!s || !*s) {
        lerr(l, v, "%s id must be a non-empty text", what);
        return NULL;
    }
    if (taken(l, s)) {
        lerr(l, v, "%s '%s' is defined twice", what, s);
        return NULL;
    }
    return pm_xstrdup(s);
}

/* Post ids are taken when seen before, on a bad post too (an id with a line
 * break could not be told apart in l->ids: refused as taken). */
static int post_id_taken(loader *l, const char *id)
{
    return strchr(id, '\n') || seen_before(l, id);
}

/* Duty ids are taken by the duties loaded. */
static int duty_id_taken(loader *l, const char *id)
{
    return ro_duty_find(l->m, id) >= 0;
}

/* Settings of one scalar value, read the same way in every section.  How
 * a value is read (and the type of the field it sets): */
enum {
    V_DURATION, /* "8h", "30m", "2d": seconds above 0 (int64_t) */
    V_HOURS,    /* "44", "12.5", "44h": seconds above 0 in whole minutes (int64_t) */
    V_COUNT,    /* a whole number from lo to hi (int) */
    V_HOW,      /* soft or hard: RO_* (int) */
    V_HOW_OFF,  /* soft, hard or off: RO_* (int) */
    V_TIME      /* "HH:MM": minutes from 0 to 1440 (int) */
};

typedef struct setting {
    const char *key;
    int kind;             /* V_* */
    long lo, hi;          /* V_COUNT: the range */
    const char *expected; /* said of a bad value, after "KEY: " */
    size_t at;            /* offset of the field it sets in its section's struct */
} setting;

/* "08:00-16:00" -> a shift; -1 if bad. */
static int parse_shift(const char *s, ro_shift *sh)
{
    int from, to;
    if (!s || parse_hours(s, &from, &to) != 0) return -1;
    sh->from_min = from;
    sh->len_min = to > from ? to - from : to + 1440 - from;
    sh->off = 0;
    return 0;
}

/* A list of shifts -> a pattern index; -1 (reported) if bad. */
static int load_shifts(loader *l, yaml_node_t *v)
{
    if (!pm_conf_is_seq(v) || pm_conf_seq_len(v) == 0) {
        lerr(l, v, "shifts: expected a list such as [\"08:00-16:00\", \"16:00-24:00\", \"00:00-08:00\"]");
        return -1;
    }
    int n = pm_conf_seq_len(v);
    ro_shift *sh = pm_xcalloc((size_t)n, sizeof *sh);
    int ok = 1;
    for (int i = 0; i < n; i++) {
        yaml_node_t *it = pm_conf_seq_item(&l->c, v, i);
        if (parse_shift(pm_conf_str(it), &sh[i]) != 0) {
            lerr(l, it, "shifts: expected \"HH:MM-HH:MM\" such as \"08:00-16:00\" or \"20:00-08:00\"");
            ok = 0;
            continue;
        }
        /* listed in the order of forward rotation: a shift that starts no
         * later in the day than the one before belongs to the next day */
        if (i > 0 && ok) sh[i].off = sh[i - 1].off + (sh[i].from_min <= sh[i - 1].from_min);
    }
    for (int i = 1; i < n && ok; i++) {
        int64_t prev_end = (int64_t)sh[i - 1].off * 1440 + sh[i - 1].from_min + sh[i - 1].len_min;
        if ((int64_t)sh[i].off * 1440 + sh[i].from_min < prev_end) {
            lerr(l, v,
                 "shifts: shift %d starts before shift %d ends (list them in the order they follow "
                 "each other, as in morning, evening, night)",
                 i + 1, i);
            ok = 0;
        }
    }
    if (ok && n > 0) {
        int64_t end = (int64_t)sh[n - 1].off * 1440 + sh[n - 1].from_min + sh[n - 1].len_min;
        if (end > 1440 + sh[0].from_min) {
            lerr(l, v, "shifts: the shifts last more than a day from the first one's start");
            ok = 0;
        }
    }
    if (!ok) {
        free(sh);
        return -1;
    }
    return ro_pattern_add(l->m, sh, n, 0);
}

/* soft, hard (or off, where allowed) -> RO_*; -1 if bad. */
static int conf_how(yaml_node_t *v, int allow_off)
{
    const char *s = pm_conf_str(v);
    if (!s) return -1;
    if (!strcmp(s, "soft")) return RO_SOFT;
    if (!strcmp(s, "hard")) return RO_HARD;
    if (allow_off && (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "no"))) return RO_OFF;
    return -1;
}

/* When settings (ended by {NULL}) has key k: reads v into the field of obj
 * it names and returns 1, or notes why v is bad and returns -1.  0 when k
 * is no setting. */
static int load_setting(loader *l, const setting *settings, const char *k, yaml_node_t *v, void *obj)
{
    const setting *st = settings;
    while (st->key && strcmp(st->key, k)) st++;
    if (!st->key) return 0;
    const char *s = pm_conf_str(v);
    int64_t x = -1;
    int wide = st->kind == V_DURATION || st->kind == V_HOURS;
    switch (st->kind) {
    case V_DURATION: x = conf_duration(v); break;
    case V_HOURS:
        x = conf_hours(v);
        if (x == -2) {
            lerr(l, v, "%s: not a whole number of minutes", k);
            return -1;
        }
        break;
    case V_COUNT:
        x = conf_int(v);
        if (x < st->lo || x > st->hi) x = -1;
        break;
    case V_HOW: x = conf_how(v, 0); break;
    case V_HOW_OFF: x = conf_how(v, 1); break;
    case V_TIME: x = s ? ro_parse_hhmm(s) : -1; break;
    }
    if (x < 0 || (wide && x == 0)) {
        lerr(l, v, "%s: %s", k, st->expected);
        return -1;
    }
    char *field = (char *)obj + st->at;
    if (wide)
        *(int64_t *)(void *)field = x;
    else
        *(int *)(void *)field = (int)x; /* a count up to hi, an RO_* or minutes of a day */
    return 1;
}

/* A mapping whose keys are checked against keys (every unknown one
 * reported): 1; or 0, with not_map reported, when map is no mapping. */
static int checked_map(loader *l, yaml_node_t *map, const char *not_map, const char *section, const pm_conf_key *keys)
{
    if (!pm_conf_is_map(map)) {
        lerr(l, map, "%s", not_map);
        return 0;
    }
    pm_conf_check(&l->c, map, section, keys, NULL);
    return 1;
}

static const pm_conf_key rules_keys[] = {
    {"max_shift", 0, NULL},          {"min_rest", 0, NULL},         {"max_week_hours", 0, NULL},
    {"rest_days_per_week", 0, NULL}, {"shifts", 0, NULL},           {"min_same_shift_days", 0, NULL},
    {"same_shift", 0, NULL},         {"forward_rotation", 0, NULL}, {NULL, 0, NULL},
};

static const setting rule_settings[] = {
    {"max_shift", V_DURATION, 0, 0, "expected a duration such as 8h", offsetof(ro_rules, max_shift)},
    {"min_rest", V_DURATION, 0, 0, "expected a duration such as 8h", offsetof(ro_rules, min_rest)},
    {"max_week_hours", V_HOURS, 0, 0, "expected a number of hours such as 44, 12.5 or 44h (at most 168)",
     offsetof(ro_rules, max_week)},
    {"rest_days_per_week", V_COUNT, 0, 7, "expected a number from 0 to 7", offsetof(ro_rules, rest_days)},
    {"min_same_shift_days", V_COUNT, 1, 31, "expected a number of days from 1 to 31",
     offsetof(ro_rules, min_same_days)},
    {"same_shift", V_HOW, 0, 0, "expected soft or hard", offsetof(ro_rules, same_how)},
    {"forward_rotation", V_HOW_OFF, 0, 0, "expected soft, hard or off", offsetof(ro_rules, rotation)},
    {NULL, 0, 0, 0, NULL, 0},
};

static void load_rules(loader *l, yaml_node_t *map)
{
    if (!checked_map(l, map, "'rules' must be a mapping", "rules", rules_keys)) return;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        const char *k = pm_conf_map_key(&l->c, map, i, NULL);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        if (!strcmp(k, "shifts")) {
            l->m->rules.pattern = load_shifts(l, v);
            l->rules_shifts_line = pm_conf_line(v);
        } else {
            load_setting(l, rule_settings, k, v, &l->m->rules); /* other keys: pm_conf_check */
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
            if (!s || !*s) {
                lerr(l, it, "skills: expected skill names");
                continue;
            }
            int b = ro_skill_bit(l->m, s, strlen(s));
            if (b < 0) {
                lerr(l, it, "too many skills (at most %d)", RO_MAX_SKILLS);
                continue;
            }
            mask |= (uint64_t)1 << b;
        }
        return mask;
    }
    const char *s = pm_conf_str(v);
    if (!s) {
        lerr(l, v, "skills: expected a list of skill names");
        return 0;
    }
    const char *a;
    size_t k;
    while (ro_list_next(&s, &a, &k)) {
        int b = ro_skill_bit(l->m, a, k);
        if (b < 0)
            lerr(l, v, "too many skills (at most %d)", RO_MAX_SKILLS);
        else
            mask |= (uint64_t)1 << b;
    }
    return mask;
}

static const pm_conf_key post_keys[] = {
    {"id", 0, NULL},    {"hours", 0, NULL},  {"headcount", 0, NULL}, {"skills", 0, NULL}, {"max_continuous", 0, NULL},
    {"dates", 0, NULL}, {"shifts", 0, NULL}, {NULL, 0, NULL},
};

static const setting post_settings[] = {
    {"headcount", V_COUNT, 1, 1000, "expected a whole number of people, 1 or more", offsetof(ro_post, headcount)},
    {"max_continuous", V_DURATION, 0, 0, "expected a duration such as 4h", offsetof(ro_post, max_continuous)},
    {NULL, 0, 0, 0, NULL, 0},
};

static void load_post(loader *l, yaml_node_t *map)
{
    if (!checked_map(l, map, "a post must be a mapping (id, hours, ...)", "a post", post_keys)) return;
    ro_model *m = l->m;
    ro_post p;
    memset(&p, 0, sizeof p);
    p.line = pm_conf_line(map);
    p.headcount = 1;
    p.from_min = -1;
    p.pattern = -1;
    int ok = 1;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        const char *k = pm_conf_map_key(&l->c, map, i, NULL);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        int set = load_setting(l, post_settings, k, v, &p);
        if (set < 0) ok = 0;
        if (set) continue;
        const char *s = pm_conf_str(v);
        if (!strcmp(k, "id")) {
            p.id = load_id(l, v, "post", post_id_taken);
            if (!p.id) ok = 0;
        } else if (!strcmp(k, "hours")) {
            if (!s || parse_hours(s, &p.from_min, &p.to_min) != 0) {
                lerr(l, v, "hours: expected \"HH:MM-HH:MM\" such as \"00:00-24:00\" or \"20:00-06:00\"");
                ok = 0;
            }
        } else if (!strcmp(k, "skills")) {
            p.skills = load_skills(l, v);
        } else if (!strcmp(k, "dates")) {
            pm_buf b = PM_BUF_INIT;
            if (pm_conf_is_seq(v)) {
                for (int j = 0; j < pm_conf_seq_len(v); j++) {
                    const char *d = pm_conf_str(pm_conf_seq_item(&l->c, v, j));
                    if (d) {
                        if (b.len) pm_buf_addc(&b, ';');
                        pm_buf_adds(&b, d);
                    }
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
        } else if (!strcmp(k, "shifts")) {
            p.pattern = load_shifts(l, v);
            p.shifts_line = pm_conf_line(v);
            if (p.pattern < 0) ok = 0;
        } /* other keys: pm_conf_check */
    }
    if (!p.id && ok) {
        lerr(l, map, "post without an id");
        ok = 0;
    }
    if (p.from_min < 0 && ok) {
        lerr(l, map, "post '%s' has no hours", p.id);
        ok = 0;
    }
    if (!ok) {
        post_free(&p);
        return;
    }
    m->posts = pm_xrealloc(m->posts, sizeof *m->posts * (size_t)(m->nposts + 1));
    m->posts[m->nposts++] = p;
}

static const pm_conf_key window_keys[] = {
    {"from", 0, NULL}, {"to", 0, NULL}, {"times", 0, NULL}, {"people", 0, NULL}, {NULL, 0, NULL},
};

static const setting window_settings[] = {
    {"from", V_TIME, 0, 0, "expected a time of day \"HH:MM\"", offsetof(ro_window, from_min)},
    {"to", V_TIME, 0, 0, "expected a time of day \"HH:MM\"", offsetof(ro_window, to_min)},
    {"times", V_COUNT, 1, 10000, "expected a whole number, 1 or more", offsetof(ro_window, times)},
    {"people", V_COUNT, 1, 10000, "expected a whole number, 1 or more", offsetof(ro_window, people)},
    {NULL, 0, 0, 0, NULL, 0},
};

static void load_window(loader *l, ro_duty *d, const char *name, yaml_node_t *map)
{
    pm_conf_check(&l->c, map, "a duty window", window_keys, NULL);
    ro_window w;
    memset(&w, 0, sizeof w);
    w.from_min = w.to_min = -1;
    w.times = 1;
    w.people = 1;
    int ok = 1;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        const char *k = pm_conf_map_key(&l->c, map, i, NULL);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (k && load_setting(l, window_settings, k, v, &w) < 0) ok = 0; /* other keys: pm_conf_check */
    }
    if (ok && (w.from_min < 0 || w.to_min < 0)) {
        lerr(l, map, "duty window '%s' needs from and to", name);
        ok = 0;
    }
    if (ok && w.from_min == 1440) {
        lerr(l, map, "duty window '%s' cannot start at 24:00", name);
        ok = 0;
    }
    if (!ok) return;
    w.name = pm_xstrdup(name);
    d->w = pm_xrealloc(d->w, sizeof *d->w * (size_t)(d->nw + 1));
    d->w[d->nw++] = w;
}

static void load_duty(loader *l, yaml_node_t *map)
{
    if (!pm_conf_is_map(map)) {
        lerr(l, map, "a duty must be a mapping (id, day, night)");
        return;
    }
    ro_model *m = l->m;
    ro_duty d;
    memset(&d, 0, sizeof d);
    d.line = pm_conf_line(map);
    int before = l->c.nerrs;
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        const char *k = pm_conf_map_key(&l->c, map, i, NULL);
        yaml_node_t *v = pm_conf_map_value(&l->c, map, i);
        if (!k) continue;
        if (!strcmp(k, "id")) {
            free(d.id);
            d.id = load_id(l, v, "duty", duty_id_taken);
        } else if (pm_conf_is_map(v)) {
            load_window(l, &d, k, v);
        } else {
            lerr(l, v, "duty window '%s' must be a mapping {from, to, times, people}", k);
        }
    }
    if (!d.id && l->c.nerrs == before) lerr(l, map, "duty without an id");
    if (d.nw == 0 && l->c.nerrs == before) lerr(l, map, "duty '%s' has no window (day: {from, to, times})", d.id);
    if (l->c.nerrs != before) {
        duty_free(&d);
        return;
    }
    m->duties = pm_xrealloc(m->duties, sizeof *m->duties * (size_t)(m->nduties + 1));
    m->duties[m->nduties++] = d;
}

static const pm_conf_key posts_file_keys[] = {
    {"rules", 0, NULL},
    {"posts", 0, NULL},
    {"duties", 0, NULL},
    {NULL, 0, NULL},
};

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
    pm_errors errs = PM_ERRORS_INIT;
    l.c.errs = &errs;
    yaml_node_t *root = pm_conf_root(&l.c);
    int saw_posts = 0;
    if (!root || !pm_conf_is_map(root)) {
        lerr(&l, root, "the posts file must be a mapping with rules, posts and duties");
        goto done;
    }
    pm_conf_check(&l.c, root, "the posts file", posts_file_keys, NULL);
    for (int i = 0; i < pm_conf_map_len(root); i++) {
        const char *k = pm_conf_map_key(&l.c, root, i, NULL);
        yaml_node_t *v = pm_conf_map_value(&l.c, root, i);
        if (!k) continue;
        if (!strcmp(k, "rules")) {
            load_rules(&l, v);
        } else if (!strcmp(k, "posts") || !strcmp(k, "duties")) {
            int posts = !strcmp(k, "posts");
            if (posts) saw_posts = 1;
            if (pm_conf_is_scalar(v) && (!pm_conf_str(v) || !*pm_conf_str(v))) continue;
            if (!pm_conf_is_seq(v)) {
                lerr(&l, v, "'%s' must be a list", k);
                continue;
            }
            for (int j = 0; j < pm_conf_seq_len(v); j++) {
                yaml_node_t *it = pm_conf_seq_item(&l.c, v, j);
                if (posts)
                    load_post(&l, it);
                else
                    load_duty(&l, it);
            }
        } /* other keys: pm_conf_check */
    }
    if (!saw_posts && !l.c.nerrs) lerr(&l, root, "no 'posts' list");
    /* a shift is never longer than the rules allow (12 h shifts need max_shift: 12h) */
    for (int p = -1; p < m->nposts && !l.c.nerrs; p++) {
        int pi = p < 0 ? m->rules.pattern : m->posts[p].pattern;
        if (pi < 0) continue;
        const ro_pattern *pa = &m->patterns[pi];
        for (int k = 0; k < pa->n; k++)
            if ((int64_t)pa->sh[k].len_min * 60 > m->rules.max_shift) {
                char d1[32], d2[32];
                ro_fmt_dur((int64_t)pa->sh[k].len_min * 60, d1);
                ro_fmt_dur(m->rules.max_shift, d2);
                pm_conf_note_at(&l.c, p < 0 ? l.rules_shifts_line : m->posts[p].shifts_line,
                                "shifts: a shift of %s is longer than max_shift %s (12-hour shifts need max_shift: 12h "
                                "where the rules allow it)",
                                d1, d2);
                break;
            }
    }
done:
    pm_errors_report(&errs);
    pm_errors_free(&errs);
    int rc = l.c.nerrs ? -1 : 0;
    pm_conf_free(&l.c);
    pm_buf_free(&l.ids);
    return rc;
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
