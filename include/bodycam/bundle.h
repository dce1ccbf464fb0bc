/*
 * bundle.h - release bundles: what bodycam hands a recipient (bc_release,
 * release.c) and the offline check of one (bc_bundle_verify, bundle.c).
 *
 * A bundle is a directory that proves itself with sha256sum, openssl and a
 * shell, without the catalog:
 *
 *   VERIFY.md                 the commands that check it, and what each
 *                             step proves
 *   SHA256SUMS                "<64 hex>  <path>\n" for every other regular
 *                             file, paths relative, sorted bytewise: the
 *                             format of sha256sum -c
 *   checkpoint                a C2SP signed checkpoint of the catalog's
 *                             log, signed under its origin by the
 *                             releasing key in the release's transaction:
 *                             its last leaf is the release statement
 *   release.json              the release statement's canonical bytes
 *                             (BC_RELEASE_DOC_TYPE): "items" [{id,
 *                             manifest, release}] (release: the hash of
 *                             the release event that ends the item's
 *                             chain), "to", "reason", "actor", "media"
 *                             ("included" | "omitted"), "key" (signer),
 *                             "keys" {docs, head} (the key documents it
 *                             was made under), "at"
 *   release.sig               its raw 64-byte Ed25519 signature
 *   proofs.json, proofs.txt   as an item's (below), of every key document
 *                             ("key", by seq) and then of the statement
 *                             ("release", seq null): where each is in
 *                             the log, which a key's authority is judged
 *                             by
 *   anchor.pub                the catalog's admin key (PEM): the trust
 *                             anchor as the bundle states it, to be held
 *                             to the one the recipient knows (--trust)
 *   keys.jsonl                every key document of the catalog, by seq:
 *                             {"doc":<canonical bytes>,"sig":"<base64>"}
 *   signers/<keyid>.pub       the public key (PEM) of every key that signed
 *                             a record or the checkpoint; keyid is the hex
 *                             SHA-256 of the raw 32-byte key
 *   media/<file name>         each item's file, by the name its manifest
 *                             seals (omitted with --no-media)
 *   items/<id>/manifest.json  the manifest's canonical bytes
 *   items/<id>/manifest.sig   its raw 64-byte Ed25519 signature
 *   items/<id>/custody.jsonl  each event by seq, one line each:
 *                             {"event":<canonical bytes>,"sig":"<base64>"}
 *                             (the event's bytes are the line between
 *                             '{"event":' and the last ',"sig":')
 *   items/<id>/proofs.json    {"size":N,"root":"<base64>","records":[...]}:
 *                             the inclusion proof of every record above
 *                             (and of the parent's, for a derived item)
 *                             against the checkpoint; each record is
 *                             {"record":"manifest"|"event"|"parent-manifest"
 *                             |"parent-event","seq":S|null,"leaf_index":I,
 *                             "leaf_hash":"<hex>","proof":["<hex>",...]},
 *                             in that order, events by seq
 *   items/<id>/proofs.txt     the same proofs for a shell, one line per
 *                             record in the order of proofs.json:
 *                             "<record> <seq or -> <leaf_index>
 *                             <leaf_hash>[ <proof hash>...]\n"
 *   items/<id>/proofs/<record>[-<seq>].tlog-proof
 *                             each record's proof of proofs.json again,
 *                             as c2sp.org/tlog-proof@v1 with the
 *                             checkpoint note verbatim ("manifest",
 *                             "event-3", "parent-event-2"; the bundle's
 *                             own in proofs/: "key-0", "release")
 *   timestamps/checkpoint-<id>, .tsr, .consistency
 *                             trusted time (tsa.h): an older stored
 *                             checkpoint that a TSA's token is over, the
 *                             token (DER), and the consistency proof from
 *                             it to the bundle checkpoint, a hex hash a
 *                             line
 *   items/<id>/parent/manifest.json, manifest.sig, derive.jsonl
 *                             for a derived item: its parent's manifest
 *                             and the parent's derive event naming it
 *
 * Every JSON file but the canonical records ends in a newline.
 */
#ifndef BODYCAM_BUNDLE_H
#define BODYCAM_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/sign.h"
#include "bodycam/verify.h"
#include "bodycam/witness.h"

#define BC_RELEASE_DOC_TYPE	"bodycam.release"

#define BC_BUNDLE_MAX_FILES	100000		/* files in a bundle */
#define BC_BUNDLE_MAX_JSON	(16 * 1024 * 1024)	/* bytes per JSON file */

struct bc_release_opts {
	const char	*recipient;	/* required: the release's "to" */
	const char	*authority;	/* required: its "reason" */
	const char	*actor;		/* who releases; NULL: the OS user */
	int		 no_media;	/* leave media/ out */
	/* ask these witnesses (those with a URL) to cosign the release's
	 * checkpoint, and ship their cosignatures; NULL: none */
	const struct bc_witness_policy *witnesses;
};

struct bc_release_result {
	size_t		 nitems;
	uint64_t	 checkpoint_size;	/* of the bundle's checkpoint */
	/* with opts->witnesses: how many of them cosigned it, of the
	 * quorum, and why the others did not */
	int		 witnessed;
	size_t		 cosigned, quorum;
	char		 witness_errors[1024];
	/* when a verification failed: the item and its report */
	char		 failed[BC_ITEM_ID_MAX];
	struct bc_verify_report	 report;
};

/*
 * Releases the items refs[0..n) to opts->recipient under opts->authority,
 * signed by key (role auditor), into the new directory out.
 *
 * Each item is verified in full first (file, manifest, custody chain, log
 * inclusion).  If one fails, nothing is written or recorded: it returns
 * BC_ERR_INTEGRITY with the item in res->failed and its report in
 * res->report (free with bc_release_result_clear).  Otherwise, in one
 * write transaction, a passing "verify" and a "release" event are recorded
 * for each item and a checkpoint is signed; then the bundle is built in a
 * temporary directory beside out and renamed into place.  Media files are
 * hashed again after they are copied.  BC_ERR_EXISTS when out exists.
 */
int bc_release(struct bc_catalog *cat, const struct bc_key *key,
    const char *const *refs, size_t n, const char *out,
    const struct bc_release_opts *opts, struct bc_release_result *res,
    struct bc_err *err);

void bc_release_result_clear(struct bc_release_result *res);

/* The levels of trust a bundle reaches. */
struct bc_bundle_failure {
	char	file[256];	/* relative path, or "" for the bundle */
	enum bc_check_id id;
	char	check[BC_CHECK_NAME_MAX];	/* bc_check_name(id) */
	char	reason[BC_CHECK_DETAIL_MAX];
	int	level;		/* 1 integrity, 2 authentic, 3 trusted */
};

struct bc_bundle_report {
	int	integrity;	/* files match SHA256SUMS and the manifests */
	int	authentic;	/* signatures, chains, proofs, checkpoint */
	int	trusted;	/* signers chain to the anchor given */
	size_t	nitems, nevents, nfiles;
	struct bc_bundle_failure *failures;
	size_t	nfailures;
	size_t	failures_cap;	/* allocated */
	/*
	 * Each item's current view, recomputed: [{"id", "verified", "view",
	 * "history"}] in the order of items/.  view is bc_view_json's shape
	 * (annotate.h) of the sealed manifest with the annotations applied
	 * whose events are linked and signed and obey the rules replayed
	 * over such events (null when the manifest is unreadable); history
	 * is those annotations, {"seq", "at", "actor", "reason", "set",
	 * "clear"} in chain order.  verified: no failure names a file of
	 * the item (items/ID/..., a signer without its role included) and
	 * none went unlisted; the bundle as a whole is judged by the three
	 * levels above.
	 */
	json_t	*views;
	/* with a witness policy: it was checked, and how many of its
	 * witnesses cosigned the checkpoint, of the quorum */
	int	witnesses_checked;
	size_t	cosigned, quorum;
	/*
	 * Trusted time (tsa.h): the time-stamped checkpoints of timestamps/
	 * that held (ntimestamps; timestamps_checked when their tokens were
	 * checked to the verifier's TSA anchors), and, for each record
	 * signed by a key revoked since, {"file", "covered", "detail"}:
	 * whether one from before the revocation covers it (NULL: none).
	 */
	size_t	 ntimestamps;
	int	 timestamps_checked;
	json_t	*trusted_time;
};

/*
 * Checks the bundle in dir offline, without a catalog; trust is the admin
 * key the recipient knows (NULL: the bundle cannot be "trusted").  Returns
 * 0 when the check ran (its outcome is in rep), or an error that stopped
 * it (dir unreadable: BC_ERR_NOT_FOUND, BC_ERR_IO; not a directory:
 * BC_ERR_INVALID; BC_ERR_NOMEM).
 *
 * Every failure is in rep->failures, in the order found, with the file
 * and a stable check name; after 1000 the rest are counted in a last
 * "more-failures" entry.  Each level holds when no check of it failed,
 * and "trusted" also needs trust and "authentic": a bad media file leaves
 * the records authentic and trusted.  A bundle with no media file at all
 * is one made without media; one with some is missing the others.  Free
 * rep with bc_bundle_report_clear (also after an error).
 */
int bc_bundle_verify(const char *dir, const struct bc_key *trust,
    struct bc_bundle_report *rep, struct bc_err *err);

/*
* As bc_bundle_verify, and with a witness policy (witness.h; NULL: none)
 * the checkpoint must carry, in the .tlog-proof files, the cosignatures
 * of a quorum of its witnesses: a failure (check "witness-policy") is of
 * the "trusted" level.
 */
int bc_bundle_verify_witnessed(const char *dir, const struct bc_key *trust,
    const struct bc_witness_policy *witnesses, struct bc_bundle_report *rep,
    struct bc_err *err);

/*
 * bc_bundle_verify, also checking the tokens of timestamps/ to the TSA
 * anchors tsa (NULL: over their checkpoints only, and trusting none).
 */
struct bc_tsa_trust;
int bc_bundle_verify_tsa(const char *dir, const struct bc_key *trust,
    const struct bc_tsa_trust *tsa, struct bc_bundle_report *rep,
    struct bc_err *err);

/* Both: the TSA anchors and the witness policy (each may be NULL). */
int bc_bundle_verify_full(const char *dir, const struct bc_key *trust,
    const struct bc_tsa_trust *tsa, const struct bc_witness_policy *witnesses,
    struct bc_bundle_report *rep,
    struct bc_err *err);

void bc_bundle_report_clear(struct bc_bundle_report *rep);

#endif /* BODYCAM_BUNDLE_H */
