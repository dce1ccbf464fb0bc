/*
 * canon.c - RFC 8785 canonical JSON writer and a strict JSON reader.
 *
 * jansson parses and builds; this file only writes the canonical form,
 * which jansson's dumper does not produce (it sorts keys by bytes, not by
 * UTF-16 code units, and it formats reals its own way).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/canon.h"

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1) {
			if (ncap > SIZE_MAX / 2) {
				b->oom = 1;
				return;
			}
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Next Unicode scalar of a valid UTF-8 string (jansson validated it). */
static uint32_t
utf8_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	uint32_t cp;
	int n, i;

	if (p[0] < 0x80) {
		cp = p[0];
		n = 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 3;
	} else {
		cp = p[0] & 0x07;
		n = 4;
	}
	if (p + n > end)	/* truncated: treat the rest as one unit */
		n = (int)(end - p);
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	*pp = p + n;
	return cp;
}

/* Compares two UTF-8 strings by their UTF-16 code units (RFC 8785 3.2.3). */
static int
utf16_cmp(const char *a, const char *b)
{
	const unsigned char *pa = (const unsigned char *)a;
	const unsigned char *pb = (const unsigned char *)b;
	const unsigned char *ea = pa + strlen(a), *eb = pb + strlen(b);
	uint16_t ua[2], ub[2];
	int na = 0, nb = 0, ia = 0, ib = 0;
	uint32_t cp;

	for (;;) {
		if (ia == na) {
			if (pa == ea)
				na = 0;
			else if ((cp = utf8_next(&pa, ea)) >= 0x10000) {
				cp -= 0x10000;
				ua[0] = (uint16_t)(0xd800 | (cp >> 10));
				ua[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
				na = 2;
			} else {
				ua[0] = (uint16_t)cp;
				na = 1;
			}
			ia = 0;
		}
		if (ib == nb) {
			if (pb == eb)
				nb = 0;
			else if ((cp = utf8_next(&pb, eb)) >= 0x10000) {
				cp -= 0x10000;
				ub[0] = (uint16_t)(0xd800 | (cp >> 10));
				ub[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
				nb = 2;
			} else {
				ub[0] = (uint16_t)cp;
				nb = 1;
			}
			ib = 0;
		}
		if (na == 0 || nb == 0)
			return (na != 0) - (nb != 0);
		if (ua[ia] != ub[ib])
			return ua[ia] < ub[ib] ? -1 : 1;
		ia++;
		ib++;
	}
}

static int
key_cmp(const void *a, const void *b)
{
	return utf16_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void
write_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i, start = 0;
	unsigned char c;

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"':  buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			buf_add(b, esc, 6);
			break;
		}
	}
	buf_add(b, s + start, n - start);
	buf_add(b, "\"", 1);
}

static int
write_integer(struct buf *b, long long v, struct bc_err *err)
{
	char num[32];

	if (v > BC_JSON_MAX_SAFE || v < -BC_JSON_MAX_SAFE)
		return bc_err_set(err, BC_ERR_FLOAT,
		    "integer %lld is outside the exactly representable "
		    "range of +/-(2^53 - 1)", v);
	snprintf(num, sizeof(num), "%lld", v);
	buf_str(b, num);
	return 0;
}

static int
write_value(struct buf *b, const json_t *v, int depth, struct bc_err *err)
{
	const char **keys = NULL;
	const char *key;
	json_t *member;
	size_t i, n;
	double d;
	int r;

	/* depth counts the containers around v: at most MAX_DEPTH nest */
	if (depth >= BC_CANON_MAX_DEPTH && (json_is_array(v) ||
	    json_is_object(v)))
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "JSON nested deeper than %d levels", BC_CANON_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_NULL:
		buf_str(b, "null");
		return 0;
	case JSON_TRUE:
		buf_str(b, "true");
		return 0;
	case JSON_FALSE:
		buf_str(b, "false");
		return 0;
	case JSON_STRING:
		write_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		return write_integer(b, (long long)json_integer_value(v), err);
	case JSON_REAL:
		d = json_real_value(v);
		if (!isfinite(d) || floor(d) != d ||
		    fabs(d) > (double)BC_JSON_MAX_SAFE)
			return bc_err_set(err, BC_ERR_FLOAT,
			    "floating-point number %.17g: signed documents "
			    "carry only integers and strings", d);
		return write_integer(b, (long long)d, err);
	case JSON_ARRAY:
		buf_add(b, "[", 1);
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_add(b, ",", 1);
			if ((r = write_value(b, json_array_get(v, i),
			    depth + 1, err)) != 0)
				return r;
		}
		buf_add(b, "]", 1);
		return 0;
	case JSON_OBJECT:
		n = json_object_size(v);
		if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL) {
			b->oom = 1;
			return BC_ERR_NOMEM;
		}
		i = 0;
		json_object_foreach((json_t *)v, key, member) {
			if (i < n)
				keys[i++] = key;
		}
		n = i;
		if (n > 1)
			qsort(keys, n, sizeof(*keys), key_cmp);
		buf_add(b, "{", 1);
		r = 0;
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_add(b, ",", 1);
			write_string(b, keys[i], strlen(keys[i]));
			buf_add(b, ":", 1);
			if ((r = write_value(b, json_object_get(v, keys[i]),
			    depth + 1, err)) != 0)
				break;
		}
		free(keys);
		if (r != 0)
			return r;
		buf_add(b, "}", 1);
		return 0;
	}
	return bc_err_set(err, BC_ERR_INTERNAL, "unknown JSON type");
}

int
bc_canon_dump(const json_t *v, char **out, size_t *outlen, struct bc_err *err)
{
	struct buf b = { NULL, 0, 0, 0 };
	int r;

	*out = NULL;
	*outlen = 0;
	if (v == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "no JSON value");
	if ((r = write_value(&b, v, 0, err)) != 0)
		goto out;
	if (b.oom || b.p == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = b.p;
	*outlen = b.len;
	b.p = NULL;
	r = 0;
 out:
	free(b.p);
	return r;
}

int
bc_json_parse(const char *text, size_t len, json_t **out, struct bc_err *err)
{
	json_error_t jerr;
	json_t *v;

	*out = NULL;
	if (len > BC_CANON_MAX_INPUT)
		return bc_err_set(err, BC_ERR_TOO_LARGE,
		    "JSON document of %zu bytes exceeds the %u-byte limit",
		    len, BC_CANON_MAX_INPUT);
	v = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    &jerr);
	if (v == NULL)
		return bc_err_set(err, BC_ERR_MALFORMED,
		    "malformed JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
	*out = v;
	return 0;
}

int
bc_canon_text(const char *text, size_t len, char **out, size_t *outlen,
    struct bc_err *err)
{
	json_t *v = NULL;
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = bc_json_parse(text, len, &v, err)) != 0)
		return r;
	r = bc_canon_dump(v, out, outlen, err);
	json_decref(v);
	return r;
}

int
bc_canon_is_canonical(const char *text, size_t len)
{
	char *c = NULL;
	size_t clen = 0;
	int ok;

	if (bc_canon_text(text, len, &c, &clen, NULL) != 0)
		return 0;
	ok = clen == len && memcmp(c, text, len) == 0;
	free(c);
	return ok;
}
