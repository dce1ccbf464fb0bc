/*
 * catalog-status.c - derived rows for retention: each item's hold and
 * purge status, and the scan that reads what retention needs of every
 * item in one statement (the stored view's category, the sealed capture
 * and registration times, the status).  Nothing here is trusted for a
 * purge: retention.c replays the chain of every item it would destroy.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "catalog-int.h"

int
bc_catalog_put_status(struct bc_catalog *cat, const char *item,
    const struct bc_status *s, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "INSERT INTO status (item, seq, held,"
	    " purged, media) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (item)"
	    " DO UPDATE SET seq = excluded.seq, held = excluded.held,"
	    " purged = excluded.purged, media = excluded.media", &st,
	    err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->seq);
	sqlite3_bind_int(st, 3, s->held != 0);
	sqlite3_bind_int(st, 4, s->purged != 0);
	sqlite3_bind_text(st, 5, s->media, -1, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "store the item's status", err);
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_get_status(struct bc_catalog *cat, const char *item,
    struct bc_status *s, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	memset(s, 0, sizeof(*s));
	s->seq = -1;
	if ((r = bc_cat_prepare(cat, "SELECT seq, held, purged, media FROM"
	    " status WHERE item = ?1", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->seq = sqlite3_column_int64(st, 0);
		s->held = sqlite3_column_int(st, 1);
		s->purged = sqlite3_column_int(st, 2);
		bc_cat_copy(s->media, sizeof(s->media),
		    sqlite3_column_text(st, 3));
	} else if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, "read the item's status");
	sqlite3_finalize(st);
	return r;
}

/*
 * The category of a never-annotated item is its manifest's; an
 * annotated one's is its stored view's (null when cleared, never the
 * manifest's then).
 */
#define RETENTION_SCAN \
	"SELECT i.id, json_extract(i.manifest, '$.registered.at')," \
	" json_extract(i.manifest, '$.capture.taken')," \
	" CASE WHEN v.item IS NULL" \
	"  THEN json_extract(i.manifest, '$.case.category')" \
	"  ELSE json_extract(v.view, '$.category') END," \
	" CASE WHEN v.item IS NULL" \
	"  THEN json_extract(i.manifest, '$.case.number')" \
	"  ELSE json_extract(v.view, '$.case') END," \
	" coalesce(s.held, 0), coalesce(s.purged, 0), coalesce(s.media, '')" \
	" FROM items i LEFT JOIN views v ON v.item = i.manifest_hash" \
	" LEFT JOIN status s ON s.item = i.manifest_hash"

/* A column that is text, or NULL (json_extract may give a number). */
static const char *
text_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return NULL;
	return (const char *)sqlite3_column_text(st, col);
}

int
bc_catalog_retention_scan(struct bc_catalog *cat, int unfinished,
    int (*fn)(void *arg, const struct bc_retention_row *row), void *arg,
    struct bc_err *err)
{
	struct bc_retention_row row;
	sqlite3_stmt *st = NULL;
	const char *t;
	int rc, r = 0;

	if ((r = bc_cat_prepare(cat, unfinished ? RETENTION_SCAN
	    " WHERE coalesce(s.purged, 0) = 0 OR"
	    " coalesce(s.media, '') NOT IN ('destroyed', 'absent')"
	    " ORDER BY i.num" : RETENTION_SCAN " ORDER BY i.num", &st,
	    err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.id = (t = text_or_null(st, 0)) ? t : "";
		row.registered = (t = text_or_null(st, 1)) ? t : "";
		row.taken = text_or_null(st, 2);
		row.category = text_or_null(st, 3);
		row.case_no = text_or_null(st, 4);
		row.held = sqlite3_column_int(st, 5) != 0;
		row.purged = sqlite3_column_int(st, 6) != 0;
		row.media = (t = text_or_null(st, 7)) ? t : "";
		if ((r = fn(arg, &row)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, "read items for retention");
 out:
	sqlite3_finalize(st);
	return r;
}
