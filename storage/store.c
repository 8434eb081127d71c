/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: the LMDB environment and the fingerprint sets in it (see
 * store.h for the key layout and the guarantees).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "count.h"
#include "fpsort.h"
#include "store.h"

#define META_VERSION	1
#define META_LEN	24
/* <collab>/<table>/f/<u16>/<u32> */
#define KEY_MAX		(STORE_COLLAB_LEN + 1 + STORE_TABLE_MAX + 3 + 2 + 1 + 4)
#define SORT_THREADS	2

struct store {
	MDB_env *env;
	MDB_dbi meta;		/* set metas */
	MDB_dbi fpsets;		/* set chunks */
	size_t chunk_fps;
};

struct store_read {
	struct store *store;
	MDB_txn *txn;
};

/* A set's meta value, decoded. */
struct fpset_meta {
	uint32_t chunk_fps;
	uint32_t nchunks;
	uint64_t count;
};

/* A set's key prefix (its meta key); chunk keys extend it. */
struct fpset_key {
	unsigned char buf[KEY_MAX];
	size_t len;		/* of the meta key */
};

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

static int
check_collab(const char *collab, char *err, size_t err_size)
{
	size_t i;

	if (collab == NULL || strlen(collab) != STORE_COLLAB_LEN)
		goto bad;
	for (i = 0; i < STORE_COLLAB_LEN; i++) {
		char c = collab[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '-'))
			goto bad;
	}
	return 0;
bad:
	set_err(err, err_size, "collaboration ID is not a %d-character UUID",
	    STORE_COLLAB_LEN);
	return -1;
}

/* Build the meta key of a set, checking the names. Returns 0 or -1. */
static int
make_key(struct fpset_key *key, const char *collab, const char *table,
    unsigned column, char *err, size_t err_size)
{
	size_t tlen;
	unsigned char *p = key->buf;

	if (check_collab(collab, err, err_size) != 0)
		return -1;
	tlen = table == NULL ? 0 : strlen(table);
	if (tlen == 0 || tlen > STORE_TABLE_MAX) {
		set_err(err, err_size, "table name must be 1 to %d bytes",
		    STORE_TABLE_MAX);
		return -1;
	}
	if (memchr(table, '/', tlen) != NULL) {
		set_err(err, err_size, "table name \"%s\" contains '/'", table);
		return -1;
	}
	if (column > 0xffff) {
		set_err(err, err_size, "column %u out of range (0..65535)",
		    column);
		return -1;
	}
	memcpy(p, collab, STORE_COLLAB_LEN);
	p += STORE_COLLAB_LEN;
	*p++ = '/';
	memcpy(p, table, tlen);
	p += tlen;
	memcpy(p, "/f/", 3);
	p += 3;
	*p++ = (unsigned char)(column >> 8);
	*p++ = (unsigned char)column;
	key->len = (size_t)(p - key->buf);
	return 0;
}

/* The key of chunk i of a set, in key->buf. */
static MDB_val
chunk_key(struct fpset_key *key, uint32_t i)
{
	unsigned char *p = key->buf + key->len;
	MDB_val v;

	p[0] = '/';
	p[1] = (unsigned char)(i >> 24);
	p[2] = (unsigned char)(i >> 16);
	p[3] = (unsigned char)(i >> 8);
	p[4] = (unsigned char)i;
	v.mv_data = key->buf;
	v.mv_size = key->len + 5;
	return v;
}

static MDB_val
meta_key(struct fpset_key *key)
{
	MDB_val v = { key->len, key->buf };

	return v;
}

static void
put_le(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
encode_meta(unsigned char *buf, const struct fpset_meta *m)
{
	put_le(buf, META_VERSION, 4);
	put_le(buf + 4, m->chunk_fps, 4);
	put_le(buf + 8, m->nchunks, 4);
	put_le(buf + 12, 0, 4);
	put_le(buf + 16, m->count, 8);
}

/*
 * Read a set's meta in txn. Returns STORE_OK, STORE_NOTFOUND (err says
 * which set) or -1.
 */
static int
read_meta(struct store *store, MDB_txn *txn, struct fpset_key *key,
    const char *table, unsigned column, struct fpset_meta *m, char *err,
    size_t err_size)
{
	MDB_val k = meta_key(key), v;
	const unsigned char *p;
	int rc;

	rc = mdb_get(txn, store->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		set_err(err, err_size, "no fingerprint set for table \"%s\" "
		    "column %u", table, column);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		set_err(err, err_size, "reading the set of table \"%s\": %s",
		    table, mdb_strerror(rc));
		return -1;
	}
	p = v.mv_data;
	if (v.mv_size != META_LEN || get_le(p, 4) != META_VERSION)
		goto corrupt;
	m->chunk_fps = (uint32_t)get_le(p + 4, 4);
	m->nchunks = (uint32_t)get_le(p + 8, 4);
	m->count = get_le(p + 16, 8);
	if (m->count == 0 ? m->nchunks != 0 : (m->chunk_fps == 0 ||
	    (m->count - 1) / m->chunk_fps + 1 != m->nchunks))
		goto corrupt;
	return STORE_OK;
corrupt:
	set_err(err, err_size, "the set of table \"%s\" column %u has a "
	    "corrupt meta value", table, column);
	return -1;
}

int
store_open(const char *dir, uint64_t map_size, struct store **out,
    char *err, size_t err_size)
{
	struct store *store;
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	store = calloc(1, sizeof(*store));
	if (store == NULL) {
		set_err(err, err_size, "out of memory");
		return -1;
	}
	store->chunk_fps = STORE_CHUNK_FPS_DEFAULT;
	if (map_size == 0)
		map_size = STORE_MAP_SIZE_DEFAULT;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		set_err(err, err_size, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&store->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(store->env, 4)) != 0 ||
	    (rc = mdb_env_set_mapsize(store->env, (size_t)map_size)) != 0) {
		set_err(err, err_size, "creating the environment: %s",
		    mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_env_open(store->env, dir, MDB_NOTLS, 0600)) != 0) {
		set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &store->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "fpsets", MDB_CREATE,
	    &store->fpsets)) != 0) {
		set_err(err, err_size, "%s: opening the databases: %s", dir,
		    mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	*out = store;
	return STORE_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	store_close(store);
	return -1;
}

void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	if (store->env != NULL)
		mdb_env_close(store->env);
	free(store);
}

void
store_set_chunk_fps(struct store *store, size_t chunk_fps)
{
	if (chunk_fps < 1)
		chunk_fps = 1;
	if (chunk_fps > STORE_CHUNK_FPS_DEFAULT)
		chunk_fps = STORE_CHUNK_FPS_DEFAULT;
	store->chunk_fps = chunk_fps;
}

/* Delete the chunks of a set whose meta is m, in txn. Returns 0 or -1. */
static int
delete_chunks(struct store *store, MDB_txn *txn, struct fpset_key *key,
    const struct fpset_meta *m, char *err, size_t err_size)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->nchunks; i++) {
		MDB_val k = chunk_key(key, i);

		rc = mdb_del(txn, store->fpsets, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			set_err(err, err_size, "deleting a chunk: %s",
			    mdb_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Whether every chunk key of the set sorts after the last key of the
 * chunk database, so that they may be written with MDB_APPEND.
 */
static int
may_append(struct store *store, MDB_txn *txn, struct fpset_key *key)
{
	MDB_cursor *cur;
	MDB_val k, v, first = chunk_key(key, 0);
	int rc, ok;

	if (mdb_cursor_open(txn, store->fpsets, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	ok = rc == MDB_NOTFOUND ||
	    (rc == 0 && mdb_cmp(txn, store->fpsets, &k, &first) < 0);
	mdb_cursor_close(cur);
	return ok;
}

int
store_fpset_put(struct store *store, const char *collab,
    const char *table, unsigned column, const uint8_t *fps, size_t n,
    int replace, char *err, size_t err_size)
{
	struct fpset_key key;
	struct fpset_meta old, m;
	unsigned char metabuf[META_LEN];
	uint8_t *sorted = NULL;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	unsigned flags;
	uint32_t i;
	int rc, ret = -1;

	if (make_key(&key, collab, table, column, err, err_size) != 0)
		return -1;
	if (n > 0 && fps == NULL) {
		set_err(err, err_size, "no fingerprints given");
		return -1;
	}
	if (n > SIZE_MAX / FP_LEN || (n > 0 &&
	    (n - 1) / store->chunk_fps + 1 > UINT32_MAX)) {
		set_err(err, err_size, "too many fingerprints");
		return -1;
	}
	if (n > 0) {
		sorted = malloc(n * FP_LEN);
		if (sorted == NULL || fpsort(sorted, fps, n,
		    SORT_THREADS) != 0) {
			set_err(err, err_size, "out of memory sorting %zu "
			    "fingerprints", n);
			goto out;
		}
		n = fpsort_dedup(sorted, n);
	}
	m.chunk_fps = (uint32_t)store->chunk_fps;
	m.count = n;
	m.nchunks = n == 0 ? 0 : (uint32_t)((n - 1) / m.chunk_fps + 1);

	if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0) {
		set_err(err, err_size, "beginning a write: %s",
		    mdb_strerror(rc));
		goto out;
	}
	rc = read_meta(store, txn, &key, table, column, &old, err, err_size);
	if (rc == STORE_OK) {
		if (!replace) {
			set_err(err, err_size, "table \"%s\" column %u already "
			    "has a fingerprint set", table, column);
			ret = STORE_EXISTS;
			goto out;
		}
		if (delete_chunks(store, txn, &key, &old, err, err_size) != 0)
			goto out;
	} else if (rc != STORE_NOTFOUND)
		goto out;

	flags = may_append(store, txn, &key) ? MDB_APPEND : 0;
	for (i = 0; i < m.nchunks; i++) {
		size_t first = (size_t)i * m.chunk_fps;
		size_t len = n - first < m.chunk_fps ? n - first : m.chunk_fps;

		k = chunk_key(&key, i);
		v.mv_size = len * FP_LEN;
		v.mv_data = sorted + first * FP_LEN;
		if ((rc = mdb_put(txn, store->fpsets, &k, &v, flags)) != 0) {
			set_err(err, err_size, "writing the set of table "
			    "\"%s\": %s", table, mdb_strerror(rc));
			goto out;
		}
	}
	encode_meta(metabuf, &m);
	k = meta_key(&key);
	v.mv_size = META_LEN;
	v.mv_data = metabuf;
	if ((rc = mdb_put(txn, store->meta, &k, &v, 0)) != 0) {
		set_err(err, err_size, "writing the set of table \"%s\": %s",
		    table, mdb_strerror(rc));
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		set_err(err, err_size, "committing the set of table \"%s\": %s",
		    table, mdb_strerror(rc));
		goto out;
	}
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(sorted);
	return ret;
}

int
store_fpset_delete(struct store *store, const char *collab,
    const char *table, unsigned column, char *err, size_t err_size)
{
	struct fpset_key key;
	struct fpset_meta old;
	MDB_txn *txn = NULL;
	MDB_val k;
	int rc, ret = -1;

	if (make_key(&key, collab, table, column, err, err_size) != 0)
		return -1;
	if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0) {
		set_err(err, err_size, "beginning a write: %s",
		    mdb_strerror(rc));
		goto out;
	}
	rc = read_meta(store, txn, &key, table, column, &old, err, err_size);
	if (rc != STORE_OK) {
		ret = rc;
		goto out;
	}
	if (delete_chunks(store, txn, &key, &old, err, err_size) != 0)
		goto out;
	k = meta_key(&key);
	if ((rc = mdb_del(txn, store->meta, &k, NULL)) != 0) {
		set_err(err, err_size, "deleting the set of table \"%s\": %s",
		    table, mdb_strerror(rc));
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		set_err(err, err_size, "committing: %s", mdb_strerror(rc));
		goto out;
	}
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_read_begin(struct store *store, struct store_read **out, char *err,
    size_t err_size)
{
	struct store_read *rd;
	int rc;

	*out = NULL;
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		set_err(err, err_size, "out of memory");
		return -1;
	}
	rd->store = store;
	if ((rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY,
	    &rd->txn)) != 0) {
		set_err(err, err_size, "beginning a read: %s",
		    mdb_strerror(rc));
		free(rd);
		return -1;
	}
	*out = rd;
	return STORE_OK;
}

void
store_read_end(struct store_read *rd)
{
	if (rd == NULL)
		return;
	mdb_txn_abort(rd->txn);
	free(rd);
}

int
store_read_fpset_size(struct store_read *rd, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size)
{
	struct fpset_key key;
	struct fpset_meta m;
	int rc;

	if (make_key(&key, collab, table, column, err, err_size) != 0)
		return -1;
	rc = read_meta(rd->store, rd->txn, &key, table, column, &m, err,
	    err_size);
	if (rc == STORE_OK)
		*n = m.count;
	return rc;
}

/*
 * Map the chunks of a set into view (chunk pointers in ptrs, which has
 * room for them), checking their sizes. Returns STORE_OK,
 * STORE_NOTFOUND or -1.
 */
static int
load_set(struct store_read *rd, struct fpset_key *key, const char *table,
    unsigned column, const struct fpset_meta *m, const uint8_t **ptrs,
    struct count_set *view, char *err, size_t err_size)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->nchunks; i++) {
		MDB_val k = chunk_key(key, i), v;
		uint64_t want = m->chunk_fps;

		if (i + 1 == m->nchunks)
			want = m->count - (uint64_t)i * m->chunk_fps;
		rc = mdb_get(rd->txn, rd->store->fpsets, &k, &v);
		if (rc != 0 || v.mv_size != want * FP_LEN) {
			set_err(err, err_size, "the set of table \"%s\" column "
			    "%u: chunk %" PRIu32 " %s", table, column, i,
			    rc == 0 ? "has the wrong size" : mdb_strerror(rc));
			return -1;
		}
		ptrs[i] = v.mv_data;
	}
	view->chunks = ptrs;
	view->nchunks = m->nchunks;
	view->chunk_fps = m->chunk_fps;
	view->n = m->count;
	return STORE_OK;
}

int
store_read_count(struct store_read *rd, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size)
{
	struct fpset_key keys[STORE_MAX_SETS];
	struct fpset_meta metas[STORE_MAX_SETS];
	struct count_set views[STORE_MAX_SETS];
	const uint8_t **ptrs = NULL;
	size_t i, total = 0;
	int rc, ret = -1;

	if (nsets < 2 || nsets > STORE_MAX_SETS) {
		set_err(err, err_size, "a count takes 2 to %d sets",
		    STORE_MAX_SETS);
		return -1;
	}
	for (i = 0; i < nsets; i++) {
		if (make_key(&keys[i], collab, sets[i].table, sets[i].column,
		    err, err_size) != 0)
			return -1;
		rc = read_meta(rd->store, rd->txn, &keys[i], sets[i].table,
		    sets[i].column, &metas[i], err, err_size);
		if (rc != STORE_OK)
			return rc;
		total += metas[i].nchunks;
	}
	ptrs = calloc(total > 0 ? total : 1, sizeof(*ptrs));
	if (ptrs == NULL) {
		set_err(err, err_size, "out of memory");
		goto out;
	}
	for (total = 0, i = 0; i < nsets; i++) {
		if (load_set(rd, &keys[i], sets[i].table, sets[i].column,
		    &metas[i], ptrs + total, &views[i], err, err_size) != 0)
			goto out;
		total += metas[i].nchunks;
	}
	if (count_intersection(views, nsets, threads, count) != 0) {
		set_err(err, err_size, "counting: %s", strerror(errno));
		goto out;
	}
	ret = STORE_OK;
out:
	free(ptrs);
	return ret;
}

int
store_count(struct store *store, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size)
{
	struct store_read *rd;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_count(rd, collab, sets, nsets, threads, count, err,
	    err_size);
	store_read_end(rd);
	return rc;
}

int
store_fpset_size(struct store *store, const char *collab,
    const char *table, unsigned column, uint64_t *n, char *err,
    size_t err_size)
{
	struct store_read *rd;
	int rc;

	if (store_read_begin(store, &rd, err, err_size) != 0)
		return -1;
	rc = store_read_fpset_size(rd, collab, table, column, n, err,
	    err_size);
	store_read_end(rd);
	return rc;
}
