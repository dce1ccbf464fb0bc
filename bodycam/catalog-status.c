/*
 * catalog-status.c - the status table (catalog.h: struct bc_status):
 * what retention needs of each item in one narrow row, so that what is
 * due is one scan.  Nothing here is trusted for a purge: retention.c
 * verifies the record of every item it would destroy.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "catalog-int.h"

void
bc_status_start(const char *taken, const char *registered,
    struct bc_status *s)
{
	time_t t, r;

	if (taken != NULL && registered != NULL &&
	    strlen(taken) < sizeof(s->start) &&
	    bc_time_parse(taken, 0, &t) == 0 &&
	    (bc_time_parse(registered, 0, &r) != 0 || t <= r)) {
		snprintf(s->start, sizeof(s->start), "%s", taken);
		snprintf(s->start_from, sizeof(s->start_from), "capture");
		return;
	}
	snprintf(s->start, sizeof(s->start), "%s", registered ? registered :
	    "");
	snprintf(s->start_from, sizeof(s->start_from), "registered");
}

static void
bind_opt(sqlite3_stmt *st, int col, const char *s)
{
	if (s[0] == '\0')
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

int
bc_catalog_put_status(struct bc_catalog *cat, const struct bc_status *s,
    struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!cat->in_tx)
		return bc_err_set(err, BC_ERR_INTERNAL, "write outside tx");
	if ((r = bc_cat_prepare(cat, "INSERT INTO status (num, item, id, seq,"
	    " start, start_from, category, case_no, held, purged, media)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	    " ON CONFLICT (num) DO UPDATE SET seq = excluded.seq,"
	    " category = excluded.category, case_no = excluded.case_no,"
	    " held = excluded.held, purged = excluded.purged,"
	    " media = excluded.media", &st, err)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, s->num);
	sqlite3_bind_text(st, 2, s->item, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, s->seq);
	sqlite3_bind_text(st, 5, s->start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, s->start_from, -1, SQLITE_STATIC);
	bind_opt(st, 7, s->category);
	bind_opt(st, 8, s->case_no);
	sqlite3_bind_int(st, 9, s->held != 0);
	sqlite3_bind_int(st, 10, s->purged != 0);
	sqlite3_bind_text(st, 11, s->media, -1, SQLITE_STATIC);
	r = bc_cat_step_insert(cat, st, "store the item's status", err);
	sqlite3_finalize(st);
	return r;
}

#define STATUS_COLS "num, item, id, seq, start, start_from," \
	" coalesce(category, ''), coalesce(case_no, ''), held, purged, media"

/* The row st is on into s. */
static void
status_fill(sqlite3_stmt *st, struct bc_status *s)
{
	memset(s, 0, sizeof(*s));
	s->num = sqlite3_column_int64(st, 0);
	bc_cat_copy(s->item, sizeof(s->item), sqlite3_column_text(st, 1));
	bc_cat_copy(s->id, sizeof(s->id), sqlite3_column_text(st, 2));
	s->seq = sqlite3_column_int64(st, 3);
	bc_cat_copy(s->start, sizeof(s->start), sqlite3_column_text(st, 4));
	bc_cat_copy(s->start_from, sizeof(s->start_from),
	    sqlite3_column_text(st, 5));
	bc_cat_copy(s->category, sizeof(s->category),
	    sqlite3_column_text(st, 6));
	bc_cat_copy(s->case_no, sizeof(s->case_no),
	    sqlite3_column_text(st, 7));
	s->held = sqlite3_column_int(st, 8) != 0;
	s->purged = sqlite3_column_int(st, 9) != 0;
	bc_cat_copy(s->media, sizeof(s->media), sqlite3_column_text(st, 10));
}

int
bc_catalog_get_status(struct bc_catalog *cat, const char *item,
    struct bc_status *s, struct bc_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	memset(s, 0, sizeof(*s));
	s->seq = -1;
	if ((r = bc_cat_prepare(cat, "SELECT " STATUS_COLS " FROM status"
	    " WHERE item = ?1", &st, err)) != 0)
		return r;
	sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		status_fill(st, s);
	else if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, "read the item's status");
	sqlite3_finalize(st);
	return r;
}

int
bc_catalog_retention_scan(struct bc_catalog *cat, int unfinished,
    int (*fn)(void *arg, const struct bc_status *row), void *arg,
    struct bc_err *err)
{
	struct bc_status s;
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if ((r = bc_cat_prepare(cat, unfinished ? "SELECT " STATUS_COLS
	    " FROM status WHERE purged = 0 OR media NOT IN ('destroyed',"
	    " 'absent') ORDER BY num" : "SELECT " STATUS_COLS " FROM status"
	    " ORDER BY num", &st, err)) != 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		status_fill(st, &s);
		if ((r = fn(arg, &s)) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		r = bc_cat_err(cat, err, "read items for retention");
 out:
	sqlite3_finalize(st);
	return r;
}
