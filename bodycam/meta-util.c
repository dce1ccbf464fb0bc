/*
 * meta-util.c - the string helpers shared by the metadata readers (in
 * the helper bodycam-parse) and by bodycam's side of the extractor:
 * warnings, cleaned strings, ISO 6709 locations.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bodycam/meta-util.h"
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
