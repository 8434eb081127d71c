/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table.h: what encryption and decryption of whole CSV tables share:
 * error reports that name file, line and column, UTF-8 checks of rows,
 * the thread count and the scratch directory.
 */
#ifndef PSID_TABLE_H
#define PSID_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "psid/client.h"

/* Report a csv_parse_row()/csv_reader_next() error at a line. */
int table_csv_error(struct psid_report *report, const char *path,
    uint64_t line, int csv_result);

/*
 * Check every field of a row is UTF-8; on error report the line and the
 * column (its header when header is not NULL, else _c<index>).
 */
int table_check_utf8(struct psid_report *report, const char *path,
    const struct csv_row *row, const struct csv_row *header, uint64_t line);

/*
 * Copy a row's fields into one new allocation (*storage, freed by the
 * caller), so they outlive the reader's buffer. Returns PSID_OK or
 * PSID_ERR_NOMEM.
 */
int table_copy_row(const struct csv_row *row, struct csv_row *copy,
    char **storage);

/* Prefix the report's message with "<prefix>: " (path, usually). */
void table_prefix_report(struct psid_report *report, const char *prefix);

/* Threads to use: the option, or one per online CPU (1..64). */
size_t table_thread_count(const struct psid_csv_options *opts);

/* Scratch directory: the option, $TMPDIR, or /tmp. */
const char *table_temp_dir(const struct psid_csv_options *opts);

#endif /* PSID_TABLE_H */
