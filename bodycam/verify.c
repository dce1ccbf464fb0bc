/*
 * verify.c - the checks behind 'bodycam verify'.
 *
 * Each check has a stable name so that scripts and people can tell exactly
 * what failed.  The file is compared with the values sealed in the signed
 * manifest, not with the catalog's columns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/verify.h"

static int
add_check(struct bc_verify_report *rep, int ok, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
add_check(struct bc_verify_report *rep, int ok, const char *name,
    const char *fmt, ...)
{
	struct bc_check *c, *tmp;
	va_list ap;

	tmp = realloc(rep->checks, (rep->nchecks + 1) * sizeof(*rep->checks));
	if (tmp == NULL)
		return BC_ERR_NOMEM;
	rep->checks = tmp;
	c = &rep->checks[rep->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!ok)
		rep->status = BC_ERR_INTEGRITY;	/* outranks everything */
	return 0;
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

/* Checks the signed manifest; *mdoc is the parsed manifest or NULL. */
static int
check_manifest(const struct bc_item *it, const struct bc_keyring *kr,
    json_t **mdoc, char mhash[BC_SHA256_HEX], struct bc_verify_report *rep)
{
	struct bc_err e = { "" }, why = { "" };
	uint8_t digest[BC_SHA256_LEN];
	const char *s;
	int64_t size;
	int r;

	*mdoc = NULL;
	mhash[0] = '\0';
	r = bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    mdoc, &e);
	if ((r = add_check(rep, r == 0, "manifest-format", "%s",
	    r == 0 ? "canonical JSON manifest" : e.msg)) != 0)
		return r;
	if (bc_sha256(it->manifest, it->manifest_len, digest) != 0)
		return BC_ERR_CRYPTO;
	bc_hex(digest, sizeof(digest), mhash);
	if ((r = add_check(rep, strcmp(mhash, it->manifest_hash) == 0,
	    "manifest-hash", strcmp(mhash, it->manifest_hash) == 0 ?
	    "%s" : "stored manifest hash %.16s... but the manifest hashes to "
	    "%s", strcmp(mhash, it->manifest_hash) == 0 ? mhash :
	    it->manifest_hash, mhash)) != 0)
		return r;

	/* signed by a key that could register at the sealed time */
	s = *mdoc ? bc_doc_str(*mdoc, "registered.key") : NULL;
	if (*mdoc == NULL)
		r = add_check(rep, 0, "manifest-signature",
		    "manifest unreadable; its signer is unknown");
	else if (bc_keyring_check_sig(kr, s, BC_ROLE_INGEST,
	    bc_doc_str(*mdoc, "registered.at"), it->manifest,
	    it->manifest_len, it->sig, it->siglen, &why) != 0)
		r = add_check(rep, 0, "manifest-signature", "%s", why.msg);
	else
		r = add_check(rep, 1, "manifest-signature", "%s", why.msg);
	if (r != 0)
		return r;

	/* the catalog's columns must say what the signed manifest says */
	if (*mdoc == NULL)
		return add_check(rep, 0, "manifest-record",
		    "manifest unreadable; cannot compare with the catalog row");
	if ((s = bc_doc_str(*mdoc, "id")) == NULL || strcmp(s, it->id) != 0)
		return add_check(rep, 0, "manifest-record",
		    "catalog id %s but manifest id %s", it->id, s ? s : "-");
	if ((s = bc_doc_str(*mdoc, "file.sha256")) == NULL ||
	    strcmp(s, it->sha256) != 0)
		return add_check(rep, 0, "manifest-record",
		    "catalog SHA-256 %.16s... differs from the sealed one",
		    it->sha256);
	if (bc_doc_int(*mdoc, "file.size", &size) != 0 || size != it->size)
		return add_check(rep, 0, "manifest-record",
		    "catalog size %lld differs from the sealed size",
		    (long long)it->size);
	return add_check(rep, 1, "manifest-record",
	    "catalog row agrees with the sealed manifest");
}

static int
check_file(const struct bc_item *it, const json_t *mdoc,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep)
{
	struct bc_file_hash fh;
	struct bc_err e = { "" };
	char hex[BC_SHA256_HEX];
	const char *want = NULL, *path;
	int64_t want_size = -1;
	int before, herr, r;

	path = opts->file ? opts->file : it->path;
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
		if ((r = add_check(rep, 0, "file-present", "%s", e.msg)) != 0)
			return r;
		/* a missing or unreadable file is not evidence of tampering:
		 * it keeps its own error unless the record itself is bad */
		rep->status = before == BC_ERR_INTEGRITY ? before : herr;
		return 0;
	}
	if ((r = add_check(rep, 1, "file-present", "%s", path)) != 0)
		return r;
	if (want == NULL || want_size < 0)
		return add_check(rep, 0, "file-hash",
		    "no sealed hash to compare with (manifest unreadable)");
	if ((r = add_check(rep, (int64_t)fh.size == want_size, "file-size",
	    (int64_t)fh.size == want_size ? "%llu bytes" :
	    "file has %llu bytes, sealed size is %lld",
	    (unsigned long long)fh.size, (long long)want_size)) != 0)
		return r;
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	if (strcmp(hex, want) == 0)
		return add_check(rep, 1, "file-hash", "SHA-256 %s", hex);
	return add_check(rep, 0, "file-hash",
	    "file SHA-256 %s differs from the sealed %s", hex, want);
}

static int
check_events(struct bc_catalog *cat, const struct bc_item *it,
    const struct bc_keyring *kr, const char *mhash,
    struct bc_verify_report *rep, struct bc_err *err)
{
	struct bc_event *ev = NULL;
	struct bc_err e = { "" }, why = { "" };
	uint8_t digest[BC_SHA256_LEN];
	char name[BC_CHECK_NAME_MAX], hex[BC_SHA256_HEX], prev[BC_SHA256_HEX];
	const char *s;
	json_t *doc;
	size_t i, n = 0;
	int64_t seq;
	int ok, r;

	if ((r = bc_catalog_events(cat, it->manifest_hash, &ev, &n, err)) != 0)
		return r;
	if (n == 0) {
		r = add_check(rep, 0, "chain",
		    "no custody events: the genesis 'register' event is "
		    "missing");
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s", mhash);
	for (i = 0; i < n; i++) {
		doc = NULL;
		r = bc_doc_parse(ev[i].body, ev[i].body_len, BC_EVENT_TYPE,
		    &doc, &e);
		if (bc_sha256(ev[i].body, ev[i].body_len, digest) != 0) {
			json_decref(doc);
			r = BC_ERR_CRYPTO;
			goto out;
		}
		bc_hex(digest, sizeof(digest), hex);
		snprintf(name, sizeof(name), "event-%zu-hash", i);
		if (r != 0)
			r = add_check(rep, 0, name, "%s", e.msg);
		else if (strcmp(hex, ev[i].hash) != 0)
			r = add_check(rep, 0, name, "stored hash %.16s... but "
			    "the event hashes to %.16s...", ev[i].hash, hex);
		else
			r = add_check(rep, 1, name, "%s", hex);
		if (r != 0) {
			json_decref(doc);
			goto out;
		}

		snprintf(name, sizeof(name), "event-%zu-link", i);
		s = doc ? bc_doc_str(doc, "prev") : NULL;
		ok = doc != NULL && bc_doc_int(doc, "seq", &seq) == 0 &&
		    seq == (int64_t)i && ev[i].seq == (int64_t)i;
		if (!ok)
			r = add_check(rep, 0, name, "sequence number is not %zu",
			    i);
		else if ((s = bc_doc_str(doc, "item")) == NULL ||
		    strcmp(s, mhash) != 0)
			r = add_check(rep, 0, name,
			    "event names another item than this manifest");
		else if ((s = bc_doc_str(doc, "prev")) == NULL ||
		    strcmp(s, prev) != 0)
			r = add_check(rep, 0, name, "prev %.16s... does not "
			    "match the %s %.16s...", s ? s : "(none)",
			    i == 0 ? "manifest hash" : "previous event hash",
			    prev);
		else if (i == 0 && ((s = bc_doc_str(doc, "action")) == NULL ||
		    strcmp(s, "register") != 0))
			r = add_check(rep, 0, name,
			    "first event is not 'register'");
		else
			r = add_check(rep, 1, name, "seq %zu follows %.16s...",
			    i, prev);
		if (r != 0) {
			json_decref(doc);
			goto out;
		}
		snprintf(prev, sizeof(prev), "%s", hex);

		snprintf(name, sizeof(name), "event-%zu-signature", i);
		if (doc == NULL)
			r = add_check(rep, 0, name,
			    "event unreadable; its signer is unknown");
		else if (bc_keyring_check_sig(kr, bc_doc_str(doc, "key"),
		    bc_event_role(bc_doc_str(doc, "action")),
		    bc_doc_str(doc, "at"), ev[i].body, ev[i].body_len,
		    ev[i].sig, ev[i].siglen, &why) != 0)
			r = add_check(rep, 0, name, "%s", why.msg);
		else
			r = add_check(rep, 1, name, "%s", why.msg);
		json_decref(doc);
		if (r != 0)
			goto out;
	}
	r = 0;
 out:
	bc_events_free(ev, n);
	return r;
}

int
bc_verify_item(struct bc_catalog *cat, const struct bc_item *it,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep,
    struct bc_err *err)
{
	static const struct bc_verify_opts defaults;
	struct bc_keyring *kr = NULL;
	struct bc_err kerr = { "" };
	json_t *mdoc = NULL;
	char mhash[BC_SHA256_HEX];
	int r;

	memset(rep, 0, sizeof(*rep));
	if (opts == NULL)
		opts = &defaults;
	snprintf(rep->id, sizeof(rep->id), "%s", it->id);
	r = bc_keyring_load(cat, &kr, &kerr);
	if (r != 0 && (r != BC_ERR_INTEGRITY || kr == NULL)) {
		bc_err_set(err, r, "%s", kerr.msg);
		goto out;
	}
	/* a broken keyring fails here; what it proved so far is still used */
	if (r == 0)
		r = add_check(rep, 1, "keyring", "%lld key document%s verify",
		    (long long)kr->ndocs, kr->ndocs == 1 ? "" : "s");
	else
		r = add_check(rep, 0, "keyring", "%s", kerr.msg);
	if (r != 0 ||
	    (r = check_manifest(it, kr, &mdoc, mhash, rep)) != 0 ||
	    (r = check_file(it, mdoc, opts, rep)) != 0 ||
	    (r = check_events(cat, it, kr, mhash, rep, err)) != 0) {
		if (r == BC_ERR_NOMEM)
			bc_err_set(err, r, "out of memory");
		goto out;
	}
	r = 0;
 out:
	json_decref(mdoc);
	bc_keyring_free(kr);
	return r;
}
