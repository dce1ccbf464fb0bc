/*
 * tlog.c - the transparency log over the catalog: checkpoints signed and
 * checked, proofs served from the stored tree and verified before they
 * leave, and the audit that recomputes the tree from the records.
 *
 * The stored tree (the nodes table) is what proofs are made from, and
 * like every other row it is not trusted: the audit rebuilds it from the
 * records' canonical bytes, and every proof is checked against a root
 * that a checkpoint signed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/checks.h"
#include "bodycam/tlog.h"
#include "bodycam/util.h"
#include "internal.h"

#define HLEN	BC_SHA256_LEN

static int leaf_matches(struct bc_catalog *, uint64_t,
    const uint8_t[BC_SHA256_LEN], struct bc_err *);

static int
has_role(const struct bc_keyring_entry *e)
{
	return (e->role & (BC_CHECKPOINT_ROLE | BC_ROLE_ADMIN)) != 0;
}

int
bc_tlog_checkpoint_check(const struct bc_keyring *kr, const char *origin,
    const char *note, size_t len, struct bc_signed_checkpoint *out,
    struct bc_err *err)
{
	const struct bc_keyring_entry *e, *found = NULL, *norole = NULL;
	struct bc_err e2 = { 0 };
	size_t i, textlen = 0, tlen = 0, nsigs;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "a checkpoint is at "
		    "most %d bytes", BC_NOTE_MAX);
	/* another log's checkpoint is said to be one before its signature */
	for (i = len; i >= 2; i--) {
		if (note[i - 1] == '\n' && note[i - 2] == '\n') {
			if (bc_checkpoint_parse(note, i - 1, &out->cp,
			    NULL) == 0 && strcmp(out->cp.origin, origin) != 0)
				return bc_err_set(err, BC_ERR_INTEGRITY,
				    "checkpoint: of the log '%s', not of this "
				    "catalog's log '%s'", out->cp.origin,
				    origin);
			break;
		}
	}
	memset(out, 0, sizeof(*out));
	for (i = 0; i < kr->nkeys; i++) {
		e = &kr->keys[i];
		r = bc_note_open(note, len, origin, e->pub, &tlen, &nsigs,
		    &e2);
		/* every known key's lines are checked; the first auditor's */
		if (r == 0) {
			if (!has_role(e)) {
				norole = e;	/* a cosigner, perhaps */
			} else if (found == NULL) {
				found = e;
				textlen = tlen;
			}
			continue;
		}
		if (r != BC_ERR_INTEGRITY)
			return bc_err_set(err, r, "checkpoint: %s", e2.msg);
		if (nsigs > 0)
			/* a line of this key that does not verify: forged */
			return bc_err_set(err, r, "checkpoint: %s (key %.16s"
			    "...)", e2.msg, e->id);
	}
	if (found == NULL && norole != NULL)
		return bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint: signed "
		    "by key %.16s... (%s), which is not an auditor or admin",
		    norole->id, norole->name);
	if (found == NULL)
		return bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint: not "
		    "signed under '%s' by any key of this catalog", origin);
	if ((r = bc_checkpoint_parse(note, textlen, &out->cp, &e2)) != 0)
		return bc_err_set(err, r, "checkpoint: %s", e2.msg);
	if (strcmp(out->cp.origin, origin) != 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint: of the "
		    "log '%s', not of this catalog's log '%s'",
		    out->cp.origin, origin);
	snprintf(out->signer, sizeof(out->signer), "%s", found->id);
	snprintf(out->signer_name, sizeof(out->signer_name), "%s",
	    found->name);
	snprintf(out->revoked, sizeof(out->revoked), "%s", found->revoked);
	return 0;
}

/* The root of the stored tree at size, as merkle errors go. */
static int
stored_root(struct bc_catalog *cat, uint64_t size, uint8_t root[HLEN],
    struct bc_err *err)
{
	struct bc_merkle_store store;

	bc_catalog_log_store(cat, &store);
	return bc_merkle_root(&store, size, root, err);
}

int
bc_tlog_root(struct bc_catalog *cat, uint64_t size, uint8_t root[HLEN],
    struct bc_err *err)
{
	uint64_t have;
	int r;

	if ((r = bc_catalog_log_size(cat, &have, err)) != 0)
		return r;
	if (size > have)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the log has %" PRIu64
		    " leaves, fewer than %" PRIu64 ": records were deleted, "
		    "or the catalog was rolled back", have, size);
	if ((r = stored_root(cat, size, root, err)) == BC_ERR_NOT_FOUND)
		r = bc_err_wrap(err, BC_ERR_INTEGRITY, "the stored tree is "
		    "incomplete");
	return r;
}

int
bc_tlog_holds(struct bc_catalog *cat, uint64_t size,
    const uint8_t root[HLEN], struct bc_err *err)
{
	uint8_t got[HLEN];
	int r;

	if ((r = bc_tlog_root(cat, size, got, err)) != 0)
		return r;
	if (memcmp(got, root, HLEN) != 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the log no longer "
		    "gives the root signed for its first %" PRIu64 " leaves: "
		    "records were removed or rewritten", size);
	return 0;
}

/*
 * bc_tlog_checkpoint under the caller's write lock: signs and stores the
 * checkpoint; the caller commits or rolls back.
 */
int
bc_tlog_checkpoint_locked(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_checkpoint_row *row, struct bc_err *err)
{
	struct bc_keyring *kr = NULL;
	struct bc_checkpoint_row *prev = NULL;
	char origin[BC_ORIGIN_MAX + 1], now[BC_TIME_MAX];
	char *text = NULL;
	size_t textlen, nprev = 0;
	uint8_t root[HLEN];
	uint64_t size;
	int r;

	memset(row, 0, sizeof(*row));
	if (!bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_INVALID, "a checkpoint is "
		    "signed with a private key, not a public one");
	bc_time_now(now);
	if ((r = bc_keyring_load(cat, &kr, err)) != 0)
		goto out;
	if ((r = bc_signer_check(kr, key, BC_CHECKPOINT_ROLE,
	    "sign checkpoints", err)) != 0)
		goto out;
	if ((r = bc_catalog_origin(cat, origin, err)) != 0 ||
	    (r = bc_catalog_log_size(cat, &size, err)) != 0 ||
	    (r = stored_root(cat, size, root, err)) != 0)
		goto out;
	/* never sign a log that no longer extends the last checkpoint */
	if ((r = bc_catalog_checkpoints(cat, 1, &prev, &nprev, err)) != 0)
		goto out;
	if (nprev == 1 && (r = bc_tlog_holds(cat, prev->size, prev->root,
	    err)) != 0) {
		if (r == BC_ERR_INTEGRITY && err != NULL)
			snprintf(err->msg + strlen(err->msg),
			    sizeof(err->msg) - strlen(err->msg), " (the last "
			    "checkpoint); refusing to sign");
		goto out;
	}
	if ((r = bc_checkpoint_text(origin, size, root, &text, &textlen,
	    err)) != 0 ||
	    (r = bc_note_sign(text, textlen, origin, key, &row->note,
	    &row->note_len, err)) != 0)
		goto out;
	row->size = size;
	memcpy(row->root, root, HLEN);
	snprintf(row->key, sizeof(row->key), "%s", bc_key_id(key));
	snprintf(row->created, sizeof(row->created), "%s", now);
	r = bc_catalog_add_checkpoint(cat, row, err);
 out:
	if (r != 0) {
		free(row->note);
		row->note = NULL;
	}
	bc_checkpoints_free(prev, nprev);
	free(text);
	bc_keyring_free(kr);
	return r;
}

int
bc_tlog_checkpoint(struct bc_catalog *cat, const struct bc_key *key,
    struct bc_checkpoint_row *row, struct bc_err *err)
{
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	if ((r = bc_tlog_checkpoint_locked(cat, key, row, err)) == 0)
		r = bc_catalog_commit(cat, err);
	if (r != 0) {
		bc_catalog_rollback(cat);
		free(row->note);
		row->note = NULL;
	}
	return r;
}

int
bc_tlog_latest(struct bc_catalog *cat, const struct bc_keyring *kr,
    struct bc_checkpoint_row *row, struct bc_signed_checkpoint *sc,
    struct bc_err *err)
{
	struct bc_checkpoint_row *rows = NULL;
	char origin[BC_ORIGIN_MAX + 1];
	size_t n = 0;
	int r;

	memset(row, 0, sizeof(*row));
	memset(sc, 0, sizeof(*sc));
	if ((r = bc_catalog_origin(cat, origin, err)) != 0 ||
	    (r = bc_catalog_checkpoints(cat, 1, &rows, &n, err)) != 0)
		return r;
	if (n == 0)
		return bc_err_set(err, BC_ERR_NOT_FOUND, "no checkpoint yet: "
		    "none has been signed");
	*row = rows[0];
	free(rows);
	r = bc_tlog_checkpoint_check(kr, origin, row->note, row->note_len,
	    sc, err);
	if (r == 0 && (sc->cp.size != row->size ||
	    memcmp(sc->cp.root, row->root, HLEN) != 0))
		r = bc_err_set(err, BC_ERR_INTEGRITY, "checkpoint %" PRId64
		    ": its columns differ from its signed text", row->id);
	if (r == BC_ERR_MALFORMED)
		r = BC_ERR_INTEGRITY;	/* we stored it: not the user's input */
	return r;
}

int
bc_tlog_cosigned(struct bc_catalog *cat, struct bc_checkpoint_row *row,
    size_t *n, struct bc_err *err)
{
	char *lines = NULL, *buf;
	const char *p, *eol;
	size_t len = 0;
	int r;

	if (n != NULL)
		*n = 0;
	if ((r = bc_catalog_cosignatures(cat, row->id, &lines, &len,
	    err)) != 0)
		return r;
	if (len == 0) {
		free(lines);
		return 0;
	}
	if (row->note_len + len > BC_NOTE_MAX) {
		free(lines);
		return bc_err_set(err, BC_ERR_TOO_LARGE, "checkpoint %" PRId64
		    " with its cosignatures exceeds %d bytes", row->id,
		    BC_NOTE_MAX);
	}
	if ((buf = realloc(row->note, row->note_len + len + 1)) == NULL) {
		free(lines);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	row->note = buf;
	/*
	 * Only well-formed signature lines: a row written behind bodycam's
	 * back cannot break the note open (a blank line would move its
	 * text); what they sign is for the reader to check.
	 */
	for (p = lines; p < lines + len &&
	    (eol = memchr(p, '\n', (size_t)(lines + len - p))) != NULL;
	    p = eol + 1) {
		if (!bc_note_sig_line_ok(p, (size_t)(eol - p) + 1))
			continue;
		memcpy(buf + row->note_len, p, (size_t)(eol - p) + 1);
		row->note_len += (size_t)(eol - p) + 1;
		if (n != NULL)
			(*n)++;
	}
	buf[row->note_len] = '\0';
	free(lines);
	return 0;
}

void
bc_inclusion_clear(struct bc_inclusion *inc)
{
	if (inc == NULL)
		return;
	bc_merkle_proof_free(inc->proof);
	memset(inc, 0, sizeof(*inc));
}

int
bc_tlog_inclusion(struct bc_catalog *cat, uint64_t index, const void *data,
    size_t len, uint64_t size, const uint8_t root[HLEN],
    struct bc_inclusion *out, struct bc_err *err)
{
	struct bc_merkle_store store;
	int r;

	memset(out, 0, sizeof(*out));
	out->index = index;
	out->size = size;
	if (index >= size)
		return bc_err_set(err, BC_ERR_INVALID, "leaf %" PRIu64 " is "
		    "not in a tree of %" PRIu64 " leaves", index, size);
	if ((r = bc_merkle_leaf_hash(data, len, out->leaf)) != 0)
		return bc_err_set(err, r, "SHA-256 failed");
	if ((r = leaf_matches(cat, index, out->leaf, err)) != 0)
		return r;
	bc_catalog_log_store(cat, &store);
	if ((r = bc_merkle_inclusion_proof(&store, index, size, &out->proof,
	    &out->n, err)) != 0) {
		if (r == BC_ERR_NOT_FOUND || r == BC_ERR_INTEGRITY)
			r = bc_err_wrap(err, BC_ERR_INTEGRITY, "leaf %" PRIu64
			    ": the stored tree is incomplete", index);
		return r;
	}
	r = bc_merkle_verify_inclusion(index, size, out->leaf,
	    (const uint8_t (*)[HLEN])out->proof, out->n, root);
	if (r == BC_ERR_INTEGRITY || r == BC_ERR_MALFORMED)
		r = bc_err_set(err, BC_ERR_INTEGRITY, "leaf %" PRIu64 ": "
		    "not included in the tree of %" PRIu64 " leaves whose "
		    "root was given", index, size);
	else if (r != 0)
		r = bc_err_set(err, r, "SHA-256 failed");
	if (r != 0) {
		/* no proof leaves on failure */
		bc_merkle_proof_free(out->proof);
		out->proof = NULL;
		out->n = 0;
	}
	return r;
}

int
bc_tlog_consistency(struct bc_catalog *cat, uint64_t m, uint64_t n,
    const uint8_t *want_m, uint8_t root_m[HLEN], uint8_t root_n[HLEN],
    uint8_t (**proof)[HLEN], size_t *count, struct bc_err *err)
{
	struct bc_merkle_store store;
	uint64_t size;
	int r;

	*proof = NULL;
	*count = 0;
	if ((r = bc_catalog_log_size(cat, &size, err)) != 0)
		return r;
	if (m == 0 || m > n)
		return bc_err_set(err, BC_ERR_INVALID, "a consistency proof "
		    "goes from a smaller tree to a larger one, and not from "
		    "the empty tree (asked: %" PRIu64 " to %" PRIu64 ")", m, n);
	if (n > size)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the log has %"
		    PRIu64 " leaves, fewer than %" PRIu64, size, n);
	bc_catalog_log_store(cat, &store);
	if ((r = bc_merkle_root(&store, m, root_m, err)) != 0 ||
	    (r = bc_merkle_root(&store, n, root_n, err)) != 0 ||
	    (r = bc_merkle_consistency_proof(&store, m, n, proof, count,
	    err)) != 0) {
		if (r == BC_ERR_NOT_FOUND)
			r = bc_err_wrap(err, BC_ERR_INTEGRITY, "the stored "
			    "tree is incomplete");
		return r;
	}
	r = bc_merkle_verify_consistency(m, n, want_m ? want_m : root_m,
	    root_n, (const uint8_t (*)[HLEN])*proof, *count);
	if (r == BC_ERR_INTEGRITY || r == BC_ERR_MALFORMED) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the tree of %" PRIu64
		    " leaves does not extend the tree of %" PRIu64 " leaves "
		    "whose root was given", n, m);
	} else if (r != 0) {
		r = bc_err_set(err, r, "SHA-256 failed");
	}
	if (r != 0) {
		bc_merkle_proof_free(*proof);
		*proof = NULL;
		*count = 0;
	}
	return r;
}

/* Whether data hashes to the stored leaf index: 0 or BC_ERR_INTEGRITY. */
static int
leaf_matches(struct bc_catalog *cat, uint64_t index,
    const uint8_t mine[HLEN], struct bc_err *err)
{
	struct bc_merkle_store store;
	uint8_t stored[HLEN];
	int r;

	bc_catalog_log_store(cat, &store);
	if ((r = store.get(store.arg, 0, index, stored)) != 0) {
		if (r == BC_ERR_NOT_FOUND || r == BC_ERR_INTEGRITY)
			return bc_err_set(err, BC_ERR_INTEGRITY, "leaf %" PRIu64
			    " is missing from the log", index);
		return bc_err_set(err, r, "leaf %" PRIu64 ": cannot read "
		    "the log", index);
	}
	if (memcmp(stored, mine, HLEN) != 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "leaf %" PRIu64 ": "
		    "the record does not hash to the stored leaf", index);
	return 0;
}

int
bc_tlog_record_check(struct bc_catalog *cat,
    const struct bc_signed_checkpoint *sc, uint64_t leaf, const char *data,
    size_t len, struct bc_err *err)
{
	struct bc_inclusion inc;
	uint8_t mine[HLEN];
	uint64_t size = sc ? sc->cp.size : 0;
	int r;

	if (leaf < size) {
		r = bc_tlog_inclusion(cat, leaf, data, len, size, sc->cp.root,
		    &inc, err);
		bc_inclusion_clear(&inc);
		return r;
	}
	/* newer than the checkpoint: its leaf must be its own */
	if (bc_merkle_leaf_hash(data, len, mine) != 0)
		return BC_ERR_CRYPTO;
	return leaf_matches(cat, leaf, mine, err);
}

/*
 * The audit.  A frontier store holds, per level, the last two nodes put:
 * all that an append in leaf order reads (the sibling of a new right
 * child), and the perfect subtrees of the root of the size so far.
 */
struct bc_tlog_auditor;
static int node_check(struct bc_tlog_auditor *, unsigned, uint64_t,
    const uint8_t[BC_SHA256_LEN]);

struct frontier {
	struct bc_tlog_auditor	*check;		/* hold each node to the stored one */
	struct {
		int		valid;
		uint64_t	idx;
		uint8_t		hash[HLEN];
	} slot[BC_MERKLE_MAX_LEVEL + 1][2];
};

static int
front_get(void *arg, unsigned level, uint64_t index, uint8_t out[HLEN])
{
	struct frontier *f = arg;
	int i;

	if (level > BC_MERKLE_MAX_LEVEL)
		return BC_ERR_NOT_FOUND;
	for (i = 0; i < 2; i++)
		if (f->slot[level][i].valid && f->slot[level][i].idx == index) {
			memcpy(out, f->slot[level][i].hash, HLEN);
			return 0;
		}
	return BC_ERR_NOT_FOUND;
}

static int
front_put(void *arg, unsigned level, uint64_t index,
    const uint8_t hash[HLEN])
{
	struct frontier *f = arg;

	if (level > BC_MERKLE_MAX_LEVEL)
		return BC_ERR_INVALID;
	f->slot[level][0] = f->slot[level][1];
	f->slot[level][1].valid = 1;
	f->slot[level][1].idx = index;
	memcpy(f->slot[level][1].hash, hash, HLEN);
	if (f->check != NULL && level > 0)
		return node_check(f->check, level, index, hash);
	return 0;
}

#define TREE_FAILS_SHOWN	20

/* One level of stored nodes, read in step with the recomputed tree. */
struct level {
	struct bc_node_reader	*rd;
	int			 open, have, bad;
	uint64_t		 idx;
	uint8_t			 hash[HLEN];
};

/* A size at which the recomputed root is wanted: a checkpoint's. */
struct want {
	uint64_t			 size;
	uint8_t				 root[HLEN];	/* signed */
	int64_t				 id;		/* stored; -1: given */
	int				 have;		/* got[] is set */
	uint8_t				 got[HLEN];	/* recomputed */
};

struct bc_tlog_auditor {
	struct bc_tlog_audit		*out;
	uint64_t			 pos;		/* walked up to */
	struct frontier			 front;		/* of the records */
	struct bc_merkle_store		 store;
	struct frontier			 sfront;	/* of stored leaves */
	struct bc_merkle_store		 sstore;
	uint64_t			 next;		/* leaves appended */
	int64_t				 last;		/* last index seen */
	int				 broken;	/* cannot recompute */
	struct want			*w;
	size_t				 nw, wi;
	bc_tlog_fail_fn			 fail;
	void				*arg;
	int64_t				 leaves;
	struct bc_err			*err;
	struct bc_catalog		*cat;
	struct level			 lv[BC_MERKLE_MAX_LEVEL + 1];
	int64_t				 tree_fails;
};

static const char *
kind_name(enum bc_leaf_kind k)
{
	switch (k) {
	case BC_LEAF_MANIFEST:	return "manifest";
	case BC_LEAF_EVENT:	return "event";
	case BC_LEAF_KEYDOC:	return "key document";
	case BC_LEAF_POLICY:	return "retention policy";
	default:		return "record";
	}
}

/* The item a failure is filed under, and its seq. */
static void
who(const struct bc_leaf *l, char item[BC_ITEM_ID_MAX], int64_t *seq)
{
	switch (l->kind) {
	case BC_LEAF_MANIFEST:
		snprintf(item, BC_ITEM_ID_MAX, "%s", l->item);
		*seq = -1;
		break;
	case BC_LEAF_EVENT:
		snprintf(item, BC_ITEM_ID_MAX, "%s", l->item[0] ? l->item :
		    "log");
		*seq = l->seq;
		break;
	case BC_LEAF_KEYDOC:
		snprintf(item, BC_ITEM_ID_MAX, "keys");
		*seq = l->seq;
		break;
	case BC_LEAF_POLICY:
		snprintf(item, BC_ITEM_ID_MAX, "policies");
		*seq = l->seq;
		break;
	default:
		snprintf(item, BC_ITEM_ID_MAX, "log");
		*seq = -1;
		break;
	}
}

static int
walk_fail(struct bc_tlog_auditor *w, const struct bc_leaf *l,
    enum bc_check_id check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
walk_fail(struct bc_tlog_auditor *w, const struct bc_leaf *l,
    enum bc_check_id check, const char *fmt, ...)
{
	char item[BC_ITEM_ID_MAX], reason[BC_CHECK_DETAIL_MAX];
	int64_t seq;
	va_list ap;

	who(l, item, &seq);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return w->fail(w->arg, item, seq, l->index, check, reason);
}

/*
 * Appends one leaf recomputed from its record, and the stored leaf hash
 * (which differs when the record was rewritten), and takes the roots
 * wanted at this size.
 */
static int
walk_append(struct bc_tlog_auditor *w, const uint8_t leaf[HLEN],
    const uint8_t stored[HLEN])
{
	int r;

	if ((r = bc_merkle_append(&w->store, w->next, leaf, w->err)) != 0 ||
	    (r = bc_merkle_append(&w->sstore, w->next, stored, w->err)) != 0)
		return r;
	w->next++;
	while (w->wi < w->nw && w->w[w->wi].size <= w->next) {
		struct want *x = &w->w[w->wi++];

		if (x->size == w->next) {
			if ((r = bc_merkle_root(&w->store, x->size, x->got,
			    w->err)) != 0)
				return r;
			x->have = 1;
		}
	}
	return 0;
}

static int
walk_leaf(void *arg, const struct bc_leaf *l)
{
	struct bc_tlog_auditor *w = arg;
	uint8_t mine[HLEN];
	const char *kind = kind_name(l->kind);
	int r;

	if (l->index < 0)
		return walk_fail(w, l, BC_CHECK_LOG_RECORD, "this %s is stored "
		    "without a leaf index: it is not in the log", kind);
	if (l->index == w->last)
		return walk_fail(w, l, BC_CHECK_LOG_RECORD, "leaf %" PRId64
		    " is claimed by a second record (this %s)", l->index, kind);
	w->last = l->index;
	if ((uint64_t)l->index != w->next && !w->broken) {
		w->broken = 1;
		if ((r = walk_fail(w, l, BC_CHECK_LOG_LEAF, "leaves %" PRIu64
		    " to %" PRId64 " are missing from the log", w->next,
		    l->index - 1)) != 0)
			return r;
	}
	if (l->kind == BC_LEAF_NONE) {
		if ((r = walk_fail(w, l, BC_CHECK_LOG_RECORD, "leaf %" PRId64
		    ": no record holds it (a record was deleted, or moved)",
		    l->index)) != 0)
			return r;
		if (!w->broken)
			return walk_append(w, l->hash, l->hash);
		return 0;
	}
	w->leaves++;
	if (bc_merkle_leaf_hash(l->data, l->len, mine) != 0)
		return bc_err_set(w->err, BC_ERR_CRYPTO, "SHA-256 failed");
	if (!l->has_hash) {
		w->broken = 1;
		if ((r = walk_fail(w, l, BC_CHECK_LOG_LEAF, "leaf %" PRId64 ": "
		    "this %s's leaf is not in the log", l->index, kind)) != 0)
			return r;
	} else if (memcmp(mine, l->hash, HLEN) != 0) {
		if ((r = walk_fail(w, l, BC_CHECK_LOG_LEAF, "leaf %" PRId64 ": "
		    "this %s does not hash to the stored leaf (rewritten, or "
		    "moved)", l->index, kind)) != 0)
			return r;
	}
	if (w->broken)
		return 0;
	/* the tree is recomputed from the records, never the stored leaf */
	return walk_append(w, mine, l->hash);
}

static int
want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

static int
fail_plain(struct bc_tlog_auditor *w, enum bc_check_id check,
    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail_plain(struct bc_tlog_auditor *w, enum bc_check_id check,
    const char *fmt, ...)
{
	char reason[BC_CHECK_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return w->fail(w->arg, "log", -1, -1, check, reason);
}

/* Steps a level's reader to its next stored node. */
static int
level_next(struct bc_tlog_auditor *w, struct level *l)
{
	int r = bc_catalog_nodes_next(l->rd, &l->idx, l->hash, &l->bad);

	l->have = r == 0;
	if (r == 0 || r == BC_ERR_NOT_FOUND)
		return 0;
	return bc_err_set(w->err, r, "cannot read the log's nodes");
}

static int
level_open(struct bc_tlog_auditor *w, unsigned level)
{
	struct level *l = &w->lv[level];
	int r;

	if (l->open)
		return 0;
	if ((r = bc_catalog_nodes_open(w->cat, level, &l->rd, w->err)) != 0)
		return r;
	l->open = 1;
	return level_next(w, l);
}

static int
tree_fail(struct bc_tlog_auditor *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
tree_fail(struct bc_tlog_auditor *w, const char *fmt, ...)
{
	char reason[BC_CHECK_DETAIL_MAX];
	va_list ap;

	if (w->tree_fails++ >= TREE_FAILS_SHOWN)
		return 0;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return w->fail(w->arg, "log", -1, -1, BC_CHECK_LOG_TREE, reason);
}

/*
 * Holds node (level, index), just recomputed from the stored leaves, to
 * the stored one: nodes complete in index order at each level, so each
 * level's stored nodes are read once, in order, beside the walk.
 */
static int
node_check(struct bc_tlog_auditor *w, unsigned level, uint64_t index,
    const uint8_t hash[HLEN])
{
	struct level *l = &w->lv[level];
	int r;

	if ((r = level_open(w, level)) != 0)
		return r;
	while (l->have && l->idx < index)
		if ((r = level_next(w, l)) != 0)
			return r;
	if (!l->have || l->idx > index)
		return tree_fail(w, "node (%u, %" PRIu64 ") is missing from "
		    "the stored tree", level, index);
	if (l->bad || memcmp(l->hash, hash, HLEN) != 0)
		r = tree_fail(w, "stored node (%u, %" PRIu64 ") is not the "
		    "hash of the leaves below it: the tree was altered", level,
		    index);
	if (r == 0)
		r = level_next(w, l);
	return r;
}

/* Stored nodes that the leaves do not make: past the end of the log. */
static int
nodes_past_end(struct bc_tlog_auditor *w)
{
	unsigned level;
	int r;

	for (level = 1; level <= BC_MERKLE_MAX_LEVEL; level++) {
		struct level *l = &w->lv[level];

		if ((r = level_open(w, level)) != 0)
			return r;
		if (l->have && (r = tree_fail(w, "stored node (%u, %" PRIu64
		    ") covers leaves that the log does not have", level,
		    l->idx)) != 0)
			return r;
	}
	if (w->tree_fails > TREE_FAILS_SHOWN)
		return w->fail(w->arg, "log", -1, -1, BC_CHECK_LOG_TREE, "and "
		    "more: the stored tree fails at other nodes too");
	return 0;
}

/* How a wanted root compares, said once. */
static int
judge_want(struct bc_tlog_auditor *w, struct bc_catalog *cat, const struct want *x,
    uint64_t size, const uint8_t *root_n)
{
	uint8_t (*proof)[HLEN] = NULL, rm[HLEN], rn[HLEN];
	struct bc_err e = { 0 };
	char what[64];
	size_t count = 0;
	int r;

	if (x->id >= 0)
		snprintf(what, sizeof(what), "stored checkpoint %" PRId64,
		    x->id);
	else
		snprintf(what, sizeof(what), "the checkpoint");
	if (x->size > size)
		return fail_plain(w, BC_CHECK_CONSISTENCY, "the log has %"
		    PRIu64 " leaves, fewer than the %" PRIu64 " of %s: records "
		    "were deleted, or the catalog was rolled back to an older "
		    "copy", size, x->size, what);
	if (!x->have)
		return fail_plain(w, BC_CHECK_CONSISTENCY, "%s (%" PRIu64
		    " leaves) cannot be checked: the log cannot be recomputed",
		    what, x->size);
	if (memcmp(x->got, x->root, HLEN) != 0)
		return fail_plain(w, BC_CHECK_CONSISTENCY, "the records no "
		    "longer give the root that %s signed for its %" PRIu64
		    " leaves: history before leaf %" PRIu64 " was rewritten, "
		    "reordered or deleted", what, x->size, x->size);
	if (x->size == 0 || root_n == NULL)
		return 0;
	/* the proof an outsider would be given, from the stored tree */
	r = bc_tlog_consistency(cat, x->size, size, x->root, rm, rn, &proof,
	    &count, &e);
	bc_merkle_proof_free(proof);
	if (r == 0 && memcmp(rn, root_n, HLEN) != 0)
		r = BC_ERR_INTEGRITY;
	if (r == BC_ERR_INTEGRITY)
		return fail_plain(w, BC_CHECK_CONSISTENCY, "the consistency "
		    "proof from %s (%" PRIu64 " leaves) to the log (%" PRIu64
		    " leaves) fails: %s", what, x->size, size,
		    e.msg[0] ? e.msg : "the stored tree is not the recomputed "
		    "one");
	if (r != 0)
		return bc_err_set(w->err, r, "%s", e.msg);
	return 0;
}

/* Judges the wanted roots once every leaf is walked. */
static int
walk_finish(struct bc_tlog_auditor *w)
{
	const uint8_t *root_n = NULL;
	size_t i;
	int r;

	w->out->leaves = w->leaves;
	if (!w->broken && w->next == w->out->size) {
		if ((r = bc_merkle_root(&w->store, w->next, w->out->root,
		    w->err)) != 0 ||
		    (r = nodes_past_end(w)) != 0)
			return r;
		root_n = w->out->root;
	}
	for (i = 0; i < w->nw; i++)
		if ((r = judge_want(w, w->cat, &w->w[i], w->out->size,
		    root_n)) != 0)
			return r;
	return 0;
}

void
bc_tlog_auditor_free(struct bc_tlog_auditor *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i <= BC_MERKLE_MAX_LEVEL; i++)
		bc_catalog_nodes_close(w->lv[i].rd);
	free(w->w);
	free(w);
}

int
bc_tlog_audit_begin(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_signed_checkpoint *against, bc_tlog_fail_fn fail,
    void *arg, struct bc_tlog_audit *out, struct bc_tlog_auditor **wp,
    struct bc_err *err)
{
	struct bc_checkpoint_row *rows = NULL;
	struct bc_signed_checkpoint sc;
	struct bc_err e = { 0 };
	char origin[BC_ORIGIN_MAX + 1];
	struct bc_tlog_auditor *w;
	size_t nrows = 0, i;
	int r;

	*wp = NULL;
	memset(out, 0, sizeof(*out));
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	w->store.arg = &w->front;
	w->store.get = front_get;
	w->store.put = front_put;
	w->sstore.arg = &w->sfront;
	w->sstore.get = front_get;
	w->sstore.put = front_put;
	w->sfront.check = w;
	w->cat = cat;
	w->last = -1;
	w->fail = fail;
	w->arg = arg;
	w->err = err;
	w->out = out;
	if ((r = bc_catalog_origin(cat, origin, err)) != 0 ||
	    (r = bc_catalog_log_size(cat, &out->size, err)) != 0 ||
	    (r = bc_catalog_checkpoints(cat, 0, &rows, &nrows, err)) != 0)
		goto out;
	if ((w->w = calloc(nrows + 1, sizeof(*w->w))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nrows; i++) {
		r = bc_tlog_checkpoint_check(kr, origin, rows[i].note,
		    rows[i].note_len, &sc, &e);
		if (r == 0 && (sc.cp.size != rows[i].size ||
		    memcmp(sc.cp.root, rows[i].root, HLEN) != 0)) {
			r = BC_ERR_INTEGRITY;
			snprintf(e.msg, sizeof(e.msg), "its columns differ "
			    "from its signed text");
		}
		if (r == BC_ERR_INTEGRITY || r == BC_ERR_MALFORMED ||
		    r == BC_ERR_TOO_LARGE) {
			if ((r = fail_plain(w, BC_CHECK_CHECKPOINT, "stored "
			    "checkpoint %" PRId64 ": %s", rows[i].id,
			    e.msg)) != 0)
				goto out;
			continue;
		}
		if (r != 0) {
			bc_err_set(err, r, "%s", e.msg);
			goto out;
		}
		w->w[w->nw].size = sc.cp.size;
		memcpy(w->w[w->nw].root, sc.cp.root, HLEN);
		w->w[w->nw].id = rows[i].id;
		w->nw++;
		out->checkpoints++;
	}
	if (against != NULL) {
		w->w[w->nw].size = against->cp.size;
		memcpy(w->w[w->nw].root, against->cp.root, HLEN);
		w->w[w->nw].id = -1;
		w->nw++;
		out->against = 1;
	}
	qsort(w->w, w->nw, sizeof(*w->w), want_cmp);
	/* the empty tree's root needs no leaf */
	for (i = 0; i < w->nw && w->w[i].size == 0; i++) {
		if ((r = bc_merkle_root(&w->store, 0, w->w[i].got, err)) != 0)
			goto out;
		w->w[i].have = 1;
		w->wi = i + 1;
	}
	*wp = w;
	w = NULL;
	r = 0;
 out:
	bc_checkpoints_free(rows, nrows);
	bc_tlog_auditor_free(w);
	return r;
}

int
bc_tlog_audit_step(struct bc_tlog_auditor *w, uint64_t to)
{
	int r;

	if (to <= w->pos)
		return 0;
	/* the records and stored leaves of [pos, to): one walk, in pieces */
	if ((r = bc_catalog_log_walk(w->cat, w->pos, to, walk_leaf, w,
	    w->err)) != 0)
		return r;
	w->pos = to;
	return 0;
}

int
bc_tlog_audit_end(struct bc_tlog_auditor *w)
{
	int r;

	if (w->pos < UINT64_MAX &&
	    (r = bc_tlog_audit_step(w, UINT64_MAX)) != 0)
		return r;
	return walk_finish(w);
}

int
bc_tlog_audit(struct bc_catalog *cat, const struct bc_keyring *kr,
    const struct bc_signed_checkpoint *against, bc_tlog_fail_fn fail,
    void *arg, struct bc_tlog_audit *out, struct bc_err *err)
{
	struct bc_tlog_auditor *w = NULL;
	int r;

	if ((r = bc_tlog_audit_begin(cat, kr, against, fail, arg, out, &w,
	    err)) == 0)
		r = bc_tlog_audit_end(w);
	bc_tlog_auditor_free(w);
	return r;
}
