/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_sql.c: libFuzzer target for psid's SQL parser (server/sql.h): any
 * bytes either give a tree whose printed form parses back to a tree that
 * prints the same, within the documented bounds, or one error of one
 * line that says where ("line L, column C: ...") or why the whole text
 * is refused ("the query ..."); nothing leaks either way. A tree is
 * then bound (query_plan.h) to a fixed catalog of three tables under
 * aggregation rules: it binds, or is refused with one line (with its
 * position where the tree has one), and the plan is freed. Built by `make
 * fuzz` (clang, -fsanitize=fuzzer); its corpus is replayed by
 * tests/fuzz_sql_replay in make check and under valgrind.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_plan.h"
#include "sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_error(const struct sql_error *err)
{
	char prefix[64];

	if (strchr(err->message, '\n') != NULL ||
	    strchr(err->message, '\r') != NULL)
		abort();
	if (err->pos.line == 0) {
		if (strncmp(err->message, "the query ", 10) != 0)
			abort();
		return;
	}
	snprintf(prefix, sizeof(prefix), "line %u, column %u: ",
	    err->pos.line, err->pos.column);
	if (strncmp(err->message, prefix, strlen(prefix)) != 0 ||
	    err->pos.column == 0)
		abort();
}

/* A predicate's shape; depth bounds the walk as it bounds the parser. */
static void
check_pred(const struct sql_pred *p, unsigned depth)
{
	size_t i;

	if (depth > 2 * SQL_MAX_DEPTH + 2 || p->pos.line == 0)
		abort();
	switch (p->kind) {
	case SQL_PRED_EQ:
	case SQL_PRED_NE:
		if (p->nlits != 1)
			abort();
		break;
	case SQL_PRED_IN:
		if (p->nlits < 1)
			abort();
		break;
	case SQL_PRED_NOT:
		if (p->nargs != 1)
			abort();
		check_pred(p->args[0], depth + 1);
		break;
	default:
		if (p->nargs < 2)
			abort();
		for (i = 0; i < p->nargs; i++)
			check_pred(p->args[i], depth + 1);
	}
	for (i = 0; i < p->nlits; i++)
		if (strlen(p->lits[i].text) != p->lits[i].len)
			abort();
}

static void
check_query(const struct sql_query *q)
{
	size_t i;

	if (q->nitems < 1 || q->ntables < 1 || q->ntables > SQL_MAX_TABLES ||
	    q->tables[0].on != NULL || (q->has_limit && q->limit > INT64_MAX))
		abort();
	for (i = 1; i < q->ntables; i++)
		if (q->tables[i].on == NULL)
			abort();
	for (i = 0; i < q->nitems; i++)
		if (q->items[i].agg != SQL_AGG_COUNT_STAR &&
		    (q->items[i].col.column == NULL ||
		    strlen(q->items[i].col.column) > SQL_IDENT_MAX))
			abort();
	for (i = 0; i < q->norder; i++)
		if (q->order[i].position > q->nitems ||
		    (q->order[i].position == 0 &&
		    q->order[i].col.column == NULL))
			abort();
	if (q->where != NULL)
		check_pred(q->where, 0);
}

/* The catalog: exposures, purchases, regions (see tests/integration). */
static Psid__Column c_email = { PROTOBUF_C_MESSAGE_INIT(&psid__column__descriptor),
    "email", PSID__COLUMN_TYPE__COLUMN_FINGERPRINT };
static Psid__Column c_phone = { PROTOBUF_C_MESSAGE_INIT(&psid__column__descriptor),
    "phone", PSID__COLUMN_TYPE__COLUMN_FINGERPRINT };
static Psid__Column c_campaign = {
    PROTOBUF_C_MESSAGE_INIT(&psid__column__descriptor), "campaign",
    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT };
static Psid__Column c_amount = {
    PROTOBUF_C_MESSAGE_INIT(&psid__column__descriptor), "amount",
    PSID__COLUMN_TYPE__COLUMN_CLEARTEXT };
static Psid__Column c_note = { PROTOBUF_C_MESSAGE_INIT(&psid__column__descriptor),
    "note", PSID__COLUMN_TYPE__COLUMN_SEALED };

static void
bind_fixed(const struct sql_query *q)
{
	static Psid__Column *cols_e[] = { &c_email, &c_phone, &c_campaign };
	static Psid__Column *cols_p[] = { &c_email, &c_phone, &c_amount,
	    &c_note };
	static char *join[] = { "email", "phone" }, *dims_e[] = { "campaign" };
	static Psid__AggregateColumn sum = {
	    PROTOBUF_C_MESSAGE_INIT(&psid__aggregate_column__descriptor),
	    "amount", PSID__AGGREGATE_COLUMN__FUNCTION__SUM };
	static Psid__AggregateColumn cd = {
	    PROTOBUF_C_MESSAGE_INIT(&psid__aggregate_column__descriptor),
	    "email", PSID__AGGREGATE_COLUMN__FUNCTION__COUNT_DISTINCT };
	static Psid__AggregateColumn *aggs[] = { &sum, &cd };
	static Psid__OutputConstraint oc = {
	    PROTOBUF_C_MESSAGE_INIT(&psid__output_constraint__descriptor),
	    "email", 5 };
	static Psid__OutputConstraint *ocs[] = { &oc };
	Psid__AnalysisRule re = PSID__ANALYSIS_RULE__INIT;
	Psid__AnalysisRule rp = PSID__ANALYSIS_RULE__INIT;
	Psid__TableInfo te = PSID__TABLE_INFO__INIT;
	Psid__TableInfo tp = PSID__TABLE_INFO__INIT;
	Psid__TableInfo *tables[] = { &te, &tp };
	struct qcatalog cat = { tables, 2, false };
	struct qplan plan;
	struct qerror err;

	re.n_join_columns = rp.n_join_columns = 2;
	re.join_columns = rp.join_columns = join;
	re.n_dimension_columns = 1;
	re.dimension_columns = dims_e;
	re.allow_or = true;
	rp.n_aggregate_columns = 2;
	rp.aggregate_columns = aggs;
	rp.n_output_constraints = 1;
	rp.output_constraints = ocs;
	rp.min_rows = 5;
	te.name = "exposures";
	te.n_columns = 3;
	te.columns = cols_e;
	te.rule = &re;
	tp.name = "purchases";
	tp.n_columns = 4;
	tp.columns = cols_p;
	tp.rule = &rp;
	if (query_bind(q, &cat, &plan, &err) != 0 &&
	    (err.message[0] == '\0' || strchr(err.message, '\n') != NULL))
		abort();
	query_items_free(&plan);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_query *q, *again;
	struct sql_error err;
	char *text, *text2;

	if (sql_parse((const char *)data, size, &q, &err) != 0) {
		if (q != NULL)
			abort();
		check_error(&err);
		return 0;
	}
	check_query(q);
	bind_fixed(q);
	text = sql_print(q);
	sql_free(q);
	/* Printing adds spaces: only a text within the bound must parse. */
	if (strlen(text) <= SQL_MAX_TEXT) {
		if (sql_parse(text, strlen(text), &again, &err) != 0) {
			fprintf(stderr, "%s\n%s\n", text, err.message);
			abort();
		}
		text2 = sql_print(again);
		sql_free(again);
		if (strcmp(text, text2) != 0) {
			fprintf(stderr, "%s\n%s\n", text, text2);
			abort();
		}
		free(text2);
	}
	free(text);
	return 0;
}
