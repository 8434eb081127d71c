/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.h: what psid does with one request, on a worker thread: find
 * the verb of its body in one static table {body case, name, handler,
 * flags} (OpenSMTPD's commands[] is the model), run its handler
 * (handlers.h), and note its latency under the verb in the server's
 * histogram. main hands dispatch_request and dispatch_refused to the
 * connections (server.h); conn.c never calls this file.
 */
#ifndef PSID_DISPATCH_H
#define PSID_DISPATCH_H

#include <stddef.h>

#include "psid.pb-c.h"
#include "request.h"

/*
 * A malformed request of this verb (refused by the connection before any
 * handler) ends what the connection's slot holds: a bad chunk or commit
 * ends the upload.
 */
#define VERB_REFUSAL_CLEARS_SLOT	0x1

struct dispatch_verb {
	Psid__Request__BodyCase body;
	const char *name;		/* in stats and logs */
	void (*handler)(const struct request *rq);
	unsigned flags;			/* VERB_* */
};

/*
 * The verb of a request body, or NULL when psid knows none. Its index
 * in the table (*index, if not NULL) keys the latency histogram
 * (server.h); the pointer lives as long as the program.
 */
const struct dispatch_verb *dispatch_find(int body_case, size_t *index);

/*
 * Handle rq (shape already checked) and send its replies: an unknown body
 * is answered BAD_REQUEST. rq->srv's latency histogram counts it under
 * its verb. Runs on a worker thread; returns when the request is done.
 */
void dispatch_request(const struct request *rq);

/*
 * The connection refused req as malformed (answered already, no handler
 * ran): clear slot where the verb says so (VERB_REFUSAL_CLEARS_SLOT).
 * Loop thread, while no job of the connection runs.
 */
void dispatch_refused(const Psid__Request *req, struct rq_slot *slot);

#endif /* PSID_DISPATCH_H */
