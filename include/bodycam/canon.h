/*
 * canon.h - canonical JSON (RFC 8785, JCS) for signed documents.
 *
 * Values are jansson trees.  Output is UTF-8 with no insignificant white
 * space, object members sorted by their UTF-16 code units, and the minimal
 * string escaping of ECMAScript JSON.stringify.  Signed documents carry no
 * floating-point numbers: an integer-valued number such as 56.0 is written
 * as 56, any other non-integer number is refused with BC_ERR_FLOAT, and so
 * is an integer outside +/-(2^53 - 1), which other JCS implementations
 * cannot represent exactly.
 */
#ifndef BODYCAM_CANON_H
#define BODYCAM_CANON_H

#include <stddef.h>

#include <jansson.h>

#include "bodycam/error.h"

#define BC_CANON_MAX_INPUT	(16u * 1024 * 1024)	/* bytes */
#define BC_CANON_MAX_DEPTH	64
#define BC_JSON_MAX_SAFE	9007199254740991LL	/* 2^53 - 1 */

/*
 * Serialises v canonically into a new NUL-terminated buffer *out of
 * *outlen bytes (the NUL not counted); the caller frees *out.
 * Returns 0, BC_ERR_FLOAT, BC_ERR_MALFORMED (too deep) or BC_ERR_NOMEM.
 */
int bc_canon_dump(const json_t *v, char **out, size_t *outlen,
    struct bc_err *err);

/*
 * Parses untrusted JSON text strictly: at most BC_CANON_MAX_INPUT bytes,
 * valid UTF-8, no duplicate member names, no NUL in strings, nothing but
 * white space after the value.  *out is a new reference.
 * Returns 0, BC_ERR_TOO_LARGE or BC_ERR_MALFORMED.
 */
int bc_json_parse(const char *text, size_t len, json_t **out,
    struct bc_err *err);

/* bc_json_parse followed by bc_canon_dump. */
int bc_canon_text(const char *text, size_t len, char **out, size_t *outlen,
    struct bc_err *err);

/*
 * Non-zero when text (len bytes) is exactly the canonical form of itself:
 * what a verifier asks of stored or received signed bytes.
 */
int bc_canon_is_canonical(const char *text, size_t len);

/*
 * Reads text that must be exactly canonical JSON (what bc_canon_dump
 * writes) in one pass: the same answer as bc_json_parse followed by a
 * byte comparison with bc_canon_dump, at a fraction of the cost.  *out is
 * a new reference.  Returns 0, BC_ERR_TOO_LARGE, BC_ERR_MALFORMED (naming
 * the byte and the reason) or BC_ERR_NOMEM.
 */
int bc_canon_read(const char *text, size_t len, json_t **out,
    struct bc_err *err);

#endif /* BODYCAM_CANON_H */
