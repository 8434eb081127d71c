/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon_suites.h: the integration suites (against a real psid).
 */
#ifndef PSID_TESTS_DAEMON_SUITES_H
#define PSID_TESTS_DAEMON_SUITES_H

#include <check.h>

Suite *make_daemon_suite(void);	/* raw frames: TLS, hostile input, kills */
Suite *make_daemon_api_suite(void);	/* libpsid against psid */
Suite *make_privacy_suite(void);	/* noisy counts, budgets */
Suite *make_query_suite(void);	/* SQL against SQLite on the plaintext */
Suite *make_query_values_suite(void);	/* sums, refusals, the audit */

#endif
