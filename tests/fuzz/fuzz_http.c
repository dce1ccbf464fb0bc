/*
 * fuzz_http.c - libFuzzer target for what the service parses of a request
 * before a handler runs: the route table's path matching (bc_route_find)
 * and the Range header (bc_http_range).  The first 8 bytes are a file
 * size, the rest the header and the path.  A range given is inside the
 * file and not empty; the {id} taken from a path is one segment that fits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bodycam/serve-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT" };
	const struct bc_route *rt;
	uint64_t fsize = 0, off = 0, len = 0;
	char *s, arg[BC_ITEM_ID_MAX + 64];
	size_t i;
	int r, other;

	if (size < 8)
		return 0;
	for (i = 0; i < 8; i++)
		fsize = fsize << 8 | data[i];
	fsize >>= data[0] & 63;		/* small sizes too */
	if ((s = malloc(size - 8 + 1)) == NULL)
		return 0;
	memcpy(s, data + 8, size - 8);
	s[size - 8] = '\0';

	r = bc_http_range(s, fsize, &off, &len);
	if (r == 1 && (len == 0 || off >= fsize || len > fsize - off))
		abort();
	if (r < -1 || r > 1)
		abort();

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		memset(arg, 'x', sizeof(arg));
		rt = bc_route_find(methods[i], s, arg, sizeof(arg), &other);
		if (rt != NULL) {
			if (strcmp(rt->method, methods[i]) != 0)
				abort();
			if (strstr(rt->path, "{id}") != NULL &&
			    (memchr(arg, '\0', sizeof(arg)) == NULL ||
			    strchr(arg, '/') != NULL || arg[0] == '\0'))
				abort();
		}
	}
	free(s);
	return 0;
}
