/* inputs.c - the SHA-256 of every input's bytes (inputs_sha256).
 *
 * Every charge line carries the hash of the input file it came from, so the
 * hash must be known before that file's first record is charged.  Hashing
 * while the records stream past would only know it at the end: the lines
 * would have to be held back (memory grows with the input) or the hash put
 * in a trailing summary that CSV tools downstream would take for a charge.
 * So each regular file is hashed first, in one sequential pass of 64 KiB
 * blocks (memory constant; the file is then read a second time by the
 * record reader, from the page cache as a rule).  Standard input redirected
 * from a file is hashed the same way and rewound.  A pipe cannot be read
 * twice: its hash is left empty and pm-fee says so.  After the run, each
 * hashed file's size and modification time are compared with those seen
 * when it was hashed: a file that changed in between makes the run fail,
 * since its charges no longer match the hash they carry.
 */
#include "fee.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct input {
    const char *name; /* as records name their source: the path, or "-" */
    char sha[65];     /* "" when not hashed */
    int hashed;
    int missing; /* could not be opened: the reader says so */
    struct stat st;
    int fd_stdin; /* 1: standard input */
} input;

struct fee_inputs_hash {
    input *in;
    int n;
    int last; /* index of the last lookup */
};

static int hash_fd(int fd, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    static const char hex[] = "0123456789abcdef";
    enum { BLOCK = 1 << 16 };
    uint8_t *buf = pm_xmalloc(BLOCK);
    sha256_init(&ctx);
    for (;;) {
        ssize_t k = read(fd, buf, BLOCK);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            free(buf);
            return -1;
        }
        if (k == 0) break;
        sha256_update(&ctx, (size_t)k, buf);
    }
    free(buf);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

static void hash_one(input *in)
{
    in->sha[0] = '\0';
    if (in->fd_stdin) {
        if (fstat(0, &in->st) != 0 || !S_ISREG(in->st.st_mode)) return;
        off_t at = lseek(0, 0, SEEK_CUR);
        if (at < 0) return;
        if (hash_fd(0, in->sha) != 0 || lseek(0, at, SEEK_SET) < 0) {
            in->sha[0] = '\0';
            return;
        }
        in->hashed = 1;
        return;
    }
    int fd = open(in->name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        in->missing = 1; /* the reader reports it */
        return;
    }
    if (fstat(fd, &in->st) == 0 && S_ISREG(in->st.st_mode) && hash_fd(fd, in->sha) == 0)
        in->hashed = 1;
    else
        in->sha[0] = '\0';
    close(fd);
}

fee_inputs_hash *fee_inputs_hash_new(char **paths, int npaths)
{
    fee_inputs_hash *h = pm_xcalloc(1, sizeof *h);
    int n = npaths > 0 ? npaths : 1;
    h->in = pm_xcalloc((size_t)n, sizeof *h->in);
    h->n = n;
    for (int i = 0; i < n; i++) {
        input *in = &h->in[i];
        in->name = npaths > 0 ? paths[i] : "-";
        in->fd_stdin = strcmp(in->name, "-") == 0;
        /* the same input named twice is hashed once */
        int dup = -1;
        for (int j = 0; j < i && dup < 0; j++)
            if (strcmp(h->in[j].name, in->name) == 0) dup = j;
        if (dup >= 0)
            *in = h->in[dup];
        else
            hash_one(in);
    }
    return h;
}

const char *fee_inputs_sha256(fee_inputs_hash *h, const char *name)
{
    if (h->last < h->n && strcmp(h->in[h->last].name, name) == 0) return h->in[h->last].sha;
    for (int i = 0; i < h->n; i++)
        if (strcmp(h->in[i].name, name) == 0) {
            h->last = i;
            return h->in[i].sha;
        }
    return "";
}

const char *fee_inputs_unhashed(fee_inputs_hash *h, int *i)
{
    while (*i < h->n) {
        input *in = &h->in[(*i)++];
        if (!in->hashed && !in->missing) return in->name;
    }
    return NULL;
}

int fee_inputs_unchanged(fee_inputs_hash *h, pm_error *err)
{
    for (int i = 0; i < h->n; i++) {
        input *in = &h->in[i];
        if (!in->hashed) continue;
        struct stat st;
        int ok = in->fd_stdin ? fstat(0, &st) == 0 : stat(in->name, &st) == 0;
        if (!ok || st.st_size != in->st.st_size || st.st_mtim.tv_sec != in->st.st_mtim.tv_sec ||
            st.st_mtim.tv_nsec != in->st.st_mtim.tv_nsec || st.st_ino != in->st.st_ino) {
            pm_error_set(err, in->name, 0,
                         "changed while pm-fee read it: its charges do not match its inputs_sha256; run again");
            return -1;
        }
    }
    return 0;
}

void fee_inputs_hash_free(fee_inputs_hash *h)
{
    if (!h) return;
    free(h->in);
    free(h);
}
