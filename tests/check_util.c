/*
 * check_util.c - bc_parse_uint (util.h), the one number parser of options,
 * query arguments and headers: digits only, whole string, bounds, and no
 * overflow at the edge of 64 bits.
 */
#include <stdint.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/util.h"

START_TEST(test_parse_uint)
{
	static const struct {
		const char	*s;
		uint64_t	 lo, hi;
		int		 ok;
		uint64_t	 want;
	} t[] = {
		{ "0", 0, 10, 1, 0 },
		{ "10", 0, 10, 1, 10 },
		{ "007", 0, 10, 1, 7 },
		{ "11", 0, 10, 0, 0 },		/* over hi */
		{ "0", 1, 10, 0, 0 },		/* under lo */
		{ "", 0, 10, 0, 0 },
		{ "-1", 0, 10, 0, 0 },
		{ "+1", 0, 10, 0, 0 },
		{ " 1", 0, 10, 0, 0 },
		{ "1 ", 0, 10, 0, 0 },
		{ "1x", 0, 10, 0, 0 },
		{ "0x1", 0, 10, 0, 0 },
		{ "1e3", 0, 10000, 0, 0 },
		{ "65535", 0, 65535, 1, 65535 },
		{ "65536", 0, 65535, 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 1, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, 0, 0 },
		{ "99999999999999999999", 0, UINT64_MAX, 0, 0 },
		{ "184467440737095516150", 0, UINT64_MAX, 0, 0 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = 12345;
		ck_assert_msg((bc_parse_uint(t[i].s, t[i].lo, t[i].hi, &v) ==
		    0) == t[i].ok, "'%s'", t[i].s);
		ck_assert_msg(v == (t[i].ok ? t[i].want : 12345), "'%s': %llu",
		    t[i].s, (unsigned long long)v);
	}
	ck_assert_int_eq(bc_parse_uint(NULL, 0, 1, &v), -1);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc;

	tc = tu_tcase(s, "numbers", NULL, NULL);
	tcase_add_test(tc, test_parse_uint);
	return s;
}

int
main(void)
{
	return tu_run_suite(util_suite());
}
