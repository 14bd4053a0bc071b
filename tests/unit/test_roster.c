/* test_roster.c - pm-roster's logic below the command line: skill lists,
 * hours, shift patterns from a posts file, repeated patrols, and the shift
 * planner on a compound with exactly the staff it needs. */
#include <criterion/criterion.h>
#include "unit_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/pm-roster/roster.h"

/* The items of s, joined with '|'. */
static const char *items(const char *s)
{
    static char out[256];
    out[0] = 0;
    const char *a;
    size_t n;
    while (ro_list_next(&s, &a, &n)) {
        if (out[0]) strcat(out, "|");
        strncat(out, a, n);
    }
    return out;
}

Test(roster_list, separators_ascii_chinese_and_blanks)
{
    cr_assert_str_eq(items("guard;monitor"), "guard|monitor");
    cr_assert_str_eq(items("guard, monitor"), "guard|monitor");
    cr_assert_str_eq(items("保安、监控"), "保安|监控");
    cr_assert_str_eq(items("保安；监控"), "保安|监控");
    cr_assert_str_eq(items("保安，监控"), "保安|监控");
    cr_assert_str_eq(items("保安　监控"), "保安|监控"); /* ideographic space */
    cr_assert_str_eq(items("  guard \t monitor  "), "guard|monitor");
    cr_assert_str_eq(items(";;、"), "");
    cr_assert_str_eq(items(""), "");
}

Test(roster_list, other_multibyte_text_is_not_split)
{
    /* 、 is E3 80 81; 〃 (E3 80 83) and 〇 (E3 80 87) share its first bytes */
    cr_assert_str_eq(items("〃〇"), "〃〇");
}

Test(roster_hours, whole_minutes_only)
{
    int64_t s;
    cr_assert_eq(ro_parse_hours("44", &s), 0);
    cr_assert_eq(s, 44 * 3600);
    cr_assert_eq(ro_parse_hours("12.5", &s), 0);
    cr_assert_eq(s, 12 * 3600 + 1800);
    cr_assert_eq(ro_parse_hours("12.01", &s), -2);
    cr_assert_eq(ro_parse_hours("x", &s), -1);
}

static char *write_temp(const char *text)
{
    return test_temp_file(strdup("/tmp/pmrosterXXXXXX"), text);
}

static pm_tz *shanghai(void)
{
    pm_error err;
    pm_error_clear(&err);
    pm_tz *tz = pm_tz_open("Asia/Shanghai", &err);
    cr_assert_not_null(tz, "%s", err.msg);
    return tz;
}

/* Loads the posts file text into m (initialised by the caller): 0, or -1. */
static int load_posts(ro_model *m, const char *text)
{
    char *path = write_temp(text);
    int rc = ro_posts_load(m, path);
    unlink(path);
    free(path);
    return rc;
}

Test(roster_shifts, pattern_days_follow_the_forward_order)
{
    pm_tz *tz = shanghai();
    ro_model m;
    ro_model_init(&m, tz);
    m.rules.max_shift = 12 * 3600; /* as if declared before: the 12 h shifts pass */
    int rc = load_posts(&m, "rules:\n  shifts: [\"08:00-16:00\", \"16:00-24:00\", \"00:00-08:00\"]\n"
                            "  min_same_shift_days: 3\n  forward_rotation: hard\n"
                            "posts:\n  - {id: gate, hours: \"00:00-24:00\"}\n"
                            "  - {id: ctl, hours: \"00:00-24:00\", shifts: [\"08:00-20:00\", \"20:00-08:00\"]}\n");
    cr_assert_eq(rc, 0);
    cr_assert_eq(m.npatterns, 2);
    const ro_pattern *p = &m.patterns[m.rules.pattern];
    cr_assert_eq(p->n, 3);
    cr_assert_eq(p->sh[0].from_min, 480);
    cr_assert_eq(p->sh[0].off, 0);
    cr_assert_eq(p->sh[1].off, 0);
    cr_assert_eq(p->sh[2].from_min, 0);
    cr_assert_eq(p->sh[2].len_min, 480);
    cr_assert_eq(p->sh[2].off, 1, "the night after the evening starts the next day");
    cr_assert_eq(m.rules.min_same_days, 3);
    cr_assert_eq(m.rules.rotation, RO_HARD);
    cr_assert_eq(m.posts[0].pattern, -1);
    const ro_pattern *q = &m.patterns[m.posts[1].pattern];
    cr_assert_eq(q->n, 2);
    cr_assert_eq(q->sh[1].from_min, 1200);
    cr_assert_eq(q->sh[1].len_min, 720);
    cr_assert_eq(q->sh[1].off, 0);
    ro_model_free(&m);
    pm_tz_free(tz);
}

/* m in Asia/Shanghai with the posts file text loaded (without an error);
 * free_model frees both. */
static void load_model(ro_model *m, const char *text)
{
    ro_model_init(m, shanghai());
    cr_assert_eq(load_posts(m, text), 0);
}

static void free_model(ro_model *m)
{
    pm_tz *tz = m->tz;
    ro_model_free(m);
    pm_tz_free(tz);
}

Test(roster_posts, every_setting_lands_in_its_field)
{
    ro_model m;
    load_model(&m, "rules:\n  max_shift: 10h\n  min_rest: 11h\n  max_week_hours: 40.5\n"
                   "  rest_days_per_week: 2\n  min_same_shift_days: 4\n  same_shift: hard\n"
                   "  forward_rotation: off\n"
                   "posts:\n  - {id: gate, hours: \"20:00-06:00\", headcount: 3, max_continuous: 270m}\n"
                   "duties:\n  - {id: rounds, night: {from: \"22:00\", to: \"05:30\", times: 4, people: 2}}\n");
    cr_assert_eq(m.rules.max_shift, 10 * 3600);
    cr_assert_eq(m.rules.min_rest, 11 * 3600);
    cr_assert_eq(m.rules.max_week, 40 * 3600 + 1800);
    cr_assert_eq(m.rules.rest_days, 2);
    cr_assert_eq(m.rules.min_same_days, 4);
    cr_assert_eq(m.rules.same_how, RO_HARD);
    cr_assert_eq(m.rules.rotation, RO_OFF);
    cr_assert_eq(m.nposts, 1);
    cr_assert_str_eq(m.posts[0].id, "gate");
    cr_assert_eq(m.posts[0].from_min, 20 * 60);
    cr_assert_eq(m.posts[0].to_min, 6 * 60);
    cr_assert_eq(m.posts[0].headcount, 3);
    cr_assert_eq(m.posts[0].max_continuous, 4 * 3600 + 1800);
    cr_assert_eq(m.nduties, 1);
    cr_assert_eq(m.duties[0].nw, 1);
    const ro_window *w = &m.duties[0].w[0];
    cr_assert_str_eq(w->name, "night");
    cr_assert_eq(w->from_min, 22 * 60);
    cr_assert_eq(w->to_min, 5 * 60 + 30);
    cr_assert_eq(w->times, 4);
    cr_assert_eq(w->people, 2);
    free_model(&m);
}

Test(roster_posts, defaults_where_nothing_is_said)
{
    ro_model m;
    load_model(&m, "posts:\n  - {id: gate, hours: \"00:00-24:00\"}\n"
                   "duties:\n  - {id: rounds, day: {from: \"08:00\", to: \"20:00\"}}\n");
    cr_assert_eq(m.rules.max_shift, 8 * 3600);
    cr_assert_eq(m.rules.min_rest, 12 * 3600);
    cr_assert_eq(m.rules.max_week, 44 * 3600);
    cr_assert_eq(m.rules.rest_days, 1);
    cr_assert_eq(m.rules.min_same_days, 1);
    cr_assert_eq(m.rules.same_how, RO_SOFT);
    cr_assert_eq(m.rules.rotation, RO_SOFT);
    cr_assert_eq(m.posts[0].headcount, 1);
    cr_assert_eq(m.posts[0].max_continuous, 0);
    cr_assert_eq(m.duties[0].w[0].times, 1);
    cr_assert_eq(m.duties[0].w[0].people, 1);
    free_model(&m);
}

Test(roster_shifts, the_same_list_is_one_pattern)
{
    ro_model m;
    ro_model_init(&m, NULL);
    ro_shift *a = calloc(2, sizeof *a), *b = calloc(2, sizeof *b);
    a[0].from_min = b[0].from_min = 480;
    a[0].len_min = b[0].len_min = a[1].len_min = b[1].len_min = 720;
    a[1].from_min = b[1].from_min = 1200;
    cr_assert_eq(ro_pattern_add(&m, a, 2, 0), 0);
    cr_assert_eq(ro_pattern_add(&m, b, 2, 0), 0);
    cr_assert_eq(m.npatterns, 1);
    ro_model_free(&m);
}

Test(roster_logs, repeats_are_one_patrol)
{
    pm_tz *tz = shanghai();
    ro_model m;
    ro_model_init(&m, tz);
    m.duties = calloc(1, sizeof *m.duties);
    m.duties[0].id = strdup("rounds");
    m.nduties = 1;
    m.srcs = calloc(1, sizeof *m.srcs);
    m.srcs[0] = strdup("log.csv");
    m.nsrcs = 1;
    m.logs = calloc(4, sizeof *m.logs);
    for (int i = 0; i < 4; i++) {
        m.logs[i].staff = malloc(2 * sizeof(int));
        m.logs[i].staff[0] = 0;
        m.logs[i].staff[1] = 1;
        m.logs[i].nstaff = i == 3 ? 1 : 2; /* the last has one person only */
        m.logs[i].s = 1000;
        m.logs[i].e = 2000;
        m.logs[i].line = i + 2;
    }
    m.nlogs = 4;
    m.caplogs = 4;
    ro_logs_dedup(&m);
    cr_assert_eq(m.nlogs, 2);
    cr_assert_eq(m.logs[0].nstaff, 1);
    cr_assert_eq(m.logs[1].nstaff, 2);
    cr_assert_eq(m.logs[1].line, 2, "the first of the repeats stays");
    ro_model_free(&m);
    pm_tz_free(tz);
}

/* ro_read: one pipeline pass over the staff file, the logs and the
 * rosters; what a record is follows from the input it came from, and an
 * invalid record is rejected and counted (exit status 1), not dropped. */
Test(roster_read, staff_logs_and_rosters_in_one_pass)
{
    char *posts = write_temp("posts:\n  - {id: desk, hours: \"08:00-16:00\"}\n"
                             "duties:\n  - id: rounds\n    day: {from: \"08:00\", to: \"16:00\", times: 1}\n");
    char *staff = write_temp("id,name,skills\nS1,Wang Wei,\nS2,Li Na,\nS1,Again,\n");
    char *logs = write_temp("duty,staff,start\nrounds,S1;S2,2024-10-01 09:00\nrounds,ZZ,2024-10-01 10:00\n"
                            ",S1,2024-10-01 11:00\n");
    char *roster = write_temp("post,staff,start,end\ndesk,S1,2024-10-01 08:00,2024-10-01 16:00\n"
                              "rounds,S2,2024-10-01 08:00,2024-10-01 16:00\n"
                              "desk,S2,2024-10-01 09:00,2024-10-01 08:00\n"
                              "desk,S2,2024-10-01 08:00,2024-10-01 12:00,extra\n");
    pm_tz *tz = shanghai();
    ro_model m;
    ro_model_init(&m, tz);
    cr_assert_eq(ro_posts_load(&m, posts), 0);
    pm_common com;
    memset(&com, 0, sizeof com);
    com.tz_name = "Asia/Shanghai";
    ro_read_spec rs;
    memset(&rs, 0, sizeof rs);
    rs.staff = staff;
    rs.logs = logs;
    rs.rosters = &roster;
    rs.nrosters = 1;
    int st = ro_read(&m, &com, &rs);
    cr_assert(rs.opened);
    cr_assert_eq(m.nstaff, 2, "S1 listed twice is rejected, the first kept");
    cr_assert_str_eq(m.staff[0].name, "Wang Wei");
    cr_assert_eq(m.nlogs, 1, "the patrol of someone unknown and a log without a duty are rejected");
    cr_assert_eq(m.logs[0].nstaff, 2);
    cr_assert_eq(m.nas, 1, "the unknown post, the end before the start and the ragged row are rejected");
    cr_assert_eq(m.as[0].staff, 0);
    /* "rounds" is a duty, not a post: a roster record naming it has no duty
     * field, so it is an assignment at an unknown post */
    cr_assert_eq(rs.rejected, 6);
    cr_assert_eq(st, PM_EXIT_FLAGGED, "rejected records need a person: exit 1, not 2");
    cr_assert_eq(rs.staff_format, PM_FMT_CSV);
    cr_assert_eq(rs.format, PM_FMT_CSV);
    ro_model_free(&m);
    pm_tz_free(tz);
    const char *files[] = {posts, staff, logs, roster};
    for (int i = 0; i < 4; i++) {
        unlink(files[i]);
        free((char *)files[i]);
    }
}
