/*
 * check_hash.c - streaming SHA-256 of files, the head kept for sniffing,
 * refusal of files that change while hashed, and the hex helpers.
 *
 * The expected digests are those of the deterministic test pattern (byte i
 * is (i * 31 + 7) & 0xff, see tu_write_pattern), computed once with
 *
 *	python3 -c 'import sys; n = N; sys.stdout.buffer.write(
 *	    bytes(((i * 31 + 7) & 0xff) for i in range(n)))' > pN
 *	openssl dgst -sha256 -r pN
 *
 * for each size N below.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define MIB	(1024 * 1024)

static const struct {
	size_t		 size;
	const char	*sha256;
} vectors[] = {
	{ 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ 1, "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879" },
	{ 4096, "d41d438c379110c7f7b2c561b1f04f26c1b4549110791f8e022f48974280c13e" },
	{ 4097, "bb37fb3430fb3bc003f70512ee0189aec84b029b221885c8f16280d1b935483e" },
	{ MIB, "06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286" },
	{ MIB + 1, "0d09f3eabb5c78e5d435c41e3b3755f1c4d038657f739d0be0083c24e71235df" },
	{ 3 * MIB + 12345, "5484bbdbfa09aaf96421d09d2c57be9d4fdbffe2ef1d33964a754591a0ac11ba" },
};

/* Hashes a pattern file of vectors[i].size bytes and checks everything. */
static void
check_vector(size_t i)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	char hex[BC_SHA256_HEX];
	size_t k, head;
	const char *path = tu_path("pattern");
	int r;

	ck_assert_int_eq(tu_write_pattern(path, vectors[i].size), 0);
	r = bc_hash_file(path, &fh, NULL, NULL, &err);
	ck_assert_msg(r == 0, "%zu bytes: %s: %s", vectors[i].size,
	    bc_strerror(r), err.msg);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	ck_assert_str_eq(hex, vectors[i].sha256);
	ck_assert_uint_eq(fh.size, vectors[i].size);
	head = vectors[i].size < BC_HASH_HEADSZ ? vectors[i].size :
	    BC_HASH_HEADSZ;
	ck_assert_uint_eq(fh.headlen, head);
	for (k = 0; k < head; k++)
		ck_assert_msg(fh.head[k] == tu_pattern_byte(k),
		    "head[%zu] = %u, want %u", k, fh.head[k],
		    tu_pattern_byte(k));
	ck_assert_int_eq(unlink(path), 0);
}

/* --- core --------------------------------------------------------------- */

START_TEST(test_empty)
{
	check_vector(0);
}
END_TEST

START_TEST(test_one_byte)
{
	check_vector(1);
}
END_TEST

START_TEST(test_head_size)
{
	check_vector(2);	/* exactly BC_HASH_HEADSZ */
	check_vector(3);	/* one more */
}
END_TEST

START_TEST(test_one_buffer)
{
	ck_assert_uint_eq(vectors[4].size, BC_HASH_BUFSZ);
	check_vector(4);
}
END_TEST

START_TEST(test_one_buffer_plus_one)
{
	ck_assert_uint_eq(vectors[5].size, BC_HASH_BUFSZ + 1);
	check_vector(5);
}
END_TEST

START_TEST(test_few_mib)
{
	check_vector(6);
}
END_TEST

START_TEST(test_hash_fd_offset)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	char hex[BC_SHA256_HEX];
	const char *path = tu_path("fd");
	int fd;

	/* "x" then the 4096-byte pattern: from offset 1 it is vectors[2] */
	ck_assert_int_eq(tu_write_str(path, "x"), 0);
	{
		uint8_t buf[4096];
		size_t i;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = tu_pattern_byte(i);
		ck_assert_int_eq(tu_append_file(path, buf, sizeof(buf)), 0);
	}
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(lseek(fd, 1, SEEK_SET), 1);
	ck_assert_int_eq(bc_hash_fd(fd, "fd", &fh, NULL, NULL, &err), 0);
	close(fd);
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	ck_assert_str_eq(hex, vectors[2].sha256);
	ck_assert_uint_eq(fh.headlen, 4096);
	ck_assert_uint_eq(fh.head[0], tu_pattern_byte(0));
}
END_TEST

START_TEST(test_sha256_buffer)
{
	uint8_t d[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];

	ck_assert_int_eq(bc_sha256("abc", 3, d), 0);
	bc_hex(d, sizeof(d), hex);
	/* FIPS 180-2 example */
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(bc_sha256("", 0, d), 0);
	bc_hex(d, sizeof(d), hex);
	ck_assert_str_eq(hex, vectors[0].sha256);
}
END_TEST

/* Records the progress calls. */
struct progress_log {
	unsigned	calls;
	uint64_t	last_done;
	uint64_t	last_total;
	int		monotonic;
	int		within;
};

static void
log_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress_log *p = arg;

	if (done < p->last_done)
		p->monotonic = 0;
	if (done > total)
		p->within = 0;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

START_TEST(test_progress)
{
	struct progress_log log = { 0, 0, 0, 1, 1 };
	struct bc_file_hash fh;
	size_t size = 3 * MIB + 12345;
	const char *path = tu_path("progress");

	ck_assert_int_eq(tu_write_pattern(path, size), 0);
	ck_assert_int_eq(bc_hash_file(path, &fh, log_progress, &log, NULL),
	    0);
	ck_assert_uint_ge(log.calls, 2);	/* during, and at the end */
	ck_assert(log.monotonic);
	ck_assert(log.within);
	ck_assert_uint_eq(log.last_done, size);
	ck_assert_uint_eq(log.last_total, size);
}
END_TEST

/* --- changed ------------------------------------------------------------ */

struct grower {
	const char	*path;
	unsigned	 calls;
	int		 append_failed;
};

/* Appends one byte to the file being hashed, on the first call only. */
static void
grow_file(void *arg, uint64_t done, uint64_t total)
{
	struct grower *g = arg;

	if (g->calls++ == 0 && tu_append_file(g->path, "!", 1) != 0)
		g->append_failed = 1;
}

START_TEST(test_changed_while_hashed)
{
	struct grower g = { NULL, 0, 0 };
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	const char *path = tu_path("growing");
	int r;

	g.path = path;
	ck_assert_int_eq(tu_write_pattern(path, 2 * BC_HASH_BUFSZ + 7), 0);
	r = bc_hash_file(path, &fh, grow_file, &g, &err);
	ck_assert_int_eq(g.append_failed, 0);
	ck_assert_uint_ge(g.calls, 1);
	ck_assert_msg(r == BC_ERR_CHANGED, "got %d (%s): %s", r,
	    bc_strerror(r), err.msg);
	ck_assert(tu_contains(err.msg, path));
}
END_TEST

/* Rewrites the first byte in place (same size, new mtime), first call. */
static void
touch_file(void *arg, uint64_t done, uint64_t total)
{
	struct grower *g = arg;
	struct timespec ts = { 0, 2000000 };	/* let the mtime tick */
	int fd;

	if (g->calls++ != 0)
		return;
	nanosleep(&ts, NULL);
	if ((fd = open(g->path, O_WRONLY)) == -1 ||
	    pwrite(fd, "?", 1, 0) != 1)
		g->append_failed = 1;
	if (fd != -1)
		close(fd);
}

START_TEST(test_rewritten_while_hashed)
{
	struct grower g = { NULL, 0, 0 };
	struct bc_file_hash fh;
	const char *path = tu_path("rewritten");

	g.path = path;
	ck_assert_int_eq(tu_write_pattern(path, 2 * BC_HASH_BUFSZ), 0);
	ck_assert_int_eq(bc_hash_file(path, &fh, touch_file, &g, NULL),
	    BC_ERR_CHANGED);
	ck_assert_int_eq(g.append_failed, 0);
}
END_TEST

/* --- malformed ---------------------------------------------------------- */

START_TEST(test_missing_file)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_hash_file(tu_path("nope"), &fh, NULL, NULL,
	    &err), BC_ERR_NOT_FOUND);
	ck_assert(tu_contains(err.msg, "nope"));
	ck_assert_int_eq(bc_hash_file(tu_path("nope/deeper"), &fh, NULL,
	    NULL, &err), BC_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_directory)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_hash_file(tu_dir(), &fh, NULL, NULL, &err),
	    BC_ERR_INVALID);
	ck_assert(tu_contains(err.msg, "not a regular file"));
}
END_TEST

START_TEST(test_unreadable)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	const char *path = tu_path("secret");
	int r;

	ck_assert_int_eq(tu_write_str(path, "x"), 0);
	ck_assert_int_eq(chmod(path, 0), 0);
	/* root reads anything: drop to nobody for the call */
	if (geteuid() == 0)
		ck_assert_int_eq(seteuid(65534), 0);
	r = bc_hash_file(path, &fh, NULL, NULL, &err);
	if (getuid() == 0)
		ck_assert_int_eq(seteuid(0), 0);
	ck_assert_msg(r == BC_ERR_IO, "got %d (%s): %s", r, bc_strerror(r),
	    err.msg);
}
END_TEST

static int
hash_path(void *arg)
{
	struct bc_file_hash fh;

	return bc_hash_file(arg, &fh, NULL, NULL, NULL);
}

START_TEST(test_fifo)
{
	const char *path = tu_path("fifo");
	int r = 0;

	/* a FIFO is not a regular file: refused, without waiting for a writer */
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_msg(tu_call_timeout(hash_path, (void *)path, 1000, &r) == 0,
	    "bc_hash_file on a FIFO still blocked after 1 s");
	ck_assert_int_eq(r, BC_ERR_INVALID);
}
END_TEST

START_TEST(test_hex_roundtrip)
{
	uint8_t in[256], out[256];
	char hex[2 * sizeof(in) + 1];
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	bc_hex(in, sizeof(in), hex);
	ck_assert_uint_eq(strlen(hex), 2 * sizeof(in));
	ck_assert(strncmp(hex, "000102", 6) == 0);
	ck_assert_str_eq(hex + 2 * 250, "fafbfcfdfeff");
	ck_assert_int_eq(bc_unhex(hex, out, sizeof(out)), 0);
	ck_assert(memcmp(in, out, sizeof(in)) == 0);

	/* upper case decodes the same */
	ck_assert_int_eq(bc_unhex("ABcdEF09", out, 4), 0);
	ck_assert_uint_eq(out[0], 0xab);
	ck_assert_uint_eq(out[1], 0xcd);
	ck_assert_uint_eq(out[2], 0xef);
	ck_assert_uint_eq(out[3], 0x09);

	bc_hex(in, 0, hex);
	ck_assert_str_eq(hex, "");
	ck_assert_int_eq(bc_unhex("", out, 0), 0);
}
END_TEST

START_TEST(test_unhex_malformed)
{
	uint8_t out[4] = { 1, 2, 3, 4 };

	ck_assert_int_eq(bc_unhex("abcdef0", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("abcdef012", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("abcdef0g", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("abcdef 0", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("0x010203", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("", out, 4), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_unhex("ab", out, 0), BC_ERR_MALFORMED);
}
END_TEST

START_TEST(test_is_sha256_hex)
{
	const char *ok = vectors[0].sha256;
	char buf[80];

	ck_assert(bc_is_sha256_hex(ok));
	ck_assert(!bc_is_sha256_hex(""));
	ck_assert(!bc_is_sha256_hex("e3b0c442"));
	/* 63 and 65 digits */
	snprintf(buf, sizeof(buf), "%.63s", ok);
	ck_assert(!bc_is_sha256_hex(buf));
	snprintf(buf, sizeof(buf), "%s0", ok);
	ck_assert(!bc_is_sha256_hex(buf));
	/* upper case is not the canonical form */
	snprintf(buf, sizeof(buf), "%s", ok);
	buf[0] = 'E';
	ck_assert(!bc_is_sha256_hex(buf));
	buf[0] = 'g';
	ck_assert(!bc_is_sha256_hex(buf));
	snprintf(buf, sizeof(buf), "%s", ok);
	buf[63] = ' ';
	ck_assert(!bc_is_sha256_hex(buf));
}
END_TEST

static Suite *
hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc;

	tc = tu_tcase(s, "core", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_one_byte);
	tcase_add_test(tc, test_head_size);
	tcase_add_test(tc, test_one_buffer);
	tcase_add_test(tc, test_one_buffer_plus_one);
	tcase_add_test(tc, test_few_mib);
	tcase_add_test(tc, test_hash_fd_offset);
	tcase_add_test(tc, test_sha256_buffer);
	tcase_add_test(tc, test_progress);

	tc = tu_tcase(s, "changed", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_changed_while_hashed);
	tcase_add_test(tc, test_rewritten_while_hashed);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_hex_roundtrip);
	tcase_add_test(tc, test_unhex_malformed);
	tcase_add_test(tc, test_is_sha256_hex);
	return s;
}

int
main(void)
{
	return tu_run_suite(hash_suite());
}
