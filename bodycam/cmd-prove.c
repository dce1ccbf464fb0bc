/*
 * cmd-prove.c - bodycam prove: inclusion proofs of each of an item's
 * records (its manifest and every custody event) against a checkpoint.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"

struct prove {
	struct bc_ctx			*ctx;
	const struct bc_signed_checkpoint *sc;
	json_t				*records;	/* --json */
	int				 failed;
	int				 newer;
};

/* One record: prove it, print it. */
static int
prove_one(struct prove *p, const char *what, int64_t seq, int64_t leaf,
    const char *data, size_t len)
{
	struct bc_inclusion inc;
	struct bc_err err = { 0 };
	char name[48], hex[BC_SHA256_HEX];
	json_t *o = NULL, *arr;
	size_t i;
	int r = 0, ok = 0;

	memset(&inc, 0, sizeof(inc));
	if (seq >= 0)
		snprintf(name, sizeof(name), "%s seq %" PRId64, what, seq);
	else
		snprintf(name, sizeof(name), "%s", what);
	if (leaf < 0) {
		bc_err_set(&err, BC_ERR_INTEGRITY, "no leaf index: the record "
		    "is not in the log");
		r = BC_ERR_INTEGRITY;
	} else if ((uint64_t)leaf >= p->sc->cp.size) {
		p->newer++;
	} else {
		r = bc_tlog_inclusion(p->ctx->cat, (uint64_t)leaf, data, len,
		    p->sc->cp.size, p->sc->cp.root, &inc, &err);
		if (r == 0)
			ok = 1;
		else if (r != BC_ERR_INTEGRITY)
			return bc_cli_fail(r, &err);
	}
	if (r != 0)
		p->failed++;
	if (p->records != NULL) {
		o = json_pack("{s:s, s:o, s:o, s:b}", "record", what, "seq",
		    seq >= 0 ? json_integer(seq) : json_null(), "leaf_index",
		    leaf >= 0 ? json_integer(leaf) : json_null(), "included",
		    ok);
		if (o == NULL || json_array_append_new(p->records, o) != 0)
			return bc_cli_fail(BC_ERR_NOMEM, NULL);
		if (ok) {
			if ((arr = json_array()) == NULL)
				return bc_cli_fail(BC_ERR_NOMEM, NULL);
			for (i = 0; i < inc.n; i++)
				json_array_append_new(arr,
				    bc_cli_json_hex(inc.proof[i]));
			json_object_set_new(o, "leaf_hash",
			    bc_cli_json_hex(inc.leaf));
			json_object_set_new(o, "proof", arr);
		} else if (r != 0) {
			json_object_set_new(o, "error", bc_cli_err_json(r,
			    &err));
		} else {
			json_object_set_new(o, "error", bc_err_json(
			    bc_err_code(BC_ERR_NOT_FOUND), "newer than the "
			    "checkpoint", NULL));
		}
	} else if (ok) {
		bc_hex(inc.leaf, BC_SHA256_LEN, hex);
		printf("%-16s leaf %-8" PRId64 " included: %zu hash%s\n", name,
		    leaf, inc.n, inc.n == 1 ? "" : "es");
		if (!p->ctx->quiet) {
			printf("  leaf hash %s\n", hex);
			for (i = 0; i < inc.n; i++) {
				bc_hex(inc.proof[i], BC_SHA256_LEN, hex);
				printf("  %s\n", hex);
			}
		}
	} else if (r != 0) {
		printf("%-16s FAILED  %s\n", name, bc_cli_q(err.msg));
	} else {
		printf("%-16s leaf %-8" PRId64 " newer than the checkpoint: "
		    "not yet provable\n", name, leaf);
	}
	bc_inclusion_clear(&inc);
	return 0;
}

static int
cmd_prove(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct prove p;
	const char *cpfile = NULL;
	char *note = NULL, root64[64];
	size_t n = 0, notelen = 0, i;
	int r, st = 0;
	const struct bc_cli_opt opts[] = {
		{ "checkpoint", &cpfile, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&row, 0, sizeof(row));
	memset(&p, 0, sizeof(p));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "prove takes one item");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	/* one snapshot: the records, the tree and the checkpoint agree */
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((r = bc_catalog_find_item(ctx->cat, argv[optind], &it,
	    &err)) != 0) {
		st = r == BC_ERR_NOT_FOUND || r == BC_ERR_AMBIGUOUS ? 2 :
		    bc_cli_fail(r, &err);
		if (st == 2)
			bc_cli_error("%s", err.msg);
		goto out;
	}
	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (cpfile != NULL) {
		if ((st = bc_cli_checkpoint_file(ctx, kr, cpfile, &note,
		    &notelen, &sc)) != 0)
			goto out;
	} else {
		r = bc_tlog_latest(ctx->cat, kr, &row, &sc, &err);
		if (r == BC_ERR_NOT_FOUND) {
			bc_cli_error("%s (sign one with 'bodycam "
			    "checkpoint --key KEY')", err.msg);
			st = 2;
			goto out;
		}
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if ((r = bc_tlog_cosigned(ctx->cat, &row, NULL, &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		note = row.note;
		notelen = row.note_len;
		row.note = NULL;
	}
	if ((r = bc_catalog_events(ctx->cat, it->manifest_hash, &ev, &n,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)root64, sc.cp.root, BC_SHA256_LEN);
	p.ctx = ctx;
	p.sc = &sc;
	if (ctx->json) {
		if ((p.records = json_array()) == NULL) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
	} else {
		printf("%s against the checkpoint of %s: %" PRIu64 " leaves, "
		    "root %s\n", bc_cli_q(it->id), bc_cli_q(sc.cp.origin),
		    sc.cp.size, root64);
	}
	if ((st = prove_one(&p, "manifest", -1, it->leaf, it->manifest,
	    it->manifest_len)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((st = prove_one(&p, "event", ev[i].seq, ev[i].leaf,
		    ev[i].body, ev[i].body_len)) != 0)
			goto out;
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:b, s:{s:s, s:I, s:s, s:s, s:s%},"
		    " s:o}", "item", it->id, "ok", p.failed == 0, "checkpoint",
		    "origin", sc.cp.origin, "size", (json_int_t)sc.cp.size,
		    "root", root64, "signer", sc.signer, "note", note,
		    notelen, "records", p.records);
		p.records = NULL;
		if (ctx->out == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (p.newer > 0 && !ctx->quiet) {
		printf("%d record%s newer than the checkpoint: sign a new one "
		    "with 'bodycam checkpoint --key KEY'\n", p.newer,
		    p.newer == 1 ? " is" : "s are");
	}
	if (st == 0 && p.failed > 0)
		st = 1;
 out:
	json_decref(p.records);
	bc_catalog_rollback(ctx->cat);
	free(note);
	free(row.note);
	bc_events_free(ev, n);
	bc_item_free(it);
	bc_keyring_free(kr);
	return st;
}

const struct bc_cmd bc_cmd_prove = {
	.name = "prove",
	.usage = "ITEM [--checkpoint FILE]",
	.summary = "Inclusion proofs of each of the item's records (the "
	    "manifest and every\n      custody event) in the transparency "
	    "log, against the newest stored\n      checkpoint or the one in "
	    "FILE; each proof is checked before it is printed.",
	.options =
	    "  --checkpoint FILE   prove against this saved checkpoint "
	    "(checked first)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_prove,
};
