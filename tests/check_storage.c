/*
 * check_storage.c - copying into managed storage: the copy's hash is the
 * source's (the pattern vectors of check_hash), across the checker's
 * windows; nothing is left by a failed copy; the final name and what it
 * refuses; placing over a leftover of the same content, and not over
 * another file; unplacing.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/storage.h"

#define MIB	(1024 * 1024)

/* The number of entries in dir, "." and ".." aside (recursively). */
static int
count_entries(const char *dir)
{
	struct dirent *de;
	char sub[4096];
	struct stat sb;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			n += count_entries(sub);
	}
	closedir(d);
	return n;
}

static void
write_pattern(const char *path, size_t n)
{
	uint8_t *buf = malloc(n ? n : 1);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < n; i++)
		buf[i] = tu_pattern_byte(i);
	ck_assert_int_eq(tu_write_file(path, buf, n), 0);
	free(buf);
}

/* The storage root (its own buffer: tu_path's are used in rotation). */
static const char *
make_root(void)
{
	static char root[4096];

	snprintf(root, sizeof(root), "%s", tu_path("store"));
	ck_assert_int_eq(mkdir(root, 0700), 0);
	return root;
}

/* A copy of n pattern bytes: its hash, placed where it belongs. */
static void
copy_vector(size_t n, const char *sha256)
{
	struct bc_copy cp;
	struct bc_err err = { 0 };
	char hex[BC_SHA256_HEX], want[4096];
	const char *root = make_root(), *src = tu_path("src.bin");
	int r;

	write_pattern(src, n);
	r = bc_storage_copy(root, src, NULL, NULL, &cp, &err);
	ck_assert_msg(r == 0, "copy of %zu bytes: %s", n, err.msg);
	bc_hex(cp.fh.sha256, sizeof(cp.fh.sha256), hex);
	ck_assert_str_eq(hex, sha256);
	ck_assert_uint_eq(cp.fh.size, n);
	ck_assert_uint_eq(cp.fh.headlen, n < BC_HASH_HEADSZ ? n :
	    BC_HASH_HEADSZ);
	/* unnamed until placed */
	ck_assert_int_eq(count_entries(root), 0);
	ck_assert_int_eq(bc_storage_place(&cp, root, "src.bin", &err), 0);
	snprintf(want, sizeof(want), "%s/%.2s/%s/src.bin", root, sha256,
	    sha256);
	ck_assert_str_eq(cp.final, want);
	bc_storage_close(&cp);
	ck_assert_int_eq(count_entries(root), 3);
	{
		struct bc_file_hash fh;

		ck_assert_int_eq(bc_hash_file(want, &fh, NULL, NULL, &err),
		    0);
		bc_hex(fh.sha256, sizeof(fh.sha256), hex);
		ck_assert_str_eq(hex, sha256);
	}
}

START_TEST(test_copy_empty)
{
	copy_vector(0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495"
	    "991b7852b855");
}
END_TEST

START_TEST(test_copy_one_buffer_plus_one)
{
	copy_vector(MIB + 1, "0d09f3eabb5c78e5d435c41e3b3755f1c4d038657f739d0"
	    "be0083c24e71235df");
}
END_TEST

START_TEST(test_copy_windows)
{
	/* more than two of the checker's 8 MiB windows, and a tail */
	const char *root = make_root(), *src = tu_path("big.bin");
	struct bc_file_hash fh;
	struct bc_copy cp;
	struct bc_err err = { 0 };

	write_pattern(src, 19 * MIB + 12345);
	ck_assert_int_eq(bc_hash_file(src, &fh, NULL, NULL, &err), 0);
	ck_assert_int_eq(bc_storage_copy(root, src, NULL, NULL, &cp, &err),
	    0);
	ck_assert_mem_eq(cp.fh.sha256, fh.sha256, sizeof(fh.sha256));
	ck_assert_uint_eq(cp.fh.size, fh.size);
	bc_storage_close(&cp);
	/* never placed: nothing left */
	ck_assert_int_eq(count_entries(root), 0);
}
END_TEST

START_TEST(test_stream)
{
	/* a stream in odd pieces (an upload): the same hash as the file */
	const char *root = make_root(), *src = tu_path("s.bin");
	static const size_t pieces[] = { 1, 4095, 65536, 3 * MIB + 7, 1 };
	struct bc_file_hash fh;
	struct bc_copy cp;
	struct bc_err err = { 0 };
	uint8_t *buf;
	size_t i, off = 0, n = 0;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		n += pieces[i];
	write_pattern(src, n);
	ck_assert_int_eq(bc_hash_file(src, &fh, NULL, NULL, &err), 0);
	ck_assert_ptr_nonnull(buf = malloc(n));
	for (i = 0; i < n; i++)
		buf[i] = tu_pattern_byte(i);
	ck_assert_int_eq(bc_storage_begin(root, &cp, &err), 0);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		ck_assert_int_eq(bc_storage_write(&cp, buf + off, pieces[i],
		    &err), 0);
		off += pieces[i];
		ck_assert_uint_eq(bc_storage_written(&cp), off);
	}
	ck_assert_int_eq(bc_storage_end(&cp, &err), 0);
	ck_assert_mem_eq(cp.fh.sha256, fh.sha256, sizeof(fh.sha256));
	ck_assert_uint_eq(cp.fh.size, n);
	ck_assert_mem_eq(cp.fh.head, buf, cp.fh.headlen);
	/* nothing more once ended */
	ck_assert_int_ne(bc_storage_write(&cp, buf, 1, &err), 0);
	ck_assert_int_ne(bc_storage_end(&cp, &err), 0);
	ck_assert_int_eq(bc_storage_place(&cp, root, "s.bin", &err), 0);
	bc_storage_close(&cp);
	ck_assert_int_eq(count_entries(root), 3);

	/* a stream given up: nothing left */
	ck_assert_int_eq(bc_storage_begin(root, &cp, &err), 0);
	ck_assert_int_eq(bc_storage_write(&cp, buf, n, &err), 0);
	bc_storage_close(&cp);
	ck_assert_int_eq(count_entries(root), 3);

	/* with the hash expected: right, wrong, too late */
	ck_assert_int_eq(bc_storage_begin(root, &cp, &err), 0);
	ck_assert_int_eq(bc_storage_expect(&cp, fh.sha256, &err), 0);
	ck_assert_int_eq(bc_storage_write(&cp, buf, n, &err), 0);
	ck_assert_int_eq(bc_storage_end(&cp, &err), 0);
	ck_assert_mem_eq(cp.fh.sha256, fh.sha256, sizeof(fh.sha256));
	bc_storage_close(&cp);
	ck_assert_int_eq(bc_storage_begin(root, &cp, &err), 0);
	ck_assert_int_eq(bc_storage_expect(&cp, fh.sha256, &err), 0);
	ck_assert_int_eq(bc_storage_write(&cp, buf, n - 1, &err), 0);
	ck_assert_int_eq(bc_storage_end(&cp, &err), BC_ERR_CHANGED);
	ck_assert_mem_ne(cp.fh.sha256, fh.sha256, sizeof(fh.sha256));
	bc_storage_close(&cp);
	ck_assert_int_eq(bc_storage_begin(root, &cp, &err), 0);
	ck_assert_int_eq(bc_storage_write(&cp, buf, 1, &err), 0);
	ck_assert_int_eq(bc_storage_expect(&cp, fh.sha256, &err),
	    BC_ERR_INVALID);
	bc_storage_close(&cp);
	ck_assert_int_eq(count_entries(root), 3);
	free(buf);

	/* a root that is not there */
	ck_assert_int_ne(bc_storage_begin(tu_path("nowhere"), &cp, &err), 0);
	bc_storage_close(&cp);
}
END_TEST

START_TEST(test_copy_refusals)
{
	const char *root = make_root();
	struct bc_copy cp;
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_storage_copy(root, tu_path("none"), NULL, NULL,
	    &cp, &err), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_storage_copy(root, tu_dir(), NULL, NULL, &cp,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(tu_write_str(tu_path("a"), "x"), 0);
	ck_assert_int_ne(bc_storage_copy(tu_path("nodir"), tu_path("a"),
	    NULL, NULL, &cp, &err), 0);
	ck_assert_int_eq(count_entries(root), 0);
}
END_TEST

START_TEST(test_path_names)
{
	static const char sha[] = "0d09f3eabb5c78e5d435c41e3b3755f1c4d038657f73"
	    "9d0be0083c24e71235df";
	char out[4096], longname[300];
	struct bc_err err = { 0 };

	ck_assert_int_eq(bc_storage_path("/s", sha, "a.mp4", out, sizeof(out),
	    &err), 0);
	ck_assert_str_eq(out, "/s/0d/0d09f3eabb5c78e5d435c41e3b3755f1c4d0386"
	    "57f739d0be0083c24e71235df/a.mp4");
	ck_assert_int_eq(bc_storage_path("/s", sha, "", out, sizeof(out),
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_storage_path("/s", sha, ".", out, sizeof(out),
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_storage_path("/s", sha, "..", out, sizeof(out),
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_storage_path("/s", sha, "../x", out, sizeof(out),
	    &err), BC_ERR_INVALID);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	ck_assert_int_eq(bc_storage_path("/s", sha, longname, out,
	    sizeof(out), &err), BC_ERR_INVALID);
	longname[255] = '\0';
	ck_assert_int_eq(bc_storage_path("/s", sha, longname, out,
	    sizeof(out), &err), 0);
	ck_assert_int_eq(bc_storage_path("/s", "0D09", "a", out, sizeof(out),
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_storage_path("/s", sha, "a", out, 20, &err),
	    BC_ERR_INVALID);
}
END_TEST

START_TEST(test_place_over_leftover)
{
	const char *root = make_root(), *src = tu_path("v.bin");
	char hex[BC_SHA256_HEX], dir[4096], file[4200];
	struct bc_copy cp;
	struct bc_err err = { 0 };

	write_pattern(src, 5000);
	ck_assert_int_eq(bc_storage_copy(root, src, NULL, NULL, &cp, &err),
	    0);
	bc_hex(cp.fh.sha256, sizeof(cp.fh.sha256), hex);
	snprintf(dir, sizeof(dir), "%s/%.2s", root, hex);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	snprintf(dir, sizeof(dir), "%s/%.2s/%s", root, hex, hex);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	snprintf(file, sizeof(file), "%s/v.bin", dir);

	/* another file there: refused, and left as it was */
	ck_assert_int_eq(tu_write_str(file, "other"), 0);
	ck_assert_int_eq(bc_storage_place(&cp, root, "v.bin", &err),
	    BC_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(err.msg, "another file"));
	ck_assert_str_eq(cp.final, "");

	/* the same content (an earlier placement): taken over */
	ck_assert_int_eq(tu_copy_file(src, file), 0);
	ck_assert_int_eq(bc_storage_place(&cp, root, "v.bin", &err), 0);
	ck_assert_str_eq(cp.final, file);

	/* unplaced: the file and its two directories go */
	bc_storage_unplace(&cp);
	ck_assert_int_eq(access(file, F_OK), -1);
	ck_assert_int_eq(count_entries(root), 0);
	bc_storage_close(&cp);
}
END_TEST

START_TEST(test_remove_source)
{
	const char *root = make_root(), *src = tu_path("m.bin");
	struct bc_copy cp;
	struct bc_err err = { 0 };
	struct timespec ts[2] = { { 0, 0 }, { 12345, 0 } };

	write_pattern(src, 100);
	ck_assert_int_eq(bc_storage_copy(root, src, NULL, NULL, &cp, &err),
	    0);
	/* changed since it was read: kept */
	ck_assert_int_eq(utimensat(AT_FDCWD, src, ts, 0), 0);
	ck_assert_int_eq(bc_storage_remove_source(&cp, src, &err),
	    BC_ERR_CHANGED);
	ck_assert_int_eq(access(src, F_OK), 0);
	bc_storage_close(&cp);

	ck_assert_int_eq(bc_storage_copy(root, src, NULL, NULL, &cp, &err),
	    0);
	ck_assert_int_eq(bc_storage_remove_source(&cp, src, &err), 0);
	ck_assert_int_eq(access(src, F_OK), -1);
	bc_storage_close(&cp);
}
END_TEST

static Suite *
storage_suite(void)
{
	Suite *s = suite_create("storage");
	TCase *tc;

	tc = tu_tcase(s, "copy", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_copy_empty);
	tcase_add_test(tc, test_copy_one_buffer_plus_one);
	tcase_add_test(tc, test_copy_windows);
	tcase_add_test(tc, test_stream);
	tcase_add_test(tc, test_copy_refusals);
	tcase_add_test(tc, test_path_names);
	tcase_add_test(tc, test_place_over_leftover);
	tcase_add_test(tc, test_remove_source);
	return s;
}

int
main(void)
{
	return tu_run_suite(storage_suite());
}
