/*
 * tiles.c - the transparency log as C2SP tlog-tiles: tile paths, tile
 * bytes from the catalog, and the static tree that 'bodycam log tiles'
 * writes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/merkle.h"
#include "bodycam/tiles.h"

/* The n bytes at s as a decimal number of 1 to 3 digits without a
 * leading zero (but "0"): 0 and its value, or -1. */
static int
parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

int
bc_tile_parse(const char *path, struct bc_tile *t)
{
	char again[BC_TILE_PATH_MAX];
	const char *p, *slash;
	uint64_t v, idx = 0;
	size_t n, groups = 0;

	memset(t, 0, sizeof(*t));
	if (strlen(path) >= BC_TILE_PATH_MAX || strncmp(path, "tile/", 5) != 0)
		return BC_ERR_MALFORMED;
	p = path + 5;
	if (strncmp(p, "entries/", 8) == 0) {
		t->level = BC_TILE_ENTRIES;
		p += 8;
	} else {
		if ((slash = strchr(p, '/')) == NULL ||
		    parse_dec(p, (size_t)(slash - p), &v) != 0 ||
		    v > BC_TILE_LEVEL_MAX)
			return BC_ERR_MALFORMED;
		t->level = (int)v;
		p = slash + 1;
	}
	/* the index: "xDDD/" groups, then "DDD" */
	for (;;) {
		if (*p == 'x') {
			if (strlen(p) < 5 || p[4] != '/')
				return BC_ERR_MALFORMED;
			p++;
		} else if (strlen(p) < 3 || (p[3] != '\0' && p[3] != '.'))
			return BC_ERR_MALFORMED;
		for (n = 0; n < 3; n++)
			if (p[n] < '0' || p[n] > '9')
				return BC_ERR_MALFORMED;
		/* 6 groups: 18 digits, under 2^64 / 256 */
		if (++groups > 6)
			return BC_ERR_MALFORMED;
		idx = idx * 1000 + (uint64_t)(p[0] - '0') * 100 +
		    (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
		if (p[3] == '/') {
			p += 4;
			continue;
		}
		p += 3;
		break;
	}
	t->index = idx;
	t->width = BC_TILE_WIDTH;
	if (*p != '\0') {
		if (strncmp(p, ".p/", 3) != 0 ||
		    parse_dec(p + 3, strlen(p + 3), &v) != 0 || v == 0 ||
		    v >= BC_TILE_WIDTH)
			return BC_ERR_MALFORMED;
		t->width = (unsigned)v;
	}
	/* the one spelling: "x000/001" is not "001" */
	bc_tile_path(t, again);
	if (strcmp(again, path) != 0)
		return BC_ERR_MALFORMED;
	if (t->index > (UINT64_MAX >> BC_TILE_HEIGHT))
		return BC_ERR_MALFORMED;
	return 0;
}

void
bc_tile_path(const struct bc_tile *t, char out[BC_TILE_PATH_MAX])
{
	char groups[8][4];
	uint64_t n = t->index;
	size_t k = 0, len;
	int i;

	do {
		snprintf(groups[k++], sizeof(groups[0]), "%03u",
		    (unsigned)(n % 1000));
		n /= 1000;
	} while (n > 0 && k < 8);
	if (t->level == BC_TILE_ENTRIES)
		len = (size_t)snprintf(out, BC_TILE_PATH_MAX, "tile/entries/");
	else
		len = (size_t)snprintf(out, BC_TILE_PATH_MAX, "tile/%d/",
		    t->level);
	for (i = (int)k - 1; i >= 0; i--)
		len += (size_t)snprintf(out + len, BC_TILE_PATH_MAX - len,
		    "%s%s%s", i > 0 ? "x" : "", groups[i], i > 0 ? "/" : "");
	if (t->width < BC_TILE_WIDTH)
		snprintf(out + len, BC_TILE_PATH_MAX - len, ".p/%u",
		    t->width);
}

/* The number of nodes of height 8 * level in the tree of size leaves. */
static uint64_t
level_nodes(int level, uint64_t size)
{
	unsigned shift = level <= 0 ? 0 : (unsigned)level * BC_TILE_HEIGHT;

	return shift >= 64 ? 0 : size >> shift;
}

int
bc_tile_in_tree(const struct bc_tile *t, uint64_t size)
{
	uint64_t have = level_nodes(t->level, size);

	if (t->width == 0 || t->width > BC_TILE_WIDTH ||
	    t->index > (UINT64_MAX >> BC_TILE_HEIGHT))
		return 0;
	/* index * 256 + width <= have, without overflow */
	return t->index <= have / BC_TILE_WIDTH &&
	    t->index * BC_TILE_WIDTH + t->width <= have;
}

int
bc_tile_next(uint64_t size, struct bc_tile *t)
{
	uint64_t have;

	if (t->width == 0) {
		/* the first: level 0, index 0 */
		t->level = 0;
		t->index = 0;
	} else if (t->level == 0) {
		/* after a hash tile of level 0, its entry bundle */
		t->level = BC_TILE_ENTRIES;
		goto width;
	} else if (t->width == BC_TILE_WIDTH &&
	    level_nodes(t->level == BC_TILE_ENTRIES ? 0 : t->level, size) >
	    (t->index + 1) * BC_TILE_WIDTH) {
		/* the next tile of the level */
		t->level = t->level == BC_TILE_ENTRIES ? 0 : t->level;
		t->index++;
	} else {
		/* the next level */
		t->level = t->level == BC_TILE_ENTRIES ? 1 : t->level + 1;
		t->index = 0;
	}
	if (t->level > BC_TILE_LEVEL_MAX)
		return 0;
 width:
	have = level_nodes(t->level, size);
	if (have <= t->index * BC_TILE_WIDTH)
		return 0;
	have -= t->index * BC_TILE_WIDTH;
	t->width = have >= BC_TILE_WIDTH ? BC_TILE_WIDTH : (unsigned)have;
	return 1;
}

struct bundle {
	struct bc_buf	*out;
	uint64_t	 next, end;
	struct bc_err	*err;
};

static int
bundle_leaf(void *arg, const struct bc_leaf *l)
{
	struct bundle *b = arg;
	uint8_t h[BC_SHA256_LEN], len[2];
	int r;

	if (l->index < 0)
		return 0;
	if ((uint64_t)l->index != b->next || l->kind == BC_LEAF_NONE ||
	    !l->has_hash)
		return bc_err_set(b->err, BC_ERR_INTEGRITY, "leaf %" PRId64
		    ": the log and the records disagree here (run 'bodycam "
		    "audit')", l->index);
	if ((r = bc_merkle_leaf_hash(l->data, l->len, h)) != 0)
		return bc_err_set(b->err, r, "leaf %" PRId64 ": cannot hash "
		    "it", l->index);
	if (memcmp(h, l->hash, sizeof(h)) != 0)
		return bc_err_set(b->err, BC_ERR_INTEGRITY, "leaf %" PRId64
		    ": the record does not hash to its leaf (run 'bodycam "
		    "audit')", l->index);
	if (l->len > BC_TILE_ENTRY_MAX)
		return bc_err_set(b->err, BC_ERR_TOO_LARGE, "leaf %" PRId64
		    ": %zu bytes, over the %d an entry bundle can hold",
		    l->index, l->len, BC_TILE_ENTRY_MAX);
	len[0] = (uint8_t)(l->len >> 8);
	len[1] = (uint8_t)l->len;
	if ((r = bc_buf_add(b->out, len, 2)) != 0 ||
	    (r = bc_buf_add(b->out, l->data, l->len)) != 0)
		return bc_err_set(b->err, r, "entry bundle: %s",
		    bc_strerror(r));
	b->next++;
	return 0;
}

int
bc_tile_read(struct bc_catalog *cat, const struct bc_tile *t,
    struct bc_buf *out, struct bc_err *err)
{
	uint8_t hashes[BC_TILE_WIDTH * BC_SHA256_LEN];
	struct bundle b;
	int r;

	if (t->width == 0 || t->width > BC_TILE_WIDTH ||
	    t->index > (UINT64_MAX >> BC_TILE_HEIGHT) / 2)
		return bc_err_set(err, BC_ERR_INVALID, "no such tile");
	if (t->level != BC_TILE_ENTRIES) {
		if ((r = bc_catalog_log_nodes(cat,
		    (unsigned)t->level * BC_TILE_HEIGHT,
		    t->index * BC_TILE_WIDTH, t->width, hashes, err)) != 0)
			return r;
		if ((r = bc_buf_add(out, hashes, (size_t)t->width *
		    BC_SHA256_LEN)) != 0)
			return bc_err_set(err, r, "tile: %s", bc_strerror(r));
		return 0;
	}
	b.out = out;
	b.next = t->index * BC_TILE_WIDTH;
	b.end = b.next + t->width;
	b.err = err;
	if ((r = bc_catalog_log_walk(cat, b.next, b.end, bundle_leaf, &b,
	    err)) != 0)
		return r;
	if (b.next != b.end)
		return bc_err_set(err, BC_ERR_INTEGRITY, "leaf %" PRIu64 ": "
		    "missing from the log (run 'bodycam audit')", b.next);
	return 0;
}

/* Makes the directories of rel (a path under dir) that are missing. */
static int
make_parents(char *full, size_t dirlen, struct bc_err *err)
{
	char *p;

	for (p = full + dirlen + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(full, 0755) == -1 && errno != EEXIST) {
			int e = errno;

			*p = '/';
			return bc_err_errno(err, e, "%s: cannot make the "
			    "directory", full);
		}
		*p = '/';
	}
	return 0;
}

/* Writes len bytes to full through a temporary file and a rename. */
static int
write_file(const char *full, const void *data, size_t len, int sync,
    struct bc_err *err)
{
	char tmp[PATH_MAX + 16];
	const char *p = data;
	ssize_t w;
	int fd, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", full) >=
	    sizeof(tmp))
		return bc_err_set(err, BC_ERR_INVALID, "%s: path too long",
		    full);
	if ((fd = mkstemp(tmp)) == -1)
		return bc_err_errno(err, errno, "%s: cannot create", tmp);
	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			r = bc_err_errno(err, errno, "%s: cannot write", tmp);
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, 0644) == -1 || (sync && fsync(fd) == -1)) {
		r = bc_err_errno(err, errno, "%s: cannot write", tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		r = bc_err_errno(err, errno, "%s: cannot write", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, full) == -1) {
		r = bc_err_errno(err, errno, "%s: cannot rename into place",
		    full);
		goto fail;
	}
	return 0;
 fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return r;
}

int
bc_tiles_write(struct bc_catalog *cat, const char *dir, const char *note,
    size_t len, uint64_t size, struct bc_tiles_stats *st,
    struct bc_err *err)
{
	struct bc_buf b = BC_BUF_INIT(BC_TILE_WIDTH * (BC_TILE_ENTRY_MAX + 2));
	struct bc_tile t;
	struct stat sb;
	char full[PATH_MAX], rel[BC_TILE_PATH_MAX];
	size_t dirlen = strlen(dir);
	int dfd = -1, r;

	memset(st, 0, sizeof(*st));
	while (dirlen > 1 && dir[dirlen - 1] == '/')
		dirlen--;
	if (dirlen + 1 + BC_TILE_PATH_MAX + 16 > sizeof(full))
		return bc_err_set(err, BC_ERR_INVALID, "%s: path too long",
		    dir);
	memcpy(full, dir, dirlen);
	full[dirlen] = '\0';
	if (mkdir(full, 0755) == -1 && errno != EEXIST)
		return bc_err_errno(err, errno, "%s: cannot make the "
		    "directory", full);
	memset(&t, 0, sizeof(t));
	while (bc_tile_next(size, &t)) {
		bc_tile_path(&t, rel);
		snprintf(full + dirlen, sizeof(full) - dirlen, "/%s", rel);
		/*
		 * A tile's bytes never change.  One cut short by a crash
		 * before the sync below (an empty file, a hash tile of the
		 * wrong size) is written again.
		 */
		if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_size > 0 && (t.level == BC_TILE_ENTRIES ||
		    (uint64_t)sb.st_size == (uint64_t)t.width *
		    BC_SHA256_LEN)) {
			st->kept++;
			continue;
		}
		bc_buf_truncate(&b, 0);
		if ((r = bc_tile_read(cat, &t, &b, err)) != 0 ||
		    (r = make_parents(full, dirlen, err)) != 0 ||
		    (r = write_file(full, b.p, b.len, 0, err)) != 0)
			goto out;
		st->written++;
		st->bytes += b.len;
	}
	/* the tiles on disk before the checkpoint that names them */
	full[dirlen] = '\0';
	if ((dfd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    syncfs(dfd) == -1) {
		r = bc_err_errno(err, errno, "%s: cannot sync", full);
		goto out;
	}
	snprintf(full + dirlen, sizeof(full) - dirlen, "/checkpoint");
	if ((r = write_file(full, note, len, 1, err)) != 0)
		goto out;
	st->bytes += len;
	r = 0;
 out:
	if (dfd != -1)
		close(dfd);
	bc_buf_free(&b);
	return r;
}
