/*
 * writer.h - group commit for a long-running service.
 *
 * One thread owns one write connection to the catalog.  Callers hand it a
 * job (a function that writes inside a transaction the writer holds) and
 * block until the transaction that ran it has committed: jobs that arrive
 * while one transaction is running are batched into the next, each under
 * its own savepoint, so that a refused job leaves nothing behind while the
 * others commit, and one fsync covers them all.  A job is acknowledged (0)
 * only after COMMIT has returned, that is once it is durable (the catalog
 * runs with synchronous = FULL).
 */
#ifndef BODYCAM_WRITER_H
#define BODYCAM_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/error.h"

struct bc_writer;
struct bc_chain_cache;

/*
 * A job: writes through cat, inside the writer's transaction, and returns
 * 0 or an error with err set.  cache is the writer's chain cache, for
 * bc_custody_add_cached.  It runs on the writer thread.
 */
typedef int (*bc_write_fn)(struct bc_catalog *cat,
    struct bc_chain_cache *cache, void *arg, struct bc_err *err);

#define BC_WRITER_BATCH_BUCKETS	9

struct bc_writer_stats {
	uint64_t	batches;	/* transactions committed or tried */
	uint64_t	jobs;		/* jobs run */
	uint64_t	failed;		/* of which refused or lost */
	uint64_t	max_batch;	/* most jobs in one transaction */
	uint64_t	cache_hits, cache_misses;
	/* transactions by jobs: batch_le[i] counts those of more than
	   1 << (i - 1) and at most 1 << i jobs; the last, all over 128 */
	uint64_t	batch_le[BC_WRITER_BATCH_BUCKETS];
	uint64_t	queued;		/* jobs waiting now */
	/* transactions of bc_writer_run_events jobs run batched, and
	   those of them that had to run again the ordinary way */
	uint64_t	batched, redone;
};

/*
 * Opens the catalog at path for writing and starts the writer thread;
 * max_batch caps the jobs of one transaction (0: 256).
 */
int bc_writer_start(const char *path, size_t max_batch,
    struct bc_writer **out, struct bc_err *err);

/*
 * Runs fn(arg) in the next transaction and waits for its commit.  Returns
 * fn's error (nothing it wrote is kept), the commit's error, or
 * BC_ERR_BUSY once the writer is stopping.  Safe from any thread.
 */
int bc_writer_run(struct bc_writer *w, bc_write_fn fn, void *arg,
    struct bc_err *err);

/*
 * bc_writer_run for a job that only adds custody events (with
 * bc_custody_add_cached or bc_custody_append_signed): on an engine where
 * bc_catalog_can_batch, a transaction of such jobs writes their rows at
 * its commit, a few statements for all, so that the write lock, which
 * every service instance on the catalog waits for, is held for less.
 * When a job writes anything else (a status, a view, an item), the batch
 * runs again the ordinary way: fn may be called twice, and must leave
 * nothing behind but what it writes through cat (and its answer, which
 * the last call sets).
 */
int bc_writer_run_events(struct bc_writer *w, bc_write_fn fn, void *arg,
    struct bc_err *err);

/* Counters so far (safe from any thread). */
void bc_writer_get_stats(struct bc_writer *w, struct bc_writer_stats *st);

/*
 * Runs the jobs already queued, refuses new ones, stops the thread and
 * closes the catalog.  Accepts NULL.
 */
void bc_writer_stop(struct bc_writer *w);

#endif /* BODYCAM_WRITER_H */
