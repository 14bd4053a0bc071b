/* atomic.h - files written whole or not at all, and temporary files that do
 * not outlive an interrupted run.
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

/* Remembers path (not copied: it must stay valid and unchanged until
 * pm_tmp_forget) for removal on a terminating signal; installs the handlers
 * on first use.  0, or -1 when 64 paths are registered already (the file is
 * then not removed on a signal). */
int pm_tmp_register(const char *path);
/* Forgets path (the same pointer that was registered): call it after the
 * file was renamed into place or removed. */
void pm_tmp_forget(const char *path);

#endif
