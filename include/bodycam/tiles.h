/*
 * tiles.h - the transparency log as C2SP tlog-tiles (c2sp.org/tlog-tiles):
 * the tiles' names, their bytes from the catalog, and a static tree of
 * them that any web server can serve.
 *
 * A tile at level L and index N, of width W (1 to 256), holds the hashes
 * of the W tree nodes at height 8 * L with indices N * 256 to
 * N * 256 + W - 1, each the root of a perfect subtree of 256^L leaves,
 * concatenated: 32 * W bytes.  Its entry bundle (level 0 only) holds the
 * same leaves' data, each as a big-endian uint16 length and the bytes.
 * A tile of width 256 is full, and never changes; a narrower one is
 * partial, and its path ends in ".p/W".  The index is written in groups
 * of three digits, all but the last with an "x": 1234067 is
 * x001/x234/067.
 *
 * Only tiles wholly inside a signed checkpoint's tree are made: what a
 * monitor fetches, it can authenticate.
 */
#ifndef BODYCAM_TILES_H
#define BODYCAM_TILES_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/buf.h"
#include "bodycam/catalog.h"
#include "bodycam/error.h"

#define BC_TILE_HEIGHT		8		/* tree levels a tile spans */
#define BC_TILE_WIDTH		256		/* hashes in a full tile */
#define BC_TILE_LEVEL_MAX	7		/* 8 * 8 levels: 2^64 leaves */
#define BC_TILE_ENTRIES		(-1)		/* the level of entry bundles */
#define BC_TILE_ENTRY_MAX	65535		/* bytes in one entry */
#define BC_TILE_PATH_MAX	64		/* "tile/entries/x...": 43 */

struct bc_tile {
	int		level;	/* 0 to BC_TILE_LEVEL_MAX, or BC_TILE_ENTRIES */
	uint64_t	index;
	unsigned	width;	/* 1 to BC_TILE_WIDTH */
};

/*
 * Parses a tile's path, "tile/L/N[.p/W]" or "tile/entries/N[.p/W]", in
 * the spec's one spelling only (no leading zeros but the index's own
 * three-digit groups, no empty or extra segments, W 1 to 255), into *t.
 * Returns 0 or BC_ERR_MALFORMED.
 */
int bc_tile_parse(const char *path, struct bc_tile *t);

/* The path of t (as bc_tile_parse reads it) into out. */
void bc_tile_path(const struct bc_tile *t, char out[BC_TILE_PATH_MAX]);

/* 1 when t lies wholly inside the tree of size leaves, else 0. */
int bc_tile_in_tree(const struct bc_tile *t, uint64_t size);

/*
 * The tiles of the tree of size leaves, in order: level 0 with its entry
 * bundles, then level 1 and up.  Start with *t zeroed (width 0); each
 * call sets *t to the next tile and returns 1, or returns 0 after the
 * last.  A partial tile is the last of its level.
 */
int bc_tile_next(uint64_t size, struct bc_tile *t);

/*
 * The bytes of tile t, appended to out, from the catalog's stored tree
 * (hash tiles) or its records (entry bundles); t must lie inside the
 * stored log (bc_tile_in_tree with the checkpoint's size).  Each entry is
 * checked against its stored leaf hash.  Returns 0, BC_ERR_INTEGRITY (a
 * node or record missing, a record that does not hash to its leaf),
 * BC_ERR_TOO_LARGE (an entry over BC_TILE_ENTRY_MAX bytes, which the
 * format cannot hold), or the buffer's or the catalog's error.
 */
int bc_tile_read(struct bc_catalog *cat, const struct bc_tile *t,
    struct bc_buf *out, struct bc_err *err);

/* What bc_tiles_write did. */
struct bc_tiles_stats {
	uint64_t	written, kept;	/* tiles */
	uint64_t	bytes;		/* written, checkpoint included */
};

/*
 * Writes the static tree of the signed checkpoint note (len bytes) of
 * the tree of size leaves under dir: dir/checkpoint and every tile of
 * the tree, as c2sp.org/tlog-tiles names them.  A tile already there is
 * kept (a tile's bytes never change: a partial tile of width W is still
 * those W hashes when the tree has grown); the others are each written
 * to a temporary file and renamed into place, all synced to disk before
 * the checkpoint is replaced the same way, last, so that a server never
 * shows a checkpoint whose tiles are missing.  Returns 0, or BC_ERR_IO /
 * BC_ERR_FULL with err naming the file, or bc_tile_read's error.
 */
int bc_tiles_write(struct bc_catalog *cat, const char *dir,
    const char *note, size_t len, uint64_t size,
    struct bc_tiles_stats *st, struct bc_err *err);

#endif /* BODYCAM_TILES_H */
