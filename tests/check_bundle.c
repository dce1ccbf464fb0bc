/*
 * check_bundle.c - bc_bundle_verify, the offline check of a release
 * bundle: a real bundle (two items and one derived from the first, so
 * that parent/ is there) passes at all three levels with its admin key,
 * is not trusted without one or under another; a bundle made without
 * media passes.  Then the parsers of the bundle's bytes, each on a copy
 * of the real bundle with SHA256SUMS recomputed where the test is about
 * another file: SHA256SUMS' strict format and path rules; what the
 * directory may hold (symbolic links, FIFOs, names a shell could misread,
 * depth); the exact shape of a JSONL line and the strict base64 of its
 * signature (padding tricks); proofs.json and manifest.sig; caps on
 * sizes and on the number of failures listed; and random byte edits of
 * every record file, which must never crash it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define I1	"items/BWC-000001/"
#define I2	"items/BWC-000002/"
#define I3	"items/BWC-000003/"

static char pristine[1024];	/* the real bundle, made once per TCase */
static char keydir[1024];	/* its admin.pub and other.pub */

/* ---------------------------------------------------------- helpers */

/* The TCase's base directory: the parent of the test's own. */
static const char *
base_path(const char *name, char *buf, size_t sz)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", tu_dir());
	snprintf(buf, sz, "%s/%s", dirname(tmp), name);
	return buf;
}

static int
write_pub(const struct bc_key *k, const char *path)
{
	struct bc_err e = { 0 };

	return bc_key_write_public(k, path, &e);
}

/*
 * The real bundle, made by bc_release the first time a test of the TCase
 * asks for it: admin registers Apple.jpg and Canon.jpg, derives GPS.jpg
 * from the first, and an auditor releases the three.
 */
static void
make_pristine(void)
{
	struct bc_catalog *cat = NULL;
	struct bc_key *admin = NULL, *aud, *other;
	struct bc_register_opts ro;
	struct bc_register_result rr;
	struct bc_release_opts opts;
	struct bc_release_result res;
	struct bc_custody_result cr;
	struct bc_err e = { 0 };
	const char *refs[] = { "BWC-000001", "BWC-000002", "BWC-000003" };
	char path[4096], dbpath[1024];
	struct stat st;
	int r;

	base_path("pristine", pristine, sizeof(pristine));
	base_path("keys", keydir, sizeof(keydir));
	if (stat(pristine, &st) == 0)
		return;
	ck_assert(mkdir(keydir, 0700) == 0 || errno == EEXIST);
	ck_assert_int_eq(bc_key_generate(&admin), 0);
	base_path("pristine.db", dbpath, sizeof(dbpath));
	r = bc_catalog_create(dbpath, admin, "bodycam.test/bundle", &cat, &e);
	ck_assert_msg(r == 0, "catalog: %s", e.msg);
	aud = tu_new_key();
	other = tu_new_key();
	ck_assert_int_eq(bc_key_authorise(cat, admin, aud, "aud",
	    BC_ROLE_AUDITOR, &e), 0);
	memset(&ro, 0, sizeof(ro));
	ro.actor = "intake";
	r = bc_register(cat, admin, tu_data_path("stills/Apple.jpg"), &ro,
	    &rr, &e);
	ck_assert_msg(r == 0, "register: %s", e.msg);
	r = bc_register(cat, admin, tu_data_path("stills/Canon.jpg"), &ro,
	    &rr, &e);
	ck_assert_msg(r == 0, "register: %s", e.msg);
	tu_custody(cat, admin, "BWC-000001", "derive", NULL, "redacted",
	    tu_data_path("stills/GPS.jpg"), NULL, &cr);
	ck_assert_str_eq(cr.child, "BWC-000003");
	memset(&opts, 0, sizeof(opts));
	opts.recipient = "DA office";
	opts.authority = "subpoena 2026-17";
	opts.actor = "records clerk";
	r = bc_release(cat, aud, refs, 3, pristine, &opts, &res, &e);
	ck_assert_msg(r == 0, "release: %s: %s", bc_strerror(r), e.msg);
	bc_release_result_clear(&res);

	/* and one without media, from a second release of BWC-000002 */
	opts.no_media = 1;
	base_path("nomedia", path, sizeof(path));
	r = bc_release(cat, aud, refs + 1, 1, path, &opts, &res, &e);
	ck_assert_msg(r == 0, "release --no-media: %s", e.msg);
	bc_release_result_clear(&res);

	snprintf(path, sizeof(path), "%s/admin.pub", keydir);
	ck_assert_int_eq(write_pub(admin, path), 0);
	snprintf(path, sizeof(path), "%s/other.pub", keydir);
	ck_assert_int_eq(write_pub(other, path), 0);
	snprintf(path, sizeof(path), "%s/aud.pub", keydir);
	ck_assert_int_eq(write_pub(aud, path), 0);
	bc_catalog_close(cat);
	bc_key_free(admin);
	bc_key_free(aud);
	bc_key_free(other);
}

static struct bc_key *
load_pub(const char *name)
{
	struct bc_key *k = NULL;
	struct bc_err e = { 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s.pub", keydir, name);
	ck_assert_msg(bc_key_load_public(path, &k, &e) == 0, "%s", e.msg);
	return k;
}

/* Copies the tree at src to dst (directories and regular files only). */
static const char *copy_src, *copy_dst;

static int
copy_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char to[4096], *data;
	size_t len;

	(void)f;
	snprintf(to, sizeof(to), "%s%s", copy_dst, path + strlen(copy_src));
	if (flag == FTW_D)
		return mkdir(to, 0755) == 0 || errno == EEXIST ? 0 : -1;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return -1;
	if ((data = tu_read_file(path, &len)) == NULL)
		return -1;
	len = tu_write_file(to, data, len) == 0 ? 0 : 1;
	free(data);
	return len == 0 ? 0 : -1;
}

/* A fresh copy of the real bundle in the test's directory: its path. */
static const char *
bundle_copy(void)
{
	static char dst[1024];

	make_pristine();
	snprintf(dst, sizeof(dst), "%s", tu_path("b"));
	copy_src = pristine;
	copy_dst = dst;
	ck_assert_int_eq(nftw(pristine, copy_one, 16, FTW_PHYS), 0);
	return dst;
}

/* SHA256SUMS of the tree, recomputed as a careful forger would. */
struct sums {
	char	**lines;
	size_t	  n;
	size_t	  rootlen;
};

static struct sums *sums_cur;

static int
sum_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	struct bc_file_hash fh;
	struct bc_err e = { 0 };
	const char *rel = path + sums_cur->rootlen + 1;
	char hex[BC_SHA256_HEX], **tmp;

	(void)st;
	(void)f;
	if (flag != FTW_F || strcmp(rel, "SHA256SUMS") == 0)
		return 0;
	if (bc_hash_file(path, &fh, NULL, NULL, &e) != 0)
		return 0;	/* not a regular file: left out */
	bc_hex(fh.sha256, sizeof(fh.sha256), hex);
	tmp = realloc(sums_cur->lines, (sums_cur->n + 1) * sizeof(*tmp));
	if (tmp == NULL)
		return -1;
	sums_cur->lines = tmp;
	if (asprintf(&tmp[sums_cur->n], "%s  %s\n", hex, rel) == -1)
		return -1;
	sums_cur->n++;
	return 0;
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 66, *(char *const *)b + 66);
}

static void
resum(const char *dir)
{
	struct sums s = { NULL, 0, strlen(dir) };
	char path[4096];
	FILE *fp;
	size_t i;

	sums_cur = &s;
	ck_assert_int_eq(nftw(dir, sum_one, 16, FTW_PHYS), 0);
	qsort(s.lines, s.n, sizeof(*s.lines), line_cmp);
	snprintf(path, sizeof(path), "%s/SHA256SUMS", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	for (i = 0; i < s.n; i++) {
		fputs(s.lines[i], fp);
		free(s.lines[i]);
	}
	free(s.lines);
	ck_assert_int_eq(fclose(fp), 0);
}

static char *
read_rel(const char *dir, const char *rel, size_t *len)
{
	char path[4096], *data;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg((data = tu_read_file(path, len)) != NULL, "read %s",
	    path);
	return data;
}

static void
write_rel(const char *dir, const char *rel, const char *data, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_int_eq(tu_write_file(path, data, len), 0);
}

static void
write_str(const char *dir, const char *rel, const char *s)
{
	write_rel(dir, rel, s, strlen(s));
}

/* All failures, one a line, for assertion messages. */
static const char *
dump(const struct bc_bundle_report *rep)
{
	static char buf[8192];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < rep->nfailures && o < sizeof(buf) - 1; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "\n  [%d] %s | %s | %s", rep->failures[i].level,
		    rep->failures[i].file, rep->failures[i].check,
		    rep->failures[i].reason);
	return buf;
}

/* The failure of file and check (NULL: any), or NULL. */
static const struct bc_bundle_failure *
failure(const struct bc_bundle_report *rep, const char *file,
    const char *check)
{
	size_t i;

	for (i = 0; i < rep->nfailures; i++)
		if ((file == NULL || strcmp(rep->failures[i].file,
		    file) == 0) && (check == NULL ||
		    strcmp(rep->failures[i].check, check) == 0))
			return &rep->failures[i];
	return NULL;
}

/* Runs the check on dir with the admin key as the anchor. */
static void
verify(const char *dir, struct bc_bundle_report *rep)
{
	struct bc_key *admin = load_pub("admin");
	struct bc_err e = { 0 };
	int r;

	r = bc_bundle_verify(dir, admin, rep, &e);
	ck_assert_msg(r == 0, "bc_bundle_verify: %s: %s", bc_strerror(r),
	    e.msg);
	bc_key_free(admin);
}

/* The check fails with (file, check) among its failures, at level. */
static void
expect_failure(const char *dir, const char *file, const char *check,
    int level)
{
	struct bc_bundle_report rep;
	const struct bc_bundle_failure *f;

	verify(dir, &rep);
	f = failure(&rep, file, check);
	ck_assert_msg(f != NULL, "no failure (%s, %s); got:%s", file, check,
	    dump(&rep));
	ck_assert_msg(f->level == level, "(%s, %s) at level %d, not %d",
	    file, check, f->level, level);
	ck_assert_msg(!(level == 1 ? rep.integrity : level == 2 ?
	    rep.authentic : rep.trusted), "level %d still holds", level);
	/* a bad file does not make the records less authentic */
	if (level > 1)
		ck_assert(!rep.trusted);
	bc_bundle_report_clear(&rep);
}

/* ------------------------------------------------------------- core */

START_TEST(test_real_bundle_passes)
{
	struct bc_bundle_report rep;
	const char *b = bundle_copy();

	verify(b, &rep);
	ck_assert_msg(rep.nfailures == 0, "failures:%s", dump(&rep));
	ck_assert(rep.integrity);
	ck_assert(rep.authentic);
	ck_assert(rep.trusted);
	ck_assert_uint_eq(rep.nitems, 3);
	/* 1: register access derive verify release; 2: register verify
	 * release; 3: register verify release */
	ck_assert_uint_eq(rep.nevents, 5 + 3 + 3 - 1);
	ck_assert_uint_ge(rep.nfiles, 25);
	bc_bundle_report_clear(&rep);
	bc_bundle_report_clear(&rep);		/* twice is harmless */
	bc_bundle_report_clear(NULL);
}
END_TEST

START_TEST(test_no_trust)
{
	struct bc_bundle_report rep;
	struct bc_err e = { 0 };
	const char *b = bundle_copy();

	ck_assert_int_eq(bc_bundle_verify(b, NULL, &rep, &e), 0);
	ck_assert(rep.integrity);
	ck_assert(rep.authentic);
	ck_assert(!rep.trusted);
	ck_assert_uint_eq(rep.nfailures, 1);
	ck_assert_str_eq(rep.failures[0].check, "trust-anchor");
	ck_assert_str_eq(rep.failures[0].file, "");
	ck_assert_int_eq(rep.failures[0].level, 3);
	ck_assert(tu_contains(rep.failures[0].reason, "--trust ADMIN.pub"));
	bc_bundle_report_clear(&rep);
}
END_TEST

START_TEST(test_other_trust)
{
	struct bc_bundle_report rep;
	struct bc_err e = { 0 };
	struct bc_key *k;
	const char *b = bundle_copy();

	k = load_pub("other");
	ck_assert_int_eq(bc_bundle_verify(b, k, &rep, &e), 0);
	ck_assert(rep.integrity && rep.authentic && !rep.trusted);
	ck_assert_ptr_nonnull(failure(&rep, "anchor.pub", "trust-anchor"));
	bc_bundle_report_clear(&rep);
	bc_key_free(k);

	/* a signer of the bundle is not its anchor either */
	k = load_pub("aud");
	ck_assert_int_eq(bc_bundle_verify(b, k, &rep, &e), 0);
	ck_assert(!rep.trusted);
	ck_assert_ptr_nonnull(failure(&rep, "anchor.pub", "trust-anchor"));
	bc_bundle_report_clear(&rep);
	bc_key_free(k);
}
END_TEST

START_TEST(test_no_media_passes)
{
	struct bc_bundle_report rep;
	char path[4096];
	struct stat st;

	make_pristine();
	base_path("nomedia", path, sizeof(path));
	verify(path, &rep);
	ck_assert_msg(rep.nfailures == 0, "failures:%s", dump(&rep));
	ck_assert(rep.integrity && rep.authentic && rep.trusted);
	bc_bundle_report_clear(&rep);
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/media");
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(test_not_a_bundle)
{
	struct bc_bundle_report rep;
	struct bc_err e = { 0 };
	const char *b = bundle_copy();
	char path[4096];

	ck_assert_int_eq(bc_bundle_verify(tu_path("nope"), NULL, &rep, &e),
	    BC_ERR_NOT_FOUND);
	ck_assert_uint_eq(rep.nfailures, 0);
	snprintf(path, sizeof(path), "%s/SHA256SUMS", b);
	ck_assert_int_eq(bc_bundle_verify(path, NULL, &rep, &e),
	    BC_ERR_INVALID);
	/* an empty directory is checked, and fails */
	ck_assert_int_eq(mkdir(tu_path("empty"), 0755), 0);
	ck_assert_int_eq(bc_bundle_verify(tu_path("empty"), NULL, &rep, &e),
	    0);
	ck_assert(!rep.integrity && !rep.authentic && !rep.trusted);
	ck_assert_ptr_nonnull(failure(&rep, "SHA256SUMS", "missing"));
	ck_assert_ptr_nonnull(failure(&rep, "items", "missing"));
	bc_bundle_report_clear(&rep);
}
END_TEST

/* A media file that is not what its manifest seals. */
START_TEST(test_media_mismatch)
{
	const char *b = bundle_copy();
	char *data;
	size_t len;

	data = read_rel(b, "media/Canon.jpg", &len);
	data[len / 3] ^= 0x20;
	write_rel(b, "media/Canon.jpg", data, len);
	free(data);
	expect_failure(b, "media/Canon.jpg", "sha256", 1);
	resum(b);
	expect_failure(b, "media/Canon.jpg", "media-hash", 1);
	/* the same bytes, one more: the size is checked too */
	data = read_rel(b, "media/GPS.jpg", &len);
	write_rel(b, "media/GPS.jpg", data, len - 1);
	free(data);
	resum(b);
	expect_failure(b, "media/GPS.jpg", "media-size", 1);
}
END_TEST

START_TEST(test_media_partly_missing)
{
	const char *b = bundle_copy();
	char path[4096];

	snprintf(path, sizeof(path), "%s/media/Apple.jpg", b);
	ck_assert_int_eq(unlink(path), 0);
	resum(b);
	expect_failure(b, "media/Apple.jpg", "media-missing", 1);
}
END_TEST

/* ------------------------------------------------------- SHA256SUMS */

/* Rewrites SHA256SUMS with line (which replaces line 1, or is added). */
static void
sums_variant(const char *b, const char *replace_first, const char *add)
{
	char *data, *nl, *out;
	size_t len;

	data = read_rel(b, "SHA256SUMS", &len);
	nl = strchr(data, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_ne(asprintf(&out, "%s%s%s", replace_first ?
	    replace_first : "", replace_first ? nl + 1 : data, add ? add :
	    ""), -1);
	write_str(b, "SHA256SUMS", out);
	free(out);
	free(data);
}

/* a hash in SHA256SUMS' form, in upper case, one digit short */
#define H	"c072f615baa82e753e3bb91a2a72ba4a" \
		"7de97e7c7b31e7e2fa695d0c2fe715b6"
#define HU	"C072F615BAA82E753E3BB91A2A72BA4A" \
		"7DE97E7C7B31E7E2FA695D0C2FE715B6"
#define H63	"c072f615baa82e753e3bb91a2a72ba4a" \
		"7de97e7c7b31e7e2fa695d0c2fe715b"

START_TEST(test_sums_format)
{
	static const char *const bad_first[] = {
		/* upper-case hex */
		HU "  VERIFY.md\n",
		/* one space, a tab, binary mode */
		H " VERIFY.md\n",
		H "\tVERIFY.md\n",
		H " *VERIFY.md\n",
		/* 63 and 65 hex digits */
		H63 "  VERIFY.md\n",
		H "0" "  VERIFY.md\n",
		/* CRLF */
		H "  VERIFY.md\r\n",
		/* a blank line */
		"\n",
		/* paths: ./ .. absolute // trailing / backslash, control,
		 * not UTF-8, hidden, SHA256SUMS itself, empty */
		H "  ./VERIFY.md\n",
		H "  ../VERIFY.md\n",
		H "  /VERIFY.md\n",
		H "  A//VERIFY.md\n",
		H "  A/\n",
		H "  A\\VERIFY.md\n",
		H "  A\001.md\n",
		H "  A\377.md\n",
		H "  A/.x\n",
		H "  A/./x\n",
		H "  SHA256SUMS\n",
		H "  \n",
	};
	struct bc_bundle_report rep;
	const struct bc_bundle_failure *f;
	const char *b = bundle_copy();
	size_t i;

	for (i = 0; i < sizeof(bad_first) / sizeof(bad_first[0]); i++) {
		sums_variant(b, bad_first[i], NULL);
		verify(b, &rep);
		f = failure(&rep, "SHA256SUMS", "sums-format");
		ck_assert_msg(f != NULL, "variant %zu passed the format:%s",
		    i, dump(&rep));
		ck_assert(!rep.integrity);
		bc_bundle_report_clear(&rep);
		resum(b);
	}
}
END_TEST

START_TEST(test_sums_order)
{
	struct bc_bundle_report rep;
	const char *b = bundle_copy();
	char *data, *nl, *out;
	size_t len;

	/* a line repeated */
	data = read_rel(b, "SHA256SUMS", &len);
	nl = strchr(data, '\n');
	ck_assert_int_ne(asprintf(&out, "%.*s%s", (int)(nl + 1 - data), data,
	    data), -1);
	write_str(b, "SHA256SUMS", out);
	free(out);
	verify(b, &rep);
	ck_assert_msg(failure(&rep, "SHA256SUMS", "sums-format") != NULL &&
	    tu_contains(failure(&rep, "SHA256SUMS", "sums-format")->reason,
	    "twice"), "%s", dump(&rep));
	bc_bundle_report_clear(&rep);

	/* the first two lines swapped */
	{
		char *l2 = nl + 1, *e2 = strchr(l2, '\n');

		ck_assert_int_ne(asprintf(&out, "%.*s%.*s%s",
		    (int)(e2 + 1 - l2), l2, (int)(nl + 1 - data), data,
		    e2 + 1), -1);
	}
	write_str(b, "SHA256SUMS", out);
	free(out);
	verify(b, &rep);
	ck_assert_msg(failure(&rep, "SHA256SUMS", "sums-format") != NULL &&
	    tu_contains(failure(&rep, "SHA256SUMS", "sums-format")->reason,
	    "sorted"), "%s", dump(&rep));
	bc_bundle_report_clear(&rep);

	/* no final newline */
	write_rel(b, "SHA256SUMS", data, len - 1);
	expect_failure(b, "SHA256SUMS", "sums-format", 1);
	/* empty */
	write_str(b, "SHA256SUMS", "");
	expect_failure(b, "SHA256SUMS", "sums-format", 1);
	free(data);
}
END_TEST

START_TEST(test_sums_listing)
{
	const char *b = bundle_copy();
	char path[4096];

	/* listed, missing */
	snprintf(path, sizeof(path), "%s/" I2 "proofs.txt", b);
	ck_assert_int_eq(unlink(path), 0);
	expect_failure(b, I2 "proofs.txt", "missing", 1);
	/* present, not listed: an extra file */
	resum(b);
	write_str(b, I2 "proofs.txt", "x\n");
	expect_failure(b, I2 "proofs.txt", "extra-file", 1);
	/* listed, present, not of the format */
	write_str(b, "README", "hello\n");
	resum(b);
	expect_failure(b, "README", "unexpected-file", 1);
	/* no SHA256SUMS at all */
	snprintf(path, sizeof(path), "%s/SHA256SUMS", b);
	ck_assert_int_eq(unlink(path), 0);
	expect_failure(b, "SHA256SUMS", "missing", 1);
}
END_TEST

/* --------------------------------------------------- the directory */

START_TEST(test_dir_symlinks)
{
	const char *b = bundle_copy();
	char path[4096], target[4096];

	/* the very same bytes, through a link: still a failure */
	snprintf(path, sizeof(path), "%s/media/Apple.jpg", b);
	snprintf(target, sizeof(target), "%s/media/Apple.jpg", pristine);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	expect_failure(b, "media/Apple.jpg", "symlink", 1);

	/* a directory link: never followed */
	b = bundle_copy();
	snprintf(path, sizeof(path), "%s/signers", b);
	ck_assert_int_eq(tu_rm_rf(path), 0);
	snprintf(target, sizeof(target), "%s/signers", pristine);
	ck_assert_int_eq(symlink(target, path), 0);
	expect_failure(b, "signers", "symlink", 1);

	/* a dangling link, and one to /etc/passwd listed in SHA256SUMS */
	b = bundle_copy();
	snprintf(path, sizeof(path), "%s/gone", b);
	ck_assert_int_eq(symlink("/nonexistent/x", path), 0);
	snprintf(path, sizeof(path), "%s/passwd", b);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	expect_failure(b, "gone", "symlink", 1);
	expect_failure(b, "passwd", "symlink", 1);
}
END_TEST

START_TEST(test_dir_odd_files)
{
	const char *b = bundle_copy();
	char path[4096];
	int i;

	/* a FIFO: reported, never opened (which would block) */
	snprintf(path, sizeof(path), "%s/media/pipe", b);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	expect_failure(b, "media/pipe", "file-type", 1);

	/* names a shell could misread, and hidden ones */
	b = bundle_copy();
	write_str(b, "bad\nname", "x");
	write_str(b, ".hidden", "x");
	write_str(b, "back\\slash", "x");
	expect_failure(b, "bad?name", "file-name", 1);
	expect_failure(b, ".hidden", "file-name", 1);
	expect_failure(b, "back\\slash", "file-name", 1);

	/* nested too deep */
	b = bundle_copy();
	snprintf(path, sizeof(path), "%s", b);
	for (i = 0; i < 12; i++) {
		snprintf(path + strlen(path), sizeof(path) - strlen(path),
		    "/d");
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	expect_failure(b, "d/d/d/d/d/d/d/d/d", "file-type", 1);
}
END_TEST

/* ------------------------------------------------------------ JSONL */

/* Replaces line 1 of rel with line, recomputes SHA256SUMS. */
static void
first_line(const char *b, const char *rel, const char *line)
{
	char *data, *nl, *out;
	size_t len;

	data = read_rel(b, rel, &len);
	nl = strchr(data, '\n');
	ck_assert_int_ne(asprintf(&out, "%s%s", line, nl + 1), -1);
	write_str(b, rel, out);
	free(out);
	free(data);
	resum(b);
}

/* Line 1 of custody.jsonl of BWC-000002, cut in its three parts. */
struct line {
	char	event[4096];
	char	sig[128];
};

static void
cut_line(const char *b, struct line *l)
{
	char *data, *s, *e;
	size_t len;

	data = read_rel(b, I2 "custody.jsonl", &len);
	ck_assert(strncmp(data, "{\"event\":", 9) == 0);
	e = strchr(data, '\n');
	*e = '\0';
	s = strstr(data, ",\"sig\":\"");
	ck_assert_ptr_nonnull(s);
	snprintf(l->event, sizeof(l->event), "%.*s", (int)(s - data - 9),
	    data + 9);
	snprintf(l->sig, sizeof(l->sig), "%.*s", (int)(e - s - 10), s + 8);
	ck_assert_uint_eq(strlen(l->sig), 88);
	free(data);
}

START_TEST(test_jsonl_shape)
{
	struct line l;
	const char *b = bundle_copy();
	char buf[8192];
	size_t i;
	/* each with the event's bytes (E) and the signature (S) */
	static const char *const shape[] = {
		"{\"event\" :E,\"sig\":\"S\"}\n",	/* not exactly */
		"{\"event\":E, \"sig\":\"S\"}\n",
		"{\"event\":E,\"sig\":\"S\"} \n",
		"{\"event\":E,\"sig\":\"S\"}\r\n",
		" {\"event\":E,\"sig\":\"S\"}\n",
		"{\"sig\":\"S\",\"event\":E}\n",
		"{\"event\":E,\"sig\":\"S\",\"x\":1}\n",
		"{\"event\":E,\"sig\":\"S\"\n",
		"{\"doc\":E,\"sig\":\"S\"}\n",
		"{\"event\":,\"sig\":\"S\"}\n",
		"{\"event\":E,\"sig\":\"\"}\n",
		"{\"event\":E,\"sig\":\" S\"}\n",
		"{\"event\":E,\"sig\":\"SS\"}\n",
	};
	const char *c;
	size_t o;

	cut_line(b, &l);
	for (i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
		b = bundle_copy();
		for (o = 0, c = shape[i]; *c != '\0'; c++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s",
			    *c == 'E' ? l.event : *c == 'S' ? l.sig :
			    (char [2]){ *c, '\0' });
		first_line(b, I2 "custody.jsonl", buf);
		expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	}
	/* the last ',"sig":"' ends the event: what is before is not one */
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%s\",\"sig\":"
	    "\"%s\"}\n", l.event, l.sig, l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "event-format", 2);
	/* a blank line, and no final newline */
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "\n{\"event\":%s,\"sig\":\"%s\"}\n",
	    l.event, l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	{
		char *data;
		size_t len;

		b = bundle_copy();
		data = read_rel(b, I2 "custody.jsonl", &len);
		write_rel(b, I2 "custody.jsonl", data, len - 1);
		free(data);
		resum(b);
		expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	}
	/* the line as it was passes: the cutting above is right */
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%s\"}\n", l.event,
	    l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	{
		struct bc_bundle_report rep;

		verify(b, &rep);
		ck_assert_msg(rep.nfailures == 0, "%s", dump(&rep));
		bc_bundle_report_clear(&rep);
	}
}
END_TEST

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

START_TEST(test_jsonl_base64)
{
	struct line l;
	const char *b = bundle_copy();
	char buf[8192], sig[128];
	const char *p;

	cut_line(b, &l);
	/*
	 * 64 bytes end in one byte over "XY==": Y carries 2 bits and 4
	 * zero bits.  Setting one of those bits decodes to the same bytes
	 * with a lax decoder (and the signature would still verify).
	 */
	snprintf(sig, sizeof(sig), "%s", l.sig);
	ck_assert(sig[86] == '=' && sig[87] == '=');
	p = strchr(b64, sig[85]);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq((p - b64) & 0x0f, 0);
	sig[85] = b64[(p - b64) | 1];
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%s\"}\n", l.event,
	    sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);

	/* no padding; one '='; URL-safe alphabet; a line break inside */
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%.86s\"}\n",
	    l.event, l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%.87s\"}\n",
	    l.event, l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	b = bundle_copy();
	snprintf(sig, sizeof(sig), "%s", l.sig);
	sig[10] = '-';
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%s\"}\n", l.event,
	    sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%.44s\\n%s\"}\n",
	    l.event, l.sig, l.sig + 44);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
	/* 63 bytes' worth */
	b = bundle_copy();
	snprintf(buf, sizeof(buf), "{\"event\":%s,\"sig\":\"%.84s\"}\n",
	    l.event, l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "jsonl-format", 2);
}
END_TEST

/* The event bytes must be canonical: a space, a reordered member. */
START_TEST(test_jsonl_canonical)
{
	struct line l;
	const char *b = bundle_copy();
	char buf[8192], ev[4096];

	cut_line(b, &l);
	snprintf(ev, sizeof(ev), "%s", l.event);
	ev[strlen(ev) - 1] = '\0';	/* drop the closing brace */
	snprintf(buf, sizeof(buf), "{\"event\":%s }" ",\"sig\":\"%s\"}\n", ev,
	    l.sig);
	first_line(b, I2 "custody.jsonl", buf);
	expect_failure(b, I2 "custody.jsonl", "event-format", 2);

	/* keys.jsonl: the same shape, with "doc" */
	b = bundle_copy();
	first_line(b, "keys.jsonl", "{\"event\":{},\"sig\":\"\"}\n");
	expect_failure(b, "keys.jsonl", "jsonl-format", 2);
	expect_failure(b, "keys.jsonl", "keyring", 2);
}
END_TEST

/* --------------------------------------------- records and proofs */

START_TEST(test_manifest_sig_length)
{
	const char *b = bundle_copy();
	char *data;
	size_t len;

	data = read_rel(b, I1 "manifest.sig", &len);
	ck_assert_uint_eq(len, 64);
	write_rel(b, I1 "manifest.sig", data, 63);
	resum(b);
	expect_failure(b, I1 "manifest.sig", "manifest-signature", 2);
	write_rel(b, I1 "manifest.sig", "", 0);
	resum(b);
	expect_failure(b, I1 "manifest.sig", "manifest-signature", 2);
	free(data);
}
END_TEST

START_TEST(test_proofs_json)
{
	const char *b = bundle_copy();
	char *data, *p, *q;
	size_t len;

	/* not a JSON object of the three members */
	data = read_rel(b, I2 "proofs.json", &len);
	write_str(b, I2 "proofs.json", "{\"size\":1}\n");
	resum(b);
	expect_failure(b, I2 "proofs.json", "proofs-format", 2);
	/* duplicate members, which a lax parser would take */
	b = bundle_copy();
	p = strstr(data, "\"size\"");
	ck_assert_ptr_nonnull(p);
	{
		char *out;

		ck_assert_int_ne(asprintf(&out, "%.*s\"size\": 1,\n  %s",
		    (int)(p - data), data, p), -1);
		write_str(b, I2 "proofs.json", out);
		free(out);
	}
	resum(b);
	expect_failure(b, I2 "proofs.json", "proofs-format", 2);
	/* no final newline */
	b = bundle_copy();
	write_rel(b, I2 "proofs.json", data, len - 1);
	resum(b);
	expect_failure(b, I2 "proofs.json", "proofs-format", 2);
	/* a proof hash in upper case */
	b = bundle_copy();
	p = strstr(data, "\"proof\": [");
	ck_assert_ptr_nonnull(p);
	q = strchr(p + 10, '"');
	ck_assert_ptr_nonnull(q);
	for (q++; *q != '"'; q++)
		if (*q >= 'a' && *q <= 'f')
			*q = (char)(*q - 'a' + 'A');
	write_rel(b, I2 "proofs.json", data, len);
	resum(b);
	expect_failure(b, I2 "proofs.json", "proofs-format", 2);
	free(data);
}
END_TEST

START_TEST(test_proofs_records)
{
	const char *b = bundle_copy();
	char *data, *p, *out;
	size_t len;

	/* a record without a proof: the manifest entry renamed */
	data = read_rel(b, I2 "proofs.json", &len);
	p = strstr(data, "\"manifest\"");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_ne(asprintf(&out, "%.*s\"manifesto\"%s",
	    (int)(p - data), data, p + 10), -1);
	write_str(b, I2 "proofs.json", out);
	free(out);
	resum(b);
	expect_failure(b, I2 "proofs.json", "proof-missing", 2);
	expect_failure(b, I2 "proofs.json", "proofs-format", 2);
	free(data);

	/* a leaf index moved: the proof no longer fits */
	b = bundle_copy();
	data = read_rel(b, I2 "proofs.json", &len);
	p = strstr(data, "\"leaf_index\": ");
	ck_assert_ptr_nonnull(p);
	p += 14;
	*p = *p == '1' ? '2' : '1';
	write_rel(b, I2 "proofs.json", data, len);
	resum(b);
	expect_failure(b, I2 "proofs.json", "proof-inclusion", 2);
	free(data);

	/* the size and root of another tree */
	b = bundle_copy();
	data = read_rel(b, I2 "proofs.json", &len);
	p = strstr(data, "\"size\": ");
	ck_assert_ptr_nonnull(p);
	p[8] = p[8] == '9' ? '8' : '9';
	write_rel(b, I2 "proofs.json", data, len);
	resum(b);
	expect_failure(b, I2 "proofs.json", "proofs-checkpoint", 2);
	expect_failure(b, "checkpoint", "checkpoint-tree", 2);
	free(data);
}
END_TEST

/* ---------------------------------------------------------- limits */

START_TEST(test_caps)
{
	const char *b = bundle_copy();
	struct bc_bundle_report rep;
	char path[4096], line[256];
	FILE *fp;
	int fd, i;

	/* a record file over the cap is not read */
	snprintf(path, sizeof(path), "%s/keys.jsonl", b);
	ck_assert((fd = open(path, O_WRONLY | O_TRUNC)) != -1);
	ck_assert_int_eq(ftruncate(fd, BC_BUNDLE_MAX_JSON + 1), 0);
	close(fd);
	resum(b);
	expect_failure(b, "keys.jsonl", "too-large", 1);

	/* thousands of failures: the list is capped, and says so */
	b = bundle_copy();
	snprintf(path, sizeof(path), "%s/SHA256SUMS", b);
	ck_assert_ptr_nonnull(fp = fopen(path, "a"));
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line), "%064d  zz/%06d\n", 0, i);
		fputs(line, fp);
	}
	ck_assert_int_eq(fclose(fp), 0);
	verify(b, &rep);
	ck_assert(!rep.integrity);
	ck_assert_uint_le(rep.nfailures, 1000);
	ck_assert_str_eq(rep.failures[rep.nfailures - 1].check,
	    "more-failures");
	bc_bundle_report_clear(&rep);
}
END_TEST

/*
 * Random byte edits of every record file, SHA256SUMS recomputed: the
 * check always runs to its end (under the sanitizers: without a fault),
 * and a changed record is never authentic.
 */
START_TEST(test_random_edits)
{
	static const char *const files[] = { "checkpoint", "anchor.pub",
	    "keys.jsonl", I1 "manifest.json", I1 "custody.jsonl",
	    I1 "proofs.json", I3 "parent/manifest.json",
	    I3 "parent/derive.jsonl", I3 "custody.jsonl", I2 "manifest.sig" };
	struct bc_bundle_report rep;
	struct bc_err e = { 0 };
	struct bc_key *admin;
	const char *b;
	char *data;
	size_t len, k;
	unsigned seed = 12345, x;
	int i, r;

	make_pristine();
	admin = load_pub("admin");
	for (i = 0; i < 60; i++) {
		b = bundle_copy();
		k = (size_t)i % (sizeof(files) / sizeof(files[0]));
		data = read_rel(b, files[k], &len);
		seed = seed * 1103515245u + 12345u;
		x = seed >> 8;
		/* a byte at a random place to a random value, but changed */
		data[x % len] = (char)(data[x % len] ^ (1 + (x >> 16) % 255));
		write_rel(b, files[k], data, len);
		free(data);
		resum(b);
		r = bc_bundle_verify(b, admin, &rep, &e);
		ck_assert_msg(r == 0, "%s: %s", files[k], e.msg);
		/* pretty JSON may take another space; records may not */
		if (strcmp(files[k], I1 "proofs.json") != 0)
			ck_assert_msg(!rep.authentic || !rep.trusted,
			    "edit %d of %s passed", i, files[k]);
		bc_bundle_report_clear(&rep);
	}
	bc_key_free(admin);
}
END_TEST

static Suite *
bundle_suite(void)
{
	Suite *s = suite_create("bundle");
	TCase *tc;

	tc = tu_tcase(s, "core", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_real_bundle_passes);
	tcase_add_test(tc, test_no_trust);
	tcase_add_test(tc, test_other_trust);
	tcase_add_test(tc, test_no_media_passes);
	tcase_add_test(tc, test_not_a_bundle);
	tcase_add_test(tc, test_media_mismatch);
	tcase_add_test(tc, test_media_partly_missing);

	tc = tu_tcase(s, "sums", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sums_format);
	tcase_add_test(tc, test_sums_order);
	tcase_add_test(tc, test_sums_listing);

	tc = tu_tcase(s, "directory", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dir_symlinks);
	tcase_add_test(tc, test_dir_odd_files);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jsonl_shape);
	tcase_add_test(tc, test_jsonl_base64);
	tcase_add_test(tc, test_jsonl_canonical);
	tcase_add_test(tc, test_manifest_sig_length);
	tcase_add_test(tc, test_proofs_json);
	tcase_add_test(tc, test_proofs_records);

	tc = tu_tcase(s, "limits", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_random_edits);

	return s;
}

int
main(void)
{
	return tu_run_suite(bundle_suite());
}
