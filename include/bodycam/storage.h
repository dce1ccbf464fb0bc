/*
 * storage.h - managed storage: footage copied in while it is hashed.
 *
 * A catalog may name a storage root (bc_catalog_storage).  A file copied
 * in is read once: each block is hashed and written to an unnamed file
 * in the root, whose written blocks a second thread flushes, drops from
 * the page cache and reads back, so that the copy is verified from the
 * disk as dc3dd and Guymager do, not from memory.  Only a copy whose
 * read-back hash equals the source's, and whose source did not change
 * while read, is placed at its final name:
 *
 *	ROOT/ab/<sha256>/<name>
 *
 * ab the hash's first two hex digits and name the source's last path
 * component.  The name is never the source's alone, so that two files of
 * one name never meet, and the sealed file name stays the camera's.  A
 * copy interrupted before placing leaves nothing behind (the file has no
 * name until then, O_TMPFILE; where the file system lacks it, a named
 * temporary in ROOT/.incoming, locked while written and removed by the
 * next copy once its writer is gone).
 */
#ifndef BODYCAM_STORAGE_H
#define BODYCAM_STORAGE_H

#include <sys/stat.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"

#define BC_STORAGE_INCOMING	".incoming"

struct bc_sink;

struct bc_copy {
	int			 fd;		/* the copy, -1 when none */
	int			 rootfd;	/* the storage root */
	char			 tmp[64];	/* its name in .incoming, or
						   "" (unnamed, O_TMPFILE) */
	struct stat		 src;		/* the source, as read */
	struct bc_file_hash	 fh;		/* of the copy, read back */
	char			 final[PATH_MAX]; /* where placed, or "" */
	struct bc_sink		*sink;		/* while written */
};

/*
 * A copy written from a stream (an upload): bc_storage_begin opens an
 * unnamed file in root and starts its checker; bc_storage_write hashes
 * each block and hands it, in 2 MiB writes, to a writer thread;
 * bc_storage_end waits for the read-back, syncs the file and compares
 * the two hashes, setting cp->fh.  A stream is written and read back
 * with direct I/O (O_DIRECT) where the file system has it: the bytes go
 * to the device and are read from it, no page cache in between, and a
 * 1 GiB upload measured 2.3 s against 3.1 s through the cache.  (A copy
 * of a file, bc_storage_copy, goes through the page cache, flushed and
 * dropped before it is read back: beside its source's reads, direct
 * writes measured slower, 5.6 to 6.3 s against 4.5 to 4.8 s for 2 GiB.)  Errors as
 * bc_storage_copy's; after any, nothing is left in storage once cp is
 * released with bc_storage_close (which bc_storage_begin needs either
 * way).
 */
int bc_storage_begin(const char *root, struct bc_copy *cp,
    struct bc_err *err);
int bc_storage_write(struct bc_copy *cp, const void *buf, size_t n,
    struct bc_err *err);
int bc_storage_end(struct bc_copy *cp, struct bc_err *err);

/*
 * Says, before the first byte, what the stream's SHA-256 must be (an
 * upload's digest): the copy read back from the disk is then compared
 * with it instead of with a hash of the blocks as they were written,
 * which spares that hash.  bc_storage_end returns BC_ERR_CHANGED when
 * the bytes read back are not of that hash (cp->fh.sha256 says what
 * they are).  0, or BC_ERR_INVALID after the first byte.
 */
int bc_storage_expect(struct bc_copy *cp, const uint8_t sha256[32],
    struct bc_err *err);

/* Bytes written so far by bc_storage_write. */
uint64_t bc_storage_written(const struct bc_copy *cp);

/*
 * Copies the regular file src into the storage root, hashing it, and
 * verifies the copy from the disk (see above).  progress may be NULL.
 * Returns 0 with cp ready for bc_storage_place, or BC_ERR_NOT_FOUND,
 * BC_ERR_INVALID (not a regular file), BC_ERR_CHANGED (src changed while
 * read), BC_ERR_FULL (storage full), BC_ERR_INTEGRITY (the copy does not
 * read back as written) or BC_ERR_IO; nothing is left in storage then.
 * cp must be released with bc_storage_close either way.
 */
int bc_storage_copy(const char *root, const char *src,
    bc_progress_fn progress, void *arg, struct bc_copy *cp,
    struct bc_err *err);

/*
 * The final path of content sha256 (64 hex digits) named name in root:
 * ROOT/ab/<sha256>/<name>.  Returns 0 or BC_ERR_INVALID (a name that is
 * empty, ".", "..", holds a '/' or is too long).
 */
int bc_storage_path(const char *root, const char *sha256, const char *name,
    char *out, size_t outsz, struct bc_err *err);

/*
 * Gives the copy its final path (bc_storage_path of its hash), creating
 * the two directories and syncing each directory changed.  A file
 * already there is taken as an earlier interrupted placement when it
 * has the same content (it is then replaced), and refused otherwise
 * (BC_ERR_EXISTS).  Returns 0 or an error; cp->final is set on success.
 */
int bc_storage_place(struct bc_copy *cp, const char *root, const char *name,
    struct bc_err *err);

/* Removes a placed copy again (after a registration that failed). */
void bc_storage_unplace(struct bc_copy *cp);

/* Releases cp: closes it and removes a named temporary not placed. */
void bc_storage_close(struct bc_copy *cp);

/*
 * Removes the source src of a copy once it is registered (register
 * --move), if it is still the file that was read (cp->src), and syncs
 * its directory.  Returns 0, BC_ERR_CHANGED or BC_ERR_IO.
 */
int bc_storage_remove_source(const struct bc_copy *cp, const char *src,
    struct bc_err *err);

#endif /* BODYCAM_STORAGE_H */
