/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_server.c: the daemon's small utilities: the sd_notify protocol
 * (a real datagram socket standing in for systemd) and log lines (one
 * line per event, errno appended and preserved, levels honoured).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "suites.h"
#include "testutil.h"

/* A datagram socket bound at name (a path, or '@' for abstract). */
static int
listen_notify(const char *name)
{
	struct sockaddr_un sun;
	size_t len = strlen(name);
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

static void
expect_datagram(int fd, const char *prefix)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strncmp(buf, prefix, strlen(prefix)) == 0, "got %s", buf);
}

START_TEST(notify_path_and_abstract)
{
	char *dir = scratch_dir(), path[4096], abstract[64];
	int fd;

	snprintf(path, sizeof(path), "%s", scratch_path(dir, "notify"));
	fd = listen_notify(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(sdnotify_send("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	ck_assert_int_eq(sdnotify_reloading(), 1);
	expect_datagram(fd, "RELOADING=1\nMONOTONIC_USEC=");
	close(fd);

	snprintf(abstract, sizeof(abstract), "@psid-test-%ld", (long)getpid());
	fd = listen_notify(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	ck_assert_int_eq(sdnotify_send("STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	close(fd);

	/* Not under systemd: nothing to do. A bad name: an error. */
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(sdnotify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(sdnotify_send("READY=1"), -1);
	ck_assert_int_eq(errno, EINVAL);
	unsetenv("NOTIFY_SOCKET");
	scratch_remove(dir);
}
END_TEST

/* Run fn with stderr captured into buf. */
static void
capture_stderr(void (*fn)(void), char *buf, size_t size)
{
	int pipefd[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe(pipefd), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(pipefd[1], STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(pipefd[1]);
	n = read(pipefd[0], buf, size - 1);
	close(pipefd[0]);
	buf[n > 0 ? n : 0] = '\0';
}

static void
log_some(void)
{
	log_init("psid", true, LOG_LEVEL_INFO);
	errno = ENOENT;
	log_warn("open %s", "state");
	ck_assert_int_eq(errno, ENOENT);
	log_info("member %s: upload\ninjected", "alice");
	log_debug("not shown");
	log_set_level(LOG_LEVEL_DEBUG);
	log_debug("shown");
	log_set_level(LOG_LEVEL_INFO);
}

START_TEST(log_lines)
{
	char out[1024];

	capture_stderr(log_some, out, sizeof(out));
	ck_assert_str_eq(out, "psid: open state: No such file or directory\n"
	    "psid: member alice: upload injected\n"
	    "psid: shown\n");
}
END_TEST

Suite *
make_server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("server");

	tcase_add_test(tc, notify_path_and_abstract);
	tcase_add_test(tc, log_lines);
	suite_add_tcase(s, tc);
	return s;
}
