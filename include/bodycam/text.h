/*
 * text.h - untrusted text in front of people: quoting for a terminal, the
 * check of short identifying fields (actor, recipient, officer...), and
 * names (file names, paths) that are not UTF-8, carried losslessly in
 * JSON.
 *
 * File names, actors, notes, case numbers and error messages that echo
 * input are written by people bodycam does not trust.  Human output
 * quotes them with bc_quote, so that a newline cannot add a row to a
 * listing and an escape sequence or a bidi override cannot reach the
 * terminal; JSON output stays JSON.
 */
#ifndef BODYCAM_TEXT_H
#define BODYCAM_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "bodycam/error.h"

/* The suffix of the member that holds a name's bytes (bc_json_set_name). */
#define BC_NAME_BYTES_SUFFIX	"_bytes"

/*
 * Whether code point cp is never shown raw and never accepted in an
 * identifying field: a control character (C0, DEL, C1: U+0000-U+001F,
 * U+007F-U+009F), a bidirectional-text control (Unicode's Bidi_Control:
 * U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), or a line or
 * paragraph separator (U+2028, U+2029).
 */
int bc_text_unsafe(uint32_t cp);

/*
 * The length of the valid UTF-8 sequence at p (of at most n bytes, as
 * bc_utf8_seq) and its code point in *cp; 0 when there is none.
 */
size_t bc_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* Whether the NUL-terminated s is entirely valid UTF-8. */
int bc_utf8_valid(const char *s);

/*
 * Writes s to dst (dstsz bytes, NUL-terminated when dstsz > 0) quoted for
 * a terminal, one-to-one so that the original can be read back:
 *   \            \\
 *   TAB LF CR    \t \n \r
 *   other C0 and DEL, and each byte that is not part of valid UTF-8
 *                \xHH (two lower-case hex digits)
 *   C1 controls, bidi controls, U+2028, U+2029 (bc_text_unsafe)
 *                \uHHHH (four lower-case hex digits)
 * Everything else, printable ASCII and valid UTF-8, is copied.  When dst
 * is too small, the output stops before the first escape or character
 * that does not fit (never inside one).  Returns the length that the
 * whole quoted text needs (without the NUL), as snprintf does; s NULL is
 * quoted as "".
 */
size_t bc_quote(char *dst, size_t dstsz, const char *s);

/* bc_quote of s written to fp; fputs's result (EOF on a write error). */
int bc_quote_fprint(FILE *fp, const char *s);

/*
 * Checks text that names someone or something (an actor, a recipient, an
 * officer, a case number...): valid UTF-8 without any code point that
 * bc_text_unsafe refuses.  name says which field for the message.
 * Returns 0 or BC_ERR_INVALID with err saying what and where (the code
 * point, or the offset of the invalid byte).  s may be NULL (0).
 */
int bc_text_check(const char *name, const char *s, struct bc_err *err);

/*
 * A copy of s (the caller frees it) in which each byte that is not part
 * of valid UTF-8 is replaced by U+FFFD; NULL when out of memory.
 */
char *bc_utf8_lossy(const char *s);

/*
 * A new JSON string of s for a message or a detail that may quote a name:
 * s itself when it is valid UTF-8, else bc_utf8_lossy(s).  NULL when out
 * of memory.
 */
json_t *bc_json_text(const char *s);

/*
 * Sets obj's member key to the name raw (a NUL-terminated byte string: a
 * file name, a path), losslessly: when raw is valid UTF-8, key is raw
 * and nothing else is set; otherwise key is bc_utf8_lossy(raw) and the
 * member key + "_bytes" holds the lower-case hex of raw's bytes.
 * Returns 0, or BC_ERR_NOMEM.
 */
int bc_json_set_name(json_t *obj, const char *key, const char *raw);

/*
 * The name that bc_json_set_name stored under key in obj, as its original
 * bytes, into *out (NUL-terminated; the caller frees it).  Returns 0,
 * BC_ERR_NOT_FOUND when obj has no string key, BC_ERR_MALFORMED when
 * key + "_bytes" is there but is not lower-case hex of a name without
 * NUL bytes that is not valid UTF-8 and whose bc_utf8_lossy is key's
 * value, or BC_ERR_NOMEM.
 */
int bc_json_get_name(const json_t *obj, const char *key, char **out);

#endif /* BODYCAM_TEXT_H */
