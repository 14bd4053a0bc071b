/* reader.c - record readers: byte source, decoding, format detection, and
 * the CSV (libcsv) and YAML (libyaml) parsers behind pm_reader.
 *
 * The source reads big chunks with read(2).  Input that is not UTF-8 is
 * converted with iconv; "auto" picks GB18030 when the first chunk is not
 * valid UTF-8.  CSV is fed to libcsv one line at a time, so the reader can
 * stop after each record (memory bounded by the largest record) and knows
 * each record's first line.  YAML is pulled through libyaml's event parser,
 * so a stream of any length is read one document at a time.
 */
#include "stream.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define CHUNK (256 * 1024)
/* The most fed to libcsv at once: a field longer than --max-field is cut
 * short after at most this much more (libcsv keeps a whole field). */
#define CSV_PIECE (1024 * 1024)
#define YAML_MAX_DEPTH 64
/* Flow collections ([ ] { }) nested deeper than this are not handed to
 * libyaml, whose time per token grows with the flow depth (200,000 levels
 * would take minutes).  A record holds text, so such a record is bad anyway;
 * below YAML_MAX_DEPTH so that block nesting has room. */
#define YAML_MAX_FLOW 48
/* Fields one record may have (CSV row or YAML mapping); more is a bad record
 * rather than unbounded memory per record. */
#define MAX_FIELDS 10000
#define MAX_FIELDS_TEXT "10000"

typedef struct pending {
    pm_record rec;
    int bad;
    char msg[256];
} pending;

struct pm_reader {
    /* source */
    int fd, owns_fd, eof;
    char *name;
    unsigned char *raw;      /* bytes as read */
    size_t rawlen;
    iconv_t cd;              /* (iconv_t)-1 when the input is UTF-8 */
    int decode_errors;       /* invalid bytes replaced by U+FFFD */
    unsigned char *dec;      /* decoded bytes (== raw when UTF-8) */
    size_t declen, decpos, deccap;
    int validate_utf8;
    pm_read_opts opts;
    pm_format format;
    long line;               /* 1-based line of the next byte at decpos */

    /* CSV */
    struct csv_parser csv;
    int csv_started;
    char **header;
    size_t nheader;
    int have_header;
    pm_record *building;     /* record being filled by the callbacks */
    pending *q;              /* completed records, oldest first */
    size_t qhead, qlen, qcap;
    long rec_line;
    int rec_bad;
    char rec_msg[256];
    int rec_field_big;
    int seg_flags;           /* SEG_* seen since the current record began */
    int cr_ended;            /* the last segment ended in a CR counted as a
                                line end; a LF right after it is not a line */
    int header_bad;          /* 1: the header is unusable (header_msg says why); 2: reported */
    char header_msg[256];
    long header_line;

    /* YAML */
    yaml_parser_t yp;
    int yaml_started, finished, yaml_in_seq, yaml_doc_open;
    long yaml_piece_line;    /* line on which the piece last handed to libyaml starts */
    unsigned char carry[4];  /* an incomplete character at the end of the last piece */
    size_t ncarry;
    long cut_line;           /* >0: this line has bytes YAML does not allow; libyaml
                                was given the end of the stream instead */
    int cut_at_document;     /* the cut line starts a new document (---, ...) */
    const char *cut_why;
    /* flow nesting, tracked over the bytes handed to libyaml */
    long flow_depth;
    char flow_quote;         /* inside a quoted scalar: its quote */
    char flow_prev;          /* last byte that was not a space ('\n' at a line start) */
    int flow_escape;         /* the last byte was a backslash in "..." */
    int flow_dropped;        /* bytes deeper than YAML_MAX_FLOW were left out */
};

/* Source ------------------------------------------------------------------ */

static ssize_t read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Length of the longest valid UTF-8 prefix of s; *incomplete is set when the
 * rest is only a truncated sequence at the very end. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n, int *incomplete)
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

static int utf8_valid(const char *s, size_t n)
{
    int inc;
    return utf8_valid_prefix((const unsigned char *)s, n, &inc) == n;
}

/* Reads more raw bytes after the kept tail rawlen.  Returns bytes read, 0 at
 * EOF, -1 on error. */
static ssize_t src_read(pm_reader *rd, pm_error *err)
{
    if (rd->eof) return 0;
    ssize_t r = read_full(rd->fd, rd->raw + rd->rawlen, CHUNK - rd->rawlen);
    if (r < 0) {
        pm_error_set(err, rd->name, 0, "read error: %s", strerror(errno));
        return -1;
    }
    if (r == 0) rd->eof = 1;
    rd->rawlen += (size_t)r;
    return r;
}

/* Converts rd->raw through iconv into rd->dec (appending after declen). */
static void src_convert(pm_reader *rd)
{
    char *in = (char *)rd->raw;
    size_t inleft = rd->rawlen;
    while (inleft > 0) {
        if (rd->deccap - rd->declen < inleft * 4 + 16) {
            rd->deccap = rd->declen + inleft * 4 + 16;
            rd->dec = pm_xrealloc(rd->dec, rd->deccap);
        }
        char *out = (char *)rd->dec + rd->declen;
        size_t outleft = rd->deccap - rd->declen;
        size_t rc = iconv(rd->cd, &in, &inleft, &out, &outleft);
        rd->declen = (size_t)((unsigned char *)out - rd->dec);
        if (rc != (size_t)-1) break;
        if (errno == EINVAL && !rd->eof) break;  /* keep the partial sequence */
        if (errno == E2BIG) continue;
        /* EILSEQ, or a truncated sequence at EOF: replace one byte */
        memcpy(rd->dec + rd->declen, "\xef\xbf\xbd", 3);
        rd->declen += 3;
        rd->decode_errors = 1;
        in++;
        inleft--;
    }
    memmove(rd->raw, in, inleft);
    rd->rawlen = inleft;
}

/* Makes decoded bytes available at dec[decpos..declen).  Returns 1 when there
 * are some, 0 at EOF, -1 on error. */
static int src_fill(pm_reader *rd, pm_error *err)
{
    while (rd->decpos >= rd->declen) {
        if (rd->eof && rd->rawlen == 0) return 0;
        if (rd->cd == (iconv_t)-1) {
            rd->rawlen = 0;
            ssize_t r = src_read(rd, err);
            if (r < 0) return -1;
            rd->dec = rd->raw;
            rd->declen = rd->rawlen;
            rd->decpos = 0;
            if (r == 0) return 0;
        } else {
            ssize_t r = src_read(rd, err);
            if (r < 0) return -1;
            rd->declen = rd->decpos = 0;
            src_convert(rd);
            if (r == 0 && rd->declen == 0) {
                rd->rawlen = 0;
                return 0;
            }
        }
    }
    return 1;
}

static int is_utf8_name(const char *e)
{
    return !strcasecmp(e, "utf-8") || !strcasecmp(e, "utf8");
}

/* Whether the first chunk s[0..n) is UTF-8 for "auto": all of it valid (a
 * character cut at the end of the chunk included), or so many more valid
 * multi-byte characters than invalid bytes that these are mistakes in a
 * UTF-8 file, to be reported row by row: GB18030 text forms valid UTF-8
 * only by chance, a character here and there, while decoding a UTF-8 file
 * as GB18030 would garble every Chinese character in it without an error. */
static int looks_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0, bad = 0, multi = 0;
    for (;;) {
        int inc;
        size_t v = utf8_valid_prefix(s + i, n - i, &inc);
        for (size_t k = i; k < i + v; k++) multi += (s[k] & 0xc0) == 0xc0;
        i += v;
        if (i >= n || inc) break;
        bad++;
        i++;
    }
    return bad == 0 || multi > 4 * bad;
}

/* Reads the first chunk, chooses the encoding, strips a BOM. */
static int src_start(pm_reader *rd, pm_error *err)
{
    if (src_read(rd, err) < 0) return -1;
    const char *enc = rd->opts.encoding;
    int bom = rd->rawlen >= 3 && !memcmp(rd->raw, "\xef\xbb\xbf", 3);
    if (!enc || !*enc || !strcasecmp(enc, "auto")) {
        if (bom || looks_utf8(rd->raw, rd->rawlen))
            enc = "UTF-8";
        else
            enc = "GB18030";
    }
    if (is_utf8_name(enc)) {
        rd->cd = (iconv_t)-1;
        rd->validate_utf8 = 1;
        rd->dec = rd->raw;
        rd->declen = rd->rawlen;
        rd->decpos = bom ? 3 : 0;
    } else {
        rd->cd = iconv_open("UTF-8", enc);
        if (rd->cd == (iconv_t)-1) {
            pm_error_set(err, NULL, 0, "unknown encoding '%s'", enc);
            return -1;
        }
        rd->validate_utf8 = 0;
        rd->dec = NULL;
        rd->declen = rd->decpos = rd->deccap = 0;
        src_convert(rd);
        if (rd->declen >= 3 && !memcmp(rd->dec, "\xef\xbb\xbf", 3)) rd->decpos = 3;
    }
    return 0;
}

/* Whether a line starting with '[' or '{' has a ',' or tab outside its
 * brackets and quotes (then it is a CSV header, not a YAML flow collection). */
static int delimiter_outside_brackets(const char *l, size_t len)
{
    int depth = 0;
    char quote = 0;
    for (size_t k = 0; k < len; k++) {
        char c = l[k];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        else if (c == '[' || c == '{') depth++;
        else if ((c == ']' || c == '}') && depth > 0) depth--;
        else if ((c == ',' || c == '\t') && depth == 0) return 1;
    }
    return 0;
}

/* Format detection from the first decoded bytes. */
static pm_format detect_format(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
        if (i < n && s[i] == '#') {
            /* a YAML comment, or a CSV header starting with '#': the next
             * line decides, and a CSV file stays CSV either way */
            size_t j = i;
            while (j < n && s[j] != '\n') j++;
            i = j;
            continue;
        }
        break;
    }
    if (i >= n) return PM_FMT_CSV;
    size_t end = i;
    while (end < n && s[end] != '\n') end++;
    const char *l = (const char *)s + i;
    size_t len = end - i;
    if ((len >= 3 && !memcmp(l, "---", 3)) || (len >= 5 && !memcmp(l, "%YAML", 5)) ||
        (len >= 2 && l[0] == '-' && l[1] == ' '))
        return PM_FMT_YAML;
    /* a flow collection, unless it is a CSV header whose first name is
     * bracketed ("[ID],[Name]", as SQL Server exports write them) */
    if ((l[0] == '{' || l[0] == '[') && !delimiter_outside_brackets(l, len)) return PM_FMT_YAML;
    int comma = memchr(l, ',', len) != NULL;
    int tab = memchr(l, '\t', len) != NULL;
    /* KEY ": " (or a KEY ":" ending the line) with no delimiter or quote
     * before it is a block mapping, whatever commas its value holds */
    for (size_t k = 0; k < len; k++) {
        char c = l[k];
        if (c == ',' || c == '\t' || c == '"') break;
        if (c == ':' && (k + 1 == len || l[k + 1] == ' ' || l[k + 1] == '\r')) return PM_FMT_YAML;
    }
    if (tab && !comma) return PM_FMT_TSV;
    return PM_FMT_CSV;
}

/* CSV ---------------------------------------------------------------------- */

/* What a line (segment) holds, checked once per line rather than per field. */
enum { SEG_NUL = 1, SEG_BADUTF8 = 2, SEG_BREAK = 4 };

static int no_space(unsigned char c) { (void)c; return 0; }

static pm_record *building(pm_reader *rd)
{
    if (rd->qhead + rd->qlen == rd->qcap) {
        if (rd->qhead > 0) {
            /* rotate the finished slots to the end for reuse */
            pending tmp;
            for (size_t k = 0; k < rd->qhead; k++) {
                tmp = rd->q[0];
                memmove(rd->q, rd->q + 1, (rd->qcap - 1) * sizeof *rd->q);
                rd->q[rd->qcap - 1] = tmp;
            }
            rd->qhead = 0;
        } else {
            size_t cap = rd->qcap ? rd->qcap * 2 : 4;
            rd->q = pm_xrealloc(rd->q, cap * sizeof *rd->q);
            for (size_t k = rd->qcap; k < cap; k++) pm_record_init(&rd->q[k].rec);
            rd->qcap = cap;
        }
    }
    return &rd->q[rd->qhead + rd->qlen].rec;
}

static void rec_bad(pm_reader *rd, const char *fmt, const char *a)
{
    if (rd->rec_bad) return;
    rd->rec_bad = 1;
    snprintf(rd->rec_msg, sizeof rd->rec_msg, fmt, a);
}

static void fold_newlines(char *v, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < *len; i++) {
        char c = v[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < *len && v[i + 1] == '\n') i++;
            v[o++] = ' ';
        } else {
            v[o++] = c;
        }
    }
    v[o] = 0;
    *len = o;
}

static void csv_cb_field(void *data, size_t len, void *ctx)
{
    pm_reader *rd = ctx;
    pm_record *r = rd->building;
    if (!r) r = rd->building = building(rd);
    size_t i = r->n;
    if (i >= MAX_FIELDS) {
        rec_bad(rd, "more than %s fields", MAX_FIELDS_TEXT);
        rd->rec_field_big = 0;
        return;
    }
    const char *name;
    if (!rd->have_header) {
        name = "";
    } else if (i < rd->nheader) {
        name = rd->header[i];
    } else {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "_%zu", i + 1);
        name = pm_record_strdup(r, tmp, strlen(tmp));
    }
    const char *s = data ? data : "";
    if (len > rd->opts.max_field || rd->rec_field_big) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", rd->opts.max_field);
        rec_bad(rd, "field longer than the limit of %s bytes (--max-field)", lim);
        rd->rec_field_big = 0;
        len = 0;
    }
    if ((rd->seg_flags & SEG_NUL) && len && memchr(s, 0, len)) rec_bad(rd, "%sNUL byte in a field", "");
    if ((rd->seg_flags & SEG_BADUTF8) && len && !utf8_valid(s, len)) rec_bad(rd, "%sinvalid UTF-8 in a field", "");
    char *v = pm_record_strdup(r, s, len);
    if (rd->opts.fold_newlines && (rd->seg_flags & SEG_BREAK) &&
        (memchr(v, '\n', len) || memchr(v, '\r', len)))
        fold_newlines(v, &len);
    pm_record_add_owned(r, name, v, len);
}

static void csv_cb_row(int c, void *ctx)
{
    pm_reader *rd = ctx;
    (void)c;
    pm_record *r = rd->building;
    if (!r) r = rd->building = building(rd);  /* cannot happen: rows have fields */
    if (!rd->have_header) {
        if (rd->rec_bad && !rd->header_bad) {  /* csv_next reports it */
            rd->header_bad = 1;
            rd->header_line = rd->rec_line;
            memcpy(rd->header_msg, rd->rec_msg, sizeof rd->header_msg);
        }
        rd->nheader = r->n;
        rd->header = pm_xcalloc(r->n + 1, sizeof *rd->header);
        for (size_t i = 0; i < r->n; i++) {
            const char *v = r->f[i].value;
            size_t len = r->f[i].len;
            /* header names are trimmed */
            while (len && (*v == ' ' || *v == '\t')) { v++; len--; }
            while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
            rd->header[i] = pm_xstrndup(v, len);
        }
        rd->have_header = 1;
        pm_record_clear(r);
        rd->building = NULL;
        rd->rec_bad = 0;
        return;
    }
    if (!rd->rec_bad && r->n != rd->nheader) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%zu field%s where the header has %zu", r->n, r->n == 1 ? "" : "s", rd->nheader);
        rec_bad(rd, "%s", tmp);
    }
    if (rd->decode_errors && !rd->rec_bad) {
        for (size_t i = 0; i < r->n; i++)
            if (strstr(r->f[i].value, "\xef\xbf\xbd")) {
                rec_bad(rd, "%sbytes that are not valid in the input encoding", "");
                break;
            }
    }
    /* rows shorter than the header get the missing fields, empty */
    for (size_t i = r->n; i < rd->nheader; i++) pm_record_add_owned(r, rd->header[i], "", 0);
    pending *p = &rd->q[rd->qhead + rd->qlen];
    r->source = rd->name;
    r->line = rd->rec_line;
    p->bad = rd->rec_bad;
    memcpy(p->msg, rd->rec_msg, sizeof p->msg);
    rd->qlen++;
    rd->building = NULL;
    rd->rec_bad = 0;
    rd->seg_flags = 0;
}

static int csv_pop(pm_reader *rd, pm_record *rec, pm_error *err)
{
    pending *p = &rd->q[rd->qhead];
    pm_record tmp = *rec;
    *rec = p->rec;
    p->rec = tmp;
    pm_record_clear(&p->rec);
    rd->qhead++;
    rd->qlen--;
    if (rd->qlen == 0) rd->qhead = 0;
    if (p->bad) {
        pm_error_set(err, rd->name, rec->line, "%s", p->msg);
        return PM_READ_BAD;
    }
    return PM_READ_OK;
}

static int csv_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (!rd->csv_started) {
        unsigned char opts = CSV_APPEND_NULL | CSV_STRICT_FINI;
        if (csv_init(&rd->csv, opts) != 0) {
            pm_error_set(err, rd->name, 0, "cannot start the CSV parser");
            return PM_READ_FATAL;
        }
        char d = rd->opts.delimiter;
        if (!d) d = rd->format == PM_FMT_TSV ? '\t' : ',';
        csv_set_delim(&rd->csv, (unsigned char)d);
        csv_set_space_func(&rd->csv, no_space);
        rd->csv_started = 1;
    }
    if (rd->header_bad) return PM_READ_EOF;
    while (rd->qlen == 0) {
        int f = src_fill(rd, err);
        if (f < 0) return PM_READ_FATAL;
        if (f == 0) {
            if (rd->finished) return PM_READ_EOF;  /* csv finished */
            rd->finished = 1;
            long start = rd->rec_line;
            /* libcsv's own check needs strict mode; 2 is FIELD_BEGUN */
            int unterminated = rd->csv.pstate == 2 && rd->csv.quoted;
            if (unterminated || csv_fini(&rd->csv, csv_cb_field, csv_cb_row, rd) != 0) {
                /* unterminated quoted field: drop libcsv's partial row */
                if (rd->building) { pm_record_clear(rd->building); rd->building = NULL; }
                rd->rec_bad = 0;
                pm_error_set(err, rd->name, start,
                             "unterminated quoted field (the record starting here runs to the end of the input)");
                return PM_READ_BAD;
            }
            if (rd->qlen == 0) return PM_READ_EOF;
            break;
        }
        const unsigned char *s = rd->dec + rd->decpos;
        size_t n = rd->declen - rd->decpos;
        /* A segment is one line: up to a LF, a CRLF, or a CR alone (old Mac
         * line ends), so every record starts a segment and its line is known,
         * and a record ends only at the end of a segment (never two in one).
         * A CR can only end a segment: a field holding one runs over into
         * the next, which SEG_BREAK marks for folding. */
        const unsigned char *nl = memchr(s, '\n', n);
        size_t upto = nl ? (size_t)(nl - s) : n;
        const unsigned char *cr = memchr(s, '\r', upto);
        size_t seg;
        int lone_cr = cr && cr + 1 != nl;
        if (lone_cr)
            seg = (size_t)(cr - s) + 1;
        else
            seg = nl ? upto + 1 : n;
        if (seg > CSV_PIECE) {  /* a long line, in pieces: the line goes on */
            seg = CSV_PIECE;
            lone_cr = 0;
            nl = NULL;
        }
        /* libcsv grows a field's buffer by blk_size: by as much as it has,
         * so a long field costs a few reallocs, not one per 128 bytes */
        if (rd->csv.entry_size > 4096) csv_set_blk_size(&rd->csv, rd->csv.entry_size);
        int lf_after_cr = rd->cr_ended && s[0] == '\n';
        rd->cr_ended = 0;
        if (rd->csv.pstate == 0) {
            rd->rec_line = rd->line;
            rd->seg_flags = 0;
        } else {
            rd->seg_flags |= SEG_BREAK;  /* a record running over lines */
        }
        if (memchr(s, 0, seg)) rd->seg_flags |= SEG_NUL;
        if (rd->validate_utf8 && !utf8_valid((const char *)s, seg)) rd->seg_flags |= SEG_BADUTF8;
        if (csv_parse(&rd->csv, s, seg, csv_cb_field, csv_cb_row, rd) != seg) {
            pm_error_set(err, rd->name, rd->line, "CSV parser: %s", csv_strerror(csv_error(&rd->csv)));
            return PM_READ_FATAL;
        }
        if (rd->header_bad == 1) {
            /* column names with NUL bytes, invalid UTF-8 or beyond the
             * limits cannot name fields: the input cannot be read */
            rd->header_bad = 2;
            rd->finished = 1;
            pm_error_set(err, rd->name, rd->header_line, "bad header: %s", rd->header_msg);
            return PM_READ_FATAL;
        }
        if (rd->csv.entry_pos > rd->opts.max_field) {
            /* a field beyond the limit: stop keeping its bytes */
            rd->csv.entry_pos = 0;
            rd->rec_field_big = 1;
        }
        rd->decpos += seg;
        if (lone_cr) {
            /* a line end when it ended a row (outside quotes) */
            if (rd->csv.pstate == 0) {
                rd->line++;
                rd->cr_ended = 1;
            }
        } else if (nl && !(lf_after_cr && seg == 1)) {
            rd->line++;
        }
    }
    return csv_pop(rd, rec, err);
}

/* YAML --------------------------------------------------------------------- */

/* Whether code point c may stand in a YAML stream (YAML 1.1 c-printable, as
 * libyaml checks it). */
static int yaml_printable(uint32_t c)
{
    return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
           (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Checks s[0..n) as the next piece of a YAML stream: NULL when every
 * character is valid UTF-8 that YAML allows, else why not.  A character cut
 * at the end of the piece is kept in rd->carry and checked with the next. */
static const char *yaml_piece_problem(pm_reader *rd, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n || rd->ncarry) {
        unsigned char c;
        if (rd->ncarry) {
            c = rd->carry[0];
        } else {
            c = s[i];
            if (c < 0x80) {
                if (!yaml_printable(c)) return "control characters are not allowed";
                i++;
                continue;
            }
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : ((c & 0xf8) == 0xf0 && c <= 0xf4) ? 4 : 0;
        if (!len) return "invalid UTF-8";
        unsigned char ch[4];
        size_t have = rd->ncarry;
        memcpy(ch, rd->carry, have);
        if (!have) ch[have++] = s[i++];
        while (have < len && i < n) ch[have++] = s[i++];
        if (have < len) {  /* the character goes on in the next piece */
            for (size_t k = 1; k < have; k++)
                if ((ch[k] & 0xc0) != 0x80) return "invalid UTF-8";
            memcpy(rd->carry, ch, have);
            rd->ncarry = have;
            return NULL;
        }
        rd->ncarry = 0;
        uint32_t cp = ch[0] & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((ch[k] & 0xc0) != 0x80) return "invalid UTF-8";
            cp = (cp << 6) | (ch[k] & 0x3f);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "invalid UTF-8";
        if (!yaml_printable(cp)) return "control characters are not allowed";
    }
    return NULL;
}

/* Copies the piece s[0..n) to out, leaving out what lies inside flow
 * collections deeper than YAML_MAX_FLOW (the brackets that open and close it
 * included, so what remains is balanced); returns the bytes written.  Quotes
 * and comments are followed well enough that brackets inside them are not
 * counted; a bracket counted wrongly only matters 48 levels deep. */
static size_t yaml_flow_filter(pm_reader *rd, const unsigned char *s, size_t n, unsigned char *out)
{
    size_t o = 0;
    if (rd->flow_prev == '\n' && n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3))) {
        rd->flow_depth = 0;  /* a document marker ends any flow collection */
        rd->flow_quote = 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        int keep = rd->flow_depth <= YAML_MAX_FLOW;
        if (rd->flow_quote) {
            if (rd->flow_escape) rd->flow_escape = 0;
            else if (c == '\\' && rd->flow_quote == '"') rd->flow_escape = 1;
            else if (c == (unsigned char)rd->flow_quote) rd->flow_quote = 0;
        } else if (c == '#' && (rd->flow_prev == '\n' || i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            /* a comment, to the end of the line */
            size_t j = i;
            while (j < n && s[j] != '\n') j++;
            if (keep) { memcpy(out + o, s + i, j - i); o += j - i; }
            i = j - 1;
            continue;
        } else if ((c == '\'' || c == '"') && strchr("\n[{,:-? \t", rd->flow_prev)) {
            rd->flow_quote = (char)c;
        } else if (c == '[' || c == '{') {
            if (++rd->flow_depth > YAML_MAX_FLOW) { keep = 0; rd->flow_dropped = 1; }
        } else if ((c == ']' || c == '}') && rd->flow_depth > 0) {
            keep = rd->flow_depth-- <= YAML_MAX_FLOW;
        }
        if (c != ' ' && c != '\t') rd->flow_prev = c == '\r' ? '\n' : (char)c;
        if (keep) out[o++] = c;
    }
    return o;
}

static int yaml_read_handler(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
    pm_reader *rd = data;
    pm_error err;
    int f = src_fill(rd, &err);
    if (f < 0) return 0;
    if (f == 0) { *size_read = 0; return 1; }
    /* One line at a time: libyaml decodes (and checks) all it is given
     * before parsing on, so a bad byte must not be seen before the records
     * of the lines above it are out, and its line must be known. */
    const unsigned char *s = rd->dec + rd->decpos;
    size_t n = rd->declen - rd->decpos;
    if (n > size) n = size;
    const unsigned char *nl = memchr(s, '\n', n);
    if (nl) n = (size_t)(nl - s) + 1;
    const char *why = yaml_piece_problem(rd, s, n);
    if (why) {
        /* libyaml would fail at once, losing the record it has not yet
         * given out; it gets the end of the stream instead, and yaml_next
         * reports this line after the records above it */
        rd->cut_line = rd->line;
        rd->cut_why = why;
        rd->cut_at_document = rd->yaml_piece_line != rd->line &&
                              (n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)));
        rd->decpos = rd->declen;
        *size_read = 0;
        return 1;
    }
    size_t out = yaml_flow_filter(rd, s, n, buffer);
    rd->decpos += n;
    rd->yaml_piece_line = rd->line;
    if (nl) rd->line++;
    *size_read = out;
    if (out == 0) {  /* all of it left out: 0 would mean the end; a space does no harm */
        buffer[0] = ' ';
        *size_read = 1;
    }
    return 1;
}

static int is_null_plain(const yaml_event_t *ev)
{
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *v = (const char *)ev->data.scalar.value;
    return ev->data.scalar.length == 0 || !strcmp(v, "~") || !strcmp(v, "null") ||
           !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Skips the rest of a collection whose start event was just read.  0; -1 on
 * a YAML error (yaml_fail reports it); -2 with err set when the collection
 * nests deeper than YAML_MAX_DEPTH: libyaml's time per token grows with the
 * depth, so 200,000 levels would take minutes; the input is not read further
 * (the reader is finished). */
static int yaml_skip(pm_reader *rd, pm_error *err)
{
    long depth = 1;
    while (depth > 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) return -1;
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
            if (++depth > YAML_MAX_DEPTH) {
                pm_error_set(err, rd->name, (long)ev.start_mark.line + 1,
                             "collections nested deeper than %d levels; the rest of the input is not read",
                             YAML_MAX_DEPTH);
                yaml_event_delete(&ev);
                rd->finished = 1;
                return -2;
            }
        }
        else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) depth--;
        else if (ev.type == YAML_STREAM_END_EVENT) { yaml_event_delete(&ev); return -1; }
        yaml_event_delete(&ev);
    }
    return 0;
}

/* The end of a stream cut at a bad line (see yaml_read_handler). */
static int yaml_cut(pm_reader *rd, pm_error *err)
{
    pm_error_set(err, rd->name, rd->cut_line, "invalid YAML: %s; the rest of the input is not read", rd->cut_why);
    rd->finished = 1;
    return PM_READ_FATAL;
}

static int yaml_fail(pm_reader *rd, pm_error *err)
{
    if (rd->finished && err->msg[0]) return PM_READ_FATAL;  /* yaml_skip: too deep */
    if (rd->cut_line) return yaml_cut(rd, err);  /* an error from the cut itself */
    long line = (long)rd->yp.problem_mark.line + 1;
    if (rd->yp.error == YAML_READER_ERROR) line = rd->yaml_piece_line;
    pm_error_set(err, rd->name, line, "invalid YAML: %s%s%s",
                 rd->yp.problem ? rd->yp.problem : "syntax error",
                 rd->yp.context ? " " : "", rd->yp.context ? rd->yp.context : "");
    rd->finished = 1;
    return PM_READ_FATAL;
}

/* With join_lists, a field whose value is a sequence of texts ([a, b], or a
 * block list) is read as the texts joined by ';', the toolkit's list separator
 * (pm-sla's paused: [2024-07-03T10:00/2024-07-04T09:00, 2024-07-08T10:00/]).
 * The sequence's start event was just read.  Anything but texts in it makes
 * the record bad (noted in bad).  0; -1 on a YAML error; -2 from yaml_skip
 * (err set). */
static int yaml_list_field(pm_reader *rd, pm_record *rec, char *name, char *bad, size_t badsz,
                           pm_error *err)
{
    pm_buf b = PM_BUF_INIT;
    int n = 0, r = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) { r = -1; break; }
        yaml_event_type_t t = ev.type;
        if (t == YAML_SEQUENCE_END_EVENT) { yaml_event_delete(&ev); break; }
        if (t == YAML_SCALAR_EVENT) {
            if (n++) pm_buf_addc(&b, ';');
            if (!is_null_plain(&ev)) pm_buf_add(&b, (const char *)ev.data.scalar.value, ev.data.scalar.length);
            yaml_event_delete(&ev);
            continue;
        }
        yaml_event_delete(&ev);
        if (!bad[0]) snprintf(bad, badsz, "field '%.64s' holds a list of something other than texts", name);
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            int s = yaml_skip(rd, err);
            if (s < 0) { r = s; break; }
        } else if (t != YAML_ALIAS_EVENT) { r = -1; break; }
    }
    if (r == 0) {
        size_t len = b.len;
        if (len > rd->opts.max_field) {
            if (!bad[0]) snprintf(bad, badsz, "field '%.64s' longer than the limit of %zu bytes (--max-field)", name, rd->opts.max_field);
            len = 0;
        } else if (len && memchr(b.s, 0, len)) {
            if (!bad[0]) snprintf(bad, badsz, "NUL character in field '%.64s'", name);
        }
        char *val = pm_record_strdup(rec, len ? b.s : "", len);
        if (rd->opts.fold_newlines && (memchr(val, '\n', len) || memchr(val, '\r', len))) fold_newlines(val, &len);
        pm_record_add_owned(rec, name, val, strlen(val));
    }
    pm_buf_free(&b);
    return r;
}

/* Reads one mapping (its start event already consumed) into rec. */
static int yaml_mapping(pm_reader *rd, pm_record *rec, long line, pm_error *err)
{
    char bad[256] = "";
    rec->source = rd->name;
    rec->line = line;
    for (;;) {
        yaml_event_t k;
        if (!yaml_parser_parse(&rd->yp, &k)) return yaml_fail(rd, err);
        if (k.type == YAML_MAPPING_END_EVENT) {
            long end = (long)k.start_mark.line + 1;
            yaml_event_delete(&k);
            /* a block mapping ended by the cut may lack its last lines */
            if (rd->cut_line && !rd->cut_at_document && end >= rd->cut_line) return yaml_cut(rd, err);
            break;
        }
        if (k.type != YAML_SCALAR_EVENT) {
            int coll = k.type == YAML_MAPPING_START_EVENT || k.type == YAML_SEQUENCE_START_EVENT;
            if (!bad[0]) snprintf(bad, sizeof bad, "a key that is not text");
            yaml_event_delete(&k);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            /* and skip its value */
            yaml_event_t v;
            if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
            coll = v.type == YAML_MAPPING_START_EVENT || v.type == YAML_SEQUENCE_START_EVENT;
            yaml_event_delete(&v);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            continue;
        }
        if (rec->n >= MAX_FIELDS) {
            /* beyond the limit: note it, skip the pair, keep memory bounded */
            if (!bad[0]) snprintf(bad, sizeof bad, "more than %s fields", MAX_FIELDS_TEXT);
            yaml_event_delete(&k);
            yaml_event_t v;
            if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
            int coll = v.type == YAML_MAPPING_START_EVENT || v.type == YAML_SEQUENCE_START_EVENT;
            yaml_event_delete(&v);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            continue;
        }
        char *name = pm_record_strdup(rec, (const char *)k.data.scalar.value, k.data.scalar.length);
        yaml_event_delete(&k);
        yaml_event_t v;
        if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
        if (v.type == YAML_SCALAR_EVENT) {
            size_t len = v.data.scalar.length;
            const char *s = (const char *)v.data.scalar.value;
            if (is_null_plain(&v)) len = 0;
            if (len > rd->opts.max_field) {
                if (!bad[0]) snprintf(bad, sizeof bad, "field '%.64s' longer than the limit of %zu bytes (--max-field)", name, rd->opts.max_field);
                len = 0;
            } else if (len && memchr(s, 0, len)) {
                if (!bad[0]) snprintf(bad, sizeof bad, "NUL character in field '%.64s'", name);
            }
            char *val = pm_record_strdup(rec, s, len);
            if (rd->opts.fold_newlines && (memchr(val, '\n', len) || memchr(val, '\r', len))) fold_newlines(val, &len);
            pm_record_add_owned(rec, name, val, strlen(val));
        } else if (v.type == YAML_ALIAS_EVENT) {
            if (!bad[0]) snprintf(bad, sizeof bad, "field '%.64s' is an alias; aliases are not supported in records", name);
            pm_record_add_owned(rec, name, "", 0);
        } else if (v.type == YAML_SEQUENCE_START_EVENT && rd->opts.join_lists) {
            int r = yaml_list_field(rd, rec, name, bad, sizeof bad, err);
            if (r < 0) { yaml_event_delete(&v); return yaml_fail(rd, err); }
        } else {
            if (!bad[0]) snprintf(bad, sizeof bad, "field '%.64s' holds a nested %s, not text", name,
                                  v.type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
            pm_record_add_owned(rec, name, "", 0);
            if (yaml_skip(rd, err) < 0) { yaml_event_delete(&v); return yaml_fail(rd, err); }
        }
        yaml_event_delete(&v);
    }
    if (bad[0]) {
        pm_error_set(err, rd->name, line, "%s", bad);
        return PM_READ_BAD;
    }
    return PM_READ_OK;
}

static int yaml_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (!rd->yaml_started) {
        if (!yaml_parser_initialize(&rd->yp)) {
            pm_error_set(err, rd->name, 0, "cannot start the YAML parser");
            return PM_READ_FATAL;
        }
        yaml_parser_set_input(&rd->yp, yaml_read_handler, rd);
        rd->yaml_started = 1;
    }
    if (rd->finished) return PM_READ_EOF;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) return yaml_fail(rd, err);
        yaml_event_type_t t = ev.type;
        long line = (long)ev.start_mark.line + 1;
        int null_doc = t == YAML_SCALAR_EVENT && is_null_plain(&ev) && !rd->yaml_in_seq;
        yaml_event_delete(&ev);
        switch (t) {
        case YAML_STREAM_END_EVENT:
            if (rd->cut_line) return yaml_cut(rd, err);
            rd->finished = 1;
            return PM_READ_EOF;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_START_EVENT:
            rd->yaml_doc_open = 1;
            continue;
        case YAML_DOCUMENT_END_EVENT:
            rd->yaml_doc_open = 0;
            continue;
        case YAML_MAPPING_START_EVENT:
            return yaml_mapping(rd, rec, line, err);
        case YAML_SEQUENCE_START_EVENT:
            if (!rd->yaml_in_seq) { rd->yaml_in_seq = 1; continue; }
            if (yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            pm_error_set(err, rd->name, line, "a sequence inside a sequence is not a record");
            rec->source = rd->name; rec->line = line;
            return PM_READ_BAD;
        case YAML_SEQUENCE_END_EVENT:
            rd->yaml_in_seq = 0;
            continue;
        case YAML_SCALAR_EVENT:
            if (null_doc) continue;  /* an empty document */
            /* fallthrough */
        default:
            pm_error_set(err, rd->name, line, "a YAML document that is not a mapping (a record)");
            rec->source = rd->name; rec->line = line;
            return PM_READ_BAD;
        }
    }
}

/* Public ------------------------------------------------------------------- */

int pm_format_parse(const char *name)
{
    if (!name) return -1;
    if (!strcasecmp(name, "csv")) return PM_FMT_CSV;
    if (!strcasecmp(name, "tsv")) return PM_FMT_TSV;
    if (!strcasecmp(name, "yaml") || !strcasecmp(name, "yml")) return PM_FMT_YAML;
    if (!strcasecmp(name, "auto")) return PM_FMT_AUTO;
    return -1;
}

const char *pm_format_name(pm_format f)
{
    switch (f) {
    case PM_FMT_CSV: return "csv";
    case PM_FMT_TSV: return "tsv";
    case PM_FMT_YAML: return "yaml";
    default: return "auto";
    }
}

pm_reader *pm_reader_open(const char *path, const pm_read_opts *opts, pm_error *err)
{
    pm_reader *rd = pm_xcalloc(1, sizeof *rd);
    rd->cd = (iconv_t)-1;
    if (opts) rd->opts = *opts;
    if (!rd->opts.max_field) rd->opts.max_field = PM_DEFAULT_MAX_FIELD;
    rd->line = 1;
    rd->flow_prev = '\n';
    if (!path || !strcmp(path, "-")) {
        rd->fd = 0;
        rd->name = pm_xstrdup("-");
    } else {
        rd->fd = open(path, O_RDONLY | O_CLOEXEC);
        rd->name = pm_xstrdup(path);
        if (rd->fd < 0) {
            pm_error_set(err, path, 0, "cannot open: %s", strerror(errno));
            free(rd->name);
            free(rd);
            return NULL;
        }
        rd->owns_fd = 1;
    }
    rd->raw = pm_xmalloc(CHUNK);
    if (src_start(rd, err) < 0) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", rd->name);
        pm_reader_close(rd);
        return NULL;
    }
    rd->format = rd->opts.format;
    if (rd->format == PM_FMT_AUTO) {
        size_t n = rd->declen - rd->decpos;
        rd->format = detect_format(rd->dec + rd->decpos, n > 4096 ? 4096 : n);
        if (rd->format == PM_FMT_CSV && rd->opts.delimiter == '\t') rd->format = PM_FMT_TSV;
    }
    return rd;
}

int pm_reader_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    pm_record_clear(rec);
    pm_error_clear(err);
    if (rd->format == PM_FMT_YAML) {
        int st = yaml_next(rd, rec, err);
        if (st == PM_READ_BAD && rd->flow_dropped) {
            /* the nesting that was left out made this record bad */
            rd->flow_dropped = 0;
            pm_error_set(err, rd->name, rec->line, "collections nested deeper than %d levels (the deeper part is not read)",
                         YAML_MAX_FLOW);
        }
        return st;
    }
    return csv_next(rd, rec, err);
}

pm_format pm_reader_format(const pm_reader *rd) { return rd->format; }
const char *pm_reader_name(const pm_reader *rd) { return rd->name; }

const char *const *pm_reader_header(const pm_reader *rd, size_t *n)
{
    *n = rd->have_header ? rd->nheader : 0;
    return (const char *const *)rd->header;
}

void pm_reader_close(pm_reader *rd)
{
    if (!rd) return;
    if (rd->owns_fd) close(rd->fd);
    if (rd->csv_started) csv_free(&rd->csv);
    if (rd->yaml_started) yaml_parser_delete(&rd->yp);
    if (rd->cd != (iconv_t)-1) {
        iconv_close(rd->cd);
        free(rd->dec);
    }
    free(rd->raw);
    for (size_t i = 0; i < rd->nheader; i++) free(rd->header[i]);
    free(rd->header);
    for (size_t i = 0; i < rd->qcap; i++) pm_record_free(&rd->q[i].rec);
    free(rd->q);
    free(rd->name);
    free(rd);
}

/* Inputs ------------------------------------------------------------------- */

void pm_inputs_init(pm_inputs *in, char **paths, int npaths, const pm_read_opts *opts)
{
    memset(in, 0, sizeof *in);
    static char *stdin_only[] = {"-"};
    if (npaths <= 0) {
        paths = stdin_only;
        npaths = 1;
    }
    in->paths = paths;
    in->npaths = npaths;
    if (opts) in->opts = *opts;
}

static int inputs_open_next(pm_inputs *in, pm_error *err)
{
    while (!in->cur && in->next < in->npaths) {
        if (in->peeked && in->next == in->peeked_at) {
            in->cur = in->peeked;
            in->peeked = NULL;
            in->next++;
            break;
        }
        in->cur = pm_reader_open(in->paths[in->next++], &in->opts, err);
        if (!in->cur) {
            in->had_error = 1;
            return PM_READ_FATAL;
        }
        if (in->first_format == PM_FMT_AUTO) in->first_format = pm_reader_format(in->cur);
    }
    return in->cur ? PM_READ_OK : PM_READ_EOF;
}

pm_format pm_inputs_peek_format(pm_inputs *in)
{
    /* Inputs that do not open are passed over here and reported by
     * pm_inputs_next, in order, when it reaches them; the first one that
     * opens is kept open (standard input cannot be opened twice). */
    for (int i = in->next; in->first_format == PM_FMT_AUTO && !in->cur && !in->peeked && i < in->npaths; i++) {
        pm_error err;
        pm_reader *rd = pm_reader_open(in->paths[i], &in->opts, &err);
        if (!rd) continue;
        in->first_format = pm_reader_format(rd);
        in->peeked = rd;
        in->peeked_at = i;
    }
    return in->first_format == PM_FMT_AUTO ? PM_FMT_CSV : in->first_format;
}

int pm_inputs_next(pm_inputs *in, pm_record *rec, pm_error *err)
{
    for (;;) {
        int r = inputs_open_next(in, err);
        if (r != PM_READ_OK) return r;
        r = pm_reader_next(in->cur, rec, err);
        if (r == PM_READ_EOF) {
            pm_reader_close(in->cur);
            in->cur = NULL;
            continue;
        }
        if (r == PM_READ_FATAL) {
            in->had_error = 1;
            pm_reader_close(in->cur);
            in->cur = NULL;
        }
        return r;
    }
}

void pm_inputs_close(pm_inputs *in)
{
    pm_reader_close(in->cur);
    in->cur = NULL;
    pm_reader_close(in->peeked);
    in->peeked = NULL;
}
