/*
 * check_buf.c - growable buffers (buf.h): contents and NUL termination
 * across many growths, the size cap exactly at and one past its limit,
 * the sticky first error, printf into the buffer, detach and free; and
 * the checked array growth, including a size that would overflow.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/buf.h"
#include "bodycam/error.h"

START_TEST(test_buf_grows)
{
	struct bc_buf b = BC_BUF_INIT(1 << 20);
	char want[10001];
	size_t i, len;
	char *s;

	for (i = 0; i < 10000; i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(bc_buf_addch(&b, want[i]), 0);
		ck_assert_uint_eq(b.len, i + 1);
		ck_assert_int_eq(b.p[b.len], '\0');
	}
	want[10000] = '\0';
	ck_assert_str_eq(b.p, want);
	ck_assert_uint_ge(b.cap, b.len + 1);
	/* bytes with NULs in them */
	ck_assert_int_eq(bc_buf_add(&b, "x\0y", 3), 0);
	ck_assert_uint_eq(b.len, 10003);
	ck_assert_int_eq(memcmp(b.p + 10000, "x\0y", 4), 0);
	bc_buf_truncate(&b, 5);
	ck_assert_str_eq(b.p, "abcde");
	ck_assert_ptr_nonnull(s = bc_buf_detach(&b, &len));
	ck_assert_str_eq(s, "abcde");
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	free(s);
	/* nothing added: "" */
	ck_assert_ptr_nonnull(s = bc_buf_detach(&b, &len));
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
}
END_TEST

START_TEST(test_buf_cap)
{
	struct bc_buf b;
	char *s;

	bc_buf_init(&b, 8);
	ck_assert_int_eq(bc_buf_addstr(&b, "12345678"), 0);	/* exactly */
	ck_assert_uint_eq(b.len, 8);
	ck_assert_int_eq(bc_buf_add(&b, "", 0), 0);
	ck_assert_int_eq(bc_buf_addch(&b, '9'), BC_ERR_TOO_LARGE);
	ck_assert_str_eq(b.p, "12345678");		/* unchanged */
	/* the first error is sticky, even for what would fit */
	bc_buf_truncate(&b, 2);
	ck_assert_int_eq(bc_buf_addch(&b, 'x'), BC_ERR_TOO_LARGE);
	ck_assert_int_eq(bc_buf_printf(&b, "%d", 1), BC_ERR_TOO_LARGE);
	ck_assert_str_eq(b.p, "12");
	ck_assert_int_eq(b.err, BC_ERR_TOO_LARGE);
	ck_assert_str_eq(bc_buf_str(&b), "");		/* never a part */
	ck_assert_ptr_null(bc_buf_detach(&b, NULL));	/* freed */
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(b.err, 0);

	/* a length that would wrap around is too large, not a tiny copy */
	bc_buf_init(&b, SIZE_MAX - 1);
	ck_assert_int_eq(bc_buf_addstr(&b, "abc"), 0);
	ck_assert_int_eq(bc_buf_add(&b, "x", SIZE_MAX - 2), BC_ERR_TOO_LARGE);
	ck_assert_str_eq(b.p, "abc");
	bc_buf_free(&b);
	ck_assert_ptr_null(b.p);

	/* printf over the cap: nothing written */
	bc_buf_init(&b, 10);
	ck_assert_int_eq(bc_buf_printf(&b, "%s-%d", "ab", 7), 0);
	ck_assert_int_eq(bc_buf_printf(&b, "%08d", 1), BC_ERR_TOO_LARGE);
	ck_assert_str_eq(b.p, "ab-7");
	ck_assert_ptr_null(s = bc_buf_detach(&b, NULL));
}
END_TEST

START_TEST(test_buf_printf)
{
	struct bc_buf b = BC_BUF_INIT(1 << 20);
	char big[3000], *s;
	size_t len;
	int i;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(bc_buf_printf(&b, "%d,", i), 0);
	ck_assert_int_eq(strncmp(b.p, "0,1,2,3,", 8), 0);
	ck_assert_int_eq(strcmp(b.p + b.len - 3, "99,"), 0);
	len = b.len;
	ck_assert_int_eq(bc_buf_printf(&b, "[%s]", big), 0);
	ck_assert_uint_eq(b.len, len + 2 + strlen(big));
	ck_assert_int_eq(b.p[len], '[');
	ck_assert_int_eq(b.p[b.len - 1], ']');
	ck_assert_int_eq(b.p[b.len], '\0');
	ck_assert_int_eq(bc_buf_printf(&b, "%s", ""), 0);
	ck_assert_ptr_nonnull(s = bc_buf_detach(&b, NULL));
	ck_assert_uint_eq(strlen(s), len + 2 + strlen(big));
	free(s);
}
END_TEST

START_TEST(test_grow)
{
	size_t cap = 0, i;
	int *v = NULL, *tmp;
	char *c;

	for (i = 0; i < 1000; i++) {
		ck_assert_ptr_nonnull(tmp = bc_grow(v, &cap, i + 1,
		    sizeof(*v)));
		v = tmp;
		ck_assert_uint_ge(cap, i + 1);
		v[i] = (int)i;
	}
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(v[i], (int)i);
	/* large enough: the same array */
	ck_assert_ptr_eq(bc_grow(v, &cap, 10, sizeof(*v)), v);
	/* a size that would overflow: NULL, nothing changed */
	i = cap;
	ck_assert_ptr_null(bc_grow(v, &cap, SIZE_MAX / 2, sizeof(*v)));
	ck_assert_uint_eq(cap, i);
	ck_assert_int_eq(v[999], 999);
	free(v);

	cap = 0;
	ck_assert_ptr_nonnull(c = bc_grow(NULL, &cap, 1, 1));
	ck_assert_uint_eq(cap, 16);
	free(c);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc;

	tc = tu_tcase(s, "buf", NULL, NULL);
	tcase_add_test(tc, test_buf_grows);
	tcase_add_test(tc, test_buf_cap);
	tcase_add_test(tc, test_buf_printf);
	tcase_add_test(tc, test_grow);
	return s;
}

int
main(void)
{
	return tu_run_suite(buf_suite());
}
