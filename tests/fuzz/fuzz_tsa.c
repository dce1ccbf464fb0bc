/*
 * fuzz_tsa.c - libFuzzer target for the RFC 3161 readers (tsa.c): the
 * first byte picks a stored token (bc_tsa_token_check) or a TSA's reply
 * (bc_tsa_reply_check, with a request of ours), the rest is the DER; the
 * second bit whether the test CA of check_tsa.c is trusted (the
 * signature and chain path).  Neither may crash or leak; a refusal names
 * a reason and leaves no token; a token accepted is a copy of exactly
 * the bytes given (for a reply, of a token inside them), with a genTime,
 * verified exactly when anchors were given.  Seeds: tests/fuzz/seeds-tsa
 * (check_tsa.c's token and reply, each behind its selector byte).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char note[] =
    "bodycam.example/log\n42\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
    "\xe2\x80\x94 bodycam.example/log AAAAAA==\n";

/* check_tsa.c's CA: a token of its TSA verifies */
static const char ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkDCCATegAwIBAgIUSiNXvw+BcfUxG/V0tWtldUd/4XMwCgYIKoZIzj0EAwIw\n"
    "FTETMBEGA1UEAwwKZnggdGVzdCBDQTAgFw0yNjEyMDcwMjQwNDVaGA8yMTI2MTEx\n"
    "MzAyNDA0NVowFTETMBEGA1UEAwwKZnggdGVzdCBDQTBZMBMGByqGSM49AgEGCCqG\n"
    "SM49AwEHA0IABOUXIcTdqub+CHbh0tXFN5OSLix2enmzTaNbh/LTEzE3Cy5qaXz+\n"
    "eUP3EqZutjt3Jzyou89aDln2RAPYfsSamvOjYzBhMB0GA1UdDgQWBBR5CNqrPxN3\n"
    "FYF+rf4rELYAchQTjzAfBgNVHSMEGDAWgBR5CNqrPxN3FYF+rf4rELYAchQTjzAP\n"
    "BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQDAgNHADBE\n"
    "AiBcZKgPBRgtmHYrKHrceuI0jCQpYa0U/9dhurzqZYrnhgIgEZnmvgyf/ZYGVlKc\n"
    "CpsK/7MANe6fiUxMXphBGAGTQRY=\n"
    "-----END CERTIFICATE-----\n";

static struct bc_tsa_trust *
trust(void)
{
	static struct bc_tsa_trust *t;
	struct bc_err err = { 0 };
	char path[] = "/tmp/fuzz_tsa.XXXXXX";
	FILE *fp;
	int fd;

	if (t != NULL)
		return t;
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL ||
	    fputs(ca_pem, fp) == EOF || fclose(fp) != 0 ||
	    bc_tsa_trust_load(path, &t, &err) != 0)
		abort();
	unlink(path);
	return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bc_tsa_trust *t;
	struct bc_tsa_token tok;
	struct bc_err err = { 0 };
	uint8_t *req = NULL;
	size_t reqlen = 0;
	int r;

	if (size < 1)
		return 0;
	t = (data[0] & 2) ? trust() : NULL;
	if (data[0] & 1) {
		r = bc_tsa_token_check(data + 1, size - 1, note,
		    sizeof(note) - 1, t, &tok, &err);
		if (r != 0) {
			if (tok.der != NULL || err.msg[0] == '\0')
				abort();
			return 0;
		}
		if (tok.len != size - 1 || memcmp(tok.der, data + 1,
		    tok.len) != 0 || tok.time[0] == '\0' ||
		    tok.verified != (t != NULL))
			abort();
		bc_tsa_token_clear(&tok);
		return 0;
	}
	if (bc_tsa_request(note, sizeof(note) - 1, &req, &reqlen, &err) != 0)
		abort();
	/* file mode (no request): the nonce cannot be compared */
	r = bc_tsa_reply_check(data + 1, size - 1, NULL, 0, note,
	    sizeof(note) - 1, t, &tok, &err);
	if (t == NULL && r != BC_ERR_INVALID)
		abort();	/* a reply is only ever taken checked */
	if (r != 0 && (tok.der != NULL || err.msg[0] == '\0'))
		abort();
	if (r == 0 && (tok.der == NULL || tok.len == 0 || !tok.verified))
		abort();
	bc_tsa_token_clear(&tok);
	/* with a request of ours: its fresh nonce is never the reply's */
	if (t != NULL && bc_tsa_reply_check(data + 1, size - 1, req, reqlen,
	    note, sizeof(note) - 1, t, &tok, &err) == 0)
		abort();
	bc_tsa_token_clear(&tok);
	free(req);
	return 0;
}
