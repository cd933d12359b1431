/* SPDX-License-Identifier: MIT */
/*
 * alloc.h: every allocation in OpenWMI goes through these functions, so a
 * test can make the Nth call fail and check that -ENOMEM unwinds cleanly.
 * Nothing here aborts on failure: callers propagate -ENOMEM.
 */
#ifndef OWMI_BASE_ALLOC_H
#define OWMI_BASE_ALLOC_H

#include <stddef.h>

void *owmi_malloc(size_t size);
void *owmi_calloc(size_t count, size_t size);
void *owmi_realloc(void *ptr, size_t size);
/* realloc for count * size with overflow check */
void *owmi_reallocarray(void *ptr, size_t count, size_t size);
void owmi_free(void *ptr);
char *owmi_strdup(const char *s);
char *owmi_strndup(const char *s, size_t n);

/* Test hook: the Nth allocation from now on (1-based) and every later one
 * fails; 0 turns failure injection off.  Returns how many allocations were
 * made since the last call. */
unsigned long owmi_alloc_fail_after(unsigned long n);

/* Grow *items (of *alloc elements of size elem) to hold at least need. */
int owmi_grow(void **items, size_t *alloc, size_t need, size_t elem);

#define OWMI_GROW(arr, alloc, need) \
        owmi_grow((void **) &(arr), &(alloc), (need), sizeof(*(arr)))

#endif
