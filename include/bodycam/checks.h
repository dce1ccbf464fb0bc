/*
 * checks.h - the names of the checks that verify, audit, the log audit
 * and the bundle checker report, in one table (as git's fsck message
 * ids), so that a producer and a consumer such as the custody report
 * cannot disagree on a spelling: code names a check by its enum, the
 * output by its name.  Every name is documented in README.md, docs/ or
 * bodycam.1 (tests/cli/t-docs.sh holds that).
 */
#ifndef BODYCAM_CHECKS_H
#define BODYCAM_CHECKS_H

#define BC_CHECK_NAME_MAX	48
#define BC_CHECK_DETAIL_MAX	320

/* Who reports a check: a set of these. */
#define BC_CHECKS_VERIFY	0x1	/* bodycam verify, audit: per item */
#define BC_CHECKS_AUDIT		0x2	/* bodycam audit: the catalog */
#define BC_CHECKS_LOG		0x4	/* the log audit (tlog.c) */
#define BC_CHECKS_BUNDLE	0x8	/* bodycam verify-bundle */

/* X(ID, "name", who, "what it holds"), sorted by name. */
#define FOREACH_BC_CHECK(X) \
	X(ANCHOR_KEY, "anchor-key", BC_CHECKS_BUNDLE, \
	    "anchor.pub is a readable Ed25519 key (and the --trust key)") \
	X(BUNDLE_FORMAT, "bundle-format", BC_CHECKS_BUNDLE, \
	    "the bundle has a release statement of its own") \
	X(CHAIN, "chain", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "the item has custody events at all") \
	X(CHECKPOINT, "checkpoint", BC_CHECKS_AUDIT | BC_CHECKS_LOG, \
	    "a checkpoint (saved or stored) is signed and of this log") \
	X(CHECKPOINT_FORMAT, "checkpoint-format", BC_CHECKS_BUNDLE, \
	    "the bundle checkpoint is a well-formed signed note") \
	X(CHECKPOINT_SIGNATURE, "checkpoint-signature", BC_CHECKS_BUNDLE, \
	    "the bundle checkpoint signature verifies") \
	X(CHECKPOINT_SIGNER, "checkpoint-signer", BC_CHECKS_BUNDLE, \
	    "the checkpoint signer may sign checkpoints") \
	X(CHECKPOINT_TREE, "checkpoint-tree", BC_CHECKS_BUNDLE, \
	    "the proofs give the root the checkpoint signs") \
	X(CONSISTENCY, "consistency", BC_CHECKS_LOG, \
	    "the log still gives the root of every checkpoint") \
	X(DERIVE_EVENT, "derive-event", BC_CHECKS_BUNDLE, \
	    "the parent records the derive event of a derived item") \
	X(DERIVE_PARENT, "derive-parent", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "a derived item's parent manifest is the one it names") \
	X(EVENT_FORMAT, "event-format", BC_CHECKS_BUNDLE, \
	    "an event is a readable record of its type") \
	X(EVENT_HASH, "event-hash", BC_CHECKS_VERIFY, \
	    "an event hashes to its stored hash") \
	X(EVENT_LINK, "event-link", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "an event names its seq and the hash of the one before") \
	X(EVENT_LOG, "event-log", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "an event names this log, or none (older records)") \
	X(EVENT_RULE, "event-rule", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "an event is allowed by the custody rules then") \
	X(EVENT_SIGNATURE, "event-signature", \
	    BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "an event's signature verifies, by a key with the role") \
	X(EXTRA_FILE, "extra-file", BC_CHECKS_BUNDLE, \
	    "a file of the bundle is listed in SHA256SUMS") \
	X(FILE_HASH, "file-hash", BC_CHECKS_VERIFY, \
	    "the file's SHA-256 is the sealed one") \
	X(FILE_NAME, "file-name", BC_CHECKS_BUNDLE, \
	    "a bundle path is relative and clean") \
	X(FILE_PRESENT, "file-present", BC_CHECKS_VERIFY, \
	    "the registered file can be opened") \
	X(FILE_PURGED, "file-purged", BC_CHECKS_VERIFY, \
	    "the file was purged: the record stays, unchecked") \
	X(FILE_SIZE, "file-size", BC_CHECKS_VERIFY, \
	    "the file's size is the sealed one") \
	X(FILE_TYPE, "file-type", BC_CHECKS_BUNDLE, \
	    "a bundle entry is a regular file or a directory") \
	X(JSONL_FORMAT, "jsonl-format", BC_CHECKS_BUNDLE, \
	    "a JSON Lines file has one canonical record a line") \
	X(KEY_POSITIONS, "key-positions", BC_CHECKS_BUNDLE, \
	    "the log position of every key document is proven") \
	X(KEYRING, "keyring", \
	    BC_CHECKS_VERIFY | BC_CHECKS_AUDIT | BC_CHECKS_BUNDLE, \
	    "the key documents verify, each signed by an admin") \
	X(LOG_BINDING, "log-binding", BC_CHECKS_AUDIT, \
	    "unbound (version 1) records all precede bound ones") \
	X(LOG_CHECKPOINT, "log-checkpoint", BC_CHECKS_VERIFY, \
	    "the newest checkpoint verifies and the log gives its root") \
	X(LOG_INCLUSION, "log-inclusion", BC_CHECKS_VERIFY, \
	    "a record is included in the log at its leaf") \
	X(LOG_LEAF, "log-leaf", BC_CHECKS_LOG, \
	    "the stored leaves are the hashes of the records") \
	X(LOG_RECORD, "log-record", BC_CHECKS_LOG, \
	    "every record is in the log, once, at its own leaf") \
	X(LOG_TREE, "log-tree", BC_CHECKS_LOG, \
	    "the stored tree nodes are recomputed from the leaves") \
	X(MANIFEST_FORMAT, "manifest-format", \
	    BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "the manifest is a readable record of its type") \
	X(MANIFEST_HASH, "manifest-hash", BC_CHECKS_VERIFY, \
	    "the manifest hashes to its stored hash") \
	X(MANIFEST_ID, "manifest-id", BC_CHECKS_BUNDLE, \
	    "the manifest names the item id of its directory") \
	X(MANIFEST_LOG, "manifest-log", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "the manifest names this log, or none (older records)") \
	X(MANIFEST_RECORD, "manifest-record", BC_CHECKS_VERIFY, \
	    "the catalog row agrees with the signed manifest") \
	X(MANIFEST_SIGNATURE, "manifest-signature", \
	    BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "the manifest's signature verifies, by an ingest key") \
	X(MEDIA_HASH, "media-hash", BC_CHECKS_BUNDLE, \
	    "a media file has the SHA-256 its manifest seals") \
	X(MEDIA_MISSING, "media-missing", BC_CHECKS_BUNDLE, \
	    "the media file of every item is in the bundle") \
	X(MEDIA_SIZE, "media-size", BC_CHECKS_BUNDLE, \
	    "a media file has the size its manifest seals") \
	X(MEDIA_UNEXPECTED, "media-unexpected", BC_CHECKS_BUNDLE, \
	    "no media file in a bundle made without media") \
	X(MISSING, "missing", BC_CHECKS_BUNDLE, \
	    "a file the bundle format needs, or SHA256SUMS lists, is there") \
	X(MORE_FAILURES, "more-failures", BC_CHECKS_BUNDLE, \
	    "how many failures past the limit are not listed") \
	X(ORPHAN_EVENT, "orphan-event", BC_CHECKS_AUDIT, \
	    "no custody event without its item") \
	X(PROOF_INCLUSION, "proof-inclusion", BC_CHECKS_BUNDLE, \
	    "an inclusion proof gives the checkpoint root") \
	X(POLICY, "policy", BC_CHECKS_AUDIT, \
	    "each retention policy is well formed, in order and signed by " \
	    "an admin") \
	X(PROOF_LEAF, "proof-leaf", BC_CHECKS_BUNDLE, \
	    "a record hashes to the leaf its proof names") \
	X(PROOF_MISSING, "proof-missing", BC_CHECKS_BUNDLE, \
	    "every signed record has an inclusion proof") \
	X(PROOFS_CHECKPOINT, "proofs-checkpoint", BC_CHECKS_BUNDLE, \
	    "proofs.json is of the bundle checkpoint") \
	X(PROOFS_FORMAT, "proofs-format", BC_CHECKS_BUNDLE, \
	    "proofs.json is well formed") \
	X(PROOFS_TEXT, "proofs-text", BC_CHECKS_BUNDLE, \
	    "proofs.json is the canonical text of its document") \
	X(PURGED_BUT_PRESENT, "purged-but-present", BC_CHECKS_AUDIT, \
	    "nothing is left at the path of a purged item (audit --files)") \
	X(READ, "read", BC_CHECKS_BUNDLE, \
	    "a file of the bundle can be read") \
	X(RELEASE_CHAIN, "release-chain", BC_CHECKS_BUNDLE, \
	    "the statement names every event of an item") \
	X(RELEASE_CHECKPOINT, "release-checkpoint", BC_CHECKS_BUNDLE, \
	    "the statement names the bundle checkpoint") \
	X(RELEASE_ITEMS, "release-items", BC_CHECKS_BUNDLE, \
	    "the statement names exactly the items of the bundle") \
	X(RELEASE_KEYS, "release-keys", BC_CHECKS_BUNDLE, \
	    "the statement names the key documents of the bundle") \
	X(RELEASE_SIGNATURE, "release-signature", BC_CHECKS_BUNDLE, \
	    "the release statement signature verifies") \
	X(RELEASE_STATEMENT, "release-statement", \
	    BC_CHECKS_AUDIT | BC_CHECKS_BUNDLE, \
	    "the release statement is well formed") \
	X(SHA256, "sha256", BC_CHECKS_BUNDLE, \
	    "a file has the SHA-256 that SHA256SUMS lists") \
	X(SIGNER_AUTHORITY, "signer-authority", BC_CHECKS_BUNDLE, \
	    "every signer held the needed role at its leaf") \
	X(SIGNER_KEY, "signer-key", BC_CHECKS_BUNDLE, \
	    "a key in signers/ is a readable Ed25519 key") \
	X(STATUS, "status", BC_CHECKS_VERIFY, \
	    "the stored hold and purge status is what the chain gives") \
	X(SUMS_FORMAT, "sums-format", BC_CHECKS_BUNDLE, \
	    "SHA256SUMS is well formed and sorted") \
	X(SYMLINK, "symlink", BC_CHECKS_BUNDLE, \
	    "the bundle holds no symbolic link") \
	X(TIMESTAMP, "timestamp", \
	    BC_CHECKS_VERIFY | BC_CHECKS_AUDIT | BC_CHECKS_BUNDLE, \
	    "a time-stamp token is over its checkpoint and, with --tsa-ca, " \
	    "signed by a trusted TSA") \
	X(TLOG_PROOF, "tlog-proof", BC_CHECKS_BUNDLE, \
	    "a record's .tlog-proof file proves it under the bundle " \
	    "checkpoint, as proofs.json does") \
	X(TLOG_PROOF_FORMAT, "tlog-proof-format", BC_CHECKS_BUNDLE, \
	    "a .tlog-proof file is a well-formed c2sp.org/tlog-proof@v1") \
	X(TOO_LARGE, "too-large", BC_CHECKS_BUNDLE, \
	    "a file is within the size limits") \
	X(TOO_MANY_FILES, "too-many-files", BC_CHECKS_BUNDLE, \
	    "the bundle is within the file count limit") \
	X(TRUST_ANCHOR, "trust-anchor", BC_CHECKS_BUNDLE, \
	    "--trust was given, and is the bundle anchor key") \
	X(TRUSTED_TIME, "trusted-time", BC_CHECKS_VERIFY | BC_CHECKS_BUNDLE, \
	    "a record by a key revoked since: a time-stamped checkpoint " \
	    "from before the revocation covers it, or it is said that none " \
	    "does") \
	X(UNEXPECTED_FILE, "unexpected-file", BC_CHECKS_BUNDLE, \
	    "a file listed in SHA256SUMS is of the bundle format") \
	X(VIEW, "view", BC_CHECKS_VERIFY, \
	    "the stored current view is what the annotations give") \
	X(WITNESS_POLICY, "witness-policy", BC_CHECKS_BUNDLE, \
	    "--witness-policy was given, and enough of its witnesses " \
	    "cosigned the bundle checkpoint")

/*
 * enum bc_check_id, not enum bc_check: struct bc_check (verify.h), one
 * check of a report, shares the tag name space.
 */
#define BC_CHECK_ENUM_(id, name, who, doc)	BC_CHECK_##id,
enum bc_check_id {
	FOREACH_BC_CHECK(BC_CHECK_ENUM_)
	BC_CHECK__COUNT
};
#undef BC_CHECK_ENUM_

/* The names, indexed by enum bc_check_id. */
extern const char *const bc_check_names[BC_CHECK__COUNT];

/* Who reports each check (BC_CHECKS_*), indexed by enum bc_check_id. */
extern const unsigned int bc_check_who[BC_CHECK__COUNT];

/* The name of check id, or "" when id is out of range. */
const char *bc_check_name(enum bc_check_id id);

/*
 * The id of the check called name into *out.  Returns 0, or
 * BC_ERR_NOT_FOUND when no check has that name.
 */
int bc_check_lookup(const char *name, enum bc_check_id *out);

#endif /* BODYCAM_CHECKS_H */
