/* text.c - UTF-8 checking and escaping (text.h). */
#include "text.h"

#include <string.h>

size_t pm_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;          /* no overlong forms */
        if (c == 0xED) hi = 0x9F;          /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;          /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

size_t pm_utf8_valid_prefix(const unsigned char *s, size_t n, int *incomplete)
{
    size_t i = 0;
    *incomplete = 0;
    while (i < n) {
        /* fast path over ASCII, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        uint32_t min;
        if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; }
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; }
        else return i;
        if (i + len > n) {
            /* a truncated sequence at the end: valid if its bytes so far are */
            for (size_t k = 1; i + k < n; k++)
                if ((s[i + k] & 0xc0) != 0x80) return i;
            *incomplete = 1;
            return i;
        }
        uint32_t cp = c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += len;
    }
    return i;
}

int pm_utf8_valid(const char *s, size_t n)
{
    int inc;
    return pm_utf8_valid_prefix((const unsigned char *)s, n, &inc) == n;
}

static void escape(pm_buf *out, const char *s, size_t n, int controls)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;   /* u[run..i) is copied as it is */
    while (i < n) {
        size_t k = u[i] >= 0x80 ? pm_utf8_seq(u + i, n - i) : 1;
        int bad = k == 0 || u[i] == 0 || (controls && (u[i] < 0x20 || u[i] == 0x7F));
        if (!bad) {
            i += k;
            continue;
        }
        pm_buf_add(out, s + run, i - run);
        char e[4] = {'\\', 'x', hex[u[i] >> 4], hex[u[i] & 15]};
        pm_buf_add(out, e, 4);
        run = ++i;
    }
    pm_buf_add(out, s + run, n - run);
}

void pm_utf8_escape(pm_buf *out, const char *s, size_t n) { escape(out, s, n, 0); }
void pm_text_printable(pm_buf *out, const char *s, size_t n) { escape(out, s, n, 1); }
