/*
 * check_audit.c - bc_audit over a whole catalog: a clean one counts every
 * key document, item, event and signature and fails nothing, whatever the
 * number of threads; an edited event or manifest, a broken key document,
 * an orphan event row, deleted events, an event signed after its key's
 * revocation or with the wrong role, and a properly signed event that
 * breaks a custody rule are each reported under their own check; --files
 * counts matched, changed, missing and purged files; a catalog large
 * enough to go through the pipeline in several batches gives the same
 * report on one thread as on two, from one snapshot while another
 * connection writes; and more signers than a worker caches contexts for.
 * The clock is fixed with BODYCAM_NOW.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define T0		"2026-03-01T10:00:00Z"
#define T0_STAMP	"2026-03-01T10:00:00.000000Z"
#define SIZE_A		40000
#define SIZE_C		12345

static struct bc_key *admin, *cust, *aud;
static struct bc_catalog *cat;
static char *catpath;
static char station[256];

static void
authorise(const struct bc_key *k, const char *name, int role)
{
	tu_authorise(cat, admin, k, name, role);
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
	authorise(cust, "custodian", BC_ROLE_CUSTODIAN);
	authorise(aud, "auditor", BC_ROLE_AUDITOR);
	bc_station_name(station, sizeof(station));
}

static void
teardown(void)
{
	bc_catalog_close(cat);
	cat = NULL;
	bc_key_free(admin);
	bc_key_free(cust);
	bc_key_free(aud);
	admin = cust = aud = NULL;
	free(catpath);
	catpath = NULL;
	unsetenv("BODYCAM_NOW");
	tu_test_teardown();
}

static void
sql(const char *stmt)
{
	tu_sql_ok(catpath, stmt);
}

static void
register_file(const char *path, const char *want_id)
{
	tu_register(cat, admin, path, want_id, NULL);
}

static void
custody(const struct bc_key *key, const char *ref, const char *action,
    const char *to, const char *reason, const char *file,
    const char *outcome)
{
	tu_custody(cat, key, ref, action, to, reason, file, outcome, NULL);
}

/*
 * Five items, fourteen events, two key documents:
 *   BWC-000001  a.mp4   register access copy transfer derive  (5)
 *   BWC-000002  b.mp4   register hold note                    (3)
 *   BWC-000003  c.mp4   register access verify                (3)
 *   BWC-000004  d.mp4   register purge                        (2)
 *   BWC-000005  a-red.mp4, derived from BWC-000001: register  (1)
 */
#define N_KEYDOCS	2
#define N_ITEMS		5
#define N_EVENTS	14

static void
populate(void)
{
	ck_assert_int_eq(tu_write_pattern(tu_path("a.mp4"), SIZE_A), 0);
	ck_assert_int_eq(tu_write_str(tu_path("b.mp4"), "clip b, 17 bytes"),
	    0);
	ck_assert_int_eq(tu_write_pattern(tu_path("c.mp4"), SIZE_C), 0);
	ck_assert_int_eq(tu_write_str(tu_path("d.mp4"), "clip d"), 0);
	ck_assert_int_eq(tu_write_str(tu_path("a-red.mp4"), "a, redacted"),
	    0);
	register_file(tu_path("a.mp4"), "BWC-000001");
	register_file(tu_path("b.mp4"), "BWC-000002");
	register_file(tu_path("c.mp4"), "BWC-000003");
	register_file(tu_path("d.mp4"), "BWC-000004");
	custody(cust, "BWC-000001", "access", NULL, NULL, NULL, NULL);
	custody(cust, "BWC-000001", "copy", "prosecutor", NULL, NULL, NULL);
	custody(cust, "BWC-000001", "transfer", "det.jones", "reassigned",
	    NULL, NULL);
	custody(cust, "BWC-000002", "hold", NULL, "litigation", NULL, NULL);
	custody(cust, "BWC-000002", "note", NULL, NULL, NULL, NULL);
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	custody(aud, "BWC-000003", "verify", NULL, NULL, NULL, "passed");
	custody(cust, "BWC-000004", "purge", NULL, "retention expired", NULL,
	    NULL);
	custody(cust, "BWC-000001", "derive", NULL, "redaction",
	    tu_path("a-red.mp4"), NULL);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items"),
	    N_ITEMS);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    N_EVENTS);
}

struct progress {
	int64_t	calls, last_done, last_total;
	int	monotonic;
};

static void (*progress_hook)(int64_t, int64_t);	/* also called */

static void
on_progress(void *arg, int64_t done, int64_t total)
{
	struct progress *p = arg;

	if (progress_hook != NULL)
		progress_hook(done, total);

	if (done != p->last_done + 1)
		p->monotonic = 0;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

static void
run_audit(int threads, int files, struct progress *p,
    struct bc_audit_report *rep)
{
	struct bc_audit_opts opts;
	struct bc_err e = { 0 };
	int r;

	memset(&opts, 0, sizeof(opts));
	opts.threads = threads;
	opts.files = files;
	if (p != NULL) {
		memset(p, 0, sizeof(*p));
		p->monotonic = 1;
		opts.progress = on_progress;
		opts.progress_arg = p;
	}
	r = bc_audit(cat, &opts, rep, &e);
	ck_assert_msg(r == 0, "bc_audit: %s: %s", bc_strerror(r), e.msg);
	if (threads > 0)
		ck_assert_int_eq(rep->threads, threads);
	else
		ck_assert(rep->threads >= 1 &&
		    rep->threads <= BC_AUDIT_THREADS_MAX);
}

/* How many failures match (item, seq, check); NULL item: any item. */
static size_t
nfail(const struct bc_audit_report *rep, const char *item, int64_t seq,
    const char *check)
{
	size_t i, n = 0;

	for (i = 0; i < rep->nfailures; i++)
		if ((item == NULL ||
		    strcmp(rep->failures[i].item, item) == 0) &&
		    rep->failures[i].seq == seq &&
		    strcmp(rep->failures[i].check, check) == 0)
			n++;
	return n;
}

static const struct bc_audit_failure *
failure(const struct bc_audit_report *rep, const char *item, int64_t seq,
    const char *check)
{
	size_t i;

	for (i = 0; i < rep->nfailures; i++)
		if (strcmp(rep->failures[i].item, item) == 0 &&
		    rep->failures[i].seq == seq &&
		    strcmp(rep->failures[i].check, check) == 0)
			return &rep->failures[i];
	ck_abort_msg("no failure %s seq %lld %s", item, (long long)seq,
	    check);
	return NULL;
}

/* Prints the failures, for messages. */
static const char *
failures_str(const struct bc_audit_report *rep)
{
	static char buf[4096];
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < rep->nfailures && off < sizeof(buf); i++) {
		n = snprintf(buf + off, sizeof(buf) - off, "[%s %lld %s: %s] ",
		    rep->failures[i].item, (long long)rep->failures[i].seq,
		    rep->failures[i].check, rep->failures[i].reason);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* Two reports say exactly the same. */
static void
expect_same(const struct bc_audit_report *a, const struct bc_audit_report *b)
{
	size_t i;

	ck_assert_int_eq(a->status, b->status);
	ck_assert_int_eq(a->keydocs, b->keydocs);
	ck_assert_int_eq(a->items, b->items);
	ck_assert_int_eq(a->events, b->events);
	ck_assert_int_eq(a->signatures, b->signatures);
	ck_assert_int_eq(a->files_matched, b->files_matched);
	ck_assert_int_eq(a->files_changed, b->files_changed);
	ck_assert_int_eq(a->files_missing, b->files_missing);
	ck_assert_int_eq(a->files_purged, b->files_purged);
	ck_assert_uint_eq(a->nfailures, b->nfailures);
	for (i = 0; i < a->nfailures; i++) {
		ck_assert_str_eq(a->failures[i].item, b->failures[i].item);
		ck_assert_int_eq(a->failures[i].seq, b->failures[i].seq);
		ck_assert_str_eq(a->failures[i].check, b->failures[i].check);
		ck_assert_str_eq(a->failures[i].reason, b->failures[i].reason);
	}
}

/* --- a clean catalog ---------------------------------------------------- */

START_TEST(test_clean)
{
	static const int threads[] = { 1, 4, 0 };
	struct bc_audit_report rep, first;
	struct progress p;
	size_t i;

	populate();
	memset(&first, 0, sizeof(first));
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		run_audit(threads[i], 0, &p, &rep);
		ck_assert_msg(rep.status == 0 && rep.nfailures == 0,
		    "threads %d: %s", threads[i], failures_str(&rep));
		ck_assert_int_eq(rep.keydocs, N_KEYDOCS);
		ck_assert_int_eq(rep.items, N_ITEMS);
		ck_assert_int_eq(rep.events, N_EVENTS);
		/* every key document, manifest and event */
		ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS +
		    N_EVENTS);
		ck_assert_int_eq(rep.files_matched, 0);
		ck_assert_int_eq(rep.files_changed, 0);
		ck_assert_int_eq(rep.files_missing, 0);
		ck_assert_int_eq(rep.files_purged, 0);
		ck_assert_ptr_null(rep.failures);
		/* one progress call per item */
		ck_assert_int_eq(p.calls, N_ITEMS);
		ck_assert_int_eq(p.last_done, N_ITEMS);
		ck_assert_int_eq(p.last_total, N_ITEMS);
		ck_assert(p.monotonic);
		if (i == 0)
			first = rep;
		else {
			expect_same(&first, &rep);
			bc_audit_report_clear(&rep);
		}
	}
	bc_audit_report_clear(&first);
	ck_assert_int_eq(first.items, 0);
	bc_audit_report_clear(NULL);

	/* no progress function, no options at all */
	{
		struct bc_err e = { 0 };

		ck_assert_int_eq(bc_audit(cat, NULL, &rep, &e), 0);
		ck_assert_int_eq(rep.status, 0);
		ck_assert_int_eq(rep.events, N_EVENTS);
		bc_audit_report_clear(&rep);
	}
	/* the audit's read snapshot is over: the catalog takes writes */
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, 0);
	ck_assert_int_eq(rep.events, N_EVENTS + 1);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS + 1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_empty)
{
	struct bc_audit_report rep;
	struct bc_audit_opts opts;
	struct bc_err e = { 0 };

	run_audit(2, 1, NULL, &rep);
	ck_assert_int_eq(rep.status, 0);
	ck_assert_int_eq(rep.keydocs, N_KEYDOCS);
	ck_assert_int_eq(rep.items, 0);
	ck_assert_int_eq(rep.events, 0);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS);
	ck_assert_uint_eq(rep.nfailures, 0);
	bc_audit_report_clear(&rep);

	/* threads: capped, and a default for none */
	memset(&opts, 0, sizeof(opts));
	opts.threads = BC_AUDIT_THREADS_MAX + 36;
	ck_assert_int_eq(bc_audit(cat, &opts, &rep, &e), 0);
	ck_assert_int_eq(rep.threads, BC_AUDIT_THREADS_MAX);
	bc_audit_report_clear(&rep);
	opts.threads = -3;
	ck_assert_int_eq(bc_audit(cat, &opts, &rep, &e), 0);
	ck_assert(rep.threads >= 1 && rep.threads <= BC_AUDIT_THREADS_MAX);
	bc_audit_report_clear(&rep);
}
END_TEST

/* --- what is reported --------------------------------------------------- */

START_TEST(test_tampered_event)
{
	struct bc_audit_report rep, rep4;
	const struct bc_audit_failure *f;
	size_t i;

	populate();
	/* BWC-000002's hold: same length, still canonical */
	sql("DROP TRIGGER events_no_update;"
	    "UPDATE events SET body = replace(body, 'litigation', "
	    "'litigatiom') WHERE seq = 1 AND item = (SELECT manifest_hash "
	    "FROM items WHERE id = 'BWC-000002');");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events "
	    "WHERE instr(body, 'litigatiom') > 0"), 1);
	run_audit(1, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(nfail(&rep, "BWC-000002", 1, "event-hash") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "BWC-000002", 1, "event-hash");
	ck_assert_msg(tu_contains(f->reason, "hashes to"), "%s", f->reason);
	/* the signature no longer verifies, the next link is broken */
	ck_assert_uint_eq(nfail(&rep, "BWC-000002", 1, "event-signature"), 1);
	ck_assert_uint_eq(nfail(&rep, "BWC-000002", 2, "event-link"), 1);
	/* its bytes no longer give its leaf in the transparency log */
	ck_assert_uint_eq(nfail(&rep, "BWC-000002", 1, "log-leaf"), 1);
	f = failure(&rep, "BWC-000002", 1, "log-leaf");
	ck_assert_int_eq(f->leaf, tu_sql_int(catpath, "SELECT leaf FROM events"
	    " WHERE seq = 1 AND item = (SELECT manifest_hash FROM items WHERE"
	    " id = 'BWC-000002')"));
	/* and nothing else, nowhere else */
	for (i = 0; i < rep.nfailures; i++)
		ck_assert_msg(strcmp(rep.failures[i].item, "BWC-000002") == 0,
		    "%s", failures_str(&rep));
	ck_assert_uint_eq(rep.nfailures, 4);
	ck_assert_int_eq(rep.items, N_ITEMS);
	ck_assert_int_eq(rep.events, N_EVENTS);
	/* key documents, manifests and events: all but the edited one */
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS - 1);
	run_audit(4, 0, NULL, &rep4);
	expect_same(&rep, &rep4);
	bc_audit_report_clear(&rep);
	bc_audit_report_clear(&rep4);
}
END_TEST

START_TEST(test_tampered_manifest)
{
	struct bc_audit_report rep;
	size_t i;

	populate();
	sql("DROP TRIGGER items_no_update;"
	    "UPDATE items SET manifest = replace(manifest, '\"O-17\"', "
	    "'\"O-71\"') WHERE id = 'BWC-000003';");
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(nfail(&rep, "BWC-000003", -1, "manifest-hash") == 1 &&
	    nfail(&rep, "BWC-000003", -1, "manifest-signature") == 1 &&
	    nfail(&rep, "BWC-000003", -1, "log-leaf") == 1,
	    "%s", failures_str(&rep));
	for (i = 0; i < rep.nfailures; i++)
		ck_assert_msg(strcmp(rep.failures[i].item, "BWC-000003") == 0,
		    "%s", failures_str(&rep));
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS - 1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_broken_keydoc)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;

	populate();
	/* the auditor's key document (seq 1) now says admin */
	sql("DROP TRIGGER keydocs_no_update;"
	    "UPDATE keydocs SET body = replace(body, '\"auditor\"', "
	    "'\"admin\"') WHERE seq = 1;");
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(nfail(&rep, "keys", 1, "keyring") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "keys", 1, "keyring");
	ck_assert_msg(tu_contains(f->reason, "key document 1"), "%s",
	    f->reason);
	ck_assert_int_eq(rep.keydocs, 1);	/* what verified */
	/* the keys before it still count: only the auditor's event fails */
	ck_assert_msg(nfail(&rep, "BWC-000003", 2, "event-signature") == 1 &&
	    nfail(&rep, "keys", 1, "log-leaf") == 1 &&
	    rep.nfailures == 3, "%s", failures_str(&rep));
	/* one key document less, and the auditor's event */
	ck_assert_int_eq(rep.signatures, 1 + N_ITEMS + N_EVENTS - 1);
	ck_assert_int_eq(rep.items, N_ITEMS);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_orphan_event)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;

	populate();
	sql("PRAGMA foreign_keys = OFF;"
	    "INSERT INTO events (item, seq, hash, body, signature, key) "
	    "VALUES ('fedcba9876543210fedcba9876543210fedcba9876543210fedcba"
	    "9876543210', 3, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	    "eeeeeeeeeeeeeeee', '{}', x'00', 'nokey');");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    N_EVENTS + 1);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	/* an orphan, and a row that never went into the log */
	ck_assert_msg(rep.nfailures == 2 &&
	    nfail(&rep, "log", 3, "log-record") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "fedcba9876543210", 3, "orphan-event");
	ck_assert_msg(tu_contains(f->reason, "not in the catalog"), "%s",
	    f->reason);
	/* the items themselves are sound */
	ck_assert_int_eq(rep.items, N_ITEMS);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS);
	bc_audit_report_clear(&rep);
}
END_TEST

/*
 * An insider who deletes an event and adds an orphan row keeps the
 * table's count: the orphan is still found (audit searches the rows only
 * when the events it read fall short of the count).
 */
START_TEST(test_orphan_beside_deleted)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;

	populate();
	sql("DROP TRIGGER events_no_delete; PRAGMA foreign_keys = OFF;"
	    "DELETE FROM events WHERE seq = 1 AND item = (SELECT manifest_hash"
	    " FROM items WHERE id = 'BWC-000002');"
	    "INSERT INTO events (item, seq, hash, body, signature, key) "
	    "VALUES ('fedcba9876543210fedcba9876543210fedcba9876543210fedcba"
	    "9876543210', 3, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	    "eeeeeeeeeeeeeeee', '{}', x'00', 'nokey');");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    N_EVENTS);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	f = failure(&rep, "fedcba9876543210", 3, "orphan-event");
	ck_assert_msg(tu_contains(f->reason, "not in the catalog"), "%s",
	    f->reason);
	ck_assert_int_eq(nfail(&rep, NULL, 3, "orphan-event"), 1);
	ck_assert_int_eq(nfail(&rep, "BWC-000002", 2, "event-link"), 1);
	ck_assert_int_eq(rep.events, N_EVENTS - 1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_rule_violation)
{
	struct bc_audit_report rep, rep1;
	const struct bc_audit_failure *f;
	struct bc_item *it = NULL;
	json_t *d;

	populate();
	/* an 'access' after BWC-000004's purge, hashed, linked, signed */
	ck_assert_int_eq(bc_catalog_find_item(cat, "BWC-000004", &it, NULL),
	    0);
	d = json_pack("{s:s, s:s, s:s}", "sha256", it->sha256, "station",
	    station, "outcome", "done");
	ck_assert_ptr_nonnull(d);
	tu_store_event(cat, cust, "BWC-000004", "access", T0_STAMP, d);
	json_decref(d);
	bc_item_free(it);

	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(rep.nfailures == 1 &&
	    nfail(&rep, "BWC-000004", 2, "event-rule") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "BWC-000004", 2, "event-rule");
	ck_assert_msg(tu_contains(f->reason, "purged") &&
	    tu_contains(f->reason, "access"), "%s", f->reason);
	ck_assert_uint_eq(nfail(&rep, NULL, 2, "event-signature"), 0);
	ck_assert_uint_eq(nfail(&rep, NULL, 2, "event-link"), 0);
	ck_assert_uint_eq(nfail(&rep, NULL, 2, "event-hash"), 0);
	/* its signature is good and counted */
	ck_assert_int_eq(rep.events, N_EVENTS + 1);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS + 1);
	run_audit(1, 0, NULL, &rep1);
	expect_same(&rep, &rep1);
	bc_audit_report_clear(&rep);
	bc_audit_report_clear(&rep1);
}
END_TEST

START_TEST(test_wrong_role_signature)
{
	struct bc_audit_report rep;
	struct bc_item *it = NULL;
	json_t *d;

	populate();
	/* a well-formed 'access' signed by the auditor: wrong role */
	ck_assert_int_eq(bc_catalog_find_item(cat, "BWC-000003", &it, NULL),
	    0);
	d = json_pack("{s:s, s:s, s:s}", "sha256", it->sha256, "station",
	    station, "outcome", "done");
	tu_store_event(cat, aud, "BWC-000003", "access", T0_STAMP, d);
	json_decref(d);
	bc_item_free(it);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(rep.nfailures == 1 &&
	    nfail(&rep, "BWC-000003", 3, "event-signature") == 1, "%s",
	    failures_str(&rep));
	ck_assert_msg(tu_contains(rep.failures[0].reason, "has role auditor"),
	    "%s", rep.failures[0].reason);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_revoked_signer)
{
	struct bc_audit_report rep;
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };
	json_t *d;

	populate();
	setenv("BODYCAM_NOW", "2026-03-02T00:00:00Z", 1);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(cust), "lost",
	    &e), 0);
	/* what the key signed before its revocation still stands */
	run_audit(2, 0, NULL, &rep);
	ck_assert_msg(rep.status == 0 && rep.nfailures == 0, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.keydocs, N_KEYDOCS + 1);
	bc_audit_report_clear(&rep);
	/* an event it signed afterwards does not */
	ck_assert_int_eq(bc_catalog_find_item(cat, "BWC-000003", &it, NULL),
	    0);
	d = json_pack("{s:s, s:s, s:s}", "sha256", it->sha256, "station",
	    station, "outcome", "done");
	tu_store_event(cat, cust, "BWC-000003", "access",
	    "2026-03-03T00:00:00.000000Z", d);
	json_decref(d);
	bc_item_free(it);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_msg(rep.nfailures == 1 &&
	    nfail(&rep, "BWC-000003", 3, "event-signature") == 1, "%s",
	    failures_str(&rep));
	ck_assert_msg(tu_contains(rep.failures[0].reason, "revocation"), "%s",
	    rep.failures[0].reason);
	/* three key documents now; the late event's signature fails */
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + 1 + N_ITEMS + N_EVENTS);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_deleted_events)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;

	populate();
	/* BWC-000002's hold (seq 1) removed: the note no longer follows */
	sql("DROP TRIGGER events_no_delete;"
	    "DELETE FROM events WHERE seq = 1 AND item = (SELECT manifest_hash"
	    " FROM items WHERE id = 'BWC-000002');");
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	/* the chain breaks, the log still holds the deleted leaf, and the
	   derived status still says held */
	ck_assert_msg(rep.nfailures == 3 &&
	    nfail(&rep, "BWC-000002", 2, "event-link") == 1 &&
	    nfail(&rep, "BWC-000002", 1, "status") == 1 &&
	    nfail(&rep, "log", -1, "log-record") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "BWC-000002", 2, "event-link");
	ck_assert_msg(tu_contains(f->reason, "where 1 was due"), "%s",
	    f->reason);
	f = failure(&rep, "log", -1, "log-record");
	ck_assert_msg(tu_contains(f->reason, "no record holds it") &&
	    f->leaf >= 0, "%s", f->reason);
	ck_assert_int_eq(rep.events, N_EVENTS - 1);
	bc_audit_report_clear(&rep);

	/* and all of BWC-000003's: an item without its genesis */
	sql("DELETE FROM events WHERE item = (SELECT manifest_hash"
	    " FROM items WHERE id = 'BWC-000003');");
	run_audit(2, 0, NULL, &rep);
	ck_assert_msg(rep.nfailures == 7 &&
	    nfail(&rep, "BWC-000002", 2, "event-link") == 1 &&
	    nfail(&rep, "BWC-000002", 1, "status") == 1 &&
	    nfail(&rep, "BWC-000003", -1, "chain") == 1 &&
	    nfail(&rep, "log", -1, "log-record") == 4, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.items, N_ITEMS);
	ck_assert_int_eq(rep.events, N_EVENTS - 4);
	bc_audit_report_clear(&rep);
}
END_TEST

/* --- files -------------------------------------------------------------- */

START_TEST(test_files)
{
	struct bc_audit_report rep, rep1;
	const struct bc_audit_failure *f;
	int fd;

	populate();
	/* BWC-000004's purge was only recorded (bc_custody_add): its file
	 * is still there, and whatever is at its path is reported */
	run_audit(2, 1, NULL, &rep);
	ck_assert_msg(rep.status == BC_ERR_INTEGRITY && rep.nfailures == 1 &&
	    nfail(&rep, "BWC-000004", -1, "purged-but-present") == 1, "%s",
	    failures_str(&rep));
	f = failure(&rep, "BWC-000004", -1, "purged-but-present");
	ck_assert_msg(tu_contains(f->reason, "sealed file is still at") &&
	    tu_contains(f->reason, "d.mp4"), "%s", f->reason);
	ck_assert_int_eq(rep.files_purged, 1);
	bc_audit_report_clear(&rep);
	ck_assert_int_eq(tu_write_str(tu_path("d.mp4"), "not clip d"), 0);
	run_audit(2, 1, NULL, &rep);
	f = failure(&rep, "BWC-000004", -1, "purged-but-present");
	ck_assert_msg(tu_contains(f->reason, "another file"), "%s",
	    f->reason);
	bc_audit_report_clear(&rep);
	ck_assert_int_eq(unlink(tu_path("d.mp4")), 0);
	ck_assert_int_eq(symlink(tu_path("a.mp4"), tu_path("d.mp4")), 0);
	run_audit(2, 1, NULL, &rep);
	f = failure(&rep, "BWC-000004", -1, "purged-but-present");
	ck_assert_msg(tu_contains(f->reason, "symbolic link"), "%s",
	    f->reason);
	bc_audit_report_clear(&rep);

	/* the path empty: clean */
	ck_assert_int_eq(unlink(tu_path("d.mp4")), 0);
	run_audit(2, 1, NULL, &rep);
	ck_assert_msg(rep.status == 0 && rep.nfailures == 0, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.files_matched, 4);
	ck_assert_int_eq(rep.files_changed, 0);
	ck_assert_int_eq(rep.files_missing, 0);
	ck_assert_int_eq(rep.files_purged, 1);		/* BWC-000004 */
	bc_audit_report_clear(&rep);

	/* BWC-000001: one byte; BWC-000002: rewritten shorter;
	 * BWC-000003: gone; BWC-000004: purged, gone too */
	ck_assert_int_ne(fd = open(tu_path("a.mp4"), O_WRONLY), -1);
	ck_assert_int_eq(pwrite(fd, "Z", 1, SIZE_A / 3), 1);
	close(fd);
	ck_assert_int_eq(tu_write_str(tu_path("b.mp4"), "rewritten"), 0);
	ck_assert_int_eq(unlink(tu_path("c.mp4")), 0);

	run_audit(2, 1, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_int_eq(rep.files_matched, 1);		/* BWC-000005 */
	ck_assert_int_eq(rep.files_changed, 2);
	ck_assert_int_eq(rep.files_missing, 1);
	ck_assert_int_eq(rep.files_purged, 1);
	ck_assert_msg(rep.nfailures == 4 &&
	    nfail(&rep, "BWC-000001", -1, "file-hash") == 1 &&
	    nfail(&rep, "BWC-000002", -1, "file-size") == 1 &&
	    nfail(&rep, "BWC-000002", -1, "file-hash") == 1 &&
	    nfail(&rep, "BWC-000003", -1, "file-present") == 1, "%s",
	    failures_str(&rep));
	ck_assert_uint_eq(nfail(&rep, "BWC-000001", -1, "file-size"), 0);
	f = failure(&rep, "BWC-000003", -1, "file-present");
	ck_assert_msg(tu_contains(f->reason, "c.mp4"), "%s", f->reason);
	f = failure(&rep, "BWC-000002", -1, "file-size");
	ck_assert_msg(tu_contains(f->reason, "9 bytes"), "%s", f->reason);
	/* the records are still sound */
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + N_ITEMS + N_EVENTS);
	run_audit(1, 1, NULL, &rep1);
	expect_same(&rep, &rep1);
	bc_audit_report_clear(&rep);
	bc_audit_report_clear(&rep1);

	/* without --files, the files are not looked at */
	run_audit(2, 0, NULL, &rep);
	ck_assert_msg(rep.status == 0 && rep.nfailures == 0, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.files_matched + rep.files_changed +
	    rep.files_missing + rep.files_purged, 0);
	bc_audit_report_clear(&rep);
}
END_TEST

/* --- several batches ---------------------------------------------------- */

#define BIG_ITEMS	120
#define BIG_EVENTS	80	/* per item, the genesis included */
#define BIG_TAMPERED	"BWC-000070"	/* in the fifth of six batches */
#define BIG_SEQ		40

static void
big_event(const struct bc_key *key, const char *item, int64_t seq,
    char prev[BC_SHA256_HEX], const char *action, json_t *details)
{
	tu_add_event(cat, key, key, item, seq, prev, "clerk", action, T0_STAMP,
	    details);
}

/*
 * An item as register.c would store it, with nevents events: the genesis
 * by the admin key, then 'access' events signed in turn by signers[]
 * (nsigners of them), all at T0.
 */
static void
make_item(int64_t nevents, struct bc_key *const *signers, size_t nsigners)
{
	struct bc_manifest_in in;
	struct bc_signed man = { 0 };
	struct bc_item row;
	struct bc_status status;
	struct bc_err e = { 0 };
	uint8_t digest[BC_SHA256_LEN];
	json_t *mdoc = NULL, *reg, *acc;
	char content[64], path[128], id[BC_ITEM_ID_MAX], sha[BC_SHA256_HEX];
	char prev[BC_SHA256_HEX];
	int64_t num, seq;
	int len;

	ck_assert_int_eq(bc_catalog_next_item_num(cat, &num, &e), 0);
	snprintf(id, sizeof(id), "BWC-%06lld", (long long)num);
	snprintf(path, sizeof(path), "/nonexistent/big-%06lld.mp4",
	    (long long)num);
	len = snprintf(content, sizeof(content), "big item %lld\n",
	    (long long)num);
	ck_assert_int_eq(bc_sha256(content, (size_t)len, digest), 0);
	bc_hex(digest, sizeof(digest), sha);

	memset(&in, 0, sizeof(in));
	in.id = id;
	in.file_name = bc_basename(path);
	in.size = (uint64_t)len;
	in.sha256 = sha;
	in.mime = "video/mp4";
	in.registered_at = T0_STAMP;
	in.station = "big";
	in.key_id = bc_key_id(admin);
	in.log = tu_origin(cat);
	ck_assert_int_eq(bc_manifest_build(&in, &mdoc, &e), 0);
	ck_assert_int_eq(bc_doc_seal(mdoc, admin, &man, &e), 0);
	memset(&row, 0, sizeof(row));
	row.num = num;
	snprintf(row.id, sizeof(row.id), "%s", id);
	snprintf(row.sha256, sizeof(row.sha256), "%s", sha);
	row.size = len;
	row.path = path;
	row.manifest = man.text;
	row.manifest_len = man.len;
	snprintf(row.manifest_hash, sizeof(row.manifest_hash), "%s",
	    man.hash);
	row.sig = man.sig;
	row.siglen = sizeof(man.sig);
	snprintf(row.key, sizeof(row.key), "%s", bc_key_id(admin));
	row.registered = (char *)T0_STAMP;
	ck_assert_msg(bc_catalog_add_item(cat, &row, &e) == 0, "%s", e.msg);
	/* its status row, as register writes it */
	bc_status_make(num, man.hash, id, mdoc, NULL, 0, 0, 0, "", &status);
	ck_assert_msg(bc_catalog_put_status(cat, &status, &e) == 0, "%s",
	    e.msg);

	reg = json_pack("{s:s, s:s}", "sha256", sha, "station", "big");
	acc = json_pack("{s:s, s:s, s:s}", "outcome", "done", "sha256", sha,
	    "station", "big");
	ck_assert(reg != NULL && acc != NULL);
	snprintf(prev, sizeof(prev), "%s", man.hash);
	big_event(admin, man.hash, 0, prev, "register", reg);
	for (seq = 1; seq < nevents; seq++)
		big_event(signers[(size_t)(seq - 1) % nsigners], man.hash, seq,
		    prev, "access", acc);
	json_decref(reg);
	json_decref(acc);
	json_decref(mdoc);
	bc_signed_clear(&man);
}

/*
 * Writes through connections of its own while an audit runs: at the first
 * item judged, an event on an item the walk has not reached yet and a new
 * item; at the last, after the walk, an orphan event row.
 */
static int wrote_during;

static void
write_during_audit(int64_t done, int64_t total)
{
	struct bc_catalog *c2 = NULL;
	struct bc_custody_req q;
	struct bc_custody_result res;
	struct bc_register_opts ro;
	struct bc_register_result rr;
	struct bc_err e = { 0 };
	int r;

	if (done == total)
		sql("PRAGMA foreign_keys = OFF;"
		    "INSERT INTO events (item, seq, hash, body, signature, key) "
		    "VALUES ('fedcba9876543210fedcba9876543210fedcba9876543210"
		    "fedcba9876543210', 0, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
		    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', '{}', x'00', 'k');");
	if (wrote_during++)
		return;
	ck_assert_int_eq(bc_catalog_open(catpath, &c2, &e), 0);
	memset(&q, 0, sizeof(q));
	q.action = "access";
	q.actor = "meanwhile";
	r = bc_custody_add(c2, cust, "BWC-000110", &q, &res, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_int_eq(res.seq, BIG_EVENTS);
	ck_assert_int_eq(tu_write_str(tu_path("late.mp4"), "late"), 0);
	memset(&ro, 0, sizeof(ro));
	ro.actor = "dock";
	r = bc_register(c2, admin, tu_path("late.mp4"), &ro, &rr, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_str_eq(rr.id, "BWC-000121");
	bc_catalog_close(c2);
}

START_TEST(test_batches)
{
	struct bc_audit_report rep1, rep2;
	struct bc_verify_report vr;
	struct bc_verify_opts vo;
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };
	struct progress p;
	char stmt[512];
	size_t i, j, found;
	int k;

	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	for (k = 0; k < BIG_ITEMS; k++)
		make_item(BIG_EVENTS, &cust, 1);
	ck_assert_int_eq(bc_catalog_commit(cat, &e), 0);
	snprintf(stmt, sizeof(stmt), "DROP TRIGGER events_no_update;"
	    "UPDATE events SET body = replace(body, '\"clerk\"', "
	    "'\"klerc\"') WHERE seq = %d AND item = (SELECT manifest_hash "
	    "FROM items WHERE id = '%s');", BIG_SEQ, BIG_TAMPERED);
	sql(stmt);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events "
	    "WHERE instr(body, 'klerc') > 0"), 1);

	run_audit(2, 0, NULL, &rep2);
	/* one snapshot: what is written meanwhile is not seen */
	wrote_during = 0;
	progress_hook = write_during_audit;
	run_audit(1, 0, &p, &rep1);
	progress_hook = NULL;
	ck_assert_int_eq(wrote_during, BIG_ITEMS);
	ck_assert_int_eq(p.calls, BIG_ITEMS);
	ck_assert_int_eq(p.last_total, BIG_ITEMS);
	ck_assert(p.monotonic);
	expect_same(&rep1, &rep2);

	ck_assert_int_eq(rep1.status, BC_ERR_INTEGRITY);
	ck_assert_int_eq(rep1.keydocs, N_KEYDOCS);
	ck_assert_int_eq(rep1.items, BIG_ITEMS);
	ck_assert_int_eq(rep1.events, BIG_ITEMS * BIG_EVENTS);
	ck_assert_int_eq(rep1.signatures, N_KEYDOCS +
	    BIG_ITEMS * (BIG_EVENTS + 1) - 1);
	/* reported once, with what follows from it, and nothing else */
	ck_assert_msg(nfail(&rep1, NULL, BIG_SEQ, "event-hash") == 1 &&
	    nfail(&rep1, BIG_TAMPERED, BIG_SEQ, "event-hash") == 1 &&
	    nfail(&rep1, BIG_TAMPERED, BIG_SEQ, "event-signature") == 1 &&
	    nfail(&rep1, BIG_TAMPERED, BIG_SEQ + 1, "event-link") == 1 &&
	    nfail(&rep1, BIG_TAMPERED, BIG_SEQ, "log-leaf") == 1 &&
	    rep1.nfailures == 4, "%s", failures_str(&rep1));

	/*
	 * The same as verifying that item on its own, but for the log: audit
	 * recomputes the whole log (log-leaf), verify proves the item's
	 * records against the latest checkpoint (log-inclusion).
	 */
	ck_assert_int_eq(bc_catalog_find_item(cat, BIG_TAMPERED, &it, &e), 0);
	memset(&vo, 0, sizeof(vo));
	vo.no_file = 1;
	vo.failures_only = 1;
	ck_assert_int_eq(bc_verify_item(cat, it, &vo, &vr, &e), 0);
	ck_assert_uint_eq(vr.nchecks, rep1.nfailures);
	ck_assert_str_eq(vr.checks[vr.nchecks - 1].name, "log-inclusion");
	ck_assert_int_eq(vr.checks[vr.nchecks - 1].seq, BIG_SEQ);
	for (i = 0; i + 1 < vr.nchecks; i++) {
		for (j = 0, found = 0; j < rep1.nfailures; j++)
			found += strcmp(vr.checks[i].name,
			    rep1.failures[j].check) == 0 &&
			    vr.checks[i].seq == rep1.failures[j].seq &&
			    strcmp(vr.checks[i].detail,
			    rep1.failures[j].reason) == 0;
		ck_assert_msg(found == 1, "%s %lld", vr.checks[i].name,
		    (long long)vr.checks[i].seq);
	}
	bc_verify_report_clear(&vr);
	bc_item_free(it);
	bc_audit_report_clear(&rep1);
	bc_audit_report_clear(&rep2);

	/* the next audit sees the writes: sound, but for the orphan */
	run_audit(2, 0, NULL, &rep2);
	ck_assert_int_eq(rep2.items, BIG_ITEMS + 1);
	ck_assert_int_eq(rep2.events, BIG_ITEMS * BIG_EVENTS + 2);
	ck_assert_int_eq(rep2.signatures, N_KEYDOCS + (BIG_ITEMS + 1) +
	    BIG_ITEMS * BIG_EVENTS + 2 - 1);
	ck_assert_msg(rep2.nfailures == 6 && nfail(&rep2, "fedcba9876543210",
	    0, "orphan-event") == 1 && nfail(&rep2, "log", 0, "log-record") == 1,
	    "%s", failures_str(&rep2));
	bc_audit_report_clear(&rep2);
}
END_TEST

/*
 * A forged signature (the bytes intact, the signature replaced) wherever
 * the work is split: the first record of all, one in the middle of a
 * batch, the last record of a batch and the first of the next (batches
 * close at about 4096 records, here after item 51 of 81 records each),
 * and the very last record.  Each is reported once, under its own item
 * and seq, by any number of threads, and nothing else is.
 */
static void
forge_event(const char *item, int64_t seq)
{
	char stmt[512];

	snprintf(stmt, sizeof(stmt), "DROP TRIGGER IF EXISTS events_no_update;"
	    "UPDATE events SET signature = randomblob(64) WHERE seq = %lld AND"
	    " item = (SELECT manifest_hash FROM items WHERE id = '%s');",
	    (long long)seq, item);
	sql(stmt);
}

static void
forge_manifest(const char *item)
{
	char stmt[512];

	snprintf(stmt, sizeof(stmt), "DROP TRIGGER IF EXISTS items_no_update;"
	    "UPDATE items SET signature = randomblob(64) WHERE id = '%s';",
	    item);
	sql(stmt);
}

START_TEST(test_forged_at_edges)
{
	static const struct {
		const char	*item;
		int64_t		 seq;	/* -1: the manifest */
	} forged[] = {
		{ "BWC-000001", -1 },
		{ "BWC-000001", 0 },
		{ "BWC-000025", BIG_SEQ },
		{ "BWC-000051", BIG_EVENTS - 1 },
		{ "BWC-000052", -1 },
		{ "BWC-000052", 0 },
		{ "BWC-000120", BIG_EVENTS - 1 },
	};
	static const int threads[] = { 1, 2, 3, 0 };
	const size_t nforged = sizeof(forged) / sizeof(forged[0]);
	struct bc_audit_report rep;
	struct bc_err e = { 0 };
	size_t i, t;
	int k;

	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	for (k = 0; k < BIG_ITEMS; k++)
		make_item(BIG_EVENTS, &cust, 1);
	ck_assert_int_eq(bc_catalog_commit(cat, &e), 0);
	for (i = 0; i < nforged; i++) {
		if (forged[i].seq < 0)
			forge_manifest(forged[i].item);
		else
			forge_event(forged[i].item, forged[i].seq);
	}
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		run_audit(threads[t], 0, NULL, &rep);
		ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
		ck_assert_int_eq(rep.items, BIG_ITEMS);
		ck_assert_int_eq(rep.events, BIG_ITEMS * BIG_EVENTS);
		ck_assert_int_eq(rep.signatures, N_KEYDOCS +
		    BIG_ITEMS * (BIG_EVENTS + 1) - (int64_t)nforged);
		for (i = 0; i < nforged; i++)
			ck_assert_msg(nfail(&rep, forged[i].item, forged[i].seq,
			    forged[i].seq < 0 ? "manifest-signature" :
			    "event-signature") == 1, "threads %d: %s %lld: %s",
			    threads[t], forged[i].item,
			    (long long)forged[i].seq, failures_str(&rep));
		ck_assert_msg(rep.nfailures == nforged, "threads %d: %s",
		    threads[t], failures_str(&rep));
		bc_audit_report_clear(&rep);
	}
}
END_TEST

/* A catalog of one item of one event: a forged genesis is still seen. */
START_TEST(test_forged_single)
{
	struct bc_audit_report rep;
	struct bc_err e = { 0 };

	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	make_item(1, &cust, 1);
	ck_assert_int_eq(bc_catalog_commit(cat, &e), 0);
	run_audit(2, 0, NULL, &rep);
	ck_assert_msg(rep.status == 0 && rep.nfailures == 0, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.events, 1);
	bc_audit_report_clear(&rep);

	forge_event("BWC-000001", 0);
	run_audit(2, 0, NULL, &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS + 1);
	ck_assert_msg(rep.nfailures == 1 && nfail(&rep, "BWC-000001", 0,
	    "event-signature") == 1, "%s", failures_str(&rep));
	bc_audit_report_clear(&rep);

	forge_manifest("BWC-000001");
	run_audit(1, 0, NULL, &rep);
	ck_assert_int_eq(rep.signatures, N_KEYDOCS);
	ck_assert_msg(rep.nfailures == 2 && nfail(&rep, "BWC-000001", -1,
	    "manifest-signature") == 1 && nfail(&rep, "BWC-000001", 0,
	    "event-signature") == 1, "%s", failures_str(&rep));
	bc_audit_report_clear(&rep);
}
END_TEST

/*
 * More signers than a worker keeps verification contexts for (sign.c
 * keeps 16): every signature still checked against its own key, and an
 * event that names one signer but is signed by another still fails.
 */
#define MANY_SIGNERS	21

START_TEST(test_many_signers)
{
	struct bc_key *k[MANY_SIGNERS];
	struct bc_audit_report rep, rep1;
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };
	json_t *d;
	char name[32];
	int i;

	for (i = 0; i < MANY_SIGNERS; i++) {
		k[i] = tu_new_key();
		snprintf(name, sizeof(name), "custodian %d", i);
		authorise(k[i], name, BC_ROLE_CUSTODIAN);
	}
	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	for (i = 0; i < 6; i++)
		make_item(1 + 3 * MANY_SIGNERS, k, MANY_SIGNERS);
	ck_assert_int_eq(bc_catalog_commit(cat, &e), 0);
	run_audit(3, 0, NULL, &rep);
	ck_assert_msg(rep.status == 0 && rep.nfailures == 0, "%s",
	    failures_str(&rep));
	ck_assert_int_eq(rep.keydocs, N_KEYDOCS + MANY_SIGNERS);
	ck_assert_int_eq(rep.events, 6 * (1 + 3 * MANY_SIGNERS));
	ck_assert_int_eq(rep.signatures, rep.keydocs + 6 +
	    6 * (1 + 3 * MANY_SIGNERS));
	bc_audit_report_clear(&rep);

	/* an event naming key 20 as its signer, signed with key 3 */
	ck_assert_int_eq(bc_catalog_find_item(cat, "BWC-000004", &it, &e), 0);
	d = json_pack("{s:s, s:s, s:s}", "outcome", "done", "sha256",
	    it->sha256, "station", "big");
	ck_assert_int_eq(tu_store_event_as(cat, k[3], k[20], "clerk",
	    "BWC-000004", "access", T0_STAMP, d), 1 + 3 * MANY_SIGNERS);
	json_decref(d);
	bc_item_free(it);
	run_audit(3, 0, NULL, &rep);
	ck_assert_msg(rep.nfailures == 1 && nfail(&rep, "BWC-000004",
	    1 + 3 * MANY_SIGNERS, "event-signature") == 1, "%s",
	    failures_str(&rep));
	ck_assert_msg(tu_contains(rep.failures[0].reason, "does not verify"),
	    "%s", rep.failures[0].reason);
	run_audit(1, 0, NULL, &rep1);
	expect_same(&rep, &rep1);
	bc_audit_report_clear(&rep);
	bc_audit_report_clear(&rep1);
	for (i = 0; i < MANY_SIGNERS; i++)
		bc_key_free(k[i]);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc;

	tc = tu_tcase(s, "clean", setup, teardown);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_empty);

	tc = tu_tcase(s, "failures", setup, teardown);
	tcase_add_test(tc, test_tampered_event);
	tcase_add_test(tc, test_tampered_manifest);
	tcase_add_test(tc, test_broken_keydoc);
	tcase_add_test(tc, test_orphan_event);
	tcase_add_test(tc, test_orphan_beside_deleted);
	tcase_add_test(tc, test_rule_violation);
	tcase_add_test(tc, test_wrong_role_signature);
	tcase_add_test(tc, test_revoked_signer);
	tcase_add_test(tc, test_deleted_events);

	tc = tu_tcase(s, "files", setup, teardown);
	tcase_add_test(tc, test_files);

	tc = tu_tcase(s, "batches", setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_many_signers);
	tcase_add_test(tc, test_forged_at_edges);
	tcase_add_test(tc, test_forged_single);

	return s;
}

int
main(void)
{
	return tu_run_suite(audit_suite());
}
