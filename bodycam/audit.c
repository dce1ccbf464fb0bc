/*
 * audit.c - every key document, manifest and event of a catalog, checked.
 *
 * Items are read in batches from one read snapshot.  Each batch goes to
 * worker threads for the independent, costly part of every record (its
 * hash, its canonical parse, its Ed25519 signature: bc_rec_prepare) while
 * this thread reads the next batch and judges the previous one in order
 * (links, authority at signing time, rules: bc_verify_judge).  So the
 * signature work, which dominates, keeps every core busy, and the result
 * is the same as verifying each item on its own.  The first batches are
 * small and double up to BATCH_RECS, so that the workers start at once
 * instead of waiting for a whole batch to be read.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bodycam/audit.h"
#include "bodycam/buf.h"
#include "bodycam/bundle.h"
#include "bodycam/keys.h"
#include "bodycam/retention.h"
#include "bodycam/tsa.h"
#include "internal.h"

#define BATCH_RECS	4096	/* records per batch, about */
#define BATCH_FIRST	256	/* the first batch's; each next twice that */

struct aitem {
	struct bc_item	*it;
	struct bc_event	*ev;
	size_t		 n;
	struct bc_rec	*rec;		/* n + 1: the manifest, then events */
};

struct batch {
	struct aitem		*v;
	size_t			 n, cap;
	size_t			 nrecs;
	struct bc_rec		**work;		/* nrecs records, in order */
	size_t			 next;		/* work queue, atomic */
	struct batch		*old;		/* judged: its trees to free */
	size_t			 oldnext;	/* its work queue, atomic */
	const struct bc_keyring	*kr;
	pthread_t		 tid[BC_AUDIT_THREADS_MAX];
	int			 nthreads;	/* running */
};

struct audit {
	struct bc_catalog		*cat;
	const struct bc_audit_opts	*opts;
	struct bc_audit_report		*rep;
	const struct bc_keyring		*kr;
	struct batch			*filling, *running, *judged;
	size_t				 nbatches;	/* handed out */
	int				 threads;
	int64_t				 total;
	struct bc_err			*err;
	/* records are unbound up to a point of the log, bound after it */
	int64_t				 max_unbound, min_bound;
	char				 unbound_item[BC_ITEM_ID_MAX];
	/* the log, walked beside the items; its failures reported last */
	struct bc_tlog_auditor		*tl;
	uint64_t			 logpos;
	struct bc_audit_report		 logrep;
	/* --search: the missing items, and the search roots resolved */
	struct missing			*miss;
	size_t				 nmiss, miss_cap;
	char				**roots;
};

/* A missing item, for --search. */
struct missing {
	char	 item[BC_ITEM_ID_MAX];
	char	 sha256[BC_SHA256_HEX];
	int64_t	 size;
	char	*from;			/* its current place */
	size_t	 failure;		/* its file-present failure */
	int	 found;
};

static int
add_failure(struct bc_audit_report *rep, const char *item, int64_t seq,
    enum bc_check_id check, const char *reason)
{
	struct bc_audit_failure *f, *tmp;

	/* grows by doubling: a wrecked catalog may fail every record */
	if ((tmp = bc_grow(rep->failures, &rep->failures_cap,
	    rep->nfailures + 1, sizeof(*tmp))) == NULL)
		return BC_ERR_NOMEM;
	rep->failures = tmp;
	f = &rep->failures[rep->nfailures++];
	memset(f, 0, sizeof(*f));
	snprintf(f->item, sizeof(f->item), "%s", item);
	f->seq = seq;
	f->leaf = -1;
	f->id = check;
	snprintf(f->check, sizeof(f->check), "%s", bc_check_name(check));
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	rep->status = BC_ERR_INTEGRITY;
	return 0;
}

void
bc_audit_report_clear(struct bc_audit_report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->nmoves; i++) {
		free(rep->moves[i].path);
		free(rep->moves[i].from);
	}
	free(rep->moves);
	free(rep->failures);
	memset(rep, 0, sizeof(*rep));
}

static void
batch_free(struct batch *b)
{
	size_t i, j;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		for (j = 0; b->v[i].rec != NULL && j <= b->v[i].n; j++)
			bc_rec_clear(&b->v[i].rec[j]);
		free(b->v[i].rec);
		bc_events_free(b->v[i].ev, b->v[i].n);
		bc_item_free(b->v[i].it);
	}
	free(b->v);
	free(b->work);
	free(b);
}

static void *
worker(void *arg)
{
	struct batch *b = arg, *old = b->old;
	struct bc_verifier *vf = bc_verifier_new();	/* NULL: slower */
	struct aitem *a;
	size_t i, j;

	/*
	 * First free the trees of the batch judged before: freed by the
	 * threads that allocate, memory goes straight back to their caches
	 * instead of through another thread's arena.
	 */
	while (old != NULL && (i = __atomic_fetch_add(&old->oldnext, 1,
	    __ATOMIC_RELAXED)) < old->n) {
		a = &old->v[i];
		for (j = 0; a->rec != NULL && j <= a->n; j++)
			bc_rec_clear(&a->rec[j]);
	}

	/*
	 * One record at a time, not one item: an item of many events would
	 * leave the other threads idle at the end of the batch.
	 */
	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) <
	    b->nrecs)
		bc_rec_prepare(b->work[i], b->kr, vf);
	bc_verifier_free(vf);
	return NULL;
}

/* Starts the workers on b; with no thread at all, does the work here. */
static int
batch_start(struct batch *b, struct batch *old, const struct bc_keyring *kr,
    int threads)
{
	size_t i, j, k = 0;
	int t;

	if ((b->work = calloc(b->nrecs, sizeof(*b->work))) == NULL)
		return BC_ERR_NOMEM;
	for (i = 0; i < b->n; i++)
		for (j = 0; j <= b->v[i].n; j++)
			b->work[k++] = &b->v[i].rec[j];

	b->kr = kr;
	b->old = old;
	if (old != NULL)
		old->oldnext = 0;
	b->next = 0;
	b->nthreads = 0;
	for (t = 0; t < threads; t++) {
		if (pthread_create(&b->tid[t], NULL, worker, b) != 0)
			break;
		b->nthreads++;
	}
	if (b->nthreads == 0)
		worker(b);
	return 0;
}

static void
batch_join(struct batch *b)
{
	int t;

	for (t = 0; t < b->nthreads; t++)
		pthread_join(b->tid[t], NULL);
	b->nthreads = 0;
}

/*
 * A purged item: whatever is at its path (a purge deletes only the
 * sealed file, so anything else there is left for someone to look at) is
 * reported, whatever the notes of the chain claim about the media.
 */
static int
audit_purged(struct audit *a, const struct aitem *ai, const char *path)
{
	struct bc_file_hash fh;
	struct stat st;
	char hex[BC_SHA256_HEX], why[BC_CHECK_DETAIL_MAX];

	a->rep->files_purged++;
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(why, sizeof(why), "purged, but %s cannot be "
		    "looked at: %s", path, strerror(errno));
	} else if (S_ISLNK(st.st_mode))
		snprintf(why, sizeof(why), "purged, but a symbolic link is at "
		    "%s", path);
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "purged, but something else than "
		    "a file is at %s", path);
	else if (bc_hash_file(path, &fh, NULL, NULL, NULL) != 0)
		snprintf(why, sizeof(why), "purged, but a file is still at "
		    "%s (unreadable)", path);
	else {
		bc_hex(fh.sha256, sizeof(fh.sha256), hex);
		snprintf(why, sizeof(why), strcmp(hex, ai->it->sha256) == 0 ?
		    "purged, but the sealed file is still at %s" :
		    "purged, but another file is at %s", path);
	}
	return add_failure(a->rep, ai->it->id, -1,
	    BC_CHECK_PURGED_BUT_PRESENT, why);
}

/* Remembers a missing item for --search. */
static int
missing_add(struct audit *a, const struct bc_item *it, const char *from,
    size_t failure)
{
	struct missing *m, *tmp;

	if ((tmp = bc_grow(a->miss, &a->miss_cap, a->nmiss + 1,
	    sizeof(*tmp))) == NULL)
		return BC_ERR_NOMEM;
	a->miss = tmp;
	m = &a->miss[a->nmiss];
	memset(m, 0, sizeof(*m));
	snprintf(m->item, sizeof(m->item), "%s", it->id);
	snprintf(m->sha256, sizeof(m->sha256), "%s", it->sha256);
	m->size = it->size;
	m->failure = failure;
	if ((m->from = strdup(from ? from : "")) == NULL)
		return BC_ERR_NOMEM;
	a->nmiss++;
	return 0;
}

/*
 * A regular file found under a search root: when its size is that of a
 * missing item not found yet, hashed, and matched to every such item.
 */
static int
search_file(struct audit *a, const char *path, const struct stat *st)
{
	struct bc_audit_report *rep = a->rep;
	struct bc_audit_failure *f;
	struct bc_audit_move *mv, *tmp;
	struct bc_file_hash fh;
	struct missing *m;
	char hex[BC_SHA256_HEX];
	size_t i, cap;
	int hashed = 0;

	for (i = 0; i < a->nmiss; i++) {
		m = &a->miss[i];
		if (m->found || m->size != (int64_t)st->st_size)
			continue;
		if (!hashed) {
			/* unreadable, or changing while read: not a match */
			if (bc_hash_file(path, &fh, NULL, NULL, NULL) != 0)
				return 0;
			bc_hex(fh.sha256, sizeof(fh.sha256), hex);
			hashed = 1;
		}
		if (strcmp(hex, m->sha256) != 0)
			continue;
		m->found = 1;
		cap = rep->nmoves;
		if ((tmp = bc_grow(rep->moves, &cap, rep->nmoves + 1,
		    sizeof(*tmp))) == NULL)
			return BC_ERR_NOMEM;
		rep->moves = tmp;
		mv = &rep->moves[rep->nmoves];
		memset(mv, 0, sizeof(*mv));
		snprintf(mv->item, sizeof(mv->item), "%s", m->item);
		if ((mv->path = strdup(path)) == NULL ||
		    (mv->from = strdup(m->from)) == NULL) {
			free(mv->path);
			return BC_ERR_NOMEM;
		}
		rep->nmoves++;
		rep->files_missing--;
		rep->files_moved++;
		f = &rep->failures[m->failure];
		snprintf(f->reason, sizeof(f->reason), "moved: not at %s, but "
		    "its sealed content is at %s (bodycam relocate %s PATH)",
		    m->from, path, m->item);
	}
	return 0;
}

/* Walks the directory open as dfd (path names it), depth first. */
static int
search_dir(struct audit *a, int dfd, char *path, size_t len, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t n;
	int fd, r = 0;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n = strlen(de->d_name);
		if (len + 1 + n >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		/* never through a symbolic link: only what lies beneath */
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISREG(st.st_mode))
			r = search_file(a, path, &st);
		else if (S_ISDIR(st.st_mode) && depth < 64 &&
		    (fd = openat(dirfd(d), de->d_name, O_RDONLY |
		    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) != -1)
			r = search_dir(a, fd, path, len + 1 + n, depth + 1);
	}
	path[len] = '\0';
	closedir(d);
	return r;
}

/* --search: the missing items' content under each root, in order. */
static int
search_moved(struct audit *a)
{
	char path[PATH_MAX];
	size_t i, len;
	int fd, r = 0;

	for (i = 0; i < a->opts->nsearch && r == 0 && a->nmiss > 0; i++) {
		if ((fd = open(a->roots[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			continue;	/* it was there at the start */
		len = strlen(a->roots[i]);
		memcpy(path, a->roots[i], len + 1);
		/* the root itself is "/": no double slash below it */
		if (len == 1)
			len = 0;
		r = search_dir(a, fd, path, len, 0);
	}
	if (r == BC_ERR_NOMEM)
		bc_err_set(a->err, r, "out of memory");
	return r;
}

/* Resolves the --search directories before anything is audited. */
static int
search_roots(struct audit *a)
{
	struct stat st;
	size_t i;

	if (a->opts->nsearch == 0)
		return 0;
	if ((a->roots = calloc(a->opts->nsearch, sizeof(*a->roots))) == NULL)
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	for (i = 0; i < a->opts->nsearch; i++) {
		if ((a->roots[i] = realpath(a->opts->search[i], NULL)) ==
		    NULL)
			return bc_err_set(a->err, errno == ENOENT ?
			    BC_ERR_NOT_FOUND : BC_ERR_IO, "--search %s: %s",
			    a->opts->search[i], strerror(errno));
		if (stat(a->roots[i], &st) == -1 || !S_ISDIR(st.st_mode))
			return bc_err_set(a->err, BC_ERR_INVALID, "--search "
			    "%s: not a directory", a->opts->search[i]);
	}
	return 0;
}

/* Re-hashes the file of an item that is not purged. */
static int
audit_file(struct audit *a, const struct aitem *ai,
    const struct bc_verify_report *vr)
{
	struct bc_verify_opts vo;
	struct bc_verify_report *fr;
	size_t i, fail = 0;
	int changed = 0, missing = 0, r;

	if (vr->state.purged)
		return audit_purged(a, ai, bc_custody_place(ai->it,
		    &vr->state));
	memset(&vo, 0, sizeof(vo));
	/* a report holds a state, and the state a path: not on the stack */
	if ((fr = calloc(1, sizeof(*fr))) == NULL)
		return BC_ERR_NOMEM;
	fr->failures_only = 1;
	/* the file at the item's current place, as the chain just judged
	 * says */
	memcpy(fr->state.path, vr->state.path, sizeof(fr->state.path));
	if ((r = bc_verify_file(ai->it, ai->rec[0].doc, &vo, fr)) != 0)
		goto out;
	for (i = 0; i < fr->nchecks && r == 0; i++) {
		if (fr->checks[i].id == BC_CHECK_FILE_PRESENT) {
			missing = 1;
			fail = a->rep->nfailures;
		} else
			changed = 1;
		r = add_failure(a->rep, ai->it->id, -1, fr->checks[i].id,
		    fr->checks[i].detail);
	}
	if (r == 0 && missing && a->opts->nsearch > 0)
		r = missing_add(a, ai->it, fr->path, fail);
	if (missing)
		a->rep->files_missing++;
	else if (changed)
		a->rep->files_changed++;
	else
		a->rep->files_matched++;
 out:
	bc_verify_report_clear(fr);
	free(fr);
	return r;
}

/* Judges every item of a prepared batch, in order. */
static int
batch_judge(struct audit *a, struct batch *b)
{
	struct bc_verify_report vr;
	struct aitem *ai;
	size_t i, j;
	int r = 0;

	for (i = 0; i < b->n && r == 0; i++) {
		ai = &b->v[i];
		memset(&vr, 0, sizeof(vr));
		vr.failures_only = 1;
		snprintf(vr.id, sizeof(vr.id), "%s", ai->it->id);
		r = bc_verify_judge(a->cat, ai->it, &ai->rec[0], ai->ev,
		    &ai->rec[1], ai->n, a->kr, &vr, a->err);
		for (j = 0; j < vr.nchecks && r == 0; j++)
			r = add_failure(a->rep, ai->it->id, vr.checks[j].seq,
			    vr.checks[j].id, vr.checks[j].detail);
		a->rep->items++;
		a->rep->events += (int64_t)ai->n;
		a->rep->signatures += vr.nsigs;
		a->rep->unbound += vr.nunbound;
		if (vr.max_unbound > a->max_unbound) {
			a->max_unbound = vr.max_unbound;
			snprintf(a->unbound_item, sizeof(a->unbound_item),
			    "%s", ai->it->id);
		}
		if (vr.min_bound >= 0 && (a->min_bound < 0 ||
		    vr.min_bound < a->min_bound))
			a->min_bound = vr.min_bound;
		if (r == 0 && a->opts->files)
			r = audit_file(a, ai, &vr);
		bc_verify_report_clear(&vr);
		if (a->opts->progress != NULL)
			a->opts->progress(a->opts->progress_arg,
			    a->rep->items, a->total);
	}
	if (r == BC_ERR_NOMEM)
		bc_err_set(a->err, r, "out of memory");
	return r;
}

/*
 * The filled batch goes to the workers; meanwhile the one they had is
 * judged.  With flush, the last batch is also waited for and judged.
 */
/* Waits for b's workers, then frees what is left of the batch they were
 * freeing. */
static void
batch_finish(struct batch *b)
{
	batch_join(b);
	batch_free(b->old);
	b->old = NULL;
}

/*
 * The filled batch goes to the workers; meanwhile the one they had is
 * judged.  The batch judged the step before is freed: its trees by those
 * workers (freed by the threads that allocate, memory goes back to their
 * own caches rather than through another thread's arena), the rest once
 * they are done.  With flush, the last batch is also judged, and all is
 * freed.
 */
static int
pipeline_step(struct audit *a, int flush)
{
	struct batch *done = a->running, *old = a->judged;
	int r = 0;

	a->running = a->judged = NULL;
	if (done != NULL)
		batch_finish(done);
	if (a->filling != NULL && a->filling->n > 0) {
		a->nbatches++;
		if (batch_start(a->filling, old, a->kr, a->threads) != 0) {
			batch_free(old);
			batch_free(done);
			return bc_err_set(a->err, BC_ERR_NOMEM,
			    "out of memory");
		}
		a->running = a->filling;
		a->filling = NULL;
	} else {
		batch_free(old);
	}
	if (done != NULL) {
		r = batch_judge(a, done);
		a->judged = done;
	}
	/*
	 * As many leaves of the log as records went to the workers: walked
	 * here while they verify, not alone after them.
	 */
	if (r == 0 && a->running != NULL && a->tl != NULL) {
		a->logpos += a->running->nrecs;
		r = bc_tlog_audit_step(a->tl, a->logpos);
	}
	if (flush && a->running != NULL) {
		batch_finish(a->running);
		if (r == 0)
			r = batch_judge(a, a->running);
		batch_free(a->judged);
		a->judged = a->running;
		a->running = NULL;
	}
	if (flush) {
		batch_free(a->judged);
		a->judged = NULL;
	}
	return r;
}

/* The records of the batch after handed ones: BATCH_FIRST, doubling. */
static size_t
batch_size(size_t handed)
{
	size_t n = BATCH_FIRST;

	while (handed-- > 0 && n < BATCH_RECS)
		n *= 2;
	return n < BATCH_RECS ? n : BATCH_RECS;
}

static int
collect(void *arg, struct bc_item *it)
{
	struct audit *a = arg;
	struct batch *b;
	struct aitem *ai, *tmp;
	size_t j;
	int r;

	if (a->filling == NULL &&
	    (a->filling = calloc(1, sizeof(*a->filling))) == NULL) {
		bc_item_free(it);
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	}
	b = a->filling;
	if ((tmp = bc_grow(b->v, &b->cap, b->n + 1, sizeof(*tmp))) == NULL) {
		bc_item_free(it);
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	}
	b->v = tmp;
	ai = &b->v[b->n++];
	memset(ai, 0, sizeof(*ai));
	ai->it = it;
	if ((r = bc_catalog_events(a->cat, it->manifest_hash, &ai->ev, &ai->n,
	    a->err)) != 0)
		return r;
	if ((ai->rec = calloc(ai->n + 1, sizeof(*ai->rec))) == NULL)
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	ai->rec[0].text = it->manifest;
	ai->rec[0].len = it->manifest_len;
	ai->rec[0].sig = it->sig;
	ai->rec[0].siglen = it->siglen;
	ai->rec[0].type = BC_MANIFEST_TYPE;
	for (j = 0; j < ai->n; j++) {
		ai->rec[j + 1].text = ai->ev[j].body;
		ai->rec[j + 1].len = ai->ev[j].body_len;
		ai->rec[j + 1].sig = ai->ev[j].sig;
		ai->rec[j + 1].siglen = ai->ev[j].siglen;
		ai->rec[j + 1].type = BC_EVENT_TYPE;
	}
	b->nrecs += ai->n + 1;
	if (b->nrecs >= batch_size(a->nbatches))
		return pipeline_step(a, 0);
	return 0;
}

static int
orphan(void *arg, const char *item, int64_t seq)
{
	struct audit *a = arg;
	char id[BC_ITEM_ID_MAX];

	snprintf(id, sizeof(id), "%.16s", item);
	if (add_failure(a->rep, id, seq, BC_CHECK_ORPHAN_EVENT,
	    "an event row names an item that is not in the catalog") != 0)
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * The event rows no item holds.  Every item's events were read by its
 * manifest hash, which is unique, so the rows read add up to the table's
 * count exactly when no row names a missing item (one snapshot): only
 * then is the slow search, a scan of every row, not needed.
 */
static int
orphans(struct audit *a, int64_t nevents)
{
	if (nevents == a->rep->events)
		return 0;
	return bc_catalog_orphan_events(a->cat, orphan, a, a->err);
}

static int
log_failure(void *arg, const char *item, int64_t seq, int64_t leaf,
    enum bc_check_id check, const char *reason)
{
	struct audit *a = arg;

	if (add_failure(&a->logrep, item, seq, check, reason) != 0)
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	a->logrep.failures[a->logrep.nfailures - 1].leaf = leaf;
	return 0;
}

/* The log's failures, after all others, as when it was walked last. */
static int
log_failures_merge(struct audit *a)
{
	const struct bc_audit_failure *f;
	size_t i;

	for (i = 0; i < a->logrep.nfailures; i++) {
		f = &a->logrep.failures[i];
		if (add_failure(a->rep, f->item, f->seq, f->id,
		    f->reason) != 0)
			return bc_err_set(a->err, BC_ERR_NOMEM,
			    "out of memory");
		a->rep->failures[a->rep->nfailures - 1].leaf = f->leaf;
	}
	return 0;
}

/*
 * Starts the audit of the transparency log, held to the checkpoint given
 * too; its leaves are walked beside the items (pipeline_step), the rest by
 * bc_tlog_audit_end.
 */
static int
audit_log(struct audit *a)
{
	struct bc_signed_checkpoint sc, *against = NULL;
	struct bc_err e = { 0 };
	char origin[BC_ORIGIN_MAX + 1];
	int r;

	if (a->opts->against != NULL) {
		if ((r = bc_catalog_origin(a->cat, origin, a->err)) != 0)
			return r;
		r = bc_tlog_checkpoint_check(a->kr, origin, a->opts->against,
		    a->opts->against_len, &sc, &e);
		if (r == 0)
			against = &sc;
		else if (r == BC_ERR_INTEGRITY)
			r = log_failure(a, "log", -1, -1, BC_CHECK_CHECKPOINT,
			    e.msg);
		else
			return bc_err_set(a->err, r, "%s", e.msg);
		if (r != 0)
			return r;
	}
	return bc_tlog_audit_begin(a->cat, a->kr, against, log_failure, a,
	    &a->rep->log, &a->tl, a->err);
}

/*
 * A stored release statement is a signed record like any other: its
 * stored hash is that of its bytes, which are a canonical statement
 * naming this log and the key the row names, signed by that key, which
 * held the auditor role at the statement's leaf.
 */
static int
release_one(void *arg, const struct bc_record_row *row)
{
	struct audit *a = arg;
	struct bc_err why = { 0 };
	uint8_t h[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX], item[32];
	json_t *doc = NULL;
	const char *key;
	int r = 0;

	snprintf(item, sizeof(item), "release-%lld", (long long)row->id);
	if (bc_sha256(row->body, row->body_len, h) != 0)
		return bc_err_set(a->err, BC_ERR_CRYPTO, "SHA-256 failed");
	bc_hex(h, sizeof(h), hex);
	if (strcmp(hex, row->hash) != 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "stored hash %.16s... but "
		    "the statement hashes to %s", row->hash, hex);
	else if (bc_doc_parse(row->body, row->body_len, BC_RELEASE_DOC_TYPE,
	    &doc, &why) != 0)
		;	/* why says it */
	else if ((key = bc_doc_str(doc, "key")) == NULL ||
	    strcmp(key, row->key) != 0)
		bc_err_set(&why, BC_ERR_INTEGRITY, "the row names key %.16s..., "
		    "the statement another", row->key);
	else if (bc_doc_log(doc) == NULL || bc_doc_log_check(doc,
	    a->kr->origin, row->leaf, a->kr->bound_from, &why) != 0) {
		if (bc_doc_log(doc) == NULL)
			bc_err_set(&why, BC_ERR_INTEGRITY, "the statement names "
			    "no log");
	} else if (bc_keyring_check_sig(a->kr, key, BC_ROLE_AUDITOR,
	    row->leaf, row->body, row->body_len, row->sig, row->siglen,
	    &why) == 0) {
		a->rep->signatures++;
		why.msg[0] = '\0';
	}
	if (why.msg[0] != '\0' && add_failure(a->rep, item, -1,
	    BC_CHECK_RELEASE_STATEMENT, why.msg) != 0)
		r = bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	a->rep->releases++;
	json_decref(doc);
	return r;
}

/*
 * The retention policies, as every load checks them (retention.h): the
 * first that fails is reported, and those after it are not read.
 */
static int
policies(struct audit *a)
{
	struct bc_policy *ps = NULL;
	struct bc_err why = { 0 };
	size_t n = 0;
	int r;

	r = bc_policies_load(a->cat, a->kr, &ps, &n, &why);
	a->rep->policies = (int64_t)n;
	a->rep->signatures += (int64_t)n;
	bc_policies_free(ps, n);
	if (r == BC_ERR_INTEGRITY) {
		r = add_failure(a->rep, "policies", (int64_t)n + 1,
		    BC_CHECK_POLICY, why.msg);
		if (r != 0)
			r = bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
		return r;
	}
	if (r != 0)
		return bc_err_set(a->err, r, "%s", why.msg);
	return 0;
}

/*
 * The stored time-stamp tokens (tsa.h): each over the checkpoint it is
 * filed under and, with the verifier's anchors, signed by a TSA.
 */
static int
timestamps(struct audit *a)
{
	struct bc_tsa_times tt;
	size_t i;
	int r;

	if ((r = bc_tsa_times_load(a->cat, a->kr, a->opts->tsa, &tt,
	    a->err)) != 0)
		return r;
	a->rep->timestamps = (int64_t)tt.n;
	for (i = 0; i < tt.n; i++)
		if (tt.t[i].bad && (r = add_failure(a->rep, "timestamps",
		    tt.t[i].token_id, BC_CHECK_TIMESTAMP, tt.t[i].why)) != 0) {
			r = bc_err_set(a->err, r, "out of memory");
			break;
		}
	bc_tsa_times_clear(&tt);
	return r;
}

/*
 * Across the whole catalog, no unbound record comes after a bound one:
 * each item's verification holds its records to the first bound leaf it
 * finds by a binary search, which a log out of that order could mislead.
 */
static int
binding_order(struct audit *a)
{
	char why[160];

	if (a->max_unbound < 0 || a->min_bound < 0 ||
	    a->max_unbound < a->min_bound)
		return 0;
	snprintf(why, sizeof(why), "an unbound (version 1) record at leaf "
	    "%lld comes after a bound one at leaf %lld: replayed from "
	    "elsewhere", (long long)a->max_unbound, (long long)a->min_bound);
	if (add_failure(a->rep, a->unbound_item, -1, BC_CHECK_LOG_BINDING,
	    why) != 0)
		return bc_err_set(a->err, BC_ERR_NOMEM, "out of memory");
	a->rep->status = BC_ERR_INTEGRITY;
	return 0;
}

static int
thread_count(int want)
{
	long n;

	if (want <= 0)
		want = (n = sysconf(_SC_NPROCESSORS_ONLN)) > 0 ? (int)n : 1;
	return want > BC_AUDIT_THREADS_MAX ? BC_AUDIT_THREADS_MAX : want;
}

int
bc_audit(struct bc_catalog *cat, const struct bc_audit_opts *opts,
    struct bc_audit_report *rep, struct bc_err *err)
{
	static const struct bc_audit_opts defaults;
	struct bc_keyring *kr = NULL;
	struct bc_err kerr = { 0 };
	struct audit a;
	int64_t nitems, nevents;
	size_t i;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (opts == NULL)
		opts = &defaults;
	memset(&a, 0, sizeof(a));
	a.cat = cat;
	a.opts = opts;
	a.rep = rep;
	a.err = err;
	a.threads = rep->threads = thread_count(opts->threads);
	/* jansson seeds its hash function on first use: not in a thread */
	json_decref(json_object());

	if ((r = bc_catalog_snapshot(cat, err)) != 0)
		return r;
	r = bc_keyring_load(cat, &kr, &kerr);
	if (r != 0 && (r != BC_ERR_INTEGRITY || kr == NULL)) {
		bc_err_set(err, r, "%s", kerr.msg);
		goto out;
	}
	if (r != 0 && (r = add_failure(rep, "keys", kr->ndocs, BC_CHECK_KEYRING,
	    kerr.msg)) != 0) {
		bc_err_set(err, r, "out of memory");
		goto out;
	}
	rep->keydocs = kr->ndocs;
	rep->signatures = kr->ndocs;	/* each verified key document's */
	a.kr = kr;
	if (opts->progress != NULL &&
	    (r = bc_catalog_count(cat, &a.total, &nevents, err)) != 0)
		goto out;
	if ((r = search_roots(&a)) != 0)
		goto out;
	a.max_unbound = a.min_bound = -1;
	if ((r = audit_log(&a)) != 0 ||
	    (r = bc_catalog_walk(cat, collect, &a, err)) != 0 ||
	    (r = pipeline_step(&a, 1)) != 0 ||
	    (r = binding_order(&a)) != 0 ||
	    (r = bc_catalog_releases(cat, release_one, &a, err)) != 0 ||
	    (r = policies(&a)) != 0 ||
	    (r = timestamps(&a)) != 0 ||
	    (r = bc_catalog_count(cat, &nitems, &nevents, err)) != 0 ||
	    (r = orphans(&a, nevents)) != 0 ||
	    (r = bc_tlog_audit_end(a.tl)) != 0 ||
	    (r = log_failures_merge(&a)) != 0 ||
	    (r = search_moved(&a)) != 0)
		goto out;
	r = 0;
 out:
	for (i = 0; i < a.nmiss; i++)
		free(a.miss[i].from);
	free(a.miss);
	for (i = 0; a.roots != NULL && i < opts->nsearch; i++)
		free(a.roots[i]);
	free(a.roots);
	if (a.running != NULL) {
		batch_finish(a.running);
		batch_free(a.running);
	}
	batch_free(a.judged);
	batch_free(a.filling);
	bc_tlog_auditor_free(a.tl);
	bc_audit_report_clear(&a.logrep);
	bc_catalog_rollback(cat);
	bc_keyring_free(kr);
	return r;
}
