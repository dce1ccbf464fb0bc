/*
 * register.h - registering a file: hash it, seal its manifest, record the
 * signed genesis custody event, all in one catalog transaction.
 */
#ifndef BODYCAM_REGISTER_H
#define BODYCAM_REGISTER_H

#include <stdint.h>

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/manifest.h"

struct bc_register_opts {
	struct bc_operator_fields	 op;
	const char			*actor;	/* NULL: the OS user name */
	const char			*sidecar; /* vendor JSON, or NULL */
	int				 verbose; /* library logs through */
	bc_progress_fn			 progress;
	void				*progress_arg;
	const char			*copy_to; /* storage root: copy the
						     file in (storage.h) */
	int				 move;	/* with copy_to: remove the
						   source once registered */
};

struct bc_register_result {
	char		id[BC_ITEM_ID_MAX];
	char		sha256[BC_SHA256_HEX];
	uint64_t	size;
	char		manifest_hash[BC_SHA256_HEX];
	char		mime[64];
	char		existing[BC_ITEM_ID_MAX];	/* on BC_ERR_EXISTS */
	char		warnings[1024];	/* sealed metadata warnings, one
					   per line ("" when none) */
	char		path[4096];	/* where the file is recorded */
	char		note[1024];	/* after success, what went wrong
					   (--move: source not removed) */
};

#define BC_SIDECAR_MAX	(1024 * 1024)	/* bytes of a sidecar file */

/*
 * Reads a vendor sidecar (a JSON object, at most BC_SIDECAR_MAX bytes) into
 * the "sidecar" object a manifest seals: {name, sha256, size, fields},
 * fields holding its top-level string members; other members are left
 * out with a warning appended to warnings.  Fills op's officer and device
 * from the sidecar's when op has none.  *out is a new reference.
 */
int bc_sidecar_read(const char *path, json_t *warnings,
    struct bc_operator_fields *op, json_t **out, struct bc_err *err);

/*
 * Registers the file at path, signed by key (which must be a signer the
 * catalog accepts: in this version, its admin key).  Returns 0, or
 * BC_ERR_EXISTS when the same content is already registered (res->existing
 * names the item), or any error of hashing, signing or the catalog.
 * Nothing is written unless everything is.  With opts->copy_to the file
 * is first copied into that storage root and verified there
 * (bc_storage_copy); the copy is what is registered, and it is left in
 * storage only when the registration committed.
 */
int bc_register(struct bc_catalog *cat, const struct bc_key *key,
    const char *path, const struct bc_register_opts *opts,
    struct bc_register_result *res, struct bc_err *err);

#endif /* BODYCAM_REGISTER_H */
