/*
 * check_tiles.c - C2SP tlog-tiles names: tile paths both ways (the
 * spec's examples and Go's sumdb/tlog Tile.Path without the height),
 * the one spelling a path may have, which tiles lie inside a tree, and
 * the tiles of a tree in order (the set Go's tlog.NewTiles(8, 0, n)
 * gives, with the entry bundles).  The bytes of tiles are checked from the outside, by Go's own
 * packages, in tests/cli/t-tiles.sh.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/tiles.h"

static void
expect_path(int level, uint64_t index, unsigned width, const char *want)
{
	struct bc_tile t = { level, index, width }, back;
	char p[BC_TILE_PATH_MAX];

	bc_tile_path(&t, p);
	ck_assert_str_eq(p, want);
	ck_assert_int_eq(bc_tile_parse(p, &back), 0);
	ck_assert_int_eq(back.level, level);
	ck_assert_uint_eq(back.index, index);
	ck_assert_uint_eq(back.width, width);
}

START_TEST(test_paths)
{
	/* c2sp.org/tlog-tiles: 1234067 is x001/x234/067 */
	expect_path(0, 1234067, 256, "tile/0/x001/x234/067");
	expect_path(0, 0, 256, "tile/0/000");
	expect_path(0, 1, 1, "tile/0/001.p/1");
	expect_path(1, 0, 255, "tile/1/000.p/255");
	expect_path(2, 1000, 256, "tile/2/x001/000");
	expect_path(7, 999, 3, "tile/7/999.p/3");
	expect_path(BC_TILE_ENTRIES, 1234067, 5,
	    "tile/entries/x001/x234/067.p/5");
	/* the largest index a level can have: 2^56 - 1 */
	expect_path(0, (UINT64_C(1) << 56) - 1, 256,
	    "tile/0/x072/x057/x594/x037/x927/935");
}
END_TEST

START_TEST(test_one_spelling)
{
	static const char *const bad[] = {
		"", "tile", "tile/", "tile/0", "tile/0/", "tile/0/0",
		"tile/0/00", "tile/0/0000", "tile/00/000", "tile/8/000",
		"tile/-1/000", "tile/+0/000", "tile/0/x000/001",
		"tile/0/x001", "tile/0/x001/", "tile/0/001/", "tile/0/001/002",
		"tile/0/x01/002", "tile/0/x0011/002", "tile/0/abc",
		"tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/01",
		"tile/0/000.p/", "tile/0/000.p", "tile/0/000.P/1",
		"tile/0/000.p/1/", "tile/0/000.p/1x", "tile/0/000x",
		"tile/entries/", "tile/entries/x1/000", "tile/data/000",
		"tile/8/0/000", "/tile/0/000", "tile//0/000",
		"tile/0/../000", "tile/0/./000", "Tile/0/000",
		/* 6 groups past 2^56, and 7 groups */
		"tile/0/x999/x999/x999/x999/x999/999",
		"tile/0/x001/x002/x003/x004/x005/x006/007",
		"tile/0/000\n",
	};
	struct bc_tile t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bc_tile_parse(bad[i], &t) == BC_ERR_MALFORMED,
		    "'%s' was taken", bad[i]);
}
END_TEST

START_TEST(test_in_tree)
{
	struct bc_tile t = { 0, 0, 256 };

	ck_assert(!bc_tile_in_tree(&t, 255));
	ck_assert(bc_tile_in_tree(&t, 256));
	t.width = 255;
	ck_assert(bc_tile_in_tree(&t, 255));
	ck_assert(!bc_tile_in_tree(&t, 254));
	/* level 1, index 0, width 1: a node of 256 leaves */
	t.level = 1;
	t.width = 1;
	ck_assert(!bc_tile_in_tree(&t, 255));
	ck_assert(bc_tile_in_tree(&t, 256));
	t.width = 2;
	ck_assert(!bc_tile_in_tree(&t, 511));
	ck_assert(bc_tile_in_tree(&t, 512));
	t.level = BC_TILE_ENTRIES;
	t.index = 1;
	t.width = 3;
	ck_assert(bc_tile_in_tree(&t, 259));
	ck_assert(!bc_tile_in_tree(&t, 258));
	t.level = 7;
	t.index = 0;
	t.width = 1;
	ck_assert(!bc_tile_in_tree(&t, UINT64_C(1) << 55));
	ck_assert(bc_tile_in_tree(&t, UINT64_C(1) << 56));
	t.level = 0;
	t.index = (UINT64_C(1) << 56) - 1;
	t.width = 256;
	ck_assert(!bc_tile_in_tree(&t, UINT64_C(1) << 63));
}
END_TEST

/* The paths of the tiles of a tree of size n, one line each. */
static void
tiles_of(uint64_t n, char *out, size_t outsz)
{
	struct bc_tile t;
	char p[BC_TILE_PATH_MAX];
	size_t len = 0;

	out[0] = '\0';
	memset(&t, 0, sizeof(t));
	while (bc_tile_next(n, &t)) {
		bc_tile_path(&t, p);
		len += (size_t)snprintf(out + len, outsz - len, "%s\n", p);
		ck_assert(len < outsz);
	}
}

START_TEST(test_next)
{
	static char s[64 * 1024];

	tiles_of(0, s, sizeof(s));
	ck_assert_str_eq(s, "");
	tiles_of(1, s, sizeof(s));
	ck_assert_str_eq(s, "tile/0/000.p/1\ntile/entries/000.p/1\n");
	tiles_of(256, s, sizeof(s));
	ck_assert_str_eq(s, "tile/0/000\ntile/entries/000\n"
	    "tile/1/000.p/1\n");
	tiles_of(257, s, sizeof(s));
	ck_assert_str_eq(s, "tile/0/000\ntile/entries/000\n"
	    "tile/0/001.p/1\ntile/entries/001.p/1\ntile/1/000.p/1\n");
	tiles_of(511, s, sizeof(s));
	ck_assert_str_eq(s, "tile/0/000\ntile/entries/000\n"
	    "tile/0/001.p/255\ntile/entries/001.p/255\ntile/1/000.p/1\n");
	tiles_of(65536 + 256, s, sizeof(s));
	ck_assert(strstr(s, "tile/0/256\ntile/entries/256\n"
	    "tile/1/000\ntile/1/001.p/1\ntile/2/000.p/1\n") != NULL);
}
END_TEST

static Suite *
tiles_suite(void)
{
	Suite *s = suite_create("tiles");
	TCase *tc;

	tc = tu_tcase(s, "core", NULL, NULL);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_in_tree);
	tcase_add_test(tc, test_next);
	tc = tu_tcase(s, "malformed", NULL, NULL);
	tcase_add_test(tc, test_one_spelling);
	return s;
}

int
main(void)
{
	return tu_run_suite(tiles_suite());
}
