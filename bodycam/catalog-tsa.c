/*
 * catalog-tsa.c - the timestamps table (schema 8): RFC 3161 tokens over
 * stored checkpoints, append-only like the checkpoints themselves.
 */
#include <stdlib.h>
#include <string.h>

#include "bodycam/tsa.h"
#include "catalog-int.h"

int
bc_catalog_checkpoint_get(struct bc_catalog *cat, int64_t id,
    struct bc_checkpoint_row *row, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int r, rc;

	memset(row, 0, sizeof(*row));
	if ((r = bc_cat_prepare(cat, "SELECT id, size, root, key, created, "
	    "note FROM checkpoints WHERE id = ?1", &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, id);
	if ((rc = bc_st_step(st)) == BC_ROW)
		r = bc_cat_checkpoint_fill(st, row) ? bc_err_set(err, BC_ERR_NOMEM,
		    "out of memory") : 0;
	else if (rc == BC_DONE)
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no checkpoint %lld",
		    (long long)id);
	else
		r = bc_cat_err(cat, err, "read a checkpoint");
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_add_timestamp(struct bc_catalog *cat, int64_t cp,
    const char *note, size_t notelen, const struct bc_tsa_token *tok,
    const char *tsa, int64_t *id, struct bc_err *err)
{
	struct bc_checkpoint_row row;
	struct bc_stmt *st = NULL;
	char now[BC_TIME_MAX];
	int r, rc;

	memset(&row, 0, sizeof(row));
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	/* the note the token was checked over is the one stored, still */
	if ((r = bc_catalog_checkpoint_get(cat, cp, &row, err)) != 0)
		goto out;
	if (row.note_len != notelen || memcmp(row.note, note, notelen) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint %lld is not "
		    "the note the token was checked over", (long long)cp);
		goto out;
	}
	/* the same token twice dates nothing more */
	if ((r = bc_cat_prepare(cat, "SELECT 1 FROM timestamps WHERE "
	    "checkpoint = ?1 AND token = ?2", &st, err)) != 0)
		goto out;
	bc_st_bind_int64(st, 1, cp);
	bc_st_bind_blob(st, 2, tok->der, (int)tok->len);
	if ((rc = bc_st_step(st)) == BC_ROW) {
		r = bc_err_set(err, BC_ERR_EXISTS, "this token is already "
		    "stored for checkpoint %lld", (long long)cp);
		goto out;
	} else if (rc != BC_DONE) {
		r = bc_cat_err(cat, err, "read timestamps");
		goto out;
	}
	bc_st_finalize(st);
	st = NULL;
	bc_time_now(now);
	if ((r = bc_cat_prepare(cat, "INSERT INTO timestamps (checkpoint, "
	    "token, time, tsa, added) VALUES (?1, ?2, ?3, ?4, ?5)", &st,
	    err)) != 0)
		goto out;
	bc_st_bind_int64(st, 1, cp);
	bc_st_bind_blob(st, 2, tok->der, (int)tok->len);
	bc_st_bind_text(st, 3, tok->time, -1);
	bc_st_bind_text(st, 4, tsa, -1);
	bc_st_bind_text(st, 5, now, -1);
	if ((r = bc_cat_step_insert_id(cat, st, "add timestamp", id,
	    err)) != 0)
		goto out;
	r = bc_catalog_commit(cat, err);
 out:
	bc_st_finalize(st);
	if (r != 0)
		bc_catalog_rollback(cat);
	free(row.note);
	return r;
}

void
bc_timestamps_free(struct bc_timestamp_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].token);
	free(rows);
}

static int
timestamp_fill(struct bc_stmt *st, void *elem)
{
	struct bc_timestamp_row *t = elem;

	t->id = bc_st_int64(st, 0);
	t->checkpoint = bc_st_int64(st, 1);
	bc_cat_copy(t->time, sizeof(t->time), bc_st_text(st, 3));
	bc_cat_copy(t->tsa, sizeof(t->tsa), bc_st_text(st, 4));
	bc_cat_copy(t->added, sizeof(t->added), bc_st_text(st, 5));
	/* a hostile row: a blob over the cap is read as empty, and fails */
	if (bc_st_bytes(st, 2) > BC_TSA_TOKEN_MAX)
		return (t->token = malloc(1)) == NULL;
	return (t->token = bc_cat_dup_blob(st, 2, &t->token_len)) == NULL;
}

static void
timestamps_release(void *v, size_t n)
{
	bc_timestamps_free(v, n);
}

int
bc_catalog_timestamps(struct bc_catalog *cat, int64_t cp,
    struct bc_timestamp_row **out, size_t *n, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	void *v;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = bc_cat_prepare(cat, "SELECT id, checkpoint, token, time, "
	    "tsa, added FROM timestamps WHERE ?1 < 0 OR checkpoint = ?1 "
	    "ORDER BY id", &st, err)) != 0)
		return r;
	bc_st_bind_int64(st, 1, cp);
	if ((r = bc_cat_collect(cat, st, sizeof(**out), timestamp_fill,
	    timestamps_release, "read timestamps", &v, n, err)) == 0)
		*out = v;
	bc_st_finalize(st);
	return r;
}
