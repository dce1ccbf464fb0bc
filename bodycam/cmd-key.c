/*
 * cmd-key.c - bodycam key add|revoke|list: the catalog's signer keys and
 * their roles, as signed key documents.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int
key_add(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *admin = NULL, *pub = NULL;
	const char *name = NULL, *rolename = NULL, *keypath = NULL;
	int role, r, st;
	const struct bc_cli_opt opts[] = {
		{ "name", &name, NULL },
		{ "role", &rolename, NULL },
		{ "key", &keypath, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "key add takes one PUB file");
	if (name == NULL || rolename == NULL || keypath == NULL)
		return bc_cli_usage(ctx->cmd,
		    "key add needs --name, --role and --key");
	if ((role = bc_role_parse(rolename)) == 0)
		return bc_cli_usage(ctx->cmd, "unknown role '%s' (ingest, "
		    "custodian, auditor or admin)", rolename);
	if ((r = bc_key_load_public(argv[optind], &pub, &err)) != 0 ||
	    (r = bc_key_load_private(keypath, &admin, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_key_authorise(ctx->cat, admin, pub, name, role,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json)
		ctx->out = json_pack("{s:s, s:s, s:s}", "key_id",
		    bc_key_id(pub), "name", name, "role", bc_role_name(role));
	else if (!ctx->quiet)
		printf("added %s %s as %s\n", bc_key_id(pub), bc_cli_q(name),
		    bc_role_name(role));
	st = 0;
 out:
	bc_key_free(admin);
	bc_key_free(pub);
	return st;
}

static int
key_revoke(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *admin = NULL;
	struct bc_checkpoint_row cp = { 0 };
	const char *reason = NULL, *keypath = NULL;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "reason", &reason, NULL },
		{ "key", &keypath, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "key revoke takes one KEYID");
	if (reason == NULL || keypath == NULL)
		return bc_cli_usage(ctx->cmd,
		    "key revoke needs --reason and --key");
	if ((r = bc_key_load_private(keypath, &admin, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_key_revoke(ctx->cat, admin, argv[optind], reason,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	/*
	 * A checkpoint right after the revocation fixes its place in the
	 * log for everyone who holds the checkpoint: nothing can later be
	 * slipped in before it, where the revoked key still counted.
	 */
	if ((r = bc_tlog_checkpoint(ctx->cat, admin, &cp, &err)) != 0) {
		bc_cli_error("revoked %s, but signing a checkpoint after it "
		    "failed; sign one with 'bodycam checkpoint'", argv[optind]);
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json)
		ctx->out = json_pack("{s:s, s:s, s:I}", "revoked", argv[optind],
		    "reason", reason, "checkpoint", (json_int_t)cp.size);
	else if (!ctx->quiet)
		printf("revoked %s\ncheckpoint of %llu records signed\n",
		    bc_cli_q(argv[optind]), (unsigned long long)cp.size);
	st = 0;
 out:
	free(cp.note);
	bc_key_free(admin);
	return st;
}

static int
key_list(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	const struct bc_keyring_entry *e;
	json_t *arr = NULL, *o;
	size_t i;
	int r, st = 0;

	if (argc != 1)
		return bc_cli_usage(ctx->cmd, "key list takes no arguments");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	r = bc_keyring_load(ctx->cat, &kr, &err);
	if (r != 0 && r != BC_ERR_INTEGRITY)
		return bc_cli_fail(r, &err);
	if (r != 0)	/* list what verified, and say the rest failed */
		st = bc_cli_fail(r, &err);
	if (kr == NULL)
		return st;
	if (ctx->json && (arr = json_array()) == NULL) {
		bc_keyring_free(kr);
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	}
	if (!ctx->json && !ctx->quiet)
		printf("%-16s  %-20s  %-9s  %-27s  %s\n", "KEY", "NAME", "ROLE",
		    "ADDED", "REVOKED");
	for (i = 0; i < kr->nkeys; i++) {
		e = &kr->keys[i];
		if (e->id[0] == '\0')
			continue;
		if (arr != NULL) {
			o = json_pack("{s:s, s:s, s:s, s:b, s:s?, s:s?, s:s?}",
			    "key_id", e->id, "name", e->name, "role",
			    bc_role_name(e->role), "anchor", e->anchor,
			    "added", e->added[0] ? e->added : NULL, "revoked",
			    e->revoked[0] ? e->revoked : NULL, "reason",
			    e->reason[0] ? e->reason : NULL);
			if (o == NULL || json_array_append_new(arr, o) != 0)
				st = bc_exit_worst(st, 3);
		} else if (!ctx->quiet) {
			printf("%.16s  %-20s  %-9s  %-27s  %s%s%s\n",
			    bc_cli_q(e->id), bc_cli_q(e->name),
			    bc_role_name(e->role),
			    e->anchor ? "(init)" : bc_cli_q(e->added),
			    e->revoked[0] ? bc_cli_q(e->revoked) : "-",
			    e->reason[0] ? " " : "", bc_cli_q(e->reason));
		}
	}
	ctx->out = arr;
	bc_keyring_free(kr);
	return st;
}

static const struct bc_subcmd key_subs[] = {
	{ "add", "PUB --name NAME --role ROLE --key ADMIN.key", 0, key_add },
	{ "revoke", "KEYID --reason TEXT --key ADMIN.key", 0, key_revoke },
	{ "list", "", BC_CMD_READ_ONLY, key_list },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_key = {
	.name = "key",
	.subs = key_subs,
	.summary = "Manage the catalog's signer keys.  Roles: ingest "
	    "(register), custodian (custody\n      events), auditor "
	    "(verifications), admin (all, and keys).  Each change is a\n"
	    "      key document signed by an admin key; a key is added once "
	    "and may be revoked.",
	.options =
	    "  --name NAME     who or what holds the key (add)\n"
	    "  --role ROLE     ingest, custodian, auditor or admin (add)\n"
	    "  --reason TEXT   why the key is revoked (revoke)\n"
	    "  --key ADMIN.key an admin's private key, which signs the "
	    "change\n",
	.exec = bc_cli_subcmd,
};
