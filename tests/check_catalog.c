/*
 * check_catalog.c - the SQLite catalog: creation and opening (and what is
 * refused), migrations, append-only triggers, the write lock, and items
 * as bc_register leaves them: lookup by id, prefix and hash, duplicates,
 * signers, and filtered listing; the copy of 'migrate' to another file
 * (what it copies, what it refuses) and the names messages show.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <grp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "testutil.h"

static struct bc_key *key;		/* the catalog's admin key */
static struct bc_catalog *cat;
static const char *catpath;

/*
 * Registers the file name (made of content) as the admin, with the
 * operator fields op, or an officer and a case number when op is NULL.
 */
static void
register_file(const char *name, const char *content,
    const struct bc_operator_fields *op, struct bc_register_result *res)
{
	struct bc_register_opts opts;
	struct bc_err err = { 0 };
	int r;

	memset(&opts, 0, sizeof(opts));
	if (op != NULL) {
		opts.op = *op;
	} else {
		opts.op.officer = "O-9";
		opts.op.case_no = "C-9";
	}
	opts.actor = "tester";
	ck_assert_int_eq(tu_write_str(tu_path(name), content), 0);
	r = bc_register(cat, key, tu_path(name), &opts, res, &err);
	ck_assert_msg(r == 0, "register %s: %s: %s", name, bc_strerror(r),
	    err.msg);
}

static int
count_item(void *arg, const struct bc_item *it)
{
	(*(int *)arg)++;
	return 0;
}

static int
item_count(void)
{
	int n = 0;

	ck_assert_int_eq(bc_catalog_list(cat, NULL, count_item, &n, NULL), 0);
	return n;
}

/* --- open --------------------------------------------------------------- */

START_TEST(test_create_schema)
{
	struct bc_key *admin = NULL;
	int v = -1;

	ck_assert_int_eq(bc_catalog_schema(cat, &v), 0);
	ck_assert_int_eq(v, BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA application_id"),
	    BC_CATALOG_APP_ID);
	ck_assert_int_eq(bc_catalog_admin_key(cat, &admin, NULL), 0);
	ck_assert_str_eq(bc_key_id(admin), bc_key_id(key));
	ck_assert(!bc_key_is_private(admin));
	bc_key_free(admin);
	ck_assert_int_eq(item_count(), 0);

	/* and again after closing and opening */
	bc_catalog_close(cat);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	ck_assert_int_eq(bc_catalog_schema(cat, &v), 0);
	ck_assert_int_eq(v, BC_CATALOG_SCHEMA);
	ck_assert_int_eq(bc_catalog_admin_key(cat, &admin, NULL), 0);
	ck_assert_str_eq(bc_key_id(admin), bc_key_id(key));
	bc_key_free(admin);
}
END_TEST

START_TEST(test_create_exists)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	char *text;
	size_t len;

	ck_assert_int_eq(bc_catalog_create(catpath, key, NULL, &c2, &err),
	    BC_ERR_EXISTS);
	ck_assert_ptr_null(c2);
	/* the catalog that was there still works */
	ck_assert_int_eq(bc_catalog_open(catpath, &c2, &err), 0);
	bc_catalog_close(c2);

	ck_assert_int_eq(tu_write_str(tu_path("keep"), "keep me"), 0);
	ck_assert_int_eq(bc_catalog_create(tu_path("keep"), key, NULL, &c2,
	    &err),
	    BC_ERR_EXISTS);
	ck_assert_ptr_nonnull(text = tu_read_file(tu_path("keep"), &len));
	ck_assert_str_eq(text, "keep me");
	free(text);
}
END_TEST

START_TEST(test_create_no_dir)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_ne(bc_catalog_create(tu_path("no/such/dir.db"), key,
	    NULL, &c2, &err), 0);
	ck_assert_ptr_null(c2);
}
END_TEST

START_TEST(test_open_missing)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_catalog_open(tu_path("missing.db"), &c2, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_ptr_null(c2);
	ck_assert(tu_contains(err.msg, "missing.db"));
	/* opening must not create it */
	ck_assert_int_eq(access(tu_path("missing.db"), F_OK), -1);
}
END_TEST

START_TEST(test_open_random_bytes)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	uint8_t buf[8192];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = tu_pattern_byte(i * 7 + 3);
	ck_assert_int_eq(tu_write_file(tu_path("random.db"), buf,
	    sizeof(buf)), 0);
	ck_assert_int_eq(bc_catalog_open(tu_path("random.db"), &c2, &err),
	    BC_ERR_NOT_CATALOG);
	ck_assert_ptr_null(c2);

	/* an empty file is an empty SQLite database, not a catalog */
	ck_assert_int_eq(tu_write_str(tu_path("empty.db"), ""), 0);
	ck_assert_int_eq(bc_catalog_open(tu_path("empty.db"), &c2, &err),
	    BC_ERR_NOT_CATALOG);
	ck_assert_ptr_null(c2);

	/* nor a directory */
	ck_assert_int_eq(bc_catalog_open(tu_dir(), &c2, &err),
	    BC_ERR_NOT_CATALOG);
	ck_assert_ptr_null(c2);
}
END_TEST

START_TEST(test_open_foreign_sqlite)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	char *schema;
	const char *path = tu_path("other.db");

	ck_assert_int_eq(tu_sql(path, "CREATE TABLE t (x); "
	    "INSERT INTO t VALUES (1);", NULL), SQLITE_OK);
	ck_assert_ptr_nonnull(schema = tu_schema_dump(path));
	ck_assert_int_eq(bc_catalog_open(path, &c2, &err),
	    BC_ERR_NOT_CATALOG);
	ck_assert_ptr_null(c2);
	/* and it was left alone: no tables added */
	{
		char *after = tu_schema_dump(path);

		ck_assert_str_eq(after, schema);
		free(after);
	}
	free(schema);
}
END_TEST

START_TEST(test_open_newer_schema)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };

	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(tu_sql(catpath, "PRAGMA user_version = 99", NULL),
	    SQLITE_OK);
	ck_assert_int_eq(bc_catalog_open(catpath, &c2, &err), BC_ERR_SCHEMA);
	ck_assert_ptr_null(c2);
	ck_assert(tu_contains(err.msg, "99"));
	/* refusing did not touch the version */
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA user_version"), 99);
}
END_TEST

START_TEST(test_reopen_unchanged)
{
	struct bc_register_result res;
	char *before, *after;
	long long items;

	register_file("a.mp4", "first", NULL, &res);
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_ptr_nonnull(before = tu_schema_dump(catpath));
	items = tu_sql_int(catpath, "SELECT count(*) FROM items");
	ck_assert_int_eq(items, 1);

	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	bc_catalog_close(cat);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, NULL), 0);
	ck_assert_ptr_nonnull(after = tu_schema_dump(catpath));
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(tu_sql_int(catpath, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items"),
	    items);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    1);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_migrate_from_zero)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	const char *path = tu_path("v0.db");
	char sql[128];
	int v = -1, r;

	/* our application id, but no schema yet: version 0 */
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;",
	    (int)BC_CATALOG_APP_ID);
	ck_assert_int_eq(tu_sql(path, sql, NULL), SQLITE_OK);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 0);
	r = bc_catalog_open(path, &c2, &err);
	ck_assert_msg(r == 0, "%s: %s", bc_strerror(r), err.msg);
	ck_assert_int_eq(bc_catalog_schema(c2, &v), 0);
	ck_assert_int_eq(v, BC_CATALOG_SCHEMA);
	bc_catalog_close(c2);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name IN ('items', 'events', 'meta')"),
	    3);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'trigger' AND name IN ('items_no_update',"
	    " 'items_no_delete', 'events_no_update', 'events_no_delete',"
	    " 'meta_no_update', 'meta_no_delete')"), 6);
	/* migrating gives exactly the schema that creating gives */
	{
		char *migrated = tu_schema_dump(path), *created;

		created = tu_schema_dump(catpath);
		ck_assert_str_eq(migrated, created);
		free(migrated);
		free(created);
	}
}
END_TEST

/* --- append-only -------------------------------------------------------- */

static void
expect_refused_sql(const char *sql)
{
	char *msg = NULL;
	int rc;

	rc = tu_sql(catpath, sql, &msg);
	ck_assert_msg(rc != SQLITE_OK, "'%s' was allowed", sql);
	ck_assert_msg(tu_contains(msg, "append-only"), "'%s': %s", sql,
	    msg ? msg : "(no message)");
	free(msg);
}

START_TEST(test_triggers)
{
	struct bc_register_result res;

	register_file("a.mp4", "first", NULL, &res);
	expect_refused_sql("UPDATE items SET path = '/elsewhere'");
	expect_refused_sql("UPDATE items SET manifest = manifest || ' '");
	expect_refused_sql("DELETE FROM items");
	expect_refused_sql("UPDATE events SET seq = 7");
	expect_refused_sql("DELETE FROM events");
	expect_refused_sql("UPDATE meta SET value = 'x' WHERE name = "
	    "'admin_key'");
	expect_refused_sql("DELETE FROM meta");
	expect_refused_sql("INSERT INTO meta (name, value) VALUES "
	    "('admin_key', 'x') ON CONFLICT (name) DO UPDATE SET value = "
	    "excluded.value");

	/* nothing changed */
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items"), 1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    1);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM meta"), 3);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items "
	    "WHERE path = '/elsewhere'"), 0);
}
END_TEST

START_TEST(test_replace_meta_is_refused)
{
	struct bc_register_result res;
	struct bc_key *admin = NULL;

	/*
	 * INSERT OR REPLACE deletes the conflicting row without firing
	 * DELETE triggers (unless recursive_triggers is on in the writing
	 * connection), so it must be refused some other way: otherwise the
	 * trust anchor, or an item, is replaced in place.
	 */
	register_file("a.mp4", "first", NULL, &res);
	expect_refused_sql("INSERT OR REPLACE INTO meta (name, value) VALUES "
	    "('admin_key', '00')");
	ck_assert_int_eq(bc_catalog_admin_key(cat, &admin, NULL), 0);
	ck_assert_str_eq(bc_key_id(admin), bc_key_id(key));
	bc_key_free(admin);
}
END_TEST

START_TEST(test_replace_item_is_refused)
{
	struct bc_register_result res;

	/* the same hole on items: the row is replaced in place */
	register_file("a.mp4", "first", NULL, &res);
	expect_refused_sql("REPLACE INTO items SELECT num, id, sha256, size, "
	    "'/elsewhere', manifest, manifest_hash, signature, key, registered, "
	    "leaf "
	    "FROM items WHERE num = 1");
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM items "
	    "WHERE path = '/elsewhere'"), 0);
}
END_TEST

/* --- locking ------------------------------------------------------------ */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* What the second writer reports: begin's result and when it ran. */
struct writer2 {
	int	r;
	int64_t	start;		/* CLOCK_MONOTONIC, system-wide */
	int64_t	end;
};

START_TEST(test_second_writer_waits)
{
	struct timespec hold = { 0, 300 * 1000 * 1000 };
	struct bc_catalog *c1 = NULL;
	struct writer2 w;
	int up[2], down[2], status;
	int64_t committed;
	pid_t pid;
	char c;

	/*
	 * SQLite state must not cross fork(): close the fixture's handle
	 * first, and let each process open its own.
	 */
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		struct bc_catalog *c2 = NULL;

		close(up[0]);
		close(down[1]);
		memset(&w, 0, sizeof(w));
		w.r = bc_catalog_open(catpath, &c2, NULL);
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		if (w.r == 0) {
			w.start = now_ns();
			w.r = bc_catalog_begin(c2, NULL);
			w.end = now_ns();
			if (w.r == 0)
				w.r = bc_catalog_commit(c2, NULL);
		}
		bc_catalog_close(c2);
		_exit(write(up[1], &w, sizeof(w)) == sizeof(w) ? 0 : 1);
	}
	close(up[1]);
	close(down[0]);
	ck_assert_int_eq(read(up[0], &c, 1), 1);	/* child has opened */
	ck_assert_int_eq(bc_catalog_open(catpath, &c1, NULL), 0);
	ck_assert_int_eq(bc_catalog_begin(c1, NULL), 0);
	ck_assert_int_eq(write(down[1], "g", 1), 1);
	nanosleep(&hold, NULL);
	committed = now_ns();
	ck_assert_int_eq(bc_catalog_commit(c1, NULL), 0);
	bc_catalog_close(c1);
	ck_assert_int_eq(read(up[0], &w, sizeof(w)), sizeof(w));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(down[1]);

	ck_assert_msg(w.r == 0, "second writer: %s", bc_strerror(w.r));
	/* it asked while we held the lock, and got it once we let go */
	ck_assert_msg(w.start < committed, "second writer came too late");
	ck_assert_msg(w.end >= committed, "second writer got the lock "
	    "%lld ms before the first let go",
	    (long long)(committed - w.end) / 1000000);
}
END_TEST

START_TEST(test_transaction_rules)
{
	struct bc_err err = { 0 };
	struct bc_item it;
	int64_t num = 0;

	memset(&it, 0, sizeof(it));
	/* writes outside a transaction and nested transactions are bugs */
	ck_assert_int_eq(bc_catalog_add_item(cat, &it, &err),
	    BC_ERR_INTERNAL);
	ck_assert_int_eq(bc_catalog_commit(cat, &err), BC_ERR_INTERNAL);
	ck_assert_int_eq(bc_catalog_begin(cat, &err), 0);
	ck_assert_int_eq(bc_catalog_begin(cat, &err), BC_ERR_INTERNAL);
	ck_assert_int_eq(bc_catalog_next_item_num(cat, &num, &err), 0);
	ck_assert_int_eq(num, 1);
	bc_catalog_rollback(cat);
	bc_catalog_rollback(cat);	/* a no-op now */
	ck_assert_int_eq(bc_catalog_begin(cat, &err), 0);
	ck_assert_int_eq(bc_catalog_commit(cat, &err), 0);
}
END_TEST

/* --- read-only ---------------------------------------------------------- */

static int
count_items_of(struct bc_catalog *c)
{
	int64_t items = -1, events = -1;

	if (bc_catalog_count(c, &items, &events, NULL) != 0)
		return -1;
	return (int)items;
}

/*
 * Opens path read-only and checks what a reader may do: read the item,
 * never begin a write.  Returns 0 or a small number saying what failed,
 * for a child's exit status.
 */
static int
read_only_use(const char *path)
{
	struct bc_catalog *c = NULL;
	struct bc_err err = { 0 };
	int r;

	if ((r = bc_catalog_open_flags(path, BC_CATALOG_READ_ONLY, &c,
	    &err)) != 0) {
		fprintf(stderr, "read-only open: %s: %s\n", bc_strerror(r),
		    err.msg);
		return 10;
	}
	if (!bc_catalog_read_only(c))
		r = 11;
	else if (count_items_of(c) != 1)
		r = 12;
	else if (bc_catalog_begin(c, &err) != BC_ERR_INTERNAL ||
	    !tu_contains(err.msg, "read-only"))
		r = 13;
	bc_catalog_close(c);
	return r;
}

/* A copy of the catalog with one item, closed, its file mode 0444. */
static void
read_only_copy(const char *to)
{
	struct bc_register_result res;

	register_file("a.mp4", "first", NULL, &res);
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(tu_copy_file(catpath, to), 0);
	ck_assert_int_eq(chmod(to, 0444), 0);
}

/* A 0444 copy in a directory we may write: read, never written. */
START_TEST(test_read_only_file)
{
	const char *copy = tu_path("copy.db");
	char *before, *after;
	size_t blen, alen;

	read_only_copy(copy);
	ck_assert_ptr_nonnull(before = tu_read_file(copy, &blen));
	ck_assert_int_eq(read_only_use(copy), 0);
	ck_assert_ptr_nonnull(after = tu_read_file(copy, &alen));
	ck_assert(blen == alen && memcmp(before, after, blen) == 0);
	free(before);
	free(after);
}
END_TEST

/*
 * A copy in a directory that cannot be written, with no -wal or -shm
 * file: SQLite cannot make the WAL's shared memory there.  Root may write
 * anywhere, so as root the reader runs as nobody.
 */
START_TEST(test_read_only_dir)
{
	char dir[4096], copy[4200], side[4300];
	const char *tmp = getenv("TMPDIR");
	pid_t pid;
	int status = -1;

	snprintf(dir, sizeof(dir), "%s/bc-ro.XXXXXX", tmp != NULL &&
	    *tmp != '\0' ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/catalog.db", dir);
	read_only_copy(copy);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) != 0 ||
		    setgid(65534) != 0 || setuid(65534) != 0))
			_exit(20);
		if (access(copy, R_OK) != 0)
			_exit(22);	/* $TMPDIR is closed to nobody */
		if (access(dir, W_OK) == 0)
			_exit(21);	/* no way to make it read-only */
		_exit(read_only_use(copy));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	chmod(dir, 0755);
	snprintf(side, sizeof(side), "%s-shm", copy);
	ck_assert_int_eq(access(side, F_OK), -1);
	unlink(copy);
	rmdir(dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 22) {
		fprintf(stderr, "test_read_only_dir: skipped: nobody cannot "
		    "reach %s\n", dir);
		return;
	}
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the reader failed: status %d", status);
}
END_TEST

/* Read-only never upgrades: it says a writer must. */
START_TEST(test_read_only_old_schema)
{
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	const char *copy = tu_path("v3.db");

	ck_assert_int_eq(tu_copy_file(tu_data_path("catalogs/v3.db"), copy),
	    0);
	ck_assert_int_eq(bc_catalog_open_flags(copy, BC_CATALOG_READ_ONLY,
	    &c2, &err), BC_ERR_SCHEMA);
	ck_assert_ptr_null(c2);
	ck_assert_msg(tu_contains(err.msg, "needs an upgrade"), "%s",
	    err.msg);
	ck_assert_int_eq(bc_exit_status(BC_ERR_SCHEMA), 3);
	ck_assert_int_eq(tu_sql_int(copy, "PRAGMA user_version"), 3);
	/* a writer upgrades it */
	ck_assert_int_eq(bc_catalog_open(copy, &c2, &err), 0);
	bc_catalog_close(c2);
	ck_assert_int_eq(tu_sql_int(copy, "PRAGMA user_version"),
	    BC_CATALOG_SCHEMA);
}
END_TEST

/*
 * A full disk is named as such.  Every connection this process opens
 * from now on may not grow its database (PRAGMA max_page_count, set by an
 * automatic extension): what SQLite says when the disk is full.
 */
static int
no_growth(sqlite3 *db, char **msg, const void *api)
{
	sqlite3_exec(db, "PRAGMA max_page_count = 1", NULL, NULL, NULL);
	return SQLITE_OK;
}

START_TEST(test_disk_full)
{
	struct bc_register_opts opts;
	struct bc_register_result res;
	struct bc_err err = { 0 };
	char name[32], content[64];
	int i, r = 0;

	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(sqlite3_auto_extension((void (*)(void))no_growth),
	    SQLITE_OK);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, &err), 0);
	memset(&opts, 0, sizeof(opts));
	opts.actor = "tester";
	opts.op.officer = "O-9";
	for (i = 0; i < 200 && r == 0; i++) {
		snprintf(name, sizeof(name), "f%d.mp4", i);
		snprintf(content, sizeof(content), "content %d", i);
		ck_assert_int_eq(tu_write_str(tu_path(name), content), 0);
		r = bc_register(cat, key, tu_path(name), &opts, &res, &err);
	}
	sqlite3_reset_auto_extension();
	ck_assert_msg(r != 0, "200 registrations and the catalog never grew");
	ck_assert_msg(strcmp(bc_strerror(r), "disk full") == 0 &&
	    tu_contains(err.msg, "disk full"), "%s: %s", bc_strerror(r),
	    err.msg);
	ck_assert_int_eq(bc_exit_status(r), 3);

	/* and a file write that finds no space says the same */
	ck_assert_int_eq(bc_err_errno(&err, ENOSPC, "%s", "out.txt"),
	    BC_ERR_FULL);
	ck_assert_msg(tu_contains(err.msg, "out.txt: disk full"), "%s",
	    err.msg);
	ck_assert_int_eq(bc_err_errno(&err, EACCES, "out.txt"), BC_ERR_IO);
	ck_assert(!tu_contains(err.msg, "disk full"));
}
END_TEST

/* --- items -------------------------------------------------------------- */

START_TEST(test_register_and_find)
{
	struct bc_register_result res;
	struct bc_file_hash fh;
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	uint8_t d[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX], ref[BC_SHA256_HEX], *real;
	size_t i;
	const char *refs[4];

	setenv("BODYCAM_NOW", "2026-11-26T02:15:33Z", 1);
	register_file("clip.mp4", "not really a video", NULL, &res);
	ck_assert_str_eq(res.id, "BWC-000001");
	ck_assert_int_eq(bc_hash_file(tu_path("clip.mp4"), &fh, NULL, NULL,
	    NULL), 0);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	ck_assert_str_eq(res.sha256, hex);
	ck_assert_uint_eq(res.size, 18);
	ck_assert_str_eq(res.mime, "application/octet-stream");
	ck_assert(bc_is_sha256_hex(res.manifest_hash));
	ck_assert_str_eq(res.existing, "");

	refs[0] = "BWC-000001";
	refs[1] = "bwc-000001";
	snprintf(ref, sizeof(ref), "%.8s", hex);
	refs[2] = ref;
	refs[3] = hex;
	for (i = 0; i < 4; i++) {
		err.msg[0] = '\0';
		ck_assert_msg(bc_catalog_find_item(cat, refs[i], &it, &err) ==
		    0, "'%s': %s", refs[i], err.msg);
		ck_assert_str_eq(it->id, "BWC-000001");
		ck_assert_str_eq(it->sha256, hex);
		bc_item_free(it);
		it = NULL;
	}
	/* an upper-case prefix is the same prefix */
	for (i = 0; i < 8; i++)
		if (ref[i] >= 'a' && ref[i] <= 'f')
			ref[i] = (char)(ref[i] - 'a' + 'A');
	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &err), 0);
	bc_item_free(it);

	ck_assert_int_eq(bc_catalog_find_by_sha256(cat, hex, &it, &err), 0);
	ck_assert_int_eq(it->num, 1);
	ck_assert_str_eq(it->id, "BWC-000001");
	ck_assert_int_eq(it->size, 18);
	ck_assert_ptr_nonnull(real = realpath(tu_path("clip.mp4"), NULL));
	ck_assert_str_eq(it->path, real);
	free(real);
	ck_assert_str_eq(it->registered, "2026-11-26T02:15:33.000000Z");
	ck_assert_str_eq(it->key, bc_key_id(key));
	ck_assert_str_eq(it->manifest_hash, res.manifest_hash);
	/* the stored manifest is canonical, hashes to its hash, is signed */
	ck_assert(bc_canon_is_canonical(it->manifest, it->manifest_len));
	ck_assert_int_eq(bc_sha256(it->manifest, it->manifest_len, d), 0);
	bc_hex(d, sizeof(d), hex);
	ck_assert_str_eq(hex, it->manifest_hash);
	ck_assert_int_eq(bc_verify(key, it->manifest, it->manifest_len,
	    it->sig, it->siglen), 0);
	bc_item_free(it);
}
END_TEST

START_TEST(test_register_minimal)
{
	struct bc_register_result res;
	struct bc_operator_fields op;
	struct bc_item *it = NULL;
	json_t *doc = NULL;

	/* no operator fields at all: the manifest has empty objects */
	memset(&op, 0, sizeof(op));
	register_file("bare.mp4", "bare", &op, &res);
	ck_assert_str_eq(res.id, "BWC-000001");
	ck_assert_int_eq(bc_catalog_find_item(cat, res.id, &it, NULL), 0);
	ck_assert_int_eq(bc_doc_parse(it->manifest, it->manifest_len,
	    BC_MANIFEST_TYPE, &doc, NULL), 0);
	ck_assert_ptr_null(bc_doc_str(doc, "capture.officer"));
	ck_assert(tu_contains(it->manifest, "\"capture\":{}"));
	json_decref(doc);
	bc_item_free(it);
}
END_TEST

START_TEST(test_genesis_event)
{
	struct bc_register_result res;
	struct bc_event *ev = NULL;
	struct bc_err err = { 0 };
	uint8_t d[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];
	json_t *doc = NULL;
	size_t n = 0;

	register_file("clip.mp4", "content", NULL, &res);
	ck_assert_int_eq(bc_catalog_events(cat, res.manifest_hash, &ev, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ev[0].seq, 0);
	ck_assert_str_eq(ev[0].item, res.manifest_hash);
	ck_assert_int_eq(bc_sha256(ev[0].body, ev[0].body_len, d), 0);
	bc_hex(d, sizeof(d), hex);
	ck_assert_str_eq(hex, ev[0].hash);
	ck_assert_int_eq(bc_verify(key, ev[0].body, ev[0].body_len, ev[0].sig,
	    ev[0].siglen), 0);
	ck_assert_int_eq(bc_doc_parse(ev[0].body, ev[0].body_len,
	    BC_EVENT_TYPE, &doc, &err), 0);
	ck_assert_str_eq(bc_doc_str(doc, "action"), "register");
	ck_assert_str_eq(bc_doc_str(doc, "actor"), "tester");
	ck_assert_str_eq(bc_doc_str(doc, "prev"), res.manifest_hash);
	ck_assert_str_eq(bc_doc_str(doc, "details.sha256"), res.sha256);
	json_decref(doc);
	bc_events_free(ev, n);

	/* an unknown item has no events */
	ck_assert_int_eq(bc_catalog_events(cat, res.sha256, &ev, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	bc_events_free(ev, n);
}
END_TEST

START_TEST(test_find_not_found)
{
	struct bc_register_result res;
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	char ref[16];
	static const char *refs[] = {
		"BWC-000002", "BWC-", "BWC-1", "bwc-00000x", "", "xyz",
		"ffffffffff", "0123456", "0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef0",
	};
	size_t i;

	register_file("clip.mp4", "content", NULL, &res);
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		ck_assert_msg(bc_catalog_find_item(cat, refs[i], &it, &err) ==
		    BC_ERR_NOT_FOUND, "'%s' found", refs[i]);
		ck_assert_ptr_null(it);
	}
	/* seven digits of the real hash are too few */
	snprintf(ref, sizeof(ref), "%.7s", res.sha256);
	ck_assert_int_eq(bc_catalog_find_item(cat, ref, &it, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_catalog_find_by_sha256(cat, "0123", &it, &err),
	    BC_ERR_NOT_FOUND);
}
END_TEST

/* Inserts a fake item row whose file hash is sha256 (no real file). */
static void
add_fake_item(int64_t num, const char *sha256)
{
	struct bc_item it;
	struct bc_err err = { 0 };
	uint8_t sig[BC_ED25519_SIGLEN] = { 0 };
	uint8_t d[BC_SHA256_LEN];
	char manifest[128];

	memset(&it, 0, sizeof(it));
	it.num = num;
	snprintf(it.id, sizeof(it.id), "BWC-%06lld", (long long)num);
	snprintf(it.sha256, sizeof(it.sha256), "%s", sha256);
	it.size = 1;
	it.path = (char *)"/nowhere";
	snprintf(manifest, sizeof(manifest), "{\"fake\":%lld}",
	    (long long)num);
	it.manifest = manifest;
	it.manifest_len = strlen(manifest);
	ck_assert_int_eq(bc_sha256(manifest, strlen(manifest), d), 0);
	bc_hex(d, sizeof(d), it.manifest_hash);
	it.sig = sig;
	it.siglen = sizeof(sig);
	snprintf(it.key, sizeof(it.key), "%s", bc_key_id(key));
	it.registered = (char *)"2026-01-01T00:00:00Z";
	ck_assert_msg(bc_catalog_add_item(cat, &it, &err) == 0, "%s",
	    err.msg);
}

START_TEST(test_ambiguous_prefix)
{
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	char sha[BC_SHA256_HEX];
	int i;

	ck_assert_int_eq(bc_catalog_begin(cat, &err), 0);
	for (i = 1; i <= 12; i++) {
		/* "abcdef01", i in two decimal digits, zeros */
		snprintf(sha, sizeof(sha), "abcdef01%02d%054d", i, 0);
		add_fake_item(i, sha);
	}
	snprintf(sha, sizeof(sha), "abcdef02%056d", 0);
	add_fake_item(13, sha);
	ck_assert_int_eq(bc_catalog_commit(cat, &err), 0);

	ck_assert_int_eq(bc_catalog_find_item(cat, "abcdef01", &it, &err),
	    BC_ERR_AMBIGUOUS);
	ck_assert_ptr_null(it);
	ck_assert_msg(tu_contains(err.msg, "BWC-000001") &&
	    tu_contains(err.msg, "BWC-000002"), "candidates: %s", err.msg);
	ck_assert_msg(tu_contains(err.msg, "more than 10"), "%s", err.msg);

	/* three candidates: 10, 11, 12 */
	ck_assert_int_eq(bc_catalog_find_item(cat, "abcdef011", &it, &err),
	    BC_ERR_AMBIGUOUS);
	ck_assert_ptr_null(it);
	ck_assert_msg(tu_contains(err.msg, "3 items") &&
	    tu_contains(err.msg, "BWC-000010") &&
	    tu_contains(err.msg, "BWC-000012") &&
	    !tu_contains(err.msg, "BWC-000009"), "candidates: %s", err.msg);

	/* more digits resolve it */
	ck_assert_int_eq(bc_catalog_find_item(cat, "abcdef0101", &it, &err),
	    0);
	ck_assert_str_eq(it->id, "BWC-000001");
	bc_item_free(it);
	ck_assert_int_eq(bc_catalog_find_item(cat, "ABCDEF020", &it, &err),
	    0);
	ck_assert_str_eq(it->id, "BWC-000013");
	bc_item_free(it);
	/* the prefix range ends where it should */
	ck_assert_int_eq(bc_catalog_find_item(cat, "abcdef00", &it, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_catalog_find_item(cat, "abcdef03", &it, &err),
	    BC_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_add_item_constraints)
{
	struct bc_err err = { 0 };
	struct bc_item it;
	char sha[BC_SHA256_HEX];

	ck_assert_int_eq(bc_catalog_begin(cat, &err), 0);
	snprintf(sha, sizeof(sha), "%064d", 1);
	add_fake_item(1, sha);
	/* the same file hash again is a duplicate */
	memset(&it, 0, sizeof(it));
	it.num = 2;
	snprintf(it.id, sizeof(it.id), "BWC-000002");
	snprintf(it.sha256, sizeof(it.sha256), "%s", sha);
	it.path = (char *)"/x";
	it.manifest = (char *)"{}";
	it.manifest_len = 2;
	snprintf(it.manifest_hash, sizeof(it.manifest_hash), "%064d", 2);
	it.sig = (uint8_t *)"s";
	it.siglen = 1;
	it.registered = (char *)"2026-01-01T00:00:00Z";
	ck_assert_int_eq(bc_catalog_add_item(cat, &it, &err), BC_ERR_EXISTS);
	bc_catalog_rollback(cat);
	ck_assert_int_eq(item_count(), 0);
}
END_TEST

START_TEST(test_duplicate_registration)
{
	struct bc_register_result res, res2;
	struct bc_register_opts opts;
	struct bc_err err = { 0 };

	register_file("a.mp4", "same bytes", NULL, &res);
	memset(&opts, 0, sizeof(opts));
	opts.actor = "tester";
	ck_assert_int_eq(bc_register(cat, key, tu_path("a.mp4"), &opts,
	    &res2, &err), BC_ERR_EXISTS);
	ck_assert_str_eq(res2.existing, "BWC-000001");
	ck_assert_str_eq(res2.id, "");

	/* the same content under another name is the same evidence */
	ck_assert_int_eq(tu_write_str(tu_path("copy.mp4"), "same bytes"), 0);
	ck_assert_int_eq(bc_register(cat, key, tu_path("copy.mp4"), &opts,
	    &res2, &err), BC_ERR_EXISTS);
	ck_assert_str_eq(res2.existing, "BWC-000001");
	ck_assert(tu_contains(err.msg, "BWC-000001"));
	ck_assert_int_eq(item_count(), 1);

	/* and the next real item still gets the next number */
	register_file("b.mp4", "other bytes", NULL, &res2);
	ck_assert_str_eq(res2.id, "BWC-000002");
}
END_TEST

START_TEST(test_register_refusals)
{
	struct bc_register_result res;
	struct bc_register_opts opts;
	struct bc_key *other = NULL, *pub = NULL;
	struct bc_err err = { 0 };

	ck_assert_int_eq(tu_write_str(tu_path("a.mp4"), "bytes"), 0);
	memset(&opts, 0, sizeof(opts));
	opts.actor = "tester";

	/* a key that is not the catalog's admin */
	ck_assert_int_eq(bc_key_generate(&other), 0);
	ck_assert_int_eq(bc_register(cat, other, tu_path("a.mp4"), &opts,
	    &res, &err), BC_ERR_INVALID);
	ck_assert(tu_contains(err.msg, "not a signer"));
	bc_key_free(other);

	/* the admin's public half cannot sign */
	ck_assert_int_eq(bc_key_from_raw(bc_key_public(key), &pub), 0);
	ck_assert_int_eq(bc_register(cat, pub, tu_path("a.mp4"), &opts, &res,
	    &err), BC_ERR_KEY_TYPE);
	bc_key_free(pub);

	/* a missing file, a directory */
	ck_assert_int_eq(bc_register(cat, key, tu_path("none.mp4"), &opts,
	    &res, &err), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_register(cat, key, tu_dir(), &opts, &res, &err),
	    BC_ERR_INVALID);

	/* operator fields with control characters */
	opts.op.officer = "O-1\n";
	ck_assert_int_eq(bc_register(cat, key, tu_path("a.mp4"), &opts, &res,
	    &err), BC_ERR_INVALID);
	ck_assert(tu_contains(err.msg, "officer"));

	ck_assert_int_eq(item_count(), 0);
	ck_assert_int_eq(tu_sql_int(catpath, "SELECT count(*) FROM events"),
	    0);
}
END_TEST

/*
 * A path swapped while its file is hashed: dir "d" is renamed away and
 * dir "e", holding another file of the same name, takes its place after
 * the first read.  The file hashed is never touched (its inode, size and
 * times stay), so only reading the metadata from the descriptor hashed,
 * or noticing that the path names another file, keeps the other file's
 * camera, time and place from being sealed with this one's hash.
 */
struct swap {
	int	done;
	int	calls;
};

static void
swap_dirs(void *arg, uint64_t done, uint64_t total)
{
	struct swap *sw = arg;
	char d[4096], old[4096];

	sw->calls++;
	if (sw->done)
		return;
	snprintf(d, sizeof(d), "%s", tu_path("d"));
	snprintf(old, sizeof(old), "%s", tu_path("d-old"));
	ck_assert_int_eq(rename(d, old), 0);
	ck_assert_int_eq(rename(tu_path("e"), d), 0);
	sw->done = 1;
}

static void
swap_check(const char *hashed, const char *other, const char *member)
{
	struct bc_register_opts opts;
	struct bc_register_result res;
	struct bc_file_hash fh;
	struct bc_item *it = NULL;
	struct bc_err err = { 0 };
	struct swap sw = { 0, 0 };
	json_t *m, *want = NULL;
	char hex[BC_SHA256_HEX];
	const char *got;
	int r;

	ck_assert_int_eq(mkdir(tu_path("d"), 0755), 0);
	ck_assert_int_eq(mkdir(tu_path("e"), 0755), 0);
	ck_assert_int_eq(tu_copy_file(tu_data_path(hashed),
	    tu_path("d/clip")), 0);
	ck_assert_int_eq(tu_copy_file(tu_data_path(other), tu_path("e/clip")),
	    0);
	ck_assert_int_eq(bc_hash_file(tu_path("d/clip"), &fh, NULL, NULL,
	    NULL), 0);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	ck_assert_int_eq(bc_meta_extract(tu_path("d/clip"), bc_media_sniff(
	    fh.head, fh.headlen), NULL, &want, NULL), 0);

	memset(&opts, 0, sizeof(opts));
	opts.actor = "tester";
	opts.progress = swap_dirs;
	opts.progress_arg = &sw;
	r = bc_register(cat, key, tu_path("d/clip"), &opts, &res, &err);
	ck_assert_msg(sw.done, "%s: the progress callback was never called",
	    hashed);
	if (r != 0) {
		/* refusing is fine, as long as nothing was sealed */
		ck_assert_msg(r == BC_ERR_CHANGED, "%s: %s: %s", hashed,
		    bc_strerror(r), err.msg);
		ck_assert(tu_contains(err.msg, "refusing"));
		ck_assert_int_eq(item_count(), 0);
		json_decref(want);
		return;
	}
	ck_assert_str_eq(res.sha256, hex);
	ck_assert_int_eq(bc_catalog_find_item(cat, res.id, &it, &err), 0);
	ck_assert_ptr_nonnull(m = json_loadb(it->manifest, it->manifest_len,
	    0, NULL));
	ck_assert_str_eq(bc_doc_str(m, "file.sha256"), hex);
	got = bc_doc_str(m, member);
	ck_assert_msg(got != NULL && bc_doc_str(want, member) != NULL &&
	    strcmp(got, bc_doc_str(want, member)) == 0, "%s: sealed %s is "
	    "'%s', the file hashed has '%s'", hashed, member, got ? got :
	    "(none)", bc_doc_str(want, member));
	json_decref(m);
	json_decref(want);
	bc_item_free(it);
}

START_TEST(test_register_path_swapped)
{
	/* libexif (a still), then libavformat (a video) */
	swap_check("stills/Canon.jpg", "stills/GoPro.jpg", "capture.make");
	tu_rm_rf(tu_path("d"));
	tu_rm_rf(tu_path("d-old"));
	swap_check("video/with-gps.mp4", "video/RIFF.avi",
	    "media.container");
}
END_TEST

struct collect {
	char	ids[256];
	int	stop_after;	/* 0: never */
	int	n;
};

static int
collect_ids(void *arg, const struct bc_item *it)
{
	struct collect *c = arg;
	size_t len = strlen(c->ids);

	snprintf(c->ids + len, sizeof(c->ids) - len, "%s%s",
	    len ? "," : "", it->id + 4);
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static const char *
list_ids(const struct bc_list_filter *f)
{
	static struct collect c;
	struct bc_err err = { 0 };

	memset(&c, 0, sizeof(c));
	ck_assert_msg(bc_catalog_list(cat, f, collect_ids, &c, &err) == 0,
	    "%s", err.msg);
	return c.ids;
}

START_TEST(test_list_filters)
{
	struct bc_operator_fields op;
	struct bc_register_result res;
	struct bc_list_filter f;
	struct collect c;

	memset(&op, 0, sizeof(op));
	op.officer = "O-1";
	op.case_no = "C-100";
	op.device = "CAM-1";
	setenv("BODYCAM_NOW", "2026-01-01T10:00:00Z", 1);
	register_file("1.mp4", "one", &op, &res);
	op.officer = "O-2";
	op.device = "CAM-2";
	setenv("BODYCAM_NOW", "2026-02-01T10:00:00Z", 1);
	register_file("2.mp4", "two", &op, &res);
	op.officer = "O-1";
	op.case_no = "C-200";
	op.device = NULL;
	setenv("BODYCAM_NOW", "2026-03-01T10:00:00Z", 1);
	register_file("3.mp4", "three", &op, &res);

	ck_assert_str_eq(list_ids(NULL), "000001,000002,000003");
	memset(&f, 0, sizeof(f));
	ck_assert_str_eq(list_ids(&f), "000001,000002,000003");
	f.officer = "O-1";
	ck_assert_str_eq(list_ids(&f), "000001,000003");
	f.case_no = "C-100";
	ck_assert_str_eq(list_ids(&f), "000001");
	memset(&f, 0, sizeof(f));
	f.case_no = "C-100";
	ck_assert_str_eq(list_ids(&f), "000001,000002");
	memset(&f, 0, sizeof(f));
	f.device = "CAM-2";
	ck_assert_str_eq(list_ids(&f), "000002");
	memset(&f, 0, sizeof(f));
	f.since = "2026-02-01T00:00:00Z";
	ck_assert_str_eq(list_ids(&f), "000002,000003");
	memset(&f, 0, sizeof(f));
	f.until = "2026-02-01T10:00:00Z";	/* inclusive */
	ck_assert_str_eq(list_ids(&f), "000001,000002");
	f.since = "2026-01-15T00:00:00Z";
	ck_assert_str_eq(list_ids(&f), "000002");
	memset(&f, 0, sizeof(f));
	f.officer = "O-3";
	ck_assert_str_eq(list_ids(&f), "");
	memset(&f, 0, sizeof(f));
	f.officer = "O-1' OR '1'='1";		/* a value, never SQL */
	ck_assert_str_eq(list_ids(&f), "");

	/* a non-zero return from the callback stops the walk */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	ck_assert_int_eq(bc_catalog_list(cat, NULL, collect_ids, &c, NULL),
	    42);
	ck_assert_str_eq(c.ids, "000001,000002");
}
END_TEST

/* --- copy (migrate) ----------------------------------------------------- */

START_TEST(test_copy_file)
{
	struct bc_copy_stats stats;
	struct bc_register_result res;
	struct bc_merkle_store store;
	struct bc_catalog *c2 = NULL;
	struct bc_err err = { 0 };
	uint8_t root[BC_SHA256_LEN];
	uint64_t size = 0;
	size_t i;
	int64_t items = 0;
	int r;

	register_file("a.bin", "first", NULL, &res);
	register_file("b.bin", "second", NULL, &res);
	r = bc_catalog_copy(cat, tu_path("copy.db"), &stats, &err);
	ck_assert_msg(r == 0, "copy: %s", err.msg);
	ck_assert_uint_eq(stats.ntables, 13);
	for (i = 0; i < stats.ntables; i++)
		if (strcmp(stats.table[i].name, "items") == 0)
			items = stats.table[i].rows;
	ck_assert_int_eq(items, 2);
	ck_assert_uint_eq(stats.log_size, 4);	/* a manifest and an event each */
	ck_assert_int_eq(stats.checkpoints, 0);
	/* the copy's root is the source's */
	ck_assert_int_eq(bc_catalog_open(tu_path("copy.db"), &c2, &err), 0);
	ck_assert_int_eq(bc_catalog_log_size(c2, &size, &err), 0);
	ck_assert_uint_eq(size, 4);
	bc_catalog_log_store(c2, &store);
	ck_assert_int_eq(bc_merkle_root(&store, size, root, &err), 0);
	ck_assert_mem_eq(root, stats.root, BC_SHA256_LEN);
	bc_catalog_close(c2);
	ck_assert_int_eq(tu_sql_int(tu_path("copy.db"),
	    "PRAGMA application_id"), BC_CATALOG_APP_ID);
	ck_assert_int_eq(tu_sql_int(tu_path("copy.db"),
	    "PRAGMA user_version"), BC_CATALOG_SCHEMA);
	ck_assert_int_eq(tu_sql_int(tu_path("copy.db"),
	    "SELECT count(*) FROM meta"), 3);

	/* an existing destination is refused and left alone */
	ck_assert_int_eq(bc_catalog_copy(cat, tu_path("copy.db"), &stats,
	    &err), BC_ERR_EXISTS);
	ck_assert_int_eq(tu_sql_int(tu_path("copy.db"),
	    "SELECT count(*) FROM items"), 2);
	/* the source is not left in a transaction */
	ck_assert_int_eq(bc_catalog_begin(cat, &err), 0);
	bc_catalog_rollback(cat);
}
END_TEST

START_TEST(test_copy_root_missing)
{
	struct bc_copy_stats stats;
	struct bc_register_result res;
	struct bc_catalog *src = NULL;
	struct bc_err err = { 0 };
	char *msg = NULL;

	register_file("a.bin", "first", NULL, &res);
	bc_catalog_close(cat);
	cat = NULL;
	ck_assert_int_eq(tu_sql(catpath, "DROP TRIGGER nodes_no_delete;"
	    " DELETE FROM nodes WHERE level = 1", &msg), 0);
	free(msg);
	ck_assert_int_eq(bc_catalog_open_flags(catpath, BC_CATALOG_READ_ONLY,
	    &src, &err), 0);
	ck_assert_int_eq(bc_catalog_copy(src, tu_path("copy.db"), &stats,
	    &err), BC_ERR_INTEGRITY);
	ck_assert_msg(strstr(err.msg, "cannot be computed") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(access(tu_path("copy.db"), F_OK), -1);
	ck_assert_int_eq(access(tu_path("copy.db-wal"), F_OK), -1);
	bc_catalog_close(src);
	ck_assert_int_eq(bc_catalog_open(catpath, &cat, &err), 0);
}
END_TEST

START_TEST(test_shown)
{
	static const struct {
		const char	*in;
		const char	*out;
	} v[] = {
		{ "/var/lib/bodycam/catalog.db",
		  "/var/lib/bodycam/catalog.db" },
		{ "postgresql://u:pw@h/db", "postgresql://u:***@h/db" },
		{ "postgres://u:@h", "postgres://u:***@h" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgresql://u:p@ss@h:5432/db?sslmode=require",
		  "postgresql://u:***@h:5432/db?sslmode=require" },
		{ "postgresql:///db?host=/s&password=pw&user=x",
		  "postgresql:///db?host=/s&password=***&user=x" },
		{ "postgresql:///db?%70assword=pw&password=",
		  "postgresql:///db?%70assword=***&password=***" },
		{ "postgresql://a:b@/db?password=c",
		  "postgresql://a:***@/db?password=***" },
		{ "postgresql:///db?passwordx=1&xpassword=2&password",
		  "postgresql:///db?passwordx=1&xpassword=2&password" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_ptr_nonnull(s = bc_catalog_redact(v[i].in));
		ck_assert_str_eq(s, v[i].out);
		free(s);
	}
}
END_TEST

static Suite *
catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc;

	tc = tu_tcase(s, "open", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_create_schema);
	tcase_add_test(tc, test_create_exists);
	tcase_add_test(tc, test_create_no_dir);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_random_bytes);
	tcase_add_test(tc, test_open_foreign_sqlite);
	tcase_add_test(tc, test_open_newer_schema);
	tcase_add_test(tc, test_reopen_unchanged);
	tcase_add_test(tc, test_migrate_from_zero);

	tc = tu_tcase(s, "read-only", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_read_only_file);
	tcase_add_test(tc, test_read_only_dir);
	tcase_add_test(tc, test_read_only_old_schema);
	tcase_add_test(tc, test_disk_full);

	tc = tu_tcase(s, "append-only", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_triggers);
	tcase_add_test(tc, test_replace_meta_is_refused);
	tcase_add_test(tc, test_replace_item_is_refused);

	tc = tu_tcase(s, "locking", tu_fx_setup, tu_fx_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_second_writer_waits);
	tcase_add_test(tc, test_transaction_rules);

	tc = tu_tcase(s, "items", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_register_and_find);
	tcase_add_test(tc, test_register_minimal);
	tcase_add_test(tc, test_genesis_event);
	tcase_add_test(tc, test_find_not_found);
	tcase_add_test(tc, test_ambiguous_prefix);
	tcase_add_test(tc, test_add_item_constraints);
	tcase_add_test(tc, test_duplicate_registration);
	tcase_add_test(tc, test_register_refusals);
	tcase_add_test(tc, test_register_path_swapped);
	tcase_add_test(tc, test_list_filters);

	tc = tu_tcase(s, "copy", tu_fx_setup, tu_fx_teardown);
	tcase_add_test(tc, test_copy_file);
	tcase_add_test(tc, test_copy_root_missing);
	tcase_add_test(tc, test_shown);
	return s;
}

int
main(void)
{
	tu_fx_bind(&key, &cat, &catpath);
	return tu_run_suite(catalog_suite());
}
