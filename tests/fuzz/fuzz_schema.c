/* fuzz_schema.c - libFuzzer harness for pm-ingest's schema loader
 * (src/pm-ingest/schema.c, linked in; main.c is not).
 *
 * The input is written to a file and loaded with schema_load.  Checks, beyond
 * "no crash, no sanitizer report, no hang": a failure sets a message; a loaded
 * schema has named fields, and every field converts a few sample values
 * without crashing (timestamps, decimals, bools, enums, patterns). */
#include "fuzz_util.h"
#include "schema.h"

static pm_tz *tz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    pm_error err;
    tz = pm_tz_open("Asia/Shanghai", &err);
    if (!tz) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, ".schema.yaml", data, size);
    schema s;
    memset(&s, 0, sizeof s);
    pm_error err;
    pm_error_clear(&err);
    if (schema_load(&s, path, &err) != 0) {
        CHECK(err.msg[0]);
        return 0;
    }
    static const char *samples[] = {"", "x", "12", "-3.50", "true", "是", "2024-07-03 09:05",
                                    "noise", "12栋3单元1502", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"};
    pm_record hdr;
    pm_record_init(&hdr);
    for (size_t i = 0; i < s.n; i++) {
        field_def *fd = &s.f[i];
        CHECK(fd->name != NULL);
        for (size_t k = 0; k < fd->nfrom && k < 4; k++) pm_record_add(&hdr, fd->from[k], "v", 1);
        for (size_t j = 0; j < sizeof samples / sizeof *samples; j++) {
            pm_buf out;
            pm_buf_init(&out);
            pm_error e2;
            pm_error_clear(&e2);
            if (schema_convert(fd, samples[j], strlen(samples[j]), tz, &out, &e2) != 0) CHECK(e2.msg[0]);
            pm_buf_free(&out);
        }
    }
    int *cols = calloc(s.n + 1, sizeof *cols);
    schema_map_columns(&s, &hdr, cols);
    for (size_t i = 0; i < s.n; i++) CHECK(cols[i] >= -1 && cols[i] < (int)hdr.n);
    free(cols);
    pm_record_free(&hdr);
    schema_free(&s);
    return 0;
}
