/*
 * meta.c - the metadata extractor as bodycam runs it: the helper
 * bodycam-parse started on the open file, one process per file, and what
 * it answers read strictly and rebuilt in the documented shape; the
 * camera-clock check.  The readers themselves (meta-parse.c, meta-exif.c
 * with libexif, meta-av.c with libavformat) run only in the helper; the
 * string helpers both sides use are in meta-util.c.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bodycam/canon.h"
#include "bodycam/meta.h"
#include "bodycam/meta-util.h"
#include "bodycam/util.h"

extern char **environ;

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

/*
 * The parent's side of the helper bodycam-parse: find it, run it on the
 * open file, read its answer within a deadline and a size cap, and trust
 * no more of it than the documented shape.
 */

#define HELPER_NAME	"bodycam-parse"

static int
helper_timeout(void)
{
	const char *s = getenv("BODYCAM_PARSE_TIMEOUT");
	uint64_t v;

	if (s == NULL || bc_parse_uint(s, 1, 3600, &v) != 0)
		return BC_META_TIMEOUT;
	return (int)v;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
describe_status(int status, char *buf, size_t bufsz)
{
	const char *name;

	if (WIFSIGNALED(status)) {
		name = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, bufsz, "killed by signal %d (SIG%s)",
		    WTERMSIG(status), name != NULL ? name : "?");
	} else if (WIFEXITED(status))
		snprintf(buf, bufsz, "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(buf, bufsz, "ended with wait status %d", status);
}

/*
 * Runs the helper on fd: *out is its output (NUL-terminated, *outlen
 * bytes) when it ran to a clean exit; else *out is NULL and why is set.
 * Returns 0, or BC_ERR_NOMEM.
 */
static int
run_helper(int fd, const char *mime, int verbose, char **out,
    size_t *outlen, char *why, size_t whysz)
{
	char path[PATH_MAX], *buf = NULL, *nb, what[96];
	char *argv[5];
	posix_spawn_file_actions_t fa;
	struct pollfd pfd;
	size_t len = 0, cap = 0;
	long long deadline;
	pid_t pid = -1, w;
	int p[2] = { -1, -1 }, status = 0, r = 0, timeout, left, i = 0;
	int killed = 0, done = 0;
	ssize_t n;

	*out = NULL;
	*outlen = 0;
	why[0] = '\0';
	if (bc_exec_path(HELPER_NAME, "BODYCAM_PARSE", path,
	    sizeof(path)) != 0) {
		snprintf(why, whysz, "no path to %s", HELPER_NAME);
		return 0;
	}
	timeout = helper_timeout();
	argv[i++] = (char *)HELPER_NAME;
	if (verbose)
		argv[i++] = (char *)"-v";
	argv[i++] = (char *)"--";
	argv[i++] = (char *)mime;
	argv[i] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(why, whysz, "pipe: %s", strerror(errno));
		return 0;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	/* the file as standard input, the pipe as output, nothing else */
	if ((r = posix_spawn_file_actions_adddup2(&fa, fd, 0)) != 0 ||
	    (r = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
	    (r = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    (r = posix_spawn(&pid, path, &fa, NULL, argv, environ)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		snprintf(why, whysz, "cannot run %.100s: %s", path,
		    strerror(r));
		pid = -1;
		r = 0;
		goto out;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	p[1] = -1;

	deadline = now_ms() + (long long)timeout * 1000;
	while (!done) {
		if ((left = (int)(deadline - now_ms())) <= 0) {
			snprintf(why, whysz, "no answer within %d s: killed",
			    timeout);
			killed = 1;
			break;
		}
		pfd.fd = p[0];
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, left)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(why, whysz, "poll: %s", strerror(errno));
			killed = 1;
			break;
		}
		if (n == 0)
			continue;
		if (cap - len < 4096) {
			if (cap >= BC_META_OUTPUT_MAX + 1) {
				snprintf(why, whysz, "more than %d bytes of "
				    "output: killed", BC_META_OUTPUT_MAX);
				killed = 1;
				break;
			}
			cap = cap == 0 ? 16384 : cap * 2;
			if (cap > BC_META_OUTPUT_MAX + 1)
				cap = BC_META_OUTPUT_MAX + 1;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				r = BC_ERR_NOMEM;
				killed = 1;
				break;
			}
			buf = nb;
		}
		if ((n = read(p[0], buf + len, cap - len)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(why, whysz, "read: %s", strerror(errno));
			killed = 1;
			break;
		}
		if (n == 0)
			done = 1;
		len += (size_t)n;
		if (len > BC_META_OUTPUT_MAX) {
			snprintf(why, whysz, "more than %d bytes of output: "
			    "killed", BC_META_OUTPUT_MAX);
			killed = 1;
			break;
		}
	}
	/* output closed: it has to exit by the deadline too */
	while (!killed) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid)
			break;
		if (w == -1 && errno != EINTR) {
			snprintf(why, whysz, "waitpid: %s", strerror(errno));
			pid = -1;
			break;
		}
		if (now_ms() >= deadline) {
			snprintf(why, whysz, "no exit within %d s: killed",
			    timeout);
			killed = 1;
			break;
		}
		poll(NULL, 0, 2);
	}
	if (killed && pid != -1) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	pid = -1;
	if (!killed && why[0] == '\0') {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			describe_status(status, what, sizeof(what));
			snprintf(why, whysz, "%s", what);
		} else {
			buf[len] = '\0';
			*out = buf;
			*outlen = len;
			buf = NULL;
		}
	}
 out:
	if (pid != -1) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	free(buf);
	return r;
}

/*
 * Copies src[key] into dst if it is what the shape says: a string
 * (cleaned again), an integer (within the JSON-safe range), or absent.
 * Returns 0, or -1 for the wrong type.
 */
static int
copy_str(json_t *dst, const json_t *src, const char *key)
{
	const json_t *v = json_object_get(src, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return -1;
	bc_meta_set_str(dst, key, json_string_value(v),
	    json_string_length(v));
	return 0;
}

static int
copy_int(json_t *dst, const json_t *src, const char *key)
{
	const json_t *v = json_object_get(src, key);
	json_int_t i;

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < -BC_JSON_MAX_SAFE || i > BC_JSON_MAX_SAFE)
		return -1;
	json_object_set_new(dst, key, json_integer(i));
	return 0;
}

/* Non-zero when every member of o is named in keys (NULL-terminated). */
static int
only_keys(const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;

	if (!json_is_object(o))
		return 0;
	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return 0;
	}
	return 1;
}

/* "-12.345678" with decimals digits after the point. */
static int
is_decimal(const char *s, size_t decimals)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	if (*s == '-')
		s++;
	while (*s >= '0' && *s <= '9' && n < 12) {
		s++;
		n++;
	}
	if (n == 0 || *s++ != '.')
		return 0;
	for (n = 0; *s >= '0' && *s <= '9'; s++)
		n++;
	return *s == '\0' && n == decimals;
}

/*
 * Rebuilds what the helper answered in the shape meta.h documents, from
 * nothing: members the shape does not name, wrong types and bad
 * coordinates make it wrong (-1, what says which).
 */
static int
reshape(const json_t *in, const char *mime, json_t *media, json_t *capture,
    json_t *warnings, const char **what)
{
	static const char *const top_keys[] = { "media", "capture",
	    "warnings", NULL };
	static const char *const media_keys[] = { "mime", "container",
	    "duration_ms", "width", "height", "created", "streams", NULL };
	static const char *const stream_keys[] = { "index", "type", "codec",
	    "width", "height", "frame_rate", "sample_rate", NULL };
	static const char *const capture_keys[] = { "make", "model",
	    "serial", "taken", "software", "unique_id", "orientation", "gps",
	    NULL };
	static const char *const gps_keys[] = { "lat", "lon", "alt_m", NULL };
	const json_t *m, *c, *w, *s, *g, *v;
	json_t *streams, *o, *gps;
	size_t i;

	m = json_object_get(in, "media");
	c = json_object_get(in, "capture");
	w = json_object_get(in, "warnings");
	*what = "members";
	if (!only_keys(in, top_keys) || !only_keys(m, media_keys) ||
	    !only_keys(c, capture_keys) || !json_is_array(w))
		return -1;
	*what = "media";
	v = json_object_get(m, "mime");
	if (v != NULL && (!json_is_string(v) || mime == NULL ||
	    strcmp(json_string_value(v), mime) != 0))
		return -1;
	if (copy_str(media, m, "container") || copy_int(media, m,
	    "duration_ms") || copy_int(media, m, "width") ||
	    copy_int(media, m, "height") || copy_str(media, m, "created"))
		return -1;
	if ((s = json_object_get(m, "streams")) != NULL) {
		*what = "media.streams";
		if (!json_is_array(s) || json_array_size(s) >
		    BC_META_STREAMS_MAX)
			return -1;
		if ((streams = json_array()) == NULL)
			return -1;
		json_object_set_new(media, "streams", streams);
		for (i = 0; i < json_array_size(s); i++) {
			v = json_array_get(s, i);
			if (!only_keys(v, stream_keys) ||
			    (o = json_object()) == NULL)
				return -1;
			json_array_append_new(streams, o);
			if (copy_int(o, v, "index") || copy_str(o, v, "type") ||
			    copy_str(o, v, "codec") || copy_int(o, v, "width") ||
			    copy_int(o, v, "height") ||
			    copy_str(o, v, "frame_rate") ||
			    copy_int(o, v, "sample_rate"))
				return -1;
		}
	}
	*what = "capture";
	if (copy_str(capture, c, "make") || copy_str(capture, c, "model") ||
	    copy_str(capture, c, "serial") || copy_str(capture, c, "taken") ||
	    copy_str(capture, c, "software") ||
	    copy_str(capture, c, "unique_id") ||
	    copy_int(capture, c, "orientation"))
		return -1;
	if ((g = json_object_get(c, "gps")) != NULL) {
		*what = "capture.gps";
		if (!only_keys(g, gps_keys) ||
		    !is_decimal(json_string_value(json_object_get(g, "lat")),
		    6) ||
		    !is_decimal(json_string_value(json_object_get(g, "lon")),
		    6) ||
		    (json_object_get(g, "alt_m") != NULL && !is_decimal(
		    json_string_value(json_object_get(g, "alt_m")), 1)) ||
		    (gps = json_object()) == NULL)
			return -1;
		json_object_set_new(capture, "gps", gps);
		copy_str(gps, g, "lat");
		copy_str(gps, g, "lon");
		copy_str(gps, g, "alt_m");
	}
	*what = "warnings";
	if (json_array_size(w) > BC_META_WARNINGS_MAX)
		return -1;
	for (i = 0; i < json_array_size(w); i++) {
		v = json_array_get(w, i);
		if (!json_is_string(v))
			return -1;
		bc_meta_set_str(warnings, NULL, json_string_value(v),
		    json_string_length(v));
	}
	return 0;
}

int
bc_meta_extract_fd(int fd, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err)
{
	static const struct bc_meta_opts defaults;
	json_t *o = NULL, *media, *capture, *warnings, *in = NULL;
	char why[BC_META_STRING_MAX - 64], *text = NULL;
	const char *what;
	struct bc_err perr;
	size_t len = 0;
	int r;

	*out = NULL;
	if (fd < 0)
		return bc_err_set(err, BC_ERR_INVALID, "no file to read");
	if (opts == NULL)
		opts = &defaults;
	o = json_object();
	media = json_object();
	capture = json_object();
	warnings = json_array();
	if (o == NULL || media == NULL || capture == NULL ||
	    warnings == NULL || json_object_set_new(o, "media", media) != 0 ||
	    json_object_set_new(o, "capture", capture) != 0 ||
	    json_object_set_new(o, "warnings", warnings) != 0) {
		json_decref(o);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	if (mime != NULL)
		json_object_set_new(media, "mime", json_string(mime));
	/* nothing to parse: no process to start */
	if (mime == NULL) {
		bc_meta_warn(warnings, "content type unknown: no metadata read");
		goto done;
	}
	if (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/tiff") !=
	    0 && strncmp(mime, "video/", 6) != 0) {
		bc_meta_warn(warnings, "no metadata reader for %s", mime);
		goto done;
	}
	if ((r = run_helper(fd, mime, opts->verbose, &text, &len, why,
	    sizeof(why))) != 0) {
		json_decref(o);
		return bc_err_set(err, r, "out of memory");
	}
	if (text == NULL) {
		bc_meta_warn(warnings, "metadata helper: %s; metadata not "
		    "sealed", why);
		goto done;
	}
	bc_err_clear(&perr);
	if (bc_canon_read(text, len, &in, &perr) != 0) {
		bc_meta_warn(warnings, "metadata helper: malformed output "
		    "(%.80s); metadata not sealed", perr.msg);
		goto done;
	}
	if (reshape(in, mime, media, capture, warnings, &what) != 0) {
		json_object_clear(media);
		json_object_clear(capture);
		json_array_clear(warnings);
		json_object_set_new(media, "mime", json_string(mime));
		bc_meta_warn(warnings, "metadata helper: output of the wrong "
		    "shape (%s); metadata not sealed", what);
	}
 done:
	clock_check(capture, media, warnings, opts->now);
	json_decref(in);
	free(text);
	*out = o;
	return 0;
}

int
bc_meta_extract(const char *path, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err)
{
	int fd, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		return r;
	}
	r = bc_meta_extract_fd(fd, mime, opts, out, err);
	close(fd);
	return r;
}
