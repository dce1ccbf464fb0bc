/*
 * meta-exif.c - EXIF metadata through libexif: the APP1 "Exif" segment of
 * a JPEG, the TIFF structure of a TIFF or DNG file (handed to libexif as
 * an EXIF block, since its loader takes no TIFF), and EXIF blocks found
 * inside containers.  Only what meta.h names is kept.  Strings go through
 * bc_meta_set_str; coordinates and altitude are computed with integers.
 *
 * libexif is run with neither FOLLOW_SPECIFICATION (which would rewrite
 * the data: add "mandatory" tags with default values, convert formats,
 * drop tags it thinks misplaced) nor IGNORE_UNKNOWN_TAGS (which would
 * drop tags it does not know in an IFD, such as DNG's CameraSerialNumber).
 * Its log is never printed: what it reports about damaged data becomes
 * warnings, in the C locale, so that the same file always gives the same
 * warnings.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <libexif/exif-utils.h>

#include "bodycam/meta.h"
#include "bodycam/meta-util.h"
#include "bodycam/util.h"

/*
 * libexif reads IFDs only within the first 0xfffe bytes of a block,
 * "Exif\0\0" included (an APP1 segment cannot be longer): so much of a
 * TIFF file is all it can use, and all that is read of one.
 */
#define EXIF_WINDOW		0xfffe
#define EXIF_TIFF_WINDOW	(EXIF_WINDOW - 6)

#define EXIF_JPEG_MARKERS	1024	/* markers walked to find APP1 */
#define EXIF_LOG_KEEP		3	/* libexif complaints quoted */
#define EXIF_LOG_MSG		160

/* 10 * the largest common denominator must fit in 64 bits. */
#define GPS_DEN_MAX		(UINT64_MAX / 10)

static const unsigned char exif_magic[6] = { 'E', 'x', 'i', 'f', 0, 0 };

struct exif_log_state {
	char		 msg[EXIF_LOG_KEEP][EXIF_LOG_MSG];
	unsigned	 n;		/* problems reported */
};

struct exif_ctx {
	ExifData	*ed;
	ExifByteOrder	 bo;
	json_t		*media;
	json_t		*capture;
	json_t		*warnings;
};

/*
 * libexif's debug messages that mean data was skipped (the others trace
 * normal parsing).  Corrupt-data and out-of-memory messages always count.
 */
static const char *const damage_prefix[] = {
	"Short data", "Tag starts past", "Tag data goes past",
	"Tag data past", "Recursive entry", "Attempt to load IFD", "Bogus",
	"Deep", "Tag size overflow", "Failsafe", "Invalid", "Short MakerNote",
	"Buffer overflow",
};

static void
exif_log_func(ExifLog *log, ExifLogCode code, const char *domain,
    const char *fmt, va_list ap, void *arg)
{
	struct exif_log_state *ls = arg;
	char buf[EXIF_LOG_MSG];
	size_t i;

	(void)log;
	(void)domain;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (code == EXIF_LOG_CODE_DEBUG) {
		for (i = 0; i < sizeof(damage_prefix) /
		    sizeof(damage_prefix[0]); i++)
			if (strncmp(buf, damage_prefix[i],
			    strlen(damage_prefix[i])) == 0)
				break;
		if (i == sizeof(damage_prefix) / sizeof(damage_prefix[0]))
			return;
	} else if (code != EXIF_LOG_CODE_CORRUPT_DATA &&
	    code != EXIF_LOG_CODE_NO_MEMORY)
		return;
	if (ls->n < EXIF_LOG_KEEP)
		memcpy(ls->msg[ls->n], buf, sizeof(buf));
	ls->n++;
}

/* Reads up to n bytes at off; returns how many, or -1 on an error. */
static ssize_t
read_at(int fd, off_t off, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* --- reading entries ---------------------------------------------------- */

/* The entry tag in IFD a, else in IFD b (EXIF_IFD_COUNT: none). */
static ExifEntry *
find(const struct exif_ctx *c, ExifTag tag, ExifIfd a, ExifIfd b)
{
	ExifEntry *e = NULL;

	if (a < EXIF_IFD_COUNT)
		e = exif_content_get_entry(c->ed->ifd[a], tag);
	if (e == NULL && b < EXIF_IFD_COUNT)
		e = exif_content_get_entry(c->ed->ifd[b], tag);
	if (e != NULL && (e->data == NULL || e->components == 0 ||
	    e->size / e->components < exif_format_get_size(e->format)))
		return NULL;	/* libexif loads no such entry; but the
				   reads below rely on it */
	return e;
}

/*
 * A string entry: its bytes up to the first NUL.  Returns the length, or
 * -1 (with a warning) when it is not a string.
 */
static ssize_t
entry_str(const struct exif_ctx *c, const ExifEntry *e, const char *name,
    const char **s)
{
	if (e->format != EXIF_FORMAT_ASCII &&
	    e->format != EXIF_FORMAT_UNDEFINED &&
	    e->format != EXIF_FORMAT_BYTE) {
		bc_meta_warn(c->warnings, "EXIF %s is not a string (format "
		    "%d): ignored", name, (int)e->format);
		return -1;
	}
	*s = (const char *)e->data;
	return (ssize_t)strnlen(*s, e->size < e->components ? e->size :
	    e->components);
}

/* Sets obj[key] from a string entry, unless obj has key already. */
static void
set_entry_str(const struct exif_ctx *c, json_t *obj, const char *key,
    const ExifEntry *e, const char *name)
{
	const char *s;
	ssize_t n;

	if (e == NULL || json_object_get(obj, key) != NULL)
		return;
	if ((n = entry_str(c, e, name, &s)) >= 0)
		bc_meta_set_str(obj, key, s, (size_t)n);
}

/* The first value of a SHORT or LONG entry; -1 (warned) otherwise. */
static int
entry_uint(const struct exif_ctx *c, const ExifEntry *e, const char *name,
    uint32_t *v)
{
	if (e->format == EXIF_FORMAT_SHORT)
		*v = exif_get_short(e->data, c->bo);
	else if (e->format == EXIF_FORMAT_LONG)
		*v = exif_get_long(e->data, c->bo);
	else {
		bc_meta_warn(c->warnings, "EXIF %s is not an integer (format "
		    "%d): ignored", name, (int)e->format);
		return -1;
	}
	if (e->components != 1)
		bc_meta_warn(c->warnings, "EXIF %s has %lu values: the first "
		    "one used", name, e->components);
	return 0;
}

/* --- capture time ------------------------------------------------------- */

/* n digits of s as a number, or -1. */
static int
num(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/*
 * "YYYY:MM:DD HH:MM:SS" (s, n bytes, trailing blanks allowed; '-' is also
 * taken between date fields and 'T' between date and time) into
 * "YYYY-MM-DDTHH:MM:SS".  Returns 0, or -1 when it is not a valid time
 * ("0000:00:00 00:00:00", blanks, garbage).
 */
static int
exif_time(const char *s, size_t n, char out[20])
{
	int y, mo, d, h, mi, sec;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n != 19 || (s[4] != ':' && s[4] != '-') || s[7] != s[4] ||
	    (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
		return -1;
	if ((y = num(s, 4)) < 1 || (mo = num(s + 5, 2)) < 1 || mo > 12 ||
	    (d = num(s + 8, 2)) < 1 || d > bc_days_in_month(y, mo) ||
	    (h = num(s + 11, 2)) < 0 || h > 23 ||
	    (mi = num(s + 14, 2)) < 0 || mi > 59 ||
	    (sec = num(s + 17, 2)) < 0 || sec > 60)
		return -1;
	memcpy(out, s, 19);
	out[4] = out[7] = '-';
	out[10] = 'T';
	out[19] = '\0';
	return 0;
}

/*
 * OffsetTimeOriginal "+HH:MM" into out.  Returns 0, 1 when it is blank
 * (the way EXIF says "unknown"), or -1 when it is not an offset.
 */
static int
exif_offset(const char *s, size_t n, char out[7])
{
	size_t i;
	int h, m;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	for (i = 0; i < n && (s[i] == ' ' || s[i] == ':'); i++)
		;
	if (i == n)
		return 1;
	if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    (h = num(s + 1, 2)) < 0 || h > 23 || (m = num(s + 4, 2)) < 0 ||
	    m > 59)
		return -1;
	memcpy(out, s, 6);
	out[6] = '\0';
	return 0;
}

static void
read_taken(const struct exif_ctx *c)
{
	ExifEntry *e, *o;
	const char *s, *os;
	char taken[32], off[7];
	ssize_t n, on;
	int r;

	if (json_object_get(c->capture, "taken") != NULL ||
	    (e = find(c, EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_IFD_EXIF,
	    EXIF_IFD_0)) == NULL ||
	    (n = entry_str(c, e, "DateTimeOriginal", &s)) < 0)
		return;
	if (exif_time(s, (size_t)n, taken) != 0) {
		bc_meta_warn(c->warnings, "EXIF DateTimeOriginal \"%.*s\" is "
		    "not a valid time: no capture time", (int)(n > 32 ? 32 : n),
		    s);
		return;
	}
	o = find(c, EXIF_TAG_OFFSET_TIME_ORIGINAL, EXIF_IFD_EXIF, EXIF_IFD_0);
	if (o != NULL && (on = entry_str(c, o, "OffsetTimeOriginal",
	    &os)) >= 0) {
		if ((r = exif_offset(os, (size_t)on, off)) == 0)
			memcpy(taken + 19, off, sizeof(off));
		else if (r < 0)
			bc_meta_warn(c->warnings, "EXIF OffsetTimeOriginal "
			    "\"%.*s\" is not a UTC offset: capture time "
			    "without one", (int)(on > 16 ? 16 : on), os);
	}
	bc_meta_set_str(c->capture, "taken", taken, strlen(taken));
}

/* --- GPS ---------------------------------------------------------------- */

static uint64_t
gcd(uint64_t a, uint64_t b)
{
	uint64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * deg + min/60 + sec/3600 from the n (1 to 3) rationals r, in millionths
 * rounded half away from zero, exactly: the terms are brought to one
 * denominator (their least common multiple) and the sum is divided digit
 * by digit.  Returns 0, -1 on a zero denominator, -2 when the numbers do
 * not fit in 64 bits, -3 when the value is above 1000 degrees.
 */
static int
dms_micro(const ExifRational *r, unsigned n, uint64_t *micro)
{
	static const uint64_t unit[3] = { 1, 60, 3600 };
	uint64_t den[3], l = 1, sum = 0, t, q, rem, g;
	unsigned i, k;

	for (i = 0; i < n; i++) {
		if (r[i].denominator == 0)
			return -1;
		den[i] = (uint64_t)r[i].denominator * unit[i];
		g = gcd(l, den[i]);
		if (l / g > GPS_DEN_MAX / den[i])
			return -2;
		l = l / g * den[i];
	}
	for (i = 0; i < n; i++) {
		t = l / den[i];
		if (r[i].numerator != 0 && t > (UINT64_MAX - sum) /
		    r[i].numerator)
			return -2;
		sum += r[i].numerator * t;
	}
	q = sum / l;
	rem = sum % l;
	if (q > 1000)
		return -3;
	for (k = 0; k < 6; k++) {
		rem *= 10;
		q = q * 10 + rem / l;
		rem %= l;
	}
	if (rem >= l - rem)	/* 2 * rem >= l, half away from zero */
		q++;
	*micro = q;
	return 0;
}

/*
 * GPSLatitude or GPSLongitude with its reference into out ("-1.456678").
 * Returns 0, 1 when neither is there, or -1 (warned) when it cannot be
 * used.
 */
static int
gps_coord(const struct exif_ctx *c, ExifTag tag, ExifTag reftag,
    const char *name, const char *hemi, uint64_t max, char out[16])
{
	ExifEntry *e, *ref;
	ExifRational r[3];
	uint64_t m;
	unsigned i;
	int neg, ch;

	e = find(c, tag, EXIF_IFD_GPS, EXIF_IFD_COUNT);
	ref = find(c, reftag, EXIF_IFD_GPS, EXIF_IFD_COUNT);
	if (e == NULL && ref == NULL)
		return 1;
	if (e == NULL) {
		bc_meta_warn(c->warnings, "EXIF GPS%sRef without GPS%s",
		    name, name);
		return -1;
	}
	if (e->format != EXIF_FORMAT_RATIONAL || e->components < 1 ||
	    e->components > 3) {
		bc_meta_warn(c->warnings, "EXIF GPS%s has format %d with %lu "
		    "values, not 3 rationals: no position", name,
		    (int)e->format, e->components);
		return -1;
	}
	if (ref == NULL || (ref->format != EXIF_FORMAT_ASCII &&
	    ref->format != EXIF_FORMAT_UNDEFINED &&
	    ref->format != EXIF_FORMAT_BYTE)) {
		bc_meta_warn(c->warnings, "EXIF GPS%sRef is missing: the "
		    "hemisphere is unknown, no position", name);
		return -1;
	}
	ch = ref->data[0];
	if (ch == hemi[0] || ch == hemi[0] + 'a' - 'A')
		neg = 0;
	else if (ch == hemi[1] || ch == hemi[1] + 'a' - 'A')
		neg = 1;
	else {
		bc_meta_warn(c->warnings, "EXIF GPS%sRef is 0x%02x, neither "
		    "%c nor %c: no position", name, ch, hemi[0], hemi[1]);
		return -1;
	}
	for (i = 0; i < e->components; i++)
		r[i] = exif_get_rational(e->data + 8 * i, c->bo);
	switch (dms_micro(r, (unsigned)e->components, &m)) {
	case 0:
		break;
	case -1:
		bc_meta_warn(c->warnings, "EXIF GPS%s has a zero denominator: "
		    "no position", name);
		return -1;
	case -2:
		bc_meta_warn(c->warnings, "EXIF GPS%s rationals are too large "
		    "to convert exactly: no position", name);
		return -1;
	default:
		m = UINT64_MAX;
		break;
	}
	if (m > max) {
		bc_meta_warn(c->warnings, "EXIF GPS%s is out of range: no "
		    "position", name);
		return -1;
	}
	snprintf(out, 16, "%s%llu.%06llu", neg && m != 0 ? "-" : "",
	    (unsigned long long)(m / 1000000),
	    (unsigned long long)(m % 1000000));
	return 0;
}

/* GPSAltitude and its reference into out ("-4.0"); 0 or -1. */
static int
gps_alt(const struct exif_ctx *c, char out[24])
{
	ExifEntry *e, *ref;
	ExifRational r;
	uint64_t dm;
	int neg = 0;

	if ((e = find(c, EXIF_TAG_GPS_ALTITUDE, EXIF_IFD_GPS,
	    EXIF_IFD_COUNT)) == NULL)
		return -1;
	if (e->format != EXIF_FORMAT_RATIONAL) {
		bc_meta_warn(c->warnings, "EXIF GPSAltitude is not a rational "
		    "(format %d): no altitude", (int)e->format);
		return -1;
	}
	r = exif_get_rational(e->data, c->bo);
	if (r.denominator == 0) {
		bc_meta_warn(c->warnings, "EXIF GPSAltitude has a zero "
		    "denominator: no altitude");
		return -1;
	}
	ref = find(c, EXIF_TAG_GPS_ALTITUDE_REF, EXIF_IFD_GPS,
	    EXIF_IFD_COUNT);
	if (ref != NULL) {
		if ((ref->format != EXIF_FORMAT_BYTE &&
		    ref->format != EXIF_FORMAT_UNDEFINED) ||
		    ref->data[0] > 1) {
			bc_meta_warn(c->warnings, "EXIF GPSAltitudeRef is "
			    "neither 0 (above) nor 1 (below sea level): no "
			    "altitude");
			return -1;
		}
		neg = ref->data[0] == 1;
	}
	/* tenths of a metre, rounded half away from zero */
	dm = ((uint64_t)r.numerator * 20 + r.denominator) /
	    ((uint64_t)r.denominator * 2);
	snprintf(out, 24, "%s%llu.%llu", neg && dm != 0 ? "-" : "",
	    (unsigned long long)(dm / 10), (unsigned long long)(dm % 10));
	return 0;
}

static void
read_gps(const struct exif_ctx *c)
{
	char lat[16], lon[16], alt[24];
	json_t *gps;
	int a, b;

	if (json_object_get(c->capture, "gps") != NULL)
		return;
	a = gps_coord(c, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF,
	    "Latitude", "NS", 90000000, lat);
	b = gps_coord(c, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF,
	    "Longitude", "EW", 180000000, lon);
	if (a == 1 && b == 1)
		return;
	if (a != 0 || b != 0) {
		if (a == 1 || b == 1)
			bc_meta_warn(c->warnings, "EXIF GPS position has no "
			    "%s: no position", a == 1 ? "latitude" :
			    "longitude");
		return;
	}
	if ((gps = json_object()) == NULL)
		return;
	bc_meta_set_str(gps, "lat", lat, strlen(lat));
	bc_meta_set_str(gps, "lon", lon, strlen(lon));
	if (gps_alt(c, alt) == 0)
		bc_meta_set_str(gps, "alt_m", alt, strlen(alt));
	json_object_set_new(c->capture, "gps", gps);
}

/* --- the rest ----------------------------------------------------------- */

static void
read_dims(const struct exif_ctx *c, int tiff)
{
	ExifEntry *w, *h, *sub;
	uint32_t vw, vh, st;

	if (json_object_get(c->media, "width") != NULL ||
	    json_object_get(c->media, "height") != NULL)
		return;
	w = find(c, EXIF_TAG_PIXEL_X_DIMENSION, EXIF_IFD_EXIF, EXIF_IFD_COUNT);
	h = find(c, EXIF_TAG_PIXEL_Y_DIMENSION, EXIF_IFD_EXIF, EXIF_IFD_COUNT);
	if ((w == NULL || h == NULL) && tiff) {
		/*
		 * A TIFF's IFD0 describes an image; but a DNG's IFD0 is
		 * its preview (NewSubfileType bit 0, "reduced resolution")
		 * and the raw image is in a SubIFD libexif does not read.
		 */
		sub = find(c, 0x00fe, EXIF_IFD_0, EXIF_IFD_COUNT);
		if (sub != NULL && entry_uint(c, sub, "NewSubfileType",
		    &st) == 0 && (st & 1) != 0)
			return;
		w = find(c, EXIF_TAG_IMAGE_WIDTH, EXIF_IFD_0, EXIF_IFD_COUNT);
		h = find(c, EXIF_TAG_IMAGE_LENGTH, EXIF_IFD_0, EXIF_IFD_COUNT);
	}
	if (w == NULL || h == NULL || entry_uint(c, w, "image width",
	    &vw) != 0 || entry_uint(c, h, "image height", &vh) != 0)
		return;
	if (vw == 0 || vh == 0) {
		bc_meta_warn(c->warnings, "EXIF image size %lux%lu: ignored",
		    (unsigned long)vw, (unsigned long)vh);
		return;
	}
	json_object_set_new(c->media, "width", json_integer(vw));
	json_object_set_new(c->media, "height", json_integer(vh));
}

static void
read_orientation(const struct exif_ctx *c)
{
	ExifEntry *e;
	uint32_t v;

	if (json_object_get(c->capture, "orientation") != NULL ||
	    (e = find(c, EXIF_TAG_ORIENTATION, EXIF_IFD_0,
	    EXIF_IFD_COUNT)) == NULL || entry_uint(c, e, "Orientation",
	    &v) != 0)
		return;
	if (v < 1 || v > 8) {
		bc_meta_warn(c->warnings, "EXIF Orientation %lu is not 1 to "
		    "8: ignored", (unsigned long)v);
		return;
	}
	json_object_set_new(c->capture, "orientation", json_integer(v));
}

/* Whether libexif loaded any entry at all. */
static int
has_entries(const ExifData *ed)
{
	unsigned i;

	for (i = 0; i < EXIF_IFD_COUNT; i++)
		if (ed->ifd[i] != NULL && ed->ifd[i]->count > 0)
			return 1;
	return 0;
}

/*
 * Loads the EXIF block d ("Exif\0\0" and a TIFF structure, len bytes)
 * and adds what meta.h names.  window: the block was already cut to what
 * libexif reads.
 */
static void
exif_load(const unsigned char *d, size_t len, int tiff, int window,
    json_t *media, json_t *capture, json_t *warnings)
{
	struct exif_log_state ls;
	struct exif_ctx c;
	ExifLog *log = NULL;
	unsigned i;

	memset(&ls, 0, sizeof(ls));
	memset(&c, 0, sizeof(c));
	if (len > EXIF_WINDOW) {
		len = EXIF_WINDOW;	/* all that libexif reads anyway */
		window = 1;
	}
	if ((c.ed = exif_data_new()) == NULL ||
	    (log = exif_log_new()) == NULL) {
		bc_meta_warn(warnings, "EXIF not read: out of memory");
		goto out;
	}
	exif_log_set_func(log, exif_log_func, &ls);
	exif_data_log(c.ed, log);
	exif_data_unset_option(c.ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
	exif_data_unset_option(c.ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
	exif_data_load_data(c.ed, d, (unsigned int)len);

	for (i = 0; i < ls.n && i < EXIF_LOG_KEEP; i++)
		bc_meta_warn(warnings, "EXIF data damaged: %s", ls.msg[i]);
	if (ls.n > EXIF_LOG_KEEP)
		bc_meta_warn(warnings, "EXIF data damaged: %u more problems",
		    ls.n - EXIF_LOG_KEEP);
	if (ls.n > 0 && window)
		bc_meta_warn(warnings, "EXIF read from the first %u bytes of "
		    "the TIFF structure only (libexif's limit): what lies "
		    "beyond is lost", EXIF_TIFF_WINDOW);
	if (!has_entries(c.ed)) {
		bc_meta_warn(warnings, "EXIF data holds no readable tags");
		goto out;
	}

	c.bo = exif_data_get_byte_order(c.ed);
	c.media = media;
	c.capture = capture;
	c.warnings = warnings;
	set_entry_str(&c, capture, "make", find(&c, EXIF_TAG_MAKE, EXIF_IFD_0,
	    EXIF_IFD_COUNT), "Make");
	set_entry_str(&c, capture, "model", find(&c, EXIF_TAG_MODEL,
	    EXIF_IFD_0, EXIF_IFD_COUNT), "Model");
	set_entry_str(&c, capture, "serial", find(&c,
	    EXIF_TAG_BODY_SERIAL_NUMBER, EXIF_IFD_EXIF, EXIF_IFD_0),
	    "BodySerialNumber");
	/* DNG's CameraSerialNumber (0xc62f), in IFD0 */
	set_entry_str(&c, capture, "serial", find(&c, 0xc62f, EXIF_IFD_0,
	    EXIF_IFD_COUNT), "CameraSerialNumber");
	read_taken(&c);
	set_entry_str(&c, capture, "software", find(&c, EXIF_TAG_SOFTWARE,
	    EXIF_IFD_0, EXIF_IFD_COUNT), "Software");
	set_entry_str(&c, capture, "unique_id", find(&c,
	    EXIF_TAG_IMAGE_UNIQUE_ID, EXIF_IFD_EXIF, EXIF_IFD_0),
	    "ImageUniqueID");
	read_orientation(&c);
	read_gps(&c);
	read_dims(&c, tiff);
 out:
	if (c.ed != NULL)
		exif_data_unref(c.ed);
	if (log != NULL)
		exif_log_unref(log);
}

static int
is_tiff(const unsigned char *p, size_t len)
{
	return len >= 8 && (memcmp(p, "II*\0", 4) == 0 ||
	    memcmp(p, "MM\0*", 4) == 0);
}

/*
 * A TIFF structure of len bytes at p: copied behind "Exif\0\0" (at most
 * what libexif reads) and loaded.  window: p was already cut to that.
 */
static void
exif_tiff(const unsigned char *p, size_t len, int tiff, int window,
    json_t *media, json_t *capture, json_t *warnings)
{
	unsigned char *buf;
	uint32_t ifd0;

	if (len > EXIF_TIFF_WINDOW) {
		len = EXIF_TIFF_WINDOW;
		window = 1;
	}
	ifd0 = p[0] == 'I' ? (uint32_t)p[4] | (uint32_t)p[5] << 8 |
	    (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24 :
	    (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | (uint32_t)p[7];
	if (ifd0 > EXIF_TIFF_WINDOW - 2) {
		bc_meta_warn(warnings, "TIFF IFD0 at byte %lu, past the first "
		    "%u bytes that libexif reads: no EXIF read",
		    (unsigned long)ifd0, EXIF_TIFF_WINDOW);
		return;
	}
	if ((buf = malloc(len + sizeof(exif_magic))) == NULL) {
		bc_meta_warn(warnings, "EXIF not read: out of memory");
		return;
	}
	memcpy(buf, exif_magic, sizeof(exif_magic));
	memcpy(buf + sizeof(exif_magic), p, len);
	exif_load(buf, len + sizeof(exif_magic), tiff, window, media, capture,
	    warnings);
	free(buf);
}

/*
 * The APP1 "Exif" segment of a JPEG, found by walking the markers before
 * the image data, read and loaded.
 */
static void
exif_jpeg(int fd, json_t *media, json_t *capture, json_t *warnings)
{
	unsigned char h[4], id[6], *seg;
	off_t off = 2;
	unsigned n, len;
	ssize_t got = 0;

	for (n = 0; n < EXIF_JPEG_MARKERS; n++) {
		if ((got = read_at(fd, off, h, 2)) != 2)
			goto end;
		if (h[0] != 0xff) {
			bc_meta_warn(warnings, "JPEG has no marker at byte "
			    "%lld: no EXIF read", (long long)off);
			return;
		}
		if (h[1] == 0xff) {		/* fill byte */
			off++;
			continue;
		}
		if (h[1] == 0xd8 || h[1] == 0x01 ||
		    (h[1] >= 0xd0 && h[1] <= 0xd7)) {	/* no length */
			off += 2;
			continue;
		}
		if (h[1] == 0xda || h[1] == 0xd9)	/* image data, end */
			break;
		if ((got = read_at(fd, off + 2, h + 2, 2)) != 2)
			goto end;
		if ((len = (unsigned)h[2] << 8 | h[3]) < 2) {
			bc_meta_warn(warnings, "JPEG segment at byte %lld has "
			    "length %u: no EXIF read", (long long)off, len);
			return;
		}
		len -= 2;
		if (h[1] == 0xe1 && len >= sizeof(id) && read_at(fd, off + 4,
		    id, sizeof(id)) == (ssize_t)sizeof(id) &&
		    memcmp(id, exif_magic, sizeof(id)) == 0) {
			if ((seg = malloc(len)) == NULL) {
				bc_meta_warn(warnings, "EXIF not read: out of "
				    "memory");
				return;
			}
			if ((got = read_at(fd, off + 4, seg, len)) < 0)
				bc_meta_warn(warnings, "EXIF segment cannot be "
				    "read: %s", strerror(errno));
			else {
				if ((size_t)got < len)
					bc_meta_warn(warnings, "EXIF segment "
					    "truncated: the file ends after "
					    "%lld of its %u bytes",
					    (long long)got, len);
				exif_load(seg, (size_t)got, 0, 0, media,
				    capture, warnings);
			}
			free(seg);
			return;
		}
		off += 4 + (off_t)len;
	}
	if (n == EXIF_JPEG_MARKERS)
		bc_meta_warn(warnings, "JPEG has no EXIF segment in its first "
		    "%u markers", EXIF_JPEG_MARKERS);
	else
		bc_meta_warn(warnings, "JPEG has no EXIF segment");
	return;
 end:
	if (got < 0)
		bc_meta_warn(warnings, "JPEG cannot be read: %s",
		    strerror(errno));
	else
		bc_meta_warn(warnings, "JPEG ends at byte %lld, inside its "
		    "headers: no EXIF segment", (long long)off + got);
}

/*
 * libexif's messages, and strerror's, in English whatever the program's
 * locale: they end up in sealed manifests.
 */
static locale_t
c_locale_enter(locale_t *old)
{
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);

	*old = (locale_t)0;
	if (c != (locale_t)0)
		*old = uselocale(c);
	return c;
}

static void
c_locale_leave(locale_t c, locale_t old)
{
	if (c == (locale_t)0)
		return;
	uselocale(old);
	freelocale(c);
}

void
bc_meta_exif_file(const char *path, json_t *media, json_t *capture,
    json_t *warnings)
{
	locale_t loc, old;
	int fd;

	loc = c_locale_enter(&old);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1)
		bc_meta_warn(warnings, "cannot open the file for EXIF: %s",
		    strerror(errno));
	else {
		bc_meta_exif_fd(fd, media, capture, warnings);
		close(fd);
	}
	c_locale_leave(loc, old);
}

/* Reads with pread only: the caller's offset is left alone. */
void
bc_meta_exif_fd(int fd, json_t *media, json_t *capture, json_t *warnings)
{
	unsigned char head[8], *buf = NULL;
	locale_t loc, old;
	struct stat st;
	ssize_t got;
	size_t want;

	loc = c_locale_enter(&old);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		bc_meta_warn(warnings, "not a regular file: no EXIF read");
		goto out;
	}
	if ((got = read_at(fd, 0, head, sizeof(head))) < 0) {
		bc_meta_warn(warnings, "cannot read the file for EXIF: %s",
		    strerror(errno));
		goto out;
	}
	if (got >= 3 && head[0] == 0xff && head[1] == 0xd8 &&
	    head[2] == 0xff) {
		json_object_set_new(media, "container", json_string("jpeg"));
		exif_jpeg(fd, media, capture, warnings);
	} else if (is_tiff(head, (size_t)got)) {
		json_object_set_new(media, "container", json_string("tiff"));
		want = st.st_size > EXIF_TIFF_WINDOW ? EXIF_TIFF_WINDOW :
		    (size_t)st.st_size;
		if ((buf = malloc(want)) == NULL) {
			bc_meta_warn(warnings, "EXIF not read: out of memory");
			goto out;
		}
		if ((got = read_at(fd, 0, buf, want)) < 0) {
			bc_meta_warn(warnings, "cannot read the file for "
			    "EXIF: %s", strerror(errno));
			goto out;
		}
		if (is_tiff(buf, (size_t)got))
			exif_tiff(buf, (size_t)got, 1, st.st_size >
			    EXIF_TIFF_WINDOW, media, capture, warnings);
		else
			bc_meta_warn(warnings, "TIFF changed while read: no "
			    "EXIF read");
	} else if (got == 0)
		bc_meta_warn(warnings, "empty file: no EXIF");
	else if (got >= 4 && (memcmp(head, "II+\0", 4) == 0 ||
	    memcmp(head, "MM\0+", 4) == 0))
		bc_meta_warn(warnings, "BigTIFF is not read: no EXIF");
	else
		bc_meta_warn(warnings, "neither JPEG nor TIFF: no EXIF read");
 out:
	free(buf);
	c_locale_leave(loc, old);
}

void
bc_meta_exif_data(const unsigned char *data, size_t len, json_t *media,
    json_t *capture, json_t *warnings)
{
	locale_t loc, old;
	uint32_t off;

	loc = c_locale_enter(&old);
	/* HEIF/ISO BMFF ExifDataBlock: a 32-bit offset to the header first */
	if (data != NULL && len >= 4 && !is_tiff(data, len) &&
	    (len < 6 || memcmp(data, exif_magic, 6) != 0)) {
		off = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		    (uint32_t)data[2] << 8 | data[3];
		if (off <= len - 4 && (is_tiff(data + 4 + off, len - 4 - off) ||
		    (len - 4 - off >= 6 && memcmp(data + 4 + off, exif_magic,
		    6) == 0))) {
			data += 4 + off;
			len -= 4 + (size_t)off;
		}
	}
	if (data == NULL || len == 0)
		bc_meta_warn(warnings, "EXIF block is empty");
	else if (len >= 6 && memcmp(data, exif_magic, 6) == 0)
		exif_load(data, len, 0, 0, media, capture, warnings);
	else if (is_tiff(data, len))
		exif_tiff(data, len, 0, 0, media, capture, warnings);
	else
		bc_meta_warn(warnings, "EXIF block has no TIFF header: not "
		    "read");
	c_locale_leave(loc, old);
}
