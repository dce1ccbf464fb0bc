/*
 * cmd-retention.c - bodycam retention: the signed retention policy
 * (policy set|list), what is due under it (due), and the purge of what
 * is due (purge), each item judged again from its own record.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/retention.h"
#include "cli.h"

static const char *
dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? bc_cli_q(s) : "-";
}

static void
days_text(int64_t days, char *buf, size_t bufsz)
{
	if (days == BC_RETAIN_INDEFINITE)
		snprintf(buf, bufsz, "indefinite");
	else if (days < 0)
		snprintf(buf, bufsz, "-");
	else
		snprintf(buf, bufsz, "%lld", (long long)days);
}

static void
policy_print(const struct bc_policy *p)
{
	char d[32];
	size_t i;

	printf("policy %lld  %s  by %s (key %.16s...)\n", (long long)p->seq,
	    p->at, bc_cli_q(p->actor), p->key);
	printf("  hash %s\n", p->hash);
	if (p->reason[0] != '\0')
		printf("  reason: %s\n", bc_cli_q(p->reason));
	printf("  grace %lld days; a category not named here: %s\n",
	    (long long)p->grace_days, p->refuse_unlisted ? "refused" :
	    "kept (unscheduled)");
	for (i = 0; i < p->nperiods; i++) {
		days_text(p->periods[i].days, d, sizeof(d));
		printf("  %-24s %s%s\n", bc_cli_q(p->periods[i].category), d,
		    p->periods[i].days >= 0 ? " days" : "");
	}
}

static int
policy_set(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'p' },
		{ "grace", required_argument, NULL, 'g' },
		{ "unlisted", required_argument, NULL, 'u' },
		{ "reason", required_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'k' },
		{ "actor", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_policy p;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	const char *keypath = NULL, *actor = NULL, *reason = "";
	uint64_t grace = 0;
	void *tmp;
	size_t cap = 0;
	int c, r, st = 2;

	memset(&p, 0, sizeof(p));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((tmp = bc_grow(p.periods, &cap, p.nperiods + 1,
			    sizeof(*p.periods))) == NULL) {
				st = bc_cli_fail(BC_ERR_NOMEM, NULL);
				goto out;
			}
			p.periods = tmp;
			if ((r = bc_policy_period_parse(optarg,
			    &p.periods[p.nperiods], &err)) != 0) {
				st = bc_cli_usage(ctx->cmd, "--period: %s",
				    err.msg);
				goto out;
			}
			p.nperiods++;
			break;
		case 'g':
			if (bc_parse_uint(optarg, 0, BC_POLICY_GRACE_MAX,
			    &grace) != 0) {
				st = bc_cli_usage(ctx->cmd, "--grace takes 0 to "
				    "%d days", BC_POLICY_GRACE_MAX);
				goto out;
			}
			break;
		case 'u':
			if (strcmp(optarg, "keep") != 0 &&
			    strcmp(optarg, "refuse") != 0) {
				st = bc_cli_usage(ctx->cmd, "--unlisted takes "
				    "keep or refuse");
				goto out;
			}
			p.refuse_unlisted = strcmp(optarg, "refuse") == 0;
			break;
		case 'R': reason = optarg; break;
		case 'k': keypath = optarg; break;
		case 'a': actor = optarg; break;
		default:
			st = bc_cli_badopt(ctx->cmd, c, argv);
			goto out;
		}
	}
	if (optind != argc) {
		st = bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if (p.nperiods == 0 || keypath == NULL || actor == NULL) {
		st = bc_cli_usage(ctx->cmd, "policy set needs --period (at "
		    "least one), --key and --actor");
		goto out;
	}
	p.grace_days = (int64_t)grace;
	snprintf(p.actor, sizeof(p.actor), "%s", actor);
	snprintf(p.reason, sizeof(p.reason), "%s", reason);
	if (strlen(actor) >= sizeof(p.actor) ||
	    strlen(reason) >= sizeof(p.reason)) {
		st = bc_cli_usage(ctx->cmd, "--actor and --reason are at most "
		    "%d bytes", BC_FIELD_MAX);
		goto out;
	}
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if ((r = bc_policy_set(ctx->cat, key, &p, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json) {
		ctx->out = bc_policy_json(&p);
		st = ctx->out != NULL ? 0 : bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	if (!ctx->quiet)
		policy_print(&p);
	st = 0;
 out:
	bc_policy_free(&p);
	bc_key_free(key);
	return st;
}

static int
policy_list(struct bc_ctx *ctx, int argc, char **argv)
{
	const struct bc_cli_opt opts[] = { { NULL, NULL, NULL } };
	struct bc_err err = { 0 };
	struct bc_keyring *kr = NULL;
	struct bc_policy *ps = NULL;
	json_t *arr = NULL, *o;
	size_t i, n = 0;
	int r, st;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "policy list takes no argument");
	ctx->read_only = 1;
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_keyring_load(ctx->cat, &kr, &err)) != 0 ||
	    (r = bc_policies_load(ctx->cat, kr, &ps, &n, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (ctx->json) {
		if ((arr = json_array()) == NULL)
			goto nomem;
		for (i = 0; i < n; i++)
			if ((o = bc_policy_json(&ps[i])) == NULL ||
			    json_array_append_new(arr, o) != 0)
				goto nomem;
		if ((ctx->out = json_pack("{s:o}", "policies", arr)) == NULL)
			goto nomem;
		arr = NULL;
		st = 0;
		goto out;
	}
	if (n == 0 && !ctx->quiet)
		printf("no retention policy (bodycam retention policy set): "
		    "nothing is ever due\n");
	for (i = 0; i < n && !ctx->quiet; i++) {
		if (i == n - 1)
			printf("%s", i > 0 ? "\ncurrent:\n" : "");
		policy_print(&ps[i]);
	}
	st = 0;
	goto out;
 nomem:
	st = bc_cli_fail(BC_ERR_NOMEM, NULL);
 out:
	json_decref(arr);
	bc_policies_free(ps, n);
	bc_keyring_free(kr);
	return st;
}

static int
ret_policy(struct bc_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "set") == 0) {
		ctx->read_only = 0;
		return policy_set(ctx, argc - 1, argv + 1);
	}
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return policy_list(ctx, argc - 1, argv + 1);
	return bc_cli_usage(ctx->cmd, "retention policy needs set or list");
}

static void
due_csv(const struct bc_retention_item *v, size_t n)
{
	char d[32];
	size_t i;

	printf("id,state,case,category,start,start_from,days,grace_days,"
	    "due\n");
	for (i = 0; i < n; i++) {
		bc_cli_csv_field(stdout, v[i].id, 0);
		bc_cli_csv_field(stdout, bc_retention_state_name(v[i].state),
		    0);
		bc_cli_csv_field(stdout, v[i].case_no, 0);
		bc_cli_csv_field(stdout, v[i].category, 0);
		bc_cli_csv_field(stdout, v[i].start, 0);
		bc_cli_csv_field(stdout, v[i].start_from, 0);
		days_text(v[i].days, d, sizeof(d));
		bc_cli_csv_field(stdout, d, 0);
		printf("%lld,", (long long)v[i].grace_days);
		bc_cli_csv_field(stdout, v[i].due, 1);
	}
}

static void
due_text(const struct bc_policy *p, const char *at,
    const struct bc_retention_item *v, size_t n,
    const struct bc_retention_summary *s)
{
	size_t i;

	printf("retention policy %lld (%.16s...), as of %s:\n",
	    (long long)p->seq, p->hash, at);
	printf("  %lld due, %lld held past due, %lld purged with media not "
	    "yet gone, of %lld items\n  (%lld not yet due, %lld kept "
	    "indefinitely, %lld unscheduled, %lld purged)\n",
	    (long long)s->counts[BC_RET_DUE], (long long)s->counts[BC_RET_HELD],
	    (long long)s->counts[BC_RET_UNFINISHED], (long long)s->items,
	    (long long)s->counts[BC_RET_KEPT],
	    (long long)s->counts[BC_RET_INDEFINITE],
	    (long long)s->counts[BC_RET_UNSCHEDULED],
	    (long long)s->counts[BC_RET_PURGED]);
	if (n == 0)
		return;
	printf("%-11s  %-11s  %-16s  %-20s  %s\n", "ID", "STATE", "CATEGORY",
	    "DUE", "FROM");
	for (i = 0; i < n; i++)
		printf("%-11s  %-11s  %-16s  %-20s  %s %s\n", v[i].id,
		    bc_retention_state_name(v[i].state), dash(v[i].category),
		    v[i].due[0] ? v[i].due : "-", v[i].start_from,
		    bc_cli_q(v[i].start));
}

static int
ret_due(struct bc_ctx *ctx, int argc, char **argv)
{
	const char *attext = NULL;
	int csv = 0, all = 0;
	const struct bc_cli_opt opts[] = {
		{ "at", &attext, NULL },
		{ "csv", NULL, &csv },
		{ "all", NULL, &all },
		{ NULL, NULL, NULL }
	};
	struct bc_err err = { 0 };
	struct bc_policy p;
	struct bc_retention_item *v = NULL;
	struct bc_retention_summary sum;
	char at[BC_TIME_MAX];
	time_t now;
	size_t n = 0;
	int r, st;

	memset(&p, 0, sizeof(p));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "retention due takes no argument");
	if (csv && ctx->json)
		return bc_cli_usage(ctx->cmd, "--csv and --json exclude each "
		    "other");
	now = bc_now();
	if (attext != NULL && bc_time_parse(attext, 1, &now) != 0)
		return bc_cli_usage(ctx->cmd, "--at wants a date or an RFC "
		    "3339 time");
	bc_time_format(now, at);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_policy_current(ctx->cat, &p, &err)) != 0 ||
	    (r = bc_retention_due(ctx->cat, &p, now, all, &v, &n, &sum,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	st = 0;
	if (ctx->json) {
		if ((ctx->out = bc_retention_json(&p, at, v, n, &sum)) == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (csv)
		due_csv(v, n);
	else if (!ctx->quiet)
		due_text(&p, at, v, n, &sum);
 out:
	free(v);
	bc_policy_free(&p);
	return st;
}

static const char *
outcome_name(const struct bc_retention_outcome *o, int dry_run)
{
	if (o->skipped)
		return "skipped";
	if (o->status != 0)
		return "failed";
	if (dry_run)
		return "would-purge";
	return o->purge_seq >= 0 ? "purged" : "finished";
}

struct purge_out {
	struct bc_ctx	*ctx;
	int		 dry_run;
	json_t		*items;
};

static void
purge_progress(void *arg, const struct bc_retention_outcome *o)
{
	struct purge_out *po = arg;
	const char *media = bc_media_fate_name(o->fate);
	json_t *j;

	if (po->ctx->json) {
		j = json_pack("{s:s, s:s, s:I, s:I, s:s?, s:s?, s:o?}", "id",
		    o->id, "outcome", outcome_name(o, po->dry_run),
		    "purge_seq", (json_int_t)o->purge_seq, "note_seq",
		    (json_int_t)o->note_seq, "media", media[0] ? media : NULL,
		    "reason", o->skipped && o->msg[0] ? o->msg : NULL,
		    "error", o->status != 0 ? bc_err_json(bc_err_code(
		    o->status), o->msg[0] ? o->msg : bc_strerror(o->status),
		    NULL) : NULL);
		if (j != NULL)
			json_array_append_new(po->items, j);
		return;
	}
	if (o->skipped || o->status != 0) {
		bc_cli_error("%s: %s", o->id, o->msg);
		return;
	}
	if (po->ctx->quiet)
		return;
	if (po->dry_run)
		printf("%-11s  %s\n", o->id, o->msg);
	else
		printf("%-11s  %-8s  media %s\n", o->id, outcome_name(o, 0),
		    media[0] ? media : "untouched");
	fflush(stdout);
}

static int
ret_purge(struct bc_ctx *ctx, int argc, char **argv)
{
	const char *keypath = NULL, *actor = NULL;
	int dry_run = 0;
	const struct bc_cli_opt opts[] = {
		{ "key", &keypath, NULL },
		{ "actor", &actor, NULL },
		{ "dry-run", NULL, &dry_run },
		{ NULL, NULL, NULL }
	};
	struct bc_retention_outcome *v = NULL;
	struct purge_out po;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	size_t i, n = 0, done = 0, bad = 0;
	int r, st;

	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "retention purge takes no "
		    "argument");
	if (keypath == NULL || actor == NULL)
		return bc_cli_usage(ctx->cmd, "retention purge needs --key and "
		    "--actor");
	memset(&po, 0, sizeof(po));
	po.ctx = ctx;
	po.dry_run = dry_run;
	if (ctx->json && (po.items = json_array()) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	r = bc_retention_purge(ctx->cat, key, actor, bc_now(), dry_run,
	    purge_progress, &po, &v, &n, &err);
	for (i = 0; i < n; i++) {
		if (v[i].status != 0 || v[i].skipped)
			bad++;
		else
			done++;
	}
	if (r != 0 && n == 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	/* a skipped item is one whose derived rows lie: as bad as a failure */
	st = r != 0 ? bc_exit_status(r) : bad > 0 ? 1 : 0;
	for (i = 0; i < n; i++)
		if (v[i].status != 0)
			st = bc_exit_worst(st, bc_exit_status(v[i].status));
	if (ctx->json) {
		ctx->out = json_pack("{s:b, s:I, s:I, s:O}", "dry_run", dry_run,
		    "done", (json_int_t)done, "failed", (json_int_t)bad,
		    "items", po.items);
		if (ctx->out == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (!ctx->quiet)
		printf("%zu item%s %s, %zu failed or skipped\n", done,
		    done == 1 ? "" : "s", dry_run ? "would be purged" :
		    "purged or finished", bad);
 out:
	json_decref(po.items);
	free(v);
	bc_key_free(key);
	return st;
}

static const struct bc_subcmd retention_subs[] = {
	{ "policy", "set --period CATEGORY=DAYS|indefinite... [--grace DAYS]"
	    "\n           [--unlisted keep|refuse] [--reason WHY] --key KEY "
	    "--actor WHO\n       bodycam retention policy list", 0,
	    ret_policy },
	{ "due", "[--all] [--at TIME] [--csv]", BC_CMD_READ_ONLY, ret_due },
	{ "purge", "--key KEY --actor WHO [--dry-run]", 0, ret_purge },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_retention = {
	.name = "retention",
	.subs = retention_subs,
	.summary = "Retention: set the admin-signed policy (category -> days "
	    "or indefinite,\n      plus grace), list what is due (a hold "
	    "suspends it), and purge every\n      due item not on hold, each "
	    "judged again from its verified record.",
	.options =
	    "  --period C=D   policy set: category C kept D days (0 to "
	    "36525) or\n"
	    "                 'indefinite' (repeatable; the whole schedule)\n"
	    "  --grace DAYS   policy set: days added to every period "
	    "(default 0)\n"
	    "  --unlisted M   policy set: a category the policy lacks is "
	    "kept\n"
	    "                 ('keep', the default) or refused by register "
	    "and annotate\n"
	    "  --reason WHY   policy set: why this version\n"
	    "  --key KEY      private key that signs (policy set: admin; "
	    "purge:\n"
	    "                 custodian or admin)\n"
	    "  --actor WHO    who did it\n"
	    "  --all          due: every item, not only due, held and "
	    "unfinished ones\n"
	    "  --at TIME      due: as of TIME instead of now (to plan)\n"
	    "  --csv          due: CSV instead of text\n"
	    "  --dry-run      purge: judge every item, record nothing\n",
	.flags = 0,
	.exec = bc_cli_subcmd,
};
