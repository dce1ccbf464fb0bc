/*
 * catalog-pg-schema.c - the catalog's tables on PostgreSQL, at schema 8:
 * the tables of catalog-schema.c's migrations as they stand after the
 * last one, typed for PostgreSQL.  Text compares and sorts bytewise
 * (COLLATE "C"), as in SQLite.  Append-only is kept by triggers, as
 * there, and on TRUNCATE too; the role set-up of docs/DEPLOY.md takes
 * UPDATE, DELETE and TRUNCATE from the service's role as well.  Ids that
 * SQLite gives (INTEGER PRIMARY KEY) are given the same way, the largest
 * plus one, so that a refused insert leaves no gap; writers hold the
 * catalog's write lock (catalog-pg.c), so two cannot take the same.
 * json_valid, json_extract and json_each are defined over text as SQLite
 * has them, for the filters of 'list'; a value that is not JSON reads as
 * NULL (or no rows), never as an error.
 */

const char bc_pg_schema_sql[] =
	"CREATE TABLE bodycam_catalog ("
	"  app_id  bigint NOT NULL,"
	"  version integer NOT NULL"
	");"
	"CREATE FUNCTION bodycam_refuse() RETURNS trigger LANGUAGE plpgsql"
	" AS $f$ BEGIN"
	"  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = '23000';"
	" END $f$;"
	"CREATE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql"
	" IMMUTABLE AS $f$ BEGIN"
	"  IF t IS NULL THEN RETURN NULL; END IF;"
	"  PERFORM t::jsonb;"
	"  RETURN true;"
	" EXCEPTION WHEN others THEN RETURN false;"
	" END $f$;"
	"CREATE FUNCTION json_extract(t text, p text) RETURNS text"
	" LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN"
	"  IF t IS NULL OR p IS NULL OR left(p, 2) <> '$.' THEN RETURN NULL;"
	"  END IF;"
	"  RETURN t::jsonb #>> string_to_array(substr(p, 3), '.');"
	" EXCEPTION WHEN others THEN RETURN NULL;"
	" END $f$;"
	"CREATE FUNCTION json_each(t text) RETURNS TABLE (value text)"
	" LANGUAGE plpgsql IMMUTABLE AS $f$"
	" #variable_conflict use_column\n"
	" DECLARE j jsonb; BEGIN"
	"  IF t IS NULL THEN RETURN; END IF;"
	"  j := t::jsonb;"
	"  IF jsonb_typeof(j) = 'array' THEN"
	"    RETURN QUERY SELECT x.e FROM jsonb_array_elements_text(j)"
	"      AS x(e);"
	"  ELSIF jsonb_typeof(j) = 'object' THEN"
	"    RETURN QUERY SELECT x.v FROM jsonb_each_text(j) AS x(k, v);"
	"  ELSE"
	"    RETURN QUERY SELECT j #>> '{}';"
	"  END IF;"
	" EXCEPTION WHEN others THEN RETURN;"
	" END $f$;"

	"CREATE TABLE meta ("
	"  name  text COLLATE \"C\" PRIMARY KEY,"
	"  value text COLLATE \"C\" NOT NULL"
	");"
	"CREATE TABLE items ("
	"  num           bigint PRIMARY KEY,"
	"  id            text COLLATE \"C\" NOT NULL UNIQUE,"
	"  sha256        text COLLATE \"C\" NOT NULL UNIQUE"
	"                CHECK (length(sha256) = 64),"
	"  size          bigint NOT NULL CHECK (size >= 0),"
	"  path          text COLLATE \"C\" NOT NULL,"
	"  manifest      text COLLATE \"C\" NOT NULL,"
	"  manifest_hash text COLLATE \"C\" NOT NULL UNIQUE"
	"                CHECK (length(manifest_hash) = 64),"
	"  signature     bytea NOT NULL,"
	"  key           text COLLATE \"C\" NOT NULL,"
	"  registered    text COLLATE \"C\" NOT NULL,"
	"  leaf          bigint UNIQUE CHECK (leaf >= 0)"
	");"
	"CREATE TABLE events ("
	"  id        bigint PRIMARY KEY,"
	"  item      text COLLATE \"C\" NOT NULL"
	"            REFERENCES items (manifest_hash),"
	"  seq       bigint NOT NULL CHECK (seq >= 0),"
	"  hash      text COLLATE \"C\" NOT NULL UNIQUE"
	"            CHECK (length(hash) = 64),"
	"  body      text COLLATE \"C\" NOT NULL,"
	"  signature bytea NOT NULL,"
	"  key       text COLLATE \"C\" NOT NULL,"
	"  leaf      bigint UNIQUE CHECK (leaf >= 0),"
	"  UNIQUE (item, seq)"
	");"
	"CREATE TABLE keydocs ("
	"  seq       bigint PRIMARY KEY CHECK (seq >= 0),"
	"  hash      text COLLATE \"C\" NOT NULL UNIQUE"
	"            CHECK (length(hash) = 64),"
	"  key       text COLLATE \"C\" NOT NULL,"
	"  body      text COLLATE \"C\" NOT NULL,"
	"  signature bytea NOT NULL,"
	"  signer    text COLLATE \"C\" NOT NULL,"
	"  leaf      bigint UNIQUE CHECK (leaf >= 0)"
	");"
	"CREATE INDEX keydocs_key ON keydocs (key);"
	"CREATE TABLE nodes ("
	"  level integer NOT NULL CHECK (level BETWEEN 0 AND 63),"
	"  idx   bigint NOT NULL CHECK (idx >= 0),"
	"  hash  bytea NOT NULL CHECK (length(hash) = 32),"
	"  PRIMARY KEY (level, idx)"
	");"
	"CREATE TABLE checkpoints ("
	"  id      bigint PRIMARY KEY,"
	"  size    bigint NOT NULL CHECK (size >= 0),"
	"  root    bytea NOT NULL CHECK (length(root) = 32),"
	"  key     text COLLATE \"C\" NOT NULL,"
	"  created text COLLATE \"C\" NOT NULL,"
	"  note    text COLLATE \"C\" NOT NULL"
	");"
	"CREATE TABLE tokens ("
	"  id         bigint PRIMARY KEY,"
	"  name       text COLLATE \"C\" NOT NULL"
	"             CHECK (length(name) BETWEEN 1 AND 64),"
	"  role       integer NOT NULL CHECK (role IN (1, 2, 4, 8)),"
	"  hash       text COLLATE \"C\" NOT NULL UNIQUE"
	"             CHECK (length(hash) = 64),"
	"  created    text COLLATE \"C\" NOT NULL,"
	"  created_by text COLLATE \"C\" NOT NULL,"
	"  revoked    text COLLATE \"C\""
	");"
	"CREATE UNIQUE INDEX tokens_active_name ON tokens (name)"
	"  WHERE revoked IS NULL;"
	"CREATE TABLE releases ("
	"  id        bigint PRIMARY KEY,"
	"  hash      text COLLATE \"C\" NOT NULL UNIQUE"
	"            CHECK (length(hash) = 64),"
	"  body      text COLLATE \"C\" NOT NULL,"
	"  signature bytea NOT NULL,"
	"  key       text COLLATE \"C\" NOT NULL,"
	"  leaf      bigint NOT NULL UNIQUE CHECK (leaf >= 0)"
	");"
	"CREATE TABLE views ("
	"  item text COLLATE \"C\" PRIMARY KEY"
	"       REFERENCES items (manifest_hash),"
	"  seq  bigint NOT NULL CHECK (seq > 0),"
	"  view text COLLATE \"C\" NOT NULL CHECK (length(view) > 0)"
	");"
	"CREATE TABLE policies ("
	"  seq       bigint PRIMARY KEY CHECK (seq > 0),"
	"  hash      text COLLATE \"C\" NOT NULL UNIQUE"
	"            CHECK (length(hash) = 64),"
	"  body      text COLLATE \"C\" NOT NULL,"
	"  signature bytea NOT NULL,"
	"  key       text COLLATE \"C\" NOT NULL,"
	"  leaf      bigint NOT NULL UNIQUE CHECK (leaf >= 0)"
	");"
	"CREATE TABLE status ("
	"  num        bigint PRIMARY KEY REFERENCES items (num),"
	"  item       text COLLATE \"C\" NOT NULL UNIQUE"
	"             REFERENCES items (manifest_hash),"
	"  id         text COLLATE \"C\" NOT NULL,"
	"  seq        bigint NOT NULL CHECK (seq >= 0),"
	"  start      text COLLATE \"C\" NOT NULL,"
	"  start_from text COLLATE \"C\" NOT NULL"
	"             CHECK (start_from IN ('capture', 'registered')),"
	"  category   text COLLATE \"C\","
	"  case_no    text COLLATE \"C\","
	"  held       integer NOT NULL CHECK (held IN (0, 1)),"
	"  purged     integer NOT NULL CHECK (purged IN (0, 1)),"
	"  media      text COLLATE \"C\" NOT NULL"
	"             CHECK (media IN ('', 'destroyed', 'absent', 'kept'))"
	");"
	"CREATE TABLE cosignatures ("
	"  id         bigint PRIMARY KEY,"
	"  checkpoint bigint NOT NULL REFERENCES checkpoints (id),"
	"  name       text COLLATE \"C\" NOT NULL CHECK (length(name) > 0),"
	"  keyid      text COLLATE \"C\" NOT NULL CHECK (length(keyid) = 8),"
	"  time       bigint NOT NULL CHECK (time >= 0),"
	"  line       text COLLATE \"C\" NOT NULL,"
	"  added      text COLLATE \"C\" NOT NULL,"
	"  UNIQUE (checkpoint, name, keyid)"
	");"
	"CREATE TABLE timestamps ("
	"  id         bigint PRIMARY KEY,"
	"  checkpoint bigint NOT NULL REFERENCES checkpoints (id),"
	"  token      bytea NOT NULL CHECK (length(token) > 0),"
	"  time       text COLLATE \"C\" NOT NULL,"
	"  tsa        text COLLATE \"C\" NOT NULL,"
	"  added      text COLLATE \"C\" NOT NULL"
	");"
	"CREATE INDEX timestamps_checkpoint ON timestamps (checkpoint);"

	/* ids given as SQLite gives them */
/* a function a table: its query planned once a session, not at each row */
#define NEXT_ID(t) \
	"CREATE FUNCTION bodycam_next_id_" t "() RETURNS trigger" \
	" LANGUAGE plpgsql AS $f$ BEGIN" \
	"  IF NEW.id IS NULL THEN" \
	"    SELECT coalesce(max(id), 0) + 1 INTO NEW.id FROM " t ";" \
	"  END IF;" \
	"  RETURN NEW;" \
	" END $f$;" \
	"CREATE TRIGGER " t "_next_id BEFORE INSERT ON " t \
	"  FOR EACH ROW EXECUTE FUNCTION bodycam_next_id_" t "();"
	NEXT_ID("events")
	NEXT_ID("checkpoints")
	NEXT_ID("tokens")
	NEXT_ID("releases")
	NEXT_ID("cosignatures")
	NEXT_ID("timestamps")

	/* append-only: no UPDATE, DELETE or TRUNCATE */
#define APPEND_ONLY(t, what) \
	"CREATE TRIGGER " t "_no_change BEFORE UPDATE OR DELETE ON " t \
	"  FOR EACH ROW EXECUTE FUNCTION" \
	"  bodycam_refuse('bodycam: " what "');" \
	"CREATE TRIGGER " t "_no_truncate BEFORE TRUNCATE ON " t \
	"  FOR EACH STATEMENT EXECUTE FUNCTION" \
	"  bodycam_refuse('bodycam: " what "');"
	APPEND_ONLY("bodycam_catalog", "the schema version changes only by "
	    "migration")
	APPEND_ONLY("meta", "meta rows are append-only")
	APPEND_ONLY("items", "items are append-only")
	APPEND_ONLY("events", "events are append-only")
	APPEND_ONLY("keydocs", "key documents are append-only")
	APPEND_ONLY("nodes", "the log is append-only")
	APPEND_ONLY("checkpoints", "checkpoints are append-only")
	APPEND_ONLY("releases", "releases are append-only")
	APPEND_ONLY("policies", "policies are append-only")
	APPEND_ONLY("cosignatures", "cosignatures are append-only")
	APPEND_ONLY("timestamps", "timestamps are append-only")

	/* tokens: never deleted; changed once, when revoked */
	"CREATE TRIGGER tokens_no_delete BEFORE DELETE ON tokens"
	"  FOR EACH ROW EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: tokens are never deleted');"
	"CREATE TRIGGER tokens_no_truncate BEFORE TRUNCATE ON tokens"
	"  FOR EACH STATEMENT EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: tokens are never deleted');"
	"CREATE FUNCTION bodycam_tokens_only_revoke() RETURNS trigger"
	" LANGUAGE plpgsql AS $f$ BEGIN"
	"  IF OLD.revoked IS NOT NULL OR NEW.revoked IS NULL OR"
	"    length(NEW.revoked) = 0 OR NEW.id IS DISTINCT FROM OLD.id OR"
	"    NEW.name IS DISTINCT FROM OLD.name OR"
	"    NEW.role IS DISTINCT FROM OLD.role OR"
	"    NEW.hash IS DISTINCT FROM OLD.hash OR"
	"    NEW.created IS DISTINCT FROM OLD.created OR"
	"    NEW.created_by IS DISTINCT FROM OLD.created_by THEN"
	"    RAISE EXCEPTION 'bodycam: a token can only be revoked'"
	"      USING ERRCODE = '23000';"
	"  END IF;"
	"  RETURN NEW;"
	" END $f$;"
	"CREATE TRIGGER tokens_only_revoke BEFORE UPDATE ON tokens"
	"  FOR EACH ROW EXECUTE FUNCTION bodycam_tokens_only_revoke();"

	/* views and status: never deleted; only move forward */
	"CREATE TRIGGER views_no_delete BEFORE DELETE ON views"
	"  FOR EACH ROW EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: views are never deleted');"
	"CREATE TRIGGER views_no_truncate BEFORE TRUNCATE ON views"
	"  FOR EACH STATEMENT EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: views are never deleted');"
	"CREATE FUNCTION bodycam_views_forward() RETURNS trigger"
	" LANGUAGE plpgsql AS $f$ BEGIN"
	"  IF NEW.item IS DISTINCT FROM OLD.item OR NEW.seq <= OLD.seq THEN"
	"    RAISE EXCEPTION 'bodycam: a view only moves forward'"
	"      USING ERRCODE = '23000';"
	"  END IF;"
	"  RETURN NEW;"
	" END $f$;"
	"CREATE TRIGGER views_forward BEFORE UPDATE ON views"
	"  FOR EACH ROW EXECUTE FUNCTION bodycam_views_forward();"
	"CREATE TRIGGER status_no_delete BEFORE DELETE ON status"
	"  FOR EACH ROW EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: a status is never deleted');"
	"CREATE TRIGGER status_no_truncate BEFORE TRUNCATE ON status"
	"  FOR EACH STATEMENT EXECUTE FUNCTION"
	"  bodycam_refuse('bodycam: a status is never deleted');"
	"CREATE FUNCTION bodycam_status_forward() RETURNS trigger"
	" LANGUAGE plpgsql AS $f$ BEGIN"
	"  IF NEW.num IS DISTINCT FROM OLD.num OR"
	"    NEW.item IS DISTINCT FROM OLD.item OR"
	"    NEW.id IS DISTINCT FROM OLD.id OR"
	"    NEW.start IS DISTINCT FROM OLD.start OR"
	"    NEW.start_from IS DISTINCT FROM OLD.start_from OR"
	"    NEW.seq <= OLD.seq THEN"
	"    RAISE EXCEPTION 'bodycam: a status only moves forward'"
	"      USING ERRCODE = '23000';"
	"  END IF;"
	"  RETURN NEW;"
	" END $f$;"
	"CREATE TRIGGER status_forward BEFORE UPDATE ON status"
	"  FOR EACH ROW EXECUTE FUNCTION bodycam_status_forward();";
