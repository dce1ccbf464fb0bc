/*
 * check_canon.c - RFC 8785 canonical JSON: the JCS test vectors, UTF-16
 * key order, string escaping, the integer-only number rule, and the strict
 * reader's refusals.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"

/* Canonicalises a C string; returns the library's code, *out on success. */
static int
canon(const char *in, char **out)
{
	size_t len = 0;

	return bc_canon_text(in, strlen(in), out, &len, NULL);
}

/* Asserts that in canonicalises to exactly want. */
static void
expect_canon(const char *in, const char *want)
{
	struct bc_err err = { 0 };
	char *out = NULL;
	size_t len = 0;
	int r;

	r = bc_canon_text(in, strlen(in), &out, &len, &err);
	ck_assert_msg(r == 0, "'%s': %s: %s", in, bc_strerror(r), err.msg);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_msg(memcmp(out, want, len) == 0, "'%s' gave '%s', want '%s'",
	    in, out, want);
	ck_assert_msg(out[len] == '\0', "output not NUL-terminated");
	ck_assert_msg(bc_canon_is_canonical(out, len),
	    "output '%s' is not canonical", out);
	free(out);
}

/* Asserts that in is refused with code want, and nothing is returned. */
static void
expect_refused(const char *in, size_t len, int want)
{
	struct bc_err err = { 0 };
	char *out = (char *)"sentinel";
	size_t outlen = 1;
	int r;

	r = bc_canon_text(in, len, &out, &outlen, &err);
	ck_assert_msg(r == want, "'%.*s': got %d (%s), want %d (%s)",
	    (int)(len > 80 ? 80 : len), in, r, bc_strerror(r), want,
	    bc_strerror(want));
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_msg(err.msg[0] != '\0', "no error detail for '%.*s'",
	    (int)(len > 80 ? 80 : len), in);
	ck_assert_msg(!bc_canon_is_canonical(in, len),
	    "refused input reported canonical");
}

static void
expect_refused_str(const char *in, int want)
{
	expect_refused(in, strlen(in), want);
}

/* n nested arrays around inner: "[[inner]]" for n = 2. */
static char *
nested(size_t n, const char *inner, size_t *len)
{
	size_t il = strlen(inner), i;
	char *b;

	ck_assert_ptr_nonnull(b = malloc(2 * n + il + 1));
	for (i = 0; i < n; i++)
		b[i] = '[';
	memcpy(b + n, inner, il);
	for (i = 0; i < n; i++)
		b[n + il + i] = ']';
	*len = 2 * n + il;
	b[*len] = '\0';
	return b;
}

/* --- core --------------------------------------------------------------- */

/*
 * The reference for bc_canon_read: the general parser, then the canonical
 * form of what it read compared byte for byte with the text.  Returns the
 * tree (a new reference) when the text is canonical, else NULL.
 */
static json_t *
ref_read(const char *text, size_t len)
{
	json_t *v = NULL;
	char *c = NULL;
	size_t clen = 0;
	int same;

	if (bc_json_parse(text, len, &v, NULL) != 0)
		return NULL;
	if (bc_canon_dump(v, &c, &clen, NULL) != 0) {
		json_decref(v);
		return NULL;
	}
	same = clen == len && memcmp(c, text, len) == 0;
	free(c);
	if (!same) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * Asserts that bc_canon_read and the reference agree on text: both refuse
 * it, or both accept it and read the same tree.  Returns whether it was
 * accepted.
 */
static int
agree(const char *text, size_t len)
{
	struct bc_err err = { 0 };
	json_t *got = NULL, *want = ref_read(text, len);
	int r = bc_canon_read(text, len, &got, &err);

	ck_assert_msg((r == 0) == (want != NULL),
	    "bc_canon_read %s '%.*s' (%s) but the reference %s it",
	    r == 0 ? "accepts" : "refuses", (int)len, text, err.msg,
	    want != NULL ? "accepts" : "refuses");
	if (r == 0) {
		ck_assert_msg(json_equal(got, want), "'%.*s': trees differ",
		    (int)len, text);
	} else {
		ck_assert_ptr_null(got);
		ck_assert_msg(r == BC_ERR_MALFORMED || r == BC_ERR_TOO_LARGE,
		    "'%.*s': code %d", (int)len, text, r);
		ck_assert_msg(err.msg[0] != '\0', "a refusal says why");
	}
	json_decref(got);
	json_decref(want);
	return r == 0;
}

static int
agree_str(const char *text)
{
	return agree(text, strlen(text));
}

START_TEST(test_jcs_vectors)
{
	char dir[1024], path[1280];
	struct bc_err err;
	struct dirent *de;
	DIR *d;
	char *in, *want, *out;
	size_t inlen, wantlen, outlen, n = 0, nfloat = 0;
	int r;

	snprintf(dir, sizeof(dir), "%s", tu_data_path("vectors/jcs/input"));
	ck_assert_msg((d = opendir(dir)) != NULL, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (nl < 6 || strcmp(de->d_name + nl - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ck_assert_msg((in = tu_read_file(path, &inlen)) != NULL,
		    "cannot read %s", path);
		snprintf(path, sizeof(path), "%s/vectors/jcs/output/%s",
		    tu_data_dir(), de->d_name);
		ck_assert_msg((want = tu_read_file(path, &wantlen)) != NULL,
		    "cannot read %s", path);
		err.msg[0] = '\0';
		out = NULL;
		r = bc_canon_text(in, inlen, &out, &outlen, &err);
		if (strcmp(de->d_name, "values.json") == 0) {
			/* real floats: refused, never approximated */
			ck_assert_msg(r == BC_ERR_FLOAT,
			    "values.json: got %d (%s), want BC_ERR_FLOAT", r,
			    bc_strerror(r));
			ck_assert_ptr_null(out);
			ck_assert_msg(!bc_canon_is_canonical(want, wantlen),
			    "values.json output accepted as canonical");
			nfloat++;
		} else {
			ck_assert_msg(r == 0, "%s: %s: %s", de->d_name,
			    bc_strerror(r), err.msg);
			ck_assert_msg(outlen == wantlen &&
			    memcmp(out, want, wantlen) == 0,
			    "%s: got '%s', want '%s'", de->d_name, out, want);
			ck_assert_msg(bc_canon_is_canonical(want, wantlen),
			    "%s: expected output not canonical", de->d_name);
			ck_assert_msg(!bc_canon_is_canonical(in, inlen),
			    "%s: pretty-printed input canonical", de->d_name);
		}
		/* the one-pass reader: the pretty-printed input refused,
		 * the output read (except the floats of values.json) */
		ck_assert(!agree(in, inlen));
		ck_assert_int_eq(agree(want, wantlen),
		    strcmp(de->d_name, "values.json") != 0);
		free(out);
		free(in);
		free(want);
		n++;
	}
	closedir(d);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(nfloat, 1);
}
END_TEST

START_TEST(test_utf16_key_order)
{
	/* U+1F602 is D83D DE02 in UTF-16, below U+FB33; in UTF-8 it is not */
	expect_canon("{\"\\ufb33\":1,\"\\ud83d\\ude02\":2,\"\\u20ac\":3}",
	    "{\"\xe2\x82\xac\":3,\"\xf0\x9f\x98\x82\":2,"
	    "\"\xef\xac\xb3\":1}");
	/* U+10000 (D800 DC00) sorts before U+E000 and U+FFFF */
	expect_canon("{\"\\uffff\":0,\"\\ue000\":1,\"\\ud800\\udc00\":2}",
	    "{\"\xf0\x90\x80\x80\":2,\"\xee\x80\x80\":1,"
	    "\"\xef\xbf\xbf\":0}");
	/* raw UTF-8 input sorts the same as escaped input */
	expect_canon("{\"\xee\x80\x80\":1,\"\xf4\x8f\xbf\xbf\":2}",
	    "{\"\xf4\x8f\xbf\xbf\":2,\"\xee\x80\x80\":1}");
	/* a prefix sorts first; code units, not locale */
	expect_canon("{\"ab\":1,\"a\":2,\"B\":3,\"\":4}",
	    "{\"\":4,\"B\":3,\"a\":2,\"ab\":1}");
}
END_TEST

START_TEST(test_weird_keys)
{
	/* the key set of weird.json, in a different order */
	expect_canon("{\"</script>\":0,\"\\ufb33\":1,\"\\u00f6\":2,"
	    "\"\\ud83d\\ude02\":3,\"\\u0080\":4,\"1\":5,\"\\n\":6,"
	    "\"\\r\":7,\"\\u20ac\":8}",
	    "{\"\\n\":6,\"\\r\":7,\"1\":5,\"</script>\":0,\"\xc2\x80\":4,"
	    "\"\xc3\xb6\":2,\"\xe2\x82\xac\":8,\"\xf0\x9f\x98\x82\":3,"
	    "\"\xef\xac\xb3\":1}");
}
END_TEST

START_TEST(test_escapes)
{
	expect_canon("\"\\u001f\\u001F\\u0001\"",
	    "\"\\u001f\\u001f\\u0001\"");
	expect_canon("\"\\b\\t\\n\\f\\r\"", "\"\\b\\t\\n\\f\\r\"");
	expect_canon("\"\\u0008\\u0009\\u000a\\u000c\\u000d\\u000b\"",
	    "\"\\b\\t\\n\\f\\r\\u000b\"");
	/* DEL and the line separators are not escaped */
	expect_canon("\"\\u007f\\u2028\\u2029\"",
	    "\"\x7f\xe2\x80\xa8\xe2\x80\xa9\"");
	/* solidus is never escaped, quote and backslash always */
	expect_canon("\"\\/a/b\"", "\"/a/b\"");
	expect_canon("\"\\\"\\\\\\u0022\\u005c\"", "\"\\\"\\\\\\\"\\\\\"");
	/* non-ASCII comes out as raw UTF-8 */
	expect_canon("\"\\u00e9\\u20AC\"", "\"\xc3\xa9\xe2\x82\xac\"");
	/* escapes in keys too */
	expect_canon("{\"\\u001f\":\"\\t\"}", "{\"\\u001f\":\"\\t\"}");
}
END_TEST

START_TEST(test_literals_and_structure)
{
	expect_canon(" [ null , true , false , \"\" , [ ] , { } ] ",
	    "[null,true,false,\"\",[],{}]");
	expect_canon("\t\r\n{ \"a\" : [ 1 , { \"c\" : 2 , \"b\" : 3 } ] }\n",
	    "{\"a\":[1,{\"b\":3,\"c\":2}]}");
	expect_canon("\"bare string\"", "\"bare string\"");
	expect_canon("42", "42");
	expect_canon("null", "null");
}
END_TEST

START_TEST(test_empty_containers)
{
	/* no members to sort: nothing to hand to qsort either */
	expect_canon("{}", "{}");
	expect_canon("{ \"b\" : { } , \"a\" : [ ] }", "{\"a\":[],\"b\":{}}");
}
END_TEST

START_TEST(test_numbers_integer_valued)
{
	expect_canon("[56.0]", "[56]");
	expect_canon("[1E2, 1e0, -3.0]", "[100,1,-3]");
	expect_canon("[-0, -0.0, 0]", "[0,0,0]");
	expect_canon("[0, -1, 123456789]", "[0,-1,123456789]");
}
END_TEST

START_TEST(test_is_canonical)
{
	static const char *yes[] = {
		"{}", "[]", "{\"a\":1,\"b\":[true,null]}", "\"x\"", "0",
		"{\"\\n\":1}", "\"\\u001f\"",
	};
	static const char *no[] = {
		"{ }", "{\"a\": 1}", "{\"b\":1,\"a\":2}", "[1.0]", "[56.0]",
		"\"\\u00e9\"", "\"\\/\"", "\"\\u000a\"", "{\"a\":1}\n",
		" {}", "[1.5]", "", "{\"a\":1,\"a\":1}", "\"\\u001F\"",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ck_assert_msg(bc_canon_is_canonical(yes[i], strlen(yes[i])),
		    "'%s' should be canonical", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!bc_canon_is_canonical(no[i], strlen(no[i])),
		    "'%s' should not be canonical", no[i]);
	/* the length counts: a canonical prefix of longer bytes is not */
	ck_assert(!bc_canon_is_canonical("{}{}", 4));
	ck_assert(bc_canon_is_canonical("{}{}", 2));
}
END_TEST

START_TEST(test_dump_built_values)
{
	struct bc_err err = { 0 };
	json_t *v;
	char *out = NULL;
	size_t len = 0;

	/* jansson sorts by bytes; the canonical writer must not */
	v = json_pack("{s:i, s:i, s:[i, s]}", "\xef\xac\xb3", 1,
	    "\xf0\x9f\x98\x82", 2, "z", 3, "w");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(bc_canon_dump(v, &out, &len, &err), 0);
	ck_assert_str_eq(out, "{\"z\":[3,\"w\"],\"\xf0\x9f\x98\x82\":2,"
	    "\"\xef\xac\xb3\":1}");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
	json_decref(v);

	ck_assert_ptr_nonnull(v = json_real(2.5));
	ck_assert_int_eq(bc_canon_dump(v, &out, &len, &err), BC_ERR_FLOAT);
	ck_assert_ptr_null(out);
	json_decref(v);

	ck_assert_ptr_nonnull(v = json_integer(BC_JSON_MAX_SAFE + 1));
	ck_assert_int_eq(bc_canon_dump(v, &out, &len, &err), BC_ERR_FLOAT);
	ck_assert_ptr_null(out);
	json_decref(v);

	ck_assert_int_eq(bc_canon_dump(NULL, &out, &len, &err),
	    BC_ERR_INVALID);
}
END_TEST

/* --- limits ------------------------------------------------------------- */

START_TEST(test_integer_limits)
{
	expect_canon("9007199254740991", "9007199254740991");
	expect_canon("-9007199254740991", "-9007199254740991");
	expect_canon("[9007199254740991.0]", "[9007199254740991]");
	expect_refused_str("9007199254740992", BC_ERR_FLOAT);
	expect_refused_str("-9007199254740992", BC_ERR_FLOAT);
	expect_refused_str("[9007199254740992.0]", BC_ERR_FLOAT);
	expect_refused_str("9223372036854775807", BC_ERR_FLOAT);
	expect_refused_str("{\"a\":{\"b\":[9007199254740993]}}",
	    BC_ERR_FLOAT);
}
END_TEST

START_TEST(test_integer_beyond_int64)
{
	struct bc_err err = { 0 };
	const char *in = "100000000000000000000000000000";
	char *out = NULL;
	size_t len = 0;
	int r;

	/* outside what jansson holds: refused, as a float or as malformed */
	r = bc_canon_text(in, strlen(in), &out, &len, &err);
	ck_assert_msg(r == BC_ERR_FLOAT || r == BC_ERR_MALFORMED,
	    "got %d (%s)", r, bc_strerror(r));
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_floats_refused)
{
	static const char *in[] = {
		"1.5", "[1e30]", "1E30", "0.1", "-2.5", "1e-7",
		"{\"x\":333333333.33333329}", "[4.50]", "2e-3",
		"{\"a\":[{\"b\":0.000000000000000000000000001}]}",
	};
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		expect_refused_str(in[i], BC_ERR_FLOAT);
}
END_TEST

START_TEST(test_input_size)
{
	size_t max = BC_CANON_MAX_INPUT;
	char *buf, *out = NULL;
	size_t len = 0;
	int r;

	ck_assert_ptr_nonnull(buf = malloc(max + 1));
	memset(buf, ' ', max + 1);
	memcpy(buf, "[7]", 3);
	/* exactly at the cap: accepted */
	r = bc_canon_text(buf, max, &out, &len, NULL);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(out, "[7]");
	free(out);
	/* one more byte: refused before parsing */
	expect_refused(buf, max + 1, BC_ERR_TOO_LARGE);
	free(buf);
}
END_TEST

START_TEST(test_depth_scalar)
{
	char *b, *out = NULL;
	size_t len, outlen;

	/* 64 nested arrays around a number: the deepest value is level 64 */
	b = nested(BC_CANON_MAX_DEPTH, "1", &len);
	ck_assert_int_eq(bc_canon_text(b, len, &out, &outlen, NULL), 0);
	ck_assert_uint_eq(outlen, len);
	ck_assert(memcmp(out, b, len) == 0);
	free(out);
	free(b);

	b = nested(BC_CANON_MAX_DEPTH + 1, "1", &len);
	expect_refused(b, len, BC_ERR_MALFORMED);
	free(b);
}
END_TEST

START_TEST(test_depth_containers)
{
	char *b, *out = NULL;
	size_t len, outlen;

	/* 64 nested containers are allowed, the innermost empty or not */
	b = nested(BC_CANON_MAX_DEPTH, "", &len);
	ck_assert_int_eq(bc_canon_text(b, len, &out, &outlen, NULL), 0);
	free(out);
	free(b);
	b = nested(BC_CANON_MAX_DEPTH - 1, "{}", &len);
	ck_assert_int_eq(bc_canon_text(b, len, &out, &outlen, NULL), 0);
	free(out);
	free(b);

	/*
	 * 65 nested containers are over the limit whatever the innermost
	 * holds: "[[...[1]...]]" is refused, so "[[...[]...]]" must be too.
	 */
	b = nested(BC_CANON_MAX_DEPTH + 1, "", &len);
	expect_refused(b, len, BC_ERR_MALFORMED);
	free(b);
	b = nested(BC_CANON_MAX_DEPTH, "{}", &len);
	expect_refused(b, len, BC_ERR_MALFORMED);
	free(b);
}
END_TEST

START_TEST(test_depth_huge)
{
	char *b;
	size_t len;

	/* far beyond any limit: refused, not a stack overflow */
	b = nested(100000, "", &len);
	expect_refused(b, len, BC_ERR_MALFORMED);
	free(b);
}
END_TEST

START_TEST(test_depth_objects)
{
	char *b, *p;
	size_t i, n = BC_CANON_MAX_DEPTH + 1;

	ck_assert_ptr_nonnull(b = malloc(n * 6 + 8));
	p = b;
	for (i = 0; i < n; i++)
		p += sprintf(p, "{\"a\":");
	p += sprintf(p, "1");
	for (i = 0; i < n; i++)
		*p++ = '}';
	*p = '\0';
	expect_refused_str(b, BC_ERR_MALFORMED);
	free(b);
}
END_TEST

/* --- malformed ---------------------------------------------------------- */

START_TEST(test_duplicate_keys)
{
	expect_refused_str("{\"a\":1,\"a\":2}", BC_ERR_MALFORMED);
	expect_refused_str("{\"a\":1,\"b\":{\"c\":1,\"c\":1}}",
	    BC_ERR_MALFORMED);
	/* the same key spelt two ways is still the same key */
	expect_refused_str("{\"\\u0061\":1,\"a\":2}", BC_ERR_MALFORMED);
	/* same key in sibling objects is fine */
	expect_canon("[{\"a\":1},{\"a\":2}]", "[{\"a\":1},{\"a\":2}]");
}
END_TEST

START_TEST(test_trailing_garbage)
{
	expect_refused_str("{} x", BC_ERR_MALFORMED);
	expect_refused_str("{}{}", BC_ERR_MALFORMED);
	expect_refused_str("[1],", BC_ERR_MALFORMED);
	expect_refused_str("1 2", BC_ERR_MALFORMED);
	expect_refused("{}\0", 3, BC_ERR_MALFORMED);
	expect_refused("{\"a\":1}\0junk", 12, BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_syntax_errors)
{
	static const char *in[] = {
		"", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}",
		"[01]", "[+1]", "[.5]", "[1.]", "NaN", "[Infinity]", "tru",
		"\"unterminated", "[\"\\x41\"]", "[\"\\u12\"]", "/* c */ {}",
		"[1e400]", "{\"a\" 1}", "\"tab\there\"",
	};
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		expect_refused_str(in[i], BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const char *in[] = {
		"\"\xff\"",			/* never valid */
		"\"\xc0\xaf\"",			/* overlong '/' */
		"\"\xe0\x80\xaf\"",		/* overlong, 3 bytes */
		"\"\xe2\x82\"",			/* truncated */
		"\"\xed\xa0\x80\"",		/* UTF-8 encoded surrogate */
		"\"\xf4\x90\x80\x80\"",		/* above U+10FFFF */
		"\"\x80\"",			/* lone continuation */
		"{\"\xfe\":1}",			/* in a key */
	};
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		expect_refused_str(in[i], BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_nul_and_surrogates)
{
	expect_refused_str("\"\\u0000\"", BC_ERR_MALFORMED);
	expect_refused_str("[\"a\\u0000b\"]", BC_ERR_MALFORMED);
	expect_refused_str("{\"a\\u0000b\":1}", BC_ERR_MALFORMED);
	expect_refused("\"a\0b\"", 5, BC_ERR_MALFORMED);	/* raw NUL */
	expect_refused_str("\"\\ud800\"", BC_ERR_MALFORMED);
	expect_refused_str("\"\\udc00\"", BC_ERR_MALFORMED);
	expect_refused_str("\"\\ud800\\u0041\"", BC_ERR_MALFORMED);
	expect_refused_str("\"\\ude02\\ud83d\"", BC_ERR_MALFORMED);
	expect_refused_str("{\"\\ud800\":1}", BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_refusal_leaves_nothing)
{
	char *out = NULL;

	ck_assert_int_eq(canon("{\"a\":[1,2,{\"b\":1.5}]}", &out),
	    BC_ERR_FLOAT);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(canon("{\"a\":[1,2,{\"b\":1,\"b\":2}]}", &out),
	    BC_ERR_MALFORMED);
	ck_assert_ptr_null(out);
}
END_TEST


/* Each accepted or refused exactly as the reference does. */
START_TEST(test_read_cases)
{
	static const struct {
		const char	*text;
		int		 ok;
	} cases[] = {
		{ "{}", 1 }, { "[]", 1 }, { "0", 1 }, { "-1", 1 },
		{ "9007199254740991", 1 }, { "-9007199254740991", 1 },
		{ "9007199254740992", 0 }, { "-9007199254740992", 0 },
		{ "99999999999999999999999", 0 }, { "-0", 0 }, { "01", 0 },
		{ "-01", 0 }, { "1.0", 0 }, { "1e2", 0 }, { "1E2", 0 },
		{ "+1", 0 }, { "-", 0 }, { "", 0 }, { " {}", 0 }, { "{} ", 0 },
		{ "{}x", 0 }, { "true", 1 }, { "false", 1 }, { "null", 1 },
		{ "tru", 0 }, { "nul", 0 }, { "True", 0 },
		{ "\"\"", 1 }, { "\"a\\\"b\\\\c\"", 1 },
		{ "\"\\b\\t\\n\\f\\r\"", 1 }, { "\"\\u001f\\u0001\\u000b\"", 1 },
		{ "\"\\u001F\"", 0 }, { "\"\\u0008\"", 0 }, { "\"\\u000a\"", 0 },
		{ "\"\\u0000\"", 0 }, { "\"\\u0020\"", 0 }, { "\"\\u00e9\"", 0 },
		{ "\"\\/\"", 0 }, { "\"/\"", 1 }, { "\"\\x\"", 0 },
		{ "\"\\ud83d\\ude00\"", 0 }, { "\"\xf0\x9f\x98\x80\"", 1 },
		{ "\"\x7f\"", 1 }, { "\"\t\"", 0 }, { "\"\xc3\xa9\"", 1 },
		{ "\"\xc0\xaf\"", 0 }, { "\"\xe0\x80\xaf\"", 0 },
		{ "\"\xed\xa0\x80\"", 0 }, { "\"\xf4\x90\x80\x80\"", 0 },
		{ "\"\xff\"", 0 }, { "\"\xc3\"", 0 }, { "\"abc", 0 },
		{ "{\"a\":1,\"b\":2}", 1 }, { "{\"b\":1,\"a\":2}", 0 },
		{ "{\"a\":1,\"a\":2}", 0 }, { "{\"a\":1,}", 0 }, { "[1,]", 0 },
		{ "[,1]", 0 }, { "{\"a\" :1}", 0 }, { "{\"a\":1 }", 0 },
		{ "{a:1}", 0 }, { "{\"\":1,\"a\":2}", 1 },
		/* UTF-16 order: U+E000 sorts after U+1F600 in UTF-8 but
		 * before it in UTF-16 */
		{ "{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2}", 0 },
		{ "{\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}", 1 },
		{ "[[[[]]]]", 1 }, { "[1,\"a\",{\"b\":[null,true]}]", 1 },
		{ "[1 ]", 0 }, { "{\"a\":}", 0 }, { "[\"\\u00", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(agree_str(cases[i].text) == cases[i].ok,
		    "'%s' should be %s", cases[i].text,
		    cases[i].ok ? "accepted" : "refused");
}
END_TEST

START_TEST(test_read_depth)
{
	char buf[300];
	int n;

	/* 64 nested containers are read, 65 are not: as the writer */
	for (n = 63; n <= 66; n++) {
		memset(buf, '[', (size_t)n);
		memset(buf + n, ']', (size_t)n);
		ck_assert_int_eq(agree(buf, 2 * (size_t)n), n <= 64);
	}
	ck_assert_int_eq(agree_str("{\"a\":{\"b\":{\"c\":[]}}}"), 1);
}
END_TEST

/*
 * Every single-byte change, deletion and insertion of a few canonical
 * documents: bc_canon_read agrees with the reference on each.
 */
START_TEST(test_read_mutations)
{
	static const char *const seeds[] = {
		"{\"action\":\"copy\",\"actor\":\"Det. J. Smith\","
		"\"at\":\"2026-11-26T03:04:16.829104Z\",\"details\":{"
		"\"outcome\":\"verified\",\"sha256\":\"113a01f6\","
		"\"to\":\"DA\"},\"item\":\"9d88\",\"key\":\"741d\","
		"\"prev\":\"c49a\",\"seq\":3,\"type\":\"bodycam.event\","
		"\"version\":1}",
		"[\"a\\\"\\\\\\b\\t\\u001f\xc3\xa9\xf0\x9f\x98\x80\x7f\","
		"-9007199254740991,0,17,true,false,null,[],{}]",
		"{\"\":{\"\xf0\x9f\x98\x80\":[1,{\"x\":\"y\"}],"
		"\"\xee\x80\x80\":-5}}",
	};
	static const unsigned char bytes[] = {
		0x00, 0x01, 0x09, 0x0a, 0x1f, ' ', '"', ',', '-', '.', '/',
		'0', '1', '9', ':', 'A', 'E', 'F', '\\', ']', '[', 'a', 'b',
		'e', 'f', 'n', 't', 'u', '{', '}', 0x7f, 0x80, 0xa0, 0xbf,
		0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5,
		0xff,
	};
	char buf[512];
	size_t s, i, j, len, tried = 0, accepted = 0;

	for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		len = strlen(seeds[s]);
		ck_assert(len + 1 < sizeof(buf));
		ck_assert(agree(seeds[s], len));
		for (i = 0; i < len; i++) {
			for (j = 0; j < sizeof(bytes); j++) {
				memcpy(buf, seeds[s], len);
				buf[i] = (char)bytes[j];
				accepted += agree(buf, len);
				/* inserted before position i */
				memcpy(buf, seeds[s], i);
				buf[i] = (char)bytes[j];
				memcpy(buf + i + 1, seeds[s] + i, len - i);
				accepted += agree(buf, len + 1);
				tried += 2;
			}
			memcpy(buf, seeds[s], i);
			memcpy(buf + i, seeds[s] + i + 1, len - i - 1);
			accepted += agree(buf, len - 1);
			tried++;
		}
	}
	/* both kinds of answer were exercised */
	ck_assert_uint_gt(tried, 20000);
	ck_assert_uint_gt(accepted, 100);
	ck_assert_uint_lt(accepted, tried / 2);
}
END_TEST

START_TEST(test_read_size)
{
	struct bc_err err = { 0 };
	json_t *v = (json_t *)1;

	ck_assert_int_eq(bc_canon_read("{}", BC_CANON_MAX_INPUT + 1u, &v,
	    &err), BC_ERR_TOO_LARGE);
	ck_assert_ptr_null(v);
}
END_TEST

/*
 * The writer never makes what the reader refuses: the largest string that
 * fits (its two quotes counted) is written and read back; one byte more
 * is BC_ERR_TOO_LARGE, with nothing handed out.
 */
START_TEST(test_dump_size)
{
	struct bc_err err = { 0 };
	size_t n = BC_CANON_MAX_INPUT - 2, len = 1;
	char *s, *out = (char *)1;
	json_t *v, *back = NULL;

	ck_assert_ptr_nonnull(s = malloc(n + 1));
	memset(s, 'a', n + 1);
	ck_assert_ptr_nonnull(v = json_stringn(s, n));
	ck_assert_int_eq(bc_canon_dump(v, &out, &len, &err), 0);
	ck_assert_uint_eq(len, BC_CANON_MAX_INPUT);
	ck_assert_int_eq(bc_canon_read(out, len, &back, &err), 0);
	ck_assert(json_equal(v, back));
	json_decref(back);
	json_decref(v);
	free(out);
	out = (char *)1;
	ck_assert_ptr_nonnull(v = json_stringn(s, n + 1));
	ck_assert_int_eq(bc_canon_dump(v, &out, &len, &err),
	    BC_ERR_TOO_LARGE);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than"));
	json_decref(v);
	free(s);
}
END_TEST

static Suite *
canon_suite(void)
{
	Suite *s = suite_create("canon");
	TCase *tc;

	tc = tu_tcase(s, "core", NULL, NULL);
	tcase_add_test(tc, test_jcs_vectors);
	tcase_add_test(tc, test_utf16_key_order);
	tcase_add_test(tc, test_weird_keys);
	tcase_add_test(tc, test_escapes);
	tcase_add_test(tc, test_literals_and_structure);
	tcase_add_test(tc, test_empty_containers);
	tcase_add_test(tc, test_numbers_integer_valued);
	tcase_add_test(tc, test_is_canonical);
	tcase_add_test(tc, test_dump_built_values);

	tc = tu_tcase(s, "limits", NULL, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_integer_limits);
	tcase_add_test(tc, test_integer_beyond_int64);
	tcase_add_test(tc, test_floats_refused);
	tcase_add_test(tc, test_input_size);
	tcase_add_test(tc, test_depth_scalar);
	tcase_add_test(tc, test_depth_containers);
	tcase_add_test(tc, test_depth_huge);
	tcase_add_test(tc, test_depth_objects);

	tc = tu_tcase(s, "malformed", NULL, NULL);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_trailing_garbage);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_nul_and_surrogates);
	tcase_add_test(tc, test_refusal_leaves_nothing);

	tc = tu_tcase(s, "reader", NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_read_cases);
	tcase_add_test(tc, test_read_depth);
	tcase_add_test(tc, test_read_mutations);
	tcase_add_test(tc, test_read_size);
	tcase_add_test(tc, test_dump_size);
	return s;
}

int
main(void)
{
	return tu_run_suite(canon_suite());
}
