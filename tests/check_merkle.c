/*
 * check_merkle.c - the RFC 6962 Merkle tree: every transparency-dev/merkle
 * proof vector, the reference roots of the RFC's 8-leaf test tree and of
 * larger golden trees, every proof of every tree up to 300 leaves against
 * a naive recursive tree, a tree of a million leaves, a virtual tree of
 * 2^63 leaves, and the failures of the store and of the inputs.
 *
 * Hot loops test with CHECK (plain if + ck_abort_msg): ck_assert marks a
 * point through a pipe on every success, which millions of checks cannot
 * afford.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "bodycam/merkle.h"

#define HL	BC_SHA256_LEN
#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* The leaves of the RFC 6962 reference test tree (certificate-transparency). */
static const struct {
	const char	*data;
	size_t		 len;
} rfc_leaves[8] = {
	{ "", 0 },
	{ "\x00", 1 },
	{ "\x10", 1 },
	{ "\x20\x21", 2 },
	{ "\x30\x31", 2 },
	{ "\x40\x41\x42\x43", 4 },
	{ "\x50\x51\x52\x53\x54\x55\x56\x57", 8 },
	{ "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
	    16 },
};

/*
 * MTH of its first 1..8 leaves, from google/certificate-transparency
 * cpp/merkletree/merkle_tree_test.cc, as quoted by transparency-dev/merkle
 * proof/verify_test.go ("roots") and google/trillian testonly.
 */
static const char *rfc_roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

#define EMPTY_ROOT \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/*
 * Roots of trees whose leaf i is the two bytes i & 0xff, (i >> 8) & 0xff:
 * transparency-dev/merkle compact/range_test.go, TestGetRootHashGolden.
 */
static const struct {
	uint64_t	 size;
	const char	*root;	/* base64 */
} golden[] = {
	{ 10, "VjWMPSYNtCuCNlF/RLnQy6HcwSk6CIipfxm+hettA+4=" },
	{ 15, "j4SulYmocFuxdeyp12xXCIgK6PekBcxzAIj4zbQzNEI=" },
	{ 16, "c+4Uc6BCMOZf/v3NZK1kqTUJe+bBoFtOhP+P3SayKRE=" },
	{ 100, "dUh9hYH88p0CMoHkdr1wC2szbhcLAXOejWpINIooKUY=" },
	{ 255, "SmdsuKUqiod3RX2jyF2M6JnbdE4QuTwwipfAowI4/i0=" },
	{ 256, "qFI0t/tZ1MdOYgyPpPzHFiZVw86koScXy9q3FU5casA=" },
	{ 1000, "RXrgb8xHd55Y48FbfotJwCbV82Kx22LZfEbmBGAvwlQ=" },
	{ 4095, "cWRFdQhPcjn9WyBXE/r1f04ejxIm5lvg40DEpRBVS0w=" },
	{ 4096, "6uU/phfHg1n/GksYT6TO9aN8EauMCCJRl3dIK0HDs2M=" },
	{ 10000, "VZcav65F9haHVRk3wre2axFoBXRNeUh/1d9d5FQfxIg=" },
	{ 65535, "iPuVYJhP6SEE4gUFp8qbafd2rYv9YTCDYqAxCj8HdLM=" },
};

/* ---- helpers ---------------------------------------------------------- */

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

/* xorshift64*: repeatable pseudo-random numbers. */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void
unhex32(const char *hex, uint8_t out[HL])
{
	ck_assert_int_eq(bc_unhex(hex, out, HL), 0);
}

/* Strict standard base64 (with padding) into out; the length or -1. */
static int
unbase64(const char *in, uint8_t *out, size_t outsz)
{
	uint8_t tmp[384];	/* EVP_DecodeBlock also writes the padding */
	size_t len = strlen(in), pad = 0;
	int n;

	if (len % 4 != 0 || len / 4 * 3 > sizeof(tmp))
		return -1;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	if ((n = EVP_DecodeBlock(tmp, (const unsigned char *)in,
	    (int)len)) < 0 || (size_t)n - pad > outsz)
		return -1;
	memcpy(out, tmp, (size_t)n - pad);
	return n - (int)pad;
}

static void
unbase64_32(const char *in, uint8_t out[HL])
{
	ck_assert_int_eq(unbase64(in, out, HL), HL);
}

static void
leaf(const void *data, size_t len, uint8_t out[HL])
{
	CHECK(bc_merkle_leaf_hash(data, len, out) == 0, "leaf hash failed");
}

static void
node(const uint8_t *l, const uint8_t *r, uint8_t out[HL])
{
	CHECK(bc_merkle_node_hash(l, r, out) == 0, "node hash failed");
}

/* The largest power of two below n (n >= 2), the slow way. */
static uint64_t
below(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static unsigned
bits(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x >>= 1)
		n++;
	return n;
}

static unsigned
popcount(uint64_t x)
{
	unsigned n = 0;

	for (; x != 0; x >>= 1)
		n += x & 1;
	return n;
}

/* Number of trailing one bits. */
static unsigned
trailing_ones(uint64_t x)
{
	unsigned n = 0;

	for (; x & 1; x >>= 1)
		n++;
	return n;
}

static const char *
hex(const uint8_t *h)
{
	static char buf[4][2 * HL + 1];
	static int i;

	i = (i + 1) % 4;
	bc_hex(h, HL, buf[i]);
	return buf[i];
}

/* ---- a counting store, with failures on request ----------------------- */

struct counting {
	struct bc_merkle_store	inner;
	uint64_t		gets, puts;
	uint64_t		fail_get;	/* fail the nth get (1-based) */
	uint64_t		fail_put;
};

static int
cnt_get(void *arg, unsigned level, uint64_t index, uint8_t out[HL])
{
	struct counting *c = arg;

	if (++c->gets == c->fail_get)
		return BC_ERR_DB;
	return c->inner.get(c->inner.arg, level, index, out);
}

static int
cnt_put(void *arg, unsigned level, uint64_t index, const uint8_t h[HL])
{
	struct counting *c = arg;

	if (++c->puts == c->fail_put)
		return BC_ERR_DB;
	return c->inner.put(c->inner.arg, level, index, h);
}

static void
counting_init(struct counting *c, struct bc_merkle_mem *m,
    struct bc_merkle_store *store)
{
	memset(c, 0, sizeof(*c));
	bc_merkle_mem_store(m, &c->inner);
	store->arg = c;
	store->get = cnt_get;
	store->put = cnt_put;
}

/* ---- a naive tree: RFC 6962's recursions, memoised per range ----------- */

struct naive {
	uint8_t (*lh)[HL];	/* leaf hashes */
	uint64_t	 n;	/* leaves */
	uint8_t (*memo)[HL];	/* MTH(D[lo:hi]) at lo * (n + 1) + hi */
	uint8_t		*have;
};

static void
naive_init(struct naive *nv, uint8_t (*lh)[HL], uint64_t n, int memo)
{
	nv->lh = lh;
	nv->n = n;
	nv->memo = NULL;
	nv->have = NULL;
	if (memo) {
		ck_assert_ptr_nonnull(nv->memo = malloc((n + 1) * (n + 1) *
		    HL));
		ck_assert_ptr_nonnull(nv->have = calloc((n + 1) * (n + 1),
		    1));
	}
}

static void
naive_free(struct naive *nv)
{
	free(nv->memo);
	free(nv->have);
}

/* MTH(D[lo:hi]) (RFC 6962 2.1). */
static void
naive_mth(struct naive *nv, uint64_t lo, uint64_t hi, uint8_t out[HL])
{
	uint8_t a[HL], b[HL];
	uint64_t k, slot = lo * (nv->n + 1) + hi;

	if (nv->memo != NULL && nv->have[slot]) {
		memcpy(out, nv->memo[slot], HL);
		return;
	}
	if (hi == lo)
		CHECK(bc_sha256("", 0, out) == 0, "sha256");
	else if (hi - lo == 1)
		memcpy(out, nv->lh[lo], HL);
	else {
		k = below(hi - lo);
		naive_mth(nv, lo, lo + k, a);
		naive_mth(nv, lo + k, hi, b);
		node(a, b, out);
	}
	if (nv->memo != NULL) {
		memcpy(nv->memo[slot], out, HL);
		nv->have[slot] = 1;
	}
}

/* PATH(m, D[lo:hi]) (RFC 6962 2.1.1), m relative to lo. */
static void
naive_path(struct naive *nv, uint64_t m, uint64_t lo, uint64_t hi,
    uint8_t (*out)[HL], size_t *n)
{
	uint64_t k;

	if (hi - lo <= 1)
		return;
	k = below(hi - lo);
	if (m < k) {
		naive_path(nv, m, lo, lo + k, out, n);
		naive_mth(nv, lo + k, hi, out[(*n)++]);
	} else {
		naive_path(nv, m - k, lo + k, hi, out, n);
		naive_mth(nv, lo, lo + k, out[(*n)++]);
	}
}

/* SUBPROOF(m, D[lo:hi], b) (RFC 6962 2.1.2), m relative to lo. */
static void
naive_subproof(struct naive *nv, uint64_t m, uint64_t lo, uint64_t hi,
    int b, uint8_t (*out)[HL], size_t *n)
{
	uint64_t k;

	if (m == hi - lo) {
		if (!b)
			naive_mth(nv, lo, hi, out[(*n)++]);
		return;
	}
	k = below(hi - lo);
	if (m <= k) {
		naive_subproof(nv, m, lo, lo + k, b, out, n);
		naive_mth(nv, lo + k, hi, out[(*n)++]);
	} else {
		naive_subproof(nv, m - k, lo + k, hi, 0, out, n);
		naive_mth(nv, lo, lo + k, out[(*n)++]);
	}
}

/* Builds a memory tree of the n leaf hashes lh. */
static struct bc_merkle_mem *
mem_tree(uint8_t (*lh)[HL], uint64_t n)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *m;
	struct bc_err err = { 0 };
	uint64_t i;
	int r;

	ck_assert_ptr_nonnull(m = bc_merkle_mem_new());
	bc_merkle_mem_store(m, &store);
	for (i = 0; i < n; i++) {
		r = bc_merkle_append(&store, i, lh[i], &err);
		CHECK(r == 0, "append %" PRIu64 ": %s", i, err.msg);
	}
	ck_assert_uint_eq(bc_merkle_mem_size(m), n);
	return m;
}

static void
rfc_leaf_hashes(uint8_t lh[8][HL])
{
	int i;

	for (i = 0; i < 8; i++)
		leaf(rfc_leaves[i].data, rfc_leaves[i].len, lh[i]);
}

/* ---- hashes ------------------------------------------------------------- */

START_TEST(test_hashes)
{
	uint8_t buf[1 + 2 * HL + 16], a[HL], b[HL], got[HL], want[HL];
	int i;

	/* the prefixes, composed by hand through plain SHA-256 */
	for (i = 0; i < 8; i++) {
		buf[0] = 0x00;
		memcpy(buf + 1, rfc_leaves[i].data, rfc_leaves[i].len);
		ck_assert_int_eq(bc_sha256(buf, 1 + rfc_leaves[i].len, want),
		    0);
		leaf(rfc_leaves[i].data, rfc_leaves[i].len, got);
		ck_assert_mem_eq(got, want, HL);
	}
	leaf("", 0, a);
	unhex32(rfc_roots[0], want);
	ck_assert_mem_eq(a, want, HL);
	leaf(NULL, 0, got);
	ck_assert_mem_eq(got, want, HL);
	/* the single-entry vectors' leaf: HashLeaf("data") */
	leaf("data", 4, got);
	unbase64_32("DTrtAjFI/9KiWfvQzcf7PPl1ZYdg03dbgq9vkKrMLfw=", want);
	ck_assert_mem_eq(got, want, HL);

	leaf("\x00", 1, b);
	buf[0] = 0x01;
	memcpy(buf + 1, a, HL);
	memcpy(buf + 1 + HL, b, HL);
	ck_assert_int_eq(bc_sha256(buf, 1 + 2 * HL, want), 0);
	node(a, b, got);
	ck_assert_mem_eq(got, want, HL);
	unhex32(rfc_roots[1], want);
	ck_assert_mem_eq(got, want, HL);
	/* out may alias an input */
	memcpy(got, a, HL);
	node(got, b, got);
	ck_assert_mem_eq(got, want, HL);
	memcpy(got, b, HL);
	node(a, got, got);
	ck_assert_mem_eq(got, want, HL);
}
END_TEST

/* ---- reference roots ---------------------------------------------------- */

START_TEST(test_rfc_roots)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *m;
	struct bc_err err = { 0 };
	uint8_t lh[8][HL];
	uint8_t got[HL], want[HL];
	uint64_t n;

	ck_assert_ptr_nonnull(m = bc_merkle_mem_new());
	bc_merkle_mem_store(m, &store);
	ck_assert_int_eq(bc_merkle_root(&store, 0, got, &err), 0);
	unhex32(EMPTY_ROOT, want);
	ck_assert_mem_eq(got, want, HL);
	rfc_leaf_hashes(lh);
	for (n = 1; n <= 8; n++) {
		ck_assert_int_eq(bc_merkle_append(&store, n - 1, lh[n - 1],
		    &err), 0);
		/* every earlier size, from the same nodes */
		for (uint64_t s = 1; s <= n; s++) {
			ck_assert_int_eq(bc_merkle_root(&store, s, got, &err),
			    0);
			unhex32(rfc_roots[s - 1], want);
			ck_assert_msg(memcmp(got, want, HL) == 0,
			    "size %" PRIu64 " (of %" PRIu64 "): %s, want %s",
			    s, n, hex(got), rfc_roots[s - 1]);
		}
		ck_assert_int_eq(bc_merkle_root(&store, n + 1, got, &err),
		    BC_ERR_NOT_FOUND);
	}
	ck_assert_int_eq(bc_merkle_root(&store, 0, got, &err), 0);
	unhex32(EMPTY_ROOT, want);
	ck_assert_mem_eq(got, want, HL);
	bc_merkle_mem_free(m);
}
END_TEST

START_TEST(test_golden_roots)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *m;
	struct bc_err err = { 0 };
	uint8_t lh[HL], got[HL], want[HL], data[2];
	uint64_t i, size = 0;
	size_t g;

	ck_assert_ptr_nonnull(m = bc_merkle_mem_new());
	bc_merkle_mem_store(m, &store);
	for (g = 0; g < sizeof(golden) / sizeof(golden[0]); g++) {
		for (i = size; i < golden[g].size; i++) {
			data[0] = (uint8_t)(i & 0xff);
			data[1] = (uint8_t)((i >> 8) & 0xff);
			leaf(data, 2, lh);
			CHECK(bc_merkle_append(&store, i, lh, &err) == 0,
			    "append %" PRIu64 ": %s", i, err.msg);
		}
		size = golden[g].size;
		unbase64_32(golden[g].root, want);
		ck_assert_int_eq(bc_merkle_root(&store, size, got, &err), 0);
		ck_assert_msg(memcmp(got, want, HL) == 0,
		    "size %" PRIu64 ": %s, want %s", size, hex(got),
		    hex(want));
	}
	/* and once more at every golden size, now that the tree is whole */
	for (g = 0; g < sizeof(golden) / sizeof(golden[0]); g++) {
		unbase64_32(golden[g].root, want);
		ck_assert_int_eq(bc_merkle_root(&store, golden[g].size, got,
		    &err), 0);
		ck_assert_mem_eq(got, want, HL);
	}
	bc_merkle_mem_free(m);
}
END_TEST

/* ---- the transparency-dev/merkle vectors --------------------------------- */

/* Reference trees that the happy-path vectors are drawn from. */
struct ref_tree {
	const char		*name;
	struct bc_merkle_mem	*mem;
	struct bc_merkle_store	 store;
	uint64_t		 n;
	uint8_t			 lh[8][HL];
};

struct vec_run {
	struct ref_tree	 trees[2];
	int		 ntrees;
	/* counts */
	int		 files, happy, wanterr, malformed, integrity;
	int		 generated;	/* happy proofs regenerated */
	int		 unmatched;	/* happy proofs of no known tree */
	int		 by_length;	/* refused only for the leaf's length */
	int		 odd_hash;	/* fields that are not 32 bytes */
	char		 unmatched_name[1024];
};

/*
 * A vector's hash field as the API's 32-byte hash.  A value of another
 * length ("WrongRoot", "don't care 1", "") is no SHA-256 at all; it stands
 * in as the SHA-256 of a tag and its bytes, which keeps equal values equal
 * and matches no node of any tree, as the reference verifier's byte
 * comparisons do.  Returns the decoded length.
 */
static int
vec_hash(json_t *v, const char *what, uint8_t out[HL])
{
	static const char tag[] = "check_merkle: not a 32-byte hash:";
	uint8_t raw[256], buf[sizeof(tag) + sizeof(raw)];
	const char *s = json_string_value(v);
	int n;

	ck_assert_msg(s != NULL, "%s is not a string", what);
	ck_assert_msg((n = unbase64(s, raw, sizeof(raw))) >= 0,
	    "%s: bad base64 '%s'", what, s);
	if (n == HL) {
		memcpy(out, raw, HL);
		return n;
	}
	memcpy(buf, tag, sizeof(tag));
	memcpy(buf + sizeof(tag), raw, (size_t)n);
	ck_assert_int_eq(bc_sha256(buf, sizeof(tag) + (size_t)n, out), 0);
	return n;
}

/*
 * An unsigned integer member, read from the text: leafIdx can be
 * 2^64 - 1, beyond what jansson holds as an integer.
 */
static uint64_t
vec_u64(const char *text, json_t *doc, const char *key)
{
	char pat[64];
	const char *p;
	char *end;
	unsigned long long v;

	ck_assert_msg(json_is_number(json_object_get(doc, key)),
	    "%s missing", key);
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	ck_assert_msg((p = strstr(text, pat)) != NULL, "%s missing", key);
	p += strlen(pat);
	while (*p == ' ')
		p++;
	ck_assert_msg(*p >= '0' && *p <= '9', "%s: not a number", key);
	errno = 0;
	v = strtoull(p, &end, 10);
	ck_assert_msg(errno == 0 && end != p, "%s: out of range", key);
	return v;
}

/* The proof array (null is empty): *n entries in a new array *out. */
static void
vec_proof(json_t *doc, struct vec_run *vr, uint8_t (**out)[HL], size_t *n)
{
	json_t *a = json_object_get(doc, "proof");
	uint8_t (*p)[HL];
	size_t i;

	*out = NULL;
	*n = 0;
	if (a == NULL || json_is_null(a))
		return;
	ck_assert_msg(json_is_array(a), "proof is not an array");
	*n = json_array_size(a);
	ck_assert_ptr_nonnull(p = calloc(*n + 1, HL));
	for (i = 0; i < *n; i++)
		if (vec_hash(json_array_get(a, i), "proof", p[i]) != HL)
			vr->odd_hash++;
	*out = p;
}

static void
expect_proof(const char *name, uint8_t (*got)[HL], size_t ngot,
    uint8_t (*want)[HL], size_t nwant)
{
	size_t i;

	ck_assert_msg(ngot == nwant, "%s: generated %zu hashes, vector has "
	    "%zu", name, ngot, nwant);
	for (i = 0; i < ngot; i++)
		ck_assert_msg(memcmp(got[i], want[i], HL) == 0,
		    "%s: proof[%zu] %s, vector %s", name, i, hex(got[i]),
		    hex(want[i]));
}

static int
tree_root_is(struct ref_tree *t, uint64_t size, const uint8_t root[HL])
{
	uint8_t got[HL];

	if (size > t->n)
		return 0;
	ck_assert_int_eq(bc_merkle_root(&t->store, size, got, NULL), 0);
	return memcmp(got, root, HL) == 0;
}

static void
tally(struct vec_run *vr, const char *name, int r, int want_err)
{
	ck_assert_msg((r != 0) == want_err, "%s: verify gave %d (%s), "
	    "wantErr %s", name, r, bc_strerror(r), want_err ? "true" :
	    "false");
	if (want_err) {
		ck_assert_msg(r == BC_ERR_MALFORMED || r == BC_ERR_INTEGRITY,
		    "%s: refused with %s", name, bc_strerror(r));
		vr->wanterr++;
		if (r == BC_ERR_MALFORMED)
			vr->malformed++;
		else
			vr->integrity++;
	} else
		vr->happy++;
}

static void
run_inclusion(struct vec_run *vr, const char *name, const char *text,
    json_t *doc, int want_err)
{
	uint8_t root[HL], lh[HL], (*gen)[HL] = NULL;
	uint64_t idx, size;
	uint8_t (*proof)[HL];
	size_t n, ngen;
	int r, leaf_ok, t, matched = 0;

	idx = vec_u64(text, doc, "leafIdx");
	size = vec_u64(text, doc, "treeSize");
	if (vec_hash(json_object_get(doc, "root"), "root", root) != HL)
		vr->odd_hash++;
	leaf_ok = vec_hash(json_object_get(doc, "leafHash"), "leafHash",
	    lh) == HL;
	if (!leaf_ok)
		vr->odd_hash++;
	vec_proof(doc, vr, &proof, &n);
	r = bc_merkle_verify_inclusion(idx, size, lh, proof,
	    n, root);
	/*
	 * A leaf hash of another length cannot be passed to the API
	 * (uint8_t[32]); a caller's decoder refuses it, as the reference
	 * verifier does ("leafHash has unexpected size").
	 */
	if (!leaf_ok) {
		if (r == 0)
			vr->by_length++;
		r = BC_ERR_MALFORMED;
	}
	tally(vr, name, r, want_err);
	if (!want_err) {
		for (t = 0; t < vr->ntrees && !matched; t++) {
			struct ref_tree *tr = &vr->trees[t];

			if (!tree_root_is(tr, size, root))
				continue;
			ck_assert_mem_eq(tr->lh[idx], lh, HL);
			ck_assert_int_eq(bc_merkle_inclusion_proof(&tr->store,
			    idx, size, &gen, &ngen, NULL), 0);
			expect_proof(name, gen, ngen, proof, n);
			bc_merkle_proof_free(gen);
			matched = 1;
		}
		if (matched)
			vr->generated++;
		else {
			vr->unmatched++;
			snprintf(vr->unmatched_name, sizeof(vr->unmatched_name),
			    "%s", name);
		}
	}
	free(proof);
}

static void
run_consistency(struct vec_run *vr, const char *name, const char *text,
    json_t *doc, int want_err)
{
	uint8_t root1[HL], root2[HL], (*gen)[HL] = NULL;
	uint64_t m, n;
	uint8_t (*proof)[HL];
	size_t count, ngen;
	int r, t, matched = 0;

	m = vec_u64(text, doc, "size1");
	n = vec_u64(text, doc, "size2");
	if (vec_hash(json_object_get(doc, "root1"), "root1", root1) != HL)
		vr->odd_hash++;
	if (vec_hash(json_object_get(doc, "root2"), "root2", root2) != HL)
		vr->odd_hash++;
	vec_proof(doc, vr, &proof, &count);
	r = bc_merkle_verify_consistency(m, n, root1, root2,
	    proof, count);
	tally(vr, name, r, want_err);
	if (!want_err) {
		for (t = 0; t < vr->ntrees && !matched; t++) {
			struct ref_tree *tr = &vr->trees[t];

			if (!tree_root_is(tr, m, root1) ||
			    !tree_root_is(tr, n, root2))
				continue;
			ck_assert_int_eq(bc_merkle_consistency_proof(
			    &tr->store, m, n, &gen, &ngen, NULL), 0);
			expect_proof(name, gen, ngen, proof, count);
			bc_merkle_proof_free(gen);
			matched = 1;
		}
		if (matched)
			vr->generated++;
		else {
			vr->unmatched++;
			snprintf(vr->unmatched_name, sizeof(vr->unmatched_name),
			    "%s", name);
		}
	}
	free(proof);
}

struct vec_dir {
	const char	*rel;
	int		 want;
	int		 got;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every *.json under base/rel, in name order, counting per folder. */
static void
run_dir(struct vec_run *vr, int incl, const char *base, const char *rel,
    struct vec_dir *dirs, size_t ndirs)
{
	char path[2048], sub[1024], *names[256];
	struct dirent *de;
	struct stat st;
	json_error_t jerr;
	json_t *doc;
	size_t nn = 0, i, len;
	char *text;
	int fcount = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s%s", base, *rel ? "/" : "", rel);
	ck_assert_msg((d = opendir(path)) != NULL, "cannot open %s", path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		ck_assert_uint_lt(nn, 256);
		ck_assert_ptr_nonnull(names[nn++] = strdup(de->d_name));
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_str);
	for (i = 0; i < nn; i++) {
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
		    names[i]);
		snprintf(path, sizeof(path), "%s/%s", base, sub);
		ck_assert_int_eq(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			run_dir(vr, incl, base, sub, dirs, ndirs);
			free(names[i]);
			continue;
		}
		len = strlen(names[i]);
		ck_assert_msg(len > 5 && strcmp(names[i] + len - 5, ".json") ==
		    0, "unexpected file %s", path);
		ck_assert_msg((text = tu_read_file(path, &len)) != NULL,
		    "cannot read %s", path);
		doc = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &jerr);
		ck_assert_msg(doc != NULL, "%s: %s", path, jerr.text);
		ck_assert_msg(json_is_boolean(json_object_get(doc, "wantErr")),
		    "%s: no wantErr", path);
		if (incl)
			run_inclusion(vr, sub, text, doc,
			    json_is_true(json_object_get(doc, "wantErr")));
		else
			run_consistency(vr, sub, text, doc,
			    json_is_true(json_object_get(doc, "wantErr")));
		json_decref(doc);
		free(text);
		free(names[i]);
		fcount++;
		vr->files++;
	}
	if (fcount > 0) {
		for (i = 0; i < ndirs; i++)
			if (strcmp(dirs[i].rel, rel) == 0)
				break;
		ck_assert_msg(i < ndirs, "vectors in unexpected folder %s",
		    rel);
		dirs[i].got += fcount;
	}
}

static void
vec_setup(struct vec_run *vr)
{
	struct ref_tree *t;

	memset(vr, 0, sizeof(*vr));
	/* the RFC's 8-leaf test tree: folders 0-4 */
	t = &vr->trees[vr->ntrees++];
	t->name = "rfc6962";
	t->n = 8;
	rfc_leaf_hashes(t->lh);
	t->mem = mem_tree(t->lh, t->n);
	bc_merkle_mem_store(t->mem, &t->store);
	/* the one-leaf tree of "data": inclusion/single-entry */
	t = &vr->trees[vr->ntrees++];
	t->name = "data";
	t->n = 1;
	leaf("data", 4, t->lh[0]);
	t->mem = mem_tree(t->lh, t->n);
	bc_merkle_mem_store(t->mem, &t->store);
}

static void
vec_teardown(struct vec_run *vr)
{
	int i;

	for (i = 0; i < vr->ntrees; i++)
		bc_merkle_mem_free(vr->trees[i].mem);
}

static void
check_dirs(struct vec_dir *dirs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_msg(dirs[i].got == dirs[i].want,
		    "%s: %d vectors, want %d", dirs[i].rel, dirs[i].got,
		    dirs[i].want);
}

START_TEST(test_vectors_inclusion)
{
	struct vec_dir dirs[] = {
		{ "0", 13, 0 }, { "1", 18, 0 }, { "2", 18, 0 },
		{ "3", 15, 0 }, { "4", 18, 0 },
		{ "additional/0", 3, 0 }, { "additional/1", 3, 0 },
		{ "additional/2", 3, 0 }, { "additional/3", 3, 0 },
		{ "single-entry", 4, 0 },
	};
	struct vec_run vr;

	vec_setup(&vr);
	run_dir(&vr, 1, tu_data_path("vectors/rfc6962/inclusion"), "", dirs,
	    sizeof(dirs) / sizeof(dirs[0]));
	check_dirs(dirs, sizeof(dirs) / sizeof(dirs[0]));
	ck_assert_int_eq(vr.files, 98);
	ck_assert_int_eq(vr.happy, 6);
	ck_assert_int_eq(vr.wanterr, 92);
	/* happy paths of folders 0-4 and single-entry, all regenerated */
	ck_assert_int_eq(vr.generated, 6);
	ck_assert_int_eq(vr.unmatched, 0);
	/* only single-entry/empty-root-and-leaf ("" as both) */
	ck_assert_int_eq(vr.by_length, 1);
	/* "WrongLeaf", "" leaves and roots, "" garbage in proofs */
	ck_assert_int_eq(vr.odd_hash, 27);
	ck_assert_int_gt(vr.malformed, 0);
	ck_assert_int_gt(vr.integrity, 0);
	vec_teardown(&vr);
}
END_TEST

START_TEST(test_vectors_consistency)
{
	struct vec_dir dirs[] = {
		{ "0", 1, 0 }, { "1", 21, 0 }, { "2", 21, 0 },
		{ "3", 20, 0 }, { "4", 21, 0 }, { "additional", 14, 0 },
	};
	struct vec_run vr;

	vec_setup(&vr);
	run_dir(&vr, 0, tu_data_path("vectors/rfc6962/consistency"), "", dirs,
	    sizeof(dirs) / sizeof(dirs[0]));
	check_dirs(dirs, sizeof(dirs) / sizeof(dirs[0]));
	ck_assert_int_eq(vr.files, 98);
	ck_assert_int_eq(vr.happy, 6);
	ck_assert_int_eq(vr.wanterr, 92);
	ck_assert_int_eq(vr.generated, 5);
	/* equal sizes and equal placeholder roots: of no tree */
	ck_assert_int_eq(vr.unmatched, 1);
	ck_assert_str_eq(vr.unmatched_name,
	    "additional/sizes-are-equal-one-and-proof-is-empty.json");
	/* "WrongRoot", "don't care" roots, "" garbage in proofs */
	ck_assert_int_eq(vr.odd_hash, 35);
	ck_assert_int_gt(vr.malformed, 0);
	ck_assert_int_gt(vr.integrity, 0);
	vec_teardown(&vr);
}
END_TEST

/* ---- every proof of every tree up to 300 leaves ------------------------- */

#define SMALL_N		300
#define SMALL_X		(2 * SMALL_N)	/* leaves for wrong-size roots */

struct small {
	uint8_t (*lh)[HL];
	struct naive		 nv;
	struct bc_merkle_mem	*mem;
	struct counting		 cnt;
	struct bc_merkle_store	 store;
};

static void
small_setup(struct small *s)
{
	uint8_t data[4 + 40];
	uint64_t i;
	size_t len;

	rng_state = UINT64_C(0x6962);
	ck_assert_ptr_nonnull(s->lh = calloc(SMALL_X + 1, HL));
	for (i = 0; i <= SMALL_X; i++) {
		/* the index keeps the leaves distinct; random tail */
		data[0] = (uint8_t)i;
		data[1] = (uint8_t)(i >> 8);
		data[2] = data[3] = 0;
		len = 4 + rnd() % 37;
		for (size_t j = 4; j < len; j++)
			data[j] = (uint8_t)rnd();
		leaf(data, len, s->lh[i]);
	}
	naive_init(&s->nv, s->lh, SMALL_X + 1, 1);
	ck_assert_ptr_nonnull(s->mem = bc_merkle_mem_new());
	counting_init(&s->cnt, s->mem, &s->store);
}

static void
small_teardown(struct small *s)
{
	naive_free(&s->nv);
	bc_merkle_mem_free(s->mem);
	free(s->lh);
}

/* Appends leaf n - 1 and checks the root of n. */
static void
small_grow(struct small *s, uint64_t n, uint8_t root[HL])
{
	struct bc_err err = { 0 };
	uint8_t want[HL];
	unsigned t = trailing_ones(n - 1);

	s->cnt.gets = s->cnt.puts = 0;
	CHECK(bc_merkle_append(&s->store, n - 1, s->lh[n - 1], &err) == 0,
	    "append %" PRIu64 ": %s", n - 1, err.msg);
	CHECK(s->cnt.puts == 1 + t && s->cnt.gets == t,
	    "append %" PRIu64 ": %" PRIu64 " puts, %" PRIu64 " gets", n - 1,
	    s->cnt.puts, s->cnt.gets);
	s->cnt.gets = 0;
	CHECK(bc_merkle_root(&s->store, n, root, &err) == 0, "root: %s",
	    err.msg);
	CHECK(s->cnt.gets == (uint64_t)popcount(n),
	    "root of %" PRIu64 ": %" PRIu64 " gets", n, s->cnt.gets);
	naive_mth(&s->nv, 0, n, want);
	CHECK(memcmp(root, want, HL) == 0, "root of %" PRIu64 ": %s, "
	    "naive %s", n, hex(root), hex(want));
}

START_TEST(test_all_inclusion_proofs)
{
	struct small s;
	struct bc_err err = { 0 };
	uint8_t root[HL], other[HL], bad[HL], (*p)[HL];
	uint8_t want[BC_MERKLE_MAX_PROOF][HL];
	uint64_t n, i, wi[3], wn[3];
	size_t cnt, nwant, j, k, total = 0, negatives = 0;
	int r;

	small_setup(&s);
	for (n = 1; n <= SMALL_N; n++) {
		small_grow(&s, n, root);
		for (i = 0; i < n; i++) {
			s.cnt.gets = 0;
			r = bc_merkle_inclusion_proof(&s.store, i, n, &p, &cnt,
			    &err);
			CHECK(r == 0, "PATH(%" PRIu64 ", %" PRIu64 "): %s", i,
			    n, err.msg);
			CHECK(s.cnt.gets <= 2 * (uint64_t)bits(n),
			    "PATH(%" PRIu64 ", %" PRIu64 "): %" PRIu64
			    " gets", i, n, s.cnt.gets);
			nwant = 0;
			naive_path(&s.nv, i, 0, n, want, &nwant);
			CHECK(cnt == nwant, "PATH(%" PRIu64 ", %" PRIu64
			    "): %zu hashes, naive %zu", i, n, cnt, nwant);
			for (j = 0; j < cnt; j++)
				CHECK(memcmp(p[j], want[j], HL) == 0,
				    "PATH(%" PRIu64 ", %" PRIu64 ")[%zu]", i,
				    n, j);
			CHECK((cnt == 0) == (p == NULL), "empty proof");
			r = bc_merkle_verify_inclusion(i, n, s.lh[i],
			    p, cnt, root);
			CHECK(r == 0, "verify PATH(%" PRIu64 ", %" PRIu64
			    "): %s", i, n, bc_strerror(r));

			/* a flipped bit anywhere in the proof */
			if (cnt > 0) {
				j = rnd() % cnt;
				k = rnd() % (8 * HL);
				p[j][k / 8] ^= (uint8_t)(1 << (k % 8));
				r = bc_merkle_verify_inclusion(i, n, s.lh[i],
				    p, cnt, root);
				CHECK(r == BC_ERR_INTEGRITY, "flipped "
				    "PATH(%" PRIu64 ", %" PRIu64 ")[%zu]: %s",
				    i, n, j, bc_strerror(r));
				p[j][k / 8] ^= (uint8_t)(1 << (k % 8));
				negatives++;
			}
			/* a flipped bit in the leaf or the root */
			memcpy(bad, s.lh[i], HL);
			bad[rnd() % HL] ^= 0x80;
			CHECK(bc_merkle_verify_inclusion(i, n, bad,
			    p, cnt, root) == BC_ERR_INTEGRITY,
			    "flipped leaf %" PRIu64 " of %" PRIu64, i, n);
			memcpy(bad, root, HL);
			bad[rnd() % HL] ^= 0x01;
			CHECK(bc_merkle_verify_inclusion(i, n, s.lh[i],
			    p, cnt, bad) == BC_ERR_INTEGRITY,
			    "flipped root, leaf %" PRIu64 " of %" PRIu64, i,
			    n);
			negatives += 2;

			/* a wrong index, with the same leaf and root */
			wi[0] = i ^ 1;
			wi[1] = i + 1;
			wi[2] = i - 1;	/* i = 0: 2^64 - 1 */
			for (k = 0; k < 3; k++) {
				if (wi[k] == i)
					continue;
				r = bc_merkle_verify_inclusion(wi[k], n,
				    s.lh[i], p, cnt, root);
				CHECK(r != 0, "leaf %" PRIu64 " of %" PRIu64
				    " verified as leaf %" PRIu64, i, n, wi[k]);
				negatives++;
			}
			/*
			 * a wrong size, against the true root of that size
			 * (the root of the claimed size is what a verifier
			 * holds, from a checkpoint)
			 */
			wn[0] = n - 1;
			wn[1] = n + 1;
			wn[2] = 2 * n;
			for (k = 0; k < 3; k++) {
				naive_mth(&s.nv, 0, wn[k], other);
				r = bc_merkle_verify_inclusion(i, wn[k],
				    s.lh[i], p, cnt, other);
				CHECK(r != 0, "leaf %" PRIu64 " of %" PRIu64
				    " verified in size %" PRIu64, i, n, wn[k]);
				negatives++;
			}
			bc_merkle_proof_free(p);
			total++;
		}
	}
	ck_assert_uint_eq(total, SMALL_N * (SMALL_N + 1) / 2);
	ck_assert_uint_gt(negatives, 7 * total);
	small_teardown(&s);
}
END_TEST

START_TEST(test_all_consistency_proofs)
{
	struct small s;
	struct bc_err err = { 0 };
	uint8_t root[HL], root_m[HL], other[HL], (*p)[HL];
	uint8_t want[BC_MERKLE_MAX_PROOF + 1][HL];
	uint64_t n, m, wm[2], wn[3];
	size_t cnt, nwant, j, k, total = 0;
	int r;

	small_setup(&s);
	for (n = 1; n <= SMALL_N; n++) {
		small_grow(&s, n, root);
		for (m = 1; m <= n; m++) {
			s.cnt.gets = 0;
			r = bc_merkle_consistency_proof(&s.store, m, n, &p,
			    &cnt, &err);
			CHECK(r == 0, "PROOF(%" PRIu64 ", %" PRIu64 "): %s", m,
			    n, err.msg);
			CHECK(s.cnt.gets <= 3 * (uint64_t)bits(n),
			    "PROOF(%" PRIu64 ", %" PRIu64 "): %" PRIu64
			    " gets", m, n, s.cnt.gets);
			nwant = 0;
			naive_subproof(&s.nv, m, 0, n, 1, want, &nwant);
			CHECK(cnt == nwant, "PROOF(%" PRIu64 ", %" PRIu64
			    "): %zu hashes, naive %zu", m, n, cnt, nwant);
			for (j = 0; j < cnt; j++)
				CHECK(memcmp(p[j], want[j], HL) == 0,
				    "PROOF(%" PRIu64 ", %" PRIu64 ")[%zu]", m,
				    n, j);
			CHECK((cnt == 0) == (m == n), "PROOF(%" PRIu64 ", %"
			    PRIu64 "): %zu hashes", m, n, cnt);
			naive_mth(&s.nv, 0, m, root_m);
			r = bc_merkle_verify_consistency(m, n, root_m, root,
			    p, cnt);
			CHECK(r == 0, "verify PROOF(%" PRIu64 ", %" PRIu64
			    "): %s", m, n, bc_strerror(r));

			if (cnt > 0) {
				/* a flipped bit anywhere in the proof */
				j = rnd() % cnt;
				k = rnd() % (8 * HL);
				p[j][k / 8] ^= (uint8_t)(1 << (k % 8));
				r = bc_merkle_verify_consistency(m, n, root_m,
				    root, p, cnt);
				CHECK(r == BC_ERR_INTEGRITY, "flipped PROOF(%"
				    PRIu64 ", %" PRIu64 ")[%zu]: %s", m, n, j,
				    bc_strerror(r));
				p[j][k / 8] ^= (uint8_t)(1 << (k % 8));
				/* swapped roots */
				r = bc_merkle_verify_consistency(m, n, root,
				    root_m, p, cnt);
				CHECK(r != 0, "PROOF(%" PRIu64 ", %" PRIu64
				    ") with swapped roots", m, n);
			}
			/* a flipped bit in either root */
			memcpy(other, root_m, HL);
			other[rnd() % HL] ^= 0x10;
			CHECK(bc_merkle_verify_consistency(m, n, other, root,
			    p, cnt) == BC_ERR_INTEGRITY,
			    "PROOF(%" PRIu64 ", %" PRIu64 "), root_m flipped",
			    m, n);
			memcpy(other, root, HL);
			other[rnd() % HL] ^= 0x10;
			CHECK(bc_merkle_verify_consistency(m, n, root_m, other,
			    p, cnt) == BC_ERR_INTEGRITY,
			    "PROOF(%" PRIu64 ", %" PRIu64 "), root_n flipped",
			    m, n);

			/* a wrong old size, with its true root */
			wm[0] = m - 1;
			wm[1] = m + 1;
			for (k = 0; k < 2; k++) {
				naive_mth(&s.nv, 0, wm[k], other);
				r = bc_merkle_verify_consistency(wm[k], n,
				    other, root, p, cnt);
				CHECK(r != 0, "PROOF(%" PRIu64 ", %" PRIu64
				    ") verified from size %" PRIu64, m, n,
				    wm[k]);
			}
			/* a wrong new size, with its true root */
			wn[0] = n - 1;
			wn[1] = n + 1;
			wn[2] = 2 * n;
			for (k = 0; k < 3; k++) {
				naive_mth(&s.nv, 0, wn[k], other);
				r = bc_merkle_verify_consistency(m, wn[k],
				    root_m, other, p, cnt);
				CHECK(r != 0, "PROOF(%" PRIu64 ", %" PRIu64
				    ") verified to size %" PRIu64, m, n,
				    wn[k]);
			}
			bc_merkle_proof_free(p);
			total++;
		}
	}
	ck_assert_uint_eq(total, SMALL_N * (SMALL_N + 1) / 2);
	small_teardown(&s);
}
END_TEST

/*
 * An inclusion proof does not bind the tree size by itself: PATH(0, D[3])
 * is [leaf 1, leaf 2], and the tree of 4 has the same path shape for
 * leaf 0.  Checked against the root of the claimed size, as a verifier
 * must, it fails.
 */
START_TEST(test_inclusion_size_binding)
{
	struct bc_merkle_mem *mem;
	struct bc_merkle_store store;
	uint8_t lh[8][HL];
	uint8_t root3[HL], root4[HL], (*p)[HL];
	size_t n;

	rfc_leaf_hashes(lh);
	mem = mem_tree(lh, 8);
	bc_merkle_mem_store(mem, &store);
	ck_assert_int_eq(bc_merkle_root(&store, 3, root3, NULL), 0);
	ck_assert_int_eq(bc_merkle_root(&store, 4, root4, NULL), 0);
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, 3, &p, &n,
	    NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 3, lh[0],
	    p, n, root3), 0);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 4, lh[0],
	    p, n, root3), 0);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 4, lh[0],
	    p, n, root4), BC_ERR_INTEGRITY);
	bc_merkle_proof_free(p);
	bc_merkle_mem_free(mem);
}
END_TEST

/* ---- a large tree ------------------------------------------------------- */

/*
 * The test's own incremental root, independent of the library: a stack
 * of perfect subtrees (level, hash), merged as leaves arrive.
 */
struct stack {
	uint8_t		h[64][HL];
	unsigned	level[64];
	unsigned	depth;
};

static void
stack_push(struct stack *st, const uint8_t lh[HL])
{
	memcpy(st->h[st->depth], lh, HL);
	st->level[st->depth++] = 0;
	while (st->depth >= 2 &&
	    st->level[st->depth - 1] == st->level[st->depth - 2]) {
		node(st->h[st->depth - 2], st->h[st->depth - 1],
		    st->h[st->depth - 2]);
		st->level[st->depth - 2]++;
		st->depth--;
	}
}

static void
stack_root(const struct stack *st, uint8_t out[HL])
{
	unsigned i = st->depth - 1;

	memcpy(out, st->h[i], HL);
	while (i-- > 0)
		node(st->h[i], out, out);
}

static int
is_sample(uint64_t n)
{
	uint64_t x;

	for (x = n - 1; x <= n + 1; x++)
		if (x != 0 && (x & (x - 1)) == 0)
			return 1;
	return n % 9973 == 0 || n < 1000;
}

static void
big_proofs(struct counting *c, struct bc_merkle_store *store,
    uint8_t (*lh)[HL], uint64_t big)
{
	uint8_t root[HL], root_m[HL], (*p)[HL];
	uint64_t i, n, m, bound;
	size_t cnt;
	int t, r;

	for (t = 0; t < 200; t++) {
		/* edges first, then random */
		n = t < 4 ? big - (uint64_t)t : 1 + rnd() % big;
		i = t < 2 ? 0 : t < 4 ? n - 1 : rnd() % n;
		CHECK(bc_merkle_root(store, n, root, NULL) == 0, "root");
		c->gets = 0;
		r = bc_merkle_inclusion_proof(store, i, n, &p, &cnt, NULL);
		CHECK(r == 0, "PATH(%" PRIu64 ", %" PRIu64 ")", i, n);
		bound = 2 * (uint64_t)bits(n);
		CHECK(c->gets <= bound, "PATH(%" PRIu64 ", %" PRIu64 "): %"
		    PRIu64 " gets", i, n, c->gets);
		CHECK(bc_merkle_verify_inclusion(i, n, lh[i],
		    p, cnt, root) == 0, "verify PATH(%"
		    PRIu64 ", %" PRIu64 ")", i, n);
		if (cnt > 0) {
			p[cnt - 1][0] ^= 4;
			CHECK(bc_merkle_verify_inclusion(i, n, lh[i],
			    p, cnt, root) == BC_ERR_INTEGRITY,
			    "flipped PATH(%" PRIu64 ", %" PRIu64 ")", i, n);
		}
		bc_merkle_proof_free(p);

		m = t < 2 ? 1 : t < 4 ? n - 1 : 1 + rnd() % n;
		if (m == 0)
			m = 1;
		CHECK(bc_merkle_root(store, m, root_m, NULL) == 0, "root");
		c->gets = 0;
		r = bc_merkle_consistency_proof(store, m, n, &p, &cnt, NULL);
		CHECK(r == 0, "PROOF(%" PRIu64 ", %" PRIu64 ")", m, n);
		CHECK(c->gets <= 3 * (uint64_t)bits(n), "PROOF(%" PRIu64
		    ", %" PRIu64 "): %" PRIu64 " gets", m, n, c->gets);
		CHECK(bc_merkle_verify_consistency(m, n, root_m, root,
		    p, cnt) == 0, "verify PROOF(%" PRIu64
		    ", %" PRIu64 ")", m, n);
		if (cnt > 0) {
			p[0][HL - 1] ^= 1;
			CHECK(bc_merkle_verify_consistency(m, n, root_m, root,
			    p, cnt) == BC_ERR_INTEGRITY,
			    "flipped PROOF(%" PRIu64 ", %" PRIu64 ")", m, n);
		}
		bc_merkle_proof_free(p);
	}
}

/*
 * 1,000,000 leaves (200,000 with BODYCAM_QUICK set): every append is
 * counted (puts = 1 + trailing ones of the old size, at most 21), the
 * root is compared with the test's own stack at a thousand or so sizes
 * and with the naive recursion at the end, and proofs are spot-checked.
 */
START_TEST(test_large_tree)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *mem;
	struct counting c;
	struct stack st;
	struct naive nv;
	struct bc_err err = { 0 };
	uint8_t data[8], root[HL], want[HL];
	uint64_t big, i, n, samples = 0, max_puts = 0;
	uint8_t (*lh)[HL];
	unsigned t;
	int j;

	big = getenv("BODYCAM_QUICK") != NULL ? 200000 : 1000000;
	rng_state = UINT64_C(0x1000000);
	ck_assert_ptr_nonnull(lh = malloc(big * HL));
	ck_assert_ptr_nonnull(mem = bc_merkle_mem_new());
	counting_init(&c, mem, &store);
	st.depth = 0;
	for (i = 0; i < big; i++) {
		for (j = 0; j < 8; j++)
			data[j] = (uint8_t)(i >> (8 * j));
		leaf(data, sizeof(data), lh[i]);
		c.gets = c.puts = 0;
		CHECK(bc_merkle_append(&store, i, lh[i], &err) == 0,
		    "append %" PRIu64 ": %s", i, err.msg);
		t = trailing_ones(i);
		CHECK(c.puts == 1 + t && c.gets == t && c.puts <= 21,
		    "append %" PRIu64 ": %" PRIu64 " puts, %" PRIu64 " gets",
		    i, c.puts, c.gets);
		if (c.puts > max_puts)
			max_puts = c.puts;
		stack_push(&st, lh[i]);
		n = i + 1;
		if (is_sample(n) || n == big) {
			c.gets = 0;
			CHECK(bc_merkle_root(&store, n, root, &err) == 0,
			    "root %" PRIu64 ": %s", n, err.msg);
			CHECK(c.gets == (uint64_t)popcount(n),
			    "root %" PRIu64 ": %" PRIu64 " gets", n, c.gets);
			stack_root(&st, want);
			CHECK(memcmp(root, want, HL) == 0, "root of %" PRIu64
			    ": %s, stack %s", n, hex(root), hex(want));
			samples++;
		}
	}
	ck_assert_uint_eq(bc_merkle_mem_size(mem), big);
	/* 2^k - 1 leaves before an append: k + 1 puts */
	ck_assert_uint_eq(max_puts, bits(big));
	ck_assert_uint_gt(samples, 1000);

	naive_init(&nv, lh, big, 0);
	naive_mth(&nv, 0, big, want);
	ck_assert_int_eq(bc_merkle_root(&store, big, root, &err), 0);
	ck_assert_msg(memcmp(root, want, HL) == 0, "root %s, naive %s",
	    hex(root), hex(want));
	/* a larger size is not in the store */
	ck_assert_int_eq(bc_merkle_root(&store, big + 1, root, &err),
	    BC_ERR_NOT_FOUND);

	big_proofs(&c, &store, lh, big);
	bc_merkle_mem_free(mem);
	free(lh);
}
END_TEST

/* ---- a virtual tree of 2^63 equal leaves ------------------------------- */

/*
 * Every perfect subtree of equal leaves at a level has the same hash, so
 * a store that answers (level, index) with that hash is a real tree of
 * BC_MERKLE_MAX_SIZE leaves, of which nothing needs to be kept.
 */
struct virt {
	uint8_t	level[BC_MERKLE_MAX_LEVEL + 1][HL];
};

static int
virt_get(void *arg, unsigned level, uint64_t index, uint8_t out[HL])
{
	struct virt *v = arg;

	if (level > BC_MERKLE_MAX_LEVEL ||
	    index >= (BC_MERKLE_MAX_SIZE >> level))
		return BC_ERR_NOT_FOUND;
	memcpy(out, v->level[level], HL);
	return 0;
}

static int
virt_put(void *arg, unsigned level, uint64_t index, const uint8_t h[HL])
{
	return BC_ERR_INVALID;
}

START_TEST(test_huge_virtual_tree)
{
	struct bc_merkle_store store = { NULL, virt_get, virt_put };
	struct bc_err err = { 0 };
	struct virt v;
	uint8_t root[HL], root_m[HL], (*p)[HL];
	uint64_t sizes[6], n, m, i;
	size_t cnt, longest = 0;
	unsigned l;
	int s, t;

	leaf("x", 1, v.level[0]);
	for (l = 1; l <= BC_MERKLE_MAX_LEVEL; l++)
		node(v.level[l - 1], v.level[l - 1], v.level[l]);
	store.arg = &v;

	ck_assert_int_eq(bc_merkle_root(&store, BC_MERKLE_MAX_SIZE, root,
	    &err), 0);
	ck_assert_mem_eq(root, v.level[BC_MERKLE_MAX_LEVEL], HL);
	ck_assert_int_eq(bc_merkle_root(&store, BC_MERKLE_MAX_SIZE + 1, root,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_append(&store, BC_MERKLE_MAX_SIZE,
	    v.level[0], &err), BC_ERR_TOO_LARGE);
	ck_assert_int_eq(bc_merkle_append(&store, UINT64_MAX, v.level[0],
	    &err), BC_ERR_TOO_LARGE);
	/* the store's refusal is passed on */
	ck_assert_int_eq(bc_merkle_append(&store, BC_MERKLE_MAX_SIZE - 1,
	    v.level[0], &err), BC_ERR_INVALID);
	ck_assert_str_ne(err.msg, "");

	sizes[0] = BC_MERKLE_MAX_SIZE;
	sizes[1] = BC_MERKLE_MAX_SIZE - 1;
	sizes[2] = (BC_MERKLE_MAX_SIZE >> 1) + 1;
	sizes[3] = UINT64_C(0x5555555555555555);
	sizes[4] = UINT64_C(0x7fffffffffffff01);
	sizes[5] = 3;
	rng_state = UINT64_C(0x263);
	for (s = 0; s < 6; s++) {
		n = sizes[s];
		ck_assert_int_eq(bc_merkle_root(&store, n, root, &err), 0);
		for (t = 0; t < 40; t++) {
			i = t == 0 ? 0 : t == 1 ? n - 1 : rnd() % n;
			ck_assert_int_eq(bc_merkle_inclusion_proof(&store, i,
			    n, &p, &cnt, &err), 0);
			ck_assert_uint_le(cnt, BC_MERKLE_MAX_PROOF);
			ck_assert_int_eq(bc_merkle_verify_inclusion(i, n,
			    v.level[0], p, cnt, root), 0);
			bc_merkle_proof_free(p);

			m = t == 0 ? 1 : t == 1 ? n - 1 : 1 + rnd() % n;
			if (m == 0)
				m = 1;
			ck_assert_int_eq(bc_merkle_root(&store, m, root_m,
			    &err), 0);
			ck_assert_int_eq(bc_merkle_consistency_proof(&store,
			    m, n, &p, &cnt, &err), 0);
			ck_assert_uint_le(cnt, BC_MERKLE_MAX_PROOF);
			if (cnt > longest)
				longest = cnt;
			ck_assert_int_eq(bc_merkle_verify_consistency(m, n,
			    root_m, root, p, cnt), 0);
			bc_merkle_proof_free(p);
		}
	}
	/* the longest proofs there are: 63 and 64 hashes */
	n = BC_MERKLE_MAX_SIZE;
	ck_assert_int_eq(bc_merkle_root(&store, n, root, &err), 0);
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, n - 1, n, &p, &cnt,
	    &err), 0);
	ck_assert_uint_eq(cnt, 63);
	bc_merkle_proof_free(p);
	ck_assert_int_eq(bc_merkle_root(&store, n - 1, root_m, &err), 0);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, n - 1, n, &p,
	    &cnt, &err), 0);
	ck_assert_uint_eq(cnt, BC_MERKLE_MAX_PROOF);
	ck_assert_int_eq(bc_merkle_verify_consistency(n - 1, n, root_m, root,
	    p, cnt), 0);
	ck_assert_int_eq(bc_merkle_verify_consistency(n - 1, n, root_m, root,
	    p, cnt - 1), BC_ERR_MALFORMED);
	bc_merkle_proof_free(p);
	/* beyond the limit: refused, not wrapped */
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, n + 1, &p, &cnt,
	    &err), BC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 1, n + 1, &p,
	    &cnt, &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, n + 1, v.level[0],
	    NULL, 0, root), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(n, n + 1, root, root,
	    NULL, 0), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(UINT64_MAX, UINT64_MAX,
	    root, root, NULL, 0), BC_ERR_MALFORMED);
}
END_TEST

/* ---- the store and its failures -------------------------------------- */

START_TEST(test_store_errors)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *mem;
	struct counting c;
	struct bc_err err;
	uint8_t lh[8][HL];
	uint8_t root[HL], x[HL], (*p)[HL];
	size_t n;
	uint64_t k;
	int r;

	rfc_leaf_hashes(lh);
	ck_assert_ptr_nonnull(mem = bc_merkle_mem_new());
	counting_init(&c, mem, &store);
	for (k = 0; k < 7; k++)
		ck_assert_int_eq(bc_merkle_append(&store, k, lh[k], NULL), 0);

	/* the store holds 7 leaves: size 8 is not there */
	err.msg[0] = '\0';
	ck_assert_int_eq(bc_merkle_root(&store, 8, root, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_str_ne(err.msg, "");
	p = (void *)1;
	n = 99;
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, 8, &p, &n, &err),
	    BC_ERR_NOT_FOUND);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 3, 8, &p, &n,
	    &err), BC_ERR_NOT_FOUND);
	ck_assert_ptr_null(p);
	/* impossible requests */
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 7, 7, &p, &n, &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, 0, &p, &n, &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 0, 7, &p, &n,
	    &err), BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 5, 4, &p, &n,
	    &err), BC_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	/* one leaf, and m == n: empty proofs, no allocation */
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, 1, &p, &n, &err),
	    0);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 7, 7, &p, &n,
	    &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	bc_merkle_proof_free(NULL);

	/* an append from the wrong size: a gap, or a different leaf */
	ck_assert_int_eq(bc_merkle_append(&store, 9, lh[7], &err),
	    BC_ERR_INVALID);
	ck_assert_int_eq(bc_merkle_append(&store, 3, lh[7], &err),
	    BC_ERR_EXISTS);
	ck_assert_str_ne(err.msg, "");
	/* the same leaf again: the same nodes, accepted (a retry) */
	ck_assert_int_eq(bc_merkle_append(&store, 3, lh[3], &err), 0);
	ck_assert_uint_eq(bc_merkle_mem_size(mem), 7);

	/* a failing get or put, at each step, is passed on */
	for (k = 1; k <= 3; k++) {
		c.gets = c.puts = 0;
		c.fail_get = k;
		err.msg[0] = '\0';
		r = bc_merkle_append(&store, 7, lh[7], &err);
		ck_assert_int_eq(r, BC_ERR_DB);
		ck_assert_msg(tu_contains(err.msg, "merkle node"), "%s",
		    err.msg);
		c.gets = c.puts = 0;
		c.fail_get = k;
		ck_assert_int_eq(bc_merkle_root(&store, 7, root, &err),
		    BC_ERR_DB);
		c.gets = c.puts = 0;
		c.fail_get = k;
		ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 2, 7, &p,
		    &n, &err), BC_ERR_DB);
		ck_assert_ptr_null(p);
		c.gets = c.puts = 0;
		c.fail_get = k;
		ck_assert_int_eq(bc_merkle_consistency_proof(&store, 3, 7, &p,
		    &n, &err), BC_ERR_DB);
		ck_assert_ptr_null(p);
	}
	for (k = 1; k <= 4; k++) {
		c.gets = c.puts = 0;
		c.fail_get = 0;
		c.fail_put = k;
		ck_assert_int_eq(bc_merkle_append(&store, 7, lh[7], &err),
		    BC_ERR_DB);
	}
	/* the half-done appends left correct nodes: the retry completes */
	c.fail_put = 0;
	c.gets = c.puts = 0;
	ck_assert_int_eq(bc_merkle_append(&store, 7, lh[7], &err), 0);
	ck_assert_uint_eq(c.puts, 4);
	ck_assert_int_eq(bc_merkle_root(&store, 8, root, &err), 0);
	unhex32(rfc_roots[7], x);
	ck_assert_mem_eq(root, x, HL);
	ck_assert_uint_eq(bc_merkle_mem_size(mem), 8);
	bc_merkle_mem_free(mem);
	bc_merkle_mem_free(NULL);
}
END_TEST

START_TEST(test_mem_store)
{
	struct bc_merkle_store store;
	struct bc_merkle_mem *mem;
	uint8_t a[HL], b[HL], out[HL];

	memset(a, 0xaa, HL);
	memset(b, 0xbb, HL);
	ck_assert_ptr_nonnull(mem = bc_merkle_mem_new());
	bc_merkle_mem_store(mem, &store);
	ck_assert_uint_eq(bc_merkle_mem_size(mem), 0);
	ck_assert_int_eq(store.get(store.arg, 0, 0, out), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(store.put(store.arg, 0, 1, a), BC_ERR_INVALID);
	ck_assert_int_eq(store.put(store.arg, 0, 0, a), 0);
	ck_assert_int_eq(store.put(store.arg, 0, 0, a), 0);
	ck_assert_int_eq(store.put(store.arg, 0, 0, b), BC_ERR_EXISTS);
	ck_assert_int_eq(store.get(store.arg, 0, 0, out), 0);
	ck_assert_mem_eq(out, a, HL);
	ck_assert_int_eq(store.get(store.arg, 0, 1, out), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(store.get(store.arg, 64, 0, out), BC_ERR_NOT_FOUND);
	ck_assert_int_eq(store.put(store.arg, 64, 0, a), BC_ERR_INVALID);
	ck_assert_int_eq(store.put(store.arg, 63, 0, b), 0);
	ck_assert_int_eq(store.get(store.arg, 63, 0, out), 0);
	ck_assert_mem_eq(out, b, HL);
	ck_assert_uint_eq(bc_merkle_mem_size(mem), 1);
	bc_merkle_mem_free(mem);
}
END_TEST

/* ---- verification of impossible inputs --------------------------------- */

START_TEST(test_verify_malformed)
{
	struct bc_merkle_mem *mem;
	struct bc_merkle_store store;
	uint8_t lh[8][HL], proof[BC_MERKLE_MAX_PROOF + 2][HL];
	uint8_t root8[HL], root6[HL], root1[HL], (*p)[HL];
	size_t n;

	rfc_leaf_hashes(lh);
	mem = mem_tree(lh, 8);
	bc_merkle_mem_store(mem, &store);
	ck_assert_int_eq(bc_merkle_root(&store, 8, root8, NULL), 0);
	ck_assert_int_eq(bc_merkle_root(&store, 6, root6, NULL), 0);
	ck_assert_int_eq(bc_merkle_root(&store, 1, root1, NULL), 0);
	memset(proof, 0x5a, sizeof(proof));

	/* inclusion */
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 0, lh[0], NULL, 0,
	    root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(8, 8, lh[0],
	    proof, 3, root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(UINT64_MAX, 8, lh[0],
	    proof, 3, root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 8, lh[0],
	    proof, 2, root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 8, lh[0],
	    proof, 4, root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 8, lh[0], NULL, 3,
	    root8), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 8, lh[0],
	    proof, 3, root8), BC_ERR_INTEGRITY);
	/* a one-leaf tree: the leaf is the root, the proof empty */
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 1, lh[0], NULL, 0,
	    root1), 0);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 1, lh[0],
	    proof, 1, root1), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_inclusion(0, 1, lh[1], NULL, 0,
	    root1), BC_ERR_INTEGRITY);

	/* consistency */
	ck_assert_int_eq(bc_merkle_inclusion_proof(&store, 0, 8, &p, &n, NULL),
	    0);
	bc_merkle_proof_free(p);
	ck_assert_int_eq(bc_merkle_consistency_proof(&store, 6, 8, &p, &n,
	    NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    p, n), 0);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    p, n - 1), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    proof, n + 1), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    NULL, 0), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    NULL, 3), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(8, 6, root8, root6,
	    p, n), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root8, root6,
	    p, n), BC_ERR_INTEGRITY);
	ck_assert_int_eq(bc_merkle_verify_consistency(6, 8, root6, root8,
	    proof, n), BC_ERR_INTEGRITY);
	bc_merkle_proof_free(p);
	/* from the empty tree: refused whatever the proof */
	ck_assert_int_eq(bc_merkle_verify_consistency(0, 8, root1, root8,
	    NULL, 0), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(0, 8, root1, root8,
	    proof, 1), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(0, 0, root1, root1,
	    NULL, 0), BC_ERR_MALFORMED);
	/* equal sizes: equal roots, an empty proof */
	ck_assert_int_eq(bc_merkle_verify_consistency(8, 8, root8, root8,
	    NULL, 0), 0);
	ck_assert_int_eq(bc_merkle_verify_consistency(8, 8, root8, root8,
	    proof, 1), BC_ERR_MALFORMED);
	ck_assert_int_eq(bc_merkle_verify_consistency(8, 8, root8, root6,
	    NULL, 0), BC_ERR_INTEGRITY);
	bc_merkle_mem_free(mem);
}
END_TEST

static Suite *
merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tc;

	tc = tu_tcase(s, "core", NULL, NULL);
	tcase_add_test(tc, test_hashes);
	tcase_add_test(tc, test_rfc_roots);
	tcase_add_test(tc, test_golden_roots);
	tcase_add_test(tc, test_inclusion_size_binding);
	tcase_add_test(tc, test_mem_store);

	tc = tu_tcase(s, "vectors", NULL, NULL);
	tcase_add_test(tc, test_vectors_inclusion);
	tcase_add_test(tc, test_vectors_consistency);

	tc = tu_tcase(s, "exhaustive", NULL, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_all_inclusion_proofs);
	tcase_add_test(tc, test_all_consistency_proofs);

	tc = tu_tcase(s, "limits", NULL, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_large_tree);
	tcase_add_test(tc, test_huge_virtual_tree);

	tc = tu_tcase(s, "malformed", NULL, NULL);
	tcase_add_test(tc, test_store_errors);
	tcase_add_test(tc, test_verify_malformed);
	return s;
}

int
main(void)
{
	return tu_run_suite(merkle_suite());
}
