/*
 * catalog.h - the catalog store.  All SQL in bodycam lives behind this
 * interface (bodycam/catalog.c is the only file that includes sqlite3.h),
 * so that another engine can be put behind it without touching
 * registration, custody or verification.
 *
 * The catalog is not trusted by verification: it stores signed canonical
 * bytes and their signatures, and every check recomputes from those.  Rows
 * that hold signed data are append-only (triggers refuse UPDATE and DELETE).
 */
#ifndef BODYCAM_CATALOG_H
#define BODYCAM_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"
#include "bodycam/manifest.h"
#include "bodycam/merkle.h"
#include "bodycam/note.h"
#include "bodycam/sign.h"
#include "bodycam/util.h"

#define BC_CATALOG_SCHEMA	8	/* user_version this program writes */
#define BC_CATALOG_APP_ID	0x42434d31	/* PRAGMA application_id 'BCM1' */
#define BC_ITEM_ID_MAX		32
#define BC_ITEM_PREFIX_MIN	8	/* hex digits of a hash prefix */

struct bc_catalog;

/* One registered file, as stored. */
struct bc_item {
	int64_t	 num;				/* 1, 2, ... */
	char	 id[BC_ITEM_ID_MAX];		/* "BWC-000001" */
	char	 sha256[BC_SHA256_HEX];		/* of the file */
	int64_t	 size;
	char	*path;				/* where it was registered */
	char	*manifest;			/* canonical JSON */
	size_t	 manifest_len;
	char	 manifest_hash[BC_SHA256_HEX];	/* as stored, not trusted */
	uint8_t	*sig;
	size_t	 siglen;
	char	 key[BC_KEYID_HEX];		/* signer key id, as stored */
	char	*registered;			/* RFC 3339, as stored */
	int64_t	 leaf;				/* log index; -1: none */
	char	*view;				/* bc_catalog_list only: the
						   stored current view, or
						   NULL (annotate.h) */
};

/* One custody event, as stored. */
struct bc_event {
	int64_t	 rowid;
	char	 item[BC_SHA256_HEX];		/* manifest hash */
	int64_t	 seq;
	char	 hash[BC_SHA256_HEX];		/* as stored, not trusted */
	char	*body;				/* canonical JSON */
	size_t	 body_len;
	uint8_t	*sig;
	size_t	 siglen;
	char	 key[BC_KEYID_HEX];
	int64_t	 leaf;				/* log index; -1: none */
};

/* One key document (keys.h), as stored. */
struct bc_keydoc {
	int64_t	 seq;
	char	 hash[BC_SHA256_HEX];		/* as stored, not trusted */
	char	 key[BC_KEYID_HEX];		/* subject key id */
	char	*body;				/* canonical JSON */
	size_t	 body_len;
	uint8_t	*sig;
	size_t	 siglen;
	char	 signer[BC_KEYID_HEX];
	int64_t	 leaf;				/* log index; -1: none */
};

/*
 * A signed record kept whole in a table of its own: a release statement
 * (bundle.h) or a retention policy (retention.h), as stored.
 */
struct bc_record_row {
	int64_t		 id;			/* 1, 2, ... (a policy's
						   seq) */
	char		 hash[BC_SHA256_HEX];	/* of body */
	const char	*body;			/* canonical JSON */
	size_t		 body_len;
	const uint8_t	*sig;
	size_t		 siglen;
	char		 key[BC_KEYID_HEX];	/* signer key id */
	int64_t		 leaf;			/* log index */
};

/*
 * Calls fn for every stored release statement, in id order, with a row
 * lent for the call.  Returns 0, fn's error, or a catalog error.
 */
int bc_catalog_releases(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err);

/* The same for every stored retention policy, in seq order. */
int bc_catalog_policies(struct bc_catalog *cat,
    int (*fn)(void *arg, const struct bc_record_row *row), void *arg,
    struct bc_err *err);

/* Filters of bc_catalog_list; NULL members match everything. */
/*
 * What list selects.  Officer and device compare without regard to the
 * case of ASCII letters; case, category and tag are of the current view
 * (the manifest with its annotations, annotate.h) and compare exactly.
 */
struct bc_list_filter {
	const char	*officer;
	const char	*device;
	const char	*case_no;
	const char	*category;
	const char	*tag;
	const char	*since;		/* registration time, RFC 3339 UTC */
	const char	*until;
};

/*
 * Creates a new catalog at path with admin as its trust anchor, whose
 * transparency log is named origin (NULL: bc_default_origin).  Refuses an
 * existing file (BC_ERR_EXISTS) and a bad origin (BC_ERR_INVALID).  *out
 * is open on success.
 */
int bc_catalog_create(const char *path, const struct bc_key *admin,
    const char *origin, struct bc_catalog **out, struct bc_err *err);

/*
 * Opens an existing catalog, applying pending migrations.  BC_ERR_NOT_FOUND
 * when path does not exist, BC_ERR_NOT_CATALOG for any other file,
 * BC_ERR_SCHEMA when it was written by a newer bodycam.
 */
int bc_catalog_open(const char *path, struct bc_catalog **out,
    struct bc_err *err);

#define BC_CATALOG_READ_ONLY	0x01	/* never write, never upgrade */

/*
 * bc_catalog_open with flags.  BC_CATALOG_READ_ONLY opens the database
 * read-only (SQLITE_OPEN_READONLY): nothing is written, no migration, no
 * journal mode or other setting stored, so that a copy the user may only
 * read, or a read-only mount, can be listed, shown, verified and audited.
 * Where the WAL's -shm file cannot be made (a directory that cannot be
 * written) and no -wal file with changes exists, the file is read as
 * immutable.  A catalog that needs a migration is refused with
 * BC_ERR_SCHEMA (a writer must upgrade it), and bc_catalog_begin with
 * BC_ERR_INTERNAL.
 */
int bc_catalog_open_flags(const char *path, int flags,
    struct bc_catalog **out, struct bc_err *err);

/* Non-zero when cat was opened with BC_CATALOG_READ_ONLY. */
int bc_catalog_read_only(const struct bc_catalog *cat);

/*
 * The catalog's name for messages: its path, or its URI with any password
 * replaced by "***" (a password is never printed).
 */
const char *bc_catalog_name(const struct bc_catalog *cat);

/*
 * The same for a catalog argument not opened: a new string the caller
 * frees, or NULL when out of memory.
 */
char *bc_catalog_redact(const char *path);

/* Closes; accepts NULL. */
void bc_catalog_close(struct bc_catalog *cat);

/*
 * What bc_catalog_copy copied: the rows of each table (in the order
 * copied; name is static), and the log's size and root, and the number
 * of stored checkpoints, each found identical in the copy.
 */
#define BC_COPY_TABLES_MAX	16

struct bc_copy_stats {
	size_t		 ntables;
	struct {
		const char	*name;
		int64_t		 rows;
	}		 table[BC_COPY_TABLES_MAX];
	uint64_t	 log_size;
	uint8_t		 root[BC_SHA256_LEN];
	int64_t		 checkpoints;
};

/*
 * Copies the catalog src, which must be at BC_CATALOG_SCHEMA (else
 * BC_ERR_SCHEMA: 'bodycam upgrade' it first) and may be read-only, into
 * a new catalog dest of either engine (a file, or a postgresql:// URI of
 * a database with no catalog): every row of every table as stored, ids,
 * leaf indexes, signatures and times included, read from one snapshot
 * of src and written in one transaction.  Before committing, the copy is
 * read back and held to src: each table's row count and values, the
 * log's size and root, every stored checkpoint; a difference is
 * BC_ERR_INTEGRITY.  A destination that exists or holds a catalog is
 * refused (BC_ERR_EXISTS) and left alone; after any other failure no
 * catalog is left at dest (a new file is removed, a database's tables
 * rolled back).  A file is written under a name of its own beside dest
 * (dest.migrating-PID) and linked to dest when complete, so that a copy
 * cut short leaves no catalog at dest either.  *stats is filled on
 * success.
 */
int bc_catalog_copy(struct bc_catalog *src, const char *dest,
    struct bc_copy_stats *stats, struct bc_err *err);

/* The catalog's schema version (PRAGMA user_version). */
int bc_catalog_schema(struct bc_catalog *cat, int *version);

/* The admin public key recorded at init; caller frees *out. */
int bc_catalog_admin_key(struct bc_catalog *cat, struct bc_key **out,
    struct bc_err *err);

/*
 * Write transactions.  bc_catalog_begin takes the write lock at once
 * (BEGIN IMMEDIATE), waiting for other writers up to the busy timeout, so
 * that what is read inside (the next item number, a chain head) cannot
 * change before commit.  Every write happens between begin and commit.
 */
int bc_catalog_begin(struct bc_catalog *cat, struct bc_err *err);
int bc_catalog_commit(struct bc_catalog *cat, struct bc_err *err);
void bc_catalog_rollback(struct bc_catalog *cat);

/*
 * A read transaction: everything read until bc_catalog_rollback comes
 * from one snapshot, however other processes write meanwhile.
 */
int bc_catalog_snapshot(struct bc_catalog *cat, struct bc_err *err);

/*
 * Savepoints inside a write transaction (one level): everything written
 * since bc_catalog_savepoint is kept by _release or undone by _rollback.
 */
int bc_catalog_savepoint(struct bc_catalog *cat, struct bc_err *err);
int bc_catalog_savepoint_release(struct bc_catalog *cat, struct bc_err *err);
int bc_catalog_savepoint_rollback(struct bc_catalog *cat, struct bc_err *err);
/* _release then a new savepoint, in one step. */
int bc_catalog_savepoint_next(struct bc_catalog *cat, struct bc_err *err);

/*
 * A batched write transaction, for the service's group commit of custody
 * events (writer.h): a write transaction (the write lock held from its
 * start) whose events and log nodes wait in memory and are written at
 * bc_catalog_commit, a few multi-row statements for all; what it reads
 * back (the log's size and newest record, a chain's head) includes them.
 * Any other write, or a chain read back whole after an event was added
 * to it, answers BC_ERR_AGAIN, as does the commit then, or when the rows
 * cannot be written: roll back and do it all again in an ordinary
 * transaction.  Savepoints mark and undo a job that wrote nothing; one
 * that wrote and failed spoils the batch.  Only where
 * bc_catalog_can_batch (PostgreSQL, where each statement is a round
 * trip; SQLite gains nothing from it).
 */
int bc_catalog_can_batch(const struct bc_catalog *cat);
int bc_catalog_begin_batched(struct bc_catalog *cat, struct bc_err *err);

/*
 * For a writer's own connection (writer.h): bc_catalog_find_item by id
 * answers from what it read before (an item's row is append-only), a
 * round trip less an event.  Never on a connection that verifies or
 * shows items: it would not see a row edited since.
 */
void bc_catalog_keep_items(struct bc_catalog *cat);

/*
 * The last stored event of the item whose manifest hash is item: its seq
 * and its stored hash; *seq is -1 when the item has no events.
 */
int bc_catalog_event_head(struct bc_catalog *cat, const char *item,
    int64_t *seq, char hash[BC_SHA256_HEX], struct bc_err *err);

/* The last key document's seq and stored hash; *seq -1 when none. */
int bc_catalog_keydoc_head(struct bc_catalog *cat, int64_t *seq,
    char hash[BC_SHA256_HEX], struct bc_err *err);

/* The number the next item will get (inside a transaction). */
int bc_catalog_next_item_num(struct bc_catalog *cat, int64_t *num,
    struct bc_err *err);

/*
 * Appending a signed record (an item's manifest, an event, a key
 * document, a release statement) also appends its canonical bytes as the next leaf of the
 * transparency log, in the same transaction: the leaf index is stored with
 * the record, and the leaf's hash and the subtree hashes it completes go to
 * the log's node store.  The leaf member of the record passed is ignored.
 */

/* Appends an item row (inside a transaction). */
int bc_catalog_add_item(struct bc_catalog *cat, const struct bc_item *it,
    struct bc_err *err);

/* Appends an event row (inside a transaction). */
int bc_catalog_add_event(struct bc_catalog *cat, const struct bc_event *ev,
    struct bc_err *err);

/*
 * Finds an item by its id ("BWC-000123", case-insensitive) or by a prefix of
 * at least BC_ITEM_PREFIX_MIN hex digits of the file's SHA-256.
 * BC_ERR_NOT_FOUND, or BC_ERR_AMBIGUOUS with the candidates in err.
 * *out is freed with bc_item_free.
 */
int bc_catalog_find_item(struct bc_catalog *cat, const char *ref,
    struct bc_item **out, struct bc_err *err);

/* Finds the item whose file hash is sha256 (hex); BC_ERR_NOT_FOUND. */
int bc_catalog_find_by_sha256(struct bc_catalog *cat, const char *sha256,
    struct bc_item **out, struct bc_err *err);

/* Finds the item whose stored manifest hash is hash; BC_ERR_NOT_FOUND. */
int bc_catalog_find_by_manifest(struct bc_catalog *cat, const char *hash,
    struct bc_item **out, struct bc_err *err);

/*
 * The events of the item whose manifest hash is item, ordered by seq.
 * *out is an array of *n events, freed with bc_events_free.
 */
int bc_catalog_events(struct bc_catalog *cat, const char *item,
    struct bc_event **out, size_t *n, struct bc_err *err);

/* The same for the events with seq >= from, at most limit (-1: all). */
int bc_catalog_events_range(struct bc_catalog *cat, const char *item,
    int64_t from, int64_t limit, struct bc_event **out, size_t *n,
    struct bc_err *err);

/*
 * Calls fn for each item matching f, in registration order; a non-zero
 * return from fn stops the walk and is returned.  Filters read the sealed
 * manifest text (SQLite JSON functions), never a separate column.
 */
int bc_catalog_list(struct bc_catalog *cat, const struct bc_list_filter *f,
    int (*fn)(void *arg, const struct bc_item *it), void *arg,
    struct bc_err *err);

/*
 * Calls fn for every item in registration order, handing it over: fn
 * frees it (bc_item_free) or keeps it.  A non-zero return stops the walk.
 */
int bc_catalog_walk(struct bc_catalog *cat,
    int (*fn)(void *arg, struct bc_item *it), void *arg, struct bc_err *err);

/* The number of item rows and event rows. */
int bc_catalog_count(struct bc_catalog *cat, int64_t *items,
    int64_t *events, struct bc_err *err);

/* Calls fn for every event row whose item is in no item row. */
int bc_catalog_orphan_events(struct bc_catalog *cat,
    int (*fn)(void *arg, const char *item, int64_t seq), void *arg,
    struct bc_err *err);

/* Appends a key document row (inside a transaction). */
int bc_catalog_add_keydoc(struct bc_catalog *cat, const struct bc_keydoc *d,
    struct bc_err *err);

/* All key documents ordered by seq; free with bc_keydocs_free. */
int bc_catalog_keydocs(struct bc_catalog *cat, struct bc_keydoc **out,
    size_t *n, struct bc_err *err);

void bc_keydocs_free(struct bc_keydoc *d, size_t n);

/*
 * Appends a release statement row (inside a transaction), its body as
 * the next leaf of the log; sets row->id and row->leaf.
 */
int bc_catalog_add_release(struct bc_catalog *cat,
    struct bc_record_row *row, struct bc_err *err);

/*
 * Appends a retention policy row (inside a transaction) as policy
 * row->id, its body as the next leaf of the log; sets row->leaf.
 */
int bc_catalog_add_policy(struct bc_catalog *cat,
    struct bc_record_row *row, struct bc_err *err);

/*
 * The managed storage root (storage.h): an absolute, resolved directory,
 * set once (a meta row, append-only like the rest).  bc_catalog_storage
 * gives "" when none is set.  bc_catalog_set_storage resolves dir, which
 * must be a directory, and returns BC_ERR_EXISTS when a root is set.
 */
int bc_catalog_storage(struct bc_catalog *cat, char *out, size_t outsz,
    struct bc_err *err);
int bc_catalog_set_storage(struct bc_catalog *cat, const char *dir,
    struct bc_err *err);

/*
 * The transparency log.
 */

/* The log's origin, as recorded at init (or at the upgrade to schema 3). */
int bc_catalog_origin(struct bc_catalog *cat, char out[BC_ORIGIN_MAX + 1],
    struct bc_err *err);

/*
 * The number of records that hold a leaf of the log: as many as the log
 * has leaves, unless a record was deleted (or a leaf appended by hand).
 */
int bc_catalog_log_records(struct bc_catalog *cat, int64_t *n,
    struct bc_err *err);

/* The number of leaves in the log. */
int bc_catalog_log_size(struct bc_catalog *cat, uint64_t *size,
    struct bc_err *err);

/*
 * Fills *store with the catalog's node store, for roots and proofs
 * (merkle.h); valid while cat is open.  Its put works only inside a write
 * transaction: records are appended with their leaves by the add
 * functions above, and nothing else should put; tests and benchmarks use
 * it on scratch catalogs.
 */
void bc_catalog_log_store(struct bc_catalog *cat,
    struct bc_merkle_store *store);

/*
 * Reads the stored nodes of one level of the log in index order, for the
 * audit that holds each of them to the tree recomputed from its leaves.
 * next gives 0 and the next node, BC_ERR_NOT_FOUND past the last, or
 * BC_ERR_DB; a node whose hash is not 32 bytes comes with *bad set.
 */
struct bc_node_reader;

int bc_catalog_nodes_open(struct bc_catalog *cat, unsigned level,
    struct bc_node_reader **out, struct bc_err *err);
int bc_catalog_nodes_next(struct bc_node_reader *r, uint64_t *index,
    uint8_t hash[BC_SHA256_LEN], int *bad);
void bc_catalog_nodes_close(struct bc_node_reader *r);

/*
 * Copies the n stored nodes (level, from) ... (level, from + n - 1) into
 * out (n * BC_SHA256_LEN bytes), for the log's tiles (tiles.h).  Returns
 * 0, BC_ERR_INTEGRITY when one of them is not stored or not a hash (the
 * tree is incomplete or was edited), BC_ERR_INVALID (n over 256 or past
 * the largest index) or BC_ERR_DB.
 */
int bc_catalog_log_nodes(struct bc_catalog *cat, unsigned level,
    uint64_t from, size_t n, uint8_t *out, struct bc_err *err);

/* Kinds of record a leaf holds. */
enum bc_leaf_kind {
	BC_LEAF_NONE = 0,	/* a stored leaf with no record */
	BC_LEAF_MANIFEST,
	BC_LEAF_EVENT,
	BC_LEAF_KEYDOC,
	BC_LEAF_RELEASE,	/* a release statement */
	BC_LEAF_POLICY		/* a retention policy */
};

/* One leaf of the log and the record stored with it, lent to a callback. */
struct bc_leaf {
	int64_t			 index;	/* -1: a record stored without one */
	int			 has_hash;	/* a node (0, index) is stored */
	uint8_t			 hash[BC_SHA256_LEN];	/* as stored */
	enum bc_leaf_kind	 kind;
	const char		*item;	/* item id (manifests, events; "" when
					 * the event's item is gone), subject
					 * key id (key documents), "" (release
					 * statements, policies) */
	int64_t			 seq;	/* event, key document or policy seq,
					 * release id; 0 */
	const char		*data;	/* the record's canonical bytes */
	size_t			 len;
};

/*
 * Calls fn for each leaf index in [from, to) in order, pairing the stored
 * leaf hash with the record that claims the index: a record whose index
 * has no stored hash, and a stored hash no record claims, are reported
 * too (has_hash 0, or kind BC_LEAF_NONE).  Two records claiming one index
 * are each reported.  When from is 0, records stored with no leaf index
 * come first, with index -1.  A non-zero return from fn stops the walk
 * and is returned.
 */
int bc_catalog_log_walk(struct bc_catalog *cat, uint64_t from, uint64_t to,
    int (*fn)(void *arg, const struct bc_leaf *leaf), void *arg,
    struct bc_err *err);

/*
 * The newest leaf, when the current write transaction appended it: its
 * index, kind and record bytes (item "", seq 0, no hash), lent until the
 * next write or the transaction's end, without reading the catalog.
 * Returns 0, or BC_ERR_NOT_FOUND when it must be read (bc_catalog_log_walk).
 */
int bc_catalog_log_last(struct bc_catalog *cat, struct bc_leaf *leaf);

/* A signed checkpoint as stored. */
struct bc_checkpoint_row {
	int64_t	 id;
	uint64_t size;
	uint8_t	 root[BC_SHA256_LEN];
	char	 key[BC_KEYID_HEX];	/* signer, as stored */
	char	 created[40];		/* RFC 3339 */
	char	*note;			/* the signed note */
	size_t	 note_len;
};

/* Stores a checkpoint (inside a transaction); sets row->id. */
int bc_catalog_add_checkpoint(struct bc_catalog *cat,
    struct bc_checkpoint_row *row, struct bc_err *err);

/*
 * All stored checkpoints, oldest first; free with bc_checkpoints_free.
 * With latest_only, at most the newest one.
 */
int bc_catalog_checkpoints(struct bc_catalog *cat, int latest_only,
    struct bc_checkpoint_row **out, size_t *n, struct bc_err *err);

void bc_checkpoints_free(struct bc_checkpoint_row *rows, size_t n);

/*
 * Witness cosignatures of stored checkpoints (schema 8).  The caller has
 * checked the line (a note signature line, newline included) as the
 * cosignature of name's key, whose cosigner key id is keyid (8 hex
 * digits), made at POSIX time.  Inside a transaction; one per witness key
 * and checkpoint: BC_ERR_EXISTS for a second.
 */
int bc_catalog_add_cosignature(struct bc_catalog *cat, int64_t checkpoint,
    const char *name, const char *keyid, uint64_t time, const char *line,
    size_t linelen, struct bc_err *err);

/*
 * The stored cosignature lines of a checkpoint, in the order stored, in
 * *lines (*len bytes, NUL-terminated, "" for none; the caller frees it).
 * They are not checked here.
 */
int bc_catalog_cosignatures(struct bc_catalog *cat, int64_t checkpoint,
    char **lines, size_t *len, struct bc_err *err);

/* The size of the largest checkpoint with a cosignature by name/keyid. */
int bc_catalog_cosigned_size(struct bc_catalog *cat, const char *name,
    const char *keyid, uint64_t *size, struct bc_err *err);

/*
 * Bearer tokens of the HTTP service (token.h).  A row holds the token's
 * SHA-256, never the token.  Rows are never deleted, and change once:
 * when the token is revoked.  At most one active token has a given name.
 */
#define BC_TOKEN_ROW_NAME	65	/* a name of at most 64 bytes, NUL */

struct bc_token_row {
	int64_t	 id;
	char	 name[BC_TOKEN_ROW_NAME];
	int	 role;				/* one BC_ROLE_* bit */
	char	 hash[BC_SHA256_HEX];		/* of the token string */
	char	 created[BC_TIME_MAX];		/* RFC 3339 UTC */
	char	 created_by[BC_KEYID_HEX];	/* the admin's key id */
	char	 revoked[BC_TIME_MAX];		/* "" while active */
};

/*
 * Stores a new, active token (inside a transaction); revoked and id are
 * ignored, and row->id is set.  BC_ERR_EXISTS when an active token has
 * that name or any token that hash.
 */
int bc_catalog_add_token(struct bc_catalog *cat, struct bc_token_row *row,
    struct bc_err *err);

/*
 * The token whose hash is hash (64 lower-case hex digits), active or
 * revoked, into *out.  BC_ERR_NOT_FOUND when there is none; err never
 * holds the hash.
 */
int bc_catalog_find_token(struct bc_catalog *cat, const char *hash,
    struct bc_token_row *out, struct bc_err *err);

/*
 * Marks the active token named name revoked at time at (inside a
 * transaction).  BC_ERR_NOT_FOUND when no active token has that name.
 */
int bc_catalog_revoke_token(struct bc_catalog *cat, const char *name,
    const char *at, struct bc_err *err);

/*
 * Every token, active and revoked, in the order they were created:
 * *out is an array of *n rows, freed with free().
 */
int bc_catalog_tokens(struct bc_catalog *cat, struct bc_token_row **out,
    size_t *n, struct bc_err *err);

void bc_item_free(struct bc_item *it);
void bc_events_free(struct bc_event *ev, size_t n);

/*
 * The current view of an annotated item (annotate.h: bc_view_json, in
 * canonical JSON) as of its event seq, replacing an earlier one; inside a
 * write transaction.  Derived data: verify never reads it, audit checks
 * it against the chain.
 */
int bc_catalog_put_view(struct bc_catalog *cat, const char *item,
    int64_t seq, const char *view, size_t len, struct bc_err *err);

/* The stored view of item and its seq; *view NULL (seq -1) when none. */
int bc_catalog_get_view(struct bc_catalog *cat, const char *item,
    int64_t *seq, char **view, struct bc_err *err);

/*
 * What retention needs of an item (retention.h), one narrow row each, so
 * that what is due is one scan of a small table: its id, the start of
 * its retention (from its sealed manifest), its current case and
 * category (the manifest with its annotations), and its hold and purge
 * status (custody.h: held, purged, media).  Derived like the view:
 * written at registration and in the transaction of each event that
 * changes it, never trusted for a purge, checked by verify and audit.
 */
struct bc_status {
	int64_t	 num;				/* the item's number */
	char	 item[BC_SHA256_HEX];		/* its manifest hash */
	char	 id[BC_ITEM_ID_MAX];
	int64_t	 seq;				/* the event that last changed
						   it; 0: the registration;
						   -1: none stored */
	char	 start[BC_TIME_MAX];		/* as sealed */
	char	 start_from[12];		/* "capture", "registered" */
	char	 category[BC_FIELD_MAX + 1];	/* current; "" for none */
	char	 case_no[BC_FIELD_MAX + 1];	/* current; "" for none */
	int	 held;
	int	 purged;
	char	 media[16];	/* the last media note's fate, or "" */
};

/*
 * The start of an item's retention: its sealed capture time taken when
 * there is one that bc_time_parse reads and that is not after its
 * registration time registered (a camera clock ahead is wrong), else
 * registered.  Into s->start and s->start_from.
 */
void bc_status_start(const char *taken, const char *registered,
    struct bc_status *s);

/* Stores s (inside a write transaction), replacing the item's row. */
int bc_catalog_put_status(struct bc_catalog *cat, const struct bc_status *s,
    struct bc_err *err);

/* The stored row of item (a manifest hash); s->seq -1 when none. */
int bc_catalog_get_status(struct bc_catalog *cat, const char *item,
    struct bc_status *s, struct bc_err *err);

/*
 * Calls fn for every stored row in item number order; with unfinished
 * set, only for items not purged and those purged whose media no note
 * has recorded as destroyed or absent.  The row is lent for the call.
 */
int bc_catalog_retention_scan(struct bc_catalog *cat, int unfinished,
    int (*fn)(void *arg, const struct bc_status *row), void *arg,
    struct bc_err *err);

#endif /* BODYCAM_CATALOG_H */
