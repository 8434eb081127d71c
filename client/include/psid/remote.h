/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psid/remote.h: the network half of libpsid, included by <psid/client.h>
 * (include that): one connection to psid over mutual TLS 1.3 and one
 * blocking call per operation: collaborations, uploads, tables, counts,
 * joins, SQL queries, the audit log, privacy budgets and psid's
 * counters. The conventions are <psid/client.h>'s.
 */
#ifndef PSID_REMOTE_H
#define PSID_REMOTE_H

#include <psid/client.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- network */

/*
 * Talking to psid: one connection (mutual TLS 1.3), one blocking call per
 * operation. Every call returns PSID_OK or an error code; the one-line
 * reason (psid's own message when the server refused) is then in
 * psid_conn_error(conn). After PSID_ERR_NETWORK, PSID_ERR_TLS or
 * PSID_ERR_PROTOCOL the connection is unusable: free it.
 */
struct psid_conn;

/* Longest collaboration ID text, without the NUL: a UUID. */
#define PSID_COLLAB_ID_LEN 36

struct psid_conn_options {
	const char *host;	/* name or address of psid */
	const char *port;	/* service or port number */
	const char *ca_file;	/* PEM: the CA psid's certificate chains to */
	const char *cert_file;	/* PEM: this member's certificate */
	const char *key_file;	/* PEM: its private key */
	unsigned timeout_ms;	/* per read/write; 0 = 60 s */
};

/*
 * Connect to psid and complete the TLS 1.3 handshake, verifying psid's
 * certificate against ca_file (and its name against host).
 * On success *connp is the connection; free it with psid_conn_free().
 * On failure *connp is still set (unless PSID_ERR_NOMEM or
 * PSID_ERR_INVALID) so that psid_conn_error() says why; free it too.
 * Returns PSID_OK, PSID_ERR_INVALID, PSID_ERR_NOMEM, PSID_ERR_NETWORK or
 * PSID_ERR_TLS.
 */
int psid_connect(const struct psid_conn_options *options,
    struct psid_conn **connp);

/* Close and free a connection. Accepts NULL. */
void psid_conn_free(struct psid_conn *conn);

/* The reason for the last error on conn, one line; "" if none. */
const char *psid_conn_error(const struct psid_conn *conn);

/* What a member of a collaboration may do. */
struct psid_member {
	const char *identity;	/* the subject CN of its certificate */
	bool may_upload;
	bool may_query;		/* intersection counts */
	bool may_receive;	/* joined rows */
};

/* A collaboration as psid describes it. */
struct psid_collab {
	char id[PSID_COLLAB_ID_LEN + 1];
	char *name;
	char *creator;
	struct psid_settings settings;
	uint64_t created_unix;
	size_t nmembers;
	struct psid_member *members;	/* identities owned by the struct */
	bool require_privacy;	/* tables need a privacy policy */
};

/* Free what psid_collab_get() put in a psid_collab. Accepts NULL. */
void psid_collab_clear(struct psid_collab *collab);

/*
 * Create a collaboration (any authenticated identity may). Its creator
 * is added as a member with every ability unless listed. psid assigns the
 * ID, written NUL-terminated into id_out. The settings are fixed from
 * then on. Returns PSID_OK, PSID_ERR_INVALID, PSID_ERR_BAD_REQUEST, or a
 * connection error.
 */
int psid_collab_create(struct psid_conn *conn, const char *name,
    const struct psid_member *members, size_t nmembers,
    const struct psid_settings *settings,
    char id_out[PSID_COLLAB_ID_LEN + 1]);

/* What a collaboration may demand of its tables beyond C3R's settings. */
struct psid_collab_options {
	bool require_privacy;	/* refuse tables without a privacy policy */
};

/*
 * psid_collab_create() with options (NULL: none). Returns as
 * psid_collab_create().
 */
int psid_collab_create_ex(struct psid_conn *conn, const char *name,
    const struct psid_member *members, size_t nmembers,
    const struct psid_settings *settings,
    const struct psid_collab_options *options,
    char id_out[PSID_COLLAB_ID_LEN + 1]);

/*
 * Fetch a collaboration (members only) into *out; clear it with
 * psid_collab_clear(). Returns PSID_OK, PSID_ERR_NOT_FOUND (unknown, or
 * not a member: the same answer), or a connection error.
 */
int psid_collab_get(struct psid_conn *conn, const char *collab_id,
    struct psid_collab *out);

/* How a table's rows may leave psid; the strictest of a query's wins. */
enum psid_rule_kind {
	PSID_RULE_AGGREGATION,	/* counts only, of at least min_rows */
	PSID_RULE_LIST,		/* joined rows of the listed columns */
};

/* When a privacy budget starts again. */
enum psid_refresh {
	PSID_REFRESH_NEVER,
	PSID_REFRESH_MONTHLY,		/* each calendar month (UTC) */
};

/* The noise of a released number. */
enum psid_mechanism {
	PSID_NOISE_LAPLACE,		/* discrete Laplace: epsilon-DP */
	PSID_NOISE_GAUSSIAN,		/* discrete Gaussian: rho-zCDP */
};

/*
 * A differential privacy policy (aggregation rules; see psid(8)): every
 * count over the table is noised, and each query spends epsilon of the
 * table's budget, counted for the whole collaboration. Quantities in
 * thousandths: epsilon_milli 500 is epsilon 0.5.
 */
struct psid_privacy {
	bool enabled;			/* false: exact answers */
	uint32_t epsilon_milli;		/* spent by each query: 1..10000 */
	uint64_t budget_milli;		/* the total: epsilon..10^9 */
	uint32_t contribution_limit;	/* rows one person may bring: 1.. */
	enum psid_refresh refresh;
	enum psid_mechanism mechanism;
};

/* An aggregate an aggregation rule allows (Clean Rooms' functions). */
enum psid_aggregate {
	PSID_AGG_COUNT,
	PSID_AGG_COUNT_DISTINCT,
	PSID_AGG_SUM,			/* cleartext columns only */
	PSID_AGG_SUM_DISTINCT,
	PSID_AGG_AVG,
};

struct psid_aggregate_column {
	const char *column;
	enum psid_aggregate function;
};

/* At least minimum distinct values of column behind each output row. */
struct psid_output_constraint {
	const char *column;
	uint32_t minimum;
};

struct psid_rule {
	enum psid_rule_kind kind;
	uint32_t min_rows;		/* aggregation: the threshold */
	const char *const *columns;	/* list: columns that may leave; */
	size_t ncolumns;		/* none listed: every column */
	struct psid_privacy privacy;	/* aggregation: noise and budget */
	/* Aggregation, in Clean Rooms' vocabulary (none: counts only). */
	const char *const *join_columns;	/* fingerprint columns */
	size_t njoin_columns;
	const char *const *dimension_columns;	/* cleartext columns */
	size_t ndimension_columns;
	const struct psid_aggregate_column *aggregates;
	size_t naggregates;
	const struct psid_output_constraint *constraints;
	size_t nconstraints;
	bool allow_or;		/* allowedJoinOperators holds OR */
	bool join_required;	/* joinRequired: QUERY_RUNNER */
};

/*
 * Read an analysis rule from a JSON rule file, in AWS Clean Rooms'
 * vocabulary ("type", "outputConstraints", "listColumns",
 * "differentialPrivacy"; see psictl(1)), into *rule, which is set only
 * when the whole file is valid. The list columns belong to *rule: release
 * them with psid_rule_clear(). report->message names the file and the
 * key. Returns PSID_OK, PSID_ERR_RULE, PSID_ERR_IO, PSID_ERR_INVALID or
 * PSID_ERR_NOMEM.
 */
int psid_rule_load(const char *path, struct psid_rule *rule,
    struct psid_report *report);

/* Free what psid_rule_load() put in *rule and zero it. Accepts NULL. */
void psid_rule_clear(struct psid_rule *rule);

struct psid_upload_options {
	bool replace;			/* replace a table of the same name */
	struct psid_rule rule;
	/* A C3R schema (JSON) naming each column's type; NULL: inferred
	 * from the cells (02:hmac: fingerprint, 02:enc: sealed, else
	 * cleartext; a column of only empty cells needs the schema). */
	const char *schema_path;
	psid_progress_fn *progress;	/* pass "upload"; may be NULL */
	void *progress_arg;
};

/*
 * Upload a C3R-encrypted CSV file (written by psictl or by AWS's C3R
 * client; header row required, an empty field is a NULL cell) as table
 * `table` of a collaboration, streamed in chunks in bounded memory. psid
 * checks every cell against the schema and the settings and commits the
 * table at once or not at all. report: rows uploaded, or where psid or
 * the file refused it (line and column). Returns PSID_OK, PSID_ERR_CSV,
 * PSID_ERR_IO, PSID_ERR_REFUSED, PSID_ERR_CONFLICT, PSID_ERR_NOT_FOUND,
 * PSID_ERR_FORBIDDEN, PSID_ERR_LIMIT, or a connection error.
 */
int psid_upload_csv(struct psid_conn *conn, const char *collab_id,
    const char *table, const char *input_path,
    const struct psid_upload_options *options, struct psid_report *report);

/* A table as psid lists it (valid during the callback only). */
struct psid_table_info {
	const char *name;
	const char *owner;
	uint64_t rows;
	uint64_t created_unix;
	size_t ncolumns;
	const char *const *column_names;
	const enum psid_column_type *column_types;
	enum psid_rule_kind rule;
	uint32_t min_rows;
	struct psid_privacy privacy;
	const struct psid_rule *detail;	/* the whole rule */
};

typedef int psid_table_fn(void *arg, const struct psid_table_info *table);

/*
 * List a collaboration's tables (members only), calling fn for each in
 * name order; fn returns 0 to go on. Returns PSID_OK, PSID_ERR_NOT_FOUND,
 * or a connection error.
 */
int psid_tables_list(struct psid_conn *conn, const char *collab_id,
    psid_table_fn *fn, void *arg);

/*
 * Delete a table (its owner only). Returns PSID_OK, PSID_ERR_NOT_FOUND,
 * PSID_ERR_FORBIDDEN, or a connection error.
 */
int psid_table_delete(struct psid_conn *conn, const char *collab_id,
    const char *table);

/* One (table, fingerprint column) of a count or a join. */
struct psid_colref {
	const char *table;
	const char *column;
};

/*
 * The number of distinct fingerprints common to all nsets (2..16) sets,
 * into *count (a member that may query; aggregation thresholds apply).
 * Returns PSID_OK, PSID_ERR_NOT_FOUND, PSID_ERR_FORBIDDEN,
 * PSID_ERR_BAD_REQUEST, or a connection error.
 */
int psid_count(struct psid_conn *conn, const char *collab_id,
    const struct psid_colref *sets, size_t nsets, uint64_t *count);

/* What psid says of the noise of a released number. */
struct psid_noise {
	bool noisy;			/* false: the number is exact */
	enum psid_mechanism mechanism;
	uint32_t epsilon_milli;		/* the epsilon it is calibrated to */
	uint64_t ci95;			/* the noise is within +-ci95 95% */
};

/*
 * psid_count(), and what psid says of its noise into *noise (may be
 * NULL). With tables under a privacy policy the count is noised and paid
 * for: PSID_ERR_FORBIDDEN once a table's budget is spent. Returns as
 * psid_count().
 */
int psid_count_noise(struct psid_conn *conn, const char *collab_id,
    const struct psid_colref *sets, size_t nsets, uint64_t *count,
    struct psid_noise *noise);

/* A table's privacy budget (valid during the callback only). */
struct psid_budget {
	const char *table;
	struct psid_privacy policy;
	uint64_t spent_milli;		/* in the current period */
	const char *period;		/* "2026-12" if monthly, else "" */
};

typedef int psid_budget_fn(void *arg, const struct psid_budget *budget);

/*
 * Each privacy budget of a collaboration's tables (members only), in
 * table name order: fn is called for each table with a policy and
 * returns 0 to go on. Returns PSID_OK, PSID_ERR_NOT_FOUND, or a
 * connection error.
 */
int psid_budget_list(struct psid_conn *conn, const char *collab_id,
    psid_budget_fn *fn, void *arg);

struct psid_join_request {
	struct psid_colref left, right;	/* the fingerprint columns joined */
	const char *const *left_columns;	/* columns returned, left */
	size_t nleft;
	const char *const *right_columns;	/* and right */
	size_t nright;
};

/*
 * Inner join (a member that may receive; both tables' rules must be
 * list rules allowing the columns), written as a C3R-encrypted CSV to
 * output_path: a header (a column name in both sides is prefixed with its
 * table and '_'), then one row per joined pair, as SQL's inner join. The
 * file appears only when complete (overwrite as in psid_csv_options).
 * report->rows: rows written. Returns PSID_OK, PSID_ERR_NOT_FOUND,
 * PSID_ERR_FORBIDDEN, PSID_ERR_BAD_REQUEST, PSID_ERR_EXISTS, PSID_ERR_IO,
 * or a connection error.
 */
int psid_join(struct psid_conn *conn, const char *collab_id,
    const struct psid_join_request *request, const char *output_path,
    bool overwrite, struct psid_report *report);

/* The longest SQL text psid takes, in bytes: 1 MiB. */
#define PSID_QUERY_SQL_MAX (1024u * 1024u)
/* The most a result may hold: rows, and bytes (text and pointers). */
#define PSID_RESULT_MAX_ROWS (1u << 24)
#define PSID_RESULT_MAX_BYTES ((size_t)1 << 30)

/* What a value of a query's result is. */
enum psid_value_kind {
	PSID_VALUE_TEXT,	/* a dimension's cell, as uploaded */
	PSID_VALUE_INTEGER,	/* [-]digits: a count */
	PSID_VALUE_DECIMAL,	/* [-]digits[.digits]: a SUM or an AVG */
};

struct psid_result_column {
	char *name;		/* the item's AS name, else its text */
	enum psid_value_kind kind;
};

/* A query's result, made by psid_query(), freed by psid_result_free(). */
struct psid_result {
	size_t ncolumns;	/* at least 1 */
	struct psid_result_column *columns;
	size_t nrows;
	char **cells;		/* nrows x ncolumns, row-major, NUL-terminated
				 * text; a NULL pointer is SQL's NULL; the
				 * array is NULL when nrows is 0 */
	uint64_t groups;	/* groups that met every threshold (before
				 * LIMIT) */
	uint64_t groups_suppressed;	/* groups left out under a
					 * threshold */
};

/*
 * Run an aggregate query in psid's SQL subset (psid(8)) over a
 * collaboration's tables (a member that may query; every table's rule
 * applies, thresholds and privacy budgets included). sql[0..sql_len) is
 * the text as typed, without NUL bytes, not NUL-terminated; psid parses
 * and judges it (at most PSID_QUERY_SQL_MAX bytes).
 *
 * On success *out is the whole result, which the caller owns and frees
 * with psid_result_free(): every string in it is the result's. psid
 * sends it in one or more parts; each is checked as it comes (the columns
 * named in the first part only, each part's cells exactly its rows times
 * the columns, integer and decimal values in their plain forms, no NUL
 * in a value; a kind this library does not know is read as text), and a
 * result of more than PSID_RESULT_MAX_ROWS rows or PSID_RESULT_MAX_BYTES
 * bytes is refused (the rest of psid's reply is read and dropped, so the
 * connection stays usable). On any error *out is NULL (when out is not
 * NULL) and nothing is left allocated; psid_conn_error(conn) says why in
 * one line, psid's own for its refusals ("line 1, column 41: unknown
 * column p.amout (did you mean p.amount?)").
 *
 * Returns PSID_OK; PSID_ERR_INVALID (conn, sql or out NULL, or a NUL in
 * the text), PSID_ERR_COLLABORATION_ID (not a UUID); psid's refusals:
 * PSID_ERR_NOT_FOUND (unknown collaboration or table, or not a member),
 * PSID_ERR_FORBIDDEN (no query ability, a rule forbids the query, a
 * privacy budget is spent), PSID_ERR_BAD_REQUEST (the text is not a query
 * psid takes: its message gives the line and column), PSID_ERR_LIMIT
 * (a limit of psid's, or of this library's on the result),
 * PSID_ERR_UNAVAILABLE, PSID_ERR_SERVER; PSID_ERR_NOMEM; or a connection
 * error (PSID_ERR_PROTOCOL also for a malformed result).
 */
int psid_query(struct psid_conn *conn, const char *collab_id,
    const char *sql, size_t sql_len, struct psid_result **out);

/* Free a result of psid_query() and everything in it. Accepts NULL. */
void psid_result_free(struct psid_result *r);

/* One audit log entry (valid during the callback only). */
struct psid_audit_entry {
	uint64_t sequence;
	uint64_t time_unix;
	const char *identity;
	const char *operation;
	const char *detail;
};

typedef int psid_audit_fn(void *arg, const struct psid_audit_entry *entry);

/*
 * Read a collaboration's audit log (members only): fn for each entry with
 * a sequence number above `after`, in order; fn returns 0 to go on.
 * Returns PSID_OK, PSID_ERR_NOT_FOUND, or a connection error.
 */
int psid_audit_read(struct psid_conn *conn, const char *collab_id,
    uint64_t after, psid_audit_fn *fn, void *arg);

/* One operation's request latencies, as psid measured them. */
struct psid_op_latency {
	char operation[32];	/* e.g. "count", "upload_commit" */
	uint64_t count;		/* requests since psid started */
	double p50_ms, p90_ms, p99_ms;	/* upper bounds (power-of-two bins) */
};

#define PSID_STATS_MAX_OPS 16

/* psid's counters since it started. */
/* The most reasons of refusal psid_stats reports. */
#define PSID_STATS_MAX_REFUSALS	16

struct psid_stats {
	uint64_t uptime_seconds;
	uint64_t connections;		/* open now */
	uint64_t connections_total;
	uint64_t uploads;		/* committed */
	uint64_t queries;		/* counts and joins answered */
	uint64_t bytes_in, bytes_out;
	size_t nlatency;
	struct psid_op_latency latency[PSID_STATS_MAX_OPS];
	uint64_t handshakes;		/* TLS handshakes in progress */
	uint64_t parked;		/* requests waiting on a slow reader */
	uint64_t unfinished_bytes;	/* buffered in frames not yet whole */
	size_t nrefusals;
	struct psid_refusal_count {
		char reason[32];	/* "handshake_shed", ... (psid(8)) */
		uint64_t count;		/* since psid started */
	} refusals[PSID_STATS_MAX_REFUSALS];
};

/*
 * psid's counters and per-operation latency percentiles into *out (any
 * authenticated identity; nothing of a collaboration is in them).
 * Returns PSID_OK, PSID_ERR_INVALID, or a connection error.
 */
int psid_stats(struct psid_conn *conn, struct psid_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* PSID_REMOTE_H */
