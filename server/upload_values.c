/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_values.c: an upload's dictionary and decimal columns, made cell
 * by cell (see upload_values.h and valcol.h). A dictionary is an open
 * addressing hash table of codes over an arena of the values' bytes,
 * hashed with a seed drawn per upload so that no uploader can aim
 * collisions at it.
 */
#include "config.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "upload_values.h"
#include "valcol.h"
#include "xmalloc.h"

#define NO_CODE UINT32_MAX

struct dict {
	uint32_t *slots;	/* code + 1, 0: empty */
	uint64_t *hashes;	/* per code */
	size_t nslots;		/* a power of 2 */
	uint32_t n;
	uint32_t *offsets;	/* n + 1 */
	uint8_t *bytes;
	size_t nbytes, cap_bytes, cap_codes;
};

struct vcolumn {
	size_t col;
	const char *name;
	bool codes, decimal;
	struct dict dict;
	struct decimal_column dec;
	uint32_t *code_buf;		/* this chunk's records */
	struct store_scaled *dec_buf;
	size_t nbuf, capbuf;
};

struct upload_values {
	struct vcolumn *cols;
	size_t ncols;
	int16_t *of;			/* per table column: index in cols or -1 */
	size_t ntable_cols;
	uint64_t seed;
	char why[256];
};

static uint64_t
hash_bytes(uint64_t seed, const uint8_t *p, size_t len)
{
	uint64_t h = seed ^ (len * UINT64_C(0x9e3779b97f4a7c15)), w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 32;
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 29;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 32);
}

struct upload_values *
upload_values_new(const Psid__TableInfo *info)
{
	struct upload_values *uv;
	const Psid__Column *c;
	struct vcolumn *v;
	size_t i;

	uv = xcalloc(1, sizeof(*uv));
	uv->ntable_cols = info->n_columns;
	uv->of = xcalloc(info->n_columns > 0 ? info->n_columns : 1,
	    sizeof(*uv->of));
	uv->cols = xcalloc(info->n_columns > 0 ? info->n_columns : 1,
	    sizeof(*uv->cols));
	for (i = 0; i < info->n_columns; i++) {
		c = info->columns[i];
		uv->of[i] = -1;
		if (c->type != PSID__COLUMN_TYPE__COLUMN_CLEARTEXT ||
		    i >= VALCOL_MAX_COLUMNS)
			continue;
		v = &uv->cols[uv->ncols];
		v->codes = valcol_wants_codes(info->rule, c->name);
		v->decimal = valcol_wants_decimal(info->rule, c->name);
		if (!v->codes && !v->decimal)
			continue;
		v->col = i;
		v->name = c->name;
		decimal_column_init(&v->dec);
		uv->of[i] = (int16_t)uv->ncols++;
	}
	if (uv->ncols == 0) {
		upload_values_free(uv);
		return NULL;
	}
	if (RAND_bytes((unsigned char *)&uv->seed, sizeof(uv->seed)) != 1)
		uv->seed = (uint64_t)(uintptr_t)uv * UINT64_C(0x9e3779b97f4a7c15);
	return uv;
}

void
upload_values_free(struct upload_values *uv)
{
	size_t i;

	if (uv == NULL)
		return;
	for (i = 0; i < uv->ncols; i++) {
		free(uv->cols[i].dict.slots);
		free(uv->cols[i].dict.hashes);
		free(uv->cols[i].dict.offsets);
		free(uv->cols[i].dict.bytes);
		free(uv->cols[i].code_buf);
		free(uv->cols[i].dec_buf);
	}
	free(uv->cols);
	free(uv->of);
	free(uv);
}

/* Double d's table (or make its first), placing every code again. */
static void
dict_grow(struct dict *d)
{
	size_t n = d->nslots == 0 ? 64 : d->nslots * 2, i, s;

	free(d->slots);
	d->slots = xcalloc(n, sizeof(*d->slots));
	d->nslots = n;
	for (i = 0; i < d->n; i++) {
		for (s = d->hashes[i] & (n - 1); d->slots[s] != 0;
		    s = (s + 1) & (n - 1))
			;
		d->slots[s] = (uint32_t)i + 1;
	}
}

/* Append value p[0..len) with hash h to d as code d->n. */
static void
dict_append(struct dict *d, const uint8_t *p, size_t len, uint64_t h)
{
	if (d->n + 2 > d->cap_codes) {
		d->cap_codes = d->cap_codes == 0 ? 64 : d->cap_codes * 2;
		d->hashes = xrealloc(d->hashes, d->cap_codes *
		    sizeof(*d->hashes));
		d->offsets = xrealloc(d->offsets, d->cap_codes *
		    sizeof(*d->offsets));
		d->offsets[0] = 0;
	}
	if (d->nbytes + len > d->cap_bytes) {
		while (d->nbytes + len > d->cap_bytes)
			d->cap_bytes = d->cap_bytes == 0 ? 4096 :
			    d->cap_bytes * 2;
		d->bytes = xrealloc(d->bytes, d->cap_bytes);
	}
	if (len > 0)
		memcpy(d->bytes + d->nbytes, p, len);
	d->nbytes += len;
	d->hashes[d->n] = h;
	d->offsets[++d->n] = (uint32_t)d->nbytes;
}

/* The code of value p[0..len) in d, added if new; NO_CODE when full. */
static uint32_t
dict_code(struct dict *d, uint64_t seed, const uint8_t *p, size_t len)
{
	uint64_t h = hash_bytes(seed, p, len);
	size_t s;
	uint32_t c;

	if (d->nslots == 0)
		dict_grow(d);
	for (s = h & (d->nslots - 1); (c = d->slots[s]) != 0;
	    s = (s + 1) & (d->nslots - 1)) {
		c--;
		if (d->hashes[c] == h && d->offsets[c + 1] - d->offsets[c] ==
		    len && memcmp(d->bytes + d->offsets[c], p, len) == 0)
			return c;
	}
	if (d->n >= VALCOL_DICT_MAX_VALUES ||
	    d->nbytes + len > VALCOL_DICT_MAX_BYTES)
		return NO_CODE;
	c = d->n;
	dict_append(d, p, len, h);
	d->slots[s] = c + 1;
	if ((size_t)d->n * 2 > d->nslots)
		dict_grow(d);
	return c;
}

/* The next record of v for a decimal cell; NULL or why it is refused. */
static const char *
decimal_cell(struct upload_values *uv, struct vcolumn *v,
    const uint8_t *cell, uint32_t len, struct store_scaled *out)
{
	struct decimal d;
	size_t at = 0;
	int rc;

	if (cell == NULL) {
		out->unscaled = STORE_VALUE_NULL64;
		out->scale = 0;
		return NULL;
	}
	rc = decimal_parse((const char *)cell, len, &d, &at);
	if (rc == DECIMAL_OK)
		rc = decimal_column_add(&v->dec, &d);
	if (rc != DECIMAL_OK) {
		snprintf(uv->why, sizeof(uv->why), "column %s is summed, and "
		    "this cell is not a number it can hold (%s, at character "
		    "%zu)", v->name, decimal_strerror(rc), at + 1);
		return uv->why;
	}
	out->unscaled = d.unscaled;
	out->scale = d.scale;
	return NULL;
}

const char *
upload_values_cell(struct upload_values *uv, size_t col,
    const uint8_t *cell, uint32_t len)
{
	struct vcolumn *v;
	uint32_t code = STORE_VALUE_NULL32;
	const char *why;

	if (col >= uv->ntable_cols || uv->of[col] < 0)
		return NULL;
	v = &uv->cols[uv->of[col]];
	if (v->nbuf == v->capbuf) {
		v->capbuf = v->capbuf == 0 ? 1024 : v->capbuf * 2;
		if (v->codes)
			v->code_buf = xrealloc(v->code_buf, v->capbuf *
			    sizeof(*v->code_buf));
		if (v->decimal)
			v->dec_buf = xrealloc(v->dec_buf, v->capbuf *
			    sizeof(*v->dec_buf));
	}
	if (v->decimal && (why = decimal_cell(uv, v, cell, len,
	    &v->dec_buf[v->nbuf])) != NULL)
		return why;
	if (v->codes && cell != NULL &&
	    (code = dict_code(&v->dict, uv->seed, cell, len)) == NO_CODE) {
		snprintf(uv->why, sizeof(uv->why), "column %s has over %u "
		    "distinct values (or %u MiB of them), more than a "
		    "dimension may", v->name, VALCOL_DICT_MAX_VALUES,
		    VALCOL_DICT_MAX_BYTES >> 20);
		return uv->why;
	}
	if (v->codes)
		v->code_buf[v->nbuf] = code;
	v->nbuf++;
	return NULL;
}

int
upload_values_flush(struct upload_values *uv, struct store_upload *st,
    char *err, size_t err_size)
{
	struct vcolumn *v;
	size_t i;

	for (i = 0; i < uv->ncols; i++) {
		v = &uv->cols[i];
		if (v->codes && store_upload_values(st, VALCOL_CODES(v->col),
		    v->code_buf, 4, v->nbuf, err, err_size) != STORE_OK)
			return -1;
		if (v->decimal && store_upload_scaled(st,
		    VALCOL_DECIMAL(v->col), v->dec_buf, v->nbuf, err,
		    err_size) != STORE_OK)
			return -1;
		v->nbuf = 0;
	}
	return STORE_OK;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The dictionary blob of d (valcol.h), to free. */
static uint8_t *
dict_blob(const struct dict *d, size_t *len)
{
	size_t i, head = 4 + 4 * ((size_t)d->n + 1);
	uint8_t *b;

	*len = head + d->nbytes;
	b = xmalloc(*len);
	put_le32(b, d->n);
	for (i = 0; i <= d->n; i++)
		put_le32(b + 4 + 4 * i, i == 0 ? 0 : d->offsets[i]);
	if (d->nbytes > 0)
		memcpy(b + head, d->bytes, d->nbytes);
	return b;
}

int
upload_values_finish(struct upload_values *uv, struct store_upload *st,
    char *err, size_t err_size)
{
	struct vcolumn *v;
	uint8_t *blob, scale[4];
	size_t i, len;
	int rc;

	if (upload_values_flush(uv, st, err, err_size) != STORE_OK)
		return -1;
	for (i = 0; i < uv->ncols; i++) {
		v = &uv->cols[i];
		if (v->codes) {
			/* Staged even for no rows, so that the column exists. */
			if (store_upload_values(st, VALCOL_CODES(v->col), NULL,
			    4, 0, err, err_size) != STORE_OK)
				return -1;
			blob = dict_blob(&v->dict, &len);
			rc = store_upload_values_blob(st, VALCOL_CODES(v->col),
			    blob, len, err, err_size);
			free(blob);
			if (rc != STORE_OK)
				return -1;
		}
		if (v->decimal) {
			put_le32(scale, (uint32_t)v->dec.scale);
			if (store_upload_scaled(st, VALCOL_DECIMAL(v->col),
			    NULL, 0, err, err_size) != STORE_OK ||
			    store_upload_values_scale(st,
			    VALCOL_DECIMAL(v->col), (unsigned)v->dec.scale, err,
			    err_size) != 0 ||
			    store_upload_values_blob(st, VALCOL_DECIMAL(v->col),
			    scale, 4, err, err_size) != STORE_OK)
				return -1;
		}
	}
	return STORE_OK;
}
