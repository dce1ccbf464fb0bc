/*
 * writer.c - group commit: one writer thread, one write connection, jobs
 * batched into transactions under savepoints (see writer.h).
 *
 * Why a thread and not a lock around bc_custody_add: a commit costs an
 * fsync, and with one transaction per event a busy service spends its
 * time waiting for the disk.  Batching keeps "acknowledged means durable"
 * while one fsync serves every request that arrived meanwhile.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/writer.h"
#include "internal.h"

#define DEFAULT_BATCH	256

struct job {
	bc_write_fn	 fn;
	void		*arg;
	int		 events;	/* adds custody events only */
	int		 rc;
	int		 done;
	struct bc_err	 err;
	struct job	*next;
};

struct bc_writer {
	struct bc_catalog	*cat;
	struct bc_chain_cache	*cache;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a job was queued, or stop */
	pthread_cond_t		 done;		/* a batch finished */
	struct job		*head, *tail;
	size_t			 max_batch;
	int			 stopping;
	struct bc_writer_stats	 st;
};

/*
 * Runs a batch of custody events in one batched transaction (catalog.h:
 * bc_catalog_begin_batched): 0 when it ended (each job's rc is its
 * answer), BC_ERR_AGAIN when it must run again the ordinary way, nothing
 * of it written.
 */
static int
run_batched(struct bc_writer *w, struct job *batch)
{
	struct bc_err err = { 0 };
	struct job *j;
	int r;

	/* as the ordinary begin: the lock timed out, the server is gone */
	if ((r = bc_catalog_begin_batched(w->cat, &err)) != 0) {
		for (j = batch; j != NULL; j = j->next) {
			j->rc = r;
			j->err = err;
		}
		return 0;
	}
	for (j = batch; j != NULL; j = j->next) {
		bc_err_clear(&j->err);
		if (bc_catalog_savepoint(w->cat, &err) != 0)
			goto again;
		if ((j->rc = j->fn(w->cat, w->cache, j->arg, &j->err)) == 0)
			continue;
		if (j->rc == BC_ERR_AGAIN ||
		    bc_catalog_savepoint_rollback(w->cat, &err) != 0)
			goto again;
	}
	/* a write the batched transaction does not hold, or rows it could
	   not write: the ordinary way does it, or reports what is wrong */
	if ((r = bc_catalog_commit(w->cat, &err)) == 0)
		return 0;
	if (r != BC_ERR_AGAIN) {
		for (j = batch; j != NULL; j = j->next)
			if (j->rc == 0) {
				j->rc = r;
				j->err = err;
			}
		return 0;
	}
 again:
	bc_catalog_rollback(w->cat);
	for (j = batch; j != NULL; j = j->next) {
		j->rc = 0;
		bc_err_clear(&j->err);
	}
	return BC_ERR_AGAIN;
}

/*
 * Runs one batch (jobs linked by next) in one transaction: a batched one
 * first when every job adds custody events only and the engine gains
 * from it; *batched tells how that went (0: not tried, 1: done, -1: run
 * again).
 */
static void
run_batch(struct bc_writer *w, struct job *batch, int *batched)
{
	struct bc_err err = { 0 };
	struct job *j;
	int r, broken = 0, open = 0;

	*batched = 0;
	for (j = batch; j != NULL && j->events; j = j->next)
		;
	if (j == NULL && bc_catalog_can_batch(w->cat)) {
		if (run_batched(w, batch) == 0) {
			*batched = 1;
			return;
		}
		*batched = -1;
	}
	if ((r = bc_catalog_begin(w->cat, &err)) != 0) {
		for (j = batch; j != NULL; j = j->next) {
			j->rc = r;
			j->err = err;
		}
		return;
	}
	for (j = batch; j != NULL; j = j->next) {
		bc_err_clear(&j->err);
		if (broken) {
			j->rc = r;
			j->err = err;
			continue;
		}
		/* the last job's savepoint is released with this one's
		   start, the batch's last by the commit: a round trip a job
		   less on PostgreSQL */
		if ((r = open ? bc_catalog_savepoint_next(w->cat, &err) :
		    bc_catalog_savepoint(w->cat, &err)) != 0) {
			j->rc = r;
			j->err = err;
			broken = 1;
			continue;
		}
		open = 1;
		if ((j->rc = j->fn(w->cat, w->cache, j->arg, &j->err)) != 0) {
			r = bc_catalog_savepoint_rollback(w->cat, &err);
			open = 0;
		}
		if (r != 0) {
			/* the transaction is in an unknown state: lose it all */
			broken = 1;
			if (j->rc == 0) {
				j->rc = r;
				j->err = err;
			}
		}
	}
	if (broken) {
		bc_catalog_rollback(w->cat);
		for (j = batch; j != NULL; j = j->next)
			if (j->rc == 0) {
				j->rc = r;
				j->err = err;
			}
		return;
	}
	if ((r = bc_catalog_commit(w->cat, &err)) != 0)
		for (j = batch; j != NULL; j = j->next)
			if (j->rc == 0) {
				j->rc = r;
				j->err = err;
			}
}

/* The histogram bucket of a transaction of n jobs (n >= 1). */
static size_t
batch_bucket(size_t n)
{
	size_t i;

	for (i = 0; i < BC_WRITER_BATCH_BUCKETS - 1; i++)
		if (n <= (size_t)1 << i)
			break;
	return i;
}

static void *
writer_main(void *arg)
{
	struct bc_writer *w = arg;
	struct job *batch, *j, *last;
	size_t n;
	int batched;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->head == NULL)
			break;		/* stopping, and nothing left */
		batch = w->head;
		for (n = 1, last = batch; last->next != NULL &&
		    n < w->max_batch; n++)
			last = last->next;
		w->head = last->next;
		w->st.queued -= n;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);

		run_batch(w, batch, &batched);

		pthread_mutex_lock(&w->mu);
		if (batched > 0)
			w->st.batched++;
		else if (batched < 0)
			w->st.redone++;
		w->st.batches++;
		w->st.jobs += n;
		if (n > w->st.max_batch)
			w->st.max_batch = n;
		w->st.batch_le[batch_bucket(n)]++;
		for (j = batch; j != NULL; j = j->next) {
			if (j->rc != 0)
				w->st.failed++;
			j->done = 1;
		}
		bc_chain_cache_stats(w->cache, &w->st.cache_hits,
		    &w->st.cache_misses);
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
writer_free(struct bc_writer *w)
{
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	bc_chain_cache_free(w->cache);
	bc_catalog_close(w->cat);
	free(w);
}

int
bc_writer_start(const char *path, size_t max_batch, struct bc_writer **out,
    struct bc_err *err)
{
	struct bc_writer *w;
	int r;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	w->max_batch = max_batch > 0 ? max_batch : DEFAULT_BATCH;
	if ((r = bc_catalog_open(path, &w->cat, err)) != 0) {
		free(w);
		return r;
	}
	bc_catalog_keep_items(w->cat);
	if ((w->cache = bc_chain_cache_new()) == NULL) {
		bc_catalog_close(w->cat);
		free(w);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		writer_free(w);
		return bc_err_set(err, BC_ERR_INTERNAL, "cannot start the "
		    "writer thread");
	}
	*out = w;
	return 0;
}

static int
writer_run(struct bc_writer *w, bc_write_fn fn, void *arg, int events,
    struct bc_err *err)
{
	struct job j;

	memset(&j, 0, sizeof(j));
	j.fn = fn;
	j.arg = arg;
	j.events = events;
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return bc_err_set(err, BC_ERR_BUSY, "the catalog is closing");
	}
	if (w->tail != NULL)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	w->st.queued++;
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
	if (j.rc != 0 && err != NULL)
		*err = j.err;
	return j.rc;
}

int
bc_writer_run(struct bc_writer *w, bc_write_fn fn, void *arg,
    struct bc_err *err)
{
	return writer_run(w, fn, arg, 0, err);
}

int
bc_writer_run_events(struct bc_writer *w, bc_write_fn fn, void *arg,
    struct bc_err *err)
{
	return writer_run(w, fn, arg, 1, err);
}

void
bc_writer_get_stats(struct bc_writer *w, struct bc_writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

void
bc_writer_stop(struct bc_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	writer_free(w);
}
