/*
 * purge.c - a purge that destroys the media (see purge.h).
 *
 * The order is the point: the purge event is durable before the file is
 * deleted, and the file is deleted only when it is provably the evidence
 * the signed record names.  Whoever can write the database cannot point
 * a purge at another file (the content must hash to the sealed SHA-256,
 * and the record must verify), and whoever can write the media storage
 * cannot make a purge follow a symbolic link out of place (everything
 * below works relative to the registered directory, never following the
 * last component).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/hash.h"
#include "bodycam/manifest.h"
#include "bodycam/purge.h"
#include "bodycam/text.h"
#include "bodycam/verify.h"
#include "internal.h"

/* The file open as fd, hashed: whether it is the sealed content. */
static int
sealed_content(int fd, const struct stat *st, const char *sha256,
    int64_t size, struct bc_err *err)
{
	struct bc_file_hash fh;
	struct stat after;
	char hex[BC_SHA256_HEX];
	int r;

	if ((int64_t)st->st_size != size)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the file there is "
		    "%lld bytes, not the sealed %lld: not the registered file",
		    (long long)st->st_size, (long long)size);
	if ((r = bc_hash_fd(fd, "the file", &fh, NULL, NULL, err)) != 0)
		return r;
	if (fstat(fd, &after) == -1 || !bc_stat_same(st, &after))
		return bc_err_set(err, BC_ERR_INTEGRITY, "the file changed "
		    "while it was hashed");
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	if (strcmp(hex, sha256) != 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the file there has "
		    "SHA-256 %.16s..., not the sealed %.16s...: not the "
		    "registered file", hex, sha256);
	return 0;
}

int
bc_media_destroy(const char *path, const char *sha256, int64_t size,
    int *fate, struct bc_err *err)
{
	struct stat lst, st;
	char dir[PATH_MAX], real[PATH_MAX];
	const char *base, *slash;
	int dfd = -1, fd = -1, r;

	*fate = BC_MEDIA_KEPT;
	if (path == NULL || path[0] != '/' ||
	    (slash = strrchr(path, '/')) == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) >= sizeof(dir))
		return bc_err_set(err, BC_ERR_INTEGRITY, "the registered path "
		    "is not an absolute file name");
	base = slash + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 :
	    slash - path), path);
	if (realpath(dir, real) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*fate = BC_MEDIA_ABSENT;
			return 0;
		}
		return bc_err_set(err, BC_ERR_IO, "its directory: %s",
		    strerror(errno));
	}
	if (strcmp(real, dir) != 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "its directory is "
		    "now reached through a symbolic link: nothing deleted");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "its directory: %s",
		    strerror(errno));
		goto out;
	}
	if (fstatat(dfd, base, &lst, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT) {
			*fate = BC_MEDIA_ABSENT;
			r = 0;
		} else
			r = bc_err_set(err, BC_ERR_IO, "%s", strerror(errno));
		goto out;
	}
	if (S_ISLNK(lst.st_mode) || !S_ISREG(lst.st_mode)) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s is there, not the "
		    "registered file: nothing deleted", S_ISLNK(lst.st_mode) ?
		    "a symbolic link" : "something else than a regular file");
		goto out;
	}
	/* O_NONBLOCK: should a FIFO take its place now, not to hang */
	if ((fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "cannot read it: %s",
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !bc_stat_same(&lst, &st)) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the file changed while "
		    "it was checked: nothing deleted");
		goto out;
	}
	if ((r = sealed_content(fd, &st, sha256, size, err)) != 0)
		goto out;
	/* the very file hashed is still the one at the path */
	if (fstatat(dfd, base, &lst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !bc_stat_same(&lst, &st)) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the file changed while "
		    "it was checked: nothing deleted");
		goto out;
	}
	if (unlinkat(dfd, base, 0) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "cannot delete it: %s",
		    strerror(errno));
		goto out;
	}
	*fate = BC_MEDIA_DESTROYED;
	/* the deletion, like the purge before it, survives a crash */
	if (fsync(dfd) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "deleted, but its directory "
		    "could not be synced: %s", strerror(errno));
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	return r;
}

/*
 * Whether the row's path ends in the file name the manifest seals (the
 * name of the file registered: the path's last component), so that a row
 * edited to name another file is not acted on.  The directory is the
 * catalog's word alone.  Once the item was relocated this row is not
 * used at all: the last relocate's path is signed, and may end in
 * another name (bc_purge_media).
 */
static int
sealed_name(const struct bc_item *it)
{
	const json_t *file;
	json_t *doc = NULL, *mine = NULL, *v;
	const char *k;
	int ok = 0;

	if (bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &doc, NULL) != 0 || (mine = json_object()) == NULL ||
	    bc_json_set_name(mine, "name", bc_basename(it->path)) != 0)
		goto out;
	file = json_object_get(doc, "file");
	ok = 1;
	json_object_foreach(mine, k, v)
		if (!json_equal(v, json_object_get(file, k)))
			ok = 0;
 out:
	json_decref(mine);
	json_decref(doc);
	return ok;
}

int
bc_purge_media(struct bc_catalog *cat, const char *ref, int *fate,
    int *prev, char *why, size_t whysz, struct bc_err *err)
{
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };
	const char *place;
	size_t i;
	int r;

	*fate = BC_MEDIA_NONE;
	*prev = BC_MEDIA_NONE;
	why[0] = '\0';
	memset(&vo, 0, sizeof(vo));
	memset(&rep, 0, sizeof(rep));
	vo.no_file = 1;
	rep.failures_only = 1;
	if ((r = bc_catalog_find_item(cat, ref, &it, err)) != 0 ||
	    (r = bc_verify_item(cat, it, &vo, &rep, err)) != 0)
		goto out;
	if (rep.status != 0) {
		*fate = BC_MEDIA_KEPT;
		for (i = 0; i < rep.nchecks && rep.checks[i].ok; i++)
			;
		snprintf(why, whysz, "the record does not verify (%s)",
		    i < rep.nchecks ? rep.checks[i].name : "?");
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: %s: the media at "
		    "%s is kept; run 'bodycam verify %s'", it->id, why,
		    it->path, it->id);
		goto out;
	}
	if (!rep.state.purged) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s is not purged",
		    it->id);
		goto out;
	}
	*prev = bc_media_fate_parse(rep.state.media);
	/*
	 * Where the file is: the path of the last relocate, signed and
	 * verified just now; else the registered path, the catalog's row,
	 * which must at least end in the sealed name.
	 */
	place = bc_custody_place(it, &rep.state);
	if (rep.state.path[0] == '\0' && !sealed_name(it)) {
		*fate = BC_MEDIA_KEPT;
		snprintf(why, whysz, "the catalog's path does not end in the "
		    "sealed file name");
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: %s: the media at "
		    "%s is kept", it->id, why, it->path);
		goto out;
	}
	if ((r = bc_media_destroy(place, it->sha256, it->size, fate,
	    &e)) != 0) {
		if (*fate == BC_MEDIA_KEPT)
			snprintf(why, whysz, "%s", e.msg);
		bc_err_set(err, r, "%s: the media at %s %s: %s", it->id,
		    place, *fate == BC_MEDIA_KEPT ? "was not destroyed" :
		    "was deleted", e.msg);
	}
 out:
	bc_verify_report_clear(&rep);
	bc_item_free(it);
	return r;
}

void
bc_purge_note_req(const struct bc_custody_req *purge, int fate,
    const char *why, struct bc_custody_req *note, char *buf, size_t bufsz)
{
	memset(note, 0, sizeof(*note));
	note->action = "note";
	note->actor = purge->actor;
	note->location = purge->location;
	note->media = bc_media_fate_name(fate);
	switch (fate) {
	case BC_MEDIA_DESTROYED:
		snprintf(buf, bufsz, "media destroyed");
		break;
	case BC_MEDIA_ABSENT:
		snprintf(buf, bufsz, "media already absent");
		break;
	default:
		/* at most BC_FIELD_MAX bytes, cut on a character */
		snprintf(buf, bufsz, "media kept: %s", why && why[0] ?
		    why : "not destroyed");
		break;
	}
	note->note = buf;
}

int
bc_purge_note_needed(int repeated, int fate, int prev)
{
	if (fate == BC_MEDIA_NONE)
		return 0;	/* nothing tried */
	return !repeated || fate != BC_MEDIA_ABSENT ||
	    (prev != BC_MEDIA_DESTROYED && prev != BC_MEDIA_ABSENT);
}

int
bc_purge(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    struct bc_purge_result *res, struct bc_err *err)
{
	struct bc_custody_req nq;
	struct bc_err e = { 0 };
	char why[200], text[BC_FIELD_MAX + 1];
	int prev, r, rn;

	memset(res, 0, sizeof(*res));
	res->note.seq = -1;
	if (bc_action_parse(req->action) != BC_ACT_PURGE)
		return bc_err_set(err, BC_ERR_INVALID, "not a purge");
	/* the purge first, committed; then the file */
	if ((r = bc_custody_add(cat, key, ref, req, &res->purge,
	    err)) != 0) {
		if (!res->purge.purged)
			return r;
		/* purged before, by a key that may purge now: finish it */
		res->repeated = 1;
		res->purge.seq = -1;
		res->purge.hash[0] = '\0';
	}
	r = bc_purge_media(cat, ref, &res->fate, &prev, why, sizeof(why),
	    err);
	if (!bc_purge_note_needed(res->repeated, res->fate, prev))
		return r;
	bc_purge_note_req(req, res->fate, why, &nq, text, sizeof(text));
	if ((rn = bc_custody_add(cat, key, ref, &nq, &res->note, &e)) != 0) {
		res->note.seq = -1;
		if (r == 0)
			return bc_err_set(err, rn, "%s: the media is %s, but "
			    "the note could not be recorded: %s", ref,
			    bc_media_fate_name(res->fate), e.msg);
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) -
		    strlen(err->msg), "; and no note recorded: %s", e.msg);
	}
	return r;
}
