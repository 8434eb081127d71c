/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_rowfmt.c: psid's stored rows (server/rowfmt.h): a fingerprint
 * stored as 32 bytes comes back as the text uploaded; NULL and other
 * cells are stored as on the wire; a truncated row is refused.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "c3rcell.h"
#include "frame.h"
#include "rowfmt.h"
#include "suites.h"

#define FP_CELL "02:hmac:+dN/pFTpIHUfH0S+jtmzb55SwEg+rzoHTRuoj5qHsuA="

START_TEST(fingerprint_round_trip)
{
	uint8_t fp[ROW_FP_LEN], row[64], wire[64];
	size_t stored, wlen;

	ck_assert_int_eq(c3rcell_fp_decode(FP_CELL, strlen(FP_CELL), fp),
	    C3RCELL_OK);
	ck_assert_uint_eq(rowfmt_put_fp(row, fp), ROW_FP_STORED);
	ck_assert_int_eq(rowfmt_cell_size(row, row + ROW_FP_STORED, &stored,
	    &wlen), 0);
	ck_assert_uint_eq(stored, ROW_FP_STORED);
	ck_assert_uint_eq(wlen, ROW_FP_WIRE);
	ck_assert_uint_eq(rowfmt_cell_to_wire(row, stored, wire), ROW_FP_WIRE);
	ck_assert_uint_eq(((uint32_t)wire[0] << 24 | (uint32_t)wire[1] << 16 |
	    (uint32_t)wire[2] << 8 | wire[3]), strlen(FP_CELL));
	ck_assert(memcmp(wire + 4, FP_CELL, strlen(FP_CELL)) == 0);
	/* One byte short of a fingerprint: corrupt. */
	ck_assert_int_eq(rowfmt_cell_size(row, row + ROW_FP_STORED - 1, &stored,
	    &wlen), -1);
}
END_TEST

START_TEST(plain_and_null_cells)
{
	uint8_t row[32], wire[32];
	size_t stored, wlen;

	frame_put_header(row, FRAME_CELL_NULL);
	ck_assert_int_eq(rowfmt_cell_size(row, row + 4, &stored, &wlen), 0);
	ck_assert_uint_eq(stored, 4);
	ck_assert_uint_eq(wlen, 4);
	ck_assert_uint_eq(rowfmt_cell_to_wire(row, stored, wire), 4);
	ck_assert(memcmp(wire, row, 4) == 0);

	frame_put_header(row, 5);
	memcpy(row + 4, "hello", 5);
	ck_assert_int_eq(rowfmt_cell_size(row, row + 9, &stored, &wlen), 0);
	ck_assert_uint_eq(stored, 9);
	ck_assert_uint_eq(wlen, 9);
	ck_assert_uint_eq(rowfmt_cell_to_wire(row, stored, wire), 9);
	ck_assert(memcmp(wire, row, 9) == 0);
	/* The length runs past the row; no header at all. */
	ck_assert_int_eq(rowfmt_cell_size(row, row + 8, &stored, &wlen), -1);
	ck_assert_int_eq(rowfmt_cell_size(row, row + 3, &stored, &wlen), -1);
	ck_assert_int_eq(rowfmt_cell_size(row, row, &stored, &wlen), -1);
}
END_TEST

Suite *
make_rowfmt_suite(void)
{
	Suite *s = suite_create("rowfmt");
	TCase *tc = tcase_create("cells");

	tcase_add_test(tc, fingerprint_round_trip);
	tcase_add_test(tc, plain_and_null_cells);
	suite_add_tcase(s, tc);
	return s;
}
