/* test_regress.c - regression tests for what fuzzing and hostile input found
 * in the core library (issue 7).  Each test names the finding it pins down.
 *
 * Every test writes its files into its own mkdtemp folder. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "stream.h"
#include "timex.h"

static char rg_dir[256];

static void rg_setup(void)
{
    snprintf(rg_dir, sizeof rg_dir, "%s/pm-test-regress-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(rg_dir), "mkdtemp: %s", strerror(errno));
}

static void rg_teardown(void)
{
    DIR *d = opendir(rg_dir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(p, sizeof p, "%s/%s", rg_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(rg_dir);
}

static const char *rg_path(const char *name)
{
    static char bufs[4][600];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, 600, "%s/%s", rg_dir, name);
    return b;
}

static const char *rg_file(const char *name, const char *data, size_t len)
{
    const char *p = rg_path(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

/* Reads path; returns statuses in st[] (up to max), records' first values
 * joined with '|' into firsts. */
typedef struct rg_result {
    int st[64];
    int n;
    size_t nfields[64];
    char vals[64][64];
    char msg[64][1100];
} rg_result;

static void rg_read(const char *path, pm_format fmt, const char *enc, rg_result *res)
{
    memset(res, 0, sizeof *res);
    pm_read_opts o;
    memset(&o, 0, sizeof o);
    o.format = fmt;
    o.encoding = enc;
    pm_error err;
    pm_reader *rd = pm_reader_open(path, &o, &err);
    cr_assert_not_null(rd, "%s", err.msg);
    pm_record rec;
    pm_record_init(&rec);
    int st;
    while ((st = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF && res->n < 64) {
        res->st[res->n] = st;
        res->nfields[res->n] = rec.n;
        snprintf(res->vals[res->n], 64, "%s", rec.n ? rec.f[rec.n - 1].value : "");
        snprintf(res->msg[res->n], 1100, "%s", st < 0 ? err.msg : "");
        res->n++;
        if (st == PM_READ_FATAL) break;
    }
    pm_record_free(&rec);
    pm_reader_close(rd);
}

TestSuite(regress, .init = rg_setup, .fini = rg_teardown);

/* fuzz_csv: with CR line ends a line holds several records; a quoted field
 * running over a line break after a complete record made the reader return
 * an empty record and merge the next two rows (data loss). */
Test(regress, csv_cr_line_ends_with_multiline_field)
{
    static const char in[] = "a,b\rc,d\re,\"f\ng\"\rh,i\r";
    rg_result r;
    rg_read(rg_file("cr.csv", in, sizeof in - 1), PM_FMT_CSV, NULL, &r);
    cr_assert_eq(r.n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(r.st[i], PM_READ_OK, "record %d: %s", i, r.msg[i]);
        cr_assert_eq(r.nfields[i], 2);
    }
    cr_assert_str_eq(r.vals[0], "d");
    cr_assert_str_eq(r.vals[1], "f\ng");
    cr_assert_str_eq(r.vals[2], "i");
}

/* fuzz_csv: a NUL byte in the second record of a CR-terminated line was not
 * noticed (the per-line checks were forgotten after the first record). */
Test(regress, csv_nul_in_second_record_of_a_line)
{
    static const char in[] = "a\rb\0c\rd\r";
    rg_result r;
    rg_read(rg_file("nul.csv", in, sizeof in - 1), PM_FMT_CSV, NULL, &r);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert(strstr(r.msg[0], "NUL"), "%s", r.msg[0]);
    cr_assert_eq(r.st[1], PM_READ_OK);
    cr_assert_str_eq(r.vals[1], "d");
}

/* fuzz_csv: a header with invalid UTF-8 named fields with invalid UTF-8, and
 * every output carried it. */
Test(regress, csv_header_invalid_utf8_is_fatal)
{
    static const char in[] = "id,staff\xd4\n1,x\n";
    rg_result r;
    rg_read(rg_file("h.csv", in, sizeof in - 1), PM_FMT_CSV, "UTF-8", &r);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.st[0], PM_READ_FATAL);
    cr_assert(strstr(r.msg[0], "bad header"), "%s", r.msg[0]);
}

/* Limits: a record with more than 10,000 fields is bad (memory per record
 * stays bounded); the next record is read. */
Test(regress, csv_too_many_fields)
{
    size_t n = 20000;
    char *in = malloc(n * 2 + 64);
    size_t k = 0;
    k += (size_t)sprintf(in, "a,b\n");
    for (size_t i = 0; i < n; i++) {
        in[k++] = 'x';
        in[k++] = i + 1 < n ? ',' : '\n';
    }
    k += (size_t)sprintf(in + k, "1,2\n");
    rg_result r;
    rg_read(rg_file("wide.csv", in, k), PM_FMT_CSV, NULL, &r);
    free(in);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert(strstr(r.msg[0], "more than 10000 fields"), "%s", r.msg[0]);
    cr_assert_eq(r.nfields[0], 10000);
    cr_assert_eq(r.st[1], PM_READ_OK);
    cr_assert_str_eq(r.vals[1], "2");
}

Test(regress, yaml_too_many_fields)
{
    size_t n = 12000;
    char *in = malloc(n * 16 + 64);
    size_t k = (size_t)sprintf(in, "--- {");
    for (size_t i = 0; i < n; i++) k += (size_t)sprintf(in + k, "%sk%zu: v", i ? ", " : "", i);
    k += (size_t)sprintf(in + k, "}\n--- {a: ok}\n");
    rg_result r;
    rg_read(rg_file("wide.yaml", in, k), PM_FMT_YAML, NULL, &r);
    free(in);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert(strstr(r.msg[0], "more than 10000 fields"), "%s", r.msg[0]);
    cr_assert_eq(r.st[1], PM_READ_OK);
    cr_assert_str_eq(r.vals[1], "ok");
}

/* Limits: 200,000-deep nesting in a record stream took minutes in libyaml;
 * now the record is bad at once, with a message, and the next is read. */
Test(regress, yaml_deep_nesting_in_records, .timeout = 10)
{
    size_t n = 200000;
    char *in = malloc(n * 2 + 64);
    size_t k = (size_t)sprintf(in, "--- {a: 1}\n--- {b: ");
    memset(in + k, '[', n);
    k += n;
    memset(in + k, ']', n);
    k += n;
    k += (size_t)sprintf(in + k, "}\n--- {c: ok}\n");
    rg_result r;
    time_t t0 = time(NULL);
    rg_read(rg_file("deep.yaml", in, k), PM_FMT_YAML, NULL, &r);
    free(in);
    cr_assert_leq(time(NULL) - t0, 2);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st[0], PM_READ_OK);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert(strstr(r.msg[1], "nested deeper"), "%s", r.msg[1]);
    cr_assert_eq(r.st[2], PM_READ_OK);
    cr_assert_str_eq(r.vals[2], "ok");
}

Test(regress, conf_deep_nesting, .timeout = 10)
{
    size_t n = 200000;
    char *in = malloc(n * 2 + 64);
    size_t k = (size_t)sprintf(in, "a: ");
    memset(in + k, '[', n);
    k += n;
    memset(in + k, ']', n);
    k += n;
    in[k++] = '\n';
    pm_conf c;
    pm_error err;
    time_t t0 = time(NULL);
    cr_assert_eq(pm_conf_load_string(&c, in, k, "deep.yaml", &err), -1);
    free(in);
    cr_assert_leq(time(NULL) - t0, 2);
    cr_assert(strstr(err.msg, "nested deeper than 64"), "%s", err.msg);
    cr_assert_eq(err.line, 1);
    /* ordinary nesting still loads */
    static const char ok[] = "a: {b: [1, [2, {c: d}]]}\n";
    cr_assert_eq(pm_conf_load_string(&c, ok, sizeof ok - 1, "ok.yaml", &err), 0, "%s", err.msg);
    pm_conf_free(&c);
}

/* fuzz_yaml: a value with ':' before '?' (or a flow indicator) was written
 * plain, and libyaml refuses it in flow style ("found unexpected ':'"). */
Test(regress, yaml_writer_quotes_colon_before_question_mark)
{
    static const char *vals[] = {"x-:?", "a:?b", "a:b", "a::", "http://x"};
    const char *out = rg_path("out.yaml");
    pm_error err;
    pm_writer *w = pm_writer_open(out, PM_FMT_YAML, &err);
    cr_assert_not_null(w);
    for (size_t i = 0; i < 5; i++) {
        pm_record rec;
        pm_record_init(&rec);
        pm_record_set(&rec, "v", vals[i]);
        cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
        pm_record_free(&rec);
    }
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    rg_result r;
    rg_read(out, PM_FMT_YAML, NULL, &r);
    cr_assert_eq(r.n, 5);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(r.st[i], PM_READ_OK, "%s: %s", vals[i], r.msg[i]);
        cr_assert_str_eq(r.vals[i], vals[i]);
    }
}

/* fuzz_csv: a header name starting with U+FEFF was written plain at the start
 * of the file and read back as a byte-order mark (the header was lost). */
Test(regress, csv_writer_quotes_leading_feff)
{
    const char *out = rg_path("out.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(out, PM_FMT_CSV, &err);
    cr_assert_not_null(w);
    pm_record rec;
    pm_record_init(&rec);
    pm_record_set(&rec, "\xef\xbb\xbfname", "\xef\xbb\xbfvalue");
    cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    pm_record_free(&rec);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_read_opts o;
    memset(&o, 0, sizeof o);
    o.format = PM_FMT_CSV;
    pm_reader *rd = pm_reader_open(out, &o, &err);
    cr_assert_not_null(rd);
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.f[0].name, "\xef\xbb\xbfname");
    cr_assert_str_eq(rec.f[0].value, "\xef\xbb\xbfvalue");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* fuzz_time: 9999-12-31T23:00:00-14:00 is year 10000 in Asia/Shanghai; it
 * parsed, and was then written as a timestamp nothing can read again. */
Test(regress, time_year_10000_in_zone)
{
    pm_error err;
    pm_tz *tz = pm_tz_open("Asia/Shanghai", &err);
    cr_assert_not_null(tz, "%s", err.msg);
    pm_time t;
    static const char late[] = "9999-12-31T09:00:00-14:00";
    cr_assert_eq(pm_time_parse(late, sizeof late - 1, tz, &t, &err), -1);
    cr_assert(strstr(err.msg, "year out of range"), "%s", err.msg);
    /* the same text is fine where it is still 9999 */
    pm_tz *utc12 = pm_tz_open("Etc/GMT+12", &err);
    cr_assert_not_null(utc12, "%s", err.msg);
    cr_assert_eq(pm_time_parse(late, sizeof late - 1, utc12, &t, &err), 0, "%s", err.msg);
    /* and the usual "never" date in local time still parses and round-trips */
    static const char never[] = "9999-12-31 23:59:59";
    cr_assert_eq(pm_time_parse(never, sizeof never - 1, tz, &t, &err), 0, "%s", err.msg);
    char buf[PM_TIME_BUFSZ];
    cr_assert_str_eq((pm_time_format(t, tz, buf), buf), "9999-12-31T23:59:59+08:00");
    static const char early[] = "0001-01-01T00:30:00+14:00";
    cr_assert_eq(pm_time_parse(early, sizeof early - 1, tz, &t, &err), -1);
    pm_tz_free(utc12);
    pm_tz_free(tz);
}
