/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psid.c: the daemon's main. Configuration (defaults, the config file,
 * then the command line), the TLS context, the listening sockets, then
 * the privilege drop, the store, the workers and the event loop.
 * SIGHUP re-reads the config file and certificates (new connections use
 * them; open ones keep theirs; a bad config changes nothing); SIGTERM and
 * SIGINT stop accepting, let requests in flight finish within
 * shutdown_timeout, abort unfinished uploads and exit 0.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "conf.h"
#include "conn.h"
#include "dispatch.h"
#include "proclimits.h"
#include "frame.h"
#include "log.h"
#include "privdrop.h"
#include "sdnotify.h"
#include "server.h"
#include "store.h"
#include "tls.h"
#include "worker.h"
#include "xmalloc.h"

/* What the command line says: the config file, flags, and overrides. */
struct cmdline {
	const char *conf_file;		/* -c; NULL: the default, if present */
	bool check_only;		/* -n */
	bool foreground, debug;
	const char *port_file;
	const char *keys[64];		/* overrides, as conf_set keys */
	const char *values[64];
	size_t n;
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: psid [-c FILE] [-n] [-f] [-d] [options]\n"
"  -c, --config FILE           the config file (%s)\n"
"  -n, --check                 check the configuration and exit 0 or 1\n"
"  -f, --foreground            log to stderr, not syslog\n"
"  -d, --debug                 foreground, and log debug detail\n"
"  -l, --listen HOST:PORT      address to listen on (%s; port 0: any\n"
"                              free port; may be repeated)\n"
"  -s, --state DIR             the LMDB state directory\n"
"      --ca FILE               PEM: the CA of the members' certificates\n"
"      --cert FILE             PEM: psid's certificate\n"
"      --key FILE              PEM: psid's private key\n"
"  -u, --user USER             run as USER when started as root\n"
"      --tmp-dir DIR           where uploads are staged ($TMPDIR, /tmp)\n"
"      --port-file FILE        write the first bound port there\n"
"      --max-connections N     (%u)\n"
"      --max-frame BYTES       largest request frame (%u)\n"
"      --handshake-timeout S   (%u)\n"
"      --idle-timeout S        (%u)\n"
"      --workers N             worker threads (%u)\n"
"      --count-threads N       threads per count (0: one per CPU)\n"
"      --map-size BYTES        largest store size (64G)\n"
"  -o, --set KEY=VALUE         any key of psid.conf(5); may be repeated\n"
"  -V, --version\n"
"Options override the config file; see psid(8) and psid.conf(5).\n",
	    CONF_FILE_DEFAULT, CONF_LISTEN, CONF_MAX_CONNECTIONS,
	    FRAME_MAX_DEFAULT, CONF_HANDSHAKE_TIMEOUT, CONF_IDLE_TIMEOUT,
	    CONF_WORKERS);
}

/* -o KEY=VALUE: *arg becomes VALUE; returns KEY (exits on no '='). */
static const char *
split_set(char **arg)
{
	char *key = *arg, *eq = strchr(key, '=');

	if (eq == NULL) {
		usage(stderr);
		exit(2);
	}
	*eq = '\0';
	*arg = eq + 1;
	return key;
}

static void
parse_cmdline(int argc, char **argv, struct cmdline *cl)
{
	enum { O_CA = 256, O_CERT, O_KEY, O_TMP, O_PORTFILE, O_MAXCONN,
	    O_MAXFRAME, O_HSTO, O_IDLETO, O_WORKERS, O_COUNTTHR, O_MAPSIZE };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, O_CA },
		{ "cert", required_argument, NULL, O_CERT },
		{ "key", required_argument, NULL, O_KEY },
		{ "tmp-dir", required_argument, NULL, O_TMP },
		{ "port-file", required_argument, NULL, O_PORTFILE },
		{ "max-connections", required_argument, NULL, O_MAXCONN },
		{ "max-frame", required_argument, NULL, O_MAXFRAME },
		{ "handshake-timeout", required_argument, NULL, O_HSTO },
		{ "idle-timeout", required_argument, NULL, O_IDLETO },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "count-threads", required_argument, NULL, O_COUNTTHR },
		{ "map-size", required_argument, NULL, O_MAPSIZE },
		{ "set", required_argument, NULL, 'o' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key;
	int ch;

	memset(cl, 0, sizeof(*cl));
	while ((ch = getopt_long(argc, argv, "c:nl:s:u:o:fdVh", opts,
	    NULL)) != -1) {
		key = NULL;
		switch (ch) {
		case 'c': cl->conf_file = optarg; break;
		case 'n': cl->check_only = true; break;
		case 'f': cl->foreground = true; break;
		case 'd': cl->foreground = cl->debug = true; break;
		case O_PORTFILE: cl->port_file = optarg; break;
		case 'l': key = "listen"; break;
		case 's': key = "state_dir"; break;
		case 'u': key = "user"; break;
		case O_CA: key = "ca"; break;
		case O_CERT: key = "cert"; break;
		case O_KEY: key = "key"; break;
		case O_TMP: key = "tmp_dir"; break;
		case O_MAXCONN: key = "max_connections"; break;
		case O_MAXFRAME: key = "max_frame"; break;
		case O_HSTO: key = "handshake_timeout"; break;
		case O_IDLETO: key = "idle_timeout"; break;
		case O_WORKERS: key = "workers"; break;
		case O_COUNTTHR: key = "count_threads"; break;
		case O_MAPSIZE: key = "map_size"; break;
		case 'o': key = split_set(&optarg); break;
		case 'V':
			printf("psid %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
		if (key != NULL && cl->n < 64) {
			cl->keys[cl->n] = key;
			cl->values[cl->n++] = optarg;
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/*
 * The configuration: defaults, the file, the command line. Returns 0,
 * or -1 with err ("file:line: what", or "--option: what").
 */
static int
build_config(const struct cmdline *cl, struct psid_config *cfg, char *err,
    size_t err_size)
{
	const char *file = cl->conf_file;
	bool listen_reset = false;
	char why[256];
	size_t i;

	conf_defaults(cfg);
	if (file == NULL && access(CONF_FILE_DEFAULT, F_OK) == 0)
		file = CONF_FILE_DEFAULT;
	if (file != NULL && conf_load(cfg, file, err, err_size) != 0)
		goto fail;
	for (i = 0; i < cl->n; i++) {
		/* Listen options replace the file's addresses. */
		if (strcmp(cl->keys[i], "listen") == 0 && !listen_reset) {
			while (cfg->nlisten > 0)
				free(cfg->listen[--cfg->nlisten]);
			listen_reset = true;
		}
		if (conf_set(cfg, cl->keys[i], cl->values[i], why,
		    sizeof(why)) != 0) {
			snprintf(err, err_size, "command line: %s", why);
			goto fail;
		}
	}
	if (cfg->nlisten == 0 && conf_set(cfg, "listen", CONF_LISTEN, err,
	    err_size) != 0)
		goto fail;
	if (cl->port_file != NULL)
		cfg->port_file = xstrdup(cl->port_file);
	cfg->foreground = cl->foreground;
	if (cl->debug)
		cfg->log_level = LOG_LEVEL_DEBUG;
	if (conf_check(cfg, err, err_size) != 0)
		goto fail;
	return 0;
fail:
	conf_free(cfg);
	return -1;
}

/* Bind one HOST:PORT; port 0 takes any free one. NULL on failure. */
static struct evconnlistener *
listen_on(struct server *srv, const char *spec, unsigned *port, char *err,
    size_t err_size)
{
	struct addrinfo hints, *res = NULL;
	struct evconnlistener *l;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hlen = (size_t)(colon - spec);
	int rc;

	if (hlen >= sizeof(host)) {
		snprintf(err, err_size, "listen %s: host too long", spec);
		return NULL;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints,
	    &res)) != 0) {
		snprintf(err, err_size, "listen %s: %s", spec,
		    gai_strerror(rc));
		return NULL;
	}
	l = evconnlistener_new_bind(srv->base, NULL, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC |
	    LEV_OPT_DISABLED, -1, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL) {
		snprintf(err, err_size, "listen %s: %s", spec,
		    strerror(errno));
		return NULL;
	}
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) == 0)
		*port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return l;
}

/* Write the port to path, atomically (a reader never sees half). */
static void
write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		fatal("%s", path);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *addr, int addrlen, void *arg)
{
	(void)l;
	conn_accept(arg, fd, addr, (socklen_t)addrlen);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	/* EMFILE and the like: log, and the listener goes on. */
	log_warn("accept");
}

static struct cmdline cmdline;

static bool
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_listen(const struct psid_config *a, const struct psid_config *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return false;
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i], b->listen[i]) != 0)
			return false;
	return true;
}

/* SIGHUP: the new config and certificates, or nothing of them. */
static void
reload(struct server *srv)
{
	struct psid_config cfg;
	SSL_CTX *ctx;
	char err[512], *tmp;
	size_t i, n;

	sdnotify_reloading();
	if (build_config(&cmdline, &cfg, err, sizeof(err)) != 0) {
		log_warnx("reload refused, the configuration in force stays: "
		    "%s", err);
		goto out;
	}
	if ((ctx = tls_server_ctx(cfg.ca_file, cfg.cert_file, cfg.key_file,
	    err, sizeof(err))) == NULL) {
		log_warnx("reload refused, the configuration in force stays: "
		    "%s", err);
		conf_free(&cfg);
		goto out;
	}
	/* What is fixed at start stays; say so rather than pretend. */
	if (strcmp(cfg.state_dir, srv->config->state_dir) != 0 ||
	    !same_listen(&cfg, srv->config) ||
	    cfg.workers != srv->config->workers ||
	    cfg.map_size != srv->config->map_size ||
	    cfg.count_threads != srv->config->count_threads ||
	    !same_string(cfg.tmp_dir, srv->config->tmp_dir) ||
	    !same_string(cfg.user, srv->config->user))
		log_warnx("reload: listen, state_dir, user, workers, "
		    "count_threads, tmp_dir and map_size take effect at the "
		    "next start");
	/* What is fixed at start is kept as it runs: swap it in. */
	for (i = 0; i < CONF_MAX_LISTEN; i++) {
		tmp = cfg.listen[i];
		cfg.listen[i] = srv->config->listen[i];
		srv->config->listen[i] = tmp;
	}
	n = cfg.nlisten;
	cfg.nlisten = srv->config->nlisten;
	srv->config->nlisten = n;
	tmp = cfg.state_dir;
	cfg.state_dir = srv->config->state_dir;
	srv->config->state_dir = tmp;
	cfg.workers = srv->config->workers;
	cfg.map_size = srv->config->map_size;
	cfg.count_threads = srv->config->count_threads;
	SSL_CTX_free(srv->ssl_ctx);	/* open connections hold theirs */
	srv->ssl_ctx = ctx;
	conf_free(srv->config);
	*srv->config = cfg;
	log_set_level(cfg.log_level);
	log_info("configuration and certificates reloaded");
out:
	sdnotify_send("READY=1");
}

static struct event *stop_timer;

static void
stop_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	log_warnx("shutdown: requests still running after %u s; closing",
	    srv->config->shutdown_timeout);
	event_base_loopexit(srv->base, NULL);
}

/* The last connection closed while stopping (srv->on_drained). */
static void
server_drained(struct server *srv)
{
	if (srv->stopping)
		event_base_loopexit(srv->base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = { (time_t)srv->config->shutdown_timeout, 0 };
	size_t i;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading");
		reload(srv);
		return;
	}
	if (srv->stopping)
		return;
	log_info("signal %d: stopping", (int)sig);
	sdnotify_send("STOPPING=1");
	srv->stopping = true;
	for (i = 0; i < srv->nlisteners; i++)
		evconnlistener_disable(srv->listeners[i]);
	stop_timer = evtimer_new(srv->base, stop_timeout_cb, srv);
	if (stop_timer != NULL)
		evtimer_add(stop_timer, &tv);
	conn_shutdown(srv);
	if (srv->nconns == 0)
		event_base_loopexit(srv->base, NULL);
}

/* Bind every listen address (still disabled); write the port file. */
static void
server_listen(struct server *srv, const struct psid_config *cfg)
{
	char err[512];
	unsigned port = 0, p = 0;
	size_t i;

	for (i = 0; i < cfg->nlisten; i++) {
		srv->listeners[i] = listen_on(srv, cfg->listen[i], &p, err,
		    sizeof(err));
		if (srv->listeners[i] == NULL)
			fatalx("%s", err);
		srv->nlisteners++;
		if (i == 0)
			port = p;
		log_info("listening on %s (port %u)", cfg->listen[i], p);
	}
	if (cfg->port_file != NULL)
		write_port_file(cfg->port_file, port);
}

/* Sockets bound, key read: root is no longer needed; then the store. */
static void
server_drop_and_open(struct server *srv, const struct psid_config *cfg)
{
	char err[512];

	switch (privdrop(cfg->user, cfg->state_dir, err, sizeof(err))) {
	case 0:
		break;
	case 1:
		log_warnx("running as root: set user in psid.conf (or run "
		    "under systemd's User=psid)");
		break;
	default:
		fatalx("%s", err);
	}
	if (store_open(cfg->state_dir, cfg->map_size, &srv->store, err,
	    sizeof(err)) != STORE_OK)
		fatalx("%s", err);
	if ((srv->pool = worker_pool_start(cfg->workers, cfg->max_parked)) == NULL)
		fatal("worker threads");
}

/* After the loop: connections, workers, listeners, the store. */
static void
server_teardown(struct server *srv, struct event **sigs, size_t nsigs)
{
	size_t i;

	conn_close_all(srv);
	worker_pool_stop(srv->pool);	/* running jobs finish first */
	conn_free_all(srv);
	for (i = 0; i < srv->nlisteners; i++)
		evconnlistener_free(srv->listeners[i]);
	for (i = 0; i < nsigs; i++)
		event_free(sigs[i]);
	if (stop_timer != NULL)
		event_free(stop_timer);
	event_base_free(srv->base);
	store_close(srv->store);
	SSL_CTX_free(srv->ssl_ctx);
	pthread_mutex_destroy(&srv->latency.lock);
	log_info("stopped");
	conf_free(srv->config);
	free((char *)srv->tmp_dir);
}

int
main(int argc, char **argv)
{
	struct psid_config cfg;
	struct server srv;
	struct event *sigs[3];
	static const int signals[3] = { SIGTERM, SIGINT, SIGHUP };
	char err[512];
	size_t i;

	parse_cmdline(argc, argv, &cmdline);
	log_init("psid", true, LOG_LEVEL_INFO);
	if (build_config(&cmdline, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "psid: %s\n", err);
		return 1;
	}
	memset(&srv, 0, sizeof(srv));
	srv.config = &cfg;
	if ((srv.ssl_ctx = tls_server_ctx(cfg.ca_file, cfg.cert_file,
	    cfg.key_file, err, sizeof(err))) == NULL) {
		fprintf(stderr, "psid: %s\n", err);
		return 1;
	}
	if (cmdline.check_only) {
		printf("psid: configuration OK\n");
		SSL_CTX_free(srv.ssl_ctx);
		conf_free(&cfg);
		return 0;
	}
	log_init("psid", cfg.foreground, cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	TAILQ_INIT(&srv.conns);
	pthread_mutex_init(&srv.latency.lock, NULL);
	srv.started = time(NULL);
	srv.on_request = dispatch_request;
	srv.on_refused = dispatch_refused;
	srv.on_drained = server_drained;
	/* Workers read these: copies that a reload never frees. */
	if (cfg.tmp_dir != NULL)
		srv.tmp_dir = xstrdup(cfg.tmp_dir);
	srv.count_threads = cfg.count_threads;
	if (evthread_use_pthreads() != 0 ||
	    (srv.base = event_base_new()) == NULL || conn_init(&srv) != 0)
		fatalx("the event loop cannot be set up");
	proclimits_apply(&cfg);
	server_listen(&srv, &cfg);
	server_drop_and_open(&srv, &cfg);
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(srv.base, signals[i], signal_cb, &srv);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) != 0)
			fatalx("signal events");
	}
	for (i = 0; i < srv.nlisteners; i++) {
		evconnlistener_set_cb(srv.listeners[i], accept_cb, &srv);
		evconnlistener_set_error_cb(srv.listeners[i], accept_error_cb);
		evconnlistener_enable(srv.listeners[i]);
	}
	log_info("state in %s; running as uid %u", cfg.state_dir,
	    (unsigned)getuid());
	sdnotify_send("READY=1");

	event_base_dispatch(srv.base);

	server_teardown(&srv, sigs, 3);
	return 0;
}
