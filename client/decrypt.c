/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decrypt.c: psid_decrypt_csv, C3R's decrypt mode in one streaming pass.
 *
 * The calling thread reads the input in chunks of about 1 MiB cut at row
 * ends (outside quotes), hands them to worker threads, and writes their
 * output back in input order; it also works on chunks itself when it has
 * nothing else to do, so one thread runs the same code. Memory is a fixed
 * ring of chunks, whatever the input size. Every cell is judged on its
 * own, as C3R does (SPEC §9): "xx:enc:" is decrypted, "xx:hmac:" copied
 * with a warning (or refused), anything else copied.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell.h"
#include "csv.h"
#include "fileout.h"
#include "report.h"
#include "table.h"

#define CHUNK_BYTES (1u << 20)
#define PROGRESS_EVERY (1u << 18)

enum chunk_state { CHUNK_EMPTY, CHUNK_FILLED, CHUNK_BUSY, CHUNK_DONE };

struct chunk {
	enum chunk_state state;
	struct outbuf in;
	struct outbuf out;
	uint64_t first_line;
	uint64_t rows;
	uint64_t warnings;
	int rc;
	struct psid_report error;
};

struct decrypt_job {
	const struct psid_keys *keys;
	const struct psid_csv_options *opts;
	const char *input;
	struct csv_null_rule null_rule;
	struct csv_row header;
	char *header_storage;
	size_t nchunks;
	struct chunk *chunks;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

struct decrypt_worker {
	struct decrypt_job *job;
	pthread_t thread;
	struct cell_engine engine;
	struct csv_row row;
	char value[PSID_MAX_CELL_LEN + 64];
};

static int
chunk_fail(struct chunk *c, int code, uint64_t line, const char *column,
    const char *what)
{
	c->rc = code;
	report_fail(&c->error, code, line, column, "%s", what);
	return code;
}

/* Decrypt one cell of a row into out. */
static int
decrypt_cell(struct decrypt_worker *w, struct chunk *c,
    const struct csv_field *f, const char *column, uint64_t line)
{
	struct decrypt_job *job = w->job;
	const char *null_token = job->opts->output_null_value;
	bool is_null;
	long n;

	if (csv_field_is_null(&job->null_rule, f))
		return csv_write_field(&c->out, NULL, 0, null_token) == 0 ?
		    PSID_OK : PSID_ERR_NOMEM;
	if (cell_is_sealed(f->ptr, f->len)) {
		n = cell_unseal(&w->engine, f->ptr, f->len, w->value, &is_null);
		if (n < 0)
			return chunk_fail(c, (int)n, line, column,
			    n == PSID_ERR_CELL_FORMAT ? "malformed sealed cell "
			    "(truncated, not Base64, or not a 02:enc: cell)" :
			    psid_strerror((int)n));
		if (csv_write_field(&c->out, is_null ? NULL : w->value,
		    (size_t)n, null_token) != 0)
			return PSID_ERR_NOMEM;
		return PSID_OK;
	}
	if (cell_is_fingerprint(f->ptr, f->len)) {
		if (job->opts->fail_on_fingerprint_columns)
			return chunk_fail(c, PSID_ERR_FINGERPRINT, line, column,
			    "fingerprint cells cannot be decrypted (refused "
			    "with fail-on-fingerprint-columns)");
		c->warnings++;
	}
	return csv_write_field(&c->out, f->ptr, f->len, null_token) == 0 ?
	    PSID_OK : PSID_ERR_NOMEM;
}

/* Decrypt every row of a chunk into its output buffer. */
static void
chunk_process(struct decrypt_worker *w, struct chunk *c)
{
	struct decrypt_job *job = w->job;
	char *data = c->in.data, name[132];
	size_t pos = 0, len = c->in.len, consumed, i;
	uint64_t line = c->first_line, skipped;
	int rc;

	c->out.len = 0;
	c->rows = c->warnings = 0;
	c->rc = PSID_OK;
	while (pos < len) {
		rc = csv_parse_row(data + pos, len - pos, true, &w->row,
		    &consumed, &skipped);
		if (rc == CSV_NEED_MORE)
			break;
		line += skipped;
		if (rc < 0) {
			c->rc = table_csv_error(&c->error, job->input, line,
			    rc);
			return;
		}
		if (w->row.count != job->header.count) {
			snprintf(name, sizeof(name), "%zu columns, but the "
			    "header has %zu", w->row.count, job->header.count);
			chunk_fail(c, PSID_ERR_CSV, line, NULL, name);
			return;
		}
		if ((rc = table_check_utf8(&c->error, job->input, &w->row,
		    &job->header, line)) != PSID_OK) {
			c->rc = rc;
			return;
		}
		for (i = 0; i < w->row.count; i++) {
			if (i > 0 && outbuf_putc(&c->out, ',') != 0)
				rc = PSID_ERR_NOMEM;
			else
				rc = decrypt_cell(w, c, &w->row.fields[i],
				    job->header.fields[i].ptr, line);
			if (rc != PSID_OK) {
				if (c->rc == PSID_OK)
					chunk_fail(c, rc, line, NULL,
					    psid_strerror(rc));
				return;
			}
		}
		if (outbuf_putc(&c->out, '\n') != 0) {
			chunk_fail(c, PSID_ERR_NOMEM, line, NULL,
			    "out of memory");
			return;
		}
		c->rows++;
		line += w->row.lines;
		pos += consumed;
	}
	wipe(w->value, sizeof(w->value));
}

/* Take the oldest filled chunk, if any (lock held). */
static struct chunk *
take_filled(struct decrypt_job *job, size_t from)
{
	size_t i;

	for (i = 0; i < job->nchunks; i++) {
		struct chunk *c = &job->chunks[(from + i) % job->nchunks];

		if (c->state == CHUNK_FILLED) {
			c->state = CHUNK_BUSY;
			return c;
		}
	}
	return NULL;
}

static void *
decrypt_worker_main(void *arg)
{
	struct decrypt_worker *w = arg;
	struct decrypt_job *job = w->job;
	struct chunk *c;

	pthread_mutex_lock(&job->lock);
	for (;;) {
		while (!job->stop && (c = take_filled(job, 0)) == NULL)
			pthread_cond_wait(&job->cond, &job->lock);
		if (job->stop)
			break;
		pthread_mutex_unlock(&job->lock);
		chunk_process(w, c);
		pthread_mutex_lock(&job->lock);
		c->state = CHUNK_DONE;
		pthread_cond_broadcast(&job->cond);
	}
	pthread_mutex_unlock(&job->lock);
	return NULL;
}

/* Read the header row; leaves the rest of the first block in *rest. */
static int
read_header(struct decrypt_job *job, int fd, struct outbuf *rest,
    uint64_t *next_line, struct psid_report *report)
{
	struct csv_row row = { 0 };
	size_t consumed;
	uint64_t skipped;
	ssize_t n;
	bool eof = false;
	int rc;

	for (;;) {
		rc = csv_parse_row(rest->data, rest->len, eof, &row, &consumed,
		    &skipped);
		if (rc == CSV_ROW || rc < 0 || (rc == CSV_NEED_MORE && eof))
			break;
		if (rest->len >= CSV_MAX_ROW_BYTES) {
			rc = CSV_ERR_ROW_TOO_LONG;
			break;
		}
		if (outbuf_reserve(rest, CHUNK_BYTES) != 0) {
			rc = CSV_ERR_NOMEM;
			break;
		}
		n = read(fd, rest->data + rest->len, rest->cap - rest->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = CSV_ERR_IO;
			break;
		}
		eof = n == 0;
		rest->len += (size_t)n;
	}
	if (rc == CSV_NEED_MORE) {
		csv_row_release(&row);
		return report_fail(report, PSID_ERR_CSV, 0, NULL,
		    "%s: the file is empty", job->input);
	}
	if (rc < 0) {
		csv_row_release(&row);
		return table_csv_error(report, job->input, 1 + skipped, rc);
	}
	*next_line = 1 + skipped + row.lines;
	rc = table_check_utf8(report, job->input, &row, NULL, 1 + skipped);
	if (rc == PSID_OK)
		rc = table_copy_row(&row, &job->header, &job->header_storage);
	csv_row_release(&row);
	if (rc != PSID_OK)
		return rc == PSID_ERR_NOMEM ? report_fail(report, rc, 0, NULL,
		    "out of memory") : rc;
	memmove(rest->data, rest->data + consumed, rest->len - consumed);
	rest->len -= consumed;
	return PSID_OK;
}

/*
 * Fill a chunk: carried bytes, then reads up to CHUNK_BYTES; cut at the
 * last row end and carry the tail. Returns 0, or a CSV_ERR_* code.
 */
static int
chunk_fill(struct chunk *c, int fd, struct outbuf *carry, bool *eof,
    uint64_t *next_line)
{
	size_t cut;
	ssize_t n;

	c->in.len = 0;
	if (outbuf_append(&c->in, carry->data, carry->len) != 0)
		return CSV_ERR_NOMEM;
	carry->len = 0;
	for (;;) {
		while (!*eof && c->in.len < CHUNK_BYTES) {
			if (outbuf_reserve(&c->in, CHUNK_BYTES - c->in.len) != 0)
				return CSV_ERR_NOMEM;
			n = read(fd, c->in.data + c->in.len,
			    CHUNK_BYTES - c->in.len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return CSV_ERR_IO;
			if (n == 0)
				*eof = true;
			c->in.len += (size_t)n;
		}
		cut = *eof ? c->in.len : csv_last_row_end(c->in.data,
		    c->in.len);
		if (cut > 0 || *eof)
			break;
		/* One row longer than a chunk: read on. */
		if (c->in.len >= CSV_MAX_ROW_BYTES)
			return CSV_ERR_ROW_TOO_LONG;
		if (outbuf_reserve(&c->in, c->in.len) != 0)
			return CSV_ERR_NOMEM;
		n = read(fd, c->in.data + c->in.len, c->in.cap - c->in.len);
		if (n < 0 && errno != EINTR)
			return CSV_ERR_IO;
		if (n == 0)
			*eof = true;
		if (n > 0)
			c->in.len += (size_t)n;
	}
	if (outbuf_append(carry, c->in.data + cut, c->in.len - cut) != 0)
		return CSV_ERR_NOMEM;
	c->in.len = cut;
	c->first_line = *next_line;
	*next_line += csv_count_newlines(c->in.data, cut);
	c->state = CHUNK_FILLED;
	return 0;
}

static int
decrypt_stream(struct decrypt_job *job, int fd, struct output_file *out,
    struct psid_report *report)
{
	struct decrypt_worker *workers = NULL;
	struct outbuf carry = { 0 }, head = { 0 };
	size_t nthreads = table_thread_count(job->opts), started = 0;
	size_t fill = 0, drain = 0, i;
	uint64_t next_line = 1, rows = 0, warnings = 0, last_progress = 0;
	bool eof = false;
	int rc = PSID_OK;

	if ((rc = read_header(job, fd, &carry, &next_line, report)) != PSID_OK)
		goto out;
	for (i = 0; i < job->header.count; i++)
		if ((i > 0 && outbuf_putc(&head, ',') != 0) ||
		    csv_write_field(&head, job->header.fields[i].ptr,
		    job->header.fields[i].len, job->opts->output_null_value))
			goto nomem;
	if (outbuf_putc(&head, '\n') != 0)
		goto nomem;
	if (outbuf_flush(&head, out->fd) != 0)
		goto io;

	job->nchunks = 2 * nthreads + 1;
	job->chunks = calloc(job->nchunks, sizeof(*job->chunks));
	workers = calloc(nthreads, sizeof(*workers));
	if (job->chunks == NULL || workers == NULL)
		goto nomem;
	for (i = 0; i < nthreads; i++) {
		workers[i].job = job;
		if ((rc = cell_engine_init(&workers[i].engine, job->keys)) !=
		    PSID_OK) {
			report_fail(report, rc, 0, NULL, "%s",
			    psid_strerror(rc));
			goto out;
		}
	}
	for (i = 1; i < nthreads; i++) {
		if (pthread_create(&workers[i].thread, NULL,
		    decrypt_worker_main, &workers[i]) != 0)
			break;
		started++;
	}

	pthread_mutex_lock(&job->lock);
	for (;;) {
		struct chunk *c = &job->chunks[drain % job->nchunks];

		if (c->state == CHUNK_DONE) {
			pthread_mutex_unlock(&job->lock);
			if (c->rc != PSID_OK) {
				*report = c->error;
				table_prefix_report(report, job->input);
				rc = c->rc;
				pthread_mutex_lock(&job->lock);
				break;
			}
			rows += c->rows;
			warnings += c->warnings;
			if (outbuf_flush(&c->out, out->fd) != 0) {
				pthread_mutex_lock(&job->lock);
				rc = PSID_ERR_IO;
				break;
			}
			pthread_mutex_lock(&job->lock);
			c->state = CHUNK_EMPTY;
			drain++;
			if (job->opts->progress != NULL &&
			    rows - last_progress >= PROGRESS_EVERY) {
				last_progress = rows;
				job->opts->progress(job->opts->progress_arg,
				    "decrypt", rows);
			}
			continue;
		}
		if (eof && drain == fill)
			break;
		c = &job->chunks[fill % job->nchunks];
		if (!eof && c->state == CHUNK_EMPTY) {
			pthread_mutex_unlock(&job->lock);
			rc = chunk_fill(c, fd, &carry, &eof, &next_line);
			pthread_mutex_lock(&job->lock);
			if (rc != 0) {
				rc = table_csv_error(report, job->input,
				    next_line, rc);
				break;
			}
			fill++;
			pthread_cond_broadcast(&job->cond);
			continue;
		}
		/* Nothing to read or write: work on a chunk, or wait. */
		if ((c = take_filled(job, drain)) != NULL) {
			pthread_mutex_unlock(&job->lock);
			chunk_process(&workers[0], c);
			pthread_mutex_lock(&job->lock);
			c->state = CHUNK_DONE;
			continue;
		}
		pthread_cond_wait(&job->cond, &job->lock);
	}
	job->stop = true;
	pthread_cond_broadcast(&job->cond);
	pthread_mutex_unlock(&job->lock);
	for (i = 1; i <= started; i++)
		pthread_join(workers[i].thread, NULL);
	if (rc == PSID_ERR_IO)
		report_fail(report, rc, 0, NULL, "%s: %s", out->path,
		    strerror(errno));
	if (rc == PSID_OK) {
		report->rows = rows;
		report->warnings = warnings;
	}
	goto out;
nomem:
	rc = report_fail(report, PSID_ERR_NOMEM, 0, NULL, "out of memory");
	goto out;
io:
	rc = report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s", out->path,
	    strerror(errno));
out:
	for (i = 0; workers != NULL && i < nthreads; i++) {
		if (workers[i].job != NULL)
			cell_engine_release(&workers[i].engine);
		csv_row_release(&workers[i].row);
	}
	free(workers);
	for (i = 0; job->chunks != NULL && i < job->nchunks; i++) {
		wipe(job->chunks[i].out.data, job->chunks[i].out.cap);
		outbuf_release(&job->chunks[i].in);
		outbuf_release(&job->chunks[i].out);
	}
	free(job->chunks);
	outbuf_release(&carry);
	outbuf_release(&head);
	return rc;
}

int
psid_decrypt_csv(const struct psid_keys *keys, const char *input_path,
    const char *output_path, const struct psid_csv_options *options,
    struct psid_report *report)
{
	struct psid_report local;
	struct decrypt_job job;
	struct output_file out;
	int fd, rc;

	if (report == NULL)
		report = &local;
	report_reset(report);
	if (keys == NULL || input_path == NULL || output_path == NULL ||
	    options == NULL)
		return report_fail(report, PSID_ERR_INVALID, 0, NULL,
		    "invalid argument");
	memset(&job, 0, sizeof(job));
	job.keys = keys;
	job.opts = options;
	job.input = input_path;
	csv_null_rule_init(&job.null_rule, options->input_null_value);
	if ((fd = open(input_path, O_RDONLY | O_CLOEXEC)) < 0)
		return report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    input_path, strerror(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rc = output_open(&out, output_path, options->overwrite)) !=
	    PSID_OK) {
		close(fd);
		return report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file exists (use overwrite to "
		    "replace it)" : strerror(errno));
	}
	pthread_mutex_init(&job.lock, NULL);
	pthread_cond_init(&job.cond, NULL);
	rc = decrypt_stream(&job, fd, &out, report);
	close(fd);
	if (rc == PSID_OK && (rc = output_commit(&out)) != PSID_OK)
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file appeared meanwhile" :
		    strerror(errno));
	output_abort(&out);
	if (rc != PSID_OK)
		report->rows = report->warnings = 0;
	csv_row_release(&job.header);
	free(job.header_storage);
	pthread_cond_destroy(&job.cond);
	pthread_mutex_destroy(&job.lock);
	return rc;
}
