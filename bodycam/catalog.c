/*
 * catalog.c - the SQLite catalog: opening and creating it, transactions,
 * items, events, key documents, releases and tokens.  With catalog-sql.c
 * (statements, transactions, row readers), catalog-log.c (the
 * transparency log's tables) and catalog-schema.c (the migrations) the
 * only files in bodycam that speak SQL: prepared statements with
 * bound values throughout (the exceptions, PRAGMA user_version and
 * application_id, take compile-time integers).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bodycam/buf.h"
#include "bodycam/catalog.h"
#include "catalog-int.h"

static int
configure(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	sqlite3_extended_result_codes(cat->db, 1);
	if (sqlite3_busy_timeout(cat->db, BC_CAT_BUSY_TIMEOUT_MS) != SQLITE_OK)
		return bc_cat_err(cat, err, "busy timeout");
	if ((r = bc_cat_exec(cat, "PRAGMA foreign_keys = ON", err)) != 0 ||
	    (r = bc_cat_exec(cat, "PRAGMA synchronous = FULL", err)) != 0 ||
	    (r = bc_cat_exec(cat, "PRAGMA trusted_schema = OFF", err)) != 0)
		return r;
	return 0;
}

/*
 * "file:" URI of path with immutable=1, every byte but the unreserved ones
 * and '/' percent-encoded; NULL when out of memory.
 */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *uri, *o;

	if ((uri = malloc(3 * strlen(path) + sizeof("file://?immutable=1"))) ==
	    NULL)
		return NULL;
	/* "file:///abs" (an empty authority) or "file:rel" */
	o = uri + sprintf(uri, "file:%s", path[0] == '/' ? "//" : "");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
	}
	strcpy(o, "?immutable=1");
	return uri;
}

/* flags: BC_CATALOG_READ_ONLY; immutable: see bc_catalog_open_flags. */
static int
open_db(const char *path, int flags, int immutable, struct bc_catalog **out,
    struct bc_err *err)
{
	struct bc_catalog *cat;
	char *uri = NULL;
	int oflags = SQLITE_OPEN_NOMUTEX, rc, r;

	*out = NULL;
	if ((cat = calloc(1, sizeof(*cat))) == NULL ||
	    (cat->path = strdup(path)) == NULL ||
	    (immutable && (uri = immutable_uri(path)) == NULL)) {
		if (cat != NULL)
			free(cat->path);
		free(cat);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	cat->read_only = (flags & BC_CATALOG_READ_ONLY) != 0;
	oflags |= cat->read_only ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (uri != NULL)
		oflags |= SQLITE_OPEN_URI;
	rc = sqlite3_open_v2(uri != NULL ? uri : path, &cat->db, oflags,
	    NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		r = bc_err_set(err, BC_ERR_DB, "%s: %s", path,
		    cat->db ? sqlite3_errmsg(cat->db) : "cannot open");
		bc_catalog_close(cat);
		return r;
	}
	*out = cat;
	return 0;
}

void
bc_catalog_close(struct bc_catalog *cat)
{
	if (cat == NULL)
		return;
	if (cat->in_tx)
		bc_catalog_rollback(cat);
	sqlite3_finalize(cat->node_get);
	sqlite3_finalize(cat->node_put);
	sqlite3_finalize(cat->view_get);
	sqlite3_close(cat->db);
	free(cat->path);
	free(cat);
}

int
bc_catalog_open(const char *path, struct bc_catalog **out,
    struct bc_err *err)
{
	return bc_catalog_open_flags(path, 0, out, err);
}

/*
 * Whether a read-only connection that could not read may be replaced by
 * an immutable one: when SQLite could not set up the WAL's shared memory
 * (a directory or mount that cannot be written) and there is no log with
 * changes that the main file lacks.  A reader cannot create the -shm and
 * -wal files there, and SQLite reads a WAL database only with them or as
 * immutable (sqlite.org/wal.html, "Read-Only Databases").
 */
static int
immutable_ok(struct bc_catalog *cat, const char *path, struct bc_err *err)
{
	int code = sqlite3_extended_errcode(cat->db) & 0xff;
	char wal[4096];
	struct stat st;

	if (!cat->read_only || (code != SQLITE_READONLY &&
	    code != SQLITE_CANTOPEN))
		return 0;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) >= sizeof(wal))
		return 0;
	if (stat(wal, &st) == 0 && st.st_size > 0) {
		bc_err_set(err, BC_ERR_DB, "%s: cannot be read here: its "
		    "write-ahead log %s holds changes, and reading them needs "
		    "a %s-shm file, which cannot be made in this directory; "
		    "copy the catalog and its -wal file to a directory you "
		    "may write, or have a writer open it once", path, wal,
		    path);
		return 0;
	}
	return 1;
}

int
bc_catalog_open_flags(const char *path, int flags, struct bc_catalog **out,
    struct bc_err *err)
{
	struct bc_catalog *cat = NULL;
	struct stat st;
	char mode[16];
	sqlite3_stmt *stmt = NULL;
	int app = 0, r;

	*out = NULL;
	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return bc_err_set(err, BC_ERR_NOT_FOUND,
			    "no catalog at %s (create one with 'bodycam init' "
			    "or name one with --catalog)", path);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog (not a regular file)", path);
	if ((r = open_db(path, flags, 0, &cat, err)) != 0)
		return r;
	/* the first statements read the schema: where a reader finds that
	 * it cannot use the WAL */
	if (((r = configure(cat, err)) != 0 || (r = bc_cat_pragma_int(cat,
	    "PRAGMA application_id", &app, err)) != 0) &&
	    immutable_ok(cat, path, err)) {
		bc_catalog_close(cat);
		cat = NULL;
		if ((r = open_db(path, flags, 1, &cat, err)) != 0 ||
		    (r = configure(cat, err)) != 0)
			goto out;
		r = bc_cat_pragma_int(cat, "PRAGMA application_id", &app, err);
	}
	if (r != 0)
		goto out;
	if ((uint32_t)app != BC_CATALOG_APP_ID) {
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog", path);
		goto out;
	}
	/* read-only: a catalog that needs an upgrade is refused, not upgraded */
	if ((r = bc_cat_migrate(cat, err)) != 0)
		goto out;
	if (cat->read_only)
		goto done;
	/* WAL persists in the file; asking again is cheap and idempotent */
	if ((r = bc_cat_prepare(cat, "PRAGMA journal_mode = WAL", &stmt, err)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = bc_cat_err(cat, err, "journal mode");
		goto out;
	}
	snprintf(mode, sizeof(mode), "%s",
	    (const char *)sqlite3_column_text(stmt, 0));
	if (strcasecmp(mode, "wal") != 0) {
		r = bc_err_set(err, BC_ERR_DB, "%s: cannot enable WAL (%s)",
		    path, mode);
		goto out;
	}
 done:
	*out = cat;
	cat = NULL;
	r = 0;
 out:
	sqlite3_finalize(stmt);
	bc_catalog_close(cat);
	return r;
}

int
bc_catalog_read_only(const struct bc_catalog *cat)
{
	return cat->read_only;
}

int
bc_catalog_create(const char *path, const struct bc_key *admin,
    const char *origin, struct bc_catalog **out, struct bc_err *err)
{
	struct bc_catalog *cat = NULL;
	sqlite3_stmt *st = NULL;
	char hex[2 * BC_ED25519_PUBLEN + 1];
	char name[BC_ORIGIN_MAX + 1];
	char sql[64];
	int fd, r;

	*out = NULL;
	if (origin == NULL) {
		if ((r = bc_default_origin(name, err)) != 0)
			return r;
		origin = name;
	} else if ((r = bc_origin_check(origin, err)) != 0) {
		return r;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd == -1) {
		if (errno == EEXIST)
			return bc_err_set(err, BC_ERR_EXISTS,
			    "%s already exists; refusing to overwrite it",
			    path);
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	close(fd);
	if ((r = open_db(path, 0, 0, &cat, err)) != 0)
		goto fail;
	if ((r = configure(cat, err)) != 0)
		goto fail;
	if ((r = bc_cat_exec(cat, "PRAGMA journal_mode = WAL", err)) != 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    (int)BC_CATALOG_APP_ID);
	if ((r = bc_cat_exec(cat, sql, err)) != 0)
		goto fail;
	if ((r = bc_cat_migrate(cat, err)) != 0)
		goto fail;
	if ((r = bc_catalog_begin(cat, err)) != 0)
		goto fail;
	bc_hex(bc_key_public(admin), BC_ED25519_PUBLEN, hex);
	if ((r = bc_cat_prepare(cat, "INSERT INTO meta (name, value) VALUES "
	    "('admin_key', ?1), ('admin_key_id', ?2), ('origin', ?3)", &st,
	    err)) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, bc_key_id(admin), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, origin, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = bc_cat_err(cat, err, "record admin key");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = bc_catalog_commit(cat, err)) != 0)
		goto fail;
	*out = cat;
	return 0;
 fail:
	sqlite3_finalize(st);
	bc_catalog_close(cat);
	unlink(path);
	{
		char side[4096];

		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	return r;
}

int
bc_catalog_schema(struct bc_catalog *cat, int *version)
{
	return bc_cat_pragma_int(cat, "PRAGMA user_version", version, NULL);
}

int
bc_catalog_admin_key(struct bc_catalog *cat, struct bc_key **out,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	uint8_t raw[BC_ED25519_PUBLEN];
	const char *hex;
	int r;

	*out = NULL;
	if ((r = bc_cat_prepare(cat, "SELECT value FROM meta WHERE name = ?1", &st,
	    err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, "admin_key", -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s: no admin key recorded", cat->path);
		goto out;
	default:
		r = bc_cat_err(cat, err, "read admin key");
		goto out;
	}
	hex = (const char *)sqlite3_column_text(st, 0);
	if (hex == NULL || bc_unhex(hex, raw, sizeof(raw)) != 0 ||
	    bc_key_from_raw(raw, out) != 0) {
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s: recorded admin key is malformed", cat->path);
		goto out;
	}
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/* The seq and hash of the one row st (seq, hash) reads, if any. */
static int
read_head(struct bc_catalog *cat, sqlite3_stmt *st, int64_t *seq,
    char hash[BC_SHA256_HEX], const char *what, struct bc_err *err)
{
	int rc;

	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		bc_cat_copy(hash, BC_SHA256_HEX, sqlite3_column_text(st, 1));
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : bc_cat_err(cat, err, what);
}

int
bc_catalog_event_head(struct bc_catalog *cat, const char *item,
    int64_t *seq, char hash[BC_SHA256_HEX], struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	*seq = -1;
	hash[0] = '\0';
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash FROM events WHERE"
	    " item = ?1 ORDER BY seq DESC LIMIT 1", &st, err)) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, item, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		r = bc_cat_err(cat, err, "chain head");
	else
		r = read_head(cat, st, seq, hash, "chain head", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_keydoc_head(struct bc_catalog *cat, int64_t *seq,
    char hash[BC_SHA256_HEX], struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	*seq = -1;
	hash[0] = '\0';
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash FROM keydocs ORDER BY"
	    " seq DESC LIMIT 1", &st, err)) != 0)
		return r;
	r = read_head(cat, st, seq, hash, "key documents", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_next_item_num(struct bc_catalog *cat, int64_t *num,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT coalesce(max(num), 0) + 1 FROM items",
	    &st, err)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = bc_cat_err(cat, err, "next item number");
		goto out;
	}
	*num = sqlite3_column_int64(st, 0);
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

/*
 * Starts the INSERT of a signed record: appends body to the log as the next
 * leaf (*leaf) and prepares sql. Only inside a write transaction.
 */
static int
logged_insert(struct bc_catalog *cat, const char *body, size_t len,
    const char *sql, sqlite3_stmt **st, int64_t *leaf, struct bc_err *err)
{
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_log_append(cat, body, len, leaf, err)) != 0)
		return r;
	return bc_cat_prepare(cat, sql, st, err);
}

int
bc_catalog_add_item(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, it->manifest, it->manifest_len,
	    "INSERT INTO items (num, id, sha256, size, path, manifest,"
	    " manifest_hash, signature, key, registered, leaf)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st,
	    &leaf, err)) != 0)
		return r;
	sqlite3_bind_int64(st, 11, leaf);
	sqlite3_bind_int64(st, 1, it->num);
	sqlite3_bind_text(st, 2, it->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, it->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, it->size);
	sqlite3_bind_text(st, 5, it->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, it->manifest, (int)it->manifest_len,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 7, it->manifest_hash, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, it->sig, (int)it->siglen, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, it->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, it->registered, -1, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "add item", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_add_event(struct bc_catalog *cat, const struct bc_event *ev,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, ev->body, ev->body_len,
	    "INSERT INTO events (item, seq, hash, body, signature, key, leaf)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, &leaf, err)) != 0)
		return r;
	sqlite3_bind_int64(st, 7, leaf);
	sqlite3_bind_text(st, 1, ev->item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ev->seq);
	sqlite3_bind_text(st, 3, ev->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ev->body, (int)ev->body_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, ev->sig, (int)ev->siglen, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ev->key, -1, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "add event", err);
	sqlite3_finalize(st);
	return r;
}

#define ITEM_COLS "num, id, sha256, size, path, manifest, manifest_hash," \
	" signature, key, registered, coalesce(leaf, -1)"

static int
item_from_row(sqlite3_stmt *st, struct bc_item **out)
{
	struct bc_item *it;

	*out = NULL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return BC_ERR_NOMEM;
	it->num = sqlite3_column_int64(st, 0);
	bc_cat_copy(it->id, sizeof(it->id), sqlite3_column_text(st, 1));
	bc_cat_copy(it->sha256, sizeof(it->sha256),
	    sqlite3_column_text(st, 2));
	it->size = sqlite3_column_int64(st, 3);
	it->path = bc_cat_dup_text(st, 4, NULL);
	it->manifest = bc_cat_dup_text(st, 5, &it->manifest_len);
	bc_cat_copy(it->manifest_hash, sizeof(it->manifest_hash),
	    sqlite3_column_text(st, 6));
	it->sig = bc_cat_dup_blob(st, 7, &it->siglen);
	bc_cat_copy(it->key, sizeof(it->key), sqlite3_column_text(st, 8));
	it->registered = bc_cat_dup_text(st, 9, NULL);
	it->leaf = sqlite3_column_int64(st, 10);
	/* a list query adds the stored view */
	if (sqlite3_column_count(st) > 11 &&
	    sqlite3_column_type(st, 11) != SQLITE_NULL &&
	    (it->view = bc_cat_dup_text(st, 11, NULL)) == NULL) {
		bc_item_free(it);
		return BC_ERR_NOMEM;
	}
	if (it->path == NULL || it->manifest == NULL || it->sig == NULL ||
	    it->registered == NULL) {
		bc_item_free(it);
		return BC_ERR_NOMEM;
	}
	*out = it;
	return 0;
}

void
bc_item_free(struct bc_item *it)
{
	if (it == NULL)
		return;
	free(it->path);
	free(it->manifest);
	free(it->sig);
	free(it->registered);
	free(it->view);
	free(it);
}

static int
is_item_id(const char *ref)
{
	size_t i;

	if (strncasecmp(ref, "BWC-", 4) != 0 || ref[4] == '\0')
		return 0;
	for (i = 4; ref[i] != '\0'; i++)
		if (ref[i] < '0' || ref[i] > '9')
			return 0;
	return i < BC_ITEM_ID_MAX;
}

static int
is_hex_prefix(const char *ref, char *lower)
{
	size_t i, n = strlen(ref);

	if (n < BC_ITEM_PREFIX_MIN || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = ref[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		lower[i] = c;
	}
	lower[n] = '\0';
	return 1;
}

int
bc_catalog_find_item(struct bc_catalog *cat, const char *ref,
    struct bc_item **out, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	struct bc_item *first = NULL;
	char key[BC_SHA256_HEX], id[BC_ITEM_ID_MAX];
	char list[384];
	size_t i, used = 0;
	int rc, nrows = 0, r;

	*out = NULL;
	list[0] = '\0';
	if (is_item_id(ref)) {
		for (i = 0; ref[i] != '\0'; i++)
			id[i] = (char)(ref[i] >= 'a' && ref[i] <= 'z' ?
			    ref[i] - 'a' + 'A' : ref[i]);
		id[i] = '\0';
		if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS " FROM items"
		    " WHERE id = ?1", &st, err)) != 0)
			return r;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else if (is_hex_prefix(ref, key)) {
		/* every string with this prefix sorts between key and key||'g' */
		if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS " FROM items"
		    " WHERE sha256 >= ?1 AND sha256 < ?1 || 'g'"
		    " ORDER BY num LIMIT 11", &st, err)) != 0)
			return r;
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	} else {
		return bc_err_set(err, BC_ERR_NOT_FOUND,
		    "'%s' is neither an item id (BWC-000123) nor a hash "
		    "prefix of %d or more hex digits", ref,
		    BC_ITEM_PREFIX_MIN);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nrows++ == 0) {
			if ((r = item_from_row(st, &first)) != 0)
				goto out;
		}
		if (used < sizeof(list) - 1) {
			int n = snprintf(list + used, sizeof(list) - used,
			    "%s%s (%.16s...)", nrows > 1 ? ", " : "",
			    (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 2));
			if (n > 0)
				used += (size_t)n;
		}
	}
	if (rc != SQLITE_DONE) {
		r = bc_cat_err(cat, err, "find item");
		goto out;
	}
	if (nrows == 0) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no item '%s' in %s",
		    ref, cat->path);
		goto out;
	}
	if (nrows > 1) {
		r = bc_err_set(err, BC_ERR_AMBIGUOUS,
		    "'%s' matches %s%d items: %s", ref,
		    nrows > 10 ? "more than " : "", nrows > 10 ? 10 : nrows,
		    list);
		goto out;
	}
	*out = first;
	first = NULL;
	r = 0;
 out:
	bc_item_free(first);
	sqlite3_finalize(st);
	return r;
}

/* The item that the query sql, with value bound to ?1, finds. */
static int
find_by(struct bc_catalog *cat, const char *sql, const char *value,
    struct bc_item **out, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		r = item_from_row(st, out);
		break;
	case SQLITE_DONE:
		r = bc_err_set(err, BC_ERR_NOT_FOUND,
		    "no item with hash %s in %s", value, cat->path);
		break;
	default:
		r = bc_cat_err(cat, err, "find item by hash");
		break;
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_find_by_sha256(struct bc_catalog *cat, const char *sha256,
    struct bc_item **out, struct bc_err *err)
{
	return find_by(cat, "SELECT " ITEM_COLS " FROM items"
	    " WHERE sha256 = ?1", sha256, out, err);
}

int
bc_catalog_find_by_manifest(struct bc_catalog *cat, const char *hash,
    struct bc_item **out, struct bc_err *err)
{
	return find_by(cat, "SELECT " ITEM_COLS " FROM items"
	    " WHERE manifest_hash = ?1", hash, out, err);
}

void
bc_events_free(struct bc_event *ev, size_t n)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ev[i].body);
		free(ev[i].sig);
	}
	free(ev);
}

int
bc_catalog_events(struct bc_catalog *cat, const char *item,
    struct bc_event **out, size_t *n, struct bc_err *err)
{
	return bc_catalog_events_range(cat, item, 0, -1, out, n, err);
}

static int
event_fill(sqlite3_stmt *st, void *elem)
{
	struct bc_event *e = elem;

	e->rowid = sqlite3_column_int64(st, 0);
	bc_cat_copy(e->item, sizeof(e->item), sqlite3_column_text(st, 1));
	e->seq = sqlite3_column_int64(st, 2);
	bc_cat_copy(e->hash, sizeof(e->hash), sqlite3_column_text(st, 3));
	e->body = bc_cat_dup_text(st, 4, &e->body_len);
	e->sig = bc_cat_dup_blob(st, 5, &e->siglen);
	bc_cat_copy(e->key, sizeof(e->key), sqlite3_column_text(st, 6));
	e->leaf = sqlite3_column_int64(st, 7);
	return e->body == NULL || e->sig == NULL;
}

static void
events_release(void *v, size_t n)
{
	bc_events_free(v, n);
}

int
bc_catalog_events_range(struct bc_catalog *cat, const char *item,
    int64_t from, int64_t limit, struct bc_event **out, size_t *n,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT id, item, seq, hash, body,"
	    " signature, key, coalesce(leaf, -1) FROM events WHERE item = ?1"
	    " AND seq >= ?2 ORDER BY seq, id LIMIT ?3", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, limit < 0 ? -1 : limit);
	if ((r = bc_cat_collect(cat, st, sizeof(**out), event_fill,
	    events_release, "read events", &v, n, err)) == 0)
		*out = v;
	sqlite3_finalize(st);
	return r;
}

/*
 * Steps st (a query of ITEM_COLS), handing each item to fn, which owns
 * it; stops at fn's first non-zero return.
 */
static int
each_item(struct bc_catalog *cat, sqlite3_stmt *st,
    int (*fn)(void *arg, struct bc_item *it), void *arg, struct bc_err *err)
{
	struct bc_item *it;
	int rc, r;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = item_from_row(st, &it)) != 0)
			return bc_err_set(err, r, "out of memory");
		if ((r = fn(arg, it)) != 0)
			return r;
	}
	return rc == SQLITE_DONE ? 0 : bc_cat_err(cat, err, "read items");
}

/* bc_catalog_list lends each item to its callback, then frees it. */
struct lender {
	int	(*fn)(void *arg, const struct bc_item *it);
	void	*arg;
};

static int
lend(void *arg, struct bc_item *it)
{
	struct lender *l = arg;
	int r = l->fn(l->arg, it);

	bc_item_free(it);
	return r;
}

int
bc_catalog_list(struct bc_catalog *cat, const struct bc_list_filter *f,
    int (*fn)(void *arg, const struct bc_item *it), void *arg,
    struct bc_err *err)
{
	static const struct bc_list_filter none;
	struct lender l = { fn, arg };
	sqlite3_stmt *st = NULL;
	int r;

	if (f == NULL)
		f = &none;
	if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS ", v.view FROM items"
	    " LEFT JOIN views v ON v.item = items.manifest_hash WHERE"
	    " (?1 IS NULL OR (json_valid(manifest) AND"
	    "   lower(json_extract(manifest, '$.capture.officer')) ="
	    "   lower(?1))) AND"
	    " (?2 IS NULL OR (json_valid(manifest) AND"
	    "   lower(json_extract(manifest, '$.capture.device')) ="
	    "   lower(?2))) AND"
	    " (?3 IS NULL OR (CASE WHEN v.item IS NULL THEN"
	    "   (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.case.number') END)"
	    "   ELSE json_extract(v.view, '$.case') END) = ?3) AND"
	    " (?4 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') >= ?4)) AND"
	    " (?5 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') <= ?5)) AND"
	    " (?6 IS NULL OR (CASE WHEN v.item IS NULL THEN"
	    "   (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.case.category') END)"
	    "   ELSE json_extract(v.view, '$.category') END) = ?6) AND"
	    " (?7 IS NULL OR EXISTS (SELECT 1 FROM json_each(CASE WHEN"
	    "   v.item IS NULL THEN (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.tags') END)"
	    "   ELSE json_extract(v.view, '$.tags') END) t"
	    "   WHERE t.value = ?7))"
	    " ORDER BY num", &st, err)) != 0)
		return r;
	if (f->officer)
		sqlite3_bind_text(st, 1, f->officer, -1, SQLITE_STATIC);
	if (f->device)
		sqlite3_bind_text(st, 2, f->device, -1, SQLITE_STATIC);
	if (f->case_no)
		sqlite3_bind_text(st, 3, f->case_no, -1, SQLITE_STATIC);
	if (f->since)
		sqlite3_bind_text(st, 4, f->since, -1, SQLITE_STATIC);
	if (f->until)
		sqlite3_bind_text(st, 5, f->until, -1, SQLITE_STATIC);
	if (f->category)
		sqlite3_bind_text(st, 6, f->category, -1, SQLITE_STATIC);
	if (f->tag)
		sqlite3_bind_text(st, 7, f->tag, -1, SQLITE_STATIC);
	r = each_item(cat, st, lend, &l, err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_walk(struct bc_catalog *cat,
    int (*fn)(void *arg, struct bc_item *it), void *arg, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS " FROM items ORDER BY num",
	    &st, err)) != 0)
		return r;
	r = each_item(cat, st, fn, arg, err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_count(struct bc_catalog *cat, int64_t *items, int64_t *events,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT (SELECT count(*) FROM items),"
	    " (SELECT count(*) FROM events)", &st, err)) != 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*items = sqlite3_column_int64(st, 0);
		*events = sqlite3_column_int64(st, 1);
		r = 0;
	} else {
		r = bc_cat_err(cat, err, "count items");
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_orphan_events(struct bc_catalog *cat,
    int (*fn)(void *arg, const char *item, int64_t seq), void *arg,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *item;
	int rc, r;

	if ((r = bc_cat_prepare(cat, "SELECT item, seq FROM events WHERE item NOT IN"
	    " (SELECT manifest_hash FROM items) ORDER BY id", &st,
	    err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		item = sqlite3_column_text(st, 0);
		if ((r = fn(arg, item ? (const char *)item : "",
		    sqlite3_column_int64(st, 1))) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : bc_cat_err(cat, err, "find orphan events");
 out:
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_add_keydoc(struct bc_catalog *cat, const struct bc_keydoc *d,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, d->body, d->body_len,
	    "INSERT INTO keydocs (seq, hash, key, body, signature, signer,"
	    " leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, &leaf,
	    err)) != 0)
		return r;
	sqlite3_bind_int64(st, 7, leaf);
	sqlite3_bind_int64(st, 1, d->seq);
	sqlite3_bind_text(st, 2, d->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->body, (int)d->body_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, d->sig, (int)d->siglen, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, d->signer, -1, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "add key document", err);
	sqlite3_finalize(st);
	return r;
}

/*
 * A signed record by sql, which binds hash, body, signature, key, leaf
 * and (with_id) the row's id; without, SQLite chooses it.
 */
static int
record_insert(struct bc_catalog *cat, const char *sql,
    struct bc_record_row *row, int with_id, const char *what,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, row->body, row->body_len, sql, &st, &leaf,
	    err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, row->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->body, (int)row->body_len,
	    SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, row->sig, (int)row->siglen, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, leaf);
	if (with_id)
		sqlite3_bind_int64(st, 6, row->id);
	if ((r = bc_cat_step_insert(cat, st, what, err)) == 0) {
		if (!with_id)
			row->id = sqlite3_last_insert_rowid(cat->db);
		row->leaf = leaf;
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_add_release(struct bc_catalog *cat, struct bc_record_row *row,
    struct bc_err *err)
{
	return record_insert(cat, "INSERT INTO releases (hash, body,"
	    " signature, key, leaf) VALUES (?1, ?2, ?3, ?4, ?5)", row, 0,
	    "add release statement", err);
}

int
bc_catalog_add_policy(struct bc_catalog *cat, struct bc_record_row *row,
    struct bc_err *err)
{
	return record_insert(cat, "INSERT INTO policies (hash, body,"
	    " signature, key, leaf, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    row, 1, "add retention policy", err);
}

/* Calls fn for each row sql selects (id, hash, body, signature, key, leaf). */
static int
record_rows(struct bc_catalog *cat, const char *sql, const char *what,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	struct bc_record_row row;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(st, 0);
		bc_cat_copy(row.hash, sizeof(row.hash), sqlite3_column_text(st, 1));
		row.body = (const char *)sqlite3_column_text(st, 2);
		row.body_len = (size_t)sqlite3_column_bytes(st, 2);
		row.sig = sqlite3_column_blob(st, 3);
		row.siglen = (size_t)sqlite3_column_bytes(st, 3);
		bc_cat_copy(row.key, sizeof(row.key), sqlite3_column_text(st, 4));
		row.leaf = sqlite3_column_int64(st, 5);
		if (row.body == NULL)
			row.body = "";
		if ((r = fn(arg, &row)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, what);
 out:
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_releases(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	return record_rows(cat, "SELECT id, hash, body, signature, key,"
	    " coalesce(leaf, -1) FROM releases ORDER BY id",
	    "read release statements", fn, arg, err);
}

int
bc_catalog_policies(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	return record_rows(cat, "SELECT seq, hash, body, signature, key,"
	    " coalesce(leaf, -1) FROM policies ORDER BY seq",
	    "read retention policies", fn, arg, err);
}

void
bc_keydocs_free(struct bc_keydoc *d, size_t n)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(d[i].body);
		free(d[i].sig);
	}
	free(d);
}

static int
keydoc_fill(sqlite3_stmt *st, void *elem)
{
	struct bc_keydoc *d = elem;

	d->seq = sqlite3_column_int64(st, 0);
	bc_cat_copy(d->hash, sizeof(d->hash), sqlite3_column_text(st, 1));
	bc_cat_copy(d->key, sizeof(d->key), sqlite3_column_text(st, 2));
	d->body = bc_cat_dup_text(st, 3, &d->body_len);
	d->sig = bc_cat_dup_blob(st, 4, &d->siglen);
	bc_cat_copy(d->signer, sizeof(d->signer), sqlite3_column_text(st, 5));
	d->leaf = sqlite3_column_int64(st, 6);
	return d->body == NULL || d->sig == NULL;
}

static void
keydocs_release(void *v, size_t n)
{
	bc_keydocs_free(v, n);
}

int
bc_catalog_keydocs(struct bc_catalog *cat, struct bc_keydoc **out,
    size_t *n, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash, key, body, signature,"
	    " signer, coalesce(leaf, -1) FROM keydocs ORDER BY seq", &st,
	    err)) != 0)
		return r;
	if ((r = bc_cat_collect(cat, st, sizeof(**out), keydoc_fill,
	    keydocs_release, "read key documents", &v, n, err)) == 0)
		*out = v;
	sqlite3_finalize(st);
	return r;
}

/*
 * Views: the current view of annotated items, derived from their chains.
 */

int
bc_catalog_put_view(struct bc_catalog *cat, const char *item, int64_t seq,
    const char *view, size_t len, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "INSERT INTO views (item, seq, view)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (item) DO UPDATE SET"
	    " seq = excluded.seq, view = excluded.view", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_text(st, 3, view, (int)len, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "store the current view", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_get_view(struct bc_catalog *cat, const char *item, int64_t *seq,
    char **view, struct bc_err *err)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	*seq = -1;
	*view = NULL;
	if (cat->view_get == NULL && (r = bc_cat_prepare(cat, "SELECT seq,"
	    " view FROM views WHERE item = ?1", &cat->view_get, err)) != 0)
		return r;
	st = cat->view_get;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if ((*view = bc_cat_dup_text(st, 1, NULL)) == NULL)
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	} else if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, "read the current view");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

/*
 * Bearer tokens: rows of the tokens table, which holds hashes only.
 */

#define TOKEN_COLS "id, name, role, hash, created, created_by," \
	" coalesce(revoked, '')"

static int
token_fill(sqlite3_stmt *st, void *elem)
{
	struct bc_token_row *t = elem;

	t->id = sqlite3_column_int64(st, 0);
	bc_cat_copy(t->name, sizeof(t->name), sqlite3_column_text(st, 1));
	t->role = sqlite3_column_int(st, 2);
	bc_cat_copy(t->hash, sizeof(t->hash), sqlite3_column_text(st, 3));
	bc_cat_copy(t->created, sizeof(t->created),
	    sqlite3_column_text(st, 4));
	bc_cat_copy(t->created_by, sizeof(t->created_by),
	    sqlite3_column_text(st, 5));
	bc_cat_copy(t->revoked, sizeof(t->revoked),
	    sqlite3_column_text(st, 6));
	return 0;
}

int
bc_catalog_add_token(struct bc_catalog *cat, struct bc_token_row *row,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	/* under the write lock: a clear message rather than the index's */
	if ((r = bc_cat_prepare(cat, "SELECT 1 FROM tokens WHERE name = ?1 AND"
	    " revoked IS NULL", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, row->name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		break;
	case SQLITE_ROW:
		r = bc_err_set(err, BC_ERR_EXISTS, "an active token named "
		    "'%s' exists (revoke it first)", row->name);
		goto out;
	default:
		r = bc_cat_err(cat, err, "find token");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = bc_cat_prepare(cat, "INSERT INTO tokens (name, role, hash, created,"
	    " created_by) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, row->role);
	sqlite3_bind_text(st, 3, row->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->created_by, -1, SQLITE_STATIC);
	if ((r = bc_cat_step_insert(cat, st, "add token", err)) == 0)
		row->id = sqlite3_last_insert_rowid(cat->db);
 out:
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_find_token(struct bc_catalog *cat, const char *hash,
    struct bc_token_row *out, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = bc_cat_prepare(cat, "SELECT " TOKEN_COLS " FROM tokens"
	    " WHERE hash = ?1", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		r = token_fill(st, out);
		break;
	case SQLITE_DONE:
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "unknown token");
		break;
	default:
		r = bc_cat_err(cat, err, "find token");
		break;
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_revoke_token(struct bc_catalog *cat, const char *name,
    const char *at, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "UPDATE tokens SET revoked = ?2 WHERE"
	    " name = ?1 AND revoked IS NULL", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = bc_cat_err(cat, err, "revoke token");
	else if (sqlite3_changes(cat->db) == 0)
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no active token named "
		    "'%s' in %s", name, cat->path);
	else
		r = 0;
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_tokens(struct bc_catalog *cat, struct bc_token_row **out,
    size_t *n, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT " TOKEN_COLS " FROM tokens"
	    " ORDER BY id", &st, err)) != 0)
		return r;
	if ((r = bc_cat_collect(cat, st, sizeof(**out), token_fill, NULL,
	    "read tokens", &v, n, err)) == 0)
		*out = v;
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_storage(struct bc_catalog *cat, char *out, size_t outsz,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	const char *v;
	int r;

	out[0] = '\0';
	if ((r = bc_cat_prepare(cat, "SELECT value FROM meta WHERE name = "
	    "'storage'", &st, err)) != 0)
		return r;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		v = (const char *)sqlite3_column_text(st, 0);
		if (v == NULL || v[0] != '/' ||
		    (size_t)sqlite3_column_bytes(st, 0) >= outsz ||
		    strlen(v) != (size_t)sqlite3_column_bytes(st, 0)) {
			r = bc_err_set(err, BC_ERR_INVALID, "%s: the recorded "
			    "storage root is malformed", cat->path);
			break;
		}
		snprintf(out, outsz, "%s", v);
		r = 0;
		break;
	case SQLITE_DONE:
		r = 0;
		break;
	default:
		r = bc_cat_err(cat, err, "read the storage root");
		break;
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_set_storage(struct bc_catalog *cat, const char *dir,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char abs[PATH_MAX], cur[PATH_MAX];
	int r;

	if (realpath(dir, abs) == NULL)
		return bc_err_errno(err, errno, "storage %s", dir);
	if (stat(abs, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return bc_err_set(err, BC_ERR_INVALID, "storage %s: not a "
		    "directory", dir);
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	if ((r = bc_catalog_storage(cat, cur, sizeof(cur), err)) != 0)
		goto fail;
	if (cur[0] != '\0') {
		r = bc_err_set(err, BC_ERR_EXISTS, "the catalog's storage root "
		    "is already %s; it is set once", cur);
		goto fail;
	}
	if ((r = bc_cat_prepare(cat, "INSERT INTO meta (name, value) VALUES "
	    "('storage', ?1)", &st, err)) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, abs, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = bc_cat_err(cat, err, "record the storage root");
		goto fail;
	}
	sqlite3_finalize(st);
	return bc_catalog_commit(cat, err);
 fail:
	sqlite3_finalize(st);
	bc_catalog_rollback(cat);
	return r;
}
