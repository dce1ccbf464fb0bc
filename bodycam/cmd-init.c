/*
 * cmd-init.c - bodycam init: create a catalog with its trust anchor.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int
cmd_init(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *admin = NULL;
	struct bc_catalog *cat = NULL;
	const char *keypath = NULL, *origin = NULL, *storage = NULL;
	char name[BC_ORIGIN_MAX + 1], root[PATH_MAX];
	struct stat sb;
	int r;
	const struct bc_cli_opt opts[] = {
		{ "admin-key", &keypath, NULL },
		{ "origin", &origin, NULL },
		{ "storage", &storage, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (keypath == NULL)
		return bc_cli_usage(ctx->cmd, "--admin-key KEY.pub is required");
	if (origin != NULL && bc_origin_check(origin, &err) != 0)
		return bc_cli_usage(ctx->cmd, "%s", err.msg);
	/* a wrong storage root is found before anything is created */
	if (storage != NULL && stat(storage, &sb) == -1) {
		bc_cli_error("storage %s: %s", bc_cli_q(storage),
		    strerror(errno));
		return 2;
	}
	if (storage != NULL && !S_ISDIR(sb.st_mode)) {
		bc_cli_error("storage %s: not a directory", bc_cli_q(storage));
		return 2;
	}
	if ((r = bc_key_load_public(keypath, &admin, &err)) != 0)
		return bc_cli_fail(r, &err);
	r = bc_catalog_create(ctx->catalog_path, admin, origin, &cat, &err);
	if (r != 0) {
		bc_key_free(admin);
		/* an existing catalog is the user's mistake, not ours */
		return bc_cli_fail(r, &err);
	}
	root[0] = '\0';
	if ((storage != NULL &&
	    ((r = bc_catalog_set_storage(cat, storage, &err)) != 0 ||
	    (r = bc_catalog_storage(cat, root, sizeof(root), &err)) != 0)) ||
	    (r = bc_catalog_origin(cat, name, &err)) != 0) {
		bc_catalog_close(cat);
		bc_key_free(admin);
		return bc_cli_fail(r, &err);
	}
	if (ctx->json)
		ctx->out = json_pack("{s:s, s:s, s:s, s:i, s:s?}", "catalog",
		    bc_catalog_name(cat), "admin_key", bc_key_id(admin), "origin",
		    name, "schema", BC_CATALOG_SCHEMA, "storage",
		    root[0] ? root : NULL);
	else if (!ctx->quiet) {
		printf("created catalog %s\nadmin key %s\nlog origin %s\n",
		    bc_cli_q(bc_catalog_name(cat)), bc_key_id(admin),
		    bc_cli_q(name));
		if (root[0] != '\0')
			printf("storage %s\n", bc_cli_q(root));
	}
	bc_catalog_close(cat);
	bc_key_free(admin);
	return 0;
}

const struct bc_cmd bc_cmd_init = {
	.name = "init",
	.usage = "--admin-key KEY.pub [--origin NAME] [--storage DIR]",
	.summary = "Create a new catalog whose trust anchor is the admin "
	    "public key; refuses to\n      overwrite an existing file.",
	.options = "  --admin-key KEY.pub   the admin's public key (PEM)\n"
	    "  --origin NAME         the name of the catalog's transparency "
	    "log, the first\n"
	    "                        line of its checkpoints (default: "
	    "HOST/bodycam/ and\n"
	    "                        8 random hex digits); no space or "
	    "'+'\n"
	    "  --storage DIR         the managed storage root, which register "
	    "copies\n"
	    "                        footage into (set once; see 'bodycam "
	    "storage')\n",
	.exec = cmd_init,
};
