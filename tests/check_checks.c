/*
 * check_checks.c - the table of check names (checks.h): every name is
 * lowercase words joined by hyphens, fits a report's name field, is there
 * once, and looks up to its own id.
 */
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "bodycam/checks.h"
#include "bodycam/error.h"

/* Lowercase letters and digits, in words joined by single hyphens. */
static int
well_formed(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '-' && s[i + 1] == '-')
			return 0;
		if (s[i] != '-' && !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	}
	return 1;
}

START_TEST(test_names_form)
{
	size_t i;

	ck_assert_int_gt(BC_CHECK__COUNT, 0);
	for (i = 0; i < BC_CHECK__COUNT; i++) {
		ck_assert_ptr_nonnull(bc_check_names[i]);
		ck_assert_msg(well_formed(bc_check_names[i]), "check %zu: "
		    "'%s' is not lowercase-hyphenated", i, bc_check_names[i]);
		ck_assert_msg(strlen(bc_check_names[i]) < BC_CHECK_NAME_MAX,
		    "'%s' is too long", bc_check_names[i]);
		ck_assert_msg(bc_check_who[i] != 0, "'%s' has no producer",
		    bc_check_names[i]);
	}
}
END_TEST

START_TEST(test_names_unique)
{
	size_t i, j;

	for (i = 0; i < BC_CHECK__COUNT; i++)
		for (j = i + 1; j < BC_CHECK__COUNT; j++)
			ck_assert_msg(strcmp(bc_check_names[i],
			    bc_check_names[j]) != 0, "'%s' is there twice",
			    bc_check_names[i]);
}
END_TEST

START_TEST(test_lookup)
{
	enum bc_check_id id;
	size_t i;

	for (i = 0; i < BC_CHECK__COUNT; i++) {
		ck_assert_int_eq(bc_check_lookup(bc_check_names[i], &id), 0);
		ck_assert_int_eq(id, (int)i);
		ck_assert_str_eq(bc_check_name(id), bc_check_names[i]);
	}
	ck_assert_str_eq(bc_check_name(BC_CHECK_EVENT_HASH), "event-hash");
	ck_assert_str_eq(bc_check_name(BC_CHECK__COUNT), "");
	ck_assert_int_eq(bc_check_lookup("event_hash", &id), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(bc_check_lookup("", &id), BC_ERR_NOT_FOUND);
}
END_TEST

static Suite *
checks_suite(void)
{
	Suite *s = suite_create("checks");
	TCase *tc;

	tc = tu_tcase(s, "table", NULL, NULL);
	tcase_add_test(tc, test_names_form);
	tcase_add_test(tc, test_names_unique);
	tcase_add_test(tc, test_lookup);
	return s;
}

int
main(void)
{
	return tu_run_suite(checks_suite());
}
