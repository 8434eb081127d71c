/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.h: C3R schema JSON (SPEC §10), mapped (headerRow true) or
 * positional (headerRow false), parsed with jansson and checked as C3R
 * checks it, then bound to a CSV header row.
 */
#ifndef PSID_SCHEMA_H
#define PSID_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "header.h"
#include "psid/client.h"

/* Most output columns C3R writes. */
#define SCHEMA_MAX_COLUMNS 1600

struct schema_column {
	char source[HEADER_MAX_LEN + 1];	/* mapped: normalised */
	size_t source_index;	/* input column, set by schema_bind */
	char target[HEADER_MAX_LEN + 1];	/* normalised, valid */
	enum psid_column_type type;
	enum psid_pad_type pad;
	unsigned pad_length;
};

struct schema {
	bool header_row;
	size_t input_columns;	/* positional: columns the CSV must have */
	size_t count;
	struct schema_column *columns;
};

/*
 * Load and check a schema file. On error returns PSID_ERR_SCHEMA (or
 * PSID_ERR_IO, PSID_ERR_NOMEM) and writes one line to err naming what is
 * wrong. The schema is freed with schema_free().
 */
int schema_load(const char *path, struct schema **schemap, char *err,
    size_t err_size);

/*
 * Resolve source columns against the CSV's first row: for a mapped
 * schema, the header row (normalised); for a positional one, the field
 * count of the first data row. Returns PSID_OK or PSID_ERR_SCHEMA with
 * err set (a source header missing from the CSV, a wrong column count).
 */
int schema_bind(struct schema *schema, const struct csv_row *first,
    char *err, size_t err_size);

/* Refuse cleartext columns when the settings forbid them. */
int schema_check_settings(const struct schema *schema,
    const struct psid_settings *settings, char *err, size_t err_size);

void schema_free(struct schema *schema);

#endif /* PSID_SCHEMA_H */
