/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c: the storage layer's keys (see store.h for the layout): the
 * checks of a collaboration ID and a table name, the keys of a
 * collaboration, a table, a run's meta and its chunks, a row block, and
 * the big-endian numbers in them.
 */
#include "config.h"

#include <lmdb.h>
#include <string.h>

#include "store_int.h"

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

MDB_val
store_meta_key(struct store_key *key)
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

int
store_key_row(struct store_key *key, const char *collab, const char *table,
    uint64_t rowid, char *err, size_t err_size)
{
	if (store_key_table(key, collab, table, err, err_size) != 0)
		return -1;
	key->buf[key->len++] = '/';
	key->buf[key->len++] = TAG_ROW;
	key->buf[key->len++] = '/';
	store_put_be64(key->buf + key->len, rowid);
	key->len += 8;
	return 0;
}
