/* text.c - UTF-8 checking and escaping (text.h). */
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t pm_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0; /* no overlong forms */
        if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

size_t pm_utf8_valid_prefix(const unsigned char *s, size_t n, int *incomplete)
{
    const uint64_t highs = 0x8080808080808080ULL;
    size_t i = 0;
    *incomplete = 0;
    while (i < n) {
        /* ASCII, sixteen then eight bytes at a time */
        for (; i + 16 <= n; i += 16) {
            uint64_t a, b;
            memcpy(&a, s + i, 8);
            memcpy(&b, s + i + 8, 8);
            if ((a | b) & highs) break;
        }
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & highs) break;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        /* Chinese text: whole three-byte sequences in a row.  With a lead
         * of E1..EC, EE or EF (U+1000..U+CFFF, U+E000..U+FFFF) any two
         * continuation bytes are valid; E0 (overlong forms) and ED
         * (surrogates) take the general way below. */
        while (i + 3 <= n && (unsigned)(s[i] - 0xE1) < 0x0F && s[i] != 0xED && (s[i + 1] & 0xC0) == 0x80 &&
               (s[i + 2] & 0xC0) == 0x80)
            i += 3;
        if (i >= n) break;
        c = s[i];
        if (c < 0x80) continue;
        size_t len;
        uint32_t min;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0 && c <= 0xf4) {
            len = 4;
            min = 0x10000;
        } else
            return i;
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
    size_t i = 0, run = 0; /* u[run..i) is copied as it is */
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

void pm_utf8_escape(pm_buf *out, const char *s, size_t n)
{
    escape(out, s, n, 0);
}
void pm_text_printable(pm_buf *out, const char *s, size_t n)
{
    escape(out, s, n, 1);
}

void pm_text_add_key(pm_buf *out, const char *name, const char *value, size_t n)
{
    pm_buf_adds(out, " (");
    pm_buf_adds(out, name);
    pm_buf_addc(out, '=');
    pm_text_printable(out, value, n < 80 ? n : 80);
    pm_buf_addc(out, ')');
}

/* Characters of s as code points (at most 128). */
static size_t code_points(const char *s, unsigned cp[128])
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < 128; p++)
        if ((*p & 0xC0) != 0x80)
            cp[n++] = *p;
        else if (n)
            cp[n - 1] = cp[n - 1] * 64 + (*p & 0x3F);
    return n;
}

size_t pm_text_distance(const char *a, const char *b)
{
    unsigned cpa[128], cpb[128];
    size_t na = code_points(a, cpa), nb = code_points(b, cpb);
    /* optimal string alignment, three rows: i-2, i-1 and i */
    size_t rows[3][129];
    for (size_t j = 0; j <= nb; j++) rows[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t *d = rows[i % 3], *up = rows[(i - 1) % 3], *up2 = rows[(i + 1) % 3];
        d[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t best = up[j - 1] + (cpa[i - 1] != cpb[j - 1]);
            if (up[j] + 1 < best) best = up[j] + 1;
            if (d[j - 1] + 1 < best) best = d[j - 1] + 1;
            if (i > 1 && j > 1 && cpa[i - 1] == cpb[j - 2] && cpa[i - 2] == cpb[j - 1] && up2[j - 2] + 1 < best)
                best = up2[j - 2] + 1;
            d[j] = best;
        }
    }
    return rows[na % 3][nb];
}

int pm_text_nearest(const char *name, const char *const *known, int nknown, int *out, int max)
{
    size_t chars = 0, len = strlen(name);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) chars += (*p & 0xC0) != 0x80;
    size_t limit = chars <= 3 ? 1 : chars / 3 > 2 ? chars / 3 : 2;
    size_t *dist = pm_xmalloc(sizeof *dist * (size_t)(nknown + 1));
    for (int k = 0; k < nknown; k++) {
        dist[k] = strcasecmp(name, known[k]) == 0 ? 0 : pm_text_distance(name, known[k]);
        /* a name cut short (created for created_at) is near too */
        if (dist[k] > limit && len >= 3 &&
            (strncmp(known[k], name, len) == 0 || strncmp(known[k], name, strlen(known[k])) == 0))
            dist[k] = limit;
    }
    int shown = 0;
    for (size_t d = 0; d <= limit && shown < max; d++)
        for (int k = 0; k < nknown && shown < max; k++)
            if (dist[k] == d) out[shown++] = k;
    free(dist);
    return shown;
}
