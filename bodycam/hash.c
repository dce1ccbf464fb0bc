/*
 * hash.c - streaming SHA-256 of files through OpenSSL EVP.
 *
 * One 1 MiB buffer, reused; posix_fadvise(SEQUENTIAL) so the kernel reads
 * ahead.  fstat before and after the read catches a file being written or
 * replaced while we hash it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bodycam/hash.h"

int
bc_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int
bc_hash_fd(int fd, const char *name, struct bc_file_hash *out,
    bc_progress_fn progress, void *arg, struct bc_err *err)
{
	EVP_MD_CTX *md = NULL;
	struct stat before, after;
	uint8_t *buf = NULL;
	uint64_t done = 0, next_report = 0;
	off_t start;
	unsigned int mdlen = 0;
	ssize_t n;
	int r = BC_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &before) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(before.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    name);
		goto out;
	}
	if ((start = lseek(fd, 0, SEEK_CUR)) == -1 || start > before.st_size) {
		r = bc_err_set(err, BC_ERR_IO, "%s: cannot tell the offset",
		    name);
		goto out;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((buf = malloc(BC_HASH_BUFSZ)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, bc_sha256_md(), NULL) != 1) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestInit failed");
		goto out;
	}
	for (;;) {
		n = read(fd, buf, BC_HASH_BUFSZ);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			r = bc_err_set(err, BC_ERR_IO, "%s: read: %s", name,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->headlen < BC_HASH_HEADSZ) {
			size_t take = BC_HASH_HEADSZ - out->headlen;

			if (take > (size_t)n)
				take = (size_t)n;
			memcpy(out->head + out->headlen, buf, take);
			out->headlen += take;
		}
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
			r = bc_err_set(err, BC_ERR_CRYPTO,
			    "EVP_DigestUpdate failed");
			goto out;
		}
		done += (uint64_t)n;
		if (progress != NULL && done >= next_report) {
			progress(arg, done,
			    (uint64_t)(before.st_size - start));
			next_report = done + 64ULL * BC_HASH_BUFSZ;
		}
	}
	if (fstat(fd, &after) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (!bc_stat_same(&before, &after) ||
	    done != (uint64_t)(after.st_size - start)) {
		r = bc_err_set(err, BC_ERR_CHANGED,
		    "%s: file changed while it was being hashed "
		    "(size, time or inode differ); refusing it", name);
		goto out;
	}
	if (EVP_DigestFinal_ex(md, out->sha256, &mdlen) != 1 ||
	    mdlen != BC_SHA256_LEN) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestFinal failed");
		goto out;
	}
	if (progress != NULL)
		progress(arg, done, done);
	out->size = done;
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	free(buf);
	return r;
}

int
bc_hash_open(const char *path, int *fd, struct bc_err *err)
{
	int flags, r;

	/* O_NONBLOCK: a FIFO must not hang us; bc_hash_fd refuses it */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return bc_err_set(err, BC_ERR_NOT_FOUND,
			    "%s: no such file", path);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	if ((flags = fcntl(*fd, F_GETFL)) == -1 ||
	    fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path, strerror(errno));
		close(*fd);
		*fd = -1;
		return r;
	}
	return 0;
}

int
bc_hash_file(const char *path, struct bc_file_hash *out,
    bc_progress_fn progress, void *arg, struct bc_err *err)
{
	int fd, r;

	memset(out, 0, sizeof(*out));
	if ((r = bc_hash_open(path, &fd, err)) != 0)
		return r;
	r = bc_hash_fd(fd, path, out, progress, arg, err);
	close(fd);
	return r;
}

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

const EVP_MD *
bc_sha256_md(void)
{
	if (pthread_once(&sha256_once, sha256_fetch) != 0 ||
	    sha256_md == NULL)
		return EVP_sha256();
	return sha256_md;
}

int
bc_sha256(const void *buf, size_t len, uint8_t out[BC_SHA256_LEN])
{
	unsigned int mdlen = 0;

	if (EVP_Digest(buf, len, out, &mdlen, bc_sha256_md(), NULL) != 1 ||
	    mdlen != BC_SHA256_LEN)
		return BC_ERR_CRYPTO;
	return 0;
}

void
bc_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
bc_unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * len)
		return BC_ERR_MALFORMED;
	for (i = 0; i < len; i++) {
		if ((hi = hexval(hex[2 * i])) < 0 ||
		    (lo = hexval(hex[2 * i + 1])) < 0)
			return BC_ERR_MALFORMED;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
bc_is_sha256_hex(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}
