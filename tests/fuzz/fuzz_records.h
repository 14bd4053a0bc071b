/* fuzz_records.h - reading a record stream whole and comparing two, for the
 * reader harnesses (fuzz_csv.c, fuzz_yaml.c). */
#ifndef PM_FUZZ_RECORDS_H
#define PM_FUZZ_RECORDS_H

#include "fuzz_util.h"
#include "record.h"
#include "stream.h"

#define MAXREC 4096

typedef struct saved {
    pm_record r[MAXREC];
    size_t n;
} saved;

static inline void saved_clear(saved *s)
{
    for (size_t i = 0; i < s->n; i++) pm_record_free(&s->r[i]);
    s->n = 0;
}

/* Reads path with o, checking every record on the way: a bad one has a
 * message; an OK one has values that are NUL-terminated with len == strlen
 * (readers refuse NUL bytes), within max_field, and names and values of
 * valid UTF-8.  An OK CSV record has a field (a blank line is none); a YAML
 * one may be empty ({}), and is passed over.  The OK records go to out (the
 * first MAXREC).  Returns 1 when the input ended with PM_READ_FATAL, 0 when
 * read to the end, -1 when it did not open. */
static inline int read_all(const char *path, const pm_read_opts *o, saved *out)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(path, o, &err);
    if (!rd) return -1;
    int need_fields = pm_reader_format(rd) != PM_FMT_YAML;
    pm_record rec;
    pm_record_init(&rec);
    size_t max = o->max_field ? o->max_field : PM_DEFAULT_MAX_FIELD;
    int st, fatal = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
        if (st == PM_READ_FATAL) { fatal = 1; break; }
        CHECK(st == PM_READ_OK || st == PM_READ_BAD);
        if (st == PM_READ_BAD) CHECK(err.msg[0]);
        if (st != PM_READ_OK) continue;
        if (need_fields) CHECK(rec.n > 0);
        else if (rec.n == 0) continue;
        for (size_t i = 0; i < rec.n; i++) {
            CHECK(rec.f[i].name && rec.f[i].value);
            CHECK(rec.f[i].value[rec.f[i].len] == 0);
            CHECK(strlen(rec.f[i].value) == rec.f[i].len);
            CHECK(rec.f[i].len <= max);
            CHECK(fuzz_utf8(rec.f[i].value, rec.f[i].len));
            CHECK(fuzz_utf8(rec.f[i].name, strlen(rec.f[i].name)));
        }
        if (out && out->n < MAXREC) pm_record_copy(&out->r[out->n++], &rec);
    }
    pm_record_free(&rec);
    pm_reader_close(rd);
    return fatal;
}

/* Writes the records of keep to path in fmt, reads them back (UTF-8, as the
 * writer writes) and checks that the same names and values came back. */
static inline void round_trip(const saved *keep, const char *path, pm_format fmt)
{
    static saved back;
    pm_error err;
    pm_writer *w = pm_writer_open(path, fmt, &err);
    CHECK(w);
    for (size_t i = 0; i < keep->n; i++) CHECK(pm_writer_write(w, &keep->r[i], &err) == 0);
    CHECK(pm_writer_close(w, 1, &err) == 0);
    saved_clear(&back);
    pm_read_opts o;
    memset(&o, 0, sizeof o);
    o.format = fmt;
    o.encoding = "UTF-8";
    CHECK(read_all(path, &o, &back) == 0);
    if (back.n != keep->n) {
        fprintf(stderr, "round trip: %zu records in, %zu back\n", keep->n, back.n);
        __builtin_trap();
    }
    for (size_t i = 0; i < keep->n; i++) {
        CHECK(back.r[i].n == keep->r[i].n);
        for (size_t j = 0; j < keep->r[i].n; j++) {
            CHECK(!strcmp(back.r[i].f[j].name, keep->r[i].f[j].name));
            CHECK(back.r[i].f[j].len == keep->r[i].f[j].len);
            CHECK(!memcmp(back.r[i].f[j].value, keep->r[i].f[j].value, keep->r[i].f[j].len));
        }
    }
}

#endif
