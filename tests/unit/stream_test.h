/* stream_test.h - helpers shared by the tests of lib/stream.h (docs/CONTRACT.md
 * section 1): test_source.c (encodings, the byte source), test_detect.c
 * (format detection), test_csvread.c and test_yamlread.c (the readers: bad
 * records with their lines and raw text, recovery, chunk boundaries),
 * test_inputs.c (iteration over several inputs), and test_stream.c (the
 * writers, round trips, atomic output).  Included once by each.
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
#include "reader_int.h" /* pm_inputs on the stack */

/* Not every test file uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-const-variable"

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

static const char *write_str(const char *name, const char *s)
{
    return write_bytes(name, s, strlen(s));
}

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
    char *raw[MAXREC]; /* pm_reader_raw of bad records */
    long errline[MAXREC];
    char *warn[MAXREC]; /* warnings, "LINE: message" */
    int nwarn;
    int final; /* PM_READ_EOF or PM_READ_FATAL */
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
        if (st == PM_READ_OK) cr_assert_eq(strlen(r->f[i].value), r->f[i].len, "len of field %s", r->f[i].name);
    }
    char *d = pm_buf_detach(&b);
    if (ndumps < sizeof dumps / sizeof *dumps) dumps[ndumps++] = d;
    return d;
}

/* A copy kept in dumps: s, or "LINE: msg" when line >= 0. */
static char *keep_str(const char *s, long line, const char *msg)
{
    pm_buf b = PM_BUF_INIT;
    if (line >= 0)
        pm_buf_addf(&b, "%ld: %s", line, msg);
    else
        pm_buf_adds(&b, s);
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

#define expect_ok(res, i, want)                                                                                        \
    do {                                                                                                               \
        cr_assert_gt((res).n, (i), "record %d missing (final: %s)", (i), (res).final_msg);                             \
        cr_expect_eq((res).st[i], PM_READ_OK, "record %d: %s", (i), (res).msg[i]);                                     \
        cr_expect_str_eq((res).rec[i], (want), "record %d", (i));                                                      \
    } while (0)

#define expect_bad(res, i, want, msgpart)                                                                              \
    do {                                                                                                               \
        cr_assert_gt((res).n, (i), "record %d missing (final: %s)", (i), (res).final_msg);                             \
        cr_expect_eq((res).st[i], PM_READ_BAD, "record %d should be bad", (i));                                        \
        cr_expect_str_eq((res).rec[i], (want), "record %d", (i));                                                      \
        cr_expect_not_null(strstr((res).msg[i], (msgpart)), "record %d message '%s' lacks '%s'", (i), (res).msg[i],    \
                           (msgpart));                                                                                 \
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

/* ---- CSV reader ------------------------------------------------------------ */

/* ---- chunk boundaries (the reader reads 256 KiB at a time) ------------------ */

#define CHUNK_SIZE (256 * 1024)

/* A CSV of Chinese rows longer than two chunks, padded so that a chunk
 * boundary falls inside a three-byte character (at its second byte). */
static void chinese_csv(pm_buf *b, int *nrows)
{
    const char *desc = "楼上装修噪音很吵，请尽快处理"; /* 3-byte characters only */
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
        if ((c & 0xc0) == 0x80 && (p & 0xe0) == 0xe0) return; /* boundary after a lead byte */
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
        cr_assert_str_eq(pm_record_value(&rec, "desc"), "楼上装修噪音很吵，请尽快处理", "row %d (line %ld)", i,
                         rec.line);
        cr_assert_eq(rec.line, i + 2);
        i++;
    }
    cr_assert_eq(i, nrows);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* ---- encodings -------------------------------------------------------------- */

static const char *ZH_CSV = "工单号,类别,内容\nT1,噪音,楼上装修噪音，晚上十点还在吵\nT2,维修,家里水管漏水\n";

/* ---- YAML reader -------------------------------------------------------------- */

/* ---- format detection ------------------------------------------------------ */

static pm_format detect(const char *s)
{
    return read_str(s, &AUTO).format;
}

/* ---- CSV writer -------------------------------------------------------------- */

static const char *csvq(const char *v)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    pm_csv_quote(&b, v, strlen(v), ',');
    return pm_buf_str(&b);
}

/* ---- YAML writer --------------------------------------------------------------- */

static const char *yq(const char *v, size_t len)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    pm_yaml_quote(&b, v, len);
    return pm_buf_str(&b);
}

/* Values a YAML reader would read as something else, or not at all. */
static const char *const RISKY[] = {
    "",
    "true",
    "false",
    "True",
    "FALSE",
    "yes",
    "No",
    "YES",
    "on",
    "Off",
    "ON",
    "y",
    "Y",
    "n",
    "N",
    "null",
    "Null",
    "NULL",
    "~",
    "12",
    "1.5",
    "-3",
    "+3",
    "0x1F",
    "0o17",
    "017",
    "1e3",
    ".5",
    "1_000",
    ".inf",
    "-.Inf",
    ".NaN",
    "2024-07-01",
    "2024-07-01T09:00:00+08:00",
    "2024-07-01 09:00:00",
    "09:00",
    "1:20:30",
    " lead",
    "trail ",
    " both ",
    "a: b",
    "a:",
    "a #b",
    "a\t#b",
    "- x",
    "-",
    "?",
    "? x",
    ":",
    ": x",
    ",x",
    "[x",
    "]x",
    "{x",
    "}x",
    "#x",
    "&x",
    "*x",
    "!x",
    "!!str",
    "|",
    "|x",
    ">",
    ">x",
    "'x",
    "\"x",
    "%x",
    "@x",
    "`x",
    "a,b",
    "a[b",
    "a]b",
    "a{b",
    "a}b",
    "say \"hi\"",
    "it's",
    "back\\slash",
    "\\",
    "line\nbreak",
    "\n",
    "cr\r",
    "tab\there",
    "\t",
    "bell\x07",
    "\x01",
    "esc\x1b[0m",
    "del\x7f",
    "ls\xe2\x80\xa8sep",
    "ps\xe2\x80\xa9sep",
    "nel\xc2\x85x",
    "nbsp\xc2\xa0x",
    "\xc2\xa0",
    "\xef\xbb\xbf"
    "bom",
    "<<",
    "=",
    "---",
    "...",
    "--- x",
    "... x",
    "中: 文",
    "值 #注释",
    "=x",
    "%",
    "a\r\nb",
};

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
    pm_record_add(&r, "v2", v, len); /* also as a second field */
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
        if (c < 0x20 || c == 0x7f || c == '\\')
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = 0;
    return out;
}

static int round_trip_ok(pm_format fmt, const char *v)
{
    char why[2048] = "";
    char *got = round_trip_value(fmt, v, strlen(v), why, sizeof why);
    int ok = got && !strcmp(got, v);
    cr_expect(ok, "%s round trip of '%s': got '%s' %s", pm_format_name(fmt), show(v), got ? show(got) : "(nothing)",
              why);
    free(got);
    return ok;
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
    " ",
    " ",
    ":",
    ": ",
    " #",
    "#",
    "-",
    "- ",
    "?",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    "\"",
    "%",
    "@",
    "`",
    "~",
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x01",
    "\x1f",
    "\x7f",
    "\xe2\x80\xa8",
    "\xe2\x80\xa9",
    "\xc2\x85",
    "\xc2\xa0",
    "\xef\xbb\xbf",
    "---",
    "...",
    "true",
    "no",
    "null",
    "Y",
    "0",
    "12",
    "1.5",
    "-3",
    "0x1F",
    "1e3",
    ".5",
    "2024-07-01",
    "09:00",
    "中",
    "文",
    "楼",
    "噪音",
    "，",
    "：",
    "　",
    "😀",
    "é",
};

static void random_value(pm_buf *b)
{
    pm_buf_reset(b);
    int parts = (int)(rng() % 7);
    for (int i = 0; i < parts; i++) {
        uint64_t r = rng() % 100;
        if (r < 40) {
            pm_buf_addc(b, (char)(0x20 + rng() % 95)); /* printable ASCII */
        } else if (r < 55) {
            static const char *zh[] = {"工", "单", "号", "维", "修", "漏", "水", "满", "意", "张", "三"};
            pm_buf_adds(b, zh[rng() % (sizeof zh / sizeof *zh)]);
        } else {
            pm_buf_adds(b, PIECES[rng() % (sizeof PIECES / sizeof *PIECES)]);
        }
    }
    pm_buf_add(b, "", 0);
}

/* ---- atomic output ---------------------------------------------------------------- */

/* ---- inputs ------------------------------------------------------------------------ */

/* ---- fixtures: one realistic export in three forms ------------------------------- */

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

/* ---- issue 12: no record lost or silently misread ----------------------- */
