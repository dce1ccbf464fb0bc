/*
 * check_media.c - content sniffing: every file in tests/data against the
 * media_type column of tests/data/MANIFEST.tsv (what file(1) says), and
 * hand-made headers for the formats and the edges the corpus lacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"

/* The MIME type of a file, from the head bc_hash_file keeps. */
static const char *
sniff_file(const char *path)
{
	struct bc_file_hash fh;
	struct bc_err err = { 0 };
	int r;

	r = bc_hash_file(path, &fh, NULL, NULL, &err);
	ck_assert_msg(r == 0, "%s: %s", path, err.msg);
	return bc_media_sniff(fh.head, fh.headlen);
}

/* --- corpus ------------------------------------------------------------- */

START_TEST(test_manifest_tsv)
{
	char *tsv, *line, *save = NULL, *f[8];
	const char *got, *want;
	size_t len, n, rows = 0, stills = 0, video = 0;

	ck_assert_ptr_nonnull(tsv = tu_read_file(tu_data_path("MANIFEST.tsv"),
	    &len));
	line = strtok_r(tsv, "\n", &save);
	ck_assert_ptr_nonnull(line);
	n = tu_split_tsv(line, f, 8);
	ck_assert_uint_ge(n, 4);
	ck_assert_str_eq(f[0], "path");
	ck_assert_str_eq(f[3], "media_type");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		if ((n = tu_split_tsv(line, f, 8)) < 4)
			continue;
		want = f[3];
		/*
		 * file(1) calls an empty file inode/x-empty; media.h
		 * documents application/x-empty for it.
		 */
		if (strcmp(want, "inode/x-empty") == 0)
			want = "application/x-empty";
		got = sniff_file(tu_data_path(f[0]));
		ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s",
		    f[0], got, want);
		rows++;
		if (strncmp(f[0], "stills/", 7) == 0)
			stills++;
		if (strncmp(f[0], "video/", 6) == 0)
			video++;
	}
	free(tsv);
	ck_assert_uint_eq(stills, 8);
	ck_assert_uint_eq(video, 7);
	ck_assert_uint_ge(rows, 15);
}
END_TEST

START_TEST(test_by_extension)
{
	static const struct {
		const char	*path;
		const char	*mime;
	} files[] = {
		{ "stills/Apple.jpg",		"image/jpeg" },
		{ "stills/HTC_Desire.jpg",	"image/jpeg" },
		{ "stills/DNG.dng",		"image/tiff" },
		{ "stills/ExifTool.tif",	"image/tiff" },
		{ "video/with-gps.mp4",		"video/mp4" },
		{ "video/QuickTime.mov",	"video/quicktime" },
		{ "video/with-gps.mov",		"video/quicktime" },
		{ "video/sample.3gp",		"video/3gpp" },
		{ "video/RIFF.avi",		"video/x-msvideo" },
		{ "video/Pentax.avi",		"video/x-msvideo" },
		{ "video/Matroska.mkv",		"video/x-matroska" },
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_str_eq(sniff_file(tu_data_path(files[i].path)),
		    files[i].mime);
}
END_TEST

/* --- synthetic ---------------------------------------------------------- */

static const char *
sniff(const void *h, size_t len)
{
	uint8_t *copy;
	const char *r;

	/* an exact-size copy, so that a read past len is caught by ASan */
	ck_assert_ptr_nonnull(copy = malloc(len ? len : 1));
	memcpy(copy, h, len);
	r = bc_media_sniff(copy, len);
	free(copy);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* An ISO BMFF 'ftyp' box of 20 bytes with brand b. */
static const char *
sniff_brand(const char *b)
{
	uint8_t h[20] = { 0, 0, 0, 20, 'f', 't', 'y', 'p' };

	memcpy(h + 8, b, 4);
	memset(h + 12, 0, 8);
	return sniff(h, sizeof(h));
}

START_TEST(test_bmff_brands)
{
	ck_assert_str_eq(sniff_brand("isom"), "video/mp4");
	ck_assert_str_eq(sniff_brand("mp42"), "video/mp4");
	ck_assert_str_eq(sniff_brand("qt  "), "video/quicktime");
	ck_assert_str_eq(sniff_brand("3gp4"), "video/3gpp");
	ck_assert_str_eq(sniff_brand("3gp5"), "video/3gpp");
	ck_assert_str_eq(sniff_brand("3g2a"), "video/3gpp2");
	ck_assert_str_eq(sniff_brand("M4V "), "video/x-m4v");
	ck_assert_str_eq(sniff_brand("M4A "), "audio/mp4");
	ck_assert_str_eq(sniff_brand("heic"), "image/heic");
	ck_assert_str_eq(sniff_brand("mif1"), "image/heic");
}
END_TEST

START_TEST(test_other_magic)
{
	static const uint8_t jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
	static const uint8_t tiff_le[] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
	static const uint8_t tiff_be[] = { 'M', 'M', 0, 42, 0, 0, 0, 8 };
	static const uint8_t ebml_mkv[] = { 0x1a, 0x45, 0xdf, 0xa3, 0x9f,
	    0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88, 'm', 'a', 't', 'r',
	    'o', 's', 'k', 'a' };
	static const uint8_t ebml_webm[] = { 0x1a, 0x45, 0xdf, 0xa3, 0x9f,
	    0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, 'w', 'e', 'b', 'm' };
	static const uint8_t qt_moov[] = { 0, 0, 0, 8, 'm', 'o', 'o', 'v' };
	static const uint8_t qt_wide[] = { 0, 0, 0, 8, 'w', 'i', 'd', 'e' };

	ck_assert_str_eq(sniff(jpeg, sizeof(jpeg)), "image/jpeg");
	ck_assert_str_eq(sniff(tiff_le, sizeof(tiff_le)), "image/tiff");
	ck_assert_str_eq(sniff(tiff_be, sizeof(tiff_be)), "image/tiff");
	ck_assert_str_eq(sniff("RIFF\x10\0\0\0AVI LIST", 16),
	    "video/x-msvideo");
	ck_assert_str_eq(sniff("RIFF\x10\0\0\0WAVEfmt ", 16), "audio/x-wav");
	ck_assert_str_eq(sniff("RIFF\x10\0\0\0WEBPVP8 ", 16),
	    "application/octet-stream");
	ck_assert_str_eq(sniff(ebml_mkv, sizeof(ebml_mkv)),
	    "video/x-matroska");
	ck_assert_str_eq(sniff(ebml_webm, sizeof(ebml_webm)), "video/webm");
	ck_assert_str_eq(sniff(qt_moov, sizeof(qt_moov)), "video/quicktime");
	ck_assert_str_eq(sniff(qt_wide, sizeof(qt_wide)), "video/quicktime");
}
END_TEST

START_TEST(test_transport_streams)
{
	uint8_t h[192 * 4];
	size_t i;

	memset(h, 0xaa, sizeof(h));
	for (i = 0; i + 188 <= sizeof(h); i += 188)
		h[i] = 0x47;
	ck_assert_str_eq(sniff(h, 188 * 4), "video/MP2T");

	/* M2TS: a 4-byte timestamp before each 188-byte packet */
	memset(h, 0xaa, sizeof(h));
	for (i = 4; i < sizeof(h); i += 192)
		h[i] = 0x47;
	ck_assert_str_eq(sniff(h, sizeof(h)), "video/MP2T");

	/* one sync byte out of place is not a stream */
	h[4 + 192 * 2] = 0x46;
	ck_assert_str_eq(sniff(h, sizeof(h)), "application/octet-stream");
	/* nor are too few packets to tell */
	memset(h, 0xaa, sizeof(h));
	h[0] = h[188] = 0x47;
	ck_assert_str_eq(sniff(h, 188 * 2), "application/octet-stream");
}
END_TEST

START_TEST(test_short_and_unknown)
{
	static const uint8_t jpeg[] = { 0xff, 0xd8, 0xff };
	static const uint8_t ftyp_small[] = { 0, 0, 0, 8, 'f', 't', 'y', 'p',
	    'i', 's', 'o', 'm' };

	ck_assert_str_eq(sniff("", 0), "application/x-empty");
	ck_assert_str_eq(bc_media_sniff(NULL, 0), "application/x-empty");
	ck_assert_str_eq(sniff(jpeg, 3), "image/jpeg");
	ck_assert_str_eq(sniff(jpeg, 2), "application/octet-stream");
	ck_assert_str_eq(sniff(jpeg, 1), "application/octet-stream");
	ck_assert_str_eq(sniff("II*", 3), "application/octet-stream");
	ck_assert_str_eq(sniff("RIFF\0\0\0\0AVI", 11),
	    "application/octet-stream");
	ck_assert_str_eq(sniff("\0\0\0\x14" "ftypiso", 11),
	    "application/octet-stream");
	/* a box length too small for its own brand is not trusted */
	ck_assert_str_eq(sniff(ftyp_small, sizeof(ftyp_small)),
	    "application/octet-stream");
	ck_assert_str_eq(sniff("hello, world", 12),
	    "application/octet-stream");
	/* the name says .jpg, the content says otherwise */
	ck_assert_str_eq(sniff_file(tu_data_path("bad/empty.jpg")),
	    "application/x-empty");
}
END_TEST

static Suite *
media_suite(void)
{
	Suite *s = suite_create("media");
	TCase *tc;

	tc = tu_tcase(s, "corpus", NULL, NULL);
	tcase_add_test(tc, test_manifest_tsv);
	tcase_add_test(tc, test_by_extension);

	tc = tu_tcase(s, "synthetic", NULL, NULL);
	tcase_add_test(tc, test_bmff_brands);
	tcase_add_test(tc, test_other_magic);
	tcase_add_test(tc, test_transport_streams);
	tcase_add_test(tc, test_short_and_unknown);
	return s;
}

int
main(void)
{
	return tu_run_suite(media_suite());
}
