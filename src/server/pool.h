/* SPDX-License-Identifier: MIT */
/*
 * pool.h: the daemon's worker threads.  The event loop only reads and
 * writes sockets; every call into the object manager (and so into
 * providers, which may be slow) runs here, so one slow provider holds one
 * worker, not the loop or the other clients.
 */
#ifndef OWMI_SERVER_POOL_H
#define OWMI_SERVER_POOL_H

#include <stddef.h>

struct pool;
typedef void (*pool_job)(void *arg);

int pool_new(unsigned threads, struct pool **ret);
/* Queue a job; -ESHUTDOWN once the pool is stopping. */
int pool_submit(struct pool *pool, pool_job job, void *arg);
/* Jobs queued and not yet started. */
size_t pool_backlog(struct pool *pool);
/* Run what is queued, then join the threads and free the pool. */
void pool_free(struct pool *pool);

#endif
