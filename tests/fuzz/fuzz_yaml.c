/* fuzz_yaml.c - libFuzzer harness for the YAML side of lib/reader.c and
 * lib/writer.c.
 *
 * The first input byte chooses the options (YAML forced or auto-detected, a
 * small --max-field, folding of line breaks); the rest is the file.  Checks,
 * beyond "no crash, no sanitizer report, no hang": every OK record has at
 * least one field, values are NUL-terminated with len == strlen and valid
 * UTF-8, within max_field; and the OK records written as YAML (one document
 * per line) and read back are identical, names and values, and the written
 * text has exactly one line per record. */
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static saved keep;
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    data++; size--;
    pm_read_opts o;
    memset(&o, 0, sizeof o);
    o.format = (ctl & 1) ? PM_FMT_AUTO : PM_FMT_YAML;
    o.max_field = (ctl & 2) ? 16 : 0;
    o.fold_newlines = (ctl >> 2) & 1;

    const char *in = fuzz_write(0, ".yaml", data, size);
    saved_clear(&keep);
    read_all(in, &o, &keep);
    if (keep.n == 0) return 0;
    if (o.format == PM_FMT_AUTO) return 0;
    const char *outp = fuzz_path(1, ".out.yaml");
    round_trip(&keep, outp, PM_FMT_YAML);
    /* one line per record */
    FILE *f = fopen(outp, "rb");
    CHECK(f);
    size_t lines = 0;
    int c;
    while ((c = getc(f)) != EOF) if (c == '\n') lines++;
    fclose(f);
    CHECK(lines == keep.n);
    unlink(outp);
    return 0;
}
