/*
 * load.c - load test of 'bodycam serve': many clients at once against the
 * HTTP API (/tmp/spec/api.md, README "Load test").
 *
 *   load --url http://127.0.0.1:PORT --token TOKEN --storage DIR
 *        [--clients N] [--seconds S] [--acks FILE] [--seed N]
 *        [--seed-items N] [--mix R,ES,EO,RD,DL] [--timeout S]
 *        [--cacert FILE] [--allow-transport-errors] [--hot ID[,ID]]
 *
 * Registers a few seed items first, then runs N client threads for S
 * seconds.  Each thread has its own libcurl easy handle (so its own
 * keep-alive connection) and loops, choosing by weight:
 *
 *   register     writes a new unique file of 4-64 KiB under DIR/load/ and
 *                POSTs /v1/items with its path relative to DIR (201)
 *   event-same   a 'note' on one of the two hot items, shared by every
 *                client, so that all contend for the same chain (201);
 *                with --hot, the items named there instead of this
 *                tool's first seed items: items another load process
 *                registered through another instance of the service on
 *                the same catalog, so that the instances contend for
 *                one chain too
 *   event-other  a 'note' on another item, at random (201)
 *   read         GET an item, its custody or a page of the list (200)
 *   download     GET an item's media, a third of the time with a Range
 *                (200/206); the body is compared with the file on disk,
 *                and the access event it records is an acknowledgement
 *
 * Every acknowledged custody event is appended to the --acks file as
 * "ITEM SEQ HASH", every registration as "ITEM register SHA256", each line
 * written and flushed as soon as the response is in, so that the file holds
 * every acknowledgement even when the server or this tool is killed;
 * tests/load/check-acks.py then looks for each in the catalog.
 *
 * Prints, per class: requests, requests per second, p50 and p99 latency
 * (of the requests that got a response), and the counts of 2xx, 4xx, 5xx,
 * transport errors and "bad" answers (a 2xx that breaks the contract: wrong
 * status, missing field or header, a body of the wrong size or bytes);
 * then the acknowledged custody events per second.  Exits 1 when anything
 * but a 2xx came back, or a transport error unless
 * --allow-transport-errors (the server is killed and restarted meanwhile:
 * the clients keep retrying until the time is up), 2 on a usage error.
 *
 * The responses come from the server under test, so the little JSON
 * reader below only looks up top-level members of an object; it is not a
 * parser of untrusted input.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define BODY_MAX	(64UL << 20)	/* responses kept up to 64 MiB */
#define FILE_MIN	(4 << 10)
#define FILE_MAX	(64 << 10)
#define HOT_ITEMS	2
#define REPORT_MAX	20		/* failure reports printed */
#define ID_MAX		64

enum cls {
	C_REGISTER,
	C_EVENT_SAME,
	C_EVENT_OTHER,
	C_READ,
	C_DOWNLOAD,
	C_N
};

static const char *const cls_name[C_N] = {
	"register", "event-same", "event-other", "read", "download"
};

struct conf {
	const char	*url;
	const char	*token;
	const char	*storage;
	const char	*acks;
	const char	*cacert;
	int		 clients;
	double		 seconds;
	uint64_t	 seed;
	int		 seed_items;
	long		 timeout_ms;
	int		 allow_transport;
	unsigned	 weight[C_N];
	char		 hot[HOT_ITEMS][ID_MAX];	/* --hot */
	size_t		 nhot;
};

struct stats {
	unsigned long	 req;
	unsigned long	 s2xx, s4xx, s5xx, sother;
	unsigned long	 transport;
	unsigned long	 bad;
	unsigned long	 acked;		/* custody events acknowledged */
	double		*lat;		/* ms, of requests with a response */
	size_t		 nlat, alat;
};

struct item {
	char		 id[ID_MAX];
	char		 path[128];	/* relative to the storage directory */
	long long	 size;
};

struct resp {
	char		*body;
	size_t		 len, cap;
	size_t		 total;		/* bytes received, kept or not */
	long long	 content_length;	/* -1: none */
	char		 content_range[96];
	char		 ev_seq[32];
	char		 ev_hash[96];
};

struct client {
	int			 n;
	pthread_t		 th;
	CURL			*curl;
	struct curl_slist	*hdr_get, *hdr_post;
	char			 errbuf[CURL_ERROR_SIZE];
	uint64_t		 rng;
	struct resp		 r;
	struct stats		 st[C_N];
	unsigned long		 nfiles, nnotes;
	long long		 last_hot_seq[HOT_ITEMS];
	int			 fatal;
};

static struct conf conf = {
	.clients = 16,
	.seconds = 20,
	.seed = 1,
	.seed_items = 8,
	.timeout_ms = 60000,
	.weight = { 10, 25, 20, 30, 15 },
};

static pthread_mutex_t items_lock = PTHREAD_MUTEX_INITIALIZER;
static struct item *items;
static size_t nitems, aitems;
static size_t nhot;

static pthread_mutex_t acks_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *acks;

static atomic_int reports;
static atomic_int acks_failed;
static char runid[64];
static struct timespec deadline;

static void die(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void bad_arg(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void report(int, enum cls, const char *, const char *, long,
    const struct resp *, const char *, ...)
    __attribute__((format(printf, 7, 8)));
static void ack_line(const char *, ...)
    __attribute__((format(printf, 1, 2)));
static void bad(struct client *, enum cls, const char *, const char *, long,
    const char *, ...) __attribute__((format(printf, 6, 7)));

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: load --url URL --token TOKEN --storage DIR [--clients N]\n"
	    "            [--seconds S] [--acks FILE] [--seed N] "
	    "[--seed-items N]\n"
	    "            [--mix R,ES,EO,RD,DL] [--timeout S] [--cacert FILE]\n"
	    "            [--allow-transport-errors] [--hot ID[,ID]]\n");
	exit(status);
}

/* Exits 1 (2 when usage is set: a bad argument). */
static void __attribute__((format(printf, 2, 0), noreturn))
die_with(int usage_error, const char *fmt, va_list ap)
{
	fputs("load: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	exit(usage_error ? 2 : 1);
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_with(0, fmt, ap);
	va_end(ap);
}

static void
bad_arg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_with(1, fmt, ap);
	va_end(ap);
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int
time_is_up(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&now, &deadline) <= 0;
}

/* splitmix64: small, seedable, one state per thread */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rnd_below(uint64_t *s, uint64_t n)
{
	return n == 0 ? 0 : rnd(s) % n;
}

static void
stat_latency(struct stats *st, double ms)
{
	double *p;

	if (st->nlat == st->alat) {
		st->alat = st->alat ? st->alat * 2 : 1024;
		if ((p = realloc(st->lat, st->alat * sizeof(*p))) == NULL)
			die("out of memory");
		st->lat = p;
	}
	st->lat[st->nlat++] = ms;
}

/* Prints one failure, up to REPORT_MAX of them, with the start of a body. */
static void
report(int n, enum cls k, const char *what, const char *target, long status,
    const struct resp *r, const char *fmt, ...)
{
	va_list ap;
	size_t i, len;
	int seen;

	if ((seen = atomic_fetch_add(&reports, 1)) >= REPORT_MAX) {
		if (seen == REPORT_MAX)
			fprintf(stderr, "load: (more failures not shown)\n");
		return;
	}
	flockfile(stderr);
	if (n < 0)
		fprintf(stderr, "load: seed items: %s: %s %s", cls_name[k],
		    what, target);
	else
		fprintf(stderr, "load: client %d: %s: %s %s", n, cls_name[k],
		    what, target);
	if (status > 0)
		fprintf(stderr, " -> %ld", status);
	fputs(": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (r != NULL && r->len > 0) {
		len = r->len < 400 ? r->len : 400;
		fputs("  body: ", stderr);
		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)r->body[i];
			fputc(isprint(ch) ? ch : '.', stderr);
		}
		if (len < r->len)
			fputs("...", stderr);
		fputc('\n', stderr);
	}
	funlockfile(stderr);
}

/* ---- the acknowledgements file ---- */

static void
ack_line(const char *fmt, ...)
{
	va_list ap;
	int bad;

	if (acks == NULL)
		return;
	pthread_mutex_lock(&acks_lock);
	va_start(ap, fmt);
	bad = vfprintf(acks, fmt, ap) < 0;
	va_end(ap);
	if (fflush(acks) != 0 || bad) {
		if (atomic_fetch_add(&acks_failed, 1) == 0)
			fprintf(stderr, "load: %s: %s\n", conf.acks,
			    strerror(errno));
	}
	pthread_mutex_unlock(&acks_lock);
}

/* ---- the shared item list ---- */

static void
items_add(const struct item *it)
{
	struct item *p;

	pthread_mutex_lock(&items_lock);
	if (nitems == aitems) {
		aitems = aitems ? aitems * 2 : 256;
		if ((p = realloc(items, aitems * sizeof(*p))) == NULL)
			die("out of memory");
		items = p;
	}
	items[nitems++] = *it;
	pthread_mutex_unlock(&items_lock);
}

/* A copy of item i (i < the count seen under the lock). */
static void
items_get(size_t i, struct item *out)
{
	pthread_mutex_lock(&items_lock);
	*out = items[i];
	pthread_mutex_unlock(&items_lock);
}

static size_t
items_count(void)
{
	size_t n;

	pthread_mutex_lock(&items_lock);
	n = nitems;
	pthread_mutex_unlock(&items_lock);
	return n;
}

/* ---- a minimal reader of top-level JSON members ---- */

/* Skips a JSON string starting at *p == '"'; returns past its end. */
static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/*
 * Copies the value of the top-level member 'key' of the object in
 * [body, body+len) into out: a string without its quotes (escapes kept),
 * anything else as written; with out NULL, only looks.  Returns 0, or -1
 * when absent or too long.
 */
static int
json_member(const char *body, size_t len, const char *key, char *out,
    size_t outsz)
{
	const char *p = body, *end = body + len, *q, *v;
	size_t klen = strlen(key), n;
	int depth = 0, want_key = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p != '{')
		return -1;
	for (; p < end; p++) {
		switch (*p) {
		case '{':
		case '[':
			depth++;
			want_key = depth == 1 && *p == '{';
			continue;
		case '}':
		case ']':
			depth--;
			continue;
		case ',':
			want_key = depth == 1;
			continue;
		case '"':
			break;
		default:
			continue;
		}
		q = skip_string(p, end);
		if (q == NULL)
			return -1;
		if (!want_key || depth != 1) {
			p = q - 1;
			continue;
		}
		want_key = 0;
		if ((size_t)(q - p - 2) != klen || memcmp(p + 1, key, klen)) {
			p = q - 1;
			continue;
		}
		for (v = q; v < end && (isspace((unsigned char)*v) ||
		    *v == ':'); v++)
			;
		if (v == end)
			return -1;
		if (out == NULL)
			return 0;
		if (*v == '"') {
			if ((q = skip_string(v, end)) == NULL)
				return -1;
			v++;
			n = (size_t)(q - 1 - v);
		} else {
			for (q = v; q < end && *q != ',' && *q != '}' &&
			    !isspace((unsigned char)*q); q++)
				;
			n = (size_t)(q - v);
		}
		if (n >= outsz)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[64] == '\0';
}

/* A decimal number >= 0 without sign or junk; -1 otherwise. */
static long long
parse_count(const char *s)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return v;
}

/* ---- HTTP ---- */

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb, cap;
	char *p;

	r->total += n;
	if (r->len + n > BODY_MAX)
		return n;	/* counted, not kept */
	if (r->len + n + 1 > r->cap) {
		cap = r->cap ? r->cap : 16384;
		while (cap < r->len + n + 1)
			cap *= 2;
		if ((p = realloc(r->body, cap)) == NULL)
			return 0;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Copies a header's value, trimmed, when the line is "name: value". */
static int
header_value(const char *line, size_t n, const char *name, char *out,
    size_t outsz)
{
	size_t nl = strlen(name), vl;
	const char *v;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	v = line + nl + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && isspace((unsigned char)v[vl - 1]))
		vl--;
	if (vl >= outsz)
		vl = outsz - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 1;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct resp *r = arg;
	size_t n = size * nmemb;
	char cl[32];

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* a new response (after a 100 Continue, say): forget the last */
		r->content_length = -1;
		r->content_range[0] = r->ev_seq[0] = r->ev_hash[0] = '\0';
		return n;
	}
	if (header_value(line, n, "Content-Length", cl, sizeof(cl)))
		r->content_length = parse_count(cl);
	header_value(line, n, "Content-Range", r->content_range,
	    sizeof(r->content_range));
	header_value(line, n, "X-Bodycam-Event-Seq", r->ev_seq,
	    sizeof(r->ev_seq));
	header_value(line, n, "X-Bodycam-Event-Hash", r->ev_hash,
	    sizeof(r->ev_hash));
	return n;
}

static int
client_init(struct client *c)
{
	char auth[512];
	CURL *h;

	if ((size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    conf.token) >= sizeof(auth))
		bad_arg("--token: too long");
	if ((c->curl = h = curl_easy_init()) == NULL)
		return -1;
	c->hdr_get = curl_slist_append(NULL, auth);
	c->hdr_post = curl_slist_append(NULL, auth);
	c->hdr_post = curl_slist_append(c->hdr_post,
	    "Content-Type: application/json");
	c->hdr_post = curl_slist_append(c->hdr_post, "Expect:");
	if (c->hdr_get == NULL || c->hdr_post == NULL)
		return -1;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c->r);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, conf.timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (conf.cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, conf.cacert);
	return 0;
}

static void
client_free(struct client *c)
{
	int k;

	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdr_get);
	curl_slist_free_all(c->hdr_post);
	free(c->r.body);
	for (k = 0; k < C_N; k++)
		free(c->st[k].lat);
}

/*
 * One request: POST with body when body != NULL, else GET (with range, as
 * "A-B", "A-" or "-N", when not NULL).  Counts it in class k.  Returns the
 * HTTP status, or -1 on a transport error (reported unless allowed, and
 * then followed by a short pause so that a client does not spin while the
 * server is down).  A response other than 2xx is reported.
 */
static long
request(struct client *c, enum cls k, const char *path, const char *body,
    const char *range)
{
	struct stats *st = &c->st[k];
	struct timespec t0, t1;
	char url[1024];
	const char *method = body != NULL ? "POST" : "GET";
	CURLcode rc;
	long status = 0;

	snprintf(url, sizeof(url), "%s%s", conf.url, path);
	c->r.len = c->r.total = 0;
	c->r.content_length = -1;
	c->r.content_range[0] = c->r.ev_seq[0] = c->r.ev_hash[0] = '\0';
	c->errbuf[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdr_post);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdr_get);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c->curl, CURLOPT_RANGE, range);

	st->req++;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = curl_easy_perform(c->curl);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != CURLE_OK) {
		st->transport++;
		if (!conf.allow_transport)
			report(c->n, k, method, path, 0, NULL, "%s",
			    c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		else
			nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 },
			    NULL);
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	stat_latency(st, ms_between(&t0, &t1));
	if (status >= 200 && status < 300)
		st->s2xx++;
	else if (status >= 400 && status < 500)
		st->s4xx++;
	else if (status >= 500 && status < 600)
		st->s5xx++;
	else
		st->sother++;
	if (status < 200 || status >= 300)
		report(c->n, k, method, path, status, &c->r, "unexpected status");
	return status;
}

/* A 2xx that breaks the contract. */
static void
bad(struct client *c, enum cls k, const char *method, const char *path,
    long status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->st[k].bad++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a download's body is media, not worth printing */
	report(c->n, k, method, path, status, k == C_DOWNLOAD ? NULL : &c->r,
	    "%s", msg);
}

/* ---- the operations ---- */

/* Writes a new unique file under storage/load/; fills it->path, ->size. */
static int
make_file(struct client *c, struct item *it)
{
	char full[PATH_MAX], head[160];
	unsigned char *buf;
	size_t size, hl, i;
	ssize_t w;
	int fd, r = -1;

	size = FILE_MIN + (size_t)rnd_below(&c->rng, FILE_MAX - FILE_MIN + 1);
	snprintf(it->path, sizeof(it->path), "load/%s-c%d-%lu.bin", runid,
	    c->n, c->nfiles++);
	snprintf(full, sizeof(full), "%s/%s", conf.storage, it->path);
	if ((buf = malloc(size)) == NULL)
		return -1;
	/* the head makes the content unique across runs with one seed */
	hl = (size_t)snprintf(head, sizeof(head),
	    "bodycam load test %s client %d file %lu\n", runid, c->n,
	    c->nfiles - 1);
	for (i = 0; i < size; i += 8) {
		uint64_t x = rnd(&c->rng);
		memcpy(buf + i, &x, size - i < 8 ? size - i : 8);
	}
	memcpy(buf, head, hl < size ? hl : size);
	if ((fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644))
	    == -1) {
		fprintf(stderr, "load: %s: %s\n", full, strerror(errno));
		goto out;
	}
	for (i = 0; i < size; i += (size_t)w) {
		if ((w = write(fd, buf + i, size - i)) <= 0) {
			fprintf(stderr, "load: %s: %s\n", full,
			    strerror(errno));
			close(fd);
			goto out;
		}
	}
	if (close(fd) != 0) {
		fprintf(stderr, "load: %s: %s\n", full, strerror(errno));
		goto out;
	}
	it->size = (long long)size;
	r = 0;
 out:
	free(buf);
	return r;
}

/* Returns 0 when registered (and acknowledged), -1 otherwise. */
static int
op_register(struct client *c)
{
	static const char *const path = "/v1/items";
	struct item it;
	char body[512], sha[96], size[32];
	long status;

	memset(&it, 0, sizeof(it));
	if (make_file(c, &it) != 0) {
		c->fatal = 1;
		return -1;
	}
	snprintf(body, sizeof(body), "{\"path\":\"%s\",\"officer\":\"load-%d\","
	    "\"device\":\"load\",\"case\":\"LOAD-%s\",\"tags\":[\"load\"]}",
	    it.path, c->n, runid);
	if ((status = request(c, C_REGISTER, path, body, NULL)) < 200 ||
	    status >= 300)
		return -1;
	if (status != 201) {
		bad(c, C_REGISTER, "POST", path, status, "want 201");
		return -1;
	}
	if (json_member(c->r.body, c->r.len, "id", it.id, sizeof(it.id)) ||
	    it.id[0] == '\0' ||
	    json_member(c->r.body, c->r.len, "sha256", sha, sizeof(sha)) ||
	    !is_hex64(sha) ||
	    json_member(c->r.body, c->r.len, "size", size, sizeof(size))) {
		bad(c, C_REGISTER, "POST", path, status,
		    "no id, sha256 or size");
		return -1;
	}
	ack_line("%s register %s\n", it.id, sha);
	c->st[C_REGISTER].acked++;
	if (parse_count(size) != it.size) {
		bad(c, C_REGISTER, "POST", path, status,
		    "size %s, the file has %lld", size, it.size);
		return -1;
	}
	items_add(&it);
	return 0;
}

static void
op_event(struct client *c, enum cls k)
{
	struct item it;
	char path[256], body[256], item[ID_MAX], seq[32], hash[96];
	size_t n = items_count(), i, hot = 0;
	long status;
	long long s;

	if (n == 0)
		return;
	if (k == C_EVENT_SAME)
		i = hot = (size_t)rnd_below(&c->rng, nhot);
	else if (n > nhot)
		i = nhot + (size_t)rnd_below(&c->rng, n - nhot);
	else
		i = (size_t)rnd_below(&c->rng, n);
	items_get(i, &it);
	if (k == C_EVENT_SAME && conf.nhot > 0)
		snprintf(it.id, sizeof(it.id), "%s", conf.hot[hot]);
	snprintf(path, sizeof(path), "/v1/items/%s/events", it.id);
	snprintf(body, sizeof(body), "{\"action\":\"note\",\"note\":\"load "
	    "test %s client %d note %lu\"}", runid, c->n, c->nnotes++);
	if ((status = request(c, k, path, body, NULL)) < 200 || status >= 300)
		return;
	if (status != 201) {
		bad(c, k, "POST", path, status, "want 201");
		return;
	}
	if (json_member(c->r.body, c->r.len, "item", item, sizeof(item)) ||
	    json_member(c->r.body, c->r.len, "seq", seq, sizeof(seq)) ||
	    json_member(c->r.body, c->r.len, "hash", hash, sizeof(hash)) ||
	    (s = parse_count(seq)) < 1 || !is_hex64(hash)) {
		bad(c, k, "POST", path, status, "no item, seq or hash");
		return;
	}
	ack_line("%s %lld %s\n", it.id, s, hash);
	c->st[k].acked++;
	if (strcmp(item, it.id) != 0)
		bad(c, k, "POST", path, status, "item %s, want %s", item,
		    it.id);
	/* one client's events on one chain are acknowledged in order */
	if (k == C_EVENT_SAME) {
		if (s <= c->last_hot_seq[hot])
			bad(c, k, "POST", path, status, "seq %lld after %lld",
			    s, c->last_hot_seq[hot]);
		c->last_hot_seq[hot] = s;
	}
}

static void
op_read(struct client *c)
{
	struct item it;
	char path[256], got[ID_MAX];
	size_t n = items_count();
	unsigned which = (unsigned)rnd_below(&c->rng, 4);
	const char *want = NULL;
	long status;

	if (n == 0)
		return;
	items_get((size_t)rnd_below(&c->rng, n), &it);
	switch (which) {
	case 0:
		snprintf(path, sizeof(path), "/v1/items/%s", it.id);
		want = "manifest_hash";
		break;
	case 1:
		snprintf(path, sizeof(path), "/v1/items/%s/custody", it.id);
		want = "next_seq";
		break;
	case 2:
		snprintf(path, sizeof(path), "/v1/items?limit=50");
		want = "items";
		break;
	default:
		snprintf(path, sizeof(path), "/v1/items?limit=50&after=%s",
		    it.id);
		want = "items";
		break;
	}
	if ((status = request(c, C_READ, path, NULL, NULL)) < 200 ||
	    status >= 300)
		return;
	if (status != 200)
		bad(c, C_READ, "GET", path, status, "want 200");
	else if (json_member(c->r.body, c->r.len, want, NULL, 0) != 0)
		bad(c, C_READ, "GET", path, status, "no \"%s\"", want);
	else if (which <= 1 && (json_member(c->r.body, c->r.len, "id", got,
	    sizeof(got)) != 0 || strcmp(got, it.id) != 0))
		bad(c, C_READ, "GET", path, status, "not item %s", it.id);
}

/* Compares [off, off+len) of the item's file with the body. */
static int
same_bytes(const struct item *it, long long off, const char *body,
    size_t len)
{
	char full[PATH_MAX];
	char *buf;
	ssize_t got;
	int fd, r = -1;

	snprintf(full, sizeof(full), "%s/%s", conf.storage, it->path);
	if ((fd = open(full, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((buf = malloc(len ? len : 1)) != NULL) {
		got = pread(fd, buf, len, (off_t)off);
		r = got >= 0 && (size_t)got == len &&
		    memcmp(buf, body, len) == 0 ? 0 : -1;
		free(buf);
	}
	close(fd);
	return r;
}

static void
op_download(struct client *c)
{
	struct item it;
	char path[256], range[64], want_cr[96];
	size_t n = items_count();
	long long a = 0, b, s;
	long status, want_status = 200;
	const char *rg = NULL;

	if (n == 0)
		return;
	items_get((size_t)rnd_below(&c->rng, n), &it);
	b = it.size - 1;
	snprintf(path, sizeof(path), "/v1/items/%s/media", it.id);
	switch (rnd_below(&c->rng, 6)) {
	case 0:		/* bytes=A-B */
		a = (long long)rnd_below(&c->rng, (uint64_t)it.size);
		b = a + (long long)rnd_below(&c->rng,
		    (uint64_t)(it.size - a));
		snprintf(range, sizeof(range), "%lld-%lld", a, b);
		rg = range;
		break;
	case 1:		/* bytes=A- */
		a = (long long)rnd_below(&c->rng, (uint64_t)it.size);
		snprintf(range, sizeof(range), "%lld-", a);
		rg = range;
		break;
	case 2:		/* bytes=-N */
		s = 1 + (long long)rnd_below(&c->rng, (uint64_t)it.size);
		a = it.size - s;
		snprintf(range, sizeof(range), "-%lld", s);
		rg = range;
		break;
	default:
		break;
	}
	if (rg != NULL) {
		want_status = 206;
		snprintf(want_cr, sizeof(want_cr), "bytes %lld-%lld/%lld", a, b,
		    it.size);
	}
	if ((status = request(c, C_DOWNLOAD, path, NULL, rg)) < 200 ||
	    status >= 300)
		return;
	if ((s = parse_count(c->r.ev_seq)) < 1 || !is_hex64(c->r.ev_hash)) {
		bad(c, C_DOWNLOAD, "GET", path, status,
		    "no X-Bodycam-Event-Seq or -Hash (range %s)",
		    rg ? rg : "none");
		return;
	}
	ack_line("%s %lld %s\n", it.id, s, c->r.ev_hash);
	c->st[C_DOWNLOAD].acked++;
	if (status != want_status) {
		bad(c, C_DOWNLOAD, "GET", path, status, "want %ld (range %s)",
		    want_status, rg ? rg : "none");
		return;
	}
	if (rg != NULL && strcmp(c->r.content_range, want_cr) != 0) {
		bad(c, C_DOWNLOAD, "GET", path, status,
		    "range %s: Content-Range \"%s\", want \"%s\"", rg,
		    c->r.content_range, want_cr);
		return;
	}
	if (c->r.content_length != b - a + 1 ||
	    c->r.total != (size_t)(b - a + 1)) {
		bad(c, C_DOWNLOAD, "GET", path, status,
		    "range %s: Content-Length %lld, body %zu, want %lld",
		    rg ? rg : "none", c->r.content_length, c->r.total,
		    b - a + 1);
		return;
	}
	if (same_bytes(&it, a, c->r.body, c->r.len) != 0)
		bad(c, C_DOWNLOAD, "GET", path, status,
		    "range %s: the bytes differ from the file", rg ? rg : "none");
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	unsigned total = 0, w;
	uint64_t x;
	int k;

	for (k = 0; k < C_N; k++)
		total += conf.weight[k];
	while (!time_is_up() && !c->fatal) {
		x = rnd_below(&c->rng, total);
		for (k = 0; k < C_N - 1; k++) {
			w = conf.weight[k];
			if (x < w)
				break;
			x -= w;
		}
		switch (k) {
		case C_REGISTER:	op_register(c); break;
		case C_EVENT_SAME:
		case C_EVENT_OTHER:	op_event(c, (enum cls)k); break;
		case C_READ:		op_read(c); break;
		default:		op_download(c); break;
		}
	}
	return NULL;
}

/* ---- results ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in 1..100) of sorted v[n]. */
static double
percentile(const double *v, size_t n, size_t p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (n * p + 99) / 100;
	return v[rank == 0 ? 0 : rank - 1];
}

static void
merge(struct stats *dst, const struct stats *src)
{
	double *p;

	dst->req += src->req;
	dst->s2xx += src->s2xx;
	dst->s4xx += src->s4xx;
	dst->s5xx += src->s5xx;
	dst->sother += src->sother;
	dst->transport += src->transport;
	dst->bad += src->bad;
	dst->acked += src->acked;
	if (src->nlat == 0)
		return;
	if ((p = realloc(dst->lat, (dst->nlat + src->nlat) * sizeof(*p)))
	    == NULL)
		die("out of memory");
	dst->lat = p;
	memcpy(dst->lat + dst->nlat, src->lat, src->nlat * sizeof(*p));
	dst->nlat += src->nlat;
}

static void
print_row(const char *name, struct stats *st, double secs)
{
	qsort(st->lat, st->nlat, sizeof(*st->lat), cmp_double);
	printf("%-12s %9lu %9.1f %8.2f %8.2f %8lu %5lu %5lu %9lu %5lu\n",
	    name, st->req, (double)st->req / secs,
	    percentile(st->lat, st->nlat, 50), percentile(st->lat, st->nlat, 99),
	    st->s2xx, st->s4xx, st->s5xx, st->transport,
	    st->bad + st->sother);
}

/* ---- main ---- */

static void
parse_mix(const char *s)
{
	char *end;
	unsigned long v;
	unsigned sum = 0;
	int k;

	for (k = 0; k < C_N; k++) {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || v > 1000 ||
		    *end != (k == C_N - 1 ? '\0' : ','))
			bad_arg("--mix: want five weights R,ES,EO,RD,DL (0-1000)");
		conf.weight[k] = (unsigned)v;
		sum += (unsigned)v;
		s = end + 1;
	}
	if (sum == 0)
		bad_arg("--mix: all weights are 0");
}

static long long
num_arg(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		bad_arg("%s: want a number from %lld to %lld", opt, min, max);
	return v;
}

/*
 * Registers the seed items, in turn; the first HOT_ITEMS are the hot ones.
 * With --allow-transport-errors, a transport error is retried.
 */
static int
seed_items(struct client *c)
{
	unsigned long te;
	int i;

	for (i = 0; i < conf.seed_items; ) {
		te = c->st[C_REGISTER].transport;
		if (op_register(c) == 0)
			i++;
		else if (c->fatal || !conf.allow_transport ||
		    c->st[C_REGISTER].transport == te || time_is_up())
			return -1;
	}
	nhot = nitems < HOT_ITEMS ? nitems : HOT_ITEMS;
	/* --hot: the same number of chains, another process's */
	if (conf.nhot > 0 && conf.nhot < nhot)
		nhot = conf.nhot;
	return 0;
}

/* --hot ID[,ID]: item ids, at most HOT_ITEMS. */
static void
parse_hot(const char *s)
{
	size_t n;

	conf.nhot = 0;
	for (;;) {
		n = strcspn(s, ",");
		if (n == 0 || n >= ID_MAX || conf.nhot == HOT_ITEMS)
			bad_arg("--hot: want one or %d item ids, comma-"
			    "separated", HOT_ITEMS);
		memcpy(conf.hot[conf.nhot], s, n);
		conf.hot[conf.nhot++][n] = '\0';
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "token", required_argument, NULL, 't' },
		{ "storage", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 'd' },
		{ "acks", required_argument, NULL, 'a' },
		{ "seed", required_argument, NULL, 'r' },
		{ "seed-items", required_argument, NULL, 'i' },
		{ "mix", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "allow-transport-errors", no_argument, NULL, 'A' },
		{ "hot", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct client *cl, seeder;
	struct stats tot[C_N], all;
	struct timespec t0, t1;
	char dir[PATH_MAX], *end;
	unsigned long failed = 0;
	size_t ulen;
	double secs;
	int ch, i, k, rc = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': conf.url = optarg; break;
		case 't': conf.token = optarg; break;
		case 's': conf.storage = optarg; break;
		case 'a': conf.acks = optarg; break;
		case 'C': conf.cacert = optarg; break;
		case 'A': conf.allow_transport = 1; break;
		case 'm': parse_mix(optarg); break;
		case 'H': parse_hot(optarg); break;
		case 'c':
			conf.clients = (int)num_arg("--clients", optarg, 1, 1024);
			break;
		case 'i':
			conf.seed_items = (int)num_arg("--seed-items", optarg,
			    1, 10000);
			break;
		case 'r':
			conf.seed = (uint64_t)num_arg("--seed", optarg, 0,
			    LLONG_MAX);
			break;
		case 'T':
			conf.timeout_ms = (long)num_arg("--timeout", optarg, 1,
			    86400) * 1000;
			break;
		case 'd':
			errno = 0;
			conf.seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(conf.seconds > 0 && conf.seconds <= 86400))
				bad_arg("--seconds: want a number of seconds "
				    "(0-86400]");
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || conf.url == NULL || conf.token == NULL ||
	    conf.storage == NULL)
		usage(2);
	/* "http://host:port" without a trailing slash */
	ulen = strlen(conf.url);
	if (ulen > 0 && conf.url[ulen - 1] == '/') {
		char *u = strdup(conf.url);
		if (u == NULL)
			die("out of memory");
		while (ulen > 0 && u[ulen - 1] == '/')
			u[--ulen] = '\0';
		conf.url = u;
	}

	signal(SIGPIPE, SIG_IGN);
	snprintf(runid, sizeof(runid), "%ld-%ld", (long)getpid(),
	    (long)time(NULL));
	snprintf(dir, sizeof(dir), "%s/load", conf.storage);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		die("%s: %s", dir, strerror(errno));
	if (conf.acks != NULL && (acks = fopen(conf.acks, "a")) == NULL)
		die("%s: %s", conf.acks, strerror(errno));
	if (curl_global_init(CURL_GLOBAL_ALL) != 0)
		die("curl_global_init failed");

	/* the seed items, registered in turn before the clients start */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)conf.seconds + 31;
	memset(&seeder, 0, sizeof(seeder));
	seeder.n = -1;
	seeder.rng = conf.seed ^ 0x5eed5eed5eedULL;
	if (client_init(&seeder) != 0)
		die("curl_easy_init failed");
	if (seed_items(&seeder) != 0) {
		fprintf(stderr, "load: could not register %d seed items\n",
		    conf.seed_items);
		client_free(&seeder);
		free(items);
		if (acks != NULL)
			fclose(acks);
		curl_global_cleanup();
		return 1;
	}

	if ((cl = calloc((size_t)conf.clients, sizeof(*cl))) == NULL)
		die("out of memory");
	printf("load: %d clients for %.1f s against %s, seed %" PRIu64
	    ", %zu seed items (%zu hot)\n", conf.clients, conf.seconds,
	    conf.url, conf.seed, nitems, nhot);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deadline = t0;
	deadline.tv_sec += (time_t)conf.seconds;
	deadline.tv_nsec += (long)((conf.seconds - (double)(time_t)conf.seconds)
	    * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < conf.clients; i++) {
		struct client *c = &cl[i];
		uint64_t s = conf.seed + (uint64_t)i + 1;

		c->n = i;
		c->rng = rnd(&s);
		if (client_init(c) != 0)
			die("curl_easy_init failed");
		if ((errno = pthread_create(&c->th, NULL, client_run, c)) != 0)
			die("pthread_create: %s", strerror(errno));
	}
	for (i = 0; i < conf.clients; i++)
		pthread_join(cl[i].th, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = ms_between(&t0, &t1) / 1e3;

	memset(tot, 0, sizeof(tot));
	memset(&all, 0, sizeof(all));
	for (i = 0; i < conf.clients; i++) {
		for (k = 0; k < C_N; k++)
			merge(&tot[k], &cl[i].st[k]);
		if (cl[i].fatal)
			rc = 1;
	}
	/* the seed registrations are acknowledged, not timed */
	failed += seeder.st[C_REGISTER].bad;

	printf("%-12s %9s %9s %8s %8s %8s %5s %5s %9s %5s\n", "class",
	    "requests", "req/s", "p50 ms", "p99 ms", "2xx", "4xx", "5xx",
	    "transport", "bad");
	for (k = 0; k < C_N; k++) {
		merge(&all, &tot[k]);
		print_row(cls_name[k], &tot[k], secs);
		failed += tot[k].s4xx + tot[k].s5xx + tot[k].sother +
		    tot[k].bad;
	}
	print_row("total", &all, secs);
	printf("acknowledged custody events: %lu in %.1f s, %.1f/s "
	    "(registrations %lu, events %lu, downloads %lu; and %lu seed "
	    "registrations)\n", all.acked, secs, (double)all.acked / secs,
	    tot[C_REGISTER].acked,
	    tot[C_EVENT_SAME].acked + tot[C_EVENT_OTHER].acked,
	    tot[C_DOWNLOAD].acked, seeder.st[C_REGISTER].acked);
	if (failed > 0) {
		fprintf(stderr, "load: FAILED: %lu responses other than the "
		    "expected 2xx, or 2xx that break the contract\n", failed);
		rc = 1;
	}
	if (all.transport > 0 && !conf.allow_transport) {
		fprintf(stderr, "load: FAILED: %lu transport errors\n",
		    all.transport);
		rc = 1;
	}
	if (all.s2xx == 0) {
		fprintf(stderr, "load: FAILED: no request succeeded\n");
		rc = 1;
	}
	if (atomic_load(&acks_failed) > 0) {
		fprintf(stderr, "load: FAILED: could not write %s\n",
		    conf.acks);
		rc = 1;
	}
	if (acks != NULL && fclose(acks) != 0) {
		fprintf(stderr, "load: %s: %s\n", conf.acks, strerror(errno));
		rc = 1;
	}

	for (i = 0; i < conf.clients; i++)
		client_free(&cl[i]);
	client_free(&seeder);
	free(cl);
	for (k = 0; k < C_N; k++)
		free(tot[k].lat);
	free(all.lat);
	free(items);
	curl_global_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = 1;
	return rc;
}
