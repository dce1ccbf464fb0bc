/*
 * cmd-case.c - bodycam case list|show: the cases of the catalog (by the
 * items' current case, annotations applied) and the items of one.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A JSON string member quoted for the terminal, or dflt. */
static const char *
q_str(const json_t *o, const char *name, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s != NULL ? bc_cli_q(s) : dflt;
}

static json_int_t
num(const json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

static int
case_list(struct bc_ctx *ctx, int argc, char **argv)
{
	const struct bc_cli_opt opts[] = { { NULL, NULL, NULL } };
	struct bc_err err = { 0 };
	json_t *cases = NULL, *c;
	int64_t none = 0;
	size_t i;
	int r, st;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "case list takes no argument");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_cases_json(ctx->cat, &cases, &none, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json) {
		ctx->out = json_pack("{s:o, s:I}", "cases", cases,
		    "without_case", (json_int_t)none);
		return ctx->out != NULL ? 0 : bc_cli_fail(BC_ERR_NOMEM, NULL);
	}
	if (!ctx->quiet) {
		printf("%-20s  %6s  %5s  %6s\n", "CASE", "ITEMS", "HELD",
		    "PURGED");
		json_array_foreach(cases, i, c)
			printf("%-20s  %6lld  %5lld  %6lld\n",
			    q_str(c, "case", "?"), (long long)num(c, "items"),
			    (long long)num(c, "held"),
			    (long long)num(c, "purged"));
		if (none > 0)
			printf("(%lld item%s without a case)\n",
			    (long long)none, none == 1 ? "" : "s");
	}
	json_decref(cases);
	return 0;
}

static int
case_show(struct bc_ctx *ctx, int argc, char **argv)
{
	const struct bc_cli_opt opts[] = { { NULL, NULL, NULL } };
	struct bc_err err = { 0 };
	json_t *doc = NULL, *it;
	size_t i;
	int r, st = 0;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "case show takes one case N");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_case_json(ctx->cat, argv[optind], &doc, &err)) != 0)
		return bc_cli_fail(r, &err);
	json_array_foreach(json_object_get(doc, "items"), i, it)
		if (json_object_get(it, "broken") != NULL) {
			bc_cli_error("%s: %s", q_str(it, "id", "?"),
			    q_str(it, "broken", "?"));
			st = 1;
		}
	if (ctx->json) {
		ctx->out = doc;
		return st;
	}
	if (!ctx->quiet) {
		printf("case %s: %lld item%s, %lld on legal hold, %lld "
		    "purged\n", bc_cli_q(argv[optind]),
		    (long long)json_array_size(json_object_get(doc, "items")),
		    json_array_size(json_object_get(doc, "items")) == 1 ?
		    "" : "s", (long long)num(doc, "held"),
		    (long long)num(doc, "purged"));
		printf("%-11s  %-27s  %-12s  %-4s  %-6s  %-16s  %s\n", "ID",
		    "REGISTERED", "CATEGORY", "HOLD", "PURGED", "CUSTODIAN",
		    "NAME");
		json_array_foreach(json_object_get(doc, "items"), i, it)
			printf("%-11s  %-27s  %-12s  %-4s  %-6s  %-16s  %s\n",
			    q_str(it, "id", "?"), q_str(it, "registered", "?"),
			    q_str(it, "category", "-"),
			    json_object_get(it, "broken") ? "?" :
			    json_is_true(json_object_get(it, "held")) ?
			    "yes" : "no",
			    json_object_get(it, "broken") ? "?" :
			    json_is_true(json_object_get(it, "purged")) ?
			    "yes" : "no",
			    q_str(it, "custodian", "?"),
			    q_str(it, "name", "?"));
	}
	json_decref(doc);
	return st;
}

static const struct bc_subcmd case_subs[] = {
	{ "list", "", BC_CMD_READ_ONLY, case_list },
	{ "show", "N", BC_CMD_READ_ONLY, case_show },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_case = {
	.name = "case",
	.subs = case_subs,
	.summary = "List the cases (by each item's current case: the sealed "
	    "one with its\n      annotations applied) with how many items "
	    "each has, held and purged; or\n      show one case's items "
	    "with their hold, purge and custodian.  Exit 1 when\n      an "
	    "item's chain is broken (run 'bodycam verify').",
	.options = NULL,
	.exec = bc_cli_subcmd,
};
