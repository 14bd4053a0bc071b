/* test_writer_oom.c - the one out-of-memory policy (lib/buf.h, pm_oom):
 * status 2 and "PROGRAM: out of memory", whichever allocator failed. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"

/* AddressSanitizer stops the process on an impossible request itself */
#ifndef __SANITIZE_ADDRESS__

static void as_pm_test(void)
{
    cr_redirect_stderr();
    pm_diag_init("/usr/bin/pm-test");
}

Test(oom, xmalloc_ends_with_status_2_and_the_program_name, .init = as_pm_test, .exit_code = 2)
{
    fflush(stderr);
    void *p = pm_xmalloc(SIZE_MAX / 2);
    cr_log_error("pm_xmalloc returned %p", p);
}

Test(oom, xrealloc_ends_with_status_2, .init = as_pm_test, .exit_code = 2)
{
    void *p = pm_xrealloc(NULL, SIZE_MAX / 2);
    cr_log_error("pm_xrealloc returned %p", p);
}

Test(oom, the_message_names_the_program)
{
    cr_redirect_stderr();
    pm_diag_init("/usr/bin/pm-test");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) pm_xcalloc(SIZE_MAX / 16, 8);
    int st;
    waitpid(pid, &st, 0);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d", st);
    fflush(stderr);
    cr_expect_stderr_eq_str("pm-test: out of memory\n");
}

#endif
