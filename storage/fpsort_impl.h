/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fpsort_impl.h: the body of the MSD radix sort (see fpsort.h), included
 * by fpsort.c once per record length: define REC_LEN (bytes per record,
 * compared by memcmp) and FN(name) (the prefix of every name) first.
 * Keeping the length a constant lets the compiler inline each memcpy.
 */

/* Insertion sort of n records that agree on their first d bytes. */
static void
FN(insertion_sort)(uint8_t *a, size_t n, unsigned d)
{
	uint8_t tmp[REC_LEN];
	size_t i, j;

	for (i = 1; i < n; i++) {
		if (memcmp(a + (i - 1) * REC_LEN + d, a + i * REC_LEN + d,
		    REC_LEN - d) <= 0)
			continue;
		memcpy(tmp, a + i * REC_LEN, REC_LEN);
		j = i;
		do {
			memcpy(a + j * REC_LEN, a + (j - 1) * REC_LEN, REC_LEN);
			j--;
		} while (j > 0 && memcmp(a + (j - 1) * REC_LEN + d, tmp + d,
		    REC_LEN - d) > 0);
		memcpy(a + j * REC_LEN, tmp, REC_LEN);
	}
}

/*
 * Sort the n records of src, which agree on their first d bytes, by
 * the rest. The result ends in dst when to_dst, else in src; the other
 * buffer (n records) is scratch.
 */
static void
FN(msd)(uint8_t *src, uint8_t *dst, size_t n, unsigned d, int to_dst)
{
	size_t count[256], pos[256];
	size_t i, off;
	unsigned b;

	while (d < REC_LEN && n > SMALL) {
		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[src[i * REC_LEN + d]]++;
		if (count[src[d]] != n)
			break;
		d++;		/* one bucket: nothing to move */
	}
	if (d == REC_LEN || n <= SMALL) {
		if (d < REC_LEN)
			FN(insertion_sort)(src, n, d);
		if (to_dst)
			memcpy(dst, src, n * REC_LEN);
		return;
	}
	for (off = 0, b = 0; b < 256; b++) {
		pos[b] = off;
		off += count[b];
	}
	for (i = 0; i < n; i++) {
		const uint8_t *fp = src + i * REC_LEN;

		memcpy(dst + pos[fp[d]]++ * REC_LEN, fp, REC_LEN);
	}
	/* Each bucket now lies in dst; its range of src is its scratch. */
	for (off = 0, b = 0; b < 256; b++) {
		if (count[b] > 0)
			FN(msd)(dst + off * REC_LEN, src + off * REC_LEN,
			    count[b], d + 1, !to_dst);
		off += count[b];
	}
}

/* The top-level buckets, sorted in place by several threads. */
struct FN(bucket_work) {
	uint8_t *base;
	size_t start[257];
	size_t max_bucket;
	atomic_uint next;
	atomic_int failed;
};

struct FN(bucket_thread) {
	struct FN(bucket_work) *work;
	pthread_t thread;
};

/* Sort buckets until none is left. Returns 0 or -1 (ENOMEM). */
static int
FN(sort_buckets)(struct FN(bucket_work) *w)
{
	uint8_t *scratch = NULL;
	unsigned b;

	if (w->max_bucket > SMALL) {
		scratch = malloc(w->max_bucket * REC_LEN);
		if (scratch == NULL) {
			atomic_store(&w->failed, 1);
			return -1;
		}
	}
	while ((b = atomic_fetch_add(&w->next, 1)) < 256) {
		size_t n = w->start[b + 1] - w->start[b];

		if (n > 1)
			FN(msd)(w->base + w->start[b] * REC_LEN, scratch, n,
			    1, 0);
	}
	free(scratch);
	return 0;
}

static void *
FN(bucket_main)(void *arg)
{
	struct FN(bucket_thread) *t = arg;

	(void)FN(sort_buckets)(t->work);
	return NULL;
}

static int
FN(sort)(uint8_t *dst, const uint8_t *src, size_t n, unsigned threads)
{
	struct FN(bucket_work) w;
	struct FN(bucket_thread) *ts = NULL;
	size_t count[256], i;
	unsigned b, t, started = 0;
	int rc = 0;

	if (n <= SMALL) {
		memcpy(dst, src, n * REC_LEN);
		FN(insertion_sort)(dst, n, 0);
		return 0;
	}
	/* First level: scatter src into dst by the first byte. */
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
		count[src[i * REC_LEN]]++;
	w.base = dst;
	w.max_bucket = 0;
	w.start[0] = 0;
	for (b = 0; b < 256; b++) {
		w.start[b + 1] = w.start[b] + count[b];
		if (count[b] > w.max_bucket)
			w.max_bucket = count[b];
	}
	{
		size_t pos[256];

		memcpy(pos, w.start, sizeof(pos));
		for (i = 0; i < n; i++) {
			const uint8_t *fp = src + i * REC_LEN;

			memcpy(dst + pos[fp[0]]++ * REC_LEN, fp, REC_LEN);
		}
	}
	atomic_init(&w.next, 0);
	atomic_init(&w.failed, 0);

	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > 1 && n >= 65536) {
		ts = calloc(threads - 1, sizeof(*ts));
		for (t = 0; ts != NULL && t < threads - 1; t++) {
			ts[t].work = &w;
			if (pthread_create(&ts[t].thread, NULL, FN(bucket_main),
			    &ts[t]) != 0)
				break;
			started++;
		}
	}
	if (FN(sort_buckets)(&w) != 0)
		rc = -1;
	for (t = 0; t < started; t++)
		pthread_join(ts[t].thread, NULL);
	free(ts);
	if (atomic_load(&w.failed)) {
		errno = ENOMEM;
		rc = -1;
	}
	return rc;
}

#undef REC_LEN
#undef FN
