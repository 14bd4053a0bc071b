/* test_conf.c - configuration files: loading, lookups, lines, errors, data path. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "text.h"
#include "calendar.h"

static void load_ok(pm_conf *c, const char *text)
{
    pm_error err;
    int rc = pm_conf_load_string(c, text, strlen(text), "test.yaml", &err);
    cr_assert_eq(rc, 0, "load: %s:%ld: %s", err.file, err.line, err.msg);
}

static pm_error load_fails(const char *text)
{
    pm_conf c;
    pm_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(pm_conf_load_string(&c, text, strlen(text), "bad.yaml", &err), -1, "loaded: %s", text);
    cr_assert_str_eq(err.file, "bad.yaml");
    pm_conf_free(&c); /* safe after a failed load */
    return err;
}

Test(conf, load_file_and_look_up)
{
    pm_conf c;
    pm_error err;
    cr_assert_eq(pm_conf_load(&c, "fixtures/conf_basic.yaml", &err), 0, "%s", err.msg);
    yaml_node_t *root = pm_conf_root(&c);
    cr_assert(pm_conf_is_map(root));
    cr_assert_eq(pm_conf_line(root), 2);

    yaml_node_t *tz = pm_conf_get(&c, root, "timezone");
    cr_assert(pm_conf_is_scalar(tz));
    cr_assert_str_eq(pm_conf_str(tz), "Asia/Shanghai");
    cr_assert_eq(pm_conf_line(tz), 2);

    yaml_node_t *cats = pm_conf_get(&c, root, "categories");
    cr_assert(pm_conf_is_map(cats));
    cr_assert_eq(pm_conf_map_len(cats), 2);
    yaml_node_t *key;
    cr_assert_str_eq(pm_conf_map_key(&c, cats, 0, &key), "noise");
    cr_assert_eq(pm_conf_line(key), 4);
    cr_assert_str_eq(pm_conf_map_key(&c, cats, 1, NULL), "indoor_repair");
    cr_assert_null(pm_conf_map_key(&c, cats, 2, &key));
    cr_assert_null(key);
    yaml_node_t *noise = pm_conf_map_value(&c, cats, 0);
    cr_assert_str_eq(pm_conf_str(pm_conf_get(&c, noise, "arrive")), "15m");
    yaml_node_t *res = pm_conf_get(&c, pm_conf_get(&c, cats, "indoor_repair"), "resolve");
    cr_assert_eq(pm_conf_line(res), 7, "a block mapping starts at its first key");
    cr_assert_str_eq(pm_conf_str(pm_conf_get(&c, res, "within")), "7wd");
    yaml_node_t *agreed = pm_conf_get(&c, res, "agreed");
    cr_assert_eq(pm_conf_bool(agreed), 1);
    cr_assert_eq(pm_conf_line(agreed), 8);

    yaml_node_t *list = pm_conf_get(&c, root, "list");
    cr_assert(pm_conf_is_seq(list));
    cr_assert_eq(pm_conf_seq_len(list), 3);
    cr_assert_str_eq(pm_conf_str(pm_conf_seq_item(&c, list, 2)), "c");
    cr_assert_null(pm_conf_seq_item(&c, list, 3));
    cr_assert_null(pm_conf_seq_item(&c, list, -1));
    yaml_node_t *block = pm_conf_get(&c, root, "block");
    cr_assert_eq(pm_conf_seq_len(block), 2);
    cr_assert_eq(pm_conf_line(pm_conf_seq_item(&c, block, 1)), 12);

    cr_assert_str_eq(pm_conf_str(pm_conf_get(&c, root, "name")), "物业");
    cr_assert_str_eq(pm_conf_str(pm_conf_get(&c, root, "empty")), "");
    cr_assert_null(pm_conf_get(&c, root, "missing"));
    cr_assert_null(pm_conf_get(&c, list, "a"), "a sequence is no mapping");
    cr_assert_null(pm_conf_get(&c, NULL, "a"));
    cr_assert_null(pm_conf_str(list));
    cr_assert_eq(pm_conf_seq_len(root), 0);
    cr_assert_eq(pm_conf_map_len(list), 0);
    cr_assert_str_eq(c.path, "fixtures/conf_basic.yaml");
    pm_conf_free(&c);
}

Test(conf, keeps_the_raw_bytes)
{
    pm_conf c;
    pm_error err;
    char buf[4096];
    FILE *f = fopen("fixtures/conf_basic.yaml", "rb");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_eq(pm_conf_load(&c, "fixtures/conf_basic.yaml", &err), 0);
    cr_assert_eq(c.nbytes, n);
    cr_assert_eq(memcmp(c.bytes, buf, n), 0);
    pm_conf_free(&c);
}

Test(conf, syntax_error_has_file_and_line)
{
    pm_conf c;
    pm_error err;
    cr_assert_eq(pm_conf_load(&c, "fixtures/conf_bad.yaml", &err), -1);
    cr_assert_str_eq(err.file, "fixtures/conf_bad.yaml");
    cr_assert_eq(err.line, 3, "line %ld: %s", err.line, err.msg);
    cr_assert(strncmp(err.msg, "could not parse YAML: ", 22) == 0, "%s", err.msg);
    pm_conf_free(&c);

    err = load_fails("a: 1\n  b: 2\n");
    cr_assert_eq(err.line, 2, "%ld %s", err.line, err.msg);
    err = load_fails("key: 'unterminated\n");
    cr_assert(strstr(err.msg, "could not parse YAML"));
    err = load_fails("a: *nowhere\n"); /* undefined alias */
    cr_assert_eq(err.line, 1, "%ld %s", err.line, err.msg);
    err = load_fails("a: \xff\xfe\n"); /* not UTF-8 */
    cr_assert(strstr(err.msg, "could not parse YAML"), "%s", err.msg);
}

Test(conf, missing_file)
{
    pm_conf c;
    pm_error err;
    cr_assert_eq(pm_conf_load(&c, "fixtures/conf_no_such_file.yaml", &err), -1);
    cr_assert_str_eq(err.file, "fixtures/conf_no_such_file.yaml");
    cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
    cr_assert_eq(pm_conf_load(&c, "fixtures", &err), -1, "a folder is no file");
}

Test(conf, empty_documents_have_no_root)
{
    pm_conf c;
    pm_error err;
    cr_assert_eq(pm_conf_load(&c, "fixtures/conf_empty.yaml", &err), 0);
    cr_assert_null(pm_conf_root(&c));
    cr_assert_null(pm_conf_get(&c, pm_conf_root(&c), "x"));
    cr_assert_eq(c.nbytes, 0);
    pm_conf_free(&c);
    load_ok(&c, "# only a comment\n\n");
    cr_assert_null(pm_conf_root(&c));
    pm_conf_free(&c);
    load_ok(&c, "");
    cr_assert_null(pm_conf_root(&c));
    pm_conf_free(&c);
}

Test(conf, one_document_only)
{
    pm_error err = load_fails("a: 1\n---\nb: 2\n");
    cr_assert_eq(err.line, 3, "%ld", err.line);
    cr_assert(strstr(err.msg, "one YAML document"), "%s", err.msg);
    pm_conf c;
    load_ok(&c, "---\na: 1\n...\n");
    cr_assert(pm_conf_is_map(pm_conf_root(&c)));
    pm_conf_free(&c);
}

Test(conf, duplicate_keys_are_errors)
{
    pm_error err = load_fails("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n");
    cr_assert_eq(err.line, 5);
    cr_assert(strstr(err.msg, "duplicate key 'x' (first on line 3)"), "%s", err.msg);
}

Test(conf, duplicate_keys_in_big_mappings)
{
    char text[8192];
    size_t n = 0;
    for (int i = 0; i < 300; i++) n += (size_t)snprintf(text + n, sizeof text - n, "k%d: %d\n", i == 250 ? 17 : i, i);
    pm_error err = load_fails(text);
    cr_assert_eq(err.line, 251, "%ld %s", err.line, err.msg);
    cr_assert(strstr(err.msg, "duplicate key 'k17' (first on line 18)"), "%s", err.msg);
    n = 0;
    for (int i = 0; i < 300; i++) n += (size_t)snprintf(text + n, sizeof text - n, "k%d: %d\n", i, i);
    pm_conf c;
    load_ok(&c, text);
    cr_assert_str_eq(pm_conf_str(pm_conf_get(&c, pm_conf_root(&c), "k299")), "299");
    pm_conf_free(&c);
}

/* Aliases are shared nodes: a "billion laughs" document loads at once and
 * its alias points at the anchored node itself. */
Test(conf, aliases_are_shared_not_expanded)
{
    pm_conf c;
    const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    clock_t t0 = clock();
    load_ok(&c, text);
    cr_assert(clock() - t0 < CLOCKS_PER_SEC / 2);
    yaml_node_t *root = pm_conf_root(&c);
    yaml_node_t *b = pm_conf_get(&c, root, "b");
    cr_assert_eq(pm_conf_seq_item(&c, b, 0), pm_conf_get(&c, root, "a"), "the alias is the node");
    cr_assert_eq(pm_conf_seq_len(pm_conf_get(&c, root, "i")), 10);
    cr_assert(c.doc.nodes.top - c.doc.nodes.start < 100, "nodes were not copied");
    pm_conf_free(&c);
}

Test(conf, bools)
{
    pm_conf c;
    load_ok(&c, "[true, True, yes, YES, '1', 1, false, no, No, 0, maybe, '', [x]]");
    yaml_node_t *r = pm_conf_root(&c);
    int want[] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, -1, -1, -1};
    for (int i = 0; i < 13; i++) cr_assert_eq(pm_conf_bool(pm_conf_seq_item(&c, r, i)), want[i], "item %d", i);
    cr_assert_eq(pm_conf_bool(NULL), -1);
    pm_conf_free(&c);
}

Test(conf, error_at_node)
{
    pm_conf c;
    pm_error err;
    load_ok(&c, "a: 1\nb: {c: nope}\n");
    yaml_node_t *n = pm_conf_get(&c, pm_conf_get(&c, pm_conf_root(&c), "b"), "c");
    pm_conf_error(&c, n, &err, "bad value '%s'", pm_conf_str(n));
    cr_assert_str_eq(err.file, "test.yaml");
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(err.msg, "bad value 'nope'");
    pm_conf_error(&c, NULL, &err, "whole file");
    cr_assert_eq(err.line, 0);
    pm_conf_free(&c);
}

Test(conf, strings_with_length)
{
    pm_conf c;
    pm_error err;
    const char *text = "a: 1\nb: 2\nGARBAGE: [";
    cr_assert_eq(pm_conf_load_string(&c, text, 10, "part", &err), 0, "%s", err.msg);
    cr_assert_eq(pm_conf_map_len(pm_conf_root(&c)), 2);
    cr_assert_eq(c.nbytes, 10);
    pm_conf_free(&c);
    pm_conf_free(&c); /* twice is harmless */
}

Test(conf, data_path)
{
    char *p;
    setenv("PM_DATADIR", "/opt/pm-data", 1);
    p = pm_data_path("calendars/cn.yaml");
    cr_assert_str_eq(p, "/opt/pm-data/calendars/cn.yaml");
    free(p);
    unsetenv("PM_DATADIR");
    p = pm_data_path("calendars/cn.yaml");
    /* beside the program (build tree or installed), else the compiled-in
     * folder: an absolute path either way */
    cr_assert(p[0] == '/', "%s", p);
    cr_assert(strstr(p, "/calendars/cn.yaml"), "%s", p);
    free(p);
    setenv("PM_DATADIR", "", 1); /* empty is unset */
    p = pm_data_path("x");
    cr_assert(p[0] == '/' && strcmp(p, "/x") != 0, "%s", p);
    free(p);
}

/* Key tables: pm_conf_check ---------------------------------------------- */

static const pm_conf_key clock_keys[] = {
    {"within", PM_CONF_SCALAR, NULL},
    {"agreed", PM_CONF_SCALAR, "true or false"},
    {"pause", 0, NULL},
    {"steps", PM_CONF_SEQ | PM_CONF_MAP, NULL},
    {NULL, 0, NULL},
};

Test(conf_check, known_keys_pass_and_values_come_back)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    yaml_node_t *v[4];
    load_ok(&c, "within: 7wd\npause: [x]\nsteps: {a: 1}\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, v), 0);
    cr_assert_eq(errs.n, 0);
    cr_assert_str_eq(pm_conf_str(v[0]), "7wd");
    cr_assert_null(v[1], "absent");
    cr_assert(pm_conf_is_seq(v[2]), "kind 0 takes anything");
    cr_assert(pm_conf_is_map(v[3]));
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, every_unknown_key_is_an_error_with_the_known_ones_listed)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    load_ok(&c, "withn: 7wd\nagreed: true\npuase: false\nzzz: 1\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, NULL), 3);
    cr_assert_eq(c.nerrs, 3);
    cr_assert_eq(errs.n, 3);
    cr_assert_str_eq(errs.v[0].file, "test.yaml");
    cr_assert_eq(errs.v[0].line, 1);
    cr_assert_str_eq(errs.v[0].msg, "unknown key 'withn' in a clock (known: within, agreed, pause, steps); "
                                    "did you mean 'within'?");
    cr_assert_eq(errs.v[1].line, 3);
    cr_assert_str_eq(errs.v[1].msg, "unknown key 'puase' in a clock (known: within, agreed, pause, steps); "
                                    "did you mean 'pause'?");
    cr_assert_eq(errs.v[2].line, 4);
    cr_assert_str_eq(errs.v[2].msg, "unknown key 'zzz' in a clock (known: within, agreed, pause, steps)",
                     "nothing near: no hint");
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, every_value_of_a_wrong_kind_is_an_error)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    yaml_node_t *v[4];
    load_ok(&c, "within: [7wd]\nagreed: {x: 1}\nsteps: plain\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, v), 3);
    cr_assert_eq(errs.n, 3);
    cr_assert_str_eq(errs.v[0].msg, "within must be text");
    cr_assert_eq(errs.v[0].line, 1);
    cr_assert_str_eq(errs.v[1].msg, "agreed must be true or false");
    cr_assert_eq(errs.v[1].line, 2);
    cr_assert_str_eq(errs.v[2].msg, "steps must be a list or a mapping");
    cr_assert_null(v[0], "a refused value is not handed back");
    cr_assert_null(v[1]);
    cr_assert_null(v[3]);
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

static const pm_conf_key target_keys[] = {
    {"figure", PM_CONF_SCALAR | PM_CONF_REQUIRED, "a figure's name"},
    {"comparison", PM_CONF_SCALAR, NULL},
    {"value", PM_CONF_SCALAR | PM_CONF_REQUIRED, NULL},
    {NULL, 0, NULL},
};

Test(conf_check, every_missing_required_key_is_an_error_at_the_section)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    yaml_node_t *v[3];
    load_ok(&c, "# a target\ncomparison: '>='\nvalu: 3\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a target", target_keys, v), 3);
    cr_assert_eq(errs.n, 3);
    cr_assert_str_eq(errs.v[0].msg, "unknown key 'valu' in a target (known: figure, comparison, value); "
                                    "did you mean 'value'?");
    cr_assert_str_eq(errs.v[1].msg, "a target needs 'figure': a figure's name");
    cr_assert_eq(errs.v[1].line, 2, "at the mapping's first line");
    cr_assert_str_eq(errs.v[2].msg, "a target needs 'value'", "no WHAT: the name alone");
    cr_assert_str_eq(pm_conf_str(v[1]), ">=");
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, a_required_key_of_a_wrong_kind_is_one_error_not_two)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    yaml_node_t *v[3];
    load_ok(&c, "figure: [a]\nvalue: 0.9\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a target", target_keys, v), 1);
    cr_assert_str_eq(errs.v[0].msg, "figure must be a figure's name");
    cr_assert_null(v[0]);
    cr_assert_str_eq(pm_conf_str(v[2]), "0.9");
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, a_section_that_is_no_mapping_is_one_error)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    load_ok(&c, "top:\n  - a\n  - b\n");
    c.errs = &errs;
    yaml_node_t *seq = pm_conf_get(&c, pm_conf_root(&c), "top");
    cr_assert_eq(pm_conf_check(&c, seq, "a clock", clock_keys, NULL), 1);
    cr_assert_str_eq(errs.v[0].msg, "a clock must be a mapping");
    cr_assert_eq(errs.v[0].line, 2);
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, errors_are_counted_without_a_list)
{
    pm_conf c;
    load_ok(&c, "a: 1\nb: 2\n");
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, NULL), 2);
    cr_assert_eq(c.nerrs, 2);
    pm_conf_free(&c);
}

Test(conf_check, odd_keys_are_printable_in_messages)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    load_ok(&c, "\"wi\\ttin\": 1\n[a, b]: 2\n");
    c.errs = &errs;
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, NULL), 2);
    cr_assert(strncmp(errs.v[0].msg, "unknown key 'wi\\x09tin' in a clock", 34) == 0, "%s", errs.v[0].msg);
    cr_assert(strncmp(errs.v[1].msg, "unknown key '(not a text)' in a clock", 37) == 0, "%s", errs.v[1].msg);
    pm_conf_free(&c);
    pm_errors_free(&errs);
}

Test(conf_check, note_and_report_keep_file_and_line)
{
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    load_ok(&c, "a: 1\nb: 2\n");
    c.errs = &errs;
    pm_conf_note(&c, pm_conf_get(&c, pm_conf_root(&c), "b"), "b is %s", "wrong");
    pm_conf_note(&c, NULL, "no line");
    cr_assert_eq(c.nerrs, 2);
    cr_assert_eq(errs.n, 2);
    cr_assert_eq(errs.v[0].line, 2);
    cr_assert_str_eq(errs.v[0].msg, "b is wrong");
    cr_assert_eq(errs.v[1].line, 0);
    pm_conf_free(&c);
    pm_errors_free(&errs);
    cr_assert_eq(errs.n, 0);
}

/* The "did you mean" of every loader and of pm-report's field names. */
Test(text_nearest, near_names_nearest_first)
{
    static const char *const known[] = {"timezone", "calendar", "categories", "versions", "created_at"};
    int out[3];
    cr_assert_eq(pm_text_nearest("categoires", known, 5, out, 3), 1);
    cr_assert_eq(out[0], 2);
    cr_assert_eq(pm_text_nearest("TimeZone", known, 5, out, 3), 1, "case only");
    cr_assert_eq(out[0], 0);
    cr_assert_eq(pm_text_nearest("created", known, 5, out, 3), 1, "cut short");
    cr_assert_eq(out[0], 4);
    cr_assert_eq(pm_text_nearest("xyz", known, 5, out, 3), 0);
    cr_assert_eq(pm_text_distance("kind", "kidn"), 1, "a swap is one edit");
    cr_assert_eq(pm_text_distance("时区", "时间"), 1, "a character is one, not three bytes");
    cr_assert_eq(pm_text_distance("", "abc"), 3);
}

/* Calendars follow the same policy, and report every error too. */
Test(conf_check, a_calendar_key_typo_lists_the_known_keys)
{
    pm_errors errs = PM_ERRORS_INIT;
    cr_assert_null(pm_calendar_load_string("name: x\nweekends: [sat]\nholiday: [2024-01-01]\n", "cal.yaml", &errs));
    cr_assert_eq(errs.n, 2);
    cr_assert_eq(errs.v[0].line, 2);
    cr_assert_str_eq(errs.v[0].msg, "unknown key 'weekends' in a calendar (known: name, weekend, holidays, workdays, "
                                    "description, source, sources, notes); did you mean 'weekend'?");
    cr_assert_eq(errs.v[1].line, 3);
    cr_assert(strstr(errs.v[1].msg, "unknown key 'holiday'"), "%s", errs.v[1].msg);
    pm_errors_free(&errs);
}

Test(conf_check, a_file_s_errors_are_printed_in_the_order_of_its_lines, .init = cr_redirect_stderr)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_error e;
    pm_error_set(&e, "p.yaml", 7, "seven");
    pm_errors_add(&errs, &e);
    pm_error_set(&e, "p.yaml", 2, "two");
    pm_errors_add(&errs, &e);
    pm_error_set(&e, "p.yaml", 7, "seven again");
    pm_errors_add(&errs, &e);
    pm_diag_init("pm-x");
    pm_errors_report(&errs);
    fflush(stderr);
    cr_assert_stderr_eq_str("pm-x: p.yaml:2: two\npm-x: p.yaml:7: seven\npm-x: p.yaml:7: seven again\n");
    cr_assert_eq(errs.n, 3, "the list is left as it is");
    cr_assert_str_eq(errs.v[0].msg, "seven");
    pm_errors_free(&errs);
}

/* A file of a hundred thousand unknown keys: a hundred messages and a count,
 * quickly (no message is made for the rest). */
Test(conf_check, a_flood_of_errors_is_counted_past_the_first_hundred)
{
    pm_buf text = PM_BUF_INIT;
    for (int i = 0; i < 100000; i++) pm_buf_addf(&text, "wihtin%d: 1\n", i);
    pm_conf c;
    pm_errors errs = PM_ERRORS_INIT;
    load_ok(&c, pm_buf_str(&text));
    c.errs = &errs;
    clock_t t0 = clock();
    cr_assert_eq(pm_conf_check(&c, pm_conf_root(&c), "a clock", clock_keys, NULL), 100000);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    cr_assert_eq(c.nerrs, 100000);
    cr_assert_eq(errs.n, PM_ERRORS_MAX);
    cr_assert_eq(errs.more, 100000 - PM_ERRORS_MAX);
    cr_assert_eq(errs.v[PM_ERRORS_MAX - 1].line, PM_ERRORS_MAX);
    cr_assert_lt(secs, 5.0, "%.2f s", secs);
    pm_conf_note(&c, NULL, "one more");
    cr_assert_eq(errs.more, 100000 - PM_ERRORS_MAX + 1);
    pm_conf_free(&c);
    pm_errors_free(&errs);
    pm_buf_free(&text);
}

Test(conf_check, the_errors_not_kept_are_counted_in_one_line, .init = cr_redirect_stderr)
{
    pm_errors errs = PM_ERRORS_INIT;
    pm_error e;
    for (int i = 0; i < PM_ERRORS_MAX + 2; i++) {
        pm_error_set(&e, "p.yaml", i + 1, "e%d", i + 1);
        pm_errors_add(&errs, &e);
    }
    cr_assert_eq(errs.n, PM_ERRORS_MAX);
    cr_assert_eq(errs.more, 2);
    pm_diag_init("pm-x");
    pm_errors_report(&errs);
    fflush(stderr);
    pm_buf want = PM_BUF_INIT;
    for (int i = 0; i < PM_ERRORS_MAX; i++) pm_buf_addf(&want, "pm-x: p.yaml:%d: e%d\n", i + 1, i + 1);
    pm_buf_adds(&want, "pm-x: p.yaml: 2 more errors not shown\n");
    cr_assert_stderr_eq_str(pm_buf_str(&want));
    pm_buf_free(&want);
    pm_errors_free(&errs);
}
