/*
 * check_writer.c - the service's write path: group commit (writer.c),
 * the chain cache and events signed elsewhere (custody.c).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "bodycam/bodycam.h"
#include "bodycam/audit.h"
#include "bodycam/writer.h"
#include "../bodycam/internal.h"
#include "testutil.h"

static struct bc_catalog *cat;
static struct bc_key *admin;
static char item1[BC_ITEM_ID_MAX], item2[BC_ITEM_ID_MAX];

static void
reg(const char *name, size_t len, char out[BC_ITEM_ID_MAX])
{
	struct bc_register_opts o;
	struct bc_register_result res;
	struct bc_err e = { 0 };
	int r;

	ck_assert_int_eq(tu_write_pattern(tu_path(name), len), 0);
	memset(&o, 0, sizeof(o));
	o.actor = "ingest";
	r = bc_register(cat, admin, tu_path(name), &o, &res, &e);
	ck_assert_msg(r == 0, "register: %s", e.msg);
	snprintf(out, BC_ITEM_ID_MAX, "%s", res.id);
}

static void
setup(void)
{
	tu_test_setup();
	tu_catalog_new("c.db", &admin, &cat);
	reg("a.bin", 1000, item1);
	reg("b.bin", 2000, item2);
}

static void
teardown(void)
{
	bc_catalog_close(cat);
	bc_key_free(admin);
	cat = NULL;
	admin = NULL;
	tu_test_teardown();
}

/* A custody note on ref through the writer's cache; ok says whether the
 * job then fails on purpose after writing. */
struct note_job {
	const char			*ref;
	const struct bc_key		*key;		/* NULL: admin */
	int				 fail_after;
	unsigned			 sleep_ms;
	struct bc_custody_result	 res;
};

static int
note_job(struct bc_catalog *c, struct bc_chain_cache *cache, void *arg,
    struct bc_err *err)
{
	struct note_job *j = arg;
	struct bc_custody_req q;
	int r;

	if (j->sleep_ms > 0)
		usleep(j->sleep_ms * 1000);
	memset(&q, 0, sizeof(q));
	q.action = "note";
	q.actor = "writer-test";
	q.note = "through the writer";
	if ((r = bc_custody_add_cached(c, cache, j->key ? j->key : admin,
	    j->ref, &q, NULL, NULL, NULL, &j->res, err)) != 0)
		return r;
	if (j->fail_after)
		return bc_err_set(err, BC_ERR_INVALID, "failed on purpose");
	return 0;
}

static int64_t
nevents(const char *ref)
{
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	size_t n = 0;

	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	ck_assert_int_eq(bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    &e), 0);
	bc_events_free(ev, n);
	bc_item_free(it);
	return (int64_t)n;
}

static void
verify_ok(const char *ref)
{
	struct bc_item *it = NULL;
	struct bc_verify_opts o;
	struct bc_verify_report rep;
	struct bc_err e = { 0 };
	size_t i;

	memset(&o, 0, sizeof(o));
	memset(&rep, 0, sizeof(rep));
	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	ck_assert_int_eq(bc_verify_item(cat, it, &o, &rep, &e), 0);
	for (i = 0; i < rep.nchecks; i++)
		ck_assert_msg(rep.checks[i].ok, "%s: %s: %s", ref,
		    rep.checks[i].name, rep.checks[i].detail);
	ck_assert_int_eq(rep.status, 0);
	bc_verify_report_clear(&rep);
	bc_item_free(it);
}

/*
 * The whole catalog audits clean: every stored log node is what the
 * records give (a leaf appended at the wrong place, or a node from a job
 * rolled back, would not be).
 */
static void
audit_ok(void)
{
	struct bc_audit_report rep;
	struct bc_err e = { 0 };
	size_t i;

	memset(&rep, 0, sizeof(rep));
	ck_assert_int_eq(bc_audit(cat, NULL, &rep, &e), 0);
	for (i = 0; i < rep.nfailures; i++)
		ck_assert_msg(0, "audit: %s: %s: %s", rep.failures[i].item,
		    rep.failures[i].check, rep.failures[i].reason);
	ck_assert_int_eq(rep.status, 0);
	bc_audit_report_clear(&rep);
}

struct runner {
	struct bc_writer	*w;
	struct note_job		 j;
	int			 rc;
	struct bc_err		 err;
};

static void *
run_one(void *arg)
{
	struct runner *r = arg;

	r->rc = bc_writer_run(r->w, note_job, &r->j, &r->err);
	return NULL;
}

START_TEST(test_job_rolled_back)
{
	struct bc_writer *w = NULL;
	struct note_job j;
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);

	ck_assert_int_eq(bc_writer_start(tu_path("c.db"), 0, &w, &e), 0);
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	j.fail_after = 1;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), BC_ERR_INVALID);
	ck_assert_str_eq(e.msg, "failed on purpose");
	/* it had written an event: nothing of it is left */
	ck_assert_int_eq(nevents(item1), before);
	/* and the chain goes on from where it was, cache or not */
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), 0);
	ck_assert_int_eq(j.res.seq, before);
	bc_writer_stop(w);
	ck_assert_int_eq(nevents(item1), before + 1);
	verify_ok(item1);
	audit_ok();
}
END_TEST

/*
 * While one slow job holds the writer, eight more arrive: they share the
 * next transaction, and the one that fails leaves nothing while the seven
 * others commit.
 */
START_TEST(test_batch)
{
	struct bc_writer *w = NULL;
	struct bc_writer_stats st;
	struct runner slow, rs[8];
	pthread_t ts, t[8];
	struct bc_err e = { 0 };
	int64_t before1 = nevents(item1), before2 = nevents(item2);
	size_t i;

	ck_assert_int_eq(bc_writer_start(tu_path("c.db"), 0, &w, &e), 0);
	memset(&slow, 0, sizeof(slow));
	slow.w = w;
	slow.j.ref = item2;
	slow.j.sleep_ms = 300;
	ck_assert_int_eq(pthread_create(&ts, NULL, run_one, &slow), 0);
	usleep(50 * 1000);
	for (i = 0; i < 8; i++) {
		memset(&rs[i], 0, sizeof(rs[i]));
		rs[i].w = w;
		rs[i].j.ref = item1;
		rs[i].j.fail_after = i == 3;
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_one, &rs[i]),
		    0);
	}
	pthread_join(ts, NULL);
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	bc_writer_get_stats(w, &st);
	bc_writer_stop(w);
	ck_assert_int_eq(slow.rc, 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(rs[i].rc, i == 3 ? BC_ERR_INVALID : 0);
	ck_assert_uint_eq(st.jobs, 9);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_msg(st.max_batch >= 2, "no batching: largest %llu",
	    (unsigned long long)st.max_batch);
	ck_assert_msg(st.batches < 9, "%llu transactions for 9 jobs",
	    (unsigned long long)st.batches);
	ck_assert_int_eq(nevents(item1), before1 + 7);
	ck_assert_int_eq(nevents(item2), before2 + 1);
	verify_ok(item1);
	verify_ok(item2);
	/* the failed job's leaf and nodes were undone, and the jobs after
	   it in the transaction appended where it had: no gap, no stray */
	audit_ok();
}
END_TEST

struct many {
	struct bc_writer	*w;
	const char		*ref;
	int			 n, failed;
	int64_t			 seqs[64];
};

static void *
run_many(void *arg)
{
	struct many *m = arg;
	struct note_job j;
	struct bc_err e;
	int i;

	for (i = 0; i < m->n; i++) {
		memset(&j, 0, sizeof(j));
		j.ref = m->ref;
		if (bc_writer_run(m->w, note_job, &j, &e) != 0)
			m->failed++;
		else
			m->seqs[i] = j.res.seq;
	}
	return NULL;
}

/* Many threads on two chains: every acknowledged event is there once,
 * at the seq it was given, and both chains verify. */
START_TEST(test_concurrent)
{
	struct bc_writer *w = NULL;
	struct many m[8];
	pthread_t t[8];
	struct bc_err e = { 0 };
	int64_t before1 = nevents(item1), before2 = nevents(item2);
	uint64_t size;
	uint8_t seen1[1024] = { 0 }, seen2[1024] = { 0 };
	int i, k;

	ck_assert_int_eq(bc_writer_start(tu_path("c.db"), 0, &w, &e), 0);
	for (i = 0; i < 8; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].w = w;
		m[i].ref = i % 2 ? item2 : item1;
		m[i].n = 40;
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_many, &m[i]),
		    0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	bc_writer_stop(w);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(m[i].failed, 0);
		for (k = 0; k < m[i].n; k++) {
			uint8_t *seen = i % 2 ? seen2 : seen1;

			ck_assert_int_lt(m[i].seqs[k], 1024);
			ck_assert_msg(!seen[m[i].seqs[k]], "seq %lld given "
			    "twice", (long long)m[i].seqs[k]);
			seen[m[i].seqs[k]] = 1;
		}
	}
	ck_assert_int_eq(nevents(item1), before1 + 160);
	ck_assert_int_eq(nevents(item2), before2 + 160);
	/* every record is a leaf: 2 manifests, their events, no key docs */
	ck_assert_int_eq(bc_catalog_log_size(cat, &size, &e), 0);
	ck_assert_uint_eq(size, 2 + (uint64_t)nevents(item1) +
	    (uint64_t)nevents(item2));
	verify_ok(item1);
	verify_ok(item2);
}
END_TEST

/* Another process appends to a chain the writer has cached: the next
 * append through the writer builds on the new head, not on its cache. */
START_TEST(test_cache_stale)
{
	struct bc_writer *w = NULL;
	struct bc_writer_stats st;
	struct note_job j;
	struct bc_custody_result res;
	struct bc_err e = { 0 };

	ck_assert_int_eq(bc_writer_start(tu_path("c.db"), 0, &w, &e), 0);
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), 0);
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), 0);
	bc_writer_get_stats(w, &st);
	ck_assert_uint_eq(st.cache_hits, 1);
	ck_assert_uint_eq(st.cache_misses, 1);

	tu_custody(cat, admin, item1, "note", NULL, NULL, NULL, NULL, &res);
	ck_assert_int_eq(res.seq, j.res.seq + 1);

	memset(&j, 0, sizeof(j));
	j.ref = item1;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), 0);
	ck_assert_int_eq(j.res.seq, res.seq + 1);
	bc_writer_get_stats(w, &st);
	ck_assert_uint_eq(st.cache_misses, 2);
	bc_writer_stop(w);
	verify_ok(item1);
}
END_TEST

/* The writer keeps the keyring; a key revoked by another process
 * meanwhile is refused all the same. */
START_TEST(test_keyring_revoked)
{
	struct bc_writer *w = NULL;
	struct bc_key *k = tu_new_key();
	struct note_job j;
	struct bc_err e = { 0 };
	int64_t before;

	ck_assert_int_eq(bc_key_authorise(cat, admin, k, "station.k",
	    BC_ROLE_CUSTODIAN, &e), 0);
	ck_assert_int_eq(bc_writer_start(tu_path("c.db"), 0, &w, &e), 0);
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	j.key = k;
	ck_assert_msg(bc_writer_run(w, note_job, &j, &e) == 0, "%s", e.msg);
	before = nevents(item1);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(k), "lost",
	    &e), 0);
	memset(&j, 0, sizeof(j));
	j.ref = item1;
	j.key = k;
	ck_assert_int_eq(bc_writer_run(w, note_job, &j, &e), BC_ERR_INVALID);
	ck_assert(tu_contains(e.msg, "may not record 'note'"));
	bc_writer_stop(w);
	ck_assert_int_eq(nevents(item1), before);
	verify_ok(item1);
	bc_key_free(k);
}
END_TEST

/*
 * Events signed elsewhere
 */

static struct bc_key *cust;

static void
signed_setup(void)
{
	struct bc_err e = { 0 };

	setup();
	cust = tu_new_key();
	ck_assert_int_eq(bc_key_authorise(cat, admin, cust, "officer.k",
	    BC_ROLE_CUSTODIAN, &e), 0);
}

static void
signed_teardown(void)
{
	bc_key_free(cust);
	cust = NULL;
	teardown();
}

/* An event for ref at the chain's head (or at seq/prev given), sealed. */
static void
make_event(const char *ref, const char *action, const char *at,
    const struct bc_key *key, int64_t seq, const char *prev,
    struct bc_signed *out)
{
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	json_t *doc = NULL, *details, *m = NULL;
	char now[BC_TIME_MAX];
	size_t n = 0;

	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	ck_assert_int_eq(bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    &e), 0);
	ck_assert_int_eq(bc_doc_parse(it->manifest, it->manifest_len,
	    BC_MANIFEST_TYPE, &m, &e), 0);
	details = json_pack("{s:s, s:s, s:s}", "sha256", bc_doc_str(m,
	    "file.sha256"), "station", "elsewhere", "outcome", "done");
	if (at == NULL) {
		bc_time_now(now);
		at = now;
	}
	ck_assert_int_eq(bc_event_build(it->manifest_hash,
	    seq >= 0 ? seq : (int64_t)n, prev != NULL ? prev :
	    n > 0 ? ev[n - 1].hash : it->manifest_hash, action, "off.jones",
	    at, details, bc_key_id(key), tu_origin(cat), &doc, &e), 0);
	ck_assert_int_eq(bc_doc_seal(doc, key, out, &e), 0);
	json_decref(details);
	json_decref(doc);
	json_decref(m);
	bc_events_free(ev, n);
	bc_item_free(it);
}

static int
append(const char *ref, const struct bc_signed *s, struct bc_err *e)
{
	struct bc_keyring *kr = NULL;
	struct bc_custody_result res;
	struct bc_err e2 = { 0 };
	int r;

	ck_assert_int_eq(bc_keyring_load(cat, &kr, &e2), 0);
	ck_assert_int_eq(bc_catalog_begin(cat, &e2), 0);
	r = bc_custody_append_signed(cat, NULL, kr, ref, s->text, s->len,
	    s->sig, sizeof(s->sig), &res, e);
	if (r == 0)
		ck_assert_int_eq(bc_catalog_commit(cat, &e2), 0);
	else
		bc_catalog_rollback(cat);
	bc_keyring_free(kr);
	return r;
}

START_TEST(test_signed_ok)
{
	struct bc_signed s = { 0 };
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);
	size_t n = 0;

	make_event(item1, "access", NULL, cust, -1, NULL, &s);
	ck_assert_msg(append(item1, &s, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(nevents(item1), before + 1);
	/* stored byte for byte, with its own signature */
	ck_assert_int_eq(bc_catalog_find_item(cat, item1, &it, &e), 0);
	ck_assert_int_eq(bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    &e), 0);
	ck_assert_uint_eq(ev[n - 1].body_len, s.len);
	ck_assert_mem_eq(ev[n - 1].body, s.text, s.len);
	ck_assert_mem_eq(ev[n - 1].sig, s.sig, sizeof(s.sig));
	ck_assert_str_eq(ev[n - 1].hash, s.hash);
	bc_events_free(ev, n);
	bc_item_free(it);
	verify_ok(item1);

	/* the same event again is stale: nothing recorded, no fork */
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_STALE);
	ck_assert_int_eq(nevents(item1), before + 1);
	bc_signed_clear(&s);
}
END_TEST

START_TEST(test_signed_stale)
{
	struct bc_signed s = { 0 }, s2 = { 0 };
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);

	make_event(item1, "access", NULL, cust, -1, NULL, &s);
	/* someone else appends first */
	tu_custody(cat, admin, item1, "note", NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_STALE);
	ck_assert(tu_contains(e.msg, "nothing recorded"));
	/* the right seq with an old prev is stale too */
	make_event(item1, "access", NULL, cust, before + 1, "0000000000000000"
	    "000000000000000000000000000000000000000000000000", &s2);
	ck_assert_int_eq(append(item1, &s2, &e), BC_ERR_STALE);
	ck_assert_int_eq(nevents(item1), before + 1);
	verify_ok(item1);
	bc_signed_clear(&s);
	bc_signed_clear(&s2);
}
END_TEST

START_TEST(test_signed_refused)
{
	struct bc_signed s = { 0 };
	struct bc_key *stranger = tu_new_key();
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);
	char far[BC_TIME_MAX];

	/* a key the catalog does not know */
	make_event(item1, "access", NULL, stranger, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INTEGRITY);
	bc_signed_clear(&s);

	/* a good event with a signature over other bytes */
	make_event(item1, "access", NULL, cust, -1, NULL, &s);
	s.sig[0] ^= 1;
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INTEGRITY);
	s.sig[0] ^= 1;
	/* ...appended under another item's path */
	ck_assert_int_eq(append(item2, &s, &e), BC_ERR_INVALID);
	ck_assert(tu_contains(e.msg, "another item"));
	bc_signed_clear(&s);

	/* a custodian may not sign a verification */
	make_event(item1, "verify", NULL, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INTEGRITY);
	bc_signed_clear(&s);

	/* a register or release event is never appended this way: each
	 * comes with what it records (an item, a bundle) */
	make_event(item1, "register", NULL, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	bc_signed_clear(&s);
	make_event(item1, "release", NULL, admin, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	ck_assert(tu_contains(e.msg, "cannot be appended"));
	bc_signed_clear(&s);

	/* the rules: unhold while not held */
	make_event(item1, "unhold", NULL, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	bc_signed_clear(&s);

	/* a time an hour ahead */
	bc_time_stamp(bc_now() + 3600, 0, far);
	make_event(item1, "access", far, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(e.msg, "ahead"), "%s", e.msg);

	/* bytes that are not canonical: one more space */
	{
		char *t = malloc(s.len + 2);

		ck_assert_ptr_nonnull(t);
		t[0] = ' ';
		memcpy(t + 1, s.text, s.len);
		free(s.text);
		s.text = t;
		s.len++;
		ck_assert_int_eq(append(item1, &s, &e), BC_ERR_MALFORMED);
	}
	bc_signed_clear(&s);
	ck_assert_int_eq(nevents(item1), before);
	verify_ok(item1);
	bc_key_free(stranger);
}
END_TEST

/*
 * A revoked key cannot sign by backdating: neither with a time before its
 * revocation (no signed time before the log's newest is taken, and none
 * far from now), nor with the time now (the key is revoked at the place
 * in the log the event would take).
 */
START_TEST(test_signed_revoked_backdated)
{
	struct bc_signed s = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);
	char then[BC_TIME_MAX];

	/* the time cust was added: when it could sign, by its own clock */
	ck_assert_int_eq(bc_keyring_load(cat, &kr, &e), 0);
	snprintf(then, sizeof(then), "%s", kr->last_at);
	bc_keyring_free(kr);
	ck_assert_msg(bc_key_revoke(cat, admin, bc_key_id(cust), "stolen",
	    &e) == 0, "%s", e.msg);
	make_event(item1, "access", then, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(e.msg, "before the newest record"), "%s",
	    e.msg);
	bc_signed_clear(&s);
	make_event(item1, "access", NULL, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "revoked"), "%s", e.msg);
	bc_signed_clear(&s);
	ck_assert_int_eq(nevents(item1), before);
	verify_ok(item1);
}
END_TEST

/* A time 10 minutes old is not now, even from a valid key. */
START_TEST(test_signed_old_time)
{
	struct bc_signed s = { 0 };
	struct bc_err e = { 0 };
	int64_t before = nevents(item1);
	char old[BC_TIME_MAX];

	bc_time_stamp(bc_now() - 600, 0, old);
	make_event(item1, "access", old, cust, -1, NULL, &s);
	ck_assert_int_eq(append(item1, &s, &e), BC_ERR_INVALID);
	ck_assert_msg(tu_contains(e.msg, "not now"), "%s", e.msg);
	bc_signed_clear(&s);
	ck_assert_int_eq(nevents(item1), before);
}
END_TEST

static Suite *
writer_suite(void)
{
	Suite *s = suite_create("writer");
	TCase *tc;

	tc = tu_tcase(s, "core", setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_job_rolled_back);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_cache_stale);
	tcase_add_test(tc, test_keyring_revoked);

	tc = tu_tcase(s, "signed", signed_setup, signed_teardown);
	tcase_add_test(tc, test_signed_ok);
	tcase_add_test(tc, test_signed_stale);
	tcase_add_test(tc, test_signed_refused);
	tcase_add_test(tc, test_signed_revoked_backdated);
	tcase_add_test(tc, test_signed_old_time);
	return s;
}

int
main(void)
{
	return tu_run_suite(writer_suite());
}
