/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h: psid's worker threads. The event loop never touches LMDB or
 * does heavy work itself: it hands each request to a worker as a job and
 * goes on serving sockets; the job answers through the connection's
 * reply queue (conn.h). Jobs run in the order queued, several at a time
 * (one per worker thread); a connection has at most one job queued or
 * running, so its requests are handled in order.
 */
#ifndef PSID_WORKER_H
#define PSID_WORKER_H

struct worker_pool;

/* The work of a job; arg is the job's own. Runs on a worker thread. */
typedef void worker_fn(void *arg);

/*
 * Start a pool of nthreads (1..64) threads. Returns the pool, or NULL
 * with errno set (the threads could not be made).
 */
struct worker_pool *worker_pool_start(unsigned nthreads);

/*
 * Queue fn(arg) to run on a worker. Returns 0, or -1 once the pool is
 * stopping (fn will never run; the caller keeps arg).
 */
int worker_submit(struct worker_pool *pool, worker_fn *fn, void *arg);

/*
 * Stop the pool: jobs still queued run first, then every thread is
 * joined and the pool freed. NULL is accepted. Call from the thread that
 * started it, not from a job.
 */
void worker_pool_stop(struct worker_pool *pool);

#endif /* PSID_WORKER_H */
