/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.c: psid.conf parsing with inih (see conf.h). The file is read
 * through a line-counting reader, so that every error names its line,
 * into a copy of the configuration that replaces the original only when
 * the whole file is good.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf.h"
#include "frame.h"
#include "xmalloc.h"

void
conf_defaults(struct psid_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_connections = CONF_MAX_CONNECTIONS;
	cfg->max_connections_per_identity = CONF_MAX_PER_IDENTITY;
	cfg->max_handshakes = CONF_MAX_HANDSHAKES;
	cfg->max_handshakes_per_address = CONF_MAX_HS_PER_ADDRESS;
	cfg->max_unfinished = CONF_MAX_UNFINISHED;
	cfg->min_frame_rate = CONF_MIN_FRAME_RATE;
	cfg->max_parked = CONF_MAX_PARKED;
	cfg->write_timeout = CONF_WRITE_TIMEOUT;
	cfg->max_frame = FRAME_MAX_DEFAULT;
	cfg->max_in_flight = CONF_MAX_IN_FLIGHT;
	cfg->handshake_timeout = CONF_HANDSHAKE_TIMEOUT;
	cfg->idle_timeout = CONF_IDLE_TIMEOUT;
	cfg->shutdown_timeout = CONF_SHUTDOWN_TIMEOUT;
	cfg->workers = CONF_WORKERS;
	cfg->log_level = LOG_LEVEL_INFO;
}

void
conf_free(struct psid_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisten; i++)
		free(cfg->listen[i]);
	free(cfg->state_dir);
	free(cfg->ca_file);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->tmp_dir);
	free(cfg->port_file);
	free(cfg->user);
	memset(cfg, 0, sizeof(*cfg));
}

static void
dup_into(char **slot, const char *value)
{
	char *copy = xstrdup(value);

	free(*slot);
	*slot = copy;
}

void
conf_copy(struct psid_config *dst, const struct psid_config *src)
{
	size_t i;

	*dst = *src;
	dst->nlisten = 0;
	dst->state_dir = dst->ca_file = dst->cert_file = dst->key_file = NULL;
	dst->tmp_dir = dst->port_file = dst->user = NULL;
	for (i = 0; i < src->nlisten; i++)
		dst->listen[dst->nlisten++] = xstrdup(src->listen[i]);
#define COPY(f) \
	if (src->f != NULL) dst->f = xstrdup(src->f)
	COPY(state_dir);
	COPY(ca_file);
	COPY(cert_file);
	COPY(key_file);
	COPY(tmp_dir);
	COPY(port_file);
	COPY(user);
#undef COPY
}

/* A whole number in [min, max], with an optional K/M/G/T suffix. */
static int
parse_number(const char *s, bool suffixes, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mult = 1ull << 10; break;
		case 'M': mult = 1ull << 20; break;
		case 'G': mult = 1ull << 30; break;
		case 'T': mult = 1ull << 40; break;
		default: return -1;
		}
		end++;
	}
	if (*end != '\0' || (v != 0 && mult > ~0ull / v))
		return -1;
	v *= mult;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

struct number_key {
	const char *name;
	bool suffixes;
	unsigned long long min, max;
	size_t offset, size;
};

#define NUM(name, sfx, min, max, field) \
	{ name, sfx, min, max, offsetof(struct psid_config, field), \
	    sizeof(((struct psid_config *)0)->field) }

static const struct number_key number_keys[] = {
	NUM("max_connections", false, 1, 65536, max_connections),
	NUM("max_connections_per_identity", false, 1, 65536,
	    max_connections_per_identity),
	NUM("max_handshakes", false, 1, 65536, max_handshakes),
	NUM("max_handshakes_per_address", false, 1, 65536,
	    max_handshakes_per_address),
	NUM("max_unfinished", true, 1ull << 20, 1ull << 40, max_unfinished),
	NUM("min_frame_rate", true, 1, 1ull << 30, min_frame_rate),
	NUM("max_parked", false, 0, 960, max_parked),
	NUM("write_timeout", false, 1, 3600, write_timeout),
	NUM("max_frame", true, 4096, FRAME_MAX_LIMIT, max_frame),
	NUM("max_in_flight", true, 65536, 1ull << 30, max_in_flight),
	NUM("handshake_timeout", false, 1, 3600, handshake_timeout),
	NUM("idle_timeout", false, 1, 86400, idle_timeout),
	NUM("shutdown_timeout", false, 0, 3600, shutdown_timeout),
	NUM("workers", false, 1, 64, workers),
	NUM("count_threads", false, 0, 64, count_threads),
	NUM("map_size", true, 1ull << 20, 1ull << 50, map_size),
};

/*
 * Whether path holds what key names: a PEM private key (key), or a PEM
 * certificate (cert, ca). Errors say which file and why, so that a
 * config line is reported with its file:line rather than at start.
 */
static int
check_pem(const char *key, const char *path, char *err, size_t err_size)
{
	FILE *f;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, err_size, "%s: %s: %s", key, path,
		    strerror(errno));
		return -1;
	}
	if (strcmp(key, "key") == 0)
		pk = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
	else
		x = PEM_read_X509(f, NULL, NULL, (void *)"");
	fclose(f);
	ERR_clear_error();
	if (pk == NULL && x == NULL) {
		snprintf(err, err_size, "%s: %s: not a PEM %s", key, path,
		    strcmp(key, "key") == 0 ? "private key (or it is "
		    "encrypted)" : "certificate");
		return -1;
	}
	EVP_PKEY_free(pk);
	X509_free(x);
	return 0;
}

/* listen: one more HOST:PORT (numeric port). */
static int
set_listen(struct psid_config *cfg, const char *value, char *err,
    size_t err_size)
{
	const char *colon = strrchr(value, ':');
	unsigned long long v;

	if (colon == NULL || colon == value || parse_number(colon + 1,
	    false, 0, 65535, &v) != 0) {
		snprintf(err, err_size, "listen: \"%s\" is not HOST:PORT (a "
		    "port of 0 to 65535)", value);
		return -1;
	}
	if (cfg->nlisten == CONF_MAX_LISTEN) {
		snprintf(err, err_size, "listen: at most %d addresses",
		    CONF_MAX_LISTEN);
		return -1;
	}
	cfg->listen[cfg->nlisten++] = xstrdup(value);
	return 0;
}

static int
set_log_level(struct psid_config *cfg, const char *value, char *err,
    size_t err_size)
{
	if (strcmp(value, "warn") == 0)
		cfg->log_level = LOG_LEVEL_WARN;
	else if (strcmp(value, "info") == 0)
		cfg->log_level = LOG_LEVEL_INFO;
	else if (strcmp(value, "debug") == 0)
		cfg->log_level = LOG_LEVEL_DEBUG;
	else {
		snprintf(err, err_size, "log_level: \"%s\" is not warn, info "
		    "or debug", value);
		return -1;
	}
	return 0;
}

/* The string field a key names, or NULL. */
static char **
string_slot(struct psid_config *cfg, const char *key)
{
	if (strcmp(key, "state_dir") == 0)
		return &cfg->state_dir;
	if (strcmp(key, "ca") == 0)
		return &cfg->ca_file;
	if (strcmp(key, "cert") == 0)
		return &cfg->cert_file;
	if (strcmp(key, "key") == 0)
		return &cfg->key_file;
	if (strcmp(key, "tmp_dir") == 0)
		return &cfg->tmp_dir;
	if (strcmp(key, "user") == 0)
		return &cfg->user;
	return NULL;
}

int
conf_set(struct psid_config *cfg, const char *key, const char *value,
    char *err, size_t err_size)
{
	unsigned long long v;
	size_t i;
	char **slot;

	if (strcmp(key, "listen") == 0)
		return set_listen(cfg, value, err, err_size);
	if (strcmp(key, "log_level") == 0)
		return set_log_level(cfg, value, err, err_size);
	if ((slot = string_slot(cfg, key)) != NULL) {
		if (*value == '\0') {
			snprintf(err, err_size, "%s: a value is required", key);
			return -1;
		}
		if ((slot == &cfg->ca_file || slot == &cfg->cert_file ||
		    slot == &cfg->key_file) && check_pem(key, value, err,
		    err_size) != 0)
			return -1;
		dup_into(slot, value);
		return 0;
	}
	for (i = 0; i < sizeof(number_keys) / sizeof(number_keys[0]); i++) {
		const struct number_key *k = &number_keys[i];
		char *field = (char *)cfg + k->offset;

		if (strcmp(key, k->name) != 0)
			continue;
		if (parse_number(value, k->suffixes, k->min, k->max, &v) != 0) {
			snprintf(err, err_size, "%s: \"%s\" is not a number in "
			    "[%llu, %llu]%s", key, value, k->min, k->max,
			    k->suffixes ? " (suffixes K, M, G, T)" : "");
			return -1;
		}
		if (k->size == sizeof(unsigned))
			*(unsigned *)(void *)field = (unsigned)v;
		else if (k->size == sizeof(uint64_t))
			*(uint64_t *)(void *)field = v;
		return 0;
	}
	snprintf(err, err_size, "unknown key \"%s\"", key);
	return -1;
}

/* The parse of one file: a line-counting reader and the first error. */
struct parse {
	FILE *f;
	unsigned line;
	struct psid_config *cfg;
	bool listen_reset;	/* the file's first listen replaces the old */
	unsigned err_line;
	char err[256];
};

static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char *s = fgets(str, num, p->f);

	if (s != NULL)
		p->line++;
	return s;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	size_t i;

	if (p->err_line != 0)
		return 1;	/* the first error is the one reported */
	if (section[0] != '\0') {
		snprintf(p->err, sizeof(p->err), "sections are not used "
		    "(\"[%s]\")", section);
		p->err_line = p->line;
		return 0;
	}
	if (strcmp(name, "listen") == 0 && !p->listen_reset) {
		for (i = 0; i < p->cfg->nlisten; i++)
			free(p->cfg->listen[i]);
		p->cfg->nlisten = 0;
		p->listen_reset = true;
	}
	if (conf_set(p->cfg, name, value, p->err, sizeof(p->err)) != 0) {
		p->err_line = p->line;
		return 0;
	}
	return 1;
}

int
conf_load(struct psid_config *cfg, const char *path, char *err,
    size_t err_size)
{
	struct psid_config work;
	struct parse p;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((p.f = fopen(path, "r")) == NULL) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	conf_copy(&work, cfg);
	p.cfg = &work;
	rc = ini_parse_stream(read_line, &p, on_key, &p);
	fclose(p.f);
	if (p.err_line != 0 && (rc <= 0 || (unsigned)rc >= p.err_line))
		snprintf(err, err_size, "%s:%u: %s", path, p.err_line, p.err);
	else if (rc > 0)
		snprintf(err, err_size, "%s:%d: not a \"key = value\" line",
		    path, rc);
	else if (rc < 0)
		snprintf(err, err_size, "%s: out of memory", path);
	if (rc != 0 || p.err_line != 0) {
		conf_free(&work);
		return -1;
	}
	conf_free(cfg);
	*cfg = work;
	return 0;
}

int
conf_check(const struct psid_config *cfg, char *err, size_t err_size)
{
	const char *missing = cfg->state_dir == NULL ? "state_dir" :
	    cfg->ca_file == NULL ? "ca" : cfg->cert_file == NULL ? "cert" :
	    cfg->key_file == NULL ? "key" : NULL;

	if (missing != NULL) {
		snprintf(err, err_size, "%s is not set (in the config file "
		    "or on the command line)", missing);
		return -1;
	}
	return 0;
}
