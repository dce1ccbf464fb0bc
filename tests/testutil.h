/*
 * testutil.h - helpers shared by the Check suites (tests/check_*.c): a
 * fresh temporary directory per test, small file helpers, the test data
 * directory, and a catalog with a newly generated admin key.
 *
 * Temporary directories: tu_suite_setup/tu_suite_teardown are an unchecked
 * fixture (run in the parent, once per TCase) that make and remove a base
 * directory; tu_test_setup/tu_test_teardown are a checked fixture (run in
 * each test's own process) that make and remove one directory per test
 * inside it.  A test that fails and never reaches its teardown leaves
 * nothing behind either, since the base goes with the TCase.
 */
#ifndef BODYCAM_TESTUTIL_H
#define BODYCAM_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "bodycam/bodycam.h"

/* Unchecked fixture: the base directory (under $TMPDIR or /tmp). */
void tu_suite_setup(void);
void tu_suite_teardown(void);

/* Checked fixture: a fresh directory for one test, see tu_dir(). */
void tu_test_setup(void);
void tu_test_teardown(void);

/* The current test's directory (valid between tu_test_setup/teardown). */
const char *tu_dir(void);

/*
 * tu_dir()/name into a static buffer, one of a few used in rotation, so
 * that up to four results may be used at once.  Never NULL.
 */
const char *tu_path(const char *name);

/*
 * The test data directory: $BODYCAM_TESTDATA, or "tests/data" (relative
 * to the repository root, where make runs the suites).
 */
const char *tu_data_dir(void);

/* tu_data_dir()/rel, in the same rotation of static buffers as tu_path. */
const char *tu_data_path(const char *rel);

/* Creates or truncates path with exactly len bytes of buf; 0 or -1. */
int tu_write_file(const char *path, const void *buf, size_t len);

/* Same, with the string s (no NUL written). */
int tu_write_str(const char *path, const char *s);

/* Copies the file from to a new or truncated file to; 0 or -1. */
int tu_copy_file(const char *from, const char *to);

/*
 * Copies the test data file first to tu_path(name) and opens it, then
 * puts a copy of the test data file then in its place (rename): returns
 * the descriptor of the first, whose path now names another file.  Fails
 * the test when any of that fails.
 */
int tu_open_replaced(const char *first, const char *then, const char *name);

/* Copies the test data file rel to path; fails the test if it cannot. */
void tu_copy_data(const char *rel, const char *path);

/*
 * Splits a TSV line in place into at most max fields, f[0] .. f[n - 1];
 * returns n.
 */
size_t tu_split_tsv(char *line, char **f, size_t max);

/* Appends len bytes of buf to path; 0 or -1. */
int tu_append_file(const char *path, const void *buf, size_t len);

/* The deterministic test pattern: byte i is (i * 31 + 7) & 0xff. */
uint8_t tu_pattern_byte(uint64_t i);

/* Writes len bytes of the test pattern to path; 0 or -1. */
int tu_write_pattern(const char *path, size_t len);

/*
 * Reads the whole file into a new NUL-terminated buffer (*len bytes, the
 * NUL not counted); the caller frees it.  NULL on failure.
 */
char *tu_read_file(const char *path, size_t *len);

/* Removes path and everything under it; 0 or -1. */
int tu_rm_rf(const char *path);

/*
 * Runs sql on the SQLite database at path through a connection of its
 * own.  Returns the SQLite result code; when msg is not NULL, *msg gets a
 * copy of the error message (or NULL), which the caller frees.
 */
int tu_sql(const char *path, const char *sql, char **msg);

/*
 * Everything SQLite knows about the schema of the database at path (type,
 * name and SQL of every object, sorted), one line each, as a new string;
 * fails the test when it cannot be read.
 */
char *tu_schema_dump(const char *path);

/* One integer from a one-row, one-column query (e.g. a PRAGMA); -1 on error. */
long long tu_sql_int(const char *path, const char *sql);

/*
 * Generates a key and creates a catalog at tu_path(name) with it as the
 * admin key.  Aborts the test on failure.
 */
void tu_catalog_new(const char *name, struct bc_key **key,
    struct bc_catalog **cat);

/*
 * Runs fn(arg) in a child process and waits at most ms milliseconds for
 * it.  Returns 0 with fn's return value (a BC_ERR_* code or 0) in *ret, or
 * -1 when the child was still running (it is killed) or died abnormally.
 */
/*
 * Records a custody event on ref by det.smith, signed with key (the other
 * request members NULL when not given), into *res when not NULL; fails the
 * test when bc_custody_add does.
 */
void tu_custody(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const char *action, const char *to, const char *reason,
    const char *file, const char *outcome, struct bc_custody_result *res);

/*
 * The fixture most suites set up per test: a fresh catalog "catalog.db" in
 * this test's directory (tu_catalog_new), its anchor admin key and its
 * path.  tu_fixture_teardown closes and frees them, and unsets
 * BODYCAM_NOW, as tu_fixture_setup does first.
 */
struct tu_fixture {
	struct bc_key		*admin;
	struct bc_catalog	*cat;
	char			*path;
};
void tu_fixture_setup(struct tu_fixture *fx);
void tu_fixture_teardown(struct tu_fixture *fx);

/*
 * The same as a checked fixture, tu_fx_setup/tu_fx_teardown, for suites
 * that keep the admin key, the catalog and its path in variables of their
 * own: tu_fx_bind names those variables (once, before the suite runs).
 * tu_fx_setup sets them; tu_fx_teardown closes the catalog they hold then
 * (a test may have closed it and opened another) and sets them to NULL.
 */
void tu_fx_bind(struct bc_key **admin, struct bc_catalog **cat,
    const char **path);
void tu_fx_setup(void);
void tu_fx_teardown(void);

/*
 * Registers path in cat, signed by key, as actor "dock" for officer
 * "O-17"; fails the test when bc_register does, or when want_id is not
 * NULL and the item gets another id.  The result into *res when not NULL.
 */
void tu_register(struct bc_catalog *cat, const struct bc_key *key,
    const char *path, const char *want_id, struct bc_register_result *res);

/*
 * Seals an event on the item whose manifest hash is item, seq after prev
 * (which then holds the new event's hash): action by actor at at, with
 * details, naming named as its signer while it is signed with key (the
 * same key for a good signature), and adds it to cat within the caller's
 * transaction.  Fails the test when any step fails.
 */
void tu_add_event(struct bc_catalog *cat, const struct bc_key *key,
    const struct bc_key *named, const char *item, int64_t seq,
    char prev[BC_SHA256_HEX], const char *actor, const char *action,
    const char *at, json_t *details);

/*
 * Seals an event on ref by hand, bypassing bc_custody_add's rules (as a
 * rogue program holding a valid key could): action by actor "rogue" at
 * at, with details, signed by key, after ref's last event; and stores it
 * in cat.  Fails the test when any step fails.
 */
void tu_store_event(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const char *action, const char *at, json_t *details);

/*
 * tu_store_event by actor, naming named as the signer while the event
 * is signed with key (the same key for a good signature).  Returns the
 * new event's seq, which is the number of events ref had before.
 */
int64_t tu_store_event_as(struct bc_catalog *cat, const struct bc_key *key,
    const struct bc_key *named, const char *actor, const char *ref,
    const char *action, const char *at, json_t *details);

/*
 * Finds ref in cat and verifies it afresh with opts into *rep (which the
 * caller frees); fails the test when either fails.
 */
void tu_verify_ref(struct bc_catalog *cat, const char *ref,
    const struct bc_verify_opts *opts, struct bc_verify_report *rep);

/* The first check called name of event seq (-1: of none) in rep, or NULL. */
const struct bc_check *tu_find_check(const struct bc_verify_report *rep,
    const char *name, int64_t seq);

/* Authorises k as name with role, signed by admin; fails the test if not. */
void tu_authorise(struct bc_catalog *cat, const struct bc_key *admin,
    const struct bc_key *k, const char *name, int role);

/* Runs stmt on the catalog at path through a connection of its own; fails
 * the test when SQLite does. */
void tu_sql_ok(const char *path, const char *stmt);

/* A new Ed25519 key pair; fails the test when there is none. */
struct bc_key *tu_new_key(void);

/* The origin of cat's log (a static buffer, until the next call). */
const char *tu_origin(struct bc_catalog *cat);

int tu_call_timeout(int (*fn)(void *), void *arg, unsigned ms, int *ret);

/* Non-zero when haystack contains needle (either may be NULL: no). */
int tu_contains(const char *haystack, const char *needle);

/*
 * A new TCase name, already added to s, for the caller to add tests to.
 * With a checked fixture (setup or teardown not NULL) it also gets the
 * unchecked one, tu_suite_setup/tu_suite_teardown, that the checked
 * fixtures' directories live in; with neither, no fixture at all.
 */
TCase *tu_tcase(Suite *s, const char *name, SFun setup, SFun teardown);

/*
 * Runs every test of s (freed here) with Check's normal output; returns
 * EXIT_SUCCESS when none failed, for main to return.
 */
int tu_run_suite(Suite *s);

#endif /* BODYCAM_TESTUTIL_H */
