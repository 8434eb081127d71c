/* SPDX-License-Identifier: Apache-2.0 */
/*
 * values.c: a table's value columns (store.h): staged as they arrive in
 * row order, one unlinked file each; written at the commit as chunked
 * runs of 4- or 8-byte records (scaled integers brought to their
 * column's scale on the way) with their blobs; read back as runs that
 * point into the map, like a join index.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "upload_int.h"

#define VALUES_BUF	(256u << 10)	/* a value column's staging buffer */
#define VALUES_READ_RECS 8192		/* records read back per refill */

static const int64_t pow10_table[19] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, INT64_C(10000000000), INT64_C(100000000000),
	INT64_C(1000000000000), INT64_C(10000000000000),
	INT64_C(100000000000000), INT64_C(1000000000000000),
	INT64_C(10000000000000000), INT64_C(100000000000000000),
	INT64_C(1000000000000000000)
};

/* The staged column vcol of up, made with reclen if new; NULL on error. */
static struct staged_values *
staged(struct store_upload *up, unsigned vcol, size_t reclen, int scaled,
    char *err, size_t err_size)
{
	struct staged_values *v, *grown;
	size_t i;

	if (store_upload_check_open(up, err, err_size) != 0)
		return NULL;
	for (i = 0; i < up->nvals; i++) {
		v = &up->vals[i];
		if (v->vcol != vcol)
			continue;
		if (v->reclen != reclen || v->scaled != scaled) {
			store_set_err(err, err_size, "value column %u holds "
			    "%zu-byte records", vcol, v->reclen);
			return NULL;
		}
		return v;
	}
	if (vcol > 0xffff || (reclen != 4 && reclen != 8 && !scaled)) {
		store_set_err(err, err_size, "value column %u of %zu-byte "
		    "records", vcol, reclen);
		return NULL;
	}
	grown = realloc(up->vals, (up->nvals + 1) * sizeof(*up->vals));
	if (grown == NULL) {
		store_set_err(err, err_size, "out of memory");
		return NULL;
	}
	up->vals = grown;
	v = &up->vals[up->nvals];
	memset(v, 0, sizeof(*v));
	v->vcol = vcol;
	v->reclen = reclen;
	v->scaled = scaled;
	if (stage_open(&v->file, up->tmpdir, VALUES_BUF, err,
	    err_size) != 0)
		return NULL;
	up->nvals++;
	return v;
}

/* Stage n records of v; on an I/O error the upload fails. */
static int
stage_records(struct store_upload *up, struct staged_values *v,
    const void *recs, size_t n, char *err, size_t err_size)
{
	if (n == 0)
		return STORE_OK;
	if (recs == NULL) {
		store_set_err(err, err_size, "no values given");
		return -1;
	}
	if (stage_write(&v->file, recs, n * v->reclen, err, err_size) != 0) {
		up->state = UP_FAILED;
		return -1;
	}
	v->n += n;
	return STORE_OK;
}

int
store_upload_values(struct store_upload *up, unsigned vcol,
    const void *recs, size_t reclen, size_t n, char *err, size_t err_size)
{
	struct staged_values *v;

	if ((v = staged(up, vcol, reclen, 0, err, err_size)) == NULL)
		return -1;
	return stage_records(up, v, recs, n, err, err_size);
}

int
store_upload_scaled(struct store_upload *up, unsigned vcol,
    const struct store_scaled *vals, size_t n, char *err, size_t err_size)
{
	struct staged_values *v;
	size_t i;

	for (i = 0; i < n; i++)
		if (vals[i].scale < 0 || vals[i].scale > 18) {
			store_set_err(err, err_size, "a scale of %" PRId64,
			    vals[i].scale);
			return -1;
		}
	if ((v = staged(up, vcol, sizeof(*vals), 1, err, err_size)) == NULL)
		return -1;
	return stage_records(up, v, vals, n, err, err_size);
}

int
store_upload_values_scale(struct store_upload *up, unsigned vcol,
    unsigned scale, char *err, size_t err_size)
{
	struct staged_values *v;

	if (scale > 18) {
		store_set_err(err, err_size, "a scale of %u", scale);
		return -1;
	}
	if ((v = staged(up, vcol, sizeof(struct store_scaled), 1, err,
	    err_size)) == NULL)
		return -1;
	v->scale = scale;
	return 0;
}

int
store_upload_values_blob(struct store_upload *up, unsigned vcol,
    const void *blob, size_t len, char *err, size_t err_size)
{
	size_t i;
	void *copy;

	if (store_upload_check_open(up, err, err_size) != 0)
		return -1;
	for (i = 0; i < up->nvals && up->vals[i].vcol != vcol; i++)
		;
	if (i == up->nvals) {
		store_set_err(err, err_size, "value column %u has no records",
		    vcol);
		return -1;
	}
	if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	if (len > 0)
		memcpy(copy, blob, len);
	free(up->vals[i].blob);
	up->vals[i].blob = copy;
	up->vals[i].blob_len = len;
	return STORE_OK;
}

void
store_upload_free_values(struct store_upload *up)
{
	size_t i;

	for (i = 0; i < up->nvals; i++) {
		stage_close(&up->vals[i].file);
		free(up->vals[i].blob);
	}
	free(up->vals);
	up->vals = NULL;
	up->nvals = 0;
}

/* Bring a block of staged scaled integers to v's scale, in place. */
static void
rescale_block(const struct staged_values *v, const uint8_t *in, size_t n,
    uint8_t *out)
{
	struct store_scaled s;
	int64_t x;
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(&s, in + i * sizeof(s), sizeof(s));
		x = s.unscaled;
		if (x != STORE_VALUE_NULL64 && (unsigned)s.scale < v->scale)
			x *= pow10_table[v->scale - (unsigned)s.scale];
		memcpy(out + i * 8, &x, 8);
	}
}

/* Write one staged value column and its blob in txn. */
static int
write_column(struct store_upload *up, struct staged_values *v, MDB_txn *txn,
    uint8_t *buf, uint8_t *outbuf, char *err, size_t err_size)
{
	struct store_key key;
	struct stage_reader r;
	struct chunkw w;
	size_t outlen = v->scaled ? 8 : v->reclen, n, i;
	uint64_t done;
	MDB_val k, val;
	int rc;

	if (v->n != up->nrows) {
		store_set_err(err, err_size, "value column %u holds %" PRIu64
		    " records for %" PRIu64 " rows", v->vcol, v->n, up->nrows);
		return -1;
	}
	if (stage_flush(&v->file, err, err_size) != 0 ||
	    store_key_index(&key, up->collab, up->table, TAG_VALUES, v->vcol,
	    err, err_size) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.fd = v->file.fd;
	r.end = v->file.size;
	r.cap = VALUES_READ_RECS * v->reclen;
	r.buf = buf;
	store_chunkw_init(&w, up->store, txn, &key, outlen, 0);
	for (done = 0; done < v->n; done += n) {
		n = v->n - done < VALUES_READ_RECS ? (size_t)(v->n - done) :
		    VALUES_READ_RECS;
		if (stage_reader_read(&r, outbuf, n * v->reclen) != 0) {
			store_set_err(err, err_size, "reading value column %u "
			    "back: %s", v->vcol, strerror(errno));
			goto fail;
		}
		if (v->scaled)
			rescale_block(v, outbuf, n, outbuf);
		for (i = 0; i < n; i++)
			if (store_chunkw_add(&w, outbuf + i * outlen, err,
			    err_size) != 0)
				goto fail;
	}
	if (store_chunkw_finish(&w, err, err_size) != 0)
		goto fail;
	store_chunkw_free(&w);
	if (v->blob == NULL)
		return 0;
	key.buf[key.len - 3] = TAG_BLOB;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	val.mv_data = v->blob;
	val.mv_size = v->blob_len;
	if ((rc = mdb_put(txn, up->store->meta, &k, &val, 0)) != 0) {
		store_set_err(err, err_size, "writing the blob of value column "
		    "%u: %s", v->vcol, mdb_strerror(rc));
		return -1;
	}
	return 0;
fail:
	store_chunkw_free(&w);
	return -1;
}

int
store_upload_write_values(struct store_upload *up, MDB_txn *txn, char *err,
    size_t err_size)
{
	size_t i, cap = VALUES_READ_RECS * sizeof(struct store_scaled);
	uint8_t *buf, *outbuf;
	int ret = 0;

	if (up->nvals == 0)
		return 0;
	buf = malloc(cap);
	outbuf = malloc(cap);
	if (buf == NULL || outbuf == NULL) {
		store_set_err(err, err_size, "out of memory");
		ret = -1;
	}
	for (i = 0; ret == 0 && i < up->nvals; i++)
		ret = write_column(up, &up->vals[i], txn, buf, outbuf, err,
		    err_size);
	free(buf);
	free(outbuf);
	return ret;
}

/* Open run (tag, column) of table within rd as *out, reclen-byte records. */
static int
open_run(struct store_read *rd, const char *collab, const char *table,
    char tag, unsigned column, size_t reclen, struct store_run *out,
    struct store_key *key, char *err, size_t err_size)
{
	struct store_runmeta m;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_key_index(key, collab, table, tag, column, err,
	    err_size) != 0)
		return -1;
	rc = store_read_runmeta(rd->store, rd->txn, key, tag, table, column,
	    &m, err, err_size);
	if (rc != STORE_OK)
		return rc;
	if (reclen == 0) {
		/* A value column: its record size from its first chunk. */
		reclen = m.count == 0 ? 8 : 0;
	}
	out->chunks = calloc(m.nchunks > 0 ? m.nchunks : 1,
	    sizeof(*out->chunks));
	if (out->chunks == NULL) {
		store_set_err(err, err_size, "out of memory");
		return -1;
	}
	out->nchunks = m.nchunks;
	out->chunk_recs = m.chunk_recs;
	out->n = m.count;
	if (reclen == 0) {
		MDB_val k = store_chunk_key(key, 0), v;

		if (mdb_get(rd->txn, rd->store->fpsets, &k, &v) != 0 ||
		    m.count == 0 || v.mv_size % (m.count < m.chunk_recs ?
		    m.count : m.chunk_recs) != 0)
			goto corrupt;
		reclen = v.mv_size / (m.count < m.chunk_recs ? m.count :
		    m.chunk_recs);
		if (reclen != 4 && reclen != 8)
			goto corrupt;
	}
	out->reclen = reclen;
	if (store_load_run(rd->store, rd->txn, key, &m, reclen, out->chunks,
	    err, err_size) != STORE_OK) {
		store_run_free(out);
		return -1;
	}
	return STORE_OK;
corrupt:
	store_set_err(err, err_size, "value column %u of table \"%s\" is "
	    "corrupt", column, table);
	store_run_free(out);
	return -1;
}

int
store_read_values(struct store_read *rd, const char *collab,
    const char *table, unsigned vcol, struct store_run *out,
    const void **blob, size_t *blob_len, char *err, size_t err_size)
{
	struct store_key key;
	MDB_val k, v;
	int rc;

	if (blob != NULL)
		*blob = NULL;
	if (blob_len != NULL)
		*blob_len = 0;
	rc = open_run(rd, collab, table, TAG_VALUES, vcol, 0, out, &key, err,
	    err_size);
	if (rc != STORE_OK || blob == NULL)
		return rc;
	key.buf[key.len - 3] = TAG_BLOB;
	k.mv_data = key.buf;
	k.mv_size = key.len;
	rc = mdb_get(rd->txn, rd->store->meta, &k, &v);
	if (rc == 0) {
		*blob = v.mv_data;
		if (blob_len != NULL)
			*blob_len = v.mv_size;
	} else if (rc != MDB_NOTFOUND) {
		store_set_err(err, err_size, "reading the blob of value column "
		    "%u: %s", vcol, mdb_strerror(rc));
		store_run_free(out);
		return -1;
	}
	return STORE_OK;
}

int
store_read_join_index(struct store_read *rd, const char *collab,
    const struct store_setref *ref, struct store_run *out, char *err,
    size_t err_size)
{
	struct store_key key;

	return open_run(rd, collab, ref->table, TAG_JOIN, ref->column,
	    PAIR_LEN, out, &key, err, err_size);
}

void
store_run_free(struct store_run *run)
{
	if (run == NULL)
		return;
	free(run->chunks);
	run->chunks = NULL;
	run->nchunks = 0;
}
