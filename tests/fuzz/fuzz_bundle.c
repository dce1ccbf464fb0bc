/*
 * fuzz_bundle.c - libFuzzer target for the offline bundle check.  On the
 * first run a real bundle is made (a scratch catalog, one registered file,
 * bc_release); each input then replaces one of its files (the first byte
 * chooses which, the rest is the new content), bc_bundle_verify runs, and
 * the file is put back.  It must never crash, and a bundle with a changed
 * file must never pass all three levels.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/bodycam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES	64

static char dir[256], bundle[300];
static char *files[MAX_FILES];
static char *orig[MAX_FILES];
static size_t origlen[MAX_FILES], nfiles;
static struct bc_key *admin;

static void
die(const char *what, const struct bc_err *err)
{
	fprintf(stderr, "fuzz_bundle: %s: %s\n", what, err ? err->msg : "");
	abort();
}

static int
collect(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	struct bc_err err = { 0 };

	(void)st;
	(void)f;
	if (flag != FTW_F || nfiles == MAX_FILES)
		return 0;
	if ((files[nfiles] = strdup(path)) == NULL ||
	    bc_read_small(path, 1 << 20, &orig[nfiles], &origlen[nfiles],
	    &err) != 0)
		die("read the bundle", &err);
	nfiles++;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
cleanup(void)
{
	if (dir[0] != '\0')
		(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	struct bc_catalog *cat = NULL;
	struct bc_release_opts ro;
	struct bc_release_result res;
	struct bc_err err = { 0 };
	const char *refs[1] = { "BWC-000001" };
	char db[300], media[300];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/fuzz-bundle.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL || bc_key_generate(&admin) != 0)
		die("set up", NULL);
	atexit(cleanup);
	snprintf(db, sizeof(db), "%s/c.db", dir);
	snprintf(media, sizeof(media), "%s/clip.bin", dir);
	snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
	if ((fp = fopen(media, "w")) == NULL || fputs("footage", fp) < 0 ||
	    fclose(fp) != 0)
		die("write media", NULL);
	if (bc_catalog_create(db, admin, "fuzz.example/log", &cat, &err) != 0)
		die("catalog", &err);
	{
		struct bc_register_opts o;
		struct bc_register_result rr;

		memset(&o, 0, sizeof(o));
		if (bc_register(cat, admin, media, &o, &rr, &err) != 0)
			die("register", &err);
	}
	memset(&ro, 0, sizeof(ro));
	ro.recipient = "court";
	ro.authority = "order 1";
	ro.actor = "fuzzer";
	if (bc_release(cat, admin, refs, 1, bundle, &ro, &res, &err) != 0)
		die("release", &err);
	bc_release_result_clear(&res);
	bc_catalog_close(cat);
	if (nftw(bundle, collect, 16, FTW_PHYS) != 0 || nfiles == 0)
		die("list the bundle", NULL);
}

static void
put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd == -1 || (len > 0 && write(fd, buf, len) != (ssize_t)len) ||
	    close(fd) != 0)
		die("write", NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bc_bundle_report rep;
	struct bc_err err = { 0 };
	size_t i;
	int changed;

	if (nfiles == 0)
		setup();
	if (size < 1)
		return 0;
	i = data[0] % nfiles;
	put(files[i], data + 1, size - 1);
	changed = size - 1 != origlen[i] ||
	    memcmp(data + 1, orig[i], size - 1) != 0;
	memset(&rep, 0, sizeof(rep));
	if (bc_bundle_verify(bundle, admin, &rep, &err) == 0 && changed &&
	    rep.integrity && rep.authentic && rep.trusted)
		abort();	/* a changed file went unnoticed */
	bc_bundle_report_clear(&rep);
	put(files[i], orig[i], origlen[i]);
	return 0;
}
