/* test_stream.c - specification of lib/stream.h (docs/CONTRACT.md section 1): the CSV
 * and YAML readers (encodings, BOM, CRLF, quoting, bad records with their
 * lines, chunk boundaries), format detection, the CSV and YAML writers (quoting
 * only when needed, and every written value reading back as the same text),
 * atomic output, and iteration over several inputs.
 *
 * Every test writes its files into its own mkdtemp folder. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stream.h"

/* ---- helpers ------------------------------------------------------------- */

static char tmpdir[256];

static void mk_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/pm-test-stream-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void rm_tmp(void)
{
    if (!tmpdir[0]) return;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
}

/* A path in the test's folder (rotating static buffers). */
static const char *tpath(const char *name)
{
    static char bufs[8][600];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 600, "%s/%s", tmpdir, name);
    return b;
}

static const char *write_bytes(const char *name, const void *data, size_t len)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot write %s", p);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

static const char *write_str(const char *name, const char *s) { return write_bytes(name, s, strlen(s)); }

/* The whole file, NUL-terminated (free()); *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    pm_buf b = PM_BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) pm_buf_add(&b, tmp, n);
    fclose(f);
    if (len) *len = b.len;
    return pm_buf_detach(&b);
}

/* UTF-8 -> another encoding with iconv (free()). */
static char *to_enc(const char *enc, const char *s, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open(enc, "UTF-8");
    cr_assert_neq(cd, (iconv_t)-1, "iconv %s", enc);
    size_t cap = len * 4 + 16;
    char *out = pm_xmalloc(cap), *o = out, *in = (char *)s;
    size_t inleft = len, outleft = cap;
    cr_assert_neq(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1, "iconv: %s", strerror(errno));
    iconv_close(cd);
    *outlen = (size_t)(o - out);
    return out;
}

#define MAXREC 64

/* Everything a reader gave: per record its status, line and a dump
 * "name=value|name=value"; the message of bad ones. */
typedef struct result {
    int n;
    int st[MAXREC];
    long line[MAXREC];
    char *rec[MAXREC];
    char msg[MAXREC][1024];
    char *raw[MAXREC];  /* pm_reader_raw of bad records */
    long errline[MAXREC];
    char *warn[MAXREC]; /* warnings, "LINE: message" */
    int nwarn;
    int final;          /* PM_READ_EOF or PM_READ_FATAL */
    char final_msg[1024];
    long final_line;
    pm_format format;
} result;

/* The dumps stay reachable from here until the test's process ends (each
 * test runs in a process of its own), so tests need not free results. */
static char *dumps[8192];
static size_t ndumps;

static char *dump_record(const pm_record *r, int st)
{
    pm_buf b = PM_BUF_INIT;
    for (size_t i = 0; i < r->n; i++) {
        if (i) pm_buf_addc(&b, '|');
        pm_buf_addf(&b, "%s=%s", r->f[i].name, r->f[i].value);
        if (st == PM_READ_OK)
            cr_assert_eq(strlen(r->f[i].value), r->f[i].len, "len of field %s", r->f[i].name);
    }
    char *d = pm_buf_detach(&b);
    if (ndumps < sizeof dumps / sizeof *dumps) dumps[ndumps++] = d;
    return d;
}

/* A copy kept in dumps: s, or "LINE: msg" when line >= 0. */
static char *keep_str(const char *s, long line, const char *msg)
{
    pm_buf b = PM_BUF_INIT;
    if (line >= 0) pm_buf_addf(&b, "%ld: %s", line, msg);
    else pm_buf_adds(&b, s);
    char *d = pm_buf_detach(&b);
    if (ndumps < sizeof dumps / sizeof *dumps) dumps[ndumps++] = d;
    return d;
}

static result read_path(const char *path, const pm_read_opts *opts)
{
    result res;
    memset(&res, 0, sizeof res);
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(path, opts, &err);
    cr_assert_not_null(rd, "open %s: %s", path, err.msg);
    res.format = pm_reader_format(rd);
    pm_record rec;
    pm_record_init(&rec);
    for (;;) {
        int st = pm_reader_next(rd, &rec, &err);
        if (st == PM_READ_EOF || st == PM_READ_FATAL) {
            res.final = st;
            pm_error w;
            while (pm_reader_take_warning(rd, &w) && res.nwarn < MAXREC)
                res.warn[res.nwarn++] = keep_str(NULL, w.line, w.msg);
            snprintf(res.final_msg, sizeof res.final_msg, "%s", err.msg);
            res.final_line = err.line;
            break;
        }
        cr_assert_lt(res.n, MAXREC, "too many records");
        res.st[res.n] = st;
        res.line[res.n] = rec.line;
        res.rec[res.n] = dump_record(&rec, st);
        pm_error w;
        while (pm_reader_take_warning(rd, &w) && res.nwarn < MAXREC)
            res.warn[res.nwarn++] = keep_str(NULL, w.line, w.msg);
        if (st == PM_READ_BAD) {
            size_t rl;
            const char *raw = pm_reader_raw(rd, &rl);
            cr_assert_eq(strlen(raw), rl, "raw text has no NUL");
            res.raw[res.n] = keep_str(raw, -1, NULL);
            snprintf(res.msg[res.n], sizeof res.msg[res.n], "%s", err.msg);
            res.errline[res.n] = err.line;
            cr_assert_str_eq(err.file, path, "a bad record's error names the file");
        } else {
            cr_assert_str_eq(rec.source, path);
        }
        res.n++;
    }
    pm_record_free(&rec);
    pm_reader_close(rd);
    return res;
}

static result read_str(const char *s, const pm_read_opts *opts)
{
    static int k;
    char name[32];
    snprintf(name, sizeof name, "in%d", k++);
    return read_path(write_str(name, s), opts);
}

static result read_bytes(const void *s, size_t len, const pm_read_opts *opts)
{
    static int k;
    char name[32];
    snprintf(name, sizeof name, "bin%d", k++);
    return read_path(write_bytes(name, s, len), opts);
}

static const pm_read_opts CSV = {.format = PM_FMT_CSV};
static const pm_read_opts YAML = {.format = PM_FMT_YAML};
static const pm_read_opts AUTO = {.format = PM_FMT_AUTO};

#define expect_ok(res, i, want) do { \
        cr_assert_gt((res).n, (i), "record %d missing (final: %s)", (i), (res).final_msg); \
        cr_expect_eq((res).st[i], PM_READ_OK, "record %d: %s", (i), (res).msg[i]); \
        cr_expect_str_eq((res).rec[i], (want), "record %d", (i)); \
    } while (0)

#define expect_bad(res, i, want, msgpart) do { \
        cr_assert_gt((res).n, (i), "record %d missing (final: %s)", (i), (res).final_msg); \
        cr_expect_eq((res).st[i], PM_READ_BAD, "record %d should be bad", (i)); \
        cr_expect_str_eq((res).rec[i], (want), "record %d", (i)); \
        cr_expect_not_null(strstr((res).msg[i], (msgpart)), "record %d message '%s' lacks '%s'", \
                           (i), (res).msg[i], (msgpart)); \
    } while (0)

/* Records written by a writer to a file in the test folder, as bytes. */
static char *write_records(pm_format fmt, const pm_record *recs, size_t n)
{
    static int k;
    char name[32];
    snprintf(name, sizeof name, "out%d", k++);
    const char *p = tpath(name);
    pm_error err;
    pm_writer *w = pm_writer_open(p, fmt, &err);
    cr_assert_not_null(w, "%s", err.msg);
    for (size_t i = 0; i < n; i++) cr_assert_eq(pm_writer_write(w, &recs[i], &err), 0, "%s", err.msg);
    cr_assert_eq(pm_writer_count(w), n);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    char *s = slurp(p, NULL);
    cr_assert_not_null(s);
    return s;
}

/* One record from "name", "value", ... NULL. */
static pm_record mkrec(const char *first, ...)
{
    pm_record r;
    pm_record_init(&r);
    va_list ap;
    va_start(ap, first);
    for (const char *nm = first; nm; nm = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        pm_record_add(&r, nm, v, strlen(v));
    }
    va_end(ap);
    return r;
}

static void free_recs(pm_record *r, size_t n)
{
    for (size_t i = 0; i < n; i++) pm_record_free(&r[i]);
}

static int count_dir_entries(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static int round_trip_ok(pm_format fmt, const char *v);

TestSuite(csv_reader, .init = mk_tmp, .fini = rm_tmp);
TestSuite(yaml_reader, .init = mk_tmp, .fini = rm_tmp);
TestSuite(detect, .init = mk_tmp, .fini = rm_tmp);
TestSuite(encoding, .init = mk_tmp, .fini = rm_tmp);
TestSuite(csv_writer, .init = mk_tmp, .fini = rm_tmp);
TestSuite(yaml_writer, .init = mk_tmp, .fini = rm_tmp);
TestSuite(round_trip, .init = mk_tmp, .fini = rm_tmp);
TestSuite(atomic_output, .init = mk_tmp, .fini = rm_tmp);
TestSuite(inputs, .init = mk_tmp, .fini = rm_tmp);

/* ---- CSV reader ------------------------------------------------------------ */

Test(csv_reader, header_names_the_fields)
{
    result r = read_str("id,kind,unit\nT1,repair,12-3-1502\nT2,noise,1-1-101\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|kind=repair|unit=12-3-1502");
    expect_ok(r, 1, "id=T2|kind=noise|unit=1-1-101");
    cr_assert_eq(r.final, PM_READ_EOF);
    cr_assert_eq(r.line[0], 2);
    cr_assert_eq(r.line[1], 3);
}

Test(csv_reader, header_is_available_after_first_next)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("h.csv", " id , 名称\nx,y\n"), &CSV, &err);
    cr_assert_not_null(rd);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    size_t n;
    const char *const *h = pm_reader_header(rd, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(h[0], "id", "header names are trimmed");
    cr_assert_str_eq(h[1], "名称");
    cr_assert_str_eq(pm_reader_name(rd), tpath("h.csv"));
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(csv_reader, quoted_fields_and_doubled_quotes)
{
    result r = read_str("a,b,c\n\"x\",\"say \"\"hi\"\"\",\"\"\n", &CSV);
    expect_ok(r, 0, "a=x|b=say \"hi\"|c=");
}

Test(csv_reader, embedded_delimiter_and_newline_kept)
{
    result r = read_str("a,b\n\"1,5\",\"line1\nline2\"\n\"crlf\r\nin\",z\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1,5|b=line1\nline2");
    expect_ok(r, 1, "a=crlf\r\nin|b=z");
}

Test(csv_reader, fold_newlines_turns_line_breaks_into_spaces)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .fold_newlines = 1};
    result r = read_str("a,b\n\"1,5\",\"line1\nline2\"\n\"crlf\r\nin\",\"cr\ronly\"\nplain,row\n", &o);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1,5|b=line1 line2");
    expect_ok(r, 1, "a=crlf in|b=cr only");
    expect_ok(r, 2, "a=plain|b=row");
}

/* BUG: csv_next (lib/reader.c) looks for a CR that asks for folding in
 * memchr(s, '\r', seg - 2), assuming every segment ends in "\n" or "\r\n";
 * the last line of a file without a final newline has neither, so a CR in
 * its last two bytes ('1,"x\r"') stays in the value and pm-ingest writes a
 * line break (docs/CONTRACT.md section 1: one record per line).  Fix: exclude only
 * the line end actually present (nl ? 1 or 2 bytes : 0). */
Test(csv_reader, fold_newlines_on_last_line_without_newline)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .fold_newlines = 1};
    result r = read_str("a,b\n1,\"x\r\"", &o);
    expect_ok(r, 0, "a=1|b=x ");
    r = read_str("a\n\"\r\"", &o);
    expect_ok(r, 0, "a= ");
}

Test(csv_reader, crlf_and_bom_are_invisible)
{
    result r = read_str("\xef\xbb\xbfid,name\r\nT1,张三\r\nT2,李四\r\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|name=张三");
    expect_ok(r, 1, "id=T2|name=李四");
    cr_assert_eq(r.line[1], 3);
}

Test(csv_reader, bom_with_explicit_csv_and_utf8)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "UTF-8"};
    result r = read_str("\xef\xbb\xbfid\nA\n", &o);
    expect_ok(r, 0, "id=A");
}

Test(csv_reader, blank_lines_are_skipped)
{
    result r = read_str("\na,b\n\n1,2\n\r\n\n3,4\n\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1|b=2");
    expect_ok(r, 1, "a=3|b=4");
    cr_assert_eq(r.line[0], 4);
    cr_assert_eq(r.line[1], 7);
}

Test(csv_reader, spaces_around_values_are_preserved)
{
    result r = read_str("a,b,c\n  a  , b,\t\n", &CSV);
    expect_ok(r, 0, "a=  a  |b= b|c=\t");
}

/* BUG: csv_pop (lib/reader.c) sets qhead = 0 when the queue empties even
 * while a record is half built (rd->building points at q[old qhead+qlen]);
 * csv_cb_row then files the finished row under q[qhead+qlen] = q[0], an
 * empty slot.  It happens when one line segment ends rows (at a CR) and
 * starts another: CR-only line ends (old Mac Excel "CSV (Macintosh)"), or a
 * stray CR in an unquoted last line.  The reader returns an empty record
 * (source NULL, line 0) and loses the real one; in a big CR-only file, one
 * record at every 256 KiB chunk.  Fix: in csv_pop, reset qhead only when
 * !rd->building. */
Test(csv_reader, cr_only_line_ends)
{
    result r = read_str("a,b\r1,2\r3,4\r5,6", &AUTO);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1|b=2");
    expect_ok(r, 1, "a=3|b=4");
    expect_ok(r, 2, "a=5|b=6");
}

/* BUG: csv_next (lib/reader.c) counts lines only at '\n', so in a file with
 * CR line ends every record (and every error) is reported at line 1.
 * Fix: count a CR that is not followed by LF, outside quotes, as a line end
 * too (or note the line of each row start from the CRs seen in the segment). */
Test(csv_reader, cr_only_line_numbers)
{
    result r = read_str("a,b\r1,2\r3\r4,5\r", &CSV);
    cr_assert_eq(r.n, 3);
    cr_expect_eq(r.line[0], 2);
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_eq(r.errline[1], 3, "the short row is on line 3, reported at %ld", r.errline[1]);
    cr_expect_eq(r.line[2], 4);
}

Test(csv_reader, stray_cr_in_unquoted_last_line)
{
    result r = read_str("a,b\n1,x\ry,2", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1|b=x");
    expect_ok(r, 1, "a=y|b=2");
}

Test(csv_reader, big_cr_only_file_loses_nothing)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "n,v\r");
    for (int i = 0; i < 30000; i++) pm_buf_addf(&b, "%d,vvvvvvvvvvvvvvvvvvvv\r", i);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("mac.csv", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    char want[16];
    while ((st = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
        snprintf(want, sizeof want, "%d", i);
        cr_assert_eq(st, PM_READ_OK, "record %d: %s", i, err.msg);
        cr_assert_str_eq(pm_record_value(&rec, "n"), want);
        i++;
    }
    cr_assert_eq(i, 30000);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(csv_reader, last_line_without_newline)
{
    result r = read_str("a,b\n1,2", &CSV);
    cr_assert_eq(r.n, 1);
    expect_ok(r, 0, "a=1|b=2");
}

Test(csv_reader, empty_fields_are_empty_values)
{
    result r = read_str("a,b,c\n,,\n", &CSV);
    expect_ok(r, 0, "a=|b=|c=");
}

Test(csv_reader, short_row_is_bad_and_padded)
{
    result r = read_str("a,b,c\n1,2\n4,5,6\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=1|b=2|c=", "2 fields where the header has 3");
    cr_assert_eq(r.errline[0], 2);
    cr_assert_eq(r.line[0], 2);
    expect_ok(r, 1, "a=4|b=5|c=6");
}

Test(csv_reader, long_row_is_bad_and_keeps_extra_fields)
{
    result r = read_str("a,b\n1,2,3\n4,5\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=1|b=2|_3=3", "3 fields where the header has 2");
    cr_assert_eq(r.errline[0], 2);
    expect_ok(r, 1, "a=4|b=5");
}

/* Issue 12: the quote that is never closed takes only its own line; the
 * lines after it are read again as records. */
Test(csv_reader, unterminated_quote_at_eof_is_bad_with_its_line)
{
    result r = read_str("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n", &CSV);
    cr_assert_eq(r.n, 4);
    expect_ok(r, 0, "a=1|b=2");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[1], "unterminated"), "%s", r.msg[1]);
    cr_assert_eq(r.errline[1], 3, "the record starting line");
    cr_assert_str_eq(r.raw[1], "3,\"never closed");
    expect_ok(r, 2, "a=4|b=5");
    cr_assert_eq(r.line[2], 4);
    expect_ok(r, 3, "a=6|b=7");
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(csv_reader, nul_byte_makes_record_bad)
{
    static const char in[] = "a,b\nx\0y,2\n3,4\n";
    result r = read_bytes(in, sizeof in - 1, &CSV);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[0], "NUL"), "%s", r.msg[0]);
    cr_assert_eq(r.errline[0], 2);
    expect_ok(r, 1, "a=3|b=4");
}

Test(csv_reader, invalid_utf8_makes_record_bad)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "utf-8"};
    result r = read_str("a,b\nok,\xff\xfe\n\xe4\xb8,x\n\xe4\xb8\xad,\xed\xa0\x80\n\xe4\xb8\xad,ok\n", &o);
    cr_assert_eq(r.n, 4);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[0], "UTF-8"), "%s", r.msg[0]);
    cr_expect_eq(r.st[1], PM_READ_BAD, "a truncated sequence");
    cr_expect_eq(r.st[2], PM_READ_BAD, "an encoded surrogate");
    expect_ok(r, 3, "a=中|b=ok");
}

Test(csv_reader, field_over_max_field_is_bad)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .max_field = 10};
    result r = read_str("a,b\n0123456789,x\n0123456789A,y\n\"01234\n6789AB\",z\n\"0123456789ABCDEF\nG\",w\nok,v\n", &o);
    cr_assert_eq(r.n, 5);
    expect_ok(r, 0, "a=0123456789|b=x");
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[1], "limit of 10 bytes"), "%s", r.msg[1]);
    cr_expect_eq(r.errline[1], 3);
    cr_expect_eq(r.st[2], PM_READ_BAD, "a multi-line field over the limit");
    cr_expect_eq(r.st[3], PM_READ_BAD, "a field over the limit within its first line");
    cr_expect_eq(r.errline[3], 6);
    expect_ok(r, 4, "a=ok|b=v");
    cr_expect_eq(r.line[4], 8);
}

Test(csv_reader, record_lines_count_multiline_fields)
{
    result r = read_str("a,b\n1,\"x\ny\nz\"\n2,\"\"\"q\"\"\n\"\n3,3\n", &CSV);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.line[0], 2);
    cr_assert_eq(r.line[1], 5);
    cr_assert_eq(r.line[2], 7);
    expect_ok(r, 1, "a=2|b=\"q\"\n");
}

Test(csv_reader, custom_delimiter)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .delimiter = ';'};
    result r = read_str("a;b\n1,5;\"x;y\"\n", &o);
    expect_ok(r, 0, "a=1,5|b=x;y");
    pm_read_opts a = {.format = PM_FMT_AUTO, .delimiter = ';'};
    r = read_str("工单号;内容\nT1;噪音, 很吵\n", &a);
    expect_ok(r, 0, "工单号=T1|内容=噪音, 很吵");
}

Test(csv_reader, tsv_is_read_with_tabs)
{
    result r = read_str("id\tname\tnote\nT1\t张三\ta,b\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_TSV);
    expect_ok(r, 0, "id=T1|name=张三|note=a,b");
    pm_read_opts t = {.format = PM_FMT_TSV};
    r = read_str("x\ty\n1\t2\n", &t);
    expect_ok(r, 0, "x=1|y=2");
}

Test(csv_reader, header_only_gives_eof)
{
    result r = read_str("a,b,c\n", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("a,b,c", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(csv_reader, empty_input_gives_eof)
{
    result r = read_str("", &AUTO);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("", &CSV);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("\n\n\r\n", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("\xef\xbb\xbf", &AUTO);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(csv_reader, eof_is_sticky)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("s.csv", "a\n1\n"), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(csv_reader, missing_file_fails_to_open_with_its_name)
{
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(tpath("nope.csv"), NULL, &err);
    cr_assert_null(rd);
    cr_assert_str_eq(err.file, tpath("nope.csv"));
    cr_assert_not_null(strstr(err.msg, "cannot open"), "%s", err.msg);
}

Test(csv_reader, record_memory_survives_until_next_call)
{
    /* Header names live in the reader; values in the record. */
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("m.csv", "k,v\n1,one\n2,two\n3,three\n"), &CSV, &err);
    pm_record a, b;
    pm_record_init(&a);
    pm_record_init(&b);
    cr_assert_eq(pm_reader_next(rd, &a, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &b, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&a, "v"), "one");
    cr_assert_str_eq(pm_record_value(&b, "v"), "two");
    cr_assert_eq(pm_reader_next(rd, &a, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&a, "v"), "three");
    cr_assert_str_eq(pm_record_value(&b, "v"), "two");
    pm_record_free(&a);
    pm_record_free(&b);
    pm_reader_close(rd);
}

Test(csv_reader, many_records_in_one_stream)
{
    pm_buf in = PM_BUF_INIT;
    pm_buf_adds(&in, "n,sq\n");
    for (int i = 0; i < 50000; i++) pm_buf_addf(&in, "%d,%d\n", i, (int)((long long)i * i % 1000));
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("many.csv", in.s, in.len), NULL, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    char want[32];
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        snprintf(want, sizeof want, "%d", i);
        cr_assert_str_eq(pm_record_value(&rec, "n"), want);
        cr_assert_eq(rec.line, i + 2);
        i++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(i, 50000);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&in);
}

/* ---- chunk boundaries (the reader reads 256 KiB at a time) ------------------ */

#define CHUNK_SIZE (256 * 1024)

/* A CSV of Chinese rows longer than two chunks, padded so that a chunk
 * boundary falls inside a three-byte character (at its second byte). */
static void chinese_csv(pm_buf *b, int *nrows)
{
    const char *desc = "楼上装修噪音很吵，请尽快处理";  /* 3-byte characters only */
    for (int pad = 0; pad < 3; pad++) {
        pm_buf_reset(b);
        pm_buf_adds(b, "id,desc\n");
        for (int i = 0; i < pad; i++) pm_buf_addc(b, 'x');
        int n = 0;
        while (b->len < 2 * CHUNK_SIZE + 5000) {
            pm_buf_addf(b, "R%06d,%s\n", n, desc);
            n++;
        }
        *nrows = n;
        unsigned char c = (unsigned char)b->s[CHUNK_SIZE];
        unsigned char p = (unsigned char)b->s[CHUNK_SIZE - 1];
        if ((c & 0xc0) == 0x80 && (p & 0xe0) == 0xe0) return;  /* boundary after a lead byte */
    }
    cr_assert_fail("could not place the boundary inside a character");
}

static void check_chinese_rows(const char *path, const pm_read_opts *o, int nrows)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(path, o, &err);
    cr_assert_not_null(rd, "%s", err.msg);
    cr_assert_eq(pm_reader_format(rd), PM_FMT_CSV);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    while ((st = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
        cr_assert_eq(st, PM_READ_OK, "row %d line %ld: %s", i, err.line, err.msg);
        cr_assert_str_eq(pm_record_value(&rec, "desc"), "楼上装修噪音很吵，请尽快处理", "row %d (line %ld)", i, rec.line);
        cr_assert_eq(rec.line, i + 2);
        i++;
    }
    cr_assert_eq(i, nrows);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* BUG: src_start (lib/reader.c) picks GB18030 when the first 256 KiB chunk
 * ends inside a UTF-8 character: utf8_valid_prefix() reports the truncated
 * tail via *incomplete, which "auto" ignores. */
Test(encoding, utf8_chunk_boundary_inside_character_auto)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    check_chinese_rows(write_bytes("zh.csv", b.s, b.len), &AUTO, nrows);
    pm_buf_free(&b);
}

Test(encoding, utf8_chunk_boundary_inside_character_explicit)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    pm_read_opts o = {.encoding = "UTF-8"};
    check_chinese_rows(write_bytes("zh.csv", b.s, b.len), &o, nrows);
    pm_buf_free(&b);
}

Test(encoding, yaml_utf8_chunk_boundary_inside_character)
{
    pm_buf b = PM_BUF_INIT;
    int n = 0;
    for (int pad = 0; pad < 3; pad++) {
        pm_buf_reset(&b);
        for (int i = 0; i < pad; i++) pm_buf_addc(&b, ' ');
        n = 0;
        while (b.len < CHUNK_SIZE + 5000) {
            pm_buf_adds(&b, "--- {v: 楼上装修噪音很吵请尽快处理}\n");
            n++;
        }
        if (((unsigned char)b.s[CHUNK_SIZE] & 0xc0) == 0x80) break;
    }
    cr_assert_eq((unsigned char)b.s[CHUNK_SIZE] & 0xc0, 0x80, "boundary inside a character");
    pm_read_opts o = {.format = PM_FMT_YAML, .encoding = "UTF-8"};
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("zh.yaml", b.s, b.len), &o, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        cr_assert_str_eq(pm_record_value(&rec, "v"), "楼上装修噪音很吵请尽快处理", "record %d", i);
        i++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(i, n);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(encoding, gb18030_chunk_boundary_inside_character)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    size_t glen;
    char *g = to_enc("GB18030", b.s, b.len, &glen);
    /* make a chunk boundary split a two-byte GB18030 character */
    int shift = 0;
    for (; shift < 2; shift++) {
        size_t lead = 0;
        /* walk characters up to the boundary */
        size_t i = (size_t)shift;
        while (i < CHUNK_SIZE) {
            lead = i;
            i += ((unsigned char)g[i] >= 0x81) ? 2 : 1;
        }
        if (i == CHUNK_SIZE + 1 && lead == CHUNK_SIZE - 1) break;
    }
    pm_buf pad = PM_BUF_INIT;
    pm_buf_add(&pad, g, 8);                 /* "id,desc\n" */
    for (int k = 0; k < shift; k++) pm_buf_addc(&pad, 'x');
    pm_buf_add(&pad, g + 8, glen - 8);
    const char *p = write_bytes("gb.csv", pad.s, pad.len);
    pm_read_opts o = {.encoding = "GB18030"};
    check_chinese_rows(p, &o, nrows);
    check_chinese_rows(p, &AUTO, nrows);
    free(g);
    pm_buf_free(&pad);
    pm_buf_free(&b);
}

Test(csv_reader, record_spanning_the_read_chunk)
{
    /* A quoted multi-line field that crosses byte 256 KiB, then more rows. */
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,text\n");
    int n = 0;
    while (b.len < CHUNK_SIZE - 1000) pm_buf_addf(&b, "%d,filler row\n", n++);
    pm_buf big = PM_BUF_INIT;
    for (int i = 0; i < 300; i++) pm_buf_addf(&big, "line %d \"quoted\", comma\n", i);
    pm_buf_addf(&b, "%d,\"", n);
    for (size_t i = 0; i < big.len; i++) {
        if (big.s[i] == '"') pm_buf_addc(&b, '"');
        pm_buf_addc(&b, big.s[i]);
    }
    pm_buf_adds(&b, "\"\nlast,row\n");
    cr_assert_gt(b.len, CHUNK_SIZE);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("span.csv", b.s, b.len), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    for (int i = 0; i < n; i++) cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_eq(rec.line, n + 2);
    cr_assert_str_eq(pm_record_value(&rec, "text"), big.s);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "id"), "last");
    cr_assert_eq(rec.line, n + 2 + 300 + 1);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
    pm_buf_free(&big);
}

Test(csv_reader, unquoted_line_spanning_the_read_chunk)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "a,b\n");
    while (b.len < CHUNK_SIZE - 10) pm_buf_adds(&b, "x,y\n");
    pm_buf_adds(&b, "0123456789abcdefghij,");
    for (int i = 0; i < 100; i++) pm_buf_adds(&b, "长");
    pm_buf_adds(&b, "\nend,end\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("span2.csv", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    int st;
    const char *last_a = NULL;
    char keep[64] = "";
    int n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        n++;
        last_a = pm_record_value(&rec, "a");
        if (!strcmp(last_a, "0123456789abcdefghij")) {
            snprintf(keep, sizeof keep, "%s", last_a);
            cr_assert_eq(pm_record_value(&rec, "b")[0], "长"[0]);
            cr_assert_eq(strlen(pm_record_value(&rec, "b")), 300);
        }
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_str_eq(keep, "0123456789abcdefghij");
    cr_assert_str_eq(last_a, "end");
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

/* ---- encodings -------------------------------------------------------------- */

static const char *ZH_CSV = "工单号,类别,内容\nT1,噪音,楼上装修噪音，晚上十点还在吵\nT2,维修,家里水管漏水\n";

Test(encoding, gb18030_auto_detected)
{
    size_t len;
    char *g = to_enc("GB18030", ZH_CSV, strlen(ZH_CSV), &len);
    result r = read_bytes(g, len, &AUTO);
    cr_assert_eq(r.format, PM_FMT_CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "工单号=T1|类别=噪音|内容=楼上装修噪音，晚上十点还在吵");
    expect_ok(r, 1, "工单号=T2|类别=维修|内容=家里水管漏水");
    free(g);
}

Test(encoding, gb18030_and_gbk_explicit)
{
    size_t len;
    char *g = to_enc("GBK", ZH_CSV, strlen(ZH_CSV), &len);
    pm_read_opts o = {.encoding = "GB18030"};
    result r = read_bytes(g, len, &o);
    expect_ok(r, 1, "工单号=T2|类别=维修|内容=家里水管漏水");
    pm_read_opts k = {.encoding = "gbk"};
    r = read_bytes(g, len, &k);
    expect_ok(r, 0, "工单号=T1|类别=噪音|内容=楼上装修噪音，晚上十点还在吵");
    free(g);
}

Test(encoding, gb18030_crlf_multiline_fields)
{
    const char *s = "工单号,内容\r\nT1,\"第一行\r\n第二行\"\r\nT2,好\r\n";
    size_t len;
    char *g = to_enc("GB18030", s, strlen(s), &len);
    pm_read_opts o = {.fold_newlines = 1};
    result r = read_bytes(g, len, &o);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "工单号=T1|内容=第一行 第二行");
    expect_ok(r, 1, "工单号=T2|内容=好");
    cr_assert_eq(r.line[1], 4);
    free(g);
}

Test(encoding, unknown_encoding_fails_to_open)
{
    pm_read_opts o = {.encoding = "NO-SUCH-ENCODING-42"};
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(write_str("x.csv", "a\n1\n"), &o, &err);
    cr_assert_null(rd);
    cr_assert_not_null(strstr(err.msg, "NO-SUCH-ENCODING-42"), "%s", err.msg);
    cr_assert_str_eq(err.file, tpath("x.csv"));
}

Test(encoding, invalid_bytes_in_declared_encoding_make_record_bad)
{
    /* 0xFF is never valid in GB18030 */
    const char s[] = "a,b\nok,\xff\nfine,row\n";
    pm_read_opts o = {.encoding = "GB18030"};
    result r = read_bytes(s, sizeof s - 1, &o);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    expect_ok(r, 1, "a=fine|b=row");
}

/* ---- YAML reader -------------------------------------------------------------- */

Test(yaml_reader, line_per_record_documents)
{
    result r = read_str("--- {id: T1, kind: repair}\n--- {id: T2, kind: noise, note: ''}\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|kind=repair");
    expect_ok(r, 1, "id=T2|kind=noise|note=");
    cr_assert_eq(r.line[0], 1);
    cr_assert_eq(r.line[1], 2);
}

Test(yaml_reader, block_mappings)
{
    result r = read_str("id: T1\nname: 张三\n---\nid: T2\nname: \"李四\"\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|name=张三");
    expect_ok(r, 1, "id=T2|name=李四");
    cr_assert_eq(r.line[0], 1);
    cr_assert_eq(r.line[1], 4);
}

Test(yaml_reader, sequence_of_mappings)
{
    result r = read_str("- id: T1\n  n: 1\n- {id: T2, n: 2}\n-\n  id: T3\n  n: 3\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=T1|n=1");
    expect_ok(r, 1, "id=T2|n=2");
    expect_ok(r, 2, "id=T3|n=3");
    cr_assert_eq(r.line[1], 3);
}

Test(yaml_reader, flow_sequence_of_mappings)
{
    result r = read_str("[{a: 1}, {a: 2, b: x}]\n--- [{a: 3}]\n", &AUTO);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1");
    expect_ok(r, 1, "a=2|b=x");
    expect_ok(r, 2, "a=3");
    cr_assert_eq(r.line[2], 2);
}

/* Issue 12: empty and null documents are bad records, not skipped. */
Test(yaml_reader, empty_documents_are_bad_records)
{
    result r = read_str("---\n--- {a: 1}\n---\n...\n--- ~\n--- {a: 2}\n--- null\n", &YAML);
    cr_assert_eq(r.n, 6);
    expect_bad(r, 0, "", "empty");
    cr_assert_eq(r.errline[0], 1);
    expect_ok(r, 1, "a=1");
    expect_bad(r, 2, "", "empty");
    cr_assert_str_eq(r.raw[2], "---\n...");
    expect_bad(r, 3, "", "empty");
    cr_assert_str_eq(r.raw[3], "--- ~");
    expect_ok(r, 4, "a=2");
    expect_bad(r, 5, "", "empty");
    cr_assert_eq(r.errline[5], 7);
    r = read_str("", &YAML);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("# only a comment\n", &YAML);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(yaml_reader, null_values_are_empty)
{
    result r = read_str("--- {a: ~, b: null, c: , d: Null, e: NULL}\n", &YAML);
    expect_ok(r, 0, "a=|b=|c=|d=|e=");
    r = read_str("a:\nb: ~\n", &YAML);
    expect_ok(r, 0, "a=|b=");
}

Test(yaml_reader, quoted_null_and_other_words_stay_text)
{
    result r = read_str("--- {a: 'null', b: \"~\", c: true, d: 012, e: 1.50, f: 2024-07-01, g: 'yes', h: \"\"}\n", &YAML);
    expect_ok(r, 0, "a=null|b=~|c=true|d=012|e=1.50|f=2024-07-01|g=yes|h=");
}

Test(yaml_reader, scalar_styles)
{
    result r = read_str("a: |\n  two\n  lines\nb: >\n  folded\n  text\nc: \"esc\\n\\t\\\"\\u4e2d\\\\\"\nd: 'it''s'\n", &YAML);
    expect_ok(r, 0, "a=two\nlines\n|b=folded text\n|c=esc\n\t\"中\\|d=it's");
}

Test(yaml_reader, nested_value_is_bad_and_next_record_read)
{
    result r = read_str("--- {id: T1, tags: [a, b]}\n--- {id: T2, sub: {x: 1}}\n--- {id: T3}\n", &YAML);
    cr_assert_eq(r.n, 3);
    expect_bad(r, 0, "id=T1|tags=", "tags");
    cr_assert_eq(r.errline[0], 1);
    expect_bad(r, 1, "id=T2|sub=", "nested mapping");
    cr_assert_eq(r.errline[1], 2);
    expect_ok(r, 2, "id=T3");
}

Test(yaml_reader, alias_is_bad)
{
    result r = read_str("--- {a: &x v, b: *x}\n--- {c: 1}\n", &YAML);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=v|b=", "alias");
    expect_ok(r, 1, "c=1");
}

Test(yaml_reader, document_that_is_not_a_mapping_is_bad)
{
    result r = read_str("--- just text\n--- {a: 1}\n--- [[1, 2]]\n--- {b: 2}\n", &YAML);
    cr_assert_eq(r.n, 4);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    cr_expect_eq(r.errline[0], 1);
    expect_ok(r, 1, "a=1");
    cr_expect_eq(r.st[2], PM_READ_BAD);
    cr_expect_eq(r.errline[2], 3);
    expect_ok(r, 3, "b=2");
}

/* Issue 12: a syntax error rejects its document; reading goes on at the
 * next "---" line. */
Test(yaml_reader, syntax_error_rejects_its_document_only)
{
    result r = read_str("--- {a: 1}\n--- {a: 2}\n--- {a: [1, }\n--- {a: 4}\n", &YAML);
    cr_assert_eq(r.n, 4, "final: %s", r.final_msg);
    expect_ok(r, 1, "a=2");
    expect_bad(r, 2, "", "invalid YAML");
    cr_assert_eq(r.errline[2], 3, "line of the document: %ld (%s)", r.errline[2], r.msg[2]);
    cr_assert_str_eq(r.raw[2], "--- {a: [1, }");
    expect_ok(r, 3, "a=4");
    cr_assert_eq(r.line[3], 4);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(yaml_reader, missing_brace_loses_only_its_line)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "--- {id: 1, x: a}\n--- {id: 2, x: b\n");
    for (int i = 3; i <= 40; i++) pm_buf_addf(&b, "--- {id: %d, x: c}\n", i);
    result r = read_str(pm_buf_str(&b), &YAML);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 40);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_str_eq(r.raw[1], "--- {id: 2, x: b");
    for (int i = 2; i < 40; i++) cr_assert_eq(r.st[i], PM_READ_OK, "record %d", i);
    cr_assert_eq(r.line[39], 40);
}

/* A block document with an error gives none of its records; the next
 * document is read. */
Test(yaml_reader, block_document_with_an_error_is_rejected_whole)
{
    result r = read_str("# c\n---\n- {a: 1}\n- {a: 2\n---\na: 3\nb: 4\n", &YAML);
    cr_assert_eq(r.n, 2, "%s", r.final_msg);
    expect_bad(r, 0, "", "invalid YAML");
    cr_assert_eq(r.errline[0], 1);
    cr_assert_str_eq(r.raw[0], "# c\n---\n- {a: 1}\n- {a: 2");
    expect_ok(r, 1, "a=3|b=4");
    cr_assert_eq(r.line[1], 6);
}

Test(yaml_reader, duplicate_key_is_bad_naming_both_positions)
{
    result r = read_str("--- {id: 1, x: a, x: b}\n---\nid: 2\nx: c\n", &YAML);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[0], "'x' appears twice (line 1 column 13 and line 1 column 19)"), "%s", r.msg[0]);
    cr_assert_str_eq(r.raw[0], "--- {id: 1, x: a, x: b}");
    expect_ok(r, 1, "id=2|x=c");
}

/* A document longer than 1 MiB is read as a stream: an error in it ends the
 * input, and the message says how many lines were not read. */
Test(yaml_reader, error_in_a_long_stream_says_how_many_lines_are_lost)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 40000; i++) pm_buf_addf(&b, "- {id: %d, text: some words to make it long}\n", i);
    pm_buf_adds(&b, "- {id: x, text: [\n- {id: y}\n- {id: z}\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("long.yaml", pm_buf_str(&b)), &YAML, &err);
    pm_buf_free(&b);
    pm_record rec;
    pm_record_init(&rec);
    int st, n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) n++;
    cr_assert_eq(st, PM_READ_FATAL);
    cr_assert_eq(n, 40000);
    cr_assert_eq(err.line, 40002, "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "2 lines not read"), "%s", err.msg);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* BUG: yaml_read_handler (lib/reader.c) hands libyaml up to its whole 16 KiB
 * raw buffer at once, and libyaml decodes (and checks) all of it before the
 * parser goes on: a control character or a bad UTF-8 byte on line 3 makes
 * the very first pm_reader_next fail, the valid records on lines 1-2 are
 * lost, and the error says line 1 (yaml_fail uses rd->line, never advanced
 * for YAML).  docs/CONTRACT.md section 3: report FILE:LINE, still process the valid
 * records.  Fix: in yaml_read_handler give libyaml at most one line per call
 * (up to and including '\n') and count rd->line as lines are handed over. */
Test(yaml_reader, bad_bytes_reported_at_their_line_after_earlier_records)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .encoding = "UTF-8"};
    const char *cases[] = {"--- {a: 1}\n--- {a: 2}\n--- {a: \x01}\n--- {a: 4}\n",
                           "--- {a: 1}\n--- {a: 2}\n--- {a: \xff}\n--- {a: 4}\n"};
    for (int i = 0; i < 2; i++) {
        result r = read_str(cases[i], &o);
        cr_expect_eq(r.n, 4, "case %d: every line is read", i);
        cr_expect_eq(r.st[2], PM_READ_BAD);
        cr_expect_eq(r.errline[2], 3, "case %d: reported at line %ld (%s)", i, r.errline[2], r.msg[2]);
        cr_expect_str_eq(r.raw[2], i ? "--- {a: \\xFF}" : "--- {a: \x01}");
        cr_expect_eq(r.st[3], PM_READ_OK);
        cr_expect_eq(r.final, PM_READ_EOF);
    }
}

Test(yaml_reader, fatal_is_followed_by_eof)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("bad.yaml", "a: [\n"), &YAML, &err);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(yaml_reader, line_numbers_of_block_records)
{
    result r = read_str("# comment\n\n---\nid: 1\nx: 2\n---\n\nid: 2\n", &YAML);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.line[0], 4);
    cr_assert_eq(r.line[1], 8);
}

Test(yaml_reader, fold_newlines_in_yaml_values)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .fold_newlines = 1};
    result r = read_str("--- {a: \"x\\ny\\r\\nz\"}\n", &o);
    expect_ok(r, 0, "a=x y z");
}

Test(yaml_reader, crlf_and_bom)
{
    result r = read_str("\xef\xbb\xbf--- {a: 1}\r\n--- {a: \"\xe4\xb8\xad\"}\r\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 1, "a=中");
}

Test(yaml_reader, gb18030_yaml)
{
    const char *s = "--- {工单号: T1, 内容: 楼上装修噪音}\n";
    size_t len;
    char *g = to_enc("GB18030", s, strlen(s), &len);
    result r = read_bytes(g, len, &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    expect_ok(r, 0, "工单号=T1|内容=楼上装修噪音");
    free(g);
}

Test(yaml_reader, many_documents_and_long_values)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 20000; i++) pm_buf_addf(&b, "--- {i: %d, v: \"值%d\"}\n", i, i);
    pm_buf_adds(&b, "--- {big: \"");
    for (int i = 0; i < 100000; i++) pm_buf_adds(&b, "长");
    pm_buf_adds(&b, "\"}\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("many.yaml", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    for (int i = 0; i < 20000; i++) {
        cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%d: %s", i, err.msg);
        cr_assert_eq(rec.line, i + 1);
    }
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_eq(strlen(pm_record_value(&rec, "big")), 300000);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(yaml_reader, value_over_max_field_is_bad)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .max_field = 5};
    result r = read_str("--- {a: 12345}\n--- {a: 123456}\n", &o);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=12345");
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[1], "limit"), "%s", r.msg[1]);
}

/* ---- format detection ------------------------------------------------------ */

static pm_format detect(const char *s)
{
    return read_str(s, &AUTO).format;
}

Test(detect, csv_yaml_tsv_heuristics)
{
    cr_expect_eq(detect("id,name\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("id\n1\n"), PM_FMT_CSV, "a one-column CSV");
    cr_expect_eq(detect("\"a: b\",c\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("time,note\n09:00,x\n"), PM_FMT_CSV);
    cr_expect_eq(detect("id\tname\n1\t2\n"), PM_FMT_TSV);
    cr_expect_eq(detect("--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("---\na: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("%YAML 1.1\n---\na: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("a: 1\nb: 2\n"), PM_FMT_YAML);
    cr_expect_eq(detect("a:\n  b\n"), PM_FMT_YAML);
    cr_expect_eq(detect("- a: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("[{a: 1}]\n"), PM_FMT_YAML);
    cr_expect_eq(detect("{a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("# generated\n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("\n\n  \n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("key: value\r\n"), PM_FMT_YAML);
    cr_expect_eq(detect("工单号: T1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("工单号,受理时间\nT1,2024-07-01 09:00\n"), PM_FMT_CSV);
    cr_expect_eq(detect("\xef\xbb\xbfid,name\n"), PM_FMT_CSV);
    cr_expect_eq(detect("\xef\xbb\xbf--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("#id,name\n1,2\n"), PM_FMT_CSV, "a CSV header that starts with '#'");
}

/* A leading comment is skipped even when it holds a comma: the next line
 * decides (a CSV header starting with '#' stays CSV). */
Test(detect, yaml_comment_with_a_comma)
{
    cr_expect_eq(detect("# exported 2024-07-01, office A\n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("# tickets, July\nid: T1\nkind: repair\n"), PM_FMT_YAML);
}

/* BUG: detect_format (lib/reader.c) reads a block mapping whose first value holds a
 * comma as CSV ("name: Zhang, San").  A first line of the form KEY ": "
 * with no comma or quote before the ": " is YAML, not a CSV header. */
Test(detect, yaml_block_mapping_whose_first_value_has_a_comma)
{
    cr_expect_eq(detect("description: noisy, at night\nid: T1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("内容: 楼上装修噪音, 很吵\n工单号: T1\n"), PM_FMT_YAML);
}

/* BUG: detect_format (lib/reader.c) decides YAML on a first character '['
 * or '{' (or "- ", "---") before it looks for commas, so a CSV whose first
 * column name starts with a bracket ("[ID],[Name]", as SQL Server exports
 * write them) is parsed as YAML and fails.  pm's own CSV writer produces such
 * a header unquoted, so a pm stream does not read back.  Suggested: for '['
 * and '{' choose YAML only when the line has no delimiter outside the
 * brackets (or holds ": "); and/or let pm_csv_quote-for-headers quote a first
 * name that starts with a YAML indicator. */
Test(detect, csv_header_starting_with_a_bracket)
{
    cr_expect_eq(detect("[ID],[Name]\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("{编号},{姓名}\n1,2\n"), PM_FMT_CSV);
    pm_record r[1] = {mkrec("[编号]", "T1", "名称", "x", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 1);
    result back = read_str(out, &AUTO);
    cr_expect_eq(back.format, PM_FMT_CSV, "pm's own CSV output (%s) is detected as CSV", out);
    free(out);
    free_recs(r, 1);
}

Test(detect, explicit_format_wins)
{
    cr_assert_eq(read_str("a: 1\n", &CSV).format, PM_FMT_CSV);
    cr_assert_eq(read_str("a,b\n", &YAML).format, PM_FMT_YAML);
    pm_read_opts tab = {.delimiter = '\t'};
    cr_assert_eq(read_str("a\n1\n", &tab).format, PM_FMT_TSV, "a tab delimiter means TSV");
}

Test(detect, format_names)
{
    cr_assert_eq(pm_format_parse("csv"), PM_FMT_CSV);
    cr_assert_eq(pm_format_parse("CSV"), PM_FMT_CSV);
    cr_assert_eq(pm_format_parse("tsv"), PM_FMT_TSV);
    cr_assert_eq(pm_format_parse("yaml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("yml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("json"), -1);
    cr_assert_eq(pm_format_parse(""), -1);
    cr_assert_eq(pm_format_parse(NULL), -1);
    cr_assert_str_eq(pm_format_name(PM_FMT_CSV), "csv");
    cr_assert_str_eq(pm_format_name(PM_FMT_TSV), "tsv");
    cr_assert_str_eq(pm_format_name(PM_FMT_YAML), "yaml");
    for (int f = PM_FMT_CSV; f <= PM_FMT_YAML; f++)
        cr_assert_eq(pm_format_parse(pm_format_name((pm_format)f)), f);
}

/* ---- CSV writer -------------------------------------------------------------- */

static const char *csvq(const char *v)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    pm_csv_quote(&b, v, strlen(v), ',');
    return pm_buf_str(&b);
}

Test(csv_writer, quotes_only_when_needed)
{
    cr_expect_str_eq(csvq("plain"), "plain");
    cr_expect_str_eq(csvq(""), "");
    cr_expect_str_eq(csvq("  spaces  "), "  spaces  ");
    cr_expect_str_eq(csvq("中文 值"), "中文 值");
    cr_expect_str_eq(csvq("a;b\tc"), "a;b\tc");
    cr_expect_str_eq(csvq("a,b"), "\"a,b\"");
    cr_expect_str_eq(csvq("say \"hi\""), "\"say \"\"hi\"\"\"");
    cr_expect_str_eq(csvq("\""), "\"\"\"\"");
    cr_expect_str_eq(csvq("l1\nl2"), "\"l1\nl2\"");
    cr_expect_str_eq(csvq("cr\r"), "\"cr\r\"");
    pm_buf b = PM_BUF_INIT;
    pm_csv_quote(&b, "a\tb,c", 5, '\t');
    cr_expect_str_eq(pm_buf_str(&b), "\"a\tb,c\"");
    pm_buf_free(&b);
}

Test(csv_writer, header_from_first_record_and_lf_line_ends)
{
    pm_record r[2] = {mkrec("id", "T1", "desc", "a,b", NULL), mkrec("id", "T2", "desc", "", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 2);
    cr_assert_str_eq(out, "id,desc\nT1,\"a,b\"\nT2,\n");
    free(out);
    free_recs(r, 2);
}

Test(csv_writer, header_change_starts_new_block)
{
    pm_record r[4] = {mkrec("a", "1", "b", "2", NULL), mkrec("a", "3", "b", "4", NULL),
                      mkrec("x", "5", NULL), mkrec("a", "6", "b", "7", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 4);
    cr_assert_str_eq(out, "a,b\n1,2\n3,4\n\nx\n5\n\na,b\n6,7\n");
    free(out);
    free_recs(r, 4);
}

/* BUG (uncommitted lib/writer.c, same_names): header equality is decided by
 * the name POINTER first; a record whose names live in its arena (YAML
 * reader, pm_record_set_copy) gets new names at the same addresses after
 * pm_record_clear, so a changed header is not written. */
Test(csv_writer, header_change_detected_with_reused_record)
{
    pm_error err;
    const char *p = tpath("o.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r;
    pm_record_init(&r);
    pm_record_set_copy(&r, "a", "1", 1);
    pm_writer_write(w, &r, &err);
    pm_record_clear(&r);
    pm_record_set_copy(&r, "b", "2", 1);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "a\n1\n\nb\n2\n");
    free(out);
    pm_record_free(&r);
}

/* BUG: the same same_names() pointer shortcut, through the YAML reader, which
 * copies each key into the record's arena: {b: 2} gets "b" at the address
 * where {a: 1} had "a", and is written under the header "a". */
Test(csv_writer, yaml_with_changing_keys_to_csv)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("k.yaml", "--- {a: 1}\n--- {b: 2}\n--- {b: 3}\n"), &AUTO, &err);
    const char *p = tpath("k.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    while (pm_reader_next(rd, &rec, &err) == PM_READ_OK) cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);
    pm_record_free(&rec);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "a\n1\n\nb\n2\n3\n");
    free(out);
}

/* The second file's header names may be malloc'ed where the first file's
 * (freed at close) were: the header must still be compared by content. */
Test(csv_writer, two_inputs_with_different_headers)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("a.csv", "id,name\n1,x\n"));
    paths[1] = pm_xstrdup(write_str("b.csv", "no,kind\n2,y\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    pm_error err;
    const char *p = tpath("ab.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    while (pm_inputs_next(&in, &rec, &err) == PM_READ_OK) cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "id,name\n1,x\n\nno,kind\n2,y\n");
    free(out);
    free(paths[0]);
    free(paths[1]);
}

Test(csv_writer, lone_empty_field_is_written_quoted)
{
    pm_record r[2] = {mkrec("only", "", NULL), mkrec("only", "x", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 2);
    cr_assert_str_eq(out, "only\n\"\"\nx\n");
    result back = read_str(out, &CSV);
    cr_assert_eq(back.n, 2, "the empty record is not read as a blank line");
    expect_ok(back, 0, "only=");
    free(out);
    free_recs(r, 2);
}

Test(csv_writer, tsv_output)
{
    pm_record r[1] = {mkrec("a", "x\ty", "b", "p,q", NULL)};
    char *out = write_records(PM_FMT_TSV, r, 1);
    cr_assert_str_eq(out, "a\tb\n\"x\ty\"\tp,q\n");
    free(out);
    free_recs(r, 1);
}

/* ---- YAML writer --------------------------------------------------------------- */

static const char *yq(const char *v, size_t len)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    pm_yaml_quote(&b, v, len);
    return pm_buf_str(&b);
}

Test(yaml_writer, plain_values_stay_plain)
{
    const char *plain[] = {"T1", "repair", "张三", "楼上装修噪音", "hello world", "a-b", "x:y", "a#b",
                           "noise_level", "Yesterday", "nullable", "o'clock", "a|b", "x-1"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        cr_expect_str_eq(yq(plain[i], strlen(plain[i])), plain[i]);
}

/* Values a YAML reader would read as something else, or not at all. */
static const char *const RISKY[] = {
    "", "true", "false", "True", "FALSE", "yes", "No", "YES", "on", "Off", "ON", "y", "Y", "n", "N",
    "null", "Null", "NULL", "~", "12", "1.5", "-3", "+3", "0x1F", "0o17", "017", "1e3", ".5", "1_000",
    ".inf", "-.Inf", ".NaN", "2024-07-01", "2024-07-01T09:00:00+08:00", "2024-07-01 09:00:00", "09:00",
    "1:20:30", " lead", "trail ", " both ", "a: b", "a:", "a #b", "a\t#b", "- x", "-", "?", "? x", ":",
    ": x", ",x", "[x", "]x", "{x", "}x", "#x", "&x", "*x", "!x", "!!str", "|", "|x", ">", ">x", "'x",
    "\"x", "%x", "@x", "`x", "a,b", "a[b", "a]b", "a{b", "a}b", "say \"hi\"", "it's", "back\\slash",
    "\\", "line\nbreak", "\n", "cr\r", "tab\there", "\t", "bell\x07", "\x01", "esc\x1b[0m", "del\x7f",
    "ls\xe2\x80\xa8sep", "ps\xe2\x80\xa9sep", "nel\xc2\x85x", "nbsp\xc2\xa0x", "\xc2\xa0", "\xef\xbb\xbf" "bom",
    "<<", "=", "---", "...", "--- x", "... x", "中: 文", "值 #注释", "=x", "%", "a\r\nb",
};

Test(yaml_writer, risky_values_are_quoted)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) {
        const char *q = yq(RISKY[i], strlen(RISKY[i]));
        if (!strcmp(RISKY[i], "<<") || !strcmp(RISKY[i], "=") || !strcmp(RISKY[i], "=x") ||
            !strcmp(RISKY[i], "it's"))
            continue;  /* need not be quoted; round-tripped below */
        cr_expect(q[0] == '"' || q[0] == '\'', "value #%zu '%s' written as plain %s", i, RISKY[i], q);
    }
}

/* BUG: pm_yaml_quote (lib/writer.c, yaml_plain_ok) writes "=" and "<<"
 * plain.  YAML 1.1 resolves a plain "=" to tag:yaml.org,2002:value and "<<"
 * to tag:yaml.org,2002:merge; PyYAML's safe_load (C and pure loaders) fails on
 * "--- {k: =}" and "--- {k: <<}" ("could not determine a constructor"), so
 * they are not read as the same text (docs/CONTRACT.md section 1). */
Test(yaml_writer, yaml11_value_and_merge_indicators_are_quoted)
{
    cr_expect_eq(yq("=", 1)[0], '"', "'=' written as %s", yq("=", 1));
    cr_expect_eq(yq("<<", 2)[0], '"', "'<<' written as %s", yq("<<", 2));
}

Test(yaml_writer, yaml_words_in_every_case_are_quoted_and_read_back)
{
    const char *words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t len = strlen(words[w]);
        for (unsigned mask = 0; mask < (1u << len); mask++) {
            char v[8];
            for (size_t i = 0; i < len; i++)
                v[i] = (char)((mask >> i) & 1 ? words[w][i] - 'a' + 'A' : words[w][i]);
            v[len] = 0;
            const char *q = yq(v, len);
            cr_expect_eq(q[0], '"', "'%s' written plain", v);
        }
    }
    /* and a sample of them through the reader */
    const char *sample[] = {"tRuE", "yEs", "nULL", "oFf", "Y", "FaLsE"};
    for (size_t i = 0; i < sizeof sample / sizeof *sample; i++) round_trip_ok(PM_FMT_YAML, sample[i]);
}

Test(yaml_writer, quoted_form_escapes)
{
    cr_expect_str_eq(yq("", 0), "\"\"");
    cr_expect_str_eq(yq("true", 4), "\"true\"");
    cr_expect_str_eq(yq("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    cr_expect_str_eq(yq("l1\nl2", 5), "\"l1\\nl2\"");
    cr_expect_str_eq(yq("\t", 1), "\"\\t\"");
    const char *q = yq("ls\xe2\x80\xa8", 5);
    cr_expect(strstr(q, "\\L") || strstr(q, "\\u2028"), "U+2028 must be escaped: %s", q);
}

Test(yaml_writer, line_per_record_documents)
{
    pm_record r[2] = {mkrec("id", "T1", "created_at", "2024-07-01T09:00:00+08:00", "note", "", NULL),
                      mkrec("id", "T2", "a b", "x", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 2);
    cr_assert_str_eq(out, "--- {id: T1, created_at: \"2024-07-01T09:00:00+08:00\", note: \"\"}\n"
                          "--- {id: T2, a b: x}\n");
    free(out);
    free_recs(r, 2);
}

Test(yaml_writer, every_record_is_one_line)
{
    pm_record r[1] = {mkrec("multi\nname", "v\r\n2", "x", "\xe2\x80\xa8", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 1);
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    cr_assert_eq(nl[1], 0, "one line: %s", out);
    cr_assert_null(strstr(out, "\xe2\x80\xa8"), "no raw line separator: %s", out);
    result back = read_str(out, &AUTO);
    expect_ok(back, 0, "multi\nname=v\r\n2|x=\xe2\x80\xa8");
    free(out);
    free_recs(r, 1);
}

/* ---- round trips --------------------------------------------------------------- */

/* Writes one record {k: v} in fmt and reads it back; returns the value read
 * (free()) or NULL with why in *why. */
static char *round_trip_value(pm_format fmt, const char *v, size_t len, char *why, size_t whylen)
{
    static int k;
    char name[32];
    snprintf(name, sizeof name, "rt%d", k++);
    const char *p = tpath(name);
    pm_error err;
    pm_writer *w = pm_writer_open(p, fmt, &err);
    pm_record r;
    pm_record_init(&r);
    pm_record_add(&r, "k", v, len);
    pm_record_add(&r, "v2", v, len);   /* also as a second field */
    pm_writer_write(w, &r, &err);
    pm_writer_close(w, 1, &err);
    pm_read_opts o = {.format = fmt};
    pm_reader *rd = pm_reader_open(p, &o, &err);
    char *got = NULL;
    if (!rd) {
        snprintf(why, whylen, "open: %s", err.msg);
    } else {
        int st = pm_reader_next(rd, &r, &err);
        if (st != PM_READ_OK) {
            char *txt = slurp(p, NULL);
            snprintf(why, whylen, "status %d: %s; written: %s", st, err.msg, txt);
            free(txt);
        } else if (r.n != 2 || strcmp(r.f[0].name, "k") || strcmp(r.f[1].name, "v2")) {
            snprintf(why, whylen, "fields changed (%zu)", r.n);
        } else if (strcmp(r.f[0].value, r.f[1].value)) {
            snprintf(why, whylen, "the two copies differ");
        } else {
            got = pm_xstrdup(r.f[0].value);
            if (pm_reader_next(rd, &r, &err) != PM_READ_EOF) {
                snprintf(why, whylen, "more than one record");
                free(got);
                got = NULL;
            }
        }
        pm_reader_close(rd);
    }
    unlink(p);
    pm_record_free(&r);
    return got;
}

static const char *show(const char *s)
{
    static char out[1024];
    size_t o = 0;
    for (; *s && o < sizeof out - 8; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == '\\') o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
        else out[o++] = (char)c;
    }
    out[o] = 0;
    return out;
}

static int round_trip_ok(pm_format fmt, const char *v)
{
    char why[2048] = "";
    char *got = round_trip_value(fmt, v, strlen(v), why, sizeof why);
    int ok = got && !strcmp(got, v);
    cr_expect(ok, "%s round trip of '%s': got '%s' %s", pm_format_name(fmt), show(v),
              got ? show(got) : "(nothing)", why);
    free(got);
    return ok;
}

Test(round_trip, risky_values_through_yaml)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) round_trip_ok(PM_FMT_YAML, RISKY[i]);
}

Test(round_trip, risky_values_through_csv)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) round_trip_ok(PM_FMT_CSV, RISKY[i]);
}

/* BUG: pm_yaml_quote (lib/writer.c) copies C1 control characters
 * (U+0080..U+009F other than U+0085) and U+FFFE/U+FFFF raw into the double-
 * quoted scalar; YAML forbids them in a stream, so libyaml refuses the
 * line ("control characters are not allowed") and the record is lost. */
Test(round_trip, c1_controls_and_nonchars_through_yaml)
{
    const char *vals[] = {"a\xc2\x80z", "\xc2\x9f", "x\xc2\x8ey", "\xef\xbf\xbe", "end\xef\xbf\xbf"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) round_trip_ok(PM_FMT_YAML, vals[i]);
}

/* Deterministic generator (xorshift64*), so a failure can be re-run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static const char *const PIECES[] = {
    /* risky pieces, weighted by repetition of ordinary ones below */
    " ", " ", ":", ": ", " #", "#", "-", "- ", "?", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">",
    "'", "\"", "%", "@", "`", "~", "\\", "\n", "\r", "\r\n", "\t", "\x01", "\x1f", "\x7f",
    "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\x85", "\xc2\xa0", "\xef\xbb\xbf", "---", "...",
    "true", "no", "null", "Y", "0", "12", "1.5", "-3", "0x1F", "1e3", ".5", "2024-07-01", "09:00",
    "中", "文", "楼", "噪音", "，", "：", "　", "😀", "é",
};

static void random_value(pm_buf *b)
{
    pm_buf_reset(b);
    int parts = (int)(rng() % 7);
    for (int i = 0; i < parts; i++) {
        uint64_t r = rng() % 100;
        if (r < 40) {
            pm_buf_addc(b, (char)(0x20 + rng() % 95));  /* printable ASCII */
        } else if (r < 55) {
            static const char *zh[] = {"工", "单", "号", "维", "修", "漏", "水", "满", "意", "张", "三"};
            pm_buf_adds(b, zh[rng() % (sizeof zh / sizeof *zh)]);
        } else {
            pm_buf_adds(b, PIECES[rng() % (sizeof PIECES / sizeof *PIECES)]);
        }
    }
    pm_buf_add(b, "", 0);
}

Test(round_trip, generated_values_through_yaml_and_csv, .timeout = 60)
{
    pm_buf b = PM_BUF_INIT;
    int fails = 0;
    for (int i = 0; i < 600 && fails < 20; i++) {
        random_value(&b);
        if (!round_trip_ok(PM_FMT_YAML, pm_buf_str(&b))) fails++;
        if (!round_trip_ok(PM_FMT_CSV, pm_buf_str(&b))) fails++;
    }
    pm_buf_free(&b);
}

Test(round_trip, generated_values_as_field_names_through_yaml, .timeout = 60)
{
    /* names are quoted the same way */
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 300; i++) {
        random_value(&b);
        if (b.len == 0) continue;
        pm_record r;
        pm_record_init(&r);
        pm_record_add(&r, b.s, "v", 1);
        char *out = write_records(PM_FMT_YAML, &r, 1);
        result back = read_str(out, &YAML);
        cr_assert_eq(back.n, 1, "name '%s' written as %s: %s", show(b.s), out, back.final_msg);
        pm_buf want = PM_BUF_INIT;
        pm_buf_addf(&want, "%s=v", b.s);
        cr_expect_str_eq(back.rec[0], want.s, "name '%s'", show(b.s));
        pm_buf_free(&want);
        free(out);
        pm_record_free(&r);
    }
    pm_buf_free(&b);
}

/* BUG: pm_writer_write (lib/writer.c, YAML) writes every name as an implicit
 * key; YAML limits implicit keys to 1024 characters, so a field name longer
 * than that (a mangled export header) makes the line invalid YAML: libyaml
 * and PyYAML stop there and the rest of the stream is lost.  Fix: write
 * "? " before a name longer than 1024 characters ({? "long...": v} is valid
 * flow YAML and reads back with both). */
/* fuzz_policy: a 600-character name of backslashes and tabs quotes to
 * over 1024 characters, too long for an implicit key, though the name
 * itself is short of the limit: the quoted length decides. */
Test(round_trip, field_name_whose_quoted_form_is_longer_than_1024)
{
    char name[700];
    for (int i = 0; i < 600; i++) name[i] = i % 2 ? '\\' : '\t';
    name[600] = 0;
    pm_record r[1] = {mkrec(name, "v", "b", "2", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 1);
    cr_assert_eq(strncmp(out, "--- {? \"", 8), 0, "an explicit key: %.20s", out);
    result back = read_str(out, &YAML);
    cr_assert_eq(back.final, PM_READ_EOF, "%s", back.final_msg);
    cr_assert_eq(back.n, 1);
    cr_expect_eq(strlen(back.rec[0]), 600 + strlen("=v|b=2"));
    free(out);
    free_recs(r, 1);
    pm_buf b = PM_BUF_INIT;
    pm_yaml_key(&b, "short", 5);
    cr_expect_str_eq(pm_buf_str(&b), "short", "a short key stays implicit");
    pm_buf_free(&b);
}

Test(round_trip, field_name_longer_than_1024_characters)
{
    char name[1200];
    memset(name, 'k', 1100);
    name[1100] = 0;
    pm_record r[2] = {mkrec(name, "v", "b", "2", NULL), mkrec("c", "3", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 2);
    result back = read_str(out, &YAML);
    cr_assert_eq(back.final, PM_READ_EOF, "%s", back.final_msg);
    cr_assert_eq(back.n, 2);
    cr_expect_eq(strlen(back.rec[0]), 1100 + strlen("=v|b=2"));
    expect_ok(back, 1, "c=3");
    free(out);
    free_recs(r, 2);
}

/* A realistic export: written by the CSV writer, read, turned into YAML, read
 * back and written as CSV again must give the same bytes. */
Test(round_trip, csv_to_yaml_to_csv_is_byte_identical)
{
    const char *rows[][8] = {
        {"T0001", "complaint", "noise", "true", "12-3-1502", "2024-07-01T09:00:00+08:00", "satisfied", "楼上装修噪音，晚上十点还在\"电钻\""},
        {"T0002", "repair", "indoor_repair", "false", "1-1-101", "2024-07-01T23:59:59+08:00", "", "家里水管漏水, 厨房"},
        {"T0003", "consultation", "general_inquiry", "", "", "2024-07-02T00:00:00+08:00", "neutral", ""},
        {"T0004", "complaint", "lighting", "no", "3-2-0901", "2024-07-03T08:30:00+08:00", "unsatisfied", "  楼道灯不亮 "},
        {"T0005", "repair", "public_repair", "null", "12", "1.5", "~", "- 电梯 #2: 故障"},
        {"T0006", "repair", "other", "yes", "0x1F", "2024-07-01", "on", "第一行\n第二行"},
    };
    const char *names[] = {"id", "kind", "category", "major", "unit", "created_at", "satisfaction", "description"};
    pm_record recs[6];
    for (int i = 0; i < 6; i++) {
        pm_record_init(&recs[i]);
        for (int j = 0; j < 8; j++) pm_record_add(&recs[i], names[j], rows[i][j], strlen(rows[i][j]));
    }
    char *csv1 = write_records(PM_FMT_CSV, recs, 6);
    const char *p1 = write_str("t1.csv", csv1);

    /* CSV -> YAML */
    pm_error err;
    pm_reader *rd = pm_reader_open(p1, &AUTO, &err);
    const char *p2 = tpath("t2.yaml");
    pm_writer *w = pm_writer_open(p2, PM_FMT_YAML, &err);
    pm_record rec;
    pm_record_init(&rec);
    int st, n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) { pm_writer_write(w, &rec, &err); n++; }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(n, 6);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);

    /* YAML -> CSV */
    rd = pm_reader_open(p2, &AUTO, &err);
    cr_assert_eq(pm_reader_format(rd), PM_FMT_YAML);
    const char *p3 = tpath("t3.csv");
    w = pm_writer_open(p3, PM_FMT_CSV, &err);
    n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) { pm_writer_write(w, &rec, &err); n++; }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(n, 6);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);

    char *csv3 = slurp(p3, NULL);
    cr_assert_str_eq(csv3, csv1);
    char *yaml = slurp(p2, NULL);
    int lines = 0;
    for (char *c = yaml; *c; c++) lines += *c == '\n';
    cr_assert_eq(lines, 6, "one YAML line per record:\n%s", yaml);
    free(yaml);
    free(csv1);
    free(csv3);
    pm_record_free(&rec);
    for (int i = 0; i < 6; i++) pm_record_free(&recs[i]);
}

/* ---- atomic output ---------------------------------------------------------------- */

Test(atomic_output, commit_renames_into_place)
{
    const char *p = tpath("out.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(access(p, F_OK), -1, "nothing at the final path before commit");
    cr_assert_eq(count_dir_entries(), 1, "only the temporary file");
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "a\n1\n");
    cr_assert_eq(count_dir_entries(), 1, "no temporary file left");
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, no_commit_leaves_no_file)
{
    const char *p = tpath("out.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 0, &err), 0);
    cr_assert_eq(access(p, F_OK), -1);
    cr_assert_eq(count_dir_entries(), 0, "temporary file removed");
    pm_record_free(&r);
}

Test(atomic_output, no_commit_leaves_existing_file_untouched)
{
    const char *p = write_str("keep.csv", "old,content\n1,2\n");
    chmod(p, 0604);
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("new", "x", NULL);
    for (int i = 0; i < 10000; i++) pm_writer_write(w, &r, &err);  /* past the flush size */
    cr_assert_eq(pm_writer_close(w, 0, &err), 0);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "old,content\n1,2\n");
    cr_assert_eq(count_dir_entries(), 1);
    struct stat st;
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0604);
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, commit_over_existing_keeps_its_mode)
{
    const char *p = write_str("keep.csv", "old\n");
    chmod(p, 0640);
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "--- {a: \"1\"}\n");
    struct stat st;
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0640);
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, new_file_mode_follows_umask)
{
    umask(027);
    const char *p = tpath("new.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
    umask(022);
    p = tpath("new2.csv");
    w = pm_writer_open(p, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
}

Test(atomic_output, missing_folder_fails_at_open)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open(tpath("no/such/dir/out.csv"), PM_FMT_CSV, &err);
    cr_assert_null(w);
    cr_assert_neq(err.msg[0], 0);
    cr_assert_not_null(strstr(err.file, "out.csv"), "%s", err.file);
}

Test(atomic_output, dev_full_fails_at_close)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open("/dev/full", PM_FMT_CSV, &err);
    cr_assert_not_null(w, "%s", err.msg);
    pm_record r = mkrec("a", "1", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0, "buffered");
    cr_assert_eq(pm_writer_close(w, 1, &err), -1);
    cr_assert_not_null(strstr(err.msg, "write error"), "%s", err.msg);
    pm_record_free(&r);
}

/* BUG: pm_writer_close (lib/writer.c) returns 0 after a failed write: flush()
 * emptied the buffer and set w->failed, and close never looks at w->failed. */
Test(atomic_output, dev_full_fails_at_write_when_buffer_flushes)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open("/dev/full", PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "some value to fill the buffer", NULL);
    int rc = 0, i;
    for (i = 0; i < 100000 && rc == 0; i++) rc = pm_writer_write(w, &r, &err);
    cr_assert_eq(rc, -1, "a write fails once the buffer is flushed");
    cr_assert_not_null(strstr(err.msg, "No space"), "%s", err.msg);
    cr_assert_eq(pm_writer_write(w, &r, &err), -1, "and keeps failing");
    cr_assert_eq(pm_writer_close(w, 1, &err), -1, "close reports the failure too");
    pm_record_free(&r);
}

/* BUG: same cause as above, on a regular file: after a write error (here the
 * file size limit, as on a full disk) pm_writer_close(.., commit=1) renames
 * the truncated temporary file into place and returns 0, so a failed run
 * leaves a half-written file behind (docs/CONTRACT.md section 1, -o). */
Test(atomic_output, failed_write_is_never_committed)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 200000, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    const char *p = tpath("big.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "a value that is written many times over", NULL);
    int failed = 0;
    for (int i = 0; i < 20000; i++)
        if (pm_writer_write(w, &r, &err) < 0) failed = 1;
    cr_assert(failed, "writing past the size limit fails");
    int rc = pm_writer_close(w, 1, &err);
    cr_expect_eq(rc, -1, "close after a failed write must fail");
    cr_expect_eq(access(p, F_OK), -1, "no half-written file at the final path");
    pm_record_free(&r);
}

Test(atomic_output, failed_write_then_close_without_commit_leaves_nothing)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 200000, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    const char *p = tpath("big.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "a value that is written many times over", NULL);
    int rc = 0;
    for (int i = 0; i < 20000 && rc == 0; i++) rc = pm_writer_write(w, &r, &err);
    cr_assert_eq(rc, -1);
    cr_assert_not_null(strstr(err.msg, "write error"), "%s", err.msg);
    cr_assert_str_eq(err.file, p);
    pm_writer_close(w, 0, &err);
    cr_assert_eq(count_dir_entries(), 0);
    pm_record_free(&r);
}

Test(atomic_output, dash_writes_standard_output, .init = cr_redirect_stdout)
{
    pm_error err;
    pm_writer *w = pm_writer_open("-", PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "x y", "b", "", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    w = pm_writer_open(NULL, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 0, &err), 0, "standard output is flushed either way");
    fflush(stdout);
    cr_assert_stdout_eq_str("--- {a: x y, b: \"\"}\na,b\nx y,\n");
    pm_record_free(&r);
}

Test(atomic_output, dev_null_is_written_directly)
{
    pm_error err;
    pm_writer *w = pm_writer_open("/dev/null", PM_FMT_CSV, &err);
    cr_assert_not_null(w);
    pm_record r = mkrec("a", "1", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    struct stat st;
    cr_assert_eq(stat("/dev/null", &st), 0);
    cr_assert(S_ISCHR(st.st_mode), "/dev/null is still a device");
    pm_record_free(&r);
}

/* ---- inputs ------------------------------------------------------------------------ */

Test(inputs, several_files_in_order_with_their_sources)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("a.csv", "id\nA1\nA2\n"));
    paths[1] = pm_xstrdup(write_str("b.yaml", "--- {id: B1}\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    cr_assert_eq(pm_inputs_peek_format(&in), PM_FMT_CSV);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    const char *want[] = {"A1", "A2", "B1"};
    long lines[] = {2, 3, 1};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
        cr_assert_str_eq(pm_record_value(&rec, "id"), want[i]);
        cr_assert_str_eq(rec.source, paths[i < 2 ? 0 : 1]);
        cr_assert_eq(rec.line, lines[i]);
    }
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    cr_assert_eq(in.had_error, 0);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
    free(paths[1]);
}

Test(inputs, unopenable_input_is_fatal_once_then_skipped)
{
    char *paths[3];
    paths[0] = pm_xstrdup(write_str("a.csv", "id\nA1\n"));
    paths[1] = pm_xstrdup(tpath("missing.csv"));
    paths[2] = pm_xstrdup(write_str("c.csv", "id\nC1\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 3, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_FATAL);
    cr_assert_str_eq(err.file, paths[1]);
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "id"), "C1");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    cr_assert_eq(in.had_error, 1);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    for (int i = 0; i < 3; i++) free(paths[i]);
}

/* BUG: pm_inputs_peek_format (lib/reader.c) prints the open error itself
 * (pm_report: the library must not print) and swallows it, so
 * pm_inputs_next never returns the PM_READ_FATAL that stream.h promises
 * "once each" for an unopenable input. */
Test(inputs, peek_does_not_swallow_an_unopenable_first_input)
{
    char *paths[2];
    paths[0] = pm_xstrdup(tpath("missing.csv"));
    paths[1] = pm_xstrdup(write_str("b.yaml", "--- {id: B1}\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    cr_assert_eq(pm_inputs_peek_format(&in), PM_FMT_YAML, "the first input that opens");
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    cr_expect_eq(pm_inputs_next(&in, &rec, &err), PM_READ_FATAL, "the missing file is still reported");
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
    free(paths[1]);
}

Test(inputs, fatal_yaml_error_moves_on_to_next_input)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("bad.yaml", "--- {a: 1}\n--- {a: [\n"));
    paths[1] = pm_xstrdup(write_str("good.yaml", "--- {a: 2}\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_BAD);
    cr_assert_str_eq(err.file, paths[0]);
    size_t rl;
    cr_assert_str_eq(pm_inputs_raw(&in, &rl), "--- {a: [");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "a"), "2");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    cr_assert_eq(pm_inputs_failed(&in), 0, "a bad document is a bad record, the input was read to its end");
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
    free(paths[1]);
}

Test(inputs, no_paths_means_standard_input)
{
    int fd = open(write_str("stdin.csv", "x\n42\n"), O_RDONLY);
    dup2(fd, 0);
    close(fd);
    pm_inputs in;
    pm_inputs_init(&in, NULL, 0, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "x"), "42");
    cr_assert_str_eq(rec.source, "-");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    pm_inputs_close(&in);
    pm_record_free(&rec);
}

/* ---- fixtures: one realistic export in three forms ------------------------------- */

TestSuite(fixtures);

static const char *const TICKETS[] = {
    "工单号=GD20240701001|工单类型=投诉|类别=噪音|房号=12栋3单元1502室|受理时间=2024/7/1 9:05|"
    "完成时间=2024/7/1 9:40|满意度=满意|内容=楼上装修噪音，晚上十点还在用电钻",
    "工单号=GD20240701002|工单类型=报修|类别=户内维修|房号=1-1-101|受理时间=2024-07-01 10:00|"
    "完成时间=|满意度=|内容=卫生间漏水\r\n需要上门查看",
    "工单号=GD20240701003|工单类型=咨询|类别=一般咨询|房号=|受理时间=2024年07月01日 11:30|"
    "完成时间=2024年07月01日 11:45|满意度=基本满意|内容=物业费缴纳方式, 是否支持微信",
    "工单号=GD20240701004|工单类型=投诉|类别=公共维修|房号=3-2-0901|受理时间=2024/07/01 14:00|"
    "完成时间=|满意度=不满意|内容=电梯\"故障\"  ",
};

static void expect_tickets(const char *path, pm_format fmt)
{
    result r = read_path(path, &AUTO);
    cr_assert_eq(r.format, fmt, "%s detected as %s", path, pm_format_name(r.format));
    cr_assert_eq(r.final, PM_READ_EOF, "%s: %s", path, r.final_msg);
    cr_assert_eq(r.n, 4, "%s", path);
    for (int i = 0; i < 4; i++) expect_ok(r, i, TICKETS[i]);
    if (fmt == PM_FMT_CSV) {
        cr_expect_eq(r.line[0], 2);
        cr_expect_eq(r.line[1], 3);
        cr_expect_eq(r.line[2], 5, "after a two-line record");
        cr_expect_eq(r.line[3], 6);
    } else {
        cr_expect_eq(r.line[0], 2);
        cr_expect_eq(r.line[1], 10);
        cr_expect_eq(r.line[2], 19);
        cr_expect_eq(r.line[3], 21);
    }
}

Test(fixtures, utf8_bom_crlf_export)
{
    expect_tickets("fixtures/stream_tickets.csv", PM_FMT_CSV);
}

Test(fixtures, gb18030_export_reads_the_same)
{
    expect_tickets("fixtures/stream_tickets_gb18030.csv", PM_FMT_CSV);
}

Test(fixtures, block_yaml_reads_the_same)
{
    expect_tickets("fixtures/stream_tickets.yaml", PM_FMT_YAML);
}

Test(fixtures, folded_export_has_one_record_per_line)
{
    pm_read_opts o = {.fold_newlines = 1, .encoding = "gb18030"};
    result r = read_path("fixtures/stream_tickets_gb18030.csv", &o);
    cr_assert_eq(r.n, 4);
    cr_assert_not_null(strstr(r.rec[1], "内容=卫生间漏水 需要上门查看"), "%s", r.rec[1]);
}

Test(inputs, standard_input_from_a_pipe_in_pieces)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char *a = "--- {id: P1, note: \"分", *b = "两次写入\"}\n--- {id: P2}\n";
        if (write(fds[1], a, strlen(a)) < 0) _exit(1);
        usleep(100000);
        if (write(fds[1], b, strlen(b)) < 0) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    dup2(fds[0], 0);
    close(fds[0]);
    pm_inputs in;
    char *dash[] = {"-"};
    pm_inputs_init(&in, dash, 1, NULL);
    cr_assert_eq(pm_inputs_peek_format(&in), PM_FMT_YAML);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_str_eq(pm_record_value(&rec, "note"), "分两次写入");
    cr_assert_str_eq(rec.source, "-");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "id"), "P2");
    cr_assert_eq(rec.line, 2);
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    waitpid(pid, NULL, 0);
}

/* pm_writer_set_header: a CSV stream without records is its header line (so
 * downstream tools see the columns); with records the header comes from them
 * as always; YAML stays empty. */
static char *write_with_header(pm_format fmt, const pm_record *recs, size_t n)
{
    static const char *const names[] = {"rule", "staff", "a,b"};
    const char *p = tpath("withheader");
    pm_error err;
    pm_writer *w = pm_writer_open(p, fmt, &err);
    cr_assert_not_null(w, "%s", err.msg);
    pm_writer_set_header(w, names, 3);
    for (size_t i = 0; i < n; i++) cr_assert_eq(pm_writer_write(w, &recs[i], &err), 0, "%s", err.msg);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    char *s = slurp(p, NULL);
    cr_assert_not_null(s);
    return s;
}

Test(csv_writer, header_alone_when_no_record)
{
    char *s = write_with_header(PM_FMT_CSV, NULL, 0);
    cr_expect_str_eq(s, "rule,staff,\"a,b\"\n");
    free(s);
    s = write_with_header(PM_FMT_TSV, NULL, 0);
    cr_expect_str_eq(s, "rule\tstaff\ta,b\n");
    free(s);
    s = write_with_header(PM_FMT_YAML, NULL, 0);
    cr_expect_str_eq(s, "");
    free(s);
    pm_record r[1] = {mkrec("x", "1", NULL)};
    s = write_with_header(PM_FMT_CSV, r, 1);
    cr_expect_str_eq(s, "x\n1\n", "records bring their own header");
    free(s);
    pm_record_free(&r[0]);
}

/* ---- issue 12: no record lost or silently misread ----------------------- */

/* Text after a closing quote is kept and the field goes on, unquoted, to the
 * delimiter (Python's csv reads it so); libcsv alone kept the field open to
 * the next quote, so the rows after it vanished. */
Test(csv_reader, text_after_closing_quote_is_kept_with_a_warning)
{
    result r = read_str("id,kind,x\nG1,\"complaint\" ,noise\nG2,\"a\"b\"c\",y\nG3,\"q\"\"\"  \"z\",w\nG4,ok,1\n", &CSV);
    cr_assert_eq(r.n, 4, "final: %s", r.final_msg);
    expect_ok(r, 0, "id=G1|kind=complaint |x=noise");
    expect_ok(r, 1, "id=G2|kind=ab\"c\"|x=y");
    expect_ok(r, 2, "id=G3|kind=q\"  \"z\"|x=w");
    expect_ok(r, 3, "id=G4|kind=ok|x=1");
    cr_assert_eq(r.nwarn, 3);
    cr_assert_not_null(strstr(r.warn[0], "2: warning: text after a closing quote"), "%s", r.warn[0]);
    cr_assert_not_null(strstr(r.warn[2], "4: "), "%s", r.warn[2]);
}

Test(csv_reader, text_after_closing_quote_at_the_end_of_the_input)
{
    result r = read_str("a,b\n\"x\"y,\"p\" q", &CSV);
    cr_assert_eq(r.n, 1);
    expect_ok(r, 0, "a=xy|b=p q");
}

Test(csv_reader, warnings_are_capped_with_one_summary)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "a,b\n");
    for (int i = 0; i < 25; i++) pm_buf_addf(&b, "\"v%d\"x,%d\n", i, i);
    result r = read_str(pm_buf_str(&b), &CSV);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 25);
    cr_assert_eq(r.nwarn, 11);
    cr_assert_not_null(strstr(r.warn[10], "15 more warnings not shown (25 in all)"), "%s", r.warn[10]);
}

/* An unclosed quote swallows at most its line and 1,000 more: the record is
 * bad (its raw text is its first line), and every line after it is read. */
Test(csv_reader, unclosed_quote_swallows_a_bounded_number_of_lines)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,v\nA,1\nB,\"open ,here\n");
    for (int i = 0; i < 1500; i++) pm_buf_addf(&b, "r%d,%d\n", i, i);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("q.csv", pm_buf_str(&b)), &CSV, &err);
    pm_buf_free(&b);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(err.line, 3);
    cr_assert_not_null(strstr(err.msg, "unterminated"), "%s", err.msg);
    size_t len;
    cr_assert_str_eq(pm_reader_raw(rd, &len), "B,\"open ,here");
    for (int i = 0; i < 1500; i++) {
        cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "row %d: %s", i, err.msg);
        char want[32];
        snprintf(want, sizeof want, "r%d", i);
        cr_assert_str_eq(pm_record_get(&rec, "id"), want);
        cr_assert_eq(rec.line, 4 + i);
        cr_assert_eq(pm_reader_raw(rd, &len)[0], 0, "no raw text for a good record");
    }
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* Within the bound a quoted field may span lines as always. */
Test(csv_reader, quoted_field_over_many_lines_within_the_bound)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,v\nA,\"");
    for (int i = 0; i < 900; i++) pm_buf_addf(&b, "l%d\n", i);
    pm_buf_adds(&b, "end\"\nB,2\n");
    result r = read_str(pm_buf_str(&b), &CSV);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 2, "%s", r.msg[0]);
    cr_assert_eq(r.st[0], PM_READ_OK);
    expect_ok(r, 1, "id=B|v=2");
    cr_assert_eq(r.line[1], 903);
}

Test(csv_reader, raw_text_of_bad_records_is_escaped_utf8)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "UTF-8"};
    const char in[] = "a,b\n1,caf\xe9 \\x\r\n2,n\0l\n3,4,5\n";
    result r = read_bytes(in, sizeof in - 1, &o);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_str_eq(r.raw[0], "1,caf\\xE9 \\x");
    cr_assert_str_eq(r.raw[1], "2,n\\x00l");
    cr_assert_str_eq(r.raw[2], "3,4,5");
}

/* A blank line then a line that shares a name with the header in force:
 * a new block (pm's writers write them so), read with its own header. */
Test(csv_reader, blank_line_then_header_starts_a_new_block)
{
    result r = read_str("id,a\n1,x\n\nid,b,c\n2,y,z\n", &CSV);
    cr_assert_eq(r.n, 2, "%s", r.msg[0]);
    expect_ok(r, 0, "id=1|a=x");
    expect_ok(r, 1, "id=2|b=y|c=z");
    cr_assert_eq(r.line[1], 5);
    cr_assert_eq(r.nwarn, 0);
}

/* A stray blank line in foreign data: the next row is data, with a warning. */
Test(csv_reader, stray_blank_line_keeps_the_next_row_as_data)
{
    result r = read_str("id,a\n1,x\n\n2,y\n\n3,\n\nid,x\n", &CSV);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=1|a=x");
    expect_ok(r, 1, "id=2|a=y");
    expect_ok(r, 2, "id=3|a=");
    cr_assert_eq(r.nwarn, 2);
    cr_assert_not_null(strstr(r.warn[0], "3: warning: a blank line"), "%s", r.warn[0]);
}

Test(csv_reader, duplicate_header_name_is_fatal_then_rows_are_bad)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("dup.csv", "x,a,b,a\n1,2,3,4\n5,6,7,8\n"), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    size_t len;
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_FATAL);
    cr_assert_eq(err.line, 1);
    cr_assert_not_null(strstr(err.msg, "'a' appears twice (columns 2 and 4)"), "%s", err.msg);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "1,2,3,4");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "5,6,7,8");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* A header with a NUL byte: one FATAL, and its rows are bad, not lost. */
Test(csv_reader, rows_under_an_unusable_header_are_bad_not_lost)
{
    pm_error err;
    const char in[] = "a,b\0c\n1,2\n3,4\n";
    pm_reader *rd = pm_reader_open(write_bytes("nul.csv", in, sizeof in - 1), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    size_t len;
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_FATAL);
    cr_assert_not_null(strstr(err.msg, "NUL"), "%s", err.msg);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "a,b\\x00c");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "3,4");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(inputs, header_gen_counts_inputs_and_blocks)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("a.csv", "id,a\n1,x\n\nid,b\n2,y\n"));
    paths[1] = pm_xstrdup(write_str("b.csv", "id,a\n3,z\n4,w\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    unsigned g[4];
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_OK);
        g[i] = pm_inputs_header_gen(&in);
        cr_assert_not_null(pm_inputs_current(&in));
    }
    cr_assert_lt(g[0], g[1], "a new block");
    cr_assert_lt(g[1], g[2], "a new input");
    cr_assert_eq(g[2], g[3], "same header");
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    cr_assert_eq(pm_inputs_format(&in), PM_FMT_CSV);
    cr_assert_eq(pm_inputs_failed(&in), 0);
    cr_assert_null(pm_inputs_current(&in));
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
    free(paths[1]);
}

Test(inputs, warnings_of_a_closed_input_are_kept)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("a.csv", "id,a\n1,\"x\" y\n"));
    paths[1] = pm_xstrdup(write_str("b.csv", "id,a\n3,z\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err, w;
    int nw = 0;
    while (pm_inputs_next(&in, &rec, &err) != PM_READ_EOF)
        while (pm_inputs_take_warning(&in, &w)) {
            nw++;
            cr_assert_str_eq(w.file, paths[0]);
            cr_assert_eq(w.line, 2);
        }
    cr_assert_eq(nw, 1);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
    free(paths[1]);
}
