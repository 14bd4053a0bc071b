/* fuzz_posts.c - libFuzzer harness for pm-roster's posts loader
 * (src/pm-roster/posts.c and the other non-main files, linked in).
 *
 * ro_posts_load reports its messages itself (standard error, silenced here
 * unless FUZZ_VERBOSE is set) and returns -1 on any problem.  Checks, beyond
 * "no crash, no sanitizer report, no hang": a loaded posts file is checked
 * against an empty roster for one week (ro_check) without crashing. */
#include "fuzz_util.h"
#include "roster.h"

static pm_tz *tz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    pm_error err;
    tz = pm_tz_open("Asia/Shanghai", &err);
    if (!tz) abort();

    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, ".posts.yaml", data, size);
    ro_model m;
    ro_model_init(&m, tz);
    if (ro_posts_load(&m, path) == 0) {
        ro_violations vs;
        memset(&vs, 0, sizeof vs);
        ro_check(&m, pm_day_from_civil(2024, 10, 1), 7, &vs);
        ro_violations_free(&vs);
    }
    ro_model_free(&m);
    return 0;
}
