/*
 * cmd-witness.c - bodycam witness: a small transparency-log witness
 * (c2sp.org/tlog-witness) that an outside party runs to watch an
 * agency's log: it cosigns a checkpoint only when the log proves it
 * consistent with the last one it cosigned.
 *
 * Compiled twice, as cmd-serve.c: in bodycam, 'witness serve' executes
 * bodycam-serve, which alone links libmicrohttpd.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <limits.h>
#include <pthread.h>

#ifdef BC_SERVE_MAIN
#include <microhttpd.h>
#endif

#include "cli.h"

static int
want_dir(struct bc_ctx *ctx, const char *dir)
{
	if (dir == NULL || *dir == '\0')
		return bc_cli_usage(ctx->cmd, "--state DIR is required");
	return 0;
}

static int
witness_init(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	const char *dir = NULL, *name = NULL;
	char *vkey = NULL;
	int r;
	const struct bc_cli_opt opts[] = {
		{ "state", &dir, NULL },
		{ "name", &name, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = want_dir(ctx, dir)) != 0)
		return r;
	if (name == NULL)
		return bc_cli_usage(ctx->cmd, "witness init needs --name NAME "
		    "(e.g. witness.example.org/w1)");
	if ((r = bc_witness_init(dir, name, &vkey, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:s, s:s}", "state", dir, "name",
		    name, "vkey", vkey);
		if (ctx->out == NULL)
			r = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else
		printf("%s\n", vkey);
	free(vkey);
	return r;
}

static int
witness_trust(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	const char *dir = NULL, *origin = NULL, *keypath = NULL;
	int r;
	const struct bc_cli_opt opts[] = {
		{ "state", &dir, NULL },
		{ "origin", &origin, NULL },
		{ "key", &keypath, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = want_dir(ctx, dir)) != 0)
		return r;
	if (origin == NULL || keypath == NULL)
		return bc_cli_usage(ctx->cmd, "witness trust needs --origin "
		    "ORIGIN and --key PUB (the log's checkpoint key)");
	if ((r = bc_key_load_public(keypath, &key, &err)) != 0)
		return bc_cli_fail(r, &err);
	r = bc_witness_trust(dir, origin, key, &err);
	bc_key_free(key);
	if (r != 0)
		return bc_cli_fail(r, &err);
	if (!ctx->quiet && !ctx->json)
		printf("the witness trusts checkpoints of %s signed by %s\n",
		    origin, keypath);
	return 0;
}

static int
witness_vkey(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_witness *w = NULL;
	const char *dir = NULL;
	int r;
	const struct bc_cli_opt opts[] = {
		{ "state", &dir, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = want_dir(ctx, dir)) != 0)
		return r;
	if ((r = bc_witness_open(dir, &w, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:s}", "name", bc_witness_name(w),
		    "vkey", bc_witness_vkey(w));
		if (ctx->out == NULL)
			r = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else
		printf("%s\n", bc_witness_vkey(w));
	bc_witness_free(w);
	return r;
}

/* The file mode: a request from a file (or stdin), the answer out. */
static int
witness_add(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_witness *w = NULL;
	struct bc_witness_reply rep;
	const char *dir = NULL, *in = NULL, *out = NULL;
	char *req = NULL;
	size_t len = 0;
	int r, st = 0, fd = -1;
	const struct bc_cli_opt opts[] = {
		{ "state", &dir, NULL },
		{ "in", &in, NULL },
		{ "out", &out, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&rep, 0, sizeof(rep));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = want_dir(ctx, dir)) != 0)
		return r;
	if (in == NULL)
		return bc_cli_usage(ctx->cmd, "witness add needs --in FILE "
		    "(the add-checkpoint request; - for standard input)");
	if ((r = bc_witness_open(dir, &w, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (strcmp(in, "-") == 0)
		r = bc_read_fd(0, "standard input", BC_WITNESS_REQ_MAX, &req,
		    &len, &err);
	else
		r = bc_read_small(in, BC_WITNESS_REQ_MAX, &req, &len, &err);
	if (r != 0) {
		st = bc_cli_fail(r, &err);
		goto done;
	}
	if (out != NULL && (r = bc_cli_create_new(out, &fd, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto done;
	}
	r = bc_witness_add(w, req, len, (uint64_t)time(NULL), &rep, &err);
	if (r != 0) {
		if (fd != -1) {
			close(fd);
			(void)unlink(out);
		}
		if (rep.status == 409 && rep.body != NULL &&
		    strcmp(rep.ctype, "text/x.tlog.size") == 0)
			bc_cli_error("refused (%d): %s; the witness's size is "
			    "%.*s", rep.status, err.msg, (int)(rep.len - 1),
			    rep.body);
		else
			bc_cli_error("refused (%d): %s", rep.status, err.msg);
		st = r == BC_ERR_INTEGRITY ? 1 : r == BC_ERR_NOT_FOUND ||
		    r == BC_ERR_MALFORMED ? 2 : 3;
		goto done;
	}
	if (fd != -1) {
		r = bc_cli_write_new(fd, out, rep.body, rep.len, &err);
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto done;
		}
	} else
		fwrite(rep.body, 1, rep.len, stdout);
done:
	bc_witness_reply_clear(&rep);
	bc_witness_free(w);
	free(req);
	return st;
}

/* --------------------------------------------------------- over HTTP */

#ifdef BC_SERVE_MAIN

struct wconn {
	char	*body;
	size_t	 len;
	int	 too_large;
};

static FILE *wlog;

static enum MHD_Result
answer(struct MHD_Connection *c, int status, const char *ctype,
    const char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **ptr)
{
	struct bc_witness *w = cls;
	struct wconn *wc = *ptr;
	struct bc_witness_reply rep;
	struct bc_err err = { 0 };
	enum MHD_Result ret;
	char *nb;

	if (strcmp(url, "/add-checkpoint") != 0)
		return answer(c, 404, "text/plain", "not found\n", 10);
	if (strcmp(method, "POST") != 0)
		return answer(c, 405, "text/plain", "POST only\n", 10);
	if (wc == NULL) {
		if ((wc = calloc(1, sizeof(*wc))) == NULL)
			return MHD_NO;
		*ptr = wc;
		return MHD_YES;
	}
	if (*size > 0) {
		if (wc->too_large || wc->len + *size > BC_WITNESS_REQ_MAX) {
			wc->too_large = 1;
		} else if ((nb = realloc(wc->body, wc->len + *size + 1)) ==
		    NULL) {
			return MHD_NO;
		} else {
			wc->body = nb;
			memcpy(wc->body + wc->len, data, *size);
			wc->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}
	if (wc->too_large)
		return answer(c, 413, "text/plain", "request too large\n", 18);
	memset(&rep, 0, sizeof(rep));
	bc_witness_add(w, wc->body != NULL ? wc->body : "", wc->len,
	    (uint64_t)time(NULL), &rep, &err);
	if (wlog != NULL) {
		fprintf(wlog, "add-checkpoint: %d%s%s\n", rep.status,
		    rep.status == 200 ? "" : " ", rep.status == 200 ? "" :
		    err.msg);
		fflush(wlog);
	}
	ret = answer(c, rep.status, rep.ctype != NULL ? rep.ctype :
	    "text/plain", rep.body != NULL ? rep.body : "", rep.len);
	bc_witness_reply_clear(&rep);
	return ret;
}

static void
done_cb(void *cls, struct MHD_Connection *c, void **ptr,
    enum MHD_RequestTerminationCode toe)
{
	struct wconn *wc = *ptr;

	if (wc != NULL) {
		free(wc->body);
		free(wc);
		*ptr = NULL;
	}
}

static int
witness_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_witness *w = NULL;
	struct MHD_Daemon *d = NULL;
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	socklen_t addrlen = 0;
	const char *dir = NULL, *listen = NULL;
	sigset_t set;
	int r, sig = 0;
	const struct bc_cli_opt opts[] = {
		{ "state", &dir, NULL },
		{ "listen", &listen, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = want_dir(ctx, dir)) != 0)
		return r;
	if (listen == NULL)
		listen = "127.0.0.1:8090";
	if (bc_cli_parse_listen(listen, &addr, &addrlen) != 0)
		return bc_cli_usage(ctx->cmd, "--listen '%s' is not ADDR:PORT "
		    "(e.g. 127.0.0.1:8090 or [::1]:8090)", listen);
	if ((r = bc_witness_open(dir, &w, &err)) != 0)
		return bc_cli_fail(r, &err);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	wlog = stderr;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ?
	    MHD_USE_IPv6 : 0), 0, NULL, NULL, handle, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_NOTIFY_COMPLETED, done_cb, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
	    MHD_OPTION_END);
	if (d == NULL) {
		bc_cli_error("cannot listen on %s", listen);
		bc_witness_free(w);
		return 3;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "witness %s serving on %.*s:%u\n", bc_witness_name(w),
	    (int)(strrchr(listen, ':') - listen), listen,
	    info != NULL ? (unsigned)info->port : 0);
	fflush(stderr);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	bc_witness_free(w);
	return 0;
}

#else /* !BC_SERVE_MAIN */

/* As 'serve': bodycam links no libmicrohttpd; bodycam-serve runs it. */
static int
witness_serve(struct bc_ctx *ctx, int argc, char **argv)
{
	return bc_cli_exec_serve(ctx);
}

#endif /* BC_SERVE_MAIN */

static const struct bc_subcmd witness_subs[] = {
	{ "init", "--state DIR --name NAME", 0, witness_init },
	{ "trust", "--state DIR --origin ORIGIN --key PUB", 0, witness_trust },
	{ "vkey", "--state DIR", 0, witness_vkey },
	{ "add", "--state DIR --in FILE|- [--out FILE]", 0, witness_add },
	{ "serve", "--state DIR [--listen ADDR:PORT]", 0, witness_serve },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_witness = {
	.name = "witness",
	.subs = witness_subs,
	.summary = "A transparency-log witness (c2sp.org/tlog-witness) for "
	    "an outside party: it\n      cosigns a log's checkpoint only "
	    "when a consistency proof shows it extends\n      the last one "
	    "it cosigned.  'init' makes its key and state under DIR and\n"
	    "      prints its vkey (for witness policies); 'trust' adds a log "
	    "(its origin\n      and checkpoint key); 'vkey' prints the vkey "
	    "again; 'add' answers one\n      add-checkpoint request from a "
	    "file (air-gapped); 'serve' answers them\n      over HTTP at "
	    "POST /add-checkpoint until SIGTERM.  No catalog is used.",
	.options =
	    "  --state DIR        the witness's key and state (made by init, "
	    "mode 0700)\n"
	    "  --name NAME        init: the witness's name, a key name such as "
	    "witness.example/w1\n"
	    "  --origin ORIGIN    trust: the log's origin (its checkpoints' "
	    "first line)\n"
	    "  --key PUB          trust: the log's checkpoint key (public, "
	    "PEM)\n"
	    "  --in FILE          add: the request (\"old N\", proof, empty "
	    "line, checkpoint)\n"
	    "  --out FILE         add: write the cosignature line there (new "
	    "file), not stdout\n"
	    "  --listen ADDR:PORT serve: where (default 127.0.0.1:8090; port "
	    "0 picks one)\n",
	.exec = bc_cli_subcmd,
};
