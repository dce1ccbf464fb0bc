/*
 * serve-int.h - what serve.c (the HTTP plumbing) and serve-api.c (the
 * routes) share.  Not installed.
 */
#ifndef BODYCAM_SERVE_INT_H
#define BODYCAM_SERVE_INT_H

#include <sys/stat.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "bodycam/buf.h"
#include "bodycam/catalog.h"
#include "bodycam/keys.h"
#include "bodycam/register.h"
#include "bodycam/storage.h"
#include "bodycam/serve.h"
#include "bodycam/token.h"
#include "bodycam/writer.h"

#define BC_ROLE_ANY	0	/* any valid token */
#define BC_ROLE_NONE	(-1)	/* no token needed */

/* A pool of read connections, one per request at a time. */
struct bc_pool {
	pthread_mutex_t		  mu;
	pthread_cond_t		  cv;
	struct bc_catalog	**free;
	size_t			  nfree, n;
};

/*
 * One connection, from accept to close, and the deadline of what it is
 * reading: its request's headers, then its body; none while it answers.
 */
struct bc_conn {
	struct bc_conn		*prev, *next;
	MHD_socket		 fd;
	struct timespec		 until;		/* CLOCK_MONOTONIC; 0: none */
	int			 expired;	/* shut down by the sweeper */
};

/*
 * A file found to hold its sealed bytes after it changed on disk (its
 * status-change time after the registration): while its stat stays the
 * same, a download need not hash it again.
 */
#define BC_MEDIA_OK_SLOTS	256
struct bc_media_ok {
	char			 id[BC_ITEM_ID_MAX];
	struct stat		 st;
};

/*
 * One libmicrohttpd daemon on the listening socket, and the certificate
 * it was started with.  A TLS reload (SIGHUP) starts another on the same
 * socket; the one it replaces stops accepting, finishes the requests in
 * flight on it (each answer then closes its connection) and is stopped
 * once it has no connection left.
 */
struct bc_listener {
	struct bc_server	*srv;
	struct MHD_Daemon	*d;
	MHD_socket		 fd;		/* its listening socket once
						   quiesced: closed after d
						   stops */
	char			*cert, *key;	/* PEM or NULL; the key wiped
						   when freed */
	size_t			 keylen;
	unsigned		 conns;		/* connections; under srv->mu */
	int			 retiring;	/* replaced; under srv->mu */
	struct timespec		 retired_at;	/* CLOCK_MONOTONIC */
	struct bc_listener	*next;		/* srv->retired */
};

struct bc_server {
	struct bc_serve_opts	 o;
	char			 storage[4096];	/* realpath, no trailing / */
	struct bc_listener	*cur;		/* the one accepting */
	struct bc_listener	*retired;	/* replaced, still answering;
						   only the thread that
						   reloads and stops */
	struct bc_writer	*w;
	struct bc_pool		 pool;
	const struct bc_key	*by_role[16];	/* signing key per role bit */
	pthread_mutex_t		 log_mu;
	pthread_mutex_t		 mu;		/* inflight, stopping */
	pthread_cond_t		 idle;
	unsigned		 inflight;
	int			 stopping;
	uint16_t		 port;
	/* the sweeper closes connections past their deadline */
	pthread_mutex_t		 conn_mu;	/* conns, their deadlines */
	pthread_cond_t		 sweep_cv;
	pthread_t		 sweeper;
	int			 sweeping;	/* the thread runs */
	int			 sweep_stop;
	struct bc_conn		*conns;
	pthread_mutex_t		 ok_mu;		/* ok */
	struct bc_media_ok	 ok[BC_MEDIA_OK_SLOTS];
	char			 uproot[4096];	/* the catalog's storage root,
						   realpath, or "": uploads */
	time_t			 swept;		/* uploads last swept, under mu */
	struct bc_metrics	*metrics;	/* serve-metrics.c */
};

/* One request, from its first callback to its completion. */
struct bc_req {
	struct bc_server	*srv;
	struct bc_listener	*l;		/* the daemon it came to */
	struct MHD_Connection	*conn;
	const char		*method;
	const char		*url;		/* MHD's, valid until done */
	struct timespec		 start;
	struct bc_buf		 body;		/* capped at --max-body */
	int			 too_large;
	size_t			 discarded;	/* bytes over the cap dropped */
	int			 authed;
	struct bc_token_info	 tok;
	const struct bc_route	*route;
	char			 arg[BC_ITEM_ID_MAX + 64];	/* {id} or
							   {path} */
	struct MHD_Response	*resp;
	unsigned		 status;
	int			 counted;	/* in srv->inflight */
	int			 queued;	/* a response was queued */
	/* a body streamed to a handler (uploads), not buffered */
	const struct bc_stream	*stream;
	void			*up;		/* the stream's state */
	uint64_t		 received;	/* bytes of its body so far */
	int			 dropping;	/* the rest of it is dropped */
	int			 deferred;	/* q->resp waits for its end */
	int			 head;		/* a HEAD: a GET's route, no
						   body sent */
	char			 rid[65];	/* request id (X-Request-Id) */
	int64_t			 out_len;	/* bytes of the answer's body,
						   -1: not known */
};

/*
 * A route whose body is streamed: begin runs after the token and role
 * are checked and may answer at once (the body is then not read); data
 * takes each block of the body and returns -1 to have the rest dropped
 * (end then answers); end runs when all of it is in; done runs when the
 * request ends, answered or not (the client gone, a deadline), and
 * releases q->up.
 */
struct bc_stream {
	void	(*begin)(struct bc_req *q);
	int	(*data)(struct bc_req *q, const char *p, size_t n);
	void	(*end)(struct bc_req *q);
	void	(*done)(struct bc_req *q);
};

typedef void (*bc_handler)(struct bc_req *q);

struct bc_route {
	const char	*method;
	const char	*path;		/* "/v1/items/{id}/custody" */
	bc_handler	 handler;
	int		 role;		/* BC_ROLE_*, _ANY or _NONE; a handler
					   may ask for more (events) */
	int		 body;		/* takes a JSON body */
	const struct bc_stream *stream;	/* or streams it: always when
					   handler is NULL, else for an
					   application/octet-stream body */
	int		 public_log;	/* no token with --log-access
					   public (the log's tiles) */
};

extern const struct bc_route bc_routes[];
extern const struct bc_stream bc_upload_stream;	/* POST /v1/items */
extern const struct bc_stream bc_chunk_stream;	/* PUT /v1/uploads/{id} */

/*
 * An Idempotency-Key's record (serve-upload.c): bc_idem_begin returns 0
 * to go on (the record held, locked, when the request has a key) or 1
 * when it answered (a retry, answered with the item again; a key in use;
 * a key of another request).  After success bc_idem_commit records the
 * item (kind "item") or upload ("upload"); after a failure bc_idem_abort forgets the key.
 */
struct bc_idem {
	int			 fd;	/* the record, locked; -1: none */
	char			 path[PATH_MAX + 128];
	char			 name[BC_SHA256_HEX];	/* its file's */
	char			 fp[BC_SHA256_HEX];	/* the request's
							   fingerprint */
	const struct bc_server	*srv;
};
int bc_idem_begin(struct bc_req *q, struct bc_idem *i);
void bc_idem_commit(struct bc_idem *i, const char *kind, const char *id,
    const char *sha256);
void bc_idem_abort(struct bc_idem *i);

/*
 * Removes resumable uploads untouched for --upload-expiry hours and
 * idempotency records past their time (serve-upload.c).
 */
void bc_uploads_sweep(struct bc_server *s);

/*
 * The service's counters (serve-metrics.c): bc_metrics_request counts a
 * request that ended (ms from its headers to its end, bytes_in of its
 * body read); GET /metrics shows them.
 */
struct bc_metrics;
int bc_metrics_new(struct bc_metrics **out);
void bc_metrics_free(struct bc_metrics *m);
void bc_metrics_request(struct bc_metrics *m, const struct bc_req *q,
    double ms, uint64_t bytes_in);
void bc_h_metrics(struct bc_req *q);

/* Upload routes (serve-upload.c). */
void bc_h_uploads_post(struct bc_req *q);
void bc_h_upload_get(struct bc_req *q);
void bc_h_upload_delete(struct bc_req *q);

/*
 * The response for an item just registered: 201 and its JSON, as POST
 * /v1/items gives it (serve-api.c).
 */
void bc_resp_registered(struct bc_req *q, const struct bc_register_result *res);

/* 409 "exists", naming the item in the field existing. */
void bc_resp_exists(struct bc_req *q, const char *existing);

/* The key the service signs with for role, or NULL and a 503. */
const struct bc_key *bc_station_key(struct bc_req *q, int role);

/* The registration of an upload (serve-api.c's writer job). */
struct bc_reg_job {
	const struct bc_key		*key;
	const char			*abspath;
	const struct bc_file_hash	*fh;
	struct bc_register_opts		 opts;
	json_t				*meta;
	struct bc_register_result	 res;
	struct bc_copy			*cp;	/* placed once registered */
	const char			*root;	/* cp's storage root */
	const char			*name;	/* cp's name there */
};
int bc_reg_job(struct bc_catalog *cat, struct bc_chain_cache *cache,
    void *arg, struct bc_err *err);

/* Responses: each sets q->resp and q->status exactly once. */
void bc_resp_json(struct bc_req *q, unsigned status, json_t *body);
void bc_resp_error(struct bc_req *q, unsigned status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* bc_resp_error with the request's field at fault as a "field" detail. */
void bc_resp_error_field(struct bc_req *q, unsigned status,
    const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/*
 * bc_resp_error with details: the members of the object details (taken
 * over; NULL for none) beside code and message.
 */
void bc_resp_error_with(struct bc_req *q, unsigned status,
    const char *code, json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The response for a library error r (its message in err). */
void bc_resp_bc(struct bc_req *q, int r, const struct bc_err *err);
void bc_resp_raw(struct bc_req *q, unsigned status, struct MHD_Response *r);
/* 200 with len bytes at p (freed when mode is MHD_RESPMEM_MUST_FREE,
 * even on failure), their Content-Type and Cache-Control. */
void bc_resp_buffer(struct bc_req *q, const char *ctype, const char *cache,
    void *p, size_t len, enum MHD_ResponseMemoryMode mode);
/* The same, with the length of the answer's body, for the log. */
void bc_resp_raw_len(struct bc_req *q, unsigned status,
    struct MHD_Response *r, int64_t len);

/*
 * Makes s (NUL-terminated) fit for a JSON answer, in place: invalid UTF-8
 * and control characters become '?', and a character cut at the end (by
 * a cap) is dropped.
 */
void bc_text_clean(char *s);

/*
 * At most max bytes of s, cut on a character boundary and then marked
 * "...", in buf (size bytes, at least max + 4); returns buf.
 */
const char *bc_text_clip(const char *s, size_t max, char *buf, size_t size);

/* Replaces the server's own paths in msg (size bytes, in place) by
 * placeholders. */
void bc_redact(const struct bc_server *s, char *msg, size_t size);

/*
 * The route for method and path, with the {id} segment (or the rest of
 * the path, one or more segments, for a {path} at the end of a route)
 * copied into arg (argsz bytes); NULL when there is none, with *other_method set when
 * the path exists for another method.
 */
const struct bc_route *bc_route_find(const char *method, const char *path,
    char *arg, size_t argsz, int *other_method);

/*
 * Parses a Range header h (or NULL) for a file of size bytes: 1 with one
 * range [*off, *off + *len) inside the file, 0 for none or one that is
 * ignored (several ranges, other units, syntax errors: RFC 9110 lets a
 * server send the whole file), -1 when unsatisfiable (416).
 */
int bc_http_range(const char *h, uint64_t size, uint64_t *off,
    uint64_t *len);

/*
 * Opens rel beneath the directory dir without following a symbolic link
 * in any component (flags as open's; O_NOFOLLOW is added).  The
 * descriptor, or -1 with errno (ELOOP for a symbolic link, EXDEV for a
 * way out).
 */
int bc_open_beneath(int dir, const char *rel, int flags);

/*
 * Whether s may name a release: 1 to 64 of A-Z a-z 0-9 . _ -, not
 * starting with a dot, and not of the shape of a bundle still being
 * written (NAME.tmpXXXXXX, release.c).
 */
int bc_release_name_ok(const char *s);

/*
 * Answers with the release bundle open as dir (which it takes) as one
 * archive, <name>/ at its top: pax tar, or zip when zip; a 409 when it
 * holds anything but regular files and directories (serve-bundle.c).
 */
void bc_bundle_send(struct bc_req *q, int dir, const char *name, int zip);

/*
 * A line in the request log (--log), "TIME - message", the message made
 * fit for it as a request's path is.
 */
void bc_serve_log(struct bc_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read connections. */
struct bc_catalog *bc_pool_get(struct bc_server *srv);
void bc_pool_put(struct bc_server *srv, struct bc_catalog *cat);

/* Whether the caller's token holds role (admin holds all). */
int bc_req_allowed(const struct bc_req *q, int role);

/* A query argument, or NULL. */
const char *bc_req_query(const struct bc_req *q, const char *name);

#endif /* BODYCAM_SERVE_INT_H */
