/* test_map.c - specification of lib/map.h: the seeded hash table (insert,
 * find, growth with stable values, removal, keys that collide) and its
 * hash, SipHash-2-4. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

static const uint64_t ref_key[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL}; /* bytes 00..0f */

Test(siphash, reference_vectors)
{
    unsigned char in[64];
    for (int i = 0; i < 64; i++) in[i] = (unsigned char)i;
    /* the paper's example (15 bytes) and the reference implementation's
     * vectors for 0 and 8 bytes (an empty tail, a full block) */
    cr_assert_eq(pm_siphash24(in, 15, ref_key), 0xa129ca6149be45e5ULL);
    cr_assert_eq(pm_siphash24(in, 0, ref_key), 0x726fdb47dd0e0e31ULL);
    cr_assert_eq(pm_siphash24(in, 8, ref_key), 0x93f5f5799a932462ULL);
}

Test(map, insert_then_find_returns_the_same_zeroed_value)
{
    pm_map m;
    pm_map_init(&m, sizeof(long));
    int created = -1;
    long *v = pm_map_insert(&m, "alpha", 5, &created);
    cr_assert_eq(created, 1);
    cr_assert_eq(*v, 0, "a new value is zeroed");
    *v = 42;
    cr_assert_eq(pm_map_find(&m, "alpha", 5), v);
    long *again = pm_map_insert(&m, "alpha", 5, &created);
    cr_assert_eq(created, 0);
    cr_assert_eq(again, v);
    cr_assert_eq(*again, 42);
    cr_assert_null(pm_map_find(&m, "alph", 4));
    cr_assert_null(pm_map_find(&m, "beta", 4));
    cr_assert_eq(m.n, 1);
    pm_map_free(&m);
}

Test(map, keys_are_bytes_with_a_length)
{
    pm_map m;
    pm_map_init(&m, 0);
    pm_map_insert(&m, "", 0, NULL);
    pm_map_insert(&m, "a", 1, NULL);
    pm_map_insert(&m, "a\0", 2, NULL);
    pm_map_insert(&m, "a\0b", 3, NULL);
    pm_map_insert(&m, "a\0c", 3, NULL);
    cr_assert_eq(m.n, 5, "a NUL inside a key is part of it");
    size_t len = 99;
    void *v = pm_map_find(&m, "a\0b", 3);
    cr_assert_not_null(v);
    const char *k = pm_map_key(&m, v, &len);
    cr_assert_eq(len, 3);
    cr_assert(memcmp(k, "a\0b", 4) == 0, "the key, then a NUL");
    v = pm_map_find(&m, "", 0);
    cr_assert_not_null(v);
    cr_assert_str_eq(pm_map_key(&m, v, NULL), "");
    pm_map_free(&m);
}

Test(map, grows_keeping_every_value_at_its_address)
{
    enum { N = 100000 };
    pm_map m;
    pm_map_init(&m, sizeof(int));
    int **at = malloc(sizeof *at * N);
    char k[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "T%07d", i);
        at[i] = pm_map_insert(&m, k, (size_t)n, NULL);
        *at[i] = i;
    }
    cr_assert_eq(m.n, N);
    cr_assert_leq(m.n, m.nslots / 4 * 3, "at most 3/4 full");
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "T%07d", i);
        int *v = pm_map_find(&m, k, (size_t)n);
        cr_assert_eq(v, at[i], "key %s moved", k);
        cr_assert_eq(*v, i);
        size_t len;
        cr_assert_str_eq(pm_map_key(&m, v, &len), k);
        cr_assert_eq(len, (size_t)n);
    }
    cr_assert_null(pm_map_find(&m, "T9999999", 8));
    free(at);
    pm_map_free(&m);
}

Test(map, next_visits_every_entry_once)
{
    enum { N = 3000 };
    pm_map m;
    pm_map_init(&m, sizeof(int));
    char k[16];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "%d", i);
        *(int *)pm_map_insert(&m, k, (size_t)n, NULL) = i;
    }
    char *seen = calloc(N, 1);
    size_t pos = 0, count = 0;
    for (int *v; (v = pm_map_next(&m, &pos));) {
        cr_assert_lt(*v, N);
        cr_assert_eq(seen[*v], 0, "%d twice", *v);
        seen[*v] = 1;
        count++;
    }
    cr_assert_eq(count, N);
    cr_assert_null(pm_map_next(&m, &pos), "the end stays the end");
    free(seen);
    pm_map_free(&m);
}

Test(map, remove_keeps_the_others_findable)
{
    enum { N = 20000 };
    pm_map m;
    pm_map_init(&m, sizeof(int));
    char k[16];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        *(int *)pm_map_insert(&m, k, (size_t)n, NULL) = i;
    }
    /* every third key out: runs of the probe sequence close up around the
     * holes (and wrap at the end of the array) */
    for (int i = 0; i < N; i += 3) {
        int n = snprintf(k, sizeof k, "k%d", i);
        cr_assert_eq(pm_map_remove(&m, k, (size_t)n), 1);
        cr_assert_eq(pm_map_remove(&m, k, (size_t)n), 0, "removed twice");
    }
    cr_assert_eq(m.n, N - (N + 2) / 3);
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        int *v = pm_map_find(&m, k, (size_t)n);
        if (i % 3 == 0) {
            cr_assert_null(v, "%s still there", k);
        } else {
            cr_assert_not_null(v, "%s lost", k);
            cr_assert_eq(*v, i);
        }
    }
    int created;
    int *v = pm_map_insert(&m, "k0", 2, &created);
    cr_assert_eq(created, 1);
    cr_assert_eq(*v, 0, "a key inserted again starts from zero");
    pm_map_free(&m);
}

Test(map, many_colliding_keys_stay_distinct)
{
    /* every key under one hash: the worst an attacker could do without
     * knowing the seed; slower, never wrong */
    enum { N = 2000 };
    pm_map m;
    pm_map_init(&m, sizeof(int));
    char k[16];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "c%d", i);
        int created;
        int *v = pm_map_insert_h(&m, k, (size_t)n, 12345, &created);
        cr_assert_eq(created, 1);
        *v = i;
    }
    cr_assert_eq(m.n, N);
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "c%d", i);
        int *v = pm_map_find_h(&m, k, (size_t)n, 12345);
        cr_assert_not_null(v);
        cr_assert_eq(*v, i);
    }
    cr_assert_null(pm_map_find_h(&m, "c2000", 5, 12345));
    pm_map_free(&m);
}

Test(map, the_hash_depends_on_the_seed)
{
    uint64_t s1[2] = {1, 2}, s2[2] = {1, 3};
    pm_map a, b, c, r1, r2;
    pm_map_init_seeded(&a, 0, s1);
    pm_map_init_seeded(&b, 0, s1);
    pm_map_init_seeded(&c, 0, s2);
    cr_assert_eq(pm_map_hash(&a, "T0000001", 8), pm_map_hash(&b, "T0000001", 8), "same seed, same hash");
    cr_assert_neq(pm_map_hash(&a, "T0000001", 8), pm_map_hash(&c, "T0000001", 8));
    cr_assert_eq(pm_map_hash(&a, "T0000001", 8), pm_siphash24("T0000001", 8, s1));
    /* two maps get two random seeds: collisions found against one do not
     * carry over to the next run */
    pm_map_init(&r1, 0);
    pm_map_init(&r2, 0);
    cr_assert(r1.seed[0] != r2.seed[0] || r1.seed[1] != r2.seed[1]);
    cr_assert_neq(pm_map_hash(&r1, "x", 1), pm_map_hash(&r2, "x", 1));
    pm_map_free(&a);
    pm_map_free(&b);
    pm_map_free(&c);
    pm_map_free(&r1);
    pm_map_free(&r2);
}

Test(map, clear_forgets_and_the_map_is_usable_again)
{
    pm_map m;
    pm_map_init(&m, 8);
    char k[16];
    for (int i = 0; i < 1000; i++) pm_map_insert(&m, k, (size_t)snprintf(k, sizeof k, "%d", i), NULL);
    pm_map_clear(&m);
    cr_assert_eq(m.n, 0);
    cr_assert_null(pm_map_find(&m, "7", 1));
    size_t pos = 0;
    cr_assert_null(pm_map_next(&m, &pos));
    int created;
    pm_map_insert(&m, "7", 1, &created);
    cr_assert_eq(created, 1);
    cr_assert_not_null(pm_map_find(&m, "7", 1));
    pm_map_free(&m);
}

Test(map, values_are_aligned_for_any_type)
{
    pm_map m;
    pm_map_init(&m, 3);
    for (int i = 0; i < 50; i++) {
        char k[8];
        void *v = pm_map_insert(&m, k, (size_t)snprintf(k, sizeof k, "%d", i), NULL);
        cr_assert_eq((uintptr_t)v % 16, 0);
    }
    pm_map_free(&m);
}
