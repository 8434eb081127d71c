/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c: stderr or syslog logging for psid (see log.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/err.h>

#include "log.h"

static bool log_to_stderr = true;
static enum log_level log_level = LOG_LEVEL_INFO;
static const char *log_ident = "psid";

void
log_init(const char *ident, bool foreground, enum log_level level)
{
	log_ident = ident;
	log_level = level;
	if (!foreground && log_to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (foreground && !log_to_stderr)
		closelog();
	log_to_stderr = foreground;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* Write one line; with_errno appends ": strerror(saved errno)". */
static void
log_line(int priority, enum log_level level, bool with_errno,
    const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno, n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(saved));
	/* One event, one line: no newline may split it. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, msg);
	else
		syslog(priority, "%s", msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_WARNING, LOG_LEVEL_WARN, true, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_WARNING, LOG_LEVEL_WARN, false, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_INFO, LOG_LEVEL_INFO, false, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_DEBUG, LOG_LEVEL_DEBUG, false, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_CRIT, LOG_LEVEL_WARN, true, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_CRIT, LOG_LEVEL_WARN, false, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_ssl_errors(const char *what)
{
	char buf[256];
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
}
