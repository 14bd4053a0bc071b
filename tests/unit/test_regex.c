/* test_regex.c - specification of lib/regex.h: PCRE2 in UTF mode, compile
 * errors with their offset, replacement with $1/${name}, and match limits
 * that turn a catastrophic pattern into an error instead of a hang. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "regex.h"

static pm_regex *rx_ok(const char *pattern, unsigned flags)
{
    pm_error err;
    pm_error_clear(&err);
    pm_regex *rx = pm_regex_compile(pattern, flags, &err);
    cr_assert_not_null(rx, "compile '%s': %s", pattern, err.msg);
    return rx;
}

static int match(const char *pattern, unsigned flags, const char *s)
{
    pm_error err;
    pm_regex *rx = rx_ok(pattern, flags);
    int r = pm_regex_match(rx, s, strlen(s), &err);
    pm_regex_free(rx);
    return r;
}

/* Replacement result, in a static buffer. */
static const char *replace(const char *pattern, const char *s, const char *repl, int *count)
{
    static char out[4096];
    pm_error err;
    pm_regex *rx = rx_ok(pattern, 0);
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "<"); /* the result is appended */
    int n = pm_regex_replace(rx, s, strlen(s), repl, &b, &err);
    cr_assert_geq(n, 0, "replace: %s", err.msg);
    if (count) *count = n;
    snprintf(out, sizeof out, "%s", pm_buf_str(&b));
    pm_buf_free(&b);
    pm_regex_free(rx);
    return out;
}

Test(regex, compile_error_names_pattern_and_offset)
{
    pm_error err;
    pm_error_clear(&err);
    pm_regex *rx = pm_regex_compile("x(", 0, &err);
    cr_assert_null(rx);
    cr_assert_not_null(strstr(err.msg, "'x('"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "missing closing parenthesis"), "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "offset 2"), "%s", err.msg);
    rx = pm_regex_compile("ab[c", 0, &err);
    cr_assert_null(rx);
    cr_assert_not_null(strstr(err.msg, "offset 4"), "%s", err.msg);
    rx = pm_regex_compile("a{2,1}", 0, &err);
    cr_assert_null(rx);
    cr_assert_not_null(strstr(err.msg, "offset"), "%s", err.msg);
}

Test(regex, match_and_no_match)
{
    cr_assert_eq(match("^\\d+-\\d+-\\d+$", 0, "12-3-1502"), PM_RX_MATCH);
    cr_assert_eq(match("^\\d+-\\d+-\\d+$", 0, "12-3"), PM_RX_NOMATCH);
    cr_assert_eq(match("噪音|噪声|吵", 0, "楼上装修噪音"), PM_RX_MATCH);
    cr_assert_eq(match("噪音|噪声|吵", 0, "水管漏水"), PM_RX_NOMATCH);
    cr_assert_eq(match("", 0, ""), PM_RX_MATCH);
    cr_assert_eq(match("^$", 0, ""), PM_RX_MATCH);
}

Test(regex, subject_length_is_respected)
{
    pm_error err;
    pm_regex *rx = rx_ok("^abc$", 0);
    cr_assert_eq(pm_regex_match(rx, "abcdef", 3, &err), PM_RX_MATCH);
    cr_assert_eq(pm_regex_match(rx, "abcdef", 6, &err), PM_RX_NOMATCH);
    cr_assert_str_eq(pm_regex_pattern(rx), "^abc$");
    pm_regex_free(rx);
}

Test(regex, utf8_characters_are_single_units)
{
    cr_assert_eq(match("^.{2}$", 0, "噪音"), PM_RX_MATCH, "two characters, six bytes");
    cr_assert_eq(match("^\\w+$", 0, "楼上装修"), PM_RX_MATCH, "Chinese letters are word characters");
    cr_assert_eq(match("^(\\d+)栋(\\d+)单元(\\d+)室?$", 0, "12栋3单元1502室"), PM_RX_MATCH);
    cr_assert_eq(match("^[一-龥]+$", 0, "维修"), PM_RX_MATCH);
}

Test(regex, caseless)
{
    cr_assert_eq(match("^id$", PM_RX_CASELESS, "ID"), PM_RX_MATCH);
    cr_assert_eq(match("^id$", 0, "ID"), PM_RX_NOMATCH);
    cr_assert_eq(match("^straße$", PM_RX_CASELESS, "STRASSE"), PM_RX_NOMATCH);
    cr_assert_eq(match("^élan$", PM_RX_CASELESS, "ÉLAN"), PM_RX_MATCH, "caseless beyond ASCII");
}

Test(regex, invalid_utf8_subject_is_an_error_not_a_crash)
{
    pm_error err;
    pm_error_clear(&err);
    pm_regex *rx = rx_ok("a", 0);
    int r = pm_regex_match(rx,
                           "\xff"
                           "a",
                           2, &err);
    cr_assert_eq(r, PM_RX_ERROR);
    cr_assert_neq(err.msg[0], 0);
    pm_regex_free(rx);
}

Test(regex, invalid_utf8_pattern_fails_to_compile)
{
    pm_error err;
    pm_error_clear(&err);
    cr_assert_null(pm_regex_compile("a\xff", 0, &err));
    cr_assert_neq(err.msg[0], 0);
}

Test(regex, replace_with_groups)
{
    int n;
    cr_assert_str_eq(replace("^(\\d+)栋(\\d+)单元(\\d+)室?$", "12栋3单元1502室", "$1-$2-$3", &n), "<12-3-1502");
    cr_assert_eq(n, 1);
    cr_assert_str_eq(replace("(?<y>\\d{4})/(?<m>\\d+)", "2024/7", "${y}-${m}", &n), "<2024-7");
    cr_assert_str_eq(replace("\\s+", " a  b \t c ", " ", &n), "< a b c ");
    cr_assert_eq(n, 4, "every match is replaced");
    cr_assert_str_eq(replace("x", "abc", "y", &n), "<abc");
    cr_assert_eq(n, 0);
    cr_assert_str_eq(replace("号", "工单号", "", &n), "<工单");
    cr_assert_str_eq(replace("a", "aaa", "$$", &n), "<$$$");
}

Test(regex, replace_result_longer_than_twice_the_input)
{
    pm_buf big = PM_BUF_INIT;
    for (int i = 0; i < 200; i++) pm_buf_adds(&big, "ab");
    pm_error err;
    pm_regex *rx = rx_ok("a", 0);
    pm_buf out = PM_BUF_INIT;
    int n = pm_regex_replace(rx, big.s, big.len, "0123456789", &out, &err);
    cr_assert_eq(n, 200);
    cr_assert_eq(out.len, 200 * 11);
    cr_assert_eq(memcmp(out.s, "0123456789b0123456789b", 22), 0);
    pm_buf_free(&out);
    pm_buf_free(&big);
    pm_regex_free(rx);
}

Test(regex, bad_replacement_is_an_error)
{
    pm_error err;
    pm_error_clear(&err);
    pm_regex *rx = rx_ok("(a)", 0);
    pm_buf out = PM_BUF_INIT;
    int n = pm_regex_replace(rx, "a", 1, "$9", &out, &err);
    cr_assert_eq(n, PM_RX_ERROR);
    cr_assert_neq(err.msg[0], 0);
    pm_buf_free(&out);
    pm_regex_free(rx);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(regex, catastrophic_pattern_hits_the_limit_quickly, .timeout = 20)
{
    char s[64];
    memset(s, 'a', 40);
    s[40] = '!';
    s[41] = 0;
    pm_error err;
    pm_error_clear(&err);
    pm_regex *rx = rx_ok("^(a+)+$", 0);
    double t0 = now_s();
    int r = pm_regex_match(rx, s, strlen(s), &err);
    double dt = now_s() - t0;
    cr_assert_eq(r, PM_RX_ERROR, "a limit error, not a (very late) no-match");
    cr_assert_not_null(strstr(err.msg, "^(a+)+$"), "%s", err.msg);
    cr_assert_lt(dt, 5.0, "took %.1f s", dt);
    /* the same through replace */
    pm_buf out = PM_BUF_INIT;
    cr_assert_eq(pm_regex_replace(rx, s, strlen(s), "x", &out, &err), PM_RX_ERROR);
    pm_buf_free(&out);
    pm_regex_free(rx);
}

Test(regex, limits_belong_to_the_pattern)
{
    pm_error err;
    const char *s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"; /* 30 a's */
    const char *short_s = "aaaaaaaa!";
    pm_regex *other = rx_ok("^(a+)+$", 0);
    /* a small limit stops even a short run ... */
    pm_regex *tight = rx_ok("^(a+)+$", 0);
    pm_regex_set_limits(tight, 100, 50);
    cr_assert_eq(pm_regex_match(tight, short_s, strlen(short_s), &err), PM_RX_ERROR, "limit 100 must be hit");
    cr_assert_eq(pm_regex_match(tight, s, strlen(s), &err), PM_RX_ERROR);
    /* ... another pattern keeps the default, which lets it end */
    cr_assert_eq(pm_regex_match(other, short_s, strlen(short_s), &err), PM_RX_NOMATCH);
    pm_regex *loose = rx_ok("^(a+)+$", 0);
    cr_assert_eq(pm_regex_match(loose, short_s, strlen(short_s), &err), PM_RX_NOMATCH);
    cr_assert_eq(pm_regex_match(loose, s, strlen(s), &err), PM_RX_ERROR);
    pm_regex_free(tight);
    pm_regex_free(loose);
    pm_regex_free(other);
}

Test(regex, free_null_is_harmless)
{
    pm_regex_free(NULL);
}
