/*
 * check_keys.c - the keyring: role names, key documents added and revoked
 * (and what is refused), authority at a point in time, signature checks
 * against the keyring, tampered key documents, and the 1 -> 2 migration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"
#include "bodycam/keys.h"

static struct bc_key *admin;		/* the catalog's anchor admin key */
static struct bc_catalog *cat;
static const char *catpath;

/* Adds k with name and role, signed by the anchor, at time now (or real). */
static void
add_key(const struct bc_key *k, const char *name, int role, const char *now)
{
	struct bc_err err = { 0 };
	int r;

	if (now != NULL)
		setenv("BODYCAM_NOW", now, 1);
	r = bc_key_authorise(cat, admin, k, name, role, &err);
	ck_assert_msg(r == 0, "authorise: %s: %s", bc_strerror(r), err.msg);
	unsetenv("BODYCAM_NOW");
}

static void
revoke_key(const struct bc_key *k, const char *reason, const char *now)
{
	struct bc_err err = { 0 };
	int r;

	if (now != NULL)
		setenv("BODYCAM_NOW", now, 1);
	r = bc_key_revoke(cat, admin, bc_key_id(k), reason, &err);
	ck_assert_msg(r == 0, "revoke: %s: %s", bc_strerror(r), err.msg);
	unsetenv("BODYCAM_NOW");
}

static struct bc_keyring *
load_ok(void)
{
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };
	int r;

	r = bc_keyring_load(cat, &kr, &err);
	ck_assert_msg(r == 0, "load: %s: %s", bc_strerror(r), err.msg);
	ck_assert_ptr_nonnull(kr);
	return kr;
}

/* --- roles -------------------------------------------------------------- */

START_TEST(test_role_names)
{
	static const char *names[] = { "ingest", "custodian", "auditor",
	    "admin" };
	static const int bits[] = { BC_ROLE_INGEST, BC_ROLE_CUSTODIAN,
	    BC_ROLE_AUDITOR, BC_ROLE_ADMIN };
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(bc_role_parse(names[i]), bits[i]);
		ck_assert_str_eq(bc_role_name(bits[i]), names[i]);
	}
	ck_assert_int_eq(bc_role_parse(""), 0);
	ck_assert_int_eq(bc_role_parse("Admin"), 0);
	ck_assert_int_eq(bc_role_parse("ingest "), 0);
	ck_assert_int_eq(bc_role_parse("root"), 0);
	ck_assert_str_eq(bc_role_name(0), "none");
	ck_assert_str_eq(bc_role_name(BC_ROLE_INGEST | BC_ROLE_AUDITOR),
	    "none");
	ck_assert_int_eq(bc_event_role("register"), BC_ROLE_INGEST);
	ck_assert_int_eq(bc_event_role("verify"), BC_ROLE_AUDITOR);
	ck_assert_int_eq(bc_event_role("transfer"), BC_ROLE_CUSTODIAN);
}
END_TEST

/* --- the keyring -------------------------------------------------------- */

START_TEST(test_fresh_keyring_has_anchor)
{
	struct bc_keyring *kr = load_ok();
	const struct bc_keyring_entry *e;

	ck_assert_uint_eq(kr->nkeys, 1);
	ck_assert_int_eq(kr->ndocs, 0);
	/* the chain starts at the anchor's key id */
	ck_assert_str_eq(kr->head, bc_key_id(admin));
	e = bc_keyring_find(kr, bc_key_id(admin));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->anchor, 1);
	ck_assert_int_eq(e->role, BC_ROLE_ADMIN);
	ck_assert_str_eq(e->added, "");
	ck_assert_str_eq(e->revoked, "");
	ck_assert_ptr_null(bc_keyring_find(kr, "0123"));
	bc_keyring_free(kr);
}
END_TEST

START_TEST(test_authorise_and_load)
{
	struct bc_key *k = tu_new_key();
	struct bc_keyring *kr;
	const struct bc_keyring_entry *e;

	add_key(k, "dock 7", BC_ROLE_INGEST, "2026-03-01T10:00:00Z");
	kr = load_ok();
	ck_assert_uint_eq(kr->nkeys, 2);
	ck_assert_int_eq(kr->ndocs, 1);
	ck_assert_int_eq(strlen(kr->head), 64);
	e = bc_keyring_find(kr, bc_key_id(k));
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->id, bc_key_id(k));
	ck_assert_str_eq(e->name, "dock 7");
	ck_assert_int_eq(e->role, BC_ROLE_INGEST);
	ck_assert_int_eq(e->anchor, 0);
	ck_assert_str_eq(e->added, "2026-03-01T10:00:00.000000Z");
	ck_assert_str_eq(e->revoked, "");
	ck_assert_int_eq(e->add_seq, 0);
	ck_assert_int_eq(e->revoke_seq, -1);
	ck_assert_ptr_nonnull(e->pub);
	ck_assert_mem_eq(bc_key_public(e->pub), bc_key_public(k),
	    BC_ED25519_PUBLEN);
	bc_keyring_free(kr);
	bc_key_free(k);
}
END_TEST

/*
 * Authority by log position: a key counts for the records after the key
 * document that added it and before the one that revoked it, whatever
 * times the records claim.
 */
START_TEST(test_authorised_in_time)
{
	struct bc_key *k = tu_new_key(), *k2 = tu_new_key();
	struct bc_keyring *kr;
	const struct bc_keyring_entry *e;
	struct bc_err why = { 0 };
	const char *id = bc_key_id(k);
	int64_t a, rv;

	add_key(k, "dock", BC_ROLE_INGEST, "2026-03-01T10:00:00Z");
	add_key(k2, "dock 2", BC_ROLE_INGEST, "2026-03-01T11:00:00Z");
	revoke_key(k, "lost", "2026-03-02T10:00:00Z");
	kr = load_ok();
	ck_assert_int_eq(kr->ndocs, 3);
	e = bc_keyring_find(kr, id);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->revoked, "2026-03-02T10:00:00.000000Z");
	ck_assert_str_eq(e->reason, "lost");
	ck_assert_int_eq(e->revoke_seq, 2);
	a = e->add_leaf;
	rv = e->revoke_leaf;
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(rv, a + 2);		/* dock 2 in between */

	/* at or before the document that added it */
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST, a, &e,
	    &why), BC_ERR_INTEGRITY);
	ck_assert_ptr_null(e);
	ck_assert_msg(tu_contains(why.msg, "does not come after"), "%s",
	    why.msg);
	if (a > 0)
		ck_assert_int_eq(bc_keyring_authorised(kr, id,
		    BC_ROLE_INGEST, a - 1, NULL, &why), BC_ERR_INTEGRITY);
	/* after adding, before the revocation */
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST, a + 1,
	    &e, &why), 0);
	ck_assert_ptr_nonnull(e);
	/* at and after the revocation, and now */
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST, rv,
	    NULL, &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "after its revocation"), "%s",
	    why.msg);
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST,
	    rv + 1000, NULL, &why), BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST,
	    BC_LEAF_NEXT, NULL, &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "revoked"), "%s", why.msg);
	/* the other key, added before the revocation, still counts now */
	ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(k2),
	    BC_ROLE_INGEST, BC_LEAF_NEXT, NULL, &why), 0);
	/* no place in the log at all */
	ck_assert_int_eq(bc_keyring_authorised(kr, id, BC_ROLE_INGEST, -1,
	    NULL, &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "no place in the log"), "%s",
	    why.msg);
	/* unknown key, and no key */
	ck_assert_int_eq(bc_keyring_authorised(kr, "00ff", BC_ROLE_INGEST,
	    a + 1, NULL, &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "not a signer"), "%s", why.msg);
	ck_assert_int_eq(bc_keyring_authorised(kr, NULL, BC_ROLE_INGEST,
	    a + 1, NULL, &why), BC_ERR_INTEGRITY);
	bc_keyring_free(kr);
	bc_key_free(k);
	bc_key_free(k2);
}
END_TEST

START_TEST(test_authorised_roles)
{
	struct bc_key *ing = tu_new_key(), *adm = tu_new_key();
	struct bc_keyring *kr;
	struct bc_err why = { 0 };
	const int64_t at = BC_LEAF_NEXT;
	int roles[] = { BC_ROLE_INGEST, BC_ROLE_CUSTODIAN, BC_ROLE_AUDITOR,
	    BC_ROLE_ADMIN };
	size_t i;

	add_key(ing, "ingest", BC_ROLE_INGEST, "2026-04-01T00:00:00Z");
	add_key(adm, "second admin", BC_ROLE_ADMIN, "2026-04-01T00:00:01Z");
	kr = load_ok();
	/* wrong role */
	for (i = 1; i < 4; i++) {
		ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(ing),
		    roles[i], at, NULL, &why), BC_ERR_INTEGRITY);
		ck_assert_msg(tu_contains(why.msg, "has role ingest"), "%s",
		    why.msg);
	}
	ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(ing),
	    BC_ROLE_INGEST, at, NULL, &why), 0);
	/* an added admin holds every role, once added */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(adm),
		    roles[i], at, NULL, &why), 0);
	ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(adm),
	    BC_ROLE_INGEST, bc_keyring_find(kr, bc_key_id(adm))->add_leaf,
	    NULL, &why), BC_ERR_INTEGRITY);
	/* the anchor holds every role, at any time */
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(admin),
		    roles[i], at, NULL, &why), 0);
		ck_assert_int_eq(bc_keyring_authorised(kr, bc_key_id(admin),
		    roles[i], 0, NULL, &why), 0);
	}
	bc_keyring_free(kr);
	bc_key_free(ing);
	bc_key_free(adm);
}
END_TEST

START_TEST(test_second_admin_manages_keys)
{
	struct bc_key *adm = tu_new_key(), *k = tu_new_key();
	struct bc_keyring *kr;
	struct bc_err err = { 0 };
	const struct bc_keyring_entry *e;
	int r;

	add_key(adm, "second admin", BC_ROLE_ADMIN, "2026-04-01T00:00:00Z");
	setenv("BODYCAM_NOW", "2026-04-02T00:00:00Z", 1);
	r = bc_key_authorise(cat, adm, k, "by second", BC_ROLE_AUDITOR, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	unsetenv("BODYCAM_NOW");
	kr = load_ok();
	ck_assert_int_eq(kr->ndocs, 2);
	e = bc_keyring_find(kr, bc_key_id(k));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->role, BC_ROLE_AUDITOR);
	bc_keyring_free(kr);
	bc_key_free(adm);
	bc_key_free(k);
}
END_TEST

START_TEST(test_check_sig)
{
	struct bc_key *k = tu_new_key(), *other = tu_new_key();
	struct bc_keyring *kr;
	struct bc_err why = { 0 };
	static const char text[] = "{\"type\":\"test\"}";
	const int64_t at = BC_LEAF_NEXT;
	uint8_t sig[BC_ED25519_SIGLEN], bad[BC_ED25519_SIGLEN];

	add_key(k, "dock", BC_ROLE_INGEST, "2026-05-01T00:00:00Z");
	kr = load_ok();
	ck_assert_int_eq(bc_sign(k, text, strlen(text), sig), 0);
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, at, text, strlen(text), sig, sizeof(sig), &why),
	    0);
	ck_assert_msg(tu_contains(why.msg, "dock"), "%s", why.msg);
	/* a flipped signature bit */
	memcpy(bad, sig, sizeof(bad));
	bad[7] ^= 0x01;
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, at, text, strlen(text), bad, sizeof(bad), &why),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "does not verify"), "%s", why.msg);
	/* altered text */
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, at, "{\"type\":\"tesT\"}", strlen(text), sig,
	    sizeof(sig), &why), BC_ERR_INTEGRITY);
	/* short signature */
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, at, text, strlen(text), sig, 10, &why),
	    BC_ERR_INTEGRITY);
	/* valid signature, wrong role */
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_CUSTODIAN, at, text, strlen(text), sig, sizeof(sig),
	    &why), BC_ERR_INTEGRITY);
	/* valid signature, on a record before the key was added */
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, bc_keyring_find(kr, bc_key_id(k))->add_leaf, text,
	    strlen(text), sig, sizeof(sig), &why), BC_ERR_INTEGRITY);
	/* a signature by a key not in the keyring, claimed as k's */
	ck_assert_int_eq(bc_sign(other, text, strlen(text), sig), 0);
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(k),
	    BC_ROLE_INGEST, at, text, strlen(text), sig, sizeof(sig), &why),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(other),
	    BC_ROLE_INGEST, at, text, strlen(text), sig, sizeof(sig), &why),
	    BC_ERR_INTEGRITY);
	/* the anchor's own signature */
	ck_assert_int_eq(bc_sign(admin, text, strlen(text), sig), 0);
	ck_assert_int_eq(bc_keyring_check_sig(kr, bc_key_id(admin),
	    BC_ROLE_AUDITOR, at, text, strlen(text), sig, sizeof(sig), &why),
	    0);
	bc_keyring_free(kr);
	bc_key_free(k);
	bc_key_free(other);
}
END_TEST

/* --- refused changes ---------------------------------------------------- */

START_TEST(test_refused_changes)
{
	struct bc_key *k = tu_new_key(), *ing = tu_new_key(), *x = tu_new_key();
	struct bc_keyring *kr;
	struct bc_err err = { 0 };
	char name[BC_KEY_NAME_MAX + 2];

	add_key(k, "dock", BC_ROLE_INGEST, NULL);
	add_key(ing, "ingest", BC_ROLE_INGEST, NULL);

	/* the anchor cannot be revoked */
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(admin), "no",
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "anchor"), "%s", err.msg);
	/* a key is added once, whatever the role */
	ck_assert_int_eq(bc_key_authorise(cat, admin, k, "dock",
	    BC_ROLE_INGEST, &err), BC_ERR_EXISTS);
	ck_assert_int_eq(bc_key_authorise(cat, admin, k, "other",
	    BC_ROLE_AUDITOR, &err), BC_ERR_EXISTS);
	/* nor can the anchor be added */
	ck_assert_int_eq(bc_key_authorise(cat, admin, admin, "again",
	    BC_ROLE_INGEST, &err), BC_ERR_EXISTS);
	/* a non-admin (and an unknown key) cannot sign key documents */
	ck_assert_int_eq(bc_key_authorise(cat, ing, x, "x", BC_ROLE_INGEST,
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "not admin"), "%s", err.msg);
	ck_assert_int_eq(bc_key_authorise(cat, x, x, "x", BC_ROLE_ADMIN,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_revoke(cat, ing, bc_key_id(k), "x", &err),
	    BC_ERR_INVALID);
	/* unknown keys, roles, names and reasons */
	ck_assert_int_eq(bc_key_revoke(cat, admin, "00ff", "x", &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_key_authorise(cat, admin, x, "x", 0, &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_authorise(cat, admin, x, "x",
	    BC_ROLE_INGEST | BC_ROLE_AUDITOR, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_authorise(cat, admin, x, "", BC_ROLE_INGEST,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_authorise(cat, admin, x, "a\nb",
	    BC_ROLE_INGEST, &err), BC_ERR_INVALID);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(bc_key_authorise(cat, admin, x, name,
	    BC_ROLE_INGEST, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(k), "", &err),
	    BC_ERR_INVALID);
	/* revoked twice */
	revoke_key(k, "lost", NULL);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(k), "again",
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "already revoked"), "%s", err.msg);

	/* nothing refused left a document behind */
	kr = load_ok();
	ck_assert_int_eq(kr->ndocs, 3);
	ck_assert_uint_eq(kr->nkeys, 3);
	ck_assert_ptr_null(bc_keyring_find(kr, bc_key_id(x)));
	bc_keyring_free(kr);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM keydocs"),
	    3);
	bc_key_free(k);
	bc_key_free(ing);
	bc_key_free(x);
}
END_TEST

START_TEST(test_revoked_admin_cannot_sign)
{
	struct bc_key *adm = tu_new_key(), *x = tu_new_key();
	struct bc_err err = { 0 };

	add_key(adm, "second admin", BC_ROLE_ADMIN, "2026-04-01T00:00:00Z");
	revoke_key(adm, "left", "2026-04-02T00:00:00Z");
	setenv("BODYCAM_NOW", "2026-04-03T00:00:00Z", 1);
	ck_assert_int_eq(bc_key_authorise(cat, adm, x, "x", BC_ROLE_INGEST,
	    &err), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(err.msg, "revocation"), "%s", err.msg);
	bc_key_free(adm);
	bc_key_free(x);
}
END_TEST

/* --- tampering ---------------------------------------------------------- */

START_TEST(test_tampered_keydoc)
{
	struct bc_key *a = tu_new_key(), *b = tu_new_key();
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };
	char *msg = NULL;
	int r;

	add_key(a, "first", BC_ROLE_INGEST, NULL);
	add_key(b, "second", BC_ROLE_INGEST, NULL);
	r = tu_sql(catpath, "DROP TRIGGER keydocs_no_update;"
	    " UPDATE keydocs SET body = replace(body, '\"ingest\"',"
	    " '\"admin\"') WHERE seq = 1", &msg);
	ck_assert_msg(r == SQLITE_OK, "%s", msg ? msg : "");
	free(msg);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM keydocs"
	    " WHERE body LIKE '%\"admin\"%'"), 1);

	r = bc_keyring_load(cat, &kr, &err);
	ck_assert_int_eq(r, BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(err.msg, "key document 1"), "%s", err.msg);
	/* a partial keyring: the anchor and the document before */
	ck_assert_ptr_nonnull(kr);
	ck_assert_int_eq(kr->ndocs, 1);
	ck_assert_ptr_nonnull(bc_keyring_find(kr, bc_key_id(admin)));
	ck_assert_int_eq(bc_keyring_find(kr, bc_key_id(admin))->anchor, 1);
	ck_assert_ptr_nonnull(bc_keyring_find(kr, bc_key_id(a)));
	ck_assert_ptr_null(bc_keyring_find(kr, bc_key_id(b)));
	bc_keyring_free(kr);

	/* and no more key documents go on a broken chain */
	ck_assert_int_ne(bc_key_revoke(cat, admin, bc_key_id(a), "x", &err),
	    0);
	bc_key_free(a);
	bc_key_free(b);
}
END_TEST

START_TEST(test_tampered_first_keydoc)
{
	struct bc_key *a = tu_new_key();
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };

	add_key(a, "first", BC_ROLE_INGEST, NULL);
	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER keydocs_no_update;"
	    " UPDATE keydocs SET body = replace(body, '\"ingest\"',"
	    " '\"admin\"')", NULL), SQLITE_OK);
	ck_assert_int_eq(bc_keyring_load(cat, &kr, &err), BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(kr);
	ck_assert_uint_eq(kr->nkeys, 1);
	ck_assert_int_eq(kr->ndocs, 0);
	ck_assert_int_eq(kr->keys[0].anchor, 1);
	ck_assert_str_eq(kr->keys[0].id, bc_key_id(admin));
	bc_keyring_free(kr);
	bc_key_free(a);
}
END_TEST

START_TEST(test_deleted_keydoc)
{
	struct bc_key *a = tu_new_key(), *b = tu_new_key();
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };

	add_key(a, "first", BC_ROLE_INGEST, NULL);
	add_key(b, "second", BC_ROLE_CUSTODIAN, NULL);
	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER keydocs_no_delete;"
	    " DELETE FROM keydocs WHERE seq = 0", NULL), SQLITE_OK);
	ck_assert_int_eq(bc_keyring_load(cat, &kr, &err), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(err.msg, "missing"), "%s", err.msg);
	ck_assert_ptr_nonnull(kr);
	ck_assert_ptr_nonnull(bc_keyring_find(kr, bc_key_id(admin)));
	ck_assert_ptr_null(bc_keyring_find(kr, bc_key_id(b)));
	bc_keyring_free(kr);
	bc_key_free(a);
	bc_key_free(b);
}
END_TEST

START_TEST(test_signer_column_swapped)
{
	struct bc_key *a = tu_new_key();
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };

	add_key(a, "first", BC_ROLE_INGEST, NULL);
	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER keydocs_no_update;"
	    " UPDATE keydocs SET signer = key", NULL), SQLITE_OK);
	ck_assert_int_eq(bc_keyring_load(cat, &kr, &err), BC_ERR_INTEGRITY);
	bc_keyring_free(kr);
	bc_key_free(a);
}
END_TEST

/* --- migration ---------------------------------------------------------- */

START_TEST(test_migrate_1_to_2)
{
	struct bc_catalog *c2 = NULL;
	struct bc_keyring *kr;
	struct bc_err err = { 0 };
	char *msg = NULL, *fixture;
	size_t len;
	int v = -1, r;

	/*
	 * A schema 2 catalog made by bodycam before the log (SOURCES.md),
	 * taken back to schema 1 by removing its key documents.
	 */
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_ptr_nonnull(fixture = tu_read_file(
	    tu_data_path("catalogs/v2.db"), &len));
	unlink(catpath);
	ck_assert_int_eq(tu_write_file(catpath, fixture, len), 0);
	free(fixture);
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA user_version"), 2);
	r = tu_sql(catpath, "DROP TRIGGER keydocs_no_update;"
	    " DROP TRIGGER keydocs_no_delete;"
	    " DROP TRIGGER keydocs_no_replace;"
	    " DROP INDEX keydocs_key;"
	    " DROP TABLE keydocs;"
	    " PRAGMA user_version = 1", &msg);
	ck_assert_msg(r == SQLITE_OK, "%s", msg ? msg : "");
	free(msg);
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA user_version"), 1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM"
	    " sqlite_master WHERE name LIKE 'keydocs%'"), 0);

	r = bc_catalog_open(catpath, &c2, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	cat = c2;
	ck_assert_int_eq(bc_catalog_schema(cat, &v), 0);
	ck_assert_int_eq(v, BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM"
	    " sqlite_master WHERE type = 'table' AND name = 'keydocs'"), 1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM"
	    " sqlite_master WHERE type = 'trigger' AND name IN"
	    " ('keydocs_no_update', 'keydocs_no_delete',"
	    " 'keydocs_no_replace')"), 3);

	/* the migrated catalog has its anchor alone */
	kr = load_ok();
	ck_assert_uint_eq(kr->nkeys, 1);
	ck_assert_int_eq(kr->ndocs, 0);
	ck_assert_int_eq(kr->keys[0].anchor, 1);
	bc_keyring_free(kr);
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc;

	tc = tu_tcase(s, "roles", NULL, NULL);
	tcase_add_test(tc, test_role_names);

	tc = tu_tcase(s, "keyring", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_fresh_keyring_has_anchor);
	tcase_add_test(tc, test_authorise_and_load);
	tcase_add_test(tc, test_authorised_in_time);
	tcase_add_test(tc, test_authorised_roles);
	tcase_add_test(tc, test_second_admin_manages_keys);
	tcase_add_test(tc, test_check_sig);

	tc = tu_tcase(s, "refused", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_refused_changes);
	tcase_add_test(tc, test_revoked_admin_cannot_sign);

	tc = tu_tcase(s, "tampering", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_tampered_keydoc);
	tcase_add_test(tc, test_tampered_first_keydoc);
	tcase_add_test(tc, test_deleted_keydoc);
	tcase_add_test(tc, test_signer_column_swapped);

	tc = tu_tcase(s, "migration", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_migrate_1_to_2);

	return s;
}

int
main(void)
{
	tu_fx_bind(&admin, &cat, &catpath);
	return tu_run_suite(keys_suite());
}
