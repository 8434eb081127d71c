/* SPDX-License-Identifier: Apache-2.0 */
/*
 * privdrop.c: become the configured user (see privdrop.h), the way
 * OpenSMTPD and unbound do: setgroups, setresgid, setresuid, then check.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "privdrop.h"

int
privdrop(const char *user, const char *state_dir, char *err, size_t err_size)
{
	struct passwd *pw;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0')
		return 1;	/* the caller warns: running as root */
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, err_size, "user %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, err_size, "user %s is root; psid does not run "
		    "as root", user);
		return -1;
	}
	/* The state directory is the user's own. */
	if (mkdir(state_dir, 0700) == 0) {
		if (chown(state_dir, pw->pw_uid, pw->pw_gid) != 0) {
			snprintf(err, err_size, "chown %s: %s", state_dir,
			    strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		snprintf(err, err_size, "%s: %s", state_dir, strerror(errno));
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		snprintf(err, err_size, "becoming %s: %s", user,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0 ||
	    ruid != pw->pw_uid || euid != pw->pw_uid || suid != pw->pw_uid ||
	    rgid != pw->pw_gid || egid != pw->pw_gid || sgid != pw->pw_gid) {
		snprintf(err, err_size, "becoming %s: the ids did not take",
		    user);
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, err_size, "becoming %s: root could be regained",
		    user);
		return -1;
	}
	return 0;
}
