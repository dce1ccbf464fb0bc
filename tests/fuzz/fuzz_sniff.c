/*
 * fuzz_sniff.c - libFuzzer target for bc_media_sniff: any leading bytes,
 * of any length, give one of its static answers without reading past len.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/hash.h"
#include "bodycam/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *mime;
	size_t len = size;

	/* bc_hash_file never keeps more than this */
	if (len > BC_HASH_HEADSZ)
		len = BC_HASH_HEADSZ;
	mime = bc_media_sniff(data, len);
	if (mime == NULL || strchr(mime, '/') == NULL)
		abort();
	if ((len == 0) != (strcmp(mime, "application/x-empty") == 0))
		abort();
	return 0;
}
