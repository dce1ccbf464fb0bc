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

#include "bodycam/buf.h"
#include "bodycam/canon.h"
#include "bodycam/util.h"

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
write_string(struct bc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i, start = 0;
	unsigned char c;

	bc_buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		bc_buf_add(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"':  bc_buf_add(b, "\\\"", 2); break;
		case '\\': bc_buf_add(b, "\\\\", 2); break;
		case '\b': bc_buf_add(b, "\\b", 2); break;
		case '\t': bc_buf_add(b, "\\t", 2); break;
		case '\n': bc_buf_add(b, "\\n", 2); break;
		case '\f': bc_buf_add(b, "\\f", 2); break;
		case '\r': bc_buf_add(b, "\\r", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			bc_buf_add(b, esc, 6);
			break;
		}
	}
	bc_buf_add(b, s + start, n - start);
	bc_buf_add(b, "\"", 1);
}

static int
write_integer(struct bc_buf *b, long long v, struct bc_err *err)
{
	char num[32];

	if (v > BC_JSON_MAX_SAFE || v < -BC_JSON_MAX_SAFE)
		return bc_err_set(err, BC_ERR_FLOAT,
		    "integer %lld is outside the exactly representable "
		    "range of +/-(2^53 - 1)", v);
	snprintf(num, sizeof(num), "%lld", v);
	bc_buf_addstr(b, num);
	return 0;
}

static int
write_value(struct bc_buf *b, const json_t *v, int depth, struct bc_err *err)
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
		bc_buf_addstr(b, "null");
		return 0;
	case JSON_TRUE:
		bc_buf_addstr(b, "true");
		return 0;
	case JSON_FALSE:
		bc_buf_addstr(b, "false");
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
		bc_buf_addch(b, '[');
		n = json_array_size(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				bc_buf_addch(b, ',');
			if ((r = write_value(b, json_array_get(v, i),
			    depth + 1, err)) != 0)
				return r;
		}
		bc_buf_addch(b, ']');
		return 0;
	case JSON_OBJECT:
		n = json_object_size(v);
		if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)
			return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		i = 0;
		json_object_foreach((json_t *)v, key, member) {
			if (i < n)
				keys[i++] = key;
		}
		n = i;
		if (n > 1)
			qsort(keys, n, sizeof(*keys), key_cmp);
		bc_buf_addch(b, '{');
		r = 0;
		for (i = 0; i < n; i++) {
			if (i > 0)
				bc_buf_addch(b, ',');
			write_string(b, keys[i], strlen(keys[i]));
			bc_buf_addch(b, ':');
			if ((r = write_value(b, json_object_get(v, keys[i]),
			    depth + 1, err)) != 0)
				break;
		}
		free(keys);
		if (r != 0)
			return r;
		bc_buf_addch(b, '}');
		return 0;
	}
	return bc_err_set(err, BC_ERR_INTERNAL, "unknown JSON type");
}

int
bc_canon_dump(const json_t *v, char **out, size_t *outlen, struct bc_err *err)
{
	/* what the strict reader would refuse is never written */
	struct bc_buf b = BC_BUF_INIT(BC_CANON_MAX_INPUT);
	int r;

	*out = NULL;
	*outlen = 0;
	if (v == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "no JSON value");
	if ((r = write_value(&b, v, 0, err)) != 0) {
		bc_buf_free(&b);
		return r;
	}
	if (b.err == BC_ERR_TOO_LARGE) {
		bc_buf_free(&b);
		return bc_err_set(err, BC_ERR_TOO_LARGE, "canonical JSON of "
		    "more than %u bytes", BC_CANON_MAX_INPUT);
	}
	if ((*out = bc_buf_detach(&b, outlen)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	return 0;
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

/*
 * The canonical reader.  Signed bytes are checked often (audit reads every
 * record of a catalog), and parsing them with the general parser and then
 * writing them out again to compare costs more than verifying the
 * signature's neighbours.  This reader accepts exactly the output of
 * bc_canon_dump and nothing else, building the same jansson tree in one
 * pass: no white space, members in strictly ascending UTF-16 order (so no
 * duplicates), the escapes the writer makes and no others, integers in
 * their shortest form within +/-(2^53 - 1), valid UTF-8 without NUL, at
 * most BC_CANON_MAX_DEPTH nested containers.  It must accept and reject
 * exactly what bc_json_parse followed by a byte comparison with
 * bc_canon_dump does; tests/check_canon.c and tests/fuzz/fuzz_canon_read.c
 * hold it to that.
 */
struct reader {
	const unsigned char	*p, *end, *start;
	struct bc_err		*err;
	int			 oom;
	struct bc_buf		 tmp;		/* the string last read */
};

static int
rd_fail(struct reader *rd, const char *why)
{
	if (rd->oom || rd->tmp.err == BC_ERR_NOMEM)
		return bc_err_set(rd->err, BC_ERR_NOMEM, "out of memory");
	return bc_err_set(rd->err, BC_ERR_MALFORMED, "not canonical JSON at "
	    "byte %zu: %s", (size_t)(rd->p - rd->start), why);
}

/*
 * Reads a string at rd->p (at its opening quote) into rd->tmp (NUL-ended,
 * *outlen bytes, read with bc_buf_str), checking that it is written as the writer writes it.
 */
static int
rd_string(struct reader *rd, size_t *outlen)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *run;
	unsigned char c, dec;
	size_t n;
	int v;

	if (rd->p >= rd->end || *rd->p != '"')
		return rd_fail(rd, "a string was expected");
	rd->p++;
	run = rd->p;
	bc_buf_truncate(&rd->tmp, 0);
	for (;;) {
		if (rd->p >= rd->end)
			return rd_fail(rd, "unterminated string");
		c = *rd->p;
		if (c == '"' || c == '\\') {
			if (bc_buf_add(&rd->tmp, run, (size_t)(rd->p - run)) !=
			    0)
				return rd_fail(rd, "");
			if (c == '"')
				break;
			if (rd->end - rd->p < 2)
				return rd_fail(rd, "unterminated escape");
			switch (rd->p[1]) {
			case '"':  dec = '"'; n = 2; break;
			case '\\': dec = '\\'; n = 2; break;
			case 'b':  dec = '\b'; n = 2; break;
			case 't':  dec = '\t'; n = 2; break;
			case 'n':  dec = '\n'; n = 2; break;
			case 'f':  dec = '\f'; n = 2; break;
			case 'r':  dec = '\r'; n = 2; break;
			case 'u':
				/* only \u00xx, lower case, for a control
				 * character without a short escape */
				if (rd->end - rd->p < 6 || rd->p[2] != '0' ||
				    rd->p[3] != '0' || (rd->p[4] != '0' &&
				    rd->p[4] != '1'))
					return rd_fail(rd, "escape the writer "
					    "does not make");
				v = rd->p[4] - '0';
				if (strchr(hexd, rd->p[5]) == NULL ||
				    rd->p[5] == '\0')
					return rd_fail(rd, "escape the writer "
					    "does not make");
				dec = (unsigned char)(v * 16 +
				    (int)(strchr(hexd, rd->p[5]) - hexd));
				if (dec == 0 || dec == '\b' || dec == '\t' ||
				    dec == '\n' || dec == '\f' || dec == '\r')
					return rd_fail(rd, dec == 0 ?
					    "NUL in a string" : "a control "
					    "character with a short escape "
					    "written as \\u");
				n = 6;
				break;
			default:
				return rd_fail(rd, "escape the writer does "
				    "not make");
			}
			if (bc_buf_add(&rd->tmp, &dec, 1) != 0)
				return rd_fail(rd, "");
			rd->p += n;
			run = rd->p;
			continue;
		}
		if (c < 0x20)
			return rd_fail(rd, "unescaped control character");
		if ((n = bc_utf8_seq(rd->p, (size_t)(rd->end - rd->p))) == 0)
			return rd_fail(rd, "invalid UTF-8");
		rd->p += n;
	}
	rd->p++;	/* the closing quote */
	*outlen = rd->tmp.len;
	return 0;
}

static int rd_value(struct reader *, int, json_t **);

/*
 * After a member or element: 1 when a ',' says another follows, 0 when
 * close ends the container, else the refusal.
 */
static int
rd_next(struct reader *rd, unsigned char close, int *r)
{
	if (rd->p < rd->end && *rd->p == ',') {
		rd->p++;
		return 1;
	}
	if (rd->p < rd->end && *rd->p == close) {
		rd->p++;
		return 0;
	}
	*r = rd_fail(rd, close == '}' ? "',' or '}' expected" :
	    "',' or ']' expected");
	return -1;
}

static int
rd_number(struct reader *rd, json_t **out)
{
	const unsigned char *s = rd->p;
	long long v = 0;
	int neg = 0, digits = 0;

	if (rd->p < rd->end && *rd->p == '-') {
		neg = 1;
		rd->p++;
	}
	if (rd->p < rd->end && *rd->p == '0') {
		rd->p++;
		digits = 1;
		if (neg)
			return rd_fail(rd, "-0");
	} else {
		while (rd->p < rd->end && *rd->p >= '0' && *rd->p <= '9') {
			if (v > BC_JSON_MAX_SAFE / 10 + 1)
				return rd_fail(rd, "integer out of range");
			v = v * 10 + (*rd->p - '0');
			rd->p++;
			digits++;
		}
	}
	if (digits == 0) {
		rd->p = s;
		return rd_fail(rd, "unexpected character");
	}
	if (rd->p < rd->end && (*rd->p == '.' || *rd->p == 'e' ||
	    *rd->p == 'E' || (*rd->p >= '0' && *rd->p <= '9')))
		return rd_fail(rd, "a number that is not a canonical integer");
	if (v > BC_JSON_MAX_SAFE)
		return rd_fail(rd, "integer out of range");
	if ((*out = json_integer((json_int_t)(neg ? -v : v))) == NULL)
		rd->oom = 1;
	return *out ? 0 : rd_fail(rd, "");
}

static int
rd_literal(struct reader *rd, const char *word, json_t *v, json_t **out)
{
	size_t n = strlen(word);

	if ((size_t)(rd->end - rd->p) < n || memcmp(rd->p, word, n) != 0)
		return rd_fail(rd, "unexpected character");
	rd->p += n;
	*out = v;
	return 0;
}

static int
rd_object(struct reader *rd, int depth, json_t **out)
{
	json_t *obj, *v = NULL;
	char *prev = NULL;
	size_t klen;
	int more, r;

	if ((obj = json_object()) == NULL) {
		rd->oom = 1;
		return rd_fail(rd, "");
	}
	rd->p++;	/* '{' */
	if (rd->p < rd->end && *rd->p == '}') {
		rd->p++;
		*out = obj;
		return 0;
	}
	for (;;) {
		if ((r = rd_string(rd, &klen)) != 0)
			goto fail;
		if (strlen(bc_buf_str(&rd->tmp)) != klen) {
			r = rd_fail(rd, "NUL in a member name");
			goto fail;
		}
		if (prev != NULL && utf16_cmp(prev, bc_buf_str(&rd->tmp)) >= 0) {
			r = rd_fail(rd, "members out of order or repeated");
			goto fail;
		}
		free(prev);
		if ((prev = strdup(bc_buf_str(&rd->tmp))) == NULL) {
			rd->oom = 1;
			r = rd_fail(rd, "");
			goto fail;
		}
		if (rd->p >= rd->end || *rd->p != ':') {
			r = rd_fail(rd, "':' expected");
			goto fail;
		}
		rd->p++;
		if ((r = rd_value(rd, depth, &v)) != 0)
			goto fail;
		if (json_object_set_new_nocheck(obj, prev, v) != 0) {
			rd->oom = 1;
			r = rd_fail(rd, "");
			goto fail;
		}
		if ((more = rd_next(rd, '}', &r)) < 0)
			goto fail;
		if (!more)
			break;
	}
	free(prev);
	*out = obj;
	return 0;
 fail:
	free(prev);
	json_decref(obj);
	return r;
}

static int
rd_array(struct reader *rd, int depth, json_t **out)
{
	json_t *arr, *v = NULL;
	int more, r;

	if ((arr = json_array()) == NULL) {
		rd->oom = 1;
		return rd_fail(rd, "");
	}
	rd->p++;	/* '[' */
	if (rd->p < rd->end && *rd->p == ']') {
		rd->p++;
		*out = arr;
		return 0;
	}
	for (;;) {
		if ((r = rd_value(rd, depth, &v)) != 0)
			goto fail;
		if (json_array_append_new(arr, v) != 0) {
			rd->oom = 1;
			r = rd_fail(rd, "");
			goto fail;
		}
		if ((more = rd_next(rd, ']', &r)) < 0)
			goto fail;
		if (!more)
			break;
	}
	*out = arr;
	return 0;
 fail:
	json_decref(arr);
	return r;
}

/* depth: the containers around the value about to be read */
static int
rd_value(struct reader *rd, int depth, json_t **out)
{
	size_t len;
	int r;

	*out = NULL;
	if (rd->p >= rd->end)
		return rd_fail(rd, "unexpected end");
	switch (*rd->p) {
	case '{':
	case '[':
		if (depth >= BC_CANON_MAX_DEPTH)
			return bc_err_set(rd->err, BC_ERR_MALFORMED,
			    "JSON nested deeper than %d levels",
			    BC_CANON_MAX_DEPTH);
		return *rd->p == '{' ? rd_object(rd, depth + 1, out) :
		    rd_array(rd, depth + 1, out);
	case '"':
		if ((r = rd_string(rd, &len)) != 0)
			return r;
		if (memchr(bc_buf_str(&rd->tmp), '\0', len) != NULL)
			return rd_fail(rd, "NUL in a string");
		if ((*out = json_stringn_nocheck(bc_buf_str(&rd->tmp), len)) == NULL)
			rd->oom = 1;
		return *out ? 0 : rd_fail(rd, "");
	case 't':
		return rd_literal(rd, "true", json_true(), out);
	case 'f':
		return rd_literal(rd, "false", json_false(), out);
	case 'n':
		return rd_literal(rd, "null", json_null(), out);
	default:
		return rd_number(rd, out);
	}
}

int
bc_canon_read(const char *text, size_t len, json_t **out, struct bc_err *err)
{
	struct reader rd;
	json_t *v = NULL;
	int r;

	*out = NULL;
	if (len > BC_CANON_MAX_INPUT)
		return bc_err_set(err, BC_ERR_TOO_LARGE,
		    "JSON document of %zu bytes exceeds the %u-byte limit",
		    len, BC_CANON_MAX_INPUT);
	memset(&rd, 0, sizeof(rd));
	rd.p = rd.start = (const unsigned char *)text;
	rd.end = rd.p + len;
	rd.err = err;
	bc_buf_init(&rd.tmp, BC_CANON_MAX_INPUT);
	if ((r = rd_value(&rd, 0, &v)) == 0 && rd.p != rd.end) {
		r = rd_fail(&rd, "data after the value");
		json_decref(v);
		v = NULL;
	}
	bc_buf_free(&rd.tmp);
	*out = v;
	return r;
}
