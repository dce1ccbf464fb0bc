/*
 * fuzz_canon.c - libFuzzer target for the strict JSON reader and the
 * canonical writer.  Whatever bc_canon_text accepts, its output must be a
 * fixed point: canonicalising it again gives the same bytes, and
 * bc_canon_is_canonical agrees.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_err err;
	char *out = NULL, *again = NULL;
	size_t outlen = 0, againlen = 0;
	int r;

	r = bc_canon_text((const char *)data, size, &out, &outlen, &err);
	if (r != 0) {
		/* a refusal returns nothing and names a reason */
		if (out != NULL || outlen != 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (out == NULL || out[outlen] != '\0')
		abort();
	if (bc_canon_text(out, outlen, &again, &againlen, &err) != 0)
		abort();
	if (againlen != outlen || memcmp(again, out, outlen) != 0)
		abort();
	if (!bc_canon_is_canonical(out, outlen))
		abort();
	/* the input itself is canonical exactly when it equals the output */
	if (bc_canon_is_canonical((const char *)data, size) !=
	    (size == outlen && memcmp(data, out, size) == 0))
		abort();
	free(again);
	free(out);
	return 0;
}
