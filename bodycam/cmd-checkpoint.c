/*
 * cmd-checkpoint.c - bodycam checkpoint: sign a checkpoint of the
 * transparency log, or show the newest one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli-tsa.h"

static int
cmd_checkpoint(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_checkpoint_row row;
	struct bc_signed_checkpoint sc;
	struct bc_cli_tsa tsa = { 0 };
	const char *keypath = NULL, *out = NULL;
	char root64[64], hex[BC_SHA256_HEX];
	uint64_t size = 0;
	int r, st = 0, fd = -1;
	const struct bc_cli_opt opts[] = {
		{ "key", &keypath, NULL },
		{ "out", &out, NULL },
		{ "tsa", &tsa.url, NULL },
		{ "tsa-ca", &tsa.ca, NULL },
		{ "tsa-query", &tsa.query, NULL },
		{ "tsa-reply", &tsa.reply, NULL },
		{ "checkpoint", &tsa.checkpoint, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&row, 0, sizeof(row));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if (bc_cli_tsa_wanted(&tsa) && (st = bc_cli_tsa_usage(ctx, &tsa,
	    keypath != NULL, out != NULL)) != 0)
		return st;
	if (keypath != NULL &&
	    (r = bc_key_load_private(keypath, &key, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (key != NULL)
		ctx->read_only = 0;	/* signs and stores one */
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto done;
	/* a stored checkpoint's time-stamp: cmd-tsa.c */
	if (key == NULL && bc_cli_tsa_wanted(&tsa)) {
		st = bc_cli_tsa_run(ctx, &tsa, NULL);
		goto done;
	}
	/* the file first: a checkpoint is not signed for nowhere */
	if (out != NULL && (r = bc_cli_create_new(out, &fd, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto done;
	}
	if (key != NULL) {
		r = bc_tlog_checkpoint(ctx->cat, key, &row, &err);
	} else {
		if ((r = bc_keyring_load(ctx->cat, &kr, &err)) == 0) {
			r = bc_tlog_latest(ctx->cat, kr, &row, &sc, &err);
			if (r == BC_ERR_NOT_FOUND) {
				bc_cli_error("%s (sign one with 'bodycam "
				    "checkpoint --key KEY')", err.msg);
				st = 2;
				goto done;
			}
			/* with the witnesses' cosignatures, as stored */
			if (r == 0)
				r = bc_tlog_cosigned(ctx->cat, &row, NULL,
				    &err);
		}
	}
	if (r != 0) {
		st = bc_cli_fail(r, &err);
		goto done;
	}
	if (fd != -1) {
		r = bc_cli_write_new(fd, out, row.note, row.note_len, &err);
		fd = -1;
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto done;
		}
	}
	EVP_EncodeBlock((unsigned char *)root64, row.root, BC_SHA256_LEN);
	bc_hex(row.root, BC_SHA256_LEN, hex);
	if (!ctx->json && key == NULL && !ctx->quiet &&
	    bc_catalog_log_size(ctx->cat, &size, &err) == 0 &&
	    size > row.size)
		fprintf(stderr, "bodycam: note: the log has grown to %" PRIu64
		    " leaves since this checkpoint of %" PRIu64 "\n", size,
		    row.size);
	/* the new checkpoint's time-stamp: cmd-tsa.c */
	if (bc_cli_tsa_wanted(&tsa)) {
		if (ctx->json)
			ctx->out = json_pack("{s:I, s:I}", "id",
			    (json_int_t)row.id, "size", (json_int_t)row.size);
		else if (!ctx->quiet)
			printf("checkpoint %" PRId64 ": %" PRIu64 " leaves, "
			    "root %s, signed\n", row.id, row.size, root64);
		st = bc_cli_tsa_run(ctx, &tsa, &row);
		goto done;
	}
	if (ctx->json) {
		ctx->out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s%}",
		    "id", (json_int_t)row.id, "size", (json_int_t)row.size,
		    "root", root64, "root_hex", hex, "key", row.key,
		    "created", row.created, "note", row.note, row.note_len);
		if (ctx->out != NULL && out != NULL)
			json_object_set_new(ctx->out, "file",
			    json_string(out));
		/* its RFC 3161 tokens, as GET /v1/checkpoint has them */
		if (ctx->out != NULL) {
			json_t *ts = bc_tsa_timestamps_json(ctx->cat, row.id,
			    &err);

			if (ts == NULL) {
				st = bc_cli_fail(BC_ERR_NOMEM, &err);
				goto done;
			}
			json_object_set_new(ctx->out, "timestamps", ts);
		}
	} else if (out != NULL) {
		if (!ctx->quiet)
			printf("checkpoint %" PRId64 ": %" PRIu64 " leaves, root "
			    "%s, written to %s\n", row.id, row.size, root64,
			    bc_cli_q(out));
	} else {
		fwrite(row.note, 1, row.note_len, stdout);
	}
 done:
	if (fd != -1) {
		close(fd);
		unlink(out);
	}
	free(row.note);
	bc_keyring_free(kr);
	bc_key_free(key);
	return st;
}

const struct bc_cmd bc_cmd_checkpoint = {
	.name = "checkpoint",
	.usage = "[--key KEY] [--out FILE]\n       [--tsa URL | "
	    "--tsa-query FILE | --tsa-reply FILE] [--tsa-ca FILE]\n"
	    "       [--checkpoint ID]",
	.summary = "With --key, sign a checkpoint of the transparency log "
	    "(C2SP tlog-checkpoint\n      in a signed note) and store it; "
	    "without, show the newest one, checked.\n      Prints the signed "
	    "note.  With --tsa, --tsa-query or --tsa-reply, an\n      RFC 3161 "
	    "time-stamp token over the checkpoint (the new one, else\n      "
	    "--checkpoint ID or the newest) from a TSA, checked and stored.",
	.options =
	    "  --key KEY    private key that signs (role auditor or admin)\n"
	    "  --out FILE   write the signed note to FILE, a new file, "
	    "instead of stdout\n"
	    "  --tsa URL    ask the TSA at URL (http:// or https://) for a "
	    "time-stamp token\n"
	    "  --tsa-ca FILE  PEM certificates the token must chain to "
	    "(EKU timeStamping)\n"
	    "  --tsa-query FILE  write the DER time-stamp request to FILE "
	    "(new), for a TSA\n"
	    "               reached by hand (openssl ts -reply, a web form)\n"
	    "  --tsa-reply FILE  check the DER reply FILE to such a request "
	    "and store its\n"
	    "               token (its nonce is not compared: see bodycam(1))\n"
	    "  --checkpoint ID  the stored checkpoint to time-stamp (default "
	    "the newest)\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_checkpoint,
};
