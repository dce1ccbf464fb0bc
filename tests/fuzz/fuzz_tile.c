/*
 * fuzz_tile.c - libFuzzer target for the tile paths that GET
 * /log/tile/{path} hands to bc_tile_parse: it must never crash, and a
 * path it takes must be the one spelling of its tile (bc_tile_path gives
 * it back byte for byte) and its width 1 to 256.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_tile t;
	char s[256], back[BC_TILE_PATH_MAX];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (bc_tile_parse(s, &t) != 0)
		return 0;
	bc_tile_path(&t, back);
	if (strcmp(back, s) != 0 || t.width < 1 || t.width > BC_TILE_WIDTH)
		abort();
	(void)bc_tile_in_tree(&t, UINT64_C(1) << 63);
	return 0;
}
