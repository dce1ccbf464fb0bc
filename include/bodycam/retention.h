/*
 * retention.h - retention schedules: how long each category of footage
 * is kept, and the purge of what is due.
 *
 * A policy is a signed record of the log, like a key document: an admin
 * key signs the whole schedule, numbered from 1, each naming the hash of
 * the one before, so a change is a new version and never an edit.  It
 * maps categories to a period in days or "indefinite", adds a grace
 * period, and says what becomes of items whose category it does not
 * name ("keep": they are kept and listed as unscheduled; "refuse":
 * register and annotate refuse such a category).
 *
 * An item's retention starts at its sealed capture time (capture.taken;
 * a time without a UTC offset is taken as UTC) or, when it has none or
 * one after its registration, its sealed registration time.  It is due
 * when start + days + grace days have passed, it is not on legal hold
 * (a hold suspends it) and not purged.
 *
 * Listing what is due reads the derived status rows (catalog.h: struct
 * bc_status) for speed.  A purge trusts none of them: each item is
 * judged again from its verified chain and manifest against the newest
 * verified policy before bc_purge records anything.
 */
#ifndef BODYCAM_RETENTION_H
#define BODYCAM_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/custody.h"
#include "bodycam/error.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/sign.h"

#define BC_POLICY_DOC_TYPE	"bodycam.policy"
#define BC_POLICY_CATEGORIES_MAX 256	/* categories in one policy */
#define BC_POLICY_DAYS_MAX	36525	/* 100 years */
#define BC_POLICY_GRACE_MAX	3650
#define BC_RETAIN_INDEFINITE	(-1)	/* days of an indefinite period */

struct bc_policy_period {
	char	 category[BC_FIELD_MAX + 1];
	int64_t	 days;		/* BC_RETAIN_INDEFINITE: kept for ever */
};

/* A verified policy (or, for bc_policy_set, what to sign). */
struct bc_policy {
	int64_t			 seq;		/* 1, 2, ... */
	char			 hash[BC_SHA256_HEX];
	char			 prev[BC_SHA256_HEX];	/* "" for seq 1 */
	char			 at[BC_TIME_MAX];
	char			 actor[BC_FIELD_MAX + 1];
	char			 reason[BC_FIELD_MAX + 1];
	char			 key[BC_KEYID_HEX];	/* signer */
	int64_t			 leaf;
	struct bc_policy_period	*periods;	/* sorted by category */
	size_t			 nperiods;
	int64_t			 grace_days;
	int			 refuse_unlisted;
};

void bc_policy_free(struct bc_policy *p);

/* The period of category in p, or NULL when p does not name it. */
const struct bc_policy_period *bc_policy_period(const struct bc_policy *p,
    const char *category);

/*
 * Parses "CATEGORY=DAYS" or "CATEGORY=indefinite" into *out.
 * BC_ERR_INVALID with why in err.
 */
int bc_policy_period_parse(const char *s, struct bc_policy_period *out,
    struct bc_err *err);

/*
 * Signs in as the next policy, with key (an admin now): in->periods (no
 * category twice; at least one), in->grace_days, in->refuse_unlisted,
 * in->actor and in->reason (may be ""), in its own transaction.  Sets
 * in->seq, hash, prev, at, key and leaf.  Refuses (BC_ERR_INTEGRITY) when
 * the stored policies do not verify: a new version never builds on a
 * forged one.
 */
int bc_policy_set(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_policy *in, struct bc_err *err);

/*
 * Every stored policy, verified against kr (each canonical, of this log,
 * in seq order from 1, naming the hash of the one before, signed by a
 * key that was an admin at its leaf), into *out (*n of them, freed with
 * bc_policies_free).  On BC_ERR_INTEGRITY err names the first that fails
 * and *out holds those before it.
 */
int bc_policies_load(struct bc_catalog *cat, const struct bc_keyring *kr,
    struct bc_policy **out, size_t *n, struct bc_err *err);

void bc_policies_free(struct bc_policy *p, size_t n);

/*
 * The newest verified policy into *out (a copy the caller frees with
 * bc_policy_free), loading the keyring; BC_ERR_NOT_FOUND when there is
 * none.
 */
int bc_policy_current(struct bc_catalog *cat, struct bc_policy *out,
    struct bc_err *err);

/* {seq, hash, prev, at, actor, reason, key, leaf, periods: {category:
   days | "indefinite"}, grace_days, unlisted}; NULL when out of memory. */
json_t *bc_policy_json(const struct bc_policy *p);

/*
 * For register and annotate: 0 when category may be set now (no policy,
 * a policy that keeps unlisted categories, or one that names it);
 * BC_ERR_INVALID when the current policy refuses it; *warn is set when a
 * policy exists that does not name it.
 */
int bc_policy_admits(struct bc_catalog *cat, const char *category,
    int *warn, struct bc_err *err);

/* What retention says of one item. */
enum bc_retention_state {
	BC_RET_KEPT,		/* not due yet */
	BC_RET_DUE,		/* due: a purge may destroy it */
	BC_RET_HELD,		/* due, but on legal hold */
	BC_RET_INDEFINITE,	/* its category is kept for ever */
	BC_RET_UNSCHEDULED,	/* no category, or one the policy lacks */
	BC_RET_UNFINISHED,	/* purged, its media not recorded gone */
	BC_RET_PURGED		/* purged, media recorded gone */
};

const char *bc_retention_state_name(int state);

struct bc_retention_item {
	char	 id[BC_ITEM_ID_MAX];
	char	 category[BC_FIELD_MAX + 1];
	char	 case_no[BC_FIELD_MAX + 1];
	char	 start[BC_TIME_MAX];	/* as sealed */
	const char *start_from;		/* "capture" or "registered" */
	int64_t	 days;			/* BC_RETAIN_INDEFINITE; -2: none */
	int64_t	 grace_days;
	char	 due[BC_TIME_MAX];	/* "" when never */
	int	 state;			/* enum bc_retention_state */
};

/*
 * Judges one item, whose derived status (catalog.h: its start, current
 * category, hold and purge) is s, at now, under p: fills out (with the
 * id and case of s).
 */
void bc_retention_judge(const struct bc_policy *p, const struct bc_status *s,
    time_t now, struct bc_retention_item *out);

struct bc_retention_summary {
	int64_t	 items;			/* looked at */
	int64_t	 counts[BC_RET_PURGED + 1];	/* by state */
};

/*
 * The items that are due, held past their due date, or purged with
 * their media not yet recorded gone (and with all set, every item), from
 * the stored status rows, at now, under p, into *out (*n, freed with free()).
 * sum counts every item by state.
 */
int bc_retention_due(struct bc_catalog *cat, const struct bc_policy *p,
    time_t now, int all, struct bc_retention_item **out, size_t *n,
    struct bc_retention_summary *sum, struct bc_err *err);

/* The due list as JSON: {policy: {seq, hash}, at, items: [...], counts}. */
json_t *bc_retention_json(const struct bc_policy *p, const char *at,
    const struct bc_retention_item *items, size_t n,
    const struct bc_retention_summary *sum);

/* One item's outcome in a retention purge. */
struct bc_retention_outcome {
	char	 id[BC_ITEM_ID_MAX];
	int	 status;	/* 0 done; or the error of bc_purge / refusal */
	int	 skipped;	/* its chain says it is not due: nothing done */
	int64_t	 purge_seq;	/* -1: purged before, or a dry run */
	int64_t	 note_seq;	/* -1: no note recorded */
	int	 fate;		/* enum bc_media_fate */
	char	 msg[512];	/* why, when status or skipped */
};

/*
 * Purges every item the stored rows say is due (or purged with its media
 * not yet gone), each after judging it again from its own chain against
 * the current policy at now: an item that is not due by its chain is
 * skipped (skipped set; its derived rows are wrong: audit says so).  Each
 * item is one bc_purge (its own transactions), signed by key, for actor,
 * with a reason naming the policy, so that a run killed at any point
 * leaves whole records and a rerun finishes the job.  With dry_run only
 * the judging is done.  progress (may be NULL) is called after each
 * item.  *out holds an outcome per item tried (*n, freed with free()).
 * Returns 0 when every item was done (or would be); the first error
 * otherwise (the others are in the outcomes); BC_ERR_NOT_FOUND when no
 * policy exists.
 */
int bc_retention_purge(struct bc_catalog *cat, const struct bc_key *key,
    const char *actor, time_t now, int dry_run,
    void (*progress)(void *arg, const struct bc_retention_outcome *o),
    void *arg, struct bc_retention_outcome **out, size_t *n,
    struct bc_err *err);

#endif /* BODYCAM_RETENTION_H */
