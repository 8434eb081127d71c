/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload_int.h: what the files of an upload share (upload.c: the handle
 * and the staging of rows and pairs as they arrive; upload_merge.c: the
 * sort of the staged pairs in runs and their k-way merge into each
 * column's join index and fingerprint set; upload_commit.c: the row
 * blocks and the one transaction of the commit). See store.h for the
 * contract and upload.c for the whole way of an upload.
 */
#ifndef PSID_UPLOAD_INT_H
#define PSID_UPLOAD_INT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "stage.h"
#include "store_int.h"

#define ROWS_BUF	(1u << 20)	/* the rows' staging and read buffer */
#define PAIRS_BUF	(64u << 10)	/* a column's staging buffer */

enum { UP_OPEN, UP_FAILED, UP_DONE };

/* A value column being staged (values.c). */
struct staged_values {
	unsigned vcol;
	size_t reclen;		/* as staged: 4, 8, or 16 (scaled) */
	int scaled;		/* 16-byte (unscaled, scale) records */
	unsigned scale;		/* the scale they are stored at */
	struct stage file;
	uint64_t n;
	void *blob;		/* or NULL */
	size_t blob_len;
};

struct store_upload {
	struct store *store;
	char collab[STORE_COLLAB_LEN + 1];
	char table[STORE_TABLE_MAX + 1];
	char *tmpdir;
	unsigned nfpcols;
	int state;
	struct stage rows;	/* u32 BE length, then the row, each */
	struct stage *cols;	/* (fingerprint, row id BE) pairs */
	uint64_t nrows;
	uint64_t max_rowid;
	int have_pairs;
	int refuse_dups;	/* refuse repeated fingerprints */
	int have_dup;		/* the commit met one: dup is set */
	struct store_dup dup;
	struct staged_values *vals;
	size_t nvals;
	void *audit;		/* an entry for the commit to append */
	size_t audit_len;
};

/* A big-endian u32 (a staged row's length). */
static inline uint32_t
store_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * Whether rows and pairs may still be given to up (or it committed).
 * Returns 0, or -1 with err saying why not.
 */
int store_upload_check_open(struct store_upload *up, char *err,
    size_t err_size);

/*
 * Sort every column's staged pairs in place in runs of the store's
 * sort_run_recs pairs (flushing each column's buffer first), with no
 * transaction open. Returns 0, or -1 with err set.
 */
int store_upload_sort_columns(struct store_upload *up, char *err,
    size_t err_size);

/*
 * Merge the sorted runs of column c's file into its join index and
 * fingerprint set, in txn. Where repeats are refused, note in up->dup the
 * smallest bad row of the column if it comes before the one noted; once
 * a repeat is known (in this column or an earlier one), write nothing.
 * Returns 0, or -1 with err set.
 */
int store_upload_merge_column(struct store_upload *up, MDB_txn *txn,
    unsigned c, char *err, size_t err_size);

/*
 * Write every staged value column (records, meta, blob) in txn: each
 * must hold exactly up->nrows records. Returns 0, or -1 with err set.
 */
int store_upload_write_values(struct store_upload *up, MDB_txn *txn,
    char *err, size_t err_size);

/* Close and free the staged value columns of up. */
void store_upload_free_values(struct store_upload *up);

#endif /* PSID_UPLOAD_INT_H */
