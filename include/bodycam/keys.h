/*
 * keys.h - signer keys and their roles.
 *
 * The admin key recorded at init is the catalog's trust anchor and holds
 * every role.  Other keys are authorised by key documents: canonical JSON
 * ("bodycam.key"), chained by seq and prev like custody events, each signed
 * by a key that was an admin when it signed.  A key's role and revocation
 * come only from those signed documents, re-verified whenever the keyring
 * is loaded, never from a plain column.
 */
#ifndef BODYCAM_KEYS_H
#define BODYCAM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/note.h"
#include "bodycam/sign.h"
#include "bodycam/util.h"

#define BC_KEY_DOC_TYPE		"bodycam.key"
#define BC_KEY_NAME_MAX		64

/* Roles, as a bit set; admin implies all others. */
#define BC_ROLE_INGEST		0x01	/* may register */
#define BC_ROLE_CUSTODIAN	0x02	/* may record custody events */
#define BC_ROLE_AUDITOR		0x04	/* may record verifications */
#define BC_ROLE_ADMIN		0x08	/* may do all, and manage keys */

struct bc_keyring_entry {
	char		 id[BC_KEYID_HEX];
	struct bc_key	*pub;
	char		 name[BC_KEY_NAME_MAX + 1];
	int		 role;			/* one BC_ROLE_* */
	int		 anchor;		/* the init admin key */
	char		 added[BC_TIME_MAX];	/* "" for the anchor */
	char		 revoked[BC_TIME_MAX];	/* "" while valid */
	char		 reason[256];
	int64_t		 add_seq, revoke_seq;	/* -1 when none */
	int64_t		 add_leaf, revoke_leaf;	/* log positions of those
						   documents; -1 when none */
};

/*
 * The log position of a record about to be written: after every record
 * already in the log.  Authority "now" is authority at this position.
 */
#define BC_LEAF_NEXT	INT64_MAX

struct bc_keyring {
	struct bc_keyring_entry	*keys;
	size_t			 nkeys;
	size_t			 keys_cap;		/* allocated */
	int64_t			 ndocs;			/* key documents */
	char			 head[BC_SHA256_HEX];	/* last doc hash */
	char			 last_at[BC_TIME_MAX];	/* last doc time */
	char			 origin[BC_ORIGIN_MAX + 1];	/* the log's name,
							   or "" if unknown */
	int64_t			 bound_from;	/* leaf of the log's first bound
						   (version 2) record; -1: none */
};

/* The role named name ("ingest", ...), or 0. */
int bc_role_parse(const char *name);

/* The name of a single role bit ("ingest", ...). */
const char *bc_role_name(int role);

/*
 * The role a custody event's signer needs for action: ingest for
 * "register", auditor for "verify" and "release", custodian for the others.
 */
int bc_event_role(const char *action);

/*
 * Loads and verifies every key document of cat (hash, canonical form,
 * chain, log positions that grow with seq, the log each names
 * (bc_doc_log_check), the signer's admin authority at the document's log
 * position, signature), and notes the log's origin and first bound leaf.
 * Returns 0, BC_ERR_INTEGRITY with the failing document named in err, or a
 * catalog error.  Free with bc_keyring_free.  On BC_ERR_INTEGRITY *out
 * still holds the anchor and the keys of the documents before the failing
 * one, so that a verifier can go on and report everything else.
 */
int bc_keyring_load(struct bc_catalog *cat, struct bc_keyring **out,
    struct bc_err *err);

/*
 * The same, from the anchor admin and key documents docs[0..n) of the log
 * named origin, held anywhere (a release bundle): their hash, key and
 * signer members are held to the documents' bytes as a catalog's columns
 * are.  bound_from is as in bc_doc_log_check (-1 when not known).  With
 * origin NULL the log a bound document names is not checked here: the
 * caller must hold every bound record to the log it verifies.
 */
int bc_keyring_build(const struct bc_key *admin, const char *origin,
    int64_t bound_from, const struct bc_keydoc *docs, size_t n,
    struct bc_keyring **out, struct bc_err *err);

void bc_keyring_free(struct bc_keyring *kr);

/* The entry for a key id, or NULL. */
const struct bc_keyring_entry *bc_keyring_find(const struct bc_keyring *kr,
    const char *id);

/*
 * Whether key id could sign, with role, the record at log position leaf
 * (its leaf index; BC_LEAF_NEXT for a record about to be written): it
 * exists, the key document that added it precedes leaf in the log, the
 * one that revoked it (if any) does not, and it holds role (admin holds
 * all).  Authority is judged by log position, never by the time a signer
 * wrote into its record: the log's order is what a holder of a revoked
 * key cannot choose.  A record without a log position (leaf < 0) has no
 * authority.  Returns 0 and *entry, or BC_ERR_INTEGRITY with why.
 */
int bc_keyring_authorised(const struct bc_keyring *kr, const char *id,
    int role, int64_t leaf, const struct bc_keyring_entry **entry,
    struct bc_err *why);

/*
 * The writers' one rule: whether key may sign, as role, the record about
 * to be appended (bc_keyring_authorised at BC_LEAF_NEXT).  Returns 0, or
 * BC_ERR_INVALID "key <id>... may not <what>: <why>".
 */
int bc_signer_check(const struct bc_keyring *kr, const struct bc_key *key,
    int role, const char *what, struct bc_err *err);

/* The same by the catalog's verified keyring, loaded for the purpose. */
int bc_signer_allowed(struct bc_catalog *cat, const struct bc_key *key,
    int role, const char *what, struct bc_err *err);

/*
 * Whether sig over text is a valid signature by key signer, which was
 * authorised for role at log position leaf.  Returns 0 or
 * BC_ERR_INTEGRITY with why.
 */
int bc_keyring_check_sig(const struct bc_keyring *kr, const char *signer,
    int role, int64_t leaf, const char *text, size_t len,
    const uint8_t *sig, size_t siglen, struct bc_err *why);

/*
 * Appends a signed key document authorising pub with name and role, signed
 * by admin (which must be an admin now).  BC_ERR_EXISTS when pub was ever
 * added before.  Writes in its own transaction.
 */
int bc_key_authorise(struct bc_catalog *cat, const struct bc_key *admin,
    const struct bc_key *pub, const char *name, int role,
    struct bc_err *err);

/*
 * Appends a signed key document revoking key id, with reason, signed by
 * admin.  BC_ERR_NOT_FOUND for an unknown key, BC_ERR_INVALID for the
 * anchor or an already revoked key.
 */
int bc_key_revoke(struct bc_catalog *cat, const struct bc_key *admin,
    const char *id, const char *reason, struct bc_err *err);

#endif /* BODYCAM_KEYS_H */
