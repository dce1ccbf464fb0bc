/*
 * storage.c - copying footage into managed storage (see storage.h).
 *
 * Two threads share the work of one copy.  The copier reads the source,
 * hashes each block and writes it, and starts the write-back of every
 * WINDOW bytes (sync_file_range, as a streaming writer should, so that
 * dirty pages do not pile up).  The checker waits for each window to be
 * on the disk, drops it from the page cache and reads it back into a
 * second hash.  The copy counts only when both hashes agree, and the
 * source was the same file, unchanged, from its first byte to its last.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bodycam/storage.h"

#define CHUNK	BC_HASH_BUFSZ			/* one read(), one write() */
#define WINDOW	(8ULL * 1024 * 1024)		/* flushed, read back */
#define ABUF	(2U * 1024 * 1024)		/* one write to the file */
#define NBUF	4				/* buffers between copier
						   and writer */
#define ALIGN	4096				/* of direct I/O */

struct checker {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 fd;
	uint64_t	 written;	/* by the copier, under mu */
	int		 done;		/* the copier is done, under mu */
	int		 stop;		/* the copier failed, under mu */
	int		 direct;	/* the file is O_DIRECT, under mu */
	/* the checker's own until it is joined */
	EVP_MD_CTX	*md;
	uint8_t		*buf;
	uint64_t	 checked;
	int		 error;		/* errno of its failure, or 0 */
	const char	*what;		/* what failed */
};

static int
read_back(struct checker *c, int direct, uint64_t off, uint64_t len)
{
	ssize_t n;
	size_t want;

	/*
	 * Direct I/O wrote it to the device and reads it from there.
	 * Otherwise: on the disk, then out of the cache, then read.
	 */
	if (!direct && sync_file_range(c->fd, (off_t)off, (off_t)len,
	    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
	    SYNC_FILE_RANGE_WAIT_AFTER) == -1 && errno != ESPIPE) {
		c->error = errno;
		c->what = "write-back";
		return -1;
	}
	if (!direct)
		(void)posix_fadvise(c->fd, (off_t)off, (off_t)len,
		    POSIX_FADV_DONTNEED);
	while (len > 0) {
		want = len < CHUNK ? (size_t)len : CHUNK;
		n = pread(c->fd, c->buf, want, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->error = n == 0 ? EIO : errno;
			c->what = "read back";
			return -1;
		}
		if (EVP_DigestUpdate(c->md, c->buf, (size_t)n) != 1) {
			c->error = EIO;
			c->what = "hash";
			return -1;
		}
		off += (uint64_t)n;
		len -= (uint64_t)n;
		c->checked += (uint64_t)n;
	}
	return 0;
}

static void *
checker_main(void *arg)
{
	struct checker *c = arg;
	uint64_t avail, len;
	int done, stop, direct;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->stop && !c->done && c->written - c->checked < WINDOW)
			pthread_cond_wait(&c->cv, &c->mu);
		avail = c->written;
		done = c->done;
		stop = c->stop;
		direct = c->direct;
		pthread_mutex_unlock(&c->mu);
		if (stop)
			break;
		len = avail - c->checked;
		if (!done)
			len -= len % WINDOW;	/* whole windows meanwhile */
		if (len > 0 && read_back(c, direct, c->checked, len) != 0)
			break;
		if (done)
			break;
	}
	return NULL;
}

static void
checker_post(struct checker *c, uint64_t written, int done, int stop,
    int direct)
{
	pthread_mutex_lock(&c->mu);
	c->direct = direct;
	c->written = written;
	c->done = done;
	c->stop = stop;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Removes the named temporaries of copies whose writers are gone. */
static void
sweep_incoming(int incfd)
{
	struct dirent *de;
	size_t len;
	DIR *d;
	int dfd, fd;

	if ((dfd = dup(incfd)) == -1)
		return;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".part") != 0)
			continue;
		fd = openat(incfd, de->d_name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		if (fd == -1)
			continue;
		/* its writer holds the lock as long as it lives */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			(void)unlinkat(incfd, de->d_name, 0);
		close(fd);
	}
	closedir(d);
}

/* The fallback of O_TMPFILE: ROOT/.incoming/<random>.part, locked. */
static int
open_named(struct bc_copy *cp, struct bc_err *err)
{
	uint8_t rnd[8];
	char hex[17], rel[80];
	struct stat a, b;
	int incfd, tries;

	if (mkdirat(cp->rootfd, BC_STORAGE_INCOMING, 0700) == -1 &&
	    errno != EEXIST)
		return bc_err_errno(err, errno, "storage: %s",
		    BC_STORAGE_INCOMING);
	if ((incfd = openat(cp->rootfd, BC_STORAGE_INCOMING, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return bc_err_errno(err, errno, "storage: %s",
		    BC_STORAGE_INCOMING);
	sweep_incoming(incfd);
	for (tries = 0; tries < 16; tries++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			close(incfd);
			return bc_err_set(err, BC_ERR_CRYPTO, "RAND_bytes "
			    "failed");
		}
		bc_hex(rnd, sizeof(rnd), hex);
		snprintf(cp->tmp, sizeof(cp->tmp), "%s.part", hex);
		cp->fd = openat(incfd, cp->tmp, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0440);
		if (cp->fd == -1 && errno == EEXIST)
			continue;
		if (cp->fd == -1)
			break;
		/* a sweeper may have taken it before the lock: then again */
		if (flock(cp->fd, LOCK_EX) == 0 && fstat(cp->fd, &a) == 0 &&
		    fstatat(incfd, cp->tmp, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			close(incfd);
			return 0;
		}
		close(cp->fd);
		cp->fd = -1;
	}
	snprintf(rel, sizeof(rel), "%s/%s", BC_STORAGE_INCOMING, cp->tmp);
	cp->tmp[0] = '\0';
	close(incfd);
	return bc_err_errno(err, errno ? errno : EEXIST, "storage: %s", rel);
}

static int
open_copy(struct bc_copy *cp, int *direct, struct bc_err *err)
{
	cp->fd = -1;
	/* linkat of an unnamed file goes through /proc without privilege */
	if (access("/proc/self/fd", X_OK) == 0) {
		/* direct I/O where the file system has it (storage.h) */
		if (*direct && (cp->fd = openat(cp->rootfd, ".", O_TMPFILE |
		    O_RDWR | O_CLOEXEC | O_DIRECT, 0440)) != -1)
			return 0;
		*direct = 0;
		cp->fd = openat(cp->rootfd, ".", O_TMPFILE | O_RDWR |
		    O_CLOEXEC, 0440);
		if (cp->fd != -1)
			return 0;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return bc_err_errno(err, errno, "storage: cannot "
			    "create a file");
	}
	return open_named(cp, err);
}

/*
 * What a copy being written holds besides struct bc_copy: the copier's
 * hash, the writer thread and its buffers, and the checker thread.  The
 * copier (the caller of bc_storage_write) fills buf[fill]; a full buffer
 * goes to the writer, which writes the buffers in turn (direct I/O
 * blocks until the device has the bytes: meanwhile the copier reads and
 * hashes the next ones), then hands what it wrote to the checker.
 */
struct bc_sink {
	struct checker	 c;
	EVP_MD_CTX	*md;
	pthread_t	 tid;
	int		 started;	/* the checker runs */
	uint64_t	 total;		/* bytes taken */
	int		 expect;	/* want is the hash: no copier's */
	uint8_t		 want[BC_SHA256_LEN];
	uint8_t		*buf[NBUF];	/* ABUF bytes each, ALIGN-aligned */
	unsigned	 fill;		/* the copier's buffer */
	size_t		 alen;		/* bytes in it */
	/* the writer */
	pthread_t	 wtid;
	int		 wstarted;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	size_t		 qlen[NBUF];	/* bytes queued in each, 0: free;
					   under mu */
	unsigned	 queued;	/* under mu */
	unsigned	 head;		/* the writer's next buffer */
	int		 wdone;		/* no more buffers, under mu */
	int		 werror;	/* errno of its failure, under mu */
	/* the writer's own until it is joined */
	uint64_t	 disk;		/* bytes written to the file */
	uint64_t	 flushed;	/* bytes whose write-back started */
	int		 direct;	/* the file is O_DIRECT */
	int		 fd;
};

/* Turns O_DIRECT on fd off. */
static int
undirect(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_DIRECT) == -1)
		return -1;
	return 0;
}

/*
 * Writes len bytes of p to the file, after what it holds, and has the
 * checker read them back: 0, or an errno.  A file system that took
 * O_DIRECT at open but refuses the first write is written through the
 * page cache instead.
 */
static int
sink_put(struct bc_sink *k, const uint8_t *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(k->fd, p + done, len - done,
		    (off_t)(k->disk + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EINVAL && k->direct && k->disk == 0 &&
		    done == 0) {
			if (undirect(k->fd) == -1)
				return errno;
			k->direct = 0;
			continue;
		}
		if (n <= 0)
			return n == 0 ? EIO : errno;
		done += (size_t)n;
	}
	k->disk += len;
	/* through the cache: start its write-back, as a streaming writer
	 * should, so that dirty pages do not pile up */
	if (!k->direct && k->disk - k->flushed >= WINDOW) {
		(void)sync_file_range(k->fd, (off_t)k->flushed,
		    (off_t)(k->disk - k->flushed), SYNC_FILE_RANGE_WRITE);
		k->flushed = k->disk;
	}
	checker_post(&k->c, k->disk, 0, 0, k->direct);
	return 0;
}

static void *
writer_main(void *arg)
{
	struct bc_sink *k = arg;
	size_t len;
	unsigned i;
	int e;

	for (;;) {
		pthread_mutex_lock(&k->mu);
		while (k->queued == 0 && !k->wdone)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->queued == 0 || k->werror != 0) {
			pthread_mutex_unlock(&k->mu);
			break;
		}
		i = k->head;
		len = k->qlen[i];
		pthread_mutex_unlock(&k->mu);
		e = sink_put(k, k->buf[i], len);
		pthread_mutex_lock(&k->mu);
		k->qlen[i] = 0;
		k->head = (i + 1) % NBUF;
		k->queued--;
		if (e != 0)
			k->werror = e;
		pthread_cond_broadcast(&k->cv);
		pthread_mutex_unlock(&k->mu);
		if (e != 0)
			break;
	}
	return NULL;
}

/*
 * Hands the copier's buffer (its first len bytes) to the writer and
 * moves on to the next free one, unless next is 0.  0, or the writer's
 * errno.
 */
static int
sink_queue(struct bc_sink *k, size_t len, int next)
{
	int e;

	pthread_mutex_lock(&k->mu);
	if (len > 0) {
		k->qlen[k->fill] = len;
		k->queued++;
		pthread_cond_broadcast(&k->cv);
	}
	if (next) {
		k->fill = (k->fill + 1) % NBUF;
		while (k->qlen[k->fill] != 0 && k->werror == 0)
			pthread_cond_wait(&k->cv, &k->mu);
	}
	e = k->werror;
	pthread_mutex_unlock(&k->mu);
	return e;
}

/* Waits for the writer to write all it was given: 0 or its errno. */
static int
writer_stop(struct bc_sink *k)
{
	if (!k->wstarted)
		return 0;
	pthread_mutex_lock(&k->mu);
	k->wdone = 1;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->wtid, NULL);
	k->wstarted = 0;
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	return k->werror;
}

static void
sink_free(struct bc_copy *cp)
{
	struct bc_sink *k = cp->sink;
	unsigned i;

	if (k == NULL)
		return;
	(void)writer_stop(k);
	if (k->started) {
		checker_post(&k->c, k->disk, 1, 1, k->direct);
		pthread_join(k->tid, NULL);
		pthread_cond_destroy(&k->c.cv);
		pthread_mutex_destroy(&k->c.mu);
	}
	EVP_MD_CTX_free(k->md);
	EVP_MD_CTX_free(k->c.md);
	free(k->c.buf);
	for (i = 0; i < NBUF; i++)
		free(k->buf[i]);
	free(k);
	cp->sink = NULL;
}

/* bc_storage_begin, with direct I/O or through the page cache. */
static int
sink_begin(const char *root, struct bc_copy *cp, int direct,
    struct bc_err *err)
{
	struct bc_sink *k;
	unsigned i;
	int r, e;

	memset(cp, 0, sizeof(*cp));
	cp->fd = -1;
	if ((cp->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return bc_err_errno(err, errno, "storage %s", root);
	if ((k = cp->sink = calloc(1, sizeof(*k))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	k->direct = direct;
	if ((r = open_copy(cp, &k->direct, err)) != 0)
		goto fail;
	/* aligned, for direct I/O */
	if (posix_memalign((void **)&k->c.buf, ALIGN, CHUNK) != 0) {
		k->c.buf = NULL;
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < NBUF; i++)
		if (posix_memalign((void **)&k->buf[i], ALIGN, ABUF) != 0) {
			k->buf[i] = NULL;
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto fail;
		}
	if ((k->md = EVP_MD_CTX_new()) == NULL ||
	    (k->c.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(k->md, bc_sha256_md(), NULL) != 1 ||
	    EVP_DigestInit_ex(k->c.md, bc_sha256_md(), NULL) != 1) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestInit failed");
		goto fail;
	}
	k->c.fd = cp->fd;
	pthread_mutex_init(&k->c.mu, NULL);
	pthread_cond_init(&k->c.cv, NULL);
	if ((e = pthread_create(&k->tid, NULL, checker_main, &k->c)) != 0) {
		pthread_cond_destroy(&k->c.cv);
		pthread_mutex_destroy(&k->c.mu);
		r = bc_err_errno(err, e, "cannot start a thread");
		goto fail;
	}
	k->started = 1;
	k->fd = cp->fd;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if ((e = pthread_create(&k->wtid, NULL, writer_main, k)) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		r = bc_err_errno(err, e, "cannot start a thread");
		goto fail;
	}
	k->wstarted = 1;
	return 0;
 fail:
	bc_storage_close(cp);
	return r;
}

int
bc_storage_begin(const char *root, struct bc_copy *cp, struct bc_err *err)
{
	return sink_begin(root, cp, 1, err);
}

int
bc_storage_write(struct bc_copy *cp, const void *buf, size_t n,
    struct bc_err *err)
{
	struct bc_sink *k = cp->sink;
	const uint8_t *p = buf;

	if (k == NULL || !k->started)
		return bc_err_set(err, BC_ERR_INVALID, "no copy being "
		    "written");
	if (cp->fh.headlen < BC_HASH_HEADSZ) {
		size_t m = BC_HASH_HEADSZ - cp->fh.headlen;

		if (m > n)
			m = n;
		memcpy(cp->fh.head + cp->fh.headlen, p, m);
		cp->fh.headlen += m;
	}
	if (!k->expect && EVP_DigestUpdate(k->md, p, n) != 1)
		return bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestUpdate "
		    "failed");
	/* gathered into whole, aligned writes */
	while (n > 0) {
		size_t m = ABUF - k->alen;
		int e;

		if (m > n)
			m = n;
		memcpy(k->buf[k->fill] + k->alen, p, m);
		k->alen += m;
		k->total += (uint64_t)m;
		p += m;
		n -= m;
		if (k->alen == ABUF) {
			k->alen = 0;
			if ((e = sink_queue(k, ABUF, 1)) != 0)
				return bc_err_errno(err, e, "write");
		}
	}
	return 0;
}

/*
 * The last bytes of a direct copy, less than ALIGN of them: written
 * through the page cache, synced, dropped from it and read back.
 */
static int
sink_tail(struct bc_copy *cp, struct bc_sink *k, size_t off, size_t len,
    struct bc_err *err)
{
	ssize_t n;

	if (undirect(cp->fd) == -1)
		return bc_err_errno(err, errno, "fcntl");
	if ((n = pwrite(cp->fd, k->buf[k->fill] + off, len,
	    (off_t)k->disk)) !=
	    (ssize_t)len)
		return bc_err_errno(err, n == -1 ? errno : EIO, "write");
	if (fdatasync(cp->fd) == -1)
		return bc_err_errno(err, errno, "fdatasync");
	(void)posix_fadvise(cp->fd, (off_t)k->disk, (off_t)len,
	    POSIX_FADV_DONTNEED);
	if ((n = pread(cp->fd, k->c.buf, len, (off_t)k->disk)) !=
	    (ssize_t)len)
		return bc_err_errno(err, n == -1 ? errno : EIO, "read back");
	if (EVP_DigestUpdate(k->c.md, k->c.buf, len) != 1)
		return bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestUpdate "
		    "failed");
	k->c.checked += len;
	k->disk += len;
	return 0;
}

int
bc_storage_expect(struct bc_copy *cp, const uint8_t sha256[BC_SHA256_LEN],
    struct bc_err *err)
{
	struct bc_sink *k = cp->sink;

	if (k == NULL || !k->started || k->total != 0)
		return bc_err_set(err, BC_ERR_INVALID, "the hash to expect "
		    "comes before the first byte");
	k->expect = 1;
	memcpy(k->want, sha256, sizeof(k->want));
	return 0;
}

uint64_t
bc_storage_written(const struct bc_copy *cp)
{
	return cp->sink != NULL ? cp->sink->total : 0;
}

int
bc_storage_end(struct bc_copy *cp, struct bc_err *err)
{
	struct bc_sink *k = cp->sink;
	uint8_t d1[BC_SHA256_LEN], d2[BC_SHA256_LEN];
	unsigned int n1 = 0, n2 = 0;
	size_t al = 0;
	int r, e;

	if (k == NULL || !k->started)
		return bc_err_set(err, BC_ERR_INVALID, "no copy being "
		    "written");
	/* what is left: the aligned part directly, the rest after it
	 * (the writer is stopped first: it may still turn direct off) */
	if ((e = sink_queue(k, 0, 0)) == 0)
		e = writer_stop(k);
	if (e == 0 && k->alen > 0) {
		al = k->direct ? k->alen & ~((size_t)ALIGN - 1) : k->alen;
		if (al > 0)
			e = sink_put(k, k->buf[k->fill], al);
	}
	if (e != 0) {
		r = bc_err_errno(err, e, "write");
		goto out;
	}
	checker_post(&k->c, k->disk, 1, 0, k->direct);
	pthread_join(k->tid, NULL);
	k->started = 0;
	pthread_cond_destroy(&k->c.cv);
	pthread_mutex_destroy(&k->c.mu);
	if (k->c.error != 0) {
		r = bc_err_errno(err, k->c.error, "%s of the copy",
		    k->c.what);
		goto out;
	}
	if (k->alen > al && (r = sink_tail(cp, k, al, k->alen - al,
	    err)) != 0)
		goto out;
	k->alen = 0;
	if (fsync(cp->fd) == -1) {
		r = bc_err_errno(err, errno, "fsync");
		goto out;
	}
	if (k->expect) {
		memcpy(d1, k->want, sizeof(d1));
		n1 = sizeof(d1);
	} else if (EVP_DigestFinal_ex(k->md, d1, &n1) != 1)
		n1 = 0;
	if (EVP_DigestFinal_ex(k->c.md, d2, &n2) != 1 || n1 != sizeof(d1) ||
	    n2 != sizeof(d2)) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "EVP_DigestFinal failed");
		goto out;
	}
	/* what was read back, for a caller to name */
	memcpy(cp->fh.sha256, d2, sizeof(d2));
	if (k->expect && k->c.checked == k->total &&
	    memcmp(d1, d2, sizeof(d1)) != 0) {
		r = bc_err_set(err, BC_ERR_CHANGED, "the copy is not the "
		    "bytes of the hash expected; nothing registered");
		goto out;
	}
	if (k->c.checked != k->total || memcmp(d1, d2, sizeof(d1)) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the copy does not read "
		    "back as written (%llu of %llu bytes read back); "
		    "nothing registered", (unsigned long long)k->c.checked,
		    (unsigned long long)k->total);
		goto out;
	}
	memcpy(cp->fh.sha256, d2, sizeof(d2));
	cp->fh.size = k->total;
	r = 0;
 out:
	sink_free(cp);
	return r;
}

int
bc_storage_copy(const char *root, const char *src, bc_progress_fn progress,
    void *arg, struct bc_copy *cp, struct bc_err *err)
{
	struct stat st, after;
	uint8_t *buf = NULL;
	uint64_t total = 0, next_report = 0;
	int sfd = -1, r;
	ssize_t n;

	memset(cp, 0, sizeof(*cp));
	cp->fd = -1;
	cp->rootfd = -1;
	if ((r = bc_hash_open(src, &sfd, err)) != 0)
		return r;
	if (fstat(sfd, &st) == -1) {
		r = bc_err_errno(err, errno, "%s", src);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    src);
		goto out;
	}
	/* through the page cache: beside the source's reads, direct writes
	 * measured slower here (HACKING.md) */
	if ((r = sink_begin(root, cp, 0, err)) != 0) {
		goto out;
	}
	cp->src = st;
	(void)posix_fadvise(sfd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((buf = malloc(CHUNK)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		if ((n = read(sfd, buf, CHUNK)) == -1) {
			if (errno == EINTR)
				continue;
			r = bc_err_errno(err, errno, "%s: read", src);
			goto out;
		}
		if (n == 0)
			break;
		/* a file still growing is being written: not evidence yet */
		if (total + (uint64_t)n > (uint64_t)st.st_size) {
			r = bc_err_set(err, BC_ERR_CHANGED, "%s: file changed "
			    "while it was copied (it grew); refusing it", src);
			goto out;
		}
		if ((r = bc_storage_write(cp, buf, (size_t)n, err)) != 0) {
			bc_err_wrap(err, r, "storage %s", root);
			goto out;
		}
		total += (uint64_t)n;
		if (progress != NULL && total >= next_report) {
			progress(arg, total, (uint64_t)st.st_size);
			next_report = total + 16 * CHUNK;
		}
	}
	if ((r = bc_storage_end(cp, err)) != 0) {
		bc_err_wrap(err, r, "storage %s, copy of %s", root, src);
		goto out;
	}
	if (progress != NULL)
		progress(arg, total, total);
	if (fstat(sfd, &after) == -1 || !bc_stat_same(&st, &after) ||
	    total != (uint64_t)st.st_size) {
		r = bc_err_set(err, BC_ERR_CHANGED, "%s: file changed while it "
		    "was copied (size, time or inode differ); refusing it",
		    src);
		goto out;
	}
	r = 0;
 out:
	free(buf);
	if (sfd != -1)
		close(sfd);
	if (r != 0)
		bc_storage_close(cp);
	return r;
}

int
bc_storage_path(const char *root, const char *sha256, const char *name,
    char *out, size_t outsz, struct bc_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > 255 || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return bc_err_set(err, BC_ERR_INVALID, "'%.64s' cannot name "
		    "a file in storage", name);
	if (!bc_is_sha256_hex(sha256))
		return bc_err_set(err, BC_ERR_INVALID, "not a SHA-256: "
		    "'%.64s'", sha256);
	if ((size_t)snprintf(out, outsz, "%s/%.2s/%s/%s", root, sha256,
	    sha256, name) >= outsz)
		return bc_err_set(err, BC_ERR_INVALID, "storage path too "
		    "long for %s", name);
	return 0;
}

/* mkdirat + open into *fd, no symbolic link followed; *made when new. */
static int
subdir(int at, const char *name, int *made, int *fd, struct bc_err *err)
{
	*made = mkdirat(at, name, 0750) == 0;
	if (!*made && errno != EEXIST)
		return bc_err_errno(err, errno, "storage: mkdir %s", name);
	if ((*fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return bc_err_errno(err, errno, "storage: %s", name);
	return 0;
}

/* Whether the file name in dfd has the content of cp's copy. */
static int
same_content(int dfd, const char *name, const struct bc_copy *cp)
{
	struct bc_file_hash fh;
	int fd, same;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return 0;
	same = bc_hash_fd(fd, name, &fh, NULL, NULL, NULL) == 0 &&
	    fh.size == cp->fh.size &&
	    memcmp(fh.sha256, cp->fh.sha256, sizeof(fh.sha256)) == 0;
	close(fd);
	return same;
}

static int
link_copy(const struct bc_copy *cp, int dfd, const char *name)
{
	char proc[64], rel[80];

	if (cp->tmp[0] == '\0') {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", cp->fd);
		return linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW);
	}
	snprintf(rel, sizeof(rel), "%s/%s", BC_STORAGE_INCOMING, cp->tmp);
	return linkat(cp->rootfd, rel, dfd, name, 0);
}

int
bc_storage_place(struct bc_copy *cp, const char *root, const char *name,
    struct bc_err *err)
{
	char hex[BC_SHA256_HEX], top[3], path[PATH_MAX], rel[80];
	int d1 = -1, d2 = -1, made1 = 0, made2 = 0, r;

	bc_hex(cp->fh.sha256, sizeof(cp->fh.sha256), hex);
	if ((r = bc_storage_path(root, hex, name, path, sizeof(path),
	    err)) != 0)
		return r;
	snprintf(top, sizeof(top), "%.2s", hex);
	if ((r = subdir(cp->rootfd, top, &made1, &d1, err)) != 0 ||
	    (r = subdir(d1, hex, &made2, &d2, err)) != 0)
		goto out;
	if (link_copy(cp, d2, name) == -1) {
		if (errno != EEXIST) {
			r = bc_err_errno(err, errno, "storage: %s", path);
			goto out;
		}
		/* an earlier placement whose registration never came */
		if (!same_content(d2, name, cp)) {
			r = bc_err_set(err, BC_ERR_EXISTS, "storage: %s "
			    "exists and is another file; nothing registered",
			    path);
			goto out;
		}
		if (unlinkat(d2, name, 0) == -1 ||
		    link_copy(cp, d2, name) == -1) {
			r = bc_err_errno(err, errno, "storage: %s", path);
			goto out;
		}
	}
	if (fsync(d2) == -1 || (made2 && fsync(d1) == -1) ||
	    (made1 && fsync(cp->rootfd) == -1)) {
		r = bc_err_errno(err, errno, "storage: fsync %s", path);
		(void)unlinkat(d2, name, 0);
		goto out;
	}
	if (cp->tmp[0] != '\0') {
		snprintf(rel, sizeof(rel), "%s/%s", BC_STORAGE_INCOMING,
		    cp->tmp);
		(void)unlinkat(cp->rootfd, rel, 0);
		cp->tmp[0] = '\0';
	}
	snprintf(cp->final, sizeof(cp->final), "%s", path);
	r = 0;
 out:
	if (d2 != -1)
		close(d2);
	if (d1 != -1)
		close(d1);
	return r;
}

void
bc_storage_unplace(struct bc_copy *cp)
{
	char *slash;
	int i;

	if (cp->final[0] == '\0')
		return;
	(void)unlink(cp->final);
	/* the two directories, when nothing else is in them */
	for (i = 0; i < 2; i++) {
		if ((slash = strrchr(cp->final, '/')) == NULL)
			break;
		*slash = '\0';
		if (rmdir(cp->final) == -1)
			break;
	}
	cp->final[0] = '\0';
}

void
bc_storage_close(struct bc_copy *cp)
{
	char rel[80];

	sink_free(cp);
	if (cp->tmp[0] != '\0' && cp->rootfd != -1) {
		snprintf(rel, sizeof(rel), "%s/%s", BC_STORAGE_INCOMING,
		    cp->tmp);
		(void)unlinkat(cp->rootfd, rel, 0);
		cp->tmp[0] = '\0';
	}
	if (cp->fd != -1)
		close(cp->fd);
	if (cp->rootfd != -1)
		close(cp->rootfd);
	cp->fd = -1;
	cp->rootfd = -1;
}

int
bc_storage_remove_source(const struct bc_copy *cp, const char *src,
    struct bc_err *err)
{
	struct stat now;
	char dir[PATH_MAX], *slash;
	int dfd;

	if (lstat(src, &now) == -1)
		return bc_err_errno(err, errno, "%s", src);
	if (!bc_stat_same(&cp->src, &now))
		return bc_err_set(err, BC_ERR_CHANGED, "%s changed after it "
		    "was copied; not removed", src);
	if (unlink(src) == -1)
		return bc_err_errno(err, errno, "%s: not removed", src);
	snprintf(dir, sizeof(dir), "%s", src);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if ((dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}
