/*
 * cmd-verify-bundle.c - bodycam verify-bundle: the offline check of a
 * release bundle, as its recipient runs it, without a catalog.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-tsa.h"

static const char *const level_names[] = { "bundle", "integrity",
    "authentic", "trusted" };

static const char *
level_name(int level)
{
	return level >= 1 && level <= 3 ? level_names[level] : "bundle";
}

static json_t *
report_json(const struct bc_bundle_report *rep)
{
	const struct bc_bundle_failure *f;
	json_t *arr, *o;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < rep->nfailures; i++) {
		f = &rep->failures[i];
		o = json_pack("{s:s, s:s, s:s, s:s}", "file", f->file, "check",
		    f->check, "reason", f->reason, "level",
		    level_name(f->level));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	o = json_pack("{s:b, s:b, s:b, s:I, s:I, s:I, s:o, s:O}",
	    "integrity", rep->integrity, "authentic", rep->authentic,
	    "trusted", rep->trusted, "items", (json_int_t)rep->nitems,
	    "events", (json_int_t)rep->nevents, "files",
	    (json_int_t)rep->nfiles, "failures", arr, "views", rep->views);
	/* the witness policy, when one was given */
	if (o != NULL && rep->witnesses_checked &&
	    json_object_set_new(o, "witnesses", json_pack("{s:I, s:I}",
	    "cosigned", (json_int_t)rep->cosigned, "quorum",
	    (json_int_t)rep->quorum)) != 0) {
		json_decref(o);
		return NULL;
	}
	/* trusted time, when the bundle has any to say */
	if (o != NULL && (rep->ntimestamps > 0 || rep->trusted_time != NULL) &&
	    json_object_set_new(o, "timestamps", json_pack("{s:I, s:b, s:O?}",
	    "tokens", (json_int_t)rep->ntimestamps, "checked",
	    rep->timestamps_checked, "trusted_time", rep->trusted_time)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* What trusted time says: the tokens, and each revoked signer's record. */
static void
report_times(const struct bc_bundle_report *rep)
{
	const json_t *o;
	size_t i;

	if (rep->ntimestamps > 0)
		printf("timestamps: %zu time-stamped checkpoint%s, %s\n",
		    rep->ntimestamps, rep->ntimestamps == 1 ? "" : "s",
		    rep->timestamps_checked ? "tokens checked to --tsa-ca" :
		    "tokens NOT checked (no --tsa-ca): no trusted time");
	json_array_foreach(rep->trusted_time, i, o)
		printf("trusted-time  %s  %s\n", bc_cli_q(json_string_value(
		    json_object_get(o, "file"))), bc_cli_q(json_string_value(
		    json_object_get(o, "detail"))));
}

/* A string of a view, quoted, or "-". */
static const char *
view_str(const json_t *view, const char *name)
{
	const char *s = json_string_value(json_object_get(view, name));

	return s != NULL && s[0] != '\0' ? bc_cli_q(s) : "-";
}

/* Each item's current view, recomputed, and its annotation history. */
static void
report_views(const struct bc_bundle_report *rep)
{
	const json_t *o, *view, *t, *hist;
	size_t i, j;

	json_array_foreach(rep->views, i, o) {
		view = json_object_get(o, "view");
		printf("%s%s\n", bc_cli_q(json_string_value(json_object_get(o,
		    "id"))), json_is_true(json_object_get(o, "verified")) ?
		    "" : "  (NOT VERIFIED: see the failures)");
		if (view == NULL || json_is_null(view)) {
			printf("  view        unknown: the manifest is "
			    "unreadable\n");
			continue;
		}
		printf("  case        %s\n", view_str(view, "case"));
		printf("  category    %s\n", view_str(view, "category"));
		printf("  tags       ");
		json_array_foreach(json_object_get(view, "tags"), j, t)
			printf(" %s", bc_cli_q(json_string_value(t)));
		printf("%s\n", json_array_size(json_object_get(view,
		    "tags")) > 0 ? "" : " -");
		printf("  title       %s\n", view_str(view, "title"));
		printf("  description %s\n", view_str(view, "description"));
		hist = json_object_get(o, "history");
		if (json_array_size(hist) == 0) {
			printf("  annotations: none (as sealed)\n");
			continue;
		}
		printf("  annotations:\n");
		json_array_foreach(hist, j, t)
			bc_cli_print_annotation(t);
	}
}

static void
report_text(const char *dir, const struct bc_bundle_report *rep,
    int trusted_checked, int quiet)
{
	const struct bc_bundle_failure *f;
	size_t i;

	if (!quiet) {
		printf("%s: %zu item%s, %zu custody event%s, %zu file%s\n",
		    bc_cli_q(dir), rep->nitems, rep->nitems == 1 ? "" : "s",
		    rep->nevents, rep->nevents == 1 ? "" : "s", rep->nfiles,
		    rep->nfiles == 1 ? "" : "s");
		report_views(rep);
		report_times(rep);
	}
	for (i = 0; i < rep->nfailures; i++) {
		f = &rep->failures[i];
		printf("FAILED  %s  %s  %s\n", f->file[0] ?
		    bc_cli_q(f->file) : "-", bc_cli_q(f->check),
		    bc_cli_q(f->reason));
	}
	if (rep->witnesses_checked)
		printf("witnesses: %zu of quorum %zu cosigned the "
		    "checkpoint\n", rep->cosigned, rep->quorum);
	printf("integrity: %s  authentic: %s  trusted: %s\n",
	    rep->integrity ? "ok" : "FAILED",
	    rep->authentic ? "ok" : "FAILED",
	    !trusted_checked ? "not checked" : rep->trusted ? "ok" :
	    "FAILED");
}

static int
cmd_verify_bundle(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_bundle_report rep;
	struct bc_err err = { 0 };
	struct bc_key *trust = NULL;
	struct bc_witness_policy *pol = NULL;
	struct bc_tsa_trust *tsa = NULL;
	const char *trust_path = NULL, *pol_path = NULL, *tsa_ca = NULL;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "trust", &trust_path, NULL },
		{ "witness-policy", &pol_path, NULL },
		{ "tsa-ca", &tsa_ca, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&rep, 0, sizeof(rep));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "verify-bundle takes one "
		    "directory");
	if (trust_path != NULL &&
	    (r = bc_key_load_public(trust_path, &trust, &err)) != 0) {
		bc_cli_error("--trust: %s", err.msg[0] ? err.msg :
		    bc_strerror(r));
		return r == BC_ERR_IO || r == BC_ERR_NOMEM ? 3 : 2;
	}
	if (pol_path != NULL &&
	    (r = bc_witness_policy_load(pol_path, &pol, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	/* the TSA anchors: cmd-tsa.c */
	if ((st = bc_cli_tsa_trust(tsa_ca, &tsa)) != 0)
		goto out;
	/* offline: no catalog is opened */
	if ((r = bc_bundle_verify_full(argv[optind], trust, tsa, pol, &rep,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json) {
		if ((ctx->out = report_json(&rep)) == NULL) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
	} else {
		report_text(argv[optind], &rep, trust != NULL, ctx->quiet);
	}
	st = rep.integrity && rep.authentic && rep.trusted ? 0 : 1;
 out:
	bc_bundle_report_clear(&rep);
	bc_witness_policy_free(pol);
	bc_tsa_trust_free(tsa);
	bc_key_free(trust);
	return st;
}

const struct bc_cmd bc_cmd_verify_bundle = {
	.name = "verify-bundle",
	.usage = "DIR [--trust ADMIN.pub] [--tsa-ca FILE] "
	    "[--witness-policy FILE]",
	.summary = "Check a release bundle offline, without a catalog: "
	    "integrity (files match\n      SHA256SUMS and the sealed "
	    "manifests), authentic (signatures, custody\n      chains, "
	    "inclusion proofs, checkpoint) and trusted (every signer "
	    "held\n      its role, under the admin key given with --trust; "
	    "and, with\n      --witness-policy, a quorum of its witnesses "
	    "cosigned the checkpoint).\n      Exit 0 only when all three "
	    "hold.",
	.options =
	    "  --trust ADMIN.pub   the catalog's admin public key, as the "
	    "recipient knows it\n"
	    "                      (without it the bundle cannot be "
	    "trusted: exit 1)\n"
	    "  --tsa-ca FILE       PEM certificates of the TSAs you trust: "
	    "the tokens of\n"
	    "                      timestamps/ are checked to them (without: "
	    "not trusted)\n"
	    "  --witness-policy FILE  the witnesses you trust (\"witness VKEY"
	    "\" lines) and how\n"
	    "                      many must have cosigned the checkpoint "
	    "(\"quorum K\")\n",
	.exec = cmd_verify_bundle,
};
