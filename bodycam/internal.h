/*
 * internal.h - functions shared between library files, not part of the
 * public interface.
 */
#ifndef BODYCAM_INTERNAL_H
#define BODYCAM_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/checks.h"
#include "bodycam/custody.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/register.h"

struct bc_verify_opts;
struct bc_verify_report;

/*
 * The part of registration that runs inside the caller's write
 * transaction: the duplicate check, the next item number, the manifest
 * (naming derived's parent when not NULL), its signature and the genesis
 * event, all signed by key at time now.  abspath and fh describe the file,
 * already hashed.  The caller checks the signer's authority, and commits
 * or rolls back.
 */
int bc_register_locked(struct bc_catalog *cat, const struct bc_key *key,
    const char *abspath, const struct bc_file_hash *fh,
    const struct bc_register_opts *opts, const struct bc_derived *derived,
    const json_t *meta, const json_t *sidecar, const char *now,
    struct bc_register_result *res, struct bc_err *err);

/*
 * bc_custody_add's work under the write lock, which the caller holds and
 * commits or rolls back: fhp, abspath and meta are what was read of
 * req->file before the lock (NULL without a file).
 */
int bc_custody_add_locked(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    const struct bc_file_hash *fhp, const char *abspath, json_t *meta,
    struct bc_custody_result *res, struct bc_err *err);

/*
 * bc_tlog_checkpoint under the caller's write lock, which it commits or
 * rolls back (tlog.c).
 */
int bc_tlog_checkpoint_locked(struct bc_catalog *cat,
    const struct bc_key *key, struct bc_checkpoint_row *row,
    struct bc_err *err);

/*
 * Hashes the regular file at path (progress as bc_hash_file's) into *fh
 * and, when meta is not NULL, reads its metadata into *meta from the same
 * open descriptor (bc_meta_extract_fd, with the clock check against now):
 * what is sealed is of the bytes hashed, whatever happens to the path.
 * *meta is NULL when even that failed (out of memory): metadata never
 * blocks a registration.  Returns 0, an error of bc_hash_file, or
 * BC_ERR_CHANGED when the file changed (device, inode, size or times)
 * between the first byte hashed and the last metadata read, or path no
 * longer names it (the catalog records path as where the file is).
 */
int bc_register_read(const char *path, bc_progress_fn progress, void *arg,
    int verbose, const char *now, struct bc_file_hash *fh, json_t **meta,
    struct bc_err *err);

/*
 * One signed record (a manifest or an event) on its way through
 * verification.  bc_rec_prepare does the costly, independent part (hash,
 * parse, signature) and may run on any thread, with a verifier of that
 * thread's own or NULL; bc_verify_judge then
 * checks an item's records in order (links, authority at signing time,
 * rules) on one thread.
 */
#define BC_REC_SIG_NOKEY	0	/* signer not named or not known */
#define BC_REC_SIG_OK		1
#define BC_REC_SIG_BAD		2

struct bc_rec {
	const char	*text;
	size_t		 len;
	const uint8_t	*sig;
	size_t		 siglen;
	const char	*type;		/* BC_MANIFEST_TYPE, BC_EVENT_TYPE */
	/* filled by bc_rec_prepare */
	json_t		*doc;		/* NULL when unreadable */
	char		 perr[160];	/* why it is unreadable */
	char		 hash[BC_SHA256_HEX];
	int		 sigstate;	/* BC_REC_SIG_* */
	int		 failed;	/* out of memory or SHA-256 failed */
};

/*
 * The trusted-time checks of an item (verify-tsa.c), each passed to add
 * (which returns 0 or BC_ERR_NOMEM): "timestamp" for each stored token
 * that fails (over another checkpoint, or, with trust, not signed by a
 * TSA it names) and "trusted-time" for each of the item's records signed
 * by a key revoked since: covered by a time-stamped checkpoint from
 * before the revocation, or not.  Returns 0 or the error that stopped it.
 */
struct bc_tsa_trust;
typedef int (*bc_verify_add_fn)(void *arg, int ok, enum bc_check_id id,
    const char *detail);
int bc_verify_tsa(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_tsa_trust *trust, const struct bc_item *it,
    const struct bc_rec *m, const struct bc_event *ev,
    const struct bc_rec *er, size_t n, bc_verify_add_fn add, void *arg,
    struct bc_err *err);

void bc_rec_prepare(struct bc_rec *r, const struct bc_keyring *kr,
    struct bc_verifier *vf);
void bc_rec_clear(struct bc_rec *r);

/*
 * Judges an item from its prepared manifest record m and event records
 * er (the stored events ev, n of them, in seq order), adding checks to
 * rep.  Returns 0 or an error that stopped the checks (out of memory, the
 * catalog).
 */
int bc_verify_judge(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_rec *m, const struct bc_event *ev, struct bc_rec *er,
    size_t n, const struct bc_keyring *kr, struct bc_verify_report *rep,
    struct bc_err *err);

/* Adds a check to rep (skipping passes when rep->failures_only). */
int bc_verify_add_check(struct bc_verify_report *rep, int ok,
    enum bc_check_id id, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Checks the file of it (or opts->file) against the sealed manifest. */
int bc_verify_file(const struct bc_item *it, const json_t *mdoc,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep);

/*
 * A cache of custody chains for one long-running writer (see custody.c);
 * not thread-safe: one writer thread owns it.
 */
struct bc_chain_cache;

struct bc_chain_cache *bc_chain_cache_new(void);
void bc_chain_cache_free(struct bc_chain_cache *c);
void bc_chain_cache_stats(const struct bc_chain_cache *c, uint64_t *hits,
    uint64_t *misses);

/* bc_custody_add_locked through a chain cache (NULL: none). */
int bc_custody_add_cached(struct bc_catalog *cat, struct bc_chain_cache *cache,
    const struct bc_key *key, const char *ref,
    const struct bc_custody_req *req, const struct bc_file_hash *fhp,
    const char *abspath, json_t *meta, struct bc_custody_result *res,
    struct bc_err *err);

/* How far ahead of our clock a signed event's time may be, in seconds. */
#define BC_CLOCK_SKEW	300

/*
 * Appends an event signed by someone else (text, its canonical bytes, and
 * sig) to the item ref, inside a write transaction the caller holds,
 * judging its signer by kr (NULL: the catalog's, through cache): see
 * custody.c for the checks.  BC_ERR_MALFORMED for a bad document,
 * BC_ERR_STALE when its seq or prev is not the chain's next, BC_ERR_INTEGRITY
 * for a bad signature or an unauthorised signer, BC_ERR_INVALID when a
 * custody rule refuses it.
 */
int bc_custody_append_signed(struct bc_catalog *cat,
    struct bc_chain_cache *cache, const struct bc_keyring *kr,
    const char *ref, const char *text, size_t len, const uint8_t *sig,
    size_t siglen, struct bc_custody_result *res, struct bc_err *err);

#endif /* BODYCAM_INTERNAL_H */
