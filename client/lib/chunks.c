/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunks.c: parallel processing of a CSV file in chunks (see chunks.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunks.h"
#include "utf8.h"
#include "crypto.h"
#include "report.h"
#include "table.h"

#define CHUNK_BYTES (1u << 20)

enum { CHUNK_EMPTY, CHUNK_FILLED, CHUNK_BUSY, CHUNK_DONE };

struct chunk_ring {
	struct chunk_run *run;
	size_t count;
	struct csv_chunk *chunks;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

struct chunk_thread {
	struct chunk_ring *ring;
	void *worker;
	pthread_t thread;
};

/* Read more of the file into buf. Returns bytes read, 0 at EOF, or -1. */
static ssize_t
read_more(int fd, struct outbuf *buf, size_t want)
{
	ssize_t n;

	if (outbuf_reserve(buf, want) != 0)
		return -1;
	do
		n = read(fd, buf->data + buf->len, want);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		buf->len += (size_t)n;
	return n;
}

int
chunks_first_row(struct chunk_run *run, bool verbatim,
    struct csv_row *first, char **storage, size_t *row_bytes,
    uint64_t *lines, struct psid_report *report)
{
	struct csv_row row = { 0 };
	struct outbuf scratch = { 0 };
	size_t consumed = 0;
	uint64_t skipped = 0;
	bool eof = false;
	ssize_t n;
	int rc;

	for (;;) {
		/* Parse a copy: the parser unescapes in place. */
		scratch.len = 0;
		if (outbuf_append(&scratch, run->carry.data,
		    run->carry.len) != 0) {
			rc = CSV_ERR_NOMEM;
			break;
		}
		rc = (verbatim ? csv_parse_row_verbatim : csv_parse_row)(
		    scratch.data, scratch.len, eof, &row, &consumed, &skipped);
		if (rc != CSV_NEED_MORE || eof)
			break;
		if (run->carry.len >= CSV_MAX_ROW_BYTES) {
			rc = CSV_ERR_ROW_TOO_LONG;
			break;
		}
		if ((n = read_more(run->fd, &run->carry, CHUNK_BYTES)) < 0) {
			rc = errno == ENOMEM ? CSV_ERR_NOMEM : CSV_ERR_IO;
			break;
		}
		eof = n == 0;
	}
	if (rc == CSV_ROW) {
		*row_bytes = consumed;
		*lines = skipped + row.lines;
		rc = table_check_utf8(report, run->path, &row, NULL,
		    run->next_line + skipped);
		if (rc == PSID_OK && table_copy_row(&row, first, storage) != 0)
			rc = report_fail(report, PSID_ERR_NOMEM, 0, NULL,
			    "out of memory");
	} else if (rc == CSV_NEED_MORE)
		rc = report_fail(report, PSID_ERR_CSV, 0, NULL,
		    "%s: the file is empty", run->path);
	else
		rc = table_csv_error(report, run->path,
		    run->next_line + skipped, rc);
	csv_row_release(&row);
	crypto_wipe(scratch.data, scratch.cap);
	outbuf_release(&scratch);
	return rc;
}

void
chunks_skip(struct chunk_run *run, size_t n, uint64_t lines)
{
	memmove(run->carry.data, run->carry.data + n, run->carry.len - n);
	run->carry.len -= n;
	run->next_line += lines;
}

/*
 * Fill a chunk: carried bytes, then reads up to CHUNK_BYTES; cut at the
 * last row end and carry the tail. Returns 0, or a CSV_ERR_* code.
 */
static int
chunk_fill(struct chunk_run *run, struct csv_chunk *c, bool *eof)
{
	size_t cut;
	ssize_t n;

	c->in.len = 0;
	if (outbuf_append(&c->in, run->carry.data, run->carry.len) != 0)
		return CSV_ERR_NOMEM;
	run->carry.len = 0;
	for (;;) {
		while (!*eof && c->in.len < CHUNK_BYTES) {
			if ((n = read_more(run->fd, &c->in,
			    CHUNK_BYTES - c->in.len)) < 0)
				return errno == ENOMEM ? CSV_ERR_NOMEM :
				    CSV_ERR_IO;
			*eof = n == 0;
		}
		cut = *eof ? c->in.len : csv_last_row_end(c->in.data,
		    c->in.len);
		if (cut > 0 || *eof)
			break;
		/* One row longer than a chunk: read on. */
		if (c->in.len >= CSV_MAX_ROW_BYTES)
			return CSV_ERR_ROW_TOO_LONG;
		if ((n = read_more(run->fd, &c->in, c->in.len)) < 0)
			return errno == ENOMEM ? CSV_ERR_NOMEM : CSV_ERR_IO;
		*eof = n == 0;
	}
	if (outbuf_append(&run->carry, c->in.data + cut, c->in.len - cut) != 0)
		return CSV_ERR_NOMEM;
	c->in.len = cut;
	c->first_line = run->next_line;
	run->next_line += csv_count_newlines(c->in.data, cut);
	return 0;
}

int
chunks_next_row(struct csv_chunk *c, struct chunk_cursor *cur,
    struct csv_row *row, const char *path, const struct csv_row *first,
    bool first_is_header, uint64_t *line)
{
	size_t consumed;
	uint64_t skipped;
	int rc;

	if (cur->pos == 0) {
		cur->line = c->first_line;
		/*
		 * Fields are cut at ASCII bytes, so a chunk of valid UTF-8
		 * holds only valid fields; one pass over it spares a check
		 * per field. Otherwise each row is checked, to name the line.
		 */
		cur->utf8_valid = utf8_is_valid(c->in.data, c->in.len);
	}
	if (cur->pos >= c->in.len)
		return 0;
	rc = csv_parse_row(c->in.data + cur->pos, c->in.len - cur->pos, true,
	    row, &consumed, &skipped);
	if (rc == CSV_NEED_MORE)
		return 0;
	cur->line += skipped;
	*line = cur->line;
	if (rc < 0) {
		c->rc = table_csv_error(&c->error, path, cur->line, rc);
		return -1;
	}
	if (row->count != first->count) {
		c->rc = report_fail(&c->error, PSID_ERR_CSV, cur->line, NULL,
		    "%s: line %" PRIu64 ": %zu columns, but the %s has %zu",
		    path, cur->line, row->count, first_is_header ? "header" :
		    "first row", first->count);
		return -1;
	}
	if (!cur->utf8_valid && (c->rc = table_check_utf8(&c->error, path,
	    row, first_is_header ? first : NULL, cur->line)) != PSID_OK)
		return -1;
	cur->line += row->lines;
	cur->pos += consumed;
	return 1;
}

/* Take a filled chunk, oldest first from index from (lock held). */
static struct csv_chunk *
take_filled(struct chunk_ring *ring, size_t from)
{
	size_t i;

	for (i = 0; i < ring->count; i++) {
		struct csv_chunk *c = &ring->chunks[(from + i) % ring->count];

		if (c->state == CHUNK_FILLED) {
			c->state = CHUNK_BUSY;
			return c;
		}
	}
	return NULL;
}

static void
work_on(struct chunk_ring *ring, void *worker, struct csv_chunk *c)
{
	c->rows = c->warnings = 0;
	c->rc = PSID_OK;
	c->out.len = 0;
	ring->run->work(worker, c);
}

static void *
chunk_thread_main(void *arg)
{
	struct chunk_thread *t = arg;
	struct chunk_ring *ring = t->ring;
	struct csv_chunk *c;

	pthread_mutex_lock(&ring->lock);
	for (;;) {
		while (!ring->stop && (c = take_filled(ring, 0)) == NULL)
			pthread_cond_wait(&ring->cond, &ring->lock);
		if (ring->stop)
			break;
		pthread_mutex_unlock(&ring->lock);
		work_on(ring, t->worker, c);
		pthread_mutex_lock(&ring->lock);
		c->state = CHUNK_DONE;
		pthread_cond_broadcast(&ring->cond);
	}
	pthread_mutex_unlock(&ring->lock);
	return NULL;
}

/*
 * The calling thread's loop: fill, drain in order, or work. A read error
 * stops the filling; the chunks before it are still drained, so that an
 * error earlier in the file wins, as in a sequential reader.
 */
static int
ring_drive(struct chunk_ring *ring, struct psid_report *report)
{
	struct chunk_run *run = ring->run;
	struct psid_report fill_error;
	size_t fill = 0, drain = 0;
	bool eof = false;
	int rc = PSID_OK, fill_rc = PSID_OK;

	pthread_mutex_lock(&ring->lock);
	for (;;) {
		struct csv_chunk *c = &ring->chunks[drain % ring->count];

		if (c->state == CHUNK_DONE) {
			pthread_mutex_unlock(&ring->lock);
			if (c->rc != PSID_OK) {
				*report = c->error;
				table_prefix_report(report, run->path);
				rc = c->rc;
			} else
				rc = run->done(run->done_arg, c, report);
			pthread_mutex_lock(&ring->lock);
			if (rc != PSID_OK)
				break;
			c->state = CHUNK_EMPTY;
			drain++;
			continue;
		}
		if (eof && drain == fill) {
			if (fill_rc != PSID_OK) {
				*report = fill_error;
				rc = fill_rc;
			}
			break;
		}
		c = &ring->chunks[fill % ring->count];
		if (!eof && c->state == CHUNK_EMPTY) {
			pthread_mutex_unlock(&ring->lock);
			rc = chunk_fill(run, c, &eof);
			pthread_mutex_lock(&ring->lock);
			if (rc != 0) {
				report_reset(&fill_error);
				fill_rc = table_csv_error(&fill_error, run->path,
				    run->next_line, rc);
				rc = PSID_OK;
				eof = true;
				continue;
			}
			/* Published under the lock the workers read it with. */
			c->state = CHUNK_FILLED;
			fill++;
			pthread_cond_broadcast(&ring->cond);
			continue;
		}
		/* Nothing to read or hand on: work on a chunk, or wait. */
		if ((c = take_filled(ring, drain)) != NULL) {
			pthread_mutex_unlock(&ring->lock);
			work_on(ring, run->workers[0], c);
			pthread_mutex_lock(&ring->lock);
			c->state = CHUNK_DONE;
			continue;
		}
		pthread_cond_wait(&ring->cond, &ring->lock);
	}
	ring->stop = true;
	pthread_cond_broadcast(&ring->cond);
	pthread_mutex_unlock(&ring->lock);
	return rc;
}

int
chunks_run(struct chunk_run *run, struct psid_report *report)
{
	struct chunk_ring ring;
	struct chunk_thread *threads;
	size_t i, started = 0;
	int rc;

	memset(&ring, 0, sizeof(ring));
	ring.run = run;
	ring.count = 2 * run->nworkers + 1;
	ring.chunks = calloc(ring.count, sizeof(*ring.chunks));
	threads = calloc(run->nworkers, sizeof(*threads));
	if (ring.chunks == NULL || threads == NULL) {
		free(ring.chunks);
		free(threads);
		outbuf_release(&run->carry);
		return report_fail(report, PSID_ERR_NOMEM, 0, NULL,
		    "out of memory");
	}
	pthread_mutex_init(&ring.lock, NULL);
	pthread_cond_init(&ring.cond, NULL);
	for (i = 1; i < run->nworkers; i++) {
		threads[i].ring = &ring;
		threads[i].worker = run->workers[i];
		if (pthread_create(&threads[i].thread, NULL, chunk_thread_main,
		    &threads[i]) != 0)
			break;
		started++;
	}
	rc = ring_drive(&ring, report);
	for (i = 1; i <= started; i++)
		pthread_join(threads[i].thread, NULL);
	for (i = 0; i < ring.count; i++) {
		crypto_wipe(ring.chunks[i].in.data, ring.chunks[i].in.cap);
		crypto_wipe(ring.chunks[i].out.data, ring.chunks[i].out.cap);
		outbuf_release(&ring.chunks[i].in);
		outbuf_release(&ring.chunks[i].out);
	}
	free(ring.chunks);
	free(threads);
	crypto_wipe(run->carry.data, run->carry.cap);
	outbuf_release(&run->carry);
	pthread_cond_destroy(&ring.cond);
	pthread_mutex_destroy(&ring.lock);
	return rc;
}
