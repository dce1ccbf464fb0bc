/*
 * fuzz_time.c - libFuzzer target for bc_time_parse (the --since/--until
 * and BODYCAM_NOW parser).  A time that parses formats and parses back to
 * itself (within the years it accepts, 1970 to 9999: an offset may carry
 * a time just outside them); the end of a day is never before its start.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[BC_TIME_MAX];
	time_t t0, t1, t2;
	int r0, r1;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r0 = bc_time_parse(s, 0, &t0);
	r1 = bc_time_parse(s, 1, &t1);
	if ((r0 == 0) != (r1 == 0))
		abort();
	if (r0 == 0) {
		if (t1 < t0 || t1 - t0 > 86399)
			abort();
		if (t0 >= 0 && t0 <= 253402300799LL) {
			bc_time_format(t0, buf);
			if (bc_time_parse(buf, 0, &t2) != 0 || t2 != t0)
				abort();
		}
	} else if (r0 != BC_ERR_MALFORMED) {
		abort();
	}
	free(s);
	return 0;
}
