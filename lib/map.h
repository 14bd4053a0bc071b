/* map.h - the toolkit's one hash table: byte-string keys to fixed-size
 * values, under a seeded hash.
 *
 * Keys are byte strings with a length (they may hold NUL); the map keeps
 * its own copy of each, NUL-terminated.  Every entry has a value area of
 * the size given to pm_map_init, zeroed when the key is inserted, that
 * stays at the same address until pm_map_clear or pm_map_free: callers
 * keep pointers to it (pm-report's groups are such values).
 *
 * The hash is SipHash-2-4 under a 128-bit key drawn at random per map
 * (getrandom), so keys crafted to collide cannot be known in advance: a
 * table filled from untrusted input (ticket ids, report keys) stays fast.
 * The order of pm_map_next therefore changes from run to run; callers that
 * write what they iterate sort it first.
 *
 * Open addressing with linear probing over a power-of-two array of entry
 * pointers, at most 3/4 full: 8 bytes a slot, and per entry a 16-byte
 * header, the value and the key, in an arena.  A removed entry's slot is
 * freed (backward shift, no tombstones); its memory is reused only after
 * pm_map_clear.  Out of memory ends the program through pm_oom (buf.h).
 */
#ifndef PM_MAP_H
#define PM_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef struct pm_map_entry pm_map_entry;

typedef struct pm_map {
    pm_map_entry **slots; /* nslots, a power of two; NULL is empty */
    size_t nslots, n;
    size_t vsize;     /* bytes of value per entry, rounded up to 16 */
    uint64_t seed[2]; /* the SipHash key */
    pm_arena arena;   /* the entries */
} pm_map;

/* A map whose entries carry vsize bytes of value (0: a set), under a
 * random seed.  Free with pm_map_free. */
void pm_map_init(pm_map *m, size_t vsize);
/* The same under a given seed (tests; a caller that needs a fixed order). */
void pm_map_init_seeded(pm_map *m, size_t vsize, const uint64_t seed[2]);
void pm_map_free(pm_map *m);
/* Forgets every entry; keeps the memory for the next ones. */
void pm_map_clear(pm_map *m);

/* The map's hash of key[0..len): SipHash-2-4 under its seed. */
uint64_t pm_map_hash(const pm_map *m, const void *key, size_t len);

/* The value of key, or NULL when the map does not hold it. */
void *pm_map_find(const pm_map *m, const void *key, size_t len);
/* The value of key; inserted (value zeroed, *created set to 1) when the
 * map did not hold it, else *created is 0.  created may be NULL. */
void *pm_map_insert(pm_map *m, const void *key, size_t len, int *created);
/* The same two with the hash given: h must be a function of the key alone
 * for the map's life, as random to an outsider as pm_map_hash (which it
 * usually is; or the key is itself such a hash). */
void *pm_map_find_h(const pm_map *m, const void *key, size_t len, uint64_t h);
void *pm_map_insert_h(pm_map *m, const void *key, size_t len, uint64_t h, int *created);
/* Removes key; 1 when the map held it, else 0.  Its value is no longer
 * valid. */
int pm_map_remove(pm_map *m, const void *key, size_t len);

/* The key of a value that pm_map_insert returned: NUL-terminated, *len
 * bytes (len may be NULL); valid as long as the value. */
const char *pm_map_key(const pm_map *m, const void *value, size_t *len);

/* Iteration, in no particular order: start with *pos = 0; each call
 * returns the next value, or NULL at the end.  The map must not change
 * during a walk. */
void *pm_map_next(const pm_map *m, size_t *pos);

/* SipHash-2-4 (Aumasson and Bernstein) of in[0..n) under the 128-bit key
 * k (k[0] its first 8 bytes, little-endian).  The toolkit's one hash for
 * in-memory tables. */
uint64_t pm_siphash24(const void *in, size_t n, const uint64_t k[2]);

/* A random 128-bit key: getrandom, else a mix of the time, the process id
 * and addresses (never fails). */
void pm_random_seed(uint64_t seed[2]);

#endif
