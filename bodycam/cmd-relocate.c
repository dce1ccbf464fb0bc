/*
 * cmd-relocate.c - bodycam relocate: record that an item's sealed file
 * now lies at another place, after re-hashing it there, as a signed
 * 'relocate' custody event.  The catalog's registered path is never
 * changed; verify, audit, purge, show and the service follow the signed
 * place (custody.h, bc_custody_place).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
cmd_relocate(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_custody_req req;
	struct bc_custody_result res;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	const char *keypath = NULL;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "key", &keypath, NULL },
		{ "actor", &req.actor, NULL },
		{ "reason", &req.reason, NULL },
		{ "location", &req.location, NULL },
		{ "note", &req.note, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&req, 0, sizeof(req));
	req.action = "relocate";
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 2)
		return bc_cli_usage(ctx->cmd, "relocate takes ITEM and NEWPATH");
	if (keypath == NULL || req.actor == NULL)
		return bc_cli_usage(ctx->cmd, "relocate needs --key and "
		    "--actor");
	req.file = argv[optind + 1];
	if ((r = bc_custody_req_check(&req, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_custody_add(ctx->cat, key, argv[optind], &req, &res,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:I, s:s, s:s}", "item", res.item,
		    "seq", (json_int_t)res.seq, "action", req.action, "hash",
		    res.hash);
		/* realpath'd paths; one that is not UTF-8 was refused */
		if (ctx->out == NULL || json_object_set_new(ctx->out, "path",
		    json_string(res.path)) != 0 ||
		    json_object_set_new(ctx->out, "from",
		    bc_json_text(res.from)) != 0)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (!ctx->quiet) {
		printf("%s  seq %lld  %s  %s\n", res.item, (long long)res.seq,
		    req.action, res.hash);
		printf("%s  now at %s (was %s)\n", res.item,
		    bc_cli_q(res.path), bc_cli_q(res.from));
	}
	st = 0;
 out:
	bc_key_free(key);
	return st;
}

const struct bc_cmd bc_cmd_relocate = {
	.name = "relocate",
	.usage = "ITEM NEWPATH --key KEY --actor WHO [--reason WHY]\n"
	    "           [--location WHERE] [--note TEXT]",
	.summary = "Record that an item's file now lies at NEWPATH: the file "
	    "there is re-hashed\n      and must have the sealed size and "
	    "SHA-256 (else exit 1, nothing recorded);\n      then a signed "
	    "'relocate' event names the new place, which verify, audit,\n"
	    "      purge, show and the service use from then on.",
	.options =
	    "  --key KEY         private key that signs (role custodian or "
	    "admin)\n"
	    "  --actor WHO       who moved the file (required)\n"
	    "  --reason WHY      why it moved\n"
	    "  --location WHERE  where\n"
	    "  --note TEXT       a remark\n",
	.flags = 0,
	.exec = cmd_relocate,
};
