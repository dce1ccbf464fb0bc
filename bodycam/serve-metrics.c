/*
 * serve-metrics.c - the service's counters, and GET /metrics: requests by
 * route, method and status, their durations, the writer's transactions
 * and queue, the log's size and the age of its last checkpoint, in
 * Prometheus's text exposition format (version 0.0.4).
 *
 * Counting is lock-free (relaxed atomic additions on counters the server
 * allocates once): a scrape may see a request counted in one family and
 * not yet in the next, never a torn number.  Series that never saw a
 * request are left out.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bodycam/bodycam.h"
#include "bodycam/util.h"
#include "serve-int.h"

#define STATUS_MIN	100
#define STATUS_SLOTS	500		/* 100 to 599 */

/* request durations: the upper bounds of the buckets, in seconds */
static const double bounds[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
	5, 10, 30, 60
};
#define NBOUNDS	(sizeof(bounds) / sizeof(bounds[0]))

/* One route and method: the slots of bc_routes (a GET route twice: GET
 * and HEAD), then one for requests no route took. */
struct series {
	uint64_t	status[STATUS_SLOTS];
	uint64_t	le[NBOUNDS + 1];	/* by bucket, not summed; the
						   last: over the last bound */
	uint64_t	us;			/* durations, microseconds */
	uint64_t	count;
	uint64_t	bytes_in, bytes_out;
};

struct bc_metrics {
	struct series	*s;
	size_t		 nroutes;
	time_t		 started;
};

static void
add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int
bc_metrics_new(struct bc_metrics **out)
{
	struct bc_metrics *m;
	const struct bc_route *rt;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	for (rt = bc_routes; rt->method != NULL; rt++)
		m->nroutes++;
	if ((m->s = calloc(2 * m->nroutes + 1, sizeof(*m->s))) == NULL) {
		free(m);
		return -1;
	}
	m->started = time(NULL);
	*out = m;
	return 0;
}

void
bc_metrics_free(struct bc_metrics *m)
{
	if (m == NULL)
		return;
	free(m->s);
	free(m);
}

void
bc_metrics_request(struct bc_metrics *m, const struct bc_req *q, double ms,
    uint64_t bytes_in)
{
	struct series *sr;
	size_t i;
	double sec = ms / 1e3;

	if (m == NULL)
		return;
	if (q->route != NULL)
		sr = &m->s[2 * (size_t)(q->route - bc_routes) + (q->head != 0)];
	else
		sr = &m->s[2 * m->nroutes];
	if (q->status >= STATUS_MIN && q->status < STATUS_MIN + STATUS_SLOTS)
		add(&sr->status[q->status - STATUS_MIN], 1);
	for (i = 0; i < NBOUNDS; i++)
		if (sec <= bounds[i])
			break;
	add(&sr->le[i], 1);
	add(&sr->us, ms > 0 ? (uint64_t)(ms * 1e3 + 0.5) : 0);
	add(&sr->bytes_in, bytes_in);
	if (!q->head && q->out_len > 0)
		add(&sr->bytes_out, (uint64_t)q->out_len);
	add(&sr->count, 1);
}

/* The labels of series i: method and route. */
static void
labels(const struct bc_metrics *m, size_t i, char *out, size_t outsz)
{
	const struct bc_route *rt;

	if (i == 2 * m->nroutes) {
		snprintf(out, outsz, "method=\"any\",route=\"unmatched\"");
		return;
	}
	rt = &bc_routes[i / 2];
	/* route patterns are ours: no quote, backslash or newline to
	   escape */
	snprintf(out, outsz, "method=\"%s\",route=\"%s\"",
	    i % 2 ? "HEAD" : rt->method, rt->path);
}

/* Whether series i can exist: HEAD only on GET routes. */
static int
exists(const struct bc_metrics *m, size_t i)
{
	return i == 2 * m->nroutes || i % 2 == 0 ||
	    strcmp(bc_routes[i / 2].method, "GET") == 0;
}

static void
requests(FILE *fp, const struct bc_metrics *m)
{
	char lab[256];
	size_t i, c;
	uint64_t n;

	fputs("# HELP bodycam_http_requests_total HTTP requests answered "
	    "(or ended without an answer: 408, 499), by method, route and "
	    "status.\n# TYPE bodycam_http_requests_total counter\n", fp);
	for (i = 0; i <= 2 * m->nroutes; i++) {
		if (!exists(m, i) || get(&m->s[i].count) == 0)
			continue;
		labels(m, i, lab, sizeof(lab));
		for (c = 0; c < STATUS_SLOTS; c++)
			if ((n = get(&m->s[i].status[c])) > 0)
				fprintf(fp, "bodycam_http_requests_total{%s,"
				    "code=\"%zu\"} %llu\n", lab,
				    c + STATUS_MIN, (unsigned long long)n);
	}
}

static void
durations(FILE *fp, const struct bc_metrics *m)
{
	char lab[256];
	size_t i, b;
	uint64_t cum, n;

	fputs("# HELP bodycam_http_request_duration_seconds From a "
	    "request's headers to its end.\n"
	    "# TYPE bodycam_http_request_duration_seconds histogram\n", fp);
	for (i = 0; i <= 2 * m->nroutes; i++) {
		if (!exists(m, i) || (n = get(&m->s[i].count)) == 0)
			continue;
		labels(m, i, lab, sizeof(lab));
		for (b = 0, cum = 0; b < NBOUNDS; b++) {
			cum += get(&m->s[i].le[b]);
			fprintf(fp, "bodycam_http_request_duration_seconds_bucket"
			    "{%s,le=\"%g\"} %llu\n", lab, bounds[b],
			    (unsigned long long)cum);
		}
		cum += get(&m->s[i].le[NBOUNDS]);
		fprintf(fp, "bodycam_http_request_duration_seconds_bucket{%s,"
		    "le=\"+Inf\"} %llu\n", lab, (unsigned long long)cum);
		fprintf(fp, "bodycam_http_request_duration_seconds_sum{%s} "
		    "%.6f\n", lab, (double)get(&m->s[i].us) / 1e6);
		/* the count is the +Inf bucket's, as the format wants,
		   even while another request is being counted */
		fprintf(fp, "bodycam_http_request_duration_seconds_count{%s} "
		    "%llu\n", lab, (unsigned long long)cum);
	}
}

/* A counter of each series: the member at off of struct series. */
static void
counter(FILE *fp, const struct bc_metrics *m, const char *name,
    const char *help, size_t off)
{
	char lab[256];
	size_t i;

	fprintf(fp, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (i = 0; i <= 2 * m->nroutes; i++) {
		if (!exists(m, i) || get(&m->s[i].count) == 0)
			continue;
		labels(m, i, lab, sizeof(lab));
		fprintf(fp, "%s{%s} %llu\n", name, lab, (unsigned long long)
		    get((const uint64_t *)((const char *)&m->s[i] + off)));
	}
}

static void
writer(FILE *fp, const struct bc_writer_stats *w)
{
	uint64_t cum = 0;
	size_t i;

	fputs("# HELP bodycam_writer_batch_size Jobs (registrations, "
	    "events, checkpoints) committed in one transaction.\n"
	    "# TYPE bodycam_writer_batch_size histogram\n", fp);
	for (i = 0; i < BC_WRITER_BATCH_BUCKETS - 1; i++) {
		cum += w->batch_le[i];
		fprintf(fp, "bodycam_writer_batch_size_bucket{le=\"%u\"} "
		    "%llu\n", 1u << i, (unsigned long long)cum);
	}
	cum += w->batch_le[BC_WRITER_BATCH_BUCKETS - 1];
	fprintf(fp, "bodycam_writer_batch_size_bucket{le=\"+Inf\"} %llu\n"
	    "bodycam_writer_batch_size_sum %llu\n"
	    "bodycam_writer_batch_size_count %llu\n",
	    (unsigned long long)cum, (unsigned long long)w->jobs,
	    (unsigned long long)w->batches);
	fprintf(fp, "# HELP bodycam_writer_jobs_failed_total Jobs refused or "
	    "lost with their transaction.\n"
	    "# TYPE bodycam_writer_jobs_failed_total counter\n"
	    "bodycam_writer_jobs_failed_total %llu\n"
	    "# HELP bodycam_writer_queue_depth Jobs waiting for the writer.\n"
	    "# TYPE bodycam_writer_queue_depth gauge\n"
	    "bodycam_writer_queue_depth %llu\n",
	    (unsigned long long)w->failed, (unsigned long long)w->queued);
}

/* The log's size and its newest checkpoint: 0, or an error with err set. */
static int
logstate(FILE *fp, struct bc_server *s, struct bc_err *err)
{
	struct bc_catalog *cat;
	struct bc_checkpoint_row *rows = NULL;
	uint64_t size = 0;
	size_t n = 0;
	time_t t;
	int r;

	cat = bc_pool_get(s);
	if ((r = bc_catalog_log_size(cat, &size, err)) == 0)
		r = bc_catalog_checkpoints(cat, 1, &rows, &n, err);
	bc_pool_put(s, cat);
	if (r != 0)
		return r;
	fprintf(fp, "# HELP bodycam_log_size Leaves in the transparency "
	    "log.\n# TYPE bodycam_log_size gauge\nbodycam_log_size %llu\n",
	    (unsigned long long)size);
	/* no checkpoint yet: no series, rather than a made-up age */
	if (n == 1 && bc_time_parse(rows[0].created, 0, &t) == 0) {
		fprintf(fp, "# HELP bodycam_checkpoint_size Leaves covered by "
		    "the newest signed checkpoint.\n"
		    "# TYPE bodycam_checkpoint_size gauge\n"
		    "bodycam_checkpoint_size %llu\n"
		    "# HELP bodycam_checkpoint_timestamp_seconds When the "
		    "newest checkpoint was signed (Unix time).\n"
		    "# TYPE bodycam_checkpoint_timestamp_seconds gauge\n"
		    "bodycam_checkpoint_timestamp_seconds %lld\n"
		    "# HELP bodycam_checkpoint_age_seconds Seconds since the "
		    "newest checkpoint was signed.\n"
		    "# TYPE bodycam_checkpoint_age_seconds gauge\n"
		    "bodycam_checkpoint_age_seconds %lld\n",
		    (unsigned long long)rows[0].size, (long long)t,
		    (long long)(time(NULL) - t));
	}
	bc_checkpoints_free(rows, n);
	return 0;
}

void
bc_h_metrics(struct bc_req *q)
{
	struct bc_server *s = q->srv;
	struct bc_metrics *m = s->metrics;
	struct bc_writer_stats ws;
	struct bc_err err = { 0 };
	unsigned inflight;
	int r;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		return;
	}
	if ((r = logstate(fp, s, &err)) != 0) {
		fclose(fp);
		free(text);
		bc_resp_bc(q, r, &err);
		return;
	}
	requests(fp, m);
	durations(fp, m);
	counter(fp, m, "bodycam_http_request_bytes_total", "Bytes of request "
	    "bodies read.", offsetof(struct series, bytes_in));
	counter(fp, m, "bodycam_http_response_bytes_total", "Bytes of answer "
	    "bodies sent (known lengths).", offsetof(struct series,
	    bytes_out));
	pthread_mutex_lock(&s->mu);
	inflight = s->inflight;
	pthread_mutex_unlock(&s->mu);
	fprintf(fp, "# HELP bodycam_http_requests_in_flight Requests being "
	    "read or answered.\n"
	    "# TYPE bodycam_http_requests_in_flight gauge\n"
	    "bodycam_http_requests_in_flight %u\n", inflight);
	bc_writer_get_stats(s->w, &ws);
	writer(fp, &ws);
	fprintf(fp, "# HELP bodycam_start_time_seconds When the service "
	    "started (Unix time).\n"
	    "# TYPE bodycam_start_time_seconds gauge\n"
	    "bodycam_start_time_seconds %lld\n"
	    "# HELP bodycam_build_info The running version.\n"
	    "# TYPE bodycam_build_info gauge\n"
	    "bodycam_build_info{version=\"%s\"} 1\n",
	    (long long)m->started, BODYCAM_VERSION);
	if (fclose(fp) != 0) {
		free(text);
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		return;
	}
	bc_resp_buffer(q, "text/plain; version=0.0.4; charset=utf-8",
	    "no-store", text, len, MHD_RESPMEM_MUST_FREE);
}
