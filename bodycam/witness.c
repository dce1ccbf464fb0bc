/*
 * witness.c - a transparency-log witness (c2sp.org/tlog-witness), the
 * log's side of the add-checkpoint call, and witness policies.
 *
 * Everything a witness receives is hostile: the request is capped, parsed
 * strictly, and nothing is stored or cosigned before the log's signature,
 * the sizes and the consistency proof have all checked out.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bodycam/buf.h"
#include "bodycam/hash.h"
#include "bodycam/http.h"
#include "bodycam/merkle.h"
#include "bodycam/tlog.h"
#include "bodycam/util.h"
#include "bodycam/witness.h"

#define POLICY_MAX	(64 * 1024)
#define CONF_MAX	(256 * 1024)

/* ------------------------------------------------------------ policies */

void
bc_witness_policy_free(struct bc_witness_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		bc_key_free(p->w[i].key);
		free(p->w[i].vkey);
		free(p->w[i].url);
	}
	free(p);
}

/* Splits line into at most max words on spaces; returns the count. */
static size_t
words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max)
			return max + 1;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

int
bc_witness_policy_parse(const char *text, size_t len,
    struct bc_witness_policy **out, struct bc_err *err)
{
	struct bc_witness_policy *p;
	struct bc_policy_witness *w;
	uint8_t id[BC_NOTE_KEYID_LEN];
	char *copy, *line, *next, *wd[4];
	size_t lineno = 0, nw, i;
	uint64_t q;
	int alg, r = 0, have_quorum = 0;

	*out = NULL;
	if (len > POLICY_MAX)
		return bc_err_set(err, BC_ERR_TOO_LARGE, "witness policy of "
		    "%zu bytes exceeds the %d-byte limit", len, POLICY_MAX);
	if (memchr(text, '\0', len) != NULL)
		return bc_err_set(err, BC_ERR_MALFORMED, "witness policy: a "
		    "NUL byte");
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (copy = malloc(len + 1)) == NULL) {
		free(p);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && r == 0; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '#')
			continue;
		if ((nw = words(line, wd, 3)) == 0)
			continue;
		if (strcmp(wd[0], "quorum") == 0 && nw == 2) {
			if (have_quorum || bc_parse_uint(wd[1], 1,
			    BC_WITNESS_MAX, &q) != 0)
				r = bc_err_set(err, BC_ERR_MALFORMED, "witness "
				    "policy line %zu: one quorum, of 1 to %d",
				    lineno, BC_WITNESS_MAX);
			p->quorum = (size_t)q;
			have_quorum = 1;
		} else if (strcmp(wd[0], "witness") == 0 &&
		    (nw == 2 || nw == 3)) {
			if (p->n == BC_WITNESS_MAX) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "witness "
				    "policy line %zu: more than %d witnesses",
				    lineno, BC_WITNESS_MAX);
				break;
			}
			w = &p->w[p->n];
			if ((r = bc_vkey_parse(wd[1], w->name, &alg, &w->key,
			    err)) != 0) {
				r = bc_err_wrap(err, BC_ERR_MALFORMED,
				    "witness policy line %zu", lineno);
				break;
			}
			p->n++;
			if (alg != BC_VKEY_COSIG_V1) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "witness "
				    "policy line %zu: %s is not a cosigner key "
				    "(type 0x04)", lineno, w->name);
				break;
			}
			if ((w->vkey = strdup(wd[1])) == NULL ||
			    (nw == 3 && (strlen(wd[2]) > BC_WITNESS_URL_MAX ||
			    (w->url = strdup(wd[2])) == NULL))) {
				r = bc_err_set(err, BC_ERR_NOMEM, "out of "
				    "memory or URL too long");
				break;
			}
			if (bc_cosig_key_id(w->name, w->key, id) != 0) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "witness "
				    "policy line %zu: bad key", lineno);
				break;
			}
			bc_hex(id, sizeof(id), w->keyid);
			for (i = 0; i + 1 < p->n; i++)
				if (strcmp(p->w[i].name, w->name) == 0 ||
				    strcmp(p->w[i].keyid, w->keyid) == 0)
					r = bc_err_set(err, BC_ERR_MALFORMED,
					    "witness policy line %zu: witness "
					    "%s is listed twice", lineno,
					    w->name);
		} else {
			r = bc_err_set(err, BC_ERR_MALFORMED, "witness policy "
			    "line %zu: not \"witness VKEY [URL]\" or \"quorum "
			    "K\"", lineno);
		}
	}
	free(copy);
	if (r == 0 && p->n == 0)
		r = bc_err_set(err, BC_ERR_MALFORMED, "witness policy: no "
		    "witness line");
	else if (r == 0 && !have_quorum)
		r = bc_err_set(err, BC_ERR_MALFORMED, "witness policy: no "
		    "quorum line (say how many witnesses must cosign)");
	else if (r == 0 && p->quorum > p->n)
		r = bc_err_set(err, BC_ERR_MALFORMED, "witness policy: quorum "
		    "%zu of only %zu witnesses", p->quorum, p->n);
	if (r != 0) {
		bc_witness_policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int
bc_witness_policy_load(const char *path, struct bc_witness_policy **out,
    struct bc_err *err)
{
	char *text;
	size_t len;
	int r;

	*out = NULL;
	if ((r = bc_read_small(path, POLICY_MAX, &text, &len, err)) != 0)
		return r;
	r = bc_witness_policy_parse(text, len, out, err);
	free(text);
	if (r != 0)
		bc_err_wrap(err, r, "%s", path);
	return r;
}

int
bc_witness_policy_check(const struct bc_witness_policy *p, const char *note,
    size_t len, struct bc_policy_result *res, struct bc_err *err)
{
	struct bc_policy_result tmp;
	struct bc_err e = { 0 };
	struct bc_buf why = BC_BUF_INIT(4096);
	size_t textlen, i, bad = 0;
	uint64_t t;
	int r;

	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	res->quorum = p->quorum;
	if ((r = bc_note_split(note, len, &textlen, err)) != 0)
		return r;
	for (i = 0; i < p->n; i++) {
		e.msg[0] = '\0';
		r = bc_cosig_check(note, textlen, note + textlen + 1,
		    len - textlen - 1, p->w[i].name, p->w[i].key, &t, NULL,
		    NULL, &e);
		res->status[i] = r;
		if (r == 0) {
			res->valid++;
			res->time[i] = t;
			continue;
		}
		if (r == BC_ERR_MALFORMED) {
			bc_buf_free(&why);
			return bc_err_set(err, r, "checkpoint: %s", e.msg);
		}
		if (r != BC_ERR_NOT_FOUND) {
			bad++;
			bc_buf_printf(&why, "%s%s", why.len ? "; " : "", e.msg);
		} else {
			bc_buf_printf(&why, "%sno cosignature by %s",
			    why.len ? "; " : "", p->w[i].name);
		}
	}
	if (bad == 0 && res->valid >= p->quorum) {
		bc_buf_free(&why);
		return 0;
	}
	r = bc_err_set(err, BC_ERR_INTEGRITY, "witness policy not met: %zu "
	    "of %zu witnesses cosigned, quorum %zu%s: %s", res->valid, p->n,
	    p->quorum, bad ? ", and a cosignature is bad" : "",
	    bc_buf_str(&why));
	bc_buf_free(&why);
	return r;
}

/* ------------------------------------------------------------- witness */

struct bc_witness_log {
	char		 origin[BC_VKEY_NAME_MAX + 1];
	struct bc_key	*key;
};

struct bc_witness {
	char			*dir;
	char			 name[BC_VKEY_NAME_MAX + 1];
	struct bc_key		*key;
	char			*vkey;
	struct bc_witness_log	 logs[BC_WITNESS_LOGS_MAX];
	size_t			 nlogs;
	pthread_mutex_t		 mu;	/* threads of one process */
};

static int
path_in(char *out, size_t cap, const char *dir, const char *name,
    struct bc_err *err)
{
	if ((size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap)
		return bc_err_set(err, BC_ERR_INVALID, "path too long: %s/%s",
		    dir, name);
	return 0;
}

/* fsync of the directory holding path: a rename is durable after it. */
static int
sync_dir(const char *path, struct bc_err *err)
{
	char dir[4096];
	char *slash;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) != 0)
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", dir, strerror(errno));
	if (fd != -1)
		close(fd);
	return r;
}

/* Writes data to path through a temporary file, fsync and rename. */
static int
write_atomic(const char *path, const char *data, size_t len, mode_t mode,
    struct bc_err *err)
{
	char tmp[4096];
	ssize_t w;
	size_t off = 0;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return bc_err_set(err, BC_ERR_INVALID, "path too long");
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode))
	    == -1)
		return bc_err_set(err, BC_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off != len || fsync(fd) != 0) {
		bc_err_set(err, BC_ERR_IO, "%s: %s", tmp, strerror(errno));
		close(fd);
		(void)unlink(tmp);
		return BC_ERR_IO;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		bc_err_set(err, BC_ERR_IO, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return BC_ERR_IO;
	}
	return sync_dir(path, err);
}

int
bc_witness_init(const char *dir, const char *name, char **vkey,
    struct bc_err *err)
{
	struct bc_key *key = NULL;
	char path[4096], *conf = NULL;
	size_t n;
	int r;

	*vkey = NULL;
	if (name == NULL || strlen(name) > BC_VKEY_NAME_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "a witness name of 1 to "
		    "%d bytes is needed", BC_VKEY_NAME_MAX);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return bc_err_set(err, BC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	if ((r = path_in(path, sizeof(path), dir, "witness.conf", err)) != 0)
		return r;
	if (access(path, F_OK) == 0)
		return bc_err_set(err, BC_ERR_EXISTS, "%s: a witness is "
		    "already set up there", dir);
	if ((r = path_in(path, sizeof(path), dir, "logs", err)) != 0)
		return r;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if ((r = bc_key_generate(&key)) != 0)
		return bc_err_set(err, r, "cannot generate a key");
	if ((r = bc_vkey_format(name, BC_VKEY_COSIG_V1, key, vkey, err)) != 0)
		goto done;
	if ((r = path_in(path, sizeof(path), dir, "witness.key", err)) != 0 ||
	    (r = bc_key_write_private(key, path, err)) != 0)
		goto done;
	n = strlen(name) + 64;
	if ((conf = malloc(n)) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto done;
	}
	snprintf(conf, n, "# bodycam witness\nname %s\n", name);
	if ((r = path_in(path, sizeof(path), dir, "witness.conf", err)) == 0)
		r = write_atomic(path, conf, strlen(conf), 0600, err);
done:
	free(conf);
	bc_key_free(key);
	if (r != 0) {
		free(*vkey);
		*vkey = NULL;
	}
	return r;
}

int
bc_witness_trust(const char *dir, const char *origin,
    const struct bc_key *logkey, struct bc_err *err)
{
	struct bc_buf b = BC_BUF_INIT(CONF_MAX);
	char path[4096], *text = NULL, *vk = NULL;
	size_t len;
	int r;

	if ((r = bc_origin_check(origin, err)) != 0)
		return r;
	if ((r = path_in(path, sizeof(path), dir, "witness.conf", err)) != 0 ||
	    (r = bc_read_small(path, CONF_MAX, &text, &len, err)) != 0)
		return r;
	if ((r = bc_vkey_format(origin, BC_VKEY_ED25519, logkey, &vk,
	    err)) != 0)
		goto done;
	if (strstr(text, vk) != NULL) {
		r = bc_err_set(err, BC_ERR_EXISTS, "the witness already "
		    "trusts %s", vk);
		goto done;
	}
	bc_buf_add(&b, text, len);
	if (len > 0 && text[len - 1] != '\n')
		bc_buf_addch(&b, '\n');
	bc_buf_printf(&b, "log %s\n", vk);
	if (b.err != 0) {
		r = bc_err_set(err, b.err, "witness.conf too large");
		goto done;
	}
	r = write_atomic(path, bc_buf_str(&b), b.len, 0600, err);
done:
	bc_buf_free(&b);
	free(text);
	free(vk);
	return r;
}

void
bc_witness_free(struct bc_witness *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nlogs; i++)
		bc_key_free(w->logs[i].key);
	bc_key_free(w->key);
	free(w->vkey);
	free(w->dir);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

const char *
bc_witness_vkey(const struct bc_witness *w)
{
	return w->vkey;
}

const char *
bc_witness_name(const struct bc_witness *w)
{
	return w->name;
}

int
bc_witness_open(const char *dir, struct bc_witness **out, struct bc_err *err)
{
	struct bc_witness *w;
	char path[4096], *text = NULL, *line, *next, *wd[3];
	size_t len, lineno = 0, nw;
	int r, alg;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->dir = strdup(dir)) == NULL) {
		free(w);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&w->mu, NULL);
	if ((r = path_in(path, sizeof(path), dir, "witness.conf", err)) != 0 ||
	    (r = bc_read_small(path, CONF_MAX, &text, &len, err)) != 0)
		goto fail;
	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '#' || (nw = words(line, wd, 2)) == 0)
			continue;
		if (nw == 2 && strcmp(wd[0], "name") == 0 &&
		    strlen(wd[1]) <= BC_VKEY_NAME_MAX) {
			snprintf(w->name, sizeof(w->name), "%s", wd[1]);
		} else if (nw == 2 && strcmp(wd[0], "log") == 0) {
			struct bc_witness_log *l;

			if (w->nlogs == BC_WITNESS_LOGS_MAX) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "%s line "
				    "%zu: more than %d logs", path, lineno,
				    BC_WITNESS_LOGS_MAX);
				goto fail;
			}
			l = &w->logs[w->nlogs];
			if ((r = bc_vkey_parse(wd[1], l->origin, &alg, &l->key,
			    err)) != 0) {
				bc_err_wrap(err, r, "%s line %zu", path,
				    lineno);
				goto fail;
			}
			w->nlogs++;
			if (alg != BC_VKEY_ED25519) {
				r = bc_err_set(err, BC_ERR_MALFORMED, "%s line "
				    "%zu: a log key is of type 0x01", path,
				    lineno);
				goto fail;
			}
		} else {
			r = bc_err_set(err, BC_ERR_MALFORMED, "%s line %zu: not "
			    "\"name NAME\" or \"log VKEY\"", path, lineno);
			goto fail;
		}
	}
	if (w->name[0] == '\0') {
		r = bc_err_set(err, BC_ERR_MALFORMED, "%s: no name line", path);
		goto fail;
	}
	if ((r = path_in(path, sizeof(path), dir, "witness.key", err)) != 0 ||
	    (r = bc_key_load_private(path, &w->key, err)) != 0 ||
	    (r = bc_vkey_format(w->name, BC_VKEY_COSIG_V1, w->key, &w->vkey,
	    err)) != 0)
		goto fail;
	free(text);
	*out = w;
	return 0;
fail:
	free(text);
	bc_witness_free(w);
	return r;
}

void
bc_witness_reply_clear(struct bc_witness_reply *reply)
{
	free(reply->body);
	memset(reply, 0, sizeof(*reply));
}

/* Sets the reply to status with a one-line text body; returns ret. */
static int
reply_set(struct bc_witness_reply *reply, int status, const char *ctype,
    const char *text, int ret)
{
	free(reply->body);
	reply->status = status;
	reply->ctype = ctype;
	reply->len = strlen(text);
	if ((reply->body = malloc(reply->len + 2)) == NULL) {
		reply->len = 0;
		return BC_ERR_NOMEM;
	}
	memcpy(reply->body, text, reply->len);
	reply->body[reply->len++] = '\n';
	reply->body[reply->len] = '\0';
	return ret;
}

#define TEXT	"text/plain; charset=utf-8"
#define SIZE	"text/x.tlog.size"

/* Refuses with status: err's message is the body. */
static int
refuse(struct bc_witness_reply *reply, int status, int r, struct bc_err *err)
{
	return reply_set(reply, status, TEXT, err->msg, r);
}

/* A decimal without leading zeros ("0" alone), as the protocol has it. */
static int
parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* The latest cosigned checkpoint of origin: *size, root; 0 if none. */
static int
state_read(struct bc_witness *w, const char *file, uint64_t *size,
    uint8_t root[BC_SHA256_LEN], struct bc_err *err)
{
	struct bc_checkpoint cp;
	char *note = NULL;
	size_t len, textlen;
	int r;

	*size = 0;
	r = bc_read_small(file, BC_NOTE_MAX, &note, &len, err);
	if (r == BC_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return r;
	if ((r = bc_note_split(note, len, &textlen, err)) == 0 &&
	    (r = bc_checkpoint_parse(note, textlen, &cp, err)) == 0) {
		*size = cp.size;
		memcpy(root, cp.root, BC_SHA256_LEN);
	}
	free(note);
	if (r != 0)
		return bc_err_set(err, BC_ERR_INTERNAL, "%s: the stored "
		    "checkpoint does not parse", file);
	return 0;
}

int
bc_witness_add(struct bc_witness *w, const char *req, size_t len,
    uint64_t now, struct bc_witness_reply *reply, struct bc_err *err)
{
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	uint8_t oroot[BC_SHA256_LEN], hash[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX], file[4096], lockp[4096], num[32];
	struct bc_checkpoint cp;
	const char *p, *end, *eol, *note;
	char *line = NULL;
	size_t nproof = 0, notelen, textlen, i, linelen;
	uint64_t old, stored;
	int r, fd = -1, trusted = 0, locked = 0, known = 0;

	memset(reply, 0, sizeof(*reply));
	if (len > BC_WITNESS_REQ_MAX) {
		bc_err_set(err, BC_ERR_TOO_LARGE, "request of %zu bytes "
		    "exceeds %d", len, BC_WITNESS_REQ_MAX);
		return refuse(reply, 400, BC_ERR_MALFORMED, err);
	}
	end = req + len;
	if ((eol = memchr(req, '\n', len)) == NULL || eol - req < 5 ||
	    memcmp(req, "old ", 4) != 0 ||
	    parse_dec(req + 4, (size_t)(eol - req - 4), &old) != 0 ||
	    old > INT64_MAX) {
		bc_err_set(err, BC_ERR_MALFORMED, "line 1 is not \"old N\" "
		    "(decimal, no leading zeros)");
		return refuse(reply, 400, BC_ERR_MALFORMED, err);
	}
	if ((proof = calloc(BC_WITNESS_PROOF_MAX, sizeof(*proof))) == NULL)
		return reply_set(reply, 500, TEXT, "out of memory",
		    BC_ERR_NOMEM);
	for (p = eol + 1;; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			bc_err_set(err, BC_ERR_MALFORMED, "no empty line "
			    "before the checkpoint");
			r = refuse(reply, 400, BC_ERR_MALFORMED, err);
			goto done;
		}
		if (eol == p)
			break;
		if (nproof == BC_WITNESS_PROOF_MAX ||
		    bc_note_hash_parse(p, (size_t)(eol - p),
		    proof[nproof]) != 0) {
			bc_err_set(err, BC_ERR_MALFORMED, "proof line %zu: not "
			    "the base64 of a hash, or more than %d", nproof + 1,
			    BC_WITNESS_PROOF_MAX);
			r = refuse(reply, 400, BC_ERR_MALFORMED, err);
			goto done;
		}
		nproof++;
	}
	note = eol + 1;
	notelen = (size_t)(end - note);
	if ((r = bc_note_split(note, notelen, &textlen, err)) != 0 ||
	    (r = bc_checkpoint_parse(note, textlen, &cp, err)) != 0) {
		r = refuse(reply, 400, BC_ERR_MALFORMED, err);
		goto done;
	}

	/* the log must be known, and one of its keys must have signed */
	for (i = 0; i < w->nlogs; i++) {
		if (strcmp(w->logs[i].origin, cp.origin) != 0)
			continue;
		known = 1;
		r = bc_note_verify(note, notelen, cp.origin, w->logs[i].key,
		    NULL, err);
		if (r == 0) {
			trusted = 1;
			break;
		}
		if (r == BC_ERR_MALFORMED) {
			r = refuse(reply, 400, r, err);
			goto done;
		}
	}
	if (!known) {
		bc_err_set(err, BC_ERR_NOT_FOUND, "unknown log %s", cp.origin);
		r = refuse(reply, 404, BC_ERR_NOT_FOUND, err);
		goto done;
	}
	if (!trusted) {
		bc_err_set(err, BC_ERR_INTEGRITY, "no valid signature by a "
		    "trusted key of %s", cp.origin);
		r = refuse(reply, 403, BC_ERR_INTEGRITY, err);
		goto done;
	}
	if (old > cp.size) {
		bc_err_set(err, BC_ERR_MALFORMED, "old size %" PRIu64 " is "
		    "larger than the checkpoint's %" PRIu64, old, cp.size);
		r = refuse(reply, 400, BC_ERR_MALFORMED, err);
		goto done;
	}
	if ((old == 0 || old == cp.size) && nproof != 0) {
		bc_err_set(err, BC_ERR_MALFORMED, "a proof from size %" PRIu64
		    " to %" PRIu64 " must be empty", old, cp.size);
		r = refuse(reply, 400, BC_ERR_MALFORMED, err);
		goto done;
	}

	/* check against the stored state and update it, as one step */
	bc_sha256(cp.origin, strlen(cp.origin), hash);
	bc_hex(hash, sizeof(hash), hex);
	if ((r = path_in(lockp, sizeof(lockp), w->dir, "lock", err)) != 0 ||
	    (size_t)snprintf(file, sizeof(file), "%s/logs/%s", w->dir, hex) >=
	    sizeof(file)) {
		r = refuse(reply, 500, BC_ERR_INVALID, err);
		goto done;
	}
	pthread_mutex_lock(&w->mu);
	locked = 1;
	if ((fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) != 0) {
		bc_err_set(err, BC_ERR_IO, "%s: %s", lockp, strerror(errno));
		r = refuse(reply, 500, BC_ERR_IO, err);
		goto done;
	}
	if ((r = state_read(w, file, &stored, oroot, err)) != 0) {
		r = refuse(reply, 500, r, err);
		goto done;
	}
	if (old != stored) {
		bc_err_set(err, BC_ERR_INTEGRITY, "old size %" PRIu64 " is not "
		    "the size last cosigned, %" PRIu64, old, stored);
		snprintf(num, sizeof(num), "%" PRIu64, stored);
		r = reply_set(reply, 409, SIZE, num, BC_ERR_INTEGRITY);
		goto done;
	}
	if (old == cp.size && old != 0 &&
	    CRYPTO_memcmp(oroot, cp.root, BC_SHA256_LEN) != 0) {
		bc_err_set(err, BC_ERR_INTEGRITY, "a checkpoint of size "
		    "%" PRIu64 " with another root than the one cosigned: the "
		    "log forked", old);
		r = refuse(reply, 409, BC_ERR_INTEGRITY, err);
		goto done;
	}
	if (old != 0 && old < cp.size && bc_merkle_verify_consistency(old,
	    cp.size, oroot, cp.root, (const uint8_t (*)[BC_SHA256_LEN])proof,
	    nproof) != 0) {
		bc_err_set(err, BC_ERR_INTEGRITY, "the consistency proof from "
		    "size %" PRIu64 " to %" PRIu64 " does not verify: a forked "
		    "or rewritten log", old, cp.size);
		r = refuse(reply, 422, BC_ERR_INTEGRITY, err);
		goto done;
	}
	if ((r = bc_cosig_sign(note, textlen, w->name, w->key, now, &line,
	    &linelen, err)) != 0) {
		r = refuse(reply, 500, r, err);
		goto done;
	}
	/* persisted before the cosignature is given */
	if ((r = write_atomic(file, note, notelen, 0600, err)) != 0) {
		r = refuse(reply, 500, r, err);
		goto done;
	}
	free(reply->body);
	reply->status = 200;
	reply->ctype = TEXT;
	reply->body = line;
	reply->len = linelen;
	line = NULL;
	r = 0;
done:
	if (fd != -1)
		close(fd);	/* releases the flock */
	if (locked)
		pthread_mutex_unlock(&w->mu);
	free(line);
	free(proof);
	return r;
}

/* ------------------------------------------------------------ log side */

int
bc_witness_request(struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, uint64_t old, char **body,
    size_t *len, struct bc_err *err)
{
	struct bc_buf b = BC_BUF_INIT(BC_WITNESS_REQ_MAX);
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	uint8_t rm[BC_SHA256_LEN], rn[BC_SHA256_LEN];
	char h64[BC_NOTE_HASH_B64 + 1];
	size_t n = 0, i;
	int r;

	*body = NULL;
	*len = 0;
	if (old > row->size)
		return bc_err_set(err, BC_ERR_INVALID, "the witness has "
		    "cosigned size %" PRIu64 ", larger than checkpoint %"
		    PRId64 "'s %" PRIu64 ": it saw a larger tree of this log",
		    old, row->id, row->size);
	if (old > 0 && old < row->size &&
	    (r = bc_tlog_consistency(cat, old, row->size, NULL, rm, rn,
	    &proof, &n, err)) != 0)
		return r;
	bc_buf_printf(&b, "old %" PRIu64 "\n", old);
	for (i = 0; i < n; i++) {
		bc_note_hash_format(proof[i], h64);
		bc_buf_printf(&b, "%s\n", h64);
	}
	bc_buf_addch(&b, '\n');
	bc_buf_add(&b, row->note, row->note_len);
	bc_merkle_proof_free(proof);
	if (n > BC_WITNESS_PROOF_MAX || b.err != 0) {
		bc_buf_free(&b);
		return bc_err_set(err, BC_ERR_TOO_LARGE, "add-checkpoint "
		    "request too large");
	}
	if ((*body = bc_buf_detach(&b, len)) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	return 0;
}

int
bc_witness_store(struct bc_catalog *cat,
    const struct bc_checkpoint_row *row, const struct bc_witness_policy *p,
    const char *sigs, size_t len, size_t *added, struct bc_err *err)
{
	struct bc_err e = { 0 };
	const char *line;
	size_t textlen, linelen, i, found = 0;
	uint64_t t;
	int r, began = 0;

	*added = 0;
	if ((r = bc_note_split(row->note, row->note_len, &textlen, err)) != 0)
		return r;
	for (i = 0; i < p->n; i++) {
		r = bc_cosig_check(row->note, textlen, sigs, len, p->w[i].name,
		    p->w[i].key, &t, &line, &linelen, &e);
		if (r == BC_ERR_NOT_FOUND)
			continue;
		if (r != 0) {
			bc_err_set(err, r, "%s", e.msg);
			goto fail;
		}
		found++;
		if (!began) {
			if ((r = bc_catalog_begin(cat, err)) != 0)
				return r;
			began = 1;
		}
		r = bc_catalog_add_cosignature(cat, row->id, p->w[i].name,
		    p->w[i].keyid, t, line, linelen, err);
		if (r == BC_ERR_EXISTS)
			continue;	/* cosigned before: keep the first */
		if (r != 0)
			goto fail;
		(*added)++;
	}
	if (found == 0)
		return bc_err_set(err, BC_ERR_NOT_FOUND, "no cosignature by a "
		    "witness of the policy over checkpoint %" PRId64 " (size %"
		    PRIu64 ")", row->id, row->size);
	return bc_catalog_commit(cat, err);
fail:
	if (began)
		bc_catalog_rollback(cat);
	return r;
}

int
bc_witness_cosign(struct bc_catalog *cat, const struct bc_checkpoint_row *row,
    const struct bc_witness_policy *p, const struct bc_policy_witness *w,
    int timeout, int *status, size_t *added, struct bc_err *err)
{
	struct bc_http_answer ans;
	char url[BC_WITNESS_URL_MAX + 32], *body = NULL, *end;
	uint64_t old = 0, theirs;
	size_t len;
	int r, tries;

	*status = 0;
	*added = 0;
	memset(&ans, 0, sizeof(ans));
	if (w->url == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "witness %s has no URL",
		    w->name);
	snprintf(url, sizeof(url), "%s%sadd-checkpoint", w->url,
	    w->url[0] != '\0' && w->url[strlen(w->url) - 1] == '/' ? "" : "/");
	if ((r = bc_catalog_cosigned_size(cat, w->name, w->keyid, &old,
	    err)) != 0)
		return r;
	if (old > row->size)
		old = 0;	/* the witness says its size */
	for (tries = 0; tries < 2; tries++) {
		free(body);
		body = NULL;
		bc_http_answer_clear(&ans);
		if ((r = bc_witness_request(cat, row, old, &body, &len,
		    err)) != 0 ||
		    (r = bc_http_post(url, "text/plain; charset=utf-8", body,
		    len, BC_NOTE_MAX, timeout, &ans, err)) != 0)
			goto done;
		*status = ans.status;
		if (ans.status != 409 || ans.len < 2 ||
		    ans.body[ans.len - 1] != '\n')
			break;
		/* the witness's size: the proof must start there */
		theirs = strtoull(ans.body, &end, 10);
		if (end != ans.body + ans.len - 1 || theirs == old)
			break;
		if (theirs > row->size) {
			r = bc_err_set(err, BC_ERR_INTEGRITY, "witness %s has "
			    "cosigned a tree of %" PRIu64 " leaves, larger than "
			    "checkpoint %" PRId64 " (%" PRIu64 "): it saw another "
			    "view of this log, or a newer checkpoint", w->name,
			    theirs, row->id, row->size);
			goto done;
		}
		old = theirs;
	}
	if (ans.status != 200) {
		r = bc_err_set(err, ans.status == 409 || ans.status == 422 ||
		    ans.status == 403 ? BC_ERR_INTEGRITY : BC_ERR_IO,
		    "witness %s refused (%d): %.*s", w->name, ans.status,
		    (int)(ans.len > 300 ? 300 : ans.len > 0 ? ans.len - 1 : 0),
		    ans.body != NULL ? ans.body : "");
		goto done;
	}
	r = bc_witness_store(cat, row, p, ans.body, ans.len, added, err);
done:
	bc_http_answer_clear(&ans);
	free(body);
	return r;
}
