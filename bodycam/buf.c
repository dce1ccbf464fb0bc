/*
 * buf.c - growable buffers with a size cap, and checked array growth
 * (buf.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/error.h"

void
bc_buf_init(struct bc_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* Room for n more bytes and a NUL, or the buffer's (new) error. */
static int
reserve(struct bc_buf *b, size_t n)
{
	size_t need, ncap;
	char *np;

	if (b->err != 0)
		return b->err;
	if (n > b->max || b->len > b->max - n)
		return b->err = BC_ERR_TOO_LARGE;
	need = b->len + n + 1;		/* max < SIZE_MAX: no overflow */
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	/* never much beyond what max allows */
	if (ncap > b->max + 1 && need <= b->max + 1)
		ncap = b->max + 1;
	if ((np = realloc(b->p, ncap)) == NULL)
		return b->err = BC_ERR_NOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
bc_buf_add(struct bc_buf *b, const void *data, size_t n)
{
	int r;

	if ((r = reserve(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
bc_buf_addstr(struct bc_buf *b, const char *s)
{
	return bc_buf_add(b, s, strlen(s));
}

int
bc_buf_addch(struct bc_buf *b, char c)
{
	return bc_buf_add(b, &c, 1);
}

int
bc_buf_vprintf(struct bc_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, r;

	if (b->err != 0)
		return b->err;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return b->err = BC_ERR_INTERNAL;
	if ((r = reserve(b, (size_t)n)) != 0)
		return r;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
bc_buf_printf(struct bc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const char *
bc_buf_str(const struct bc_buf *b)
{
	return b->err == 0 && b->p != NULL ? b->p : "";
}

void
bc_buf_truncate(struct bc_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

char *
bc_buf_detach(struct bc_buf *b, size_t *lenp)
{
	char *p;

	if (lenp != NULL)
		*lenp = 0;
	if (b->err != 0) {
		bc_buf_free(b);
		return NULL;
	}
	if ((p = b->p) == NULL && (p = calloc(1, 1)) == NULL)
		return NULL;
	if (lenp != NULL)
		*lenp = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
bc_buf_free(struct bc_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void *
bc_grow(void *p, size_t *cap, size_t need, size_t size)
{
	void *np;
	size_t ncap;

	if (need <= *cap)
		return p;
	if (size == 0)
		return NULL;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > SIZE_MAX / size || (np = realloc(p, ncap * size)) == NULL)
		return NULL;
	*cap = ncap;
	return np;
}
