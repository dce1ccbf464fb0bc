/*
 * http.h - a small HTTP/1.1 client for the calls bodycam makes to others
 * (a witness's add-checkpoint): one POST a connection, over TCP or TLS
 * (OpenSSL, the system's trust store, host name checked), with every
 * answer capped and parsed strictly.  Unlike OpenSSL's OSSL_HTTP_transfer
 * it gives the status and body of an error answer too, which the
 * witness protocol needs (409 carries the witness's tree size).
 */
#ifndef BODYCAM_HTTP_H
#define BODYCAM_HTTP_H

#include <stddef.h>

#include "bodycam/error.h"

#define BC_HTTP_CTYPE_MAX	128

struct bc_http_answer {
	int	 status;			/* 100-599 */
	char	 ctype[BC_HTTP_CTYPE_MAX];	/* "" when none */
	char	*body;				/* NUL-terminated; free */
	size_t	 len;
};

/*
 * POSTs body (len bytes, of type ctype) to url (http:// or https://),
 * waiting at most timeout seconds for each read or write, and reads the
 * answer, whose body may be at most max bytes, into *ans.  Any status is
 * an answer: the caller judges it.  Returns 0, BC_ERR_INVALID (a bad
 * URL), BC_ERR_IO (no connection, a timeout, TLS failed), BC_ERR_MALFORMED
 * (not an HTTP/1.x answer, or a chunked one), BC_ERR_TOO_LARGE or
 * BC_ERR_NOMEM; err says which.
 */
int bc_http_post(const char *url, const char *ctype, const void *body,
    size_t len, size_t max, int timeout, struct bc_http_answer *ans,
    struct bc_err *err);

void bc_http_answer_clear(struct bc_http_answer *ans);

#endif /* BODYCAM_HTTP_H */
