/*
 * verify.c - the checks behind 'bodycam verify' and 'bodycam audit'.
 *
 * Each check has a stable name (and, for an event, its seq) so that
 * scripts and people can tell exactly what failed.  Nothing the catalog
 * says is trusted: hashes are recomputed from the stored bytes, the file
 * is compared with the values sealed in the signed manifest, and a
 * signer's role and revocation come from the verified keyring.
 *
 * The work is split in two so that audit can spread it over cores:
 * bc_rec_prepare (hash, parse, signature: independent per record) and
 * bc_verify_judge (links, authority at signing time, rules: in order).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/canon.h"
#include "bodycam/clock.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/tlog.h"
#include "bodycam/text.h"
#include "bodycam/verify.h"
#include "internal.h"

int
bc_verify_add_check(struct bc_verify_report *rep, int ok, enum bc_check_id id,
    int64_t seq, const char *fmt, ...)
{
	struct bc_check *c, *tmp;
	va_list ap;

	if (!ok)
		rep->status = BC_ERR_INTEGRITY;	/* outranks everything */
	if (ok && rep->failures_only)
		return 0;
	tmp = bc_grow(rep->checks, &rep->checks_cap, rep->nchecks + 1,
	    sizeof(*rep->checks));
	if (tmp == NULL)
		return BC_ERR_NOMEM;
	rep->checks = tmp;
	c = &rep->checks[rep->nchecks++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	snprintf(c->name, sizeof(c->name), "%s", bc_check_name(id));
	c->seq = seq;
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return 0;
}

#define add_check	bc_verify_add_check

/* One record's log-inclusion check against the checkpoint sc (or none). */
static int
check_record(struct bc_catalog *cat, const struct bc_signed_checkpoint *sc,
    int64_t leaf, const char *data, size_t len, int64_t seq,
    const char *uncovered, struct bc_verify_report *rep)
{
	struct bc_err e = { 0 };
	uint64_t size = sc ? sc->cp.size : 0;
	int r;

	if (leaf < 0)
		return add_check(rep, 0, BC_CHECK_LOG_INCLUSION, seq,
		    "the record has no leaf index: it is not in the log");
	r = bc_tlog_record_check(cat, sc, (uint64_t)leaf, data, len, &e);
	if (r == 0 && (uint64_t)leaf < size)
		return add_check(rep, 1, BC_CHECK_LOG_INCLUSION, seq, "leaf %"
		    PRId64 " is in the checkpoint of %" PRIu64 " leaves",
		    leaf, size);
	if (r == 0)
		return add_check(rep, 1, BC_CHECK_LOG_INCLUSION, seq, "leaf %"
		    PRId64 " is the record's own; %s", leaf, uncovered);
	if (r != BC_ERR_INTEGRITY)
		return r;
	return add_check(rep, 0, BC_CHECK_LOG_INCLUSION, seq, "%s", e.msg);
}

/*
 * The log checks of one item: "log-checkpoint" (the newest checkpoint's
 * signature, and that the log still reproduces its root) and, for the
 * manifest (seq -1) and each event, "log-inclusion" (the record hashes to
 * its leaf, and the leaf is included in that checkpoint; a record newer
 * than the checkpoint is only checked against its leaf, and says so).
 * Returns 0 or an error that stopped it.
 */
static int
verify_log(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_item *it, const struct bc_event *ev, size_t n,
    struct bc_verify_report *rep, struct bc_err *err)
{
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_err e = { 0 };
	const struct bc_signed_checkpoint *use = NULL;
	const char *uncovered = "no checkpoint covers it yet";
	size_t i;
	int r;

	r = bc_tlog_latest(cat, kr, &row, &sc, &e);
	if (r == BC_ERR_NOT_FOUND) {
		r = add_check(rep, 1, BC_CHECK_LOG_CHECKPOINT, -1,
		    "no checkpoint yet: none has been signed");
	} else if (r == BC_ERR_INTEGRITY) {
		uncovered = "not proved: the latest checkpoint fails";
		r = add_check(rep, 0, BC_CHECK_LOG_CHECKPOINT, -1, "%s", e.msg);
	} else if (r == 0) {
		struct bc_err e3 = { 0 };
		int r3 = bc_tlog_holds(cat, sc.cp.size, sc.cp.root, &e3);

		uncovered = "not proved: the latest checkpoint fails";
		if (r3 == 0) {
			use = &sc;
			uncovered = "newer than the latest checkpoint, which "
			    "does not cover it yet";
			r = add_check(rep, 1, BC_CHECK_LOG_CHECKPOINT, -1,
			    "%" PRIu64 " leaves, signed by %s (%.16s...)%s%s",
			    sc.cp.size, sc.signer_name, sc.signer,
			    sc.revoked[0] ? ", a key revoked at " : "",
			    sc.revoked);
		} else if (r3 == BC_ERR_INTEGRITY) {
			r = add_check(rep, 0, BC_CHECK_LOG_CHECKPOINT, -1,
			    "the latest checkpoint (%" PRIu64 " leaves): %s",
			    sc.cp.size, e3.msg);
		} else {
			r = bc_err_set(err, r3, "%s", e3.msg);
		}
	} else {
		r = bc_err_set(err, r, "%s", e.msg);
	}
	free(row.note);
	if (r != 0)
		return r;
	if ((r = check_record(cat, use, it->leaf, it->manifest,
	    it->manifest_len, -1, uncovered, rep)) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if ((r = check_record(cat, use, ev[i].leaf, ev[i].body,
		    ev[i].body_len, ev[i].seq, uncovered, rep)) != 0)
			goto fail;
	return 0;
 fail:
	return bc_err_set(err, r, "%s", r == BC_ERR_NOMEM ? "out of memory" :
	    "cannot read the log");
}

void
bc_verify_report_clear(struct bc_verify_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->checks);
	free(rep->path);
	memset(rep, 0, sizeof(*rep));
}

void
bc_rec_prepare(struct bc_rec *r, const struct bc_keyring *kr,
    struct bc_verifier *vf)
{
	const struct bc_keyring_entry *e;
	struct bc_err e1 = { 0 };
	uint8_t digest[BC_SHA256_LEN];
	const char *signer;

	r->doc = NULL;
	r->perr[0] = '\0';
	r->sigstate = BC_REC_SIG_NOKEY;
	r->failed = 0;
	if (bc_sha256(r->text, r->len, digest) != 0) {
		r->failed = BC_ERR_CRYPTO;
		return;
	}
	bc_hex(digest, sizeof(digest), r->hash);
	if (bc_doc_parse(r->text, r->len, r->type, &r->doc, &e1) != 0) {
		/* cut to fit: it says why, the start is enough */
		snprintf(r->perr, sizeof(r->perr), "%.*s",
		    (int)sizeof(r->perr) - 1, e1.msg);
		return;
	}
	signer = bc_doc_str(r->doc, strcmp(r->type, BC_MANIFEST_TYPE) == 0 ?
	    "registered.key" : "key");
	if (signer == NULL || (e = bc_keyring_find(kr, signer)) == NULL ||
	    e->pub == NULL)
		return;
	r->sigstate = (vf != NULL ? bc_verifier_check(vf, e->pub, r->text,
	    r->len, r->sig, r->siglen) : bc_verify(e->pub, r->text, r->len,
	    r->sig, r->siglen)) == 0 ? BC_REC_SIG_OK : BC_REC_SIG_BAD;
}

void
bc_rec_clear(struct bc_rec *r)
{
	json_decref(r->doc);
	r->doc = NULL;
}

/*
 * The signature check of a prepared record: it verifies, and its signer
 * held role at the record's log position leaf (its place in the log, not
 * the time it claims: keys.h).
 */
static int
check_sig(struct bc_verify_report *rep, enum bc_check_id name, int64_t seq,
    const struct bc_rec *r, const struct bc_keyring *kr, const char *signer,
    int role, int64_t leaf)
{
	const struct bc_keyring_entry *e;
	struct bc_err why = { 0 };

	if (r->doc == NULL)
		return add_check(rep, 0, name, seq,
		    "record unreadable; its signer is unknown");
	if (bc_keyring_authorised(kr, signer, role, leaf, &e, &why) != 0)
		return add_check(rep, 0, name, seq, "%s", why.msg);
	if (r->sigstate != BC_REC_SIG_OK)
		return add_check(rep, 0, name, seq, "signature does not verify "
		    "with key %.16s... (%s)", signer, e->name);
	rep->nsigs++;
	return add_check(rep, 1, name, seq, "Ed25519 signature by %.16s... "
	    "(%s, %s)", signer, e->name, bc_role_name(e->role));
}

/*
 * The "manifest-log" or "event-log" check of a parsed record at leaf
 * (seq -1 for the manifest): it names this
 * catalog's log, or is an unbound version 1 record from before the log
 * began to bind its records (valid, and counted as unbound).
 */
static int
check_log(struct bc_verify_report *rep, int64_t seq, const json_t *doc,
    const struct bc_keyring *kr, int64_t leaf)
{
	struct bc_err why = { 0 };
	int r;

	if (doc == NULL)
		return 0;	/* the format check says why */
	r = bc_doc_log_check(doc, kr->origin, leaf, kr->bound_from, &why);
	if (r == 1) {
		rep->nunbound++;
		if (leaf > rep->max_unbound)
			rep->max_unbound = leaf;
	} else if (r == 0 && leaf >= 0 &&
	    (rep->min_bound < 0 || leaf < rep->min_bound))
		rep->min_bound = leaf;
	return add_check(rep, r >= 0, seq < 0 ? BC_CHECK_MANIFEST_LOG :
	    BC_CHECK_EVENT_LOG, seq, "%s", why.msg);
}

/* The role that may sign a manifest: a derived one also a custodian. */
static int
manifest_role(const json_t *mdoc)
{
	return json_object_get(mdoc, "derived") != NULL ?
	    BC_ROLE_INGEST | BC_ROLE_CUSTODIAN : BC_ROLE_INGEST;
}

/* Checks the signed manifest against its hash, signature and the row. */
static int
check_manifest(const struct bc_item *it, const struct bc_rec *m,
    const struct bc_keyring *kr, struct bc_verify_report *rep)
{
	const json_t *mdoc = m->doc;
	const char *s;
	int64_t size;
	int r, same;

	if ((r = add_check(rep, mdoc != NULL, BC_CHECK_MANIFEST_FORMAT, -1,
	    "%s", mdoc != NULL ? "canonical JSON manifest" : m->perr)) != 0)
		return r;
	same = strcmp(m->hash, it->manifest_hash) == 0;
	if ((r = add_check(rep, same, BC_CHECK_MANIFEST_HASH, -1, same ? "%s" :
	    "stored manifest hash %.16s... but the manifest hashes to %s",
	    same ? m->hash : it->manifest_hash, m->hash)) != 0)
		return r;
	if ((r = check_sig(rep, BC_CHECK_MANIFEST_SIGNATURE, -1, m, kr,
	    mdoc ? bc_doc_str(mdoc, "registered.key") : NULL,
	    manifest_role(mdoc), it->leaf)) != 0 ||
	    (r = check_log(rep, -1, mdoc, kr, it->leaf)) != 0)
		return r;

	/* the catalog's columns must say what the signed manifest says */
	if (mdoc == NULL)
		return add_check(rep, 0, BC_CHECK_MANIFEST_RECORD, -1,
		    "manifest unreadable; cannot compare with the catalog row");
	if ((s = bc_doc_str(mdoc, "id")) == NULL || strcmp(s, it->id) != 0)
		return add_check(rep, 0, BC_CHECK_MANIFEST_RECORD, -1,
		    "catalog id %s but manifest id %s", it->id, s ? s : "-");
	if ((s = bc_doc_str(mdoc, "file.sha256")) == NULL ||
	    strcmp(s, it->sha256) != 0)
		return add_check(rep, 0, BC_CHECK_MANIFEST_RECORD, -1,
		    "catalog SHA-256 %.16s... differs from the sealed one",
		    it->sha256);
	if (bc_doc_int(mdoc, "file.size", &size) != 0 || size != it->size)
		return add_check(rep, 0, BC_CHECK_MANIFEST_RECORD, -1,
		    "catalog size %lld differs from the sealed size",
		    (long long)it->size);
	if ((s = bc_doc_str(mdoc, "registered.key")) == NULL ||
	    strcmp(s, it->key) != 0 || (s = bc_doc_str(mdoc,
	    "registered.at")) == NULL || it->registered == NULL ||
	    strcmp(s, it->registered) != 0)
		return add_check(rep, 0, BC_CHECK_MANIFEST_RECORD, -1,
		    "catalog signer or registration time differs from the "
		    "sealed one");
	return add_check(rep, 1, BC_CHECK_MANIFEST_RECORD, -1,
	    "catalog row agrees with the sealed manifest");
}

/*
 * A derived item: its parent exists with the sealed manifest and file
 * hashes, and the parent's chain records the derivation of this item.
 */
static int
check_parent(struct bc_catalog *cat, const struct bc_item *it,
    const json_t *mdoc, struct bc_verify_report *rep, struct bc_err *err)
{
	struct bc_item *p = NULL;
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	const char *from, *pman, *psha, *s;
	json_t *pdoc = NULL, *doc;
	size_t i, n = 0;
	int found = 0, r;

	from = bc_doc_str(mdoc, "derived.from");
	pman = bc_doc_str(mdoc, "derived.manifest");
	psha = bc_doc_str(mdoc, "derived.sha256");
	if (from == NULL || pman == NULL || psha == NULL)
		return add_check(rep, 0, BC_CHECK_DERIVE_PARENT, -1,
		    "the manifest's 'derived' names no parent");
	r = bc_catalog_find_by_manifest(cat, pman, &p, &e);
	if (r == BC_ERR_NOT_FOUND)
		return add_check(rep, 0, BC_CHECK_DERIVE_PARENT, -1, "parent "
		    "%s (manifest %.16s...) is not in the catalog", from, pman);
	if (r != 0)
		return bc_err_set(err, r, "%s", e.msg);
	if (strcmp(p->id, from) != 0 || bc_doc_parse(p->manifest,
	    p->manifest_len, BC_MANIFEST_TYPE, &pdoc, &e) != 0 ||
	    (s = bc_doc_str(pdoc, "file.sha256")) == NULL ||
	    strcmp(s, psha) != 0) {
		r = add_check(rep, 0, BC_CHECK_DERIVE_PARENT, -1, "parent %s "
		    "does not match the sealed parent (id, manifest or file "
		    "hash)", from);
		goto out;
	}
	if ((r = bc_catalog_events(cat, p->manifest_hash, &ev, &n,
	    err)) != 0)
		goto out;
	for (i = 0; i < n && !found; i++) {
		if (bc_doc_parse(ev[i].body, ev[i].body_len, BC_EVENT_TYPE,
		    &doc, &e) != 0)
			continue;
		found = (s = bc_doc_str(doc, "action")) != NULL &&
		    strcmp(s, "derive") == 0 &&
		    (s = bc_doc_str(doc, "details.child.manifest")) != NULL &&
		    strcmp(s, it->manifest_hash) == 0;
		json_decref(doc);
	}
	r = add_check(rep, found, BC_CHECK_DERIVE_PARENT, -1, found ?
	    "derived from %s (SHA-256 %.16s...), recorded in its chain" :
	    "parent %s records no 'derive' event for this item", from, psha);
 out:
	bc_events_free(ev, n);
	json_decref(pdoc);
	bc_item_free(p);
	return r;
}

int
bc_verify_file(const struct bc_item *it, const json_t *mdoc,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep)
{
	struct bc_file_hash fh;
	struct bc_err e = { 0 };
	char hex[BC_SHA256_HEX];
	const char *want = NULL, *path;
	int64_t want_size = -1;
	int before, herr, r;

	/* the item's current place: its last signed relocate's, if any */
	path = opts->file ? opts->file : bc_custody_place(it, &rep->state);
	free(rep->path);
	if ((rep->path = strdup(path)) == NULL)
		return BC_ERR_NOMEM;
	if (mdoc != NULL) {
		want = bc_doc_str(mdoc, "file.sha256");
		if (bc_doc_int(mdoc, "file.size", &want_size) != 0)
			want_size = -1;
	}
	if (opts->file_hash != NULL) {
		fh = *opts->file_hash;
	} else if ((herr = bc_hash_file(path, &fh, opts->progress,
	    opts->progress_arg, &e)) != 0) {
		before = rep->status;
		if ((r = add_check(rep, 0, BC_CHECK_FILE_PRESENT, -1, "%s",
		    e.msg)) != 0)
			return r;
		/* a missing or unreadable file is not evidence of tampering:
		 * it keeps its own error unless the record itself is bad */
		rep->status = before == BC_ERR_INTEGRITY ? before : herr;
		return 0;
	}
	if ((r = add_check(rep, 1, BC_CHECK_FILE_PRESENT, -1, "%s", path)) != 0)
		return r;
	if (want == NULL || want_size < 0)
		return add_check(rep, 0, BC_CHECK_FILE_HASH, -1,
		    "no sealed hash to compare with (manifest unreadable)");
	if ((r = add_check(rep, (int64_t)fh.size == want_size,
	    BC_CHECK_FILE_SIZE, -1, (int64_t)fh.size == want_size ?
	    "%llu bytes" : "file has %llu bytes, sealed size is %lld",
	    (unsigned long long)fh.size, (long long)want_size)) != 0)
		return r;
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	snprintf(rep->measured, sizeof(rep->measured), "%s", hex);
	if (strcmp(hex, want) == 0)
		return add_check(rep, 1, BC_CHECK_FILE_HASH, -1, "SHA-256 %s",
		    hex);
	return add_check(rep, 0, BC_CHECK_FILE_HASH, -1,
	    "file SHA-256 %s differs from the sealed %s", hex, want);
}

/* The link of event i: its seq, item and prev. */
static int
check_link(const struct bc_event *ev, const struct bc_rec *r,
    const char *mhash, int64_t want_seq, const char *prev, int first,
    struct bc_verify_report *rep)
{
	const char *s;
	int64_t seq;

	if (r->doc == NULL)
		return add_check(rep, 0, BC_CHECK_EVENT_LINK, ev->seq,
		    "event unreadable; its link is unknown");
	if (bc_doc_int(r->doc, "seq", &seq) != 0 || seq != want_seq)
		return add_check(rep, 0, BC_CHECK_EVENT_LINK, ev->seq,
		    "event has seq %lld where %lld was due",
		    (long long)(bc_doc_int(r->doc, "seq", &seq) == 0 ? seq :
		    -1), (long long)want_seq);
	if (ev->seq != seq)
		return add_check(rep, 0, BC_CHECK_EVENT_LINK, ev->seq,
		    "stored as seq %lld but the event says %lld",
		    (long long)ev->seq, (long long)seq);
	if ((s = bc_doc_str(r->doc, "item")) == NULL || strcmp(s, mhash) != 0)
		return add_check(rep, 0, BC_CHECK_EVENT_LINK, ev->seq,
		    "event belongs to another item (manifest %.16s...)",
		    s ? s : "(none)");
	if ((s = bc_doc_str(r->doc, "prev")) == NULL || strcmp(s, prev) != 0)
		return add_check(rep, 0, BC_CHECK_EVENT_LINK, ev->seq,
		    "prev %.16s... does not match the %s %.16s...",
		    s ? s : "(none)", first ? "manifest hash" :
		    "previous event's hash", prev);
	return add_check(rep, 1, BC_CHECK_EVENT_LINK, ev->seq,
	    "seq %lld follows %.16s...", (long long)seq, prev);
}

/*
 * The chain: links run from the manifest as its bytes hash (mhash), not
 * from the hash the catalog stored beside it.
 */
static int
check_events(const char *mhash, const json_t *mdoc,
    const struct bc_event *ev, const struct bc_rec *er, size_t n,
    const struct bc_keyring *kr, struct bc_verify_report *rep)
{
	struct bc_err why = { 0 };
	const char *action, *sealed;
	char prev[BC_SHA256_HEX], place[PATH_MAX];
	int64_t want = 0, seq, nsigs;
	size_t i;
	int role, r, moved;

	rep->nevents = (int64_t)n;
	if (n == 0)
		return add_check(rep, 0, BC_CHECK_CHAIN, -1, "no custody "
		    "events: the genesis 'register' event is missing");
	sealed = mdoc ? bc_doc_str(mdoc, "file.sha256") : NULL;
	snprintf(prev, sizeof(prev), "%s", mhash);
	for (i = 0; i < n; i++) {
		if (er[i].doc == NULL)
			r = add_check(rep, 0, BC_CHECK_EVENT_HASH, ev[i].seq,
			    "%s", er[i].perr);
		else if (strcmp(er[i].hash, ev[i].hash) != 0)
			r = add_check(rep, 0, BC_CHECK_EVENT_HASH, ev[i].seq,
			    "stored hash %.16s... but the event hashes to "
			    "%.16s...", ev[i].hash, er[i].hash);
		else
			r = add_check(rep, 1, BC_CHECK_EVENT_HASH, ev[i].seq,
			    "%s", er[i].hash);
		if (r != 0 || (r = check_link(&ev[i], &er[i], mhash, want,
		    prev, i == 0, rep)) != 0)
			return r;
		/* the next is due after this one, as it says */
		want = er[i].doc && bc_doc_int(er[i].doc, "seq", &seq) == 0 ?
		    seq + 1 : want + 1;
		snprintf(prev, sizeof(prev), "%s", er[i].hash);

		action = er[i].doc ? bc_doc_str(er[i].doc, "action") : NULL;
		role = bc_event_role(action);
		if (role == BC_ROLE_INGEST && mdoc != NULL)
			role = manifest_role(mdoc);	/* derived: custodian */
		nsigs = rep->nsigs;
		if ((r = check_sig(rep, BC_CHECK_EVENT_SIGNATURE, ev[i].seq,
		    &er[i], kr, er[i].doc ? bc_doc_str(er[i].doc, "key") :
		    NULL, role, ev[i].leaf)) != 0 ||
		    (r = check_log(rep, ev[i].seq, er[i].doc, kr,
		    ev[i].leaf)) != 0)
			return r;
		if (er[i].doc == NULL)
			continue;
		/* only a signed relocate moves the place files are looked
		 * for at (a forged one fails event-signature all the same) */
		moved = bc_action_parse(action) == BC_ACT_RELOCATE;
		if (moved)
			memcpy(place, rep->state.path, sizeof(place));
		if (bc_custody_rule(&rep->state, er[i].doc, sealed, &why) != 0)
			r = add_check(rep, 0, BC_CHECK_EVENT_RULE, ev[i].seq,
			    "%s", why.msg);
		else if (bc_clock_too_far_ahead(bc_doc_str(er[i].doc, "at")))
			/* a writer never signs so far ahead (clock.h): such a
			 * record would freeze the chain until its date */
			r = add_check(rep, 0, BC_CHECK_EVENT_RULE, ev[i].seq,
			    "dated %s, more than %d s ahead of this clock",
			    bc_doc_str(er[i].doc, "at"), BC_TIME_TOLERANCE);
		else
			r = add_check(rep, 1, BC_CHECK_EVENT_RULE, ev[i].seq,
			    "%s", action);
		if (moved && (rep->nsigs == nsigs ||
		    strcmp(er[i].hash, ev[i].hash) != 0))
			memcpy(rep->state.path, place, sizeof(place));
		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * The current view stored for list (catalog.h) against the one the chain
 * gives: the manifest with the annotations that obey the rules.  Derived
 * data, never used to judge the evidence, but a row that differs was
 * written by hand: list would hide the item or show it where it is not.
 */
static int
check_view(struct bc_catalog *cat, const struct bc_item *it,
    const json_t *manifest, struct bc_verify_report *rep,
    struct bc_err *err)
{
	struct bc_view v;
	json_t *doc;
	char *stored = NULL, *want = NULL;
	size_t len;
	int64_t seq;
	int r;

	if ((r = bc_catalog_get_view(cat, it->manifest_hash, &seq, &stored,
	    err)) != 0)
		return r;
	if (stored == NULL && rep->state.ann.annotations == 0)
		return 0;
	bc_view_current(manifest, &rep->state.ann, &v);
	if ((doc = bc_view_json(&v)) == NULL) {
		free(stored);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	r = bc_canon_dump(doc, &want, &len, err);
	json_decref(doc);
	if (r == 0) {
		if (stored == NULL)
			r = bc_verify_add_check(rep, 0, BC_CHECK_VIEW, -1,
			    "no current view is stored for %lld annotations",
			    (long long)rep->state.ann.annotations);
		else if (strcmp(stored, want) != 0)
			r = bc_verify_add_check(rep, 0, BC_CHECK_VIEW, seq,
			    "the stored current view differs from the one "
			    "the annotations give");
		else
			r = bc_verify_add_check(rep, 1, BC_CHECK_VIEW, -1,
			    "as %lld annotation%s give%s it",
			    (long long)rep->state.ann.annotations,
			    rep->state.ann.annotations == 1 ? "" : "s",
			    rep->state.ann.annotations == 1 ? "s" : "");
	}
	free(stored);
	free(want);
	return r;
}

/*
 * The status stored for retention (catalog.h) against the one the record
 * gives: derived, never trusted for a purge, but a row that differs was
 * written by hand, to put an item on retention's list or take it off.
 */
static int
check_status(struct bc_catalog *cat, const struct bc_item *it,
    const json_t *manifest, struct bc_verify_report *rep,
    struct bc_err *err)
{
	const struct bc_custody_state *cs = &rep->state;
	struct bc_status s, want;
	const char *what = NULL;
	int r;

	if ((r = bc_catalog_get_status(cat, it->manifest_hash, &s, err)) != 0)
		return r;
	bc_status_make(it->num, it->manifest_hash, it->id, manifest,
	    &cs->ann, s.seq, cs->held, cs->purged, cs->media, &want);
	if (s.seq < 0)
		return bc_verify_add_check(rep, 0, BC_CHECK_STATUS, -1,
		    "no status is stored for retention");
	if (s.held != want.held || s.purged != want.purged ||
	    strcmp(s.media, want.media) != 0)
		what = "hold, purge or media";
	else if (strcmp(s.category, want.category) != 0 ||
	    strcmp(s.case_no, want.case_no) != 0)
		what = "case or category";
	else if (strcmp(s.start, want.start) != 0 ||
	    strcmp(s.start_from, want.start_from) != 0)
		what = "start";
	else if (strcmp(s.id, want.id) != 0 || s.num != want.num)
		what = "id";
	if (what != NULL)
		return bc_verify_add_check(rep, 0, BC_CHECK_STATUS, s.seq,
		    "the stored status's %s differs from the record's (stored "
		    "%s, %s, %s; the record's %s, %s, %s)", what,
		    s.held ? "held" : "not held", s.purged ? "purged" :
		    "not purged", s.category[0] ? s.category : "no category",
		    want.held ? "held" : "not held", want.purged ? "purged" :
		    "not purged", want.category[0] ? want.category :
		    "no category");
	return bc_verify_add_check(rep, 1, BC_CHECK_STATUS, -1, "%s, %s; "
	    "retention from %s", s.held ? "held" : "not held", s.purged ?
	    "purged" : "not purged", s.start_from);
}

int
bc_verify_judge(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_rec *m, const struct bc_event *ev, struct bc_rec *er,
    size_t n, const struct bc_keyring *kr, struct bc_verify_report *rep,
    struct bc_err *err)
{
	size_t i;
	int r;

	rep->max_unbound = rep->min_bound = -1;
	if (m->failed)
		return bc_err_set(err, m->failed, "SHA-256 failed");
	for (i = 0; i < n; i++)
		if (er[i].failed)
			return bc_err_set(err, er[i].failed, "SHA-256 failed");
	if ((r = check_manifest(it, m, kr, rep)) != 0)
		return r;
	if (m->doc != NULL && json_object_get(m->doc, "derived") != NULL &&
	    (r = check_parent(cat, it, m->doc, rep, err)) != 0)
		return r;
	if ((r = check_events(m->hash, m->doc, ev, er, n, kr, rep)) != 0)
		return r;
	if ((r = check_view(cat, it, m->doc, rep, err)) != 0)
		return r;
	return check_status(cat, it, m->doc, rep, err);
}

/* A check of verify-tsa.c, which does not call into this file. */
static int
add_tsa_check(void *arg, int ok, enum bc_check_id id, const char *detail)
{
	return add_check(arg, ok, id, -1, "%s", detail);
}

int
bc_verify_item(struct bc_catalog *cat, const struct bc_item *it,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep,
    struct bc_err *err)
{
	static const struct bc_verify_opts defaults;
	struct bc_keyring *kr = NULL;
	struct bc_event *ev = NULL;
	struct bc_rec m, *er = NULL;
	struct bc_err kerr = { 0 };
	size_t i, n = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	memset(&m, 0, sizeof(m));
	if (opts == NULL)
		opts = &defaults;
	rep->failures_only = opts->failures_only;
	snprintf(rep->id, sizeof(rep->id), "%s", it->id);
	r = bc_keyring_load(cat, &kr, &kerr);
	if (r != 0 && (r != BC_ERR_INTEGRITY || kr == NULL)) {
		bc_err_set(err, r, "%s", kerr.msg);
		goto out;
	}
	/* a broken keyring fails here; what it proved so far is still used */
	if (r == 0)
		r = add_check(rep, 1, BC_CHECK_KEYRING, -1, "%lld key "
		    "document%s verif%s", (long long)kr->ndocs, kr->ndocs == 1 ?
		    "" : "s", kr->ndocs == 1 ? "ies" : "y");
	else
		r = add_check(rep, 0, BC_CHECK_KEYRING, -1, "%s", kerr.msg);
	if (r != 0)
		goto nomem;
	if ((r = bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    err)) != 0)
		goto out;
	if (n > 0 && (er = calloc(n, sizeof(*er))) == NULL) {
		r = BC_ERR_NOMEM;
		goto nomem;
	}
	m.text = it->manifest;
	m.len = it->manifest_len;
	m.sig = it->sig;
	m.siglen = it->siglen;
	m.type = BC_MANIFEST_TYPE;
	bc_rec_prepare(&m, kr, NULL);
	for (i = 0; i < n; i++) {
		er[i].text = ev[i].body;
		er[i].len = ev[i].body_len;
		er[i].sig = ev[i].sig;
		er[i].siglen = ev[i].siglen;
		er[i].type = BC_EVENT_TYPE;
		bc_rec_prepare(&er[i], kr, NULL);
	}
	if ((r = bc_verify_judge(cat, it, &m, ev, er, n, kr, rep,
	    err)) != 0)
		goto nomem;
	if ((r = verify_log(cat, kr, it, ev, n, rep, err)) != 0)
		goto out;
	/* trusted time: verify-tsa.c */
	if ((r = bc_verify_tsa(cat, kr, opts->tsa, it, &m, ev, er, n,
	    add_tsa_check, rep, err)) != 0)
		goto out;
	if (opts->no_file)
		r = 0;
	else if (rep->state.purged)
		r = add_check(rep, 1, BC_CHECK_FILE_PURGED, -1, "purged at %s "
		    "by %s: %s; the record stays, the file is not checked",
		    rep->state.purged_at, rep->state.purged_by,
		    rep->state.purge_reason);
	else
		r = bc_verify_file(it, m.doc, opts, rep);
 nomem:
	if (r == BC_ERR_NOMEM)
		bc_err_set(err, r, "out of memory");
 out:
	for (i = 0; er != NULL && i < n; i++)
		bc_rec_clear(&er[i]);
	free(er);
	bc_rec_clear(&m);
	bc_events_free(ev, n);
	bc_keyring_free(kr);
	return r;
}

json_t *
bc_verify_report_json(const struct bc_verify_report *rep)
{
	json_t *o, *checks, *c;
	size_t i;

	if ((checks = json_array()) == NULL)
		return NULL;
	for (i = 0; i < rep->nchecks; i++) {
		c = json_pack("{s:s, s:b, s:o}", "name", rep->checks[i].name,
		    "ok", rep->checks[i].ok, "detail",
		    bc_json_text(rep->checks[i].detail));
		if (c != NULL && rep->checks[i].seq >= 0 &&
		    json_object_set_new(c, "seq",
		    json_integer(rep->checks[i].seq)) != 0) {
			json_decref(c);
			c = NULL;
		}
		if (c == NULL || json_array_append_new(checks, c) != 0) {
			json_decref(checks);
			return NULL;
		}
	}
	o = json_pack("{s:s, s:b, s:s, s:I, s:b, s:b, s:s, s:o}", "id",
	    rep->id, "ok", rep->status == 0, "status",
	    rep->status == 0 ? (rep->state.purged ? "purged" : "ok") :
	    rep->status == BC_ERR_INTEGRITY ? "failed" :
	    bc_strerror(rep->status), "events", (json_int_t)rep->nevents,
	    "held", rep->state.held, "purged", rep->state.purged,
	    "custodian", rep->state.custodian, "checks", checks);
	/* a path that is not UTF-8 comes with its bytes (text.h) */
	if (o != NULL && rep->path != NULL &&
	    bc_json_set_name(o, "path", rep->path) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}
