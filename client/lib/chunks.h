/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunks.h: a CSV file processed in parallel, in chunks cut at row ends.
 *
 * The calling thread reads about 1 MiB at a time, cuts it after the last
 * row end outside quotes (csv_last_row_end) and hands the chunk, with the
 * line number it starts on, to a worker thread. Workers run the caller's
 * work function on whole chunks; the calling thread then passes finished
 * chunks, in file order, to the caller's done function, and works on
 * chunks itself when it has nothing else to do (so one thread runs the
 * same code). The first chunk in file order that failed stops the run:
 * its error is the one reported, as a sequential reader would report it.
 * Memory is a ring of 2 x threads + 1 chunks, whatever the file size.
 */
#ifndef PSID_CHUNKS_H
#define PSID_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "outbuf.h"
#include "psid/client.h"

struct csv_chunk {
	struct outbuf in;	/* whole rows of the file */
	struct outbuf out;	/* what the work made of them, if anything */
	uint64_t first_line;	/* line of the file where in starts */
	uint64_t rows;		/* set by the work */
	uint64_t warnings;	/* set by the work */
	int rc;			/* set by the work: PSID_OK or an error... */
	struct psid_report error;	/* ...described here */
	int state;		/* internal */
};

/* Process one chunk (on any thread). worker is that thread's state. */
typedef void chunk_work_fn(void *worker, struct csv_chunk *chunk);

/*
 * Take one finished chunk, in file order, on the calling thread. Returns
 * PSID_OK, or an error with report filled (the run stops).
 */
typedef int chunk_done_fn(void *arg, struct csv_chunk *chunk,
    struct psid_report *report);

struct chunk_run {
	int fd;			/* the file, positioned after carry */
	const char *path;	/* for messages */
	struct outbuf carry;	/* bytes read, not yet in a chunk */
	uint64_t next_line;	/* line where carry starts */
	size_t nworkers;	/* threads, the calling one included */
	void **workers;		/* per-thread state; [0] is the caller's */
	chunk_work_fn *work;
	chunk_done_fn *done;
	void *done_arg;
};

/* Where a worker is in its chunk. */
struct chunk_cursor {
	size_t pos;
	uint64_t line;
	bool utf8_valid;	/* the whole chunk is UTF-8: rows need no check */
};

/*
 * The next row of a chunk (for work functions). The row is checked: it
 * has as many fields as first (the header, or the first data row when
 * first_is_header is false) and is UTF-8. Returns 1 with *line set to the
 * row's line, 0 after the last row, or -1 with c->rc and c->error set.
 * The cursor starts zeroed.
 */
int chunks_next_row(struct csv_chunk *c, struct chunk_cursor *cur,
    struct csv_row *row, const char *path, const struct csv_row *first,
    bool first_is_header, uint64_t *line);

/*
 * Read and parse the first row of run->fd into carry (verbatim: without
 * trimming unquoted fields). first receives a
 * copy of its fields (free first->fields and *storage); *row_bytes the
 * bytes it takes in carry and *lines the lines it spans (with any empty
 * lines before it). carry is left unmodified, the row still in it.
 * Returns PSID_OK, PSID_ERR_CSV (an empty file, a malformed row),
 * PSID_ERR_IO or PSID_ERR_NOMEM, with report filled.
 */
int chunks_first_row(struct chunk_run *run, bool verbatim,
    struct csv_row *first, char **storage, size_t *row_bytes,
    uint64_t *lines, struct psid_report *report);

/* Drop the first n bytes of carry, which span lines lines. */
void chunks_skip(struct chunk_run *run, size_t n, uint64_t lines);

/*
 * Process the rest of the file. Returns PSID_OK or the first error in
 * file order, with report filled. Frees carry.
 */
int chunks_run(struct chunk_run *run, struct psid_report *report);

#endif /* PSID_CHUNKS_H */
