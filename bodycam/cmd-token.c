/*
 * cmd-token.c - bodycam token create|revoke|list: the bearer tokens of
 * the HTTP service.  A token is printed once, at create, and the catalog
 * keeps only its hash; list never shows either.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static int
token_create(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *admin = NULL;
	const char *name = NULL, *rolename = NULL, *keypath = NULL;
	char token[BC_TOKEN_LEN + 1] = "";
	int role, r, st;
	const struct bc_cli_opt opts[] = {
		{ "name", &name, NULL },
		{ "role", &rolename, NULL },
		{ "key", &keypath, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc != optind)
		return bc_cli_usage(ctx->cmd, "token create takes no "
		    "arguments, only options");
	if (name == NULL || rolename == NULL || keypath == NULL)
		return bc_cli_usage(ctx->cmd,
		    "token create needs --name, --role and --key");
	if (bc_token_name_check(name, &err) != 0)
		return bc_cli_usage(ctx->cmd, "%s", err.msg);
	if ((role = bc_role_parse(rolename)) == 0)
		return bc_cli_usage(ctx->cmd, "unknown role '%s' (ingest, "
		    "custodian, auditor or admin)", rolename);
	if ((r = bc_key_load_private(keypath, &admin, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_token_create(ctx->cat, admin, name, role, token,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	/*
	 * Printed here rather than through ctx->out, so that no JSON value
	 * holds a copy of the token that nobody wipes.  The name and role
	 * need no escaping: bc_token_name_check allows no such characters.
	 */
	if (ctx->json)
		printf("{\n  \"name\": \"%s\",\n  \"role\": \"%s\",\n"
		    "  \"token\": \"%s\"\n}\n", name, bc_role_name(role),
		    token);
	else
		printf("%s\n", token);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* a token nobody saw must not stay valid */
		r = bc_token_revoke(ctx->cat, admin, name, &err);
		bc_cli_error("cannot print the new token '%s'; %s", name,
		    r == 0 ? "it was revoked again" : err.msg);
		st = 3;
		goto out;
	}
	if (!ctx->quiet)
		fprintf(stderr, "bodycam: token '%s' (%s) created; it will "
		    "not be shown again (only its hash is kept)\n",
		    bc_cli_q(name),
		    bc_role_name(role));
	st = 0;
 out:
	OPENSSL_cleanse(token, sizeof(token));
	bc_key_free(admin);
	return st;
}

static int
token_revoke(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *admin = NULL;
	const char *name, *keypath = NULL;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "key", &keypath, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "token revoke takes one NAME");
	if (keypath == NULL)
		return bc_cli_usage(ctx->cmd, "token revoke needs --key");
	name = argv[optind];
	if (bc_token_name_check(name, &err) != 0)
		return bc_cli_usage(ctx->cmd, "%s", err.msg);
	if ((r = bc_key_load_private(keypath, &admin, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_token_revoke(ctx->cat, admin, name, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json)
		ctx->out = json_pack("{s:s}", "revoked", name);
	else if (!ctx->quiet)
		printf("revoked token %s\n", bc_cli_q(name));
	st = 0;
 out:
	bc_key_free(admin);
	return st;
}

static int
token_list(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_token_info *v = NULL, *t;
	json_t *arr = NULL, *o;
	size_t i, n = 0;
	int r, st;

	if (argc != 1)
		return bc_cli_usage(ctx->cmd, "token list takes no arguments");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_token_list(ctx->cat, &v, &n, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json && (arr = json_array()) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (!ctx->json && !ctx->quiet)
		printf("%-20s  %-9s  %-27s  %-16s  %s\n", "NAME", "ROLE",
		    "CREATED", "CREATED BY", "REVOKED");
	for (i = 0; i < n; i++) {
		t = &v[i];
		if (arr != NULL) {
			o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "name",
			    t->name, "role", bc_role_name(t->role), "created",
			    t->created, "created_by", t->created_by,
			    "revoked", t->revoked[0] ? t->revoked : NULL);
			if (o == NULL || json_array_append_new(arr, o) != 0) {
				st = bc_cli_fail(BC_ERR_NOMEM, NULL);
				goto out;
			}
		} else if (!ctx->quiet) {
			printf("%-20s  %-9s  %-27s  %.16s  %s\n",
			    bc_cli_q(t->name), bc_role_name(t->role),
			    bc_cli_q(t->created), bc_cli_q(t->created_by),
			    t->revoked[0] ? bc_cli_q(t->revoked) : "-");
		}
	}
	ctx->out = arr;
	arr = NULL;
	st = 0;
 out:
	json_decref(arr);
	free(v);
	return st;
}

static const struct bc_subcmd token_subs[] = {
	{ "create", "--name NAME --role ROLE --key ADMIN.key", 0,
	    token_create },
	{ "revoke", "NAME --key ADMIN.key", 0, token_revoke },
	{ "list", "", BC_CMD_READ_ONLY, token_list },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_token = {
	.name = "token",
	.subs = token_subs,
	.summary = "Manage the bearer tokens of the HTTP service.  create "
	    "prints a new token once\n      (only its SHA-256 is kept); each "
	    "token has a name and one role (ingest,\n      custodian, "
	    "auditor or admin).  create and revoke need an admin key.",
	.options =
	    "  --name NAME     what holds the token: 1 to 64 letters, digits, "
	    ". _ @ -\n"
	    "                  (create; a revoked token's name may be used "
	    "again)\n"
	    "  --role ROLE     ingest, custodian, auditor or admin (create)\n"
	    "  --key ADMIN.key an admin's private key (create, revoke)\n"
	    "  --json          create: {\"name\", \"role\", \"token\"}; "
	    "list: an array\n",
	.exec = bc_cli_subcmd,
};
