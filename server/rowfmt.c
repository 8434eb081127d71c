/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rowfmt.c: stored rows (see rowfmt.h); fingerprint text by c3rcell.h.
 */
#include "config.h"

#include <string.h>

#include "c3rcell.h"
#include "frame.h"
#include "rowfmt.h"

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

size_t
rowfmt_put_fp(uint8_t *out, const uint8_t fp[ROW_FP_LEN])
{
	frame_put_header(out, ROW_CELL_FP);
	memcpy(out + 4, fp, ROW_FP_LEN);
	return ROW_FP_STORED;
}

int
rowfmt_cell_size(const uint8_t *p, const uint8_t *end, size_t *stored,
    size_t *wire)
{
	uint32_t len;

	if (end - p < 4)
		return -1;
	len = get_be32(p);
	if (len == FRAME_CELL_NULL) {
		*stored = *wire = 4;
		return 0;
	}
	if (len == ROW_CELL_FP) {
		if (end - p < (ptrdiff_t)ROW_FP_STORED)
			return -1;
		*stored = ROW_FP_STORED;
		*wire = ROW_FP_WIRE;
		return 0;
	}
	if ((size_t)(end - p) - 4 < len)
		return -1;
	*stored = *wire = 4 + (size_t)len;
	return 0;
}

size_t
rowfmt_cell_to_wire(const uint8_t *p, size_t stored, uint8_t *out)
{
	if (stored == ROW_FP_STORED && get_be32(p) == ROW_CELL_FP) {
		char text[C3RCELL_FP_LEN + 1];

		frame_put_header(out, ROW_FP_WIRE - 4);
		c3rcell_fp_encode(p + 4, text);
		memcpy(out + 4, text, C3RCELL_FP_LEN);
		return ROW_FP_WIRE;
	}
	memcpy(out, p, stored);
	return stored;
}
