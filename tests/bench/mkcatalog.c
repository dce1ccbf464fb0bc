/*
 * mkcatalog.c - build a large, well-formed catalog for the audit benchmark
 * (tests/bench/audit.sh), through the public library API only.
 *
 *   mkcatalog DB ITEMS EVENTS_PER_ITEM KEYDIR [access|annotate]
 *
 * Creates the catalog DB (which must not exist) with an admin key as its
 * anchor and a custodian key authorised by it, then ITEMS items of
 * EVENTS_PER_ITEM custody events each: the genesis 'register' event signed
 * by the admin key and 'access' events signed by the custodian key, every
 * one chained, hashed and signed as 'bodycam register' would do it.  The
 * keys are KEYDIR/admin.{key,pub} and KEYDIR/custodian.{key,pub}; they are
 * made when absent and reused when present.
 *
 * With "annotate" (the retention benchmark, tests/bench/retention.sh) the
 * events after 'register' are 'annotate' events that set the item's
 * category, one of BENCH_CATS in turn, and the item's current view is
 * stored as bodycam/custody.c stores it; items are registered with the
 * category "bench-a".  Every item gets its status row (catalog.h), as
 * bodycam writes it.
 *
 * Item n stands for a file whose content is the line "bodycam bench item
 * n\n" (its SHA-256 and size are sealed), registered at the path
 * /nonexistent/bodycam-bench/bench-NNNNNN.mp4, which does not exist: an
 * audit checks signatures and chains, not files.  'verify --file' on a file
 * with that content passes every check.
 *
 * Rows are written in transactions of about BATCH records: the catalog
 * runs with synchronous=FULL, and a commit per record would time the disk.
 * Prints how long building took on stderr.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bodycam/bodycam.h"

#define BATCH		10000		/* records per transaction */
#define STATION		"bench"
#define ACTOR		"bench"
#define ITEM_DIR	"/nonexistent/bodycam-bench"

static const char *const bench_cats[] = {
	"bench-a", "bench-b", "bench-c", "bench-d"
};

struct bench {
	int			 annotate;	/* annotate events, not access */
	struct bc_catalog	*cat;
	struct bc_key		*admin;
	struct bc_key		*cust;
	char			 origin[BC_ORIGIN_MAX + 1];
};

static void
usage(void)
{
	fprintf(stderr, "usage: mkcatalog DB ITEMS EVENTS_PER_ITEM KEYDIR "
	    "[access|annotate]\n");
	exit(2);
}

/* A positive count from s, at most max; exits on anything else. */
static long long
count(const char *s, const char *what, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "mkcatalog: %s must be 1 to %lld, not '%s'\n",
		    what, max, s);
		usage();
	}
	return v;
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Loads DIR/NAME.key, or makes it and DIR/NAME.pub when it is absent. */
static int
load_or_make_key(const char *dir, const char *name, struct bc_key **out,
    struct bc_err *err)
{
	struct bc_key *k = NULL;
	char priv[PATH_MAX], pub[PATH_MAX];
	int r;

	*out = NULL;
	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s.key", dir, name) >=
	    sizeof(priv) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s/%s.pub", dir, name) >=
	    sizeof(pub))
		return bc_err_set(err, BC_ERR_INVALID, "%s: path too long",
		    dir);
	r = bc_key_load_private(priv, &k, err);
	if (r == 0) {
		*out = k;
		return 0;
	}
	if (r != BC_ERR_NOT_FOUND)
		return r;
	bc_err_clear(err);
	if ((r = bc_key_generate(&k)) != 0) {
		bc_err_set(err, r, "cannot generate the %s key", name);
		goto out;
	}
	if ((r = bc_key_write_private(k, priv, err)) != 0 ||
	    (r = bc_key_write_public(k, pub, err)) != 0)
		goto out;
	*out = k;
	k = NULL;
	r = 0;
 out:
	bc_key_free(k);
	return r;
}

/*
 * Seals a custody event of item (a manifest hash) and stores it; prev is
 * the hash to link to and becomes this event's hash.
 */
static int
add_event(struct bench *b, const struct bc_key *key, const char *item,
    int64_t seq, char prev[BC_SHA256_HEX], const char *action,
    const char *at, json_t *details, struct bc_err *err)
{
	struct bc_signed s = { 0 };
	struct bc_event ev;
	json_t *doc = NULL;
	int r;

	if ((r = bc_event_build(item, seq, prev, action, ACTOR, at, details,
	    bc_key_id(key), b->origin, &doc, err)) != 0 ||
	    (r = bc_doc_seal(doc, key, &s, err)) != 0)
		goto out;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.item, sizeof(ev.item), "%s", item);
	ev.seq = seq;
	snprintf(ev.hash, sizeof(ev.hash), "%s", s.hash);
	ev.body = s.text;
	ev.body_len = s.len;
	ev.sig = s.sig;
	ev.siglen = sizeof(s.sig);
	snprintf(ev.key, sizeof(ev.key), "%s", bc_key_id(key));
	if ((r = bc_catalog_add_event(b->cat, &ev, err)) != 0)
		goto out;
	snprintf(prev, BC_SHA256_HEX, "%s", s.hash);
	r = 0;
 out:
	json_decref(doc);
	bc_signed_clear(&s);
	return r;
}

/*
 * One item as bodycam/register.c stores it, then its events (inside a
 * transaction).
 */
static int
add_item(struct bench *b, long long nevents, struct bc_err *err)
{
	struct bc_manifest_in in;
	struct bc_operator_fields op;
	struct bc_view ann, cur;
	struct bc_status status;
	struct bc_signed man = { 0 };
	struct bc_item row;
	uint8_t digest[BC_SHA256_LEN];
	json_t *mdoc = NULL, *reg = NULL, *acc = NULL;
	char content[64], path[128], id[BC_ITEM_ID_MAX], sha[BC_SHA256_HEX];
	char now[BC_TIME_MAX], prev[BC_SHA256_HEX];
	int64_t num, seq;
	int len, r;

	if ((r = bc_catalog_next_item_num(b->cat, &num, err)) != 0)
		goto out;
	snprintf(id, sizeof(id), "BWC-%06lld", (long long)num);
	snprintf(path, sizeof(path), "%s/bench-%06lld.mp4", ITEM_DIR,
	    (long long)num);
	len = snprintf(content, sizeof(content), "bodycam bench item %lld\n",
	    (long long)num);
	if ((r = bc_sha256(content, (size_t)len, digest)) != 0) {
		bc_err_set(err, r, "SHA-256 failed");
		goto out;
	}
	bc_hex(digest, sizeof(digest), sha);
	bc_time_now(now);

	memset(&in, 0, sizeof(in));
	memset(&op, 0, sizeof(op));
	op.category = b->annotate ? bench_cats[0] : NULL;
	in.op = &op;
	in.id = id;
	in.file_name = bc_basename(path);
	in.size = (uint64_t)len;
	in.sha256 = sha;
	in.mime = "video/mp4";
	in.registered_at = now;
	in.station = STATION;
	in.key_id = bc_key_id(b->admin);
	in.log = b->origin;
	if ((r = bc_manifest_build(&in, &mdoc, err)) != 0 ||
	    (r = bc_doc_seal(mdoc, b->admin, &man, err)) != 0)
		goto out;

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
	snprintf(row.key, sizeof(row.key), "%s", bc_key_id(b->admin));
	row.registered = now;
	if ((r = bc_catalog_add_item(b->cat, &row, err)) != 0)
		goto out;

	if ((reg = json_pack("{s:s, s:s}", "sha256", sha, "station",
	    STATION)) == NULL ||
	    (acc = json_pack("{s:s, s:s, s:s}", "outcome", "done", "sha256",
	    sha, "station", STATION)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(prev, sizeof(prev), "%s", man.hash);
	if ((r = add_event(b, b->admin, man.hash, 0, prev, "register", now,
	    reg, err)) != 0)
		goto out;
	memset(&ann, 0, sizeof(ann));
	for (seq = 1; seq < nevents; seq++) {
		bc_time_now(now);
		if (b->annotate) {
			json_decref(acc);
			if ((acc = json_pack("{s:s, s:s, s:{s:s}, s:s, s:s}",
			    "outcome", "done", "reason", "bench", "set",
			    "category", bench_cats[(num + seq) % 4], "sha256",
			    sha, "station", STATION)) == NULL) {
				r = bc_err_set(err, BC_ERR_NOMEM, "out of "
				    "memory");
				goto out;
			}
			bc_view_apply(&ann, acc);
		}
		if ((r = add_event(b, b->cust, man.hash, seq, prev,
		    b->annotate ? "annotate" : "access", now, acc, err)) != 0)
			goto out;
	}
	/* its status row, as register and custody write it */
	bc_status_make(num, man.hash, id, mdoc, b->annotate ? &ann : NULL,
	    b->annotate ? nevents - 1 : 0, 0, 0, "", &status);
	if ((r = bc_catalog_put_status(b->cat, &status, err)) != 0)
		goto out;
	if (b->annotate && nevents > 1) {
		json_t *v;
		char *text = NULL;
		size_t vlen;

		bc_view_current(mdoc, &ann, &cur);
		if ((v = bc_view_json(&cur)) == NULL) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
		r = bc_canon_dump(v, &text, &vlen, err);
		json_decref(v);
		if (r == 0)
			r = bc_catalog_put_view(b->cat, man.hash, nevents - 1,
			    text, vlen, err);
		free(text);
		if (r != 0)
			goto out;
	}
	r = 0;
 out:
	json_decref(mdoc);
	json_decref(reg);
	json_decref(acc);
	bc_signed_clear(&man);
	return r;
}

int
main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct bc_err err = { 0 };
	struct timespec t0, t1;
	const char *db, *dir;
	long long items, nevents, i, pending = 0;
	double s;
	int r;

	if (argc != 5 && argc != 6)
		usage();
	if (argc == 6) {
		if (strcmp(argv[5], "annotate") == 0)
			b.annotate = 1;
		else if (strcmp(argv[5], "access") != 0)
			usage();
	}
	db = argv[1];
	items = count(argv[2], "ITEMS", 999999);
	nevents = count(argv[3], "EVENTS_PER_ITEM", 1000000);
	dir = argv[4];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "mkcatalog: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if ((r = load_or_make_key(dir, "admin", &b.admin, &err)) != 0 ||
	    (r = load_or_make_key(dir, "custodian", &b.cust, &err)) != 0 ||
	    (r = bc_catalog_create(db, b.admin, NULL, &b.cat, &err)) != 0 ||
	    (r = bc_key_authorise(b.cat, b.admin, b.cust, "bench-custodian",
	    BC_ROLE_CUSTODIAN, &err)) != 0 ||
	    (r = bc_catalog_origin(b.cat, b.origin, &err)) != 0)
		goto out;
	/* every event's time is taken from here on: after the key's */

	if ((r = bc_catalog_begin(b.cat, &err)) != 0)
		goto out;
	for (i = 0; i < items; i++) {
		if ((r = add_item(&b, nevents, &err)) != 0)
			goto out;
		pending += 1 + nevents;
		if (pending >= BATCH || i + 1 == items) {
			if ((r = bc_catalog_commit(b.cat, &err)) != 0)
				goto out;
			pending = 0;
			if (i + 1 < items &&
			    (r = bc_catalog_begin(b.cat, &err)) != 0)
				goto out;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = elapsed(&t0, &t1);
	fprintf(stderr, "mkcatalog: %lld items, %lld events in %.2f s "
	    "(%.0f events/s)\n", items, items * nevents, s,
	    (double)(items * nevents) / s);
	r = 0;
 out:
	if (r != 0)
		fprintf(stderr, "mkcatalog: %s: %s\n", db,
		    err.msg[0] ? err.msg : bc_strerror(r));
	bc_catalog_close(b.cat);	/* rolls back an open transaction */
	bc_key_free(b.admin);
	bc_key_free(b.cust);
	return r == 0 ? 0 : 1;
}
