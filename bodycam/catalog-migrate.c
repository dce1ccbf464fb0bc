/*
 * catalog-migrate.c - copying a catalog into a new one of either engine
 * ('bodycam migrate': a file to PostgreSQL and back).  Every row of every
 * table is copied as stored, with its ids, leaf indexes, signatures and
 * times, from one snapshot of the source into one transaction of the
 * destination.  Nothing is signed, appended or recomputed on the way, so
 * every leaf, node and checkpoint of the copy is the original's, and a
 * checkpoint saved from the original checks against the copy.
 *
 * Before it commits, the copy is read back and held to the source: each
 * table's row count and a SHA-256 over its rows' values, the log's size
 * and its root at that size, and every stored checkpoint.  A difference
 * rolls the copy back: a new file is removed, and a PostgreSQL database
 * is left as empty as it was (its schema was made in the same
 * transaction).  A file is made under a name of its own beside the
 * destination and linked to it only once committed and closed, so that
 * a copy cut short (killed, the power lost) leaves no catalog there.
 *
 * The copy checks that what it wrote is what it read, not that what it
 * read is sound: a catalog edited behind bodycam's back is copied with
 * its edits, for 'bodycam audit' to find in either.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "catalog-int.h"

/* a table or column that a new schema adds would not be copied */
#if BC_CATALOG_SCHEMA != 8
#error "a new catalog schema: write its tables and columns down here"
#endif

/* rows read by one SELECT (a test build may make it small) */
#ifndef BC_COPY_PAGE
#define BC_COPY_PAGE	10000
#endif

/*
 * The tables of schema 8 (catalog-schema.c's migrations, and
 * catalog-pg-schema.c), in an order their references allow: events,
 * views and status after items, cosignatures and timestamps after
 * checkpoints.  Columns are named, never '*': a table that an upgrade
 * gave a column keeps it last, a new one has it in place.  The leading
 * nkeys columns are the primary key, which orders the rows the same way
 * on both engines (integers, and text compared bytewise: SQLite's BINARY,
 * PostgreSQL's "C").  kinds has a letter a column: i integer, t text, b
 * blob (bytea).
 */
static const struct table {
	const char	*name;
	const char	*cols;
	const char	*kinds;
	int		 nkeys;
} tables[] = {
	{ "meta", "name, value", "tt", 1 },
	{ "keydocs", "seq, hash, key, body, signature, signer, leaf",
	    "itttbti", 1 },
	{ "items", "num, id, sha256, size, path, manifest, manifest_hash,"
	    " signature, key, registered, leaf", "ittitttbtti", 1 },
	{ "events", "id, item, seq, hash, body, signature, key, leaf",
	    "itittbti", 1 },
	{ "nodes", "level, idx, hash", "iib", 2 },
	{ "checkpoints", "id, size, root, key, created, note", "iibttt", 1 },
	{ "cosignatures", "id, checkpoint, name, keyid, time, line, added",
	    "iittitt", 1 },
	{ "timestamps", "id, checkpoint, token, time, tsa, added", "iibttt",
	    1 },
	{ "tokens", "id, name, role, hash, created, created_by, revoked",
	    "ititttt", 1 },
	{ "releases", "id, hash, body, signature, key, leaf", "ittbti", 1 },
	{ "policies", "seq, hash, body, signature, key, leaf", "ittbti", 1 },
	{ "views", "item, seq, view", "tit", 1 },
	{ "status", "num, item, id, seq, start, start_from, category,"
	    " case_no, held, purged, media", "ittittttiit", 1 },
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

/* One table's copy or its reading back. */
struct pass {
	const struct table	*t;
	struct bc_catalog	*src;	/* for messages */
	struct bc_stmt		*ins;	/* the copy's INSERT; NULL: reading
					   back */
	struct bc_catalog	*dst;
	EVP_MD_CTX		*md;
	int64_t			 rows;
	struct bc_err		*err;
};

/* Columns in a list: commas and one. */
static int
ncols(const char *cols)
{
	int n = 1;

	for (; *cols != '\0'; cols++)
		if (*cols == ',')
			n++;
	return n;
}

/* The first nkeys names of t's column list, for ORDER BY and WHERE. */
static void
key_cols(const struct table *t, char *out, size_t outsz)
{
	const char *p = t->cols;
	int k = 0;

	while (*p != '\0' && !(*p == ',' && ++k == t->nkeys))
		p++;
	snprintf(out, outsz, "%.*s", (int)(p - t->cols), t->cols);
}

/*
 * The SELECT of a page of t: the first (after 0) or the one after the
 * key bound to ?2 (and ?3); ?1 is the page's size.
 */
static int
select_sql(const struct table *t, int after, char *sql, size_t sqlsz)
{
	char keys[64], marks[16];
	int n;

	key_cols(t, keys, sizeof(keys));
	snprintf(marks, sizeof(marks), "%s", t->nkeys == 2 ? "?2, ?3" : "?2");
	if (after)
		n = snprintf(sql, sqlsz, "SELECT %s FROM %s WHERE (%s) > (%s)"
		    " ORDER BY %s LIMIT ?1", t->cols, t->name, keys, marks,
		    keys);
	else
		n = snprintf(sql, sqlsz, "SELECT %s FROM %s ORDER BY %s"
		    " LIMIT ?1", t->cols, t->name, keys);
	return n < 0 || (size_t)n >= sqlsz ? -1 : 0;
}

/*
 * INSERT INTO t (cols) VALUES (?1, ...).  Integers go through CAST, so
 * that a NULL one (a record stored without its leaf) is an integer NULL
 * for PostgreSQL, which types a parameter bound as NULL as text.
 */
static int
insert_sql(const struct table *t, char *sql, size_t sqlsz)
{
	size_t used;
	int c, n;

	n = snprintf(sql, sqlsz, "INSERT INTO %s (%s) VALUES (", t->name,
	    t->cols);
	if (n < 0 || (size_t)n >= sqlsz)
		return -1;
	used = (size_t)n;
	for (c = 0; t->kinds[c] != '\0'; c++) {
		n = snprintf(sql + used, sqlsz - used, t->kinds[c] == 'i' ?
		    "%sCAST(?%d AS bigint)" : "%s?%d", c ? ", " : "", c + 1);
		if (n < 0 || (size_t)n >= sqlsz - used)
			return -1;
		used += (size_t)n;
	}
	n = snprintf(sql + used, sqlsz - used, ")");
	return n < 0 || (size_t)n >= sqlsz - used ? -1 : 0;
}

static int
md_u64(EVP_MD_CTX *md, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
	return EVP_DigestUpdate(md, b, sizeof(b)) == 1 ? 0 : -1;
}

/*
 * One row of st into the table's digest, each column as its kind, its
 * length and its bytes; and into the INSERT when copying.  A value of
 * another kind than its column's (which STRICT tables and PostgreSQL's
 * types rule out) is refused rather than converted.
 */
static int
row(void *arg, struct bc_stmt *st)
{
	static const char kind_letter[] = { 'n', 'i', 't', 'b' };
	struct pass *p = arg;
	const struct table *t = p->t;
	const void *v;
	int64_t iv;
	int c, kind, len, rc;

	p->rows++;
	for (c = 0; t->kinds[c] != '\0'; c++) {
		kind = bc_st_coltype(st, c);
		if (kind != BC_COL_NULL && kind_letter[kind] != t->kinds[c])
			return bc_err_set(p->err, BC_ERR_INTEGRITY, "%s: %s "
			    "row %" PRId64 ": column %d holds a value of "
			    "another type than its own", p->src->path,
			    t->name, p->rows, c + 1);
		if (EVP_DigestUpdate(p->md, &kind_letter[kind], 1) != 1)
			return bc_err_set(p->err, BC_ERR_CRYPTO, "SHA-256");
		switch (kind) {
		case BC_COL_NULL:
			rc = p->ins ? bc_st_bind_null(p->ins, c + 1) : 0;
			break;
		case BC_COL_INT:
			iv = bc_st_int64(st, c);
			if (md_u64(p->md, (uint64_t)iv) != 0)
				return bc_err_set(p->err, BC_ERR_CRYPTO,
				    "SHA-256");
			rc = p->ins ? bc_st_bind_int64(p->ins, c + 1, iv) : 0;
			break;
		default:
			/* the pointer first, then its length (SQLite's
			   order); only an empty blob may come as NULL */
			v = kind == BC_COL_TEXT ? (const void *)bc_st_text(st,
			    c) : bc_st_blob(st, c);
			len = bc_st_bytes(st, c);
			if (v == NULL && (len > 0 || kind == BC_COL_TEXT))
				return bc_err_set(p->err, BC_ERR_NOMEM,
				    "out of memory");
			if (v == NULL)
				v = "";
			if (md_u64(p->md, (uint64_t)len) != 0 ||
			    EVP_DigestUpdate(p->md, v, (size_t)len) != 1)
				return bc_err_set(p->err, BC_ERR_CRYPTO,
				    "SHA-256");
			if (p->ins == NULL)
				rc = 0;
			else if (kind == BC_COL_TEXT)
				rc = bc_st_bind_text(p->ins, c + 1, v, len);
			else
				rc = bc_st_bind_blob(p->ins, c + 1, v, len);
			break;
		}
		if (rc != 0)
			return bc_err_set(p->err, BC_ERR_NOMEM,
			    "out of memory");
	}
	if (p->ins == NULL)
		return 0;
	rc = bc_st_step(p->ins);
	bc_st_reset(p->ins);
	if (rc == BC_DONE)
		return 0;
	/* an empty catalog refuses a row only when the source breaks the
	   schema's own rules (a row twice, an event of no item) */
	if (rc == BC_CONSTRAINT)
		return bc_err_set(p->err, BC_ERR_INTEGRITY, "%s: %s row %"
		    PRId64 " is refused by the new catalog (%s): the source "
		    "breaks the schema's rules; run 'bodycam audit' on it",
		    p->src->path, t->name, p->rows,
		    p->dst->engine == BC_ENGINE_PG ? bc_pg_errmsg(p->dst) :
		    sqlite3_errmsg(p->dst->db));
	return bc_cat_err(p->dst, p->err, t->name);
}

/*
 * Calls fn with every row of t in cat, in key order, a page at a time
 * (PostgreSQL's results are read whole).  Returns 0, fn's error or a
 * catalog error.
 */
static int
walk(struct bc_catalog *cat, const struct table *t,
    int (*fn)(void *, struct bc_stmt *), void *arg, struct bc_err *err)
{
	struct bc_stmt *first = NULL, *next = NULL, *st;
	char sql[512], *ktext = NULL;
	int64_t kint[2] = { 0, 0 }, n;
	int k, rc, r;

	if (select_sql(t, 0, sql, sizeof(sql)) != 0)
		return bc_err_set(err, BC_ERR_INTERNAL, "%s: query", t->name);
	if ((r = bc_cat_prepare(cat, sql, &first, err)) != 0)
		return r;
	if (select_sql(t, 1, sql, sizeof(sql)) != 0) {
		r = bc_err_set(err, BC_ERR_INTERNAL, "%s: query", t->name);
		goto out;
	}
	if ((r = bc_cat_prepare(cat, sql, &next, err)) != 0)
		goto out;
	st = first;
	if (bc_st_bind_int64(st, 1, BC_COPY_PAGE) != 0) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		n = 0;
		while ((rc = bc_st_step(st)) == BC_ROW) {
			if ((r = fn(arg, st)) != 0)
				goto out;
			if (++n < BC_COPY_PAGE)
				continue;
			/* the page's last row: where the next one starts */
			for (k = 0; k < t->nkeys; k++) {
				if (t->kinds[k] == 'i') {
					kint[k] = bc_st_int64(st, k);
					continue;
				}
				free(ktext);
				if ((ktext = bc_cat_dup_text(st, k, NULL)) ==
				    NULL) {
					r = bc_err_set(err, BC_ERR_NOMEM,
					    "out of memory");
					goto out;
				}
			}
		}
		if (rc != BC_DONE) {
			r = bc_cat_err(cat, err, t->name);
			goto out;
		}
		if (n < BC_COPY_PAGE)
			break;
		st = next;
		bc_st_reset(st);
		rc = bc_st_bind_int64(st, 1, BC_COPY_PAGE);
		for (k = 0; k < t->nkeys; k++)
			rc |= t->kinds[k] == 'i' ? bc_st_bind_int64(st, k + 2,
			    kint[k]) : bc_st_bind_text(st, k + 2, ktext, -1);
		if (rc != 0) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	r = 0;
 out:
	free(ktext);
	bc_st_finalize(first);
	bc_st_finalize(next);
	return r;
}

/* The number of rows of a table. */
static int
count_rows(struct bc_catalog *cat, const struct table *t, int64_t *n,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	char sql[128];
	int r;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t->name);
	if ((r = bc_cat_prepare(cat, sql, &st, err)) != 0)
		return r;
	if (bc_st_step(st) != BC_ROW)
		r = bc_cat_err(cat, err, t->name);
	else
		*n = bc_st_int64(st, 0);
	bc_st_finalize(st);
	return r;
}

/*
 * Copies table i (digest[i] its rows' SHA-256 as read from src), then
 * reads the copy back and holds it to the source: the same rows, the
 * same values, as many as the source's count.
 */
static int
copy_table(struct bc_catalog *src, struct bc_catalog *dst, size_t i,
    struct bc_copy_stats *stats, struct bc_err *err)
{
	const struct table *t = &tables[i];
	struct pass p;
	uint8_t sum[2][EVP_MAX_MD_SIZE];
	unsigned int sumlen[2] = { 0, 0 };
	char sql[1024];
	int64_t rows[2], nsrc = 0, ndst = 0;
	int pass, r;

	memset(&p, 0, sizeof(p));
	p.t = t;
	p.src = src;
	p.dst = dst;
	p.err = err;
	if (ncols(t->cols) != (int)strlen(t->kinds) ||
	    insert_sql(t, sql, sizeof(sql)) != 0)
		return bc_err_set(err, BC_ERR_INTERNAL, "%s: columns", t->name);
	if ((p.md = EVP_MD_CTX_new()) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = bc_cat_prepare(dst, sql, &p.ins, err)) != 0)
		goto out;
	for (pass = 0; pass < 2; pass++) {
		p.rows = 0;
		if (EVP_DigestInit_ex(p.md, bc_sha256_md(), NULL) != 1) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256");
			goto out;
		}
		/* 0: copy from the source; 1: read the copy back */
		if ((r = walk(pass == 0 ? src : dst, t, row, &p, err)) != 0)
			goto out;
		if (EVP_DigestFinal_ex(p.md, sum[pass], &sumlen[pass]) != 1) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256");
			goto out;
		}
		rows[pass] = p.rows;
		bc_st_finalize(p.ins);
		p.ins = NULL;
	}
	if ((r = count_rows(src, t, &nsrc, err)) != 0 ||
	    (r = count_rows(dst, t, &ndst, err)) != 0)
		goto out;
	if (nsrc != rows[0] || ndst != nsrc || rows[1] != nsrc) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: %" PRId64 " rows "
		    "in the source (%" PRId64 " read), %" PRId64 " in the "
		    "copy (%" PRId64 " read)", t->name, nsrc, rows[0], ndst,
		    rows[1]);
		goto out;
	}
	if (sumlen[0] != sumlen[1] ||
	    memcmp(sum[0], sum[1], sumlen[0]) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "%s: the copy's rows "
		    "differ from the source's", t->name);
		goto out;
	}
	stats->table[i].name = t->name;
	stats->table[i].rows = nsrc;
	r = 0;
 out:
	bc_st_finalize(p.ins);
	EVP_MD_CTX_free(p.md);
	return r;
}

/* The log's size and its root at that size. */
static int
log_root(struct bc_catalog *cat, uint64_t *size,
    uint8_t root[BC_SHA256_LEN], struct bc_err *err)
{
	struct bc_merkle_store store;
	struct bc_err e = { 0 };
	int r;

	if ((r = bc_catalog_log_size(cat, size, err)) != 0)
		return r;
	bc_catalog_log_store(cat, &store);
	if ((r = bc_merkle_root(&store, *size, root, &e)) == 0)
		return 0;
	if (r == BC_ERR_NOT_FOUND || r == BC_ERR_INTEGRITY)
		return bc_err_set(err, BC_ERR_INTEGRITY, "%s: the log's root "
		    "at size %" PRIu64 " cannot be computed from its nodes "
		    "(%s); run 'bodycam audit' on it", cat->path, *size,
		    e.msg[0] ? e.msg : bc_strerror(r));
	return bc_err_set(err, r, "%s: the log's root: %s", cat->path,
	    e.msg[0] ? e.msg : bc_strerror(r));
}

/* Every stored checkpoint of dst is src's, byte for byte. */
static int
same_checkpoints(struct bc_catalog *src, struct bc_catalog *dst,
    int64_t *n, struct bc_err *err)
{
	struct bc_checkpoint_row *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;
	int r;

	if ((r = bc_catalog_checkpoints(src, 0, &a, &na, err)) != 0 ||
	    (r = bc_catalog_checkpoints(dst, 0, &b, &nb, err)) != 0)
		goto out;
	if (na != nb) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the copy has %zu "
		    "checkpoints, the source %zu", nb, na);
		goto out;
	}
	for (i = 0; i < na; i++) {
		if (a[i].id != b[i].id || a[i].size != b[i].size ||
		    memcmp(a[i].root, b[i].root, BC_SHA256_LEN) != 0 ||
		    strcmp(a[i].key, b[i].key) != 0 ||
		    strcmp(a[i].created, b[i].created) != 0 ||
		    a[i].note_len != b[i].note_len ||
		    memcmp(a[i].note, b[i].note, a[i].note_len) != 0) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint %"
			    PRId64 " of the copy differs from the source's",
			    a[i].id);
			goto out;
		}
	}
	*n = (int64_t)na;
	r = 0;
 out:
	bc_checkpoints_free(a, na);
	bc_checkpoints_free(b, nb);
	return r;
}

/*
 * The name a new file is made under, beside dest (so that a link can
 * give it dest's name), once dest is found free.
 */
static int
file_temp(const char *dest, char *tmp, size_t tmpsz, struct bc_err *err)
{
	struct stat st;
	int n;

	if (lstat(dest, &st) == 0)
		return bc_err_set(err, BC_ERR_EXISTS, "%s already exists; "
		    "refusing to overwrite it", dest);
	if (errno != ENOENT)
		return bc_err_errno(err, errno, "%s", dest);
	n = snprintf(tmp, tmpsz, "%s.migrating-%ld", dest, (long)getpid());
	if (n < 0 || (size_t)n >= tmpsz)
		return bc_err_set(err, BC_ERR_INVALID, "%s: name too long",
		    dest);
	return 0;
}

/*
 * Gives the complete, closed file tmp the name dest, which must still be
 * free (link(2) never replaces), and makes that last: the directory is
 * synced.  dest is removed again when the sync fails.
 */
static int
file_publish(const char *tmp, const char *dest, struct bc_err *err)
{
	char dir[PATH_MAX], wal[PATH_MAX + 8];
	const char *slash = strrchr(dest, '/');
	struct stat st;
	int fd, e;

	/* the last connection's close checkpoints the WAL into the file */
	snprintf(wal, sizeof(wal), "%s-wal", tmp);
	if (stat(wal, &st) == 0 && st.st_size > 0)
		return bc_err_set(err, BC_ERR_DB, "%s: the copy's write-ahead "
		    "log was not written back into it", tmp);
	if (link(tmp, dest) == -1) {
		if (errno == EEXIST)
			return bc_err_set(err, BC_ERR_EXISTS, "%s already "
			    "exists (made while the copy ran); refusing to "
			    "overwrite it", dest);
		return bc_err_errno(err, errno, "%s", dest);
	}
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dest)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - dest), dest);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		unlink(dest);
		return bc_err_errno(err, e, "%s: its directory %s", dest, dir);
	}
	close(fd);
	return 0;
}

int
bc_catalog_copy(struct bc_catalog *src, const char *dest,
    struct bc_copy_stats *stats, struct bc_err *err)
{
	struct bc_catalog *dst = NULL;
	uint8_t root[BC_SHA256_LEN];
	char tmp[PATH_MAX];
	uint64_t size;
	size_t i;
	int pg = bc_pg_is_uri(dest), made = 0, v = 0, r;

	memset(stats, 0, sizeof(*stats));
	if (NTABLES > BC_COPY_TABLES_MAX)
		return bc_err_set(err, BC_ERR_INTERNAL, "too many tables");
	if ((r = bc_cat_schema(src, &v, err)) != 0)
		return r;
	if (v != BC_CATALOG_SCHEMA)
		return bc_err_set(err, BC_ERR_SCHEMA, "%s has schema version "
		    "%d; only a catalog at this bodycam's (%d) is copied: run "
		    "'bodycam upgrade' on it first", src->path, v,
		    BC_CATALOG_SCHEMA);
	if (!pg && (r = file_temp(dest, tmp, sizeof(tmp), err)) != 0)
		return r;
	if ((r = bc_catalog_snapshot(src, err)) != 0)
		return r;
	/* empty, at the current schema; PostgreSQL's in a transaction
	   left open, which the copy joins */
	if ((r = pg ? bc_pg_create(dest, &dst, err) :
	    bc_lite_create(tmp, &dst, err)) != 0)
		goto out;
	made = 1;
	/* SQLite's tables: the migrations, as bc_catalog_create makes them */
	if (!pg && (r = bc_cat_migrate(dst, err)) != 0)
		goto out;
	if (!dst->in_tx && (r = bc_catalog_begin(dst, err)) != 0)
		goto out;
	for (i = 0; i < NTABLES; i++)
		if ((r = copy_table(src, dst, i, stats, err)) != 0)
			goto out;
	/* the log's rows came in as they are, not by appends */
	bc_cat_tail_forget(dst);
	stats->ntables = NTABLES;
	if ((r = log_root(src, &stats->log_size, stats->root, err)) != 0 ||
	    (r = log_root(dst, &size, root, err)) != 0)
		goto out;
	if (size != stats->log_size ||
	    memcmp(root, stats->root, BC_SHA256_LEN) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the copy's log (%"
		    PRIu64 " leaves) has another root than the source's (%"
		    PRIu64 " leaves)", size, stats->log_size);
		goto out;
	}
	if ((r = same_checkpoints(src, dst, &stats->checkpoints, err)) != 0)
		goto out;
	if ((r = bc_catalog_commit(dst, err)) != 0 || pg)
		goto out;
	/* closed, the file is whole (its WAL checkpointed and gone) */
	bc_catalog_close(dst);
	dst = NULL;
	r = file_publish(tmp, dest, err);
 out:
	bc_catalog_rollback(src);
	bc_catalog_close(dst);		/* rolls back what is not committed */
	if (made && !pg)
		bc_lite_unlink(tmp);	/* dest, if made, is a link */
	if (r != 0) {
		stats->ntables = 0;
		stats->log_size = 0;
		stats->checkpoints = 0;
	}
	return r;
}
