/*
 * conf.c - configuration files of "key = value" lines (conf.h): read
 * under the checks a security service's configuration deserves, and
 * parsed strictly, every error named by its line.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/conf.h"
#include "bodycam/util.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
key_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (!first && ((c >= '0' && c <= '9') ||
	    c == '-'));
}

/*
 * Checks the value p[0..n): no control character, UTF-8 only.  Returns
 * NULL or why not.
 */
static const char *
value_bad(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] == '\r')
			return "a carriage return (DOS line ends?)";
		if (u[i] < 0x20 || u[i] == 0x7f)
			return "a control character";
		if ((k = bc_utf8_seq(u + i, n - i)) == 0)
			return "bytes that are not UTF-8";
		i += k;
	}
	return NULL;
}

/* Parses one line, NUL-terminated in place; 0, 1 (no entry) or -1. */
static int
parse_line(char *s, size_t len, struct bc_conf_entry *e, const char **why)
{
	char *key, *val, *end = s + len;
	size_t n;

	while (s < end && blank(*s))
		s++;
	if (s == end || *s == '#')
		return 1;
	if (!key_char(*s, 1)) {
		*why = "a line must be KEY = VALUE, a comment (#) or empty; "
		    "a key is a-z, 0-9 and '-', starting with a letter";
		return -1;
	}
	for (key = s; s < end && key_char(*s, 0); s++)
		;
	n = (size_t)(s - key);
	while (s < end && blank(*s))
		s++;
	if (s == end || *s != '=') {
		*why = s == end ? "a key without '= VALUE'" :
		    "a line must be KEY = VALUE (a key is a-z, 0-9 and '-')";
		return -1;
	}
	key[n] = '\0';
	for (s++; s < end && blank(*s); s++)
		;
	while (end > s && blank(end[-1]))
		end--;
	if (end == s) {
		*why = "no value after '='";
		return -1;
	}
	val = s;
	if ((*why = value_bad(val, (size_t)(end - val))) != NULL)
		return -1;
	*end = '\0';
	e->key = key;
	e->value = val;
	return 0;
}

int
bc_conf_parse(const char *name, const char *text, size_t len,
    struct bc_conf **out, struct bc_err *err)
{
	struct bc_conf *c = NULL;
	const char *why = NULL;
	char *p, *nl, *end;
	size_t n;
	unsigned line;
	int r;

	*out = NULL;
	if (len > BC_CONF_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "%s: larger than %d "
		    "bytes", name, BC_CONF_MAX);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->name = strdup(name)) == NULL ||
	    (c->text = malloc(len + 1)) == NULL ||
	    (c->e = calloc(BC_CONF_ENTRIES_MAX, sizeof(*c->e))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	end = c->text + len;
	for (p = c->text, line = 1; p < end; p = nl + 1, line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;	/* the last line has no LF */
		n = (size_t)(nl - p);
		if (memchr(p, '\0', n) != NULL) {
			r = bc_err_set(err, BC_ERR_MALFORMED, "%s:%u: a NUL "
			    "byte", name, line);
			goto out;
		}
		if (n > BC_CONF_LINE_MAX) {
			r = bc_err_set(err, BC_ERR_MALFORMED, "%s:%u: a line "
			    "longer than %d bytes", name, line,
			    BC_CONF_LINE_MAX);
			goto out;
		}
		if (c->n == BC_CONF_ENTRIES_MAX) {
			/* only KEY = VALUE lines count */
			if (parse_line(p, n, &c->e[0], &why) == 1)
				continue;
			r = bc_err_set(err, BC_ERR_TOO_LARGE, "%s:%u: more "
			    "than %d settings", name, line,
			    BC_CONF_ENTRIES_MAX);
			goto out;
		}
		switch (parse_line(p, n, &c->e[c->n], &why)) {
		case 0:
			c->e[c->n++].line = line;
			break;
		case 1:
			break;
		default:
			r = bc_err_set(err, BC_ERR_MALFORMED, "%s:%u: %s", name,
			    line, why);
			goto out;
		}
	}
	*out = c;
	c = NULL;
	r = 0;
 out:
	bc_conf_free(c);
	return r;
}

int
bc_conf_load(const char *path, struct bc_conf **out, struct bc_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, r;

	*out = NULL;
	/* O_NONBLOCK: a FIFO must not hang us before fstat refuses it */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return bc_err_set(err, errno == ENOENT ? BC_ERR_NOT_FOUND :
		    BC_ERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1) {
		r = bc_err_errno(err, errno, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 022) != 0) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: group or others may "
		    "write it (mode %04o); it configures a security service: "
		    "chmod go-w it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: owned by uid %u, "
		    "neither root nor the user running bodycam (uid %u)", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if ((r = bc_read_fd(fd, path, BC_CONF_MAX, &buf, &got, err)) != 0)
		goto out;
	r = bc_conf_parse(path, buf, got, out, err);
 out:
	free(buf);
	close(fd);
	return r;
}

void
bc_conf_free(struct bc_conf *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->text);
	free(c->e);
	free(c);
}
