/*
 * cmd-storage.c - bodycam storage: the catalog's managed storage root.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "cli.h"

static int
storage_print(struct bc_ctx *ctx)
{
	struct bc_err err = { 0 };
	char root[PATH_MAX];
	int r;

	if ((r = bc_catalog_storage(ctx->cat, root, sizeof(root), &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json)
		ctx->out = json_pack("{s:s?}", "storage", root[0] ? root :
		    NULL);
	else if (!ctx->quiet)
		printf("%s\n", root[0] ? bc_cli_q(root) : "no storage root "
		    "(bodycam storage set DIR)");
	return 0;
}

static int
storage_show(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct bc_cli_opt opts[] = { { NULL, NULL, NULL } };
	int r;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    bc_cli_q(argv[optind]));
	if ((r = bc_cli_open_catalog(ctx)) != 0)
		return r;
	return storage_print(ctx);
}

static int
storage_set(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct bc_cli_opt opts[] = { { NULL, NULL, NULL } };
	struct bc_err err = { 0 };
	int r;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "storage set takes one DIR");
	if ((r = bc_cli_open_catalog(ctx)) != 0)
		return r;
	if ((r = bc_catalog_set_storage(ctx->cat, argv[optind], &err)) != 0)
		return bc_cli_fail(r, &err);
	return storage_print(ctx);
}

static const struct bc_subcmd storage_subs[] = {
	{ "show", "", BC_CMD_READ_ONLY, storage_show },
	{ "set", "DIR", 0, storage_set },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_storage = {
	.name = "storage",
	.subs = storage_subs,
	.summary = "Show the catalog's managed storage root, or set it (once): "
	    "the folder that\n      register copies footage into, as "
	    "ROOT/ab/SHA256/NAME.",
	.options = NULL,
	.exec = bc_cli_subcmd,
};
