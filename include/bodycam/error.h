/*
 * error.h - bodycam error codes and error details.
 *
 * Library functions return 0 on success or a negative BC_ERR_* code; they
 * never print and never exit.  Where a caller needs to know more than the
 * code (which field, which row, which file), functions take a
 * struct bc_err * that they fill with a one-line, human-readable cause,
 * and, when one input field is at fault, with that field's name.
 *
 * Messages name fields neutrally ("the reason"), never by a command-line
 * option or a JSON member: the CLI adds its option (--reason), the HTTP
 * API the member's name (a "field" detail), from err->field.
 */
#ifndef BODYCAM_ERROR_H
#define BODYCAM_ERROR_H

#include <stddef.h>

#define BC_OK			  0
#define BC_ERR_INTERNAL		 -1	/* a bug or an impossible state */
#define BC_ERR_NOMEM		 -2	/* allocation failed */
#define BC_ERR_IO		 -3	/* read/write/open failed (errno-ish) */
#define BC_ERR_CRYPTO		 -4	/* OpenSSL reported an error */
#define BC_ERR_DB		 -5	/* SQLite reported an error */
#define BC_ERR_MALFORMED	 -6	/* input does not parse / bad format */
#define BC_ERR_INTEGRITY	 -7	/* a hash, signature or link is wrong */
#define BC_ERR_NOT_FOUND	 -8	/* no such item, file or key */
#define BC_ERR_EXISTS		 -9	/* would overwrite or duplicate */
#define BC_ERR_INVALID		-10	/* invalid argument from the caller */
#define BC_ERR_KEY_PERM		-11	/* private key readable by others */
#define BC_ERR_KEY_TYPE		-12	/* not an Ed25519 key / wrong kind */
#define BC_ERR_CHANGED		-13	/* file changed while it was read */
#define BC_ERR_NOT_CATALOG	-14	/* file is not a bodycam catalog */
#define BC_ERR_SCHEMA		-15	/* catalog schema newer than us */
#define BC_ERR_FLOAT		-16	/* non-integer number in signed doc */
#define BC_ERR_TOO_LARGE	-17	/* input over a size cap */
#define BC_ERR_AMBIGUOUS	-18	/* item reference matches several */
#define BC_ERR_BUSY		-19	/* catalog locked for too long */
#define BC_ERR_STALE		-20	/* built on a chain head that moved */
#define BC_ERR_FULL		-21	/* disk full (SQLITE_FULL, ENOSPC) */
#define BC_ERR_AGAIN		-22	/* a batched transaction must run
					   again the ordinary way (writer.c;
					   never a command's answer) */

/*
 * Detail of the last failure; msg and field are always NUL-terminated.
 * field is the input at fault by the name the HTTP API gives it in a
 * request ("reason", "tags"), or "" when no one field is.  Declare one
 * as struct bc_err err = { 0 }.
 */
#define BC_ERR_FIELD_MAX	32
struct bc_err {
	char msg[512];
	char field[BC_ERR_FIELD_MAX];
};

struct json_t;

/* A static, human-readable name for code (never NULL). */
const char *bc_strerror(int code);

/*
 * Process exit status for an error code, as in DESIGN.md: 0 success,
 * 1 integrity failure, 2 usage or input error, 3 environment or internal.
 */
int bc_exit_status(int code);

/*
 * The more severe of two exit statuses: an integrity failure (1) outranks
 * an environment failure (3), which outranks an input error (2), so that a
 * batch never hides evidence of tampering behind a lesser problem.
 */
int bc_exit_worst(int a, int b);

/*
 * The stable, snake_case name of code for programs: what the HTTP API
 * answers in {"error": {"code"}} and the CLI prints in its --json error
 * document ("not_found", "bad_request", "too_large", "exists", "stale",
 * "rule", "integrity", "unavailable", "internal").  Never NULL.
 */
const char *bc_err_code(int code);

/*
 * bc_err_code for code as err details it (err may be NULL): an invalid
 * value of one field (BC_ERR_INVALID with err->field) is the request's
 * fault, "bad_request", where other invalid requests break a "rule".
 */
const char *bc_err_code_for(int code, const struct bc_err *err);

/*
 * The one error object of the CLI's and the API's JSON:
 * {"code": code, "message": message} and, when field is neither NULL nor
 * "", "field": field.  Callers add their details (existing, offset,
 * exit).  message must be valid UTF-8.  Returns a new object, or NULL
 * when out of memory.
 */
struct json_t *bc_err_json(const char *code, const char *message,
    const char *field);

/*
 * Sets err->msg (printf-style) and clears err->field; err may be NULL.
 * Returns code.
 */
int bc_err_set(struct bc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * As bc_err_set, for a failure of one input field: also sets err->field
 * to field (cut to BC_ERR_FIELD_MAX - 1 bytes).  Returns code.
 */
int bc_err_field(struct bc_err *err, int code, const char *field,
    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * For a failed system call with errno e: sets err to fmt's message, ": "
 * and strerror(e), and returns BC_ERR_IO; or, when e says the disk is
 * full (ENOSPC, EDQUOT), "...: disk full (...)" and BC_ERR_FULL.
 */
int bc_err_errno(struct bc_err *err, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err->msg and err->field; err may be NULL. */
void bc_err_clear(struct bc_err *err);

/*
 * Puts the message fmt says in front of err's own, "fmt: old", and
 * returns code: for passing an error on with what it meant here (err's
 * text may not be an argument of bc_err_set itself).  err->field is
 * kept.  err may be NULL.
 */
int bc_err_wrap(struct bc_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* BODYCAM_ERROR_H */
