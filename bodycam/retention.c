/*
 * retention.c - what is due under the retention policy, and its purge
 * (retention.h).  The list reads the derived rows; the purge judges each
 * item again from its verified record before bc_purge destroys anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/buf.h"
#include "bodycam/purge.h"
#include "bodycam/retention.h"
#include "bodycam/util.h"
#include "bodycam/verify.h"
#include "internal.h"

#define DAY	86400

static const char *const state_names[] = {
	[BC_RET_KEPT] = "kept",
	[BC_RET_DUE] = "due",
	[BC_RET_HELD] = "held",
	[BC_RET_INDEFINITE] = "indefinite",
	[BC_RET_UNSCHEDULED] = "unscheduled",
	[BC_RET_UNFINISHED] = "unfinished",
	[BC_RET_PURGED] = "purged"
};

const char *
bc_retention_state_name(int state)
{
	if (state < 0 || state > BC_RET_PURGED)
		return "?";
	return state_names[state];
}

static int
media_gone(const char *media)
{
	return strcmp(media, "destroyed") == 0 || strcmp(media, "absent") == 0;
}

void
bc_retention_judge(const struct bc_policy *p, const struct bc_status *s,
    time_t now, struct bc_retention_item *out)
{
	const struct bc_policy_period *pp;
	time_t start, due;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", s->id);
	snprintf(out->case_no, sizeof(out->case_no), "%s", s->case_no);
	snprintf(out->category, sizeof(out->category), "%s", s->category);
	snprintf(out->start, sizeof(out->start), "%s", s->start);
	out->start_from = strcmp(s->start_from, "capture") == 0 ? "capture" :
	    "registered";
	out->days = -2;
	out->grace_days = p->grace_days;
	if (s->purged) {
		out->state = media_gone(s->media) ? BC_RET_PURGED :
		    BC_RET_UNFINISHED;
		return;
	}
	if ((pp = bc_policy_period(p, out->category)) == NULL) {
		out->state = BC_RET_UNSCHEDULED;
		return;
	}
	out->days = pp->days;
	if (pp->days == BC_RETAIN_INDEFINITE) {
		out->state = BC_RET_INDEFINITE;
		return;
	}
	/* a start that does not parse (a row edited by hand): not due */
	if (bc_time_parse(s->start, 0, &start) != 0) {
		out->state = BC_RET_KEPT;
		return;
	}
	due = start + (time_t)(pp->days + p->grace_days) * DAY;
	bc_time_format(due, out->due);
	if (due > now)
		out->state = BC_RET_KEPT;
	else
		out->state = s->held ? BC_RET_HELD : BC_RET_DUE;
}


struct due {
	const struct bc_policy		*p;
	time_t				 now;
	int				 all;
	struct bc_retention_item	*v;
	size_t				 n, cap;
	struct bc_retention_summary	*sum;
	struct bc_err			*err;
};

static int
due_one(void *arg, const struct bc_status *row)
{
	struct due *d = arg;
	struct bc_retention_item it;
	void *tmp;

	bc_retention_judge(d->p, row, d->now, &it);
	d->sum->items++;
	d->sum->counts[it.state]++;
	if (!d->all && it.state != BC_RET_DUE && it.state != BC_RET_HELD &&
	    it.state != BC_RET_UNFINISHED)
		return 0;
	if ((tmp = bc_grow(d->v, &d->cap, d->n + 1, sizeof(*d->v))) == NULL)
		return bc_err_set(d->err, BC_ERR_NOMEM, "out of memory");
	d->v = tmp;
	d->v[d->n++] = it;
	return 0;
}

int
bc_retention_due(struct bc_catalog *cat, const struct bc_policy *p,
    time_t now, int all, struct bc_retention_item **out, size_t *n,
    struct bc_retention_summary *sum, struct bc_err *err)
{
	struct due d;
	int r;

	memset(sum, 0, sizeof(*sum));
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.now = now;
	d.all = all;
	d.sum = sum;
	d.err = err;
	/* every item, so that the counts are whole */
	if ((r = bc_catalog_retention_scan(cat, 0, due_one, &d, err)) != 0) {
		free(d.v);
		d.v = NULL;
		d.n = 0;
	}
	*out = d.v;
	*n = d.n;
	return r;
}

json_t *
bc_retention_json(const struct bc_policy *p, const char *at,
    const struct bc_retention_item *items, size_t n,
    const struct bc_retention_summary *sum)
{
	json_t *doc, *arr, *counts, *o;
	size_t i;
	int s;

	if ((arr = json_array()) == NULL || (counts = json_object()) == NULL) {
		json_decref(arr);
		return NULL;
	}
	for (s = 0; s <= BC_RET_PURGED; s++)
		if (json_object_set_new(counts, bc_retention_state_name(s),
		    json_integer(sum->counts[s])) != 0)
			goto fail;
	for (i = 0; i < n; i++) {
		const struct bc_retention_item *it = &items[i];

		o = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:o, s:I, "
		    "s:s?}", "id", it->id, "state",
		    bc_retention_state_name(it->state), "case",
		    it->case_no[0] ? it->case_no : NULL, "category",
		    it->category[0] ? it->category : NULL, "start", it->start,
		    "start_from", it->start_from, "days", it->days >= 0 ?
		    json_integer(it->days) : it->days == BC_RETAIN_INDEFINITE ?
		    json_string("indefinite") : json_null(), "grace_days",
		    (json_int_t)it->grace_days, "due", it->due[0] ? it->due :
		    NULL);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto fail;
	}
	doc = json_pack("{s:{s:I, s:s}, s:s, s:I, s:o, s:o}", "policy", "seq",
	    (json_int_t)p->seq, "hash", p->hash, "at", at, "items",
	    (json_int_t)sum->items, "counts", counts, "due", arr);
	return doc;
 fail:
	json_decref(arr);
	json_decref(counts);
	return NULL;
}

/*
 * The log holds a leaf for each record and a record for each leaf: a
 * newer policy deleted from the catalog would otherwise leave an older
 * one in force.  (A rollback of the log's tail with it is caught against
 * a checkpoint kept elsewhere: bodycam audit --against.)
 */
static int
log_whole(struct bc_catalog *cat, struct bc_err *err)
{
	uint64_t size;
	int64_t records;
	int r;

	if ((r = bc_catalog_log_size(cat, &size, err)) != 0 ||
	    (r = bc_catalog_log_records(cat, &records, err)) != 0)
		return r;
	if ((uint64_t)records != size)
		return bc_err_set(err, BC_ERR_INTEGRITY, "the log has %llu "
		    "leaves but %lld records hold one: a record was deleted "
		    "or a leaf added; no retention purge until 'bodycam "
		    "audit' is clean", (unsigned long long)size,
		    (long long)records);
	return 0;
}

/*
 * Judges item id again from its own record: verified whole (signatures,
 * links, rules, authority; not the file), its category from the chain,
 * its start from the sealed manifest.  0 with *it filled, or an error
 * (BC_ERR_INTEGRITY: the record does not verify).
 */
static int
judge_verified(struct bc_catalog *cat, const struct bc_policy *p,
    const char *id, time_t now, struct bc_retention_item *out,
    struct bc_err *err)
{
	struct bc_verify_opts vo;
	struct bc_verify_report rep;
	struct bc_item *it = NULL;
	struct bc_status s;
	json_t *m = NULL;
	size_t i;
	int r;

	memset(&vo, 0, sizeof(vo));
	memset(&rep, 0, sizeof(rep));
	vo.no_file = 1;
	rep.failures_only = 1;
	if ((r = bc_catalog_find_item(cat, id, &it, err)) != 0 ||
	    (r = bc_verify_item(cat, it, &vo, &rep, err)) != 0)
		goto out;
	if (rep.status != 0) {
		for (i = 0; i < rep.nchecks && rep.checks[i].ok; i++)
			;
		r = bc_err_set(err, BC_ERR_INTEGRITY, "its record does not "
		    "verify (%s): run 'bodycam verify %s'", i < rep.nchecks ?
		    rep.checks[i].name : "?", id);
		goto out;
	}
	if ((r = bc_doc_parse(it->manifest, it->manifest_len,
	    BC_MANIFEST_TYPE, &m, err)) != 0)
		goto out;
	bc_status_make(it->num, it->manifest_hash, it->id, m, &rep.state.ann,
	    rep.state.nevents - 1, rep.state.held, rep.state.purged,
	    rep.state.media, &s);
	bc_retention_judge(p, &s, now, out);
 out:
	json_decref(m);
	bc_verify_report_clear(&rep);
	bc_item_free(it);
	return r;
}

/* One item of a retention purge; o->status says how it went. */
static void
purge_one(struct bc_catalog *cat, const struct bc_key *key,
    const struct bc_policy *p, const char *actor, const char *id,
    time_t now, int dry_run, struct bc_retention_outcome *o)
{
	struct bc_retention_item it;
	struct bc_custody_req req;
	struct bc_purge_result res;
	struct bc_err e = { 0 };
	char reason[BC_FIELD_MAX + 1];

	memset(o, 0, sizeof(*o));
	o->purge_seq = o->note_seq = -1;
	snprintf(o->id, sizeof(o->id), "%s", id);
	if ((o->status = judge_verified(cat, p, id, now, &it, &e)) != 0) {
		snprintf(o->msg, sizeof(o->msg), "%s", e.msg);
		return;
	}
	if (it.state != BC_RET_DUE && it.state != BC_RET_UNFINISHED) {
		o->skipped = 1;
		snprintf(o->msg, sizeof(o->msg), "its chain says %s, not due "
		    "(its stored status says otherwise: run 'bodycam "
		    "audit'); nothing done", bc_retention_state_name(it.state));
		return;
	}
	if (dry_run) {
		snprintf(o->msg, sizeof(o->msg), it.state == BC_RET_DUE ?
		    "would purge (due %s)" : "would finish its purge", it.due);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.action = "purge";
	req.actor = actor;
	snprintf(reason, sizeof(reason), "retention policy %lld (%.16s...): "
	    "due %.10s, %lld days + %lld grace from %s %.10s", (long long)p->seq,
	    p->hash, it.due, (long long)it.days, (long long)it.grace_days,
	    it.start_from, it.start);
	req.reason = reason;
	o->status = bc_purge(cat, key, id, &req, &res, &e);
	o->purge_seq = res.purge.seq;
	o->note_seq = res.note.seq;
	o->fate = res.fate;
	if (o->status != 0)
		snprintf(o->msg, sizeof(o->msg), "%s", e.msg);
}

struct ids {
	char	(*id)[BC_ITEM_ID_MAX];
	size_t	 n, cap;
	struct bc_err *err;
};

static int
candidate(void *arg, const struct bc_status *row)
{
	struct ids *c = arg;
	void *tmp;

	(void)row;
	if ((tmp = bc_grow(c->id, &c->cap, c->n + 1, sizeof(*c->id))) == NULL)
		return bc_err_set(c->err, BC_ERR_NOMEM, "out of memory");
	c->id = tmp;
	snprintf(c->id[c->n++], sizeof(c->id[0]), "%s", row->id);
	return 0;
}

struct pick {
	const struct bc_policy	*p;
	time_t			 now;
	struct ids		 ids;
};

static int
pick_due(void *arg, const struct bc_status *row)
{
	struct pick *k = arg;
	struct bc_retention_item it;

	bc_retention_judge(k->p, row, k->now, &it);
	if (it.state != BC_RET_DUE && it.state != BC_RET_UNFINISHED)
		return 0;
	return candidate(&k->ids, row);
}

int
bc_retention_purge(struct bc_catalog *cat, const struct bc_key *key,
    const char *actor, time_t now, int dry_run,
    void (*progress)(void *arg, const struct bc_retention_outcome *o),
    void *arg, struct bc_retention_outcome **out, size_t *n,
    struct bc_err *err)
{
	struct bc_policy p;
	struct pick k;
	struct bc_retention_outcome *v = NULL;
	size_t i;
	int r, first = 0;

	*out = NULL;
	*n = 0;
	memset(&k, 0, sizeof(k));
	if (bc_field_check("actor", actor, BC_FIELD_MAX, err) != 0)
		return BC_ERR_INVALID;
	if (actor == NULL)
		return bc_err_set(err, BC_ERR_INVALID, "a purge names its "
		    "actor");
	if ((r = bc_policy_current(cat, &p, err)) != 0)
		return r;
	if ((r = log_whole(cat, err)) != 0)
		goto out;
	if (!dry_run && (r = bc_signer_allowed(cat, key,
	    bc_event_role("purge"), "purge", err)) != 0)
		goto out;
	k.p = &p;
	k.now = now;
	k.ids.err = err;
	if ((r = bc_catalog_retention_scan(cat, 1, pick_due, &k, err)) != 0)
		goto out;
	if (k.ids.n > 0 && (v = calloc(k.ids.n, sizeof(*v))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < k.ids.n; i++) {
		purge_one(cat, key, &p, actor, k.ids.id[i], now, dry_run, &v[i]);
		if (progress != NULL)
			progress(arg, &v[i]);
		if (v[i].status != 0 && first == 0) {
			first = v[i].status;
			bc_err_set(err, first, "%s: %s", v[i].id, v[i].msg);
		}
	}
	*out = v;
	*n = k.ids.n;
	v = NULL;
	r = first;
 out:
	free(v);
	free(k.ids.id);
	bc_policy_free(&p);
	return r;
}
