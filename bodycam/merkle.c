/*
 * merkle.c - the RFC 6962 Merkle tree of the transparency log over a
 * node store that holds only complete perfect subtrees.
 *
 * Any range the RFC's recursions (MTH, PATH, PROOF) ask for starts at a
 * multiple of the largest power of two not above its length, so its hash
 * is the fold, from the right, of the perfect subtrees of its length's
 * binary decomposition: popcount(length) gets.  Appends put the leaf and
 * the parents it completes; nothing is ever recomputed from the leaves.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bodycam/merkle.h"

#define HLEN	BC_SHA256_LEN

int
bc_merkle_leaf_hash(const void *data, size_t len, uint8_t out[HLEN])
{
	static const uint8_t prefix = 0x00;
	EVP_MD_CTX *md;
	unsigned int mdlen = 0;
	int r = BC_ERR_CRYPTO;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return BC_ERR_CRYPTO;
	if (EVP_DigestInit_ex(md, bc_sha256_md(), NULL) == 1 &&
	    EVP_DigestUpdate(md, &prefix, 1) == 1 &&
	    (len == 0 || EVP_DigestUpdate(md, data, len) == 1) &&
	    EVP_DigestFinal_ex(md, out, &mdlen) == 1 && mdlen == HLEN)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

int
bc_merkle_node_hash(const uint8_t left[HLEN], const uint8_t right[HLEN],
    uint8_t out[HLEN])
{
	uint8_t buf[1 + 2 * HLEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, HLEN);
	memcpy(buf + 1 + HLEN, right, HLEN);
	return bc_sha256(buf, sizeof(buf), out);
}

/* The number of significant bits of x (0 for 0). */
static unsigned
bit_len(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x >>= 1)
		n++;
	return n;
}

static unsigned
pop_count(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

/* The number of trailing zero bits of x (x != 0). */
static unsigned
trailing_zeros(uint64_t x)
{
	unsigned n = 0;

	for (; (x & 1) == 0; x >>= 1)
		n++;
	return n;
}

/* The largest power of two strictly below x (x >= 2). */
static uint64_t
split_point(uint64_t x)
{
	return UINT64_C(1) << (bit_len(x - 1) - 1);
}

static int
node_get(const struct bc_merkle_store *store, unsigned level,
    uint64_t index, uint8_t out[HLEN], struct bc_err *err)
{
	int r;

	if ((r = store->get(store->arg, level, index, out)) != 0)
		return bc_err_set(err, r, "merkle node (%u, %" PRIu64 "): %s",
		    level, index, r == BC_ERR_NOT_FOUND ?
		    "not in the store" : bc_strerror(r));
	return 0;
}

static int
node_put(const struct bc_merkle_store *store, unsigned level,
    uint64_t index, const uint8_t hash[HLEN], struct bc_err *err)
{
	int r;

	if ((r = store->put(store->arg, level, index, hash)) != 0)
		return bc_err_set(err, r, "merkle node (%u, %" PRIu64 "): "
		    "cannot store it: %s", level, index, bc_strerror(r));
	return 0;
}

static int
hash_failed(struct bc_err *err)
{
	return bc_err_set(err, BC_ERR_CRYPTO, "merkle: SHA-256 failed");
}

/*
 * MTH(D[lo:hi]) for lo < hi, lo a multiple of the largest power of two
 * not above hi - lo, from the stored perfect subtrees.
 */
static int
range_hash(const struct bc_merkle_store *store, uint64_t lo, uint64_t hi,
    uint8_t out[HLEN], struct bc_err *err)
{
	uint8_t part[64][HLEN];
	uint64_t len = hi - lo, start = lo, w;
	unsigned level, k = 0;
	int r;

	if (lo >= hi)
		return bc_err_set(err, BC_ERR_INTERNAL,
		    "merkle: empty range %" PRIu64 "..%" PRIu64, lo, hi);
	for (level = 64; level-- > 0;) {
		w = UINT64_C(1) << level;
		if ((len & w) == 0)
			continue;
		if ((start & (w - 1)) != 0)
			return bc_err_set(err, BC_ERR_INTERNAL, "merkle: "
			    "range %" PRIu64 "..%" PRIu64 " is not aligned",
			    lo, hi);
		if ((r = node_get(store, level, start >> level, part[k],
		    err)) != 0)
			return r;
		start += w;
		k++;
	}
	memcpy(out, part[k - 1], HLEN);
	while (k-- > 1)
		if (bc_merkle_node_hash(part[k - 1], out, out) != 0)
			return hash_failed(err);
	return 0;
}

int
bc_merkle_append(const struct bc_merkle_store *store, uint64_t size_before,
    const uint8_t leaf_hash[HLEN], struct bc_err *err)
{
	uint8_t cur[HLEN], left[HLEN];
	uint64_t index = size_before;
	unsigned level = 0;
	int r;

	if (size_before >= BC_MERKLE_MAX_SIZE)
		return bc_err_set(err, BC_ERR_TOO_LARGE,
		    "merkle: the tree is full (%" PRIu64 " leaves)",
		    size_before);
	memcpy(cur, leaf_hash, HLEN);
	if ((r = node_put(store, 0, index, cur, err)) != 0)
		return r;
	/* a right child completes its parent */
	while (index & 1) {
		if ((r = node_get(store, level, index - 1, left, err)) != 0)
			return r;
		if (bc_merkle_node_hash(left, cur, cur) != 0)
			return hash_failed(err);
		index >>= 1;
		level++;
		if ((r = node_put(store, level, index, cur, err)) != 0)
			return r;
	}
	return 0;
}

int
bc_merkle_root(const struct bc_merkle_store *store, uint64_t size,
    uint8_t out[HLEN], struct bc_err *err)
{
	if (size > BC_MERKLE_MAX_SIZE)
		return bc_err_set(err, BC_ERR_INVALID,
		    "merkle: tree size %" PRIu64 " is too large", size);
	if (size == 0) {
		if (bc_sha256("", 0, out) != 0)
			return hash_failed(err);
		return 0;
	}
	return range_hash(store, 0, size, out, err);
}

/*
 * Hands over the n hashes of a proof built top down in tmp, reversed:
 * the RFC lists them from the bottom up.
 */
static int
proof_out(uint8_t (*tmp)[HLEN], size_t n, uint8_t (**proof)[HLEN],
    size_t *count, struct bc_err *err)
{
	uint8_t (*p)[HLEN];
	size_t i;

	if (n == 0)
		return 0;
	if ((p = malloc(n * HLEN)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++)
		memcpy(p[i], tmp[n - 1 - i], HLEN);
	*proof = p;
	*count = n;
	return 0;
}

int
bc_merkle_inclusion_proof(const struct bc_merkle_store *store,
    uint64_t index, uint64_t size, uint8_t (**proof)[HLEN], size_t *n,
    struct bc_err *err)
{
	uint8_t tmp[BC_MERKLE_MAX_PROOF][HLEN];
	uint64_t lo = 0, hi = size, k;
	size_t len = 0;
	int r;

	*proof = NULL;
	*n = 0;
	if (size > BC_MERKLE_MAX_SIZE)
		return bc_err_set(err, BC_ERR_INVALID,
		    "merkle: tree size %" PRIu64 " is too large", size);
	if (index >= size)
		return bc_err_set(err, BC_ERR_INVALID, "merkle: leaf %" PRIu64
		    " is not in a tree of %" PRIu64, index, size);
	/* PATH(m, D[n]): descend towards the leaf, keeping each sibling */
	while (hi - lo > 1) {
		if (len == BC_MERKLE_MAX_PROOF)
			return bc_err_set(err, BC_ERR_INTERNAL,
			    "merkle: proof too long");
		k = split_point(hi - lo);
		if (index < lo + k) {
			r = range_hash(store, lo + k, hi, tmp[len++], err);
			hi = lo + k;
		} else {
			r = range_hash(store, lo, lo + k, tmp[len++], err);
			lo += k;
		}
		if (r != 0)
			return r;
	}
	return proof_out(tmp, len, proof, n, err);
}

int
bc_merkle_consistency_proof(const struct bc_merkle_store *store,
    uint64_t m, uint64_t n, uint8_t (**proof)[HLEN], size_t *count,
    struct bc_err *err)
{
	uint8_t tmp[BC_MERKLE_MAX_PROOF][HLEN];
	uint64_t lo = 0, hi = n, k;
	size_t len = 0;
	int whole = 1, r;

	*proof = NULL;
	*count = 0;
	if (n > BC_MERKLE_MAX_SIZE)
		return bc_err_set(err, BC_ERR_INVALID,
		    "merkle: tree size %" PRIu64 " is too large", n);
	if (m == 0 || m > n)
		return bc_err_set(err, BC_ERR_INVALID, "merkle: no consistency "
		    "proof from size %" PRIu64 " to %" PRIu64, m, n);
	/*
	 * SUBPROOF(m, D[lo:hi], whole) with lo < m <= hi: descend until m
	 * is the end of the range, keeping the sibling at each step; the
	 * range itself is needed unless it is the old tree entire.
	 */
	while (m != hi) {
		if (len == BC_MERKLE_MAX_PROOF)
			return bc_err_set(err, BC_ERR_INTERNAL,
			    "merkle: proof too long");
		k = split_point(hi - lo);
		if (m <= lo + k) {
			r = range_hash(store, lo + k, hi, tmp[len++], err);
			hi = lo + k;
		} else {
			r = range_hash(store, lo, lo + k, tmp[len++], err);
			lo += k;
			whole = 0;
		}
		if (r != 0)
			return r;
	}
	if (!whole) {
		if (len == BC_MERKLE_MAX_PROOF)
			return bc_err_set(err, BC_ERR_INTERNAL,
			    "merkle: proof too long");
		if ((r = range_hash(store, lo, hi, tmp[len++], err)) != 0)
			return r;
	}
	return proof_out(tmp, len, proof, count, err);
}

void
bc_merkle_proof_free(uint8_t (*proof)[HLEN])
{
	free(proof);
}

/*
 * The length of PATH(index, D[size]): the levels below the point where
 * the paths to index and to size - 1 meet, where every node has a
 * sibling, plus the left siblings above it, one per set bit of index
 * there.
 */
static size_t
inclusion_len(uint64_t index, uint64_t size)
{
	unsigned inner = bit_len(index ^ (size - 1));

	return inner + (inner == 64 ? 0 : pop_count(index >> inner));
}

int
bc_merkle_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf_hash[HLEN], const uint8_t (*proof)[HLEN], size_t n,
    const uint8_t root[HLEN])
{
	uint8_t r[HLEN];
	uint64_t fn, sn;
	size_t i;

	if (size > BC_MERKLE_MAX_SIZE || index >= size)
		return BC_ERR_MALFORMED;
	if (n != inclusion_len(index, size) || (n > 0 && proof == NULL))
		return BC_ERR_MALFORMED;
	/* RFC 9162 2.1.3.2 */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, HLEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return BC_ERR_MALFORMED;
		if ((fn & 1) || fn == sn) {
			if (bc_merkle_node_hash(proof[i], r, r) != 0)
				return BC_ERR_CRYPTO;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (bc_merkle_node_hash(r, proof[i], r) != 0)
			return BC_ERR_CRYPTO;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return BC_ERR_MALFORMED;
	return memcmp(r, root, HLEN) == 0 ? 0 : BC_ERR_INTEGRITY;
}

int
bc_merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t root_m[HLEN], const uint8_t root_n[HLEN],
    const uint8_t (*proof)[HLEN], size_t count)
{
	const uint8_t *seed;
	uint8_t fr[HLEN], sr[HLEN];
	uint64_t fn, sn;
	unsigned shift, inner;
	size_t i, start;

	/* a proof from the empty tree proves nothing: refused outright */
	if (m == 0 || m > n || n > BC_MERKLE_MAX_SIZE)
		return BC_ERR_MALFORMED;
	if (m == n) {
		if (count != 0)
			return BC_ERR_MALFORMED;
		return memcmp(root_m, root_n, HLEN) == 0 ? 0 :
		    BC_ERR_INTEGRITY;
	}
	if (count == 0 || proof == NULL)
		return BC_ERR_MALFORMED;

	/*
	 * The proof is the tail, from level shift up, of the inclusion
	 * proof of leaf m - 1 in the tree of n, led by the hash of the
	 * subtree of 2^shift leaves that ends at m, except when that
	 * subtree is the old tree entire: then its hash is root_m.
	 */
	shift = trailing_zeros(m);
	inner = bit_len((m - 1) ^ (n - 1));
	if (inner <= shift)
		return BC_ERR_MALFORMED;
	start = m == UINT64_C(1) << shift ? 0 : 1;
	if (count != start + inclusion_len(m - 1, n) - shift)
		return BC_ERR_MALFORMED;
	seed = start ? proof[0] : root_m;

	/* RFC 9162 2.1.4.2 */
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, seed, HLEN);
	memcpy(sr, seed, HLEN);
	for (i = start; i < count; i++) {
		if (sn == 0)
			return BC_ERR_MALFORMED;
		if ((fn & 1) || fn == sn) {
			if (bc_merkle_node_hash(proof[i], fr, fr) != 0 ||
			    bc_merkle_node_hash(proof[i], sr, sr) != 0)
				return BC_ERR_CRYPTO;
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (bc_merkle_node_hash(sr, proof[i], sr) != 0)
			return BC_ERR_CRYPTO;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return BC_ERR_MALFORMED;
	if (memcmp(fr, root_m, HLEN) != 0 || memcmp(sr, root_n, HLEN) != 0)
		return BC_ERR_INTEGRITY;
	return 0;
}

/* The in-memory store: one array per level. */
struct mem_level {
	uint8_t		(*h)[HLEN];
	uint64_t	n;
	uint64_t	cap;
};

struct bc_merkle_mem {
	struct mem_level	level[BC_MERKLE_MAX_LEVEL + 1];
};

static int
mem_get(void *arg, unsigned level, uint64_t index, uint8_t out[HLEN])
{
	struct bc_merkle_mem *m = arg;

	if (level > BC_MERKLE_MAX_LEVEL || index >= m->level[level].n)
		return BC_ERR_NOT_FOUND;
	memcpy(out, m->level[level].h[index], HLEN);
	return 0;
}

static int
mem_put(void *arg, unsigned level, uint64_t index, const uint8_t hash[HLEN])
{
	struct bc_merkle_mem *m = arg;
	struct mem_level *lv;
	uint8_t (*h)[HLEN];
	uint64_t cap;

	if (level > BC_MERKLE_MAX_LEVEL)
		return BC_ERR_INVALID;
	lv = &m->level[level];
	if (index < lv->n)	/* a retried append puts the same again */
		return memcmp(lv->h[index], hash, HLEN) == 0 ? 0 :
		    BC_ERR_EXISTS;
	if (index > lv->n)
		return BC_ERR_INVALID;
	if (lv->n == lv->cap) {
		cap = lv->cap == 0 ? 64 : lv->cap * 2;
		if (cap > SIZE_MAX / HLEN)
			return BC_ERR_NOMEM;
		if ((h = realloc(lv->h, (size_t)cap * HLEN)) == NULL)
			return BC_ERR_NOMEM;
		lv->h = h;
		lv->cap = cap;
	}
	memcpy(lv->h[lv->n++], hash, HLEN);
	return 0;
}

struct bc_merkle_mem *
bc_merkle_mem_new(void)
{
	return calloc(1, sizeof(struct bc_merkle_mem));
}

void
bc_merkle_mem_free(struct bc_merkle_mem *m)
{
	unsigned i;

	if (m == NULL)
		return;
	for (i = 0; i <= BC_MERKLE_MAX_LEVEL; i++)
		free(m->level[i].h);
	free(m);
}

void
bc_merkle_mem_store(struct bc_merkle_mem *m, struct bc_merkle_store *store)
{
	store->arg = m;
	store->get = mem_get;
	store->put = mem_put;
}

uint64_t
bc_merkle_mem_size(const struct bc_merkle_mem *m)
{
	return m->level[0].n;
}
