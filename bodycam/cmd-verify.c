/*
 * cmd-verify.c - bodycam verify: re-hash files, re-check signatures and
 * custody chains, and say exactly what failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static json_t *
report_json(const struct bc_verify_report *rep)
{
	json_t *o, *checks, *c;
	size_t i;

	if ((checks = json_array()) == NULL)
		return NULL;
	for (i = 0; i < rep->nchecks; i++) {
		c = json_pack("{s:s, s:b, s:s}", "name", rep->checks[i].name,
		    "ok", rep->checks[i].ok, "detail", rep->checks[i].detail);
		if (c == NULL || json_array_append_new(checks, c) != 0) {
			json_decref(checks);
			return NULL;
		}
	}
	o = json_pack("{s:s, s:s?, s:b, s:s, s:o}", "id", rep->id, "path",
	    rep->path, "ok", rep->status == 0, "status",
	    rep->status == 0 ? "ok" : rep->status == BC_ERR_INTEGRITY ?
	    "failed" : bc_strerror(rep->status), "checks", checks);
	return o;
}

static void
report_text(const struct bc_verify_report *rep, int quiet)
{
	size_t i;
	int shown = 0;

	if (!quiet) {
		for (i = 0; i < rep->nchecks; i++)
			printf("  %-6s  %-22s %s\n", rep->checks[i].ok ? "ok" :
			    "FAILED", rep->checks[i].name,
			    rep->checks[i].detail);
		if (rep->status == 0) {
			printf("%s: OK\n", rep->id);
			return;
		}
	}
	if (rep->status == 0)
		return;
	/* failures always reach the user, even with --quiet */
	printf("%s: FAILED (", rep->id);
	for (i = 0; i < rep->nchecks; i++)
		if (!rep->checks[i].ok)
			printf("%s%s", shown++ ? ", " : "",
			    rep->checks[i].name);
	printf(")\n");
}

static int
error_entry(json_t *arr, const char *ref, int code, const char *msg)
{
	json_t *o = json_pack("{s:s, s:b, s:s, s:s, s:[]}", "id", ref, "ok",
	    0, "status", bc_strerror(code), "error", msg, "checks");

	if (o == NULL || json_array_append_new(arr, o) != 0)
		return BC_ERR_NOMEM;
	return 0;
}

static int
cmd_verify(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct bc_file_hash fh;
	struct bc_err err;
	struct bc_item *it;
	char hex[BC_SHA256_HEX];
	json_t *arr = NULL, *o;
	int by_file = 0, c, i, r, st = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': by_file = 1; break;
		default: return bc_cli_badopt(ctx->cmd, c, argv);
		}
	}
	if (optind == argc)
		return bc_cli_usage(ctx->cmd, by_file ? "no FILE to verify" :
		    "no ITEM to verify");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if (ctx->json && (arr = json_array()) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	for (i = optind; i < argc; i++) {
		it = NULL;
		bc_err_clear(&err);
		memset(&vo, 0, sizeof(vo));
		if (by_file) {
			r = bc_hash_file(argv[i], &fh, NULL, NULL, &err);
			if (r == 0) {
				bc_hex(fh.sha256, sizeof(fh.sha256), hex);
				r = bc_catalog_find_by_sha256(ctx->cat, hex,
				    &it, &err);
				if (r == BC_ERR_NOT_FOUND)
					bc_err_set(&err, r, "%s: no item in "
					    "the catalog has this content "
					    "(SHA-256 %s): it was never "
					    "registered, or it was altered",
					    argv[i], hex);
			}
			vo.file = argv[i];
			vo.file_hash = &fh;
		} else {
			r = bc_catalog_find_item(ctx->cat, argv[i], &it, &err);
		}
		if (r != 0) {
			bc_cli_error("%s", err.msg);
			st = bc_exit_worst(st, bc_exit_status(r));
			if (arr != NULL && error_entry(arr, argv[i], r,
			    err.msg) != 0)
				st = bc_exit_worst(st, 3);
			continue;
		}
		r = bc_verify_item(ctx->cat, it, &vo, &rep, &err);
		if (r != 0) {
			bc_cli_error("%s: %s", it->id, err.msg[0] ? err.msg :
			    bc_strerror(r));
			st = bc_exit_worst(st, bc_exit_status(r));
			if (arr != NULL && error_entry(arr, it->id, r,
			    err.msg) != 0)
				st = bc_exit_worst(st, 3);
		} else {
			st = bc_exit_worst(st, bc_exit_status(rep.status));
			if (arr != NULL) {
				o = report_json(&rep);
				if (o == NULL ||
				    json_array_append_new(arr, o) != 0)
					st = bc_exit_worst(st, 3);
			} else {
				report_text(&rep, ctx->quiet);
			}
		}
		bc_verify_report_clear(&rep);
		bc_item_free(it);
	}
	ctx->out = arr;
	return st;
}

const struct bc_cmd bc_cmd_verify = {
	.name = "verify",
	.usage = "ITEM... | verify --file FILE...",
	.summary = "Re-hash each item's file and re-check its manifest "
	    "signature and custody chain;\n      with --file, find the item "
	    "by the file's content.  Every check is named.",
	.options = "  --file   the arguments are files; each is looked up by "
	    "its SHA-256\n",
	.exec = cmd_verify,
};
