/* test_writer.c - specification of the writer side of lib/stream.h beyond
 * test_stream.c: YAML scalars every common reader reads back unchanged. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "stream.h"

static const char *quoted(void (*f)(pm_buf *, const char *, size_t), const char *v)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    f(&b, v, strlen(v));
    return pm_buf_str(&b);
}

/* PyYAML's pure-Python scanner ends a plain scalar at any '?' inside a flow
 * mapping ("--- {description: why? nobody came}" fails to load), where
 * libyaml, Psych and js-yaml read on: such values and keys are quoted. */
Test(yaml_writer, question_mark_anywhere_is_quoted)
{
    const char *v[] = {"why? nobody came", "why?", "a?b", "漏水? 还是渗水?", "http://x.cn/a?b=1"};
    char want[64];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        snprintf(want, sizeof want, "\"%s\"", v[i]);
        cr_expect_str_eq(quoted(pm_yaml_quote, v[i]), want);
        cr_expect_str_eq(quoted(pm_yaml_key, v[i]), want);
    }
    /* the full-width question mark is no indicator */
    cr_expect_str_eq(quoted(pm_yaml_quote, "为什么？没人来"), "为什么？没人来");
}

/* CSV quoting, word at a time, against the rule said a byte at a time: a
 * value is quoted when it holds a quote, CR, LF or the delimiter, or
 * starts with U+FEFF; quotes inside are doubled.  Every such byte at every
 * position of values of 0 to 40 bytes (whole words, the last word read
 * again), with delimiters below '-' (the shortcut) and above it. */
static void csv_quote_by_bytes(pm_buf *out, const char *v, size_t len, char delim)
{
    int quote = len >= 3 && !memcmp(v, "\xef\xbb\xbf", 3);
    for (size_t i = 0; i < len; i++)
        if (v[i] == '"' || v[i] == '\n' || v[i] == '\r' || v[i] == delim) quote = 1;
    if (quote) pm_buf_addc(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (quote && v[i] == '"') pm_buf_addc(out, '"');
        pm_buf_addc(out, v[i]);
    }
    if (quote) pm_buf_addc(out, '"');
}

Test(csv_writer, quote_agrees_with_byte_by_byte_at_every_position)
{
    static const char delims[] = {',', '\t', ';', '|', ' ', '\x1f'};
    static const char put[] = {'"', '\n', '\r', ',', '\t', ';', '|', ' ', '+', '-', '\x1f', '\x80', '\xef', 0};
    const char *fill = "2024-01-04T00:00:00+08:00 S012 \xe6\xa5\xbc\xe9\x81\x93 0123456789abcdef";
    pm_buf got = PM_BUF_INIT, want = PM_BUF_INIT;
    char v[48];
    for (size_t d = 0; d < sizeof delims; d++)
        for (size_t len = 0; len <= 40; len++)
            for (size_t at = 0; at <= len; at++)
                for (size_t k = 0; k < sizeof put; k++) {
                    memcpy(v, fill, len);
                    if (at < len) v[at] = put[k]; /* at == len: the value as it is */
                    pm_buf_reset(&got);
                    pm_buf_reset(&want);
                    pm_buf_add(&got, "x", 1); /* appended after what is there */
                    pm_buf_add(&want, "x", 1);
                    pm_csv_quote(&got, v, len, delims[d]);
                    csv_quote_by_bytes(&want, v, len, delims[d]);
                    if (got.len != want.len || memcmp(got.s, want.s, got.len))
                        cr_assert_fail("delimiter 0x%02x, %zu bytes, 0x%02x at %zu: got [%s] want [%s]", delims[d], len,
                                       (unsigned char)put[k], at, got.s, want.s);
                }
    /* a byte-order mark quotes only at the start */
    pm_buf_reset(&got);
    pm_csv_quote(&got,
                 "\xef\xbb\xbf"
                 "a",
                 4, ',');
    cr_expect_str_eq(got.s, "\"\xef\xbb\xbf"
                            "a\"");
    pm_buf_reset(&got);
    pm_csv_quote(&got, "a\xef\xbb\xbf", 4, ',');
    cr_expect_str_eq(got.s, "a\xef\xbb\xbf");
    pm_buf_free(&got);
    pm_buf_free(&want);
}

/* The words a YAML 1.1 reader takes for something other than text are
 * quoted in any case; words that only start like them are not. */
Test(yaml_writer, special_words_quoted_in_any_case)
{
    const char *word[] = {"null", "NULL", "Null", "nULL", "true", "True", "FALSE", "yes", "Yes",
                          "no",   "NO",   "on",   "On",   "off",  "OFF",  "y",     "Y",   "n",
                          "N",    "nan",  "NaN",  "inf",  "INF",  "=",    "<<"};
    char want[16];
    for (size_t i = 0; i < sizeof word / sizeof *word; i++) {
        snprintf(want, sizeof want, "\"%s\"", word[i]);
        cr_expect_str_eq(quoted(pm_yaml_quote, word[i]), want);
    }
    const char *plain[] = {"nulls", "met", "S012", "falsy", "ye", "o", "in", "info", "nano", "tru", "repair", "x"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        cr_expect_str_eq(quoted(pm_yaml_quote, plain[i]), plain[i]);
}

/* A YAML line's values take shortcuts (no escapes found eight bytes at a
 * time, short copies without a call): each reads as pm_yaml_quote, which
 * decides byte by byte, writes it.  Every special byte at every position
 * of values that are quoted (a leading digit) and plain. */
Test(yaml_writer, record_lines_agree_with_yaml_quote_at_every_position)
{
    static const unsigned char put[] = {'"', '\\', 0x7f, 0x00, 0x01, '\t', '\n', 0x1f, ' ',  ':', '#',
                                        ',', '?',  0xc2, 0x85, 0xe2, 0xef, 0xbb, 0xbf, 0xe6, 'a', '9'};
    static const char *const fill[] = {"2024-01-04T00:00:00+08:00 S012 0123456789",
                                       "repair door_window S012 satisfied abcdefgh",
                                       "0 \xc2\x85 \xe2\x80\xa8 \xef\xbb\xbf \xef\xbf\xbe \xc2\x9f \xe2\x80\xa9 x"};
    char path[] = "/tmp/pm-test-yaml-lines-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    pm_error err;
    pm_writer *w = pm_writer_open(path, PM_FMT_YAML, &err);
    cr_assert_not_null(w, "%s", err.msg);
    pm_buf want = PM_BUF_INIT;
    pm_record r;
    pm_record_init(&r);
    char v[48];
    for (size_t f = 0; f < sizeof fill / sizeof *fill; f++)
        for (size_t len = 0; len <= 40 && len <= strlen(fill[f]); len++)
            for (size_t at = 0; at <= len; at++)
                for (size_t k = 0; k < sizeof put; k++) {
                    memcpy(v, fill[f], len);
                    if (at < len) v[at] = (char)put[k];
                    pm_record_clear(&r);
                    pm_record_add(&r, "k", v, len);
                    cr_assert_eq(pm_writer_write(w, &r, &err), 0, "%s", err.msg);
                    pm_buf_adds(&want, "--- {k: ");
                    pm_yaml_quote(&want, v, len);
                    pm_buf_adds(&want, "}\n");
                    if (at == len) break; /* the value as it is: once */
                }
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    FILE *in = fopen(path, "rb");
    cr_assert_not_null(in);
    char *got = malloc(want.len + 2);
    size_t n = fread(got, 1, want.len + 1, in);
    fclose(in);
    remove(path);
    cr_assert_eq(n, want.len, "%zu bytes written, %zu expected", n, want.len);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want.s[i])
            cr_assert_fail("first difference at byte %zu: %.60s", i, want.s + (i > 30 ? i - 30 : 0));
    free(got);
    pm_buf_free(&want);
    pm_record_free(&r);
}
