/*
 * token.h - bearer tokens for the HTTP service.
 *
 * A token is "bct_" and 64 lower-case hex digits of 32 random bytes.  It
 * is shown once, when it is created, and never stored: the catalog keeps
 * its SHA-256 (hex, of the whole token string), its name, one role, who
 * created it and when, and when it was revoked.  Tokens are created and
 * revoked by an admin key; a revoked token's name may be given to a new
 * one.  Unlike key documents, token rows are not signed: a token only
 * lets the service act on the holder's behalf with the service's own keys.
 */
#ifndef BODYCAM_TOKEN_H
#define BODYCAM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/keys.h"
#include "bodycam/sign.h"
#include "bodycam/util.h"

#define BC_TOKEN_PREFIX		"bct_"
#define BC_TOKEN_LEN		68	/* "bct_" + 64 lower-case hex */
#define BC_TOKEN_NAME_MAX	64	/* names: [A-Za-z0-9._@-], 1..64 */

struct bc_token_info {
	int64_t	 id;
	char	 name[BC_TOKEN_NAME_MAX + 1];
	int	 role;				/* one BC_ROLE_* */
	char	 created[BC_TIME_MAX];		/* RFC 3339 UTC */
	char	 created_by[BC_KEYID_HEX];	/* the admin's key id */
	char	 revoked[BC_TIME_MAX];		/* "" while active */
};

/*
 * Whether name is a valid token name: 1 to BC_TOKEN_NAME_MAX characters
 * of [A-Za-z0-9._@-].  Returns 0 or BC_ERR_INVALID with why in err.
 */
int bc_token_name_check(const char *name, struct bc_err *err);

/*
 * Creates a token named name with role (one BC_ROLE_* bit) and writes it,
 * NUL-terminated, to token: it is shown once and never stored.  admin must
 * be a private key (BC_ERR_KEY_TYPE) that holds the admin role now by the
 * catalog's keyring (the anchor admin key qualifies; else BC_ERR_INVALID).
 * BC_ERR_EXISTS when an active token has that name, BC_ERR_INVALID for a
 * bad name or role, BC_ERR_CRYPTO when no random bytes could be had.  On
 * any error token is "".  Writes in its own transaction.
 */
int bc_token_create(struct bc_catalog *cat, const struct bc_key *admin,
    const char *name, int role, char token[BC_TOKEN_LEN + 1],
    struct bc_err *err);

/*
 * Revokes the active token named name, with admin as for create.
 * BC_ERR_NOT_FOUND when no active token has that name, BC_ERR_INVALID for
 * a bad name.  Writes in its own transaction.
 */
int bc_token_revoke(struct bc_catalog *cat, const struct bc_key *admin,
    const char *name, struct bc_err *err);

/*
 * The active token matching token, into *out (which may be NULL).
 * BC_ERR_MALFORMED when token is not "bct_" and 64 lower-case hex digits
 * (checked before any lookup), BC_ERR_NOT_FOUND when it is unknown or
 * revoked, BC_ERR_INTEGRITY when its row has no valid role.  err never
 * holds the token or its hash.  No shared state: threads may call it at
 * once, each on a catalog handle of its own.
 */
int bc_token_check(struct bc_catalog *cat, const char *token,
    struct bc_token_info *out, struct bc_err *err);

/*
 * The same for len bytes at token that need not be NUL-terminated (an
 * HTTP header's value): anything but exactly BC_TOKEN_LEN bytes of the
 * right form, an embedded NUL included, is BC_ERR_MALFORMED.
 */
int bc_token_check_len(struct bc_catalog *cat, const char *token,
    size_t len, struct bc_token_info *out, struct bc_err *err);

/*
 * Every token, active and revoked, oldest first: *out is an array of *n,
 * freed with free().  Never hashes or tokens.
 */
int bc_token_list(struct bc_catalog *cat, struct bc_token_info **out,
    size_t *n, struct bc_err *err);

#endif /* BODYCAM_TOKEN_H */
