/*
 * hash.h - streaming SHA-256 of files and buffers, hex helpers.
 *
 * Files are hashed through OpenSSL EVP in constant memory.  A file whose
 * size, modification time, inode or device differ between the start and the
 * end of the read is refused with BC_ERR_CHANGED: a hash of a file that was
 * being written is not evidence of anything.
 */
#ifndef BODYCAM_HASH_H
#define BODYCAM_HASH_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"

#define BC_SHA256_LEN	32
#define BC_SHA256_HEX	65		/* 64 hex digits + NUL */
#define BC_HASH_BUFSZ	(1024 * 1024)	/* one read() */
#define BC_HASH_HEADSZ	4096		/* leading bytes kept for sniffing */

/* Called now and then while a file is hashed; done <= total. */
typedef void (*bc_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* What bc_hash_file learned about a file. */
struct bc_file_hash {
	uint8_t		sha256[BC_SHA256_LEN];
	uint64_t	size;
	uint8_t		head[BC_HASH_HEADSZ];	/* first bytes of the file */
	size_t		headlen;		/* min(size, BC_HASH_HEADSZ) */
};

/*
 * Hashes the regular file at path.  progress may be NULL.  Returns 0,
 * BC_ERR_NOT_FOUND (no such file), BC_ERR_INVALID (not a regular file),
 * BC_ERR_IO, BC_ERR_CHANGED or BC_ERR_CRYPTO; err gets the cause.
 */
int bc_hash_file(const char *path, struct bc_file_hash *out,
    bc_progress_fn progress, void *arg, struct bc_err *err);

/*
 * Same, on an open descriptor: hashes from its current offset to EOF (size
 * is the number of bytes hashed).
 */
int bc_hash_fd(int fd, const char *name, struct bc_file_hash *out,
    bc_progress_fn progress, void *arg, struct bc_err *err);

/*
 * Opens path for reading as bc_hash_file does (never blocking on a FIFO,
 * never becoming a controlling terminal) into *fd, for bc_hash_fd and
 * whatever must then read the very bytes hashed.  Returns 0, or
 * BC_ERR_NOT_FOUND or BC_ERR_IO; the caller closes *fd.
 */
int bc_hash_open(const char *path, int *fd, struct bc_err *err);

/*
 * Non-zero when two fstat results describe the same file with the same
 * content as far as the kernel says: device, inode, size, modification
 * and status-change times.
 */
int bc_stat_same(const struct stat *a, const struct stat *b);

/*
 * OpenSSL's SHA-256 (an EVP_MD *), fetched once and kept for the life of
 * the process: EVP_sha256() makes OpenSSL 3 look the implementation up
 * again, under a lock, at every digest, which the audit pays per record.
 * Falls back to EVP_sha256() should the fetch fail.
 */
const struct evp_md_st *bc_sha256_md(void);

/* SHA-256 of a buffer.  Returns 0 or BC_ERR_CRYPTO. */
int bc_sha256(const void *buf, size_t len, uint8_t out[BC_SHA256_LEN]);

/* Lower-case hex of len bytes into out (2*len + 1 bytes). */
void bc_hex(const uint8_t *in, size_t len, char *out);

/*
 * Decodes exactly 2*len lower- or upper-case hex digits of hex into out.
 * Returns 0, or BC_ERR_MALFORMED on any other length or character.
 */
int bc_unhex(const char *hex, uint8_t *out, size_t len);

/* Non-zero when s is exactly 64 lower-case hex digits (0 for NULL). */
int bc_is_sha256_hex(const char *s);

#endif /* BODYCAM_HASH_H */
