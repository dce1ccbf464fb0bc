/*
 * cmd-list.c - bodycam list: items, filtered on what their manifests seal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

struct list_state {
	struct bc_ctx		*ctx;
	json_t			*arr;
	size_t			 count;
	struct bc_meta_filter	 mf;	/* on the sealed metadata */
};

static int
list_one(void *arg, const struct bc_item *it)
{
	struct list_state *ls = arg;
	struct bc_err err = { 0 };
	json_t *m = NULL, *o, *nb, *cur;
	const char *name, *mime, *officer, *kase, *reg;
	char place[PATH_MAX];
	int r;

	(void)bc_doc_parse(it->manifest, it->manifest_len, BC_MANIFEST_TYPE,
	    &m, NULL);
	if (!bc_meta_filter_match(&ls->mf, m)) {
		json_decref(m);
		return 0;
	}
	name = m ? bc_doc_str(m, "file.name") : NULL;
	mime = m ? bc_doc_str(m, "media.mime") : NULL;
	officer = m ? bc_doc_str(m, "capture.officer") : NULL;
	/* case, category and tags as they are now, annotations applied */
	if ((cur = bc_view_of(it->view, m)) == NULL) {
		json_decref(m);
		return BC_ERR_NOMEM;
	}
	kase = json_string_value(json_object_get(cur, "case"));
	reg = m ? bc_doc_str(m, "registered.at") : NULL;
	ls->count++;
	if (ls->arr != NULL) {
		/* where the file is now: the last relocate's place, if any */
		if ((r = bc_custody_place_of(ls->ctx->cat, it, place,
		    sizeof(place), &err)) != 0) {
			json_decref(m);
			json_decref(cur);
			return r;
		}
		o = json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:s?, s:s?,"
		    " s:s?, s:s?, s:O?, s:O?}", "id", it->id, "sha256",
		    it->sha256, "size", (json_int_t)it->size, "name", name,
		    "mime", mime, "officer", officer, "device",
		    m ? bc_doc_str(m, "capture.device") : NULL, "case", kase,
		    "registered", reg, "category", json_object_get(cur,
		    "category"), "tags", json_object_get(cur, "tags"));
		/* a name or path that is not UTF-8 comes with its bytes */
		nb = json_object_get(m ? json_object_get(m, "file") : NULL,
		    "name_bytes");
		if (o != NULL && ((nb != NULL && json_object_set(o,
		    "name_bytes", nb) != 0) ||
		    bc_json_set_name(o, "path", place) != 0)) {
			json_decref(o);
			o = NULL;
		}
		json_decref(m);
		json_decref(cur);
		if (o == NULL || json_array_append_new(ls->arr, o) != 0)
			return BC_ERR_NOMEM;
		return 0;
	}
	if (!ls->ctx->quiet)
		printf("%-11s  %-20s  %12lld  %-16s  %-10s  %-10s  %s\n",
		    bc_cli_q(it->id), reg ? bc_cli_q(reg) : "?",
		    (long long)it->size, mime ? bc_cli_q(mime) : "?",
		    officer ? bc_cli_q(officer) : "-",
		    kase ? bc_cli_q(kase) : "-", bc_cli_file_name(m));
	json_decref(m);
	json_decref(cur);
	return 0;
}

static int
cmd_list(struct bc_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "officer", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'd' },
		{ "case", required_argument, NULL, 'c' },
		{ "category", required_argument, NULL, 'C' },
		{ "tag", required_argument, NULL, 't' },
		{ "registered-since", required_argument, NULL, 's' },
		{ "registered-until", required_argument, NULL, 'u' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "make", required_argument, NULL, 'm' },
		{ "model", required_argument, NULL, 'M' },
		{ "near", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct bc_list_filter f;
	struct list_state ls;
	struct bc_err err = { 0 };
	char since[BC_TIME_MAX], until[BC_TIME_MAX];
	time_t t;
	int c, r;

	memset(&f, 0, sizeof(f));
	memset(&ls, 0, sizeof(ls));	/* before the options fill it */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': f.officer = optarg; break;
		case 'd': f.device = optarg; break;
		case 'c': f.case_no = optarg; break;
		case 'C': f.category = optarg; break;
		case 't': f.tag = optarg; break;
		case 'm': ls.mf.make = optarg; break;
		case 'M': ls.mf.model = optarg; break;
		case 'n':
			if (bc_meta_filter_near(optarg, &ls.mf) != 0)
				return bc_cli_usage(ctx->cmd, "--near wants "
				    "LAT,LON,KM in decimal degrees and km, not "
				    "'%s'", optarg);
			break;
		case 'S':
		case 'U':
			if (bc_time_parse(optarg, c == 'U', &t) != 0)
				return bc_cli_usage(ctx->cmd, "--%s '%s' is not "
				    "a date or RFC 3339 time", c == 'S' ?
				    "since" : "until", optarg);
			if (c == 'S') {
				ls.mf.since = t;
				ls.mf.has_since = 1;
			} else {
				ls.mf.until = t;
				ls.mf.has_until = 1;
			}
			break;
		case 's':
			if (bc_time_parse(optarg, 0, &t) != 0)
				return bc_cli_usage(ctx->cmd, "--registered-"
				    "since '%s' is not a date or RFC 3339 time",
				    optarg);
			bc_time_stamp(t, 0, since);
			f.since = since;
			break;
		case 'u':
			if (bc_time_parse(optarg, 1, &t) != 0)
				return bc_cli_usage(ctx->cmd, "--registered-"
				    "until '%s' is not a date or RFC 3339 time",
				    optarg);
			bc_time_stamp(t, 999999, until);
			f.until = until;
			break;
		default:
			return bc_cli_badopt(ctx->cmd, c, argv);
		}
	}
	if (optind != argc)
		return bc_cli_usage(ctx->cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((r = bc_cli_open_catalog(ctx)) != 0)
		return r;
	ls.ctx = ctx;
	if (ctx->json && (ls.arr = json_array()) == NULL)
		return bc_cli_fail(BC_ERR_NOMEM, NULL);
	if (!ctx->json && !ctx->quiet)
		printf("%-11s  %-20s  %12s  %-16s  %-10s  %-10s  %s\n", "ID",
		    "REGISTERED", "BYTES", "TYPE", "OFFICER", "CASE", "NAME");
	r = bc_catalog_list(ctx->cat, &f, list_one, &ls, &err);
	if (r != 0) {
		json_decref(ls.arr);
		return bc_cli_fail(r, &err);
	}
	ctx->out = ls.arr;
	return 0;
}

const struct bc_cmd bc_cmd_list = {
	.name = "list",
	.usage = "[--officer ID] [--device ID] [--case N] [--category C] "
	    "[--tag T]\n             [--make M] [--model M] "
	    "[--near LAT,LON,KM] [--since TIME] "
	    "[--until TIME]\n             [--registered-since TIME] "
	    "[--registered-until TIME]",
	.summary = "List items, filtered on their sealed manifests and, for "
	    "case, category and\n      tag, on their current view (the "
	    "annotations applied).  Officer and\n      device ids compare "
	    "without regard to the case of ASCII letters.  Times\n      are "
	    "a date (YYYY-MM-DD) or an RFC 3339 time; an --until date means "
	    "the\n      end of that day.",
	.options =
	    "  --officer ID              only items recorded by this "
	    "officer\n"
	    "  --device ID               only items from this device\n"
	    "  --case N                  only items of this case (now)\n"
	    "  --category C              only items of this category (now)\n"
	    "  --tag T                   only items tagged T (now)\n"
	    "  --make M, --model M       only items whose camera make or "
	    "model is M (any case)\n"
	    "  --near LAT,LON,KM         only items taken within KM km of "
	    "LAT,LON\n"
	    "  --since TIME              taken (capture time, else the "
	    "container's creation\n"
	    "                            time) at or after TIME\n"
	    "  --until TIME              taken at or before TIME\n"
	    "  --registered-since TIME   registered at or after TIME\n"
	    "  --registered-until TIME   registered at or before TIME\n",
	.flags = BC_CMD_READ_ONLY,
	.exec = cmd_list,
};
