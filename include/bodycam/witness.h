/*
 * witness.h - transparency-log witnesses: the witness itself
 * (c2sp.org/tlog-witness), the log's side of asking one for a
 * cosignature, and witness policies (K of N named witness keys) that a
 * verifier holds a checkpoint to.
 *
 * A witness keeps, per log it trusts, the newest checkpoint it cosigned,
 * and cosigns (c2sp.org/tlog-cosignature, cosignature/v1) a new one only
 * when the log proves it consistent with that one.  Its state is a
 * directory:
 *
 *	witness.key	its Ed25519 private key (PKCS#8 PEM, 0600)
 *	witness.conf	"name NAME" and "log VKEY" lines (VKEY: a note
 *			verifier key of type 0x01 whose name is the
 *			log's origin)
 *	logs/HEX	the newest checkpoint cosigned for the origin
 *			whose SHA-256 is HEX (the signed note as received)
 *	lock		taken (flock) around each check-and-update
 *
 * A witness policy is a text file:
 *
 *	# comment
 *	witness VKEY [URL]	(a vkey of type 0x04; URL: its submission
 *				prefix, for 'bodycam log cosign')
 *	quorum K		(1 <= K <= the number of witnesses)
 */
#ifndef BODYCAM_WITNESS_H
#define BODYCAM_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/error.h"
#include "bodycam/note.h"
#include "bodycam/sign.h"

#define BC_WITNESS_MAX		64	/* witnesses in a policy */
#define BC_WITNESS_LOGS_MAX	256	/* logs a witness trusts */
#define BC_WITNESS_URL_MAX	1024
#define BC_WITNESS_PROOF_MAX	63	/* consistency proof lines */
/* an add-checkpoint request: "old N", the proof, an empty line, a note */
#define BC_WITNESS_REQ_MAX	(32 + BC_WITNESS_PROOF_MAX * \
	(BC_NOTE_HASH_B64 + 1) + 1 + BC_NOTE_MAX)

/* ---------------------------------------------------------- policies */

struct bc_policy_witness {
	char		 name[BC_VKEY_NAME_MAX + 1];
	char		 keyid[9];		/* cosigner key id, hex */
	struct bc_key	*key;
	char		*vkey;
	char		*url;			/* NULL: none given */
};

struct bc_witness_policy {
	struct bc_policy_witness	w[BC_WITNESS_MAX];
	size_t				n;
	size_t				quorum;
};

/*
 * Parses a policy (text, len bytes; at most 64 KiB), or loads it from
 * path.  Returns 0 or BC_ERR_MALFORMED naming the line (an unknown
 * keyword, a vkey that is not of type 0x04, a witness named twice, no
 * quorum line or one out of range); *out is freed with
 * bc_witness_policy_free.
 */
int bc_witness_policy_parse(const char *text, size_t len,
    struct bc_witness_policy **out, struct bc_err *err);
int bc_witness_policy_load(const char *path, struct bc_witness_policy **out,
    struct bc_err *err);
void bc_witness_policy_free(struct bc_witness_policy *p);

/* What a policy check found, witness by witness. */
struct bc_policy_result {
	size_t		valid;			/* witnesses that cosigned */
	size_t		quorum;
	int		status[BC_WITNESS_MAX];	/* 0: cosigned; else the
						   BC_ERR_* of its check */
	uint64_t	time[BC_WITNESS_MAX];	/* of each valid one */
};

/*
 * Checks the cosignatures on the signed checkpoint note (len bytes)
 * against the policy: lines of keys outside it are ignored.  Returns 0
 * when at least quorum witnesses cosigned it and none of the policy's
 * witnesses has a bad cosignature; BC_ERR_INTEGRITY otherwise, err
 * naming the witnesses missing or failing; BC_ERR_MALFORMED when the
 * note's signature lines do not parse.  res (may be NULL) gets the
 * details either way.
 */
int bc_witness_policy_check(const struct bc_witness_policy *p,
    const char *note, size_t len, struct bc_policy_result *res,
    struct bc_err *err);

/* ----------------------------------------------------------- witness */

struct bc_witness;

/*
 * Creates a witness state directory (mode 0700, which must not exist or
 * be empty) with a new key under name, and gives the witness's vkey in
 * *vkey (the caller frees it).
 */
int bc_witness_init(const char *dir, const char *name, char **vkey,
    struct bc_err *err);

/* Adds a log to trust: its origin and checkpoint key (a public key). */
int bc_witness_trust(const char *dir, const char *origin,
    const struct bc_key *logkey, struct bc_err *err);

int bc_witness_open(const char *dir, struct bc_witness **out,
    struct bc_err *err);
void bc_witness_free(struct bc_witness *w);
const char *bc_witness_vkey(const struct bc_witness *w);
const char *bc_witness_name(const struct bc_witness *w);

/* A witness's answer, as c2sp.org/tlog-witness gives it over HTTP. */
struct bc_witness_reply {
	int	 status;	/* 200, 400, 403, 404, 409, 422 or 500 */
	char	*body;		/* NUL-terminated; free it */
	size_t	 len;
	const char *ctype;
};

/*
 * The add-checkpoint call: checks the request (len bytes: "old N", the
 * consistency proof, an empty line, a signed checkpoint) and, when every
 * check passes, stores the checkpoint as the newest for its origin and
 * cosigns it at time now.  Check and store are one step under the
 * state's lock.  *reply is always set (its body says why, for a refusal;
 * a 409 body is the stored size and a newline).  Returns 0 when it
 * cosigned, else the error: BC_ERR_MALFORMED (400), BC_ERR_INTEGRITY
 * (403: no trusted signature; 409: a fork or a rollback; 422: the proof
 * fails), BC_ERR_NOT_FOUND (404: an unknown log), or a local failure
 * (500).
 */
int bc_witness_add(struct bc_witness *w, const char *req, size_t len,
    uint64_t now, struct bc_witness_reply *reply, struct bc_err *err);
void bc_witness_reply_clear(struct bc_witness_reply *reply);

/* --------------------------------------------------------- log side */

/*
 * The add-checkpoint request for the stored checkpoint row, with the
 * consistency proof from old (the size the witness last cosigned, 0 for
 * none) computed from the stored tree, in *body (*len bytes; free it).
 * BC_ERR_INVALID when old exceeds the checkpoint's size.
 */
int bc_witness_request(struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, uint64_t old, char **body,
    size_t *len, struct bc_err *err);

/*
 * Checks the signature lines sigs (a witness's answer: len bytes) as
 * cosignatures of the checkpoint row by the policy's witnesses, and
 * stores each valid one not stored yet, in one transaction.  Lines of
 * keys outside the policy are ignored.  *added is how many were stored.
 * Returns 0, BC_ERR_NOT_FOUND when no line is a cosignature by a witness
 * of the policy, BC_ERR_INTEGRITY when one of theirs fails, or
 * BC_ERR_MALFORMED.
 */
int bc_witness_store(struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, const struct bc_witness_policy *p,
    const char *sigs, size_t len, size_t *added, struct bc_err *err);

/*
 * Asks witness w of the policy (over HTTP, at its URL + "/add-checkpoint",
 * timeout seconds a read) to cosign the stored checkpoint row, starting
 * from the largest size it is known to have cosigned (or 0) and, when it
 * answers 409 with another size of this log, once more from that one;
 * then stores its cosignature (bc_witness_store).  *status is the last
 * HTTP status (0: none), *added as bc_witness_store's.  Returns 0,
 * BC_ERR_INTEGRITY (the witness refused: a fork, a rollback, a proof
 * that fails, or it has seen a larger tree), BC_ERR_IO (unreachable, or
 * another status), or the errors of bc_witness_store.
 */
int bc_witness_cosign(struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, const struct bc_witness_policy *p,
    const struct bc_policy_witness *w, int timeout, int *status,
    size_t *added, struct bc_err *err);

#endif /* BODYCAM_WITNESS_H */
