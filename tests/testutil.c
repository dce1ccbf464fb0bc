/*
 * testutil.c - helpers shared by the Check suites; see testutil.h.
 *
 * The library never includes sqlite3.h outside catalog.c; the tests may,
 * since editing rows behind the library's back is how tampering is shown.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"

#define TU_PATH_MAX	4096
#define TU_NBUFS	4

static char tu_base[TU_PATH_MAX];	/* per TCase, made in the parent */
static char tu_test[TU_PATH_MAX];	/* per test, made in its process */

static int
make_tmp(char *out, size_t outsz, const char *parent)
{
	int n;

	n = snprintf(out, outsz, "%s/bodycam-check.XXXXXX", parent);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return mkdtemp(out) == NULL ? -1 : 0;
}

void
tu_suite_setup(void)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || *t == '\0')
		t = "/tmp";
	if (make_tmp(tu_base, sizeof(tu_base), t) != 0) {
		fprintf(stderr, "testutil: mkdtemp under %s: %s\n", t,
		    strerror(errno));
		abort();
	}
}

void
tu_suite_teardown(void)
{
	if (tu_base[0] != '\0')
		(void)tu_rm_rf(tu_base);
	tu_base[0] = '\0';
}

void
tu_test_setup(void)
{
	const char *t = tu_base[0] != '\0' ? tu_base : getenv("TMPDIR");

	if (t == NULL || *t == '\0')
		t = "/tmp";
	ck_assert_msg(make_tmp(tu_test, sizeof(tu_test), t) == 0,
	    "mkdtemp under %s: %s", t, strerror(errno));
}

void
tu_test_teardown(void)
{
	if (tu_test[0] != '\0')
		(void)tu_rm_rf(tu_test);
	tu_test[0] = '\0';
}

const char *
tu_dir(void)
{
	ck_assert_msg(tu_test[0] != '\0', "no test directory (fixture?)");
	return tu_test;
}

static char *
next_buf(void)
{
	static char bufs[TU_NBUFS][TU_PATH_MAX];
	static unsigned int next;

	return bufs[next++ % TU_NBUFS];
}

const char *
tu_path(const char *name)
{
	char *b = next_buf();
	int n;

	n = snprintf(b, TU_PATH_MAX, "%s/%s", tu_dir(), name);
	ck_assert_msg(n > 0 && n < TU_PATH_MAX, "path too long");
	return b;
}

const char *
tu_data_dir(void)
{
	const char *d = getenv("BODYCAM_TESTDATA");

	return d != NULL && *d != '\0' ? d : "tests/data";
}

const char *
tu_data_path(const char *rel)
{
	char *b = next_buf();
	int n;

	n = snprintf(b, TU_PATH_MAX, "%s/%s", tu_data_dir(), rel);
	ck_assert_msg(n > 0 && n < TU_PATH_MAX, "path too long");
	return b;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_flags(const char *path, const void *buf, size_t len, int flags)
{
	int fd, r;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags,
	    0644)) == -1)
		return -1;
	r = write_all(fd, buf, len);
	if (close(fd) == -1)
		r = -1;
	return r;
}

int
tu_write_file(const char *path, const void *buf, size_t len)
{
	return write_flags(path, buf, len, O_TRUNC);
}

int
tu_write_str(const char *path, const char *s)
{
	return tu_write_file(path, s, strlen(s));
}

int
tu_copy_file(const char *from, const char *to)
{
	char *buf;
	size_t len;
	int r;

	if ((buf = tu_read_file(from, &len)) == NULL)
		return -1;
	r = tu_write_file(to, buf, len);
	free(buf);
	return r;
}

void
tu_copy_data(const char *rel, const char *path)
{
	ck_assert_msg(tu_copy_file(tu_data_path(rel), path) == 0,
	    "copy %s to %s", rel, path);
}

size_t
tu_split_tsv(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

int
tu_open_replaced(const char *first, const char *then, const char *name)
{
	char path[4096], other[4200];
	int fd;

	snprintf(path, sizeof(path), "%s", tu_path(name));
	snprintf(other, sizeof(other), "%s.then", path);
	ck_assert_int_eq(tu_copy_file(tu_data_path(first), path), 0);
	ck_assert_int_eq(tu_copy_file(tu_data_path(then), other), 0);
	ck_assert_int_ne(fd = open(path, O_RDONLY | O_CLOEXEC), -1);
	ck_assert_int_eq(rename(other, path), 0);
	return fd;
}

int
tu_append_file(const char *path, const void *buf, size_t len)
{
	return write_flags(path, buf, len, O_APPEND);
}

uint8_t
tu_pattern_byte(uint64_t i)
{
	return (uint8_t)((i * 31 + 7) & 0xff);
}

int
tu_write_pattern(const char *path, size_t len)
{
	uint8_t *buf;
	size_t i;
	int r;

	if ((buf = malloc(len ? len : 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = tu_pattern_byte(i);
	r = tu_write_file(path, buf, len);
	free(buf);
	return r;
}

char *
tu_read_file(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	ssize_t n;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*len = off;
	return buf;
 fail:
	free(buf);
	close(fd);
	return NULL;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

int
tu_rm_rf(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	/* directories may have been made unreadable by a test */
	if (S_ISDIR(st.st_mode))
		(void)chmod(path, 0700);
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int
tu_sql(const char *path, const char *sql, char **msg)
{
	sqlite3 *db = NULL;
	char *m = NULL;
	int rc;

	if (msg != NULL)
		*msg = NULL;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, sql, NULL, NULL, &m);
	}
	if (msg != NULL && rc != SQLITE_OK)
		*msg = strdup(m != NULL ? m : db != NULL ?
		    sqlite3_errmsg(db) : "cannot open");
	sqlite3_free(m);
	sqlite3_close(db);
	return rc;
}

long long
tu_sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void
tu_catalog_new(const char *name, struct bc_key **key,
    struct bc_catalog **cat)
{
	struct bc_err err = { 0 };
	int r;

	ck_assert_int_eq(bc_key_generate(key), 0);
	r = bc_catalog_create(tu_path(name), *key, "bodycam.test/log", cat,
	    &err);
	ck_assert_msg(r == 0, "bc_catalog_create: %s: %s", bc_strerror(r),
	    err.msg);
}

void
tu_fixture_setup(struct tu_fixture *fx)
{
	unsetenv("BODYCAM_NOW");
	tu_test_setup();
	tu_catalog_new("catalog.db", &fx->admin, &fx->cat);
	fx->path = strdup(tu_path("catalog.db"));
	ck_assert_ptr_nonnull(fx->path);
}

void
tu_fixture_teardown(struct tu_fixture *fx)
{
	bc_catalog_close(fx->cat);
	bc_key_free(fx->admin);
	free(fx->path);
	memset(fx, 0, sizeof(*fx));
	unsetenv("BODYCAM_NOW");
	tu_test_teardown();
}

static struct tu_fixture fx;
static struct bc_key **fx_admin;
static struct bc_catalog **fx_cat;
static const char **fx_path;

void
tu_fx_bind(struct bc_key **admin, struct bc_catalog **cat,
    const char **path)
{
	fx_admin = admin;
	fx_cat = cat;
	fx_path = path;
}

void
tu_fx_setup(void)
{
	ck_assert_msg(fx_cat != NULL, "tu_fx_setup without tu_fx_bind");
	tu_fixture_setup(&fx);
	*fx_admin = fx.admin;
	*fx_cat = fx.cat;
	*fx_path = fx.path;
}

void
tu_fx_teardown(void)
{
	fx.cat = *fx_cat;
	tu_fixture_teardown(&fx);
	*fx_admin = NULL;
	*fx_cat = NULL;
	*fx_path = NULL;
}

void
tu_authorise(struct bc_catalog *cat, const struct bc_key *admin,
    const struct bc_key *k, const char *name, int role)
{
	struct bc_err e = { 0 };
	int r;

	r = bc_key_authorise(cat, admin, k, name, role, &e);
	ck_assert_msg(r == 0, "authorise %s: %s: %s", name, bc_strerror(r),
	    e.msg);
}

void
tu_register(struct bc_catalog *cat, const struct bc_key *key,
    const char *path, const char *want_id, struct bc_register_result *res)
{
	struct bc_register_opts opts;
	struct bc_register_result r0;
	struct bc_err e = { 0 };
	int r;

	if (res == NULL)
		res = &r0;
	memset(&opts, 0, sizeof(opts));
	opts.actor = "dock";
	opts.op.officer = "O-17";
	r = bc_register(cat, key, path, &opts, res, &e);
	ck_assert_msg(r == 0, "register %s: %s: %s", path, bc_strerror(r),
	    e.msg);
	if (want_id != NULL)
		ck_assert_str_eq(res->id, want_id);
}

void
tu_verify_ref(struct bc_catalog *cat, const char *ref,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep)
{
	struct bc_item *it = NULL;
	struct bc_err e = { 0 };
	int r;

	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	r = bc_verify_item(cat, it, opts, rep, &e);
	ck_assert_msg(r == 0, "verify %s: %s: %s", ref, bc_strerror(r),
	    e.msg);
	bc_item_free(it);
}

void
tu_store_event(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const char *action, const char *at, json_t *details)
{
	tu_store_event_as(cat, key, key, "rogue", ref, action, at, details);
}

void
tu_add_event(struct bc_catalog *cat, const struct bc_key *key,
    const struct bc_key *named, const char *item, int64_t seq,
    char prev[BC_SHA256_HEX], const char *actor, const char *action,
    const char *at, json_t *details)
{
	struct bc_signed s = { 0 };
	struct bc_event ev;
	struct bc_err e = { 0 };
	json_t *doc = NULL;

	ck_assert_int_eq(bc_event_build(item, seq, prev, action, actor, at,
	    details, bc_key_id(named), tu_origin(cat), &doc, &e), 0);
	ck_assert_int_eq(bc_doc_seal(doc, key, &s, &e), 0);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.item, sizeof(ev.item), "%s", item);
	ev.seq = seq;
	snprintf(ev.hash, sizeof(ev.hash), "%s", s.hash);
	ev.body = s.text;
	ev.body_len = s.len;
	ev.sig = s.sig;
	ev.siglen = sizeof(s.sig);
	snprintf(ev.key, sizeof(ev.key), "%s", bc_key_id(named));
	ck_assert_msg(bc_catalog_add_event(cat, &ev, &e) == 0, "%s", e.msg);
	snprintf(prev, BC_SHA256_HEX, "%s", s.hash);
	json_decref(doc);
	bc_signed_clear(&s);
}

int64_t
tu_store_event_as(struct bc_catalog *cat, const struct bc_key *key,
    const struct bc_key *named, const char *actor, const char *ref,
    const char *action, const char *at, json_t *details)
{
	struct bc_item *it = NULL;
	struct bc_event *evs = NULL;
	struct bc_err e = { 0 };
	char prev[BC_SHA256_HEX];
	size_t n = 0;

	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &e), 0);
	ck_assert_int_eq(bc_catalog_events(cat, it->manifest_hash, &evs, &n,
	    &e), 0);
	ck_assert_uint_gt(n, 0);
	snprintf(prev, sizeof(prev), "%s", evs[n - 1].hash);
	ck_assert_int_eq(bc_catalog_begin(cat, &e), 0);
	tu_add_event(cat, key, named, it->manifest_hash, (int64_t)n, prev,
	    actor, action, at, details);
	ck_assert_int_eq(bc_catalog_commit(cat, &e), 0);
	bc_events_free(evs, n);
	bc_item_free(it);
	return (int64_t)n;
}

const struct bc_check *
tu_find_check(const struct bc_verify_report *rep, const char *name,
    int64_t seq)
{
	size_t i;

	for (i = 0; i < rep->nchecks; i++)
		if (strcmp(rep->checks[i].name, name) == 0 &&
		    rep->checks[i].seq == seq)
			return &rep->checks[i];
	return NULL;
}

void
tu_sql_ok(const char *path, const char *stmt)
{
	char *msg = NULL;
	int rc;

	rc = tu_sql(path, stmt, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", stmt, msg ? msg : "?");
	free(msg);
}

int
tu_contains(const char *haystack, const char *needle)
{
	return haystack != NULL && needle != NULL &&
	    strstr(haystack, needle) != NULL;
}

int
tu_call_timeout(int (*fn)(void *), void *arg, unsigned ms, int *ret)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	unsigned waited = 0;
	pid_t pid, w;
	int status;

	*ret = 0;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		_exit(-fn(arg) & 0xff);	/* codes are 0 and small negatives */
	for (;;) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w == -1 && errno != EINTR)
			return -1;
		if (waited >= ms) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited += 10;
	}
	if (!WIFEXITED(status))
		return -1;
	*ret = -WEXITSTATUS(status);
	return 0;
}

TCase *
tu_tcase(Suite *s, const char *name, SFun setup, SFun teardown)
{
	TCase *tc = tcase_create(name);

	if (setup != NULL || teardown != NULL) {
		tcase_add_unchecked_fixture(tc, tu_suite_setup,
		    tu_suite_teardown);
		tcase_add_checked_fixture(tc, setup, teardown);
	}
	suite_add_tcase(s, tc);
	return tc;
}

int
tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct bc_key *
tu_new_key(void)
{
	struct bc_key *k = NULL;

	ck_assert_int_eq(bc_key_generate(&k), 0);
	ck_assert_ptr_nonnull(k);
	return k;
}

void
tu_custody(struct bc_catalog *cat, const struct bc_key *key, const char *ref,
    const char *action, const char *to, const char *reason, const char *file,
    const char *outcome, struct bc_custody_result *res)
{
	struct bc_custody_req q;
	struct bc_custody_result mine;
	struct bc_err e = { 0 };
	int r;

	memset(&q, 0, sizeof(q));
	q.action = action;
	q.actor = "det.smith";
	q.to = to;
	q.reason = reason;
	q.file = file;
	q.outcome = outcome;
	r = bc_custody_add(cat, key, ref, &q, res ? res : &mine, &e);
	ck_assert_msg(r == 0, "%s %s: %s: %s", action, ref, bc_strerror(r),
	    e.msg);
}

char *
tu_schema_dump(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL, *tmp;
	size_t len = 0, n;
	const char *s;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT type || ' ' || name "
	    "|| ' ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, "
	    "name", -1, &st, NULL), SQLITE_OK);
	ck_assert_ptr_nonnull(out = strdup(""));
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = (const char *)sqlite3_column_text(st, 0);
		n = strlen(s);
		ck_assert_ptr_nonnull(tmp = realloc(out, len + n + 2));
		out = tmp;
		memcpy(out + len, s, n);
		out[len + n] = '\n';
		out[len + n + 1] = '\0';
		len += n + 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

const char *
tu_origin(struct bc_catalog *cat)
{
	static char origin[BC_ORIGIN_MAX + 1];

	ck_assert_int_eq(bc_catalog_origin(cat, origin, NULL), 0);
	return origin;
}
