/*
 * tlog.h - the catalog's transparency log: signed checkpoints, inclusion
 * and consistency proofs served from the stored tree, and the log audit
 * that recomputes the tree from the records themselves.
 *
 * Every signed record (manifest, custody event, key document) is a leaf
 * (catalog.h).  A checkpoint is a C2SP tlog-checkpoint of the tree, signed
 * as a C2SP signed note under the log's origin by a key of the catalog's
 * keyring that holds the auditor role (admin holds every role).
 */
#ifndef BODYCAM_TLOG_H
#define BODYCAM_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/checks.h"
#include "bodycam/keys.h"
#include "bodycam/merkle.h"
#include "bodycam/note.h"

#define BC_CHECKPOINT_ROLE	BC_ROLE_AUDITOR

/* A checkpoint whose signature checked out, and who signed it. */
struct bc_signed_checkpoint {
	struct bc_checkpoint	cp;	/* cp.ext points into the note */
	char			signer[BC_KEYID_HEX];
	char			signer_name[BC_KEY_NAME_MAX + 1];
	char			revoked[BC_TIME_MAX];	/* "" unless the
							   signer is revoked */
};

/*
 * Checks a signed note (len bytes) as a checkpoint of the log named
 * origin: signed under origin by a key of kr with the auditor role.  A key
 * revoked since is accepted, with out->revoked set: a checkpoint carries
 * no time, and its holder knows when it was received.  Returns 0,
 * BC_ERR_MALFORMED (not a signed checkpoint: the input is bad),
 * BC_ERR_INTEGRITY (the checkpoint of another log; signed by no key of
 * kr, by a key without the role, or a bad signature), BC_ERR_TOO_LARGE,
 * BC_ERR_NOMEM or BC_ERR_CRYPTO.  err says why.
 */
int bc_tlog_checkpoint_check(const struct bc_keyring *kr, const char *origin,
    const char *note, size_t len, struct bc_signed_checkpoint *out,
    struct bc_err *err);

/*
 * Signs a checkpoint of the whole log with key, which must hold the
 * auditor role now, and stores it, in one write transaction.  Refuses
 * (BC_ERR_INTEGRITY) when the log no longer reproduces the root of the
 * newest stored checkpoint: a rewritten history is never signed.  *row
 * is the stored checkpoint (free its note).
 */
int bc_tlog_checkpoint(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_checkpoint_row *row, struct bc_err *err);

/*
 * The newest stored checkpoint, checked as bc_tlog_checkpoint_check does,
 * into *row (free its note) and *sc.  BC_ERR_NOT_FOUND when there is
 * none; BC_ERR_INTEGRITY when it does not check out (row is still set).
 */
int bc_tlog_latest(struct bc_catalog *cat, const struct bc_keyring *kr,
    struct bc_checkpoint_row *row, struct bc_signed_checkpoint *sc,
    struct bc_err *err);

/*
 * Puts the stored witness cosignature lines (schema 8) of the checkpoint
 * row after its note, as C2SP checkpoints carry them: row->note is
 * replaced, *n (may be NULL) is how many lines.  They are not checked
 * here: a verifier checks those of the witnesses it trusts
 * (witness.h) and ignores the rest.
 */
int bc_tlog_cosigned(struct bc_catalog *cat, struct bc_checkpoint_row *row,
    size_t *n, struct bc_err *err);

/*
 * The root of the first size leaves of the stored tree.  BC_ERR_INTEGRITY
 * when the log has fewer leaves or the stored tree is incomplete.
 */
int bc_tlog_root(struct bc_catalog *cat, uint64_t size,
    uint8_t root[BC_SHA256_LEN], struct bc_err *err);

/*
 * Whether the stored log still gives root for its first size leaves (a
 * checkpoint's): 0, or BC_ERR_INTEGRITY with why (the log is smaller, its
 * tree incomplete, or the root another: records were deleted, rewritten
 * or rolled back), or the error that stopped the check.
 */
int bc_tlog_holds(struct bc_catalog *cat, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], struct bc_err *err);

/* One record's inclusion proof. */
struct bc_inclusion {
	uint64_t	  index, size;
	uint8_t		  leaf[BC_SHA256_LEN];	/* of the record's bytes */
	uint8_t		(*proof)[BC_SHA256_LEN];
	size_t		  n;
};

/*
 * The inclusion proof of the record data (len bytes) stored at leaf index
 * in the tree of size leaves whose root is root, from the stored tree, and
 * verified before it is returned.  BC_ERR_INTEGRITY when the record does
 * not hash to the stored leaf or the proof does not lead to root;
 * BC_ERR_INVALID when index >= size.  Free with bc_inclusion_clear.
 */
int bc_tlog_inclusion(struct bc_catalog *cat, uint64_t index,
    const void *data, size_t len, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], struct bc_inclusion *out,
    struct bc_err *err);

void bc_inclusion_clear(struct bc_inclusion *inc);

/*
 * The consistency proof from size m to size n (0 < m <= n <= the log's
 * size) from the stored tree, and the two roots it connects, computed
 * from the stored tree; when want_m is not NULL the proof is also checked
 * against it (a checkpoint's root): BC_ERR_INTEGRITY when it fails.
 * Free *proof with bc_merkle_proof_free.
 */
int bc_tlog_consistency(struct bc_catalog *cat, uint64_t m, uint64_t n,
    const uint8_t *want_m, uint8_t root_m[BC_SHA256_LEN],
    uint8_t root_n[BC_SHA256_LEN], uint8_t (**proof)[BC_SHA256_LEN],
    size_t *count, struct bc_err *err);

/*
 * Whether a record (data, len bytes) at leaf is in the log: included in
 * the checkpoint sc when leaf < sc's size, or else (sc NULL or older) the
 * record hashing to its stored leaf.  Returns 0, BC_ERR_INTEGRITY with
 * the reason in err, or another error (the log unreadable).
 */
int bc_tlog_record_check(struct bc_catalog *cat,
    const struct bc_signed_checkpoint *sc, uint64_t leaf, const char *data,
    size_t len, struct bc_err *err);

/* A failure the log audit found: the record's item id or "log". */
typedef int (*bc_tlog_fail_fn)(void *arg, const char *item, int64_t seq,
    int64_t leaf, enum bc_check_id check, const char *reason);

struct bc_tlog_audit {
	uint64_t	size;		/* leaves in the stored log */
	int64_t		leaves;		/* recomputed from their records */
	int64_t		checkpoints;	/* stored ones checked */
	int		against;	/* the checkpoint given was checked */
	uint8_t		root[BC_SHA256_LEN];	/* recomputed, when whole */
};

/*
 * The log audit, on the caller's snapshot or transaction: recomputes every
 * leaf from its record's canonical bytes and the whole tree from them
 * (O(log n) memory), and reports through fail:
 *
 *   log-leaf        a record does not hash to its stored leaf, or a leaf
 *                   index is missing from the log
 *   log-record      a record has no leaf index, a leaf no record, or two
 *                   records one leaf
 *   log-tree        the stored subtree hashes do not give the root of the
 *                   recomputed leaves
 *   checkpoint      a stored checkpoint's signature fails
 *   consistency     a stored checkpoint, or against (already checked by
 *                   bc_tlog_checkpoint_check; may be NULL), is not a
 *                   prefix of the log: the log is smaller than it, the
 *                   consistency proof from it fails, or the recomputed
 *                   root at its size differs
 *
 * Returns 0 when the audit ran, whatever it found, or the error (from fn
 * too) that stopped it.
 */
int bc_tlog_audit(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_signed_checkpoint *against, bc_tlog_fail_fn fail,
    void *arg, struct bc_tlog_audit *out, struct bc_err *err);

/*
 * The same audit in pieces, so that a caller can walk the log beside other
 * work on the same snapshot and thread: bc_tlog_audit_begin checks the
 * stored checkpoints (and against) and sets *w; bc_tlog_audit_step walks
 * the leaves below to (each once, in order, wherever the walk stopped);
 * bc_tlog_audit_end walks the rest and judges the roots.  The result is
 * that of bc_tlog_audit, whatever the steps.  out and arg must outlive
 * *w, which bc_tlog_auditor_free frees (NULL is accepted).  Each returns
 * 0 or the error that stopped the audit.
 */
struct bc_tlog_auditor;

int bc_tlog_audit_begin(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_signed_checkpoint *against, bc_tlog_fail_fn fail,
    void *arg, struct bc_tlog_audit *out, struct bc_tlog_auditor **w,
    struct bc_err *err);
int bc_tlog_audit_step(struct bc_tlog_auditor *w, uint64_t to);
int bc_tlog_audit_end(struct bc_tlog_auditor *w);
void bc_tlog_auditor_free(struct bc_tlog_auditor *w);

#endif /* BODYCAM_TLOG_H */
