/*
 * fuzz_canon_read.c - libFuzzer target holding the one-pass canonical
 * reader (bc_canon_read) to its reference: the general strict parser
 * followed by a byte comparison with the canonical writer.  They must
 * accept the same inputs and read the same trees.
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
	json_t *got = NULL, *want = NULL;
	char *c = NULL;
	size_t clen = 0;
	int r;

	if (bc_json_parse((const char *)data, size, &want, NULL) == 0) {
		if (bc_canon_dump(want, &c, &clen, NULL) != 0 ||
		    clen != size || memcmp(c, data, size) != 0) {
			json_decref(want);
			want = NULL;
		}
		free(c);
	}
	r = bc_canon_read((const char *)data, size, &got, &err);
	if ((r == 0) != (want != NULL))
		abort();
	if (r == 0 && !json_equal(got, want))
		abort();
	if (r != 0 && (got != NULL || err.msg[0] == '\0'))
		abort();
	json_decref(got);
	json_decref(want);
	return 0;
}
