/* diag.h - errors that carry their position, and the messages programs print.
 *
 * Library functions never print: they fill a pm_error (file, line, message)
 * and return a status.  Programs print with pm_report(), which writes
 *     PROGRAM: FILE:LINE: message
 * to standard error, and choose the exit status (see PM_EXIT_*).
 */
#ifndef PM_DIAG_H
#define PM_DIAG_H

#include <stdarg.h>

/* Exit statuses, docs/CONTRACT.md section 3. */
enum { PM_EXIT_OK = 0, PM_EXIT_FLAGGED = 1, PM_EXIT_ERROR = 2 };

typedef struct pm_error {
    char file[512]; /* "" when the error has no file */
    long line;      /* 0 when it has no line */
    char msg[1024];
} pm_error;

/* Lines of a block read by byte range (--byte-range, pm-formats(5)) whose
 * count of lines above the block is not known yet: PM_LINE_LAZY + the
 * line's number in the block (its first line 1).  The reader counts the
 * lines above the block only when one of its lines is shown (pm_line_shown),
 * which a run over clean records never does: a block far into a large file
 * does not read every byte before it first (on every host of a cluster,
 * each block further in).  Such lines still compare in file order, after
 * the header's, and their differences are counts of lines. */
#define PM_LINE_LAZY (1L << (sizeof(long) * 8 - 2))
/* The number a message or a record shows for line: line itself, or, for a
 * line of PM_LINE_LAZY or more, its line in the file (the lines above the
 * block counted then, once).  Everything that prints a line number of a
 * record passes it through here; pm_warn_at and pm_report do. */
long pm_line_shown(long line);
/* How the lines above the block are counted: count() returns their number
 * (it may print why it cannot, and return 0: the block's lines are then
 * shown counted from its start).  Called by the reader; NULL: none. */
void pm_line_set_counter(long (*count)(void));

void pm_error_clear(pm_error *e);
/* Sets all three parts; file may be NULL. */
void pm_error_set(pm_error *e, const char *file, long line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pm_error_vset(pm_error *e, const char *file, long line, const char *fmt, va_list ap);

/* Program side ------------------------------------------------------------ */

/* Remembers the program name (basename of argv0) for messages. */
void pm_diag_init(const char *argv0);
const char *pm_progname(void);
/* "PROG: FILE:LINE: msg", "PROG: FILE: msg" or "PROG: msg" as the error has them. */
void pm_report(const pm_error *e);
/* Prints "PROG: FILE:LINE: fmt..." (file NULL or line 0 drop those parts). */
void pm_warn_at(const char *file, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The usage and fatal errors are the program side's (lib/cli/die.c): the
 * last two end the process; lib/ reports through pm_error instead. */
/* Prints the message and "Try 'PROG --help'."; returns -1, for an option
 * callback to return (pm_opts_parse then exits with status 2). */
int pm_usage_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the message and "Try 'PROG --help'." and exits with status 2. */
void pm_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Prints the message and exits with status 2. */
void pm_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Flushes what stdio holds for standard output: PM_EXIT_OK, or PM_EXIT_ERROR
 * after "PROG: standard output: write error: ..." (a closed pipe is quiet).
 * For output printed with stdio (--help, --version, --print-policy). */
int pm_stdout_close(void);

#endif
