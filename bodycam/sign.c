/*
 * sign.c - Ed25519 keys, key files and signatures (OpenSSL EVP only).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bodycam/sign.h"

struct bc_key {
	EVP_PKEY	*pkey;
	int		 private;
	uint8_t		 pub[BC_ED25519_PUBLEN];
	char		 id[BC_KEYID_HEX];
};

static int
key_wrap(EVP_PKEY *pkey, int private, struct bc_key **out)
{
	struct bc_key *k;
	uint8_t digest[BC_SHA256_LEN];
	size_t len = BC_ED25519_PUBLEN;

	*out = NULL;
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		return BC_ERR_KEY_TYPE;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return BC_ERR_NOMEM;
	if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1 ||
	    len != BC_ED25519_PUBLEN || bc_sha256(k->pub, len, digest) != 0) {
		free(k);
		return BC_ERR_CRYPTO;
	}
	bc_hex(digest, sizeof(digest), k->id);
	k->pkey = pkey;
	k->private = private;
	*out = k;
	return 0;
}

void
bc_key_free(struct bc_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);		/* OpenSSL cleanses key material */
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

int
bc_key_generate(struct bc_key **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = BC_ERR_CRYPTO;

	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1)
		goto out;
	if ((r = key_wrap(pkey, 1, out)) != 0)
		goto out;
	pkey = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
bc_key_from_raw(const uint8_t raw[BC_ED25519_PUBLEN], struct bc_key **out)
{
	EVP_PKEY *pkey;
	int r;

	*out = NULL;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
	    BC_ED25519_PUBLEN);
	if (pkey == NULL)
		return BC_ERR_CRYPTO;
	if ((r = key_wrap(pkey, 0, out)) != 0)
		EVP_PKEY_free(pkey);
	return r;
}

const uint8_t *
bc_key_public(const struct bc_key *k)
{
	return k->pub;
}

const char *
bc_key_id(const struct bc_key *k)
{
	return k->id;
}

int
bc_key_is_private(const struct bc_key *k)
{
	return k->private;
}

/* Writes all of a memory BIO's contents to a new file (O_EXCL, mode). */
static int
write_new_file(const char *path, BIO *mem, mode_t mode, struct bc_err *err)
{
	char *data = NULL;
	long len;
	ssize_t n;
	size_t off = 0;
	int fd, r = BC_ERR_IO;

	len = BIO_get_mem_data(mem, &data);
	if (len <= 0)
		return bc_err_set(err, BC_ERR_CRYPTO, "empty PEM output");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1) {
		if (errno == EEXIST)
			return bc_err_set(err, BC_ERR_EXISTS,
			    "%s already exists; refusing to overwrite it",
			    path);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	/* the umask may have widened nothing, but make the mode exact */
	if (fchmod(fd, mode) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: chmod: %s", path,
		    strerror(errno));
		goto fail;
	}
	while (off < (size_t)len) {
		n = write(fd, data + off, (size_t)len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = bc_err_errno(err, n == 0 ? EIO : errno,
			    "%s: write", path);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		goto fail;
	}
	return 0;
 fail:
	if (fd != -1)
		close(fd);
	unlink(path);
	return r;
}

int
bc_key_write_private(const struct bc_key *k, const char *path,
    struct bc_err *err)
{
	BIO *mem = NULL;
	int r;

	if (!k->private)
		return bc_err_set(err, BC_ERR_INVALID, "not a private key");
	if ((mem = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(mem, k->pkey, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		BIO_free(mem);
		return bc_err_set(err, BC_ERR_CRYPTO,
		    "cannot encode private key");
	}
	r = write_new_file(path, mem, 0600, err);
	BIO_free(mem);		/* secure heap BIO: cleansed on free */
	return r;
}

int
bc_key_write_public(const struct bc_key *k, const char *path,
    struct bc_err *err)
{
	BIO *mem = NULL;
	int r;

	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(mem, k->pkey) != 1) {
		BIO_free(mem);
		return bc_err_set(err, BC_ERR_CRYPTO,
		    "cannot encode public key");
	}
	r = write_new_file(path, mem, 0644, err);
	BIO_free(mem);
	return r;
}

/*
 * Reads at most BC_KEYFILE_MAX bytes of path into buf (NUL-terminated)
 * and says the file's mode.
 */
static int
read_key_file(const char *path, char *buf, size_t *len, mode_t *mode,
    struct bc_err *err)
{
	struct stat st;
	ssize_t n;
	size_t off = 0;
	int fd, r;

	*len = 0;
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return bc_err_set(err, BC_ERR_NOT_FOUND,
			    "%s: no such key file", path);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    path);
		goto out;
	}
	if (st.st_size > BC_KEYFILE_MAX) {
		r = bc_err_set(err, BC_ERR_MALFORMED,
		    "%s: %lld bytes is too large for a key file", path,
		    (long long)st.st_size);
		goto out;
	}
	/* buf holds BC_KEYFILE_MAX + 1 bytes: one more than we accept */
	for (;;) {
		n = read(fd, buf + off, BC_KEYFILE_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = bc_err_set(err, BC_ERR_IO, "%s: read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > BC_KEYFILE_MAX) {
			r = bc_err_set(err, BC_ERR_MALFORMED,
			    "%s: too large for a key file", path);
			goto out;
		}
	}
	buf[off] = '\0';
	*len = off;
	*mode = st.st_mode;
	r = 0;
 out:
	close(fd);
	return r;
}

int
bc_key_load_private(const char *path, struct bc_key **out,
    struct bc_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	mode_t mode = 0;
	BIO *mem = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	if ((buf = OPENSSL_secure_malloc(BC_KEYFILE_MAX + 1)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = read_key_file(path, buf, &len, &mode, err)) != 0)
		goto out;
	/* say "wrong kind of key" before "wrong mode": chmod would not help */
	if (strstr(buf, "-----BEGIN PUBLIC KEY-----") != NULL) {
		r = bc_err_set(err, BC_ERR_KEY_TYPE,
		    "%s is a public key; a private key is needed here", path);
		goto out;
	}
	if ((mode & 077) != 0) {
		r = bc_err_set(err, BC_ERR_KEY_PERM,
		    "%s: private key is accessible by group or others "
		    "(mode %04o); run 'chmod 600 %s'", path,
		    (unsigned)(mode & 07777), path);
		goto out;
	}
	if (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL) {
		r = bc_err_set(err, BC_ERR_KEY_TYPE,
		    "%s: encrypted private keys are not supported", path);
		goto out;
	}
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(mem, NULL, NULL, (void *)"");
	if (pkey == NULL) {
		r = bc_err_set(err, BC_ERR_MALFORMED,
		    "%s: not a PEM private key", path);
		goto out;
	}
	if ((r = key_wrap(pkey, 1, out)) != 0) {
		if (r == BC_ERR_KEY_TYPE)
			bc_err_set(err, r, "%s: not an Ed25519 key", path);
		else
			bc_err_set(err, r, "%s: cannot use key", path);
		goto out;
	}
	pkey = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	BIO_free(mem);
	OPENSSL_secure_clear_free(buf, BC_KEYFILE_MAX + 1);
	return r;
}

int
bc_key_load_public(const char *path, struct bc_key **out, struct bc_err *err)
{
	char buf[BC_KEYFILE_MAX + 1];
	size_t len = 0;
	mode_t mode = 0;
	BIO *mem = NULL;
	EVP_PKEY *pkey = NULL;
	int r;

	*out = NULL;
	if ((r = read_key_file(path, buf, &len, &mode, err)) != 0)
		return r;
	if (strstr(buf, "PRIVATE KEY-----") != NULL) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return bc_err_set(err, BC_ERR_KEY_TYPE,
		    "%s is a private key; give the public key (.pub) here",
		    path);
	}
	if ((mem = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	pkey = PEM_read_bio_PUBKEY(mem, NULL, NULL, NULL);
	BIO_free(mem);
	if (pkey == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "%s: not a PEM public key", path);
	if ((r = key_wrap(pkey, 0, out)) != 0) {
		EVP_PKEY_free(pkey);
		return bc_err_set(err, r, "%s: not an Ed25519 public key",
		    path);
	}
	return 0;
}

int
bc_sign(const struct bc_key *k, const void *msg, size_t len,
    uint8_t sig[BC_ED25519_SIGLEN])
{
	EVP_MD_CTX *md;
	size_t siglen = BC_ED25519_SIGLEN;
	int r = BC_ERR_CRYPTO;

	if (!k->private)
		return BC_ERR_INVALID;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return BC_ERR_NOMEM;
	if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(md, sig, &siglen, msg, len) == 1 &&
	    siglen == BC_ED25519_SIGLEN)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

int
bc_verify(const struct bc_key *k, const void *msg, size_t len,
    const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md;
	int r = BC_ERR_INTEGRITY;

	if (sig == NULL || siglen != BC_ED25519_SIGLEN)
		return BC_ERR_INTEGRITY;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return BC_ERR_NOMEM;
	if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, msg, len) == 1)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

#define VERIFIER_KEYS	16

struct bc_verifier {
	struct {
		const struct bc_key	*key;
		EVP_MD_CTX		*md;
	} slot[VERIFIER_KEYS];
	unsigned	next;		/* round-robin replacement */
};

struct bc_verifier *
bc_verifier_new(void)
{
	return calloc(1, sizeof(struct bc_verifier));
}

void
bc_verifier_free(struct bc_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < VERIFIER_KEYS; i++)
		EVP_MD_CTX_free(v->slot[i].md);
	free(v);
}

int
bc_verifier_check(struct bc_verifier *v, const struct bc_key *k,
    const void *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	size_t i;

	if (sig == NULL || siglen != BC_ED25519_SIGLEN)
		return BC_ERR_INTEGRITY;
	for (i = 0; i < VERIFIER_KEYS && md == NULL; i++)
		if (v->slot[i].key == k)
			md = v->slot[i].md;
	if (md == NULL) {
		i = v->next++ % VERIFIER_KEYS;
		EVP_MD_CTX_free(v->slot[i].md);
		v->slot[i].key = NULL;
		if ((v->slot[i].md = EVP_MD_CTX_new()) == NULL)
			return bc_verify(k, msg, len, sig, siglen);
		if (EVP_DigestVerifyInit(v->slot[i].md, NULL, NULL, NULL,
		    k->pkey) != 1) {
			EVP_MD_CTX_free(v->slot[i].md);
			v->slot[i].md = NULL;
			return bc_verify(k, msg, len, sig, siglen);
		}
		v->slot[i].key = k;
		md = v->slot[i].md;
	}
	if (EVP_DigestVerify(md, sig, siglen, msg, len) == 1)
		return 0;
	/*
	 * Ed25519 is one-shot and OpenSSL 3.0 lets an initialised context
	 * verify again; should a library refuse the reuse, a failure here
	 * is not trusted: a fresh context gives the answer.
	 */
	ERR_clear_error();
	return bc_verify(k, msg, len, sig, siglen);
}
