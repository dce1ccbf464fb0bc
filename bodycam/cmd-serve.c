/*
 * cmd-serve.c - bodycam serve: run the catalog service (serve.h) until
 * SIGTERM or SIGINT, then stop accepting, let requests in flight finish
 * and close the catalog.
 *
 * Compiled twice.  In bodycam, serve executes bodycam-serve with the same
 * arguments (git-style), so that bodycam links no libmicrohttpd, GnuTLS
 * and the rest, which only the service needs; with -DBC_SERVE_MAIN, in
 * bodycam-serve, it runs the service.  The table entry, and so --help, is
 * the same in both.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bodycam/serve.h"
#include "cli.h"

#ifdef BC_SERVE_MAIN
#define PEM_MAX		(64 * 1024)
#define GRACE_SECONDS	30

/* ADDR:PORT, [V6ADDR]:PORT; 0 or -1. */
static int
parse_listen(const char *s, struct bc_serve_opts *o)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->addr;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	uint64_t port;
	size_t n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		n = (size_t)(colon - s - 1);
		colon++;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (bc_parse_uint(colon + 1, 0, 65535, &port) != 0)
		return -1;
	memset(&o->addr, 0, sizeof(o->addr));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		o->addrlen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		o->addrlen = sizeof(*v6);
	} else
		return -1;
	return 0;
}

static int
parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;

	if (bc_parse_uint(s, lo, hi, &v) != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The options that take a number, where it goes, and its bounds. */
static const struct num_opt {
	int		 c;
	size_t		 off;		/* in struct bc_serve_opts */
	unsigned	 lo, hi;
	const char	*bounds;	/* for the usage error */
} num_opts[] = {
	{ 't', offsetof(struct bc_serve_opts, threads), 1, 256,
	    "--threads: 1 to 256" },
	{ 'm', offsetof(struct bc_serve_opts, max_conns), 1, 65536,
	    "--max-connections: 1 to 65536" },
	{ 'P', offsetof(struct bc_serve_opts, max_per_ip), 1, 65536,
	    "--max-connections-per-ip: 1 to 65536" },
	{ 'T', offsetof(struct bc_serve_opts, timeout), 1, 86400,
	    "--timeout: 1 to 86400 seconds" },
	{ 'H', offsetof(struct bc_serve_opts, header_timeout), 1, 3600,
	    "--header-timeout: 1 to 3600 seconds" },
	{ 'B', offsetof(struct bc_serve_opts, body_timeout), 1, 86400,
	    "--body-timeout: 1 to 86400 seconds" },
	{ 'E', offsetof(struct bc_serve_opts, upload_expiry), 1, 87600,
	    "--upload-expiry: 1 to 87600 hours" },
};

static const struct num_opt *
num_opt(int c)
{
	size_t i;

	for (i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++)
		if (num_opts[i].c == c)
			return &num_opts[i];
	return NULL;
}

/* A size in bytes, or with K, M, G, T, P (powers of 1024). */
static int
parse_bytes(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTP";
	const char *u;
	char num[32];
	uint64_t n;
	size_t len = strlen(s);
	int shift = 0;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	if ((u = strchr(units, num[len - 1])) != NULL && num[len - 1] != '\0') {
		shift = 10 * (int)(u - units + 1);
		num[len - 1] = '\0';
	}
	if (bc_parse_uint(num, 1, (1ULL << 50) >> shift, &n) != 0)
		return -1;
	*out = n << shift;
	return 0;
}

static int
cmd_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "storage", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "body-timeout", required_argument, NULL, 'B' },
		{ "max-connections-per-ip", required_argument, NULL, 'P' },
		{ "log", required_argument, NULL, 'L' },
		{ "max-upload", required_argument, NULL, 'U' },
		{ "upload-expiry", required_argument, NULL, 'E' },
		{ "log-format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const struct num_opt *no;
	struct bc_serve_opts o;
	struct bc_server *srv = NULL;
	struct bc_key *keys[BC_SERVE_MAX_KEYS] = { NULL };
	struct bc_err err = { 0 };
	const char *keypaths[BC_SERVE_MAX_KEYS];
	const char *listen = "127.0.0.1:8080", *certpath = NULL;
	const char *tlskeypath = NULL, *logpath = NULL;
	char *cert = NULL, *tlskey = NULL, addr[INET6_ADDRSTRLEN];
	char line[PATH_MAX + 128];
	size_t nkeys = 0, certlen = 0, tlskeylen = 0, i;
	struct stat sb;
	sigset_t set;
	FILE *log = stderr;
	int c, r, st = 0, sig = 0, fd;

	memset(&o, 0, sizeof(o));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 's':
			o.storage = optarg;
			break;
		case 'k':
			if (nkeys == BC_SERVE_MAX_KEYS)
				return bc_cli_usage(ctx->cmd, "at most %d "
				    "--key", BC_SERVE_MAX_KEYS);
			keypaths[nkeys++] = optarg;
			break;
		case 'c':
			certpath = optarg;
			break;
		case 'K':
			tlskeypath = optarg;
			break;
		case 'L':
			logpath = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") == 0)
				o.log_json = 1;
			else if (strcmp(optarg, "text") != 0)
				return bc_cli_usage(ctx->cmd, "--log-format: "
				    "text or json");
			break;
		case 'U':
			if (parse_bytes(optarg, &o.max_upload) != 0)
				return bc_cli_usage(ctx->cmd, "--max-upload: "
				    "1 byte to 1P, as bytes or with K, M, G or "
				    "T (powers of 1024)");
			break;
		default:
			if ((no = num_opt(c)) == NULL)
				return bc_cli_badopt(ctx->cmd, c, argv);
			if (parse_uint(optarg, no->lo, no->hi,
			    (unsigned *)(void *)((char *)&o + no->off)) != 0)
				return bc_cli_usage(ctx->cmd, "%s", no->bounds);
			break;
		}
	}
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	/* a service prints no document: its answers and log are JSON */
	if (ctx->json)
		return bc_cli_usage(ctx->cmd, "serve runs until stopped and "
		    "prints no document: --json does not apply (its answers "
		    "are JSON; --log-format json for its log)");
	if (nkeys == 0)
		return bc_cli_usage(ctx->cmd, "--key is required");
	if ((certpath == NULL) != (tlskeypath == NULL))
		return bc_cli_usage(ctx->cmd, "--tls-cert and --tls-key go "
		    "together");
	if (parse_listen(listen, &o) != 0)
		return bc_cli_usage(ctx->cmd, "--listen '%s' is not ADDR:PORT "
		    "(e.g. 127.0.0.1:8080 or [::1]:8080)", listen);

	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	/* without --storage, the catalog's managed storage root */
	if (o.storage == NULL) {
		static char root[PATH_MAX];

		if ((r = bc_catalog_storage(ctx->cat, root, sizeof(root),
		    &err)) != 0)
			return bc_cli_fail(r, &err);
		if (root[0] == '\0')
			return bc_cli_usage(ctx->cmd, "--storage DIR is "
			    "required: the catalog has no storage root");
		o.storage = root;
	}
	for (i = 0; i < nkeys; i++) {
		if ((r = bc_key_load_private(keypaths[i], &keys[i],
		    &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		o.keys[i] = keys[i];
	}
	o.nkeys = nkeys;
	if (certpath != NULL) {
		/* the TLS key is a secret like a signing key: 0600 */
		if (stat(tlskeypath, &sb) == 0 && (sb.st_mode & 077) != 0) {
			bc_cli_error("%s: the TLS key is readable by others; "
			    "chmod 600 it", tlskeypath);
			st = 2;
			goto out;
		}
		if ((r = bc_read_small(certpath, PEM_MAX, &cert, &certlen,
		    &err)) != 0 ||
		    (r = bc_read_small(tlskeypath, PEM_MAX, &tlskey,
		    &tlskeylen, &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		o.tls_cert = cert;
		o.tls_key = tlskey;
	}
	if (logpath != NULL) {
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0640)) < 0 || (log = fdopen(fd, "a")) == NULL) {
			bc_cli_error("%s: %s", logpath, strerror(errno));
			if (fd >= 0)
				close(fd);
			st = 3;
			goto out;
		}
	}
	o.catalog = ctx->catalog_path;
	o.log = log;

	/* the service's threads inherit this mask: the signals come here */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((r = bc_serve_start(&o, &srv, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (o.addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&o.addr)->
		    sin6_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&o.addr)->sin_addr,
		    addr, sizeof(addr));
	snprintf(line, sizeof(line), "serving %s on %s%s%s:%u (catalog %s)",
	    cert ? "https" : "http", o.addr.ss_family == AF_INET6 ? "[" : "",
	    addr, o.addr.ss_family == AF_INET6 ? "]" : "",
	    (unsigned)bc_serve_port(srv), bc_cli_q(ctx->catalog_path));
	bc_serve_log_line(log, o.log_json, line);

	while (sigwait(&set, &sig) != 0)
		;
	snprintf(line, sizeof(line), "%s: stopping; finishing the requests "
	    "in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	bc_serve_log_line(log, o.log_json, line);
	bc_serve_stop(srv, GRACE_SECONDS);
	bc_serve_log_line(log, o.log_json, "stopped");
 out:
	for (i = 0; i < nkeys; i++)
		bc_key_free(keys[i]);
	if (tlskey != NULL) {
		OPENSSL_cleanse(tlskey, tlskeylen);
		free(tlskey);
	}
	free(cert);
	if (log != stderr && log != NULL)
		fclose(log);
	return st;
}

#else /* !BC_SERVE_MAIN */

#include "bodycam/util.h"

static int
cmd_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	char path[PATH_MAX];

	if (bc_exec_path("bodycam-serve", "BODYCAM_SERVE", path,
	    sizeof(path)) != 0) {
		bc_cli_error("no path to bodycam-serve");
		return 3;
	}
	fflush(NULL);
	execv(path, ctx->argv);
	bc_cli_error("cannot run %s: %s", path, strerror(errno));
	return 3;
}
#endif /* BC_SERVE_MAIN */

const struct bc_cmd bc_cmd_serve = {
	.name = "serve",
	.usage = "[--storage DIR] --key KEY [--key KEY...] [--listen ADDR:PORT]\n"
	    "             [--tls-cert FILE --tls-key FILE] [--threads N]\n"
	    "             [--max-connections N] [--max-connections-per-ip N]\n"
	    "             [--timeout SECONDS] [--header-timeout SECONDS]\n"
	    "             [--body-timeout SECONDS] [--max-upload SIZE]\n"
	    "             [--upload-expiry HOURS] [--log FILE] "
	    "[--log-format text|json]",
	.summary = "run the catalog service: a JSON HTTP API",
	.options =
	    "  --storage DIR        the directory registered files must lie "
	    "in; release\n"
	    "                       bundles are written to DIR/releases "
	    "(default: the\n"
	    "                       catalog's storage root)\n"
	    "  --key KEY            a private signing key (repeatable): for "
	    "each record\n"
	    "                       the first key holding the role it needs "
	    "signs it\n"
	    "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; "
	    "port 0: any)\n"
	    "  --tls-cert FILE      serve HTTPS with this PEM certificate...\n"
	    "  --tls-key FILE       ...and this PEM key (mode 0600)\n"
	    "  --threads N          worker threads (default 16)\n"
	    "  --max-connections N  connections at once (default 256)\n"
	    "  --max-connections-per-ip N\n"
	    "                       connections at once from one address "
	    "(default 32)\n"
	    "  --timeout SECONDS    idle time before a connection is closed "
	    "(default 30)\n"
	    "  --header-timeout SECONDS\n"
	    "                       time for a request's headers, however "
	    "slow (default 10)\n"
	    "  --body-timeout SECONDS\n"
	    "                       time for a request's body after its "
	    "headers (default 60;\n"
	    "                       an upload has that long for each MiB)\n"
	    "  --max-upload SIZE    the largest upload taken, in bytes or "
	    "with K, M, G, T\n"
	    "                       (default 64G)\n"
	    "  --upload-expiry HOURS\n"
	    "                       a resumable upload untouched that long "
	    "is removed\n"
	    "                       (default 168)\n"
	    "  --log FILE           append the request log to FILE (default: "
	    "stderr)\n"
	    "  --log-format text|json\n"
	    "                       one line a request as text (default), or "
	    "one JSON\n"
	    "                       object: time (ms), remote address, caller, "
	    "method,\n"
	    "                       route, status, bytes, duration, request "
	    "id\n",
	.exec = cmd_serve,
};
