/*
 * check_custody.c - custody events: the closed set of actions, the rules
 * (bc_custody_rule on hand-built events, times included), and
 * bc_custody_add through a real catalog with an admin, a custodian, an
 * auditor and an ingest key: what each action records, what is refused
 * (and that nothing is written then), copies checked against the sealed
 * hash, derived items, purges, legal holds, a chain edited behind the
 * library's back, concurrent writers on one item, and verify after a
 * purge.  The clock is fixed with BODYCAM_NOW so that every "at" is known.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"

#define CLIP_SIZE	(64 * 1024 + 3)
#define T0		"2026-03-01T10:00:00Z"
#define T0_STAMP	"2026-03-01T10:00:00.000000Z"

/* --- actions ------------------------------------------------------------ */

static const char *const act_names[BC_ACT_COUNT] = {
	"register", "access", "copy", "transfer", "hold", "unhold", "derive",
	"verify", "purge", "note", "release", "annotate", "relocate",
};

START_TEST(test_action_names)
{
	static const int enums[BC_ACT_COUNT] = {
		BC_ACT_REGISTER, BC_ACT_ACCESS, BC_ACT_COPY, BC_ACT_TRANSFER,
		BC_ACT_HOLD, BC_ACT_UNHOLD, BC_ACT_DERIVE, BC_ACT_VERIFY,
		BC_ACT_PURGE, BC_ACT_NOTE, BC_ACT_RELEASE, BC_ACT_ANNOTATE,
		BC_ACT_RELOCATE,
	};
	int a;

	ck_assert_int_eq(BC_ACT_COUNT, 13);
	for (a = 0; a < BC_ACT_COUNT; a++) {
		ck_assert_str_eq(bc_action_name(enums[a]), act_names[a]);
		ck_assert_int_eq(bc_action_parse(act_names[a]), enums[a]);
		ck_assert_int_eq(bc_action_parse(bc_action_name(a)), a);
	}
	ck_assert_int_eq(bc_action_parse("destroy"), -1);
	ck_assert_int_eq(bc_action_parse(""), -1);
	ck_assert_int_eq(bc_action_parse("Access"), -1);
	ck_assert_int_eq(bc_action_parse("purge "), -1);
	ck_assert_int_eq(bc_action_parse("acces"), -1);
	ck_assert_int_eq(bc_action_parse(NULL), -1);
	ck_assert_str_eq(bc_action_name(-1), "?");
	ck_assert_str_eq(bc_action_name(BC_ACT_COUNT), "?");
}
END_TEST

START_TEST(test_action_needs)
{
	/*
	 * register access copy transfer hold unhold derive verify purge note
	 * release annotate
	 */
	static const int reason[BC_ACT_COUNT] = { 0, 0, 0, 1, 1, 1, 1, 0, 1,
	    0, 1, 1 };
	static const int to[BC_ACT_COUNT] = { 0, 0, 1, 1, 0, 0, 0, 0, 0, 0,
	    1, 0 };
	int a;

	for (a = 0; a < BC_ACT_COUNT; a++) {
		ck_assert_msg(!!bc_action_needs_reason(a) == reason[a],
		    "needs_reason(%s)", act_names[a]);
		ck_assert_msg(!!bc_action_needs_to(a) == to[a],
		    "needs_to(%s)", act_names[a]);
	}
	ck_assert_int_eq(bc_action_needs_reason(-1), 0);
	ck_assert_int_eq(bc_action_needs_to(BC_ACT_COUNT), 0);
}
END_TEST

/* --- rules, on hand-built events ---------------------------------------- */

#define R_ITEM	"1111111111111111111111111111111111111111111111111111111111111111"
#define R_PREV	"2222222222222222222222222222222222222222222222222222222222222222"
#define R_SHA	"3333333333333333333333333333333333333333333333333333333333333333"
#define R_KEY	"4444444444444444444444444444444444444444444444444444444444444444"
#define R_CHILD	"5555555555555555555555555555555555555555555555555555555555555555"
#define R_AT	"2026-03-01T10:00:00.000000Z"
/* a details object naming the sealed hash, with more members */
#define D(more)	"{\"sha256\":\"" R_SHA "\"" more "}"

static const char *rule_at = R_AT;	/* the time of rule_ok/_refused */

/*
 * Builds an event (seq from the state) and applies the rules to it.  A
 * refused event is only counted: nevents, and its time when that is a
 * valid later one; nothing else of the state changes.
 */
static int
rule_as(struct bc_custody_state *st, const char *action, const char *actor,
    const char *details, const char *at, struct bc_err *why)
{
	struct bc_custody_state before = *st;
	struct bc_err err = { 0 };
	json_error_t jerr;
	json_t *d, *ev = NULL;
	int r;

	d = json_loads(details, 0, &jerr);
	ck_assert_msg(d != NULL, "%s: %s", details, jerr.text);
	ck_assert_int_eq(bc_event_build(R_ITEM, st->nevents, R_PREV, action,
	    actor, at, d, R_KEY, NULL, &ev, &err), 0);
	json_decref(d);
	why->msg[0] = '\0';
	r = bc_custody_rule(st, ev, R_SHA, why);
	if (r != 0) {
		ck_assert_int_eq(st->nevents, before.nevents + 1);
		if (bc_time_is_stamp(at) && strcmp(at, before.last_at) > 0)
			ck_assert_str_eq(st->last_at, at);
		else
			ck_assert_str_eq(st->last_at, before.last_at);
		before.nevents = st->nevents;
		snprintf(before.last_at, sizeof(before.last_at), "%s",
		    st->last_at);
		ck_assert_msg(memcmp(&before, st, sizeof(before)) == 0,
		    "%s refused but the state changed", action);
	} else {
		ck_assert_int_eq(st->nevents, before.nevents + 1);
		ck_assert_str_eq(st->last_at, at);
	}
	json_decref(ev);
	return r;
}

static void
rule_ok(struct bc_custody_state *st, const char *action, const char *details)
{
	struct bc_err why = { 0 };
	int r;

	r = rule_as(st, action, "officer.a", details, rule_at, &why);
	ck_assert_msg(r == 0, "%s %s: %s", action, details, why.msg);
}

static void
rule_refused(struct bc_custody_state *st, const char *action,
    const char *details, const char *words)
{
	struct bc_err why = { 0 };
	int r;

	r = rule_as(st, action, "officer.a", details, rule_at, &why);
	ck_assert_msg(r == BC_ERR_INTEGRITY, "%s %s: %d (%s)", action,
	    details, r, why.msg);
	ck_assert_msg(tu_contains(why.msg, words), "%s: '%s' lacks '%s'",
	    action, why.msg, words);
}

/* A state after a register event by "first.custodian". */
static void
registered(struct bc_custody_state *st)
{
	struct bc_err why = { 0 };

	memset(st, 0, sizeof(*st));
	ck_assert_int_eq(rule_as(st, "register", "first.custodian", D(""),
	    R_AT, &why), 0);
	ck_assert_int_eq(st->nevents, 1);
	ck_assert_str_eq(st->last_at, R_AT);
}

/* annotate: what the details may set and clear, and what they change */
START_TEST(test_rule_annotate)
{
	struct bc_custody_state st;
	struct bc_view v;
	json_t *m;
	char tags[64 * 40], *p;
	int i;

	registered(&st);
	rule_refused(&st, "annotate", D(",\"reason\":\"r\""),
	    "changes nothing");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\",\"set\":{}"),
	    "changes nothing");
	rule_refused(&st, "annotate", D(",\"set\":{\"case\":\"1\"}"),
	    "no reason");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"owner\":\"x\"}"), "unknown field 'owner'");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\",\"set\":\"x\""),
	    "not an object");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\",\"clear\":\"x\""),
	    "not a list");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"clear\":[\"officer\"]"), "unknown field 'officer'");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"case\":\"1\"},\"clear\":[\"case\"]"), "twice");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"clear\":[\"title\",\"title\"]"), "twice");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"case\":1}"), "not a string");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"case\":\"\"}"), "empty");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"category\":\"a\\u0007b\"}"), "category");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"tags\":\"x\"}"), "not a list");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"tags\":[\"a\",\"b\",\"a\"]}"), "twice");
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"tags\":[1]}"), "not a string");
	/* 33 tags, one more than BC_TAGS_MAX */
	p = tags;
	for (i = 0; i <= BC_TAGS_MAX; i++)
		p += sprintf(p, "%s\"t%d\"", i ? "," : "", i);
	{
		char d[sizeof(tags) + 256];

		snprintf(d, sizeof(d), D(",\"reason\":\"r\","
		    "\"set\":{\"tags\":[%s]}"), tags);
		rule_refused(&st, "annotate", d, "at most 32");
	}
	/* a title one byte over its cap */
	{
		char d[BC_TITLE_MAX + 256], t[BC_TITLE_MAX + 2];

		memset(t, 'x', BC_TITLE_MAX + 1);
		t[BC_TITLE_MAX + 1] = '\0';
		snprintf(d, sizeof(d), D(",\"reason\":\"r\","
		    "\"set\":{\"title\":\"%s\"}"), t);
		rule_refused(&st, "annotate", d, "at most 256");
		t[BC_TITLE_MAX] = '\0';
		snprintf(d, sizeof(d), D(",\"reason\":\"r\","
		    "\"set\":{\"title\":\"%s\"}"), t);
		rule_ok(&st, "annotate", d);
	}
	/* another action may not carry an annotation */
	rule_refused(&st, "note", D(",\"set\":{\"case\":\"1\"}"),
	    "carries an annotation");
	rule_refused(&st, "access", D(",\"clear\":[\"case\"]"),
	    "carries an annotation");
	ck_assert_int_eq(st.ann.annotations, 1);	/* only the title */
	ck_assert_uint_eq(st.ann.changed, BC_VIEW_TITLE);

	rule_ok(&st, "annotate", D(",\"reason\":\"case assigned\","
	    "\"set\":{\"case\":\"2026-0042\",\"category\":\"evidence\","
	    "\"tags\":[\"scene\",\"night\"]},\"clear\":[\"title\"]"));
	ck_assert_int_eq(st.ann.annotations, 2);
	ck_assert_str_eq(st.ann.case_no, "2026-0042");
	ck_assert_str_eq(st.ann.category, "evidence");
	ck_assert_str_eq(st.ann.title, "");
	ck_assert_uint_eq(st.ann.ntags, 2);
	ck_assert_str_eq(st.ann.tags[1], "night");
	ck_assert_uint_eq(st.ann.changed, BC_VIEW_TITLE | BC_VIEW_CASE |
	    BC_VIEW_CATEGORY | BC_VIEW_TAGS);

	/* the current view: the manifest, with what annotations changed */
	ck_assert_ptr_nonnull(m = json_loads("{\"case\":{\"number\":\"7\","
	    "\"category\":\"patrol\"},\"tags\":[\"dock\"]}", 0, NULL));
	bc_view_current(m, NULL, &v);
	ck_assert_str_eq(v.case_no, "7");
	ck_assert_str_eq(v.category, "patrol");
	ck_assert_uint_eq(v.ntags, 1);
	ck_assert_str_eq(v.tags[0], "dock");
	bc_view_current(m, &st.ann, &v);
	ck_assert_str_eq(v.case_no, "2026-0042");
	ck_assert_str_eq(v.category, "evidence");
	ck_assert_uint_eq(v.ntags, 2);
	ck_assert_int_eq(v.annotations, 2);
	rule_ok(&st, "annotate", D(",\"reason\":\"r\","
	    "\"clear\":[\"tags\",\"case\"]"));
	bc_view_current(m, &st.ann, &v);
	ck_assert_str_eq(v.case_no, "");	/* cleared: not the manifest's */
	ck_assert_uint_eq(v.ntags, 0);
	ck_assert_str_eq(v.category, "evidence");
	json_decref(m);

	/* a held item may be annotated; a purged one may not */
	rule_ok(&st, "hold", D(",\"reason\":\"litigation\""));
	rule_ok(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"description\":\"on hold\"}"));
	rule_ok(&st, "unhold", D(",\"reason\":\"settled\""));
	rule_ok(&st, "purge", D(",\"reason\":\"retention\""));
	rule_refused(&st, "annotate", D(",\"reason\":\"r\","
	    "\"set\":{\"case\":\"1\"}"), "only 'note'");
}
END_TEST

START_TEST(test_rule_first_is_register)
{
	struct bc_custody_state st;
	struct bc_err why = { 0 };
	int a;

	/* nothing but register may open a chain */
	for (a = 0; a < BC_ACT_COUNT; a++) {
		if (a == BC_ACT_REGISTER)
			continue;
		memset(&st, 0, sizeof(st));
		rule_refused(&st, act_names[a], D(",\"to\":\"x\","
		    "\"reason\":\"r\",\"outcome\":\"passed\","
		    "\"child\":{\"id\":\"BWC-000002\",\"manifest\":\""
		    R_CHILD "\"}"), "not 'register'");
		ck_assert_str_eq(st.custodian, "");
	}
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(rule_as(&st, "register", "dock.7", D(""), R_AT, &why),
	    0);
	ck_assert_int_eq(st.nevents, 1);
	ck_assert_str_eq(st.custodian, "dock.7");
	ck_assert_int_eq(st.held, 0);
	ck_assert_int_eq(st.purged, 0);
	ck_assert_str_eq(st.last_verify, "");

	/* and never again */
	rule_refused(&st, "register", D(""), "after the first event");
	ck_assert_str_eq(st.custodian, "dock.7");
}
END_TEST

START_TEST(test_rule_unknown_and_malformed)
{
	struct bc_custody_state st;
	struct bc_err why = { 0 };
	json_t *ev = NULL, *d;

	registered(&st);
	rule_refused(&st, "destroy", D(""), "unknown action");
	rule_refused(&st, "Access", D(""), "unknown action");
	rule_refused(&st, "", D(""), "unknown action");
	/* an actor is required */
	ck_assert_int_eq(rule_as(&st, "access", "", D(""), R_AT, &why),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "actor"), "%s", why.msg);
	/* details must be an object */
	d = json_string("not an object");
	ck_assert_int_eq(bc_event_build(R_ITEM, 1, R_PREV, "access", "a",
	    R_AT, d, R_KEY, NULL, &ev, NULL), 0);
	json_decref(d);
	ck_assert_int_eq(bc_custody_rule(&st, ev, R_SHA, &why),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "details"), "%s", why.msg);
	json_decref(ev);
	/* an event with no action at all */
	ev = json_pack("{s:s, s:s, s:s, s:{s:s}}", "type", BC_EVENT_TYPE,
	    "actor", "a", "at", R_AT, "details", "sha256", R_SHA);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(bc_custody_rule(&st, ev, R_SHA, &why),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "unknown action"), "%s", why.msg);
	json_decref(ev);
	/* refused events are counted, and change nothing else */
	ck_assert_int_eq(st.nevents, 7);
	ck_assert_str_eq(st.custodian, "first.custodian");
	rule_ok(&st, "access", D(""));
}
END_TEST

START_TEST(test_rule_time)
{
	struct bc_custody_state st;
	struct bc_err why = { 0 };
	static const char *const not_stamps[] = {
		"2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000000+00:00",
		"2026-03-01 10:00:00.000000Z", "2026-02-30T10:00:00.000000Z",
		"2026-03-01T10:00:00.00000Z", "", "yesterday",
	};
	size_t i;

	registered(&st);
	for (i = 0; i < sizeof(not_stamps) / sizeof(not_stamps[0]); i++) {
		ck_assert_int_eq(rule_as(&st, "access", "a", D(""),
		    not_stamps[i], &why), BC_ERR_INTEGRITY);
		ck_assert_msg(tu_contains(why.msg, "UTC time stamp"),
		    "%s: %s", not_stamps[i], why.msg);
	}
	/* never back along the chain; the same time is fine */
	ck_assert_int_eq(rule_as(&st, "access", "a", D(""),
	    "2026-03-01T09:59:59.999999Z", &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "before the event before it"),
	    "%s", why.msg);
	ck_assert_str_eq(st.last_at, R_AT);
	ck_assert_int_eq(rule_as(&st, "access", "a", D(""), R_AT, &why), 0);
	ck_assert_int_eq(rule_as(&st, "access", "a", D(""),
	    "2026-03-01T10:00:00.000001Z", &why), 0);
	ck_assert_str_eq(st.last_at, "2026-03-01T10:00:00.000001Z");
	/* a refused event at a valid later time still moves the clock on */
	ck_assert_int_eq(rule_as(&st, "copy", "a", D(""),
	    "2026-03-01T11:00:00.000000Z", &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "recipient"), "%s", why.msg);
	ck_assert_str_eq(st.last_at, "2026-03-01T11:00:00.000000Z");
	ck_assert_int_eq(rule_as(&st, "access", "a", D(""),
	    "2026-03-01T10:30:00.000000Z", &why), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(why.msg, "before"), "%s", why.msg);
	ck_assert_int_eq(rule_as(&st, "access", "a", D(""),
	    "2026-03-01T11:00:00.000000Z", &why), 0);
	/* a later year compares later as a string too */
	ck_assert_int_eq(rule_as(&st, "note", "a", D(""),
	    "2027-01-01T00:00:00.000000Z", &why), 0);
	ck_assert_str_eq(st.last_at, "2027-01-01T00:00:00.000000Z");
}
END_TEST

START_TEST(test_rule_sha256)
{
	static const char *const bad[] = {
		"{}", "{\"sha256\":\"" R_CHILD "\"}", "{\"sha256\":\"\"}",
		"{\"sha256\":1}",
		/* upper case is another string */
		"{\"sha256\":\"333333333333333333333333333333333333333333333"
		"333333333333333333A\"}",
	};
	struct bc_custody_state st;
	size_t i;

	/* even register must name the sealed file hash */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&st, 0, sizeof(st));
		rule_refused(&st, "register", bad[i], "SHA-256");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		registered(&st);
		rule_refused(&st, "access", bad[i], "SHA-256");
		rule_refused(&st, "note", bad[i], "SHA-256");
		rule_ok(&st, "access", D(""));
	}
	registered(&st);
	rule_refused(&st, "access", "{\"sha256\":\"" R_CHILD "\"}",
	    "not the sealed");
}
END_TEST

START_TEST(test_rule_recipient)
{
	struct bc_custody_state st;

	registered(&st);
	rule_refused(&st, "copy", D(""), "recipient");
	rule_refused(&st, "copy", D(",\"to\":\"\""), "recipient");
	rule_refused(&st, "copy", D(",\"to\":7"), "recipient");
	rule_refused(&st, "transfer", D(",\"reason\":\"r\""), "recipient");
	ck_assert_str_eq(st.custodian, "first.custodian");
	rule_ok(&st, "copy", D(",\"to\":\"prosecutor\""));
	/* a copy leaves the custodian alone */
	ck_assert_str_eq(st.custodian, "first.custodian");
	rule_ok(&st, "transfer", D(",\"to\":\"det.jones\",\"reason\":\"r\""));
	ck_assert_str_eq(st.custodian, "det.jones");
	rule_ok(&st, "transfer", D(",\"to\":\"lab\",\"reason\":\"r\""));
	ck_assert_str_eq(st.custodian, "lab");
}
END_TEST

START_TEST(test_rule_reason)
{
	static const char *const needs[] = { "transfer", "hold", "unhold",
	    "derive", "purge" };
	static const char *const others[] = { "access", "copy", "note",
	    "verify" };
	struct bc_custody_state st;
	size_t i;

	/* everything else present, the reason missing or empty */
	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		registered(&st);
		st.held = strcmp(needs[i], "unhold") == 0;
		rule_refused(&st, needs[i], D(",\"to\":\"x\",\"child\":"
		    "{\"id\":\"BWC-000002\",\"manifest\":\"" R_CHILD "\"}"),
		    "no reason");
		rule_refused(&st, needs[i], D(",\"to\":\"x\",\"reason\":\"\","
		    "\"child\":{\"id\":\"BWC-000002\",\"manifest\":\""
		    R_CHILD "\"}"), "no reason");
		rule_ok(&st, needs[i], D(",\"to\":\"x\",\"reason\":\"r\","
		    "\"child\":{\"id\":\"BWC-000002\",\"manifest\":\""
		    R_CHILD "\"}"));
	}
	/* and the others do without */
	registered(&st);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		rule_ok(&st, others[i], D(",\"to\":\"x\","
		    "\"outcome\":\"passed\""));
}
END_TEST

START_TEST(test_rule_hold)
{
	struct bc_custody_state st;

	registered(&st);
	rule_refused(&st, "unhold", D(",\"reason\":\"r\""),
	    "not on legal hold");
	rule_ok(&st, "hold", D(",\"reason\":\"litigation\""));
	ck_assert_int_eq(st.held, 1);
	rule_refused(&st, "hold", D(",\"reason\":\"again\""),
	    "already on legal hold");
	rule_refused(&st, "purge", D(",\"reason\":\"retention\""),
	    "on legal hold");
	ck_assert_int_eq(st.purged, 0);
	ck_assert_int_eq(st.held, 1);
	/* a held item may still be viewed, copied, noted */
	rule_ok(&st, "access", D(""));
	rule_ok(&st, "copy", D(",\"to\":\"court\""));
	rule_ok(&st, "note", D(",\"note\":\"n\""));
	ck_assert_int_eq(st.held, 1);
	rule_ok(&st, "unhold", D(",\"reason\":\"settled\""));
	ck_assert_int_eq(st.held, 0);
	rule_refused(&st, "unhold", D(",\"reason\":\"r\""),
	    "not on legal hold");
	rule_ok(&st, "purge", D(",\"reason\":\"retention\""));
	ck_assert_int_eq(st.purged, 1);
}
END_TEST

START_TEST(test_rule_purge)
{
	struct bc_custody_state st;
	struct bc_err why = { 0 };
	int a;

	registered(&st);
	ck_assert_int_eq(rule_as(&st, "purge", "records.mgr",
	    D(",\"reason\":\"retention expired\""),
	    "2026-04-01T08:30:00.000000Z", &why), 0);
	ck_assert_int_eq(st.purged, 1);
	ck_assert_str_eq(st.purged_at, "2026-04-01T08:30:00.000000Z");
	ck_assert_str_eq(st.purged_by, "records.mgr");
	ck_assert_str_eq(st.purge_reason, "retention expired");
	ck_assert_str_eq(st.custodian, "first.custodian");
	ck_assert_int_eq(st.nevents, 2);

	/* nothing but a note after a purge, however well formed */
	rule_at = "2026-04-02T00:00:00.000000Z";
	for (a = 0; a < BC_ACT_COUNT; a++) {
		if (a == BC_ACT_NOTE || a == BC_ACT_REGISTER)
			continue;
		rule_refused(&st, act_names[a], D(",\"to\":\"x\","
		    "\"reason\":\"r\",\"outcome\":\"passed\","
		    "\"child\":{\"id\":\"BWC-000002\",\"manifest\":\""
		    R_CHILD "\"}"), "only 'note'");
	}
	rule_refused(&st, "access", D(""), "2026-04-01T08:30:00.000000Z");
	rule_ok(&st, "note", D(",\"note\":\"disk shredded\""));
	rule_ok(&st, "note", D(""));
	ck_assert_int_eq(st.purged, 1);
	ck_assert_str_eq(st.purged_at, "2026-04-01T08:30:00.000000Z");
	ck_assert_str_eq(st.purged_by, "records.mgr");
}
END_TEST

/* relocate: the new place, well formed, and a chain of places */
#define RELOC(path, from)	D(",\"path\":\"" path "\",\"from\":\"" \
	from "\",\"size\":7")

START_TEST(test_rule_relocate)
{
	struct bc_custody_state st;

	registered(&st);
	ck_assert_str_eq(st.path, "");
	rule_ok(&st, "relocate", RELOC("/arch/2026/a.mp4", "/dock/a.mp4"));
	ck_assert_str_eq(st.path, "/arch/2026/a.mp4");
	/* the next one moves it from where the last one put it */
	rule_refused(&st, "relocate", RELOC("/b/a.mp4", "/dock/a.mp4"),
	    "another place");
	ck_assert_str_eq(st.path, "/arch/2026/a.mp4");
	/* the name may change */
	rule_ok(&st, "relocate", RELOC("/b/renamed.mp4", "/arch/2026/a.mp4"));
	ck_assert_str_eq(st.path, "/b/renamed.mp4");
	/* not a place: relative, not canonical, control characters */
	rule_refused(&st, "relocate", RELOC("b/x.mp4", "/b/renamed.mp4"),
	    "not absolute");
	rule_refused(&st, "relocate", RELOC("/b/../x.mp4", "/b/renamed.mp4"),
	    "canonical");
	rule_refused(&st, "relocate", RELOC("/b/./x.mp4", "/b/renamed.mp4"),
	    "canonical");
	rule_refused(&st, "relocate", RELOC("/b//x.mp4", "/b/renamed.mp4"),
	    "canonical");
	rule_refused(&st, "relocate", RELOC("/b/x/", "/b/renamed.mp4"),
	    "canonical");
	rule_refused(&st, "relocate", RELOC("/b/x\\ny", "/b/renamed.mp4"),
	    "control");
	/* missing parts */
	rule_refused(&st, "relocate", D(",\"from\":\"/b/renamed.mp4\","
	    "\"size\":7"), "no path");
	rule_refused(&st, "relocate", D(",\"path\":\"/c/x.mp4\","
	    "\"from\":\"/b/renamed.mp4\""), "no size");
	rule_refused(&st, "relocate", D(",\"path\":\"/c/x.mp4\","
	    "\"from\":\"/b/renamed.mp4\",\"size\":-1"), "no size");
	rule_refused(&st, "relocate", D(",\"path\":\"/c/x.mp4\","
	    "\"size\":7"), "'from'");
	ck_assert_str_eq(st.path, "/b/renamed.mp4");
}
END_TEST

START_TEST(test_rule_relocate_long)
{
	struct bc_custody_state st;
	struct bc_err why = { 0 };
	char *path, *details;
	size_t n = PATH_MAX + 10, len;

	/* a JSON string may hold a NUL: its length is checked, not strlen */
	ck_assert_int_eq(bc_relocate_path_check("/b/x\0y", 6, &why),
	    BC_ERR_INVALID);
	ck_assert_msg(tu_contains(why.msg, "NUL"), "%s", why.msg);
	ck_assert_int_eq(bc_relocate_path_check("/b/xy", 5, &why), 0);
	registered(&st);
	ck_assert_ptr_nonnull(path = malloc(n + 1));
	path[0] = '/';
	memset(path + 1, 'a', n - 1);
	path[n] = '\0';
	len = n + 200;
	ck_assert_ptr_nonnull(details = malloc(len));
	snprintf(details, len, D(",\"path\":\"%s\",\"from\":\"/x\","
	    "\"size\":1"), path);
	rule_refused(&st, "relocate", details, "PATH_MAX");
	free(details);
	free(path);
	ck_assert_str_eq(st.path, "");
}
END_TEST

/* The details of a release to whom, under what authority. */
#define REL(to, why)	D(",\"to\":\"" to "\",\"reason\":\"" why "\"")

/* A note on the media only after a purge, with a known outcome. */
START_TEST(test_rule_media)
{
	struct bc_custody_state st;

	registered(&st);
	rule_refused(&st, "note", D(",\"media\":\"destroyed\""), "media");
	rule_ok(&st, "purge", D(",\"reason\":\"retention\""));
	ck_assert_str_eq(st.media, "");
	rule_refused(&st, "note", D(",\"media\":\"gone\""), "media");
	rule_refused(&st, "note", D(",\"media\":true"), "media");
	rule_ok(&st, "note", D(",\"media\":\"kept\""));
	ck_assert_str_eq(st.media, "kept");
	rule_ok(&st, "note", D(",\"note\":\"filed\""));
	ck_assert_str_eq(st.media, "kept");
	rule_ok(&st, "note", D(",\"media\":\"destroyed\""));
	ck_assert_str_eq(st.media, "destroyed");
}
END_TEST

START_TEST(test_rule_release)
{
	struct bc_custody_state st;

	registered(&st);
	/* only right after a passing verification */
	rule_refused(&st, "release", REL("DA", "subpoena"),
	    "right after a passing verification");
	rule_ok(&st, "verify", D(",\"outcome\":\"failed\""));
	rule_refused(&st, "release", REL("DA", "subpoena"),
	    "right after a passing verification");
	rule_ok(&st, "verify", D(",\"outcome\":\"passed\""));
	rule_refused(&st, "release", D(",\"reason\":\"subpoena\""),
	    "recipient");
	rule_refused(&st, "release", D(",\"to\":\"DA\""), "no reason");
	rule_refused(&st, "release", D(",\"to\":\"DA\",\"reason\":\"s\","
	    "\"media\":\"some\""), "neither 'included' nor 'omitted'");
	rule_ok(&st, "release", REL("DA", "subpoena"));
	ck_assert_int_eq(st.last_action, BC_ACT_RELEASE);
	/* a second release needs a verification of its own */
	rule_refused(&st, "release", REL("PD", "discovery"),
	    "right after a passing verification");
	rule_ok(&st, "access", D(""));
	rule_ok(&st, "verify", D(",\"outcome\":\"passed\""));
	rule_ok(&st, "release", REL("PD", "discovery"));
}
END_TEST

START_TEST(test_rule_derive)
{
	struct bc_custody_state st;

	registered(&st);
	rule_refused(&st, "derive", D(",\"reason\":\"r\""), "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":\"x\""),
	    "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"manifest\":\"" R_CHILD "\"}"), "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"\",\"manifest\":\"" R_CHILD "\"}"), "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"BWC-000002\"}"), "derived item");
	/* 63 digits, 65 digits, upper case, not hex */
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"BWC-000002\",\"manifest\":\"555555555555555555555555"
	    "555555555555555555555555555555555555555\"}"), "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"BWC-000002\",\"manifest\":\"" R_CHILD "5\"}"),
	    "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"BWC-000002\",\"manifest\":\"555555555555555555555555"
	    "5555555555555555555555555555555555555A\"}"), "derived item");
	rule_refused(&st, "derive", D(",\"reason\":\"r\",\"child\":"
	    "{\"id\":\"BWC-000002\",\"manifest\":\"555555555555555555555555"
	    "5555555555555555555555555555555555555g\"}"), "derived item");
	rule_ok(&st, "derive", D(",\"reason\":\"redaction\",\"child\":"
	    "{\"id\":\"BWC-000002\",\"manifest\":\"" R_CHILD "\"}"));
	/* deriving changes neither custodian nor hold */
	ck_assert_str_eq(st.custodian, "first.custodian");
	ck_assert_int_eq(st.held, 0);
	ck_assert_int_eq(st.purged, 0);
}
END_TEST

START_TEST(test_rule_verify)
{
	struct bc_custody_state st;

	registered(&st);
	rule_refused(&st, "verify", D(""), "outcome");
	rule_refused(&st, "verify", D(",\"outcome\":\"maybe\""), "outcome");
	rule_refused(&st, "verify", D(",\"outcome\":\"Passed\""), "outcome");
	rule_refused(&st, "verify", D(",\"outcome\":true"), "outcome");
	ck_assert_str_eq(st.last_verify, "");
	rule_ok(&st, "verify", D(",\"outcome\":\"passed\""));
	ck_assert_str_eq(st.last_verify, "passed");
	rule_ok(&st, "verify", D(",\"outcome\":\"failed\""));
	ck_assert_str_eq(st.last_verify, "failed");
}
END_TEST

/* --- bc_custody_add through a catalog ----------------------------------- */

static struct bc_key *admin, *cust, *aud, *ing;
static struct bc_catalog *cat;
static char *catpath, *clip;
static struct bc_register_result reg;
static struct bc_err err;		/* of the last add() */
static char station[256];

static void
authorise(const struct bc_key *k, const char *name, int role)
{
	tu_authorise(cat, admin, k, name, role);
}

/* Registers path with the admin key as actor "dock". */
static void
register_file(const char *path, struct bc_register_result *res)
{
	static const char *const tags[] = { "night", "traffic" };
	struct bc_register_opts opts;
	struct bc_err e = { 0 };
	int r;

	memset(&opts, 0, sizeof(opts));
	opts.actor = "dock";
	opts.op.officer = "O-17";
	opts.op.case_no = "2026-0042";
	opts.op.tags = tags;
	opts.op.ntags = 2;
	r = bc_register(cat, admin, path, &opts, res, &e);
	ck_assert_msg(r == 0, "register %s: %s: %s", path, bc_strerror(r),
	    e.msg);
}

static void
setup(void)
{
	setenv("BODYCAM_NOW", T0, 1);
	tu_test_setup();
	tu_catalog_new("catalog.db", &admin, &cat);
	ck_assert_ptr_nonnull(catpath = strdup(tu_path("catalog.db")));
	cust = tu_new_key();
	aud = tu_new_key();
	ing = tu_new_key();
	authorise(cust, "custodian", BC_ROLE_CUSTODIAN);
	authorise(aud, "auditor", BC_ROLE_AUDITOR);
	authorise(ing, "ingest", BC_ROLE_INGEST);
	ck_assert_ptr_nonnull(clip = strdup(tu_path("clip.mp4")));
	ck_assert_int_eq(tu_write_pattern(clip, CLIP_SIZE), 0);
	register_file(clip, &reg);
	ck_assert_str_eq(reg.id, "BWC-000001");
	bc_station_name(station, sizeof(station));
	memset(&err, 0, sizeof(err));
}

static void
teardown(void)
{
	bc_catalog_close(cat);
	cat = NULL;
	bc_key_free(admin);
	bc_key_free(cust);
	bc_key_free(aud);
	bc_key_free(ing);
	admin = cust = aud = ing = NULL;
	free(catpath);
	free(clip);
	catpath = clip = NULL;
	unsetenv("BODYCAM_NOW");
	tu_test_teardown();
}

static void
req_init(struct bc_custody_req *q, const char *action)
{
	memset(q, 0, sizeof(*q));
	q->action = action;
	q->actor = "det.smith";
}

static int
add(const struct bc_key *key, const char *ref,
    const struct bc_custody_req *q, struct bc_custody_result *res)
{
	memset(&err, 0, sizeof(err));
	return bc_custody_add(cat, key, ref, q, res, &err);
}

/* add() that must succeed, as seq. */
static void
add_ok(const struct bc_key *key, const char *ref,
    const struct bc_custody_req *q, int64_t seq, struct bc_custody_result *res)
{
	struct bc_custody_result tmp;
	int r;

	if (res == NULL)
		res = &tmp;
	r = add(key, ref, q, res);
	ck_assert_msg(r == 0, "%s: %s: %s", q->action, bc_strerror(r),
	    err.msg);
	ck_assert_int_eq(res->seq, seq);
	ck_assert_int_eq(strlen(res->hash), 64);
}

/* add() that must be refused with code and words in the message. */
static void
add_refused(const struct bc_key *key, const char *ref,
    const struct bc_custody_req *q, int code, const char *words)
{
	struct bc_custody_result res;
	int r;

	r = add(key, ref, q, &res);
	ck_assert_msg(r == code, "%s: got %d (%s), wanted %d",
	    q->action ? q->action : "(null)", r, err.msg, code);
	/* "field:NAME": the error names the field NAME, not an option */
	if (words != NULL && strncmp(words, "field:", 6) == 0) {
		ck_assert_msg(strcmp(err.field, words + 6) == 0,
		    "%s: field '%s', wanted '%s' (%s)", q->action ?
		    q->action : "(null)", err.field, words + 6, err.msg);
		ck_assert_msg(!tu_contains(err.msg, "--"),
		    "%s: '%s' names an option", q->action ? q->action :
		    "(null)", err.msg);
		return;
	}
	ck_assert_msg(words == NULL || tu_contains(err.msg, words),
	    "%s: '%s' lacks '%s'", q->action ? q->action : "(null)", err.msg,
	    words);
}

static long long
count_rows(const char *table)
{
	char q[128];

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s", table);
	return tu_sql_int(catpath, q);
}

/* The stored events of an item, and each one parsed. */
struct evs {
	struct bc_item	*it;
	struct bc_event	*ev;
	size_t		 n;
	json_t		**doc;
};

static void
evs_load(const char *ref, struct evs *e)
{
	struct bc_err e1 = { 0 };
	size_t i;

	memset(e, 0, sizeof(*e));
	ck_assert_msg(bc_catalog_find_item(cat, ref, &e->it, &e1) == 0, "%s",
	    e1.msg);
	ck_assert_int_eq(bc_catalog_events(cat, e->it->manifest_hash, &e->ev,
	    &e->n, &e1), 0);
	ck_assert_ptr_nonnull(e->doc = calloc(e->n + 1, sizeof(*e->doc)));
	for (i = 0; i < e->n; i++) {
		ck_assert_msg(bc_doc_parse(e->ev[i].body, e->ev[i].body_len,
		    BC_EVENT_TYPE, &e->doc[i], &e1) == 0, "event %zu: %s", i,
		    e1.msg);
		ck_assert_int_eq(e->ev[i].seq, (int64_t)i);
	}
}

static void
evs_free(struct evs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		json_decref(e->doc[i]);
	free(e->doc);
	bc_events_free(e->ev, e->n);
	bc_item_free(e->it);
	memset(e, 0, sizeof(*e));
}

static size_t
nevents(const char *ref)
{
	struct evs e;
	size_t n;

	evs_load(ref, &e);
	n = e.n;
	evs_free(&e);
	return n;
}

/* A string at path in doc: want, or absent when want is NULL. */
static void
expect_str(const json_t *doc, const char *path, const char *want)
{
	const char *s = bc_doc_str(doc, path);

	if (want == NULL)
		ck_assert_msg(s == NULL, "%s: '%s', expected none", path, s);
	else
		ck_assert_msg(s != NULL && strcmp(s, want) == 0,
		    "%s: '%s', expected '%s'", path, s ? s : "(none)", want);
}

static int64_t
doc_int(const json_t *doc, const char *path)
{
	int64_t v = -1;

	ck_assert_msg(bc_doc_int(doc, path, &v) == 0, "no %s", path);
	return v;
}

/* Every check of rep passed. */
static void
expect_all_ok(const struct bc_verify_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nchecks; i++)
		ck_assert_msg(rep->checks[i].ok, "%s %s seq %lld: %s", rep->id,
		    rep->checks[i].name, (long long)rep->checks[i].seq,
		    rep->checks[i].detail);
	ck_assert_int_eq(rep->status, 0);
}

START_TEST(test_add_each_action)
{
	struct step {
		struct bc_key *const	*key;
		const char		*action, *actor, *to, *reason;
		const char		*location, *note, *outcome;
		const char		*want_outcome;
	};
	const struct step steps[] = {
		{ &cust, "access", "det.smith", NULL, NULL, "evidence room 2",
		    NULL, NULL, "done" },
		{ &cust, "copy", "det.smith", "prosecutor", NULL, NULL,
		    "for trial", NULL, "unverified" },
		{ &cust, "transfer", "det.smith", "det.jones",
		    "case reassigned", "HQ", NULL, NULL, "done" },
		{ &cust, "hold", "det.jones", NULL, "litigation", NULL, NULL,
		    NULL, "done" },
		{ &cust, "unhold", "det.jones", NULL, "settled", NULL, NULL,
		    NULL, "done" },
		{ &cust, "note", "det.jones", NULL, NULL, NULL,
		    "label faded", NULL, "done" },
		{ &aud, "verify", "auditor.k", NULL, NULL, NULL, NULL,
		    "passed", "passed" },
		{ &cust, "purge", "records.mgr", NULL, "retention expired",
		    NULL, NULL, NULL, "done" },
		{ &cust, "note", "records.mgr", NULL, NULL, NULL,
		    "shredded", NULL, "done" },
	};
	const size_t nsteps = sizeof(steps) / sizeof(steps[0]);
	struct bc_custody_result res;
	struct bc_custody_req q;
	struct bc_verify_report rep;
	struct evs e;
	const json_t *d;
	size_t i;

	for (i = 0; i < nsteps; i++) {
		const struct step *s = &steps[i];

		req_init(&q, s->action);
		q.actor = s->actor;
		q.to = s->to;
		q.reason = s->reason;
		q.location = s->location;
		q.note = s->note;
		q.outcome = s->outcome;
		add_ok(*s->key, "BWC-000001", &q, (int64_t)i + 1, &res);
		ck_assert_str_eq(res.item, "BWC-000001");
		ck_assert_str_eq(res.child, "");
		ck_assert_str_eq(res.copy_sha256, "");

		evs_load("BWC-000001", &e);
		ck_assert_uint_eq(e.n, i + 2);
		d = e.doc[i + 1];
		ck_assert_str_eq(e.ev[i + 1].hash, res.hash);
		ck_assert_str_eq(e.ev[i + 1].key, bc_key_id(*s->key));
		ck_assert_int_eq(doc_int(d, "seq"), (int64_t)i + 1);
		expect_str(d, "prev", e.ev[i].hash);
		expect_str(d, "item", reg.manifest_hash);
		expect_str(d, "action", s->action);
		expect_str(d, "actor", s->actor);
		expect_str(d, "at", T0_STAMP);
		expect_str(d, "key", bc_key_id(*s->key));
		expect_str(d, "details.sha256", reg.sha256);
		expect_str(d, "details.station", station);
		expect_str(d, "details.to", s->to);
		expect_str(d, "details.reason", s->reason);
		expect_str(d, "details.location", s->location);
		expect_str(d, "details.note", s->note);
		expect_str(d, "details.outcome", s->want_outcome);
		ck_assert_ptr_null(json_object_get(json_object_get(d,
		    "details"), "copy"));
		/* the earlier events are untouched */
		expect_str(e.doc[0], "action", "register");
		expect_str(e.doc[0], "actor", "dock");
		expect_str(e.doc[0], "prev", reg.manifest_hash);
		evs_free(&e);
	}
	ck_assert_int_eq(count_rows("events"), (long long)nsteps + 1);
	ck_assert_int_eq(count_rows("items"), 1);

	/* the whole chain verifies, and says what happened */
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	expect_all_ok(&rep);
	ck_assert_int_eq(rep.nevents, (int64_t)nsteps + 1);
	ck_assert_int_eq(rep.nsigs, (int64_t)nsteps + 2);
	ck_assert_int_eq(rep.state.nevents, (int64_t)nsteps + 1);
	ck_assert_str_eq(rep.state.custodian, "det.jones");
	ck_assert_int_eq(rep.state.held, 0);
	ck_assert_int_eq(rep.state.purged, 1);
	ck_assert_str_eq(rep.state.purged_by, "records.mgr");
	ck_assert_str_eq(rep.state.purge_reason, "retention expired");
	ck_assert_str_eq(rep.state.last_verify, "passed");
	for (i = 0; i <= nsteps; i++) {
		ck_assert_ptr_nonnull(tu_find_check(&rep, "event-rule",
		    (int64_t)i));
		ck_assert_ptr_nonnull(tu_find_check(&rep, "event-signature",
		    (int64_t)i));
	}
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_add_missing_fields)
{
	char longer[BC_FIELD_MAX + 2];
	struct bc_custody_req q;
	const char *other = tu_path("other.mp4");

	ck_assert_int_eq(tu_write_str(other, "another file"), 0);
	memset(longer, 'r', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';

	req_init(&q, "copy");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:to");
	req_init(&q, "transfer");
	q.reason = "r";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:to");
	req_init(&q, "transfer");
	q.to = "det.jones";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "hold");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "unhold");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "purge");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "derive");
	q.file = other;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "derive");
	q.reason = "r";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:file");
	/* fields that belong to other actions */
	req_init(&q, "access");
	q.to = "someone";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:to");
	req_init(&q, "note");
	q.file = other;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:file");
	req_init(&q, "access");
	q.outcome = "passed";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "outcome");
	req_init(&q, "note");
	q.measured = reg.sha256;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "verify");
	{
		static const char *const failed[] = { "file-hash" };

		req_init(&q, "access");
		q.failed = failed;
		q.nfailed = 1;
		add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "verify");
	}
	req_init(&q, "verify");
	add_refused(aud, "BWC-000001", &q, BC_ERR_INVALID, "outcome");
	req_init(&q, "verify");
	q.outcome = "maybe";
	add_refused(aud, "BWC-000001", &q, BC_ERR_INVALID, "outcome");
	/* who, and what */
	req_init(&q, "access");
	q.actor = NULL;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:actor");
	req_init(&q, "access");
	q.actor = "a\nb";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:actor");
	req_init(&q, "copy");
	q.to = "";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:to");
	req_init(&q, "hold");
	q.reason = longer;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "field:reason");
	req_init(&q, "register");
	add_refused(admin, "BWC-000001", &q, BC_ERR_INVALID, "register");
	req_init(&q, "destroy");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "unknown action");
	req_init(&q, NULL);
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "unknown action");

	/* nothing refused left a row behind */
	ck_assert_int_eq(count_rows("events"), 1);
	ck_assert_int_eq(count_rows("items"), 1);
	ck_assert_uint_eq(nevents("BWC-000001"), 1);
}
END_TEST

START_TEST(test_add_not_found)
{
	struct bc_custody_result res;
	struct bc_custody_req q;
	char prefix[13];

	req_init(&q, "access");
	add_refused(cust, "BWC-000099", &q, BC_ERR_NOT_FOUND, NULL);
	ck_assert_int_eq(count_rows("events"), 1);
	/* an item is also found by a prefix of its file hash */
	memcpy(prefix, reg.sha256, sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	add_ok(cust, prefix, &q, 1, &res);
	ck_assert_str_eq(res.item, "BWC-000001");
	/* and by its id in lower case */
	add_ok(cust, "bwc-000001", &q, 2, &res);
	ck_assert_str_eq(res.item, "BWC-000001");
}
END_TEST

START_TEST(test_add_wrong_role)
{
	struct bc_key *stranger = tu_new_key(), *pub = NULL;
	struct bc_custody_req q;

	req_init(&q, "access");
	add_refused(ing, "BWC-000001", &q, BC_ERR_INVALID, "has role ingest");
	add_refused(aud, "BWC-000001", &q, BC_ERR_INVALID,
	    "has role auditor");
	add_refused(stranger, "BWC-000001", &q, BC_ERR_INVALID,
	    "not a signer");
	req_init(&q, "transfer");
	q.to = "x";
	q.reason = "r";
	add_refused(aud, "BWC-000001", &q, BC_ERR_INVALID, "not custodian");
	req_init(&q, "verify");
	q.outcome = "passed";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID,
	    "has role custodian");
	add_refused(ing, "BWC-000001", &q, BC_ERR_INVALID, "not auditor");
	/* a public key alone cannot sign */
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(cust), &pub), 0);
	req_init(&q, "access");
	add_refused(pub, "BWC-000001", &q, BC_ERR_KEY_TYPE, NULL);
	ck_assert_int_eq(count_rows("events"), 1);

	/* the admin holds every role */
	add_ok(admin, "BWC-000001", &q, 1, NULL);
	req_init(&q, "verify");
	q.outcome = "passed";
	add_ok(admin, "BWC-000001", &q, 2, NULL);
	ck_assert_int_eq(count_rows("events"), 3);
	bc_key_free(stranger);
	bc_key_free(pub);
}
END_TEST

START_TEST(test_add_revoked_key)
{
	struct bc_custody_req q;
	struct bc_err e = { 0 };

	req_init(&q, "access");
	setenv("BODYCAM_NOW", "2026-03-01T11:00:00Z", 1);
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	setenv("BODYCAM_NOW", "2026-03-01T12:00:00Z", 1);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(cust), "lost",
	    &e), 0);
	/* at the revocation and after */
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "revocation");
	setenv("BODYCAM_NOW", "2026-03-02T00:00:00Z", 1);
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "revocation");
	ck_assert_int_eq(count_rows("events"), 2);
	/* and what it signed before still verifies */
	{
		struct bc_verify_report rep;

		tu_verify_ref(cat, "BWC-000001", NULL, &rep);
		expect_all_ok(&rep);
		bc_verify_report_clear(&rep);
	}
}
END_TEST

START_TEST(test_add_clock_backwards)
{
	struct bc_custody_req q;
	struct evs e;

	req_init(&q, "access");
	setenv("BODYCAM_NOW", "2026-03-01T11:00:00Z", 1);
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	/* a station whose clock is behind the chain cannot append */
	setenv("BODYCAM_NOW", "2026-03-01T10:30:00Z", 1);
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "before");
	ck_assert_int_eq(count_rows("events"), 2);
	setenv("BODYCAM_NOW", "2026-03-01T11:00:00Z", 1);
	add_ok(cust, "BWC-000001", &q, 2, NULL);
	evs_load("BWC-000001", &e);
	expect_str(e.doc[1], "at", "2026-03-01T11:00:00.000000Z");
	expect_str(e.doc[2], "at", "2026-03-01T11:00:00.000000Z");
	evs_free(&e);
}
END_TEST

/* Appends one byte to the file being hashed, on the first call only. */
static void
grow_file(void *arg, uint64_t done, uint64_t total)
{
	static int calls;
	const char *path = arg;

	(void)done;
	(void)total;
	if (calls++ == 0)
		ck_assert_int_eq(tu_append_file(path, "!", 1), 0);
}

/* relocate: re-hashed at the new place; only the sealed content moves */
START_TEST(test_add_relocate)
{
	const char *moved = tu_path("archive.mp4"), *bad = tu_path("bad.mp4");
	const char *big = tu_path("growing.mp4");
	struct bc_custody_result res;
	struct bc_verify_report rep;
	struct bc_custody_req q;
	struct evs e;
	char real[PATH_MAX], old[PATH_MAX];
	int fd;

	ck_assert_ptr_nonnull(realpath(clip, old));
	/* other content, same size: refused, nothing written */
	ck_assert_int_eq(tu_write_pattern(bad, CLIP_SIZE), 0);
	ck_assert_int_ne(fd = open(bad, O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, "X", 1, 17), 1);
	close(fd);
	req_init(&q, "relocate");
	q.file = bad;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INTEGRITY,
	    "not the registered file");
	ck_assert_uint_eq(nevents("BWC-000001"), 1);
	/* a file that grows while it is hashed: refused */
	ck_assert_int_eq(tu_write_pattern(big, 3 * BC_HASH_BUFSZ), 0);
	q.file = big;
	q.progress = grow_file;
	q.progress_arg = (void *)big;
	add_refused(cust, "BWC-000001", &q, BC_ERR_CHANGED, "changed");
	q.progress = NULL;
	ck_assert_uint_eq(nevents("BWC-000001"), 1);
	/* an ingest key may not record it */
	ck_assert_int_eq(rename(clip, moved), 0);
	q.file = moved;
	add_refused(ing, "BWC-000001", &q, BC_ERR_INVALID, "has role ingest");
	ck_assert_uint_eq(nevents("BWC-000001"), 1);
	/* the file moved: verify misses it until the relocate */
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	ck_assert_int_ne(rep.status, 0);
	ck_assert_int_eq(tu_find_check(&rep, "file-present", -1)->ok, 0);
	bc_verify_report_clear(&rep);
	add_ok(cust, "BWC-000001", &q, 1, &res);
	ck_assert_ptr_nonnull(realpath(moved, real));
	ck_assert_str_eq(res.path, real);
	ck_assert_str_eq(res.from, old);
	evs_load("BWC-000001", &e);
	expect_str(e.doc[1], "action", "relocate");
	expect_str(e.doc[1], "details.path", real);
	expect_str(e.doc[1], "details.from", old);
	expect_str(e.doc[1], "details.sha256", reg.sha256);
	ck_assert_int_eq(doc_int(e.doc[1], "details.size"), CLIP_SIZE);
	/* the catalog's row is not changed: the event says where it is */
	ck_assert_str_eq(e.it->path, old);
	evs_free(&e);
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	expect_all_ok(&rep);
	ck_assert_str_eq(rep.path, real);
	ck_assert_str_eq(rep.state.path, real);
	bc_verify_report_clear(&rep);
	/* to the same place again: refused */
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "already");
	/* after a purge: refused */
	req_init(&q, "purge");
	q.reason = "retention";
	add_ok(cust, "BWC-000001", &q, 2, NULL);
	req_init(&q, "relocate");
	q.file = moved;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	ck_assert_uint_eq(nevents("BWC-000001"), 3);
}
END_TEST

START_TEST(test_add_copy_file)
{
	const char *copy = tu_path("copy.mp4"), *bad = tu_path("bad.mp4");
	struct bc_custody_result res;
	struct bc_custody_req q;
	struct bc_file_hash fh;
	char hex[BC_SHA256_HEX];
	struct evs e;

	/* a faithful copy: its hash is recorded, the copy "verified" */
	ck_assert_int_eq(tu_write_pattern(copy, CLIP_SIZE), 0);
	req_init(&q, "copy");
	q.to = "defence counsel";
	q.file = copy;
	add_ok(cust, "BWC-000001", &q, 1, &res);
	ck_assert_str_eq(res.copy_sha256, reg.sha256);
	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 2);
	expect_str(e.doc[1], "action", "copy");
	expect_str(e.doc[1], "details.to", "defence counsel");
	expect_str(e.doc[1], "details.copy.sha256", reg.sha256);
	ck_assert_int_eq(doc_int(e.doc[1], "details.copy.size"), CLIP_SIZE);
	expect_str(e.doc[1], "details.outcome", "verified");
	evs_free(&e);

	/* one byte different: refused, nothing written */
	ck_assert_int_eq(tu_write_pattern(bad, CLIP_SIZE), 0);
	{
		int fd = open(bad, O_WRONLY);

		ck_assert_int_ne(fd, -1);
		ck_assert_int_eq(pwrite(fd, "X", 1, CLIP_SIZE / 2), 1);
		close(fd);
	}
	ck_assert_int_eq(bc_hash_file(bad, &fh, NULL, NULL, NULL), 0);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	q.file = bad;
	ck_assert_int_eq(add(cust, "BWC-000001", &q, &res), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(err.msg, "differs"), "%s", err.msg);
	ck_assert_msg(tu_contains(err.msg, hex), "%s", err.msg);
	ck_assert_str_eq(res.copy_sha256, hex);
	/* nor a missing one */
	q.file = tu_path("nonexistent.mp4");
	ck_assert_int_eq(add(cust, "BWC-000001", &q, &res), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(count_rows("events"), 2);
	ck_assert_uint_eq(nevents("BWC-000001"), 2);
}
END_TEST

START_TEST(test_add_derive)
{
	static const char *const tags[] = { "redacted" };
	const char *red = tu_path("redacted.mp4"), *red2 = tu_path("r2.mp4");
	struct bc_operator_fields op;
	struct bc_custody_result res;
	struct bc_custody_req q;
	struct bc_verify_report rep;
	struct bc_file_hash fh;
	char hex[BC_SHA256_HEX], childman[BC_SHA256_HEX];
	const struct bc_check *c;
	json_t *m = NULL;
	struct evs e;

	ck_assert_int_eq(tu_write_str(red, "faces blurred, plates masked"), 0);
	ck_assert_int_eq(bc_hash_file(red, &fh, NULL, NULL, NULL), 0);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	req_init(&q, "derive");
	q.actor = "tech.lee";
	q.reason = "redaction for release";
	q.location = "lab 3";
	q.file = red;
	add_ok(cust, "BWC-000001", &q, 1, &res);
	ck_assert_str_eq(res.item, "BWC-000001");
	ck_assert_str_eq(res.child, "BWC-000002");
	ck_assert_str_eq(res.child_sha256, hex);
	ck_assert_int_eq(count_rows("items"), 2);

	/* the child: its manifest names the parent */
	evs_load("BWC-000002", &e);
	ck_assert_str_eq(e.it->id, "BWC-000002");
	ck_assert_str_eq(e.it->sha256, hex);
	ck_assert_str_eq(e.it->key, bc_key_id(cust));
	ck_assert(tu_contains(e.it->path, "redacted.mp4"));
	snprintf(childman, sizeof(childman), "%s", e.it->manifest_hash);
	ck_assert_int_eq(bc_doc_parse(e.it->manifest, e.it->manifest_len,
	    BC_MANIFEST_TYPE, &m, NULL), 0);
	expect_str(m, "id", "BWC-000002");
	expect_str(m, "file.sha256", hex);
	expect_str(m, "derived.from", "BWC-000001");
	expect_str(m, "derived.manifest", reg.manifest_hash);
	expect_str(m, "derived.sha256", reg.sha256);
	expect_str(m, "derived.reason", "redaction for release");
	expect_str(m, "registered.key", bc_key_id(cust));
	expect_str(m, "registered.at", T0_STAMP);
	/* the parent's operator fields carry over */
	expect_str(m, "capture.officer", "O-17");
	expect_str(m, "case.number", "2026-0042");
	ck_assert_uint_eq(json_array_size(json_object_get(m, "tags")), 2);
	json_decref(m);
	m = NULL;
	/* and its genesis event is the custodian's */
	ck_assert_uint_eq(e.n, 1);
	expect_str(e.doc[0], "action", "register");
	expect_str(e.doc[0], "actor", "tech.lee");
	expect_str(e.doc[0], "prev", childman);
	expect_str(e.doc[0], "key", bc_key_id(cust));
	expect_str(e.doc[0], "details.sha256", hex);
	evs_free(&e);

	/* the parent records the derivation */
	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 2);
	expect_str(e.doc[1], "action", "derive");
	expect_str(e.doc[1], "actor", "tech.lee");
	expect_str(e.doc[1], "prev", e.ev[0].hash);
	expect_str(e.doc[1], "details.reason", "redaction for release");
	expect_str(e.doc[1], "details.location", "lab 3");
	expect_str(e.doc[1], "details.sha256", reg.sha256);
	expect_str(e.doc[1], "details.child.id", "BWC-000002");
	expect_str(e.doc[1], "details.child.manifest", childman);
	expect_str(e.doc[1], "details.child.sha256", hex);
	expect_str(e.doc[1], "details.outcome", "registered");
	evs_free(&e);

	/* both verify, the child's parent link included */
	tu_verify_ref(cat, "BWC-000002", NULL, &rep);
	expect_all_ok(&rep);
	ck_assert_ptr_nonnull(c = tu_find_check(&rep, "derive-parent", -1));
	ck_assert_msg(tu_contains(c->detail, "BWC-000001"), "%s", c->detail);
	ck_assert_ptr_nonnull(tu_find_check(&rep, "manifest-signature", -1));
	ck_assert_str_eq(rep.state.custodian, "tech.lee");
	bc_verify_report_clear(&rep);
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	expect_all_ok(&rep);
	ck_assert_ptr_null(tu_find_check(&rep, "derive-parent", -1));
	bc_verify_report_clear(&rep);

	/* with fields of its own: they replace the parent's */
	ck_assert_int_eq(tu_write_str(red2, "second cut"), 0);
	memset(&op, 0, sizeof(op));
	op.officer = "O-99";
	op.tags = tags;
	op.ntags = 1;
	req_init(&q, "derive");
	q.reason = "excerpt";
	q.file = red2;
	q.op = &op;
	add_ok(cust, "BWC-000001", &q, 2, &res);
	ck_assert_str_eq(res.child, "BWC-000003");
	evs_load("BWC-000003", &e);
	ck_assert_int_eq(bc_doc_parse(e.it->manifest, e.it->manifest_len,
	    BC_MANIFEST_TYPE, &m, NULL), 0);
	expect_str(m, "capture.officer", "O-99");
	expect_str(m, "case.number", NULL);
	expect_str(m, "derived.from", "BWC-000001");
	json_decref(m);
	evs_free(&e);
	tu_verify_ref(cat, "BWC-000003", NULL, &rep);
	expect_all_ok(&rep);
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_add_derive_existing)
{
	const char *same = tu_path("same.mp4"), *b = tu_path("b.mp4");
	const char *bcopy = tu_path("b-copy.mp4");
	struct bc_register_result rb;
	struct bc_custody_result res;
	struct bc_custody_req q;

	/* the parent's own content */
	ck_assert_int_eq(tu_write_pattern(same, CLIP_SIZE), 0);
	req_init(&q, "derive");
	q.reason = "r";
	q.file = same;
	ck_assert_int_eq(add(cust, "BWC-000001", &q, &res), BC_ERR_EXISTS);
	ck_assert_str_eq(res.child, "BWC-000001");
	ck_assert_msg(tu_contains(err.msg, "already registered"), "%s",
	    err.msg);
	/* another item's content */
	ck_assert_int_eq(tu_write_str(b, "item b"), 0);
	register_file(b, &rb);
	ck_assert_int_eq(tu_write_str(bcopy, "item b"), 0);
	q.file = bcopy;
	ck_assert_int_eq(add(cust, "BWC-000001", &q, &res), BC_ERR_EXISTS);
	ck_assert_str_eq(res.child, rb.id);
	ck_assert_str_eq(rb.id, "BWC-000002");
	/* no derive event, no new item */
	ck_assert_int_eq(count_rows("items"), 2);
	ck_assert_int_eq(count_rows("events"), 2);
	ck_assert_uint_eq(nevents("BWC-000001"), 1);
	ck_assert_uint_eq(nevents("BWC-000002"), 1);
}
END_TEST

START_TEST(test_add_purge)
{
	const char *red = tu_path("redacted.mp4");
	struct bc_custody_req q;
	struct evs e;

	req_init(&q, "purge");
	q.actor = "records.mgr";
	q.reason = "retention expired";
	add_ok(cust, "BWC-000001", &q, 1, NULL);

	req_init(&q, "access");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	req_init(&q, "copy");
	q.to = "x";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	req_init(&q, "transfer");
	q.to = "x";
	q.reason = "r";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	req_init(&q, "hold");
	q.reason = "r";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	req_init(&q, "purge");
	q.reason = "again";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	req_init(&q, "verify");
	q.outcome = "passed";
	add_refused(aud, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	/* a derive of a purged item registers nothing */
	ck_assert_int_eq(tu_write_str(red, "derived after purge"), 0);
	req_init(&q, "derive");
	q.reason = "r";
	q.file = red;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "purged");
	ck_assert_int_eq(count_rows("items"), 1);
	ck_assert_int_eq(count_rows("events"), 2);

	/* a note still may follow */
	req_init(&q, "note");
	q.note = "certificate of destruction filed";
	add_ok(cust, "BWC-000001", &q, 2, NULL);
	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 3);
	expect_str(e.doc[1], "action", "purge");
	expect_str(e.doc[1], "details.reason", "retention expired");
	expect_str(e.doc[2], "action", "note");
	expect_str(e.doc[2], "details.note", "certificate of destruction filed");
	evs_free(&e);
}
END_TEST

static void sql(const char *);

/*
 * bc_purge: the purge, committed, then the file, then a note on what
 * became of it; a rerun on a purged item only finishes the job.
 */
START_TEST(test_purge_destroys)
{
	struct bc_custody_req q;
	struct bc_purge_result pr;
	struct evs e;
	int r;

	req_init(&q, "purge");
	q.actor = "records.mgr";
	q.reason = "retention expired";
	r = bc_purge(cat, cust, "BWC-000001", &q, &pr, &err);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert_int_eq(pr.fate, BC_MEDIA_DESTROYED);
	ck_assert_int_eq(pr.repeated, 0);
	ck_assert_int_eq(pr.purge.seq, 1);
	ck_assert_int_eq(pr.note.seq, 2);
	ck_assert_int_eq(access(clip, F_OK), -1);
	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 3);
	expect_str(e.doc[1], "action", "purge");
	expect_str(e.doc[2], "action", "note");
	expect_str(e.doc[2], "details.media", "destroyed");
	expect_str(e.doc[2], "details.note", "media destroyed");
	expect_str(e.doc[2], "actor", "records.mgr");
	evs_free(&e);

	/* again: nothing to do, nothing recorded */
	r = bc_purge(cat, cust, "BWC-000001", &q, &pr, &err);
	ck_assert_msg(r == 0, "%s", err.msg);
	ck_assert_int_eq(pr.repeated, 1);
	ck_assert_int_eq(pr.fate, BC_MEDIA_ABSENT);
	ck_assert_int_eq(pr.note.seq, -1);
	ck_assert_int_eq(nevents("BWC-000001"), 3);

	/* not a purge; a key that may not purge cannot finish one */
	req_init(&q, "access");
	ck_assert_int_eq(bc_purge(cat, cust, "BWC-000001", &q, &pr, &err),
	    BC_ERR_INVALID);
	req_init(&q, "purge");
	q.reason = "r";
	ck_assert_int_eq(bc_purge(cat, aud, "BWC-000001", &q, &pr, &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(pr.fate, BC_MEDIA_NONE);
	ck_assert_int_eq(nevents("BWC-000001"), 3);
}
END_TEST

/*
 * A purge whose record does not verify (here its signature, edited in the
 * database: writers replay the rules but leave signatures to verify)
 * deletes nothing: an insider cannot forge the purge of a file.
 */
START_TEST(test_purge_forged)
{
	struct bc_custody_req q;
	struct bc_purge_result pr;
	int r;

	req_init(&q, "purge");
	q.reason = "retention expired";
	add_ok(cust, "BWC-000001", &q, 1, NULL);	/* recorded only */
	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET signature = zeroblob(64) WHERE seq = 1;");
	r = bc_purge(cat, cust, "BWC-000001", &q, &pr, &err);
	ck_assert_int_eq(r, BC_ERR_INTEGRITY);
	ck_assert_int_eq(pr.repeated, 1);
	ck_assert_int_eq(pr.fate, BC_MEDIA_KEPT);
	ck_assert_msg(tu_contains(err.msg, "does not verify"), "%s", err.msg);
	ck_assert_int_eq(access(clip, F_OK), 0);
}
END_TEST

/* bc_media_destroy deletes the sealed file and nothing else. */
START_TEST(test_media_destroy)
{
	struct bc_file_hash fh;
	struct bc_err e = { 0 };
	char hex[BC_SHA256_HEX], link[4096], other[4096], fifo[4096];
	int fate;

	ck_assert_int_eq(bc_hash_file(clip, &fh, NULL, NULL, &e), 0);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	snprintf(link, sizeof(link), "%s", tu_path("link.mp4"));
	snprintf(other, sizeof(other), "%s", tu_path("other.mp4"));
	snprintf(fifo, sizeof(fifo), "%s", tu_path("fifo.mp4"));

	/* relative: refused */
	ck_assert_int_eq(bc_media_destroy("clip.mp4", hex, CLIP_SIZE, &fate,
	    &e), BC_ERR_INTEGRITY);
	ck_assert_int_eq(fate, BC_MEDIA_KEPT);
	/* a link to the very file: not followed */
	ck_assert_int_eq(symlink(clip, link), 0);
	ck_assert_int_eq(bc_media_destroy(link, hex, CLIP_SIZE, &fate, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "symbolic link"), "%s", e.msg);
	ck_assert_int_eq(access(clip, F_OK), 0);
	/* not a regular file */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(bc_media_destroy(fifo, hex, CLIP_SIZE, &fate, &e),
	    BC_ERR_INTEGRITY);
	/* another file, of the same size or not */
	ck_assert_int_eq(tu_write_pattern(other, CLIP_SIZE + 1), 0);
	ck_assert_int_eq(bc_media_destroy(other, hex, CLIP_SIZE, &fate, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(tu_write_str(other, "x"), 0);
	ck_assert_int_eq(bc_media_destroy(other, hex, 1, &fate, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "SHA-256"), "%s", e.msg);
	ck_assert_int_eq(access(other, F_OK), 0);
	/* the file: deleted; then absent */
	ck_assert_int_eq(bc_media_destroy(clip, hex, CLIP_SIZE, &fate, &e), 0);
	ck_assert_int_eq(fate, BC_MEDIA_DESTROYED);
	ck_assert_int_eq(access(clip, F_OK), -1);
	ck_assert_int_eq(bc_media_destroy(clip, hex, CLIP_SIZE, &fate, &e), 0);
	ck_assert_int_eq(fate, BC_MEDIA_ABSENT);
	ck_assert_int_eq(access(link, F_OK), -1);	/* dangling now */
	ck_assert_int_eq(unlink(link), 0);
}
END_TEST

/* The manifest hash of the item ref names. */
static const char *
item_hash(const char *ref)
{
	static char h[BC_SHA256_HEX];
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };

	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	snprintf(h, sizeof(h), "%s", it->manifest_hash);
	bc_item_free(it);
	return h;
}

static int
count_one(void *arg, const struct bc_item *it)
{
	(void)it;
	(*(int *)arg)++;
	return 0;
}

/*
 * annotate through bc_custody_add: the checks before anything is read,
 * tags added and removed against the current ones (the manifest's are
 * night and traffic), the stored view list filters on, the roles.
 */
START_TEST(test_add_annotate)
{
	struct bc_custody_req q;
	struct bc_list_filter f;
	struct bc_err e = { 0 };
	json_t *set, *add1, *rm, *clear, *v;
	char *view = NULL;
	int64_t seq;
	int n;

	ck_assert_ptr_nonnull(set = json_pack("{s:s}", "case", "2026-0099"));
	ck_assert_ptr_nonnull(add1 = json_pack("[s, s]", "scene", "night"));
	ck_assert_ptr_nonnull(rm = json_pack("[s]", "traffic"));
	ck_assert_ptr_nonnull(clear = json_pack("[s]", "tags"));

	req_init(&q, "annotate");
	q.reason = "case assigned";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "changes nothing");
	q.reason = NULL;
	q.set = set;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "reason");
	q.reason = "case assigned";
	q.tag_add = add1;
	q.clear = clear;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "not both");
	q.clear = NULL;
	add_refused(ing, "BWC-000001", &q, BC_ERR_INVALID, "has role ingest");
	ck_assert_int_eq(count_rows("events"), 1);
	ck_assert_int_eq(tu_sql_int(tu_path("catalog.db"),
	    "SELECT count(*) FROM views"), 0);

	q.tag_remove = rm;
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	ck_assert_int_eq(bc_catalog_get_view(cat, item_hash("BWC-000001"),
	    &seq, &view, &e), 0);
	ck_assert_int_eq(seq, 1);
	ck_assert_ptr_nonnull(view);
	/* night kept (already there), traffic removed, scene added */
	ck_assert_str_eq(view, "{\"annotations\":1,\"case\":\"2026-0099\","
	    "\"category\":null,\"description\":null,"
	    "\"tags\":[\"night\",\"scene\"],\"title\":null}");
	free(view);

	/* list filters on the current view */
	memset(&f, 0, sizeof(f));
	f.case_no = "2026-0099";
	n = 0;
	ck_assert_int_eq(bc_catalog_list(cat, &f, count_one, &n, &e), 0);
	ck_assert_int_eq(n, 1);
	f.case_no = "2026-0042";	/* the sealed one, replaced */
	n = 0;
	ck_assert_int_eq(bc_catalog_list(cat, &f, count_one, &n, &e), 0);
	ck_assert_int_eq(n, 0);
	memset(&f, 0, sizeof(f));
	f.tag = "traffic";
	n = 0;
	ck_assert_int_eq(bc_catalog_list(cat, &f, count_one, &n, &e), 0);
	ck_assert_int_eq(n, 0);
	f.tag = "scene";
	n = 0;
	ck_assert_int_eq(bc_catalog_list(cat, &f, count_one, &n, &e), 0);
	ck_assert_int_eq(n, 1);
	memset(&f, 0, sizeof(f));
	f.officer = "o-17";		/* any case of ASCII letters */
	n = 0;
	ck_assert_int_eq(bc_catalog_list(cat, &f, count_one, &n, &e), 0);
	ck_assert_int_eq(n, 1);

	/* a second annotation moves the view forward */
	req_init(&q, "annotate");
	q.reason = "no longer tagged";
	q.clear = clear;
	add_ok(admin, "BWC-000001", &q, 2, NULL);
	ck_assert_int_eq(bc_catalog_get_view(cat, item_hash("BWC-000001"),
	    &seq, &view, &e), 0);
	ck_assert_int_eq(seq, 2);
	ck_assert_ptr_nonnull(v = json_loads(view, 0, NULL));
	ck_assert_uint_eq(json_array_size(json_object_get(v, "tags")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "case")),
	    "2026-0099");
	json_decref(v);
	free(view);

	/* fields to set are for annotate only */
	req_init(&q, "note");
	q.set = set;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "annotate only");
	json_decref(set);
	json_decref(add1);
	json_decref(rm);
	json_decref(clear);
}
END_TEST

START_TEST(test_add_hold)
{
	struct bc_custody_req q;

	req_init(&q, "unhold");
	q.reason = "r";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID,
	    "not on legal hold");
	req_init(&q, "hold");
	q.reason = "litigation";
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID,
	    "already on legal hold");
	req_init(&q, "purge");
	q.reason = "retention expired";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID, "legal hold");
	ck_assert_int_eq(count_rows("events"), 2);
	/* viewing a held item is fine */
	req_init(&q, "access");
	add_ok(cust, "BWC-000001", &q, 2, NULL);
	req_init(&q, "unhold");
	q.reason = "settled";
	add_ok(cust, "BWC-000001", &q, 3, NULL);
	req_init(&q, "purge");
	q.reason = "retention expired";
	add_ok(cust, "BWC-000001", &q, 4, NULL);
	ck_assert_int_eq(count_rows("events"), 5);
}
END_TEST

START_TEST(test_add_verify_action)
{
	static const char *const failed[] = { "file-size", "file-hash" };
	static const char measured[] = "abababababababababababababababab"
	    "abababababababababababababababab";
	struct bc_custody_req q;
	struct bc_verify_report rep;
	const json_t *arr;
	struct evs e;

	req_init(&q, "verify");
	q.actor = "auditor.k";
	q.outcome = "passed";
	q.measured = reg.sha256;
	add_ok(aud, "BWC-000001", &q, 1, NULL);
	q.outcome = "failed";
	q.failed = failed;
	q.nfailed = 2;
	q.measured = measured;
	add_ok(aud, "BWC-000001", &q, 2, NULL);
	/* not by a custodian */
	q.outcome = "passed";
	q.failed = NULL;
	q.nfailed = 0;
	add_refused(cust, "BWC-000001", &q, BC_ERR_INVALID,
	    "has role custodian");

	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 3);
	expect_str(e.doc[1], "action", "verify");
	expect_str(e.doc[1], "actor", "auditor.k");
	expect_str(e.doc[1], "key", bc_key_id(aud));
	expect_str(e.doc[1], "details.outcome", "passed");
	expect_str(e.doc[1], "details.measured", reg.sha256);
	ck_assert_ptr_null(json_object_get(json_object_get(e.doc[1],
	    "details"), "failed"));
	expect_str(e.doc[2], "details.outcome", "failed");
	expect_str(e.doc[2], "details.measured", measured);
	arr = json_object_get(json_object_get(e.doc[2], "details"), "failed");
	ck_assert_uint_eq(json_array_size(arr), 2);
	ck_assert_str_eq(json_string_value(json_array_get(arr, 0)),
	    "file-size");
	ck_assert_str_eq(json_string_value(json_array_get(arr, 1)),
	    "file-hash");
	evs_free(&e);

	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	expect_all_ok(&rep);
	ck_assert_str_eq(rep.state.last_verify, "failed");
	bc_verify_report_clear(&rep);
}
END_TEST

/*
 * The verify fields that check_req does not look at: 'failed' names
 * checks and 'measured' is a hex SHA-256 (custody.h).  A value jansson
 * cannot take (not UTF-8, a NULL name) is the caller's mistake,
 * BC_ERR_INVALID as for every other field, not an allocation failure.
 */
START_TEST(test_add_verify_not_utf8)
{
	static const char *const with_null[] = { "file-hash", NULL };
	static const char *const bad_utf8[] = { "file-\xff" };
	struct bc_custody_result res;
	struct bc_custody_req q;
	int r;

	req_init(&q, "verify");
	q.outcome = "failed";
	q.measured = "\xff\xfe";
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "measured not UTF-8: %d (%s)", r,
	    err.msg);
	q.measured = NULL;
	q.failed = bad_utf8;
	q.nfailed = 1;
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "failed[0] not UTF-8: %d (%s)", r,
	    err.msg);
	q.failed = with_null;
	q.nfailed = 2;
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "failed[1] NULL: %d (%s)", r,
	    err.msg);
	ck_assert_int_eq(count_rows("events"), 1);
}
END_TEST

/*
 * 'measured' is documented as the hex SHA-256 seen; like --to, --reason
 * and the others it must not carry control characters into a signed
 * event (custody log prints it), nor be anything but 64 hex digits.
 */
START_TEST(test_add_verify_measured_checked)
{
	struct bc_custody_result res;
	struct bc_custody_req q;
	int r;

	req_init(&q, "verify");
	q.outcome = "failed";
	q.measured = "bad\n\x1b[2Jhash";
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "measured with control "
	    "characters: %d, recorded as seq %lld", r, (long long)res.seq);
	q.measured = "not a SHA-256";
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "measured not hex: %d, recorded "
	    "as seq %lld", r, (long long)res.seq);
	q.measured = "ABABABABABABABABABABABABABABABAB"
	    "ABABABABABABABABABABABABABABABAB";
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "measured in upper case: %d", r);
	q.measured = "abababababababababababababababab"
	    "ababababababababababababababab";
	r = add(aud, "BWC-000001", &q, &res);
	ck_assert_msg(r == BC_ERR_INVALID, "measured 62 digits: %d", r);
	ck_assert_int_eq(count_rows("events"), 1);
}
END_TEST

/* Runs sql on the catalog through a connection of its own. */
static void
sql(const char *stmt)
{
	tu_sql_ok(catpath, stmt);
}

START_TEST(test_add_tampered_chain)
{
	struct bc_custody_req q;

	req_init(&q, "access");
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	req_init(&q, "note");
	q.note = "first note";
	add_ok(cust, "BWC-000001", &q, 2, NULL);
	/* same length, still canonical: only the hash tells */
	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET body = replace(body, 'first note', "
	    "'final note') WHERE seq = 2;");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events "
	    "WHERE instr(body, 'final note') > 0"), 1);
	req_init(&q, "access");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INTEGRITY, "broken");
	ck_assert_msg(tu_contains(err.msg, "event 2"), "%s", err.msg);
	ck_assert_msg(tu_contains(err.msg, "nothing recorded"), "%s",
	    err.msg);
	ck_assert_int_eq(count_rows("events"), 3);

	/* the genesis event, edited */
	sql("UPDATE events SET body = replace(body, 'final note', "
	    "'first note') WHERE seq = 2;");
	add_ok(cust, "BWC-000001", &q, 3, NULL);	/* mended: fine again */
	sql("UPDATE events SET body = replace(body, '\"dock\"', '\"kcod\"') "
	    "WHERE seq = 0;");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INTEGRITY, "event 0");
	ck_assert_int_eq(count_rows("events"), 4);
}
END_TEST

START_TEST(test_add_tampered_manifest)
{
	struct bc_custody_req q;

	sql("DROP TRIGGER items_no_update;"
	    "UPDATE items SET manifest = replace(manifest, '\"O-17\"', "
	    "'\"O-71\"');");
	req_init(&q, "access");
	add_refused(cust, "BWC-000001", &q, BC_ERR_INTEGRITY, "manifest");
	ck_assert_int_eq(count_rows("events"), 1);
}
END_TEST

START_TEST(test_add_on_rule_broken_chain)
{
	struct bc_custody_req q;
	struct bc_verify_report rep;
	const struct bc_check *c;
	json_t *d;

	req_init(&q, "purge");
	q.reason = "retention expired";
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	d = json_pack("{s:s, s:s, s:s}", "sha256", reg.sha256, "station",
	    station, "outcome", "done");
	tu_store_event(cat, cust, "BWC-000001", "access", T0_STAMP, d);
	json_decref(d);
	ck_assert_int_eq(count_rows("events"), 3);

	/* verify reports the broken rule, signatures and links are fine */
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_ptr_nonnull(c = tu_find_check(&rep, "event-rule", 2));
	ck_assert(!c->ok);
	ck_assert_msg(tu_contains(c->detail, "purged"), "%s", c->detail);
	ck_assert(tu_find_check(&rep, "event-signature", 2)->ok);
	ck_assert(tu_find_check(&rep, "event-link", 2)->ok);
	ck_assert(tu_find_check(&rep, "event-hash", 2)->ok);
	bc_verify_report_clear(&rep);

	/* and nothing more goes on that chain, not even a note */
	req_init(&q, "note");
	q.note = "n";
	add_refused(cust, "BWC-000001", &q, BC_ERR_INTEGRITY, "rule");
	ck_assert_int_eq(count_rows("events"), 3);
}
END_TEST

/* --- verify after a purge ----------------------------------------------- */

START_TEST(test_verify_after_purge)
{
	struct bc_custody_req q;
	struct bc_verify_report rep;
	const struct bc_check *c;

	req_init(&q, "purge");
	q.actor = "records.mgr";
	q.reason = "retention expired";
	add_ok(cust, "BWC-000001", &q, 1, NULL);
	ck_assert_int_eq(unlink(clip), 0);

	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	ck_assert_int_eq(rep.status, 0);
	expect_all_ok(&rep);
	ck_assert_ptr_nonnull(c = tu_find_check(&rep, "file-purged", -1));
	ck_assert(c->ok);
	ck_assert_msg(tu_contains(c->detail, "records.mgr") &&
	    tu_contains(c->detail, "retention expired") &&
	    tu_contains(c->detail, T0_STAMP), "%s", c->detail);
	/* the file is not looked for */
	ck_assert_ptr_null(tu_find_check(&rep, "file-present", -1));
	ck_assert_ptr_null(tu_find_check(&rep, "file-hash", -1));
	ck_assert_int_eq(rep.state.purged, 1);
	ck_assert_str_eq(rep.state.purged_at, T0_STAMP);
	ck_assert_str_eq(rep.state.purged_by, "records.mgr");
	ck_assert_str_eq(rep.state.purge_reason, "retention expired");
	ck_assert_int_eq(rep.state.nevents, 2);
	ck_assert_int_eq(rep.nevents, 2);
	ck_assert_int_eq(rep.nsigs, 3);
	bc_verify_report_clear(&rep);

	/* before the purge, the same deleted file was a failure */
	{
		struct bc_verify_report r2;
		struct bc_register_result rb;
		const char *b = tu_path("b.mp4");

		ck_assert_int_eq(tu_write_str(b, "kept"), 0);
		register_file(b, &rb);
		ck_assert_int_eq(unlink(b), 0);
		tu_verify_ref(cat, rb.id, NULL, &r2);
		ck_assert_int_eq(r2.status, BC_ERR_NOT_FOUND);
		ck_assert_ptr_nonnull(c = tu_find_check(&r2, "file-present",
		    -1));
		ck_assert(!c->ok);
		ck_assert_ptr_null(tu_find_check(&r2, "file-purged", -1));
		ck_assert_int_eq(r2.state.purged, 0);
		bc_verify_report_clear(&r2);
	}
}
END_TEST

/* --- concurrent writers ------------------------------------------------- */

#define WRITERS		4
#define PER_WRITER	8

/* A writer process: its own connection, PER_WRITER events; exit status. */
static int
writer(int w)
{
	struct bc_catalog *c = NULL;
	struct bc_custody_req q;
	struct bc_custody_result res;
	struct bc_err e = { 0 };
	char actor[32];
	int i, r;

	if (bc_catalog_open(catpath, &c, &e) != 0)
		return 10;
	snprintf(actor, sizeof(actor), "writer-%d", w);
	for (i = 0; i < PER_WRITER; i++) {
		memset(&q, 0, sizeof(q));
		q.action = "note";
		q.actor = actor;
		q.note = actor;
		if ((r = bc_custody_add(c, cust, "BWC-000001", &q, &res,
		    &e)) != 0) {
			fprintf(stderr, "%s: %s\n", actor, e.msg);
			return 20 + (-r & 0x3f);
		}
	}
	bc_catalog_close(c);
	return 0;
}

START_TEST(test_concurrent_appends)
{
	struct bc_verify_report rep;
	pid_t pid[WRITERS];
	struct evs e;
	int w, status, mine[WRITERS] = { 0 };
	size_t i;

	/* no SQLite connection crosses a fork: the writers open their own */
	bc_catalog_close(cat);
	cat = NULL;
	for (w = 0; w < WRITERS; w++) {
		ck_assert_int_ne(pid[w] = fork(), -1);
		if (pid[w] == 0)
			_exit(writer(w));
	}
	for (w = 0; w < WRITERS; w++) {
		ck_assert_int_eq(waitpid(pid[w], &status, 0), pid[w]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "writer %d: status %d", w, status);
	}
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	/* one chain, no fork in it, every event there once */
	evs_load("BWC-000001", &e);
	ck_assert_uint_eq(e.n, 1 + WRITERS * PER_WRITER);
	for (i = 1; i < e.n; i++) {
		ck_assert_int_eq(doc_int(e.doc[i], "seq"), (int64_t)i);
		expect_str(e.doc[i], "prev", e.ev[i - 1].hash);
		w = bc_doc_str(e.doc[i], "actor")[7] - '0';
		ck_assert(w >= 0 && w < WRITERS);
		mine[w]++;
	}
	for (w = 0; w < WRITERS; w++)
		ck_assert_int_eq(mine[w], PER_WRITER);
	evs_free(&e);
	tu_verify_ref(cat, "BWC-000001", NULL, &rep);
	expect_all_ok(&rep);
	bc_verify_report_clear(&rep);
}
END_TEST

static Suite *
custody_suite(void)
{
	Suite *s = suite_create("custody");
	TCase *tc;

	tc = tu_tcase(s, "actions", NULL, NULL);
	tcase_add_test(tc, test_action_names);
	tcase_add_test(tc, test_action_needs);

	tc = tu_tcase(s, "rules", NULL, NULL);
	tcase_add_test(tc, test_rule_first_is_register);
	tcase_add_test(tc, test_rule_unknown_and_malformed);
	tcase_add_test(tc, test_rule_time);
	tcase_add_test(tc, test_rule_sha256);
	tcase_add_test(tc, test_rule_recipient);
	tcase_add_test(tc, test_rule_reason);
	tcase_add_test(tc, test_rule_hold);
	tcase_add_test(tc, test_rule_purge);
	tcase_add_test(tc, test_rule_media);
	tcase_add_test(tc, test_rule_release);
	tcase_add_test(tc, test_rule_derive);
	tcase_add_test(tc, test_rule_verify);
	tcase_add_test(tc, test_rule_annotate);
	tcase_add_test(tc, test_rule_relocate);
	tcase_add_test(tc, test_rule_relocate_long);

	tc = tu_tcase(s, "add", setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_add_each_action);
	tcase_add_test(tc, test_add_missing_fields);
	tcase_add_test(tc, test_add_not_found);
	tcase_add_test(tc, test_add_wrong_role);
	tcase_add_test(tc, test_add_revoked_key);
	tcase_add_test(tc, test_add_clock_backwards);
	tcase_add_test(tc, test_add_copy_file);
	tcase_add_test(tc, test_add_relocate);
	tcase_add_test(tc, test_add_derive);
	tcase_add_test(tc, test_add_derive_existing);
	tcase_add_test(tc, test_add_purge);
	tcase_add_test(tc, test_purge_destroys);
	tcase_add_test(tc, test_purge_forged);
	tcase_add_test(tc, test_media_destroy);
	tcase_add_test(tc, test_add_hold);
	tcase_add_test(tc, test_add_annotate);
	tcase_add_test(tc, test_add_verify_action);
	tcase_add_test(tc, test_add_verify_not_utf8);
	tcase_add_test(tc, test_add_verify_measured_checked);

	tc = tu_tcase(s, "tampering", setup, teardown);
	tcase_add_test(tc, test_add_tampered_chain);
	tcase_add_test(tc, test_add_tampered_manifest);
	tcase_add_test(tc, test_add_on_rule_broken_chain);

	tc = tu_tcase(s, "concurrency", setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_concurrent_appends);

	tc = tu_tcase(s, "verify", setup, teardown);
	tcase_add_test(tc, test_verify_after_purge);

	return s;
}

int
main(void)
{
	return tu_run_suite(custody_suite());
}
