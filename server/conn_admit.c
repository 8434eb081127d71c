/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn_admit.c: admission control (see conn_admit.h). Two lists keep
 * the connections of each stage oldest first (authenticated ones by
 * their last request, so the head is the longest idle); two small
 * chained hash tables count handshakes per address and connections per
 * identity. Shedding walks a list from its head, and only when a budget
 * is full; the sweep walks every connection once a second.
 */
#include "config.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "conn_admit.h"
#include "conn_int.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

#define COUNT_BUCKETS	1024
#define SUMMARY_EVERY	60	/* seconds between summary lines */
#define TRIM_AFTER	(16u << 20)	/* freed bytes that ask for a trim */

/* A count per key: an address's handshakes, an identity's connections. */
struct admit_count {
	struct admit_count *next;
	unsigned n;
	char key[];
};

struct count_table {
	struct admit_count *bucket[COUNT_BUCKETS];
};

TAILQ_HEAD(stage_list, conn);

struct conn_admission {
	struct stage_list handshaking, authenticated;
	unsigned nhandshaking, nauthenticated;
	struct count_table by_address, by_identity;
	size_t unfinished;		/* bytes, all connections */
	size_t freed;			/* unfinished bytes let go since a trim */
	time_t summary_at;		/* when the next summary is due */
	unsigned long long since[REFUSED_NREASONS];	/* since the last */
};

static const char *const refusal_names[REFUSED_NREASONS] = {
	[REFUSED_HANDSHAKE_SHED] = "handshake_shed",
	[REFUSED_ADDRESS_SHED] = "address_shed",
	[REFUSED_HANDSHAKE_TIMEOUT] = "handshake_timeout",
	[REFUSED_HANDSHAKE_FAILED] = "handshake_failed",
	[REFUSED_IDLE_SHED] = "idle_shed",
	[REFUSED_IDENTITY_FULL] = "identity_full",
	[REFUSED_SERVER_FULL] = "server_full",
	[REFUSED_UNFINISHED_SHED] = "unfinished_shed",
	[REFUSED_SLOW_FRAME] = "slow_frame",
	[REFUSED_SLOW_READER] = "slow_reader",
	[REFUSED_STOPPING] = "stopping",
};

_Static_assert(REFUSED_NREASONS <= SERVER_REFUSAL_KINDS,
    "server_stats counts every kind of refusal");

const char *
conn_refusal_name(enum conn_refusal why)
{
	return refusal_names[why];
}

/* ----------------------------------------------------------- counts */

static unsigned
key_hash(const char *key)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	while (*key != '\0')
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h % COUNT_BUCKETS;
}

/* The count of key, or NULL. */
static struct admit_count *
count_find(struct count_table *t, const char *key)
{
	struct admit_count *e;

	for (e = t->bucket[key_hash(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* The count of key, one more. */
static struct admit_count *
count_take(struct count_table *t, const char *key)
{
	struct admit_count **b = &t->bucket[key_hash(key)], *e;
	size_t len = strlen(key);

	if ((e = count_find(t, key)) != NULL) {
		e->n++;
		return e;
	}
	e = xmalloc(sizeof(*e) + len + 1);
	memcpy(e->key, key, len + 1);
	e->n = 1;
	e->next = *b;
	*b = e;
	return e;
}

/* Take one from e, freeing it at 0. */
static void
count_put(struct count_table *t, struct admit_count *e)
{
	struct admit_count **p;

	if (--e->n > 0)
		return;
	for (p = &t->bucket[key_hash(e->key)]; *p != e; p = &(*p)->next)
		;
	*p = e->next;
	free(e);
}

static void
count_table_free(struct count_table *t)
{
	struct admit_count *e, *next;
	size_t i;

	for (i = 0; i < COUNT_BUCKETS; i++)
		for (e = t->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
}

/* ---------------------------------------------------------- refusals */

void
conn_admit_refused(struct server *srv, enum conn_refusal why)
{
	struct conn_admission *a = srv->admission;

	a->since[why]++;
	atomic_fetch_add(&srv->stats.refused[why], 1);
}

unsigned long long
conn_admit_refusals(const struct server *srv, enum conn_refusal why)
{
	return atomic_load(&srv->stats.refused[why]);
}

/* Log what was refused since the last summary, if anything. */
static void
log_summary(struct conn_admission *a)
{
	char line[512];
	size_t off = 0;
	int i, n;

	for (i = 0; i < REFUSED_NREASONS; i++) {
		if (a->since[i] == 0)
			continue;
		n = snprintf(line + off, sizeof(line) - off, "%s%s %llu",
		    off > 0 ? ", " : "", refusal_names[i], a->since[i]);
		if (n > 0 && (size_t)n < sizeof(line) - off)
			off += (size_t)n;
		a->since[i] = 0;
	}
	if (off > 0)
		log_warnx("connections refused or shed in the last %d s: %s",
		    SUMMARY_EVERY, line);
}

/* --------------------------------------------------------- shedding */

/* Whether c only waits on its peer: nothing runs, nothing to send. */
static bool
conn_idle(const struct conn *c)
{
	return !c->busy && c->out_head == NULL && c->unfinished == 0 &&
	    !c->closing && c->bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

struct conn *
conn_admit_handshake_victim(struct server *srv, const char *host,
    enum conn_refusal *why)
{
	struct conn_admission *a = srv->admission;
	const struct psid_config *cfg = srv->config;
	struct admit_count *e = count_find(&a->by_address, host);
	struct conn *c;

	if (e != NULL && e->n >= cfg->max_handshakes_per_address) {
		TAILQ_FOREACH(c, &a->handshaking, stage_entry)
			if (c->by_address == e) {
				*why = REFUSED_ADDRESS_SHED;
				return c;
			}
	}
	*why = REFUSED_HANDSHAKE_SHED;
	if (a->nhandshaking >= cfg->max_handshakes)
		return TAILQ_FIRST(&a->handshaking);
	return NULL;
}

void
conn_admit_handshaking(struct conn *c)
{
	struct conn_admission *a = c->srv->admission;

	c->by_address = count_take(&a->by_address, c->peer);
	TAILQ_INSERT_TAIL(&a->handshaking, c, stage_entry);
	a->nhandshaking++;
	atomic_store(&c->srv->stats.handshakes, a->nhandshaking);
	c->stage = CONN_HANDSHAKING;
	c->last_active = conn_now();
}

/* The longest idle authenticated connection (of identity e, if set). */
static struct conn *
oldest_idle(struct conn_admission *a, const struct admit_count *e)
{
	struct conn *c;

	TAILQ_FOREACH(c, &a->authenticated, stage_entry)
		if ((e == NULL || c->by_identity == e) && conn_idle(c))
			return c;
	return NULL;
}

enum conn_admit_result
conn_admit_authenticated(struct conn *c, struct conn **victim, char *msg,
    size_t size)
{
	struct server *srv = c->srv;
	struct conn_admission *a = srv->admission;
	const struct psid_config *cfg = srv->config;
	struct admit_count *e = count_find(&a->by_identity, c->identity);

	if (c->stage == CONN_HANDSHAKING)
		conn_admit_leave(c);
	if (e != NULL && e->n >= cfg->max_connections_per_identity) {
		if ((*victim = oldest_idle(a, e)) != NULL) {
			snprintf(msg, size, "psid closed this idle connection "
			    "to admit a new one (max_connections_per_identity "
			    "is full)");
			return ADMIT_SHED;
		}
		conn_admit_refused(srv, REFUSED_IDENTITY_FULL);
		snprintf(msg, size, "%s has %u connections open, the most one "
		    "identity may (max_connections_per_identity); close one "
		    "and retry", c->identity, e->n);
		return ADMIT_REFUSED;
	}
	if (a->nauthenticated >= cfg->max_connections) {
		if ((*victim = oldest_idle(a, NULL)) != NULL) {
			snprintf(msg, size, "psid closed this idle connection "
			    "to admit a new one (max_connections is full)");
			return ADMIT_SHED;
		}
		conn_admit_refused(srv, REFUSED_SERVER_FULL);
		snprintf(msg, size, "psid has %u connections open, its most "
		    "(max_connections), and none idle; retry later",
		    a->nauthenticated);
		return ADMIT_REFUSED;
	}
	c->by_identity = count_take(&a->by_identity, c->identity);
	TAILQ_INSERT_TAIL(&a->authenticated, c, stage_entry);
	a->nauthenticated++;
	c->stage = CONN_AUTHENTICATED;
	c->last_active = conn_now();
	return ADMIT_OK;
}

void
conn_admit_touch(struct conn *c)
{
	struct conn_admission *a = c->srv->admission;

	c->last_active = conn_now();
	if (c->stage != CONN_AUTHENTICATED)
		return;
	TAILQ_REMOVE(&a->authenticated, c, stage_entry);
	TAILQ_INSERT_TAIL(&a->authenticated, c, stage_entry);
}

void
conn_admit_leave(struct conn *c)
{
	struct conn_admission *a = c->srv->admission;

	switch (c->stage) {
	case CONN_HANDSHAKING:
		TAILQ_REMOVE(&a->handshaking, c, stage_entry);
		a->nhandshaking--;
		atomic_store(&c->srv->stats.handshakes, a->nhandshaking);
		count_put(&a->by_address, c->by_address);
		c->by_address = NULL;
		break;
	case CONN_AUTHENTICATED:
		TAILQ_REMOVE(&a->authenticated, c, stage_entry);
		a->nauthenticated--;
		count_put(&a->by_identity, c->by_identity);
		c->by_identity = NULL;
		break;
	case CONN_CLOSED:
		break;
	}
	c->stage = CONN_CLOSED;
	conn_admit_unfinished(c, 0, 0);
}

/* ---------------------------------------------------- unfinished frames */

void
conn_admit_unfinished(struct conn *c, size_t buffered, size_t plen)
{
	struct conn_admission *a = c->srv->admission;
	const struct psid_config *cfg = c->srv->config;

	if (buffered > 0 && c->unfinished == 0)
		c->frame_deadline = conn_now() + (time_t)cfg->handshake_timeout +
		    (time_t)(plen / cfg->min_frame_rate);
	if (buffered < c->unfinished)
		a->freed += c->unfinished - buffered;
	a->unfinished = a->unfinished - c->unfinished + buffered;
	c->unfinished = buffered;
	atomic_store(&c->srv->stats.unfinished_bytes, a->unfinished);
}

struct conn *
conn_admit_unfinished_victim(struct server *srv)
{
	struct conn *big = NULL, *o;

	if (srv->admission->unfinished <= srv->config->max_unfinished)
		return NULL;
	TAILQ_FOREACH(o, &srv->conns, entry)
		if (o->bev != NULL && (big == NULL ||
		    o->unfinished > big->unfinished))
			big = o;
	return big != NULL && big->unfinished > 0 ? big : NULL;
}

size_t
conn_admit_unfinished_bytes(const struct server *srv)
{
	return srv->admission->unfinished;
}

unsigned
conn_admit_handshakes(const struct server *srv)
{
	return srv->admission->nhandshaking;
}

/* ------------------------------------------------------------ sweep */

void
conn_admit_sweep(struct server *srv, time_t now)
{
	struct conn_admission *a = srv->admission;

	if (now >= a->summary_at) {
		log_summary(a);
		a->summary_at = now + SUMMARY_EVERY;
	}
	if (a->freed >= TRIM_AFTER) {
		a->freed = 0;
		malloc_trim(0);
	}
}

time_t
conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int
conn_admit_init(struct server *srv)
{
	struct conn_admission *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	TAILQ_INIT(&a->handshaking);
	TAILQ_INIT(&a->authenticated);
	a->summary_at = conn_now() + SUMMARY_EVERY;
	srv->admission = a;
	return 0;
}

void
conn_admit_free(struct server *srv)
{
	struct conn_admission *a = srv->admission;

	if (a == NULL)
		return;
	log_summary(a);
	count_table_free(&a->by_address);
	count_table_free(&a->by_identity);
	free(a);
	srv->admission = NULL;
}
