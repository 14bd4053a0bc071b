/* atomic.c - atomic output files; temporary files removed on signals. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

/* Temporary files removed on signals ------------------------------------- */

#define MAX_TMP 64

static _Atomic(const char *) tmp_paths[MAX_TMP];
static atomic_flag handlers_installed = ATOMIC_FLAG_INIT;
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};

void pm_tmp_remove_all(void)
{
    for (size_t i = 0; i < MAX_TMP; i++) {
        const char *p = atomic_exchange(&tmp_paths[i], NULL);
        if (p) unlink(p);
    }
}

static void on_signal(int sig)
{
    int saved = errno;
    pm_tmp_remove_all();
    /* sig is blocked while its handler runs: raised again, it is delivered
     * with the default action as soon as the handler returns */
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved;
}

static void install_handlers(void)
{
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof *cleanup_signals; i++) {
        struct sigaction old, sa;
        if (sigaction(cleanup_signals[i], NULL, &old) < 0) continue;
        /* ignored (nohup, a background job) or the program's own: left alone */
        if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < sizeof cleanup_signals / sizeof *cleanup_signals; k++)
            sigaddset(&sa.sa_mask, cleanup_signals[k]);
        sa.sa_flags = 0;
        sigaction(cleanup_signals[i], &sa, NULL);
    }
}

int pm_tmp_register(const char *path)
{
    if (!atomic_flag_test_and_set(&handlers_installed)) install_handlers();
    for (size_t i = 0; i < MAX_TMP; i++) {
        const char *expected = NULL;
        if (atomic_compare_exchange_strong(&tmp_paths[i], &expected, path)) return 0;
    }
    return -1;
}

void pm_tmp_forget(const char *path)
{
    for (size_t i = 0; i < MAX_TMP; i++) {
        const char *expected = path;
        if (atomic_compare_exchange_strong(&tmp_paths[i], &expected, NULL)) return;
    }
}

/* Atomic output files ------------------------------------------------------ */

struct pm_atomic_file {
    int fd;
    char *path;    /* the path as given (NULL: standard output) */
    char *target;  /* the file renamed over on commit (a link's target) */
    char *tmppath; /* the temporary file, or NULL when written directly */
    FILE *stream;  /* pm_atomic_stream's, or NULL */
    int failed;    /* a write failed: the output is incomplete */
};

const char *pm_atomic_name(const pm_atomic_file *af)
{
    return af->path ? af->path : "standard output";
}
int pm_atomic_is_temporary(const pm_atomic_file *af)
{
    return af->tmppath != NULL;
}
int pm_atomic_fd(const pm_atomic_file *af)
{
    return af->fd;
}

const char *pm_atomic_write_path(const pm_atomic_file *af)
{
    return af->tmppath ? af->tmppath : af->fd == 1 && !af->path ? NULL : af->path;
}

static pm_atomic_file *direct(pm_atomic_file *af, const char *path, int fd)
{
    af->fd = fd;
    af->path = path ? pm_xstrdup(path) : NULL;
    return af;
}

pm_atomic_file *pm_atomic_open(const char *path, pm_error *err)
{
    pm_atomic_file *af = pm_xcalloc(1, sizeof *af);
    if (!path || !strcmp(path, "-")) return direct(af, NULL, 1);
    struct stat st;
    int exists = stat(path, &st) == 0;
    const char *target = path;
    char *resolved = NULL; /* a symbolic link's regular file, replaced in its place */
    if (exists && S_ISREG(st.st_mode)) {
        struct stat lst;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            char link[64];
            ssize_t k = readlink(path, link, sizeof link - 1);
            link[k > 0 ? k : 0] = 0;
            struct stat out;
            if (!strncmp(link, "/proc/", 6) || !strncmp(link, "/dev/", 5)) {
                /* /dev/stdout, /proc/self/fd/N: a file some shell opened;
                 * renaming over it would lose the output */
                if (fstat(1, &out) == 0 && out.st_dev == st.st_dev && out.st_ino == st.st_ino)
                    return direct(af, path, 1);
                int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
                if (fd < 0) goto fail_open;
                return direct(af, path, fd);
            }
            resolved = realpath(path, NULL);
            if (resolved) target = resolved;
        }
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* /dev/null, /dev/full, a FIFO: no rename possible */
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) goto fail_open;
        return direct(af, path, fd);
    }
    char *copy = pm_xstrdup(target);
    char *dir = dirname(copy);
    char *copy2 = pm_xstrdup(target);
    char *base = basename(copy2);
    size_t n = strlen(dir) + strlen(base) + 16;
    af->tmppath = pm_xmalloc(n);
    snprintf(af->tmppath, n, "%s/.%s.XXXXXX", dir, base);
    free(copy);
    free(copy2);
    af->fd = mkstemp(af->tmppath);
    if (af->fd < 0) {
        pm_error_set(err, path, 0, "cannot create a file beside it: %s", strerror(errno));
        goto fail;
    }
    pm_tmp_register(af->tmppath); /* removed should a signal end the run */
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    fchmod(af->fd, mode);
    af->path = pm_xstrdup(path);
    af->target = pm_xstrdup(target);
    free(resolved);
    return af;
fail_open:
    pm_error_set(err, path, 0, "cannot open for writing: %s", strerror(errno));
fail:
    free(resolved);
    free(af->tmppath);
    free(af);
    return NULL;
}

int pm_atomic_write(pm_atomic_file *af, const void *data, size_t n, pm_error *err)
{
    if (af->failed) {
        pm_error_set(err, pm_atomic_name(af), 0, "write error");
        return -1;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t r = write(af->fd, (const char *)data + off, n - off);
        if (r < 0) {
            if (errno == EINTR) continue;
            pm_error_set(err, pm_atomic_name(af), 0, "write error: %s", strerror(errno));
            af->failed = 1;
            return -1;
        }
        off += (size_t)r;
    }
    return 0;
}

FILE *pm_atomic_stream(pm_atomic_file *af)
{
    if (af->stream) return af->stream;
    if (af->fd == 1 && !af->tmppath) {
        af->stream = stdout;
    } else {
        af->stream = fdopen(af->fd, "w");
        if (!af->stream) pm_oom(BUFSIZ); /* fdopen fails only for want of memory here */
    }
    return af->stream;
}

int pm_atomic_close(pm_atomic_file *af, int commit, pm_error *err)
{
    int rc = 0;
    if (!af) return 0;
    if (af->stream && fflush(af->stream) != 0) {
        pm_error_set(err, pm_atomic_name(af), 0, "write error: %s", strerror(errno));
        af->failed = 1;
        rc = -1;
    }
    if (af->failed && rc == 0) {
        /* an earlier write failed: the output is incomplete */
        pm_error_set(err, pm_atomic_name(af), 0, "write error: the output is incomplete");
        rc = -1;
    }
    int is_stdout = af->fd == 1 && !af->tmppath;
    int closed = 0;
    if (af->tmppath) {
        if (rc == 0 && commit && fsync(af->fd) < 0 && errno != EINVAL) {
            pm_error_set(err, af->path, 0, "write error: %s", strerror(errno));
            rc = -1;
        }
        closed = af->stream ? fclose(af->stream) : close(af->fd);
        if (closed < 0 && rc == 0 && commit) {
            pm_error_set(err, af->path, 0, "write error: %s", strerror(errno));
            rc = -1;
        }
        if (commit && rc == 0) {
            if (rename(af->tmppath, af->target) < 0) {
                pm_error_set(err, af->path, 0, "cannot rename the finished file into place: %s", strerror(errno));
                rc = -1;
                unlink(af->tmppath);
            }
        } else {
            unlink(af->tmppath);
        }
        pm_tmp_forget(af->tmppath);
    } else if (!is_stdout) {
        closed = af->stream ? fclose(af->stream) : close(af->fd);
        if (closed < 0 && rc == 0) {
            pm_error_set(err, pm_atomic_name(af), 0, "write error: %s", strerror(errno));
            rc = -1;
        }
    }
    free(af->tmppath);
    free(af->target);
    free(af->path);
    free(af);
    return rc;
}
