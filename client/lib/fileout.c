/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fileout.c: all-or-nothing output files (see fileout.h), and their
 * public form for a buffer, psid_file_write (<psid/client.h>).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileout.h"
#include "outbuf.h"
#include "psid/client.h"

int
fileout_open(struct fileout *out, const char *path, bool overwrite)
{
	struct stat st;
	size_t len = strlen(path);

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->overwrite = overwrite;
	if (!overwrite && lstat(path, &st) == 0) {
		errno = EEXIST;
		return PSID_ERR_EXISTS;
	}
	out->path = strdup(path);
	out->tmp_path = malloc(len + sizeof(".XXXXXX"));
	if (out->path == NULL || out->tmp_path == NULL) {
		fileout_abort(out);
		return PSID_ERR_NOMEM;
	}
	memcpy(out->tmp_path, path, len);
	memcpy(out->tmp_path + len, ".XXXXXX", sizeof(".XXXXXX"));
	if ((out->fd = mkostemp(out->tmp_path, O_CLOEXEC)) < 0) {
		free(out->tmp_path);
		out->tmp_path = NULL;
		fileout_abort(out);
		return PSID_ERR_IO;
	}
	return PSID_OK;
}

/* Rename without replacing an existing target. */
static int
rename_noreplace(const char *from, const char *to)
{
	struct stat st;

#ifdef HAVE_RENAMEAT2
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	/* Filesystems without RENAME_NOREPLACE: link fails on EEXIST. */
	if (link(from, to) == 0) {
		(void)unlink(from);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	/* No hard links either (FAT, some FUSE): check, then rename. */
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return errno == ENOENT ? rename(from, to) : -1;
}

int
fileout_commit(struct fileout *out)
{
	int rc;

	if (out->fd < 0)
		return PSID_ERR_IO;
	rc = close(out->fd);
	out->fd = -1;
	if (rc != 0) {
		fileout_abort(out);
		return PSID_ERR_IO;
	}
	if (out->overwrite)
		rc = rename(out->tmp_path, out->path);
	else
		rc = rename_noreplace(out->tmp_path, out->path);
	if (rc != 0) {
		rc = errno == EEXIST ? PSID_ERR_EXISTS : PSID_ERR_IO;
		fileout_abort(out);
		return rc;
	}
	free(out->tmp_path);
	out->tmp_path = NULL;
	fileout_abort(out);
	return PSID_OK;
}

void
fileout_abort(struct fileout *out)
{
	int saved = errno;

	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	if (out->tmp_path != NULL)
		(void)unlink(out->tmp_path);
	free(out->tmp_path);
	free(out->path);
	out->tmp_path = out->path = NULL;
	errno = saved;
}

int
psid_file_write(const char *path, const void *data, size_t len,
    bool overwrite)
{
	struct fileout out;
	int rc;

	if (path == NULL || (data == NULL && len > 0))
		return PSID_ERR_INVALID;
	if ((rc = fileout_open(&out, path, overwrite)) != PSID_OK)
		return rc;
	if (outbuf_write_all(out.fd, data, len) != 0) {
		fileout_abort(&out);
		return PSID_ERR_IO;
	}
	return fileout_commit(&out);
}
