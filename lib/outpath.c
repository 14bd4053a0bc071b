/* outpath.c - an output never names an input, nor another output. */
#include "outpath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"

static int is_std(const char *path)
{
    return !path || !strcmp(path, "-") || !*path;
}

/* What an output path will write: 1 and its identity (*st) for an existing
 * regular file; 2 and its folder's identity (and *base) for a file not yet
 * there; 0 for anything written directly or not examinable. */
static int output_id(const char *path, struct stat *st, const char **base)
{
    if (stat(path, st) == 0) return S_ISREG(st->st_mode) ? 1 : 0;
    if (errno != ENOENT) return 0;
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!**base) return 0;
    int rc;
    if (!slash) {
        rc = stat(".", st);
    } else if (slash == path) {
        rc = stat("/", st);
    } else {
        char *dir = pm_xstrndup(path, (size_t)(slash - path));
        rc = stat(dir, st);
        free(dir);
    }
    return rc == 0 ? 2 : 0;
}

int pm_paths_check(char *const *inputs, int ninputs, const char *const *outputs, int noutputs, pm_error *err)
{
    for (int i = 0; i < noutputs; i++) {
        const char *out = outputs[i];
        if (is_std(out)) continue;
        struct stat os;
        const char *obase = NULL;
        int kind = output_id(out, &os, &obase);
        if (!kind) continue;
        if (kind == 1) {
            for (int j = 0; j < ninputs; j++) {
                struct stat is;
                if (is_std(inputs[j]) || stat(inputs[j], &is) != 0) continue;
                if (is.st_dev == os.st_dev && is.st_ino == os.st_ino) {
                    if (!strcmp(inputs[j], out))
                        pm_error_set(err, out, 0,
                                     "is an input too; writing it would destroy that input "
                                     "(choose another output file)");
                    else
                        pm_error_set(err, out, 0,
                                     "is the input %s (the same file); writing it would destroy "
                                     "that input (choose another output file)",
                                     inputs[j]);
                    return -1;
                }
            }
        }
        for (int k = 0; k < i; k++) {
            const char *prev = outputs[k];
            if (is_std(prev)) continue;
            struct stat ps;
            const char *pbase = NULL;
            int pkind = output_id(prev, &ps, &pbase);
            if (pkind != kind || ps.st_dev != os.st_dev || ps.st_ino != os.st_ino) continue;
            if (kind == 2 && strcmp(pbase, obase) != 0) continue;
            if (!strcmp(prev, out))
                pm_error_set(err, out, 0, "is named for two outputs; each output needs a file of its own");
            else
                pm_error_set(err, out, 0, "is the same file as the output %s; each output needs a file of its own",
                             prev);
            return -1;
        }
    }
    return 0;
}
