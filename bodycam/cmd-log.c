/*
 * cmd-log.c - bodycam log: the transparency log itself, for outsiders.
 *
 *	log consistency OLD NEW		a consistency proof between two tree
 *					sizes or checkpoint files
 *	log export [--from N] [--to M]	the leaves, a JSON line each
 *	log tiles --out DIR		the log as C2SP tlog-tiles, static
 *	log cosign --witness-policy P	witness cosignatures of the newest
 *					checkpoint
 *	log cosign-request --out FILE	a witness's request, for a file
 */
#include <getopt.h>
#include <stdint.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bodycam/buf.h"
#include "cli.h"

/* A tree size in decimal, or -1. */
static int
parse_size(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '\0' || strlen(s) > 19)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* One end of a consistency proof: a size, or a checked checkpoint file. */
struct end {
	const char			*arg;
	uint64_t			 size;
	int				 file;
	struct bc_signed_checkpoint	 sc;
};

static int
read_end(struct bc_ctx *ctx, const struct bc_keyring *kr, struct end *e)
{
	char *note = NULL;
	size_t len;
	int st;

	if (parse_size(e->arg, &e->size) == 0)
		return 0;
	if ((st = bc_cli_checkpoint_file(ctx, kr, e->arg, &note, &len,
	    &e->sc)) != 0)
		return st;
	free(note);
	e->file = 1;
	e->size = e->sc.cp.size;
	return 0;
}

static int
log_consistency(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct end a, b;
	uint8_t (*proof)[BC_SHA256_LEN] = NULL;
	uint8_t rm[BC_SHA256_LEN], rn[BC_SHA256_LEN];
	char hex[BC_SHA256_HEX];
	char m64[BC_SHA256_LEN * 2], n64[BC_SHA256_LEN * 2];	/* base64 */
	json_t *arr;
	size_t count = 0, i;
	int r, st;

	if (argc != 3)
		return bc_cli_usage(ctx->cmd, "log consistency takes OLD and "
		    "NEW: tree sizes or checkpoint files");
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.arg = argv[1];
	b.arg = argv[2];
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = read_end(ctx, kr, &a)) != 0 ||
	    (st = read_end(ctx, kr, &b)) != 0)
		goto out;
	if (a.size == 0 || a.size > b.size) {
		bc_cli_usage(ctx->cmd, "OLD must be a tree of 1 or more "
		    "leaves, and no larger than NEW (%" PRIu64 " and %"
		    PRIu64 ")", a.size, b.size);
		st = 2;
		goto out;
	}
	/* checkpoint files were held to the log already (their roots) */
	r = bc_tlog_consistency(ctx->cat, a.size, b.size,
	    a.file ? a.sc.cp.root : NULL, rm, rn, &proof, &count, &err);
	if (r != 0) {
		if (r == BC_ERR_INVALID) {
			bc_cli_error("%s", err.msg);
			st = 2;
		} else {
			st = bc_cli_fail(r, &err);
		}
		goto out;
	}
	if (ctx->json) {
		if ((arr = json_array()) == NULL) {
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
			goto out;
		}
		for (i = 0; i < count; i++)
			json_array_append_new(arr, bc_cli_json_hex(proof[i]));
		EVP_EncodeBlock((unsigned char *)m64, rm, BC_SHA256_LEN);
		EVP_EncodeBlock((unsigned char *)n64, rn, BC_SHA256_LEN);
		ctx->out = json_pack("{s:b, s:{s:I, s:s, s:o}, s:{s:I, s:s, "
		    "s:o}, s:o}", "consistent", 1, "old", "size",
		    (json_int_t)a.size, "root", m64, "root_hex",
		    bc_cli_json_hex(rm), "new", "size", (json_int_t)b.size,
		    "root", n64, "root_hex", bc_cli_json_hex(rn), "proof", arr);
		if (ctx->out == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else {
		/* roots as a checkpoint's third line has them */
		EVP_EncodeBlock((unsigned char *)m64, rm, BC_SHA256_LEN);
		EVP_EncodeBlock((unsigned char *)n64, rn, BC_SHA256_LEN);
		printf("old  %" PRIu64 " leaves  root %s\n", a.size, m64);
		printf("new  %" PRIu64 " leaves  root %s\n", b.size, n64);
		printf("consistent: the new tree extends the old one; proof "
		    "of %zu hash%s (hex):\n", count, count == 1 ? "" : "es");
		for (i = 0; i < count; i++) {
			bc_hex(proof[i], BC_SHA256_LEN, hex);
			printf("  %s\n", hex);
		}
	}
 out:
	bc_merkle_proof_free(proof);
	bc_catalog_rollback(ctx->cat);
	bc_keyring_free(kr);
	return st;
}

struct export {
	int		 json;		/* one document, not JSON lines */
	uint64_t	 next;		/* the index expected */
	uint64_t	 from;
	char		*b64;
	size_t		 cap;
	struct bc_err	*err;
};

static int
export_leaf(void *arg, const struct bc_leaf *l)
{
	struct export *x = arg;
	size_t need;
	char *p;

	if (l->index < 0)
		return 0;	/* not in the log: audit names these */
	if ((uint64_t)l->index != x->next || l->kind == BC_LEAF_NONE ||
	    !l->has_hash)
		return bc_err_set(x->err, BC_ERR_INTEGRITY, "leaf %" PRId64
		    ": the log and the records disagree here (run 'bodycam "
		    "audit'); export stopped", l->index);
	need = (l->len + 2) / 3 * 4 + 1;
	if ((p = bc_grow(x->b64, &x->cap, need, 1)) == NULL)
		return bc_err_set(x->err, BC_ERR_NOMEM, "out of memory");
	x->b64 = p;
	EVP_EncodeBlock((unsigned char *)x->b64,
	    (const unsigned char *)l->data, (int)l->len);
	if (printf("%s{\"index\":%" PRId64 ",\"data\":\"%s\"}%s",
	    x->json ? (l->index == (int64_t)x->from ? "\n  " : ",\n  ") :
	    "", l->index, x->b64, x->json ? "" : "\n") < 0)
		return bc_err_set(x->err, BC_ERR_IO, "cannot write");
	x->next++;
	return 0;
}

/* ,"error":{...} of the run's failure with exit status st (--json) */
static void
json_fprint_error(int st)
{
	json_t *e = bc_cli_error_json(st);

	fputs(",\"error\":", stdout);
	if (e == NULL || json_dumpf(e, stdout, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) != 0)
		fputs("null", stdout);
	json_decref(e);
}

static int
log_export(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct export x;
	const char *fromtext = NULL, *totext = NULL;
	uint64_t from = 0, to = UINT64_MAX, size;
	int r, st, have_to;
	const struct bc_cli_opt opts[] = {
		{ "from", &fromtext, NULL },
		{ "to", &totext, NULL },
		{ NULL, NULL, NULL }
	};

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (fromtext != NULL && parse_size(fromtext, &from) != 0)
		return bc_cli_usage(ctx->cmd, "--from wants a leaf index");
	if ((have_to = totext != NULL) && parse_size(totext, &to) != 0)
		return bc_cli_usage(ctx->cmd, "--to wants a tree size");
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (have_to && from > to)
		return bc_cli_usage(ctx->cmd, "--from is past --to");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((r = bc_catalog_log_size(ctx->cat, &size, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (!have_to)
		to = size;
	if (to > size) {
		bc_cli_error("--to %" PRIu64 ": the log has %" PRIu64
		    " leaves", to, size);
		st = 2;
		goto out;
	}
	memset(&x, 0, sizeof(x));
	x.json = ctx->json;
	x.next = x.from = from;
	x.err = &err;
	/* --json: one document, streamed, {from, to, size, leaves} */
	if (x.json)
		printf("{\"from\":%" PRIu64 ",\"to\":%" PRIu64 ",\"size\":%"
		    PRIu64 ",\"leaves\":[", from, to, size);
	r = bc_catalog_log_walk(ctx->cat, from, to, export_leaf, &x, &err);
	if (r == 0 && x.next != to)
		r = bc_err_set(&err, BC_ERR_INTEGRITY, "leaf %" PRIu64 ": "
		    "missing from the log (run 'bodycam audit')", x.next);
	free(x.b64);
	if (r != 0)
		st = bc_cli_fail(r, &err);
	if (x.json) {
		/* a failure ends the document with the error of the run */
		fputs(x.next > from ? "\n]" : "]", stdout);
		if (st != 0)
			json_fprint_error(st);
		fputs("}\n", stdout);
		ctx->printed = 1;
	}
	if (r == 0 && fflush(stdout) != 0) {
		r = bc_err_set(&err, BC_ERR_IO, "cannot write the export");
		st = bc_cli_fail(r, &err);
	}
 out:
	bc_catalog_rollback(ctx->cat);
	return st;
}

/*
 * The tiles of the newest signed checkpoint under DIR, for any web
 * server: what 'serve' answers at /log/, byte for byte.
 */
static int
log_tiles(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_tiles_stats ts;
	const char *out = NULL;
	int r, st;
	const struct bc_cli_opt opts[] = {
		{ "out", &out, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&row, 0, sizeof(row));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (out == NULL || *out == '\0')
		return bc_cli_usage(ctx->cmd, "log tiles needs --out DIR");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) != 0 ||
	    (r = bc_tlog_latest(ctx->cat, kr, &row, &sc, &err)) != 0) {
		if (r == BC_ERR_NOT_FOUND) {
			bc_cli_error("no checkpoint yet: sign one with "
			    "'bodycam checkpoint --key KEY' first");
			st = 2;
		} else
			st = bc_cli_fail(r, &err);
		goto out;
	}
	/* a rewritten log is not published under its old checkpoint */
	if ((r = bc_tlog_holds(ctx->cat, row.size, row.root, &err)) != 0 ||
	    (r = bc_tlog_cosigned(ctx->cat, &row, NULL, &err)) != 0 ||
	    (r = bc_tiles_write(ctx->cat, out, row.note, row.note_len,
	    row.size, &ts, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:I, s:I, s:I, s:I}", "out", out,
		    "size", (json_int_t)row.size, "written",
		    (json_int_t)ts.written, "kept", (json_int_t)ts.kept,
		    "bytes", (json_int_t)ts.bytes);
		if (ctx->out == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else {
		printf("%s: the tiles of the checkpoint of %" PRIu64 " leaves:"
		    " %" PRIu64 " written (%" PRIu64 " bytes with the "
		    "checkpoint), %" PRIu64 " already there\n", out, row.size,
		    ts.written, ts.bytes, ts.kept);
	}
 out:
	bc_catalog_rollback(ctx->cat);
	bc_keyring_free(kr);
	free(row.note);
	return st;
}

/* The newest checkpoint, checked; st: 0 or the exit status. */
static int
newest_checkpoint(struct bc_ctx *ctx, struct bc_checkpoint_row *row)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_signed_checkpoint sc;
	int r;

	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) == 0)
		r = bc_tlog_latest(ctx->cat, kr, row, &sc, &err);
	bc_keyring_free(kr);
	if (r == BC_ERR_NOT_FOUND) {
		bc_cli_error("no checkpoint yet: sign one with 'bodycam "
		    "checkpoint --key KEY' first");
		return 2;
	}
	if (r == 0 && (r = bc_tlog_holds(ctx->cat, row->size, row->root,
	    &err)) != 0)
		bc_err_wrap(&err, r, "the log no longer gives checkpoint "
		    "%" PRId64 "'s root", row->id);
	return r != 0 ? bc_cli_fail(r, &err) : 0;
}

/*
 * The add-checkpoint request for the newest checkpoint, for a witness
 * reached by file: 'bodycam witness add --in' answers it.
 */
static int
log_cosign_request(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_checkpoint_row row;
	const char *out = NULL, *olds = NULL;
	uint64_t old = 0;
	char *body = NULL;
	size_t len;
	int r, st, fd = -1;
	const struct bc_cli_opt opts[] = {
		{ "old", &olds, NULL },
		{ "out", &out, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&row, 0, sizeof(row));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (out == NULL)
		return bc_cli_usage(ctx->cmd, "log cosign-request needs --out "
		    "FILE");
	if (olds != NULL && bc_parse_uint(olds, 0, INT64_MAX, &old) != 0)
		return bc_cli_usage(ctx->cmd, "--old '%s' is not a tree size",
		    olds);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_catalog_snapshot(ctx->cat, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = newest_checkpoint(ctx, &row)) != 0)
		goto out;
	if ((r = bc_cli_create_new(out, &fd, &err)) != 0 ||
	    (r = bc_witness_request(ctx->cat, &row, old, &body, &len,
	    &err)) != 0) {
		if (fd != -1) {
			close(fd);
			(void)unlink(out);
		}
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((r = bc_cli_write_new(fd, out, body, len, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (!ctx->quiet && !ctx->json)
		printf("%s: add-checkpoint request for checkpoint %" PRId64
		    " (size %" PRIu64 ") from size %" PRIu64 "\n", out, row.id,
		    row.size, old);
out:
	bc_catalog_rollback(ctx->cat);
	free(body);
	free(row.note);
	return st;
}

/* One witness over HTTP: 0 cosigned and stored, else the exit status. */
static int
cosign_one(struct bc_ctx *ctx, const struct bc_checkpoint_row *row,
    const struct bc_witness_policy *pol, const struct bc_policy_witness *w,
    json_t *res)
{
	struct bc_err err = { 0 };
	const char *outcome = "cosigned";
	size_t added = 0;
	int r, status = 0, st = 0;

	r = bc_witness_cosign(ctx->cat, row, pol, w, 30, &status, &added,
	    &err);
	if (r != 0) {
		outcome = "failed";
		st = bc_cli_fail(r, &err);
	} else if (added == 0)
		outcome = "already cosigned";
	if (!ctx->json && !ctx->quiet)
		printf("%-40s %s\n", w->name, outcome);
	json_array_append_new(res, json_pack("{s:s, s:s, s:i, s:s?}",
	    "witness", w->name, "outcome", outcome, "status", status,
	    "error", st ? err.msg : NULL));
	return st;
}

/*
 * Witness cosignatures for the newest checkpoint: over HTTP from each
 * witness of the policy that has a URL, or from the answer file of one
 * reached by file ('bodycam witness add').  Checked and stored; the
 * policy is then checked on the cosigned checkpoint.
 */
static int
log_cosign(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_witness_policy *pol = NULL;
	struct bc_policy_result pr;
	struct bc_checkpoint_row row;
	const char *polpath = NULL, *in = NULL, *only = NULL;
	json_t *res = NULL;
	char *sigs = NULL;
	size_t len, added = 0, i, asked = 0;
	int r, st = 0, s1, met;
	const struct bc_cli_opt opts[] = {
		{ "witness-policy", &polpath, NULL },
		{ "in", &in, NULL },
		{ "witness", &only, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&row, 0, sizeof(row));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (polpath == NULL)
		return bc_cli_usage(ctx->cmd, "log cosign needs "
		    "--witness-policy FILE");
	if ((r = bc_witness_policy_load(polpath, &pol, &err)) != 0)
		return bc_cli_fail(r, &err);
	ctx->read_only = 0;	/* stores cosignatures */
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((st = newest_checkpoint(ctx, &row)) != 0)
		goto out;
	if ((res = json_array()) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (in != NULL) {
		if (strcmp(in, "-") == 0)
			r = bc_read_fd(0, "standard input", BC_NOTE_MAX, &sigs,
			    &len, &err);
		else
			r = bc_read_small(in, BC_NOTE_MAX, &sigs, &len, &err);
		if (r == 0)
			r = bc_witness_store(ctx->cat, &row, pol, sigs, len,
			    &added, &err);
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if (!ctx->json && !ctx->quiet)
			printf("%s: %zu cosignature%s stored\n", in, added,
			    added == 1 ? "" : "s");
	} else {
		for (i = 0; i < pol->n; i++) {
			if (pol->w[i].url == NULL || (only != NULL &&
			    strcmp(only, pol->w[i].name) != 0))
				continue;
			asked++;
			if ((s1 = cosign_one(ctx, &row, pol, &pol->w[i],
			    res)) != 0 && st == 0)
				st = s1;
		}
		if (asked == 0) {
			st = bc_cli_usage(ctx->cmd, "no witness of the policy "
			    "%shas a URL: give the answer of one reached by "
			    "file with --in FILE", only != NULL ?
			    "by that name " : "");
			goto out;
		}
	}
	/* what the policy says of the checkpoint now */
	if ((r = bc_tlog_cosigned(ctx->cat, &row, NULL, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	r = bc_witness_policy_check(pol, row.note, row.note_len, &pr, &err);
	met = r == 0;
	if (ctx->json) {
		ctx->out = json_pack("{s:I, s:I, s:o, s:I, s:I, s:b}",
		    "checkpoint", (json_int_t)row.id, "size",
		    (json_int_t)row.size, "witnesses", res, "cosigned",
		    (json_int_t)pr.valid, "quorum", (json_int_t)pr.quorum,
		    "policy_met", met);
		res = NULL;
	} else if (!ctx->quiet)
		printf("checkpoint %" PRId64 " (size %" PRIu64 "): %zu of "
		    "quorum %zu witnesses cosigned: policy %s\n", row.id,
		    row.size, pr.valid, pr.quorum, met ? "met" : "NOT met");
	if (!met && st == 0)
		st = r == BC_ERR_INTEGRITY ? 1 : bc_cli_fail(r, &err);
out:
	json_decref(res);
	bc_witness_policy_free(pol);
	free(sigs);
	free(row.note);
	return st;
}

static const struct bc_subcmd log_subs[] = {
	{ "consistency", "OLD NEW", 0, log_consistency },
	{ "export", "[--from N] [--to M] [--json]", 0, log_export },
	{ "tiles", "--out DIR [--json]", 0, log_tiles },
	{ "cosign", "--witness-policy FILE [--witness NAME] [--in FILE|-]", 0,
	    log_cosign },
	{ "cosign-request", "[--old N] --out FILE", 0, log_cosign_request },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_log = {
	.name = "log",
	.subs = log_subs,
	.summary = "The transparency log, for anyone to check: 'consistency' "
	    "proves that the\n      tree of NEW leaves extends the tree of "
	    "OLD (each a size or a checkpoint\n      file, checked first); "
	    "'export' prints leaves N to M-1, one JSON line\n      each: "
	    "{\"index\":I,\"data\":\"base64 of the canonical bytes\"}; "
	    "'tiles' writes\n      the log of the newest signed checkpoint "
	    "as C2SP tlog-tiles under DIR\n      (DIR/checkpoint, DIR/tile/...)"
	    ", for any web server; run again, it\n      writes only the new "
	    "tiles.  'cosign' asks each witness of the policy\n      that has "
	    "a URL to cosign the newest checkpoint (c2sp.org/tlog-witness),\n"
	    "      or reads a witness's answer file (--in), checks and stores "
	    "the\n      cosignatures, and says whether the policy is met (exit "
	    "1 if not);\n      'cosign-request' writes the request for a "
	    "witness reached by file.",
	.options =
	    "  --from N   export: the first leaf index (default 0)\n"
	    "  --to M     export: stop before leaf M, a tree size (default: "
	    "the whole log)\n"
	    "  --json     export: the leaves as one JSON document, {from, to, "
	    "size, leaves},\n"
	    "             streamed; a failure ends it with \"error\"\n"
	    "  --out DIR  tiles: the directory to write (made when missing);\n"
	    "             cosign-request: the request file to write (new)\n"
	    "  --witness-policy FILE  cosign: the witnesses (\"witness VKEY "
	    "[URL]\" lines)\n"
	    "             and their quorum (\"quorum K\")\n"
	    "  --witness NAME  cosign: ask only that witness of the policy\n"
	    "  --in FILE  cosign: a witness's answer (cosignature lines), not "
	    "HTTP\n"
	    "  --old N    cosign-request: the size the witness last cosigned "
	    "(default 0;\n"
	    "             a witness that has another says so)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = bc_cli_subcmd,
};
