/*
 * verify-tsa.c - verify's trusted-time checks: the stored RFC 3161
 * tokens, and the records of an item signed by a key revoked since.
 *
 * A record's authority is its log position before the revocation
 * (keys.h): that stays the rule, and its level (such a record passes).
 * Trusted time says more to an outsider who does not trust the agency's
 * clock or its log's order: a token from a TSA the verifier names shows
 * that a checkpoint covering the record existed before the revocation.
 * Each such record gets a "trusted-time" line saying which checkpoint
 * covers it, or precisely that none does; a token that does not check
 * out is a "timestamp" failure, whoever filed it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bodycam/tsa.h"
#include "internal.h"

/* One record's trusted-time line, when its signer is revoked since. */
static int
record_time(const struct bc_keyring *kr, const struct bc_tsa_times *tt,
    const struct bc_rec *rec, const char *keypath, int64_t seq,
    int64_t leaf, bc_verify_add_fn add, void *arg)
{
	const struct bc_keyring_entry *e;
	const struct bc_tsa_time *t;
	const char *signer;
	char what[80], d[640];

	if (rec->doc == NULL || leaf < 0 ||
	    (signer = bc_doc_str(rec->doc, keypath)) == NULL ||
	    (e = bc_keyring_find(kr, signer)) == NULL ||
	    e->revoked[0] == '\0' || e->revoke_leaf < 0 ||
	    leaf >= e->revoke_leaf)
		return 0;	/* not revoked, or already failed */
	if (seq < 0)
		snprintf(what, sizeof(what), "the manifest (leaf %" PRId64 ")",
		    leaf);
	else
		snprintf(what, sizeof(what), "event seq %" PRId64 " (leaf %"
		    PRId64 ")", seq, leaf);
	if ((t = bc_tsa_covering(tt, e, leaf)) != NULL)
		snprintf(d, sizeof(d), "%s, by key %.16s... (%s) revoked at "
		    "%s: covered by timestamped checkpoint %" PRId64 " at %s",
		    what, e->id, e->name, e->revoked, t->checkpoint, t->time);
	else
		snprintf(d, sizeof(d), "%s, by key %.16s... (%s) revoked at "
		    "%s: no time-stamped checkpoint from before the "
		    "revocation covers it%s; it stands on its place in the log "
		    "alone", what, e->id, e->name, e->revoked, tt->n == 0 ?
		    " (no checkpoint is time-stamped)" : tt->trusted ? "" :
		    " (no --tsa-ca: no token is trusted)");
	return add(arg, 1, BC_CHECK_TRUSTED_TIME, d);
}

int
bc_verify_tsa(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_tsa_trust *trust, const struct bc_item *it,
    const struct bc_rec *m, const struct bc_event *ev,
    const struct bc_rec *er, size_t n, bc_verify_add_fn add, void *arg,
    struct bc_err *err)
{
	char d[BC_CHECK_DETAIL_MAX];
	struct bc_tsa_times tt;
	size_t i, bad = 0;
	int r;

	if ((r = bc_tsa_times_load(cat, kr, trust, &tt, err)) != 0)
		return r;
	for (i = 0; i < tt.n; i++) {
		if (!tt.t[i].bad)
			continue;
		bad++;
		if ((r = add(arg, 0, BC_CHECK_TIMESTAMP, tt.t[i].why)) != 0)
			goto out;
	}
	if (tt.n > 0 && bad == 0) {
		snprintf(d, sizeof(d), "%zu token%s over %s checkpoint%s%s",
		    tt.n, tt.n == 1 ? "" : "s", tt.n == 1 ? "its" : "their",
		    tt.n == 1 ? "" : "s", trust != NULL ? ", signed by a TSA "
		    "of --tsa-ca" : "; signatures not checked (no --tsa-ca)");
		if ((r = add(arg, 1, BC_CHECK_TIMESTAMP, d)) != 0)
			goto out;
	}
	if ((r = record_time(kr, &tt, m, "registered.key", -1, it->leaf,
	    add, arg)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = record_time(kr, &tt, &er[i], "key", ev[i].seq,
		    ev[i].leaf, add, arg)) != 0)
			goto out;
 out:
	if (r == BC_ERR_NOMEM)
		bc_err_set(err, r, "out of memory");
	bc_tsa_times_clear(&tt);
	return r;
}
