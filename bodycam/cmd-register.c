/*
 * cmd-register.c - bodycam register: hash, seal and catalog files.
 *
 * Each file is registered or reported on its own; one bad file does not
 * stop the rest, and the exit status is the worst outcome.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_MIN	(64ULL * 1024 * 1024)

struct progress {
	const char	*name;
	int		 shown;
};

static void
show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;

	if (total <= PROGRESS_MIN)
		return;
	fprintf(stderr, "\rhashing %s: %3d%% (%llu of %llu MiB)",
	    bc_cli_q(p->name),
	    (int)(done * 100 / total), (unsigned long long)(done >> 20),
	    (unsigned long long)(total >> 20));
	p->shown = 1;
	if (done == total)
		fputc('\n', stderr);
}

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
		{ NULL, 0, NULL, 0 }
	};
	struct bc_register_opts ro;
	struct bc_register_result res;
	struct bc_err err = { "" };
	struct bc_key *key = NULL;
	struct progress prog;
	const char *keypath = NULL, **tags = NULL;
	json_t *arr = NULL, *o;
	size_t ntags = 0;
	int c, i, r, st = 0;

	if ((tags = calloc((size_t)argc + 1, sizeof(*tags))) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	memset(&ro, 0, sizeof(ro));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': keypath = optarg; break;
		case 'o': ro.op.officer = optarg; break;
		case 'd': ro.op.device = optarg; break;
		case 'c': ro.op.case_no = optarg; break;
		case 'C': ro.op.category = optarg; break;
		case 't': tags[ntags++] = optarg; break;
		case 's': ro.sidecar = optarg; break;
		case 'v': ro.verbose = 1; break;
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
	if (ro.sidecar != NULL && argc - optind != 1) {
		st = bc_cli_usage(ctx->cmd, "--sidecar goes with one FILE");
		goto out;
	}
	if ((r = bc_operator_fields_check(&ro.op, &err)) != 0) {
		st = bc_cli_usage(ctx->cmd, "%s", err.msg);
		goto out;
	}
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if (ctx->json && (arr = json_array()) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (!ctx->quiet && isatty(STDERR_FILENO)) {
		ro.progress = show_progress;
		ro.progress_arg = &prog;
	}
	bc_cli_category_warn(ctx, ro.op.category);
	for (i = optind; i < argc; i++) {
		prog.name = argv[i];
		prog.shown = 0;
		bc_err_clear(&err);
		r = bc_register(ctx->cat, key, argv[i], &ro, &res, &err);
		st = bc_exit_worst(st, bc_exit_status(r));
		if (r != 0)
			bc_cli_error("%s", err.msg[0] ? err.msg :
			    bc_strerror(r));
		else if (!ctx->json && !ctx->quiet)
			printf("%s  %s  %s\n", res.id, res.sha256,
			    bc_cli_q(argv[i]));
		if (r == 0 && !ctx->json && !ctx->quiet) {
			fflush(stdout);		/* the id, then its warnings */
			print_warnings(res.id, res.warnings);
		}
		if (arr == NULL)
			continue;
		if (r == 0)
			o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, "
			    "s:o}", "id", res.id, "sha256",
			    res.sha256, "size", (json_int_t)res.size,
			    "manifest_hash", res.manifest_hash, "mime",
			    res.mime, "status", "registered", "warnings",
			    warnings_json(res.warnings));
		else if (r == BC_ERR_EXISTS && res.existing[0] != '\0')
			o = json_pack("{s:s, s:s, s:I, s:s, s:s}",
			    "sha256", res.sha256, "existing",
			    res.existing, "size", (json_int_t)res.size,
			    "status", "duplicate", "error", bc_cli_q(err.msg));
		else
			o = json_pack("{s:s, s:s}", "status", "error",
			    "error", err.msg[0] ? bc_cli_q(err.msg) :
			    bc_strerror(r));
		/* a path that is not UTF-8 comes with its bytes */
		if (o != NULL && bc_json_set_name(o, "path", argv[i]) != 0) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0)
			st = bc_exit_worst(st, 3);
	}
	ctx->out = arr;
	arr = NULL;
 out:
	json_decref(arr);
	bc_key_free(key);
	free(tags);
	return st;
}

const struct bc_cmd bc_cmd_register = {
	.name = "register",
	.usage = "FILE... --key KEY [--officer ID] [--device ID] [--case N] "
	    "[--category C]\n                 [--tag T]... [--sidecar "
	    "FILE.json] [--verbose]",
	.summary = "Hash each FILE, seal its manifest with KEY and record it "
	    "with a signed\n      'register' custody event; prints the new "
	    "item ids.",
	.options =
	    "  --key KEY        private key that signs (role ingest or "
	    "admin)\n"
	    "  --officer ID     officer who recorded the footage\n"
	    "  --device ID      camera or device id\n"
	    "  --case N         case number\n"
	    "  --category C     evidence category\n"
	    "  --tag T          a tag; repeat for more (at most 32)\n"
	    "  --sidecar FILE   vendor metadata (a JSON object) sealed with "
	    "the file, and\n"
	    "                   its SHA-256; one FILE only\n"
	    "  --verbose        let libexif's and libavformat's messages "
	    "through\n",
	.exec = cmd_register,
};
