/*
 * serve-bundle.c - GET /v1/releases/{id}: a release bundle, as written by
 * POST /v1/releases, sent as one archive (POSIX pax tar, or zip) that
 * libarchive makes while it is sent.
 *
 * Whoever may write into --storage must not get the service to send
 * other files: the bundle's directory is opened beneath --storage
 * without following a symbolic link (serve-api.c), must hold regular
 * files and directories only, which is checked before the answer
 * starts, and each file is opened again, beneath the bundle's directory
 * and without following a link, when its turn comes.  What changes
 * after the check (a file swapped for a link, a file cut short) ends
 * the answer with an error: the connection is closed before the
 * archive's end, so a client cannot take it for whole.
 *
 * Memory is bounded: the names of the bundle's files, one chunk of a
 * file, and what libarchive wrote for it, whatever the files' sizes.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "bodycam/bundle.h"
#include "serve-int.h"

#define CHUNK		(64 * 1024)	/* bytes of a file read at a time */
#define DEPTH_MAX	16		/* directories in directories */
/* files and directories: a bundle's files (bundle.h) and theirs */
#define ENTRIES_MAX	(2 * BC_BUNDLE_MAX_FILES)
/*
 * The most libarchive may write in one step: a header, a chunk, or the
 * end of the archive (zip's central directory, some 100 bytes a file).
 */
#define OUT_MAX		(64 * 1024 * 1024)

struct bentry {
	char		*rel;		/* relative to the bundle */
	int		 dir;
	time_t		 mtime;
};

struct bstream {
	struct bc_server *srv;
	char		 name[80];	/* the release: the archive's top */
	int		 dirfd;		/* the bundle's directory */
	struct bentry	*e;
	size_t		 n, cap;
	size_t		 next;		/* the next entry to start */
	int		 fd;		/* the file being sent, or -1 */
	uint64_t	 left;		/* its bytes still to send */
	struct archive	*a;
	locale_t	 utf8;		/* C.UTF-8, or 0 */
	struct bc_buf	 out;		/* libarchive's output, not yet sent */
	size_t		 sent;		/* of out */
	char		*chunk;
	int		 done;		/* the archive is closed */
	int		 cut;		/* no more output: it is cut short */
};

static void
bstream_free(struct bstream *b)
{
	size_t i;

	if (b == NULL)
		return;
	if (b->a != NULL) {
		/*
		 * An archive cut short gets no end: out_write refuses it.
		 * Closed all the same, as archive_write_fail would leak
		 * libarchive's output state (3.6: only close frees it).
		 */
		if (!b->done) {
			b->cut = 1;
			archive_write_close(b->a);
		}
		archive_write_free(b->a);
	}
	if (b->fd >= 0)
		close(b->fd);
	if (b->dirfd >= 0)
		close(b->dirfd);
	for (i = 0; i < b->n; i++)
		free(b->e[i].rel);
	free(b->e);
	if (b->utf8 != (locale_t)0)
		freelocale(b->utf8);
	bc_buf_free(&b->out);
	free(b->chunk);
	free(b);
}

/* Why a download stopped after its answer started: the request log. */
static void
stream_stop(struct bstream *b, const char *why, const char *rel)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "release %s: the download was cut short: "
	    "%s%s%s", b->name, rel != NULL ? rel : "", rel != NULL ? ": " : "",
	    why);
	bc_serve_log(b->srv, "%s", msg);
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bentry *)a)->rel,
	    ((const struct bentry *)b)->rel);
}

/*
 * Lists the directory dir (its path prefix, "" at the top) into b, and
 * those beneath it.  0, or -1 after a response: 409 for anything but a
 * regular file or a directory, or too many or too deep.
 */
static int
scan(struct bc_req *q, struct bstream *b, int dir, const char *prefix,
    int depth)
{
	struct bentry *tmp, *e;
	struct dirent *de;
	struct stat sb;
	char rel[PATH_MAX], clip[96];
	DIR *d;
	int fd, sub, e2, r = -1;

	/* a description of its own: readdir moves its offset */
	if ((fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		e2 = errno;
		if (fd >= 0)
			close(fd);
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "release %s: cannot read %s: %s", b->name,
		    *prefix ? prefix : "its directory", strerror(e2));
		return -1;
	}
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(rel, sizeof(rel), "%s%s%s", prefix,
		    *prefix ? "/" : "", de->d_name) >= sizeof(rel) - 128) {
			bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity",
			    "release %s: a path is too long", b->name);
			goto out;
		}
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "internal", "release %s: %s: %s", b->name,
			    bc_text_clip(rel, 64, clip, sizeof(clip)),
			    strerror(errno));
			goto out;
		}
		if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
			bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity",
			    "release %s: %s is %s; a bundle holds regular "
			    "files and directories only, and this one is not "
			    "sent", b->name, bc_text_clip(rel, 64, clip,
			    sizeof(clip)), S_ISLNK(sb.st_mode) ? "a symbolic "
			    "link" : "not a regular file");
			goto out;
		}
		if (b->n >= ENTRIES_MAX || (S_ISDIR(sb.st_mode) &&
		    depth >= DEPTH_MAX)) {
			bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity",
			    "release %s: more than %d files, or directories "
			    "deeper than %d", b->name, ENTRIES_MAX, DEPTH_MAX);
			goto out;
		}
		if ((tmp = bc_grow(b->e, &b->cap, b->n + 1,
		    sizeof(*b->e))) == NULL)
			goto nomem;
		b->e = tmp;
		e = &b->e[b->n];
		if ((e->rel = strdup(rel)) == NULL)
			goto nomem;
		e->dir = S_ISDIR(sb.st_mode);
		e->mtime = sb.st_mtime;
		b->n++;
		if (!e->dir)
			continue;
		if ((sub = openat(dirfd(d), de->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity",
			    "release %s: %s: %s", b->name, bc_text_clip(rel,
			    64, clip, sizeof(clip)), strerror(errno));
			goto out;
		}
		r = scan(q, b, sub, rel, depth + 1);
		close(sub);
		if (r != 0)
			goto out;
		r = -1;
	}
	if (errno != 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "release %s: cannot read %s: %s", b->name,
		    *prefix ? prefix : "its directory", strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
 nomem:
	bc_resp_bc(q, BC_ERR_NOMEM, NULL);
 out:
	closedir(d);
	return r;
}

/* libarchive's output: kept until the client takes it. */
static la_ssize_t
out_write(struct archive *a, void *cls, const void *p, size_t n)
{
	struct bstream *b = cls;

	if (b->cut) {
		archive_set_error(a, ECANCELED, "cut short");
		return -1;
	}
	if (bc_buf_add(&b->out, p, n) != 0) {
		archive_set_error(a, ENOMEM, "more than %d bytes in one step",
		    OUT_MAX);
		return -1;
	}
	return (la_ssize_t)n;
}

/* Writes the header of e, and opens its file. */
static int
entry_start(struct bstream *b, const struct bentry *e)
{
	struct archive_entry *ae;
	struct stat sb;
	char path[PATH_MAX + 96];
	int fd = -1, r;

	memset(&sb, 0, sizeof(sb));
	sb.st_mtime = e->mtime;
	if (!e->dir) {
		/* O_NONBLOCK: a FIFO put in the file's place must not hang
		 * us; RESOLVE_NO_SYMLINKS: nor a link lead elsewhere */
		fd = bc_open_beneath(b->dirfd, e->rel, O_RDONLY | O_CLOEXEC |
		    O_NOCTTY | O_NONBLOCK);
		if (fd < 0) {
			stream_stop(b, errno == ELOOP ? "a symbolic link now" :
			    strerror(errno), e->rel);
			return -1;
		}
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
			stream_stop(b, "no longer a regular file", e->rel);
			close(fd);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", b->name, e->rel);
	if ((ae = archive_entry_new()) == NULL) {
		stream_stop(b, "out of memory", NULL);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, e->dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ae, e->dir ? 0755 : 0644);
	archive_entry_set_size(ae, e->dir ? 0 : sb.st_size);
	archive_entry_set_mtime(ae, sb.st_mtime, 0);
	/* a warning: a name not in the locale's charset, kept as bytes */
	r = archive_write_header(b->a, ae);
	archive_entry_free(ae);
	if (r < ARCHIVE_WARN) {
		stream_stop(b, archive_error_string(b->a), e->rel);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd >= 0 && sb.st_size > 0) {
		b->fd = fd;
		b->left = (uint64_t)sb.st_size;
	} else if (fd >= 0)
		close(fd);
	return 0;
}

/* One step of the archive: a chunk of a file, a header, or its end. */
static int
stream_step(struct bstream *b)
{
	ssize_t got;
	size_t want;

	if (b->fd >= 0) {
		want = b->left < CHUNK ? (size_t)b->left : CHUNK;
		while ((got = read(b->fd, b->chunk, want)) < 0 &&
		    errno == EINTR)
			;
		if (got <= 0) {
			stream_stop(b, got == 0 ? "shorter than when it was "
			    "opened" : strerror(errno), b->e[b->next - 1].rel);
			return -1;
		}
		if (archive_write_data(b->a, b->chunk, (size_t)got) != got) {
			stream_stop(b, archive_error_string(b->a),
			    b->e[b->next - 1].rel);
			return -1;
		}
		if ((b->left -= (uint64_t)got) == 0) {
			close(b->fd);
			b->fd = -1;
		}
		return 0;
	}
	if (b->next < b->n)
		return entry_start(b, &b->e[b->next++]);
	if (archive_write_close(b->a) != ARCHIVE_OK) {
		stream_stop(b, archive_error_string(b->a), NULL);
		return -1;
	}
	b->done = 1;
	return 0;
}

/*
 * Names are bytes, UTF-8 in a bundle bodycam wrote; libarchive converts
 * them from the locale's charset (C's ASCII in the service), and writes
 * any other byte as "binary" (a pax hdrcharset header that GNU tar warns
 * of, a zip name without its UTF-8 flag).  This thread's locale is
 * C.UTF-8 while libarchive works.
 */
static locale_t
utf8_on(struct bstream *b)
{
	return b->utf8 != (locale_t)0 ? uselocale(b->utf8) : (locale_t)0;
}

static void
utf8_off(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct bstream *b = cls;
	locale_t old;
	size_t n;
	int r;

	while (b->sent == b->out.len) {
		bc_buf_truncate(&b->out, 0);
		b->sent = 0;
		if (b->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		old = utf8_on(b);
		r = stream_step(b);
		utf8_off(old);
		if (r != 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = b->out.len - b->sent;
	if (n > max)
		n = max;
	memcpy(buf, b->out.p + b->sent, n);
	b->sent += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	bstream_free(cls);
}

void
bc_bundle_send(struct bc_req *q, int dir, const char *name, int zip)
{
	struct bstream *b;
	struct MHD_Response *resp;
	struct stat sb;
	char disp[160];

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		close(dir);
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		return;
	}
	b->srv = q->srv;
	b->dirfd = dir;
	b->fd = -1;
	snprintf(b->name, sizeof(b->name), "%s", name);
	bc_buf_init(&b->out, OUT_MAX);
	/* the archive's top, "<name>/", then everything beneath it, all
	 * checked before the answer starts */
	if (fstat(dir, &sb) != 0 || (b->e = calloc(1, sizeof(*b->e))) ==
	    NULL || (b->e[0].rel = strdup("")) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	b->cap = b->n = 1;
	b->e[0].dir = 1;
	b->e[0].mtime = sb.st_mtime;
	if (scan(q, b, dir, "", 0) != 0)
		goto out;
	qsort(b->e, b->n, sizeof(*b->e), entry_cmp);	/* parents first */
	b->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if ((b->chunk = malloc(CHUNK)) == NULL ||
	    (b->a = archive_write_new()) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	if ((zip ? archive_write_set_format_zip(b->a) :
	    archive_write_set_format_pax_restricted(b->a)) != ARCHIVE_OK ||
	    (zip && archive_write_set_format_option(b->a, "zip",
	    "compression", "store") != ARCHIVE_OK) ||
	    archive_write_set_bytes_per_block(b->a, 0) != ARCHIVE_OK ||
	    archive_write_open(b->a, b, NULL, out_write, NULL) !=
	    ARCHIVE_OK) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "libarchive: %s", archive_error_string(b->a));
		goto out;
	}
	if ((resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    CHUNK, stream_read, b, stream_free)) == NULL) {
		bc_resp_bc(q, BC_ERR_NOMEM, NULL);
		goto out;
	}
	b = NULL;	/* the response owns it */
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"", name,
	    zip ? "zip" : "tar");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    zip ? "application/zip" : "application/x-tar");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
	    disp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-store");
	bc_resp_raw(q, MHD_HTTP_OK, resp);
 out:
	bstream_free(b);
}
