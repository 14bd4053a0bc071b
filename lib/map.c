/* map.c - the seeded hash table (map.h) and its hash, SipHash-2-4. */
#include "map.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* An entry: this header, the value (vsize bytes, 16-aligned), the key and
 * its NUL.  The hash is kept so that growing never hashes again and most
 * probes that meet another key stop at one comparison. */
struct pm_map_entry {
    uint64_t hash;
    uint32_t len;
    uint32_t pad_;
    _Alignas(16) unsigned char value[];
};

#define MAP_MIN_SLOTS 16

/* SipHash-2-4 ---------------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                       \
    do {                                                                                                               \
        v0 += v1;                                                                                                      \
        v1 = ROTL(v1, 13);                                                                                             \
        v1 ^= v0;                                                                                                      \
        v0 = ROTL(v0, 32);                                                                                             \
        v2 += v3;                                                                                                      \
        v3 = ROTL(v3, 16);                                                                                             \
        v3 ^= v2;                                                                                                      \
        v0 += v3;                                                                                                      \
        v3 = ROTL(v3, 21);                                                                                             \
        v3 ^= v0;                                                                                                      \
        v2 += v1;                                                                                                      \
        v1 = ROTL(v1, 17);                                                                                             \
        v1 ^= v2;                                                                                                      \
        v2 = ROTL(v2, 32);                                                                                             \
    } while (0)

static uint64_t load_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
           (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint64_t pm_siphash24(const void *data, size_t n, const uint64_t k[2])
{
    const unsigned char *in = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
    size_t end = n - n % 8;
    for (size_t i = 0; i < end; i += 8) {
        uint64_t m = load_le64(in + i); /* compilers make this one load on little-endian hosts */
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = 0; i < n % 8; i++) b |= (uint64_t)in[end + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void pm_random_seed(uint64_t seed[2])
{
    if (getrandom(seed, 2 * sizeof *seed, GRND_NONBLOCK) == (ssize_t)(2 * sizeof *seed)) return;
    /* No entropy yet (early boot) or no getrandom: not secret, still not
     * known to whoever wrote the input in advance. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed[0] = (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)seed;
    seed[1] = ((uint64_t)ts.tv_nsec ^ (uint64_t)clock()) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)&ts;
}

/* The map ---------------------------------------------------------------- */

void pm_map_init_seeded(pm_map *m, size_t vsize, const uint64_t seed[2])
{
    m->nslots = MAP_MIN_SLOTS;
    m->slots = pm_xcalloc(m->nslots, sizeof *m->slots);
    m->n = 0;
    m->vsize = (vsize + 15) & ~(size_t)15;
    m->seed[0] = seed[0];
    m->seed[1] = seed[1];
    pm_arena_init(&m->arena);
}

void pm_map_init(pm_map *m, size_t vsize)
{
    uint64_t seed[2];
    pm_random_seed(seed);
    pm_map_init_seeded(m, vsize, seed);
}

void pm_map_free(pm_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = m->n = 0;
    pm_arena_free(&m->arena);
}

void pm_map_clear(pm_map *m)
{
    memset(m->slots, 0, m->nslots * sizeof *m->slots);
    m->n = 0;
    pm_arena_reset(&m->arena);
}

uint64_t pm_map_hash(const pm_map *m, const void *key, size_t len)
{
    return pm_siphash24(key, len, m->seed);
}

static unsigned char *key_of(const pm_map *m, pm_map_entry *e)
{
    return e->value + m->vsize;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t probe(const pm_map *m, const void *key, size_t len, uint64_t h)
{
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        pm_map_entry *e = m->slots[i];
        if (!e || (e->hash == h && e->len == len && memcmp(key_of(m, e), key, len) == 0)) return i;
    }
}

static void grow(pm_map *m)
{
    size_t nn = m->nslots * 2, mask = nn - 1;
    if (nn > (size_t)-1 / sizeof *m->slots) pm_oom((size_t)-1);
    pm_map_entry **ns = pm_xcalloc(nn, sizeof *ns);
    for (size_t i = 0; i < m->nslots; i++) {
        pm_map_entry *e = m->slots[i];
        if (!e) continue;
        size_t j = (size_t)e->hash & mask;
        while (ns[j]) j = (j + 1) & mask;
        ns[j] = e;
    }
    free(m->slots);
    m->slots = ns;
    m->nslots = nn;
}

void *pm_map_find_h(const pm_map *m, const void *key, size_t len, uint64_t h)
{
    pm_map_entry *e = m->slots[probe(m, key, len, h)];
    return e ? e->value : NULL;
}

void *pm_map_find(const pm_map *m, const void *key, size_t len)
{
    return pm_map_find_h(m, key, len, pm_map_hash(m, key, len));
}

void *pm_map_insert_h(pm_map *m, const void *key, size_t len, uint64_t h, int *created)
{
    size_t i = probe(m, key, len, h);
    if (m->slots[i]) {
        if (created) *created = 0;
        return m->slots[i]->value;
    }
    if (len > UINT32_MAX || len > (size_t)-1 - sizeof(pm_map_entry) - m->vsize - 1) pm_oom(len);
    pm_map_entry *e = pm_arena_alloc(&m->arena, sizeof *e + m->vsize + len + 1);
    e->hash = h;
    e->len = (uint32_t)len;
    memset(e->value, 0, m->vsize);
    if (len) memcpy(key_of(m, e), key, len);
    key_of(m, e)[len] = 0;
    m->slots[i] = e;
    if (created) *created = 1;
    /* at most 3/4 full: a miss reads a few slots on average */
    if (++m->n > m->nslots / 4 * 3) grow(m);
    return e->value;
}

void *pm_map_insert(pm_map *m, const void *key, size_t len, int *created)
{
    return pm_map_insert_h(m, key, len, pm_map_hash(m, key, len), created);
}

int pm_map_remove(pm_map *m, const void *key, size_t len)
{
    size_t mask = m->nslots - 1, i = probe(m, key, len, pm_map_hash(m, key, len));
    if (!m->slots[i]) return 0;
    /* Backward shift: move up every later entry of the run that may sit
     * at or before the hole, so no probe stops at it too early. */
    for (size_t j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j]->hash & mask;
        /* j's entry may move to i when its home is not in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i] = NULL;
    m->n--;
    return 1;
}

const char *pm_map_key(const pm_map *m, const void *value, size_t *len)
{
    pm_map_entry *e = (pm_map_entry *)((unsigned char *)value - offsetof(pm_map_entry, value));
    if (len) *len = e->len;
    return (const char *)key_of(m, e);
}

void *pm_map_next(const pm_map *m, size_t *pos)
{
    for (size_t i = *pos; i < m->nslots; i++)
        if (m->slots[i]) {
            *pos = i + 1;
            return m->slots[i]->value;
        }
    *pos = m->nslots;
    return NULL;
}
