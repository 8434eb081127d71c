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
 * Per chunk the work is batched: one pass over the packed cells (each
 * checked by upload_cell.h), the rows appended to storage in one call,
 * each fingerprint column's (fingerprint, row) pairs in one call;
 * buffers grow once and are reused. The upload in progress lives in the
 * connection's slot (request.h), which frees it if the connection closes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "handlers.h"
#include "log.h"
#include "policy.h"
#include "rowfmt.h"
#include "server.h"
#include "store.h"
#include "upload_cell.h"
#include "upload_rule.h"
#include "upload_values.h"
#include "xmalloc.h"

struct staged_upload {
	struct store_upload *st;
	char collab[STORE_COLLAB_LEN + 1];
	Psid__TableInfo *info;		/* owner, columns, rule: the meta */
	struct upload_values *vals;	/* or NULL: no value columns */
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
};

/* Free an upload in progress (NULL accepted): nothing of it is stored. */
static void
upload_free(struct staged_upload *up)
{
	if (up == NULL)
		return;
	store_upload_abort(up->st);
	upload_values_free(up->vals);
	if (up->info != NULL)
		psid__table_info__free_unpacked(up->info, NULL);
	free(up->fp_of);
	free(up->rowbuf);
	free(up->fps);
	free(up->rowids);
	free(up);
}

/* The slot's cleanup (request.h). */
static void
upload_cleanup(void *data)
{
	upload_free(data);
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
	buf = xmalloc(len);
	psid__table_info__pack(&info, buf);
	/* What was just packed unpacks, unless memory is short. */
	if ((copy = psid__table_info__unpack(NULL, len, buf)) == NULL)
		fatalx("out of memory (a table's meta)");
	free(buf);
	return copy;
}

/* Fail the upload: reply, remember the error, drop what is staged. */
static void __attribute__((format(printf, 5, 6)))
upload_refuse(const struct request *rq, struct staged_upload *up,
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
	rq_reply_error_msg(rq, &up->error);
}

static bool
upload_begin_check(const struct request *rq, const struct collab_view *v,
    const Psid__UploadBegin *b)
{
	const Psid__Settings *s = v->collab->settings;
	char why[256];
	void *meta;
	size_t len, i;
	char err[256];
	Psid__TableInfo *old;
	int rc;

	for (i = 0; i < b->n_columns; i++)
		if (b->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT &&
		    (s == NULL || !s->allow_cleartext)) {
			rq_reply_invalid(rq, 0, b->columns[i]->name,
			    "column %s is cleartext, which collaboration %s "
			    "does not allow", b->columns[i]->name, v->id);
			return false;
		}
	if (v->collab->require_privacy && b->rule->privacy == NULL) {
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
		    "collaboration %s requires a differential privacy policy "
		    "on every table", v->id);
		return false;
	}
	if (!upload_rule_check(b, why, sizeof(why))) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST, "%s", why);
		return false;
	}
	rc = store_table_get(rq->srv->store, v->id, b->table, &meta, &len,
	    err, sizeof(err));
	if (rc == STORE_NOTFOUND)
		return true;
	if (rc != STORE_OK) {
		log_warnx("%s/%s: %s", v->id, b->table, err);
		rq_reply_error(rq, PSID__ERROR_CODE__INTERNAL,
		    "table %s cannot be read", b->table);
		return false;
	}
	old = psid__table_info__unpack(NULL, len, meta);
	free(meta);
	if (!b->replace) {
		rq_reply_error(rq, PSID__ERROR_CODE__CONFLICT,
		    "table %s exists (replace it to overwrite)", b->table);
		rc = -1;
	} else if (old == NULL || strcmp(old->owner, rq->identity) != 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN,
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
	struct staged_upload *up;
	Psid__Response resp = PSID__RESPONSE__INIT;
	struct collab_view v;
	char err[256];
	size_t i;
	int rc;

	if (rq_slot_get(rq) != NULL) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "an upload is already in progress on this connection");
		return;
	}
	if (policy_collab(rq, b->collaboration_id, ABILITY_UPLOAD, &v) != 0)
		return;
	if (!upload_begin_check(rq, &v, b))
		goto out;
	up = xcalloc(1, sizeof(*up));
	up->fp_of = xcalloc(b->n_columns, sizeof(int));
	up->info = table_info_new(b, rq->identity);
	up->vals = upload_values_new(up->info);
	for (i = 0; i < b->n_columns; i++)
		up->fp_of[i] = b->columns[i]->type ==
		    PSID__COLUMN_TYPE__COLUMN_FINGERPRINT ? (int)up->nfp++ : -1;
	if (up->nfp > STORE_UPLOAD_MAX_FPCOLS) {
		upload_free(up);
		rq_reply_error(rq, PSID__ERROR_CODE__TOO_LARGE,
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
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the upload cannot be staged");
		goto out;
	}
	store_upload_refuse_duplicates(up->st, v.collab->settings == NULL ||
	    !v.collab->settings->allow_duplicates);
	clock_gettime(CLOCK_MONOTONIC, &up->began);
	rq_slot_set(rq, up, upload_cleanup);
	log_debug("%s/%s: upload by %s begins", v.id, b->table,
	    rq->identity);
	rq_reply(rq, &resp);
out:
	policy_collab_free(&v);
}

/* Grow the per-chunk scratch for a chunk of len bytes and nrows rows. */
static void
upload_scratch(struct staged_upload *up, size_t len, size_t nrows)
{
	size_t need = len + 4 * nrows;

	if (need > up->rowcap) {
		up->rowbuf = xrealloc(up->rowbuf, need);
		up->rowcap = need;
	}
	if (up->nfp > 0 && nrows > up->fpcap) {
		free(up->fps);
		free(up->rowids);
		up->fps = xcalloc(up->nfp * nrows, 32);
		up->rowids = xcalloc(up->nfp * nrows, sizeof(uint64_t));
		up->fpcap = nrows;
	}
}

/*
 * Check a chunk's cells and pack its rows as stored (rowfmt.h) into the
 * scratch: rows into rowbuf (*end: where they end), each fingerprint
 * column's pairs into fps and rowids (nfp_rows[f] of them). Returns
 * true, or false after refusing the upload at its first bad cell.
 */
static bool
upload_pack_rows(const struct request *rq, struct staged_upload *up,
    const Psid__UploadChunk *ch, size_t *nfp_rows, uint8_t **end)
{
	struct cells_reader rd;
	const uint8_t *cell, *cell_start;
	size_t ncols = up->info->n_columns, col;
	uint8_t *w = up->rowbuf, *row, *rw, scratch[32], *fp;
	uint32_t len, r;
	const char *why;
	bool has_fp;
	int fpcol;

	frame_cells_reader_init(&rd, ch->cells.data, ch->cells.len);
	for (r = 0; r < ch->rows; r++) {
		row = rw = w + 4;
		for (col = 0; col < ncols; col++) {
			fpcol = up->fp_of[col];
			fp = fpcol >= 0 ? up->fps[(size_t)fpcol * up->fpcap +
			    nfp_rows[fpcol]] : scratch;
			cell_start = rd.p;
			(void)frame_cells_next(&rd, &cell, &len);
			why = upload_cell_check(up->info->columns[col]->type,
			    up->preserve_nulls, cell, len, fp, &has_fp);
			if (why == NULL && up->vals != NULL)
				why = upload_values_cell(up->vals, col, cell,
				    len);
			if (why != NULL) {
				snprintf(up->column, sizeof(up->column), "%s",
				    up->info->columns[col]->name);
				/* Row and column travel in their fields. */
				upload_refuse(rq, up,
				    PSID__ERROR_CODE__INVALID_TABLE,
				    up->rows + r + 1, "%s", why);
				return false;
			}
			/* The row as stored: fingerprints binary. */
			if (has_fp) {
				rw += rowfmt_put_fp(rw, fp);
				up->rowids[(size_t)fpcol * up->fpcap +
				    nfp_rows[fpcol]++] = up->rows + r;
			} else {
				memcpy(rw, cell_start, (size_t)(rd.p -
				    cell_start));
				rw += rd.p - cell_start;
			}
		}
		frame_put_header(w, (uint32_t)(rw - row));
		w = rw;
	}
	*end = w;
	return true;
}

void
handle_upload_chunk(const struct request *rq)
{
	const Psid__UploadChunk *ch = rq->msg->upload_chunk;
	struct staged_upload *up = rq_slot_get(rq);
	size_t *nfp_rows = NULL;
	uint8_t *end;
	char err[256];
	unsigned f;

	if (up == NULL) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "an upload chunk, but no upload is in progress");
		return;
	}
	if (up->failed)
		return;		/* refused already: drop it */
	if (!frame_cells_well_formed(ch->cells.data, ch->cells.len, ch->rows,
	    up->info->n_columns, C3RCELL_MAX_LEN)) {
		snprintf(up->column, sizeof(up->column), "%s", "");
		upload_refuse(rq, up, PSID__ERROR_CODE__BAD_REQUEST,
		    up->rows + 1, "a chunk of %u rows does not hold %zu cells "
		    "per row", ch->rows, up->info->n_columns);
		return;
	}
	upload_scratch(up, ch->cells.len, ch->rows);
	nfp_rows = xcalloc(up->nfp, sizeof(size_t));
	if (!upload_pack_rows(rq, up, ch, nfp_rows, &end))
		goto out;
	if (store_upload_rows(up->st, up->rowbuf, (size_t)(end - up->rowbuf),
	    ch->rows, err, sizeof(err)) != STORE_OK)
		goto io_error;
	if (up->vals != NULL && upload_values_flush(up->vals, up->st, err,
	    sizeof(err)) != STORE_OK)
		goto io_error;
	for (f = 0; f < up->nfp; f++)
		if (nfp_rows[f] > 0 && store_upload_fingerprints(up->st, f,
		    (const uint8_t (*)[32])up->fps[(size_t)f * up->fpcap],
		    up->rowids + (size_t)f * up->fpcap, nfp_rows[f], err,
		    sizeof(err)) != STORE_OK)
			goto io_error;
	up->rows += ch->rows;
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

/* Refuse a commit that repeats a fingerprint: name its row and column. */
static void
commit_duplicate(const struct request *rq, struct staged_upload *up)
{
	struct store_dup dup = { 0, 0 };
	const char *name = "";
	size_t i;

	if (store_upload_duplicate(up->st, &dup) == STORE_OK)
		for (i = 0; i < up->info->n_columns; i++)
			if (up->fp_of[i] == (int)dup.column)
				name = up->info->columns[i]->name;
	rq_reply_invalid(rq, dup.row + 1, name, "a fingerprint repeated, "
	    "where the collaboration does not allow duplicates");
}

/* Answer a commit by what storage said (rc); t0: when it began. */
static void
commit_reply(const struct request *rq, struct staged_upload *up, int rc,
    const struct timespec *t0, const char *detail, const char *err)
{
	Psid__Response resp = PSID__RESPONSE__INIT;
	struct timespec t1;

	switch (rc) {
	case STORE_OK:
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("%s/%s: %llu rows received in %.2f s, committed in "
		    "%.2f s", up->collab, up->info->name,
		    (unsigned long long)up->rows, seconds(&up->began, t0),
		    seconds(t0, &t1));
		atomic_fetch_add(&rq->srv->stats.uploads, 1);
		rq_audit_log(rq, up->collab, "upload", detail);
		resp.body_case = PSID__RESPONSE__BODY_TABLE;
		resp.table = up->info;
		rq_reply(rq, &resp);
		break;
	case STORE_EXISTS:
		rq_reply_error(rq, PSID__ERROR_CODE__CONFLICT,
		    "table %s exists (replace it to overwrite)",
		    up->info->name);
		break;
	case STORE_NOTFOUND:
		rq_reply_error(rq, PSID__ERROR_CODE__NOT_FOUND,
		    "no collaboration %s", up->collab);
		break;
	case STORE_DUPLICATE:
		commit_duplicate(rq, up);
		break;
	default:
		log_warnx("%s/%s: commit: %s", up->collab, up->info->name,
		    err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the table could not be stored (storage full?)");
		break;
	}
}

void
handle_upload_commit(const struct request *rq)
{
	struct staged_upload *up = rq_slot_take(rq);
	struct timespec t0;
	uint8_t abuf[RQ_AUDIT_ENTRY_MAX], *meta = NULL;
	char detail[512], err[256] = "";
	size_t alen, len;
	int rc;

	if (up == NULL) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "a commit, but no upload is in progress");
		return;
	}
	if (up->failed) {
		rq_reply_error_msg(rq, &up->error);
		goto out;
	}
	if (rq->msg->upload_commit->rows != up->rows) {
		rq_reply_error(rq, PSID__ERROR_CODE__BAD_REQUEST,
		    "the commit counts %llu rows, psid received %llu",
		    (unsigned long long)rq->msg->upload_commit->rows,
		    (unsigned long long)up->rows);
		goto out;
	}
	up->info->rows = up->rows;
	up->info->created_unix = (uint64_t)time(NULL);
	len = psid__table_info__get_packed_size(up->info);
	meta = xmalloc(len);
	psid__table_info__pack(up->info, meta);
	/* Its audit entry goes in with the table, in one transaction. */
	snprintf(detail, sizeof(detail), "table %s: %llu rows%s",
	    up->info->name, (unsigned long long)up->rows,
	    up->replace ? " (replace)" : "");
	if ((alen = rq_audit_pack(rq, "upload", detail, abuf,
	    sizeof(abuf))) == 0 || store_upload_audit(up->st, abuf, alen, err,
	    sizeof(err)) != STORE_OK) {
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the upload cannot be audited");
		goto out;
	}
	if (up->vals != NULL && upload_values_finish(up->vals, up->st, err,
	    sizeof(err)) != STORE_OK) {
		log_warnx("%s/%s: commit: %s", up->collab, up->info->name,
		    err);
		rq_reply_error(rq, PSID__ERROR_CODE__UNAVAILABLE,
		    "the table's value columns could not be staged");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_upload_commit(up->st, meta, len, up->replace, err,
	    sizeof(err));
	commit_reply(rq, up, rc, &t0, detail, err);
out:
	free(meta);
	upload_free(up);
}

void
handle_upload_abort(const struct request *rq)
{
	Psid__Response resp = PSID__RESPONSE__INIT;

	upload_free(rq_slot_take(rq));
	rq_reply(rq, &resp);
}
