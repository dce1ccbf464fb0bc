/*
 * catalog-sql.c - the catalog's connection layer: SQLite errors as
 * BC_ERR_* codes, statements, transactions and savepoints, and the
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

int
bc_cat_err(struct bc_catalog *cat, struct bc_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(cat->db);

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
bc_cat_prepare(struct bc_catalog *cat, const char *sql, sqlite3_stmt **st,
    struct bc_err *err)
{
	if (sqlite3_prepare_v2(cat->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return bc_cat_err(cat, err, "prepare");
	}
	return 0;
}

/* Runs a statement that takes no values and returns no rows. */
int
bc_cat_exec(struct bc_catalog *cat, const char *sql, struct bc_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(cat->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return bc_cat_err(cat, err, "exec");
	}
	return 0;
}

int
bc_cat_pragma_int(struct bc_catalog *cat, const char *sql, int *val,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = bc_cat_err(cat, err, "read pragma");
		goto out;
	}
	*val = sqlite3_column_int(st, 0);
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
	if ((r = bc_cat_exec(cat, "BEGIN IMMEDIATE", err)) != 0)
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
	(void)sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_tx = 0;
}

int
bc_cat_step_insert(struct bc_catalog *cat, sqlite3_stmt *st, const char *what,
    struct bc_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return bc_err_set(err, BC_ERR_EXISTS, "%s: %s", what,
		    sqlite3_errmsg(cat->db));
	return bc_cat_err(cat, err, what);
}

void
bc_cat_copy(char *dst, size_t dstsz, const unsigned char *src)
{
	snprintf(dst, dstsz, "%s", src ? (const char *)src : "");
}

char *
bc_cat_dup_text(sqlite3_stmt *st, int col, size_t *len)
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

uint8_t *
bc_cat_dup_blob(sqlite3_stmt *st, int col, size_t *len)
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

int
bc_cat_collect(struct bc_catalog *cat, sqlite3_stmt *st, size_t esz,
    int (*fill)(sqlite3_stmt *, void *), void (*release)(void *, size_t),
    const char *what, void **out, size_t *n, struct bc_err *err)
{
	char *v = NULL, *tmp;
	size_t cap = 0, cnt = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
	if (rc != SQLITE_DONE) {
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
