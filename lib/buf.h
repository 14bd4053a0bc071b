/* buf.h - the project's one growable string buffer, and a chunked arena.
 *
 * pm_buf is git's strbuf in spirit: s is always NUL-terminated (once anything
 * was added), len excludes the NUL.  pm_arena hands out memory that stays put
 * until pm_arena_reset, so pointers into it are stable while a record lives.
 * Allocation failure ends the program through pm_oom, the toolkit's one
 * out-of-memory policy: the tools cannot go on without memory, and checking
 * every append would hide the logic.
 */
#ifndef PM_BUF_H
#define PM_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct pm_buf {
    char *s;
    size_t len, cap;
} pm_buf;

/* clang-format off */
#define PM_BUF_INIT {0, 0, 0}
/* clang-format on */

void pm_buf_init(pm_buf *b);
void pm_buf_free(pm_buf *b);
/* Makes room for n more bytes (plus the NUL).  Inline where there is room
 * (the writers call it per value); pm_buf_make_room grows. */
void pm_buf_make_room(pm_buf *b, size_t n);
static inline void pm_buf_grow(pm_buf *b, size_t n)
{
    /* room for n more and the NUL; a buffer that holds no memory (cap 0),
     * or breaks the invariant, goes the checked way */
    if (b->len + n >= b->cap) pm_buf_make_room(b, n);
}
void pm_buf_add(pm_buf *b, const void *data, size_t n);
void pm_buf_adds(pm_buf *b, const char *s);
static inline void pm_buf_addc(pm_buf *b, char c)
{
    pm_buf_grow(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}
void pm_buf_addf(pm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pm_buf_vaddf(pm_buf *b, const char *fmt, va_list ap);
/* Sets len to 0 but keeps the memory. */
void pm_buf_reset(pm_buf *b);
/* The contents as a C string ("" for an empty buffer that never grew). */
const char *pm_buf_str(const pm_buf *b);
/* Hands the string to the caller (free with free()); the buffer is emptied. */
char *pm_buf_detach(pm_buf *b);

/* The one out-of-memory policy, for every allocation in lib/ and the
 * programs: prints "PROGRAM: out of memory" (pm_progname) to standard error,
 * removes the temporary files of unfinished outputs (atomic.h) and ends the
 * process with status 2 (PM_EXIT_ERROR: the run failed), without running
 * atexit handlers or flushing stdio, which could need memory.  n, the size
 * asked for, is not printed.  Code that calls malloc itself calls this on
 * NULL.  lib/ only calls it: the definition is the program side's,
 * lib/cli/die.c (built into libpm.a); code that links lib/ without lib/cli
 * defines its own, which must not return. */
void pm_oom(size_t n) __attribute__((noreturn));

/* Out-of-memory aware helpers: they never return NULL (pm_oom instead). */
void *pm_xmalloc(size_t n);
void *pm_xcalloc(size_t n, size_t size);
void *pm_xrealloc(void *p, size_t n);
char *pm_xstrdup(const char *s);
char *pm_xstrndup(const char *s, size_t n);

/* Array growth, the one way: makes room for n elements in the array p (a
 * pointer lvalue) of capacity cap (an integer lvalue), doubling and at
 * least 16, through pm_xrealloc.  The new elements are not initialised.
 *     PM_GROW(v->e, v->n + 1, v->cap);
 *     v->e[v->n++] = x;                                                  */
#define PM_GROW(p, n, cap)                                                                                             \
    do {                                                                                                               \
        if ((size_t)(n) > (size_t)(cap)) {                                                                             \
            size_t pm_grow_to_ = pm_grow_cap((size_t)(cap), (size_t)(n), sizeof *(p));                                 \
            (p) = pm_xrealloc((p), pm_grow_to_ * sizeof *(p));                                                         \
            (cap) = pm_grow_to_;                                                                                       \
        }                                                                                                              \
    } while (0)
/* The capacity PM_GROW takes: cap doubled (16 from 0) until it holds n;
 * pm_oom when n elements of elem bytes cannot be addressed. */
size_t pm_grow_cap(size_t cap, size_t n, size_t elem);

typedef struct pm_arena_block pm_arena_block;
typedef struct pm_arena {
    pm_arena_block *head;  /* block being filled */
    pm_arena_block *spare; /* blocks kept for reuse after a reset */
} pm_arena;

/* clang-format off */
#define PM_ARENA_INIT {0, 0}
/* clang-format on */

void pm_arena_init(pm_arena *a);
void pm_arena_free(pm_arena *a);
/* n bytes aligned for any type; valid until pm_arena_reset/pm_arena_free. */
void *pm_arena_alloc(pm_arena *a, size_t n);
/* A NUL-terminated copy of data[0..n). */
char *pm_arena_strndup(pm_arena *a, const char *data, size_t n);
/* Forgets every allocation; keeps the memory for the next record. */
void pm_arena_reset(pm_arena *a);

#endif
