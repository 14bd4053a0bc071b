/* test_passthrough.c - the CSV writer copies the bytes a record was read from
 * (pm_record raw) only while its fields still hold the values read: whatever
 * a program changes is written as changed, and values that must be quoted
 * are quoted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream.h"

static char dir[] = "/tmp/pm-passthrough-XXXXXX";

static void setup(void)
{
    cr_assert(mkdtemp(dir));
}
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Reads in (CSV or TSV), lets change() alter record k (1-based), writes
 * every record as format out; returns what was written. */
static const char *roundtrip(const char *in, pm_format out, void (*change)(pm_record *r, int k))
{
    char ip[64], op[64];
    pm_error err;
    snprintf(ip, sizeof ip, "%s/in", dir);
    snprintf(op, sizeof op, "%s/out", dir);
    FILE *f = fopen(ip, "wb");
    cr_assert(f);
    fputs(in, f);
    fclose(f);
    pm_read_opts ro;
    memset(&ro, 0, sizeof ro);
    pm_reader *rd = pm_reader_open(ip, &ro, &err);
    cr_assert(rd, "%s", err.msg);
    pm_writer *w = pm_writer_open(op, out, &err);
    cr_assert(w, "%s", err.msg);
    pm_record rec;
    pm_record_init(&rec);
    int k = 0, r;
    while ((r = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        change(&rec, ++k);
        cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    }
    cr_assert_eq(r, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);
    pm_record_free(&rec);
    return slurp(op);
}

static void add_one(pm_record *r, int k)
{
    (void)k;
    pm_record_add(r, "new", "x", 1);
}

static void change_middle(pm_record *r, int k)
{
    if (k == 1) pm_record_setn(r, "b", "B, with a comma", 15);
    if (k == 2) r->f[1].len = 1; /* shortened in place */
    if (k == 3) r->f[2].len = 0; /* the last one */
}

static void swap_first(pm_record *r, int k)
{
    (void)k;
    pm_field t = r->f[0];
    r->f[0] = r->f[1];
    r->f[1] = t;
}

static void keep_first(pm_record *r, int k)
{
    (void)k;
    r->n = 1;
}

static void nothing(pm_record *r, int k)
{
    (void)r;
    (void)k;
}

TestSuite(passthrough, .init = setup, .fini = teardown);

Test(passthrough, unchanged_fields_then_new_ones)
{
    cr_expect_str_eq(roundtrip("a,b,c\n1,22,333\n,,\r\n4, 5 ,6\n", PM_FMT_CSV, add_one),
                     "a,b,c,new\n1,22,333,x\n,,,x\n4, 5 ,6,x\n");
}

Test(passthrough, changed_values_are_written_as_changed)
{
    cr_expect_str_eq(roundtrip("a,b,c\n1,22,333\n1,22,333\n1,22,333\n", PM_FMT_CSV, change_middle),
                     "a,b,c\n1,\"B, with a comma\",333\n1,2,333\n1,22,\n");
}

Test(passthrough, reordered_and_removed_fields)
{
    cr_expect_str_eq(roundtrip("a,b,c\n1,22,333\n", PM_FMT_CSV, swap_first), "b,a,c\n22,1,333\n");
    cr_expect_str_eq(roundtrip("a,b,c\n1,22,333\n", PM_FMT_CSV, keep_first), "a\n1\n");
}

Test(passthrough, byte_order_mark_is_quoted)
{
    cr_expect_str_eq(roundtrip("a,b\n1,\xef\xbb\xbfx\n", PM_FMT_CSV, nothing), "a,b\n1,\"\xef\xbb\xbfx\"\n");
}

Test(passthrough, tsv_read_and_written_as_csv)
{
    cr_expect_str_eq(roundtrip("a\tb\n1,5\t2\n", PM_FMT_CSV, nothing), "a,b\n\"1,5\",2\n");
    cr_expect_str_eq(roundtrip("a\tb\n1,5\t2\n", PM_FMT_TSV, nothing), "a\tb\n1,5\t2\n");
}
