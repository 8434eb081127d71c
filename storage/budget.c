/* SPDX-License-Identifier: Apache-2.0 */
/*
 * budget.c: the privacy budget each table of a collaboration has spent,
 * in db "budget" under <collab>/<table>: a u32 period (0 for a budget
 * never refreshed, else the year and month, yyyymm, it was spent in) and
 * a u64 spend in thousandths of epsilon, both big-endian. A query's
 * spends and its audit entry are written in one transaction, before the
 * query runs, so a crash never forgets a spend and no answer leaves
 * psid unpaid for. The entry outlives the table: a table deleted and
 * uploaded again, or replaced, keeps what was spent on it.
 */
#include "config.h"

#include <string.h>

#include "store_int.h"

#define BUDGET_VAL_LEN	12

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * The spend of key in txn for period into *spent: 0 when none is stored
 * or it was stored in another period. Returns 0 or -1.
 */
static int
spent_in(struct store *store, MDB_txn *txn, struct store_key *key,
    uint32_t period, uint64_t *spent, char *err, size_t err_size)
{
	MDB_val k = { key->len, key->buf }, v;
	const unsigned char *p;
	int rc, i;

	*spent = 0;
	rc = mdb_get(txn, store->budget, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || v.mv_size != BUDGET_VAL_LEN) {
		store_set_err(err, err_size, "reading a privacy budget: %s",
		    rc != 0 ? mdb_strerror(rc) : "corrupt entry");
		return -1;
	}
	p = v.mv_data;
	if (get_be32(p) != period)
		return 0;
	for (i = 0; i < 8; i++)
		*spent = *spent << 8 | p[4 + i];
	return 0;
}

int
store_budget_spend(struct store *store, const char *collab,
    const struct store_spend *spends, size_t n, const void *entry,
    size_t len, size_t *refused, uint64_t *spent_before, char *err,
    size_t err_size)
{
	struct store_key key;
	unsigned char val[BUDGET_VAL_LEN];
	MDB_txn *txn = NULL;
	MDB_val k, v;
	uint64_t spent;
	size_t i;
	int rc, j;

	if (store_write_begin(store, &txn, err, err_size) != 0)
		return -1;
	if ((rc = store_collab_exists(store, txn, collab, err,
	    err_size)) != STORE_OK)
		goto fail;
	rc = -1;
	/* Every table can pay, or none pays. */
	for (i = 0; i < n; i++) {
		if (store_key_table(&key, collab, spends[i].table, err,
		    err_size) != 0 ||
		    spent_in(store, txn, &key, spends[i].period, &spent, err,
		    err_size) != 0)
			goto fail;
		spent_before[i] = spent;
		if (spent + spends[i].epsilon_milli >
		    spends[i].budget_milli) {
			*refused = i;
			rc = STORE_EXHAUSTED;
			goto fail;
		}
	}
	for (i = 0; i < n; i++) {
		if (store_key_table(&key, collab, spends[i].table, err,
		    err_size) != 0)
			goto fail;
		put_be32(val, spends[i].period);
		spent = spent_before[i] + spends[i].epsilon_milli;
		for (j = 0; j < 8; j++)
			val[4 + j] = (unsigned char)(spent >> (56 - 8 * j));
		k.mv_size = key.len;
		k.mv_data = key.buf;
		v.mv_size = sizeof(val);
		v.mv_data = val;
		if ((rc = mdb_put(txn, store->budget, &k, &v, 0)) != 0) {
			store_set_err(err, err_size, "spending a privacy "
			    "budget: %s", mdb_strerror(rc));
			rc = -1;
			goto fail;
		}
	}
	if (store_audit_put(store, txn, collab, entry, len, NULL, err,
	    err_size) != 0) {
		rc = -1;
		goto fail;
	}
	return store_write_commit(&txn, err, err_size) == 0 ? STORE_OK : -1;
fail:
	mdb_txn_abort(txn);
	return rc;
}

int
store_budget_get(struct store *store, const char *collab, const char *table,
    uint32_t period, uint64_t *spent, char *err, size_t err_size)
{
	struct store_key key;
	MDB_txn *txn = NULL;
	int rc;

	if (store_key_table(&key, collab, table, err, err_size) != 0 ||
	    store_read_txn(store, &txn, err, err_size) != 0)
		return -1;
	rc = spent_in(store, txn, &key, period, spent, err, err_size);
	mdb_txn_abort(txn);
	return rc;
}
