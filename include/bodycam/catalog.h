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
#include "bodycam/sign.h"

#define BC_CATALOG_SCHEMA	2	/* user_version this program writes */
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
};

/* Filters of bc_catalog_list; NULL members match everything. */
struct bc_list_filter {
	const char	*officer;
	const char	*device;
	const char	*case_no;
	const char	*since;		/* registration time, RFC 3339 UTC */
	const char	*until;
};

/*
 * Creates a new catalog at path with admin as its trust anchor.  Refuses an
 * existing file (BC_ERR_EXISTS).  *out is open on success.
 */
int bc_catalog_create(const char *path, const struct bc_key *admin,
    struct bc_catalog **out, struct bc_err *err);

/*
 * Opens an existing catalog, applying pending migrations.  BC_ERR_NOT_FOUND
 * when path does not exist, BC_ERR_NOT_CATALOG for any other file,
 * BC_ERR_SCHEMA when it was written by a newer bodycam.
 */
int bc_catalog_open(const char *path, struct bc_catalog **out,
    struct bc_err *err);

/* Closes; accepts NULL. */
void bc_catalog_close(struct bc_catalog *cat);

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

/* The number the next item will get (inside a transaction). */
int bc_catalog_next_item_num(struct bc_catalog *cat, int64_t *num,
    struct bc_err *err);

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

void bc_item_free(struct bc_item *it);
void bc_events_free(struct bc_event *ev, size_t n);

#endif /* BODYCAM_CATALOG_H */
