/*
 * buf.h - a growable text/byte buffer with a size cap, in the manner of
 * curl's dynbuf (its "toobig") and OpenSSH's sshbuf (its max_size), and a
 * checked array growth in the manner of git's ALLOC_GROW, returning NULL
 * instead of dying.
 *
 * A buffer's first error is sticky: every later add returns it and
 * changes nothing, so a writer may add piece after piece and look once,
 * at the end (bc_buf_detach or b->err).
 */
#ifndef BODYCAM_BUF_H
#define BODYCAM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct bc_buf {
	char	*p;	/* NUL-terminated when not NULL */
	size_t	 len;	/* bytes held, the NUL not counted */
	size_t	 cap;	/* bytes allocated */
	size_t	 max;	/* the most len may reach */
	int	 err;	/* 0, or the first error: BC_ERR_NOMEM, _TOO_LARGE */
};

/* An empty buffer holding at most max bytes. */
#define BC_BUF_INIT(max)	{ NULL, 0, 0, (max), 0 }

void	bc_buf_init(struct bc_buf *b, size_t max);

/*
 * Appends n bytes (which may hold NULs).  Returns 0, or the buffer's
 * error: BC_ERR_TOO_LARGE when len would pass max, BC_ERR_NOMEM.
 */
int	bc_buf_add(struct bc_buf *b, const void *data, size_t n);
int	bc_buf_addstr(struct bc_buf *b, const char *s);
int	bc_buf_addch(struct bc_buf *b, char c);
int	bc_buf_printf(struct bc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int	bc_buf_vprintf(struct bc_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The text of b: "" before anything was added, or after an error. */
const char *bc_buf_str(const struct bc_buf *b);

/* Keeps the first len bytes (len <= b->len); memory is kept. */
void	bc_buf_truncate(struct bc_buf *b, size_t len);

/*
 * Hands the bytes over: a NUL-terminated string the caller frees ("" when
 * nothing was added), its length in *lenp (may be NULL); the buffer is
 * empty again.  After an error, frees them and returns NULL.
 */
char	*bc_buf_detach(struct bc_buf *b, size_t *lenp);

/* Frees the bytes; the buffer is empty again, its error cleared. */
void	bc_buf_free(struct bc_buf *b);

/*
 * The array p of *cap elements of size bytes each, grown (realloc) so that
 * it holds at least need >= 1: at least doubled, 16 at first, every size
 * checked for overflow.  Returns the array, to be assigned over p (p
 * itself when it was large enough), or NULL with p and *cap unchanged:
 *
 *	if ((tmp = bc_grow(v, &cap, n + 1, sizeof(*v))) == NULL)
 *		goto nomem;
 *	v = tmp;
 */
void	*bc_grow(void *p, size_t *cap, size_t need, size_t size);

#endif /* BODYCAM_BUF_H */
