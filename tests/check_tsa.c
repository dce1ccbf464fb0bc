/*
 * check_tsa.c - RFC 3161 tokens (tsa.c): a token and a reply made by
 * 'openssl ts -reply' checked over their note, and the refusal of a
 * token over another note, from another TSA, truncated, with trailing
 * bytes, oversized or not a token at all; the request bodycam makes,
 * read back with OpenSSL's own parser; a reply's nonce and status.
 *
 * The fixtures were made with the openssl command line (OpenSSL 3.0.19),
 * certificates valid for 100 years so that the chain still verifies:
 *
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *       -keyout ca.key -out ca.pem -days 36500 -subj "/CN=fx test CA" \
 *       -addext basicConstraints=critical,CA:TRUE \
 *       -addext keyUsage=critical,keyCertSign,cRLSign
 *   openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
 *       -keyout tsa.key -out tsa.csr -subj "/CN=fx test TSA"
 *   openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -days 36500 \
 *       -extfile ext.cnf -out tsa.pem	# EKU critical,timeStamping
 *   (other_ca_pem: the same for "other")
 *   openssl ts -query -data note.txt -sha256 -cert -out q.tsq
 *   openssl ts -reply -config ts.cnf -queryfile q.tsq -out r.tsr
 *   openssl ts -reply -config ts.cnf -queryfile q.tsq -token_out -out t.der
 *
 * (ts.cnf: signer_digest sha256, accuracy secs:1, ess_cert_id_alg
 * sha256, the CA in certs.)  note.txt is fixed_note below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "testutil.h"
#include "bodycam/hash.h"
#include "bodycam/tsa.h"

static const char fixed_note[] =
    "bodycam.example/log\n42\n"
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
    "\xe2\x80\x94 bodycam.example/log AAAAAA==\n";

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
static const char other_ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBlzCCAT2gAwIBAgIUKi1U9nCgMP9JU0wYRElT4j+0e7MwCgYIKoZIzj0EAwIw\n"
    "GDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTAgFw0yNjEyMDcwMjQwNDVaGA8yMTI2\n"
    "MTExMzAyNDA0NVowGDEWMBQGA1UEAwwNb3RoZXIgdGVzdCBDQTBZMBMGByqGSM49\n"
    "AgEGCCqGSM49AwEHA0IABLyIUg7fuXPiwXaffduZNH/f9BAObp7TXGx3IYayJX+r\n"
    "c46n1Ga/yW7Ko02cdHJfQ98SX9uIvccld8/agJJ0RvGjYzBhMB0GA1UdDgQWBBRW\n"
    "Ca44Jmp/b7B8qn6sNs8448DYFjAfBgNVHSMEGDAWgBRWCa44Jmp/b7B8qn6sNs84\n"
    "48DYFjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQD\n"
    "AgNIADBFAiEAx2l2jJ0k0S0jxCRBxsXp5NoJkcn/RS3gk3fswD6SFPcCIH4fJNCZ\n"
    "rxoEMTrnoqqd9xKcJhLS22ffMzljYoRfBd8Z\n"
    "-----END CERTIFICATE-----\n";
static const char token_b64[] =
    "MIIFIwYJKoZIhvcNAQcCoIIFFDCCBRACAQMxDzANBglghkgBZQMEAgEFADB1Bgsq"
    "hkiG9w0BCRABBKBmBGQwYgIBAQYEKgMEATAxMA0GCWCGSAFlAwQCAQUABCD1xQae"
    "6y8/AA8OuIHwZfIkIJvV6rolEapmD+LdtIR69gIBAxgPMjAyNjEyMDcwMjQwNDVa"
    "MAMCAQEBAf8CCFgNa3z9f6ihoIIDPDCCAaQwggFKoAMCAQICFEuHTXXSiWN04WxR"
    "96M64w2aMUeDMAoGCCqGSM49BAMCMBUxEzARBgNVBAMMCmZ4IHRlc3QgQ0EwIBcN"
    "MjYxMjA3MDI0MDQ1WhgPMjEyNjExMTMwMjQwNDVaMBYxFDASBgNVBAMMC2Z4IHRl"
    "c3QgVFNBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxOLiToybSgRaERgmSnj"
    "4NXzWMb8kkOuXZbt5sSmBj9LkFkRwLpsT/Kwm6YW2RiJMb+kBc5lG6Mjq0ApEmGn"
    "qKN1MHMwCQYDVR0TBAIwADAOBgNVHQ8BAf8EBAMCB4AwFgYDVR0lAQH/BAwwCgYI"
    "KwYBBQUHAwgwHQYDVR0OBBYEFGL7wzhqQKRGu0NvQJTWIiAt/hHuMB8GA1UdIwQY"
    "MBaAFHkI2qs/E3cVgX6t/isQtgByFBOPMAoGCCqGSM49BAMCA0gAMEUCIQCW+o+o"
    "jeXXBT3FU4VtJ5bBImp70fBE1Nk0us6qlffQfgIgE2Pz9v2FdJnUnaw5ng8Wd8Hr"
    "Kfd9YagTUyl0+gs0huMwggGQMIIBN6ADAgECAhRKI1e/D4Fx9TEb9XS1a2V1R3/h"
    "czAKBggqhkjOPQQDAjAVMRMwEQYDVQQDDApmeCB0ZXN0IENBMCAXDTI2MTIwNzAy"
    "NDA0NVoYDzIxMjYxMTEzMDI0MDQ1WjAVMRMwEQYDVQQDDApmeCB0ZXN0IENBMFkw"
    "EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5RchxN2q5v4IduHS1cU3k5IuLHZ6ebNN"
    "o1uH8tMTMTcLLmppfP55Q/cSpm62O3cnPKi7z1oOWfZEA9h+xJqa86NjMGEwHQYD"
    "VR0OBBYEFHkI2qs/E3cVgX6t/isQtgByFBOPMB8GA1UdIwQYMBaAFHkI2qs/E3cV"
    "gX6t/isQtgByFBOPMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoG"
    "CCqGSM49BAMCA0cAMEQCIFxkqA8FGC2Ydisoetx64jSMJClhrRT/12G6vOpliueG"
    "AiARmea+DJ/9lgZWUpwKmwr/swA17p+JTExemEEYAZNBFjGCAUEwggE9AgEBMC0w"
    "FTETMBEGA1UEAwwKZnggdGVzdCBDQQIUS4dNddKJY3ThbFH3ozrjDZoxR4MwDQYJ"
    "YIZIAWUDBAIBBQCggaQwGgYJKoZIhvcNAQkDMQ0GCyqGSIb3DQEJEAEEMBwGCSqG"
    "SIb3DQEJBTEPFw0yNjEyMDcwMjQwNDVaMC8GCSqGSIb3DQEJBDEiBCDKEQoxErSL"
    "MxQdZtTlnOPDmD93+LQs7eqjU1g9aalunjA3BgsqhkiG9w0BCRACLzEoMCYwJDAi"
    "BCCGOZrzo2M2jAmp4bqWBRsK5COp04T5ic7O57QVyseaxDAKBggqhkjOPQQDAgRH"
    "MEUCIQDRXMUC/RE2xmQELAbhGKvcCji65lyOkhJUIHETTWNjlAIgJ9mjhmn02ldp"
    "wFViFHjrRbWQzWjtpVagu1HgDweXbeQ=";
static const char reply_b64[] =
    "MIIFLDADAgEAMIIFIwYJKoZIhvcNAQcCoIIFFDCCBRACAQMxDzANBglghkgBZQME"
    "AgEFADB1BgsqhkiG9w0BCRABBKBmBGQwYgIBAQYEKgMEATAxMA0GCWCGSAFlAwQC"
    "AQUABCD1xQae6y8/AA8OuIHwZfIkIJvV6rolEapmD+LdtIR69gIBAhgPMjAyNjEy"
    "MDcwMjQwNDVaMAMCAQEBAf8CCFgNa3z9f6ihoIIDPDCCAaQwggFKoAMCAQICFEuH"
    "TXXSiWN04WxR96M64w2aMUeDMAoGCCqGSM49BAMCMBUxEzARBgNVBAMMCmZ4IHRl"
    "c3QgQ0EwIBcNMjYxMjA3MDI0MDQ1WhgPMjEyNjExMTMwMjQwNDVaMBYxFDASBgNV"
    "BAMMC2Z4IHRlc3QgVFNBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxOLiToy"
    "bSgRaERgmSnj4NXzWMb8kkOuXZbt5sSmBj9LkFkRwLpsT/Kwm6YW2RiJMb+kBc5l"
    "G6Mjq0ApEmGnqKN1MHMwCQYDVR0TBAIwADAOBgNVHQ8BAf8EBAMCB4AwFgYDVR0l"
    "AQH/BAwwCgYIKwYBBQUHAwgwHQYDVR0OBBYEFGL7wzhqQKRGu0NvQJTWIiAt/hHu"
    "MB8GA1UdIwQYMBaAFHkI2qs/E3cVgX6t/isQtgByFBOPMAoGCCqGSM49BAMCA0gA"
    "MEUCIQCW+o+ojeXXBT3FU4VtJ5bBImp70fBE1Nk0us6qlffQfgIgE2Pz9v2FdJnU"
    "naw5ng8Wd8HrKfd9YagTUyl0+gs0huMwggGQMIIBN6ADAgECAhRKI1e/D4Fx9TEb"
    "9XS1a2V1R3/hczAKBggqhkjOPQQDAjAVMRMwEQYDVQQDDApmeCB0ZXN0IENBMCAX"
    "DTI2MTIwNzAyNDA0NVoYDzIxMjYxMTEzMDI0MDQ1WjAVMRMwEQYDVQQDDApmeCB0"
    "ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5RchxN2q5v4IduHS1cU3"
    "k5IuLHZ6ebNNo1uH8tMTMTcLLmppfP55Q/cSpm62O3cnPKi7z1oOWfZEA9h+xJqa"
    "86NjMGEwHQYDVR0OBBYEFHkI2qs/E3cVgX6t/isQtgByFBOPMB8GA1UdIwQYMBaA"
    "FHkI2qs/E3cVgX6t/isQtgByFBOPMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/"
    "BAQDAgEGMAoGCCqGSM49BAMCA0cAMEQCIFxkqA8FGC2Ydisoetx64jSMJClhrRT/"
    "12G6vOpliueGAiARmea+DJ/9lgZWUpwKmwr/swA17p+JTExemEEYAZNBFjGCAUEw"
    "ggE9AgEBMC0wFTETMBEGA1UEAwwKZnggdGVzdCBDQQIUS4dNddKJY3ThbFH3ozrj"
    "DZoxR4MwDQYJYIZIAWUDBAIBBQCggaQwGgYJKoZIhvcNAQkDMQ0GCyqGSIb3DQEJ"
    "EAEEMBwGCSqGSIb3DQEJBTEPFw0yNjEyMDcwMjQwNDVaMC8GCSqGSIb3DQEJBDEi"
    "BCB+7A9IeW8LXtHW/eSbMtL1NETAZpC02MQag6Vm+gJ/PjA3BgsqhkiG9w0BCRAC"
    "LzEoMCYwJDAiBCCGOZrzo2M2jAmp4bqWBRsK5COp04T5ic7O57QVyseaxDAKBggq"
    "hkjOPQQDAgRHMEUCIGC8yQDIRu42g1lIbRgORXhHOqddqbnzvVtP92YTDDF0AiEA"
    "6vblLHWKg1uPpQaccepWmigMLJcJGQkkD/Vo1CLI35g=";
static const char query_b64[] =
    "MEMCAQEwMTANBglghkgBZQMEAgEFAAQg9cUGnusvPwAPDriB8GXyJCCb1eq6JRGq"
    "Zg/i3bSEevYCCFgNa3z9f6ihAQH/";

/* base64 (with line breaks removed) to bytes; the caller frees. */
static uint8_t *
unb64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *out = malloc(n);
	int k;

	ck_assert_ptr_nonnull(out);
	k = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	ck_assert_int_gt(k, 0);
	/* EVP_DecodeBlock counts the padding as zero bytes */
	while (n > 0 && s[n - 1] == '=') {
		n--;
		k--;
	}
	*len = (size_t)k;
	return out;
}

static struct bc_tsa_trust *
trust_of(const char *pem)
{
	struct bc_tsa_trust *t = NULL;
	struct bc_err err = { 0 };
	const char *p = tu_path("ca.pem");

	ck_assert_int_eq(tu_write_str(p, pem), 0);
	ck_assert_msg(bc_tsa_trust_load(p, &t, &err) == 0, "%s", err.msg);
	return t;
}

START_TEST(test_token_good)
{
	struct bc_tsa_trust *t = trust_of(ca_pem);
	struct bc_tsa_token tok;
	struct bc_err err = { 0 };
	uint8_t *der;
	size_t len;

	der = unb64(token_b64, &len);
	ck_assert_msg(bc_tsa_token_check(der, len, fixed_note,
	    strlen(fixed_note), t, &tok, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tok.verified, 1);
	ck_assert_uint_eq(tok.len, len);
	ck_assert_mem_eq(tok.der, der, len);
	ck_assert_int_eq((int)strlen(tok.time), 20);	/* ...T..:..:..Z */
	ck_assert_int_eq(tok.time[19], 'Z');
	ck_assert_int_gt(tok.latest, 1700000000);
	ck_assert_str_eq(tok.signer, "/CN=fx test TSA");
	bc_tsa_token_clear(&tok);
	/* without anchors: the imprint only, and said so */
	ck_assert_int_eq(bc_tsa_token_check(der, len, fixed_note,
	    strlen(fixed_note), NULL, &tok, &err), 0);
	ck_assert_int_eq(tok.verified, 0);
	bc_tsa_token_clear(&tok);
	free(der);
	bc_tsa_trust_free(t);
}
END_TEST

START_TEST(test_token_other_note)
{
	struct bc_tsa_trust *t = trust_of(ca_pem);
	struct bc_err err = { 0 };
	char note[sizeof(fixed_note)];
	uint8_t *der;
	size_t len;

	der = unb64(token_b64, &len);
	memcpy(note, fixed_note, sizeof(note));
	note[20] = '3';		/* 32 leaves, not 42 */
	ck_assert_int_eq(bc_tsa_token_check(der, len, note, strlen(note), t,
	    NULL, &err), BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(strstr(err.msg, "over another checkpoint"));
	/* even without anchors */
	ck_assert_int_eq(bc_tsa_token_check(der, len, note, strlen(note),
	    NULL, NULL, &err), BC_ERR_INTEGRITY);
	/* the note without its last byte is another note */
	ck_assert_int_eq(bc_tsa_token_check(der, len, fixed_note,
	    strlen(fixed_note) - 1, NULL, NULL, &err), BC_ERR_INTEGRITY);
	free(der);
	bc_tsa_trust_free(t);
}
END_TEST

START_TEST(test_token_other_tsa)
{
	struct bc_tsa_trust *t = trust_of(other_ca_pem);
	struct bc_tsa_token tok;
	struct bc_err err = { 0 };
	uint8_t *der;
	size_t len;

	der = unb64(token_b64, &len);
	ck_assert_int_eq(bc_tsa_token_check(der, len, fixed_note,
	    strlen(fixed_note), t, &tok, &err), BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not verify"));
	ck_assert_ptr_null(tok.der);
	free(der);
	bc_tsa_trust_free(t);
}
END_TEST

START_TEST(test_token_malformed)
{
	struct bc_tsa_trust *t = trust_of(ca_pem);
	struct bc_err err = { 0 };
	uint8_t *der, *big;
	size_t len, i;
	int r;

	der = unb64(token_b64, &len);
	/* a byte more, after the DER */
	big = calloc(BC_TSA_TOKEN_MAX + 1, 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, der, len);
	ck_assert_int_eq(bc_tsa_token_check(big, len + 1, fixed_note,
	    strlen(fixed_note), t, NULL, &err), BC_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(err.msg, "after the time-stamp token"));
	/* over the cap: refused before parsing */
	ck_assert_int_eq(bc_tsa_token_check(big, BC_TSA_TOKEN_MAX + 1,
	    fixed_note, strlen(fixed_note), t, NULL, &err), BC_ERR_TOO_LARGE);
	/* every truncation */
	for (i = 0; i < len; i++)
		ck_assert_int_eq(bc_tsa_token_check(der, i, fixed_note,
		    strlen(fixed_note), t, NULL, &err), BC_ERR_MALFORMED);
	/* a query or a whole reply is not a token */
	free(big);
	big = unb64(query_b64, &i);
	ck_assert_int_eq(bc_tsa_token_check(big, i, fixed_note,
	    strlen(fixed_note), t, NULL, &err), BC_ERR_MALFORMED);
	free(big);
	big = unb64(reply_b64, &i);
	ck_assert_int_eq(bc_tsa_token_check(big, i, fixed_note,
	    strlen(fixed_note), t, NULL, &err), BC_ERR_MALFORMED);
	free(big);
	/*
	 * Each byte flipped in turn: never a crash, and never accepted where
	 * it matters.  CMS leaves some bytes unsigned (the outer version and
	 * digest parameters, the certificates the token carries beside the
	 * trusted one, the signature algorithm's name), which OpenSSL and
	 * bodycam accept changed; but a flip in what the TSA signed (offsets
	 * from 'openssl asn1parse' of the fixture: the TSTInfo at 58..161,
	 * the signed attributes at 1067..1233, the signature at 1246..) or
	 * in the TSA's own certificate (162..589) is always refused.
	 */
	ck_assert_uint_eq(len, 1319);
	for (i = 0; i < len; i++) {
		der[i] ^= 0x01;
		r = bc_tsa_token_check(der, len, fixed_note,
		    strlen(fixed_note), t, NULL, &err);
		ck_assert(r == 0 || r == BC_ERR_MALFORMED ||
		    r == BC_ERR_INTEGRITY);
		if ((i >= 58 && i < 590) || (i >= 1067 && i < 1234) ||
		    i >= 1246)
			ck_assert_msg(r != 0, "byte %zu flipped: accepted", i);
		der[i] ^= 0x01;
	}
	free(der);
	bc_tsa_trust_free(t);
}
END_TEST

START_TEST(test_reply)
{
	struct bc_tsa_trust *t = trust_of(ca_pem);
	struct bc_tsa_token tok;
	struct bc_err err = { 0 };
	uint8_t *rep, *q, *mine, *trail;
	size_t rlen, qlen, mlen;
	static const uint8_t rejected[] = {	/* status rejection (2) */
		0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02
	};

	rep = unb64(reply_b64, &rlen);
	q = unb64(query_b64, &qlen);
	/* with its own request: the nonce matches */
	ck_assert_msg(bc_tsa_reply_check(rep, rlen, q, qlen, fixed_note,
	    strlen(fixed_note), t, &tok, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tok.verified, 1);
	bc_tsa_token_clear(&tok);
	/* with a request of ours over the same note: another nonce */
	ck_assert_int_eq(bc_tsa_request(fixed_note, strlen(fixed_note), &mine,
	    &mlen, &err), 0);
	ck_assert_int_eq(bc_tsa_reply_check(rep, rlen, mine, mlen, fixed_note,
	    strlen(fixed_note), t, &tok, &err), BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(strstr(err.msg, "nonce"));
	/* without a request (file mode): accepted */
	ck_assert_int_eq(bc_tsa_reply_check(rep, rlen, NULL, 0, fixed_note,
	    strlen(fixed_note), t, &tok, &err), 0);
	bc_tsa_token_clear(&tok);
	/* no anchors: refused, a reply is only ever taken checked */
	ck_assert_int_eq(bc_tsa_reply_check(rep, rlen, NULL, 0, fixed_note,
	    strlen(fixed_note), NULL, &tok, &err), BC_ERR_INVALID);
	/* trailing data, a refusal, the cap */
	trail = calloc(BC_TSA_REPLY_MAX + 1, 1);
	ck_assert_ptr_nonnull(trail);
	memcpy(trail, rep, rlen);
	ck_assert_int_eq(bc_tsa_reply_check(trail, rlen + 1, NULL, 0,
	    fixed_note, strlen(fixed_note), t, &tok, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_tsa_reply_check(trail, BC_TSA_REPLY_MAX + 1, NULL,
	    0, fixed_note, strlen(fixed_note), t, &tok, &err),
	    BC_ERR_TOO_LARGE);
	ck_assert_int_eq(bc_tsa_reply_check(rejected, sizeof(rejected), NULL,
	    0, fixed_note, strlen(fixed_note), t, &tok, &err),
	    BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(strstr(err.msg, "rejection"));
	free(trail);
	free(mine);
	free(q);
	free(rep);
	bc_tsa_trust_free(t);
}
END_TEST

START_TEST(test_request)
{
	struct bc_err err = { 0 };
	const unsigned char *p;
	uint8_t *a, *b, digest[BC_SHA256_LEN];
	size_t alen, blen;
	TS_REQ *req;
	TS_MSG_IMPRINT *mi;
	ASN1_OCTET_STRING *msg;

	ck_assert_int_eq(bc_tsa_request(fixed_note, strlen(fixed_note), &a,
	    &alen, &err), 0);
	ck_assert_int_eq(bc_tsa_request(fixed_note, strlen(fixed_note), &b,
	    &blen, &err), 0);
	p = a;
	req = d2i_TS_REQ(NULL, &p, (long)alen);
	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_eq(p, a + alen);
	ck_assert_int_eq(TS_REQ_get_version(req), 1);
	ck_assert_int_eq(TS_REQ_get_cert_req(req), 1);
	ck_assert_ptr_nonnull(TS_REQ_get_nonce(req));
	ck_assert_ptr_null(TS_REQ_get_policy_id(req));
	mi = TS_REQ_get_msg_imprint(req);
	ck_assert_int_eq(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm),
	    NID_sha256);
	msg = TS_MSG_IMPRINT_get_msg(mi);
	ck_assert_int_eq(bc_sha256(fixed_note, strlen(fixed_note), digest), 0);
	ck_assert_int_eq(ASN1_STRING_length(msg), BC_SHA256_LEN);
	ck_assert_mem_eq(ASN1_STRING_get0_data(msg), digest, BC_SHA256_LEN);
	/* two requests: two nonces */
	ck_assert(alen != blen || memcmp(a, b, alen) != 0);
	TS_REQ_free(req);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_trust_load)
{
	struct bc_tsa_trust *t = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_eq(tu_write_str(tu_path("none.pem"), "not a "
	    "certificate\n"), 0);
	ck_assert_int_eq(bc_tsa_trust_load(tu_path("none.pem"), &t, &err),
	    BC_ERR_MALFORMED);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(bc_tsa_trust_load(tu_path("missing.pem"), &t, &err),
	    BC_ERR_NOT_FOUND);
	bc_tsa_trust_free(NULL);
}
END_TEST

static Suite *
tsa_suite(void)
{
	Suite *s = suite_create("tsa");
	TCase *tc;

	tc = tu_tcase(s, "core", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_token_good);
	tcase_add_test(tc, test_reply);
	tcase_add_test(tc, test_request);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_token_other_note);
	tcase_add_test(tc, test_token_other_tsa);
	tcase_add_test(tc, test_token_malformed);
	tcase_add_test(tc, test_trust_load);
	return s;
}

int
main(void)
{
	return tu_run_suite(tsa_suite());
}
