/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_frame.c: libFuzzer target for everything psid does to bytes from
 * the network before they reach a handler: frame length checks, Request
 * and Response unpacking, their shape checks, and packed cells. Built by
 * `make fuzz` (clang, -fsanitize=fuzzer); its corpus is replayed by
 * tests/fuzz_frame_replay in make check.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Psid__Request *request;
	Psid__Response *response;
	struct cells_reader r;
	const uint8_t *cell;
	size_t payload_len;
	uint32_t len;
	uint8_t *packed;
	size_t packed_len;
	char err[256];

	/* A small maximum too, so that both sides of the check are hit. */
	(void)frame_peek(data, size, 64, &payload_len);
	if (frame_peek(data, size, FRAME_MAX_DEFAULT, &payload_len) ==
	    FRAME_OK) {
		const uint8_t *payload = data + FRAME_HEADER_LEN;

		if (frame_unpack_request(payload, payload_len, &request, err,
		    sizeof(err)) == FRAME_OK) {
			/* What was accepted packs again within the limit. */
			if (frame_pack_request(request, FRAME_MAX_LIMIT, &packed,
			    &packed_len) == FRAME_OK)
				free(packed);
			psid__request__free_unpacked(request, NULL);
		}
		if (frame_unpack_response(payload, payload_len, &response,
		    err, sizeof(err)) == FRAME_OK)
			psid__response__free_unpacked(response, NULL);
	}
	(void)frame_cells_well_formed(data, size, 3, 2, 16383);
	frame_cells_reader_init(&r, data, size);
	while (frame_cells_next(&r, &cell, &len) == 1)
		if (cell != NULL && len > 0 && cell[len - 1] == 0xff)
			break;
	return 0;
}
