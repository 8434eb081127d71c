/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proclimits.h: the process limits psid sets for itself at start-up.
 */
#ifndef PSID_PROCLIMITS_H
#define PSID_PROCLIMITS_H

struct psid_config;

/*
 * Raise RLIMIT_NOFILE's soft limit to the hard one, warning when it is
 * under what cfg's connection budgets need; fix malloc's mmap threshold
 * (1 MiB) so that large freed buffers go back to the system. Call once,
 * before serving.
 */
void proclimits_apply(const struct psid_config *cfg);

#endif /* PSID_PROCLIMITS_H */
