/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decrypt.c: psid_decrypt_csv, C3R's decrypt mode in one streaming pass.
 *
 * The header row is copied as read; the rest of the file goes through the
 * chunk pipeline (chunks.h): worker threads decrypt whole chunks into
 * their output buffers, and the calling thread writes them in input
 * order. Every cell is judged on its own, as C3R does (SPEC §9):
 * "xx:enc:" is decrypted, "xx:hmac:" copied with a warning (or refused),
 * anything else copied.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell.h"
#include "chunks.h"
#include "csv.h"
#include "fileout.h"
#include "report.h"
#include "table.h"

#define PROGRESS_EVERY (1u << 18)

struct decrypt_job {
	const struct psid_keys *keys;
	const struct psid_csv_options *opts;
	const char *input;
	struct csv_null_rule null_rule;
	struct csv_row header;
	struct fileout *out;
	uint64_t rows;
	uint64_t warnings;
	uint64_t last_progress;
};

struct decrypt_worker {
	struct decrypt_job *job;
	struct cell_engine engine;
	struct csv_row row;
	char value[PSID_MAX_CELL_LEN + 64];
};

static int
chunk_fail(struct csv_chunk *c, int code, uint64_t line, const char *column,
    const char *what)
{
	c->rc = code;
	report_fail(&c->error, code, line, column, "%s", what);
	return code;
}

/* Decrypt one cell of a row into the chunk's output. */
static int
decrypt_cell(struct decrypt_worker *w, struct csv_chunk *c,
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

/* Decrypt every row of a chunk (chunk_work_fn). */
static void
decrypt_chunk(void *arg, struct csv_chunk *c)
{
	struct decrypt_worker *w = arg;
	struct decrypt_job *job = w->job;
	struct chunk_cursor cur = { 0 };
	uint64_t line;
	size_t i;
	int rc;

	while (chunks_next_row(c, &cur, &w->row, job->input, &job->header,
	    true, &line) > 0) {
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
				goto out;
			}
		}
		if (outbuf_putc(&c->out, '\n') != 0) {
			chunk_fail(c, PSID_ERR_NOMEM, line, NULL,
			    "out of memory");
			goto out;
		}
		c->rows++;
	}
out:
	crypto_wipe(w->value, sizeof(w->value));
}

/* Write a decrypted chunk, in order (chunk_done_fn). */
static int
write_chunk(void *arg, struct csv_chunk *c, struct psid_report *report)
{
	struct decrypt_job *job = arg;

	if (outbuf_flush(&c->out, job->out->fd) != 0)
		return report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    job->out->path, strerror(errno));
	job->rows += c->rows;
	job->warnings += c->warnings;
	if (job->opts->progress != NULL &&
	    job->rows - job->last_progress >= PROGRESS_EVERY) {
		job->last_progress = job->rows;
		job->opts->progress(job->opts->progress_arg, "decrypt",
		    job->rows);
	}
	return PSID_OK;
}

static int
write_header(struct decrypt_job *job, struct psid_report *report)
{
	struct outbuf head = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < job->header.count && rc == 0; i++)
		rc = (i > 0 && outbuf_putc(&head, ',') != 0) ||
		    csv_write_field(&head, job->header.fields[i].ptr,
		    job->header.fields[i].len, job->opts->output_null_value);
	if (rc == 0 && outbuf_putc(&head, '\n') == 0 &&
	    outbuf_flush(&head, job->out->fd) == 0)
		rc = PSID_OK;
	else
		rc = report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    job->out->path, strerror(errno));
	outbuf_release(&head);
	return rc;
}

static int
decrypt_stream(struct decrypt_job *job, int fd, struct psid_report *report)
{
	struct chunk_run run = { .fd = fd, .path = job->input, .next_line = 1 };
	struct decrypt_worker *workers;
	char *storage = NULL;
	size_t n = table_thread_count(job->opts), i, row_bytes;
	uint64_t lines;
	void **args;
	int rc;

	workers = calloc(n, sizeof(*workers));
	args = calloc(n, sizeof(*args));
	if (workers == NULL || args == NULL) {
		free(workers);
		free(args);
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	}
	rc = chunks_first_row(&run, true, &job->header, &storage, &row_bytes, &lines,
	    report);
	if (rc == PSID_OK) {
		chunks_skip(&run, row_bytes, lines);
		rc = write_header(job, report);
	}
	for (i = 0; i < n && rc == PSID_OK; i++) {
		workers[i].job = job;
		args[i] = &workers[i];
		if ((rc = cell_engine_init(&workers[i].engine, job->keys)) !=
		    PSID_OK)
			report_fail(report, rc, 0, NULL, "%s",
			    psid_strerror(rc));
	}
	if (rc == PSID_OK) {
		run.nworkers = n;
		run.workers = args;
		run.work = decrypt_chunk;
		run.done = write_chunk;
		run.done_arg = job;
		rc = chunks_run(&run, report);
	}
	outbuf_release(&run.carry);
	for (i = 0; i < n; i++) {
		if (workers[i].job != NULL)
			cell_engine_release(&workers[i].engine);
		csv_row_release(&workers[i].row);
	}
	free(workers);
	free(args);
	free(storage);
	return rc;
}

int
psid_decrypt_csv(const struct psid_keys *keys, const char *input_path,
    const char *output_path, const struct psid_csv_options *options,
    struct psid_report *report)
{
	struct psid_report local;
	struct decrypt_job job;
	struct fileout out;
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
	job.out = &out;
	csv_null_rule_init(&job.null_rule, options->input_null_value);
	if ((fd = open(input_path, O_RDONLY | O_CLOEXEC)) < 0)
		return report_fail(report, PSID_ERR_IO, 0, NULL, "%s: %s",
		    input_path, strerror(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rc = fileout_open(&out, output_path, options->overwrite)) !=
	    PSID_OK) {
		close(fd);
		return report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file exists (use overwrite to "
		    "replace it)" : strerror(errno));
	}
	rc = decrypt_stream(&job, fd, report);
	close(fd);
	if (rc == PSID_OK && (rc = fileout_commit(&out)) != PSID_OK)
		report_fail(report, rc, 0, NULL, "%s: %s", output_path,
		    rc == PSID_ERR_EXISTS ? "file appeared meanwhile" :
		    strerror(errno));
	fileout_abort(&out);
	if (rc == PSID_OK) {
		report->rows = job.rows;
		report->warnings = job.warnings;
	}
	csv_row_release(&job.header);
	return rc;
}
