/*
 * fuzz_conf.c - libFuzzer target for bc_conf_parse (bodycam serve
 * --config).  Whatever the bytes, it returns 0, BC_ERR_MALFORMED or
 * BC_ERR_TOO_LARGE; on success every key is a-z, 0-9 and '-' starting
 * with a letter, every value is non-empty, without a control character
 * or a blank at either end, and the line numbers increase.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_conf *c = NULL;
	struct bc_err err;
	const char *k, *v;
	size_t i, n;
	unsigned last = 0;
	int r;

	r = bc_conf_parse("fuzz", (const char *)data, size, &c, &err);
	if (r != 0) {
		if ((r != BC_ERR_MALFORMED && r != BC_ERR_TOO_LARGE) ||
		    c != NULL || strncmp(err.msg, "fuzz", 4) != 0)
			abort();
		return 0;
	}
	for (i = 0; i < c->n; i++) {
		k = c->e[i].key;
		v = c->e[i].value;
		if (k[0] < 'a' || k[0] > 'z' || strspn(k,
		    "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(k))
			abort();
		if ((n = strlen(v)) == 0 || v[0] == ' ' || v[0] == '\t' ||
		    v[n - 1] == ' ' || v[n - 1] == '\t')
			abort();
		for (; *v != '\0'; v++)
			if ((unsigned char)*v < 0x20 || *v == 0x7f)
				abort();
		if (c->e[i].line <= last)
			abort();
		last = c->e[i].line;
	}
	bc_conf_free(c);
	return 0;
}
