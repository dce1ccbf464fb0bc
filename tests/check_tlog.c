/*
 * check_tlog.c - the catalog's transparency log (schema 3): every signed
 * record (key document, manifest, custody event) is the next leaf, in
 * commit order, of an RFC 6962 tree whose stored nodes are checked
 * against hashes computed here with OpenSSL alone; a write that fails
 * leaves the log alone; checkpoints are signed by auditor and admin keys
 * only, byte for byte as bc_checkpoint_text and bc_note_sign make them,
 * and checked against the keyring (another log's, a stranger's, a
 * custodian's, garbage, a signer revoked since); no checkpoint is signed
 * over a log that lost leaves; inclusion proofs of every record and
 * consistency proofs of every pair of sizes; verify's "log-checkpoint" and
 * "log-inclusion" checks; the log audit against each insider edit
 * (deleted records and leaves, edited, reordered or unindexed records,
 * edited tree nodes and checkpoints, a catalog rolled back to an older
 * copy); and the 2 -> 3 upgrade of a catalog made by the previous
 * release.  The clock is fixed with BODYCAM_NOW.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "testutil.h"

#define T0		"2026-03-01T10:00:00Z"
#define T0_STAMP	"2026-03-01T10:00:00.000000Z"
#define T1		"2026-03-01T11:00:00Z"
#define ORIGIN		"bodycam.test/log"	/* tu_catalog_new's */
#define HLEN		BC_SHA256_LEN
#define MAX_RECS	64
#define ANY_LEAF	INT64_MIN

static struct bc_key *admin, *cust, *aud, *ing;
static struct bc_catalog *cat;
static char *catpath;

/*
 * The records in the order they were committed, as the test saw them
 * go in: a table and a WHERE clause that finds the row.
 */
struct rec {
	char	table[16];
	char	where[192];
};

static struct rec recs[MAX_RECS];
static size_t nrecs;
static int64_t nkeydocs;

/* --- independent hashing (OpenSSL EVP, not merkle.c) -------------------- */

static void
sha256_2(uint8_t prefix, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t out[HLEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	ck_assert_int_eq(EVP_DigestUpdate(ctx, &prefix, 1), 1);
	ck_assert_int_eq(EVP_DigestUpdate(ctx, a, alen), 1);
	if (blen > 0)
		ck_assert_int_eq(EVP_DigestUpdate(ctx, b, blen), 1);
	ck_assert_int_eq(EVP_DigestFinal_ex(ctx, out, &n), 1);
	ck_assert_uint_eq(n, HLEN);
	EVP_MD_CTX_free(ctx);
}

/* SHA-256(0x00 || data) */
static void
leaf_hash(const void *data, size_t len, uint8_t out[HLEN])
{
	sha256_2(0x00, data, len, NULL, 0, out);
}

/* RFC 6962 MTH over n leaf hashes, by its recursive definition. */
static void
mth(const uint8_t (*leaves)[HLEN], uint64_t n, uint8_t out[HLEN])
{
	uint8_t l[HLEN], r[HLEN];
	unsigned int len = 0;
	uint64_t k = 1;

	if (n == 0) {
		ck_assert_int_eq(EVP_Digest("", 0, out, &len, EVP_sha256(),
		    NULL), 1);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], HLEN);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(leaves, k, l);
	mth(leaves + k, n - k, r);
	sha256_2(0x01, l, HLEN, r, HLEN, out);
}

/* The length of RFC 6962 PATH(index, D[size]). */
static size_t
path_len(uint64_t index, uint64_t size)
{
	uint64_t k = 1;

	if (size <= 1)
		return 0;
	while (k * 2 < size)
		k *= 2;
	return 1 + (index < k ? path_len(index, k) :
	    path_len(index - k, size - k));
}

static const char *
hex(const uint8_t h[HLEN])
{
	static char buf[4][2 * HLEN + 1];
	static unsigned int next;
	char *b = buf[next++ % 4];

	bc_hex(h, HLEN, b);
	return b;
}

/* --- the catalog, read behind the library's back ------------------------ */

/*
 * Column 0 of the first row of query on the database at path, as a new
 * NUL-terminated buffer of *len bytes; NULL when there is no row.
 */
static char *
sql_bytes(const char *path, const char *query, size_t *len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const void *p;
	char *out = NULL;
	int rc;

	*len = 0;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	ck_assert_msg(rc == SQLITE_OK, "open %s", path);
	rc = sqlite3_prepare_v2(db, query, -1, &st, NULL);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", query, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		*len = (size_t)sqlite3_column_bytes(st, 0);
		ck_assert_ptr_nonnull(out = malloc(*len + 1));
		if (*len > 0)
			memcpy(out, p, *len);
		out[*len] = '\0';
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void
sql(const char *stmt)
{
	tu_sql_ok(catpath, stmt);
}

static void
sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sqlf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(buf));
	sql(buf);
}

static long long
sql_intf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static long long
sql_intf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(buf));
	return tu_sql_int(catpath, buf);
}

/* The stored node (level, idx), which must be there. */
static void
stored_node(const char *path, unsigned level, uint64_t idx,
    uint8_t out[HLEN])
{
	char q[128];
	char *b;
	size_t len;

	snprintf(q, sizeof(q), "SELECT hash FROM nodes WHERE level = %u AND"
	    " idx = %" PRIu64, level, idx);
	b = sql_bytes(path, q, &len);
	ck_assert_msg(b != NULL, "no node (%u, %" PRIu64 ")", level, idx);
	ck_assert_uint_eq(len, HLEN);
	memcpy(out, b, HLEN);
	free(b);
}

/* --- records, as committed ---------------------------------------------- */

static void
push(const char *table, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
push(const char *table, const char *fmt, ...)
{
	va_list ap;

	ck_assert_uint_lt(nrecs, MAX_RECS);
	snprintf(recs[nrecs].table, sizeof(recs[nrecs].table), "%s", table);
	va_start(ap, fmt);
	vsnprintf(recs[nrecs].where, sizeof(recs[nrecs].where), fmt, ap);
	va_end(ap);
	nrecs++;
}

static void
push_item(const char *id)
{
	push("items", "id = '%s'", id);
}

static void
push_event(const char *id, int64_t seq)
{
	push("events", "seq = %lld AND item = (SELECT manifest_hash FROM"
	    " items WHERE id = '%s')", (long long)seq, id);
}

/* The stored leaf column of record i; -1 when NULL or no row. */
static long long
rec_leaf(size_t i)
{
	return sql_intf("SELECT coalesce(leaf, -1) FROM %s WHERE %s",
	    recs[i].table, recs[i].where);
}

/* The canonical bytes of record i, a new buffer. */
static char *
rec_data(size_t i, size_t *len)
{
	char q[512];
	char *b;

	snprintf(q, sizeof(q), "SELECT %s FROM %s WHERE %s",
	    strcmp(recs[i].table, "items") == 0 ? "manifest" : "body",
	    recs[i].table, recs[i].where);
	b = sql_bytes(catpath, q, len);
	ck_assert_msg(b != NULL, "no record %s %s", recs[i].table,
	    recs[i].where);
	ck_assert_uint_gt(*len, 0);
	return b;
}

/* The independently computed leaf hashes of every record. */
static void
rec_leaves(uint8_t (*out)[HLEN])
{
	size_t i, len;
	char *b;

	for (i = 0; i < nrecs; i++) {
		b = rec_data(i, &len);
		leaf_hash(b, len, out[i]);
		free(b);
	}
}

static uint64_t
log_size(void)
{
	struct bc_err e = { 0 };
	uint64_t size = UINT64_MAX;
	int r;

	r = bc_catalog_log_size(cat, &size, &e);
	ck_assert_msg(r == 0, "log size: %s: %s", bc_strerror(r), e.msg);
	return size;
}

static long long
count_nodes(void)
{
	return tu_sql_int(catpath, "SELECT count(*) FROM nodes");
}

static long long
count_checkpoints(void)
{
	return tu_sql_int(catpath, "SELECT count(*) FROM checkpoints");
}

/* --- writes ------------------------------------------------------------- */

static void
authorise(const struct bc_key *k, const char *name, int role)
{
	tu_authorise(cat, admin, k, name, role);
	push("keydocs", "seq = %lld", (long long)nkeydocs++);
	ck_assert_uint_eq(log_size(), nrecs);
}

static void
register_file(const char *name, const char *want_id)
{
	struct bc_register_result res;

	tu_register(cat, admin, tu_path(name), want_id, &res);
	push_item(res.id);
	push_event(res.id, 0);
	ck_assert_uint_eq(log_size(), nrecs);
}

/* Records an event (a derive registers its file first); its seq. */
static int64_t
custody(const struct bc_key *key, const char *ref, const char *action,
    const char *to, const char *reason, const char *file,
    const char *outcome)
{
	struct bc_custody_result res;

	tu_custody(cat, key, ref, action, to, reason, file, outcome, &res);
	if (strcmp(action, "derive") == 0) {
		push_item(res.child);
		push_event(res.child, 0);
	}
	push_event(res.item, res.seq);
	ck_assert_uint_eq(log_size(), nrecs);
	return res.seq;
}

/*
 * Four key documents, four items, ten events, interleaved; eighteen
 * leaves:
 *    0- 2  key documents 0-2 (custodian, auditor, ingest; setup)
 *    3- 4  BWC-000001 manifest, event 0       a.mp4
 *    5- 6  BWC-000002 manifest, event 0       b.mp4
 *    7- 8  BWC-000001 events 1 (access), 2 (copy)
 *    9     key document 3 (a late custodian)
 *   10-11  BWC-000003 manifest, event 0       c.mp4
 *   12     BWC-000002 event 1 (hold)
 *   13     BWC-000003 event 1 (verify)
 *   14-16  BWC-000004 manifest, event 0 (derived from BWC-000001), and
 *          BWC-000001 event 3 (derive)
 *   17     BWC-000002 event 2 (note)
 */
#define N_POP		18
#define LEAF_A_COPY	8
#define LEAF_A_ACCESS	7
#define LEAF_B_HOLD	12
#define LEAF_C_VERIFY	13

static void
populate(void)
{
	struct bc_key *late = tu_new_key();

	ck_assert_int_eq(tu_write_pattern(tu_path("a.mp4"), 40000), 0);
	ck_assert_int_eq(tu_write_str(tu_path("b.mp4"), "clip b, 17 bytes"),
	    0);
	ck_assert_int_eq(tu_write_pattern(tu_path("c.mp4"), 12345), 0);
	ck_assert_int_eq(tu_write_str(tu_path("a-red.mp4"), "a, redacted"),
	    0);
	register_file("a.mp4", "BWC-000001");
	register_file("b.mp4", "BWC-000002");
	ck_assert_int_eq(custody(cust, "BWC-000001", "access", NULL, NULL,
	    NULL, NULL), 1);
	ck_assert_int_eq(custody(cust, "BWC-000001", "copy", "prosecutor",
	    NULL, NULL, NULL), 2);
	authorise(late, "late", BC_ROLE_CUSTODIAN);
	register_file("c.mp4", "BWC-000003");
	ck_assert_int_eq(custody(cust, "BWC-000002", "hold", NULL,
	    "litigation", NULL, NULL), 1);
	ck_assert_int_eq(custody(aud, "BWC-000003", "verify", NULL, NULL,
	    NULL, "passed"), 1);
	ck_assert_int_eq(custody(cust, "BWC-000001", "derive", NULL,
	    "redaction", tu_path("a-red.mp4"), NULL), 3);
	ck_assert_int_eq(custody(cust, "BWC-000002", "note", NULL, NULL,
	    NULL, NULL), 2);
	ck_assert_uint_eq(nrecs, N_POP);
	bc_key_free(late);
}

static void
setup(void)
{
	setenv("BODYCAM_NOW", T0, 1);
	tu_test_setup();
	tu_catalog_new("catalog.db", &admin, &cat);
	ck_assert_ptr_nonnull(catpath = strdup(tu_path("catalog.db")));
	nrecs = 0;
	nkeydocs = 0;
	ck_assert_uint_eq(log_size(), 0);
	cust = tu_new_key();
	aud = tu_new_key();
	ing = tu_new_key();
	authorise(cust, "custodian", BC_ROLE_CUSTODIAN);
	authorise(aud, "auditor", BC_ROLE_AUDITOR);
	authorise(ing, "ingest", BC_ROLE_INGEST);
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
	catpath = NULL;
	unsetenv("BODYCAM_NOW");
	tu_test_teardown();
}

/* --- checkpoints, keyring ----------------------------------------------- */

static struct bc_keyring *
keyring(void)
{
	struct bc_keyring *kr = NULL;
	struct bc_err e = { 0 };
	int r;

	r = bc_keyring_load(cat, &kr, &e);
	ck_assert_msg(r == 0, "keyring: %s: %s", bc_strerror(r), e.msg);
	return kr;
}

static void
checkpoint(const struct bc_key *key, struct bc_checkpoint_row *row)
{
	struct bc_err e = { 0 };
	int r;

	r = bc_tlog_checkpoint(cat, key, row, &e);
	ck_assert_msg(r == 0, "checkpoint: %s: %s", bc_strerror(r), e.msg);
	ck_assert_ptr_nonnull(row->note);
}

/* The note text of a checkpoint of (origin, size, root), signed by key
 * under name; a new string. */
static char *
sign_cp(const char *origin, uint64_t size, const uint8_t root[HLEN],
    const char *name, const struct bc_key *key, size_t *len)
{
	struct bc_err e = { 0 };
	char *text = NULL, *note = NULL;
	size_t tlen = 0;
	int r;

	r = bc_checkpoint_text(origin, size, root, &text, &tlen, &e);
	ck_assert_msg(r == 0, "checkpoint text: %s", e.msg);
	r = bc_note_sign(text, tlen, name, key, &note, len, &e);
	ck_assert_msg(r == 0, "note sign: %s", e.msg);
	free(text);
	return note;
}

static int
cp_check(const char *note, size_t len, struct bc_signed_checkpoint *sc,
    struct bc_err *e)
{
	struct bc_keyring *kr = keyring();
	int r;

	r = bc_tlog_checkpoint_check(kr, ORIGIN, note, len, sc, e);
	bc_keyring_free(kr);
	return r;
}

/* The root of the first n independently hashed leaves. */
static void
indep_root(uint64_t n, uint8_t out[HLEN])
{
	uint8_t (*leaves)[HLEN];

	ck_assert_uint_le(n, nrecs);
	ck_assert_ptr_nonnull(leaves = calloc(nrecs + 1, HLEN));
	rec_leaves(leaves);
	mth((const uint8_t (*)[HLEN])leaves, n, out);
	free(leaves);
}

/* --- audit -------------------------------------------------------------- */

static void
run_audit(const char *against, size_t against_len,
    struct bc_audit_report *rep)
{
	struct bc_audit_opts opts;
	struct bc_err e = { 0 };
	int r;

	memset(&opts, 0, sizeof(opts));
	opts.threads = 2;
	opts.against = against;
	opts.against_len = against_len;
	r = bc_audit(cat, &opts, rep, &e);
	ck_assert_msg(r == 0, "bc_audit: %s: %s", bc_strerror(r), e.msg);
}

/* Prints the failures, for messages. */
static const char *
failures_str(const struct bc_audit_report *rep)
{
	static char buf[8192];
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < rep->nfailures && off < sizeof(buf); i++) {
		n = snprintf(buf + off, sizeof(buf) - off, "[%s %lld leaf "
		    "%lld %s: %s] ", rep->failures[i].item,
		    (long long)rep->failures[i].seq,
		    (long long)rep->failures[i].leaf,
		    rep->failures[i].check, rep->failures[i].reason);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* The first failure of check (with leaf, unless ANY_LEAF), or NULL. */
static const struct bc_audit_failure *
find_fail(const struct bc_audit_report *rep, const char *check, int64_t leaf)
{
	size_t i;

	for (i = 0; i < rep->nfailures; i++)
		if (strcmp(rep->failures[i].check, check) == 0 &&
		    (leaf == ANY_LEAF || rep->failures[i].leaf == leaf))
			return &rep->failures[i];
	return NULL;
}

static const struct bc_audit_failure *
expect_fail(const struct bc_audit_report *rep, const char *check,
    int64_t leaf)
{
	const struct bc_audit_failure *f = find_fail(rep, check, leaf);

	ck_assert_msg(f != NULL, "no '%s' failure (leaf %lld): %zu failures:"
	    " %s", check, (long long)leaf, rep->nfailures,
	    failures_str(rep));
	ck_assert_int_eq(rep->status, BC_ERR_INTEGRITY);
	return f;
}

static void
expect_clean(const struct bc_audit_report *rep)
{
	ck_assert_msg(rep->nfailures == 0, "%zu failures: %s",
	    rep->nfailures, failures_str(rep));
	ck_assert_int_eq(rep->status, 0);
}

/* --- verify ------------------------------------------------------------- */

static void
verify_ref(const char *ref, struct bc_verify_report *rep)
{
	struct bc_verify_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.no_file = 1;
	opts.failures_only = 0;
	tu_verify_ref(cat, ref, &opts, rep);
}

static size_t
count_checks(const struct bc_verify_report *rep, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < rep->nchecks; i++)
		n += strcmp(rep->checks[i].name, name) == 0;
	return n;
}

/* The check (name, seq) is there, passed (ok 1) or failed (ok 0). */
static const struct bc_check *
expect_check(const struct bc_verify_report *rep, const char *name,
    int64_t seq, int ok)
{
	const struct bc_check *c = tu_find_check(rep, name, seq);

	ck_assert_msg(c != NULL, "%s: no check %s seq %lld", rep->id, name,
	    (long long)seq);
	ck_assert_msg(c->ok == ok, "%s: %s seq %lld: ok %d, wanted %d: %s",
	    rep->id, name, (long long)seq, c->ok, ok, c->detail);
	return c;
}

/* === leaves ============================================================= */

START_TEST(test_leaves_commit_order)
{
	uint8_t (*mine)[HLEN], node[HLEN], a[HLEN], b[HLEN], c[HLEN];
	struct bc_merkle_store store, ms;
	struct bc_merkle_mem *mem;
	struct bc_err e = { 0 };
	size_t i;
	int r;

	populate();
	ck_assert_uint_eq(log_size(), N_POP);
	/* every record of every kind is a leaf, and nothing else is */
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT (SELECT count(*) FROM"
	    " keydocs) + (SELECT count(*) FROM items) + (SELECT count(*)"
	    " FROM events)"), N_POP);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM nodes"
	    " WHERE level = 0"), N_POP);
	/* leaf columns are 0..n-1 in commit order */
	for (i = 0; i < nrecs; i++)
		ck_assert_msg(rec_leaf(i) == (long long)i, "%s %s: leaf %lld, "
		    "committed %zu", recs[i].table, recs[i].where,
		    rec_leaf(i), i);
	ck_assert_int_eq(rec_leaf(LEAF_A_COPY), LEAF_A_COPY);

	/* each stored leaf is SHA-256(0x00 || the record's bytes) */
	ck_assert_ptr_nonnull(mine = calloc(nrecs, HLEN));
	rec_leaves(mine);
	for (i = 0; i < nrecs; i++) {
		stored_node(catpath, 0, i, node);
		ck_assert_msg(memcmp(node, mine[i], HLEN) == 0, "leaf %zu: "
		    "stored %s, computed %s", i, hex(node), hex(mine[i]));
	}

	/* the stored tree's root is the in-memory tree's and MTH's */
	ck_assert_ptr_nonnull(mem = bc_merkle_mem_new());
	bc_merkle_mem_store(mem, &ms);
	for (i = 0; i < nrecs; i++)
		ck_assert_int_eq(bc_merkle_append(&ms, i, mine[i], &e), 0);
	ck_assert_uint_eq(bc_merkle_mem_size(mem), N_POP);
	bc_catalog_log_store(cat, &store);
	for (i = 1; i <= nrecs; i++) {
		r = bc_merkle_root(&store, i, a, &e);
		ck_assert_msg(r == 0, "root %zu: %s", i, e.msg);
		ck_assert_int_eq(bc_merkle_root(&ms, i, b, &e), 0);
		mth((const uint8_t (*)[HLEN])mine, i, c);
		ck_assert_msg(memcmp(a, b, HLEN) == 0, "size %zu: stored root "
		    "%s, in memory %s", i, hex(a), hex(b));
		ck_assert_msg(memcmp(a, c, HLEN) == 0, "size %zu: stored root "
		    "%s, MTH %s", i, hex(a), hex(c));
		ck_assert_int_eq(bc_tlog_root(cat, i, b, &e), 0);
		ck_assert_int_eq(memcmp(a, b, HLEN), 0);
	}
	/* no root past the log */
	ck_assert_int_eq(bc_tlog_root(cat, N_POP + 1, b, &e),
	    BC_ERR_INTEGRITY);
	bc_merkle_mem_free(mem);
	free(mine);
}
END_TEST

START_TEST(test_failed_writes_leave_log)
{
	struct bc_register_opts opts;
	struct bc_register_result res;
	struct bc_custody_req q;
	struct bc_custody_result cres;
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_err e = { 0 };
	long long nodes;
	size_t n = 0;
	uint64_t size;

	populate();
	size = log_size();
	nodes = count_nodes();
	ck_assert_uint_eq(size, N_POP);

	/* the same file again, and the same content under another name */
	memset(&opts, 0, sizeof(opts));
	opts.actor = "dock";
	ck_assert_int_eq(bc_register(cat, admin, tu_path("a.mp4"), &opts,
	    &res, &e), BC_ERR_EXISTS);
	ck_assert_int_eq(tu_write_pattern(tu_path("a2.mp4"), 40000), 0);
	ck_assert_int_eq(bc_register(cat, admin, tu_path("a2.mp4"), &opts,
	    &res, &e), BC_ERR_EXISTS);
	ck_assert_uint_eq(log_size(), size);
	ck_assert_int_eq(count_nodes(), nodes);

	/* refused custody events: a role, a missing field, a rule */
	memset(&q, 0, sizeof(q));
	q.action = "access";
	q.actor = "det.smith";
	ck_assert_int_eq(bc_custody_add(cat, ing, "BWC-000001", &q, &cres,
	    &e), BC_ERR_INVALID);
	q.action = "copy";
	ck_assert_int_eq(bc_custody_add(cat, cust, "BWC-000001", &q, &cres,
	    &e), BC_ERR_INVALID);
	q.action = "hold";
	q.reason = "again";
	ck_assert_int_eq(bc_custody_add(cat, cust, "BWC-000002", &q, &cres,
	    &e), BC_ERR_INVALID);
	/* a derive whose file is registered already: nothing at all */
	q.action = "derive";
	q.reason = "redaction";
	q.file = tu_path("b.mp4");
	ck_assert_int_eq(bc_custody_add(cat, cust, "BWC-000001", &q, &cres,
	    &e), BC_ERR_EXISTS);
	ck_assert_uint_eq(log_size(), size);
	ck_assert_int_eq(count_nodes(), nodes);

	/* a key authorised twice; an unknown key revoked */
	ck_assert_int_eq(bc_key_authorise(cat, admin, cust, "again",
	    BC_ROLE_AUDITOR, &e), BC_ERR_EXISTS);
	ck_assert_int_eq(bc_key_revoke(cat, admin, "00000000000000000000000"
	    "00000000000000000000000000000000000000000", "x", &e),
	    BC_ERR_NOT_FOUND);
	ck_assert_uint_eq(log_size(), size);
	ck_assert_int_eq(count_nodes(), nodes);

	/* a record the store refuses, rolled back: its leaf goes too */
	ck_assert_int_eq(bc_catalog_find_item(cat, "BWC-000001", &it, &e), 0);
	ck_assert_int_eq(bc_catalog_events(cat, it->manifest_hash, &ev, &n,
	    &e), 0);
	ck_assert_uint_ge(n, 1);
	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	ck_assert_int_eq(bc_catalog_add_event(cat, &ev[0], &e),
	    BC_ERR_EXISTS);
	bc_catalog_rollback(cat);
	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	ck_assert_int_eq(bc_catalog_add_item(cat, it, &e), BC_ERR_EXISTS);
	bc_catalog_rollback(cat);
	ck_assert_uint_eq(log_size(), size);
	ck_assert_int_eq(count_nodes(), nodes);
	bc_events_free(ev, n);
	bc_item_free(it);

	/* and the next record that does go in takes the next leaf */
	ck_assert_int_eq(custody(cust, "BWC-000001", "access", NULL, NULL,
	    NULL, NULL), 4);
	ck_assert_uint_eq(log_size(), size + 1);
	ck_assert_int_eq(rec_leaf(nrecs - 1), (long long)size);
}
END_TEST

/* === checkpoints ======================================================== */

START_TEST(test_checkpoint_sign_and_store)
{
	struct bc_checkpoint_row r1, r2, lrow, *rows = NULL;
	struct bc_signed_checkpoint sc;
	struct bc_keyring *kr;
	struct bc_err e = { 0 };
	char origin[BC_ORIGIN_MAX + 1], want_head[64];
	uint8_t root[HLEN];
	char *want;
	size_t wlen, n = 0;

	ck_assert_int_eq(bc_catalog_origin(cat, origin, &e), 0);
	ck_assert_str_eq(origin, ORIGIN);
	kr = keyring();
	ck_assert_int_eq(bc_tlog_latest(cat, kr, &lrow, &sc, &e),
	    BC_ERR_NOT_FOUND);
	free(lrow.note);
	bc_keyring_free(kr);

	populate();
	/* an auditor's */
	checkpoint(aud, &r1);
	indep_root(N_POP, root);
	ck_assert_uint_eq(r1.size, N_POP);
	ck_assert_msg(memcmp(r1.root, root, HLEN) == 0, "root %s, want %s",
	    hex(r1.root), hex(root));
	ck_assert_str_eq(r1.key, bc_key_id(aud));
	ck_assert_int_gt(r1.id, 0);
	want = sign_cp(ORIGIN, N_POP, root, ORIGIN, aud, &wlen);
	ck_assert_uint_eq(r1.note_len, wlen);
	ck_assert_msg(memcmp(r1.note, want, wlen) == 0, "note:\n%s\nwant:\n%s",
	    r1.note, want);
	snprintf(want_head, sizeof(want_head), ORIGIN "\n%d\n", N_POP);
	ck_assert_int_eq(strncmp(r1.note, want_head, strlen(want_head)), 0);
	free(want);

	/* one more record, then the admin's */
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	checkpoint(admin, &r2);
	indep_root(N_POP + 1, root);
	ck_assert_uint_eq(r2.size, N_POP + 1);
	ck_assert_int_eq(memcmp(r2.root, root, HLEN), 0);
	ck_assert_str_eq(r2.key, bc_key_id(admin));
	ck_assert_int_gt(r2.id, r1.id);
	want = sign_cp(ORIGIN, N_POP + 1, root, ORIGIN, admin, &wlen);
	ck_assert_uint_eq(r2.note_len, wlen);
	ck_assert_int_eq(memcmp(r2.note, want, wlen), 0);
	free(want);

	/* both stored, oldest first */
	ck_assert_int_eq(count_checkpoints(), 2);
	ck_assert_int_eq(bc_catalog_checkpoints(cat, 0, &rows, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows[0].id, r1.id);
	ck_assert_uint_eq(rows[0].size, r1.size);
	ck_assert_int_eq(memcmp(rows[0].root, r1.root, HLEN), 0);
	ck_assert_str_eq(rows[0].key, bc_key_id(aud));
	ck_assert_str_eq(rows[0].note, r1.note);
	ck_assert_str_eq(rows[0].created, T0_STAMP);
	ck_assert_int_eq(rows[1].id, r2.id);
	ck_assert_uint_eq(rows[1].size, r2.size);
	ck_assert_str_eq(rows[1].key, bc_key_id(admin));
	ck_assert_str_eq(rows[1].note, r2.note);
	bc_checkpoints_free(rows, n);
	ck_assert_int_eq(bc_catalog_checkpoints(cat, 1, &rows, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rows[0].id, r2.id);
	bc_checkpoints_free(rows, n);

	/* the latest is the admin's, and it checks out */
	kr = keyring();
	ck_assert_int_eq(bc_tlog_latest(cat, kr, &lrow, &sc, &e), 0);
	ck_assert_int_eq(lrow.id, r2.id);
	ck_assert_str_eq(lrow.note, r2.note);
	ck_assert_uint_eq(sc.cp.size, N_POP + 1);
	ck_assert_int_eq(memcmp(sc.cp.root, root, HLEN), 0);
	ck_assert_str_eq(sc.cp.origin, ORIGIN);
	ck_assert_str_eq(sc.signer, bc_key_id(admin));
	ck_assert_str_eq(sc.revoked, "");
	free(lrow.note);
	/* and the auditor's checks out too, naming its signer */
	ck_assert_int_eq(bc_tlog_checkpoint_check(kr, ORIGIN, r1.note,
	    r1.note_len, &sc, &e), 0);
	ck_assert_str_eq(sc.signer, bc_key_id(aud));
	ck_assert_str_eq(sc.signer_name, "auditor");
	ck_assert_uint_eq(sc.cp.size, N_POP);
	bc_keyring_free(kr);
	free(r1.note);
	free(r2.note);
}
END_TEST

START_TEST(test_checkpoint_refused_roles)
{
	struct bc_checkpoint_row row;
	struct bc_key *stranger = tu_new_key(), *pub = NULL;
	struct bc_err e = { 0 };

	populate();
	ck_assert_int_eq(bc_tlog_checkpoint(cat, ing, &row, &e),
	    BC_ERR_INVALID);
	ck_assert_ptr_null(row.note);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, cust, &row, &e),
	    BC_ERR_INVALID);
	ck_assert_ptr_null(row.note);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, stranger, &row, &e),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(aud), &pub), 0);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, pub, &row, &e),
	    BC_ERR_INVALID);
	ck_assert_int_eq(count_checkpoints(), 0);
	ck_assert_uint_eq(log_size(), N_POP);
	/* the catalog is still writable: nothing was left open */
	checkpoint(aud, &row);
	ck_assert_int_eq(count_checkpoints(), 1);
	free(row.note);
	bc_key_free(stranger);
	bc_key_free(pub);
}
END_TEST

START_TEST(test_checkpoint_check_rejects)
{
	struct bc_signed_checkpoint sc;
	struct bc_key *stranger = tu_new_key();
	struct bc_err e = { 0 };
	static const char *const garbage[] = {
		"", "garbage", "garbage\n", "\n\n",
		ORIGIN "\n1\nAAAA\n",	/* no signatures */
		ORIGIN "\n18\n\n\xe2\x80\x94 " ORIGIN " AAAA\n",
	};
	uint8_t root[HLEN];
	char *note;
	size_t len, i;
	int r;

	populate();
	indep_root(N_POP, root);

	/* the right one, for contrast */
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, aud, &len);
	r = cp_check(note, len, &sc, &e);
	ck_assert_msg(r == 0, "%s", e.msg);
	ck_assert_str_eq(sc.signer, bc_key_id(aud));
	ck_assert_uint_eq(sc.cp.size, N_POP);
	ck_assert_int_eq(memcmp(sc.cp.root, root, HLEN), 0);
	ck_assert_str_eq(sc.revoked, "");
	/* one byte of its text changed */
	note[strlen(ORIGIN) + 2] ^= 1;
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	free(note);

	/* another log's, signed under its own name and under ours */
	note = sign_cp("other.example/log", N_POP, root, "other.example/log",
	    admin, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	free(note);
	note = sign_cp("other.example/log", N_POP, root, ORIGIN, admin, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "other.example/log"), "%s", e.msg);
	free(note);
	/* ours, under another name */
	note = sign_cp(ORIGIN, N_POP, root, "other.example/log", admin, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	free(note);

	/* a key the keyring does not hold */
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, stranger, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	free(note);
	/* keys of the keyring without the auditor role */
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, cust, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "not an auditor"), "%s", e.msg);
	free(note);
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, ing, &len);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_INTEGRITY);
	free(note);

	/* garbage, and a signed note that is not a checkpoint */
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		r = cp_check(garbage[i], strlen(garbage[i]), &sc, &e);
		ck_assert_msg(r == BC_ERR_MALFORMED, "garbage %zu: %d (%s)", i,
		    r, e.msg);
	}
	ck_assert_int_eq(bc_note_sign("hello\n", 6, ORIGIN, admin, &note,
	    &len, &e), 0);
	ck_assert_int_eq(cp_check(note, len, &sc, &e), BC_ERR_MALFORMED);
	free(note);
	/* over the size cap */
	ck_assert_ptr_nonnull(note = calloc(1, BC_NOTE_MAX + 2));
	memset(note, 'a', BC_NOTE_MAX + 1);
	ck_assert_int_eq(cp_check(note, BC_NOTE_MAX + 1, &sc, &e),
	    BC_ERR_TOO_LARGE);
	free(note);
	bc_key_free(stranger);
}
END_TEST

START_TEST(test_checkpoint_revoked_signer)
{
	struct bc_checkpoint_row row, lrow;
	struct bc_signed_checkpoint sc;
	const struct bc_keyring_entry *ke;
	struct bc_keyring *kr;
	struct bc_err e = { 0 };
	int r;

	populate();
	checkpoint(aud, &row);
	setenv("BODYCAM_NOW", T1, 1);
	ck_assert_int_eq(bc_key_revoke(cat, admin, bc_key_id(aud), "retired",
	    &e), 0);
	kr = keyring();
	ck_assert_ptr_nonnull(ke = bc_keyring_find(kr, bc_key_id(aud)));
	ck_assert_str_ne(ke->revoked, "");

	/* what it signed before still checks, and says it was revoked */
	r = bc_tlog_checkpoint_check(kr, ORIGIN, row.note, row.note_len, &sc,
	    &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_str_eq(sc.signer, bc_key_id(aud));
	ck_assert_str_eq(sc.revoked, ke->revoked);
	ck_assert_uint_eq(sc.cp.size, N_POP);
	r = bc_tlog_latest(cat, kr, &lrow, &sc, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_str_eq(sc.revoked, ke->revoked);
	free(lrow.note);
	bc_keyring_free(kr);

	/* but it signs nothing more */
	free(row.note);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, aud, &row, &e),
	    BC_ERR_INVALID);
	ck_assert_int_eq(count_checkpoints(), 1);
	checkpoint(admin, &row);
	ck_assert_int_eq(count_checkpoints(), 2);
	free(row.note);
}
END_TEST

/*
 * A checkpoint that an auditor signed is one, whatever other keys cosign
 * it (C2SP notes carry several signatures): here a custodian of the same
 * keyring, whose line comes first.
 */
START_TEST(test_checkpoint_cosigned)
{
	struct bc_signed_checkpoint sc;
	struct bc_err e = { 0 };
	uint8_t root[HLEN];
	char *n1, *n2, *both, *sig2;
	size_t l1, l2, tlen;
	int r;

	populate();
	indep_root(N_POP, root);
	n1 = sign_cp(ORIGIN, N_POP, root, ORIGIN, cust, &l1);
	n2 = sign_cp(ORIGIN, N_POP, root, ORIGIN, aud, &l2);
	/* the text is the same; n2's signature line goes after n1's */
	ck_assert_ptr_nonnull(sig2 = strstr(n2, "\n\n"));
	sig2 += 2;
	tlen = (size_t)(sig2 - n2);
	ck_assert_int_eq(memcmp(n1, n2, tlen), 0);
	ck_assert_ptr_nonnull(both = malloc(l1 + (l2 - tlen) + 1));
	memcpy(both, n1, l1);
	memcpy(both + l1, sig2, l2 - tlen);
	both[l1 + l2 - tlen] = '\0';

	/* aud alone verifies; each note alone as expected */
	ck_assert_int_eq(cp_check(n2, l2, &sc, &e), 0);
	ck_assert_int_eq(cp_check(n1, l1, &sc, &e), BC_ERR_INTEGRITY);
	r = cp_check(both, l1 + l2 - tlen, &sc, &e);
	ck_assert_msg(r == 0, "cosigned by a custodian and an auditor: %s: %s",
	    bc_strerror(r), e.msg);
	ck_assert_str_eq(sc.signer, bc_key_id(aud));
	free(n1);
	free(n2);
	free(both);
}
END_TEST

START_TEST(test_checkpoint_refuses_lost_leaves)
{
	struct bc_checkpoint_row row;
	struct bc_err e = { 0 };

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER nodes_no_delete");
	sqlf("DELETE FROM nodes WHERE ((idx + 1) << level) >= %d", N_POP);
	ck_assert_uint_eq(log_size(), N_POP - 1);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, admin, &row, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_ptr_null(row.note);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, aud, &row, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(count_checkpoints(), 1);
	/*
	 * nor after the record goes too and a new one fills the size back
	 * up: the size is the checkpoint's, the root is not
	 */
	sql("DROP TRIGGER events_no_delete");
	sqlf("DELETE FROM events WHERE leaf = %d", N_POP - 1);
	nrecs--;
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(rec_leaf(nrecs - 1), N_POP - 1);
	ck_assert_uint_eq(log_size(), N_POP);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, admin, &row, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(count_checkpoints(), 1);
}
END_TEST

START_TEST(test_checkpoint_refuses_rewritten_tree)
{
	struct bc_checkpoint_row row;
	struct bc_err e = { 0 };

	populate();
	checkpoint(admin, &row);
	free(row.note);
	/* the largest perfect subtree of 18 leaves: (4, 0) */
	sql("DROP TRIGGER nodes_no_update");
	sql("UPDATE nodes SET hash = zeroblob(32) WHERE level = 4 AND"
	    " idx = 0");
	ck_assert_uint_eq(log_size(), N_POP);
	ck_assert_int_eq(bc_tlog_checkpoint(cat, admin, &row, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_ptr_null(row.note);
	ck_assert_int_eq(count_checkpoints(), 1);
}
END_TEST

/* === proofs ============================================================= */

START_TEST(test_inclusion_every_record)
{
	struct bc_checkpoint_row row, lrow;
	struct bc_signed_checkpoint sc;
	struct bc_inclusion inc;
	struct bc_keyring *kr;
	struct bc_err e = { 0 };
	uint8_t mine[HLEN], bad[HLEN];
	char *data;
	size_t i, len;
	int r;

	populate();
	checkpoint(aud, &row);
	free(row.note);
	kr = keyring();
	ck_assert_int_eq(bc_tlog_latest(cat, kr, &lrow, &sc, &e), 0);
	free(lrow.note);
	bc_keyring_free(kr);
	ck_assert_uint_eq(sc.cp.size, N_POP);

	for (i = 0; i < nrecs; i++) {
		data = rec_data(i, &len);
		leaf_hash(data, len, mine);
		r = bc_tlog_inclusion(cat, (uint64_t)rec_leaf(i), data, len,
		    sc.cp.size, sc.cp.root, &inc, &e);
		ck_assert_msg(r == 0, "record %zu: %s: %s", i, bc_strerror(r),
		    e.msg);
		ck_assert_uint_eq(inc.index, i);
		ck_assert_uint_eq(inc.size, N_POP);
		ck_assert_int_eq(memcmp(inc.leaf, mine, HLEN), 0);
		ck_assert_uint_eq(inc.n, path_len(i, N_POP));
		ck_assert_int_eq(bc_merkle_verify_inclusion(i, N_POP, mine,
		    (const uint8_t (*)[HLEN])inc.proof, inc.n, sc.cp.root), 0);
		/* the proof binds the leaf and the root */
		memcpy(bad, mine, HLEN);
		bad[0] ^= 1;
		ck_assert_int_eq(bc_merkle_verify_inclusion(i, N_POP, bad,
		    (const uint8_t (*)[HLEN])inc.proof, inc.n, sc.cp.root),
		    BC_ERR_INTEGRITY);
		memcpy(bad, sc.cp.root, HLEN);
		bad[HLEN - 1] ^= 0x80;
		ck_assert_int_eq(bc_merkle_verify_inclusion(i, N_POP, mine,
		    (const uint8_t (*)[HLEN])inc.proof, inc.n, bad),
		    BC_ERR_INTEGRITY);
		bc_inclusion_clear(&inc);
		ck_assert_int_eq(bc_tlog_inclusion(cat, i, data, len,
		    sc.cp.size, bad, &inc, &e), BC_ERR_INTEGRITY);
		bc_inclusion_clear(&inc);

		/* the record with one byte altered */
		data[len / 2] ^= 0x01;
		r = bc_tlog_inclusion(cat, i, data, len, sc.cp.size,
		    sc.cp.root, &inc, &e);
		ck_assert_msg(r == BC_ERR_INTEGRITY, "record %zu altered: %d",
		    i, r);
		ck_assert_msg(tu_contains(e.msg, "stored leaf"), "record %zu "
		    "altered: %s", i, e.msg);
		bc_inclusion_clear(&inc);
		data[len / 2] ^= 0x01;
		/* at another index */
		ck_assert_int_eq(bc_tlog_inclusion(cat, (i + 1) % nrecs, data,
		    len, sc.cp.size, sc.cp.root, &inc, &e),
		    BC_ERR_INTEGRITY);
		bc_inclusion_clear(&inc);
		free(data);
	}
	data = rec_data(0, &len);
	ck_assert_int_eq(bc_tlog_inclusion(cat, N_POP, data, len, N_POP,
	    sc.cp.root, &inc, &e), BC_ERR_INVALID);
	bc_inclusion_clear(&inc);
	free(data);
}
END_TEST

START_TEST(test_consistency_every_pair)
{
	uint8_t (*mine)[HLEN], (*proof)[HLEN], rm[HLEN], rn[HLEN];
	uint8_t want_m[HLEN], want_n[HLEN], bad[HLEN];
	struct bc_err e = { 0 };
	size_t count;
	uint64_t m, n, size;
	int r;

	populate();
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	custody(cust, "BWC-000004", "access", NULL, NULL, NULL, NULL);
	size = log_size();
	ck_assert_uint_eq(size, N_POP + 2);
	ck_assert_ptr_nonnull(mine = calloc(nrecs, HLEN));
	rec_leaves(mine);

	for (m = 1; m <= size; m++) {
		mth((const uint8_t (*)[HLEN])mine, m, want_m);
		for (n = m; n <= size; n++) {
			mth((const uint8_t (*)[HLEN])mine, n, want_n);
			r = bc_tlog_consistency(cat, m, n, NULL, rm, rn, &proof,
			    &count, &e);
			ck_assert_msg(r == 0, "%" PRIu64 " -> %" PRIu64 ": %s",
			    m, n, e.msg);
			ck_assert_int_eq(memcmp(rm, want_m, HLEN), 0);
			ck_assert_int_eq(memcmp(rn, want_n, HLEN), 0);
			ck_assert_int_eq(bc_merkle_verify_consistency(m, n,
			    want_m, want_n, (const uint8_t (*)[HLEN])proof,
			    count), 0);
			if (m == n)
				ck_assert_uint_eq(count, 0);
			bc_merkle_proof_free(proof);

			/* checked against the root it is given */
			r = bc_tlog_consistency(cat, m, n, want_m, rm, rn,
			    &proof, &count, &e);
			ck_assert_int_eq(r, 0);
			bc_merkle_proof_free(proof);
			memcpy(bad, want_m, HLEN);
			bad[m % HLEN] ^= 0x10;
			r = bc_tlog_consistency(cat, m, n, bad, rm, rn, &proof,
			    &count, &e);
			ck_assert_msg(r == BC_ERR_INTEGRITY, "%" PRIu64 " -> %"
			    PRIu64 " with a wrong root: %d", m, n, r);
			ck_assert_ptr_null(proof);
			ck_assert_uint_eq(count, 0);
		}
	}
	/* what cannot be asked */
	ck_assert_int_eq(bc_tlog_consistency(cat, 0, size, NULL, rm, rn,
	    &proof, &count, &e), BC_ERR_INVALID);
	ck_assert_int_eq(bc_tlog_consistency(cat, 3, 2, NULL, rm, rn,
	    &proof, &count, &e), BC_ERR_INVALID);
	ck_assert_int_eq(bc_tlog_consistency(cat, 1, size + 1, NULL, rm, rn,
	    &proof, &count, &e), BC_ERR_INTEGRITY);
	ck_assert_ptr_null(proof);
	free(mine);
}
END_TEST

/* === verify ============================================================= */

START_TEST(test_verify_log_checks)
{
	struct bc_verify_report rep;
	struct bc_checkpoint_row row;
	const struct bc_check *c;
	int64_t s;

	populate();
	/* before any checkpoint: each record against its own leaf */
	verify_ref("BWC-000001", &rep);
	ck_assert_int_eq(rep.status, 0);
	expect_check(&rep, "log-checkpoint", -1, 1);
	ck_assert_uint_eq(count_checks(&rep, "log-inclusion"), 5);
	for (s = -1; s <= 3; s++) {
		c = expect_check(&rep, "log-inclusion", s, 1);
		ck_assert_msg(!tu_contains(c->detail, "in the checkpoint"),
		    "seq %lld: %s", (long long)s, c->detail);
	}
	bc_verify_report_clear(&rep);

	/* covered by a checkpoint, and one event newer than it */
	checkpoint(aud, &row);
	free(row.note);
	custody(cust, "BWC-000001", "access", NULL, NULL, NULL, NULL);
	verify_ref("BWC-000001", &rep);
	ck_assert_int_eq(rep.status, 0);
	c = expect_check(&rep, "log-checkpoint", -1, 1);
	ck_assert_msg(tu_contains(c->detail, "18 leaves"), "%s", c->detail);
	ck_assert_uint_eq(count_checks(&rep, "log-inclusion"), 6);
	for (s = -1; s <= 3; s++) {
		c = expect_check(&rep, "log-inclusion", s, 1);
		ck_assert_msg(tu_contains(c->detail, "is in the checkpoint"),
		    "seq %lld: %s", (long long)s, c->detail);
	}
	c = expect_check(&rep, "log-inclusion", 4, 1);
	ck_assert_msg(tu_contains(c->detail, "newer"), "%s", c->detail);
	bc_verify_report_clear(&rep);

	/* another item, the derived one */
	verify_ref("BWC-000004", &rep);
	ck_assert_int_eq(rep.status, 0);
	expect_check(&rep, "log-checkpoint", -1, 1);
	expect_check(&rep, "log-inclusion", -1, 1);
	expect_check(&rep, "log-inclusion", 0, 1);
	bc_verify_report_clear(&rep);
}
END_TEST

START_TEST(test_verify_edited_event)
{
	struct bc_verify_report rep;
	struct bc_checkpoint_row row;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	ck_assert_int_eq(custody(cust, "BWC-000001", "note", NULL, NULL, NULL,
	    NULL), 4);
	/* an insider edits the copy event (covered) and the newest one */
	sql("DROP TRIGGER events_no_update");
	sql("UPDATE events SET body = replace(body, 'prosecutor',"
	    " 'prosecutxr') WHERE seq = 2 AND item = (SELECT manifest_hash"
	    " FROM items WHERE id = 'BWC-000001')");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"
	    " WHERE body LIKE '%prosecutxr%'"), 1);
	sql("UPDATE events SET body = replace(body, 'det.smith',"
	    " 'det.smyth') WHERE seq = 4 AND item = (SELECT manifest_hash"
	    " FROM items WHERE id = 'BWC-000001')");

	verify_ref("BWC-000001", &rep);
	ck_assert_int_eq(rep.status, BC_ERR_INTEGRITY);
	expect_check(&rep, "log-checkpoint", -1, 1);
	expect_check(&rep, "log-inclusion", -1, 1);
	expect_check(&rep, "log-inclusion", 1, 1);
	expect_check(&rep, "log-inclusion", 2, 0);
	expect_check(&rep, "log-inclusion", 3, 1);
	expect_check(&rep, "log-inclusion", 4, 0);
	bc_verify_report_clear(&rep);

	/* the other items are untouched */
	verify_ref("BWC-000002", &rep);
	ck_assert_int_eq(rep.status, 0);
	expect_check(&rep, "log-inclusion", 2, 1);
	bc_verify_report_clear(&rep);
}
END_TEST

/* === audit ============================================================== */

START_TEST(test_audit_clean)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row r1, r2;
	uint8_t root[HLEN];

	/* a fresh catalog: its key documents alone */
	run_audit(NULL, 0, &rep);
	expect_clean(&rep);
	ck_assert_uint_eq(rep.log.size, 3);
	ck_assert_int_eq(rep.log.leaves, 3);
	bc_audit_report_clear(&rep);

	populate();
	checkpoint(aud, &r1);
	custody(cust, "BWC-000003", "access", NULL, NULL, NULL, NULL);
	custody(cust, "BWC-000003", "note", NULL, NULL, NULL, NULL);
	checkpoint(admin, &r2);
	custody(cust, "BWC-000001", "access", NULL, NULL, NULL, NULL);
	run_audit(NULL, 0, &rep);
	expect_clean(&rep);
	ck_assert_uint_eq(rep.log.size, nrecs);
	ck_assert_int_eq(rep.log.leaves, (int64_t)nrecs);
	ck_assert_int_eq(rep.log.checkpoints, 2);
	ck_assert_int_eq(rep.log.against, 0);
	indep_root(nrecs, root);
	ck_assert_int_eq(memcmp(rep.log.root, root, HLEN), 0);
	ck_assert_int_eq(rep.keydocs, 4);
	ck_assert_int_eq(rep.items, 4);
	ck_assert_int_eq(rep.events, (int64_t)nrecs - 8);
	bc_audit_report_clear(&rep);

	/* held to either checkpoint as well */
	run_audit(r1.note, r1.note_len, &rep);
	expect_clean(&rep);
	ck_assert_int_eq(rep.log.against, 1);
	bc_audit_report_clear(&rep);
	run_audit(r2.note, r2.note_len, &rep);
	expect_clean(&rep);
	ck_assert_int_eq(rep.log.against, 1);
	bc_audit_report_clear(&rep);
	free(r1.note);
	free(r2.note);
}
END_TEST

START_TEST(test_audit_deleted_newest_event)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;
	const struct bc_audit_failure *f;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	/* the newest record is BWC-000002's note, leaf 17 */
	ck_assert_int_eq(rec_leaf(nrecs - 1), N_POP - 1);
	sql("DROP TRIGGER events_no_delete");
	sqlf("DELETE FROM events WHERE leaf = %d", N_POP - 1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    9);
	run_audit(NULL, 0, &rep);
	f = expect_fail(&rep, "log-record", N_POP - 1);
	ck_assert_str_eq(f->item, "log");
	ck_assert_uint_eq(rep.log.size, N_POP);
	ck_assert_int_eq(rep.log.leaves, N_POP - 1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_deleted_event_and_leaf)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER events_no_delete; DROP TRIGGER nodes_no_delete");
	sqlf("DELETE FROM events WHERE leaf = %d", N_POP - 1);
	sqlf("DELETE FROM nodes WHERE ((idx + 1) << level) >= %d", N_POP);
	ck_assert_uint_eq(log_size(), N_POP - 1);
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "consistency", ANY_LEAF);
	ck_assert_uint_eq(rep.log.size, N_POP - 1);
	ck_assert_int_eq(rep.log.checkpoints, 1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_edited_body)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;
	const struct bc_audit_failure *f;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER events_no_update");
	sqlf("UPDATE events SET body = replace(body, 'prosecutor',"
	    " 'prosecutxr') WHERE leaf = %d", LEAF_A_COPY);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"
	    " WHERE body LIKE '%prosecutxr%'"), 1);
	run_audit(NULL, 0, &rep);
	f = expect_fail(&rep, "log-leaf", LEAF_A_COPY);
	ck_assert_str_eq(f->item, "BWC-000001");
	ck_assert_int_eq(f->seq, 2);
	ck_assert_ptr_null(find_fail(&rep, "log-leaf", LEAF_A_COPY - 1));
	ck_assert_ptr_null(find_fail(&rep, "log-leaf", LEAF_A_COPY + 1));
	/* the tree of the records is not the one the checkpoint signed */
	expect_fail(&rep, "consistency", ANY_LEAF);
	bc_audit_report_clear(&rep);
}
END_TEST

/*
 * An insider who rewrites a record and then the whole stored tree to
 * match it (leaf, subtrees): the records and the tree agree again, and
 * only the checkpoint signed before tells.
 */
START_TEST(test_audit_rewritten_history)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;
	struct bc_merkle_store ms;
	struct bc_merkle_mem *mem;
	struct bc_err e = { 0 };
	uint8_t (*mine)[HLEN], h[HLEN], root[HLEN];
	char hx[2 * HLEN + 1];
	unsigned level;
	uint64_t i;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER events_no_update; DROP TRIGGER nodes_no_update;"
	    " DROP TRIGGER nodes_no_delete");
	sqlf("UPDATE events SET body = replace(body, 'prosecutor',"
	    " 'prosecutxr') WHERE leaf = %d", LEAF_A_COPY);
	/* the tree of the records as they are now, stored in full */
	ck_assert_ptr_nonnull(mine = calloc(nrecs, HLEN));
	rec_leaves(mine);
	ck_assert_ptr_nonnull(mem = bc_merkle_mem_new());
	bc_merkle_mem_store(mem, &ms);
	for (i = 0; i < nrecs; i++)
		ck_assert_int_eq(bc_merkle_append(&ms, i, mine[i], &e), 0);
	sql("DELETE FROM nodes");
	for (level = 0; ((uint64_t)1 << level) <= nrecs; level++)
		for (i = 0; ((i + 1) << level) <= nrecs; i++) {
			ck_assert_int_eq(ms.get(ms.arg, level, i, h), 0);
			bc_hex(h, HLEN, hx);
			sqlf("INSERT INTO nodes (level, idx, hash) VALUES (%u,"
			    " %" PRIu64 ", X'%s')", level, i, hx);
		}
	ck_assert_uint_eq(log_size(), N_POP);
	ck_assert_int_eq(bc_tlog_root(cat, N_POP, root, &e), 0);
	mth((const uint8_t (*)[HLEN])mine, N_POP, h);
	ck_assert_int_eq(memcmp(root, h, HLEN), 0);

	run_audit(NULL, 0, &rep);
	ck_assert_ptr_null(find_fail(&rep, "log-leaf", ANY_LEAF));
	ck_assert_ptr_null(find_fail(&rep, "log-tree", ANY_LEAF));
	ck_assert_ptr_null(find_fail(&rep, "log-record", ANY_LEAF));
	expect_fail(&rep, "consistency", ANY_LEAF);
	bc_audit_report_clear(&rep);
	/* and no checkpoint is signed over it */
	ck_assert_int_eq(bc_tlog_checkpoint(cat, admin, &row, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_int_eq(count_checkpoints(), 1);
	bc_merkle_mem_free(mem);
	free(mine);
}
END_TEST

START_TEST(test_audit_edited_manifest)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;
	long long leaf;

	populate();
	leaf = sql_intf("SELECT leaf FROM items WHERE id = 'BWC-000003'");
	ck_assert_int_eq(leaf, 10);
	sql("DROP TRIGGER items_no_update");
	sql("UPDATE items SET manifest = replace(manifest, 'O-17', 'O-18')"
	    " WHERE id = 'BWC-000003'");
	run_audit(NULL, 0, &rep);
	f = expect_fail(&rep, "log-leaf", leaf);
	ck_assert_str_eq(f->item, "BWC-000003");
	ck_assert_int_eq(f->seq, -1);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_swapped_leaves)
{
	struct bc_audit_report rep;

	populate();
	sql("DROP TRIGGER events_no_update");
	sqlf("UPDATE events SET leaf = 1000000 WHERE leaf = %d",
	    LEAF_A_ACCESS);
	sqlf("UPDATE events SET leaf = %d WHERE leaf = %d", LEAF_A_ACCESS,
	    LEAF_B_HOLD);
	sqlf("UPDATE events SET leaf = %d WHERE leaf = 1000000",
	    LEAF_B_HOLD);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT leaf FROM events WHERE"
	    " seq = 1 AND item = (SELECT manifest_hash FROM items WHERE"
	    " id = 'BWC-000001')"), LEAF_B_HOLD);
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "log-leaf", LEAF_A_ACCESS);
	expect_fail(&rep, "log-leaf", LEAF_B_HOLD);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_null_leaf)
{
	struct bc_audit_report rep;
	const struct bc_audit_failure *f;

	populate();
	sql("DROP TRIGGER events_no_update");
	sqlf("UPDATE events SET leaf = NULL WHERE leaf = %d", LEAF_C_VERIFY);
	run_audit(NULL, 0, &rep);
	/* the record outside the log, and the leaf nobody holds */
	f = expect_fail(&rep, "log-record", -1);
	ck_assert_str_eq(f->item, "BWC-000003");
	ck_assert_int_eq(f->seq, 1);
	expect_fail(&rep, "log-record", LEAF_C_VERIFY);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_interior_node)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	/* (4, 0): leaves 0-15, half of the root of 18 */
	sql("DROP TRIGGER nodes_no_update");
	sql("UPDATE nodes SET hash = zeroblob(32) WHERE level = 4 AND"
	    " idx = 0");
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "log-tree", ANY_LEAF);
	/* the records themselves are fine */
	ck_assert_ptr_null(find_fail(&rep, "log-leaf", ANY_LEAF));
	bc_audit_report_clear(&rep);
}
END_TEST

/*
 * A stored node that the root of the current size does not use, but
 * inclusion proofs do: (1, 2) covers leaves 4-5, so it is in the proofs
 * of leaves 6 (BWC-000002's register event) and 7 (BWC-000001's access,
 * seq 1).  Verify reports those proofs failing; the audit, which
 * "recomputes the whole tree" and holds the stored tree to it, must
 * report it too.
 */
START_TEST(test_audit_interior_node_off_root_path)
{
	struct bc_audit_report rep;
	struct bc_verify_report vr;
	struct bc_checkpoint_row row;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER nodes_no_update");
	sql("UPDATE nodes SET hash = zeroblob(32) WHERE level = 1 AND"
	    " idx = 2");
	/* the stored tree no longer proves BWC-000001's access event */
	verify_ref("BWC-000001", &vr);
	ck_assert_int_eq(vr.status, BC_ERR_INTEGRITY);
	expect_check(&vr, "log-inclusion", 0, 1);
	expect_check(&vr, "log-inclusion", 1, 0);
	bc_verify_report_clear(&vr);
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "log-tree", ANY_LEAF);
	bc_audit_report_clear(&rep);
}
END_TEST

START_TEST(test_audit_edited_checkpoint)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row, lrow;
	struct bc_signed_checkpoint sc;
	struct bc_keyring *kr;
	struct bc_err e = { 0 };

	populate();
	checkpoint(admin, &row);
	free(row.note);
	sql("DROP TRIGGER checkpoints_no_update");
	/* the tree size line of the signed text */
	sqlf("UPDATE checkpoints SET note = replace(note, char(10) || '%d' ||"
	    " char(10), char(10) || '%d' || char(10))", N_POP, N_POP - 1);
	ck_assert_int_eq(sql_intf("SELECT count(*) FROM checkpoints WHERE"
	    " instr(note, char(10) || '%d' || char(10)) > 0", N_POP - 1), 1);
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "checkpoint", ANY_LEAF);
	ck_assert_int_eq(rep.log.checkpoints, 0);
	bc_audit_report_clear(&rep);
	kr = keyring();
	ck_assert_int_eq(bc_tlog_latest(cat, kr, &lrow, &sc, &e),
	    BC_ERR_INTEGRITY);
	free(lrow.note);

	/* put back, it is clean; its size column edited, it is not */
	sqlf("UPDATE checkpoints SET note = replace(note, char(10) || '%d' ||"
	    " char(10), char(10) || '%d' || char(10))", N_POP - 1, N_POP);
	run_audit(NULL, 0, &rep);
	expect_clean(&rep);
	ck_assert_int_eq(rep.log.checkpoints, 1);
	bc_audit_report_clear(&rep);
	sql("UPDATE checkpoints SET size = size - 1");
	run_audit(NULL, 0, &rep);
	expect_fail(&rep, "checkpoint", ANY_LEAF);
	bc_audit_report_clear(&rep);
	ck_assert_int_eq(bc_tlog_latest(cat, kr, &lrow, &sc, &e),
	    BC_ERR_INTEGRITY);
	free(lrow.note);
	bc_keyring_free(kr);
}
END_TEST

START_TEST(test_audit_rollback_against)
{
	struct bc_audit_report rep;
	struct bc_checkpoint_row row;
	struct bc_err e = { 0 };
	char side[4096];
	char *old, *note;
	size_t oldlen, notelen;
	int i, r;

	populate();
	checkpoint(admin, &row);
	free(row.note);
	/* a copy of the catalog as it is now, K = 18 records (closed: the
	 * whole database is in the file) */
	bc_catalog_close(cat);
	cat = NULL;
	snprintf(side, sizeof(side), "%s-wal", catpath);
	ck_assert_int_ne(access(side, F_OK), 0);
	ck_assert_ptr_nonnull(old = tu_read_file(catpath, &oldlen));
	r = bc_catalog_open(catpath, &cat, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);

	for (i = 0; i < 10; i++)
		custody(cust, "BWC-000002", "note", NULL, NULL, NULL, NULL);
	ck_assert_uint_eq(log_size(), N_POP + 10);
	checkpoint(admin, &row);
	note = row.note;
	notelen = row.note_len;
	ck_assert_uint_eq(row.size, N_POP + 10);

	/* the old copy put back */
	bc_catalog_close(cat);
	cat = NULL;
	snprintf(side, sizeof(side), "%s-wal", catpath);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", catpath);
	unlink(side);
	ck_assert_int_eq(tu_write_file(catpath, old, oldlen), 0);
	free(old);
	r = bc_catalog_open(catpath, &cat, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_uint_eq(log_size(), N_POP);

	/* on its own it is a consistent catalog */
	run_audit(NULL, 0, &rep);
	expect_clean(&rep);
	bc_audit_report_clear(&rep);
	/* held to the checkpoint saved meanwhile, it was rolled back */
	run_audit(note, notelen, &rep);
	expect_fail(&rep, "consistency", ANY_LEAF);
	ck_assert_int_eq(rep.log.against, 1);
	ck_assert_uint_eq(rep.log.size, N_POP);
	bc_audit_report_clear(&rep);
	free(note);
}
END_TEST

START_TEST(test_audit_against_bad)
{
	static const char garbage[] = "this is not a checkpoint\n";
	struct bc_audit_report rep;
	struct bc_audit_opts opts;
	struct bc_key *stranger = tu_new_key();
	struct bc_err e = { 0 };
	uint8_t root[HLEN];
	char *note;
	size_t len;

	populate();
	memset(&opts, 0, sizeof(opts));
	opts.against = garbage;
	opts.against_len = strlen(garbage);
	ck_assert_int_eq(bc_audit(cat, &opts, &rep, &e), BC_ERR_MALFORMED);
	bc_audit_report_clear(&rep);

	/* well formed but not this log's, or not a key of it: reported */
	indep_root(N_POP, root);
	note = sign_cp("other.example/log", N_POP, root, "other.example/log",
	    admin, &len);
	run_audit(note, len, &rep);
	expect_fail(&rep, "checkpoint", ANY_LEAF);
	ck_assert_int_eq(rep.log.against, 0);
	ck_assert_uint_eq(rep.log.size, N_POP);
	ck_assert_int_eq(rep.log.leaves, N_POP);
	bc_audit_report_clear(&rep);
	free(note);
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, stranger, &len);
	run_audit(note, len, &rep);
	expect_fail(&rep, "checkpoint", ANY_LEAF);
	bc_audit_report_clear(&rep);
	free(note);
	/* a good one, of a root this log never had */
	root[0] ^= 1;
	note = sign_cp(ORIGIN, N_POP, root, ORIGIN, admin, &len);
	run_audit(note, len, &rep);
	expect_fail(&rep, "consistency", ANY_LEAF);
	ck_assert_int_eq(rep.log.against, 1);
	bc_audit_report_clear(&rep);
	free(note);
	bc_key_free(stranger);
}
END_TEST

/* === migration ========================================================== */

START_TEST(test_migrate_2_to_3)
{
	/* keydoc 0; items 1, 2; events by row id 1..5 */
	static const char *const order[] = {
		"SELECT leaf FROM keydocs WHERE seq = 0",
		"SELECT leaf FROM items WHERE num = 1",
		"SELECT leaf FROM items WHERE num = 2",
		"SELECT leaf FROM events WHERE id = 1",
		"SELECT leaf FROM events WHERE id = 2",
		"SELECT leaf FROM events WHERE id = 3",
		"SELECT leaf FROM events WHERE id = 4",
		"SELECT leaf FROM events WHERE id = 5",
	};
	static const char *const tables[] = { "items", "events", "keydocs",
	    "nodes" };
	struct bc_catalog *c2 = NULL;
	struct bc_audit_report rep;
	struct bc_merkle_store store;
	struct bc_err e = { 0 };
	char origin[BC_ORIGIN_MAX + 1], again[BC_ORIGIN_MAX + 1];
	uint8_t leaves[8][HLEN], node[HLEN], a[HLEN], b[HLEN];
	const char *path = tu_path("v2.db");
	char q[256], *msg, *data;
	size_t len, i;
	uint64_t size = 0;
	int v = -1, r;

	tu_copy_data("catalogs/v2.db", path);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 2);

	r = bc_catalog_open(path, &c2, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_int_eq(bc_catalog_schema(c2, &v), 0);
	ck_assert_int_eq(v, BC_CATALOG_SCHEMA);	/* 2 -> 3 -> ... */
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);
	ck_assert_int_eq(bc_catalog_log_size(c2, &size, &e), 0);
	ck_assert_uint_eq(size, 8);

	/* the documented order, every record in it, each hashed right */
	for (i = 0; i < 8; i++)
		ck_assert_msg(tu_sql_int(path, order[i]) == (long long)i,
		    "%s: %lld", order[i], tu_sql_int(path, order[i]));
	ck_assert_int_eq(tu_sql_int(path, "SELECT (SELECT count(*) FROM"
	    " keydocs WHERE leaf IS NULL) + (SELECT count(*) FROM items"
	    " WHERE leaf IS NULL) + (SELECT count(*) FROM events WHERE leaf"
	    " IS NULL)"), 0);
	for (i = 0; i < 8; i++) {
		snprintf(q, sizeof(q), "SELECT body FROM keydocs WHERE leaf ="
		    " %zu UNION ALL SELECT manifest FROM items WHERE leaf = %zu"
		    " UNION ALL SELECT body FROM events WHERE leaf = %zu", i, i,
		    i);
		ck_assert_ptr_nonnull(data = sql_bytes(path, q, &len));
		leaf_hash(data, len, leaves[i]);
		free(data);
		stored_node(path, 0, i, node);
		ck_assert_msg(memcmp(node, leaves[i], HLEN) == 0, "leaf %zu",
		    i);
	}
	bc_catalog_log_store(c2, &store);
	ck_assert_int_eq(bc_merkle_root(&store, 8, a, &e), 0);
	mth((const uint8_t (*)[HLEN])leaves, 8, b);
	ck_assert_int_eq(memcmp(a, b, HLEN), 0);

	/* a log name was made up, and kept */
	ck_assert_int_eq(bc_catalog_origin(c2, origin, &e), 0);
	ck_assert_int_eq(bc_origin_check(origin, &e), 0);
	ck_assert_msg(tu_contains(origin, "/bodycam/"), "%s", origin);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM meta WHERE"
	    " name = 'origin'"), 1);

	/* its audit is clean */
	r = bc_audit(c2, NULL, &rep, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	expect_clean(&rep);
	ck_assert_int_eq(rep.keydocs, 1);
	ck_assert_int_eq(rep.items, 2);
	ck_assert_int_eq(rep.events, 5);
	ck_assert_uint_eq(rep.log.size, 8);
	ck_assert_int_eq(rep.log.leaves, 8);
	ck_assert_int_eq(memcmp(rep.log.root, b, HLEN), 0);
	bc_audit_report_clear(&rep);

	/* the append-only triggers are back */
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(q, sizeof(q), "UPDATE %s SET %s = %s", tables[i],
		    strcmp(tables[i], "nodes") == 0 ? "hash" : "leaf",
		    strcmp(tables[i], "nodes") == 0 ? "hash" : "leaf + 100");
		msg = NULL;
		r = tu_sql(path, q, &msg);
		ck_assert_msg(r != SQLITE_OK, "%s went through", q);
		ck_assert_msg(tu_contains(msg, "append-only"), "%s: %s", q,
		    msg ? msg : "(null)");
		free(msg);
	}
	msg = NULL;
	r = tu_sql(path, "UPDATE items SET path = '/elsewhere'", &msg);
	ck_assert_int_ne(r, SQLITE_OK);
	ck_assert_msg(tu_contains(msg, "append-only"), "%s", msg);
	free(msg);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'trigger' AND name IN ('items_no_update',"
	    " 'events_no_update', 'keydocs_no_update', 'items_no_replace',"
	    " 'events_no_replace', 'keydocs_no_replace')"), 6);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM events WHERE"
	    " leaf >= 100"), 0);

	/* opened again: nothing more happens */
	bc_catalog_close(c2);
	c2 = NULL;
	r = bc_catalog_open(path, &c2, &e);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), e.msg);
	ck_assert_int_eq(bc_catalog_log_size(c2, &size, &e), 0);
	ck_assert_uint_eq(size, 8);
	ck_assert_int_eq(bc_catalog_origin(c2, again, &e), 0);
	ck_assert_str_eq(again, origin);
	bc_catalog_close(c2);
}
END_TEST

/* --- errors passed on ------------------------------------------------- */

START_TEST(test_err_wrap)
{
	struct bc_err e = { 0 };
	char big[sizeof(e.msg) + 40];

	/* what it meant here, in front of what went wrong below */
	bc_err_set(&e, BC_ERR_NOT_FOUND, "merkle node (1, 2): not found");
	ck_assert_int_eq(bc_err_wrap(&e, BC_ERR_INTEGRITY, "leaf %d: the "
	    "stored tree is incomplete", 5), BC_ERR_INTEGRITY);
	ck_assert_str_eq(e.msg, "leaf 5: the stored tree is incomplete: "
	    "merkle node (1, 2): not found");
	/* nothing below: the prefix alone */
	bc_err_clear(&e);
	bc_err_wrap(&e, BC_ERR_IO, "outer");
	ck_assert_str_eq(e.msg, "outer");
	/* long messages are cut, never overrun */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bc_err_set(&e, BC_ERR_IO, "%s", "inner");
	bc_err_wrap(&e, BC_ERR_IO, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), sizeof(e.msg) - 1);
	ck_assert_int_eq(bc_err_wrap(NULL, BC_ERR_IO, "x"), BC_ERR_IO);
}
END_TEST

START_TEST(test_incomplete_tree_says_why)
{
	struct bc_err e = { 0 };
	uint8_t root[BC_SHA256_LEN];

	populate();
	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER nodes_no_delete;"
	    " DELETE FROM nodes WHERE level = 4 AND idx = 0", NULL),
	    SQLITE_OK);
	ck_assert_int_eq(bc_tlog_root(cat, N_POP, root, &e),
	    BC_ERR_INTEGRITY);
	ck_assert_msg(tu_contains(e.msg, "the stored tree is incomplete: ") &&
	    tu_contains(e.msg, "(4, 0)"), "%s", e.msg);
}
END_TEST

static Suite *
tlog_suite(void)
{
	Suite *s = suite_create("tlog");
	TCase *tc;

	tc = tu_tcase(s, "leaves", setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_leaves_commit_order);
	tcase_add_test(tc, test_failed_writes_leave_log);

	tc = tu_tcase(s, "checkpoints", setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_checkpoint_sign_and_store);
	tcase_add_test(tc, test_checkpoint_refused_roles);
	tcase_add_test(tc, test_checkpoint_check_rejects);
	tcase_add_test(tc, test_checkpoint_revoked_signer);
	tcase_add_test(tc, test_checkpoint_cosigned);
	tcase_add_test(tc, test_checkpoint_refuses_lost_leaves);
	tcase_add_test(tc, test_checkpoint_refuses_rewritten_tree);

	tc = tu_tcase(s, "proofs", setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_inclusion_every_record);
	tcase_add_test(tc, test_consistency_every_pair);

	tc = tu_tcase(s, "verify", setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_verify_log_checks);
	tcase_add_test(tc, test_verify_edited_event);

	tc = tu_tcase(s, "audit", setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_audit_clean);
	tcase_add_test(tc, test_audit_deleted_newest_event);
	tcase_add_test(tc, test_audit_deleted_event_and_leaf);
	tcase_add_test(tc, test_audit_edited_body);
	tcase_add_test(tc, test_audit_edited_manifest);
	tcase_add_test(tc, test_audit_rewritten_history);
	tcase_add_test(tc, test_audit_swapped_leaves);
	tcase_add_test(tc, test_audit_null_leaf);
	tcase_add_test(tc, test_audit_interior_node);
	tcase_add_test(tc, test_audit_interior_node_off_root_path);
	tcase_add_test(tc, test_audit_edited_checkpoint);
	tcase_add_test(tc, test_audit_rollback_against);
	tcase_add_test(tc, test_audit_against_bad);

	tc = tu_tcase(s, "errors", setup, teardown);
	tcase_add_test(tc, test_err_wrap);
	tcase_add_test(tc, test_incomplete_tree_says_why);

	tc = tu_tcase(s, "migration", setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_migrate_2_to_3);

	return s;
}

int
main(void)
{
	return tu_run_suite(tlog_suite());
}
