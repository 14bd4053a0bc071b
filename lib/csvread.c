/* csvread.c - the CSV adapter: libcsv (public API only; the only file that
 * includes csv.h) behind pm_reader. */
#include "reader_int.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
        while (len && (*v == ' ' || *v == '\t')) {
            v++;
            len--;
        }
        while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) len--;
        h[i] = pm_xstrndup(v, len);
    }
    /* the new names are allocated before the old ones are freed, so that
     * callers comparing header pointers see a change */
    for (size_t i = 0; i < rd->nheader; i++) free(rd->header[i]);
    free(rd->header);
    rd->header = h;
    rd->nheader = r->n;
    rd->last_width = 0;
    rd->have_header = 1;
    rd->header_gen++;
    rd->header_bad = 0;
    snprintf(rd->header_line_text, sizeof rd->header_line_text, "%ld", pm_line_shown(rd->rec_line));
    /* CSV has no comments: a first line such as "# exported ..." is the
     * header (format detection passes over it only to decide between CSV
     * and YAML); its rows will not fit it, so say why */
    if (r->n == 1 && h[0][0] == '#')
        pmr_warn(rd, rd->rec_line,
                 "the header is one column starting with '#': CSV has no comments, so this line is the header");
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

/* libcsv parses every record that holds a quote or spans lines, through
 * its public API only; a whole line without a quote is split at its
 * delimiters with memchr (csv_plain_line), which reads the same values.  The
 * reader
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

/* TQ_QEND: a quote inside a quoted field was the last byte of the piece
 * fed; the next byte says what it was (a doubled quote, or the closing one).
 * A buffer boundary can fall there; at the end of the input it closed the
 * field. */
enum { TQ_START, TQ_UNQUOTED, TQ_QUOTED, TQ_TAIL, TQ_QEND };

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void rec_bad(pm_reader *rd, const char *fmt, const char *a)
{
    if (rd->rec_bad) return;
    rd->rec_bad = 1;
    snprintf(rd->rec_msg, sizeof rd->rec_msg, fmt, a);
}

/* The raw text of the record the callbacks are completing: its earlier
 * lines (rawrec) and the segment being parsed. */
static void csv_raw_of_current(pm_reader *rd, pm_buf *out)
{
    pm_buf_reset(out);
    pmr_raw_escape(rd, out, (const unsigned char *)rd->rawrec.s, rd->rawrec.len, rd->seg_raw, rd->seg_rawlen);
}

static void csv_cb_field(void *data, size_t len, void *ctx)
{
    pm_reader *rd = ctx;
    pm_record *r = rd->building;
    if (!r) r = rd->building = pmr_queue_slot(rd);
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
    if ((rd->seg_flags & SEG_BADUTF8) && len && !pm_utf8_valid(s, len)) {
        if (rd->cd == (iconv_t)-1)
            rec_bad(rd, "%sinvalid UTF-8 in a field", "");
        else
            rec_bad(rd, "bytes that are not valid %s in a field", rd->encname);
    }
    char *v = pm_record_strdup(r, s, len);
    if (rd->opts.fold_newlines && (rd->seg_flags & SEG_BREAK) && (memchr(v, '\n', len) || memchr(v, '\r', len)))
        pmr_fold_newlines(v, &len);
    pm_record_add_owned(r, name, v, len);
}

static void csv_cb_row(int c, void *ctx)
{
    pm_reader *rd = ctx;
    (void)c;
    pm_record *r = rd->building;
    if (!r) r = rd->building = pmr_queue_slot(rd); /* cannot happen: rows have fields */
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
        pmr_warn(rd, rd->rec_line - 1,
                 "a blank line inside the data (ignored; the line after it is data, not a new header)");
    }
    if (rd->header_bad && !rd->rec_bad) rec_bad(rd, "a row under the unusable header of line %s", rd->header_line_text);
    /* A row that ran over lines inside a quote and came out the wrong width:
     * the quote was most likely never closed (a stray quote), and the lines
     * it took are rows of their own.  csv_next rejects the quote's line
     * alone and reads the lines after it again (csv_resync), so a stray
     * quote costs one row, not every row up to the next quote.  A row as
     * wide as the one before it is no such row: the header is the one
     * out of step (a title line read as the header; pm-ingest finds the
     * real one below it), and the quote's line break is the data's. */
    if (!rd->header_bad && r->n != rd->nheader && r->n != rd->last_width && (rd->seg_flags & SEG_BREAK) &&
        rd->quote_line >= rd->rec_line && rd->quote_line < rd->seg_line) {
        rd->width_resync = 1;
        rd->width_n = r->n;
        rd->rec_bad = 0;
        return; /* the row stays in the slot csv_resync takes */
    }
    rd->last_width = r->n;
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

static int csv_start(pm_reader *rd, pm_error *err)
{
    unsigned char opts = CSV_APPEND_NULL;
    if (!rd->csv) rd->csv = pm_xcalloc(1, sizeof *rd->csv);
    if (csv_init(rd->csv, opts) != 0) {
        pm_error_set(err, rd->name, 0, "cannot start the CSV parser");
        return -1;
    }
    csv_set_delim(rd->csv, (unsigned char)rd->delim);
    csv_set_space_func(rd->csv, no_space);
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
    if (rd->tq == TQ_TAIL) { /* a rewritten field goes on from the last piece */
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
            if (!p) {
                i = n;
                break;
            }
            i = (size_t)(p - s) + 1;
            rd->tq = TQ_START;
            break;
        }
        case TQ_QUOTED: {
            const unsigned char *p = memchr(s + i, '"', n - i);
            if (!p) {
                i = n;
                break;
            }
            size_t q = (size_t)(p - s);
            if (q + 1 == n) { /* the last byte of this piece: the next decides */
                rd->tq = TQ_QEND;
                i = n;
                break;
            }
            unsigned char c = s[q + 1];
            if (c == '"') {
                i = q + 2;
                break;
            }
            if (c == d) {
                rd->tq = TQ_START;
                i = q + 2;
                break;
            }
            if (c == '\n' || c == '\r') {
                rd->tq = TQ_UNQUOTED;
                i = q + 1;
                break;
            }
            /* text after the closing quote: the field goes on unquoted */
            if (!fixing) {
                pm_buf_reset(&rd->fix);
                fixing = 1;
            }
            pm_buf_add(&rd->fix, s + copied, q - copied);
            copied = q + 1;
            rd->tq = TQ_TAIL;
            i = q + 1;
            rd->tail_warned++;
            break;
        }
        case TQ_QEND:
            /* the quote that ended the last piece: doubled, or closing (text
             * after a closing quote that a boundary split off goes on as
             * libcsv reads it, without the rewrite a whole line gets) */
            if (s[i] == '"') {
                rd->tq = TQ_QUOTED;
                i++;
            } else if (s[i] == d) {
                rd->tq = TQ_START;
                i++;
            } else {
                rd->tq = TQ_UNQUOTED;
            }
            break;
        case TQ_TAIL: {
            /* quotes doubled; a closing quote before the delimiter or line end */
            size_t j = i;
            while (j < n && s[j] != '"' && s[j] != d && s[j] != '\n' && s[j] != '\r') j++;
            if (j == n) {
                i = n;
                break;
            }
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

/* The record being read, emptied and queued as a bad record at its first
 * line (the caller sets its message and raw text, then counts it). */
static pending *csv_queue_bad(pm_reader *rd)
{
    pm_record *r = rd->building;
    if (!r) r = pmr_queue_slot(rd);
    pm_record_clear(r);
    rd->building = NULL;
    pending *p = &rd->q[rd->qhead + rd->qlen];
    r->source = rd->name;
    r->line = rd->rec_line;
    p->bad = 1;
    return p;
}

/* Forgets the record being read and starts libcsv afresh. */
static void csv_restart(pm_reader *rd)
{
    pm_buf_reset(&rd->tail);
    rd->tail_mid_line = 0;
    pm_buf_reset(&rd->rawrec);
    rd->rawrec_total = 0;
    rd->rec_open = 0;
    rd->rec_bad = 0;
    rd->seg_flags = 0;
    rd->tq = TQ_START;
    csv_free(rd->csv);
    rd->csv_started = 0;
}

/* The open quote swallowed too much (or met the end of the input): the
 * record ends with the quote's line; the lines after it are read again. */
enum { RESYNC_BOUND, RESYNC_EOF, RESYNC_WIDTH };
static void csv_resync(pm_reader *rd, int why)
{
    pending *p = csv_queue_bad(rd);
    if (why == RESYNC_WIDTH)
        snprintf(p->msg, sizeof p->msg,
                 "unterminated quoted field (the quote opened on line %ld makes a row of %zu fields up to line %ld "
                 "where the header has %zu; the record is taken to end with that line, and the lines after it are "
                 "read again)",
                 pm_line_shown(rd->quote_line), rd->width_n, pm_line_shown(rd->seg_line), rd->nheader);
    else if (why == RESYNC_EOF)
        snprintf(p->msg, sizeof p->msg,
                 "unterminated quoted field (the quote opened on line %ld is not closed before the end of the input; "
                 "the record is taken to end with that line)",
                 pm_line_shown(rd->quote_line));
    else
        snprintf(p->msg, sizeof p->msg,
                 "unterminated quoted field (the quote opened on line %ld is not closed within %d lines or %zu bytes; "
                 "the record is taken to end with that line)",
                 pm_line_shown(rd->quote_line), CSV_QUOTE_LINES, CSV_QUOTE_BYTES);
    pm_buf_reset(&p->raw);
    size_t upto = rd->raw_at_qline < rd->rawrec.len ? rd->raw_at_qline : rd->rawrec.len;
    pmr_raw_escape(rd, &p->raw, (const unsigned char *)rd->rawrec.s, upto, NULL, 0);
    rd->qlen++;
    /* the bytes after the quote's line, then whatever was still to replay */
    pm_buf nr = PM_BUF_INIT;
    pm_buf_add(&nr, rd->tail.s, rd->tail.len);
    if (rd->replay_pos < rd->replay.len)
        pm_buf_add(&nr, rd->replay.s + rd->replay_pos, rd->replay.len - rd->replay_pos);
    pm_buf_free(&rd->replay);
    rd->replay = nr;
    rd->replay_pos = 0;
    rd->line = rd->quote_line + 1;
    csv_restart(rd);
    rd->cr_ended = 0;
}

/* libcsv keeps a whole field: one that goes past --max-field on a line
 * longer than CSV_PIECE (its buffer, public as csv_get_buffer_size, has
 * grown past twice the limit) ends its record there, as a bad record, and
 * the rest of its line is skipped; memory stays bounded by the limit. */
static void csv_cut_long(pm_reader *rd)
{
    pending *p = csv_queue_bad(rd);
    snprintf(p->msg, sizeof p->msg,
             "field longer than the limit of %zu bytes (--max-field); the rest of its line is skipped",
             rd->opts.max_field);
    pm_buf_reset(&p->raw);
    pmr_raw_escape(rd, &p->raw, (const unsigned char *)rd->rawrec.s, rd->rawrec.len, NULL, 0);
    rd->qlen++;
    csv_restart(rd);
    rd->after_blank = 0;
    rd->skip_line = 1;
}

static void csv_flush_tail_warnings(pm_reader *rd)
{
    if (rd->tail_warned) {
        pmr_warn(rd, rd->seg_line, "text after a closing quote, kept as part of the field");
        rd->tail_warned = 0;
    }
}

/* The delimiters among the 8 bytes at p, as the bits of a byte (byte k of
 * p: bit k): a byte equal to the delimiter is a zero byte of w ^ d*0x01..01,
 * which the carry-free test marks exactly with its high bit; the multiply
 * gathers the eight high bits into the top byte. */
static inline unsigned delim_bits8(const char *p, uint64_t dd)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t w, x;
    memcpy(&w, p, 8);
    x = w ^ dd;
    uint64_t hits = ~(((x & lo7) + lo7) | x | lo7) >> 7;
    return (unsigned)((hits * 0x0102040810204080ULL) >> 56);
}

/* The delimiters among the n (1 to 64) bytes at line + at, as bits (byte
 * k: bit k).  Whole words are read where they lie in the line, the last
 * few bytes as the end of the line's last word (read again) when the line
 * holds one, else one by one. */
static inline uint64_t delim_mask(const char *line, size_t at, size_t n, char d)
{
    uint64_t m = 0;
#ifdef __SSE2__
    /* 16 bytes a compare; the last few as the end of the 16 bytes that end
     * the block (read again), when the line holds 16 */
    if (at + n >= 16) {
        const __m128i dv = _mm_set1_epi8(d);
        size_t k = 0;
        for (; k + 16 <= n; k += 16)
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(
                     _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(line + at + k)), dv))
                 << k;
        if (k < n) {
            unsigned t = (unsigned)_mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(line + at + n - 16)), dv));
            m |= (uint64_t)(t >> (16 - (n - k))) << k;
        }
        return m;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t dd = 0x0101010101010101ULL * (unsigned char)d;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) m |= (uint64_t)delim_bits8(line + at + k, dd) << k;
    if (k == n) return m;
    if (at + n >= 8) return m | (uint64_t)(delim_bits8(line + at + n - 8, dd) >> (8 - (n - k))) << k;
    for (; k < n; k++)
        if (line[at + k] == d) m |= (uint64_t)1 << k;
#else
    for (size_t k = 0; k < n; k++)
        if (line[at + k] == d) m |= (uint64_t)1 << k;
#endif
    return m;
}

/* The bits set in m (no call: the build need not have a popcnt
 * instruction). */
static inline unsigned popcount64(uint64_t m)
{
    m = m - ((m >> 1) & 0x5555555555555555ULL);
    m = (m & 0x3333333333333333ULL) + ((m >> 2) & 0x3333333333333333ULL);
    m = (m + (m >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((m * 0x0101010101010101ULL) >> 56);
}

/* What one pass over a line's bytes s[0..n) tells (line_scan): which of
 * these it holds, so that the reader looks for no byte it does not hold. */
enum { LS_CR = 1, LS_NUL = 2, LS_QUOTE = 4, LS_HIGH = 8 /* a byte >= 0x80 */, LS_ALL = 15 };

static unsigned line_scan(const unsigned char *s, size_t n)
{
#ifdef __SSE2__
    if (n >= 16) {
        const __m128i cr = _mm_set1_epi8('\r'), q = _mm_set1_epi8('"'), zero = _mm_setzero_si128();
        __m128i acr = zero, anul = zero, aq = zero, ahi = zero;
        for (size_t i = 0;; i += 16) {
            if (i + 16 > n) i = n - 16; /* the last 16, read again */
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            acr = _mm_or_si128(acr, _mm_cmpeq_epi8(x, cr));
            anul = _mm_or_si128(anul, _mm_cmpeq_epi8(x, zero));
            aq = _mm_or_si128(aq, _mm_cmpeq_epi8(x, q));
            ahi = _mm_or_si128(ahi, x);
            if (i + 16 == n) break;
        }
        return (_mm_movemask_epi8(acr) ? LS_CR : 0) | (_mm_movemask_epi8(anul) ? LS_NUL : 0) |
               (_mm_movemask_epi8(aq) ? LS_QUOTE : 0) | (_mm_movemask_epi8(ahi) ? LS_HIGH : 0);
    }
#endif
    unsigned f = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        f |= (c == '\r' ? LS_CR : 0) | (c == 0 ? LS_NUL : 0) | (c == '"' ? LS_QUOTE : 0) | (c >= 0x80 ? LS_HIGH : 0);
    }
    return f;
}

/* The line starting at s, of the n bytes there: its end (the first LF,
 * returned) and what line_scan says of the bytes before it (*scan), in one
 * pass of 16 bytes at a time; NULL when the LF is not within the first
 * whole 16-byte blocks of the n (the caller reads such a line otherwise). */
static const unsigned char *line_end_scan(const unsigned char *s, size_t n, unsigned *scan)
{
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), q = _mm_set1_epi8('"'),
                  zero = _mm_setzero_si128();
    __m128i acr = zero, anul = zero, aq = zero, ahi = zero;
    for (size_t i = 0; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i c = _mm_cmpeq_epi8(x, cr), z = _mm_cmpeq_epi8(x, zero), d = _mm_cmpeq_epi8(x, q);
        unsigned nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf));
        if (nl) { /* the earlier blocks, and this one's bytes before the LF */
            unsigned keep = (nl & (0u - nl)) - 1;
            unsigned mc = (unsigned)_mm_movemask_epi8(acr) | ((unsigned)_mm_movemask_epi8(c) & keep);
            unsigned mz = (unsigned)_mm_movemask_epi8(anul) | ((unsigned)_mm_movemask_epi8(z) & keep);
            unsigned mq = (unsigned)_mm_movemask_epi8(aq) | ((unsigned)_mm_movemask_epi8(d) & keep);
            unsigned mh = (unsigned)_mm_movemask_epi8(ahi) | ((unsigned)_mm_movemask_epi8(x) & keep);
            *scan = (mc ? LS_CR : 0) | (mz ? LS_NUL : 0) | (mq ? LS_QUOTE : 0) | (mh ? LS_HIGH : 0);
            return s + i + (unsigned)__builtin_ctz(nl);
        }
        acr = _mm_or_si128(acr, c);
        anul = _mm_or_si128(anul, z);
        aq = _mm_or_si128(aq, d);
        ahi = _mm_or_si128(ahi, x);
    }
#else
    (void)s;
    (void)n;
    (void)scan;
#endif
    return NULL;
}

/* k bytes of the line at hand are dealt with: from the replay of lines to
 * read again, or from the decoded input. */
static inline void consumed(pm_reader *rd, int from_replay, size_t k)
{
    if (from_replay)
        rd->replay_pos += k;
    else
        rd->decpos += k;
}

/* The replay is let go once every byte of it was read again. */
static inline void replay_drop_if_done(pm_reader *rd)
{
    if (rd->replay_pos >= rd->replay.len && rd->replay.len) {
        pm_buf_reset(&rd->replay);
        rd->replay_pos = 0;
    }
}

/* A whole line without a quote, a record of its own under a usable header:
 * split at the delimiters, found 64 bytes at a time as a bit mask
 * (delim_mask), into one copy of the line in the record's arena (the
 * delimiters become the values' NULs), instead of libcsv's byte-by-byte
 * parse and a copy per field.  For such a line libcsv (no space trimming, no
 * quotes) reads exactly the same values.  The record is r, the one
 * pm_reader_next fills (cleared), not a slot of the queue: nothing is read
 * ahead of it.  Returns 0, leaving r empty, for a line libcsv must read: a
 * row of the wrong width (its message is libcsv's path's).  len excludes the line end.  The record
 * keeps the split line as its raw text (pm_record) unless a value starts
 * with a byte-order mark, which a writer quotes. */
static __attribute__((noinline, optimize("no-tree-slp-vectorize"))) int
csv_plain_line(pm_reader *rd, pm_record *r, const unsigned char *s, size_t len, unsigned scan)
{
    size_t nh = rd->nheader;
    if (nh == 0) return 0;
    while (r->cap < nh) pm_record_make_room(r);
    char *b = pm_record_alloc(r, len + 1);
    memcpy(b, s, len);
    b[len] = 0;
    /* the line is read where it is, the copy only written (its fresh
     * bytes are not read back) */
    const char *line = (const char *)s;
    char *const *hdr = rd->header;
    /* the fields in order, the last one's slot (f) after the loop; the
     * delimiters of a block are counted before its fields are filled, so
     * that the loop need not test for too many */
    pm_field *f = r->f;
    size_t off = 0, ndelim = 0;
    for (size_t at = 0; at < len; at += 64) {
        uint64_t m = delim_mask(line, at, len - at < 64 ? len - at : 64, (char)rd->delim);
        ndelim += (size_t)popcount64(m);
        if (ndelim >= nh) goto wrong_width; /* too many */
        for (; m; m &= m - 1) {
            size_t end = at + (unsigned)__builtin_ctzll(m);
            b[end] = 0;
            f->name = *hdr++;
            f->value = b + off;
            f->len = end - off;
            f++;
            off = end + 1;
        }
    }
    if (ndelim != nh - 1) goto wrong_width; /* too few */
    f->name = *hdr;
    f->value = b + off;
    f->len = len - off;
    r->n = nh;
    r->named_by = (const char *const *)rd->header;
    r->source = rd->name;
    r->line = rd->rec_line;
    /* a value starting with U+FEFF is written quoted: the line is not the
     * record's raw text then (see pm_record: a writer may copy the line) */
    int canonical = 1;
    if ((scan & LS_HIGH) && memchr(line, '\xef', len))
        for (size_t k = 0; k < nh && canonical; k++)
            if (r->f[k].len >= 3 && !memcmp(r->f[k].value, "\xef\xbb\xbf", 3)) canonical = 0;
    if (canonical) {
        r->raw = b;
        r->raw_len = len;
        r->raw_n = nh;
        r->raw_delim = (char)rd->delim;
    }
    rd->seg_flags = 0;
    rd->last_width = nh;
    return 1;
wrong_width:
    pm_record_clear(r);
    return 0;
}

/* Whether a line read now may be a record split by csv_plain_line: one
 * starts here (no record open, no quote pending), under a usable header,
 * not after a blank line (a new header may follow). */
static inline int plain_line_may_start(const pm_reader *rd)
{
    return rd->have_header && !rd->rec_open && rd->tq == TQ_START && !rd->after_blank && !rd->header_bad;
}

int pmr_csv_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (!rd->delim) {
        rd->delim = rd->opts.delimiter;
        if (!rd->delim) rd->delim = rd->format == PM_FMT_TSV ? '\t' : ',';
    }
    while (rd->qlen == 0) {
        /* The common line first: between records, under a usable header,
         * nothing to read again, a whole line in the buffer without a
         * quote, CR, NUL or invalid byte: split into rec (csv_plain_line)
         * without the checks below, which a line that is not such (or
         * does not fit its header) goes on to, as read. */
        if (plain_line_may_start(rd) && !rd->skip_line && !rd->cr_ended && !rd->replay.len) {
            int f = pmr_src_fill(rd, err);
            if (f < 0) return PM_READ_FATAL;
            const unsigned char *s = rd->dec + rd->decpos;
            unsigned scan = 0;
            const unsigned char *nl = f ? line_end_scan(s, rd->declen - rd->decpos, &scan) : NULL;
            if (nl && nl != s) {
                size_t len = (size_t)(nl - s);
                if (!(scan & (LS_CR | LS_NUL | LS_QUOTE)) && len < rd->opts.max_field && len < CSV_PIECE &&
                    (!(scan & LS_HIGH) || !rd->validate_utf8 || pm_utf8_valid((const char *)s, len + 1))) {
                    rd->rec_line = rd->line;
                    if (csv_plain_line(rd, rec, s, len, scan)) {
                        rd->decpos += len + 1;
                        rd->line++;
                        return PM_READ_OK;
                    }
                }
            }
        }
        if (!rd->csv_started && csv_start(rd, err) < 0) return PM_READ_FATAL;
        const unsigned char *s;
        size_t n;
        int from_replay = rd->replay_pos < rd->replay.len;
        if (from_replay) {
            s = (const unsigned char *)rd->replay.s + rd->replay_pos;
            n = rd->replay.len - rd->replay_pos;
        } else {
            int f = pmr_src_fill(rd, err);
            if (f < 0) return PM_READ_FATAL;
            if (f == 0) {
                rd->skip_line = 0;
                if (rd->finished) return PM_READ_EOF;
                if (rd->rec_open && rd->tq == TQ_QUOTED) {
                    csv_resync(rd, RESYNC_EOF);
                    break;
                }
                rd->finished = 1;
                if (rd->tq == TQ_TAIL) csv_parse(rd->csv, "\"", 1, csv_cb_field, csv_cb_row, rd);
                rd->seg_raw = NULL;
                rd->seg_rawlen = 0;
                csv_fini(rd->csv, csv_cb_field, csv_cb_row, rd);
                csv_flush_tail_warnings(rd);
                if (rd->qlen == 0) return PM_READ_EOF;
                break;
            }
            s = rd->dec + rd->decpos;
            n = rd->declen - rd->decpos;
        }
        if (rd->skip_line) {
            /* the rest of a line whose field went past --max-field */
            const unsigned char *nl = memchr(s, '\n', n);
            size_t k = nl ? (size_t)(nl - s) + 1 : n;
            consumed(rd, from_replay, k);
            if (nl) {
                rd->line++;
                rd->skip_line = 0;
            }
            continue;
        }
        /* A segment is one line: up to a LF, a CRLF, or a CR alone (old Mac
         * line ends), so every record starts a segment and its line is known,
         * and a record ends only at the end of a segment (never two in one).
         * A CR can only end a segment: a field holding one runs over into
         * the next, which SEG_BREAK marks for folding. */
        const unsigned char *nl = memchr(s, '\n', n);
        size_t upto = nl ? (size_t)(nl - s) : n;
        /* the bytes of a whole line in one pass; a line's end, LF or a
         * CR (alone, or before the LF), is not among them */
        unsigned scan = nl ? line_scan(s, upto) : LS_ALL;
        const unsigned char *cr = scan & LS_CR ? memchr(s, '\r', upto) : NULL;
        size_t seg;
        int lone_cr = cr && cr + 1 != nl;
        if (lone_cr)
            seg = (size_t)(cr - s) + 1;
        else
            seg = nl ? upto + 1 : n;
        if (seg > CSV_PIECE) { /* a long line, in pieces: the line goes on */
            seg = CSV_PIECE;
            /* never between a quote and the byte after it */
            while (seg > 1 && s[seg - 1] == '"') seg--;
            lone_cr = 0;
            nl = NULL;
        }
        int lf_after_cr = rd->cr_ended && s[0] == '\n';
        rd->cr_ended = 0;
        int blank =
            !rd->rec_open && (s[0] == '\n' || s[0] == '\r') && (seg == 1 || (seg == 2 && s[0] == '\r' && s[1] == '\n'));
        if (!rd->rec_open) {
            rd->rec_line = rd->line;
            rd->seg_flags = 0;
            pm_buf_reset(&rd->rawrec);
            rd->rawrec_total = 0;
        } else {
            rd->seg_flags |= SEG_BREAK; /* a record running over lines */
        }
        if (blank && !lf_after_cr && rd->have_header) rd->after_blank = 1;
        rd->seg_line = rd->line;
        if ((scan & LS_NUL) && memchr(s, 0, seg)) rd->seg_flags |= SEG_NUL;
        if (rd->validate_utf8 && (scan & LS_HIGH) && !pm_utf8_valid((const char *)s, seg)) rd->seg_flags |= SEG_BADUTF8;
        rd->seg_raw = s;
        rd->seg_rawlen = seg;
        if (nl && !lone_cr && !blank && plain_line_may_start(rd) && !(rd->seg_flags & (SEG_NUL | SEG_BADUTF8)) &&
            seg <= rd->opts.max_field && !((scan & LS_QUOTE) && memchr(s, '"', seg)) &&
            csv_plain_line(rd, rec, s, seg - 1 - (seg >= 2 && s[seg - 2] == '\r'), scan)) {
            /* split into rec itself: the queue is empty (the loop runs
             * while it is), and rec was cleared by pm_reader_next */
            consumed(rd, from_replay, seg);
            replay_drop_if_done(rd);
            rd->line++;
            return PM_READ_OK;
        }
        /* libcsv grows a field's buffer by blk_size: by as much as it has,
         * so a long field costs a few reallocs, not one per 128 bytes */
        size_t bs = csv_get_buffer_size(rd->csv);
        if (bs > 4096) csv_set_blk_size(rd->csv, bs);
        size_t feed = seg;
        const unsigned char *fs = s;
        int in_quote = rd->rec_open && rd->tq == TQ_QUOTED; /* before this segment */
        if (rd->tq != TQ_START || memchr(s, '"', seg)) {
            fs = csv_track(rd, s, &feed);
        } else if (s[seg - 1] != '\n' && s[seg - 1] != '\r') {
            rd->tq = s[seg - 1] == (unsigned char)rd->delim ? TQ_START : TQ_UNQUOTED;
        }
        csv_parse(rd->csv, fs, feed, csv_cb_field, csv_cb_row, rd);
        csv_flush_tail_warnings(rd);
        if (rd->width_resync) { /* this line goes to the replay too */
            rd->width_resync = 0;
            consumed(rd, from_replay, seg);
            pm_buf_add(&rd->tail, s, seg);
            csv_resync(rd, RESYNC_WIDTH);
            continue;
        }
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
                rd->tail_mid_line = 0;
                rd->open_lines = 0;
                rd->open_bytes = 0;
            } else {
                rawrec_add(rd, s, seg);
                /* a line that started inside the quote goes to tail whole,
                 * the piece that closes the quote too (a line comes in
                 * pieces where a read ends in it): all of it is read again
                 * if the quote turns out to be a stray one */
                if (in_quote || rd->tq == TQ_QUOTED || rd->tail_mid_line) {
                    pm_buf_add(&rd->tail, s, seg);
                    rd->open_lines += ends_line;
                    rd->open_bytes += seg;
                    rd->tail_mid_line = !ends_line;
                }
            }
        } else if (was_open) {
            pm_buf_reset(&rd->tail);
            rd->tail_mid_line = 0;
        }
        consumed(rd, from_replay, seg);
        replay_drop_if_done(rd);
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
            csv_resync(rd, RESYNC_BOUND);
        else if (rd->rec_open && !ends_line && csv_get_buffer_size(rd->csv) / 2 > rd->opts.max_field + CSV_PIECE)
            csv_cut_long(rd);
    }
    return pmr_queue_pop(rd, rec, err);
}

void pmr_csv_free(pm_reader *rd)
{
    if (rd->csv_started) csv_free(rd->csv);
    free(rd->csv);
    rd->csv = NULL;
    rd->csv_started = 0;
    pm_buf_free(&rd->fix);
    pm_buf_free(&rd->rawrec);
    pm_buf_free(&rd->tail);
    pm_buf_free(&rd->replay);
}
