/*
 * cmd-custody.c - bodycam custody add|log: record who did what with an
 * item, and print its chain of custody.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
bc_cli_recorded(struct bc_ctx *ctx, const char *action,
    const struct bc_custody_result *res)
{
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:I, s:s, s:s}", "item", res->item,
		    "seq", (json_int_t)res->seq, "action", action, "hash",
		    res->hash);
		if (ctx->out != NULL && res->child[0] != '\0')
			json_object_set_new(ctx->out, "child",
			    json_pack("{s:s, s:s}", "id", res->child,
			    "sha256", res->child_sha256));
		if (ctx->out != NULL && res->copy_sha256[0] != '\0')
			json_object_set_new(ctx->out, "copy_sha256",
			    json_string(res->copy_sha256));
		return ctx->out != NULL ? 0 : bc_cli_fail(BC_ERR_NOMEM, NULL);
	}
	if (ctx->quiet)
		return 0;
	printf("%s  seq %lld  %s  %s\n", res->item, (long long)res->seq,
	    action, res->hash);
	if (res->child[0] != '\0')
		printf("%s  derived from %s  %s\n", res->child, res->item,
		    res->child_sha256);
	if (res->copy_sha256[0] != '\0')
		printf("copy matches the sealed SHA-256 %s\n",
		    res->copy_sha256);
	return 0;
}

/* custody add --case N: every item of the case, all or nothing. */
static int
custody_add_case(struct bc_ctx *ctx, const struct bc_key *key,
    const char *case_no, const struct bc_custody_req *req)
{
	struct bc_custody_result *res = NULL;
	struct bc_err err = { 0 };
	json_t *arr = NULL, *o;
	size_t n = 0, i;
	int r, st = 0;

	if ((r = bc_case_add(ctx->cat, key, case_no, req, &res, &n,
	    &err)) != 0)
		return bc_cli_fail(r, &err);
	if (ctx->json && (arr = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (ctx->json) {
			o = res[i].seq < 0 ? json_pack("{s:s, s:b}", "item",
			    res[i].item, "skipped_purged", 1) :
			    json_pack("{s:s, s:I, s:s, s:s}", "item",
			    res[i].item, "seq", (json_int_t)res[i].seq,
			    "action", req->action, "hash", res[i].hash);
			if (o == NULL || json_array_append_new(arr, o) != 0)
				goto oom;
		} else if (ctx->quiet)
			continue;
		else if (res[i].seq < 0)
			printf("%s  skipped: purged\n", res[i].item);
		else
			printf("%s  seq %lld  %s  %s\n", res[i].item,
			    (long long)res[i].seq, req->action, res[i].hash);
	}
	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:s, s:o}", "case", case_no,
		    "action", req->action, "items", arr);
		arr = NULL;
		if (ctx->out == NULL)
			goto oom;
	}
	goto out;
 oom:
	st = bc_cli_fail(BC_ERR_NOMEM, NULL);
 out:
	json_decref(arr);
	free(res);
	return st;
}

/* Prints what a purge did; its status. */
static int
purged(struct bc_ctx *ctx, const struct bc_custody_req *req,
    const struct bc_purge_result *res, int r, struct bc_err *err)
{
	const char *fate = bc_media_fate_name(res->fate);
	int st;

	if (ctx->json) {
		ctx->out = json_pack("{s:s, s:s, s:s, s:b, s:s}", "item",
		    res->purge.item, "action", req->action, "media", fate[0] ?
		    fate : "kept", "repeated", res->repeated, "hash",
		    res->purge.hash);
		if (ctx->out != NULL && !res->repeated)
			json_object_set_new(ctx->out, "seq",
			    json_integer(res->purge.seq));
		if (ctx->out != NULL && res->note.seq >= 0)
			json_object_set_new(ctx->out, "note", json_pack(
			    "{s:I, s:s}", "seq", (json_int_t)res->note.seq,
			    "hash", res->note.hash));
		if (ctx->out == NULL)
			return bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (!ctx->quiet) {
		if (!res->repeated)
			printf("%s  seq %lld  %s  %s\n", res->purge.item,
			    (long long)res->purge.seq, req->action,
			    res->purge.hash);
		if (res->note.seq >= 0)
			printf("%s  seq %lld  note  %s  media %s\n",
			    res->purge.item, (long long)res->note.seq,
			    res->note.hash, fate);
		else if (r == 0)
			printf("%s  purged before; media already %s\n",
			    res->purge.item, res->fate == BC_MEDIA_ABSENT ?
			    "absent" : fate);
	}
	if (r == 0)
		return 0;
	st = bc_cli_fail(r, err);
	if (res->fate == BC_MEDIA_KEPT && res->purge.item[0] != '\0')
		bc_cli_error("%s: the purge is recorded; the media is not "
		    "destroyed: see what is at its path, then run 'bodycam "
		    "custody add %s purge' again", res->purge.item,
		    res->purge.item);
	return st;
}

static int
custody_add(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_custody_req req;
	struct bc_custody_result res;
	struct bc_purge_result pres;
	struct bc_err err = { 0 };
	struct bc_key *key = NULL;
	const char *keypath = NULL, *case_no = NULL;
	int a, r, st;
	const struct bc_cli_opt opts[] = {
		{ "case", &case_no, NULL },
		{ "key", &keypath, NULL },
		{ "actor", &req.actor, NULL },
		{ "to", &req.to, NULL },
		{ "reason", &req.reason, NULL },
		{ "location", &req.location, NULL },
		{ "note", &req.note, NULL },
		{ "file", &req.file, NULL },
		{ NULL, NULL, NULL }
	};

	memset(&req, 0, sizeof(req));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (case_no != NULL && argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "custody add --case N takes "
		    "ACTION, and no ITEM");
	if (case_no == NULL && argc - optind != 2)
		return bc_cli_usage(ctx->cmd, "custody add takes ITEM and "
		    "ACTION");
	req.action = argv[argc - 1];
	a = bc_action_parse(req.action);
	if (a == BC_ACT_ANNOTATE)
		return bc_cli_usage(ctx->cmd, "an annotation is recorded by "
		    "'bodycam annotate'");
	if (a == BC_ACT_RELOCATE)
		return bc_cli_usage(ctx->cmd, "a new place is recorded by "
		    "'bodycam relocate'");
	if (a < 0 || a == BC_ACT_REGISTER || a == BC_ACT_VERIFY)
		return bc_cli_usage(ctx->cmd, "%s action '%s' (access, copy, "
		    "transfer, hold, unhold, derive, purge, note%s)",
		    a < 0 ? "unknown" : "cannot record", req.action,
		    a == BC_ACT_VERIFY ? "; a verification is recorded by "
		    "'bodycam verify --record'" : a == BC_ACT_REGISTER ?
		    "; use 'bodycam register'" : "");
	if (keypath == NULL || req.actor == NULL)
		return bc_cli_usage(ctx->cmd, "custody add needs --key and "
		    "--actor");
	if (bc_action_needs_to(a) && req.to == NULL)
		return bc_cli_usage(ctx->cmd, "%s needs --to", req.action);
	if (bc_action_needs_reason(a) && req.reason == NULL)
		return bc_cli_usage(ctx->cmd, "%s needs --reason", req.action);
	if (a == BC_ACT_DERIVE && req.file == NULL)
		return bc_cli_usage(ctx->cmd, "derive needs --file");
	if (case_no != NULL && a != BC_ACT_ACCESS && a != BC_ACT_HOLD &&
	    a != BC_ACT_UNHOLD && a != BC_ACT_NOTE)
		return bc_cli_usage(ctx->cmd, "--case takes access, hold, "
		    "unhold or note, not %s", req.action);
	if ((r = bc_key_load_private(keypath, &key, &err)) != 0)
		return bc_cli_fail(r, &err);
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		goto out;
	if (case_no != NULL) {
		st = custody_add_case(ctx, key, case_no, &req);
		goto out;
	}
	if (a == BC_ACT_PURGE) {
		r = bc_purge(ctx->cat, key, argv[optind], &req, &pres, &err);
		if (pres.fate == BC_MEDIA_NONE && r != 0)
			st = bc_cli_fail(r, &err);	/* nothing done */
		else
			st = purged(ctx, &req, &pres, r, &err);
		goto out;
	}
	if ((r = bc_custody_add(ctx->cat, key, argv[optind], &req, &res,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	st = bc_cli_recorded(ctx, req.action, &res);
 out:
	bc_key_free(key);
	return st;
}

/* One event of the timeline, with what its verification said. */
struct line {
	json_t		*doc;		/* NULL when unreadable */
	int64_t		 seq;
	const char	*hash;
	char		 status[BC_CHECK_NAME_MAX * 3];
	const char	*signer;	/* key name */
};

static const char *
dstr(const json_t *doc, const char *path)
{
	const char *s = doc ? bc_doc_str(doc, path) : NULL;

	return s != NULL ? s : "";
}

static void
print_csv(const struct line *l, size_t n)
{
	static const char *const cols[] = { "seq", "at", "action", "actor",
	    "key", "key_name", "location", "station", "reason", "to", "note",
	    "outcome", "hash", "status" };
	char seq[32];
	size_t i, j;

	for (j = 0; j < sizeof(cols) / sizeof(cols[0]); j++)
		bc_cli_csv_field(stdout, cols[j],
		    j + 1 == sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i < n; i++) {
		snprintf(seq, sizeof(seq), "%lld", (long long)l[i].seq);
		bc_cli_csv_field(stdout, seq, 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "at"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "action"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "actor"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "key"), 0);
		bc_cli_csv_field(stdout, l[i].signer, 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.location"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.station"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.reason"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.to"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.note"), 0);
		bc_cli_csv_field(stdout, dstr(l[i].doc, "details.outcome"), 0);
		bc_cli_csv_field(stdout, l[i].hash, 0);
		bc_cli_csv_field(stdout, l[i].status, 1);
	}
}

static json_t *
log_json(const struct bc_item *it, const struct bc_verify_report *rep,
    const struct line *l, size_t n)
{
	json_t *o, *arr, *e;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		e = json_pack("{s:I, s:s, s:s, s:s, s:O?}", "seq",
		    (json_int_t)l[i].seq, "hash", l[i].hash, "status",
		    l[i].status, "key_name", l[i].signer, "event", l[i].doc);
		if (e == NULL || json_array_append_new(arr, e) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:o}", "id", it->id,
	    "sha256", it->sha256, "custodian", rep->state.custodian, "held",
	    rep->state.held, "purged", rep->state.purged, "ok",
	    rep->status == 0, "events", arr);
	return o;
}

/* "why" for the readable log: the reason, the recipient, the note. */
static void
why_text(const json_t *doc, char *out, size_t outsz)
{
	const char *s;

	snprintf(out, outsz, "%s", dstr(doc, "details.reason"));
	if ((s = dstr(doc, "details.to"))[0] != '\0')
		snprintf(out + strlen(out), outsz - strlen(out), "%sto %s",
		    out[0] ? "; " : "", s);
	if ((s = dstr(doc, "details.child.id"))[0] != '\0')
		snprintf(out + strlen(out), outsz - strlen(out), "%sas %s",
		    out[0] ? "; " : "", s);
	if ((s = dstr(doc, "details.outcome"))[0] != '\0' &&
	    strcmp(dstr(doc, "action"), "verify") == 0)
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s",
		    out[0] ? "; " : "", s);
	if ((s = dstr(doc, "details.note"))[0] != '\0')
		snprintf(out + strlen(out), outsz - strlen(out), "%snote: %s",
		    out[0] ? "; " : "", s);
	if (out[0] == '\0')
		snprintf(out, outsz, "-");
}

static void
print_text(const struct bc_item *it, const struct bc_verify_report *rep,
    const struct line *l, size_t n)
{
	char when[BC_TIME_MAX], where[2 * BC_FIELD_MAX + 8];
	char why[4 * BC_FIELD_MAX + 32];
	const char *loc;
	size_t i;
	int failed;

	printf("%s  SHA-256 %s\n", bc_cli_q(it->id), bc_cli_q(it->sha256));
	printf("custodian: %s; legal hold: %s%s\n", rep->state.custodian[0] ?
	    bc_cli_q(rep->state.custodian) : "-",
	    rep->state.held ? "yes" : "no",
	    rep->state.purged ? "; PURGED" : "");
	printf("%-4s %-20s %-9s %-7s %-16s %-16s %-24s %s\n", "SEQ",
	    "TIME (UTC)", "ACTION", "STATUS", "ACTOR", "SIGNER", "WHERE",
	    "WHY");
	for (i = 0; i < n; i++) {
		/* 2026-11-26T02:50:06.118734Z -> 2026-11-26 02:50:06 */
		snprintf(when, sizeof(when), "%.19s", dstr(l[i].doc, "at"));
		if (strlen(when) > 10)
			when[10] = ' ';
		loc = dstr(l[i].doc, "details.location");
		snprintf(where, sizeof(where), "%s%s%s", loc,
		    loc[0] ? " @ " : "", dstr(l[i].doc, "details.station"));
		why_text(l[i].doc, why, sizeof(why));
		failed = strncmp(l[i].status, "FAILED ", 7) == 0;
		printf("%-4lld %-20s %-9s %-7s %-16s %-16s %-24s %s%s%s%s\n",
		    (long long)l[i].seq, when[0] ? bc_cli_q(when) : "?",
		    l[i].doc ? bc_cli_q(dstr(l[i].doc, "action")) :
		    "(unreadable)", failed ? "FAILED" : l[i].status,
		    bc_cli_q(dstr(l[i].doc, "actor")), bc_cli_q(l[i].signer),
		    bc_cli_q(where), bc_cli_q(why), failed ? "  [" : "",
		    failed ? l[i].status + 7 : "", failed ? "]" : "");
	}
}

static int
custody_log(struct bc_ctx *ctx, int argc, char **argv)
{
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct bc_err err = { 0 };
	struct bc_item *it = NULL;
	struct bc_event *ev = NULL;
	struct bc_keyring *kr = NULL;
	const struct bc_keyring_entry *ke;
	struct line *l = NULL;
	size_t i, j, n = 0;
	int csv = 0, r, st;
	const struct bc_cli_opt opts[] = {
		{ "csv", NULL, &csv },
		{ "json", NULL, &ctx->json },
		{ NULL, NULL, NULL }
	};

	memset(&rep, 0, sizeof(rep));
	if ((r = bc_cli_opts(ctx->cmd, argc, argv, opts)) != 0)
		return r;
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "custody log takes one ITEM");
	if (csv && ctx->json)
		return bc_cli_usage(ctx->cmd, "--csv and --json exclude each "
		    "other");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	memset(&vo, 0, sizeof(vo));
	vo.no_file = 1;
	if ((r = bc_catalog_find_item(ctx->cat, argv[optind], &it,
	    &err)) != 0 ||
	    (r = bc_verify_item(ctx->cat, it, &vo, &rep, &err)) != 0 ||
	    (r = bc_catalog_events(ctx->cat, it->manifest_hash, &ev, &n,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	/* a broken keyring still names the keys it proved */
	r = bc_keyring_load(ctx->cat, &kr, &err);
	if (r != 0 && (r != BC_ERR_INTEGRITY || kr == NULL)) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (n > 0 && (l = calloc(n, sizeof(*l))) == NULL) {
		st = bc_cli_fail(BC_ERR_NOMEM, NULL);
		goto out;
	}
	for (i = 0; i < n; i++) {
		l[i].seq = ev[i].seq;
		l[i].hash = ev[i].hash;
		if (bc_doc_parse(ev[i].body, ev[i].body_len, BC_EVENT_TYPE,
		    &l[i].doc, NULL) != 0)
			l[i].doc = NULL;
		ke = bc_keyring_find(kr, dstr(l[i].doc, "key"));
		l[i].signer = ke != NULL ? ke->name : "(unknown key)";
		snprintf(l[i].status, sizeof(l[i].status), "ok");
		for (j = 0; j < rep.nchecks; j++) {
			if (rep.checks[j].seq != ev[i].seq ||
			    rep.checks[j].ok)
				continue;
			if (strncmp(l[i].status, "FAILED", 6) != 0)
				snprintf(l[i].status, sizeof(l[i].status),
				    "FAILED %s", rep.checks[j].name);
			else
				snprintf(l[i].status + strlen(l[i].status),
				    sizeof(l[i].status) -
				    strlen(l[i].status), ",%s",
				    rep.checks[j].name);
		}
	}
	if (ctx->json) {
		if ((ctx->out = log_json(it, &rep, l, n)) == NULL)
			st = bc_cli_fail(BC_ERR_NOMEM, NULL);
	} else if (csv) {
		print_csv(l, n);
	} else {
		print_text(it, &rep, l, n);
	}
	/* the log is a report, not a verification: but say when it failed */
	if (st == 0 && rep.status != 0) {
		for (j = 0; j < rep.nchecks; j++)
			if (!rep.checks[j].ok && rep.checks[j].seq < 0)
				bc_cli_error("%s: %s: %s", it->id,
				    rep.checks[j].name, rep.checks[j].detail);
		bc_cli_error("%s: the record does not verify; run 'bodycam "
		    "verify %s'", it->id, it->id);
		st = bc_exit_status(rep.status);
	}
 out:
	for (i = 0; l != NULL && i < n; i++)
		json_decref(l[i].doc);
	free(l);
	bc_keyring_free(kr);
	bc_events_free(ev, n);
	bc_verify_report_clear(&rep);
	bc_item_free(it);
	return st;
}

static const struct bc_subcmd custody_subs[] = {
	{ "add", "ITEM ACTION --key KEY --actor WHO [--to WHO] "
	    "[--reason WHY]\n"
	    "           [--location WHERE] [--note TEXT] [--file PATH]\n"
	    "       bodycam custody add --case N access|hold|unhold|note "
	    "--key KEY --actor WHO ...", 0,
	    custody_add },
	{ "log", "ITEM [--json | --csv]", BC_CMD_READ_ONLY, custody_log },
	{ NULL, NULL, 0, NULL }
};

const struct bc_cmd bc_cmd_custody = {
	.name = "custody",
	.subs = custody_subs,
	.summary = "Record a custody event (signed, chained to the item's "
	    "last one), or print\n      an item's chain of custody with the "
	    "verification status of each event.\n      Actions: access, "
	    "copy, transfer, hold, unhold, derive, purge, note, and\n"
	    "      release (auditor; right after a passing verification; "
	    "'bodycam release'\n      records both).",
	.options =
	    "  --key KEY         private key that signs (role custodian or "
	    "admin)\n"
	    "  --actor WHO       who did it (required)\n"
	    "  --to WHO          the recipient (copy, transfer, release: "
	    "required)\n"
	    "  --reason WHY      why (transfer, hold, unhold, derive, purge: "
	    "required;\n"
	    "                    release: the authority)\n"
	    "  --location WHERE  where it happened\n"
	    "  --note TEXT       a remark\n"
	    "  --file PATH       copy: the copy, checked against the sealed "
	    "hash;\n"
	    "                    derive: the derived file, registered as a "
	    "new item\n"
	    "  --case N          add: every item whose case is N now, in one "
	    "transaction\n"
	    "                    (all or nothing; purged items skipped)\n"
	    "  --csv             log: comma-separated values\n"
	    "  --json            log: one JSON document\n",
	.exec = bc_cli_subcmd,
};
