/* source.c - the reader's byte source: read(2) in big chunks, the choice
 * of encoding ("auto"), iconv, and the raw text of bad records. */
#include "reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The line ends (LF) in bytes [from, to) of fd, into *n; buf: cap bytes of
 * room.  Returns 0, or -1 with errno (0: the file is shorter). */
static int count_lines(int fd, off_t from, off_t to, unsigned char *buf, size_t cap, long *n)
{
    long lines = 0;
    for (off_t p = from; p < to;) {
        size_t want = to - p < (off_t)cap ? (size_t)(to - p) : cap;
        ssize_t r = pread(fd, buf, want, p);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = 0;
            return -1;
        }
        for (const unsigned char *q = buf, *end = buf + r; (q = memchr(q, '\n', (size_t)(end - q))); q++) lines++;
        p += r;
    }
    *n = lines;
    return 0;
}

/* Refuses the range: err set, and kept in rd->range_err, since a YAML
 * stream's read handler cannot pass it on (pm_reader_next gives it). */
static int range_refused(pm_reader *rd, pm_error *err, const char *why)
{
    pm_error_set(err, rd->name, rd->line, "--byte-range: %s, so the file cannot be read by byte range (read it whole)",
                 why);
    rd->range_err = *err;
    rd->range_refused = 1;
    return -1;
}

/* The YAML reader reads one document at a time, from a line that starts
 * with "---" to the next (yamlread.c), each parsed on its own: a range
 * that is not the file's last is read as a run over the whole file reads
 * it when the line after it starts a document, its last document has
 * begun (it is not only blank, comment or directive lines, which belong to
 * the document after them) and was not read as a stream (a document
 * longer than 1 MiB, after which the whole run reads the rest of the file
 * as one stream).  A range that starts where the range before it ends
 * then starts at a document too.  Any other range may cut a record in two
 * (a block mapping over lines, a flow mapping broken across lines, the
 * items of a sequence, which with the lines around them are one
 * document), so it is refused. */
static int yaml_range_check(pm_reader *rd, pm_error *err)
{
    if (!rd->range_inner || rd->range_from >= rd->seg_end[1]) return 0;
    if (rd->ystream)
        return range_refused(rd, err, "a YAML document longer than 1 MiB is read as one stream, on past the range");
    int begun = 0;
    for (size_t i = 0; i < rd->ydoc.len && !begun;) {
        const char *l = rd->ydoc.s + i, *nl = memchr(l, '\n', rd->ydoc.len - i);
        size_t n = nl ? (size_t)(nl - l) + 1 : rd->ydoc.len - i;
        begun = pmr_yaml_doc_marker(l, n) || !pmr_yaml_preamble_line(l, n);
        i += n;
    }
    if (!begun)
        return range_refused(rd, err,
                             "the range ends in blank or comment lines, which belong to the YAML document after them");
    unsigned char b[4];
    ssize_t r;
    do r = pread(rd->fd, b, sizeof b, rd->seg_end[1]);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        pm_error_set(err, rd->name, 0, "read error: %s", strerror(errno));
        return -1;
    }
    if (!pmr_yaml_doc_marker((const char *)b, (size_t)r))
        return range_refused(rd, err,
                             "the line after the range does not start a YAML document (---): a record may go on "
                             "across the range's end");
    return 0;
}

/* Whether a CSV or TSV reader stands where a run over the whole file would
 * stand at the same byte, at the end of segment 0 (the header line) and at
 * the end of a range that is not the file's: a range is read as if a record
 * began at its first line, and the ranges after it take the file's first
 * header and count the line ends (LF) before them.  Anything else would
 * make a block differ from one process, silently; refused instead (exit 2
 * of the program), so that a split that cannot be right fails. */
static int range_check(pm_reader *rd, int seg, pm_error *err)
{
    if (rd->format == PM_FMT_YAML) return seg == 1 ? yaml_range_check(rd, err) : 0;
    if (seg == 0) { /* (when segment 1 has bytes to read) */
        if (rd->seg_at[1] >= rd->seg_end[1]) return 0;
        if (rd->rec_open) return range_refused(rd, err, "the header line holds a line break inside quotes");
        if (!rd->have_header) return range_refused(rd, err, "the file's first line is blank, not its header");
        return 0;
    }
    if (!rd->range_inner) return 0;
    if (rd->rec_open)
        return range_refused(rd, err, "a record goes on past the end of the range (a line break inside quotes)");
    if (rd->after_blank) return range_refused(rd, err, "the range ends with a blank line (a new header may follow)");
    if (rd->header_gen != rd->range_gen)
        return range_refused(rd, err, "the range holds a header line of its own, which the ranges after it do not see");
    if (rd->range_cr) { /* a CR alone ends a line, outside quotes */
        long lf;
        unsigned char *buf = pm_xmalloc(CHUNK);
        int rc = count_lines(rd->fd, rd->range_from, rd->seg_end[1], buf, CHUNK, &lf);
        free(buf);
        if (rc < 0) {
            pm_error_set(err, rd->name, 0, "read error: %s", errno ? strerror(errno) : "the file changed while read");
            return -1;
        }
        if (rd->line - rd->range_line != lf)
            return range_refused(rd, err,
                                 "lines end in a CR alone, which the line numbers of later ranges do not count");
    }
    return 0;
}

/* src_read under --byte-range: the segments in turn, never both in one
 * read, so that the header line has been parsed when segment 1 begins and
 * its first line is numbered as in the file. */
static ssize_t src_read_range(pm_reader *rd, pm_error *err)
{
    while (rd->cur_seg < rd->nseg && rd->seg_at[rd->cur_seg] >= rd->seg_end[rd->cur_seg]) {
        if (range_check(rd, rd->cur_seg, err) < 0) return -1;
        if (++rd->cur_seg == 1) {
            rd->line = rd->range_line;
            rd->range_gen = rd->header_gen;
        }
    }
    if (rd->cur_seg >= rd->nseg) {
        rd->eof = 1;
        return 0;
    }
    int k = rd->cur_seg;
    size_t want = CHUNK - rd->rawlen;
    if ((off_t)want > rd->seg_end[k] - rd->seg_at[k]) want = (size_t)(rd->seg_end[k] - rd->seg_at[k]);
    ssize_t r;
    do r = pread(rd->fd, rd->raw + rd->rawlen, want, rd->seg_at[k]);
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        if (r < 0)
            pm_error_set(err, rd->name, 0, "read error: %s", strerror(errno));
        else
            pm_error_set(err, rd->name, 0, "the file ends before byte %lld of --byte-range (it changed while read)",
                         (long long)rd->seg_end[k]);
        return -1;
    }
    if (k == 1 && !rd->range_cr && memchr(rd->raw + rd->rawlen, '\r', (size_t)r)) rd->range_cr = 1;
    rd->seg_at[k] += r;
    rd->rawlen += (size_t)r;
    return r;
}

/* Reads more raw bytes after the kept tail rawlen.  Returns bytes read, 0 at
 * EOF, -1 on error. */
static ssize_t src_read(pm_reader *rd, pm_error *err)
{
    if (rd->eof) return 0;
    if (rd->nseg) return src_read_range(rd, err);
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
        if (errno == EINVAL && !rd->eof) break; /* keep the partial sequence */
        if (errno == E2BIG) continue;
        /* EILSEQ, or a truncated sequence at EOF: the byte is passed on
         * after a 0xFF (never in UTF-8), so that its line is bad and its raw
         * text shows it escaped (pmr_raw_escape); never U+FFFD */
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
int pmr_src_fill(pm_reader *rd, pm_error *err)
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

/* Whether line s[0..len) decodes as GB18030 with cd (a character cut at
 * the end of the chunk, when the line has no line end, aside). */
static int gb18030_line_ok(iconv_t cd, const unsigned char *s, size_t len, int ended)
{
    char out[16384];
    char *in = (char *)s;
    size_t inleft = len;
    iconv(cd, NULL, NULL, NULL, NULL);
    while (inleft > 0) {
        char *o = out;
        size_t oleft = sizeof out;
        if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1) return 1;
        if (errno == E2BIG) continue;
        return errno == EINVAL && !ended;
    }
    return 1;
}

/* Whether the first chunk s[0..n) is read as UTF-8 under "auto" (issue 12:
 * never garble).  UTF-8 when it has no high byte, or is valid UTF-8 (a
 * character cut at the end aside).  Otherwise GB18030 only when nine in ten
 * of its lines that are not UTF-8 decode as GB18030 (a few stray bytes in an
 * export must not make it UTF-8, whose every Chinese line would then be
 * rejected) AND hardly any of its lines is valid
 * UTF-8 with multi-byte characters: fewer than one in ten of the lines that
 * are not.  ("None at all" would refuse real GB18030 files: about one
 * two-byte GB18030 character in seven is also a valid UTF-8 sequence, so a
 * short line now and then is valid UTF-8 by chance; a UTF-8 file with a stray
 * Latin-1 byte, by contrast, has a valid line for every line with Chinese.)
 * Lines that then do not decode are bad records, never U+FFFD. */
static int looks_utf8(const unsigned char *s, size_t n)
{
    int inc;
    if (pm_utf8_valid_prefix(s, n, &inc) == n || inc) {
        /* valid, or valid up to a character cut at the very end */
        size_t v = pm_utf8_valid_prefix(s, n, &inc);
        if (v == n || (inc && n - v < 4)) return 1;
    }
    size_t i = 0, valid_mb = 0, invalid = 0, gb_bad = 0;
    iconv_t gb = iconv_open("UTF-8", "GB18030");
    if (gb == (iconv_t)-1) return 1;
    while (i < n) {
        const unsigned char *nl = memchr(s + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        int high = 0;
        for (size_t k = 0; k < len && !high; k++) high = s[i + k] >= 0x80;
        if (high) {
            size_t v = pm_utf8_valid_prefix(s + i, len, &inc);
            if (v == len)
                valid_mb++;
            else if (!(inc && !nl))
                invalid++;
            if (!gb18030_line_ok(gb, s + i, len, nl != NULL)) gb_bad++;
        }
        i += len;
    }
    iconv_close(gb);
    if (gb_bad * 10 > invalid) return 1;
    return valid_mb * 10 >= invalid;
}

/* Whether the start looks like UTF-16: a byte-order mark, or NUL bytes in a
 * quarter of the first 512 bytes (ASCII text in UTF-16 is half NUL). */
static int looks_utf16(const unsigned char *s, size_t n)
{
    if (n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) return 1;
    size_t m = n < 512 ? n : 512, nul = 0;
    for (size_t i = 0; i < m; i++) nul += s[i] == 0;
    return m >= 4 && nul * 4 >= m;
}

/* Reads the first chunk, chooses the encoding, strips a BOM. */
int pmr_src_start(pm_reader *rd, pm_error *err)
{
    if (src_read(rd, err) < 0) return -1;
    const char *enc = rd->opts.encoding;
    int bom = rd->rawlen >= 3 && !memcmp(rd->raw, "\xef\xbb\xbf", 3);
    int is_auto = !enc || !*enc || !strcasecmp(enc, "auto");
    if ((is_auto || is_utf8_name(enc)) && !bom && looks_utf16(rd->raw, rd->rawlen)) {
        pm_error_set(err, rd->name, 0, "the input looks like UTF-16 (%s); read it with --encoding=UTF-16",
                     rd->rawlen >= 2 && (rd->raw[0] == 0xff || rd->raw[0] == 0xfe) ? "a UTF-16 byte-order mark"
                                                                                   : "NUL bytes all through its start");
        return -1;
    }
    if (is_auto) {
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

/* The first line start at or after byte at of the file (size: its size). */
static off_t line_start_from(int fd, off_t at, off_t size, unsigned char *buf, size_t cap)
{
    if (at <= 0) return 0;
    off_t p = at - 1; /* a line starts at `at` when the byte before is a LF */
    while (p < size) {
        ssize_t r = pread(fd, buf, cap, p);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return size;
        const unsigned char *nl = memchr(buf, '\n', (size_t)r);
        if (nl) return p + (nl - buf) + 1;
        p += r;
    }
    return size;
}

/* The lines above a block, counted when one of its lines is first shown
 * (pm_line_shown): one block a process, the first whose lines are not
 * counted at once (a second block, which no program reads, is counted at
 * once).  The file stays open for it (a copy of the reader's descriptor). */
static struct {
    int fd;
    off_t from;
    char name[256];
} above = {-1, 0, ""};

static long count_above(void)
{
    long n = 0;
    unsigned char *buf = pm_xmalloc(CHUNK);
    if (count_lines(above.fd, 0, above.from, buf, CHUNK, &n) < 0) {
        pm_warn_at(above.name, 0,
                   "cannot count the lines before byte %lld (%s): the block's lines are shown counted "
                   "from its first line",
                   (long long)above.from, errno ? strerror(errno) : "the file changed");
        n = 0;
    }
    free(buf);
    return n;
}

/* --byte-range (after pmr_src_start and format detection, which saw the
 * file's start): the reader starts again from the file's first byte and
 * reads its header line (CSV, TSV; with range_header_lines, that many
 * first lines: titles, then the header), then the lines that start in
 * [range_start, range_end), their first one numbered as in the file.  The
 * lines of a file split into consecutive ranges are each read once, by the
 * range they start in.  A line end is one byte 0x0A, also in GB18030. */
int pmr_src_range(pm_reader *rd, pm_error *err)
{
    struct stat st;
    if (rd->opts.range_start < 0) { /* pm_inputs_init: several inputs */
        pm_error_set(err, rd->name, 0, "--byte-range reads one input file, not several");
        return -1;
    }
    if (fstat(rd->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        pm_error_set(err, rd->name, 0, "--byte-range reads a regular file, which this is not");
        return -1;
    }
    const char *e = rd->encname ? rd->encname : "UTF-8";
    if (!is_utf8_name(e) && strncasecmp(e, "GB", 2) && strcasecmp(e, "CP936")) {
        /* (a line end is not the byte 0x0A alone: refused as a range that
         * cannot be read, so that pm-cluster runs one process) */
        char why[160];
        snprintf(why, sizeof why, "its encoding is %.60s (byte ranges read UTF-8 and GB18030)", e);
        return range_refused(rd, err, why);
    }
    off_t size = st.st_size;
    /* the file's first chunk, as bytes: read again, since what the reader
     * holds now may be past it (a decoded input's bytes went to iconv,
     * which left none in raw: a GB18030 file's header was never found) */
    ssize_t got;
    do got = pread(rd->fd, rd->raw, CHUNK, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
        pm_error_set(err, rd->name, 0, "read error: %s", strerror(errno));
        return -1;
    }
    rd->rawlen = (size_t)got;
    /* the byte-order mark */
    off_t bom = 0;
    if (rd->rawlen >= 3 && !memcmp(rd->raw, "\xef\xbb\xbf", 3))
        bom = 3;
    else if (rd->cd != (iconv_t)-1 && rd->rawlen >= 4 && !memcmp(rd->raw, "\x84\x31\x95\x33", 4))
        bom = 4;
    off_t h = bom; /* the end of the header line (or of the lines every range reads) */
    long nhead = rd->opts.range_header_lines > 1 ? rd->opts.range_header_lines : 1;
    for (long k = 0; k < nhead && rd->format != PM_FMT_YAML && h < size; k++) {
        const unsigned char *nl = memchr(rd->raw + h, '\n', rd->rawlen - (size_t)h);
        if (nl)
            h = nl - rd->raw + 1;
        else if ((off_t)rd->rawlen >= size)
            h = size;
        else {
            pm_error_set(err, rd->name, 1, "--byte-range: %s longer than %d KiB",
                         nhead > 1 ? "the lines down to the header are" : "the header line is", CHUNK / 1024);
            return -1;
        }
    }
    off_t from = line_start_from(rd->fd, rd->opts.range_start, size, rd->raw, CHUNK);
    off_t to = rd->opts.range_end >= size ? size : line_start_from(rd->fd, rd->opts.range_end, size, rd->raw, CHUNK);
    if (from < h) from = h;
    if (to < from) to = from;
    /* the line of byte `from`: the line ends before it, counted, past the
     * header's at once, further in when one of the block's lines is shown
     * (PM_LINE_LAZY; the count reads every byte before the block, which a
     * block of a large file on a host far from it pays for every time) */
    long line;
    if (from > h && above.fd < 0 && (above.fd = fcntl(rd->fd, F_DUPFD_CLOEXEC, 0)) >= 0) {
        above.from = from;
        snprintf(above.name, sizeof above.name, "%s", rd->name);
        pm_line_set_counter(count_above);
        line = PM_LINE_LAZY + 1;
    } else if (count_lines(rd->fd, 0, from, rd->raw, CHUNK, &line) < 0) {
        pm_error_set(err, rd->name, 0, "read error: %s", errno ? strerror(errno) : "the file changed while read");
        return -1;
    } else {
        line++;
    }
    /* start again: nothing read yet */
    rd->rawlen = 0;
    rd->declen = rd->decpos = 0;
    rd->eof = 0;
    if (rd->cd != (iconv_t)-1) {
        iconv(rd->cd, NULL, NULL, NULL, NULL);
        rd->decode_errors = 0;
        rd->validate_utf8 = 0;
    } else {
        rd->dec = rd->raw;
    }
    rd->seg_at[0] = bom;
    rd->seg_end[0] = h;
    rd->seg_at[1] = from;
    rd->seg_end[1] = to;
    rd->nseg = 2;
    rd->cur_seg = 0;
    rd->range_line = line;
    rd->range_from = from;
    rd->range_inner = to < size;
    rd->range_cr = 0;
    if (rd->format == PM_FMT_YAML) { /* no header: segment 1 from the start, its first line numbered */
        rd->cur_seg = 1;
        rd->line = line;
    }
    return 0;
}

/* Appends a then b (the physical lines of a bad record) to out as valid
 * UTF-8: the final line end dropped, bytes that are not valid UTF-8 escaped
 * as \xHH, NUL as \x00, a backslash left as it is.  In decoded input
 * (iconv), a 0xFF byte marks the next byte as one the input encoding could
 * not decode (src_convert): the marker is dropped and the byte escaped. */
void pmr_raw_escape(const pm_reader *rd, pm_buf *out, const unsigned char *a, size_t na, const unsigned char *b,
                    size_t nb)
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
            size_t v = pm_utf8_valid_prefix(s + i, n - i, &inc);
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
