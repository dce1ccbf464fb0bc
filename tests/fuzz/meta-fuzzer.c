/*
 * meta-fuzzer.c - libFuzzer target for the metadata extractor as register
 * and probe run it: the input becomes a file, its content type is sniffed
 * from its first bytes, and bc_meta_parse_fd (what the helper
 * bodycam-parse runs; here in-process, without the sandbox) reads it
 * with libexif or libavformat.  The same bytes also go to the EXIF block reader
 * (bc_meta_exif_data), and their first 64 to the ISO 6709 parser.
 *
 * Whatever the bytes, extraction succeeds (or runs out of memory) and
 * gives what meta.h promises and a manifest can seal: an object of media,
 * capture and warnings, no floating-point number, valid UTF-8 without NUL,
 * strings of at most BC_META_STRING_MAX bytes, at most
 * BC_META_WARNINGS_MAX warnings and BC_META_STREAMS_MAX streams,
 * coordinates with 6 decimals and altitudes with 1; and bc_canon_dump
 * writes it as canonical JSON that reads back to the same tree.  Anything
 * else aborts.
 *
 * The file is made once per process (in $TMPDIR, else /dev/shm, else /tmp)
 * and rewritten for each input; it is removed at exit, on a sanitizer
 * report and on a broken invariant (not after a timeout or an
 * out-of-memory, which libFuzzer ends with _Exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "bodycam/canon.h"
#include "bodycam/hash.h"
#include "bodycam/media.h"
#include "bodycam/meta.h"
#include "bodycam/meta-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static char	tmppath[4096];
static int	tmpfd = -1;
static const json_t *shown;	/* the tree being checked, for broken() */

static void
remove_tmp(void)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
}

/* A harness failure, not a finding: say so and stop. */
static void
harness_fail(const char *what)
{
	fprintf(stderr, "meta-fuzzer: %s: %s: %s\n", what, tmppath,
	    strerror(errno));
	exit(2);
}

static void
make_tmp(void)
{
	const char *dir = getenv("TMPDIR");

	if (dir == NULL || *dir == '\0')
		dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmppath, sizeof(tmppath), "%s/bodycam-meta-fuzzer.XXXXXX",
	    dir);
	if ((tmpfd = mkstemp(tmppath)) == -1)
		harness_fail("mkstemp");
	atexit(remove_tmp);
	__sanitizer_set_death_callback(remove_tmp);	/* ASan, UBSan */
}

static void
write_tmp(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (tmpfd == -1)
		make_tmp();
	if (ftruncate(tmpfd, 0) != 0)
		harness_fail("ftruncate");
	while (off < size) {
		n = pwrite(tmpfd, data + off, size - off, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			harness_fail("pwrite");
		off += (size_t)n;
	}
}

/* A broken invariant: say which, show the tree, abort (a finding). */
static void broken(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
broken(const char *fmt, ...)
{
	va_list ap;
	char *s;

	fprintf(stderr, "meta-fuzzer: broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (shown != NULL && (s = json_dumps(shown, JSON_INDENT(2) |
	    JSON_ENCODE_ANY)) != NULL) {
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	remove_tmp();
	abort();
}

/* Whether s (len bytes) is valid UTF-8 without NUL, overlongs or
 * surrogates. */
static int
valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (s[i] == 0)
			return 0;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

/* Every value in the tree: no real, no null, safe integers, clean
 * strings and member names. */
static void
check_tree(const json_t *v, int depth)
{
	const char *k;
	json_t *m;
	size_t i;
	json_int_t n;

	if (depth > 8)
		broken("tree deeper than 8");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, k, m) {
			if (!valid_utf8((const unsigned char *)k, strlen(k)))
				broken("member name not valid UTF-8");
			check_tree(m, depth + 1);
		}
		break;
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(v); i++)
			check_tree(json_array_get(v, i), depth + 1);
		break;
	case JSON_STRING:
		if (json_string_length(v) > BC_META_STRING_MAX ||
		    !valid_utf8((const unsigned char *)json_string_value(v),
		    json_string_length(v)))
			broken("string over BC_META_STRING_MAX bytes, or "
			    "not valid UTF-8, or with a NUL");
		break;
	case JSON_INTEGER:
		n = json_integer_value(v);
		if (n > BC_JSON_MAX_SAFE || n < -BC_JSON_MAX_SAFE)
			broken("integer %lld outside +/-(2^53 - 1): "
			    "bc_canon_dump refuses it", (long long)n);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		break;
	default:	/* JSON_REAL, JSON_NULL: absent when unknown */
		broken("a real or a null");
	}
}

/* "[-]D.DDDDDD" with 1 to intmax integer digits and at most max
 * (in millionths) in size. */
static int
is_coord(const char *s, int intmax, long long max)
{
	long long ip = 0, fp = 0;
	int i;

	if (*s == '-')
		s++;
	for (i = 0; *s >= '0' && *s <= '9'; i++)
		ip = ip * 10 + (*s++ - '0');
	if (i < 1 || i > intmax || *s++ != '.')
		return 0;
	for (i = 0; *s >= '0' && *s <= '9'; i++)
		fp = fp * 10 + (*s++ - '0');
	return i == 6 && *s == '\0' && ip * 1000000 + fp <= max;
}

/* "[-]D.D": metres with one decimal. */
static int
is_alt(const char *s)
{
	int i;

	if (*s == '-')
		s++;
	for (i = 0; *s >= '0' && *s <= '9'; i++)
		s++;
	return i >= 1 && i <= 16 && s[0] == '.' && s[1] >= '0' &&
	    s[1] <= '9' && s[2] == '\0';
}

/* obj[key], when present, is an integer of at least 0. */
static void
check_count(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0))
		broken("member \"%s\" not an integer >= 0", key);
}

/* obj[key], when present, is a non-empty string. */
static void
check_string(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0))
		broken("member \"%s\" not a non-empty string", key);
}

/* The three parts, as meta.h describes them. */
static void
check_parts(const json_t *media, const json_t *capture,
    const json_t *warnings)
{
	static const char *const media_str[] = { "mime", "container",
	    "created" };
	static const char *const media_int[] = { "duration_ms", "width",
	    "height" };
	static const char *const stream_int[] = { "index", "width", "height",
	    "sample_rate" };
	static const char *const capture_str[] = { "make", "model", "serial",
	    "taken", "software", "unique_id" };
	const json_t *streams, *s, *gps, *v;
	size_t i, j;

	if (!json_is_object(media) || !json_is_object(capture) ||
	    !json_is_array(warnings))
		broken("media, capture or warnings of the wrong type");
	if (json_array_size(warnings) > BC_META_WARNINGS_MAX)
		broken("more than BC_META_WARNINGS_MAX warnings");
	for (i = 0; i < json_array_size(warnings); i++) {
		v = json_array_get(warnings, i);
		if (!json_is_string(v) || json_string_length(v) == 0)
			broken("a warning not a non-empty string");
	}
	for (i = 0; i < sizeof(media_str) / sizeof(media_str[0]); i++)
		check_string(media, media_str[i]);
	for (i = 0; i < sizeof(media_int) / sizeof(media_int[0]); i++)
		check_count(media, media_int[i]);
	if ((streams = json_object_get(media, "streams")) != NULL) {
		if (!json_is_array(streams) ||
		    json_array_size(streams) > BC_META_STREAMS_MAX)
			broken("streams not an array of at most "
			    "BC_META_STREAMS_MAX");
		for (i = 0; i < json_array_size(streams); i++) {
			s = json_array_get(streams, i);
			if (!json_is_object(s))
				broken("a stream not an object");
			for (j = 0; j < sizeof(stream_int) /
			    sizeof(stream_int[0]); j++)
				check_count(s, stream_int[j]);
			check_string(s, "type");
			check_string(s, "codec");
			check_string(s, "frame_rate");
		}
	}
	for (i = 0; i < sizeof(capture_str) / sizeof(capture_str[0]); i++)
		check_string(capture, capture_str[i]);
	if ((gps = json_object_get(capture, "gps")) != NULL) {
		if (!json_is_object(gps))
			broken("gps not an object");
		v = json_object_get(gps, "lat");
		if (v != NULL && (!json_is_string(v) ||
		    !is_coord(json_string_value(v), 2, 90000000)))
			broken("gps.lat not [-]D.DDDDDD within 90");
		v = json_object_get(gps, "lon");
		if (v != NULL && (!json_is_string(v) ||
		    !is_coord(json_string_value(v), 3, 180000000)))
			broken("gps.lon not [-]D.DDDDDD within 180");
		v = json_object_get(gps, "alt_m");
		if (v != NULL && (!json_is_string(v) ||
		    !is_alt(json_string_value(v))))
			broken("gps.alt_m not [-]D.D");
	}
}

/* What a manifest seals: canonical JSON that reads back the same. */
static void
check_canon(const json_t *o)
{
	struct bc_err err;
	json_t *back = NULL;
	char *c = NULL;
	size_t clen = 0;

	check_tree(o, 0);
	if (bc_canon_dump(o, &c, &clen, &err) != 0 || c == NULL)
		broken("bc_canon_dump failed: %s", err.msg);
	if (bc_canon_read(c, clen, &back, &err) != 0 || !json_equal(back, o))
		broken("canonical JSON does not read back the same");
	json_decref(back);
	free(c);
}

static void
fuzz_extract(const uint8_t *data, size_t size)
{
	static int init;
	struct bc_err err;
	const char *mime;
	json_t *out = NULL, *media;
	int r, fd;

	if (!init) {
		bc_meta_parse_init(0);
		init = 1;
	}
	write_tmp(data, size);
	mime = bc_media_sniff(data, size < BC_HASH_HEADSZ ? size :
	    BC_HASH_HEADSZ);
	if ((fd = open(tmppath, O_RDONLY | O_CLOEXEC)) == -1)
		harness_fail("open");
	r = bc_meta_parse_fd(fd, mime, 0, &out, &err);
	close(fd);
	if (r == BC_ERR_NOMEM) {
		if (out != NULL)
			broken("NOMEM with a result");
		return;
	}
	if (r != 0)
		broken("bc_meta_parse_fd returned %d", r);
	shown = out;
	if (!json_is_object(out) || json_object_size(out) != 3)
		broken("not an object of three members");
	media = json_object_get(out, "media");
	check_parts(media, json_object_get(out, "capture"),
	    json_object_get(out, "warnings"));
	if (json_string_value(json_object_get(media, "mime")) == NULL ||
	    strcmp(json_string_value(json_object_get(media, "mime")),
	    mime) != 0)
		broken("media.mime is not the sniffed type");
	check_canon(out);
	shown = NULL;
	json_decref(out);
}

static void
fuzz_exif_data(const uint8_t *data, size_t size)
{
	json_t *o, *media, *capture, *warnings;

	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "media", json_object()) != 0 ||
	    json_object_set_new(o, "capture", json_object()) != 0 ||
	    json_object_set_new(o, "warnings", json_array()) != 0) {
		json_decref(o);
		return;
	}
	media = json_object_get(o, "media");
	capture = json_object_get(o, "capture");
	warnings = json_object_get(o, "warnings");
	bc_meta_exif_data(data, size, media, capture, warnings);
	shown = o;
	check_parts(media, capture, warnings);
	check_canon(o);
	shown = NULL;
	json_decref(o);
}

static void
fuzz_iso6709(const uint8_t *data, size_t size)
{
	char s[65], lat[16], lon[16], alt[24];
	size_t len = size < 64 ? size : 64;

	memcpy(s, data, len);
	s[len] = '\0';
	memset(lat, 'x', sizeof(lat));
	memset(lon, 'x', sizeof(lon));
	memset(alt, 'x', sizeof(alt));
	if (bc_meta_iso6709(s, lat, lon, alt) != 0)
		return;
	if (memchr(lat, '\0', sizeof(lat)) == NULL ||
	    memchr(lon, '\0', sizeof(lon)) == NULL ||
	    memchr(alt, '\0', sizeof(alt)) == NULL)
		broken("bc_meta_iso6709 left a string unterminated");
	if (!is_coord(lat, 2, 90000000) || !is_coord(lon, 3, 180000000) ||
	    (alt[0] != '\0' && !is_alt(alt)))
		broken("bc_meta_iso6709 gave a malformed lat, lon or alt");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract(data, size);
	fuzz_exif_data(data, size);
	fuzz_iso6709(data, size);
	return 0;
}
