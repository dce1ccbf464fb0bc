/*
 * cmd-annotate.c - bodycam annotate: set or clear an item's case,
 * category, tags, title or description after registration, as a signed
 * 'annotate' custody event.  The sealed manifest never changes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Appends s to the list *l (made on first use); -1 when out of memory. */
static int
list_add(json_t **l, const char *s)
{
	if (*l == NULL && (*l = json_array()) == NULL)
		return -1;
	return json_array_append_new(*l, json_string(s));
}

static int
cmd_annotate(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "category", required_argument, NULL, 'C' },
		{ "title", required_argument, NULL, 'T' },
		{ "description", required_argument, NULL, 'D' },
		{ "tag", required_argument, NULL, 't' },
		{ "untag", required_argument, NULL, 'u' },
		{ "clear", required_argument, NULL, 'x' },
		{ "reason", required_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'k' },
		{ "actor", required_argument, NULL, 'a' },
		{ "location", required_argument, NULL, 'l' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_custody_req req;
	struct bc_custody_result res;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	json_t *set = NULL, *clear = NULL, *add = NULL, *del = NULL;
	const char *keypath = NULL, *field;
	int c, r, st = 2;

	memset(&req, 0, sizeof(req));
	req.action = "annotate";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		field = NULL;
		r = 0;
		switch (c) {
		case 'c': field = "case"; break;
		case 'C': field = "category"; break;
		case 'T': field = "title"; break;
		case 'D': field = "description"; break;
		case 't': r = list_add(&add, optarg); break;
		case 'u': r = list_add(&del, optarg); break;
		case 'x':
			if (bc_view_field(optarg) == 0) {
				st = bc_cli_usage(ctx->cmd, "--clear takes case, "
				    "category, tags, title or description, not "
				    "'%s'", optarg);
				goto out;
			}
			r = list_add(&clear, optarg);
			break;
		case 'R': req.reason = optarg; break;
		case 'k': keypath = optarg; break;
		case 'a': req.actor = optarg; break;
		case 'l': req.location = optarg; break;
		case 'n': req.note = optarg; break;
		default:
			st = bc_cli_badopt(ctx->cmd, c, argv);
			goto out;
		}
		if (field != NULL)
			r = (set == NULL && (set = json_object()) == NULL) ||
			    json_object_set_new(set, field,
			    json_string(optarg)) != 0 ? -1 : 0;
		if (r != 0) {
			/* json_string refuses invalid UTF-8 */
			st = bc_cli_usage(ctx->cmd, "--%s: not valid UTF-8 "
			    "(or out of memory)", field ? field : "tag");
			goto out;
		}
	}
	if (argc - optind != 1) {
		st = bc_cli_usage(ctx->cmd, "annotate takes one ITEM");
		goto out;
	}
	if (set == NULL && clear == NULL && add == NULL && del == NULL) {
		st = bc_cli_usage(ctx->cmd, "nothing to change: give --case, "
		    "--category, --title, --description, --tag, --untag or "
		    "--clear");
		goto out;
	}
	if (keypath == NULL || req.actor == NULL || req.reason == NULL) {
		st = bc_cli_usage(ctx->cmd, "annotate needs --reason, --key "
		    "and --actor");
		goto out;
	}
	req.set = set;
	req.clear = clear;
	req.tag_add = add;
	req.tag_remove = del;
	if ((r = bc_custody_req_check(&req, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_custody_add(ctx->cat, key, argv[optind], &req, &res,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	bc_cli_category_warn(ctx, json_string_value(json_object_get(set,
	    "category")));
	st = bc_cli_recorded(ctx, req.action, &res);
 out:
	json_decref(set);
	json_decref(clear);
	json_decref(add);
	json_decref(del);
	bc_key_free(key);
	return st;
}

const struct bc_cmd bc_cmd_annotate = {
	.name = "annotate",
	.usage = "ITEM [--case N] [--category C] [--title T] "
	    "[--description D]\n           [--tag T]... [--untag T]... "
	    "[--clear FIELD]... --reason WHY --key KEY --actor WHO",
	.summary = "Set or clear an item's case, category, tags, title or "
	    "description, as a\n      signed 'annotate' custody event; the "
	    "sealed manifest never changes, and\n      show, list and the "
	    "API give the current view.",
	.options =
	    "  --case N          the case number\n"
	    "  --category C      the category (retention follows it)\n"
	    "  --title T         a title\n"
	    "  --description D   a description\n"
	    "  --tag T           add a tag (repeatable)\n"
	    "  --untag T         remove a tag (repeatable)\n"
	    "  --clear FIELD     remove case, category, tags, title or "
	    "description\n"
	    "  --reason WHY      why (required)\n"
	    "  --key KEY         private key that signs (role custodian or "
	    "admin)\n"
	    "  --actor WHO       who made the change (required)\n"
	    "  --location WHERE  where\n"
	    "  --note TEXT       a remark\n",
	.flags = 0,
	.exec = cmd_annotate,
};
