/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv_reader.c: a CSV file read row by row in bounded memory (see
 * csv.h): blocks of 1 MiB read into a buffer that grows only for a row
 * longer than it (up to 64 MiB), each row parsed in place by
 * csv_parse_row(), its line and byte offset kept for the error reports.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PSID_TEST_HOOKS		/* csv_reader_row_offset, csv_reader_size */
#include "csv.h"
#include "psid/client.h"

#define READ_BLOCK (1u << 20)

struct csv_reader {
	int fd;
	bool eof;
	char *buf;
	size_t cap;
	size_t pos;		/* start of unparsed bytes */
	size_t end;		/* end of valid bytes */
	off_t buf_offset;	/* file offset of buf[0] */
	off_t size;
	uint64_t next_line;	/* line where unparsed bytes start */
	uint64_t row_line;
	off_t row_offset;
};

int
csv_reader_open(const char *path, struct csv_reader **readerp)
{
	struct csv_reader *r;
	struct stat st;

	*readerp = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return PSID_ERR_NOMEM;
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(r);
		return PSID_ERR_IO;
	}
	if (fstat(r->fd, &st) != 0) {
		csv_reader_free(r);
		return PSID_ERR_IO;
	}
	if (S_ISDIR(st.st_mode)) {
		csv_reader_free(r);
		errno = EISDIR;
		return PSID_ERR_IO;
	}
	r->size = st.st_size;
	r->cap = READ_BLOCK;
	if ((r->buf = malloc(r->cap)) == NULL) {
		csv_reader_free(r);
		return PSID_ERR_NOMEM;
	}
	(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r->next_line = 1;
	*readerp = r;
	return PSID_OK;
}

/* Move unparsed bytes to the front, grow if full, and read more. */
static int
reader_fill(struct csv_reader *r)
{
	ssize_t n;
	size_t cap;
	char *buf;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->buf_offset += (off_t)r->pos;
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		if (r->cap >= CSV_MAX_ROW_BYTES)
			return CSV_ERR_ROW_TOO_LONG;
		cap = r->cap * 2;
		if ((buf = realloc(r->buf, cap)) == NULL)
			return CSV_ERR_NOMEM;
		r->buf = buf;
		r->cap = cap;
	}
	while (r->end < r->cap) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return CSV_ERR_IO;
		}
		if (n == 0) {
			r->eof = true;
			break;
		}
		r->end += (size_t)n;
	}
	return 0;
}

int
csv_reader_next(struct csv_reader *r, struct csv_row *row)
{
	size_t consumed;
	uint64_t skipped;
	int rc;

	for (;;) {
		rc = csv_parse_row(r->buf + r->pos, r->end - r->pos, r->eof,
		    row, &consumed, &skipped);
		if (rc == CSV_ROW) {
			r->row_line = r->next_line + skipped;
			r->row_offset = r->buf_offset + (off_t)(r->pos +
			    row->start);
			r->next_line = r->row_line + row->lines;
			r->pos += consumed;
			return CSV_ROW;
		}
		if (rc != CSV_NEED_MORE) {
			r->row_line = r->next_line + skipped;
			return rc;
		}
		r->next_line += skipped;
		r->pos += consumed;
		if (r->eof)
			return 0;
		if ((rc = reader_fill(r)) != 0)
			return rc;
	}
}

uint64_t
csv_reader_line(const struct csv_reader *r)
{
	return r->row_line;
}

off_t
csv_reader_row_offset(const struct csv_reader *r)
{
	return r->row_offset;
}

off_t
csv_reader_size(const struct csv_reader *r)
{
	return r->size;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r);
}
