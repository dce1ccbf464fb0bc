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

/*
 * What a write transaction knows of the log's tail once it has appended,
 * so that the next append, and the clock's check of the newest record,
 * read nothing the transaction wrote itself: its own write lock (SQLite's
 * BEGIN IMMEDIATE, PostgreSQL's advisory lock) keeps every other writer
 * out until it ends.  On PostgreSQL each read saved is a round trip under
 * that lock, which every service instance waits for.
 *
 * Known only after an append of this transaction (the first reads the
 * size from the catalog and checks that no record holds a leaf at or past
 * it); forgotten when a transaction begins or ends, a savepoint is rolled
 * back, or an append fails part way: the catalog is read again.
 */
#define BC_TAIL_LEVELS	64

struct bc_log_tail {
	int		 known;		/* size, edge and last are right */
	int		 sized;		/* size is (read before an append) */
	uint64_t	 size;
	uint64_t	 edge_have[2];	/* bit L: edge[i][L] is set */
	uint64_t	 edge_idx[2][BC_TAIL_LEVELS];
	uint8_t		 edge[2][BC_TAIL_LEVELS][BC_SHA256_LEN];
					/* the two newest nodes put at level
					   L, [0] the newer: an append puts
					   its node, then reads the left
					   sibling the one before put */
	int		 last_kind;	/* enum bc_leaf_kind of leaf size - 1 */
	char		*last;		/* its record's bytes */
	size_t		 last_len, last_cap;
	int		 keys_known;	/* the key documents' head, read in
					   this transaction since the last
					   key document it added */
	int64_t		 keys_seq;
	char		 keys_hash[BC_SHA256_HEX];
};

/*
 * A batched write transaction (bc_catalog_begin_batched): the custody
 * events of the service's group commit are built and signed under the
 * write lock as in any other, but the rows they write (log nodes,
 * events) wait here and are written at bc_catalog_commit with a few
 * statements for the whole batch, not two or three round trips an event.
 * Any other write is refused with BC_ERR_AGAIN (the batch is then run
 * again the ordinary way).  PostgreSQL only.
 */
struct bc_spec_node {
	unsigned	 level;
	uint64_t	 idx;
	uint8_t		 hash[BC_SHA256_LEN];
};

struct bc_spec_event {
	char		 item[BC_SHA256_HEX];
	int64_t		 seq;
	char		 hash[BC_SHA256_HEX];
	char		*body;
	size_t		 body_len;
	uint8_t		 sig[64];
	size_t		 siglen;
	char		 key[BC_KEYID_HEX];
	int64_t		 leaf;
};

struct bc_spec {
	int			 on;
	int			 spoiled;	/* commit answers BC_ERR_AGAIN */
	struct bc_spec_node	*nodes;
	size_t			 nnodes, nodes_cap, nodes_mark;
	struct bc_spec_event	*events;
	size_t			 nevents, events_cap, events_mark;
};

/*
 * Items found by id (bc_catalog_find_item), kept on a writer's connection
 * (bc_catalog_keep_items): an item's row never changes once stored
 * (append-only), so a read costs a round trip only the first time.  One
 * read inside a write transaction (which may have stored it) is kept
 * only once that commits.  Never on a connection that verifies: an
 * edited row must be read as it is now.
 */
#define BC_ITEM_CACHE	64

struct bc_item_slot {
	struct bc_item	*it;
	int		 pending;	/* read in the write transaction */
};

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
	int		 write_tx;	/* in_tx by bc_catalog_begin */
	struct bc_log_tail tail;	/* in a write transaction */
	struct bc_spec	 spec;		/* a batched one */
	int		 icache_on;
	struct bc_item_slot icache[BC_ITEM_CACHE];
	size_t		 icache_next;	/* the slot to replace next */
};

/*
 * catalog-sql.c: the item cache.  _get copies out the item of id (NULL:
 * not kept, or out of memory); _put keeps a copy; _settle keeps (keep) or
 * forgets what the write transaction read; _free empties it.
 */
struct bc_item	*bc_cat_icache_get(struct bc_catalog *, const char *id);
void	bc_cat_icache_put(struct bc_catalog *, const struct bc_item *);
void	bc_cat_icache_settle(struct bc_catalog *, int keep);
void	bc_cat_icache_free(struct bc_catalog *);

/* catalog-sql.c: forgets a batched transaction's rows. */
void	bc_cat_spec_clear(struct bc_catalog *);

/*
 * catalog-sql.c: forgets what the write transaction knew of the log
 * (_log), and of the key documents too; frees it.
 */
void	bc_cat_tail_forget_log(struct bc_catalog *);
/* the node put (or read) at level, the newest of the right edge */
void	bc_cat_edge_put(struct bc_log_tail *, unsigned level, uint64_t index,
	    const uint8_t hash[BC_SHA256_LEN]);
/* a copy of the newest leaf's record; non-zero when out of memory */
int	bc_cat_tail_keep(struct bc_log_tail *, int kind, const void *data,
	    size_t len);
void	bc_cat_tail_forget(struct bc_catalog *);
void	bc_cat_tail_free(struct bc_catalog *);

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

/*
 * catalog-log.c: appends data, the bytes of a record of kind (enum
 * bc_leaf_kind), as the next leaf; *index is where it went.
 */
int	bc_cat_log_append(struct bc_catalog *, int kind, const void *data,
	    size_t len, int64_t *index, struct bc_err *);

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
#define BC_PG_READ	0
#define BC_PG_WRITE	1
int	bc_pg_begin(struct bc_catalog *, int mode, struct bc_err *);

int	bc_pg_tx_failed(struct bc_catalog *);
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
