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
bind_opt(struct bc_stmt *st, int col, const char *s)
{
	if (s[0] == '\0')
		bc_st_bind_null(st, col);
	else
		bc_st_bind_text(st, col, s, -1);
}

int
bc_catalog_put_status(struct bc_catalog *cat, const struct bc_status *s,
    struct bc_err *err)
{
	struct bc_stmt *st = NULL;
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
	bc_st_bind_int64(st, 1, s->num);
	bc_st_bind_text(st, 2, s->item, -1);
	bc_st_bind_text(st, 3, s->id, -1);
	bc_st_bind_int64(st, 4, s->seq);
	bc_st_bind_text(st, 5, s->start, -1);
	bc_st_bind_text(st, 6, s->start_from, -1);
	bind_opt(st, 7, s->category);
	bind_opt(st, 8, s->case_no);
	bc_st_bind_int64(st, 9, s->held != 0);
	bc_st_bind_int64(st, 10, s->purged != 0);
	bc_st_bind_text(st, 11, s->media, -1);
	r = bc_cat_step_insert(cat, st, "store the item's status", err);
	bc_st_finalize(st);
	return r;
}

#define STATUS_COLS "num, item, id, seq, start, start_from," \
	" coalesce(category, ''), coalesce(case_no, ''), held, purged, media"

/* The row st is on into s. */
static void
status_fill(struct bc_stmt *st, struct bc_status *s)
{
	memset(s, 0, sizeof(*s));
	s->num = bc_st_int64(st, 0);
	bc_cat_copy(s->item, sizeof(s->item), bc_st_text(st, 1));
	bc_cat_copy(s->id, sizeof(s->id), bc_st_text(st, 2));
	s->seq = bc_st_int64(st, 3);
	bc_cat_copy(s->start, sizeof(s->start), bc_st_text(st, 4));
	bc_cat_copy(s->start_from, sizeof(s->start_from),
	    bc_st_text(st, 5));
	bc_cat_copy(s->category, sizeof(s->category),
	    bc_st_text(st, 6));
	bc_cat_copy(s->case_no, sizeof(s->case_no),
	    bc_st_text(st, 7));
	s->held = bc_st_int(st, 8) != 0;
	s->purged = bc_st_int(st, 9) != 0;
	bc_cat_copy(s->media, sizeof(s->media), bc_st_text(st, 10));
}

int
bc_catalog_get_status(struct bc_catalog *cat, const char *item,
    struct bc_status *s, struct bc_err *err)
{
	struct bc_stmt *st = NULL;
	int rc, r;

	memset(s, 0, sizeof(*s));
	s->seq = -1;
	if ((r = bc_cat_prepare(cat, "SELECT " STATUS_COLS " FROM status"
	    " WHERE item = ?1", &st, err)) != 0)
		return r;
	bc_st_bind_text(st, 1, item, -1);
	if ((rc = bc_st_step(st)) == BC_ROW)
		status_fill(st, s);
	else if (rc != BC_DONE)
		r = bc_cat_err(cat, err, "read the item's status");
	bc_st_finalize(st);
	return r;
}

int
bc_catalog_retention_scan(struct bc_catalog *cat, int unfinished,
    int (*fn)(void *arg, const struct bc_status *row), void *arg,
    struct bc_err *err)
{
	struct bc_status s;
	struct bc_stmt *st = NULL;
	int rc, r = 0;

	if ((r = bc_cat_prepare_scan(cat, unfinished ? "SELECT " STATUS_COLS
	    " FROM status WHERE purged = 0 OR media NOT IN ('destroyed',"
	    " 'absent') ORDER BY num" : "SELECT " STATUS_COLS " FROM status"
	    " ORDER BY num", &st, err)) != 0)
		return r;
	while ((rc = bc_st_step(st)) == BC_ROW) {
		status_fill(st, &s);
		if ((r = fn(arg, &s)) != 0)
			goto out;
	}
	if (rc != BC_DONE)
		r = bc_cat_err(cat, err, "read items for retention");
 out:
	bc_st_finalize(st);
	return r;
}
