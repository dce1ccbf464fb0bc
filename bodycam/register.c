/*
 * register.c - one file into the catalog.
 *
 * The file is hashed before the write transaction (hashing a large file
 * must not hold the catalog's write lock); the item number, the manifest,
 * its signature and the genesis event are then made and stored under one
 * BEGIN IMMEDIATE, so that concurrent registrations never collide.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "bodycam/annotate.h"
#include "bodycam/keys.h"
#include "bodycam/canon.h"
#include "bodycam/clock.h"
#include "bodycam/media.h"
#include "bodycam/meta.h"
#include "bodycam/meta-util.h"
#include "bodycam/register.h"
#include "bodycam/retention.h"
#include "bodycam/storage.h"
#include "bodycam/util.h"

/* Whether key may register now (role ingest, or admin). */
static int
signer_allowed(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_err *err)
{
	return bc_signer_allowed(cat, key, BC_ROLE_INGEST, "register", err);
}

int
bc_register_read(const char *path, bc_progress_fn progress, void *arg,
    int verbose, const char *now, struct bc_file_hash *fh, json_t **meta,
    struct bc_err *err)
{
	struct bc_meta_opts mo;
	struct stat before, after, named;
	int fd = -1, r;

	if (meta != NULL)
		*meta = NULL;
	if ((r = bc_hash_open(path, &fd, err)) != 0)
		return r;
	if (fstat(fd, &before) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((r = bc_hash_fd(fd, path, fh, progress, arg, err)) != 0)
		goto out;
	if (meta != NULL) {
		memset(&mo, 0, sizeof(mo));
		mo.verbose = verbose;
		mo.now = now;
		/* metadata never blocks a registration: NULL is "none" */
		if (bc_meta_extract_fd(fd, bc_media_sniff(fh->head,
		    fh->headlen), &mo, meta, NULL) != 0)
			*meta = NULL;
	}
	/*
	 * The same file, unchanged, from the first byte hashed to the last
	 * metadata read; and the path still names it, since the catalog
	 * records that path as where the file is.
	 */
	if (fstat(fd, &after) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!bc_stat_same(&before, &after)) {
		r = bc_err_set(err, BC_ERR_CHANGED, "%s: file changed while it "
		    "was being registered (size, time or inode differ); "
		    "refusing it", path);
		goto out;
	}
	if (stat(path, &named) == -1 || named.st_dev != before.st_dev ||
	    named.st_ino != before.st_ino) {
		r = bc_err_set(err, BC_ERR_CHANGED, "%s: the path was replaced "
		    "while the file was being registered (it no longer names "
		    "the file hashed); refusing it", path);
		goto out;
	}
	r = 0;
 out:
	if (r != 0 && meta != NULL) {
		json_decref(*meta);
		*meta = NULL;
	}
	close(fd);
	return r;
}

int
bc_sidecar_read(const char *path, json_t *warnings,
    struct bc_operator_fields *op, json_t **out, struct bc_err *err)
{
	struct bc_file_hash fh;
	json_t *doc = NULL, *o = NULL, *fields, *v;
	const char *k;
	char hex[BC_SHA256_HEX], *text = NULL;
	size_t len = 0;
	FILE *fp = NULL;
	int r;

	*out = NULL;
	if ((r = bc_hash_file(path, &fh, NULL, NULL, err)) != 0)
		return r;
	if (fh.size > BC_SIDECAR_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "sidecar %s: %llu "
		    "bytes; at most %d are read", path,
		    (unsigned long long)fh.size, BC_SIDECAR_MAX);
	if ((text = malloc((size_t)fh.size + 1)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((fp = fopen(path, "rb")) == NULL ||
	    (len = fread(text, 1, (size_t)fh.size + 1, fp)) != fh.size) {
		r = bc_err_set(err, BC_ERR_CHANGED, "sidecar %s changed while "
		    "it was read", path);
		goto out;
	}
	/* the sealed hash must be of the bytes read */
	{
		uint8_t digest[BC_SHA256_LEN];

		if (bc_sha256(text, len, digest) != 0 ||
		    memcmp(digest, fh.sha256, sizeof(digest)) != 0) {
			r = bc_err_set(err, BC_ERR_CHANGED, "sidecar %s "
			    "changed while it was read", path);
			goto out;
		}
	}
	if ((r = bc_json_parse(text, len, &doc, err)) != 0) {
		if (err != NULL)
			snprintf(err->msg + strlen(err->msg),
			    sizeof(err->msg) - strlen(err->msg),
			    " (sidecar %s)", path);
		goto out;
	}
	if (!json_is_object(doc)) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "sidecar %s is not a "
		    "JSON object", path);
		goto out;
	}
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	if ((o = json_pack("{s:s, s:s, s:I, s:{}}", "name", bc_basename(path),
	    "sha256", hex, "size", (json_int_t)fh.size, "fields")) == NULL) {
		r = bc_err_set(err, BC_ERR_INVALID, "sidecar %s: its name is "
		    "not valid UTF-8", path);
		goto out;
	}
	fields = json_object_get(o, "fields");
	json_object_foreach(doc, k, v) {
		if (!json_is_string(v)) {
			bc_meta_warn(warnings, "sidecar member '%.64s' is not "
			    "a string; not sealed", k);
			continue;
		}
		if (json_object_size(fields) >= 64) {
			bc_meta_warn(warnings, "sidecar has more than 64 "
			    "string members; the rest are not sealed");
			break;
		}
		if (strlen(k) == 0 || strlen(k) > 64) {
			bc_meta_warn(warnings, "a sidecar member name is empty "
			    "or too long; not sealed");
			continue;
		}
		bc_meta_set_str(fields, k, json_string_value(v),
		    json_string_length(v));
	}
	if (op != NULL && op->officer == NULL)
		op->officer = json_string_value(json_object_get(fields,
		    "officer"));
	if (op != NULL && op->device == NULL)
		op->device = json_string_value(json_object_get(fields,
		    "device"));
	*out = o;
	o = NULL;
	r = 0;
 out:
	if (fp != NULL)
		fclose(fp);
	free(text);
	json_decref(doc);
	json_decref(o);
	return r;
}

int
bc_register_locked(struct bc_catalog *cat, const struct bc_key *key,
    const char *abspath, const struct bc_file_hash *fh,
    const struct bc_register_opts *opts, const struct bc_derived *derived,
    const json_t *meta, const json_t *sidecar, const char *now,
    struct bc_register_result *res, struct bc_err *err)
{
	struct bc_item row, *dup = NULL;
	struct bc_event ev;
	struct bc_signed man = { 0 }, gen = { 0 };
	struct bc_manifest_in in;
	json_t *mdoc = NULL, *edoc = NULL, *details = NULL;
	char station[256], actor[256], id[BC_ITEM_ID_MAX];
	char origin[BC_ORIGIN_MAX + 1];
	struct bc_err pe = { 0 };
	struct bc_status status;
	int64_t num;
	int r, warn;

	bc_hex(fh->sha256, sizeof(fh->sha256), res->sha256);
	res->size = fh->size;
	snprintf(res->mime, sizeof(res->mime), "%s",
	    bc_media_sniff(fh->head, fh->headlen));
	bc_station_name(station, sizeof(station));
	if (opts->actor != NULL)
		snprintf(actor, sizeof(actor), "%s", opts->actor);
	else
		bc_user_name(actor, sizeof(actor));

	/* the duplicate check belongs inside the lock: two docks may race */
	r = bc_catalog_find_by_sha256(cat, res->sha256, &dup, NULL);
	if (r == 0) {
		snprintf(res->existing, sizeof(res->existing), "%s", dup->id);
		r = bc_err_set(err, BC_ERR_EXISTS,
		    "%s: this content is already registered as %s", abspath,
		    dup->id);
		goto out;
	}
	if (r != BC_ERR_NOT_FOUND) {
		bc_err_set(err, r, "duplicate check failed");
		goto out;
	}
	/* a category the retention policy refuses (retention.h) */
	if ((r = bc_policy_admits(cat, opts->op.category, &warn, &pe)) != 0) {
		bc_err_set(err, r, "%s: %s; nothing registered", abspath,
		    pe.msg);
		goto out;
	}
	if ((r = bc_catalog_next_item_num(cat, &num, err)) != 0 ||
	    (r = bc_catalog_origin(cat, origin, err)) != 0)
		goto out;
	snprintf(id, sizeof(id), "BWC-%06lld", (long long)num);

	memset(&in, 0, sizeof(in));
	in.id = id;
	in.file_name = bc_basename(abspath);
	in.size = fh->size;
	in.sha256 = res->sha256;
	in.mime = res->mime;
	in.op = &opts->op;
	in.registered_at = now;
	in.station = station;
	in.key_id = bc_key_id(key);
	in.log = origin;
	in.derived = derived;
	in.meta = meta;
	in.sidecar = sidecar;
	if ((r = bc_manifest_build(&in, &mdoc, err)) != 0 ||
	    (r = bc_doc_seal(mdoc, key, &man, err)) != 0) {
		/* metadata never blocks a registration: seal without it */
		if (r == BC_ERR_NOMEM || meta == NULL)
			goto out;
		json_decref(mdoc);
		mdoc = NULL;
		in.meta = NULL;
		if ((r = bc_manifest_build(&in, &mdoc, err)) != 0 ||
		    (r = bc_doc_seal(mdoc, key, &man, err)) != 0)
			goto out;
		snprintf(res->warnings, sizeof(res->warnings), "metadata "
		    "could not be sealed and was left out\n");
	} else if (meta != NULL) {
		size_t i;
		json_t *w = json_object_get(meta, "warnings");

		for (i = 0; i < json_array_size(w); i++)
			snprintf(res->warnings + strlen(res->warnings),
			    sizeof(res->warnings) - strlen(res->warnings),
			    "%s\n", json_string_value(json_array_get(w, i)));
	}

	if ((details = json_pack("{s:s, s:s, s:s}", "outcome", "registered",
	    "sha256", res->sha256, "station", station)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = bc_event_build(man.hash, 0, man.hash, "register", actor, now,
	    details, bc_key_id(key), origin, &edoc, err)) != 0 ||
	    (r = bc_doc_seal(edoc, key, &gen, err)) != 0)
		goto out;

	memset(&row, 0, sizeof(row));
	row.num = num;
	snprintf(row.id, sizeof(row.id), "%s", id);
	snprintf(row.sha256, sizeof(row.sha256), "%s", res->sha256);
	row.size = (int64_t)fh->size;
	row.path = (char *)abspath;
	row.manifest = man.text;
	row.manifest_len = man.len;
	snprintf(row.manifest_hash, sizeof(row.manifest_hash), "%s",
	    man.hash);
	row.sig = man.sig;
	row.siglen = sizeof(man.sig);
	snprintf(row.key, sizeof(row.key), "%s", bc_key_id(key));
	row.registered = (char *)now;
	if ((r = bc_catalog_add_item(cat, &row, err)) != 0)
		goto out;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.item, sizeof(ev.item), "%s", man.hash);
	ev.seq = 0;
	snprintf(ev.hash, sizeof(ev.hash), "%s", gen.hash);
	ev.body = gen.text;
	ev.body_len = gen.len;
	ev.sig = gen.sig;
	ev.siglen = sizeof(gen.sig);
	snprintf(ev.key, sizeof(ev.key), "%s", bc_key_id(key));
	if ((r = bc_catalog_add_event(cat, &ev, err)) != 0)
		goto out;
	/* what retention reads of it (catalog.h), from what was sealed */
	bc_status_make(num, man.hash, id, mdoc, NULL, 0, 0, 0, "", &status);
	if ((r = bc_catalog_put_status(cat, &status, err)) != 0)
		goto out;
	snprintf(res->id, sizeof(res->id), "%s", id);
	snprintf(res->manifest_hash, sizeof(res->manifest_hash), "%s",
	    man.hash);
	r = 0;
 out:
	bc_item_free(dup);
	json_decref(mdoc);
	json_decref(edoc);
	json_decref(details);
	bc_signed_clear(&man);
	bc_signed_clear(&gen);
	return r;
}

/*
 * The copy in storage, its metadata (read from the copy: what is sealed
 * is of the bytes stored), and the registration of its final path,
 * placed inside the transaction so that a failed one leaves no file.
 */
static int
register_copy(struct bc_catalog *cat, const struct bc_key *key,
    const char *abssrc, const struct bc_register_opts *opts,
    struct bc_register_opts *o, char *now, json_t *swarn,
    struct bc_register_result *res, struct bc_err *err)
{
	struct bc_copy cp;
	struct bc_meta_opts mo;
	struct bc_err me = { 0 };
	json_t *meta = NULL, *sidecar = NULL;
	const char *name = bc_basename(abssrc);
	char hex[BC_SHA256_HEX], final[PATH_MAX];
	int r;

	if ((r = bc_storage_copy(opts->copy_to, abssrc, opts->progress,
	    opts->progress_arg, &cp, err)) != 0)
		return r;
	bc_hex(cp.fh.sha256, sizeof(cp.fh.sha256), hex);
	if ((r = bc_storage_path(opts->copy_to, hex, name, final,
	    sizeof(final), err)) != 0)
		goto out;
	memset(&mo, 0, sizeof(mo));
	mo.verbose = opts->verbose;
	mo.now = now;
	if (lseek(cp.fd, 0, SEEK_SET) != 0 ||
	    bc_meta_extract_fd(cp.fd, bc_media_sniff(cp.fh.head,
	    cp.fh.headlen), &mo, &meta, &me) != 0)
		meta = NULL;	/* metadata never blocks a registration */
	if (opts->sidecar != NULL &&
	    ((r = bc_sidecar_read(opts->sidecar, swarn, &o->op, &sidecar,
	    err)) != 0 || (r = bc_operator_fields_check(&o->op, err)) != 0))
		goto out;
	if (meta != NULL && swarn != NULL)
		json_array_extend(json_object_get(meta, "warnings"), swarn);

	if ((r = bc_catalog_begin(cat, err)) != 0)
		goto out;
	if ((r = bc_clock_sign_time(cat, now, err)) != 0 ||
	    (r = signer_allowed(cat, key, err)) != 0 ||
	    (r = bc_register_locked(cat, key, final, &cp.fh, o, NULL, meta,
	    sidecar, now, res, err)) != 0 ||
	    (r = bc_storage_place(&cp, opts->copy_to, name, err)) != 0) {
		bc_catalog_rollback(cat);
		if (r != BC_ERR_EXISTS || res->existing[0] == '\0')
			res->id[0] = '\0';
		goto out;
	}
	if ((r = bc_catalog_commit(cat, err)) != 0) {
		bc_catalog_rollback(cat);
		bc_storage_unplace(&cp);
		res->id[0] = '\0';
		goto out;
	}
	snprintf(res->path, sizeof(res->path), "%s", cp.final);
	if (opts->move && (r = bc_storage_remove_source(&cp, abssrc,
	    &me)) != 0)
		snprintf(res->note, sizeof(res->note), "%s", me.msg);
	r = 0;
 out:
	bc_storage_close(&cp);
	json_decref(meta);
	json_decref(sidecar);
	return r;
}

int
bc_register(struct bc_catalog *cat, const struct bc_key *key,
    const char *path, const struct bc_register_opts *opts,
    struct bc_register_result *res, struct bc_err *err)
{
	struct bc_file_hash fh;
	struct bc_register_opts o = *opts;
	char abspath[PATH_MAX], now[BC_TIME_MAX];
	json_t *meta = NULL, *sidecar = NULL, *swarn = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if (!bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_KEY_TYPE,
		    "a private key is needed to sign");
	if ((r = bc_operator_fields_check(&opts->op, err)) != 0)
		return r;
	bc_time_now(now);
	if ((r = signer_allowed(cat, key, err)) != 0)	/* fail fast */
		return r;
	if (realpath(path, abspath) == NULL) {
		/* let the hasher say what is wrong (missing, unreadable) */
		if ((r = bc_hash_file(path, &fh, NULL, NULL, err)) != 0)
			return r;
		return bc_err_set(err, BC_ERR_IO, "%s: cannot resolve path",
		    path);
	}
	if (opts->copy_to != NULL) {
		if ((swarn = json_array()) == NULL)
			return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		r = register_copy(cat, key, abspath, opts, &o, now, swarn,
		    res, err);
		json_decref(swarn);
		return r;
	}
	/* hashing, metadata and sidecar are read outside the write lock */
	if ((r = bc_register_read(abspath, opts->progress, opts->progress_arg,
	    opts->verbose, now, &fh, &meta, err)) != 0)
		return r;
	if (opts->sidecar != NULL) {
		if ((swarn = json_array()) == NULL)
			return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		if ((r = bc_sidecar_read(opts->sidecar, swarn, &o.op,
		    &sidecar, err)) != 0 ||
		    (r = bc_operator_fields_check(&o.op, err)) != 0)
			goto out;
	}
	if (meta != NULL && swarn != NULL)
		json_array_extend(json_object_get(meta, "warnings"), swarn);

	if ((r = bc_catalog_begin(cat, err)) != 0)
		goto out;
	/* again under the lock: the key may have been revoked meanwhile,
	 * and the time is read where it is checked against the log */
	if ((r = bc_clock_sign_time(cat, now, err)) != 0 ||
	    (r = signer_allowed(cat, key, err)) != 0 ||
	    (r = bc_register_locked(cat, key, abspath, &fh, &o, NULL, meta,
	    sidecar, now, res, err)) != 0 ||
	    (r = bc_catalog_commit(cat, err)) != 0) {
		bc_catalog_rollback(cat);
		if (r != BC_ERR_EXISTS)
			res->id[0] = '\0';
	} else
		snprintf(res->path, sizeof(res->path), "%s", abspath);
 out:
	json_decref(meta);
	json_decref(sidecar);
	json_decref(swarn);
	return r;
}
