/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c: a fixed pool of threads taking jobs from one FIFO queue
 * (see worker.h). The queue is a singly linked list under one mutex; a
 * job's node is allocated once by worker_submit and freed by the thread
 * that runs it.
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
	pthread_cond_t ready;		/* a job was queued, or stopping */
	struct job *head, *tail;
	bool stopping;
	unsigned nthreads;
	pthread_t threads[];
};

static void *
worker_main(void *arg)
{
	struct worker_pool *pool = arg;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&pool->lock);
		while (pool->head == NULL && !pool->stopping)
			pthread_cond_wait(&pool->ready, &pool->lock);
		job = pool->head;
		if (job == NULL) {	/* stopping, and the queue is empty */
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		pool->head = job->next;
		if (pool->head == NULL)
			pool->tail = NULL;
		pthread_mutex_unlock(&pool->lock);
		job->fn(job->arg);
		free(job);
	}
}

struct worker_pool *
worker_pool_start(unsigned nthreads)
{
	struct worker_pool *pool;
	unsigned i;
	int rc;

	if (nthreads == 0 || nthreads > 64) {
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool) + nthreads * sizeof(pthread_t));
	if (pool == NULL)
		return NULL;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->ready, NULL);
	for (i = 0; i < nthreads; i++) {
		rc = pthread_create(&pool->threads[i], NULL, worker_main, pool);
		if (rc != 0) {
			pool->nthreads = i;
			worker_pool_stop(pool);
			errno = rc;
			return NULL;
		}
	}
	pool->nthreads = nthreads;
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
	pthread_cond_signal(&pool->ready);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

void
worker_pool_stop(struct worker_pool *pool)
{
	unsigned i;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->ready);
	pthread_mutex_unlock(&pool->lock);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->ready);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}
