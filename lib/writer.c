/* writer.c - record writers: CSV (header from the first record) and
 * line-per-record YAML, buffered, written through an atomic file (atomic.h). */
#include "stream.h"

#include "atomic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define FLUSH_AT (64 * 1024)

typedef struct yaml_keys yaml_keys;

struct pm_writer {
    pm_atomic_file *af;
    yaml_keys *ykeys; /* YAML: the keys of names, quoted */
    pm_format format;
    char delim;
    pm_buf out;
    int failed;
    /* the names of the last record written (the CSV header in force),
     * copies compared by text: a record may reuse the memory of its names */
    char **names;
    size_t nnames;
    unsigned long long count;
    pm_buf empty_header; /* written at close when no record was */
};

/* Quoting ------------------------------------------------------------------ */

/* Index of the first byte of v[0..len) that forces quotes, or len.  Eight
 * bytes at a time: a byte equal to c makes (w ^ c*0x01..01) have a zero
 * byte, which the classic haszero test finds.  With ',' or a tab for the
 * delimiter every such byte is below '-', and most words (digits, letters,
 * Chinese) have no byte below '-' at all: one test for them (hasless, exact
 * for "any byte below"), the four only for the others.  The last bytes are
 * the last word, read again. */
static inline uint64_t csv_specials(uint64_t w, uint64_t d)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    /* CR, LF (and a tab, or any control, for a delimiter): any byte below
     * ' ', which may send a word with another control the byte way */
    uint64_t x = w ^ (ones * '"'), t = w ^ d;
    return (((w - ones * ' ') & ~w) | ((x - ones) & ~x) | ((t - ones) & ~t)) & highs;
}

static inline __attribute__((always_inline)) size_t first_special(const char *v, size_t len, unsigned char delim)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL, d = ones * delim;
    const int shortcut = delim < '-';
    size_t i = 0;
    if (len < 8) { /* 4 to 7 bytes: the first four and the last four */
        uint32_t a, b;
        if (len < 4) goto bytes;
        memcpy(&a, v, 4);
        memcpy(&b, v + len - 4, 4);
        if (!csv_specials(a | (uint64_t)b << 32, d)) return len;
    } else {
        for (; i + 8 <= len; i += 8) {
            uint64_t w;
            memcpy(&w, v + i, 8);
            if (shortcut && !((w - ones * '-') & ~w & highs)) continue;
            if (csv_specials(w, d)) goto bytes;
        }
        if (i == len) return len;
        uint64_t w;
        memcpy(&w, v + len - 8, 8);
        if (!csv_specials(w, d)) return len;
    }
bytes:
    for (; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\n' || c == '\r' || c == delim) return i;
    }
    return len;
}

#ifdef __SSE2__
/* Whether v[0..len), 16 bytes or more (digests, texts), holds no byte that
 * forces quotes: 16 bytes at a time, a quote, CR, LF and the delimiter
 * each one compare, the hits gathered to one test at the end (values that
 * need quotes are rare); the last 16 bytes read again. */
static inline __m128i csv_hits16(const char *p, __m128i q, __m128i dl, __m128i cr, __m128i lf)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    return _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, dl)),
                        _mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
}

static int long_plain(const char *v, size_t len, char delim)
{
    const __m128i q = _mm_set1_epi8('"'), dl = _mm_set1_epi8(delim), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    __m128i hit = csv_hits16(v + len - 16, q, dl, cr, lf);
    size_t i = 0;
    for (; i + 32 <= len; i += 32)
        hit = _mm_or_si128(hit, _mm_or_si128(csv_hits16(v + i, q, dl, cr, lf), csv_hits16(v + i + 16, q, dl, cr, lf)));
    if (i + 16 <= len) hit = _mm_or_si128(hit, csv_hits16(v + i, q, dl, cr, lf));
    return !_mm_movemask_epi8(hit);
}
#endif

/* v quoted: the runs between quotes copied whole, each quote doubled. */
static __attribute__((noinline)) void csv_quoted(pm_buf *out, const char *v, size_t len)
{
    pm_buf_addc(out, '"');
    const char *p = v, *end = v + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t run = q ? (size_t)(q - p) + 1 : (size_t)(end - p);
        pm_buf_add(out, p, run);
        if (q) pm_buf_addc(out, '"');
        p += run;
    }
    pm_buf_addc(out, '"');
}

/* Whether v is written as it is: no byte that forces quotes, and no
 * leading U+FEFF, which would be taken for a byte-order mark at the start
 * of a file. */
static inline __attribute__((always_inline)) int csv_plain(const char *v, size_t len, char delim)
{
    if (len >= 3 && v[0] == '\xef' && v[1] == '\xbb' && v[2] == '\xbf') return 0;
#ifdef __SSE2__
    if (len >= 16) return long_plain(v, len, delim);
#endif
    return first_special(v, len, (unsigned char)delim) == len;
}

void pm_csv_quote(pm_buf *out, const char *v, size_t len, char delim)
{
    if (!csv_plain(v, len, delim)) {
        csv_quoted(out, v, len);
        return;
    }
    pm_buf_grow(out, len);
    memcpy(out->s + out->len, v, len);
    out->len += len;
    out->s[out->len] = 0;
}

/* YAML scalars -------------------------------------------------------------- */

/* Byte classes for the YAML quoting decision, one table look-up a byte:
 * YQ_STOP: never in a plain scalar (controls, flow indicators, quotes,
 * backslash); YQ_LOOK: allowed or not by the bytes around it (':', '#', the
 * lead bytes of the characters that must be escaped); YQ_ESC: written other
 * than as itself inside double quotes; YQ_FIRST: may not start a plain
 * scalar (indicators, digits, space, NUL). */
enum { YQ_STOP = 1, YQ_LOOK = 2, YQ_ESC = 4, YQ_FIRST = 8 };
static const unsigned char yq_class[256] = {
    [0] = YQ_STOP | YQ_ESC | YQ_FIRST,
    [1 ... 8] = YQ_STOP | YQ_ESC,
    ['\t'] = YQ_STOP | YQ_ESC | YQ_FIRST,
    [10 ... 0x1f] = YQ_STOP | YQ_ESC,
    [0x7f] = YQ_STOP | YQ_ESC,
    [','] = YQ_STOP | YQ_FIRST,
    ['?'] = YQ_STOP | YQ_FIRST,
    ['['] = YQ_STOP | YQ_FIRST,
    [']'] = YQ_STOP | YQ_FIRST,
    ['{'] = YQ_STOP | YQ_FIRST,
    ['}'] = YQ_STOP | YQ_FIRST,
    ['"'] = YQ_STOP | YQ_ESC | YQ_FIRST,
    ['\\'] = YQ_STOP | YQ_ESC,
    [':'] = YQ_LOOK | YQ_FIRST,
    ['#'] = YQ_LOOK | YQ_FIRST,
    ['-'] = YQ_FIRST,
    ['&'] = YQ_FIRST,
    ['*'] = YQ_FIRST,
    ['!'] = YQ_FIRST,
    ['|'] = YQ_FIRST,
    ['>'] = YQ_FIRST,
    ['\''] = YQ_FIRST,
    ['%'] = YQ_FIRST,
    ['@'] = YQ_FIRST,
    ['`'] = YQ_FIRST,
    ['~'] = YQ_FIRST,
    ['+'] = YQ_FIRST,
    ['.'] = YQ_FIRST,
    [' '] = YQ_FIRST,
    ['0' ... '9'] = YQ_FIRST,
    [0xc2] = YQ_LOOK | YQ_ESC,
    [0xe2] = YQ_LOOK | YQ_ESC,
    [0xef] = YQ_LOOK | YQ_ESC,
};

/* The classes of the bytes s[i..len) together, four bytes a step. */
static inline unsigned yq_classes(const unsigned char *s, size_t i, size_t len)
{
    unsigned all = 0;
    for (; i + 4 <= len; i += 4) all |= yq_class[s[i]] | yq_class[s[i + 1]] | yq_class[s[i + 2]] | yq_class[s[i + 3]];
    for (; i < len; i++) all |= yq_class[s[i]];
    return all;
}

/* Whether v is a word a YAML 1.1 reader takes for something other than
 * text, in any case: null true false yes no on off y n nan inf, and = and
 * << (YAML 1.1 value and merge keys).  v: the word's len <= 5 bytes, ASCII
 * letters lowered, byte i at bit 8i. */
#define YQ_W(a, b, c, d, e)                                                                                            \
    ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 | (uint64_t)(e) << 32)
static inline int yaml_word_is(uint64_t v, size_t len)
{
    switch (len) {
    case 1: return v == 'y' || v == 'n' || v == '=';
    case 2: return v == YQ_W('n', 'o', 0, 0, 0) || v == YQ_W('o', 'n', 0, 0, 0) || v == YQ_W('<', '<', 0, 0, 0);
    case 3:
        return v == YQ_W('y', 'e', 's', 0, 0) || v == YQ_W('o', 'f', 'f', 0, 0) || v == YQ_W('n', 'a', 'n', 0, 0) ||
               v == YQ_W('i', 'n', 'f', 0, 0);
    case 4: return v == YQ_W('n', 'u', 'l', 'l', 0) || v == YQ_W('t', 'r', 'u', 'e', 0);
    case 5: return v == YQ_W('f', 'a', 'l', 's', 'e');
    default: return 0;
    }
}
#undef YQ_W

/* The same for s[0..len), len <= 5. */
static int yaml_word(const unsigned char *s, size_t len)
{
    switch (s[0] | 0x20) { /* the first letters of the words, in any case */
    case 'n':
    case 't':
    case 'f':
    case 'y':
    case 'o':
    case 'i':
    case '=':
    case '<': break;
    default: return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if (c - 'A' < 26u) c |= 0x20;
        v |= (uint64_t)c << (8 * i);
    }
    return yaml_word_is(v, len);
}

/* Whether byte i of s[0..len), s[0] not one of YQ_FIRST, lets s be a
 * plain scalar where it is. */
static inline int yaml_byte_ok(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c = s[i], k = yq_class[c];
    if (!(k & (YQ_STOP | YQ_LOOK))) return 1;
    /* controls; flow indicators end a plain scalar in a flow mapping;
     * PyYAML's pure-Python scanner also ends one at any '?' ("why?
     * nobody"), where libyaml, Psych and js-yaml read on */
    if (k & YQ_STOP) return 0;
    /* ": " starts a value; in flow style libyaml also refuses ':' before
     * a flow indicator or '?' ("found unexpected ':'") */
    if (c == ':' && i + 1 < len && strchr(" ?,[]{}", s[i + 1])) return 0;
    if (c == '#' && s[i - 1] == ' ') return 0;                                        /* i > 0: s[0] != '#' */
    if (c == 0xc2 && i + 1 < len && (s[i + 1] <= 0x9f || s[i + 1] == 0xa0)) return 0; /* C1, NBSP */
    if (c == 0xef && i + 2 < len && s[i + 1] == 0xbf && s[i + 2] >= 0xbe) return 0;   /* U+FFFE/F */
    if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) return 0;
    if (c == 0xef && i + 2 < len && s[i + 1] == 0xbb && s[i + 2] == 0xbf) return 0;
    return 1;
}

/* Would a YAML 1.1/1.2 reader take this plain scalar for the same text? */
static int yaml_plain_ok(const unsigned char *s, size_t len)
{
    if (len == 0 || (yq_class[s[0]] & YQ_FIRST)) return 0;
    if (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == ':') return 0;
    if (len <= 5 && yaml_word(s, len)) return 0;
    /* most values hold no byte that stops or needs a look: their classes
     * together say so without a branch per byte */
    unsigned all = yq_classes(s, 0, len);
    if (!(all & (YQ_STOP | YQ_LOOK))) return 1;
    if (all & YQ_STOP) return 0;
    for (size_t i = 0; i < len; i++)
        if (!yaml_byte_ok(s, len, i)) return 0;
    return 1;
}

/* The bytes written as a backslash and a letter inside double quotes. */
static const char yaml_escape_letter[256] = {
    ['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't', [0] = '0'};

/* Appends s[0..len) double-quoted: runs of bytes that stand for themselves
 * are copied whole, the rest escaped. */
static void yaml_double_quoted(pm_buf *out, const unsigned char *s, size_t len)
{
    pm_buf_addc(out, '"');
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < len && !(yq_class[s[j]] & YQ_ESC)) j++;
        if (j > i) pm_buf_add(out, s + i, j - i);
        if (j == len) break;
        i = j;
        unsigned char c = s[i];
        if (yaml_escape_letter[c]) { /* \" \\ \n \r \t \0 */
            char two[2] = {'\\', yaml_escape_letter[c]};
            pm_buf_add(out, two, 2);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            pm_buf_addf(out, "\\x%02X", c);
        } else if (c == 0xc2 && i + 1 < len && s[i + 1] == 0x85) {
            pm_buf_add(out, "\\N", 2);
            i++;
        } else if (c == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
            pm_buf_addf(out, "\\x%02X", s[i + 1]); /* C1 controls: \xNN is U+00NN */
            i++;
        } else if (c == 0xef && i + 2 < len && s[i + 1] == 0xbf && s[i + 2] >= 0xbe) {
            pm_buf_adds(out, s[i + 2] == 0xbe ? "\\uFFFE" : "\\uFFFF");
            i += 2;
        } else if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] == 0xa8) {
            pm_buf_add(out, "\\L", 2);
            i += 2;
        } else if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 && s[i + 2] == 0xa9) {
            pm_buf_add(out, "\\P", 2);
            i += 2;
        } else if (c == 0xef && i + 2 < len && s[i + 1] == 0xbb && s[i + 2] == 0xbf) {
            pm_buf_add(out, "\\uFEFF", 6);
            i += 2;
        } else {
            pm_buf_addc(out, (char)c);
        }
        i++;
    }
    pm_buf_addc(out, '"');
}

static char *yaml_put_value(char *dst, const unsigned char *s, size_t len);

void pm_yaml_quote(pm_buf *out, const char *value, size_t len)
{
    const unsigned char *s = (const unsigned char *)value;
    pm_buf_grow(out, len + 2);
    char *end = yaml_put_value(out->s + out->len, s, len);
    if (!end) {
        yaml_double_quoted(out, s, len);
        return;
    }
    out->len = (size_t)(end - out->s);
    out->s[out->len] = 0;
}

/* Output ------------------------------------------------------------------- */

static int flush(pm_writer *w, pm_error *err)
{
    int rc = 0;
    if (w->out.len && pm_atomic_write(w->af, w->out.s, w->out.len, err) < 0) {
        w->failed = 1;
        rc = -1;
    }
    w->out.len = 0;
    return rc;
}

pm_writer *pm_writer_open(const char *path, pm_format format, pm_error *err)
{
    pm_atomic_file *af = pm_atomic_open(path, err);
    if (!af) return NULL;
    pm_writer *w = pm_xcalloc(1, sizeof *w);
    w->af = af;
    w->format = format == PM_FMT_AUTO ? PM_FMT_CSV : format;
    w->delim = w->format == PM_FMT_TSV ? '\t' : ',';
    pm_buf_init(&w->out);
    pm_buf_grow(&w->out, FLUSH_AT + 4096);
    return w;
}

static int same_names(const pm_writer *w, const pm_record *r)
{
    /* by text: a record may reuse the memory of its names for others */
    if (r->n != w->nnames) return 0;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(w->names[i], r->f[i].name) != 0) return 0;
    return 1;
}

static void set_names(pm_writer *w, const pm_record *r)
{
    for (size_t i = 0; i < w->nnames; i++) free(w->names[i]);
    free(w->names);
    w->nnames = r->n;
    w->names = pm_xcalloc(r->n ? r->n : 1, sizeof *w->names);
    for (size_t i = 0; i < r->n; i++) w->names[i] = pm_xstrdup(r->f[i].name);
}

void pm_yaml_key(pm_buf *out, const char *name, size_t len)
{
    size_t start = out->len;
    pm_yaml_quote(out, name, len);
    if (out->len - start > 1000) { /* implicit keys end at 1024 characters */
        pm_buf_add(out, "  ", 2);  /* room for "? " */
        memmove(out->s + start + 2, out->s + start, out->len - 2 - start);
        memcpy(out->s + start, "? ", 2);
    }
}

/* The YAML keys of the records being written (the writer's names), each
 * with what goes before its value ("--- {id: ", ", kind: "), quoted once
 * for as long as the records have those names. */
enum { YAML_KEY_COPY = 32 }; /* bytes a short key prefix is copied as */
struct yaml_keys {
    pm_buf text; /* the prefixes one after the other */
    size_t *end; /* prefix i ends at text.s + end[i] */
};

static void yaml_keys_free(yaml_keys *k)
{
    if (!k) return;
    free(k->end);
    pm_buf_free(&k->text);
    free(k);
}

static yaml_keys *yaml_keys_new(const pm_record *r)
{
    yaml_keys *k = pm_xcalloc(1, sizeof *k);
    k->end = pm_xcalloc(r->n ? r->n : 1, sizeof *k->end);
    pm_buf_init(&k->text);
    pm_buf_add(&k->text, "--- {", 5);
    for (size_t i = 0; i < r->n; i++) {
        if (i) pm_buf_add(&k->text, ", ", 2);
        pm_yaml_key(&k->text, r->f[i].name, strlen(r->f[i].name));
        pm_buf_add(&k->text, ": ", 2);
        k->end[i] = k->text.len;
    }
    /* zeros after the last prefix: yaml_put_key copies 32 bytes */
    pm_buf_grow(&k->text, YAML_KEY_COPY);
    memset(k->text.s + k->text.len, 0, YAML_KEY_COPY + 1);
    return k;
}

/* Whether no byte of s[0..len) is escaped inside double quotes.  Eight
 * bytes at a time while they are ASCII other than controls, '"', '\\' and
 * DEL (the tests for "any byte below" and "any byte equal" are exact); the
 * table decides the rest. */
static int yaml_no_escapes(const unsigned char *s, size_t len)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);
        uint64_t hit = ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | ((del - ones) & ~del) | w;
        if (hit & highs) break;
    }
    return !(yq_classes(s, i, len) & YQ_ESC);
}

/* Copies n bytes to dst (room made): the short runs of keys and most
 * values without a call, by two overlapping loads and stores. */
static inline void put_bytes(char *dst, const void *from, size_t n)
{
    const char *src = from;
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
    } else if (n > 16) {
        memcpy(dst, src, n);
    } else if (n) { /* 1 to 3 */
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/* How a value is written in a YAML line: as it is, in double quotes as it
 * is, or in double quotes with escapes (yaml_double_quoted). */
enum { YF_PLAIN, YF_QUOTED, YF_ESCAPED };

/* The form of s[0..len) decided byte by byte, as pm_yaml_quote does. */
static __attribute__((noinline)) int yaml_form_slow(const unsigned char *s, size_t len)
{
    if (yaml_plain_ok(s, len)) return YF_PLAIN;
    return yaml_no_escapes(s, len) ? YF_QUOTED : YF_ESCAPED;
}

#ifdef __SSE2__
/* Sixteen bytes at a time the bytes that may matter are found at once, and
 * most values hold none; a value that holds any is decided byte by byte
 * (yaml_form_slow).  Each compare but two is with x | 0x20, which folds a
 * pair of bytes onto one: '"' (and a control), '|' (and '\\'), 0xe2 (and
 * 0xc2), 0xef (and 0xcf), ',' '?' ':' '#' (and controls), '{' '}' (and '['
 * ']'); the other byte of a pair only costs the byte way.
 *
 * yq_esc16: the bytes of x that may be written escaped inside double quotes
 * (YQ_ESC: controls, DEL, '"', '\\', the lead bytes 0xc2, 0xe2, 0xef). */
static inline __m128i yq_esc16(__m128i x)
{
    const __m128i t = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
    __m128i del = _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f));
    __m128i qb = _mm_or_si128(_mm_cmpeq_epi8(t, _mm_set1_epi8('"')), _mm_cmpeq_epi8(t, _mm_set1_epi8('|')));
    __m128i lead =
        _mm_or_si128(_mm_cmpeq_epi8(t, _mm_set1_epi8((char)0xe2)), _mm_cmpeq_epi8(t, _mm_set1_epi8((char)0xef)));
    return _mm_or_si128(_mm_or_si128(ctl, del), _mm_or_si128(qb, lead));
}

/* The bytes of x that are printable ASCII other than '"' and '\\' (and so
 * written as they are inside double quotes): a value that may not start a
 * plain scalar (a timestamp, a number) is quoted as it is when all its
 * bytes are; one that holds other bytes is decided byte by byte. */
static inline __m128i yq_bare16(__m128i x)
{
    __m128i odd = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)), _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
    odd = _mm_or_si128(odd, _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    return _mm_andnot_si128(odd, _mm_cmpgt_epi8(x, _mm_set1_epi8(0x1f))); /* signed: 0x20 to 0x7f */
}

/* Those and the bytes that end a plain scalar or may (YQ_STOP, YQ_LOOK):
 * ',' '?' '[' ']' '{' '}' ':' '#'. */
static inline __m128i yq_plain16(__m128i x)
{
    const __m128i t = _mm_or_si128(x, _mm_set1_epi8(0x20));
    __m128i a = _mm_or_si128(_mm_cmpeq_epi8(t, _mm_set1_epi8(',')), _mm_cmpeq_epi8(t, _mm_set1_epi8('?')));
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(t, _mm_set1_epi8('{')), _mm_cmpeq_epi8(t, _mm_set1_epi8('}')));
    __m128i c = _mm_or_si128(_mm_cmpeq_epi8(t, _mm_set1_epi8(':')), _mm_cmpeq_epi8(t, _mm_set1_epi8('#')));
    return _mm_or_si128(yq_esc16(x), _mm_or_si128(a, _mm_or_si128(b, c)));
}

/* The form of s[0..len), 0 < len <= 16, whose bytes x holds (some twice,
 * no other), the first eight (or all) of them lo as loaded.  A value that
 * may not start a plain scalar is quoted, with escapes only if it holds a
 * byte that may be one; a value that holds no byte that matters is plain
 * unless its last byte or the whole of it says otherwise ('\t' and ':' at
 * the end are bytes that matter).  Words are told by lo | 0x20 in each
 * byte, which lowers letters and makes no other byte a letter, '=' or '<'
 * but the controls 0x1c and 0x1d, which are bytes that matter. */
static inline __attribute__((always_inline)) int yaml_form16(const unsigned char *s, size_t len, __m128i x, uint64_t lo)
{
    if (yq_class[s[0]] & YQ_FIRST)
        return _mm_movemask_epi8(yq_bare16(x)) != 0xffff ? yaml_form_slow(s, len) : YF_QUOTED;
    if (_mm_movemask_epi8(yq_plain16(x))) return yaml_form_slow(s, len);
    if (s[len - 1] == ' ') return YF_QUOTED;
    if (len <= 5) {                                               /* SSE2: little-endian */
        if (len == 5) lo = (lo & 0xffffffffu) | (lo >> 56) << 32; /* s[4] is the last byte loaded */
        uint64_t mask = ((uint64_t)1 << (8 * len)) - 1;
        if (yaml_word_is((lo | 0x2020202020202020ULL) & mask, len)) return YF_QUOTED;
    }
    return YF_PLAIN;
}

/* The form of s[0..len), len > 16, s[0] not one of YQ_FIRST, that holds a
 * byte that may matter (Chinese text with full-width punctuation, whose
 * lead byte 0xef is one; a URL's ':'): only those bytes are looked at, the
 * 16-byte blocks' masks saying where they are. */
static __attribute__((noinline)) int yaml_form_hits(const unsigned char *s, size_t len)
{
    if (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == ':') goto quoted;
    for (size_t b = 0; b < len; b += 16) {
        size_t at = b + 16 <= len ? b : len - 16; /* the last block read again */
        unsigned m = (unsigned)_mm_movemask_epi8(yq_plain16(_mm_loadu_si128((const __m128i *)(const void *)(s + at))));
        for (m &= ~0u << (b - at); m; m &= m - 1) /* less the bytes looked at */
            if (!yaml_byte_ok(s, len, at + (unsigned)__builtin_ctz(m))) goto quoted;
    }
    return YF_PLAIN;
quoted:
    return yaml_no_escapes(s, len) ? YF_QUOTED : YF_ESCAPED;
}

/* The form of s[0..len), len > 16: 16 bytes at a time, the last 16 read
 * again. */
static int yaml_form_long(const unsigned char *s, size_t len)
{
    const __m128i *last = (const __m128i *)(const void *)(s + len - 16);
    __m128i hit;
    size_t i;
    if (yq_class[s[0]] & YQ_FIRST) {
        __m128i bare = yq_bare16(_mm_loadu_si128(last));
        for (i = 0; i + 16 < len; i += 16)
            bare = _mm_and_si128(bare, yq_bare16(_mm_loadu_si128((const __m128i *)(const void *)(s + i))));
        return _mm_movemask_epi8(bare) != 0xffff ? yaml_form_slow(s, len) : YF_QUOTED;
    }
    hit = yq_plain16(_mm_loadu_si128(last));
    for (i = 0; i + 16 < len; i += 16)
        hit = _mm_or_si128(hit, yq_plain16(_mm_loadu_si128((const __m128i *)(const void *)(s + i))));
    if (_mm_movemask_epi8(hit)) return yaml_form_hits(s, len);
    return s[len - 1] == ' ' ? YF_QUOTED : YF_PLAIN;
}
#endif

/* Writes s[0..len) at dst as its form says and returns the end, or NULL
 * when it needs escapes (the caller writes it with yaml_double_quoted).
 * Room at dst: len + 2 bytes.  A quote is written before the value and
 * after it whatever the form; a plain value writes over the first and
 * leaves the second past its end, where the next bytes go. */
static inline __attribute__((always_inline)) char *yaml_put_value(char *dst, const unsigned char *s, size_t len)
{
    int form;
    size_t q;
    dst[0] = '"';
    if (len == 0) {
        dst[1] = '"';
        return dst + 2;
    }
#ifdef __SSE2__
    if (len >= 8 && len <= 16) { /* the two words scanned are those written */
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + len - 8, 8);
        form = yaml_form16(s, len, _mm_set_epi64x((long long)b, (long long)a), a);
        if (form == YF_ESCAPED) return NULL;
        q = form == YF_QUOTED;
        memcpy(dst + q, &a, 8);
        memcpy(dst + q + len - 8, &b, 8);
    } else if (len < 8) {
        uint64_t a;
        if (len >= 4) {
            uint32_t a4, b4;
            memcpy(&a4, s, 4);
            memcpy(&b4, s + len - 4, 4);
            a = a4 | (uint64_t)b4 << 32;
        } else { /* 1 to 3 bytes, each once or more */
            a = s[0] | (uint64_t)s[len / 2] << 8 | (uint64_t)s[len - 1] << 16;
            a |= a << 24;
            a |= a << 48;
        }
        form = yaml_form16(s, len, _mm_set1_epi64x((long long)a), a);
        if (form == YF_ESCAPED) return NULL;
        q = form == YF_QUOTED;
        put_bytes(dst + q, s, len);
    } else {
        form = yaml_form_long(s, len);
        if (form == YF_ESCAPED) return NULL;
        q = form == YF_QUOTED;
        if (len <= 32) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
            __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(s + len - 16));
            _mm_storeu_si128((__m128i *)(void *)(dst + q), x);
            _mm_storeu_si128((__m128i *)(void *)(dst + q + len - 16), y);
        } else {
            memcpy(dst + q, s, len);
        }
    }
#else
    form = yaml_form_slow(s, len);
    if (form == YF_ESCAPED) return NULL;
    q = form == YF_QUOTED;
    put_bytes(dst + q, s, len);
#endif
    dst += q + len;
    dst[0] = '"';
    return dst + q;
}

/* Copies the prefix of a key (", id: "), n bytes at from, to dst: one of
 * up to 32 bytes as 32 (yaml_keys_new leaves zeros after the last; the
 * caller room after dst), a longer one as it is. */
static inline void yaml_put_key(char *dst, const char *from, size_t n)
{
    if (n <= YAML_KEY_COPY) {
        char b[YAML_KEY_COPY];
        memcpy(b, from, YAML_KEY_COPY);
        memcpy(dst, b, YAML_KEY_COPY);
    } else {
        memcpy(dst, from, n);
    }
}

/* One record as a line: --- {key: value, ...}, its keys those of
 * w->ykeys.  Room is made once for the keys and every value quoted without
 * escapes; a value with escapes (rare) goes through yaml_double_quoted,
 * which makes its own. */
static void yaml_write_record(pm_writer *w, const pm_record *r)
{
    const yaml_keys *k = w->ykeys;
    pm_buf *o = &w->out;
    const pm_field *f = r->f, *end = r->f + r->n;
    size_t need = k->text.len + 2 + YAML_KEY_COPY;
    for (const pm_field *p = f; p < end; p++) need += p->len + 2;
    pm_buf_grow(o, need);
    char *dst = o->s + o->len;
    const char *const text = k->text.s, *key = text;
    const size_t *kend = k->end;
    for (const pm_field *p = f; p < end; p++, kend++) {
        const char *next = text + *kend;
        yaml_put_key(dst, key, (size_t)(next - key));
        dst += next - key;
        key = next;
        char *at = yaml_put_value(dst, (const unsigned char *)p->value, p->len);
        if (at) {
            dst = at;
            continue;
        }
        o->len = (size_t)(dst - o->s);
        yaml_double_quoted(o, (const unsigned char *)p->value, p->len);
        pm_buf_grow(o, need); /* still enough for the rest */
        dst = o->s + o->len;
    }
    if (r->n == 0) memcpy(dst, "--- {", 5), dst += 5;
    memcpy(dst, "}\n", 3); /* with the NUL */
    o->len = (size_t)(dst + 2 - o->s);
}

/* Copies n bytes, at most CSV_SLOT, to dst, with room for CSV_SLOT bytes
 * there: lengths told apart by a tree of compares (two for the short
 * values of most fields, none of them a call), each copied as two
 * overlapping loads and stores of a width (four 16-byte ones past 32
 * bytes: the two digests on every pm-fee line); a value is read exactly,
 * never past its end. */
enum { CSV_SLOT = 64 };
static inline __attribute__((always_inline)) void csv_put(char *dst, const char *src, size_t n)
{
    if (n < 8) {
        if (n >= 4) {
            uint32_t a, b;
            memcpy(&a, src, 4);
            memcpy(&b, src + n - 4, 4);
            memcpy(dst, &a, 4);
            memcpy(dst + n - 4, &b, 4);
        } else if (n) { /* 1 to 3 */
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
    } else if (n <= 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else {
#ifdef __SSE2__
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + n - 16));
        if (n > 32) {
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
            __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + n - 32));
            _mm_storeu_si128((__m128i *)(void *)(dst + 16), c);
            _mm_storeu_si128((__m128i *)(void *)(dst + n - 32), d);
        }
        _mm_storeu_si128((__m128i *)(void *)dst, a);
        _mm_storeu_si128((__m128i *)(void *)(dst + n - 16), b);
#else
        memcpy(dst, src, n);
#endif
    }
}

/* The values of fields from.. of r as CSV, each after a delimiter but the
 * record's first, and the line end; those of the bits of plain (bit i:
 * field i) as they are, untested (pm_writer_write_known).  Room is made
 * once for them all as if each took CSV_SLOT bytes and its delimiter, so
 * that a value is written with one compare for room (a longer one makes
 * room for itself and the rest); a value that needs quotes (rare) goes
 * through csv_quoted, which makes its own, and room is made again for the
 * rest. */
static void csv_write_values(pm_writer *w, const pm_record *r, size_t from, uint64_t plain)
{
    pm_buf *o = &w->out;
    const char d = w->delim;
    const pm_field *f = r->f + from, *end = r->f + r->n;
    /* after the values: the "" of a lone empty field, the line end and
     * its NUL, END bytes; before them the delimiter after a raw prefix */
    enum { END = 5 };
    const size_t per = CSV_SLOT + 1;
    pm_buf_grow(o, (size_t)(end - f) * per + END + 1);
    char *dst = o->s + o->len;
    if (f < end) {
        uint64_t known = from < 64 ? plain >> from : 0;
        if (from) *dst++ = d;
        for (const pm_field *p = f; p < end; p++, known >>= 1) {
            const char *v = p->value;
            size_t len = p->len;
            if (len > CSV_SLOT) { /* room for it, and the rest as before */
                o->len = (size_t)(dst - o->s);
                pm_buf_grow(o, len + 1 + (size_t)(end - p) * per + END);
                dst = o->s + o->len;
                if ((known & 1) || csv_plain(v, len, d)) {
                    memcpy(dst, v, len);
                    dst += len;
                    *dst++ = d;
                    continue;
                }
            } else if ((known & 1) || csv_plain(v, len, d)) {
                csv_put(dst, v, len);
                dst += len;
                *dst++ = d;
                continue;
            }
            o->len = (size_t)(dst - o->s);
            csv_quoted(o, v, len); /* makes its own room */
            pm_buf_grow(o, (size_t)(end - p) * per + END);
            dst = o->s + o->len;
            *dst++ = d;
        }
        dst--; /* the line end goes where the last delimiter went */
    }
    /* a lone empty field would read back as a blank line */
    if (r->n == 1 && r->f[0].len == 0) {
        *dst++ = '"';
        *dst++ = '"';
    }
    *dst++ = '\n';
    *dst = 0;
    o->len = (size_t)(dst - o->s);
}

/* How many leading fields of r still hold the values the reader split from
 * r->raw (see pm_record), which can then be written as those bytes; *bytes
 * gets how many.  A value is the one read when it starts where it did and
 * ends at the NUL that replaced its delimiter (values read so hold no NUL). */
static size_t raw_prefix(const pm_record *r, char delim, size_t *bytes)
{
    if (!r->raw || r->raw_delim != delim || (r->n == 1 && r->f[0].len == 0)) return 0;
    const char *at = r->raw, *end = r->raw + r->raw_len;
    size_t i = 0;
    for (; i < r->raw_n && i < r->n; i++) {
        const pm_field *f = &r->f[i];
        if (f->value != at || f->len > (size_t)(end - at) || at[f->len] != 0) break;
        at += f->len + 1;
    }
    *bytes = i ? (size_t)(at - 1 - r->raw) : 0;
    return i;
}

static int write_record(pm_writer *w, const pm_record *r, int known_names, uint64_t plain, pm_error *err);

int pm_writer_write(pm_writer *w, const pm_record *r, pm_error *err)
{
    return write_record(w, r, 0, 0, err);
}

int pm_writer_write_same_names(pm_writer *w, const pm_record *r, pm_error *err)
{
    return write_record(w, r, 1, 0, err);
}

int pm_writer_write_known(pm_writer *w, const pm_record *r, int same_names, uint64_t plain, pm_error *err)
{
    return write_record(w, r, same_names, plain, err);
}

static int write_record(pm_writer *w, const pm_record *r, int known_names, uint64_t plain, pm_error *err)
{
    if (w->failed) {
        pm_error_set(err, pm_atomic_name(w->af), 0, "write error");
        return -1;
    }
    pm_buf *o = &w->out;
    int first = !w->names;
    if (first || !(known_names || same_names(w, r))) {
        set_names(w, r);
        if (w->format == PM_FMT_YAML) { /* every line names its keys */
            yaml_keys_free(w->ykeys);
            w->ykeys = yaml_keys_new(r);
        } else {
            /* a new header: between blocks a blank line, like csvlite */
            if (!first) pm_buf_addc(o, '\n');
            for (size_t i = 0; i < r->n; i++) {
                if (i) pm_buf_addc(o, w->delim);
                pm_csv_quote(o, r->f[i].name, strlen(r->f[i].name), w->delim);
            }
            if (r->n == 1 && !r->f[0].name[0]) pm_buf_add(o, "\"\"", 2);
            pm_buf_addc(o, '\n');
        }
    }
    if (w->format == PM_FMT_YAML) {
        yaml_write_record(w, r);
    } else {
        size_t bytes, k = raw_prefix(r, w->delim, &bytes);
        if (k) { /* the values as read: the reader's bytes, delimiters back */
            pm_buf_grow(o, bytes);
            char *dst = o->s + o->len;
            const pm_field *f = r->f;
            const char d = w->delim;
            memcpy(dst, r->raw, bytes);
            /* the values lie one after the other (raw_prefix) */
            for (size_t i = 0, at = 0; i + 1 < k; i++) {
                at += f[i].len;
                dst[at++] = d;
            }
            o->len += bytes;
            o->s[o->len] = 0;
        }
        csv_write_values(w, r, k, plain);
    }
    w->count++;
    if (o->len >= FLUSH_AT) return flush(w, err);
    return 0;
}

unsigned long long pm_writer_count(const pm_writer *w)
{
    return w->count;
}

void pm_writer_set_header(pm_writer *w, const char *const *names, size_t n)
{
    pm_buf_reset(&w->empty_header);
    if (w->format == PM_FMT_YAML) return;
    for (size_t i = 0; i < n; i++) {
        if (i) pm_buf_addc(&w->empty_header, w->delim);
        pm_csv_quote(&w->empty_header, names[i], strlen(names[i]), w->delim);
    }
    pm_buf_addc(&w->empty_header, '\n');
}

int pm_writer_close(pm_writer *w, int commit, pm_error *err)
{
    if (!w) return 0;
    /* a direct output (standard output, a FIFO) gets what was written even
     * when not committed; a temporary file is removed unread */
    int keep = commit || !pm_atomic_is_temporary(w->af);
    int rc = 0;
    if (w->count == 0 && w->empty_header.len && keep) pm_buf_add(&w->out, w->empty_header.s, w->empty_header.len);
    if (keep && !w->failed && flush(w, err) < 0) rc = -1;
    pm_error later;
    if (pm_atomic_close(w->af, commit && rc == 0, rc ? &later : err) < 0) rc = -1;
    for (size_t i = 0; i < w->nnames; i++) free(w->names[i]);
    free(w->names);
    pm_buf_free(&w->out);
    pm_buf_free(&w->empty_header);
    yaml_keys_free(w->ykeys);
    free(w);
    return rc;
}
