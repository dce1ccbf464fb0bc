/*
 * bundle.c - the offline check of a release bundle (bundle.h has its
 * layout), without a catalog: what a recipient runs.
 *
 * The bundle is hostile input.  Nothing in it is followed or trusted
 * before it is checked: every file is opened one path component at a time
 * with O_NOFOLLOW, from the bundle's own directory; a symbolic link, a
 * device or a name that a shell could misread is a failure; paths in
 * SHA256SUMS are held to strict rules; records are read with a cap and
 * parsed as exactly canonical JSON; counts are capped.
 *
 * The outcome is graded.  "integrity": the files are those SHA256SUMS
 * lists, with its hashes, and the media are the ones the manifests seal.
 * "authentic": every manifest, custody event and key document is signed
 * by the key it names (whose public key is in signers/ and hashes to its
 * id), the custody chains link and obey the rules, every record is
 * included in the log under the bundle's checkpoint, which a key of the
 * bundle's keyring with the auditor (or admin) role signed.  "trusted":
 * the bundle's anchor is the admin key the recipient knows, and every
 * signer held the role it needed when it signed; it holds only when the
 * records are authentic.  Each failure names the file, the check and the
 * level; a failure never stops the other checks.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bodycam/buf.h"
#include "bodycam/bundle.h"
#include "bodycam/canon.h"
#include "bodycam/custody.h"
#include "bodycam/hash.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/merkle.h"
#include "bodycam/note.h"
#include "bodycam/tlog.h"
#include "bodycam/tsa.h"
#include "bodycam/util.h"

#define LVL_INTEGRITY	1
#define LVL_AUTHENTIC	2
#define LVL_TRUSTED	3

#define MAX_FAILURES	1000		/* listed; the rest are counted */
#define MAX_DEPTH	8		/* directory levels in a bundle */
#define MAX_PATH	1024		/* bytes of a relative path */
#define MAX_LOADED	(1024LL * 1024 * 1024)	/* record bytes in all */
#define SIG_B64_LEN	88		/* base64 of 64 bytes */
#define ROOT_B64_LEN	44		/* base64 of 32 bytes */

/* One file: found in the directory, listed in SHA256SUMS, or both. */
struct bfile {
	char		*path;
	unsigned	 present:1;	/* a regular file in the directory */
	unsigned	 listed:1;	/* in SHA256SUMS */
	unsigned	 used:1;	/* claimed by the bundle format */
	unsigned	 loaded:1;	/* data holds its bytes */
	unsigned	 hashed:1;	/* sha256 and size are measured */
	unsigned	 unreadable:1;	/* reading it failed (reported) */
	unsigned	 deferred:1;	/* media: hashed after its size */
	unsigned	 wrong_size:1;	/* media: not the sealed size, so
					   not hashed at all */
	uint8_t		 want[BC_SHA256_LEN];	/* as SHA256SUMS says */
	uint8_t		 sha256[BC_SHA256_LEN];	/* as measured */
	uint64_t	 size;
	char		*data;		/* NUL-terminated */
	size_t		 len;
};

/* A key of signers/, checked; key is NULL when the file is unusable. */
struct signer {
	char		 id[BC_KEYID_HEX];
	struct bc_key	*key;
};

/*
 * A record that a proofs.json must prove, and whose signer's authority
 * is then judged at the leaf its proof shows.
 */
struct prec {
	const char	*kind;	/* "manifest", "event", "parent-event"... */
	int64_t		 seq;	/* -1 for manifests */
	const char	*data;
	size_t		 len;
	int		 proved;	/* a proof entry was seen */
	size_t		 order;		/* as added */
	int64_t		 leaf;		/* proven leaf index, or -1 */
	int		 role;		/* the role its signer needs; 0:
					   judged elsewhere */
	char		 signer[BC_KEYID_HEX];
};

struct recs {
	struct prec	*r;
	size_t		 n, cap;
};

/* One items/<id>/ directory. */
struct item {
	char		 id[BC_ITEM_ID_MAX * 4];
	char		 mhash[BC_SHA256_HEX];	/* "" when unreadable */
	char		 (*ehash)[BC_SHA256_HEX];	/* its events */
	size_t		 nev, capev;
	char		*derived_from;		/* parent id, or NULL */
	char		 pmhash[BC_SHA256_HEX];	/* of parent/manifest.json */
	char		 (*dhash)[BC_SHA256_HEX];	/* derive.jsonl's */
	size_t		 nderive, capderive;
	char		*media;			/* media/<name>, or NULL */
	int		 has_media;		/* its file, there or listed */
	int		 purged;
	int		 media_said;		/* the last event, a release:
						   1 included, 2 omitted */
	char		 last[BC_SHA256_HEX];	/* its last event's hash */
	int		 released;		/* in the statement */
	struct bc_view	*view;			/* current view, or NULL
						   (manifest unreadable) */
	json_t		*history;		/* the annotations in it */
};

/* The state of one check. */
struct vb {
	int			 rootfd;
	const struct bc_key	*trust;
	const struct bc_witness_policy *witnesses;	/* or NULL */
	char			*cosigned;	/* the checkpoint with the
						   cosignatures of the
						   .tlog-proof files */
	size_t			 cosigned_len;
	struct bc_bundle_report	*rep;
	int			 fatal;		/* NOMEM or CRYPTO: stop */
	int			 failed[4];	/* by level */
	size_t			 unlisted;	/* failures over MAX_FAILURES */
	int			 unlisted_level;
	int			 last;		/* the closing entry */
	long long		 loaded;	/* bytes of records read */

	struct bfile		*files;
	size_t			 nfiles;
	int			 have_sums;

	struct signer		*signers;
	size_t			 nsigners;
	struct bc_key		*anchor;	/* anchor.pub, or NULL */
	struct bc_keyring	*kr;		/* from keys.jsonl, or NULL */
	struct jline		*klines;	/* keys.jsonl's lines */
	struct bc_keydoc	*kdocs;		/* and its documents */
	size_t			 nkdocs;
	int			 kpos_bad;	/* key documents' log positions
						   unproven: no authority can
						   be judged */
	int			 old_format;	/* no release statement */
	json_t			*rel;		/* release.json, or NULL */
	struct recs		 top;		/* records of proofs.json */
	char			 cp_signer[BC_KEYID_HEX];	/* "": none */

	int			 lost_media;	/* a manifest unreadable: whose
						   media are whose is unknown */
	int			 cp_parsed;	/* cp holds the checkpoint */
	size_t			 cp_mismatch;	/* proofs of another tree */
	struct bc_checkpoint	 cp;

	struct item		*items;
	size_t			 nitems, capitems;

	/* trusted time: the verifier's TSA anchors (or NULL), and the
	   time-stamped checkpoints of timestamps/ */
	const struct bc_tsa_trust *tsa;
	struct bc_tsa_times	 tt;
};

static struct prec *add_rec(struct vb *, struct recs *, const char *,
    int64_t, const char *, size_t, const char *, int);
static void trusted_time(struct vb *, const char *, const char *,
    const char *, int64_t);

/*
 * Copies src into dst (dstsz bytes) fit to print and to put in JSON:
 * control characters and bytes that are not UTF-8 become '?', and the
 * text is cut at a character boundary.
 */
static void
clean_copy(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = strlen(src), i = 0, o = 0, k;

	while (i < n && o + 1 < dstsz) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			dst[o++] = '?';
			i++;
		} else if (p[i] < 0x80) {
			dst[o++] = (char)p[i++];
		} else if ((k = bc_utf8_seq(p + i, n - i)) == 0) {
			dst[o++] = '?';
			i++;
		} else {
			if (o + k >= dstsz)
				break;
			memcpy(dst + o, p + i, k);
			o += k;
			i += k;
		}
	}
	dst[o] = '\0';
}

/* Records a failure of file at level; the check goes on. */
static void fail(struct vb *, int, const char *, enum bc_check_id,
    const char *, ...) __attribute__((format(printf, 5, 6)));

static void
fail(struct vb *v, int level, const char *file, enum bc_check_id check,
    const char *fmt, ...)
{
	struct bc_bundle_report *rep = v->rep;
	struct bc_bundle_failure *tmp, *f;
	char reason[BC_CHECK_DETAIL_MAX * 2];
	va_list ap;

	v->failed[level] = 1;
	if (rep->nfailures >= MAX_FAILURES - 1 && !v->last) {
		if (v->unlisted++ == 0 || level < v->unlisted_level)
			v->unlisted_level = level;
		return;
	}
	tmp = bc_grow(rep->failures, &rep->failures_cap, rep->nfailures + 1,
	    sizeof(*tmp));
	if (tmp == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	rep->failures = tmp;
	f = &rep->failures[rep->nfailures++];
	memset(f, 0, sizeof(*f));
	clean_copy(f->file, sizeof(f->file), file != NULL ? file : "");
	f->id = check;
	clean_copy(f->check, sizeof(f->check), bc_check_name(check));
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	clean_copy(f->reason, sizeof(f->reason), reason);
	f->level = level;
}

/*
 * The rules for a path in a bundle: relative, components separated by one
 * '/', none empty or starting with '.' (so no "." or ".."), no backslash,
 * no control character, UTF-8.  NULL when path (len bytes) keeps them,
 * else why not.
 */
static const char *
path_problem(const char *path, size_t len)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t i, k;
	int start = 1;

	if (len == 0)
		return "empty path";
	if (len > MAX_PATH)
		return "path too long";
	if (p[0] == '/')
		return "absolute path";
	for (i = 0; i < len; i++) {
		if (start && p[i] == '.')
			return "a path component starts with '.'";
		if (p[i] == '/') {
			if (start)
				return "empty path component";
			start = 1;
			continue;
		}
		start = 0;
		if (p[i] < 0x20 || p[i] == 0x7f)
			return "control character in path";
		if (p[i] == '\\')
			return "backslash in path";
		if (p[i] >= 0x80) {
			if ((k = bc_utf8_seq(p + i, len - i)) == 0)
				return "path is not UTF-8";
			i += k - 1;
		}
	}
	if (start)
		return "path ends in '/'";
	return NULL;
}

/* Bytewise order of paths, as sha256sum's listing is sorted. */
static int
path_cmp(const void *a, const void *b)
{
	const struct bfile *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static struct bfile *
find(struct vb *v, const char *path)
{
	struct bfile key;

	key.path = (char *)path;
	if (v->nfiles == 0)
		return NULL;
	return bsearch(&key, v->files, v->nfiles, sizeof(*v->files),
	    path_cmp);
}

/*
 * Opens rel (a path that passed path_problem) under root without
 * following a symbolic link in any component.  -1 with errno when not.
 */
static int
open_rel(int root, const char *rel)
{
	char comp[NAME_MAX + 1];
	const char *p = rel, *slash;
	size_t len;
	int fd = root, next, e;

	while ((slash = strchr(p, '/')) != NULL) {
		len = (size_t)(slash - p);
		if (len == 0 || len > NAME_MAX) {
			errno = ENAMETOOLONG;
			next = -1;
		} else {
			memcpy(comp, p, len);
			comp[len] = '\0';
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		}
		e = errno;
		if (fd != root)
			close(fd);
		errno = e;
		if (next == -1)
			return -1;
		fd = next;
		p = slash + 1;
	}
	next = openat(fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	e = errno;
	if (fd != root)
		close(fd);
	errno = e;
	return next;
}

static const char *
open_why(int e)
{
	return e == ELOOP ? "a symbolic link" : strerror(e);
}

/*
 * Reads f (at most BC_BUNDLE_MAX_JSON bytes) into f->data, once.
 * Returns f->data, or NULL after reporting why (a file that is only
 * listed has been reported missing already).
 */
static const char *
load(struct vb *v, struct bfile *f)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, want;
	ssize_t n;
	int fd;

	if (f == NULL || !f->present || f->unreadable)
		return NULL;
	if (f->loaded)
		return f->data;
	f->unreadable = 1;	/* until it is read */
	if ((fd = open_rel(v->rootfd, f->path)) == -1) {
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_READ, "cannot open: "
		    "%s", open_why(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_FILE_TYPE,
		    "not a regular file");
		goto out;
	}
	if (st.st_size > BC_BUNDLE_MAX_JSON) {
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_TOO_LARGE, "%lld "
		    "bytes, more than the %d a record file of a bundle may "
		    "have", (long long)st.st_size, BC_BUNDLE_MAX_JSON);
		goto out;
	}
	if (v->loaded + st.st_size > MAX_LOADED) {
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_TOO_LARGE, "the "
		    "bundle's records are more than %lld bytes in all",
		    MAX_LOADED);
		goto out;
	}
	/* one byte more than fstat said tells a file that grows */
	want = (size_t)st.st_size + 1;
	if ((buf = malloc(want + 1)) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		goto out;
	}
	while (got < want) {
		if ((n = read(fd, buf + got, want - got)) == -1) {
			if (errno == EINTR)
				continue;
			fail(v, LVL_INTEGRITY, f->path, BC_CHECK_READ, "%s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)st.st_size) {
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_READ, "the file "
		    "changed while it was read");
		goto out;
	}
	buf[got] = '\0';
	f->data = buf;
	f->len = got;
	buf = NULL;
	f->loaded = 1;
	f->unreadable = 0;
	v->loaded += (long long)got;
	if (bc_sha256(f->data, f->len, f->sha256) != 0)
		v->fatal = BC_ERR_CRYPTO;
	f->size = got;
	f->hashed = 1;
 out:
	free(buf);
	close(fd);
	return f->data;
}

/* Opens f, or reports why not and marks it unreadable: -1. */
static int
open_member(struct vb *v, struct bfile *f)
{
	int fd;

	if ((fd = open_rel(v->rootfd, f->path)) == -1) {
		f->unreadable = 1;
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_READ, "cannot open: "
		    "%s", open_why(errno));
	}
	return fd;
}

/* Hashes f without reading it into memory (media and other files). */
static int
hash_stream(struct vb *v, struct bfile *f)
{
	struct bc_file_hash *fh;
	struct bc_err e = { 0 };
	int fd, r;

	if (f == NULL || !f->present || f->unreadable)
		return 0;
	if (f->hashed)
		return 1;
	if ((fd = open_member(v, f)) == -1)
		return 0;
	if ((fh = malloc(sizeof(*fh))) == NULL) {
		close(fd);
		v->fatal = BC_ERR_NOMEM;
		return 0;
	}
	r = bc_hash_fd(fd, f->path, fh, NULL, NULL, &e);
	close(fd);
	if (r == 0) {
		memcpy(f->sha256, fh->sha256, sizeof(f->sha256));
		f->size = fh->size;
		f->hashed = 1;
	} else if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO) {
		v->fatal = r;
	} else {
		f->unreadable = 1;
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_READ, "%s", e.msg);
	}
	free(fh);
	return r == 0;
}

/* Whether path is one of the records the format reads into memory. */
static int
is_record_path(const char *path)
{
	static const char *const top[] = { "checkpoint", "anchor.pub",
	    "keys.jsonl", "release.json", "release.sig", "proofs.json",
	    "proofs.txt" };
	static const char *const item[] = { "manifest.json", "manifest.sig",
	    "custody.jsonl", "proofs.json", "proofs.txt",
	    "parent/manifest.json", "parent/manifest.sig",
	    "parent/derive.jsonl" };
	const char *s;
	size_t i;

	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (strcmp(path, top[i]) == 0)
			return 1;
	if (strncmp(path, "signers/", 8) == 0)
		return strchr(path + 8, '/') == NULL;
	if (strncmp(path, "proofs/", 7) == 0)
		return strchr(path + 7, '/') == NULL;
	if (strncmp(path, "timestamps/", 11) == 0)
		return strchr(path + 11, '/') == NULL;
	if (strncmp(path, "items/", 6) != 0 ||
	    (s = strchr(path + 6, '/')) == NULL)
		return 0;
	if (strncmp(s + 1, "proofs/", 7) == 0)
		return strchr(s + 8, '/') == NULL;
	for (i = 0; i < sizeof(item) / sizeof(item[0]); i++)
		if (strcmp(s + 1, item[i]) == 0)
			return 1;
	return 0;
}

/* Whether path is where the format keeps a record's tlog proof. */
static int
is_tlog_proof_path(const char *path)
{
	size_t n = strlen(path), k = sizeof(".tlog-proof") - 1;

	return is_record_path(path) && strstr(path, "proofs/") != NULL &&
	    n > k && strcmp(path + n - k, ".tlog-proof") == 0;
}

/* Adds a file found by the walk or listed in SHA256SUMS. */
static struct bfile *
add_file(struct bfile **arr, size_t *n, size_t *cap, const char *path,
    size_t len)
{
	struct bfile *tmp, *f;

	if ((tmp = bc_grow(*arr, cap, *n + 1, sizeof(*tmp))) == NULL)
		return NULL;
	*arr = tmp;
	f = &(*arr)[*n];
	memset(f, 0, sizeof(*f));
	if ((f->path = strndup(path, len)) == NULL)
		return NULL;
	(*n)++;
	return f;
}

struct walk {
	struct bfile	*files;
	size_t		 n, cap;
	size_t		 entries;
	int		 stopped;
};

/* Walks the directory dirfd (prefix: its path in the bundle). */
static void
walk(struct vb *v, struct walk *w, int dirfd, const char *prefix, int depth)
{
	char path[MAX_PATH + NAME_MAX + 2];
	struct dirent *de;
	struct stat st;
	const char *why;
	DIR *d;
	int fd;

	if ((d = fdopendir(dirfd)) == NULL) {
		fail(v, LVL_INTEGRITY, prefix, BC_CHECK_READ, "cannot read the "
		    "directory: %s", strerror(errno));
		close(dirfd);
		return;
	}
	while (!w->stopped && v->fatal == 0) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				fail(v, LVL_INTEGRITY, prefix, BC_CHECK_READ,
				    "cannot read the directory: %s",
				    strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > BC_BUNDLE_MAX_FILES) {
			fail(v, LVL_INTEGRITY, "", BC_CHECK_TOO_MANY_FILES,
			    "more than %d files and directories; the rest are "
			    "not checked", BC_BUNDLE_MAX_FILES);
			w->stopped = 1;
			break;
		}
		snprintf(path, sizeof(path), "%s%s%s", prefix,
		    prefix[0] ? "/" : "", de->d_name);
		if ((why = path_problem(path, strlen(path))) != NULL) {
			fail(v, LVL_INTEGRITY, path, BC_CHECK_FILE_NAME, "%s",
			    why);
			continue;
		}
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1) {
			fail(v, LVL_INTEGRITY, path, BC_CHECK_READ, "%s",
			    strerror(errno));
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			fail(v, LVL_INTEGRITY, path, BC_CHECK_SYMLINK, "a "
			    "symbolic link: a bundle holds only regular files");
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= MAX_DEPTH) {
				fail(v, LVL_INTEGRITY, path, BC_CHECK_FILE_TYPE,
				    "directories nested too deep");
				continue;
			}
			fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1) {
				fail(v, LVL_INTEGRITY, path, BC_CHECK_READ,
				    "cannot open the directory: %s",
				    open_why(errno));
				continue;
			}
			walk(v, w, fd, path, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			if (add_file(&w->files, &w->n, &w->cap, path,
			    strlen(path)) == NULL)
				v->fatal = BC_ERR_NOMEM;
			else
				w->files[w->n - 1].present = 1;
		} else {
			fail(v, LVL_INTEGRITY, path, BC_CHECK_FILE_TYPE, "not "
			    "a regular file or a directory");
		}
	}
	closedir(d);
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * SHA256SUMS, strictly: "<64 lower-case hex>  <path>\n" lines, paths
 * sorted bytewise without repeats, SHA256SUMS itself not among them.  A
 * bad line is reported and left out.
 */
static void
parse_sums(struct vb *v, const char *data, size_t len, struct walk *out)
{
	const char *p = data, *end = data + len, *nl, *path, *prev = NULL;
	const char *why;
	size_t line = 0, plen, prevlen = 0, linelen;
	uint8_t want[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];
	struct bfile *f;
	int c;

	if (len == 0) {
		fail(v, LVL_INTEGRITY, "SHA256SUMS", BC_CHECK_SUMS_FORMAT,
		    "empty: it lists no file");
		return;
	}
	for (; p < end && v->fatal == 0; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			fail(v, LVL_INTEGRITY, "SHA256SUMS",
			    BC_CHECK_SUMS_FORMAT, "line %zu does not end in a "
			    "newline", line);
			return;
		}
		linelen = (size_t)(nl - p);
		if (linelen < 67 || !is_lower_hex(p, 64) || p[64] != ' ' ||
		    p[65] != ' ') {
			fail(v, LVL_INTEGRITY, "SHA256SUMS",
			    BC_CHECK_SUMS_FORMAT, "line %zu is not '<64 "
			    "lower-case hex digits>  <path>'", line);
			continue;
		}
		path = p + 66;
		plen = linelen - 66;
		if ((why = path_problem(path, plen)) != NULL) {
			fail(v, LVL_INTEGRITY, "SHA256SUMS",
			    BC_CHECK_SUMS_FORMAT, "line %zu: %s", line, why);
			continue;
		}
		if (plen == 10 && memcmp(path, "SHA256SUMS", 10) == 0) {
			fail(v, LVL_INTEGRITY, "SHA256SUMS",
			    BC_CHECK_SUMS_FORMAT, "line %zu lists SHA256SUMS "
			    "itself", line);
			continue;
		}
		if (prev != NULL) {
			c = memcmp(prev, path, prevlen < plen ? prevlen :
			    plen);
			if (c == 0)
				c = prevlen < plen ? -1 : prevlen > plen;
			if (c >= 0) {
				fail(v, LVL_INTEGRITY, "SHA256SUMS",
				    BC_CHECK_SUMS_FORMAT, "line %zu: %s", line,
				    c == 0 ? "the path is listed twice" :
				    "the paths are not sorted bytewise");
				continue;
			}
		}
		if (out->n >= BC_BUNDLE_MAX_FILES) {
			fail(v, LVL_INTEGRITY, "SHA256SUMS",
			    BC_CHECK_TOO_MANY_FILES, "more than %d lines; the "
			    "rest are not checked", BC_BUNDLE_MAX_FILES);
			return;
		}
		memcpy(hex, p, 64);
		hex[64] = '\0';
		if (bc_unhex(hex, want, sizeof(want)) != 0) {
			v->fatal = BC_ERR_INTERNAL;	/* checked above */
			return;
		}
		if ((f = add_file(&out->files, &out->n, &out->cap, path,
		    plen)) == NULL) {
			v->fatal = BC_ERR_NOMEM;
			return;
		}
		f->listed = 1;
		memcpy(f->want, want, sizeof(want));
		prev = path;
		prevlen = plen;
	}
}

/* A file measured: its hash is the one SHA256SUMS lists. */
static void
check_listed_hash(struct vb *v, const struct bfile *f)
{
	char h1[BC_SHA256_HEX], h2[BC_SHA256_HEX];

	if (!v->have_sums || !f->listed || !f->hashed ||
	    memcmp(f->sha256, f->want, BC_SHA256_LEN) == 0)
		return;
	bc_hex(f->sha256, BC_SHA256_LEN, h1);
	bc_hex(f->want, BC_SHA256_LEN, h2);
	fail(v, LVL_INTEGRITY, f->path, BC_CHECK_SHA256, "SHA-256 %.16s... "
	    "differs from %.16s... in SHA256SUMS", h1, h2);
}

/*
 * The files: the walk's and the listing's, merged by path into v->files,
 * and each held to its line.  Record files are read here, once; others
 * are hashed as a stream, media files once their size is known to be
 * the one sealed (check_item, check_deferred).
 */
static void
check_files(struct vb *v, struct walk *found)
{
	struct walk listed = { NULL, 0, 0, 0, 0 };
	struct bfile *sums = NULL, key, *all = NULL, *f;
	size_t i = 0, j = 0, n = 0;
	int c;

	if (found->n > 0)
		qsort(found->files, found->n, sizeof(*found->files),
		    path_cmp);
	key.path = (char *)"SHA256SUMS";
	if (found->n > 0)
		sums = bsearch(&key, found->files, found->n,
		    sizeof(*found->files), path_cmp);
	if (sums == NULL) {
		fail(v, LVL_INTEGRITY, "SHA256SUMS", BC_CHECK_MISSING, "the "
		    "bundle has no SHA256SUMS: no file can be checked");
	} else if (load(v, sums) != NULL) {
		v->have_sums = 1;
		parse_sums(v, sums->data, sums->len, &listed);
	}
	if (v->fatal != 0)
		goto out;

	/* merge two sorted lists; a path is in each at most once */
	if ((all = calloc(found->n + listed.n + 1, sizeof(*all))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		goto out;
	}
	while (i < found->n || j < listed.n) {
		if (i == found->n)
			c = 1;
		else if (j == listed.n)
			c = -1;
		else
			c = strcmp(found->files[i].path, listed.files[j].path);
		if (c < 0) {
			all[n++] = found->files[i++];
		} else if (c > 0) {
			all[n++] = listed.files[j++];
		} else {
			all[n] = found->files[i++];
			all[n].listed = 1;
			memcpy(all[n++].want, listed.files[j].want,
			    BC_SHA256_LEN);
			free(listed.files[j++].path);
		}
	}
	free(found->files);
	found->files = NULL;
	found->n = 0;
	free(listed.files);
	listed.files = NULL;
	listed.n = 0;
	v->files = all;
	v->nfiles = n;
	if ((f = find(v, "SHA256SUMS")) != NULL)
		f->used = 1;

	v->rep->nfiles = 0;
	for (i = 0; i < v->nfiles && v->fatal == 0; i++) {
		f = &v->files[i];
		if (f->listed)
			v->rep->nfiles++;
		if (!v->have_sums || strcmp(f->path, "SHA256SUMS") == 0)
			continue;
		if (f->listed && !f->present) {
			fail(v, LVL_INTEGRITY, f->path, BC_CHECK_MISSING,
			    "listed in SHA256SUMS but not in the bundle");
			continue;
		}
		if (!f->listed) {
			fail(v, LVL_INTEGRITY, f->path, BC_CHECK_EXTRA_FILE,
			    "extra file: not listed in SHA256SUMS");
			continue;
		}
		if (strncmp(f->path, "media/", 6) == 0) {
			/* its size is held to the seal first (check_item) */
			f->deferred = 1;
			continue;
		}
		if (is_record_path(f->path))
			(void)load(v, f);
		else
			(void)hash_stream(v, f);
		check_listed_hash(v, f);
	}
	if (!v->have_sums)
		v->rep->nfiles = v->nfiles;
 out:
	for (i = 0; i < listed.n; i++)
		free(listed.files[i].path);
	free(listed.files);
}

/*
 * A file the format needs: NULL, after reporting it, when it is not
 * there (a file listed but missing has been reported already).
 */
static struct bfile *
need(struct vb *v, const char *path, int level)
{
	struct bfile *f = find(v, path);

	if (f != NULL)
		f->used = 1;
	if (f == NULL)
		fail(v, LVL_INTEGRITY, path, BC_CHECK_MISSING, "the bundle "
		    "format requires this file");
	if (f == NULL || !f->present) {
		if (level > LVL_INTEGRITY)
			fail(v, level, path, BC_CHECK_MISSING, "cannot be "
			    "checked: the file is missing");
		return NULL;
	}
	return f;
}

/*
 * A public key file (PEM), strictly: exactly what bodycam writes for an
 * Ed25519 key, nothing before or after.  Returns the key or NULL with why.
 */
static struct bc_key *
parse_pub(const char *data, size_t len, const char **why, int *fatal)
{
	struct bc_key *key = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *in = NULL, *out = NULL;
	uint8_t raw[BC_ED25519_PUBLEN];
	size_t rawlen = sizeof(raw);
	char *pem;
	long pemlen;

	*why = "not a PEM Ed25519 public key";
	if (len > BC_KEYFILE_MAX || memchr(data, '\0', len) != NULL)
		return NULL;
	if ((in = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (out = BIO_new(BIO_s_mem())) == NULL) {
		*fatal = BC_ERR_NOMEM;
		goto out;
	}
	if ((pkey = PEM_read_bio_PUBKEY(in, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1 ||
	    rawlen != sizeof(raw))
		goto out;
	if (PEM_write_bio_PUBKEY(out, pkey) != 1) {
		*fatal = BC_ERR_CRYPTO;
		goto out;
	}
	pemlen = BIO_get_mem_data(out, &pem);
	if (pemlen < 0 || (size_t)pemlen != len || memcmp(pem, data,
	    len) != 0) {
		*why = "not exactly one PEM public key (extra or altered "
		    "text around it)";
		goto out;
	}
	if (bc_key_from_raw(raw, &key) != 0) {
		*why = "not a valid Ed25519 public key";
		key = NULL;
	}
 out:
	EVP_PKEY_free(pkey);
	BIO_free(in);
	BIO_free(out);
	return key;
}

/* anchor.pub and every signers/<keyid>.pub. */
static void
check_keys(struct vb *v)
{
	struct signer *s;
	struct bfile *f;
	const char *why, *name;
	struct bc_key *k;
	size_t i, n = 0;

	if ((f = need(v, "anchor.pub", LVL_AUTHENTIC)) != NULL &&
	    load(v, f) != NULL) {
		v->anchor = parse_pub(f->data, f->len, &why, &v->fatal);
		if (v->anchor == NULL)
			fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_ANCHOR_KEY,
			    "%s", why);
	} else if (f != NULL) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_ANCHOR_KEY,
		    "unreadable");
	}

	for (i = 0; i < v->nfiles; i++)
		if (strncmp(v->files[i].path, "signers/", 8) == 0)
			n++;
	if (n > 0 && (v->signers = calloc(n, sizeof(*v->signers))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	for (i = 0; i < v->nfiles && v->fatal == 0; i++) {
		f = &v->files[i];
		if (strncmp(f->path, "signers/", 8) != 0)
			continue;
		name = f->path + 8;
		/* "<64 hex>.pub": anything else is not the format's */
		if (strlen(name) != 68 || strcmp(name + 64, ".pub") != 0 ||
		    !is_lower_hex(name, 64))
			continue;
		f->used = 1;
		s = &v->signers[v->nsigners++];	/* sorted, as the files */
		memcpy(s->id, name, 64);
		s->id[64] = '\0';
		if (!f->present)
			continue;
		if (load(v, f) == NULL) {
			fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_SIGNER_KEY,
			    "unreadable");
			continue;
		}
		if ((k = parse_pub(f->data, f->len, &why, &v->fatal)) ==
		    NULL) {
			fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_SIGNER_KEY,
			    "%s", why);
			continue;
		}
		if (strcmp(bc_key_id(k), s->id) != 0) {
			fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_SIGNER_KEY,
			    "the key's id is %.16s..., not the one its name "
			    "says", bc_key_id(k));
			bc_key_free(k);
			continue;
		}
		s->key = k;
	}
}

static int
signer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct signer *)a)->id,
	    ((const struct signer *)b)->id);
}

static const struct signer *
find_signer(const struct vb *v, const char *id)
{
	struct signer key;

	if (v->nsigners == 0 || !bc_is_sha256_hex(id))
		return NULL;
	memcpy(key.id, id, BC_KEYID_HEX);
	return bsearch(&key, v->signers, v->nsigners, sizeof(*v->signers),
	    signer_cmp);
}

/*
 * Whether sig over text (len bytes) is the signature of the key named id,
 * by its file in signers/; reports why not, against file.
 */
static int
check_sig(struct vb *v, const char *file, enum bc_check_id check,
    const char *what, const char *id, const char *text, size_t len,
    const uint8_t *sig)
{
	const struct signer *s;

	if (id == NULL || !bc_is_sha256_hex(id)) {
		fail(v, LVL_AUTHENTIC, file, check, "%s: the record names no "
		    "signer key id", what);
		return 0;
	}
	if ((s = find_signer(v, id)) == NULL) {
		fail(v, LVL_AUTHENTIC, file, check, "%s: its signer's key "
		    "signers/%s.pub is not in the bundle", what, id);
		return 0;
	}
	if (s->key == NULL) {
		fail(v, LVL_AUTHENTIC, file, check, "%s: its signer's key "
		    "signers/%s.pub is unusable", what, id);
		return 0;
	}
	if (bc_verify(s->key, text, len, sig, BC_ED25519_SIGLEN) != 0) {
		fail(v, LVL_AUTHENTIC, file, check, "%s: the Ed25519 "
		    "signature does not verify with key %.16s...", what, id);
		return 0;
	}
	return 1;
}

/*
 * The trusted level: the signer held role at the record's log position
 * leaf, as its inclusion proof shows it (-1: not proven), judged against
 * the key documents' proven positions.
 */
static void
check_authority(struct vb *v, const char *file, const char *what,
    const char *id, int role, int64_t leaf)
{
	struct bc_err why = { 0 };

	if (v->kr == NULL || v->kpos_bad || id == NULL || id[0] == '\0')
		return;		/* reported once, or at the signature */
	if (bc_keyring_authorised(v->kr, id, role, leaf, NULL, &why) != 0)
		fail(v, LVL_TRUSTED, file, BC_CHECK_SIGNER_AUTHORITY, "%s: %s",
		    what, why.msg);
	else
		trusted_time(v, file, what, id, leaf);	/* trusted time */
}

/*
 * Trusted time (tsa.h), for a record whose signer held its role at its
 * leaf but is revoked since: whether a time-stamped checkpoint of
 * timestamps/ from before the revocation covers it.  Not a failure
 * either way (the record counts by its place in the log, as before
 * trusted time); an entry of rep->trusted_time that says which.
 */
static void
trusted_time(struct vb *v, const char *file, const char *what,
    const char *id, int64_t leaf)
{
	const struct bc_keyring_entry *e;
	const struct bc_tsa_time *t;
	char d[BC_CHECK_DETAIL_MAX * 2];
	json_t *o;

	if ((e = bc_keyring_find(v->kr, id)) == NULL || e->revoked[0] == '\0')
		return;
	if ((t = bc_tsa_covering(&v->tt, e, leaf)) != NULL)
		snprintf(d, sizeof(d), "%s (leaf %" PRId64 "), by key %.16s... "
		    "(%s) revoked at %s: covered by timestamped checkpoint %"
		    PRId64 " at %s", what, leaf, e->id, e->name, e->revoked,
		    t->checkpoint, t->time);
	else
		snprintf(d, sizeof(d), "%s (leaf %" PRId64 "), by key %.16s... "
		    "(%s) revoked at %s: no time-stamped checkpoint from before "
		    "the revocation covers it%s; it stands on its place in the "
		    "log alone", what, leaf, e->id, e->name, e->revoked,
		    v->tt.n == 0 ? " (no checkpoint is time-stamped)" :
		    v->tsa != NULL ? "" : " (no --tsa-ca: no token is trusted)");
	if (v->rep->trusted_time == NULL &&
	    (v->rep->trusted_time = json_array()) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	if ((o = json_pack("{s:s, s:b, s:s}", "file", file, "covered",
	    t != NULL, "detail", d)) == NULL ||
	    json_array_append_new(v->rep->trusted_time, o) != 0)
		v->fatal = BC_ERR_NOMEM;
}

/*
 * A record of the bundle names the log of its checkpoint, or none (an
 * older, unbound record, which the release statement vouches for):
 * records signed for another catalog are not this agency's.
 */
static void
check_log(struct vb *v, const char *file, enum bc_check_id check,
    const char *what, const json_t *doc)
{
	struct bc_err why = { 0 };

	if (!v->cp_parsed)
		return;		/* the checkpoint's own failure says why */
	if (bc_doc_log_check(doc, v->cp.origin, -1, -1, &why) < 0)
		fail(v, LVL_AUTHENTIC, file, check, "%s: %s", what, why.msg);
}

/*
 * The standard base64 of exactly n bytes, strictly (the one encoding
 * EVP_EncodeBlock gives: no white space, canonical padding).
 */
static int
b64_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	unsigned char buf[96], enc[132];
	size_t want = (n + 2) / 3 * 4;

	if (n > 64 || slen != want)
		return -1;
	if (EVP_DecodeBlock(buf, (const unsigned char *)s, (int)slen) !=
	    (int)((n + 2) / 3 * 3))
		return -1;
	EVP_EncodeBlock(enc, buf, (int)n);
	if (memcmp(enc, s, slen) != 0)
		return -1;
	memcpy(out, buf, n);
	return 0;
}

/* One line of a JSONL record file. */
struct jline {
	const char	*body;		/* NULL when the line is malformed */
	size_t		 len;
	uint8_t		 sig[BC_ED25519_SIGLEN];
};

/*
 * Splits data into lines {"<name>":<record>,"sig":"<base64>"}; each bad
 * line is reported and kept with body NULL, so that the next lines keep
 * their places.  *out (freed by the caller) has *n lines.
 */
static int
parse_jsonl(struct vb *v, const char *file, const char *name,
    const char *data, size_t len, struct jline **out, size_t *n)
{
	static const char sigsep[] = ",\"sig\":\"";
	char head[16];
	const char *p = data, *end = data + len, *nl, *s, *q;
	struct jline *l = NULL, *tmp;
	size_t cap = 0, hlen, linelen, lineno = 0;

	*out = NULL;
	*n = 0;
	hlen = (size_t)snprintf(head, sizeof(head), "{\"%s\":", name);
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			fail(v, LVL_AUTHENTIC, file, BC_CHECK_JSONL_FORMAT,
			    "line %zu does not end in a newline", lineno);
			break;
		}
		if ((tmp = bc_grow(l, &cap, *n + 1, sizeof(*l))) == NULL) {
			free(l);
			return BC_ERR_NOMEM;
		}
		l = tmp;
		tmp = &l[(*n)++];
		memset(tmp, 0, sizeof(*tmp));
		linelen = (size_t)(nl - p);
		/* the last ',"sig":"' ends the record */
		s = NULL;
		if (linelen >= hlen + sizeof(sigsep) - 1 + 2) {
			for (q = nl - 2 - (sizeof(sigsep) - 1); q >= p + hlen;
			    q--) {
				if (memcmp(q, sigsep, sizeof(sigsep) - 1) ==
				    0) {
					s = q;
					break;
				}
			}
		}
		if (s == NULL || s == p + hlen || memcmp(p, head, hlen) != 0 ||
		    nl[-1] != '}' || nl[-2] != '"') {
			fail(v, LVL_AUTHENTIC, file, BC_CHECK_JSONL_FORMAT,
			    "line %zu is not "
			    "{\"%s\":<record>,\"sig\":\"<base64>\"}", lineno,
			    name);
			continue;
		}
		q = s + sizeof(sigsep) - 1;
		if (b64_exact(q, (size_t)(nl - 2 - q), tmp->sig,
		    BC_ED25519_SIGLEN) != 0) {
			fail(v, LVL_AUTHENTIC, file, BC_CHECK_JSONL_FORMAT,
			    "line %zu: the signature is not the base64 of 64 "
			    "bytes",
			    lineno);
			continue;
		}
		tmp->body = p + hlen;
		tmp->len = (size_t)(s - tmp->body);
	}
	*out = l;
	return 0;
}

/*
 * keys.jsonl: each line a key document signed by the key it names, kept
 * in v->kdocs (with the columns a catalog would keep, from the bytes) and
 * added to the bundle's records to prove; the keyring is built once
 * their positions are known (build_keyring).
 */
static void
load_keydocs(struct vb *v)
{
	struct bc_keydoc *docs;
	struct jline *l = NULL;
	struct bfile *f;
	uint8_t h[BC_SHA256_LEN];
	char what[64];
	const char *s;
	json_t *doc;
	size_t i, n = 0;
	int r;

	if ((f = need(v, "keys.jsonl", LVL_AUTHENTIC)) == NULL)
		return;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_KEYRING, "unreadable");
		return;
	}
	if ((r = parse_jsonl(v, f->path, "doc", f->data, f->len, &l,
	    &n)) != 0) {
		v->fatal = r;
		return;
	}
	v->klines = l;
	if (n > 0 && (v->kdocs = calloc(n, sizeof(*v->kdocs))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	v->nkdocs = n;
	for (i = 0; i < n; i++) {
		docs = &v->kdocs[i];
		docs->seq = (int64_t)i;
		docs->leaf = -1;	/* until its proof shows it */
		docs->body = (char *)(l[i].body ? l[i].body : "");
		docs->body_len = l[i].body ? l[i].len : 0;
		docs->sig = l[i].sig;
		docs->siglen = sizeof(l[i].sig);
		if (bc_sha256(docs->body, docs->body_len, h) != 0) {
			v->fatal = BC_ERR_CRYPTO;
			return;
		}
		bc_hex(h, sizeof(h), docs->hash);
		if (l[i].body != NULL && add_rec(v, &v->top, "key", (int64_t)i,
		    docs->body, docs->body_len, NULL, 0) == NULL)
			return;
		if (bc_doc_parse(docs->body, docs->body_len,
		    BC_KEY_DOC_TYPE, &doc, NULL) != 0)
			continue;	/* the build says why */
		if ((s = bc_doc_str(doc, "key")) != NULL &&
		    bc_is_sha256_hex(s))
			snprintf(docs->key, sizeof(docs->key), "%s", s);
		if ((s = bc_doc_str(doc, "signer")) != NULL &&
		    bc_is_sha256_hex(s))
			snprintf(docs->signer, sizeof(docs->signer), "%s", s);
		json_decref(doc);
		/* its signer is in signers/ too, as for every record */
		snprintf(what, sizeof(what), "key document %zu", i);
		(void)check_sig(v, f->path, BC_CHECK_KEYRING, what,
		    docs->signer, docs->body, docs->body_len, docs->sig);
	}
}

/*
 * The keyring from the key documents under the anchor, each at the leaf
 * its proof in proofs.json shows.  When a position is not proven, the
 * documents are still checked in their order (chain, signatures, an
 * admin signing each), but no signer's authority can be judged: a key's
 * authority is its place in the log.
 */
static void
build_keyring(struct vb *v)
{
	struct bc_err e = { 0 };
	const struct bc_key *anchor;
	const struct prec *p;
	size_t i, unproven = 0, first = 0;
	int r;

	if (find(v, "keys.jsonl") == NULL || v->fatal != 0)
		return;		/* reported */
	for (i = 0; i < v->top.n; i++) {
		p = &v->top.r[i];
		if (strcmp(p->kind, "key") == 0 && p->seq >= 0 &&
		    (size_t)p->seq < v->nkdocs)
			v->kdocs[p->seq].leaf = p->leaf;
	}
	for (i = 0; i < v->nkdocs; i++)
		if (v->kdocs[i].leaf < 0 && unproven++ == 0)
			first = i;
	if (v->old_format) {
		v->kpos_bad = 1;
		fail(v, LVL_TRUSTED, "keys.jsonl", BC_CHECK_KEY_POSITIONS,
		    "the bundle does not prove where its key documents are in "
		    "the log (a bundle made before release statements): no "
		    "signer's authority can be judged");
	} else if (unproven > 0) {
		v->kpos_bad = 1;
		fail(v, LVL_TRUSTED, "keys.jsonl", BC_CHECK_KEY_POSITIONS,
		    "%zu key document%s (the first: %zu) %s no proven log "
		    "position: no signer's authority can be judged", unproven,
		    unproven == 1 ? "" : "s", first, unproven == 1 ? "has" :
		    "have");
	}
	if (v->kpos_bad)	/* their order alone, for the other checks */
		for (i = 0; i < v->nkdocs; i++)
			v->kdocs[i].leaf = (int64_t)i;
	/* the recipient's anchor when the bundle states that one */
	anchor = v->anchor;
	if (anchor != NULL && v->trust != NULL &&
	    memcmp(bc_key_public(anchor), bc_key_public(v->trust),
	    BC_ED25519_PUBLEN) == 0)
		anchor = v->trust;
	if (anchor == NULL) {
		fail(v, LVL_AUTHENTIC, "keys.jsonl", BC_CHECK_KEYRING, "cannot "
		    "be checked without a valid anchor.pub");
		return;
	}
	/* the key documents name the checkpoint's log, or none (version 1) */
	r = bc_keyring_build(anchor, v->cp_parsed ? v->cp.origin : NULL, -1,
	    v->kdocs, v->nkdocs, &v->kr, &e);
	if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO)
		v->fatal = r;
	else if (r != 0)
		fail(v, LVL_AUTHENTIC, "keys.jsonl", BC_CHECK_KEYRING, "%s",
		    e.msg);
}

/*
 * The checkpoint: a signed note whose text is a checkpoint, signed under
 * its origin by a key of signers/ that the keyring makes an auditor or an
 * admin.
 */
static void
check_checkpoint(struct vb *v)
{
	const struct signer *found = NULL;
	struct bc_err why = { 0 };
	struct bfile *f;
	size_t i, tlen, tl = 0, one = 0, nsigs;
	int r, bad = 0;

	if ((f = need(v, "checkpoint", LVL_AUTHENTIC)) == NULL)
		return;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "unreadable");
		return;
	}
	if (f->len > BC_NOTE_MAX) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "more than the %d bytes of a signed note", BC_NOTE_MAX);
		return;
	}
	/* its text ends at the first blank line: no checkpoint line is empty */
	for (i = 0; i + 1 < f->len; i++)
		if (f->data[i] == '\n' && f->data[i + 1] == '\n')
			break;
	if (i + 1 >= f->len) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "not a signed note: no blank line before the signatures");
		return;
	}
	tlen = i + 1;
	if (bc_checkpoint_parse(f->data, tlen, &v->cp, &why) != 0) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "%s", why.msg);
		return;
	}
	v->cp_parsed = 1;
	for (i = 0; i < v->nsigners; i++) {
		if (v->signers[i].key == NULL)
			continue;
		r = bc_note_open(f->data, f->len, v->cp.origin,
		    v->signers[i].key, &one, &nsigs, &why);
		if (r == 0) {
			if (found == NULL) {
				found = &v->signers[i];
				tl = one;
			}
			continue;
		}
		if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO) {
			v->fatal = r;
			return;
		}
		if (r == BC_ERR_INTEGRITY && nsigs == 0)
			continue;	/* not this key's */
		if (r == BC_ERR_INTEGRITY) {
			fail(v, LVL_AUTHENTIC, f->path,
			    BC_CHECK_CHECKPOINT_SIGNATURE, "a signature of key "
			    "%.16s... does not verify", v->signers[i].id);
			bad = 1;
			continue;
		}
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "%s", why.msg);
		return;
	}
	if (found == NULL) {
		if (!bad)
			fail(v, LVL_AUTHENTIC, f->path,
			    BC_CHECK_CHECKPOINT_SIGNATURE, "not signed under "
			    "'%s' by any key in signers/", v->cp.origin);
		return;
	}
	if (tl != tlen) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_CHECKPOINT_FORMAT,
		    "the note's text is not the checkpoint");
		return;
	}
	snprintf(v->cp_signer, sizeof(v->cp_signer), "%s", found->id);
}

/*
 * Trusted time (tsa.h): timestamps/checkpoint-ID, an older checkpoint of
 * this log (signed by a key of keys.jsonl with the role), its token
 * checkpoint-ID.tsr over exactly those bytes (with --tsa-ca, signed by a
 * TSA that chains to it), and checkpoint-ID.consistency, the proof that
 * the bundle checkpoint extends it.  Each one that holds is a trusted
 * time in v->tt (without --tsa-ca none is: nothing was checked to an
 * anchor); one that does not is a "timestamp" failure.
 */
static void
check_timestamp(struct vb *v, struct bfile *f, size_t *ok)
{
	struct bc_signed_checkpoint sc;
	struct bc_tsa_token tok;
	struct bc_err why = { 0 };
	struct bc_tsa_time *t;
	struct bfile *tf, *pf;
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	char path[MAX_PATH];
	const char *p, *q;
	uint64_t id;
	size_t n = 0, i;
	int r;

	p = f->path + sizeof("timestamps/checkpoint-") - 1;
	if (bc_parse_uint(p, 1, INT64_MAX, &id) != 0)
		return;		/* not a checkpoint: unexpected */
	f->used = 1;
	snprintf(path, sizeof(path), "%s.tsr", f->path);
	tf = need(v, path, LVL_AUTHENTIC);
	snprintf(path, sizeof(path), "%s.consistency", f->path);
	pf = need(v, path, LVL_AUTHENTIC);
	if (tf == NULL || pf == NULL || load(v, f) == NULL ||
	    load(v, tf) == NULL || load(v, pf) == NULL)
		return;		/* reported */
	if (v->kr == NULL || !v->cp_parsed)
		return;		/* no checkpoint can be judged: reported */
	r = bc_tlog_checkpoint_check(v->kr, v->cp.origin, f->data, f->len,
	    &sc, &why);
	if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO) {
		v->fatal = r;
		return;
	}
	if (r != 0) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_TIMESTAMP, "not a "
		    "checkpoint of this log: %s", why.msg);
		return;
	}
	/* the consistency proof: a lowercase hex hash a line */
	if (pf->len % BC_SHA256_HEX != 0 || pf->len / BC_SHA256_HEX > 64) {
		fail(v, LVL_AUTHENTIC, pf->path, BC_CHECK_TIMESTAMP, "not a "
		    "consistency proof (hex hashes, one a line)");
		return;
	}
	n = pf->len / BC_SHA256_HEX;
	if (n > 0 && (proof = calloc(n, sizeof(*proof))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	for (i = 0, q = pf->data; i < n; i++, q += BC_SHA256_HEX) {
		char hex[BC_SHA256_HEX];

		memcpy(hex, q, BC_SHA256_HEX - 1);
		hex[BC_SHA256_HEX - 1] = '\0';
		if (q[BC_SHA256_HEX - 1] != '\n' ||
		    !is_lower_hex(hex, BC_SHA256_HEX - 1) ||
		    bc_unhex(hex, proof[i], BC_SHA256_LEN) != 0)
			break;
	}
	if (i < n || bc_merkle_verify_consistency(sc.cp.size, v->cp.size,
	    sc.cp.root, v->cp.root, proof, n) != 0 ||
	    sc.cp.size >= v->cp.size) {
		fail(v, LVL_AUTHENTIC, pf->path, BC_CHECK_TIMESTAMP, "the "
		    "bundle checkpoint is not shown to extend checkpoint %"
		    PRIu64 " (%" PRIu64 " leaves)", id, sc.cp.size);
		free(proof);
		return;
	}
	free(proof);
	r = bc_tsa_token_check((const uint8_t *)tf->data, tf->len, f->data,
	    f->len, v->tsa, &tok, &why);
	if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO) {
		v->fatal = r;
		return;
	}
	if (r != 0) {
		fail(v, r == BC_ERR_INTEGRITY && v->tsa != NULL &&
		    strstr(why.msg, "signature") != NULL ? LVL_TRUSTED :
		    LVL_AUTHENTIC, tf->path, BC_CHECK_TIMESTAMP, "%s",
		    why.msg);
		return;
	}
	t = &v->tt.t[v->tt.n++];
	memset(t, 0, sizeof(*t));
	t->checkpoint = (int64_t)id;
	t->size = sc.cp.size;
	snprintf(t->time, sizeof(t->time), "%s", tok.time);
	t->latest = tok.latest;
	t->ok = v->tsa != NULL;
	bc_tsa_token_clear(&tok);
	(*ok)++;
}

static void
check_timestamps(struct vb *v)
{
	size_t i, n = 0, ok = 0;

	for (i = 0; i < v->nfiles; i++)
		if (strncmp(v->files[i].path, "timestamps/checkpoint-", 22) ==
		    0 && strchr(v->files[i].path + 22, '.') == NULL)
			n++;
	v->tt.trusted = v->tsa != NULL;
	if (n == 0)
		return;
	if ((v->tt.t = calloc(n, sizeof(*v->tt.t))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	for (i = 0; i < v->nfiles && v->fatal == 0; i++)
		if (strncmp(v->files[i].path, "timestamps/checkpoint-", 22) ==
		    0 && strchr(v->files[i].path + 22, '.') == NULL &&
		    v->files[i].present)
			check_timestamp(v, &v->files[i], &ok);
	v->rep->ntimestamps = ok;
	v->rep->timestamps_checked = v->tsa != NULL;
}

/* The checkpoint's signer: an auditor or an admin, not revoked. */
static void
check_checkpoint_signer(struct vb *v)
{
	const struct bc_keyring_entry *e;
	const struct signer *found;
	const char *path = "checkpoint";

	if (v->cp_signer[0] == '\0' ||
	    (found = find_signer(v, v->cp_signer)) == NULL)
		return;		/* reported */
	if (v->kr == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHECKPOINT_SIGNER,
		    "signed by key %.16s..., whose role cannot be known "
		    "without the keyring", found->id);
	} else if ((e = bc_keyring_find(v->kr, found->id)) == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHECKPOINT_SIGNER,
		    "signed by key %.16s..., which keys.jsonl does not hold",
		    found->id);
	} else if ((e->role & (BC_ROLE_AUDITOR | BC_ROLE_ADMIN)) == 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHECKPOINT_SIGNER,
		    "signed by key %.16s... (%s), which is not an auditor or "
		    "admin", found->id, e->name);
	} else if (e->revoked[0] != '\0') {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHECKPOINT_SIGNER,
		    "signed by key %.16s... (%s), revoked at %s", found->id,
		    e->name, e->revoked);
	}
}

/* A record's name in messages: "manifest", "event seq 3". */
static const char *
rec_label(char *buf, size_t sz, const char *kind, int64_t seq)
{
	if (seq >= 0)
		snprintf(buf, sz, "%.24s seq %" PRId64, kind, seq);
	else
		snprintf(buf, sz, "%.24s", kind);
	return buf;
}

/* The role that may sign a manifest: a derived one also a custodian. */
static int
manifest_role(const json_t *mdoc)
{
	return json_object_get(mdoc, "derived") != NULL ?
	    BC_ROLE_INGEST | BC_ROLE_CUSTODIAN : BC_ROLE_INGEST;
}

/*
 * Adds a record to prove, signed by signer (NULL: none named) who needs
 * role; NULL when out of memory (v->fatal is set).
 */
static struct prec *
add_rec(struct vb *v, struct recs *recs, const char *kind, int64_t seq,
    const char *data, size_t len, const char *signer, int role)
{
	struct prec *tmp;

	if ((tmp = bc_grow(recs->r, &recs->cap, recs->n + 1,
	    sizeof(*tmp))) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return NULL;
	}
	recs->r = tmp;
	tmp = &recs->r[recs->n];
	memset(tmp, 0, sizeof(*tmp));
	tmp->kind = kind;
	tmp->seq = seq;
	tmp->data = data;
	tmp->len = len;
	tmp->order = recs->n++;
	tmp->leaf = -1;
	tmp->role = role;
	if (signer != NULL && bc_is_sha256_hex(signer))
		memcpy(tmp->signer, signer, BC_KEYID_HEX);
	return tmp;
}

/* Records by kind, then seq: a proof finds its record in O(log n). */
static int
prec_cmp(const void *a, const void *b)
{
	const struct prec *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Records as they were added. */
static int
prec_order_cmp(const void *a, const void *b)
{
	const struct prec *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * A manifest and its signature: canonical, signed by the key it names
 * (whose authority is judged once its proof is checked).  Returns the parsed manifest (a new
 * reference) with its hash in hash, or NULL.
 */
static json_t *
check_manifest(struct vb *v, const char *jpath, const char *spath,
    const char *kind, struct recs *recs, char hash[BC_SHA256_HEX])
{
	struct bfile *mf, *sf;
	struct bc_err why = { 0 };
	uint8_t h[BC_SHA256_LEN];
	json_t *doc = NULL;
	const char *key;

	hash[0] = '\0';
	mf = need(v, jpath, LVL_AUTHENTIC);
	sf = need(v, spath, LVL_AUTHENTIC);
	if (mf == NULL || load(v, mf) == NULL)
		return NULL;
	if (bc_sha256(mf->data, mf->len, h) != 0) {
		v->fatal = BC_ERR_CRYPTO;
		return NULL;
	}
	bc_hex(h, sizeof(h), hash);
	if (bc_doc_parse(mf->data, mf->len, BC_MANIFEST_TYPE, &doc,
	    &why) != 0) {
		fail(v, LVL_AUTHENTIC, jpath, BC_CHECK_MANIFEST_FORMAT, "%s",
		    why.msg);
		(void)add_rec(v, recs, kind, -1, mf->data, mf->len, NULL, 0);
		return NULL;
	}
	check_log(v, jpath, BC_CHECK_MANIFEST_LOG, kind, doc);
	key = bc_doc_str(doc, "registered.key");
	if (add_rec(v, recs, kind, -1, mf->data, mf->len, key,
	    manifest_role(doc)) == NULL) {
		json_decref(doc);
		return NULL;
	}
	if (sf == NULL || load(v, sf) == NULL) {
		;	/* reported */
	} else if (sf->len != BC_ED25519_SIGLEN) {
		fail(v, LVL_AUTHENTIC, spath, BC_CHECK_MANIFEST_SIGNATURE,
		    "%zu bytes, not a raw 64-byte Ed25519 signature", sf->len);
	} else {
		(void)check_sig(v, spath, BC_CHECK_MANIFEST_SIGNATURE, kind,
		    key, mf->data, mf->len, (const uint8_t *)sf->data);
	}
	return doc;
}

static int
add_hash(char (**arr)[BC_SHA256_HEX], size_t *n, size_t *cap,
    const char *hash)
{
	char (*tmp)[BC_SHA256_HEX];

	if ((tmp = bc_grow(*arr, cap, *n + 1, sizeof(*tmp))) == NULL)
		return BC_ERR_NOMEM;
	*arr = tmp;
	snprintf((*arr)[(*n)++], BC_SHA256_HEX, "%s", hash);
	return 0;
}

/* An annotate event into history as bundle.h's views give it. */
static int
annotation_add(json_t *history, const json_t *doc)
{
	const json_t *d = json_object_get(doc, "details");
	json_t *h;

	h = json_pack("{s:O, s:O?, s:O?, s:O?, s:O*, s:O*}",
	    "seq", json_object_get(doc, "seq"),
	    "at", json_object_get(doc, "at"),
	    "actor", json_object_get(doc, "actor"),
	    "reason", json_object_get(d, "reason"),
	    "set", json_object_get(d, "set"),
	    "clear", json_object_get(d, "clear"));
	return h == NULL || json_array_append_new(history, h) != 0 ? -1 : 0;
}

/* custody.jsonl: each event's format, link, signature, rule, authority. */
static void
check_custody(struct vb *v, struct item *it, const json_t *mdoc,
    struct recs *recs)
{
	struct bc_custody_state st, vs;
	struct bc_err why = { 0 };
	struct jline *l = NULL;
	struct bfile *f;
	uint8_t h[BC_SHA256_LEN];
	char path[MAX_PATH], prev[BC_SHA256_HEX], hash[BC_SHA256_HEX];
	char what[64];
	const char *sealed, *s, *action;
	json_t *doc;
	int64_t seq;
	size_t i, n = 0;
	int r, role, linked, signd;

	memset(&st, 0, sizeof(st));
	memset(&vs, 0, sizeof(vs));
	if ((it->history = json_array()) == NULL ||
	    (mdoc != NULL && (it->view = calloc(1, sizeof(*it->view))) ==
	    NULL)) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	snprintf(path, sizeof(path), "items/%s/custody.jsonl", it->id);
	if ((f = need(v, path, LVL_AUTHENTIC)) == NULL)
		goto out;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHAIN, "unreadable");
		goto out;
	}
	if ((r = parse_jsonl(v, path, "event", f->data, f->len, &l,
	    &n)) != 0) {
		v->fatal = r;
		goto out;
	}
	v->rep->nevents += n;
	if (n == 0)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_CHAIN, "no custody "
		    "events: the 'register' event is missing");
	sealed = mdoc != NULL ? bc_doc_str(mdoc, "file.sha256") : NULL;
	snprintf(prev, sizeof(prev), "%s", it->mhash);
	for (i = 0; i < n && v->fatal == 0; i++) {
		it->last[0] = '\0';
		if (l[i].body == NULL) {
			prev[0] = '\0';		/* unknown: not checked */
			if (add_hash(&it->ehash, &it->nev, &it->capev, "") != 0)
				v->fatal = BC_ERR_NOMEM;
			continue;
		}
		if (bc_sha256(l[i].body, l[i].len, h) != 0) {
			v->fatal = BC_ERR_CRYPTO;
			break;
		}
		bc_hex(h, sizeof(h), hash);
		snprintf(it->last, sizeof(it->last), "%s", hash);
		if (add_hash(&it->ehash, &it->nev, &it->capev, hash) != 0) {
			v->fatal = BC_ERR_NOMEM;
			break;
		}
		if (bc_doc_parse(l[i].body, l[i].len, BC_EVENT_TYPE, &doc,
		    &why) != 0) {
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_EVENT_FORMAT,
			    "line %zu: %s", i + 1, why.msg);
			(void)add_rec(v, recs, "event", (int64_t)i, l[i].body,
			    l[i].len, NULL, 0);
			prev[0] = '\0';
			continue;
		}
		linked = 0;
		if (bc_doc_int(doc, "seq", &seq) != 0 || seq != (int64_t)i)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_EVENT_LINK,
			    "line %zu has seq %lld where %zu was due", i + 1,
			    bc_doc_int(doc, "seq",
			    &seq) == 0 ? (long long)seq : -1LL, i);
		else if (it->mhash[0] != '\0' && ((s = bc_doc_str(doc,
		    "item")) == NULL || strcmp(s, it->mhash) != 0))
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_EVENT_LINK, "seq "
			    "%zu belongs to another item (manifest %.16s...)",
			    i, s ? s : "(none)");
		else if (prev[0] != '\0' && ((s = bc_doc_str(doc, "prev")) ==
		    NULL || strcmp(s, prev) != 0))
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_EVENT_LINK, "seq "
			    "%zu: prev %.16s... is not the %s %.16s...", i,
			    s ? s : "(none)", i == 0 ? "manifest hash" :
			    "previous event's hash", prev);
		else
			linked = it->mhash[0] != '\0' && prev[0] != '\0';
		snprintf(prev, sizeof(prev), "%s", hash);

		s = bc_doc_str(doc, "key");
		rec_label(what, sizeof(what), "event", (int64_t)i);
		check_log(v, path, BC_CHECK_EVENT_LOG, what, doc);
		signd = check_sig(v, path, BC_CHECK_EVENT_SIGNATURE, what, s,
		    l[i].body, l[i].len, l[i].sig);
		if (bc_custody_rule(&st, doc, sealed, &why) != 0)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_EVENT_RULE, "seq "
			    "%zu: %s", i, why.msg);
		action = bc_doc_str(doc, "action");
		/*
		 * The current view counts the events linked and signed, and
		 * of them the annotations that obey the rules replayed over
		 * those events alone; whether their signers held the role is
		 * the trusted level's.
		 */
		if (linked && signd && bc_custody_rule(&vs, doc, sealed,
		    NULL) == 0 && action != NULL &&
		    strcmp(action, "annotate") == 0 &&
		    annotation_add(it->history, doc) != 0) {
			v->fatal = BC_ERR_NOMEM;
			json_decref(doc);
			break;
		}
		role = bc_event_role(action);
		if (role == BC_ROLE_INGEST)	/* unknown: derived or not */
			role = mdoc != NULL ? manifest_role(mdoc) :
			    BC_ROLE_INGEST | BC_ROLE_CUSTODIAN;
		if (add_rec(v, recs, "event", (int64_t)i, l[i].body, l[i].len,
		    s, role) == NULL) {
			json_decref(doc);
			break;
		}
		/* what the release that made the bundle says of the media */
		it->media_said = 0;
		if (action != NULL && strcmp(action, "release") == 0 &&
		    (s = bc_doc_str(doc, "details.media")) != NULL)
			it->media_said = strcmp(s, "included") == 0 ? 1 :
			    strcmp(s, "omitted") == 0 ? 2 : 0;
		json_decref(doc);
	}
	it->purged = st.purged;
	free(l);
 out:
	if (it->view != NULL)
		bc_view_current(mdoc, &vs.ann, it->view);
}

/*
 * A derived item's parent/: the parent's manifest as the child's
 * "derived" seals it, and the parent's derive events naming the child.
 */
static void
check_parent(struct vb *v, struct item *it, const json_t *mdoc,
    struct recs *recs)
{
	struct bc_err why = { 0 };
	struct jline *l = NULL;
	struct bfile *f;
	uint8_t h[BC_SHA256_LEN];
	char jp[MAX_PATH], sp[MAX_PATH], dp[MAX_PATH], hash[BC_SHA256_HEX];
	const char *from, *pman, *psha, *s;
	json_t *pdoc, *doc;
	int64_t seq;
	size_t i, n = 0;
	int r;

	from = bc_doc_str(mdoc, "derived.from");
	pman = bc_doc_str(mdoc, "derived.manifest");
	psha = bc_doc_str(mdoc, "derived.sha256");
	snprintf(jp, sizeof(jp), "items/%s/parent/manifest.json", it->id);
	snprintf(sp, sizeof(sp), "items/%s/parent/manifest.sig", it->id);
	snprintf(dp, sizeof(dp), "items/%s/parent/derive.jsonl", it->id);
	if (from == NULL || pman == NULL || psha == NULL) {
		fail(v, LVL_AUTHENTIC, jp, BC_CHECK_DERIVE_PARENT, "the "
		    "manifest's 'derived' names no parent");
		return;
	}
	if ((it->derived_from = strdup(from)) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	pdoc = check_manifest(v, jp, sp, "parent-manifest", recs, hash);
	snprintf(it->pmhash, sizeof(it->pmhash), "%s", hash);
	if (hash[0] != '\0' && strcmp(hash, pman) != 0)
		fail(v, LVL_AUTHENTIC, jp, BC_CHECK_DERIVE_PARENT, "hashes to "
		    "%.16s..., not the parent manifest %.16s... that the "
		    "item's manifest seals", hash, pman);
	if (pdoc != NULL && ((s = bc_doc_str(pdoc, "id")) == NULL ||
	    strcmp(s, from) != 0 || (s = bc_doc_str(pdoc, "file.sha256")) ==
	    NULL || strcmp(s, psha) != 0))
		fail(v, LVL_AUTHENTIC, jp, BC_CHECK_DERIVE_PARENT, "its id or "
		    "file hash is not the parent's the item's manifest seals");
	json_decref(pdoc);

	if ((f = need(v, dp, LVL_AUTHENTIC)) == NULL)
		return;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, dp, BC_CHECK_DERIVE_EVENT, "unreadable");
		return;
	}
	if ((r = parse_jsonl(v, dp, "event", f->data, f->len, &l, &n)) != 0) {
		v->fatal = r;
		return;
	}
	if (n == 0)
		fail(v, LVL_AUTHENTIC, dp, BC_CHECK_DERIVE_EVENT, "no derive "
		    "event of the parent names this item");
	for (i = 0; i < n && v->fatal == 0; i++) {
		if (l[i].body == NULL)
			continue;
		if (bc_sha256(l[i].body, l[i].len, h) != 0) {
			v->fatal = BC_ERR_CRYPTO;
			break;
		}
		bc_hex(h, sizeof(h), hash);
		if (bc_doc_parse(l[i].body, l[i].len, BC_EVENT_TYPE, &doc,
		    &why) != 0) {
			fail(v, LVL_AUTHENTIC, dp, BC_CHECK_DERIVE_EVENT,
			    "line %zu: %s", i + 1, why.msg);
			continue;
		}
		if (bc_doc_int(doc, "seq", &seq) != 0 || seq < 0)
			seq = -2;	/* no proof entry can match */
		if (add_hash(&it->dhash, &it->nderive, &it->capderive,
		    hash) != 0)
			v->fatal = BC_ERR_NOMEM;
		if (v->fatal != 0 || add_rec(v, recs, "parent-event", seq,
		    l[i].body, l[i].len, bc_doc_str(doc, "key"),
		    bc_event_role("derive")) == NULL) {
			json_decref(doc);
			break;
		}
		if ((s = bc_doc_str(doc, "action")) == NULL ||
		    strcmp(s, "derive") != 0 ||
		    (s = bc_doc_str(doc, "item")) == NULL ||
		    strcmp(s, pman) != 0 ||
		    (s = bc_doc_str(doc, "details.child.manifest")) == NULL ||
		    strcmp(s, it->mhash) != 0 ||
		    (s = bc_doc_str(doc, "details.child.id")) == NULL ||
		    strcmp(s, it->id) != 0)
			fail(v, LVL_AUTHENTIC, dp, BC_CHECK_DERIVE_EVENT,
			    "line %zu is not the parent's derive event naming "
			    "this item", i + 1);
		s = bc_doc_str(doc, "key");
		(void)check_sig(v, dp, BC_CHECK_DERIVE_EVENT, "derive event", s,
		    l[i].body, l[i].len, l[i].sig);
		json_decref(doc);
	}
	free(l);
}

/* An exact set of members in a JSON object. */
static int
members_are(const json_t *o, const char *const *names, size_t n)
{
	size_t i;

	if (!json_is_object(o) || json_object_size(o) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (json_object_get(o, names[i]) == NULL)
			return 0;
	return 1;
}

/* The tlog proof file of a record of dir: dir/proofs/kind[-seq].tlog-proof. */
static void
tlog_proof_path(char *buf, size_t sz, const char *dir, const char *kind,
    int64_t seq)
{
	const char *sep = dir[0] != '\0' ? "/" : "";

	if (seq >= 0)
		snprintf(buf, sz, "%s%sproofs/%.24s-%" PRId64 ".tlog-proof",
		    dir, sep, kind, seq);
	else
		snprintf(buf, sz, "%s%sproofs/%.24s.tlog-proof", dir, sep,
		    kind);
}

/*
 * The record's c2sp.org/tlog-proof@v1 file, which must say what its
 * entry of proofs.json says (index, the proof's hashes) with the bundle's
 * checkpoint, byte for byte, so that the one signature check of
 * `checkpoint` covers it; and, on its own terms, prove the record's leaf
 * under its checkpoint's root.  A file that does not verify alone, or
 * tells another story than proofs.json, fails.
 */
/* Whether s[0..n) is only note signature lines, as note.h parses them. */
static int
sig_lines(const char *s, size_t n)
{
	const char *p, *eol, *end = s + n;

	for (p = s; p < end; p = eol + 1)
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    !bc_note_sig_line_ok(p, (size_t)(eol - p) + 1))
			return 0;
	return 1;
}

/*
 * The witness policy, on the checkpoint as the .tlog-proof files carry
 * it: a failure is of the "trusted" level, which the policy's witnesses
 * vouch for as the anchor key does for the signers.
 */
static void
check_witnesses(struct vb *v)
{
	struct bc_policy_result pr;
	struct bc_err why = { 0 };
	int r;

	if (v->witnesses == NULL)
		return;
	v->rep->witnesses_checked = 1;
	if (v->cosigned == NULL) {
		fail(v, LVL_TRUSTED, "checkpoint", BC_CHECK_WITNESS_POLICY,
		    "no .tlog-proof file carries the checkpoint, so no "
		    "cosignature was found");
		return;
	}
	r = bc_witness_policy_check(v->witnesses, v->cosigned,
	    v->cosigned_len, &pr, &why);
	v->rep->cosigned = pr.valid;
	v->rep->quorum = pr.quorum;
	if (r == BC_ERR_NOMEM || r == BC_ERR_CRYPTO)
		v->fatal = r;
	else if (r != 0)
		fail(v, LVL_TRUSTED, "proofs/release.tlog-proof",
		    BC_CHECK_WITNESS_POLICY, "%s", why.msg);
}

static void
check_tlog_proof(struct vb *v, const char *dir, const struct prec *rec,
    const char *label, uint64_t index,
    const uint8_t (*proof)[BC_SHA256_LEN], size_t n)
{
	static struct bc_tlog_proof tp;	/* 10 KiB: not on the stack */
	struct bc_checkpoint cp;
	struct bc_err why = { 0 };
	struct bfile *f, *cf;
	uint8_t leaf[BC_SHA256_LEN];
	char path[MAX_PATH];
	size_t i, tlen;
	int r;

	tlog_proof_path(path, sizeof(path), dir, rec->kind, rec->seq);
	if ((f = need(v, path, LVL_AUTHENTIC)) == NULL)
		return;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF_FORMAT,
		    "unreadable");
		return;
	}
	if (bc_tlog_proof_parse(f->data, f->len, &tp, &why) != 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF_FORMAT,
		    "%s", why.msg);
		return;
	}
	if (tp.has_extra) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF_FORMAT,
		    "extra data: not authenticated, and bodycam writes none");
		return;
	}

	/* on its own: the record's leaf under its checkpoint's root */
	for (tlen = 0; tlen + 1 < tp.notelen; tlen++)
		if (tp.note[tlen] == '\n' && tp.note[tlen + 1] == '\n')
			break;
	if (bc_checkpoint_parse(tp.note, tlen + 1, &cp, &why) != 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF_FORMAT,
		    "its checkpoint: %s", why.msg);
		return;
	}
	if (bc_merkle_leaf_hash(rec->data, rec->len, leaf) != 0) {
		v->fatal = BC_ERR_CRYPTO;
		return;
	}
	if (tp.index >= cp.size)
		r = BC_ERR_INTEGRITY;
	else
		r = bc_merkle_verify_inclusion(tp.index, cp.size, leaf,
		    (const uint8_t (*)[BC_SHA256_LEN])tp.hashes, tp.nhashes,
		    cp.root);
	if (r == BC_ERR_CRYPTO) {
		v->fatal = r;
		return;
	}
	if (r != 0)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "the %s is "
		    "not leaf %" PRIu64 " of the tree its checkpoint signs "
		    "(%" PRIu64 " leaves)", label, tp.index, cp.size);

	/*
	 * one truth: the bundle's checkpoint and proofs.json.  The note may
	 * carry witness cosignatures after the log's signature (release
	 * --witness-policy): the bundle's checkpoint, byte for byte, then
	 * only signature lines, the same in every .tlog-proof file.
	 */
	cf = find(v, "checkpoint");
	if (cf == NULL || !cf->loaded || cf->len > tp.notelen ||
	    memcmp(cf->data, tp.note, cf->len) != 0)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "its "
		    "checkpoint is not the bundle's checkpoint, byte for byte");
	else if (cf->len < tp.notelen && !sig_lines(tp.note + cf->len,
	    tp.notelen - cf->len))
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "after the "
		    "bundle's checkpoint, its note holds more than signature "
		    "lines");
	else if (v->cosigned == NULL) {
		if ((v->cosigned = malloc(tp.notelen)) == NULL) {
			v->fatal = BC_ERR_NOMEM;
			return;
		}
		memcpy(v->cosigned, tp.note, tp.notelen);
		v->cosigned_len = tp.notelen;
	} else if (v->cosigned_len != tp.notelen ||
	    memcmp(v->cosigned, tp.note, tp.notelen) != 0)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "its "
		    "checkpoint carries other cosignatures than another "
		    ".tlog-proof file of the bundle");
	if (tp.index != index)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "index %"
		    PRIu64 ", but proofs.json proves the %s at leaf %" PRIu64,
		    tp.index, label, index);
	else if (tp.nhashes != n)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_TLOG_PROOF, "%zu proof "
		    "hashes, but proofs.json has %zu for the %s", tp.nhashes,
		    n, label);
	else
		for (i = 0; i < n; i++)
			if (memcmp(tp.hashes[i], proof[i], BC_SHA256_LEN) !=
			    0) {
				fail(v, LVL_AUTHENTIC, path,
				    BC_CHECK_TLOG_PROOF, "proof hash %zu (line "
				    "%zu) is not that of proofs.json for the %s",
				    i, i + 3, label);
				break;
			}
}

/*
 * One entry of proofs.json: the record it names, its leaf hash
 * recomputed from the record's bytes, and its inclusion in the tree of
 * size leaves with root root.  txt gets the entry's line of proofs.txt.
 */
static void
check_proof(struct vb *v, const char *dir, const char *path, size_t idx,
    const json_t *o, struct recs *recs, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], struct bc_buf *txt)
{
	static const char *const names[] = { "record", "seq", "leaf_index",
	    "leaf_hash", "proof" };
	uint8_t (*proof)[BC_SHA256_LEN] = NULL, leaf[BC_SHA256_LEN];
	uint8_t want[BC_SHA256_LEN];
	const json_t *jseq, *arr, *h;
	const char *kind, *lh;
	char label[64];
	struct prec *rec = NULL, key;
	json_int_t index;
	int64_t seq;
	size_t i, n;
	int r;

	if (!members_are(o, names, sizeof(names) / sizeof(names[0])) ||
	    (kind = json_string_value(json_object_get(o, "record"))) ==
	    NULL || !json_is_integer(json_object_get(o, "leaf_index")) ||
	    (lh = json_string_value(json_object_get(o, "leaf_hash"))) ==
	    NULL || !json_is_array(arr = json_object_get(o, "proof"))) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "record "
		    "%zu is not {record, seq, leaf_index, leaf_hash, proof}",
		    idx);
		return;
	}
	jseq = json_object_get(o, "seq");
	if (json_is_null(jseq))
		seq = -1;
	else if (json_is_integer(jseq) && json_integer_value(jseq) >= 0)
		seq = json_integer_value(jseq);
	else
		seq = -3;
	index = json_integer_value(json_object_get(o, "leaf_index"));
	n = json_array_size(arr);

	/* the line proofs.txt has for it */
	if (seq >= 0)
		bc_buf_printf(txt, "%s %" PRId64 " %lld %s", kind, seq,
		    (long long)index, lh);
	else
		bc_buf_printf(txt, "%s - %lld %s", kind, (long long)index, lh);
	for (i = 0; i < n; i++)
		bc_buf_printf(txt, " %s", json_is_string(h = json_array_get(arr,
		    i)) ? json_string_value(h) : "?");
	if (bc_buf_addch(txt, '\n') != 0) {
		v->fatal = txt->err;
		return;
	}

	key.kind = kind;
	key.seq = seq;
	if (recs->n > 0)
		rec = bsearch(&key, recs->r, recs->n, sizeof(*recs->r),
		    prec_cmp);
	if (rec == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "record "
		    "%zu (%s) is not one of the records this file proves", idx,
		    rec_label(label, sizeof(label), kind, seq));
		return;
	}
	if (rec->proved++) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "record "
		    "%zu: a second proof of the %s", idx, kind);
		return;
	}
	rec_label(label, sizeof(label), kind, seq);
	if (n > BC_MERKLE_MAX_PROOF || index < 0 || (uint64_t)index >= size) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOF_INCLUSION, "%s: "
		    "leaf %lld is not in a tree of %" PRIu64 " leaves", label,
		    (long long)index, size);
		return;
	}
	if (bc_merkle_leaf_hash(rec->data, rec->len, leaf) != 0) {
		v->fatal = BC_ERR_CRYPTO;
		return;
	}
	if (!bc_is_sha256_hex(lh) || bc_unhex(lh, want, sizeof(want)) != 0 ||
	    memcmp(want, leaf, sizeof(leaf)) != 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOF_LEAF, "%s: the "
		    "leaf hash is not that of the record's bytes", label);
		return;
	}
	if (n > 0 && (proof = calloc(n, sizeof(*proof))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		h = json_array_get(arr, i);
		if (!json_is_string(h) ||
		    !bc_is_sha256_hex(json_string_value(h)) ||
		    bc_unhex(json_string_value(h), proof[i],
		    BC_SHA256_LEN) != 0) {
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT,
			    "record %zu: proof hash %zu is not 64 lower-case "
			    "hex digits", idx, i);
			goto out;
		}
	}
	r = bc_merkle_verify_inclusion((uint64_t)index, size, leaf,
	    (const uint8_t (*)[BC_SHA256_LEN])proof, n, root);
	if (r == BC_ERR_CRYPTO)
		v->fatal = r;
	else if (r != 0)
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOF_INCLUSION, "%s: "
		    "leaf %lld is not included under the checkpoint's root",
		    label, (long long)index);
	else
		rec->leaf = index;	/* where authority is judged */
	if (v->fatal == 0)
		check_tlog_proof(v, dir, rec, label, (uint64_t)index,
		    (const uint8_t (*)[BC_SHA256_LEN])proof, n);
	goto out;
 nomem:
	v->fatal = BC_ERR_NOMEM;
 out:
	free(proof);
}

/*
 * dir/proofs.json (and proofs.txt, the same in lines): every record of
 * recs proved once, in the tree of the checkpoint; dir is an item's
 * directory, or "" for the bundle's own records.  recs are left in the
 * order they were added, each with its proven leaf.
 */
static void
check_proofs(struct vb *v, const char *dir, struct recs *recs)
{
	static const char *const names[] = { "size", "root", "records" };
	struct bc_err why = { 0 };
	struct bfile *f, *tf, *pf;
	struct bc_buf txt = BC_BUF_INIT(MAX_LOADED);
	char path[MAX_PATH], tpath[MAX_PATH], ppath[MAX_PATH], label[64];
	char root64[ROOT_B64_LEN + 1];
	uint8_t root[BC_SHA256_LEN];
	const json_t *recarr, *jsize;
	const char *sroot;
	json_t *doc = NULL;
	uint64_t size;
	size_t i;

	snprintf(path, sizeof(path), "%s%sproofs.json", dir, dir[0] ? "/" :
	    "");
	snprintf(tpath, sizeof(tpath), "%s%sproofs.txt", dir, dir[0] ? "/" :
	    "");
	tf = need(v, tpath, LVL_AUTHENTIC);	/* the same, in lines */
	/* each record's tlog proof is a file of the format, whatever fails */
	for (i = 0; i < recs->n; i++) {
		tlog_proof_path(label, sizeof(label), "", recs->r[i].kind,
		    recs->r[i].seq);
		snprintf(ppath, sizeof(ppath), "%s%s%s", dir, dir[0] ? "/" :
		    "", label);
		if ((pf = find(v, ppath)) != NULL)
			pf->used = 1;
	}
	if ((f = need(v, path, LVL_AUTHENTIC)) == NULL)
		goto out;
	if (load(v, f) == NULL) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT,
		    "unreadable");
		goto out;
	}
	if (f->len == 0 || f->data[f->len - 1] != '\n' ||
	    bc_json_parse(f->data, f->len, &doc, &why) != 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "%s",
		    why.msg[0] ? why.msg : "does not end in a newline");
		goto out;
	}
	jsize = json_object_get(doc, "size");
	if (!members_are(doc, names, 3) || !json_is_integer(jsize) ||
	    json_integer_value(jsize) < 0 ||
	    (sroot = json_string_value(json_object_get(doc, "root"))) ==
	    NULL || !json_is_array(recarr = json_object_get(doc,
	    "records"))) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "not "
		    "{size, root, records}");
		goto out;
	}
	size = (uint64_t)json_integer_value(jsize);
	if (b64_exact(sroot, strlen(sroot), root, sizeof(root)) != 0) {
		fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_FORMAT, "root is "
		    "not the base64 of 32 bytes");
		goto out;
	}
	if (v->cp_parsed) {
		EVP_EncodeBlock((unsigned char *)root64, v->cp.root,
		    BC_SHA256_LEN);
		if (size != v->cp.size || strcmp(sroot, root64) != 0) {
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOFS_CHECKPOINT,
			    "size %" PRIu64 " and root %.12s... are not the "
			    "checkpoint's (%" PRIu64 ", %.12s...)", size,
			    sroot, v->cp.size, root64);
			v->cp_mismatch++;
		}
		/* proved against the checkpoint, whatever this file says */
		size = v->cp.size;
		memcpy(root, v->cp.root, sizeof(root));
	}
	if (recs->n > 0)
		qsort(recs->r, recs->n, sizeof(*recs->r), prec_cmp);
	for (i = 0; i < json_array_size(recarr) && v->fatal == 0; i++)
		check_proof(v, dir, path, i, json_array_get(recarr, i), recs,
		    size, root, &txt);
	for (i = 0; i < recs->n; i++)
		if (!recs->r[i].proved)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_PROOF_MISSING,
			    "no inclusion proof of the %s", rec_label(label,
			    sizeof(label), recs->r[i].kind, recs->r[i].seq));
	if (tf != NULL && load(v, tf) != NULL && v->fatal == 0 &&
	    (tf->len != txt.len || (txt.len > 0 && memcmp(tf->data, txt.p,
	    txt.len) != 0)))
		fail(v, LVL_AUTHENTIC, tpath, BC_CHECK_PROOFS_TEXT, "differs "
		    "from proofs.json");
 out:
	if (recs->n > 0)
		qsort(recs->r, recs->n, sizeof(*recs->r), prec_order_cmp);
	bc_buf_free(&txt);
	json_decref(doc);
}

/* The file of dir that holds a record of kind. */
static void
rec_file(char *buf, size_t sz, const char *dir, const char *kind)
{
	static const struct {
		const char	*kind, *file;
	} files[] = {
		{ "manifest", "manifest.json" },
		{ "event", "custody.jsonl" },
		{ "parent-manifest", "parent/manifest.json" },
		{ "parent-event", "parent/derive.jsonl" },
		{ "key", "keys.jsonl" },
		{ "release", "release.json" },
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(kind, files[i].kind) == 0)
			break;
	snprintf(buf, sz, "%s%s%s", dir, dir[0] ? "/" : "",
	    i < sizeof(files) / sizeof(files[0]) ? files[i].file : kind);
}

/* The trusted level for recs: each signer at its record's proven leaf. */
static void
check_authorities(struct vb *v, const char *dir, const struct recs *recs)
{
	const struct prec *p;
	char file[MAX_PATH], what[64];
	size_t i;

	for (i = 0; i < recs->n; i++) {
		p = &recs->r[i];
		if (p->role == 0)
			continue;
		rec_file(file, sizeof(file), dir, p->kind);
		if (strcmp(p->kind, "parent-event") == 0)
			snprintf(what, sizeof(what), "derive event");
		else if (strcmp(p->kind, "release") == 0)
			snprintf(what, sizeof(what), "release statement");
		else if (strstr(p->kind, "manifest") != NULL)
			snprintf(what, sizeof(what), "manifest");
		else
			rec_label(what, sizeof(what), p->kind, p->seq);
		check_authority(v, file, what, p->signer, p->role, p->leaf);
	}
}

/*
 * release.json and release.sig: the release statement, canonical, signed
 * by the key it names (an auditor at its leaf, judged with the bundle's
 * other records), naming each item once.  It is added to the bundle's
 * records to prove, and kept in v->rel.
 */
static void
check_statement(struct vb *v)
{
	static const char *const inames[] = { "id", "manifest", "release" };
	struct bc_err why = { 0 };
	struct bfile *f, *sf;
	const json_t *items, *o;
	const char *key, *s, *t;
	json_t *doc = NULL;
	int64_t ndocs;
	size_t i, j;

	f = need(v, "release.json", LVL_AUTHENTIC);
	sf = need(v, "release.sig", LVL_AUTHENTIC);
	if (f == NULL || load(v, f) == NULL)
		return;
	if (bc_doc_parse(f->data, f->len, BC_RELEASE_DOC_TYPE, &doc,
	    &why) != 0) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_RELEASE_STATEMENT,
		    "%s", why.msg);
		(void)add_rec(v, &v->top, "release", -1, f->data, f->len, NULL,
		    0);
		return;
	}
	key = bc_doc_str(doc, "key");
	if (bc_doc_log(doc) == NULL)
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_RELEASE_STATEMENT,
		    "the statement names no log (a release statement is always "
		    "version 2)");
	else
		check_log(v, f->path, BC_CHECK_RELEASE_STATEMENT, "release "
		    "statement", doc);
	if (add_rec(v, &v->top, "release", -1, f->data, f->len, key,
	    BC_ROLE_AUDITOR) == NULL)
		goto out;
	if (sf == NULL || load(v, sf) == NULL) {
		;	/* reported */
	} else if (sf->len != BC_ED25519_SIGLEN) {
		fail(v, LVL_AUTHENTIC, sf->path, BC_CHECK_RELEASE_SIGNATURE,
		    "%zu bytes, not a raw 64-byte Ed25519 signature", sf->len);
	} else {
		(void)check_sig(v, sf->path, BC_CHECK_RELEASE_SIGNATURE,
		    "release statement", key, f->data, f->len,
		    (const uint8_t *)sf->data);
	}
	items = json_object_get(doc, "items");
	if ((s = bc_doc_str(doc, "media")) == NULL ||
	    (strcmp(s, "included") != 0 && strcmp(s, "omitted") != 0) ||
	    bc_doc_int(doc, "keys.docs", &ndocs) != 0 || ndocs < 0 ||
	    (s = bc_doc_str(doc, "keys.head")) == NULL ||
	    !bc_is_sha256_hex(s) || !json_is_array(items) ||
	    json_array_size(items) == 0) {
		fail(v, LVL_AUTHENTIC, f->path, BC_CHECK_RELEASE_STATEMENT,
		    "not a release statement: it lacks media, keys or items");
		goto out;
	}
	for (i = 0; i < json_array_size(items); i++) {
		o = json_array_get(items, i);
		if (!members_are(o, inames, 3) ||
		    (s = json_string_value(json_object_get(o, "id"))) ==
		    NULL || !bc_is_sha256_hex(json_string_value(
		    json_object_get(o, "manifest"))) ||
		    !bc_is_sha256_hex(json_string_value(json_object_get(o,
		    "release")))) {
			fail(v, LVL_AUTHENTIC, f->path,
			    BC_CHECK_RELEASE_STATEMENT, "item %zu is not {id, "
			    "manifest, release}", i + 1);
			goto out;
		}
		for (j = 0; j < i; j++) {
			t = json_string_value(json_object_get(
			    json_array_get(items, j), "id"));
			if (strcmp(s, t) == 0) {
				fail(v, LVL_AUTHENTIC, f->path,
				    BC_CHECK_RELEASE_STATEMENT, "names item "
				    "%.64s twice", s);
				goto out;
			}
		}
	}
	v->rel = doc;
	doc = NULL;
 out:
	json_decref(doc);
}

/*
 * The statement's place: the checkpoint is the one signed with the
 * release, whose last record is the statement; and the keyring it names
 * is the one keys.jsonl holds (a revocation left out would show).
 */
static void
check_statement_place(struct vb *v)
{
	const struct prec *p = NULL;
	const char *head;
	char have[BC_SHA256_HEX];
	int64_t ndocs;
	size_t i;

	if (v->rel == NULL)
		return;
	for (i = 0; i < v->top.n; i++)
		if (strcmp(v->top.r[i].kind, "release") == 0)
			p = &v->top.r[i];
	if (p != NULL && p->leaf >= 0 && v->cp_parsed &&
	    (uint64_t)p->leaf + 1 != v->cp.size)
		fail(v, LVL_AUTHENTIC, "checkpoint",
		    BC_CHECK_RELEASE_CHECKPOINT, "a tree of %" PRIu64
		    " records, and the release statement is leaf %" PRId64 ": "
		    "not the checkpoint signed with the release, whose last "
		    "record is the statement", v->cp.size, p->leaf);
	if (find(v, "keys.jsonl") == NULL)
		return;		/* reported */
	(void)bc_doc_int(v->rel, "keys.docs", &ndocs);
	head = bc_doc_str(v->rel, "keys.head");
	if (v->nkdocs > 0)
		snprintf(have, sizeof(have), "%s",
		    v->kdocs[v->nkdocs - 1].hash);
	else
		snprintf(have, sizeof(have), "%s", v->anchor != NULL ?
		    bc_key_id(v->anchor) : "");
	if ((int64_t)v->nkdocs != ndocs || strcmp(have, head) != 0)
		fail(v, LVL_AUTHENTIC, "keys.jsonl", BC_CHECK_RELEASE_KEYS,
		    "%zu key documents ending in %.16s..., and the release "
		    "statement names %" PRId64 " ending in %.16s...: a key "
		    "document is missing or added", v->nkdocs, have, ndocs,
		    head);
}

static int item_cmp(const void *, const void *);

/*
 * The items are those of the statement, each whole: its manifest the one
 * named, its chain ending with the release event named.  What a cut
 * bundle lacks (an item, the events after an earlier release) shows here.
 */
static void
check_release_items(struct vb *v)
{
	const json_t *items, *o;
	struct item key, *it;
	char path[MAX_PATH];
	const char *id, *s;
	size_t i;

	if (v->rel == NULL)
		return;
	items = json_object_get(v->rel, "items");
	for (i = 0; i < json_array_size(items); i++) {
		o = json_array_get(items, i);
		id = json_string_value(json_object_get(o, "id"));
		snprintf(key.id, sizeof(key.id), "%s", id);
		it = v->nitems == 0 ? NULL : bsearch(&key, v->items,
		    v->nitems, sizeof(*v->items), item_cmp);
		if (it == NULL || strcmp(it->id, id) != 0) {
			snprintf(path, sizeof(path), "items/%.64s", id);
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_RELEASE_ITEMS,
			    "the release statement names item %.64s, and the "
			    "bundle does not hold it", id);
			continue;
		}
		it->released = 1;
		s = json_string_value(json_object_get(o, "manifest"));
		snprintf(path, sizeof(path), "items/%s/manifest.json", it->id);
		if (it->mhash[0] != '\0' && strcmp(it->mhash, s) != 0)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_RELEASE_ITEMS,
			    "%s: the manifest hashes to %.16s..., not the "
			    "%.16s... that the release statement names", it->id,
			    it->mhash, s);
		s = json_string_value(json_object_get(o, "release"));
		snprintf(path, sizeof(path), "items/%s/custody.jsonl", it->id);
		if (strcmp(it->last, s) != 0)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_RELEASE_CHAIN,
			    "%s: the chain ends with %s%.16s..., not with the "
			    "release event %.16s... that the release statement "
			    "names: events are missing or replaced", it->id,
			    it->last[0] ? "event " : "(no event)", it->last, s);
	}
	for (i = 0; i < v->nitems; i++)
		if (!v->items[i].released) {
			snprintf(path, sizeof(path), "items/%s",
			    v->items[i].id);
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_RELEASE_ITEMS,
			    "%s is not an item of the release statement",
			    v->items[i].id);
		}
}

/* The first file whose path sorts at or after prefix, or NULL. */
static struct bfile *
find_after(struct vb *v, const char *prefix)
{
	size_t lo = 0, hi = v->nfiles, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v->files[mid].path, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nfiles ? &v->files[lo] : NULL;
}

/*
 * Whether media file f (present, listed or not) has the size sealed
 * (jp's file.size; -1 when it has none); reports why not.  It is not
 * read: fstat tells.
 */
static int
media_size_ok(struct vb *v, struct bfile *f, int64_t size, const char *jp)
{
	struct stat st;
	int fd;

	if (!f->present || f->unreadable)
		return 0;
	if ((fd = open_member(v, f)) == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		f->unreadable = 1;
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_FILE_TYPE, "not a "
		    "regular file");
		return 0;
	}
	close(fd);
	if (size < 0 || (uint64_t)st.st_size != (uint64_t)size) {
		f->wrong_size = 1;
		fail(v, LVL_INTEGRITY, f->path, BC_CHECK_MEDIA_SIZE, "%lld "
		    "bytes, not the %lld that %s seals", (long long)st.st_size,
		    (long long)size, jp);
		return 0;
	}
	return 1;
}

/*
 * The media files no item's check measured (another item's name, or
 * whose manifest is unreadable): held to SHA256SUMS.  One found to have
 * the wrong size is not read.
 */
static void
check_deferred(struct vb *v)
{
	struct bfile *f;
	size_t i;

	for (i = 0; i < v->nfiles && v->fatal == 0; i++) {
		f = &v->files[i];
		if (!f->deferred || f->hashed || f->wrong_size ||
		    !f->listed || !f->present)
			continue;
		if (!f->used && !v->lost_media)
			continue;	/* reported as unexpected */
		if (hash_stream(v, f))
			check_listed_hash(v, f);
	}
}

/* A media file name as release writes it: no path, not hidden. */
static int
media_name_ok(const char *s)
{
	return s != NULL && *s != '.' && strchr(s, '/') == NULL &&
	    path_problem(s, strlen(s)) == NULL;
}

/*
 * rep->views: each item's current view, as recomputed from its manifest
 * and annotations, and whether no failure touched the item's records
 * (nor went unlisted).
 */
static void
item_views(struct vb *v)
{
	struct bc_bundle_report *rep = v->rep;
	const struct item *it;
	char dir[MAX_PATH];
	json_t *o;
	size_t i, j, len;
	int ok;

	if ((rep->views = json_array()) == NULL) {
		v->fatal = BC_ERR_NOMEM;
		return;
	}
	for (i = 0; i < v->nitems; i++) {
		it = &v->items[i];
		len = (size_t)snprintf(dir, sizeof(dir), "items/%s/", it->id);
		ok = v->unlisted == 0 && it->view != NULL;
		for (j = 0; j < rep->nfailures && ok; j++)
			ok = strncmp(rep->failures[j].file, dir, len) != 0;
		o = json_pack("{s:s, s:b, s:o?, s:O?}", "id", it->id,
		    "verified", ok, "view", it->view != NULL ?
		    bc_view_json(it->view) : NULL, "history", it->history);
		if (o == NULL || json_array_append_new(rep->views, o) != 0) {
			v->fatal = BC_ERR_NOMEM;
			return;
		}
	}
}

/* items/<id>/: the manifest, its media, the chain, the parent, proofs. */
static void
check_item(struct vb *v, struct item *it)
{
	struct recs recs = { NULL, 0, 0 };
	struct bfile *mf;
	char jp[MAX_PATH], sp[MAX_PATH], h1[BC_SHA256_HEX];
	const char *s, *name;
	json_t *mdoc;
	int64_t size;
	int bad_name = 0;

	snprintf(jp, sizeof(jp), "items/%s/manifest.json", it->id);
	snprintf(sp, sizeof(sp), "items/%s/manifest.sig", it->id);
	mdoc = check_manifest(v, jp, sp, "manifest", &recs, it->mhash);
	if (mdoc != NULL && ((s = bc_doc_str(mdoc, "id")) == NULL ||
	    strcmp(s, it->id) != 0))
		fail(v, LVL_AUTHENTIC, jp, BC_CHECK_MANIFEST_ID, "the manifest "
		    "is of item %.32s, not of %s", s ? s : "(none)", it->id);

	/* the media file, against what the manifest seals */
	name = mdoc != NULL ? bc_doc_str(mdoc, "file.name") : NULL;
	if (media_name_ok(name)) {
		if (asprintf(&it->media, "media/%s", name) == -1) {
			it->media = NULL;
			v->fatal = BC_ERR_NOMEM;
			goto out;
		}
		if ((mf = find(v, it->media)) != NULL) {
			mf->used = 1;
			it->has_media = 1;
			if (bc_doc_int(mdoc, "file.size", &size) != 0)
				size = -1;
			/* the size first: a file of another size is not
			 * read at all, however large */
			if (media_size_ok(v, mf, size, jp) &&
			    hash_stream(v, mf)) {
				check_listed_hash(v, mf);
				bc_hex(mf->sha256, BC_SHA256_LEN, h1);
				s = bc_doc_str(mdoc, "file.sha256");
				if (s == NULL || strcmp(s, h1) != 0)
					fail(v, LVL_INTEGRITY, mf->path,
					    BC_CHECK_MEDIA_HASH, "SHA-256 "
					    "%.16s... is not the %.16s... that "
					    "%s seals",
					    h1, s ? s : "(none)", jp);
			}
		}
	} else if (mdoc != NULL) {
		bad_name = 1;		/* judged with the release, below */
	} else {
		/* which files are this item's is unknown: not "unexpected" */
		v->lost_media = 1;
		snprintf(sp, sizeof(sp), "items/%s/parent/", it->id);
		for (mf = find_after(v, sp); mf != NULL && mf < v->files +
		    v->nfiles && strncmp(mf->path, sp, strlen(sp)) == 0; mf++)
			mf->used = 1;
	}

	check_custody(v, it, mdoc, &recs);
	/* a release that omits the media needs no file name for them */
	if (bad_name && it->media_said != 2)
		fail(v, LVL_INTEGRITY, jp, BC_CHECK_MEDIA_MISSING, "the sealed "
		    "file name cannot name a file of the bundle");
	if (mdoc != NULL && json_object_get(mdoc, "derived") != NULL)
		check_parent(v, it, mdoc, &recs);
	snprintf(sp, sizeof(sp), "items/%s", it->id);
	if (v->fatal == 0)
		check_proofs(v, sp, &recs);
	if (v->fatal == 0)
		check_authorities(v, sp, &recs);
 out:
	json_decref(mdoc);
	free(recs.r);
}

static int
item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->id,
	    ((const struct item *)b)->id);
}

/* The items: items/<id>/ directories, sorted by id. */
static void
find_items(struct vb *v)
{
	struct item *tmp;
	const char *p, *slash;
	size_t i, len;

	for (i = 0; i < v->nfiles && v->fatal == 0; i++) {
		p = v->files[i].path;
		if (strncmp(p, "items/", 6) != 0 ||
		    (slash = strchr(p + 6, '/')) == NULL)
			continue;
		len = (size_t)(slash - (p + 6));
		if (len >= sizeof(v->items[0].id)) {
			fail(v, LVL_INTEGRITY, p, BC_CHECK_FILE_NAME, "item "
			    "directory name too long");
			continue;
		}
		if (v->nitems > 0 && strlen(v->items[v->nitems - 1].id) ==
		    len && memcmp(v->items[v->nitems - 1].id, p + 6, len) == 0)
			continue;
		if ((tmp = bc_grow(v->items, &v->capitems, v->nitems + 1,
		    sizeof(*tmp))) == NULL) {
			v->fatal = BC_ERR_NOMEM;
			return;
		}
		v->items = tmp;
		tmp = v->items;
		memset(&tmp[v->nitems], 0, sizeof(*tmp));
		memcpy(tmp[v->nitems].id, p + 6, len);
		v->nitems++;
	}
	if (v->nitems > 0)
		qsort(v->items, v->nitems, sizeof(*v->items), item_cmp);
	v->rep->nitems = v->nitems;
	if (v->nitems == 0)
		fail(v, LVL_INTEGRITY, "items", BC_CHECK_MISSING, "the bundle "
		    "holds no item");
}

static int
hash_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Across items: a derived item's parent, when in the bundle too, is the
 * same manifest, with the derive events in its chain; and media are all
 * there or, for a bundle made without them, none.
 */
static void
cross_check(struct vb *v)
{
	char path[MAX_PATH];
	struct item *it, *p, key;
	size_t i, j, nmedia = 0;

	/* each chain's hashes, sorted, for the derive events to be found */
	for (i = 0; i < v->nitems; i++)
		if (v->items[i].nev > 0)
			qsort(v->items[i].ehash, v->items[i].nev,
			    sizeof(*v->items[i].ehash), hash_cmp);
	for (i = 0; i < v->nitems; i++) {
		it = &v->items[i];
		if (it->has_media)
			nmedia++;
		if (it->derived_from == NULL)
			continue;
		snprintf(key.id, sizeof(key.id), "%s", it->derived_from);
		p = bsearch(&key, v->items, v->nitems, sizeof(*v->items),
		    item_cmp);
		if (p == NULL || p->mhash[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "items/%s/parent/manifest.json",
		    it->id);
		if (strcmp(p->mhash, it->pmhash) != 0)
			fail(v, LVL_AUTHENTIC, path, BC_CHECK_DERIVE_PARENT,
			    "not items/%s/manifest.json, the parent's manifest "
			    "in this bundle", p->id);
		snprintf(path, sizeof(path), "items/%s/parent/derive.jsonl",
		    it->id);
		for (j = 0; j < it->nderive; j++)
			if (p->nev == 0 || bsearch(it->dhash[j], p->ehash,
			    p->nev, sizeof(*p->ehash), hash_cmp) == NULL)
				fail(v, LVL_AUTHENTIC, path,
				    BC_CHECK_DERIVE_EVENT, "line %zu is not in "
				    "items/%s/custody.jsonl", j + 1, p->id);
	}
	if (v->cp_mismatch > 0)
		fail(v, LVL_AUTHENTIC, "checkpoint", BC_CHECK_CHECKPOINT_TREE,
		    "not the tree the bundle's proofs were made for (%zu "
		    "proofs.json file%s disagree%s): the checkpoint of another "
		    "log or time", v->cp_mismatch, v->cp_mismatch == 1 ? "" :
		    "s", v->cp_mismatch == 1 ? "s" : "");
	for (i = 0; i < v->nitems; i++) {
		it = &v->items[i];
		/* the signed release says whether the media were included */
		if (it->media_said == 1 && !it->has_media && it->media != NULL)
			fail(v, LVL_INTEGRITY, it->media,
			    BC_CHECK_MEDIA_MISSING, "the signed release "
			    "includes this file, and the bundle does not");
		else if (it->media_said == 2 && it->has_media)
			fail(v, LVL_INTEGRITY, it->media,
			    BC_CHECK_MEDIA_UNEXPECTED, "the signed release "
			    "omits the media, and the bundle carries this "
			    "file");
		else if (it->media_said == 0 && nmedia > 0 &&
		    !it->has_media && !it->purged && it->media != NULL)
			fail(v, LVL_INTEGRITY, it->media,
			    BC_CHECK_MEDIA_MISSING, "the bundle carries media, "
			    "but not this item's file");
	}
}

/* The trust anchor: the recipient's admin key is the bundle's. */
static void
check_trust(struct vb *v)
{
	if (v->trust == NULL) {
		fail(v, LVL_TRUSTED, "", BC_CHECK_TRUST_ANCHOR, "no trust "
		    "anchor given: --trust ADMIN.pub");
		return;
	}
	if (v->anchor == NULL) {
		fail(v, LVL_TRUSTED, "anchor.pub", BC_CHECK_TRUST_ANCHOR, "the "
		    "bundle states no usable anchor");
		return;
	}
	if (memcmp(bc_key_public(v->anchor), bc_key_public(v->trust),
	    BC_ED25519_PUBLEN) != 0)
		fail(v, LVL_TRUSTED, "anchor.pub", BC_CHECK_TRUST_ANCHOR, "the "
		    "bundle's admin key %.16s... is not the trusted key "
		    "%.16s...", bc_key_id(v->anchor), bc_key_id(v->trust));
	if (v->kr == NULL)
		fail(v, LVL_TRUSTED, "keys.jsonl", BC_CHECK_SIGNER_AUTHORITY,
		    "no keyring: no signer's authority can be checked");
}

void
bc_bundle_report_clear(struct bc_bundle_report *rep)
{
	if (rep == NULL)
		return;
	free(rep->failures);
	json_decref(rep->views);
	json_decref(rep->trusted_time);
	memset(rep, 0, sizeof(*rep));
}

int
bc_bundle_verify(const char *dir, const struct bc_key *trust,
    struct bc_bundle_report *rep, struct bc_err *err)
{
	return bc_bundle_verify_full(dir, trust, NULL, NULL, rep, err);
}

int
bc_bundle_verify_witnessed(const char *dir, const struct bc_key *trust,
    const struct bc_witness_policy *witnesses, struct bc_bundle_report *rep,
    struct bc_err *err)
{
	return bc_bundle_verify_full(dir, trust, NULL, witnesses, rep, err);
}

int
bc_bundle_verify_tsa(const char *dir, const struct bc_key *trust,
    const struct bc_tsa_trust *tsa, struct bc_bundle_report *rep,
    struct bc_err *err)
{
	return bc_bundle_verify_full(dir, trust, tsa, NULL, rep, err);
}

int
bc_bundle_verify_full(const char *dir, const struct bc_key *trust,
    const struct bc_tsa_trust *tsa, const struct bc_witness_policy *witnesses,
    struct bc_bundle_report *rep,
    struct bc_err *err)
{
	struct walk w = { NULL, 0, 0, 0, 0 };
	struct stat st;
	struct vb v;
	size_t i;
	int r, fd;

	memset(rep, 0, sizeof(*rep));
	memset(&v, 0, sizeof(v));
	v.rep = rep;
	v.trust = trust;
	v.witnesses = witnesses;
	v.tsa = tsa;
	v.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v.rootfd == -1) {
		if (errno == ENOENT)
			return bc_err_set(err, BC_ERR_NOT_FOUND, "%s: no such "
			    "directory", dir);
		if (errno == ENOTDIR)
			return bc_err_set(err, BC_ERR_INVALID, "%s: not a "
			    "directory", dir);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	}
	if (fstat(v.rootfd, &st) == -1 || !S_ISDIR(st.st_mode)) {
		close(v.rootfd);
		return bc_err_set(err, BC_ERR_INVALID, "%s: not a directory",
		    dir);
	}
	/* the walk closes the descriptor it reads; the root stays open */
	if ((fd = dup(v.rootfd)) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	walk(&v, &w, fd, "", 0);
	if (v.fatal == 0)
		check_files(&v, &w);
	if (v.fatal == 0) {
		/* instructions for people: SHA256SUMS covers them */
		(void)need(&v, "VERIFY.md", LVL_INTEGRITY);
		check_keys(&v);
	}
	if (v.fatal == 0)
		check_checkpoint(&v);
	/* the bundle's own records: key documents, the release statement */
	v.old_format = find(&v, "release.json") == NULL &&
	    find(&v, "release.sig") == NULL &&
	    find(&v, "proofs.json") == NULL && find(&v, "proofs.txt") == NULL;
	if (v.fatal == 0)
		load_keydocs(&v);
	if (v.fatal == 0 && v.old_format)
		fail(&v, LVL_AUTHENTIC, "release.json", BC_CHECK_BUNDLE_FORMAT,
		    "no release statement, and no proofs of the key documents: "
		    "a bundle made before release statements, which cannot "
		    "show that it holds every item and event released");
	else if (v.fatal == 0)
		check_statement(&v);
	if (v.fatal == 0 && !v.old_format)
		check_proofs(&v, "", &v.top);
	if (v.fatal == 0)
		build_keyring(&v);
	if (v.fatal == 0)
		check_timestamps(&v);	/* trusted time */
	if (v.fatal == 0) {
		check_checkpoint_signer(&v);
		check_statement_place(&v);
		check_authorities(&v, "", &v.top);
	}
	if (v.fatal == 0)
		find_items(&v);
	for (i = 0; i < v.nitems && v.fatal == 0; i++)
		check_item(&v, &v.items[i]);
	if (v.fatal == 0)
		check_release_items(&v);
	if (v.fatal == 0)
		cross_check(&v);
	if (v.fatal == 0)
		check_deferred(&v);
	for (i = 0; i < v.nfiles && v.fatal == 0; i++) {
		if (!v.files[i].listed || !v.files[i].present ||
		    v.files[i].used || (v.lost_media &&
		    strncmp(v.files[i].path, "media/", 6) == 0))
			continue;
		if (is_tlog_proof_path(v.files[i].path))
			fail(&v, LVL_AUTHENTIC, v.files[i].path,
			    BC_CHECK_TLOG_PROOF, "the proof of no record "
			    "that the bundle proves");
		else
			fail(&v, LVL_INTEGRITY, v.files[i].path,
			    BC_CHECK_UNEXPECTED_FILE, "listed, but not a file "
			    "of the bundle format");
	}
	if (v.fatal == 0)
		check_trust(&v);
	if (v.fatal == 0)
		check_witnesses(&v);
	if (v.fatal == 0 && v.unlisted > 0) {
		v.last = 1;
		fail(&v, v.unlisted_level, "", BC_CHECK_MORE_FAILURES, "%zu "
		    "more failures are not listed", v.unlisted);
	}
	if (v.fatal == 0)
		item_views(&v);
	if (v.fatal != 0) {
		r = bc_err_set(err, v.fatal, "%s", v.fatal == BC_ERR_NOMEM ?
		    "out of memory" : v.fatal == BC_ERR_CRYPTO ?
		    "the cryptographic library failed" : "internal error");
		bc_bundle_report_clear(rep);
		goto out;
	}
	rep->integrity = !v.failed[LVL_INTEGRITY];
	rep->authentic = !v.failed[LVL_AUTHENTIC];
	rep->trusted = trust != NULL && !v.failed[LVL_TRUSTED] &&
	    rep->authentic;
	r = 0;
 out:
	for (i = 0; i < w.n; i++)
		free(w.files[i].path);
	free(w.files);
	for (i = 0; i < v.nfiles; i++) {
		free(v.files[i].path);
		free(v.files[i].data);
	}
	free(v.files);
	for (i = 0; i < v.nsigners; i++)
		bc_key_free(v.signers[i].key);
	free(v.signers);
	for (i = 0; i < v.nitems; i++) {
		free(v.items[i].ehash);
		free(v.items[i].dhash);
		free(v.items[i].derived_from);
		free(v.items[i].media);
		free(v.items[i].view);
		json_decref(v.items[i].history);
	}
	free(v.items);
	bc_key_free(v.anchor);
	bc_keyring_free(v.kr);
	free(v.klines);
	free(v.kdocs);
	free(v.top.r);
	free(v.cosigned);
	json_decref(v.rel);
	bc_tsa_times_clear(&v.tt);
	close(v.rootfd);
	return r;
}
