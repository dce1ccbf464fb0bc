/*
 * cmd-upgrade.c - bodycam upgrade: bring an older catalog's schema up to
 * this bodycam's.  Commands that write upgrade a catalog as they open it;
 * those that only read never do, so a catalog kept read-only for
 * auditors is upgraded once, on purpose, by someone who may write it.
 */
#include <stdio.h>

#include "cli.h"

static int
cmd_upgrade(struct bc_ctx *ctx, int argc, char **argv)
{
	int st, v = 0;

	if (argc > 1)
		return bc_cli_usage(ctx->cmd, "upgrade takes no arguments");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if (bc_catalog_schema(ctx->cat, &v) != 0)
		return bc_cli_fail(BC_ERR_DB, NULL);
	if (ctx->json)
		ctx->out = json_pack("{s:s, s:i}", "catalog",
		    bc_catalog_name(ctx->cat), "schema", v);
	else if (!ctx->quiet)
		printf("catalog %s is at schema %d\n",
		    bc_cli_q(bc_catalog_name(ctx->cat)), v);
	return 0;
}

const struct bc_cmd bc_cmd_upgrade = {
	.name = "upgrade",
	.usage = "",
	.summary = "Upgrade the catalog's schema to this bodycam's (commands "
	    "that only read\n      never do: they refuse a catalog that needs "
	    "it).",
	.exec = cmd_upgrade,
};
