/* atomic.c - atomic output files; temporary files removed on signals. */
#include "atomic.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

/* Temporary files removed on signals ------------------------------------- */

#define MAX_TMP 64

static _Atomic(const char *) tmp_paths[MAX_TMP];
static atomic_flag handlers_installed = ATOMIC_FLAG_INIT;
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_signal(int sig)
{
    int saved = errno;
    for (size_t i = 0; i < MAX_TMP; i++) {
        const char *p = atomic_exchange(&tmp_paths[i], NULL);
        if (p) unlink(p);
    }
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
