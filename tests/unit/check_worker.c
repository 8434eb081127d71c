/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_worker.c: the worker pool (server/worker.c): at most nrun jobs
 * run at once; a parked job holds no run slot, so queued jobs run while
 * it waits (on a thread started for them); an unparked job waits for a
 * slot before going on; park off a pool is a no-op; bounds are checked.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "suites.h"
#include "worker.h"

/* What the jobs of one test share, under its lock. */
struct scene {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool release;		/* the parked job may go on */
	int running, most;	/* jobs in their work now, at most */
	int done;
	char order[16];		/* the jobs' letters as they finish */
	int norder;
};

static struct scene scene;

static void
scene_reset(void)
{
	pthread_mutex_init(&scene.lock, NULL);
	pthread_cond_init(&scene.changed, NULL);
	scene.release = false;
	scene.running = scene.most = scene.done = scene.norder = 0;
}

static void
scene_finish(char letter)
{
	pthread_mutex_lock(&scene.lock);
	scene.order[scene.norder++] = letter;
	scene.done++;
	pthread_cond_broadcast(&scene.changed);
	pthread_mutex_unlock(&scene.lock);
}

/* Wait until n jobs are done, or fail after 10 s. */
static void
scene_wait_done(int n)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&scene.lock);
	while (scene.done < n)
		if (pthread_cond_timedwait(&scene.changed, &scene.lock,
		    &until) != 0)
			break;
	pthread_mutex_unlock(&scene.lock);
	ck_assert_int_ge(scene.done, n);
}

/* A job that parks until released, then finishes as 'A'. */
static void
job_parks(void *arg)
{
	int parked = worker_park();

	(void)arg;
	pthread_mutex_lock(&scene.lock);
	while (!scene.release)
		pthread_cond_wait(&scene.changed, &scene.lock);
	pthread_mutex_unlock(&scene.lock);
	if (parked)
		worker_unpark();
	scene_finish('A');
}

/* A job that counts how many run at once, finishing as its letter. */
static void
job_busy(void *arg)
{
	pthread_mutex_lock(&scene.lock);
	if (++scene.running > scene.most)
		scene.most = scene.running;
	pthread_mutex_unlock(&scene.lock);
	usleep(20000);
	pthread_mutex_lock(&scene.lock);
	scene.running--;
	pthread_mutex_unlock(&scene.lock);
	scene_finish(*(const char *)arg);
}

START_TEST(test_run_slots_bound_jobs)
{
	static const char letter = 'b';
	struct worker_pool *pool;
	int i;

	scene_reset();
	ck_assert_ptr_nonnull(pool = worker_pool_start(2, 4));
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(worker_submit(pool, job_busy,
		    (void *)&letter), 0);
	scene_wait_done(6);
	ck_assert_int_eq(scene.most, 2);
	worker_pool_stop(pool);
}
END_TEST

START_TEST(test_parked_job_frees_its_slot)
{
	static const char b = 'B', c = 'C';
	struct worker_pool *pool;

	scene_reset();
	/* One run slot: B and C can only run while A is parked. */
	ck_assert_ptr_nonnull(pool = worker_pool_start(1, 2));
	ck_assert_int_eq(worker_submit(pool, job_parks, NULL), 0);
	ck_assert_int_eq(worker_submit(pool, job_busy, (void *)&b), 0);
	ck_assert_int_eq(worker_submit(pool, job_busy, (void *)&c), 0);
	scene_wait_done(2);
	ck_assert_int_eq(scene.order[0], 'B');
	ck_assert_int_eq(scene.order[1], 'C');
	ck_assert_int_eq(worker_parked(pool), 1);
	pthread_mutex_lock(&scene.lock);
	scene.release = true;
	pthread_cond_broadcast(&scene.changed);
	pthread_mutex_unlock(&scene.lock);
	scene_wait_done(3);
	ck_assert_int_eq(worker_parked(pool), 0);
	ck_assert_int_eq(scene.most, 1);
	worker_pool_stop(pool);
}
END_TEST

/* A job queued after A parked still finds a thread. */
START_TEST(test_job_after_park_runs)
{
	static const char b = 'B';
	struct worker_pool *pool;
	int i;

	scene_reset();
	ck_assert_ptr_nonnull(pool = worker_pool_start(1, 2));
	ck_assert_int_eq(worker_submit(pool, job_parks, NULL), 0);
	for (i = 0; i < 1000 && worker_parked(pool) == 0; i++)
		usleep(1000);
	ck_assert_int_eq(worker_parked(pool), 1);
	ck_assert_int_eq(worker_submit(pool, job_busy, (void *)&b), 0);
	scene_wait_done(1);
	ck_assert_int_eq(scene.order[0], 'B');
	pthread_mutex_lock(&scene.lock);
	scene.release = true;
	pthread_cond_broadcast(&scene.changed);
	pthread_mutex_unlock(&scene.lock);
	scene_wait_done(2);
	worker_pool_stop(pool);
}
END_TEST

/* With no thread to spare (max_parked 0), queued jobs wait for A. */
START_TEST(test_no_spare_thread_waits)
{
	static const char b = 'B';
	struct worker_pool *pool;

	scene_reset();
	ck_assert_ptr_nonnull(pool = worker_pool_start(1, 0));
	ck_assert_int_eq(worker_submit(pool, job_parks, NULL), 0);
	ck_assert_int_eq(worker_submit(pool, job_busy, (void *)&b), 0);
	usleep(100000);
	ck_assert_int_eq(scene.done, 0);
	pthread_mutex_lock(&scene.lock);
	scene.release = true;
	pthread_cond_broadcast(&scene.changed);
	pthread_mutex_unlock(&scene.lock);
	scene_wait_done(2);
	ck_assert_int_eq(scene.order[0], 'A');
	worker_pool_stop(pool);
}
END_TEST

START_TEST(test_park_off_a_pool)
{
	ck_assert_int_eq(worker_park(), 0);
	worker_unpark();	/* a no-op too */
	errno = 0;
	ck_assert_ptr_null(worker_pool_start(0, 1));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(worker_pool_start(65, 0));
	ck_assert_ptr_null(worker_pool_start(4, WORKER_THREADS_MAX));
	worker_pool_stop(NULL);
}
END_TEST

Suite *
make_worker_suite(void)
{
	Suite *s = suite_create("worker");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, test_run_slots_bound_jobs);
	tcase_add_test(tc, test_parked_job_frees_its_slot);
	tcase_add_test(tc, test_job_after_park_runs);
	tcase_add_test(tc, test_no_spare_thread_waits);
	tcase_add_test(tc, test_park_off_a_pool);
	suite_add_tcase(s, tc);
	return s;
}
