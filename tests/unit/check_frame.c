/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_frame.c: the wire codec (proto/frame.c): frame lengths bounded
 * before unpacking, Request/Response round trips, the shape checks each
 * message gets before it may reach a handler, and packed cells.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "suites.h"

#define UUID "00000000-1111-2222-3333-444444444444"

/* Pack r as a frame, unpack its payload; returns the unpack result. */
static int
round_trip(const Psid__Request *r, Psid__Request **back, char *err)
{
	uint8_t *frame;
	size_t len, payload;
	int rc;

	ck_assert_int_eq(frame_pack_request(r, FRAME_MAX_DEFAULT, &frame, &len),
	    FRAME_OK);
	ck_assert_int_eq(frame_peek(frame, len, FRAME_MAX_DEFAULT, &payload),
	    FRAME_OK);
	ck_assert_uint_eq(payload + FRAME_HEADER_LEN, len);
	rc = frame_unpack_request(frame + FRAME_HEADER_LEN, payload, back, err,
	    256);
	free(frame);
	return rc;
}

START_TEST(peek_bounds_before_payload)
{
	uint8_t buf[16] = { 0 };
	size_t n = 0;

	ck_assert_int_eq(frame_peek(buf, 0, 100, &n), FRAME_NEED_MORE);
	ck_assert_int_eq(frame_peek(buf, 3, 100, &n), FRAME_NEED_MORE);
	frame_put_header(buf, 10);
	ck_assert_int_eq(frame_peek(buf, 4, 100, &n), FRAME_NEED_MORE);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(frame_peek(buf, 14, 100, &n), FRAME_OK);
	/* Over the maximum: refused from the header alone. */
	frame_put_header(buf, 101);
	ck_assert_int_eq(frame_peek(buf, 4, 100, &n), FRAME_TOO_LARGE);
	frame_put_header(buf, UINT32_MAX);
	ck_assert_int_eq(frame_peek(buf, 4, SIZE_MAX, &n), FRAME_TOO_LARGE);
	frame_put_header(buf, 0);
	ck_assert_int_eq(frame_peek(buf, 4, 100, &n), FRAME_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(frame_strerror(FRAME_TOO_LARGE),
	    "frame larger than the maximum");
}
END_TEST

START_TEST(request_round_trip)
{
	Psid__Request r = PSID__REQUEST__INIT, *back;
	Psid__Count count = PSID__COUNT__INIT;
	Psid__ColumnRef a = PSID__COLUMN_REF__INIT, b = PSID__COLUMN_REF__INIT;
	Psid__ColumnRef *sets[2] = { &a, &b };
	char err[256];

	a.table = "ads";
	a.column = "email";
	b.table = "purchases";
	b.column = "email";
	count.collaboration_id = UUID;
	count.n_sets = 2;
	count.sets = sets;
	r.id = 42;
	r.body_case = PSID__REQUEST__BODY_COUNT;
	r.count = &count;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_OK);
	ck_assert_uint_eq(back->id, 42);
	ck_assert_int_eq(back->body_case, PSID__REQUEST__BODY_COUNT);
	ck_assert_str_eq(back->count->sets[1]->table, "purchases");
	psid__request__free_unpacked(back, NULL);
}
END_TEST

START_TEST(garbage_is_malformed)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	Psid__Request *r;
	Psid__Response *s;
	char err[256];

	ck_assert_int_eq(frame_unpack_request(junk, sizeof(junk), &r, err,
	    sizeof(err)), FRAME_MALFORMED);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err, "not a psid request");
	ck_assert_int_eq(frame_unpack_response(junk, sizeof(junk), &s, err,
	    sizeof(err)), FRAME_MALFORMED);
	/* An empty payload is a request without a body. */
	ck_assert_int_eq(frame_unpack_request(junk, 0, &r, err, sizeof(err)),
	    FRAME_MALFORMED);
	ck_assert_str_eq(err, "request without a known body");
}
END_TEST

/* Each bad request is refused with a message naming the problem. */
START_TEST(shape_checks)
{
	Psid__Request r = PSID__REQUEST__INIT, *back;
	Psid__Count count = PSID__COUNT__INIT;
	Psid__UploadBegin up = PSID__UPLOAD_BEGIN__INIT;
	Psid__Column col = PSID__COLUMN__INIT, *cols[2] = { &col, &col };
	Psid__AnalysisRule rule = PSID__ANALYSIS_RULE__INIT;
	Psid__UploadChunk chunk = PSID__UPLOAD_CHUNK__INIT;
	Psid__ColumnRef a = PSID__COLUMN_REF__INIT, *sets[1] = { &a };
	uint8_t cells[32];
	char err[256];
	size_t n;

	count.collaboration_id = "not-a-uuid";
	r.body_case = PSID__REQUEST__BODY_COUNT;
	r.count = &count;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_MALFORMED);
	ck_assert_str_eq(err, "collaboration_id is not a UUID");
	count.collaboration_id = UUID;
	a.table = "t";
	a.column = "c";
	count.n_sets = 1;
	count.sets = sets;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_MALFORMED);
	ck_assert_str_eq(err, "a count takes 2 to 16 sets");

	col.name = "email";
	col.type = PSID__COLUMN_TYPE__COLUMN_FINGERPRINT;
	up.collaboration_id = UUID;
	up.table = "Bad Name";
	up.n_columns = 1;
	up.columns = cols;
	up.rule = &rule;
	r.body_case = PSID__REQUEST__BODY_UPLOAD_BEGIN;
	r.upload_begin = &up;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_MALFORMED);
	ck_assert_str_eq(err, "table is not a name");
	up.table = "ads";
	up.n_columns = 2;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_MALFORMED);
	ck_assert_str_eq(err, "column \"email\" appears twice");
	up.n_columns = 1;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_OK);
	psid__request__free_unpacked(back, NULL);

	/* Packed cells: a length running past the data. */
	n = frame_cells_put(cells, "abc", 3);
	frame_put_header(cells + n, 100);
	chunk.rows = 1;
	chunk.cells.data = cells;
	chunk.cells.len = n + 4;
	r.body_case = PSID__REQUEST__BODY_UPLOAD_CHUNK;
	r.upload_chunk = &chunk;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_MALFORMED);
	ck_assert_str_eq(err, "upload chunk: malformed cells");
	chunk.cells.len = n;
	ck_assert_int_eq(round_trip(&r, &back, err), FRAME_OK);
	psid__request__free_unpacked(back, NULL);
}
END_TEST

START_TEST(packed_cells)
{
	uint8_t buf[64];
	struct cells_reader r;
	const uint8_t *cell;
	uint32_t len;
	size_t n = 0;

	n += frame_cells_put(buf + n, "ab", 2);
	n += frame_cells_put(buf + n, NULL, 0);
	n += frame_cells_put(buf + n, "", 0);
	n += frame_cells_put(buf + n, "xyz", 3);
	ck_assert_uint_eq(n, 4 + 2 + 4 + 4 + 4 + 3);
	ck_assert_uint_eq(cells_packed_size(FRAME_CELL_NULL), 4);
	frame_cells_reader_init(&r, buf, n);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(cell, "ab", 2);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_ptr_null(cell);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_ptr_nonnull(cell);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 1);
	ck_assert_int_eq(frame_cells_next(&r, &cell, &len), 0);
	ck_assert(frame_cells_well_formed(buf, n, 2, 2, 100));
	ck_assert(!frame_cells_well_formed(buf, n, 3, 2, 100));
	ck_assert(!frame_cells_well_formed(buf, n, 2, 2, 2));
	ck_assert(!frame_cells_well_formed(buf, n - 1, 2, 2, 100));
	ck_assert(!frame_cells_well_formed(buf, 3, 1, 0, 100));
}
END_TEST

/* Append the varint v at p; returns the bytes written. */
static size_t
put_varint(uint8_t *p, size_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/*
 * A Request { id 7, count { sets: nsets empty ColumnRefs } } by hand:
 * two bytes on the wire per set, some forty once unpacked.
 */
static uint8_t *
count_of_empty_sets(size_t nsets, size_t *len)
{
	uint8_t *buf = malloc(16 + 2 * nsets), *p = buf;
	size_t i;

	ck_assert_ptr_nonnull(buf);
	*p++ = 0x08;	/* id, varint */
	*p++ = 7;
	*p++ = 0x92;	/* count (18), length-delimited */
	*p++ = 0x01;
	p += put_varint(p, 2 * nsets);
	for (i = 0; i < nsets; i++) {
		*p++ = 0x12;	/* sets (2), length 0 */
		*p++ = 0x00;
	}
	*len = (size_t)(p - buf);
	return buf;
}

START_TEST(decode_within_budget)
{
	static const uint8_t junk[] = { 0xff, 0xff };
	Psid__Request *r;
	uint8_t *buf;
	size_t len;
	char err[256];

	/* A few empty sets: decoded (the shape check is the next step). */
	buf = count_of_empty_sets(3, &len);
	ck_assert_int_eq(frame_decode_request(buf, len, &r), FRAME_OK);
	ck_assert_int_eq(r->body_case, PSID__REQUEST__BODY_COUNT);
	ck_assert_uint_eq(r->count->n_sets, 3);
	psid__request__free_unpacked(r, NULL);
	free(buf);
	/* 500k of them (1 MB): over the budget, refused, nothing held. */
	buf = count_of_empty_sets(500000, &len);
	ck_assert_uint_lt(len, FRAME_DECODE_BUDGET(len) / 2);
	ck_assert_int_eq(frame_decode_request(buf, len, &r), FRAME_TOO_LARGE);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(frame_unpack_request(buf, len, &r, err, sizeof(err)),
	    FRAME_TOO_LARGE);
	ck_assert_str_eq(err, "a request that takes too much memory to decode");
	free(buf);
	/* Not a request at all: malformed, not too large. */
	ck_assert_int_eq(frame_decode_request(junk, sizeof(junk), &r),
	    FRAME_MALFORMED);
	ck_assert_ptr_null(r);
}
END_TEST

Suite *
make_frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("frame");

	tcase_add_test(tc, peek_bounds_before_payload);
	tcase_add_test(tc, request_round_trip);
	tcase_add_test(tc, garbage_is_malformed);
	tcase_add_test(tc, shape_checks);
	tcase_add_test(tc, packed_cells);
	tcase_add_test(tc, decode_within_budget);
	suite_add_tcase(s, tc);
	return s;
}
