/*
 * checks.c - the table of check names (include/bodycam/checks.h).
 */
#include <stddef.h>
#include <string.h>

#include "bodycam/checks.h"
#include "bodycam/error.h"

#define BC_CHECK_NAME_(id, name, who, doc)	[BC_CHECK_##id] = name,
const char *const bc_check_names[BC_CHECK__COUNT] = {
	FOREACH_BC_CHECK(BC_CHECK_NAME_)
};
#undef BC_CHECK_NAME_

#define BC_CHECK_WHO_(id, name, who, doc)	[BC_CHECK_##id] = (who),
const unsigned int bc_check_who[BC_CHECK__COUNT] = {
	FOREACH_BC_CHECK(BC_CHECK_WHO_)
};
#undef BC_CHECK_WHO_

const char *
bc_check_name(enum bc_check_id id)
{
	if ((unsigned int)id >= BC_CHECK__COUNT)
		return "";
	return bc_check_names[id];
}

int
bc_check_lookup(const char *name, enum bc_check_id *out)
{
	size_t i;

	for (i = 0; i < BC_CHECK__COUNT; i++)
		if (strcmp(bc_check_names[i], name) == 0) {
			*out = (enum bc_check_id)i;
			return 0;
		}
	return BC_ERR_NOT_FOUND;
}
