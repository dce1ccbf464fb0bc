/*
 * check_note.c - C2SP signed notes and checkpoints: byte-exact vectors
 * (ours, computed with the openssl command line, and those of
 * golang.org/x/mod/sumdb/note), round trips, and the refusal of altered,
 * truncated, oversized and malformed notes and checkpoints.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "bodycam/note.h"

#define EMDASH		"\xe2\x80\x94"

/*
 * The fixed vector.  The expected bytes were computed with command-line
 * tools, not with this library (OpenSSL 3.0.19, coreutils, xxd; Ed25519
 * is deterministic, so the signature is fixed):
 *
 *   # key: the PKCS#8 DER prefix of an Ed25519 key || seed 00 01 .. 1f
 *   printf '302e020100300506032b657004220420%s' \
 *       000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f |
 *       xxd -r -p | openssl pkey -inform DER -out key.pem
 *   openssl pkey -in key.pem -pubout -outform DER | tail -c 32 > pub.bin
 *   # root: SHA-256 of the empty string
 *   printf '' | openssl dgst -sha256 -binary > root.bin
 *   printf 'bodycam.example/log\n42\n%s\n' "$(base64 -w0 root.bin)" \
 *       > body.txt
 *   # key id: SHA-256(key name || "\n" || 0x01 || public key)[:4]
 *   { printf 'bodycam.example/log\n\001'; cat pub.bin; } | sha256sum |
 *       cut -c1-8 | xxd -r -p > keyid.bin		# 9cfde1f8
 *   openssl pkeyutl -sign -inkey key.pem -rawin -in body.txt > sig.bin
 *   { cat body.txt; printf '\n\342\200\224 bodycam.example/log %s\n' \
 *       "$(cat keyid.bin sig.bin | base64 -w0)"; } > note.txt
 *
 * (sha256sum note.txt: dccbb7210c6fec1f6d42691c67db75be
 * bbf565e1c20bacc61cca08e8b892ebbb.)  Python's cryptography package,
 * Ed25519PrivateKey.from_private_bytes(bytes(range(32))), gives the same.
 */
static const char fixed_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n"
    "-----END PRIVATE KEY-----\n";
static const char fixed_pub[] =
    "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
static const uint8_t fixed_id[BC_NOTE_KEYID_LEN] = {
	0x9c, 0xfd, 0xe1, 0xf8
};
static const char fixed_root[] =	/* SHA-256 of "" */
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char origin[] = "bodycam.example/log";
static const char fixed_body[] =
    "bodycam.example/log\n"
    "42\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
static const char fixed_note[] =
    "bodycam.example/log\n"
    "42\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    "\n"
    EMDASH " bodycam.example/log nP3h+P8UP4hMFoZTnXz6gR+HPRHtbAtbagIe8nQ"
    "IpPASw60ZGem3lbCydp8AmrSY4RoDKc9badPgSbIIBLATzpZ81wA=\n";

/*
 * Third-party vectors from golang.org/x/mod/sumdb/note, note.go's
 * package comment and note_test.go (TestSign, TestOpen):
 * https://github.com/golang/mod/blob/master/sumdb/note/note_test.go
 *
 *   PRIVATE+KEY+PeterNeumann+c74f20a3+
 *	AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz	(one line)
 *   PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW
 *   EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop
 *
 * A verifier key is name+id+base64(0x01 || public key); the private key
 * is base64(0x01 || seed).  As PKCS#8 PEM and raw hex:
 *
 *   { printf '302e020100300506032b657004220420' | xxd -r -p;
 *     printf AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz | base64 -d |
 *     tail -c 32; } | openssl pkey -inform DER
 *   printf ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW | base64 -d |
 *       tail -c 32 | xxd -p -c 32
 */
static const char peter_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\n"
    "-----END PRIVATE KEY-----\n";
static const char peter_pub[] =
    "1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6";
static const char enoch_pub[] =
    "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
static const char go_text[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
static const char peter_sig[] =
    EMDASH " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuG"
    "UgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] =
    EMDASH " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOH"
    "p+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* --- helpers ------------------------------------------------------------ */

/* A private key from PEM text, through a 0600 file in the test dir. */
static struct bc_key *
load_pem(const char *pem)
{
	struct bc_err err = { 0 };
	struct bc_key *k = NULL;
	const char *path = tu_path("note.key");
	int r;

	ck_assert_int_eq(tu_write_str(path, pem), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
	r = bc_key_load_private(path, &k, &err);
	ck_assert_msg(r == 0, "load: %s: %s", bc_strerror(r), err.msg);
	ck_assert_int_eq(unlink(path), 0);
	return k;
}

static struct bc_key *
pub_from_hex(const char *hex)
{
	uint8_t raw[BC_ED25519_PUBLEN];
	struct bc_key *k = NULL;

	ck_assert_int_eq(bc_unhex(hex, raw, sizeof(raw)), 0);
	ck_assert_int_eq(bc_key_from_raw(raw, &k), 0);
	return k;
}

/* malloc'd concatenation of up to three strings (NULLs skipped). */
static char *
cat3(const char *a, const char *b, const char *c)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	size_t lc = c ? strlen(c) : 0;
	char *s;

	ck_assert_ptr_nonnull(s = malloc(la + lb + lc + 1));
	memcpy(s, a ? a : "", la);
	memcpy(s + la, b ? b : "", lb);
	memcpy(s + la + lb, c ? c : "", lc);
	s[la + lb + lc] = '\0';
	return s;
}

/* "— name base64(raw)\n", with OpenSSL's encoder rather than ours. */
static char *
sig_line(const char *name, const uint8_t *raw, size_t len)
{
	char b64[256], *s;

	ck_assert_uint_le((len + 2) / 3 * 4 + 1, sizeof(b64));
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)len);
	ck_assert_int_ge(asprintf(&s, EMDASH " %s %s\n", name, b64), 0);
	return s;
}

static int
verify_str(const char *note, const char *name, const struct bc_key *k)
{
	struct bc_err err = { 0 };

	return bc_note_verify(note, strlen(note), name, k, NULL, &err);
}

static void
expect_verify(const char *note, const char *name, const struct bc_key *k,
    int want)
{
	struct bc_err err = { 0 };
	size_t tlen = 1;
	int r;

	r = bc_note_verify(note, strlen(note), name, k, &tlen, &err);
	ck_assert_msg(r == want, "verify: %s (%s), want %s; note:\n%s",
	    bc_strerror(r), err.msg, bc_strerror(want), note);
	if (r != 0)
		ck_assert_uint_eq(tlen, 0);
	else
		ck_assert_msg(err.msg[0] == '\0', "message on success");
}

static char *
sign_str(const char *text, const char *name, const struct bc_key *k)
{
	struct bc_err err = { 0 };
	char *note = NULL;
	size_t len = 0;
	int r;

	r = bc_note_sign(text, strlen(text), name, k, &note, &len, &err);
	ck_assert_msg(r == 0, "sign: %s: %s", bc_strerror(r), err.msg);
	ck_assert_uint_eq(strlen(note), len);
	return note;
}

static void
expect_parse(const char *text, int want)
{
	struct bc_checkpoint cp;
	struct bc_err err = { 0 };
	int r;

	r = bc_checkpoint_parse(text, strlen(text), &cp, &err);
	ck_assert_msg(r == want, "parse: %s (%s), want %s; text:\n%s",
	    bc_strerror(r), err.msg, bc_strerror(want), text);
	if (r != 0)
		ck_assert_msg(err.msg[0] != '\0', "no cause given");
}

static void
expect_text_refused(const char *o)
{
	uint8_t root[BC_SHA256_LEN] = { 0 };
	struct bc_err err = { 0 };
	char *out = (char *)1;
	size_t len = 1;

	ck_assert_int_eq(bc_checkpoint_text(o, 1, root, &out, &len, &err),
	    BC_ERR_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(err.msg[0] != '\0', "no cause given");
}

/* --- vectors ------------------------------------------------------------ */

START_TEST(test_checkpoint_bytes)
{
	struct bc_err err = { 0 };
	struct bc_checkpoint cp;
	uint8_t root[BC_SHA256_LEN];
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(bc_unhex(fixed_root, root, sizeof(root)), 0);
	ck_assert_int_eq(bc_checkpoint_text(origin, 42, root, &text, &len,
	    &err), 0);
	ck_assert_uint_eq(len, sizeof(fixed_body) - 1);
	ck_assert_str_eq(text, fixed_body);

	ck_assert_int_eq(bc_checkpoint_parse(text, len, &cp, &err), 0);
	ck_assert_str_eq(cp.origin, origin);
	ck_assert(cp.size == 42);
	ck_assert(memcmp(cp.root, root, sizeof(root)) == 0);
	ck_assert_ptr_null(cp.ext);
	ck_assert_uint_eq(cp.extlen, 0);
	free(text);
}
END_TEST

START_TEST(test_signed_checkpoint_bytes)
{
	struct bc_key *k = load_pem(fixed_pem), *pub = pub_from_hex(fixed_pub);
	struct bc_err err = { 0 };
	struct bc_checkpoint cp;
	uint8_t id[BC_NOTE_KEYID_LEN];
	char *note = NULL;
	size_t len = 0, tlen = 0;

	/* the seed gives the public key the openssl command line printed */
	ck_assert(memcmp(bc_key_public(k), bc_key_public(pub),
	    BC_ED25519_PUBLEN) == 0);
	ck_assert_int_eq(bc_note_key_id(origin, k, id), 0);
	ck_assert(memcmp(id, fixed_id, sizeof(id)) == 0);

	ck_assert_int_eq(bc_note_sign(fixed_body, sizeof(fixed_body) - 1,
	    origin, k, &note, &len, &err), 0);
	ck_assert_uint_eq(len, sizeof(fixed_note) - 1);
	ck_assert(memcmp(note, fixed_note, len) == 0);
	ck_assert_str_eq(note, fixed_note);

	/* and it opens with the public key alone */
	ck_assert_int_eq(bc_note_verify(fixed_note, sizeof(fixed_note) - 1,
	    origin, pub, &tlen, &err), 0);
	ck_assert_uint_eq(tlen, sizeof(fixed_body) - 1);
	ck_assert_int_eq(bc_checkpoint_parse(fixed_note, tlen, &cp, &err), 0);
	ck_assert_str_eq(cp.origin, origin);
	ck_assert(cp.size == 42);
	free(note);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

/* x/mod/sumdb/note TestSign: the same bytes from the same seed. */
START_TEST(test_go_sign)
{
	struct bc_key *k = load_pem(peter_pem), *pub = pub_from_hex(peter_pub);
	uint8_t id[BC_NOTE_KEYID_LEN];
	char *note, *want;

	ck_assert(memcmp(bc_key_public(k), bc_key_public(pub),
	    BC_ED25519_PUBLEN) == 0);
	ck_assert_int_eq(bc_note_key_id("PeterNeumann", k, id), 0);
	ck_assert(id[0] == 0xc7 && id[1] == 0x4f && id[2] == 0x20 &&
	    id[3] == 0xa3);
	note = sign_str(go_text, "PeterNeumann", k);
	want = cat3(go_text, "\n", peter_sig);
	ck_assert_str_eq(note, want);
	free(want);
	free(note);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

/* x/mod/sumdb/note TestOpen and TestVerifierList, as far as they go. */
START_TEST(test_go_open)
{
	struct bc_key *peter = pub_from_hex(peter_pub);
	struct bc_key *enoch = pub_from_hex(enoch_pub);
	uint8_t id[BC_NOTE_KEYID_LEN];
	char *one, *two, *s;

	/* the key ids of the published verifier keys */
	ck_assert_int_eq(bc_note_key_id("PeterNeumann", peter, id), 0);
	ck_assert(id[0] == 0xc7 && id[1] == 0x4f && id[2] == 0x20 &&
	    id[3] == 0xa3);
	ck_assert_int_eq(bc_note_key_id("EnochRoot", enoch, id), 0);
	ck_assert(id[0] == 0xaf && id[1] == 0x0c && id[2] == 0xfe &&
	    id[3] == 0x78);

	one = cat3(go_text, "\n", peter_sig);
	expect_verify(one, "PeterNeumann", peter, 0);
	expect_verify(one, "EnochRoot", enoch, BC_ERR_INTEGRITY);
	/* a known name with another key, a known key with another name */
	expect_verify(one, "PeterNeumann", enoch, BC_ERR_INTEGRITY);
	expect_verify(one, "EnochRoot", peter, BC_ERR_INTEGRITY);
	expect_verify(one, "PeterNeuman", peter, BC_ERR_INTEGRITY);

	/* doubly signed: each key ignores the other's line */
	two = cat3(go_text, "\n", peter_sig);
	s = cat3(two, enoch_sig, NULL);
	free(two);
	two = s;
	expect_verify(two, "PeterNeumann", peter, 0);
	expect_verify(two, "EnochRoot", enoch, 0);
	s = cat3(go_text, "\n", enoch_sig);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_INTEGRITY);
	free(s);

	/* TestOpen's invalid signature: four characters more */
	s = malloc(strlen(one) + 5);
	ck_assert_ptr_nonnull(s);
	snprintf(s, strlen(one) + 5, "%s\n%.60sABCD%s", go_text, peter_sig,
	    peter_sig + 60);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_INTEGRITY);
	free(s);

	/* TestOpen's bad messages */
	expect_verify(go_text, "PeterNeumann", peter, BC_ERR_MALFORMED);
	s = cat3(go_text, "\n", NULL);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);
	s = cat3(one, NULL, NULL);
	s[strlen(s) - 1] = '\0';
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);
	s = cat3("\x01", one, NULL);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);
	s = cat3("\xff", one, NULL);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);
	s = cat3(go_text, "\n" EMDASH " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiF"
	    "upLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
	    NULL);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);
	s = cat3(one, "Unexpected line.\n", NULL);
	expect_verify(s, "PeterNeumann", peter, BC_ERR_MALFORMED);
	free(s);

	free(one);
	free(two);
	bc_key_free(peter);
	bc_key_free(enoch);
}
END_TEST

/* --- core --------------------------------------------------------------- */

START_TEST(test_roundtrip)
{
	struct bc_key *k = tu_new_key(), *pub = NULL;
	struct bc_err err = { 0 };
	struct bc_checkpoint cp;
	uint8_t root[BC_SHA256_LEN];
	uint64_t sizes[] = { 0, 1, 42, 1000000, UINT64_MAX };
	char *text, *note;
	size_t i, j, len, nlen, tlen;

	ck_assert_int_eq(bc_key_from_raw(bc_key_public(k), &pub), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizeof(root); j++)
			root[j] = (uint8_t)(i * 37 + j * 11);
		ck_assert_int_eq(bc_checkpoint_text("log.example/a+b c",
		    sizes[i], root, &text, &len, &err), 0);
		ck_assert_int_eq(bc_note_sign(text, len, "log.example/a", k,
		    &note, &nlen, &err), 0);
		ck_assert_int_eq(bc_note_verify(note, nlen, "log.example/a",
		    pub, &tlen, &err), 0);
		ck_assert_int_eq(bc_note_verify(note, nlen, "log.example/a",
		    k, NULL, &err), 0);
		ck_assert_uint_eq(tlen, len);
		ck_assert(memcmp(note, text, len) == 0);
		ck_assert_int_eq(bc_checkpoint_parse(note, tlen, &cp, &err),
		    0);
		ck_assert_str_eq(cp.origin, "log.example/a+b c");
		ck_assert(cp.size == sizes[i]);
		ck_assert(memcmp(cp.root, root, sizeof(root)) == 0);
		free(note);
		free(text);
	}
	ck_assert_int_eq(bc_checkpoint_text("x", UINT64_MAX, root, &text,
	    &len, &err), 0);
	ck_assert(tu_contains(text, "\n18446744073709551615\n"));
	free(text);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

/* The text may hold empty lines and UTF-8; the last blank line ends it. */
START_TEST(test_text_shapes)
{
	static const char *texts[] = {
		"\n",
		"a\n\nb\n",
		"a\n\n\n",
		"end with a blank line\n\n",
		"line\n" EMDASH " looks like a signature AAAAAAA=\n",
		"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\xb9 \x7f\n",
	};
	struct bc_key *k = tu_new_key();
	struct bc_err err = { 0 };
	char *note;
	size_t i, len, tlen;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		note = sign_str(texts[i], "n", k);
		len = strlen(note);
		ck_assert_int_eq(bc_note_verify(note, len, "n", k, &tlen,
		    &err), 0);
		ck_assert_uint_eq(tlen, strlen(texts[i]));
		free(note);
	}
	bc_key_free(k);
}
END_TEST

START_TEST(test_extensions_kept)
{
	struct bc_key *k = tu_new_key();
	struct bc_err err = { 0 };
	struct bc_checkpoint cp;
	char *text, *note;
	size_t tlen;

	text = cat3(fixed_body, "ext one\n", "ext two \xe2\x9c\x93\n");
	note = sign_str(text, origin, k);
	ck_assert_int_eq(bc_note_verify(note, strlen(note), origin, k, &tlen,
	    &err), 0);
	ck_assert_uint_eq(tlen, strlen(text));
	ck_assert_int_eq(bc_checkpoint_parse(note, tlen, &cp, &err), 0);
	ck_assert(cp.size == 42);
	ck_assert_ptr_eq(cp.ext, note + sizeof(fixed_body) - 1);
	ck_assert_uint_eq(cp.extlen, strlen("ext one\next two \xe2\x9c\x93\n"));
	ck_assert(memcmp(cp.ext, "ext one\next two \xe2\x9c\x93\n",
	    cp.extlen) == 0);
	/* an empty extension line is not one */
	free(text);
	text = cat3(fixed_body, "ext\n", "\n");
	expect_parse(text, BC_ERR_MALFORMED);
	free(text);
	text = cat3(fixed_body, "\n", "ext\n");
	expect_parse(text, BC_ERR_MALFORMED);
	free(text);
	free(note);
	bc_key_free(k);
}
END_TEST

/* Other names and ids are ignored, but each must still be well formed. */
START_TEST(test_unknown_signatures)
{
	struct bc_key *a = tu_new_key(), *b = tu_new_key();
	uint8_t raw[5] = { 1, 2, 3, 4, 5 };
	char *na, *nb, *lb, *lother, *s, *t;

	na = sign_str(fixed_body, origin, a);
	nb = sign_str(fixed_body, "witness.example/w", b);
	lb = strstr(nb, EMDASH);	/* b's signature line */
	lother = sig_line("other.example", raw, sizeof(raw));

	/* before and after ours */
	s = cat3(na, lb, lother);
	expect_verify(s, origin, a, 0);
	expect_verify(s, "witness.example/w", b, 0);
	free(s);
	t = cat3(fixed_body, "\n", lother);
	s = cat3(t, lb, strstr(na, EMDASH));
	expect_verify(s, origin, a, 0);
	expect_verify(s, "witness.example/w", b, 0);
	free(s);
	free(t);
	/* only unknown signatures: no signature of ours */
	t = cat3(fixed_body, "\n", lother);
	s = cat3(t, lb, NULL);
	expect_verify(s, origin, a, BC_ERR_INTEGRITY);
	free(s);
	free(t);
	/* b's signature under our name: another key id, ignored */
	free(nb);
	nb = sign_str(fixed_body, origin, b);
	s = cat3(na, strstr(nb, EMDASH), NULL);
	expect_verify(s, origin, a, 0);
	expect_verify(s, origin, b, 0);
	free(s);

	free(lother);
	free(nb);
	free(na);
	bc_key_free(a);
	bc_key_free(b);
}
END_TEST

/* BC_NOTE_MAX_SIGS lines are read; one more is refused. */
START_TEST(test_many_signatures)
{
	struct bc_key *k = tu_new_key();
	uint8_t raw[8] = { 0 };
	char *note, *line, *s, *t;
	int i;

	note = sign_str(fixed_body, origin, k);
	line = sig_line("other.example", raw, sizeof(raw));
	s = cat3(note, NULL, NULL);
	for (i = 1; i < BC_NOTE_MAX_SIGS; i++) {
		t = cat3(s, line, NULL);
		free(s);
		s = t;
	}
	expect_verify(s, origin, k, 0);
	t = cat3(s, line, NULL);
	expect_verify(t, origin, k, BC_ERR_MALFORMED);
	free(t);
	free(s);
	free(line);
	free(note);
	bc_key_free(k);
}
END_TEST

/* --- refusals ----------------------------------------------------------- */

START_TEST(test_altered_body)
{
	struct bc_key *k = tu_new_key();
	char *note, *s;
	size_t i, len;

	note = sign_str(fixed_body, origin, k);
	len = sizeof(fixed_body) - 1;
	/* every byte of the text, changed to another printable byte */
	for (i = 0; i < len; i++) {
		if (note[i] == '\n')
			continue;
		s = cat3(note, NULL, NULL);
		s[i] = s[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(verify_str(s, origin, k) == BC_ERR_INTEGRITY,
		    "byte %zu changed", i);
		free(s);
	}
	/* the size 42 as 43 */
	s = cat3(note, NULL, NULL);
	s[strlen(origin) + 2] = '3';
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	/* a line more, or less, in the text */
	s = cat3("x\n", note, NULL);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	s = cat3(note + strlen(origin) + 1, NULL, NULL);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	/* a blank line among the signatures moves the end of the text */
	s = cat3(note, "\n", strstr(note, EMDASH));
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	free(note);
	bc_key_free(k);
}
END_TEST

START_TEST(test_altered_signature)
{
	struct bc_key *k = load_pem(fixed_pem);
	const char *b64;
	char *s;
	size_t i, start, len;

	len = strlen(fixed_note);
	b64 = strrchr(fixed_note, ' ') + 1;
	start = (size_t)(b64 - fixed_note);
	/*
	 * Each base64 character but the last one before the '=' (whose
	 * spare bits must be zero) changed: the first five or six name
	 * another key id (no signature of ours), the rest break the
	 * signature.
	 */
	for (i = start; i < len - 3; i++) {
		s = cat3(fixed_note, NULL, NULL);
		s[i] = s[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(verify_str(s, origin, k) == BC_ERR_INTEGRITY,
		    "base64 character %zu changed", i - start);
		free(s);
	}
	/* a spare bit set: not canonical base64 */
	s = cat3(fixed_note, NULL, NULL);
	ck_assert_int_eq(s[len - 3], 'A');
	s[len - 3] = 'B';
	expect_verify(s, origin, k, BC_ERR_MALFORMED);
	free(s);
	bc_key_free(k);
}
END_TEST

/* The right name and key id before another key's signature. */
START_TEST(test_forged_signature)
{
	struct bc_key *k = tu_new_key(), *other = tu_new_key();
	uint8_t raw[BC_NOTE_KEYID_LEN + BC_ED25519_SIGLEN + 1];
	char *line, *s, *good;

	good = sign_str(fixed_body, origin, k);
	ck_assert_int_eq(bc_note_key_id(origin, k, raw), 0);
	ck_assert_int_eq(bc_sign(other, fixed_body, sizeof(fixed_body) - 1,
	    raw + BC_NOTE_KEYID_LEN), 0);
	line = sig_line(origin, raw, BC_NOTE_KEYID_LEN + BC_ED25519_SIGLEN);
	s = cat3(fixed_body, "\n", line);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	/* a good signature does not excuse a bad one of the same key */
	s = cat3(good, line, NULL);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	free(line);
	/* the right signature, one byte short or long */
	ck_assert_int_eq(bc_sign(k, fixed_body, sizeof(fixed_body) - 1,
	    raw + BC_NOTE_KEYID_LEN), 0);
	line = sig_line(origin, raw, sizeof(raw) - 2);
	s = cat3(fixed_body, "\n", line);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	free(line);
	raw[sizeof(raw) - 1] = 0;
	line = sig_line(origin, raw, sizeof(raw));
	s = cat3(fixed_body, "\n", line);
	expect_verify(s, origin, k, BC_ERR_INTEGRITY);
	free(s);
	free(line);
	/* and exactly right, as a check on the test */
	line = sig_line(origin, raw, sizeof(raw) - 1);
	s = cat3(fixed_body, "\n", line);
	expect_verify(s, origin, k, 0);
	free(s);
	free(line);
	free(good);
	bc_key_free(other);
	bc_key_free(k);
}
END_TEST

START_TEST(test_wrong_name_or_key)
{
	struct bc_key *k = load_pem(fixed_pem), *other = tu_new_key();
	struct bc_err err = { 0 };
	int r;

	expect_verify(fixed_note, origin, k, 0);
	expect_verify(fixed_note, "bodycam.example/other", k,
	    BC_ERR_INTEGRITY);
	expect_verify(fixed_note, "bodycam.example/lo", k, BC_ERR_INTEGRITY);
	expect_verify(fixed_note, "bodycam.example/logs", k,
	    BC_ERR_INTEGRITY);
	r = bc_note_verify(fixed_note, strlen(fixed_note), origin, other,
	    NULL, &err);
	ck_assert_int_eq(r, BC_ERR_INTEGRITY);
	ck_assert(tu_contains(err.msg, "no signature by bodycam.example/log"));
	/* names no note may carry are the caller's mistake */
	expect_verify(fixed_note, "", k, BC_ERR_INVALID);
	expect_verify(fixed_note, "bodycam.example/log x", k, BC_ERR_INVALID);
	expect_verify(fixed_note, "a+b", k, BC_ERR_INVALID);
	bc_key_free(other);
	bc_key_free(k);
}
END_TEST

START_TEST(test_truncated)
{
	struct bc_key *k = load_pem(fixed_pem);
	struct bc_err err = { 0 };
	size_t n, len = strlen(fixed_note);
	int r;

	for (n = 0; n < len; n++) {
		r = bc_note_verify(fixed_note, n, origin, k, NULL, &err);
		ck_assert_msg(r == BC_ERR_MALFORMED || r == BC_ERR_INTEGRITY,
		    "%zu of %zu bytes: %s", n, len, bc_strerror(r));
	}
	/* without the final newline, or cut in the middle of the em dash */
	ck_assert_int_eq(bc_note_verify(fixed_note, len - 1, origin, k, NULL,
	    &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_note_verify(fixed_note, sizeof(fixed_body) + 1,
	    origin, k, NULL, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_note_verify(fixed_note, len, origin, k, NULL,
	    &err), 0);
	bc_key_free(k);
}
END_TEST

/* Signature lines of ours, made wrong in one way each. */
static const char *bad_lines[] = {
	"- bodycam.example/log %s\n",			/* hyphen */
	"\xe2\x80\x93 bodycam.example/log %s\n",	/* en dash */
	EMDASH "bodycam.example/log %s\n",		/* no space */
	EMDASH "  bodycam.example/log %s\n",		/* empty name */
	EMDASH " bodycam.example/log  %s\n",		/* two spaces */
	EMDASH " bodycam.example/log %s \n",		/* trailing space */
	EMDASH " bodycam.example/log\xc2\xa0%s\n",	/* NBSP */
	EMDASH " bodycam.example+log %s\n",		/* '+' in name */
	EMDASH " bodycam.example/log%s\n",		/* no separator */
	EMDASH " bodycam.example/log %s=\n",		/* bad padding */
	EMDASH " bodycam.example/log %.91s\n",		/* no padding */
	EMDASH " bodycam.example/log %s\n\n",		/* blank at the end */
};

/* Unknown lines after a good one: still refused when they do not parse. */
static const char *bad_other[] = {
	EMDASH " other.example\n",
	EMDASH " other.example \n",
	EMDASH " other.example AAAAAA==\n",		/* 4 bytes: id alone */
	EMDASH " other.example AAAAAAA\n",		/* no padding */
	EMDASH " other.example AAAAAAB=\n",		/* spare bits */
	EMDASH " other.example AAAA AAA=\n",
	EMDASH " other.example AAAA\tAAA=\n",
	EMDASH " other+example AAAAAAA=\n",
	"\n",
	"plain text\n",
	"-- other.example AAAAAAA=\n",
};

START_TEST(test_malformed_notes)
{
	struct bc_key *k = load_pem(fixed_pem);
	const char *sigline = strstr(fixed_note, EMDASH);
	char b64[128], line[256], *s, *t;
	size_t i;

	/* the signature's base64, without its newline */
	snprintf(b64, sizeof(b64), "%s", strrchr(fixed_note, ' ') + 1);
	b64[strcspn(b64, "\n")] = '\0';
	ck_assert_uint_eq(strlen(b64), 92);

	/* no blank line between the text and the signatures */
	s = cat3(fixed_body, sigline, NULL);
	expect_verify(s, origin, k, BC_ERR_MALFORMED);
	free(s);
	/* a blank line but no signature */
	s = cat3(fixed_body, "\n", NULL);
	expect_verify(s, origin, k, BC_ERR_MALFORMED);
	free(s);
	/* something after the last newline */
	s = cat3(fixed_note, EMDASH, NULL);
	expect_verify(s, origin, k, BC_ERR_MALFORMED);
	free(s);

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(line, sizeof(line), bad_lines[i], b64);
		s = cat3(fixed_body, "\n", line);
		expect_verify(s, origin, k, BC_ERR_MALFORMED);
		free(s);
	}
	/* characters outside the standard alphabet */
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), EMDASH " %s %s\n", origin, b64);
		line[strlen(line) - 20] = "!-_."[i];
		s = cat3(fixed_body, "\n", line);
		expect_verify(s, origin, k, BC_ERR_MALFORMED);
		free(s);
	}
	/* and the line rebuilt as it was, as a check on the test */
	snprintf(line, sizeof(line), EMDASH " %s %s\n", origin, b64);
	s = cat3(fixed_body, "\n", line);
	ck_assert_str_eq(s, fixed_note);
	expect_verify(s, origin, k, 0);
	free(s);

	for (i = 0; i < sizeof(bad_other) / sizeof(bad_other[0]); i++) {
		s = cat3(fixed_note, bad_other[i], NULL);
		expect_verify(s, origin, k, BC_ERR_MALFORMED);
		free(s);
		t = cat3(fixed_body, "\n", bad_other[i]);
		s = cat3(t, sigline, NULL);
		free(t);
		/* a blank line before ours ends the text there instead */
		expect_verify(s, origin, k, strcmp(bad_other[i], "\n") == 0 ?
		    BC_ERR_INTEGRITY : BC_ERR_MALFORMED);
		free(s);
	}
	/* the smallest well-formed unknown line: an id and one byte */
	s = cat3(fixed_note, EMDASH " other.example AAAAAAA=\n", NULL);
	expect_verify(s, origin, k, 0);
	free(s);
	bc_key_free(k);
}
END_TEST

/* Bytes no signed note may hold, in the text or in a signature line. */
START_TEST(test_bad_bytes)
{
	static const char *bad[] = {
		"\x00",			/* NUL */
		"\r",			/* CR */
		"\t",			/* tab */
		"\x1b",			/* ESC */
		"\xff",			/* not UTF-8 */
		"\xc3",			/* truncated sequence */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",	/* beyond U+10FFFF */
	};
	struct bc_key *k = load_pem(fixed_pem);
	struct bc_err err = { 0 };
	size_t i, at, len, blen;
	char *s;
	int r;

	len = strlen(fixed_note);
	ck_assert_ptr_nonnull(s = malloc(len + 8));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		blen = i == 0 ? 1 : strlen(bad[i]);
		/* in the origin, the signature's key name and base64 */
		for (at = 3; at < len; at = at < sizeof(fixed_body) ?
		    sizeof(fixed_body) + 6 : at < len - 10 ? len - 10 : len) {
			memcpy(s, fixed_note, at);
			memcpy(s + at, bad[i], blen);
			memcpy(s + at + blen, fixed_note + at, len - at);
			r = bc_note_verify(s, len + blen, origin, k, NULL,
			    &err);
			ck_assert_msg(r == BC_ERR_MALFORMED,
			    "bad byte %zu at %zu: %s", i, at, bc_strerror(r));
		}
	}
	free(s);
	ck_assert_int_eq(bc_note_verify(fixed_note, len, origin, k, NULL,
	    &err), 0);
	bc_key_free(k);
}
END_TEST

START_TEST(test_sign_refusals)
{
	static const char *names[] = {
		"", "a b", "a+b", "a\tb", "a\nb", "a\xc2\xa0" "b",
		"a\xe2\x80\x83" "b", "\xff", "a\x01",
	};
	static const char *texts[] = {
		"", "no final newline", "a\n\x01\n", "\xff\n", "a\r\n",
	};
	struct bc_key *k = tu_new_key(), *pub = NULL;
	struct bc_err err = { 0 };
	char *note = (char *)1;
	size_t i, len = 1;

	/* a body without a final newline */
	ck_assert_int_eq(bc_note_sign("abc", 3, origin, k, &note, &len, &err),
	    BC_ERR_INVALID);
	ck_assert_ptr_null(note);
	ck_assert_uint_eq(len, 0);
	ck_assert(tu_contains(err.msg, "newline"));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ck_assert_msg(bc_note_sign(texts[i], strlen(texts[i]), origin,
		    k, &note, &len, &err) == BC_ERR_INVALID, "text %zu", i);
	ck_assert_int_eq(bc_note_sign("a\0b\n", 4, origin, k, &note, &len,
	    &err), BC_ERR_INVALID);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_msg(bc_note_sign(fixed_body, sizeof(fixed_body) - 1,
		    names[i], k, &note, &len, &err) == BC_ERR_INVALID,
		    "name %zu", i);
		ck_assert_ptr_null(note);
	}
	/* a public key cannot sign */
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(k), &pub), 0);
	ck_assert_int_eq(bc_note_sign(fixed_body, sizeof(fixed_body) - 1,
	    origin, pub, &note, &len, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_note_key_id("a b", k, (uint8_t[4]){ 0 }),
	    BC_ERR_INVALID);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

/* A note of exactly BC_NOTE_MAX bytes passes; a byte more does not. */
START_TEST(test_size_cap)
{
	struct bc_key *k = tu_new_key();
	struct bc_err err = { 0 };
	struct bc_checkpoint cp;
	size_t siglen, n, len, tlen;
	char *text, *note, *big;
	int r;

	/* "— n " + base64 of 68 bytes + "\n", after the blank line */
	siglen = 4 + strlen("n") + 1 + 92 + 1;
	n = BC_NOTE_MAX - 1 - siglen;
	ck_assert_ptr_nonnull(text = malloc(n + 2));
	memset(text, 'x', n + 1);
	for (len = 79; len < n; len += 80)
		text[len] = '\n';
	text[n - 1] = '\n';
	r = bc_note_sign(text, n, "n", k, &note, &len, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	ck_assert_uint_eq(len, BC_NOTE_MAX);
	ck_assert_int_eq(bc_note_verify(note, len, "n", k, &tlen, &err), 0);
	ck_assert_uint_eq(tlen, n);
	free(note);
	text[n - 1] = 'x';
	text[n] = '\n';
	ck_assert_int_eq(bc_note_sign(text, n + 1, "n", k, &note, &len, &err),
	    BC_ERR_TOO_LARGE);
	ck_assert_ptr_null(note);
	free(text);

	/* a 1 MiB note, and 1 MiB of text to sign or parse */
	n = 1024 * 1024;
	ck_assert_ptr_nonnull(big = malloc(n));
	memset(big, 'a', n);
	memcpy(big, fixed_note, strlen(fixed_note));
	big[n - 1] = '\n';
	r = bc_note_verify(big, n, origin, k, NULL, &err);
	ck_assert_int_eq(r, BC_ERR_TOO_LARGE);
	ck_assert(tu_contains(err.msg, "limit"));
	ck_assert_int_eq(bc_note_sign(big, n, "n", k, &note, &len, &err),
	    BC_ERR_TOO_LARGE);
	ck_assert_int_eq(bc_checkpoint_parse(big, n, &cp, &err),
	    BC_ERR_TOO_LARGE);
	free(big);
	bc_key_free(k);
}
END_TEST

/* --- checkpoints -------------------------------------------------------- */

static char *
checkpoint(const char *o, const char *size, const char *root)
{
	char *s;

	ck_assert_int_ge(asprintf(&s, "%s\n%s\n%s\n", o, size, root), 0);
	return s;
}

#define ROOT_OK	"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

START_TEST(test_checkpoint_sizes)
{
	static const struct {
		const char	*text;
		int		 ok;
		uint64_t	 v;
	} t[] = {
		{ "0", 1, 0 },
		{ "1", 1, 1 },
		{ "42", 1, 42 },
		{ "18446744073709551615", 1, UINT64_MAX },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "184467440737095516150", 0, 0 },
		{ "042", 0, 0 },
		{ "00", 0, 0 },
		{ "01", 0, 0 },
		{ "", 0, 0 },
		{ "-1", 0, 0 },
		{ "+1", 0, 0 },
		{ " 42", 0, 0 },
		{ "42 ", 0, 0 },
		{ "4 2", 0, 0 },
		{ "0x2a", 0, 0 },
		{ "\xd9\xa4\xd9\xa2", 0, 0 },	/* Arabic-Indic 42 */
	};
	struct bc_checkpoint cp;
	struct bc_err err = { 0 };
	size_t i;
	char *s;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = checkpoint(origin, t[i].text, ROOT_OK);
		r = bc_checkpoint_parse(s, strlen(s), &cp, &err);
		ck_assert_msg(r == (t[i].ok ? 0 : BC_ERR_MALFORMED),
		    "size \"%s\": %s", t[i].text, bc_strerror(r));
		if (t[i].ok)
			ck_assert(cp.size == t[i].v);
		free(s);
	}
}
END_TEST

START_TEST(test_checkpoint_roots)
{
	static const char *bad[] = {
		/* 31 and 33 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
		/* 32 bytes, written wrong */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",
		"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= ",
		" 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==",
		"47DEQpj8HBSa+/TImW+5JC=uQeRkm5NMpJWZG3hSuFU=",
		"e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855",	/* hex, 48 bytes */
		"",
	};
	struct bc_checkpoint cp;
	struct bc_err err = { 0 };
	size_t i;
	char *s;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = checkpoint(origin, "42", bad[i]);
		expect_parse(s, BC_ERR_MALFORMED);
		free(s);
	}
	s = checkpoint(origin, "42", bad[0]);
	ck_assert_int_eq(bc_checkpoint_parse(s, strlen(s), &cp, &err),
	    BC_ERR_MALFORMED);
	ck_assert(tu_contains(err.msg, "31 bytes"));
	free(s);
	s = checkpoint(origin, "42", bad[1]);
	ck_assert_int_eq(bc_checkpoint_parse(s, strlen(s), &cp, &err),
	    BC_ERR_MALFORMED);
	ck_assert(tu_contains(err.msg, "33 bytes"));
	free(s);
	/* every 32-byte value round-trips: all bytes, all bit patterns */
	s = checkpoint(origin, "42",
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	ck_assert_int_eq(bc_checkpoint_parse(s, strlen(s), &cp, &err), 0);
	for (i = 0; i < BC_SHA256_LEN; i++)
		ck_assert_uint_eq(cp.root[i], i);
	free(s);
	s = checkpoint(origin, "42",
	    "//////////////////////////////////////////8=");
	ck_assert_int_eq(bc_checkpoint_parse(s, strlen(s), &cp, &err), 0);
	for (i = 0; i < BC_SHA256_LEN; i++)
		ck_assert_uint_eq(cp.root[i], 0xff);
	free(s);
}
END_TEST

START_TEST(test_checkpoint_origins)
{
	static const char *bad[] = {
		"",
		"bodycam\x01.example/log",
		"bodycam.example/log\x7f",
		"bodycam.example/\xc2\x85log",		/* NEL, a C1 control */
		" bodycam.example/log",
		"bodycam.example/log ",
		"\xe3\x80\x80" "bodycam.example/log",	/* ideographic space */
		"bodycam.example/log\xc2\xa0",		/* NBSP */
		"bodycam.example/\xff",
	};
	uint8_t root[BC_SHA256_LEN] = { 0 };
	struct bc_checkpoint cp;
	struct bc_err err = { 0 };
	char o[BC_ORIGIN_MAX + 2], *text, *s;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_text_refused(bad[i]);
		s = checkpoint(bad[i], "42", ROOT_OK);
		expect_parse(s, BC_ERR_MALFORMED);
		free(s);
	}
	expect_text_refused(NULL);
	/* a tab or CR inside the origin */
	expect_text_refused("bodycam\t.example");
	expect_parse("bodycam\r\n42\n" ROOT_OK "\n", BC_ERR_MALFORMED);
	/* three lines at least, and a final newline */
	expect_parse("", BC_ERR_MALFORMED);
	expect_parse("bodycam.example/log\n", BC_ERR_MALFORMED);
	expect_parse("bodycam.example/log\n42\n", BC_ERR_MALFORMED);
	expect_parse("bodycam.example/log\n42\n" ROOT_OK, BC_ERR_MALFORMED);
	expect_parse("\n42\n" ROOT_OK "\n", BC_ERR_MALFORMED);

	/* inner spaces and UTF-8 are fine; BC_ORIGIN_MAX bytes, not more */
	ck_assert_int_eq(bc_checkpoint_text("b\xc3\xb6" "dycam log+1", 7,
	    root, &text, &len, &err), 0);
	ck_assert_int_eq(bc_checkpoint_parse(text, len, &cp, &err), 0);
	ck_assert_str_eq(cp.origin, "b\xc3\xb6" "dycam log+1");
	free(text);
	memset(o, 'o', sizeof(o));
	o[BC_ORIGIN_MAX] = '\0';
	ck_assert_int_eq(bc_checkpoint_text(o, 7, root, &text, &len, &err),
	    0);
	ck_assert_int_eq(bc_checkpoint_parse(text, len, &cp, &err), 0);
	ck_assert_str_eq(cp.origin, o);
	free(text);
	o[BC_ORIGIN_MAX] = 'o';
	o[BC_ORIGIN_MAX + 1] = '\0';
	expect_text_refused(o);
	s = checkpoint(o, "42", ROOT_OK);
	expect_parse(s, BC_ERR_MALFORMED);
	free(s);
}
END_TEST

/* tlog proofs (c2sp.org/tlog-proof@v1) */
static const char fixed_proof[] =
    "c2sp.org/tlog-proof@v1\n"
    "index 7\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
    "\n";

static char *
proof_text(const char *head)
{
	char *s;

	ck_assert_int_ne(asprintf(&s, "%s%s", head, fixed_note), -1);
	return s;
}

START_TEST(test_tlog_proof_roundtrip)
{
	uint8_t h[2][BC_SHA256_LEN];
	struct bc_tlog_proof p;
	struct bc_err err;
	char *want, *out;
	size_t len;

	ck_assert_int_eq(bc_unhex(fixed_root, h[0], BC_SHA256_LEN), 0);
	memset(h[1], 0, BC_SHA256_LEN);
	want = proof_text(fixed_proof);
	ck_assert_int_eq(bc_tlog_proof_format(7, (const uint8_t (*)[32])h, 2,
	    fixed_note, strlen(fixed_note), &out, &len, &err), 0);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_int_eq(bc_tlog_proof_parse(out, len, &p, &err), 0);
	ck_assert_uint_eq(p.index, 7);
	ck_assert_uint_eq(p.nhashes, 2);
	ck_assert_int_eq(memcmp(p.hashes, h, sizeof(h)), 0);
	ck_assert_int_eq(p.has_extra, 0);
	ck_assert_uint_eq(p.notelen, strlen(fixed_note));
	ck_assert_int_eq(memcmp(p.note, fixed_note, p.notelen), 0);
	free(out);

	/* no hashes: a tree of one leaf */
	ck_assert_int_eq(bc_tlog_proof_format(0, NULL, 0, fixed_note,
	    strlen(fixed_note), &out, &len, &err), 0);
	ck_assert_int_eq(bc_tlog_proof_parse(out, len, &p, &err), 0);
	ck_assert_uint_eq(p.index, 0);
	ck_assert_uint_eq(p.nhashes, 0);
	free(out);
	free(want);

	/* the spec's extra line */
	want = proof_text("c2sp.org/tlog-proof@v1\nextra aGk=\nindex 0\n\n");
	ck_assert_int_eq(bc_tlog_proof_parse(want, strlen(want), &p, &err),
	    0);
	ck_assert_int_eq(p.has_extra, 1);
	ck_assert_uint_eq(p.extralen, 2);
	ck_assert_int_eq(memcmp(p.extra, "hi", 2), 0);
	free(want);
}
END_TEST

static const char *bad_proofs[] = {
	"c2sp.org/tlog-proof@v2\nindex 0\n\n",
	"c2sp.org/tlog-proof@v1 \nindex 0\n\n",
	"C2SP.org/tlog-proof@v1\nindex 0\n\n",
	"\nc2sp.org/tlog-proof@v1\nindex 0\n\n",
	"c2sp.org/tlog-proof@v1\nindex 00\n\n",
	"c2sp.org/tlog-proof@v1\nindex 01\n\n",
	"c2sp.org/tlog-proof@v1\nindex -1\n\n",
	"c2sp.org/tlog-proof@v1\nindex +1\n\n",
	"c2sp.org/tlog-proof@v1\nindex \n\n",
	"c2sp.org/tlog-proof@v1\nindex  1\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1 \n\n",
	"c2sp.org/tlog-proof@v1\nindex 9223372036854775808\n\n",
	"c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n",
	"c2sp.org/tlog-proof@v1\nIndex 1\n\n",
	"c2sp.org/tlog-proof@v1\n\n",
	"c2sp.org/tlog-proof@v1\nextra \nindex 1\n\n",
	"c2sp.org/tlog-proof@v1\nextra aGk\nindex 1\n\n",
	"c2sp.org/tlog-proof@v1\nextra aGl=\nindex 1\n\n",
	"c2sp.org/tlog-proof@v1\nextra aGk=\nextra aGk=\nindex 1\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\nextra aGk=\n\n",
	/* hashes: 31 and 33 bytes, non-canonical, spaces, hex */
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    " 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\r\n\n",
	"c2sp.org/tlog-proof@v1\nindex 1\n"
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	    "\n\n",
	/* two empty lines */
	"c2sp.org/tlog-proof@v1\nindex 1\n\n\n",
};

START_TEST(test_tlog_proof_malformed)
{
	struct bc_tlog_proof p;
	struct bc_err err;
	char *s, *big;
	size_t i, n;

	for (i = 0; i < sizeof(bad_proofs) / sizeof(bad_proofs[0]); i++) {
		s = proof_text(bad_proofs[i]);
		err.msg[0] = '\0';
		ck_assert_msg(bc_tlog_proof_parse(s, strlen(s), &p, &err) ==
		    BC_ERR_MALFORMED, "accepted bad proof %zu", i);
		ck_assert(err.msg[0] != '\0');
		free(s);
	}
	/* no note, a note cut short, a note without its signatures */
	s = (char *)"c2sp.org/tlog-proof@v1\nindex 1\n\n";
	ck_assert_int_eq(bc_tlog_proof_parse(s, strlen(s), &p, &err),
	    BC_ERR_MALFORMED);
	s = proof_text(fixed_proof);
	n = strlen(s);
	ck_assert_int_eq(bc_tlog_proof_parse(s, n - 1, &p, &err),
	    BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_tlog_proof_parse(s, strlen(fixed_proof) +
	    strlen(fixed_body), &p, &err), BC_ERR_MALFORMED);
	/* a NUL byte, a control character */
	s[10] = '\0';
	ck_assert_int_eq(bc_tlog_proof_parse(s, n, &p, &err),
	    BC_ERR_MALFORMED);
	s[10] = '\t';
	ck_assert_int_eq(bc_tlog_proof_parse(s, n, &p, &err),
	    BC_ERR_MALFORMED);
	free(s);

	/* 65 hashes, and a proof over the size cap */
	big = malloc(BC_TLOG_PROOF_MAX + 2);
	ck_assert_ptr_nonnull(big);
	n = (size_t)sprintf(big, "c2sp.org/tlog-proof@v1\nindex 1\n");
	for (i = 0; i < 65; i++)
		n += (size_t)sprintf(big + n, "%s\n",
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	n += (size_t)sprintf(big + n, "\n%s", fixed_note);
	ck_assert_int_eq(bc_tlog_proof_parse(big, n, &p, &err),
	    BC_ERR_MALFORMED);
	memset(big, 'a', BC_TLOG_PROOF_MAX + 1);
	ck_assert_int_eq(bc_tlog_proof_parse(big, BC_TLOG_PROOF_MAX + 1, &p,
	    &err), BC_ERR_TOO_LARGE);
	free(big);

	/* the formatter refuses what it could not write right */
	ck_assert_int_eq(bc_tlog_proof_format(0, NULL, 65, fixed_note,
	    strlen(fixed_note), &s, &n, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_tlog_proof_format(0, NULL, 0, fixed_note,
	    strlen(fixed_note) - 1, &s, &n, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_tlog_proof_format(0, NULL, 0, "", 0, &s, &n,
	    &err), BC_ERR_INVALID);
}
END_TEST

/*
 * cosignature/v1 (c2sp.org/tlog-cosignature), by the fixed key over the
 * fixed checkpoint text at time 1700000000, computed with the command
 * line as the fixed vector above (same key.pem, body.txt):
 *
 *   { printf 'witness.example/w\n\004'; cat pub.bin; } | sha256sum |
 *       cut -c1-8				# 76d9f8e5: the key id
 *   { printf 'cosignature/v1\ntime 1700000000\n'; cat body.txt; } > m
 *   openssl pkeyutl -sign -inkey key.pem -rawin -in m > sig.bin
 *   { printf '\166\331\370\345\0\0\0\0\145\123\361\0'; cat sig.bin; } |
 *       base64 -w0
 */
static const char cosig_name[] = "witness.example/w";
static const char cosig_line[] =
    EMDASH " witness.example/w dtn45QAAAABlU/EA6ehMk+mzoAH69T0cuS3nCXvI+J"
    "x0X7HYLzF1I5oeISTIjWlin4LIhwEH5hostmcJf4rry13JfpVaiJf5yjWvAw==\n";
static const char cosig_vkey[] =
    "witness.example/w+76d9f8e5+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVT"
    "G4";

START_TEST(test_cosig_bytes)
{
	struct bc_err err = { 0 };
	struct bc_key *k = load_pem(fixed_pem), *pub = NULL;
	const char *line = NULL;
	char *got = NULL, *vk = NULL, name[BC_VKEY_NAME_MAX + 1];
	size_t len = 0, ll = 0;
	uint64_t t = 0;
	int alg = 0;

	ck_assert_int_eq(bc_cosig_sign(fixed_body, strlen(fixed_body),
	    cosig_name, k, 1700000000, &got, &len, &err), 0);
	ck_assert_str_eq(got, cosig_line);
	ck_assert_uint_eq(len, strlen(cosig_line));
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    cosig_line, strlen(cosig_line), cosig_name, k, &t, &line, &ll,
	    &err), 0);
	ck_assert_uint_eq(t, 1700000000);
	ck_assert_ptr_eq(line, cosig_line);
	ck_assert_uint_eq(ll, strlen(cosig_line));

	/* the vkey, both ways */
	ck_assert_int_eq(bc_vkey_format(cosig_name, BC_VKEY_COSIG_V1, k, &vk,
	    &err), 0);
	ck_assert_str_eq(vk, cosig_vkey);
	ck_assert_int_eq(bc_vkey_parse(cosig_vkey, name, &alg, &pub, &err), 0);
	ck_assert_str_eq(name, cosig_name);
	ck_assert_int_eq(alg, BC_VKEY_COSIG_V1);
	ck_assert_mem_eq(bc_key_public(pub), bc_key_public(k),
	    BC_ED25519_PUBLEN);
	free(got);
	free(vk);
	bc_key_free(pub);
	bc_key_free(k);
}
END_TEST

START_TEST(test_cosig_refusals)
{
	struct bc_err err = { 0 };
	struct bc_key *k = load_pem(fixed_pem);
	struct bc_key *other = load_pem(peter_pem), *pub = NULL;
	char buf[512], name[BC_VKEY_NAME_MAX + 1];
	size_t n = strlen(cosig_line);
	uint64_t t;
	int alg;

	/* another text: the time and the signature no longer fit */
	ck_assert_int_eq(bc_cosig_check(go_text, strlen(go_text), cosig_line,
	    n, cosig_name, k, &t, NULL, NULL, &err), BC_ERR_INTEGRITY);
	/* another time: byte 11 of the raw bytes is in base64 char 15 */
	memcpy(buf, cosig_line, n + 1);
	buf[sizeof(EMDASH) + strlen(cosig_name) + 1 + 14] ^= 1;
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body), buf,
	    n, cosig_name, k, &t, NULL, NULL, &err), BC_ERR_INTEGRITY);
	/* another witness key, or name: not this witness's line */
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    cosig_line, n, cosig_name, other, &t, NULL, NULL, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    cosig_line, n, "witness.example/x", k, &t, NULL, NULL, &err),
	    BC_ERR_NOT_FOUND);
	/* a log's own signature line (type 0x01) is not a cosignature */
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    fixed_note + strlen(fixed_body) + 1, strlen(fixed_note) -
	    strlen(fixed_body) - 1, origin, k, &t, NULL, NULL, &err),
	    BC_ERR_NOT_FOUND);
	/* malformed lines */
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    "no dash\n", 8, cosig_name, k, &t, NULL, NULL, &err),
	    BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body),
	    cosig_line, n - 1, cosig_name, k, &t, NULL, NULL, &err),
	    BC_ERR_MALFORMED);
	/* a line of the right key id, but 68 bytes (a note signature) */
	snprintf(buf, sizeof(buf), "%s witness.example/w "
	    "dtn45QAAAABlU/EA6ehMk+mzoAH69T0cuS3nCXvI+Jx0X7HYLzF1I5oeISTIjWlin"
	    "4LIhwEH5hostmcJf4rry13JfpU=\n", EMDASH);
	ck_assert_int_eq(bc_cosig_check(fixed_body, strlen(fixed_body), buf,
	    strlen(buf), cosig_name, k, &t, NULL, NULL, &err),
	    BC_ERR_INTEGRITY);
	/* signing refuses a public key, and a time past 2^63 - 1 */
	pub = NULL;
	ck_assert_int_eq(bc_vkey_parse(cosig_vkey, name, &alg, &pub, &err), 0);
	{
		char *line = NULL;
		size_t ll;

		ck_assert_int_eq(bc_cosig_sign(fixed_body, strlen(fixed_body),
		    cosig_name, pub, 1, &line, &ll, &err), BC_ERR_INVALID);
		ck_assert_int_eq(bc_cosig_sign(fixed_body, strlen(fixed_body),
		    cosig_name, k, (uint64_t)1 << 63, &line, &ll, &err),
		    BC_ERR_INVALID);
		ck_assert_ptr_null(line);
	}
	bc_key_free(pub);

	/* vkeys: a wrong key id, a bad type, bad base64, no name */
	pub = NULL;
	ck_assert_int_eq(bc_vkey_parse("witness.example/w+76d9f8e6+BAOhB7/zzhC"
	    "+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", name, &alg, &pub, &err),
	    BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_vkey_parse("witness.example/w+76d9f8e5+BQOhB7/zzhC"
	    "+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", name, &alg, &pub, &err),
	    BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_vkey_parse("witness.example/w+76d9f8e5+BAOhB7",
	    name, &alg, &pub, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_vkey_parse("+76d9f8e5+BAOhB7/zzhC+HXDdGOdLwJln5NYw"
	    "m6UNXx3chmQSVTG4", name, &alg, &pub, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_vkey_parse("no-plus", name, &alg, &pub, &err),
	    BC_ERR_MALFORMED);
	ck_assert_ptr_null(pub);
	bc_key_free(other);
	bc_key_free(k);
}
END_TEST

static Suite *
note_suite(void)
{
	Suite *s = suite_create("note");
	TCase *tc;

	tc = tu_tcase(s, "vectors", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_checkpoint_bytes);
	tcase_add_test(tc, test_signed_checkpoint_bytes);
	tcase_add_test(tc, test_go_sign);
	tcase_add_test(tc, test_go_open);

	tc = tu_tcase(s, "core", NULL, NULL);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_text_shapes);
	tcase_add_test(tc, test_extensions_kept);
	tcase_add_test(tc, test_unknown_signatures);
	tcase_add_test(tc, test_many_signatures);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_altered_body);
	tcase_add_test(tc, test_altered_signature);
	tcase_add_test(tc, test_forged_signature);
	tcase_add_test(tc, test_wrong_name_or_key);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_malformed_notes);
	tcase_add_test(tc, test_bad_bytes);
	tcase_add_test(tc, test_sign_refusals);
	tcase_add_test(tc, test_size_cap);

	tc = tu_tcase(s, "checkpoint", NULL, NULL);
	tcase_add_test(tc, test_checkpoint_sizes);
	tcase_add_test(tc, test_checkpoint_roots);
	tcase_add_test(tc, test_checkpoint_origins);

	tc = tu_tcase(s, "tlog-proof", NULL, NULL);
	tcase_add_test(tc, test_tlog_proof_roundtrip);
	tcase_add_test(tc, test_tlog_proof_malformed);
	tc = tu_tcase(s, "cosignatures", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_cosig_bytes);
	tcase_add_test(tc, test_cosig_refusals);
	return s;
}

int
main(void)
{
	return tu_run_suite(note_suite());
}
