/* SPDX-License-Identifier: Apache-2.0 */
/*
 * endpoint.c: how psictl reaches psid. The four settings (server, ca,
 * cert, key) come from an ini file (--config FILE, or $PSICTL_CONFIG),
 * read with inih, and the options of the same names override them.
 * Relative paths in the file are relative to the file's directory. The
 * whole file is checked before anything is used: an unknown key, a
 * section or a key given twice is an error naming its line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "psictl.h"

#define ENDPOINT_KEYS 4
static const char *const endpoint_keys[ENDPOINT_KEYS] = { "server", "ca",
    "cert", "key" };

struct endpoint_config {
	const char *path;
	size_t dirlen;		/* of path's directory, with its '/'; 0: none */
	char *value[ENDPOINT_KEYS];
	int line;		/* of the first error */
	char error[300];
};

bool
endpoint_given(const struct endpoint *e)
{
	return e->server != NULL || e->ca != NULL || e->cert != NULL ||
	    e->key != NULL || e->config != NULL;
}

/* inih's handler: nonzero to go on. */
static int
config_entry(void *arg, const char *section, const char *name,
    const char *value)
{
	struct endpoint_config *c = arg;
	size_t i, len;
	char *v;

	if (c->error[0] != '\0')
		return 0;
	if (section[0] != '\0') {
		snprintf(c->error, sizeof(c->error), "section [%s]: the keys "
		    "server, ca, cert and key come before any section",
		    section);
		return 0;
	}
	for (i = 0; i < ENDPOINT_KEYS; i++)
		if (strcmp(name, endpoint_keys[i]) == 0)
			break;
	if (i == ENDPOINT_KEYS) {
		snprintf(c->error, sizeof(c->error), "unknown key \"%s\" "
		    "(server, ca, cert or key)", name);
		return 0;
	}
	if (c->value[i] != NULL) {
		snprintf(c->error, sizeof(c->error), "%s is given twice",
		    name);
		return 0;
	}
	if (*value == '\0') {
		snprintf(c->error, sizeof(c->error), "%s is empty", name);
		return 0;
	}
	/* Paths are relative to the file's directory; the server is not. */
	len = strlen(value);
	if (i > 0 && value[0] != '/' && c->dirlen > 0) {
		if ((v = malloc(c->dirlen + len + 1)) != NULL) {
			memcpy(v, c->path, c->dirlen);
			memcpy(v + c->dirlen, value, len + 1);
		}
	} else
		v = strdup(value);
	if (v == NULL) {
		snprintf(c->error, sizeof(c->error), "out of memory");
		return 0;
	}
	c->value[i] = v;
	return 1;
}

static int
config_load(struct endpoint_config *c, const char *path)
{
	const char *slash;
	int rc;

	memset(c, 0, sizeof(*c));
	c->path = path;
	if ((slash = strrchr(path, '/')) != NULL)
		c->dirlen = (size_t)(slash - path) + 1;
	rc = ini_parse(path, config_entry, c);
	if (rc == -1)
		return cli_fail("%s: %s", path, strerror(errno));
	if (rc == -2)
		return cli_fail("%s: out of memory", path);
	if (rc > 0)
		return cli_fail("%s: line %d: %s", path, rc,
		    c->error[0] != '\0' ? c->error : "not a key = value line");
	return 0;
}

static void
config_free(struct endpoint_config *c)
{
	size_t i;

	for (i = 0; i < ENDPOINT_KEYS; i++)
		free(c->value[i]);
}

/* Split HOST:PORT (or [ADDRESS]:PORT) into host and port. */
static int
split_server(const char *server, char *host, size_t host_size, char *port,
    size_t port_size)
{
	const char *colon, *end;
	size_t len;

	if (server[0] == '[') {
		if ((end = strchr(server, ']')) == NULL || end[1] != ':')
			return -1;
		len = (size_t)(end - server - 1);
		colon = end + 1;
		server++;
	} else {
		if ((colon = strrchr(server, ':')) == NULL ||
		    memchr(server, ':', (size_t)(colon - server)) != NULL)
			return -1;
		len = (size_t)(colon - server);
	}
	if (len == 0 || len >= host_size || colon[1] == '\0' ||
	    strlen(colon + 1) >= port_size)
		return -1;
	memcpy(host, server, len);
	host[len] = '\0';
	snprintf(port, port_size, "%s", colon + 1);
	return 0;
}

int
endpoint_open(const struct endpoint *e, struct psid_conn **connp)
{
	static const char *const flags[ENDPOINT_KEYS] = { "--server HOST:PORT",
	    "--ca FILE", "--cert FILE", "--key FILE" };
	struct endpoint_config c;
	struct psid_conn_options o = { 0 };
	const char *config = e->config, *set[ENDPOINT_KEYS];
	char host[256], port[64];
	size_t i;
	int rc;

	*connp = NULL;
	memset(&c, 0, sizeof(c));
	if (config == NULL && (config = getenv("PSICTL_CONFIG")) != NULL &&
	    *config == '\0')
		config = NULL;
	if (config != NULL && (rc = config_load(&c, config)) != 0) {
		config_free(&c);
		return rc;
	}
	set[0] = e->server != NULL ? e->server : c.value[0];
	set[1] = e->ca != NULL ? e->ca : c.value[1];
	set[2] = e->cert != NULL ? e->cert : c.value[2];
	set[3] = e->key != NULL ? e->key : c.value[3];
	for (i = 0; i < ENDPOINT_KEYS; i++)
		if (set[i] == NULL) {
			config_free(&c);
			return cli_fail_usage("%s is required (or %s in "
			    "--config FILE)", flags[i], endpoint_keys[i]);
		}
	if (split_server(set[0], host, sizeof(host), port,
	    sizeof(port)) != 0) {
		rc = e->server != NULL ? cli_fail_usage("--server '%s': "
		    "HOST:PORT or [ADDRESS]:PORT", set[0]) :
		    cli_fail("%s: server '%s': HOST:PORT or [ADDRESS]:PORT",
		    config, set[0]);
		config_free(&c);
		return rc;
	}
	o.host = host;
	o.port = port;
	o.ca_file = set[1];
	o.cert_file = set[2];
	o.key_file = set[3];
	rc = psid_connect(&o, connp);
	config_free(&c);
	if (rc == PSID_OK)
		return 0;
	if (*connp != NULL && psid_conn_error(*connp)[0] != '\0')
		cli_fail("%s", psid_conn_error(*connp));
	else
		cli_fail("%s: %s", set[0], psid_strerror(rc));
	psid_conn_free(*connp);
	*connp = NULL;
	return EXIT_FAILURE;
}
