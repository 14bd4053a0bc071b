/* die.c - the program side's ways to end the process: a usage error, a
 * fatal error, and running out of memory (pm_oom, buf.h's one policy).
 * lib/ itself never ends the process: it reports through pm_error, and
 * calls pm_oom, defined here, when an allocation fails. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "diag.h"

static void vwarn(const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    pm_warn("%s", msg);
}

static void vusage(const char *fmt, va_list ap)
{
    vwarn(fmt, ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", pm_progname());
}

int pm_usage_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(fmt, ap);
    va_end(ap);
    return -1;
}

void pm_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage(fmt, ap);
    va_end(ap);
    exit(PM_EXIT_ERROR);
}

void pm_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    exit(PM_EXIT_ERROR);
}

void pm_oom(size_t n)
{
    (void)n;
    /* no stdio, no allocation: write(2) of a message built on the stack */
    char msg[160];
    int k = snprintf(msg, sizeof msg, "%s: out of memory\n", pm_progname());
    if (k > 0) {
        if ((size_t)k >= sizeof msg) k = (int)sizeof msg - 1;
        ssize_t w = write(2, msg, (size_t)k);
        (void)w;
    }
    pm_tmp_remove_all();
    _exit(PM_EXIT_ERROR);
}
