/*
 * cli-tsa.h - the trusted-time hooks of the CLI (cmd-tsa.c): time-stamp
 * tokens over checkpoints, for checkpoint, verify and audit.
 */
#ifndef BODYCAM_CLI_TSA_H
#define BODYCAM_CLI_TSA_H

#include "cli.h"
#include "bodycam/tsa.h"

/* What checkpoint's time-stamp options asked for. */
struct bc_cli_tsa {
	const char	*url;		/* --tsa */
	const char	*ca;		/* --tsa-ca */
	const char	*query;		/* --tsa-query FILE */
	const char	*reply;		/* --tsa-reply FILE */
	const char	*checkpoint;	/* --checkpoint ID */
};

/* Whether any time-stamp option was given. */
int bc_cli_tsa_wanted(const struct bc_cli_tsa *t);

/*
 * Checks the combination of options (usage errors print and return 2),
 * before anything is signed or stored.  Returns 0 or the exit status.
 */
int bc_cli_tsa_usage(struct bc_ctx *ctx, const struct bc_cli_tsa *t,
    int signing, int out);

/*
 * Does what t asks for the checkpoint row (just signed), or, when row is
 * NULL, for --checkpoint ID or the newest stored one, checked: writes
 * the request, or obtains or reads a reply, checks it and stores the
 * token.  Prints what it did (or sets ctx->out with --json).  Returns 0
 * or the exit status.
 */
int bc_cli_tsa_run(struct bc_ctx *ctx, const struct bc_cli_tsa *t,
    const struct bc_checkpoint_row *row);

/*
 * The --tsa-ca FILE of verify and audit, loaded (NULL path: *out NULL).
 * Returns 0 or prints why and returns the exit status.
 */
int bc_cli_tsa_trust(const char *path, struct bc_tsa_trust **out);

#endif /* BODYCAM_CLI_TSA_H */
