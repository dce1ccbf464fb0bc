/*
 * util.h - small helpers shared by the modules: RFC 3339 time, the
 * station's name, the operator's name.
 */
#ifndef BODYCAM_UTIL_H
#define BODYCAM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bodycam/error.h"

#define BC_TIME_MAX	40	/* "2026-11-26T02:15:33.123456Z" + room */

/*
 * The current time.  When BODYCAM_NOW is set in the environment (an RFC
 * 3339 time) it is used instead, so that tests and demos are repeatable.
 */
time_t bc_now(void);

/* Formats t as RFC 3339 UTC ("2026-11-26T02:15:33Z") into out. */
void bc_time_format(time_t t, char out[BC_TIME_MAX]);

/*
 * The time of a signed record: RFC 3339 UTC with exactly six fraction
 * digits ("2026-11-26T02:15:33.123456Z"), so that records made within one
 * second still order, and so that such strings compare as times.  With
 * BODYCAM_NOW set, that time with usec as the fraction.  When usec is -1
 * the current clock's microseconds are used.
 */
void bc_time_stamp(time_t t, long usec, char out[BC_TIME_MAX]);

/* bc_time_stamp of the current time (or BODYCAM_NOW). */
void bc_time_now(char out[BC_TIME_MAX]);

/* Reads exactly n decimal digits at *pp, advancing it; the value or -1. */
int bc_digits(const char **pp, int n);

/*
 * The whole of s as a decimal number from lo to hi into *out, in the
 * manner of OpenBSD's strtonum: digits only (no sign, space or prefix), at
 * least one, no overflow.  Returns 0, or -1 with *out unchanged.
 */
int bc_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* Days in month m (1-12) of year y (Gregorian). */
int bc_days_in_month(int y, int m);

/*
 * The length of the valid, shortest-form UTF-8 sequence (no surrogates,
 * at most U+10FFFF) at p, of at most n bytes; 0 when there is none.
 */
size_t bc_utf8_seq(const unsigned char *p, size_t n);

/*
 * Whether s is a time exactly as bc_time_stamp writes it
 * ("2026-11-26T02:15:33.123456Z", a valid date): the only form of time in
 * a signed document, so that times compare as strings.
 */
int bc_time_is_stamp(const char *s);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" followed by "Z", "+HH:MM"
 * or "-HH:MM" (a space may stand for "T"; no zone means UTC) into *t.
 * When end_of_day and only a date is given, the time is 23:59:59.
 * Returns 0 or BC_ERR_MALFORMED.
 */
int bc_time_parse(const char *s, int end_of_day, time_t *t);

/* The station name (host name), into out; never fails. */
void bc_station_name(char *out, size_t outsz);

/* The operating-system user running bodycam, into out; never fails. */
void bc_user_name(char *out, size_t outsz);

/*
 * Reads fd to its end, at most cap bytes, into *out (*len bytes,
 * NUL-terminated; the caller frees it).  name is what messages call it.
 * What was read is wiped before it is freed on error (it may be a key).
 * Returns 0, BC_ERR_TOO_LARGE, BC_ERR_IO or BC_ERR_NOMEM.
 */
int bc_read_fd(int fd, const char *name, size_t cap, char **out, size_t *len,
    struct bc_err *err);

/*
 * Reads the regular file at path, of at most cap bytes, into *out (*len
 * bytes, NUL-terminated; the caller frees it).  Returns 0, BC_ERR_NOT_FOUND,
 * BC_ERR_INVALID (not a regular file), BC_ERR_TOO_LARGE, BC_ERR_IO or
 * BC_ERR_NOMEM; err names the file.
 */
int bc_read_small(const char *path, size_t cap, char **out, size_t *len,
    struct bc_err *err);

/* The last path component of path (a pointer into path). */
const char *bc_basename(const char *path);

/*
 * Where the companion program name is, as git finds its exec-path: the
 * value of the environment variable envvar when set and not empty, else
 * name in the directory of the running program (/proc/self/exe) when it
 * is executable there, else name in BC_LIBEXECDIR (PREFIX/libexec/bodycam).
 * Writes the path into buf; returns 0, or -1 when it does not fit.
 */
int bc_exec_path(const char *name, const char *envvar, char *buf,
    size_t bufsz);

#endif /* BODYCAM_UTIL_H */
