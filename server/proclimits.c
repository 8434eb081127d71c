/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proclimits.c: the process limits psid sets for itself at start-up (see
 * proclimits.h).
 */
#include "config.h"

#include <malloc.h>
#include <sys/resource.h>

#include "conf.h"
#include "proclimits.h"
#include "log.h"

/*
 * Process limits: descriptors for every budget of connections (the soft
 * limit raised to the hard one), and malloc's large blocks mapped and
 * unmapped on their own (a fixed threshold: glibc's moving one would keep
 * freed frame buffers in the heap), so memory buffered for connections
 * goes back to the system once they close.
 */
void
proclimits_apply(const struct psid_config *cfg)
{
	unsigned long long need = (unsigned long long)cfg->max_connections +
	    cfg->max_handshakes + 64;
	struct rlimit rl;

	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warnx("only %llu file descriptors (RLIMIT_NOFILE) for "
		    "max_connections + max_handshakes = %llu connections",
		    (unsigned long long)rl.rlim_cur, need - 64);
}

