/*
 * check_meta_tsv.c - the extractor against its peers, row by row.
 *
 * MANIFEST.tsv holds what exiftool and ffprobe report for every corpus
 * file.  For every row, bodycam's metadata (bc_meta_extract, as register
 * and probe call it) must agree on make, model, capture time, GPS and
 * duration wherever the TSV has a value, except the known gaps listed
 * below, each with its reason.  tests/data/MANIFEST.tsv (a subset) is
 * always walked; the whole corpus's when $BODYCAM_CORPUS (default
 * ../shared/corpus) is there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"

/* Where bodycam cannot reach a peer's value, and why. */
static const struct gap {
	const char	*path;
	const char	*field;		/* make, model, time, gps, duration */
	const char	*why;
} gaps[] = {
	{ "video/QuickTime.mov", "make", "exiftool reads it from Pentax "
	    "maker notes in a vendor 'TAGS' box; libavformat does not" },
	{ "video/Sony_ILCE-7M3.mts", "make", "only in the H.264 stream's "
	    "SEI, which libavformat does not expose" },
	{ "video/Sony_ILCE-7M3.mts", "model", "as make" },
	{ "video/Sony_ILCE-7M3.mts", "time", "as make (H264:DateTimeOriginal; "
	    "ffprobe has no creation_time)" },
	{ "video/Matroska.mkv", "time", "cut to a few KB: ffprobe cannot open "
	    "it either; the date is exiftool's" },
	{ "libexif-testdata/olympus_makernote_variant_4.jpg", "time",
	    "DateTimeOriginal is 0000:00:00 00:00:00, not a time: bodycam "
	    "seals none and warns" },
};

static int
is_gap(const char *path, const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++)
		if (strcmp(gaps[i].path, path) == 0 &&
		    strcmp(gaps[i].field, field) == 0)
			return 1;
	return 0;
}

/* Splits a TSV line in place into at most n fields; returns the count. */
static size_t
split(char *line, char **f, size_t n)
{
	size_t i = 0;

	while (i < n) {
		f[i++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return i;
}

static int
column(char **head, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(head[i], name) == 0)
			return (int)i;
	ck_abort_msg("MANIFEST.tsv has no column %s", name);
	return -1;
}

/*
 * A peer's time as bodycam writes it: "2003:12:04 06:46:52" and
 * "2009-10-27 12:14:34" become "2003-12-04T06:46:52", and ffprobe's
 * "2005-08-11T14:03:54.000000Z" becomes "2005-08-11T14:03:54Z".
 */
static void
norm_time(const char *in, char *out, size_t outsz)
{
	const char *frac;

	snprintf(out, outsz, "%.19s", in);
	if (strlen(out) >= 19) {
		out[4] = out[7] = '-';
		out[10] = 'T';
	}
	if ((frac = strchr(in + (strlen(in) > 19 ? 19 : 0), 'Z')) != NULL &&
	    strlen(in) > 19)
		snprintf(out + strlen(out), outsz - strlen(out), "Z");
}

/* Micro-degrees of a decimal string; 1 on success. */
static int
micro(const char *s, long long *v)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s)
		return 0;
	*v = (long long)(d * 1e6 + (d < 0 ? -0.5 : 0.5));
	return 1;
}

struct tally {
	size_t	rows, compared, gaps;
};

static void
check_row(const char *base, char **f, const int *col, struct tally *t)
{
	struct bc_err err = { 0 };
	struct bc_file_hash fh;
	char path[1024], want[64];
	const char *rel = f[col[0]], *got, *mime;
	json_t *meta = NULL, *capture, *media;
	long long a, b, ms;
	int video, r;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	ck_assert_msg(bc_hash_file(path, &fh, NULL, NULL, &err) == 0 ||
	    fh.size == 0, "%s: %s", path, err.msg);
	mime = bc_media_sniff(fh.head, fh.headlen);
	r = bc_meta_extract(path, mime, NULL, &meta, &err);
	ck_assert_msg(r == 0, "%s: %s", rel, err.msg);
	capture = json_object_get(meta, "capture");
	media = json_object_get(meta, "media");
	video = strncmp(mime, "video/", 6) == 0;
	t->rows++;

	/* make, model */
	if (f[col[1]][0] != '\0' && !is_gap(rel, "make")) {
		got = json_string_value(json_object_get(capture, "make"));
		ck_assert_msg(got != NULL && strcmp(got, f[col[1]]) == 0,
		    "%s: make '%s', the peers say '%s'", rel, got ? got : "-",
		    f[col[1]]);
		t->compared++;
	} else if (f[col[1]][0] != '\0') {
		t->gaps++;
	}
	if (f[col[2]][0] != '\0' && !is_gap(rel, "model")) {
		got = json_string_value(json_object_get(capture, "model"));
		ck_assert_msg(got != NULL && strcmp(got, f[col[2]]) == 0,
		    "%s: model '%s', the peers say '%s'", rel,
		    got ? got : "-", f[col[2]]);
		t->compared++;
	} else if (f[col[2]][0] != '\0') {
		t->gaps++;
	}

	/* capture time: a still's DateTimeOriginal is capture.taken (which
	 * may add an offset); a video's is the container's creation time */
	if (f[col[3]][0] != '\0' && !is_gap(rel, "time")) {
		norm_time(f[col[3]], want, sizeof(want));
		got = json_string_value(json_object_get(video ? media :
		    capture, video ? "created" : "taken"));
		ck_assert_msg(got != NULL && strncmp(got, want,
		    strlen(want)) == 0, "%s: time '%s', the peers say '%s'",
		    rel, got ? got : "-", want);
		t->compared++;
	} else if (f[col[3]][0] != '\0') {
		t->gaps++;
	}

	/* GPS: to 6 decimals for a still; a 3GPP location box is rounded
	 * to 4 decimals by libavformat (and ffprobe), exiftool reads 5 */
	if (f[col[4]][0] != '\0' && f[col[5]][0] != '\0' &&
	    !is_gap(rel, "gps")) {
		const char *la = json_string_value(json_object_get(
		    json_object_get(capture, "gps"), "lat"));
		const char *lo = json_string_value(json_object_get(
		    json_object_get(capture, "gps"), "lon"));
		long long tol = video ? 50 : 0;

		ck_assert_msg(la != NULL && lo != NULL, "%s: no GPS, the peers "
		    "say %s,%s", rel, f[col[4]], f[col[5]]);
		ck_assert(micro(la, &a) && micro(f[col[4]], &b));
		ck_assert_msg(llabs(a - b) <= tol, "%s: lat %s, the peers say "
		    "%s", rel, la, f[col[4]]);
		ck_assert(micro(lo, &a) && micro(f[col[5]], &b));
		ck_assert_msg(llabs(a - b) <= tol, "%s: lon %s, the peers say "
		    "%s", rel, lo, f[col[5]]);
		/* always the 6-decimal form */
		ck_assert_int_eq(strlen(strchr(la, '.')), 7);
		ck_assert_int_eq(strlen(strchr(lo, '.')), 7);
		t->compared++;
	}

	/* duration: ffprobe's seconds against milliseconds */
	if (f[col[6]][0] != '\0' && !is_gap(rel, "duration")) {
		ck_assert(micro(f[col[6]], &a));	/* micro-seconds */
		ms = json_integer_value(json_object_get(media, "duration_ms"));
		ck_assert_msg(json_is_integer(json_object_get(media,
		    "duration_ms")) && llabs(ms * 1000 - a) <= 1000,
		    "%s: duration %lld ms, ffprobe says %s s", rel, ms,
		    f[col[6]]);
		t->compared++;
	}
	json_decref(meta);
}

static void
walk(const char *base, struct tally *t)
{
	char path[1024], *text, *line, *next, *head[32], *f[32];
	size_t len, nh, nf;
	int col[7];

	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", base);
	ck_assert_msg((text = tu_read_file(path, &len)) != NULL,
	    "cannot read %s", path);
	line = text;
	next = strchr(line, '\n');
	ck_assert(next != NULL);
	*next = '\0';
	nh = split(line, head, 32);
	col[0] = column(head, nh, "path");
	col[1] = column(head, nh, "make");
	col[2] = column(head, nh, "model");
	col[3] = column(head, nh, "datetime_original");
	col[4] = column(head, nh, "gps_lat");
	col[5] = column(head, nh, "gps_lon");
	col[6] = column(head, nh, "duration_s");
	for (line = next + 1; *line != '\0'; line = next + 1) {
		if ((next = strchr(line, '\n')) == NULL)
			next = line + strlen(line) - 1;
		else
			*next = '\0';
		if (*line == '\0')
			continue;
		nf = split(line, f, 32);
		ck_assert_msg(nf == nh, "%s: a row of %zu fields", path, nf);
		check_row(base, f, col, t);
		if (next[1] == '\0')
			break;
	}
	free(text);
}

START_TEST(test_subset)
{
	struct tally t = { 0, 0, 0 };

	walk(tu_data_dir(), &t);
	ck_assert_uint_ge(t.rows, 20);
	ck_assert_uint_ge(t.compared, 40);
}
END_TEST

START_TEST(test_corpus)
{
	struct tally t = { 0, 0, 0 };
	const char *corpus = getenv("BODYCAM_CORPUS");
	char path[1024];
	FILE *fp;

	if (corpus == NULL || *corpus == '\0')
		corpus = "../shared/corpus";
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", corpus);
	if ((fp = fopen(path, "r")) == NULL) {
		/* said, not counted as a pass of the corpus comparison */
		printf("check_meta_tsv: no corpus at %s; the whole-corpus "
		    "comparison did not run\n", corpus);
		return;
	}
	fclose(fp);
	walk(corpus, &t);
	printf("check_meta_tsv: %zu corpus rows, %zu values compared with "
	    "exiftool/ffprobe, %zu known gaps\n", t.rows, t.compared, t.gaps);
	ck_assert_uint_ge(t.rows, 50);
	ck_assert_uint_ge(t.compared, 100);
}
END_TEST

static Suite *
tsv_suite(void)
{
	Suite *s = suite_create("meta_tsv");
	TCase *tc = tu_tcase(s, "peers", NULL, NULL);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_subset);
	tcase_add_test(tc, test_corpus);
	return s;
}

int
main(void)
{
	return tu_run_suite(tsv_suite());
}
