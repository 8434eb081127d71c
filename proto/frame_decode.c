/* SPDX-License-Identifier: Apache-2.0 */
/*
 * frame_decode.c: unpacking a frame's payload within a byte budget.
 *
 * protobuf-c allocates per message it meets: a frame of 16 MiB holding
 * 8M empty sub-messages (two bytes each) unpacks into some 27 times its
 * size. Every unpack here goes through an allocator that refuses once
 * FRAME_DECODE_BUDGET(len) bytes are taken, so a frame costs at most a
 * small multiple of its length in memory and time before it is refused;
 * protobuf-c frees what it had built and returns NULL. What a legitimate
 * message needs is far below the budget: cells travel packed in one
 * bytes field, and messages repeated by the thousand (audit entries,
 * tables) carry strings at least as long as their structs.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "frame.h"

struct decode_budget {
	size_t left;
	bool refused;
};

static void *
budget_alloc(void *data, size_t size)
{
	struct decode_budget *b = data;

	if (size > b->left) {
		b->refused = true;
		return NULL;
	}
	b->left -= size;
	return malloc(size);
}

static void
budget_free(void *data, void *ptr)
{
	(void)data;
	free(ptr);
}

/* Unpack with msg's unpack function; the result frees with free(). */
typedef void *unpack_fn(ProtobufCAllocator *allocator, size_t len,
    const uint8_t *data);

static int
decode(unpack_fn *unpack, const uint8_t *payload, size_t len, void **out)
{
	struct decode_budget budget = { FRAME_DECODE_BUDGET(len), false };
	ProtobufCAllocator allocator = { budget_alloc, budget_free, &budget };

	*out = unpack(&allocator, len, payload);
	if (*out != NULL)
		return FRAME_OK;
	return budget.refused ? FRAME_TOO_LARGE : FRAME_MALFORMED;
}

static void *
unpack_request(ProtobufCAllocator *allocator, size_t len, const uint8_t *data)
{
	return psid__request__unpack(allocator, len, data);
}

static void *
unpack_response(ProtobufCAllocator *allocator, size_t len,
    const uint8_t *data)
{
	return psid__response__unpack(allocator, len, data);
}

int
frame_decode_request(const uint8_t *payload, size_t len,
    Psid__Request **request)
{
	void *r;
	int rc = decode(unpack_request, payload, len, &r);

	*request = r;
	return rc;
}

int
frame_decode_response(const uint8_t *payload, size_t len,
    Psid__Response **response)
{
	void *r;
	int rc = decode(unpack_response, payload, len, &r);

	*response = r;
	return rc;
}
