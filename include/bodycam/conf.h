/*
 * conf.h - configuration files of "key = value" lines (bodycam serve
 * --config).
 *
 * A line is empty, a comment (its first character other than a space or
 * a tab is '#'), or KEY = VALUE: a key of a-z, 0-9 and '-' starting with
 * a letter, an equals sign, and a value that runs to the end of the line.
 * Spaces and tabs around the key, the sign and the value are dropped;
 * nothing else is: no quotes, no escapes, no comment after a value (a
 * path may hold '#').  Lines end with LF; a CR, a NUL or any other
 * control character, and bytes that are not UTF-8, are errors, as are a
 * line over BC_CONF_LINE_MAX bytes and a file over BC_CONF_MAX.  What
 * the keys mean, and which may repeat, is the caller's business.
 */
#ifndef BODYCAM_CONF_H
#define BODYCAM_CONF_H

#include <stddef.h>

#include "bodycam/error.h"

#define BC_CONF_MAX		(64 * 1024)	/* bytes of a file */
#define BC_CONF_LINE_MAX	4096		/* bytes of a line, its LF
						   not counted */
#define BC_CONF_ENTRIES_MAX	256		/* KEY = VALUE lines */

struct bc_conf_entry {
	const char	*key;
	const char	*value;
	unsigned	 line;		/* from 1 */
};

struct bc_conf {
	char			*name;		/* for messages: NAME:LINE */
	char			*text;		/* the keys and values point
						   into it */
	struct bc_conf_entry	*e;		/* in the file's order */
	size_t			 n;
};

/*
 * Parses len bytes of text (copied; it need not be NUL-terminated).
 * name is what messages call the file.  Returns 0 with *out (free it
 * with bc_conf_free), BC_ERR_MALFORMED with err saying "NAME:LINE: why",
 * BC_ERR_TOO_LARGE or BC_ERR_NOMEM.
 */
int bc_conf_parse(const char *name, const char *text, size_t len,
    struct bc_conf **out, struct bc_err *err);

/*
 * Reads and parses the file at path.  It configures a security service,
 * so, as sshd's StrictModes, it must be a regular file that neither
 * group nor others may write, owned by root or by the user running us:
 * else BC_ERR_INVALID naming the file and what is wrong.  Also
 * BC_ERR_NOT_FOUND, BC_ERR_IO and what bc_conf_parse returns.
 */
int bc_conf_load(const char *path, struct bc_conf **out, struct bc_err *err);

/* Accepts NULL. */
void bc_conf_free(struct bc_conf *c);

#endif /* BODYCAM_CONF_H */
