/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encrypt_scan.c: pass 1 of table encryption, on every thread.
 *
 * The input goes through the chunk pipeline (chunks.h). Each worker
 * parses its chunks, checks every row (column count, UTF-8, cell sizes),
 * keeps its own tallies (each MAX column's longest value, NULLs per
 * column) and spills the values the schema uses to random buckets. The
 * tallies are merged at the end, and whole-column rules (MAX padding
 * limits, repeated NULL fingerprints) are checked. Every input error is
 * found here, with its line and column, before any output is written;
 * the first one in file order is reported.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunks.h"
#include "encrypt.h"
#include "report.h"
#include "table.h"

/* One worker's state and tallies. */
struct scan_worker {
	struct encrypt_job *job;
	struct csv_row row;
	bool *slot_null;	/* per slot: the current row's value is NULL */
	struct outbuf big;	/* a record larger than a spill buffer */
	struct spill_writer writer;
	uint64_t *nulls;	/* per column */
	size_t *longest;	/* per column */
	bool *seen;		/* per column: a non-NULL value seen */
	struct rand_pool pool;
};

/* Lay out slots: one per input column the schema reads. */
static int
job_prepare(struct encrypt_job *job, size_t ninput)
{
	size_t i, s;
	int rc;

	job->ncols = job->schema->count;
	job->cols = calloc(job->ncols, sizeof(*job->cols));
	job->slot_source = calloc(job->ncols, sizeof(*job->slot_source));
	if (job->cols == NULL || job->slot_source == NULL)
		return PSID_ERR_NOMEM;
	for (i = 0; i < job->ncols; i++) {
		const struct schema_column *sc = &job->schema->columns[i];
		struct enc_column *col = &job->cols[i];

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
		rc = cell_column_crypto_init(&col->crypto, job->keys,
		    &job->opts->settings, sc->target, sc->type, sc->pad,
		    sc->pad_length);
		if (rc != PSID_OK)
			return rc;
	}
	job->check_duplicates = !job->opts->settings.allow_duplicates &&
	    job->nfingerprints > 0;
	/* Fewer partitions per column for wide tables: bounded buffers. */
	job->dup_partitions = DUP_PARTITIONS_MAX;
	while (job->dup_partitions > 1 && job->nfingerprints *
	    job->dup_partitions > DUP_PARTITIONS_TOTAL)
		job->dup_partitions /= 2;
	return PSID_OK;
}

size_t
encrypt_scan_flush_size(size_t nbuckets)
{
	size_t n = SPILL_BUFFER_BUDGET / (nbuckets ? nbuckets : 1);

	return n < SPILL_FLUSH_MIN ? SPILL_FLUSH_MIN :
	    n > SPILL_FLUSH_MAX ? SPILL_FLUSH_MAX : n;
}

/* Check one value of a data row against its column; tally it. */
static int
scan_value(struct scan_worker *w, size_t i, const struct csv_field *f,
    bool is_null, uint64_t line, struct psid_report *err)
{
	const struct column_crypto *c = &w->job->cols[i].crypto;
	const char *name = c->label;

	if (is_null) {
		w->nulls[i]++;
		if (c->type != PSID_COLUMN_SEALED || c->preserve_nulls ||
		    c->pad == PSID_PAD_MAX)
			return PSID_OK;
	}
	switch (c->type) {
	case PSID_COLUMN_CLEARTEXT:
		if (f->len > PSID_MAX_CELL_LEN)
			return report_fail(err, PSID_ERR_TOO_LONG, line, name,
			    "value of %zu bytes is longer than the %d bytes a "
			    "cell may hold", f->len, PSID_MAX_CELL_LEN);
		break;
	case PSID_COLUMN_FINGERPRINT:
		break;
	case PSID_COLUMN_SEALED:
		if (!is_null && c->pad == PSID_PAD_MAX) {
			if (!w->seen[i] || f->len > w->longest[i])
				w->longest[i] = f->len;
			w->seen[i] = true;
			if (f->len + 1 > MAX_PADDED_CLEARTEXT)
				return report_fail(err, PSID_ERR_TOO_LONG, line,
				    name, "value of %zu bytes is longer than "
				    "padding allows (%d bytes)", f->len,
				    MAX_PADDED_CLEARTEXT);
			break;
		}
		if (cell_sealed_len(c, is_null ? 0 : f->len, is_null) == 0)
			return report_fail(err, PSID_ERR_TOO_LONG, line, name,
			    c->pad == PSID_PAD_FIXED ? "value of %zu bytes does "
			    "not fit the fixed pad length" : "value of %zu "
			    "bytes does not fit in a sealed cell",
			    is_null ? 0 : f->len);
		break;
	}
	return PSID_OK;
}

/* Lay out a row's spilled record (total bytes, see encrypt.h) at p. */
static void
encode_row(const struct scan_worker *w, const struct csv_row *row,
    size_t total, char *p)
{
	const struct encrypt_job *job = w->job;
	uint32_t len = (uint32_t)(total - 4);
	size_t s;

	memcpy(p, &len, sizeof(len));
	p += sizeof(len);
	for (s = 0; s < job->nslots; s++) {
		const struct csv_field *f = &row->fields[job->slot_source[s]];

		len = w->slot_null[s] ? NULL_MARK : (uint32_t)f->len;
		memcpy(p, &len, sizeof(len));
		p += sizeof(len);
		if (!w->slot_null[s]) {
			memcpy(p, f->ptr, f->len);
			p += f->len;
		}
	}
}

/*
 * Spill one row to a random bucket: laid out in place in the bucket's
 * buffer, or, if larger than a buffer, staged and written at once.
 */
static int
spill_row(struct scan_worker *w, const struct csv_row *row)
{
	struct encrypt_job *job = w->job;
	size_t s, bucket, total = 4 + 4 * job->nslots;
	uint32_t pick;
	char *p;

	for (s = 0; s < job->nslots; s++)
		if (!w->slot_null[s])
			total += row->fields[job->slot_source[s]].len;
	if (crypto_rand_pool_take(&w->pool, &pick, sizeof(pick)) != 0)
		return PSID_ERR_CRYPTO;
	bucket = pick % job->rows.nbuckets;
	if (total <= w->writer.flush_at) {
		if ((p = spill_writer_space(&w->writer, bucket, total)) == NULL)
			return errno == ENOMEM ? PSID_ERR_NOMEM : PSID_ERR_IO;
		encode_row(w, row, total, p);
		return PSID_OK;
	}
	w->big.len = 0;
	if (outbuf_reserve(&w->big, total) != 0)
		return PSID_ERR_NOMEM;
	encode_row(w, row, total, w->big.data);
	w->big.len = total;
	return spill_writer_put(&w->writer, bucket, w->big.data, total) != 0 ?
	    PSID_ERR_IO : PSID_OK;
}

/* Check and spill every row of a chunk (chunk_work_fn). */
static void
scan_chunk(void *arg, struct csv_chunk *c)
{
	struct scan_worker *w = arg;
	struct encrypt_job *job = w->job;
	struct chunk_cursor cur = { 0 };
	uint64_t line;
	size_t i, s;

	while (chunks_next_row(c, &cur, &w->row, job->input, &job->header,
	    job->schema->header_row, &line) > 0) {
		for (s = 0; s < job->nslots; s++)
			w->slot_null[s] = csv_field_is_null(&job->null_rule,
			    &w->row.fields[job->slot_source[s]]);
		for (i = 0; i < job->ncols; i++) {
			size_t slot = job->cols[i].slot;

			c->rc = scan_value(w, i,
			    &w->row.fields[job->slot_source[slot]],
			    w->slot_null[slot], line, &c->error);
			if (c->rc != PSID_OK)
				return;
		}
		if ((c->rc = spill_row(w, &w->row)) != PSID_OK) {
			if (c->rc == PSID_ERR_IO)
				report_fail(&c->error, c->rc, 0, NULL,
				    "cannot write a temporary file in %s: %s",
				    table_temp_dir(job->opts), strerror(errno));
			else
				report_fail(&c->error, c->rc, 0, NULL, "%s",
				    psid_strerror(c->rc));
			return;
		}
		c->rows++;
	}
}

/* Count the rows of each finished chunk, in order (chunk_done_fn). */
static int
count_chunk(void *arg, struct csv_chunk *c, struct psid_report *report)
{
	struct encrypt_job *job = arg;
	uint64_t before = job->total_rows;

	job->total_rows += c->rows;
	if (job->opts->progress != NULL &&
	    before / (1u << 18) != job->total_rows / (1u << 18))
		job->opts->progress(job->opts->progress_arg, "scan",
		    job->total_rows);
	return PSID_OK;
}

/* After the scan: the MAX targets and the NULL rules on whole columns. */
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
		    cell_sealed_len(c, c->longest, false) == 0) ||
		    (!c->preserve_nulls && col->nulls > 0 &&
		    cell_sealed_len(c, 0, true) == 0)))
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

/* Merge a worker's tallies into the columns and flush its buckets. */
static int
worker_merge(struct encrypt_job *job, struct scan_worker *w)
{
	size_t i;

	for (i = 0; i < job->ncols; i++) {
		struct enc_column *col = &job->cols[i];

		col->nulls += w->nulls[i];
		if (w->seen[i] && (!col->crypto.longest_seen ||
		    w->longest[i] > col->crypto.longest)) {
			col->crypto.longest = w->longest[i];
			col->crypto.longest_seen = true;
		}
	}
	if (spill_writer_flush(&w->writer) != 0)
		return report_fail(job->report, PSID_ERR_IO, 0, NULL,
		    "cannot write temporary file in %s: %s",
		    table_temp_dir(job->opts), strerror(errno));
	return PSID_OK;
}

static void
workers_free(struct scan_worker **workers, size_t n)
{
	size_t i;

	for (i = 0; i < n && workers != NULL; i++) {
		struct scan_worker *w = workers[i];

		if (w == NULL)
			continue;
		csv_row_release(&w->row);
		free(w->slot_null);
		crypto_wipe(w->big.data, w->big.cap);
		outbuf_release(&w->big);
		spill_writer_release(&w->writer);
		crypto_rand_pool_wipe(&w->pool);
		free(w->nulls);
		free(w->longest);
		free(w->seen);
		free(w);
	}
	free(workers);
}

static struct scan_worker **
workers_new(struct encrypt_job *job, size_t n)
{
	struct scan_worker **workers = calloc(n, sizeof(*workers));
	size_t i;

	for (i = 0; workers != NULL && i < n; i++) {
		struct scan_worker *w = calloc(1, sizeof(*w));

		if ((workers[i] = w) == NULL)
			goto fail;
		w->job = job;
		crypto_rand_pool_init(&w->pool);
		w->nulls = calloc(job->ncols, sizeof(*w->nulls));
		w->longest = calloc(job->ncols, sizeof(*w->longest));
		w->seen = calloc(job->ncols, sizeof(*w->seen));
		w->slot_null = calloc(job->nslots, sizeof(*w->slot_null));
		if (w->nulls == NULL || w->longest == NULL || w->seen == NULL ||
		    w->slot_null == NULL ||
		    spill_writer_init(&w->writer, &job->rows,
		    encrypt_scan_flush_size(job->rows.nbuckets)) != 0)
			goto fail;
	}
	return workers;
fail:
	workers_free(workers, n);
	return NULL;
}

int
encrypt_scan(struct encrypt_job *job)
{
	struct chunk_run run = { .path = job->input, .next_line = 1 };
	struct scan_worker **workers = NULL;
	char err[400];
	const char *tmpdir = table_temp_dir(job->opts);
	size_t n = table_thread_count(job->opts), i, row_bytes, nbuckets;
	uint64_t lines;
	struct stat st;
	int rc;

	if ((run.fd = open(job->input, O_RDONLY | O_CLOEXEC)) < 0)
		return report_fail(job->report, PSID_ERR_IO, 0, NULL,
		    "%s: %s", job->input, strerror(errno));
	(void)posix_fadvise(run.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rc = chunks_first_row(&run, false, &job->header, &job->header_storage,
	    &row_bytes, &lines, job->report)) != PSID_OK)
		goto out;
	if ((rc = schema_bind(job->schema, &job->header, err,
	    sizeof(err))) != PSID_OK) {
		rc = report_fail(job->report, rc, 1, NULL, "%s: %s",
		    job->input, err);
		goto out;
	}
	/* A mapped schema's first row is the header; else it is data. */
	if (job->schema->header_row)
		chunks_skip(&run, row_bytes, lines);
	if ((rc = job_prepare(job, job->header.count)) != PSID_OK) {
		rc = report_fail(job->report, rc, 0, NULL, "%s",
		    psid_strerror(rc));
		goto out;
	}
	/*
	 * About 4 MiB of spilled rows per bucket: the input, doubled. A pipe
	 * has no size: then as many buckets as may be.
	 */
	if (fstat(run.fd, &st) != 0) {
		rc = report_fail(job->report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    job->input, strerror(errno));
		goto out;
	}
	nbuckets = (size_t)((uint64_t)st.st_size * 2 / BUCKET_TARGET) + 1;
	if (nbuckets > MAX_BUCKETS || !S_ISREG(st.st_mode))
		nbuckets = MAX_BUCKETS;
	if ((rc = spill_open(&job->rows, tmpdir, nbuckets)) != PSID_OK) {
		rc = report_fail(job->report, rc, 0, NULL,
		    "cannot create a temporary file in %s: %s", tmpdir,
		    strerror(errno));
		goto out;
	}
	if ((workers = workers_new(job, n)) == NULL) {
		rc = report_fail(job->report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
		goto out;
	}
	run.nworkers = n;
	run.workers = (void **)workers;
	run.work = scan_chunk;
	run.done = count_chunk;
	run.done_arg = job;
	if ((rc = chunks_run(&run, job->report)) != PSID_OK)
		goto out;
	for (i = 0; i < n && rc == PSID_OK; i++)
		rc = worker_merge(job, workers[i]);
	if (rc == PSID_OK && (rc = scan_finish(job)) != PSID_OK)
		table_prefix_report(job->report, job->input);
out:
	workers_free(workers, n);
	crypto_wipe(run.carry.data, run.carry.cap);
	outbuf_release(&run.carry);
	close(run.fd);
	return rc;
}
