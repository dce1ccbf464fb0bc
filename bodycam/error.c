/*
 * error.c - names, exit statuses and the JSON error object for BC_ERR_*
 * codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "bodycam/error.h"

const char *
bc_strerror(int code)
{
	switch (code) {
	case BC_OK:			return "success";
	case BC_ERR_INTERNAL:		return "internal error";
	case BC_ERR_NOMEM:		return "out of memory";
	case BC_ERR_IO:			return "I/O error";
	case BC_ERR_CRYPTO:		return "cryptographic library error";
	case BC_ERR_DB:			return "catalog database error";
	case BC_ERR_MALFORMED:		return "malformed input";
	case BC_ERR_INTEGRITY:		return "integrity check failed";
	case BC_ERR_NOT_FOUND:		return "not found";
	case BC_ERR_EXISTS:		return "already exists";
	case BC_ERR_INVALID:		return "invalid argument";
	case BC_ERR_KEY_PERM:		return "private key file is accessible by others";
	case BC_ERR_KEY_TYPE:		return "wrong key type";
	case BC_ERR_CHANGED:		return "file changed while being read";
	case BC_ERR_NOT_CATALOG:	return "not a bodycam catalog";
	case BC_ERR_SCHEMA:		return "catalog schema is not this program's (newer, or needs an upgrade)";
	case BC_ERR_FLOAT:		return "non-integer number in a signed document";
	case BC_ERR_TOO_LARGE:		return "input too large";
	case BC_ERR_AMBIGUOUS:		return "ambiguous reference";
	case BC_ERR_BUSY:		return "catalog is busy";
	case BC_ERR_STALE:		return "the chain moved on";
	case BC_ERR_FULL:		return "disk full";
	case BC_ERR_AGAIN:		return "to be done again the ordinary way";
	}
	return "unknown error";
}

int
bc_exit_status(int code)
{
	switch (code) {
	case BC_OK:
		return 0;
	case BC_ERR_INTEGRITY:
		return 1;
	case BC_ERR_MALFORMED:
	case BC_ERR_NOT_FOUND:
	case BC_ERR_EXISTS:
	case BC_ERR_INVALID:
	case BC_ERR_KEY_PERM:
	case BC_ERR_KEY_TYPE:
	case BC_ERR_CHANGED:
	case BC_ERR_FLOAT:
	case BC_ERR_TOO_LARGE:
	case BC_ERR_AMBIGUOUS:
	case BC_ERR_STALE:
		return 2;
	default:
		return 3;
	}
}

/*
 * These names are a public contract (docs/HTTP-API.md): a new code may
 * get a new name, an old one keeps its own.
 */
const char *
bc_err_code(int code)
{
	switch (code) {
	case BC_ERR_NOT_FOUND:
		return "not_found";
	case BC_ERR_MALFORMED:
	case BC_ERR_FLOAT:
	case BC_ERR_AMBIGUOUS:
	case BC_ERR_KEY_TYPE:
		return "bad_request";
	case BC_ERR_TOO_LARGE:
		return "too_large";
	case BC_ERR_EXISTS:
		return "exists";
	case BC_ERR_STALE:
		return "stale";
	case BC_ERR_INVALID:
		return "rule";
	case BC_ERR_INTEGRITY:
	case BC_ERR_CHANGED:
		return "integrity";
	case BC_ERR_BUSY:
		return "unavailable";
	default:
		return "internal";
	}
}

const char *
bc_err_code_for(int code, const struct bc_err *err)
{
	if (code == BC_ERR_INVALID && err != NULL && err->field[0] != '\0')
		return bc_err_code(BC_ERR_MALFORMED);
	return bc_err_code(code);
}

json_t *
bc_err_json(const char *code, const char *message, const char *field)
{
	json_t *o;

	if ((o = json_pack("{s:s, s:s}", "code", code, "message",
	    message)) == NULL)
		return NULL;
	if (field != NULL && field[0] != '\0' && json_object_set_new(o,
	    "field", json_string(field)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int
severity(int status)
{
	switch (status) {
	case 0:		return 0;
	case 2:		return 1;
	case 3:		return 2;
	case 1:		return 3;
	default:	return 2;
	}
}

int
bc_exit_worst(int a, int b)
{
	return severity(a) >= severity(b) ? a : b;
}

int
bc_err_set(struct bc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->field[0] = '\0';
	}
	return code;
}

int
bc_err_field(struct bc_err *err, int code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		snprintf(err->field, sizeof(err->field), "%s", field);
	}
	return code;
}

int
bc_err_wrap(struct bc_err *err, int code, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;

	if (err == NULL)
		return code;
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (old[0] != '\0' && n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	return code;
}

int
bc_err_errno(struct bc_err *err, int e, const char *fmt, ...)
{
	int full = e == ENOSPC || e == EDQUOT;
	size_t n;
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, full ?
		    ": disk full (%s)" : ": %s", strerror(e));
		err->field[0] = '\0';
	}
	return full ? BC_ERR_FULL : BC_ERR_IO;
}

void
bc_err_clear(struct bc_err *err)
{
	if (err != NULL) {
		err->msg[0] = '\0';
		err->field[0] = '\0';
	}
}
