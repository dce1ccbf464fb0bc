/*
 * cmd-release.c - bodycam release: verify, record the release, and write
 * a bundle that the recipient checks offline.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
cmd_release(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_release_opts ro;
	struct bc_release_result res;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	const char *keypath = NULL, *out = NULL, *case_no = NULL;
	const char *polpath = NULL;
	struct bc_witness_policy *pol = NULL;
	const char *const *refs;
	const char **cr = NULL;
	char (*ids)[BC_ITEM_ID_MAX] = NULL;
	size_t i, nrefs;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "case", &case_no, NULL },
		{ "to", &ro.recipient, NULL },
		{ "authority", &ro.authority, NULL },
		{ "key", &keypath, NULL },
		{ "out", &out, NULL },
		{ "actor", &ro.actor, NULL },
		{ "no-media", NULL, &ro.no_media },
		{ "witness-policy", &polpath, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&ro, 0, sizeof(ro));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (case_no == NULL && optind == argc)
		return bc_cli_usage(ctx->cmd, "name at least one item, or "
		    "--case N");
	if (case_no != NULL && optind != argc)
		return bc_cli_usage(ctx->cmd, "--case N or ITEMs, not both");
	if (ro.recipient == NULL || ro.authority == NULL || keypath == NULL ||
	    out == NULL)
		return bc_cli_usage(ctx->cmd, "--to, --authority, --key and "
		    "--out are required");
	if (polpath != NULL &&
	    (r = bc_witness_policy_load(polpath, &pol, &err)) != 0)
		return bc_cli_fail(r, &err);
	ro.witnesses = pol;
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		bc_witness_policy_free(pol);
		return bc_cli_fail(r, &err);
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0) {
		bc_witness_policy_free(pol);
		bc_key_free(key);
		return st;
	}
	refs = (const char *const *)argv + optind;
	nrefs = (size_t)(argc - optind);
	if (case_no != NULL) {
		/* the items whose case is N now, by their chains (case.h);
		   release verifies each */
		if ((r = bc_case_members(ctx->cat, case_no, &ids, &nrefs,
		    &err)) == 0 && (cr = calloc(nrefs, sizeof(*cr))) == NULL)
			r = bc_err_set(&err, BC_ERR_NOMEM, "out of memory");
		if (r != 0) {
			bc_witness_policy_free(pol);
			bc_key_free(key);
			free(ids);
			return bc_cli_fail(r, &err);
		}
		for (i = 0; i < nrefs; i++)
			cr[i] = ids[i];
		refs = cr;
	}
	memset(&res, 0, sizeof(res));
	r = bc_release(ctx->cat, key, refs, nrefs, out, &ro, &res, &err);
	bc_witness_policy_free(pol);
	bc_key_free(key);
	free(cr);
	free(ids);
	if (r != 0) {
		if (res.failed[0] != '\0') {
			for (i = 0; i < res.report.nchecks; i++)
				if (!res.report.checks[i].ok)
					bc_cli_error("%s: %s: %s", res.failed,
					    res.report.checks[i].name,
					    res.report.checks[i].detail);
		}
		st = bc_cli_fail(r, &err);
		if (ctx->json)
			ctx->out = json_pack("{s:b, s:s, s:o}", "released", 0,
			    "item", res.failed, "error", bc_cli_err_json(r,
			    &err));
		bc_release_result_clear(&res);
		return st;
	}
	if (res.witnessed && res.cosigned < res.quorum)
		bc_cli_error("warning: %zu of quorum %zu witnesses cosigned "
		    "the release's checkpoint%s%s (ask again with 'bodycam log "
		    "cosign'; the bundle holds the cosignatures it got)",
		    res.cosigned, res.quorum, res.witness_errors[0] ? ": " :
		    "", res.witness_errors);
	if (ctx->json)
		ctx->out = json_pack("{s:b, s:s, s:I, s:I, s:o*}", "released",
		    1, "bundle", out, "items", (json_int_t)res.nitems,
		    "checkpoint_size", (json_int_t)res.checkpoint_size,
		    "witnesses", res.witnessed ? json_pack("{s:I, s:I, s:s}",
		    "cosigned", (json_int_t)res.cosigned, "quorum",
		    (json_int_t)res.quorum, "errors", res.witness_errors) :
		    NULL);
	else if (!ctx->quiet)
		printf("released %zu item%s to %s; bundle %s (checkpoint of "
		    "%" PRIu64 " records)\ncheck it with: bodycam verify-bundle "
		    "%s --trust ADMIN.pub, or the steps in %s/VERIFY.md\n",
		    res.nitems, res.nitems == 1 ? "" : "s",
		    bc_cli_q(ro.recipient), bc_cli_q(out), res.checkpoint_size,
		    bc_cli_q(out), bc_cli_q(out));
	bc_release_result_clear(&res);
	return 0;
}

const struct bc_cmd bc_cmd_release = {
	.name = "release",
	.usage = "ITEM...|--case N --to RECIPIENT --authority TEXT --key KEY "
	    "--out DIR\n           [--actor WHO] [--no-media] "
	    "[--witness-policy FILE]",
	.summary = "Verify each item in full, then record a passing "
	    "verification and the\n      release, sign a checkpoint, and "
	    "write DIR: a bundle the recipient checks\n      offline "
	    "(VERIFY.md, or 'bodycam verify-bundle').  If any item fails, "
	    "nothing\n      is released or written.",
	.options =
	    "  --to RECIPIENT      who receives it (required)\n"
	    "  --authority TEXT    under what authority: a subpoena, a "
	    "discovery order\n"
	    "                      (required)\n"
	    "  --key KEY           private key that signs (role auditor or "
	    "admin)\n"
	    "  --out DIR           the bundle, a new directory (required)\n"
	    "  --actor WHO         who releases it (default: the system "
	    "user)\n"
	    "  --no-media          leave the media files out of the bundle\n"
	    "  --case N            every item whose case is N now, instead "
	    "of ITEMs\n"
	    "  --witness-policy FILE  after the release, ask the policy's "
	    "witnesses (those\n"
	    "                      with a URL) to cosign its checkpoint; "
	    "the bundle's\n"
	    "                      .tlog-proof files carry their "
	    "cosignatures\n",
	.exec = cmd_release,
};
