/* SPDX-License-Identifier: MIT */
/*
 * alloc.c: the one allocation hook of OpenWMI.  Owns the failure-injection
 * counter that lets a test fail the Nth allocation, and owmi_grow, the
 * overflow-checked doubling growth every dynamic array uses.  It does not
 * track or free anything on the caller's behalf.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* Allocations attempted since the last owmi_alloc_fail_after() call, and the
 * 1-based attempt from which every allocation fails (0 = never).  Atomic so
 * that the daemon's threads may allocate while a test hook is off. */
static atomic_ulong alloc_count;
static atomic_ulong alloc_fail_at;

/* Count one attempt; true if it must fail. */
static bool alloc_should_fail(void)
{
        unsigned long n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
        unsigned long at = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);

        return at != 0 && n >= at;
}

unsigned long owmi_alloc_fail_after(unsigned long n)
{
        atomic_store_explicit(&alloc_fail_at, n, memory_order_relaxed);
        return atomic_exchange_explicit(&alloc_count, 0, memory_order_relaxed);
}

void *owmi_malloc(size_t size)
{
        if (alloc_should_fail())
                return NULL;
        /* malloc(0) may return NULL, which callers would take for ENOMEM */
        return malloc(size ? size : 1);
}

void *owmi_calloc(size_t count, size_t size)
{
        if (alloc_should_fail())
                return NULL;
        if (count == 0 || size == 0)
                count = size = 1;
        return calloc(count, size);
}

void *owmi_realloc(void *ptr, size_t size)
{
        if (alloc_should_fail())
                return NULL;
        /* realloc(p, 0) frees p in glibc; keep p alive and valid instead */
        return realloc(ptr, size ? size : 1);
}

void *owmi_reallocarray(void *ptr, size_t count, size_t size)
{
        if (size != 0 && count > SIZE_MAX / size) {
                errno = ENOMEM;
                return NULL;
        }
        return owmi_realloc(ptr, count * size);
}

void owmi_free(void *ptr)
{
        free(ptr);
}

char *owmi_strdup(const char *s)
{
        return owmi_strndup(s, strlen(s));
}

char *owmi_strndup(const char *s, size_t n)
{
        size_t len = strnlen(s, n);
        char *copy = owmi_malloc(len + 1);

        if (!copy)
                return NULL;
        memcpy(copy, s, len);
        copy[len] = '\0';
        return copy;
}

int owmi_grow(void **items, size_t *alloc, size_t need, size_t elem)
{
        size_t n;
        void *p;

        if (need <= *alloc)
                return 0;
        if (elem == 0)
                elem = 1;
        /* double, but at least need, and start at a few items */
        n = *alloc > SIZE_MAX / 2 ? SIZE_MAX : *alloc * 2;
        if (n < need)
                n = need;
        if (n < 8)
                n = 8;
        if (n > SIZE_MAX / elem) {
                n = SIZE_MAX / elem;
                if (n < need)
                        return -ENOMEM;
        }
        p = owmi_realloc(*items, n * elem);
        if (!p)
                return -ENOMEM;
        *items = p;
        *alloc = n;
        return 0;
}
