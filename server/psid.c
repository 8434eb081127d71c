/* SPDX-License-Identifier: Apache-2.0 */
/*
 * psid.c: the daemon's main: options, the TLS context, the store, the
 * worker pool, the listener and the event loop; SIGTERM/SIGINT stop it
 * gracefully (no new connections, running jobs finish, the store closes).
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
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "conn.h"
#include "frame.h"
#include "log.h"
#include "sdnotify.h"
#include "server.h"
#include "store.h"
#include "tls.h"
#include "worker.h"

static void
usage(FILE *out)
{
	fprintf(out,
"usage: psid --state DIR --ca FILE --cert FILE --key FILE [options]\n"
"  -l, --listen HOST:PORT      address to listen on (127.0.0.1:7443;\n"
"                              port 0: any free port)\n"
"  -s, --state DIR             the LMDB state directory\n"
"      --ca FILE               PEM: the CA of the members' certificates\n"
"      --cert FILE             PEM: psid's certificate\n"
"      --key FILE              PEM: psid's private key\n"
"      --tmp-dir DIR           where uploads are staged ($TMPDIR, /tmp)\n"
"      --port-file FILE        write the bound port there once listening\n"
"      --max-connections N     (%u)\n"
"      --max-frame BYTES       largest request frame (%u)\n"
"      --handshake-timeout S   (%u)\n"
"      --idle-timeout S        (%u)\n"
"      --workers N             worker threads (%u)\n"
"      --count-threads N       threads per count (0: one per CPU)\n"
"      --map-size GIB          largest store size (64)\n"
"  -f, --foreground            log to stderr, not syslog\n"
"  -d, --debug                 foreground, and log debug detail\n"
"  -V, --version\n",
	    CONFIG_MAX_CONNECTIONS, FRAME_MAX_DEFAULT,
	    CONFIG_HANDSHAKE_TIMEOUT, CONFIG_IDLE_TIMEOUT, CONFIG_WORKERS);
}

static unsigned long long
number(const char *opt, const char *s, unsigned long long min,
    unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "psid: --%s: %s is not a number in [%llu, "
		    "%llu]\n", opt, s, min, max);
		exit(2);
	}
	return v;
}

static void
parse_options(int argc, char **argv, struct psid_config *cfg)
{
	enum { O_CA = 256, O_CERT, O_KEY, O_TMP, O_PORTFILE, O_MAXCONN,
	    O_MAXFRAME, O_HSTO, O_IDLETO, O_WORKERS, O_COUNTTHR, O_MAPSIZE };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
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
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "l:s:fdVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': cfg->listen = optarg; break;
		case 's': cfg->state_dir = optarg; break;
		case O_CA: cfg->ca_file = optarg; break;
		case O_CERT: cfg->cert_file = optarg; break;
		case O_KEY: cfg->key_file = optarg; break;
		case O_TMP: cfg->tmp_dir = optarg; break;
		case O_PORTFILE: cfg->port_file = optarg; break;
		case O_MAXCONN:
			cfg->max_connections = (unsigned)number(
			    "max-connections", optarg, 1, 65536);
			break;
		case O_MAXFRAME:
			cfg->max_frame = (size_t)number("max-frame", optarg,
			    4096, FRAME_MAX_LIMIT);
			break;
		case O_HSTO:
			cfg->handshake_timeout = (unsigned)number(
			    "handshake-timeout", optarg, 1, 3600);
			break;
		case O_IDLETO:
			cfg->idle_timeout = (unsigned)number("idle-timeout",
			    optarg, 1, 86400);
			break;
		case O_WORKERS:
			cfg->workers = (unsigned)number("workers", optarg, 1,
			    64);
			break;
		case O_COUNTTHR:
			cfg->count_threads = (unsigned)number("count-threads",
			    optarg, 0, 64);
			break;
		case O_MAPSIZE:
			cfg->map_size = number("map-size", optarg, 1,
			    1 << 20) << 30;
			break;
		case 'f': cfg->foreground = true; break;
		case 'd':
			cfg->foreground = true;
			cfg->log_level = LOG_LEVEL_DEBUG;
			break;
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
	}
	if (optind != argc || cfg->state_dir == NULL || cfg->ca_file == NULL ||
	    cfg->cert_file == NULL || cfg->key_file == NULL) {
		usage(stderr);
		exit(2);
	}
}

/* Bind host:port; port 0 takes any free one. */
static struct evconnlistener *
listen_on(struct server *srv, const char *spec, unsigned *port)
{
	struct addrinfo hints, *res = NULL;
	struct evconnlistener *l;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hlen;
	int rc;

	if (colon == NULL || (hlen = (size_t)(colon - spec)) >= sizeof(host))
		fatalx("--listen %s: expected HOST:PORT", spec);
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
	    &res)) != 0)
		fatalx("--listen %s: %s", spec, gai_strerror(rc));
	l = evconnlistener_new_bind(srv->base, NULL, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL)
		fatal("listen on %s", spec);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) != 0)
		fatal("getsockname");
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

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	(void)what;
	log_info("signal %d: stopping", (int)sig);
	sd_notify_send("STOPPING=1");
	srv->stopping = true;
	evconnlistener_disable(srv->listener);
	event_base_loopexit(srv->base, NULL);
}

int
main(int argc, char **argv)
{
	struct psid_config cfg = {
		.listen = "127.0.0.1:7443",
		.max_connections = CONFIG_MAX_CONNECTIONS,
		.max_frame = FRAME_MAX_DEFAULT,
		.handshake_timeout = CONFIG_HANDSHAKE_TIMEOUT,
		.idle_timeout = CONFIG_IDLE_TIMEOUT,
		.workers = CONFIG_WORKERS,
		.log_level = LOG_LEVEL_INFO,
	};
	struct server srv;
	struct event *sigterm, *sigint;
	char err[512];
	unsigned port;

	parse_options(argc, argv, &cfg);
	log_init("psid", cfg.foreground, cfg.log_level);
	signal(SIGPIPE, SIG_IGN);

	memset(&srv, 0, sizeof(srv));
	srv.config = &cfg;
	TAILQ_INIT(&srv.conns);
	srv.started = time(NULL);
	if ((srv.ssl_ctx = tls_server_ctx(cfg.ca_file, cfg.cert_file,
	    cfg.key_file, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (store_open(cfg.state_dir, cfg.map_size, &srv.store, err,
	    sizeof(err)) != STORE_OK)
		fatalx("%s", err);
	if (evthread_use_pthreads() != 0 ||
	    (srv.base = event_base_new()) == NULL)
		fatalx("the event loop cannot be set up");
	if ((srv.pool = worker_pool_start(cfg.workers)) == NULL)
		fatal("worker threads");
	srv.listener = listen_on(&srv, cfg.listen, &port);
	evconnlistener_set_cb(srv.listener, accept_cb, &srv);
	evconnlistener_set_error_cb(srv.listener, accept_error_cb);
	sigterm = evsignal_new(srv.base, SIGTERM, signal_cb, &srv);
	sigint = evsignal_new(srv.base, SIGINT, signal_cb, &srv);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		fatalx("signal events");
	if (cfg.port_file != NULL)
		write_port_file(cfg.port_file, port);
	log_info("listening on %s (port %u), state in %s", cfg.listen, port,
	    cfg.state_dir);
	sd_notify_send("READY=1");

	event_base_dispatch(srv.base);

	conn_close_all(&srv);
	worker_pool_stop(srv.pool);	/* running jobs finish first */
	conn_free_all(&srv);
	evconnlistener_free(srv.listener);
	event_free(sigterm);
	event_free(sigint);
	event_base_free(srv.base);
	store_close(srv.store);
	SSL_CTX_free(srv.ssl_ctx);
	log_info("stopped");
	return 0;
}
