/*
 * util.c - time, host and user helpers.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bodycam/util.h"

time_t
bc_now(void)
{
	const char *fixed = getenv("BODYCAM_NOW");
	time_t t;

	if (fixed != NULL && *fixed != '\0' && bc_time_parse(fixed, 0, &t) == 0)
		return t;
	return time(NULL);
}

void
bc_time_format(time_t t, char out[BC_TIME_MAX])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, BC_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, BC_TIME_MAX, "1970-01-01T00:00:00Z");
}

void
bc_time_stamp(time_t t, long usec, char out[BC_TIME_MAX])
{
	struct tm tm;
	char base[24];

	if (usec < 0 || usec > 999999)
		usec = 0;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(base, sizeof(base), "1970-01-01T00:00:00");
	snprintf(out, BC_TIME_MAX, "%s.%06ldZ", base, usec);
}

void
bc_time_now(char out[BC_TIME_MAX])
{
	const char *fixed = getenv("BODYCAM_NOW");
	struct timespec ts;
	time_t t;

	if (fixed != NULL && *fixed != '\0' &&
	    bc_time_parse(fixed, 0, &t) == 0) {
		bc_time_stamp(t, 0, out);
		return;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = time(NULL);
		ts.tv_nsec = 0;
	}
	bc_time_stamp(ts.tv_sec, ts.tv_nsec / 1000, out);
}

int
bc_time_is_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	time_t t;
	size_t i;

	if (s == NULL || strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return 0;
	return bc_time_parse(s, 0, &t) == 0;
}

int
bc_digits(const char **pp, int n)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	return v;
}

int
bc_parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' ||
		    v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
bc_days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
bc_time_parse(const char *s, int end_of_day, time_t *t)
{
	struct tm tm;
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, sign, oh, om;

	memset(&tm, 0, sizeof(tm));
	if ((y = bc_digits(&p, 4)) < 0 || *p++ != '-' ||
	    (mo = bc_digits(&p, 2)) < 0 || *p++ != '-' ||
	    (d = bc_digits(&p, 2)) < 0)
		return BC_ERR_MALFORMED;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > bc_days_in_month(y, mo))
		return BC_ERR_MALFORMED;
	if (*p == '\0') {
		if (end_of_day) {
			h = 23;
			mi = 59;
			sec = 59;
		}
		goto done;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return BC_ERR_MALFORMED;
	p++;
	if ((h = bc_digits(&p, 2)) < 0 || *p++ != ':' ||
	    (mi = bc_digits(&p, 2)) < 0)
		return BC_ERR_MALFORMED;
	if (*p == ':') {
		p++;
		if ((sec = bc_digits(&p, 2)) < 0)
			return BC_ERR_MALFORMED;
		if (*p == '.') {	/* fractions are accepted, dropped */
			p++;
			if (!isdigit((unsigned char)*p))
				return BC_ERR_MALFORMED;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (h > 23 || mi > 59 || sec > 60)
		return BC_ERR_MALFORMED;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if ((oh = bc_digits(&p, 2)) < 0 || *p++ != ':' ||
		    (om = bc_digits(&p, 2)) < 0 || oh > 23 || om > 59)
			return BC_ERR_MALFORMED;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return BC_ERR_MALFORMED;
 done:
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	*t = timegm(&tm) - off;
	return *t < 0 ? BC_ERR_MALFORMED : 0;	/* nothing before 1970 */
}

void
bc_station_name(char *out, size_t outsz)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "unknown-station");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, outsz, "%s", host);
}

void
bc_user_name(char *out, size_t outsz)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && res->pw_name != NULL)
		snprintf(out, outsz, "%s", res->pw_name);
	else
		snprintf(out, outsz, "uid-%lu", (unsigned long)geteuid());
}

const char *
bc_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

size_t
bc_utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
bc_read_fd(int fd, const char *name, size_t cap, char **out, size_t *len,
    struct bc_err *err)
{
	char *buf;
	size_t got = 0;
	ssize_t n;

	*out = NULL;
	*len = 0;
	if ((buf = malloc(cap + 2)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	/* one byte past the cap tells a file that is too large */
	while (got < cap + 1) {
		if ((n = read(fd, buf + got, cap + 1 - got)) == -1) {
			if (errno == EINTR)
				continue;
			OPENSSL_cleanse(buf, got);
			free(buf);
			return bc_err_set(err, BC_ERR_IO, "%s: %s", name,
			    strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > cap) {
		OPENSSL_cleanse(buf, got);
		free(buf);
		return bc_err_set(err, BC_ERR_TOO_LARGE, "%s: larger than %zu "
		    "bytes", name, cap);
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int
bc_read_small(const char *path, size_t cap, char **out, size_t *len,
    struct bc_err *err)
{
	struct stat st;
	int fd, r;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return bc_err_set(err, errno == ENOENT ? BC_ERR_NOT_FOUND :
		    BC_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    path);
	else
		r = bc_read_fd(fd, path, cap, out, len, err);
	close(fd);
	return r;
}

#ifndef BC_LIBEXECDIR
#define BC_LIBEXECDIR	"/usr/local/libexec/bodycam"
#endif

int
bc_exec_path(const char *name, const char *envvar, char *buf, size_t bufsz)
{
	const char *env = envvar != NULL ? getenv(envvar) : NULL;
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0') {
		if ((size_t)snprintf(buf, bufsz, "%s", env) >= bufsz)
			return -1;
		return 0;
	}
	/* beside the running program (the build tree), as git's exec-path */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, bufsz, "%s/%s", self,
			    name) < bufsz && access(buf, X_OK) == 0)
				return 0;
		}
	}
	if ((size_t)snprintf(buf, bufsz, "%s/%s", BC_LIBEXECDIR, name) >=
	    bufsz)
		return -1;
	return 0;
}
