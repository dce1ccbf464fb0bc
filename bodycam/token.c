/*
 * token.c - bearer tokens for the HTTP service: made from RAND_bytes,
 * shown once, kept only as a SHA-256 in the catalog.
 *
 * The hash is of the whole token string, so that a lookup by hash is a
 * lookup by token: an indexed equality on a value an attacker cannot
 * steer, which leaks nothing through timing that would help guess a
 * token.  Raw random bytes and every copy of a token are wiped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bodycam/token.h"
#include "internal.h"

#define TOKEN_RAND	32	/* random bytes in a token */
#define PREFIX_LEN	(sizeof(BC_TOKEN_PREFIX) - 1)

_Static_assert(PREFIX_LEN + 2 * TOKEN_RAND == BC_TOKEN_LEN,
    "BC_TOKEN_LEN is the prefix and the hex of the random bytes");
_Static_assert(sizeof(((struct bc_token_row *)0)->name) ==
    BC_TOKEN_NAME_MAX + 1, "a stored name fits struct bc_token_info");

int
bc_token_name_check(const char *name, struct bc_err *err)
{
	size_t i;
	char c;

	if (name == NULL || name[0] == '\0')
		return bc_err_set(err, BC_ERR_INVALID,
		    "a token needs a name of 1 to %d characters",
		    BC_TOKEN_NAME_MAX);
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= BC_TOKEN_NAME_MAX)
			return bc_err_set(err, BC_ERR_INVALID, "token name is "
			    "longer than %d characters", BC_TOKEN_NAME_MAX);
		c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '@' || c == '-'))
			return bc_err_set(err, BC_ERR_INVALID, "token name may "
			    "hold only letters, digits and . _ @ - (not byte "
			    "0x%02x)", (unsigned char)c);
	}
	return 0;
}

/* Whether role is exactly one known BC_ROLE_* bit. */
static int
role_ok(int role)
{
	return role == BC_ROLE_INGEST || role == BC_ROLE_CUSTODIAN ||
	    role == BC_ROLE_AUDITOR || role == BC_ROLE_ADMIN;
}

/* SHA-256 of len bytes of token, as lower-case hex. */
static int
token_hash(const char *token, size_t len, char hex[BC_SHA256_HEX],
    struct bc_err *err)
{
	uint8_t digest[BC_SHA256_LEN];

	if (bc_sha256(token, len, digest) != 0)
		return bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
	bc_hex(digest, sizeof(digest), hex);
	OPENSSL_cleanse(digest, sizeof(digest));
	return 0;
}

/*
 * Begins a write transaction and checks that admin may manage tokens now;
 * on success the caller holds the write lock and now is set.
 */
static int
admin_begin(struct bc_catalog *cat, const struct bc_key *admin,
    char now[BC_TIME_MAX], struct bc_err *err)
{
	int r;

	if (admin == NULL || !bc_key_is_private(admin))
		return bc_err_set(err, BC_ERR_KEY_TYPE, "managing tokens "
		    "needs an admin's private key");
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	/* the keyring is read under the lock: a revocation cannot race */
	bc_time_now(now);
	if ((r = bc_signer_allowed(cat, admin, BC_ROLE_ADMIN,
	    "manage tokens", err)) != 0)
		bc_catalog_rollback(cat);
	return r;
}

int
bc_token_create(struct bc_catalog *cat, const struct bc_key *admin,
    const char *name, int role, char token[BC_TOKEN_LEN + 1],
    struct bc_err *err)
{
	struct bc_token_row row;
	uint8_t raw[TOKEN_RAND];
	char tok[BC_TOKEN_LEN + 1], now[BC_TIME_MAX];
	int r, locked = 0;

	token[0] = '\0';
	memset(&row, 0, sizeof(row));
	memset(tok, 0, sizeof(tok));
	if ((r = bc_token_name_check(name, err)) != 0)
		goto out;
	if (!role_ok(role)) {
		r = bc_err_set(err, BC_ERR_INVALID, "a token needs one role: "
		    "ingest, custodian, auditor or admin");
		goto out;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "no random bytes for a "
		    "token");
		goto out;
	}
	memcpy(tok, BC_TOKEN_PREFIX, PREFIX_LEN);
	bc_hex(raw, sizeof(raw), tok + PREFIX_LEN);
	if ((r = token_hash(tok, BC_TOKEN_LEN, row.hash, err)) != 0)
		goto out;
	if ((r = admin_begin(cat, admin, now, err)) != 0)
		goto out;
	locked = 1;
	snprintf(row.name, sizeof(row.name), "%s", name);
	row.role = role;
	snprintf(row.created, sizeof(row.created), "%s", now);
	snprintf(row.created_by, sizeof(row.created_by), "%s",
	    bc_key_id(admin));
	if ((r = bc_catalog_add_token(cat, &row, err)) != 0 ||
	    (r = bc_catalog_commit(cat, err)) != 0)
		goto out;
	locked = 0;
	memcpy(token, tok, sizeof(tok));
	r = 0;
 out:
	if (locked)
		bc_catalog_rollback(cat);
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(&row, sizeof(row));
	return r;
}

int
bc_token_revoke(struct bc_catalog *cat, const struct bc_key *admin,
    const char *name, struct bc_err *err)
{
	char now[BC_TIME_MAX];
	int r;

	if ((r = bc_token_name_check(name, err)) != 0)
		return r;
	if ((r = admin_begin(cat, admin, now, err)) != 0)
		return r;
	if ((r = bc_catalog_revoke_token(cat, name, now, err)) == 0)
		r = bc_catalog_commit(cat, err);
	bc_catalog_rollback(cat);		/* a no-op after commit */
	return r;
}

static void
info_from_row(struct bc_token_info *t, const struct bc_token_row *row)
{
	memset(t, 0, sizeof(*t));
	t->id = row->id;
	snprintf(t->name, sizeof(t->name), "%s", row->name);
	t->role = row->role;
	snprintf(t->created, sizeof(t->created), "%s", row->created);
	snprintf(t->created_by, sizeof(t->created_by), "%s", row->created_by);
	snprintf(t->revoked, sizeof(t->revoked), "%s", row->revoked);
}

/* Whether len bytes at s are a token in form: prefix, 64 lower hex. */
static int
well_formed(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len != BC_TOKEN_LEN ||
	    memcmp(s, BC_TOKEN_PREFIX, PREFIX_LEN) != 0)
		return 0;
	for (i = PREFIX_LEN; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
bc_token_check_len(struct bc_catalog *cat, const char *token, size_t len,
    struct bc_token_info *out, struct bc_err *err)
{
	struct bc_token_row row;
	struct bc_err why = { 0 };
	char hash[BC_SHA256_HEX];
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	memset(&row, 0, sizeof(row));
	if (!well_formed(token, len))
		return bc_err_set(err, BC_ERR_MALFORMED, "not a bodycam token "
		    "('%s' and 64 lower-case hex digits)", BC_TOKEN_PREFIX);
	if ((r = token_hash(token, len, hash, err)) != 0)
		goto out;
	/* err gets a message of ours: the catalog's could name the hash */
	if ((r = bc_catalog_find_token(cat, hash, &row, &why)) != 0) {
		if (r == BC_ERR_NOT_FOUND)
			bc_err_set(err, r, "unknown token");
		else
			bc_err_set(err, r, "cannot look the token up: %s",
			    why.msg);
		goto out;
	}
	if (row.revoked[0] != '\0') {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "token '%s' was revoked "
		    "at %s", row.name, row.revoked);
		goto out;
	}
	if (!role_ok(row.role)) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "token '%s' has no "
		    "valid role (%d)", row.name, row.role);
		goto out;
	}
	if (out != NULL)
		info_from_row(out, &row);
	r = 0;
 out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(&row, sizeof(row));
	return r;
}

int
bc_token_check(struct bc_catalog *cat, const char *token,
    struct bc_token_info *out, struct bc_err *err)
{
	/* one byte past the longest token: longer is as wrong as shorter */
	return bc_token_check_len(cat, token,
	    token != NULL ? strnlen(token, BC_TOKEN_LEN + 1) : 0, out, err);
}

int
bc_token_list(struct bc_catalog *cat, struct bc_token_info **out,
    size_t *n, struct bc_err *err)
{
	struct bc_token_row *rows = NULL;
	struct bc_token_info *v = NULL;
	size_t i, cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_catalog_tokens(cat, &rows, &cnt, err)) != 0)
		return r;
	if (cnt > 0 && (v = calloc(cnt, sizeof(*v))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < cnt; i++)
		info_from_row(&v[i], &rows[i]);
	*out = v;
	*n = cnt;
	r = 0;
 out:
	free(rows);
	return r;
}
