/*
 * serve.h - the catalog service: a JSON HTTP API over libmicrohttpd.
 *
 * Every request but GET /v1/healthz carries a bearer token (token.h),
 * whose role decides what it may do.  Reads go through a pool of read
 * connections; every write (registrations, custody events, downloads,
 * which are custody too, verifications, checkpoints) goes through one
 * group-commit writer (writer.h), so concurrent clients can neither fork
 * a chain nor get an acknowledgement before their record is durable.
 * The routes and their roles are in serve-api.c; the README lists them.
 *
 * The bc_serve_* functions are linked into bodycam-serve only, not into
 * the installed libbodycam.a (which does not link libmicrohttpd); the
 * constants and bc_serve_opts are for that program and its tests.
 */
#ifndef BODYCAM_SERVE_H
#define BODYCAM_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "bodycam/error.h"
#include "bodycam/sign.h"

#define BC_SERVE_MAX_BODY	(1024 * 1024)	/* bytes of a request body */
#define BC_SERVE_MAX_KEYS	8
#define BC_SERVE_HEADER_TIMEOUT	10	/* seconds for a request's headers */
#define BC_SERVE_BODY_TIMEOUT	60	/* seconds for a request's body */
#define BC_SERVE_MAX_PER_IP	32	/* connections from one address */
#define BC_SERVE_MAX_UPLOAD	(64ULL << 30)	/* bytes of an upload */
#define BC_SERVE_UPLOAD_EXPIRY	168	/* hours a resumable upload is kept
					   untouched */

struct bc_serve_opts {
	const char		*catalog;	/* path of the catalog */
	const char		*storage;	/* directory the files lie in */
	const struct bc_key	*keys[BC_SERVE_MAX_KEYS];
	size_t			 nkeys;		/* signing keys, in order */
	struct sockaddr_storage	 addr;		/* where to listen */
	socklen_t		 addrlen;
	const char		*tls_cert;	/* PEM text, or NULL; copied */
	const char		*tls_key;	/* PEM text, or NULL; copied */
	unsigned		 threads;	/* libmicrohttpd's pool */
	unsigned		 max_conns;	/* connections at once */
	unsigned		 timeout;	/* idle seconds per connection */
	unsigned		 header_timeout; /* seconds for a request's
						   headers, however slow */
	unsigned		 body_timeout;	/* seconds for its body */
	unsigned		 max_per_ip;	/* connections from one address */
	size_t			 max_body;	/* 0: BC_SERVE_MAX_BODY */
	uint64_t		 max_upload;	/* 0: BC_SERVE_MAX_UPLOAD */
	unsigned		 upload_expiry;	/* hours; 0: BC_SERVE_UPLOAD_EXPIRY */
	FILE			*log;		/* one line per request */
	int			 log_json;	/* JSON lines, not text */
	int			 public_log;	/* /log/ without a token */
};

struct bc_server;

/*
 * Opens the catalog, checks the keys (each must hold a role in it now)
 * and starts listening.  On success *out runs until bc_serve_stop.
 * Numbers left 0 in opts take their defaults (BC_SERVE_*).
 */
int bc_serve_start(const struct bc_serve_opts *opts, struct bc_server **out,
    struct bc_err *err);

/*
 * Writes a line that is not a request's to log, and flushes it: "TIME -
 * message", or with json {"time": ..., "message": ...} (time in RFC
 * 3339 with milliseconds).  msg is made fit for a log line first.
 */
void bc_serve_log_line(FILE *log, int json, const char *msg);

/*
 * Answers new connections with another TLS certificate and key (PEM
 * text, copied: the caller may wipe its own): a new daemon on the same
 * listening socket, after which the old one accepts no more.  The old
 * one finishes the requests in flight on it, each answer closing its
 * connection, and bc_serve_tick stops it when it has no connection left
 * (an idle keep-alive one is closed by --header-timeout).  On error
 * (err says why; libmicrohttpd's reason is in the log) nothing changed:
 * the old certificate is still served.  BC_ERR_INVALID when the service
 * was started without TLS.  Not thread-safe: one thread reloads, ticks
 * and stops.
 */
int bc_serve_reload_tls(struct bc_server *srv, const char *cert,
    const char *key, struct bc_err *err);

/*
 * Stops the daemons a reload replaced that have no connection left (and
 * were replaced a second ago or more); returns how many are left (call
 * again later while not 0).
 */
unsigned bc_serve_tick(struct bc_server *srv);

/*
 * Log rotation: the log (opts->log) writes to fd from now on, in place
 * of the descriptor beneath it (flushed first); fd is closed.  Returns 0,
 * or -1 with errno, the log unchanged.
 */
int bc_serve_reopen_log(struct bc_server *srv, int fd);

/* The port it listens on (useful with port 0). */
uint16_t bc_serve_port(const struct bc_server *srv);

/*
 * Stops accepting, waits up to grace seconds for the requests in flight
 * to finish (on every daemon, a reload's replaced ones too), then stops
 * the threads and closes the catalog.  Accepts NULL.
 */
void bc_serve_stop(struct bc_server *srv, unsigned grace);

#endif /* BODYCAM_SERVE_H */
