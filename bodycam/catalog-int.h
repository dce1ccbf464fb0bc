/*
 * catalog-int.h - what the catalog's own files share: the connection, the
 * statements of catalog-sql.c that speak to either engine, and each
 * engine's opening.  Only the catalog*.c files include it; the rest of
 * bodycam sees catalog.h and never learns which engine it talks to.
 *
 * Two engines: SQLite (a file, the embedded default; catalog-lite.c) and
 * PostgreSQL through libpq (a postgresql:// or postgres:// URI;
 * catalog-pg.c).  The SQL of catalog.c, catalog-log.c, catalog-status.c
 * and catalog-tsa.c is written once, in the subset both engines read:
 * parameters are ?N (PostgreSQL gets $N), no engine-specific functions
 * outside the schema (PostgreSQL's schema defines json_valid,
 * json_extract and json_each over text as SQLite has them).
 */
#ifndef BODYCAM_CATALOG_INT_H
#define BODYCAM_CATALOG_INT_H

#include <sqlite3.h>

#include "bodycam/catalog.h"

#define BC_CAT_BUSY_TIMEOUT_MS	30000

/* bc_st_step's answers */
#define BC_ROW		100	/* a row is ready */
#define BC_DONE		101	/* no more rows */
#define BC_CONSTRAINT	19	/* a constraint or append-only trigger refused */
#define BC_STEP_ERROR	1	/* anything else: bc_cat_err tells */

enum bc_engine {
	BC_ENGINE_SQLITE = 0,
	BC_ENGINE_PG
};

struct bc_pg;		/* catalog-pg.c */
struct bc_stmt;		/* catalog-sql.c */

struct bc_catalog {
	enum bc_engine	 engine;
	sqlite3		*db;		/* BC_ENGINE_SQLITE */
	struct bc_pg	*pg;		/* BC_ENGINE_PG */
	char		*path;		/* as named, for messages (a URI
					   without its password) */
	int		 read_only;	/* BC_CATALOG_READ_ONLY */
	int		 in_tx;
	int		 current;	/* known to be at BC_CATALOG_SCHEMA
					   (bc_cat_migrate): never less */
	struct bc_stmt	*node_get;	/* prepared once, for the log */
	struct bc_stmt	*node_put;
	struct bc_stmt	*view_get;	/* prepared once: audit reads many */
	int		 node_rc;	/* the last node statement's error */
};

/* catalog-sql.c: sets err from the connection's last error, as the BC_ERR_* it means. */
int	bc_cat_err(struct bc_catalog *, struct bc_err *, const char *what);
int	bc_cat_prepare(struct bc_catalog *, const char *sql,
	    struct bc_stmt **, struct bc_err *);
/*
 * bc_cat_prepare for a statement that may return very many rows (a whole
 * table): PostgreSQL reads it through a cursor inside a transaction.
 */
int	bc_cat_prepare_scan(struct bc_catalog *, const char *sql,
	    struct bc_stmt **, struct bc_err *);
/* Runs a statement that takes no values and returns no rows. */
int	bc_cat_exec(struct bc_catalog *, const char *sql, struct bc_err *);
/* The integer the one-row statement sql returns. */
int	bc_cat_query_int(struct bc_catalog *, const char *sql, int *val,
	    struct bc_err *);
/* Steps an INSERT: a constraint is BC_ERR_EXISTS. */
int	bc_cat_step_insert(struct bc_catalog *, struct bc_stmt *,
	    const char *what, struct bc_err *);
/* The same, and *id (when not NULL) the new row's id. */
int	bc_cat_step_insert_id(struct bc_catalog *, struct bc_stmt *,
	    const char *what, int64_t *id, struct bc_err *);
/* The schema version (SQLite: PRAGMA user_version). */
int	bc_cat_schema(struct bc_catalog *, int *version, struct bc_err *);
/* Rows changed by the last UPDATE. */
int64_t	bc_cat_changes(struct bc_catalog *);

/*
 * Statements.  Values are copied when bound; a statement runs at its
 * first bc_st_step and is run again after bc_st_reset (which forgets
 * the bound values too).  Column readers follow SQLite's: a NULL reads
 * as NULL text, zero bytes or 0; pointers last until the next step,
 * reset or finalize.
 */
int	bc_st_bind_int64(struct bc_stmt *, int, int64_t);
int	bc_st_bind_text(struct bc_stmt *, int, const char *, int len);
int	bc_st_bind_blob(struct bc_stmt *, int, const void *, int len);
int	bc_st_bind_null(struct bc_stmt *, int);
int	bc_st_step(struct bc_stmt *);
void	bc_st_reset(struct bc_stmt *);
void	bc_st_finalize(struct bc_stmt *);	/* accepts NULL */
int	bc_st_columns(struct bc_stmt *);
/* A column's value: BC_COL_NULL, _INT, _TEXT or _BLOB (PostgreSQL:
   by the column's type). */
#define BC_COL_NULL	0
#define BC_COL_INT	1
#define BC_COL_TEXT	2
#define BC_COL_BLOB	3
int	bc_st_coltype(struct bc_stmt *, int);
int	bc_st_is_null(struct bc_stmt *, int);
int64_t	bc_st_int64(struct bc_stmt *, int);
int	bc_st_int(struct bc_stmt *, int);
const unsigned char *bc_st_text(struct bc_stmt *, int);
const void *bc_st_blob(struct bc_stmt *, int);
int	bc_st_bytes(struct bc_stmt *, int);

/* Column readers: a NULL column reads as "" (or zero bytes). */
void	 bc_cat_copy(char *dst, size_t dstsz, const unsigned char *src);
char	*bc_cat_dup_text(struct bc_stmt *, int col, size_t *len);
uint8_t	*bc_cat_dup_blob(struct bc_stmt *, int col, size_t *len);

/*
 * The one row collector: steps st to its end, filling one zeroed element
 * of size esz a row with fill (which returns non-zero when out of
 * memory).  On success *out holds the array (NULL when there were no
 * rows) and *n its length; on failure the partial array, the element that
 * failed included, goes to release (free(3) when NULL).  st stays the
 * caller's to finalize.
 */
/* catalog-log.c: a struct bc_checkpoint_row from the columns id, size,
   root, key, created, note; non-zero when out of memory */
int	bc_cat_checkpoint_fill(struct bc_stmt *, void *row);
int	bc_cat_collect(struct bc_catalog *, struct bc_stmt *st, size_t esz,
	    int (*fill)(struct bc_stmt *, void *),
	    void (*release)(void *, size_t), const char *what, void **out,
	    size_t *n, struct bc_err *);

/* catalog-log.c: appends data as the next leaf; *index is where it went. */
int	bc_cat_log_append(struct bc_catalog *, const void *data, size_t len,
	    int64_t *index, struct bc_err *);

/* catalog-schema.c: brings the catalog to BC_CATALOG_SCHEMA. */
int	bc_cat_migrate(struct bc_catalog *, struct bc_err *);

/* catalog-lite.c: the SQLite engine. */
int	bc_lite_open(const char *path, int flags, struct bc_catalog **,
	    struct bc_err *);
int	bc_lite_create(const char *path, struct bc_catalog **,
	    struct bc_err *);
void	bc_lite_unlink(const char *path);

/* catalog-pg.c: the PostgreSQL engine. */
int	bc_pg_is_uri(const char *);
/* uri with its password, if any, as "***": a new string, or NULL */
char	*bc_pg_redact(const char *uri);
int	bc_pg_open(const char *uri, int flags, struct bc_catalog **,
	    struct bc_err *);
int	bc_pg_create(const char *uri, struct bc_catalog **, struct bc_err *);
void	bc_pg_close(struct bc_catalog *);
int	bc_pg_err(struct bc_catalog *, struct bc_err *, const char *what);
const char *bc_pg_errmsg(struct bc_catalog *);
int	bc_pg_exec(struct bc_catalog *, const char *sql, struct bc_err *);
int	bc_pg_schema(struct bc_catalog *, int *version, struct bc_err *);
int	bc_pg_begin(struct bc_catalog *, int write, struct bc_err *);
int64_t	bc_pg_changes(struct bc_catalog *);
int64_t	bc_pg_last_id(struct bc_catalog *);
/* statements on PostgreSQL */
struct bc_pgst;
int	bc_pgst_prepare(struct bc_catalog *, const char *sql,
	    struct bc_pgst **);
int	bc_pgst_bind(struct bc_pgst *, int, const void *, int len,
	    int kind);
int	bc_pgst_step(struct bc_pgst *);
void	bc_pgst_scan(struct bc_pgst *);
void	bc_pgst_reset(struct bc_pgst *);
void	bc_pgst_finalize(struct bc_pgst *);
int	bc_pgst_columns(struct bc_pgst *);
int	bc_pgst_is_null(struct bc_pgst *, int);
int	bc_pgst_coltype(struct bc_pgst *, int);
const char *bc_pgst_value(struct bc_pgst *, int, int *len);
#define BC_PGST_NULL	0
#define BC_PGST_TEXT	1
#define BC_PGST_BLOB	2
#define BC_PGST_INT	3

#endif /* BODYCAM_CATALOG_INT_H */
