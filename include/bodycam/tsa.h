/*
 * tsa.h - trusted time over the log's checkpoints: RFC 3161 time-stamp
 * tokens.
 *
 * A checkpoint carries no time anyone outside the agency can trust: its
 * signer chose it.  A time-stamp authority (TSA) signs a token binding a
 * hash to its own clock's time (genTime).  bodycam asks for a token over
 * the SHA-256 of a stored signed checkpoint note, the exact bytes in
 * checkpoints.note, so the token says "this checkpoint, and so every
 * record it covers, existed by genTime".
 *
 * Every token and reply is hostile input: sizes are capped before
 * parsing, DER must end where the input ends, and a token counts only
 * after its message imprint is the note's hash and (with the verifier's
 * own trust anchors) its signature chains to them with the timeStamping
 * extended key usage.  The catalog never holds the anchors: whoever
 * verifies names them (--tsa-ca).
 */
#ifndef BODYCAM_TSA_H
#define BODYCAM_TSA_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/error.h"
#include "bodycam/keys.h"
#include "bodycam/util.h"

#define BC_TSA_TOKEN_MAX	(64 * 1024)	/* a stored token, DER */
#define BC_TSA_REPLY_MAX	(72 * 1024)	/* a TimeStampResp, DER */
#define BC_TSA_REQUEST_MAX	(4 * 1024)	/* a TimeStampReq, DER */
#define BC_TSA_CA_MAX		(1024 * 1024)	/* a --tsa-ca PEM bundle */
#define BC_TSA_TIMEOUT		30		/* seconds, one HTTP exchange */
#define BC_TSA_NAME_MAX		256		/* a TSA URL as stored */

/* The verifier's trust anchors for TSA certificates (an X509_STORE). */
struct bc_tsa_trust;

/*
 * Loads the certificates of the PEM file path (at most BC_TSA_CA_MAX
 * bytes, at least one certificate) as trust anchors.  Returns 0,
 * BC_ERR_IO, BC_ERR_MALFORMED, BC_ERR_TOO_LARGE, BC_ERR_NOMEM or
 * BC_ERR_CRYPTO.  Free with bc_tsa_trust_free (NULL is accepted).
 */
int bc_tsa_trust_load(const char *path, struct bc_tsa_trust **out,
    struct bc_err *err);
void bc_tsa_trust_free(struct bc_tsa_trust *t);

/* A token that passed bc_tsa_token_check. */
struct bc_tsa_token {
	uint8_t	*der;		/* the TimeStampToken (a CMS ContentInfo) */
	size_t	 len;
	char	 time[BC_TIME_MAX];	/* genTime, RFC 3339 UTC, seconds */
	int64_t	 latest;	/* genTime plus its accuracy and any fraction,
				   rounded up: the latest the time can be,
				   seconds since the epoch */
	int	 verified;	/* its signature was checked to anchors */
	char	 signer[256];	/* the TSA certificate's subject, or "" */
};

void bc_tsa_token_clear(struct bc_tsa_token *t);

/*
 * A DER TimeStampReq over the SHA-256 of note (len bytes): version 1,
 * certReq TRUE, a random 64-bit nonce, no policy.  *der is malloc'd.
 * Returns 0, BC_ERR_NOMEM or BC_ERR_CRYPTO.
 */
int bc_tsa_request(const char *note, size_t len, uint8_t **der,
    size_t *derlen, struct bc_err *err);

/*
 * Checks a stored token (der, len bytes) as one over note: a signed CMS
 * ContentInfo of a TSTInfo, no trailing data, at most BC_TSA_TOKEN_MAX
 * bytes, its message imprint SHA-256 and equal to SHA-256(note); with
 * trust, its signature and certificate chain (to trust's anchors, EKU
 * timeStamping, as OpenSSL's TS_RESP_verify_token checks; the chain at
 * the current time).  Without trust the signature is not checked and
 * out->verified is 0.  Fills out (a copy of der; clear it) when out is
 * not NULL.  Returns 0, BC_ERR_TOO_LARGE, BC_ERR_MALFORMED (not a token),
 * BC_ERR_INTEGRITY (over another checkpoint: its imprint is another
 * hash; or its signature or chain fails), BC_ERR_NOMEM or BC_ERR_CRYPTO.
 */
int bc_tsa_token_check(const uint8_t *der, size_t len, const char *note,
    size_t notelen, const struct bc_tsa_trust *trust,
    struct bc_tsa_token *out, struct bc_err *err);

/*
 * Checks a DER TimeStampResp (reply, len bytes) to a request over note:
 * at most BC_TSA_REPLY_MAX bytes, no trailing data, status granted (or
 * granted with modifications), its nonce that of the DER request req
 * (reqlen bytes) when req is not NULL, and its token as
 * bc_tsa_token_check does, with trust (required).  Fills out (clear it).
 * Returns 0, BC_ERR_TOO_LARGE, BC_ERR_MALFORMED, BC_ERR_INTEGRITY (a
 * refusal, another nonce, another checkpoint, an untrusted signer),
 * BC_ERR_NOMEM or BC_ERR_CRYPTO.
 */
int bc_tsa_reply_check(const uint8_t *reply, size_t len, const uint8_t *req,
    size_t reqlen, const char *note, size_t notelen,
    const struct bc_tsa_trust *trust, struct bc_tsa_token *out,
    struct bc_err *err);

/*
 * Posts the DER request req to url (http:// or https://, the system's
 * CA store checking the server) as application/timestamp-query and reads
 * an application/timestamp-reply of at most BC_TSA_REPLY_MAX bytes, in at
 * most BC_TSA_TIMEOUT seconds, through OpenSSL's HTTP client (which
 * honours http_proxy, https_proxy and no_proxy).  *reply is malloc'd.
 * Returns 0, BC_ERR_INVALID (not such a URL), BC_ERR_IO (no answer, an
 * HTTP error, another content type, a timeout), BC_ERR_TOO_LARGE or
 * BC_ERR_NOMEM.
 */
int bc_tsa_fetch(const char *url, const uint8_t *req, size_t reqlen,
    uint8_t **reply, size_t *replylen, struct bc_err *err);

/* A stored token, as read from the catalog (not checked). */
struct bc_timestamp_row {
	int64_t	 id, checkpoint;
	uint8_t	*token;
	size_t	 token_len;
	char	 time[BC_TIME_MAX];
	char	 tsa[BC_TSA_NAME_MAX];
	char	 added[BC_TIME_MAX];
};

/*
 * Stores tok for checkpoint id cp, from tsa (a URL or "file"), in one
 * write transaction that first checks that the checkpoint's stored note
 * is note (the one tok was checked against): a token is never filed
 * under a checkpoint it was not checked over.  Returns 0 and the row's
 * id in *id (may be NULL), BC_ERR_NOT_FOUND, BC_ERR_INTEGRITY, or the
 * catalog's error.
 */
int bc_catalog_add_timestamp(struct bc_catalog *cat, int64_t cp,
    const char *note, size_t notelen, const struct bc_tsa_token *tok,
    const char *tsa, int64_t *id, struct bc_err *err);

/*
 * The stored tokens, of checkpoint cp (or of all when cp < 0), oldest
 * first.  Free with bc_timestamps_free.
 */
int bc_catalog_timestamps(struct bc_catalog *cat, int64_t cp,
    struct bc_timestamp_row **out, size_t *n, struct bc_err *err);
void bc_timestamps_free(struct bc_timestamp_row *rows, size_t n);

/*
 * The tokens stored for checkpoint cp as a JSON array of {"time", "tsa"}
 * (genTime and the URL or "file", as stored: not checked here; verify
 * --tsa-ca checks them), for the CLI's and the service's --json views
 * of a checkpoint.  A new reference, or NULL with err set.
 */
struct json_t;
struct json_t *bc_tsa_timestamps_json(struct bc_catalog *cat, int64_t cp,
    struct bc_err *err);

/* The stored checkpoint id into *row (free its note); BC_ERR_NOT_FOUND. */
int bc_catalog_checkpoint_get(struct bc_catalog *cat, int64_t id,
    struct bc_checkpoint_row *row, struct bc_err *err);

/*
 * The catalog's trusted times: every stored token checked against its
 * checkpoint's note (and, with trust, to the anchors), and each
 * checkpoint against the keyring and the stored log.  What verify and
 * audit judge revoked signers by.
 */
struct bc_tsa_time {
	int64_t	 token_id, checkpoint;
	uint64_t size;			/* the checkpoint's tree size */
	char	 time[BC_TIME_MAX];	/* genTime */
	int64_t	 latest;		/* as in bc_tsa_token */
	char	 tsa[BC_TSA_NAME_MAX];
	int	 ok;			/* the token counts as trusted time */
	int	 bad;			/* it failed a check: why says which */
	char	 why[320];
};

struct bc_tsa_times {
	struct bc_tsa_time	*t;
	size_t			 n;
	int			 trusted;	/* anchors were given */
};

/*
 * Reads and checks every stored token into *out, a token over another
 * checkpoint than its row's, or one whose signature fails (with trust),
 * marked bad with why; without trust, none is ok (nothing was checked
 * to anchors) but imprints are still checked.  Returns 0 or the error
 * that stopped the reading.  Clear with bc_tsa_times_clear.
 */
int bc_tsa_times_load(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_tsa_trust *trust, struct bc_tsa_times *out,
    struct bc_err *err);
void bc_tsa_times_clear(struct bc_tsa_times *tt);

/*
 * The trusted time that covers the record at leaf signed by e, a key
 * revoked since: the first ok entry whose checkpoint covers leaf (leaf <
 * size) and whose latest time is before the revocation's time (to the
 * second, rounding against the record).  NULL when none does.
 */
const struct bc_tsa_time *bc_tsa_covering(const struct bc_tsa_times *tt,
    const struct bc_keyring_entry *e, int64_t leaf);

#endif /* BODYCAM_TSA_H */
