/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeconn.h: a request without a connection, for the unit tests of
 * psid's inner rooms: a fake transport (request.h's rq_send_fn) that
 * keeps a copy of every reply, and a server whose store is a scratch
 * LMDB directory.
 */
#ifndef PSID_TESTS_FAKECONN_H
#define PSID_TESTS_FAKECONN_H

#include <stdbool.h>
#include <stddef.h>

#include "psid.pb-c.h"
#include "request.h"
#include "server.h"

#define FAKE_REPLIES_MAX 64

/* What a fake connection captured. */
struct fake_conn {
	Psid__Response *replies[FAKE_REPLIES_MAX];	/* unpacked copies */
	size_t n;
	int send_rc;		/* what fake_send returns: 0, -1 or -2 */
	struct rq_slot slot;	/* the connection's slot */
	struct server srv;
	char *dir;		/* the store's scratch directory, or NULL */
	Psid__Request msg;	/* an empty request of id 7: the default */
	struct request rq;
};

/*
 * Set fc up as a connection of identity; with_store opens a store in a
 * scratch directory (srv.store). Free with fake_conn_free.
 */
void fake_conn_init(struct fake_conn *fc, const char *identity,
    bool with_store);

/* Point fc->rq at msg (the caller's; NULL: fc->msg) and return it. */
const struct request *fake_request(struct fake_conn *fc,
    const Psid__Request *msg);

/* Forget the replies captured so far. */
void fake_conn_clear(struct fake_conn *fc);

/* Free the replies, the slot, the store and its directory. */
void fake_conn_free(struct fake_conn *fc);

/* The last reply's error code (0 without an error); fails with none. */
int fake_last_error(const struct fake_conn *fc);

/* The last reply's error message ("" without one). */
const char *fake_last_message(const struct fake_conn *fc);

/*
 * Store a collaboration with id whose members are identities[0..n), with
 * abilities (upload, query, receive) as given for all, and settings (or
 * NULL).
 */
void fake_collab_put(struct fake_conn *fc, const char *id,
    const char *const *identities, size_t n, bool may_upload,
    bool may_query, bool may_receive, Psid__Settings *settings);

#endif /* PSID_TESTS_FAKECONN_H */
