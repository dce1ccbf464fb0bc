/*
 * check_text.c - untrusted text in front of people (text.h): the terminal
 * quoting, one-to-one and never cut inside an escape; the check of
 * identifying fields (controls C0, DEL and C1, bidi controls, line
 * separators, invalid UTF-8); and names that are not UTF-8, carried in
 * JSON as text plus their bytes and read back byte for byte, also in a
 * sealed manifest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/text.h"

#define RLO	"\xe2\x80\xae"		/* U+202E RIGHT-TO-LEFT OVERRIDE */
#define NEL	"\xc2\x85"		/* U+0085, a C1 control */
#define FFFD	"\xef\xbf\xbd"

static char *
quoted(const char *s)
{
	size_t n = bc_quote(NULL, 0, s);
	char *buf = malloc(n + 1);

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(bc_quote(buf, n + 1, s), n);
	ck_assert_uint_eq(strlen(buf), n);
	return buf;
}

/* Every byte of q is printable ASCII or part of safe UTF-8. */
static int
terminal_safe(const char *q)
{
	const unsigned char *p = (const unsigned char *)q;
	size_t n = strlen(q), len;
	uint32_t cp;

	for (; n > 0; p += len, n -= len)
		if ((len = bc_utf8_decode(p, n, &cp)) == 0 ||
		    bc_text_unsafe(cp))
			return 0;
	return 1;
}

START_TEST(test_quote_table)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" },
		{ "FILE0001.MP4", "FILE0001.MP4" },
		{ "a b\"c'd", "a b\"c'd" },
		{ "a\nBWC-999999  fake", "a\\nBWC-999999  fake" },
		{ "\t\r\n", "\\t\\r\\n" },
		{ "e\x1b[31mred", "e\\x1b[31mred" },
		{ "\x01\x7f", "\\x01\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		{ "\\x1b", "\\\\x1b" },			/* no ambiguity */
		{ "lat\xe9n.mp4", "lat\\xe9n.mp4" },	/* Latin-1 */
		{ "\xc3", "\\xc3" },			/* cut sequence */
		{ "\xc0\xaf", "\\xc0\\xaf" },		/* overlong '/' */
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },	/* surrogate */
		{ "x" RLO "y", "x\\u202ey" },
		{ "x" NEL "y", "x\\u0085y" },
		{ "\xe2\x81\xa6" "a" "\xe2\x81\xa9", "\\u2066a\\u2069" },
		{ "\xe2\x80\xa8", "\\u2028" },
		{ "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "\\u061c\\u200e\\u200f" },
		{ "Zoë Ωμέγα 日本 עברית", "Zoë Ωμέγα 日本 עברית" },
		{ "\xf0\x9f\x93\xb9", "\xf0\x9f\x93\xb9" },	/* U+1F4F9 */
		{ FFFD, FFFD },
	};
	size_t i;
	char *q;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		q = quoted(v[i].in);
		ck_assert_msg(strcmp(q, v[i].out) == 0, "%zu: got '%s', want "
		    "'%s'", i, q, v[i].out);
		ck_assert_msg(terminal_safe(q), "%zu: not safe", i);
		free(q);
	}
	q = quoted(NULL);
	ck_assert_str_eq(q, "");
	free(q);
}
END_TEST

/* Every byte value, alone and after a letter: nothing unsafe gets out. */
START_TEST(test_quote_all_bytes)
{
	char in[3], *q;
	int b;

	for (b = 1; b < 256; b++) {
		in[0] = 'a';
		in[1] = (char)b;
		in[2] = '\0';
		q = quoted(in);
		ck_assert_msg(terminal_safe(q), "byte 0x%02x", b);
		ck_assert_msg(strchr(q, '\n') == NULL && strchr(q, '\x1b') ==
		    NULL, "byte 0x%02x", b);
		free(q);
	}
}
END_TEST

/* A short buffer: the output stops before an escape, never inside it. */
START_TEST(test_quote_truncated)
{
	char buf[8];
	size_t n;

	memset(buf, 'z', sizeof(buf));
	n = bc_quote(buf, sizeof(buf), "abcde\x1b");
	ck_assert_uint_eq(n, 9);
	ck_assert_str_eq(buf, "abcde");
	n = bc_quote(buf, sizeof(buf), "ab" RLO);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(buf, "ab");
	n = bc_quote(buf, sizeof(buf), "abcde\xc3\xa9");	/* é fits */
	ck_assert_str_eq(buf, "abcde\xc3\xa9");
	n = bc_quote(buf, 1, "abc");
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(bc_quote(NULL, 0, "a\n"), 3);
}
END_TEST

START_TEST(test_quote_fprint)
{
	const char *path = tu_path("q.txt");
	FILE *fp = fopen(path, "w");
	char *got;
	size_t len;

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(bc_quote_fprint(fp, "a\nb\x1b" RLO "\xff\\"), 0);
	ck_assert_int_eq(fclose(fp), 0);
	got = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "a\\nb\\x1b\\u202e\\xff\\\\");
	free(got);
}
END_TEST

START_TEST(test_text_check)
{
	static const char *const good[] = {
		"Det. J. Smith", "O-1742", "Zoë Ωμέγα", "עברית", "عربي",
		"日本語", "a b", "\xf0\x9f\x93\xb9", "x\\y", FFFD,
	};
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "x\ny", "control character (U+000A)" },
		{ "x\ty", "control character (U+0009)" },
		{ "x\x1b[31m", "control character (U+001B)" },
		{ "x\x7f", "control character (U+007F)" },
		{ "x" NEL, "control character (U+0085)" },
		{ "x\xc2\x9b" "31m", "control character (U+009B)" },
		{ "x" RLO "y", "bidirectional-text control character "
		    "(U+202E)" },
		{ "\xe2\x80\xaa", "(U+202A)" },
		{ "\xe2\x81\xa6", "(U+2066)" },
		{ "\xe2\x81\xa9", "(U+2069)" },
		{ "\xe2\x80\x8f", "(U+200F)" },
		{ "\xd8\x9c", "(U+061C)" },
		{ "\xe2\x80\xa8", "line separator (U+2028)" },
		{ "lat\xe9n", "not valid UTF-8 (byte 0xe9 at offset 3)" },
		{ "\xc0\xaf", "not valid UTF-8" },
		{ "\xed\xa0\x80", "not valid UTF-8" },
	};
	struct bc_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(bc_text_check("--actor", good[i], &err) == 0,
		    "good %zu refused: %s", i, err.msg);
	ck_assert_int_eq(bc_text_check("--actor", NULL, &err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bc_err_clear(&err);
		ck_assert_msg(bc_text_check("--actor", bad[i].s, &err) ==
		    BC_ERR_INVALID, "bad %zu accepted", i);
		ck_assert_msg(strstr(err.msg, bad[i].why) != NULL &&
		    strncmp(err.msg, "--actor ", 8) == 0, "bad %zu: '%s'",
		    i, err.msg);
	}
}
END_TEST

/* The operator and custody fields go through the same check. */
START_TEST(test_field_check)
{
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_field_check("--actor", "Det. J. Smith",
	    BC_FIELD_MAX, &err), 0);
	ck_assert_int_eq(bc_field_check("--actor", "x" RLO "y", BC_FIELD_MAX,
	    &err), BC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "U+202E"));
	ck_assert_int_eq(bc_field_check("--to", "x" NEL, BC_FIELD_MAX,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_field_check("--case", "C\x1b[1m", BC_FIELD_MAX,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_field_check("--note", "\xe2\x81\xa7",
	    BC_FIELD_MAX, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_field_check("--officer", "\xe9", BC_FIELD_MAX,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_field_check("--tag", "", BC_TAG_MAX, &err),
	    BC_ERR_INVALID);
}
END_TEST

START_TEST(test_utf8_lossy)
{
	char *s;

	ck_assert(bc_utf8_valid(""));
	ck_assert(bc_utf8_valid("Zoë " RLO));
	ck_assert(!bc_utf8_valid("lat\xe9n"));
	ck_assert(!bc_utf8_valid("\xc3"));
	s = bc_utf8_lossy("lat\xe9n \xff\xfe ok\xc3\xa9");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "lat" FFFD "n " FFFD FFFD " ok\xc3\xa9");
	free(s);
	s = bc_utf8_lossy("plain");
	ck_assert_str_eq(s, "plain");
	free(s);
}
END_TEST

START_TEST(test_json_name_roundtrip)
{
	static const char *const names[] = {
		"FILE0001.MP4", "lat\xe9n.mp4", "\xff", "a\nb", "x" RLO "y",
		"\xc3\xa9\xe9", "/dock/07/caf\xe9/v.mp4",
	};
	json_t *o, *j;
	char *back, *text;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		o = json_object();
		ck_assert_int_eq(bc_json_set_name(o, "name", names[i]), 0);
		ck_assert(bc_utf8_valid(json_string_value(json_object_get(o,
		    "name"))));
		ck_assert_msg((json_object_get(o, "name_bytes") != NULL) ==
		    !bc_utf8_valid(names[i]), "%zu: name_bytes only when "
		    "needed", i);
		/* through JSON text and back */
		text = json_dumps(o, JSON_COMPACT);
		ck_assert_ptr_nonnull(text);
		j = json_loads(text, 0, NULL);
		ck_assert_ptr_nonnull(j);
		ck_assert_int_eq(bc_json_get_name(j, "name", &back), 0);
		ck_assert_msg(strcmp(back, names[i]) == 0, "%zu: not the "
		    "same bytes", i);
		free(back);
		free(text);
		json_decref(j);
		json_decref(o);
	}
	o = json_object();
	ck_assert_int_eq(bc_json_set_name(o, "path", "lat\xe9n"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "path")),
	    "lat" FFFD "n");
	ck_assert_str_eq(json_string_value(json_object_get(o, "path_bytes")),
	    "6c6174e96e");
	json_decref(o);
}
END_TEST

/* name_bytes that do not go with the name are refused, not believed. */
START_TEST(test_json_name_malformed)
{
	static const struct {
		const char *name, *bytes;
	} v[] = {
		{ "lat" FFFD "n", "6C6174E96E" },	/* upper case */
		{ "lat" FFFD "n", "6c6174e96" },	/* odd length */
		{ "lat" FFFD "n", "6c6174e96g" },	/* not hex */
		{ "lat" FFFD "n", "" },
		{ "lat" FFFD "n", "6c61:74e96e" },
		{ "lat" FFFD "n", "6c6174e96e00" },	/* a NUL byte */
		{ "lat" FFFD "n", "6c6174e96f" },	/* another name */
		{ "latin", "6c6174696e" },		/* UTF-8: not needed */
	};
	json_t *o;
	char *back = NULL;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		o = json_pack("{s:s, s:s}", "name", v[i].name, "name_bytes",
		    v[i].bytes);
		ck_assert_ptr_nonnull(o);
		ck_assert_msg(bc_json_get_name(o, "name", &back) ==
		    BC_ERR_MALFORMED, "%zu accepted", i);
		ck_assert_ptr_null(back);
		json_decref(o);
	}
	o = json_pack("{s:i}", "name", 1);
	ck_assert_int_eq(bc_json_get_name(o, "name", &back),
	    BC_ERR_NOT_FOUND);
	json_decref(o);
	o = json_pack("{s:s, s:i}", "name", "x", "name_bytes", 1);
	ck_assert_int_eq(bc_json_get_name(o, "name", &back),
	    BC_ERR_MALFORMED);
	json_decref(o);
}
END_TEST

/* A manifest of a Latin-1 file name: canonical, and the name comes back. */
START_TEST(test_manifest_latin1_name)
{
	struct bc_manifest_in in;
	struct bc_err err = { 0 };
	json_t *m = NULL, *back = NULL;
	char *text = NULL, *name = NULL;
	size_t len = 0;

	memset(&in, 0, sizeof(in));
	in.id = "BWC-000001";
	in.file_name = "Stra\xdf" "e caf\xe9.mp4";
	in.size = 3;
	in.sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
	    "f20015ad";
	in.mime = "video/mp4";
	in.registered_at = "2026-11-26T02:26:46.207311Z";
	in.station = "dock-07";
	in.key_id = "00";
	ck_assert_msg(bc_manifest_build(&in, &m, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(bc_canon_dump(m, &text, &len, &err), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"name\":\"Stra" FFFD "e caf"
	    FFFD ".mp4\",\"name_bytes\":\"53747261df6520636166e9"
	    "2e6d7034\""));
	ck_assert_int_eq(bc_doc_parse(text, len, BC_MANIFEST_TYPE, &back,
	    &err), 0);
	ck_assert_int_eq(bc_json_get_name(json_object_get(back, "file"),
	    "name", &name), 0);
	ck_assert_str_eq(name, in.file_name);
	free(name);
	free(text);
	json_decref(back);
	json_decref(m);

	/* a UTF-8 name is as it always was: no name_bytes */
	in.file_name = "caf\xc3\xa9.mp4";
	ck_assert_int_eq(bc_manifest_build(&in, &m, &err), 0);
	ck_assert_ptr_null(json_object_get(json_object_get(m, "file"),
	    "name_bytes"));
	ck_assert_str_eq(bc_doc_str(m, "file.name"), "caf\xc3\xa9.mp4");
	json_decref(m);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc;

	tc = tu_tcase(s, "quote", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_quote_table);
	tcase_add_test(tc, test_quote_all_bytes);
	tcase_add_test(tc, test_quote_truncated);
	tcase_add_test(tc, test_quote_fprint);

	tc = tu_tcase(s, "fields", NULL, NULL);
	tcase_add_test(tc, test_text_check);
	tcase_add_test(tc, test_field_check);

	tc = tu_tcase(s, "names", NULL, NULL);
	tcase_add_test(tc, test_utf8_lossy);
	tcase_add_test(tc, test_json_name_roundtrip);
	tcase_add_test(tc, test_json_name_malformed);
	tcase_add_test(tc, test_manifest_latin1_name);
	return s;
}

int
main(void)
{
	return tu_run_suite(text_suite());
}
