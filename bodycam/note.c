/*
 * note.c - C2SP signed notes (Ed25519) and tlog checkpoints.
 *
 * The format is text, so every byte is checked before anything is
 * believed: the note is capped, must be UTF-8 without control characters,
 * and base64 must be canonical (RFC 4648 with padding, zero spare bits),
 * so that one signature has exactly one spelling.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bodycam/note.h"
#include "bodycam/util.h"

#define SIG_PREFIX	"\xe2\x80\x94 "	/* em dash U+2014, space */
#define SIG_PREFIX_LEN	(sizeof(SIG_PREFIX) - 1)
#define ALG_ED25519	0x01		/* signed-note signature type */
#define B64_LEN(n)	(((n) + 2) / 3 * 4)
#define ROOT_B64_LEN	B64_LEN(BC_SHA256_LEN)
#define STR_(x)		#x
#define STR(x)		STR_(x)

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes the padded base64 of n bytes and a NUL; returns its length. */
static size_t
b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes the canonical base64 in[0..n): whole quads, '=' only as the
 * padding of the last one, zero spare bits.  The first cap bytes go to
 * out; *outlen is the whole decoded length.  Returns 0, or -1 when in is
 * not canonical base64.
 */
static int
b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t i, j, o = 0, pad;
	uint32_t v;
	uint8_t b[3];
	int d;

	*outlen = 0;
	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		pad = 0;
		if (i + 4 == n) {
			if (in[i + 3] == '=')
				pad++;
			if (pad && in[i + 2] == '=')
				pad++;
		}
		v = 0;
		for (j = 0; j < 4; j++) {
			if (j >= 4 - pad) {
				v <<= 6;
				continue;
			}
			if ((d = b64_value(in[i + j])) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		b[0] = v >> 16 & 0xff;
		b[1] = v >> 8 & 0xff;
		b[2] = v & 0xff;
		/* the bits that padding leaves over must be zero */
		if ((pad == 1 && b[2] != 0) || (pad == 2 && b[1] != 0))
			return -1;
		for (j = 0; j < 3 - pad; j++, o++)
			if (o < cap)
				out[o] = b[j];
	}
	*outlen = o;
	return 0;
}

/* The code point of the valid UTF-8 sequence p[0..n). */
static uint32_t
utf8_cp(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t i;

	if (n == 1)
		return p[0];
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Unicode White_Space, as Go's unicode.IsSpace (and so x/mod/note). */
static int
is_space(uint32_t c)
{
	switch (c) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	}
	return c >= 0x2000 && c <= 0x200a;
}

/* C0, DEL and C1 controls. */
static int
is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/*
 * Whether s[0..n) is UTF-8 with no control character below U+0020 but
 * newline, as a signed note must be.  NULL, or why not, with *at the
 * offending byte.
 */
static const char *
text_check(const char *s, size_t n, size_t *at)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		*at = i;
		if ((k = bc_utf8_seq(p + i, n - i)) == 0)
			return "invalid UTF-8";
		if (k == 1 && p[i] < 0x20 && p[i] != '\n')
			return p[i] == '\0' ? "a NUL byte" :
			    "a control character";
	}
	return NULL;
}

/*
 * A key name of the signed-note spec: non-empty UTF-8 without Unicode
 * spaces or '+'; and, as the note around it, without C0 controls.
 */
static int
name_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k;
	uint32_t c;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i += k) {
		if ((k = bc_utf8_seq(p + i, n - i)) == 0)
			return 0;
		c = utf8_cp(p + i, k);
		if (c < 0x20 || c == '+' || is_space(c))
			return 0;
	}
	return 1;
}

/* NULL when s[0..n) is a good origin line, else why not. */
static const char *
origin_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k = 0;
	uint32_t c = 0;

	if (n == 0)
		return "empty origin";
	if (n > BC_ORIGIN_MAX)
		return "origin longer than " STR(BC_ORIGIN_MAX) " bytes";
	for (i = 0; i < n; i += k) {
		if ((k = bc_utf8_seq(p + i, n - i)) == 0)
			return "origin is not UTF-8";
		c = utf8_cp(p + i, k);
		if (is_control(c))
			return "control character in origin";
		if (i == 0 && is_space(c))
			return "origin begins with a space";
	}
	if (is_space(c))
		return "origin ends with a space";
	return NULL;
}

int
bc_origin_check(const char *origin, struct bc_err *err)
{
	const char *why;
	size_t n;

	if (origin == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "no origin");
	n = strlen(origin);
	if ((why = origin_check(origin, n)) != NULL)
		return bc_err_set(err, BC_ERR_INVALID, "bad log origin: %s",
		    why);
	if (!name_valid(origin, n))
		return bc_err_set(err, BC_ERR_INVALID, "bad log origin '%s': "
		    "it names the checkpoint signer too, so it may hold no "
		    "space and no '+'", origin);
	return 0;
}

int
bc_default_origin(char out[BC_ORIGIN_MAX + 1], struct bc_err *err)
{
	char host[256];
	uint8_t rnd[4];
	char hex[2 * sizeof(rnd) + 1];
	size_t i, n = 0;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	/* a DNS-like host name, or "localhost" */
	for (i = 0; host[i] != '\0' && n < 200; i++) {
		char c = host[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.')
			host[n++] = c;
		else if (c >= 'A' && c <= 'Z')
			host[n++] = (char)(c - 'A' + 'a');
	}
	host[n] = '\0';
	if (n == 0)
		snprintf(host, sizeof(host), "localhost");
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return bc_err_set(err, BC_ERR_CRYPTO, "no random bytes");
	bc_hex(rnd, sizeof(rnd), hex);
	snprintf(out, BC_ORIGIN_MAX + 1, "%s/bodycam/%s", host, hex);
	return bc_origin_check(out, err);
}

/* SHA-256(name || "\n" || alg || pub)[:4]: a note key id of any type. */
static int
key_id(const char *key_name, int alg, const uint8_t pub[BC_ED25519_PUBLEN],
    uint8_t id[BC_NOTE_KEYID_LEN])
{
	uint8_t sep[2] = { '\n', (uint8_t)alg };
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int r = BC_ERR_CRYPTO;

	if (key_name == NULL || pub == NULL ||
	    !name_valid(key_name, strlen(key_name)))
		return BC_ERR_INVALID;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return BC_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, bc_sha256_md(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, key_name, strlen(key_name)) == 1 &&
	    EVP_DigestUpdate(ctx, sep, sizeof(sep)) == 1 &&
	    EVP_DigestUpdate(ctx, pub, BC_ED25519_PUBLEN) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 &&
	    mdlen == BC_SHA256_LEN) {
		memcpy(id, md, BC_NOTE_KEYID_LEN);
		r = 0;
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

int
bc_note_key_id(const char *key_name, const struct bc_key *key,
    uint8_t id[BC_NOTE_KEYID_LEN])
{
	if (key == NULL)
		return BC_ERR_INVALID;
	return key_id(key_name, ALG_ED25519, bc_key_public(key), id);
}

int
bc_cosig_key_id(const char *name, const struct bc_key *key,
    uint8_t id[BC_NOTE_KEYID_LEN])
{
	if (key == NULL)
		return BC_ERR_INVALID;
	return key_id(name, BC_VKEY_COSIG_V1, bc_key_public(key), id);
}

int
bc_vkey_format(const char *name, int alg, const struct bc_key *key,
    char **out, struct bc_err *err)
{
	uint8_t id[BC_NOTE_KEYID_LEN], raw[1 + BC_ED25519_PUBLEN];
	char b64[B64_LEN(sizeof(raw)) + 1];
	size_t n;
	int r;

	*out = NULL;
	if (alg != ALG_ED25519 && alg != BC_VKEY_COSIG_V1)
		return bc_err_set(err, BC_ERR_INVALID, "vkey: unknown "
		    "signature type %d", alg);
	if ((r = key_id(name, alg, key == NULL ? NULL : bc_key_public(key),
	    id)) != 0)
		return bc_err_set(err, r, "vkey: invalid key name (empty, a "
		    "space, '+' or not UTF-8)");
	raw[0] = (uint8_t)alg;
	memcpy(raw + 1, bc_key_public(key), BC_ED25519_PUBLEN);
	b64_encode(raw, sizeof(raw), b64);
	n = strlen(name) + 1 + 8 + 1 + strlen(b64) + 1;
	if ((*out = malloc(n)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	snprintf(*out, n, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1],
	    id[2], id[3], b64);
	return 0;
}

int
bc_vkey_parse(const char *s, char name[BC_VKEY_NAME_MAX + 1], int *alg,
    struct bc_key **key, struct bc_err *err)
{
	uint8_t id[BC_NOTE_KEYID_LEN], raw[1 + BC_ED25519_PUBLEN + 1];
	const char *p1, *p2;
	size_t n, rawlen;
	char hex[9];
	int r;

	*key = NULL;
	n = strlen(s);
	if ((p1 = strchr(s, '+')) == NULL ||
	    (p2 = strchr(p1 + 1, '+')) == NULL || p2 - p1 != 9 ||
	    (size_t)(p1 - s) > BC_VKEY_NAME_MAX || p1 == s)
		return bc_err_set(err, BC_ERR_MALFORMED, "vkey: not "
		    "NAME+KEYID+BASE64 (a name of at most %d bytes, 8 hex "
		    "digits)", BC_VKEY_NAME_MAX);
	memcpy(name, s, (size_t)(p1 - s));
	name[p1 - s] = '\0';
	if (!name_valid(name, strlen(name)))
		return bc_err_set(err, BC_ERR_MALFORMED, "vkey: invalid key "
		    "name (a space, '+', a control or not UTF-8)");
	if (b64_decode(p2 + 1, n - (size_t)(p2 + 1 - s), raw, sizeof(raw),
	    &rawlen) != 0 || rawlen != 1 + BC_ED25519_PUBLEN)
		return bc_err_set(err, BC_ERR_MALFORMED, "vkey %s: the key is "
		    "not the canonical base64 of a type byte and a 32-byte "
		    "Ed25519 key", name);
	if (raw[0] != ALG_ED25519 && raw[0] != BC_VKEY_COSIG_V1)
		return bc_err_set(err, BC_ERR_MALFORMED, "vkey %s: signature "
		    "type 0x%02x is neither Ed25519 (0x01) nor cosignature/v1 "
		    "(0x04)", name, raw[0]);
	if ((r = key_id(name, raw[0], raw + 1, id)) != 0)
		return bc_err_set(err, r, "vkey %s: cannot compute its key "
		    "id", name);
	snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", id[0], id[1], id[2],
	    id[3]);
	if (memcmp(hex, p1 + 1, 8) != 0)
		return bc_err_set(err, BC_ERR_MALFORMED, "vkey %s: key id %.8s "
		    "is not that of its key (%s)", name, p1 + 1, hex);
	if ((r = bc_key_from_raw(raw + 1, key)) != 0)
		return bc_err_set(err, r, "vkey %s: not an Ed25519 public key",
		    name);
	*alg = raw[0];
	return 0;
}

int
bc_note_sign(const char *text, size_t len, const char *key_name,
    const struct bc_key *key, char **note, size_t *notelen,
    struct bc_err *err)
{
	uint8_t raw[BC_NOTE_KEYID_LEN + BC_ED25519_SIGLEN];
	char b64[B64_LEN(sizeof(raw)) + 1];
	const char *why;
	size_t namelen, b64len, n, at;
	char *buf, *p;
	int r;

	*note = NULL;
	*notelen = 0;
	if (key == NULL || !bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_INVALID,
		    "a private key is needed to sign a note");
	if (key_name == NULL || (namelen = strlen(key_name)) > BC_NOTE_MAX ||
	    !name_valid(key_name, namelen))
		return bc_err_set(err, BC_ERR_INVALID, "invalid note key "
		    "name (empty, a space, '+' or not UTF-8)");
	if (len > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "note text of %zu "
		    "bytes exceeds the %d-byte limit", len, BC_NOTE_MAX);
	if (len == 0 || text[len - 1] != '\n')
		return bc_err_set(err, BC_ERR_INVALID,
		    "note text does not end in a newline");
	if ((why = text_check(text, len, &at)) != NULL)
		return bc_err_set(err, BC_ERR_INVALID,
		    "note text: %s at byte %zu", why, at);

	if ((r = bc_note_key_id(key_name, key, raw)) != 0)
		return bc_err_set(err, r, "cannot compute the note key id");
	if ((r = bc_sign(key, text, len, raw + BC_NOTE_KEYID_LEN)) != 0)
		return bc_err_set(err, r, "cannot sign the note");
	b64len = b64_encode(raw, sizeof(raw), b64);

	/* text, blank line, "— name b64\n" */
	n = len + 1 + SIG_PREFIX_LEN + namelen + 1 + b64len + 1;
	if (n > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "signed note of %zu "
		    "bytes exceeds the %d-byte limit", n, BC_NOTE_MAX);
	if ((buf = malloc(n + 1)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	p = buf;
	memcpy(p, text, len);
	p += len;
	*p++ = '\n';
	memcpy(p, SIG_PREFIX, SIG_PREFIX_LEN);
	p += SIG_PREFIX_LEN;
	memcpy(p, key_name, namelen);
	p += namelen;
	*p++ = ' ';
	memcpy(p, b64, b64len);
	p += b64len;
	*p++ = '\n';
	*p = '\0';
	*note = buf;
	*notelen = n;
	return 0;
}

/* The offset of the last "\n\n" in s[0..n), or -1. */
static long
last_blank(const char *s, size_t n)
{
	size_t i;

	for (i = n; i >= 2; i--)
		if (s[i - 2] == '\n' && s[i - 1] == '\n')
			return (long)(i - 2);
	return -1;
}

/*
 * Takes apart the signature line p[0..eol) (number lineno): "— ", a key
 * name, a space, canonical base64 of more than a key id, whose first cap
 * bytes go to raw.  0, or BC_ERR_MALFORMED with err saying why (err may
 * be NULL).
 */
static int
sig_line(const char *p, const char *eol, size_t lineno, const char **name,
    size_t *namelen, uint8_t *raw, size_t cap, size_t *rawlen,
    struct bc_err *err)
{
	const char *b64;

	if ((size_t)(eol - p) < SIG_PREFIX_LEN ||
	    memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return bc_err_set(err, BC_ERR_MALFORMED, "signature line %zu "
		    "does not begin with an em dash and a space", lineno);
	*name = p + SIG_PREFIX_LEN;
	if ((b64 = memchr(*name, ' ', (size_t)(eol - *name))) == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "signature line %zu "
		    "has no signature", lineno);
	*namelen = (size_t)(b64 - *name);
	b64++;
	if (!name_valid(*name, *namelen))
		return bc_err_set(err, BC_ERR_MALFORMED, "signature line %zu: "
		    "invalid key name", lineno);
	if (b64_decode(b64, (size_t)(eol - b64), raw, cap, rawlen) != 0 ||
	    *rawlen <= BC_NOTE_KEYID_LEN)
		return bc_err_set(err, BC_ERR_MALFORMED, "signature line %zu: "
		    "invalid base64 signature", lineno);
	return 0;
}

int
bc_note_verify(const char *note, size_t len, const char *key_name,
    const struct bc_key *key, size_t *textlen, struct bc_err *err)
{
	size_t nsigs;

	return bc_note_open(note, len, key_name, key, textlen, &nsigs, err);
}

int
bc_note_open(const char *note, size_t len, const char *key_name,
    const struct bc_key *key, size_t *textlen, size_t *nsigs,
    struct bc_err *err)
{
	/* a signature of key's is 68 bytes; longer ones are cut, and fail */
	uint8_t id[BC_NOTE_KEYID_LEN];
	uint8_t raw[BC_NOTE_KEYID_LEN + BC_ED25519_SIGLEN];
	const char *p, *end, *eol, *name, *why;
	size_t namelen, tlen, rawlen, at, lineno = 0, nmatch = 0;
	long split;
	int r, bad = 0;

	*nsigs = 0;

	if (textlen != NULL)
		*textlen = 0;
	if (key == NULL || key_name == NULL ||
	    !name_valid(key_name, strlen(key_name)))
		return bc_err_set(err, BC_ERR_INVALID, "invalid note key "
		    "name (empty, a space, '+' or not UTF-8)");
	if (len > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "signed note of %zu "
		    "bytes exceeds the %d-byte limit", len, BC_NOTE_MAX);
	if ((why = text_check(note, len, &at)) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "signed note: %s at byte %zu", why, at);
	/* the text ends at the last blank line, its final newline kept */
	if ((split = last_blank(note, len)) < 0)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "signed note: no blank line before the signatures");
	tlen = (size_t)split + 1;
	p = note + tlen + 1;
	end = note + len;
	if (p == end)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "signed note: no signature lines");
	if (end[-1] != '\n')
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "signed note: the last line does not end in a newline");
	if ((r = bc_note_key_id(key_name, key, id)) != 0)
		return bc_err_set(err, r, "cannot compute the note key id");

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (++lineno > BC_NOTE_MAX_SIGS)
			return bc_err_set(err, BC_ERR_MALFORMED, "signed "
			    "note: more than %d signatures", BC_NOTE_MAX_SIGS);
		if ((r = sig_line(p, eol, lineno, &name, &namelen, raw,
		    sizeof(raw), &rawlen, err)) != 0)
			return r;
		if (namelen != strlen(key_name) ||
		    memcmp(name, key_name, namelen) != 0 ||
		    memcmp(raw, id, BC_NOTE_KEYID_LEN) != 0)
			continue;	/* another key's: ignored */
		nmatch++;
		*nsigs = nmatch;
		if (bad)
			continue;	/* still read the rest for syntax */
		r = bc_verify(key, note, tlen, raw + BC_NOTE_KEYID_LEN,
		    rawlen - BC_NOTE_KEYID_LEN);
		if (r == BC_ERR_INTEGRITY) {
			bad = 1;
			bc_err_set(err, r, "signed note: bad signature by "
			    "%s on line %zu", key_name, lineno);
		} else if (r != 0)
			return bc_err_set(err, r, "cannot verify the note");
	}
	if (bad)
		return BC_ERR_INTEGRITY;
	if (nmatch == 0)
		return bc_err_set(err, BC_ERR_INTEGRITY, "signed note: no "
		    "signature by %s with key id %02x%02x%02x%02x", key_name,
		    id[0], id[1], id[2], id[3]);
	if (textlen != NULL)
		*textlen = tlen;
	return 0;
}

int
bc_checkpoint_text(const char *origin, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], char **out, size_t *len,
    struct bc_err *err)
{
	char b64[ROOT_B64_LEN + 1];
	const char *why;
	size_t olen, n;
	char *buf;
	int w;

	*out = NULL;
	*len = 0;
	if (origin == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "no origin");
	olen = strnlen(origin, BC_ORIGIN_MAX + 1);
	if ((why = origin_check(origin, olen)) != NULL)
		return bc_err_set(err, BC_ERR_INVALID, "checkpoint: %s", why);
	b64_encode(root, BC_SHA256_LEN, b64);
	/* origin, 20 digits at most, the root, three newlines, NUL */
	n = olen + 20 + ROOT_B64_LEN + 3 + 1;
	if ((buf = malloc(n)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	w = snprintf(buf, n, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
	if (w < 0 || (size_t)w >= n) {
		free(buf);
		return bc_err_set(err, BC_ERR_INTERNAL,
		    "checkpoint text does not fit");
	}
	*out = buf;
	*len = (size_t)w;
	return 0;
}

/* Parses the tree size line s[0..n): "0" or decimal with no leading 0. */
static int
parse_size(const char *s, size_t n, uint64_t *v)
{
	size_t i;
	unsigned d;

	*v = 0;
	if (n == 0 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (*v > (UINT64_MAX - d) / 10)
			return -1;
		*v = *v * 10 + d;
	}
	return 0;
}

int
bc_checkpoint_parse(const char *text, size_t len, struct bc_checkpoint *out,
    struct bc_err *err)
{
	struct bc_checkpoint c, *cp = &c;
	uint8_t root[BC_SHA256_LEN];
	const char *p, *end, *eol, *why;
	size_t rootlen, at;

	memset(out, 0, sizeof(*out));
	memset(cp, 0, sizeof(*cp));
	if (len > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "checkpoint of %zu "
		    "bytes exceeds the %d-byte limit", len, BC_NOTE_MAX);
	if ((why = text_check(text, len, &at)) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "checkpoint: %s at byte %zu", why, at);
	if (len == 0 || text[len - 1] != '\n')
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "checkpoint does not end in a newline");
	end = text + len;

	/* origin */
	p = text;
	eol = memchr(p, '\n', (size_t)(end - p));
	if ((why = origin_check(p, (size_t)(eol - p))) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "checkpoint: %s",
		    why);
	memcpy(cp->origin, p, (size_t)(eol - p));
	cp->origin[eol - p] = '\0';

	/* tree size */
	if ((p = eol + 1) == end)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "checkpoint: no tree size");
	eol = memchr(p, '\n', (size_t)(end - p));
	if (parse_size(p, (size_t)(eol - p), &cp->size) != 0)
		return bc_err_set(err, BC_ERR_MALFORMED, "checkpoint: tree "
		    "size is not a 64-bit decimal without leading zeros");

	/* root hash */
	if ((p = eol + 1) == end)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "checkpoint: no root hash");
	eol = memchr(p, '\n', (size_t)(end - p));
	if (b64_decode(p, (size_t)(eol - p), root, sizeof(root),
	    &rootlen) != 0)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "checkpoint: root hash is not base64");
	if (rootlen != BC_SHA256_LEN)
		return bc_err_set(err, BC_ERR_MALFORMED, "checkpoint: root "
		    "hash of %zu bytes, not %d", rootlen, BC_SHA256_LEN);
	memcpy(cp->root, root, sizeof(root));

	/* extension lines, kept as they are */
	if ((p = eol + 1) < end) {
		cp->ext = p;
		cp->extlen = (size_t)(end - p);
		for (; p < end; p = eol + 1) {
			eol = memchr(p, '\n', (size_t)(end - p));
			if (eol == p)
				return bc_err_set(err, BC_ERR_MALFORMED,
				    "checkpoint: empty extension line");
		}
	}
	*out = c;
	return 0;
}

int
bc_tlog_proof_format(uint64_t index, const uint8_t (*hashes)[BC_SHA256_LEN],
    size_t n, const char *note, size_t notelen, char **out, size_t *outlen,
    struct bc_err *err)
{
	char *buf, *p;
	size_t cap, i;
	int w;

	*out = NULL;
	*outlen = 0;
	if (n > BC_TLOG_PROOF_MAX_HASHES)
		return bc_err_set(err, BC_ERR_INVALID, "tlog proof: %zu "
		    "hashes, more than %d", n, BC_TLOG_PROOF_MAX_HASHES);
	if (notelen == 0 || notelen > BC_NOTE_MAX ||
	    note[notelen - 1] != '\n')
		return bc_err_set(err, BC_ERR_INVALID, "tlog proof: the "
		    "checkpoint is not a note");
	cap = sizeof(BC_TLOG_PROOF_HEADER) + 32 + n * (ROOT_B64_LEN + 1) +
	    1 + notelen + 1;
	if ((buf = malloc(cap)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	w = snprintf(buf, cap, "%s\nindex %" PRIu64 "\n",
	    BC_TLOG_PROOF_HEADER, index);
	p = buf + w;
	for (i = 0; i < n; i++) {
		p += b64_encode(hashes[i], BC_SHA256_LEN, p);
		*p++ = '\n';
	}
	*p++ = '\n';
	memcpy(p, note, notelen);
	p += notelen;
	*p = '\0';
	*out = buf;
	*outlen = (size_t)(p - buf);
	return 0;
}

int
bc_tlog_proof_parse(const char *data, size_t len, struct bc_tlog_proof *out,
    struct bc_err *err)
{
	static struct bc_tlog_proof zero;
	const char *p, *end, *eol, *why;
	size_t n, dlen, line = 1, at;

	*out = zero;
	if (len > BC_TLOG_PROOF_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "tlog proof of %zu "
		    "bytes exceeds the %d-byte limit", len, BC_TLOG_PROOF_MAX);
	if ((why = text_check(data, len, &at)) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: %s at "
		    "byte %zu", why, at);
	end = data + len;
	p = data;
	if ((eol = memchr(p, '\n', len)) == NULL ||
	    (size_t)(eol - p) != sizeof(BC_TLOG_PROOF_HEADER) - 1 ||
	    memcmp(p, BC_TLOG_PROOF_HEADER, (size_t)(eol - p)) != 0)
		return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: line 1 "
		    "is not \"%s\"", BC_TLOG_PROOF_HEADER);

	/* extra data, perhaps */
	p = eol + 1;
	line++;
	if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: line "
		    "%zu: no index line", line);
	n = (size_t)(eol - p);
	if (n >= 6 && memcmp(p, "extra ", 6) == 0) {
		if (n - 6 > B64_LEN(BC_TLOG_PROOF_EXTRA_MAX) ||
		    b64_decode(p + 6, n - 6, out->extra, sizeof(out->extra),
		    &dlen) != 0 || dlen == 0)
			return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: "
			    "line %zu: extra data is not canonical base64 of "
			    "1 to %d bytes", line, BC_TLOG_PROOF_EXTRA_MAX);
		out->has_extra = 1;
		out->extralen = dlen;
		p = eol + 1;
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: "
			    "line %zu: no index line", line);
		n = (size_t)(eol - p);
	}
	if (n < 7 || memcmp(p, "index ", 6) != 0 ||
	    parse_size(p + 6, n - 6, &out->index) != 0 ||
	    out->index > INT64_MAX)
		return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: line "
		    "%zu is not \"index N\" (decimal, no leading zeros)", line);

	/* the inclusion proof, to the empty line */
	for (;;) {
		p = eol + 1;
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: "
			    "line %zu: no empty line before the checkpoint",
			    line);
		if (eol == p)
			break;
		if (out->nhashes == BC_TLOG_PROOF_MAX_HASHES)
			return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: "
			    "line %zu: more than %d proof hashes", line,
			    BC_TLOG_PROOF_MAX_HASHES);
		if ((size_t)(eol - p) != ROOT_B64_LEN ||
		    b64_decode(p, ROOT_B64_LEN, out->hashes[out->nhashes],
		    BC_SHA256_LEN, &dlen) != 0 || dlen != BC_SHA256_LEN)
			return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: "
			    "line %zu: not the canonical base64 of a 32-byte "
			    "hash", line);
		out->nhashes++;
	}

	/* the checkpoint note, to the end */
	p = eol + 1;
	line++;
	out->note = p;
	out->notelen = (size_t)(end - p);
	if (out->notelen == 0 || out->notelen > BC_NOTE_MAX ||
	    end[-1] != '\n' || p[0] == '\n' ||
	    last_blank(p, out->notelen) < 0)
		return bc_err_set(err, BC_ERR_MALFORMED, "tlog proof: line "
		    "%zu: not a signed checkpoint note to the end", line);
	return 0;
}

int
bc_note_split(const char *note, size_t len, size_t *textlen,
    struct bc_err *err)
{
	long split;

	*textlen = 0;
	if (len > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "signed note of %zu "
		    "bytes exceeds the %d-byte limit", len, BC_NOTE_MAX);
	if ((split = last_blank(note, len)) < 0 || note[len - 1] != '\n')
		return bc_err_set(err, BC_ERR_MALFORMED, "signed note: no "
		    "blank line before the signatures, or no final newline");
	*textlen = (size_t)split + 1;
	return 0;
}

/* "cosignature/v1\ntime T\n" || text: what a cosigner signs. */
static char *
cosig_message(const char *text, size_t textlen, uint64_t t, size_t *len)
{
	char head[64];
	char *msg;
	int w;

	w = snprintf(head, sizeof(head), "%s\ntime %" PRIu64 "\n",
	    BC_COSIG_HEADER, t);
	if ((msg = malloc((size_t)w + textlen)) == NULL)
		return NULL;
	memcpy(msg, head, (size_t)w);
	memcpy(msg + w, text, textlen);
	*len = (size_t)w + textlen;
	return msg;
}

int
bc_cosig_sign(const char *text, size_t textlen, const char *name,
    const struct bc_key *key, uint64_t t, char **line, size_t *linelen,
    struct bc_err *err)
{
	uint8_t raw[BC_COSIG_RAW_LEN];
	char b64[B64_LEN(BC_COSIG_RAW_LEN) + 1];
	const char *why;
	size_t namelen, mlen, at, n;
	char *msg;
	int r, i;

	*line = NULL;
	*linelen = 0;
	if (key == NULL || !bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_INVALID,
		    "a private key is needed to cosign");
	if (name == NULL || (namelen = strlen(name)) > BC_VKEY_NAME_MAX ||
	    !name_valid(name, namelen))
		return bc_err_set(err, BC_ERR_INVALID, "invalid cosigner "
		    "name (empty, a space, '+' or not UTF-8)");
	if (t > INT64_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "cosignature time "
		    "%" PRIu64 " exceeds 2^63 - 1", t);
	if (textlen == 0 || textlen > BC_NOTE_MAX || text[textlen - 1] != '\n')
		return bc_err_set(err, BC_ERR_INVALID, "note text is empty, "
		    "too large or does not end in a newline");
	if ((why = text_check(text, textlen, &at)) != NULL)
		return bc_err_set(err, BC_ERR_INVALID,
		    "note text: %s at byte %zu", why, at);
	if ((r = bc_cosig_key_id(name, key, raw)) != 0)
		return bc_err_set(err, r, "cannot compute the cosigner key id");
	for (i = 0; i < 8; i++)
		raw[BC_NOTE_KEYID_LEN + i] = (uint8_t)(t >> (56 - 8 * i));
	if ((msg = cosig_message(text, textlen, t, &mlen)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	r = bc_sign(key, msg, mlen, raw + BC_NOTE_KEYID_LEN + 8);
	free(msg);
	if (r != 0)
		return bc_err_set(err, r, "cannot cosign the checkpoint");
	b64_encode(raw, sizeof(raw), b64);
	n = SIG_PREFIX_LEN + namelen + 1 + strlen(b64) + 1;
	if ((*line = malloc(n + 1)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	snprintf(*line, n + 1, "%s%s %s\n", SIG_PREFIX, name, b64);
	*linelen = n;
	return 0;
}

int
bc_cosig_check(const char *text, size_t textlen, const char *sigs,
    size_t sigslen, const char *name, const struct bc_key *key,
    uint64_t *t, const char **line, size_t *linelen, struct bc_err *err)
{
	uint8_t id[BC_NOTE_KEYID_LEN], raw[BC_COSIG_RAW_LEN];
	const char *p, *end, *eol, *nm, *why;
	size_t namelen, rawlen, mlen, at, lineno = 0, nmatch = 0;
	uint64_t ts;
	char *msg;
	int r, i;

	*t = 0;
	if (line != NULL)
		*line = NULL;
	if (linelen != NULL)
		*linelen = 0;
	if ((r = bc_cosig_key_id(name, key, id)) != 0)
		return bc_err_set(err, r, "invalid cosigner name (empty, a "
		    "space, '+' or not UTF-8)");
	if (sigslen > BC_NOTE_MAX || textlen > BC_NOTE_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "cosigned note "
		    "exceeds the %d-byte limit", BC_NOTE_MAX);
	if ((why = text_check(sigs, sigslen, &at)) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "signature lines: %s at byte %zu", why, at);
	if (sigslen > 0 && sigs[sigslen - 1] != '\n')
		return bc_err_set(err, BC_ERR_MALFORMED, "signature lines: "
		    "the last line does not end in a newline");
	end = sigs + sigslen;
	for (p = sigs; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (++lineno > BC_NOTE_MAX_SIGS)
			return bc_err_set(err, BC_ERR_MALFORMED, "more than %d "
			    "signature lines", BC_NOTE_MAX_SIGS);
		if ((r = sig_line(p, eol, lineno, &nm, &namelen, raw,
		    sizeof(raw), &rawlen, err)) != 0)
			return r;
		if (namelen != strlen(name) || memcmp(nm, name, namelen) != 0 ||
		    memcmp(raw, id, BC_NOTE_KEYID_LEN) != 0)
			continue;	/* another key's: ignored */
		nmatch++;
		if (rawlen != BC_COSIG_RAW_LEN)
			return bc_err_set(err, BC_ERR_INTEGRITY, "cosignature "
			    "by %s on line %zu: %zu bytes, not %d", name,
			    lineno, rawlen, BC_COSIG_RAW_LEN);
		for (ts = 0, i = 0; i < 8; i++)
			ts = ts << 8 | raw[BC_NOTE_KEYID_LEN + i];
		if (ts > INT64_MAX)
			return bc_err_set(err, BC_ERR_INTEGRITY, "cosignature "
			    "by %s on line %zu: time exceeds 2^63 - 1", name,
			    lineno);
		if ((msg = cosig_message(text, textlen, ts, &mlen)) == NULL)
			return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		r = bc_verify(key, msg, mlen, raw + BC_NOTE_KEYID_LEN + 8,
		    BC_ED25519_SIGLEN);
		free(msg);
		if (r == BC_ERR_INTEGRITY)
			return bc_err_set(err, r, "bad cosignature by %s on "
			    "line %zu", name, lineno);
		if (r != 0)
			return bc_err_set(err, r, "cannot verify a "
			    "cosignature");
		if (nmatch == 1) {
			*t = ts;
			if (line != NULL)
				*line = p;
			if (linelen != NULL)
				*linelen = (size_t)(eol - p) + 1;
		}
	}
	if (nmatch == 0)
		return bc_err_set(err, BC_ERR_NOT_FOUND, "no cosignature by "
		    "%s with key id %02x%02x%02x%02x", name, id[0], id[1],
		    id[2], id[3]);
	return 0;
}

int
bc_note_hash_parse(const char *s, size_t n, uint8_t out[BC_SHA256_LEN])
{
	size_t dlen;

	if (n != ROOT_B64_LEN || b64_decode(s, n, out, BC_SHA256_LEN,
	    &dlen) != 0 || dlen != BC_SHA256_LEN)
		return -1;
	return 0;
}

void
bc_note_hash_format(const uint8_t h[BC_SHA256_LEN],
    char out[BC_NOTE_HASH_B64 + 1])
{
	b64_encode(h, BC_SHA256_LEN, out);
}

int
bc_note_sig_line_ok(const char *p, size_t n)
{
	const char *name;
	uint8_t raw[8];
	size_t namelen, rawlen;

	if (n == 0 || p[n - 1] != '\n' || memchr(p, '\n', n - 1) != NULL)
		return 0;
	return sig_line(p, p + n - 1, 1, &name, &namelen, raw, sizeof(raw),
	    &rawlen, NULL) == 0;
}
