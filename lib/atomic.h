/* atomic.h - output files written whole or not at all, and temporary files
 * that do not outlive an interrupted run.
 *
 * pm_atomic_file is the one output layer under every writer (pm_writer for
 * CSV and YAML, and the report renderers: text, HTML, XLSX):
 *
 *     pm_atomic_file *af = pm_atomic_open(path, &err);   // NULL: err says why
 *     if (!af) ...report, exit 2...
 *     ...pm_atomic_write(af, bytes, n, &err)  (unbuffered: buffer yourself)
 *        or fprintf(pm_atomic_stream(af), ...)  (stdio; not both on one file)
 *        or a library that writes by name: pm_atomic_write_path(af)...
 *     if (pm_atomic_close(af, ok, &err) < 0) ...report, exit 2...
 *
 * What a path means:
 *   NULL or "-"           standard output (fd 1), written directly, never closed.
 *   a regular file, or a  written into a hidden temporary file beside it,
 *   name not yet used     ".NAME.XXXXXX" in the same folder, which
 *                         pm_atomic_close(.., commit=1) renames over NAME:
 *                         readers see the old file or the whole new one, and
 *                         a failed run (commit=0) leaves the old file as it
 *                         was.  An existing file keeps its permission bits; a
 *                         new one gets 0666 less the umask, as with fopen.
 *   a symbolic link to a  written through the link: the temporary file is
 *   regular file          made beside the target, which is replaced; the
 *                         link stays a link.
 *   /dev/stdout,          the file some shell opened for the process:
 *   /proc/self/fd/N       standard output itself when it is that file, else
 *                         opened and truncated in place (renaming over it
 *                         would lose the output).
 *   anything else that    /dev/null, /dev/full, a FIFO, a terminal: opened
 *   exists                and written directly; no rename is possible.
 * The temporary file is registered for removal on SIGINT, SIGTERM and SIGHUP
 * (below) and on running out of memory (pm_oom in buf.h).
 *
 * A temporary file is registered with pm_tmp_register while it exists; on
 * SIGINT, SIGTERM or SIGHUP every registered path is unlinked and the signal
 * then takes its default action (the program ends as if it had not caught
 * it).  A signal the process ignores when the first file is registered
 * (SIGHUP under nohup, SIGINT in a background job) stays ignored.  The
 * handler only calls unlink, signal and raise: async-signal-safe.
 */
#ifndef PM_ATOMIC_H
#define PM_ATOMIC_H

#include <stddef.h>
#include <stdio.h>
#include "diag.h"

typedef struct pm_atomic_file pm_atomic_file;

/* Opens path for writing as described above.  NULL with err set ("cannot
 * open for writing: ...", "cannot create a file beside it: ...") on failure.
 * The result must be closed with pm_atomic_close. */
pm_atomic_file *pm_atomic_open(const char *path, pm_error *err);
/* Writes all n bytes (retrying short writes and EINTR).  0, or -1 with err
 * set ("write error: ..."); after a failure the file is marked failed, later
 * writes fail at once, and pm_atomic_close reports the output incomplete. */
int pm_atomic_write(pm_atomic_file *af, const void *data, size_t n, pm_error *err);
/* A stdio stream on the file, made on first call and owned by af (stdout
 * itself for standard output); pm_atomic_close flushes and closes it and
 * reports its errors.  Use either this or pm_atomic_write, not both. */
FILE *pm_atomic_stream(pm_atomic_file *af);
/* For a library that writes a file by name (libxlsxwriter): the name to give
 * it, the temporary file or the direct path; NULL for standard output.  The
 * library must have finished writing before pm_atomic_close. */
const char *pm_atomic_write_path(const pm_atomic_file *af);
/* The name for messages: the path as given, or "standard output". */
const char *pm_atomic_name(const pm_atomic_file *af);
/* 1 when the output goes through a temporary file renamed on commit. */
int pm_atomic_is_temporary(const pm_atomic_file *af);
/* The file descriptor written to (1 for standard output). */
int pm_atomic_fd(const pm_atomic_file *af);
/* Finishes the output.  With commit: flushes the stream, syncs the
 * temporary file to disk and renames it into place.  Without: removes the
 * temporary file (a direct output keeps what was written).  0, or -1 with err
 * set (a write, sync, close or rename error, or an earlier write that
 * failed); on -1 no temporary file remains and the old file is untouched.
 * Always frees af (NULL is accepted and returns 0). */
int pm_atomic_close(pm_atomic_file *af, int commit, pm_error *err);

/* Remembers path (not copied: it must stay valid and unchanged until
 * pm_tmp_forget) for removal on a terminating signal; installs the handlers
 * on first use.  0, or -1 when 64 paths are registered already (the file is
 * then not removed on a signal). */
int pm_tmp_register(const char *path);
/* Forgets path (the same pointer that was registered): call it after the
 * file was renamed into place or removed. */
void pm_tmp_forget(const char *path);
/* Removes every registered file now and forgets them (pm_oom, before the
 * process ends); async-signal-safe. */
void pm_tmp_remove_all(void);

#endif
