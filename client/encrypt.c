/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encrypt.c: psid_encrypt_csv, C3R's encrypt mode in bounded memory.
 *
 * Pass 1 (scan, one thread) parses and checks every row (column count,
 * UTF-8, cell sizes, NULL rules), measures each MAX-padded column's
 * longest value, and appends the values the schema uses to one of N
 * random buckets in a spill file. Pass 2 (all threads) takes buckets one
 * at a time, shuffles each in memory and encrypts its rows into the
 * output: random bucket plus in-bucket shuffle is a uniform shuffle, and
 * memory holds one bucket per thread, whatever the input size. Where
 * duplicates are not allowed, pass 2 also spills every fingerprint into
 * 256 partitions per column, checked for repeats before the output is
 * committed.
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

#include "cell.h"
#include "csv.h"
#include "fileout.h"
#include "report.h"
#include "schema.h"
#include "spill.h"
#include "table.h"
#include "utf8.h"

#define NULL_MARK UINT32_MAX
#define BUCKET_TARGET (4u << 20)
#define MAX_BUCKETS 1024
#define SPILL_FLUSH (16u << 10)
#define OUTPUT_FLUSH (1u << 20)
#define DUP_PARTITIONS 256
#define DUP_KEY_LEN 16
#define PROGRESS_EVERY (1u << 18)

struct enc_column {
	const struct schema_column *schema;
	size_t slot;		/* where its value is in a spilled row */
	size_t fingerprint;	/* index among fingerprint columns */
	struct column_crypto crypto;
	uint64_t nulls;
};

struct encrypt_job {
	const struct psid_keys *keys;
	const struct psid_csv_options *opts;
	struct psid_report *report;
	const char *input;
	struct schema *schema;
	struct enc_column *cols;
	size_t ncols;
	size_t *slot_source;	/* input column of each slot */
	size_t nslots;
	size_t nfingerprints;
	bool check_duplicates;
	struct csv_null_rule null_rule;
	struct spill rows;
	struct spill dups;
	struct output_file out;
	pthread_mutex_t out_lock;
	uint64_t total_rows;
	/* pass 2 */
	atomic_size_t next_bucket;
	atomic_uint_fast64_t rows_done;
	pthread_mutex_t fail_lock;
	int failed;
};

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

/* Lay out slots: one per input column the schema reads. */
static int
job_prepare(struct encrypt_job *job, size_t ninput)
{
	size_t i, s;

	job->ncols = job->schema->count;
	job->cols = calloc(job->ncols, sizeof(*job->cols));
	job->slot_source = calloc(job->ncols, sizeof(*job->slot_source));
	if (job->cols == NULL || job->slot_source == NULL)
		return PSID_ERR_NOMEM;
	for (i = 0; i < job->ncols; i++) {
		const struct schema_column *sc = &job->schema->columns[i];
		struct enc_column *col = &job->cols[i];
		int rc;

		col->schema = sc;
		if (sc->source_index >= ninput)
			return PSID_ERR_SCHEMA;
		for (s = 0; s < job->nslots; s++)
			if (job->slot_source[s] == sc->source_index)
				break;
		if (s == job->nslots)
			job->slot_source[job->nslots++] = sc->source_index;
		col->slot = s;
		if (sc->type == PSID_COLUMN_FINGERPRINT)
			col->fingerprint = job->nfingerprints++;
		rc = column_crypto_init(&col->crypto, job->keys,
		    &job->opts->settings, sc->target, sc->type, sc->pad,
		    sc->pad_length);
		if (rc != PSID_OK)
			return rc;
	}
	job->check_duplicates = !job->opts->settings.allow_duplicates &&
	    job->nfingerprints > 0;
	return PSID_OK;
}

/* Check one value of a data row against its column (pass 1). */
static int
scan_value(struct encrypt_job *job, struct enc_column *col,
    const struct csv_field *f, bool is_null, uint64_t line)
{
	const struct column_crypto *c = &col->crypto;
	const char *name = col->schema->target;

	if (is_null)
		col->nulls++;
	switch (c->type) {
	case PSID_COLUMN_CLEARTEXT:
		if (!is_null && f->len > PSID_MAX_CELL_LEN)
			return report_fail(job->report, PSID_ERR_TOO_LONG, line,
			    name, "value of %zu bytes is longer than the %d "
			    "bytes a cell may hold", f->len, PSID_MAX_CELL_LEN);
		break;
	case PSID_COLUMN_FINGERPRINT:
		break;
	case PSID_COLUMN_SEALED:
		if (is_null && c->preserve_nulls)
			break;
		if (!is_null && c->pad == PSID_PAD_MAX) {
			if (!col->crypto.longest_seen ||
			    f->len > col->crypto.longest)
				col->crypto.longest = f->len;
			col->crypto.longest_seen = true;
			if (f->len + 1 > MAX_PADDED_CLEARTEXT)
				return report_fail(job->report,
				    PSID_ERR_TOO_LONG, line, name, "value of "
				    "%zu bytes is longer than padding allows "
				    "(%d bytes)", f->len, MAX_PADDED_CLEARTEXT);
			break;
		}
		if (c->pad != PSID_PAD_MAX &&
		    sealed_cell_len(c, f->len, is_null) == 0)
			return report_fail(job->report, PSID_ERR_TOO_LONG, line,
			    name, c->pad == PSID_PAD_FIXED ?
			    "value of %zu bytes does not fit the fixed pad "
			    "length" : "value of %zu bytes does not fit in a "
			    "sealed cell", is_null ? 0 : f->len);
		break;
	}
	return PSID_OK;
}

/* After pass 1: the MAX targets and the NULL rules on whole columns. */
static int
scan_finish(struct encrypt_job *job)
{
	const struct psid_settings *set = &job->opts->settings;
	size_t i;

	for (i = 0; i < job->ncols; i++) {
		struct enc_column *col = &job->cols[i];
		const struct column_crypto *c = &col->crypto;

		if (c->type == PSID_COLUMN_SEALED && c->pad == PSID_PAD_MAX &&
		    ((c->longest_seen &&
		    sealed_cell_len(c, c->longest, false) == 0) ||
		    (!c->preserve_nulls && col->nulls > 0 &&
		    sealed_cell_len(c, 0, true) == 0)))
			return report_fail(job->report, PSID_ERR_TOO_LONG, 0,
			    c->label, "longest value (%zu bytes) plus pad "
			    "length %u is more than %d bytes, or leaves no "
			    "room for padding", c->longest, c->pad_length,
			    MAX_PADDED_CLEARTEXT);
		if (c->type == PSID_COLUMN_FINGERPRINT &&
		    !set->allow_duplicates && !set->preserve_nulls &&
		    col->nulls > 1)
			return report_fail(job->report, PSID_ERR_DUPLICATE, 0,
			    c->label, "%" PRIu64 " NULL values in a "
			    "fingerprint column, but duplicates are not "
			    "allowed (NULLs count as duplicates unless NULLs "
			    "are preserved)", col->nulls);
	}
	return PSID_OK;
}

static int
put_u32(struct outbuf *rec, uint32_t v)
{
	return outbuf_append(rec, &v, sizeof(v));
}

/* Pass 1: check every row and spill it to a random bucket. */
static int
scan(struct encrypt_job *job)
{
	struct csv_reader *reader = NULL;
	struct csv_row header = { 0 }, row = { 0 };
	struct spill_writer writer = { 0 };
	struct outbuf rec = { 0 };
	struct rand_pool *pool = NULL;
	char *header_copy = NULL, err[400];
	const char *tmpdir;
	size_t expected, i, nbuckets;
	uint64_t line, est;
	uint32_t pick;
	int rc;

	if ((rc = csv_reader_open(job->input, &reader)) != PSID_OK)
		return report_fail(job->report, rc, 0, NULL, "%s: %s",
		    job->input, rc == PSID_ERR_IO ? strerror(errno) :
		    psid_strerror(rc));
	rc = csv_reader_next(reader, &row);
	if (rc <= 0) {
		rc = rc == 0 ? report_fail(job->report, PSID_ERR_CSV, 0, NULL,
		    "%s: the file is empty", job->input) :
		    table_csv_error(job->report, job->input,
		    csv_reader_line(reader), rc);
		goto out;
	}
	if ((rc = table_check_utf8(job->report, job->input, &row, NULL,
	    csv_reader_line(reader))) != PSID_OK)
		goto out;
	if ((rc = schema_bind(job->schema, &row, err, sizeof(err))) != 0) {
		rc = report_fail(job->report, rc, csv_reader_line(reader),
		    NULL, "%s: %s", job->input, err);
		goto out;
	}
	expected = row.count;
	if (job->schema->header_row &&
	    (rc = table_copy_row(&row, &header, &header_copy)) != PSID_OK)
		goto out;
	if ((rc = job_prepare(job, expected)) != PSID_OK) {
		rc = report_fail(job->report, rc, 0, NULL, "%s",
		    psid_strerror(rc));
		goto out;
	}

	est = (uint64_t)csv_reader_size(reader) * 2;
	nbuckets = (size_t)(est / BUCKET_TARGET) + 1;
	if (nbuckets > MAX_BUCKETS)
		nbuckets = MAX_BUCKETS;
	tmpdir = table_temp_dir(job->opts);
	if ((rc = spill_open(&job->rows, tmpdir, nbuckets)) != PSID_OK) {
		rc = report_fail(job->report, rc, 0, NULL,
		    "cannot create a temporary file in %s: %s", tmpdir,
		    strerror(errno));
		goto out;
	}
	pool = malloc(sizeof(*pool));
	if (pool == NULL || spill_writer_init(&writer, &job->rows,
	    SPILL_FLUSH) != 0) {
		rc = report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
		goto out;
	}
	rand_pool_init(pool);

	/* A mapped schema's first row is the header; else it is data. */
	if (job->schema->header_row)
		rc = csv_reader_next(reader, &row);
	else
		rc = CSV_ROW;
	for (; rc == CSV_ROW; rc = csv_reader_next(reader, &row)) {
		line = csv_reader_line(reader);
		if (row.count != expected) {
			rc = report_fail(job->report, PSID_ERR_CSV, line, NULL,
			    "%s: line %" PRIu64 ": %zu columns, but the %s "
			    "has %zu", job->input, line, row.count,
			    job->schema->header_row ? "header" : "first row",
			    expected);
			goto out;
		}
		if ((rc = table_check_utf8(job->report, job->input, &row,
		    job->schema->header_row ? &header : NULL, line)) != PSID_OK)
			goto out;
		rec.len = 0;
		if (put_u32(&rec, 0) != 0)
			goto nomem;
		for (i = 0; i < job->nslots; i++) {
			const struct csv_field *f =
			    &row.fields[job->slot_source[i]];
			bool is_null = csv_field_is_null(&job->null_rule, f);

			if (put_u32(&rec, is_null ? NULL_MARK :
			    (uint32_t)f->len) != 0 || (!is_null &&
			    outbuf_append(&rec, f->ptr, f->len) != 0))
				goto nomem;
		}
		for (i = 0; i < job->ncols; i++) {
			struct enc_column *col = &job->cols[i];
			const struct csv_field *f =
			    &row.fields[job->slot_source[col->slot]];

			rc = scan_value(job, col, f,
			    csv_field_is_null(&job->null_rule, f), line);
			if (rc != PSID_OK) {
				table_prefix_report(job->report, job->input);
				goto out;
			}
		}
		*(uint32_t *)(void *)rec.data = (uint32_t)(rec.len - 4);
		if (rand_pool_take(pool, &pick, sizeof(pick)) != 0) {
			rc = report_fail(job->report, PSID_ERR_CRYPTO, 0, NULL,
			    "random number generator failed");
			goto out;
		}
		if (spill_writer_put(&writer, pick % nbuckets, rec.data,
		    rec.len) != 0)
			goto io;
		if (++job->total_rows % PROGRESS_EVERY == 0 &&
		    job->opts->progress != NULL)
			job->opts->progress(job->opts->progress_arg, "scan",
			    job->total_rows);
	}
	if (rc < 0) {
		rc = table_csv_error(job->report, job->input,
		    csv_reader_line(reader), rc);
		goto out;
	}
	if (spill_writer_flush(&writer) != 0)
		goto io;
	if ((rc = scan_finish(job)) != PSID_OK)
		table_prefix_report(job->report, job->input);
	goto out;
nomem:
	rc = report_fail(job->report, PSID_ERR_NOMEM, 0, NULL, "out of memory");
	goto out;
io:
	rc = report_fail(job->report, PSID_ERR_IO, 0, NULL,
	    "cannot write temporary file in %s: %s", table_temp_dir(job->opts),
	    strerror(errno));
out:
	if (pool != NULL) {
		rand_pool_wipe(pool);
		free(pool);
	}
	wipe(rec.data, rec.cap);
	outbuf_release(&rec);
	spill_writer_release(&writer);
	csv_row_release(&row);
	csv_row_release(&header);
	free(header_copy);
	csv_reader_free(reader);
	return rc;
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
			    v->ptr != NULL && spill_writer_put(dupw,
			    col->fingerprint * DUP_PARTITIONS + raw[0], raw,
			    DUP_KEY_LEN) != 0)
				rc = PSID_ERR_IO;
			continue;
		}
		if (!have_row) {
			if ((rc = cell_row_begin(engine, &row)) != PSID_OK)
				break;
			have_row = true;
		}
		need = sealed_cell_len(&col->crypto, v->len, v->ptr == NULL);
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
		row_key_wipe(&row);
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
		if (rand_pool_take(&engine->pool, &r, sizeof(r)) != 0)
			return PSID_ERR_CRYPTO;
		j = (size_t)(r % i);
		off = rows[i - 1];
		rows[i - 1] = rows[j];
		rows[j] = off;
	}
	for (i = 0; i < n; i++) {
		const char *p = bucket->data + rows[i] + 4;

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
	wipe(bucket->data, bucket->len);
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
	    SPILL_FLUSH / 2) != 0)) {
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
	wipe(bucket.data, bucket.cap);
	wipe(out.data, out.cap);
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

static int
check_duplicates(struct encrypt_job *job)
{
	struct outbuf keys = { 0 };
	uint32_t *table = NULL;
	size_t i, p, b, n, slots = 0;
	uint64_t repeats;
	int rc = PSID_OK;

	for (i = 0; i < job->ncols && rc == PSID_OK; i++) {
		const struct enc_column *col = &job->cols[i];

		if (col->crypto.type != PSID_COLUMN_FINGERPRINT)
			continue;
		repeats = 0;
		for (p = 0; p < DUP_PARTITIONS; p++) {
			b = col->fingerprint * DUP_PARTITIONS + p;
			n = (size_t)job->dups.buckets[b].bytes / DUP_KEY_LEN;
			keys.len = 0;
			if (outbuf_reserve(&keys, n * DUP_KEY_LEN) != 0)
				goto nomem;
			if (spill_read(&job->dups, b, keys.data) != 0) {
				rc = report_fail(job->report, PSID_ERR_IO, 0,
				    NULL, "cannot read temporary file: %s",
				    strerror(errno));
				break;
			}
			if (slots < 2 * n) {
				for (slots = slots ? slots : 1024; slots < 2 * n;)
					slots *= 2;
				free(table);
				if ((table = malloc(slots * sizeof(*table))) ==
				    NULL)
					goto nomem;
			}
			repeats += count_repeats((uint8_t *)keys.data, n, table,
			    slots);
		}
		if (rc == PSID_OK && repeats > 0)
			rc = report_fail(job->report, PSID_ERR_DUPLICATE, 0,
			    col->crypto.label, "%" PRIu64 " repeated values "
			    "(rows whose value already appears in the column), "
			    "but the collaboration does not allow duplicates",
			    repeats);
	}
	outbuf_release(&keys);
	free(table);
	return rc;
nomem:
	outbuf_release(&keys);
	free(table);
	return report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
	    "out of memory");
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
	    DUP_PARTITIONS) != PSID_OK)
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
			table_prefix_report(job->report, "writing output");
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
	struct encrypt_job job;
	char err[512];
	size_t i;
	int rc;

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
	if ((rc = output_open(&job.out, output_path,
	    options->overwrite)) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file exists (use overwrite to "
		    "replace it)" : strerror(errno));
		goto out;
	}
	if ((rc = scan(&job)) != PSID_OK || (rc = encrypt_all(&job)) != PSID_OK)
		goto out;
	if ((rc = output_commit(&job.out)) != PSID_OK) {
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file appeared meanwhile" :
		    strerror(errno));
		goto out;
	}
	if (report != NULL)
		report->rows = job.total_rows;
out:
	output_abort(&job.out);
	spill_close(&job.rows);
	spill_close(&job.dups);
	for (i = 0; job.cols != NULL && i < job.ncols; i++)
		column_crypto_wipe(&job.cols[i].crypto);
	free(job.cols);
	free(job.slot_source);
	schema_free(job.schema);
	pthread_mutex_destroy(&job.out_lock);
	pthread_mutex_destroy(&job.fail_lock);
	return rc;
}
