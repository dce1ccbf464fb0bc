/*
 * catalog-lite.c - the SQLite engine of the catalog (catalog-int.h): a
 * file, opened in WAL mode with full synchronous commits, foreign keys
 * and untrusted schema off; read-only openings of a file that cannot be
 * written; creation with its application id.
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

#include "catalog-int.h"

/* A catalog this file made and could not finish opening. */
static void
free_cat(struct bc_catalog *cat)
{
	if (cat == NULL)
		return;
	sqlite3_close(cat->db);
	free(cat->path);
	free(cat);
}

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
		free_cat(cat);
		return r;
	}
	*out = cat;
	return 0;
}

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
bc_lite_open(const char *path, int flags, struct bc_catalog **out,
    struct bc_err *err)
{
	struct bc_catalog *cat = NULL;
	struct stat st;
	char mode[16];
	struct bc_stmt *stmt = NULL;
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
	if (((r = configure(cat, err)) != 0 || (r = bc_cat_query_int(cat,
	    "PRAGMA application_id", &app, err)) != 0) &&
	    immutable_ok(cat, path, err)) {
		free_cat(cat);
		cat = NULL;
		if ((r = open_db(path, flags, 1, &cat, err)) != 0 ||
		    (r = configure(cat, err)) != 0)
			goto out;
		r = bc_cat_query_int(cat, "PRAGMA application_id", &app, err);
	}
	if (r != 0)
		goto out;
	if ((uint32_t)app != BC_CATALOG_APP_ID) {
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s is not a bodycam catalog", path);
		goto out;
	}
	/* bc_catalog_open_flags brings it to the current schema (read-only:
	   refuses one that needs an upgrade) */
	if (cat->read_only)
		goto done;
	/* WAL persists in the file; asking again is cheap and idempotent */
	if ((r = bc_cat_prepare(cat, "PRAGMA journal_mode = WAL", &stmt, err)) != 0)
		goto out;
	if (bc_st_step(stmt) != BC_ROW) {
		r = bc_cat_err(cat, err, "journal mode");
		goto out;
	}
	snprintf(mode, sizeof(mode), "%s",
	    (const char *)bc_st_text(stmt, 0));
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
	bc_st_finalize(stmt);
	free_cat(cat);
	return r;
}


int
bc_lite_create(const char *path, struct bc_catalog **out, struct bc_err *err)
{
	struct bc_catalog *cat = NULL;
	char sql[64];
	int fd, r;

	*out = NULL;
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
	/* PRAGMA takes no bound values; this is our own constant */
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
	    (int)BC_CATALOG_APP_ID);
	if ((r = bc_cat_exec(cat, sql, err)) != 0)
		goto fail;
	/* bc_catalog_create makes the tables (bc_cat_migrate) */
	*out = cat;
	return 0;
 fail:
	free_cat(cat);
	bc_lite_unlink(path);
	return r;
}

/* Removes a catalog file that was being made, with its WAL files. */
void
bc_lite_unlink(const char *path)
{
	char side[4096];

	unlink(path);
	if ((size_t)snprintf(side, sizeof(side), "%s-wal", path) <
	    sizeof(side))
		unlink(side);
	if ((size_t)snprintf(side, sizeof(side), "%s-shm", path) <
	    sizeof(side))
		unlink(side);
}
