/*
 * note.h - C2SP signed notes and transparency-log checkpoints.
 *
 * A signed note (c2sp.org/signed-note) is a text ending in a newline, a
 * blank line, and one or more signature lines
 *
 *	"— " key-name " " base64(key id || signature) "\n"
 *
 * (the em dash is U+2014).  The whole note is UTF-8 without control
 * characters other than newline.  Only Ed25519 signatures are made and
 * checked here: the signature is over the note text, final newline
 * included, and the key id is the first four bytes of
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key), as in
 * golang.org/x/mod/sumdb/note.
 *
 * A checkpoint (c2sp.org/tlog-checkpoint) is the text of such a note:
 *
 *	origin "\n" tree-size "\n" base64(root hash) "\n" [extension lines]
 *
 * Checkpoints made here never carry extension lines; parsing keeps them.
 */
#ifndef BODYCAM_NOTE_H
#define BODYCAM_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"
#include "bodycam/sign.h"

#define BC_NOTE_MAX		(64 * 1024)	/* bytes in a signed note */
#define BC_NOTE_MAX_SIGS	100		/* signature lines in a note */
#define BC_NOTE_KEYID_LEN	4
#define BC_ORIGIN_MAX		255		/* bytes in an origin line */

/* A checkpoint's text, taken apart. */
struct bc_checkpoint {
	char		 origin[BC_ORIGIN_MAX + 1];	/* NUL-terminated */
	uint64_t	 size;				/* leaves in the tree */
	uint8_t		 root[BC_SHA256_LEN];
	const char	*ext;		/* extension lines, inside the parsed */
	size_t		 extlen;	/* text, each ending in "\n"; 0: none */
};

/*
 * Whether origin can name a log: a checkpoint origin line (as
 * bc_checkpoint_text) that is also a note key name (no space, no '+'),
 * since checkpoints are signed under the origin.  0 or BC_ERR_INVALID.
 */
int bc_origin_check(const char *origin, struct bc_err *err);

/*
 * The default origin of a new log: "HOST/bodycam/XXXXXXXX", the host name
 * (lower case, letters, digits, '-' and '.' only; "localhost" when there
 * is none) and 32 random bits, so that two catalogs on one host differ.
 */
int bc_default_origin(char out[BC_ORIGIN_MAX + 1], struct bc_err *err);

/*
 * The note key id of key under key_name (big-endian, as it leads the
 * signature bytes).  Returns 0, BC_ERR_INVALID for a key name that is
 * empty, not UTF-8, or holds a control character below U+0020, a Unicode
 * space or a '+', BC_ERR_NOMEM or BC_ERR_CRYPTO.
 */
int bc_note_key_id(const char *key_name, const struct bc_key *key,
    uint8_t id[BC_NOTE_KEYID_LEN]);

/*
 * Signs text (len bytes: UTF-8 ending in "\n", no control character but
 * newline) with key under key_name, and gives the signed note, text
 * first, in *note (*notelen bytes, NUL-terminated; the caller frees it).
 * Returns 0, BC_ERR_INVALID (a public key, a bad key name or text),
 * BC_ERR_TOO_LARGE (a note over BC_NOTE_MAX), BC_ERR_NOMEM or
 * BC_ERR_CRYPTO; err gets the cause.
 */
int bc_note_sign(const char *text, size_t len, const char *key_name,
    const struct bc_key *key, char **note, size_t *notelen,
    struct bc_err *err);

/*
 * Checks that note (len bytes) is a signed note that key signed under
 * key_name.  Signature lines of other names or key ids are ignored, but
 * must be well formed; every line of key_name and key's id must verify.
 * On success *textlen (when not NULL) is the length of the note text,
 * which begins the note: bc_checkpoint_parse(note, *textlen, ...).
 *
 * Returns 0; BC_ERR_TOO_LARGE over BC_NOTE_MAX bytes; BC_ERR_MALFORMED
 * when note is not a signed note (not UTF-8, a control character, no
 * blank line before the signatures, a signature line that does not parse,
 * more than BC_NOTE_MAX_SIGS of them); BC_ERR_INTEGRITY when a signature
 * of key_name and key's id fails, or there is none; BC_ERR_INVALID for a
 * bad key_name; BC_ERR_NOMEM or BC_ERR_CRYPTO.  err gets the cause.
 */
int bc_note_verify(const char *note, size_t len, const char *key_name,
    const struct bc_key *key, size_t *textlen, struct bc_err *err);

/*
 * As bc_note_verify, and *nsigs is the number of signature lines of
 * key_name and key's id seen (so 0 with BC_ERR_INTEGRITY: key did not
 * sign; more with it: a signature of key's is bad).
 */
int bc_note_open(const char *note, size_t len, const char *key_name,
    const struct bc_key *key, size_t *textlen, size_t *nsigs,
    struct bc_err *err);

/*
 * Note verifier keys (c2sp.org/signed-note "vkeys"):
 *
 *	name "+" hex(key id) "+" base64(type || 32-byte Ed25519 key)
 *
 * of type 0x01 (Ed25519 note signatures: a log's checkpoint key) or 0x04
 * (c2sp.org/tlog-cosignature cosignature/v1: a witness).
 */
#define BC_VKEY_ED25519		0x01
#define BC_VKEY_COSIG_V1	0x04
#define BC_VKEY_NAME_MAX	BC_ORIGIN_MAX

/* key's vkey under name, of type alg, in *out (the caller frees it). */
int bc_vkey_format(const char *name, int alg, const struct bc_key *key,
    char **out, struct bc_err *err);

/*
 * Parses the vkey s: its name, type (BC_VKEY_ED25519 or
 * BC_VKEY_COSIG_V1) and key (a public key; free it).  The key id must be
 * that of the name, type and key.  Returns 0 or BC_ERR_MALFORMED.
 */
int bc_vkey_parse(const char *s, char name[BC_VKEY_NAME_MAX + 1], int *alg,
    struct bc_key **key, struct bc_err *err);

/*
 * Splits a signed note: *textlen is the length of its text (final newline
 * included); the signature lines begin at note + *textlen + 1.  Returns
 * 0, BC_ERR_TOO_LARGE or BC_ERR_MALFORMED (no blank line).
 */
int bc_note_split(const char *note, size_t len, size_t *textlen,
    struct bc_err *err);

/* A 32-byte hash in canonical base64 (44 characters), as in checkpoints. */
#define BC_NOTE_HASH_B64	44
int bc_note_hash_parse(const char *s, size_t n, uint8_t out[BC_SHA256_LEN]);
void bc_note_hash_format(const uint8_t h[BC_SHA256_LEN],
    char out[BC_NOTE_HASH_B64 + 1]);

/*
 * Whether p[0..n) is one well-formed note signature line: an em dash and
 * a space, a key name, a space, canonical base64 of more than 4 bytes,
 * and the newline that ends it (and no other).
 */
int bc_note_sig_line_ok(const char *p, size_t n);

/*
 * Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1).
 * A cosignature is a note signature line whose key id is
 * SHA-256(name || 0x0A || 0x04 || key)[:4] and whose signature bytes are
 * a big-endian 64-bit POSIX time and the Ed25519 signature of
 *
 *	"cosignature/v1\n" "time " decimal "\n" || the checkpoint text
 */
#define BC_COSIG_HEADER		"cosignature/v1"
#define BC_COSIG_RAW_LEN	(BC_NOTE_KEYID_LEN + 8 + BC_ED25519_SIGLEN)

/* The cosigner key id of key under name (as bc_note_key_id). */
int bc_cosig_key_id(const char *name, const struct bc_key *key,
    uint8_t id[BC_NOTE_KEYID_LEN]);

/*
 * Cosigns the checkpoint text (textlen bytes, not the signed note) at
 * POSIX time t with key under name: *line is the signature line
 * ("— name base64\n", NUL-terminated, *linelen bytes; the caller frees
 * it).  Returns 0, BC_ERR_INVALID, BC_ERR_NOMEM or BC_ERR_CRYPTO.
 */
int bc_cosig_sign(const char *text, size_t textlen, const char *name,
    const struct bc_key *key, uint64_t t, char **line, size_t *linelen,
    struct bc_err *err);

/*
 * Checks the cosignatures by name and key among the signature lines sigs
 * (sigslen bytes, each "— name base64\n"; lines of other keys are
 * ignored but must be well formed) over the checkpoint text.  Every line
 * of name and key's id must verify; *t is the time of the first, and
 * *line (pointing into sigs) and *linelen that line, when not NULL.
 * Returns 0; BC_ERR_NOT_FOUND when there is none; BC_ERR_INTEGRITY when
 * one fails; BC_ERR_MALFORMED, BC_ERR_TOO_LARGE, BC_ERR_NOMEM or
 * BC_ERR_CRYPTO.  err says which line.
 */
int bc_cosig_check(const char *text, size_t textlen, const char *sigs,
    size_t sigslen, const char *name, const struct bc_key *key,
    uint64_t *t, const char **line, size_t *linelen, struct bc_err *err);

/*
 * The checkpoint text of a tree of size leaves with root hash root, for
 * the log named origin, into *out (*len bytes, NUL-terminated; the caller
 * frees it).  origin is at most BC_ORIGIN_MAX bytes of UTF-8, not empty,
 * without control characters or leading or trailing space.  Returns 0,
 * BC_ERR_INVALID (a bad origin) or BC_ERR_NOMEM.
 */
int bc_checkpoint_text(const char *origin, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], char **out, size_t *len,
    struct bc_err *err);

/*
 * Parses the checkpoint text (len bytes; not the signed note around it:
 * see bc_note_verify) into *cp, whose ext points into text.  The origin
 * is held to the rules of bc_checkpoint_text; the tree size is decimal
 * without leading zeros and fits 64 bits; the root hash is the canonical
 * base64 of exactly 32 bytes; extension lines are not empty.  Returns 0,
 * BC_ERR_TOO_LARGE (over BC_NOTE_MAX) or BC_ERR_MALFORMED; err gets the
 * cause.
 */
int bc_checkpoint_parse(const char *text, size_t len,
    struct bc_checkpoint *cp, struct bc_err *err);

/*
 * A transparency log proof (c2sp.org/tlog-proof@v1): the text
 *
 *	"c2sp.org/tlog-proof@v1\n"
 *	["extra " base64(extra data) "\n"]
 *	"index " decimal "\n"
 *	base64(hash) "\n" ...		(the RFC 6962 inclusion proof)
 *	"\n"
 *	the signed checkpoint note, verbatim
 *
 * The checkpoint is not verified here (see bc_note_verify and
 * bc_checkpoint_parse): a proof is only taken apart.
 */
#define BC_TLOG_PROOF_HEADER	"c2sp.org/tlog-proof@v1"
#define BC_TLOG_PROOF_EXTRA_MAX	1024		/* bytes of extra data */
#define BC_TLOG_PROOF_MAX_HASHES 64		/* BC_MERKLE_MAX_PROOF */
#define BC_TLOG_PROOF_MAX	(BC_NOTE_MAX + 4096 + \
	BC_TLOG_PROOF_MAX_HASHES * 45)		/* bytes in a proof */

/* A tlog proof, taken apart. */
struct bc_tlog_proof {
	int		 has_extra;
	uint8_t		 extra[BC_TLOG_PROOF_EXTRA_MAX];
	size_t		 extralen;
	uint64_t	 index;
	uint8_t		 hashes[BC_TLOG_PROOF_MAX_HASHES][BC_SHA256_LEN];
	size_t		 nhashes;
	const char	*note;		/* the checkpoint note, inside the */
	size_t		 notelen;	/* parsed text, to its end */
};

/*
 * The tlog proof of the leaf at index with the n hashes of its inclusion
 * proof, in the tree of the signed checkpoint note (notelen bytes, as
 * stored: text, blank line, signatures), without extra data, into *out
 * (*outlen bytes, NUL-terminated; the caller frees it).  Returns 0,
 * BC_ERR_INVALID (more than BC_TLOG_PROOF_MAX_HASHES hashes, or a note
 * that is empty, does not end in a newline or is over BC_NOTE_MAX
 * bytes) or BC_ERR_NOMEM.
 */
int bc_tlog_proof_format(uint64_t index,
    const uint8_t (*hashes)[BC_SHA256_LEN], size_t n, const char *note,
    size_t notelen, char **out, size_t *outlen, struct bc_err *err);

/*
 * Parses the tlog proof data (len bytes) into *p, whose note points into
 * data.  Strict: at most BC_TLOG_PROOF_MAX bytes; the exact header line;
 * extra data, when there, canonical base64 of 1 to
 * BC_TLOG_PROOF_EXTRA_MAX bytes; the index decimal without leading zeros
 * and fitting 63 bits; each hash the canonical base64 of exactly 32 bytes
 * (at most BC_TLOG_PROOF_MAX_HASHES); one empty line; then a note that is
 * not empty, ends in a newline, is at most BC_NOTE_MAX bytes and holds a
 * blank line.  Returns 0, BC_ERR_TOO_LARGE or BC_ERR_MALFORMED; err gets
 * the cause, naming the line.
 */
int bc_tlog_proof_parse(const char *data, size_t len,
    struct bc_tlog_proof *p, struct bc_err *err);

#endif /* BODYCAM_NOTE_H */
