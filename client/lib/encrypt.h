/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encrypt.h: what the two passes of table encryption share: the job
 * (schema, columns, spill files, output) and the layout of a spilled
 * row. encrypt_scan.c is pass 1, encrypt.c pass 2 and the entry point.
 *
 * A spilled row: uint32 length of the rest, then per slot (an input
 * column the schema reads) a uint32 byte count, or NULL_MARK for NULL,
 * and the bytes. Native byte order: spill files never leave the process.
 */
#ifndef PSID_ENCRYPT_H
#define PSID_ENCRYPT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cell.h"
#include "csv.h"
#include "fileout.h"
#include "schema.h"
#include "spill.h"

#define NULL_MARK UINT32_MAX
#define BUCKET_TARGET (4u << 20)
#define MAX_BUCKETS 1024
/* Per-thread bytes of buffers in front of a spill file, at most. */
#define SPILL_BUFFER_BUDGET (4u << 20)
#define SPILL_FLUSH_MIN 512
#define SPILL_FLUSH_MAX (16u << 10)
#define OUTPUT_FLUSH (1u << 20)
/* Fingerprint partitions for the duplicate check, in all columns. */
#define DUP_PARTITIONS_TOTAL 8192
#define DUP_PARTITIONS_MAX 256
#define DUP_KEY_LEN 16
#define PROGRESS_EVERY (1u << 18)

struct enc_column {
	const struct schema_column *schema;
	size_t slot;		/* where its value is in a spilled row */
	size_t fingerprint;	/* index among fingerprint columns */
	struct column_crypto crypto;
	uint64_t nulls;
};

struct encrypt_job {
	const struct psid_keys *keys;
	const struct psid_csv_options *opts;
	struct psid_report *report;
	const char *input;
	struct schema *schema;
	struct enc_column *cols;
	size_t ncols;
	size_t *slot_source;	/* input column of each slot */
	size_t nslots;
	size_t nfingerprints;
	bool check_duplicates;
	size_t dup_partitions;	/* per column: a power of two */
	struct csv_null_rule null_rule;
	struct csv_row header;	/* the header row, or the first data row */
	char *header_storage;
	struct spill rows;
	struct spill dups;
	struct fileout out;
	pthread_mutex_t out_lock;
	uint64_t total_rows;
	/* pass 2 */
	atomic_size_t next_bucket;
	atomic_uint_fast64_t rows_done;
	pthread_mutex_t fail_lock;
	atomic_int failed;	/* first error, read by every worker */
};

/*
 * How much a spill writer of a thread buffers per bucket: the budget
 * shared by all buckets, within [SPILL_FLUSH_MIN, SPILL_FLUSH_MAX].
 */
size_t encrypt_scan_flush_size(size_t nbuckets);

/*
 * Pass 1: read and check the whole input, set the columns' MAX lengths
 * and NULL counts, and spill every row to a random bucket of job->rows.
 * Returns PSID_OK or an error with job->report filled.
 */
int encrypt_scan(struct encrypt_job *job);

#endif /* PSID_ENCRYPT_H */
