/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.h: psid's configuration: defaults, then the config file (an ini
 * file, psid.conf(5)), then the command line, which overrides the file.
 * A file is applied whole or not at all: every error names file:line and
 * what is wrong, and nothing of a file with an error is kept.
 */
#ifndef PSID_CONF_H
#define PSID_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CONF_MAX_LISTEN		8
#define CONF_FILE_DEFAULT	"/etc/psid/psid.conf"

/* The defaults, as psid(8) and psid.conf(5) document them. */
#define CONF_LISTEN		"127.0.0.1:7443"
#define CONF_MAX_CONNECTIONS	1024
#define CONF_MAX_PER_IDENTITY	64
#define CONF_MAX_HANDSHAKES	1024
#define CONF_MAX_HS_PER_ADDRESS	512
#define CONF_WRITE_TIMEOUT	20
#define CONF_MAX_PARKED		256
#define CONF_MAX_UNFINISHED	(256u << 20)
#define CONF_MIN_FRAME_RATE	(64u << 10)
#define CONF_HANDSHAKE_TIMEOUT	10
#define CONF_IDLE_TIMEOUT	300
#define CONF_SHUTDOWN_TIMEOUT	30
#define CONF_WORKERS		4
#define CONF_MAX_IN_FLIGHT	(4u << 20)

struct psid_config {
	char *listen[CONF_MAX_LISTEN];	/* HOST:PORT; port 0: any free */
	size_t nlisten;
	char *state_dir;		/* the LMDB environment */
	char *ca_file;			/* PEM: the members' CA */
	char *cert_file;		/* PEM: psid's certificate */
	char *key_file;			/* PEM: its key */
	char *tmp_dir;			/* upload staging; NULL: $TMPDIR */
	char *port_file;		/* write the bound port here */
	char *user;			/* drop to it when started as root */
	unsigned max_connections;	/* authenticated, at once */
	unsigned max_connections_per_identity;
	unsigned max_handshakes;	/* connections not yet authenticated */
	unsigned max_handshakes_per_address;
	size_t max_unfinished;		/* bytes of frames not yet whole */
	size_t min_frame_rate;		/* bytes/s a frame must arrive at */
	unsigned max_parked;		/* jobs waiting on a slow reader */
	unsigned write_timeout;		/* seconds without a byte read */
	size_t max_frame;		/* largest request payload */
	size_t max_in_flight;		/* reply bytes queued per connection */
	unsigned handshake_timeout;	/* seconds */
	unsigned idle_timeout;		/* seconds */
	unsigned shutdown_timeout;	/* seconds in-flight requests get */
	unsigned workers;		/* worker threads */
	unsigned count_threads;		/* threads per count; 0: CPUs */
	uint64_t map_size;		/* bytes; 0: the store's default */
	bool foreground;
	enum log_level log_level;
};

/* A configuration holding the defaults (free with conf_free). */
void conf_defaults(struct psid_config *cfg);

/* Free what a configuration owns; it may be reused after conf_defaults. */
void conf_free(struct psid_config *cfg);

/*
 * Read the file at path into cfg (which holds defaults or an earlier
 * state): each key it sets replaces cfg's value. On any error cfg is left
 * unchanged and err says "path:line: what is wrong" (or "path: why" when
 * the file cannot be read). Returns 0 or -1.
 */
int conf_load(struct psid_config *cfg, const char *path, char *err,
    size_t err_size);

/*
 * Set one key from text (as a line of the file would): returns 0, or -1
 * with err saying what is wrong (without file and line). Used by the file
 * parser and by command-line options.
 */
int conf_set(struct psid_config *cfg, const char *key, const char *value,
    char *err, size_t err_size);

/*
 * Check that cfg is complete (state_dir, ca, cert, key given). Returns 0,
 * or -1 with err.
 */
int conf_check(const struct psid_config *cfg, char *err, size_t err_size);

/*
 * A copy of cfg into dst, with its own strings (free with conf_free).
 * Out of memory is fatal (xmalloc.h).
 */
void conf_copy(struct psid_config *dst, const struct psid_config *src);

#endif /* PSID_CONF_H */
