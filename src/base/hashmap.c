/* SPDX-License-Identifier: MIT */
/*
 * hashmap.c: linear probing over a power-of-two table kept at most half
 * full, so lookups stay short.  No removal: the compiler's maps only grow.
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hashmap.h"
#include "base/util.h"

void hashmap_release(struct hashmap *map)
{
        for (size_t i = 0; i < map->capacity; i++)
                owmi_free(map->slots[i].key);
        owmi_free(map->slots);
        memset(map, 0, sizeof(*map));
}

static struct hashmap_entry *find_slot(struct hashmap_entry *slots, size_t capacity, const char *key)
{
        size_t i = (size_t) owmi_hash_ci(key) & (capacity - 1);

        while (slots[i].key && owmi_strcasecmp(slots[i].key, key) != 0)
                i = (i + 1) & (capacity - 1);
        return &slots[i];
}

static int grow(struct hashmap *map)
{
        size_t capacity = map->capacity ? map->capacity * 2 : 64;
        struct hashmap_entry *slots = owmi_calloc(capacity, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < map->capacity; i++)
                if (map->slots[i].key)
                        *find_slot(slots, capacity, map->slots[i].key) = map->slots[i];
        owmi_free(map->slots);
        map->slots = slots;
        map->capacity = capacity;
        return 0;
}

int hashmap_put(struct hashmap *map, const char *key, void *value)
{
        struct hashmap_entry *e;

        if ((map->count + 1) * 2 > map->capacity && grow(map) < 0)
                return -ENOMEM;
        e = find_slot(map->slots, map->capacity, key);
        if (!e->key) {
                e->key = owmi_strdup(key);
                if (!e->key)
                        return -ENOMEM;
                map->count++;
        }
        e->value = value;
        return 0;
}

void *hashmap_get(const struct hashmap *map, const char *key)
{
        struct hashmap_entry *e;

        if (!map->capacity)
                return NULL;
        e = find_slot(map->slots, map->capacity, key);
        return e->key ? e->value : NULL;
}
