/*
 * release.c - releasing items: verify each in full, record a passing
 * verification and the release, sign a checkpoint, and write a bundle
 * that an outsider checks offline (bundle.h has its layout).
 *
 * Order matters for "no half record": the media are copied and hashed
 * again into a temporary directory beside the destination first, outside
 * the write lock; then, in one transaction, the events and the checkpoint
 * are recorded and every small file of the bundle is written from what
 * that transaction reads; the transaction commits only when all of that
 * worked, and the directory is then renamed into place without replacing
 * anything.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bodycam/buf.h"
#include "bodycam/bundle.h"
#include "bodycam/clock.h"
#include "bodycam/custody.h"
#include "bodycam/hash.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/note.h"
#include "bodycam/tlog.h"
#include "bodycam/tsa.h"
#include "bodycam/util.h"
#include "internal.h"

#define RELEASE_MAX_ITEMS	10000
/* the most one text file of a bundle may hold */
#define BC_RELEASE_TEXT_MAX	((size_t)1 << 30)

/*
 * VERIFY.md after its header: what release writes, from docs/VERIFY.md
 * (the Makefile makes it a string); tests/cli/t-release.sh runs its sh
 * blocks literally.
 */
#include "verify-md.h"

/* One item being released. */
struct ritem {
	struct bc_item	*it;
	char		 measured[BC_SHA256_HEX];	/* by the verification */
	char		*place;		/* the file it verified: the current
					   place (custody.h) */
	json_t		*manifest;	/* parsed */
	const char	*name;		/* file.name in the manifest */
	char		 dir[64];	/* "items/BWC-000001" */
	char		 release[BC_SHA256_HEX];	/* its release event */
};

/* What a bundle is built from; paths are relative to tmp. */
struct bundle {
	char		*tmp;		/* the temporary directory */
	char		**sums;		/* "hex  path" lines */
	size_t		 nsums, capsums;
	char		 signers[256][BC_KEYID_HEX];
	size_t		 nsigners;
	struct bc_err	*err;
	struct bc_checkpoint_row cp;	/* the release's, note as stored */
};

void
bc_release_result_clear(struct bc_release_result *res)
{
	if (res == NULL)
		return;
	bc_verify_report_clear(&res->report);
	memset(res, 0, sizeof(*res));
}

/* A file name fit for media/: no path, no control, not hidden. */
static int
name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 200)
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return 0;
	return 1;
}

static int
sums_add(struct bundle *b, const char *path, const uint8_t hash[32])
{
	char hex[BC_SHA256_HEX], **tmp;
	size_t len;

	if ((tmp = bc_grow(b->sums, &b->capsums, b->nsums + 1,
	    sizeof(*tmp))) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	b->sums = tmp;
	bc_hex(hash, BC_SHA256_LEN, hex);
	len = strlen(hex) + 2 + strlen(path) + 2;
	if ((b->sums[b->nsums] = malloc(len)) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	snprintf(b->sums[b->nsums++], len, "%s  %s\n", hex, path);
	return 0;
}

/* Writes data to tmp/rel (a new file) and records its sum. */
static int
put_file(struct bundle *b, const char *rel, const void *data, size_t len,
    int sum)
{
	char path[4096];
	uint8_t h[BC_SHA256_LEN];
	const char *p = data;
	size_t off = 0;
	ssize_t n;
	int fd, e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->tmp, rel) >=
	    sizeof(path))
		return bc_err_set(b->err, BC_ERR_INVALID, "%s: path too long",
		    rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1)
		return bc_err_set(b->err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)n;
	}
	e = off < len ? errno : 0;
	if (e == 0 && fsync(fd) == -1)
		e = errno;
	if (close(fd) == -1 && e == 0)
		e = errno;
	if (e != 0)
		return bc_err_errno(b->err, e, "%s", path);
	if (!sum)
		return 0;
	if (bc_sha256(data, len, h) != 0)
		return bc_err_set(b->err, BC_ERR_CRYPTO, "SHA-256 failed");
	return sums_add(b, rel, h);
}

/* Removes tmp/rel, to be written again. */
static int
unlinkat_rel(struct bundle *b, const char *rel)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", b->tmp, rel) >=
	    sizeof(path))
		return bc_err_set(b->err, BC_ERR_INVALID, "%s: path too long",
		    rel);
	if (unlink(path) != 0)
		return bc_err_set(b->err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	return 0;
}

static int
put_dir(struct bundle *b, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", b->tmp, rel);
	if (mkdir(path, 0755) == -1)
		return bc_err_set(b->err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	return 0;
}

/* A bc_buf error r while a bundle file name was being written. */
static int
text_err(struct bc_err *err, int r, const char *name)
{
	if (r == BC_ERR_TOO_LARGE)
		return bc_err_set(err, r, "%s: over %zu MiB", name,
		    BC_RELEASE_TEXT_MAX >> 20);
	return bc_err_set(err, r, "out of memory");
}

/* A JSON document (not a signed record), with a final newline. */
static int
put_json(struct bundle *b, const char *rel, const json_t *doc)
{
	struct bc_buf t = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	char *s;
	int r;

	if ((s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	bc_buf_addstr(&t, s);
	free(s);
	if ((r = bc_buf_addch(&t, '\n')) != 0)
		r = text_err(b->err, r, rel);
	else
		r = put_file(b, rel, t.p, t.len, 1);
	bc_buf_free(&t);
	return r;
}

/* base64 of n bytes into a new string. */
static char *
b64(const void *data, size_t n)
{
	char *out;

	if (n > (size_t)INT32_MAX / 2 ||
	    (out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)n);
	return out;
}

/*
 * A line of custody.jsonl or keys.jsonl: {"<name>":<canonical>,"sig":".."}
 * appended to buf.  Returns 0 or the buffer's error.
 */
static int
jsonl_add(struct bc_buf *buf, const char *name, const char *text,
    size_t tlen, const uint8_t *sig, size_t siglen)
{
	char *s;

	if ((s = b64(sig, siglen)) == NULL)
		return BC_ERR_NOMEM;
	bc_buf_printf(buf, "{\"%s\":", name);
	bc_buf_add(buf, text, tlen);
	bc_buf_printf(buf, ",\"sig\":\"%s\"}\n", s);
	free(s);
	return buf->err;
}

static int
signer_add(struct bundle *b, const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != BC_SHA256_HEX - 1)
		return bc_err_set(b->err, BC_ERR_INTEGRITY, "a record names "
		    "no signer key");
	for (i = 0; i < b->nsigners; i++)
		if (strcmp(b->signers[i], id) == 0)
			return 0;
	if (b->nsigners == sizeof(b->signers) / sizeof(b->signers[0]))
		return bc_err_set(b->err, BC_ERR_TOO_LARGE, "more than %zu "
		    "signers in one release",
		    sizeof(b->signers) / sizeof(b->signers[0]));
	snprintf(b->signers[b->nsigners++], BC_KEYID_HEX, "%s", id);
	return 0;
}

/* Copies src to tmp/rel, hashes the copy, holds it to the sealed hash. */
static int
copy_media(struct bundle *b, const char *src, const char *rel,
    const char *sha256, int64_t size)
{
	struct bc_file_hash fh;
	char path[4096], hex[BC_SHA256_HEX], *buf;
	const size_t bufsz = 1 << 20;
	ssize_t n, w;
	size_t off;
	int in, out, r = 0;

	snprintf(path, sizeof(path), "%s/%s", b->tmp, rel);
	if ((buf = malloc(bufsz)) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		free(buf);
		return bc_err_set(b->err, BC_ERR_IO, "%s: %s", src,
		    strerror(errno));
	}
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (out == -1) {
		r = bc_err_set(b->err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		close(in);
		free(buf);
		return r;
	}
	for (;;) {
		if ((n = read(in, buf, bufsz)) == -1) {
			if (errno == EINTR)
				continue;
			r = bc_err_set(b->err, BC_ERR_IO, "%s: %s", src,
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			if ((w = write(out, buf + off, (size_t)n - off)) ==
			    -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				r = bc_err_errno(b->err, errno, "%s", path);
				break;
			}
		}
		if (r != 0)
			break;
	}
	close(in);
	free(buf);
	if (r == 0 && fsync(out) == -1)
		r = bc_err_errno(b->err, errno, "%s", path);
	if (close(out) == -1 && r == 0)
		r = bc_err_set(b->err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (r != 0)
		return r;
	/* the copy, read back, is what the recipient gets */
	if ((r = bc_hash_file(path, &fh, NULL, NULL, b->err)) != 0)
		return r;
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	if (strcmp(hex, sha256) != 0 || (int64_t)fh.size != size)
		return bc_err_set(b->err, BC_ERR_INTEGRITY, "the copy of %s "
		    "has SHA-256 %.16s..., not the sealed %.16s...; nothing "
		    "released", src, hex, sha256);
	return sums_add(b, rel, fh.sha256);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_tree(const char *path)
{
	if (path != NULL)
		(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The proof of one record, to proofs.json and proofs.txt, and as
 * dir/proofs/<what>[-<seq>].tlog-proof (c2sp.org/tlog-proof@v1, with
 * the checkpoint note as stored): one proof, written three ways.
 */
static int
add_proof(struct bundle *b, struct bc_catalog *cat,
    const struct bc_checkpoint_row *cp, const char *dir, const char *what,
    int64_t seq, int64_t leaf, const char *data, size_t len, json_t *arr,
    struct bc_buf *txt)
{
	struct bc_err *err = b->err;
	struct bc_inclusion inc;
	char hex[BC_SHA256_HEX], rel[512], *tp = NULL;
	const char *sep = dir[0] != '\0' ? "/" : "";
	json_t *o, *p;
	size_t i, tplen;
	int r;

	if (leaf < 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "a %s is not in the "
		    "log", what);
	if ((r = bc_tlog_inclusion(cat, (uint64_t)leaf, data, len, cp->size,
	    cp->root, &inc, err)) != 0)
		return r;
	if (seq >= 0)
		snprintf(rel, sizeof(rel), "%s%sproofs/%s-%" PRId64
		    ".tlog-proof", dir, sep, what, seq);
	else
		snprintf(rel, sizeof(rel), "%s%sproofs/%s.tlog-proof", dir,
		    sep, what);
	if ((r = bc_tlog_proof_format((uint64_t)leaf,
	    (const uint8_t (*)[BC_SHA256_LEN])inc.proof, inc.n, cp->note,
	    cp->note_len, &tp, &tplen, err)) != 0 ||
	    (r = put_file(b, rel, tp, tplen, 1)) != 0) {
		free(tp);
		bc_inclusion_clear(&inc);
		return r;
	}
	free(tp);
	if ((p = json_array()) == NULL) {
		bc_inclusion_clear(&inc);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	bc_hex(inc.leaf, BC_SHA256_LEN, hex);
	if (seq >= 0)
		bc_buf_printf(txt, "%s %" PRId64 " %" PRId64 " %s", what, seq,
		    leaf, hex);
	else
		bc_buf_printf(txt, "%s - %" PRId64 " %s", what, leaf, hex);
	for (i = 0; i < inc.n; i++) {
		bc_hex(inc.proof[i], BC_SHA256_LEN, hex);
		json_array_append_new(p, json_string(hex));
		bc_buf_printf(txt, " %s", hex);
	}
	if ((r = bc_buf_addch(txt, '\n')) != 0) {
		json_decref(p);
		bc_inclusion_clear(&inc);
		return text_err(err, r, "proofs.txt");
	}
	bc_hex(inc.leaf, BC_SHA256_LEN, hex);
	o = json_pack("{s:s, s:o, s:I, s:s, s:o}", "record", what, "seq",
	    seq >= 0 ? json_integer(seq) : json_null(), "leaf_index",
	    (json_int_t)leaf, "leaf_hash", hex, "proof", p);
	bc_inclusion_clear(&inc);
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * dir/proofs.json ({size, root, records: arr}, taking arr) and
 * dir/proofs.txt (txt); dir "" for the bundle's own.
 */
static int
put_proofs(struct bundle *b, const char *dir,
    const struct bc_checkpoint_row *cp, json_t *arr,
    const struct bc_buf *txt)
{
	char rel[512], root[64];
	const char *sep = dir[0] != '\0' ? "/" : "";
	json_t *doc;
	int r;

	EVP_EncodeBlock((unsigned char *)root, cp->root, BC_SHA256_LEN);
	doc = json_pack("{s:I, s:s, s:o}", "size", (json_int_t)cp->size,
	    "root", root, "records", arr);
	if (doc == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	snprintf(rel, sizeof(rel), "%s%sproofs.json", dir, sep);
	r = put_json(b, rel, doc);
	json_decref(doc);
	if (r != 0)
		return r;
	snprintf(rel, sizeof(rel), "%s%sproofs.txt", dir, sep);
	return put_file(b, rel, bc_buf_str(txt), txt->len, 1);
}

/* The files of one item; its parent's too, when it is derived. */
static int
put_item(struct bundle *b, struct bc_catalog *cat,
    const struct bc_checkpoint_row *cp, struct ritem *ri)
{
	struct bc_event *ev = NULL, *pev = NULL;
	struct bc_item *parent = NULL;
	json_t *arr = NULL, *doc = NULL, *pdoc = NULL;
	struct bc_buf lines = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	struct bc_buf txt = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	char rel[512];
	const char *pm;
	size_t n = 0, pn = 0, i;
	int r;

	if ((arr = json_array()) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	snprintf(rel, sizeof(rel), "%s/proofs", ri->dir);
	if ((r = put_dir(b, ri->dir)) != 0 || (r = put_dir(b, rel)) != 0)
		goto out;
	snprintf(rel, sizeof(rel), "%s/manifest.json", ri->dir);
	if ((r = put_file(b, rel, ri->it->manifest, ri->it->manifest_len,
	    1)) != 0)
		goto out;
	snprintf(rel, sizeof(rel), "%s/manifest.sig", ri->dir);
	if ((r = put_file(b, rel, ri->it->sig, ri->it->siglen, 1)) != 0 ||
	    (r = signer_add(b, bc_doc_str(ri->manifest, "registered.key")))
	    != 0 ||
	    (r = add_proof(b, cat, cp, ri->dir, "manifest", -1,
	    ri->it->leaf, ri->it->manifest, ri->it->manifest_len, arr,
	    &txt)) != 0)
		goto out;
	if ((r = bc_catalog_events(cat, ri->it->manifest_hash, &ev, &n,
	    b->err)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = jsonl_add(&lines, "event", ev[i].body,
		    ev[i].body_len, ev[i].sig, ev[i].siglen)) != 0) {
			r = text_err(b->err, r, "custody.jsonl");
			goto out;
		}
		if ((r = signer_add(b, ev[i].key)) != 0 ||
		    (r = add_proof(b, cat, cp, ri->dir, "event", ev[i].seq,
		    ev[i].leaf, ev[i].body, ev[i].body_len, arr, &txt)) != 0)
			goto out;
	}
	snprintf(rel, sizeof(rel), "%s/custody.jsonl", ri->dir);
	if ((r = put_file(b, rel, bc_buf_str(&lines), lines.len, 1)) != 0)
		goto out;

	/* provenance: the parent's manifest and its derive event */
	if ((pm = bc_doc_str(ri->manifest, "derived.manifest")) != NULL) {
		if ((r = bc_catalog_find_by_manifest(cat, pm, &parent,
		    b->err)) != 0 ||
		    (r = bc_catalog_events(cat, parent->manifest_hash, &pev,
		    &pn, b->err)) != 0)
			goto out;
		if ((r = bc_doc_parse(parent->manifest, parent->manifest_len,
		    BC_MANIFEST_TYPE, &pdoc, b->err)) != 0)
			goto out;
		snprintf(rel, sizeof(rel), "%s/parent", ri->dir);
		if ((r = put_dir(b, rel)) != 0)
			goto out;
		snprintf(rel, sizeof(rel), "%s/parent/manifest.json", ri->dir);
		if ((r = put_file(b, rel, parent->manifest,
		    parent->manifest_len, 1)) != 0)
			goto out;
		snprintf(rel, sizeof(rel), "%s/parent/manifest.sig", ri->dir);
		if ((r = put_file(b, rel, parent->sig, parent->siglen,
		    1)) != 0 ||
		    (r = signer_add(b, bc_doc_str(pdoc, "registered.key")))
		    != 0 ||
		    (r = add_proof(b, cat, cp, ri->dir, "parent-manifest", -1,
		    parent->leaf, parent->manifest, parent->manifest_len, arr,
		    &txt)) != 0)
			goto out;
		bc_buf_free(&lines);
		for (i = 0; i < pn; i++) {
			const char *child;

			json_decref(doc);
			doc = NULL;
			if (bc_doc_parse(pev[i].body, pev[i].body_len,
			    BC_EVENT_TYPE, &doc, NULL) != 0)
				continue;
			child = bc_doc_str(doc, "details.child.manifest");
			if (child == NULL ||
			    strcmp(child, ri->it->manifest_hash) != 0)
				continue;
			if ((r = jsonl_add(&lines, "event", pev[i].body,
			    pev[i].body_len, pev[i].sig, pev[i].siglen)) != 0) {
				r = text_err(b->err, r, "derive.jsonl");
				goto out;
			}
			if ((r = signer_add(b, pev[i].key)) != 0 ||
			    (r = add_proof(b, cat, cp, ri->dir,
			    "parent-event", pev[i].seq, pev[i].leaf,
			    pev[i].body, pev[i].body_len, arr, &txt)) != 0)
				goto out;
		}
		if (lines.len == 0) {
			r = bc_err_set(b->err, BC_ERR_INTEGRITY, "%s: its "
			    "parent %s has no derive event naming it",
			    ri->it->id, parent->id);
			goto out;
		}
		snprintf(rel, sizeof(rel), "%s/parent/derive.jsonl", ri->dir);
		if ((r = put_file(b, rel, lines.p, lines.len, 1)) != 0)
			goto out;
	}

	r = put_proofs(b, ri->dir, cp, arr, &txt);
	arr = NULL;
 out:
	json_decref(arr);
	json_decref(doc);
	json_decref(pdoc);
	bc_buf_free(&lines);
	bc_buf_free(&txt);
	bc_events_free(ev, n);
	bc_events_free(pev, pn);
	bc_item_free(parent);
	return r;
}

/*
 * keys.jsonl, anchor.pub, signers/, and the bundle's own proofs.json and
 * proofs.txt: of every key document, then of the release statement st.
 */
static int
put_keys(struct bundle *b, struct bc_catalog *cat,
    const struct bc_checkpoint_row *cp, const struct bc_record_row *st)
{
	struct bc_keydoc *docs = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_key *admin = NULL;
	const struct bc_keyring_entry *e;
	struct bc_file_hash fh;
	json_t *arr = NULL;
	struct bc_buf lines = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	struct bc_buf txt = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	char rel[256], path[4096];
	size_t n = 0, i;
	int r;

	if ((arr = json_array()) == NULL)
		return bc_err_set(b->err, BC_ERR_NOMEM, "out of memory");
	if ((r = put_dir(b, "proofs")) != 0 ||
	    (r = bc_catalog_keydocs(cat, &docs, &n, b->err)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = jsonl_add(&lines, "doc", docs[i].body,
		    docs[i].body_len, docs[i].sig, docs[i].siglen)) != 0) {
			r = text_err(b->err, r, "keys.jsonl");
			goto out;
		}
		if ((r = signer_add(b, docs[i].signer)) != 0 ||
		    (r = add_proof(b, cat, cp, "", "key", docs[i].seq,
		    docs[i].leaf, docs[i].body, docs[i].body_len, arr,
		    &txt)) != 0)
			goto out;
	}
	if ((r = add_proof(b, cat, cp, "", "release", -1, st->leaf,
	    st->body, st->body_len, arr, &txt)) != 0)
		goto out;
	r = put_proofs(b, "", cp, arr, &txt);
	arr = NULL;
	if (r != 0 ||
	    (r = put_file(b, "keys.jsonl", bc_buf_str(&lines), lines.len,
	    1)) != 0 ||
	    (r = bc_catalog_admin_key(cat, &admin, b->err)) != 0 ||
	    (r = signer_add(b, bc_key_id(admin))) != 0 ||
	    (r = bc_keyring_load(cat, &kr, b->err)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/anchor.pub", b->tmp);
	if ((r = bc_key_write_public(admin, path, b->err)) != 0 ||
	    (r = bc_hash_file(path, &fh, NULL, NULL, b->err)) != 0 ||
	    (r = sums_add(b, "anchor.pub", fh.sha256)) != 0 ||
	    (r = put_dir(b, "signers")) != 0)
		goto out;
	for (i = 0; i < b->nsigners; i++) {
		if ((e = bc_keyring_find(kr, b->signers[i])) == NULL) {
			r = bc_err_set(b->err, BC_ERR_INTEGRITY, "signer "
			    "%.16s... is not in the keyring", b->signers[i]);
			goto out;
		}
		snprintf(rel, sizeof(rel), "signers/%s.pub", b->signers[i]);
		snprintf(path, sizeof(path), "%s/%s", b->tmp, rel);
		if ((r = bc_key_write_public(e->pub, path, b->err)) != 0 ||
		    (r = bc_hash_file(path, &fh, NULL, NULL, b->err)) != 0 ||
		    (r = sums_add(b, rel, fh.sha256)) != 0)
			goto out;
	}
 out:
	json_decref(arr);
	bc_buf_free(&lines);
	bc_buf_free(&txt);
	bc_keydocs_free(docs, n);
	bc_keyring_free(kr);
	bc_key_free(admin);
	return r;
}

static int
sum_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return strcmp(x + BC_SHA256_HEX + 1, y + BC_SHA256_HEX + 1);
}

static int
put_sums(struct bundle *b)
{
	struct bc_buf all = BC_BUF_INIT(BC_RELEASE_TEXT_MAX);
	size_t i;
	int r;

	qsort(b->sums, b->nsums, sizeof(*b->sums), sum_cmp);
	for (i = 0; i < b->nsums; i++)
		bc_buf_addstr(&all, b->sums[i]);
	if (all.err != 0)
		r = text_err(b->err, all.err, "SHA256SUMS");
	else
		r = put_file(b, "SHA256SUMS", bc_buf_str(&all), all.len,
		    0);
	bc_buf_free(&all);
	return r;
}

static void
ritems_free(struct ritem *ri, size_t n)
{
	size_t i;

	for (i = 0; ri != NULL && i < n; i++) {
		bc_item_free(ri[i].it);
		json_decref(ri[i].manifest);
		free(ri[i].place);
	}
	free(ri);
}

/* Finds and parses every item; refuses duplicates and unsafe names. */
static int
load_items(struct bc_catalog *cat, const char *const *refs, size_t n,
    int media, struct ritem **out, struct bc_err *err)
{
	struct ritem *ri;
	size_t i, j;
	int r;

	if ((ri = calloc(n, sizeof(*ri))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((r = bc_catalog_find_item(cat, refs[i], &ri[i].it,
		    err)) != 0 ||
		    (r = bc_doc_parse(ri[i].it->manifest,
		    ri[i].it->manifest_len, BC_MANIFEST_TYPE, &ri[i].manifest,
		    err)) != 0)
			goto fail;
		ri[i].name = bc_doc_str(ri[i].manifest, "file.name");
		snprintf(ri[i].dir, sizeof(ri[i].dir), "items/%s",
		    ri[i].it->id);
		for (j = 0; j < i; j++) {
			if (strcmp(ri[j].it->id, ri[i].it->id) == 0) {
				r = bc_err_set(err, BC_ERR_INVALID, "%s is "
				    "named twice", ri[i].it->id);
				goto fail;
			}
			if (media && ri[i].name != NULL && ri[j].name != NULL &&
			    strcmp(ri[i].name, ri[j].name) == 0) {
				r = bc_err_set(err, BC_ERR_INVALID, "%s and %s "
				    "both hold a file named '%s': release them "
				    "in two bundles", ri[j].it->id,
				    ri[i].it->id, ri[i].name);
				goto fail;
			}
		}
		if (media && !name_ok(ri[i].name)) {
			r = bc_err_set(err, BC_ERR_INVALID, "%s: its file name "
			    "cannot name a file in a bundle", ri[i].it->id);
			goto fail;
		}
	}
	*out = ri;
	return 0;
 fail:
	ritems_free(ri, n);
	return r;
}

/*
 * The release statement: which items (each by id, manifest hash and the
 * hash of the release event that ends its chain in the bundle), to whom,
 * under what authority, by whom, with or without media, and the keyring
 * the bundle carries (its number of documents and last hash), signed by
 * key and appended to the catalog and its log as the release's last
 * record.  *sd and *row hold it (row points into sd).
 */
static int
record_statement(struct bc_catalog *cat, const struct bc_key *key,
    const struct ritem *ri, size_t n, const struct bc_release_opts *opts,
    const char *actor, struct bc_signed *sd, struct bc_record_row *row,
    struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	json_t *doc = NULL, *items = NULL, *o;
	char now[BC_TIME_MAX];
	size_t i;
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = bc_keyring_load(cat, &kr, err)) != 0)
		goto out;
	if ((r = bc_signer_check(kr, key, BC_ROLE_AUDITOR,
	    "sign a release statement", err)) != 0)
		goto out;
	if ((r = bc_clock_sign_time(cat, now, err)) != 0)
		goto out;
	if ((items = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s, s:s}", "id", ri[i].it->id,
		    "manifest", ri[i].it->manifest_hash, "release",
		    ri[i].release);
		if (o == NULL || json_array_append_new(items, o) != 0)
			goto nomem;
	}
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:{s:I, s:s}, s:O}", "type", BC_RELEASE_DOC_TYPE, "at", now,
	    "actor", actor, "to", opts->recipient, "reason", opts->authority,
	    "media", opts->no_media ? "omitted" : "included", "key",
	    bc_key_id(key), "keys", "docs", (json_int_t)kr->ndocs, "head",
	    kr->head, "items", items);
	if (doc == NULL || bc_doc_set_log(doc, kr->origin) != 0)
		goto nomem;
	if ((r = bc_doc_seal(doc, key, sd, err)) != 0)
		goto out;
	snprintf(row->hash, sizeof(row->hash), "%s", sd->hash);
	row->body = sd->text;
	row->body_len = sd->len;
	row->sig = sd->sig;
	row->siglen = sizeof(sd->sig);
	snprintf(row->key, sizeof(row->key), "%s", bc_key_id(key));
	r = bc_catalog_add_release(cat, row, err);
	goto out;
 nomem:
	r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
 out:
	json_decref(items);
	json_decref(doc);
	bc_keyring_free(kr);
	return r;
}

/*
 * Trusted time (tsa.h): every stored checkpoint older than the bundle's
 * that a token is over, as timestamps/checkpoint-ID (its note),
 * checkpoint-ID.tsr (the first stored token over that note, DER) and
 * checkpoint-ID.consistency (the proof, a hex hash a line, that the
 * bundle checkpoint extends it), so that a recipient can date the
 * records a revoked key signed.  A token not over its checkpoint is not
 * shipped: audit reports it.
 */
static int
put_timestamps(struct bundle *b, struct bc_catalog *cat,
    const struct bc_checkpoint_row *cp, struct bc_err *err)
{
	struct bc_timestamp_row *ts = NULL;
	struct bc_checkpoint_row *cps = NULL, *c;
	struct bc_err e = { 0 };
	struct bc_buf txt = BC_BUF_INIT(64 * BC_SHA256_HEX);
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	uint8_t rm[BC_SHA256_LEN], rn[BC_SHA256_LEN];
	char rel[96], hex[BC_SHA256_HEX];
	int64_t done = 0;
	size_t nts = 0, ncp = 0, i, j, k, count = 0;
	int r;

	if ((r = bc_catalog_timestamps(cat, -1, &ts, &nts, err)) != 0 ||
	    nts == 0)
		goto out;
	if ((r = bc_catalog_checkpoints(cat, 0, &cps, &ncp, err)) != 0 ||
	    (r = put_dir(b, "timestamps")) != 0)
		goto out;
	for (j = 0; j < ncp; j++) {
		c = &cps[j];
		if (c->size == 0 || c->size >= cp->size || c->id <= done)
			continue;
		for (i = 0; i < nts; i++)
			if (ts[i].checkpoint == c->id && bc_tsa_token_check(
			    ts[i].token, ts[i].token_len, c->note, c->note_len,
			    NULL, NULL, &e) == 0)
				break;
		if (i == nts)
			continue;
		done = c->id;
		if ((r = bc_tlog_consistency(cat, c->size, cp->size, c->root,
		    rm, rn, &proof, &count, err)) != 0)
			goto out;
		for (k = 0; k < count; k++) {
			bc_hex(proof[k], BC_SHA256_LEN, hex);
			if (bc_buf_printf(&txt, "%s\n", hex) != 0) {
				r = bc_err_set(err, BC_ERR_NOMEM, "out of "
				    "memory");
				goto out;
			}
		}
		snprintf(rel, sizeof(rel), "timestamps/checkpoint-%" PRId64,
		    c->id);
		if ((r = put_file(b, rel, c->note, c->note_len, 1)) != 0 ||
		    (r = signer_add(b, c->key)) != 0)
			goto out;
		snprintf(rel, sizeof(rel), "timestamps/checkpoint-%" PRId64
		    ".tsr", c->id);
		if ((r = put_file(b, rel, ts[i].token, ts[i].token_len,
		    1)) != 0)
			goto out;
		snprintf(rel, sizeof(rel), "timestamps/checkpoint-%" PRId64
		    ".consistency", c->id);
		if ((r = put_file(b, rel, bc_buf_str(&txt), txt.len, 1)) != 0)
			goto out;
		bc_buf_free(&txt);
		bc_merkle_proof_free(proof);
		proof = NULL;
	}
	r = 0;
 out:
	bc_buf_free(&txt);
	bc_merkle_proof_free(proof);
	bc_checkpoints_free(cps, ncp);
	bc_timestamps_free(ts, nts);
	return r;
}

/* Everything under the write lock; the caller commits on success. */
static int
release_locked(struct bc_catalog *cat, const struct bc_key *key,
    struct ritem *ri, size_t n, const struct bc_release_opts *opts,
    const char *actor, struct bundle *b, struct bc_release_result *res,
    struct bc_err *err)
{
	struct bc_custody_req q;
	struct bc_custody_result cr;
	struct bc_checkpoint_row cp;
	struct bc_record_row st;
	struct bc_signed sd = { 0 };
	char head[2048], now[BC_TIME_MAX], *md = NULL;
	size_t i, len;
	int r;

	memset(&cp, 0, sizeof(cp));
	memset(&st, 0, sizeof(st));
	for (i = 0; i < n; i++) {
		struct bc_verify_opts vo;
		struct bc_verify_report rep;

		/* the records again, under the lock: events written since the
		 * full verification are checked before a pass is recorded */
		memset(&vo, 0, sizeof(vo));
		vo.no_file = 1;
		if ((r = bc_verify_item(cat, ri[i].it, &vo, &rep, err)) != 0)
			goto out;
		if (rep.status != 0) {
			snprintf(res->failed, sizeof(res->failed), "%s",
			    ri[i].it->id);
			res->report = rep;
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s no longer "
			    "verifies; nothing was released", ri[i].it->id);
			goto out;
		}
		bc_verify_report_clear(&rep);
		memset(&q, 0, sizeof(q));
		q.action = "verify";
		q.actor = actor;
		q.outcome = "passed";
		q.measured = ri[i].measured[0] ? ri[i].measured : NULL;
		q.note = "verified in full before release";
		if ((r = bc_custody_add_locked(cat, key, ri[i].it->id, &q,
		    NULL, NULL, NULL, &cr, err)) != 0)
			goto out;
		memset(&q, 0, sizeof(q));
		q.action = "release";
		q.actor = actor;
		q.to = opts->recipient;
		q.reason = opts->authority;
		q.media = opts->no_media ? "omitted" : "included";
		if ((r = bc_custody_add_locked(cat, key, ri[i].it->id, &q,
		    NULL, NULL, NULL, &cr, err)) != 0)
			goto out;
		snprintf(ri[i].release, sizeof(ri[i].release), "%s", cr.hash);
	}
	/* the statement is the last record the checkpoint holds */
	if ((r = record_statement(cat, key, ri, n, opts, actor, &sd, &st,
	    err)) != 0 ||
	    (r = bc_tlog_checkpoint_locked(cat, key, &cp, err)) != 0)
		goto out;
	if (cp.size != (uint64_t)st.leaf + 1) {
		r = bc_err_set(err, BC_ERR_INTERNAL, "the checkpoint (%" PRIu64
		    " records) does not end with the release statement (leaf "
		    "%" PRId64 ")", cp.size, st.leaf);
		goto out;
	}
	res->checkpoint_size = cp.size;
	b->cp = cp;
	if ((b->cp.note = malloc(cp.note_len + 1)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->cp.note, cp.note, cp.note_len + 1);
	if ((r = put_file(b, "checkpoint", cp.note, cp.note_len, 1)) != 0 ||
	    (r = put_file(b, "release.json", st.body, st.body_len, 1)) != 0 ||
	    (r = put_file(b, "release.sig", st.sig, st.siglen, 1)) != 0 ||
	    (r = signer_add(b, st.key)) != 0 ||
	    (r = signer_add(b, cp.key)) != 0 ||
	    (r = put_dir(b, "items")) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		bc_item_free(ri[i].it);	/* again, with its new leaf */
		if ((r = bc_catalog_find_item(cat, ri[i].dir + 6, &ri[i].it,
		    err)) != 0 ||
		    (r = put_item(b, cat, &cp, &ri[i])) != 0)
			goto out;
	}
	/* before the keys: those write signers/, the timestamps' too */
	if ((r = put_timestamps(b, cat, &cp, err)) != 0 ||
	    (r = put_keys(b, cat, &cp, &st)) != 0)
		goto out;
	bc_time_now(now);
	snprintf(head, sizeof(head), "# Release bundle\n\n"
	    "Released by %s with key %s at %s, to: %s; authority: %s.\n"
	    "It holds %zu item%s, and a checkpoint of %" PRIu64 " records "
	    "of the agency's transparency log.\n\n", actor, bc_key_id(key),
	    now, opts->recipient, opts->authority, n, n == 1 ? "" : "s",
	    cp.size);
	len = strlen(head) + sizeof(verify_md);
	if ((md = malloc(len)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(md, len, "%s%s", head, verify_md);
	if ((r = put_file(b, "VERIFY.md", md, strlen(md), 1)) != 0)
		goto out;
	r = put_sums(b);
 out:
	free(md);
	free(cp.note);
	bc_signed_clear(&sd);
	return r;
}

/*
 * Asks each witness of the policy that has a URL to cosign the release's
 * checkpoint (witness.h), then writes the cosigned checkpoint into every
 * .tlog-proof file of the bundle and SHA256SUMS again.  A witness that
 * cannot be reached or refuses is reported in res, not an error: the
 * release is recorded, and 'bodycam log cosign' can ask again.  The
 * bundle's checkpoint file stays the note as the log signed it.
 */
static int
witness_bundle(struct bc_catalog *cat, struct bundle *b,
    const struct bc_witness_policy *pol, struct bc_release_result *res,
    struct bc_err *err)
{
	struct bc_policy_result pr;
	struct bc_err e = { 0 };
	struct bc_checkpoint_row cp = b->cp;
	char path[4096], *data = NULL, *nd;
	uint8_t h[BC_SHA256_LEN];
	size_t i, k, len, added, plen, ncos = 0;
	int r, status;

	res->witnessed = 1;
	res->quorum = pol->quorum;
	for (i = 0; i < pol->n; i++) {
		if (pol->w[i].url == NULL)
			continue;
		e.msg[0] = '\0';
		if (bc_witness_cosign(cat, &b->cp, pol, &pol->w[i], 30, &status,
		    &added, &e) != 0) {
			k = strlen(res->witness_errors);
			snprintf(res->witness_errors + k,
			    sizeof(res->witness_errors) - k, "%s%s",
			    k > 0 ? "; " : "", e.msg);
		}
	}
	if ((cp.note = strdup(b->cp.note)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = bc_tlog_cosigned(cat, &cp, &ncos, err)) != 0)
		goto out;
	(void)bc_witness_policy_check(pol, cp.note, cp.note_len, &pr, &e);
	res->cosigned = pr.valid;
	if (ncos == 0)
		goto out;
	for (i = 0; i < b->nsums; i++) {
		const char *rel = b->sums[i] + BC_SHA256_HEX + 1;
		size_t rl = strlen(rel) - 1;	/* without its newline */

		if (rl < 11 || memcmp(rel + rl - 11, ".tlog-proof", 11) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", b->tmp, (int)rl, rel);
		if ((r = bc_read_small(path, BC_TLOG_PROOF_MAX, &data, &len,
		    err)) != 0)
			goto out;
		if (len < b->cp.note_len || memcmp(data + len -
		    b->cp.note_len, b->cp.note, b->cp.note_len) != 0) {
			r = bc_err_set(err, BC_ERR_INTERNAL, "%s does not end "
			    "with the checkpoint", path);
			goto out;
		}
		plen = len - b->cp.note_len;
		if ((nd = realloc(data, plen + cp.note_len)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		data = nd;
		memcpy(data + plen, cp.note, cp.note_len);
		snprintf(path, sizeof(path), "%.*s", (int)rl, rel);
		if ((r = unlinkat_rel(b, path)) != 0 ||
		    (r = put_file(b, path, data, plen + cp.note_len, 0)) != 0)
			goto out;
		if (bc_sha256(data, plen + cp.note_len, h) != 0) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
			goto out;
		}
		bc_hex(h, BC_SHA256_LEN, b->sums[i]);
		b->sums[i][BC_SHA256_HEX - 1] = ' ';
		free(data);
		data = NULL;
	}
	if ((r = unlinkat_rel(b, "SHA256SUMS")) == 0)
		r = put_sums(b);
out:
	free(data);
	free(cp.note);
	return r;
}

int
bc_release(struct bc_catalog *cat, const struct bc_key *key,
    const char *const *refs, size_t n, const char *out,
    const struct bc_release_opts *opts, struct bc_release_result *res,
    struct bc_err *err)
{
	struct bundle b;
	struct ritem *ri = NULL;
	struct stat st;
	char actor[BC_FIELD_MAX + 1], mrel[512];
	size_t i;
	int r, locked = 0;

	memset(res, 0, sizeof(*res));
	memset(&b, 0, sizeof(b));
	b.err = err;
	if (n == 0 || n > RELEASE_MAX_ITEMS)
		return bc_err_set(err, BC_ERR_INVALID, "a release holds 1 to "
		    "%d items", RELEASE_MAX_ITEMS);
	if (opts->recipient == NULL || opts->authority == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "a release names its "
		    "recipient and its authority");
	if ((r = bc_field_check("recipient", opts->recipient, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("authority", opts->authority, BC_FIELD_MAX,
	    err)) != 0 ||
	    (r = bc_field_check("actor", opts->actor, BC_FIELD_MAX, err)) != 0)
		return r;
	if (!bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_KEY_TYPE, "a private key is "
		    "needed to sign");
	if (opts->actor != NULL)
		snprintf(actor, sizeof(actor), "%s", opts->actor);
	else
		bc_user_name(actor, sizeof(actor));
	if (lstat(out, &st) == 0)
		return bc_err_set(err, BC_ERR_EXISTS, "%s already exists; a "
		    "bundle goes to a new directory", out);
	/* fail fast on the key; it is checked again under the lock */
	if ((r = bc_signer_allowed(cat, key, BC_ROLE_AUDITOR, "release",
	    err)) != 0)
		return r;
	if ((r = load_items(cat, refs, n, !opts->no_media, &ri, err)) != 0)
		return r;

	/* 1. verify each item in full; release nothing unless all pass */
	for (i = 0; i < n; i++) {
		struct bc_verify_report rep;

		if ((r = bc_verify_item(cat, ri[i].it, NULL, &rep, err)) != 0)
			goto out;
		if (rep.status != 0) {
			snprintf(res->failed, sizeof(res->failed), "%s",
			    ri[i].it->id);
			res->report = rep;
			r = bc_err_set(err, BC_ERR_INTEGRITY, "%s does not "
			    "verify; nothing was released", ri[i].it->id);
			goto out;
		}
		if (rep.state.purged) {
			bc_verify_report_clear(&rep);
			r = bc_err_set(err, BC_ERR_INVALID, "%s was purged; it "
			    "cannot be released", ri[i].it->id);
			goto out;
		}
		snprintf(ri[i].measured, sizeof(ri[i].measured), "%s",
		    rep.measured);
		ri[i].place = rep.path;	/* the media is copied from there */
		rep.path = NULL;
		bc_verify_report_clear(&rep);
		if (ri[i].place == NULL) {
			r = bc_err_set(err, BC_ERR_INTERNAL, "%s: no file was "
			    "verified", ri[i].it->id);
			goto out;
		}
	}

	/* 2. the media, copied and hashed again, outside the lock */
	{
		size_t len = strlen(out) + 16;

		if ((b.tmp = malloc(len)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(b.tmp, len, "%s.tmpXXXXXX", out);
		if (mkdtemp(b.tmp) == NULL) {
			r = bc_err_set(err, BC_ERR_IO, "%s: %s", b.tmp,
			    strerror(errno));
			free(b.tmp);
			b.tmp = NULL;
			goto out;
		}
		(void)chmod(b.tmp, 0755);
	}
	if (!opts->no_media) {
		if ((r = put_dir(&b, "media")) != 0)
			goto out;
		for (i = 0; i < n; i++) {
			snprintf(mrel, sizeof(mrel), "media/%s", ri[i].name);
			if ((r = copy_media(&b, ri[i].place, mrel,
			    ri[i].it->sha256, ri[i].it->size)) != 0)
				goto out;
		}
	}

	/* 3. the events, the checkpoint and the rest, in one transaction */
	if ((r = bc_catalog_begin(cat, err)) != 0)
		goto out;
	locked = 1;
	if ((r = release_locked(cat, key, ri, n, opts, actor, &b, res,
	    err)) != 0 ||
	    (r = bc_catalog_commit(cat, err)) != 0)
		goto out;
	locked = 0;
	res->nitems = n;

	/* 3b. the witnesses' cosignatures, after the commit: no lock held */
	if (opts->witnesses != NULL &&
	    (r = witness_bundle(cat, &b, opts->witnesses, res, err)) != 0) {
		r = bc_err_wrap(err, r, "the release is recorded, but its "
		    "bundle could not take the witnesses' cosignatures; it is "
		    "complete without them in %s", b.tmp);
		free(b.tmp);
		b.tmp = NULL;	/* keep it: it is the only copy */
		goto out;
	}

	/* 4. into place, never over anything */
	if (renameat2(AT_FDCWD, b.tmp, AT_FDCWD, out, RENAME_NOREPLACE) != 0) {
		r = bc_err_set(err, BC_ERR_IO, "the release is recorded, but "
		    "the bundle could not be moved to %s (%s); it is complete "
		    "in %s", out, strerror(errno), b.tmp);
		free(b.tmp);
		b.tmp = NULL;	/* keep it: it is the only copy */
		goto out;
	}
	free(b.tmp);
	b.tmp = NULL;
	r = 0;
 out:
	if (locked)
		bc_catalog_rollback(cat);
	if (b.tmp != NULL) {
		rm_tree(b.tmp);
		free(b.tmp);
	}
	for (i = 0; i < b.nsums; i++)
		free(b.sums[i]);
	free(b.sums);
	free(b.cp.note);
	ritems_free(ri, n);
	return r;
}
