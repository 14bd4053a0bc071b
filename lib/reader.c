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
    int bad;                 /* 1: PM_READ_BAD; 2: PM_READ_FATAL (a bad header) */
    char msg[512];
    pm_buf raw;              /* raw text of a bad record (escaped) */
} pending;

/* Raw text kept for a bad record (pm_reader_raw) is cut after this many
 * bytes. */
#define RAW_MAX ((size_t)1 << 20)
/* Warnings queued per input; the rest are counted in one summary. */
#define WARN_MAX 10

/* What a line (segment) holds, checked once per line rather than per field. */
enum { SEG_NUL = 1, SEG_BADUTF8 = 2, SEG_BREAK = 4 };

struct pm_reader {
    /* source */
    int fd, owns_fd, eof;
    char *name;
    unsigned char *raw;      /* bytes as read */
    size_t rawlen;
    iconv_t cd;              /* (iconv_t)-1 when the input is UTF-8 */
    int decode_errors;       /* bytes the input encoding does not decode were met */
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
    int seg_flags;           /* SEG_* seen since the current record began */
    int delim;
    int tq;                  /* TQ_*: where the quotes stand (csv_track) */
    long quote_line;         /* line on which the open quote opened */
    int rec_open;            /* the record goes on past the last segment */
    int tail_warned;         /* text after a closing quote in this segment */
    long seg_line;
    pm_buf fix;              /* a segment rewritten for libcsv */
    pm_buf rawrec;           /* the open record's earlier segments (to RAW_MAX) */
    size_t rawrec_total;
    size_t raw_at_qline;     /* rawrec.len at the end of the open quote's line */
    pm_buf tail;             /* segments after the open quote's line */
    long open_lines;
    size_t open_bytes;
    pm_buf replay;           /* bytes to read again after a resync */
    size_t replay_pos;
    const unsigned char *seg_raw;  /* the segment being parsed, as read */
    size_t seg_rawlen;
    int after_blank;         /* the last line was blank: a new header may follow */
    unsigned header_gen;     /* headers taken so far */
    char header_line_text[32];
    pm_buf rawout;           /* raw text of the last bad record */
    pm_error *warn;          /* queued warnings */
    size_t whead, wlen, wcap;
    unsigned long nwarn;
    int wsummary;
    int fatal_goes_on;       /* the last PM_READ_FATAL was a header: rows follow */
    const char *encname;     /* the input encoding (for messages) */
    int cr_ended;            /* the last segment ended in a CR counted as a
                                line end; a LF right after it is not a line */
    int header_bad;          /* the header in force is unusable */

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
    long yline_base;         /* line before the first one libyaml was given */
    pm_buf ydoc;             /* the document being read (yaml_read_doc) */
    long ydoc_line;
    pm_buf ynext;            /* the first line of the next document */
    long ynext_line;
    pm_buf yfilt;            /* ydoc through yaml_flow_filter */
    int ystream;             /* a long document: libyaml reads a stream */
    size_t ypre_pos;         /* in ydoc, handed to the stream so far */
    long ypre_line;
    long ydoc_start;         /* line of the last document start */
    long *ykpos;             /* line and column of each key of the mapping */
    size_t ykcap;
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
        /* EILSEQ, or a truncated sequence at EOF: the byte is passed on
         * after a 0xFF (never in UTF-8), so that its line is bad and its raw
         * text shows it escaped (raw_escape); never U+FFFD */
        rd->dec[rd->declen++] = 0xff;
        rd->dec[rd->declen++] = (unsigned char)*in;
        rd->decode_errors = 1;
        rd->validate_utf8 = 1;
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
    rd->encname = enc;
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

/* Raw text and warnings ------------------------------------------------------ */

/* Appends a then b (the physical lines of a bad record) to out as valid
 * UTF-8: the final line end dropped, bytes that are not valid UTF-8 escaped
 * as \xHH, NUL as \x00, a backslash left as it is.  In decoded input
 * (iconv), a 0xFF byte marks the next byte as one the input encoding could
 * not decode (src_convert): the marker is dropped and the byte escaped. */
static void raw_escape(const pm_reader *rd, pm_buf *out, const unsigned char *a, size_t na,
                       const unsigned char *b, size_t nb)
{
    /* the final line end belongs to the last non-empty part */
    if (nb) {
        if (b[nb - 1] == '\n') nb--;
        if (nb && b[nb - 1] == '\r') nb--;
    } else if (na) {
        if (a[na - 1] == '\n') na--;
        if (na && a[na - 1] == '\r') na--;
    }
    int marked = rd->cd != (iconv_t)-1;
    for (int part = 0; part < 2; part++) {
        const unsigned char *s = part ? b : a;
        size_t n = part ? nb : na, i = 0;
        if (!s) continue;
        while (i < n) {
            int inc;
            size_t v = utf8_valid_prefix(s + i, n - i, &inc);
            /* NUL is valid UTF-8: split the run at NULs */
            const unsigned char *z = v ? memchr(s + i, 0, v) : NULL;
            if (z) v = (size_t)(z - (s + i));
            pm_buf_add(out, s + i, v);
            i += v;
            if (i >= n) break;
            unsigned char c = s[i];
            if (marked && c == 0xff && i + 1 < n) {
                c = s[++i];
            }
            pm_buf_addf(out, "\\x%02X", c);
            i++;
        }
    }
}

/* Queues a warning (the first WARN_MAX per input; then they are counted). */
static void reader_warn(pm_reader *rd, long line, const char *msg)
{
    rd->nwarn++;
    if (rd->nwarn > WARN_MAX) return;
    if (rd->wlen == rd->wcap) {
        rd->wcap = rd->wcap ? rd->wcap * 2 : 4;
        rd->warn = pm_xrealloc(rd->warn, rd->wcap * sizeof *rd->warn);
    }
    pm_error_set(&rd->warn[rd->wlen++], rd->name, line, "warning: %s", msg);
}

int pm_reader_take_warning(pm_reader *rd, pm_error *w)
{
    if (rd->whead < rd->wlen) {
        *w = rd->warn[rd->whead++];
        if (rd->whead == rd->wlen) rd->whead = rd->wlen = 0;
        return 1;
    }
    if (rd->finished && rd->nwarn > WARN_MAX && !rd->wsummary) {
        rd->wsummary = 1;
        pm_error_set(w, rd->name, 0, "warning: %lu more warnings not shown (%lu in all)",
                     rd->nwarn - WARN_MAX, rd->nwarn);
        return 1;
    }
    return 0;
}

const char *pm_reader_raw(const pm_reader *rd, size_t *len)
{
    if (len) *len = rd->rawout.len;
    return rd->rawout.s ? rd->rawout.s : "";
}

/* CSV headers ---------------------------------------------------------------- */

/* Row r becomes the header in force.  A header that cannot name fields
 * (NUL, invalid bytes, over --max-field, or a name twice) is an error
 * returned once as PM_READ_FATAL; the rows under it are returned as bad
 * records with their raw text, so none goes uncounted. */
static void csv_raw_of_current(pm_reader *rd, pm_buf *out);

static int csv_take_header(pm_reader *rd, pm_record *r)
{
    char **h = pm_xcalloc(r->n + 1, sizeof *h);
    for (size_t i = 0; i < r->n; i++) {
        const char *v = r->f[i].value;
        size_t len = r->f[i].len;
        /* header names are trimmed */
        while (len && (*v == ' ' || *v == '\t')) { v++; len--; }
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
        h[i] = pm_xstrndup(v, len);
    }
    /* the new names are allocated before the old ones are freed, so that
     * callers comparing header pointers see a change */
    for (size_t i = 0; i < rd->nheader; i++) free(rd->header[i]);
    free(rd->header);
    rd->header = h;
    rd->nheader = r->n;
    rd->have_header = 1;
    rd->header_gen++;
    rd->header_bad = 0;
    snprintf(rd->header_line_text, sizeof rd->header_line_text, "%ld", rd->rec_line);
    char msg[400] = "";
    if (rd->rec_bad) {
        snprintf(msg, sizeof msg, "bad header: %s", rd->rec_msg);
    } else {
        for (size_t i = 0; i < r->n && !msg[0]; i++) {
            if (!h[i][0]) continue;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(h[i], h[j])) {
                    snprintf(msg, sizeof msg, "bad header: the column name '%.64s' appears twice (columns %zu and %zu)",
                             h[i], j + 1, i + 1);
                    break;
                }
        }
    }
    if (!msg[0]) return 0;
    rd->header_bad = 1;
    /* the error is queued as a record of its own (FATAL), in its place */
    pending *p = &rd->q[rd->qhead + rd->qlen];
    pm_record_clear(r);
    r->source = rd->name;
    r->line = rd->rec_line;
    p->bad = 2;
    snprintf(p->msg, sizeof p->msg, "%s; the rows under it are rejected", msg);
    csv_raw_of_current(rd, &p->raw);
    rd->qlen++;
    return 1;
}

/* Whether row r, which follows a blank line, starts a new block (pm's
 * writers start one, after a blank line, when the fields change; see
 * pm-formats(5)).  It does when none of its fields is empty, no name
 * repeats, and at least one of them names a column of the header in force:
 * a block a pm writer starts shares names with the one before it, while a
 * data row after a stray blank line holds values, not column names.
 * Otherwise the blank line is a stray one (a warning) and r is data. */
static int csv_is_new_header(pm_reader *rd, const pm_record *r)
{
    if (rd->rec_bad || r->n == 0) return 0;
    int shared = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->f[i].len) return 0;
        for (size_t j = 0; j < i && j < 256; j++)
            if (!strcmp(r->f[i].value, r->f[j].value)) return 0;
        for (size_t j = 0; !shared && j < rd->nheader; j++)
            if (!strcmp(r->f[i].value, rd->header[j])) shared = 1;
    }
    return shared;
}

/* CSV ---------------------------------------------------------------------- */

/* libcsv parses every record, through its public API only.  The reader
 * follows the quotes itself (csv_track), on lines that hold a quote or
 * continue a quoted field, for two things libcsv cannot tell it:
 *
 * - Text after a closing quote ("complaint" ,) is kept literally and the
 *   field goes on unquoted to the next delimiter, as Python's csv module
 *   reads it (libcsv would keep the field open to the next quote, maybe the
 *   end of the input).  The line is handed to libcsv rewritten so that it
 *   reads the same value ("complaint ",), and a warning is counted.
 * - Whether a record runs on past a line end (inside quotes), and on which
 *   line the open quote opened.  An unclosed quote may swallow its own line
 *   plus at most CSV_QUOTE_LINES more lines or CSV_QUOTE_BYTES more bytes,
 *   whichever comes first; past that (or at the end of the input) the record
 *   is taken to end with the quote's line: it is returned as PM_READ_BAD with
 *   its raw text, and reading resumes at the line after the quote's line
 *   (those lines are read again, from the reader's own copy). */
#define CSV_QUOTE_LINES 1000
#define CSV_QUOTE_BYTES ((size_t)1 << 20)

enum { TQ_START, TQ_UNQUOTED, TQ_QUOTED, TQ_TAIL };

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
            for (size_t k = rd->qcap; k < cap; k++) {
                pm_record_init(&rd->q[k].rec);
                pm_buf_init(&rd->q[k].raw);
            }
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

/* The raw text of the record the callbacks are completing: its earlier
 * lines (rawrec) and the segment being parsed. */
static void csv_raw_of_current(pm_reader *rd, pm_buf *out)
{
    pm_buf_reset(out);
    raw_escape(rd, out, (const unsigned char *)rd->rawrec.s, rd->rawrec.len, rd->seg_raw, rd->seg_rawlen);
}

static void csv_cb_field(void *data, size_t len, void *ctx)
{
    pm_reader *rd = ctx;
    pm_record *r = rd->building;
    if (!r) r = rd->building = building(rd);
    size_t i = r->n;
    if (i >= MAX_FIELDS) {
        rec_bad(rd, "more than %s fields", MAX_FIELDS_TEXT);
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
    if (len > rd->opts.max_field) {
        char lim[32];
        snprintf(lim, sizeof lim, "%zu", rd->opts.max_field);
        rec_bad(rd, "field longer than the limit of %s bytes (--max-field)", lim);
        len = 0;
    }
    if ((rd->seg_flags & SEG_NUL) && len && memchr(s, 0, len)) rec_bad(rd, "%sNUL byte in a field", "");
    if ((rd->seg_flags & SEG_BADUTF8) && len && !utf8_valid(s, len)) {
        if (rd->cd == (iconv_t)-1)
            rec_bad(rd, "%sinvalid UTF-8 in a field", "");
        else
            rec_bad(rd, "bytes that are not valid %s in a field", rd->encname);
    }
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
        if (!csv_take_header(rd, r)) pm_record_clear(r);
        rd->building = NULL;
        rd->rec_bad = 0;
        return;
    }
    if (rd->after_blank) {
        rd->after_blank = 0;
        if (csv_is_new_header(rd, r)) {
            if (!csv_take_header(rd, r)) pm_record_clear(r);
            rd->building = NULL;
            rd->rec_bad = 0;
            return;
        }
        reader_warn(rd, rd->rec_line - 1, "a blank line inside the data (ignored; the line after it is data, not a new header)");
    }
    if (rd->header_bad && !rd->rec_bad) rec_bad(rd, "a row under the unusable header of line %s", rd->header_line_text);
    if (!rd->rec_bad && r->n != rd->nheader) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%zu field%s where the header has %zu", r->n, r->n == 1 ? "" : "s", rd->nheader);
        rec_bad(rd, "%s", tmp);
    }
    /* rows shorter than the header get the missing fields, empty */
    for (size_t i = r->n; i < rd->nheader; i++) pm_record_add_owned(r, rd->header[i], "", 0);
    pending *p = &rd->q[rd->qhead + rd->qlen];
    r->source = rd->name;
    r->line = rd->rec_line;
    p->bad = rd->rec_bad;
    if (p->bad) {
        memcpy(p->msg, rd->rec_msg, sizeof p->msg);
        csv_raw_of_current(rd, &p->raw);
    }
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
        pm_buf t = rd->rawout;
        rd->rawout = p->raw;
        p->raw = t;
        pm_buf_reset(&p->raw);
        if (p->bad == 2) {
            pm_error_set(err, rd->name, rec->line, "%s", p->msg);
            rd->fatal_goes_on = 1;
            return PM_READ_FATAL;
        }
        pm_error_set(err, rd->name, rec->line, "%s", p->msg);
        return PM_READ_BAD;
    }
    return PM_READ_OK;
}

static int csv_start(pm_reader *rd, pm_error *err)
{
    unsigned char opts = CSV_APPEND_NULL;
    if (csv_init(&rd->csv, opts) != 0) {
        pm_error_set(err, rd->name, 0, "cannot start the CSV parser");
        return -1;
    }
    csv_set_delim(&rd->csv, (unsigned char)rd->delim);
    csv_set_space_func(&rd->csv, no_space);
    rd->csv_started = 1;
    return 0;
}

/* Follows the quotes over segment s[0..n) (see above); returns the bytes to
 * hand to libcsv: s itself, or the segment rewritten into rd->fix. */
static const unsigned char *csv_track(pm_reader *rd, const unsigned char *s, size_t *np)
{
    size_t n = *np, i = 0, copied = 0;
    int fixing = 0;
    unsigned char d = (unsigned char)rd->delim;
    if (rd->tq == TQ_TAIL) {  /* a rewritten field goes on from the last piece */
        pm_buf_reset(&rd->fix);
        fixing = 1;
    }
    while (i < n) {
        switch (rd->tq) {
        case TQ_START:
            if (s[i] == '"') {
                rd->tq = TQ_QUOTED;
                rd->quote_line = rd->line;
                i++;
            } else {
                rd->tq = TQ_UNQUOTED;
            }
            break;
        case TQ_UNQUOTED: {
            const unsigned char *p = memchr(s + i, d, n - i);
            if (!p) { i = n; break; }
            i = (size_t)(p - s) + 1;
            rd->tq = TQ_START;
            break;
        }
        case TQ_QUOTED: {
            const unsigned char *p = memchr(s + i, '"', n - i);
            if (!p) { i = n; break; }
            size_t q = (size_t)(p - s);
            if (q + 1 == n) {  /* the last byte (end of input): closes the field */
                rd->tq = TQ_UNQUOTED;
                i = n;
                break;
            }
            unsigned char c = s[q + 1];
            if (c == '"') { i = q + 2; break; }
            if (c == d) { rd->tq = TQ_START; i = q + 2; break; }
            if (c == '\n' || c == '\r') { rd->tq = TQ_UNQUOTED; i = q + 1; break; }
            /* text after the closing quote: the field goes on unquoted */
            if (!fixing) { pm_buf_reset(&rd->fix); fixing = 1; }
            pm_buf_add(&rd->fix, s + copied, q - copied);
            copied = q + 1;
            rd->tq = TQ_TAIL;
            i = q + 1;
            rd->tail_warned++;
            break;
        }
        case TQ_TAIL: {
            /* quotes doubled; a closing quote before the delimiter or line end */
            size_t j = i;
            while (j < n && s[j] != '"' && s[j] != d && s[j] != '\n' && s[j] != '\r') j++;
            if (j == n) { i = n; break; }
            if (s[j] == '"') {
                pm_buf_add(&rd->fix, s + copied, j + 1 - copied);
                pm_buf_addc(&rd->fix, '"');
                copied = j + 1;
                i = j + 1;
                break;
            }
            pm_buf_add(&rd->fix, s + copied, j - copied);
            pm_buf_addc(&rd->fix, '"');
            copied = j;
            rd->tq = s[j] == d ? TQ_START : TQ_UNQUOTED;
            i = j + 1;
            break;
        }
        }
    }
    if (n && (s[n - 1] == '\n' || s[n - 1] == '\r') && rd->tq == TQ_UNQUOTED) rd->tq = TQ_START;
    if (!fixing) return s;
    pm_buf_add(&rd->fix, s + copied, n - copied);
    *np = rd->fix.len;
    return (const unsigned char *)rd->fix.s;
}

/* Appends a segment to the copy of the open record's lines, up to RAW_MAX. */
static void rawrec_add(pm_reader *rd, const unsigned char *s, size_t n)
{
    if (rd->rawrec.len < RAW_MAX) {
        size_t k = RAW_MAX - rd->rawrec.len;
        pm_buf_add(&rd->rawrec, s, n < k ? n : k);
    }
    rd->rawrec_total += n;
}

/* The open quote swallowed too much (or met the end of the input): the
 * record ends with the quote's line; the lines after it are read again. */
static void csv_resync(pm_reader *rd, int at_eof)
{
    pm_record *r = rd->building;
    if (!r) r = building(rd);
    pm_record_clear(r);
    rd->building = NULL;
    pending *p = &rd->q[rd->qhead + rd->qlen];
    r->source = rd->name;
    r->line = rd->rec_line;
    p->bad = 1;
    if (at_eof)
        snprintf(p->msg, sizeof p->msg,
                 "unterminated quoted field (the quote opened on line %ld is not closed before the end of the input; "
                 "the record is taken to end with that line)", rd->quote_line);
    else
        snprintf(p->msg, sizeof p->msg,
                 "unterminated quoted field (the quote opened on line %ld is not closed within %d lines or %zu bytes; "
                 "the record is taken to end with that line)", rd->quote_line, CSV_QUOTE_LINES, CSV_QUOTE_BYTES);
    pm_buf_reset(&p->raw);
    size_t upto = rd->raw_at_qline < rd->rawrec.len ? rd->raw_at_qline : rd->rawrec.len;
    raw_escape(rd, &p->raw, (const unsigned char *)rd->rawrec.s, upto, NULL, 0);
    rd->qlen++;
    /* the bytes after the quote's line, then whatever was still to replay */
    pm_buf nr = PM_BUF_INIT;
    pm_buf_add(&nr, rd->tail.s, rd->tail.len);
    if (rd->replay_pos < rd->replay.len) pm_buf_add(&nr, rd->replay.s + rd->replay_pos, rd->replay.len - rd->replay_pos);
    pm_buf_free(&rd->replay);
    rd->replay = nr;
    rd->replay_pos = 0;
    rd->line = rd->quote_line + 1;
    pm_buf_reset(&rd->tail);
    pm_buf_reset(&rd->rawrec);
    rd->rawrec_total = 0;
    rd->rec_open = 0;
    rd->rec_bad = 0;
    rd->seg_flags = 0;
    rd->tq = TQ_START;
    rd->cr_ended = 0;
    csv_free(&rd->csv);
    rd->csv_started = 0;
}

static void csv_flush_tail_warnings(pm_reader *rd)
{
    if (rd->tail_warned) {
        reader_warn(rd, rd->seg_line, "text after a closing quote, kept as part of the field");
        rd->tail_warned = 0;
    }
}

static int csv_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (!rd->delim) {
        rd->delim = rd->opts.delimiter;
        if (!rd->delim) rd->delim = rd->format == PM_FMT_TSV ? '\t' : ',';
    }
    while (rd->qlen == 0) {
        if (!rd->csv_started && csv_start(rd, err) < 0) return PM_READ_FATAL;
        const unsigned char *s;
        size_t n;
        int from_replay = rd->replay_pos < rd->replay.len;
        if (from_replay) {
            s = (const unsigned char *)rd->replay.s + rd->replay_pos;
            n = rd->replay.len - rd->replay_pos;
        } else {
            int f = src_fill(rd, err);
            if (f < 0) return PM_READ_FATAL;
            if (f == 0) {
                if (rd->finished) return PM_READ_EOF;
                if (rd->rec_open && rd->tq == TQ_QUOTED) {
                    csv_resync(rd, 1);
                    break;
                }
                rd->finished = 1;
                if (rd->tq == TQ_TAIL) csv_parse(&rd->csv, "\"", 1, csv_cb_field, csv_cb_row, rd);
                rd->seg_raw = NULL;
                rd->seg_rawlen = 0;
                csv_fini(&rd->csv, csv_cb_field, csv_cb_row, rd);
                csv_flush_tail_warnings(rd);
                if (rd->qlen == 0) return PM_READ_EOF;
                break;
            }
            s = rd->dec + rd->decpos;
            n = rd->declen - rd->decpos;
        }
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
            /* never between a quote and the byte after it */
            while (seg > 1 && s[seg - 1] == '"') seg--;
            lone_cr = 0;
            nl = NULL;
        }
        /* libcsv grows a field's buffer by blk_size: by as much as it has,
         * so a long field costs a few reallocs, not one per 128 bytes */
        size_t bs = csv_get_buffer_size(&rd->csv);
        if (bs > 4096) csv_set_blk_size(&rd->csv, bs);
        int lf_after_cr = rd->cr_ended && s[0] == '\n';
        rd->cr_ended = 0;
        int blank = !rd->rec_open && (s[0] == '\n' || s[0] == '\r') &&
                    (seg == 1 || (seg == 2 && s[0] == '\r' && s[1] == '\n'));
        if (!rd->rec_open) {
            rd->rec_line = rd->line;
            rd->seg_flags = 0;
            pm_buf_reset(&rd->rawrec);
            rd->rawrec_total = 0;
        } else {
            rd->seg_flags |= SEG_BREAK;  /* a record running over lines */
        }
        if (blank && !lf_after_cr && rd->have_header) rd->after_blank = 1;
        rd->seg_line = rd->line;
        if (memchr(s, 0, seg)) rd->seg_flags |= SEG_NUL;
        if (rd->validate_utf8 && !utf8_valid((const char *)s, seg)) rd->seg_flags |= SEG_BADUTF8;
        rd->seg_raw = s;
        rd->seg_rawlen = seg;
        size_t feed = seg;
        const unsigned char *fs = s;
        if (rd->tq != TQ_START || memchr(s, '"', seg)) {
            fs = csv_track(rd, s, &feed);
        } else if (s[seg - 1] != '\n' && s[seg - 1] != '\r') {
            rd->tq = s[seg - 1] == (unsigned char)rd->delim ? TQ_START : TQ_UNQUOTED;
        }
        csv_parse(&rd->csv, fs, feed, csv_cb_field, csv_cb_row, rd);
        csv_flush_tail_warnings(rd);
        int ends_line = s[seg - 1] == '\n' || s[seg - 1] == '\r';
        int was_open = rd->rec_open;
        long qline_before = rd->quote_line;
        (void)qline_before;
        rd->rec_open = !blank && (rd->tq == TQ_QUOTED || rd->tq == TQ_TAIL || !ends_line);
        if (rd->rec_open) {
            if (rd->tq == TQ_QUOTED && rd->quote_line == rd->line) {
                /* the open quote opened on this line */
                rawrec_add(rd, s, seg);
                rd->raw_at_qline = rd->rawrec.len;
                pm_buf_reset(&rd->tail);
                rd->open_lines = 0;
                rd->open_bytes = 0;
            } else {
                rawrec_add(rd, s, seg);
                if (rd->tq == TQ_QUOTED) {
                    pm_buf_add(&rd->tail, s, seg);
                    rd->open_lines += ends_line;
                    rd->open_bytes += seg;
                }
            }
        } else if (was_open) {
            pm_buf_reset(&rd->tail);
        }
        if (from_replay) rd->replay_pos += seg;
        else rd->decpos += seg;
        if (rd->replay_pos >= rd->replay.len && rd->replay.len) {
            pm_buf_reset(&rd->replay);
            rd->replay_pos = 0;
        }
        if (lone_cr) {
            /* a line end when it ended a row (outside quotes) */
            if (!rd->rec_open) {
                rd->line++;
                rd->cr_ended = 1;
            }
        } else if (nl && !(lf_after_cr && seg == 1)) {
            rd->line++;
        }
        if (rd->rec_open && rd->tq == TQ_QUOTED &&
            (rd->open_lines > CSV_QUOTE_LINES || rd->open_bytes > CSV_QUOTE_BYTES))
            csv_resync(rd, 0);
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
    /* the lines read ahead into the document buffer come first */
    int pre = rd->ypre_pos < rd->ydoc.len;
    long *line = pre ? &rd->ypre_line : &rd->line;
    const unsigned char *s;
    size_t n;
    if (pre) {
        s = (const unsigned char *)rd->ydoc.s + rd->ypre_pos;
        n = rd->ydoc.len - rd->ypre_pos;
    } else {
        int f = src_fill(rd, &err);
        if (f < 0) return 0;
        if (f == 0) { *size_read = 0; return 1; }
        s = rd->dec + rd->decpos;
        n = rd->declen - rd->decpos;
    }
    /* One line at a time: libyaml decodes (and checks) all it is given
     * before parsing on, so a bad byte must not be seen before the records
     * of the lines above it are out, and its line must be known. */
    if (n > size) n = size;
    const unsigned char *nl = memchr(s, '\n', n);
    if (nl) n = (size_t)(nl - s) + 1;
    const char *why = yaml_piece_problem(rd, s, n);
    if (why) {
        /* libyaml would fail at once, losing the record it has not yet
         * given out; it gets the end of the stream instead, and yaml_next
         * reports this line after the records above it */
        rd->cut_line = *line;
        rd->cut_why = why;
        rd->cut_at_document = rd->yaml_piece_line != *line &&
                              (n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)));
        if (pre) rd->ypre_pos = rd->ydoc.len;
        else rd->decpos = rd->declen;
        *size_read = 0;
        return 1;
    }
    size_t out = yaml_flow_filter(rd, s, n, buffer);
    if (pre) rd->ypre_pos += n;
    else rd->decpos += n;
    rd->yaml_piece_line = *line;
    if (nl) (*line)++;
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
                pm_error_set(err, rd->name, (long)ev.start_mark.line + 1 + rd->yline_base,
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
    long line = (long)rd->yp.problem_mark.line + 1 + rd->yline_base;
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
            long end = (long)k.start_mark.line + 1 + rd->yline_base;
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
        /* a key given twice: a bad record naming both places */
        long kl = (long)k.start_mark.line + 1 + rd->yline_base, kc = (long)k.start_mark.column + 1;
        if (rec->n >= rd->ykcap) {
            rd->ykcap = rec->n + 16;
            rd->ykpos = pm_xrealloc(rd->ykpos, rd->ykcap * 2 * sizeof *rd->ykpos);
        }
        rd->ykpos[2 * rec->n] = kl;
        rd->ykpos[2 * rec->n + 1] = kc;
        for (size_t j = 0; j < rec->n && !bad[0]; j++)
            if (!strcmp(rec->f[j].name, (const char *)k.data.scalar.value))
                snprintf(bad, sizeof bad, "the key '%.64s' appears twice (line %ld column %ld and line %ld column %ld)",
                         rec->f[j].name, rd->ykpos[2 * j], rd->ykpos[2 * j + 1], kl, kc);
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

/* The next record of the parser's stream (OK, BAD), EOF at its end, FATAL
 * (err set) on a YAML error. */
static int yaml_event_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (rd->finished) return PM_READ_EOF;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) return yaml_fail(rd, err);
        yaml_event_type_t t = ev.type;
        long line = (long)ev.start_mark.line + 1 + rd->yline_base;
        int null_doc = t == YAML_SCALAR_EVENT && is_null_plain(&ev) && !rd->yaml_in_seq;
        yaml_event_delete(&ev);
        switch (t) {
        case YAML_STREAM_END_EVENT:
            if (rd->cut_line) return yaml_cut(rd, err);
            rd->finished = 1;
            return PM_READ_EOF;
        case YAML_STREAM_START_EVENT:
            continue;
        case YAML_DOCUMENT_START_EVENT:
            rd->yaml_doc_open = 1;
            rd->ydoc_start = line;
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
            if (null_doc) {
                /* issue 12: not skipped silently */
                if (rd->ydoc_start && rd->ydoc_start < line) line = rd->ydoc_start;
                pm_error_set(err, rd->name, line, "an empty (null) YAML document, not a record");
                rec->source = rd->name; rec->line = line;
                return PM_READ_BAD;
            }
            /* fallthrough */
        default:
            pm_error_set(err, rd->name, line, "a YAML document that is not a mapping (a record)");
            rec->source = rd->name; rec->line = line;
            return PM_READ_BAD;
        }
    }
}

/* YAML is read one document at a time: the lines from one that starts with
 * "---" (column 0) to the next such line are parsed on their own, so that an
 * error in one document rejects that document (PM_READ_BAD, its lines as
 * raw text) and reading goes on with the next.  A document is parsed whole
 * before its records are given out, so a document with an error gives none.
 * Only a document longer than YAML_DOC_MAX (a stream that is not one record
 * per document) is handed to libyaml as a stream, line by line; an error in
 * it ends the input. */
#define YAML_DOC_MAX ((size_t)1 << 20)

static int doc_marker(const char *l, size_t n)
{
    return n >= 3 && !memcmp(l, "---", 3) && (n == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r');
}

/* Blank, comment or directive lines: they belong to the document after them. */
static int preamble_line(const char *l, size_t n)
{
    size_t i = 0;
    if (n && l[0] == '%') return 1;
    while (i < n && (l[i] == ' ' || l[i] == '\t')) i++;
    return i == n || l[i] == '#' || l[i] == '\n' || l[i] == '\r';
}

/* Reads the next document's lines into rd->ydoc.  1: a document; 0: the end
 * of the input; 2: longer than YAML_DOC_MAX (to be streamed); -1: read error. */
static int yaml_read_doc(pm_reader *rd, pm_error *err)
{
    pm_buf_reset(&rd->ydoc);
    int preamble = 1;
    if (rd->ynext.len) {
        pm_buf_add(&rd->ydoc, rd->ynext.s, rd->ynext.len);
        rd->ydoc_line = rd->ynext_line;
        pm_buf_reset(&rd->ynext);
        preamble = 0;
    } else {
        rd->ydoc_line = rd->line;
    }
    for (;;) {
        size_t start = rd->ydoc.len;
        long this_line = rd->line;
        int got = 0;
        for (;;) {
            int f = src_fill(rd, err);
            if (f < 0) return -1;
            if (f == 0) break;
            const unsigned char *s = rd->dec + rd->decpos;
            size_t n = rd->declen - rd->decpos;
            const unsigned char *nl = memchr(s, '\n', n);
            size_t k = nl ? (size_t)(nl - s) + 1 : n;
            pm_buf_add(&rd->ydoc, s, k);
            rd->decpos += k;
            got = 1;
            if (nl) {
                rd->line++;
                break;
            }
        }
        if (!got) break;
        const char *l = rd->ydoc.s + start;
        size_t ll = rd->ydoc.len - start;
        int marker = doc_marker(l, ll);
        if (marker && start > 0 && !preamble) {
            /* the next document's first line */
            pm_buf_add(&rd->ynext, l, ll);
            rd->ynext_line = this_line;
            rd->ydoc.len = start;
            rd->ydoc.s[start] = 0;
            return 1;
        }
        if (marker || !preamble_line(l, ll)) preamble = 0;
        if (rd->ydoc.len > YAML_DOC_MAX) return 2;
    }
    return rd->ydoc.len ? 1 : 0;
}

/* Queues a bad record for the whole document in rd->ydoc. */
static void yaml_doc_bad(pm_reader *rd, long line, const char *msg)
{
    pm_record *r = building(rd);
    pm_record_clear(r);
    r->source = rd->name;
    r->line = line;
    pending *p = &rd->q[rd->qhead + rd->qlen];
    p->bad = 1;
    snprintf(p->msg, sizeof p->msg, "%s", msg);
    pm_buf_reset(&p->raw);
    size_t n = rd->ydoc.len < RAW_MAX ? rd->ydoc.len : RAW_MAX;
    raw_escape(rd, &p->raw, (const unsigned char *)rd->ydoc.s, n, NULL, 0);
    rd->qlen++;
}

static void yaml_state_reset(pm_reader *rd)
{
    rd->ncarry = 0;
    rd->flow_depth = 0;
    rd->flow_quote = 0;
    rd->flow_prev = '\n';
    rd->flow_escape = 0;
    rd->flow_dropped = 0;
    rd->cut_line = 0;
    rd->yaml_in_seq = 0;
    rd->yaml_doc_open = 0;
    rd->finished = 0;
    rd->yline_base = rd->ydoc_line - 1;
    rd->ydoc_start = 0;
}

/* Parses the document in rd->ydoc into the queue. */
static void yaml_parse_doc(pm_reader *rd)
{
    const char *buf = rd->ydoc.s;
    size_t len = rd->ydoc.len, i = 0;
    long line0 = rd->ydoc_line, ln = line0, last = line0;
    char msg[512];
    yaml_state_reset(rd);
    /* bytes YAML does not allow make the document bad, before libyaml */
    const char *why = NULL;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;
        if (!why && (why = yaml_piece_problem(rd, (const unsigned char *)buf + i, n))) last = ln;
        i += n;
        if (nl && i < len) ln++;
    }
    if (!why && rd->ncarry) { why = "invalid UTF-8"; last = ln; }
    rd->ncarry = 0;
    if (why) {
        snprintf(msg, sizeof msg, "invalid YAML: %s (line %ld); the document is rejected", why, last);
        yaml_doc_bad(rd, line0, msg);
        return;
    }
    pm_buf_reset(&rd->yfilt);
    pm_buf_grow(&rd->yfilt, len + 1);
    size_t out = yaml_flow_filter(rd, (const unsigned char *)buf, len, (unsigned char *)rd->yfilt.s);
    if (!yaml_parser_initialize(&rd->yp)) pm_fatal("out of memory");
    yaml_parser_set_input_string(&rd->yp, (const unsigned char *)rd->yfilt.s, out);
    rd->yaml_started = 1;
    size_t q0 = rd->qlen;
    for (;;) {
        pm_record *r = building(rd);
        pending *p = &rd->q[rd->qhead + rd->qlen];
        pm_error e;
        pm_error_clear(&e);
        int st = yaml_event_next(rd, r, &e);
        if (st == PM_READ_EOF) break;
        if (st == PM_READ_FATAL) {
            /* the document is rejected whole, records read from it included */
            for (size_t k = q0; k < rd->qlen; k++) pm_record_clear(&rd->q[rd->qhead + k].rec);
            rd->qlen = q0;
            const char *m = e.msg;
            if (!strncmp(m, "invalid YAML: ", 14)) m += 14;
            snprintf(msg, sizeof msg, "invalid YAML: %.400s (line %ld); the document is rejected", m, e.line);
            yaml_doc_bad(rd, line0, msg);
            break;
        }
        r->source = rd->name;
        p->bad = st == PM_READ_BAD;
        if (p->bad) {
            if (rd->flow_dropped)
                snprintf(p->msg, sizeof p->msg, "collections nested deeper than %d levels (the deeper part is not read)",
                         YAML_MAX_FLOW);
            else
                snprintf(p->msg, sizeof p->msg, "%.500s", e.msg);
            pm_buf_reset(&p->raw);
            size_t n = len < RAW_MAX ? len : RAW_MAX;
            raw_escape(rd, &p->raw, (const unsigned char *)buf, n, NULL, 0);
        }
        rd->qlen++;
    }
    yaml_parser_delete(&rd->yp);
    rd->yaml_started = 0;
    rd->finished = 0;
    rd->flow_dropped = 0;
}

/* Lines from the one an error is on to the end of the input, counted by
 * reading the rest (the message says how many were not read). */
static long yaml_lines_left(pm_reader *rd, long from)
{
    pm_error e;
    long n = 0;
    int last_nl = 1;
    while (src_fill(rd, &e) > 0) {
        const unsigned char *s = rd->dec + rd->decpos, *end = rd->dec + rd->declen;
        while ((s = memchr(s, '\n', (size_t)(end - s)))) { n++; s++; }
        last_nl = rd->dec[rd->declen - 1] == '\n';
        rd->decpos = rd->declen;
    }
    long total = rd->line - 1 + n + !last_nl;
    return total >= from ? total - from + 1 : 0;
}

static int yaml_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    for (;;) {
        if (rd->qlen) return csv_pop(rd, rec, err);
        if (rd->finished) return PM_READ_EOF;
        if (rd->ystream) {
            int st = yaml_event_next(rd, rec, err);
            if (st == PM_READ_FATAL) {
                long left = yaml_lines_left(rd, err->line);
                size_t l = strlen(err->msg);
                const char *cut = "; the rest of the input is not read";
                if (l > strlen(cut) && !strcmp(err->msg + l - strlen(cut), cut)) err->msg[l - strlen(cut)] = 0;
                l = strlen(err->msg);
                snprintf(err->msg + l, sizeof err->msg - l,
                         "; the input is not read further (%ld line%s not read: a document longer than 1 MiB is read as one stream)",
                         left, left == 1 ? "" : "s");
                rd->finished = 1;
            }
            return st;
        }
        int c = yaml_read_doc(rd, err);
        if (c < 0) { rd->finished = 1; return PM_READ_FATAL; }
        if (c == 0) { rd->finished = 1; return PM_READ_EOF; }
        if (c == 1) { yaml_parse_doc(rd); continue; }
        /* a long document: a stream from here on */
        yaml_state_reset(rd);
        if (!yaml_parser_initialize(&rd->yp)) pm_fatal("out of memory");
        yaml_parser_set_input(&rd->yp, yaml_read_handler, rd);
        rd->yaml_started = 1;
        rd->ystream = 1;
        rd->ypre_pos = 0;
        rd->ypre_line = rd->ydoc_line;
        rd->yaml_piece_line = rd->ydoc_line;
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
    pm_buf_reset(&rd->rawout);
    rd->fatal_goes_on = 0;
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
int pm_reader_goes_on(const pm_reader *rd) { return rd->fatal_goes_on; }
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
    for (size_t i = 0; i < rd->qcap; i++) {
        pm_record_free(&rd->q[i].rec);
        pm_buf_free(&rd->q[i].raw);
    }
    free(rd->q);
    pm_buf_free(&rd->fix);
    pm_buf_free(&rd->rawrec);
    pm_buf_free(&rd->tail);
    pm_buf_free(&rd->replay);
    pm_buf_free(&rd->rawout);
    pm_buf_free(&rd->ydoc);
    pm_buf_free(&rd->ynext);
    pm_buf_free(&rd->yfilt);
    free(rd->ykpos);
    free(rd->warn);
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
            in->gen_opened++;
            break;
        }
        in->cur = pm_reader_open(in->paths[in->next++], &in->opts, err);
        in->gen_opened++;
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

/* Closes the current input, keeping its warnings and header count. */
static void inputs_close_cur(pm_inputs *in)
{
    pm_error w;
    in->cur->finished = 1;
    while (pm_reader_take_warning(in->cur, &w)) {
        if (in->wlen == in->wcap) {
            in->wcap = in->wcap ? in->wcap * 2 : 4;
            in->warn = pm_xrealloc(in->warn, in->wcap * sizeof *in->warn);
        }
        in->warn[in->wlen++] = w;
    }
    in->gen_closed += in->cur->header_gen;
    pm_reader_close(in->cur);
    in->cur = NULL;
}

int pm_inputs_next(pm_inputs *in, pm_record *rec, pm_error *err)
{
    for (;;) {
        int r = inputs_open_next(in, err);
        if (r != PM_READ_OK) return r;
        r = pm_reader_next(in->cur, rec, err);
        if (r == PM_READ_EOF) {
            inputs_close_cur(in);
            continue;
        }
        if (r == PM_READ_FATAL) {
            in->had_error = 1;
            /* a bad header: its rows follow, as bad records */
            if (!in->cur->fatal_goes_on) inputs_close_cur(in);
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
    free(in->warn);
    in->warn = NULL;
    in->whead = in->wlen = in->wcap = 0;
}

unsigned pm_inputs_header_gen(const pm_inputs *in)
{
    return in->gen_opened + in->gen_closed + (in->cur ? in->cur->header_gen : 0);
}

const char *pm_inputs_raw(const pm_inputs *in, size_t *len)
{
    if (in->cur) return pm_reader_raw(in->cur, len);
    if (len) *len = 0;
    return "";
}

int pm_inputs_take_warning(pm_inputs *in, pm_error *w)
{
    if (in->whead < in->wlen) {
        *w = in->warn[in->whead++];
        if (in->whead == in->wlen) in->whead = in->wlen = 0;
        return 1;
    }
    return in->cur ? pm_reader_take_warning(in->cur, w) : 0;
}

pm_reader *pm_inputs_current(const pm_inputs *in) { return in->cur; }
int pm_inputs_failed(const pm_inputs *in) { return in->had_error; }
pm_format pm_inputs_format(const pm_inputs *in) { return in->first_format; }
