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

/* A SELECT: what a batched transaction runs as it goes. */
static int
reads_only(const char *sql)
{
	return strncmp(sql, "SELECT ", 7) == 0;
}

static int spec_flush(struct bc_catalog *, struct bc_err *);

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
	if (cat->spec.on && !reads_only(sql)) {
		cat->spec.spoiled = 1;
		return bc_err_set(err, BC_ERR_AGAIN, "a write the batched "
		    "transaction does not hold");
	}
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

	if (cat->spec.on && !reads_only(sql)) {
		cat->spec.spoiled = 1;
		return bc_err_set(err, BC_ERR_AGAIN, "a write the batched "
		    "transaction does not hold");
	}
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
		r = bc_pg_begin(cat, BC_PG_WRITE, err);
	else
		r = bc_cat_exec(cat, "BEGIN IMMEDIATE", err);
	if (r != 0)
		return r;
	bc_cat_tail_forget(cat);
	cat->in_tx = 1;
	cat->write_tx = 1;
	return 0;
}

/* Remembers the node put at level as the newest of the right edge. */
void
bc_cat_edge_put(struct bc_log_tail *t, unsigned level, uint64_t index,
    const uint8_t hash[BC_SHA256_LEN])
{
	uint64_t bit;

	if (level >= BC_TAIL_LEVELS)
		return;
	bit = (uint64_t)1 << level;
	t->edge_have[1] = (t->edge_have[1] & ~bit) | (t->edge_have[0] & bit);
	t->edge_idx[1][level] = t->edge_idx[0][level];
	memcpy(t->edge[1][level], t->edge[0][level], BC_SHA256_LEN);
	t->edge_have[0] |= bit;
	t->edge_idx[0][level] = index;
	memcpy(t->edge[0][level], hash, BC_SHA256_LEN);
}

/* Keeps a copy of the newest leaf's record, for bc_catalog_log_last. */
int
bc_cat_tail_keep(struct bc_log_tail *t, int kind, const void *data,
    size_t len)
{
	char *p;
	size_t cap;

	t->last_kind = BC_LEAF_NONE;
	if (len > t->last_cap) {
		cap = len < 1024 ? 1024 : len;
		if ((p = realloc(t->last, cap)) == NULL)
			return -1;	/* not known: read from the log */
		t->last = p;
		t->last_cap = cap;
	}
	if (len > 0)
		memcpy(t->last, data, len);
	t->last_len = len;
	t->last_kind = kind;
	return 0;
}

void
bc_cat_tail_forget_log(struct bc_catalog *cat)
{
	struct bc_log_tail *t = &cat->tail;

	t->known = 0;
	t->sized = 0;
	t->size = 0;
	t->edge_have[0] = t->edge_have[1] = 0;
	t->last_kind = BC_LEAF_NONE;
	t->last_len = 0;
}

void
bc_cat_tail_forget(struct bc_catalog *cat)
{
	bc_cat_tail_forget_log(cat);
	cat->tail.keys_known = 0;
}

void
bc_cat_tail_free(struct bc_catalog *cat)
{
	bc_cat_tail_forget(cat);
	free(cat->tail.last);
	cat->tail.last = NULL;
	cat->tail.last_cap = 0;
}

/* here, not in catalog.c, for the item cache (catalog-int.h) */
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

static struct bc_item *
item_dup(const struct bc_item *src)
{
	struct bc_item *it;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return NULL;
	*it = *src;
	it->path = it->manifest = it->registered = it->view = NULL;
	it->sig = NULL;
	if ((src->path != NULL && (it->path = strdup(src->path)) == NULL) ||
	    (src->registered != NULL &&
	    (it->registered = strdup(src->registered)) == NULL) ||
	    (src->manifest != NULL &&
	    (it->manifest = malloc(src->manifest_len + 1)) == NULL) ||
	    (src->sig != NULL && (it->sig = malloc(src->siglen + 1)) == NULL)) {
		bc_item_free(it);
		return NULL;
	}
	if (src->manifest != NULL) {
		memcpy(it->manifest, src->manifest, src->manifest_len);
		it->manifest[src->manifest_len] = '\0';
	}
	if (src->sig != NULL)
		memcpy(it->sig, src->sig, src->siglen);
	return it;
}

struct bc_item *
bc_cat_icache_get(struct bc_catalog *cat, const char *id)
{
	size_t i;

	for (i = 0; cat->icache_on && i < BC_ITEM_CACHE; i++)
		if (cat->icache[i].it != NULL &&
		    strcmp(cat->icache[i].it->id, id) == 0)
			return item_dup(cat->icache[i].it);
	return NULL;
}

void
bc_catalog_keep_items(struct bc_catalog *cat)
{
	cat->icache_on = 1;
}

void
bc_cat_icache_put(struct bc_catalog *cat, const struct bc_item *it)
{
	struct bc_item_slot *s = &cat->icache[cat->icache_next];
	struct bc_item *copy;

	if (!cat->icache_on || (copy = item_dup(it)) == NULL)
		return;
	bc_item_free(s->it);
	s->it = copy;
	s->pending = cat->write_tx;
	cat->icache_next = (cat->icache_next + 1) % BC_ITEM_CACHE;
}

void
bc_cat_icache_settle(struct bc_catalog *cat, int keep)
{
	size_t i;

	for (i = 0; i < BC_ITEM_CACHE; i++) {
		if (!cat->icache[i].pending)
			continue;
		cat->icache[i].pending = 0;
		if (!keep) {
			bc_item_free(cat->icache[i].it);
			cat->icache[i].it = NULL;
		}
	}
}

void
bc_cat_icache_free(struct bc_catalog *cat)
{
	size_t i;

	for (i = 0; i < BC_ITEM_CACHE; i++) {
		bc_item_free(cat->icache[i].it);
		cat->icache[i].it = NULL;
	}
}

int
bc_catalog_can_batch(const struct bc_catalog *cat)
{
	return cat->engine == BC_ENGINE_PG && !cat->read_only;
}

int
bc_catalog_begin_batched(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (!bc_catalog_can_batch(cat))
		return bc_err_set(err, BC_ERR_INTERNAL, "%s: no batched "
		    "transaction on this engine", cat->path);
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	bc_cat_spec_clear(cat);
	cat->spec.on = 1;
	return 0;
}

void
bc_cat_spec_clear(struct bc_catalog *cat)
{
	struct bc_spec *s = &cat->spec;
	size_t i;

	for (i = 0; i < s->nevents; i++)
		free(s->events[i].body);
	free(s->events);
	free(s->nodes);
	memset(s, 0, sizeof(*s));
}

/* Rows a multi-row INSERT of the flush writes at most (PG_MAXPARAM). */
#define FLUSH_NODES	40	/* x 3 values */
#define FLUSH_EVENTS	16	/* x 7 */

/* "INSERT INTO ... VALUES (?1, ..., ?k), (...), ...": n rows of k. */
static int
multi_insert(struct bc_catalog *cat, const char *head, size_t n, size_t k,
    struct bc_stmt **st, struct bc_err *err)
{
	struct bc_buf b = BC_BUF_INIT(16384);
	size_t i, j;
	int r;

	bc_buf_addstr(&b, head);
	for (i = 0; i < n; i++) {
		bc_buf_addstr(&b, i ? ", (" : " VALUES (");
		for (j = 0; j < k; j++)
			bc_buf_printf(&b, "%s?%zu", j ? ", " : "",
			    i * k + j + 1);
		bc_buf_addch(&b, ')');
	}
	if (b.err != 0) {
		r = b.err;
		bc_buf_free(&b);
		return bc_err_set(err, r, "a statement too large");
	}
	r = bc_cat_prepare(cat, bc_buf_str(&b), st, err);
	bc_buf_free(&b);
	return r;
}

/*
 * The commit of a batched transaction: the rows its jobs wrote, in a few
 * statements.  A failure (the catalog was edited under the lock, the
 * connection was lost) answers BC_ERR_AGAIN: the caller rolls back and
 * runs the batch the ordinary way, where each job meets its own error.
 */
static int
spec_flush(struct bc_catalog *cat, struct bc_err *err)
{
	struct bc_spec *s = &cat->spec;
	struct bc_stmt *st = NULL;
	struct bc_err e = { 0 };
	size_t i, j, n;
	int r;

	s->on = 0;	/* its own statements may run now */
	if (s->spoiled || bc_pg_tx_failed(cat))
		return bc_err_set(err, BC_ERR_AGAIN, "the batched "
		    "transaction must run again");
	for (i = 0; i < s->nnodes; i += n) {
		n = s->nnodes - i < FLUSH_NODES ? s->nnodes - i : FLUSH_NODES;
		if ((r = multi_insert(cat, "INSERT INTO nodes (level, idx,"
		    " hash)", n, 3, &st, err)) != 0)
			return r;
		for (j = 0; j < n; j++) {
			const struct bc_spec_node *x = &s->nodes[i + j];

			bc_st_bind_int64(st, (int)(j * 3 + 1), (int)x->level);
			bc_st_bind_int64(st, (int)(j * 3 + 2),
			    (int64_t)x->idx);
			bc_st_bind_blob(st, (int)(j * 3 + 3), x->hash,
			    BC_SHA256_LEN);
		}
		r = bc_st_step(st);
		bc_st_finalize(st);
		if (r != BC_DONE)
			goto conflict;
	}
	/* the events' ids are the engine's (catalog-pg-schema.c); with no
	   space after the table's name, it returns none */
	for (i = 0; i < s->nevents; i += n) {
		n = s->nevents - i < FLUSH_EVENTS ? s->nevents - i :
		    FLUSH_EVENTS;
		if ((r = multi_insert(cat, "INSERT INTO events(item, seq, hash,"
		    " body, signature, key, leaf)", n, 7, &st, err)) != 0)
			return r;
		for (j = 0; j < n; j++) {
			const struct bc_spec_event *x = &s->events[i + j];
			int c = (int)(j * 7);

			bc_st_bind_text(st, c + 1, x->item, -1);
			bc_st_bind_int64(st, c + 2, x->seq);
			bc_st_bind_text(st, c + 3, x->hash, -1);
			bc_st_bind_text(st, c + 4, x->body, (int)x->body_len);
			bc_st_bind_blob(st, c + 5, x->sig, (int)x->siglen);
			bc_st_bind_text(st, c + 6, x->key, -1);
			bc_st_bind_int64(st, c + 7, x->leaf);
		}
		r = bc_st_step(st);
		bc_st_finalize(st);
		if (r != BC_DONE)
			goto conflict;
	}
	return 0;
 conflict:
	(void)bc_cat_err(cat, &e, "write a batch");
	return bc_err_set(err, BC_ERR_AGAIN, "%s", e.msg);
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
	if (cat->spec.on) {
		/* nothing is written until the commit: a mark is enough */
		cat->spec.nodes_mark = cat->spec.nnodes;
		cat->spec.events_mark = cat->spec.nevents;
		return 0;
	}
	return bc_cat_exec(cat, "SAVEPOINT bc_job", err);
}

int
bc_catalog_savepoint_release(struct bc_catalog *cat, struct bc_err *err)
{
	if (cat->spec.on)
		return 0;
	return bc_cat_exec(cat, "RELEASE bc_job", err);
}

/*
 * Releases the savepoint and starts the next in one statement (one round
 * trip on PostgreSQL): the group commit's step from one request to the
 * next.
 */
int
bc_catalog_savepoint_next(struct bc_catalog *cat, struct bc_err *err)
{
	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "no transaction");
	if (cat->spec.on)
		return bc_catalog_savepoint(cat, err);
	return bc_cat_exec(cat, "RELEASE bc_job; SAVEPOINT bc_job", err);
}

int
bc_catalog_savepoint_rollback(struct bc_catalog *cat, struct bc_err *err)
{
	int r;

	if (cat->spec.on) {
		/* a job that wrote nothing, and broke no statement, leaves
		   the batch as it was; else what the transaction knows of
		   the log cannot be undone: the whole batch runs again */
		if (cat->spec.nnodes != cat->spec.nodes_mark ||
		    cat->spec.nevents != cat->spec.events_mark ||
		    bc_pg_tx_failed(cat))
			cat->spec.spoiled = 1;
		return 0;
	}
	/* what the transaction knew of the log may be undone, and an item
	   it read may be one it stored */
	bc_cat_tail_forget(cat);
	bc_cat_icache_settle(cat, 0);
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
		if ((r = bc_pg_begin(cat, BC_PG_READ, err)) == 0)
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
	if (cat->spec.on && (r = spec_flush(cat, err)) != 0) {
		bc_catalog_rollback(cat);
		return r;
	}
	bc_cat_tail_forget(cat);
	bc_cat_spec_clear(cat);
	if ((r = bc_cat_exec(cat, "COMMIT", err)) != 0) {
		bc_catalog_rollback(cat);
		return r;
	}
	bc_cat_icache_settle(cat, 1);
	cat->in_tx = 0;
	cat->write_tx = 0;
	return 0;
}

void
bc_catalog_rollback(struct bc_catalog *cat)
{
	if (!cat->in_tx)
		return;
	bc_cat_tail_forget(cat);
	bc_cat_spec_clear(cat);
	bc_cat_icache_settle(cat, 0);
	if (cat->engine == BC_ENGINE_PG)
		(void)bc_pg_exec(cat, "ROLLBACK", NULL);
	else
		(void)sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
	cat->in_tx = 0;
	cat->write_tx = 0;
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
