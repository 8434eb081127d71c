/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runs.c: chunked runs, the storage shape of fingerprint sets and join
 * indexes (see store.h): a sorted run of fixed-size records cut in chunks
 * of chunk_recs records under <meta key>/<chunk u32 BE> in db "fpsets",
 * and a meta value in db "meta" (format version, chunk size, number of
 * chunks and of records, flags; fixed width, little-endian). Here: the
 * meta read and checked, the chunks found in the map, the chunk writer
 * that puts a run (and the alias meta of a set that is its join index),
 * and the deletion of a run's chunks.
 */
#include "config.h"

#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define META_VERSION	1
#define META_LEN	24

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
	return tag == TAG_JOIN ? "join index" : tag == TAG_VALUES ?
	    "value column" : "fingerprint set";
}

int
store_read_runmeta(struct store *store, MDB_txn *txn, struct store_key *key,
    char tag, const char *table, unsigned column, struct store_runmeta *m,
    char *err, size_t err_size)
{
	MDB_val k = store_meta_key(key), v;
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
	k = store_meta_key(&w->key);
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
	MDB_val k = store_meta_key(key), v;
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
store_run_delete_chunks(struct store *store, MDB_txn *txn,
    struct store_key *key, const struct store_runmeta *m, char *err,
    size_t err_size)
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
