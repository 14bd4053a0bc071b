/* fuzz_util.h - shared helpers for the libFuzzer harnesses in tests/fuzz/.
 *
 * The code under test reads files by name, so each input is written to a
 * per-process temporary file first. */
#ifndef PM_FUZZ_UTIL_H
#define PM_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); __builtin_trap(); } } while (0)

/* A temporary path unique to this process and slot; suffix like ".yaml". */
static inline const char *fuzz_path(int slot, const char *suffix)
{
    static char paths[4][256];
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    snprintf(paths[slot], sizeof paths[slot], "%s/pm-fuzz-%ld-%d%s", dir, (long)getpid(), slot, suffix);
    return paths[slot];
}

/* Writes data to the slot's file; returns its path. */
static inline const char *fuzz_write(int slot, const char *suffix, const uint8_t *data, size_t size)
{
    const char *p = fuzz_path(slot, suffix);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) abort();
        off += (size_t)w;
    }
    close(fd);
    return p;
}

/* A NUL-terminated copy of data. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* Silences standard error (the programs' loaders print their messages). */
static inline void fuzz_quiet(void)
{
    if (getenv("FUZZ_VERBOSE")) return;
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) { dup2(fd, 2); close(fd); }
}

/* Whether s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
static inline int fuzz_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min, cp;
        if (c < 0x80) { i++; continue; }
        else if ((c & 0xe0) == 0xc0) { k = 1; min = 0x80; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { k = 2; min = 0x800; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { k = 3; min = 0x10000; cp = c & 0x07; }
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}

#endif
