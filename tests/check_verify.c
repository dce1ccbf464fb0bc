/*
 * check_verify.c - bc_verify_item from first principles: a clean item
 * passes every check; an edited, truncated or missing file, an edited
 * manifest, signature, catalog column or custody event each fail the
 * check named for it.  Rows are edited behind the library's back with the
 * SQLite C API, after dropping the append-only trigger in the way.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"

#define CLIP_SIZE	(256 * 1024 + 3)

static struct bc_key *key;
static struct bc_catalog *cat;
static char *catpath, *clip;
static struct bc_register_result reg;

static void
setup(void)
{
	struct bc_register_opts opts;
	struct bc_err err = { 0 };
	int r;

	tu_test_setup();
	tu_catalog_new("catalog.db", &key, &cat);
	ck_assert_ptr_nonnull(catpath = strdup(tu_path("catalog.db")));
	ck_assert_ptr_nonnull(clip = strdup(tu_path("clip.mp4")));
	ck_assert_int_eq(tu_write_pattern(clip, CLIP_SIZE), 0);
	memset(&opts, 0, sizeof(opts));
	opts.actor = "tester";
	opts.op.officer = "O-17";
	opts.op.case_no = "2026-0042";
	r = bc_register(cat, key, clip, &opts, &reg, &err);
	ck_assert_msg(r == 0, "register: %s: %s", bc_strerror(r), err.msg);
}

static void
teardown(void)
{
	bc_catalog_close(cat);
	cat = NULL;
	bc_key_free(key);
	key = NULL;
	free(catpath);
	free(clip);
	catpath = clip = NULL;
	tu_test_teardown();
}

/* Verifies the registered item (read afresh from the catalog). */
static void
verify(const struct bc_verify_opts *opts, struct bc_verify_report *rep)
{
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	int r;

	ck_assert_msg(bc_catalog_find_item(cat, reg.id, &it, &err) == 0, "%s",
	    err.msg);
	r = bc_verify_item(cat, it, opts, rep, &err);
	ck_assert_msg(r == 0, "bc_verify_item: %s: %s", bc_strerror(r),
	    err.msg);
	ck_assert_str_eq(rep->id, reg.id);
	bc_item_free(it);
}

/*
 * The name a check goes by in these tests: an event's check carries its
 * seq in the name, "event-0-hash" for check "event-hash" of seq 0, and
 * "log-inclusion-0" for the log-inclusion check of event 0.
 */
static const char *
tname(const struct bc_check *c)
{
	static char buf[BC_CHECK_NAME_MAX + 24];

	if (c->seq >= 0 && strcmp(c->name, "log-inclusion") == 0) {
		snprintf(buf, sizeof(buf), "log-inclusion-%lld",
		    (long long)c->seq);
		return buf;
	}
	if (c->seq < 0 || strncmp(c->name, "event-", 6) != 0)
		return c->name;
	snprintf(buf, sizeof(buf), "event-%lld-%s", (long long)c->seq,
	    c->name + 6);
	return buf;
}

/* The check called name; fails the test when there is none. */
static const struct bc_check *
check_named(const struct bc_verify_report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->nchecks; i++)
		if (strcmp(tname(&rep->checks[i]), name) == 0)
			return &rep->checks[i];
	ck_abort_msg("no check named '%s'", name);
	return NULL;
}

/* Asserts that exactly the checks in failing (comma-separated) failed. */
static void
expect_failing(const struct bc_verify_report *rep, const char *failing)
{
	char want[512], name[BC_CHECK_NAME_MAX + 2];
	size_t i;
	int listed;

	snprintf(want, sizeof(want), ",%s,", failing);
	for (i = 0; i < rep->nchecks; i++) {
		snprintf(name, sizeof(name), ",%s,", tname(&rep->checks[i]));
		listed = strstr(want, name) != NULL;
		ck_assert_msg(rep->checks[i].ok == !listed,
		    "check %s: ok=%d (%s), expected %s", tname(&rep->checks[i]),
		    rep->checks[i].ok, rep->checks[i].detail,
		    listed ? "a failure" : "success");
	}
	/* and every listed check was run */
	{
		char *copy = strdup(failing), *p, *save = NULL;

		ck_assert_ptr_nonnull(copy);
		for (p = strtok_r(copy, ",", &save); p != NULL;
		    p = strtok_r(NULL, ",", &save))
			(void)check_named(rep, p);
		free(copy);
	}
}

/* Runs sql on the catalog through a connection of its own. */
static void
sql(const char *stmt)
{
	tu_sql_ok(catpath, stmt);
}

static void
flip_byte(const char *path, off_t off)
{
	uint8_t b;
	int fd;

	ck_assert_int_ne(fd = open(path, O_RDWR), -1);
	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

/* --- file --------------------------------------------------------------- */

static const char *const all_checks[] = {
	"keyring", "manifest-format", "manifest-hash", "manifest-signature",
	"manifest-record", "file-present", "file-size", "file-hash",
	"event-0-hash", "event-0-link", "event-0-signature", "event-0-rule",
	"log-checkpoint", "log-inclusion", "log-inclusion-0", "manifest-log",
	"event-0-log", "status",
};

START_TEST(test_clean)
{
	struct bc_verify_report rep;
	size_t i;

	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, 0);
	ck_assert_uint_eq(rep.nchecks, sizeof(all_checks) /
	    sizeof(all_checks[0]));
	for (i = 0; i < sizeof(all_checks) / sizeof(all_checks[0]); i++)
		ck_assert_msg(check_named(&rep, all_checks[i])->ok,
		    "%s: %s", all_checks[i],
		    check_named(&rep, all_checks[i])->detail);
	ck_assert_ptr_nonnull(rep.path);
	ck_assert(tu_contains(rep.path, "clip.mp4"));
	ck_assert(tu_contains(check_named(&rep, "file-hash")->detail,
	    reg.sha256));
	bc_verify_report_clear(&rep);
	ck_assert_ptr_null(rep.checks);
	ck_assert_uint_eq(rep.nchecks, 0);
	bc_verify_report_clear(NULL);
}
END_TEST

START_TEST(test_flipped_byte)
{
	struct bc_verify_report rep;
	static const off_t where[] = { 0, CLIP_SIZE / 2, CLIP_SIZE - 1 };
	size_t i;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		flip_byte(clip, where[i]);
		verify(NULL, &rep);
		ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
		expect_failing(&rep, "file-hash");
		ck_assert(tu_contains(check_named(&rep, "file-hash")->detail,
		    reg.sha256));
		bc_verify_report_clear(&rep);
		flip_byte(clip, where[i]);	/* and back: clean again */
		verify(NULL, &rep);
		ck_assert_int_eq(rep.status, 0);
		bc_verify_report_clear(&rep);
	}
}
END_TEST

START_TEST(test_truncated)
{
	struct bc_verify_report rep;

	ck_assert_int_eq(truncate(clip, CLIP_SIZE - 1), 0);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "file-size,file-hash");
	bc_verify_report_clear(&rep);

	/* grown is no better */
	ck_assert_int_eq(tu_write_pattern(clip, CLIP_SIZE + 1), 0);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "file-size,file-hash");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_deleted)
{
	struct bc_verify_report rep;

	ck_assert_int_eq(unlink(clip), 0);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_NOT_FOUND);
	ck_assert(!check_named(&rep, "file-present")->ok);
	ck_assert(tu_contains(check_named(&rep, "file-present")->detail,
	    "clip.mp4"));
	/* the records themselves are still sound */
	ck_assert(check_named(&rep, "manifest-signature")->ok);
	ck_assert(check_named(&rep, "event-0-signature")->ok);
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_other_file)
{
	struct bc_verify_report rep;
	struct bc_verify_opts opts;
	struct bc_file_hash fh;
	const char *copy = tu_path("copy.mp4");

	/* a copy elsewhere verifies; the registered path is not consulted */
	ck_assert_int_eq(tu_write_pattern(copy, CLIP_SIZE), 0);
	ck_assert_int_eq(unlink(clip), 0);
	memset(&opts, 0, sizeof(opts));
	opts.file = copy;
	verify(&opts, &rep);
	ck_assert_int_eq(rep.status, 0);
	ck_assert_str_eq(rep.path, copy);
	bc_verify_report_clear(&rep);

	/* a file already hashed by the caller */
	ck_assert_int_eq(bc_hash_file(copy, &fh, NULL, NULL, NULL), 0);
	memset(&opts, 0, sizeof(opts));
	opts.file = copy;
	opts.file_hash = &fh;
	verify(&opts, &rep);
	ck_assert_int_eq(rep.status, 0);
	bc_verify_report_clear(&rep);
	fh.sha256[5] ^= 1;
	verify(&opts, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "file-hash");
	bc_verify_report_clear(&rep);

	/* a different file */
	ck_assert_int_eq(tu_write_str(copy, "something else"), 0);
	memset(&opts, 0, sizeof(opts));
	opts.file = copy;
	verify(&opts, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "file-size,file-hash");
	bc_verify_report_clear(&rep);
}
END_TEST

/* --- records ------------------------------------------------------------ */

START_TEST(test_tampered_manifest)
{
	struct bc_verify_report rep;

	/* same length, still canonical JSON: only hash and signature tell */
	sql("DROP TRIGGER items_no_update;"
	    "UPDATE items SET manifest = replace(manifest, '\"O-17\"', "
	    "'\"O-71\"');");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items "
	    "WHERE instr(manifest, '\"O-71\"') > 0"), 1);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	/* the genesis event links to the manifest as it was sealed */
	expect_failing(&rep, "manifest-hash,manifest-signature,event-0-link,"
	    "log-inclusion");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_manifest_and_hash)
{
	struct bc_verify_report rep;
	struct bc_item *it = NULL;
	uint8_t d[BC_SHA256_LEN];
	char *edited, hex[BC_SHA256_HEX], stmt[1024];
	size_t i;

	/*
	 * A careful forger also updates the stored hash (and the event's
	 * item link would then dangle: here the events are re-pointed too).
	 * The signature still gives it away.
	 */
	ck_assert_int_eq(bc_catalog_find_item(cat, reg.id, &it, NULL), 0);
	ck_assert_ptr_nonnull(edited = strdup(it->manifest));
	ck_assert_ptr_nonnull(strstr(edited, "O-17"));
	strstr(edited, "O-17")[2] = '7';
	strstr(edited, "O-77")[3] = '1';
	ck_assert_int_eq(bc_sha256(edited, strlen(edited), d), 0);
	bc_hex(d, sizeof(d), hex);
	for (i = 0; edited[i] != '\0'; i++)
		ck_assert_msg(edited[i] != '\'', "quote in manifest");
	snprintf(stmt, sizeof(stmt), "DROP TRIGGER items_no_update;"
	    "DROP TRIGGER events_no_update;"
	    "UPDATE items SET manifest = replace(manifest, 'O-17', 'O-71'),"
	    " manifest_hash = '%s';"
	    "UPDATE events SET item = '%s';", hex, hex);
	sql(stmt);
	bc_item_free(it);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert(check_named(&rep, "manifest-hash")->ok);
	ck_assert(!check_named(&rep, "manifest-signature")->ok);
	/* the genesis event still names the original manifest hash */
	ck_assert(!check_named(&rep, "event-0-link")->ok);
	free(edited);
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_manifest_signature)
{
	struct bc_verify_report rep;

	sql("DROP TRIGGER items_no_update;"
	    "UPDATE items SET signature = zeroblob(64);");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "manifest-signature");
	bc_verify_report_clear(&rep);

	/* a truncated signature */
	sql("UPDATE items SET signature = substr(signature, 1, 63);");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "manifest-signature");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_resigned_by_other_key)
{
	struct bc_verify_report rep;
	struct bc_key *other = NULL;
	struct bc_item *it = NULL;
	uint8_t sig[BC_ED25519_SIGLEN];
	char stmt[512], hex[2 * BC_ED25519_SIGLEN + 1];

	/* a valid signature, but not by the catalog's admin key */
	ck_assert_int_eq(bc_key_generate(&other), 0);
	ck_assert_int_eq(bc_catalog_find_item(cat, reg.id, &it, NULL), 0);
	ck_assert_int_eq(bc_sign(other, it->manifest, it->manifest_len, sig),
	    0);
	bc_hex(sig, sizeof(sig), hex);
	snprintf(stmt, sizeof(stmt), "DROP TRIGGER items_no_update;"
	    "UPDATE items SET signature = x'%s', key = '%s';", hex,
	    bc_key_id(other));
	sql(stmt);
	bc_item_free(it);
	bc_key_free(other);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	/* and the key column no longer names the sealed signer */
	expect_failing(&rep, "manifest-signature,manifest-record");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_columns)
{
	struct bc_verify_report rep;
	char stmt[256];

	/* the row's columns must agree with the sealed manifest */
	snprintf(stmt, sizeof(stmt), "DROP TRIGGER items_no_update;"
	    "UPDATE items SET size = %d;", CLIP_SIZE + 1);
	sql(stmt);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "manifest-record");
	bc_verify_report_clear(&rep);

	snprintf(stmt, sizeof(stmt), "UPDATE items SET size = %d, "
	    "sha256 = '%064d';", CLIP_SIZE, 0);
	sql(stmt);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items "
	    "WHERE sha256 LIKE '0000%'"), 1);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "manifest-record");
	/* the file is compared with the sealed hash, not the column */
	ck_assert(check_named(&rep, "file-hash")->ok);
	bc_verify_report_clear(&rep);

	/* list and show print the registration time and signer columns */
	sql("DROP TABLE IF EXISTS saved; CREATE TABLE saved AS SELECT * FROM "
	    "items; UPDATE items SET sha256 = (SELECT json_extract(manifest, "
	    "'$.file.sha256') FROM saved), registered = "
	    "'2001-01-01T00:00:00.000000Z';");
	verify(NULL, &rep);
	expect_failing(&rep, "manifest-record");
	ck_assert(tu_contains(check_named(&rep, "manifest-record")->detail,
	    "registration time"));
	bc_verify_report_clear(&rep);
	sql("UPDATE items SET registered = (SELECT registered FROM saved), "
	    "key = '00';");
	verify(NULL, &rep);
	expect_failing(&rep, "manifest-record");
	bc_verify_report_clear(&rep);
	sql("UPDATE items SET key = (SELECT key FROM saved);");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, 0);	/* all restored */
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_event_body)
{
	struct bc_verify_report rep;

	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET body = replace(body, '\"tester\"', "
	    "'\"mallory\"');");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events "
	    "WHERE instr(body, 'mallory') > 0"), 1);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "event-0-hash,event-0-signature,"
	    "log-inclusion-0");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_event_noncanonical)
{
	struct bc_verify_report rep;

	/* the same JSON value with a space added: not the signed bytes */
	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET body = replace(body, '{\"action\"', "
	    "'{ \"action\"');");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert(!check_named(&rep, "event-0-hash")->ok);
	ck_assert(!check_named(&rep, "event-0-signature")->ok);
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_tampered_event_signature)
{
	struct bc_verify_report rep;

	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET signature = zeroblob(64);");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "event-0-signature");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_missing_genesis)
{
	struct bc_verify_report rep;

	sql("DROP TRIGGER events_no_delete; DELETE FROM events;");
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "chain");
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_swapped_admin_key)
{
	struct bc_verify_report rep;
	struct bc_key *other = NULL;
	char stmt[512], hex[2 * BC_ED25519_PUBLEN + 1];

	/* a catalog whose trust anchor was replaced fails every signature */
	ck_assert_int_eq(bc_key_generate(&other), 0);
	bc_hex(bc_key_public(other), BC_ED25519_PUBLEN, hex);
	snprintf(stmt, sizeof(stmt), "DROP TRIGGER meta_no_update;"
	    "UPDATE meta SET value = '%s' WHERE name = 'admin_key';", hex);
	sql(stmt);
	bc_key_free(other);
	verify(NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_failing(&rep, "manifest-signature,event-0-signature");
	bc_verify_report_clear(&rep);
}
END_TEST

static Suite *
verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc;

	tc = tu_tcase(s, "file", setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_flipped_byte);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_deleted);
	tcase_add_test(tc, test_other_file);

	tc = tu_tcase(s, "records", setup, teardown);
	tcase_add_test(tc, test_tampered_manifest);
	tcase_add_test(tc, test_tampered_manifest_and_hash);
	tcase_add_test(tc, test_tampered_manifest_signature);
	tcase_add_test(tc, test_resigned_by_other_key);
	tcase_add_test(tc, test_tampered_columns);
	tcase_add_test(tc, test_tampered_event_body);
	tcase_add_test(tc, test_tampered_event_noncanonical);
	tcase_add_test(tc, test_tampered_event_signature);
	tcase_add_test(tc, test_missing_genesis);
	tcase_add_test(tc, test_swapped_admin_key);
	return s;
}

int
main(void)
{
	return tu_run_suite(verify_suite());
}
