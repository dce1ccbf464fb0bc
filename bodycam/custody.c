/*
 * custody.c - the actions, their rules, and appending a custody event.
 *
 * The writer and the checkers share bc_custody_rule: what 'custody add'
 * refuses is exactly what verify and audit report, so a rule cannot be
 * enforced in one place and forgotten in the other.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/canon.h"
#include "bodycam/clock.h"
#include "bodycam/custody.h"
#include "bodycam/keys.h"
#include "bodycam/retention.h"
#include "bodycam/text.h"
#include "internal.h"

static const char *const action_names[BC_ACT_COUNT] = {
	[BC_ACT_REGISTER] = "register",
	[BC_ACT_ACCESS] = "access",
	[BC_ACT_COPY] = "copy",
	[BC_ACT_TRANSFER] = "transfer",
	[BC_ACT_HOLD] = "hold",
	[BC_ACT_UNHOLD] = "unhold",
	[BC_ACT_DERIVE] = "derive",
	[BC_ACT_VERIFY] = "verify",
	[BC_ACT_PURGE] = "purge",
	[BC_ACT_NOTE] = "note",
	[BC_ACT_RELEASE] = "release",
	[BC_ACT_ANNOTATE] = "annotate",
	[BC_ACT_RELOCATE] = "relocate",
};

int
bc_action_parse(const char *name)
{
	int a;

	if (name == NULL)
		return -1;
	for (a = 0; a < BC_ACT_COUNT; a++)
		if (strcmp(action_names[a], name) == 0)
			return a;
	return -1;
}

const char *
bc_action_name(int a)
{
	return a >= 0 && a < BC_ACT_COUNT ? action_names[a] : "?";
}

int
bc_action_needs_reason(int a)
{
	return a == BC_ACT_TRANSFER || a == BC_ACT_HOLD ||
	    a == BC_ACT_UNHOLD || a == BC_ACT_DERIVE || a == BC_ACT_PURGE ||
	    a == BC_ACT_RELEASE || a == BC_ACT_ANNOTATE;
}

int
bc_action_needs_to(int a)
{
	return a == BC_ACT_COPY || a == BC_ACT_TRANSFER ||
	    a == BC_ACT_RELEASE;
}

static const char *const fate_names[] = {
	[BC_MEDIA_NONE] = "",
	[BC_MEDIA_DESTROYED] = "destroyed",
	[BC_MEDIA_ABSENT] = "absent",
	[BC_MEDIA_KEPT] = "kept",
};

const char *
bc_media_fate_name(int fate)
{
	return fate > BC_MEDIA_NONE && fate <= BC_MEDIA_KEPT ?
	    fate_names[fate] : "";
}

int
bc_media_fate_parse(const char *name)
{
	int f;

	for (f = BC_MEDIA_DESTROYED; name != NULL && f <= BC_MEDIA_KEPT; f++)
		if (strcmp(name, fate_names[f]) == 0)
			return f;
	return BC_MEDIA_NONE;
}

int
bc_media_fate_valid(const char *name)
{
	return bc_media_fate_parse(name) != BC_MEDIA_NONE;
}

/* A non-empty string member of details, or NULL. */
static const char *
detail(const json_t *details, const char *name)
{
	const char *s = json_string_value(json_object_get(details, name));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int rule_check(struct bc_custody_state *, const json_t *,
    const char *, struct bc_err *);

int
bc_relocate_path_check(const char *path, size_t len, struct bc_err *err)
{
	const char *seg, *p;
	size_t i, n;

	if (path == NULL || len == 0)
		return bc_err_set(err, BC_ERR_INVALID, "no path");
	if (memchr(path, '\0', len) != NULL || strlen(path) != len)
		return bc_err_set(err, BC_ERR_INVALID, "the path holds a NUL");
	if (len >= PATH_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "the path is %zu bytes, "
		    "longer than PATH_MAX", len);
	if (path[0] != '/')
		return bc_err_set(err, BC_ERR_INVALID, "the path is not "
		    "absolute");
	if (!bc_utf8_valid(path))
		return bc_err_set(err, BC_ERR_INVALID, "the path is not "
		    "UTF-8");
	for (i = 0; i < len; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return bc_err_set(err, BC_ERR_INVALID, "the path holds "
			    "a control character");
	/* canonical, as realpath gives it: the name of one file */
	for (seg = path + 1; ; seg = p + 1) {
		p = strchr(seg, '/');
		n = p ? (size_t)(p - seg) : strlen(seg);
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return bc_err_set(err, BC_ERR_INVALID, "the path is "
			    "not canonical (an empty, '.' or '..' component)");
		if (p == NULL)
			break;
	}
	return 0;
}

/*
 * A relocate: the new place (details.path), what was re-hashed there
 * (details.size; details.sha256 is checked for every event) and the
 * place before (details.from), which must be the last relocate's path
 * when there was one: a chain of places with no gap.
 */
static int
relocate_check(const struct bc_custody_state *st, const json_t *details,
    struct bc_err *why)
{
	const json_t *path = json_object_get(details, "path");
	const json_t *size = json_object_get(details, "size");
	const char *from = json_string_value(json_object_get(details,
	    "from"));
	struct bc_err e = { 0 };

	if (!json_is_string(path))
		return bc_err_set(why, BC_ERR_INTEGRITY, "relocate event "
		    "names no path");
	if (bc_relocate_path_check(json_string_value(path),
	    json_string_length(path), &e) != 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "relocate event "
		    "path: %s", e.msg);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "relocate event "
		    "gives no size");
	if (from == NULL)
		return bc_err_set(why, BC_ERR_INTEGRITY, "relocate event "
		    "does not name the place before ('from')");
	if (st->path[0] != '\0' && strcmp(from, st->path) != 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "relocate event "
		    "moves the file from another place than the last "
		    "relocate's");
	return 0;
}

const char *
bc_custody_place(const struct bc_item *it,
    const struct bc_custody_state *st)
{
	return st != NULL && st->path[0] != '\0' ? st->path : it->path;
}

int
bc_custody_place_of(struct bc_catalog *cat, const struct bc_item *it,
    char *out, size_t outsz, struct bc_err *err)
{
	struct bc_custody_state *st;
	struct bc_err e = { 0 };
	int r;

	/* a state holds a path: not on the stack of a service thread */
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	r = bc_custody_state_of(cat, it, st, NULL, &e);
	if (r == 0 || r == BC_ERR_INTEGRITY) {
		snprintf(out, outsz, "%s", bc_custody_place(it, st));
		r = 0;
	} else
		bc_err_set(err, r, "%s", e.msg);
	free(st);
	return r;
}

int
bc_custody_rule(struct bc_custody_state *st, const json_t *event,
    const char *sha256, struct bc_err *why)
{
	const char *at;
	int r;

	if ((r = rule_check(st, event, sha256, why)) == 0)
		return 0;
	/* counted all the same: the next event is judged in its place */
	st->nevents++;
	at = bc_doc_str(event, "at");
	if (bc_time_is_stamp(at) && strcmp(at, st->last_at) > 0)
		snprintf(st->last_at, sizeof(st->last_at), "%s", at);
	return r;
}

static int
rule_check(struct bc_custody_state *st, const json_t *event,
    const char *sha256, struct bc_err *why)
{
	const json_t *details = json_object_get(event, "details");
	const json_t *child;
	const char *name = bc_doc_str(event, "action");
	const char *actor = bc_doc_str(event, "actor");
	const char *at = bc_doc_str(event, "at");
	const char *s;
	int a = bc_action_parse(name);

	static const char *const members[] = { "action", "actor", "at",
	    "details", "item", "key", "log", "prev", "seq", "type",
	    "version" };
	const char *k;
	json_t *v;
	size_t i;

	if (a < 0)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "unknown action '%.32s'", name ? name : "(none)");
	/* a signed event says exactly what the format says, nothing more */
	json_object_foreach((json_t *)event, k, v) {
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (strcmp(k, members[i]) == 0)
				break;
		if (i == sizeof(members) / sizeof(members[0]))
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "event carries an unknown member '%.32s'", k);
	}
	if (!json_is_object(details))
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "%s event has no details object", name);
	if (actor == NULL || actor[0] == '\0')
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "%s event names no actor", name);
	if (!bc_time_is_stamp(at))
		return bc_err_set(why, BC_ERR_INTEGRITY, "%s event time '%.40s' "
		    "is not a UTC time stamp", name, at ? at : "(none)");
	if (strcmp(at, st->last_at) < 0)
		return bc_err_set(why, BC_ERR_INTEGRITY, "%s event recorded at "
		    "%s, before the event before it (%s)", name, at,
		    st->last_at);
	if ((st->nevents == 0) != (a == BC_ACT_REGISTER))
		return bc_err_set(why, BC_ERR_INTEGRITY, st->nevents == 0 ?
		    "the first event is '%s', not 'register'" :
		    "'%s' after the first event", name);
	s = detail(details, "sha256");
	if (sha256 != NULL && (s == NULL || strcmp(s, sha256) != 0))
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "%s event names file SHA-256 %.16s..., not the sealed "
		    "%.16s...", name, s ? s : "(none)", sha256);
	if (st->purged && a != BC_ACT_NOTE)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "'%s' after the item was purged at %s; only 'note' may "
		    "follow a purge", name, st->purged_at);
	if (bc_action_needs_to(a) && detail(details, "to") == NULL)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "%s event does not name a recipient ('to')", name);
	if (bc_action_needs_reason(a) && detail(details, "reason") == NULL)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "%s event gives no reason", name);
	if (a != BC_ACT_ANNOTATE && (json_object_get(details, "set") != NULL ||
	    json_object_get(details, "clear") != NULL))
		return bc_err_set(why, BC_ERR_INTEGRITY, "%s event carries an "
		    "annotation ('set' or 'clear')", name);
	switch (a) {
	case BC_ACT_ANNOTATE:
		if (bc_annotation_check(details, why) != 0)
			return BC_ERR_INTEGRITY;
		break;
	case BC_ACT_HOLD:
		if (st->held)
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "hold while the item is already on legal hold");
		break;
	case BC_ACT_UNHOLD:
		if (!st->held)
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "unhold while the item is not on legal hold");
		break;
	case BC_ACT_PURGE:
		if (st->held)
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "purge while the item is on legal hold");
		break;
	case BC_ACT_RELEASE:
		if (st->last_action != BC_ACT_VERIFY ||
		    strcmp(st->last_verify, "passed") != 0)
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "release not right after a passing verification");
		s = json_string_value(json_object_get(details, "media"));
		if (json_object_get(details, "media") != NULL && (s == NULL ||
		    (strcmp(s, "included") != 0 && strcmp(s, "omitted") != 0)))
			return bc_err_set(why, BC_ERR_INTEGRITY, "release "
			    "media is neither 'included' nor 'omitted'");
		break;
	case BC_ACT_NOTE:
		/* what became of the media: only ever after a purge */
		if (json_object_get(details, "media") == NULL)
			break;
		s = json_string_value(json_object_get(details, "media"));
		if (!st->purged || s == NULL || !bc_media_fate_valid(s))
			return bc_err_set(why, BC_ERR_INTEGRITY, "note media "
			    "is not 'destroyed', 'absent' or 'kept' after a "
			    "purge");
		break;
	case BC_ACT_DERIVE:
		child = json_object_get(details, "child");
		if (!json_is_object(child) || detail(child, "id") == NULL ||
		    !bc_is_sha256_hex(detail(child, "manifest")))
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "derive event does not name the derived item");
		break;
	case BC_ACT_VERIFY:
		s = detail(details, "outcome");
		if (s == NULL || (strcmp(s, "passed") != 0 &&
		    strcmp(s, "failed") != 0))
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "verify event has no outcome 'passed' or 'failed'");
		break;
	case BC_ACT_RELOCATE:
		if (relocate_check(st, details, why) != 0)
			return BC_ERR_INTEGRITY;
		break;
	default:
		break;
	}

	/* the rules hold: apply */
	switch (a) {
	case BC_ACT_REGISTER:
		snprintf(st->custodian, sizeof(st->custodian), "%s", actor);
		break;
	case BC_ACT_TRANSFER:
		snprintf(st->custodian, sizeof(st->custodian), "%s",
		    detail(details, "to"));
		break;
	case BC_ACT_HOLD:
		st->held = 1;
		break;
	case BC_ACT_UNHOLD:
		st->held = 0;
		break;
	case BC_ACT_PURGE:
		st->purged = 1;
		snprintf(st->purged_at, sizeof(st->purged_at), "%s",
		    (s = bc_doc_str(event, "at")) ? s : "");
		snprintf(st->purged_by, sizeof(st->purged_by), "%s", actor);
		snprintf(st->purge_reason, sizeof(st->purge_reason), "%s",
		    detail(details, "reason"));
		break;
	case BC_ACT_VERIFY:
		snprintf(st->last_verify, sizeof(st->last_verify), "%s",
		    detail(details, "outcome"));
		break;
	case BC_ACT_ANNOTATE:
		bc_view_apply(&st->ann, details);
		break;
	case BC_ACT_NOTE:
		if ((s = detail(details, "media")) != NULL)
			snprintf(st->media, sizeof(st->media), "%s", s);
		break;
	case BC_ACT_RELOCATE:
		snprintf(st->path, sizeof(st->path), "%s",
		    detail(details, "path"));
		break;
	default:
		break;
	}
	snprintf(st->last_at, sizeof(st->last_at), "%s", at);
	st->last_action = a;
	st->nevents++;
	return 0;
}

/* json_object_set_new for optional strings; -1 on failure. */
static int
put_opt(json_t *obj, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	return json_object_set_new(obj, key, json_string(v));
}

static int check_req(int, const struct bc_custody_req *, struct bc_err *);

/* Whether the list of strings l names s. */
static int
list_has(const json_t *l, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(l, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static int
annotate_req_check(const struct bc_custody_req *req, struct bc_err *err)
{
	const json_t *lists[2] = { req->tag_add, req->tag_remove };
	const json_t *t;
	json_t *d;
	size_t i, j;
	int r, tagedit;

	tagedit = json_array_size(req->tag_add) +
	    json_array_size(req->tag_remove) > 0;
	if (tagedit && (json_object_get(req->set, "tags") != NULL ||
	    list_has(req->clear, "tags")))
		return bc_err_set(err, BC_ERR_INVALID, "annotate: give the "
		    "whole list of tags, or tags to add and remove, not both");
	for (j = 0; j < 2; j++) {
		if (lists[j] != NULL && !json_is_array(lists[j]))
			return bc_err_set(err, BC_ERR_INVALID,
			    "annotate: tags to add or remove are not a list");
		json_array_foreach(lists[j], i, t) {
			if (!json_is_string(t))
				return bc_err_set(err, BC_ERR_INVALID,
				    "annotate: a tag is not a string");
			if ((r = bc_field_check("a tag", json_string_value(t),
			    BC_TAG_MAX, err)) != 0)
				return r;
		}
	}
	if (tagedit && json_object_size(req->set) +
	    json_array_size(req->clear) == 0)
		return 0;
	if ((d = json_pack("{s:O*, s:O*}", "set", req->set, "clear",
	    req->clear)) == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "annotate: 'set' must "
		    "be an object and 'clear' a list");
	r = bc_annotation_check(d, err);
	json_decref(d);
	return r;
}

int
bc_custody_req_check(const struct bc_custody_req *req, struct bc_err *err)
{
	return check_req(bc_action_parse(req->action), req, err);
}

static int
check_req(int a, const struct bc_custody_req *req, struct bc_err *err)
{
	size_t i;
	int r;

	if (a < 0)
		return bc_err_set(err, BC_ERR_INVALID,
		    "unknown action '%s' (access, copy, transfer, hold, "
		    "unhold, derive, verify, purge, note, annotate, "
		    "relocate)",
		    req->action ? req->action : "(none)");
	if (a == BC_ACT_REGISTER)
		return bc_err_set(err, BC_ERR_INVALID,
		    "'register' is recorded by 'bodycam register'");
	if (req->actor == NULL)
		return bc_err_field(err, BC_ERR_INVALID, "actor",
		    "the actor (who did it) is required");
	if ((r = bc_field_check("actor", req->actor, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("to", req->to, BC_FIELD_MAX, err)) != 0 ||
	    (r = bc_field_check("reason", req->reason, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("location", req->location, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("note", req->note, BC_FIELD_MAX, err)) != 0)
		return r;
	if (bc_action_needs_to(a) && req->to == NULL)
		return bc_err_field(err, BC_ERR_INVALID, "to",
		    "%s needs the recipient", bc_action_name(a));
	if (!bc_action_needs_to(a) && req->to != NULL)
		return bc_err_field(err, BC_ERR_INVALID, "to",
		    "a recipient is for copy and transfer only");
	if (bc_action_needs_reason(a) && req->reason == NULL)
		return bc_err_field(err, BC_ERR_INVALID, "reason",
		    "%s needs a reason", bc_action_name(a));
	if (a == BC_ACT_DERIVE && req->file == NULL)
		return bc_err_field(err, BC_ERR_INVALID, "file",
		    "derive needs the derived file");
	if (a == BC_ACT_RELOCATE && req->file == NULL)
		return bc_err_set(err, BC_ERR_INVALID,
		    "relocate needs the file at its new place");
	if (req->file != NULL && a != BC_ACT_COPY && a != BC_ACT_DERIVE &&
	    a != BC_ACT_RELOCATE)
		return bc_err_field(err, BC_ERR_INVALID, "file",
		    "a file is for copy and derive only");
	if (a == BC_ACT_VERIFY && (req->outcome == NULL ||
	    (strcmp(req->outcome, "passed") != 0 &&
	    strcmp(req->outcome, "failed") != 0)))
		return bc_err_set(err, BC_ERR_INVALID,
		    "a verify event needs the outcome of a verification, "
		    "which verifying the item records");
	if (a == BC_ACT_ANNOTATE && (r = annotate_req_check(req, err)) != 0)
		return r;
	if (req->media != NULL && (a != BC_ACT_NOTE ||
	    !bc_media_fate_valid(req->media)) && (a != BC_ACT_RELEASE ||
	    (strcmp(req->media, "included") != 0 &&
	    strcmp(req->media, "omitted") != 0)))
		return bc_err_set(err, BC_ERR_INVALID, "media: 'included' or "
		    "'omitted' for a release, 'destroyed', 'absent' or "
		    "'kept' for a note after a purge");
	if (a != BC_ACT_ANNOTATE && (req->set != NULL || req->clear != NULL ||
	    req->tag_add != NULL || req->tag_remove != NULL))
		return bc_err_set(err, BC_ERR_INVALID,
		    "fields to set or clear are for annotate only");
	if (a != BC_ACT_VERIFY && (req->outcome != NULL ||
	    req->measured != NULL || req->nfailed > 0))
		return bc_err_set(err, BC_ERR_INVALID,
		    "an outcome is for verify events only");
	if (req->measured != NULL && !bc_is_sha256_hex(req->measured))
		return bc_err_set(err, BC_ERR_INVALID,
		    "the measured hash is not 64 lower-case hex digits");
	for (i = 0; i < req->nfailed; i++) {
		if (req->failed == NULL || req->failed[i] == NULL)
			return bc_err_set(err, BC_ERR_INVALID,
			    "a failed check has no name");
		if ((r = bc_field_check("a failed check", req->failed[i],
		    BC_FIELD_MAX, err)) != 0)
			return r;
	}
	return 0;
}

/*
 * After an annotate event at seq: stores the item's new current view (its
 * manifest with the annotations of st) for list to filter on.
 */
static int
view_store(struct bc_catalog *cat, const char *item, int64_t seq,
    const json_t *manifest, const struct bc_custody_state *st,
    struct bc_err *err)
{
	struct bc_view v;
	json_t *doc;
	char *text = NULL;
	size_t len;
	int r;

	bc_view_current(manifest, &st->ann, &v);
	if ((doc = bc_view_json(&v)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = bc_canon_dump(doc, &text, &len, err)) == 0)
		r = bc_catalog_put_view(cat, item, seq, text, len, err);
	free(text);
	json_decref(doc);
	return r;
}

/*
 * After the event at seq took item it from state before to after: its
 * derived rows (catalog.h), the current view after an annotation and the
 * status when the case, the category, the hold, the purge or the media's
 * fate changed.
 */
static int
derived_store(struct bc_catalog *cat, const struct bc_item *it, int64_t seq,
    const json_t *manifest, const struct bc_custody_state *before,
    const struct bc_custody_state *after, struct bc_err *err)
{
	struct bc_status s;
	int r;

	if (after->last_action == BC_ACT_ANNOTATE &&
	    (r = view_store(cat, it->manifest_hash, seq, manifest, after,
	    err)) != 0)
		return r;
	if (after->last_action != BC_ACT_ANNOTATE &&
	    before->held == after->held && before->purged == after->purged &&
	    strcmp(before->media, after->media) == 0)
		return 0;
	bc_status_make(it->num, it->manifest_hash, it->id, manifest,
	    &after->ann, seq, after->held, after->purged, after->media, &s);
	return bc_catalog_put_status(cat, &s, err);
}

/*
 * An annotation that sets a category the retention policy refuses
 * (retention.h: unlisted "refuse") is not recorded: a check of the
 * writer's, under the lock, not a rule (the policy may change later).
 */
static int
category_admitted(struct bc_catalog *cat, const char *id,
    const json_t *event, struct bc_err *err)
{
	const json_t *set = json_object_get(json_object_get(event, "details"),
	    "set");
	const char *c = json_string_value(json_object_get(set, "category"));
	struct bc_err e = { 0 };
	int warn, r;

	if (c == NULL || bc_action_parse(bc_doc_str(event, "action")) !=
	    BC_ACT_ANNOTATE)
		return 0;
	if ((r = bc_policy_admits(cat, c, &warn, &e)) != 0)
		return bc_err_set(err, r, "%s: %s; nothing recorded", id,
		    e.msg);
	return 0;
}

/* Whether key may record action a now. */
static int
signer_allowed(const struct bc_keyring *kr, const struct bc_key *key,
    int a, struct bc_err *err)
{
	char what[64];

	snprintf(what, sizeof(what), "record '%s'", bc_action_name(a));
	return bc_signer_check(kr, key, bc_event_role(bc_action_name(a)),
	    what, err);
}

/* What the chain of an item says, checked well enough to build on. */
struct chain {
	json_t			*manifest;
	const char		*sha256;	/* sealed, in manifest */
	char			 head[BC_SHA256_HEX];
	struct bc_custody_state	 st;
};

/*
 * Reads the item's manifest and events, checking each stored hash and
 * link and replaying the rules, so that a new event is never appended to
 * a chain that is already broken.  Signatures are left to verify/audit.
 */
static int
chain_load(struct bc_catalog *cat, const struct bc_item *it,
    struct chain *ch, struct bc_err *err)
{
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	uint8_t digest[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];
	const char *s;
	json_t *doc;
	size_t i, n = 0;
	int64_t seq;
	int r;

	memset(ch, 0, sizeof(*ch));
	if ((r = bc_doc_parse(it->manifest, it->manifest_len,
	    BC_MANIFEST_TYPE, &ch->manifest, &e)) != 0)
		return bc_err_set(err, r == BC_ERR_NOMEM ? r :
		    BC_ERR_INTEGRITY, "%s: manifest unreadable: %s; run "
		    "'bodycam verify'", it->id, e.msg);
	if (bc_sha256(it->manifest, it->manifest_len, digest) != 0)
		return bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
	bc_hex(digest, sizeof(digest), hex);
	if (strcmp(hex, it->manifest_hash) != 0 ||
	    (ch->sha256 = bc_doc_str(ch->manifest, "file.sha256")) == NULL)
		return bc_err_set(err, BC_ERR_INTEGRITY, "%s: the stored "
		    "manifest does not match its hash; run 'bodycam verify'",
		    it->id);
	snprintf(ch->head, sizeof(ch->head), "%s", hex);

	if ((r = bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    err)) != 0)
		return r;
	for (i = 0, r = 0; i < n && r == 0; i++) {
		doc = NULL;
		if (bc_doc_parse(ev[i].body, ev[i].body_len, BC_EVENT_TYPE,
		    &doc, &e) != 0 ||
		    bc_sha256(ev[i].body, ev[i].body_len, digest) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: event %zu "
			    "unreadable: %s", it->id, i, e.msg);
			break;
		}
		bc_hex(digest, sizeof(digest), hex);
		if (strcmp(hex, ev[i].hash) != 0 || ev[i].seq != (int64_t)i ||
		    bc_doc_int(doc, "seq", &seq) != 0 || seq != (int64_t)i ||
		    (s = bc_doc_str(doc, "prev")) == NULL ||
		    strcmp(s, ch->head) != 0 ||
		    (s = bc_doc_str(doc, "item")) == NULL ||
		    strcmp(s, it->manifest_hash) != 0)
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the chain "
			    "is broken at event %zu", it->id, i);
		else if (bc_custody_rule(&ch->st, doc, ch->sha256, &e) != 0)
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: event %zu "
			    "breaks a rule: %s", it->id, i, e.msg);
		snprintf(ch->head, sizeof(ch->head), "%s", hex);
		json_decref(doc);
	}
	bc_events_free(ev, n);
	if (r == 0 && n == 0)
		r = bc_err_set(err, BC_ERR_INTEGRITY,
		    "%s: the item has no custody events", it->id);
	if (r == BC_ERR_INTEGRITY)
		snprintf(err->msg + strlen(err->msg),
		    sizeof(err->msg) - strlen(err->msg),
		    "; nothing recorded (run 'bodycam verify')");
	return r;
}

/*
 * The chain cache of a long-running writer (the service's group commit):
 * replaying an item's whole chain before each append costs O(n) per
 * event, so a busy item would slow down with every event it gets.  An
 * entry keeps what chain_load found for an item; it is used only while
 * the item's last stored event is still the one the entry ends with (its
 * seq and stored hash), which one indexed read checks under the write
 * lock.  A stale entry (another process appended, or a transaction that
 * updated it rolled back) is replaced by a full chain_load.  What the
 * cache gives up is re-checking older events on every append: verify and
 * audit check them.
 */
#define CHAIN_CACHE_MAX	64

struct chain_entry {
	char			 item[BC_SHA256_HEX];	/* "" when free */
	json_t			*manifest;
	char			 head[BC_SHA256_HEX];
	struct bc_custody_state	 st;
};

struct bc_chain_cache {
	struct chain_entry	 e[CHAIN_CACHE_MAX];
	size_t			 next;		/* the slot to replace next */
	uint64_t		 hits, misses;
	/* the keyring, while the last key document is still this one
	 * (key documents are append-only, the anchor never changes) */
	struct bc_keyring	*kr;
	int64_t			 kr_seq;
	char			 kr_hash[BC_SHA256_HEX];
};

struct bc_chain_cache *
bc_chain_cache_new(void)
{
	return calloc(1, sizeof(struct bc_chain_cache));
}

void
bc_chain_cache_free(struct bc_chain_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CHAIN_CACHE_MAX; i++)
		json_decref(c->e[i].manifest);
	bc_keyring_free(c->kr);
	free(c);
}

/*
 * The catalog's keyring, through the cache when there is one: *kr is the
 * cache's (valid until the next call) or *owned, which the caller frees.
 * Building it verifies every key document, which would otherwise cost
 * each event one signature check per key.
 */
static int
keyring_get(struct bc_catalog *cat, struct bc_chain_cache *c,
    const struct bc_keyring **kr, struct bc_keyring **owned,
    struct bc_err *err)
{
	char hash[BC_SHA256_HEX];
	int64_t seq;
	int r;

	*kr = NULL;
	*owned = NULL;
	if (c == NULL) {
		if ((r = bc_keyring_load(cat, owned, err)) != 0)
			return r;
		*kr = *owned;
		return 0;
	}
	if ((r = bc_catalog_keydoc_head(cat, &seq, hash, err)) != 0)
		return r;
	if (c->kr == NULL || seq != c->kr_seq ||
	    strcmp(hash, c->kr_hash) != 0) {
		bc_keyring_free(c->kr);
		c->kr = NULL;
		if ((r = bc_keyring_load(cat, &c->kr, err)) != 0) {
			bc_keyring_free(c->kr);
			c->kr = NULL;
			return r;
		}
		c->kr_seq = seq;
		snprintf(c->kr_hash, sizeof(c->kr_hash), "%s", hash);
	}
	*kr = c->kr;
	return 0;
}

void
bc_chain_cache_stats(const struct bc_chain_cache *c, uint64_t *hits,
    uint64_t *misses)
{
	*hits = c != NULL ? c->hits : 0;
	*misses = c != NULL ? c->misses : 0;
}

/* chain_load, through the cache when there is one. */
static int
chain_get(struct bc_catalog *cat, struct bc_chain_cache *c,
    const struct bc_item *it, struct chain *ch, struct bc_err *err)
{
	struct chain_entry *e;
	char hash[BC_SHA256_HEX];
	int64_t seq;
	size_t i;
	int r;

	if (c == NULL)
		return chain_load(cat, it, ch, err);
	if ((r = bc_catalog_event_head(cat, it->manifest_hash, &seq, hash,
	    err)) != 0)
		return r;
	for (i = 0; i < CHAIN_CACHE_MAX; i++) {
		e = &c->e[i];
		if (strcmp(e->item, it->manifest_hash) != 0)
			continue;
		if (seq >= 0 && seq == e->st.nevents - 1 &&
		    strcmp(hash, e->head) == 0) {
			memset(ch, 0, sizeof(*ch));
			json_incref(e->manifest);
			ch->manifest = e->manifest;
			ch->sha256 = bc_doc_str(ch->manifest, "file.sha256");
			snprintf(ch->head, sizeof(ch->head), "%s", e->head);
			ch->st = e->st;
			c->hits++;
			return 0;
		}
		json_decref(e->manifest);	/* stale */
		memset(e, 0, sizeof(*e));
	}
	c->misses++;
	return chain_load(cat, it, ch, err);
}

/* Remembers the chain of item after an append: its new state and head. */
static void
chain_put(struct bc_chain_cache *c, const char *item, json_t *manifest,
    const char *head, const struct bc_custody_state *st)
{
	struct chain_entry *e = NULL;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < CHAIN_CACHE_MAX && e == NULL; i++)
		if (strcmp(c->e[i].item, item) == 0)
			e = &c->e[i];
	if (e == NULL) {
		e = &c->e[c->next];
		c->next = (c->next + 1) % CHAIN_CACHE_MAX;
	}
	json_decref(e->manifest);
	snprintf(e->item, sizeof(e->item), "%s", item);
	json_incref(manifest);
	e->manifest = manifest;
	snprintf(e->head, sizeof(e->head), "%s", head);
	e->st = *st;
}

/* The operator fields of a parent manifest, for its derived item. */
struct parent_fields {
	struct bc_operator_fields	 op;
	const char			*tags[BC_TAGS_MAX];
};

static void
parent_fields(const json_t *m, struct parent_fields *pf)
{
	const json_t *tags = json_object_get(m, "tags");
	size_t i;

	memset(pf, 0, sizeof(*pf));
	pf->op.officer = bc_doc_str(m, "capture.officer");
	pf->op.device = bc_doc_str(m, "capture.device");
	pf->op.case_no = bc_doc_str(m, "case.number");
	pf->op.category = bc_doc_str(m, "case.category");
	for (i = 0; i < json_array_size(tags) && i < BC_TAGS_MAX; i++)
		if ((pf->tags[pf->op.ntags] =
		    json_string_value(json_array_get(tags, i))) != NULL)
			pf->op.ntags++;
	pf->op.tags = pf->tags;
}

/*
 * The set and clear of an annotate event into d: req's, with tags to add
 * and remove turned into the whole new list from the current view cur.
 * -1 when out of memory.
 */
static int
annotation_details(json_t *d, const struct bc_custody_req *req,
    const struct bc_view *cur)
{
	json_t *set, *tags, *t;
	size_t i;

	if ((set = req->set != NULL ? json_deep_copy(req->set) :
	    json_object()) == NULL)
		return -1;
	if (json_array_size(req->tag_add) + json_array_size(req->tag_remove) >
	    0) {
		if ((tags = json_array()) == NULL ||
		    json_object_set_new(set, "tags", tags) != 0)
			goto bad;
		for (i = 0; i < cur->ntags; i++)
			if (!list_has(req->tag_remove, cur->tags[i]) &&
			    json_array_append_new(tags,
			    json_string(cur->tags[i])) != 0)
				goto bad;
		json_array_foreach(req->tag_add, i, t)
			if (!list_has(tags, json_string_value(t)) &&
			    !list_has(req->tag_remove, json_string_value(t)) &&
			    json_array_append(tags, t) != 0)
				goto bad;
	}
	if (json_object_size(set) > 0 && json_object_set(d, "set", set) != 0)
		goto bad;
	json_decref(set);
	if (json_array_size(req->clear) > 0 &&
	    json_object_set_new(d, "clear", json_deep_copy(req->clear)) != 0)
		return -1;
	return 0;
 bad:
	json_decref(set);
	return -1;
}

/* The details object of the new event; cur: the item's current view. */
static json_t *
make_details(int a, const struct bc_custody_req *req, const char *sha256,
    const struct bc_file_hash *fh, const struct bc_register_result *child,
    const struct bc_view *cur)
{
	json_t *d, *o, *arr;
	char station[256], hex[BC_SHA256_HEX];
	size_t i;

	bc_station_name(station, sizeof(station));
	if ((d = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(d, "sha256", json_string(sha256)) ||
	    json_object_set_new(d, "station", json_string(station)) ||
	    put_opt(d, "location", req->location) ||
	    put_opt(d, "reason", req->reason) ||
	    put_opt(d, "to", req->to) ||
	    put_opt(d, "note", req->note) ||
	    ((a == BC_ACT_RELEASE || a == BC_ACT_NOTE) &&
	    put_opt(d, "media", req->media)))
		goto bad;
	switch (a) {
	case BC_ACT_COPY:
		if (fh != NULL) {
			bc_hex(fh->sha256, sizeof(fh->sha256), hex);
			if ((o = json_object()) == NULL ||
			    json_object_set_new(d, "copy", o) ||
			    json_object_set_new(o, "sha256",
			    json_string(hex)) ||
			    json_object_set_new(o, "size",
			    json_integer((json_int_t)fh->size)))
				goto bad;
		}
		if (put_opt(d, "outcome", fh ? "verified" : "unverified"))
			goto bad;
		break;
	case BC_ACT_DERIVE:
		if ((o = json_object()) == NULL ||
		    json_object_set_new(d, "child", o) ||
		    json_object_set_new(o, "id", json_string(child->id)) ||
		    json_object_set_new(o, "manifest",
		    json_string(child->manifest_hash)) ||
		    json_object_set_new(o, "sha256",
		    json_string(child->sha256)) ||
		    put_opt(d, "outcome", "registered"))
			goto bad;
		break;
	case BC_ACT_ANNOTATE:
		if (annotation_details(d, req, cur) != 0 ||
		    put_opt(d, "outcome", "done"))
			goto bad;
		break;
	case BC_ACT_VERIFY:
		if (put_opt(d, "outcome", req->outcome) ||
		    put_opt(d, "measured", req->measured))
			goto bad;
		if (req->nfailed > 0) {
			if ((arr = json_array()) == NULL ||
			    json_object_set_new(d, "failed", arr))
				goto bad;
			for (i = 0; i < req->nfailed; i++)
				if (json_array_append_new(arr,
				    json_string(req->failed[i])))
					goto bad;
		}
		break;
	default:
		if (put_opt(d, "outcome", "done"))
			goto bad;
		break;
	}
	return d;
 bad:
	json_decref(d);
	return NULL;
}

/*
 * The part of bc_custody_add under the write lock, which the caller holds
 * and commits: fhp, abspath and meta are what was read before it (a file
 * to check or register), or NULL.
 */
int
bc_custody_add_locked(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    const struct bc_file_hash *fhp, const char *abspath, json_t *meta,
    struct bc_custody_result *res, struct bc_err *err)
{
	return bc_custody_add_cached(cat, NULL, key, ref, req, fhp, abspath,
	    meta, res, err);
}

int
bc_custody_add_cached(struct bc_catalog *cat, struct bc_chain_cache *cache,
    const struct bc_key *key, const char *ref,
    const struct bc_custody_req *req, const struct bc_file_hash *fhp,
    const char *abspath, json_t *meta, struct bc_custody_result *res,
    struct bc_err *err)
{
	struct bc_item *it = NULL;
	struct bc_event ev;
	struct bc_signed sealed = { 0 };
	struct bc_register_result child;
	struct bc_register_opts ropts;
	struct bc_derived der;
	struct parent_fields pf;
	struct chain ch = { 0 };
	struct bc_custody_state probe;
	struct bc_view cur;
	struct bc_err why = { 0 };
	const struct bc_keyring *kr;
	struct bc_keyring *owned = NULL;
	json_t *details = NULL, *doc = NULL;
	char now[BC_TIME_MAX], hex[BC_SHA256_HEX];
	const char *from = NULL;
	int64_t size;
	int a = bc_action_parse(req->action);
	int r;

	memset(res, 0, sizeof(*res));
	memset(&child, 0, sizeof(child));
	if ((r = check_req(a, req, err)) != 0)
		return r;
	if ((r = bc_clock_sign_time(cat, now, err)) != 0 ||
	    (r = keyring_get(cat, cache, &kr, &owned, err)) != 0)
		goto out;
	if ((r = signer_allowed(kr, key, a, err)) != 0 ||
	    (r = bc_catalog_find_item(cat, ref, &it, err)) != 0 ||
	    (r = chain_get(cat, cache, it, &ch, err)) != 0)
		goto out;
	snprintf(res->item, sizeof(res->item), "%s", it->id);

	if (a == BC_ACT_COPY && fhp != NULL) {
		bc_hex(fhp->sha256, sizeof(fhp->sha256), hex);
		snprintf(res->copy_sha256, sizeof(res->copy_sha256), "%s",
		    hex);
		if (strcmp(hex, ch.sha256) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the copy's "
			    "SHA-256 %s differs from the sealed %s; nothing "
			    "recorded", req->file, hex, ch.sha256);
			goto out;
		}
	}
	/* fail early, before registering a derived file, on the rules
	 * that depend only on the state (purged, held) */
	probe = ch.st;
	if (ch.st.purged && a != BC_ACT_NOTE) {
		res->purged = 1;
		r = bc_err_set(err, BC_ERR_INVALID, "%s was purged at %s; "
		    "only a note may be recorded", it->id, ch.st.purged_at);
		goto out;
	}
	if (a == BC_ACT_RELOCATE) {
		if (fhp == NULL || abspath == NULL) {
			r = bc_err_set(err, BC_ERR_INVALID, "relocate: no "
			    "file");
			goto out;
		}
		/* only the sealed content moves the item's place */
		bc_hex(fhp->sha256, sizeof(fhp->sha256), hex);
		if (bc_doc_int(ch.manifest, "file.size", &size) != 0)
			size = -1;
		if ((int64_t)fhp->size != size || strcmp(hex,
		    ch.sha256) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the file "
			    "is %llu bytes with SHA-256 %.16s..., not the "
			    "sealed %lld bytes with %.16s...: not the "
			    "registered file; nothing recorded", it->id,
			    (unsigned long long)fhp->size, hex,
			    (long long)size, ch.sha256);
			goto out;
		}
		from = bc_custody_place(it, &ch.st);
		if (strcmp(from, abspath) == 0) {
			r = bc_err_set(err, BC_ERR_INVALID, "%s is already at "
			    "that place; nothing recorded", it->id);
			goto out;
		}
		snprintf(res->path, sizeof(res->path), "%s", abspath);
		snprintf(res->from, sizeof(res->from), "%s", from);
	}
	if (a == BC_ACT_DERIVE) {
		if (fhp == NULL || abspath == NULL) {
			r = bc_err_set(err, BC_ERR_INVALID, "derive: no file");
			goto out;
		}
		memset(&ropts, 0, sizeof(ropts));
		if (req->op != NULL)
			ropts.op = *req->op;
		else {
			parent_fields(ch.manifest, &pf);
			ropts.op = pf.op;
		}
		ropts.actor = req->actor;
		der.from = it->id;
		der.manifest = it->manifest_hash;
		der.sha256 = ch.sha256;
		der.reason = req->reason;
		if ((r = bc_register_locked(cat, key, abspath, fhp, &ropts,
		    &der, meta, NULL, now, &child, err)) != 0) {
			if (r == BC_ERR_EXISTS)
				snprintf(res->child, sizeof(res->child), "%s",
				    child.existing);
			goto out;
		}
		snprintf(res->child, sizeof(res->child), "%s", child.id);
		snprintf(res->child_sha256, sizeof(res->child_sha256), "%s",
		    child.sha256);
	}

	bc_view_current(ch.manifest, &ch.st.ann, &cur);
	if ((details = make_details(a, req, ch.sha256, fhp, &child,
	    &cur)) == NULL || (a == BC_ACT_RELOCATE &&
	    (json_object_set_new(details, "path", json_string(abspath)) ||
	    json_object_set_new(details, "from", json_string(from)) ||
	    json_object_set_new(details, "size",
	    json_integer((json_int_t)fhp->size))))) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = bc_event_build(it->manifest_hash, ch.st.nevents, ch.head,
	    bc_action_name(a), req->actor, now, details, bc_key_id(key),
	    kr->origin, &doc, err)) != 0)
		goto out;
	/* the same rules that verify and audit apply */
	if (bc_custody_rule(&probe, doc, ch.sha256, &why) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: %s; nothing "
		    "recorded", it->id, why.msg);
		goto out;
	}
	if ((r = category_admitted(cat, it->id, doc, err)) != 0)
		goto out;
	if ((r = bc_doc_seal(doc, key, &sealed, err)) != 0)
		goto out;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.item, sizeof(ev.item), "%s", it->manifest_hash);
	ev.seq = ch.st.nevents;
	snprintf(ev.hash, sizeof(ev.hash), "%s", sealed.hash);
	ev.body = sealed.text;
	ev.body_len = sealed.len;
	ev.sig = sealed.sig;
	ev.siglen = sizeof(sealed.sig);
	snprintf(ev.key, sizeof(ev.key), "%s", bc_key_id(key));
	if ((r = bc_catalog_add_event(cat, &ev, err)) != 0 ||
	    (r = derived_store(cat, it, ev.seq, ch.manifest, &ch.st, &probe,
	    err)) != 0)
		goto out;
	res->seq = ev.seq;
	snprintf(res->hash, sizeof(res->hash), "%s", sealed.hash);
	chain_put(cache, it->manifest_hash, ch.manifest, sealed.hash, &probe);
	r = 0;
 out:
	if (r != 0)
		res->child[0] = r == BC_ERR_EXISTS ? res->child[0] : '\0';
	json_decref(ch.manifest);
	json_decref(details);
	json_decref(doc);
	bc_signed_clear(&sealed);
	bc_item_free(it);
	bc_keyring_free(owned);
	return r;
}

int
bc_custody_add(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    struct bc_custody_result *res, struct bc_err *err)
{
	struct bc_file_hash fh, *fhp = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_err e = { 0 };
	json_t *meta = NULL;
	char now[BC_TIME_MAX], abspath[PATH_MAX];
	int a = bc_action_parse(req->action);
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = check_req(a, req, err)) != 0)
		return r;
	if (!bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_KEY_TYPE,
		    "a private key is needed to sign");
	bc_time_now(now);
	/* fail fast; checked again under the lock */
	if ((r = bc_keyring_load(cat, &kr, err)) == 0)
		r = signer_allowed(kr, key, a, err);
	bc_keyring_free(kr);
	if (r != 0)
		return r;

	/* hashing a large file must not hold the write lock */
	if (req->file != NULL) {
		if (realpath(req->file, abspath) == NULL) {
			if ((r = bc_hash_file(req->file, &fh, NULL, NULL,
			    err)) != 0)
				return r;
			return bc_err_set(err, BC_ERR_IO,
			    "%s: cannot resolve path", req->file);
		}
		if (a == BC_ACT_RELOCATE && (r = bc_relocate_path_check(
		    abspath, strlen(abspath), &e)) != 0)
			return bc_err_set(err, r, "%s: %s", req->file, e.msg);
		/* a derived file's metadata from the very bytes hashed */
		if ((r = bc_register_read(abspath, req->progress,
		    req->progress_arg, 0, now, &fh, a == BC_ACT_DERIVE ?
		    &meta : NULL, err)) != 0)
			return r;
		fhp = &fh;
	}

	if ((r = bc_catalog_begin(cat, err)) != 0) {
		json_decref(meta);	/* read for a derive, before the lock */
		return r;
	}
	r = bc_custody_add_locked(cat, key, ref, req, fhp,
	    fhp != NULL ? abspath : NULL, meta, res, err);
	if (r == 0)
		r = bc_catalog_commit(cat, err);
	bc_catalog_rollback(cat);	/* no-op after commit */
	json_decref(meta);
	return r;
}

/*
 * The rule for what people write, as for --actor, --to, --reason,
 * --location and --note, on the text of an event signed elsewhere.  An
 * input rule for writers: verification does not apply it to records
 * already in the log.
 */
static int
signed_text_check(const json_t *doc, struct bc_err *err)
{
	static const char *const paths[] = { "actor", "details.to",
	    "details.reason", "details.location", "details.note" };
	char name[32];
	size_t i;
	int r;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(name, sizeof(name), "event: %s", paths[i]);
		if ((r = bc_field_check(name, bc_doc_str(doc, paths[i]),
		    BC_FIELD_MAX, err)) != 0)
			return r;
	}
	return 0;
}

/*
 * An event signed elsewhere, by the caller's own key: nothing in it is
 * ours to fill in, so everything is checked, under the write lock, before
 * it is stored: the format (canonical, the event type, the members the
 * format allows), the item, the chain position (a stale seq or prev is
 * BC_ERR_STALE: appending it would fork the chain), the signer's role at
 * the time it claims, the signature, and the custody rules.
 */
int
bc_custody_append_signed(struct bc_catalog *cat,
    struct bc_chain_cache *cache, const struct bc_keyring *kr,
    const char *ref, const char *text, size_t len, const uint8_t *sig,
    size_t siglen, struct bc_custody_result *res, struct bc_err *err)
{
	struct bc_item *it = NULL;
	struct bc_event ev;
	struct chain ch = { 0 };
	struct bc_custody_state probe;
	struct bc_err why = { 0 };
	uint8_t digest[BC_SHA256_LEN];
	json_t *doc = NULL;
	const char *item, *prev, *action, *signer, *at;
	char hex[BC_SHA256_HEX];
	struct bc_keyring *owned = NULL;
	int64_t seq;
	int a, r;

	memset(res, 0, sizeof(*res));
	if (siglen != BC_ED25519_SIGLEN)
		return bc_err_set(err, BC_ERR_MALFORMED, "the signature is "
		    "%zu bytes, not %d", siglen, BC_ED25519_SIGLEN);
	if ((r = bc_doc_parse(text, len, BC_EVENT_TYPE, &doc, &why)) != 0) {
		r = bc_err_set(err, r == BC_ERR_NOMEM ? r : BC_ERR_MALFORMED,
		    "event: %s", why.msg);
		goto out;
	}
	if ((item = bc_doc_str(doc, "item")) == NULL ||
	    (prev = bc_doc_str(doc, "prev")) == NULL ||
	    (action = bc_doc_str(doc, "action")) == NULL ||
	    (signer = bc_doc_str(doc, "key")) == NULL ||
	    (at = bc_doc_str(doc, "at")) == NULL ||
	    bc_doc_int(doc, "seq", &seq) != 0) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "event: item, seq, prev, "
		    "action, key and at are required");
		goto out;
	}
	/* these come with what they record: a new item, a bundle, a file
	 * re-hashed at its new place by the writer itself */
	a = bc_action_parse(action);
	if (a == BC_ACT_REGISTER || a == BC_ACT_DERIVE ||
	    a == BC_ACT_RELEASE || a == BC_ACT_RELOCATE) {
		r = bc_err_set(err, BC_ERR_INVALID, "event: '%s' cannot be "
		    "appended as a signed event", action);
		goto out;
	}
	if (signed_text_check(doc, err) != 0) {
		r = BC_ERR_MALFORMED;
		goto out;
	}
	/* what became of the media is said by the purge that destroyed it
	 * (purge.h), not by a record signed elsewhere */
	if (a == BC_ACT_NOTE && json_object_get(json_object_get(doc,
	    "details"), "media") != NULL) {
		r = bc_err_set(err, BC_ERR_INVALID, "event: a note on the "
		    "media of a purged item is recorded by the purge itself");
		goto out;
	}
	if (!bc_time_is_stamp(at)) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "event: 'at' is not an "
		    "RFC 3339 UTC time stamp");
		goto out;
	}
	if ((r = bc_catalog_find_item(cat, ref, &it, err)) != 0)
		goto out;
	if (strcmp(item, it->manifest_hash) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "event: it names another "
		    "item than %s", it->id);
		goto out;
	}
	if ((r = chain_get(cat, cache, it, &ch, err)) != 0)
		goto out;
	snprintf(res->item, sizeof(res->item), "%s", it->id);
	if (seq != ch.st.nevents || strcmp(prev, ch.head) != 0) {
		r = bc_err_set(err, BC_ERR_STALE, "%s: the event extends seq "
		    "%lld, prev %.16s..., but the chain is at seq %lld, head "
		    "%.16s...; nothing recorded: read the chain again and "
		    "re-sign", it->id, (long long)seq, prev,
		    (long long)ch.st.nevents, ch.head);
		goto out;
	}
	/* a little clock skew between stations, neither a time far ahead
	 * nor one behind now or behind the log */
	if ((r = bc_clock_check_received(cat, at, &why)) != 0) {
		r = bc_err_set(err, r, "event: %s", why.msg);
		goto out;
	}
	if (kr == NULL && (r = keyring_get(cat, cache, &kr, &owned,
	    err)) != 0)
		goto out;
	/* only records bound to this log are written (manifest.h) */
	if (bc_doc_log_check(doc, kr->origin, BC_LEAF_NEXT, 0, &why) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "event: %s; a new event "
		    "is version %d and names this catalog's log ('%s')",
		    why.msg, BC_DOC_VERSION, kr->origin);
		goto out;
	}
	/* authority now: at the log position the event will take */
	if (bc_keyring_check_sig(kr, signer, bc_event_role(action),
	    BC_LEAF_NEXT, text, len, sig, siglen, &why) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: %s; nothing "
		    "recorded", it->id, why.msg);
		goto out;
	}
	probe = ch.st;
	if (bc_custody_rule(&probe, doc, ch.sha256, &why) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: %s; nothing "
		    "recorded", it->id, why.msg);
		goto out;
	}
	if ((r = category_admitted(cat, it->id, doc, err)) != 0)
		goto out;
	if (bc_sha256(text, len, digest) != 0) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
		goto out;
	}
	bc_hex(digest, sizeof(digest), hex);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.item, sizeof(ev.item), "%s", it->manifest_hash);
	ev.seq = seq;
	snprintf(ev.hash, sizeof(ev.hash), "%s", hex);
	ev.body = (char *)text;
	ev.body_len = len;
	ev.sig = (uint8_t *)sig;
	ev.siglen = siglen;
	snprintf(ev.key, sizeof(ev.key), "%s", signer);
	if ((r = bc_catalog_add_event(cat, &ev, err)) != 0 ||
	    (r = derived_store(cat, it, ev.seq, ch.manifest, &ch.st, &probe,
	    err)) != 0)
		goto out;
	res->seq = seq;
	snprintf(res->hash, sizeof(res->hash), "%s", hex);
	chain_put(cache, it->manifest_hash, ch.manifest, hex, &probe);
	r = 0;
 out:
	json_decref(ch.manifest);
	json_decref(doc);
	bc_item_free(it);
	bc_keyring_free(owned);
	return r;
}

int
bc_custody_state_of(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_custody_state *st, json_t **manifest, struct bc_err *err)
{
	struct chain ch;
	int r;

	if (manifest != NULL)
		*manifest = NULL;
	r = chain_load(cat, it, &ch, err);
	*st = ch.st;
	if (r == 0 && manifest != NULL) {
		*manifest = ch.manifest;
		ch.manifest = NULL;
	}
	json_decref(ch.manifest);
	return r;
}
