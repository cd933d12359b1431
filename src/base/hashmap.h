/* SPDX-License-Identifier: MIT */
/*
 * hashmap.h: a string-keyed open-addressing hash map with ASCII
 * case-insensitive keys (CIM names).  Keys are copied; values are borrowed
 * pointers the caller manages.
 */
#ifndef OWMI_BASE_HASHMAP_H
#define OWMI_BASE_HASHMAP_H

#include <stddef.h>

struct hashmap_entry {
        char *key;     /* NULL = empty slot */
        void *value;
};

struct hashmap {
        struct hashmap_entry *slots;
        size_t count;
        size_t capacity;   /* power of two */
};

#define HASHMAP_INIT { NULL, 0, 0 }

void hashmap_release(struct hashmap *map);
/* Insert or replace.  Returns 0 or -ENOMEM. */
int hashmap_put(struct hashmap *map, const char *key, void *value);
void *hashmap_get(const struct hashmap *map, const char *key);

#endif
