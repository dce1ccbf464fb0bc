/*
 * tlog.c - transparency-log benchmark for tests/bench/tlog.sh: what one
 * append to the catalog's Merkle tree costs (bc_merkle_append on the
 * catalog's SQLite node store, merkle.h) when the log holds a thousand to
 * a million leaves, and what producing and checking one inclusion proof
 * costs at a million, through the public library API only.
 *
 *   tlog DIR
 *
 * Makes one scratch catalog per size of sizes[], DIR/log-SIZE.db (DIR must
 * exist, the catalogs must not), with a throwaway admin key, and grows
 * each log to its size in committed transactions of BATCH appends; that is
 * timed apart, commits included.  Leaf i is the leaf hash of i as 8
 * little-endian bytes.  Then come ROUNDS rounds; each times one window of
 * WINDOW appends on every catalog, in turn (forwards in even rounds,
 * backwards in odd ones), so that a slow spell of a shared machine falls on
 * every size alike.  A window is one transaction that starts at exactly
 * the catalog's size and is rolled back after it (begin and rollback are
 * not timed).  For each size it prints the median time per append over
 * the rounds; the ratio of the last size to the first is the median of the
 * rounds' own ratios.
 *
 * The in-memory store (bc_merkle_mem) is measured the same way, for
 * comparison, except that it cannot roll back: a store's windows follow
 * one another, from SIZE to SIZE + ROUNDS * WINDOW leaves.
 *
 * At the last size it times PROOFS inclusion proofs of pseudo-random
 * leaves (bc_merkle_inclusion_proof on the SQLite store, each SELECT in
 * its own read transaction, as no snapshot is taken) and their checks
 * (bc_merkle_verify_inclusion against bc_merkle_root of that size), and
 * keeps the medians.  Every proof must check, and both stores must give
 * the same root.
 *
 * PASS or MISS comes from the measurements: an append at the last size may
 * cost at most RATIO_MAX times one at the first, and producing a proof and
 * checking one must each take under PROOF_MAX_US.  A MISS is reported, not
 * fatal: the exit status is 1 only when something broke.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bodycam/bodycam.h"

#define WINDOW		1000	/* appends timed together */
#define ROUNDS		21	/* windows per size; the median is kept */
#define BATCH		10000	/* appends per transaction while growing */
#define PROOFS		1000	/* inclusion proofs timed at the last size */
#define RATIO_MAX	2.0	/* per append: last size over first */
#define PROOF_MAX_US	1000.0	/* to produce a proof, and to check one */

static const uint64_t sizes[] = { 1000, 10000, 100000, 1000000 };
#define NSIZES		(sizeof(sizes) / sizeof(sizes[0]))
#define LAST		(NSIZES - 1)

/* One store of one size, and its windows. */
struct log {
	struct bc_catalog	*cat;		/* NULL: the memory store */
	struct bc_merkle_mem	*mem;
	struct bc_merkle_store	 store;
	uint64_t		 size;
	uint8_t			 h[WINDOW][BC_SHA256_LEN];
	double			 us[ROUNDS];	/* per append, each round */
};

/* The median, smallest and largest of some timings. */
struct spread {
	double	med;
	double	min;
	double	max;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v (n > 0) and fills *s from it. */
static void
spread_of(double *v, size_t n, struct spread *s)
{
	qsort(v, n, sizeof(*v), cmp_double);
	s->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s->min = v[0];
	s->max = v[n - 1];
}

/* The leaf hash of leaf i. */
static int
leaf_hash(uint64_t i, uint8_t out[BC_SHA256_LEN], struct bc_err *err)
{
	uint8_t le[8];
	unsigned k;
	int r;

	for (k = 0; k < sizeof(le); k++)
		le[k] = (uint8_t)(i >> (8 * k));
	if ((r = bc_merkle_leaf_hash(le, sizeof(le), out)) != 0)
		return bc_err_set(err, r, "leaf hash failed");
	return 0;
}

/* Leaves from, from + 1, ..., from + n - 1, untimed. */
static int
append_run(const struct bc_merkle_store *store, uint64_t from, uint64_t n,
    struct bc_err *err)
{
	uint8_t h[BC_SHA256_LEN];
	uint64_t i;
	int r;

	for (i = from; i < from + n; i++)
		if ((r = leaf_hash(i, h, err)) != 0 ||
		    (r = bc_merkle_append(store, i, h, err)) != 0)
			return r;
	return 0;
}

/* Grows the catalog's log to l->size leaves, BATCH a commit. */
static int
db_grow(struct log *l, struct bc_err *err)
{
	uint64_t have = 0, n;
	int r;

	while (have < l->size) {
		n = l->size - have < BATCH ? l->size - have : BATCH;
		if ((r = bc_catalog_begin(l->cat, err)) != 0)
			return r;
		if ((r = append_run(&l->store, have, n, err)) != 0) {
			bc_catalog_rollback(l->cat);
			return r;
		}
		if ((r = bc_catalog_commit(l->cat, err)) != 0)
			return r;
		have += n;
	}
	return 0;
}

static int
fill_window(struct log *l, uint64_t from, struct bc_err *err)
{
	uint64_t i;
	int r;

	for (i = 0; i < WINDOW; i++)
		if ((r = leaf_hash(from + i, l->h[i], err)) != 0)
			return r;
	return 0;
}

/* WINDOW appends to a tree of from leaves; *us is the time per append. */
static int
append_window(struct log *l, uint64_t from, double *us, struct bc_err *err)
{
	double t0, t1;
	uint64_t i;
	int r;

	t0 = now();
	for (i = 0; i < WINDOW; i++)
		if ((r = bc_merkle_append(&l->store, from + i, l->h[i],
		    err)) != 0)
			return r;
	t1 = now();
	*us = (t1 - t0) * 1e6 / WINDOW;
	return 0;
}

/* Round round's window on l: rolled back, or after the last one. */
static int
window(struct log *l, size_t round, struct bc_err *err)
{
	uint64_t from, after;
	int r;

	if (l->cat == NULL) {
		from = l->size + round * WINDOW;
		if ((r = fill_window(l, from, err)) != 0)
			return r;
		return append_window(l, from, &l->us[round], err);
	}
	if ((r = bc_catalog_begin(l->cat, err)) != 0)
		return r;
	r = append_window(l, l->size, &l->us[round], err);
	bc_catalog_rollback(l->cat);
	if (r != 0)
		return r;
	if ((r = bc_catalog_log_size(l->cat, &after, err)) != 0)
		return r;
	if (after != l->size)
		return bc_err_set(err, BC_ERR_INTERNAL, "the log has %" PRIu64
		    " leaves after a rollback, not %" PRIu64, after, l->size);
	return 0;
}

/*
 * ROUNDS rounds of a window on each of logs[NSIZES], then the results,
 * and the ratio of the last size to the first in *ratio.
 */
static int
measure(struct log *logs, const char *name, double *ratio,
    struct bc_err *err)
{
	double rr[ROUNDS];
	struct spread s;
	size_t round, i;
	int r;

	for (round = 0; round < ROUNDS; round++)
		for (i = 0; i < NSIZES; i++)
			if ((r = window(&logs[round % 2 ? NSIZES - 1 - i : i],
			    round, err)) != 0)
				return r;
	for (round = 0; round < ROUNDS; round++)
		rr[round] = logs[LAST].us[round] / logs[0].us[round];
	spread_of(rr, ROUNDS, &s);
	*ratio = s.med;
	for (i = 0; i < NSIZES; i++) {
		spread_of(logs[i].us, ROUNDS, &s);
		printf("append per leaf at %" PRIu64 " leaves: %.2f us (%s "
		    "store; min %.2f, max %.2f over %d windows)\n",
		    logs[i].size, s.med, name, s.min, s.max, ROUNDS);
	}
	return 0;
}

/* splitmix64: a fixed sequence of leaf indices, the same every run. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * PROOFS inclusion proofs of random leaves in the tree of size leaves,
 * each checked against root.
 */
static int
proofs(const struct bc_merkle_store *store, uint64_t size,
    const uint8_t root[BC_SHA256_LEN], struct spread *make,
    struct spread *check, struct bc_err *err)
{
	static double mk[PROOFS], ck[PROOFS];
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	uint8_t leaf[BC_SHA256_LEN];
	uint64_t state = 6962, index;
	double t0, t1, t2;
	size_t i, n;
	int r;

	for (i = 0; i < PROOFS; i++) {
		index = next_random(&state) % size;
		if ((r = leaf_hash(index, leaf, err)) != 0)
			return r;
		t0 = now();
		if ((r = bc_merkle_inclusion_proof(store, index, size, &proof,
		    &n, err)) != 0)
			return r;
		t1 = now();
		r = bc_merkle_verify_inclusion(index, size, leaf,
		    (const uint8_t (*)[BC_SHA256_LEN])proof, n, root);
		t2 = now();
		bc_merkle_proof_free(proof);
		if (r != 0)
			return bc_err_set(err, r, "the inclusion proof of leaf "
			    "%" PRIu64 " in %" PRIu64 " does not check: %s",
			    index, size, bc_strerror(r));
		mk[i] = (t1 - t0) * 1e6;
		ck[i] = (t2 - t1) * 1e6;
	}
	spread_of(mk, PROOFS, make);
	spread_of(ck, PROOFS, check);
	return 0;
}

/* "1k", "1M": a size for the ratio line. */
static const char *
short_size(uint64_t n, char *buf, size_t len)
{
	if (n % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "M", n / 1000000);
	else if (n % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", n / 1000);
	else
		snprintf(buf, len, "%" PRIu64, n);
	return buf;
}

static void
close_logs(struct log *logs)
{
	size_t i;

	for (i = 0; i < NSIZES; i++) {
		bc_catalog_close(logs[i].cat);	/* rolls back a transaction */
		bc_merkle_mem_free(logs[i].mem);
		logs[i].cat = NULL;
		logs[i].mem = NULL;
	}
}

int
main(int argc, char **argv)
{
	static struct log logs[NSIZES];
	struct bc_key *admin = NULL;
	struct bc_err err = { 0 };
	struct spread make = { 0 }, check = { 0 };
	uint8_t root[BC_SHA256_LEN], mem_root[BC_SHA256_LEN];
	char path[PATH_MAX], a[16], b[16];
	uint64_t grown = 0;
	double t0, grow_s, ratio;
	size_t i;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: tlog DIR\n");
		return 2;
	}
	short_size(sizes[LAST], a, sizeof(a));
	short_size(sizes[0], b, sizeof(b));
	if ((r = bc_key_generate(&admin)) != 0) {
		bc_err_set(&err, r, "cannot generate the admin key");
		goto out;
	}

	t0 = now();
	for (i = 0; i < NSIZES; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/log-%" PRIu64
		    ".db", argv[1], sizes[i]) >= sizeof(path)) {
			r = bc_err_set(&err, BC_ERR_INVALID, "%s: path too "
			    "long", argv[1]);
			goto out;
		}
		if ((r = bc_catalog_create(path, admin, NULL, &logs[i].cat,
		    &err)) != 0)
			goto out;
		bc_catalog_log_store(logs[i].cat, &logs[i].store);
		logs[i].size = sizes[i];
		if ((r = db_grow(&logs[i], &err)) != 0 ||
		    (r = fill_window(&logs[i], sizes[i], &err)) != 0)
			goto out;
		grown += sizes[i];
	}
	grow_s = now() - t0;
	printf("bench: %" PRIu64 " leaves appended to %zu catalogs in %.2f s, "
	    "%.2f us per leaf, commits included\n", grown, NSIZES, grow_s,
	    grow_s * 1e6 / (double)grown);
	printf("bench: %d rounds of a window of %d appends on each size; "
	    "ratio: median of the rounds' ratios\n", ROUNDS, WINDOW);
	fflush(stdout);
	if ((r = measure(logs, "sqlite", &ratio, &err)) != 0)
		goto out;
	printf("ratio %s/%s: %.2f (target <= %.0f): %s\n", a, b, ratio,
	    RATIO_MAX, ratio <= RATIO_MAX ? "PASS" : "MISS");
	fflush(stdout);

	if ((r = bc_merkle_root(&logs[LAST].store, sizes[LAST], root,
	    &err)) != 0 ||
	    (r = proofs(&logs[LAST].store, sizes[LAST], root, &make, &check,
	    &err)) != 0)
		goto out;
	printf("inclusion proof at %s leaves: produce %.1f us, check %.1f us "
	    "(target < %.0f ms each): %s\n", a, make.med, check.med,
	    PROOF_MAX_US / 1000, make.med < PROOF_MAX_US &&
	    check.med < PROOF_MAX_US ? "PASS" : "MISS");
	printf("bench: %d proofs of random leaves: produce min %.1f, max "
	    "%.1f us; check min %.1f, max %.1f us\n", PROOFS, make.min,
	    make.max, check.min, check.max);
	fflush(stdout);
	close_logs(logs);

	for (i = 0; i < NSIZES; i++) {
		if ((logs[i].mem = bc_merkle_mem_new()) == NULL) {
			r = bc_err_set(&err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		bc_merkle_mem_store(logs[i].mem, &logs[i].store);
		if ((r = append_run(&logs[i].store, 0, sizes[i], &err)) != 0)
			goto out;
	}
	if ((r = measure(logs, "memory", &ratio, &err)) != 0)
		goto out;
	printf("ratio %s/%s: %.2f (memory store, for comparison)\n", a, b,
	    ratio);
	if ((r = bc_merkle_root(&logs[LAST].store, sizes[LAST], mem_root,
	    &err)) != 0)
		goto out;
	if (memcmp(root, mem_root, sizeof(root)) != 0) {
		r = bc_err_set(&err, BC_ERR_INTEGRITY, "the sqlite and memory "
		    "stores disagree on the root of %" PRIu64 " leaves",
		    sizes[LAST]);
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		fprintf(stderr, "tlog: %s\n", err.msg[0] ? err.msg :
		    bc_strerror(r));
	close_logs(logs);
	bc_key_free(admin);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "tlog: cannot write: %s\n", strerror(errno));
		return 1;
	}
	return r == 0 ? 0 : 1;
}
