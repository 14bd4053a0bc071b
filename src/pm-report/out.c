/* out.c - report output files, written atomically like pm_writer's: a
 * temporary file in the same folder, renamed into place only on success.
 * Standard output and non-regular files (/dev/null, FIFOs) are written
 * directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"

int rpt_out_open(rpt_out *o, const char *path, pm_error *err)
{
    memset(o, 0, sizeof *o);
    struct stat sb;
    if (!path || strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        o->fp = fopen(path, "w");
        if (!o->fp) {
            pm_error_set(err, path, 0, "cannot open: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    o->path = pm_xstrdup(path);
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, "%s.tmpXXXXXX", path);
    o->tmp = pm_buf_detach(&b);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        pm_error_set(err, path, 0, "cannot create a temporary file beside it: %s", strerror(errno));
        free(o->tmp);
        free(o->path);
        o->tmp = o->path = NULL;
        return -1;
    }
    mode_t um = umask(0);  /* mkstemp makes 0600; a report is as readable as any new file */
    umask(um);
    fchmod(fd, 0666 & ~um);
    o->fp = fdopen(fd, "w");
    return 0;
}

int rpt_out_close(rpt_out *o, int commit, pm_error *err)
{
    int rc = 0;
    if (o->fp == stdout) {
        if (fflush(stdout) != 0 && errno != EPIPE) {
            pm_error_set(err, NULL, 0, "write error: %s", strerror(errno));
            rc = -1;
        }
        return rc;
    }
    if (o->fp && fclose(o->fp) != 0) {
        pm_error_set(err, o->path, 0, "write error: %s", strerror(errno));
        rc = -1;
        commit = 0;
    }
    o->fp = NULL;
    if (o->tmp) {
        if (commit && rename(o->tmp, o->path) != 0) {
            pm_error_set(err, o->path, 0, "cannot rename into place: %s", strerror(errno));
            rc = -1;
        }
        if (!commit || rc != 0)
            unlink(o->tmp);
        free(o->tmp);
        free(o->path);
        o->tmp = o->path = NULL;
    }
    return rc;
}
