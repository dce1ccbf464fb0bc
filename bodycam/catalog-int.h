/*
 * catalog-int.h - what the catalog's own files share: the connection and
 * the SQLite helpers of catalog-sql.c.  Only the catalog*.c files include
 * it; the rest of bodycam sees catalog.h.
 */
#ifndef BODYCAM_CATALOG_INT_H
#define BODYCAM_CATALOG_INT_H

#include <sqlite3.h>

#include "bodycam/catalog.h"

#define BC_CAT_BUSY_TIMEOUT_MS	30000

struct bc_catalog {
	sqlite3		*db;
	char		*path;
	int		 read_only;	/* BC_CATALOG_READ_ONLY */
	int		 in_tx;
	sqlite3_stmt	*node_get;	/* prepared once, for the log */
	sqlite3_stmt	*node_put;
	sqlite3_stmt	*view_get;	/* prepared once: audit reads many */
	int		 node_rc;	/* the last node statement's error */
};

/* catalog-sql.c: sets err from the connection's last error, as the BC_ERR_* it means. */
int	bc_cat_err(struct bc_catalog *, struct bc_err *, const char *what);
int	bc_cat_prepare(struct bc_catalog *, const char *sql,
	    sqlite3_stmt **, struct bc_err *);
/* Runs a statement that takes no values and returns no rows. */
int	bc_cat_exec(struct bc_catalog *, const char *sql, struct bc_err *);
int	bc_cat_pragma_int(struct bc_catalog *, const char *sql, int *val,
	    struct bc_err *);
/* Steps an INSERT: a constraint is BC_ERR_EXISTS. */
int	bc_cat_step_insert(struct bc_catalog *, sqlite3_stmt *,
	    const char *what, struct bc_err *);

/* Column readers: a NULL column reads as "" (or zero bytes). */
void	 bc_cat_copy(char *dst, size_t dstsz, const unsigned char *src);
char	*bc_cat_dup_text(sqlite3_stmt *, int col, size_t *len);
uint8_t	*bc_cat_dup_blob(sqlite3_stmt *, int col, size_t *len);

/*
 * The one row collector: steps st to its end, filling one zeroed element
 * of size esz a row with fill (which returns non-zero when out of
 * memory).  On success *out holds the array (NULL when there were no
 * rows) and *n its length; on failure the partial array, the element that
 * failed included, goes to release (free(3) when NULL).  st stays the
 * caller's to finalize.
 */
int	bc_cat_collect(struct bc_catalog *, sqlite3_stmt *st, size_t esz,
	    int (*fill)(sqlite3_stmt *, void *),
	    void (*release)(void *, size_t), const char *what, void **out,
	    size_t *n, struct bc_err *);

/* catalog-log.c: appends data as the next leaf; *index is where it went. */
int	bc_cat_log_append(struct bc_catalog *, const void *data, size_t len,
	    int64_t *index, struct bc_err *);

/* catalog-schema.c: brings the catalog to BC_CATALOG_SCHEMA. */
int	bc_cat_migrate(struct bc_catalog *, struct bc_err *);

#endif /* BODYCAM_CATALOG_INT_H */
