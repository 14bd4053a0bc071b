/* reader_int.h - what the parts of the record reader share (private to
 * lib/: source.c, detect.c, csvread.c, yamlread.c, inputs.c).
 *
 * The source (source.c) reads big chunks with read(2) and decodes them:
 * input that is not UTF-8 is converted with iconv.  Format detection
 * (detect.c) looks at the first decoded bytes.  CSV (csvread.c, the only
 * file that includes csv.h) reads a line at a time, so the reader can stop
 * after each record (memory bounded by the largest record) and knows each
 * record's first line: a whole line without a quote, under a header, is
 * split at its delimiters directly; every other line (a quote, a record
 * over lines, a header, a bad row) goes to libcsv.  YAML (yamlread.c) is parsed one
 * document at a time with libyaml.  inputs.c holds pm_reader's public
 * functions, the queue of records read ahead, and pm_inputs.
 */
#ifndef PM_READER_INT_H
#define PM_READER_INT_H

#include "stream.h"
#include "text.h"

#include <iconv.h>
#include <stdint.h>
#include <sys/types.h>
#include <yaml.h>

struct csv_parser;

#define CHUNK (256 * 1024)
/* The most fed to libcsv at once: a field longer than --max-field is cut
 * short after at most this much more (libcsv keeps a whole field). */
#define CSV_PIECE      (1024 * 1024)
#define YAML_MAX_DEPTH 64
/* Flow collections ([ ] { }) nested deeper than this are not handed to
 * libyaml, whose time per token grows with the flow depth (200,000 levels
 * would take minutes).  A record holds text, so such a record is bad anyway;
 * below YAML_MAX_DEPTH so that block nesting has room. */
#define YAML_MAX_FLOW 48
/* Fields one record may have (CSV row or YAML mapping); more is a bad record
 * rather than unbounded memory per record. */
#define MAX_FIELDS      10000
#define MAX_FIELDS_TEXT "10000"

typedef struct pending {
    pm_record rec;
    int bad; /* 1: PM_READ_BAD; 2: PM_READ_FATAL (a bad header) */
    char msg[512];
    pm_buf raw; /* raw text of a bad record (escaped) */
} pending;

/* Raw text kept for a bad record (pm_reader_raw) is cut after this many
 * bytes. */
#define RAW_MAX ((size_t)1 << 20)
/* Warnings queued per input; the rest are counted in one summary. */
#define WARN_MAX 10

/* What a line (segment) holds, checked once per line rather than per field. */
enum { SEG_NUL = 1, SEG_BADUTF8 = 2, SEG_BREAK = 4 };

struct pm_reader {
    /* source */
    int fd, owns_fd, eof;
    char *name;
    unsigned char *raw; /* bytes as read */
    size_t rawlen;
    iconv_t cd;         /* (iconv_t)-1 when the input is UTF-8 */
    int decode_errors;  /* bytes the input encoding does not decode were met */
    unsigned char *dec; /* decoded bytes (== raw when UTF-8) */
    size_t declen, decpos, deccap;
    int validate_utf8;
    pm_read_opts opts;
    pm_format format;
    long line; /* 1-based line of the next byte at decpos */

    /* CSV */
    struct csv_parser *csv; /* libcsv's parser (csvread.c) */
    int csv_started;
    char **header;
    size_t nheader;
    int have_header;
    pm_record *building; /* record being filled by the callbacks */
    pending *q;          /* completed records, oldest first */
    size_t qhead, qlen, qcap;
    long rec_line;
    int rec_bad;
    char rec_msg[256];
    int seg_flags; /* SEG_* seen since the current record began */
    int delim;
    int tq;            /* TQ_*: where the quotes stand (csv_track) */
    long quote_line;   /* line on which the open quote opened */
    int width_resync;  /* the row just read ran over lines inside a
                          quote and has the wrong width: csv_next
                          takes the quote as never closed */
    size_t width_n;    /* that row's number of fields */
    size_t last_width; /* fields of the last row read (0: none since the header) */
    int rec_open;      /* the record goes on past the last segment */
    int tail_warned;   /* text after a closing quote in this segment */
    long seg_line;
    pm_buf fix;    /* a segment rewritten for libcsv */
    pm_buf rawrec; /* the open record's earlier segments (to RAW_MAX) */
    size_t rawrec_total;
    size_t raw_at_qline; /* rawrec.len at the end of the open quote's line */
    pm_buf tail;         /* segments after the open quote's line */
    int tail_mid_line;   /* the last segment put in tail did not end its line */
    long open_lines;
    size_t open_bytes;
    pm_buf replay; /* bytes to read again after a resync */
    size_t replay_pos;
    const unsigned char *seg_raw; /* the segment being parsed, as read */
    size_t seg_rawlen;
    int after_blank;     /* the last line was blank: a new header may follow */
    unsigned header_gen; /* headers taken so far */
    char header_line_text[32];
    pm_buf rawout;  /* raw text of the last bad record */
    pm_error *warn; /* queued warnings */
    size_t whead, wlen, wcap;
    unsigned long nwarn;
    int wsummary;
    int skip_line;       /* skip to the next line end (csv_cut_long) */
    int fatal_goes_on;   /* the last PM_READ_FATAL was a header: rows follow */
    const char *encname; /* the input encoding (for messages) */
    int cr_ended;        /* the last segment ended in a CR counted as a
                            line end; a LF right after it is not a line */
    int header_bad;      /* the header in force is unusable */

    /* YAML */
    yaml_parser_t yp;
    int yaml_started, finished, yaml_in_seq, yaml_doc_open;
    long yaml_piece_line;   /* line on which the piece last handed to libyaml starts */
    unsigned char carry[4]; /* an incomplete character at the end of the last piece */
    size_t ncarry;
    long cut_line;       /* >0: this line has bytes YAML does not allow; libyaml
                            was given the end of the stream instead */
    int cut_at_document; /* the cut line starts a new document (---, ...) */
    const char *cut_why;
    /* flow nesting, tracked over the bytes handed to libyaml */
    long flow_depth;
    char flow_quote;  /* inside a quoted scalar: its quote */
    char flow_prev;   /* last byte that was not a space ('\n' at a line start) */
    int flow_escape;  /* the last byte was a backslash in "..." */
    int flow_dropped; /* bytes deeper than YAML_MAX_FLOW were left out */
    long yline_base;  /* line before the first one libyaml was given */
    pm_buf ydoc;      /* the document being read (yaml_read_doc) */
    long ydoc_line;
    pm_buf ynext; /* the first line of the next document */
    long ynext_line;
    pm_buf yfilt;    /* ydoc through yaml_flow_filter */
    int ystream;     /* a long document: libyaml reads a stream */
    size_t ypre_pos; /* in ydoc, handed to the stream so far */
    long ypre_line;
    long ydoc_start; /* line of the last document start */
    long *ykpos;     /* line, column and length of each key of the mapping */
    size_t ykcap;
    char **ykeys; /* keys of a record read lately, in order (pmr_yaml_keys) */
    size_t *yklen, nykeys;
    char **ykeys_old; /* the list before: the record given out last may name it */
    size_t nykeys_old;
    int yadopted; /* ykeys replaced in the document being parsed */

    /* --byte-range (source.c): the bytes read are segment 0 (a CSV's header
     * line) then segment 1 (the lines that start in the range), read with
     * pread; entering segment 1 sets line to range_line, that of its first
     * byte in the file */
    int nseg, cur_seg;
    off_t seg_at[2], seg_end[2];
    long range_line;
    /* what pmr_src_range_check needs: whether the range ends before the
     * file does, the headers taken when segment 1 began, and whether a CR
     * was read in segment 1 (a CR alone is a line end the range's line
     * count did not see) */
    int range_inner;
    off_t range_from;
    unsigned range_gen;
    int range_cr;
    /* the range was refused (range_err): pm_reader_next says so when the
     * reader's own error is another (a YAML stream's read handler) */
    int range_refused;
    pm_error range_err;
};

/* source.c */
int pmr_src_start(pm_reader *rd, pm_error *err);
int pmr_src_fill(pm_reader *rd, pm_error *err);
int pmr_src_range(pm_reader *rd, pm_error *err);
void pmr_raw_escape(const pm_reader *rd, pm_buf *out, const unsigned char *a, size_t na, const unsigned char *b,
                    size_t nb);
/* detect.c */
pm_format pmr_detect_format(const unsigned char *s, size_t n);
/* csvread.c */
int pmr_csv_next(pm_reader *rd, pm_record *rec, pm_error *err);
/* pmr_csv_free and pmr_yaml_free free what their part of pm_reader holds
 * (pm_reader_close calls both, whatever the format). */
void pmr_csv_free(pm_reader *rd);
/* yamlread.c */
int pmr_yaml_next(pm_reader *rd, pm_record *rec, pm_error *err);
void pmr_yaml_free(pm_reader *rd);
/* The keys of a record the YAML reader read lately: when a record's keys are
 * these, in order, its field names are these very strings (as a CSV record's
 * are its header's); rd->header_gen grows whenever the list changes.  NULL
 * (*n 0) before any. */
const char *const *pmr_yaml_keys(const pm_reader *rd, size_t *n);
/* How many bytes c s[0..n) holds, but at most stop. */
size_t pmr_yaml_count_to(const char *s, size_t n, char c, size_t stop);
/* How the YAML reader cuts documents, for byte ranges (source.c): whether
 * the line l[0..n) starts a document ("---" then a blank or the line's end;
 * n < 4: the file ends there), and whether it is blank, a comment or a
 * directive (it belongs to the document after it). */
int pmr_yaml_doc_marker(const char *l, size_t n);
int pmr_yaml_preamble_line(const char *l, size_t n);
/* inputs.c */
/* The inputs named on a command line (stream.h, pm_inputs_*): private to
 * lib/, so that the pipeline (pipeline.c) can hold one. */
struct pm_inputs {
    char **paths; /* not owned */
    int npaths, next;
    pm_read_opts opts;
    pm_reader *cur;
    pm_reader *peeked; /* opened by pm_inputs_peek_format, for input peeked_at */
    int peeked_at;
    pm_format first_format;          /* format of the first input opened */
    int had_error;                   /* an input could not be opened or read */
    unsigned gen_opened, gen_closed; /* for pm_inputs_header_gen */
    pm_error *warn;                  /* warnings of inputs already closed */
    size_t whead, wlen, wcap;
    void (*on_input)(pm_reader *rd, int begin, void *ctx); /* pm_inputs_on_input */
    void *on_input_ctx;
};
pm_record *pmr_queue_slot(pm_reader *rd);
int pmr_queue_pop(pm_reader *rd, pm_record *rec, pm_error *err);
void pmr_fold_newlines(char *v, size_t *len);
void pmr_warn(pm_reader *rd, long line, const char *msg);

#endif
