/*
 * audit.h - checking a whole catalog: every key document, manifest and
 * custody event, from one snapshot, with the signature work spread over
 * threads.  Optionally every file still held is re-hashed.
 */
#ifndef BODYCAM_AUDIT_H
#define BODYCAM_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/tlog.h"
#include "bodycam/verify.h"

struct bc_tsa_trust;

#define BC_AUDIT_THREADS_MAX	64

struct bc_audit_failure {
	char	item[BC_ITEM_ID_MAX];	/* "BWC-000001", "keys", or the
					   first hex digits of an orphan's
					   item */
	int64_t	seq;			/* event or key document seq, or -1 */
	int64_t	leaf;			/* log index, or -1 */
	enum bc_check_id id;
	char	check[BC_CHECK_NAME_MAX];	/* bc_check_name(id) */
	char	reason[BC_CHECK_DETAIL_MAX];
};

/*
 * audit --files --search: a missing item's sealed content (same size,
 * then same SHA-256) found at another path.  Still a failure until the
 * item is relocated there (bodycam relocate).
 */
struct bc_audit_move {
	char	 item[BC_ITEM_ID_MAX];
	char	*path;			/* absolute, where it was found */
	char	*from;			/* the item's current place */
};

struct bc_audit_report {
	int64_t	keydocs, items, events;
	int64_t	signatures;		/* that verified */
	int64_t	unbound;		/* version 1 records (no log named) */
	int64_t	releases;		/* release statements checked */
	int64_t	policies;		/* retention policies checked */
	int64_t	timestamps;		/* time-stamp tokens checked */
	int64_t	files_matched, files_changed, files_missing, files_purged;
	int64_t	files_moved;		/* missing, but found (--search) */
	struct bc_audit_move *moves;
	size_t	nmoves;
	int	threads;		/* used */
	struct bc_tlog_audit log;	/* the transparency log */
	struct bc_audit_failure *failures;
	size_t	nfailures;
	size_t	failures_cap;		/* allocated */
	int	status;			/* 0, or BC_ERR_INTEGRITY */
};

struct bc_audit_opts {
	int		files;		/* re-hash every file still held */
	/* with files: directories searched for the content of missing
	   items (moved), or NULL */
	const char *const *search;
	size_t		 nsearch;
	int		threads;	/* 0: one per online CPU */
	/* the verifier's TSA anchors (--tsa-ca, tsa.h), or NULL: tokens are
	   then held to their checkpoints only */
	const struct bc_tsa_trust *tsa;
	/* a saved checkpoint (signed note) to hold the log to, or NULL */
	const char	*against;
	size_t		 against_len;
	/* called after each item (done of total), may be NULL */
	void		(*progress)(void *arg, int64_t done, int64_t total);
	void		*progress_arg;
};

/*
 * Audits cat into rep (free with bc_audit_report_clear): the records, then
 * the transparency log (bc_tlog_audit), against opts->against too.  With
 * opts->files, each item's file is re-hashed at its current place
 * (bc_custody_place: its last signed relocate's path, else the
 * registered one): matched, changed or missing; and with opts->search,
 * the files under those directories (symbolic links not followed) are
 * looked at for the content of each missing item: one found is counted
 * as moved instead of missing (still a failure, its file-present reason
 * naming the path), and listed in rep->moves.  A search directory that
 * cannot be read is BC_ERR_NOT_FOUND or BC_ERR_IO before anything else.
 * Returns 0 when the audit ran (its outcome is rep->status), or an error
 * that stopped it: BC_ERR_MALFORMED (and the like) when opts->against is
 * not a signed checkpoint at all.  A checkpoint that does not check out
 * (another log's, a bad or unknown signature) is a failure in the report
 * ("checkpoint"), and the log is still audited.
 */
int bc_audit(struct bc_catalog *cat, const struct bc_audit_opts *opts,
    struct bc_audit_report *rep, struct bc_err *err);

void bc_audit_report_clear(struct bc_audit_report *rep);

#endif /* BODYCAM_AUDIT_H */
