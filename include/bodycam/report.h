/*
 * report.h - what a custody report shows, gathered from the catalog: each
 * item verified again (its file too), its events with what the
 * verification said of each, and the log's newest checkpoint, checked.
 * The CLI renders it as HTML or CSV (cmd-report.c).
 */
#ifndef BODYCAM_REPORT_H
#define BODYCAM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

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
};

/* Everything a report shows. */
struct bc_report {
	struct bc_report_item		*items;
	size_t			 nitems;
	struct bc_keyring	*kr;
	const char		*catalog;
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
 * (purged)" or "FAILED (check, check seq N, ...)", every failing check.
 */
int bc_report_gather_item(struct bc_catalog *cat,
    const struct bc_keyring *kr, struct bc_report_item *ri,
    struct bc_err *err);

/* Frees what the report holds (items, keyring, checkpoint). */
void bc_report_clear(struct bc_report *rp);

#endif /* BODYCAM_REPORT_H */
