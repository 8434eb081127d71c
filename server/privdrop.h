/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privdrop.h: giving up root. psid started as root binds its sockets and
 * reads its key, then becomes the configured user (supplementary groups,
 * group and user, real, effective and saved) and checks that root cannot
 * be had back, before it opens storage. Started as another user it runs
 * as that user.
 */
#ifndef PSID_PRIVDROP_H
#define PSID_PRIVDROP_H

#include <stddef.h>

/*
 * When running as root: make state_dir (mode 0700, owned by user) if it
 * is missing, then become user. Not root: nothing (user is ignored).
 * Returns 0; 1 when running as root with no user given (nothing done:
 * the caller warns); or -1 with err saying what failed (an unknown user,
 * a failed call, or privileges that could be regained).
 */
int privdrop(const char *user, const char *state_dir, char *err,
    size_t err_size);

#endif /* PSID_PRIVDROP_H */
