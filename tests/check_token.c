/*
 * check_token.c - bearer tokens: create, check, revoke and list; what is
 * refused (names, roles, duplicates, keys that are not admins, malformed
 * tokens); that only a token's hash is stored, anywhere in the file; the
 * tokens table's triggers; checks from many threads at once; and the
 * upgrades to schema 4 from the v3 and v2 fixtures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"
#include "bodycam/token.h"

static struct bc_key *admin;		/* the catalog's anchor admin key */
static struct bc_catalog *cat;
static const char *catpath;

/* Creates token name with role by the anchor admin; fails the test if not. */
static void
create_ok(const char *name, int role, char token[BC_TOKEN_LEN + 1])
{
	struct bc_err err = { 0 };
	int r;

	r = bc_token_create(cat, admin, name, role, token, &err);
	ck_assert_msg(r == 0, "create %s: %s: %s", name, bc_strerror(r),
	    err.msg);
}

static void
check_ok(const char *token, struct bc_token_info *info)
{
	struct bc_err err = { 0 };
	int r;

	r = bc_token_check(cat, token, info, &err);
	ck_assert_msg(r == 0, "check: %s: %s", bc_strerror(r), err.msg);
}

/* bc_token_check's answer, which must never mention the token. */
static int
check_code(const char *token, struct bc_err *err)
{
	int r;

	bc_err_clear(err);
	r = bc_token_check(cat, token, NULL, err);
	if (token != NULL && strlen(token) >= 8)
		ck_assert_msg(!tu_contains(err->msg, token + 4),
		    "the error names the token: %s", err->msg);
	return r;
}

/* Hex SHA-256 of a string. */
static void
sha256_hex(const char *s, char hex[BC_SHA256_HEX])
{
	uint8_t d[BC_SHA256_LEN];

	ck_assert_int_eq(bc_sha256(s, strlen(s), d), 0);
	bc_hex(d, sizeof(d), hex);
}

static long long
count_tokens(void)
{
	return tu_sql_int(catpath, "SELECT count(*) FROM tokens");
}

static int
is_token_form(const char *t)
{
	size_t i;

	if (strlen(t) != BC_TOKEN_LEN || strncmp(t, "bct_", 4) != 0)
		return 0;
	for (i = 4; i < BC_TOKEN_LEN; i++)
		if (!((t[i] >= '0' && t[i] <= '9') ||
		    (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return 1;
}

/* --- core --------------------------------------------------------------- */

START_TEST(test_create_and_check)
{
	char t1[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1];
	struct bc_token_info info;

	create_ok("alice", BC_ROLE_INGEST, t1);
	create_ok("bob", BC_ROLE_AUDITOR, t2);
	ck_assert_msg(is_token_form(t1), "%s", t1);
	ck_assert_msg(is_token_form(t2), "%s", t2);
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(BC_TOKEN_LEN, 68);
	ck_assert_str_eq(BC_TOKEN_PREFIX, "bct_");

	memset(&info, 0x55, sizeof(info));
	check_ok(t1, &info);
	ck_assert_int_gt(info.id, 0);
	ck_assert_str_eq(info.name, "alice");
	ck_assert_int_eq(info.role, BC_ROLE_INGEST);
	ck_assert_str_eq(info.created_by, bc_key_id(admin));
	ck_assert_msg(bc_time_is_stamp(info.created), "%s", info.created);
	ck_assert_str_eq(info.revoked, "");

	check_ok(t2, &info);
	ck_assert_str_eq(info.name, "bob");
	ck_assert_int_eq(info.role, BC_ROLE_AUDITOR);
	check_ok(t2, NULL);			/* out may be NULL */

	/* a token survives closing and opening the catalog */
	bc_catalog_close(cat);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	check_ok(t1, &info);
	ck_assert_str_eq(info.name, "alice");
}
END_TEST

START_TEST(test_every_role)
{
	static const int roles[] = { BC_ROLE_INGEST, BC_ROLE_CUSTODIAN,
	    BC_ROLE_AUDITOR, BC_ROLE_ADMIN };
	char t[BC_TOKEN_LEN + 1], name[16];
	struct bc_token_info info;
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "r%zu", i);
		create_ok(name, roles[i], t);
		check_ok(t, &info);
		ck_assert_int_eq(info.role, roles[i]);
		ck_assert_str_eq(info.name, name);
	}
}
END_TEST

START_TEST(test_revoke)
{
	char t1[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1];
	struct bc_token_info info;
	struct bc_err err = { 0 };

	create_ok("alice", BC_ROLE_CUSTODIAN, t1);
	create_ok("bob", BC_ROLE_CUSTODIAN, t2);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "alice", &err), 0);

	memset(&info, 0x55, sizeof(info));
	ck_assert_int_eq(bc_token_check(cat, t1, &info, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_msg(tu_contains(err.msg, "revoked"), "%s", err.msg);
	ck_assert_msg(!tu_contains(err.msg, t1 + 4), "%s", err.msg);
	ck_assert_str_eq(info.name, "");	/* nothing handed out */
	ck_assert_int_eq(info.role, 0);
	check_ok(t2, &info);			/* the other one still works */
	ck_assert_str_eq(info.name, "bob");

	/* once only, and only what exists */
	ck_assert_int_eq(bc_token_revoke(cat, admin, "alice", &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_msg(tu_contains(err.msg, "alice"), "%s", err.msg);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "carol", &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "bad name", &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM tokens"
	    " WHERE revoked IS NOT NULL"), 1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM tokens"
	    " WHERE name = 'alice' AND length(revoked) = 27"), 1);
}
END_TEST

START_TEST(test_duplicate_active_name)
{
	char t1[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1];
	struct bc_token_info info;
	struct bc_err err = { 0 };

	create_ok("ci", BC_ROLE_INGEST, t1);
	memset(t2, 'x', sizeof(t2));
	ck_assert_int_eq(bc_token_create(cat, admin, "ci", BC_ROLE_AUDITOR, t2,
	    &err), BC_ERR_EXISTS);
	ck_assert_msg(tu_contains(err.msg, "ci"), "%s", err.msg);
	ck_assert_str_eq(t2, "");		/* no token on failure */
	ck_assert_int_eq(count_tokens(), 1);
	check_ok(t1, &info);
	ck_assert_int_eq(info.role, BC_ROLE_INGEST);
	/* names are case-sensitive: CI is another name */
	create_ok("CI", BC_ROLE_AUDITOR, t2);
	ck_assert_int_eq(count_tokens(), 2);
}
END_TEST

START_TEST(test_recreate_after_revoke)
{
	char t1[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1];
	struct bc_token_info info, *v = NULL;
	struct bc_err err = { 0 };
	size_t n = 0;

	create_ok("ci", BC_ROLE_INGEST, t1);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "ci", &err), 0);
	create_ok("ci", BC_ROLE_AUDITOR, t2);
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(check_code(t1, &err), BC_ERR_NOT_FOUND);
	check_ok(t2, &info);
	ck_assert_int_eq(info.role, BC_ROLE_AUDITOR);

	ck_assert_int_eq(bc_token_list(cat, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].name, "ci");
	ck_assert_str_ne(v[0].revoked, "");
	ck_assert_int_eq(v[0].role, BC_ROLE_INGEST);
	ck_assert_str_eq(v[1].name, "ci");
	ck_assert_str_eq(v[1].revoked, "");
	ck_assert_int_eq(v[1].id, info.id);
	free(v);

	/* and again: a second revoked "ci" beside the first */
	ck_assert_int_eq(bc_token_revoke(cat, admin, "ci", &err), 0);
	create_ok("ci", BC_ROLE_ADMIN, t1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM tokens"
	    " WHERE name = 'ci' AND revoked IS NOT NULL"), 2);
	ck_assert_int_eq(check_code(t2, &err), BC_ERR_NOT_FOUND);
	check_ok(t1, &info);
	ck_assert_int_eq(info.role, BC_ROLE_ADMIN);
}
END_TEST

START_TEST(test_list)
{
	char t[BC_TOKEN_LEN + 1];
	struct bc_token_info *v = (struct bc_token_info *)1;
	struct bc_err err = { 0 };
	struct bc_key *adm2 = tu_new_key();
	size_t n = 99;

	ck_assert_int_eq(bc_token_list(cat, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	free(v);

	ck_assert_int_eq(bc_key_authorise(cat, admin, adm2, "second admin",
	    BC_ROLE_ADMIN, &err), 0);
	create_ok("a", BC_ROLE_INGEST, t);
	create_ok("b", BC_ROLE_CUSTODIAN, t);
	ck_assert_int_eq(bc_token_create(cat, adm2, "c", BC_ROLE_AUDITOR, t,
	    &err), 0);
	ck_assert_int_eq(bc_token_revoke(cat, adm2, "b", &err), 0);

	ck_assert_int_eq(bc_token_list(cat, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_str_eq(v[1].name, "b");
	ck_assert_str_eq(v[2].name, "c");
	ck_assert_int_eq(v[0].role, BC_ROLE_INGEST);
	ck_assert_int_eq(v[1].role, BC_ROLE_CUSTODIAN);
	ck_assert_int_eq(v[2].role, BC_ROLE_AUDITOR);
	ck_assert_str_eq(v[0].created_by, bc_key_id(admin));
	ck_assert_str_eq(v[2].created_by, bc_key_id(adm2));
	ck_assert_str_eq(v[0].revoked, "");
	ck_assert_msg(bc_time_is_stamp(v[1].revoked), "%s", v[1].revoked);
	ck_assert_str_eq(v[2].revoked, "");
	ck_assert(v[0].id < v[1].id && v[1].id < v[2].id);
	ck_assert(strcmp(v[0].created, v[2].created) <= 0);
	ck_assert(strcmp(v[1].created, v[1].revoked) <= 0);
	free(v);
	bc_key_free(adm2);
}
END_TEST

START_TEST(test_fixed_clock)
{
	char t[BC_TOKEN_LEN + 1];
	struct bc_token_info info;
	struct bc_token_info *v = NULL;
	struct bc_err err = { 0 };
	size_t n = 0;

	setenv("BODYCAM_NOW", "2030-01-02T03:04:05Z", 1);
	create_ok("clock", BC_ROLE_INGEST, t);
	check_ok(t, &info);
	ck_assert_str_eq(info.created, "2030-01-02T03:04:05.000000Z");
	setenv("BODYCAM_NOW", "2030-01-03T00:00:00Z", 1);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "clock", &err), 0);
	unsetenv("BODYCAM_NOW");
	ck_assert_int_eq(bc_token_list(cat, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].revoked, "2030-01-03T00:00:00.000000Z");
	free(v);
}
END_TEST

/* --- refused ------------------------------------------------------------ */

START_TEST(test_names)
{
	static const char *good[] = { "a", "Z", "0", "ci-runner_1.prod",
	    "alice@example.org", "A.B-C_D@E" };
	static const char *bad[] = { "", "a b", "a/b", "a\tb", "a\nb",
	    "caf\xc3\xa9", "a:b", "a'b", "a\"b", "a;b", "a%b", "a+b",
	    " lead", "trail ", "a\\b", "\x7f" };
	char t[BC_TOKEN_LEN + 1], name[BC_TOKEN_NAME_MAX + 2];
	struct bc_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(bc_token_name_check(good[i], &err), 0);
		create_ok(good[i], BC_ROLE_INGEST, t);
	}
	/* 64 characters, the longest */
	memset(name, 'n', BC_TOKEN_NAME_MAX);
	name[BC_TOKEN_NAME_MAX] = '\0';
	create_ok(name, BC_ROLE_INGEST, t);
	ck_assert_int_eq(count_tokens(), 7);

	name[BC_TOKEN_NAME_MAX] = 'n';
	name[BC_TOKEN_NAME_MAX + 1] = '\0';
	memset(t, 'x', sizeof(t));
	ck_assert_int_eq(bc_token_create(cat, admin, name, BC_ROLE_INGEST, t,
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "64"), "%s", err.msg);
	ck_assert_str_eq(t, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(bc_token_name_check(bad[i], &err) ==
		    BC_ERR_INVALID, "name '%s' passed", bad[i]);
		memset(t, 'x', sizeof(t));
		ck_assert_msg(bc_token_create(cat, admin, bad[i],
		    BC_ROLE_INGEST, t, &err) == BC_ERR_INVALID,
		    "name '%s' created", bad[i]);
		ck_assert_str_eq(t, "");
		ck_assert_int_eq(bc_token_revoke(cat, admin, bad[i], &err),
		    BC_ERR_INVALID);
	}
	ck_assert_int_eq(bc_token_name_check(NULL, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_token_create(cat, admin, NULL, BC_ROLE_INGEST, t,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(count_tokens(), 7);
}
END_TEST

START_TEST(test_roles)
{
	static const int bad[] = { 0, -1, 3, 5, 6, 0x0f, 0x10, 0x100,
	    BC_ROLE_ADMIN | BC_ROLE_INGEST };
	char t[BC_TOKEN_LEN + 1];
	struct bc_err err = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(t, 'x', sizeof(t));
		ck_assert_msg(bc_token_create(cat, admin, "r", bad[i], t,
		    &err) == BC_ERR_INVALID, "role %d", bad[i]);
		ck_assert_msg(tu_contains(err.msg, "role"), "%s", err.msg);
		ck_assert_str_eq(t, "");
	}
	ck_assert_int_eq(count_tokens(), 0);
}
END_TEST

START_TEST(test_not_admin)
{
	struct bc_key *cust = tu_new_key(), *stranger = tu_new_key();
	struct bc_key *adm2 = tu_new_key(), *pub = NULL;
	char t[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1];
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_key_authorise(cat, admin, cust, "Det. Smith",
	    BC_ROLE_CUSTODIAN, &err), 0);
	create_ok("ok", BC_ROLE_INGEST, t2);

	/* a custodian key */
	memset(t, 'x', sizeof(t));
	ck_assert_int_eq(bc_token_create(cat, cust, "c", BC_ROLE_INGEST, t,
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "role custodian, not admin"),
	    "%s", err.msg);
	ck_assert_str_eq(t, "");
	ck_assert_int_eq(bc_token_revoke(cat, cust, "ok", &err),
	    BC_ERR_INVALID);
	check_ok(t2, NULL);

	/* a key the catalog does not know */
	ck_assert_int_eq(bc_token_create(cat, stranger, "s", BC_ROLE_INGEST,
	    t, &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "not a signer"), "%s", err.msg);
	ck_assert_int_eq(bc_token_revoke(cat, stranger, "ok", &err),
	    BC_ERR_INVALID);

	/* the admin's public key alone */
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(admin), &pub), 0);
	ck_assert_int_eq(bc_token_create(cat, pub, "p", BC_ROLE_INGEST, t,
	    &err), BC_ERR_KEY_TYPE);
	ck_assert_int_eq(bc_token_revoke(cat, pub, "ok", &err),
	    BC_ERR_KEY_TYPE);
	ck_assert_int_eq(bc_token_create(cat, NULL, "p", BC_ROLE_INGEST, t,
	    &err), BC_ERR_KEY_TYPE);

	/* an added admin may, until it is revoked */
	ck_assert_int_eq(bc_key_authorise(cat, admin, adm2, "admin 2",
	    BC_ROLE_ADMIN, &err), 0);
	ck_assert_int_eq(bc_token_create(cat, adm2, "a2", BC_ROLE_INGEST, t,
	    &err), 0);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(adm2), "left",
	    &err), 0);
	ck_assert_int_eq(bc_token_create(cat, adm2, "a3", BC_ROLE_INGEST, t,
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "revocation"), "%s", err.msg);
	ck_assert_int_eq(bc_token_revoke(cat, adm2, "a2", &err),
	    BC_ERR_INVALID);

	/* nothing was written by a refused key, and no write lock is held */
	ck_assert_int_eq(count_tokens(), 2);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM tokens"
	    " WHERE revoked IS NOT NULL"), 0);
	create_ok("after", BC_ROLE_INGEST, t);
	bc_key_free(cust);
	bc_key_free(stranger);
	bc_key_free(adm2);
	bc_key_free(pub);
}
END_TEST

/* --- malformed ---------------------------------------------------------- */

START_TEST(test_malformed)
{
	char t[BC_TOKEN_LEN + 1], bad[BC_TOKEN_LEN + 8];
	const char *hex;
	struct bc_err err = { 0 };
	size_t i;

	create_ok("m", BC_ROLE_INGEST, t);
	hex = t + 4;

	/* wrong prefix */
	snprintf(bad, sizeof(bad), "bcx_%s", hex);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "BCT_%s", hex);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "bct-%s", hex);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(check_code(hex, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "Bearer %s", t);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	/* upper-case hex, one digit at a time */
	for (i = 4; i < BC_TOKEN_LEN; i++) {
		if (t[i] < 'a')
			continue;
		memcpy(bad, t, sizeof(t));
		bad[i] = (char)(bad[i] - 'a' + 'A');
		ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	}
	/* not hex */
	memcpy(bad, t, sizeof(t));
	bad[40] = 'g';
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	/* short, long, trailing bytes */
	memcpy(bad, t, sizeof(t));
	bad[BC_TOKEN_LEN - 1] = '\0';
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(check_code("bct_", &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(check_code("", &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "%s0", t);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "%s\n", t);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), "%s ", t);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	snprintf(bad, sizeof(bad), " %s", t);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(check_code(NULL, &err), BC_ERR_MALFORMED);

	/* by length: an embedded NUL, and bytes after the token */
	memcpy(bad, t, sizeof(t));
	bad[30] = '\0';
	ck_assert_int_eq(bc_token_check_len(cat, bad, BC_TOKEN_LEN, NULL,
	    &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(check_code(bad, &err), BC_ERR_MALFORMED);
	memcpy(bad, t, sizeof(t));
	bad[BC_TOKEN_LEN] = '\0';
	bad[BC_TOKEN_LEN + 1] = 'x';
	ck_assert_int_eq(bc_token_check_len(cat, bad, BC_TOKEN_LEN + 2, NULL,
	    &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_token_check_len(cat, bad, BC_TOKEN_LEN + 1, NULL,
	    &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_token_check_len(cat, t, BC_TOKEN_LEN - 1, NULL,
	    &err), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_token_check_len(cat, t, 0, NULL, &err),
	    BC_ERR_MALFORMED);
	/* the same bytes with the right length are the token */
	ck_assert_int_eq(bc_token_check_len(cat, bad, BC_TOKEN_LEN, NULL,
	    &err), 0);

	/* the form is checked before any lookup: no catalog needed */
	snprintf(bad, sizeof(bad), "BCT_%s", hex);
	ck_assert_int_eq(bc_token_check(NULL, bad, NULL, &err),
	    BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_token_check(NULL, "bct_x", NULL, &err),
	    BC_ERR_MALFORMED);

	/* the real one still works */
	check_ok(t, NULL);
}
END_TEST

START_TEST(test_unknown)
{
	char t[BC_TOKEN_LEN + 1], other[BC_TOKEN_LEN + 1], hash[BC_SHA256_HEX];
	struct bc_token_info info;
	struct bc_err err = { 0 };

	create_ok("u", BC_ROLE_INGEST, t);
	/* well formed, one digit off */
	memcpy(other, t, sizeof(t));
	other[BC_TOKEN_LEN - 1] = other[BC_TOKEN_LEN - 1] == '0' ? '1' : '0';
	memset(&info, 0x55, sizeof(info));
	ck_assert_int_eq(bc_token_check(cat, other, &info, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_str_eq(info.name, "");
	sha256_hex(other, hash);
	ck_assert_msg(!tu_contains(err.msg, other + 4), "%s", err.msg);
	ck_assert_msg(!tu_contains(err.msg, hash), "%s", err.msg);
	memset(other, '0', BC_TOKEN_LEN);
	memcpy(other, "bct_", 4);
	other[BC_TOKEN_LEN] = '\0';
	ck_assert_int_eq(check_code(other, &err), BC_ERR_NOT_FOUND);
	/* the stored hash, made to look like a token, is not one */
	sha256_hex(t, hash);
	snprintf(other, sizeof(other), "bct_%s", hash);
	ck_assert_int_eq(check_code(other, &err), BC_ERR_NOT_FOUND);
}
END_TEST

/* --- storage ------------------------------------------------------------ */

/* Whether needle occurs in the file at path (which may be missing). */
static int
file_has(const char *path, const void *needle, size_t n)
{
	char *data;
	size_t len;
	int found;

	if (access(path, F_OK) != 0)
		return 0;
	ck_assert_ptr_nonnull(data = tu_read_file(path, &len));
	found = memmem(data, len, needle, n) != NULL;
	free(data);
	return found;
}

static int
catalog_has(const void *needle, size_t n)
{
	char side[4096];

	snprintf(side, sizeof(side), "%s-wal", catpath);
	return file_has(catpath, needle, n) || file_has(side, needle, n);
}

START_TEST(test_only_hash_stored)
{
	char t[BC_TOKEN_LEN + 1], hash[BC_SHA256_HEX], q[512];
	uint8_t raw[32];

	create_ok("secret", BC_ROLE_ADMIN, t);
	sha256_hex(t, hash);
	ck_assert_int_eq(bc_unhex(t + 4, raw, sizeof(raw)), 0);

	/* the row holds the hash of the whole token string */
	snprintf(q, sizeof(q), "SELECT count(*) FROM tokens WHERE hash = '%s'"
	    " AND name = 'secret' AND role = %d", hash, BC_ROLE_ADMIN);
	ck_assert_int_eq(tu_sql_int(catpath, q), 1);
	/* and no column of any row holds the token or its random part */
	snprintf(q, sizeof(q), "SELECT count(*) FROM tokens WHERE"
	    " instr(name || role || hash || created || created_by ||"
	    " coalesce(revoked, ''), '%.32s') > 0", t + 4);
	ck_assert_int_eq(tu_sql_int(catpath, q), 0);
	snprintf(q, sizeof(q), "SELECT count(*) FROM meta WHERE"
	    " instr(value, '%.32s') > 0", t + 4);
	ck_assert_int_eq(tu_sql_int(catpath, q), 0);

	/* nor do the file's bytes, WAL included; the search does find the
	 * hash, so it would find the token */
	ck_assert(catalog_has(hash, 64));
	ck_assert(!catalog_has(t, BC_TOKEN_LEN));
	ck_assert(!catalog_has(t + 4, 64));
	ck_assert(!catalog_has(t + 4, 16));
	ck_assert(!catalog_has(t + 52, 16));
	ck_assert(!catalog_has(raw, sizeof(raw)));
	ck_assert(!catalog_has(raw + 16, 8));

	/* and after revoking it and folding the WAL into the file */
	ck_assert_int_eq(bc_token_revoke(cat, admin, "secret", NULL), 0);
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(tu_sql(catpath, "PRAGMA wal_checkpoint(TRUNCATE)",
	    NULL), SQLITE_OK);
	ck_assert(file_has(catpath, hash, 64));
	ck_assert(!catalog_has(t + 4, 16));
	ck_assert(!catalog_has(raw, sizeof(raw)));
}
END_TEST

/* tu_sql on path, expecting a refusal whose message contains want. */
static void
refused_in(const char *path, const char *sql, const char *want)
{
	char *msg = NULL;
	int rc;

	rc = tu_sql(path, sql, &msg);
	ck_assert_msg(rc != SQLITE_OK, "not refused: %s", sql);
	ck_assert_msg(tu_contains(msg, want), "%s: %s", sql, msg);
	free(msg);
}

static void
refused(const char *sql, const char *want)
{
	refused_in(catpath, sql, want);
}

START_TEST(test_triggers)
{
	static const char *const sets[] = { "name = 'x'", "role = 8",
	    "hash = '0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef'", "created = '2000-01-01T00:00:00.000000Z'",
	    "created_by = 'x'", "id = 99" };
	char t1[BC_TOKEN_LEN + 1], t2[BC_TOKEN_LEN + 1], q[512];
	char *before, *msg = NULL;
	struct bc_token_info info;
	struct bc_err err = { 0 };
	size_t len, len2, i;

	create_ok("one", BC_ROLE_INGEST, t1);
	create_ok("two", BC_ROLE_INGEST, t2);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "two", &err), 0);
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(tu_sql(catpath, "PRAGMA wal_checkpoint(TRUNCATE)",
	    NULL), SQLITE_OK);
	ck_assert_ptr_nonnull(before = tu_read_file(catpath, &len));

	refused("DELETE FROM tokens", "never deleted");
	refused("DELETE FROM tokens WHERE name = 'two'", "never deleted");
	/* any other column, alone or with revoked set as well */
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		snprintf(q, sizeof(q), "UPDATE tokens SET %s WHERE name ="
		    " 'one'", sets[i]);
		refused(q, "only be revoked");
		snprintf(q, sizeof(q), "UPDATE tokens SET revoked ="
		    " '2030-01-01T00:00:00.000000Z', %s WHERE name = 'one'",
		    sets[i]);
		refused(q, "only be revoked");
	}
	/* revoked needs a value */
	refused("UPDATE tokens SET revoked = '' WHERE name = 'one'",
	    "only be revoked");
	/* a revoked token stays revoked, at its time */
	refused("UPDATE tokens SET revoked = NULL WHERE name = 'two'",
	    "only be revoked");
	refused("UPDATE tokens SET revoked = '2000-01-01T00:00:00.000000Z'"
	    " WHERE name = 'two'", "only be revoked");
	/* no replacing a row through a conflict */
	snprintf(q, sizeof(q), "INSERT OR REPLACE INTO tokens (name, role,"
	    " hash, created, created_by) SELECT 'evil', 8, hash, created,"
	    " created_by FROM tokens WHERE name = 'one'");
	refused(q, "never replaced");
	refused("INSERT OR REPLACE INTO tokens (name, role, hash, created,"
	    " created_by) VALUES ('one', 8, '" "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef', 'now', 'me')",
	    "never replaced");
	refused("INSERT OR REPLACE INTO tokens (id, name, role, hash,"
	    " created, created_by) SELECT id, 'evil', 8, '"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "', 'now', 'me' FROM tokens WHERE name = 'one'", "never replaced");
	/* the one-active-name rule is the database's too, not only ours */
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT \"unique\" * 10 +"
	    " partial FROM pragma_index_list('tokens') WHERE name ="
	    " 'tokens_active_name'"), 11);
	refused("BEGIN; DROP TRIGGER tokens_no_replace; INSERT INTO tokens"
	    " (name, role, hash, created, created_by) VALUES ('one', 8, '"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	    "', 'now', 'me')", "UNIQUE constraint failed: tokens.name");
	/* the columns' checks */
	refused("INSERT INTO tokens (name, role, hash, created, created_by)"
	    " VALUES ('r', 3, '" "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef', 'now', 'me')", "CHECK");
	refused("INSERT INTO tokens (name, role, hash, created, created_by)"
	    " VALUES ('r', 1, 'abc', 'now', 'me')", "CHECK");

	/* every refusal left the file as it was */
	{
		char *after = tu_read_file(catpath, &len2);

		ck_assert_ptr_nonnull(after);
		ck_assert_uint_eq(len2, len);
		ck_assert_int_eq(memcmp(before, after, len), 0);
		free(after);
	}
	free(before);

	/* revoking the active one directly is the one update allowed */
	ck_assert_int_eq(tu_sql(catpath, "UPDATE tokens SET revoked ="
	    " '2030-01-01T00:00:00.000000Z' WHERE name = 'one'", &msg),
	    SQLITE_OK);
	free(msg);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	ck_assert_int_eq(bc_token_check(cat, t1, &info, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_token_check(cat, t2, &info, &err),
	    BC_ERR_NOT_FOUND);
}
END_TEST

/* --- concurrency -------------------------------------------------------- */

#define NTHREADS	8
#define NROUNDS		200

struct worker {
	struct bc_catalog	*cat;
	const char		*good, *revoked, *unknown;
	int			 role;
	int			 bad;		/* wrong answers */
	char			 why[256];
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct bc_token_info info;
	struct bc_err err;
	int i, r;

	for (i = 0; i < NROUNDS; i++) {
		memset(&err, 0, sizeof(err));
		if ((r = bc_token_check(w->cat, w->good, &info, &err)) != 0 ||
		    info.role != w->role) {
			w->bad++;
			snprintf(w->why, sizeof(w->why), "good: %s: %.200s",
			    bc_strerror(r), err.msg);
		}
		if (bc_token_check(w->cat, w->revoked, &info, &err) !=
		    BC_ERR_NOT_FOUND ||
		    bc_token_check(w->cat, w->unknown, &info, &err) !=
		    BC_ERR_NOT_FOUND ||
		    bc_token_check(w->cat, "bct_nothex", &info, &err) !=
		    BC_ERR_MALFORMED) {
			w->bad++;
			snprintf(w->why, sizeof(w->why), "bad token passed "
			    "or failed oddly: %.200s", err.msg);
		}
	}
	return NULL;
}

START_TEST(test_concurrent_checks)
{
	char good[4][BC_TOKEN_LEN + 1], revoked[BC_TOKEN_LEN + 1];
	char unknown[BC_TOKEN_LEN + 1], name[16], t[BC_TOKEN_LEN + 1];
	static const int roles[] = { BC_ROLE_INGEST, BC_ROLE_CUSTODIAN,
	    BC_ROLE_AUDITOR, BC_ROLE_ADMIN };
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	struct bc_err err = { 0 };
	int i, r;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		create_ok(name, roles[i], good[i]);
	}
	create_ok("gone", BC_ROLE_ADMIN, revoked);
	ck_assert_int_eq(bc_token_revoke(cat, admin, "gone", &err), 0);
	memcpy(unknown, good[0], sizeof(unknown));
	unknown[10] = unknown[10] == 'a' ? 'b' : 'a';

	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		r = bc_catalog_open(catpath, &w[i].cat, &err);
		ck_assert_msg(r == 0, "open: %s", err.msg);
		w[i].good = good[i % 4];
		w[i].role = roles[i % 4];
		w[i].revoked = revoked;
		w[i].unknown = unknown;
	}
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	/* meanwhile this handle writes: readers go on from their snapshots */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		create_ok(name, BC_ROLE_INGEST, t);
		ck_assert_int_eq(bc_token_revoke(cat, admin, name, &err), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(w[i].bad == 0, "thread %d: %d wrong: %s", i,
		    w[i].bad, w[i].why);
		bc_catalog_close(w[i].cat);
	}
}
END_TEST

/* --- migration ---------------------------------------------------------- */

/* One text value from a one-row query, as a new string ("" for NULL). */
static char *
sql_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	char *out;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	t = sqlite3_column_text(st, 0);
	ck_assert_ptr_nonnull(out = strdup(t ? (const char *)t : ""));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* What must survive an upgrade: every stored record, as one string. */
static const char *const kept[] = {
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT num ||"
	" id || sha256 || size || path || manifest || manifest_hash ||"
	" hex(signature) || key || registered || leaf AS r FROM items"
	" ORDER BY num)",
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT id ||"
	" item || seq || hash || body || hex(signature) || key || leaf AS r"
	" FROM events ORDER BY id)",
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT seq ||"
	" hash || key || body || hex(signature) || signer || leaf AS r FROM"
	" keydocs ORDER BY seq)",
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT id ||"
	" size || hex(root) || key || created || note AS r FROM checkpoints"
	" ORDER BY id)",
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT level ||"
	" '.' || idx || hex(hash) AS r FROM nodes ORDER BY level, idx)",
	"SELECT count(*) || ':' || group_concat(r, '|') FROM (SELECT name ||"
	" '=' || value AS r FROM meta ORDER BY name)",
};
#define NKEPT	(sizeof(kept) / sizeof(kept[0]))

START_TEST(test_migrate_3_to_4)
{
	struct bc_catalog *c2 = NULL;
	struct bc_audit_report rep;
	struct bc_token_row row;
	struct bc_token_info info, *v = NULL;
	struct bc_key *fixture_admin = NULL, *stranger = tu_new_key();
	struct bc_err e = { 0 };
	const char *path = tu_path("v3.db");
	char *fixture, *again, *before[NKEPT], *migrated, *created;
	char tok[BC_TOKEN_LEN + 1], t[BC_TOKEN_LEN + 1];
	size_t len, len2, i, n = 0;
	int v4 = -1, r;

	ck_assert_ptr_nonnull(fixture = tu_read_file(
	    tu_data_path("catalogs/v3.db"), &len));
	ck_assert_int_eq(tu_write_file(path, fixture, len), 0);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 3);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE name LIKE 'tokens%'"), 0);
	for (i = 0; i < NKEPT; i++)
		before[i] = sql_text(path, kept[i]);
	ck_assert_msg(strncmp(before[0], "2:", 2) == 0, "%.40s", before[0]);
	ck_assert_msg(strncmp(before[1], "5:", 2) == 0, "%.40s", before[1]);
	ck_assert_msg(strncmp(before[2], "1:", 2) == 0, "%.40s", before[2]);
	ck_assert_msg(strncmp(before[3], "1:", 2) == 0, "%.40s", before[3]);

	r = bc_catalog_open(path, &c2, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_int_eq(bc_catalog_schema(c2, &v4), 0);
	ck_assert_int_eq(v4, BC_CATALOG_SCHEMA);	/* 3 -> 4 -> ... */
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);

	/* every record kept, byte for byte */
	for (i = 0; i < NKEPT; i++) {
		char *after = sql_text(path, kept[i]);

		ck_assert_msg(strcmp(before[i], after) == 0, "%s changed",
		    kept[i]);
		free(after);
		free(before[i]);
	}
	/* the upgraded schema is the one a new catalog gets */
	migrated = tu_schema_dump(path);
	created = tu_schema_dump(catpath);
	ck_assert_str_eq(migrated, created);
	free(migrated);
	free(created);

	/* the audit is clean: 1 key document, 2 items, 5 events, the log
	 * of 8 with its stored checkpoint */
	r = bc_audit(c2, NULL, &rep, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_msg(rep.nfailures == 0, "%zu failures: %s: %s",
	    rep.nfailures, rep.nfailures ? rep.failures[0].check : "",
	    rep.nfailures ? rep.failures[0].reason : "");
	ck_assert_int_eq(rep.status, 0);
	ck_assert_int_eq(rep.keydocs, 1);
	ck_assert_int_eq(rep.items, 2);
	ck_assert_int_eq(rep.events, 5);
	ck_assert_uint_eq(rep.log.size, 8);
	ck_assert_int_eq(rep.log.leaves, 8);
	ck_assert_int_eq(rep.log.checkpoints, 1);
	bc_audit_report_clear(&rep);

	/* its admin is the fixture's admin key (SOURCES.md) */
	ck_assert_int_eq(bc_key_load_public(tu_data_path(
	    "catalogs/v3-admin.pub"), &fixture_admin, &e), 0);
	{
		struct bc_key *anchor = NULL;

		ck_assert_int_eq(bc_catalog_admin_key(c2, &anchor, &e), 0);
		ck_assert_str_eq(bc_key_id(anchor), bc_key_id(fixture_admin));
		bc_key_free(anchor);
	}

	/* the tokens table works: its private key was not kept, so a row
	 * goes in through the catalog, as the admin would have put it */
	ck_assert_int_eq(bc_token_list(c2, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	memset(tok, 'c', BC_TOKEN_LEN);
	memcpy(tok, "bct_", 4);
	tok[BC_TOKEN_LEN] = '\0';
	memset(&row, 0, sizeof(row));
	snprintf(row.name, sizeof(row.name), "svc");
	row.role = BC_ROLE_CUSTODIAN;
	sha256_hex(tok, row.hash);
	bc_time_now(row.created);
	snprintf(row.created_by, sizeof(row.created_by), "%s",
	    bc_key_id(fixture_admin));
	ck_assert_int_eq(bc_catalog_begin(c2, &e), 0);
	ck_assert_int_eq(bc_catalog_add_token(c2, &row, &e), 0);
	ck_assert_int_eq(bc_catalog_add_token(c2, &row, &e), BC_ERR_EXISTS);
	ck_assert_int_eq(bc_catalog_commit(c2, &e), 0);
	ck_assert_int_eq(bc_token_check(c2, tok, &info, &e), 0);
	ck_assert_str_eq(info.name, "svc");
	ck_assert_int_eq(info.role, BC_ROLE_CUSTODIAN);
	ck_assert_str_eq(info.created_by, bc_key_id(fixture_admin));
	/* a key that is not its admin may not make one */
	ck_assert_int_eq(bc_token_create(c2, stranger, "x", BC_ROLE_INGEST, t,
	    &e), BC_ERR_INVALID);
	ck_assert_int_eq(bc_token_revoke(c2, stranger, "svc", &e),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_catalog_begin(c2, &e), 0);
	ck_assert_int_eq(bc_catalog_revoke_token(c2, "svc",
	    "2030-01-01T00:00:00.000000Z", &e), 0);
	ck_assert_int_eq(bc_catalog_revoke_token(c2, "svc",
	    "2030-01-01T00:00:00.000000Z", &e), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_catalog_commit(c2, &e), 0);
	ck_assert_int_eq(bc_token_check(c2, tok, &info, &e), BC_ERR_NOT_FOUND);
	refused_in(path, "DELETE FROM tokens", "never deleted");
	refused_in(path, "UPDATE tokens SET revoked = NULL",
	    "only be revoked");

	/* and it audits clean still, and opens again without a change */
	r = bc_audit(c2, NULL, &rep, &e);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(rep.status, 0);
	bc_audit_report_clear(&rep);
	bc_catalog_close(c2);
	migrated = tu_schema_dump(path);
	ck_assert_int_eq(bc_catalog_open(path, &c2, &e), 0);
	bc_catalog_close(c2);
	again = tu_schema_dump(path);
	ck_assert_str_eq(again, migrated);
	free(again);
	free(migrated);

	/* the fixture itself was not touched */
	ck_assert_ptr_nonnull(again = tu_read_file(
	    tu_data_path("catalogs/v3.db"), &len2));
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(again, fixture, len), 0);
	free(again);
	free(fixture);
	bc_key_free(fixture_admin);
	bc_key_free(stranger);
}
END_TEST

START_TEST(test_migrate_2_to_4)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err e = { 0 };
	const char *path = tu_path("v2.db");
	char *migrated, *created;
	int r;

	tu_copy_data("catalogs/v2.db", path);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 2);
	r = bc_catalog_open(path, &c2, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	bc_catalog_close(c2);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM tokens"), 0);
	migrated = tu_schema_dump(path);
	created = tu_schema_dump(catpath);
	ck_assert_str_eq(migrated, created);
	free(migrated);
	free(created);
}
END_TEST

static Suite *
token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc;

	tc = tu_tcase(s, "core", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_create_and_check);
	tcase_add_test(tc, test_every_role);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_duplicate_active_name);
	tcase_add_test(tc, test_recreate_after_revoke);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_fixed_clock);

	tc = tu_tcase(s, "refused", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_not_admin);

	tc = tu_tcase(s, "malformed", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_unknown);

	tc = tu_tcase(s, "storage", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_only_hash_stored);
	tcase_add_test(tc, test_triggers);

	tc = tu_tcase(s, "concurrency", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_concurrent_checks);
	tcase_set_timeout(tc, 60);

	tc = tu_tcase(s, "migration", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_migrate_3_to_4);
	tcase_add_test(tc, test_migrate_2_to_4);

	return s;
}

int
main(void)
{
	tu_fx_bind(&admin, &cat, &catpath);
	return tu_run_suite(token_suite());
}
