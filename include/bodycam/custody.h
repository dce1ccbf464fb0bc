/*
 * custody.h - custody events: the closed set of actions, the rules they
 * obey, and appending one to an item's chain.
 *
 * Every event is canonical JSON ("bodycam.event", manifest.h) naming its
 * item (the manifest hash), its seq and the hash of the event before it,
 * signed by the key of the person who recorded it.  The rules below are
 * enforced when an event is written and re-checked by verify and audit,
 * from the signed events alone.
 */
#ifndef BODYCAM_CUSTODY_H
#define BODYCAM_CUSTODY_H

#include <limits.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/annotate.h"
#include "bodycam/catalog.h"
#include "bodycam/hash.h"
#include "bodycam/manifest.h"
#include "bodycam/sign.h"
#include "bodycam/util.h"

/* Actions, a closed set. */
enum bc_action {
	BC_ACT_REGISTER,	/* genesis: the item entered the catalog */
	BC_ACT_ACCESS,		/* viewed */
	BC_ACT_COPY,		/* copied to someone (--to) */
	BC_ACT_TRANSFER,	/* custodian changes to --to */
	BC_ACT_HOLD,		/* legal hold placed */
	BC_ACT_UNHOLD,		/* legal hold lifted */
	BC_ACT_DERIVE,		/* a derived file registered as a new item */
	BC_ACT_VERIFY,		/* the result of a verification */
	BC_ACT_PURGE,		/* media destroyed under retention */
	BC_ACT_NOTE,		/* a remark */
	BC_ACT_RELEASE,		/* released to --to under --reason (the
				   authority), right after a passing verify */
	BC_ACT_ANNOTATE,	/* case, category, tags, title or
				   description set or cleared (annotate.h) */
	BC_ACT_RELOCATE,	/* the sealed file, re-hashed, now lies at
				   details.path (the item's current place) */
	BC_ACT_COUNT
};

/* The action named name, or -1. */
int bc_action_parse(const char *name);

/* The name of action a ("access", ...). */
const char *bc_action_name(int a);

/* Whether action a requires a reason (transfer, hold, unhold, derive,
 * purge, release, annotate) or a recipient (copy, transfer, release). */
int bc_action_needs_reason(int a);
int bc_action_needs_to(int a);

/*
 * What became of a purged item's media, as a note after the purge says
 * in details.media (purge.h): "destroyed", "absent" or "kept".
 */
enum bc_media_fate {
	BC_MEDIA_NONE,		/* not tried */
	BC_MEDIA_DESTROYED,
	BC_MEDIA_ABSENT,
	BC_MEDIA_KEPT
};

/* "destroyed", "absent", "kept", or "" for BC_MEDIA_NONE. */
const char *bc_media_fate_name(int fate);

/* The fate named name, or BC_MEDIA_NONE; non-zero when name is one. */
int bc_media_fate_parse(const char *name);
int bc_media_fate_valid(const char *name);

/*
 * The state of an item as its chain says, replayed event by event.  The
 * first custodian is the actor of the 'register' event.
 */
struct bc_custody_state {
	int64_t	 nevents;			/* events applied */
	int	 held;				/* under legal hold */
	int	 purged;
	char	 purged_at[BC_TIME_MAX];
	char	 purged_by[BC_FIELD_MAX + 1];
	char	 purge_reason[BC_FIELD_MAX + 1];
	char	 media[16];			/* after a purge: the last
						   note's details.media
						   (purge.h), or "" */
	char	 custodian[BC_FIELD_MAX + 1];
	char	 last_verify[16];		/* "passed", "failed", "" */
	char	 last_at[BC_TIME_MAX];		/* time of the last event */
	int	 last_action;			/* of the last event */
	char	 path[PATH_MAX];		/* details.path of the last
						   relocate, or "": the
						   registered path */
	struct bc_view ann;			/* what annotations changed */
};

/*
 * Checks event (a parsed "bodycam.event") against the rules, given the
 * state before it and the item's sealed file hash, and applies it to st.
 * Returns 0, or BC_ERR_INTEGRITY with the broken rule in why; the event
 * is then only counted (nevents, and its time when it is a valid later
 * one), so that one bad event does not make every later one look out of
 * place.  Times must be UTC time stamps (bc_time_is_stamp) that never go
 * back along a chain.  The chain's own links are not checked here.
 */
int bc_custody_rule(struct bc_custody_state *st, const json_t *event,
    const char *sha256, struct bc_err *why);

/* What to record. */
struct bc_custody_req {
	const char	*action;		/* bc_action_name() */
	const char	*actor;			/* who did it (required) */
	const char	*to;			/* copy, transfer */
	const char	*reason;
	const char	*location;
	const char	*note;
	const char	*file;			/* copy: the copy to check;
						   derive: the derived file;
						   relocate: the file at its
						   new place */
	const struct bc_operator_fields *op;	/* derive: the new item's
						   fields (NULL: parent's) */
	/* verify only: the outcome and the failing checks */
	const char	*outcome;		/* "passed" or "failed" */
	const char *const *failed;
	size_t		 nfailed;
	const char	*measured;		/* hex SHA-256 seen, or NULL */
	/* release: "included" or "omitted", what the bundle holds of the
	   media; note after a purge: "destroyed", "absent" or "kept", what
	   became of it (purge.h); or NULL */
	const char	*media;
	/*
	 * annotate only: set, an object of fields and their new values;
	 * clear, a list of the fields removed; tag_add and tag_remove, lists
	 * of tags to add to or take from the current ones (they and a "tags"
	 * in set exclude each other).  Each may be NULL.
	 */
	const json_t	*set;
	const json_t	*clear;
	const json_t	*tag_add;
	const json_t	*tag_remove;
	bc_progress_fn	 progress;		/* while hashing --file */
	void		*progress_arg;
};

struct bc_custody_result {
	char	item[BC_ITEM_ID_MAX];
	int64_t	seq;
	char	hash[BC_SHA256_HEX];		/* of the new event */
	char	child[BC_ITEM_ID_MAX];		/* derive: the new item */
	char	child_sha256[BC_SHA256_HEX];
	char	copy_sha256[BC_SHA256_HEX];	/* copy with a file */
	char	path[PATH_MAX];			/* relocate: the new place */
	char	from[PATH_MAX];			/* relocate: the place before */
	int	purged;				/* refused: the item was
						   purged */
};

/*
 * Checks req alone (the action, the fields it needs and their sizes)
 * before anything is read: 0 or BC_ERR_INVALID, as bc_custody_add would.
 */
int bc_custody_req_check(const struct bc_custody_req *req,
    struct bc_err *err);

/*
 * Appends an event to the item ref names (bc_catalog_find_item), signed
 * by key, which must hold the role the action needs now.  Inside one
 * BEGIN IMMEDIATE transaction: the signer's authority, the item's chain
 * (each stored event's hash and link, so as not to build on a broken
 * chain), the rules, the new event.  A derive also registers req->file as
 * a new item whose manifest names the parent.  Nothing is written unless
 * everything is.  Errors: BC_ERR_INVALID (a rule or a missing field, with
 * the reason in err), BC_ERR_INTEGRITY (a copy whose hash differs, a
 * broken chain), BC_ERR_NOT_FOUND, BC_ERR_EXISTS (derive: content already
 * registered), catalog errors.
 */
int bc_custody_add(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    struct bc_custody_result *res, struct bc_err *err);

/*
 * The state of item it as its stored chain says: the manifest's and each
 * event's hash, the links and the rules checked (not the signatures:
 * that is bc_verify_item).  *manifest (when not NULL) gets the parsed
 * manifest, which the caller frees.  BC_ERR_INTEGRITY when the chain is
 * broken (err says where).
 */
int bc_custody_state_of(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_custody_state *st, json_t **manifest, struct bc_err *err);

/*
 * The item's current place: the path of its last relocate event that
 * obeys the rules (st->path), else the path it was registered at (the
 * catalog's items.path, which nothing signs).  st is the state the
 * caller replayed: bc_verify_item's (signatures checked) wherever the
 * answer acts on a file or judges one.
 */
const char *bc_custody_place(const struct bc_item *it,
    const struct bc_custody_state *st);

/*
 * Whether path may be a relocate event's details.path: absolute,
 * canonical (no empty, "." or ".." component, no trailing '/'), shorter
 * than PATH_MAX, valid UTF-8 without NUL or control characters.  len is
 * its length in bytes (a JSON string may hold a NUL).  0, or
 * BC_ERR_INVALID with the cause in err.
 */
int bc_relocate_path_check(const char *path, size_t len, struct bc_err *err);

/*
 * The current place of it as its stored chain says (bc_custody_state_of:
 * hashes, links and rules, not the signatures), into out: for showing
 * it (show, list, the service's item).  A chain that does not replay
 * gives the place as far as it does.  0, or a catalog error.
 */
int bc_custody_place_of(struct bc_catalog *cat, const struct bc_item *it,
    char *out, size_t outsz, struct bc_err *err);

#endif /* BODYCAM_CUSTODY_H */
