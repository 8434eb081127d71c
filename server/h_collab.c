/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_collab.c: create a collaboration (any authenticated identity; psid
 * assigns a random UUID, the settings are fixed from then on) and get
 * one (members only).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "handlers.h"
#include "log.h"
#include "policy.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

/* A random (version 4) UUID in lower-case text. */
static int
new_uuid(char out[STORE_COLLAB_LEN + 1])
{
	uint8_t b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, STORE_COLLAB_LEN + 1, "%02x%02x%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
	    b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
	return 0;
}

void
handle_create_collaboration(const struct request *rq)
{
	const Psid__CreateCollaboration *m = rq->msg->create_collaboration;
	Psid__Collaboration collab = PSID__COLLABORATION__INIT;
	Psid__Member creator = PSID__MEMBER__INIT;
	Psid__Member **members;
	Psid__Response resp = PSID__RESPONSE__INIT;
	char id[STORE_COLLAB_LEN + 1], err[256];
	uint8_t *blob = NULL;
	size_t n = m->n_members, i, len;
	bool listed = false;
	int rc = STORE_EXISTS, tries;

	members = xcalloc(n + 1, sizeof(*members));
	for (i = 0; i < n; i++) {
		members[i] = m->members[i];
		if (strcmp(m->members[i]->identity, rq->identity) == 0)
			listed = true;
	}
	/* The creator is a member with every ability unless listed. */
	if (!listed) {
		creator.identity = (char *)rq->identity;
		creator.may_upload = creator.may_query =
		    creator.may_receive = true;
		members[n++] = &creator;
	}
	collab.name = m->name;
	collab.creator = (char *)rq->identity;
	collab.members = members;
	collab.n_members = n;
	collab.settings = m->settings;
	collab.require_privacy = m->require_privacy;
	collab.created_unix = (uint64_t)time(NULL);
	collab.id = id;		/* every ID is 36 characters: size it now */
	memset(id, '0', STORE_COLLAB_LEN);
	id[STORE_COLLAB_LEN] = '\0';
	len = psid__collaboration__get_packed_size(&collab);
	blob = xmalloc(len);
	for (tries = 0; tries < 4 && rc == STORE_EXISTS; tries++) {
		if (new_uuid(id) != 0) {
			rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
			    "no random numbers");
			goto out;
		}
		psid__collaboration__pack(&collab, blob);
		rc = store_collab_put(rq->srv->store, id, blob, len, err,
		    sizeof(err));
	}
	if (rc != STORE_OK) {
		log_warnx("create collaboration: %s", err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the collaboration could not be stored");
		goto out;
	}
	rq_audit(rq, id, "create", "collaboration with %zu members", n);
	resp.body_case = PSID__RESPONSE__BODY_COLLABORATION;
	resp.collaboration = &collab;
	rq_reply(rq, &resp);
out:
	free(blob);
	free(members);
}

void
handle_get_collaboration(const struct request *rq)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	struct collab_view v;

	if (policy_collab(rq, rq->msg->get_collaboration->collaboration_id,
	    ABILITY_NONE, &v) != 0)
		return;
	resp.body_case = PSID__RESPONSE__BODY_COLLABORATION;
	resp.collaboration = v.collab;
	rq_reply(rq, &resp);
	policy_collab_free(&v);
}
