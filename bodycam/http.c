/*
 * http.c - one HTTP/1.1 POST over OpenSSL's BIOs (see http.h).
 *
 * "Connection: close" and a Content-Length on both sides keep it simple:
 * the answer is read to the end of the connection, capped, and must be
 * exactly as long as it says.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bodycam/buf.h"
#include "bodycam/http.h"

#define HEAD_MAX	(16 * 1024)

void
bc_http_answer_clear(struct bc_http_answer *ans)
{
	free(ans->body);
	memset(ans, 0, sizeof(*ans));
}

/* Whether host is an IPv4 or IPv6 address rather than a name. */
static int
is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* Sets the socket's read and write timeouts. */
static void
set_timeouts(BIO *conn, int timeout)
{
	struct timeval tv;
	int fd = -1;

	if (BIO_get_fd(conn, &fd) <= 0 || fd < 0)
		return;
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int
write_all(BIO *b, const void *data, size_t len)
{
	const char *p = data;
	int w;

	while (len > 0) {
		w = BIO_write(b, p, len > 65536 ? 65536 : (int)len);
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The value of header name in the head (lines ending in CRLF), or NULL. */
static const char *
header(const char *head, const char *name, size_t *vlen)
{
	const char *p = head, *eol, *v;
	size_t n = strlen(name);

	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			for (v = p + n + 1; v < eol && (*v == ' ' ||
			    *v == '\t'); v++)
				;
			*vlen = (size_t)(eol - v);
			while (*vlen > 0 && (v[*vlen - 1] == ' ' ||
			    v[*vlen - 1] == '\t'))
				(*vlen)--;
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

int
bc_http_post(const char *url, const char *ctype, const void *body,
    size_t len, size_t max, int timeout, struct bc_http_answer *ans,
    struct bc_err *err)
{
	struct bc_buf in = BC_BUF_INIT(HEAD_MAX + max);
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char hostport[600], head[2048], buf[16384];
	const char *raw, *sep, *v;
	SSL_CTX *ctx = NULL;
	BIO *conn = NULL, *b = NULL;
	SSL *ssl = NULL;
	size_t vlen, hlen, blen;
	unsigned long long clen;
	time_t deadline;
	int use_tls = 0, n, r = 0;
	char *end;

	memset(ans, 0, sizeof(*ans));
	if (OSSL_HTTP_parse_url(url, &use_tls, NULL, &host, &port, NULL,
	    &path, &query, NULL) != 1 || strlen(host) > 255) {
		ERR_clear_error();
		r = bc_err_set(err, BC_ERR_INVALID, "not an http:// or "
		    "https:// URL: %s", url);
		goto done;
	}
	snprintf(hostport, sizeof(hostport), strchr(host, ':') != NULL ?
	    "[%s]:%s" : "%s:%s", host, port);
	if ((conn = BIO_new_connect(hostport)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (BIO_do_connect(conn) <= 0) {
		ERR_clear_error();
		r = bc_err_set(err, BC_ERR_IO, "cannot connect to %s",
		    hostport);
		goto done;
	}
	set_timeouts(conn, timeout);
	b = conn;
	if (use_tls) {
		/* verification on the context first: the SSL copies it */
		if ((ctx = SSL_CTX_new(TLS_client_method())) != NULL)
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (ctx == NULL || SSL_CTX_set_default_verify_paths(ctx) != 1 ||
		    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
		    (b = BIO_new_ssl(ctx, 1)) == NULL) {
			b = conn;
			r = bc_err_set(err, BC_ERR_CRYPTO, "cannot set up TLS");
			goto done;
		}
		BIO_get_ssl(b, &ssl);
		if (ssl != NULL)
			SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
		/*
		 * An address is checked against the certificate's IP
		 * addresses and sent as no server name (RFC 6066); a name,
		 * against its DNS names, and sent.
		 */
		if (ssl == NULL || (is_ip(host) ?
		    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) != 1 : SSL_set_tlsext_host_name(ssl, host) != 1 ||
		    SSL_set1_host(ssl, host) != 1)) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "cannot set up TLS");
			goto done;
		}
		b = BIO_push(b, conn);
		conn = NULL;	/* freed with the chain */
		if (BIO_do_handshake(b) <= 0 ||
		    SSL_get_verify_result(ssl) != X509_V_OK) {
			ERR_clear_error();
			r = bc_err_set(err, BC_ERR_IO, "TLS with %s failed (is "
			    "its certificate valid for that name?)", host);
			goto done;
		}
	}
	n = snprintf(head, sizeof(head), "POST %s%s%s HTTP/1.1\r\n"
	    "Host: %s\r\nUser-Agent: bodycam\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", path,
	    query != NULL && *query ? "?" : "", query != NULL ? query : "",
	    host, ctype, len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		r = bc_err_set(err, BC_ERR_INVALID, "URL too long: %s", url);
		goto done;
	}
	if (write_all(b, head, (size_t)n) != 0 ||
	    write_all(b, body, len) != 0 || BIO_flush(b) <= 0) {
		ERR_clear_error();
		r = bc_err_set(err, BC_ERR_IO, "cannot send the request to %s",
		    hostport);
		goto done;
	}
	deadline = time(NULL) + 4 * (time_t)timeout;
	for (;;) {
		/* each read waits at most timeout; the whole answer, 4x */
		if (time(NULL) > deadline) {
			r = bc_err_set(err, BC_ERR_IO, "%s: the answer took "
			    "longer than %d seconds", hostport, 4 * timeout);
			goto done;
		}
		n = BIO_read(b, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (bc_buf_add(&in, buf, (size_t)n) != 0) {
			r = bc_err_set(err, BC_ERR_TOO_LARGE, "the answer from "
			    "%s exceeds %zu bytes", hostport, max);
			goto done;
		}
	}
	ERR_clear_error();

	/* status line, headers, body */
	raw = bc_buf_str(&in);
	if (in.len < 12 || (strncmp(raw, "HTTP/1.1 ", 9) != 0 &&
	    strncmp(raw, "HTTP/1.0 ", 9) != 0) ||
	    !isdigit((unsigned char)raw[9]) ||
	    !isdigit((unsigned char)raw[10]) ||
	    !isdigit((unsigned char)raw[11]) ||
	    (sep = strstr(raw, "\r\n\r\n")) == NULL) {
		r = bc_err_set(err, in.len == 0 ? BC_ERR_IO : BC_ERR_MALFORMED,
		    "%s gave no HTTP/1.x answer", hostport);
		goto done;
	}
	hlen = (size_t)(sep - raw) + 4;
	if (hlen > HEAD_MAX) {
		r = bc_err_set(err, BC_ERR_TOO_LARGE, "the answer's headers "
		    "from %s exceed %d bytes", hostport, HEAD_MAX);
		goto done;
	}
	ans->status = (raw[9] - '0') * 100 + (raw[10] - '0') * 10 +
	    (raw[11] - '0');
	if (ans->status < 100) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "%s: status %d",
		    hostport, ans->status);
		goto done;
	}
	{
		/* the headers alone, from the second line, for header() */
		const char *hs = strstr(raw, "\r\n") + 2;

		if ((v = header(hs, "Transfer-Encoding", &vlen)) != NULL &&
		    !(vlen == 8 && strncasecmp(v, "identity", 8) == 0)) {
			r = bc_err_set(err, BC_ERR_MALFORMED, "%s answered "
			    "with a transfer encoding (%.*s), which is not "
			    "supported", hostport, (int)(vlen > 40 ? 40 : vlen),
			    v);
			goto done;
		}
		if ((v = header(hs, "Content-Type", &vlen)) != NULL &&
		    vlen < sizeof(ans->ctype)) {
			memcpy(ans->ctype, v, vlen);
			ans->ctype[vlen] = '\0';
		}
		blen = in.len - hlen;
		if ((v = header(hs, "Content-Length", &vlen)) != NULL) {
			clen = strtoull(v, &end, 10);
			if (end != v + vlen || vlen == 0 || vlen > 19 ||
			    clen != blen) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "%s: the "
				    "answer's body is %zu bytes, not the "
				    "Content-Length it gives", hostport, blen);
				goto done;
			}
		}
	}
	if (blen > max) {
		r = bc_err_set(err, BC_ERR_TOO_LARGE, "the answer from %s "
		    "exceeds %zu bytes", hostport, max);
		goto done;
	}
	if ((ans->body = malloc(blen + 1)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto done;
	}
	memcpy(ans->body, raw + hlen, blen);
	ans->body[blen] = '\0';
	ans->len = blen;
done:
	if (r != 0)
		bc_http_answer_clear(ans);
	bc_buf_free(&in);
	BIO_free_all(b != NULL ? b : conn);
	if (b != NULL && conn != NULL && b != conn)
		BIO_free(conn);
	SSL_CTX_free(ctx);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	OPENSSL_free(query);
	return r;
}
