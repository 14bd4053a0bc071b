/* pipeline.h - the record loop every pm program runs.
 *
 * A program says what it does with one record; the pipeline does the rest,
 * the same way in every program:
 *   - it iterates over the inputs named on the command line (pm_inputs);
 *   - it applies the bad-record rule: a record that cannot be read is never
 *     dropped.  By default it goes to the reject stream (--reject=FILE, or
 *     standard error only) with _source, _error and _raw (its text as read,
 *     valid UTF-8); a program that annotates records may instead pass it
 *     through flagged (its `bad` function does that: pm-sla writes
 *     sla_status=invalid);
 *   - it keeps the counts, so that every run states
 *         read N = passed P + rejected R + skipped S
 *     (flagged F of the passed need a person; wrote M output records), and
 *     prints them in one format with --stats;
 *   - it finds field positions once per header (pm_pipe_field);
 *   - it opens the output and the reject stream, refuses an output that
 *     names an input, and commits both only when the run succeeded;
 *   - it names the record in every message: "PROG: FILE:LINE: msg (id=X)";
 *   - the values of a record that could not be read reach the program as
 *     valid UTF-8 without NUL (other bytes escaped as \xHH), so nothing
 *     undecodable is ever written;
 *   - it chooses the exit status: 2 when the run failed or its result is
 *     incomplete (an input that could not be opened or read to its end, a
 *     write error, a failure the program reported), else 1 when anything was
 *     rejected or flagged, else 0.
 *
 * Usage (a program's main, after option parsing):
 *
 *     pm_pipe_spec spec = {.record = my_record, .ctx = &state};
 *     pm_pipe *p = pm_pipe_open(&common, argv + first, argc - first, &spec, &err);
 *     if (!p) { pm_report(&err); return PM_EXIT_ERROR; }
 *     state.f_category = pm_pipe_field(p, "category");
 *     return pm_pipe_finish(p, pm_pipe_run(p));   (runs, closes, frees)
 *
 * and my_record(p, rec, ctx) reads fields with pm_pipe_get, changes the
 * record with pm_pipe_set, writes extra records with pm_pipe_write, and
 * returns a pm_verdict for the input record.
 */
#ifndef PM_PIPELINE_H
#define PM_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "opts.h"
#include "record.h"
#include "stream.h"

/* What became of one input record (the return value of the record and bad
 * functions). */
typedef enum pm_verdict {
    PM_PASS = 0,     /* used: written as it now is (annotating programs),
                        or consumed (aggregates, charges written with
                        pm_pipe_write); counted passed */
    PM_PASS_FLAGGED, /* the same, and it needs a person (a breach, an
                        invalid ticket): counted passed and flagged */
    PM_HOLD,         /* used but not written (e.g. pm-sla --breaches on a
                        ticket that is met): counted passed */
    PM_HOLD_FLAGGED, /* flagged, used, not written */
    PM_SKIP,         /* not data (a blank row, a totals row): counted skipped */
    PM_REJECT,       /* to the reject stream with the reason given by
                        pm_pipe_reason; counted rejected */
    PM_FAIL,         /* the run cannot go on (the program reported why):
                        reading stops, nothing is committed, exit 2 */
    PM_NOT_RECORD,   /* not a record at all (a header, a title line above
                        it): counted nowhere, not even read */
    PM_DEFER         /* not settled now: the program keeps a copy and
                        settles it later with pm_pipe_settle (counted
                        then) */
} pm_verdict;

typedef struct pm_pipe pm_pipe;

typedef struct pm_pipe_spec {
    /* Called for each record that was read.  rec may be changed (its fields
     * set, added, reordered); when the verdict writes it and the pipeline
     * has an output, rec is what is written. */
    pm_verdict (*record)(pm_pipe *p, pm_record *rec, void *ctx);
    /* Called for each record that could not be read (rec holds what could
     * be read of it, possibly nothing; why is the reason; the raw text is
     * pm_pipe_raw).  NULL: reject it.  A program that annotates may set
     * fields and return PM_PASS_FLAGGED to write it flagged. */
    pm_verdict (*bad)(pm_pipe *p, pm_record *rec, const char *why, void *ctx);
    /* Appends the program's own counts to the --stats line ("met 5, ..."),
     * or NULL. */
    void (*stats)(pm_buf *out, void *ctx);
    /* Called when an input has been opened, before its first record, and
     * when it has ended (read to its end, or skipped with
     * pm_pipe_skip_input), before it is closed; reader tells its name,
     * format and header.  An input that does not open gets neither.  NULL:
     * nothing. */
    void (*begin_input)(pm_pipe *p, const pm_reader *reader, void *ctx);
    void (*end_input)(pm_pipe *p, const pm_reader *reader, void *ctx);
    void *ctx;
    /* The field that names a record in messages; NULL: "id". */
    const char *key_field;
    unsigned flags;
    /* Reject stream: a path (NULL: --reject if the program accepts it
     * (PM_OPT_REJECT), else none: rejects are reported on standard error
     * only).  Same format as the output (CSV for TSV). */
    const char *reject_path;
    /* Extra output paths the program writes itself (not through the
     * pipeline), checked against the inputs and each other. */
    const char *const *other_outputs;
    int nother_outputs;
} pm_pipe_spec;

enum {
    PM_PIPE_NO_OUTPUT = 1 << 0,         /* the program writes no record stream (a
                                           report, a plan): no writer is opened */
    PM_PIPE_QUIET_REJECTS = 1 << 1,     /* the program reports rejects itself */
    PM_PIPE_FOLD_NEWLINES = 1 << 2,     /* line breaks inside values become spaces */
    PM_PIPE_COMMIT_INCOMPLETE = 1 << 3, /* commit the outputs of a run that read
                                    what it could (an input that did not
                                    open, a bad header, pm_pipe_error) with
                                    exit 2 all the same; not after a write
                                    error or PM_FAIL */
    PM_PIPE_REJECT_RAW = 1 << 4,        /* every reject carries _raw (empty for a
                                        record read fine), so that a reject
                                        stream mixing both keeps one header */
    PM_PIPE_TSV_AS_CSV = 1 << 5         /* TSV input gives CSV output unless -t
                                        says otherwise (pm-ingest: canonical
                                        records are CSV); without it the output
                                        is -t, else the input's format */
};

/* Opens the inputs (the first one is peeked to learn the format), the
 * output and the reject stream.  NULL with err set when an output cannot be
 * opened or names an input.  Takes a copy of *spec. */
pm_pipe *pm_pipe_open(const pm_common *c, char **paths, int npaths, const pm_pipe_spec *spec, pm_error *err);

/* Field slots: a name registered once, before pm_pipe_run (the name is not
 * copied: a literal or something that outlives the pipe).  Looking a slot up
 * in a record costs an array access while the records keep one header.  At
 * most 64 slots (a program declares a fixed handful; more is a bug). */
int pm_pipe_field(pm_pipe *p, const char *name);
/* The header of the record at hand, as the pipeline found it to locate the
 * slots (before the record function is called): pm_inputs_record_header's
 * number when the record's fields are exactly its reader's header, else 0.
 * What a program that finds fields of its own needs to know, without
 * comparing the names again. */
unsigned pm_pipe_record_header(const pm_pipe *p);
/* Index in rec of the field of that slot, or -1. */
int pm_pipe_index(pm_pipe *p, const pm_record *rec, int slot);
/* Value of the field of that slot ("" when absent: no value either way);
 * *len gets its length when len is not NULL. */
const char *pm_pipe_get(pm_pipe *p, const pm_record *rec, int slot, size_t *len);
/* Sets the field of that slot: replaced in place, or appended at the end.
 * The value is copied into the record. */
void pm_pipe_set(pm_pipe *p, pm_record *rec, int slot, const char *value, size_t len);
/* The same for a value that lives as long as the record (a literal, or
 * memory from pm_record_alloc): not copied. */
void pm_pipe_set_static(pm_pipe *p, pm_record *rec, int slot, const char *value, size_t len);

/* Inside the record function ------------------------------------------- */

/* Writes an output record (pm-fee's charges).  A write error stops the run
 * (exit 2); returns 0 or -1. */
int pm_pipe_write(pm_pipe *p, const pm_record *rec);
/* The same for a record whose field names are, by identity, those of the
 * record the last call of this function wrote (a program that lays out its
 * output's names once: pm-fee's charges), so that the writer need not
 * compare them as text; when another record was written in between, it
 * does.  plain: the fields whose values need no quotes, as
 * pm_writer_write_known says (0: none). */
int pm_pipe_write_same_names(pm_pipe *p, const pm_record *rec, uint64_t plain);
/* Writes rec to the reject stream now, with _source, _error = why and,
 * for a record that could not be read, _raw (a program that reports a
 * record and goes on: pm-fee's unmatched records).  Counted nowhere: the
 * verdict counts the input record. */
int pm_pipe_write_reject(pm_pipe *p, pm_record *rec, const char *why);
/* The reason a PM_REJECT verdict gives (copied); call before returning. */
void pm_pipe_reason(pm_pipe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The raw text of the record being handled by `bad` (valid UTF-8), and a
 * replacement for it (a program that protects personal data masks it). */
const char *pm_pipe_raw(const pm_pipe *p, size_t *len);
void pm_pipe_set_raw(pm_pipe *p, const char *raw, size_t len);
/* A CSV record longer than its header (a bad record): removes the surplus
 * values from rec and appends them to out, CSV-quoted and separated by
 * blanks, so that the stream keeps one header and loses nothing.  Returns
 * how many were removed. */
size_t pm_pipe_fold_surplus(pm_pipe *p, pm_record *rec, pm_buf *out);
/* The same against a header of width fields (a program that found its own
 * header, below a title line). */
size_t pm_fold_surplus(pm_record *rec, size_t width, pm_buf *out);
/* Prints "PROG: FILE:LINE: message (id=KEY)" for rec (parts it lacks are
 * left out; the key is the spec's key_field). */
void pm_pipe_warn(pm_pipe *p, const pm_record *rec, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The run's result is incomplete (exit 2) though reading goes on: a problem
 * the program has reported. */
void pm_pipe_error(pm_pipe *p);
/* Something outside the records needs a person (a verification difference,
 * a missed target): exit status at least 1. */
void pm_pipe_flag(pm_pipe *p);

/* Settles a record the program deferred (PM_DEFER) with verdict v, as
 * if it were returned now: counted read and as v says, written, or
 * rejected with the reason given by pm_pipe_reason just before.  raw: for
 * a record the reader could not read, its raw text (pm_pipe_raw when it
 * was deferred, kept by the program), so that its reject carries _raw;
 * NULL for a record read fine.  Any time during pm_pipe_run (in the record,
 * bad and input functions); the record at hand is not disturbed. */
void pm_pipe_settle(pm_pipe *p, pm_record *rec, const char *raw, size_t rawlen, pm_verdict v);
/* Stops reading the current input: its end_input function is called and
 * the next input is read (from the record or bad function: after the
 * record at hand is settled). */
void pm_pipe_skip_input(pm_pipe *p);

/* The inputs, the reader of the record at hand, and the output format. */
pm_inputs *pm_pipe_inputs(pm_pipe *p);
pm_format pm_pipe_out_format(const pm_pipe *p);
/* The output writer (NULL with PM_PIPE_NO_OUTPUT): to set a header for an
 * empty stream. */
pm_writer *pm_pipe_writer(pm_pipe *p);

/* Counts so far. */
typedef struct pm_pipe_counts {
    unsigned long long read, passed, rejected, skipped, flagged, written;
} pm_pipe_counts;
pm_pipe_counts pm_pipe_counts_get(const pm_pipe *p);
/* "read N, passed P, rejected R, skipped S, flagged F, wrote M" and the
 * program's own counts after "; ". */
void pm_pipe_stats_line(const pm_pipe *p, pm_buf *out);

/* Reads every record to the end (or to a PM_FAIL or write error).  Returns
 * the exit status so far (PM_EXIT_*). */
int pm_pipe_run(pm_pipe *p);
/* Prints --stats, closes the inputs, commits the outputs when status < 2
 * (else removes them), frees p.  Returns the final exit status (a commit
 * that fails makes it 2). */
int pm_pipe_finish(pm_pipe *p, int status);

#endif
