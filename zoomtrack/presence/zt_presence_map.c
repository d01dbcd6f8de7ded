/*
 * zt_presence_map: a string -> index map for the engine's meetings, people
 * and rooms (open addressing, linear probing, FNV-1a).  The map keeps only
 * indexes; the strings stay in the caller's array and are read back
 * through name(base, i), so an entry costs 4 bytes.
 */

#include <stdlib.h>
#include <string.h>

#include "zt_presence_int.h"


static uint32_t zt_pmap_hash(const char *s);


/* FNV-1a */
static uint32_t
zt_pmap_hash(const char *s)
{
    uint32_t  h;

    for (h = 2166136261u; *s; s++) {
        h = (h ^ (unsigned char) *s) * 16777619u;
    }

    return h;
}


/* the index stored for s, or (size_t) -1 */
size_t
zt_pmap_find(const zt_pmap_t *map, const char *s,
    const char *(*name)(const void *base, size_t i), const void *base)
{
    size_t  i, mask;

    if (map->cap == 0) {
        return (size_t) -1;
    }

    mask = map->cap - 1;

    for (i = zt_pmap_hash(s) & mask; map->slot[i]; i = (i + 1) & mask) {
        if (strcmp(name(base, map->slot[i] - 1), s) == 0) {
            return map->slot[i] - 1;
        }
    }

    return (size_t) -1;
}


/*
 * Adds s -> idx; n is the number of entries once added (grows the table
 * at half full, re-inserting entries 0..n-2 through name()).  Does not
 * check for an existing s.
 */
int
zt_pmap_put(zt_pmap_t *map, const char *s, size_t idx, size_t n,
    const char *(*name)(const void *base, size_t i), const void *base)
{
    size_t     i, j, cap, mask;
    uint32_t  *slot;

    if (n * 2 > map->cap) {
        cap = map->cap ? map->cap * 2 : 16;
        while (n * 2 > cap) {
            cap *= 2;
        }

        slot = calloc(cap, sizeof(uint32_t));
        if (slot == NULL) {
            return ZT_ERROR;
        }

        mask = cap - 1;

        for (j = 0; j < map->cap; j++) {
            if (map->slot[j] == 0) {
                continue;
            }

            for (i = zt_pmap_hash(name(base, map->slot[j] - 1)) & mask;
                 slot[i];
                 i = (i + 1) & mask)
            {
                /* void */
            }

            slot[i] = map->slot[j];
        }

        free(map->slot);
        map->slot = slot;
        map->cap = cap;
    }

    mask = map->cap - 1;

    for (i = zt_pmap_hash(s) & mask; map->slot[i]; i = (i + 1) & mask) {
        /* void */
    }

    map->slot[i] = (uint32_t) idx + 1;

    return ZT_OK;
}


/*
 * Re-indexes entries 0..n-1 after some were dropped and the rest moved
 * down: no entry is added, so the table never grows and this cannot fail.
 */
void
zt_pmap_rebuild(zt_pmap_t *map, size_t n,
    const char *(*name)(const void *base, size_t i), const void *base)
{
    size_t  i;

    if (map->cap) {
        memset(map->slot, 0, map->cap * sizeof(uint32_t));
    }

    for (i = 0; i < n; i++) {
        (void) zt_pmap_put(map, name(base, i), i, i + 1, name, base);
    }
}
