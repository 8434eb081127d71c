/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: psid's logging, after OpenSMTPD's log.c: to stderr in the
 * foreground, to syslog (facility daemon) otherwise; one line per event.
 * Callers never log a secret, a cell or a fingerprint: messages name
 * members, collaborations and operations only.
 */
#ifndef PSID_LOG_H
#define PSID_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LEVEL_WARN = 0,	/* problems: always written */
	LOG_LEVEL_INFO = 1,	/* operator-facing events */
	LOG_LEVEL_DEBUG = 2,	/* -d: developer detail */
};

/*
 * Start logging. foreground: to stderr, else to syslog with ident.
 * level: the most detailed level written. May be called again (SIGHUP).
 */
void log_init(const char *ident, bool foreground, enum log_level level);

/* Change the level (a reloaded config). */
void log_set_level(enum log_level level);

/* A warning with ": strerror(errno)" appended. errno is preserved. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning. errno is preserved. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An operator-facing event. errno is preserved. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Developer detail, written only at LOG_LEVEL_DEBUG. errno is preserved. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log with ": strerror(errno)" and exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Log and exit(1). */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Log every queued OpenSSL error as a warning, prefixed by what. */
void log_ssl_errors(const char *what);

#endif /* PSID_LOG_H */
