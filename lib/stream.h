/* stream.h - record readers and writers for CSV and YAML (docs/CONTRACT.md section 1).
 *
 * A reader yields one record at a time; memory is bounded by the largest
 * record.  Input may be UTF-8 (with or without BOM) or GB18030/GBK, which is
 * converted with iconv.  A writer buffers output, writes CSV (header from the
 * first record) or line-per-record YAML, and with a file name writes a
 * temporary file in the same folder that pm_writer_close(.., commit=1)
 * renames into place.
 */
#ifndef PM_STREAM_H
#define PM_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "record.h"

typedef enum pm_format {
    PM_FMT_AUTO = 0,
    PM_FMT_CSV,
    PM_FMT_TSV, /* CSV with a tab delimiter */
    PM_FMT_YAML
} pm_format;

/* "csv", "tsv", "yaml" (also "yml") -> format; -1 for anything else. */
int pm_format_parse(const char *name);
const char *pm_format_name(pm_format f);

#define PM_DEFAULT_MAX_FIELD ((size_t)16 << 20)

typedef struct pm_read_opts {
    pm_format format;     /* PM_FMT_AUTO: detect from the first bytes */
    char delimiter;       /* 0: ',' (or '\t' for TSV) */
    const char *encoding; /* NULL or "auto": UTF-8, or GB18030 as told
                             below; else an iconv name ("UTF-16") */
    size_t max_field;     /* 0: PM_DEFAULT_MAX_FIELD */
    int fold_newlines;    /* replace CR/LF inside values by spaces */
    int join_lists;       /* YAML: a value that is a sequence of texts is
                             read as them joined by ';' (else: a bad record) */
    int byte_range;       /* --byte-range: read only the records whose line
                             starts in bytes [range_start, range_end) of a
                             regular file (and a CSV's header line); the
                             file must hold no line break inside quotes */
    long long range_start, range_end;
    long range_header_lines; /* with byte_range, a CSV's first lines read by
                                every range (0: 1, the header line); a
                                title above the header makes it 2 */
} pm_read_opts;

/* Reader results. */
enum {
    PM_READ_EOF = 0,   /* no more records */
    PM_READ_OK = 1,    /* rec holds a record */
    PM_READ_BAD = -1,  /* rec holds what could be read of a bad record, err
                          says why (with line), pm_reader_raw gives its raw
                          text; reading goes on */
    PM_READ_FATAL = -2 /* the input cannot be read further, or (a CSV header
                          that cannot name fields) its rows follow as
                          PM_READ_BAD records; err says why */
};

/* What the readers promise (no record is lost or silently misread):
 *
 * CSV: after a closing quote, text other than the delimiter or a line end is
 * kept literally and the field goes on unquoted (`"complaint" ,` reads
 * `complaint `), as Python's csv module reads it, with a warning.  An
 * unclosed quote may swallow its own line plus at most 1,000 more lines or
 * 1 MiB more bytes, whichever comes first; past that, or at the end of the
 * input, the record is taken to end with the quote's line: it is returned as
 * PM_READ_BAD with its raw text, and reading resumes at the line after it.
 * A blank line followed by a header (see pm-formats(5)) starts a new block
 * with that header; pm_inputs_header_gen counts header changes.  A header
 * naming a column twice is a PM_READ_FATAL naming both columns; every row
 * under it is then returned as PM_READ_BAD with its raw text.
 *
 * YAML: a syntax or encoding error in one `---` document rejects that
 * document (PM_READ_BAD, its lines as raw text), and reading resumes at the
 * next line starting with `---`.  Only a document longer than 1 MiB (a
 * stream that is not one record per document) is read as a stream; an error
 * in it ends the input with a message that says how many lines were not
 * read.  Empty and `--- null` documents, and a key given twice, are bad
 * records.
 *
 * Encoding ("auto"): UTF-8 unless the first 256 KiB are not valid UTF-8,
 * decode as GB18030 without an error, and hold hardly any line that is
 * valid UTF-8 with multi-byte characters (fewer than one in ten of the lines
 * that are not; GB18030 text forms a valid UTF-8 line now and then, a UTF-8
 * file with a stray byte does so on every line with Chinese in it).  A line
 * that does not decode is a bad record, its bytes escaped in its raw text.
 * A UTF-16 byte-order mark or a start full of NUL bytes is an error naming
 * --encoding=UTF-16. */

typedef struct pm_reader pm_reader;

/* Opens path ("-" or NULL: standard input).  NULL with err set on failure.
 * The reader must be closed with pm_reader_close. */
pm_reader *pm_reader_open(const char *path, const pm_read_opts *opts, pm_error *err);
/* Reads the next record into rec (cleared first); rec->source and rec->line
 * are set.  Returns one of the PM_READ_* values. */
int pm_reader_next(pm_reader *rd, pm_record *rec, pm_error *err);
/* The format actually read (after detection). */
pm_format pm_reader_format(const pm_reader *rd);
/* The name the reader reports in messages ("-" for standard input). */
const char *pm_reader_name(const pm_reader *rd);
/* The CSV header (after the first pm_reader_next); n = 0 for YAML. */
const char *const *pm_reader_header(const pm_reader *rd, size_t *n);
/* After PM_READ_BAD (or the PM_READ_FATAL of a bad header): the raw text of
 * that record as it was in the input, the physical lines it spans without
 * the final line end, as valid UTF-8: bytes that are not valid UTF-8 (or not
 * valid in the input encoding) are escaped as \xHH, NUL as \x00; a backslash
 * is left as it is.  Cut after 1 MiB.  Valid until the next read; "" (len 0)
 * after other results. */
const char *pm_reader_raw(const pm_reader *rd, size_t *len);
/* After PM_READ_FATAL: 1 when reading goes on (a bad header, whose rows
 * follow as PM_READ_BAD), 0 when the input cannot be read further. */
int pm_reader_goes_on(const pm_reader *rd);
/* 1 with w filled ("FILE:LINE: warning: ...") while warnings are pending:
 * text kept after a closing quote, a stray blank line in CSV data.  The
 * first 10 of an input are kept, then one summary counts the rest. */
int pm_reader_take_warning(pm_reader *rd, pm_error *w);
void pm_reader_close(pm_reader *rd);

typedef struct pm_writer pm_writer;

/* path NULL or "-": standard output.  A path naming a regular file (or a new
 * one, or a link to one) is written atomically; other paths (/dev/null, a
 * FIFO) directly: see pm_atomic_open in atomic.h, which the writer uses. */
pm_writer *pm_writer_open(const char *path, pm_format format, pm_error *err);
/* Writes one record.  0 on success, -1 with err set on a write error. */
int pm_writer_write(pm_writer *w, const pm_record *rec, pm_error *err);
/* The same for a record whose field names the caller knows, by identity,
 * to be those of the record this writer wrote last (the pipeline knows it:
 * the reader's header and its own slot names), so that the writer need not
 * compare them as text. */
int pm_writer_write_same_names(pm_writer *w, const pm_record *rec, pm_error *err);
/* The same, as pm_writer_write_same_names when same_names, for a record
 * some of whose values the caller made itself in a form that never needs
 * quotes in CSV or TSV: bit i of plain set (i < 64) says field i holds only
 * digits, ASCII letters, '-', '.' and ':' (numbers it formatted, hex
 * digests, months it checked), or nothing.  Those values are written as
 * they are, untested; YAML tests every value all the same. */
int pm_writer_write_known(pm_writer *w, const pm_record *rec, int same_names, uint64_t plain, pm_error *err);
/* Flushes; with commit renames the temporary file into place, without it
 * removes it.  0 on success, -1 with err set.  Always frees w. */
int pm_writer_close(pm_writer *w, int commit, pm_error *err);
/* Records written so far. */
unsigned long long pm_writer_count(const pm_writer *w);
/* The CSV header to write should the stream end without a record, so that
 * CSV tools downstream still see the columns (names are copied; YAML writes
 * nothing either way). */
void pm_writer_set_header(pm_writer *w, const char *const *names, size_t n);

/* Formatting helpers shared by the writers and by tests. */
/* Appends value as one CSV field, quoting only when it must. */
void pm_csv_quote(pm_buf *out, const char *value, size_t len, char delimiter);
/* Appends value as a YAML flow scalar, quoted when a YAML reader would
 * otherwise read something other than the same text. */
void pm_yaml_quote(pm_buf *out, const char *value, size_t len);
/* Appends name as a YAML mapping key (quoted as pm_yaml_quote does), marked
 * explicit with "? " when its text is too long for an implicit key (YAML
 * ends those at 1024 characters); the caller writes ": " and the value. */
void pm_yaml_key(pm_buf *out, const char *name, size_t len);

/* Iterating over the inputs named on a command line ---------------------- */

/* Private to lib/ (reader_int.h); the pipeline holds one, programs reach it
 * through pm_pipe_inputs and the functions below. */
typedef struct pm_inputs pm_inputs;

/* paths/npaths from argv after options; npaths 0 means standard input. */
void pm_inputs_init(pm_inputs *in, char **paths, int npaths, const pm_read_opts *opts);
/* Like pm_reader_next across all inputs.  Unopenable inputs are returned as
 * PM_READ_FATAL once each (err set) and skipped; EOF after the last. */
int pm_inputs_next(pm_inputs *in, pm_record *rec, pm_error *err);
/* Opens the first input now (if not yet) so its format is known; returns it. */
pm_format pm_inputs_peek_format(pm_inputs *in);
void pm_inputs_close(pm_inputs *in);
/* Grows whenever the header in force changes (a new input, a new CSV or YAML
 * key list): field positions found for one value stay right while it holds. */
unsigned pm_inputs_header_gen(const pm_inputs *in);
/* Whether rec's first *hn fields are named by the header in force with the
 * reader's own strings (by identity: CSV records as read, perhaps with
 * fields added after them): then a number for that header, which no other
 * header in force had (pm_inputs_header_gen() + 1), with *hn its width;
 * else 0 (records built by hand, renamed fields).  A YAML record is named
 * so when its keys are, in order, those of the record its reader took them
 * from (pmr_yaml_keys). */
unsigned pm_inputs_record_header(const pm_inputs *in, const pm_record *rec, size_t *hn);
/* pm_reader_raw of the current input (after PM_READ_BAD). */
const char *pm_inputs_raw(const pm_inputs *in, size_t *len);
/* pm_reader_take_warning across the inputs, closed ones included. */
int pm_inputs_take_warning(pm_inputs *in, pm_error *w);
/* Accessors: the input being read (NULL between inputs), whether an input
 * could not be opened or read to its end, and the format of the first input
 * opened. */
pm_reader *pm_inputs_current(const pm_inputs *in);
int pm_inputs_failed(const pm_inputs *in);
pm_format pm_inputs_format(const pm_inputs *in);
/* The position in paths of the input last opened (or that failed to open):
 * the one the record at hand came from; -1 before the first. */
int pm_inputs_index(const pm_inputs *in);
/* Calls fn(rd, 1, ctx) when an input has been opened and becomes the one
 * read (before its first record), and fn(rd, 0, ctx) when it has ended (at
 * its end, or pm_inputs_skip), before it is closed (its warnings are by
 * then queued for pm_inputs_take_warning).  An input that does not open
 * gets neither. */
void pm_inputs_on_input(pm_inputs *in, void (*fn)(pm_reader *rd, int begin, void *ctx), void *ctx);
/* Ends the current input now (its remaining records are not read). */
void pm_inputs_skip(pm_inputs *in);

#endif
