/*
 * catalog-sql.c - the catalog's connection layer: either engine's errors
 * as BC_ERR_* codes, statements, transactions and savepoints, and the
 * column readers and the one row collector that catalog.c and
 * catalog-log.c share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bodycam/buf.h"
#include "catalog-int.h"

/* A statement of either engine. */
struct bc_stmt {
	struct bc_catalog	*cat;
	sqlite3_stmt		*lite;
	struct bc_pgst		*pg;
};

int
bc_cat_err(struct bc_catalog *cat, struct bc_err *err, const char *what)
{
	int code;

	if (cat->engine == BC_ENGINE_PG)
		return bc_pg_err(cat, err, what);
	code = sqlite3_extended_errcode(cat->db);
	if ((code & 0xff) == SQLITE_NOTADB)
		return bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog (not a database)", cat->path);
	if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
		return bc_err_set(err, BC_ERR_BUSY,
		    "%s: catalog is locked by another writer (waited %d s)",
		    cat->path, BC_CAT_BUSY_TIMEOUT_MS / 1000);
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

int
bc_cat_prepare(struct bc_catalog *cat, const char *sql, struct bc_stmt **st,
    struct bc_err *err)
{
	struct bc_stmt *s;

	*st = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	s->cat = cat;
	if (cat->engine == BC_ENGINE_PG) {
		if (bc_pgst_prepare(cat, sql, &s->pg) != 0) {
			free(s);
			return bc_cat_err(cat, err, "prepare");
		}
	} else if (sqlite3_prepare_v2(cat->db, sql, -1, &s->lite, NULL) !=
	    SQLITE_OK) {
		free(s);
		return bc_cat_err(cat, err, "prepare");
	}
	*st = s;
	return 0;
}

int
bc_cat_prepare_scan(struct bc_catalog *cat, const char *sql,
    struct bc_stmt **st, struct bc_err *err)
{
	int r;

	if ((r = bc_cat_prepare(cat, sql, st, err)) == 0 && (*st)->pg != NULL)
		bc_pgst_scan((*st)->pg);
	return r;
}

int
bc_st_bind_int64(struct bc_stmt *st, int i, int64_t v)
{
	if (st->pg != NULL)
		return bc_pgst_bind(st->pg, i, &v, sizeof(v), BC_PGST_INT);
	return sqlite3_bind_int64(st->lite, i, v) == SQLITE_OK ? 0 : -1;
}

int
bc_st_bind_text(struct bc_stmt *st, int i, const char *v, int len)
{
	if (v == NULL)
		return bc_st_bind_null(st, i);
	if (len < 0)
		len = (int)strlen(v);
	if (st->pg != NULL)
		return bc_pgst_bind(st->pg, i, v, len, BC_PGST_TEXT);
	return sqlite3_bind_text(st->lite, i, v, len, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : -1;
}

int
bc_st_bind_blob(struct bc_stmt *st, int i, const void *v, int len)
{
	if (st->pg != NULL)
		return bc_pgst_bind(st->pg, i, v, len, BC_PGST_BLOB);
	return sqlite3_bind_blob(st->lite, i, v, len, SQLITE_TRANSIENT) ==
	    SQLITE_OK ? 0 : -1;
}

int
bc_st_bind_null(struct bc_stmt *st, int i)
{
	if (st->pg != NULL)
		return bc_pgst_bind(st->pg, i, NULL, 0, BC_PGST_NULL);
	return sqlite3_bind_null(st->lite, i) == SQLITE_OK ? 0 : -1;
}

int
bc_st_step(struct bc_stmt *st)
{
	int rc;

	if (st->pg != NULL)
		return bc_pgst_step(st->pg);
	rc = sqlite3_step(st->lite);
	if (rc == SQLITE_ROW)
		return BC_ROW;
	if (rc == SQLITE_DONE)
		return BC_DONE;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? BC_CONSTRAINT :
	    BC_STEP_ERROR;
}

void
bc_st_reset(struct bc_stmt *st)
{
	if (st->pg != NULL) {
		bc_pgst_reset(st->pg);
		return;
	}
	sqlite3_reset(st->lite);
	sqlite3_clear_bindings(st->lite);
}

void
bc_st_finalize(struct bc_stmt *st)
{
	if (st == NULL)
		return;
	if (st->pg != NULL)
		bc_pgst_finalize(st->pg);
	else
		sqlite3_finalize(st->lite);
	free(st);
}

int
bc_st_columns(struct bc_stmt *st)
{
	if (st->pg != NULL)
		return bc_pgst_columns(st->pg);
	return sqlite3_column_count(st->lite);
}

int
bc_st_coltype(struct bc_stmt *st, int col)
{
	if (st->pg != NULL)
		return bc_pgst_coltype(st->pg, col);
	switch (sqlite3_column_type(st->lite, col)) {
	case SQLITE_NULL:
		return BC_COL_NULL;
	case SQLITE_INTEGER:
		return BC_COL_INT;
	case SQLITE_BLOB:
		return BC_COL_BLOB;
	default:
		return BC_COL_TEXT;
	}
}

int
bc_st_is_null(struct bc_stmt *st, int col)
{
	if (st->pg != NULL)
		return bc_pgst_is_null(st->pg, col);
	return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
}

int64_t
bc_st_int64(struct bc_stmt *st, int col)
{
	const char *v;
	char *end;
	long long n;

	if (st->pg == NULL)
		return sqlite3_column_int64(st->lite, col);
	if ((v = bc_pgst_value(st->pg, col, NULL)) == NULL)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	errno = 0;
	n = strtoll(v, &end, 10);
	/* what SQLite does with text that is no number: 0 */
	if (errno != 0 || end == v)
		return 0;
	return (int64_t)n;
}

int
bc_st_int(struct bc_stmt *st, int col)
{
	return (int)bc_st_int64(st, col);
}

const unsigned char *
bc_st_text(struct bc_stmt *st, int col)
{
	if (st->pg != NULL)
		return (const unsigned char *)bc_pgst_value(st->pg, col,
		    NULL);
	return sqlite3_column_text(st->lite, col);
}

const void *
bc_st_blob(struct bc_stmt *st, int col)
{
	if (st->pg != NULL)
		return bc_pgst_value(st->pg, col, NULL);
	return sqlite3_column_blob(st->lite, col);
}

int
bc_st_bytes(struct bc_stmt *st, int col)
{
	int len = 0;

	if (st->pg != NULL) {
		(void)bc_pgst_value(st->pg, col, &len);
		return len;
	}
	return sqlite3_column_bytes(st->lite, col);
}

/* Runs a statement that takes no values and returns no rows. */
int
bc_cat_exec(struct bc_catalog *cat, const char *sql, struct bc_err *err)
{
	char *msg = NULL;

	if (cat->engine == BC_ENGINE_PG)
		return bc_pg_exec(cat, sql, err);
	if (sqlite3_exec(cat->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return bc_cat_err(cat, err, "exec");
	}
	return 0;
}

int
bc_cat_query_int(struct bc_catalog *cat, const char *sql, int *val,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	if (bc_st_step(st) != BC_ROW) {
		r = bc_cat_err(cat, err, "read");
		goto out;
	}
	*val = bc_st_int(st, 0);
	r = 0;
 out:
	bc_st_finalize(st);
	return r;
}

int
bc_cat_schema(struct bc_catalog *cat, int *version, struct bc_err *err)
{
	if (cat->engine == BC_ENGINE_PG)
		return bc_pg_schema(cat, version, err);
	return bc_cat_query_int(cat, "PRAGMA user_version", version, err);
}

int64_t
bc_cat_changes(struct bc_catalog *cat)
{
	if (cat->engine == BC_ENGINE_PG)
		return bc_pg_changes(cat);
	return sqlite3_changes(cat->db);
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
	if (cat->engine == BC_ENGINE_PG)
		r = bc_pg_begin(cat, 1, err);
	else
		r = bc_cat_exec(cat, "BEGIN IMMEDIATE", err);
	if (r != 0)
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
	return bc_cat_exec(cat, "SAVEPOINT bc_job", err);
}

int
bc_catalog_savepoint_release(struct bc_catalog *cat, struct bc_err *err)
{
	return bc_cat_exec(cat, "RELEASE bc_job", err);
}

int
bc_catalog_savepoint_rollback(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if ((r = bc_cat_exec(cat, "ROLLBACK TO bc_job", err)) != 0)
		return r;
	return bc_cat_exec(cat, "RELEASE bc_job", err);
}

int
bc_catalog_snapshot(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL,
		    "nested catalog transaction");
	if (cat->engine == BC_ENGINE_PG) {
		if ((r = bc_pg_begin(cat, 0, err)) == 0)
			cat->in_tx = 1;
		return r;
	}
	/* a deferred BEGIN takes its snapshot at the first read; read now */
	if ((r = bc_cat_exec(cat, "BEGIN DEFERRED", err)) != 0)
		return r;
	cat->in_tx = 1;
	if ((r = bc_cat_exec(cat, "SELECT count(*) FROM meta", err)) != 0)
		bc_catalog_rollback(cat);
	return r;
}

int
bc_catalog_commit(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "no transaction");
	if ((r = bc_cat_exec(cat, "COMMIT", err)) != 0) {
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
	if (cat->engine == BC_ENGINE_PG)
		(void)bc_pg_exec(cat, "ROLLBACK", NULL);
	else
		(void)sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_tx = 0;
}

int
bc_cat_step_insert(struct bc_catalog *cat, struct bc_stmt *st, const char *what,
    struct bc_err *err)
{
	int rc = bc_st_step(st);

	if (rc == BC_DONE)
		return 0;
	if (rc == BC_CONSTRAINT)
		return bc_err_set(err, BC_ERR_EXISTS, "%s: %s", what,
		    cat->engine == BC_ENGINE_PG ? bc_pg_errmsg(cat) :
		    sqlite3_errmsg(cat->db));
	return bc_cat_err(cat, err, what);
}

int
bc_cat_step_insert_id(struct bc_catalog *cat, struct bc_stmt *st,
    const char *what, int64_t *id, struct bc_err *err)
{
	int r;

	if ((r = bc_cat_step_insert(cat, st, what, err)) != 0 || id == NULL)
		return r;
	if (cat->engine == BC_ENGINE_PG)
		*id = bc_pg_last_id(cat);
	else
		*id = sqlite3_last_insert_rowid(cat->db);
	return 0;
}

void
bc_cat_copy(char *dst, size_t dstsz, const unsigned char *src)
{
	snprintf(dst, dstsz, "%s", src ? (const char *)src : "");
}

char *
bc_cat_dup_text(struct bc_stmt *st, int col, size_t *len)
{
	const unsigned char *t = bc_st_text(st, col);
	int n = bc_st_bytes(st, col);
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

uint8_t *
bc_cat_dup_blob(struct bc_stmt *st, int col, size_t *len)
{
	const void *b = bc_st_blob(st, col);
	int n = bc_st_bytes(st, col);
	uint8_t *p;

	if ((p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (n > 0 && b != NULL)
		memcpy(p, b, (size_t)n);
	*len = (size_t)n;
	return p;
}

int
bc_cat_collect(struct bc_catalog *cat, struct bc_stmt *st, size_t esz,
    int (*fill)(struct bc_stmt *, void *), void (*release)(void *, size_t),
    const char *what, void **out, size_t *n, struct bc_err *err)
{
	char *v = NULL, *tmp;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	while ((rc = bc_st_step(st)) == BC_ROW) {
		if ((tmp = bc_grow(v, &cap, cnt + 1, esz)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		v = tmp;
		memset(v + cnt * esz, 0, esz);
		if (fill(st, v + cnt++ * esz) != 0) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rc != BC_DONE) {
		r = bc_cat_err(cat, err, what);
		goto out;
	}
	*out = v;
	*n = cnt;
	return 0;
 out:
	if (release != NULL)
		release(v, cnt);
	else
		free(v);
	return r;
}
