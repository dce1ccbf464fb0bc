/*
 * report.h - what a custody report shows, gathered from the catalog: each
 * item verified again (its file too), its events with what the
 * verification said of each, its current view and annotation history
 * (which 'show' gives too), and the log's newest checkpoint, checked.
 * The CLI renders it as HTML or CSV (cmd-report.c).
 */
#ifndef BODYCAM_REPORT_H
#define BODYCAM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/annotate.h"
#include "bodycam/buf.h"
#include "bodycam/catalog.h"
#include "bodycam/keys.h"
#include "bodycam/tlog.h"
#include "bodycam/verify.h"

/* One custody event and what the verification said of it. */
struct bc_report_event {
	const struct bc_event		*ev;
	json_t				*doc;		/* NULL: unreadable */
	const struct bc_keyring_entry	*signer;	/* NULL: unknown */
	int				 verified;	/* hash, link, sig */
	struct bc_buf			 failed;	/* failing checks */
};

/* One item of the report. */
struct bc_report_item {
	struct bc_item		*it;
	json_t			*mdoc;		/* NULL: unreadable */
	struct bc_verify_report	 rep;
	struct bc_event		*ev;
	size_t			 n;
	struct bc_report_event		*l;
	int			 ok;
	struct bc_buf		 result;	/* "OK", "FAILED (...)" */
	struct bc_view		 view;		/* current */
	json_t			*history;	/* of annotations */
};

/* Everything a report shows. */
struct bc_report {
	struct bc_report_item		*items;
	size_t			 nitems;
	struct bc_keyring	*kr;
	const char		*catalog;
	const char		*tz;		/* render local times too:
						   the zone TZ names */
	char			 origin[BC_ORIGIN_MAX + 1];
	char			 now[BC_TIME_MAX];
	char			 station[256];
	uint64_t		 log_size;
	int			 cp_status;	/* of bc_tlog_latest */
	struct bc_err		 cp_err;	/* why it does not check out */
	int			 cp_root_ok;	/* the log still gives it */
	struct bc_checkpoint_row cp;
	struct bc_signed_checkpoint sc;
};

/*
 * The catalog-wide part: the keyring (a broken one still names the keys it
 * proved), the log's origin and size, and its newest checkpoint, checked
 * (cp_status, cp_err, cp_root_ok).  Returns 0 or an error.
 */
int bc_report_gather_log(struct bc_catalog *cat, struct bc_report *rp,
    struct bc_err *err);

/*
 * Verifies ri->it again (its file too, unless purged) and reads its events
 * with what the verification said of each; ri->result is "OK", "OK
 * (purged)" or "FAILED (check, check seq N, ...)", every failing check;
 * ri->view and ri->history as bc_report_annotations gives them.
 */
int bc_report_gather_item(struct bc_catalog *cat,
    const struct bc_keyring *kr, struct bc_report_item *ri,
    struct bc_err *err);

/*
 * An item's annotations as 'show' and 'report' give them.  docs are its n
 * events ev parsed (NULL where unreadable), mdoc its manifest (may be
 * NULL).  An annotation counts when its signature is valid by a key that
 * held the needed role and it obeys the custody rules replayed in chain
 * order.  Sets ok[i] (when ok is not NULL) to whether event i's signature
 * is so valid, *view to the current view (bc_view_current) and *history
 * to a new array, freed by the caller, of the annotations that count:
 * {"seq", "at", "actor", "reason", "set", "clear"}, in chain order.
 * Returns 0 or BC_ERR_NOMEM (*history NULL).
 */
int bc_report_annotations(const struct bc_keyring *kr,
    const struct bc_item *it, const json_t *mdoc,
    const struct bc_event *ev, json_t *const *docs, size_t n, int *ok,
    struct bc_view *view, json_t **history);

/* Frees what the report holds (items, keyring, checkpoint). */
void bc_report_clear(struct bc_report *rp);

#endif /* BODYCAM_REPORT_H */
