/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h: who may do what. A collaboration is visible to its members
 * only: to anyone else it answers as an unknown ID does. A member acts
 * as its abilities allow (upload, query, receive); a table is deleted or
 * replaced by its owner only; a table's analysis rule says whether its
 * rows may leave (list, of the columns listed) or only counts of at
 * least min_rows (aggregation). Each refusal is replied here, with a
 * message saying what is missing.
 */
#ifndef PSID_POLICY_H
#define PSID_POLICY_H

#include <stdbool.h>

#include "psid.pb-c.h"
#include "request.h"
#include "store.h"

/* A collaboration as loaded for one request. */
struct collab_view {
	char id[STORE_COLLAB_LEN + 1];	/* canonical: lower case */
	Psid__Collaboration *collab;	/* unpacked; policy_collab_free */
	const Psid__Member *member;	/* the requester's entry */
};

enum ability {
	ABILITY_NONE,
	ABILITY_UPLOAD,
	ABILITY_QUERY,
	ABILITY_RECEIVE,
};

/*
 * Load collaboration id for rq's identity, which must be a member and
 * have `ability`. Returns 0 with *view filled (free with
 * policy_collab_free), or -1 after replying NOT_FOUND (unknown or not a
 * member), FORBIDDEN (a member without the ability) or INTERNAL.
 */
int policy_collab(const struct request *rq, const char *id,
    enum ability ability, struct collab_view *view);

/* Free what policy_collab loaded. */
void policy_collab_free(struct collab_view *view);

/*
 * The column named name of table info, or -1. With fp_index non-NULL,
 * *fp_index receives its number among the table's fingerprint columns
 * (the storage column of its set and join index).
 */
int policy_column(const Psid__TableInfo *info, const char *name,
    unsigned *fp_index);

/*
 * Whether ref names a fingerprint column of info: 0 with *fp_index, or
 * -1 after replying NOT_FOUND or BAD_REQUEST.
 */
int policy_fingerprint_column(const struct request *rq,
    const Psid__TableInfo *info, const Psid__ColumnRef *ref,
    unsigned *fp_index);

/*
 * Whether column `name` of info may leave psid in joined rows under the
 * table's rule. Returns true, or false after replying FORBIDDEN.
 */
bool policy_may_list(const struct request *rq, const Psid__TableInfo *info,
    const char *name);

/*
 * Whether joining or intersecting columns named a and b is allowed by
 * the settings (allowJoinsOnColumnsWithDifferentNames). Returns true, or
 * false after replying FORBIDDEN.
 */
bool policy_may_match(const struct request *rq, const struct collab_view *v,
    const char *a, const char *b);

/*
 * A query over tables[0..n) with a table whose rule says joinRequired
 * (QUERY_RUNNER) must also touch a table of the member who asks. Returns
 * true, or false after replying FORBIDDEN.
 */
bool policy_runner_joined(const struct request *rq,
    Psid__TableInfo *const *tables, size_t n);

#endif /* PSID_POLICY_H */
