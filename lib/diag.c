/* diag.c - positioned errors and the messages programs print.  The helpers
 * that end the process (pm_usage_error, pm_fatal) are lib/cli/die.c. */
#include "diag.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *progname = "pm";

void pm_error_clear(pm_error *e)
{
    e->file[0] = 0;
    e->line = 0;
    e->msg[0] = 0;
}

void pm_error_vset(pm_error *e, const char *file, long line, const char *fmt, va_list ap)
{
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void pm_error_set(pm_error *e, const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm_error_vset(e, file, line, fmt, ap);
    va_end(ap);
}

void pm_diag_init(const char *argv0)
{
    if (!argv0 || !*argv0) return;
    const char *slash = strrchr(argv0, '/');
    progname = slash ? slash + 1 : argv0;
}

const char *pm_progname(void)
{
    return progname;
}

static long (*lines_above)(void);
static long lines_above_n = -1;

void pm_line_set_counter(long (*count)(void))
{
    lines_above = count;
    lines_above_n = -1;
}

long pm_line_shown(long line)
{
    if (line < PM_LINE_LAZY) return line;
    if (lines_above_n < 0) {
        long n = lines_above ? lines_above() : 0;
        lines_above_n = n > 0 ? n : 0;
    }
    return line - PM_LINE_LAZY + lines_above_n;
}

static void vwarn_at(const char *file, long line, const char *fmt, va_list ap)
{
    line = pm_line_shown(line);
    /* One fprintf per message so that lines from parallel runs do not mix. */
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (file && *file && line > 0)
        fprintf(stderr, "%s: %s:%ld: %s\n", progname, file, line, msg);
    else if (file && *file)
        fprintf(stderr, "%s: %s: %s\n", progname, file, msg);
    else
        fprintf(stderr, "%s: %s\n", progname, msg);
}

void pm_warn_at(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn_at(file, line, fmt, ap);
    va_end(ap);
}

void pm_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn_at(NULL, 0, fmt, ap);
    va_end(ap);
}

void pm_report(const pm_error *e)
{
    pm_warn_at(e->file, e->line, "%s", e->msg);
}

int pm_stdout_close(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return PM_EXIT_OK;
    if (errno != EPIPE) pm_warn("standard output: write error: %s", strerror(errno ? errno : EIO));
    return PM_EXIT_ERROR;
}
