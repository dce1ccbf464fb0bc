/*
 * catalog.c - the SQLite catalog: opening and creating it, transactions,
 * items, events, key documents, releases and tokens.  With catalog-sql.c
 * (statements, transactions, row readers), catalog-log.c (the
 * transparency log's tables) and catalog-schema.c (the migrations) the
 * only files in bodycam that speak SQL: prepared statements with
 * bound values throughout (the exceptions, PRAGMA user_version and
 * application_id, take compile-time integers).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bodycam/buf.h"
#include "bodycam/catalog.h"
#include "catalog-int.h"

void
bc_catalog_close(struct bc_catalog *cat)
{
	if (cat == NULL)
		return;
	if (cat->in_tx)
		bc_catalog_rollback(cat);
	bc_st_finalize(cat->node_get);
	bc_st_finalize(cat->node_put);
	bc_st_finalize(cat->view_get);
	bc_cat_tail_free(cat);
	bc_cat_icache_free(cat);
	if (cat->engine == BC_ENGINE_PG)
		bc_pg_close(cat);
	else
		sqlite3_close(cat->db);
	free(cat->path);
	free(cat);
}

int
bc_catalog_open(const char *path, struct bc_catalog **out,
    struct bc_err *err)
{
	return bc_catalog_open_flags(path, 0, out, err);
}

int
bc_catalog_open_flags(const char *path, int flags, struct bc_catalog **out,
    struct bc_err *err)
{
	int r;

	if ((r = bc_pg_is_uri(path) ? bc_pg_open(path, flags, out, err) :
	    bc_lite_open(path, flags, out, err)) != 0)
		return r;
	/* read-only: a catalog that needs an upgrade is refused, not
	   upgraded */
	if ((r = bc_cat_migrate(*out, err)) != 0) {
		bc_catalog_close(*out);
		*out = NULL;
	}
	return r;
}

const char *
bc_catalog_name(const struct bc_catalog *cat)
{
	return cat->path;
}

char *
bc_catalog_redact(const char *path)
{
	if (bc_pg_is_uri(path))
		return bc_pg_redact(path);
	return strdup(path);
}

int
bc_catalog_read_only(const struct bc_catalog *cat)
{
	return cat->read_only;
}

int
bc_catalog_create(const char *path, const struct bc_key *admin,
    const char *origin, struct bc_catalog **out, struct bc_err *err)
{
	struct bc_catalog *cat = NULL;
	struct bc_stmt *st = NULL;
	char hex[2 * BC_ED25519_PUBLEN + 1];
	char name[BC_ORIGIN_MAX + 1];
	int pg = bc_pg_is_uri(path), r;

	*out = NULL;
	if (origin == NULL) {
		if ((r = bc_default_origin(name, err)) != 0)
			return r;
		origin = name;
	} else if ((r = bc_origin_check(origin, err)) != 0) {
		return r;
	}
	/* PostgreSQL: the schema is made in the transaction kept open here */
	if ((r = pg ? bc_pg_create(path, &cat, err) :
	    bc_lite_create(path, &cat, err)) != 0)
		return r;
	if (!pg && (r = bc_cat_migrate(cat, err)) != 0)
		goto fail;
	if (!cat->in_tx && (r = bc_catalog_begin(cat, err)) != 0)
		goto fail;
	bc_hex(bc_key_public(admin), BC_ED25519_PUBLEN, hex);
	if ((r = bc_cat_prepare(cat, "INSERT INTO meta (name, value) VALUES "
	    "('admin_key', ?1), ('admin_key_id', ?2), ('origin', ?3)", &st,
	    err)) != 0)
		goto fail;
	bc_st_bind_text(st, 1, hex, -1);
	bc_st_bind_text(st, 2, bc_key_id(admin), -1);
	bc_st_bind_text(st, 3, origin, -1);
	if (bc_st_step(st) != BC_DONE) {
		r = bc_cat_err(cat, err, "record admin key");
		goto fail;
	}
	bc_st_finalize(st);
	st = NULL;
	if ((r = bc_catalog_commit(cat, err)) != 0)
		goto fail;
	*out = cat;
	return 0;
 fail:
	bc_st_finalize(st);
	bc_catalog_close(cat);
	if (!pg)
		bc_lite_unlink(path);
	return r;
}

int
bc_catalog_schema(struct bc_catalog *cat, int *version)
{
	return bc_cat_schema(cat, version, NULL);
}
int
bc_catalog_admin_key(struct bc_catalog *cat, struct bc_key **out,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	uint8_t raw[BC_ED25519_PUBLEN];
	const char *hex;
	int r;

	*out = NULL;
	if ((r = bc_cat_prepare(cat, "SELECT value FROM meta WHERE name = ?1", &st,
	    err)) != 0)
		return r;
	bc_st_bind_text(st, 1, "admin_key", -1);
	switch (bc_st_step(st)) {
	case BC_ROW:
		break;
	case BC_DONE:
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s: no admin key recorded", cat->path);
		goto out;
	default:
		r = bc_cat_err(cat, err, "read admin key");
		goto out;
	}
	hex = (const char *)bc_st_text(st, 0);
	if (hex == NULL || bc_unhex(hex, raw, sizeof(raw)) != 0 ||
	    bc_key_from_raw(raw, out) != 0) {
		r = bc_err_set(err, BC_ERR_NOT_CATALOG,
		    "%s: recorded admin key is malformed", cat->path);
		goto out;
	}
	r = 0;
 out:
	bc_st_finalize(st);
	return r;
}

/* The seq and hash of the one row st (seq, hash) reads, if any. */
static int
read_head(struct bc_catalog *cat, struct bc_stmt *st, int64_t *seq,
    char hash[BC_SHA256_HEX], const char *what, struct bc_err *err)
{
	int rc;

	if ((rc = bc_st_step(st)) == BC_ROW) {
		*seq = bc_st_int64(st, 0);
		bc_cat_copy(hash, BC_SHA256_HEX, bc_st_text(st, 1));
		return 0;
	}
	return rc == BC_DONE ? 0 : bc_cat_err(cat, err, what);
}

int
bc_catalog_event_head(struct bc_catalog *cat, const char *item,
    int64_t *seq, char hash[BC_SHA256_HEX], struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	size_t i;
	int r;

	*seq = -1;
	hash[0] = '\0';
	/* a batched transaction's own events are not in the catalog yet */
	for (i = cat->spec.nevents; cat->spec.on && i > 0; i--)
		if (strcmp(cat->spec.events[i - 1].item, item) == 0) {
			*seq = cat->spec.events[i - 1].seq;
			memcpy(hash, cat->spec.events[i - 1].hash,
			    BC_SHA256_HEX);
			return 0;
		}
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash FROM events WHERE"
	    " item = ?1 ORDER BY seq DESC LIMIT 1", &st, err)) != 0)
		return r;
	if (bc_st_bind_text(st, 1, item, -1) != 0)
		r = bc_cat_err(cat, err, "chain head");
	else
		r = read_head(cat, st, seq, hash, "chain head", err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_keydoc_head(struct bc_catalog *cat, int64_t *seq,
    char hash[BC_SHA256_HEX], struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	*seq = -1;
	hash[0] = '\0';
	/* a write transaction's own lock keeps it still, but for what the
	   transaction adds itself (bc_catalog_add_keydoc forgets it) */
	if (cat->write_tx && cat->tail.keys_known) {
		*seq = cat->tail.keys_seq;
		memcpy(hash, cat->tail.keys_hash, BC_SHA256_HEX);
		return 0;
	}
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash FROM keydocs ORDER BY"
	    " seq DESC LIMIT 1", &st, err)) != 0)
		return r;
	r = read_head(cat, st, seq, hash, "key documents", err);
	bc_st_finalize(st);
	if (r == 0 && cat->write_tx) {
		cat->tail.keys_seq = *seq;
		memcpy(cat->tail.keys_hash, hash, BC_SHA256_HEX);
		cat->tail.keys_known = 1;
	}
	return r;
}

int
bc_catalog_next_item_num(struct bc_catalog *cat, int64_t *num,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT coalesce(max(num), 0) + 1 FROM items",
	    &st, err)) != 0)
		return r;
	if (bc_st_step(st) != BC_ROW) {
		r = bc_cat_err(cat, err, "next item number");
		goto out;
	}
	*num = bc_st_int64(st, 0);
	r = 0;
 out:
	bc_st_finalize(st);
	return r;
}

/*
 * Starts the INSERT of a signed record: appends body to the log as the next
 * leaf (*leaf) and prepares sql. Only inside a write transaction.
 */
static int
logged_insert(struct bc_catalog *cat, int kind, const char *body,
    size_t len, const char *sql, struct bc_stmt **st, int64_t *leaf,
    struct bc_err *err)
{
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if (cat->spec.on) {
		/* custody events alone are written at a batched commit */
		cat->spec.spoiled = 1;
		return bc_err_set(err, BC_ERR_AGAIN, "a record the batched "
		    "transaction does not hold");
	}
	if ((r = bc_cat_log_append(cat, kind, body, len, leaf, err)) != 0)
		return r;
	return bc_cat_prepare(cat, sql, st, err);
}

/* An event of a batched transaction, written at its commit. */
static int
spec_event(struct bc_catalog *cat, const struct bc_event *ev,
    struct bc_err *err)
{
	struct bc_spec *s = &cat->spec;
	struct bc_spec_event *v;
	int64_t leaf;
	int r;

	if (ev->siglen > sizeof(v->sig)) {
		s->spoiled = 1;
		return bc_err_set(err, BC_ERR_AGAIN, "a signature too long");
	}
	if ((v = bc_grow(s->events, &s->events_cap, s->nevents + 1,
	    sizeof(*v))) == NULL) {
		s->spoiled = 1;
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	s->events = v;
	v = &s->events[s->nevents];
	memset(v, 0, sizeof(*v));
	if ((v->body = malloc(ev->body_len + 1)) == NULL) {
		s->spoiled = 1;
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	if ((r = bc_cat_log_append(cat, BC_LEAF_EVENT, ev->body, ev->body_len,
	    &leaf, err)) != 0) {
		free(v->body);
		s->spoiled = 1;
		return r;
	}
	memcpy(v->body, ev->body, ev->body_len);
	v->body[ev->body_len] = '\0';
	v->body_len = ev->body_len;
	snprintf(v->item, sizeof(v->item), "%s", ev->item);
	v->seq = ev->seq;
	snprintf(v->hash, sizeof(v->hash), "%s", ev->hash);
	memcpy(v->sig, ev->sig, ev->siglen);
	v->siglen = ev->siglen;
	snprintf(v->key, sizeof(v->key), "%s", ev->key);
	v->leaf = leaf;
	s->nevents++;
	return 0;
}

int
bc_catalog_add_item(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, BC_LEAF_MANIFEST, it->manifest,
	    it->manifest_len,
	    "INSERT INTO items (num, id, sha256, size, path, manifest,"
	    " manifest_hash, signature, key, registered, leaf)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &st,
	    &leaf, err)) != 0)
		return r;
	bc_st_bind_int64(st, 11, leaf);
	bc_st_bind_int64(st, 1, it->num);
	bc_st_bind_text(st, 2, it->id, -1);
	bc_st_bind_text(st, 3, it->sha256, -1);
	bc_st_bind_int64(st, 4, it->size);
	bc_st_bind_text(st, 5, it->path, -1);
	bc_st_bind_text(st, 6, it->manifest, (int)it->manifest_len);
	bc_st_bind_text(st, 7, it->manifest_hash, -1);
	bc_st_bind_blob(st, 8, it->sig, (int)it->siglen);
	bc_st_bind_text(st, 9, it->key, -1);
	bc_st_bind_text(st, 10, it->registered, -1);
	r = bc_cat_step_insert(cat, st, "add item", err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_add_event(struct bc_catalog *cat, const struct bc_event *ev,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int64_t leaf;
	int r;

	if (cat->spec.on)
		return spec_event(cat, ev, err);
	if ((r = logged_insert(cat, BC_LEAF_EVENT, ev->body, ev->body_len,
	    "INSERT INTO events (item, seq, hash, body, signature, key, leaf)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, &leaf, err)) != 0)
		return r;
	bc_st_bind_int64(st, 7, leaf);
	bc_st_bind_text(st, 1, ev->item, -1);
	bc_st_bind_int64(st, 2, ev->seq);
	bc_st_bind_text(st, 3, ev->hash, -1);
	bc_st_bind_text(st, 4, ev->body, (int)ev->body_len);
	bc_st_bind_blob(st, 5, ev->sig, (int)ev->siglen);
	bc_st_bind_text(st, 6, ev->key, -1);
	r = bc_cat_step_insert(cat, st, "add event", err);
	bc_st_finalize(st);
	return r;
}

#define ITEM_COLS "num, id, sha256, size, path, manifest, manifest_hash," \
	" signature, key, registered, coalesce(leaf, -1)"

static int
item_from_row(struct bc_stmt *st, struct bc_item **out)
{
	struct bc_item *it;

	*out = NULL;
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return BC_ERR_NOMEM;
	it->num = bc_st_int64(st, 0);
	bc_cat_copy(it->id, sizeof(it->id), bc_st_text(st, 1));
	bc_cat_copy(it->sha256, sizeof(it->sha256),
	    bc_st_text(st, 2));
	it->size = bc_st_int64(st, 3);
	it->path = bc_cat_dup_text(st, 4, NULL);
	it->manifest = bc_cat_dup_text(st, 5, &it->manifest_len);
	bc_cat_copy(it->manifest_hash, sizeof(it->manifest_hash),
	    bc_st_text(st, 6));
	it->sig = bc_cat_dup_blob(st, 7, &it->siglen);
	bc_cat_copy(it->key, sizeof(it->key), bc_st_text(st, 8));
	it->registered = bc_cat_dup_text(st, 9, NULL);
	it->leaf = bc_st_int64(st, 10);
	/* a list query adds the stored view */
	if (bc_st_columns(st) > 11 &&
	    !bc_st_is_null(st, 11) &&
	    (it->view = bc_cat_dup_text(st, 11, NULL)) == NULL) {
		bc_item_free(it);
		return BC_ERR_NOMEM;
	}
	if (it->path == NULL || it->manifest == NULL || it->sig == NULL ||
	    it->registered == NULL) {
		bc_item_free(it);
		return BC_ERR_NOMEM;
	}
	*out = it;
	return 0;
}

static int
is_item_id(const char *ref)
{
	size_t i;

	if (strncasecmp(ref, "BWC-", 4) != 0 || ref[4] == '\0')
		return 0;
	for (i = 4; ref[i] != '\0'; i++)
		if (ref[i] < '0' || ref[i] > '9')
			return 0;
	return i < BC_ITEM_ID_MAX;
}

static int
is_hex_prefix(const char *ref, char *lower)
{
	size_t i, n = strlen(ref);

	if (n < BC_ITEM_PREFIX_MIN || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = ref[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		lower[i] = c;
	}
	lower[n] = '\0';
	return 1;
}

int
bc_catalog_find_item(struct bc_catalog *cat, const char *ref,
    struct bc_item **out, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	struct bc_item *first = NULL;
	char key[BC_SHA256_HEX], id[BC_ITEM_ID_MAX];
	char list[384];
	size_t i, used = 0;
	int rc, nrows = 0, r;

	*out = NULL;
	list[0] = '\0';
	if (is_item_id(ref)) {
		for (i = 0; ref[i] != '\0'; i++)
			id[i] = (char)(ref[i] >= 'a' && ref[i] <= 'z' ?
			    ref[i] - 'a' + 'A' : ref[i]);
		id[i] = '\0';
		if ((*out = bc_cat_icache_get(cat, id)) != NULL)
			return 0;
		if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS " FROM items"
		    " WHERE id = ?1", &st, err)) != 0)
			return r;
		bc_st_bind_text(st, 1, id, -1);
	} else if (is_hex_prefix(ref, key)) {
		/* every string with this prefix sorts between key and key||'g' */
		if ((r = bc_cat_prepare(cat, "SELECT " ITEM_COLS " FROM items"
		    " WHERE sha256 >= ?1 AND sha256 < ?1 || 'g'"
		    " ORDER BY num LIMIT 11", &st, err)) != 0)
			return r;
		bc_st_bind_text(st, 1, key, -1);
	} else {
		return bc_err_set(err, BC_ERR_NOT_FOUND,
		    "'%s' is neither an item id (BWC-000123) nor a hash "
		    "prefix of %d or more hex digits", ref,
		    BC_ITEM_PREFIX_MIN);
	}
	while ((rc = bc_st_step(st)) == BC_ROW) {
		if (nrows++ == 0) {
			if ((r = item_from_row(st, &first)) != 0)
				goto out;
		}
		if (used < sizeof(list) - 1) {
			int n = snprintf(list + used, sizeof(list) - used,
			    "%s%s (%.16s...)", nrows > 1 ? ", " : "",
			    (const char *)bc_st_text(st, 1),
			    (const char *)bc_st_text(st, 2));
			if (n > 0)
				used += (size_t)n;
		}
	}
	if (rc != BC_DONE) {
		r = bc_cat_err(cat, err, "find item");
		goto out;
	}
	if (nrows == 0) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no item '%s' in %s",
		    ref, cat->path);
		goto out;
	}
	if (nrows > 1) {
		r = bc_err_set(err, BC_ERR_AMBIGUOUS,
		    "'%s' matches %s%d items: %s", ref,
		    nrows > 10 ? "more than " : "", nrows > 10 ? 10 : nrows,
		    list);
		goto out;
	}
	if (is_item_id(ref))
		bc_cat_icache_put(cat, first);
	*out = first;
	first = NULL;
	r = 0;
 out:
	bc_item_free(first);
	bc_st_finalize(st);
	return r;
}

/* The item that the query sql, with value bound to ?1, finds. */
static int
find_by(struct bc_catalog *cat, const char *sql, const char *value,
    struct bc_item **out, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	*out = NULL;
	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, value, -1);
	switch (bc_st_step(st)) {
	case BC_ROW:
		r = item_from_row(st, out);
		break;
	case BC_DONE:
		r = bc_err_set(err, BC_ERR_NOT_FOUND,
		    "no item with hash %s in %s", value, cat->path);
		break;
	default:
		r = bc_cat_err(cat, err, "find item by hash");
		break;
	}
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_find_by_sha256(struct bc_catalog *cat, const char *sha256,
    struct bc_item **out, struct bc_err *err)
{
	return find_by(cat, "SELECT " ITEM_COLS " FROM items"
	    " WHERE sha256 = ?1", sha256, out, err);
}

int
bc_catalog_find_by_manifest(struct bc_catalog *cat, const char *hash,
    struct bc_item **out, struct bc_err *err)
{
	return find_by(cat, "SELECT " ITEM_COLS " FROM items"
	    " WHERE manifest_hash = ?1", hash, out, err);
}

void
bc_events_free(struct bc_event *ev, size_t n)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ev[i].body);
		free(ev[i].sig);
	}
	free(ev);
}

int
bc_catalog_events(struct bc_catalog *cat, const char *item,
    struct bc_event **out, size_t *n, struct bc_err *err)
{
	return bc_catalog_events_range(cat, item, 0, -1, out, n, err);
}

static int
event_fill(struct bc_stmt *st, void *elem)
{
	struct bc_event *e = elem;

	e->rowid = bc_st_int64(st, 0);
	bc_cat_copy(e->item, sizeof(e->item), bc_st_text(st, 1));
	e->seq = bc_st_int64(st, 2);
	bc_cat_copy(e->hash, sizeof(e->hash), bc_st_text(st, 3));
	e->body = bc_cat_dup_text(st, 4, &e->body_len);
	e->sig = bc_cat_dup_blob(st, 5, &e->siglen);
	bc_cat_copy(e->key, sizeof(e->key), bc_st_text(st, 6));
	e->leaf = bc_st_int64(st, 7);
	return e->body == NULL || e->sig == NULL;
}

static void
events_release(void *v, size_t n)
{
	bc_events_free(v, n);
}

int
bc_catalog_events_range(struct bc_catalog *cat, const char *item,
    int64_t from, int64_t limit, struct bc_event **out, size_t *n,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	void *v;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	/* a chain a batched transaction extended cannot be read whole
	   from the catalog yet: it runs again the ordinary way */
	for (i = 0; cat->spec.on && i < cat->spec.nevents; i++)
		if (strcmp(cat->spec.events[i].item, item) == 0) {
			cat->spec.spoiled = 1;
			return bc_err_set(err, BC_ERR_AGAIN, "a chain the "
			    "batched transaction extended");
		}
	if ((r = bc_cat_prepare(cat, "SELECT id, item, seq, hash, body,"
	    " signature, key, coalesce(leaf, -1) FROM events WHERE item = ?1"
	    " AND seq >= ?2 ORDER BY seq, id LIMIT ?3", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, item, -1);
	bc_st_bind_int64(st, 2, from);
	/* no limit: the largest (SQLite reads -1 so, PostgreSQL refuses it) */
	bc_st_bind_int64(st, 3, limit < 0 ? INT64_MAX : limit);
	if ((r = bc_cat_collect(cat, st, sizeof(**out), event_fill,
	    events_release, "read events", &v, n, err)) == 0)
		*out = v;
	bc_st_finalize(st);
	return r;
}

/*
 * Steps st (a query of ITEM_COLS), handing each item to fn, which owns
 * it; stops at fn's first non-zero return.
 */
static int
each_item(struct bc_catalog *cat, struct bc_stmt *st,
    int (*fn)(void *arg, struct bc_item *it), void *arg, struct bc_err *err)
{
	struct bc_item *it;
	int rc, r;

	while ((rc = bc_st_step(st)) == BC_ROW) {
		if ((r = item_from_row(st, &it)) != 0)
			return bc_err_set(err, r, "out of memory");
		if ((r = fn(arg, it)) != 0)
			return r;
	}
	return rc == BC_DONE ? 0 : bc_cat_err(cat, err, "read items");
}

/* bc_catalog_list lends each item to its callback, then frees it. */
struct lender {
	int	(*fn)(void *arg, const struct bc_item *it);
	void	*arg;
};

static int
lend(void *arg, struct bc_item *it)
{
	struct lender *l = arg;
	int r = l->fn(l->arg, it);

	bc_item_free(it);
	return r;
}

int
bc_catalog_list(struct bc_catalog *cat, const struct bc_list_filter *f,
    int (*fn)(void *arg, const struct bc_item *it), void *arg,
    struct bc_err *err)
{
	static const struct bc_list_filter none;
	struct lender l = { fn, arg };
	struct bc_stmt *st = NULL;
	int r;

	if (f == NULL)
		f = &none;
	if ((r = bc_cat_prepare_scan(cat, "SELECT " ITEM_COLS ", v.view FROM items"
	    " LEFT JOIN views v ON v.item = items.manifest_hash WHERE"
	    " (?1 IS NULL OR (json_valid(manifest) AND"
	    "   lower(json_extract(manifest, '$.capture.officer')) ="
	    "   lower(?1))) AND"
	    " (?2 IS NULL OR (json_valid(manifest) AND"
	    "   lower(json_extract(manifest, '$.capture.device')) ="
	    "   lower(?2))) AND"
	    " (?3 IS NULL OR (CASE WHEN v.item IS NULL THEN"
	    "   (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.case.number') END)"
	    "   ELSE json_extract(v.view, '$.case') END) = ?3) AND"
	    " (?4 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') >= ?4)) AND"
	    " (?5 IS NULL OR (json_valid(manifest) AND"
	    "   json_extract(manifest, '$.registered.at') <= ?5)) AND"
	    " (?6 IS NULL OR (CASE WHEN v.item IS NULL THEN"
	    "   (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.case.category') END)"
	    "   ELSE json_extract(v.view, '$.category') END) = ?6) AND"
	    " (?7 IS NULL OR EXISTS (SELECT 1 FROM json_each(CASE WHEN"
	    "   v.item IS NULL THEN (CASE WHEN json_valid(manifest) THEN"
	    "   json_extract(manifest, '$.tags') END)"
	    "   ELSE json_extract(v.view, '$.tags') END) t"
	    "   WHERE t.value = ?7))"
	    " ORDER BY num", &st, err)) != 0)
		return r;
	if (f->officer)
		bc_st_bind_text(st, 1, f->officer, -1);
	if (f->device)
		bc_st_bind_text(st, 2, f->device, -1);
	if (f->case_no)
		bc_st_bind_text(st, 3, f->case_no, -1);
	if (f->since)
		bc_st_bind_text(st, 4, f->since, -1);
	if (f->until)
		bc_st_bind_text(st, 5, f->until, -1);
	if (f->category)
		bc_st_bind_text(st, 6, f->category, -1);
	if (f->tag)
		bc_st_bind_text(st, 7, f->tag, -1);
	r = each_item(cat, st, lend, &l, err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_walk(struct bc_catalog *cat,
    int (*fn)(void *arg, struct bc_item *it), void *arg, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare_scan(cat, "SELECT " ITEM_COLS " FROM items ORDER BY num",
	    &st, err)) != 0)
		return r;
	r = each_item(cat, st, fn, arg, err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_count(struct bc_catalog *cat, int64_t *items, int64_t *events,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if ((r = bc_cat_prepare(cat, "SELECT (SELECT count(*) FROM items),"
	    " (SELECT count(*) FROM events)", &st, err)) != 0)
		return r;
	if (bc_st_step(st) == BC_ROW) {
		*items = bc_st_int64(st, 0);
		*events = bc_st_int64(st, 1);
		r = 0;
	} else {
		r = bc_cat_err(cat, err, "count items");
	}
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_orphan_events(struct bc_catalog *cat,
    int (*fn)(void *arg, const char *item, int64_t seq), void *arg,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	const unsigned char *item;
	int rc, r;

	if ((r = bc_cat_prepare_scan(cat, "SELECT item, seq FROM events WHERE item NOT IN"
	    " (SELECT manifest_hash FROM items) ORDER BY id", &st,
	    err)) != 0)
		return r;
	while ((rc = bc_st_step(st)) == BC_ROW) {
		item = bc_st_text(st, 0);
		if ((r = fn(arg, item ? (const char *)item : "",
		    bc_st_int64(st, 1))) != 0)
			goto out;
	}
	r = rc == BC_DONE ? 0 : bc_cat_err(cat, err, "find orphan events");
 out:
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_add_keydoc(struct bc_catalog *cat, const struct bc_keydoc *d,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, BC_LEAF_KEYDOC, d->body, d->body_len,
	    "INSERT INTO keydocs (seq, hash, key, body, signature, signer,"
	    " leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, &leaf,
	    err)) != 0)
		return r;
	bc_st_bind_int64(st, 7, leaf);
	bc_st_bind_int64(st, 1, d->seq);
	bc_st_bind_text(st, 2, d->hash, -1);
	bc_st_bind_text(st, 3, d->key, -1);
	bc_st_bind_text(st, 4, d->body, (int)d->body_len);
	bc_st_bind_blob(st, 5, d->sig, (int)d->siglen);
	bc_st_bind_text(st, 6, d->signer, -1);
	r = bc_cat_step_insert(cat, st, "add key document", err);
	bc_st_finalize(st);
	cat->tail.keys_known = 0;	/* read the new head */
	return r;
}

/*
 * A signed record by sql, which binds hash, body, signature, key, leaf
 * and (with_id) the row's id; without, SQLite chooses it.
 */
static int
record_insert(struct bc_catalog *cat, int kind, const char *sql,
    struct bc_record_row *row, int with_id, const char *what,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int64_t leaf;
	int r;

	if ((r = logged_insert(cat, kind, row->body, row->body_len, sql, &st,
	    &leaf, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, row->hash, -1);
	bc_st_bind_text(st, 2, row->body, (int)row->body_len);
	bc_st_bind_blob(st, 3, row->sig, (int)row->siglen);
	bc_st_bind_text(st, 4, row->key, -1);
	bc_st_bind_int64(st, 5, leaf);
	if (with_id)
		bc_st_bind_int64(st, 6, row->id);
	if ((r = bc_cat_step_insert_id(cat, st, what, with_id ? NULL :
	    &row->id, err)) == 0)
		row->leaf = leaf;
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_add_release(struct bc_catalog *cat, struct bc_record_row *row,
    struct bc_err *err)
{
	return record_insert(cat, BC_LEAF_RELEASE, "INSERT INTO releases"
	    " (hash, body, signature, key, leaf) VALUES (?1, ?2, ?3, ?4, ?5)",
	    row, 0, "add release statement", err);
}

int
bc_catalog_add_policy(struct bc_catalog *cat, struct bc_record_row *row,
    struct bc_err *err)
{
	return record_insert(cat, BC_LEAF_POLICY, "INSERT INTO policies"
	    " (hash, body, signature, key, leaf, seq) VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6)", row, 1, "add retention policy", err);
}

/* Calls fn for each row sql selects (id, hash, body, signature, key, leaf). */
static int
record_rows(struct bc_catalog *cat, const char *sql, const char *what,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	struct bc_record_row row;
	struct bc_stmt *st = NULL;
	int rc, r = 0;

	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	while ((rc = bc_st_step(st)) == BC_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = bc_st_int64(st, 0);
		bc_cat_copy(row.hash, sizeof(row.hash), bc_st_text(st, 1));
		row.body = (const char *)bc_st_text(st, 2);
		row.body_len = (size_t)bc_st_bytes(st, 2);
		row.sig = bc_st_blob(st, 3);
		row.siglen = (size_t)bc_st_bytes(st, 3);
		bc_cat_copy(row.key, sizeof(row.key), bc_st_text(st, 4));
		row.leaf = bc_st_int64(st, 5);
		if (row.body == NULL)
			row.body = "";
		if ((r = fn(arg, &row)) != 0)
			goto out;
	}
	if (rc != BC_DONE)
		r = bc_cat_err(cat, err, what);
 out:
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_releases(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	return record_rows(cat, "SELECT id, hash, body, signature, key,"
	    " coalesce(leaf, -1) FROM releases ORDER BY id",
	    "read release statements", fn, arg, err);
}

int
bc_catalog_policies(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err)
{
	return record_rows(cat, "SELECT seq, hash, body, signature, key,"
	    " coalesce(leaf, -1) FROM policies ORDER BY seq",
	    "read retention policies", fn, arg, err);
}

void
bc_keydocs_free(struct bc_keydoc *d, size_t n)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(d[i].body);
		free(d[i].sig);
	}
	free(d);
}

static int
keydoc_fill(struct bc_stmt *st, void *elem)
{
	struct bc_keydoc *d = elem;

	d->seq = bc_st_int64(st, 0);
	bc_cat_copy(d->hash, sizeof(d->hash), bc_st_text(st, 1));
	bc_cat_copy(d->key, sizeof(d->key), bc_st_text(st, 2));
	d->body = bc_cat_dup_text(st, 3, &d->body_len);
	d->sig = bc_cat_dup_blob(st, 4, &d->siglen);
	bc_cat_copy(d->signer, sizeof(d->signer), bc_st_text(st, 5));
	d->leaf = bc_st_int64(st, 6);
	return d->body == NULL || d->sig == NULL;
}

static void
keydocs_release(void *v, size_t n)
{
	bc_keydocs_free(v, n);
}

int
bc_catalog_keydocs(struct bc_catalog *cat, struct bc_keydoc **out,
    size_t *n, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT seq, hash, key, body, signature,"
	    " signer, coalesce(leaf, -1) FROM keydocs ORDER BY seq", &st,
	    err)) != 0)
		return r;
	if ((r = bc_cat_collect(cat, st, sizeof(**out), keydoc_fill,
	    keydocs_release, "read key documents", &v, n, err)) == 0)
		*out = v;
	bc_st_finalize(st);
	return r;
}

/*
 * Views: the current view of annotated items, derived from their chains.
 */

int
bc_catalog_put_view(struct bc_catalog *cat, const char *item, int64_t seq,
    const char *view, size_t len, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "INSERT INTO views (item, seq, view)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (item) DO UPDATE SET"
	    " seq = excluded.seq, view = excluded.view", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, item, -1);
	bc_st_bind_int64(st, 2, seq);
	bc_st_bind_text(st, 3, view, (int)len);
	r = bc_cat_step_insert(cat, st, "store the current view", err);
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_get_view(struct bc_catalog *cat, const char *item, int64_t *seq,
    char **view, struct bc_err *err)
{
	struct bc_stmt *st;
	int rc, r = 0;

	*seq = -1;
	*view = NULL;
	if (cat->view_get == NULL && (r = bc_cat_prepare(cat, "SELECT seq,"
	    " view FROM views WHERE item = ?1", &cat->view_get, err)) != 0)
		return r;
	st = cat->view_get;
	bc_st_bind_text(st, 1, item, -1);
	if ((rc = bc_st_step(st)) == BC_ROW) {
		*seq = bc_st_int64(st, 0);
		if ((*view = bc_cat_dup_text(st, 1, NULL)) == NULL)
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	} else if (rc != BC_DONE)
		r = bc_cat_err(cat, err, "read the current view");
	bc_st_reset(st);
	return r;
}

/*
 * Bearer tokens: rows of the tokens table, which holds hashes only.
 */

#define TOKEN_COLS "id, name, role, hash, created, created_by," \
	" coalesce(revoked, '')"

static int
token_fill(struct bc_stmt *st, void *elem)
{
	struct bc_token_row *t = elem;

	t->id = bc_st_int64(st, 0);
	bc_cat_copy(t->name, sizeof(t->name), bc_st_text(st, 1));
	t->role = bc_st_int(st, 2);
	bc_cat_copy(t->hash, sizeof(t->hash), bc_st_text(st, 3));
	bc_cat_copy(t->created, sizeof(t->created),
	    bc_st_text(st, 4));
	bc_cat_copy(t->created_by, sizeof(t->created_by),
	    bc_st_text(st, 5));
	bc_cat_copy(t->revoked, sizeof(t->revoked),
	    bc_st_text(st, 6));
	return 0;
}

int
bc_catalog_add_token(struct bc_catalog *cat, struct bc_token_row *row,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	/* under the write lock: a clear message rather than the index's */
	if ((r = bc_cat_prepare(cat, "SELECT 1 FROM tokens WHERE name = ?1 AND"
	    " revoked IS NULL", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, row->name, -1);
	switch (bc_st_step(st)) {
	case BC_DONE:
		break;
	case BC_ROW:
		r = bc_err_set(err, BC_ERR_EXISTS, "an active token named "
		    "'%s' exists (revoke it first)", row->name);
		goto out;
	default:
		r = bc_cat_err(cat, err, "find token");
		goto out;
	}
	bc_st_finalize(st);
	st = NULL;
	if ((r = bc_cat_prepare(cat, "INSERT INTO tokens (name, role, hash, created,"
	    " created_by) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, row->name, -1);
	bc_st_bind_int64(st, 2, row->role);
	bc_st_bind_text(st, 3, row->hash, -1);
	bc_st_bind_text(st, 4, row->created, -1);
	bc_st_bind_text(st, 5, row->created_by, -1);
	r = bc_cat_step_insert_id(cat, st, "add token", &row->id, err);
 out:
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_find_token(struct bc_catalog *cat, const char *hash,
    struct bc_token_row *out, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = bc_cat_prepare(cat, "SELECT " TOKEN_COLS " FROM tokens"
	    " WHERE hash = ?1", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, hash, -1);
	switch (bc_st_step(st)) {
	case BC_ROW:
		r = token_fill(st, out);
		break;
	case BC_DONE:
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "unknown token");
		break;
	default:
		r = bc_cat_err(cat, err, "find token");
		break;
	}
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_revoke_token(struct bc_catalog *cat, const char *name,
    const char *at, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "UPDATE tokens SET revoked = ?2 WHERE"
	    " name = ?1 AND revoked IS NULL", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, name, -1);
	bc_st_bind_text(st, 2, at, -1);
	if (bc_st_step(st) != BC_DONE)
		r = bc_cat_err(cat, err, "revoke token");
	else if (bc_cat_changes(cat) == 0)
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no active token named "
		    "'%s' in %s", name, cat->path);
	else
		r = 0;
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_tokens(struct bc_catalog *cat, struct bc_token_row **out,
    size_t *n, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT " TOKEN_COLS " FROM tokens"
	    " ORDER BY id", &st, err)) != 0)
		return r;
	if ((r = bc_cat_collect(cat, st, sizeof(**out), token_fill, NULL,
	    "read tokens", &v, n, err)) == 0)
		*out = v;
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_storage(struct bc_catalog *cat, char *out, size_t outsz,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	const char *v;
	int r;

	out[0] = '\0';
	if ((r = bc_cat_prepare(cat, "SELECT value FROM meta WHERE name = "
	    "'storage'", &st, err)) != 0)
		return r;
	switch (bc_st_step(st)) {
	case BC_ROW:
		v = (const char *)bc_st_text(st, 0);
		if (v == NULL || v[0] != '/' ||
		    (size_t)bc_st_bytes(st, 0) >= outsz ||
		    strlen(v) != (size_t)bc_st_bytes(st, 0)) {
			r = bc_err_set(err, BC_ERR_INVALID, "%s: the recorded "
			    "storage root is malformed", cat->path);
			break;
		}
		snprintf(out, outsz, "%s", v);
		r = 0;
		break;
	case BC_DONE:
		r = 0;
		break;
	default:
		r = bc_cat_err(cat, err, "read the storage root");
		break;
	}
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_set_storage(struct bc_catalog *cat, const char *dir,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	struct stat sb;
	char abs[PATH_MAX], cur[PATH_MAX];
	int r;

	if (realpath(dir, abs) == NULL)
		return bc_err_errno(err, errno, "storage %s", dir);
	if (stat(abs, &sb) == -1 || !S_ISDIR(sb.st_mode))
		return bc_err_set(err, BC_ERR_INVALID, "storage %s: not a "
		    "directory", dir);
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	if ((r = bc_catalog_storage(cat, cur, sizeof(cur), err)) != 0)
		goto fail;
	if (cur[0] != '\0') {
		r = bc_err_set(err, BC_ERR_EXISTS, "the catalog's storage root "
		    "is already %s; it is set once", cur);
		goto fail;
	}
	if ((r = bc_cat_prepare(cat, "INSERT INTO meta (name, value) VALUES "
	    "('storage', ?1)", &st, err)) != 0)
		goto fail;
	bc_st_bind_text(st, 1, abs, -1);
	if (bc_st_step(st) != BC_DONE) {
		r = bc_cat_err(cat, err, "record the storage root");
		goto fail;
	}
	bc_st_finalize(st);
	return bc_catalog_commit(cat, err);
 fail:
	bc_st_finalize(st);
	bc_catalog_rollback(cat);
	return r;
}
