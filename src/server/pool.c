/* SPDX-License-Identifier: MIT */
/*
 * pool.c: a fixed set of worker threads over one FIFO of jobs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/alloc.h"
#include "server/pool.h"

struct job {
        struct job *next;
        pool_job fn;
        void *arg;
};

struct pool {
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct job *head, *tail;
        size_t backlog;
        bool stopping;
        pthread_t *threads;
        unsigned count;
};

static void *worker(void *arg)
{
        struct pool *pool = arg;

        pthread_mutex_lock(&pool->lock);
        for (;;) {
                struct job *job;

                while (!pool->head && !pool->stopping)
                        pthread_cond_wait(&pool->wake, &pool->lock);
                job = pool->head;
                if (!job)
                        break;
                pool->head = job->next;
                if (!pool->head)
                        pool->tail = NULL;
                pool->backlog--;
                pthread_mutex_unlock(&pool->lock);
                job->fn(job->arg);
                owmi_free(job);
                pthread_mutex_lock(&pool->lock);
        }
        pthread_mutex_unlock(&pool->lock);
        return NULL;
}

int pool_new(unsigned threads, struct pool **ret)
{
        struct pool *pool = owmi_calloc(1, sizeof(*pool));

        if (!pool)
                return -ENOMEM;
        pool->threads = owmi_calloc(threads, sizeof(pthread_t));
        if (!pool->threads) {
                owmi_free(pool);
                return -ENOMEM;
        }
        pthread_mutex_init(&pool->lock, NULL);
        pthread_cond_init(&pool->wake, NULL);
        for (unsigned i = 0; i < threads; i++) {
                if (pthread_create(&pool->threads[i], NULL, worker, pool) != 0)
                        break;
                pool->count++;
        }
        if (pool->count == 0) {
                pool_free(pool);
                return -EAGAIN;
        }
        *ret = pool;
        return 0;
}

int pool_submit(struct pool *pool, pool_job fn, void *arg)
{
        struct job *job = owmi_malloc(sizeof(*job));

        if (!job)
                return -ENOMEM;
        job->next = NULL;
        job->fn = fn;
        job->arg = arg;
        pthread_mutex_lock(&pool->lock);
        if (pool->stopping) {
                pthread_mutex_unlock(&pool->lock);
                owmi_free(job);
                return -ESHUTDOWN;
        }
        if (pool->tail)
                pool->tail->next = job;
        else
                pool->head = job;
        pool->tail = job;
        pool->backlog++;
        pthread_cond_signal(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
        return 0;
}

size_t pool_backlog(struct pool *pool)
{
        size_t n;

        pthread_mutex_lock(&pool->lock);
        n = pool->backlog;
        pthread_mutex_unlock(&pool->lock);
        return n;
}

void pool_free(struct pool *pool)
{
        if (!pool)
                return;
        pthread_mutex_lock(&pool->lock);
        pool->stopping = true;
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
        for (unsigned i = 0; i < pool->count; i++)
                pthread_join(pool->threads[i], NULL);
        owmi_free(pool->threads);
        pthread_mutex_destroy(&pool->lock);
        pthread_cond_destroy(&pool->wake);
        owmi_free(pool);
}
