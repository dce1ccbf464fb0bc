/*
 * check_meta_av.c - the container reader (meta-av.c, libavformat): every
 * video of tests/data, and of the whole corpus when it is there, against
 * what MANIFEST.tsv and expected/<name>.ffprobe.json say; ISO 6709
 * locations; copies of real files with edited tags; and hostile input
 * (the bad/ files, truncations, bit flips) that must end in warnings,
 * never in a crash or a hang.
 *
 * Where the reader and the corpus disagree, the reason is in the test:
 * what exiftool finds and libavformat cannot reach (Pentax MakerNotes in
 * a vendor atom, the H.264 SEI of an AVCHD clip, a 3GPP "date" box), the
 * 4-decimal rounding of libavformat's 3GPP "loci" reader, and the
 * Matroska.mkv that ffprobe itself cannot open.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "bodycam/meta-util.h"
#include "testutil.h"

#define CORPUS_DEFAULT	"../shared/corpus"

/* --- helpers ------------------------------------------------------------ */

struct meta {
	json_t	*media;
	json_t	*capture;
	json_t	*warnings;
};

static void
meta_read_v(const char *path, int verbose, struct meta *m)
{
	ck_assert_ptr_nonnull(m->media = json_object());
	ck_assert_ptr_nonnull(m->capture = json_object());
	ck_assert_ptr_nonnull(m->warnings = json_array());
	bc_meta_av_file(path, verbose, m->media, m->capture, m->warnings);
}

static void
meta_read(const char *path, struct meta *m)
{
	meta_read_v(path, 0, m);
}

static void
meta_free(struct meta *m)
{
	json_decref(m->media);
	json_decref(m->capture);
	json_decref(m->warnings);
	m->media = m->capture = m->warnings = NULL;
}

/* The warnings, one string, for failure messages (static buffer). */
static const char *
warnings_str(const struct meta *m)
{
	static char buf[4096];
	size_t i, o = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(m->warnings); i++) {
		n = snprintf(buf + o, sizeof(buf) - o, "%s[%s]", i ? " " : "",
		    json_string_value(json_array_get(m->warnings, i)));
		if (n < 0 || (size_t)n >= sizeof(buf) - o)
			break;
		o += n;
	}
	return buf;
}

/* Non-zero when a warning contains needle, in any case. */
static int
warned(const struct meta *m, const char *needle)
{
	const char *w;
	size_t i;

	for (i = 0; i < json_array_size(m->warnings); i++) {
		w = json_string_value(json_array_get(m->warnings, i));
		if (w != NULL && strcasestr(w, needle) != NULL)
			return 1;
	}
	return 0;
}

static const char *
str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* obj[key] is the string want; absent when want is NULL or "". */
static void
expect_str(json_t *obj, const char *key, const char *want, const char *what)
{
	json_t *v = json_object_get(obj, key);
	const char *got = json_string_value(v);

	if (want == NULL || *want == '\0') {
		ck_assert_msg(v == NULL, "%s: %s is \"%s\", want none", what,
		    key, got != NULL ? got : "(not a string)");
		return;
	}
	ck_assert_msg(got != NULL && strcmp(got, want) == 0,
	    "%s: %s is \"%s\", want \"%s\"", what, key,
	    got != NULL ? got : "(none)", want);
}

/* obj[key] is the integer want; absent when want < 0. */
static void
expect_int(json_t *obj, const char *key, long long want, const char *what)
{
	json_t *v = json_object_get(obj, key);

	if (want < 0) {
		ck_assert_msg(v == NULL, "%s: %s present, want none", what,
		    key);
		return;
	}
	ck_assert_msg(json_is_integer(v) && json_integer_value(v) == want,
	    "%s: %s is %lld, want %lld", what, key, json_is_integer(v) ?
	    (long long)json_integer_value(v) : -1LL, want);
}

/* "-118.254300" or "4.966667" as millionths; LLONG_MIN if not a number. */
static long long
micro(const char *s)
{
	long long ip = 0, fp = 0, scale = 100000;
	int neg = 0, digits = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		ip = ip * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			fp += (*s - '0') * scale;
	if (*s != '\0' || digits == 0)
		return LLONG_MIN;
	return (neg ? -1 : 1) * (ip * 1000000 + fp);
}

/* Exactly "DDDD-DD-DDTDD:DD:DD" with "", "Z" or "+HH:MM" after it. */
static int
is_rfc3339(const char *s)
{
	static const char shape[] = "0000-00-00T00:00:00";
	size_t i, n = strlen(s);

	if (n < 19)
		return 0;
	for (i = 0; i < 19; i++)
		if (shape[i] == '0' ? s[i] < '0' || s[i] > '9' :
		    s[i] != shape[i])
			return 0;
	s += 19;
	return *s == '\0' || strcmp(s, "Z") == 0 || (strlen(s) == 6 &&
	    (s[0] == '+' || s[0] == '-') && s[3] == ':');
}

/* A decimal string with exactly d decimals. */
static int
is_decimal(const char *s, size_t d)
{
	const char *dot;

	if (s == NULL || micro(s) == LLONG_MIN || (dot = strchr(s, '.')) ==
	    NULL)
		return 0;
	return strlen(dot + 1) == d;
}

static int
no_reals(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_real(v))
		return 0;
	if (json_is_object(v)) {
		json_object_foreach(v, k, e)
			if (!no_reals(e))
				return 0;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (!no_reals(e))
				return 0;
	}
	return 1;
}

/*
 * What any result must look like, whatever the input: the shape of
 * meta.h, no floating point, and something said (a container or a
 * warning).
 */
static void
check_shape(const struct meta *m, const char *what)
{
	json_t *v, *s, *gps;
	const char *w;
	size_t i;

	ck_assert_msg(json_is_array(m->warnings) &&
	    json_array_size(m->warnings) <= BC_META_WARNINGS_MAX, "%s", what);
	json_array_foreach(m->warnings, i, v) {
		ck_assert_msg((w = json_string_value(v)) != NULL, "%s", what);
		ck_assert_msg(strlen(w) > 0 && strlen(w) <= BC_META_STRING_MAX,
		    "%s: warning %zu", what, i);
	}
	ck_assert_msg(no_reals(m->media) && no_reals(m->capture),
	    "%s: a real number", what);
	ck_assert_msg(str(m->media, "container") != NULL ||
	    json_array_size(m->warnings) > 0,
	    "%s: no container and no warning", what);
	if ((v = json_object_get(m->media, "duration_ms")) != NULL)
		ck_assert_msg(json_is_integer(v) && json_integer_value(v) >= 0,
		    "%s: duration_ms", what);
	if ((v = json_object_get(m->media, "width")) != NULL)
		ck_assert_msg(json_is_integer(v) && json_integer_value(v) > 0 &&
		    json_is_integer(json_object_get(m->media, "height")),
		    "%s: width", what);
	if ((v = json_object_get(m->media, "created")) != NULL)
		ck_assert_msg(is_rfc3339(json_string_value(v)),
		    "%s: created \"%s\"", what, json_string_value(v));
	if ((v = json_object_get(m->capture, "taken")) != NULL)
		ck_assert_msg(is_rfc3339(json_string_value(v)),
		    "%s: taken \"%s\"", what, json_string_value(v));
	if ((v = json_object_get(m->media, "streams")) != NULL) {
		ck_assert_msg(json_is_array(v) && json_array_size(v) > 0 &&
		    json_array_size(v) <= BC_META_STREAMS_MAX,
		    "%s: streams", what);
		json_array_foreach(v, i, s)
			ck_assert_msg(json_is_integer(json_object_get(s,
			    "index")), "%s: stream %zu", what, i);
	}
	if ((gps = json_object_get(m->capture, "gps")) != NULL) {
		ck_assert_msg(is_decimal(str(gps, "lat"), 6) &&
		    is_decimal(str(gps, "lon"), 6), "%s: gps", what);
		if (json_object_get(gps, "alt_m") != NULL)
			ck_assert_msg(is_decimal(str(gps, "alt_m"), 1),
			    "%s: alt_m", what);
	}
}

/* --- MANIFEST.tsv ------------------------------------------------------- */

struct tsv {
	char	 *text;
	char	**cell;		/* nrows * ncols; row 0 is the header */
	size_t	  ncols;
	size_t	  nrows;
};

static void
tsv_load(const char *path, struct tsv *t)
{
	char *p, *eol;
	size_t len, cap = 64, c;

	memset(t, 0, sizeof(*t));
	ck_assert_msg((t->text = tu_read_file(path, &len)) != NULL, "%s",
	    path);
	/* the header's fields give the width */
	t->ncols = 1;
	for (p = t->text; *p != '\0' && *p != '\n'; p++)
		t->ncols += *p == '\t';
	ck_assert_ptr_nonnull(t->cell = calloc(cap * t->ncols,
	    sizeof(char *)));
	for (p = t->text; *p != '\0'; p = eol) {
		if ((eol = strchr(p, '\n')) != NULL)
			*eol++ = '\0';
		else
			eol = p + strlen(p);
		if (*p == '\0')
			continue;
		if (t->nrows == cap) {
			cap *= 2;
			ck_assert_ptr_nonnull(t->cell = realloc(t->cell,
			    cap * t->ncols * sizeof(char *)));
		}
		for (c = 0; c < t->ncols; c++) {
			t->cell[t->nrows * t->ncols + c] = p;
			if (p != NULL && (p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		t->nrows++;
	}
	ck_assert_uint_ge(t->nrows, 1);
}

/* The cell of row r in the column called name; "" when there is none. */
static const char *
tsv_get(const struct tsv *t, size_t r, const char *name)
{
	const char *v;
	size_t c;

	for (c = 0; c < t->ncols; c++)
		if (t->cell[c] != NULL && strcmp(t->cell[c], name) == 0) {
			v = t->cell[r * t->ncols + c];
			return v != NULL ? v : "";
		}
	return "";
}

static void
tsv_free(struct tsv *t)
{
	free(t->cell);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

/*
 * The corpus directory: $BODYCAM_CORPUS, else ../shared/corpus when it
 * holds a MANIFEST.tsv; NULL (after a note) when there is none.
 */
static const char *
corpus_dir(void)
{
	static char manifest[PATH_MAX];
	const char *d = getenv("BODYCAM_CORPUS");

	if (d == NULL || *d == '\0')
		d = CORPUS_DEFAULT;
	snprintf(manifest, sizeof(manifest), "%s/MANIFEST.tsv", d);
	if (access(manifest, R_OK) != 0) {
		printf("check_meta_av: corpus not found at %s (set "
		    "BODYCAM_CORPUS): its loops are skipped\n", d);
		return NULL;
	}
	return d;
}

/*
 * "2005-08-11T14:03:54.000000Z" or the AVI "2009-10-27 12:14:34", as
 * ffprobe prints creation_time, the way meta.h wants it: a "T", no
 * fraction, the zone as given (none for the AVI's local camera time).
 */
static void
norm_ffprobe_time(const char *s, char *out, size_t outsz)
{
	const char *zone = s + 19;

	ck_assert_msg(strlen(s) >= 19, "%s", s);
	if (*zone == '.')
		zone += 1 + strspn(zone + 1, "0123456789");
	snprintf(out, outsz, "%.10sT%.8s%s", s, s + 11, zone);
}

/* exiftool's "2019:07:24 11:25:40+03:00" as RFC 3339. */
static void
norm_exif_time(const char *s, char *out, size_t outsz)
{
	size_t n = strcspn(s, ";");

	ck_assert_msg(n >= 19 && n < outsz, "%s", s);
	memcpy(out, s, n);
	out[n] = '\0';
	out[4] = out[7] = '-';
	out[10] = 'T';
}

/* media.streams and media.container against ffprobe's JSON, if any. */
static void
check_streams(const char *base, const char *rel, const struct meta *m)
{
	char path[PATH_MAX];
	const char *name = strrchr(rel, '/'), *type, *avg, *rate;
	json_t *doc, *fs, *ours, *f, *o, *v;
	size_t i, n;

	snprintf(path, sizeof(path), "%s/expected/%s.ffprobe.json", base,
	    name != NULL ? name + 1 : rel);
	if ((doc = json_load_file(path, 0, NULL)) == NULL)
		return;
	expect_str(m->media, "container", json_string_value(json_object_get(
	    json_object_get(doc, "format"), "format_name")), rel);
	fs = json_object_get(doc, "streams");
	ours = json_object_get(m->media, "streams");
	n = json_array_size(fs);
	if (n > BC_META_STREAMS_MAX)
		n = BC_META_STREAMS_MAX;
	ck_assert_msg(json_array_size(ours) == n, "%s: %zu streams, want %zu",
	    rel, json_array_size(ours), n);
	for (i = 0; i < n; i++) {
		f = json_array_get(fs, i);
		o = json_array_get(ours, i);
		expect_int(o, "index", json_integer_value(json_object_get(f,
		    "index")), rel);
		type = json_string_value(json_object_get(f, "codec_type"));
		expect_str(o, "type", type, rel);
		expect_str(o, "codec", json_string_value(json_object_get(f,
		    "codec_name")), rel);
		if (type != NULL && strcmp(type, "video") == 0) {
			expect_int(o, "width", json_integer_value(
			    json_object_get(f, "width")), rel);
			expect_int(o, "height", json_integer_value(
			    json_object_get(f, "height")), rel);
			avg = json_string_value(json_object_get(f,
			    "avg_frame_rate"));
			rate = avg != NULL && strcmp(avg, "0/0") != 0 ? avg :
			    json_string_value(json_object_get(f,
			    "r_frame_rate"));
			/* a cover picture's rate is its time base: none */
			v = json_object_get(json_object_get(f, "disposition"),
			    "attached_pic");
			if (json_integer_value(v) == 1 || (rate != NULL &&
			    strcmp(rate, "0/0") == 0))
				rate = NULL;
			expect_str(o, "frame_rate", rate, rel);
		}
		if (type != NULL && strcmp(type, "audio") == 0) {
			v = json_object_get(f, "sample_rate");
			expect_int(o, "sample_rate", json_string_value(v) ?
			    atoll(json_string_value(v)) : -1, rel);
		}
	}
	json_decref(doc);
}

/*
 * One video row of a MANIFEST.tsv, under base: what the reader gives
 * against what the corpus recorded from ffprobe and exiftool.
 */
static void
check_row(const char *base, const struct tsv *t, size_t r)
{
	const char *rel = tsv_get(t, r, "path");
	const char *vs = tsv_get(t, r, "exiftool_vs_ffprobe");
	const char *notes = tsv_get(t, r, "notes");
	const char *loc = tsv_get(t, r, "ffprobe_location");
	const char *lat = tsv_get(t, r, "gps_lat");
	const char *dur = tsv_get(t, r, "duration_s"), *p;
	char path[PATH_MAX], want[64], flat[16], flon[16], falt[24];
	struct meta m;
	json_t *gps, *v;
	long long us, ms;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	meta_read(path, &m);
	check_shape(&m, rel);

	/*
	 * ffprobe cannot open it (Matroska.mkv: a header cut at 507 bytes,
	 * where exiftool still finds a date and 704x576; a copy cut before
	 * its moov): libavformat gives up in the header, and so do we.
	 */
	if (tu_contains(notes, "ffprobe failed")) {
		ck_assert_msg(json_object_size(m.media) == 0 &&
		    json_object_size(m.capture) == 0 &&
		    json_array_size(m.warnings) > 0, "%s: want only warnings",
		    rel);
		meta_free(&m);
		return;
	}
	check_streams(base, rel, &m);

	/*
	 * Make and model that only exiftool reports are out of
	 * libavformat's reach: QuickTime.mov's sit in Pentax MakerNotes in
	 * a vendor "TAGS" atom, the Sony clip's in the H.264 SEI (MDPM).
	 */
	if (tu_contains(vs, "make/model only from exiftool")) {
		expect_str(m.capture, "make", NULL, rel);
		expect_str(m.capture, "model", NULL, rel);
	} else {
		expect_str(m.capture, "make", tsv_get(t, r, "make"), rel);
		expect_str(m.capture, "model", tsv_get(t, r, "model"), rel);
	}

	/*
	 * datetime_original is ffprobe's creation_time where there is one.
	 * The others (the Sony clip's H.264 date) are not the container's.
	 */
	if (strncmp(tsv_get(t, r, "datetime_src"), "ffprobe", 7) == 0) {
		norm_ffprobe_time(tsv_get(t, r, "datetime_original"), want,
		    sizeof(want));
		expect_str(m.media, "created", want, rel);
	} else
		expect_str(m.media, "created", NULL, rel);

	/*
	 * The capture time is com.apple.quicktime.creationdate, which
	 * exiftool calls CreationDate.  The 3GPP "date" box of
	 * Issue515.mp4 and FLIR_Thermal.mp4 (exiftool DateTimeOriginal) is
	 * not read by libavformat 5.1, which ffprobe shows too.
	 */
	if ((p = strstr(notes, "QuickTime:CreationDate=")) != NULL) {
		norm_exif_time(p + strlen("QuickTime:CreationDate="), want,
		    sizeof(want));
		expect_str(m.capture, "taken", want, rel);
	} else
		expect_str(m.capture, "taken", NULL, rel);

	gps = json_object_get(m.capture, "gps");
	if (*lat != '\0' && tu_contains(vs, "GPS precision")) {
		/*
		 * A 3GPP "loci" box: libavformat prints it with 4 decimals
		 * (about 11 m), exiftool with all of them.  Ours is
		 * ffprobe's string, and within half a ten-thousandth of a
		 * degree of exiftool's.
		 */
		ck_assert_int_eq(bc_meta_iso6709(loc, flat, flon, falt), 0);
		ck_assert_msg(gps != NULL, "%s: no gps", rel);
		expect_str(gps, "lat", flat, rel);
		expect_str(gps, "lon", flon, rel);
		ck_assert_msg(llabs(micro(str(gps, "lat")) - micro(lat)) <=
		    50 && llabs(micro(str(gps, "lon")) - micro(tsv_get(t, r,
		    "gps_lon"))) <= 50, "%s: gps %s,%s far from %s,%s", rel,
		    str(gps, "lat"), str(gps, "lon"), lat,
		    tsv_get(t, r, "gps_lon"));
	} else if (*lat != '\0') {
		ck_assert_msg(gps != NULL, "%s: no gps", rel);
		expect_str(gps, "lat", lat, rel);
		expect_str(gps, "lon", tsv_get(t, r, "gps_lon"), rel);
	} else if (*loc != '\0') {
		/*
		 * bad/with-gps_moov_sizeflip.mp4: exiftool skips a moov
		 * that claims 2 GiB, libavformat clamps it and reads the
		 * location, as ffprobe shows.
		 */
		ck_assert_int_eq(bc_meta_iso6709(loc, flat, flon, falt), 0);
		ck_assert_msg(gps != NULL, "%s: no gps", rel);
		expect_str(gps, "lat", flat, rel);
		expect_str(gps, "lon", flon, rel);
	} else
		ck_assert_msg(gps == NULL, "%s: gps present", rel);

	if (*dur != '\0') {
		us = micro(dur);
		v = json_object_get(m.media, "duration_ms");
		ck_assert_msg(json_is_integer(v), "%s: no duration", rel);
		ms = json_integer_value(v);
		ck_assert_msg(llabs(ms * 1000 - us) <= 500,
		    "%s: duration %lld ms, ffprobe %s s", rel, ms, dur);
	} else	/* ffprobe N/A: the AVIs cut to a few KB */
		expect_int(m.media, "duration_ms", -1, rel);

	expect_int(m.media, "width", *tsv_get(t, r, "width") ?
	    atoll(tsv_get(t, r, "width")) : -1, rel);
	expect_int(m.media, "height", *tsv_get(t, r, "height") ?
	    atoll(tsv_get(t, r, "height")) : -1, rel);
	meta_free(&m);
}

/* Every video row of base/MANIFEST.tsv; returns how many. */
static size_t
check_manifest(const char *base)
{
	struct tsv t;
	char path[PATH_MAX];
	size_t r, n = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", base);
	tsv_load(path, &t);
	for (r = 1; r < t.nrows; r++) {
		if (strncmp(tsv_get(&t, r, "media_type"), "video/", 6) != 0)
			continue;
		check_row(base, &t, r);
		n++;
	}
	tsv_free(&t);
	return n;
}

/* --- the corpus --------------------------------------------------------- */

START_TEST(test_data_videos)
{
	/* 7 in video/, 3 MP4s in bad/ */
	ck_assert_uint_eq(check_manifest(tu_data_dir()), 10);
}
END_TEST

START_TEST(test_corpus_videos)
{
	const char *base;

	if ((base = corpus_dir()) == NULL)
		return;
	ck_assert_uint_ge(check_manifest(base), 12);
}
END_TEST

/* The iPhone MOV, field by field, as a reader of meta.h would expect. */
START_TEST(test_iphone_mov)
{
	struct meta m;
	json_t *gps, *s;

	meta_read(tu_data_path("video/with-gps.mov"), &m);
	ck_assert_msg(json_array_size(m.warnings) == 0, "%s",
	    warnings_str(&m));
	expect_str(m.media, "container", "mov,mp4,m4a,3gp,3g2,mj2", "mov");
	expect_int(m.media, "duration_ms", 4002, "mov");	/* 4.001667 */
	expect_int(m.media, "width", 568, "mov");
	expect_int(m.media, "height", 320, "mov");
	expect_str(m.media, "created", "2019-07-24T08:25:57Z", "mov");
	expect_str(m.capture, "make", "Apple", "mov");
	expect_str(m.capture, "model", "iPhone 6", "mov");
	expect_str(m.capture, "software", "12.3", "mov");
	/* 17 s before the container time, with the phone's offset */
	expect_str(m.capture, "taken", "2019-07-24T11:25:40+03:00", "mov");
	ck_assert_ptr_nonnull(gps = json_object_get(m.capture, "gps"));
	expect_str(gps, "lat", "32.092900", "mov");
	expect_str(gps, "lon", "34.862000", "mov");
	expect_str(gps, "alt_m", "28.5", "mov");
	ck_assert_uint_eq(json_array_size(json_object_get(m.media,
	    "streams")), 4);
	s = json_array_get(json_object_get(m.media, "streams"), 1);
	expect_str(s, "codec", "h264", "mov");
	expect_str(s, "frame_rate", "72000/2401", "mov");
	/* the timed-metadata tracks: a type, but no codec libav knows */
	s = json_array_get(json_object_get(m.media, "streams"), 2);
	expect_str(s, "type", "data", "mov");
	expect_str(s, "codec", NULL, "mov");
	meta_free(&m);
}
END_TEST

/*
 * An AVI's IDIT date is the camera's local time: it stays without a
 * zone rather than be called UTC.  ISFT is the software, padding gone.
 */
START_TEST(test_avi)
{
	struct meta m;

	meta_read(tu_data_path("video/Pentax.avi"), &m);
	expect_str(m.media, "container", "avi", "avi");
	expect_str(m.media, "created", "2009-10-27T12:14:34", "avi");
	expect_str(m.capture, "software", "PENTAX K-x", "avi");
	expect_int(m.media, "duration_ms", -1, "avi");
	meta_free(&m);
}
END_TEST

/* libav's complaints become warnings, after the reader's own. */
START_TEST(test_libav_errors)
{
	struct meta m;
	const char *w;

	meta_read(tu_data_path("video/QuickTime.mov"), &m);
	ck_assert_msg(warned(&m, "missing mandatory atoms"), "%s",
	    warnings_str(&m));
	/* the context's name, never its heap address */
	ck_assert_msg(!warned(&m, " @ 0x"), "%s", warnings_str(&m));
	meta_free(&m);

	meta_read(tu_data_path("bad/Issue515_trunc_mdat.mp4"), &m);
	w = json_string_value(json_array_get(m.warnings, 0));
	ck_assert_msg(w != NULL && strncmp(w, "truncated:", 10) == 0, "%s",
	    warnings_str(&m));
	ck_assert_msg(warned(&m, "libav: [h264]"), "%s", warnings_str(&m));
	meta_free(&m);

	meta_read(tu_data_path("video/Matroska.mkv"), &m);
	w = json_string_value(json_array_get(m.warnings, 0));
	ck_assert_msg(w != NULL && strncmp(w, "truncated:", 10) == 0, "%s",
	    warnings_str(&m));
	meta_free(&m);
}
END_TEST

/* verbose lets libav's log through to stderr; the result is the same. */
START_TEST(test_verbose)
{
	struct meta a, b;
	int fd, saved;

	meta_read(tu_data_path("video/Matroska.mkv"), &a);
	ck_assert_int_ge(saved = dup(2), 0);
	ck_assert_int_ge(fd = open("/dev/null", O_WRONLY), 0);
	dup2(fd, 2);
	meta_read_v(tu_data_path("video/Matroska.mkv"), 1, &b);
	dup2(saved, 2);
	close(fd);
	close(saved);
	ck_assert(json_equal(a.warnings, b.warnings));
	ck_assert(json_equal(a.media, b.media));
	meta_free(&a);
	meta_free(&b);
}
END_TEST

/* --- ISO 6709 ----------------------------------------------------------- */

static void
iso_ok(const char *s, const char *lat, const char *lon, const char *alt)
{
	char la[16], lo[16], al[24];

	ck_assert_msg(bc_meta_iso6709(s, la, lo, al) == 0, "%s", s);
	ck_assert_str_eq(la, lat);
	ck_assert_str_eq(lo, lon);
	ck_assert_str_eq(al, alt);
}

START_TEST(test_iso6709)
{
	iso_ok("+53.3828-001.4566/", "53.382800", "-1.456600", "");
	iso_ok("+53.3828-001.4566", "53.382800", "-1.456600", "");
	iso_ok("-33.8688+151.2093/", "-33.868800", "151.209300", "");
	iso_ok("+00.0000+000.0000/", "0.000000", "0.000000", "");
	iso_ok("+90-180/", "90.000000", "-180.000000", "");
	/* altitude: metres, one decimal, half away from zero */
	iso_ok("+32.0929+034.8620+028.516/", "32.092900", "34.862000", "28.5");
	iso_ok("+52.3693+006.6761+10.534988/", "52.369300", "6.676100",
	    "10.5");
	iso_ok("+51.4169-000.0806-012.35/", "51.416900", "-0.080600",
	    "-12.4");
	iso_ok("+51.4169-000.0806-0.04/", "51.416900", "-0.080600", "0.0");
	iso_ok("+51.4169-000.0806+8848/", "51.416900", "-0.080600",
	    "8848.0");
	/* a coordinate reference system */
	iso_ok("+35.658632+139.745411+060.0CRSWGS_84/", "35.658632",
	    "139.745411", "60.0");
	iso_ok("+35.658632+139.745411CRSWGS_84/", "35.658632", "139.745411",
	    "");
}
END_TEST

START_TEST(test_iso6709_invalid)
{
	static const char *const bad[] = {
		"",
		"/",
		"53.3828-001.4566/",		/* no sign */
		"+53.3828/",			/* no longitude */
		"+5.3828-001.4566/",		/* latitude needs 2 digits */
		"+53.3828-1.4566/",		/* longitude needs 3 */
		"+5323.54-00127.39/",		/* DDMM.MM: not read */
		"+53.-001.4566/",		/* a point without digits */
		"+53.3828-001.4566+/",		/* a sign without altitude */
		"+53.3828-001.4566/x",		/* trailing data */
		"+53.3828-001.4566 /",
		"+91.0000+000.0000/",		/* out of range */
		"-90.0001+000.0000/",
		"+00.0000+180.0001/",
		"+00.0000-181.0000/",
		"+53.3828-001.4566+12345678/",	/* absurd altitude */
		"++53.3828-001.4566/",
	};
	char la[16], lo[16], al[24];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bc_meta_iso6709(bad[i], la, lo, al) == -1,
		    "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(bc_meta_iso6709(NULL, la, lo, al), -1);
}
END_TEST

/* --- edited copies of real files ---------------------------------------- */

/* Reads a file of tests/data; the caller frees. */
static unsigned char *
load(const char *rel, size_t *len)
{
	unsigned char *b;

	b = (unsigned char *)tu_read_file(tu_data_path(rel), len);
	ck_assert_msg(b != NULL, "%s", rel);
	return b;
}

/* Replaces every occurrence of from by to (the same length). */
static void
patch(unsigned char *b, size_t len, const char *from, const char *to)
{
	size_t n = strlen(from), i, hits = 0;

	ck_assert_uint_eq(n, strlen(to));
	for (i = 0; i + n <= len; i++)
		if (memcmp(b + i, from, n) == 0) {
			memcpy(b + i, to, n);
			hits++;
		}
	ck_assert_msg(hits > 0, "\"%s\" not found", from);
}

/* with-gps.mov with its creationdate string replaced by v (24 bytes). */
static void
read_creationdate(const char *v, struct meta *m)
{
	unsigned char *b;
	size_t len;

	b = load("video/with-gps.mov", &len);
	patch(b, len, "2019-07-24T11:25:40+0300", v);
	ck_assert_int_eq(tu_write_file(tu_path("t.mov"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mov"), m);
}

START_TEST(test_capture_time)
{
	static const struct {
		const char	*in;
		const char	*taken;	/* NULL: none */
		int		 warn;
	} c[] = {
		{ "2019-07-24T11:25:40-0430", "2019-07-24T11:25:40-04:30", 0 },
		{ "2019-07-24T11:25:40Z    ", "2019-07-24T11:25:40Z", 0 },
		{ "2019-07-24T11:25:40.123Z", "2019-07-24T11:25:40Z", 0 },
		{ "2019-07-24 11:25:40+0000", "2019-07-24T11:25:40+00:00", 0 },
		{ "2020-02-29T23:59:60+0100", "2020-02-29T23:59:60+01:00", 0 },
		/* epochs: the camera never set it */
		{ "1904-01-01T00:00:00+0000", NULL, 0 },
		{ "1970-01-01T00:00:00+0000", NULL, 0 },
		/* not dates */
		{ "2019-02-29T11:25:40+0300", NULL, 1 },
		{ "2019-13-24T11:25:40+0300", NULL, 1 },
		{ "2019-07-24T24:25:40+0300", NULL, 1 },
		{ "2019-07-24T11:25:40+2400", NULL, 1 },
		{ "2019-07-24T11:25:40+03  ", NULL, 1 },
		{ "2019-07-24T11:25:40 0300", NULL, 1 },
		{ "yesterday around noon...", NULL, 1 },
	};
	struct meta m;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		read_creationdate(c[i].in, &m);
		check_shape(&m, c[i].in);
		expect_str(m.capture, "taken", c[i].taken, c[i].in);
		ck_assert_msg(warned(&m, "capture time") == c[i].warn,
		    "%s: %s", c[i].in, warnings_str(&m));
		/* the rest of the file is read as before */
		expect_str(m.capture, "make", "Apple", c[i].in);
		meta_free(&m);
	}
}
END_TEST

START_TEST(test_bad_location)
{
	unsigned char *b;
	struct meta m;
	size_t len;

	b = load("video/with-gps.mov", &len);
	patch(b, len, "+32.0929+034.8620+028.516/",
	    "+32.0929+034.8620+028.516X");
	ck_assert_int_eq(tu_write_file(tu_path("t.mov"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mov"), &m);
	ck_assert_ptr_null(json_object_get(m.capture, "gps"));
	ck_assert_msg(warned(&m, "not ISO 6709"), "%s", warnings_str(&m));
	meta_free(&m);

	b = load("video/with-gps.mp4", &len);
	patch(b, len, "+51.4169-000.0806/", "+91.4169-000.0806/");
	ck_assert_int_eq(tu_write_file(tu_path("t.mp4"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mp4"), &m);
	ck_assert_ptr_null(json_object_get(m.capture, "gps"));
	ck_assert_msg(warned(&m, "not ISO 6709"), "%s", warnings_str(&m));
	meta_free(&m);

	/* 0,0 is kept, with a word of doubt */
	b = load("video/with-gps.mp4", &len);
	patch(b, len, "+51.4169-000.0806/", "+00.0000+000.0000/");
	ck_assert_int_eq(tu_write_file(tu_path("t.mp4"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mp4"), &m);
	expect_str(json_object_get(m.capture, "gps"), "lat", "0.000000", "0");
	ck_assert_msg(warned(&m, "0,0"), "%s", warnings_str(&m));
	meta_free(&m);
}
END_TEST

/* with-gps.mp4 with the mvhd creation time (seconds since 1904) set. */
static void
read_mvhd_time(uint32_t t, struct meta *m)
{
	static const unsigned char mvhd[] = { 0, 0, 0, 0x6c, 'm', 'v', 'h',
	    'd', 0 };	/* 108 bytes, version 0 */
	unsigned char *b, *p;
	size_t len;

	b = load("video/with-gps.mp4", &len);
	p = memmem(b, len, mvhd, sizeof(mvhd));
	ck_assert_msg(p != NULL && p + 16 <= b + len, "no mvhd");
	p[12] = t >> 24;
	p[13] = t >> 16;
	p[14] = t >> 8;
	p[15] = t;
	ck_assert_int_eq(tu_write_file(tu_path("t.mp4"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mp4"), m);
}

START_TEST(test_container_time)
{
	struct meta m;

	/* 0: never set; libavformat has no creation_time at all */
	read_mvhd_time(0, &m);
	expect_str(m.media, "created", NULL, "0");
	ck_assert_msg(!warned(&m, "creation time"), "%s", warnings_str(&m));
	meta_free(&m);
	/* exactly the Unix epoch, 1970-01-01T00:00:00Z: not set either */
	read_mvhd_time(2082844800u, &m);
	expect_str(m.media, "created", NULL, "1970");
	ck_assert_msg(!warned(&m, "creation time"), "%s", warnings_str(&m));
	meta_free(&m);
	read_mvhd_time(2082844801u, &m);
	expect_str(m.media, "created", "1970-01-01T00:00:01Z", "1970+1");
	meta_free(&m);
	/* the last second a 32-bit mvhd can hold */
	read_mvhd_time(0xffffffffu, &m);
	expect_str(m.media, "created", "2040-02-06T06:28:15Z", "max");
	meta_free(&m);
}
END_TEST

/*
 * QuickTime.mov's 8x8 JPEG cover with an EXIF block (Make) written over
 * its quantisation table: the block reaches bc_meta_exif_data, which
 * either reads the make or says why not.
 */
START_TEST(test_cover_exif)
{
	static const unsigned char tiff[] = {
		'M', 'M', 0, 42, 0, 0, 0, 8,
		0, 1,					/* one entry */
		0x01, 0x0f, 0, 2, 0, 0, 0, 12, 0, 0, 0, 26,	/* Make */
		0, 0, 0, 0,				/* no IFD1 */
		'P', 'E', 'N', 'T', 'A', 'X', '-', 'T', 'E', 'S', 'T', 0,
	};
	static const unsigned char dqt[] = { 0xff, 0xd8, 0xff, 0xdb, 0,
	    0x84 };
	unsigned char *b, *p;
	const char *make;
	struct meta m;
	size_t len;

	b = load("video/QuickTime.mov", &len);
	ck_assert_ptr_nonnull(p = memmem(b, len, "covr", 4));
	ck_assert_ptr_nonnull(p = memmem(p, len - (p - b), dqt,
	    sizeof(dqt)));
	ck_assert(p + 6 + 0x82 <= b + len);
	p[3] = 0xe1;				/* APP1, same length */
	memset(p + 6, 0, 0x82);
	memcpy(p + 6, "Exif\0\0", 6);
	memcpy(p + 12, tiff, sizeof(tiff));
	ck_assert_int_eq(tu_write_file(tu_path("t.mov"), b, len), 0);
	free(b);
	meta_read(tu_path("t.mov"), &m);
	check_shape(&m, "cover");
	expect_int(m.media, "width", 320, "cover");	/* not the cover's */
	if ((make = str(m.capture, "make")) != NULL)
		ck_assert_str_eq(make, "PENTAX-TEST");
	else
		ck_assert_msg(warned(&m, "exif"), "%s", warnings_str(&m));
	meta_free(&m);
}
END_TEST

/*
 * The path is a file name, whatever it looks like: "http:x" is not a
 * URL, and a colon never selects a protocol.
 */
START_TEST(test_path_not_url)
{
	static const char *const names[] = { "cam:01.mp4", "http:evil.mp4",
	    "subfile,,0,10,:x.mp4", "-i.mp4" };
	unsigned char *b;
	struct meta m;
	size_t len, i;

	b = load("video/with-gps.mp4", &len);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_int_eq(tu_write_file(tu_path(names[i]), b, len), 0);
		meta_read(tu_path(names[i]), &m);
		ck_assert_msg(json_array_size(m.warnings) == 0, "%s: %s",
		    names[i], warnings_str(&m));
		expect_str(json_object_get(m.capture, "gps"), "lat",
		    "51.416900", names[i]);
		meta_free(&m);
	}
	free(b);
}
END_TEST

/* A FIFO would block the open, a missing file is said to be missing. */
START_TEST(test_not_a_file)
{
	struct meta m;

	ck_assert_int_eq(mkfifo(tu_path("fifo.mp4"), 0600), 0);
	meta_read(tu_path("fifo.mp4"), &m);
	ck_assert_msg(warned(&m, "not a regular file"), "%s",
	    warnings_str(&m));
	ck_assert_uint_eq(json_object_size(m.media), 0);
	meta_free(&m);

	meta_read(tu_path("missing.mp4"), &m);
	ck_assert_msg(warned(&m, "no such file"), "%s", warnings_str(&m));
	meta_free(&m);

	meta_read(tu_dir(), &m);
	ck_assert_msg(warned(&m, "not a regular file"), "%s",
	    warnings_str(&m));
	meta_free(&m);
}
END_TEST

/*
 * From a descriptor: the file opened, not whatever its path names by the
 * time libavformat reads (register hashes and reads through one
 * descriptor); the descriptor's offset is left where it was.
 */
START_TEST(test_from_fd)
{
	struct meta m;
	json_t *all = NULL;
	int fd;

	fd = tu_open_replaced("video/with-gps.mp4", "video/RIFF.avi", "clip");
	ck_assert_int_eq(lseek(fd, 100, SEEK_SET), 100);

	ck_assert_ptr_nonnull(m.media = json_object());
	ck_assert_ptr_nonnull(m.capture = json_object());
	ck_assert_ptr_nonnull(m.warnings = json_array());
	bc_meta_av_fd(fd, 0, m.media, m.capture, m.warnings);
	ck_assert_msg(strncmp(json_string_value(json_object_get(m.media,
	    "container")), "mov", 3) == 0, "%s", warnings_str(&m));
	ck_assert_ptr_nonnull(json_object_get(m.capture, "gps"));
	meta_free(&m);

	ck_assert_int_eq(bc_meta_extract_fd(fd, "video/mp4", NULL, &all,
	    NULL), 0);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(all,
	    "capture"), "gps"));
	json_decref(all);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 100);
	close(fd);

	/* the path itself now names the AVI file */
	meta_read(tu_path("clip"), &m);
	ck_assert_str_eq(json_string_value(json_object_get(m.media,
	    "container")), "avi");
	meta_free(&m);
}
END_TEST

/* A well-formed WAV: a demuxer libav has, but not one on the list. */
START_TEST(test_not_whitelisted)
{
	static const unsigned char wav[] = {
		'R', 'I', 'F', 'F', 36 + 64, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0,
		0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0,
		'd', 'a', 't', 'a', 64, 0, 0, 0,
	};
	unsigned char buf[sizeof(wav) + 64];
	struct meta m;

	memcpy(buf, wav, sizeof(wav));
	memset(buf + sizeof(wav), 0, 64);
	ck_assert_int_eq(tu_write_file(tu_path("t.wav"), buf, sizeof(buf)),
	    0);
	meta_read(tu_path("t.wav"), &m);
	ck_assert_msg(warned(&m, "container not recognised"), "%s",
	    warnings_str(&m));
	ck_assert_uint_eq(json_object_size(m.media), 0);
	meta_free(&m);
}
END_TEST

/* CRC-32/MPEG-2 of a PSI section. */
static uint32_t
crc_mpeg2(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (n-- > 0) {
		crc ^= (uint32_t)*p++ << 24;
		for (k = 0; k < 8; k++)
			crc = crc & 0x80000000u ? crc << 1 ^ 0x04c11db7u :
			    crc << 1;
	}
	return crc;
}

/* One TS packet on pid carrying section sec (PUSI, pointer 0). */
static void
ts_section(unsigned char *pkt, unsigned pid, const unsigned char *sec,
    size_t n)
{
	uint32_t crc = crc_mpeg2(sec, n);

	memset(pkt, 0xff, 188);
	pkt[0] = 0x47;
	pkt[1] = 0x40 | pid >> 8;
	pkt[2] = pid & 0xff;
	pkt[3] = 0x10;
	pkt[4] = 0;
	memcpy(pkt + 5, sec, n);
	pkt[5 + n] = crc >> 24;
	pkt[6 + n] = crc >> 16;
	pkt[7 + n] = crc >> 8;
	pkt[8 + n] = crc;
}

/* An MPEG-TS whose PMT lists 20 streams: 16 are described. */
START_TEST(test_stream_cap)
{
	enum { NES = 20, NPKT = 64 };
	static const unsigned char pat[] = { 0x00, 0xb0, 13, 0, 1, 0xc1, 0,
	    0, 0, 1, 0xe1, 0x00 };
	unsigned char pmt[12 + 5 * NES], *ts, *p;
	size_t i;
	struct meta m;

	ck_assert_ptr_nonnull(ts = calloc(NPKT, 188));
	memcpy(pmt, (unsigned char []){ 0x02, 0xb0, 9 + 5 * NES + 4, 0, 1,
	    0xc1, 0, 0, 0xe1, 0x01, 0xf0, 0 }, 12);
	for (i = 0; i < NES; i++) {
		p = pmt + 12 + 5 * i;
		p[0] = i % 2 ? 0x0f : 0x1b;	/* AAC, H.264 */
		p[1] = 0xe1;
		p[2] = 0x01 + i;
		p[3] = 0xf0;
		p[4] = 0;
	}
	for (i = 0; i < NPKT; i++) {
		p = ts + 188 * i;
		if (i % 16 == 0)
			ts_section(p, 0, pat, sizeof(pat));
		else if (i % 16 == 1)
			ts_section(p, 0x100, pmt, sizeof(pmt));
		else {		/* null packets */
			memset(p, 0xff, 188);
			p[0] = 0x47;
			p[1] = 0x1f;
			p[2] = 0xff;
			p[3] = 0x10;
		}
	}
	ck_assert_int_eq(tu_write_file(tu_path("t.ts"), ts, 188 * NPKT), 0);
	free(ts);
	meta_read(tu_path("t.ts"), &m);
	check_shape(&m, "ts");
	expect_str(m.media, "container", "mpegts", "ts");
	ck_assert_uint_eq(json_array_size(json_object_get(m.media,
	    "streams")), BC_META_STREAMS_MAX);
	ck_assert_msg(warned(&m, "20 streams"), "%s", warnings_str(&m));
	meta_free(&m);
}
END_TEST

/* --- hostile input ------------------------------------------------------ */

/* Every file of dir (a bad/ directory): warnings, no crash. */
static size_t
check_bad_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct meta m;
	size_t n = 0;
	DIR *d;

	ck_assert_msg((d = opendir(dir)) != NULL, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		meta_read(path, &m);
		check_shape(&m, path);
		/* the stills are no containers */
		if (strstr(de->d_name, ".jpg") != NULL)
			ck_assert_msg(json_object_size(m.media) == 0 &&
			    warned(&m, "not recognised"), "%s: %s", path,
			    warnings_str(&m));
		meta_free(&m);
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(test_bad_files)
{
	const char *base;
	char dir[PATH_MAX];

	ck_assert_uint_ge(check_bad_dir(tu_data_path("bad")), 9);
	if ((base = corpus_dir()) == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/bad", base);
	ck_assert_uint_ge(check_bad_dir(dir), 9);
}
END_TEST

static const char *const hostile_sources[] = {
	"video/with-gps.mp4",	/* moov after mdat */
	"video/with-gps.mov",
	"video/sample.3gp",
	"video/QuickTime.mov",
	"video/Pentax.avi",
	"video/RIFF.avi",
	"video/Matroska.mkv",
};

/* The offset of the last "moov" box, or 0. */
static size_t
moov_at(const unsigned char *b, size_t len)
{
	size_t i;

	for (i = len; i >= 8; i--)
		if (memcmp(b + i - 4, "moov", 4) == 0)
			return i - 8;
	return 0;
}

static void
read_bytes(const unsigned char *b, size_t len, const char *what)
{
	struct meta m;

	ck_assert_int_eq(tu_write_file(tu_path("h"), b, len), 0);
	meta_read(tu_path("h"), &m);
	check_shape(&m, what);
	meta_free(&m);
}

/* Reads the first cut bytes of src; returns 1 (a count). */
static size_t
read_cut(const unsigned char *b, size_t cut, const char *src)
{
	char what[128];

	snprintf(what, sizeof(what), "%s cut at %zu", src, cut);
	read_bytes(b, cut, what);
	return 1;
}

/*
 * Every length up to 48 bytes, 48 lengths across the file, and every
 * 29th byte through a moov box (the header of an MP4 or MOV).
 */
START_TEST(test_truncated)
{
	const char *src;
	unsigned char *b;
	size_t len, cut, moov, i, n = 0;

	for (i = 0; i < sizeof(hostile_sources) / sizeof(char *); i++) {
		src = hostile_sources[i];
		b = load(src, &len);
		for (cut = 0; cut < 48 && cut < len; cut++)
			n += read_cut(b, cut, src);
		for (cut = 48; cut < len; cut += len / 48 + 1)
			n += read_cut(b, cut, src);
		if ((moov = moov_at(b, len)) > 0)
			for (cut = moov; cut < len && cut < moov + 2048;
			    cut += 29)
				n += read_cut(b, cut, src);
		free(b);
	}
	ck_assert_uint_ge(n, 600);
}
END_TEST

START_TEST(test_bit_flips)
{
	char what[128];
	unsigned char *b, *c;
	uint32_t x = 20240601;
	size_t len, lo, pos, i, k, v;

	for (i = 0; i < sizeof(hostile_sources) / sizeof(char *); i++) {
		b = load(hostile_sources[i], &len);
		ck_assert_ptr_nonnull(c = malloc(len));
		/* the header is where the parsing is */
		lo = moov_at(b, len);
		if (len - lo > 65536)
			lo = 0;
		for (v = 0; v < 40; v++) {
			memcpy(c, b, len);
			for (k = 0; k < 1 + v % 4; k++) {
				x = x * 1103515245u + 12345u;
				pos = lo + (x >> 8) % (len - lo < 8192 ?
				    len - lo : 8192);
				if (v % 5 == 4 && pos + 4 <= len)
					memset(c + pos, 0xff, 4);  /* sizes */
				else
					c[pos] ^= 1u << (x >> 4 & 7);
			}
			snprintf(what, sizeof(what), "%s variant %zu",
			    hostile_sources[i], v);
			read_bytes(c, len, what);
		}
		free(c);
		free(b);
	}
}
END_TEST

static Suite *
meta_av_suite(void)
{
	Suite *s = suite_create("meta_av");
	TCase *tc;

	tc = tu_tcase(s, "corpus", NULL, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_data_videos);
	tcase_add_test(tc, test_corpus_videos);
	tcase_add_test(tc, test_iphone_mov);
	tcase_add_test(tc, test_avi);
	tcase_add_test(tc, test_libav_errors);
	tcase_add_test(tc, test_verbose);

	tc = tu_tcase(s, "iso6709", NULL, NULL);
	tcase_add_test(tc, test_iso6709);
	tcase_add_test(tc, test_iso6709_invalid);

	tc = tu_tcase(s, "edited", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_capture_time);
	tcase_add_test(tc, test_bad_location);
	tcase_add_test(tc, test_container_time);
	tcase_add_test(tc, test_cover_exif);
	tcase_add_test(tc, test_path_not_url);
	tcase_add_test(tc, test_not_a_file);
	tcase_add_test(tc, test_from_fd);
	tcase_add_test(tc, test_not_whitelisted);
	tcase_add_test(tc, test_stream_cap);

	tc = tu_tcase(s, "malformed", tu_test_setup, tu_test_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bit_flips);
	return s;
}

int
main(void)
{
	return tu_run_suite(meta_av_suite());
}
