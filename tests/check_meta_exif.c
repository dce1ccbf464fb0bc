/*
 * check_meta_exif.c - the EXIF reader (meta-exif.c).  Every still in
 * tests/data, and every still of the whole corpus when it is there,
 * against what exiftool says in MANIFEST.tsv; the files in bad/,
 * truncations and bit flips of good stills; and EXIF blocks built here
 * for the conversions (GPS rationals, altitude, times, strings) and their
 * edges, in both byte orders.
 *
 * The whole corpus is $BODYCAM_CORPUS, else ../shared/corpus (from the
 * repository root, where make runs the suites); without it those loops
 * say so and are skipped.  The tests/data ones always run.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "bodycam/meta.h"
#include "testutil.h"

/* --- running the reader ------------------------------------------------- */

struct res {
	json_t	*media;
	json_t	*capture;
	json_t	*warnings;
};

static void
res_new(struct res *r)
{
	ck_assert_ptr_nonnull(r->media = json_object());
	ck_assert_ptr_nonnull(r->capture = json_object());
	ck_assert_ptr_nonnull(r->warnings = json_array());
}

static void
res_free(struct res *r)
{
	json_decref(r->media);
	json_decref(r->capture);
	json_decref(r->warnings);
	memset(r, 0, sizeof(*r));
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *
gps(const struct res *r, const char *key)
{
	return str(json_object_get(r->capture, "gps"), key);
}

static json_int_t
num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* Whether a warning contains needle. */
static int
warned(const struct res *r, const char *needle)
{
	size_t i;

	for (i = 0; i < json_array_size(r->warnings); i++)
		if (tu_contains(json_string_value(json_array_get(r->warnings,
		    i)), needle))
			return 1;
	return 0;
}

/* All warnings, for messages. */
static const char *
warnings_str(const struct res *r)
{
	static char buf[2048];
	char *s = json_dumps(r->warnings, JSON_COMPACT);

	snprintf(buf, sizeof(buf), "%s", s != NULL ? s : "?");
	free(s);
	return buf;
}

/* s is digits (at least one), a dot and exactly d digits, maybe signed. */
static int
decimal_shape(const char *s, int d)
{
	int n = 0;

	if (s == NULL)
		return 0;
	if (*s == '-')
		s++;
	while (*s >= '0' && *s <= '9')
		s++, n++;
	if (n == 0 || *s++ != '.')
		return 0;
	for (n = 0; *s >= '0' && *s <= '9'; s++)
		n++;
	return n == d && *s == '\0';
}

static int
time_shape(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	if (s == NULL || strlen(s) < sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    s[i] != shape[i])
			return 0;
	s += i;
	if (*s == '\0')
		return 1;
	return (s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == ':' && s[4] >= '0' &&
	    s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && s[6] == '\0';
}

/*
 * What any output must look like, whatever the input: only the members
 * meta.h names, with their types and shapes.
 */
static void
check_shape(const struct res *r)
{
	static const char *const cap_str[] = { "make", "model", "serial",
	    "software", "unique_id" };
	const char *key, *s;
	json_t *v;
	size_t i;

	json_object_foreach(r->media, key, v) {
		if (strcmp(key, "container") == 0)
			ck_assert(strcmp(json_string_value(v), "jpeg") == 0 ||
			    strcmp(json_string_value(v), "tiff") == 0);
		else if (strcmp(key, "width") == 0 ||
		    strcmp(key, "height") == 0)
			ck_assert(json_is_integer(v) &&
			    json_integer_value(v) > 0);
		else
			ck_abort_msg("unexpected media.%s", key);
	}
	json_object_foreach(r->capture, key, v) {
		for (i = 0; i < sizeof(cap_str) / sizeof(cap_str[0]); i++)
			if (strcmp(key, cap_str[i]) == 0)
				break;
		if (i < sizeof(cap_str) / sizeof(cap_str[0])) {
			ck_assert_msg(json_is_string(v), "capture.%s", key);
			s = json_string_value(v);
			ck_assert(*s != '\0' && strlen(s) <=
			    BC_META_STRING_MAX);
		} else if (strcmp(key, "taken") == 0)
			ck_assert_msg(time_shape(json_string_value(v)),
			    "taken %s", json_string_value(v));
		else if (strcmp(key, "orientation") == 0)
			ck_assert(json_integer_value(v) >= 1 &&
			    json_integer_value(v) <= 8);
		else if (strcmp(key, "gps") == 0) {
			ck_assert(decimal_shape(str(v, "lat"), 6));
			ck_assert(decimal_shape(str(v, "lon"), 6));
			ck_assert(json_object_get(v, "alt_m") == NULL ||
			    decimal_shape(str(v, "alt_m"), 1));
			ck_assert_uint_le(json_object_size(v), 3);
		} else
			ck_abort_msg("unexpected capture.%s", key);
	}
	ck_assert_uint_le(json_array_size(r->warnings), BC_META_WARNINGS_MAX);
	for (i = 0; i < json_array_size(r->warnings); i++)
		ck_assert(json_is_string(json_array_get(r->warnings, i)));
}

static void
run_file(const char *path, struct res *r)
{
	res_new(r);
	bc_meta_exif_file(path, r->media, r->capture, r->warnings);
	check_shape(r);
}

/* On an exact-size copy, so that ASan sees a read past len. */
static void
run_data(const void *d, size_t len, struct res *r)
{
	unsigned char *copy;

	ck_assert_ptr_nonnull(copy = malloc(len > 0 ? len : 1));
	if (len > 0)
		memcpy(copy, d, len);
	res_new(r);
	bc_meta_exif_data(copy, len, r->media, r->capture, r->warnings);
	free(copy);
	check_shape(r);
}

/* --- building EXIF blocks ----------------------------------------------- */

enum { IFD0, IFDEXIF, IFDGPS };
enum { T_BYTE = 1, T_ASCII = 2, T_SHORT = 3, T_LONG = 4, T_RATIONAL = 5,
    T_UNDEF = 7 };

struct tag {
	int		 ifd;
	uint16_t	 tag;
	uint16_t	 type;
	uint32_t	 count;
	const void	*val;	/* bytes; uint16_t[], uint32_t[]; for a
				   rational, numerator and denominator */
};

#define ASCII(ifd, t, s)	{ ifd, t, T_ASCII, sizeof(s), s }

static void
put16(unsigned char *p, unsigned v, int be)
{
	p[be ? 0 : 1] = (v >> 8) & 0xff;
	p[be ? 1 : 0] = v & 0xff;
}

static void
put32(unsigned char *p, uint32_t v, int be)
{
	int i;

	for (i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (v >> (8 * i)) & 0xff;
}

static size_t
type_size(unsigned type)
{
	switch (type) {
	case T_SHORT:
		return 2;
	case T_LONG:
		return 4;
	case T_RATIONAL:
		return 8;
	default:
		return 1;
	}
}

/*
 * A TIFF structure (after "Exif\0\0" when header) with IFD0, and an EXIF
 * and a GPS IFD when tags go there, into buf; returns its length.
 */
static size_t
build(unsigned char *buf, size_t cap, int be, int header,
    const struct tag *t, size_t n)
{
	size_t base = header ? 6 : 0, cnt[3] = { 0, 0, 0 }, e[3] = { 0, 0, 0 };
	size_t off[3], data, i, j, sz, n0;
	unsigned char *p, *ent, *dst;

	for (i = 0; i < n; i++)
		cnt[t[i].ifd]++;
	n0 = cnt[0] + (cnt[1] > 0) + (cnt[2] > 0);
	off[0] = 8;
	off[1] = off[0] + 2 + 12 * n0 + 4;
	off[2] = off[1] + (cnt[1] ? 2 + 12 * cnt[1] + 4 : 0);
	data = off[2] + (cnt[2] ? 2 + 12 * cnt[2] + 4 : 0);
	ck_assert_uint_le(base + data, cap);
	memset(buf, 0, cap);
	if (header)
		memcpy(buf, "Exif\0\0", 6);
	p = buf + base;
	p[0] = p[1] = be ? 'M' : 'I';
	put16(p + 2, 42, be);
	put32(p + 4, 8, be);
	put16(p + off[0], (unsigned)n0, be);
	put16(p + off[1], (unsigned)cnt[1], be);
	put16(p + off[2], (unsigned)cnt[2], be);
	for (i = 0; i < n; i++) {
		ent = p + off[t[i].ifd] + 2 + 12 * e[t[i].ifd]++;
		put16(ent, t[i].tag, be);
		put16(ent + 2, t[i].type, be);
		put32(ent + 4, t[i].count, be);
		sz = type_size(t[i].type) * t[i].count;
		if (sz <= 4)
			dst = ent + 8;
		else {
			ck_assert_uint_le(base + data + sz, cap);
			put32(ent + 8, (uint32_t)data, be);
			dst = p + data;
			data += (sz + 1) & ~(size_t)1;
		}
		for (j = 0; j < t[i].count; j++)
			switch (t[i].type) {
			case T_SHORT:
				put16(dst + 2 * j,
				    ((const uint16_t *)t[i].val)[j], be);
				break;
			case T_LONG:
				put32(dst + 4 * j,
				    ((const uint32_t *)t[i].val)[j], be);
				break;
			case T_RATIONAL:
				put32(dst + 8 * j,
				    ((const uint32_t *)t[i].val)[2 * j], be);
				put32(dst + 8 * j + 4,
				    ((const uint32_t *)t[i].val)[2 * j + 1],
				    be);
				break;
			default:
				dst[j] = ((const unsigned char *)t[i].val)[j];
				break;
			}
	}
	if (cnt[1] > 0) {
		ent = p + off[0] + 2 + 12 * e[0]++;
		put16(ent, 0x8769, be);
		put16(ent + 2, T_LONG, be);
		put32(ent + 4, 1, be);
		put32(ent + 8, (uint32_t)off[1], be);
	}
	if (cnt[2] > 0) {
		ent = p + off[0] + 2 + 12 * e[0]++;
		put16(ent, 0x8825, be);
		put16(ent + 2, T_LONG, be);
		put32(ent + 4, 1, be);
		put32(ent + 8, (uint32_t)off[2], be);
	}
	return base + data;
}

static void
run_tags(int be, const struct tag *t, size_t n, struct res *r)
{
	unsigned char buf[4096];

	run_data(buf, build(buf, sizeof(buf), be, 1, t, n), r);
}

/* A JPEG of the given segments (marker, payload) around an image. */
static void
write_jpeg(const char *path, const unsigned char *const *seg,
    const size_t *len, const unsigned *marker, size_t n)
{
	static const unsigned char soi[] = { 0xff, 0xd8 };
	static const unsigned char sos[] = { 0xff, 0xda, 0, 2, 0xaa, 0xbb,
	    0xff, 0xd9 };
	unsigned char h[4];
	size_t i;

	ck_assert_int_eq(tu_write_file(path, soi, sizeof(soi)), 0);
	for (i = 0; i < n; i++) {
		h[0] = 0xff;
		h[1] = marker[i];
		h[2] = ((len[i] + 2) >> 8) & 0xff;
		h[3] = (len[i] + 2) & 0xff;
		ck_assert_int_eq(tu_append_file(path, h, 4), 0);
		ck_assert_int_eq(tu_append_file(path, seg[i], len[i]), 0);
	}
	ck_assert_int_eq(tu_append_file(path, sos, sizeof(sos)), 0);
}

/* --- the manifest ------------------------------------------------------- */

enum { F_PATH, F_BYTES, F_SHA, F_TYPE, F_MAKE, F_MODEL, F_DATE, F_LAT,
    F_LON, F_DUR, F_W, F_H, F_SRC, F_DATESRC, F_EXIFDIMS, F_NFIELDS = 18 };

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * The EXIF reader on path against its MANIFEST row f: make, model,
 * DateTimeOriginal, GPS, the declared size and the container as exiftool
 * has them; absent where it has nothing.  The exceptions are explained
 * where they are made.
 */
static void
check_row(const char *path, char **f)
{
	char want[32], dims[32];
	const char *taken;
	struct res r;
	int valid_date;

	run_file(path, &r);

	if (*f[F_MAKE] != '\0')
		ck_assert_msg(str(r.capture, "make") != NULL &&
		    strcmp(str(r.capture, "make"), f[F_MAKE]) == 0,
		    "%s: make %s, want %s", f[F_PATH],
		    str(r.capture, "make"), f[F_MAKE]);
	else
		ck_assert_ptr_null(str(r.capture, "make"));
	if (*f[F_MODEL] != '\0')
		ck_assert_msg(str(r.capture, "model") != NULL &&
		    strcmp(str(r.capture, "model"), f[F_MODEL]) == 0,
		    "%s: model %s, want %s", f[F_PATH],
		    str(r.capture, "model"), f[F_MODEL]);
	else
		ck_assert_ptr_null(str(r.capture, "model"));

	/*
	 * "YYYY:MM:DD HH:MM:SS" as stored; taken has '-' and 'T', and the
	 * OffsetTimeOriginal when there is one (which MANIFEST does not
	 * show: Google.jpg's is checked in test_data_specifics).  A stored
	 * "0000:00:00 00:00:00" (olympus_makernote_variant_4.jpg) is no
	 * time: no taken, and a warning.
	 */
	taken = str(r.capture, "taken");
	valid_date = *f[F_DATE] != '\0' && strncmp(f[F_DATE], "0000", 4) != 0;
	if (valid_date) {
		ck_assert_uint_eq(strlen(f[F_DATE]), 19);
		memcpy(want, f[F_DATE], 19);
		want[4] = want[7] = '-';
		want[10] = 'T';
		want[19] = '\0';
		ck_assert_msg(taken != NULL && strncmp(taken, want, 19) == 0,
		    "%s: taken %s, want %s", f[F_PATH], taken, want);
	} else
		ck_assert_msg(taken == NULL, "%s: taken %s", f[F_PATH], taken);
	if (*f[F_DATE] != '\0' && !valid_date)
		ck_assert_msg(warned(&r, "DateTimeOriginal"), "%s: %s",
		    f[F_PATH], warnings_str(&r));

	if (*f[F_LAT] != '\0') {
		ck_assert_msg(gps(&r, "lat") != NULL &&
		    strcmp(gps(&r, "lat"), f[F_LAT]) == 0,
		    "%s: lat %s, want %s", f[F_PATH], gps(&r, "lat"),
		    f[F_LAT]);
		ck_assert_msg(gps(&r, "lon") != NULL &&
		    strcmp(gps(&r, "lon"), f[F_LON]) == 0,
		    "%s: lon %s, want %s", f[F_PATH], gps(&r, "lon"),
		    f[F_LON]);
	} else
		ck_assert_ptr_null(json_object_get(r.capture, "gps"));

	/*
	 * The declared size is EXIF's PixelX/YDimension (exif_pixel_dims).
	 * A TIFF without them declares IFD0's ImageWidth/ImageLength: for
	 * ExifTool.tif that is its image (the width/height columns); but
	 * DNG.dng's IFD0 is an 8x8 preview (NewSubfileType 1) and its raw
	 * 3516x2328 image is in a SubIFD libexif does not read, so no size.
	 */
	if (*f[F_EXIFDIMS] != '\0') {
		snprintf(dims, sizeof(dims), "%lldx%lld",
		    (long long)num(r.media, "width"),
		    (long long)num(r.media, "height"));
		ck_assert_msg(strcmp(dims, f[F_EXIFDIMS]) == 0,
		    "%s: %s, want %s", f[F_PATH], dims, f[F_EXIFDIMS]);
	} else if (ends_with(f[F_PATH], ".tif")) {
		ck_assert_int_eq(num(r.media, "width"), atoll(f[F_W]));
		ck_assert_int_eq(num(r.media, "height"), atoll(f[F_H]));
	} else
		ck_assert_ptr_null(json_object_get(r.media, "width"));

	ck_assert_str_eq(str(r.media, "container"),
	    ends_with(f[F_PATH], ".jpg") ? "jpeg" : "tiff");
	/* a good still gives no warning but for a time that is none */
	ck_assert_msg(json_array_size(r.warnings) == (*f[F_DATE] != '\0' &&
	    !valid_date ? 1u : 0u), "%s: %s", f[F_PATH], warnings_str(&r));
	res_free(&r);
}

/*
 * Runs check_row on every row of dir/MANIFEST.tsv under one of the
 * prefixes whose content is an image; returns how many.
 */
static size_t
check_manifest(const char *dir, const char *const *prefix, size_t nprefix)
{
	char *tsv, *line, *save = NULL, *f[F_NFIELDS], path[PATH_MAX];
	size_t len, n, i, rows = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	ck_assert_ptr_nonnull(tsv = tu_read_file(path, &len));
	line = strtok_r(tsv, "\n", &save);
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(tu_split_tsv(line, f, F_NFIELDS), F_NFIELDS);
	ck_assert_str_eq(f[F_MAKE], "make");
	ck_assert_str_eq(f[F_LAT], "gps_lat");
	ck_assert_str_eq(f[F_EXIFDIMS], "exif_pixel_dims");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		if ((n = tu_split_tsv(line, f, F_NFIELDS)) < F_EXIFDIMS + 1 ||
		    strncmp(f[F_TYPE], "image/", 6) != 0)
			continue;
		for (i = 0; i < nprefix; i++)
			if (strncmp(f[F_PATH], prefix[i],
			    strlen(prefix[i])) == 0)
				break;
		if (i == nprefix)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, f[F_PATH]);
		check_row(path, f);
		rows++;
	}
	free(tsv);
	return rows;
}

/* The whole corpus, or NULL (saying so) when it is not there. */
static const char *
corpus_dir(void)
{
	static char dir[PATH_MAX];
	const char *d = getenv("BODYCAM_CORPUS");
	char m[PATH_MAX + 16];

	if (d == NULL || *d == '\0')
		d = "../shared/corpus";
	snprintf(m, sizeof(m), "%s/MANIFEST.tsv", d);
	if (access(m, R_OK) != 0) {
		printf("check_meta_exif: no corpus at %s (set "
		    "BODYCAM_CORPUS): whole-corpus loops skipped\n", d);
		fflush(stdout);
		return NULL;
	}
	snprintf(dir, sizeof(dir), "%s", d);
	return dir;
}

/* --- corpus ------------------------------------------------------------- */

START_TEST(test_data_stills)
{
	static const char *const prefix[] = { "stills/",
	    "libexif-testdata/" };

	/* the 8 stills copied into tests/data */
	ck_assert_uint_eq(check_manifest(tu_data_dir(), prefix, 2), 8);
}
END_TEST

START_TEST(test_corpus_stills)
{
	static const char *const prefix[] = { "stills/",
	    "libexif-testdata/" };
	const char *dir;

	if ((dir = corpus_dir()) == NULL)
		return;
	/*
	 * 18 stills (15 ExifTool JPEGs, HTC_Desire.jpg, a TIFF and a DNG)
	 * and 9 libexif test JPEGs (the corpus README's source table says
	 * 8; its file list and MANIFEST.tsv have 9)
	 */
	ck_assert_uint_eq(check_manifest(dir, prefix, 2), 27);
}
END_TEST

/* What MANIFEST.tsv has no column for, from the bytes of the files. */
START_TEST(test_data_specifics)
{
	struct res r;

	/* Apple: 13822/191 m above sea level = 72.366..., N and W */
	run_file(tu_data_path("stills/Apple.jpg"), &r);
	ck_assert_str_eq(gps(&r, "alt_m"), "72.4");
	ck_assert_str_eq(str(r.capture, "software"), "10.0.2");
	ck_assert_int_eq(num(r.capture, "orientation"), 1);
	ck_assert_ptr_null(json_object_get(r.capture, "serial"));
	res_free(&r);

	/* GoPro: BodySerialNumber; 3983/1000 m with GPSAltitudeRef 1 */
	run_file(tu_data_path("stills/GoPro.jpg"), &r);
	ck_assert_str_eq(str(r.capture, "serial"), "C3221324657219");
	ck_assert_str_eq(gps(&r, "alt_m"), "-4.0");
	ck_assert_str_eq(str(r.capture, "software"), "HD6.01.01.51.00");
	res_free(&r);

	/* GPS.jpg: decimal minutes and 0/1 seconds; no altitude */
	run_file(tu_data_path("stills/GPS.jpg"), &r);
	ck_assert_ptr_null(gps(&r, "alt_m"));
	ck_assert_str_eq(str(r.capture, "software"), "Adobe Photoshop 7.0");
	res_free(&r);

	run_file(tu_data_path("stills/HTC_Desire.jpg"), &r);
	ck_assert_str_eq(gps(&r, "alt_m"), "217.0");
	ck_assert_int_eq(num(r.media, "width"), 776);
	res_free(&r);

	run_file(tu_data_path("stills/Ricoh2.jpg"), &r);
	ck_assert_str_eq(gps(&r, "alt_m"), "117.0");
	res_free(&r);

	/* DNG: CameraSerialNumber (0xc62f); EXIF DateTimeOriginal has no
	 * offset (the -04:00 is XMP's, which is not read) */
	run_file(tu_data_path("stills/DNG.dng"), &r);
	ck_assert_str_eq(str(r.capture, "serial"), "012345678");
	ck_assert_str_eq(str(r.capture, "taken"), "2005-08-03T18:59:18");
	ck_assert_str_eq(str(r.media, "container"), "tiff");
	res_free(&r);

	run_file(tu_data_path("stills/ExifTool.tif"), &r);
	ck_assert_str_eq(str(r.capture, "software"), "GraphicConverter");
	ck_assert_ptr_null(json_object_get(r.capture, "taken"));
	res_free(&r);
}
END_TEST

START_TEST(test_corpus_specifics)
{
	char path[PATH_MAX];
	const char *dir;
	struct res r;

	if ((dir = corpus_dir()) == NULL)
		return;
	/* OffsetTimeOriginal "+02:00" */
	snprintf(path, sizeof(path), "%s/stills/Google.jpg", dir);
	run_file(path, &r);
	ck_assert_str_eq(str(r.capture, "taken"),
	    "2023-10-06T22:53:51+02:00");
	ck_assert_str_eq(gps(&r, "alt_m"), "634.0");
	res_free(&r);

	snprintf(path, sizeof(path), "%s/stills/Pentax.jpg", dir);
	run_file(path, &r);
	ck_assert_int_eq(num(r.capture, "orientation"), 8);
	res_free(&r);

	/* ImageUniqueID; ExifVersion stored as ASCII does not matter */
	snprintf(path, sizeof(path), "%s/stills/FLIR.jpg", dir);
	run_file(path, &r);
	ck_assert_str_eq(str(r.capture, "unique_id"),
	    "72AE2CD63D6C4AE1678418BE48230029");
	ck_assert_uint_eq(json_array_size(r.warnings), 0);
	res_free(&r);

	snprintf(path, sizeof(path),
	    "%s/libexif-testdata/canon_makernote_variant_1.jpg", dir);
	run_file(path, &r);
	ck_assert_int_eq(num(r.capture, "orientation"), 6);
	res_free(&r);
}
END_TEST

/* --- malformed ---------------------------------------------------------- */

/* Damage shows: a warning, or nothing read. */
static void
check_bad(const char *path, struct res *r)
{
	run_file(path, r);
	ck_assert_msg(json_array_size(r->warnings) > 0 ||
	    json_object_size(r->capture) == 0, "%s: no warning", path);
}

static size_t
check_bad_dir(const char *dir, const char *only_ext)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct res r;
	size_t n = 0;
	DIR *d;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (only_ext != NULL &&
		    !ends_with(de->d_name, only_ext)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		check_bad(path, &r);
		res_free(&r);
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(test_data_bad)
{
	struct res r;

	/* every file there, the MP4s included */
	ck_assert_uint_ge(check_bad_dir(tu_data_path("bad"), NULL), 9);

	/*
	 * The APP1 segment says 2102 bytes, the file ends after 600: what
	 * is there is read (IFD0's Make and Model fit), with warnings.
	 * exiftool reports nothing for this file ("JPEG format error").
	 */
	check_bad(tu_data_path("bad/Apple_trunc600.jpg"), &r);
	ck_assert(warned(&r, "truncated"));
	ck_assert(warned(&r, "damaged"));
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	ck_assert_ptr_null(json_object_get(r.capture, "taken"));
	res_free(&r);

	/* IFD1 pointing back at IFD0: read once, as MANIFEST has it */
	check_bad(tu_data_path("bad/Canon_ifd0_loop.jpg"), &r);
	ck_assert_str_eq(str(r.capture, "make"), "Canon");
	ck_assert_str_eq(str(r.capture, "taken"), "2003-12-04T06:46:52");
	ck_assert(warned(&r, "multiple times"));
	res_free(&r);

	/*
	 * IFD0 claims 65292 entries.  exiftool drops the whole IFD ("Bad
	 * IFD0 directory": MANIFEST has no make, model or GPS); libexif
	 * loads the entries that fit in the segment, the 12 real ones
	 * among them, so the original's values come back, with a warning.
	 */
	check_bad(tu_data_path("bad/GoPro_ifd0_count_flip.jpg"), &r);
	ck_assert(warned(&r, "Short data"));
	ck_assert_str_eq(str(r.capture, "make"), "GoPro");
	ck_assert_str_eq(gps(&r, "lat"), "40.658419");
	res_free(&r);

	/* the GPS IFD pointer points past the end: no GPS, the rest read */
	check_bad(tu_data_path("bad/Ricoh2_gpsptr_corrupt.jpg"), &r);
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	ck_assert_str_eq(str(r.capture, "model"), "Caplio Pro G3");
	ck_assert(warned(&r, "past end"));
	res_free(&r);

	check_bad(tu_data_path("bad/empty.jpg"), &r);
	ck_assert(warned(&r, "empty"));
	ck_assert_uint_eq(json_object_size(r.media), 0);
	res_free(&r);

	check_bad(tu_data_path("bad/jpeg_header_garbage.jpg"), &r);
	ck_assert_uint_eq(json_object_size(r.capture), 0);
	ck_assert(warned(&r, "no readable tags"));
	res_free(&r);

	check_bad(tu_data_path("bad/with-gps_trunc_no_moov.mp4"), &r);
	ck_assert(warned(&r, "neither JPEG nor TIFF"));
	res_free(&r);
}
END_TEST

START_TEST(test_corpus_bad)
{
	char dir[PATH_MAX];
	const char *c;

	if ((c = corpus_dir()) == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/bad", c);
	ck_assert_uint_ge(check_bad_dir(dir, ".jpg"), 6);
}
END_TEST

/* Where "Exif\0\0" starts in a JPEG, and the APP1 payload length. */
static size_t
exif_segment(const unsigned char *f, size_t len, size_t *seglen)
{
	size_t i;

	for (i = 2; i + 10 < len; i++)
		if (memcmp(f + i, "Exif\0\0", 6) == 0 && f[i - 4] == 0xff &&
		    f[i - 3] == 0xe1) {
			*seglen = ((size_t)f[i - 2] << 8 | f[i - 1]) - 2;
			ck_assert_uint_le(i + *seglen, len);
			return i;
		}
	ck_abort_msg("no EXIF segment");
	return 0;
}

START_TEST(test_truncations)
{
	static const char *const jpegs[] = { "stills/Apple.jpg",
	    "stills/GoPro.jpg" };
	static const char *const tiffs[] = { "stills/ExifTool.tif",
	    "stills/DNG.dng" };
	unsigned char *f;
	size_t len, l, i, seg, seglen;
	struct res r;
	char p[PATH_MAX];

	/* a copy: tu_path's buffers are reused by tu_data_path */
	snprintf(p, sizeof(p), "%s", tu_path("t"));

	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(f = (unsigned char *)tu_read_file(
		    tu_data_path(jpegs[i]), &len));
		seg = exif_segment(f, len, &seglen);
		/* the file, cut at every length: warned until the EXIF
		 * segment is whole */
		for (l = 0; l <= len; l++) {
			ck_assert_int_eq(tu_write_file(p, f, l), 0);
			run_file(p, &r);
			if (l < seg + seglen)
				ck_assert_msg(json_array_size(r.warnings) > 0,
				    "%s cut at %zu: no warning", jpegs[i], l);
			res_free(&r);
		}
		/* its EXIF block, cut at every length */
		for (l = 0; l <= seglen; l++) {
			run_data(f + seg, l, &r);
			res_free(&r);
		}
		free(f);
	}
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(f = (unsigned char *)tu_read_file(
		    tu_data_path(tiffs[i]), &len));
		for (l = 0; l <= len; l++) {
			run_data(f, l, &r);
			res_free(&r);
		}
		for (l = 0; l <= len; l += 61) {
			ck_assert_int_eq(tu_write_file(p, f, l), 0);
			run_file(p, &r);
			res_free(&r);
		}
		free(f);
	}
}
END_TEST

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

START_TEST(test_bitflips)
{
	static const char *const files[] = { "stills/Apple.jpg",
	    "stills/GoPro.jpg", "stills/Ricoh2.jpg", "stills/DNG.dng",
	    "stills/ExifTool.tif" };
	unsigned char *f, *b;
	size_t len, seg, seglen, i, k, j, n;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	struct res r;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", tu_path("f"));

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ck_assert_ptr_nonnull(f = (unsigned char *)tu_read_file(
		    tu_data_path(files[i]), &len));
		if (f[0] == 0xff)
			seg = exif_segment(f, len, &seglen);
		else {
			seg = 0;
			seglen = len;
		}
		ck_assert_ptr_nonnull(b = malloc(seglen));
		/* a few random bits anywhere in the block */
		for (k = 0; k < 400; k++) {
			memcpy(b, f + seg, seglen);
			n = 1 + xorshift(&s) % 4;
			for (j = 0; j < n; j++)
				b[xorshift(&s) % seglen] ^= 1u <<
				    (xorshift(&s) % 8);
			run_data(b, seglen, &r);
			res_free(&r);
		}
		/* every byte of the headers and IFD0, set to 0xff */
		for (k = 0; k < 400 && k < seglen; k++) {
			memcpy(b, f + seg, seglen);
			b[k] = 0xff;
			run_data(b, seglen, &r);
			res_free(&r);
		}
		/* and through the file reader, a few times */
		for (k = 0; k < 20; k++) {
			memcpy(b, f + seg, seglen);
			b[xorshift(&s) % seglen] ^= 0x80;
			ck_assert_int_eq(tu_write_file(p, f, seg), 0);
			ck_assert_int_eq(tu_append_file(p, b, seglen), 0);
			ck_assert_int_eq(tu_append_file(p, f + seg + seglen,
			    len - seg - seglen), 0);
			run_file(p, &r);
			res_free(&r);
		}
		free(b);
		free(f);
	}
}
END_TEST

/*
 * From a descriptor: the file opened, even after another took its name
 * (register reads the metadata of the descriptor it hashed).
 */
START_TEST(test_from_fd)
{
	struct res r;
	json_t *all = NULL;
	int fd;

	fd = tu_open_replaced("stills/Canon.jpg", "stills/GoPro.jpg", "a.jpg");

	res_new(&r);
	bc_meta_exif_fd(fd, r.media, r.capture, r.warnings);
	check_shape(&r);
	ck_assert_str_eq(str(r.capture, "make"), "Canon");
	res_free(&r);
	ck_assert_int_eq(bc_meta_extract_fd(fd, "image/jpeg", NULL, &all,
	    NULL), 0);
	ck_assert_str_eq(str(json_object_get(all, "capture"), "make"),
	    "Canon");
	json_decref(all);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);

	run_file(tu_path("a.jpg"), &r);
	ck_assert_str_eq(str(r.capture, "make"), "GoPro");
	res_free(&r);
}
END_TEST

START_TEST(test_unreadable)
{
	char target[PATH_MAX];
	struct res r;

	run_file(tu_path("missing.jpg"), &r);
	ck_assert(warned(&r, "cannot open"));
	ck_assert_uint_eq(json_object_size(r.media), 0);
	res_free(&r);

	/* O_NOFOLLOW: a symbolic link is not followed */
	ck_assert_ptr_nonnull(realpath(tu_data_path("stills/Apple.jpg"),
	    target));
	ck_assert_int_eq(symlink(target, tu_path("link.jpg")), 0);
	run_file(tu_path("link.jpg"), &r);
	ck_assert(warned(&r, "cannot open"));
	ck_assert_uint_eq(json_object_size(r.capture), 0);
	res_free(&r);

	/* a directory is no file */
	run_file(tu_dir(), &r);
	ck_assert(warned(&r, "regular file"));
	res_free(&r);

	ck_assert_int_eq(tu_write_str(tu_path("text.jpg"), "hello"), 0);
	run_file(tu_path("text.jpg"), &r);
	ck_assert(warned(&r, "neither JPEG nor TIFF"));
	res_free(&r);

	ck_assert_int_eq(tu_write_file(tu_path("big.tif"), "II+\0\x08\0\0\0"
	    "\x10\0\0\0\0\0\0\0", 16), 0);
	run_file(tu_path("big.tif"), &r);
	ck_assert(warned(&r, "BigTIFF"));
	res_free(&r);
}
END_TEST

/* --- GPS ---------------------------------------------------------------- */

struct gps_case {
	const char	*latref;
	uint32_t	 lat[6];
	uint32_t	 latn;
	const char	*lonref;
	uint32_t	 lon[6];
	uint32_t	 lonn;
	const char	*want_lat;	/* NULL: no gps */
	const char	*want_lon;
	const char	*warn;		/* a warning that must come */
};

static const struct gps_case gps_cases[] = {
	/* Apple.jpg: 53/1 22/1 5825/100 N, 1/1 27/1 2404/100 W */
	{ "N", { 53, 1, 22, 1, 5825, 100 }, 3, "W", { 1, 1, 27, 1, 2404,
	    100 }, 3, "53.382847", "-1.456678", NULL },
	/* 53 + 22/60 + 58.05/3600 = 53.3827916...: not Apple's value */
	{ "N", { 53, 1, 22, 1, 5805, 100 }, 3, "E", { 0, 1, 0, 1, 0, 1 }, 3,
	    "53.382792", "0.000000", NULL },
	/* decimal minutes, 0/1 seconds (GPS.jpg) */
	{ "N", { 54, 1, 5938, 100, 0, 1 }, 3, "W", { 1, 1, 5485, 100, 0, 1 },
	    3, "54.989667", "-1.914167", NULL },
	/* seconds with 7 decimals (GoPro.jpg) */
	{ "N", { 40, 1, 39, 1, 303091199, 10000000 }, 3, "W", { 73, 1, 59, 1,
	    360754799, 10000000 }, 3, "40.658419", "-73.993354", NULL },
	/* exactly half a millionth: away from zero, either sign */
	{ "N", { 1000005, 10000000 }, 1, "W", { 1000005, 10000000 }, 1,
	    "0.100001", "-0.100001", NULL },
	{ "S", { 2000009, 20000000 }, 1, "E", { 0, 1, 0, 1, 18, 1 }, 3,
	    "-0.100000", "0.005000", NULL },
	/* half a millionth through the seconds: 0.0018/3600 = 0.0000005 */
	{ "S", { 0, 1, 0, 1, 18, 10000 }, 3, "E", { 0, 1, 0, 1, 17, 10000 },
	    3, "-0.000001", "0.000000", NULL },
	/* one value: decimal degrees; lower-case references */
	{ "s", { 40123456, 1000000 }, 1, "w", { 3714647, 1000000 }, 1,
	    "-40.123456", "-3.714647", NULL },
	/* two values: degrees and decimal minutes */
	{ "N", { 45, 1, 3004, 100 }, 2, "E", { 9, 1, 662, 100 }, 2,
	    "45.500667", "9.110333", NULL },
	/* the edges of the range */
	{ "S", { 90, 1, 0, 1, 0, 1 }, 3, "W", { 180, 1, 0, 1, 0, 1 }, 3,
	    "-90.000000", "-180.000000", NULL },
	/* zero at S/W has no sign */
	{ "S", { 0, 1, 0, 1, 0, 1 }, 3, "W", { 0, 1, 0, 1, 0, 1 }, 3,
	    "0.000000", "0.000000", NULL },
	/* minutes of 60 or more are added up as they are */
	{ "N", { 10, 1, 90, 1, 0, 1 }, 3, "E", { 10, 1, 0, 1, 7200, 1 }, 3,
	    "11.500000", "12.000000", NULL },
	/* zero denominators */
	{ "N", { 53, 1, 22, 1, 5825, 0 }, 3, "W", { 1, 1, 27, 1, 2404, 100 },
	    3, NULL, NULL, "zero denominator" },
	{ "N", { 53, 1, 22, 1, 5825, 100 }, 3, "W", { 0, 0, 27, 1, 2404,
	    100 }, 3, NULL, NULL, "zero denominator" },
	/* out of range */
	{ "N", { 90, 1, 0, 1, 1, 100 }, 3, "E", { 0, 1, 0, 1, 0, 1 }, 3,
	    NULL, NULL, "out of range" },
	{ "N", { 0, 1, 0, 1, 0, 1 }, 3, "E", { 180, 1, 0, 1, 1, 1 }, 3,
	    NULL, NULL, "out of range" },
	/* the range is that of the value kept: 180.00000008 is 180 */
	{ "N", { 0, 1, 0, 1, 0, 1 }, 3, "E", { 180, 1, 0, 1, 1, 3600 }, 3,
	    "0.000000", "180.000000", NULL },
	{ "N", { 4294967295u, 1, 0, 1, 0, 1 }, 3, "E", { 0, 1, 0, 1, 0, 1 },
	    3, NULL, NULL, "out of range" },
	/* denominators with no common factor: too big for 64 bits */
	{ "N", { 1, 4294967291u, 1, 4294967279u, 1, 4294967231u }, 3, "E",
	    { 0, 1, 0, 1, 0, 1 }, 3, NULL, NULL, "too large" },
	/* hemispheres */
	{ "X", { 1, 1, 0, 1, 0, 1 }, 3, "E", { 0, 1, 0, 1, 0, 1 }, 3,
	    NULL, NULL, "neither N nor S" },
	{ "N", { 1, 1, 0, 1, 0, 1 }, 3, "N", { 0, 1, 0, 1, 0, 1 }, 3,
	    NULL, NULL, "neither E nor W" },
	{ NULL, { 1, 1, 0, 1, 0, 1 }, 3, "E", { 0, 1, 0, 1, 0, 1 }, 3,
	    NULL, NULL, "hemisphere is unknown" },
	/* half a position */
	{ "N", { 1, 1, 0, 1, 0, 1 }, 3, NULL, { 0 }, 0, NULL, NULL,
	    "no longitude" },
	{ NULL, { 0 }, 0, "E", { 1, 1, 0, 1, 0, 1 }, 3, NULL, NULL,
	    "no latitude" },
	/* a reference without its value */
	{ "N", { 0 }, 0, "E", { 1, 1, 0, 1, 0, 1 }, 3, NULL, NULL,
	    "GPSLatitudeRef without GPSLatitude" },
};

static void
run_gps_case(const struct gps_case *c, int be, struct res *r)
{
	struct tag t[4];
	size_t n = 0;

	if (c->latref != NULL)
		t[n++] = (struct tag){ IFDGPS, 1, T_ASCII, 2, c->latref };
	if (c->latn > 0)
		t[n++] = (struct tag){ IFDGPS, 2, T_RATIONAL, c->latn,
		    c->lat };
	if (c->lonref != NULL)
		t[n++] = (struct tag){ IFDGPS, 3, T_ASCII, 2, c->lonref };
	if (c->lonn > 0)
		t[n++] = (struct tag){ IFDGPS, 4, T_RATIONAL, c->lonn,
		    c->lon };
	run_tags(be, t, n, r);
}

START_TEST(test_gps_coordinates)
{
	const struct gps_case *c;
	struct res r;
	size_t i;
	int be;

	for (i = 0; i < sizeof(gps_cases) / sizeof(gps_cases[0]); i++)
		for (be = 0; be < 2; be++) {
			c = &gps_cases[i];
			run_gps_case(c, be, &r);
			if (c->want_lat != NULL) {
				ck_assert_msg(gps(&r, "lat") != NULL &&
				    strcmp(gps(&r, "lat"), c->want_lat) == 0 &&
				    strcmp(gps(&r, "lon"), c->want_lon) == 0,
				    "case %zu: %s %s, want %s %s; %s", i,
				    gps(&r, "lat"), gps(&r, "lon"),
				    c->want_lat, c->want_lon,
				    warnings_str(&r));
				ck_assert_msg(json_array_size(r.warnings) == 0,
				    "case %zu: %s", i, warnings_str(&r));
			} else
				ck_assert_msg(json_object_get(r.capture,
				    "gps") == NULL, "case %zu: gps %s", i,
				    gps(&r, "lat"));
			if (c->warn != NULL)
				ck_assert_msg(warned(&r, c->warn),
				    "case %zu: %s", i, warnings_str(&r));
			res_free(&r);
		}
}
END_TEST

START_TEST(test_gps_formats)
{
	static const uint16_t shorts[3] = { 53, 22, 58 };
	static const uint32_t four[8] = { 53, 1, 22, 1, 58, 1, 0, 1 };
	static const uint32_t lon[6] = { 1, 1, 0, 1, 0, 1 };
	struct tag t[4] = {
		{ IFDGPS, 1, T_ASCII, 2, "N" },
		{ IFDGPS, 2, T_SHORT, 3, shorts },
		{ IFDGPS, 3, T_ASCII, 2, "E" },
		{ IFDGPS, 4, T_RATIONAL, 3, lon },
	};
	struct res r;

	/* latitude as shorts: not read */
	run_tags(0, t, 4, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	ck_assert(warned(&r, "not 3 rationals"));
	res_free(&r);

	/* four rationals */
	t[1] = (struct tag){ IFDGPS, 2, T_RATIONAL, 4, four };
	run_tags(1, t, 4, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	ck_assert(warned(&r, "not 3 rationals"));
	res_free(&r);

	/* a reference as a byte: still its first character */
	t[1] = (struct tag){ IFDGPS, 2, T_RATIONAL, 3, four };
	t[0] = (struct tag){ IFDGPS, 1, T_UNDEF, 1, "S" };
	run_tags(0, t, 4, &r);
	ck_assert_str_eq(gps(&r, "lat"), "-53.382778");
	res_free(&r);

	/* the GPS tags in IFD0 are not GPS tags */
	t[0].ifd = t[1].ifd = t[2].ifd = t[3].ifd = IFD0;
	run_tags(0, t, 4, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	res_free(&r);
}
END_TEST

START_TEST(test_gps_altitude)
{
	static const struct {
		uint32_t	 num, den;
		int		 ref;		/* -1: none */
		const char	*want;		/* NULL: none */
		const char	*warn;
	} cases[] = {
		{ 3983, 1000, 1, "-4.0", NULL },	/* GoPro.jpg */
		{ 13822, 191, 0, "72.4", NULL },	/* Apple.jpg */
		{ 63400, 100, 0, "634.0", NULL },
		{ 25, 100, 0, "0.3", NULL },		/* half: away */
		{ 25, 100, 1, "-0.3", NULL },
		{ 24, 100, 0, "0.2", NULL },
		{ 4, 100, 1, "0.0", NULL },		/* no "-0.0" */
		{ 5, 100, 1, "-0.1", NULL },
		{ 0, 1, 1, "0.0", NULL },
		{ 117, 1, -1, "117.0", NULL },		/* no ref: up */
		{ 4294967295u, 1, 0, "4294967295.0", NULL },
		{ 4294967295u, 4294967295u, 1, "-1.0", NULL },
		{ 1, 0, 0, NULL, "zero denominator" },
		{ 0, 0, 0, NULL, "zero denominator" },
		{ 100, 1, 2, NULL, "GPSAltitudeRef" },
		{ 100, 1, 255, NULL, "GPSAltitudeRef" },
	};
	static const uint32_t lat[6] = { 1, 1, 0, 1, 0, 1 };
	uint32_t alt[2];
	unsigned char ref;
	struct tag t[6] = {
		{ IFDGPS, 1, T_ASCII, 2, "N" },
		{ IFDGPS, 2, T_RATIONAL, 3, lat },
		{ IFDGPS, 3, T_ASCII, 2, "E" },
		{ IFDGPS, 4, T_RATIONAL, 3, lat },
		{ IFDGPS, 6, T_RATIONAL, 1, alt },
		{ IFDGPS, 5, T_BYTE, 1, &ref },
	};
	struct res r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		alt[0] = cases[i].num;
		alt[1] = cases[i].den;
		ref = (unsigned char)cases[i].ref;
		run_tags((int)(i & 1), t, cases[i].ref < 0 ? 5 : 6, &r);
		ck_assert_str_eq(gps(&r, "lat"), "1.000000");
		if (cases[i].want != NULL)
			ck_assert_msg(gps(&r, "alt_m") != NULL &&
			    strcmp(gps(&r, "alt_m"), cases[i].want) == 0,
			    "case %zu: %s, want %s", i, gps(&r, "alt_m"),
			    cases[i].want);
		else
			ck_assert_ptr_null(gps(&r, "alt_m"));
		if (cases[i].warn != NULL)
			ck_assert_msg(warned(&r, cases[i].warn), "case %zu: %s",
			    i, warnings_str(&r));
		else
			ck_assert_uint_eq(json_array_size(r.warnings), 0);
		res_free(&r);
	}

	/* an altitude alone makes no position */
	run_tags(0, t + 4, 2, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "gps"));
	res_free(&r);
}
END_TEST

/* --- other fields ------------------------------------------------------- */

START_TEST(test_taken)
{
	static const struct {
		const char	*dto;
		const char	*offset;	/* NULL: no tag */
		const char	*want;		/* NULL: no taken */
		const char	*warn;
	} cases[] = {
		{ "2016:09:28 18:18:05", NULL, "2016-09-28T18:18:05", NULL },
		{ "2023:10:06 22:53:51", "+02:00",
		    "2023-10-06T22:53:51+02:00", NULL },
		{ "2023:10:06 22:53:51", "-05:30",
		    "2023-10-06T22:53:51-05:30", NULL },
		/* blank: EXIF's "unknown" */
		{ "2023:10:06 22:53:51", "   :  ", "2023-10-06T22:53:51",
		    NULL },
		{ "2023:10:06 22:53:51", "+2:00", "2023-10-06T22:53:51",
		    "OffsetTimeOriginal" },
		{ "2023:10:06 22:53:51", "+24:00", "2023-10-06T22:53:51",
		    "OffsetTimeOriginal" },
		{ "2023:10:06 22:53:51", "Z", "2023-10-06T22:53:51",
		    "OffsetTimeOriginal" },
		{ "2020:02:29 12:00:00", NULL, "2020-02-29T12:00:00", NULL },
		{ "2016:12:31 23:59:60", NULL, "2016-12-31T23:59:60", NULL },
		{ "2016-09-28 18:18:05", NULL, "2016-09-28T18:18:05", NULL },
		{ "2016:09:28 18:18:05 ", NULL, "2016-09-28T18:18:05", NULL },
		{ "0000:00:00 00:00:00", "+02:00", NULL, "not a valid time" },
		{ "    :  :     :  :  ", NULL, NULL, "not a valid time" },
		{ "2019:02:29 00:00:00", NULL, NULL, "not a valid time" },
		{ "2019:13:01 00:00:00", NULL, NULL, "not a valid time" },
		{ "2019:12:01 24:00:00", NULL, NULL, "not a valid time" },
		{ "2019:12:01 12:00", NULL, NULL, "not a valid time" },
		{ "2019:12:01 12:00:00.5", NULL, NULL, "not a valid time" },
		{ "2019:12-01 12:00:00", NULL, NULL, "not a valid time" },
		{ "2019:1a:01 12:00:00", NULL, NULL, "not a valid time" },
	};
	struct tag t[2];
	struct res r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t[0] = (struct tag){ IFDEXIF, 0x9003, T_ASCII,
		    (uint32_t)strlen(cases[i].dto) + 1, cases[i].dto };
		if (cases[i].offset != NULL)
			t[1] = (struct tag){ IFDEXIF, 0x9011, T_ASCII,
			    (uint32_t)strlen(cases[i].offset) + 1,
			    cases[i].offset };
		run_tags((int)(i & 1), t, cases[i].offset != NULL ? 2 : 1, &r);
		if (cases[i].want != NULL)
			ck_assert_msg(str(r.capture, "taken") != NULL &&
			    strcmp(str(r.capture, "taken"),
			    cases[i].want) == 0, "case %zu: %s, want %s", i,
			    str(r.capture, "taken"), cases[i].want);
		else
			ck_assert_msg(str(r.capture, "taken") == NULL,
			    "case %zu: %s", i, str(r.capture, "taken"));
		if (cases[i].warn != NULL)
			ck_assert_msg(warned(&r, cases[i].warn),
			    "case %zu: %s", i, warnings_str(&r));
		else
			ck_assert_msg(json_array_size(r.warnings) == 0,
			    "case %zu: %s", i, warnings_str(&r));
		res_free(&r);
	}

	/* not a string */
	{
		static const uint16_t v[2] = { 2016, 9 };

		t[0] = (struct tag){ IFDEXIF, 0x9003, T_SHORT, 2, v };
		run_tags(0, t, 1, &r);
		ck_assert_ptr_null(str(r.capture, "taken"));
		ck_assert(warned(&r, "not a string"));
		res_free(&r);
	}
	/* DNG may keep it in IFD0 */
	t[0] = (struct tag)ASCII(IFD0, 0x9003, "2005:08:03 18:59:18");
	run_tags(1, t, 1, &r);
	ck_assert_str_eq(str(r.capture, "taken"), "2005-08-03T18:59:18");
	res_free(&r);
	/* neither DateTime nor DateTimeDigitized stands in for it */
	t[0] = (struct tag)ASCII(IFD0, 0x0132, "2005:08:03 18:59:18");
	t[1] = (struct tag)ASCII(IFDEXIF, 0x9004, "2005:08:03 18:59:18");
	run_tags(0, t, 2, &r);
	ck_assert_ptr_null(str(r.capture, "taken"));
	res_free(&r);
}
END_TEST

START_TEST(test_strings)
{
	static const char make[11] = "Canon\0junk";
	static const char model[5] = "A\x01" "B\xff";
	static const uint16_t sh[1] = { 7 };
	struct tag t[] = {
		{ IFD0, 0x010f, T_ASCII, sizeof(make), make },
		{ IFD0, 0x0110, T_ASCII, sizeof(model), model },
		ASCII(IFD0, 0x0131, "  padded  "),
		ASCII(IFDEXIF, 0xa431, "SN-1"),
		ASCII(IFD0, 0xc62f, "DNG-SN"),
		ASCII(IFDEXIF, 0xa420, "72AE2CD63D6C4AE1678418BE48230029"),
	};
	struct res r;

	run_tags(0, t, 6, &r);
	ck_assert_str_eq(str(r.capture, "make"), "Canon");
	ck_assert_str_eq(str(r.capture, "model"), "A?B?");
	ck_assert_str_eq(str(r.capture, "software"), "padded");
	/* BodySerialNumber before DNG's CameraSerialNumber */
	ck_assert_str_eq(str(r.capture, "serial"), "SN-1");
	ck_assert_str_eq(str(r.capture, "unique_id"),
	    "72AE2CD63D6C4AE1678418BE48230029");
	ck_assert_uint_eq(json_array_size(r.warnings), 0);
	res_free(&r);

	run_tags(1, t + 4, 1, &r);
	ck_assert_str_eq(str(r.capture, "serial"), "DNG-SN");
	res_free(&r);

	/* a Make of blanks is no make; one of shorts is not read */
	t[0] = (struct tag)ASCII(IFD0, 0x010f, "    ");
	t[1] = (struct tag){ IFD0, 0x0110, T_SHORT, 1, sh };
	run_tags(1, t, 2, &r);
	ck_assert_ptr_null(str(r.capture, "make"));
	ck_assert_ptr_null(str(r.capture, "model"));
	ck_assert(warned(&r, "Model is not a string"));
	res_free(&r);
}
END_TEST

START_TEST(test_orientation)
{
	static const uint16_t o6[1] = { 6 }, o9[1] = { 9 }, o0[1] = { 0 };
	static const uint32_t l3[1] = { 3 };
	struct tag t[1];
	struct res r;

	t[0] = (struct tag){ IFD0, 0x0112, T_SHORT, 1, o6 };
	run_tags(1, t, 1, &r);
	ck_assert_int_eq(num(r.capture, "orientation"), 6);
	res_free(&r);

	t[0] = (struct tag){ IFD0, 0x0112, T_LONG, 1, l3 };
	run_tags(0, t, 1, &r);
	ck_assert_int_eq(num(r.capture, "orientation"), 3);
	res_free(&r);

	t[0] = (struct tag){ IFD0, 0x0112, T_SHORT, 1, o9 };
	run_tags(0, t, 1, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "orientation"));
	ck_assert(warned(&r, "not 1 to 8"));
	res_free(&r);

	t[0] = (struct tag){ IFD0, 0x0112, T_SHORT, 1, o0 };
	run_tags(1, t, 1, &r);
	ck_assert(warned(&r, "not 1 to 8"));
	res_free(&r);

	t[0] = (struct tag)ASCII(IFD0, 0x0112, "1");
	run_tags(0, t, 1, &r);
	ck_assert_ptr_null(json_object_get(r.capture, "orientation"));
	ck_assert(warned(&r, "not an integer"));
	res_free(&r);
}
END_TEST

START_TEST(test_dims)
{
	static const uint16_t w16[1] = { 4032 }, h16[1] = { 3024 };
	static const uint32_t w32[1] = { 640 }, h32[1] = { 480 };
	static const uint32_t one[1] = { 1 }, zero[1] = { 0 };
	unsigned char buf[1024];
	struct tag t[5] = {
		{ IFDEXIF, 0xa002, T_SHORT, 1, w16 },
		{ IFDEXIF, 0xa003, T_SHORT, 1, h16 },
	};
	struct res r;
	size_t n;

	run_tags(0, t, 2, &r);
	ck_assert_int_eq(num(r.media, "width"), 4032);
	ck_assert_int_eq(num(r.media, "height"), 3024);
	/* an EXIF block says nothing about its container */
	ck_assert_ptr_null(json_object_get(r.media, "container"));
	res_free(&r);

	/* half a size is none */
	run_tags(1, t, 1, &r);
	ck_assert_ptr_null(json_object_get(r.media, "width"));
	res_free(&r);

	/* IFD0's size counts in a TIFF file only */
	t[0] = (struct tag){ IFD0, 0x0100, T_LONG, 1, w32 };
	t[1] = (struct tag){ IFD0, 0x0101, T_LONG, 1, h32 };
	run_tags(0, t, 2, &r);
	ck_assert_ptr_null(json_object_get(r.media, "width"));
	res_free(&r);

	n = build(buf, sizeof(buf), 1, 0, t, 2);
	ck_assert_int_eq(tu_write_file(tu_path("a.tif"), buf, n), 0);
	run_file(tu_path("a.tif"), &r);
	ck_assert_str_eq(str(r.media, "container"), "tiff");
	ck_assert_int_eq(num(r.media, "width"), 640);
	ck_assert_int_eq(num(r.media, "height"), 480);
	res_free(&r);

	/* a reduced-resolution IFD0 (a DNG preview) is not the image */
	t[2] = (struct tag){ IFD0, 0x00fe, T_LONG, 1, one };
	n = build(buf, sizeof(buf), 0, 0, t, 3);
	ck_assert_int_eq(tu_write_file(tu_path("b.tif"), buf, n), 0);
	run_file(tu_path("b.tif"), &r);
	ck_assert_ptr_null(json_object_get(r.media, "width"));
	res_free(&r);

	/* a full-resolution one is; PixelX/YDimension come first */
	t[2] = (struct tag){ IFD0, 0x00fe, T_LONG, 1, zero };
	t[3] = (struct tag){ IFDEXIF, 0xa002, T_SHORT, 1, w16 };
	t[4] = (struct tag){ IFDEXIF, 0xa003, T_SHORT, 1, h16 };
	n = build(buf, sizeof(buf), 0, 0, t, 5);
	ck_assert_int_eq(tu_write_file(tu_path("c.tif"), buf, n), 0);
	run_file(tu_path("c.tif"), &r);
	ck_assert_int_eq(num(r.media, "width"), 4032);
	res_free(&r);
	n = build(buf, sizeof(buf), 0, 0, t, 3);
	ck_assert_int_eq(tu_write_file(tu_path("d.tif"), buf, n), 0);
	run_file(tu_path("d.tif"), &r);
	ck_assert_int_eq(num(r.media, "width"), 640);
	res_free(&r);

	/* zero is no size */
	t[0] = (struct tag){ IFDEXIF, 0xa002, T_LONG, 1, zero };
	t[1] = (struct tag){ IFDEXIF, 0xa003, T_LONG, 1, h32 };
	run_tags(0, t, 2, &r);
	ck_assert_ptr_null(json_object_get(r.media, "width"));
	ck_assert(warned(&r, "image size"));
	res_free(&r);
}
END_TEST

START_TEST(test_nothing_invented)
{
	struct tag t[1] = { ASCII(IFD0, 0x010f, "Make") };
	struct res r;

	/* only what the block holds comes out: no defaults */
	run_tags(0, t, 1, &r);
	ck_assert_uint_eq(json_object_size(r.capture), 1);
	ck_assert_uint_eq(json_object_size(r.media), 0);
	ck_assert_uint_eq(json_array_size(r.warnings), 0);
	res_free(&r);
}
END_TEST

START_TEST(test_no_overwrite)
{
	static const uint32_t lat[6] = { 1, 1, 0, 1, 0, 1 };
	struct tag t[] = {
		ASCII(IFD0, 0x010f, "Exif make"),
		ASCII(IFD0, 0x0110, "Exif model"),
		{ IFDGPS, 1, T_ASCII, 2, "N" },
		{ IFDGPS, 2, T_RATIONAL, 3, lat },
		{ IFDGPS, 3, T_ASCII, 2, "E" },
		{ IFDGPS, 4, T_RATIONAL, 3, lat },
	};
	unsigned char buf[1024];
	struct res r;
	size_t n;

	/* what the container said first stays */
	n = build(buf, sizeof(buf), 0, 1, t, 6);
	res_new(&r);
	json_object_set_new(r.capture, "make", json_string("Container"));
	json_object_set_new(r.capture, "gps", json_pack("{s:s,s:s}", "lat",
	    "2.000000", "lon", "3.000000"));
	bc_meta_exif_data(buf, n, r.media, r.capture, r.warnings);
	ck_assert_str_eq(str(r.capture, "make"), "Container");
	ck_assert_str_eq(str(r.capture, "model"), "Exif model");
	ck_assert_str_eq(gps(&r, "lat"), "2.000000");
	res_free(&r);
}
END_TEST

START_TEST(test_block_forms)
{
	struct tag t[1] = { ASCII(IFD0, 0x010f, "Make") };
	unsigned char buf[512], heif[600];
	struct res r;
	size_t n;
	int be;

	for (be = 0; be < 2; be++) {
		/* with and without "Exif\0\0" */
		n = build(buf, sizeof(buf), be, 1, t, 1);
		run_data(buf, n, &r);
		ck_assert_str_eq(str(r.capture, "make"), "Make");
		res_free(&r);
		run_data(buf + 6, n - 6, &r);
		ck_assert_str_eq(str(r.capture, "make"), "Make");
		res_free(&r);

		/* ISO BMFF: a 32-bit offset to the TIFF header first */
		memcpy(heif, "\0\0\0\6", 4);
		memcpy(heif + 4, buf, n);
		run_data(heif, n + 4, &r);
		ck_assert_str_eq(str(r.capture, "make"), "Make");
		res_free(&r);
		memcpy(heif, "\0\0\0\0", 4);
		run_data(heif, n + 4, &r);
		ck_assert_str_eq(str(r.capture, "make"), "Make");
		res_free(&r);
		/* an offset past the end is not followed */
		memcpy(heif, "\0\0\1\0", 4);
		run_data(heif, n + 4, &r);
		ck_assert(warned(&r, "no TIFF header"));
		res_free(&r);
	}

	run_data("hello, world", 12, &r);
	ck_assert(warned(&r, "no TIFF header"));
	res_free(&r);
	run_data("", 0, &r);
	ck_assert(warned(&r, "empty"));
	res_free(&r);
	res_new(&r);
	bc_meta_exif_data(NULL, 0, r.media, r.capture, r.warnings);
	ck_assert(warned(&r, "empty"));
	res_free(&r);

	/* a header and nothing, or a bad byte order */
	run_data("Exif\0\0", 6, &r);
	ck_assert(warned(&r, "no readable tags"));
	res_free(&r);
	run_data("Exif\0\0XX*\0\x08\0\0\0\0\0", 16, &r);
	ck_assert(warned(&r, "no readable tags"));
	res_free(&r);
}
END_TEST

START_TEST(test_tiff_window)
{
	unsigned char *buf;
	struct res r;
	size_t len = 70000;
	struct tag t[1] = { ASCII(IFD0, 0x010f, "Make") };

	/* IFD0 past the 64 KiB libexif reads: said, not silently empty */
	ck_assert_ptr_nonnull(buf = calloc(1, len));
	memcpy(buf, "II*\0\x70\x11\x01\0", 8);	/* IFD0 at byte 70000 */
	ck_assert_int_eq(tu_write_file(tu_path("far.tif"), buf, len), 0);
	run_file(tu_path("far.tif"), &r);
	ck_assert(warned(&r, "past the first"));
	ck_assert_uint_eq(json_object_size(r.capture), 0);
	res_free(&r);

	/* a big TIFF with its IFD0 near the start reads as usual */
	(void)build(buf, 1024, 0, 0, t, 1);
	ck_assert_int_eq(tu_write_file(tu_path("big.tif"), buf, len), 0);
	run_file(tu_path("big.tif"), &r);
	ck_assert_str_eq(str(r.capture, "make"), "Make");
	ck_assert_uint_eq(json_array_size(r.warnings), 0);
	res_free(&r);
	free(buf);
}
END_TEST

START_TEST(test_jpeg_segments)
{
	static const unsigned char jfif[] = { 'J', 'F', 'I', 'F', 0, 1, 1, 0,
	    0, 1, 0, 1, 0, 0 };
	static const unsigned char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x/>";
	struct tag t[1] = { ASCII(IFD0, 0x010f, "Make") };
	unsigned char exif[512], buf[1024];
	const unsigned char *seg[3];
	size_t len[3], n;
	unsigned marker[3];
	struct res r;

	n = build(exif, sizeof(exif), 1, 1, t, 1);
	/* after JFIF and an XMP APP1 */
	seg[0] = jfif, len[0] = sizeof(jfif), marker[0] = 0xe0;
	seg[1] = xmp, len[1] = sizeof(xmp), marker[1] = 0xe1;
	seg[2] = exif, len[2] = n, marker[2] = 0xe1;
	write_jpeg(tu_path("a.jpg"), seg, len, marker, 3);
	run_file(tu_path("a.jpg"), &r);
	ck_assert_str_eq(str(r.capture, "make"), "Make");
	ck_assert_str_eq(str(r.media, "container"), "jpeg");
	ck_assert_uint_eq(json_array_size(r.warnings), 0);
	res_free(&r);

	/* no EXIF segment before the image data */
	write_jpeg(tu_path("b.jpg"), seg, len, marker, 2);
	run_file(tu_path("b.jpg"), &r);
	ck_assert(warned(&r, "no EXIF segment"));
	res_free(&r);

	/* fill bytes before a marker are allowed */
	memcpy(buf, "\xff\xd8\xff\xff\xff\xe1", 6);
	buf[6] = ((n + 2) >> 8) & 0xff;
	buf[7] = (n + 2) & 0xff;
	memcpy(buf + 8, exif, n);
	ck_assert_int_eq(tu_write_file(tu_path("c.jpg"), buf, n + 8), 0);
	run_file(tu_path("c.jpg"), &r);
	ck_assert_str_eq(str(r.capture, "make"), "Make");
	res_free(&r);

	/* a segment length below 2 */
	ck_assert_int_eq(tu_write_file(tu_path("d.jpg"),
	    "\xff\xd8\xff\xe0\x00\x01\xff\xd9", 8), 0);
	run_file(tu_path("d.jpg"), &r);
	ck_assert(warned(&r, "has length 1"));
	res_free(&r);

	/* no marker where one must be */
	ck_assert_int_eq(tu_write_file(tu_path("e.jpg"),
	    "\xff\xd8\xff\xe0\x00\x04\x00\x00\x12\x34", 10), 0);
	run_file(tu_path("e.jpg"), &r);
	ck_assert(warned(&r, "no marker"));
	res_free(&r);

	/* the file ends inside the headers */
	ck_assert_int_eq(tu_write_file(tu_path("f.jpg"),
	    "\xff\xd8\xff\xe0\x00\x10JFIF", 10), 0);
	run_file(tu_path("f.jpg"), &r);
	ck_assert(warned(&r, "ends at byte"));
	res_free(&r);

	/* 2000 fill bytes: the walk gives up, and says so */
	memset(buf, 0xff, sizeof(buf));
	buf[1] = 0xd8;
	ck_assert_int_eq(tu_write_file(tu_path("g.jpg"), buf, sizeof(buf)),
	    0);
	ck_assert_int_eq(tu_append_file(tu_path("g.jpg"), buf + 2,
	    sizeof(buf) - 2), 0);
	run_file(tu_path("g.jpg"), &r);
	ck_assert(json_array_size(r.warnings) > 0);
	res_free(&r);
}
END_TEST

static Suite *
meta_exif_suite(void)
{
	Suite *s = suite_create("meta_exif");
	TCase *tc;

	tc = tu_tcase(s, "corpus", NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_data_stills);
	tcase_add_test(tc, test_data_specifics);
	tcase_add_test(tc, test_corpus_stills);
	tcase_add_test(tc, test_corpus_specifics);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_data_bad);
	tcase_add_test(tc, test_corpus_bad);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_bitflips);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_from_fd);

	tc = tu_tcase(s, "gps", NULL, NULL);
	tcase_add_test(tc, test_gps_coordinates);
	tcase_add_test(tc, test_gps_formats);
	tcase_add_test(tc, test_gps_altitude);

	tc = tu_tcase(s, "fields", tu_test_setup, tu_test_teardown);
	tcase_add_test(tc, test_taken);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_orientation);
	tcase_add_test(tc, test_dims);
	tcase_add_test(tc, test_nothing_invented);
	tcase_add_test(tc, test_no_overwrite);
	tcase_add_test(tc, test_block_forms);
	tcase_add_test(tc, test_tiff_window);
	tcase_add_test(tc, test_jpeg_segments);
	return s;
}

int
main(void)
{
	return tu_run_suite(meta_exif_suite());
}
