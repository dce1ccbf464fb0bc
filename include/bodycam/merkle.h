/*
 * merkle.h - RFC 6962 Merkle tree of the transparency log: leaf and node
 * hashes, appends, roots, inclusion and consistency proofs and their
 * verification.
 *
 * The tree is kept in a node store supplied by the caller (the catalog
 * keeps it in SQLite; an in-memory store is below).  Node (level, index)
 * is the hash of the perfect subtree over leaves [index * 2^level,
 * (index + 1) * 2^level); it is stored once, when its last leaf is
 * appended, and never changes.  The store does not know the tree size:
 * every call names it, so that roots and proofs of any earlier size come
 * from the same nodes.  Every operation reads or writes O(log n) nodes.
 *
 * Tree sizes are at most BC_MERKLE_MAX_SIZE, which bounds every proof to
 * BC_MERKLE_MAX_PROOF hashes.
 */
#ifndef BODYCAM_MERKLE_H
#define BODYCAM_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/error.h"
#include "bodycam/hash.h"

#define BC_MERKLE_MAX_SIZE	(UINT64_C(1) << 63)	/* leaves */
#define BC_MERKLE_MAX_LEVEL	63
#define BC_MERKLE_MAX_PROOF	64			/* hashes */

/*
 * Where the nodes live.  get copies node (level, index) into out and
 * returns 0, BC_ERR_NOT_FOUND when it is not stored, or another BC_ERR_*
 * (BC_ERR_DB, BC_ERR_IO, ...) that is passed on to the caller.  put stores
 * a node and returns 0 or a BC_ERR_*; it is only called for a node that
 * has just become complete.
 */
struct bc_merkle_store {
	void	*arg;
	int	(*get)(void *arg, unsigned level, uint64_t index,
		    uint8_t out[BC_SHA256_LEN]);
	int	(*put)(void *arg, unsigned level, uint64_t index,
		    const uint8_t hash[BC_SHA256_LEN]);
};

/* SHA-256(0x00 || data): the hash of a leaf.  Returns 0 or BC_ERR_CRYPTO. */
int bc_merkle_leaf_hash(const void *data, size_t len,
    uint8_t out[BC_SHA256_LEN]);

/*
 * SHA-256(0x01 || left || right): the hash of an interior node.  out may
 * be left or right.  Returns 0 or BC_ERR_CRYPTO.
 */
int bc_merkle_node_hash(const uint8_t left[BC_SHA256_LEN],
    const uint8_t right[BC_SHA256_LEN], uint8_t out[BC_SHA256_LEN]);

/*
 * Appends the leaf with hash leaf_hash to a tree of size_before leaves:
 * puts node (0, size_before), then each parent that it completes: at
 * most 1 + log2(size) puts, one get fewer.  Nothing is rebuilt.  Returns 0,
 * BC_ERR_TOO_LARGE (the tree is full), or the store's error: a missing
 * sibling (the store holds fewer than size_before leaves) is
 * BC_ERR_NOT_FOUND.  After a failure the store may hold the nodes put so
 * far; they are correct for size_before + 1, so an append that is retried
 * with the same leaf puts the same values again (a transactional store
 * rolls them back instead).
 */
int bc_merkle_append(const struct bc_merkle_store *store,
    uint64_t size_before, const uint8_t leaf_hash[BC_SHA256_LEN],
    struct bc_err *err);

/*
 * The RFC 6962 root, MTH(D[size]), of the first size leaves, from the
 * popcount(size) perfect subtrees that make it up; the root of the empty
 * tree is SHA-256 of the empty string.  Returns 0, BC_ERR_INVALID (size
 * over BC_MERKLE_MAX_SIZE), BC_ERR_NOT_FOUND (the store holds fewer
 * leaves) or the store's or BC_ERR_CRYPTO.
 */
int bc_merkle_root(const struct bc_merkle_store *store, uint64_t size,
    uint8_t out[BC_SHA256_LEN], struct bc_err *err);

/*
 * The audit path RFC 6962 calls PATH(index, D[size]): the hashes, from the
 * leaf's sibling up, that with the leaf hash give the root of size.  *proof
 * is a new array of *n hashes (at most BC_MERKLE_MAX_PROOF; NULL when *n
 * is 0), freed with bc_merkle_proof_free.  O(log size) gets.  Returns 0,
 * BC_ERR_INVALID (index >= size, size over BC_MERKLE_MAX_SIZE),
 * BC_ERR_NOMEM, BC_ERR_NOT_FOUND (the store holds fewer than size leaves)
 * or the store's or BC_ERR_CRYPTO; *proof is NULL and *n 0 on failure.
 */
int bc_merkle_inclusion_proof(const struct bc_merkle_store *store,
    uint64_t index, uint64_t size, uint8_t (**proof)[BC_SHA256_LEN],
    size_t *n, struct bc_err *err);

/*
 * The consistency proof RFC 6962 calls PROOF(m, D[n]), which shows that
 * the tree of n leaves extends the tree of its first m leaves; empty when
 * m == n.  As bc_merkle_inclusion_proof, and BC_ERR_INVALID unless
 * 0 < m <= n: a proof from the empty tree would prove nothing, and the
 * verifier refuses it.
 */
int bc_merkle_consistency_proof(const struct bc_merkle_store *store,
    uint64_t m, uint64_t n, uint8_t (**proof)[BC_SHA256_LEN],
    size_t *count, struct bc_err *err);

/* Frees a proof; accepts NULL. */
void bc_merkle_proof_free(uint8_t (*proof)[BC_SHA256_LEN]);

/*
 * Verification (RFC 9162 2.1.3.2 and 2.1.4.2).  Both return 0 when the
 * proof is valid; BC_ERR_MALFORMED when the inputs cannot describe a
 * proof (index >= size, m == 0, m > n, a size over BC_MERKLE_MAX_SIZE, a
 * proof of the wrong length for the sizes, a non-empty proof when m ==
 * n); BC_ERR_INTEGRITY when the proof is well formed but the hashes do
 * not lead to the roots given; BC_ERR_CRYPTO when hashing fails.  proof
 * may be NULL when n (count) is 0.
 *
 * An inclusion proof binds the leaf, its index and the root, but the same
 * hashes can also fit another tree size with the same path shape: trust
 * the root only for the size it was signed for (a checkpoint).
 */
int bc_merkle_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf_hash[BC_SHA256_LEN],
    const uint8_t (*proof)[BC_SHA256_LEN], size_t n,
    const uint8_t root[BC_SHA256_LEN]);

int bc_merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t root_m[BC_SHA256_LEN], const uint8_t root_n[BC_SHA256_LEN],
    const uint8_t (*proof)[BC_SHA256_LEN], size_t count);

/*
 * An append-only node store in memory: one growable array per level.  For
 * tests, and for anyone who recomputes a tree from exported leaves.  Its
 * put refuses to change a node (BC_ERR_EXISTS; the same hash again is
 * accepted, as a retried append puts it) or to leave a gap in a level
 * (BC_ERR_INVALID); its get answers BC_ERR_NOT_FOUND past the end.
 */
struct bc_merkle_mem;

/* A new, empty store; NULL when out of memory.  Free with _mem_free. */
struct bc_merkle_mem *bc_merkle_mem_new(void);

/* Frees m and its nodes; accepts NULL. */
void bc_merkle_mem_free(struct bc_merkle_mem *m);

/* Fills *store so that it reads and writes m (valid while m lives). */
void bc_merkle_mem_store(struct bc_merkle_mem *m,
    struct bc_merkle_store *store);

/* The number of leaves in m. */
uint64_t bc_merkle_mem_size(const struct bc_merkle_mem *m);

#endif /* BODYCAM_MERKLE_H */
