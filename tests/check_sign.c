/*
 * check_sign.c - Ed25519 keys and signatures: round trips, every kind of
 * forged or damaged signature, key files (mode, O_EXCL, reload, key id)
 * and the refusal of wrong, unsafe or malformed key files.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"

static const char msg[] = "BWC-000001 sealed at 2026-11-26T02:15:33Z";

/* Writes k's private and public key files as name and name.pub. */
static void
write_pair(const struct bc_key *k, const char *name)
{
	struct bc_err err = { 0 };
	char pub[256];
	int r;

	snprintf(pub, sizeof(pub), "%s.pub", name);
	r = bc_key_write_private(k, tu_path(name), &err);
	ck_assert_msg(r == 0, "write private: %s: %s", bc_strerror(r),
	    err.msg);
	r = bc_key_write_public(k, tu_path(pub), &err);
	ck_assert_msg(r == 0, "write public: %s: %s", bc_strerror(r),
	    err.msg);
}

/* Writes a non-Ed25519 (EC P-256) key as PKCS#8 and SPKI PEM files. */
static void
write_ec_pair(const char *priv, const char *pub)
{
	EVP_PKEY *pkey;
	FILE *f;

	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert_ptr_nonnull(pkey);
	ck_assert_ptr_nonnull(f = fopen(tu_path(priv), "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL,
	    NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tu_path(priv), 0600), 0);
	ck_assert_ptr_nonnull(f = fopen(tu_path(pub), "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, pkey), 1);
	ck_assert_int_eq(fclose(f), 0);
	EVP_PKEY_free(pkey);
}

static mode_t
file_mode(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* --- core --------------------------------------------------------------- */

START_TEST(test_roundtrip)
{
	struct bc_key *k = tu_new_key();
	uint8_t sig[BC_ED25519_SIGLEN], sig2[BC_ED25519_SIGLEN];

	ck_assert(bc_key_is_private(k));
	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig), 0);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig, sizeof(sig)),
	    0);
	/* Ed25519 is deterministic */
	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig2), 0);
	ck_assert(memcmp(sig, sig2, sizeof(sig)) == 0);
	/* the empty message is a message too */
	ck_assert_int_eq(bc_sign(k, "", 0, sig), 0);
	ck_assert_int_eq(bc_verify(k, "", 0, sig, sizeof(sig)), 0);
	ck_assert_int_eq(bc_verify(k, "x", 1, sig, sizeof(sig)),
	    BC_ERR_INTEGRITY);
	bc_key_free(k);
}
END_TEST

START_TEST(test_flipped_message)
{
	struct bc_key *k = tu_new_key();
	uint8_t sig[BC_ED25519_SIGLEN];
	char m[sizeof(msg)];
	size_t i;

	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig), 0);
	for (i = 0; i < sizeof(msg) - 1; i += 7) {
		memcpy(m, msg, sizeof(m));
		m[i] ^= 0x01;
		ck_assert_int_eq(bc_verify(k, m, sizeof(m) - 1, sig,
		    sizeof(sig)), BC_ERR_INTEGRITY);
	}
	/* a truncated or extended message */
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 2, sig, sizeof(sig)),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg), sig, sizeof(sig)),
	    BC_ERR_INTEGRITY);
	bc_key_free(k);
}
END_TEST

START_TEST(test_flipped_signature)
{
	struct bc_key *k = tu_new_key();
	uint8_t sig[BC_ED25519_SIGLEN];
	size_t i;
	int bit;

	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig), 0);
	for (i = 0; i < sizeof(sig); i++) {
		bit = 1 << (i % 8);
		sig[i] ^= bit;
		ck_assert_msg(bc_verify(k, msg, sizeof(msg) - 1, sig,
		    sizeof(sig)) == BC_ERR_INTEGRITY, "flip in byte %zu", i);
		sig[i] ^= bit;
	}
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig, sizeof(sig)),
	    0);
	bc_key_free(k);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct bc_key *a = tu_new_key(), *b = tu_new_key();
	uint8_t sig[BC_ED25519_SIGLEN];

	ck_assert_str_ne(bc_key_id(a), bc_key_id(b));
	ck_assert_int_eq(bc_sign(a, msg, sizeof(msg) - 1, sig), 0);
	ck_assert_int_eq(bc_verify(b, msg, sizeof(msg) - 1, sig, sizeof(sig)),
	    BC_ERR_INTEGRITY);
	bc_key_free(a);
	bc_key_free(b);
}
END_TEST

static const char vmsg[] = "custody event bytes";

/*
 * The reusing verifier answers exactly as bc_verify: good, bad, good
 * again on one context, and across more keys than it caches.
 */
START_TEST(test_verifier)
{
	enum { NKEYS = 20 };
	struct bc_key *k[NKEYS];
	struct bc_verifier *v;
	uint8_t sig[NKEYS][BC_ED25519_SIGLEN], bad[BC_ED25519_SIGLEN];
	size_t i, round;

	for (i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(bc_key_generate(&k[i]), 0);
		ck_assert_int_eq(bc_sign(k[i], vmsg, sizeof(vmsg) - 1, sig[i]),
		    0);
	}
	ck_assert_ptr_nonnull(v = bc_verifier_new());
	for (round = 0; round < 3; round++) {
		for (i = 0; i < NKEYS; i++) {
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 1, sig[i], BC_ED25519_SIGLEN), 0);
			memcpy(bad, sig[i], sizeof(bad));
			bad[round * 7 % BC_ED25519_SIGLEN] ^= 0x01;
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 1, bad, BC_ED25519_SIGLEN),
			    BC_ERR_INTEGRITY);
			/* another key's signature, and a changed message */
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 1, sig[(i + 1) % NKEYS],
			    BC_ED25519_SIGLEN), BC_ERR_INTEGRITY);
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 2, sig[i], BC_ED25519_SIGLEN),
			    BC_ERR_INTEGRITY);
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 1, sig[i], BC_ED25519_SIGLEN - 1),
			    BC_ERR_INTEGRITY);
			ck_assert_int_eq(bc_verifier_check(v, k[i], vmsg,
			    sizeof(vmsg) - 1, sig[i], BC_ED25519_SIGLEN), 0);
		}
	}
	bc_verifier_free(v);
	bc_verifier_free(NULL);
	for (i = 0; i < NKEYS; i++)
		bc_key_free(k[i]);
}
END_TEST

START_TEST(test_signature_length)
{
	struct bc_key *k = tu_new_key();
	uint8_t sig[BC_ED25519_SIGLEN + 1];

	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig), 0);
	sig[BC_ED25519_SIGLEN] = 0;
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig,
	    BC_ED25519_SIGLEN - 1), BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig,
	    BC_ED25519_SIGLEN + 1), BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig, 0),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, NULL,
	    BC_ED25519_SIGLEN), BC_ERR_INTEGRITY);
	/* all zeros is no signature */
	memset(sig, 0, sizeof(sig));
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig,
	    BC_ED25519_SIGLEN), BC_ERR_INTEGRITY);
	bc_key_free(k);
}
END_TEST

START_TEST(test_key_id_and_raw)
{
	struct bc_key *k = tu_new_key(), *p = NULL;
	uint8_t d[BC_SHA256_LEN], sig[BC_ED25519_SIGLEN];
	char hex[BC_SHA256_HEX];

	ck_assert_int_eq(bc_sha256(bc_key_public(k), BC_ED25519_PUBLEN, d), 0);
	bc_hex(d, sizeof(d), hex);
	ck_assert_str_eq(bc_key_id(k), hex);
	ck_assert(bc_is_sha256_hex(bc_key_id(k)));

	/* a public-only key from the raw bytes: same id, verifies, no signing */
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(k), &p), 0);
	ck_assert_str_eq(bc_key_id(p), bc_key_id(k));
	ck_assert(!bc_key_is_private(p));
	ck_assert_int_eq(bc_sign(k, msg, sizeof(msg) - 1, sig), 0);
	ck_assert_int_eq(bc_verify(p, msg, sizeof(msg) - 1, sig, sizeof(sig)),
	    0);
	ck_assert_int_eq(bc_sign(p, msg, sizeof(msg) - 1, sig),
	    BC_ERR_INVALID);
	bc_key_free(p);
	bc_key_free(k);
	bc_key_free(NULL);
}
END_TEST

/* --- files -------------------------------------------------------------- */

START_TEST(test_write_and_load)
{
	struct bc_key *k = tu_new_key(), *priv = NULL, *pub = NULL;
	struct bc_err err = { 0 };
	uint8_t sig[BC_ED25519_SIGLEN];
	mode_t old;
	char *text;
	size_t len;
	int r;

	old = umask(0);		/* the modes must not depend on the umask */
	write_pair(k, "id");
	umask(old);
	ck_assert_uint_eq(file_mode(tu_path("id")), 0600);
	ck_assert_uint_eq(file_mode(tu_path("id.pub")), 0644);
	ck_assert_ptr_nonnull(text = tu_read_file(tu_path("id"), &len));
	ck_assert(tu_contains(text, "-----BEGIN PRIVATE KEY-----"));
	free(text);
	ck_assert_ptr_nonnull(text = tu_read_file(tu_path("id.pub"), &len));
	ck_assert(tu_contains(text, "-----BEGIN PUBLIC KEY-----"));
	free(text);

	r = bc_key_load_private(tu_path("id"), &priv, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	r = bc_key_load_public(tu_path("id.pub"), &pub, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	ck_assert(bc_key_is_private(priv));
	ck_assert(!bc_key_is_private(pub));
	ck_assert_str_eq(bc_key_id(priv), bc_key_id(k));
	ck_assert_str_eq(bc_key_id(pub), bc_key_id(k));
	ck_assert(memcmp(bc_key_public(pub), bc_key_public(k),
	    BC_ED25519_PUBLEN) == 0);

	/* the reloaded private key signs what the original verifies */
	ck_assert_int_eq(bc_sign(priv, msg, sizeof(msg) - 1, sig), 0);
	ck_assert_int_eq(bc_verify(pub, msg, sizeof(msg) - 1, sig,
	    sizeof(sig)), 0);
	ck_assert_int_eq(bc_verify(k, msg, sizeof(msg) - 1, sig,
	    sizeof(sig)), 0);
	bc_key_free(priv);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

START_TEST(test_no_overwrite)
{
	struct bc_key *k = tu_new_key();
	struct bc_err err = { 0 };
	char *text;
	size_t len;

	ck_assert_int_eq(tu_write_str(tu_path("taken"), "precious"), 0);
	ck_assert_int_eq(bc_key_write_private(k, tu_path("taken"), &err),
	    BC_ERR_EXISTS);
	ck_assert(tu_contains(err.msg, "taken"));
	ck_assert_int_eq(bc_key_write_public(k, tu_path("taken"), &err),
	    BC_ERR_EXISTS);
	ck_assert_ptr_nonnull(text = tu_read_file(tu_path("taken"), &len));
	ck_assert_str_eq(text, "precious");
	free(text);

	/* and not through a symlink either */
	ck_assert_int_eq(symlink(tu_path("elsewhere"), tu_path("link")), 0);
	ck_assert_int_ne(bc_key_write_private(k, tu_path("link"), &err), 0);
	ck_assert_int_eq(access(tu_path("elsewhere"), F_OK), -1);
	bc_key_free(k);
}
END_TEST

START_TEST(test_write_private_needs_private)
{
	struct bc_key *k = tu_new_key(), *p = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_key_from_raw(bc_key_public(k), &p), 0);
	ck_assert_int_eq(bc_key_write_private(p, tu_path("p"), &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(access(tu_path("p"), F_OK), -1);
	/* a public key file from a public-only key is fine */
	ck_assert_int_eq(bc_key_write_public(p, tu_path("p.pub"), &err), 0);
	bc_key_free(p);
	bc_key_free(k);
}
END_TEST

START_TEST(test_load_missing)
{
	struct bc_key *k = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_key_load_private(tu_path("none"), &k, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(bc_key_load_public(tu_path("none.pub"), &k, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(bc_key_load_private(tu_dir(), &k, &err),
	    BC_ERR_INVALID);
}
END_TEST

/* --- malformed ---------------------------------------------------------- */

START_TEST(test_key_perm)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };
	static const mode_t bad[] = { 0644, 0640, 0604, 0660, 0601, 0610 };
	size_t i;

	write_pair(k, "id");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(chmod(tu_path("id"), bad[i]), 0);
		err.msg[0] = '\0';
		ck_assert_int_eq(bc_key_load_private(tu_path("id"), &l, &err),
		    BC_ERR_KEY_PERM);
		ck_assert_ptr_null(l);
		ck_assert_msg(tu_contains(err.msg, "chmod 600"),
		    "mode %04o: message '%s'", (unsigned)bad[i], err.msg);
	}
	/* 0400 is stricter than needed, and fine */
	ck_assert_int_eq(chmod(tu_path("id"), 0400), 0);
	ck_assert_int_eq(bc_key_load_private(tu_path("id"), &l, &err), 0);
	ck_assert_str_eq(bc_key_id(l), bc_key_id(k));
	bc_key_free(l);
	bc_key_free(k);
}
END_TEST

START_TEST(test_garbage_pem)
{
	struct bc_key *k = NULL;
	struct bc_err err = { 0 };
	static const char *bad[] = {
		"",
		"hello, world\n",
		"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n"
		    "-----END PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n"
		    "-----END PRIVATE KEY-----\n",	/* truncated DER */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(tu_write_str(tu_path("bad"), bad[i]), 0);
		ck_assert_int_eq(chmod(tu_path("bad"), 0600), 0);
		ck_assert_msg(bc_key_load_private(tu_path("bad"), &k, &err) ==
		    BC_ERR_MALFORMED, "private #%zu: %s", i, err.msg);
		ck_assert_ptr_null(k);
		ck_assert_msg(bc_key_load_public(tu_path("bad"), &k, &err) !=
		    0, "public #%zu loaded", i);
		ck_assert_ptr_null(k);
	}
	ck_assert_int_eq(tu_write_str(tu_path("bad"), "hello\n"), 0);
	ck_assert_int_eq(bc_key_load_public(tu_path("bad"), &k, &err),
	    BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_public_as_private)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };

	write_pair(k, "id");
	ck_assert_int_eq(chmod(tu_path("id.pub"), 0600), 0);
	ck_assert_int_eq(bc_key_load_private(tu_path("id.pub"), &l, &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_ptr_null(l);
	ck_assert(tu_contains(err.msg, "public key"));
	bc_key_free(k);
}
END_TEST

START_TEST(test_public_as_private_as_written)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };
	int r;

	/*
	 * The .pub file as bc_key_write_public leaves it (0644): the user
	 * gave the wrong file, so say so, rather than advise to chmod 600 a
	 * public key (after which they would be told it is the wrong file).
	 */
	write_pair(k, "id");
	r = bc_key_load_private(tu_path("id.pub"), &l, &err);
	ck_assert_msg(r == BC_ERR_KEY_TYPE, "got %d (%s): %s", r,
	    bc_strerror(r), err.msg);
	ck_assert_ptr_null(l);
	bc_key_free(k);
}
END_TEST

START_TEST(test_private_as_public)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };

	write_pair(k, "id");
	ck_assert_int_eq(bc_key_load_public(tu_path("id"), &l, &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_ptr_null(l);
	bc_key_free(k);
}
END_TEST

START_TEST(test_not_ed25519)
{
	struct bc_key *l = NULL;
	struct bc_err err = { 0 };

	write_ec_pair("ec", "ec.pub");
	ck_assert_int_eq(bc_key_load_private(tu_path("ec"), &l, &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_ptr_null(l);
	ck_assert(tu_contains(err.msg, "Ed25519"));
	ck_assert_int_eq(bc_key_load_public(tu_path("ec.pub"), &l, &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_ptr_null(l);
}
END_TEST

START_TEST(test_encrypted_private)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };
	EVP_PKEY *pkey;
	FILE *f;

	/* the same key type, but passphrase-protected: not supported */
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(pkey);
	ck_assert_ptr_nonnull(f = fopen(tu_path("enc"), "w"));
	ck_assert_int_eq(PEM_write_PKCS8PrivateKey(f, pkey,
	    EVP_aes_256_cbc(), "secret", 6, NULL, NULL), 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tu_path("enc"), 0600), 0);
	EVP_PKEY_free(pkey);
	ck_assert_int_eq(bc_key_load_private(tu_path("enc"), &l, &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_ptr_null(l);
	bc_key_free(k);
}
END_TEST

START_TEST(test_oversized)
{
	struct bc_key *l = NULL;
	struct bc_err err = { 0 };
	static const size_t sizes[] = { BC_KEYFILE_MAX + 1, 1024 * 1024 };
	char *buf;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_ptr_nonnull(buf = malloc(sizes[i]));
		memset(buf, 'A', sizes[i]);
		memcpy(buf, "-----BEGIN PRIVATE KEY-----\n", 28);
		ck_assert_int_eq(tu_write_file(tu_path("big"), buf, sizes[i]),
		    0);
		free(buf);
		ck_assert_int_eq(chmod(tu_path("big"), 0600), 0);
		ck_assert_int_eq(bc_key_load_private(tu_path("big"), &l,
		    &err), BC_ERR_MALFORMED);
		ck_assert_ptr_null(l);
		ck_assert_int_eq(bc_key_load_public(tu_path("big"), &l,
		    &err), BC_ERR_MALFORMED);
		ck_assert_ptr_null(l);
	}
}
END_TEST

START_TEST(test_size_limit_exact)
{
	struct bc_key *k = tu_new_key(), *l = NULL;
	struct bc_err err = { 0 };
	char *pem, *buf;
	size_t len;
	int r;

	/*
	 * BC_KEYFILE_MAX is the most PEM bytes accepted: a valid key padded
	 * with trailing newlines to exactly that size still loads.
	 */
	write_pair(k, "id");
	ck_assert_ptr_nonnull(pem = tu_read_file(tu_path("id"), &len));
	ck_assert_uint_lt(len, BC_KEYFILE_MAX);
	ck_assert_ptr_nonnull(buf = malloc(BC_KEYFILE_MAX));
	memset(buf, '\n', BC_KEYFILE_MAX);
	memcpy(buf, pem, len);
	ck_assert_int_eq(tu_write_file(tu_path("padded"), buf,
	    BC_KEYFILE_MAX), 0);
	ck_assert_int_eq(chmod(tu_path("padded"), 0600), 0);
	r = bc_key_load_private(tu_path("padded"), &l, &err);
	ck_assert_msg(r == 0, "a %d-byte key file: %s: %s", BC_KEYFILE_MAX,
	    bc_strerror(r), err.msg);
	ck_assert_str_eq(bc_key_id(l), bc_key_id(k));
	bc_key_free(l);
	free(buf);
	free(pem);
	bc_key_free(k);
}
END_TEST

static int
load_fifo(void *arg)
{
	struct bc_key *k = NULL;
	int r;

	r = bc_key_load_private(arg, &k, NULL);
	bc_key_free(k);
	return r;
}

START_TEST(test_fifo)
{
	const char *path = tu_path("fifo");
	int r = 0;

	/* not a regular file: refused, without waiting for a writer */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_msg(tu_call_timeout(load_fifo, (void *)path, 1000, &r) == 0,
	    "bc_key_load_private on a FIFO still blocked after 1 s");
	ck_assert_int_eq(r, BC_ERR_INVALID);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc;

	tc = tu_tcase(s, "core", NULL, NULL);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_flipped_message);
	tcase_add_test(tc, test_flipped_signature);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_signature_length);
	tcase_add_test(tc, test_verifier);
	tcase_add_test(tc, test_key_id_and_raw);

	tc = tu_tcase(s, "files", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_write_and_load);
	tcase_add_test(tc, test_no_overwrite);
	tcase_add_test(tc, test_write_private_needs_private);
	tcase_add_test(tc, test_load_missing);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_key_perm);
	tcase_add_test(tc, test_garbage_pem);
	tcase_add_test(tc, test_public_as_private);
	tcase_add_test(tc, test_public_as_private_as_written);
	tcase_add_test(tc, test_private_as_public);
	tcase_add_test(tc, test_not_ed25519);
	tcase_add_test(tc, test_encrypted_private);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_size_limit_exact);
	tcase_add_test(tc, test_fifo);
	return s;
}

int
main(void)
{
	return tu_run_suite(sign_suite());
}
