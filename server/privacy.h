/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privacy.h: differential privacy for the numbers psid releases from
 * tables with a PrivacyPolicy (psid.proto): which policies a query
 * touches, paying their budgets before the query runs, and the noise of
 * the answer.
 *
 * A query over tables with policies is noised once, calibrated to the
 * smallest epsilon among them (so each table gets at least its own
 * guarantee), and each table pays its own epsilon, collaboration-wide: a
 * budget bounds what all members together learn of the table, so
 * members cannot pool per-member budgets. An intersection count counts
 * distinct values of the join columns, so one person (one value) changes
 * it by at most 1 whatever the contribution limit: its sensitivity is 1.
 * The discrete Laplace gives epsilon-DP; the discrete Gaussian, asked
 * for only when every policy of the query asks for it, rho-zCDP with
 * rho = epsilon^2 / 2 (sigma = 1 / epsilon).
 */
#ifndef PSID_PRIVACY_H
#define PSID_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psid.pb-c.h"
#include "request.h"
#include "store.h"

/* What a query's tables ask of it. */
struct privacy_plan {
	size_t n;				/* tables with a policy */
	struct store_spend spends[STORE_MAX_SETS];
	uint32_t epsilon_milli;			/* the noise's: the smallest */
	Psid__PrivacyPolicy__Mechanism mechanism;
};

/*
 * The plan of a query over tables[0..n) (duplicates paid once). Returns
 * true when at least one table has a policy.
 */
bool privacy_plan(const Psid__TableInfo *const *tables, size_t n,
    time_t now, struct privacy_plan *plan);

/*
 * Pay the plan's spends and append the audit entry (operation, detail,
 * and each table's epsilon) in one transaction, before the query runs.
 * Returns 0, or -1 after replying (FORBIDDEN "table T: privacy budget
 * exhausted (S of B spent)", or an error of the store).
 */
int privacy_spend(const struct request *rq, const char *collab,
    const struct privacy_plan *plan, const char *operation,
    const char *detail);

/*
 * count with the plan's noise into *noisy (never below 0), and what the
 * answer says of the noise into *noise (initialised here). Returns 0, or
 * -1 when no noise could be drawn (nothing may then be released).
 */
int privacy_noise_count(const struct privacy_plan *plan, uint64_t count,
    uint64_t *noisy, Psid__Noise *noise);

/* The budget period of a policy at time now: 0, or yyyymm (UTC). */
uint32_t privacy_period(const Psid__PrivacyPolicy *policy, time_t now);

#endif /* PSID_PRIVACY_H */
