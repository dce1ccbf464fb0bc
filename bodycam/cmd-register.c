/*
 * cmd-register.c - bodycam register: hash, seal and catalog files.
 *
 * Each file is registered or reported on its own; one bad file does not
 * stop the rest, and the exit status is the worst outcome.  Folders are
 * walked (-r) without following symbolic links; with -j N as many files
 * are read at once, each worker on its own catalog connection (the
 * catalog serialises the writes), so ids follow the order files finish.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "bodycam/storage.h"

/* The sealed warnings (one per line) on stderr: a camera clock that
 * disagrees with the dock is worth seeing at once. */
static void
print_warnings(const char *id, const char *w)
{
	char line[1024];
	const char *nl;

	for (; *w != '\0'; w = nl + 1) {
		if ((nl = strchr(w, '\n')) == NULL)
			nl = w + strlen(w);
		snprintf(line, sizeof(line), "%.*s", (int)(nl - w), w);
		fprintf(stderr, "bodycam: %s: warning: %s\n", bc_cli_q(id),
		    bc_cli_q(line));
		if (*nl == '\0')
			break;
	}
}

/*
 * The error of a duplicate, as the API's 409 has it: with the item the
 * file is registered as, "existing", beside the message.
 */
static json_t *
exists_json(int r, const struct bc_err *err, const char *existing)
{
	json_t *o = bc_cli_err_json(r, err);

	if (o != NULL && json_object_set_new(o, "existing",
	    json_string(existing)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static json_t *
warnings_json(const char *w)
{
	json_t *arr = json_array();
	const char *nl;

	for (; arr != NULL && *w != '\0'; w = nl + 1) {
		if ((nl = strchr(w, '\n')) == NULL)
			nl = w + strlen(w);
		json_array_append_new(arr, json_stringn(w, (size_t)(nl - w)));
		if (*nl == '\0')
			break;
	}
	return arr;
}

/* The files to register: the operands, and the folders' files (-r). */
struct file {
	char		*path;
	uint64_t	 size;
};

struct filelist {
	struct file	 *v;
	size_t		  n, cap;
	size_t		  skipped;	/* not regular files, in folders */
	int		  st;		/* worst exit status of the walk */
	int		  quiet;	/* -q: skips are not said */
	const struct stat *storage;	/* the storage root: not walked */
};

static struct filelist *walk_list;	/* nftw has no argument */

static int
list_add(struct filelist *fl, const char *path, uint64_t size)
{
	struct file *v;

	if ((v = bc_grow(fl->v, &fl->cap, fl->n + 1, sizeof(*v))) == NULL)
		return -1;
	fl->v = v;
	if ((v[fl->n].path = strdup(path)) == NULL)
		return -1;
	v[fl->n++].size = size;
	return 0;
}

static int
walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct filelist *fl = walk_list;

	switch (type) {
	case FTW_F:
		if (S_ISREG(sb->st_mode))
			return list_add(fl, path, (uint64_t)sb->st_size) ?
			    FTW_STOP : FTW_CONTINUE;
		if (!fl->quiet)
			bc_cli_error("%s: not a regular file; skipped",
			    bc_cli_q(path));
		fl->skipped++;
		return FTW_CONTINUE;
	case FTW_SL:
	case FTW_SLN:
		if (!fl->quiet)
			bc_cli_error("%s: a symbolic link, not followed; "
			    "skipped", bc_cli_q(path));
		fl->skipped++;
		return FTW_CONTINUE;
	case FTW_D:
		/* the storage root inside a folder: its copies are not new */
		if (fl->storage != NULL && sb->st_dev == fl->storage->st_dev &&
		    sb->st_ino == fl->storage->st_ino)
			return FTW_SKIP_SUBTREE;
		return FTW_CONTINUE;
	default:
		bc_cli_error("%s: cannot be read: %s", bc_cli_q(path),
		    strerror(errno));
		fl->st = bc_exit_worst(fl->st, 3);
		return FTW_CONTINUE;
	}
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path,
	    ((const struct file *)b)->path);
}

/* Adds operand arg: a file, or with recursive a folder's files, sorted. */
static int
list_operand(struct filelist *fl, const char *arg, int recursive)
{
	struct stat sb;
	size_t first = fl->n;

	if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (!recursive) {
			bc_cli_error("%s: a folder (register -r walks "
			    "folders)", bc_cli_q(arg));
			fl->st = bc_exit_worst(fl->st, 2);
			return 0;
		}
		walk_list = fl;
		if (nftw(arg, walk_one, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
			return -1;
		qsort(fl->v + first, fl->n - first, sizeof(*fl->v), cmp_file);
		return 0;
	}
	/* a named file is taken as given; the register says what is wrong */
	return list_add(fl, arg, stat(arg, &sb) == 0 ?
	    (uint64_t)sb.st_size : 0);
}

static void
list_free(struct filelist *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->v[i].path);
	free(fl->v);
}

/* One run of register over the list, shared by its workers. */
struct run {
	struct bc_ctx		*ctx;
	const struct bc_key	*key;
	const struct bc_register_opts *ro;
	struct filelist		*fl;
	int			 skip_existing;
	pthread_mutex_t		 mu;
	size_t			 next;		/* next file to take */
	size_t			 started;	/* files taken */
	size_t			 registered, existing, failed;
	int			 st;
	json_t			*arr;
	/* progress on a terminal */
	int			 tty;
	uint64_t		 total, finished; /* bytes */
	uint64_t		*cur;		/* per worker */
	size_t			 nworkers;
	struct timespec		 t0, last;
	int			 shown;
};

struct worker {
	struct run		*run;
	size_t			 idx;
	struct bc_catalog	*cat;
};

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
human(uint64_t n, char *buf, size_t sz)
{
	if (n >= 1ULL << 30)
		snprintf(buf, sz, "%.1f GiB", (double)n / (1ULL << 30));
	else
		snprintf(buf, sz, "%.1f MiB", (double)n / (1ULL << 20));
}

/* The progress line; under mu.  force: whatever the time. */
static void
progress_line(struct run *run, int force)
{
	struct timespec now;
	uint64_t done = run->finished;
	char a[32], b[32];
	double secs;
	size_t i;

	if (!run->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && run->shown && since(&run->last, &now) < 0.2)
		return;
	run->last = now;
	for (i = 0; i < run->nworkers; i++)
		done += run->cur[i];
	secs = since(&run->t0, &now);
	human(done, a, sizeof(a));
	human(run->total, b, sizeof(b));
	fprintf(stderr, "\r\033[Kregister: file %zu of %zu, %s of %s, %.0f "
	    "MB/s", run->started, run->fl->n, a, b,
	    secs > 0 ? (double)done / 1e6 / secs : 0.0);
	run->shown = 1;
}

static void
worker_progress(void *arg, uint64_t done, uint64_t total)
{
	struct worker *w = arg;
	struct run *run = w->run;

	pthread_mutex_lock(&run->mu);
	run->cur[w->idx] = done;
	progress_line(run, 0);
	pthread_mutex_unlock(&run->mu);
}

/* What became of one file: printed, counted, added to the JSON; under mu. */
static void
report_one(struct run *run, const char *path, int r, struct bc_err *err,
    const struct bc_register_result *res)
{
	struct bc_ctx *ctx = run->ctx;
	int existing = r == BC_ERR_EXISTS && res->existing[0] != '\0';
	json_t *o;

	if (run->shown) {
		fputs("\r\033[K", stderr);
		run->shown = 0;
	}
	if (existing && run->skip_existing) {
		run->existing++;
		if (ctx->json)
			;
		else if (ctx->quiet)
			printf("%s\n", res->existing);
		else
			printf("%s  %s  %s  (already registered)\n",
			    res->existing, res->sha256, bc_cli_q(path));
	} else if (r != 0) {
		run->failed++;
		run->st = bc_exit_worst(run->st, bc_exit_status(r));
		bc_cli_error("%s", err->msg[0] ? err->msg : bc_strerror(r));
	} else {
		run->registered++;
		if (ctx->json)
			;
		else if (ctx->quiet)
			printf("%s\n", res->id);
		else
			printf("%s  %s  %s\n", res->id, res->sha256,
			    bc_cli_q(path));
		fflush(stdout);		/* the id, then its warnings */
		if (!ctx->json && !ctx->quiet)
			print_warnings(res->id, res->warnings);
		/* registered, but --move left its source: not a success */
		if (res->note[0] != '\0') {
			bc_cli_error("%s: registered, but %s", res->id,
			    bc_cli_q(res->note));
			run->st = bc_exit_worst(run->st, 3);
		}
	}
	fflush(stdout);
	if (run->arr == NULL)
		return;
	if (r == 0)
		o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:o}", "id",
		    res->id, "sha256", res->sha256, "size",
		    (json_int_t)res->size, "manifest_hash", res->manifest_hash,
		    "mime", res->mime, "status", "registered", "warnings",
		    warnings_json(res->warnings));
	else if (existing)
		o = json_pack("{s:s, s:s, s:I, s:s, s:o*}", "sha256",
		    res->sha256, "existing", res->existing, "size",
		    (json_int_t)res->size, "status", run->skip_existing ?
		    "existing" : "duplicate", "error",
		    run->skip_existing ? NULL : exists_json(r, err,
		    res->existing));
	else
		o = json_pack("{s:s, s:o}", "status", "error", "error",
		    bc_cli_err_json(r, err));
	/* where the file is recorded: the copy in storage, with --copy */
	if (o != NULL && r == 0 && run->ro->copy_to != NULL &&
	    bc_json_set_name(o, "stored", res->path) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o != NULL && r == 0 && res->note[0] != '\0')
		json_object_set_new(o, "note", json_string(res->note));
	/* a path that is not UTF-8 comes with its bytes */
	if (o != NULL && bc_json_set_name(o, "path", path) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL || json_array_append_new(run->arr, o) != 0)
		run->st = bc_exit_worst(run->st, 3);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	struct bc_register_opts ro = *run->ro;
	struct bc_register_result res;
	struct bc_err err;
	const char *path;
	size_t i;
	int r;

	if (run->tty) {
		ro.progress = worker_progress;
		ro.progress_arg = w;
	}
	for (;;) {
		pthread_mutex_lock(&run->mu);
		if (run->next == run->fl->n) {
			pthread_mutex_unlock(&run->mu);
			break;
		}
		i = run->next++;
		run->started++;
		run->cur[w->idx] = 0;
		progress_line(run, 1);
		pthread_mutex_unlock(&run->mu);

		path = run->fl->v[i].path;
		bc_err_clear(&err);
		r = bc_register(w->cat, run->key, path, &ro, &res, &err);

		pthread_mutex_lock(&run->mu);
		run->cur[w->idx] = 0;
		run->finished += run->fl->v[i].size;
		report_one(run, path, r, &err, &res);
		pthread_mutex_unlock(&run->mu);
	}
	return NULL;
}

/* Runs the workers (the first on ctx->cat, the rest on their own). */
static int
run_all(struct run *run, size_t nworkers)
{
	struct worker *w;
	pthread_t *tid;
	struct bc_err err = { 0 };
	size_t i, nstarted = 0;
	int r;

	if (nworkers > run->fl->n)
		nworkers = run->fl->n ? run->fl->n : 1;
	run->nworkers = nworkers;
	w = calloc(nworkers, sizeof(*w));
	tid = calloc(nworkers, sizeof(*tid));
	run->cur = calloc(nworkers, sizeof(*run->cur));
	if (w == NULL || tid == NULL || run->cur == NULL) {
		free(w);
		free(tid);
		free(run->cur);
		run->cur = NULL;
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	}
	for (i = 0; i < nworkers; i++) {
		w[i].run = run;
		w[i].idx = i;
		w[i].cat = run->ctx->cat;
		if (i > 0 && (r = bc_catalog_open(run->ctx->catalog_path,
		    &w[i].cat, &err)) != 0) {
			bc_cli_error("%s", err.msg);
			run->st = bc_exit_worst(run->st, 3);
			break;
		}
	}
	nworkers = i;
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	for (i = 1; i < nworkers; i++) {
		if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
			break;
		nstarted++;
	}
	worker_main(&w[0]);
	for (i = 1; i <= nstarted; i++)
		pthread_join(tid[i], NULL);
	for (i = 1; i < nworkers; i++)
		bc_catalog_close(w[i].cat);
	if (run->shown)
		fputs("\r\033[K", stderr);
	free(w);
	free(tid);
	free(run->cur);
	run->cur = NULL;
	return 0;
}

static int
cmd_register(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "officer", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "case", required_argument, NULL, 'c' },
		{ "category", required_argument, NULL, 'C' },
		{ "tag", required_argument, NULL, 't' },
		{ "sidecar", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "copy", no_argument, NULL, 'y' },
		{ "move", no_argument, NULL, 'm' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "skip-existing", no_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_register_opts ro;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	struct filelist fl;
	struct run run;
	struct stat rootsb;
	const char *keypath = NULL, **tags = NULL;
	char root[PATH_MAX], *end;
	size_t ntags = 0;
	long jobs = 1;
	int c, i, r, st = 0, copy = 0, recursive = 0, skip = 0;

	if ((tags = calloc((size_t)argc + 1, sizeof(*tags))) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	memset(&ro, 0, sizeof(ro));
	memset(&fl, 0, sizeof(fl));
	memset(&run, 0, sizeof(run));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":rj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'o': ro.op.officer = optarg; break;
		case 'd': ro.op.device = optarg; break;
		case 'c': ro.op.case_no = optarg; break;
		case 'C': ro.op.category = optarg; break;
		case 't': tags[ntags++] = optarg; break;
		case 's': ro.sidecar = optarg; break;
		case 'v': ro.verbose = 1; break;
		case 'y': copy = 1; break;
		case 'm': copy = 1; ro.move = 1; break;
		case 'r': recursive = 1; break;
		case 'S': skip = 1; break;
		case 'j':
			errno = 0;
			jobs = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || jobs < 1 ||
			    jobs > 64) {
				free(tags);
				return bc_cli_usage(ctx->cmd, "-j takes 1 to "
				    "64, not '%s'", bc_cli_q(optarg));
			}
			break;
		default:
			free(tags);
			return bc_cli_badopt(ctx->cmd, c, argv);
		}
	}
	ro.op.tags = tags;
	ro.op.ntags = ntags;
	if (keypath == NULL) {
		st = bc_cli_usage(ctx->cmd, "--key KEY is required");
		goto out;
	}
	if (optind == argc) {
		st = bc_cli_usage(ctx->cmd, "no FILE to register");
		goto out;
	}
	if (ro.sidecar != NULL && (argc - optind != 1 || recursive)) {
		st = bc_cli_usage(ctx->cmd, "--sidecar goes with one FILE");
		goto out;
	}
	if ((r = bc_operator_fields_check(&ro.op, &err)) != 0) {
		st = bc_cli_usage_err(ctx->cmd, r, &err);
		goto out;
	}
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if (copy) {
		if ((r = bc_catalog_storage(ctx->cat, root, sizeof(root),
		    &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if (root[0] == '\0') {
			st = bc_cli_usage(ctx->cmd, "--copy and --move need "
			    "the catalog's storage root ('bodycam storage set "
			    "DIR', or 'init --storage DIR')");
			goto out;
		}
		if (stat(root, &rootsb) == -1) {
			bc_cli_error("storage %s: %s", bc_cli_q(root),
			    strerror(errno));
			st = 3;
			goto out;
		}
		ro.copy_to = root;
		fl.storage = &rootsb;
	}
	fl.quiet = ctx->quiet;
	for (i = optind; i < argc; i++)
		if (list_operand(&fl, argv[i], recursive) != 0) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
	if (ctx->json && (run.arr = json_array()) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	bc_cli_category_warn(ctx, ro.op.category);
	run.ctx = ctx;
	run.key = key;
	run.ro = &ro;
	run.fl = &fl;
	run.skip_existing = skip;
	run.st = fl.st;
	run.tty = !ctx->quiet && isatty(STDERR_FILENO);
	for (i = 0; (size_t)i < fl.n; i++)
		run.total += fl.v[i].size;
	pthread_mutex_init(&run.mu, NULL);
	st = run_all(&run, (size_t)jobs);
	pthread_mutex_destroy(&run.mu);
	if (st == 0)
		st = run.st;
	/* a summary where there was more than one file */
	if (!ctx->quiet && !ctx->json &&
	    (recursive || fl.n > 1 || fl.skipped > 0))
		fprintf(stderr, "register: %zu registered, %zu already "
		    "registered, %zu failed, %zu skipped (not regular "
		    "files)\n", run.registered, run.existing, run.failed,
		    fl.skipped);
	ctx->out = run.arr;
	run.arr = NULL;
 out:
	json_decref(run.arr);
	list_free(&fl);
	bc_key_free(key);
	free(tags);
	return st;
}

const struct bc_cmd bc_cmd_register = {
	.name = "register",
	.usage = "FILE|DIR... --key KEY [--copy|--move] [-r] "
	    "[--skip-existing] [-j N]\n                 [--officer ID] "
	    "[--device ID] [--case N] [--category C] [--tag T]...\n"
	    "                 [--sidecar FILE.json] [--verbose]",
	.summary = "Hash each FILE, seal its manifest with KEY and record it "
	    "with a signed\n      'register' custody event; prints the new "
	    "item ids.",
	.options =
	    "  --key KEY        private key that signs (role ingest or "
	    "admin)\n"
	    "  --copy           copy each file into the catalog's storage "
	    "root while\n"
	    "                   hashing it, verify the copy from the disk, "
	    "and register\n"
	    "                   the copy (ROOT/ab/SHA256/NAME)\n"
	    "  --move           as --copy, then remove the source once "
	    "registered\n"
	    "  -r, --recursive  register the files in each DIR and its "
	    "subfolders\n"
	    "                   (symbolic links are not followed)\n"
	    "  --skip-existing  a file already registered is a success that "
	    "names its\n"
	    "                   item, not an error\n"
	    "  -j, --jobs N     read N files at once (1 to 64, default 1)\n"
	    "  --officer ID     officer who recorded the footage\n"
	    "  --device ID      camera or device id\n"
	    "  --case N         case number\n"
	    "  --category C     evidence category\n"
	    "  --tag T          a tag; repeat for more (at most 32)\n"
	    "  --sidecar FILE   vendor metadata (a JSON object) sealed with "
	    "the file, and\n"
	    "                   its SHA-256; one FILE only\n"
	    "  --verbose        let libexif's and libavformat's messages "
	    "through\n"
	    "\n"
	    "Prints 'ID  SHA256  FILE' for each file registered (with -q, the "
	    "id alone;\n"
	    "with --skip-existing, the existing id of a file already there), "
	    "and on\n"
	    "a terminal a progress line; a summary when there was more than "
	    "one file.\n",
	.exec = cmd_register,
};
