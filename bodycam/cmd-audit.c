/*
 * cmd-audit.c - bodycam audit: check every record of the catalog (and,
 * with --files, every file still held) and list each failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
	if (o != NULL && files)
		json_object_set_new(o, "files", json_pack("{s:I, s:I, s:I, "
		    "s:I}", "matched", (json_int_t)rep->files_matched,
		    "changed", (json_int_t)rep->files_changed, "missing",
		    (json_int_t)rep->files_missing, "purged",
		    (json_int_t)rep->files_purged));
	return o;
}

static void
audit_text(const struct bc_audit_report *rep, int files, int quiet)
{
	const struct bc_audit_failure *f;
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
			    "missing, %lld purged\n",
			    (long long)rep->files_matched,
			    (long long)rep->files_changed,
			    (long long)rep->files_missing,
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
	if (rep->nfailures > 0)
		printf("%zu failure%s\n", rep->nfailures,
		    rep->nfailures == 1 ? "" : "s");
	else if (!quiet)
		printf("OK\n");
}

static int
cmd_audit(struct bc_ctx *ctx, int argc, char **argv)
{
	const char *against = NULL, *threads = NULL;
	char *note = NULL;
	struct bc_audit_opts ao;
	struct bc_audit_report rep;
	struct bc_err err = { "" };
	uint64_t n;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "files", NULL, &ao.files },
		{ "threads", &threads, NULL },
		{ "against", &against, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&ao, 0, sizeof(ao));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (threads != NULL) {
		if (bc_parse_uint(threads, 1, BC_AUDIT_THREADS_MAX, &n) != 0)
			return bc_cli_usage(ctx->cmd, "--threads wants a "
			    "number from 1 to %d", BC_AUDIT_THREADS_MAX);
		ao.threads = (int)n;
	}
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "audit takes no arguments");
	if (against != NULL) {
		r = bc_read_small(against, BC_NOTE_MAX, &note, &ao.against_len,
		    &err);
		if (r != 0) {
			bc_cli_error("checkpoint %s", err.msg);
			return r == BC_ERR_IO || r == BC_ERR_NOMEM ? 3 : 2;
		}
		ao.against = note;
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
	} else {
		audit_text(&rep, ao.files, ctx->quiet);
	}
	if (st == 0)
		st = bc_exit_status(rep.status);
	bc_audit_report_clear(&rep);
	return st;
}

const struct bc_cmd bc_cmd_audit = {
	.name = "audit",
	.usage = "[--files] [--threads N] [--against CHECKPOINT]",
	.summary = "Check every key document, manifest and custody event of "
	    "the catalog: hashes,\n      signatures, chain links, roles and "
	    "revocation at signing time, and the\n      action rules.  "
	    "Then the transparency log: every record hashes to its leaf, the "
	    "tree\n      recomputed from the records gives every stored "
	    "checkpoint's root.\n      Prints counts, then each failure "
	    "with its item, seq and check.",
	.options =
	    "  --files       also re-hash every file still held: matched, "
	    "changed or missing\n"
	    "  --threads N   signature-checking threads (default: one per "
	    "CPU)\n"
	    "  --against CHECKPOINT\n"
	    "                a saved checkpoint file: check its signature, "
	    "and that the log\n"
	    "                still extends it (consistency proof, and the "
	    "recomputed root)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_audit,
};
