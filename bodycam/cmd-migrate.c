/*
 * cmd-migrate.c - bodycam migrate: copy the catalog into a new one, a
 * file or a PostgreSQL database, row for row (bc_catalog_copy), so that
 * every leaf, root and stored checkpoint is the same there and a
 * checkpoint saved from the old catalog checks against the new one.
 * The source is only read; the destination must not exist yet.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static int
cmd_migrate(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_copy_stats stats;
	const char *dest = NULL;
	char *from = NULL, *to = NULL, hex[BC_SHA256_HEX];
	json_t *tables = NULL;
	size_t i;
	int r, st = 0;
	const struct bc_cli_opt opts[] = {
		{ "to", &dest, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (dest == NULL || *dest == '\0')
		return bc_cli_usage(ctx->cmd, "--to DEST is required: a new "
		    "catalog file or a postgresql:// URI");
	/* a URI's password never reaches the terminal or the JSON */
	if ((from = bc_catalog_redact(ctx->catalog_path)) == NULL ||
	    (to = bc_catalog_redact(dest)) == NULL) {
		bc_cli_error("out of memory");
		st = 3;
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_catalog_copy(ctx->cat, dest, &stats, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	bc_hex(stats.root, BC_SHA256_LEN, hex);
	if (ctx->json) {
		if ((tables = json_object()) == NULL) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
		for (i = 0; i < stats.ntables; i++)
			if (json_object_set_new(tables, stats.table[i].name,
			    json_integer(stats.table[i].rows)) != 0) {
				st = bc_cli_fail(BC_ERR_NOMEM, NULL);
				goto out;
			}
		ctx->out = json_pack("{s:s, s:s, s:i, s:O, s:I, s:s, s:I}",
		    "source", from, "destination", to, "schema",
		    BC_CATALOG_SCHEMA, "rows", tables, "log_size",
		    (json_int_t)stats.log_size, "root", hex, "checkpoints",
		    (json_int_t)stats.checkpoints);
		if (ctx->out == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (ctx->quiet)
		goto out;
	for (i = 0; i < stats.ntables; i++)
		printf("%-13s %10" PRId64 " rows\n", stats.table[i].name,
		    stats.table[i].rows);
	printf("log %" PRIu64 " leaves, root %s\n", stats.log_size, hex);
	printf("%" PRId64 " checkpoint%s, each identical\n",
	    stats.checkpoints, stats.checkpoints == 1 ? "" : "s");
	printf("migrated %s -> %s\n", bc_cli_q(from), bc_cli_q(to));
 out:
	json_decref(tables);
	free(from);
	free(to);
	return st;
}

const struct bc_cmd bc_cmd_migrate = {
	.name = "migrate",
	.usage = "--to DEST",
	.summary = "Copy the catalog into a new one (a file, or a "
	    "postgresql:// database with\n      no catalog), row for row: "
	    "every leaf, root and checkpoint is the same there.",
	.options = "  --to DEST   the new catalog: a file that does not exist "
	    "yet, or a\n"
	    "              postgresql:// or postgres:// URI of a database "
	    "that holds no\n"
	    "              catalog; the copy is checked against the source "
	    "(rows, log\n"
	    "              root, checkpoints) before it is committed, and "
	    "nothing is\n"
	    "              left there when it fails\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_migrate,
};
