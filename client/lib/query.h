/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.h: what the tests reach of query.c, which implements psid_query
 * and psid_result_free (<psid/remote.h>): the limits on a result, which
 * a test lowers to pass them with a few rows.
 */
#ifndef PSID_QUERY_H
#define PSID_QUERY_H

#include <stddef.h>
#include <stdint.h>

#ifdef PSID_TEST_HOOKS
/*
 * Test hook (the tests' CPPFLAGS define PSID_TEST_HOOKS, as query.c
 * does): the most rows and bytes a result may hold from now on, 0 for
 * PSID_RESULT_MAX_ROWS and PSID_RESULT_MAX_BYTES. Not for threads.
 */
void query_limits_set(uint32_t rows, size_t bytes);
#endif /* PSID_TEST_HOOKS */

#endif /* PSID_QUERY_H */
