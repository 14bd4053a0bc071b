/* test_writer_yaml.c - the YAML writer's choice for each value (plain, in
 * double quotes, with escapes) against the rule written out byte by byte
 * here, for every byte that matters (and the bytes the writer's 16-byte
 * scan folds onto them) at every position of values of 0 to 40 bytes:
 * short ones gathered from overlapping words, 16-byte blocks and their
 * last block read again.  Each value lies at the very end of its own
 * allocation, so that reading past it fails under ASan and valgrind. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream.h"

/* Would every YAML reader (libyaml, PyYAML, Psych, js-yaml) take s in a
 * flow mapping for a plain scalar of the same text?  One byte at a time. */
static int ref_plain(const unsigned char *s, size_t len)
{
    static const char *const words[] = {"null", "true", "false", "yes", "no", "on", "off",
                                        "y",    "n",    "nan",   "inf", "=",  "<<"};
    if (len == 0) return 0;
    /* indicators, digits and blanks may not start a plain scalar */
    if (s[0] == 0 || strchr("-?:,[]{}#&*!|>'\"%@`~+. \t0123456789", s[0])) return 0;
    if (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == ':') return 0;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (strlen(words[w]) == len && !strncasecmp((const char *)s, words[w], len)) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i], next = i + 1 < len ? s[i + 1] : 0x100, next2 = i + 2 < len ? s[i + 2] : 0x100;
        if (c < 0x20 || c == 0x7f || (c && strchr(",?[]{}\"\\", (int)c))) return 0;
        if (c == ':' && next < 0x100 && strchr(" ?,[]{}", (int)next)) return 0;
        if (c == '#' && s[i - 1] == ' ') return 0;
        if (c == 0xc2 && next < 0x100 && (next <= 0x9f || next == 0xa0)) return 0;   /* C1, NBSP */
        if (c == 0xe2 && next == 0x80 && (next2 == 0xa8 || next2 == 0xa9)) return 0; /* LS, PS */
        if (c == 0xef && next == 0xbf && (next2 == 0xbe || next2 == 0xbf)) return 0; /* U+FFFE/F */
        if (c == 0xef && next == 0xbb && next2 == 0xbf) return 0;                    /* U+FEFF */
    }
    return 1;
}

/* s as YAML writes it: plain, or double-quoted with these escapes. */
static void ref_yaml(pm_buf *out, const unsigned char *s, size_t len)
{
    if (ref_plain(s, len)) {
        pm_buf_add(out, s, len);
        return;
    }
    pm_buf_addc(out, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i], next = i + 1 < len ? s[i + 1] : 0x100, next2 = i + 2 < len ? s[i + 2] : 0x100;
        const char *two = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == 0    ? "\\0"
                                      : NULL;
        if (two) {
            pm_buf_adds(out, two);
        } else if (c < 0x20 || c == 0x7f) {
            pm_buf_addf(out, "\\x%02X", c);
        } else if (c == 0xc2 && next == 0x85) {
            pm_buf_adds(out, "\\N");
            i++;
        } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
            pm_buf_addf(out, "\\x%02X", next);
            i++;
        } else if (c == 0xef && next == 0xbf && (next2 == 0xbe || next2 == 0xbf)) {
            pm_buf_adds(out, next2 == 0xbe ? "\\uFFFE" : "\\uFFFF");
            i += 2;
        } else if (c == 0xe2 && next == 0x80 && (next2 == 0xa8 || next2 == 0xa9)) {
            pm_buf_adds(out, next2 == 0xa8 ? "\\L" : "\\P");
            i += 2;
        } else if (c == 0xef && next == 0xbb && next2 == 0xbf) {
            pm_buf_adds(out, "\\uFEFF");
            i += 2;
        } else {
            pm_buf_addc(out, (char)c);
        }
    }
    pm_buf_addc(out, '"');
}

/* What is put into the values: every byte of a class that matters, the
 * bytes folded onto them by x | 0x20 ('|', '[', ']', 0x02, 0x0c, 0xcf...),
 * neighbours that must not matter, the sequences decided by context, and
 * the words read as other than text (a whole value when put at 0 of a
 * value as long). */
static const char *const put[] = {"\"",
                                  "\\",
                                  "\x7f",
                                  "\x01",
                                  "\x02",
                                  "\x03",
                                  "\t",
                                  "\n",
                                  "\x0c",
                                  "\x1a",
                                  "\x1f",
                                  " ",
                                  ":",
                                  "#",
                                  ",",
                                  "?",
                                  "[",
                                  "]",
                                  "{",
                                  "}",
                                  "|",
                                  "_",
                                  "~",
                                  "^",
                                  ";",
                                  "=",
                                  ">",
                                  "<",
                                  "@",
                                  "'",
                                  "-",
                                  ".",
                                  "9",
                                  "a",
                                  "Z",
                                  "\xc2",
                                  "\xe2",
                                  "\xef",
                                  "\xcf",
                                  "\xc3",
                                  "\xe3",
                                  "\xbb",
                                  "\xbf",
                                  ": ",
                                  " #",
                                  ":?",
                                  ":,",
                                  ":]",
                                  "::",
                                  "#x",
                                  "\xc2\x85",
                                  "\xc2\x9f",
                                  "\xc2\xa0",
                                  "\xc2\xa9",
                                  "\xe2\x80\xa8",
                                  "\xe2\x80\xa9",
                                  "\xe2\x80\x94",
                                  "\xef\xbb\xbf",
                                  "\xef\xbf\xbe",
                                  "\xef\xbf\xbf",
                                  "\xef\xbc\x8c",
                                  "\xef\xbc\x9a",
                                  "\xe3\x80\x82",
                                  "no",
                                  "NULL",
                                  "<<",
                                  "false",
                                  "FALSE",
                                  "fAlsE",
                                  "True",
                                  "yes",
                                  "Off",
                                  "nan",
                                  "iNF",
                                  "y",
                                  "N",
                                  "On"};

/* Fills that make values plain (letters), quoted by their first byte (a
 * timestamp), and Chinese text with full-width punctuation. */
static const char *const fill[] = {
    "repair door_window S012 satisfied abcdefghijklmno", "2024-01-04T00:00:00+08:00 S012 0123456789abcdef",
    "\xe6\xa5\xbc\xe9\x81\x93\xef\xbc\x8c\xe7\xaa\x97\xe6\x88\xb7\xe3\x80\x82\xe7\x8e\xbb\xe7\x92\x83\xe7\xa0\xb4\xe6"
    "\x8d\x9f\xe4\xba\x86\xef\xbc\x9a\xe5\x8e\xa8\xe6\x88\xbf"};

/* Calls f(value, len, ctx) for every fill, length 0 to 40, and every put
 * sequence at every position (the value as it is once); the value is the
 * end of an allocation of exactly len + 1 bytes (its NUL). */
static void each_value(void (*f)(const char *, size_t, void *), void *ctx)
{
    for (size_t k = 0; k < sizeof fill / sizeof *fill; k++)
        for (size_t len = 0; len <= 40 && len <= strlen(fill[k]); len++) {
            f(fill[k], len, ctx); /* as it is */
            for (size_t at = 0; at < len; at++)
                for (size_t p = 0; p < sizeof put / sizeof *put; p++) {
                    size_t n = strlen(put[p]);
                    if (at + n > len) continue;
                    char *v = malloc(len + 1);
                    memcpy(v, fill[k], len);
                    memcpy(v + at, put[p], n);
                    v[len] = 0;
                    f(v, len, ctx);
                    free(v);
                }
        }
}

static void show(pm_buf *b, const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++) pm_buf_addf(b, "%02x", (unsigned char)v[i]);
}

static void quote_agrees(const char *v, size_t len, void *ctx)
{
    pm_buf got = PM_BUF_INIT, want = PM_BUF_INIT, hex = PM_BUF_INIT;
    char *own = malloc(len + 1); /* the value ends its allocation */
    memcpy(own, v, len);
    own[len] = 0;
    pm_buf_addc(&got, 'x'); /* appended after what is there */
    pm_buf_addc(&want, 'x');
    pm_yaml_quote(&got, own, len);
    ref_yaml(&want, (const unsigned char *)v, len);
    if (got.len != want.len || memcmp(got.s, want.s, got.len)) {
        show(&hex, v, len);
        cr_assert_fail("value %s (%zu bytes): got [%s] want [%s]", pm_buf_str(&hex), len, got.s, want.s);
    }
    (*(size_t *)ctx)++;
    free(own);
    pm_buf_free(&got);
    pm_buf_free(&want);
    pm_buf_free(&hex);
}

Test(yaml_writer, quote_agrees_with_the_rule_byte_by_byte_at_every_position)
{
    size_t n = 0;
    each_value(quote_agrees, &n);
    cr_expect_gt(n, 50000, "%zu values", n);
}

/* A line's values are written straight into the output (a quote written
 * before each and after it whatever its form, short key prefixes copied
 * 32 bytes at a time): each value in a line among others reads as the rule
 * says, after a short key, a long key and before the line's end. */
struct lines {
    pm_writer *w;
    pm_record r;
    pm_buf want;
};

static const char long_key[] = "a_key_whose_prefix_is_longer_than_thirty_two_bytes";

static void line_of(const char *v, size_t len, void *ctx)
{
    struct lines *l = ctx;
    pm_error err;
    char *own = malloc(len + 1); /* the value ends its allocation */
    memcpy(own, v, len);
    own[len] = 0;
    pm_record_clear(&l->r);
    pm_record_add_owned(&l->r, "k", own, len);
    pm_record_add_owned(&l->r, long_key, own, len);
    pm_record_add_owned(&l->r, "e", "", 0);
    pm_record_add_owned(&l->r, "z", own, len);
    cr_assert_eq(pm_writer_write(l->w, &l->r, &err), 0, "%s", err.msg);
    pm_buf_adds(&l->want, "--- {k: ");
    ref_yaml(&l->want, (const unsigned char *)v, len);
    pm_buf_addf(&l->want, ", %s: ", long_key);
    ref_yaml(&l->want, (const unsigned char *)v, len);
    pm_buf_adds(&l->want, ", e: \"\", z: ");
    ref_yaml(&l->want, (const unsigned char *)v, len);
    pm_buf_adds(&l->want, "}\n");
    free(own);
}

Test(yaml_writer, record_lines_agree_with_the_rule_at_every_position)
{
    char path[] = "/tmp/pm-test-yaml-rule-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    pm_error err;
    struct lines l = {.want = PM_BUF_INIT};
    l.w = pm_writer_open(path, PM_FMT_YAML, &err);
    cr_assert_not_null(l.w, "%s", err.msg);
    pm_record_init(&l.r);
    each_value(line_of, &l);
    cr_assert_eq(pm_writer_close(l.w, 1, &err), 0, "%s", err.msg);
    FILE *in = fopen(path, "rb");
    cr_assert_not_null(in);
    char *got = malloc(l.want.len + 2);
    size_t n = fread(got, 1, l.want.len + 1, in);
    fclose(in);
    remove(path);
    for (size_t i = 0; i < n && i < l.want.len; i++)
        if (got[i] != l.want.s[i]) {
            size_t from = i > 60 ? i - 60 : 0;
            cr_assert_fail("first difference at byte %zu: got [%.80s] want [%.80s]", i, got + from, l.want.s + from);
        }
    cr_assert_eq(n, l.want.len, "%zu bytes written, %zu expected", n, l.want.len);
    free(got);
    pm_buf_free(&l.want);
    pm_record_free(&l.r);
}
