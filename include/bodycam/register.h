/*
 * register.h - registering a file: hash it, seal its manifest, record the
 * signed genesis custody event, all in one catalog transaction.
 */
#ifndef BODYCAM_REGISTER_H
#define BODYCAM_REGISTER_H

#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/manifest.h"

struct bc_register_opts {
	struct bc_operator_fields	 op;
	const char			*actor;	/* NULL: the OS user name */
	bc_progress_fn			 progress;
	void				*progress_arg;
};

struct bc_register_result {
	char		id[BC_ITEM_ID_MAX];
	char		sha256[BC_SHA256_HEX];
	uint64_t	size;
	char		manifest_hash[BC_SHA256_HEX];
	char		mime[64];
	char		existing[BC_ITEM_ID_MAX];	/* on BC_ERR_EXISTS */
};

/*
 * Registers the file at path, signed by key (which must be a signer the
 * catalog accepts: in this version, its admin key).  Returns 0, or
 * BC_ERR_EXISTS when the same content is already registered (res->existing
 * names the item), or any error of hashing, signing or the catalog.
 * Nothing is written unless everything is.
 */
int bc_register(struct bc_catalog *cat, const struct bc_key *key,
    const char *path, const struct bc_register_opts *opts,
    struct bc_register_result *res, struct bc_err *err);

#endif /* BODYCAM_REGISTER_H */
