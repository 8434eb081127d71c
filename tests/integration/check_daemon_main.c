/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_daemon_main.c: the integration tests: against a real psid on
 * 127.0.0.1 (a free port) with its state in a scratch directory; one
 * psid per test case where the tests can share it, one per test where a
 * test kills, restarts, reconfigures or fills it. All use one throwaway
 * PKI, made here before the tests.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "daemon_suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	/* A peer psid closes is written to: an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (daemon_pki_init() != 0)
		return EXIT_FAILURE;
	sr = srunner_create(make_daemon_suite());
	srunner_add_suite(sr, make_daemon_api_suite());
	srunner_add_suite(sr, make_privacy_suite());
	srunner_add_suite(sr, make_query_suite());
	srunner_add_suite(sr, make_query_values_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	daemon_pki_cleanup();
	/* A shared psid that did not stop cleanly fails no single test. */
	if (daemon_failures() != 0)
		fprintf(stderr, "%d shared psid(s) did not stop cleanly\n",
		    daemon_failures());
	return failed == 0 && daemon_failures() == 0 ? EXIT_SUCCESS :
	    EXIT_FAILURE;
}
