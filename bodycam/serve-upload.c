/*
 * serve-upload.c - the media itself over HTTP.
 *
 * POST /v1/items with an application/octet-stream body is the file: it is
 * written into the catalog's storage root while it is hashed and read
 * back from the disk (storage.h), never held in memory, and registered
 * only when whole, read back as written, and equal to the digest the
 * client sent, if any (Content-Digest or Repr-Digest, RFC 9530, or the
 * older Digest, RFC 3230: sha-256).  What fails leaves nothing in
 * storage: the copy has no name until it is registered.
 *
 * Resumable uploads are offsets with Content-Range (RFC 9110 14.4):
 *
 *	POST   /v1/uploads		{name, size, [sha256], fields}
 *	PUT    /v1/uploads/{id}		Content-Range: bytes A-B/SIZE
 *	GET    /v1/uploads/{id}		where it stands (offset)
 *	DELETE /v1/uploads/{id}		abandon it
 *
 * An upload is ROOT/.uploads/<id>.part and its state <id>.json.  The
 * bytes of a PUT whose connection breaks are kept (the client asks for
 * the offset and goes on), unless it carried a Content-Digest, which
 * they can no longer be checked against; a PUT that fails (a wrong
 * digest, a full disk) keeps none of its bytes.  The PUT that brings the
 * last byte hashes the whole file from the disk, checks it against the
 * sha256 given at creation and any Repr-Digest, and registers it.
 *
 * An Idempotency-Key (POST /v1/items and /v1/uploads) is recorded once
 * its request succeeded, in ROOT/.uploads/idem, for IDEM_TTL seconds: a
 * retry with the same key and request gets the same answer (the item or
 * the upload, looked up again, not replayed from the record) without a
 * second registration; one with another request gets 422, and one while
 * the first is still running 409.
 */
#include <sys/file.h>
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bodycam/canon.h"
#include "bodycam/hash.h"
#include "bodycam/media.h"
#include "bodycam/meta.h"
#include "bodycam/sign.h"
#include "bodycam/util.h"
#include "serve-int.h"

#define UPLOADS		".uploads"
#define IDEM		".uploads/idem"
#define IDEM_MAX	255		/* characters of a key */
#define IDEM_TTL	(24 * 3600)	/* seconds a key is remembered */
#define STATE_MAX	(64 * 1024)	/* bytes of an upload's state */
#define UPLOAD_ID_LEN	32		/* hex digits of an upload's id */
#define UPATH_MAX	(PATH_MAX + 128)	/* the root and a name in it */
#define SWEEP_EVERY	60		/* seconds between sweeps at most */

struct up {
	int			 r;		/* the first failure of data */
	struct bc_err		 err;
	uint8_t			 want[BC_SHA256_LEN];	/* of this body */
	int			 have_want;
	uint8_t			 repr[BC_SHA256_LEN];	/* of the file */
	int			 have_repr;
	struct bc_idem		 idem;
	/* POST /v1/items */
	struct bc_copy		 cp;
	const struct bc_key	*key;
	struct bc_register_opts	 opts;
	const char		*tags[BC_TAGS_MAX];
	const char		*name;
	/* PUT /v1/uploads/{id} */
	json_t			*state;
	int			 partfd;
	uint64_t		 start, len, size;
	int			 only_finish;	/* bytes * /SIZE */
	int			 ended;		/* end ran */
	EVP_MD_CTX		*md;		/* of this body */
};

/*
 * Names and values
 */

/* Whether name may name a file in storage and in a manifest. */
static int
name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), i, n;

	if (len == 0 || len > 255 || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i += n) {
		if (p[i] == '/' || p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		if ((n = bc_utf8_seq(p + i, len - i)) == 0)
			return 0;
	}
	return 1;
}

static int
upload_id_ok(const char *id)
{
	size_t i;

	for (i = 0; i < UPLOAD_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[i] == '\0';
}

/* 44 characters of base64 into 32 bytes: 0, or -1. */
static int
b64_sha256(const char *s, size_t n, uint8_t out[BC_SHA256_LEN])
{
	unsigned char buf[48];
	char in[45];

	if (n != 44 || s[43] != '=' || s[42] == '=')
		return -1;
	memcpy(in, s, 44);
	in[44] = '\0';
	if (EVP_DecodeBlock(buf, (unsigned char *)in, 44) != 33)
		return -1;
	memcpy(out, buf, BC_SHA256_LEN);
	return 0;
}

/*
 * The sha-256 member of a digest header h: a structured-field dictionary
 * (Content-Digest, Repr-Digest: sha-256=:BASE64:) when sf, else the older
 * Digest's list (SHA-256=BASE64).  1 with out set, 0 when h names no
 * sha-256 (other algorithms are ignored, as RFC 9530 allows), -1 when
 * malformed.
 */
static int
digest_of(const char *h, int sf, uint8_t out[BC_SHA256_LEN])
{
	const char *p = h, *e, *v;
	size_t klen, vlen;
	int found = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		e = p + strcspn(p, ",");
		if ((v = memchr(p, '=', (size_t)(e - p))) == NULL)
			return -1;
		klen = (size_t)(v - p);
		v++;
		vlen = (size_t)(e - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (klen == 7 && (sf ? strncmp(p, "sha-256", 7) :
		    strncasecmp(p, "sha-256", 7)) == 0) {
			if (sf && (vlen < 2 || v[0] != ':' ||
			    v[vlen - 1] != ':'))
				return -1;
			if (sf) {
				v++;
				vlen -= 2;
			}
			if (b64_sha256(v, vlen, out) != 0)
				return -1;
			if (found)
				return -1;	/* twice */
			found = 1;
		}
		p = e;
	}
	return found;
}

/*
 * The digests the request carries: *want of its body (Content-Digest or
 * Digest) and *repr of the whole file (Repr-Digest; the same thing as the
 * body's when body_is_file).  0, or -1 with a 400.
 */
static int
digests(struct bc_req *q, struct up *u, int body_is_file)
{
	static const struct {
		const char	*name;
		int		 sf, repr;
	} hs[] = {
		{ "Content-Digest", 1, 0 },
		{ "Digest", 0, 0 },
		{ "Repr-Digest", 1, 1 },
	};
	uint8_t d[BC_SHA256_LEN];
	const char *h;
	size_t i;
	int r;

	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		if ((h = MHD_lookup_connection_value(q->conn,
		    MHD_HEADER_KIND, hs[i].name)) == NULL)
			continue;
		if ((r = digest_of(h, hs[i].sf, d)) < 0) {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "%s is malformed (expected %s)", hs[i].name,
			    hs[i].sf ? "sha-256=:BASE64:" : "SHA-256=BASE64");
			return -1;
		}
		if (r == 0)
			continue;
		if (hs[i].repr && !body_is_file) {
			u->have_repr = 1;
			memcpy(u->repr, d, sizeof(d));
			continue;
		}
		if (u->have_want && memcmp(u->want, d, sizeof(d)) != 0) {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "the request's digest headers disagree");
			return -1;
		}
		u->have_want = 1;
		memcpy(u->want, d, sizeof(d));
	}
	return 0;
}

static void
resp_mismatch(struct bc_req *q, const char *what, const uint8_t got[32],
    const char *then)
{
	char hex[BC_SHA256_HEX];

	bc_hex(got, BC_SHA256_LEN, hex);
	bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "digest_mismatch", "%s does "
	    "not match the bytes received (their sha256 is %s); %s", what,
	    hex, then);
}

/* A library error while storing: 507 for a full disk. */
static void
resp_store(struct bc_req *q, int r, const struct bc_err *err,
    const char *then)
{
	if (r == BC_ERR_FULL)
		bc_resp_error(q, 507, "storage_full", "the storage is full; "
		    "%s", then);
	else
		bc_resp_bc(q, r, err);
}

static int
no_storage(struct bc_req *q)
{
	if (q->srv->uproot[0] != '\0')
		return 0;
	bc_resp_error(q, MHD_HTTP_CONFLICT, "no_storage", "the catalog has "
	    "no storage root for uploads (bodycam storage set DIR)");
	return 1;
}

/* ROOT/rel, made (0700) when missing; 0 or -1 with a response. */
static int
updir(struct bc_req *q, const char *root, const char *rel)
{
	char path[UPATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		bc_resp_error(q, errno == ENOSPC ? 507 :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, errno == ENOSPC ?
		    "storage_full" : "internal", "storage: %s: %s", rel,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * What the service keeps in the storage folder between requests (an
 * upload's state, an idempotency record) is signed by its ingest key,
 * over the canonical JSON of the document without "sig", "key" naming
 * the key: whoever may write the folder cannot change it unseen.
 */
static int
doc_sign(const struct bc_server *s, json_t *doc)
{
	const struct bc_key *key = s->by_role[BC_ROLE_INGEST];
	uint8_t sig[BC_ED25519_SIGLEN];
	char hex[2 * BC_ED25519_SIGLEN + 1], *text;
	size_t len;
	int r;

	json_object_del(doc, "sig");
	if (key == NULL ||
	    json_object_set_new(doc, "key", json_string(bc_key_id(key))) != 0 ||
	    bc_canon_dump(doc, &text, &len, NULL) != 0)
		return -1;
	r = bc_sign(key, text, len, sig);
	free(text);
	if (r != 0)
		return -1;
	bc_hex(sig, sizeof(sig), hex);
	return json_object_set_new(doc, "sig", json_string(hex)) == 0 ? 0 : -1;
}

/* Whether doc is as one of the service's keys signed it (doc_sign). */
static int
doc_signed(const struct bc_server *s, const json_t *doc)
{
	const struct bc_key *key = NULL;
	const char *kid, *hex;
	uint8_t sig[BC_ED25519_SIGLEN];
	json_t *copy;
	char *text;
	size_t len, k;
	int ok;

	if ((kid = json_string_value(json_object_get(doc, "key"))) == NULL ||
	    (hex = json_string_value(json_object_get(doc, "sig"))) == NULL ||
	    strlen(hex) != 2 * sizeof(sig) ||
	    bc_unhex(hex, sig, sizeof(sig)) != 0)
		return 0;
	for (k = 0; k < s->o.nkeys; k++)
		if (strcmp(bc_key_id(s->o.keys[k]), kid) == 0)
			key = s->o.keys[k];
	if (key == NULL || (copy = json_deep_copy(doc)) == NULL)
		return 0;
	json_object_del(copy, "sig");
	text = NULL;
	ok = bc_canon_dump(copy, &text, &len, NULL) == 0 &&
	    bc_verify(key, text, len, sig, sizeof(sig)) == 0;
	free(text);
	json_decref(copy);
	return ok;
}

/*
 * Idempotency keys
 */


static enum MHD_Result
fp_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	EVP_MD_CTX *md = cls;

	EVP_DigestUpdate(md, key, strlen(key) + 1);
	EVP_DigestUpdate(md, value ? value : "", value ? strlen(value) + 1 :
	    1);
	return MHD_YES;
}

/* What makes two requests the same: method, path, arguments, headers
 * that say what the body is, and the body if it is in (JSON). */
static int
fingerprint(struct bc_req *q, char out[BC_SHA256_HEX])
{
	static const char *const hs[] = { "Content-Length", "Content-Type",
	    "Content-Digest", "Repr-Digest", "Digest", NULL };
	EVP_MD_CTX *md;
	uint8_t d[BC_SHA256_LEN];
	const char *v;
	size_t i;
	int ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(md, bc_sha256_md(), NULL) == 1;
	EVP_DigestUpdate(md, q->method, strlen(q->method) + 1);
	EVP_DigestUpdate(md, q->url, strlen(q->url) + 1);
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, fp_arg, md);
	for (i = 0; hs[i] != NULL; i++) {
		v = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
		    hs[i]);
		EVP_DigestUpdate(md, v ? v : "-", v ? strlen(v) + 1 : 2);
	}
	EVP_DigestUpdate(md, q->body.p != NULL ? q->body.p : "",
	    q->body.len);
	ok = ok && EVP_DigestFinal_ex(md, d, NULL) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	bc_hex(d, sizeof(d), out);
	return 0;
}

/* The answer to a retry: the item or the upload as it is now. */
static void replay_item(struct bc_req *q, const char *id, const char *sha);
static void upload_answer(struct bc_req *q, unsigned status, const char *id,
    const json_t *state);
static json_t *state_load(struct bc_req *q, const char *id);

/* Whether rec is a record the service signed under the name name. */
static int
record_ok(const struct bc_server *s, const json_t *rec, const char *name)
{
	const char *n = json_string_value(json_object_get(rec, "record"));

	return n != NULL && strcmp(n, name) == 0 && doc_signed(s, rec);
}

/*
 * Looks up the request's Idempotency-Key, if any: 0 to go on (the key's
 * record then held, locked, in i), or 1 when answered (a retry, a key in
 * use, a key given for another request, an error).
 */
int
bc_idem_begin(struct bc_req *q, struct bc_idem *i)
{
	struct bc_server *s = q->srv;
	const char *h, *kind, *id, *fp;
	struct stat a, b;
	json_t *rec = NULL, *st;
	char key[IDEM_MAX + 1], buf[4096], hex[BC_SHA256_HEX];
	uint8_t d[BC_SHA256_LEN];
	size_t n, k;
	ssize_t got;

	i->fd = -1;
	if ((h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    "Idempotency-Key")) == NULL)
		return 0;
	/* a structured-field string ("..."), or the bare text */
	n = strlen(h);
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		h++;
		n -= 2;
	}
	if (n == 0 || n > IDEM_MAX)
		goto bad;
	for (k = 0; k < n; k++)
		if (h[k] < 0x20 || h[k] > 0x7e || h[k] == '"' || h[k] == '\\')
			goto bad;
	memcpy(key, h, n);
	key[n] = '\0';
	if (fingerprint(q, i->fp) != 0)
		goto oom;
	/* one caller's keys are not another's */
	snprintf(buf, sizeof(buf), "%s", q->tok.name);
	if (EVP_Digest(buf, strlen(buf) + 1, d, NULL, bc_sha256_md(),
	    NULL) != 1)
		goto oom;
	bc_hex(d, sizeof(d), hex);
	{
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		int ok = md != NULL &&
		    EVP_DigestInit_ex(md, bc_sha256_md(), NULL) == 1 &&
		    EVP_DigestUpdate(md, hex, strlen(hex)) == 1 &&
		    EVP_DigestUpdate(md, key, n) == 1 &&
		    EVP_DigestFinal_ex(md, d, NULL) == 1;

		EVP_MD_CTX_free(md);
		if (!ok)
			goto oom;
	}
	bc_hex(d, sizeof(d), hex);
	/* under --storage: a catalog without a storage root may still
	 * take keys for POST /v1/items by path */
	if (updir(q, s->storage, UPLOADS) != 0 ||
	    updir(q, s->storage, IDEM) != 0)
		return 1;
	snprintf(i->path, sizeof(i->path), "%s/%s/%s", s->storage, IDEM, hex);
	snprintf(i->name, sizeof(i->name), "%s", hex);
	i->srv = s;
	if ((i->fd = open(i->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "storage: an idempotency record: %s", strerror(errno));
		return 1;
	}
	if (flock(i->fd, LOCK_EX | LOCK_NB) == -1 || fstat(i->fd, &a) == -1 ||
	    lstat(i->path, &b) == -1 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		close(i->fd);
		i->fd = -1;
		bc_resp_error(q, MHD_HTTP_CONFLICT, "in_progress", "a request "
		    "with this Idempotency-Key is still running; retry once "
		    "it has ended");
		return 1;
	}
	got = pread(i->fd, buf, sizeof(buf) - 1, 0);
	if (got > 0 && a.st_mtime + IDEM_TTL > time(NULL) &&
	    bc_json_parse(buf, (size_t)got, &rec, NULL) == 0 &&
	    !record_ok(s, rec, i->name)) {
		/* not as the service wrote it, or another key's: forgotten,
		 * and the request runs as a new one */
		bc_serve_log(q->srv, "idempotency record %.16s... is not as "
		    "this service signed it; ignored", i->name);
		json_decref(rec);
		rec = NULL;
	}
	if (rec != NULL &&
	    (fp = json_string_value(json_object_get(rec, "fingerprint"))) !=
	    NULL &&
	    (kind = json_string_value(json_object_get(rec, "kind"))) != NULL &&
	    (id = json_string_value(json_object_get(rec, "id"))) != NULL) {
		if (strcmp(fp, i->fp) != 0) {
			bc_resp_error(q, 422, "idempotency_key_reused", "this "
			    "Idempotency-Key was used for another request");
		} else if (strcmp(kind, "item") == 0) {
			replay_item(q, id, json_string_value(
			    json_object_get(rec, "sha256")));
		} else if ((st = state_load(q, id)) != NULL) {
			upload_answer(q, MHD_HTTP_CREATED, id, st);
			json_decref(st);
		}
		if (q->resp != NULL)
			MHD_add_response_header(q->resp,
			    "Idempotent-Replayed", "true");
		json_decref(rec);
		close(i->fd);
		i->fd = -1;
		return 1;
	}
	json_decref(rec);
	return 0;
 bad:
	bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "the "
	    "Idempotency-Key must be 1 to %d printable characters", IDEM_MAX);
	return 1;
 oom:
	bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of "
	    "memory");
	return 1;
}

/* Records the request's success under its key. */
void
bc_idem_commit(struct bc_idem *i, const char *kind, const char *id,
    const char *sha256)
{
	char *text;
	json_t *o;

	if (i->fd == -1)
		return;
	/* signed, and bound to its file's name: a record planted in the
	 * folder, or moved to another key's name, is not replayed */
	o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "fingerprint", i->fp,
	    "kind", kind, "id", id, "record", i->name, "sha256", sha256);
	text = o != NULL && doc_sign(i->srv, o) == 0 ? json_dumps(o,
	    JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL || ftruncate(i->fd, 0) == -1 ||
	    pwrite(i->fd, text, strlen(text), 0) != (ssize_t)strlen(text) ||
	    fsync(i->fd) == -1)
		(void)unlink(i->path);	/* not remembered: a retry is
					   answered 409 exists instead */
	free(text);
	close(i->fd);
	i->fd = -1;
}

/* Forgets a key whose request failed: a retry does it again. */
void
bc_idem_abort(struct bc_idem *i)
{
	if (i->fd == -1)
		return;
	(void)unlink(i->path);
	close(i->fd);
	i->fd = -1;
}

static void
replay_item(struct bc_req *q, const char *id, const char *sha)
{
	struct bc_register_result res;
	struct bc_catalog *cat;
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	json_t *m = NULL;
	int r;

	cat = bc_pool_get(q->srv);
	r = bc_catalog_find_item(cat, id, &it, &err);
	bc_pool_put(q->srv, cat);
	if (r != 0 || sha == NULL || strcmp(it->sha256, sha) != 0) {
		/* the record names no item of that content: not trusted */
		bc_item_free(it);
		bc_resp_error(q, MHD_HTTP_CONFLICT, "idempotency_record",
		    "the record of this Idempotency-Key names no item of its "
		    "content; use another key");
		return;
	}
	memset(&res, 0, sizeof(res));
	snprintf(res.id, sizeof(res.id), "%s", it->id);
	snprintf(res.sha256, sizeof(res.sha256), "%s", it->sha256);
	res.size = (uint64_t)it->size;
	snprintf(res.manifest_hash, sizeof(res.manifest_hash), "%s",
	    it->manifest_hash);
	(void)bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &m, NULL);
	snprintf(res.mime, sizeof(res.mime), "%s", m != NULL &&
	    bc_doc_str(m, "media.mime") ? bc_doc_str(m, "media.mime") : "");
	json_decref(m);
	bc_item_free(it);
	bc_resp_registered(q, &res);
}

/*
 * Registration of a file in storage
 */

/*
 * Registers the verified copy cp (named name in the storage root) with
 * u's fields; answers 201, or the error.  Returns 0 when registered, or
 * the library's error.
 */
static int
register_copy(struct bc_req *q, struct up *u, struct bc_copy *cp,
    const char *name, struct bc_register_result *res)
{
	struct bc_server *s = q->srv;
	struct bc_reg_job j;
	struct bc_meta_opts mo;
	struct bc_err err = { 0 };
	char hex[BC_SHA256_HEX], final[PATH_MAX], now[BC_TIME_MAX];
	int r;

	bc_hex(cp->fh.sha256, sizeof(cp->fh.sha256), hex);
	if ((r = bc_storage_path(s->uproot, hex, name, final, sizeof(final),
	    &err)) != 0) {
		bc_resp_bc(q, r, &err);
		return r;
	}
	memset(&j, 0, sizeof(j));
	j.key = u->key;
	j.abspath = final;
	j.fh = &cp->fh;
	j.opts = u->opts;
	j.opts.actor = q->tok.name;
	j.cp = cp;
	j.root = s->uproot;
	j.name = name;
	/* what is sealed is read from the copy, as register --copy does */
	memset(&mo, 0, sizeof(mo));
	bc_time_now(now);
	mo.now = now;
	if (lseek(cp->fd, 0, SEEK_SET) != 0 || bc_meta_extract_fd(cp->fd,
	    bc_media_sniff(cp->fh.head, cp->fh.headlen), &mo, &j.meta,
	    NULL) != 0)
		j.meta = NULL;	/* metadata never blocks a registration */
	r = bc_writer_run(s->w, bc_reg_job, &j, &err);
	json_decref(j.meta);
	if (r != 0)
		bc_storage_unplace(cp);	/* placed, but not committed */
	if (r == BC_ERR_EXISTS && j.res.existing[0] != '\0')
		bc_resp_exists(q, j.res.existing);
	else if (r != 0)
		resp_store(q, r, &err, "nothing was registered");
	else {
		*res = j.res;
		bc_resp_registered(q, res);
	}
	return r;
}

/* The operator's fields of a request into u->opts: 0 or a 400. */
static int
fields_check(struct bc_req *q, struct up *u)
{
	struct bc_err err = { 0 };

	u->opts.op.tags = u->tags;
	if (bc_operator_fields_check(&u->opts.op, &err) != 0) {
		bc_resp_error_field(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    err.field, "%s", err.msg);
		return -1;
	}
	return 0;
}

/*
 * POST /v1/items, application/octet-stream
 */

struct qargs {
	struct up	*u;
	const char	*bad;		/* an unknown argument */
	int		 toomany;	/* tags */
};

static enum MHD_Result
item_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qargs *a = cls;
	struct up *u = a->u;

	if (value == NULL)
		value = "";
	if (strcmp(key, "name") == 0)
		u->name = value;
	else if (strcmp(key, "officer") == 0)
		u->opts.op.officer = value;
	else if (strcmp(key, "device") == 0)
		u->opts.op.device = value;
	else if (strcmp(key, "case") == 0)
		u->opts.op.case_no = value;
	else if (strcmp(key, "category") == 0)
		u->opts.op.category = value;
	else if (strcmp(key, "tags") == 0) {
		if (u->opts.op.ntags == BC_TAGS_MAX) {
			a->toomany = 1;
			return MHD_NO;
		}
		u->tags[u->opts.op.ntags++] = value;
	} else {
		a->bad = key;
		return MHD_NO;
	}
	return MHD_YES;
}

static struct up *
up_new(struct bc_req *q)
{
	struct up *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		return NULL;
	}
	u->cp.fd = u->cp.rootfd = -1;
	u->idem.fd = -1;
	u->partfd = -1;
	q->up = u;
	return u;
}

static void
item_begin(struct bc_req *q)
{
	struct bc_server *s = q->srv;
	struct qargs a = { NULL, NULL, 0 };
	struct bc_err err = { 0 };
	struct up *u;
	char clip[80];
	int r;

	if (no_storage(q) || (u = up_new(q)) == NULL)
		return;
	a.u = u;
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, item_arg,
	    &a);
	if (a.bad != NULL) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "unknown query argument '%s'", bc_text_clip(a.bad, 64,
		    clip, sizeof(clip)));
		return;
	}
	if (a.toomany) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "at most "
		    "%d tags", BC_TAGS_MAX);
		return;
	}
	if (u->name == NULL || !name_ok(u->name)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'name' "
		    "(the file's name, a query argument) is required: 1 to "
		    "255 bytes of UTF-8, no '/' or control characters");
		return;
	}
	if (fields_check(q, u) != 0 || digests(q, u, 1) != 0 ||
	    (u->key = bc_station_key(q, BC_ROLE_INGEST)) == NULL ||
	    bc_idem_begin(q, &u->idem) != 0)
		return;
	if ((r = bc_storage_begin(s->uproot, &u->cp, &err)) != 0) {
		bc_idem_abort(&u->idem);
		resp_store(q, r, &err, "nothing was stored");
		return;
	}
	/* the client's digest is what the bytes read back must match:
	 * end to end, and one hash fewer */
	if (u->have_want)
		(void)bc_storage_expect(&u->cp, u->want, &err);
}

static int
item_data(struct bc_req *q, const char *p, size_t n)
{
	struct up *u = q->up;

	if ((u->r = bc_storage_write(&u->cp, p, n, &u->err)) != 0)
		return -1;
	return 0;
}

static void
item_end(struct bc_req *q)
{
	struct bc_register_result res;
	struct up *u = q->up;
	int r;

	if (u->r != 0) {
		resp_store(q, u->r, &u->err, "nothing was stored");
		goto fail;
	}
	if (q->received == 0) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "the "
		    "body is empty: it must be the file");
		goto fail;
	}
	if ((r = bc_storage_end(&u->cp, &u->err)) == BC_ERR_CHANGED &&
	    u->have_want) {
		resp_mismatch(q, "the request's digest", u->cp.fh.sha256,
		    "nothing was stored");
		goto fail;
	}
	if (r != 0) {
		resp_store(q, r, &u->err, "nothing was stored");
		goto fail;
	}
	if (u->have_want && memcmp(u->want, u->cp.fh.sha256,
	    sizeof(u->want)) != 0) {
		resp_mismatch(q, "the request's digest", u->cp.fh.sha256,
		    "nothing was stored");
		goto fail;
	}
	if (register_copy(q, u, &u->cp, u->name, &res) != 0)
		goto fail;
	bc_idem_commit(&u->idem, "item", res.id, res.sha256);
	return;
 fail:
	bc_idem_abort(&u->idem);
}

static void
item_done(struct bc_req *q)
{
	struct up *u = q->up;

	if (u == NULL)
		return;
	bc_storage_close(&u->cp);	/* an unnamed copy: gone */
	bc_idem_abort(&u->idem);
	free(u);
	q->up = NULL;
}

const struct bc_stream bc_upload_stream = {
	item_begin, item_data, item_end, item_done
};

/*
 * Resumable uploads: their state
 */

static void
up_path(const struct bc_server *s, const char *id, const char *ext,
    char *out, size_t outsz)
{
	if ((size_t)snprintf(out, outsz, "%s/%s/%s.%s", s->uproot, UPLOADS,
	    id, ext) >= outsz)
		out[0] = '\0';		/* cannot be: uproot is a path */
}

/*
 * Whether st is upload id's state as one of the service's keys signed it
 * (state_save): its id, and a signature over its canonical form without
 * "sig".
 */
static int
state_signed(const struct bc_server *s, const char *id, const json_t *st)
{
	const char *sid = json_string_value(json_object_get(st, "id"));

	return sid != NULL && strcmp(sid, id) == 0 && doc_signed(s, st);
}

/* The state of upload id, checked; NULL with a 404/500 response. */
static json_t *
state_load(struct bc_req *q, const char *id)
{
	char path[UPATH_MAX], *text = NULL;
	struct bc_err err = { 0 };
	json_t *st = NULL, *v;
	const char *name;
	size_t len, i;
	int r;

	if (!upload_id_ok(id)) {
		bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found", "no such "
		    "upload");
		return NULL;
	}
	up_path(q->srv, id, "json", path, sizeof(path));
	if ((r = bc_read_small(path, STATE_MAX, &text, &len, &err)) != 0) {
		if (r == BC_ERR_NOT_FOUND)
			bc_resp_error(q, MHD_HTTP_NOT_FOUND, "not_found",
			    "no such upload");
		else
			bc_resp_bc(q, r, &err);
		return NULL;
	}
	r = bc_json_parse(text, len, &st, NULL);
	free(text);
	/* written by the service, but lying in a folder others may write */
	if (r != 0 || !json_is_object(st) ||
	    (name = json_string_value(json_object_get(st, "name"))) == NULL ||
	    !name_ok(name) ||
	    !json_is_integer(json_object_get(st, "size")) ||
	    json_integer_value(json_object_get(st, "size")) < 1 ||
	    !json_is_string(json_object_get(st, "owner")) ||
	    (v = json_object_get(st, "sha256")) == NULL ||
	    !bc_is_sha256_hex(json_string_value(v) ? json_string_value(v) :
	    "") ||
	    ((v = json_object_get(st, "tags")) != NULL &&
	    (!json_is_array(v) || json_array_size(v) > BC_TAGS_MAX))) {
		json_decref(st);
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the state of upload %s is damaged", id);
		return NULL;
	}
	for (i = 0; i < json_array_size(json_object_get(st, "tags")); i++)
		if (!json_is_string(json_array_get(json_object_get(st, "tags"),
		    i))) {
			json_decref(st);
			bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "internal", "the state of upload %s is damaged",
			    id);
			return NULL;
		}
	if (!state_signed(q->srv, id, st)) {
		json_decref(st);
		bc_resp_error(q, MHD_HTTP_CONFLICT, "integrity", "the state of "
		    "upload %s is not as this service signed it (changed in "
		    "storage, or signed by a key the service no longer "
		    "holds); DELETE it and upload again", id);
		return NULL;
	}
	return st;
}

/* Whether the caller may touch the upload: its owner, or an admin. */
static int
state_owner(struct bc_req *q, const json_t *st)
{
	if (q->tok.role == BC_ROLE_ADMIN ||
	    strcmp(json_string_value(json_object_get(st, "owner")),
	    q->tok.name) == 0)
		return 1;
	bc_resp_error(q, MHD_HTTP_FORBIDDEN, "forbidden", "the upload is "
	    "another token's");
	return 0;
}

/* Writes st as upload id's state, replacing it whole. */
static int
state_save(const struct bc_server *s, const char *id, json_t *st)
{
	char path[UPATH_MAX], tmp[UPATH_MAX], *text;
	size_t len;
	int fd, r = -1;

	up_path(s, id, "json", path, sizeof(path));
	up_path(s, id, "json.tmp", tmp, sizeof(tmp));
	if (json_object_set_new(st, "id", json_string(id)) != 0 ||
	    doc_sign(s, st) != 0 ||
	    (text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	len = strlen(text);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) != -1) {
		if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 &&
		    rename(tmp, path) == 0)
			r = 0;
		close(fd);
		if (r != 0)
			(void)unlink(tmp);
	}
	free(text);
	return r;
}

/* Removes an upload's files: 0, or the errno of a file left. */
static int
state_remove(const struct bc_server *s, const char *id)
{
	char path[UPATH_MAX];
	int e = 0;

	up_path(s, id, "part", path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		e = errno;
	up_path(s, id, "json", path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		e = errno;
	return e;
}

/* Bytes of the upload received so far (its part's size). */
static int64_t
upload_offset(const struct bc_server *s, const char *id, const json_t *st)
{
	char path[UPATH_MAX];
	struct stat sb;

	if (json_object_get(st, "item") != NULL)
		return json_integer_value(json_object_get(st, "size"));
	up_path(s, id, "part", path, sizeof(path));
	if (lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return -1;
	return (int64_t)sb.st_size;
}

static void
upload_answer(struct bc_req *q, unsigned status, const char *id,
    const json_t *st)
{
	char loc[128];
	int64_t off;
	json_t *o;

	if ((off = upload_offset(q->srv, id, st)) < 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the data of upload %s is missing", id);
		return;
	}
	o = json_pack("{s:s, s:O, s:O, s:I, s:O*, s:O*}", "id", id,
	    "name", json_object_get(st, "name"),
	    "size", json_object_get(st, "size"), "offset", (json_int_t)off,
	    "sha256", json_object_get(st, "sha256"),
	    "item", json_object_get(st, "item"));
	bc_resp_json(q, status, o);
	snprintf(loc, sizeof(loc), "/v1/uploads/%s", id);
	if (q->resp != NULL && status == MHD_HTTP_CREATED)
		MHD_add_response_header(q->resp, MHD_HTTP_HEADER_LOCATION, loc);
}

/*
 * Expiry
 */

/* Removes name in dir when older than max seconds and nobody holds it. */
static int
expire(int dir, const char *name, time_t now, time_t max)
{
	struct stat sb;
	int fd, gone = 0;

	if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(sb.st_mode) || sb.st_mtime + max > now)
		return 0;
	if ((fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return 0;
	/* a request writing it holds the lock */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		gone = unlinkat(dir, name, 0) == 0;
	close(fd);
	return gone;
}

/* Whether name is "<id>.ext" for an upload id; its id in id. */
static int
upload_file(const char *name, const char *ext, char id[UPLOAD_ID_LEN + 1])
{
	if (strlen(name) != UPLOAD_ID_LEN + 1 + strlen(ext) ||
	    name[UPLOAD_ID_LEN] != '.' ||
	    strcmp(name + UPLOAD_ID_LEN + 1, ext) != 0)
		return 0;
	memcpy(id, name, UPLOAD_ID_LEN);
	id[UPLOAD_ID_LEN] = '\0';
	return upload_id_ok(id);
}

static void
sweep_dir(struct bc_server *s, const char *root, const char *rel, time_t max,
    int uploads)
{
	char path[UPATH_MAX], id[UPLOAD_ID_LEN + 1], part[UPLOAD_ID_LEN + 8];
	struct dirent *de;
	struct stat sb;
	time_t now = time(NULL);
	unsigned n = 0;
	DIR *d;
	int dfd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((d = opendir(path)) == NULL)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (!uploads) {
			if (strlen(de->d_name) == 64)
				n += expire(dfd, de->d_name, now, max);
			continue;
		}
		if (upload_file(de->d_name, "json.tmp", id)) {
			(void)expire(dfd, de->d_name, now, max);
			continue;
		}
		if (!upload_file(de->d_name, "json", id))
			continue;
		/* the data first (locked while a PUT writes it), then the
		 * state; an upload being written is newer anyway */
		snprintf(part, sizeof(part), "%s.part", id);
		if (fstatat(dfd, part, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !expire(dfd, part, now, max))
			continue;
		n += expire(dfd, de->d_name, now, max);
	}
	closedir(d);
	if (n > 0)
		bc_serve_log(s, "swept %u expired %s", n, uploads ? "uploads" :
		    "idempotency keys");
}

void
bc_uploads_sweep(struct bc_server *s)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&s->mu);
	if (s->swept != 0 && now - s->swept < SWEEP_EVERY) {
		pthread_mutex_unlock(&s->mu);
		return;
	}
	s->swept = now;
	pthread_mutex_unlock(&s->mu);
	if (s->uproot[0] != '\0')
		sweep_dir(s, s->uproot, UPLOADS, (time_t)s->o.upload_expiry *
		    3600, 1);
	sweep_dir(s, s->storage, IDEM, IDEM_TTL, 0);
}

/*
 * POST /v1/uploads
 */

void
bc_h_uploads_post(struct bc_req *q)
{
	static const char *const strs[] = { "name", "sha256", "officer",
	    "device", "case", "category", NULL };
	struct bc_server *s = q->srv;
	struct bc_err err = { 0 };
	struct up u;
	const char *k;
	json_t *doc = NULL, *v, *st = NULL;
	uint8_t rnd[UPLOAD_ID_LEN / 2];
	char id[UPLOAD_ID_LEN + 1], path[UPATH_MAX], now[BC_TIME_MAX];
	char clip[80];
	size_t i;
	int fd;

	memset(&u, 0, sizeof(u));
	u.idem.fd = -1;
	if (no_storage(q))
		return;
	if (bc_json_parse(q->body.p, q->body.len, &doc, &err) != 0 ||
	    !json_is_object(doc)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "a JSON "
		    "object is required: %s", err.msg[0] ? err.msg :
		    "not an object");
		goto out;
	}
	json_object_foreach(doc, k, v) {
		for (i = 0; strs[i] != NULL; i++)
			if (strcmp(strs[i], k) == 0)
				break;
		if (strs[i] != NULL && !json_is_string(v))
			goto type;
		if (strs[i] != NULL)
			continue;
		if (strcmp(k, "size") == 0 && json_is_integer(v))
			continue;
		if (strcmp(k, "tags") != 0) {
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "unknown field '%s'", bc_text_clip(k, 64, clip,
			    sizeof(clip)));
			goto out;
		}
		if (!json_is_array(v) || json_array_size(v) > BC_TAGS_MAX)
			goto type;
		for (i = 0; i < json_array_size(v); i++) {
			if (!json_is_string(json_array_get(v, i)))
				goto type;
			u.tags[i] = json_string_value(json_array_get(v, i));
		}
		u.opts.op.ntags = json_array_size(v);
		continue;
 type:
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'%s' "
		    "has the wrong type (or too many tags)", bc_text_clip(k, 64,
		    clip, sizeof(clip)));
		goto out;
	}
	v = json_object_get(doc, "size");
	if (json_string_value(json_object_get(doc, "name")) == NULL ||
	    !name_ok(json_string_value(json_object_get(doc, "name")))) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'name' "
		    "is required: 1 to 255 bytes of UTF-8, no '/' or control "
		    "characters");
		goto out;
	}
	if (v == NULL || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > s->o.max_upload) {
		bc_resp_error_field(q, v == NULL ||
		    json_integer_value(v) < 1 ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_CONTENT_TOO_LARGE, v == NULL ||
		    json_integer_value(v) < 1 ? "bad_request" : "too_large",
		    "size", "'size' is required: 1 to %" PRIu64 " bytes "
		    "on this server", s->o.max_upload);
		goto out;
	}
	/* required: the bytes lie in storage between requests, and only
	 * the client's own hash can show them unchanged at the end */
	if ((v = json_object_get(doc, "sha256")) == NULL ||
	    !bc_is_sha256_hex(json_string_value(v))) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "'sha256' "
		    "(of the whole file, 64 lowercase hex digits) is "
		    "required");
		goto out;
	}
	u.opts.op.officer = json_string_value(json_object_get(doc, "officer"));
	u.opts.op.device = json_string_value(json_object_get(doc, "device"));
	u.opts.op.case_no = json_string_value(json_object_get(doc, "case"));
	u.opts.op.category = json_string_value(json_object_get(doc,
	    "category"));
	if (fields_check(q, &u) != 0 ||
	    bc_station_key(q, BC_ROLE_INGEST) == NULL ||
	    bc_idem_begin(q, &u.idem) != 0 || updir(q, s->uproot, UPLOADS) != 0)
		goto out;
	bc_uploads_sweep(s);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "RAND_bytes failed");
		goto fail;
	}
	bc_hex(rnd, sizeof(rnd), id);
	bc_time_now(now);
	if ((st = json_deep_copy(doc)) == NULL ||
	    json_object_set_new(st, "owner", json_string(q->tok.name)) != 0 ||
	    json_object_set_new(st, "created", json_string(now)) != 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "out of memory");
		goto fail;
	}
	up_path(s, id, "part", path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1 || close(fd) != 0 ||
	    state_save(s, id, st) != 0) {
		bc_resp_error(q, errno == ENOSPC ? 507 :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, errno == ENOSPC ?
		    "storage_full" : "internal", "storage: cannot create the "
		    "upload: %s", strerror(errno));
		state_remove(s, id);
		goto fail;
	}
	upload_answer(q, MHD_HTTP_CREATED, id, st);
	bc_idem_commit(&u.idem, "upload", id, NULL);
	goto out;
 fail:
	bc_idem_abort(&u.idem);
 out:
	bc_idem_abort(&u.idem);	/* a no-op once committed */
	json_decref(st);
	json_decref(doc);
}

/*
 * GET and DELETE /v1/uploads/{id}
 */

void
bc_h_upload_get(struct bc_req *q)
{
	json_t *st;

	if (no_storage(q) || (st = state_load(q, q->arg)) == NULL)
		return;
	if (state_owner(q, st))
		upload_answer(q, MHD_HTTP_OK, q->arg, st);
	json_decref(st);
}

void
bc_h_upload_delete(struct bc_req *q)
{
	struct MHD_Response *r;
	char path[UPATH_MAX];
	json_t *st;
	int fd, e;

	if (no_storage(q) || (st = state_load(q, q->arg)) == NULL)
		return;
	if (!state_owner(q, st))
		goto out;
	up_path(q->srv, q->arg, "part", path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		bc_resp_error(q, MHD_HTTP_CONFLICT, "busy", "the upload is "
		    "being written; retry once that request has ended");
		goto out;
	}
	e = state_remove(q->srv, q->arg);
	if (fd != -1)
		close(fd);
	if (e != 0) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "storage: the upload could not be removed: %s",
		    strerror(e));
		goto out;
	}
	if ((r = MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT)) != NULL)
		bc_resp_raw_len(q, MHD_HTTP_NO_CONTENT, r, 0);
 out:
	json_decref(st);
}

/*
 * PUT /v1/uploads/{id}
 */

/* Content-Range: bytes A-B/N or bytes * /N: 0, or -1. */
static int
content_range(const char *h, uint64_t *a, uint64_t *b, uint64_t *n,
    int *star)
{
	char buf[128], *dash, *slash;

	if (h == NULL || strncmp(h, "bytes ", 6) != 0 ||
	    strlen(h) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", h + 6);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash++ = '\0';
	if (bc_parse_uint(slash, 1, UINT64_MAX, n) != 0)
		return -1;
	if ((*star = strcmp(buf, "*") == 0))
		return 0;
	if ((dash = strchr(buf, '-')) == NULL)
		return -1;
	*dash++ = '\0';
	if (bc_parse_uint(buf, 0, UINT64_MAX, a) != 0 ||
	    bc_parse_uint(dash, 0, UINT64_MAX, b) != 0 || *b < *a || *b >= *n)
		return -1;
	return 0;
}

static void
resp_offset(struct bc_req *q, const char *id, uint64_t off, uint64_t size)
{
	bc_resp_error_with(q, MHD_HTTP_CONFLICT, "offset_mismatch",
	    json_pack("{s:I, s:I}", "offset", (json_int_t)off, "size",
	    (json_int_t)size), "the upload has %" PRIu64 " of %" PRIu64
	    " bytes: send from byte %" PRIu64, off, size, off);
}

static void
chunk_begin(struct bc_req *q)
{
	struct bc_server *s = q->srv;
	const char *ct, *cl, *h;
	char path[UPATH_MAX], clip[80];
	struct up *u;
	struct stat sb;
	uint64_t a = 0, b = 0, n = 0, len;
	int star;

	if (no_storage(q) || (u = up_new(q)) == NULL ||
	    (u->state = state_load(q, q->arg)) == NULL ||
	    !state_owner(q, u->state))
		return;
	u->size = (uint64_t)json_integer_value(json_object_get(u->state,
	    "size"));
	if (json_object_get(u->state, "item") != NULL) {
		bc_resp_error_with(q, MHD_HTTP_CONFLICT, "complete",
		    json_pack("{s:O}", "item", json_object_get(u->state,
		    "item")), "the upload is complete: registered as %s",
		    json_string_value(json_object_get(u->state, "item")));
		return;
	}
	ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct != NULL && strncasecmp(ct, "application/octet-stream", 24) != 0
	    && strncasecmp(ct, "application/offset+octet-stream", 31) != 0) {
		bc_resp_error(q, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_media_type", "the body must be "
		    "application/octet-stream, not %s", bc_text_clip(ct, 64,
		    clip, sizeof(clip)));
		return;
	}
	h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    "Content-Range");
	if (content_range(h, &a, &b, &n, &star) != 0 || n != u->size) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "a "
		    "Content-Range is required: bytes FIRST-LAST/%" PRIu64
		    " (or bytes */%" PRIu64 " to finish an upload whose bytes "
		    "are all in)", u->size, u->size);
		return;
	}
	up_path(s, q->arg, "part", path, sizeof(path));
	if ((u->partfd = open(path, (star ? O_RDONLY : O_RDWR) | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the data of upload %s: %s", q->arg, strerror(errno));
		return;
	}
	if (flock(u->partfd, LOCK_EX | LOCK_NB) == -1) {
		close(u->partfd);
		u->partfd = -1;
		bc_resp_error(q, MHD_HTTP_CONFLICT, "busy", "the upload is "
		    "being written by another request");
		return;
	}
	if (fstat(u->partfd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the data of upload %s is not a file", q->arg);
		return;
	}
	u->start = (uint64_t)sb.st_size;
	if (star) {
		u->only_finish = 1;
		if (u->start != u->size)
			resp_offset(q, q->arg, u->start, u->size);
		return;
	}
	if (a != u->start) {
		resp_offset(q, q->arg, u->start, u->size);
		return;
	}
	u->len = b - a + 1;
	cl = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (bc_parse_uint(cl, 0, UINT64_MAX, &len) != 0 ||
	    len != u->len)) {
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "the "
		    "Content-Range says %" PRIu64 " bytes; the Content-Length "
		    "differs", u->len);
		return;
	}
	if (digests(q, u, 0) != 0)
		return;
	if (u->have_want && ((u->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(u->md, bc_sha256_md(), NULL) != 1)) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "EVP_DigestInit failed");
		return;
	}
	if (lseek(u->partfd, (off_t)u->start, SEEK_SET) == -1) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "lseek: %s", strerror(errno));
		return;
	}
}

static int
chunk_data(struct bc_req *q, const char *p, size_t n)
{
	struct up *u = q->up;
	ssize_t w;

	if (u->only_finish || q->received + n > u->len) {
		u->r = bc_err_set(&u->err, BC_ERR_MALFORMED, "the body is "
		    "longer than its Content-Range says");
		return -1;
	}
	if (u->md != NULL && EVP_DigestUpdate(u->md, p, n) != 1) {
		u->r = bc_err_set(&u->err, BC_ERR_CRYPTO, "EVP_DigestUpdate "
		    "failed");
		return -1;
	}
	while (n > 0) {
		if ((w = write(u->partfd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			u->r = bc_err_errno(&u->err, errno, "storage: write");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Takes back what this request wrote. */
static void
chunk_undo(struct up *u)
{
	if (u->partfd != -1 && !u->only_finish &&
	    ftruncate(u->partfd, (off_t)u->start) == 0)
		(void)fdatasync(u->partfd);
}

/* The upload is whole: hash it from the disk, check, register. */
static void
chunk_finish(struct bc_req *q, struct up *u)
{
	struct bc_server *s = q->srv;
	struct bc_register_result res;
	struct bc_copy cp;
	struct bc_err err = { 0 };
	uint8_t want[BC_SHA256_LEN];
	const char *sha, *id = q->arg;
	json_t *jt;
	size_t i;
	int r = 0;

	memset(&cp, 0, sizeof(cp));
	cp.fd = cp.rootfd = -1;
	/* read back from the disk, not the cache, as copies are */
	if (fchmod(u->partfd, 0440) == -1 || fsync(u->partfd) == -1) {
		resp_store(q, bc_err_errno(&err, errno, "storage: fsync"),
		    &err, "the upload is kept: finish it again");
		return;
	}
	(void)posix_fadvise(u->partfd, 0, 0, POSIX_FADV_DONTNEED);
	if (lseek(u->partfd, 0, SEEK_SET) != 0 ||
	    (r = bc_hash_fd(u->partfd, "upload", &cp.fh, NULL, NULL,
	    &err)) != 0) {
		resp_store(q, r != 0 ? r : BC_ERR_IO, &err, "the upload is "
		    "kept: finish it again");
		return;
	}
	if (cp.fh.size != u->size) {
		bc_resp_error(q, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		    "the upload's data has %" PRIu64 " bytes, not %" PRIu64
		    "; the upload is removed", cp.fh.size, u->size);
		state_remove(s, id);
		return;
	}
	sha = json_string_value(json_object_get(u->state, "sha256"));
	if (sha == NULL || bc_unhex(sha, want, sizeof(want)) != 0 ||
	    memcmp(want, cp.fh.sha256, sizeof(want)) != 0) {
		resp_mismatch(q, "the sha256 given when the upload was created",
		    cp.fh.sha256, "nothing was registered and the upload is "
		    "removed");
		state_remove(s, id);
		return;
	}
	if (u->have_repr && memcmp(u->repr, cp.fh.sha256,
	    sizeof(u->repr)) != 0) {
		resp_mismatch(q, "Repr-Digest", cp.fh.sha256, "nothing was "
		    "registered and the upload is removed");
		state_remove(s, id);
		return;
	}
	if ((u->key = bc_station_key(q, BC_ROLE_INGEST)) == NULL)
		return;
	u->opts.op.officer = json_string_value(json_object_get(u->state,
	    "officer"));
	u->opts.op.device = json_string_value(json_object_get(u->state,
	    "device"));
	u->opts.op.case_no = json_string_value(json_object_get(u->state,
	    "case"));
	u->opts.op.category = json_string_value(json_object_get(u->state,
	    "category"));
	jt = json_object_get(u->state, "tags");
	for (i = 0; i < json_array_size(jt); i++)
		u->tags[i] = json_string_value(json_array_get(jt, i));
	u->opts.op.ntags = json_array_size(jt);
	if (fields_check(q, u) != 0)
		return;
	if ((cp.fd = dup(u->partfd)) == -1 ||
	    (cp.rootfd = open(s->uproot, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		resp_store(q, bc_err_errno(&err, errno, "storage"), &err,
		    "the upload is kept: finish it again");
		bc_storage_close(&cp);
		return;
	}
	r = register_copy(q, u, &cp, json_string_value(json_object_get(
	    u->state, "name")), &res);
	bc_storage_close(&cp);
	if (r == BC_ERR_BUSY || r == BC_ERR_IO || r == BC_ERR_FULL)
		return;		/* kept: bytes * /SIZE finishes it */
	if (r != 0) {
		state_remove(s, id);
		return;
	}
	/* done: the data has its name in storage; the state says where */
	if (json_object_set_new(u->state, "item", json_string(res.id)) == 0 &&
	    state_save(s, id, u->state) == 0) {
		char path[UPATH_MAX];

		up_path(s, id, "part", path, sizeof(path));
		(void)unlink(path);
	}
}

static void
chunk_end(struct bc_req *q)
{
	struct up *u = q->up;
	json_t *o;

	u->ended = 1;
	if (u->r != 0) {
		chunk_undo(u);
		if (u->r == BC_ERR_MALFORMED)
			bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request",
			    "%s; none of it was kept", u->err.msg);
		else
			resp_store(q, u->r, &u->err, "none of this request's "
			    "bytes were kept");
		return;
	}
	if (u->only_finish) {
		chunk_finish(q, u);
		return;
	}
	if (q->received != u->len) {
		chunk_undo(u);
		bc_resp_error(q, MHD_HTTP_BAD_REQUEST, "bad_request", "the body "
		    "has %" PRIu64 " bytes; its Content-Range says %" PRIu64
		    "; none of it was kept", q->received, u->len);
		return;
	}
	if (u->md != NULL) {
		uint8_t d[BC_SHA256_LEN];

		if (EVP_DigestFinal_ex(u->md, d, NULL) != 1 ||
		    memcmp(d, u->want, sizeof(d)) != 0) {
			chunk_undo(u);
			resp_mismatch(q, "the request's digest", d, "none of "
			    "its bytes were kept");
			return;
		}
	}
	if (fdatasync(u->partfd) == -1) {
		int r = bc_err_errno(&u->err, errno, "storage: fdatasync");

		chunk_undo(u);
		resp_store(q, r, &u->err, "none of this request's bytes were "
		    "kept");
		return;
	}
	if (u->start + u->len == u->size) {
		chunk_finish(q, u);
		return;
	}
	o = json_pack("{s:s, s:I, s:I}", "id", q->arg, "size",
	    (json_int_t)u->size, "offset", (json_int_t)(u->start + u->len));
	bc_resp_json(q, MHD_HTTP_OK, o);
}

static void
chunk_done(struct bc_req *q)
{
	struct up *u = q->up;

	if (u == NULL)
		return;
	if (u->partfd != -1 && !u->ended && !u->only_finish) {
		/* the connection broke: what arrived is kept for a resume,
		 * unless it cannot be checked or failed */
		if (u->md != NULL || u->r != 0)
			chunk_undo(u);
		else
			(void)fdatasync(u->partfd);
	}
	if (u->partfd != -1)
		close(u->partfd);
	EVP_MD_CTX_free(u->md);
	json_decref(u->state);
	free(u);
	q->up = NULL;
}

const struct bc_stream bc_chunk_stream = {
	chunk_begin, chunk_data, chunk_end, chunk_done
};
