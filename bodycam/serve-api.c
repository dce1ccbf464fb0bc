/*
 * serve-api.c - the routes of the catalog service: what each endpoint
 * reads, what it asks the writer to record, and the JSON it answers.
 *
 * Request bodies are hostile: parsed strictly (bc_json_parse: size,
 * UTF-8, duplicate names, trailing data), then held to a table of the
 * members each endpoint takes; anything else is a 400.  Paths given for
 * registration must resolve, symlinks followed, inside --storage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <openssl/evp.h>

#include "bodycam/bundle.h"
#include "bodycam/canon.h"
#include "bodycam/case.h"
#include "bodycam/clock.h"
#include "bodycam/custody.h"
#include "bodycam/filter.h"
#include "bodycam/hash.h"
#include "bodycam/purge.h"
#include "bodycam/register.h"
#include "bodycam/retention.h"
#include "bodycam/tiles.h"
#include "bodycam/tlog.h"
#include "bodycam/tsa.h"
#include "bodycam/util.h"
#include "bodycam/verify.h"
#include "internal.h"
#include "serve-int.h"
#include "openapi-json.h"	/* made by the Makefile */

#define LIST_DEFAULT	100
#define LIST_MAX	1000
#define CUSTODY_MAX	10000	/* events in one custody page */

/*
 * Bodies
 */

enum field_type { F_STR, F_BOOL, F_STRS, F_OBJ };

struct field {
	const char	*name;
	enum field_type	 type;
	int		 required;
};

/* Parses q's body as an object holding only the fields given. */
static json_t *
body_parse(struct bc_req *q, const struct field *fields)
{
	struct bc_err err = { 0 };
	const struct field *f;
	const char *k;
	json_t *doc = NULL, *v, *e;
	char clip[80];
	size_t i;

	if (q->body.len == 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "a JSON object is required");
		return NULL;
	}
	if (bc_json_parse(q->body.p, q->body.len, &doc, &err) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "malformed JSON: %s", err.msg);
		return NULL;
	}
	if (!json_is_object(doc)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "the body must be a JSON object");
		goto bad;
	}
	json_object_foreach(doc, k, v) {
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, k) == 0)
				break;
		if (f->name == NULL) {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "unknown field '%s'", bc_text_clip(k, 64, clip,
			    sizeof(clip)));
			goto bad;
		}
		switch (f->type) {
		case F_STR:
			if (!json_is_string(v))
				goto type;
			break;
		case F_BOOL:
			if (!json_is_boolean(v))
				goto type;
			break;
		case F_OBJ:
			if (!json_is_object(v))
				goto type;
			break;
		case F_STRS:
			if (!json_is_array(v))
				goto type;
			json_array_foreach(v, i, e)
				if (!json_is_string(e))
					goto type;
			break;
		}
	}
	for (f = fields; f->name != NULL; f++)
		if (f->required && json_object_get(doc, f->name) == NULL) {
			bc_resp_error_field(q, MHD_HTTP_BAD_REQUEST,
			    "bad_request", f->name, "the field '%s' is "
			    "required", f->name);
			goto bad;
		}
	return doc;
 type:
	bc_resp_error_field(q, MHD_HTTP_BAD_REQUEST, "bad_request", f->name,
	    "field '%s' has the wrong type", f->name);
 bad:
	json_decref(doc);
	return NULL;
}

static const char *
jstr(const json_t *doc, const char *name)
{
	return json_string_value(json_object_get(doc, name));
}

/* Only the query arguments named may be given. */
struct qcheck {
	const char *const	*names;
	const char		*bad;
};

static enum MHD_Result
query_one(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qcheck *c = cls;
	size_t i;

	for (i = 0; c->names[i] != NULL; i++)
		if (strcmp(c->names[i], key) == 0)
			return MHD_YES;
	c->bad = key;
	return MHD_NO;
}

static int
query_only(struct bc_req *q, const char *const *names)
{
	struct qcheck c = { names, NULL };
	char clip[80];

	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, query_one,
	    &c);
	if (c.bad != NULL) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "unknown query argument '%s'", bc_text_clip(c.bad, 64,
		    clip, sizeof(clip)));
		return -1;
	}
	return 0;
}

/* A non-negative integer query argument within max, or def. */
static int
query_uint(struct bc_req *q, const char *name, int64_t def, int64_t max,
    int64_t *out)
{
	const char *v = bc_req_query(q, name);
	uint64_t n;

	*out = def;
	if (v == NULL)
		return 0;
	if (max < 0 || bc_parse_uint(v, 0, (uint64_t)max, &n) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "'%s' must be an integer from 0 to %" PRId64, name, max);
		return -1;
	}
	*out = (int64_t)n;
	return 0;
}

static json_t *
json_b64(const uint8_t *p, size_t n)
{
	char buf[256];

	if (n > 180)
		return NULL;
	EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
	return json_string(buf);
}

static json_t *
json_hex(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	if (n > 64)
		return NULL;
	bc_hex(p, n, buf);
	return json_string(buf);
}

/* The service's key for role; NULL, with a 503, when it holds none. */
const struct bc_key *
bc_station_key(struct bc_req *q, int role)
{
	const struct bc_key *k = q->srv->by_role[role];

	if (k == NULL)
		bc_resp_error(q, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
		    "the service holds no key with the %s role",
		    bc_role_name(role));
	return k;
}

/* The item named by the path, on cat; a 404/400 response otherwise. */
static struct bc_item *
path_item(struct bc_req *q, struct bc_catalog *cat)
{
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	int r;

	if ((r = bc_catalog_find_item(cat, q->arg, &it, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		return NULL;
	}
	return it;
}

/*
 * A verification report for the caller: without the server's paths (the
 * file's, and any in a check's detail).
 */
static json_t *
report_json(struct bc_server *s, const struct bc_verify_report *rep)
{
	json_t *o, *c;
	char buf[BC_CHECK_DETAIL_MAX + 64];
	const char *d;
	size_t i;

	if ((o = bc_verify_report_json(rep)) == NULL)
		return NULL;
	json_object_del(o, "path");
	json_array_foreach(json_object_get(o, "checks"), i, c) {
		if ((d = jstr(c, "detail")) == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s", d);
		bc_redact(s, buf, sizeof(buf));
		bc_text_clean(buf);
		json_object_set_new(c, "detail", json_string(buf));
	}
	return o;
}

/*
 * GET /v1/healthz
 */
static void
h_healthz(struct bc_req *q)
{
	bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
}

/*
 * GET /v1/openapi.json: docs/openapi.json, built in
 */

static void
h_openapi(struct bc_req *q)
{
	bc_resp_buffer(q, "application/json", "public, max-age=300",
	    (void *)openapi_json, sizeof(openapi_json) - 1,
	    MHD_RESPMEM_PERSISTENT);
}

/*
 * POST /v1/items
 */

/* Resolves rel inside the storage directory: a 400 response otherwise. */
static int
storage_path(struct bc_req *q, const char *rel, char out[PATH_MAX])
{
	struct bc_server *s = q->srv;
	char joined[PATH_MAX * 2];
	const char *p, *seg;
	size_t n, slen = strlen(s->storage);
	struct stat sb;

	if (rel[0] == '\0' || rel[0] == '/') {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'path' "
		    "must be relative to the storage directory");
		return -1;
	}
	for (seg = rel; seg != NULL; seg = p ? p + 1 : NULL) {
		p = strchr(seg, '/');
		n = p ? (size_t)(p - seg) : strlen(seg);
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "'path' may not contain '..'");
			return -1;
		}
	}
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", s->storage,
	    rel) >= sizeof(joined) || realpath(joined, out) == NULL) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'path' "
		    "%s: %s", strlen(rel) > 200 ? "(long)" : rel,
		    errno == ENOENT ? "no such file under storage" :
		    strerror(errno));
		return -1;
	}
	/* symlinks resolved: the file itself must lie under storage */
	if (strncmp(out, s->storage, slen) != 0 || out[slen] != '/') {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'path' "
		    "leads outside the storage directory");
		return -1;
	}
	if (stat(out, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'path' "
		    "is not a regular file");
		return -1;
	}
	return 0;
}

int
bc_reg_job(struct bc_catalog *cat, struct bc_chain_cache *cache, void *arg,
    struct bc_err *err)
{
	struct bc_reg_job *j = arg;
	char now[BC_TIME_MAX];
	int r;

	if ((r = bc_clock_sign_time(cat, now, err)) != 0 ||
	    (r = bc_signer_allowed(cat, j->key, BC_ROLE_INGEST, "register",
	    err)) != 0 ||
	    (r = bc_register_locked(cat, j->key, j->abspath, j->fh, &j->opts,
	    NULL, j->meta, NULL, now, &j->res, err)) != 0)
		return r;
	/* an upload: its file takes its name inside the transaction, so
	 * that a registration that fails leaves none (the caller removes it
	 * again when the commit fails) */
	if (j->cp != NULL && (r = bc_storage_place(j->cp, j->root, j->name,
	    err)) != 0) {
		j->res.id[0] = '\0';
		return r;
	}
	return 0;
}

void
bc_resp_exists(struct bc_req *q, const char *existing)
{
	/* the item, as a field too: a client need not parse words */
	bc_resp_error_with(q, MHD_HTTP_CONFLICT, "exists", json_pack("{s:s}",
	    "existing", existing), "the file is already registered as %s",
	    existing);
}

void
bc_resp_registered(struct bc_req *q, const struct bc_register_result *res)
{
	char warnings[sizeof(res->warnings)], *line, *save;
	json_t *warn, *o;

	snprintf(warnings, sizeof(warnings), "%s", res->warnings);
	if ((warn = json_array()) == NULL)
		goto oom;
	for (line = strtok_r(warnings, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		json_array_append_new(warn, json_string(line));
	o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "id", res->id,
	    "sha256", res->sha256, "size", (json_int_t)res->size,
	    "manifest_hash", res->manifest_hash, "mime", res->mime,
	    "warnings", warn);
	if (o == NULL)
		goto oom;
	bc_resp_json(q, MHD_HTTP_CREATED, o);
	return;
 oom:
	bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
	    "out of memory");
}

static void
h_items_post(struct bc_req *q)
{
	static const struct field fields[] = {
		{ "path", F_STR, 1 }, { "officer", F_STR, 0 },
		{ "device", F_STR, 0 }, { "case", F_STR, 0 },
		{ "category", F_STR, 0 }, { "tags", F_STRS, 0 },
		{ NULL, 0, 0 }
	};
	struct bc_server *s = q->srv;
	struct bc_err err = { 0 };
	struct bc_file_hash fh;
	struct bc_reg_job j;
	struct bc_idem idem = { .fd = -1 };
	const char *tags[BC_TAGS_MAX];
	char abspath[PATH_MAX], now[BC_TIME_MAX];
	json_t *doc, *jt;
	size_t i;
	int r;

	if ((doc = body_parse(q, fields)) == NULL)
		return;
	memset(&j, 0, sizeof(j));
	if ((j.key = bc_station_key(q, BC_ROLE_INGEST)) == NULL ||
	    bc_idem_begin(q, &idem) != 0)
		goto out;
	j.opts.op.officer = jstr(doc, "officer");
	j.opts.op.device = jstr(doc, "device");
	j.opts.op.case_no = jstr(doc, "case");
	j.opts.op.category = jstr(doc, "category");
	jt = json_object_get(doc, "tags");
	if (json_array_size(jt) > BC_TAGS_MAX) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "at most "
		    "%d tags", BC_TAGS_MAX);
		goto out;
	}
	for (i = 0; i < json_array_size(jt); i++)
		tags[i] = json_string_value(json_array_get(jt, i));
	j.opts.op.tags = tags;
	j.opts.op.ntags = json_array_size(jt);
	j.opts.actor = q->tok.name;
	if ((r = bc_operator_fields_check(&j.opts.op, &err)) != 0) {
		bc_resp_error_field(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    err.field, "%s", err.msg);
		goto out;
	}
	if (storage_path(q, jstr(doc, "path"), abspath) != 0)
		goto out;
	/* hashing and metadata outside the writer: they may take long */
	bc_time_now(now);
	if ((r = bc_register_read(abspath, NULL, NULL, 0, now, &fh, &j.meta,
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	j.abspath = abspath;
	j.fh = &fh;
	r = bc_writer_run(s->w, bc_reg_job, &j, &err);
	json_decref(j.meta);
	if (r == BC_ERR_EXISTS) {
		bc_resp_exists(q, j.res.existing);
		goto out;
	}
	if (r != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	bc_resp_registered(q, &j.res);
	bc_idem_commit(&idem, "item", j.res.id, j.res.sha256);
 out:
	bc_idem_abort(&idem);	/* nothing once committed */
	json_decref(doc);
}

/*
 * GET /v1/items
 */

struct list_ctx {
	json_t			*arr;
	int64_t			 after, limit, count;
	char			 next[BC_ITEM_ID_MAX];
	struct bc_meta_filter	 mf;
};

static int
list_one(void *arg, const struct bc_item *it)
{
	struct list_ctx *l = arg;
	json_t *m = NULL, *o, *cur;

	if (it->num <= l->after)
		return 0;
	(void)bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &m, NULL);
	if (!bc_meta_filter_match(&l->mf, m)) {
		json_decref(m);
		return 0;
	}
	if (l->count == l->limit) {
		/* one more exists: the page ends at the previous item */
		json_decref(m);
		return 1;
	}
	/* case, category and tags as they are now, annotations applied */
	if ((cur = bc_view_of(it->view, m)) == NULL) {
		json_decref(m);
		return BC_ERR_NOMEM;
	}
	o = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:O?, s:s?,"
	    " s:O?, s:O?}",
	    "id", it->id, "sha256", it->sha256, "size", (json_int_t)it->size,
	    "name", m ? bc_doc_str(m, "file.name") : NULL,
	    "mime", m ? bc_doc_str(m, "media.mime") : NULL,
	    "officer", m ? bc_doc_str(m, "capture.officer") : NULL,
	    "device", m ? bc_doc_str(m, "capture.device") : NULL,
	    "case", json_object_get(cur, "case"),
	    "registered", m ? bc_doc_str(m, "registered.at") : NULL,
	    "category", json_object_get(cur, "category"),
	    "tags", json_object_get(cur, "tags"));
	json_decref(m);
	json_decref(cur);
	if (o == NULL || json_array_append_new(l->arr, o) != 0)
		return BC_ERR_NOMEM;
	l->count++;
	snprintf(l->next, sizeof(l->next), "%s", it->id);
	return 0;
}

/* A date or RFC 3339 time argument: 0 (*set when given) or a response. */
static int
query_time(struct bc_req *q, const char *name, int end_of_day, time_t *t,
    int *set)
{
	const char *v = bc_req_query(q, name);

	*set = 0;
	if (v == NULL)
		return 0;
	if (bc_time_parse(v, end_of_day, t) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'%s' is "
		    "not a date or RFC 3339 time", name);
		return -1;
	}
	*set = 1;
	return 0;
}

static void
h_items_list(struct bc_req *q)
{
	static const char *const args[] = { "officer", "device", "case",
	    "category", "tag", "make", "model", "near", "since", "until",
	    "registered_since",
	    "registered_until", "limit", "after", NULL };
	struct bc_list_filter f;
	struct list_ctx l;
	struct bc_catalog *cat = NULL;
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	char since[BC_TIME_MAX], until[BC_TIME_MAX];
	const char *v;
	time_t t;
	int r, set;

	memset(&l, 0, sizeof(l));
	memset(&f, 0, sizeof(f));
	if (query_only(q, args) != 0 ||
	    query_uint(q, "limit", LIST_DEFAULT, LIST_MAX, &l.limit) != 0)
		return;
	if (l.limit == 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "'limit' must be from 1 to %d", LIST_MAX);
		return;
	}
	/* the filters of 'list', under the names of its options */
	f.officer = bc_req_query(q, "officer");
	f.device = bc_req_query(q, "device");
	f.case_no = bc_req_query(q, "case");
	f.category = bc_req_query(q, "category");
	f.tag = bc_req_query(q, "tag");
	l.mf.make = bc_req_query(q, "make");
	l.mf.model = bc_req_query(q, "model");
	if ((v = bc_req_query(q, "near")) != NULL &&
	    bc_meta_filter_near(v, &l.mf) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'near' "
		    "is LAT,LON,KM in decimal degrees and km");
		return;
	}
	if (query_time(q, "since", 0, &l.mf.since, &l.mf.has_since) != 0 ||
	    query_time(q, "until", 1, &l.mf.until, &l.mf.has_until) != 0)
		return;
	if (query_time(q, "registered_since", 0, &t, &set) != 0)
		return;
	if (set) {
		bc_time_stamp(t, 0, since);
		f.since = since;
	}
	if (query_time(q, "registered_until", 1, &t, &set) != 0)
		return;
	if (set) {
		bc_time_stamp(t, 999999, until);
		f.until = until;
	}
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((v = bc_req_query(q, "after")) != NULL) {
		if ((r = bc_catalog_find_item(cat, v, &it, &err)) != 0) {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "'after': %s", err.msg);
			goto out;
		}
		l.after = it->num;
	}
	if ((l.arr = json_array()) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	r = bc_catalog_list(cat, &f, list_one, &l, &err);
	if (r < 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:O, s:s?}", "items", l.arr,
	    "next", r == 1 ? l.next : NULL));
 out:
	json_decref(l.arr);
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * GET /v1/items/{id}
 */
static void
h_item_get(struct bc_req *q)
{
	struct bc_catalog *cat = bc_pool_get(q->srv);
	struct bc_item *it;
	struct bc_err err = { 0 };
	json_t *m = NULL;
	char *view = NULL;
	int64_t seq;
	int r;

	if ((it = path_item(q, cat)) == NULL)
		goto out;
	if ((r = bc_catalog_get_view(cat, it->manifest_hash, &seq, &view,
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if (bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &m, NULL) != 0)
		m = NULL;	/* shown as null: verify says why */
	bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:s, s:s, s:I, s:s, s:o?, "
	    "s:o?, s:s, s:s?, s:I, s:o?}", "id", it->id, "sha256", it->sha256,
	    "size", (json_int_t)it->size, "manifest_hash", it->manifest_hash,
	    "manifest", json_incref(m), "signature",
	    json_b64(it->sig, it->siglen), "key", it->key, "registered",
	    it->registered, "leaf", (json_int_t)it->leaf, "current",
	    bc_view_of(view, m)));
	json_decref(m);
	free(view);
 out:
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * GET /v1/items/{id}/custody
 */
static void
h_item_custody(struct bc_req *q)
{
	static const char *const args[] = { "from", "limit", NULL };
	struct bc_catalog *cat = NULL;
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_err err = { 0 };
	json_t *arr = NULL, *doc, *o;
	char head[BC_SHA256_HEX];
	int64_t from, limit, last;
	size_t i, n = 0;
	int r;

	if (query_only(q, args) != 0 ||
	    query_uint(q, "from", 0, INT64_MAX / 2, &from) != 0 ||
	    query_uint(q, "limit", CUSTODY_MAX, CUSTODY_MAX, &limit) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((it = path_item(q, cat)) == NULL)
		goto out;
	/* one page read, however long the chain */
	if ((r = bc_catalog_event_head(cat, it->manifest_hash, &last, head,
	    &err)) != 0 ||
	    (r = bc_catalog_events_range(cat, it->manifest_hash, from, limit,
	    &ev, &n, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((arr = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		doc = NULL;
		if (bc_canon_read(ev[i].body, ev[i].body_len, &doc, NULL) != 0)
			doc = json_null();
		o = json_pack("{s:I, s:s, s:s, s:o, s:o?, s:I}", "seq",
		    (json_int_t)ev[i].seq, "hash", ev[i].hash, "key",
		    ev[i].key, "event", doc, "sig", json_b64(ev[i].sig,
		    ev[i].siglen), "leaf", (json_int_t)ev[i].leaf);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto oom;
	}
	bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:s, s:s, s:I, s:s, s:O}",
	    "id", it->id, "manifest_hash", it->manifest_hash, "next_seq",
	    (json_int_t)(last + 1), "head", last >= 0 ? head :
	    it->manifest_hash, "events", arr));
	goto out;
 oom:
	bc_resp_bc(q, BC_ERR_NOMEM, NULL);
 out:
	json_decref(arr);
	bc_events_free(ev, n);
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * Custody events through the writer
 */

struct event_job {
	const struct bc_key		*key;
	const char			*ref;
	struct bc_custody_req		 req;
	/* pre-signed */
	const char			*text;
	size_t				 len;
	uint8_t				 sig[BC_ED25519_SIGLEN];
	/* relocate: the file at its new place, hashed before the lock */
	const struct bc_file_hash	*fh;
	const char			*abspath;
	struct bc_custody_result	 res;
};

static int
event_job(struct bc_catalog *cat, struct bc_chain_cache *cache, void *arg,
    struct bc_err *err)
{
	struct event_job *j = arg;

	if (j->text == NULL)
		return bc_custody_add_cached(cat, cache, j->key, j->ref,
		    &j->req, j->fh, j->abspath, NULL, &j->res, err);
	return bc_custody_append_signed(cat, cache, NULL, j->ref, j->text,
	    j->len, j->sig, sizeof(j->sig), &j->res, err);
}

/*
 * After a purge the writer committed, or refused because the item was
 * purged before: its media, as 'custody add ITEM purge' does (purge.h),
 * then a note on what became of it, through the writer again.  The
 * hashing runs on this request's thread, outside the write lock.
 * Answers 201 (a new purge) or 200 (a repeated one) when the media is
 * gone, 409 media_kept when it is not (the purge stays recorded).
 */
static void
purge_media(struct bc_req *q, const struct event_job *j)
{
	struct event_job n;
	struct bc_catalog *cat;
	struct bc_err err = { 0 }, e = { 0 };
	char why[200], text[BC_FIELD_MAX + 1];
	int fate, prev, r, noted = 0, repeated = j->res.purged;
	json_t *o;

	cat = bc_pool_get(q->srv);
	r = bc_purge_media(cat, j->ref, &fate, &prev, why, sizeof(why), &err);
	bc_pool_put(q->srv, cat);
	if (fate == BC_MEDIA_NONE) {
		bc_resp_bc(q, r, &err);
		return;
	}
	memset(&n, 0, sizeof(n));
	n.key = j->key;
	n.ref = j->ref;
	if (bc_purge_note_needed(repeated, fate, prev)) {
		bc_purge_note_req(&j->req, fate, why, &n.req, text,
		    sizeof(text));
		if (bc_writer_run_events(q->srv->w, event_job, &n, &e) == 0)
			noted = 1;
		else if (r == 0)
			r = bc_err_set(&err, BC_ERR_INTERNAL, "%s: the media "
			    "is %s, but the note could not be recorded: %s",
			    j->res.item, bc_media_fate_name(fate), e.msg);
	}
	if (r != 0) {
		if (fate == BC_MEDIA_KEPT)
			bc_resp_error(q, MHD_HTTP_CONFLICT, "media_kept", "%s; "
			    "the purge is recorded: purge again once the path "
			    "holds the sealed file or nothing", err.msg);
		else
			bc_resp_bc(q, r, &err);
		return;
	}
	o = json_pack("{s:s, s:s, s:b}", "item", j->res.item, "media",
	    bc_media_fate_name(fate), "repeated", repeated);
	if (o != NULL && !repeated && (json_object_set_new(o, "seq",
	    json_integer(j->res.seq)) != 0 || json_object_set_new(o, "hash",
	    json_string(j->res.hash)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL && noted)
		json_object_set_new(o, "note", json_pack("{s:I, s:s}", "seq",
		    (json_int_t)n.res.seq, "hash", n.res.hash));
	bc_resp_json(q, repeated ? MHD_HTTP_OK : MHD_HTTP_CREATED, o);
}

static void
event_created(struct bc_req *q, const struct event_job *j)
{
	bc_resp_json(q, MHD_HTTP_CREATED, json_pack("{s:s, s:I, s:s}", "item",
	    j->res.item, "seq", (json_int_t)j->res.seq, "hash", j->res.hash));
}

/* The pre-signed form: {"event": {...}, "sig": "<base64>"}. */
static void
event_signed(struct bc_req *q, json_t *doc)
{
	struct event_job j;
	struct bc_err err = { 0 };
	const json_t *evo = json_object_get(doc, "event");
	const char *sig = jstr(doc, "sig"), *action;
	unsigned char raw[BC_ED25519_SIGLEN + 3];
	char *text = NULL, enc[128];
	size_t len = 0, slen;
	int a, r;

	memset(&j, 0, sizeof(j));
	if (json_object_size(doc) != 2 || sig == NULL) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "a "
		    "signed event is {\"event\": {...}, \"sig\": \"...\"} "
		    "and nothing else");
		return;
	}
	/* exactly the base64 of 64 bytes, as EVP_EncodeBlock writes it */
	slen = strlen(sig);
	/* EVP_DecodeBlock counts the two bytes of padding in 88 characters */
	if (slen != 88 || EVP_DecodeBlock(raw, (const unsigned char *)sig,
	    (int)slen) != BC_ED25519_SIGLEN + 2) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'sig' "
		    "must be the base64 of a 64-byte Ed25519 signature");
		return;
	}
	EVP_EncodeBlock((unsigned char *)enc, raw, BC_ED25519_SIGLEN);
	if (strcmp(enc, sig) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'sig' "
		    "is not canonical base64");
		return;
	}
	memcpy(j.sig, raw, sizeof(j.sig));
	action = jstr(evo, "action");
	if (action == NULL || bc_action_parse(action) < 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "the "
		    "event names no known action");
		return;
	}
	a = bc_action_parse(action);
	if (a == BC_ACT_REGISTER || a == BC_ACT_DERIVE ||
	    a == BC_ACT_RELEASE || a == BC_ACT_RELOCATE) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "a '%s' "
		    "event is not accepted here (register: POST /v1/items; "
		    "release: POST /v1/releases; relocate: 'action' and "
		    "'path', the server re-hashes the file; derive: the "
		    "command line)",
		    action);
		return;
	}
	if (!bc_req_allowed(q, bc_event_role(action))) {
		bc_resp_error(q, MHD_HTTP_FORBIDDEN, "forbidden", "'%s' needs "
		    "the %s role; the token '%s' has %s", action,
		    bc_role_name(bc_event_role(action)), q->tok.name,
		    bc_role_name(q->tok.role));
		return;
	}
	if ((r = bc_canon_dump(evo, &text, &len, &err)) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "event: "
		    "%s", err.msg);
		return;
	}
	j.ref = q->arg;
	j.text = text;
	j.len = len;
	r = bc_writer_run_events(q->srv->w, event_job, &j, &err);
	if (r == 0)
		event_created(q, &j);
	else if (r == BC_ERR_INTEGRITY)
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "signature", "%s",
		    err.msg);
	else
		bc_resp_bc(q, r, &err);
	free(text);
}

static void
h_events_post(struct bc_req *q)
{
	static const struct field fields[] = {
		{ "action", F_STR, 0 }, { "to", F_STR, 0 },
		{ "reason", F_STR, 0 }, { "location", F_STR, 0 },
		{ "note", F_STR, 0 }, { "event", F_OBJ, 0 },
		{ "sig", F_STR, 0 }, { "set", F_OBJ, 0 },
		{ "clear", F_STRS, 0 }, { "add_tags", F_STRS, 0 },
		{ "remove_tags", F_STRS, 0 }, { "path", F_STR, 0 },
		{ NULL, 0, 0 }
	};
	struct event_job j;
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	json_t *doc;
	char clip[48], abspath[PATH_MAX], now[BC_TIME_MAX];
	int a, role, r;

	if ((doc = body_parse(q, fields)) == NULL)
		return;
	if (json_object_get(doc, "event") != NULL) {
		event_signed(q, doc);
		goto out;
	}
	memset(&j, 0, sizeof(j));
	j.req.action = jstr(doc, "action");
	a = j.req.action ? bc_action_parse(j.req.action) : -1;
	if (json_object_get(doc, "sig") != NULL || j.req.action == NULL) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "give "
		    "'action' (the server signs), or 'event' and 'sig'");
		goto out;
	}
	if (a != BC_ACT_ACCESS && a != BC_ACT_COPY && a != BC_ACT_TRANSFER &&
	    a != BC_ACT_HOLD && a != BC_ACT_UNHOLD && a != BC_ACT_NOTE &&
	    a != BC_ACT_PURGE && a != BC_ACT_ANNOTATE &&
	    a != BC_ACT_RELOCATE) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "action "
		    "'%s': the server signs access, copy, transfer, hold, "
		    "unhold, note, purge, annotate and relocate (verify: POST "
		    ".../verify, release: POST /v1/releases)",
		    bc_text_clip(j.req.action, 32, clip, sizeof(clip)));
		goto out;
	}
	role = bc_event_role(j.req.action);
	if (!bc_req_allowed(q, role)) {
		bc_resp_error(q, MHD_HTTP_FORBIDDEN, "forbidden", "'%s' needs "
		    "the %s role; the token '%s' has %s", j.req.action,
		    bc_role_name(role), q->tok.name, bc_role_name(q->tok.role));
		goto out;
	}
	j.req.actor = q->tok.name;
	j.req.to = jstr(doc, "to");
	j.req.reason = jstr(doc, "reason");
	j.req.location = jstr(doc, "location");
	j.req.note = jstr(doc, "note");
	j.req.set = json_object_get(doc, "set");
	j.req.clear = json_object_get(doc, "clear");
	j.req.tag_add = json_object_get(doc, "add_tags");
	j.req.tag_remove = json_object_get(doc, "remove_tags");
	if ((a == BC_ACT_RELOCATE) != (jstr(doc, "path") != NULL)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'path' "
		    "(the file's new place, relative to the storage directory) "
		    "is for relocate, and relocate needs it");
		goto out;
	}
	if (a == BC_ACT_RELOCATE) {
		/* inside storage, a regular file: re-hashed here, outside
		 * the write lock, and compared with the sealed one under it */
		if (storage_path(q, jstr(doc, "path"), abspath) != 0)
			goto out;
		bc_time_now(now);
		if ((r = bc_relocate_path_check(abspath, strlen(abspath),
		    &err)) != 0 || (r = bc_register_read(abspath, NULL, NULL,
		    0, now, &fh, NULL, &err)) != 0) {
			bc_resp_bc(q, r == BC_ERR_INVALID ? BC_ERR_MALFORMED :
			    r, &err);
			goto out;
		}
		j.req.file = abspath;
		j.fh = &fh;
		j.abspath = abspath;
	}
	if ((r = bc_custody_req_check(&j.req, &err)) != 0) {
		bc_resp_error_field(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    err.field, "%s", err.msg);
		goto out;
	}
	if ((j.key = bc_station_key(q, role)) == NULL)
		goto out;
	j.ref = q->arg;
	r = bc_writer_run_events(q->srv->w, event_job, &j, &err);
	if (a == BC_ACT_PURGE && (r == 0 || j.res.purged))
		purge_media(q, &j);	/* committed, or purged before */
	else if (r != 0)
		bc_resp_bc(q, r, &err);
	else if (a == BC_ACT_RELOCATE)
		/* the place as the client named it, not the server's path */
		bc_resp_json(q, MHD_HTTP_CREATED, json_pack("{s:s, s:I, s:s, "
		    "s:s}", "item", j.res.item, "seq", (json_int_t)j.res.seq,
		    "hash", j.res.hash, "path", jstr(doc, "path")));
	else
		event_created(q, &j);
 out:
	json_decref(doc);
}

/*
 * GET /v1/items/{id}/media
 */

int
bc_http_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	unsigned long long a, b;
	const char *p;
	char *end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0)
		return 0;
	p = h + 6;
	if (strchr(p, ',') != NULL)
		return 0;	/* several ranges: the whole file instead */
	if (*p == '-') {
		errno = 0;
		b = strtoull(p + 1, &end, 10);
		if (p[1] < '0' || p[1] > '9' || *end != '\0' || errno != 0)
			return 0;
		if (b == 0 || size == 0)
			return -1;
		if (b > size)
			b = size;
		*off = size - b;
		*len = b;
		return 1;
	}
	if (*p < '0' || *p > '9')
		return 0;
	errno = 0;
	a = strtoull(p, &end, 10);
	if (errno != 0 || *end != '-')
		return 0;
	p = end + 1;
	if (*p == '\0')
		b = size > 0 ? size - 1 : 0;
	else {
		if (*p < '0' || *p > '9')
			return 0;
		b = strtoull(p, &end, 10);
		if (errno != 0 || *end != '\0' || b < a)
			return 0;
		if (b >= size)
			b = size - 1;
	}
	if (a >= size)
		return -1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

/*
 * openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, or, on a kernel
 * without it, one component at a time with O_NOFOLLOW.
 */
int
bc_open_beneath(int dir, const char *rel, int flags)
{
	struct open_how how;
	char buf[PATH_MAX], *comp, *next;
	int fd, nfd, e;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	/* a seccomp filter may answer EPERM for a system call it does not
	 * know; the walk below is as strict */
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	if (strlen(rel) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", rel);
	for (fd = dir, comp = buf; ; comp = next) {
		if ((next = strchr(comp, '/')) != NULL)
			*next++ = '\0';
		if (*comp == '\0' || strcmp(comp, ".") == 0 ||
		    strcmp(comp, "..") == 0) {
			nfd = -1;
			errno = EXDEV;
		} else
			nfd = openat(fd, comp, next != NULL ? O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC : flags |
			    O_NOFOLLOW);
		e = errno;
		if (fd != dir)
			close(fd);
		errno = e;
		if (nfd < 0 || next == NULL)
			return nfd;
		fd = nfd;
	}
}

static struct bc_media_ok *
media_ok_slot(struct bc_server *s, const char *id)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*id != '\0')
		h = (h ^ (unsigned char)*id++) * 16777619u;
	return &s->ok[h % BC_MEDIA_OK_SLOTS];
}

/*
 * Whether the file open as fd, of stat *sb, still holds the bytes sealed
 * for it.  A file whose status-change time is before the second of its
 * registration has not been written, renamed, linked or had its mode
 * changed since (the kernel sets that time; only root can set the clock
 * it comes from), and is sent as it is.  Any other file is hashed in full
 * first, once: a file found right is remembered with its stat.  Returns 1
 * (the sealed bytes), 0 (other bytes, or it changed while being hashed)
 * or -1 (could not be read; err says why).
 */
static int
media_unchanged(struct bc_server *s, const struct bc_item *it, int fd,
    const struct stat *sb, struct bc_err *err)
{
	struct bc_media_ok *ok = media_ok_slot(s, it->id);
	struct bc_file_hash fh;
	struct stat after;
	char hex[BC_SHA256_HEX];
	time_t reg;
	int hit, r;

	if (bc_time_parse(it->registered, 0, &reg) == 0 &&
	    sb->st_ctim.tv_sec < reg)
		return 1;
	pthread_mutex_lock(&s->ok_mu);
	hit = strcmp(ok->id, it->id) == 0 && bc_stat_same(&ok->st, sb);
	pthread_mutex_unlock(&s->ok_mu);
	if (hit)
		return 1;
	if (lseek(fd, 0, SEEK_SET) != 0) {
		bc_err_set(err, BC_ERR_IO, "%s: %s", it->id, strerror(errno));
		return -1;
	}
	if ((r = bc_hash_fd(fd, it->id, &fh, NULL, NULL, err)) != 0)
		return r == BC_ERR_CHANGED ? 0 : -1;	/* written to now */
	if (lseek(fd, 0, SEEK_SET) != 0 || fstat(fd, &after) != 0) {
		bc_err_set(err, BC_ERR_IO, "%s: %s", it->id, strerror(errno));
		return -1;
	}
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	if (strcmp(hex, it->sha256) != 0 || fh.size != (uint64_t)it->size ||
	    !bc_stat_same(sb, &after))
		return 0;
	pthread_mutex_lock(&s->ok_mu);
	snprintf(ok->id, sizeof(ok->id), "%s", it->id);
	ok->st = after;
	pthread_mutex_unlock(&s->ok_mu);
	return 1;
}

/*
 * Opens the file of it for a download: beneath --storage, no symbolic
 * link on the way, a regular file of the sealed size and, when it changed
 * on disk after its registration, of the sealed hash (media_unchanged).
 * The descriptor, or -1 after a response.  Bytes rewritten while they are
 * being sent are what verify re-hashes, and the client can check them
 * against X-Bodycam-SHA256.
 */
static int
media_open(struct bc_req *q, const struct bc_item *it, const char *place)
{
	const struct bc_server *s = q->srv;
	size_t slen = strlen(s->storage);
	struct bc_err err = { 0 };
	struct stat sb;
	int root, fd, e;

	if (strncmp(place, s->storage, slen) != 0 || place[slen] != '/') {
		bc_resp_error(q, MHD_HTTP_CONFLICT, "not_in_storage", "%s: the "
		    "file was registered outside the service's storage "
		    "directory, and is not served", it->id);
		return -1;
	}
	if ((root = open(s->storage, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the storage directory cannot be opened: %s",
		    strerror(errno));
		return -1;
	}
	/* O_NONBLOCK: a FIFO put in the file's place must not hang us */
	fd = bc_open_beneath(root, place + slen + 1, O_RDONLY | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK);
	e = errno;
	close(root);
	if (fd < 0) {
		if (e == ENOENT)
			bc_resp_error(q, MHD_HTTP_GONE, "gone", "%s: the "
			    "registered file is missing", it->id);
		else
			bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "%s: "
			    "the registered file cannot be opened: %s", it->id,
			    e == ELOOP || e == EXDEV || e == ENOTDIR ? "a "
			    "symbolic link (or something else than a directory) "
			    "on its path under storage" : strerror(e));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "%s: the "
		    "registered file is no longer a regular file; run verify",
		    it->id);
		goto bad;
	}
	if ((uint64_t)sb.st_size != (uint64_t)it->size) {
		bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "%s: the file "
		    "is not the size sealed at registration; run verify",
		    it->id);
		goto bad;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		bc_resp_bc(q, BC_ERR_IO, NULL);
		goto bad;
	}
	switch (media_unchanged(q->srv, it, fd, &sb, &err)) {
	case 1:
		return fd;
	case 0:
		bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "%s: the file "
		    "changed after its registration and does not hold the "
		    "bytes sealed (its SHA-256 differs); run verify", it->id);
		break;
	default:
		bc_resp_bc(q, BC_ERR_IO, &err);
		break;
	}
 bad:
	close(fd);
	return -1;
}

static void
h_media(struct bc_req *q)
{
	struct bc_catalog *cat = bc_pool_get(q->srv);
	struct bc_item *it = NULL;
	struct event_job j;
	struct bc_err err = { 0 };
	struct MHD_Response *resp;
	json_t *m = NULL;
	const char *mime = NULL;
	char note[160], buf[64], place[PATH_MAX];
	uint64_t off = 0, len = 0;
	int fd = -1, rg, r;

	if ((it = path_item(q, cat)) == NULL)
		goto out;
	/* its current place: the last relocate's, else the registered one;
	 * whatever is there is checked against the sealed hash below */
	if ((r = bc_custody_place_of(cat, it, place, sizeof(place),
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	bc_pool_put(q->srv, cat);
	cat = NULL;
	/* the file is opened and checked first; then the access event is
	 * committed; then the bytes are sent from this descriptor */
	if ((fd = media_open(q, it, place)) < 0)
		goto out;
	rg = bc_http_range(MHD_lookup_connection_value(q->conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE), (uint64_t)it->size, &off,
	    &len);
	if (rg < 0) {
		bc_resp_error(q, MHD_HTTP_RANGE_NOT_SATISFIABLE,
		    "range_not_satisfiable", "the file has %lld bytes",
		    (long long)it->size);
		snprintf(buf, sizeof(buf), "bytes */%lld", (long long)it->size);
		MHD_add_response_header(q->resp, MHD_HTTP_HEADER_CONTENT_RANGE,
		    buf);
		goto out;
	}
	if (rg == 0) {
		off = 0;
		len = (uint64_t)it->size;
		snprintf(note, sizeof(note), "downloaded through the API");
	} else
		snprintf(note, sizeof(note), "downloaded through the API: "
		    "bytes %llu-%llu", (unsigned long long)off,
		    (unsigned long long)(off + len - 1));

	/* the download is custody: recorded before a byte is sent (a HEAD
	 * sends none, and records nothing; the file is checked the same) */
	memset(&j, 0, sizeof(j));
	j.req.action = "access";
	j.req.actor = q->tok.name;
	j.req.note = note;
	j.ref = it->id;
	if (!q->head && (j.key = bc_station_key(q, BC_ROLE_CUSTODIAN)) ==
	    NULL)
		goto out;
	if (!q->head && (r = bc_writer_run_events(q->srv->w, event_job, &j,
	    &err)) != 0) {
		if (j.res.purged)
			bc_resp_error(q, MHD_HTTP_GONE, "gone", "%s", err.msg);
		else
			bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((resp = MHD_create_response_from_fd_at_offset64(len, fd,
	    off)) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	fd = -1;	/* the response owns it */
	if (bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &m, NULL) == 0)
		mime = bc_doc_str(m, "media.mime");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    mime != NULL && strchr(mime, '\n') == NULL ? mime :
	    "application/octet-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (rg == 1) {
		snprintf(buf, sizeof(buf), "bytes %llu-%llu/%lld",
		    (unsigned long long)off,
		    (unsigned long long)(off + len - 1), (long long)it->size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE,
		    buf);
	}
	if (!q->head) {
		snprintf(buf, sizeof(buf), "%lld", (long long)j.res.seq);
		MHD_add_response_header(resp, "X-Bodycam-Event-Seq", buf);
		MHD_add_response_header(resp, "X-Bodycam-Event-Hash",
		    j.res.hash);
	}
	MHD_add_response_header(resp, "X-Bodycam-SHA256", it->sha256);
	bc_resp_raw_len(q, rg == 1 ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK,
	    resp, (int64_t)len);
 out:
	if (fd >= 0)
		close(fd);
	json_decref(m);
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * POST /v1/items/{id}/verify
 */
static void
h_verify(struct bc_req *q)
{
	static const struct field fields[] = {
		{ "no_file", F_BOOL, 0 }, { NULL, 0, 0 }
	};
	struct bc_catalog *cat = NULL;
	struct bc_item *it = NULL;
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct event_job j;
	struct bc_err err = { 0 };
	const char **failed = NULL;
	char (*names)[BC_CHECK_NAME_MAX + 32] = NULL;
	json_t *doc = NULL, *o = NULL;
	size_t i, n = 0;
	int r;

	memset(&rep, 0, sizeof(rep));
	memset(&j, 0, sizeof(j));
	if (q->body.len > 0 && (doc = body_parse(q, fields)) == NULL)
		return;
	/* known before the file is hashed, not after */
	if ((j.key = bc_station_key(q, BC_ROLE_AUDITOR)) == NULL)
		goto out;
	memset(&vo, 0, sizeof(vo));
	vo.no_file = json_is_true(json_object_get(doc, "no_file"));
	cat = bc_pool_get(q->srv);
	if ((it = path_item(q, cat)) == NULL)
		goto out;
	if ((r = bc_verify_item(cat, it, &vo, &rep, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	bc_pool_put(q->srv, cat);
	cat = NULL;
	if ((o = report_json(q->srv, &rep)) == NULL)
		goto oom;
	if (rep.state.purged) {
		/* only a note may follow a purge: the outcome is not recorded */
		bc_resp_json(q, MHD_HTTP_OK, o);
		o = NULL;
		goto out;
	}
	if (rep.nchecks > 0 &&
	    ((failed = calloc(rep.nchecks, sizeof(*failed))) == NULL ||
	    (names = calloc(rep.nchecks, sizeof(*names))) == NULL))
		goto oom;
	for (i = 0; i < rep.nchecks; i++) {
		if (rep.checks[i].ok)
			continue;
		if (rep.checks[i].seq >= 0)
			snprintf(names[n], sizeof(names[n]), "%s seq %lld",
			    rep.checks[i].name, (long long)rep.checks[i].seq);
		else
			snprintf(names[n], sizeof(names[n]), "%s",
			    rep.checks[i].name);
		failed[n] = names[n];
		n++;
	}
	j.req.action = "verify";
	j.req.actor = q->tok.name;
	j.req.outcome = rep.status == 0 ? "passed" : "failed";
	j.req.failed = failed;
	j.req.nfailed = n;
	j.req.measured = rep.measured[0] ? rep.measured : NULL;
	j.ref = it->id;
	if ((r = bc_writer_run_events(q->srv->w, event_job, &j, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	json_object_set_new(o, "recorded", json_pack("{s:I, s:s}", "seq",
	    (json_int_t)j.res.seq, "hash", j.res.hash));
	bc_resp_json(q, MHD_HTTP_OK, o);
	o = NULL;
	goto out;
 oom:
	bc_resp_bc(q, BC_ERR_NOMEM, NULL);
 out:
	free(failed);
	free(names);
	json_decref(o);
	json_decref(doc);
	bc_verify_report_clear(&rep);
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * Checkpoints
 */

/* Whether the log has leaves that no stored checkpoint covers. */
static int
log_grew(struct bc_catalog *cat, int *grew, struct bc_err *err)
{
	struct bc_checkpoint_row *rows = NULL;
	size_t n = 0;
	uint64_t size;
	int r;

	*grew = 0;
	if ((r = bc_catalog_log_size(cat, &size, err)) != 0 ||
	    (r = bc_catalog_checkpoints(cat, 1, &rows, &n, err)) != 0)
		return r;
	*grew = size > 0 && (n == 0 || rows[0].size != size);
	bc_checkpoints_free(rows, n);
	return 0;
}

static int
checkpoint_job(struct bc_catalog *cat, struct bc_chain_cache *cache,
    void *arg, struct bc_err *err)
{
	const struct bc_key *key = arg;
	struct bc_checkpoint_row row;
	int r, grew;

	/* again under the lock: another request may have signed it */
	if ((r = log_grew(cat, &grew, err)) != 0 || !grew)
		return r;
	memset(&row, 0, sizeof(row));
	r = bc_tlog_checkpoint_locked(cat, key, &row, err);
	free(row.note);
	return r;
}

/*
 * Signs a checkpoint of the whole log when it grew since the last one and
 * the service holds an auditor key; 0 or a response.
 */
static int
fresh_checkpoint(struct bc_req *q)
{
	const struct bc_key *key = q->srv->by_role[BC_ROLE_AUDITOR];
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	int r, grew;

	if (key == NULL)
		return 0;
	/* a read first: most reads find nothing to sign, and need not
	 * wait for the writer */
	cat = bc_pool_get(q->srv);
	r = log_grew(cat, &grew, &err);
	bc_pool_put(q->srv, cat);
	if (r != 0) {
		bc_resp_bc(q, r, &err);
		return -1;
	}
	if (!grew)
		return 0;
	if ((r = bc_writer_run(q->srv->w, checkpoint_job, (void *)key,
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		return -1;
	}
	return 0;
}

/* The newest checkpoint, checked; a response when there is none. */
static int
latest(struct bc_req *q, struct bc_catalog *cat, struct bc_keyring **kr,
    struct bc_checkpoint_row *row, struct bc_signed_checkpoint *sc)
{
	struct bc_err err = { 0 };
	int r;

	if ((r = bc_keyring_load(cat, kr, &err)) != 0 ||
	    (r = bc_tlog_latest(cat, *kr, row, sc, &err)) != 0) {
		if (r == BC_ERR_NOT_FOUND)
			bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found", "no "
			    "checkpoint has been signed yet");
		else
			bc_resp_bc(q, r, &err);
		return -1;
	}
	return 0;
}

/* the checkpoint and partial tiles change as the log grows; full tiles
 * never (/log/) */
#define LOG_CACHE_SHORT	"public, max-age=10"
#define LOG_CACHE_FULL	"public, max-age=31536000, immutable"

/*
 * root is hex, as it has always been here; root_base64 is the spelling
 * a person compares with the checkpoint's third line.
 */
static json_t *
checkpoint_json(struct bc_catalog *cat, const struct bc_checkpoint_row *row,
    size_t ncosig)
{
	struct bc_err err = { 0 };
	char root64[BC_SHA256_LEN * 2];
	json_t *ts;

	/* the RFC 3161 tokens stored for it, read-only (tsa.h) */
	if ((ts = bc_tsa_timestamps_json(cat, row->id, &err)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)root64, row->root, BC_SHA256_LEN);
	return json_pack("{s:s%, s:I, s:o, s:s, s:s, s:s, s:o, s:I}", "note",
	    row->note, row->note_len, "size", (json_int_t)row->size, "root",
	    json_hex(row->root, BC_SHA256_LEN), "root_base64", root64, "key",
	    row->key, "created", row->created, "timestamps", ts,
	    "cosignatures", (json_int_t)ncosig);
}

/*
 * The newest checkpoint, signed first when the log grew: as JSON, or
 * (note) the signed note itself, as GET /log/checkpoint gives it.
 */
static void
checkpoint_answer(struct bc_req *q, int note)
{
	struct bc_catalog *cat;
	struct bc_keyring *kr = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_err err = { 0 };
	size_t ncosig = 0;
	int r;

	memset(&row, 0, sizeof(row));
	if (fresh_checkpoint(q) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if (latest(q, cat, &kr, &row, &sc) == 0 &&
	    (r = bc_tlog_cosigned(cat, &row, &ncosig, &err)) != 0)
		bc_resp_bc(q, r, &err);
	else if (q->resp == NULL && !note)
		bc_resp_json(q, MHD_HTTP_OK, checkpoint_json(cat, &row,
		    ncosig));
	else if (q->resp == NULL) {
		bc_resp_buffer(q, "text/plain; charset=utf-8",
		    LOG_CACHE_SHORT, row.note, row.note_len,
		    MHD_RESPMEM_MUST_FREE);
		row.note = NULL;
	}
	free(row.note);
	bc_keyring_free(kr);
	bc_pool_put(q->srv, cat);
}

static void
h_checkpoint(struct bc_req *q)
{
	checkpoint_answer(q, 0);
}

/*
 * GET /log/checkpoint, /log/tile/{path}, /log/tile/entries/{path}: the log
 * as C2SP tlog-tiles (c2sp.org/tlog-tiles), for monitors.  Only the tiles
 * of the newest signed checkpoint's tree are answered: a monitor can
 * authenticate every byte it gets.  A full tile never changes, nor does
 * a partial one of a given width, but a partial tile is superseded as
 * the log grows: it is cached briefly, as the checkpoint is.
 */

static void
h_log_checkpoint(struct bc_req *q)
{
	checkpoint_answer(q, 1);
}

static void
log_tile(struct bc_req *q, const char *prefix)
{
	struct bc_buf b = BC_BUF_INIT(BC_TILE_WIDTH * (BC_TILE_ENTRY_MAX + 2));
	struct bc_catalog *cat;
	struct bc_keyring *kr = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_err err = { 0 };
	struct bc_tile t;
	char path[BC_TILE_PATH_MAX + 16];
	char *p;
	size_t len;
	int r;

	memset(&row, 0, sizeof(row));
	if ((size_t)snprintf(path, sizeof(path), "%s%s", prefix, q->arg) >=
	    sizeof(path) || bc_tile_parse(path, &t) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "not a "
		    "tile path (c2sp.org/tlog-tiles): tile/L/N[.p/W] or "
		    "tile/entries/N[.p/W]");
		return;
	}
	cat = bc_pool_get(q->srv);
	if (latest(q, cat, &kr, &row, &sc) != 0)
		goto out;
	if (!bc_tile_in_tree(&t, row.size)) {
		bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found", "no such "
		    "tile in the tree of the newest checkpoint (%" PRIu64
		    " leaves)", row.size);
		goto out;
	}
	if ((r = bc_tile_read(cat, &t, &b, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((p = bc_buf_detach(&b, &len)) == NULL) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		goto out;
	}
	bc_resp_buffer(q, "application/octet-stream", t.width ==
	    BC_TILE_WIDTH ? LOG_CACHE_FULL : LOG_CACHE_SHORT, p, len,
	    MHD_RESPMEM_MUST_FREE);
 out:
	bc_buf_free(&b);
	free(row.note);
	bc_keyring_free(kr);
	bc_pool_put(q->srv, cat);
}

static void
h_log_tile(struct bc_req *q)
{
	log_tile(q, "tile/");
}

static void
h_log_entries(struct bc_req *q)
{
	log_tile(q, "tile/entries/");
}

/*
 * GET /v1/items/{id}/proof
 */

static int
proof_one(json_t *arr, struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, const char *what, int64_t seq,
    int64_t leaf, const char *data, size_t len, struct bc_err *err)
{
	struct bc_inclusion inc;
	json_t *o, *p;
	size_t i;
	int r;

	memset(&inc, 0, sizeof(inc));
	o = json_pack("{s:s, s:o, s:o}", "record", what, "seq", seq >= 0 ?
	    json_integer(seq) : json_null(), "leaf", leaf >= 0 ?
	    json_integer(leaf) : json_null());
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return BC_ERR_NOMEM;
	if (leaf < 0 || (uint64_t)leaf >= row->size) {
		json_object_set_new(o, "included", json_false());
		json_object_set_new(o, "error", json_string(leaf < 0 ?
		    "not in the log" : "newer than the checkpoint"));
		return 0;
	}
	r = bc_tlog_inclusion(cat, (uint64_t)leaf, data, len, row->size,
	    row->root, &inc, err);
	if (r == BC_ERR_INTEGRITY) {
		json_object_set_new(o, "included", json_false());
		json_object_set_new(o, "error", json_string(err->msg));
		return 0;
	}
	if (r != 0)
		return r;
	if ((p = json_array()) == NULL) {
		bc_inclusion_clear(&inc);
		return BC_ERR_NOMEM;
	}
	for (i = 0; i < inc.n; i++)
		json_array_append_new(p, json_hex(inc.proof[i],
		    BC_SHA256_LEN));
	json_object_set_new(o, "included", json_true());
	json_object_set_new(o, "leaf_hash", json_hex(inc.leaf,
	    BC_SHA256_LEN));
	json_object_set_new(o, "proof", p);
	bc_inclusion_clear(&inc);
	return 0;
}

static void
h_proof(struct bc_req *q)
{
	struct bc_catalog *cat = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_err err = { 0 };
	json_t *arr = NULL;
	size_t i, n = 0, ncosig = 0;
	int r;

	memset(&row, 0, sizeof(row));
	if (fresh_checkpoint(q) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((it = path_item(q, cat)) == NULL ||
	    latest(q, cat, &kr, &row, &sc) != 0)
		goto out;
	if ((r = bc_tlog_cosigned(cat, &row, &ncosig, &err)) != 0 ||
	    (r = bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	if ((arr = json_array()) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	r = proof_one(arr, cat, &row, "manifest", -1, it->leaf, it->manifest,
	    it->manifest_len, &err);
	for (i = 0; i < n && r == 0; i++)
		r = proof_one(arr, cat, &row, "event", ev[i].seq, ev[i].leaf,
		    ev[i].body, ev[i].body_len, &err);
	if (r != 0) {
		bc_resp_bc(q, r, &err);
		goto out;
	}
	bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:s, s:o, s:O}", "id",
	    it->id, "checkpoint", checkpoint_json(cat, &row, ncosig),
	    "records", arr));
 out:
	json_decref(arr);
	free(row.note);
	bc_keyring_free(kr);
	bc_events_free(ev, n);
	bc_item_free(it);
	bc_pool_put(q->srv, cat);
}

/*
 * POST /v1/releases, GET /v1/releases/{id}
 */
int
bc_release_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	/* bc_release writes NAME.tmpXXXXXX (mkdtemp: letters and digits)
	 * and renames it NAME when it is whole: that is never a name */
	if (n > 10 && strncmp(s + n - 10, ".tmp", 4) == 0) {
		for (i = n - 6; i < n; i++)
			if (s[i] == '.' || s[i] == '_' || s[i] == '-')
				break;
		if (i == n)
			return 0;
	}
	return 1;
}

static void
h_releases(struct bc_req *q)
{
	static const struct field fields[] = {
		{ "items", F_STRS, 1 }, { "to", F_STR, 1 },
		{ "authority", F_STR, 1 }, { "name", F_STR, 1 },
		{ "media", F_BOOL, 0 }, { NULL, 0, 0 }
	};
	struct bc_server *s = q->srv;
	struct bc_catalog *cat = NULL;
	const struct bc_key *key;
	struct bc_release_opts ro;
	struct bc_release_result res;
	struct bc_err err = { 0 };
	const char **refs = NULL;
	char dir[PATH_MAX], out[PATH_MAX];
	struct stat sb;
	json_t *doc, *items, *checks = NULL;
	size_t i, n;
	int r;

	memset(&res, 0, sizeof(res));
	if ((doc = body_parse(q, fields)) == NULL)
		return;
	items = json_object_get(doc, "items");
	n = json_array_size(items);
	if (n == 0 || n > 1000) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'items' "
		    "must name 1 to 1000 items");
		goto done;
	}
	if (!bc_release_name_ok(jstr(doc, "name"))) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'name' "
		    "must be 1 to 64 of A-Z a-z 0-9 . _ - and not start with "
		    "'.' nor end in '.tmp' and six letters or digits");
		goto done;
	}
	if ((key = bc_station_key(q, BC_ROLE_AUDITOR)) == NULL)
		goto done;
	if ((refs = calloc(n, sizeof(*refs))) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto done;
	}
	for (i = 0; i < n; i++)
		refs[i] = json_string_value(json_array_get(items, i));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/releases", s->storage) >=
	    sizeof(dir) || (size_t)snprintf(out, sizeof(out), "%s/%s", dir,
	    jstr(doc, "name")) >= sizeof(out)) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the storage path is too long");
		goto done;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "cannot make the releases directory: %s", strerror(errno));
		goto done;
	}
	/* whoever may write into storage must not be able to send the
	 * bundles elsewhere with a symbolic link */
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "<storage>/releases is not a directory (a symbolic link is "
		    "refused)");
		goto done;
	}
	memset(&ro, 0, sizeof(ro));
	ro.recipient = jstr(doc, "to");
	ro.authority = jstr(doc, "authority");
	ro.actor = q->tok.name;
	ro.no_media = json_is_false(json_object_get(doc, "media"));
	/* a connection of its own: bc_release runs its own transactions,
	 * beside the writer's (SQLite's lock orders them) */
	if ((r = bc_catalog_open(s->o.catalog, &cat, &err)) != 0) {
		bc_resp_bc(q, r, &err);
		goto done;
	}
	r = bc_release(cat, key, refs, n, out, &ro, &res, &err);
	if (r == BC_ERR_INTEGRITY && res.failed[0] != '\0') {
		checks = report_json(s, &res.report);
		bc_resp_error_with(q, MHD_HTTP_CONFLICT, "integrity",
		    json_pack("{s:s, s:o?}", "item", res.failed, "report",
		    checks), "%s", err.msg);
		goto done;
	}
	if (r != 0) {
		bc_resp_bc(q, r, &err);
		goto done;
	}
	snprintf(dir, sizeof(dir), "releases/%s", jstr(doc, "name"));
	bc_resp_json(q, MHD_HTTP_CREATED, json_pack("{s:s, s:O, s:I}",
	    "bundle", dir, "items", items, "checkpoint_size",
	    (json_int_t)res.checkpoint_size));
 done:
	bc_release_result_clear(&res);
	bc_catalog_close(cat);
	free(refs);
	json_decref(doc);
}

/*
 * GET /v1/releases/{id}[?format=tar|zip]: the bundle POST /v1/releases
 * wrote, as one archive.  It is as sensitive as the release itself, so
 * it takes the same role.  A bundle being written is not visible under
 * its name (bc_release renames it into place when it is whole).
 */
static void
h_release_get(struct bc_req *q)
{
	static const char *const args[] = { "format", NULL };
	const struct bc_server *s = q->srv;
	const char *fmt;
	char rel[128], clip[80];
	int root, dir, e, zip;

	if (query_only(q, args) != 0)
		return;
	if ((fmt = bc_req_query(q, "format")) == NULL ||
	    strcmp(fmt, "tar") == 0)
		zip = 0;
	else if (strcmp(fmt, "zip") == 0)
		zip = 1;
	else {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "'format' must be tar or zip");
		return;
	}
	if (!bc_release_name_ok(q->arg)) {
		bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found", "no release "
		    "named '%s'", bc_text_clip(q->arg, 64, clip,
		    sizeof(clip)));
		return;
	}
	if ((root = open(s->storage, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the storage directory cannot be opened: %s",
		    strerror(errno));
		return;
	}
	snprintf(rel, sizeof(rel), "releases/%s", q->arg);
	dir = bc_open_beneath(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	close(root);
	if (dir >= 0)
		bc_bundle_send(q, dir, q->arg, zip);
	else if (e == ENOENT)
		bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found", "no release "
		    "named '%s'", q->arg);
	else
		bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "release %s: "
		    "cannot be opened: %s", q->arg, e == ELOOP || e == EXDEV ||
		    e == ENOTDIR ? "a symbolic link (or something else than a "
		    "directory) on its path under storage" : strerror(e));
}

/*
 * GET /v1/cases, GET /v1/cases/{n}: as 'bodycam case list' and 'case show'
 */
static void
h_cases(struct bc_req *q)
{
	static const char *const args[] = { NULL };
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	json_t *cases = NULL;
	int64_t none = 0;
	int r;

	if (query_only(q, args) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0 ||
	    (r = bc_cases_json(cat, &cases, &none, &err)) != 0)
		bc_resp_bc(q, r, &err);
	else
		bc_resp_json(q, MHD_HTTP_OK, json_pack("{s:o, s:I}", "cases",
		    cases, "without_case", (json_int_t)none));
	bc_pool_put(q->srv, cat);
}

/*
 * GET /v1/retention/due[?all=1][&at=TIME]: as 'bodycam retention due
 * --json' (a listing from the derived rows; a purge judges again).
 */
static void
h_retention_due(struct bc_req *q)
{
	static const char *const args[] = { "all", "at", NULL };
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	struct bc_policy p;
	struct bc_retention_item *v = NULL;
	struct bc_retention_summary sum;
	const char *attext;
	char at[BC_TIME_MAX];
	int64_t all;
	time_t now = bc_now();
	size_t n = 0;
	int r;

	if (query_only(q, args) != 0 ||
	    query_uint(q, "all", 0, 1, &all) != 0)
		return;
	if ((attext = bc_req_query(q, "at")) != NULL &&
	    bc_time_parse(attext, 1, &now) != 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "'at' must be a date or an RFC 3339 time");
		return;
	}
	bc_time_format(now, at);
	memset(&p, 0, sizeof(p));
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0 ||
	    (r = bc_policy_current(cat, &p, &err)) != 0 ||
	    (r = bc_retention_due(cat, &p, now, (int)all, &v, &n, &sum,
	    &err)) != 0)
		bc_resp_bc(q, r, &err);
	else
		bc_resp_json(q, MHD_HTTP_OK, bc_retention_json(&p, at, v, n,
		    &sum));
	bc_pool_put(q->srv, cat);
	free(v);
	bc_policy_free(&p);
}

/* GET /v1/retention/policy: every version, as 'retention policy list'. */
static void
h_retention_policy(struct bc_req *q)
{
	static const char *const args[] = { NULL };
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_policy *ps = NULL;
	json_t *arr = NULL, *o;
	size_t i, n = 0;
	int r;

	if (query_only(q, args) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0 ||
	    (r = bc_keyring_load(cat, &kr, &err)) != 0 ||
	    (r = bc_policies_load(cat, kr, &ps, &n, &err)) != 0)
		bc_resp_bc(q, r, &err);
	else {
		arr = json_array();
		for (i = 0; arr != NULL && i < n; i++)
			if ((o = bc_policy_json(&ps[i])) == NULL ||
			    json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		bc_resp_json(q, MHD_HTTP_OK, arr == NULL ? NULL :
		    json_pack("{s:o}", "policies", arr));
	}
	bc_pool_put(q->srv, cat);
	bc_policies_free(ps, n);
	bc_keyring_free(kr);
}

static void
h_case(struct bc_req *q)
{
	static const char *const args[] = { NULL };
	struct bc_catalog *cat;
	struct bc_err err = { 0 };
	json_t *doc = NULL;
	int r;

	if (query_only(q, args) != 0)
		return;
	cat = bc_pool_get(q->srv);
	if ((r = bc_catalog_snapshot(cat, &err)) != 0 ||
	    (r = bc_case_json(cat, q->arg, &doc, &err)) != 0)
		bc_resp_bc(q, r, &err);
	else
		bc_resp_json(q, MHD_HTTP_OK, doc);
	bc_pool_put(q->srv, cat);
}

const struct bc_route bc_routes[] = {
	{ "GET", "/v1/healthz", h_healthz, BC_ROLE_NONE, 0, NULL, 0 },
	{ "GET", "/v1/openapi.json", h_openapi, BC_ROLE_NONE, 0, NULL, 0 },
	/* a JSON body names a file; application/octet-stream is the file */
	{ "POST", "/v1/items", h_items_post, BC_ROLE_INGEST,
	    1, &bc_upload_stream, 0 },
	{ "GET", "/v1/items", h_items_list, BC_ROLE_ANY, 0, NULL, 0 },
	{ "GET", "/v1/items/{id}", h_item_get, BC_ROLE_ANY, 0, NULL, 0 },
	{ "GET", "/v1/items/{id}/custody", h_item_custody, BC_ROLE_ANY,
	    0, NULL, 0 },
	{ "GET", "/v1/items/{id}/media", h_media, BC_ROLE_CUSTODIAN,
	    0, NULL, 0 },
	/* the role depends on the action: checked by the handler */
	{ "POST", "/v1/items/{id}/events", h_events_post, BC_ROLE_ANY,
	    1, NULL, 0 },
	{ "POST", "/v1/items/{id}/verify", h_verify, BC_ROLE_AUDITOR,
	    1, NULL, 0 },
	{ "GET", "/v1/items/{id}/proof", h_proof, BC_ROLE_ANY, 0, NULL, 0 },
	{ "GET", "/v1/cases", h_cases, BC_ROLE_ANY, 0, NULL, 0 },
	{ "GET", "/v1/cases/{id}", h_case, BC_ROLE_ANY, 0, NULL, 0 },
	{ "GET", "/v1/retention/due", h_retention_due, BC_ROLE_ANY,
	    0, NULL, 0 },
	{ "GET", "/v1/retention/policy", h_retention_policy, BC_ROLE_ANY,
	    0, NULL, 0 },
	{ "GET", "/v1/checkpoint", h_checkpoint, BC_ROLE_ANY, 0, NULL, 0 },
	/* the log for monitors (tlog-tiles); no token with --log-access
	 * public; entries before tiles, which would take them too */
	{ "GET", "/log/checkpoint", h_log_checkpoint, BC_ROLE_ANY, 0, NULL,
	    1 },
	{ "GET", "/log/tile/entries/{path}", h_log_entries, BC_ROLE_ANY, 0,
	    NULL, 1 },
	{ "GET", "/log/tile/{path}", h_log_tile, BC_ROLE_ANY, 0, NULL, 1 },
	{ "POST", "/v1/releases", h_releases, BC_ROLE_AUDITOR, 1, NULL, 0 },
	{ "GET", "/v1/releases/{id}", h_release_get, BC_ROLE_AUDITOR,
	    0, NULL, 0 },
	{ "POST", "/v1/uploads", bc_h_uploads_post, BC_ROLE_INGEST,
	    1, NULL, 0 },
	{ "GET", "/v1/uploads/{id}", bc_h_upload_get, BC_ROLE_INGEST,
	    0, NULL, 0 },
	{ "PUT", "/v1/uploads/{id}", NULL, BC_ROLE_INGEST,
	    0, &bc_chunk_stream, 0 },
	{ "DELETE", "/v1/uploads/{id}", bc_h_upload_delete, BC_ROLE_INGEST,
	    0, NULL, 0 },
	/* Prometheus scrapes with an auditor's token */
	{ "GET", "/metrics", bc_h_metrics, BC_ROLE_AUDITOR, 0, NULL, 0 },
	{ NULL, NULL, NULL, 0, 0, NULL, 0 }
};
