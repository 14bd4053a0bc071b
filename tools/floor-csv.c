/* floor-csv.c - the bare parse floor for benchmarks: reads a CSV file with
 * libcsv and counts records and fields, nothing else.  No pm program can read
 * CSV faster than this with libcsv; make bench states each program's time as
 * a ratio to it.   cc -O2 -o floor-csv floor-csv.c -lcsv */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long fields, records;
static void on_field(void *s, size_t n, void *ctx)
{
    (void)s;
    (void)n;
    (void)ctx;
    fields++;
}
static void on_row(int c, void *ctx)
{
    (void)c;
    (void)ctx;
    records++;
}

int main(int argc, char **argv)
{
    static char buf[1 << 18];
    struct csv_parser p;
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f || csv_init(&p, CSV_APPEND_NULL) != 0) {
        perror("floor-csv");
        return 2;
    }
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, NULL) != n) {
            fprintf(stderr, "floor-csv: %s\n", csv_strerror(csv_error(&p)));
            return 2;
        }
    csv_fini(&p, on_field, on_row, NULL);
    csv_free(&p);
    printf("%llu records, %llu fields\n", records, fields);
    return 0;
}
