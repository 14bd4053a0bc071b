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

/* What an output path will write, as far as clashes go: kind 1 and the
 * identity (st) of an existing regular file; kind 2 and its folder's
 * identity and its base name for a file not yet there; kind 0 for standard
 * output and anything written directly or not examinable. */
typedef struct output_id {
    int kind;
    struct stat st;
    const char *base;
} output_id;

static void output_id_of(const char *path, output_id *id)
{
    id->kind = 0;
    id->base = NULL;
    if (is_std(path)) return;
    if (stat(path, &id->st) == 0) {
        id->kind = S_ISREG(id->st.st_mode) ? 1 : 0;
        return;
    }
    if (errno != ENOENT) return;
    const char *slash = strrchr(path, '/');
    id->base = slash ? slash + 1 : path;
    if (!*id->base) return;
    int rc;
    if (!slash) {
        rc = stat(".", &id->st);
    } else if (slash == path) {
        rc = stat("/", &id->st);
    } else {
        char *dir = pm_xstrndup(path, (size_t)(slash - path));
        rc = stat(dir, &id->st);
        free(dir);
    }
    id->kind = rc == 0 ? 2 : 0;
}

/* Whether two outputs would write the same file. */
static int same_output(const output_id *a, const output_id *b)
{
    return a->kind && a->kind == b->kind && a->st.st_dev == b->st.st_dev && a->st.st_ino == b->st.st_ino &&
           (a->kind == 1 || strcmp(a->base, b->base) == 0);
}

int pm_paths_check(char *const *inputs, int ninputs, const char *const *outputs, int noutputs, pm_error *err)
{
    for (int i = 0; i < noutputs; i++) {
        const char *out = outputs[i];
        output_id o;
        output_id_of(out, &o);
        if (!o.kind) continue;
        if (o.kind == 1) {
            for (int j = 0; j < ninputs; j++) {
                struct stat is;
                if (is_std(inputs[j]) || stat(inputs[j], &is) != 0) continue;
                if (is.st_dev == o.st.st_dev && is.st_ino == o.st.st_ino) {
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
            output_id p;
            output_id_of(prev, &p);
            if (!same_output(&p, &o)) continue;
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
