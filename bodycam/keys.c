/*
 * keys.c - the keyring: signer keys and roles from signed key documents.
 *
 * Loading the keyring re-verifies every key document, so a role or a
 * revocation is only ever what an admin signed.  Key documents form one
 * chain: seq counts from 0, and prev is the previous document's hash (for
 * seq 0, the anchor admin key id, which binds the chain to this catalog).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/clock.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/text.h"

static const struct {
	const char	*name;
	int		 role;
} roles[] = {
	{ "ingest", BC_ROLE_INGEST },
	{ "custodian", BC_ROLE_CUSTODIAN },
	{ "auditor", BC_ROLE_AUDITOR },
	{ "admin", BC_ROLE_ADMIN },
};

int
bc_role_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].role;
	return 0;
}

const char *
bc_role_name(int role)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "none";
}

int
bc_event_role(const char *action)
{
	if (action != NULL && strcmp(action, "register") == 0)
		return BC_ROLE_INGEST;
	if (action != NULL && (strcmp(action, "verify") == 0 ||
	    strcmp(action, "release") == 0))
		return BC_ROLE_AUDITOR;
	return BC_ROLE_CUSTODIAN;
}

void
bc_keyring_free(struct bc_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->nkeys; i++)
		bc_key_free(kr->keys[i].pub);
	free(kr->keys);
	free(kr);
}

const struct bc_keyring_entry *
bc_keyring_find(const struct bc_keyring *kr, const char *id)
{
	size_t i;

	for (i = 0; i < kr->nkeys; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

int
bc_keyring_authorised(const struct bc_keyring *kr, const char *id, int role,
    int64_t leaf, const struct bc_keyring_entry **entry,
    struct bc_err *why)
{
	const struct bc_keyring_entry *e;

	if (entry != NULL)
		*entry = NULL;
	if (id == NULL || (e = bc_keyring_find(kr, id)) == NULL)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "key %.16s... is not a signer of this catalog",
		    id ? id : "(none)");
	if (leaf < 0)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "the record has no place in the log, so no key's "
		    "authority over it can be judged");
	if (!e->anchor && (e->add_leaf < 0 || leaf <= e->add_leaf))
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "key %.16s... (%s) signed the record at leaf %lld, which "
		    "does not come after the key document that added it "
		    "(leaf %lld)", id, e->name, (long long)leaf,
		    (long long)e->add_leaf);
	if (e->revoke_seq >= 0 && (e->revoke_leaf < 0 ||
	    leaf >= e->revoke_leaf)) {
		if (leaf == BC_LEAF_NEXT)
			return bc_err_set(why, BC_ERR_INTEGRITY,
			    "key %.16s... (%s) is revoked: its revocation is "
			    "at leaf %lld (%s)", id, e->name,
			    (long long)e->revoke_leaf, e->revoked);
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "key %.16s... (%s) signed the record at leaf %lld, after "
		    "its revocation (leaf %lld, dated %s): a revoked key's "
		    "signature counts only before its revocation in the log, "
		    "whatever time the record claims", id, e->name,
		    (long long)leaf, (long long)e->revoke_leaf, e->revoked);
	}
	if ((e->role & (role | BC_ROLE_ADMIN)) == 0) {
		char want[64] = "";
		size_t i;

		/* role may allow several: "ingest or custodian" */
		for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			if (role & roles[i].role)
				snprintf(want + strlen(want),
				    sizeof(want) - strlen(want), "%s%s",
				    want[0] ? " or " : "", roles[i].name);
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "key %.16s... (%s) has role %s, not %s", id, e->name,
		    bc_role_name(e->role), want);
	}
	if (entry != NULL)
		*entry = e;
	return 0;
}

static int
add_entry(struct bc_keyring *kr, struct bc_keyring_entry **out)
{
	struct bc_keyring_entry *tmp;

	tmp = bc_grow(kr->keys, &kr->keys_cap, kr->nkeys + 1,
	    sizeof(*kr->keys));
	if (tmp == NULL)
		return BC_ERR_NOMEM;
	kr->keys = tmp;
	*out = &kr->keys[kr->nkeys++];
	memset(*out, 0, sizeof(**out));
	(*out)->add_seq = (*out)->revoke_seq = -1;
	(*out)->add_leaf = (*out)->revoke_leaf = -1;
	return 0;
}

/* Applies one verified key document to the keyring. */
static int
apply_doc(struct bc_keyring *kr, const json_t *doc, int64_t seq,
    int64_t leaf, struct bc_err *err)
{
	struct bc_keyring_entry *e;
	uint8_t raw[BC_ED25519_PUBLEN];
	const char *action = bc_doc_str(doc, "action");
	const char *key = bc_doc_str(doc, "key"), *s, *at;
	int role, r;

	at = bc_doc_str(doc, "at");
	if (action == NULL || key == NULL || at == NULL)
		return bc_err_set(err, BC_ERR_INTEGRITY,
		    "key document %lld lacks action, key or time",
		    (long long)seq);
	if (strcmp(action, "add") == 0) {
		if (bc_keyring_find(kr, key) != NULL)
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld adds key %.16s... a second time",
			    (long long)seq, key);
		s = bc_doc_str(doc, "role");
		if (s == NULL || (role = bc_role_parse(s)) == 0)
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld: unknown role", (long long)seq);
		if ((s = bc_doc_str(doc, "public")) == NULL ||
		    bc_unhex(s, raw, sizeof(raw)) != 0)
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld: malformed public key",
			    (long long)seq);
		if ((r = add_entry(kr, &e)) != 0)
			return bc_err_set(err, r, "out of memory");
		if (bc_key_from_raw(raw, &e->pub) != 0) {
			kr->nkeys--;
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld: invalid Ed25519 public key",
			    (long long)seq);
		}
		if (strcmp(bc_key_id(e->pub), key) != 0)
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld: key id is not the hash of the "
			    "public key", (long long)seq);
		snprintf(e->id, sizeof(e->id), "%s", key);
		snprintf(e->name, sizeof(e->name), "%s",
		    (s = bc_doc_str(doc, "name")) ? s : "");
		snprintf(e->added, sizeof(e->added), "%s", at);
		e->role = role;
		e->add_seq = seq;
		e->add_leaf = leaf;
		return 0;
	}
	if (strcmp(action, "revoke") == 0) {
		e = (struct bc_keyring_entry *)bc_keyring_find(kr, key);
		if (e == NULL || e->anchor)
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld revokes %s key %.16s...",
			    (long long)seq, e ? "the anchor" : "an unknown",
			    key);
		if (e->revoked[0] != '\0')
			return bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %lld revokes key %.16s... again",
			    (long long)seq, key);
		snprintf(e->revoked, sizeof(e->revoked), "%s", at);
		snprintf(e->reason, sizeof(e->reason), "%s",
		    (s = bc_doc_str(doc, "reason")) ? s : "");
		e->revoke_seq = seq;
		e->revoke_leaf = leaf;
		return 0;
	}
	return bc_err_set(err, BC_ERR_INTEGRITY,
	    "key document %lld: unknown action '%s'", (long long)seq, action);
}

/* Whether the record at a leaf is bound (version 2); -1 when unread. */
struct probe {
	int	bound;
};

static int
probe_leaf(void *arg, const struct bc_leaf *l)
{
	struct probe *p = arg;
	json_t *doc;

	if (l->kind == BC_LEAF_NONE || p->bound >= 0)
		return 0;
	if ((doc = json_loadb(l->data, l->len, 0, NULL)) != NULL)
		p->bound = json_object_get(doc, "log") != NULL;
	json_decref(doc);
	return 0;
}

/*
 * The leaf of the log's first bound record: records are unbound up to
 * the version that binds them and bound from then on, so a binary search
 * finds it in O(log n) reads.  A log that breaks that order is not
 * trusted here: audit walks every leaf and names what is out of place.
 */
static int
bound_from(struct bc_catalog *cat, int64_t *out, struct bc_err *err)
{
	struct probe p;
	uint64_t size, lo = 0, hi, mid;
	int r;

	*out = -1;
	if ((r = bc_catalog_log_size(cat, &size, err)) != 0)
		return r;
	hi = size;			/* the answer is in [lo, hi] */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		p.bound = -1;
		if ((r = bc_catalog_log_walk(cat, mid, mid + 1, probe_leaf, &p,
		    err)) != 0)
			return r;
		if (p.bound == 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < size)
		*out = (int64_t)lo;
	return 0;
}

int
bc_signer_check(const struct bc_keyring *kr, const struct bc_key *key,
    int role, const char *what, struct bc_err *err)
{
	struct bc_err why = { 0 };

	if (bc_keyring_authorised(kr, bc_key_id(key), role, BC_LEAF_NEXT,
	    NULL, &why) != 0)
		return bc_err_set(err, BC_ERR_INVALID, "key %.16s... may not "
		    "%s: %s", bc_key_id(key), what, why.msg);
	return 0;
}

int
bc_signer_allowed(struct bc_catalog *cat, const struct bc_key *key,
    int role, const char *what, struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	int r;

	if ((r = bc_keyring_load(cat, &kr, err)) == 0)
		r = bc_signer_check(kr, key, role, what, err);
	bc_keyring_free(kr);
	return r;
}

int
bc_keyring_load(struct bc_catalog *cat, struct bc_keyring **out,
    struct bc_err *err)
{
	struct bc_key *admin = NULL;
	struct bc_keydoc *docs = NULL;
	char origin[BC_ORIGIN_MAX + 1];
	int64_t bound;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = bc_catalog_origin(cat, origin, err)) != 0 ||
	    (r = bound_from(cat, &bound, err)) != 0)
		return r;
	if ((r = bc_catalog_admin_key(cat, &admin, err)) != 0)
		return r;
	if ((r = bc_catalog_keydocs(cat, &docs, &n, err)) == 0)
		r = bc_keyring_build(admin, origin, bound, docs, n, out, err);
	bc_keydocs_free(docs, n);
	bc_key_free(admin);
	return r;
}

int
bc_keyring_build(const struct bc_key *admin, const char *origin,
    int64_t bound, const struct bc_keydoc *docs, size_t n,
    struct bc_keyring **out, struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	struct bc_keyring_entry *anchor;
	const struct bc_keyring_entry *signer;
	struct bc_err why = { 0 };
	uint8_t digest[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX], prev[BC_SHA256_HEX], last_at[BC_TIME_MAX] = "";
	const char *s;
	json_t *doc = NULL;
	size_t i = 0;
	int64_t seq, last_leaf = -1;
	int r, seen_bound = 0;

	*out = NULL;
	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = add_entry(kr, &anchor)) != 0) {
		r = bc_err_set(err, r, "out of memory");
		goto out;
	}
	if ((r = bc_key_from_raw(bc_key_public(admin), &anchor->pub)) != 0) {
		r = bc_err_set(err, r, "cannot copy the admin key");
		kr->nkeys = 0;
		goto out;
	}
	snprintf(kr->origin, sizeof(kr->origin), "%s", origin ? origin : "");
	kr->bound_from = bound;
	snprintf(anchor->id, sizeof(anchor->id), "%s", bc_key_id(anchor->pub));
	snprintf(anchor->name, sizeof(anchor->name), "admin (anchor)");
	anchor->role = BC_ROLE_ADMIN;
	anchor->anchor = 1;
	snprintf(prev, sizeof(prev), "%s", anchor->id);

	for (i = 0; i < n; i++) {
		json_decref(doc);
		doc = NULL;
		if (docs[i].seq != (int64_t)i) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu is missing (found seq %lld)", i,
			    (long long)docs[i].seq);
			goto out;
		}
		if ((r = bc_doc_parse(docs[i].body, docs[i].body_len,
		    BC_KEY_DOC_TYPE, &doc, &why)) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY,
			    "key document %zu: %s", i, why.msg);
			goto out;
		}
		if (bc_sha256(docs[i].body, docs[i].body_len, digest) != 0) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
			goto out;
		}
		bc_hex(digest, sizeof(digest), hex);
		if (strcmp(hex, docs[i].hash) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: stored hash differs from its bytes' hash", i);
			goto out;
		}
		if (bc_doc_int(doc, "seq", &seq) != 0 || seq != (int64_t)i ||
		    (s = bc_doc_str(doc, "prev")) == NULL ||
		    strcmp(s, prev) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: broken chain (seq or prev)", i);
			goto out;
		}
		/* times compare as strings: exact stamps, never going back */
		s = bc_doc_str(doc, "at");
		if (!bc_time_is_stamp(s) || strcmp(s, last_at) < 0 ||
		    bc_clock_too_far_ahead(s)) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: time '%.40s' is not a UTC time stamp no "
			    "earlier than the document before it and not "
			    "ahead of this clock", i,
			    s ? s : "(none)");
			goto out;
		}
		snprintf(last_at, sizeof(last_at), "%s", s);
		/* key documents enter the log in the order of their seq:
		 * authority is read from that order */
		if (docs[i].leaf < 0 || (i > 0 && docs[i].leaf <= last_leaf)) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: log position %lld does not follow the "
			    "document before it (%lld)", i,
			    (long long)docs[i].leaf, (long long)last_leaf);
			goto out;
		}
		last_leaf = docs[i].leaf;
		if (bc_doc_log(doc) != NULL)
			seen_bound = 1;
		else if (seen_bound) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: unbound (version 1) after a bound one", i);
			goto out;
		}
		if ((origin != NULL || bc_doc_log(doc) == NULL) &&
		    bc_doc_log_check(doc, origin, docs[i].leaf, bound,
		    &why) < 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: %s", i, why.msg);
			goto out;
		}
		s = bc_doc_str(doc, "signer");
		if (s == NULL || strcmp(s, docs[i].signer) != 0 ||
		    bc_keyring_authorised(kr, s, BC_ROLE_ADMIN, docs[i].leaf,
		    &signer, &why) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: signer not an admin: %s", i, why.msg);
			goto out;
		}
		if (bc_verify(signer->pub, docs[i].body, docs[i].body_len,
		    docs[i].sig, docs[i].siglen) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: signature does not verify", i);
			goto out;
		}
		if ((s = bc_doc_str(doc, "key")) == NULL ||
		    strcmp(s, docs[i].key) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "key document "
			    "%zu: catalog row names another key", i);
			goto out;
		}
		if ((r = apply_doc(kr, doc, (int64_t)i, docs[i].leaf,
		    err)) != 0)
			goto out;
		snprintf(prev, sizeof(prev), "%s", hex);
	}
	kr->ndocs = (int64_t)n;
	snprintf(kr->head, sizeof(kr->head), "%s", prev);
	snprintf(kr->last_at, sizeof(kr->last_at), "%s", last_at);
	*out = kr;
	kr = NULL;
	r = 0;
 out:
	if (r == BC_ERR_INTEGRITY && kr != NULL && kr->nkeys > 0) {
		kr->ndocs = (int64_t)i;		/* what verified, for reports */
		*out = kr;
		kr = NULL;
	}
	json_decref(doc);
	bc_keyring_free(kr);
	return r;
}

int
bc_keyring_check_sig(const struct bc_keyring *kr, const char *signer,
    int role, int64_t leaf, const char *text, size_t len,
    const uint8_t *sig, size_t siglen, struct bc_err *why)
{
	const struct bc_keyring_entry *e;
	int r;

	if ((r = bc_keyring_authorised(kr, signer, role, leaf, &e,
	    why)) != 0)
		return r;
	if (e->pub == NULL || bc_verify(e->pub, text, len, sig, siglen) != 0)
		return bc_err_set(why, BC_ERR_INTEGRITY,
		    "signature does not verify with key %.16s... (%s)",
		    signer, e->name);
	bc_err_set(why, 0, "Ed25519 signature by %.16s... (%s, %s)", signer,
	    e->name, bc_role_name(e->role));
	return 0;
}

/*
 * Whether the keyring allows adding (is_add) or revoking subject: checked
 * under the write lock, so that two admins cannot race a key in twice.
 */
static int
subject_ok(const struct bc_keyring *kr, const char *subject, int is_add,
    struct bc_err *err)
{
	const struct bc_keyring_entry *e = bc_keyring_find(kr, subject);

	if (is_add && e != NULL)
		return bc_err_set(err, BC_ERR_EXISTS, "key %.16s... is "
		    "already in this catalog's keyring (a new role needs a new "
		    "key)", subject);
	if (is_add)
		return 0;
	if (e == NULL)
		return bc_err_set(err, BC_ERR_NOT_FOUND, "no key %s in this "
		    "catalog's keyring", subject);
	if (e->anchor)
		return bc_err_set(err, BC_ERR_INVALID, "the anchor admin key "
		    "recorded at init cannot be revoked");
	if (e->revoked[0] != '\0')
		return bc_err_set(err, BC_ERR_INVALID, "key %.16s... was "
		    "already revoked at %s", subject, e->revoked);
	return 0;
}

/* Seals doc (which lacks seq, prev, at, signer) and appends it. */
static int
append_doc(struct bc_catalog *cat, const struct bc_key *admin, json_t *doc,
    const char *subject, int is_add, struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	struct bc_signed sd = { 0 };
	struct bc_keydoc row;
	struct bc_err why = { 0 };
	char now[BC_TIME_MAX];
	int r;

	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	if ((r = bc_keyring_load(cat, &kr, err)) != 0 ||
	    (r = subject_ok(kr, subject, is_add, err)) != 0)
		goto out;
	/* the keyring's times never go back (a later check would call
	 * this document out of order), nor do the log's */
	if ((r = bc_clock_sign_time(cat, now, err)) != 0)
		goto out;
	if (strcmp(now, kr->last_at) < 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "this clock (%s) is "
		    "behind the last key document (%s); nothing recorded",
		    now, kr->last_at);
		goto out;
	}
	if (bc_keyring_authorised(kr, bc_key_id(admin), BC_ROLE_ADMIN,
	    BC_LEAF_NEXT, NULL, &why) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s", why.msg);
		goto out;
	}
	if (bc_doc_set_log(doc, kr->origin) != 0 ||
	    json_object_set_new(doc, "seq", json_integer(kr->ndocs)) ||
	    json_object_set_new(doc, "prev", json_string(kr->head)) ||
	    json_object_set_new(doc, "at", json_string(now)) ||
	    json_object_set_new(doc, "signer",
	    json_string(bc_key_id(admin)))) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = bc_doc_seal(doc, admin, &sd, err)) != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	row.seq = kr->ndocs;
	snprintf(row.hash, sizeof(row.hash), "%s", sd.hash);
	snprintf(row.key, sizeof(row.key), "%s", subject);
	row.body = sd.text;
	row.body_len = sd.len;
	row.sig = sd.sig;
	row.siglen = sizeof(sd.sig);
	snprintf(row.signer, sizeof(row.signer), "%s", bc_key_id(admin));
	if ((r = bc_catalog_add_keydoc(cat, &row, err)) != 0)
		goto out;
	r = bc_catalog_commit(cat, err);
 out:
	bc_catalog_rollback(cat);
	bc_signed_clear(&sd);
	bc_keyring_free(kr);
	return r;
}

static json_t *
doc_base(const char *action, const char *key)
{
	return json_pack("{s:s, s:s, s:s}", "type", BC_KEY_DOC_TYPE,
	    "action", action, "key", key);
}

int
bc_key_authorise(struct bc_catalog *cat, const struct bc_key *admin,
    const struct bc_key *pub, const char *name, int role,
    struct bc_err *err)
{
	char hex[2 * BC_ED25519_PUBLEN + 1];
	json_t *doc;
	size_t len = strlen(name);
	int r;

	if (len == 0 || len > BC_KEY_NAME_MAX)
		return bc_err_set(err, BC_ERR_INVALID,
		    "key name must be 1 to %d bytes", BC_KEY_NAME_MAX);
	/* it names a signer wherever a record is shown, as an actor does */
	if ((r = bc_text_check("key name", name, err)) != 0)
		return r;
	if (strcmp(bc_role_name(role), "none") == 0)
		return bc_err_set(err, BC_ERR_INVALID, "unknown role");
	bc_hex(bc_key_public(pub), BC_ED25519_PUBLEN, hex);
	if ((doc = doc_base("add", bc_key_id(pub))) == NULL ||
	    json_object_set_new(doc, "public", json_string(hex)) ||
	    json_object_set_new(doc, "name", json_string(name)) ||
	    json_object_set_new(doc, "role", json_string(bc_role_name(role)))) {
		json_decref(doc);
		return bc_err_set(err, BC_ERR_INVALID,
		    "cannot build key document (name not UTF-8?)");
	}
	r = append_doc(cat, admin, doc, bc_key_id(pub), 1, err);
	json_decref(doc);
	return r;
}

int
bc_key_revoke(struct bc_catalog *cat, const struct bc_key *admin,
    const char *id, const char *reason, struct bc_err *err)
{
	json_t *doc;
	int r;

	if (reason == NULL || *reason == '\0' || strlen(reason) > 255)
		return bc_err_set(err, BC_ERR_INVALID,
		    "a reason of 1 to 255 bytes is required");
	if ((doc = doc_base("revoke", id)) == NULL ||
	    json_object_set_new(doc, "reason", json_string(reason))) {
		json_decref(doc);
		return bc_err_set(err, BC_ERR_INVALID,
		    "cannot build key document (reason not UTF-8?)");
	}
	r = append_doc(cat, admin, doc, id, 0, err);
	json_decref(doc);
	return r;
}
