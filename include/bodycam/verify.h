/*
 * verify.h - re-checking an item from first principles: the file against
 * its sealed hash, the manifest against its signature, and every custody
 * event's hash, link and signature.  Nothing the catalog says is taken on
 * trust except where the file lies and which key was recorded at init.
 */
#ifndef BODYCAM_VERIFY_H
#define BODYCAM_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/checks.h"
#include "bodycam/custody.h"

struct bc_tsa_trust;

struct bc_check {
	enum bc_check_id id;
	char	name[BC_CHECK_NAME_MAX];	/* bc_check_name(id) */
	int64_t	seq;				/* the event's, or -1 */
	int	ok;
	char	detail[BC_CHECK_DETAIL_MAX];
};

struct bc_verify_report {
	char		 id[BC_ITEM_ID_MAX];
	char		*path;			/* the file that was checked */
	struct bc_check	*checks;
	size_t		 nchecks;
	size_t		 checks_cap;	/* allocated */
	int		 status;	/* 0, BC_ERR_INTEGRITY, BC_ERR_NOT_FOUND,
					   or another error: the worst seen */
	int		 failures_only;	/* record failing checks only */
	int64_t		 nevents;	/* events read */
	int64_t		 nsigs;		/* signatures that verified */
	int64_t		 nunbound;	/* version 1 records: valid, but
					   naming no log */
	int64_t		 max_unbound;	/* the last leaf of an unbound
					   record, and the first of a bound */
	int64_t		 min_bound;	/* one (-1: none), for audit */
	char		 measured[BC_SHA256_HEX];	/* the file's, or "" */
	struct bc_custody_state state;	/* as the chain says */
};

struct bc_verify_opts {
	const char		*file;		/* NULL: the registered path */
	const struct bc_file_hash *file_hash;	/* already hashed, or NULL */
	int			 no_file;	/* check the records only */
	int			 failures_only;
	/* the verifier's TSA anchors (--tsa-ca), or NULL (tsa.h) */
	const struct bc_tsa_trust *tsa;
	bc_progress_fn		 progress;
	void			*progress_arg;
};

/*
 * Verifies it, filling rep (free with bc_verify_report_clear).  Returns 0
 * when the checks could be run (their outcome is in rep->status), or an
 * error when they could not (out of memory, catalog unreadable).
 */
int bc_verify_item(struct bc_catalog *cat, const struct bc_item *it,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep,
    struct bc_err *err);

void bc_verify_report_clear(struct bc_verify_report *rep);

/*
 * rep as JSON: {"id", "path", "ok", "status", "events", "held", "purged",
 * "custodian", "checks": [{"name", "ok", "detail", "seq"?}]}; a new
 * reference, or NULL when out of memory.
 */
json_t *bc_verify_report_json(const struct bc_verify_report *rep);

#endif /* BODYCAM_VERIFY_H */
