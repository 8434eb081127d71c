/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_daemon_main.c: the integration tests: each starts a real psid
 * on 127.0.0.1 (a free port) with its state in a scratch directory.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "daemon_suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	/* A peer psid closes is written to: an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	sr = srunner_create(make_daemon_suite());
	srunner_add_suite(sr, make_daemon_api_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
