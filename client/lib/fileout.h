/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileout.h: all-or-nothing output files. Output is written to a
 * temporary file beside the target and renamed into place on success, so
 * a failed or interrupted run never leaves a partial file, and an
 * existing file is never clobbered unless overwrite is asked for.
 */
#ifndef PSID_FILEOUT_H
#define PSID_FILEOUT_H

#include <stdbool.h>

struct fileout {
	int fd;			/* the temporary file, -1 when closed */
	bool overwrite;
	char *path;
	char *tmp_path;
};

/*
 * Create the temporary file for path. Returns PSID_OK, PSID_ERR_EXISTS
 * (path exists and overwrite is false), PSID_ERR_IO (errno set) or
 * PSID_ERR_NOMEM.
 */
int fileout_open(struct fileout *out, const char *path, bool overwrite);

/*
 * Close the temporary file and rename it to the target. Returns PSID_OK,
 * PSID_ERR_EXISTS (the target appeared meanwhile, overwrite off) or
 * PSID_ERR_IO; on error the temporary file is removed.
 */
int fileout_commit(struct fileout *out);

/* Close and remove the temporary file (safe after commit, or twice). */
void fileout_abort(struct fileout *out);

#endif /* PSID_FILEOUT_H */
