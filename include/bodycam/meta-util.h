/*
 * meta-util.h - the string helpers the metadata readers share: warnings,
 * cleaned strings, ISO 6709 locations.  Used by the readers in the
 * helper bodycam-parse (meta-exif.c, meta-av.c, meta-parse.c) and by
 * bodycam's side (meta.c, register.c); they depend on nothing else of
 * the extractor, so neither side depends on the other.
 */
#ifndef BODYCAM_META_UTIL_H
#define BODYCAM_META_UTIL_H

#include <stddef.h>

#include <jansson.h>

#include "bodycam/meta.h"	/* BC_META_STRING_MAX, BC_META_WARNINGS_MAX */

/*
 * Parses an ISO 6709 location ("+53.3828-001.4566+100.5/") into the
 * capture.gps strings (lat, lon with 6 decimals; alt_m with 1, or "" when
 * absent).  Returns 0, or -1 when s is not ISO 6709.
 */
int bc_meta_iso6709(const char *s, char lat[16], char lon[16], char alt[24]);

/* Appends a warning (printf-style), at most BC_META_WARNINGS_MAX. */
void bc_meta_warn(json_t *warnings, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Sets obj[key] to the string v, cleaned for a manifest: trailing NULs and
 * white space trimmed, control characters and invalid UTF-8 replaced by
 * '?', at most BC_META_STRING_MAX bytes.  Nothing when v is empty.
 */
void bc_meta_set_str(json_t *obj, const char *key, const char *v,
    size_t len);

#endif /* BODYCAM_META_UTIL_H */
