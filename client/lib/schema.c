/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c: load, check and bind C3R schema JSON (see schema.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "schema.h"

#define ERR(...) snprintf(err, err_size, __VA_ARGS__)

/* A member, with JSON null read as absent (as Gson reads it). */
static json_t *
member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* Trimmed, case-insensitive match of a JSON string against a word. */
static bool
word_is(const char *s, const char *word)
{
	size_t n = strlen(word);

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncasecmp(s, word, n) != 0)
		return false;
	for (s += n; *s == ' ' || *s == '\t'; s++)
		;
	return *s == '\0';
}

/* Normalise and check a header from the schema into out. */
static int
schema_header(json_t *value, const char *what, size_t index, char *out,
    char *err, size_t err_size)
{
	const char *s;
	long len;

	if (!json_is_string(value)) {
		ERR("column %zu: %s must be a string", index, what);
		return -1;
	}
	s = json_string_value(value);
	len = header_normalize(s, json_string_length(value), out);
	if (len < 0) {
		ERR("column %zu: %s \"%s\" is longer than %d characters",
		    index, what, s, HEADER_MAX_LEN);
		return -1;
	}
	if (!header_is_valid(out, (size_t)len)) {
		ERR("column %zu: %s \"%s\" is not a valid header (letters, "
		    "digits, '_', ' ' and single '-' only)", index, what, s);
		return -1;
	}
	return 0;
}

static int
parse_pad(json_t *obj, struct schema_column *col, size_t index, char *err,
    size_t err_size)
{
	json_t *pad = member(obj, "pad"), *type, *length;
	json_int_t n;

	if (col->type != PSID_COLUMN_SEALED) {
		if (pad != NULL) {
			ERR("column %zu: pad is only allowed on sealed columns",
			    index);
			return -1;
		}
		return 0;
	}
	if (!json_is_object(pad)) {
		ERR("column %zu: a sealed column needs a pad object", index);
		return -1;
	}
	type = member(pad, "type");
	if (!json_is_string(type)) {
		ERR("column %zu: pad needs a type (none, fixed or max)", index);
		return -1;
	}
	if (word_is(json_string_value(type), "none"))
		col->pad = PSID_PAD_NONE;
	else if (word_is(json_string_value(type), "fixed"))
		col->pad = PSID_PAD_FIXED;
	else if (word_is(json_string_value(type), "max"))
		col->pad = PSID_PAD_MAX;
	else {
		ERR("column %zu: unknown pad type \"%s\" (none, fixed or max)",
		    index, json_string_value(type));
		return -1;
	}
	length = member(pad, "length");
	if (col->pad == PSID_PAD_NONE) {
		if (length != NULL) {
			ERR("column %zu: pad type none takes no length", index);
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(length)) {
		ERR("column %zu: pad type %s needs an integer length", index,
		    col->pad == PSID_PAD_FIXED ? "fixed" : "max");
		return -1;
	}
	n = json_integer_value(length);
	if (n < 0 || n > 10000) {
		ERR("column %zu: pad length %lld is outside [0, 10000]", index,
		    (long long)n);
		return -1;
	}
	col->pad_length = (unsigned)n;
	return 0;
}

static int
parse_column(json_t *obj, bool mapped, size_t input, size_t index,
    struct schema_column *col, char *err, size_t err_size)
{
	json_t *type, *source, *target;
	const char *suffix = "";

	memset(col, 0, sizeof(*col));
	if (!json_is_object(obj)) {
		ERR("column %zu is not an object", index);
		return -1;
	}
	type = member(obj, "type");
	if (!json_is_string(type)) {
		ERR("column %zu: type is missing (sealed, fingerprint or "
		    "cleartext)", index);
		return -1;
	}
	if (word_is(json_string_value(type), "sealed")) {
		col->type = PSID_COLUMN_SEALED;
		suffix = "_sealed";
	} else if (word_is(json_string_value(type), "fingerprint")) {
		col->type = PSID_COLUMN_FINGERPRINT;
		suffix = "_fingerprint";
	} else if (word_is(json_string_value(type), "cleartext"))
		col->type = PSID_COLUMN_CLEARTEXT;
	else {
		ERR("column %zu: unknown type \"%s\" (sealed, fingerprint or "
		    "cleartext)", index, json_string_value(type));
		return -1;
	}
	source = member(obj, "sourceHeader");
	target = member(obj, "targetHeader");
	if (mapped) {
		if (source == NULL) {
			ERR("column %zu: sourceHeader is required when "
			    "headerRow is true", index);
			return -1;
		}
		if (schema_header(source, "sourceHeader", index, col->source,
		    err, err_size) != 0)
			return -1;
	} else {
		if (source != NULL) {
			ERR("column %zu: sourceHeader is not allowed when "
			    "headerRow is false", index);
			return -1;
		}
		if (target == NULL) {
			ERR("column %zu: targetHeader is required when "
			    "headerRow is false", index);
			return -1;
		}
		col->source_index = input;
		snprintf(col->source, sizeof(col->source), "_c%zu", input);
	}
	if (target != NULL) {
		if (schema_header(target, "targetHeader", index, col->target,
		    err, err_size) != 0)
			return -1;
	} else {
		if (strlen(col->source) + strlen(suffix) > HEADER_MAX_LEN) {
			ERR("column %zu: default targetHeader \"%s%s\" is "
			    "longer than %d characters", index, col->source,
			    suffix, HEADER_MAX_LEN);
			return -1;
		}
		memcpy(col->target, col->source, strlen(col->source));
		memcpy(col->target + strlen(col->source), suffix,
		    strlen(suffix) + 1);
	}
	return parse_pad(obj, col, index, err, err_size);
}

static int
schema_parse(json_t *root, struct schema *schema, char *err, size_t err_size)
{
	json_t *header_row, *columns, *inner, *obj;
	size_t i, j, n = 0, total = 0;

	if (!json_is_object(root)) {
		ERR("the schema is not a JSON object");
		return -1;
	}
	header_row = json_object_get(root, "headerRow");
	if (!json_is_boolean(header_row)) {
		ERR("headerRow (true or false) is required");
		return -1;
	}
	schema->header_row = json_is_true(header_row);
	columns = json_object_get(root, "columns");
	if (!json_is_array(columns)) {
		ERR("columns must be an array");
		return -1;
	}
	if (schema->header_row)
		total = json_array_size(columns);
	else
		json_array_foreach(columns, i, inner) {
			if (!json_is_array(inner)) {
				ERR("input column %zu: when headerRow is false, "
				    "each entry of columns is an array", i + 1);
				return -1;
			}
			total += json_array_size(inner);
		}
	if (total == 0) {
		ERR("the schema has no output columns");
		return -1;
	}
	if (total > SCHEMA_MAX_COLUMNS) {
		ERR("the schema has %zu output columns, more than %d", total,
		    SCHEMA_MAX_COLUMNS);
		return -1;
	}
	if ((schema->columns = calloc(total, sizeof(*schema->columns))) == NULL) {
		ERR("out of memory");
		return -1;
	}
	if (schema->header_row) {
		json_array_foreach(columns, i, obj) {
			if (parse_column(obj, true, 0, n + 1,
			    &schema->columns[n], err, err_size) != 0)
				return -1;
			n++;
		}
	} else {
		schema->input_columns = json_array_size(columns);
		json_array_foreach(columns, i, inner)
			json_array_foreach(inner, j, obj) {
				if (parse_column(obj, false, i, n + 1,
				    &schema->columns[n], err, err_size) != 0)
					return -1;
				n++;
			}
	}
	schema->count = n;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(schema->columns[i].target,
			    schema->columns[j].target) == 0) {
				ERR("targetHeader \"%s\" appears more than once",
				    schema->columns[i].target);
				return -1;
			}
	return 0;
}

int
schema_load(const char *path, struct schema **schemap, char *err,
    size_t err_size)
{
	struct schema *schema;
	json_error_t jerr;
	json_t *root;
	char why[400];

	*schemap = NULL;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		if (json_error_code(&jerr) == json_error_cannot_open_file) {
			ERR("%s: %s", path, jerr.text);
			return PSID_ERR_IO;
		}
		ERR("%s: line %d: %s", path, jerr.line, jerr.text);
		return PSID_ERR_SCHEMA;
	}
	if ((schema = calloc(1, sizeof(*schema))) == NULL) {
		json_decref(root);
		return PSID_ERR_NOMEM;
	}
	if (schema_parse(root, schema, why, sizeof(why)) != 0) {
		json_decref(root);
		schema_free(schema);
		ERR("%s: %s", path, why);
		return PSID_ERR_SCHEMA;
	}
	json_decref(root);
	*schemap = schema;
	return PSID_OK;
}

int
schema_bind(struct schema *schema, const struct csv_row *first, char *err,
    size_t err_size)
{
	char name[HEADER_MAX_LEN + 1];
	size_t i, k;
	long len;

	if (!schema->header_row) {
		if (first->count != schema->input_columns) {
			ERR("the first row has %zu columns but the positional "
			    "schema describes %zu", first->count,
			    schema->input_columns);
			return PSID_ERR_SCHEMA;
		}
		return PSID_OK;
	}
	for (i = 0; i < schema->count; i++) {
		struct schema_column *col = &schema->columns[i];

		for (k = 0; k < first->count; k++) {
			len = header_normalize(first->fields[k].ptr,
			    first->fields[k].len, name);
			if (len >= 0 && strcmp(name, col->source) == 0)
				break;
		}
		if (k == first->count) {
			ERR("sourceHeader \"%s\" is not a column of the input",
			    col->source);
			return PSID_ERR_SCHEMA;
		}
		col->source_index = k;
	}
	return PSID_OK;
}

int
schema_check_settings(const struct schema *schema,
    const struct psid_settings *settings, char *err, size_t err_size)
{
	size_t i;

	if (settings->allow_cleartext)
		return PSID_OK;
	for (i = 0; i < schema->count; i++)
		if (schema->columns[i].type == PSID_COLUMN_CLEARTEXT) {
			ERR("column \"%s\" is cleartext, but the collaboration "
			    "does not allow cleartext columns",
			    schema->columns[i].target);
			return PSID_ERR_CLEARTEXT;
		}
	return PSID_OK;
}

void
schema_free(struct schema *schema)
{
	if (schema == NULL)
		return;
	free(schema->columns);
	free(schema);
}
