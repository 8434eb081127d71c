/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.h: psid's worker threads. The event loop never touches LMDB or
 * does heavy work itself: it hands each request to a worker as a job and
 * goes on serving sockets; the job answers through the connection's
 * reply queue (conn.h). Jobs run in the order queued, at most `nrun` at
 * a time; a connection has at most one job queued or running, so its
 * requests are handled in order.
 *
 * A job about to wait on a peer (its replies queued up to the limit, the
 * peer not reading) parks: it gives up its run slot for the wait, so a
 * slow or hostile reader never holds a worker others need, and another
 * thread (started on demand, up to nrun + max_parked in all) takes the
 * queued jobs meanwhile. Unparked, it waits for a free run slot before
 * going on, ahead of jobs not yet started.
 */
#ifndef PSID_WORKER_H
#define PSID_WORKER_H

struct worker_pool;

/* The work of a job; arg is the job's own. Runs on a worker thread. */
typedef void worker_fn(void *arg);

/* The most threads of a pool, running and parked. */
#define WORKER_THREADS_MAX	1024

/*
 * Start a pool running at most nrun (1..64) jobs at once, with nrun
 * threads now and up to max_parked (0..WORKER_THREADS_MAX - nrun) more
 * started as jobs park. Returns the pool, or NULL with errno set
 * (EINVAL: a bound out of range; or the threads could not be made).
 */
struct worker_pool *worker_pool_start(unsigned nrun, unsigned max_parked);

/*
 * Queue fn(arg) to run on a worker. Returns 0, or -1 once the pool is
 * stopping or out of memory (fn will never run; the caller keeps arg).
 */
int worker_submit(struct worker_pool *pool, worker_fn *fn, void *arg);

/*
 * From a job about to wait on something outside psid (a peer): give up
 * the run slot until worker_unpark. Returns 1 if parked, 0 when not
 * called on a worker of a pool (nothing to give up). Each worker_park
 * that returns 1 is followed by one worker_unpark on the same thread.
 */
int worker_park(void);

/* Take a run slot again after worker_park (waits for one). */
void worker_unpark(void);

/* Jobs parked now (for stats; a snapshot). */
unsigned worker_parked(struct worker_pool *pool);

/*
 * Stop the pool: jobs still queued run first, then every thread is
 * joined and the pool freed. NULL is accepted. Call from the thread that
 * started it, not from a job.
 */
void worker_pool_stop(struct worker_pool *pool);

#endif /* PSID_WORKER_H */
