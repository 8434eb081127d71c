/* SPDX-License-Identifier: Apache-2.0 */
/*
 * h_upload.c: a table upload, streamed: UploadBegin (checks the member,
 * the schema against the settings, and whether the table may be made or
 * replaced), UploadChunk... (every cell checked against its column and
 * the settings, rows and fingerprints staged by storage in temporary
 * files), UploadCommit (one transaction: the table appears whole, or
 * nothing changes) or UploadAbort.
 *
 * A chunk is answered only when refused: the first bad cell ends the
 * upload with an INVALID_TABLE error naming its row (1-based, over the
 * whole upload) and column; later chunks are dropped unanswered, and the
 * commit that ends them gets the same error again.
 *
 * Per chunk the work is batched: one pass over the packed cells, the
 * rows appended to storage in one call, each fingerprint column's
 * (fingerprint, row) pairs in one call; buffers grow once and are
 * reused.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "conn.h"
#include "dispatch.h"
#include "frame.h"
#include "log.h"
#include "policy.h"
#include "rowfmt.h"
#include "server.h"
#include "store.h"

#define FP_CELL_PREFIX "02:hmac:"
#define FP_CELL_LEN 52			/* prefix + 44 Base64 characters */
#define SEALED_PREFIX "02:enc:"
#define SEALED_MIN_BYTES 63		/* nonce, IV, info, pad length, tag */
#define CELL_MAX 16383			/* C3R's longest cell */

struct upload {
	struct store_upload *st;
	char collab[STORE_COLLAB_LEN + 1];
	Psid__TableInfo *info;		/* owner, columns, rule: the meta */
	int *fp_of;			/* per column: its set, or -1 */
	unsigned nfp;
	bool preserve_nulls;
	bool replace;
	uint64_t rows;
	struct timespec began;		/* for the log line at commit */
	bool failed;			/* refused: drop chunks until commit */
	Psid__Error error;		/* why, for the commit's reply */
	char message[512];
	char column[256];
	/* Per-chunk scratch, grown once. */
	uint8_t *rowbuf;
	size_t rowcap;
	uint8_t (*fps)[32];		/* nfp x fpcap */
	uint64_t *rowids;		/* nfp x fpcap */
	size_t fpcap;
	uint8_t *sealed;		/* a decoded sealed cell */
};

void
upload_free(struct upload *up)
{
	if (up == NULL)
		return;
	store_upload_abort(up->st);
	if (up->info != NULL)
		psid__table_info__free_unpacked(up->info, NULL);
	free(up->fp_of);
	free(up->rowbuf);
	free(up->fps);
	free(up->rowids);
	free(up->sealed);
	free(up);
}

/* A copy of the begin message's table as meta (via pack and unpack). */
static Psid__TableInfo *
table_info_new(const Psid__UploadBegin *b, const char *owner)
{
	Psid__TableInfo info = PSID__TABLE_INFO__INIT;
	Psid__TableInfo *copy;
	uint8_t *buf;
	size_t len;

	info.name = b->table;
	info.owner = (char *)owner;
	info.columns = b->columns;
	info.n_columns = b->n_columns;
	info.rule = b->rule;
	len = psid__table_info__get_packed_size(&info);
	if ((buf = malloc(len)) == NULL)
		return NULL;
	psid__table_info__pack(&info, buf);
	copy = psid__table_info__unpack(NULL, len, buf);
	free(buf);
	return copy;
}

/* Fail the upload: reply, remember the error, drop what is staged. */
static void __attribute__((format(printf, 5, 6)))
upload_refuse(const struct request *rq, struct upload *up,
    Psid__ErrorCode code, uint64_t row, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(up->message, sizeof(up->message), fmt, ap);
	va_end(ap);
	psid__error__init(&up->error);
	up->error.code = code;
	up->error.message = up->message;
	up->error.row = row;
	up->error.column = up->column;
	up->failed = true;
	store_upload_abort(up->st);
	up->st = NULL;
	reply_error_msg(rq, &up->error);
}

static bool
upload_begin_check(const struct request *rq, const struct collab_view *v,
    const Psid__UploadBegin *b)
{
	const Psid__Settings *s = v->collab->settings;
	void *meta;
	size_t len, i;
	char err[256];
	Psid__TableInfo *old;
	int rc;

	for (i = 0; i < b->n_columns; i++)
		if (b->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT &&
		    (s == NULL || !s->allow_cleartext)) {
			reply_invalid(rq, 0, b->columns[i]->name,
			    "column %s is cleartext, which collaboration %s "
			    "does not allow", b->columns[i]->name, v->id);
			return false;
		}
	for (i = 0; i < b->rule->n_list_columns; i++) {
		size_t j;

		for (j = 0; j < b->n_columns; j++)
			if (strcmp(b->columns[j]->name,
			    b->rule->list_columns[i]) == 0)
				break;
		if (j == b->n_columns) {
			reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
			    "the rule lists column %s, which the table lacks",
			    b->rule->list_columns[i]);
			return false;
		}
	}
	rc = store_table_get(rq->srv->store, v->id, b->table, &meta, &len,
	    err, sizeof(err));
	if (rc == STORE_NOTFOUND)
		return true;
	if (rc != STORE_OK) {
		log_warnx("%s/%s: %s", v->id, b->table, err);
		reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "table %s cannot be read", b->table);
		return false;
	}
	old = psid__table_info__unpack(NULL, len, meta);
	free(meta);
	if (!b->replace) {
		reply_error(rq, PSID__ERROR_CODE__CONFLICT,
		    "table %s exists (replace it to overwrite)", b->table);
		rc = -1;
	} else if (old == NULL || strcmp(old->owner, rq->identity) != 0) {
		reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
		    "table %s belongs to %s; only its owner may replace it",
		    b->table, old != NULL ? old->owner : "another member");
		rc = -1;
	}
	if (old != NULL)
		psid__table_info__free_unpacked(old, NULL);
	return rc != -1;
}

void
handle_upload_begin(const struct request *rq)
{
	const Psid__UploadBegin *b = rq->msg->upload_begin;
	struct upload **slot = conn_upload(rq->conn), *up;
	Psid__Response resp = PSID__RESPONSE__INIT;
	struct collab_view v;
	char err[256];
	size_t i;
	int rc;

	if (*slot != NULL) {
		reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "an upload is already in progress on this connection");
		return;
	}
	if (policy_collab(rq, b->collaboration_id, ABILITY_UPLOAD, &v) != 0)
		return;
	if (!upload_begin_check(rq, &v, b))
		goto out;
	if ((up = calloc(1, sizeof(*up))) == NULL ||
	    (up->fp_of = calloc(b->n_columns, sizeof(int))) == NULL ||
	    (up->info = table_info_new(b, rq->identity)) == NULL) {
		upload_free(up);
		reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE, "out of memory");
		goto out;
	}
	for (i = 0; i < b->n_columns; i++)
		up->fp_of[i] = b->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT ? (int)up->nfp++ : -1;
	if (up->nfp > STORE_UPLOAD_MAX_FPCOLS) {
		upload_free(up);
		reply_error(rq, PSID__ERROR_CODE__TOO_LARGE,
		    "a table has at most %d fingerprint columns",
		    STORE_UPLOAD_MAX_FPCOLS);
		goto out;
	}
	memcpy(up->collab, v.id, sizeof(up->collab));
	up->preserve_nulls = v.collab->settings != NULL &&
	    v.collab->settings->preserve_nulls;
	up->replace = b->replace;
	rc = store_upload_begin(rq->srv->store, v.id, b->table, up->nfp,
	    rq->srv->tmp_dir, &up->st, err, sizeof(err));
	if (rc != STORE_OK) {
		log_warnx("%s/%s: upload: %s", v.id, b->table, err);
		upload_free(up);
		reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the upload cannot be staged");
		goto out;
	}
	store_upload_refuse_duplicates(up->st, v.collab->settings == NULL ||
	    !v.collab->settings->allow_duplicates);
	clock_gettime(CLOCK_MONOTONIC, &up->began);
	*slot = up;
	log_debug("%s/%s: upload by %s begins", v.id, b->table,
	    rq->identity);
	reply(rq, &resp);
out:
	policy_collab_free(&v);
}

/* Grow the per-chunk scratch for a chunk of len bytes and nrows rows. */
static bool
upload_scratch(struct upload *up, size_t len, size_t nrows)
{
	size_t need = len + 4 * nrows;
	void *p;

	if (need > up->rowcap) {
		if ((p = realloc(up->rowbuf, need)) == NULL)
			return false;
		up->rowbuf = p;
		up->rowcap = need;
	}
	if (up->nfp > 0 && nrows > up->fpcap) {
		free(up->fps);
		free(up->rowids);
		up->fps = malloc(up->nfp * nrows * 32);
		up->rowids = malloc(up->nfp * nrows * sizeof(uint64_t));
		up->fpcap = up->fps != NULL && up->rowids != NULL ? nrows : 0;
		if (up->fpcap == 0)
			return false;
	}
	if (up->sealed == NULL && (up->sealed = malloc(CELL_MAX)) == NULL)
		return false;
	return true;
}

/*
 * Check one cell of column col. On success returns NULL (and for a
 * fingerprint, its 32 bytes in fp; *has_fp false for a NULL), else what
 * is wrong.
 */
static const char *
upload_check_cell(struct upload *up, size_t col, const uint8_t *cell,
    uint32_t len, uint8_t fp[32], bool *has_fp)
{
	Psid__ColumnType type = up->info->columns[col]->type;
	int n;

	*has_fp = false;
	if (cell == NULL) {
		if (type == PSID__COLUMN_TYPE__COLUMN_CLEARTEXT ||
		    up->preserve_nulls)
			return NULL;
		return "a NULL cell in an encrypted column, where the "
		    "collaboration does not preserve NULLs";
	}
	switch (type) {
	case PSID__COLUMN_TYPE__COLUMN_FINGERPRINT:
		if (len != FP_CELL_LEN || memcmp(cell, FP_CELL_PREFIX, 8) != 0)
			return "not a fingerprint cell (02:hmac: and 44 "
			    "Base64 characters)";
		/* 44 characters decode to 33 bytes, the last from '='. */
		if (cell[FP_CELL_LEN - 1] != '=' ||
		    cell[FP_CELL_LEN - 2] == '=')
			return "a fingerprint that is not 32 bytes";
		{
			uint8_t out[33];

			n = EVP_DecodeBlock(out, cell + 8, 44);
			if (n != 33)
				return "a fingerprint with bad Base64";
			memcpy(fp, out, 32);
		}
		*has_fp = true;
		return NULL;
	case PSID__COLUMN_TYPE__COLUMN_SEALED:
		if (len < 7 + 4 || memcmp(cell, SEALED_PREFIX, 7) != 0)
			return "not a sealed cell (02:enc:)";
		if (len > CELL_MAX || (len - 7) % 4 != 0)
			return "a sealed cell of a bad length";
		n = EVP_DecodeBlock(up->sealed, cell + 7, (int)(len - 7));
		/* The count includes a zero byte per '=' of padding. */
		n -= (cell[len - 1] == '=') + (cell[len - 2] == '=');
		if (n < SEALED_MIN_BYTES)
			return "a sealed cell with bad Base64, or too short";
		return NULL;
	default:
		return NULL;
	}
}

void
handle_upload_chunk(const struct request *rq)
{
	const Psid__UploadChunk *ch = rq->msg->upload_chunk;
	struct upload *up = *conn_upload(rq->conn);
	struct cells_reader rd;
	const uint8_t *cell, *cell_start;
	size_t ncols, col, nout = 0, *nfp_rows = NULL;
	uint8_t *w;
	uint32_t len;
	uint64_t r, rowid;
	const char *why;
	bool has_fp;
	char err[256];
	unsigned f;

	if (up == NULL) {
		reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "an upload chunk, but no upload is in progress");
		return;
	}
	if (up->failed)
		return;		/* refused already: drop it */
	ncols = up->info->n_columns;
	if (!cells_well_formed(ch->cells.data, ch->cells.len, ch->rows, ncols,
	    CELL_MAX)) {
		snprintf(up->column, sizeof(up->column), "%s", "");
		upload_refuse(rq, up, PSID__ERROR_CODE__BAD_REQUEST,
		    up->rows + 1, "a chunk of %u rows does not hold %zu cells "
		    "per row", ch->rows, ncols);
		return;
	}
	if (!upload_scratch(up, ch->cells.len, ch->rows) || (up->nfp > 0 &&
	    (nfp_rows = calloc(up->nfp, sizeof(size_t))) == NULL)) {
		snprintf(up->column, sizeof(up->column), "%s", "");
		upload_refuse(rq, up, PSID__ERROR_CODE__UNAVAILABLE, 0,
		    "out of memory");
		return;
	}
	cells_reader_init(&rd, ch->cells.data, ch->cells.len);
	w = up->rowbuf;
	for (r = 0; r < ch->rows; r++) {
		uint8_t *row = w + 4, *rw = row;

		rowid = up->rows + r;
		for (col = 0; col < ncols; col++) {
			int fpcol = up->fp_of[col];
			uint8_t *fp = fpcol >= 0 ? up->fps[(size_t)fpcol *
			    up->fpcap + nfp_rows[fpcol]] : NULL;
			uint8_t scratch[32];

			cell_start = rd.p;
			(void)cells_next(&rd, &cell, &len);
			why = upload_check_cell(up, col, cell, len,
			    fp != NULL ? fp : scratch, &has_fp);
			if (why != NULL) {
				snprintf(up->column, sizeof(up->column), "%s",
				    up->info->columns[col]->name);
				/* Row and column travel in their fields. */
				upload_refuse(rq, up,
				    PSID__ERROR_CODE__INVALID_TABLE, rowid + 1,
				    "%s", why);
				goto out;
			}
			/* The row as stored (rowfmt.h): fingerprints binary. */
			if (has_fp) {
				rw += row_put_fp(rw, fp);
				up->rowids[(size_t)fpcol * up->fpcap +
				    nfp_rows[fpcol]++] = rowid;
			} else {
				memcpy(rw, cell_start, (size_t)(rd.p -
				    cell_start));
				rw += rd.p - cell_start;
			}
		}
		frame_put_header(w, (uint32_t)(rw - row));
		w = rw;
		nout++;
	}
	if (store_upload_rows(up->st, up->rowbuf, (size_t)(w - up->rowbuf),
	    nout, err, sizeof(err)) != STORE_OK)
		goto io_error;
	for (f = 0; f < up->nfp; f++)
		if (nfp_rows[f] > 0 && store_upload_fingerprints(up->st, f,
		    (const uint8_t (*)[32])up->fps[(size_t)f * up->fpcap],
		    up->rowids + (size_t)f * up->fpcap, nfp_rows[f], err,
		    sizeof(err)) != STORE_OK)
			goto io_error;
	up->rows += nout;
	goto out;
io_error:
	log_warnx("%s/%s: upload: %s", up->collab, up->info->name, err);
	up->column[0] = '\0';
	upload_refuse(rq, up, PSID__ERROR_CODE__UNAVAILABLE, 0,
	    "the upload could not be staged (storage full?)");
out:
	free(nfp_rows);
}

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
handle_upload_commit(const struct request *rq)
{
	struct upload **slot = conn_upload(rq->conn), *up = *slot;
	Psid__Response resp = PSID__RESPONSE__INIT;
	struct store_dup dup = { 0, 0 };
	struct timespec t0, t1;
	uint8_t abuf[AUDIT_ENTRY_MAX];
	char detail[512];
	size_t alen;
	uint8_t *meta = NULL;
	size_t len;
	char err[256];
	int rc;

	if (up == NULL) {
		reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "a commit, but no upload is in progress");
		return;
	}
	*slot = NULL;
	if (up->failed) {
		reply_error_msg(rq, &up->error);
		goto out;
	}
	if (rq->msg->upload_commit->rows != up->rows) {
		reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "the commit counts %llu rows, psid received %llu",
		    (unsigned long long)rq->msg->upload_commit->rows,
		    (unsigned long long)up->rows);
		goto out;
	}
	up->info->rows = up->rows;
	up->info->created_unix = (uint64_t)time(NULL);
	len = psid__table_info__get_packed_size(up->info);
	if ((meta = malloc(len)) == NULL) {
		reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE, "out of memory");
		goto out;
	}
	psid__table_info__pack(up->info, meta);
	/* Its audit entry goes in with the table, in one transaction. */
	snprintf(detail, sizeof(detail), "table %s: %llu rows%s",
	    up->info->name, (unsigned long long)up->rows,
	    up->replace ? " (replace)" : "");
	if ((alen = audit_pack(rq, "upload", detail, abuf,
	    sizeof(abuf))) == 0 || store_upload_audit(up->st, abuf, alen, err,
	    sizeof(err)) != STORE_OK) {
		reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the upload cannot be audited");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_upload_commit(up->st, meta, len, up->replace, err,
	    sizeof(err));
	switch (rc) {
	case STORE_OK:
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("%s/%s: %llu rows received in %.2f s, committed in "
		    "%.2f s", up->collab, up->info->name,
		    (unsigned long long)up->rows, seconds(&up->began, &t0),
		    seconds(&t0, &t1));
		atomic_fetch_add(&rq->srv->stats.uploads, 1);
		audit_log(rq, up->collab, "upload", detail);
		resp.body_case = PSID__RESPONSE__BODY_TABLE;
		resp.table = up->info;
		reply(rq, &resp);
		break;
	case STORE_EXISTS:
		reply_error(rq, PSID__ERROR_CODE__CONFLICT,
		    "table %s exists (replace it to overwrite)",
		    up->info->name);
		break;
	case STORE_NOTFOUND:
		reply_error(rq, PSID__ERROR_CODE__NOT_FOUND,
		    "no collaboration %s", up->collab);
		break;
	case STORE_DUPLICATE: {
		const char *name = "";
		size_t i;

		if (store_upload_duplicate(up->st, &dup) == STORE_OK)
			for (i = 0; i < up->info->n_columns; i++)
				if (up->fp_of[i] == (int)dup.column)
					name = up->info->columns[i]->name;
		reply_invalid(rq, dup.row + 1, name, "a fingerprint repeated, "
		    "where the collaboration does not allow duplicates");
		break;
	}
	default:
		log_warnx("%s/%s: commit: %s", up->collab, up->info->name,
		    err);
		reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the table could not be stored (storage full?)");
		break;
	}
out:
	free(meta);
	upload_free(up);
}

void
handle_upload_abort(const struct request *rq)
{
	struct upload **slot = conn_upload(rq->conn);
	Psid__Response resp = PSID__RESPONSE__INIT;

	upload_free(*slot);
	*slot = NULL;
	reply(rq, &resp);
}
