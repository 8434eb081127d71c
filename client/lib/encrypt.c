/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encrypt.c: psid_encrypt_csv, C3R's encrypt mode in bounded memory.
 *
 * Pass 1 (encrypt_scan.c, all threads) checks every row and spills the
 * values the schema uses to one of N random buckets. Pass 2 (all threads,
 * here) takes buckets one at a time, shuffles each in memory and encrypts
 * its rows into the output: random bucket plus in-bucket shuffle is a
 * uniform shuffle, and memory holds one bucket per thread, whatever the
 * input size. Where duplicates are not allowed, pass 2 also spills the
 * first 16 bytes of every fingerprint into partitions per column (up to
 * 256, fewer for wide tables), checked for repeats on all threads before
 * the output is committed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encrypt.h"
#include "report.h"
#include "table.h"

/* Rows ahead of the one being encrypted whose bytes are prefetched. */
#define PREFETCH_AHEAD 16

struct slot_value {
	const char *ptr;	/* NULL for SQL NULL */
	size_t len;
};

/* Record the first failure of any worker. */
static void
job_fail(struct encrypt_job *job, int code, const char *what)
{
	pthread_mutex_lock(&job->fail_lock);
	if (job->failed == 0) {
		job->failed = code;
		report_fail(job->report, code, 0, NULL, "%s", what);
	}
	pthread_mutex_unlock(&job->fail_lock);
}

/* Encrypt one spilled row into out. */
static int
encrypt_row(struct encrypt_job *job, struct cell_engine *engine,
    struct spill_writer *dupw, const struct slot_value *values,
    struct outbuf *out)
{
	const char *null_token = job->opts->output_null_value;
	struct row_key row;
	uint8_t raw[SHA256_LEN];
	bool have_row = false;
	size_t i, need;
	long n;
	int rc = PSID_OK;

	for (i = 0; i < job->ncols && rc == PSID_OK; i++) {
		const struct enc_column *col = &job->cols[i];
		const struct slot_value *v = &values[col->slot];

		if (i > 0 && outbuf_putc(out, ',') != 0)
			return PSID_ERR_NOMEM;
		if (col->crypto.type == PSID_COLUMN_CLEARTEXT ||
		    (v->ptr == NULL && col->crypto.preserve_nulls)) {
			if (csv_write_field(out, v->ptr, v->len,
			    null_token) != 0)
				return PSID_ERR_NOMEM;
			continue;
		}
		if (col->crypto.type == PSID_COLUMN_FINGERPRINT) {
			if (outbuf_reserve(out, PSID_FINGERPRINT_CELL_LEN + 1))
				return PSID_ERR_NOMEM;
			rc = cell_fingerprint(engine, &col->crypto, v->ptr,
			    v->len, out->data + out->len, raw);
			out->len += PSID_FINGERPRINT_CELL_LEN;
			if (rc == PSID_OK && job->check_duplicates &&
			    v->ptr != NULL) {
				void *key = spill_writer_space(dupw,
				    col->fingerprint * job->dup_partitions +
				    (raw[0] & (job->dup_partitions - 1)),
				    DUP_KEY_LEN);

				if (key == NULL)
					rc = errno == ENOMEM ?
					    PSID_ERR_NOMEM : PSID_ERR_IO;
				else
					memcpy(key, raw, DUP_KEY_LEN);
			}
			continue;
		}
		if (!have_row) {
			if ((rc = cell_row_begin(engine, &row)) != PSID_OK)
				break;
			have_row = true;
		}
		need = cell_sealed_len(&col->crypto, v->len, v->ptr == NULL);
		if (outbuf_reserve(out, need + 1) != 0) {
			rc = PSID_ERR_NOMEM;
			break;
		}
		n = cell_seal(engine, &row, &col->crypto, v->ptr, v->len,
		    out->data + out->len);
		if (n < 0)
			rc = (int)n;
		else
			out->len += (size_t)n;
	}
	if (have_row)
		cell_row_key_wipe(&row);
	if (rc == PSID_OK && outbuf_putc(out, '\n') != 0)
		rc = PSID_ERR_NOMEM;
	return rc;
}

static int
flush_output(struct encrypt_job *job, struct outbuf *out)
{
	int rc;

	pthread_mutex_lock(&job->out_lock);
	rc = outbuf_flush(out, job->out.fd);
	pthread_mutex_unlock(&job->out_lock);
	return rc;
}

/* Shuffle one bucket in memory and encrypt its rows. */
static int
encrypt_bucket(struct encrypt_job *job, size_t b, struct cell_engine *engine,
    struct spill_writer *dupw, struct outbuf *bucket, struct outbuf *index,
    struct slot_value *values, struct outbuf *out)
{
	size_t bytes = (size_t)job->rows.buckets[b].bytes, off, n, i, j, s;
	size_t *rows;
	uint64_t r;
	uint32_t len;
	int rc;

	bucket->len = index->len = 0;
	if (outbuf_reserve(bucket, bytes) != 0)
		return PSID_ERR_NOMEM;
	if (spill_read(&job->rows, b, bucket->data) != 0)
		return PSID_ERR_IO;
	bucket->len = bytes;
	for (off = 0; off + 4 <= bytes; off += 4 + len) {
		memcpy(&len, bucket->data + off, 4);
		if (outbuf_append(index, &off, sizeof(off)) != 0)
			return PSID_ERR_NOMEM;
	}
	rows = (size_t *)(void *)index->data;
	n = index->len / sizeof(size_t);
	/* Fisher-Yates with the engine's batched random bytes. */
	for (i = n; i > 1; i--) {
		if (crypto_rand_pool_take(&engine->pool, &r, sizeof(r)) != 0)
			return PSID_ERR_CRYPTO;
		j = (size_t)(r % i);
		off = rows[i - 1];
		rows[i - 1] = rows[j];
		rows[j] = off;
	}
	for (i = 0; i < n; i++) {
		const char *p = bucket->data + rows[i] + 4;

		/*
		 * Shuffled rows are random reads, each a cache miss: fetch
		 * both lines a row may span, well ahead.
		 */
		if (i + PREFETCH_AHEAD < n) {
			const char *ahead = bucket->data +
			    rows[i + PREFETCH_AHEAD];

			__builtin_prefetch(ahead);
			__builtin_prefetch(ahead + 64);
		}

		for (s = 0; s < job->nslots; s++) {
			memcpy(&len, p, 4);
			p += 4;
			if (len == NULL_MARK) {
				values[s].ptr = NULL;
				values[s].len = 0;
			} else {
				values[s].ptr = p;
				values[s].len = len;
				p += len;
			}
		}
		if ((rc = encrypt_row(job, engine, dupw, values, out)) != PSID_OK)
			return rc;
		if (out->len >= OUTPUT_FLUSH && flush_output(job, out) != 0)
			return PSID_ERR_IO;
	}
	crypto_wipe(bucket->data, bucket->len);
	atomic_fetch_add(&job->rows_done, n);
	return PSID_OK;
}

struct worker {
	struct encrypt_job *job;
	pthread_t thread;
	bool is_main;
	int rc;
};

static void *
encrypt_worker(void *arg)
{
	struct worker *w = arg;
	struct encrypt_job *job = w->job;
	struct cell_engine *engine;
	struct spill_writer dupw = { 0 };
	struct outbuf bucket = { 0 }, index = { 0 }, out = { 0 };
	struct slot_value *values;
	size_t b;
	int rc = PSID_OK;

	engine = malloc(sizeof(*engine));
	values = calloc(job->nslots, sizeof(*values));
	if (engine == NULL || values == NULL) {
		free(engine);
		free(values);
		job_fail(job, PSID_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if ((rc = cell_engine_init(engine, job->keys)) != PSID_OK ||
	    (job->check_duplicates && spill_writer_init(&dupw, &job->dups,
	    encrypt_scan_flush_size(job->dups.nbuckets)) != 0)) {
		rc = rc != PSID_OK ? rc : PSID_ERR_NOMEM;
		goto out;
	}
	while (job->failed == 0) {
		b = atomic_fetch_add(&job->next_bucket, 1);
		if (b >= job->rows.nbuckets)
			break;
		rc = encrypt_bucket(job, b, engine, &dupw, &bucket, &index,
		    values, &out);
		if (rc != PSID_OK)
			break;
		if (w->is_main && job->opts->progress != NULL)
			job->opts->progress(job->opts->progress_arg, "encrypt",
			    atomic_load(&job->rows_done));
	}
	if (rc == PSID_OK && flush_output(job, &out) != 0)
		rc = PSID_ERR_IO;
	if (rc == PSID_OK && job->check_duplicates &&
	    spill_writer_flush(&dupw) != 0)
		rc = PSID_ERR_IO;
out:
	if (rc != PSID_OK)
		job_fail(job, rc, rc == PSID_ERR_IO ? strerror(errno) :
		    psid_strerror(rc));
	crypto_wipe(bucket.data, bucket.cap);
	crypto_wipe(out.data, out.cap);
	outbuf_release(&bucket);
	outbuf_release(&index);
	outbuf_release(&out);
	spill_writer_release(&dupw);
	cell_engine_release(engine);
	free(engine);
	free(values);
	w->rc = rc;
	return NULL;
}

/* Count keys that repeat an earlier key in one partition. */
static uint64_t
count_repeats(const uint8_t *keys, size_t n, uint32_t *table, size_t slots)
{
	uint64_t repeats = 0, h;
	size_t i, mask = slots - 1;

	if (n == 0)
		return 0;
	memset(table, 0, slots * sizeof(*table));
	for (i = 0; i < n; i++) {
		const uint8_t *k = keys + i * DUP_KEY_LEN;

		/* Byte 0 chose the partition; bytes 1..8 are the hash. */
		memcpy(&h, k + 1, sizeof(h));
		for (h &= mask; table[h] != 0; h = (h + 1) & mask)
			if (memcmp(keys + (table[h] - 1) * DUP_KEY_LEN, k,
			    DUP_KEY_LEN) == 0)
				break;
		if (table[h] != 0)
			repeats++;
		else
			table[h] = (uint32_t)(i + 1);
	}
	return repeats;
}

struct dup_worker {
	struct encrypt_job *job;
	atomic_size_t *next;		/* next partition to check */
	atomic_uint_fast64_t *repeats;	/* per fingerprint column */
	pthread_t thread;
	int rc;
};

/* Check partitions until none is left (on every thread). */
static void *
dup_worker_main(void *arg)
{
	struct dup_worker *w = arg;
	struct spill *dups = &w->job->dups;
	struct outbuf keys = { 0 };
	uint32_t *table = NULL;
	size_t b, n, slots = 0;

	while ((b = atomic_fetch_add(w->next, 1)) < dups->nbuckets) {
		n = (size_t)dups->buckets[b].bytes / DUP_KEY_LEN;
		keys.len = 0;
		if (outbuf_reserve(&keys, n * DUP_KEY_LEN) != 0) {
			w->rc = PSID_ERR_NOMEM;
			break;
		}
		if (spill_read(dups, b, keys.data) != 0) {
			w->rc = PSID_ERR_IO;
			break;
		}
		if (slots < 2 * n) {
			for (slots = slots ? slots : 1024; slots < 2 * n;)
				slots *= 2;
			free(table);
			if ((table = malloc(slots * sizeof(*table))) == NULL) {
				w->rc = PSID_ERR_NOMEM;
				break;
			}
		}
		atomic_fetch_add(&w->repeats[b / w->job->dup_partitions],
		    count_repeats((uint8_t *)keys.data, n, table, slots));
	}
	outbuf_release(&keys);
	free(table);
	return NULL;
}

/* Count repeated fingerprints per column, on every thread. */
static int
check_duplicates(struct encrypt_job *job)
{
	size_t nthreads = table_thread_count(job->opts), i, started = 0;
	atomic_uint_fast64_t *repeats;
	struct dup_worker *workers;
	atomic_size_t next = 0;
	uint64_t r;
	int rc = PSID_OK;

	repeats = calloc(job->nfingerprints, sizeof(*repeats));
	workers = calloc(nthreads, sizeof(*workers));
	if (repeats == NULL || workers == NULL) {
		free(repeats);
		free(workers);
		return report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	}
	for (i = 0; i < nthreads; i++) {
		workers[i].job = job;
		workers[i].next = &next;
		workers[i].repeats = repeats;
	}
	for (i = 1; i < nthreads; i++) {
		if (pthread_create(&workers[i].thread, NULL, dup_worker_main,
		    &workers[i]) != 0)
			break;
		started++;
	}
	dup_worker_main(&workers[0]);
	for (i = 1; i <= started; i++)
		pthread_join(workers[i].thread, NULL);
	for (i = 0; i <= started && rc == PSID_OK; i++)
		if (workers[i].rc != PSID_OK)
			rc = report_fail(job->report, workers[i].rc, 0, NULL,
			    "checking duplicates: %s", psid_strerror(
			    workers[i].rc));
	for (i = 0; i < job->ncols && rc == PSID_OK; i++) {
		const struct enc_column *col = &job->cols[i];

		if (col->crypto.type != PSID_COLUMN_FINGERPRINT ||
		    (r = atomic_load(&repeats[col->fingerprint])) == 0)
			continue;
		rc = report_fail(job->report, PSID_ERR_DUPLICATE, 0,
		    col->crypto.label, "%" PRIu64 " repeated values (rows "
		    "whose value already appears in the column), but the "
		    "collaboration does not allow duplicates", r);
	}
	free(repeats);
	free(workers);
	return rc;
}

/* Pass 2 on every thread; then the duplicate check. */
static int
encrypt_all(struct encrypt_job *job)
{
	struct worker *workers;
	struct outbuf head = { 0 };
	size_t nthreads = table_thread_count(job->opts), i, started = 0;
	int rc;

	for (i = 0; i < job->ncols; i++)
		if ((i > 0 && outbuf_putc(&head, ',') != 0) ||
		    csv_write_field(&head, job->cols[i].crypto.label,
		    job->cols[i].crypto.label_len, NULL) != 0 ||
		    (i + 1 == job->ncols && outbuf_putc(&head, '\n') != 0)) {
			outbuf_release(&head);
			return report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
			    "out of memory");
		}
	rc = outbuf_flush(&head, job->out.fd);
	outbuf_release(&head);
	if (rc != 0)
		return report_fail(job->report, PSID_ERR_IO, 0, NULL,
		    "%s: %s", job->out.path, strerror(errno));
	if (job->check_duplicates && spill_open(&job->dups,
	    table_temp_dir(job->opts), job->nfingerprints *
	    job->dup_partitions) != PSID_OK)
		return report_fail(job->report, PSID_ERR_IO, 0, NULL,
		    "cannot create a temporary file in %s: %s",
		    table_temp_dir(job->opts), strerror(errno));
	if ((workers = calloc(nthreads, sizeof(*workers))) == NULL)
		return report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	for (i = 1; i < nthreads; i++) {
		workers[i].job = job;
		if (pthread_create(&workers[i].thread, NULL, encrypt_worker,
		    &workers[i]) != 0)
			break;
		started++;
	}
	workers[0].job = job;
	workers[0].is_main = true;
	encrypt_worker(&workers[0]);
	for (i = 1; i <= started; i++)
		pthread_join(workers[i].thread, NULL);
	free(workers);
	if (job->failed != 0) {
		if (job->failed == PSID_ERR_IO)
			table_prefix_report(job->report, job->out.path);
		return job->failed;
	}
	if (job->check_duplicates && (rc = check_duplicates(job)) != PSID_OK) {
		table_prefix_report(job->report, job->input);
		return rc;
	}
	return PSID_OK;
}

int
psid_encrypt_csv(const struct psid_keys *keys, const char *schema_path,
    const char *input_path, const char *output_path,
    const struct psid_csv_options *options, struct psid_report *report)
{
	struct psid_report local;
	struct encrypt_job job;
	char err[512];
	size_t i;
	int rc;

	if (report == NULL)
		report = &local;
	report_reset(report);
	if (keys == NULL || schema_path == NULL || input_path == NULL ||
	    output_path == NULL || options == NULL)
		return report_fail(report, PSID_ERR_INVALID, 0, NULL,
		    "invalid argument");
	memset(&job, 0, sizeof(job));
	job.keys = keys;
	job.opts = options;
	job.report = report;
	job.input = input_path;
	job.out.fd = -1;
	job.rows.fd = job.dups.fd = -1;
	pthread_mutex_init(&job.out_lock, NULL);
	pthread_mutex_init(&job.fail_lock, NULL);
	csv_null_rule_init(&job.null_rule, options->input_null_value);

	if ((rc = schema_load(schema_path, &job.schema, err,
	    sizeof(err))) != PSID_OK ||
	    (rc = schema_check_settings(job.schema, &options->settings, err,
	    sizeof(err))) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s", err);
		goto out;
	}
	if ((rc = fileout_open(&job.out, output_path,
	    options->overwrite)) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file exists (use overwrite to "
		    "replace it)" : strerror(errno));
		goto out;
	}
	if ((rc = encrypt_scan(&job)) != PSID_OK ||
	    (rc = encrypt_all(&job)) != PSID_OK)
		goto out;
	if ((rc = fileout_commit(&job.out)) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file appeared meanwhile" :
		    strerror(errno));
		goto out;
	}
	if (report != NULL)
		report->rows = job.total_rows;
out:
	fileout_abort(&job.out);
	spill_close(&job.rows);
	spill_close(&job.dups);
	for (i = 0; job.cols != NULL && i < job.ncols; i++)
		cell_column_crypto_wipe(&job.cols[i].crypto);
	free(job.cols);
	free(job.slot_source);
	csv_row_release(&job.header);
	free(job.header_storage);
	schema_free(job.schema);
	pthread_mutex_destroy(&job.out_lock);
	pthread_mutex_destroy(&job.fail_lock);
	return rc;
}
