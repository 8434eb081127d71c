/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suites.h: the check suites of the unit-test runner, one per area.
 */
#ifndef PSID_TESTS_SUITES_H
#define PSID_TESTS_SUITES_H

#include <check.h>

Suite *make_keys_suite(void);
Suite *make_cell_suite(void);
Suite *make_csv_suite(void);
Suite *make_schema_suite(void);
Suite *make_table_suite(void);
Suite *make_template_suite(void);
Suite *make_property_suite(void);
Suite *make_frame_suite(void);
Suite *make_server_suite(void);
Suite *make_tls_suite(void);
Suite *make_storage_suite(void);
Suite *make_tables_suite(void);
Suite *make_client_net_suite(void);
Suite *make_client_wire_suite(void);
Suite *make_client_query_suite(void);
Suite *make_noise_suite(void);
Suite *make_budget_suite(void);
Suite *make_rule_suite(void);
Suite *make_c3rcell_suite(void);
Suite *make_decimal_suite(void);
Suite *make_rowfmt_suite(void);
Suite *make_policy_suite(void);
Suite *make_dispatch_suite(void);
Suite *make_upload_suite(void);
Suite *make_sql_suite(void);
Suite *make_worker_suite(void);

#endif
