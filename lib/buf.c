/* buf.c - growable string buffer and chunked arena. */
#include "buf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pm_oom (buf.h) is the program side's: lib/cli/die.c. */
static void oom(size_t n)
{
    pm_oom(n);
}

void *pm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *pm_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *pm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

size_t pm_grow_cap(size_t cap, size_t n, size_t elem)
{
    size_t max = (size_t)-1 / (elem ? elem : 1);
    if (n > max) oom(n);
    size_t c = cap ? cap : 16;
    while (c < n) c = c > max / 2 ? max : 2 * c;
    return c;
}

char *pm_xstrdup(const char *s)
{
    return pm_xstrndup(s, strlen(s));
}

char *pm_xstrndup(const char *s, size_t n)
{
    char *p = pm_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void pm_buf_init(pm_buf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void pm_buf_free(pm_buf *b)
{
    free(b->s);
    pm_buf_init(b);
}

void pm_buf_make_room(pm_buf *b, size_t n)
{
    /* buf.h: len excludes the NUL, which always fits once memory is held */
    assert(b->s ? b->len < b->cap : b->len == 0 && b->cap == 0);
    if (b->len + n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) {
        if (cap > (size_t)-1 / 2) oom(b->len + n + 1);
        cap *= 2;
    }
    b->s = pm_xrealloc(b->s, cap);
    b->cap = cap;
}

void pm_buf_add(pm_buf *b, const void *data, size_t n)
{
    pm_buf_grow(b, n);
    if (n) memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = 0;
}

void pm_buf_adds(pm_buf *b, const char *s)
{
    pm_buf_add(b, s, strlen(s));
}

void pm_buf_vaddf(pm_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    pm_buf_grow(b, 64);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    if (n < 0) n = 0;
    if ((size_t)n >= b->cap - b->len) {
        pm_buf_grow(b, (size_t)n);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    b->len += (size_t)n;
}

void pm_buf_addf(pm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void pm_buf_reset(pm_buf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = 0;
}

const char *pm_buf_str(const pm_buf *b)
{
    return b->s ? b->s : "";
}

char *pm_buf_detach(pm_buf *b)
{
    char *s = b->s ? b->s : pm_xstrdup("");
    pm_buf_init(b);
    return s;
}

/* Arena ------------------------------------------------------------------ */

struct pm_arena_block {
    pm_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_BLOCK 8192

void pm_arena_init(pm_arena *a)
{
    a->head = a->spare = NULL;
}

static void free_chain(pm_arena_block *b)
{
    while (b) {
        pm_arena_block *n = b->next;
        free(b);
        b = n;
    }
}

void pm_arena_free(pm_arena *a)
{
    free_chain(a->head);
    free_chain(a->spare);
    pm_arena_init(a);
}

void *pm_arena_alloc(pm_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    pm_arena_block *b = a->head;
    if (b && b->size - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    /* Take a spare block that fits, else make one. */
    pm_arena_block **pp = &a->spare;
    while (*pp && (*pp)->size < n) pp = &(*pp)->next;
    if (*pp) {
        b = *pp;
        *pp = b->next;
    } else {
        size_t size = ARENA_MIN_BLOCK;
        while (size < n) size *= 2;
        if (size > (size_t)-1 - sizeof *b) oom(n);
        b = pm_xmalloc(sizeof *b + size);
        b->size = size;
    }
    assert(b->size >= n);
    b->used = n;
    b->next = a->head;
    a->head = b;
    return b->data;
}

char *pm_arena_strndup(pm_arena *a, const char *data, size_t n)
{
    char *p = pm_arena_alloc(a, n + 1);
    if (n) memcpy(p, data, n);
    p[n] = 0;
    return p;
}

void pm_arena_reset(pm_arena *a)
{
    /* One block in use (a record's values as a rule) stays the one being
     * filled, emptied: the next record's first allocation takes it without
     * a look at the spares. */
    pm_arena_block *b = a->head;
    if (b && !b->next) {
        b->used = 0;
        return;
    }
    /* Keep every block as spare; the largest first helps the next record. */
    while (b) {
        pm_arena_block *n = b->next;
        b->used = 0;
        if (!a->spare || b->size >= a->spare->size) {
            b->next = a->spare;
            a->spare = b;
        } else {
            b->next = a->spare->next;
            a->spare->next = b;
        }
        b = n;
    }
    a->head = NULL;
}
