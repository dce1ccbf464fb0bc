/*
 * catalog-schema.c - the catalog's schema: the ordered migrations that
 * build it and bring an older catalog up to date, and the one-time
 * backfill of the transparency log (schema 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bodycam/buf.h"
#include "catalog-int.h"

static int backfill_log(struct bc_catalog *, struct bc_err *);
static int backfill_status(struct bc_catalog *, struct bc_err *);

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

	/*
	 * 5 -> 6: the current view of each annotated item (annotate.h),
	 * derived from its signed annotate events and written in their
	 * transaction, so that list can filter on it.  verify never trusts
	 * it; audit recomputes every row.  A row is never deleted and only
	 * moves forward, to a later event of its item.
	 */
	{
	"CREATE TABLE views ("
	"  item TEXT PRIMARY KEY NOT NULL REFERENCES items (manifest_hash),"
	"  seq  INTEGER NOT NULL CHECK (seq > 0),"
	"  view TEXT NOT NULL CHECK (length(view) > 0)"
	") STRICT;"
	"CREATE TRIGGER views_no_delete BEFORE DELETE ON views BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: views are never deleted'); END;"
	"CREATE TRIGGER views_forward BEFORE UPDATE ON views"
	"  WHEN NEW.item IS NOT OLD.item OR NEW.seq <= OLD.seq BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: a view only moves forward'); END;",
	NULL, NULL },

	/*
	 * 6 -> 7: retention (retention.h).  Policies are signed records of
	 * the log, append-only like key documents, numbered from 1.  The
	 * status of each item (catalog.h: what retention needs of it) is
	 * derived like its view, written at registration and with each
	 * event that changes it, checked by audit; filled here from the
	 * items, views and events already stored.
	 */
	{
	"CREATE TABLE policies ("
	"  seq       INTEGER PRIMARY KEY CHECK (seq > 0),"
	"  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),"
	"  body      TEXT NOT NULL,"
	"  signature BLOB NOT NULL,"
	"  key       TEXT NOT NULL,"
	"  leaf      INTEGER NOT NULL UNIQUE CHECK (leaf >= 0)"
	") STRICT;"
	"CREATE TRIGGER policies_no_update BEFORE UPDATE ON policies BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: policies are append-only'); END;"
	"CREATE TRIGGER policies_no_delete BEFORE DELETE ON policies BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: policies are append-only'); END;"
	"CREATE TRIGGER policies_no_replace BEFORE INSERT ON policies"
	"  WHEN EXISTS (SELECT 1 FROM policies WHERE seq = NEW.seq OR"
	"    hash = NEW.hash OR leaf = NEW.leaf) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: policies are append-only'); END;"
	"CREATE TABLE status ("
	"  num        INTEGER PRIMARY KEY REFERENCES items (num),"
	"  item       TEXT NOT NULL UNIQUE REFERENCES items (manifest_hash),"
	"  id         TEXT NOT NULL,"
	"  seq        INTEGER NOT NULL CHECK (seq >= 0),"
	"  start      TEXT NOT NULL,"
	"  start_from TEXT NOT NULL CHECK (start_from IN ('capture',"
	"    'registered')),"
	"  category   TEXT,"
	"  case_no    TEXT,"
	"  held       INTEGER NOT NULL CHECK (held IN (0, 1)),"
	"  purged     INTEGER NOT NULL CHECK (purged IN (0, 1)),"
	"  media      TEXT NOT NULL CHECK (media IN ('', 'destroyed', 'absent',"
	"    'kept'))"
	") STRICT;",
	backfill_status,
	"CREATE TRIGGER status_no_delete BEFORE DELETE ON status BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: a status is never deleted'); END;"
	"CREATE TRIGGER status_forward BEFORE UPDATE ON status"
	"  WHEN NEW.num IS NOT OLD.num OR NEW.item IS NOT OLD.item OR"
	"    NEW.id IS NOT OLD.id OR NEW.start IS NOT OLD.start OR"
	"    NEW.start_from IS NOT OLD.start_from OR NEW.seq <= OLD.seq BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: a status only moves forward'); END;" },

	/*
	 * 7 -> 8: what outsiders say of the checkpoints.  cosignatures holds
	 * witness cosignatures (c2sp.org/tlog-cosignature, cosignature/v1):
	 * the note signature line as received, one per witness key and
	 * checkpoint; timestamps holds RFC 3161 time-stamp tokens (DER)
	 * over a checkpoint's signed note.  Each is checked before it is
	 * stored and again whenever it is used; neither is a leaf of the
	 * log.  Append-only, as the checkpoints they speak of.
	 */
	{
	"CREATE TABLE cosignatures ("
	"  id         INTEGER PRIMARY KEY,"
	"  checkpoint INTEGER NOT NULL REFERENCES checkpoints (id),"
	"  name       TEXT NOT NULL CHECK (length(name) > 0),"
	"  keyid      TEXT NOT NULL CHECK (length(keyid) = 8),"
	"  time       INTEGER NOT NULL CHECK (time >= 0),"
	"  line       TEXT NOT NULL,"
	"  added      TEXT NOT NULL,"
	"  UNIQUE (checkpoint, name, keyid)"
	") STRICT;"
	"CREATE TRIGGER cosignatures_no_update BEFORE UPDATE ON cosignatures"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: cosignatures are append-only'); END;"
	"CREATE TRIGGER cosignatures_no_delete BEFORE DELETE ON cosignatures"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: cosignatures are append-only'); END;"
	"CREATE TRIGGER cosignatures_no_replace BEFORE INSERT ON cosignatures"
	"  WHEN EXISTS (SELECT 1 FROM cosignatures WHERE id = NEW.id OR"
	"    (checkpoint = NEW.checkpoint AND name = NEW.name AND"
	"    keyid = NEW.keyid)) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: cosignatures are append-only'); END;"
	"CREATE TABLE timestamps ("
	"  id         INTEGER PRIMARY KEY,"
	"  checkpoint INTEGER NOT NULL REFERENCES checkpoints (id),"
	"  token      BLOB NOT NULL CHECK (length(token) > 0),"
	"  time       TEXT NOT NULL,"
	"  tsa        TEXT NOT NULL,"
	"  added      TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX timestamps_checkpoint ON timestamps (checkpoint);"
	"CREATE TRIGGER timestamps_no_update BEFORE UPDATE ON timestamps"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: timestamps are append-only'); END;"
	"CREATE TRIGGER timestamps_no_delete BEFORE DELETE ON timestamps"
	"  BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: timestamps are append-only'); END;"
	"CREATE TRIGGER timestamps_no_replace BEFORE INSERT ON timestamps"
	"  WHEN EXISTS (SELECT 1 FROM timestamps WHERE id = NEW.id) BEGIN"
	"  SELECT RAISE(ABORT, 'bodycam: timestamps are append-only'); END;",
	NULL, NULL },
};

static int
set_user_version(struct bc_catalog *cat, int v, struct bc_err *err)
{
	char sql[64];

	/* PRAGMA takes no bound values; v is our own constant, not input */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return bc_cat_exec(cat, sql, err);
}

int
bc_cat_migrate(struct bc_catalog *cat, struct bc_err *err)
{
	int v = 0, r;

	if ((r = bc_cat_schema(cat, &v, err)) != 0)
		return r;
	if (v > BC_CATALOG_SCHEMA)
		return bc_err_set(err, BC_ERR_SCHEMA,
		    "%s has schema version %d, newer than this bodycam "
		    "understands (%d); upgrade bodycam", cat->path, v,
		    BC_CATALOG_SCHEMA);
	if (v == BC_CATALOG_SCHEMA) {
		cat->current = 1;
		return 0;
	}
	/* PostgreSQL catalogs are made at schema 8 (catalog-pg.c) */
	if (cat->engine == BC_ENGINE_PG)
		return bc_err_set(err, BC_ERR_SCHEMA, "%s has schema version "
		    "%d; a PostgreSQL catalog has no migration to %d",
		    cat->path, v, BC_CATALOG_SCHEMA);
	if (cat->read_only)
		return bc_err_set(err, BC_ERR_SCHEMA,
		    "%s has schema version %d and needs an upgrade to %d, "
		    "which only a writer does: run 'bodycam upgrade' as a user "
		    "who may write it (read-only commands never change the "
		    "catalog)", cat->path, v, BC_CATALOG_SCHEMA);
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	/* re-read under the write lock: another process may have migrated */
	if ((r = bc_cat_schema(cat, &v, err)) != 0)
		goto fail;
	for (; v < BC_CATALOG_SCHEMA; v++) {
		const struct migration *m = &migrations[v];

		if ((r = bc_cat_exec(cat, m->sql, err)) != 0 ||
		    (m->fn != NULL && (r = m->fn(cat, err)) != 0) ||
		    (m->after != NULL &&
		    (r = bc_cat_exec(cat, m->after, err)) != 0) ||
		    (r = set_user_version(cat, v + 1, err)) != 0)
			goto fail;
	}
	if ((r = bc_catalog_commit(cat, err)) == 0)
		cat->current = 1;
	return r;
 fail:
	bc_catalog_rollback(cat);
	return r;
}

/*
 * The upgrade to schema 3: appends every record that predates the log, in
 * a fixed order (key documents by seq, manifests by item number, events
 * by row id), stores each one's index, and names the log.
 */
static int
backfill_table(struct bc_catalog *cat, int kind, const char *select,
    const char *update, struct bc_err *err)
{
	struct bc_stmt *sel = NULL, *upd = NULL;
	int64_t leaf;
	int rc, r;

	if ((r = bc_cat_prepare(cat, select, &sel, err)) != 0 ||
	    (r = bc_cat_prepare(cat, update, &upd, err)) != 0)
		goto out;
	while ((rc = bc_st_step(sel)) == BC_ROW) {
		const void *body = bc_st_text(sel, 1);
		int n = bc_st_bytes(sel, 1);

		if ((r = bc_cat_log_append(cat, kind, body ? body : "",
		    (size_t)n, &leaf, err)) != 0)
			goto out;
		bc_st_bind_int64(upd, 1, leaf);
		bc_st_bind_int64(upd, 2, bc_st_int64(sel, 0));
		if (bc_st_step(upd) != BC_DONE) {
			r = bc_cat_err(cat, err, "record a leaf index");
			goto out;
		}
		bc_st_reset(upd);
	}
	r = rc == BC_DONE ? 0 : bc_cat_err(cat, err, "read old records");
 out:
	bc_st_finalize(sel);
	bc_st_finalize(upd);
	return r;
}

static int
backfill_log(struct bc_catalog *cat, struct bc_err *err)
{
	char origin[BC_ORIGIN_MAX + 1];
	struct bc_stmt *st = NULL;
	int r, upgrade;

	if ((r = backfill_table(cat, BC_LEAF_KEYDOC,
	    "SELECT seq, body FROM keydocs ORDER BY seq",
	    "UPDATE keydocs SET leaf = ?1 WHERE seq = ?2", err)) != 0 ||
	    (r = backfill_table(cat, BC_LEAF_MANIFEST,
	    "SELECT num, manifest FROM items ORDER BY num",
	    "UPDATE items SET leaf = ?1 WHERE num = ?2", err)) != 0 ||
	    (r = backfill_table(cat, BC_LEAF_EVENT,
	    "SELECT id, body FROM events ORDER BY id",
	    "UPDATE events SET leaf = ?1 WHERE id = ?2", err)) != 0)
		return r;
	/* a new catalog is named by bc_catalog_create, after this */
	if ((r = bc_cat_prepare(cat, "SELECT count(*) FROM meta WHERE name ="
	    " 'admin_key'", &st, err)) != 0)
		return r;
	upgrade = bc_st_step(st) == BC_ROW &&
	    bc_st_int(st, 0) > 0;
	bc_st_finalize(st);
	st = NULL;
	if (!upgrade)
		return 0;
	if ((r = bc_default_origin(origin, err)) != 0)
		return r;
	if ((r = bc_cat_prepare(cat, "INSERT INTO meta (name, value) VALUES"
	    " ('origin', ?1)", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, origin, -1);
	r = bc_cat_step_insert(cat, st, "name the log", err);
	bc_st_finalize(st);
	return r;
}

/* A string member at a dotted path of o, or "" (json_object_get's way). */
static const char *
jstr(const json_t *o, const char *a, const char *b)
{
	const char *v;

	if (a != NULL)
		o = json_object_get(o, a);
	v = json_string_value(json_object_get(o, b));
	return v != NULL ? v : "";
}

/* The hold, the purge and the media's fate, as bc_custody_rule applies
 * them, from the stored events of every item */
#define STATUS_FROM_EVENTS \
	"WITH ev (item, seq, a, m) AS MATERIALIZED (SELECT item, seq," \
	"  CASE WHEN json_valid(body) THEN json_extract(body, '$.action') END," \
	"  CASE WHEN json_valid(body) THEN" \
	"   json_extract(body, '$.details.media') END FROM events" \
	"  WHERE seq > 0)," \
	" k AS MATERIALIZED (SELECT * FROM ev WHERE" \
	"  a IN ('hold', 'unhold', 'purge') OR" \
	"  (a = 'note' AND m IN ('destroyed', 'absent', 'kept')))," \
	" agg (item, seq, held, purged, media) AS (SELECT k.item, max(k.seq)," \
	"  coalesce((SELECT x.a = 'hold' FROM k x WHERE x.item = k.item AND" \
	"   x.a IN ('hold', 'unhold') ORDER BY x.seq DESC LIMIT 1), 0)," \
	"  max(k.a = 'purge')," \
	"  coalesce((SELECT x.m FROM k x WHERE x.item = k.item AND" \
	"   x.a = 'note' ORDER BY x.seq DESC LIMIT 1), '')" \
	"  FROM k GROUP BY k.item)" \
	"UPDATE status SET seq = max(status.seq, agg.seq), held = agg.held," \
	" purged = agg.purged, media = agg.media FROM agg" \
	" WHERE agg.item = status.item"

/*
 * The upgrade to schema 7: a status row for every item, from its
 * manifest and stored view, then its hold and purge from its events.
 * Derived data, as the writers derive it; audit checks every row.
 */
static int
backfill_status(struct bc_catalog *cat, struct bc_err *err)
{
	struct bc_status s;
	struct bc_stmt *st = NULL;
	json_t *m, *v;
	int rc, r;

	if ((r = bc_cat_prepare(cat, "SELECT i.num, i.manifest_hash, i.id,"
	    " i.manifest, v.view, coalesce(v.seq, 0) FROM items i LEFT JOIN"
	    " views v ON v.item = i.manifest_hash ORDER BY i.num", &st,
	    err)) != 0)
		return r;
	while ((rc = bc_st_step(st)) == BC_ROW) {
		const char *mt = (const char *)bc_st_text(st, 3);
		const char *vt = (const char *)bc_st_text(st, 4);

		memset(&s, 0, sizeof(s));
		s.num = bc_st_int64(st, 0);
		bc_cat_copy(s.item, sizeof(s.item), bc_st_text(st, 1));
		bc_cat_copy(s.id, sizeof(s.id), bc_st_text(st, 2));
		s.seq = bc_st_int64(st, 5);
		m = mt ? json_loads(mt, 0, NULL) : NULL;
		v = vt ? json_loads(vt, 0, NULL) : NULL;
		bc_status_start(json_object_get(json_object_get(m, "capture"),
		    "taken") ? jstr(m, "capture", "taken") : NULL,
		    jstr(m, "registered", "at"), &s);
		snprintf(s.category, sizeof(s.category), "%s", vt ?
		    jstr(v, NULL, "category") : jstr(m, "case", "category"));
		snprintf(s.case_no, sizeof(s.case_no), "%s", vt ?
		    jstr(v, NULL, "case") : jstr(m, "case", "number"));
		json_decref(m);
		json_decref(v);
		if ((r = bc_catalog_put_status(cat, &s, err)) != 0)
			goto out;
	}
	if (rc != BC_DONE) {
		r = bc_cat_err(cat, err, "read the items");
		goto out;
	}
	r = bc_cat_exec(cat, STATUS_FROM_EVENTS, err);
 out:
	bc_st_finalize(st);
	return r;
}
