/*
 * cmd-tsa.c - trusted time in the CLI: checkpoint's --tsa, --tsa-query
 * and --tsa-reply (an RFC 3161 token over a stored checkpoint, by HTTP or
 * by files for agencies without a network path to a TSA), and the
 * --tsa-ca anchors of verify and audit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-tsa.h"

int
bc_cli_tsa_wanted(const struct bc_cli_tsa *t)
{
	return t->url != NULL || t->query != NULL || t->reply != NULL ||
	    t->ca != NULL || t->checkpoint != NULL;
}

int
bc_cli_tsa_usage(struct bc_ctx *ctx, const struct bc_cli_tsa *t, int signing,
    int out)
{
	int n = (t->url != NULL) + (t->query != NULL) + (t->reply != NULL);

	if (n > 1)
		return bc_cli_usage(ctx->cmd, "--tsa, --tsa-query and "
		    "--tsa-reply exclude each other");
	if (n == 0 && t->ca != NULL)
		return bc_cli_usage(ctx->cmd, "--tsa-ca goes with --tsa or "
		    "--tsa-reply");
	if (n == 0 && t->checkpoint != NULL)
		return bc_cli_usage(ctx->cmd, "--checkpoint goes with --tsa, "
		    "--tsa-query or --tsa-reply");
	if ((t->url != NULL || t->reply != NULL) && t->ca == NULL)
		return bc_cli_usage(ctx->cmd, "%s needs --tsa-ca FILE: the "
		    "TSA certificates its token must chain to", t->url ?
		    "--tsa" : "--tsa-reply");
	/* before anything is signed: a checkpoint is not signed for nowhere */
	if (t->url != NULL && strncmp(t->url, "http://", 7) != 0 &&
	    strncmp(t->url, "https://", 8) != 0)
		return bc_cli_usage(ctx->cmd, "--tsa '%s': not an http:// or "
		    "https:// URL", t->url);
	if (t->query != NULL && t->ca != NULL)
		return bc_cli_usage(ctx->cmd, "--tsa-ca goes with --tsa or "
		    "--tsa-reply, not --tsa-query");
	if (signing && t->checkpoint != NULL)
		return bc_cli_usage(ctx->cmd, "--checkpoint names a stored "
		    "checkpoint; with --key a new one is signed");
	if (signing && t->reply != NULL)
		return bc_cli_usage(ctx->cmd, "--tsa-reply answers a request "
		    "for a stored checkpoint; --key signs a new one");
	if (n > 0 && out)
		return bc_cli_usage(ctx->cmd, "--out writes a checkpoint; "
		    "time-stamp one on its own");
	if (t->url != NULL || t->reply != NULL)
		ctx->read_only = 0;	/* stores a token */
	return 0;
}

int
bc_cli_tsa_trust(const char *path, struct bc_tsa_trust **out)
{
	struct bc_err err = { 0 };
	int r;

	*out = NULL;
	if (path == NULL)
		return 0;
	if ((r = bc_tsa_trust_load(path, out, &err)) != 0)
		return bc_cli_fail(r == BC_ERR_MALFORMED ? BC_ERR_INVALID : r,
		    &err);
	return 0;
}

/* --checkpoint ID (or the newest), checked as this log's, into *row. */
static int
stored_checkpoint(struct bc_ctx *ctx, const char *idarg,
    struct bc_checkpoint_row *row)
{
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_signed_checkpoint sc;
	uint64_t id;
	int r, st = 0;

	memset(row, 0, sizeof(*row));
	if (idarg != NULL && bc_parse_uint(idarg, 1, INT64_MAX, &id) != 0)
		return bc_cli_usage(ctx->cmd, "--checkpoint '%s': not a "
		    "checkpoint id (1, 2, ...)", idarg);
	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (idarg == NULL) {
		r = bc_tlog_latest(ctx->cat, kr, row, &sc, &err);
	} else if ((r = bc_catalog_checkpoint_get(ctx->cat, (int64_t)id, row,
	    &err)) == 0) {
		r = bc_tlog_checkpoint_check(kr, kr->origin, row->note,
		    row->note_len, &sc, &err);
		if (r == BC_ERR_MALFORMED)
			r = BC_ERR_INTEGRITY;	/* as stored: tampered */
	}
	if (r == 0)
		r = bc_tlog_holds(ctx->cat, row->size, row->root, &err);
	if (r == BC_ERR_NOT_FOUND) {
		bc_cli_error("%s (sign one with 'bodycam checkpoint --key "
		    "KEY')", err.msg);
		st = 2;
	} else if (r != 0) {
		bc_cli_error("checkpoint %" PRId64 " is not time-stamped: it "
		    "does not check out: %s", row->id, err.msg);
		st = bc_exit_status(r);
	}
 out:
	if (st != 0) {
		free(row->note);
		row->note = NULL;
	}
	bc_keyring_free(kr);
	return st;
}

/* The token obtained or read, checked and stored; what to print. */
static int
store(struct bc_ctx *ctx, const struct bc_checkpoint_row *row,
    const struct bc_tsa_token *tok, const char *tsa)
{
	struct bc_err err = { 0 };
	int64_t id = 0;
	int r;

	if ((r = bc_catalog_add_timestamp(ctx->cat, row->id, row->note,
	    row->note_len, tok, tsa, &id, &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json) {
		json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}",
		    "id", (json_int_t)id, "checkpoint", (json_int_t)row->id,
		    "time", tok->time, "tsa", tsa, "signer", tok->signer);

		if (o == NULL)
			return bc_cli_fail(BC_ERR_NOMEM, NULL);
		if (ctx->out == NULL)
			ctx->out = json_object();
		if (ctx->out == NULL ||
		    json_object_set_new(ctx->out, "timestamp", o) != 0)
			return bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (!ctx->quiet) {
		printf("checkpoint %" PRId64 ": %" PRIu64 " leaves, "
		    "time-stamped at %s by %s (token %" PRId64 ")\n", row->id,
		    row->size, tok->time, tok->signer[0] ? bc_cli_q(tok->signer)
		    : bc_cli_q(tsa), id);
	}
	return 0;
}

int
bc_cli_tsa_run(struct bc_ctx *ctx, const struct bc_cli_tsa *t,
    const struct bc_checkpoint_row *signed_row)
{
	struct bc_err err = { 0 };
	struct bc_checkpoint_row own;
	const struct bc_checkpoint_row *row = signed_row;
	struct bc_tsa_trust *trust = NULL;
	struct bc_tsa_token tok;
	uint8_t *req = NULL, *reply = NULL;
	char *file = NULL;
	size_t reqlen = 0, replylen = 0, filelen = 0;
	int r, st = 0, fd = -1;

	memset(&own, 0, sizeof(own));
	memset(&tok, 0, sizeof(tok));
	if ((st = bc_cli_tsa_trust(t->ca, &trust)) != 0)
		goto out;
	if (row == NULL) {
		if ((st = stored_checkpoint(ctx, t->checkpoint, &own)) != 0)
			goto out;
		row = &own;
	}
	if (t->reply != NULL) {
		/*
		 * A reply from a file: its request was made by an earlier
		 * run, so its nonce cannot be compared.  The imprint binds
		 * the token to this checkpoint's note all the same; a
		 * replayed reply could only be an older token over the same
		 * checkpoint, which dates it no later than it was.
		 */
		if ((r = bc_read_small(t->reply, BC_TSA_REPLY_MAX, &file,
		    &filelen, &err)) != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		r = bc_tsa_reply_check((uint8_t *)file, filelen, NULL, 0,
		    row->note, row->note_len, trust, &tok, &err);
		if (r != 0) {
			bc_cli_error("%s: not stored for checkpoint %" PRId64
			    ": %s", bc_cli_q(t->reply), row->id, err.msg);
			st = bc_exit_status(r);
			goto out;
		}
		st = store(ctx, row, &tok, "file");
		goto out;
	}
	if ((r = bc_tsa_request(row->note, row->note_len, &req, &reqlen,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (t->query != NULL) {
		if ((r = bc_cli_create_new(t->query, &fd, &err)) == 0) {
			r = bc_cli_write_new(fd, t->query, (const char *)req, reqlen,
			    &err);
			fd = -1;
		}
		if (r != 0) {
			st = bc_cli_fail(r, &err);
			goto out;
		}
		if (ctx->json) {
			if (ctx->out == NULL)
				ctx->out = json_object();
			if (ctx->out == NULL || json_object_set_new(ctx->out,
			    "request", json_pack("{s:I, s:s}", "checkpoint",
			    (json_int_t)row->id, "file", t->query)) != 0)
				st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		} else if (!ctx->quiet) {
			printf("checkpoint %" PRId64 ": time-stamp request "
			    "written to %s\n", row->id, bc_cli_q(t->query));
		}
		goto out;
	}
	if ((r = bc_tsa_fetch(t->url, req, reqlen, &reply, &replylen,
	    &err)) != 0) {
		bc_cli_error("checkpoint %" PRId64 " is not time-stamped: %s",
		    row->id, err.msg);
		st = bc_exit_status(r);
		goto out;
	}
	if ((r = bc_tsa_reply_check(reply, replylen, req, reqlen, row->note,
	    row->note_len, trust, &tok, &err)) != 0) {
		bc_cli_error("the reply of %s is refused; checkpoint %" PRId64
		    " is not time-stamped: %s", bc_cli_q(t->url), row->id,
		    err.msg);
		st = bc_exit_status(r);
		goto out;
	}
	st = store(ctx, row, &tok, t->url);
 out:
	if (fd != -1) {
		close(fd);
		unlink(t->query);
	}
	bc_tsa_token_clear(&tok);
	free(file);
	free(req);
	free(reply);
	free(own.note);
	bc_tsa_trust_free(trust);
	return st;
}
