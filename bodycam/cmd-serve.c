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
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <systemd/sd-daemon.h>

#define PEM_MAX		(64 * 1024)
#define GRACE_SECONDS	30
#define TICK_MS		250	/* how often replaced daemons are looked at */

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

/*
 * What the command line, or a configuration file, says.  The two are
 * read into one each, then merged: an option on the command line wins
 * over the file's.
 */
struct serve_args {
	const char	*listen, *storage, *certpath, *tlskeypath, *logpath;
	const char	*catalog;		/* the file's only */
	const char	*keypaths[BC_SERVE_MAX_KEYS];
	size_t		 nkeys;
	unsigned	 threads, max_conns, max_per_ip, timeout;
	unsigned	 header_timeout, body_timeout, upload_expiry;
	uint64_t	 max_upload;
	int		 log_json;
	int		 public_log;
	uint32_t	 set;			/* bit i: opts[i] given */
	unsigned	 line[32];		/* in the file, where */
};

enum opt_kind { O_STR, O_NUM, O_BYTES, O_FORMAT, O_ACCESS, O_KEY, O_CONFIG };

#define ARG(f)	offsetof(struct serve_args, f)

/*
 * The options of serve, which are also the keys of its configuration
 * file (all but config itself; catalog, a global option, only there),
 * where each goes and what it takes.
 */
static const struct serve_opt {
	const char	*name;
	enum opt_kind	 kind;
	size_t		 off;		/* in struct serve_args */
	unsigned	 lo, hi;	/* O_NUM */
	const char	*takes;		/* for the usage error */
} opts[] = {
	{ "listen", O_STR, ARG(listen), 0, 0, NULL },
	{ "storage", O_STR, ARG(storage), 0, 0, NULL },
	{ "key", O_KEY, 0, 0, 0, NULL },
	{ "tls-cert", O_STR, ARG(certpath), 0, 0, NULL },
	{ "tls-key", O_STR, ARG(tlskeypath), 0, 0, NULL },
	{ "threads", O_NUM, ARG(threads), 1, 256, "1 to 256" },
	{ "max-connections", O_NUM, ARG(max_conns), 1, 65536,
	    "1 to 65536" },
	{ "timeout", O_NUM, ARG(timeout), 1, 86400, "1 to 86400 seconds" },
	{ "header-timeout", O_NUM, ARG(header_timeout), 1, 3600,
	    "1 to 3600 seconds" },
	{ "body-timeout", O_NUM, ARG(body_timeout), 1, 86400,
	    "1 to 86400 seconds" },
	{ "max-connections-per-ip", O_NUM, ARG(max_per_ip), 1, 65536,
	    "1 to 65536" },
	{ "log", O_STR, ARG(logpath), 0, 0, NULL },
	{ "max-upload", O_BYTES, ARG(max_upload), 0, 0, "1 byte to 1P, as "
	    "bytes or with K, M, G or T (powers of 1024)" },
	{ "upload-expiry", O_NUM, ARG(upload_expiry), 1, 87600,
	    "1 to 87600 hours" },
	{ "log-format", O_FORMAT, ARG(log_json), 0, 0, "text or json" },
	{ "log-access", O_ACCESS, ARG(public_log), 0, 0, "token or public" },
	{ "config", O_CONFIG, 0, 0, 0, NULL },
	{ "catalog", O_STR, ARG(catalog), 0, 0, NULL },
};
#define NOPTS		(sizeof(opts) / sizeof(opts[0]))
#define OPT_CATALOG	(NOPTS - 1)	/* not an option of serve's */

/*
 * Sets option i of a to val; 0, or -1 with what it takes in *why.  A
 * repeated --key adds a key; BC_SERVE_MAX_KEYS of them at most.
 */
static int
set_opt(struct serve_args *a, size_t i, const char *val, const char **why)
{
	const struct serve_opt *op = &opts[i];
	void *p = (char *)a + op->off;
	uint64_t v;

	switch (op->kind) {
	case O_STR:
		*(const char **)p = val;
		break;
	case O_NUM:
		if (bc_parse_uint(val, op->lo, op->hi, &v) != 0)
			goto bad;
		*(unsigned *)p = (unsigned)v;
		break;
	case O_BYTES:
		if (parse_bytes(val, (uint64_t *)p) != 0)
			goto bad;
		break;
	case O_FORMAT:
		if (strcmp(val, "json") == 0)
			*(int *)p = 1;
		else if (strcmp(val, "text") == 0)
			*(int *)p = 0;
		else
			goto bad;
		break;
	case O_ACCESS:
		if (strcmp(val, "public") == 0)
			*(int *)p = 1;
		else if (strcmp(val, "token") == 0)
			*(int *)p = 0;
		else
			goto bad;
		break;
	case O_KEY:
		if (a->nkeys == BC_SERVE_MAX_KEYS) {
			*why = "at most 8 keys";
			return -1;
		}
		a->keypaths[a->nkeys++] = val;
		break;
	case O_CONFIG:
		break;
	}
	a->set |= 1U << i;
	return 0;
 bad:
	*why = op->takes;
	return -1;
}

/* What the command line did not set, the file does. */
static void
merge_args(struct serve_args *cl, const struct serve_args *fl)
{
	const struct serve_opt *op;
	size_t i, size;

	for (i = 0; i < NOPTS; i++) {
		op = &opts[i];
		if ((cl->set & (1U << i)) || !(fl->set & (1U << i)))
			continue;
		switch (op->kind) {
		case O_STR:
			size = sizeof(const char *);
			break;
		case O_NUM:
			size = sizeof(unsigned);
			break;
		case O_BYTES:
			size = sizeof(uint64_t);
			break;
		case O_FORMAT:
		case O_ACCESS:
			size = sizeof(int);
			break;
		case O_KEY:
			memcpy(cl->keypaths, fl->keypaths,
			    sizeof(cl->keypaths));
			cl->nkeys = fl->nkeys;
			/* FALLTHROUGH */
		default:
			size = 0;
			break;
		}
		memcpy((char *)cl + op->off, (const char *)fl + op->off, size);
		cl->set |= 1U << i;
	}
}

/*
 * Reads the configuration file path into *conf and fl; returns 0 or
 * prints why (NAME:LINE: ...) and returns the exit status.
 */
static int
read_config(const struct bc_cmd *cmd, const char *path, struct bc_conf **conf,
    struct serve_args *fl)
{
	const struct bc_conf_entry *e;
	struct bc_err err = { 0 };
	const char *why;
	size_t i, k;
	int r;

	if ((r = bc_conf_load(path, conf, &err)) != 0)
		return bc_cli_fail(r, &err);
	for (k = 0; k < (*conf)->n; k++) {
		e = &(*conf)->e[k];
		for (i = 0; i < NOPTS; i++)
			if (strcmp(e->key, opts[i].name) == 0)
				break;
		if (i == NOPTS || opts[i].kind == O_CONFIG)
			return bc_cli_usage(cmd, "%s:%u: unknown key '%s'%s",
			    path, e->line, e->key, i == NOPTS ? " (the keys "
			    "are serve's long options, and catalog)" :
			    ": a configuration file names no other");
		if ((fl->set & (1U << i)) && opts[i].kind != O_KEY)
			return bc_cli_usage(cmd, "%s:%u: '%s' again (first on "
			    "line %u)", path, e->line, e->key, fl->line[i]);
		if (set_opt(fl, i, e->value, &why) != 0)
			return bc_cli_usage(cmd, "%s:%u: %s: %s", path,
			    e->line, e->key, why);
		if (fl->line[i] == 0)
			fl->line[i] = e->line;
	}
	return 0;
}

/*
 * Reads a PEM file of at most PEM_MAX bytes into *out (*len bytes,
 * NUL-terminated).  A secret one (a key) must not be readable by group
 * or others, as checked on the descriptor read (BC_ERR_KEY_PERM).
 */
static int
pem_read(const char *path, int secret, char **out, size_t *len,
    struct bc_err *err)
{
	struct stat st;
	int fd, r;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return bc_err_set(err, errno == ENOENT ? BC_ERR_NOT_FOUND :
		    BC_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    path);
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		r = bc_err_set(err, BC_ERR_KEY_PERM, "%s: the TLS key is "
		    "readable by others; chmod 600 it", path);
		goto out;
	}
	r = bc_read_fd(fd, path, PEM_MAX, out, len, err);
 out:
	close(fd);
	return r;
}

/*
 * What the log says of a certificate: the SHA-256 fingerprint of its
 * first (as openssl x509 -fingerprint -sha256 shows it) and when it
 * expires.  BC_ERR_MALFORMED when pem holds none.
 */
static int
cert_info(const char *path, const char *pem, size_t len, char *out,
    size_t outsz, struct bc_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char fp[EVP_MAX_MD_SIZE * 3 + 1], until[32] = "?";
	unsigned n = 0, i;
	struct tm tm;
	X509 *x = NULL;
	BIO *b;

	if (len > INT_MAX || (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1) {
		X509_free(x);
		return bc_err_set(err, BC_ERR_MALFORMED, "%s: not a PEM "
		    "certificate", path);
	}
	for (i = 0; i < n; i++)
		snprintf(fp + 3 * i, sizeof(fp) - 3 * i, "%02X%s", md[i],
		    i + 1 < n ? ":" : "");
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	X509_free(x);
	snprintf(out, outsz, "sha256 fingerprint %s, not after %s", fp, until);
	return 0;
}

/*
 * Reads the TLS certificate and key (as at start: the key 0600) and says
 * what the certificate is in info.  The caller wipes and frees both.
 */
static int
tls_load(const char *certpath, const char *keypath, char **cert,
    size_t *certlen, char **key, size_t *keylen, char *info, size_t infosz,
    struct bc_err *err)
{
	int r;

	if ((r = pem_read(keypath, 1, key, keylen, err)) != 0 ||
	    (r = pem_read(certpath, 0, cert, certlen, err)) != 0)
		return r;
	return cert_info(certpath, *cert, *certlen, info, infosz, err);
}

static void
pem_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* What the service says it is doing: the log's "serving" line. */
static void
serving_line(const struct bc_serve_opts *o, int tls, uint16_t port,
    const char *catalog, char *out, size_t outsz)
{
	char addr[INET6_ADDRSTRLEN];

	if (o->addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&o->addr)->
		    sin6_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&o->addr)->
		    sin_addr, addr, sizeof(addr));
	snprintf(out, outsz, "serving %s on %s%s%s:%u (catalog %s)",
	    tls ? "https" : "http", o->addr.ss_family == AF_INET6 ? "[" : "",
	    addr, o->addr.ss_family == AF_INET6 ? "]" : "", (unsigned)port,
	    bc_cli_q(catalog));
}

/*
 * SIGHUP: the log file opened again (after rotation), and the TLS
 * certificate and key read again from their files, for new connections.
 * What fails is logged and the service goes on as it was.
 */
static void
reload(struct bc_server *srv, const struct serve_args *a, FILE *log,
    int json, const char *status)
{
	struct bc_err err = { 0 };
	char *cert = NULL, *key = NULL, line[PATH_MAX + 256], info[256];
	size_t certlen = 0, keylen = 0;
	int fd, r;

	sd_notify(0, "RELOADING=1\nSTATUS=SIGHUP: reloading");
	if (a->logpath != NULL) {
		if ((fd = open(a->logpath, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0640)) == -1 ||
		    bc_serve_reopen_log(srv, fd) != 0)
			snprintf(line, sizeof(line), "SIGHUP: cannot reopen "
			    "the log %s (%s); still writing to the file open",
			    a->logpath, strerror(errno));
		else
			snprintf(line, sizeof(line), "SIGHUP: log %s reopened",
			    a->logpath);
		bc_serve_log_line(log, json, line);
	}
	if (a->certpath != NULL) {
		if ((r = tls_load(a->certpath, a->tlskeypath, &cert, &certlen,
		    &key, &keylen, info, sizeof(info), &err)) == 0)
			r = bc_serve_reload_tls(srv, cert, key, &err);
		if (r != 0)
			snprintf(line, sizeof(line), "SIGHUP: still serving "
			    "the TLS certificate loaded before: %s", err.msg);
		else
			snprintf(line, sizeof(line), "SIGHUP: new connections "
			    "get the TLS certificate %s (%s)", a->certpath,
			    info);
		bc_serve_log_line(log, json, line);
		pem_free(key, keylen);
		pem_free(cert, certlen);
	}
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

static int
cmd_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	struct option longopts[NOPTS + 1];
	struct serve_args cl, fl;
	struct bc_serve_opts o;
	struct bc_server *srv = NULL;
	struct bc_conf *conf = NULL;
	struct bc_key *keys[BC_SERVE_MAX_KEYS] = { NULL };
	struct bc_err err = { 0 };
	struct timespec tick = { 0, TICK_MS * 1000000L };
	const char *config = NULL, *why;
	char *cert = NULL, *tlskey = NULL, info[256];
	char line[PATH_MAX + 256], status[PATH_MAX + 128], *shown;
	size_t certlen = 0, tlskeylen = 0, i, n;
	sigset_t set;
	FILE *log = stderr;
	int c, r, st = 0, sig = 0, fd;

	memset(&o, 0, sizeof(o));
	memset(&cl, 0, sizeof(cl));
	memset(&fl, 0, sizeof(fl));
	memset(longopts, 0, sizeof(longopts));
	for (i = n = 0; i < NOPTS; i++) {
		if (i == OPT_CATALOG)
			continue;
		longopts[n].name = opts[i].name;
		longopts[n].has_arg = required_argument;
		longopts[n++].val = 256 + (int)i;	/* never a letter */
	}
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c < 256 || (size_t)(c - 256) >= NOPTS)
			return bc_cli_badopt(ctx->cmd, c, argv);
		i = (size_t)(c - 256);
		if (opts[i].kind == O_CONFIG)
			config = optarg;
		else if (set_opt(&cl, i, optarg, &why) != 0)
			return opts[i].kind == O_KEY ? bc_cli_usage(ctx->cmd,
			    "at most %d --key", BC_SERVE_MAX_KEYS) :
			    bc_cli_usage(ctx->cmd, "--%s: %s", opts[i].name,
			    why);
	}
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	/* a service prints no document: its answers and log are JSON */
	if (ctx->json)
		return bc_cli_usage(ctx->cmd, "serve runs until stopped and "
		    "prints no document: --json does not apply (its answers "
		    "are JSON; --log-format json for its log)");
	if (config != NULL) {
		if ((st = read_config(ctx->cmd, config, &conf, &fl)) != 0)
			goto out;
		merge_args(&cl, &fl);
		/* --catalog on the command line wins too */
		if (cl.catalog != NULL && !ctx->catalog_opt)
			ctx->catalog_path = cl.catalog;
	}
	if (cl.nkeys == 0) {
		st = bc_cli_usage(ctx->cmd, "--key is required");
		goto out;
	}
	if ((cl.certpath == NULL) != (cl.tlskeypath == NULL)) {
		st = bc_cli_usage(ctx->cmd, "--tls-cert and --tls-key go "
		    "together");
		goto out;
	}
	if (cl.listen == NULL)
		cl.listen = "127.0.0.1:8080";
	if (bc_cli_parse_listen(cl.listen, &o.addr, &o.addrlen) != 0) {
		st = bc_cli_usage(ctx->cmd, "--listen '%s' is not ADDR:PORT "
		    "(e.g. 127.0.0.1:8080 or [::1]:8080)", cl.listen);
		goto out;
	}
	o.storage = cl.storage;
	o.threads = cl.threads;
	o.max_conns = cl.max_conns;
	o.max_per_ip = cl.max_per_ip;
	o.timeout = cl.timeout;
	o.header_timeout = cl.header_timeout;
	o.body_timeout = cl.body_timeout;
	o.upload_expiry = cl.upload_expiry;
	o.max_upload = cl.max_upload;
	o.log_json = cl.log_json;
	o.public_log = cl.public_log;

	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	/* without --storage, the catalog's managed storage root */
	if (o.storage == NULL) {
		static char root[PATH_MAX];

		if ((r = bc_catalog_storage(ctx->cat, root, sizeof(root),
		    &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if (root[0] == '\0') {
			st = bc_cli_usage(ctx->cmd, "--storage DIR is "
			    "required: the catalog has no storage root");
			goto out;
		}
		o.storage = root;
	}
	for (i = 0; i < cl.nkeys; i++) {
		if ((r = bc_key_load_private(cl.keypaths[i], &keys[i],
		    &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		o.keys[i] = keys[i];
	}
	o.nkeys = cl.nkeys;
	if (cl.certpath != NULL) {
		/* the TLS key is a secret like a signing key: 0600 */
		if ((r = tls_load(cl.certpath, cl.tlskeypath, &cert, &certlen,
		    &tlskey, &tlskeylen, info, sizeof(info), &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		o.tls_cert = cert;
		o.tls_key = tlskey;
	}
	if (cl.logpath != NULL) {
		if ((fd = open(cl.logpath, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0640)) < 0 || (log = fdopen(fd, "a")) == NULL) {
			bc_cli_error("%s: %s", cl.logpath, strerror(errno));
			if (fd >= 0)
				close(fd);
			log = stderr;
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
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = bc_serve_start(&o, &srv, &err);
	/* the service holds its own copy of the key now */
	pem_free(tlskey, tlskeylen);
	tlskey = NULL;
	o.tls_key = NULL;
	if (r != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((shown = bc_catalog_redact(ctx->catalog_path)) == NULL) {
		st = bc_cli_fail(bc_err_set(&err, BC_ERR_NOMEM,
		    "out of memory"), &err);
		goto out;
	}
	serving_line(&o, cert != NULL, bc_serve_port(srv), shown, status,
	    sizeof(status));
	free(shown);
	bc_serve_log_line(log, o.log_json, status);
	if (cert != NULL) {
		snprintf(line, sizeof(line), "TLS certificate %s (%s)",
		    cl.certpath, info);
		bc_serve_log_line(log, o.log_json, line);
	}
	/* systemd (Type=notify): listening and answering; without
	 * $NOTIFY_SOCKET this does nothing */
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", status,
	    (unsigned long)getpid());

	for (;;) {
		/* a reload's replaced daemons are stopped once idle */
		if (bc_serve_tick(srv) > 0)
			sig = sigtimedwait(&set, NULL, &tick);
		else
			sig = sigwaitinfo(&set, NULL);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			reload(srv, &cl, log, o.log_json, status);
	}
	snprintf(line, sizeof(line), "%s: stopping; finishing the requests "
	    "in flight", sig == SIGINT ? "SIGINT" : "SIGTERM");
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", line);
	bc_serve_log_line(log, o.log_json, line);
	bc_serve_stop(srv, GRACE_SECONDS);
	bc_serve_log_line(log, o.log_json, "stopped");
 out:
	for (i = 0; i < cl.nkeys; i++)
		bc_key_free(keys[i]);
	pem_free(tlskey, tlskeylen);
	pem_free(cert, certlen);
	if (log != stderr && log != NULL)
		fclose(log);
	bc_conf_free(conf);
	return st;
}

#else /* !BC_SERVE_MAIN */

#include "bodycam/util.h"

static int
cmd_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	return bc_cli_exec_serve(ctx);
}
#endif /* BC_SERVE_MAIN */

const struct bc_cmd bc_cmd_serve = {
	.name = "serve",
	.usage = "[--storage DIR] --key KEY [--key KEY...] [--listen ADDR:PORT]\n"
	    "             [--config FILE] [--tls-cert FILE --tls-key FILE]\n"
	    "             [--threads N]"
	    " [--max-connections N] [--max-connections-per-ip N]\n"
	    "             [--timeout SECONDS] [--header-timeout SECONDS]\n"
	    "             [--body-timeout SECONDS] [--max-upload SIZE]\n"
	    "             [--upload-expiry HOURS] [--log FILE] "
	    "[--log-format text|json]\n"
	    "             [--log-access token|public]",
	.summary = "run the catalog service: a JSON HTTP API",
	.options =
	    "  --config FILE        options from FILE, 'key = value' lines "
	    "(keys: the long\n"
	    "                       options below, and catalog; key may "
	    "repeat); an option\n"
	    "                       given here wins over the file's (SIGHUP "
	    "does not\n"
	    "                       read it again)\n"
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
	    "  --tls-key FILE       ...and this PEM key (mode 0600); both read "
	    "again on\n"
	    "                       SIGHUP, for new connections\n"
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
	    "stderr);\n"
	    "                       reopened on SIGHUP\n"
	    "  --log-format text|json\n"
	    "                       one line a request as text (default), or "
	    "one JSON\n"
	    "                       object: time (ms), remote address, caller, "
	    "method,\n"
	    "                       route, status, bytes, duration, request "
	    "id\n"
	    "  --log-access token|public\n"
	    "                       who may read the transparency log at "
	    "/log/ (C2SP\n"
	    "                       tlog-tiles): any valid token (default), or "
	    "anyone; its\n"
	    "                       entries hold the signed records' case and "
	    "officer data\n",
	.exec = cmd_serve,
};
