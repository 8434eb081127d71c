/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frame.h: the wire codec shared by psid and its clients. Pure functions
 * over buffers; no sockets, no state.
 *
 * A frame is a 4-byte big-endian payload length, then the payload: one
 * packed psid.Request or psid.Response (psid.proto). The length is
 * checked against the receiver's maximum before a byte of the payload is
 * looked at, so a hostile peer cannot make it buffer or unpack more.
 *
 * Rows travel packed inside UploadChunk and JoinRows: for each cell a
 * 4-byte big-endian length (FRAME_CELL_NULL for NULL) and its bytes.
 */
#ifndef PSID_FRAME_H
#define PSID_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"

#define FRAME_HEADER_LEN 4
/* The default maximum payload: 16 MiB. */
#define FRAME_MAX_DEFAULT (16u << 20)
/* The largest maximum a receiver may configure. */
#define FRAME_MAX_LIMIT (256u << 20)
/* The cell length that marks a NULL cell. */
#define FRAME_CELL_NULL UINT32_MAX
/* Bounds of a PrivacyPolicy (thousandths): epsilon up to 10, budget 10^6. */
#define FRAME_EPSILON_MAX_MILLI 10000u
#define FRAME_BUDGET_MAX_MILLI 1000000000ull
/* The most rows one person may contribute under a policy. */
#define FRAME_CONTRIBUTION_MAX 1000u

/*
 * Thousandths (a PrivacyPolicy's epsilon or budget) as the shortest
 * decimal: 500 "0.5", 10000 "10", 2345 "2.345"; into buf (32 bytes hold
 * any), which is returned.
 */
const char *frame_milli_text(uint64_t milli, char *buf, size_t size);

enum frame_result {
	FRAME_OK = 0,		/* a whole frame is there */
	FRAME_NEED_MORE = 1,	/* not yet: read more bytes */
	FRAME_TOO_LARGE = -1,	/* the length is over the maximum */
	FRAME_MALFORMED = -2,	/* the payload is not the message */
	FRAME_NOMEM = -3,
};

/* A short text for a frame_result. */
const char *frame_strerror(int result);

/*
 * Look for a frame at the start of buf[0..len).
 *  max          the largest payload accepted (at most FRAME_MAX_LIMIT).
 *  payload_len  receives the payload's length once the header is there
 *               (also with FRAME_NEED_MORE, so the caller knows how much
 *               to wait for).
 * Returns FRAME_OK (buf holds FRAME_HEADER_LEN + *payload_len bytes of
 * the frame), FRAME_NEED_MORE or FRAME_TOO_LARGE.
 */
int frame_peek(const uint8_t *buf, size_t len, size_t max,
    size_t *payload_len);

/* Write the header of a frame of payload_len bytes. */
void frame_put_header(uint8_t out[FRAME_HEADER_LEN], uint32_t payload_len);

/*
 * The most bytes unpacking a payload of len bytes may allocate: legitimate
 * messages need a fraction of it; a frame of many empty sub-messages is
 * refused on reaching it.
 */
#define FRAME_DECODE_BUDGET(len)	(3 * (size_t)(len) + (64u << 10))

/*
 * Unpack a Request from a payload (header excluded) without checking its
 * shape, allocating at most FRAME_DECODE_BUDGET(len) bytes (the result
 * frees with psid__request__free_unpacked(*request, NULL)). Returns
 * FRAME_OK with *request set; FRAME_TOO_LARGE when it would take more
 * than the budget, or FRAME_MALFORMED when it is not a Request (either
 * way *request is NULL and nothing is left allocated).
 */
int frame_decode_request(const uint8_t *payload, size_t len,
    Psid__Request **request);

/* The same for a Response. */
int frame_decode_response(const uint8_t *payload, size_t len,
    Psid__Response **response);

/*
 * Unpack a Request (a frame's payload, header excluded) and check its
 * shape (frame_check_request). Returns FRAME_OK with *request set (free
 * with psid__request__free_unpacked(*request, NULL)), FRAME_MALFORMED
 * with err set, or FRAME_NOMEM.
 */
int frame_unpack_request(const uint8_t *payload, size_t len,
    Psid__Request **request, char *err, size_t err_size);

/* The same for a Response (checked by frame_check_response). */
int frame_unpack_response(const uint8_t *payload, size_t len,
    Psid__Response **response, char *err, size_t err_size);

/*
 * Pack a whole frame (header and payload) into a new buffer *out of
 * *out_len bytes, freed by the caller with free(). Returns FRAME_OK,
 * FRAME_TOO_LARGE (payload over max) or FRAME_NOMEM.
 */
int frame_pack_request(const Psid__Request *request, size_t max,
    uint8_t **out, size_t *out_len);
int frame_pack_response(const Psid__Response *response, size_t max,
    uint8_t **out, size_t *out_len);

/*
 * Check what a message's shape allows without any server state: a body
 * is present, strings are within their lengths, IDs are UUIDs, names are
 * C3R headers, lists are bounded, packed cells are well formed for the
 * row count given. Returns true, or false with err saying what is wrong.
 */
bool frame_check_request(const Psid__Request *request, char *err,
    size_t err_size);
bool frame_check_response(const Psid__Response *response, char *err,
    size_t err_size);

/* Reads packed cells: row by row, cell by cell. */
struct cells_reader {
	const uint8_t *p;
	const uint8_t *end;
};

/* Start reading data[0..len). */
void frame_cells_reader_init(struct cells_reader *r, const uint8_t *data,
    size_t len);

/*
 * The next cell. Returns 1 with *cell, *len set (*cell NULL for a NULL
 * cell), 0 at the end of the data, or -1 when a length runs past it.
 */
int frame_cells_next(struct cells_reader *r, const uint8_t **cell, uint32_t *len);

/*
 * Whether data[0..len) holds exactly rows x columns well-formed cells
 * (columns 0: any whole number of cells), each at most max_cell bytes.
 */
bool frame_cells_well_formed(const uint8_t *data, size_t len, uint64_t rows,
    size_t columns, uint32_t max_cell);

/* Bytes a cell of len bytes takes packed (FRAME_CELL_NULL: a NULL). */
static inline size_t
cells_packed_size(uint32_t len)
{
	return 4 + (len == FRAME_CELL_NULL ? 0 : len);
}

/*
 * Pack one cell at out (cells_packed_size(len) bytes): value NULL for a
 * NULL cell. Returns the bytes written.
 */
size_t frame_cells_put(uint8_t *out, const void *value, uint32_t len);

#endif /* PSID_FRAME_H */
