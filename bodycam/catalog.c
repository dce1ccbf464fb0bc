/*
 * catalog.c - the SQLite catalog.  The only file in bodycam that speaks
 * SQL: prepared statements with bound values throughout (the one
 * exception, PRAGMA user_version, takes a compile-time integer).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bodycam/buf.h"
#include "bodycam/catalog.h"

#define BUSY_TIMEOUT_MS	30000

struct bc_catalog {
	sqlite3		*db;
	char		*path;
	int		 read_only;	/* BC_CATALOG_READ_ONLY */
	int		 in_tx;
	sqlite3_stmt	*node_get;	/* prepared once, for the log */
	sqlite3_stmt	*node_put;
	int		 node_rc;	/* the last node statement's error */
};

static int backfill_log(struct bc_catalog *, struct bc_err *);
static int log_append(struct bc_catalog *, const void *, size_t, int64_t *,
    struct bc_err *);

/*
 * Ordered migrations: migrations[i] takes a catalog from user_version i to
 * i + 1: its sql, then its fn (when not NULL), then its after, in one
 * transaction.  Never edit a released entry; append a new one.
 */
static const struct migration {
	const char	*sql;
	int		(*fn)(struct bc_catalog *, struct bc_err *);
	const char	*after;
} migrations[BC_CATALOG_SCHEMA] = {
	/* 0 -> 1: items, events, meta; append-only triggers */
	{
	"CREATE TABLE meta ("
	"  name  TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE items ("
	"  num           INTEGER PRIMARY KEY,"
	"  id            TEXT NOT NULL UNIQUE,"
	"  sha256        TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),"
	"  size          INTEGER NOT NULL CHECK (size >= 0),"
	"  path          TEXT NOT NULL,"
	"  manifest      TEXT NOT NULL,"
	"  manifest_hash TEXT NOT NULL UNIQUE"
	"                CHECK (length(manifest_hash) = 64),"
	"  signature     BLOB NOT NULL,"
	"  key           TEXT NOT NULL,"
	"  registered    TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE events ("
	"  id        INTEGER PRIMARY KEY,"
	"  item      TEXT NOT NULL REFERENCES items (manifest_hash),"
	"  seq       INTEGER NOT NULL CHECK (seq >= 0),"
	"  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  body      TEXT NOT NULL,"
	"  signature BLOB NOT NULL,"
	"  key       TEXT NOT NULL,"
	"  UNIQUE (item, seq)"
	") STRICT;"
	"CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: meta rows are append-only'); END;"
	"CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: meta rows are append-only'); END;"
	"CREATE TRIGGER items_no_update BEFORE UPDATE ON items BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: items are append-only'); END;"
	"CREATE TRIGGER items_no_delete BEFORE DELETE ON items BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: items are append-only'); END;"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: events are append-only'); END;"
	/*
	 * INSERT OR REPLACE deletes the conflicting row without firing DELETE
	 * triggers (unless recursive_triggers is on), so refuse any insert
	 * that would collide, whatever its conflict clause.
	 */
	"CREATE TRIGGER meta_no_replace BEFORE INSERT ON meta"
	"  WHEN EXISTS (SELECT 1 FROM meta WHERE name = NEW.name) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: meta rows are append-only'); END;"
	"CREATE TRIGGER items_no_replace BEFORE INSERT ON items"
	"  WHEN EXISTS (SELECT 1 FROM items WHERE num = NEW.num OR"
	"    id = NEW.id OR sha256 = NEW.sha256 OR"
	"    manifest_hash = NEW.manifest_hash) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: items are append-only'); END;"
	"CREATE TRIGGER events_no_replace BEFORE INSERT ON events"
	"  WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR"
	"    hash = NEW.hash OR (item = NEW.item AND seq = NEW.seq)) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: events are append-only'); END;",
	NULL, NULL },

	/* 1 -> 2: key documents (signer keys, roles, revocations) */
	{
	"CREATE TABLE keydocs ("
	"  seq       INTEGER PRIMARY KEY CHECK (seq >= 0),"
	"  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  key       TEXT NOT NULL,"
	"  body      TEXT NOT NULL,"
	"  signature BLOB NOT NULL,"
	"  signer    TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX keydocs_key ON keydocs (key);"
	"CREATE TRIGGER keydocs_no_update BEFORE UPDATE ON keydocs BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: key documents are append-only'); END;"
	"CREATE TRIGGER keydocs_no_delete BEFORE DELETE ON keydocs BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: key documents are append-only'); END;"
	"CREATE TRIGGER keydocs_no_replace BEFORE INSERT ON keydocs"
	"  WHEN EXISTS (SELECT 1 FROM keydocs WHERE seq = NEW.seq OR"
	"    hash = NEW.hash) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: key documents are append-only'); END;",
	NULL, NULL },

	/*
	 * 2 -> 3: the transparency log.  Each signed record gets the index of
	 * its leaf; the nodes table holds every complete subtree hash
	 * (merkle.h), the checkpoints table the signed tree heads.  Records
	 * that predate the log are appended by backfill_log, so the update
	 * triggers are dropped meanwhile and put back after, and the replace
	 * triggers learn the new column.
	 */
	{
	"DROP TRIGGER items_no_update;"
	"DROP TRIGGER events_no_update;"
	"DROP TRIGGER keydocs_no_update;"
	"DROP TRIGGER items_no_replace;"
	"DROP TRIGGER events_no_replace;"
	"DROP TRIGGER keydocs_no_replace;"
	"ALTER TABLE items ADD COLUMN leaf INTEGER CHECK (leaf >= 0);"
	"ALTER TABLE events ADD COLUMN leaf INTEGER CHECK (leaf >= 0);"
	"ALTER TABLE keydocs ADD COLUMN leaf INTEGER CHECK (leaf >= 0);"
	"CREATE UNIQUE INDEX items_leaf ON items (leaf);"
	"CREATE UNIQUE INDEX events_leaf ON events (leaf);"
	"CREATE UNIQUE INDEX keydocs_leaf ON keydocs (leaf);"
	"CREATE TABLE nodes ("
	"  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),"
	"  idx   INTEGER NOT NULL CHECK (idx >= 0),"
	"  hash  BLOB NOT NULL CHECK (length(hash) = 32),"
	"  PRIMARY KEY (level, idx)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE checkpoints ("
	"  id      INTEGER PRIMARY KEY,"
	"  size    INTEGER NOT NULL CHECK (size >= 0),"
	"  root    BLOB NOT NULL CHECK (length(root) = 32),"
	"  key     TEXT NOT NULL,"
	"  created TEXT NOT NULL,"
	"  note    TEXT NOT NULL"
	") STRICT;"
	"CREATE TRIGGER nodes_no_update BEFORE UPDATE ON nodes BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: the log is append-only'); END;"
	"CREATE TRIGGER nodes_no_delete BEFORE DELETE ON nodes BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: the log is append-only'); END;"
	"CREATE TRIGGER nodes_no_replace BEFORE INSERT ON nodes"
	"  WHEN EXISTS (SELECT 1 FROM nodes WHERE level = NEW.level AND"
	"    idx = NEW.idx) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: the log is append-only'); END;"
	"CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints"
	"  WHEN EXISTS (SELECT 1 FROM checkpoints WHERE id = NEW.id) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: checkpoints are append-only'); END;",
	backfill_log,
	"CREATE TRIGGER items_no_update BEFORE UPDATE ON items BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: items are append-only'); END;"
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: events are append-only'); END;"
	"CREATE TRIGGER keydocs_no_update BEFORE UPDATE ON keydocs BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: key documents are append-only'); END;"
	"CREATE TRIGGER items_no_replace BEFORE INSERT ON items"
	"  WHEN EXISTS (SELECT 1 FROM items WHERE num = NEW.num OR"
	"    id = NEW.id OR sha256 = NEW.sha256 OR"
	"    manifest_hash = NEW.manifest_hash OR leaf = NEW.leaf) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: items are append-only'); END;"
	"CREATE TRIGGER events_no_replace BEFORE INSERT ON events"
	"  WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR"
	"    hash = NEW.hash OR (item = NEW.item AND seq = NEW.seq) OR"
	"    leaf = NEW.leaf) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: events are append-only'); END;"
	"CREATE TRIGGER keydocs_no_replace BEFORE INSERT ON keydocs"
	"  WHEN EXISTS (SELECT 1 FROM keydocs WHERE seq = NEW.seq OR"
	"    hash = NEW.hash OR leaf = NEW.leaf) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: key documents are append-only'); END;",
	},

	/*
	 * 3 -> 4: bearer tokens of the HTTP service (token.h).  Only each
	 * token's SHA-256 is kept.  A row is never deleted and changes once,
	 * when revoked is set; the partial index lets a revoked token's name
	 * be used again.  The replace trigger stops INSERT OR REPLACE from
	 * deleting a row without the delete trigger firing.
	 */
	{
	"CREATE TABLE tokens ("
	"  id         INTEGER PRIMARY KEY,"
	"  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
	"  role       INTEGER NOT NULL CHECK (role IN (1, 2, 4, 8)),"
	"  hash       TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  created    TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  revoked    TEXT"
	") STRICT;"
	"CREATE UNIQUE INDEX tokens_active_name ON tokens (name)"
	"  WHERE revoked IS NULL;"
	"CREATE TRIGGER tokens_no_delete BEFORE DELETE ON tokens BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: tokens are never deleted'); END;"
	"CREATE TRIGGER tokens_only_revoke BEFORE UPDATE ON tokens"
	"  WHEN OLD.revoked IS NOT NULL OR NEW.revoked IS NULL OR"
	"    length(NEW.revoked) = 0 OR NEW.id IS NOT OLD.id OR"
	"    NEW.name IS NOT OLD.name OR NEW.role IS NOT OLD.role OR"
	"    NEW.hash IS NOT OLD.hash OR NEW.created IS NOT OLD.created OR"
	"    NEW.created_by IS NOT OLD.created_by BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: a token can only be revoked'); END;"
	"CREATE TRIGGER tokens_no_replace BEFORE INSERT ON tokens"
	"  WHEN EXISTS (SELECT 1 FROM tokens WHERE id = NEW.id OR"
	"    hash = NEW.hash OR (name = NEW.name AND revoked IS NULL AND"
	"    NEW.revoked IS NULL)) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: tokens are never replaced'); END;",
	NULL, NULL },

	/*
	 * 4 -> 5: release statements (bundle.h): what each release gave to
	 * whom, signed by the releasing key and a leaf of the log, appended
	 * in the release's transaction.  Append-only, as key documents.
	 */
	{
	"CREATE TABLE releases ("
	"  id        INTEGER PRIMARY KEY,"
	"  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  body      TEXT NOT NULL,"
	"  signature BLOB NOT NULL,"
	"  key       TEXT NOT NULL,"
	"  leaf      INTEGER NOT NULL UNIQUE CHECK (leaf >= 0)"
	") STRICT;"
	"CREATE TRIGGER releases_no_update BEFORE UPDATE ON releases BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: releases are append-only'); END;"
	"CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: releases are append-only'); END;"
	"CREATE TRIGGER releases_no_replace BEFORE INSERT ON releases"
	"  WHEN EXISTS (SELECT 1 FROM releases WHERE id = NEW.id OR"
	"    hash = NEW.hash OR leaf = NEW.leaf) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: releases are append-only'); END;",
	NULL, NULL },
};

static int
db_err(struct bc_catalog *cat, struct bc_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(cat->db);

	if ((code & 0xff) == SQLITE_NOTADB)
		return bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog (not a database)", cat->path);
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return bc_err_set(err, BC_ERR_BUSY,
		    "%s: catalog is locked by another writer (waited %d s)",
		    cat->path, BUSY_TIMEOUT_MS / 1000);
	if ((code & 0xff) == SQLITE_FULL ||
	    sqlite3_system_errno(cat->db) == ENOSPC)
		return bc_err_set(err, BC_ERR_FULL, "%s: %s: disk full (or "
		    "the catalog at its size limit): nothing was written",
		    cat->path, what);
	if ((code & 0xff) == SQLITE_READONLY)
		return bc_err_set(err, BC_ERR_DB, "%s: %s: the catalog cannot "
		    "be written here (%s): writing needs write access to the "
		    "file and its directory", cat->path, what,
		    sqlite3_errmsg(cat->db));
	return bc_err_set(err, BC_ERR_DB, "%s: %s: %s", cat->path, what,
	    sqlite3_errmsg(cat->db));
}

static int
prepare(struct bc_catalog *cat, const char *sql, sqlite3_stmt **st,
    struct bc_err *err)
{
	if (sqlite3_prepare_v2(cat->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_err(cat, err, "prepare");
	}
	return 0;
}

/* Runs a statement that takes no values and returns no rows. */
static int
exec_plain(struct bc_catalog *cat, const char *sql, struct bc_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(cat->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return db_err(cat, err, "exec");
	}
	return 0;
}

static int
pragma_int(struct bc_catalog *cat, const char *sql, int *val,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(cat, sql, &st, err)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = db_err(cat, err, "read pragma");
		goto out;
	}
	*val = sqlite3_column_int(st, 0);
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

static int
set_user_version(struct bc_catalog *cat, int v, struct bc_err *err)
{
	char sql[64];

	/* PRAGMA takes no bound values; v is our own constant, not input */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return exec_plain(cat, sql, err);
}

static int
migrate(struct bc_catalog *cat, struct bc_err *err)
{
	int v = 0, r;

	if ((r = pragma_int(cat, "PRAGMA user_version", &v, err)) != 0)
		return r;
	if (v > BC_CATALOG_SCHEMA)
		return bc_err_set(err, BC_ERR_SCHEMA,
		    "%s has schema version %d, newer than this bodycam "
		    "understands (%d); upgrade bodycam", cat->path, v,
		    BC_CATALOG_SCHEMA);
	if (v == BC_CATALOG_SCHEMA)
		return 0;
	if (cat->read_only)
		return bc_err_set(err, BC_ERR_SCHEMA,
		    "%s has schema version %d and needs an upgrade to %d, "
		    "which only a writer does: run 'bodycam upgrade' as a user "
		    "who may write it (read-only commands never change the "
		    "catalog)", cat->path, v, BC_CATALOG_SCHEMA);
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	/* re-read under the write lock: another process may have migrated */
	if ((r = pragma_int(cat, "PRAGMA user_version", &v, err)) != 0)
		goto fail;
	for (; v < BC_CATALOG_SCHEMA; v++) {
		const struct migration *m = &migrations[v];

		if ((r = exec_plain(cat, m->sql, err)) != 0 ||
		    (m->fn != NULL && (r = m->fn(cat, err)) != 0) ||
		    (m->after != NULL &&
		    (r = exec_plain(cat, m->after, err)) != 0) ||
		    (r = set_user_version(cat, v + 1, err)) != 0)
			goto fail;
	}
	return bc_catalog_commit(cat, err);
 fail:
	bc_catalog_rollback(cat);
	return r;
}

static int
configure(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	sqlite3_extended_result_codes(cat->db, 1);
	if (sqlite3_busy_timeout(cat->db, BUSY_TIMEOUT_MS) != SQLITE_OK)
		return db_err(cat, err, "busy timeout");
	if ((r = exec_plain(cat, "PRAGMA foreign_keys = ON", err)) != 0 ||
	    (r = exec_plain(cat, "PRAGMA synchronous = FULL", err)) != 0 ||
	    (r = exec_plain(cat, "PRAGMA trusted_schema = OFF", err)) != 0)
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
	if (((r = configure(cat, err)) != 0 || (r = pragma_int(cat,
	    "PRAGMA application_id", &app, err)) != 0) &&
	    immutable_ok(cat, path, err)) {
		bc_catalog_close(cat);
		cat = NULL;
		if ((r = open_db(path, flags, 1, &cat, err)) != 0 ||
		    (r = configure(cat, err)) != 0)
			goto out;
		r = pragma_int(cat, "PRAGMA application_id", &app, err);
	}
	if (r != 0)
		goto out;
	if ((uint32_t)app != BC_CATALOG_APP_ID) {
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog", path);
		goto out;
	}
	/* read-only: a catalog that needs an upgrade is refused, not upgraded */
	if ((r = migrate(cat, err)) != 0)
		goto out;
	if (cat->read_only)
		goto done;
	/* WAL persists in the file; asking again is cheap and idempotent */
	if ((r = prepare(cat, "PRAGMA journal_mode = WAL", &stmt, err)) != 0)
		goto out;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		r = db_err(cat, err, "journal mode");
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
	if ((r = exec_plain(cat, "PRAGMA journal_mode = WAL", err)) != 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    (int)BC_CATALOG_APP_ID);
	if ((r = exec_plain(cat, sql, err)) != 0)
		goto fail;
	if ((r = migrate(cat, err)) != 0)
		goto fail;
	if ((r = bc_catalog_begin(cat, err)) != 0)
		goto fail;
	bc_hex(bc_key_public(admin), BC_ED25519_PUBLEN, hex);
	if ((r = prepare(cat, "INSERT INTO meta (name, value) VALUES "
	    "('admin_key', ?1), ('admin_key_id', ?2), ('origin', ?3)", &st,
	    err)) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, bc_key_id(admin), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, origin, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		r = db_err(cat, err, "record admin key");
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
	return pragma_int(cat, "PRAGMA user_version", version, NULL);
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
	if ((r = prepare(cat, "SELECT value FROM meta WHERE name = ?1", &st,
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
		r = db_err(cat, err, "read admin key");
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

int
bc_catalog_begin(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL,
		    "nested catalog transaction");
	if (cat->read_only)
		return bc_err_set(err, BC_ERR_INTERNAL, "%s was opened "
		    "read-only, for a command that only reads", cat->path);
	if ((r = exec_plain(cat, "BEGIN IMMEDIATE", err)) != 0)
		return r;
	cat->in_tx = 1;
	return 0;
}

/*
 * One savepoint inside a write transaction: the group commit of the
 * service runs each request's writes under one, so that a refused request
 * leaves nothing behind while the others in the batch commit.
 */
int
bc_catalog_savepoint(struct bc_catalog *cat, struct bc_err *err)
{
	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "no transaction");
	return exec_plain(cat, "SAVEPOINT bc_job", err);
}

int
bc_catalog_savepoint_release(struct bc_catalog *cat, struct bc_err *err)
{
	return exec_plain(cat, "RELEASE bc_job", err);
}

int
bc_catalog_savepoint_rollback(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if ((r = exec_plain(cat, "ROLLBACK TO bc_job", err)) != 0)
		return r;
	return exec_plain(cat, "RELEASE bc_job", err);
}

int
bc_catalog_event_head(struct bc_catalog *cat, const char *item,
    int64_t *seq, char hash[BC_SHA256_HEX], struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *h;
	int rc, r;

	*seq = -1;
	hash[0] = '\0';
	if ((r = prepare(cat, "SELECT seq, hash FROM events WHERE item = ?1"
	    " ORDER BY seq DESC LIMIT 1", &st, err)) != 0)
		return r;
	if (sqlite3_bind_text(st, 1, item, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		r = db_err(cat, err, "chain head");
		goto out;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		h = sqlite3_column_text(st, 1);
		snprintf(hash, BC_SHA256_HEX, "%s", h ? (const char *)h : "");
		r = 0;
	} else
		r = rc == SQLITE_DONE ? 0 : db_err(cat, err, "chain head");
 out:
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_keydoc_head(struct bc_catalog *cat, int64_t *seq,
    char hash[BC_SHA256_HEX], struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *h;
	int rc, r;

	*seq = -1;
	hash[0] = '\0';
	if ((r = prepare(cat, "SELECT seq, hash FROM keydocs ORDER BY seq DESC"
	    " LIMIT 1", &st, err)) != 0)
		return r;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		h = sqlite3_column_text(st, 1);
		snprintf(hash, BC_SHA256_HEX, "%s", h ? (const char *)h : "");
		r = 0;
	} else
		r = rc == SQLITE_DONE ? 0 : db_err(cat, err, "key documents");
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_snapshot(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL,
		    "nested catalog transaction");
	/* a deferred BEGIN takes its snapshot at the first read; read now */
	if ((r = exec_plain(cat, "BEGIN DEFERRED", err)) != 0)
		return r;
	cat->in_tx = 1;
	if ((r = exec_plain(cat, "SELECT count(*) FROM meta", err)) != 0)
		bc_catalog_rollback(cat);
	return r;
}

int
bc_catalog_commit(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "no transaction");
	if ((r = exec_plain(cat, "COMMIT", err)) != 0) {
		bc_catalog_rollback(cat);
		return r;
	}
	cat->in_tx = 0;
	return 0;
}

void
bc_catalog_rollback(struct bc_catalog *cat)
{
	if (!cat->in_tx)
		return;
	(void)sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_tx = 0;
}

int
bc_catalog_next_item_num(struct bc_catalog *cat, int64_t *num,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = prepare(cat, "SELECT coalesce(max(num), 0) + 1 FROM items",
	    &st, err)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = db_err(cat, err, "next item number");
		goto out;
	}
	*num = sqlite3_column_int64(st, 0);
	r = 0;
 out:
	sqlite3_finalize(st);
	return r;
}

static int
step_insert(struct bc_catalog *cat, sqlite3_stmt *st, const char *what,
    struct bc_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return bc_err_set(err, BC_ERR_EXISTS, "%s: %s", what,
		    sqlite3_errmsg(cat->db));
	return db_err(cat, err, what);
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
	if ((r = log_append(cat, body, len, leaf, err)) != 0)
		return r;
	return prepare(cat, sql, st, err);
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
	r = step_insert(cat, st, "add item", err);
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
	r = step_insert(cat, st, "add event", err);
	sqlite3_finalize(st);
	return r;
}

static void
copy_fixed(char *dst, size_t dstsz, const unsigned char *src)
{
	snprintf(dst, dstsz, "%s", src ? (const char *)src : "");
}

static char *
dup_text(sqlite3_stmt *st, int col, size_t *len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	char *p;

	if ((p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (n > 0 && t != NULL)
		memcpy(p, t, (size_t)n);
	p[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return p;
}

static uint8_t *
dup_blob(sqlite3_stmt *st, int col, size_t *len)
{
	const void *b = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	uint8_t *p;

	if ((p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (n > 0 && b != NULL)
		memcpy(p, b, (size_t)n);
	*len = (size_t)n;
	return p;
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
	copy_fixed(it->id, sizeof(it->id), sqlite3_column_text(st, 1));
	copy_fixed(it->sha256, sizeof(it->sha256),
	    sqlite3_column_text(st, 2));
	it->size = sqlite3_column_int64(st, 3);
	it->path = dup_text(st, 4, NULL);
	it->manifest = dup_text(st, 5, &it->manifest_len);
	copy_fixed(it->manifest_hash, sizeof(it->manifest_hash),
	    sqlite3_column_text(st, 6));
	it->sig = dup_blob(st, 7, &it->siglen);
	copy_fixed(it->key, sizeof(it->key), sqlite3_column_text(st, 8));
	it->registered = dup_text(st, 9, NULL);
	it->leaf = sqlite3_column_int64(st, 10);
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
		if ((r = prepare(cat, "SELECT " ITEM_COLS " FROM items"
		    " WHERE id = ?1", &st, err)) != 0)
			return r;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	} else if (is_hex_prefix(ref, key)) {
		/* every string with this prefix sorts between key and key||'g' */
		if ((r = prepare(cat, "SELECT " ITEM_COLS " FROM items"
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
		r = db_err(cat, err, "find item");
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
	if ((r = prepare(cat, sql, &st, err)) != 0)
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
		r = db_err(cat, err, "find item by hash");
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

int
bc_catalog_events_range(struct bc_catalog *cat, const char *item,
    int64_t from, int64_t limit, struct bc_event **out, size_t *n,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	struct bc_event *ev = NULL, *tmp, *e;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = prepare(cat, "SELECT id, item, seq, hash, body, signature,"
	    " key, coalesce(leaf, -1) FROM events WHERE item = ?1"
	    " AND seq >= ?2 ORDER BY seq, id LIMIT ?3", &st,
	    err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, limit < 0 ? -1 : limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((tmp = bc_grow(ev, &cap, cnt + 1, sizeof(*ev))) ==
		    NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		ev = tmp;
		e = &ev[cnt];
		memset(e, 0, sizeof(*e));
		cnt++;
		e->rowid = sqlite3_column_int64(st, 0);
		copy_fixed(e->item, sizeof(e->item),
		    sqlite3_column_text(st, 1));
		e->seq = sqlite3_column_int64(st, 2);
		copy_fixed(e->hash, sizeof(e->hash),
		    sqlite3_column_text(st, 3));
		e->body = dup_text(st, 4, &e->body_len);
		e->sig = dup_blob(st, 5, &e->siglen);
		copy_fixed(e->key, sizeof(e->key),
		    sqlite3_column_text(st, 6));
		e->leaf = sqlite3_column_int64(st, 7);
		if (e->body == NULL || e->sig == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = db_err(cat, err, "read events");
		goto out;
	}
	*out = ev;
	*n = cnt;
	ev = NULL;
	r = 0;
 out:
	bc_events_free(ev, cnt);
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
	return rc == SQLITE_DONE ? 0 : db_err(cat, err, "read items");
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
	if ((r = prepare(cat, "SELECT " ITEM_COLS " FROM items WHERE"
	    " (?1 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.capture.officer') = ?1)) AND"
	    " (?2 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.capture.device') = ?2)) AND"
	    " (?3 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.case.number') = ?3)) AND"
	    " (?4 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') >= ?4)) AND"
	    " (?5 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') <= ?5))"
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

	if ((r = prepare(cat, "SELECT " ITEM_COLS " FROM items ORDER BY num",
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

	if ((r = prepare(cat, "SELECT (SELECT count(*) FROM items),"
	    " (SELECT count(*) FROM events)", &st, err)) != 0)
		return r;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*items = sqlite3_column_int64(st, 0);
		*events = sqlite3_column_int64(st, 1);
		r = 0;
	} else {
		r = db_err(cat, err, "count items");
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

	if ((r = prepare(cat, "SELECT item, seq FROM events WHERE item NOT IN"
	    " (SELECT manifest_hash FROM items) ORDER BY id", &st,
	    err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		item = sqlite3_column_text(st, 0);
		if ((r = fn(arg, item ? (const char *)item : "",
		    sqlite3_column_int64(st, 1))) != 0)
			goto out;
	}
	r = rc == SQLITE_DONE ? 0 : db_err(cat, err, "find orphan events");
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
	r = step_insert(cat, st, "add key document", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_add_release(struct bc_catalog *cat, struct bc_release_row *row,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, row->body, row->body_len,
	    "INSERT INTO releases (hash, body, signature, key, leaf)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &st, &leaf, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, row->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->body, (int)row->body_len,
	    SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, row->sig, (int)row->siglen, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, leaf);
	if ((r = step_insert(cat, st, "add release statement", err)) == 0) {
		row->id = sqlite3_last_insert_rowid(cat->db);
		row->leaf = leaf;
	}
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_releases(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_release_row *row), void *arg,
    struct bc_err *err)
{
	struct bc_release_row row;
	sqlite3_stmt *st = NULL;
	const void *sig;
	int rc, r = 0;

	if ((r = prepare(cat, "SELECT id, hash, body, signature, key,"
	    " coalesce(leaf, -1) FROM releases ORDER BY id", &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(st, 0);
		copy_fixed(row.hash, sizeof(row.hash), sqlite3_column_text(st, 1));
		row.body = (const char *)sqlite3_column_text(st, 2);
		row.body_len = (size_t)sqlite3_column_bytes(st, 2);
		sig = sqlite3_column_blob(st, 3);
		row.siglen = (size_t)sqlite3_column_bytes(st, 3);
		row.sig = sig;
		copy_fixed(row.key, sizeof(row.key), sqlite3_column_text(st, 4));
		row.leaf = sqlite3_column_int64(st, 5);
		if (row.body == NULL)
			row.body = "";
		if ((r = fn(arg, &row)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = db_err(cat, err, "read release statements");
 out:
	sqlite3_finalize(st);
	return r;
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

int
bc_catalog_keydocs(struct bc_catalog *cat, struct bc_keydoc **out,
    size_t *n, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	struct bc_keydoc *v = NULL, *tmp, *d;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = prepare(cat, "SELECT seq, hash, key, body, signature, signer,"
	    " coalesce(leaf, -1) FROM keydocs ORDER BY seq", &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((tmp = bc_grow(v, &cap, cnt + 1, sizeof(*v))) ==
		    NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = tmp;
		d = &v[cnt++];
		memset(d, 0, sizeof(*d));
		d->seq = sqlite3_column_int64(st, 0);
		copy_fixed(d->hash, sizeof(d->hash), sqlite3_column_text(st, 1));
		copy_fixed(d->key, sizeof(d->key), sqlite3_column_text(st, 2));
		d->body = dup_text(st, 3, &d->body_len);
		d->sig = dup_blob(st, 4, &d->siglen);
		copy_fixed(d->signer, sizeof(d->signer),
		    sqlite3_column_text(st, 5));
		d->leaf = sqlite3_column_int64(st, 6);
		if (d->body == NULL || d->sig == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = db_err(cat, err, "read key documents");
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	r = 0;
 out:
	bc_keydocs_free(v, cnt);
	sqlite3_finalize(st);
	return r;
}

/*
 * The transparency log: the node store behind merkle.h, appends, the
 * origin, the walk over leaves and records, checkpoints.
 */

static int
node_get(void *arg, unsigned level, uint64_t index,
    uint8_t out[BC_SHA256_LEN])
{
	struct bc_catalog *cat = arg;
	sqlite3_stmt *st;
	int rc, r;

	if (cat->node_get == NULL && sqlite3_prepare_v2(cat->db,
	    "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2", -1,
	    &cat->node_get, NULL) != SQLITE_OK) {
		cat->node_get = NULL;
		return BC_ERR_DB;
	}
	if (index > INT64_MAX)
		return BC_ERR_NOT_FOUND;
	st = cat->node_get;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (int64_t)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == BC_SHA256_LEN &&
		    sqlite3_column_blob(st, 0) != NULL) {
			memcpy(out, sqlite3_column_blob(st, 0), BC_SHA256_LEN);
			r = 0;
		} else {
			r = BC_ERR_INTEGRITY;	/* not a hash: tampered */
		}
	} else {
		r = rc == SQLITE_DONE ? BC_ERR_NOT_FOUND : BC_ERR_DB;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return r;
}

static int
node_put(void *arg, unsigned level, uint64_t index,
    const uint8_t hash[BC_SHA256_LEN])
{
	struct bc_catalog *cat = arg;
	sqlite3_stmt *st;
	int rc;

	if (!cat->in_tx || index > INT64_MAX)
		return BC_ERR_INTERNAL;
	if (cat->node_put == NULL && sqlite3_prepare_v2(cat->db,
	    "INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)", -1,
	    &cat->node_put, NULL) != SQLITE_OK) {
		cat->node_put = NULL;
		return BC_ERR_DB;
	}
	st = cat->node_put;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (int64_t)index);
	sqlite3_bind_blob(st, 3, hash, BC_SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return 0;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? BC_ERR_EXISTS : BC_ERR_DB;
}

void
bc_catalog_log_store(struct bc_catalog *cat, struct bc_merkle_store *store)
{
	store->arg = cat;
	store->get = node_get;
	store->put = node_put;
}

int
bc_catalog_log_size(struct bc_catalog *cat, uint64_t *size,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* the primary key (level, idx) makes this one seek */
	if ((r = prepare(cat, "SELECT max(idx) FROM nodes WHERE level = 0",
	    &st, err)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = db_err(cat, err, "log size");
	} else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		*size = 0;
		r = 0;
	} else {
		*size = (uint64_t)sqlite3_column_int64(st, 0) + 1;
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Refuses to append leaf index when a record already holds it: the log
 * lost its newest leaves (rolled back, or edited), and appending would
 * only end in a confusing duplicate.
 */
static int
leaf_claimed(struct bc_catalog *cat, int64_t index, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r, v = 0;

	/* an upgrade appends before the releases table (schema 5) exists */
	if ((r = pragma_int(cat, "PRAGMA user_version", &v, err)) != 0)
		return r;
	if ((r = prepare(cat, v >= 5 ? "SELECT EXISTS (SELECT 1 FROM items"
	    " WHERE leaf = ?1) OR EXISTS (SELECT 1 FROM events WHERE leaf ="
	    " ?1) OR EXISTS (SELECT 1 FROM keydocs WHERE leaf = ?1) OR"
	    " EXISTS (SELECT 1 FROM releases WHERE leaf = ?1)" :
	    "SELECT EXISTS (SELECT 1 FROM items WHERE leaf = ?1) OR EXISTS"
	    " (SELECT 1 FROM events WHERE leaf = ?1) OR EXISTS (SELECT 1 FROM"
	    " keydocs WHERE leaf = ?1)", &st, err)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, index);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = db_err(cat, err, "read the log");
	else if (sqlite3_column_int(st, 0) != 0)
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the log has lost "
		    "leaf %lld, which a record holds; nothing more can be "
		    "written until that is repaired (run 'bodycam audit')",
		    cat->path, (long long)index);
	sqlite3_finalize(st);
	return r;
}

/* Appends data as the next leaf; *index is where it went. */
static int
log_append(struct bc_catalog *cat, const void *data, size_t len,
    int64_t *index, struct bc_err *err)
{
	struct bc_merkle_store store;
	uint8_t leaf[BC_SHA256_LEN];
	uint64_t size;
	int r;

	if ((r = bc_catalog_log_size(cat, &size, err)) != 0)
		return r;
	if (size >= (uint64_t)INT64_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "the log is full");
	if ((r = leaf_claimed(cat, (int64_t)size, err)) != 0)
		return r;
	if ((r = bc_merkle_leaf_hash(data, len, leaf)) != 0)
		return bc_err_set(err, r, "leaf hash failed");
	bc_catalog_log_store(cat, &store);
	if ((r = bc_merkle_append(&store, size, leaf, err)) != 0) {
		if (r == BC_ERR_DB)
			return db_err(cat, err, "append to the log");
		return r;
	}
	*index = (int64_t)size;
	return 0;
}

/*
 * The upgrade to schema 3: appends every record that predates the log, in
 * a fixed order (key documents by seq, manifests by item number, events
 * by row id), stores each one's index, and names the log.
 */
static int
backfill_table(struct bc_catalog *cat, const char *select,
    const char *update, struct bc_err *err)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int64_t leaf;
	int rc, r;

	if ((r = prepare(cat, select, &sel, err)) != 0 ||
	    (r = prepare(cat, update, &upd, err)) != 0)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const void *body = sqlite3_column_text(sel, 1);
		int n = sqlite3_column_bytes(sel, 1);

		if ((r = log_append(cat, body ? body : "", (size_t)n, &leaf,
		    err)) != 0)
			goto out;
		sqlite3_bind_int64(upd, 1, leaf);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		if (sqlite3_step(upd) != SQLITE_DONE) {
			r = db_err(cat, err, "record a leaf index");
			goto out;
		}
		sqlite3_reset(upd);
	}
	r = rc == SQLITE_DONE ? 0 : db_err(cat, err, "read old records");
 out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return r;
}

static int
backfill_log(struct bc_catalog *cat, struct bc_err *err)
{
	char origin[BC_ORIGIN_MAX + 1];
	sqlite3_stmt *st = NULL;
	int r, upgrade;

	if ((r = backfill_table(cat,
	    "SELECT seq, body FROM keydocs ORDER BY seq",
	    "UPDATE keydocs SET leaf = ?1 WHERE seq = ?2", err)) != 0 ||
	    (r = backfill_table(cat,
	    "SELECT num, manifest FROM items ORDER BY num",
	    "UPDATE items SET leaf = ?1 WHERE num = ?2", err)) != 0 ||
	    (r = backfill_table(cat,
	    "SELECT id, body FROM events ORDER BY id",
	    "UPDATE events SET leaf = ?1 WHERE id = ?2", err)) != 0)
		return r;
	/* a new catalog is named by bc_catalog_create, after this */
	if ((r = prepare(cat, "SELECT count(*) FROM meta WHERE name ="
	    " 'admin_key'", &st, err)) != 0)
		return r;
	upgrade = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	st = NULL;
	if (!upgrade)
		return 0;
	if ((r = bc_default_origin(origin, err)) != 0)
		return r;
	if ((r = prepare(cat, "INSERT INTO meta (name, value) VALUES"
	    " ('origin', ?1)", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	r = step_insert(cat, st, "name the log", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_origin(struct bc_catalog *cat, char out[BC_ORIGIN_MAX + 1],
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int r;

	if ((r = prepare(cat, "SELECT value FROM meta WHERE name = 'origin'",
	    &st, err)) != 0)
		return r;
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		v = sqlite3_column_text(st, 0);
		if (v == NULL || sqlite3_column_bytes(st, 0) > BC_ORIGIN_MAX ||
		    bc_origin_check((const char *)v, NULL) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY,
			    "%s: the recorded log origin is malformed",
			    cat->path);
			break;
		}
		snprintf(out, BC_ORIGIN_MAX + 1, "%s", (const char *)v);
		r = 0;
		break;
	case SQLITE_DONE:
		r = bc_err_set(err, BC_ERR_INTEGRITY,
		    "%s: no log origin recorded", cat->path);
		break;
	default:
		r = db_err(cat, err, "read the log origin");
		break;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Every record in leaf order, then the stored leaves: the union below is
 * sorted by merging its four parts, each read in the order of its leaf
 * index, so the walk never sorts and holds one row at a time.
 */
#define LEAF_RECORDS \
	"SELECT leaf, 1, id, 0, manifest FROM items" \
	"  WHERE leaf >= ?1 AND leaf < ?2" \
	" UNION ALL SELECT e.leaf, 2, coalesce(i.id, ''), e.seq, e.body" \
	"  FROM events e LEFT JOIN items i ON i.manifest_hash = e.item" \
	"  WHERE e.leaf >= ?1 AND e.leaf < ?2" \
	" UNION ALL SELECT leaf, 3, key, seq, body FROM keydocs" \
	"  WHERE leaf >= ?1 AND leaf < ?2" \
	" UNION ALL SELECT leaf, 4, '', id, body FROM releases" \
	"  WHERE leaf >= ?1 AND leaf < ?2"

static void
leaf_record(sqlite3_stmt *st, struct bc_leaf *l)
{
	const unsigned char *t;

	l->kind = (enum bc_leaf_kind)sqlite3_column_int(st, 1);
	t = sqlite3_column_text(st, 2);
	l->item = t ? (const char *)t : "";
	l->seq = sqlite3_column_int64(st, 3);
	t = sqlite3_column_text(st, 4);
	l->len = (size_t)sqlite3_column_bytes(st, 4);
	l->data = t ? (const char *)t : "";
}

int
bc_catalog_log_walk(struct bc_catalog *cat, uint64_t from, uint64_t to,
    int (*fn)(void *arg, const struct bc_leaf *leaf), void *arg,
    struct bc_err *err)
{
	sqlite3_stmt *rec = NULL, *nod = NULL;
	struct bc_leaf l;
	int rrc, nrc, r;
	int64_t lo, hi;

	if (from > INT64_MAX)
		from = INT64_MAX;
	if (to > INT64_MAX)
		to = INT64_MAX;
	lo = (int64_t)from;
	hi = (int64_t)to;
	if (from == 0) {
		/* records stored without a leaf index */
		if ((r = prepare(cat, "SELECT -1, 1, id, 0, manifest FROM items"
		    " WHERE leaf IS NULL UNION ALL SELECT -1, 2,"
		    " coalesce(i.id, ''), e.seq, e.body FROM events e"
		    " LEFT JOIN items i ON i.manifest_hash = e.item"
		    " WHERE e.leaf IS NULL UNION ALL SELECT -1, 3, key, seq,"
		    " body FROM keydocs WHERE leaf IS NULL", &rec, err)) != 0)
			return r;
		while ((rrc = sqlite3_step(rec)) == SQLITE_ROW) {
			memset(&l, 0, sizeof(l));
			l.index = -1;
			leaf_record(rec, &l);
			if ((r = fn(arg, &l)) != 0)
				goto out;
		}
		if (rrc != SQLITE_DONE) {
			r = db_err(cat, err, "read the log");
			goto out;
		}
		sqlite3_finalize(rec);
		rec = NULL;
	}
	if ((r = prepare(cat, LEAF_RECORDS " ORDER BY 1", &rec, err)) != 0 ||
	    (r = prepare(cat, "SELECT idx, hash FROM nodes WHERE level = 0"
	    " AND idx >= ?1 AND idx < ?2 ORDER BY idx", &nod, err)) != 0)
		goto out;
	sqlite3_bind_int64(rec, 1, lo);
	sqlite3_bind_int64(rec, 2, hi);
	sqlite3_bind_int64(nod, 1, lo);
	sqlite3_bind_int64(nod, 2, hi);
	rrc = sqlite3_step(rec);
	nrc = sqlite3_step(nod);
	while (rrc == SQLITE_ROW || nrc == SQLITE_ROW) {
		int64_t ri = rrc == SQLITE_ROW ?
		    sqlite3_column_int64(rec, 0) : INT64_MAX;
		int64_t ni = nrc == SQLITE_ROW ?
		    sqlite3_column_int64(nod, 0) : INT64_MAX;
		int64_t at = ri < ni ? ri : ni;

		memset(&l, 0, sizeof(l));
		l.index = at;
		if (ni == at) {
			if (sqlite3_column_bytes(nod, 1) == BC_SHA256_LEN &&
			    sqlite3_column_blob(nod, 1) != NULL) {
				memcpy(l.hash, sqlite3_column_blob(nod, 1),
				    BC_SHA256_LEN);
				l.has_hash = 1;
			}
		}
		if (ri != at) {
			/* a stored leaf that no record claims */
			if ((r = fn(arg, &l)) != 0)
				goto out;
		}
		/* every record claiming this index, each with the hash */
		while (rrc == SQLITE_ROW &&
		    sqlite3_column_int64(rec, 0) == at) {
			leaf_record(rec, &l);
			if ((r = fn(arg, &l)) != 0)
				goto out;
			rrc = sqlite3_step(rec);
		}
		if (ni == at)
			nrc = sqlite3_step(nod);
	}
	if ((rrc != SQLITE_DONE && rrc != SQLITE_ROW) ||
	    (nrc != SQLITE_DONE && nrc != SQLITE_ROW)) {
		r = db_err(cat, err, "read the log");
		goto out;
	}
	r = 0;
 out:
	sqlite3_finalize(rec);
	sqlite3_finalize(nod);
	return r;
}

int
bc_catalog_add_checkpoint(struct bc_catalog *cat,
    struct bc_checkpoint_row *row, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if (row->size > INT64_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "tree size too large");
	if ((r = prepare(cat, "INSERT INTO checkpoints (size, root, key,"
	    " created, note) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, (int64_t)row->size);
	sqlite3_bind_blob(st, 2, row->root, BC_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->note, (int)row->note_len,
	    SQLITE_STATIC);
	if ((r = step_insert(cat, st, "add checkpoint", err)) == 0)
		row->id = sqlite3_last_insert_rowid(cat->db);
	sqlite3_finalize(st);
	return r;
}

void
bc_checkpoints_free(struct bc_checkpoint_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].note);
	free(rows);
}

int
bc_catalog_checkpoints(struct bc_catalog *cat, int latest_only,
    struct bc_checkpoint_row **out, size_t *n, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	struct bc_checkpoint_row *v = NULL, *tmp, *c;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = prepare(cat, latest_only ?
	    "SELECT id, size, root, key, created, note FROM checkpoints"
	    " ORDER BY id DESC LIMIT 1" :
	    "SELECT id, size, root, key, created, note FROM checkpoints"
	    " ORDER BY id", &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((tmp = bc_grow(v, &cap, cnt + 1, sizeof(*v))) ==
		    NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = tmp;
		c = &v[cnt++];
		memset(c, 0, sizeof(*c));
		c->id = sqlite3_column_int64(st, 0);
		c->size = (uint64_t)sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 2) == BC_SHA256_LEN &&
		    sqlite3_column_blob(st, 2) != NULL)
			memcpy(c->root, sqlite3_column_blob(st, 2),
			    BC_SHA256_LEN);
		copy_fixed(c->key, sizeof(c->key), sqlite3_column_text(st, 3));
		copy_fixed(c->created, sizeof(c->created),
		    sqlite3_column_text(st, 4));
		if ((c->note = dup_text(st, 5, &c->note_len)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = db_err(cat, err, "read checkpoints");
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	r = 0;
 out:
	bc_checkpoints_free(v, cnt);
	sqlite3_finalize(st);
	return r;
}

struct bc_node_reader {
	sqlite3_stmt	*st;
};

int
bc_catalog_nodes_open(struct bc_catalog *cat, unsigned level,
    struct bc_node_reader **out, struct bc_err *err)
{
	struct bc_node_reader *r;
	int rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((rc = prepare(cat, "SELECT idx, hash FROM nodes WHERE level = ?1"
	    " ORDER BY idx", &r->st, err)) != 0) {
		free(r);
		return rc;
	}
	sqlite3_bind_int(r->st, 1, (int)level);
	*out = r;
	return 0;
}

int
bc_catalog_nodes_next(struct bc_node_reader *r, uint64_t *index,
    uint8_t hash[BC_SHA256_LEN], int *bad)
{
	int rc = sqlite3_step(r->st);

	if (rc == SQLITE_DONE)
		return BC_ERR_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return BC_ERR_DB;
	*index = (uint64_t)sqlite3_column_int64(r->st, 0);
	*bad = sqlite3_column_bytes(r->st, 1) != BC_SHA256_LEN ||
	    sqlite3_column_blob(r->st, 1) == NULL;
	if (!*bad)
		memcpy(hash, sqlite3_column_blob(r->st, 1), BC_SHA256_LEN);
	return 0;
}

void
bc_catalog_nodes_close(struct bc_node_reader *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->st);
	free(r);
}

/*
 * Bearer tokens: rows of the tokens table, which holds hashes only.
 */

#define TOKEN_COLS "id, name, role, hash, created, created_by," \
	" coalesce(revoked, '')"

static void
token_from_row(sqlite3_stmt *st, struct bc_token_row *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	copy_fixed(t->name, sizeof(t->name), sqlite3_column_text(st, 1));
	t->role = sqlite3_column_int(st, 2);
	copy_fixed(t->hash, sizeof(t->hash), sqlite3_column_text(st, 3));
	copy_fixed(t->created, sizeof(t->created),
	    sqlite3_column_text(st, 4));
	copy_fixed(t->created_by, sizeof(t->created_by),
	    sqlite3_column_text(st, 5));
	copy_fixed(t->revoked, sizeof(t->revoked),
	    sqlite3_column_text(st, 6));
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
	if ((r = prepare(cat, "SELECT 1 FROM tokens WHERE name = ?1 AND"
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
		r = db_err(cat, err, "find token");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((r = prepare(cat, "INSERT INTO tokens (name, role, hash, created,"
	    " created_by) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, row->role);
	sqlite3_bind_text(st, 3, row->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, row->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->created_by, -1, SQLITE_STATIC);
	if ((r = step_insert(cat, st, "add token", err)) == 0)
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
	if ((r = prepare(cat, "SELECT " TOKEN_COLS " FROM tokens"
	    " WHERE hash = ?1", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		token_from_row(st, out);
		r = 0;
		break;
	case SQLITE_DONE:
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "unknown token");
		break;
	default:
		r = db_err(cat, err, "find token");
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
	if ((r = prepare(cat, "UPDATE tokens SET revoked = ?2 WHERE"
	    " name = ?1 AND revoked IS NULL", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = db_err(cat, err, "revoke token");
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
	struct bc_token_row *v = NULL, *tmp;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	if ((r = prepare(cat, "SELECT " TOKEN_COLS " FROM tokens ORDER BY id",
	    &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((tmp = bc_grow(v, &cap, cnt + 1, sizeof(*v))) ==
		    NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = tmp;
		token_from_row(st, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		r = db_err(cat, err, "read tokens");
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	r = 0;
 out:
	free(v);
	sqlite3_finalize(st);
	return r;
}
