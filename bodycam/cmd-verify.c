/*
 * cmd-verify.c - bodycam verify: re-hash files, re-check signatures and
 * custody chains, and say exactly what failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-tsa.h"

static void
print_check(const struct bc_check *c)
{
	if (c->seq >= 0)
		printf("  %-6s  %-22s seq %lld: %s\n", c->ok ? "ok" : "FAILED",
		    bc_cli_q(c->name), (long long)c->seq, bc_cli_q(c->detail));
	else
		printf("  %-6s  %-22s %s\n", c->ok ? "ok" : "FAILED",
		    bc_cli_q(c->name), bc_cli_q(c->detail));
}

/*
 * The checks, one line each, except that a chain whose every event check
 * passed is one line: a long chain would otherwise drown the rest.
 */
static void
report_text(const struct bc_verify_report *rep, int quiet)
{
	size_t i;
	int chain_ok = 1, chain_shown = 0, shown = 0;

	for (i = 0; i < rep->nchecks; i++)
		if (rep->checks[i].seq >= 0 && !rep->checks[i].ok)
			chain_ok = 0;
	if (!quiet) {
		for (i = 0; i < rep->nchecks; i++) {
			if (rep->checks[i].seq < 0)
				print_check(&rep->checks[i]);
			else if (!chain_ok)
				print_check(&rep->checks[i]);
			else if (!chain_shown++)
				printf("  %-6s  %-22s %lld event%s: hashes, "
				    "links, signatures and rules\n", "ok",
				    "chain", (long long)rep->nevents,
				    rep->nevents == 1 ? "" : "s");
		}
		if (rep->status == 0) {
			printf("%s: %s\n", bc_cli_q(rep->id),
			    rep->state.purged ? "OK (purged)" : "OK");
			return;
		}
	}
	if (rep->status == 0)
		return;
	/* failures always reach the user, even with --quiet */
	printf("%s: FAILED (", bc_cli_q(rep->id));
	for (i = 0; i < rep->nchecks; i++) {
		if (rep->checks[i].ok)
			continue;
		if (rep->checks[i].seq >= 0)
			printf("%s%s seq %lld", shown++ ? ", " : "",
			    bc_cli_q(rep->checks[i].name),
			    (long long)rep->checks[i].seq);
		else
			printf("%s%s", shown++ ? ", " : "",
			    bc_cli_q(rep->checks[i].name));
	}
	printf(")\n");
}

/*
 * Appends the outcome of rep to the item's chain as a 'verify' event
 * signed by key.  Returns 0 or the exit status of the failure.
 */
static int
record(struct bc_ctx *ctx, const struct bc_key *key, const char *actor,
    const struct bc_item *it, const struct bc_verify_report *rep,
    int code, const char *measured, json_t *jrep)
{
	struct bc_custody_req req;
	struct bc_custody_result res;
	struct bc_err err;
	const char **failed = NULL;
	char (*names)[BC_CHECK_NAME_MAX + 32] = NULL;
	size_t i, n = 0;
	int r;

	if (rep->nchecks > 0 &&
	    ((failed = calloc(rep->nchecks, sizeof(*failed))) == NULL ||
	    (names = calloc(rep->nchecks, sizeof(*names))) == NULL)) {
		free(failed);
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	}
	for (i = 0; i < rep->nchecks; i++) {
		if (rep->checks[i].ok)
			continue;
		if (rep->checks[i].seq >= 0)
			snprintf(names[n], sizeof(names[n]), "%s seq %lld",
			    rep->checks[i].name, (long long)rep->checks[i].seq);
		else
			snprintf(names[n], sizeof(names[n]), "%s",
			    rep->checks[i].name);
		failed[n] = names[n];
		n++;
	}
	if (rep->state.purged) {
		/* only a note may follow a purge; the outcome stands */
		bc_cli_error("%s: verification not recorded: the item was "
		    "purged at %s", it->id, rep->state.purged_at);
		free(failed);
		free(names);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.action = "verify";
	req.actor = actor;
	req.outcome = code == 0 && rep->status == 0 ? "passed" : "failed";
	req.failed = failed;
	req.nfailed = n;
	req.measured = measured;
	bc_err_clear(&err);
	r = bc_custody_add(ctx->cat, key, it->id, &req, &res, &err);
	free(failed);
	free(names);
	if (r != 0) {
		bc_cli_error("%s: verification not recorded: %s", it->id,
		    err.msg);
		return bc_exit_status(r);
	}
	if (jrep != NULL)
		json_object_set_new(jrep, "recorded", json_pack("{s:I, s:s}",
		    "seq", (json_int_t)res.seq, "hash", res.hash));
	else if (!ctx->quiet)
		printf("%s: recorded '%s' as seq %lld\n", bc_cli_q(it->id),
		    req.outcome,
		    (long long)res.seq);
	return 0;
}

static int
error_entry(json_t *arr, const char *ref, int code, const char *msg)
{
	json_t *o = json_pack("{s:b, s:s, s:o, s:[]}", "ok", 0, "status",
	    bc_strerror(code), "error", bc_err_json(bc_err_code(code),
	    bc_cli_q(msg), NULL), "checks");

	/* ref is what was asked for: a file name, perhaps not UTF-8 */
	if (o != NULL && bc_json_set_name(o, "id", ref) != 0) {
		json_decref(o);
		o = NULL;
	}
	if (o == NULL || json_array_append_new(arr, o) != 0)
		return BC_ERR_NOMEM;
	return 0;
}

static int
cmd_verify(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct bc_file_hash fh;
	struct bc_err err;
	struct bc_item *it;
	struct bc_key *key = NULL;
	char hex[BC_SHA256_HEX], user[256];
	const char *keypath = NULL, *actor = NULL, *tsa_ca = NULL;
	struct bc_tsa_trust *trust = NULL;
	json_t *arr = NULL, *o;
	int by_file = 0, rec = 0, i, r, rst, st = 0;
	const struct bc_cli_opt opts[] = {
		{ "file", NULL, &by_file },
		{ "record", NULL, &rec },
		{ "key", &keypath, NULL },
		{ "actor", &actor, NULL },
		{ "tsa-ca", &tsa_ca, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind == argc)
		return bc_cli_usage(ctx->cmd, by_file ? "no FILE to verify" :
		    "no ITEM to verify");
	if (rec && keypath == NULL)
		return bc_cli_usage(ctx->cmd, "--record needs --key KEY "
		    "(role auditor)");
	if (!rec && (keypath != NULL || actor != NULL))
		return bc_cli_usage(ctx->cmd, "--key and --actor go with "
		    "--record");
	if (rec) {
		ctx->read_only = 0;	/* the verification is recorded */
		if ((r = bc_key_load_private(keypath, &key, &err)) != 0)
			return bc_cli_fail(r, &err);
		if (actor == NULL) {
			bc_user_name(user, sizeof(user));
			actor = user;
		}
	}
	/* the verifier's TSA anchors: cmd-tsa.c */
	if ((st = bc_cli_tsa_trust(tsa_ca, &trust)) != 0)
		goto out;
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if (ctx->json && (arr = json_array()) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	for (i = optind; i < argc; i++) {
		it = NULL;
		o = NULL;
		bc_err_clear(&err);
		memset(&vo, 0, sizeof(vo));
		vo.tsa = trust;
		if (by_file) {
			r = bc_hash_file(argv[i], &fh, NULL, NULL, &err);
			if (r == 0) {
				bc_hex(fh.sha256, sizeof(fh.sha256), hex);
				r = bc_catalog_find_by_sha256(ctx->cat, hex,
				    &it, &err);
				if (r == BC_ERR_NOT_FOUND)
					bc_err_set(&err, r, "%s: no item in "
					    "the catalog has this content "
					    "(SHA-256 %s): it was never "
					    "registered, or it was altered",
					    argv[i], hex);
			}
			vo.file = argv[i];
			vo.file_hash = &fh;
		} else {
			r = bc_catalog_find_item(ctx->cat, argv[i], &it, &err);
		}
		if (r != 0) {
			bc_cli_error("%s", err.msg);
			st = bc_exit_worst(st, bc_exit_status(r));
			if (arr != NULL && error_entry(arr, argv[i], r,
			    err.msg) != 0)
				st = bc_exit_worst(st, 3);
			continue;
		}
		r = bc_verify_item(ctx->cat, it, &vo, &rep, &err);
		if (r != 0) {
			bc_cli_error("%s: %s", it->id, err.msg[0] ? err.msg :
			    bc_strerror(r));
			st = bc_exit_worst(st, bc_exit_status(r));
			if (arr != NULL && error_entry(arr, it->id, r,
			    err.msg) != 0)
				st = bc_exit_worst(st, 3);
		} else {
			st = bc_exit_worst(st, bc_exit_status(rep.status));
			if (arr != NULL) {
				o = bc_verify_report_json(&rep);
				if (o == NULL ||
				    json_array_append_new(arr, o) != 0) {
					st = bc_exit_worst(st, 3);
					o = NULL;
				}
			} else {
				report_text(&rep, ctx->quiet);
			}
			if (rec && (rst = record(ctx, key, actor, it, &rep,
			    r, rep.measured[0] ? rep.measured : NULL,
			    o)) != 0)
				st = bc_exit_worst(st, rst);
		}
		bc_verify_report_clear(&rep);
		bc_item_free(it);
	}
	ctx->out = arr;
 out:
	bc_tsa_trust_free(trust);
	bc_key_free(key);
	return st;
}

const struct bc_cmd bc_cmd_verify = {
	.name = "verify",
	.usage = "ITEM... | verify --file FILE... [--record --key KEY "
	    "[--actor WHO]]\n       [--tsa-ca FILE]",
	.summary = "Re-hash each item's file and re-check its manifest "
	    "signature and custody chain;\n      with --file, find the item "
	    "by the file's content.  Every check is named.",
	.options = "  --file         the arguments are files; each is looked "
	    "up by its SHA-256\n"
	    "  --record       append the outcome to the item's chain as a "
	    "'verify' event\n"
	    "  --key KEY      with --record: the private key that signs it "
	    "(role auditor)\n"
	    "  --actor WHO    with --record: who verified (default: the "
	    "login name)\n"
	    "  --tsa-ca FILE  PEM certificates of the TSAs you trust: "
	    "time-stamp tokens are\n"
	    "                 checked to them, and date the records of "
	    "revoked keys\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_verify,
};
