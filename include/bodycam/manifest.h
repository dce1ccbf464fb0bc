/*
 * manifest.h - the signed documents of bodycam: the manifest sealed at
 * registration and the custody event, both canonical JSON (canon.h) signed
 * with Ed25519 (sign.h).  Their formats are in README.md ("Manifest").
 */
#ifndef BODYCAM_MANIFEST_H
#define BODYCAM_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"
#include "bodycam/sign.h"

#define BC_MANIFEST_TYPE	"bodycam.manifest"
#define BC_EVENT_TYPE		"bodycam.event"
/*
 * Version 2 records name their log ("log": the origin of the catalog's
 * transparency log), so that a record signed for one catalog cannot be
 * replayed into another; this program writes only those.  Version 1
 * records name none: they stay valid, and are reported as unbound.
 */
#define BC_DOC_VERSION		2
#define BC_DOC_VERSION_UNBOUND	1
#define BC_FIELD_MAX		256	/* bytes of an operator field */
#define BC_TAG_MAX		64	/* bytes of one tag */
#define BC_TAGS_MAX		32	/* tags on one item */

/* What the operator says about a file at registration. */
struct bc_operator_fields {
	const char		*officer;
	const char		*device;
	const char		*case_no;
	const char		*category;
	const char *const	*tags;
	size_t			 ntags;
};

/* What a derived item's manifest says of its parent ("derived"). */
struct bc_derived {
	const char	*from;		/* the parent's id, "BWC-000001" */
	const char	*manifest;	/* the parent's manifest hash */
	const char	*sha256;	/* the parent's file hash */
	const char	*reason;	/* why it was derived */
};

/* Everything a manifest seals. */
struct bc_manifest_in {
	const char			*id;		/* "BWC-000001" */
	const char			*file_name;	/* base name; bytes
							   that are not UTF-8
							   go to name_bytes
							   (text.h) */
	uint64_t			 size;
	const char			*sha256;	/* hex */
	const char			*mime;
	const struct bc_operator_fields	*op;
	const char			*registered_at;	/* RFC 3339 */
	const char			*station;
	const char			*key_id;
	const char			*log;		/* the origin, or NULL
							   for version 1 */
	const struct bc_derived		*derived;	/* or NULL */
	const json_t			*meta;		/* bc_meta_extract's
							   object, or NULL */
	const json_t			*sidecar;	/* the "sidecar" object
							   to seal, or NULL */
};

/* A signed document: canonical bytes, their hash and signature. */
struct bc_signed {
	char	*text;				/* canonical JSON, NUL-ended */
	size_t	 len;
	char	 hash[BC_SHA256_HEX];		/* SHA-256 of text */
	uint8_t	 sig[BC_ED25519_SIGLEN];
};

/*
 * Checks one operator field named name (for messages): NULL, or a
 * non-empty string of at most max bytes that bc_text_check accepts
 * (valid UTF-8 without control characters, bidi controls or line
 * separators).  Returns 0 or BC_ERR_INVALID; when name is a field's
 * name (lower-case letters and '_', as the API's requests name it:
 * "reason"), not a phrase ("a tag"), err->field is set to it.
 */
int bc_field_check(const char *name, const char *v, size_t max,
    struct bc_err *err);

/*
 * Checks operator fields with bc_field_check: valid UTF-8, within the
 * size caps, no control characters, bidi controls or line separators.
 * Returns 0 or BC_ERR_INVALID with the field named in err.
 */
int bc_operator_fields_check(const struct bc_operator_fields *op,
    struct bc_err *err);

/* Builds the manifest object; *out is a new reference. */
int bc_manifest_build(const struct bc_manifest_in *in, json_t **out,
    struct bc_err *err);

/*
 * Canonicalises doc, hashes and signs it with key into *out (whose text
 * the caller frees with bc_signed_clear).
 */
int bc_doc_seal(const json_t *doc, const struct bc_key *key,
    struct bc_signed *out, struct bc_err *err);

void bc_signed_clear(struct bc_signed *s);

/*
 * Builds a custody event bound to log (an origin; NULL builds an unbound
 * version 1 event, as older catalogs hold).  details may be NULL (an empty
 * object is used); the event takes its own reference to details.
 */
int bc_event_build(const char *item, int64_t seq, const char *prev,
    const char *action, const char *actor, const char *at,
    json_t *details, const char *key_id, const char *log, json_t **out,
    struct bc_err *err);

/*
 * Sets doc's version and log: version 2 naming log, or, with log NULL,
 * version 1 naming none.  0 or BC_ERR_NOMEM.
 */
int bc_doc_set_log(json_t *doc, const char *log);

/*
 * Reads a stored signed document: text must be exactly canonical JSON of
 * an object whose "type" is type, and either "version" 2 with a "log"
 * (a non-empty string of at most BC_ORIGIN_MAX bytes) or "version" 1
 * without one.  *out is a new reference.  BC_ERR_MALFORMED otherwise.
 */
int bc_doc_parse(const char *text, size_t len, const char *type,
    json_t **out, struct bc_err *err);

/* The log a parsed record names, or NULL for an unbound version 1 one. */
const char *bc_doc_log(const json_t *doc);

/*
 * Whether a parsed record at log position leaf belongs to the log named
 * origin: 0 when it names origin; 1 when it is an unbound version 1
 * record before bound_from (the first bound record's leaf; -1 when the
 * log holds none), which is valid but proves no log; BC_ERR_INTEGRITY with
 * why when it names another log (replayed from another catalog) or is
 * unbound at or after bound_from (an old record replayed after the log
 * began to bind its records).
 */
int bc_doc_log_check(const json_t *doc, const char *origin, int64_t leaf,
    int64_t bound_from, struct bc_err *why);

/* A string member at a dotted path ("file.sha256"), or NULL. */
const char *bc_doc_str(const json_t *doc, const char *path);

/* An integer member at a dotted path; BC_ERR_NOT_FOUND when absent. */
int bc_doc_int(const json_t *doc, const char *path, int64_t *out);

#endif /* BODYCAM_MANIFEST_H */
