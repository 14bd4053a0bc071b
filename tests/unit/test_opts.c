/* test_opts.c - specification of lib/opts.h: sizes, the common options every
 * program shares, a program's own option table, and the exits for --help,
 * --version (0) and usage errors (2, docs/CONTRACT.md section 3). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "opts.h"

/* ---- pm_parse_size ---------------------------------------------------------- */

Test(opts, parse_size_plain_and_suffixes)
{
    cr_assert_eq(pm_parse_size("0"), 0);
    cr_assert_eq(pm_parse_size("1"), 1);
    cr_assert_eq(pm_parse_size("4096"), 4096);
    cr_assert_eq(pm_parse_size("1k"), 1024);
    cr_assert_eq(pm_parse_size("1K"), 1024);
    cr_assert_eq(pm_parse_size("16M"), 16LL << 20);
    cr_assert_eq(pm_parse_size("16m"), 16LL << 20);
    cr_assert_eq(pm_parse_size("2G"), 2LL << 30);
    cr_assert_eq(pm_parse_size("0k"), 0);
}

Test(opts, parse_size_rejects_bad_values)
{
    const char *bad[] = {"",
                         "k",
                         "-1",
                         "-1k",
                         "1.5M",
                         "16MB",
                         "16 M",
                         "1T",
                         "abc",
                         "12x",
                         "0x10",
                         "99999999999999999999",
                         "9223372036854775807G",
                         "9000000000G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(pm_parse_size(bad[i]), -1, "'%s' accepted", bad[i]);
    cr_expect_eq(pm_parse_size(NULL), -1);
}

Test(opts, parse_size_large_but_representable)
{
    cr_assert_eq(pm_parse_size("1024G"), 1LL << 40);
    cr_assert_eq(pm_parse_size("4611686018427387904"), 1LL << 62);
}

/* ---- formats ------------------------------------------------------------------ */

Test(opts, format_parse)
{
    cr_assert_eq(pm_format_parse("csv"), PM_FMT_CSV);
    cr_assert_eq(pm_format_parse("Yaml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("yml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("tsv"), PM_FMT_TSV);
    cr_assert_eq(pm_format_parse("xml"), -1);
    cr_assert_eq(pm_format_parse("csv "), -1);
}

Test(opts, out_format_defaults_to_input)
{
    pm_common c;
    memset(&c, 0, sizeof c);
    cr_assert_eq(pm_common_out_format(&c, PM_FMT_YAML), PM_FMT_YAML);
    cr_assert_eq(pm_common_out_format(&c, PM_FMT_TSV), PM_FMT_TSV);
    cr_assert_eq(pm_common_out_format(&c, PM_FMT_AUTO), PM_FMT_CSV);
    c.to = PM_FMT_CSV;
    cr_assert_eq(pm_common_out_format(&c, PM_FMT_YAML), PM_FMT_CSV);
}

/* ---- pm_opts_parse ---------------------------------------------------------- */

enum { OPT_POLICY = 1000, OPT_BREACHES, OPT_NOW, OPT_COLOR };

static const pm_option prog_opts[] = {
    PM_OPT_CALL("policy", 'p', OPT_POLICY, "FILE", "policy file"),
    {.name = "breaches", .id = OPT_BREACHES, .help = "only breaches"},
    PM_OPT_CALL("now", 0, OPT_NOW, "TIME", "fix now"),
    {.name = "color", .short_name = 'c', .has_arg = 2, .id = OPT_COLOR, .arg_name = "WHEN", .help = "colour"},
    PM_OPT_END,
};

typedef struct seen {
    char log[512];
    int fail_on;
} seen;

static int cb(int id, const char *arg, void *ctx)
{
    seen *s = ctx;
    char one[128];
    snprintf(one, sizeof one, "%d=%s;", id, arg ? arg : "(null)");
    strcat(s->log, one);
    return id == s->fail_on ? -1 : 0;
}

#define ARGC(a) ((int)(sizeof(a) / sizeof *(a)) - 1)

Test(opts, defaults_without_options)
{
    char *argv[] = {"pm-sla", "in.csv", NULL};
    pm_common c;
    seen s = {"", 0};
    int i = pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, &s, "pm-sla [FILE]...", NULL);
    cr_assert_eq(i, 1);
    cr_assert_str_eq(argv[i], "in.csv");
    cr_assert_eq(c.read.format, PM_FMT_AUTO);
    cr_assert_eq(c.to, PM_FMT_AUTO);
    cr_assert_null(c.output);
    cr_assert_str_eq(c.tz_name, "Asia/Shanghai");
    cr_assert_eq(c.stats, 0);
    cr_assert_eq(c.read.delimiter, 0);
    cr_assert_null(c.read.encoding);
    cr_assert_eq(c.read.max_field, 0);
    cr_assert_str_eq(s.log, "");
}

Test(opts, common_options_fill_pm_common)
{
    char *argv[] = {"pm-x",
                    "-f",
                    "yaml",
                    "--to=csv",
                    "-o",
                    "out.csv",
                    "--tz",
                    "UTC",
                    "--stats",
                    "--delimiter=;",
                    "--encoding=gbk",
                    "--max-field=1k",
                    "a.csv",
                    "b.csv",
                    NULL};
    pm_common c;
    int i = pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_eq(c.read.format, PM_FMT_YAML);
    cr_assert_eq(c.to, PM_FMT_CSV);
    cr_assert_str_eq(c.output, "out.csv");
    cr_assert_str_eq(c.tz_name, "UTC");
    cr_assert_eq(c.stats, 1);
    cr_assert_eq(c.read.delimiter, ';');
    cr_assert_str_eq(c.read.encoding, "gbk");
    cr_assert_eq(c.read.max_field, 1024);
    cr_assert_eq(ARGC(argv) - i, 2);
    cr_assert_str_eq(argv[i], "a.csv");
    cr_assert_str_eq(argv[i + 1], "b.csv");
}

Test(opts, tab_delimiter_spellings)
{
    char *a1[] = {"pm-x", "--delimiter=tab", NULL};
    char *a2[] = {"pm-x", "-d", "\\t", NULL};
    char *a3[] = {"pm-x", "--delimiter", "\t", NULL};
    pm_common c;
    pm_opts_parse(ARGC(a1), a1, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_eq(c.read.delimiter, '\t');
    pm_opts_parse(ARGC(a2), a2, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_eq(c.read.delimiter, '\t');
    pm_opts_parse(ARGC(a3), a3, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_eq(c.read.delimiter, '\t');
}

Test(opts, program_options_reach_the_callback_in_order)
{
    char *argv[] = {"pm-sla", "in.csv",           "--policy=p.yaml", "--breaches", "-p", "q.yaml",
                    "--now",  "2024-07-01T09:00", "--color",         "-cnever",    "--", "-odd-name.csv",
                    NULL};
    pm_common c;
    seen s = {"", 0};
    int i = pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, &s, "pm-sla", NULL);
    cr_assert_str_eq(s.log, "1000=p.yaml;1001=(null);1000=q.yaml;1002=2024-07-01T09:00;1003=(null);1003=never;");
    cr_assert_eq(ARGC(argv) - i, 2, "operands: in.csv and the one after --");
    cr_assert_str_eq(argv[i], "in.csv");
    cr_assert_str_eq(argv[i + 1], "-odd-name.csv");
}

/* The options of a program that binds them: what the parser stores. */
typedef struct bound {
    const char *policy, *calendar;
    int breaches, explain;
} bound;

Test(opts, bound_options_are_stored_where_the_table_says)
{
    char *argv[] = {"pm-x",  "--policy=p.yaml", "-b",         "--now=2024-07-01", "-P", "q.yaml",
                    "a.csv", "--explain",       "--calendar", "cn.yaml",          NULL};
    bound b = {NULL, NULL, 0, 0};
    seen s = {"", 0};
    const pm_option options[] = {
        PM_OPT_STRING("policy", 'P', &b.policy, "FILE", "policy file"),
        PM_OPT_STRING("calendar", 0, &b.calendar, "FILE", "calendar"),
        PM_OPT_FLAG("breaches", 'b', &b.breaches, "only breaches"),
        PM_OPT_FLAG("explain", 0, &b.explain, "explain"),
        PM_OPT_CALL("now", 0, OPT_NOW, "TIME", "fix now"),
        PM_OPT_END,
    };
    pm_common c;
    int i = pm_opts_parse(ARGC(argv), argv, options, PM_OPT_STREAM, &c, cb, &s, "pm-x", NULL);
    cr_assert_str_eq(b.policy, "q.yaml", "the last one given");
    cr_assert_str_eq(b.calendar, "cn.yaml");
    cr_assert_eq(b.breaches, 1);
    cr_assert_eq(b.explain, 1);
    cr_assert_str_eq(s.log, "1002=2024-07-01;", "only the option the program parses reaches the callback");
    cr_assert_eq(ARGC(argv) - i, 1);
    cr_assert_str_eq(argv[i], "a.csv");
}

Test(opts, bound_options_need_no_callback)
{
    char *argv[] = {"pm-x", "--calendar=cn.yaml", NULL};
    bound b = {NULL, NULL, 0, 0};
    const pm_option options[] = {
        PM_OPT_STRING("calendar", 0, &b.calendar, "FILE", "calendar"),
        PM_OPT_FLAG("explain", 0, &b.explain, "explain"),
        PM_OPT_END,
    };
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, options, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_str_eq(b.calendar, "cn.yaml");
    cr_assert_eq(b.explain, 0, "a flag not given stays as it was");
}

Test(opts, bound_string_without_value_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--calendar", NULL};
    bound b = {NULL, NULL, 0, 0};
    const pm_option options[] = {PM_OPT_STRING("calendar", 0, &b.calendar, "FILE", "calendar"), PM_OPT_END};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, options, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, bound_flag_with_value_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--explain=yes", NULL};
    bound b = {NULL, NULL, 0, 0};
    const pm_option options[] = {PM_OPT_FLAG("explain", 0, &b.explain, "explain"), PM_OPT_END};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, options, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, stdin_dash_is_an_operand)
{
    char *argv[] = {"pm-x", "-", NULL};
    pm_common c;
    int i = pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_eq(i, 1);
    cr_assert_str_eq(argv[i], "-");
}

Test(opts, only_requested_common_options_exist, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--tz=UTC", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_FROM | PM_OPT_TO, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("--tz was not asked for");
}

Test(opts, help_exits_zero, .exit_code = 0)
{
    cr_redirect_stdout();
    char *argv[] = {"pm-x", "--help", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x [FILE]...", "Does x.");
    cr_assert_fail("--help must exit");
}

Test(opts, short_help_exits_zero, .exit_code = 0)
{
    cr_redirect_stdout();
    char *argv[] = {"pm-x", "-h", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x [FILE]...", NULL);
    cr_assert_fail("-h must exit");
}

Test(opts, version_exits_zero, .exit_code = 0)
{
    cr_redirect_stdout();
    char *argv[] = {"pm-x", "--version", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("--version must exit");
}

Test(opts, unknown_long_option_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--no-such-option", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, unknown_short_option_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "-Z", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, missing_value_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--policy", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, missing_short_value_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "-o", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, value_given_to_flag_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--breaches=yes", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, bad_input_format_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--from=xlsx", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, auto_is_no_output_format, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "-t", "auto", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, long_delimiter_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--delimiter=;;", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, quote_delimiter_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "-d", "\"", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, bad_max_field_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--max-field=lots", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, zero_max_field_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--max-field=0", NULL};
    pm_common c;
    pm_opts_parse(ARGC(argv), argv, NULL, PM_OPT_STREAM, &c, NULL, NULL, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, callback_refusal_exits_two, .exit_code = 2)
{
    cr_redirect_stderr();
    char *argv[] = {"pm-x", "--now=garbage", NULL};
    pm_common c;
    seen s = {"", OPT_NOW};
    pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, &s, "pm-x", NULL);
    cr_assert_fail("must exit");
}

Test(opts, usage_error_message_names_program_and_option)
{
    /* Run the parser in a child to see what it prints. */
    fflush(stderr);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        pm_diag_init("/usr/bin/pm-sla");
        char *argv[] = {"pm-sla", "--bogus", NULL};
        pm_common c;
        pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_STREAM, &c, cb, NULL, "pm-sla", NULL);
        _exit(99);
    }
    close(fds[1]);
    char buf[1024] = "";
    size_t got = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
    buf[got] = 0;
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
    cr_assert_eq(strncmp(buf, "pm-sla: ", 8), 0, "%s", buf);
    cr_assert_not_null(strstr(buf, "--bogus"), "%s", buf);
    cr_assert_not_null(strstr(buf, "--help"), "%s", buf);
}

Test(opts, help_lists_program_and_common_options)
{
    fflush(stdout);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        char *argv[] = {"pm-sla", "--help", NULL};
        pm_common c;
        pm_opts_parse(ARGC(argv), argv, prog_opts, PM_OPT_FROM | PM_OPT_OUTPUT, &c, cb, NULL,
                      "pm-sla [OPTION]... [FILE]...", "Deadlines.");
        _exit(99);
    }
    close(fds[1]);
    static char buf[8192];
    size_t got = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
    buf[got] = 0;
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_not_null(strstr(buf, "pm-sla [OPTION]... [FILE]..."), "%s", buf);
    cr_assert_not_null(strstr(buf, "--policy=FILE"), "%s", buf);
    cr_assert_not_null(strstr(buf, "--breaches"), "%s", buf);
    cr_assert_not_null(strstr(buf, "--from=FORMAT"), "%s", buf);
    cr_assert_not_null(strstr(buf, "--output=FILE"), "%s", buf);
    cr_assert_null(strstr(buf, "--tz"), "options not asked for are not listed: %s", buf);
}

/* ---- diagnostics (lib/diag.h) --------------------------------------------------- */

Test(diag, error_set_and_clear)
{
    pm_error e;
    pm_error_set(&e, "in.csv", 12, "bad %s %d", "value", 7);
    cr_assert_str_eq(e.file, "in.csv");
    cr_assert_eq(e.line, 12);
    cr_assert_str_eq(e.msg, "bad value 7");
    pm_error_set(&e, NULL, 0, "no file");
    cr_assert_str_eq(e.file, "");
    pm_error_clear(&e);
    cr_assert_str_eq(e.msg, "");
    cr_assert_eq(e.line, 0);
}

Test(diag, long_message_is_truncated_safely)
{
    pm_error e;
    char big[5000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = 0;
    pm_error_set(&e, big, 1, "%s", big);
    cr_assert_eq(strlen(e.msg), sizeof e.msg - 1);
    cr_assert_eq(strlen(e.file), sizeof e.file - 1);
}

Test(diag, program_name_is_the_basename)
{
    pm_diag_init("/usr/local/bin/pm-fee");
    cr_assert_str_eq(pm_progname(), "pm-fee");
    pm_diag_init("pm-sla");
    cr_assert_str_eq(pm_progname(), "pm-sla");
    pm_diag_init("");
    cr_assert_str_eq(pm_progname(), "pm-sla", "an empty argv0 keeps the name");
}

Test(diag, report_formats, .init = cr_redirect_stderr)
{
    pm_diag_init("pm-x");
    pm_error e;
    pm_error_set(&e, "t.csv", 3, "bad");
    pm_report(&e);
    pm_error_set(&e, "t.csv", 0, "no line");
    pm_report(&e);
    pm_error_set(&e, NULL, 0, "bare");
    pm_report(&e);
    pm_warn_at("f.yaml", 9, "n=%d", 5);
    pm_warn("plain %s", "warning");
    fflush(stderr);
    cr_assert_stderr_eq_str("pm-x: t.csv:3: bad\n"
                            "pm-x: t.csv: no line\n"
                            "pm-x: bare\n"
                            "pm-x: f.yaml:9: n=5\n"
                            "pm-x: plain warning\n");
}

Test(diag, fatal_exits_two, .exit_code = 2, .init = cr_redirect_stderr)
{
    pm_fatal("cannot go on");
}

Test(diag, usage_error_exits_two, .exit_code = 2, .init = cr_redirect_stderr)
{
    pm_usage_error("bad usage");
}

Test(diag, usage_warn_reports_and_returns, .init = cr_redirect_stderr)
{
    pm_diag_init("pm-x");
    cr_assert_eq(pm_usage_warn("bad --%s", "thing"), -1, "for an option callback to return");
    fflush(stderr);
    cr_assert_stderr_eq_str("pm-x: bad --thing\n"
                            "Try 'pm-x --help' for more information.\n");
}
