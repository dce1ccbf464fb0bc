/*
 * check_retention.c - retention (retention.h): how an item is judged
 * (start from capture or registration, period, grace, hold, purge), the
 * period syntax, policies set, versioned and loaded, the loads that must
 * fail when a stored policy was edited, reordered, forged or removed, and
 * what a policy admits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/bodycam.h"

static struct bc_key *admin;
static struct bc_catalog *cat;
static const char *catpath;

static struct bc_policy_period std_periods[] = {
	{ "homicide", BC_RETAIN_INDEFINITE },
	{ "patrol", 90 },
	{ "scratch", 0 }
};

/* A policy of std_periods with grace days, not stored. */
static struct bc_policy
std_policy(int64_t grace)
{
	struct bc_policy p;

	memset(&p, 0, sizeof(p));
	p.periods = std_periods;
	p.nperiods = sizeof(std_periods) / sizeof(std_periods[0]);
	p.grace_days = grace;
	return p;
}

static time_t
t(const char *s)
{
	time_t v;

	ck_assert_int_eq(bc_time_parse(s, 0, &v), 0);
	return v;
}

#define REG	"2026-12-06T10:00:00.000000Z"

/* bc_retention_judge of an item with these sealed times and status. */
static void
judge(const struct bc_policy *p, const char *taken, const char *registered,
    const char *category, int held, int purged, int gone, time_t now,
    struct bc_retention_item *it)
{
	struct bc_status s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "BWC-000001");
	bc_status_start(taken, registered, &s);
	snprintf(s.category, sizeof(s.category), "%s", category ? category :
	    "");
	s.held = held;
	s.purged = purged;
	snprintf(s.media, sizeof(s.media), "%s", gone ? "destroyed" : "");
	bc_retention_judge(p, &s, now, it);
}

START_TEST(test_judge)
{
	struct bc_policy p = std_policy(30);
	struct bc_retention_item it;

	/* taken + 90 + 30 days */
	judge(&p, "2016-09-28T18:18:05", REG, "patrol", 0, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_int_eq(it.state, BC_RET_DUE);
	ck_assert_str_eq(it.due, "2017-01-26T18:18:05Z");
	ck_assert_str_eq(it.start_from, "capture");
	ck_assert_int_eq(it.days, 90);
	ck_assert_int_eq(it.grace_days, 30);
	/* a second before, not due; at the very second, due */
	judge(&p, "2016-09-28T18:18:05", REG, "patrol", 0, 0, 0,
	    t("2017-01-26T18:18:04Z"), &it);
	ck_assert_int_eq(it.state, BC_RET_KEPT);
	judge(&p, "2016-09-28T18:18:05", REG, "patrol", 0, 0, 0,
	    t("2017-01-26T18:18:05Z"), &it);
	ck_assert_int_eq(it.state, BC_RET_DUE);
	/* a hold suspends it */
	judge(&p, "2016-09-28T18:18:05", REG, "patrol", 1, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_int_eq(it.state, BC_RET_HELD);
	/* a held item not yet due is just not due */
	judge(&p, "2016-09-28T18:18:05", REG, "patrol", 1, 0, 0,
	    t("2016-10-01T00:00:00Z"), &it);
	ck_assert_int_eq(it.state, BC_RET_KEPT);
	/* an offset is honoured: 18:18:05+02:00 is 16:18:05Z */
	judge(&p, "2016-09-28T18:18:05+02:00", REG, "patrol", 0,
	    0, 0, t("2026-12-06T11:00:00Z"), &it);
	ck_assert_str_eq(it.due, "2017-01-26T16:18:05Z");
}
END_TEST

START_TEST(test_judge_start)
{
	struct bc_policy p = std_policy(0);
	struct bc_retention_item it;

	/* no capture time: from the registration */
	judge(&p, NULL, REG, "patrol", 0, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_str_eq(it.start_from, "registered");
	ck_assert_str_eq(it.start, REG);
	ck_assert_str_eq(it.due, "2027-03-06T10:00:00Z");
	ck_assert_int_eq(it.state, BC_RET_KEPT);
	/* a capture time after the registration: a wrong clock */
	judge(&p, "2030-01-01T00:00:00", REG, "patrol", 0, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_str_eq(it.start_from, "registered");
	/* one that does not parse, or before 1970 */
	judge(&p, "yesterday", REG, "patrol", 0, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_str_eq(it.start_from, "registered");
	judge(&p, "1969-12-31T23:59:59Z", REG, "patrol", 0, 0, 0,
	    t("2026-12-06T11:00:00Z"), &it);
	ck_assert_str_eq(it.start_from, "registered");
	/* 0 days, 0 grace: due from its start */
	judge(&p, NULL, REG, "scratch", 0, 0, 0, t(REG), &it);
	ck_assert_int_eq(it.state, BC_RET_DUE);
}
END_TEST

START_TEST(test_judge_states)
{
	struct bc_policy p = std_policy(30);
	struct bc_retention_item it;
	time_t now = t("2099-01-01T00:00:00Z");

	judge(&p, NULL, REG, "homicide", 0, 0, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_INDEFINITE);
	ck_assert_str_eq(it.due, "");
	judge(&p, NULL, REG, "traffic", 0, 0, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_UNSCHEDULED);
	judge(&p, NULL, REG, NULL, 0, 0, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_UNSCHEDULED);
	judge(&p, NULL, REG, "", 0, 0, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_UNSCHEDULED);
	/* categories compare exactly */
	judge(&p, NULL, REG, "Patrol", 0, 0, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_UNSCHEDULED);
	judge(&p, NULL, REG, "patrol", 0, 1, 0, now, &it);
	ck_assert_int_eq(it.state, BC_RET_UNFINISHED);
	judge(&p, NULL, REG, "patrol", 0, 1, 1, now, &it);
	ck_assert_int_eq(it.state, BC_RET_PURGED);
	ck_assert_str_eq(bc_retention_state_name(BC_RET_UNFINISHED),
	    "unfinished");
	ck_assert_str_eq(bc_retention_state_name(99), "?");
}
END_TEST

START_TEST(test_period_parse)
{
	static const char *const bad[] = {
		"patrol", "=90", "patrol=", "patrol=abc", "patrol=-1",
		"patrol=36526", "patrol=90x", "patrol= 90", "pat\x01rol=90",
		"\xff=90", "patrol=Indefinite", NULL
	};
	struct bc_policy_period pp;
	struct bc_err err = { 0 };
	char big[BC_FIELD_MAX + 8];
	size_t i;

	ck_assert_int_eq(bc_policy_period_parse("patrol=90", &pp, &err), 0);
	ck_assert_str_eq(pp.category, "patrol");
	ck_assert_int_eq(pp.days, 90);
	ck_assert_int_eq(bc_policy_period_parse("a=b=7", &pp, &err), 0);
	ck_assert_str_eq(pp.category, "a=b");
	ck_assert_int_eq(bc_policy_period_parse("x=0", &pp, &err), 0);
	ck_assert_int_eq(pp.days, 0);
	ck_assert_int_eq(bc_policy_period_parse("x=36525", &pp, &err), 0);
	ck_assert_int_eq(bc_policy_period_parse("homicide=indefinite", &pp,
	    &err), 0);
	ck_assert_int_eq(pp.days, BC_RETAIN_INDEFINITE);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(bc_policy_period_parse(bad[i], &pp, &err) ==
		    BC_ERR_INVALID, "accepted '%s'", bad[i]);
	memset(big, 'a', sizeof(big));
	snprintf(big + BC_FIELD_MAX + 1, 7, "=90");
	ck_assert_int_eq(bc_policy_period_parse(big, &pp, &err),
	    BC_ERR_INVALID);
}
END_TEST

/* Sets a policy of the given periods, grace 30, by key. */
static int
set(const struct bc_key *key, const struct bc_policy_period *per,
    size_t n, int refuse, struct bc_policy *out)
{
	struct bc_err err = { 0 };
	int r;

	memset(out, 0, sizeof(*out));
	out->periods = calloc(n ? n : 1, sizeof(*per));
	ck_assert_ptr_nonnull(out->periods);
	memcpy(out->periods, per, n * sizeof(*per));
	out->nperiods = n;
	out->grace_days = 30;
	out->refuse_unlisted = refuse;
	snprintf(out->actor, sizeof(out->actor), "Records");
	snprintf(out->reason, sizeof(out->reason), "schedule");
	r = bc_policy_set(cat, key, out, &err);
	return r;
}

static size_t
nstored(void)
{
	return (size_t)tu_sql_int(catpath, "SELECT count(*) FROM policies");
}

START_TEST(test_set_and_load)
{
	struct bc_policy p1, p2, cur, *ps = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_err err = { 0 };
	size_t n = 0;

	ck_assert_int_eq(bc_policy_current(cat, &cur, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(set(admin, std_periods, 3, 0, &p1), 0);
	ck_assert_int_eq(p1.seq, 1);
	ck_assert_str_eq(p1.prev, "");
	ck_assert_int_eq(set(admin, std_periods + 1, 1, 1, &p2), 0);
	ck_assert_int_eq(p2.seq, 2);
	ck_assert_str_eq(p2.prev, p1.hash);
	ck_assert_int_gt(p2.leaf, p1.leaf);

	ck_assert_int_eq(bc_keyring_load(cat, &kr, &err), 0);
	ck_assert_int_eq(bc_policies_load(cat, kr, &ps, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ps[0].hash, p1.hash);
	ck_assert_uint_eq(ps[0].nperiods, 3);
	ck_assert_ptr_nonnull(bc_policy_period(&ps[0], "homicide"));
	ck_assert_int_eq(bc_policy_period(&ps[0], "homicide")->days,
	    BC_RETAIN_INDEFINITE);
	ck_assert_ptr_null(bc_policy_period(&ps[1], "homicide"));
	ck_assert_int_eq(ps[1].refuse_unlisted, 1);
	ck_assert_int_eq(ps[0].refuse_unlisted, 0);
	ck_assert_str_eq(ps[1].actor, "Records");
	ck_assert_int_eq(ps[1].grace_days, 30);
	bc_policies_free(ps, n);
	bc_keyring_free(kr);

	ck_assert_int_eq(bc_policy_current(cat, &cur, &err), 0);
	ck_assert_int_eq(cur.seq, 2);
	ck_assert_str_eq(cur.hash, p2.hash);
	bc_policy_free(&cur);
	bc_policy_free(&p1);
	bc_policy_free(&p2);
}
END_TEST

START_TEST(test_set_refused)
{
	static const struct bc_policy_period twice[] = {
		{ "patrol", 90 }, { "patrol", 30 }
	};
	struct bc_key *cust = NULL;
	struct bc_policy p;
	struct bc_err err = { 0 };

	ck_assert_int_eq(set(admin, std_periods, 0, 0, &p), BC_ERR_INVALID);
	bc_policy_free(&p);
	ck_assert_int_eq(set(admin, twice, 2, 0, &p), BC_ERR_INVALID);
	bc_policy_free(&p);
	ck_assert_int_eq(bc_key_generate(&cust), 0);
	ck_assert_int_eq(bc_key_authorise(cat, admin, cust, "cust",
	    BC_ROLE_CUSTODIAN, &err), 0);
	ck_assert_int_eq(set(cust, std_periods, 3, 0, &p), BC_ERR_INVALID);
	bc_policy_free(&p);
	/* a grace out of range, an actor with a control character */
	memset(&p, 0, sizeof(p));
	p.periods = std_periods;
	p.nperiods = 1;
	p.grace_days = BC_POLICY_GRACE_MAX + 1;
	snprintf(p.actor, sizeof(p.actor), "Records");
	ck_assert_int_eq(bc_policy_set(cat, admin, &p, &err), BC_ERR_INVALID);
	p.grace_days = 0;
	snprintf(p.actor, sizeof(p.actor), "Rec\001ords");
	ck_assert_int_eq(bc_policy_set(cat, admin, &p, &err), BC_ERR_INVALID);
	ck_assert_uint_eq(nstored(), 0);
	bc_key_free(cust);
}
END_TEST

/* bc_policies_load's result after sql (triggers dropped first). */
static int
load_after(const char *sql, size_t *n)
{
	struct bc_keyring *kr = NULL;
	struct bc_policy *ps = NULL;
	struct bc_err err = { 0 };
	char *msg = NULL;
	int r;

	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER policies_no_update;"
	    " DROP TRIGGER policies_no_delete; DROP TRIGGER"
	    " policies_no_replace", NULL), 0);
	ck_assert_msg(tu_sql(catpath, sql, &msg) == 0, "%s", msg ? msg : "");
	ck_assert_int_eq(bc_keyring_load(cat, &kr, &err), 0);
	r = bc_policies_load(cat, kr, &ps, n, &err);
	bc_policies_free(ps, *n);
	bc_keyring_free(kr);
	return r;
}

static void
two_policies(void)
{
	struct bc_policy p;

	ck_assert_int_eq(set(admin, std_periods, 3, 0, &p), 0);
	bc_policy_free(&p);
	ck_assert_int_eq(set(admin, std_periods + 1, 1, 0, &p), 0);
	bc_policy_free(&p);
}

START_TEST(test_tamper_hash)
{
	size_t n;

	two_policies();
	ck_assert_int_eq(load_after("UPDATE policies SET body = replace(body,"
	    " '\"patrol\":90', '\"patrol\":1') WHERE seq = 1", &n),
	    BC_ERR_INTEGRITY);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_tamper_removed)
{
	size_t n;

	two_policies();
	/* the first removed: the second is numbered 2 where 1 is due */
	ck_assert_int_eq(load_after("DELETE FROM policies WHERE seq = 1", &n),
	    BC_ERR_INTEGRITY);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_tamper_reordered)
{
	size_t n;

	two_policies();
	/* the versions swapped: each is numbered where the other is due */
	ck_assert_int_eq(load_after("UPDATE policies SET seq = seq + 10;"
	    " UPDATE policies SET seq = 2 WHERE seq = 11; UPDATE policies SET"
	    " seq = 1 WHERE seq = 12", &n), BC_ERR_INTEGRITY);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_tamper_signature)
{
	size_t n;

	two_policies();
	ck_assert_int_eq(load_after("UPDATE policies SET signature ="
	    " (SELECT signature FROM policies WHERE seq = 1) WHERE seq = 2", &n),
	    BC_ERR_INTEGRITY);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(test_admits)
{
	static const struct bc_policy_period patrol[] = { { "patrol", 90 } };
	struct bc_policy p;
	struct bc_err err = { 0 };
	int warn;

	ck_assert_int_eq(bc_policy_admits(cat, "anything", &warn, &err), 0);
	ck_assert_int_eq(warn, 0);
	ck_assert_int_eq(set(admin, patrol, 1, 0, &p), 0);
	bc_policy_free(&p);
	ck_assert_int_eq(bc_policy_admits(cat, "patrol", &warn, &err), 0);
	ck_assert_int_eq(warn, 0);
	ck_assert_int_eq(bc_policy_admits(cat, "traffic", &warn, &err), 0);
	ck_assert_int_eq(warn, 1);
	ck_assert_int_eq(bc_policy_admits(cat, NULL, &warn, &err), 0);
	ck_assert_int_eq(warn, 0);
	ck_assert_int_eq(set(admin, patrol, 1, 1, &p), 0);
	bc_policy_free(&p);
	ck_assert_int_eq(bc_policy_admits(cat, "traffic", &warn, &err),
	    BC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "policy 2"));
	ck_assert_int_eq(bc_policy_admits(cat, "patrol", &warn, &err), 0);
}
END_TEST

START_TEST(test_json)
{
	struct bc_policy p;
	json_t *j;

	ck_assert_int_eq(set(admin, std_periods, 3, 1, &p), 0);
	j = bc_policy_json(&p);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "periods"), "homicide")), "indefinite");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "periods"), "patrol")), 90);
	ck_assert_str_eq(json_string_value(json_object_get(j, "unlisted")),
	    "refuse");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "seq")), 1);
	json_decref(j);
	bc_policy_free(&p);
}
END_TEST

static Suite *
retention_suite(void)
{
	Suite *s = suite_create("retention");
	TCase *tc;

	tc = tu_tcase(s, "judge", NULL, NULL);
	tcase_add_test(tc, test_judge);
	tcase_add_test(tc, test_judge_start);
	tcase_add_test(tc, test_judge_states);
	tcase_add_test(tc, test_period_parse);

	tu_fx_bind(&admin, &cat, &catpath);
	tc = tu_tcase(s, "policy", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_set_and_load);
	tcase_add_test(tc, test_set_refused);
	tcase_add_test(tc, test_admits);
	tcase_add_test(tc, test_json);

	tc = tu_tcase(s, "tamper", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_tamper_hash);
	tcase_add_test(tc, test_tamper_removed);
	tcase_add_test(tc, test_tamper_reordered);
	tcase_add_test(tc, test_tamper_signature);
	return s;
}

int
main(void)
{
	return tu_run_suite(retention_suite());
}
