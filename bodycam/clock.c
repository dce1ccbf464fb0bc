/*
 * clock.c - the time a writer may put in a signed record (clock.h).
 */
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bodycam/clock.h"
#include "bodycam/manifest.h"

/* The real clock's time plus ahead seconds, as a time stamp. */
static void
real_limit(long ahead, char out[BC_TIME_MAX])
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		ts.tv_sec = time(NULL);
	/* the whole last second counts: a stamp compares as a string */
	bc_time_stamp(ts.tv_sec + ahead, 999999, out);
}

int
bc_clock_too_far_ahead(const char *at)
{
	char limit[BC_TIME_MAX];

	real_limit(BC_TIME_TOLERANCE, limit);
	return at != NULL && strcmp(at, limit) > 0;
}

struct last {
	char	at[BC_TIME_MAX];
	int	found, bad;
};

static int
last_leaf(void *arg, const struct bc_leaf *l)
{
	struct last *lt = arg;
	const char *at = NULL;
	json_t *doc;

	if (l->kind == BC_LEAF_NONE)
		return 0;
	lt->found = 1;
	if ((doc = json_loadb(l->data, l->len, 0, NULL)) != NULL)
		at = l->kind == BC_LEAF_MANIFEST ?
		    bc_doc_str(doc, "registered.at") : bc_doc_str(doc, "at");
	if (at == NULL || !bc_time_is_stamp(at))
		lt->bad = 1;
	else
		snprintf(lt->at, sizeof(lt->at), "%s", at);
	json_decref(doc);
	return 0;
}

int
bc_clock_log_time(struct bc_catalog *cat, char out[BC_TIME_MAX],
    struct bc_err *err)
{
	struct last lt;
	struct bc_leaf l;
	uint64_t size;
	int r;

	out[0] = '\0';
	memset(&lt, 0, sizeof(lt));
	if (bc_catalog_log_last(cat, &l) == 0) {
		/* appended by this transaction: no need to read it back */
		size = (uint64_t)l.index + 1;
		(void)last_leaf(&lt, &l);
	} else {
		if ((r = bc_catalog_log_size(cat, &size, err)) != 0 ||
		    size == 0)
			return r;
		if ((r = bc_catalog_log_walk(cat, size - 1, size, last_leaf,
		    &lt, err)) != 0)
			return r;
	}
	if (!lt.found || lt.bad)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the newest record of "
		    "the log (leaf %llu) has no readable time; run 'bodycam "
		    "audit'", (unsigned long long)(size - 1));
	snprintf(out, BC_TIME_MAX, "%s", lt.at);
	return 0;
}

/* The checks both kinds of signing time share. */
static int
check_time(struct bc_catalog *cat, const char *at, const char *whose,
    struct bc_err *err)
{
	char limit[BC_TIME_MAX], newest[BC_TIME_MAX];
	int r;

	real_limit(BC_TIME_TOLERANCE, limit);
	if (strcmp(at, limit) > 0)
		return bc_err_set(err, BC_ERR_INVALID, "%s %s is more than "
		    "%d s ahead of this machine's clock; nothing recorded",
		    whose, at, BC_TIME_TOLERANCE);
	if ((r = bc_clock_log_time(cat, newest, err)) != 0)
		return r;
	if (strcmp(at, newest) < 0)
		return bc_err_set(err, BC_ERR_INVALID, "%s %s is before the "
		    "newest record in the log (%s); nothing recorded", whose,
		    at, newest);
	return 0;
}

int
bc_clock_sign_time(struct bc_catalog *cat, char now[BC_TIME_MAX],
    struct bc_err *err)
{
	bc_time_now(now);
	return check_time(cat, now, "the signing time (this clock)", err);
}

int
bc_clock_check_received(struct bc_catalog *cat, const char *at,
    struct bc_err *err)
{
	char lo[BC_TIME_MAX], hi[BC_TIME_MAX];
	time_t now = bc_now();

	if (!bc_time_is_stamp(at))
		return bc_err_set(err, BC_ERR_INVALID, "the time is not an "
		    "RFC 3339 UTC time stamp");
	bc_time_stamp(now - BC_TIME_TOLERANCE, 0, lo);
	bc_time_stamp(now + BC_TIME_TOLERANCE, 999999, hi);
	if (strcmp(at, hi) > 0)
		return bc_err_set(err, BC_ERR_INVALID, "the signed time %s is "
		    "more than %d s ahead of now; nothing recorded", at,
		    BC_TIME_TOLERANCE);
	if (strcmp(at, lo) < 0)
		return bc_err_set(err, BC_ERR_INVALID, "the signed time %s is "
		    "not now: more than %d s behind this clock; nothing "
		    "recorded", at, BC_TIME_TOLERANCE);
	return check_time(cat, at, "the signed time", err);
}
