/*
 * meta.c - the metadata extractor: dispatch by content type, the shared
 * helpers, and the camera-clock check.  The readers themselves are in
 * meta-exif.c (libexif) and meta-av.c (libavformat).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/meta.h"
#include "bodycam/util.h"

void
bc_meta_warn(json_t *warnings, const char *fmt, ...)
{
	char buf[BC_META_STRING_MAX];
	va_list ap;

	if (warnings == NULL || json_array_size(warnings) >=
	    BC_META_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	bc_meta_set_str(warnings, NULL, buf, strlen(buf));
}

/*
 * With key NULL, obj is an array and the string is appended: what
 * bc_meta_warn uses.
 */
void
bc_meta_set_str(json_t *obj, const char *key, const char *v, size_t len)
{
	char buf[BC_META_STRING_MAX + 1];
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, o = 0, n;

	if (obj == NULL || v == NULL)
		return;
	/* trailing NULs, white space and padding */
	while (len > 0 && (p[len - 1] == '\0' || isspace(p[len - 1])))
		len--;
	/* leading white space */
	while (i < len && isspace(p[i]))
		i++;
	while (i < len && o < BC_META_STRING_MAX) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			buf[o++] = '?';
			i++;
			continue;
		}
		if ((n = bc_utf8_seq(p + i, len - i)) == 0) {
			buf[o++] = '?';
			i++;
			continue;
		}
		if (o + n > BC_META_STRING_MAX)
			break;
		memcpy(buf + o, p + i, n);
		o += n;
		i += n;
	}
	if (o == 0)
		return;
	buf[o] = '\0';
	if (key == NULL)
		json_array_append_new(obj, json_string(buf));
	else
		json_object_set_new(obj, key, json_string(buf));
}

/*
 * Reads a signed decimal number at *pp with exactly intdigits integer
 * digits (any number when negative) and any fraction; returns it in
 * micro-units, rounded half away from zero at the sixth decimal.
 */
static int
iso_component(const char **pp, int intdigits, long long *micro)
{
	const char *p = *pp;
	long long v = 0, frac = 0, scale = 1000000;
	int sign, i, round_up = 0;

	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	for (i = 0; i < intdigits || (intdigits < 0 && isdigit(
	    (unsigned char)*p)); i++) {
		if (!isdigit((unsigned char)*p) || i > 6)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (i == 0)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (i = 0; isdigit((unsigned char)*p); i++, p++) {
			if (i < 6) {
				scale /= 10;
				frac += (*p - '0') * scale;
			} else if (i == 6) {
				round_up = *p >= '5';
			}
			if (i > 30)
				return -1;
		}
	}
	*micro = sign * (v * 1000000 + frac + round_up);
	*pp = p;
	return 0;
}

/* "-1.456678" from micro-units, with 6 decimals or 1 (rounded). */
static void
fmt_micro(long long m, int decimals, char *out, size_t outsz)
{
	char buf[48];
	long long a = m < 0 ? -m : m, tenths;

	if (decimals == 6) {
		snprintf(buf, sizeof(buf), "%s%lld.%06lld", m < 0 ? "-" : "",
		    a / 1000000, a % 1000000);
	} else {	/* one decimal, rounded half away from zero */
		tenths = (a + 50000) / 100000;
		snprintf(buf, sizeof(buf), "%s%lld.%lld", m < 0 &&
		    tenths != 0 ? "-" : "", tenths / 10, tenths % 10);
	}
	if (strlen(buf) < outsz)
		memcpy(out, buf, strlen(buf) + 1);
	else
		out[0] = '\0';
}

int
bc_meta_iso6709(const char *s, char lat[16], char lon[16], char alt[24])
{
	const char *p = s;
	long long la, lo, al = 0;
	int has_alt = 0;

	if (s == NULL || iso_component(&p, 2, &la) != 0 ||
	    iso_component(&p, 3, &lo) != 0)
		return -1;
	if (*p == '+' || *p == '-') {
		if (iso_component(&p, -1, &al) != 0)
			return -1;
		has_alt = 1;
	}
	/* an optional CRS suffix ("CRSWGS_84") and the closing '/' */
	if (strncmp(p, "CRS", 3) == 0)
		p += strcspn(p, "/");
	if (*p == '/')
		p++;
	if (*p != '\0')
		return -1;
	if (la > 90000000 || la < -90000000 || lo > 180000000 ||
	    lo < -180000000)
		return -1;
	fmt_micro(la, 6, lat, 16);
	fmt_micro(lo, 6, lon, 16);
	if (has_alt)
		fmt_micro(al, 1, alt, 24);
	else
		alt[0] = '\0';
	return 0;
}

/*
 * A capture time in the future, or more than 24 hours before
 * registration, is worth a warning: a camera clock that disagrees with
 * the dock is argued about in court.  A local time without an offset may
 * be up to 14 hours off UTC either way.
 */
static void
clock_check(json_t *capture, json_t *media, json_t *warnings,
    const char *now)
{
	const char *taken = json_string_value(json_object_get(capture,
	    "taken"));
	const char *what = "capture time";
	time_t t, n;
	long slack;

	if (taken == NULL) {
		taken = json_string_value(json_object_get(media, "created"));
		what = "container creation time";
	}
	if (taken == NULL || now == NULL || bc_time_parse(now, 0, &n) != 0)
		return;
	if (bc_time_parse(taken, 0, &t) != 0) {
		bc_meta_warn(warnings, "%s %s cannot be read as a time", what,
		    taken);
		return;
	}
	slack = strchr(taken + 10, 'Z') || strchr(taken + 10, '+') ||
	    strchr(taken + 10, '-') ? 0 : 14 * 3600;
	if (t > n + slack)
		bc_meta_warn(warnings, "%s %s is after the registration time "
		    "%s: the camera clock is ahead", what, taken, now);
	else if (t < n - 24 * 3600 - slack)
		bc_meta_warn(warnings, "%s %s is more than 24 hours before "
		    "the registration time %s", what, taken, now);
}

/* From fd when it is not -1, else from path. */
static int
extract(int fd, const char *path, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err)
{
	static const struct bc_meta_opts defaults;
	json_t *o, *media, *capture, *warnings;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	o = json_object();
	media = json_object();
	capture = json_object();
	warnings = json_array();
	if (o == NULL || media == NULL || capture == NULL ||
	    warnings == NULL || json_object_set(o, "media", media) != 0 ||
	    json_object_set(o, "capture", capture) != 0 ||
	    json_object_set(o, "warnings", warnings) != 0) {
		json_decref(o);
		json_decref(media);
		json_decref(capture);
		json_decref(warnings);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	if (mime != NULL)
		json_object_set_new(media, "mime", json_string(mime));
	if (mime == NULL)
		bc_meta_warn(warnings, "content type unknown: no metadata read");
	else if (strcmp(mime, "image/jpeg") == 0 ||
	    strcmp(mime, "image/tiff") == 0) {
		if (fd != -1)
			bc_meta_exif_fd(fd, media, capture, warnings);
		else
			bc_meta_exif_file(path, media, capture, warnings);
	} else if (strncmp(mime, "video/", 6) == 0) {
		if (fd != -1)
			bc_meta_av_fd(fd, opts->verbose, media, capture,
			    warnings);
		else
			bc_meta_av_file(path, opts->verbose, media, capture,
			    warnings);
	} else
		bc_meta_warn(warnings, "no metadata reader for %s", mime);
	clock_check(capture, media, warnings, opts->now);
	json_decref(media);
	json_decref(capture);
	json_decref(warnings);
	*out = o;
	return 0;
}

int
bc_meta_extract(const char *path, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err)
{
	return extract(-1, path, mime, opts, out, err);
}

int
bc_meta_extract_fd(int fd, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err)
{
	if (fd < 0) {
		*out = NULL;
		return bc_err_set(err, BC_ERR_INVALID, "no file to read");
	}
	return extract(fd, NULL, mime, opts, out, err);
}
