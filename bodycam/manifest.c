/*
 * manifest.c - building, sealing and reading signed documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bodycam/canon.h"
#include "bodycam/manifest.h"
#include "bodycam/note.h"
#include "bodycam/text.h"

/* Whether name is a field's name (lower case and '_'), not a phrase. */
static int
is_field_name(const char *name)
{
	return name[0] != '\0' && strspn(name, "abcdefghijklmnopqrstuvwxyz_") ==
	    strlen(name);
}

int
bc_field_check(const char *name, const char *v, size_t max,
    struct bc_err *err)
{
	const char *field = is_field_name(name) ? name : "";
	size_t n;
	int r;

	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n == 0)
		return bc_err_field(err, BC_ERR_INVALID, field, "%s is empty",
		    name);
	if (n > max)
		return bc_err_field(err, BC_ERR_INVALID, field,
		    "%s is %zu bytes long; at most %zu are allowed", name, n,
		    max);
	/* no control, bidi control or line separator; valid UTF-8 */
	if ((r = bc_text_check(name, v, err)) != 0 && err != NULL)
		snprintf(err->field, sizeof(err->field), "%s", field);
	return r;
}

int
bc_operator_fields_check(const struct bc_operator_fields *op,
    struct bc_err *err)
{
	size_t i;
	int r;

	if ((r = bc_field_check("officer", op->officer, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("device", op->device, BC_FIELD_MAX, err)) != 0 ||
	    (r = bc_field_check("case", op->case_no, BC_FIELD_MAX, err)) != 0 ||
	    (r = bc_field_check("category", op->category, BC_FIELD_MAX,
	    err)) != 0)
		return r;
	if (op->ntags > BC_TAGS_MAX)
		return bc_err_field(err, BC_ERR_INVALID, "tags",
		    "%zu tags given; at most %d are allowed", op->ntags,
		    BC_TAGS_MAX);
	for (i = 0; i < op->ntags; i++)
		if ((r = bc_field_check("a tag", op->tags[i], BC_TAG_MAX,
		    err)) != 0) {
			if (err != NULL)
				snprintf(err->field, sizeof(err->field),
				    "tags");
			return r;
		}
	return 0;
}

/* json_object_set_new that reports failure (NULL value or OOM). */
static int
put(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL)
		return -1;
	return json_object_set_new(obj, key, v);
}

static int
put_opt_str(json_t *obj, const char *key, const char *v)
{
	return v == NULL ? 0 : put(obj, key, json_string(v));
}

/* Adds a new empty object (or array) under key; returns it, borrowed. */
static json_t *
put_child(json_t *parent, const char *key, json_t *child)
{
	if (child == NULL || json_object_set_new(parent, key, child) != 0)
		return NULL;
	return child;
}

int
bc_manifest_build(const struct bc_manifest_in *in, json_t **out,
    struct bc_err *err)
{
	const struct bc_operator_fields *op = in->op;
	json_t *m, *file, *media, *capture, *kase, *tags, *reg;
	size_t i;
	int r;

	*out = NULL;
	if (op != NULL && (r = bc_operator_fields_check(op, err)) != 0)
		return r;
	if (in->size > (uint64_t)BC_JSON_MAX_SAFE)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "file too large");
	if ((m = json_object()) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	/* children are owned by m from here on; one decref frees all; what
	 * the camera recorded (meta.h) is the base of media and capture */
	if ((file = put_child(m, "file", json_object())) == NULL ||
	    (media = put_child(m, "media", in->meta ?
	    json_deep_copy(json_object_get(in->meta, "media")) :
	    json_object())) == NULL ||
	    (capture = put_child(m, "capture", in->meta ?
	    json_deep_copy(json_object_get(in->meta, "capture")) :
	    json_object())) == NULL ||
	    (in->meta != NULL && put_child(m, "warnings",
	    json_deep_copy(json_object_get(in->meta, "warnings"))) == NULL) ||
	    (in->sidecar != NULL && put_child(m, "sidecar",
	    json_deep_copy(in->sidecar)) == NULL) ||
	    (kase = put_child(m, "case", json_object())) == NULL ||
	    (tags = put_child(m, "tags", json_array())) == NULL ||
	    (reg = put_child(m, "registered", json_object())) == NULL)
		goto bad;
	if (put(m, "type", json_string(BC_MANIFEST_TYPE)) ||
	    bc_doc_set_log(m, in->log) != 0 ||
	    put(m, "id", json_string(in->id)) ||
	    bc_json_set_name(file, "name", in->file_name) != 0 ||
	    put(file, "size", json_integer((json_int_t)in->size)) ||
	    put(file, "sha256", json_string(in->sha256)) ||
	    put(media, "mime", json_string(in->mime)) ||
	    put(reg, "at", json_string(in->registered_at)) ||
	    put(reg, "station", json_string(in->station)) ||
	    put(reg, "key", json_string(in->key_id)))
		goto bad;
	if (in->derived != NULL) {
		json_t *d = put_child(m, "derived", json_object());

		if (d == NULL ||
		    put(d, "from", json_string(in->derived->from)) ||
		    put(d, "manifest", json_string(in->derived->manifest)) ||
		    put(d, "sha256", json_string(in->derived->sha256)) ||
		    put(d, "reason", json_string(in->derived->reason)))
			goto bad;
	}
	if (op != NULL) {
		if (put_opt_str(capture, "officer", op->officer) ||
		    put_opt_str(capture, "device", op->device) ||
		    put_opt_str(kase, "number", op->case_no) ||
		    put_opt_str(kase, "category", op->category))
			goto bad;
		for (i = 0; i < op->ntags; i++)
			if (json_array_append_new(tags,
			    json_string(op->tags[i])) != 0)
				goto bad;
	}
	*out = m;
	return 0;
 bad:
	json_decref(m);
	return bc_err_set(err, BC_ERR_INVALID,
	    "cannot build manifest (a value is not valid UTF-8?)");
}

void
bc_signed_clear(struct bc_signed *s)
{
	if (s == NULL)
		return;
	free(s->text);
	memset(s, 0, sizeof(*s));
}

int
bc_doc_seal(const json_t *doc, const struct bc_key *key,
    struct bc_signed *out, struct bc_err *err)
{
	uint8_t digest[BC_SHA256_LEN];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = bc_canon_dump(doc, &out->text, &out->len, err)) != 0)
		return r;
	if ((r = bc_sha256(out->text, out->len, digest)) != 0) {
		bc_signed_clear(out);
		return bc_err_set(err, r, "SHA-256 failed");
	}
	bc_hex(digest, sizeof(digest), out->hash);
	if ((r = bc_sign(key, out->text, out->len, out->sig)) != 0) {
		bc_signed_clear(out);
		return bc_err_set(err, r, "signing failed: %s",
		    bc_strerror(r));
	}
	return 0;
}

int
bc_event_build(const char *item, int64_t seq, const char *prev,
    const char *action, const char *actor, const char *at,
    json_t *details, const char *key_id, const char *log, json_t **out,
    struct bc_err *err)
{
	json_t *e;

	*out = NULL;
	if ((e = json_object()) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if (put(e, "type", json_string(BC_EVENT_TYPE)) ||
	    bc_doc_set_log(e, log) != 0 ||
	    put(e, "item", json_string(item)) ||
	    put(e, "seq", json_integer((json_int_t)seq)) ||
	    put(e, "prev", json_string(prev)) ||
	    put(e, "action", json_string(action)) ||
	    put(e, "actor", json_string(actor)) ||
	    put(e, "at", json_string(at)) ||
	    put(e, "details", details ? json_incref(details) : json_object()) ||
	    put(e, "key", json_string(key_id))) {
		json_decref(e);
		return bc_err_set(err, BC_ERR_INVALID,
		    "cannot build event (a value is not valid UTF-8?)");
	}
	*out = e;
	return 0;
}

int
bc_doc_parse(const char *text, size_t len, const char *type, json_t **out,
    struct bc_err *err)
{
	json_t *doc = NULL;
	const json_t *log;
	const char *t;
	int64_t v;
	int r;

	*out = NULL;
	/* exactly canonical, in one pass (canon.h) */
	if ((r = bc_canon_read(text, len, &doc, err)) != 0)
		return r;
	if (!json_is_object(doc)) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "not a JSON object");
		goto fail;
	}
	if ((t = bc_doc_str(doc, "type")) == NULL || strcmp(t, type) != 0) {
		r = bc_err_set(err, BC_ERR_MALFORMED,
		    "document type is '%s', expected '%s'", t ? t : "(none)",
		    type);
		goto fail;
	}
	if (bc_doc_int(doc, "version", &v) != 0 ||
	    (v != BC_DOC_VERSION && v != BC_DOC_VERSION_UNBOUND)) {
		r = bc_err_set(err, BC_ERR_MALFORMED,
		    "unsupported document version");
		goto fail;
	}
	log = json_object_get(doc, "log");
	if (v == BC_DOC_VERSION_UNBOUND ? log != NULL :
	    !json_is_string(log) || json_string_length(log) == 0 ||
	    json_string_length(log) > BC_ORIGIN_MAX) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "a version %lld "
		    "document %s", (long long)v, v == BC_DOC_VERSION_UNBOUND ?
		    "names no log" : "names its log (1 to 255 bytes)");
		goto fail;
	}
	*out = doc;
	return 0;
 fail:
	json_decref(doc);
	return r;
}

static const json_t *
doc_get(const json_t *doc, const char *path)
{
	char part[64];
	const char *dot;
	size_t n;

	while (doc != NULL && json_is_object(doc)) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		doc = json_object_get(doc, part);
		if (dot == NULL)
			return doc;
		path = dot + 1;
	}
	return NULL;
}

int
bc_doc_set_log(json_t *doc, const char *log)
{
	if (log == NULL) {
		json_object_del(doc, "log");
		return put(doc, "version",
		    json_integer(BC_DOC_VERSION_UNBOUND)) ? BC_ERR_NOMEM : 0;
	}
	if (put(doc, "version", json_integer(BC_DOC_VERSION)) ||
	    put(doc, "log", json_string(log)))
		return BC_ERR_NOMEM;
	return 0;
}

const char *
bc_doc_log(const json_t *doc)
{
	return bc_doc_str(doc, "log");
}

int
bc_doc_log_check(const json_t *doc, const char *origin, int64_t leaf,
    int64_t bound_from, struct bc_err *why)
{
	const char *log = bc_doc_log(doc);

	if (log != NULL) {
		if (origin == NULL || strcmp(log, origin) != 0)
			return bc_err_set(why, BC_ERR_INTEGRITY, "the record "
			    "names the log '%.80s', not this one ('%.80s'): "
			    "it was signed for another catalog", log,
			    origin ? origin : "(unknown)");
		bc_err_set(why, 0, "bound to %.80s", log);
		return 0;
	}
	if (bound_from >= 0 && leaf >= bound_from)
		return bc_err_set(why, BC_ERR_INTEGRITY, "an unbound (version "
		    "1) record at leaf %lld, after the log began to bind its "
		    "records at leaf %lld: replayed from elsewhere",
		    (long long)leaf, (long long)bound_from);
	bc_err_set(why, 0, "unbound: a version 1 record names no log");
	return 1;
}

const char *
bc_doc_str(const json_t *doc, const char *path)
{
	const json_t *v = doc_get(doc, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
bc_doc_int(const json_t *doc, const char *path, int64_t *out)
{
	const json_t *v = doc_get(doc, path);

	if (!json_is_integer(v))
		return BC_ERR_NOT_FOUND;
	*out = (int64_t)json_integer_value(v);
	return 0;
}
