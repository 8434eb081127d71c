/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c: the LMDB environment and the fingerprint sets in it (see
 * store.h for the key layout and the guarantees), and what the other
 * storage modules share (store_int.h): key building, run metas, range
 * deletion, and the chunk writer that puts sets and join indexes.
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
#include "store_int.h"

#define META_VERSION	1
#define META_LEN	24
#define SORT_THREADS	2
#define MAX_DBS		8

void
store_set_err(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

int
store_check_collab(const char *collab, char *err, size_t err_size)
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
	store_set_err(err, err_size, "collaboration ID is not a %d-character "
	    "UUID", STORE_COLLAB_LEN);
	return -1;
}

int
store_check_table(const char *table, char *err, size_t err_size)
{
	size_t tlen = table == NULL ? 0 : strlen(table);

	if (tlen == 0 || tlen > STORE_TABLE_MAX) {
		store_set_err(err, err_size, "table name must be 1 to %d bytes",
		    STORE_TABLE_MAX);
		return -1;
	}
	if (memchr(table, '/', tlen) != NULL) {
		store_set_err(err, err_size, "table name \"%s\" contains '/'",
		    table);
		return -1;
	}
	return 0;
}

int
store_key_collab(struct store_key *key, const char *collab, char *err,
    size_t err_size)
{
	if (store_check_collab(collab, err, err_size) != 0)
		return -1;
	memcpy(key->buf, collab, STORE_COLLAB_LEN);
	key->len = STORE_COLLAB_LEN;
	return 0;
}

int
store_key_table(struct store_key *key, const char *collab,
    const char *table, char *err, size_t err_size)
{
	size_t tlen;

	if (store_key_collab(key, collab, err, err_size) != 0 ||
	    store_check_table(table, err, err_size) != 0)
		return -1;
	tlen = strlen(table);
	key->buf[key->len++] = '/';
	memcpy(key->buf + key->len, table, tlen);
	key->len += tlen;
	return 0;
}

int
store_key_index(struct store_key *key, const char *collab,
    const char *table, char tag, unsigned column, char *err,
    size_t err_size)
{
	unsigned char *p;

	if (store_key_table(key, collab, table, err, err_size) != 0)
		return -1;
	if (column > 0xffff) {
		store_set_err(err, err_size, "column %u out of range "
		    "(0..65535)", column);
		return -1;
	}
	p = key->buf + key->len;
	*p++ = '/';
	*p++ = (unsigned char)tag;
	*p++ = '/';
	*p++ = (unsigned char)(column >> 8);
	*p++ = (unsigned char)column;
	key->len = (size_t)(p - key->buf);
	return 0;
}

MDB_val
store_chunk_key(struct store_key *key, uint32_t i)
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
meta_key(struct store_key *key)
{
	MDB_val v = { key->len, key->buf };

	return v;
}

void
store_put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

uint64_t
store_get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
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
encode_meta(unsigned char *buf, const struct store_runmeta *m)
{
	put_le(buf, META_VERSION, 4);
	put_le(buf + 4, m->chunk_recs, 4);
	put_le(buf + 8, m->nchunks, 4);
	put_le(buf + 12, m->flags, 4);
	put_le(buf + 16, m->count, 8);
}

static const char *
run_name(char tag)
{
	return tag == TAG_JOIN ? "join index" : "fingerprint set";
}

int
store_read_runmeta(struct store *store, MDB_txn *txn, struct store_key *key,
    char tag, const char *table, unsigned column, struct store_runmeta *m,
    char *err, size_t err_size)
{
	MDB_val k = meta_key(key), v;
	const unsigned char *p;
	int rc;

	rc = mdb_get(txn, store->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no %s for table \"%s\" column %u",
		    run_name(tag), table, column);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading the %s of table \"%s\": "
		    "%s", run_name(tag), table, mdb_strerror(rc));
		return -1;
	}
	p = v.mv_data;
	if (v.mv_size != META_LEN || get_le(p, 4) != META_VERSION)
		goto corrupt;
	m->chunk_recs = (uint32_t)get_le(p + 4, 4);
	m->nchunks = (uint32_t)get_le(p + 8, 4);
	m->flags = (uint32_t)get_le(p + 12, 4);
	m->count = get_le(p + 16, 8);
	if ((m->flags & ~RUNMETA_SET_IS_JOIN) != 0 ||
	    ((m->flags & RUNMETA_SET_IS_JOIN) && tag != TAG_SET))
		goto corrupt;
	if (m->count == 0 ? m->nchunks != 0 : (m->chunk_recs == 0 ||
	    (m->count - 1) / m->chunk_recs + 1 != m->nchunks))
		goto corrupt;
	return STORE_OK;
corrupt:
	store_set_err(err, err_size, "the %s of table \"%s\" column %u has a "
	    "corrupt meta value", run_name(tag), table, column);
	return -1;
}

int
store_load_run(struct store *store, MDB_txn *txn, struct store_key *key,
    const struct store_runmeta *m, size_t reclen, const uint8_t **ptrs,
    char *err, size_t err_size)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->nchunks; i++) {
		MDB_val k = store_chunk_key(key, i), v;
		uint64_t want = m->chunk_recs;

		if (i + 1 == m->nchunks)
			want = m->count - (uint64_t)i * m->chunk_recs;
		rc = mdb_get(txn, store->fpsets, &k, &v);
		if (rc != 0 || v.mv_size != want * reclen) {
			store_set_err(err, err_size, "chunk %" PRIu32 " of "
			    "\"%.*s\": %s", i, (int)key->len, key->buf,
			    rc == 0 ? "has the wrong size" : mdb_strerror(rc));
			return -1;
		}
		ptrs[i] = v.mv_data;
	}
	return STORE_OK;
}

int
store_delete_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix,
    size_t len, char *err, size_t err_size)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc;

	if (len == 0) {
		store_set_err(err, err_size, "deleting: no prefix");
		return -1;
	}
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto fail;
	k.mv_data = (void *)prefix;
	k.mv_size = len;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			goto fail;
		/* After a delete, MDB_NEXT gives the key that followed. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	mdb_cursor_close(cur);
	return 0;
fail:
	store_set_err(err, err_size, "deleting: %s", mdb_strerror(rc));
	if (cur != NULL)
		mdb_cursor_close(cur);
	return -1;
}

int
store_collab_exists(struct store *store, MDB_txn *txn, const char *collab,
    char *err, size_t err_size)
{
	struct store_key key;
	MDB_val k, v;
	int rc;

	if (store_key_collab(&key, collab, err, err_size) != 0)
		return -1;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(txn, store->collabs, &k, &v);
	if (rc == MDB_NOTFOUND) {
		store_set_err(err, err_size, "no collaboration %s", collab);
		return STORE_NOTFOUND;
	}
	if (rc != 0) {
		store_set_err(err, err_size, "reading collaboration %s: %s",
		    collab, mdb_strerror(rc));
		return -1;
	}
	return STORE_OK;
}

void
store_chunkw_init(struct chunkw *w, struct store *store, MDB_txn *txn,
    const struct store_key *key, size_t reclen, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->store = store;
	w->txn = txn;
	w->key = *key;
	w->reclen = reclen;
	w->chunk_recs = (uint32_t)store->chunk_fps;
	w->flags = flags;
}

int
store_chunkw_put_chunk(struct chunkw *w, const uint8_t *recs, size_t n,
    char *err, size_t err_size)
{
	MDB_val k, v;
	int rc;

	if (w->nchunks == UINT32_MAX) {
		store_set_err(err, err_size, "too many records");
		return -1;
	}
	k = store_chunk_key(&w->key, w->nchunks);
	v.mv_size = n * w->reclen;
	v.mv_data = (void *)recs;
	if ((rc = mdb_put(w->txn, w->store->fpsets, &k, &v, w->flags)) != 0) {
		store_set_err(err, err_size, "writing \"%.*s\": %s",
		    (int)w->key.len, w->key.buf, mdb_strerror(rc));
		return -1;
	}
	w->nchunks++;
	w->count += n;
	return 0;
}

int
store_chunkw_add(struct chunkw *w, const uint8_t *rec, char *err,
    size_t err_size)
{
	if (w->buf == NULL) {
		w->buf = malloc((size_t)w->chunk_recs * w->reclen);
		if (w->buf == NULL) {
			store_set_err(err, err_size, "out of memory");
			return -1;
		}
	}
	memcpy(w->buf + w->fill * w->reclen, rec, w->reclen);
	if (++w->fill == w->chunk_recs) {
		w->fill = 0;
		return store_chunkw_put_chunk(w, w->buf, w->chunk_recs, err,
		    err_size);
	}
	return 0;
}

int
store_chunkw_finish(struct chunkw *w, char *err, size_t err_size)
{
	struct store_runmeta m;
	unsigned char metabuf[META_LEN];
	MDB_val k, v;
	int rc;

	if (w->fill > 0) {
		size_t n = w->fill;

		w->fill = 0;
		if (store_chunkw_put_chunk(w, w->buf, n, err, err_size) != 0)
			return -1;
	}
	store_chunkw_meta(w, &m);
	encode_meta(metabuf, &m);
	k = meta_key(&w->key);
	v.mv_size = META_LEN;
	v.mv_data = metabuf;
	if ((rc = mdb_put(w->txn, w->store->meta, &k, &v, 0)) != 0) {
		store_set_err(err, err_size, "writing \"%.*s\": %s",
		    (int)w->key.len, w->key.buf, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

void
store_chunkw_meta(const struct chunkw *w, struct store_runmeta *m)
{
	m->chunk_recs = w->chunk_recs;
	m->nchunks = w->nchunks;
	m->count = w->count;
	m->flags = 0;
}

int
store_put_alias_meta(struct store *store, MDB_txn *txn,
    struct store_key *key, const struct store_runmeta *m, char *err,
    size_t err_size)
{
	struct store_runmeta alias = *m;
	unsigned char metabuf[META_LEN];
	MDB_val k = meta_key(key), v;
	int rc;

	alias.flags = RUNMETA_SET_IS_JOIN;
	encode_meta(metabuf, &alias);
	v.mv_size = META_LEN;
	v.mv_data = metabuf;
	if ((rc = mdb_put(txn, store->meta, &k, &v, 0)) != 0) {
		store_set_err(err, err_size, "writing \"%.*s\": %s",
		    (int)key->len, key->buf, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

void
store_chunkw_free(struct chunkw *w)
{
	free(w->buf);
	w->buf = NULL;
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
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	store->chunk_fps = STORE_CHUNK_FPS_DEFAULT;
	store->sort_run_recs = STORE_SORT_RUN_BYTES / PAIR_LEN;
	if (map_size == 0)
		map_size = STORE_MAP_SIZE_DEFAULT;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		store_set_err(err, err_size, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&store->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(store->env, MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(store->env, (size_t)map_size)) != 0) {
		store_set_err(err, err_size, "creating the environment: %s",
		    mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_env_open(store->env, dir, MDB_NOTLS, 0600)) != 0) {
		store_set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_txn_begin(store->env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &store->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "fpsets", MDB_CREATE,
	    &store->fpsets)) != 0 ||
	    (rc = mdb_dbi_open(txn, "collabs", MDB_CREATE,
	    &store->collabs)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tables", MDB_CREATE,
	    &store->tables)) != 0 ||
	    (rc = mdb_dbi_open(txn, "rows", MDB_CREATE, &store->rows)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit", MDB_CREATE,
	    &store->audit)) != 0) {
		store_set_err(err, err_size, "%s: opening the databases: %s",
		    dir, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		store_set_err(err, err_size, "%s: %s", dir, mdb_strerror(rc));
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

void
store_set_sort_run(struct store *store, size_t bytes)
{
	if (bytes < PAIR_LEN)
		bytes = PAIR_LEN;
	if (bytes > STORE_SORT_RUN_BYTES)
		bytes = STORE_SORT_RUN_BYTES;
	store->sort_run_recs = bytes / PAIR_LEN;
}

/* Delete the chunks of a run whose meta is m, in txn. Returns 0 or -1. */
static int
delete_chunks(struct store *store, MDB_txn *txn, struct store_key *key,
    const struct store_runmeta *m, char *err, size_t err_size)
{
	uint32_t i;
	int rc;

	for (i = 0; i < m->nchunks; i++) {
		MDB_val k = store_chunk_key(key, i);

		rc = mdb_del(txn, store->fpsets, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			store_set_err(err, err_size, "deleting a chunk: %s",
			    mdb_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Whether every chunk key of the run sorts after the last key of the
 * chunk database, so that they may be written with MDB_APPEND.
 */
static int
may_append(struct store *store, MDB_txn *txn, struct store_key *key)
{
	MDB_cursor *cur;
	MDB_val k, v, first = store_chunk_key(key, 0);
	int rc, ok;

	if (mdb_cursor_open(txn, store->fpsets, &cur) != 0)
		return 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	ok = rc == MDB_NOTFOUND ||
	    (rc == 0 && mdb_cmp(txn, store->fpsets, &k, &first) < 0);
	mdb_cursor_close(cur);
	return ok;
}

/*
 * Write the n sorted, distinct fingerprints of sorted as the set whose
 * meta key is key, in the caller's write transaction txn (no set may be
 * there). Returns 0 or -1.
 */
static int
fpset_write(struct store *store, MDB_txn *txn, const struct store_key *key,
    const uint8_t *sorted, size_t n, char *err, size_t err_size)
{
	struct chunkw w;
	size_t first;
	int ret = -1;

	store_chunkw_init(&w, store, txn, key, FP_LEN, 0);
	if (may_append(store, txn, &w.key))
		w.flags = MDB_APPEND;
	for (first = 0; first < n; first += w.chunk_recs) {
		size_t len = n - first < w.chunk_recs ? n - first :
		    w.chunk_recs;

		if (store_chunkw_put_chunk(&w, sorted + first * FP_LEN, len,
		    err, err_size) != 0)
			goto out;
	}
	ret = store_chunkw_finish(&w, err, err_size);
out:
	store_chunkw_free(&w);
	return ret;
}

int
store_fpset_put(struct store *store, const char *collab,
    const char *table, unsigned column, const uint8_t *fps, size_t n,
    int replace, char *err, size_t err_size)
{
	struct store_key key;
	struct store_runmeta old;
	uint8_t *sorted = NULL;
	MDB_txn *txn = NULL;
	int rc, ret = -1;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	if (n > 0 && fps == NULL) {
		store_set_err(err, err_size, "no fingerprints given");
		return -1;
	}
	if (n > SIZE_MAX / FP_LEN || (n > 0 &&
	    (n - 1) / store->chunk_fps + 1 > UINT32_MAX)) {
		store_set_err(err, err_size, "too many fingerprints");
		return -1;
	}
	if (n > 0) {
		sorted = malloc(n * FP_LEN);
		if (sorted == NULL || fpsort(sorted, fps, n,
		    SORT_THREADS) != 0) {
			store_set_err(err, err_size, "out of memory sorting "
			    "%zu fingerprints", n);
			goto out;
		}
		n = fpsort_dedup(sorted, n);
	}

	if (store_write_begin(store, &txn, err, err_size) != 0)
		goto out;
	rc = store_read_runmeta(store, txn, &key, TAG_SET, table, column,
	    &old, err, err_size);
	if (rc == STORE_OK) {
		if (!replace) {
			store_set_err(err, err_size, "table \"%s\" column %u "
			    "already has a fingerprint set", table, column);
			ret = STORE_EXISTS;
			goto out;
		}
		if (delete_chunks(store, txn, &key, &old, err, err_size) != 0)
			goto out;
	} else if (rc != STORE_NOTFOUND)
		goto out;
	if (fpset_write(store, txn, &key, sorted, n, err, err_size) != 0)
		goto out;
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
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
	struct store_key key;
	struct store_runmeta old;
	MDB_txn *txn = NULL;
	MDB_val k;
	int rc, ret = -1;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	if (store_write_begin(store, &txn, err, err_size) != 0)
		goto out;
	rc = store_read_runmeta(store, txn, &key, TAG_SET, table, column,
	    &old, err, err_size);
	if (rc != STORE_OK) {
		ret = rc;
		goto out;
	}
	if (delete_chunks(store, txn, &key, &old, err, err_size) != 0)
		goto out;
	k = meta_key(&key);
	if ((rc = mdb_del(txn, store->meta, &k, NULL)) != 0) {
		store_set_err(err, err_size, "deleting the set of table "
		    "\"%s\": %s", table, mdb_strerror(rc));
		goto out;
	}
	if (store_write_commit(&txn, err, err_size) != 0)
		goto out;
	ret = STORE_OK;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_read_txn(struct store *store, MDB_txn **txn, char *err,
    size_t err_size)
{
	int rc;

	if ((rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, txn)) != 0) {
		*txn = NULL;
		store_set_err(err, err_size, "beginning a read: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_write_begin(struct store *store, MDB_txn **txn, char *err,
    size_t err_size)
{
	int rc;

	if ((rc = mdb_txn_begin(store->env, NULL, 0, txn)) != 0) {
		*txn = NULL;
		store_set_err(err, err_size, "beginning a write: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_write_commit(MDB_txn **txn, char *err, size_t err_size)
{
	int rc = mdb_txn_commit(*txn);

	*txn = NULL;
	if (rc != 0) {
		store_set_err(err, err_size, "committing: %s",
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_read_begin(struct store *store, struct store_read **out, char *err,
    size_t err_size)
{
	struct store_read *rd;

	*out = NULL;
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	rd->store = store;
	if (store_read_txn(store, &rd->txn, err, err_size) != 0) {
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
	struct store_key key;
	struct store_runmeta m;
	int rc;

	if (store_key_index(&key, collab, table, TAG_SET, column, err,
	    err_size) != 0)
		return -1;
	rc = store_read_runmeta(rd->store, rd->txn, &key, TAG_SET, table,
	    column, &m, err, err_size);
	if (rc == STORE_OK)
		*n = m.count;
	return rc;
}

int
store_read_count(struct store_read *rd, const char *collab,
    const struct store_setref *sets, size_t nsets, unsigned threads,
    uint64_t *count, char *err, size_t err_size)
{
	struct store_key keys[STORE_MAX_SETS];
	struct store_runmeta metas[STORE_MAX_SETS];
	struct count_set views[STORE_MAX_SETS];
	const uint8_t **ptrs = NULL;
	size_t i, total = 0;
	int rc, ret = -1;

	if (nsets < 2 || nsets > STORE_MAX_SETS) {
		store_set_err(err, err_size, "a count takes 2 to %d sets",
		    STORE_MAX_SETS);
		return -1;
	}
	for (i = 0; i < nsets; i++) {
		if (store_key_index(&keys[i], collab, sets[i].table, TAG_SET,
		    sets[i].column, err, err_size) != 0)
			return -1;
		rc = store_read_runmeta(rd->store, rd->txn, &keys[i], TAG_SET,
		    sets[i].table, sets[i].column, &metas[i], err, err_size);
		if (rc != STORE_OK)
			return rc;
		total += metas[i].nchunks;
	}
	ptrs = calloc(total > 0 ? total : 1, sizeof(*ptrs));
	if (ptrs == NULL) {
		store_set_err(err, err_size, "out of memory");
		goto out;
	}
	for (total = 0, i = 0; i < nsets; i++) {
		size_t rec = FP_LEN;

		/* A set without repeats may be its join index (store_int.h). */
		if (metas[i].flags & RUNMETA_SET_IS_JOIN) {
			if (store_key_index(&keys[i], collab, sets[i].table,
			    TAG_JOIN, sets[i].column, err, err_size) != 0)
				goto out;
			rec = PAIR_LEN;
		}
		if (store_load_run(rd->store, rd->txn, &keys[i], &metas[i],
		    rec, ptrs + total, err, err_size) != 0)
			goto out;
		views[i].rec = rec;
		views[i].chunks = ptrs + total;
		views[i].nchunks = metas[i].nchunks;
		views[i].chunk_fps = metas[i].chunk_recs;
		views[i].n = metas[i].count;
		total += metas[i].nchunks;
	}
	if (count_intersection(views, nsets, threads, count) != 0) {
		store_set_err(err, err_size, "counting: %s", strerror(errno));
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
