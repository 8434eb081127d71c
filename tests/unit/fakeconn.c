/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeconn.c: a request's fake transport and server (see fakeconn.h).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fakeconn.h"
#include "store.h"
#include "testutil.h"

#define FAKE_MAP_SIZE	(UINT64_C(64) << 20)

/* The transport: a copy of the reply, by pack and unpack. */
static int
fake_send(void *ctx, const Psid__Response *response)
{
	struct fake_conn *fc = ctx;
	size_t len;
	uint8_t *buf;

	if (fc->send_rc != 0)
		return fc->send_rc;
	ck_assert_uint_lt(fc->n, FAKE_REPLIES_MAX);
	len = psid__response__get_packed_size(response);
	buf = malloc(len + 1);
	ck_assert_ptr_nonnull(buf);
	psid__response__pack(response, buf);
	fc->replies[fc->n] = psid__response__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(fc->replies[fc->n]);
	fc->n++;
	free(buf);
	return 0;
}

void
fake_conn_init(struct fake_conn *fc, const char *identity, bool with_store)
{
	char err[256] = "";

	memset(fc, 0, sizeof(*fc));
	pthread_mutex_init(&fc->srv.latency.lock, NULL);
	fc->srv.count_threads = 1;
	if (with_store) {
		fc->dir = scratch_dir();
		ck_assert_msg(store_open(fc->dir, FAKE_MAP_SIZE,
		    &fc->srv.store, err, sizeof(err)) == STORE_OK,
		    "store_open: %s", err);
		fc->srv.tmp_dir = fc->dir;
	}
	psid__request__init(&fc->msg);
	fc->msg.id = 7;
	fc->rq.msg = &fc->msg;
	fc->rq.srv = &fc->srv;
	fc->rq.identity = identity;
	fc->rq.send = fake_send;
	fc->rq.send_ctx = fc;
	fc->rq.slot = &fc->slot;
}

const struct request *
fake_request(struct fake_conn *fc, const Psid__Request *msg)
{
	fc->rq.msg = msg != NULL ? msg : &fc->msg;
	return &fc->rq;
}

void
fake_conn_clear(struct fake_conn *fc)
{
	size_t i;

	for (i = 0; i < fc->n; i++)
		psid__response__free_unpacked(fc->replies[i], NULL);
	fc->n = 0;
}

void
fake_conn_free(struct fake_conn *fc)
{
	fake_conn_clear(fc);
	rq_slot_clear(&fc->slot);
	if (fc->srv.store != NULL)
		store_close(fc->srv.store);
	if (fc->dir != NULL)
		scratch_remove(fc->dir);
	pthread_mutex_destroy(&fc->srv.latency.lock);
}

int
fake_last_error(const struct fake_conn *fc)
{
	const Psid__Response *r;

	ck_assert_uint_gt(fc->n, 0);
	r = fc->replies[fc->n - 1];
	return r->error != NULL ? (int)r->error->code : 0;
}

const char *
fake_last_message(const struct fake_conn *fc)
{
	const Psid__Response *r;

	ck_assert_uint_gt(fc->n, 0);
	r = fc->replies[fc->n - 1];
	return r->error != NULL ? r->error->message : "";
}

void
fake_collab_put(struct fake_conn *fc, const char *id,
    const char *const *identities, size_t n, bool may_upload,
    bool may_query, bool may_receive, Psid__Settings *settings)
{
	Psid__Collaboration c = PSID__COLLABORATION__INIT;
	Psid__Member members[8], *pm[8];
	uint8_t *blob;
	size_t i, len;
	char err[256] = "";

	ck_assert_uint_le(n, 8);
	for (i = 0; i < n; i++) {
		psid__member__init(&members[i]);
		members[i].identity = (char *)identities[i];
		members[i].may_upload = may_upload;
		members[i].may_query = may_query;
		members[i].may_receive = may_receive;
		pm[i] = &members[i];
	}
	c.id = (char *)id;
	c.name = (char *)"test";
	c.creator = (char *)identities[0];
	c.members = pm;
	c.n_members = n;
	c.settings = settings;
	len = psid__collaboration__get_packed_size(&c);
	blob = malloc(len + 1);
	ck_assert_ptr_nonnull(blob);
	psid__collaboration__pack(&c, blob);
	ck_assert_msg(store_collab_put(fc->srv.store, id, blob, len, err,
	    sizeof(err)) == STORE_OK, "collab put: %s", err);
	free(blob);
}
