/*
 * catalog-log.c - the transparency log's tables: the node store behind
 * merkle.h, appends, the origin, the walk over leaves and records,
 * checkpoints and the node reader.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bodycam/buf.h"
#include "catalog-int.h"

static int
node_get(void *arg, unsigned level, uint64_t index,
    uint8_t out[BC_SHA256_LEN])
{
	struct bc_catalog *cat = arg;
	struct bc_stmt *st;
	int rc, r, i;

	if (cat->node_get == NULL && bc_cat_prepare(cat,
	    "SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2",
	    &cat->node_get, NULL) != 0) {
		cat->node_get = NULL;
		return BC_ERR_DB;
	}
	if (index > INT64_MAX)
		return BC_ERR_NOT_FOUND;
	/* the edge holds only what this write transaction put or read */
	for (i = 0; cat->write_tx && level < BC_TAIL_LEVELS && i < 2; i++)
		if ((cat->tail.edge_have[i] >> level & 1) &&
		    cat->tail.edge_idx[i][level] == index) {
			memcpy(out, cat->tail.edge[i][level], BC_SHA256_LEN);
			return 0;
		}
	st = cat->node_get;
	bc_st_bind_int64(st, 1, (int)level);
	bc_st_bind_int64(st, 2, (int64_t)index);
	rc = bc_st_step(st);
	if (rc == BC_ROW) {
		if (bc_st_bytes(st, 0) == BC_SHA256_LEN &&
		    bc_st_blob(st, 0) != NULL) {
			memcpy(out, bc_st_blob(st, 0), BC_SHA256_LEN);
			r = 0;
		} else {
			r = BC_ERR_INTEGRITY;	/* not a hash: tampered */
		}
	} else {
		r = rc == BC_DONE ? BC_ERR_NOT_FOUND : BC_ERR_DB;
	}
	bc_st_reset(st);
	return r;
}

/* A node of a batched transaction, written at its commit. */
static int
spec_node(struct bc_catalog *cat, unsigned level, uint64_t index,
    const uint8_t hash[BC_SHA256_LEN])
{
	struct bc_spec *s = &cat->spec;
	struct bc_spec_node *v;

	if ((v = bc_grow(s->nodes, &s->nodes_cap, s->nnodes + 1,
	    sizeof(*v))) == NULL) {
		s->spoiled = 1;
		return BC_ERR_NOMEM;
	}
	s->nodes = v;
	v = &s->nodes[s->nnodes++];
	v->level = level;
	v->idx = index;
	memcpy(v->hash, hash, BC_SHA256_LEN);
	bc_cat_edge_put(&cat->tail, level, index, hash);
	return 0;
}

static int
node_put(void *arg, unsigned level, uint64_t index,
    const uint8_t hash[BC_SHA256_LEN])
{
	struct bc_catalog *cat = arg;
	struct bc_stmt *st;
	int rc;

	if (!cat->in_tx || index > INT64_MAX)
		return BC_ERR_INTERNAL;
	if (cat->spec.on)
		return spec_node(cat, level, index, hash);
	if (cat->node_put == NULL && bc_cat_prepare(cat,
	    "INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
	    &cat->node_put, NULL) != 0) {
		cat->node_put = NULL;
		return BC_ERR_DB;
	}
	st = cat->node_put;
	bc_st_bind_int64(st, 1, (int)level);
	bc_st_bind_int64(st, 2, (int64_t)index);
	bc_st_bind_blob(st, 3, hash, BC_SHA256_LEN);
	rc = bc_st_step(st);
	bc_st_reset(st);
	if (rc != BC_DONE)
		return rc == BC_CONSTRAINT ? BC_ERR_EXISTS : BC_ERR_DB;
	bc_cat_edge_put(&cat->tail, level, index, hash);
	return 0;
}

int
bc_catalog_log_last(struct bc_catalog *cat, struct bc_leaf *l)
{
	const struct bc_log_tail *t = &cat->tail;

	if (!cat->in_tx || !t->known || t->size == 0 ||
	    t->last_kind == BC_LEAF_NONE)
		return BC_ERR_NOT_FOUND;
	memset(l, 0, sizeof(*l));
	l->index = (int64_t)(t->size - 1);
	l->kind = t->last_kind;
	l->item = "";
	l->data = t->last;
	l->len = t->last_len;
	return 0;
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
	struct bc_stmt *st = NULL;
	int r;

	if (cat->in_tx && (cat->tail.known || cat->tail.sized)) {
		*size = cat->tail.size;
		return 0;
	}
	/* the primary key (level, idx) makes this one seek */
	if ((r = bc_cat_prepare(cat, "SELECT max(idx) FROM nodes WHERE level = 0",
	    &st, err)) != 0)
		return r;
	if (bc_st_step(st) != BC_ROW) {
		r = bc_cat_err(cat, err, "log size");
	} else if (bc_st_is_null(st, 0)) {
		*size = 0;
		r = 0;
	} else {
		*size = (uint64_t)bc_st_int64(st, 0) + 1;
		r = 0;
	}
	bc_st_finalize(st);
	/* under the write lock it changes only by the appends, which
	   keep it (the clock's read serves the first append) */
	if (r == 0 && cat->write_tx) {
		cat->tail.size = *size;
		cat->tail.sized = 1;
	}
	return r;
}

/*
 * Refuses to append at leaf index when a record already holds it or any
 * later one: the log lost its newest leaves (rolled back, or edited), and
 * appending would only end in a confusing duplicate.  Checked at a
 * transaction's first append: the later ones follow leaves it appended
 * itself, under its write lock, each with its record.
 */
#define CLAIMED_3 \
	"SELECT EXISTS (SELECT 1 FROM items WHERE leaf >= ?1) OR EXISTS" \
	" (SELECT 1 FROM events WHERE leaf >= ?1) OR EXISTS (SELECT 1 FROM" \
	" keydocs WHERE leaf >= ?1)"
#define CLAIMED_5 \
	CLAIMED_3 " OR EXISTS (SELECT 1 FROM releases WHERE leaf >= ?1)"

static int
leaf_claimed(struct bc_catalog *cat, int64_t index, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r, v = 0;

	/* an upgrade appends before the releases (schema 5) and policies
	   (schema 7) tables exist; once at the current schema, a catalog
	   stays there (a round trip less an append on PostgreSQL) */
	if (cat->current)
		v = BC_CATALOG_SCHEMA;
	else if ((r = bc_cat_schema(cat, &v, err)) != 0)
		return r;
	if ((r = bc_cat_prepare(cat, v >= 7 ? CLAIMED_5 " OR EXISTS (SELECT 1"
	    " FROM policies WHERE leaf >= ?1)" : v >= 5 ? CLAIMED_5 :
	    CLAIMED_3, &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, index);
	if (bc_st_step(st) != BC_ROW)
		r = bc_cat_err(cat, err, "read the log");
	else if (bc_st_int(st, 0) != 0)
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the log has lost "
		    "leaf %lld, which a record holds; nothing more can be "
		    "written until that is repaired (run 'bodycam audit')",
		    cat->path, (long long)index);
	bc_st_finalize(st);
	return r;
}

/*
 * Reads the right edge of a tree of size leaves, the nodes the appends
 * that follow take their left siblings from, in one statement: (L,
 * (size >> L) - 1) for each bit L set in size.  What it cannot read is
 * read when needed.
 */
static void
edge_load(struct bc_catalog *cat, uint64_t size)
{
	struct bc_buf b = BC_BUF_INIT(8192);
	struct bc_stmt *st = NULL;
	struct bc_err e = { 0 };
	unsigned level, n = 0;

	for (level = 0; level < BC_TAIL_LEVELS; level++)
		if (size >> level & 1) {
			bc_buf_printf(&b, "%sSELECT level, idx, hash FROM nodes"
			    " WHERE level = ?%u AND idx = ?%u",
			    n ? " UNION ALL " : "", 2 * n + 1, 2 * n + 2);
			n++;
		}
	if (n == 0 || b.err != 0 ||
	    bc_cat_prepare(cat, bc_buf_str(&b), &st, &e) != 0) {
		bc_buf_free(&b);
		return;
	}
	bc_buf_free(&b);
	for (level = 0, n = 0; level < BC_TAIL_LEVELS; level++)
		if (size >> level & 1) {
			bc_st_bind_int64(st, (int)(2 * n + 1), (int)level);
			bc_st_bind_int64(st, (int)(2 * n + 2),
			    (int64_t)((size >> level) - 1));
			n++;
		}
	while (bc_st_step(st) == BC_ROW)
		if (bc_st_bytes(st, 2) == BC_SHA256_LEN &&
		    bc_st_blob(st, 2) != NULL && bc_st_int64(st, 0) >= 0 &&
		    bc_st_int64(st, 0) < BC_TAIL_LEVELS)
			bc_cat_edge_put(&cat->tail, (unsigned)bc_st_int64(st, 0),
			    (uint64_t)bc_st_int64(st, 1), bc_st_blob(st, 2));
	bc_st_finalize(st);
}

/* Appends data as the next leaf; *index is where it went. */
int
bc_cat_log_append(struct bc_catalog *cat, int kind, const void *data,
    size_t len, int64_t *index, struct bc_err *err)
{
	struct bc_merkle_store store;
	uint8_t leaf[BC_SHA256_LEN];
	uint64_t size;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "append outside a "
		    "transaction");
	if (!cat->tail.known) {
		/* the size the transaction read (the clock's), or now */
		if ((r = bc_catalog_log_size(cat, &size, err)) != 0)
			return r;
		bc_cat_tail_forget_log(cat);
		if (size >= (uint64_t)INT64_MAX)
			return bc_err_set(err, BC_ERR_TOO_LARGE,
			    "the log is full");
		if ((r = leaf_claimed(cat, (int64_t)size, err)) != 0)
			return r;
		/* once a transaction, for all its appends */
		if (cat->write_tx)
			edge_load(cat, size);
	} else {
		size = cat->tail.size;
		if (size >= (uint64_t)INT64_MAX)
			return bc_err_set(err, BC_ERR_TOO_LARGE,
			    "the log is full");
	}
	if ((r = bc_merkle_leaf_hash(data, len, leaf)) != 0)
		return bc_err_set(err, r, "leaf hash failed");
	bc_catalog_log_store(cat, &store);
	if ((r = bc_merkle_append(&store, size, leaf, err)) != 0) {
		/* some nodes may be stored: read the log again */
		bc_cat_tail_forget_log(cat);
		if (cat->spec.on)
			cat->spec.spoiled = 1;
		if (r == BC_ERR_DB)
			return bc_cat_err(cat, err, "append to the log");
		return r;
	}
	/* only a write transaction's own lock keeps the tail still */
	if (cat->write_tx) {
		cat->tail.size = size + 1;
		cat->tail.known = 1;
		/* a batched transaction cannot read it back */
		if (bc_cat_tail_keep(&cat->tail, kind, data, len) != 0 &&
		    cat->spec.on)
			cat->spec.spoiled = 1;
	}
	*index = (int64_t)size;
	return 0;
}

int
bc_catalog_origin(struct bc_catalog *cat, char out[BC_ORIGIN_MAX + 1],
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	const unsigned char *v;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT value FROM meta WHERE name = 'origin'",
	    &st, err)) != 0)
		return r;
	switch (bc_st_step(st)) {
	case BC_ROW:
		v = bc_st_text(st, 0);
		if (v == NULL || bc_st_bytes(st, 0) > BC_ORIGIN_MAX ||
		    bc_origin_check((const char *)v, NULL) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY,
			    "%s: the recorded log origin is malformed",
			    cat->path);
			break;
		}
		snprintf(out, BC_ORIGIN_MAX + 1, "%s", (const char *)v);
		r = 0;
		break;
	case BC_DONE:
		r = bc_err_set(err, BC_ERR_INTEGRITY,
		    "%s: no log origin recorded", cat->path);
		break;
	default:
		r = bc_cat_err(cat, err, "read the log origin");
		break;
	}
	bc_st_finalize(st);
	return r;
}

/*
 * Every record in leaf order, then the stored leaves: the union below is
 * sorted by merging its five parts, each read in the order of its leaf
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
	"  WHERE leaf >= ?1 AND leaf < ?2" \
	" UNION ALL SELECT leaf, 5, '', seq, body FROM policies" \
	"  WHERE leaf >= ?1 AND leaf < ?2"

#define WALK_SHORT	256	/* leaves read without a cursor at most */

static void
leaf_record(struct bc_stmt *st, struct bc_leaf *l)
{
	const unsigned char *t;

	l->kind = (enum bc_leaf_kind)bc_st_int(st, 1);
	t = bc_st_text(st, 2);
	l->item = t ? (const char *)t : "";
	l->seq = bc_st_int64(st, 3);
	t = bc_st_text(st, 4);
	l->len = (size_t)bc_st_bytes(st, 4);
	l->data = t ? (const char *)t : "";
}

int
bc_catalog_log_walk(struct bc_catalog *cat, uint64_t from, uint64_t to,
    int (*fn)(void *arg, const struct bc_leaf *leaf), void *arg,
    struct bc_err *err)
{
	int (*prep)(struct bc_catalog *, const char *, struct bc_stmt **,
	    struct bc_err *);
	struct bc_stmt *rec = NULL, *nod = NULL;
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
		if ((r = bc_cat_prepare(cat, "SELECT -1, 1, id, 0, manifest FROM items"
		    " WHERE leaf IS NULL UNION ALL SELECT -1, 2,"
		    " coalesce(i.id, ''), e.seq, e.body FROM events e"
		    " LEFT JOIN items i ON i.manifest_hash = e.item"
		    " WHERE e.leaf IS NULL UNION ALL SELECT -1, 3, key, seq,"
		    " body FROM keydocs WHERE leaf IS NULL", &rec, err)) != 0)
			return r;
		while ((rrc = bc_st_step(rec)) == BC_ROW) {
			memset(&l, 0, sizeof(l));
			l.index = -1;
			leaf_record(rec, &l);
			if ((r = fn(arg, &l)) != 0)
				goto out;
		}
		if (rrc != BC_DONE) {
			r = bc_cat_err(cat, err, "read the log");
			goto out;
		}
		bc_st_finalize(rec);
		rec = NULL;
	}
	/* a short range (the newest leaf, a tile) is read at once: each
	   table holds a leaf index once, so at most five rows a leaf; a long
	   one through a cursor on PostgreSQL, a page at a time */
	prep = hi - lo <= WALK_SHORT ? bc_cat_prepare : bc_cat_prepare_scan;
	if ((r = prep(cat, LEAF_RECORDS " ORDER BY 1", &rec, err)) != 0 ||
	    (r = prep(cat, "SELECT idx, hash FROM nodes WHERE level = 0"
	    " AND idx >= ?1 AND idx < ?2 ORDER BY idx", &nod, err)) != 0)
		goto out;
	bc_st_bind_int64(rec, 1, lo);
	bc_st_bind_int64(rec, 2, hi);
	bc_st_bind_int64(nod, 1, lo);
	bc_st_bind_int64(nod, 2, hi);
	rrc = bc_st_step(rec);
	nrc = bc_st_step(nod);
	while (rrc == BC_ROW || nrc == BC_ROW) {
		int64_t ri = rrc == BC_ROW ?
		    bc_st_int64(rec, 0) : INT64_MAX;
		int64_t ni = nrc == BC_ROW ?
		    bc_st_int64(nod, 0) : INT64_MAX;
		int64_t at = ri < ni ? ri : ni;

		memset(&l, 0, sizeof(l));
		l.index = at;
		if (ni == at) {
			if (bc_st_bytes(nod, 1) == BC_SHA256_LEN &&
			    bc_st_blob(nod, 1) != NULL) {
				memcpy(l.hash, bc_st_blob(nod, 1),
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
		while (rrc == BC_ROW &&
		    bc_st_int64(rec, 0) == at) {
			leaf_record(rec, &l);
			if ((r = fn(arg, &l)) != 0)
				goto out;
			rrc = bc_st_step(rec);
		}
		if (ni == at)
			nrc = bc_st_step(nod);
	}
	if ((rrc != BC_DONE && rrc != BC_ROW) ||
	    (nrc != BC_DONE && nrc != BC_ROW)) {
		r = bc_cat_err(cat, err, "read the log");
		goto out;
	}
	r = 0;
 out:
	bc_st_finalize(rec);
	bc_st_finalize(nod);
	return r;
}

int
bc_catalog_add_checkpoint(struct bc_catalog *cat,
    struct bc_checkpoint_row *row, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if (row->size > INT64_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "tree size too large");
	if ((r = bc_cat_prepare(cat, "INSERT INTO checkpoints (size, root, key,"
	    " created, note) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, (int64_t)row->size);
	bc_st_bind_blob(st, 2, row->root, BC_SHA256_LEN);
	bc_st_bind_text(st, 3, row->key, -1);
	bc_st_bind_text(st, 4, row->created, -1);
	bc_st_bind_text(st, 5, row->note, (int)row->note_len);
	r = bc_cat_step_insert_id(cat, st, "add checkpoint", &row->id, err);
	bc_st_finalize(st);
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
bc_cat_checkpoint_fill(struct bc_stmt *st, void *elem)
{
	struct bc_checkpoint_row *c = elem;

	c->id = bc_st_int64(st, 0);
	c->size = (uint64_t)bc_st_int64(st, 1);
	if (bc_st_bytes(st, 2) == BC_SHA256_LEN &&
	    bc_st_blob(st, 2) != NULL)
		memcpy(c->root, bc_st_blob(st, 2), BC_SHA256_LEN);
	bc_cat_copy(c->key, sizeof(c->key), bc_st_text(st, 3));
	bc_cat_copy(c->created, sizeof(c->created),
	    bc_st_text(st, 4));
	return (c->note = bc_cat_dup_text(st, 5, &c->note_len)) == NULL;
}

static void
checkpoints_release(void *v, size_t n)
{
	bc_checkpoints_free(v, n);
}

int
bc_catalog_checkpoints(struct bc_catalog *cat, int latest_only,
    struct bc_checkpoint_row **out, size_t *n, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, latest_only ?
	    "SELECT id, size, root, key, created, note FROM checkpoints"
	    " ORDER BY id DESC LIMIT 1" :
	    "SELECT id, size, root, key, created, note FROM checkpoints"
	    " ORDER BY id", &st, err)) != 0)
		return r;
	if ((r = bc_cat_collect(cat, st, sizeof(**out), bc_cat_checkpoint_fill,
	    checkpoints_release, "read checkpoints", &v, n, err)) == 0)
		*out = v;
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_add_cosignature(struct bc_catalog *cat, int64_t checkpoint,
    const char *name, const char *keyid, uint64_t time, const char *line,
    size_t linelen, struct bc_err *err)
{
	char now[BC_TIME_MAX];
	struct bc_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if (time > INT64_MAX || linelen > INT_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "cosignature too large");
	bc_time_now(now);
	if ((r = bc_cat_prepare(cat, "INSERT INTO cosignatures (checkpoint,"
	    " name, keyid, time, line, added) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, checkpoint);
	bc_st_bind_text(st, 2, name, -1);
	bc_st_bind_text(st, 3, keyid, -1);
	bc_st_bind_int64(st, 4, (int64_t)time);
	bc_st_bind_text(st, 5, line, (int)linelen);
	bc_st_bind_text(st, 6, now, -1);
	r = bc_cat_step_insert(cat, st, "add cosignature", err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_cosignatures(struct bc_catalog *cat, int64_t checkpoint,
    char **lines, size_t *len, struct bc_err *err)
{
	struct bc_buf b = BC_BUF_INIT(BC_NOTE_MAX);
	struct bc_stmt *st = NULL;
	const unsigned char *t;
	int rc, r;

	*lines = NULL;
	*len = 0;
	if ((r = bc_cat_prepare(cat, "SELECT line FROM cosignatures"
	    " WHERE checkpoint = ?1 ORDER BY id", &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, checkpoint);
	while ((rc = bc_st_step(st)) == BC_ROW) {
		t = bc_st_text(st, 0);
		if (t != NULL)
			bc_buf_add(&b, t, (size_t)bc_st_bytes(st, 0));
	}
	bc_st_finalize(st);
	if (rc != BC_DONE) {
		bc_buf_free(&b);
		return bc_cat_err(cat, err, "read cosignatures");
	}
	if (b.err != 0) {
		r = b.err;
		bc_buf_free(&b);
		return bc_err_set(err, r, "the cosignatures of checkpoint "
		    "%" PRId64 " exceed %d bytes", checkpoint, BC_NOTE_MAX);
	}
	if ((*lines = bc_buf_detach(&b, len)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	return 0;
}

int
bc_catalog_cosigned_size(struct bc_catalog *cat, const char *name,
    const char *keyid, uint64_t *size, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int rc, r;

	*size = 0;
	if ((r = bc_cat_prepare(cat, "SELECT max(c.size) FROM cosignatures s"
	    " JOIN checkpoints c ON c.id = s.checkpoint"
	    " WHERE s.name = ?1 AND s.keyid = ?2", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, name, -1);
	bc_st_bind_text(st, 2, keyid, -1);
	if ((rc = bc_st_step(st)) == BC_ROW &&
	    !bc_st_is_null(st, 0))
		*size = (uint64_t)bc_st_int64(st, 0);
	bc_st_finalize(st);
	if (rc != BC_ROW)
		return bc_cat_err(cat, err, "read cosignatures");
	return 0;
}

int
bc_catalog_log_nodes(struct bc_catalog *cat, unsigned level, uint64_t from,
    size_t n, uint8_t *out, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	uint64_t want = from;
	int rc, r;

	if (n > 256 || from > INT64_MAX - n)
		return bc_err_set(err, BC_ERR_INVALID, "nodes %llu+%zu: out "
		    "of range", (unsigned long long)from, n);
	if ((r = bc_cat_prepare(cat, "SELECT idx, hash FROM nodes WHERE"
	    " level = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx", &st,
	    err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, (int)level);
	bc_st_bind_int64(st, 2, (int64_t)from);
	bc_st_bind_int64(st, 3, (int64_t)(from + n));
	while ((rc = bc_st_step(st)) == BC_ROW) {
		if ((uint64_t)bc_st_int64(st, 0) != want ||
		    bc_st_bytes(st, 1) != BC_SHA256_LEN ||
		    bc_st_blob(st, 1) == NULL)
			break;
		memcpy(out + (want - from) * BC_SHA256_LEN,
		    bc_st_blob(st, 1), BC_SHA256_LEN);
		want++;
	}
	if (rc != BC_ROW && rc != BC_DONE)
		r = bc_cat_err(cat, err, "read the log's nodes");
	else if (want != from + n)
		r = bc_err_set(err, BC_ERR_INTEGRITY, "node (%u, %llu) is "
		    "missing or not a hash: the stored tree is incomplete "
		    "(run 'bodycam audit')", level, (unsigned long long)want);
	else
		r = 0;
	bc_st_finalize(st);
	return r;
}

struct bc_node_reader {
	struct bc_stmt	*st;
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
	if ((rc = bc_cat_prepare_scan(cat, "SELECT idx, hash FROM nodes WHERE level = ?1"
	    " ORDER BY idx", &r->st, err)) != 0) {
		free(r);
		return rc;
	}
	bc_st_bind_int64(r->st, 1, (int)level);
	*out = r;
	return 0;
}

int
bc_catalog_nodes_next(struct bc_node_reader *r, uint64_t *index,
    uint8_t hash[BC_SHA256_LEN], int *bad)
{
	int rc = bc_st_step(r->st);

	if (rc == BC_DONE)
		return BC_ERR_NOT_FOUND;
	if (rc != BC_ROW)
		return BC_ERR_DB;
	*index = (uint64_t)bc_st_int64(r->st, 0);
	*bad = bc_st_bytes(r->st, 1) != BC_SHA256_LEN ||
	    bc_st_blob(r->st, 1) == NULL;
	if (!*bad)
		memcpy(hash, bc_st_blob(r->st, 1), BC_SHA256_LEN);
	return 0;
}

void
bc_catalog_nodes_close(struct bc_node_reader *r)
{
	if (r == NULL)
		return;
	bc_st_finalize(r->st);
	free(r);
}

int
bc_catalog_log_records(struct bc_catalog *cat, int64_t *n,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT (SELECT count(leaf) FROM items)"
	    " + (SELECT count(leaf) FROM events) + (SELECT count(leaf) FROM"
	    " keydocs) + (SELECT count(leaf) FROM releases) + (SELECT"
	    " count(leaf) FROM policies)", &st, err)) != 0)
		return r;
	if (bc_st_step(st) == BC_ROW) {
		*n = bc_st_int64(st, 0);
		r = 0;
	} else
		r = bc_cat_err(cat, err, "count the log's records");
	bc_st_finalize(st);
	return r;
}
