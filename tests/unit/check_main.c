/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_main.c: runs every unit-test suite; exit status is non-zero when
 * any test fails. CK_RUN_SUITE / CK_RUN_CASE select a part, as usual.
 */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(make_keys_suite());
	srunner_add_suite(sr, make_cell_suite());
	srunner_add_suite(sr, make_csv_suite());
	srunner_add_suite(sr, make_schema_suite());
	srunner_add_suite(sr, make_table_suite());
	srunner_add_suite(sr, make_template_suite());
	srunner_add_suite(sr, make_property_suite());
	srunner_add_suite(sr, make_frame_suite());
	srunner_add_suite(sr, make_server_suite());
	srunner_add_suite(sr, make_tls_suite());
	srunner_add_suite(sr, make_storage_suite());
	srunner_add_suite(sr, make_tables_suite());
	srunner_add_suite(sr, make_client_net_suite());
	srunner_add_suite(sr, make_client_wire_suite());
	srunner_add_suite(sr, make_client_query_suite());
	srunner_add_suite(sr, make_noise_suite());
	srunner_add_suite(sr, make_budget_suite());
	srunner_add_suite(sr, make_rule_suite());
	srunner_add_suite(sr, make_c3rcell_suite());
	srunner_add_suite(sr, make_decimal_suite());
	srunner_add_suite(sr, make_rowfmt_suite());
	srunner_add_suite(sr, make_policy_suite());
	srunner_add_suite(sr, make_dispatch_suite());
	srunner_add_suite(sr, make_upload_suite());
	srunner_add_suite(sr, make_sql_suite());
	srunner_add_suite(sr, make_worker_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
