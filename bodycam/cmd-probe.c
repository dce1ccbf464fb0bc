/*
 * cmd-probe.c - bodycam probe: what register would seal of each file's
 * metadata, without a catalog.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Prints obj's members as "prefix.name  value" lines, nested by dots. */
static void
print_members(const char *prefix, const json_t *obj)
{
	const char *k;
	json_t *v;
	char name[128];
	size_t i;

	json_object_foreach((json_t *)obj, k, v) {
		snprintf(name, sizeof(name), "%s.%s", prefix, k);
		if (json_is_object(v)) {
			print_members(name, v);
		} else if (json_is_array(v)) {
			for (i = 0; i < json_array_size(v); i++) {
				char el[160];

				snprintf(el, sizeof(el), "%s[%zu]", name, i);
				if (json_is_object(json_array_get(v, i)))
					print_members(el,
					    json_array_get(v, i));
			}
		} else if (json_is_string(v)) {
			printf("  %-28s %s\n", bc_cli_q(name),
			    bc_cli_q(json_string_value(v)));
		} else if (json_is_integer(v)) {
			printf("  %-28s %lld\n", bc_cli_q(name),
			    (long long)json_integer_value(v));
		}
	}
}

/*
 * Opens a regular file and reads its first bytes, for the content type;
 * the metadata is then read from the same descriptor, as register's.
 */
static int
open_head(const char *path, int *fd, uint8_t *head, size_t *len,
    struct bc_err *err)
{
	struct stat sb;
	ssize_t n;
	int r;

	if ((r = bc_hash_open(path, fd, err)) != 0)
		return r;
	if (fstat(*fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		r = bc_err_set(err, BC_ERR_INVALID, "%s: not a regular file",
		    path);
		goto fail;
	}
	do
		n = pread(*fd, head, BC_HASH_HEADSZ, 0);
	while (n == -1 && errno == EINTR);
	if (n < 0) {
		r = bc_err_set(err, BC_ERR_IO, "%s: %s", path,
		    strerror(errno));
		goto fail;
	}
	*len = (size_t)n;
	return 0;
 fail:
	close(*fd);
	*fd = -1;
	return r;
}

static int
cmd_probe(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_meta_opts mo;
	struct bc_err err;
	uint8_t head[BC_HASH_HEADSZ];
	size_t headlen = 0;
	char now[BC_TIME_MAX];
	json_t *arr = NULL, *meta, *o, *w;
	size_t j;
	int i, r, st = 0, fd;
	const struct bc_cli_opt opts[] = {
		{ "verbose", NULL, &mo.verbose },
		{ NULL, NULL, NULL }
	};

	memset(&mo, 0, sizeof(mo));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind == argc)
		return bc_cli_usage(ctx->cmd, "no FILE to probe");
	if (ctx->json && (arr = json_array()) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	bc_time_now(now);
	mo.now = now;
	for (i = optind; i < argc; i++) {
		bc_err_clear(&err);
		meta = NULL;
		o = NULL;
		/* the content type comes from the bytes, as register's */
		if ((r = open_head(argv[i], &fd, head, &headlen,
		    &err)) == 0) {
			r = bc_meta_extract_fd(fd, bc_media_sniff(head,
			    headlen), &mo, &meta, &err);
			close(fd);
		}
		if (r != 0) {
			bc_cli_error("%s", err.msg);
			st = bc_exit_worst(st, bc_exit_status(r));
			if (arr != NULL && ((o = json_pack("{s:o}", "error",
			    bc_cli_err_json(r, &err))) == NULL ||
			    bc_json_set_name(o, "file", argv[i]) != 0 ||
			    json_array_append(arr, o) != 0))
				st = bc_exit_worst(st, 3);
			json_decref(o);
			continue;
		}
		if (arr != NULL) {
			if (bc_json_set_name(meta, "file", argv[i]) != 0 ||
			    json_array_append(arr, meta) != 0)
				st = bc_exit_worst(st, 3);
		} else if (!ctx->quiet) {
			printf("%s\n", bc_cli_q(argv[i]));
			print_members("media", json_object_get(meta, "media"));
			print_members("capture", json_object_get(meta,
			    "capture"));
		}
		w = json_object_get(meta, "warnings");
		fflush(stdout);		/* the file's lines, then its warnings */
		if (arr == NULL)
			for (j = 0; j < json_array_size(w); j++)
				bc_cli_error("%s: warning: %s", argv[i],
				    json_string_value(json_array_get(w, j)));
		json_decref(meta);
	}
	ctx->out = arr;
	return st;
}

const struct bc_cmd bc_cmd_probe = {
	.name = "probe",
	.usage = "FILE... [--verbose]",
	.summary = "Print the metadata register would seal for each FILE "
	    "(camera, time, place,\n      duration, streams), with its "
	    "warnings; needs no catalog.",
	.options =
	    "  --verbose   let libexif's and libavformat's messages through\n",
	.exec = cmd_probe,
};
