/*
 * cmd-keygen.c - bodycam keygen: a new Ed25519 key pair on disk.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define NAME_MAX_LEN	64

static int
valid_name(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > NAME_MAX_LEN || n[0] == '.' || n[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		    (n[i] >= 'A' && n[i] <= 'Z') ||
		    (n[i] >= '0' && n[i] <= '9') || n[i] == '-' ||
		    n[i] == '_' || n[i] == '.'))
			return 0;
	return 1;
}

static int
cmd_keygen(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *k = NULL;
	const char *dir = ".", *name;
	char priv[4096], pub[4096];
	int r;
	const struct bc_cli_opt opts[] = {
		{ "dir", &dir, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "give exactly one NAME");
	name = argv[optind];
	if (!valid_name(name))
		return bc_cli_usage(ctx->cmd, "key name '%s' must be 1-%d "
		    "letters, digits, '.', '_' or '-', not starting with '.' "
		    "or '-'", name, NAME_MAX_LEN);
	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s.key", dir, name) >=
	    sizeof(priv) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s/%s.pub", dir, name) >=
	    sizeof(pub))
		return bc_cli_usage(ctx->cmd, "--dir path too long");
	if (access(pub, F_OK) == 0) {
		bc_cli_error("%s already exists; refusing to overwrite it",
		    pub);
		return 2;
	}
	if ((r = bc_key_generate(&k)) != 0)
		return bc_cli_fail(r, NULL);
	if ((r = bc_key_write_private(k, priv, &err)) != 0)
		goto out;
	if ((r = bc_key_write_public(k, pub, &err)) != 0) {
		unlink(priv);	/* ours, just made: no half pair left */
		goto out;
	}
	if (ctx->json)
		ctx->out = json_pack("{s:s, s:s, s:s, s:s}", "name", name,
		    "key_id", bc_key_id(k), "private", priv, "public", pub);
	else if (!ctx->quiet)
		printf("%s\n", bc_key_id(k));
	r = 0;
 out:
	bc_key_free(k);
	return r == 0 ? 0 : bc_cli_fail(r, &err);
}

const struct bc_cmd bc_cmd_keygen = {
	.name = "keygen",
	.usage = "NAME [--dir DIR]",
	.summary = "Generate an Ed25519 key pair: DIR/NAME.key (PKCS#8 PEM, "
	    "mode 0600, never\n      overwritten) and DIR/NAME.pub; prints "
	    "the key id.",
	.options = "  --dir DIR   where to write the two files (default: "
	    "the current directory)\n",
	.exec = cmd_keygen,
};
