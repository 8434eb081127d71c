/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rowfmt.h: how psid stores a table's row (storage keeps it opaque). A
 * row is its cells packed as on the wire (frame.h: a u32 big-endian
 * length and the bytes, FRAME_CELL_NULL for NULL), except that a
 * fingerprint cell is stored as ROW_CELL_FP and its 32 bytes rather than
 * its 52 characters of text: 36 bytes instead of 56, a fifth less of
 * what an upload writes. A join turns it back into the same text.
 */
#ifndef PSID_ROWFMT_H
#define PSID_ROWFMT_H

#include <stddef.h>
#include <stdint.h>

#include "c3rcell.h"

#define ROW_CELL_FP	0xfffffffeu
#define ROW_FP_LEN	C3RCELL_FP_BYTES
/* Bytes of a stored fingerprint cell, and of its text on the wire. */
#define ROW_FP_STORED	(4 + ROW_FP_LEN)
#define ROW_FP_WIRE	(4 + C3RCELL_FP_LEN)

/* Store fingerprint fp at out (ROW_FP_STORED bytes); returns that. */
size_t rowfmt_put_fp(uint8_t *out, const uint8_t fp[ROW_FP_LEN]);

/*
 * The stored cell at p (before end): its stored length into *stored and
 * its length on the wire into *wire. Returns 0, or -1 when it runs past
 * end (a corrupt row).
 */
int rowfmt_cell_size(const uint8_t *p, const uint8_t *end, size_t *stored,
    size_t *wire);

/*
 * Write the stored cell at p (stored bytes, as rowfmt_cell_size measured)
 * to out in its wire form; returns the bytes written.
 */
size_t rowfmt_cell_to_wire(const uint8_t *p, size_t stored, uint8_t *out);

#endif /* PSID_ROWFMT_H */
