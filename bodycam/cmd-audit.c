/*
 * cmd-audit.c - bodycam audit: check every record of the catalog (and,
 * with --files, every file still held) and list each failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli-tsa.h"

static void
show_progress(void *arg, int64_t done, int64_t total)
{
	(void)arg;
	if (done == total || done % 256 == 0)
		fprintf(stderr, "\raudit: %lld of %lld items", (long long)done,
		    (long long)total);
	if (done == total)
		fputc('\n', stderr);
}

/* The relocate command that would record a move. */
static void
relocate_cmd(const struct bc_audit_move *m, char *buf, size_t bufsz)
{
	const char *p;
	size_t n = 0;

	/* the path in single quotes, each ' written as '\'' */
	n = (size_t)snprintf(buf, bufsz, "bodycam relocate %s '", m->item);
	for (p = m->path; *p != '\0' && n + 5 < bufsz; p++) {
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else
			buf[n++] = *p;
	}
	snprintf(buf + n, bufsz - n, "' --key KEY --actor WHO");
}

/* "moved": [{item, from, path, command}], for --search. */
static int
moves_json(json_t *o, const struct bc_audit_report *rep)
{
	const struct bc_audit_move *m;
	json_t *arr, *e;
	char cmd[PATH_MAX + 128];
	size_t i;

	if ((arr = json_array()) == NULL ||
	    json_object_set_new(o, "moved", arr) != 0)
		return -1;
	for (i = 0; i < rep->nmoves; i++) {
		m = &rep->moves[i];
		relocate_cmd(m, cmd, sizeof(cmd));
		e = json_pack("{s:s, s:o, s:o, s:o}", "item", m->item, "from",
		    bc_json_text(m->from), "path", bc_json_text(m->path),
		    "command", bc_json_text(cmd));
		if (e == NULL || json_array_append_new(arr, e) != 0)
			return -1;
	}
	return 0;
}

static json_t *
audit_json(const struct bc_audit_report *rep, int files)
{
	const struct bc_audit_failure *f;
	json_t *o, *arr, *e;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < rep->nfailures; i++) {
		f = &rep->failures[i];
		e = json_pack("{s:s, s:o, s:s, s:s}", "item", f->item, "seq",
		    f->seq >= 0 ? json_integer(f->seq) : json_null(), "check",
		    f->check, "reason", f->reason);
		if (e != NULL && f->leaf >= 0)
			json_object_set_new(e, "leaf", json_integer(f->leaf));
		if (e == NULL || json_array_append_new(arr, e) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:o}",
	    "ok", rep->status == 0, "keydocs", (json_int_t)rep->keydocs,
	    "items", (json_int_t)rep->items, "events",
	    (json_int_t)rep->events, "releases", (json_int_t)rep->releases,
	    "policies", (json_int_t)rep->policies,
	    "signatures", (json_int_t)rep->signatures, "unbound",
	    (json_int_t)rep->unbound, "threads", rep->threads, "failures",
	    arr);
	if (o != NULL)
		json_object_set_new(o, "log", json_pack("{s:I, s:I, s:I, s:b}",
		    "size", (json_int_t)rep->log.size, "leaves",
		    (json_int_t)rep->log.leaves, "checkpoints",
		    (json_int_t)rep->log.checkpoints, "against",
		    rep->log.against));
	if (o != NULL)
		json_object_set_new(o, "timestamps",
		    json_integer(rep->timestamps));
	if (o != NULL && files)
		json_object_set_new(o, "files", json_pack("{s:I, s:I, s:I, "
		    "s:I, s:I}", "matched", (json_int_t)rep->files_matched,
		    "changed", (json_int_t)rep->files_changed, "missing",
		    (json_int_t)rep->files_missing, "moved",
		    (json_int_t)rep->files_moved, "purged",
		    (json_int_t)rep->files_purged));
	if (o != NULL && files && moves_json(o, rep) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

static void
audit_text(const struct bc_audit_report *rep, int files, int quiet)
{
	const struct bc_audit_failure *f;
	char cmd[PATH_MAX + 128];
	size_t i;

	if (!quiet) {
		printf("audited %lld key document%s, %lld item%s, %lld "
		    "event%s: %lld signatures verified\n",
		    (long long)rep->keydocs, rep->keydocs == 1 ? "" : "s",
		    (long long)rep->items, rep->items == 1 ? "" : "s",
		    (long long)rep->events, rep->events == 1 ? "" : "s",
		    (long long)rep->signatures);
		if (rep->releases > 0)
			printf("%lld release statement%s checked\n",
			    (long long)rep->releases,
			    rep->releases == 1 ? "" : "s");
		if (rep->policies > 0)
			printf("%lld retention polic%s checked\n",
			    (long long)rep->policies,
			    rep->policies == 1 ? "y" : "ies");
		if (rep->timestamps > 0)
			printf("%lld time-stamp token%s checked\n",
			    (long long)rep->timestamps,
			    rep->timestamps == 1 ? "" : "s");
		if (rep->unbound > 0)
			printf("%lld manifest%s and events of format version "
			    "1, valid but naming no log (unbound)\n",
			    (long long)rep->unbound,
			    rep->unbound == 1 ? "" : "s");
		printf("log: %llu leaves, %lld recomputed from their records; "
		    "%lld stored checkpoint%s checked%s\n",
		    (unsigned long long)rep->log.size,
		    (long long)rep->log.leaves,
		    (long long)rep->log.checkpoints,
		    rep->log.checkpoints == 1 ? "" : "s",
		    rep->log.against ? ", and the checkpoint given" : "");
		if (files)
			printf("files: %lld matched, %lld changed, %lld "
			    "missing, %lld moved, %lld purged\n",
			    (long long)rep->files_matched,
			    (long long)rep->files_changed,
			    (long long)rep->files_missing,
			    (long long)rep->files_moved,
			    (long long)rep->files_purged);
	}
	for (i = 0; i < rep->nfailures; i++) {
		f = &rep->failures[i];
		if (f->seq >= 0)
			printf("FAILED  %s  seq %lld  %s  %s\n",
			    bc_cli_q(f->item), (long long)f->seq,
			    bc_cli_q(f->check), bc_cli_q(f->reason));
		else
			printf("FAILED  %s  seq -  %s  %s\n",
			    bc_cli_q(f->item), bc_cli_q(f->check),
			    bc_cli_q(f->reason));
	}
	for (i = 0; i < rep->nmoves; i++) {
		relocate_cmd(&rep->moves[i], cmd, sizeof(cmd));
		printf("MOVED   %s  %s\n        run: %s\n",
		    bc_cli_q(rep->moves[i].item), bc_cli_q(rep->moves[i].path),
		    bc_cli_q(cmd));
	}
	if (rep->nfailures > 0)
		printf("%zu failure%s\n", rep->nfailures,
		    rep->nfailures == 1 ? "" : "s");
	else if (!quiet)
		printf("OK\n");
}

/* The audit with the options read by cmd_audit. */
static int
audit_run(struct bc_ctx *ctx, const struct bc_audit_opts *opts,
    const char *threads, const char *against, const char *polpath, int argc)
{
	struct bc_audit_opts ao = *opts;
	char *note = NULL;
	struct bc_audit_report rep;
	struct bc_err err = { 0 }, werr = { 0 };
	struct bc_witness_policy *pol = NULL;
	struct bc_policy_result pr;
	uint64_t n;
	int r, st, wr = 0;

	if (ao.nsearch > 0 && !ao.files)
		return bc_cli_usage(ctx->cmd, "--search is for --files");
	if (threads != NULL) {
		if (bc_parse_uint(threads, 1, BC_AUDIT_THREADS_MAX, &n) != 0)
			return bc_cli_usage(ctx->cmd, "--threads wants a "
			    "number from 1 to %d", BC_AUDIT_THREADS_MAX);
		ao.threads = (int)n;
	}
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "audit takes no arguments");
	if (polpath != NULL && against == NULL)
		return bc_cli_usage(ctx->cmd, "--witness-policy is for the "
		    "checkpoint given with --against");
	if (polpath != NULL &&
	    (r = bc_witness_policy_load(polpath, &pol, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (against != NULL) {
		r = bc_read_small(against, BC_NOTE_MAX, &note, &ao.against_len,
		    &err);
		if (r != 0) {
			bc_witness_policy_free(pol);
			bc_cli_error("checkpoint %s", err.msg);
			return r == BC_ERR_IO || r == BC_ERR_NOMEM ? 3 : 2;
		}
		ao.against = note;
	}
	/* the witnesses first: did enough of them see this checkpoint? */
	if (pol != NULL) {
		wr = bc_witness_policy_check(pol, note, ao.against_len, &pr,
		    &werr);
		bc_witness_policy_free(pol);
		if (wr != 0 && wr != BC_ERR_INTEGRITY) {
			free(note);
			bc_cli_error("%s: %s", against, werr.msg);
			return wr == BC_ERR_MALFORMED ? 2 : bc_exit_status(wr);
		}
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0) {
		free(note);
		return st;
	}
	if (!ctx->quiet && !ctx->json && isatty(STDERR_FILENO))
		ao.progress = show_progress;
	r = bc_audit(ctx->cat, &ao, &rep, &err);
	free(note);
	if (r != 0) {
		if (r == BC_ERR_MALFORMED) {
			bc_cli_error("%s: %s", against ? against : "audit",
			    err.msg);
			return 2;
		}
		return bc_cli_fail(r, &err);
	}
	if (ctx->json) {
		if ((ctx->out = audit_json(&rep, ao.files)) == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		else if (polpath != NULL)
			json_object_set_new(ctx->out, "witnesses", json_pack(
			    "{s:I, s:I, s:b, s:s?}", "cosigned",
			    (json_int_t)pr.valid, "quorum",
			    (json_int_t)pr.quorum, "met", wr == 0, "error",
			    wr != 0 ? werr.msg : NULL));
	} else {
		if (polpath != NULL && !ctx->quiet)
			printf("witnesses: %zu of quorum %zu cosigned %s\n",
			    pr.valid, pr.quorum, bc_cli_q(against));
		if (wr != 0)
			printf("FAILED  %s  seq -  witness-policy  %s\n",
			    bc_cli_q(against), bc_cli_q(werr.msg));
		/* "OK" is the audit's word: not with the policy failed */
		audit_text(&rep, ao.files, ctx->quiet || wr != 0);
	}
	if (st == 0)
		st = bc_exit_status(rep.status);
	if (st == 0 && wr != 0)
		st = 1;
	bc_audit_report_clear(&rep);
	return st;
}

static int
cmd_audit(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "files", no_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 't' },
		{ "against", required_argument, NULL, 'a' },
		{ "search", required_argument, NULL, 's' },
		{ "witness-policy", required_argument, NULL, 'w' },
		{ "tsa-ca", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *against = NULL, *threads = NULL, *polpath = NULL;
	const char *tsa_ca = NULL;
	struct bc_tsa_trust *trust = NULL;
	const char **search = NULL;
	struct bc_audit_opts ao;
	int c, st;

	memset(&ao, 0, sizeof(ao));
	/* --search repeats: at most one a word of argv */
	if ((search = calloc((size_t)argc + 1, sizeof(*search))) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': ao.files = 1; break;
		case 't': threads = optarg; break;
		case 'a': against = optarg; break;
		case 's': search[ao.nsearch++] = optarg; break;
		case 'w': polpath = optarg; break;
		case 'c': tsa_ca = optarg; break;
		default:
			free(search);
			return bc_cli_badopt(ctx->cmd, c, argv);
		}
	}
	ao.search = search;
	/* the verifier's TSA anchors: cmd-tsa.c */
	if ((st = bc_cli_tsa_trust(tsa_ca, &trust)) == 0) {
		ao.tsa = trust;
		st = audit_run(ctx, &ao, threads, against, polpath, argc);
	}
	bc_tsa_trust_free(trust);
	free(search);
	return st;
}

const struct bc_cmd bc_cmd_audit = {
	.name = "audit",
	.usage = "[--files [--search DIR]...] [--threads N] "
	    "[--against CHECKPOINT\n"
	    "           [--witness-policy FILE]] [--tsa-ca FILE]",
	.summary = "Check every key document, manifest and custody event of "
	    "the catalog: hashes,\n      signatures, chain links, roles and "
	    "revocation at signing time, and the\n      action rules.  "
	    "Then the transparency log: every record hashes to its leaf, the "
	    "tree\n      recomputed from the records gives every stored "
	    "checkpoint's root.\n      Prints counts, then each failure "
	    "with its item, seq and check.",
	.options =
	    "  --files       also re-hash every file still held, at its "
	    "current place:\n"
	    "                matched, changed or missing\n"
	    "  --search DIR  with --files: look under DIR (repeatable) for "
	    "the content of\n"
	    "                missing items; one found is reported as moved, "
	    "with the\n"
	    "                'bodycam relocate' command to record it\n"
	    "  --threads N   signature-checking threads (default: one per "
	    "CPU)\n"
	    "  --against CHECKPOINT\n"
	    "                a saved checkpoint file: check its signature, "
	    "and that the log\n"
	    "                still extends it (consistency proof, and the "
	    "recomputed root)\n"
	    "  --witness-policy FILE\n"
	    "                with --against: the checkpoint must carry the "
	    "cosignatures of\n"
	    "                a quorum of the policy's witnesses (exit 1 if "
	    "not)\n"
	    "  --tsa-ca FILE PEM certificates of the TSAs you trust: stored "
	    "time-stamp\n"
	    "                tokens must be signed by one (without: held to "
	    "their\n"
	    "                checkpoints only)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_audit,
};
