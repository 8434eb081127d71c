/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privacy.c: a query's privacy plan, its payment and its noise (see
 * privacy.h; the samplers are noise.c's).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "frame.h"
#include "log.h"
#include "noise.h"
#include "privacy.h"
#include "server.h"

uint32_t
privacy_period(const Psid__PrivacyPolicy *policy, time_t now)
{
	struct tm tm;

	if (policy->refresh != PSID__PRIVACY_POLICY__REFRESH__MONTHLY ||
	    gmtime_r(&now, &tm) == NULL)
		return 0;
	return (uint32_t)(tm.tm_year + 1900) * 100 + (uint32_t)tm.tm_mon + 1;
}

bool
privacy_plan(const Psid__TableInfo *const *tables, size_t n, time_t now,
    struct privacy_plan *plan)
{
	const Psid__PrivacyPolicy *p;
	bool all_gaussian = true;
	size_t i, j;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < n; i++) {
		if (tables[i]->rule == NULL ||
		    (p = tables[i]->rule->privacy) == NULL)
			continue;
		for (j = 0; j < plan->n; j++)
			if (strcmp(plan->spends[j].table, tables[i]->name) == 0)
				break;
		if (j < plan->n)
			continue;	/* a table in two sets pays once */
		plan->spends[plan->n].table = tables[i]->name;
		plan->spends[plan->n].epsilon_milli = p->epsilon_milli;
		plan->spends[plan->n].budget_milli = p->budget_milli;
		plan->spends[plan->n].period = privacy_period(p, now);
		plan->n++;
		if (plan->epsilon_milli == 0 ||
		    p->epsilon_milli < plan->epsilon_milli)
			plan->epsilon_milli = p->epsilon_milli;
		if (p->mechanism != PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN)
			all_gaussian = false;
	}
	/* The Laplace's epsilon-DP implies the Gaussian's zCDP, not back. */
	plan->mechanism = all_gaussian ?
	    PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN :
	    PSID__PRIVACY_POLICY__MECHANISM__LAPLACE;
	return plan->n > 0;
}

int
privacy_spend(const struct request *rq, const char *collab,
    const struct privacy_plan *plan, const char *operation,
    const char *detail)
{
	uint64_t before[STORE_MAX_SETS];
	uint8_t entry[RQ_AUDIT_ENTRY_MAX];
	char text[1400], e[32], s[32], b[32], err[256];
	size_t i, off, len, refused = 0;
	int rc;

	off = (size_t)snprintf(text, sizeof(text), "%s; privacy:", detail);
	for (i = 0; i < plan->n && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "%s epsilon %s from %s", i ? "," : "",
		    frame_milli_text(plan->spends[i].epsilon_milli, e,
		    sizeof(e)), plan->spends[i].table);
	if ((len = rq_audit_pack(rq, operation, text, entry,
	    sizeof(entry))) == 0) {
		rq_reply_error(rq, PSID__ERROR_CODE__TOO_LARGE,
		    "the query is too long to audit");
		return -1;
	}
	rc = store_budget_spend(rq->srv->store, collab, plan->spends, plan->n,
	    entry, len, &refused, before, err, sizeof(err));
	if (rc == STORE_EXHAUSTED) {
		rq_audit(rq, collab, operation, "%s: refused, privacy budget "
		    "of %s exhausted", detail, plan->spends[refused].table);
		rq_reply_error(rq, PSID__ERROR_CODE__FORBIDDEN, "table %s: "
		    "privacy budget exhausted (%s of %s spent)",
		    plan->spends[refused].table,
		    frame_milli_text(before[refused], s, sizeof(s)),
		    frame_milli_text(plan->spends[refused].budget_milli, b,
		    sizeof(b)));
		return -1;
	}
	if (rc != STORE_OK) {
		log_warnx("%s: privacy budget: %s", collab, err);
		rq_reply_error(rq, rc == STORE_NOTFOUND ?
		    PSID__ERROR_CODE__NOT_FOUND : PSID__ERROR_CODE__UNAVAILABLE,
		    "the privacy budget cannot be paid");
		return -1;
	}
	rq_audit_log(rq, collab, operation, text);
	return 0;
}

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

int
privacy_noise_count(const struct privacy_plan *plan, uint64_t count,
    uint64_t *noisy, Psid__Noise *noise)
{
	struct noise_src src;
	uint64_t t, s, g;
	int64_t z;
	int rc;

	psid__noise__init(noise);
	noise->mechanism = plan->mechanism;
	noise->epsilon_milli = plan->epsilon_milli;
	noise_src_csprng(&src);
	if (plan->mechanism == PSID__PRIVACY_POLICY__MECHANISM__GAUSSIAN) {
		/* sigma = 1 / epsilon: sigma^2 = 1000^2 / epsilon_milli^2 */
		t = 1000000;
		s = (uint64_t)plan->epsilon_milli * plan->epsilon_milli;
		g = gcd(t, s);
		rc = noise_gaussian(&src, t / g, s / g, &z);
		noise->ci95 = noise_gaussian_ci95(t / g, s / g);
	} else {
		/* scale 1 / epsilon = 1000 / epsilon_milli */
		g = gcd(1000, plan->epsilon_milli);
		rc = noise_laplace(&src, 1000 / g, plan->epsilon_milli / g, &z);
		noise->ci95 = noise_laplace_ci95(1000 / g,
		    plan->epsilon_milli / g);
	}
	noise_src_clear(&src);
	if (rc != 0)
		return -1;
	if (z < 0 && (uint64_t)(-z) >= count)
		*noisy = 0;
	else
		*noisy = z < 0 ? count - (uint64_t)(-z) : count + (uint64_t)z;
	return 0;
}
