/* calendar.c - working-day calendars loaded from YAML (docs/CONTRACT.md section 2).
 *
 * A calendar keeps one table over the years it has data for (from 1 January
 * of the first to 31 December of the last): the kind of each day, its holiday
 * name, and a prefix count of working days.  Outside that span only the
 * weekend applies, and working days are counted by formula (whole weeks times
 * working weekdays, plus the days of a partial week).  So C(x), the number of
 * working days before day x, costs O(1) anywhere; counting is a difference of
 * two C values and adding N working days is a binary search on C.
 */
#include "calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define MIN_YEAR  1
#define MAX_YEAR  9999
#define YEAR_BITS ((MAX_YEAR + 1 + 63) / 64)

struct pm_calendar {
    char *name;
    unsigned weekend;    /* bit w set: weekday w (0 = Monday) is a weekend day */
    int64_t per_week;    /* working weekdays in a week */
    int64_t partial[8];  /* working days among days 0..r-1 since 1970-01-01 */
    pm_day start, end;   /* the table covers [start, end); start == end: none */
    unsigned char *kind; /* pm_daykind per day of the table */
    uint16_t *name_of;   /* 1 + index into names, or 0 */
    int32_t *prefix;     /* working days in [start, start + i), i = 0..end-start */
    char **names;
    int nnames;
    pm_arena mem; /* name, the names and the per-day tables: all the calendar owns but names */
    uint64_t has_data[YEAR_BITS];
    uint64_t needed[YEAR_BITS];   /* years without data that were used */
    uint64_t reported[YEAR_BITS]; /* ... and already returned */
    int pending;                  /* needed and not yet reported */
    /* pm_calendar_add_workdays's answers, direct-mapped by (day, n): the
     * tickets of a day share their start day and durations.  A hit skips
     * need_years, which the first computation of (day, n) did. */
    struct wd_memo {
        pm_day day, last;
        int64_t n;
    } memo[512];
    pm_day noted_lo, noted_hi; /* the days of the last single year
                                  need_years dealt with */
};

static int bit_get(const uint64_t *set, int y)
{
    return (int)((set[y / 64] >> (y % 64)) & 1);
}

static void bit_set(uint64_t *set, int y)
{
    set[y / 64] |= (uint64_t)1 << (y % 64);
}

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static int year_of(pm_day d)
{
    int y, m, dd;
    pm_civil_from_day(d, &y, &m, &dd);
    return y;
}

/* Marks the years of days [a, b] that have no data as needed. */
static void need_years(pm_calendar *cal, pm_day a, pm_day b)
{
    if (a >= cal->noted_lo && b < cal->noted_hi) /* that year is dealt with */
        return;
    int y1 = year_of(a), y2 = a == b ? y1 : year_of(b);
    if (y1 == y2 && y1 >= MIN_YEAR && y1 <= MAX_YEAR) {
        cal->noted_lo = pm_day_from_civil(y1, 1, 1);
        cal->noted_hi = pm_day_from_civil(y1 + 1, 1, 1);
    }
    if (y1 < MIN_YEAR) y1 = MIN_YEAR;
    if (y2 > MAX_YEAR) y2 = MAX_YEAR;
    for (int y = y1; y <= y2; y++) {
        if (!bit_get(cal->has_data, y) && !bit_get(cal->needed, y)) {
            bit_set(cal->needed, y);
            cal->pending++;
        }
    }
}

/* Working days in [0, x) by weekends alone (negative for x < 0). */
static int64_t weekly_count(const pm_calendar *cal, pm_day x)
{
    int64_t q = fdiv(x, 7);
    return q * cal->per_week + cal->partial[x - q * 7];
}

/* Working days in [0, x), table included (a difference of two values is the
 * count between them). */
static int64_t count_before(const pm_calendar *cal, pm_day x)
{
    pm_day cl;
    if (cal->start == cal->end) return weekly_count(cal, x);
    cl = x < cal->start ? cal->start : x > cal->end ? cal->end : x;
    return weekly_count(cal, x) - weekly_count(cal, cl) + weekly_count(cal, cal->start) + cal->prefix[cl - cal->start];
}

static pm_daykind kind_of(const pm_calendar *cal, pm_day day)
{
    if (day >= cal->start && day < cal->end) return (pm_daykind)cal->kind[day - cal->start];
    return (cal->weekend >> pm_day_weekday(day)) & 1 ? PM_DAY_WEEKEND : PM_DAY_WORKING;
}

pm_daykind pm_calendar_kind(pm_calendar *cal, pm_day day)
{
    need_years(cal, day, day);
    return kind_of(cal, day);
}

int pm_calendar_is_workday(pm_calendar *cal, pm_day day)
{
    pm_daykind k = pm_calendar_kind(cal, day);
    return k == PM_DAY_WORKING || k == PM_DAY_MAKEUP;
}

const char *pm_calendar_holiday_name(const pm_calendar *cal, pm_day day)
{
    if (day < cal->start || day >= cal->end || cal->kind[day - cal->start] != PM_DAY_HOLIDAY) return NULL;
    uint16_t i = cal->name_of[day - cal->start];
    return i ? cal->names[i - 1] : NULL;
}

int pm_calendar_has_year(const pm_calendar *cal, int year)
{
    return year >= MIN_YEAR && year <= MAX_YEAR && bit_get(cal->has_data, year);
}

const char *pm_calendar_name(const pm_calendar *cal)
{
    return cal->name;
}

int64_t pm_calendar_count_workdays(pm_calendar *cal, pm_day a, pm_day b)
{
    if (b <= a) return 0;
    need_years(cal, a + 1, b);
    return count_before(cal, b + 1) - count_before(cal, a + 1);
}

/* Far beyond any deadline; keeps the search bounds from overflowing. */
#define MAX_ADD 1000000000LL

pm_day pm_calendar_add_workdays(pm_calendar *cal, pm_day day, int64_t n)
{
    int64_t target, lo, hi;
    if (n <= 0) return day;
    if (n > MAX_ADD) n = MAX_ADD;
    struct wd_memo *m = &cal->memo[((uint64_t)day * 8 + (uint64_t)n) % 512];
    if (m->n == n && m->day == day) return m->last;
    /* Find the first x > day with count_before(x + 1) >= target. */
    target = count_before(cal, day + 1) + n;
    lo = day + 1;
    hi = day + n * 7 + (cal->end - cal->start) + 14;
    while (count_before(cal, hi + 1) < target) /* never, by the bound; kept safe */
        hi += hi - lo + 7;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (count_before(cal, mid + 1) >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    need_years(cal, day + 1, lo);
    m->day = day;
    m->n = n;
    m->last = lo;
    return lo;
}

int pm_calendar_take_missing_year(pm_calendar *cal, int *year)
{
    if (cal->pending == 0) return 0;
    for (int w = 0; w < YEAR_BITS; w++) {
        uint64_t left = cal->needed[w] & ~cal->reported[w];
        if (left) {
            int y = w * 64 + __builtin_ctzll(left);
            bit_set(cal->reported, y);
            cal->pending--;
            *year = y;
            return 1;
        }
    }
    cal->pending = 0;
    return 0;
}

void pm_calendar_free(pm_calendar *cal)
{
    if (!cal) return;
    pm_arena_free(&cal->mem);
    free(cal->names);
    free(cal);
}

/* Loading ----------------------------------------------------------------- */

typedef struct entry {
    pm_day from, to; /* inclusive */
    int workday;     /* 0: holiday, 1: make-up working day */
    int name;        /* 1 + index into names, or 0 */
    long line;
} entry;

/* A load in progress: every problem is noted in conf (conf.errs, the
 * caller's list) and the walk goes on, so that one run names them all; the
 * load fails at the end when any was noted. */
typedef struct loader {
    pm_conf conf;
    pm_calendar *cal;
    entry *v;
    size_t n, cap;
} loader;

static int intern_name(pm_calendar *cal, const char *s)
{
    for (int i = 0; i < cal->nnames; i++)
        if (strcmp(cal->names[i], s) == 0) return i + 1;
    if (cal->nnames >= 65535) return 0;
    cal->names = pm_xrealloc(cal->names, (size_t)(cal->nnames + 1) * sizeof *cal->names);
    cal->names[cal->nnames++] = pm_arena_strndup(&cal->mem, s, strlen(s));
    return cal->nnames;
}

/* "2024-02-10" or "2024-02-10..2024-02-17" at node. */
static void add_days(loader *L, yaml_node_t *node, int workday, const char *name)
{
    const char *s = pm_conf_str(node);
    const char *dots;
    pm_day a, b;
    const char *what = workday ? "workdays" : "holidays";
    if (!s) {
        pm_conf_note(&L->conf, node, "%s: expected a date or a range YYYY-MM-DD..YYYY-MM-DD", what);
        return;
    }
    dots = strstr(s, "..");
    if (dots) {
        if (pm_day_parse(s, (size_t)(dots - s), &a) < 0 || pm_day_parse(dots + 2, strlen(dots + 2), &b) < 0) {
            pm_conf_note(&L->conf, node, "%s: bad range '%s' (expected YYYY-MM-DD..YYYY-MM-DD)", what, s);
            return;
        }
        if (a > b) {
            pm_conf_note(&L->conf, node, "%s: bad range '%s': it ends before it starts", what, s);
            return;
        }
    } else if (pm_day_parse(s, strlen(s), &a) < 0) {
        pm_conf_note(&L->conf, node, "%s: bad date '%s' (expected YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD)", what,
                     s);
        return;
    } else {
        b = a;
    }
    if (year_of(a) < MIN_YEAR || year_of(b) > MAX_YEAR) {
        pm_conf_note(&L->conf, node, "%s: '%s' is outside years 1-9999", what, s);
        return;
    }
    PM_GROW(L->v, L->n + 1, L->cap);
    L->v[L->n++] = (entry){.from = a,
                           .to = b,
                           .workday = workday,
                           .name = name && *name ? intern_name(L->cal, name) : 0,
                           .line = pm_conf_line(node)};
}

/* Pairs of a mapping: day-or-range -> name. */
static void add_map(loader *L, yaml_node_t *map, int workday)
{
    int n = pm_conf_map_len(map);
    for (int i = 0; i < n; i++) {
        yaml_node_t *k, *v = pm_conf_map_value(&L->conf, map, i);
        const char *name = NULL;
        pm_conf_map_key(&L->conf, map, i, &k);
        if (v && v->type == YAML_SCALAR_NODE) {
            name = pm_conf_str(v);
        } else if (v) {
            pm_conf_note(&L->conf, v, "%s: the name of '%s' must be text", workday ? "workdays" : "holidays",
                         pm_conf_str(k) ? pm_conf_str(k) : "?");
            continue;
        }
        /* An empty value (2024-01-01: ) is a plain null: no name. */
        if (name && (!strcmp(name, "~") || !strcmp(name, "null")) && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            name = NULL;
        add_days(L, k, workday, name);
    }
}

static void add_list(loader *L, yaml_node_t *node, int workday)
{
    const char *what = workday ? "workdays" : "holidays";
    if (!node) return;
    if (pm_conf_is_map(node)) {
        add_map(L, node, workday);
    } else if (pm_conf_is_scalar(node)) {
        const char *s = pm_conf_str(node);
        /* "holidays:" with nothing, or "holidays: []" written as null */
        if (*s && strcmp(s, "~") != 0 && strcmp(s, "null") != 0) add_days(L, node, workday, NULL);
    } else if (!pm_conf_is_seq(node)) {
        pm_conf_note(&L->conf, node, "%s must be a list of dates and ranges, or a mapping of them to names", what);
    } else {
        for (int i = 0; i < pm_conf_seq_len(node); i++) {
            yaml_node_t *it = pm_conf_seq_item(&L->conf, node, i);
            if (pm_conf_is_map(it))
                add_map(L, it, workday);
            else
                add_days(L, it, workday, NULL);
        }
    }
}

static int weekday_index(const char *s)
{
    static const char *const shortn[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    static const char *const longn[7] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    for (int i = 0; i < 7; i++)
        if (!strcasecmp(s, shortn[i]) || !strcasecmp(s, longn[i])) return i;
    return -1;
}

static void load_weekend(loader *L, yaml_node_t *node)
{
    unsigned mask = 0;
    int bad = 0;
    if (!node) {
        L->cal->weekend = (1u << 5) | (1u << 6);
        return;
    }
    if (pm_conf_is_scalar(node) && (!*pm_conf_str(node) || !strcmp(pm_conf_str(node), "~"))) {
        L->cal->weekend = 0;
        return;
    }
    if (!pm_conf_is_seq(node)) {
        pm_conf_note(&L->conf, node, "weekend must be a list of weekdays, e.g. [sat, sun]");
        return;
    }
    for (int i = 0; i < pm_conf_seq_len(node); i++) {
        yaml_node_t *it = pm_conf_seq_item(&L->conf, node, i);
        const char *s = pm_conf_str(it);
        int w = s ? weekday_index(s) : -1;
        if (w < 0) {
            pm_conf_note(&L->conf, it, "weekend: unknown weekday '%s' (expected mon, tue, wed, thu, fri, sat, sun)",
                         s ? s : "?");
            bad = 1;
        } else {
            mask |= 1u << w;
        }
    }
    if (mask == 0x7f)
        pm_conf_note(&L->conf, node, "weekend: every day of the week is a weekend day, so no day would be working");
    else if (!bad)
        L->cal->weekend = mask;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* Builds the day table from the entries; notes each entry that makes a day
 * both a holiday and a working day (at its first such day). */
static void build(loader *L)
{
    pm_calendar *cal = L->cal;
    pm_day lo = 0, hi = 0;
    size_t i;
    long *line_of; /* line of the entry that set each day, for conflicts */

    for (int r = 0; r < 8; r++) {
        int64_t c = 0;
        for (int j = 0; j < r; j++)
            if (!((cal->weekend >> pm_day_weekday(j)) & 1)) c++;
        cal->partial[r] = c;
    }
    cal->per_week = cal->partial[7];
    if (L->n == 0) {
        cal->start = cal->end = 0;
        return;
    }
    qsort(L->v, L->n, sizeof *L->v, cmp_entry);
    for (i = 0; i < L->n; i++) {
        if (i == 0 || L->v[i].from < lo) lo = L->v[i].from;
        if (i == 0 || L->v[i].to > hi) hi = L->v[i].to;
        for (int y = year_of(L->v[i].from); y <= year_of(L->v[i].to); y++) bit_set(cal->has_data, y);
    }
    cal->start = pm_day_from_civil(year_of(lo), 1, 1);
    cal->end = pm_day_from_civil(year_of(hi) + 1, 1, 1);
    size_t n = (size_t)(cal->end - cal->start);
    cal->kind = pm_arena_alloc(&cal->mem, n);
    cal->name_of = pm_arena_alloc(&cal->mem, n * sizeof *cal->name_of);
    memset(cal->name_of, 0, n * sizeof *cal->name_of);
    cal->prefix = pm_arena_alloc(&cal->mem, (n + 1) * sizeof *cal->prefix);
    line_of = pm_xcalloc(n, sizeof *line_of);
    for (size_t k = 0; k < n; k++)
        cal->kind[k] = (cal->weekend >> pm_day_weekday(cal->start + (pm_day)k)) & 1 ? PM_DAY_WEEKEND : PM_DAY_WORKING;
    for (i = 0; i < L->n; i++) {
        entry *e = &L->v[i];
        for (pm_day d = e->from; d <= e->to; d++) {
            size_t k = (size_t)(d - cal->start);
            if (line_of[k] && (cal->kind[k] == PM_DAY_HOLIDAY) != !e->workday) {
                char day[16];
                pm_day_format(d, day);
                pm_conf_note_at(&L->conf, e->line, "%s is both a holiday and a working day (see line %ld)", day,
                                line_of[k]);
                break;
            }
            if (e->workday) {
                cal->kind[k] = (cal->weekend >> pm_day_weekday(d)) & 1 ? PM_DAY_MAKEUP : PM_DAY_WORKING;
            } else {
                cal->kind[k] = PM_DAY_HOLIDAY;
                if (!cal->name_of[k]) cal->name_of[k] = (uint16_t)e->name;
            }
            if (!line_of[k]) line_of[k] = e->line;
        }
    }
    free(line_of);
    cal->prefix[0] = 0;
    for (size_t k = 0; k < n; k++)
        cal->prefix[k + 1] = cal->prefix[k] + (cal->kind[k] == PM_DAY_WORKING || cal->kind[k] == PM_DAY_MAKEUP);
}

/* The keys of a calendar file: description, source, sources and notes are
 * for the people who keep it. */
enum { KEY_NAME, KEY_WEEKEND, KEY_HOLIDAYS, KEY_WORKDAYS };
static const pm_conf_key calendar_keys[] = {
    [KEY_NAME] = {"name", PM_CONF_SCALAR, NULL},
    [KEY_WEEKEND] = {"weekend", 0, NULL}, /* load_weekend and add_list say what they need */
    [KEY_HOLIDAYS] = {"holidays", 0, NULL},
    [KEY_WORKDAYS] = {"workdays", 0, NULL},
    {"description", 0, NULL},
    {"source", 0, NULL},
    {"sources", 0, NULL},
    {"notes", 0, NULL},
    {NULL, 0, NULL},
};

/* The file name without its folder and last extension. */
static char *stem(pm_arena *mem, const char *path)
{
    const char *b = strrchr(path, '/');
    const char *s = b ? b + 1 : path, *dot = strrchr(s, '.');
    return pm_arena_strndup(mem, s, dot && dot != s ? (size_t)(dot - s) : strlen(s));
}

static void load(loader *L)
{
    yaml_node_t *root = pm_conf_root(&L->conf);
    yaml_node_t *v[PM_CONF_NKEYS(calendar_keys)];
    if (!pm_conf_is_map(root)) {
        pm_conf_note(&L->conf, root, "a calendar must be a mapping with name, weekend, holidays, workdays");
        return;
    }
    pm_conf_check(&L->conf, root, "a calendar", calendar_keys, v);
    const char *name = v[KEY_NAME] ? pm_conf_str(v[KEY_NAME]) : NULL;
    L->cal->name =
        name && *name ? pm_arena_strndup(&L->cal->mem, name, strlen(name)) : stem(&L->cal->mem, L->conf.path);
    load_weekend(L, v[KEY_WEEKEND]);
    add_list(L, v[KEY_HOLIDAYS], 0);
    add_list(L, v[KEY_WORKDAYS], 1);
    build(L);
}

/* The calendar in L->conf, which pm_conf_load just loaded (rc 0) or
 * could not load (rc -1, for the reason in *e). */
static pm_calendar *finish(loader *L, int rc, const pm_error *e, pm_errors *errs)
{
    if (rc != 0) {
        pm_errors_add(errs, e);
        return NULL;
    }
    L->conf.errs = errs;
    L->cal = pm_xcalloc(1, sizeof *L->cal);
    load(L);
    if (L->conf.nerrs) {
        pm_calendar_free(L->cal);
        L->cal = NULL;
    }
    free(L->v);
    pm_conf_free(&L->conf);
    return L->cal;
}

pm_calendar *pm_calendar_load(const char *path, pm_errors *errs)
{
    loader L = {0};
    pm_error e;
    return finish(&L, pm_conf_load(&L.conf, path, &e), &e, errs);
}

pm_calendar *pm_calendar_load_string(const char *yaml, const char *name, pm_errors *errs)
{
    loader L = {0};
    pm_error e;
    return finish(&L, pm_conf_load_string(&L.conf, yaml, strlen(yaml), name, &e), &e, errs);
}

static pm_calendar *builtin(const char *name, pm_errors *errs)
{
    if (!*name || strchr(name, '/') || strlen(name) > 200) {
        pm_error e;
        pm_error_set(&e, NULL, 0, "no built-in calendar '%s'", name);
        pm_errors_add(errs, &e);
        return NULL;
    }
    char rel[256];
    snprintf(rel, sizeof rel, "calendars/%s.yaml", name);
    char *path = pm_data_path(rel);
    pm_calendar *cal = pm_calendar_load(path, errs);
    free(path);
    return cal;
}

pm_calendar *pm_calendar_builtin(const char *name, pm_error *err)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = builtin(name, &errs);
    if (!cal) *err = errs.v[0];
    pm_errors_free(&errs);
    return cal;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

pm_calendar *pm_calendar_open(const char *name_or_path, pm_errors *errs)
{
    if (strchr(name_or_path, '/') || ends_with(name_or_path, ".yaml") || ends_with(name_or_path, ".yml"))
        return pm_calendar_load(name_or_path, errs);
    return builtin(name_or_path, errs);
}
