/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c: a pool of threads taking jobs from one FIFO queue, at most
 * nrun at a time, with parking (see worker.h). The queue is a singly
 * linked list under one mutex; a job's node is allocated once by
 * worker_submit and freed by the thread that runs it. Threads are only
 * ever added (when a job parks, jobs wait and no thread is free), never
 * retired before the pool stops: an idle one costs its stack.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "worker.h"

struct job {
	struct job *next;
	worker_fn *fn;
	void *arg;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t ready;		/* a job or a run slot, or stopping */
	pthread_cond_t slot;		/* a run slot, for the unparking */
	struct job *head, *tail;
	bool stopping;
	unsigned nrun;			/* run slots */
	unsigned running;		/* held by jobs */
	unsigned unparking;		/* jobs waiting to take one again */
	unsigned parked;
	unsigned idle;			/* threads waiting for a job */
	unsigned nthreads, max_threads;
	pthread_t threads[];
};

/* The pool whose worker this thread is, or NULL. */
static _Thread_local struct worker_pool *current_pool;

/* A slot is free for a job not yet started; the caller holds the lock. */
static bool
slot_free_for_new(const struct worker_pool *pool)
{
	return pool->running + pool->unparking < pool->nrun;
}

static void *
worker_main(void *arg)
{
	struct worker_pool *pool = arg;
	struct job *job;

	current_pool = pool;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		pool->idle++;
		while ((pool->head == NULL || !slot_free_for_new(pool)) &&
		    !(pool->stopping && pool->head == NULL))
			pthread_cond_wait(&pool->ready, &pool->lock);
		pool->idle--;
		if ((job = pool->head) == NULL)	/* stopping, queue empty */
			break;
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pool->running++;
		pthread_mutex_unlock(&pool->lock);
		job->fn(job->arg);
		free(job);
		pthread_mutex_lock(&pool->lock);
		pool->running--;
		/* This thread takes the next job itself, unless one unparks. */
		if (pool->unparking > 0)
			pthread_cond_signal(&pool->slot);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

/* Start one more thread; the caller holds the lock. */
static int
pool_add_thread(struct worker_pool *pool)
{
	int rc;

	if (pool->nthreads >= pool->max_threads)
		return EAGAIN;
	rc = pthread_create(&pool->threads[pool->nthreads], NULL, worker_main,
	    pool);
	if (rc == 0)
		pool->nthreads++;
	return rc;
}

/*
 * A job waits and a run slot is free: wake an idle thread for it, or
 * start one when every thread is running or parked. The caller holds
 * the lock.
 */
static void
pool_wake(struct worker_pool *pool)
{
	if (pool->head == NULL || !slot_free_for_new(pool))
		return;
	if (pool->idle > 0)
		pthread_cond_signal(&pool->ready);
	else
		(void)pool_add_thread(pool);
}

struct worker_pool *
worker_pool_start(unsigned nrun, unsigned max_parked)
{
	struct worker_pool *pool;
	unsigned i;
	int rc = 0;

	if (nrun == 0 || nrun > 64 || max_parked > WORKER_THREADS_MAX - nrun) {
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool) + (nrun + max_parked) *
	    sizeof(pthread_t));
	if (pool == NULL)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->ready, NULL);
	pthread_cond_init(&pool->slot, NULL);
	pool->nrun = nrun;
	pool->max_threads = nrun + max_parked;
	pthread_mutex_lock(&pool->lock);
	for (i = 0; i < nrun && rc == 0; i++)
		rc = pool_add_thread(pool);
	pthread_mutex_unlock(&pool->lock);
	if (rc != 0) {
		worker_pool_stop(pool);
		errno = rc;
		return NULL;
	}
	return pool;
}

int
worker_submit(struct worker_pool *pool, worker_fn *fn, void *arg)
{
	struct job *job;

	job = malloc(sizeof(*job));
	if (job == NULL)
		return -1;
	job->next = NULL;
	job->fn = fn;
	job->arg = arg;
	pthread_mutex_lock(&pool->lock);
	if (pool->stopping) {
		pthread_mutex_unlock(&pool->lock);
		free(job);
		return -1;
	}
	if (pool->tail != NULL)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pool_wake(pool);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

int
worker_park(void)
{
	struct worker_pool *pool = current_pool;

	if (pool == NULL)
		return 0;
	pthread_mutex_lock(&pool->lock);
	pool->running--;
	pool->parked++;
	if (pool->unparking > 0)
		pthread_cond_signal(&pool->slot);
	else
		pool_wake(pool);
	pthread_mutex_unlock(&pool->lock);
	return 1;
}

void
worker_unpark(void)
{
	struct worker_pool *pool = current_pool;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->parked--;
	pool->unparking++;
	while (pool->running >= pool->nrun)
		pthread_cond_wait(&pool->slot, &pool->lock);
	pool->unparking--;
	pool->running++;
	pthread_mutex_unlock(&pool->lock);
}

unsigned
worker_parked(struct worker_pool *pool)
{
	unsigned n;

	pthread_mutex_lock(&pool->lock);
	n = pool->parked;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

void
worker_pool_stop(struct worker_pool *pool)
{
	unsigned i, n;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->ready);
	pthread_mutex_unlock(&pool->lock);
	/* A job may add threads while the first ones are joined. */
	for (i = 0;; i++) {
		pthread_mutex_lock(&pool->lock);
		n = pool->nthreads;
		pthread_mutex_unlock(&pool->lock);
		if (i >= n)
			break;
		pthread_join(pool->threads[i], NULL);
	}
	pthread_cond_destroy(&pool->slot);
	pthread_cond_destroy(&pool->ready);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
