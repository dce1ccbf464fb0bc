/*
 * main.c - the bodycam program: global options, the command table, and
 * the resources commands ask for (the catalog), opened once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static int
is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int
main(int argc, char **argv)
{
	struct bc_ctx ctx;
	const struct bc_cmd *cmd = NULL;
	char **cargv = NULL;
	int cargc = 0, help = 0, version = 0, i, st = 0;
	const char *a, *env;
	json_t *e;

	memset(&ctx, 0, sizeof(ctx));
	ctx.argv = argv;
	if ((env = getenv("BODYCAM_CATALOG")) != NULL && *env != '\0')
		ctx.catalog_path = env;
	else
		ctx.catalog_path = "bodycam.db";

	/* pull global options out from anywhere before "--" */
	if ((cargv = calloc((size_t)argc + 1, sizeof(*cargv))) == NULL) {
		bc_cli_error("out of memory");
		return 3;
	}
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			for (; i < argc; i++)
				cargv[cargc++] = argv[i];
			break;
		}
		if (strcmp(a, "--json") == 0)
			ctx.json = 1;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			ctx.quiet = 1;
		else if (strcmp(a, "--version") == 0)
			version = 1;
		else if (strcmp(a, "--catalog") == 0) {
			if (i + 1 >= argc) {
				st = bc_cli_usage(NULL, "--catalog needs a PATH");
				goto out;
			}
			ctx.catalog_path = argv[++i];
			ctx.catalog_opt = 1;
		} else if (strncmp(a, "--catalog=", 10) == 0) {
			ctx.catalog_path = a + 10;
			ctx.catalog_opt = 1;
		}
		else if (cmd == NULL && is_help(a))
			help = 1;
		else if (cmd == NULL && a[0] == '-') {
			st = bc_cli_usage(NULL, "unknown option '%s'", a);
			goto out;
		} else if (cmd == NULL && strcmp(a, "help") == 0) {
			help = 1;		/* "help [COMMAND]" */
			if (i + 1 < argc && (cmd = bc_cmd_find(argv[i + 1])) ==
			    NULL) {
				st = bc_cli_usage(NULL, "unknown command '%s'",
				    argv[i + 1]);
				goto out;
			}
			break;
		} else if (cmd == NULL) {
			if ((cmd = bc_cmd_find(a)) == NULL) {
				st = bc_cli_usage(NULL, "unknown command '%s'",
				    a);
				goto out;
			}
			cargv[cargc++] = argv[i];
		} else
			cargv[cargc++] = argv[i];
	}
	if (version) {
		printf("bodycam %s\n", BODYCAM_VERSION);
		goto out;
	}
	if (help || cmd == NULL) {
		bc_cli_help(help ? stdout : stderr, cmd);
		st = help ? 0 : 2;
		goto out;
	}
	for (i = 1; i < cargc; i++) {
		if (strcmp(cargv[i], "--") == 0)
			break;
		if (is_help(cargv[i])) {
			bc_cli_help(stdout, cmd);
			goto out;
		}
	}

	ctx.cmd = cmd;
	bc_cli_running(cmd);
	ctx.read_only = (cmd->flags & BC_CMD_READ_ONLY) != 0;
	st = cmd->exec(&ctx, cargc, cargv);
 out:
	if (ctx.json && ctx.out == NULL && st != 0 && !ctx.printed)
		/* still one document */
		ctx.out = json_pack("{s:o}", "error", bc_cli_error_json(st));
	else if (ctx.json && st != 0 && (e = json_object_get(ctx.out,
	    "error")) != NULL && json_is_object(e))	/* a command's own */
		json_object_set_new(e, "exit", json_integer(st));
	if (ctx.json && ctx.out != NULL) {
		if (json_dumpf(ctx.out, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) != 0)
			st = bc_exit_worst(st, 3);
		else
			fputc('\n', stdout);
	}
	json_decref(ctx.out);
	bc_catalog_close(ctx.cat);
	free(cargv);
	/* a full disk or closed pipe must not pass for success (git) */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		bc_cli_error("write error on standard output: %s",
		    strerror(errno));
		st = bc_exit_worst(st, 3);
	}
	return st;
}
