/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_daemon_api.c: libpsid's network calls against a real psid:
 * collaborations and membership; counts and joins on random tables
 * (repeated fingerprints, NULLs, 2- and 3-way intersections) compared
 * with a plain computation here; every refusal a member relies on (not a
 * member, an ability missing, not the owner, a rule, a setting, a bad
 * cell) with its error code; and the audit log.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "daemon.h"
#include "daemon_suites.h"
#include "testutil.h"

/* One psid for the test case: each test makes its collaborations. */
static struct daemon d;

static void
setup(void)
{
	daemon_start(&d, NULL);
}

static void
teardown(void)
{
	daemon_finish(&d);
}

/* After each test: psid is alive, its log clean. */
static void
check(void)
{
	daemon_check(&d);
}

#define POOL 64			/* distinct fingerprints tables draw from */

/* One generated table: per row its fingerprint (index or -1: NULL). */
struct gen_table {
	char path[512];
	char name[32];
	size_t rows;
	int *fp;
};

/* The fingerprint cell of pool entry i (the same in every table). */
static void
pool_cell(int i, char out[53])
{
	uint8_t fp[32];
	uint64_t s = (uint64_t)i * 7919 + 17;

	fill_rand(&s, fp, sizeof(fp));
	memcpy(out, "02:hmac:", 8);
	EVP_EncodeBlock((unsigned char *)out + 8, fp, 32);
}

/*
 * Write table `name`: columns email (fingerprint: a random pool entry of
 * [lo, hi), NULL one row in nulls), label (cleartext "<name>-<row>") and
 * payload (a sealed-looking cell).
 */
static void
gen_table(struct gen_table *t, const char *dir, const char *name,
    size_t rows, int lo, int hi, unsigned nulls, uint64_t seed)
{
	FILE *f;
	size_t r;
	char cell[53], sealed[100];
	uint8_t raw[66];

	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->path, sizeof(t->path), "%s/%s.csv", dir, name);
	t->rows = rows;
	t->fp = calloc(rows, sizeof(int));
	f = fopen(t->path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "email,label,payload\n");
	for (r = 0; r < rows; r++) {
		uint64_t x = next_rand(&seed);

		t->fp[r] = nulls != 0 && x % nulls == 0 ? -1 :
		    lo + (int)(x / 7 % (uint64_t)(hi - lo));
		fill_rand(&seed, raw, sizeof(raw));
		memcpy(sealed, "02:enc:", 7);
		EVP_EncodeBlock((unsigned char *)sealed + 7, raw, sizeof(raw));
		if (t->fp[r] >= 0)
			pool_cell(t->fp[r], cell);
		else
			cell[0] = '\0';
		fprintf(f, "%s,%s-%zu,%s\n", cell, name, r, sealed);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static struct psid_conn *alice, *bob;

/* A collaboration of alice (all), bob (upload, query, receive). */
static void
make_collab(char id[PSID_COLLAB_ID_LEN + 1], bool duplicates, bool nulls,
    bool cleartext, bool different_names)
{
	struct psid_member m[2] = {
		{ "alice", true, true, true },
		{ "bob", true, true, true },
	};
	struct psid_settings st = { cleartext, duplicates, different_names,
	    nulls };

	ck_assert_int_eq(psid_collab_create(alice, "tests", m, 2, &st, id),
	    PSID_OK);
}

static void
upload(struct psid_conn *c, const char *id, const struct gen_table *t,
    enum psid_rule_kind kind, uint32_t min_rows)
{
	struct psid_upload_options o;
	struct psid_report rep;
	int rc;

	memset(&o, 0, sizeof(o));
	o.rule.kind = kind;
	o.rule.min_rows = min_rows;
	rc = psid_upload_csv(c, id, t->name, t->path, &o, &rep);
	ck_assert_msg(rc == PSID_OK, "upload %s: %s: %s (%s)", t->name,
	    psid_strerror(rc), rep.message, psid_conn_error(c));
	ck_assert_uint_eq(rep.rows, t->rows);
}

/* Distinct non-NULL fingerprints present in every table. */
static uint64_t
expected_count(struct gen_table **t, size_t n)
{
	uint64_t count = 0;
	int v;
	size_t i, r;

	for (v = 0; v < POOL; v++) {
		bool all = true;

		for (i = 0; i < n && all; i++) {
			bool in = false;

			for (r = 0; r < t[i]->rows && !in; r++)
				in = t[i]->fp[r] == v;
			all = in;
		}
		count += all;
	}
	return count;
}

static uint64_t
count_of(const char *id, struct gen_table **t, size_t n, int *rc)
{
	struct psid_colref refs[4];
	uint64_t count = UINT64_MAX;
	size_t i;

	for (i = 0; i < n; i++) {
		refs[i].table = t[i]->name;
		refs[i].column = "email";
	}
	*rc = psid_count(bob, id, refs, n, &count);
	return count;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_counts_and_joins_match_plain_computation)
{
	struct gen_table a, b, c, *sets[3] = { &a, &b, &c };
	char id[PSID_COLLAB_ID_LEN + 1], *dir = scratch_dir(), *out, *p;
	const char *left_cols[] = { "label" }, *right_cols[] = { "label",
	    "payload", "email" };
	struct psid_join_request jr;
	struct psid_report rep;
	char **want, **got;
	size_t nwant = 0, ngot = 0, i, r, s;
	int rc;

	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
	make_collab(id, true, true, true, false);
	/* Overlapping ranges of the pool: repeats, NULLs, a 3-way core. */
	gen_table(&a, dir, "ads", 300, 0, 40, 10, 1);
	gen_table(&b, dir, "buys", 200, 20, 60, 7, 2);
	gen_table(&c, dir, "crm", 150, 10, 30, 0, 3);
	upload(alice, id, &a, PSID_RULE_LIST, 0);
	upload(bob, id, &b, PSID_RULE_LIST, 0);
	upload(bob, id, &c, PSID_RULE_LIST, 0);

	ck_assert_uint_eq(count_of(id, sets, 2, &rc), expected_count(sets, 2));
	ck_assert_int_eq(rc, PSID_OK);
	ck_assert_uint_eq(count_of(id, sets + 1, 2, &rc),
	    expected_count(sets + 1, 2));
	ck_assert_uint_eq(count_of(id, sets, 3, &rc), expected_count(sets, 3));
	ck_assert_int_eq(rc, PSID_OK);
	ck_assert_uint_gt(expected_count(sets, 3), 0);

	/* The join: every pair of rows with equal fingerprints, as SQL. */
	memset(&jr, 0, sizeof(jr));
	jr.left.table = "ads";
	jr.left.column = "email";
	jr.right.table = "buys";
	jr.right.column = "email";
	jr.left_columns = left_cols;
	jr.nleft = 1;
	jr.right_columns = right_cols;
	jr.nright = 3;
	rc = psid_join(bob, id, &jr, scratch_path(dir, "join.csv"), false,
	    &rep);
	ck_assert_msg(rc == PSID_OK, "join: %s: %s", psid_strerror(rc),
	    psid_conn_error(bob));
	want = calloc(a.rows * b.rows + 1, sizeof(char *));
	for (r = 0; r < a.rows; r++)
		for (s = 0; s < b.rows; s++)
			if (a.fp[r] >= 0 && a.fp[r] == b.fp[s]) {
				want[nwant] = malloc(64);
				snprintf(want[nwant++], 64, "ads-%zu,buys-%zu",
				    r, s);
			}
	ck_assert_uint_eq(rep.rows, nwant);
	out = read_file(scratch_path(dir, "join.csv"), NULL);
	ck_assert_ptr_nonnull(out);
	/* Header: the name in both sides is prefixed with its table. */
	ck_assert_int_eq(strncmp(out, "ads_label,buys_label,payload,email\n",
	    35), 0);
	got = calloc(nwant + 1, sizeof(char *));
	for (p = strchr(out, '\n') + 1; *p != '\0'; p = strchr(p, '\n') + 1) {
		char *comma = strchr(strchr(p, ',') + 1, ',');
		char *email = strchr(comma + 1, ',') + 1, cell[53];
		size_t row = strtoul(strchr(p, ',') + 6, NULL, 10);

		ck_assert_uint_lt(ngot, nwant + 1);
		ck_assert_int_eq(strncmp(comma + 1, "02:enc:", 7), 0);
		/* A fingerprint comes back as the text uploaded. */
		ck_assert_uint_lt(row, b.rows);
		pool_cell(b.fp[row], cell);
		ck_assert_int_eq(strncmp(email, cell, 52), 0);
		ck_assert_int_eq(email[52], '\n');
		got[ngot] = strndup(p, (size_t)(comma - p));
		ngot++;
	}
	ck_assert_uint_eq(ngot, nwant);
	qsort(want, nwant, sizeof(char *), cmp_str);
	qsort(got, ngot, sizeof(char *), cmp_str);
	for (i = 0; i < nwant; i++) {
		ck_assert_str_eq(got[i], want[i]);
		free(got[i]);
		free(want[i]);
	}
	free(got);
	free(want);
	free(out);
	free(a.fp);
	free(b.fp);
	free(c.fp);
	psid_conn_free(alice);
	psid_conn_free(bob);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_membership_and_abilities)
{
	struct psid_member m[3] = {
		{ "alice", true, true, true },
		{ "bob", true, false, false },
		{ "carol", false, true, false },
	};
	struct psid_settings st = { false, false, false, false };
	char id[PSID_COLLAB_ID_LEN + 1], id2[PSID_COLLAB_ID_LEN + 1];
	char *dir = scratch_dir();
	struct psid_conn *carol, *mallory;
	struct psid_collab info;
	struct gen_table t, u;
	struct psid_colref refs[2] = { { "t", "email" }, { "u", "email" } };
	struct psid_join_request jr;
	struct psid_report rep;
	const char *cols[] = { "payload" };
	uint64_t n;

	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
	carol = daemon_connect(&d, "carol");
	mallory = daemon_connect(&d, "mallory");
	ck_assert_int_eq(psid_collab_create(alice, "abilities", m, 3, &st,
	    id), PSID_OK);

	/* Members see the settings; a non-member gets "not found". */
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(psid_collab_get(bob, id, &info), PSID_OK);
	ck_assert_str_eq(info.id, id);
	ck_assert_str_eq(info.creator, "alice");
	ck_assert_uint_eq(info.nmembers, 3);
	ck_assert(!info.settings.allow_cleartext);
	psid_collab_clear(&info);
	ck_assert_int_eq(psid_collab_get(mallory, id, &info),
	    PSID_ERR_NOT_FOUND);
	ck_assert_int_eq(psid_collab_get(mallory,
	    "00000000-0000-4000-8000-000000000000", &info),
	    PSID_ERR_NOT_FOUND);

	/* A collaboration's creator is a member even if not listed. */
	ck_assert_int_eq(psid_collab_create(carol, "by carol", m, 1, &st,
	    id2), PSID_OK);
	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(psid_collab_get(carol, id2, &info), PSID_OK);
	ck_assert_uint_eq(info.nmembers, 2);
	psid_collab_clear(&info);

	/* Cleartext is refused where not allowed: nothing is stored. */
	gen_table(&t, dir, "t", 50, 0, 50, 0, 4);
	{
		struct psid_upload_options o;

		memset(&o, 0, sizeof(o));
		o.rule.kind = PSID_RULE_LIST;
		ck_assert_int_eq(psid_upload_csv(bob, id, "t", t.path, &o,
		    &rep), PSID_ERR_REFUSED);
		ck_assert_str_eq(rep.column, "label");
	}
	free(t.fp);

	/* bob uploads; carol may not; mallory is told nothing exists. */
	{
		FILE *f;
		int i;
		char cell[53];

		snprintf(t.path, sizeof(t.path), "%s/t.csv", dir);
		snprintf(t.name, sizeof(t.name), "t");
		f = fopen(t.path, "w");
		fprintf(f, "email\n");
		for (i = 0; i < 40; i++) {
			pool_cell(i, cell);
			fprintf(f, "%s\n", cell);
		}
		fclose(f);
		t.rows = 40;
		t.fp = NULL;
		snprintf(u.path, sizeof(u.path), "%s/u.csv", dir);
		snprintf(u.name, sizeof(u.name), "u");
		f = fopen(u.path, "w");
		fprintf(f, "email\n");
		for (i = 30; i < 50; i++) {
			pool_cell(i, cell);
			fprintf(f, "%s\n", cell);
		}
		fclose(f);
		u.rows = 20;
		u.fp = NULL;
	}
	upload(bob, id, &t, PSID_RULE_AGGREGATION, 5);
	{
		struct psid_upload_options o;

		memset(&o, 0, sizeof(o));
		ck_assert_int_eq(psid_upload_csv(carol, id, "u", u.path, &o,
		    &rep), PSID_ERR_FORBIDDEN);
		ck_assert_int_eq(psid_upload_csv(mallory, id, "u", u.path, &o,
		    &rep), PSID_ERR_NOT_FOUND);
		/* An existing table is not overwritten without replace. */
		ck_assert_int_eq(psid_upload_csv(bob, id, "t", u.path, &o,
		    &rep), PSID_ERR_CONFLICT);
	}
	upload(alice, id, &u, PSID_RULE_AGGREGATION, 20);

	/* Counts: carol may query, bob may not; thresholds apply. */
	ck_assert_int_eq(psid_count(bob, id, refs, 2, &n), PSID_ERR_FORBIDDEN);
	ck_assert_int_eq(psid_count(mallory, id, refs, 2, &n),
	    PSID_ERR_NOT_FOUND);
	/* 10 in common: under u's threshold of 20. */
	ck_assert_int_eq(psid_count(carol, id, refs, 2, &n),
	    PSID_ERR_FORBIDDEN);
	refs[1].table = "t";
	ck_assert_int_eq(psid_count(carol, id, refs, 2, &n), PSID_OK);
	ck_assert_uint_eq(n, 40);
	refs[1].table = "nosuch";
	ck_assert_int_eq(psid_count(carol, id, refs, 2, &n),
	    PSID_ERR_NOT_FOUND);

	/* Joins: carol may not receive; alice may, but the rules forbid. */
	memset(&jr, 0, sizeof(jr));
	jr.left.table = "t";
	jr.left.column = "email";
	jr.right.table = "u";
	jr.right.column = "email";
	jr.left_columns = (const char *const *)cols;
	jr.nleft = 0;
	jr.right_columns = (const char *const *)cols;
	jr.nright = 0;
	ck_assert_int_eq(psid_join(carol, id, &jr,
	    scratch_path(dir, "j.csv"), true, &rep), PSID_ERR_FORBIDDEN);
	jr.left_columns = (const char *const[]){ "email" };
	jr.nleft = 1;
	ck_assert_int_eq(psid_join(alice, id, &jr,
	    scratch_path(dir, "j.csv"), true, &rep), PSID_ERR_FORBIDDEN);
	ck_assert(!file_exists(scratch_path(dir, "j.csv")));

	/* Only the owner deletes. */
	ck_assert_int_eq(psid_table_delete(alice, id, "t"),
	    PSID_ERR_FORBIDDEN);
	ck_assert_int_eq(psid_table_delete(mallory, id, "t"),
	    PSID_ERR_NOT_FOUND);
	ck_assert_int_eq(psid_table_delete(bob, id, "t"), PSID_OK);
	ck_assert_int_eq(psid_table_delete(bob, id, "t"), PSID_ERR_NOT_FOUND);
	refs[0].table = "u";
	refs[1].table = "t";
	ck_assert_int_eq(psid_count(carol, id, refs, 2, &n),
	    PSID_ERR_NOT_FOUND);

	psid_conn_free(alice);
	psid_conn_free(bob);
	psid_conn_free(carol);
	psid_conn_free(mallory);
	scratch_remove(dir);
}
END_TEST

START_TEST(test_duplicates_refused_with_row_and_column)
{
	char id[PSID_COLLAB_ID_LEN + 1], *dir = scratch_dir(), cell[53];
	struct psid_upload_options o;
	struct psid_report rep;
	struct gen_table t;
	FILE *f;
	int i, rc;

	alice = daemon_connect(&d, "alice");
	make_collab(id, false, false, false, false);
	snprintf(t.path, sizeof(t.path), "%s/d.csv", dir);
	f = fopen(t.path, "w");
	fprintf(f, "email\n");
	for (i = 0; i < 30; i++) {
		pool_cell(i == 21 ? 4 : i, cell);	/* row 22 repeats 5 */
		fprintf(f, "%s\n", cell);
	}
	fclose(f);
	memset(&o, 0, sizeof(o));
	o.rule.kind = PSID_RULE_LIST;
	rc = psid_upload_csv(alice, id, "d", t.path, &o, &rep);
	ck_assert_int_eq(rc, PSID_ERR_REFUSED);
	ck_assert_str_eq(rep.column, "email");
	ck_assert_uint_eq(rep.line, 23);	/* the header is line 1 */
	ck_assert_ptr_nonnull(strstr(rep.message, "duplicates"));
	psid_conn_free(alice);
	bob = daemon_connect(&d, "bob");
	{
		struct psid_colref refs[2] = { { "d", "email" },
		    { "d", "email" } };
		uint64_t n;

		ck_assert_int_eq(psid_count(bob, id, refs, 2, &n),
		    PSID_ERR_NOT_FOUND);
	}
	psid_conn_free(bob);
	scratch_remove(dir);
}
END_TEST

struct audit_seen {
	char ops[1024];
	uint64_t last;
};

static int
audit_cb(void *arg, const struct psid_audit_entry *e)
{
	struct audit_seen *s = arg;
	size_t len = strlen(s->ops);

	ck_assert_uint_gt(e->sequence, s->last);
	s->last = e->sequence;
	snprintf(s->ops + len, sizeof(s->ops) - len, "%s%s:%s",
	    len ? "," : "", e->identity, e->operation);
	return 0;
}

START_TEST(test_audit_log)
{
	char id[PSID_COLLAB_ID_LEN + 1], *dir = scratch_dir();
	struct gen_table a;
	struct audit_seen seen;
	struct psid_colref refs[2] = { { "a", "email" }, { "a", "email" } };
	uint64_t n;

	alice = daemon_connect(&d, "alice");
	bob = daemon_connect(&d, "bob");
	make_collab(id, true, true, true, false);
	gen_table(&a, dir, "a", 100, 0, 64, 0, 9);
	upload(alice, id, &a, PSID_RULE_LIST, 0);
	ck_assert_int_eq(psid_count(bob, id, refs, 2, &n), PSID_OK);
	ck_assert_int_eq(psid_table_delete(alice, id, "a"), PSID_OK);
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(psid_audit_read(bob, id, 0, audit_cb, &seen),
	    PSID_OK);
	ck_assert_str_eq(seen.ops,
	    "alice:create,alice:upload,bob:count,alice:delete");
	free(a.fp);
	psid_conn_free(alice);
	psid_conn_free(bob);
	scratch_remove(dir);
}
END_TEST

Suite *
make_daemon_api_suite(void)
{
	Suite *s = suite_create("daemon_api");
	TCase *tc = tcase_create("libpsid");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, NULL, check);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_counts_and_joins_match_plain_computation);
	tcase_add_test(tc, test_membership_and_abilities);
	tcase_add_test(tc, test_duplicates_refused_with_row_and_column);
	tcase_add_test(tc, test_audit_log);
	suite_add_tcase(s, tc);
	return s;
}
