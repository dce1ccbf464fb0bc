/*
 * consumer.c - a program from outside the source tree that uses the
 * installed libbodycam: tests/pkg/run.sh builds it with nothing but
 * 'pkg-config --cflags --libs bodycam' and checks what it prints against
 * other tools (sha256sum, python3, sqlite3).
 *
 *	consumer CATALOG JSON [LEAF...]
 *
 * prints one line each: "version V" (BODYCAM_VERSION), "sha256 HEX" (of
 * the three bytes "abc"), "canon TEXT" (JSON in canonical form),
 * "root HEX" (the RFC 6962 root of the LEAFs, each a leaf's bytes) and
 * "schema N" (CATALOG, opened read-only).  A failure prints its cause
 * on stderr and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bodycam/bodycam.h>

static int
fail(const char *what, int r, const struct bc_err *err)
{
	fprintf(stderr, "consumer: %s: %s%s%s\n", what, bc_strerror(r),
	    err != NULL && err->msg[0] != '\0' ? ": " : "",
	    err != NULL ? err->msg : "");
	return 1;
}

static int
merkle_root(char **leaves, int n, char hex[BC_SHA256_HEX])
{
	struct bc_merkle_mem *mem;
	struct bc_merkle_store store;
	struct bc_err err;
	uint8_t leaf[BC_SHA256_LEN], root[BC_SHA256_LEN];
	int i, r = BC_ERR_NOMEM;

	bc_err_clear(&err);
	if ((mem = bc_merkle_mem_new()) == NULL)
		goto out;
	bc_merkle_mem_store(mem, &store);
	for (i = 0; i < n; i++) {
		if ((r = bc_merkle_leaf_hash(leaves[i], strlen(leaves[i]),
		    leaf)) != 0 ||
		    (r = bc_merkle_append(&store, (uint64_t)i, leaf,
		    &err)) != 0)
			goto out;
	}
	if ((r = bc_merkle_root(&store, (uint64_t)n, root, &err)) != 0)
		goto out;
	bc_hex(root, sizeof(root), hex);
	r = 0;
 out:
	if (r != 0)
		fail("merkle", r, &err);
	bc_merkle_mem_free(mem);
	return r;
}

int
main(int argc, char **argv)
{
	struct bc_catalog *cat = NULL;
	struct bc_err err;
	uint8_t md[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX], *canon = NULL;
	size_t canonlen;
	int r, schema, st = 1;

	bc_err_clear(&err);
	if (argc < 3) {
		fprintf(stderr, "usage: consumer CATALOG JSON [LEAF...]\n");
		return 2;
	}
	printf("version %s\n", BODYCAM_VERSION);

	if ((r = bc_sha256("abc", 3, md)) != 0) {
		fail("sha256", r, NULL);
		goto out;
	}
	bc_hex(md, sizeof(md), hex);
	printf("sha256 %s\n", hex);

	if ((r = bc_canon_text(argv[2], strlen(argv[2]), &canon, &canonlen,
	    &err)) != 0) {
		fail("canon", r, &err);
		goto out;
	}
	printf("canon %s\n", canon);

	if (merkle_root(argv + 3, argc - 3, hex) != 0)
		goto out;
	printf("root %s\n", hex);

	if ((r = bc_catalog_open_flags(argv[1], BC_CATALOG_READ_ONLY, &cat,
	    &err)) != 0) {
		fail(argv[1], r, &err);
		goto out;
	}
	if ((r = bc_catalog_schema(cat, &schema)) != 0) {
		fail("schema", r, NULL);
		goto out;
	}
	printf("schema %d\n", schema);
	st = 0;
 out:
	bc_catalog_close(cat);
	free(canon);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "consumer: write error\n");
		st = 1;
	}
	return st;
}
