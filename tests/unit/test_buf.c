/* test_buf.c - specification of lib/buf.h: the growable string buffer, the
 * x-allocators and the chunked arena (stable pointers, reuse after reset). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* pm_buf ------------------------------------------------------------------ */

Test(buf, fresh_buffer_reads_as_empty_string)
{
    pm_buf b = PM_BUF_INIT;
    cr_assert_str_eq(pm_buf_str(&b), "");
    cr_assert_eq(b.len, 0);
    pm_buf_init(&b);
    cr_assert_str_eq(pm_buf_str(&b), "");
    pm_buf_free(&b);
    cr_assert_null(b.s);
}

Test(buf, add_appends_and_keeps_nul_terminator)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, "abc", 3);
    pm_buf_adds(&b, "de");
    pm_buf_addc(&b, 'f');
    pm_buf_add(&b, "", 0);
    cr_assert_eq(b.len, 6);
    cr_assert_str_eq(b.s, "abcdef");
    cr_assert_eq(b.s[b.len], 0);
    cr_assert(b.cap > b.len);
    pm_buf_free(&b);
}

Test(buf, add_of_nothing_to_new_buffer_gives_string)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, NULL, 0);
    cr_assert_not_null(b.s, "once anything was added, s is a string");
    cr_assert_str_eq(b.s, "");
    pm_buf_free(&b);
}

Test(buf, grows_over_many_appends_keeping_content)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 100000; i++) pm_buf_addc(&b, (char)('a' + i % 26));
    cr_assert_eq(b.len, 100000);
    cr_assert_eq(strlen(b.s), 100000);
    for (int i = 0; i < 100000; i++) cr_assert_eq(b.s[i], 'a' + i % 26, "byte %d", i);
    pm_buf_free(&b);
}

Test(buf, grow_reserves_room_without_changing_length)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "x");
    pm_buf_grow(&b, 1000);
    cr_assert_eq(b.len, 1);
    cr_assert_geq(b.cap, 1 + 1000 + 1);
    char *before = b.s;
    for (int i = 0; i < 1000; i++) pm_buf_addc(&b, 'y');
    cr_assert_eq(b.s, before, "no reallocation within the reserved room");
    pm_buf_free(&b);
}

Test(buf, binary_data_with_nul_bytes)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, "a\0b", 3);
    cr_assert_eq(b.len, 3);
    cr_assert_eq(memcmp(b.s, "a\0b", 4), 0);
    pm_buf_free(&b);
}

Test(buf, addf_formats_short_and_long)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b, "%d-%s", 42, "x");
    cr_assert_str_eq(b.s, "42-x");
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = 0;
    pm_buf_addf(&b, "[%s]", big);
    cr_assert_eq(b.len, 4 + 2 + 4999);
    cr_assert_eq(strlen(b.s), b.len);
    cr_assert_eq(b.s[5], 'z');
    cr_assert_eq(b.s[b.len - 1], ']');
    pm_buf_addf(&b, "%s", "");
    cr_assert_eq(b.len, 4 + 2 + 4999);
    pm_buf_free(&b);
}

Test(buf, addf_exactly_at_capacity_boundary)
{
    /* Output lengths around the free room must all come out whole. */
    for (size_t pre = 0; pre < 140; pre++) {
        for (size_t n = 55; n < 75; n++) {
            pm_buf b = PM_BUF_INIT;
            for (size_t i = 0; i < pre; i++) pm_buf_addc(&b, 'p');
            char s[100];
            memset(s, 'q', n);
            s[n] = 0;
            pm_buf_addf(&b, "%s!", s);
            cr_assert_eq(b.len, pre + n + 1, "pre %zu n %zu", pre, n);
            cr_assert_eq(strlen(b.s), b.len);
            cr_assert_eq(b.s[b.len - 1], '!');
            pm_buf_free(&b);
        }
    }
}

Test(buf, reset_empties_but_keeps_memory)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "hello world");
    char *mem = b.s;
    size_t cap = b.cap;
    pm_buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(pm_buf_str(&b), "");
    cr_assert_eq(b.s, mem);
    cr_assert_eq(b.cap, cap);
    pm_buf_adds(&b, "again");
    cr_assert_str_eq(b.s, "again");
    pm_buf_free(&b);
    pm_buf_reset(&b); /* on a never-grown buffer: no crash */
    cr_assert_str_eq(pm_buf_str(&b), "");
}

Test(buf, detach_hands_over_string_and_empties)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "owned");
    char *s = pm_buf_detach(&b);
    cr_assert_str_eq(s, "owned");
    cr_assert_null(b.s);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    pm_buf_adds(&b, "new"); /* the buffer is usable again */
    cr_assert_str_eq(b.s, "new");
    cr_assert_str_eq(s, "owned");
    free(s);
    pm_buf_free(&b);
}

Test(buf, detach_of_empty_buffer_gives_freeable_empty_string)
{
    pm_buf b = PM_BUF_INIT;
    char *s = pm_buf_detach(&b);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(buf, xstrdup_and_xstrndup)
{
    char *a = pm_xstrdup("数据");
    cr_assert_str_eq(a, "数据");
    char *b = pm_xstrndup("abcdef", 3);
    cr_assert_str_eq(b, "abc");
    char *c = pm_xstrndup("", 0);
    cr_assert_str_eq(c, "");
    free(a);
    free(b);
    free(c);
    void *z = pm_xcalloc(10, 8);
    for (int i = 0; i < 80; i++) cr_assert_eq(((unsigned char *)z)[i], 0);
    z = pm_xrealloc(z, 1 << 20);
    cr_assert_not_null(z);
    free(z);
    void *m = pm_xmalloc(0);
    cr_assert_not_null(m, "zero-size allocations never return NULL");
    free(m);
}

/* pm_arena ---------------------------------------------------------------- */

Test(arena, allocations_are_aligned_and_distinct)
{
    pm_arena a = PM_ARENA_INIT;
    char *prev = NULL;
    for (size_t n = 1; n < 100; n++) {
        char *p = pm_arena_alloc(&a, n);
        cr_assert_eq((uintptr_t)p % _Alignof(max_align_t), 0, "size %zu misaligned", n);
        memset(p, (int)n, n);
        if (prev) cr_assert_neq(p, prev);
        prev = p;
    }
    pm_arena_free(&a);
}

Test(arena, pointers_stable_across_many_allocations)
{
    pm_arena a = PM_ARENA_INIT;
    enum { N = 20000 };
    char **ptrs = malloc(N * sizeof *ptrs);
    char tmp[32];
    for (int i = 0; i < N; i++) {
        int len = snprintf(tmp, sizeof tmp, "value-%d", i);
        ptrs[i] = pm_arena_strndup(&a, tmp, (size_t)len);
    }
    for (int i = 0; i < N; i++) {
        snprintf(tmp, sizeof tmp, "value-%d", i);
        cr_assert_str_eq(ptrs[i], tmp, "allocation %d moved or was overwritten", i);
    }
    free(ptrs);
    pm_arena_free(&a);
}

Test(arena, strndup_copies_and_terminates)
{
    pm_arena a = PM_ARENA_INIT;
    char *s = pm_arena_strndup(&a, "abcdef", 4);
    cr_assert_str_eq(s, "abcd");
    char *e = pm_arena_strndup(&a, "ignored", 0);
    cr_assert_str_eq(e, "");
    char *z = pm_arena_strndup(&a, "a\0b", 3);
    cr_assert_eq(memcmp(z, "a\0b\0", 4), 0);
    pm_arena_free(&a);
}

Test(arena, big_allocation_beyond_block_size)
{
    pm_arena a = PM_ARENA_INIT;
    char *small = pm_arena_strndup(&a, "before", 6);
    size_t big = (size_t)3 << 20;
    unsigned char *p = pm_arena_alloc(&a, big);
    memset(p, 0xab, big);
    char *after = pm_arena_strndup(&a, "after", 5);
    cr_assert_str_eq(small, "before");
    cr_assert_str_eq(after, "after");
    cr_assert_eq(p[0], 0xab);
    cr_assert_eq(p[big - 1], 0xab);
    cr_assert(after < (char *)p || after >= (char *)p + big, "no overlap with the big block");
    pm_arena_free(&a);
}

Test(arena, reset_reuses_memory)
{
    pm_arena a = PM_ARENA_INIT;
    char *first = pm_arena_alloc(&a, 100);
    pm_arena_reset(&a);
    char *again = pm_arena_alloc(&a, 100);
    cr_assert_eq(first, again, "after a reset the same memory is handed out again");
    pm_arena_free(&a);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (char *const *)a, y = (uintptr_t) * (char *const *)b;
    return x < y ? -1 : x > y;
}

Test(arena, reset_many_times_does_not_grow)
{
    /* A record-per-loop pattern: the same working set each round must be
     * served from the blocks kept at reset: the same addresses every round. */
    pm_arena a = PM_ARENA_INIT;
    enum { PER = 50 };
    char *first[PER], *now[PER];
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < PER; i++) {
            now[i] = pm_arena_alloc(&a, 1000);
            memset(now[i], round, 1000);
        }
        qsort(now, PER, sizeof *now, cmp_ptr);
        if (round == 0)
            memcpy(first, now, sizeof first);
        else
            for (int i = 0; i < PER; i++)
                cr_assert_eq(now[i], first[i], "round %d: fresh memory instead of reuse", round);
        pm_arena_reset(&a);
    }
    pm_arena_free(&a);
}

Test(arena, reset_then_bigger_allocations_still_work)
{
    pm_arena a = PM_ARENA_INIT;
    for (int i = 0; i < 10; i++) pm_arena_alloc(&a, 5000);
    pm_arena_reset(&a);
    unsigned char *p = pm_arena_alloc(&a, 100000);
    memset(p, 1, 100000);
    unsigned char *q = pm_arena_alloc(&a, 10);
    memset(q, 2, 10);
    cr_assert_eq(p[99999], 1);
    cr_assert(q + 10 <= p || q >= p + 100000);
    pm_arena_free(&a);
}

Test(arena, zero_size_allocation_and_free_of_empty_arena)
{
    pm_arena a = PM_ARENA_INIT;
    pm_arena_free(&a);
    pm_arena_init(&a);
    void *p = pm_arena_alloc(&a, 0);
    cr_assert_not_null(p);
    pm_arena_reset(&a);
    pm_arena_reset(&a);
    pm_arena_free(&a);
    cr_assert_null(a.head);
    cr_assert_null(a.spare);
}

/* The build keeps assert() (no NDEBUG): a buffer that breaks buf.h's
 * invariant (a length without memory) stops the program. */
Test(buf, broken_invariant_is_caught, .signal = SIGABRT)
{
    pm_buf b = PM_BUF_INIT;
    b.len = 5;
    pm_buf_addc(&b, 'x');
}

/* PM_GROW ----------------------------------------------------------------- */

Test(grow, makes_room_doubling_and_keeps_the_elements)
{
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        PM_GROW(v, n + 1, cap);
        cr_assert_geq(cap, n + 1);
        v[n++] = i;
    }
    cr_assert_eq(cap, 1024, "16 doubled six times");
    for (int i = 0; i < 1000; i++) cr_assert_eq(v[i], i);
    int *same = v;
    PM_GROW(v, 1000, cap);
    cr_assert_eq(v, same, "no growth when the room is there");
    free(v);
}

Test(grow, takes_an_int_capacity_and_a_jump)
{
    char **v = NULL;
    int cap = 0;
    PM_GROW(v, 100, cap);
    cr_assert_eq(cap, 128);
    v[99] = "x";
    cr_assert_str_eq(v[99], "x");
    free(v);
    cr_assert_eq(pm_grow_cap(0, 1, 8), 16);
    cr_assert_eq(pm_grow_cap(16, 17, 8), 32);
}
