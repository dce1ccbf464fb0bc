/*
 * cmd-show.c - bodycam show: an item's manifest, signature status and
 * custody events.  Signatures are checked; the file is not re-hashed
 * (that is 'bodycam verify').
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *
str_or(const json_t *doc, const char *path, const char *dflt)
{
	const char *s = doc ? bc_doc_str(doc, path) : NULL;

	return s ? s : dflt;
}

/* str_or, quoted for the terminal; dflt is ours and is not. */
static const char *
q_or(const json_t *doc, const char *path, const char *dflt)
{
	const char *s = doc ? bc_doc_str(doc, path) : NULL;

	return s ? bc_cli_q(s) : dflt;
}

/* The role that may register: for a derived item, also a custodian. */
static int
register_role(const json_t *mdoc)
{
	return mdoc != NULL && json_object_get(mdoc, "derived") != NULL ?
	    BC_ROLE_INGEST | BC_ROLE_CUSTODIAN : BC_ROLE_INGEST;
}

/*
 * The events parsed, each with its signature status, the item's current
 * view (the manifest with the annotations that are signed and obey the
 * rules), and those annotations as a history: who changed what, when
 * and why.
 */
struct shown {
	json_t		**docs;		/* NULL where unreadable */
	int		 *ok;
	struct bc_view	  view;
	json_t		 *history;
};

/* The events parsed, then the annotations (bc_report_annotations). */
static int
replay(const struct bc_keyring *kr, const struct bc_item *it,
    const json_t *mdoc, const struct bc_event *ev, size_t n,
    struct shown *sh)
{
	size_t i;

	if ((sh->docs = calloc(n + 1, sizeof(*sh->docs))) == NULL ||
	    (sh->ok = calloc(n + 1, sizeof(*sh->ok))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		(void)bc_doc_parse(ev[i].body, ev[i].body_len, BC_EVENT_TYPE,
		    &sh->docs[i], NULL);
	return bc_report_annotations(kr, it, mdoc, ev, sh->docs, n, sh->ok,
	    &sh->view, &sh->history) != 0 ? -1 : 0;
}

static void
shown_free(struct shown *sh, size_t n)
{
	size_t i;

	if (sh->docs != NULL)
		for (i = 0; i < n; i++)
			json_decref(sh->docs[i]);
	free(sh->docs);
	free(sh->ok);
	json_decref(sh->history);
}

/* A field of the current view: its value or "-", and where it came from. */
static void
print_field(const char *label, const char *v, const struct bc_view *view,
    unsigned bit)
{
	printf("  %-11s %s%s\n", label, v[0] != '\0' ? bc_cli_q(v) : "-",
	    view->changed & bit ? "  (annotated)" : "");
}

void
bc_cli_print_annotation(const json_t *h)
{
	const json_t *set = json_object_get(h, "set"), *v, *t;
	const char *k;
	size_t i, j;

	printf("    %3lld  %-20s  %-16s ", (long long)json_integer_value(
	    json_object_get(h, "seq")), q_or(h, "at", "?"),
	    q_or(h, "actor", "?"));
	json_object_foreach((json_t *)set, k, v) {
		printf(" %s=", k);
		if (json_is_array(v)) {
			json_array_foreach(v, j, t)
				printf("%s%s", j ? "," : "",
				    bc_cli_q(json_string_value(t)));
		} else
			printf("%s", bc_cli_q(json_string_value(v)));
	}
	json_array_foreach(json_object_get(h, "clear"), i, v)
		printf(" -%s", bc_cli_q(json_string_value(v)));
	printf("  (%s)\n", q_or(h, "reason", "?"));
}

static int
cmd_show(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ NULL, 0, NULL, 0 }
	};
	struct bc_err err = { 0 }, perr = { 0 };
	struct bc_item *it = NULL;
	struct bc_keyring *kr = NULL;
	struct bc_event *ev = NULL;
	json_t *mdoc = NULL, *edoc, *evs = NULL, *o, *h;
	struct shown sh;
	char place[PATH_MAX];
	size_t n = 0, i;
	int c, r, sig_ok, ev_ok, st = 0;

	memset(&sh, 0, sizeof(sh));

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1)
		return bc_cli_badopt(ctx->cmd, c, argv);
	if (argc - optind != 1)
		return bc_cli_usage(ctx->cmd, "give exactly one ITEM");
	if ((st = bc_cli_open_catalog(ctx)) != 0)
		return st;
	if ((r = bc_catalog_find_item(ctx->cat, argv[optind], &it,
	    &err)) != 0)
		return bc_cli_fail(r, &err);
	r = bc_keyring_load(ctx->cat, &kr, &err);
	if (r == BC_ERR_INTEGRITY && kr != NULL) {
		bc_cli_error("%s", err.msg);	/* go on with what verified */
		st = 1;
		r = 0;
	}
	if (r != 0 || (r = bc_catalog_events(ctx->cat, it->manifest_hash, &ev, &n,
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}
	if (bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &mdoc, &perr) != 0)
		bc_cli_error("%s: stored manifest: %s", it->id, perr.msg);
	sig_ok = mdoc != NULL && bc_keyring_check_sig(kr,
	    bc_doc_str(mdoc, "registered.key"), register_role(mdoc),
	    it->leaf, it->manifest, it->manifest_len,
	    it->sig, it->siglen, NULL) == 0;
	if (!sig_ok || mdoc == NULL)
		st = 1;
	if (replay(kr, it, mdoc, ev, n, &sh) != 0)
		goto oom;
	/* where the file is now: the last relocate's place, if any */
	if ((r = bc_custody_place_of(ctx->cat, it, place, sizeof(place),
	    &err)) != 0) {
		st = bc_cli_fail(r, &err);
		goto out;
	}

	if (ctx->json) {
		if ((evs = json_array()) == NULL)
			goto oom;
		for (i = 0; i < n; i++) {
			edoc = sh.docs[i];
			ev_ok = sh.ok[i];
			if (!ev_ok)
				st = 1;
			o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:b, s:O?}",
			    "seq", (json_int_t)ev[i].seq, "hash", ev[i].hash,
			    "action", str_or(edoc, "action", NULL),
			    "actor", str_or(edoc, "actor", NULL),
			    "at", str_or(edoc, "at", NULL),
			    "signature_ok", ev_ok,
			    "event", edoc);
			if (o == NULL || json_array_append_new(evs, o) != 0)
				goto oom;
		}
		ctx->out = json_pack("{s:s, s:s, s:O?, s:{s:b, s:s}, s:o, s:o,"
		    " s:O}", "id", it->id, "manifest_hash", it->manifest_hash,
		    "manifest", mdoc, "signature", "ok", sig_ok, "key", it->key,
		    "events", evs, "current", bc_view_json(&sh.view),
		    "annotations", sh.history);
		evs = NULL;
		if (ctx->out == NULL ||
		    bc_json_set_name(ctx->out, "path", place) != 0)
			goto oom;
		goto out;
	}
	if (ctx->quiet)
		goto out;
	printf("%s\n", bc_cli_q(it->id));
	printf("  file        %s\n", bc_cli_q(place));
	printf("  name        %s\n", bc_cli_file_name(mdoc));
	printf("  size        %lld bytes\n", (long long)it->size);
	printf("  sha256      %s\n", bc_cli_q(it->sha256));
	printf("  mime        %s\n", q_or(mdoc, "media.mime", "?"));
	printf("  officer     %s\n", q_or(mdoc, "capture.officer", "-"));
	printf("  device      %s\n", q_or(mdoc, "capture.device", "-"));
	print_field("case", sh.view.case_no, &sh.view, BC_VIEW_CASE);
	print_field("category", sh.view.category, &sh.view,
	    BC_VIEW_CATEGORY);
	if (sh.view.ntags > 0 || (sh.view.changed & BC_VIEW_TAGS)) {
		printf("  tags       ");
		for (i = 0; i < sh.view.ntags; i++)
			printf(" %s", bc_cli_q(sh.view.tags[i]));
		printf("%s%s\n", sh.view.ntags ? "" : " -",
		    sh.view.changed & BC_VIEW_TAGS ? "  (annotated)" : "");
	}
	if (sh.view.title[0] != '\0')
		print_field("title", sh.view.title, &sh.view, 0);
	if (sh.view.description[0] != '\0')
		print_field("description", sh.view.description, &sh.view, 0);
	printf("  registered  %s at %s\n", q_or(mdoc, "registered.at", "?"),
	    q_or(mdoc, "registered.station", "?"));
	printf("  manifest    %s\n", bc_cli_q(it->manifest_hash));
	{
		const struct bc_keyring_entry *ke = bc_keyring_find(kr,
		    str_or(mdoc, "registered.key", ""));

		printf("  signature   %s (key %.16s... %s)\n", sig_ok ?
		    "valid" : "INVALID", bc_cli_q(it->key),
		    ke ? bc_cli_q(ke->name) : "unknown");
	}
	printf("  custody events:\n");
	for (i = 0; i < n; i++) {
		edoc = sh.docs[i];
		ev_ok = sh.ok[i];
		if (!ev_ok)
			st = 1;
		printf("    %3lld  %-20s  %-10s  %-16s  signature %s\n",
		    (long long)ev[i].seq, q_or(edoc, "at", "?"),
		    q_or(edoc, "action", "?"), q_or(edoc, "actor", "?"),
		    ev_ok ? "valid" : "INVALID");
	}
	if (json_array_size(sh.history) > 0) {
		printf("  annotations:\n");
		json_array_foreach(sh.history, i, h)
			bc_cli_print_annotation(h);
	}
	goto out;
 oom:
	st = bc_cli_fail(BC_ERR_NOMEM, NULL);
 out:
	json_decref(evs);
	shown_free(&sh, n);
	json_decref(mdoc);
	bc_events_free(ev, n);
	bc_keyring_free(kr);
	bc_item_free(it);
	return st;
}

const struct bc_cmd bc_cmd_show = {
	.name = "show",
	.usage = "ITEM",
	.summary = "Show an item's sealed manifest, its signature status and "
	    "its custody events.\n      ITEM is an id (BWC-000123) or 8+ hex "
	    "digits of the file's SHA-256.",
	.options = NULL,
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_show,
};
