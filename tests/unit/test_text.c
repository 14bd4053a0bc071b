/* test_text.c - UTF-8 validation (lib/text.h): the word-at-a-time ASCII
 * runs and the three-byte runs of Chinese text say exactly what the byte by
 * byte validator they replaced said (the Unicode standard's table of
 * well-formed sequences), on every edge: truncated sequences at the end,
 * overlong forms, surrogates, code points past U+10FFFF, stray continuation
 * bytes, and every position of a bad byte in a word. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* The reference: the well-formed sequences of the Unicode standard (Table
 * 3-7), a character at a time.  A sequence cut by the end of the text is
 * "incomplete" when its bytes so far are a lead (C0..F4, by its bits) and
 * continuation bytes, as the validator always said. */
static size_t table_3_7(const unsigned char *s, size_t n, int *incomplete)
{
    size_t at = 0;
    *incomplete = 0;
    while (at < n) {
        unsigned char lead = s[at];
        size_t need = lead < 0x80 ? 1 : lead < 0xc0 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
        if (need == 0) return at;
        if (need > n - at) {
            for (size_t k = at + 1; k < n; k++)
                if (s[k] < 0x80 || s[k] > 0xbf) return at;
            *incomplete = 1;
            return at;
        }
        /* the second byte's range depends on the lead */
        unsigned char second_min = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
        unsigned char second_max = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
        if (need == 2 && lead < 0xc2) return at;
        if (need > 1 && (s[at + 1] < second_min || s[at + 1] > second_max)) return at;
        if (need > 2 && (s[at + 2] < 0x80 || s[at + 2] > 0xbf)) return at;
        if (need > 3 && (s[at + 3] < 0x80 || s[at + 3] > 0xbf)) return at;
        at += need;
    }
    return at;
}

static void agree(const unsigned char *s, size_t n)
{
    int inc = -1, inc2 = -1;
    size_t v = pm_utf8_valid_prefix(s, n, &inc), v2 = table_3_7(s, n, &inc2);
    if (v != v2 || inc != inc2) {
        char hex[3 * 96 + 1] = "";
        for (size_t i = 0; i < n && i < 96; i++) snprintf(hex + 3 * i, 4, "%02x ", s[i]);
        cr_assert_fail("%s(%zu bytes): %zu/%d, Table 3-7 %zu/%d", hex, n, v, inc, v2, inc2);
    }
    cr_assert_eq(pm_utf8_valid((const char *)s, n), v2 == n);
}

/* Bytes on both sides of every boundary the rules draw. */
static const unsigned char edge[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
                                     0xdf, 0xe0, 0xe1, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff};
#define NEDGE (sizeof edge)

/* Every string of one to three edge bytes, after 0 to 17 bytes of ASCII or
 * of Chinese (whole words and every offset in one), with or without text
 * after it. */
Test(text, utf8_runs_agree_with_the_table_on_every_short_edge)
{
    static const char *const before[] = {"",
                                         "a",
                                         "abcdefg",
                                         "abcdefgh",
                                         "abcdefghijklmno",
                                         "abcdefghijklmnopq",
                                         "\xe6\xa5\xbc\xe9\x81\x93",
                                         "ab\xe6\xa5\xbc\xe9\x81\x93\xe7\xaa\x97"};
    static const char *const after[] = {"", "z", "\xe6\x88\xb7", "0123456789abcdef"};
    unsigned char buf[64];
    for (size_t b = 0; b < sizeof before / sizeof before[0]; b++)
        for (size_t a = 0; a < sizeof after / sizeof after[0]; a++)
            for (size_t len = 1; len <= 3; len++)
                for (size_t k = 0; k < (len == 1 ? NEDGE : len == 2 ? NEDGE * NEDGE : NEDGE * NEDGE * NEDGE); k++) {
                    size_t bl = strlen(before[b]), al = strlen(after[a]), n = bl;
                    memcpy(buf, before[b], bl);
                    size_t x = k;
                    for (size_t j = 0; j < len; j++, x /= NEDGE) buf[n++] = edge[x % NEDGE];
                    memcpy(buf + n, after[a], al);
                    agree(buf, n + al);
                    agree(buf, n); /* cut after the edge bytes */
                }
}

/* Chinese text cut at every byte, and Chinese with every other three-byte
 * lead and continuation, four-byte characters, and two-byte ones. */
Test(text, utf8_runs_agree_on_cut_and_mixed_text)
{
    const char *text = "T0000001,repair,\xe6\xa5\xbc\xe9\x81\x93\xe7\xaa\x97\xe6\x88\xb7\xe7\x8e\xbb\xe7\x92\x83"
                       "\xe7\xa0\xb4\xe6\x8d\x9f,\xf0\x9f\x98\x80\xc2\xa0\xe0\xa4\x95\xed\x9f\xbf\xee\x80\x80"
                       "\xef\xbf\xbf,satisfied\n";
    size_t n = strlen(text);
    for (size_t i = 0; i <= n; i++) {
        agree((const unsigned char *)text, i);
        agree((const unsigned char *)text + i, n - i);
    }
    unsigned char buf[16];
    for (unsigned lead = 0xe0; lead <= 0xef; lead++)
        for (unsigned c1 = 0x70; c1 <= 0xd0; c1++)
            for (size_t c2 = 0; c2 < NEDGE; c2++) {
                memcpy(buf, "\xe4\xb8\xad", 3);
                buf[3] = (unsigned char)lead;
                buf[4] = (unsigned char)c1;
                buf[5] = edge[c2];
                memcpy(buf + 6, "\xe6\x96\x87", 3);
                agree(buf, 9);
                agree(buf, 5);
            }
}

/* Random strings of edge bytes and Chinese characters (a fixed seed). */
Test(text, utf8_runs_agree_on_random_text)
{
    uint32_t seed = 12345;
    unsigned char buf[80];
    for (int round = 0; round < 200000; round++) {
        size_t n = 0, want;
        seed = seed * 1103515245u + 12345u;
        want = (seed >> 16) % 72;
        while (n < want) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xff;
            if (r < 96) {
                buf[n++] = (unsigned char)(0x20 + r % 95);
            } else if (r < 200) {
                memcpy(buf + n, "\xe5\x8d\x95", 3); /* 单 */
                n += 3;
            } else {
                buf[n++] = edge[r % NEDGE];
            }
        }
        agree(buf, n);
    }
}

/* How a message names its record: " (NAME=VALUE)", the value printable
 * (a control character escaped) and cut at 80 bytes. */
Test(text, add_key_names_the_record)
{
    pm_buf b = PM_BUF_INIT;
    pm_text_add_key(&b, "id", "GD\n005", 6);
    cr_assert_str_eq(pm_buf_str(&b), " (id=GD\\x0A005)");
    pm_buf_reset(&b);
    char v[100];
    memset(v, 'x', sizeof v);
    pm_text_add_key(&b, "工单号", v, sizeof v);
    cr_assert_eq(b.len, strlen(" (工单号=") + 80 + 1, "%s", pm_buf_str(&b));
    pm_buf_free(&b);
}
