/*
 * text.c - untrusted text in front of people: terminal quoting, the check
 * of identifying fields, and names that are not UTF-8 (text.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bodycam/hash.h"
#include "bodycam/text.h"
#include "bodycam/util.h"

#define NAME_MEMBER_MAX	64	/* bytes of a member name given to us */

int
bc_text_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

size_t
bc_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;

	if ((len = bc_utf8_seq(p, n)) == 0)
		return 0;
	*cp = len == 1 ? p[0] : p[0] & (0x7f >> len);
	for (i = 1; i < len; i++)
		*cp = (*cp << 6) | (p[i] & 0x3f);
	return len;
}

int
bc_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len;

	for (; n > 0; p += len, n -= len)
		if ((len = bc_utf8_seq(p, n)) == 0)
			return 0;
	return 1;
}

/*
 * The quoted form of the character or byte at p (n bytes left) into
 * out (at least 7 bytes), NUL-terminated; *used is how many bytes of p it
 * stands for.  Returns the length of out.
 */
static size_t
quote_one(const unsigned char *p, size_t n, char out[8], size_t *used)
{
	uint32_t cp;
	size_t len;

	switch (*p) {
	case '\\':
		*used = 1;
		return (size_t)snprintf(out, 8, "\\\\");
	case '\t':
		*used = 1;
		return (size_t)snprintf(out, 8, "\\t");
	case '\n':
		*used = 1;
		return (size_t)snprintf(out, 8, "\\n");
	case '\r':
		*used = 1;
		return (size_t)snprintf(out, 8, "\\r");
	}
	if ((len = bc_utf8_decode(p, n, &cp)) == 0 || (len == 1 &&
	    bc_text_unsafe(cp))) {
		*used = 1;
		return (size_t)snprintf(out, 8, "\\x%02x", *p);
	}
	*used = len;
	if (bc_text_unsafe(cp))
		return (size_t)snprintf(out, 8, "\\u%04x", (unsigned)cp);
	memcpy(out, p, len);
	out[len] = '\0';
	return len;
}

size_t
bc_quote(char *dst, size_t dstsz, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), need = 0, off = 0, len, used;
	char one[8];
	int full = dstsz == 0;

	while (n > 0) {
		len = quote_one(p, n, one, &used);
		if (!full && off + len < dstsz) {
			memcpy(dst + off, one, len);
			off += len;
		} else
			full = 1;
		need += len;
		p += used;
		n -= used;
	}
	if (dstsz > 0)
		dst[off] = '\0';
	return need;
}

int
bc_quote_fprint(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), used;
	char one[8];

	for (; n > 0; p += used, n -= used) {
		quote_one(p, n, one, &used);
		if (fputs(one, fp) == EOF)
			return EOF;
	}
	return 0;
}

int
bc_text_check(const char *name, const char *s, struct bc_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, len;
	uint32_t cp;

	if (s == NULL)
		return 0;
	for (n = strlen(s); n > 0; p += len, n -= len) {
		if ((len = bc_utf8_decode(p, n, &cp)) == 0)
			return bc_err_set(err, BC_ERR_INVALID, "%s is not "
			    "valid UTF-8 (byte 0x%02x at offset %zu)", name,
			    *p, (size_t)(p - (const unsigned char *)s));
		if (!bc_text_unsafe(cp))
			continue;
		return bc_err_set(err, BC_ERR_INVALID, "%s contains %s "
		    "(U+%04X)", name, cp < 0x20 || (cp >= 0x7f &&
		    cp <= 0x9f) ? "a control character" :
		    cp == 0x2028 || cp == 0x2029 ? "a line separator" :
		    "a bidirectional-text control character", (unsigned)cp);
	}
	return 0;
}

char *
bc_utf8_lossy(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len, off = 0;
	char *out;

	/* each bad byte grows to 3 */
	if (n > (SIZE_MAX - 1) / 3 || (out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	for (; n > 0; p += len, n -= len) {
		if ((len = bc_utf8_seq(p, n)) == 0) {
			memcpy(out + off, "\xef\xbf\xbd", 3);
			off += 3;
			len = 1;
		} else {
			memcpy(out + off, p, len);
			off += len;
		}
	}
	out[off] = '\0';
	return out;
}

json_t *
bc_json_text(const char *s)
{
	json_t *j;
	char *lossy;

	if (bc_utf8_valid(s))
		return json_string(s);
	if ((lossy = bc_utf8_lossy(s)) == NULL)
		return NULL;
	j = json_string(lossy);
	free(lossy);
	return j;
}

/* key + BC_NAME_BYTES_SUFFIX into out; -1 when key is too long. */
static int
bytes_member(const char *key, char out[NAME_MEMBER_MAX + 8])
{
	if (strlen(key) > NAME_MEMBER_MAX)
		return -1;
	snprintf(out, NAME_MEMBER_MAX + 8, "%s%s", key, BC_NAME_BYTES_SUFFIX);
	return 0;
}

int
bc_json_set_name(json_t *obj, const char *key, const char *raw)
{
	char member[NAME_MEMBER_MAX + 8], *lossy = NULL, *hex = NULL;
	size_t n = strlen(raw);
	int r = BC_ERR_NOMEM;

	if (bytes_member(key, member) != 0)
		return BC_ERR_INTERNAL;
	if (bc_utf8_valid(raw))
		return json_object_set_new(obj, key, json_string(raw)) == 0 ?
		    0 : BC_ERR_NOMEM;
	if ((lossy = bc_utf8_lossy(raw)) == NULL ||
	    (hex = malloc(n * 2 + 1)) == NULL)
		goto out;
	bc_hex((const uint8_t *)raw, n, hex);
	if (json_object_set_new(obj, key, json_string(lossy)) != 0 ||
	    json_object_set_new(obj, member, json_string(hex)) != 0)
		goto out;
	r = 0;
 out:
	free(lossy);
	free(hex);
	return r;
}

int
bc_json_get_name(const json_t *obj, const char *key, char **out)
{
	char member[NAME_MEMBER_MAX + 8], *raw = NULL, *lossy = NULL, *back;
	const char *name, *hex;
	unsigned char *buf = NULL;
	long len = 0;
	int r = BC_ERR_MALFORMED;

	*out = NULL;
	if (bytes_member(key, member) != 0)
		return BC_ERR_INTERNAL;
	if ((name = json_string_value(json_object_get(obj, key))) == NULL)
		return BC_ERR_NOT_FOUND;
	if (json_object_get(obj, member) == NULL)
		return (*out = strdup(name)) != NULL ? 0 : BC_ERR_NOMEM;
	if ((hex = json_string_value(json_object_get(obj, member))) == NULL ||
	    hex[0] == '\0' || strlen(hex) % 2 != 0)
		return BC_ERR_MALFORMED;
	if ((buf = OPENSSL_hexstr2buf(hex, &len)) == NULL || len <= 0)
		goto out;
	if ((raw = malloc((size_t)len + 1)) == NULL ||
	    (back = malloc((size_t)len * 2 + 1)) == NULL) {
		r = BC_ERR_NOMEM;
		goto out;
	}
	/* exactly the lower-case hex bc_json_set_name writes */
	bc_hex(buf, (size_t)len, back);
	r = strcmp(back, hex) == 0 ? 0 : BC_ERR_MALFORMED;
	free(back);
	if (r != 0 || memchr(buf, '\0', (size_t)len) != NULL) {
		r = BC_ERR_MALFORMED;
		goto out;
	}
	memcpy(raw, buf, (size_t)len);
	raw[len] = '\0';
	/* the bytes are of a name that needs them, and match the text */
	if (bc_utf8_valid(raw)) {
		r = BC_ERR_MALFORMED;
		goto out;
	}
	if ((lossy = bc_utf8_lossy(raw)) == NULL) {
		r = BC_ERR_NOMEM;
		goto out;
	}
	if (strcmp(lossy, name) != 0) {
		r = BC_ERR_MALFORMED;
		goto out;
	}
	*out = raw;
	raw = NULL;
	r = 0;
 out:
	OPENSSL_free(buf);
	free(raw);
	free(lossy);
	return r;
}
