/* fuzz_csv.c - libFuzzer harness for the CSV side of lib/reader.c and
 * lib/writer.c.
 *
 *   sh tools/fuzz.sh csv      (or see tools/fuzz.sh for the clang line)
 *
 * The first input byte chooses the options (format forced to CSV or TSV or
 * auto-detected, a small --max-field, folding of line breaks, a delimiter);
 * the rest is the file.  Checks, beyond "no crash, no sanitizer report, no
 * hang": every CSV record the reader returns has at least one field, every value
 * is NUL-terminated with len == strlen (readers refuse NUL bytes), no value is
 * longer than max_field, names and values are valid UTF-8; and the OK records, written with pm_writer as CSV and
 * read back, give the same names and values. */
#include "fuzz_records.h"

static saved keep;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t ctl = data[0];
    data++; size--;
    pm_read_opts o;
    memset(&o, 0, sizeof o);
    static const pm_format fmts[4] = {PM_FMT_CSV, PM_FMT_AUTO, PM_FMT_TSV, PM_FMT_CSV};
    o.format = fmts[ctl & 3];
    o.max_field = (ctl & 4) ? 16 : 0;
    o.fold_newlines = (ctl >> 3) & 1;
    static const char delims[4] = {0, ';', '|', 0};
    o.delimiter = delims[(ctl >> 4) & 3];
    o.encoding = (ctl & 0x40) ? "UTF-8" : NULL;

    const char *in = fuzz_write(0, ".csv", data, size);
    saved_clear(&keep);
    read_all(in, &o, &keep);
    if (keep.n == 0) return 0;
    if (o.format == PM_FMT_AUTO) return 0;  /* round trip only for forced CSV/TSV */
    if (o.delimiter) return 0;              /* the writer writes ',' or tab */
    /* The writer takes the header from the first record: the OK records all
     * have its names (rows of another shape are bad, never OK). */
    const char *outp = fuzz_path(1, ".out.csv");
    round_trip(&keep, outp, o.format == PM_FMT_TSV ? PM_FMT_TSV : PM_FMT_CSV);
    unlink(outp);
    return 0;
}
