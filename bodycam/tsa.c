/*
 * tsa.c - RFC 3161 time-stamp tokens over signed checkpoints: the
 * request, the checks of a reply and of a stored token, and the HTTP
 * exchange, all through OpenSSL (its TS API and its HTTP client).
 *
 * Everything a TSA or a catalog row hands us is hostile: sizes are capped
 * before d2i, DER must consume the whole input, and a token counts only
 * when its imprint is the SHA-256 of the very note bytes it is filed
 * under.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "bodycam/hash.h"
#include "bodycam/tsa.h"

struct bc_tsa_trust {
	X509_STORE	*store;
};

/* OpenSSL's last reason, for a message; clears the queue. */
static const char *
ossl_why(void)
{
	static __thread char buf[160];
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, sizeof(buf), "no detail");
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

void
bc_tsa_trust_free(struct bc_tsa_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	free(t);
}

int
bc_tsa_trust_load(const char *path, struct bc_tsa_trust **out,
    struct bc_err *err)
{
	struct bc_tsa_trust *t = NULL;
	char *pem = NULL;
	size_t len = 0, n = 0;
	BIO *b = NULL;
	X509 *x;
	int r;

	*out = NULL;
	if ((r = bc_read_small(path, BC_TSA_CA_MAX, &pem, &len, err)) != 0)
		return r;
	r = BC_ERR_NOMEM;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->store = X509_STORE_new()) == NULL ||
	    (b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(t->store, x) != 1) {
			X509_free(x);
			r = bc_err_set(err, BC_ERR_CRYPTO, "%s: cannot add a "
			    "certificate: %s", path, ossl_why());
			goto out;
		}
		X509_free(x);
		n++;
	}
	ERR_clear_error();	/* the end of the file reads as an error */
	if (n == 0) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "%s: no PEM certificate "
		    "in it", path);
		goto out;
	}
	*out = t;
	t = NULL;
	r = 0;
 out:
	if (r == BC_ERR_NOMEM)
		bc_err_set(err, r, "out of memory");
	BIO_free(b);
	free(pem);
	bc_tsa_trust_free(t);
	return r;
}

void
bc_tsa_token_clear(struct bc_tsa_token *t)
{
	if (t == NULL)
		return;
	free(t->der);
	memset(t, 0, sizeof(*t));
}

int
bc_tsa_request(const char *note, size_t len, uint8_t **der, size_t *derlen,
    struct bc_err *err)
{
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	uint8_t digest[BC_SHA256_LEN], rnd[8];
	unsigned char *p = NULL;
	int r = BC_ERR_CRYPTO, n;

	*der = NULL;
	*derlen = 0;
	if (bc_sha256(note, len, digest) != 0)
		return bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return bc_err_set(err, BC_ERR_CRYPTO, "RAND_bytes failed");
	rnd[0] &= 0x7f;		/* a positive INTEGER, as TSAs expect */
	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) ==
	    NULL || (alg = X509_ALGOR_new()) == NULL ||
	    (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		goto out;
	if (!X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL,
	    NULL) || !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, digest, sizeof(digest)) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
		goto out;
	if ((n = i2d_TS_REQ(req, &p)) <= 0 || n > BC_TSA_REQUEST_MAX)
		goto out;
	if ((*der = malloc((size_t)n)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto done;
	}
	memcpy(*der, p, (size_t)n);
	*derlen = (size_t)n;
	r = 0;
 out:
	if (r != 0)
		bc_err_set(err, r, "cannot make a time-stamp request: %s",
		    ossl_why());
 done:
	OPENSSL_free(p);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return r;
}

/* An ASN1 time as RFC 3339 UTC to the second, and as seconds. */
static int
gen_time(const ASN1_GENERALIZEDTIME *t, char out[BC_TIME_MAX], int64_t *sec)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*sec = (int64_t)timegm(&tm);
	if (strftime(out, BC_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

/* A small ASN1 INTEGER (seconds of accuracy) as a number; -1 if not. */
static int64_t
small_int(const ASN1_INTEGER *a)
{
	long v;

	if (a == NULL)
		return 0;
	if ((v = ASN1_INTEGER_get(a)) < 0 || v > 86400)
		return -1;
	return (int64_t)v;
}

/* The latest second genTime can stand for: its accuracy and fraction. */
static int
latest_time(TS_TST_INFO *tst, int64_t gen, int64_t *latest)
{
	const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(tst);
	TS_ACCURACY *acc = TS_TST_INFO_get_accuracy(tst);
	int64_t s = 0, up = 0;

	if (acc != NULL) {
		if ((s = small_int(TS_ACCURACY_get_seconds(acc))) < 0)
			return -1;
		if (TS_ACCURACY_get_millis(acc) != NULL ||
		    TS_ACCURACY_get_micros(acc) != NULL)
			up = 1;
	}
	/* a fraction of a second rounds up, never down */
	if (memchr(t->data, '.', (size_t)t->length) != NULL)
		up = 1;
	*latest = gen + s + up;
	return 0;
}

/* The subject of the signer certificate of a token, one line. */
static void
token_signer(PKCS7 *p7, char *out, size_t outsz)
{
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	PKCS7_SIGNER_INFO *si;
	STACK_OF(X509) *certs;
	X509 *x;

	out[0] = '\0';
	if ((sis = PKCS7_get_signer_info(p7)) == NULL ||
	    sk_PKCS7_SIGNER_INFO_num(sis) != 1 ||
	    (si = sk_PKCS7_SIGNER_INFO_value(sis, 0)) == NULL ||
	    (certs = p7->d.sign->cert) == NULL)
		return;
	if ((x = X509_find_by_issuer_and_serial(certs,
	    si->issuer_and_serial->issuer,
	    si->issuer_and_serial->serial)) == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(x), out, (int)outsz);
}

/* The checks of bc_tsa_token_check on a parsed token. */
static int
token_check(PKCS7 *p7, const char *note, size_t notelen,
    const struct bc_tsa_trust *trust, struct bc_tsa_token *out,
    struct bc_err *err)
{
	TS_TST_INFO *tst = NULL;
	TS_MSG_IMPRINT *mi;
	X509_ALGOR *alg;
	ASN1_OCTET_STRING *msg;
	TS_VERIFY_CTX *vc = NULL;
	uint8_t digest[BC_SHA256_LEN];
	int r = BC_ERR_MALFORMED;

	if (!PKCS7_type_is_signed(p7) ||
	    (tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "not a time-stamp token "
		    "(a signed CMS TSTInfo): %s", ossl_why());
		goto out;
	}
	if (bc_sha256(note, notelen, digest) != 0) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "SHA-256 failed");
		goto out;
	}
	mi = TS_TST_INFO_get_msg_imprint(tst);
	alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	msg = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	if (alg == NULL || msg == NULL ||
	    OBJ_obj2nid(alg->algorithm) != NID_sha256) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the token's message "
		    "imprint is not a SHA-256 hash, so it is over no "
		    "checkpoint of this log");
		goto out;
	}
	if (ASN1_STRING_length(msg) != BC_SHA256_LEN ||
	    memcmp(ASN1_STRING_get0_data(msg), digest, BC_SHA256_LEN) != 0) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the token is over "
		    "another checkpoint: its message imprint is not the "
		    "SHA-256 of this checkpoint's signed note");
		goto out;
	}
	if (TS_TST_INFO_get_version(tst) != 1) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "TSTInfo version %ld, "
		    "not 1", TS_TST_INFO_get_version(tst));
		goto out;
	}
	if (out != NULL && (gen_time(TS_TST_INFO_get_time(tst), out->time,
	    &out->latest) != 0 || latest_time(tst, out->latest,
	    &out->latest) != 0)) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "the token's genTime "
		    "or accuracy is not readable");
		goto out;
	}
	if (trust != NULL) {
		unsigned char *imp;

		if ((vc = TS_VERIFY_CTX_new()) == NULL ||
		    (imp = OPENSSL_malloc(sizeof(digest))) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(imp, digest, sizeof(digest));
		TS_VERIFY_CTX_set_imprint(vc, imp, sizeof(digest));
		if (!X509_STORE_up_ref(trust->store)) {
			r = bc_err_set(err, BC_ERR_CRYPTO, "%s", ossl_why());
			goto out;
		}
		TS_VERIFY_CTX_set_store(vc, trust->store);
		TS_VERIFY_CTX_set_flags(vc, TS_VFY_VERSION | TS_VFY_SIGNATURE |
		    TS_VFY_IMPRINT);
		if (TS_RESP_verify_token(vc, p7) != 1) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "the token's "
			    "signature does not verify to the given TSA "
			    "certificates: %s", ossl_why());
			goto out;
		}
	}
	if (out != NULL) {
		out->verified = trust != NULL;
		token_signer(p7, out->signer, sizeof(out->signer));
	}
	r = 0;
 out:
	TS_VERIFY_CTX_free(vc);
	TS_TST_INFO_free(tst);
	return r;
}

int
bc_tsa_token_check(const uint8_t *der, size_t len, const char *note,
    size_t notelen, const struct bc_tsa_trust *trust,
    struct bc_tsa_token *out, struct bc_err *err)
{
	const unsigned char *p = der;
	PKCS7 *p7 = NULL;
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (len > BC_TSA_TOKEN_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "a time-stamp token "
		    "of %zu bytes: at most %d", len, BC_TSA_TOKEN_MAX);
	if (len == 0 || (p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "not a DER "
		    "time-stamp token: %s", ossl_why());
	if (p != der + len) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "%zu bytes after the "
		    "time-stamp token's DER", len - (size_t)(p - der));
		goto out;
	}
	if ((r = token_check(p7, note, notelen, trust, out, err)) != 0)
		goto out;
	if (out != NULL) {
		if ((out->der = malloc(len)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(out->der, der, len);
		out->len = len;
	}
	r = 0;
 out:
	if (r != 0 && out != NULL)
		bc_tsa_token_clear(out);
	PKCS7_free(p7);
	return r;
}

/* PKIStatus values (RFC 3161 2.4.2). */
static const char *const status_names[] = {
	"granted", "grantedWithMods", "rejection", "waiting",
	"revocationWarning", "revocationNotification",
};

int
bc_tsa_reply_check(const uint8_t *reply, size_t len, const uint8_t *req,
    size_t reqlen, const char *note, size_t notelen,
    const struct bc_tsa_trust *trust, struct bc_tsa_token *out,
    struct bc_err *err)
{
	const unsigned char *p = reply;
	TS_RESP *resp = NULL;
	TS_REQ *rq = NULL;
	TS_TST_INFO *tst;
	TS_STATUS_INFO *si;
	PKCS7 *p7;
	unsigned char *tder = NULL;
	long status;
	int r, tlen;

	memset(out, 0, sizeof(*out));
	if (trust == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "no TSA certificates "
		    "to check the reply with");
	if (len > BC_TSA_REPLY_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "a time-stamp reply "
		    "of %zu bytes: at most %d", len, BC_TSA_REPLY_MAX);
	if (len == 0 || (resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "not a DER "
		    "time-stamp reply (TimeStampResp): %s", ossl_why());
	if (p != reply + len) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "%zu bytes after the "
		    "time-stamp reply's DER", len - (size_t)(p - reply));
		goto out;
	}
	si = TS_RESP_get_status_info(resp);
	status = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
	if (status != 0 && status != 1) {
		r = bc_err_set(err, BC_ERR_INTEGRITY, "the TSA did not grant "
		    "a time-stamp: status %ld (%s)", status, status >= 0 &&
		    status < 6 ? status_names[status] : "unknown");
		goto out;
	}
	if ((p7 = TS_RESP_get_token(resp)) == NULL ||
	    (tst = TS_RESP_get_tst_info(resp)) == NULL) {
		r = bc_err_set(err, BC_ERR_MALFORMED, "a granted time-stamp "
		    "reply without a token");
		goto out;
	}
	if (req != NULL) {
		const ASN1_INTEGER *want, *got = TS_TST_INFO_get_nonce(tst);

		p = req;
		if (reqlen > BC_TSA_REQUEST_MAX ||
		    (rq = d2i_TS_REQ(NULL, &p, (long)reqlen)) == NULL) {
			r = bc_err_set(err, BC_ERR_INTERNAL, "the request does "
			    "not parse");
			goto out;
		}
		want = TS_REQ_get_nonce(rq);
		if (want != NULL && (got == NULL ||
		    ASN1_INTEGER_cmp(want, got) != 0)) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "the reply's "
			    "nonce is not the request's: a reply to another "
			    "request");
			goto out;
		}
	}
	if ((tlen = i2d_PKCS7(p7, &tder)) <= 0) {
		r = bc_err_set(err, BC_ERR_CRYPTO, "%s", ossl_why());
		goto out;
	}
	r = bc_tsa_token_check(tder, (size_t)tlen, note, notelen, trust, out,
	    err);
 out:
	OPENSSL_free(tder);
	TS_REQ_free(rq);
	TS_RESP_free(resp);
	return r;
}

/* Whether host is an IPv4 or IPv6 address literal. */
static int
is_ip(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* https: a TLS client over the connection, checking the host name. */
static BIO *
tls_update(BIO *bio, void *arg, int connect, int detail)
{
	const char *host = arg;
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	BIO *sbio;

	if (!connect || !detail)
		return bio;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1 ||
	    (sbio = BIO_new_ssl(ctx, 1)) == NULL) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_free(ctx);	/* the SSL holds its own reference */
	BIO_get_ssl(sbio, &ssl);
	/* SSL_set1_host takes an IP literal as one; SNI is for names only */
	if (ssl == NULL || (!is_ip(host) &&
	    SSL_set_tlsext_host_name(ssl, host) != 1) ||
	    SSL_set1_host(ssl, host) != 1) {
		BIO_free(sbio);
		return NULL;
	}
	return BIO_push(sbio, bio);
}

int
bc_tsa_fetch(const char *url, const uint8_t *req, size_t reqlen,
    uint8_t **reply, size_t *replylen, struct bc_err *err)
{
	char *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *frag = NULL, *full = NULL;
	BIO *rq = NULL, *resp = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;
	int ssl = 0, r, k;

	*reply = NULL;
	*replylen = 0;
	if (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)
		return bc_err_set(err, BC_ERR_INVALID, "the TSA URL '%s' is "
		    "not http:// or https://", url);
	if (strlen(url) >= BC_TSA_NAME_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "the TSA URL is longer "
		    "than %d bytes", BC_TSA_NAME_MAX - 1);
	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path,
	    &query, &frag) != 1) {
		r = bc_err_set(err, BC_ERR_INVALID, "the TSA URL '%s' does "
		    "not parse: %s", url, ossl_why());
		goto out;
	}
	if (query != NULL) {
		size_t l = strlen(path) + strlen(query) + 2;

		if ((full = malloc(l)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(full, l, "%s?%s", path, query);
	}
	if ((rq = BIO_new_mem_buf(req, (int)reqlen)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	resp = OSSL_HTTP_transfer(NULL, host, port, full ? full : path, ssl,
	    NULL, NULL, NULL, NULL, ssl ? tls_update : NULL, host, 0, NULL,
	    "application/timestamp-query", rq, "application/timestamp-reply",
	    1, BC_TSA_REPLY_MAX, BC_TSA_TIMEOUT, 0);
	if (resp == NULL) {
		r = bc_err_set(err, BC_ERR_IO, "no time-stamp reply from %s: "
		    "%s", url, ossl_why());
		goto out;
	}
	if ((buf = malloc(BC_TSA_REPLY_MAX + 1)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	while (n <= BC_TSA_REPLY_MAX &&
	    (k = BIO_read(resp, buf + n, (int)(BC_TSA_REPLY_MAX + 1 - n))) > 0)
		n += (size_t)k;
	if (n > BC_TSA_REPLY_MAX) {
		r = bc_err_set(err, BC_ERR_TOO_LARGE, "the time-stamp reply "
		    "from %s is over %d bytes", url, BC_TSA_REPLY_MAX);
		goto out;
	}
	*reply = buf;
	*replylen = n;
	buf = NULL;
	r = 0;
 out:
	ERR_clear_error();
	free(buf);
	free(full);
	BIO_free(rq);
	BIO_free(resp);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	OPENSSL_free(query);
	OPENSSL_free(frag);
	return r;
}
