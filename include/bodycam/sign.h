/*
 * sign.h - Ed25519 keys and signatures through OpenSSL EVP.
 *
 * A key's id is the lower-case hex SHA-256 of its raw 32-byte public key.
 * Private keys live in PKCS#8 PEM files created O_EXCL with mode 0600; a
 * private key file that group or others may read is refused, as ssh does.
 * Private key bytes read from disk are wiped (OPENSSL_cleanse) after use.
 */
#ifndef BODYCAM_SIGN_H
#define BODYCAM_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"

#define BC_ED25519_PUBLEN	32
#define BC_ED25519_SIGLEN	64
#define BC_KEYID_HEX		BC_SHA256_HEX
#define BC_KEYFILE_MAX		(16 * 1024)	/* bytes of PEM we accept */

struct bc_key;

/* Generates a new Ed25519 key pair.  Returns 0 or BC_ERR_CRYPTO. */
int bc_key_generate(struct bc_key **out);

/*
 * Writes the private key as PKCS#8 PEM to path, created with O_EXCL and
 * mode 0600 (an existing file is BC_ERR_EXISTS, never overwritten).
 */
int bc_key_write_private(const struct bc_key *k, const char *path,
    struct bc_err *err);

/* Writes the public key as SubjectPublicKeyInfo PEM (O_EXCL, 0644). */
int bc_key_write_public(const struct bc_key *k, const char *path,
    struct bc_err *err);

/*
 * Loads a private key: BC_ERR_KEY_PERM when the file's mode allows group or
 * other access, BC_ERR_KEY_TYPE for a non-Ed25519 or a public key,
 * BC_ERR_MALFORMED for anything that is not a PEM private key.
 */
int bc_key_load_private(const char *path, struct bc_key **out,
    struct bc_err *err);

/* Loads a public key (PEM SubjectPublicKeyInfo, Ed25519 only). */
int bc_key_load_public(const char *path, struct bc_key **out,
    struct bc_err *err);

/* A public-only key from its raw 32 bytes. */
int bc_key_from_raw(const uint8_t raw[BC_ED25519_PUBLEN],
    struct bc_key **out);

/* The raw public key (32 bytes, owned by k). */
const uint8_t *bc_key_public(const struct bc_key *k);

/* The key id (64 hex digits, owned by k). */
const char *bc_key_id(const struct bc_key *k);

/* Non-zero when k holds a private key. */
int bc_key_is_private(const struct bc_key *k);

/* Signs msg with k's private key.  Returns 0, BC_ERR_INVALID, _CRYPTO. */
int bc_sign(const struct bc_key *k, const void *msg, size_t len,
    uint8_t sig[BC_ED25519_SIGLEN]);

/* Returns 0 when sig is k's signature of msg, else BC_ERR_INTEGRITY. */
int bc_verify(const struct bc_key *k, const void *msg, size_t len,
    const uint8_t *sig, size_t siglen);

/*
 * A verifier for many signatures on one thread: it keeps an initialised
 * OpenSSL context per key, which spares the set-up of each check.  Not to
 * be shared between threads; the keys it has seen must outlive it.
 * bc_verifier_check answers as bc_verify does.
 */
struct bc_verifier;

struct bc_verifier *bc_verifier_new(void);
void bc_verifier_free(struct bc_verifier *v);
int bc_verifier_check(struct bc_verifier *v, const struct bc_key *k,
    const void *msg, size_t len, const uint8_t *sig, size_t siglen);

/* Frees k and wipes its private part; accepts NULL. */
void bc_key_free(struct bc_key *k);

#endif /* BODYCAM_SIGN_H */
