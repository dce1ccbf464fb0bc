/*
 * serve.c - the HTTP side of the catalog service: libmicrohttpd's thread
 * pool, bodies read under a cap, bearer tokens checked before a body is
 * read, the route table (serve-api.c) dispatched, one log line per
 * request, and a shutdown that lets requests in flight finish.
 *
 * Tokens are never logged or put into an error message; the log names the
 * caller by its token's name.
 */
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bodycam/hash.h"

#include "bodycam/util.h"
#include "serve-int.h"

#define DISCARD_MAX	16	/* times the cap read and dropped at most */
#define SWEEP_MS	250	/* how often deadlines are looked at */
#define TOKEN_PREFIX	"bct_"	/* what a bearer token starts with */
/* a connection's buffer (libmicrohttpd's default is 32 KiB): what an
 * upload's body is handed over in */
#define CONN_MEMORY	(256 * 1024)

/*
 * Read connections
 */

static int
pool_init(struct bc_server *s, size_t n, struct bc_err *err)
{
	struct bc_pool *p = &s->pool;
	int r;

	if ((p->free = calloc(n, sizeof(*p->free))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (p->n = 0; p->n < n; p->n++) {
		if ((r = bc_catalog_open(s->o.catalog, &p->free[p->n],
		    err)) != 0)
			return r;
		p->nfree++;
	}
	return 0;
}

static void
pool_close(struct bc_server *s)
{
	struct bc_pool *p = &s->pool;
	size_t i;

	if (p->free == NULL)
		return;
	for (i = 0; i < p->nfree; i++)
		bc_catalog_close(p->free[i]);
	free(p->free);
	p->free = NULL;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

struct bc_catalog *
bc_pool_get(struct bc_server *s)
{
	struct bc_pool *p = &s->pool;
	struct bc_catalog *cat;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	cat = p->free[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return cat;
}

void
bc_pool_put(struct bc_server *s, struct bc_catalog *cat)
{
	struct bc_pool *p = &s->pool;

	if (cat == NULL)
		return;
	bc_catalog_rollback(cat);	/* ends a snapshot left open */
	pthread_mutex_lock(&p->mu);
	p->free[p->nfree++] = cat;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * Responses
 */

void
bc_resp_raw_len(struct bc_req *q, unsigned status, struct MHD_Response *r,
    int64_t len)
{
	if (q->resp != NULL)
		MHD_destroy_response(q->resp);
	q->resp = r;
	q->status = status;
	q->out_len = len;
}

void
bc_resp_raw(struct bc_req *q, unsigned status, struct MHD_Response *r)
{
	bc_resp_raw_len(q, status, r, -1);
}

void
bc_resp_buffer(struct bc_req *q, const char *ctype, const char *cache,
    void *p, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;

	if ((r = MHD_create_response_from_buffer(len, p, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(p);
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		return;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	bc_resp_raw_len(q, MHD_HTTP_OK, r, (int64_t)len);
}

void
bc_resp_json(struct bc_req *q, unsigned status, json_t *body)
{
	struct MHD_Response *r = NULL;
	int64_t len = 0;
	char *text;

	text = body != NULL ? json_dumps(body, JSON_COMPACT |
	    JSON_ENSURE_ASCII) : NULL;
	json_decref(body);
	if (text == NULL) {
		static const char oom[] = "{\"error\":{\"code\":\"internal\","
		    "\"message\":\"out of memory\"}}\n";

		r = MHD_create_response_from_buffer(sizeof(oom) - 1,
		    (void *)oom, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		len = sizeof(oom) - 1;
	} else {
		size_t n = strlen(text);
		char *t2 = realloc(text, n + 2);

		if (t2 != NULL) {
			text = t2;
			text[n++] = '\n';
			text[n] = '\0';
		}
		r = MHD_create_response_from_buffer(n, text,
		    MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			free(text);
		len = (int64_t)n;
	}
	if (r == NULL) {
		bc_resp_raw(q, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	bc_resp_raw_len(q, status, r, len);
}

/*
 * Rewrites each mention of the directory root in s (size bytes): a path
 * beneath it ("root/a/b.mp4") becomes the path within it ("a/b.mp4"),
 * as a request names it, and root itself becomes alone ("the storage
 * folder").  What only begins like root ("root2/x") is left.
 */
static void
redact_root(char *s, size_t size, const char *root, const char *alone)
{
	char out[1024];
	const char *p, *q, *after;
	size_t rl = strlen(root), o = 0;

	if (rl == 0 || size > sizeof(out) || strstr(s, root) == NULL)
		return;
	for (p = s; (q = strstr(p, root)) != NULL && o < size; p = after) {
		after = q + rl;
		if (*after == '/') {
			after++;
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s",
			    (int)(q - p), p);
		} else if (*after == '\0' || strchr(" \t'\":,;)]", *after) !=
		    NULL) {
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%.*s%s", (int)(q - p), p, alone);
		} else {
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    "%.*s", (int)(after - p), p);
		}
	}
	if (o < size)
		snprintf(out + o, sizeof(out) - o, "%s", p);
	snprintf(s, size, "%s", out);
}

/*
 * Where the catalog and the files lie on the server is not the caller's
 * business: answers do not name server paths.  Messages meant for
 * answers say "the catalog" and name files as requests do; library
 * messages may name the paths, and this rewrites them so that they still
 * read as sentences.
 */
void
bc_redact(const struct bc_server *s, char *msg, size_t size)
{
	/* relative paths say nothing of the server's file system */
	redact_root(msg, size, s->storage, "the storage folder");
	if (s->o.storage[0] == '/')
		redact_root(msg, size, s->o.storage, "the storage folder");
	redact_root(msg, size, s->uproot, "the storage folder");
	if (s->o.catalog[0] == '/')
		redact_root(msg, size, s->o.catalog, "the catalog");
	else if (s->o.catalog[0] != '\0' && strstr(s->o.catalog, "://") !=
	    NULL) {
		/* a database URI, as the catalog layer names it */
		char *shown = bc_catalog_redact(s->o.catalog);

		if (shown != NULL)
			redact_root(msg, size, shown, "the catalog");
		free(shown);
	}
}

/* Whether p (n bytes to the end) is the start of a character cut short. */
static int
utf8_cut(const unsigned char *p, size_t n)
{
	size_t want, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		want = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		want = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		want = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n < want;
}

void
bc_text_clean(char *s)
{
	unsigned char *p = (unsigned char *)s, *o = p;
	size_t left = strlen(s), n;

	while (left > 0) {
		n = bc_utf8_seq(p, left);
		if (n == 0 && utf8_cut(p, left))
			break;
		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			*o++ = '?';
			n = 1;
		} else {
			memmove(o, p, n);
			o += n;
		}
		p += n;
		left -= n;
	}
	*o = '\0';
}

const char *
bc_text_clip(const char *s, size_t max, char *buf, size_t size)
{
	size_t n, back;

	if (max + 4 > size)
		max = size > 4 ? size - 4 : 0;
	if ((n = strnlen(s, max + 1)) <= max) {
		snprintf(buf, size, "%s", s);
		return buf;
	}
	/* byte max begins a character or lies inside one: go back to the
	 * start of that character, which is left out */
	for (n = max, back = 0; n > 0 && back < 3 &&
	    ((unsigned char)s[n] & 0xc0) == 0x80; back++)
		n--;
	snprintf(buf, size, "%.*s...", (int)n, s);
	return buf;
}

/*
 * The one error answer: {"error": {code, message, field?, details...}}
 * (bc_err_json, as the CLI's --json prints errors); details, when not
 * NULL, is taken over and its members added.
 */
static void
vresp_error(struct bc_req *q, unsigned status, const char *code,
    const char *field, json_t *details, const char *fmt, va_list ap)
{
	char msg[640];
	json_t *inner;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	bc_redact(q->srv, msg, sizeof(msg));
	/* messages quote requests: whatever they hold, the answer is JSON */
	bc_text_clean(msg);
	inner = bc_err_json(code, msg, field);
	if (inner != NULL && details != NULL &&
	    json_object_update(inner, details) != 0) {
		json_decref(inner);
		inner = NULL;
	}
	json_decref(details);
	bc_resp_json(q, status, inner != NULL ? json_pack("{s:o}", "error",
	    inner) : NULL);
	if (q->resp != NULL && status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(q->resp,
		    MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
}

void
bc_resp_error(struct bc_req *q, unsigned status, const char *code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresp_error(q, status, code, NULL, NULL, fmt, ap);
	va_end(ap);
}

void
bc_resp_error_field(struct bc_req *q, unsigned status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresp_error(q, status, code, field, NULL, fmt, ap);
	va_end(ap);
}

void
bc_resp_error_with(struct bc_req *q, unsigned status, const char *code,
    json_t *details, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresp_error(q, status, code, NULL, details, fmt, ap);
	va_end(ap);
}

/* The HTTP status of an error code (bc_err_code). */
static unsigned
code_status(const char *code)
{
	static const struct {
		const char	*code;
		unsigned	 status;
	} tab[] = {
		{ "not_found",		MHD_HTTP_NOT_FOUND },
		{ "bad_request",	MHD_HTTP_BAD_REQUEST },
		{ "too_large",		MHD_HTTP_CONTENT_TOO_LARGE },
		{ "exists",		MHD_HTTP_CONFLICT },
		{ "stale",		MHD_HTTP_CONFLICT },
		{ "rule",		MHD_HTTP_CONFLICT },
		{ "integrity",		MHD_HTTP_CONFLICT },
		{ "unavailable",	MHD_HTTP_SERVICE_UNAVAILABLE },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].code, code) == 0)
			return tab[i].status;
	return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

void
bc_resp_bc(struct bc_req *q, int r, const struct bc_err *err)
{
	const char *m = err != NULL && err->msg[0] ? err->msg :
	    bc_strerror(r);
	const char *code = bc_err_code_for(r, err);

	bc_resp_error_field(q, code_status(code), code, err != NULL ?
	    err->field : NULL, "%s", m);
}

/*
 * Requests
 */

int
bc_req_allowed(const struct bc_req *q, int role)
{
	if (role == BC_ROLE_NONE || role == BC_ROLE_ANY)
		return q->authed || role == BC_ROLE_NONE;
	return q->authed && (q->tok.role == BC_ROLE_ADMIN ||
	    q->tok.role == role);
}

const char *
bc_req_query(const struct bc_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

/*
 * Matches path against a route pattern; {id} takes one segment, {path}
 * (at the end of a pattern) the rest of the path, one or more segments.
 */
static int
route_match(const char *pat, const char *path, char *arg, size_t argsz)
{
	const char *slash;
	size_t n;

	while (*pat != '\0') {
		if (strcmp(pat, "{path}") == 0) {
			n = strlen(path);
			if (n == 0 || n >= argsz)
				return 0;
			memcpy(arg, path, n + 1);
			return 1;
		}
		if (strncmp(pat, "{id}", 4) == 0) {
			slash = strchr(path, '/');
			n = slash ? (size_t)(slash - path) : strlen(path);
			if (n == 0 || n >= argsz)
				return 0;
			memcpy(arg, path, n);
			arg[n] = '\0';
			pat += 4;
			path += n;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	return *path == '\0';
}

const struct bc_route *
bc_route_find(const char *method, const char *path, char *arg, size_t argsz,
    int *other_method)
{
	const struct bc_route *rt;

	*other_method = 0;
	for (rt = bc_routes; rt->method != NULL; rt++) {
		if (!route_match(rt->path, path, arg, argsz))
			continue;
		/* HEAD is GET without the body (libmicrohttpd leaves it
		 * out); a handler may look at q->head for more */
		if (strcmp(rt->method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0))
			return rt;
		*other_method = 1;
	}
	return NULL;
}

/* The methods path has routes for, as an Allow header lists them. */
static void
allowed(const char *path, char *out, size_t outsz)
{
	const struct bc_route *rt;
	char arg[BC_ITEM_ID_MAX + 64];
	size_t n = 0;

	out[0] = '\0';
	for (rt = bc_routes; rt->method != NULL; rt++)
		if (route_match(rt->path, path, arg, sizeof(arg)) &&
		    strstr(out, rt->method) == NULL)
			n += (size_t)snprintf(out + n, n < outsz ? outsz - n :
			    0, "%s%s%s", n > 0 ? ", " : "", rt->method,
			    strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
}

/* The bearer token of the request: 0 and q->tok, or a response. */
static void
authenticate(struct bc_req *q)
{
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	const char *h, *t;
	size_t n;
	int r;

	h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL) {
		bc_resp_error(q, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		    "a bearer token is required (Authorization: Bearer ...)");
		return;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		bc_resp_error(q, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		    "only bearer tokens are accepted");
		return;
	}
	for (t = h + 7; *t == ' '; t++)
		;
	n = strlen(t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	cat = bc_pool_get(q->srv);
	r = bc_token_check_len(cat, t, n, &q->tok, &err);
	bc_pool_put(q->srv, cat);
	if (r == 0) {
		q->authed = 1;
		return;
	}
	if (r == BC_ERR_MALFORMED || r == BC_ERR_NOT_FOUND)
		bc_resp_error(q, MHD_HTTP_UNAUTHORIZED, "unauthorized",
		    "the token is not valid (unknown, revoked or malformed)");
	else
		bc_resp_bc(q, r, &err);
}

/*
 * What the log may show of text (a path, a method, a message of
 * libmicrohttpd's): printable ASCII (and spaces if spaces), other bytes
 * as %XX, capped, with anything that looks like a bearer token -- "bct_"
 * and hex digits, as someone may paste one into a URL -- replaced by
 * "bct_REDACTED".
 */
static void
log_clean(const char *in, int spaces, char *out, size_t outsz)
{
	static const char red[] = TOKEN_PREFIX "REDACTED";
	const size_t plen = sizeof(TOKEN_PREFIX) - 1, rlen = sizeof(red) - 1;
	size_t i = 0, j = 0;
	unsigned char c;

	while (in[i] != '\0') {
		c = (unsigned char)in[i];
		if (strncasecmp(in + i, TOKEN_PREFIX, plen) == 0) {
			if (j + rlen + 4 > outsz)
				break;
			memcpy(out + j, red, rlen);
			j += rlen;
			for (i += plen; isxdigit((unsigned char)in[i]); i++)
				;
		} else if ((c > 0x20 || (spaces && c == ' ')) && c < 0x7f) {
			if (j + 1 + 4 > outsz)
				break;
			out[j++] = (char)c;
			i++;
		} else {
			if (j + 3 + 4 > outsz)
				break;
			j += (size_t)snprintf(out + j, outsz - j, "%%%02X", c);
			i++;
		}
	}
	if (in[i] != '\0')
		out[j++] = '.', out[j++] = '.', out[j++] = '.';
	out[j] = '\0';
}

/* RFC 3339, UTC, with milliseconds: 2026-12-06T21:35:01.123Z */
static void
time_ms(char out[BC_TIME_MAX])
{
	struct timespec ts;
	struct tm tm;
	char sec[BC_TIME_MAX];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(sec, sizeof(sec), "1970-01-01T00:00:00");
	snprintf(out, BC_TIME_MAX, "%.20s.%03dZ", sec,
	    (int)(ts.tv_nsec / 1000000) % 1000);
}

/* The client's address, as text ("-" when unknown). */
static void
client_addr(struct MHD_Connection *conn, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outsz, "-");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, out, (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, out, (socklen_t)outsz);
}

void
bc_serve_log_line(FILE *log, int json, const char *msg)
{
	char when[BC_TIME_MAX], clean[512], *text;
	json_t *o;

	if (log == NULL)
		return;
	log_clean(msg, 1, clean, sizeof(clean));
	if (!json) {
		bc_time_format(time(NULL), when);
		fprintf(log, "%s - %s\n", when, clean);
	} else {
		time_ms(when);
		o = json_pack("{s:s, s:s}", "time", when, "message", clean);
		text = o != NULL ? json_dumps(o, JSON_COMPACT |
		    JSON_ENSURE_ASCII) : NULL;
		json_decref(o);
		if (text != NULL)
			fprintf(log, "%s\n", text);
		free(text);
	}
	fflush(log);
}

/* Bytes of the request's body read, kept or dropped. */
static uint64_t
bytes_in(const struct bc_req *q)
{
	return q->stream != NULL ? q->received + q->discarded :
	    q->body.len + q->discarded;
}

/* One JSON object: what log_request writes with --log-format json. */
static void
log_request_json(struct bc_req *q, double ms, const char *path,
    const char *method)
{
	struct bc_server *s = q->srv;
	char when[BC_TIME_MAX], addr[64], *text;
	json_t *o;

	time_ms(when);
	client_addr(q->conn, addr, sizeof(addr));
	o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:i, s:I, s:o, s:f,"
	    " s:s}", "time", when, "remote", addr,
	    "caller", q->authed ? q->tok.name : NULL, "method", method,
	    "route", q->route != NULL ? q->route->path : NULL, "path", path,
	    "status", (int)q->status,
	    "bytes_in", (json_int_t)bytes_in(q),
	    "bytes_out", q->head ? json_integer(0) : q->out_len >= 0 ?
	    json_integer(q->out_len) : json_null(), "duration_ms", (double)(long long)(ms * 1000) / 1000,
	    "request_id", q->rid);
	text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_REAL_PRECISION(12)) : NULL;
	json_decref(o);
	if (text == NULL)
		return;
	pthread_mutex_lock(&s->log_mu);
	fprintf(s->o.log, "%s\n", text);
	fflush(s->o.log);
	pthread_mutex_unlock(&s->log_mu);
	free(text);
}

static void
log_request(struct bc_req *q, double ms)
{
	struct bc_server *s = q->srv;
	char when[BC_TIME_MAX], path[256], method[20];

	if (s->o.log == NULL)
		return;
	bc_time_format(time(NULL), when);
	log_clean(q->url != NULL ? q->url : "", 0, path, sizeof(path));
	log_clean(q->method != NULL ? q->method : "-", 0, method,
	    sizeof(method));
	if (s->o.log_json) {
		log_request_json(q, ms, path, method);
		return;
	}
	pthread_mutex_lock(&s->log_mu);
	fprintf(s->o.log, "%s %s %s %s %u %.3fms\n", when,
	    q->authed ? q->tok.name : "-", method, path, q->status, ms);
	fflush(s->o.log);
	pthread_mutex_unlock(&s->log_mu);
}

/* Decides everything that can be decided before the body: route, token,
 * role, size.  Leaves q->resp set when the answer is already known. */
static void
first_call(struct bc_req *q)
{
	struct bc_server *s = q->srv;
	const char *cl, *ct, *ex;
	int other;
	char allow[64], m[24];
	uint64_t n;

	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		pthread_mutex_unlock(&s->mu);
		bc_resp_error(q, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		    "the service is shutting down");
		MHD_add_response_header(q->resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
		return;
	}
	s->inflight++;
	q->counted = 1;
	pthread_mutex_unlock(&s->mu);

	q->route = bc_route_find(q->method, q->url, q->arg, sizeof(q->arg),
	    &other);
	if (q->route == NULL) {
		if (other) {
			allowed(q->url, allow, sizeof(allow));
			bc_resp_error(q, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method_not_allowed", "%s is not allowed on this "
			    "path (%s)", bc_text_clip(q->method, 16, m,
			    sizeof(m)), allow);
			if (q->resp != NULL)
				MHD_add_response_header(q->resp,
				    MHD_HTTP_HEADER_ALLOW, allow);
		} else
			bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found",
			    "no such endpoint");
		return;
	}
	if (q->route->role != BC_ROLE_NONE &&
	    !(q->route->public_log && s->o.public_log)) {
		authenticate(q);
		if (q->resp != NULL)
			return;
		if (!bc_req_allowed(q, q->route->role)) {
			bc_resp_error(q, MHD_HTTP_FORBIDDEN, "forbidden",
			    "this needs the %s role; the token '%s' has %s",
			    bc_role_name(q->route->role), q->tok.name,
			    bc_role_name(q->tok.role));
			return;
		}
	}
	ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (q->route->stream != NULL && (q->route->handler == NULL ||
	    (ct != NULL && strncasecmp(ct, "application/octet-stream", 24) ==
	    0 && (ct[24] == '\0' || ct[24] == ';' || ct[24] == ' '))))
		q->stream = q->route->stream;
	cl = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && q->stream != NULL) {
		if (bc_parse_uint(cl, 0, s->o.max_upload, &n) != 0) {
			bc_resp_error(q, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too_large", "uploads are capped at %" PRIu64
			    " bytes on this server", s->o.max_upload);
			return;
		}
	} else if (cl != NULL) {
		if (bc_parse_uint(cl, 0, s->o.max_body, &n) != 0) {
			bc_resp_error(q, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too_large", "request bodies are capped at %zu "
			    "bytes", s->o.max_body);
			return;
		}
	}
	if (q->stream == NULL)
		return;
	q->stream->begin(q);
	/*
	 * An answer before the body reaches a client that waits for it
	 * (Expect: 100-continue).  One that sends its body at once would
	 * often lose it: the connection is closed with the body unread, and
	 * the reset overtakes the answer.  For it the body is read and
	 * dropped first (it is under --max-upload, from a valid token).
	 */
	ex = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_EXPECT);
	if (q->resp != NULL && (ex == NULL || strcasecmp(ex, "100-continue")
	    != 0)) {
		q->deferred = 1;
		q->dropping = 1;
	}
}

/*
 * Deadlines.  libmicrohttpd's idle timeout starts again with every byte,
 * so a client sending one byte a second would hold a connection for as
 * long as it likes.  Each connection has a deadline instead: its
 * request's headers must be in --header-timeout seconds after it opened
 * or after its previous answer, and then its body in --body-timeout
 * seconds; a thread closes (shuts down) connections past theirs.  While
 * a connection is answered it has none: a download takes what it takes.
 */

static void
deadline_in(struct timespec *until, unsigned seconds)
{
	if (seconds == 0) {
		until->tv_sec = 0;
		until->tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, until);
	until->tv_sec += seconds;
}

static struct bc_conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * Sets the deadline of conn to seconds from now (0: none); returns
 * whether the sweeper has closed it already.
 */
static int
conn_deadline(struct bc_server *s, struct MHD_Connection *conn,
    unsigned seconds)
{
	struct bc_conn *c = conn_of(conn);
	int expired;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&s->conn_mu);
	deadline_in(&c->until, seconds);
	expired = c->expired;
	pthread_mutex_unlock(&s->conn_mu);
	return expired;
}

/*
 * libmicrohttpd calls this with NOTIFY_CLOSED before it closes the
 * socket: the sweeper, which shuts sockets down under conn_mu, never
 * touches a descriptor that is closed or already someone else's.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode what)
{
	struct bc_listener *l = cls;
	struct bc_server *s = l->srv;
	struct bc_conn *c = *ctx;
	const union MHD_ConnectionInfo *ci;

	/* a daemon a reload replaced is stopped when it has none */
	pthread_mutex_lock(&s->mu);
	if (what == MHD_CONNECTION_NOTIFY_STARTED)
		l->conns++;
	else
		l->conns--;
	pthread_mutex_unlock(&s->mu);
	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
			return;		/* only MHD's idle timeout, then */
		c->fd = ci->connect_fd;
		pthread_mutex_lock(&s->conn_mu);
		deadline_in(&c->until, s->o.header_timeout);
		if ((c->next = s->conns) != NULL)
			c->next->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->conn_mu);
		*ctx = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&s->conn_mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conn_mu);
	free(c);
	*ctx = NULL;
}

static int
passed(const struct timespec *now, const struct timespec *t)
{
	return (t->tv_sec != 0 || t->tv_nsec != 0) && (now->tv_sec > t->tv_sec ||
	    (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec));
}

static void *
sweeper(void *arg)
{
	struct bc_server *s = arg;
	struct bc_conn *c;
	struct timespec now, wake;

	pthread_mutex_lock(&s->conn_mu);
	while (!s->sweep_stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (c = s->conns; c != NULL; c = c->next)
			if (!c->expired && passed(&now, &c->until)) {
				/* libmicrohttpd sees the end of the stream
				 * and closes the connection itself */
				c->expired = 1;
				shutdown(c->fd, SHUT_RDWR);
			}
		wake = now;
		wake.tv_nsec += SWEEP_MS * 1000000L;
		if (wake.tv_nsec >= 1000000000L) {
			wake.tv_sec++;
			wake.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->sweep_cv, &s->conn_mu, &wake);
	}
	pthread_mutex_unlock(&s->conn_mu);
	return NULL;
}

/*
 * The request's id: the client's X-Request-Id when it is 1 to 64 of
 * A-Z a-z 0-9 . _ : - without "bct_" in it, else 32 random hex digits.  Echoed in the answer
 * and logged, so that one request can be followed from a proxy's log to
 * ours.
 */
static void
request_id(struct bc_req *q, struct MHD_Connection *conn)
{
	const char *h;
	uint8_t rnd[16];
	size_t i, n;

	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-Request-Id");
	if (h != NULL && (n = strlen(h)) > 0 && n < sizeof(q->rid)) {
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)h[i]) && h[i] != '.' &&
			    h[i] != '_' && h[i] != ':' && h[i] != '-')
				break;
		/* never a token, nor part of one, even passed as an id:
		 * the JSON log writes the id as it is */
		if (i == n && strcasestr(h, TOKEN_PREFIX) == NULL) {
			memcpy(q->rid, h, n + 1);
			return;
		}
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	bc_hex(rnd, sizeof(rnd), q->rid);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct bc_listener *l = cls;
	struct bc_server *s = l->srv;
	struct bc_req *q = *con_cls;
	enum MHD_Result ret;
	int closing;

	if (q == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return MHD_NO;
		q->srv = s;
		q->l = l;
		q->out_len = -1;
		request_id(q, conn);
		bc_buf_init(&q->body, s->o.max_body);
		q->conn = conn;
		q->method = method;
		q->head = strcmp(method, "HEAD") == 0;
		q->url = url;
		clock_gettime(CLOCK_MONOTONIC, &q->start);
		*con_cls = q;
		/* the headers are in: now the body, if any, is timed */
		(void)conn_deadline(s, conn, s->o.body_timeout);
		first_call(q);
		if (q->resp != NULL && !q->deferred)
			goto respond;	/* without reading the body */
		return MHD_YES;
	}
	if (*upload_size > 0 && q->stream != NULL && !q->queued) {
		/* a body over the cap, or one whose handler failed, is
		 * dropped to answer at its end; past the cap the connection
		 * is closed (a chunked body has no end we must wait for) */
		if (q->received + *upload_size > s->o.max_upload) {
			if (q->too_large)
				return MHD_NO;
			q->too_large = 1;
			q->dropping = 1;
		}
		if (!q->dropping && q->stream->data(q, upload,
		    *upload_size) != 0)
			q->dropping = 1;
		/* an upload has --body-timeout seconds for each MiB */
		if ((q->received >> 20) != ((q->received + *upload_size) >>
		    20))
			(void)conn_deadline(s, conn, s->o.body_timeout);
		q->received += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/*
		 * libmicrohttpd takes a response only before the body or
		 * after all of it: a chunked body over the cap is read and
		 * dropped, up to DISCARD_MAX times the cap, then the
		 * connection is closed without an answer.
		 */
		if (q->too_large || q->queued) {
			/* an upload answered before its body (a retry
			 * answered from its Idempotency-Key, a refusal) may
			 * send all it announced: it is under --max-upload */
			q->discarded += *upload_size;
			*upload_size = 0;
			return q->discarded > (q->stream != NULL ?
			    s->o.max_upload : DISCARD_MAX * s->o.max_body) ?
			    MHD_NO : MHD_YES;
		}
		switch (bc_buf_add(&q->body, upload, *upload_size)) {
		case 0:
			break;
		case BC_ERR_TOO_LARGE:
			q->too_large = 1;
			q->discarded = q->body.len + *upload_size;
			bc_buf_free(&q->body);
			break;
		default:
			return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->queued)
		return MHD_YES;		/* answered before the body */
	(void)conn_deadline(s, conn, 0);	/* the body is in: answering */
	if (q->too_large && q->stream != NULL)
		bc_resp_error(q, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    "uploads are capped at %" PRIu64 " bytes on this "
		    "server", s->o.max_upload);
	else if (q->too_large)
		bc_resp_error(q, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
		    "request bodies are capped at %zu bytes", s->o.max_body);
	else if (q->resp == NULL && q->stream != NULL)
		q->stream->end(q);
	else if (q->resp == NULL) {
		if (!q->route->body && q->body.len > 0)
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "this endpoint takes no request body");
		else
			q->route->handler(q);
		if (q->resp == NULL)
			bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "internal", "no response");
	}
 respond:
	if (q->resp == NULL)
		return MHD_NO;
	MHD_add_response_header(q->resp, "X-Request-Id", q->rid);
	/* a replaced daemon's (old certificate's) connections end with
	 * their answer: the client's next request meets the new one */
	pthread_mutex_lock(&s->mu);
	closing = q->l->retiring;
	pthread_mutex_unlock(&s->mu);
	if (closing && MHD_get_response_header(q->resp,
	    MHD_HTTP_HEADER_CONNECTION) == NULL)
		MHD_add_response_header(q->resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(conn, q->status, q->resp);
	MHD_destroy_response(q->resp);
	q->resp = NULL;
	q->queued = 1;
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct bc_listener *l = cls;
	struct bc_server *s = l->srv;
	struct bc_req *q = *con_cls;
	struct timespec now;
	double ms;
	int expired;

	/* the next request on this connection, if any, is timed */
	expired = conn_deadline(s, conn, s->o.header_timeout);
	if (q == NULL)
		return;
	if (q->status == 0)	/* no answer: too slow a body, the client
				   went away, or a body ran past DISCARD_MAX */
		q->status = expired ? 408 : 499;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - q->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - q->start.tv_nsec) / 1e6;
	log_request(q, ms);
	bc_metrics_request(s->metrics, q, ms, bytes_in(q));
	if (q->stream != NULL)
		q->stream->done(q);
	if (q->resp != NULL)
		MHD_destroy_response(q->resp);
	bc_buf_free(&q->body);
	if (q->counted) {
		pthread_mutex_lock(&s->mu);
		if (--s->inflight == 0)
			pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->mu);
	}
	OPENSSL_cleanse(&q->tok, sizeof(q->tok));
	free(q);
	*con_cls = NULL;
}

void
bc_serve_log(struct bc_server *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->o.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\n")] = '\0';
	pthread_mutex_lock(&s->log_mu);
	bc_serve_log_line(s->o.log, s->o.log_json, msg);
	pthread_mutex_unlock(&s->log_mu);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	bc_serve_log(cls, "libmicrohttpd: %s", msg);
}

/* The first key of opts that may sign with role now, for each role. */
static int
keys_by_role(struct bc_server *s, struct bc_err *err)
{
	static const int roles[] = { BC_ROLE_INGEST, BC_ROLE_CUSTODIAN,
	    BC_ROLE_AUDITOR, BC_ROLE_ADMIN };
	struct bc_keyring *kr = NULL;
	struct bc_catalog *cat;
	struct bc_err why = { 0 };
	char now[BC_TIME_MAX];
	size_t i, k;
	int r, any;

	cat = bc_pool_get(s);
	r = bc_keyring_load(cat, &kr, err);
	bc_pool_put(s, cat);
	if (r != 0) {
		bc_keyring_free(kr);
		return r;
	}
	bc_time_now(now);
	for (k = 0; k < s->o.nkeys; k++) {
		if (!bc_key_is_private(s->o.keys[k])) {
			r = bc_err_set(err, BC_ERR_KEY_TYPE, "--key %zu: a "
			    "private key is needed to sign", k + 1);
			goto out;
		}
		for (i = 0, any = 0; i < sizeof(roles) / sizeof(roles[0]);
		    i++) {
			if (bc_keyring_authorised(kr, bc_key_id(s->o.keys[k]),
			    roles[i], BC_LEAF_NEXT, NULL, &why) != 0)
				continue;
			any = 1;
			if (s->by_role[roles[i]] == NULL)
				s->by_role[roles[i]] = s->o.keys[k];
		}
		if (!any) {
			r = bc_err_set(err, BC_ERR_INVALID, "--key %s holds no "
			    "role in this catalog now: %s",
			    bc_key_id(s->o.keys[k]), why.msg);
			goto out;
		}
	}
	r = 0;
 out:
	bc_keyring_free(kr);
	return r;
}

/* Where uploads go: the catalog's storage root, if it has one. */
static int
upload_root(struct bc_server *s, struct bc_err *err)
{
	struct bc_catalog *cat;
	char root[sizeof(s->uproot)];
	int r;

	cat = bc_pool_get(s);
	r = bc_catalog_storage(cat, root, sizeof(root), err);
	bc_pool_put(s, cat);
	if (r != 0 || root[0] == '\0')
		return r;
	if (realpath(root, s->uproot) == NULL)
		return bc_err_set(err, BC_ERR_NOT_FOUND, "the storage root "
		    "%s: %s", root, strerror(errno));
	return 0;
}

/*
 * Stops l's daemon (it waits for its threads, and closes the connections
 * still open), closes its listening socket if it was quiesced, wipes its
 * key.  Accepts NULL.
 */
static void
listener_free(struct bc_listener *l)
{
	if (l == NULL)
		return;
	if (l->d != NULL)
		MHD_stop_daemon(l->d);
	/* not before the daemon stopped: its threads may still use it */
	if (l->fd != MHD_INVALID_SOCKET)
		close(l->fd);
	if (l->key != NULL) {
		OPENSSL_cleanse(l->key, l->keylen);
		free(l->key);
	}
	free(l->cert);
	free(l);
}

/*
 * Starts a daemon with cert and key (PEM, copied; NULL without TLS): on
 * fd, a listening socket that it then owns, or when fd is
 * MHD_INVALID_SOCKET, on a socket of its own at the address of opts.
 */
static int
listener_start(struct bc_server *s, MHD_socket fd, const char *cert,
    const char *key, struct bc_listener **out, struct bc_err *err)
{
	struct bc_listener *l;
	unsigned flags;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (cert != NULL && ((l->cert = strdup(cert)) == NULL ||
	    (l->key = strdup(key)) == NULL))) {
		if (l != NULL)
			l->fd = MHD_INVALID_SOCKET;
		listener_free(l);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	l->srv = s;
	l->fd = MHD_INVALID_SOCKET;
	l->keylen = key != NULL ? strlen(key) : 0;
	/*
	 * poll(), not epoll: MHD_quiesce_daemon (reload, stop) takes the
	 * listening socket out of each worker's epoll set while the worker
	 * may be doing the same, and one of the two then aborts the process
	 * ("Failed to remove listen FD from epoll set", 0.9.75 to 1.0.1).
	 * With poll() quiescing only wakes the workers.  Each worker polls
	 * its share of --max-connections (256 unless told): poll() and
	 * epoll cost the same at that size.
	 */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | MHD_USE_POLL;
	if (s->o.addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cert != NULL)
		flags |= MHD_USE_TLS;
	/*
	 * The logger first, so that MHD says nothing on its own; the TLS
	 * options last, so that without a certificate MHD_OPTION_END stands
	 * in for the first of them and ends the list.  With a listening
	 * socket MHD binds nothing and the address is not used.  MHD owns
	 * fd from here: when it fails to start it closes it (0.9.75 does
	 * so), and a descriptor is never closed twice here.
	 */
	l->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&s->o.addr,
	    MHD_OPTION_THREAD_POOL_SIZE, s->o.threads,
	    MHD_OPTION_CONNECTION_LIMIT, s->o.max_conns,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->o.max_per_ip,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
	    cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    l->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, l->key,
	    MHD_OPTION_END);
	if (l->d == NULL) {
		listener_free(l);
		if (fd != MHD_INVALID_SOCKET)
			return bc_err_set(err, BC_ERR_INVALID, "libmicrohttpd "
			    "refused the certificate or key (its reason is "
			    "logged above)");
		return bc_err_set(err, BC_ERR_IO, "cannot listen (address in "
		    "use, no permission, or a bad TLS certificate or key)");
	}
	*out = l;
	return 0;
}

/* Stops the writer (it commits what it holds) and frees the rest. */
static void
server_free(struct bc_server *s)
{
	struct bc_listener *l;

	listener_free(s->cur);
	while ((l = s->retired) != NULL) {
		s->retired = l->next;
		listener_free(l);
	}
	if (s->sweeping) {
		pthread_mutex_lock(&s->conn_mu);
		s->sweep_stop = 1;
		pthread_cond_signal(&s->sweep_cv);
		pthread_mutex_unlock(&s->conn_mu);
		pthread_join(s->sweeper, NULL);
	}
	pthread_cond_destroy(&s->sweep_cv);
	pthread_mutex_destroy(&s->conn_mu);
	pthread_mutex_destroy(&s->ok_mu);
	bc_writer_stop(s->w);
	pool_close(s);
	bc_metrics_free(s->metrics);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->log_mu);
	free(s);
}

int
bc_serve_start(const struct bc_serve_opts *opts, struct bc_server **out,
    struct bc_err *err)
{
	struct bc_server *s;
	const union MHD_DaemonInfo *info;
	pthread_condattr_t ca;
	size_t npool;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	s->o = *opts;
	/* the listener keeps its own copy: the caller may wipe its own */
	s->o.tls_cert = NULL;
	s->o.tls_key = NULL;
	if (s->o.max_body == 0)
		s->o.max_body = BC_SERVE_MAX_BODY;
	if (s->o.threads == 0)
		s->o.threads = 16;
	if (s->o.max_conns == 0)
		s->o.max_conns = 256;
	if (s->o.timeout == 0)
		s->o.timeout = 30;
	if (s->o.header_timeout == 0)
		s->o.header_timeout = BC_SERVE_HEADER_TIMEOUT;
	if (s->o.body_timeout == 0)
		s->o.body_timeout = BC_SERVE_BODY_TIMEOUT;
	if (s->o.max_per_ip == 0)
		s->o.max_per_ip = BC_SERVE_MAX_PER_IP;
	if (s->o.max_upload == 0)
		s->o.max_upload = BC_SERVE_MAX_UPLOAD;
	if (s->o.upload_expiry == 0)
		s->o.upload_expiry = BC_SERVE_UPLOAD_EXPIRY;
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->idle, NULL);
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_mutex_init(&s->ok_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->sweep_cv, &ca);
	pthread_condattr_destroy(&ca);

	if (realpath(opts->storage, s->storage) == NULL) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "--storage %s: %s",
		    opts->storage, strerror(errno));
		goto fail;
	}
	if (bc_metrics_new(&s->metrics) != 0) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	npool = s->o.threads + 2;
	if ((r = pool_init(s, npool, err)) != 0 ||
	    (r = keys_by_role(s, err)) != 0 ||
	    (r = upload_root(s, err)) != 0 ||
	    (r = bc_writer_start(s->o.catalog, 0, &s->w, err)) != 0)
		goto fail;
	if (s->uproot[0] != '\0')
		bc_uploads_sweep(s);
	if (pthread_create(&s->sweeper, NULL, sweeper, s) != 0) {
		r = bc_err_set(err, BC_ERR_NOMEM, "cannot start a thread");
		goto fail;
	}
	s->sweeping = 1;
	if (opts->tls_cert != NULL &&
	    MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		r = bc_err_set(err, BC_ERR_INVALID, "this libmicrohttpd was "
		    "built without TLS");
		goto fail;
	}
	if ((r = listener_start(s, MHD_INVALID_SOCKET, opts->tls_cert,
	    opts->tls_key, &s->cur, err)) != 0)
		goto fail;
	info = MHD_get_daemon_info(s->cur->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : 0;
	*out = s;
	return 0;
 fail:
	server_free(s);
	return r;
}

int
bc_serve_reload_tls(struct bc_server *s, const char *cert, const char *key,
    struct bc_err *err)
{
	const union MHD_DaemonInfo *info;
	struct bc_listener *old = s->cur, *l;
	MHD_socket fd;
	int r;

	if (old->cert == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "the service was "
		    "started without TLS");
	info = MHD_get_daemon_info(old->d, MHD_DAEMON_INFO_LISTEN_FD);
	if (info == NULL || info->listen_fd == MHD_INVALID_SOCKET)
		return bc_err_set(err, BC_ERR_INTERNAL, "no listening socket");
	/*
	 * The new daemon gets its own descriptor of the same socket and
	 * accepts beside the old one; only then does the old one stop
	 * accepting.  A connection waits in the socket's queue for
	 * whichever accepts it first, and none is refused or lost.  Should
	 * the new one fail to start, the old one goes on as it was.
	 */
	if ((fd = fcntl(info->listen_fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return bc_err_errno(err, errno, "the listening socket");
	if ((r = listener_start(s, fd, cert, key, &l, err)) != 0)
		return r;
	old->fd = MHD_quiesce_daemon(old->d);
	clock_gettime(CLOCK_MONOTONIC, &old->retired_at);
	pthread_mutex_lock(&s->mu);
	old->retiring = 1;
	pthread_mutex_unlock(&s->mu);
	s->cur = l;
	old->next = s->retired;
	s->retired = old;
	return 0;
}

unsigned
bc_serve_tick(struct bc_server *s)
{
	struct bc_listener **lp = &s->retired, *l;
	struct timespec now;
	unsigned left = 0;
	long long ms;
	int idle;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while ((l = *lp) != NULL) {
		/*
		 * Stopped when it has no connection left: none is cut.  Its
		 * idle keep-alive ones are closed by their header deadline
		 * (--header-timeout); those answered after the reload close
		 * after their answer.  And not in its first second: a
		 * thread of it that saw a connection coming before it was
		 * quiesced may still be accepting it, not yet counted.
		 */
		pthread_mutex_lock(&s->mu);
		idle = l->conns == 0;
		pthread_mutex_unlock(&s->mu);
		ms = (now.tv_sec - l->retired_at.tv_sec) * 1000 +
		    (now.tv_nsec - l->retired_at.tv_nsec) / 1000000;
		if (!idle || ms < 1000) {
			left++;
			lp = &l->next;
			continue;
		}
		*lp = l->next;
		listener_free(l);
	}
	return left;
}

int
bc_serve_reopen_log(struct bc_server *s, int fd)
{
	int r = 0, e = 0;

	pthread_mutex_lock(&s->log_mu);
	fflush(s->o.log);
	if (dup3(fd, fileno(s->o.log), O_CLOEXEC) == -1) {
		e = errno;
		r = -1;
	}
	pthread_mutex_unlock(&s->log_mu);
	close(fd);
	errno = e;
	return r;
}

uint16_t
bc_serve_port(const struct bc_server *s)
{
	return s->port;
}

void
bc_serve_stop(struct bc_server *s, unsigned grace)
{
	struct bc_writer_stats ws;
	struct bc_listener *l;
	struct timespec until;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_mutex_unlock(&s->mu);
	/*
	 * No new connections, and those waiting to be accepted refused at
	 * once: the socket stops listening (shutdown), its descriptor is
	 * closed only once the daemon stopped, as libmicrohttpd asks.
	 * Requests on open connections get 503.
	 */
	if ((s->cur->fd = MHD_quiesce_daemon(s->cur->d)) != MHD_INVALID_SOCKET)
		shutdown(s->cur->fd, SHUT_RDWR);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += grace;
	pthread_mutex_lock(&s->mu);
	while (s->inflight > 0)
		if (pthread_cond_timedwait(&s->idle, &s->mu, &until) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->mu);
	/* the daemons stopped, and a reload's replaced ones, even busy */
	listener_free(s->cur);
	s->cur = NULL;
	while ((l = s->retired) != NULL) {
		s->retired = l->next;
		listener_free(l);
	}
	bc_writer_get_stats(s->w, &ws);
	bc_serve_log(s, "writer: %" PRIu64 " jobs in %" PRIu64 " transactions "
	    "(largest %" PRIu64 "), %" PRIu64 " refused; chain cache %" PRIu64
	    " hits, %" PRIu64 " misses; %" PRIu64 " batched, %" PRIu64
	    " run again", ws.jobs, ws.batches, ws.max_batch, ws.failed,
	    ws.cache_hits, ws.cache_misses, ws.batched, ws.redone);
	server_free(s);
}
