/* SPDX-License-Identifier: Apache-2.0 */
/*
 * installcheck.c: a program built against the installed libpsid with
 * `pkg-config --cflags --libs psid` (tests/install.sh builds and runs it),
 * as a user of the library would write one: it connects to psid, counts
 * the intersection of two tables, then waits for a line on stdin (psid is
 * reloaded meanwhile) and counts again on the same open connection.
 *
 * usage: installcheck HOST PORT CA CERT KEY COLLAB_ID TABLE.COL TABLE.COL
 * prints the count twice; exits 0, or 1 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <psid/client.h>

static int
count_once(struct psid_conn *conn, const char *id, char **refs)
{
	struct psid_colref sets[2];
	char *dot;
	uint64_t n;
	int i, rc;

	for (i = 0; i < 2; i++) {
		dot = strchr(refs[i], '.');
		if (dot == NULL)
			return -1;
		*dot = '\0';
		sets[i].table = refs[i];
		sets[i].column = dot + 1;
	}
	rc = psid_count(conn, id, sets, 2, &n);
	for (i = 0; i < 2; i++)
		refs[i][strlen(refs[i])] = '.';
	if (rc != PSID_OK) {
		fprintf(stderr, "installcheck: count: %s: %s\n",
		    psid_strerror(rc), psid_conn_error(conn));
		return -1;
	}
	printf("%llu\n", (unsigned long long)n);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct psid_conn_options o;
	struct psid_conn *conn = NULL;
	char line[64];
	int rc;

	if (argc != 9) {
		fprintf(stderr, "usage: installcheck HOST PORT CA CERT KEY ID "
		    "TABLE.COL TABLE.COL\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.host = argv[1];
	o.port = argv[2];
	o.ca_file = argv[3];
	o.cert_file = argv[4];
	o.key_file = argv[5];
	if ((rc = psid_connect(&o, &conn)) != PSID_OK) {
		fprintf(stderr, "installcheck: connect: %s: %s\n",
		    psid_strerror(rc), conn != NULL ? psid_conn_error(conn) :
		    "");
		psid_conn_free(conn);
		return 1;
	}
	if (count_once(conn, argv[6], argv + 7) != 0)
		goto fail;
	if (fgets(line, sizeof(line), stdin) == NULL)
		goto fail;
	if (count_once(conn, argv[6], argv + 7) != 0)
		goto fail;
	psid_conn_free(conn);
	return 0;
fail:
	psid_conn_free(conn);
	return 1;
}
