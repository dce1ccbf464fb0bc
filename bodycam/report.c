/*
 * report.c - the gathering half of a custody report (report.h): verify
 * each item again and say, per event, what that found; and an item's
 * annotations and current view, which 'show' gives too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/custody.h"
#include "bodycam/keys.h"
#include "bodycam/manifest.h"
#include "bodycam/report.h"

#define REPORT_TEXT_MAX	(1 << 20)	/* bytes of one result text */

static const char *
dstr(const json_t *doc, const char *path)
{
	const char *s = doc != NULL ? bc_doc_str(doc, path) : NULL;

	return s != NULL ? s : "";
}

/* Whether the event checks that make an event "verified" all passed. */
static int
event_verified(const struct bc_verify_report *rep, int64_t seq)
{
	static const enum bc_check_id need[] = { BC_CHECK_EVENT_HASH,
	    BC_CHECK_EVENT_LINK, BC_CHECK_EVENT_SIGNATURE };
	size_t i, j;
	int found;

	for (j = 0; j < sizeof(need) / sizeof(need[0]); j++) {
		found = 0;
		for (i = 0; i < rep->nchecks; i++) {
			if (rep->checks[i].seq != seq ||
			    rep->checks[i].id != need[j])
				continue;
			if (!rep->checks[i].ok)
				return 0;
			found = 1;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * "OK", "OK (purged)" or "FAILED (check, check seq N)", as verify says:
 * every failing check, never cut.  Returns 0 or BC_ERR_NOMEM.
 */
static int
result_text(struct bc_report_item *ri)
{
	const struct bc_verify_report *rep = &ri->rep;
	struct bc_buf *b = &ri->result;
	size_t i;
	int shown = 0;

	ri->ok = rep->status == 0;
	if (ri->ok)
		return bc_buf_addstr(b, rep->state.purged ? "OK (purged)" :
		    "OK");
	bc_buf_addstr(b, "FAILED (");
	for (i = 0; i < rep->nchecks; i++) {
		if (rep->checks[i].ok)
			continue;
		if (rep->checks[i].seq >= 0)
			bc_buf_printf(b, "%s%s seq %lld", shown++ ? ", " : "",
			    rep->checks[i].name, (long long)rep->checks[i].seq);
		else
			bc_buf_printf(b, "%s%s", shown++ ? ", " : "",
			    rep->checks[i].name);
	}
	if (!shown)
		bc_buf_addstr(b, bc_strerror(rep->status));
	return bc_buf_addch(b, ')');
}

/* The role that may register: for a derived item, also a custodian. */
static int
register_role(const json_t *mdoc)
{
	return mdoc != NULL && json_object_get(mdoc, "derived") != NULL ?
	    BC_ROLE_INGEST | BC_ROLE_CUSTODIAN : BC_ROLE_INGEST;
}

/* Whether an event's signature is valid by a key that was authorised. */
static int
event_signed(const struct bc_keyring *kr, const struct bc_event *ev,
    const json_t *edoc, const json_t *mdoc)
{
	int role;

	if (edoc == NULL)
		return 0;
	role = bc_event_role(bc_doc_str(edoc, "action"));
	if (role == BC_ROLE_INGEST)
		role = register_role(mdoc);
	return bc_keyring_check_sig(kr, bc_doc_str(edoc, "key"), role,
	    ev->leaf, ev->body, ev->body_len, ev->sig, ev->siglen, NULL) == 0;
}

static const char *
str_or_null(const json_t *doc, const char *path)
{
	return doc != NULL ? bc_doc_str(doc, path) : NULL;
}

int
bc_report_annotations(const struct bc_keyring *kr, const struct bc_item *it,
    const json_t *mdoc, const struct bc_event *ev, json_t *const *docs,
    size_t n, int *ok, struct bc_view *view, json_t **history)
{
	struct bc_custody_state cs;
	const json_t *d;
	json_t *hist = NULL, *h;
	size_t i;
	int sig, r = BC_ERR_NOMEM;

	*history = NULL;
	memset(&cs, 0, sizeof(cs));
	if ((hist = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		sig = event_signed(kr, &ev[i], docs[i], mdoc);
		if (ok != NULL)
			ok[i] = sig;
		if (!sig || bc_custody_rule(&cs, docs[i], it->sha256,
		    NULL) != 0 || bc_action_parse(bc_doc_str(docs[i],
		    "action")) != BC_ACT_ANNOTATE)
			continue;
		d = json_object_get(docs[i], "details");
		if ((h = json_pack("{s:I, s:s?, s:s?, s:s?, s:O*, s:O*}",
		    "seq", (json_int_t)ev[i].seq,
		    "at", str_or_null(docs[i], "at"),
		    "actor", str_or_null(docs[i], "actor"),
		    "reason", str_or_null(d, "reason"),
		    "set", json_object_get(d, "set"),
		    "clear", json_object_get(d, "clear"))) == NULL ||
		    json_array_append_new(hist, h) != 0)
			goto out;
	}
	bc_view_current(mdoc, &cs.ann, view);
	*history = hist;
	hist = NULL;
	r = 0;
 out:
	json_decref(hist);
	return r;
}

/*
 * Verifies one item (its file too, unless purged) and reads its events
 * with what the verification said of each.
 */
int
bc_report_gather_item(struct bc_catalog *cat, const struct bc_keyring *kr,
    struct bc_report_item *ri, struct bc_err *err)
{
	struct bc_verify_opts vo;
	json_t **docs = NULL;
	const char *key;
	size_t i, j;
	int r;

	memset(&vo, 0, sizeof(vo));
	if ((r = bc_verify_item(cat, ri->it, &vo, &ri->rep, err)) != 0)
		return r;
	if ((r = bc_catalog_events(cat, ri->it->manifest_hash, &ri->ev,
	    &ri->n, err)) != 0)
		return r;
	if (bc_doc_parse(ri->it->manifest, ri->it->manifest_len,
	    BC_MANIFEST_TYPE, &ri->mdoc, NULL) != 0)
		ri->mdoc = NULL;
	bc_buf_init(&ri->result, REPORT_TEXT_MAX);
	if (ri->n > 0 && (ri->l = calloc(ri->n, sizeof(*ri->l))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	for (i = 0; i < ri->n; i++) {
		ri->l[i].ev = &ri->ev[i];
		bc_buf_init(&ri->l[i].failed, REPORT_TEXT_MAX);
		if (bc_doc_parse(ri->ev[i].body, ri->ev[i].body_len,
		    BC_EVENT_TYPE, &ri->l[i].doc, NULL) != 0)
			ri->l[i].doc = NULL;
		key = ri->l[i].doc != NULL ? dstr(ri->l[i].doc, "key") :
		    ri->ev[i].key;
		ri->l[i].signer = bc_keyring_find(kr, key);
		ri->l[i].verified = event_verified(&ri->rep, ri->ev[i].seq);
		for (j = 0; j < ri->rep.nchecks; j++)
			if (ri->rep.checks[j].seq == ri->ev[i].seq &&
			    !ri->rep.checks[j].ok &&
			    bc_buf_printf(&ri->l[i].failed, "%s%s",
			    ri->l[i].failed.len > 0 ? ", " : "",
			    ri->rep.checks[j].name) != 0)
				return bc_err_set(err, BC_ERR_NOMEM,
				    "out of memory");
	}
	if (result_text(ri) != 0)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((docs = calloc(ri->n + 1, sizeof(*docs))) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	for (i = 0; i < ri->n; i++)
		docs[i] = ri->l[i].doc;
	r = bc_report_annotations(kr, ri->it, ri->mdoc, ri->ev, docs, ri->n,
	    NULL, &ri->view, &ri->history);
	free(docs);
	if (r != 0)
		return bc_err_set(err, r, "out of memory");
	return 0;
}

/*
 * The catalog-wide part: the keyring (signer names), the log's origin and
 * size, and its newest checkpoint, checked.
 */
int
bc_report_gather_log(struct bc_catalog *cat, struct bc_report *rp,
    struct bc_err *err)
{
	struct bc_err e = { 0 };
	int r;

	/* a broken keyring still names the keys it proved */
	r = bc_keyring_load(cat, &rp->kr, err);
	if (r != 0 && (r != BC_ERR_INTEGRITY || rp->kr == NULL))
		return r;
	if ((r = bc_catalog_origin(cat, rp->origin, err)) != 0 ||
	    (r = bc_catalog_log_size(cat, &rp->log_size, err)) != 0)
		return r;
	rp->cp_status = bc_tlog_latest(cat, rp->kr, &rp->cp, &rp->sc,
	    &rp->cp_err);
	if (rp->cp_status != 0 && rp->cp_status != BC_ERR_NOT_FOUND &&
	    rp->cp_status != BC_ERR_INTEGRITY)
		return bc_err_set(err, rp->cp_status, "%s", rp->cp_err.msg);
	if (rp->cp_status != 0)
		return 0;
	r = bc_tlog_holds(cat, rp->cp.size, rp->cp.root, &e);
	rp->cp_root_ok = r == 0;
	if (r != 0 && r != BC_ERR_INTEGRITY)
		return bc_err_set(err, r, "%s", e.msg);
	return 0;
}

void
bc_report_clear(struct bc_report *rp)
{
	size_t i, j;

	for (i = 0; rp->items != NULL && i < rp->nitems; i++) {
		for (j = 0; rp->items[i].l != NULL && j < rp->items[i].n;
		    j++) {
			json_decref(rp->items[i].l[j].doc);
			bc_buf_free(&rp->items[i].l[j].failed);
		}
		bc_buf_free(&rp->items[i].result);
		free(rp->items[i].l);
		bc_events_free(rp->items[i].ev, rp->items[i].n);
		bc_verify_report_clear(&rp->items[i].rep);
		json_decref(rp->items[i].mdoc);
		json_decref(rp->items[i].history);
		bc_item_free(rp->items[i].it);
	}
	free(rp->items);
	free(rp->cp.note);
	bc_keyring_free(rp->kr);
}
