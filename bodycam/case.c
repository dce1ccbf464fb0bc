/*
 * case.c - cases: the items of one case by their chains, custody events
 * recorded for a whole case, and every case (case.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/annotate.h"
#include "bodycam/buf.h"
#include "bodycam/case.h"
#include "bodycam/custody.h"
#include "bodycam/manifest.h"
#include "internal.h"

/*
 * The ids of the items of a case: by each item's chain (its manifest and
 * the annotations that obey the rules), not by the stored views, which
 * are derived.  A view edited to take an item out of the case would
 * otherwise keep a case-wide hold off it, or a release or a report
 * without it; one edited to put an item in would add one.  A view that
 * disagrees with its chain about this case stops the whole case.
 *
 * A broken chain cannot say its case, and it stays broken (the catalog
 * is append-only): stopping every case for it would stop them for good.
 * Such an item is a member when anything readable of it puts it in the
 * case (its sealed case, its stored view, or its chain up to the break),
 * and what acts on the case then refuses it, or reports it, by name.
 */
struct members {
	struct bc_catalog *cat;
	const char	*case_no;
	char		(*id)[BC_ITEM_ID_MAX];
	size_t		 n, cap;
	struct bc_err	*err;
};

/* 1 when the stored view of it (over manifest m) has case case_no. */
static int
view_has(const struct bc_item *it, const json_t *m, const char *case_no,
    int *has)
{
	json_t *stored;
	const char *sc;

	if ((stored = bc_view_of(it->view, m)) == NULL)
		return BC_ERR_NOMEM;
	sc = json_string_value(json_object_get(stored, "case"));
	*has = sc != NULL && strcmp(sc, case_no) == 0;
	json_decref(stored);
	return 0;
}

static int
member(void *arg, const struct bc_item *it)
{
	struct members *c = arg;
	struct bc_custody_state st;
	struct bc_err e = { 0 };
	struct bc_view v;
	json_t *m = NULL;
	const char *sealed;
	void *tmp;
	int r, in, sin, broken;

	/* st holds the chain up to a break (bc_custody_state_of) */
	r = bc_custody_state_of(c->cat, it, &st, &m, &e);
	if (r != 0 && r != BC_ERR_INTEGRITY) {
		*c->err = e;
		return r;
	}
	if ((broken = r != 0))
		(void)bc_doc_parse(it->manifest, it->manifest_len,
		    BC_MANIFEST_TYPE, &m, NULL);
	bc_view_current(m, &st.ann, &v);
	in = strcmp(v.case_no, c->case_no) == 0;
	sealed = m != NULL ? bc_doc_str(m, "case.number") : NULL;
	if (broken && sealed != NULL && strcmp(sealed, c->case_no) == 0)
		in = 1;
	r = view_has(it, m, c->case_no, &sin);
	json_decref(m);
	if (r != 0)
		return bc_err_set(c->err, r, "out of memory");
	if (broken)
		in = in || sin;
	else if (in != sin)
		return bc_err_set(c->err, BC_ERR_INTEGRITY, "%s: its stored "
		    "view %s case '%s' and its chain %s: run 'bodycam "
		    "audit'", it->id, sin ? "puts it in" : "keeps it out of",
		    c->case_no, in ? "does" : "does not");
	if (!in)
		return 0;
	if ((tmp = bc_grow(c->id, &c->cap, c->n + 1, sizeof(*c->id))) == NULL)
		return bc_err_set(c->err, BC_ERR_NOMEM, "out of memory");
	c->id = tmp;
	snprintf(c->id[c->n++], sizeof(c->id[0]), "%s", it->id);
	return 0;
}

int
bc_case_members(struct bc_catalog *cat, const char *case_no,
    char (**ids)[BC_ITEM_ID_MAX], size_t *n, struct bc_err *err)
{
	struct members c;
	int r;

	*ids = NULL;
	*n = 0;
	memset(&c, 0, sizeof(c));
	c.cat = cat;
	c.case_no = case_no;
	c.err = err;
	if ((r = bc_catalog_list(cat, NULL, member, &c, err)) != 0)
		goto out;
	if (c.n == 0) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no item is in case "
		    "'%s' now", case_no);
		goto out;
	}
	*ids = c.id;
	*n = c.n;
	c.id = NULL;
 out:
	free(c.id);
	return r;
}

int
bc_case_add(struct bc_catalog *cat, const struct bc_key *key,
    const char *case_no, const struct bc_custody_req *req,
    struct bc_custody_result **res, size_t *n, struct bc_err *err)
{
	char (*ids)[BC_ITEM_ID_MAX] = NULL;
	struct bc_custody_result *v = NULL;
	struct bc_err e = { 0 };
	int a = bc_action_parse(req->action);
	size_t i, nids = 0;
	int r;

	*res = NULL;
	*n = 0;
	if ((r = bc_custody_req_check(req, err)) != 0)
		return r;
	if (a != BC_ACT_ACCESS && a != BC_ACT_HOLD && a != BC_ACT_UNHOLD &&
	    a != BC_ACT_NOTE)
		return bc_err_set(err, BC_ERR_INVALID, "%s cannot be recorded "
		    "for a whole case (access, hold, unhold or note)",
		    bc_action_name(a));
	if ((r = bc_field_check("the case", case_no, BC_FIELD_MAX, err)) != 0)
		return r;
	if (!bc_key_is_private(key))
		return bc_err_set(err, BC_ERR_KEY_TYPE,
		    "a private key is needed to sign");
	if ((r = bc_catalog_begin(cat, err)) != 0)
		return r;
	/* the case's items as their chains say, under the write lock */
	if ((r = bc_case_members(cat, case_no, &ids, &nids, err)) != 0)
		goto out;
	if ((v = calloc(nids, sizeof(*v))) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nids; i++) {
		r = bc_custody_add_locked(cat, key, ids[i], req, NULL,
		    NULL, NULL, &v[i], &e);
		if (r != 0 && v[i].purged && a != BC_ACT_NOTE) {
			/* refused before writing: its media is gone */
			snprintf(v[i].item, sizeof(v[i].item), "%s", ids[i]);
			v[i].seq = -1;
			continue;
		}
		if (r != 0) {
			r = bc_err_set(err, r, "%s (case '%s': nothing recorded "
			    "for any of its %zu items)", e.msg, case_no, nids);
			goto out;
		}
	}
	if ((r = bc_catalog_commit(cat, err)) != 0)
		goto out;
	*res = v;
	*n = nids;
	v = NULL;
 out:
	bc_catalog_rollback(cat);	/* no-op after commit */
	free(v);
	free(ids);
	return r;
}

struct walk {
	struct bc_catalog *cat;
	json_t		*items;		/* bc_case_json */
	json_t		*cases;		/* bc_cases_json: case -> counts */
	int64_t		 held, purged, none;
	struct bc_err	*err;
};

/* One item, as the case lists it; its case into *kase (a copy). */
static json_t *
item_json(struct bc_catalog *cat, const struct bc_item *it, char **kase,
    int *held, int *purged)
{
	struct bc_custody_state st;
	struct bc_view v;
	struct bc_err e = { 0 };
	json_t *m = NULL, *cur, *o;
	const char *c;
	int r;

	*kase = NULL;
	*held = *purged = 0;
	r = bc_custody_state_of(cat, it, &st, &m, &e);
	if (r == BC_ERR_NOMEM)
		return NULL;
	if (m == NULL)
		(void)bc_doc_parse(it->manifest, it->manifest_len,
		    BC_MANIFEST_TYPE, &m, NULL);
	/* the view its chain gives; the stored one only for a broken chain */
	if (r == 0)
		bc_view_current(m, &st.ann, &v);
	if ((cur = r == 0 ? bc_view_json(&v) : bc_view_of(it->view, m)) ==
	    NULL) {
		json_decref(m);
		return NULL;
	}
	if ((c = json_string_value(json_object_get(cur, "case"))) != NULL &&
	    (*kase = strdup(c)) == NULL)
		goto bad;
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:O?, s:O, s:O?}",
	    "id", it->id, "sha256", it->sha256,
	    "name", m ? bc_doc_str(m, "file.name") : NULL,
	    "registered", m ? bc_doc_str(m, "registered.at") : NULL,
	    "category", json_object_get(cur, "category"),
	    "tags", json_object_get(cur, "tags"),
	    "title", json_object_get(cur, "title"));
	if (o == NULL)
		goto bad;
	if (r != 0) {
		if (json_object_set_new(o, "broken", json_string(e.msg)) != 0)
			goto bad_o;
	} else {
		*held = st.held;
		*purged = st.purged;
		if (json_object_set_new(o, "held", json_boolean(st.held)) ||
		    json_object_set_new(o, "purged", json_boolean(st.purged)) ||
		    json_object_set_new(o, "custodian",
		    json_string(st.custodian)) ||
		    json_object_set_new(o, "events",
		    json_integer((json_int_t)st.nevents)))
			goto bad_o;
	}
	json_decref(cur);
	json_decref(m);
	return o;
 bad_o:
	json_decref(o);
 bad:
	free(*kase);
	*kase = NULL;
	json_decref(cur);
	json_decref(m);
	return NULL;
}

static int
case_item(void *arg, const struct bc_item *it)
{
	struct walk *w = arg;
	json_t *o, *c;
	char *kase;
	int held, purged, r = 0;

	if ((o = item_json(w->cat, it, &kase, &held, &purged)) == NULL)
		return BC_ERR_NOMEM;
	if (w->items != NULL) {
		w->held += held;
		w->purged += purged;
		r = json_array_append_new(w->items, o) != 0 ? BC_ERR_NOMEM : 0;
		free(kase);
		return r;
	}
	json_decref(o);
	if (kase == NULL) {
		w->none++;
		return 0;
	}
	if ((c = json_object_get(w->cases, kase)) == NULL) {
		if ((c = json_pack("{s:s, s:I, s:I, s:I}", "case", kase,
		    "items", (json_int_t)0, "held", (json_int_t)0, "purged",
		    (json_int_t)0)) == NULL ||
		    json_object_set_new(w->cases, kase, c) != 0)
			r = BC_ERR_NOMEM;
	}
	if (r == 0)
		r = json_object_set_new(c, "items", json_integer(
		    json_integer_value(json_object_get(c, "items")) + 1)) ||
		    json_object_set_new(c, "held", json_integer(
		    json_integer_value(json_object_get(c, "held")) + held)) ||
		    json_object_set_new(c, "purged", json_integer(
		    json_integer_value(json_object_get(c, "purged")) +
		    purged)) ? BC_ERR_NOMEM : 0;
	free(kase);
	return r;
}

int
bc_case_json(struct bc_catalog *cat, const char *case_no, json_t **out,
    struct bc_err *err)
{
	char (*ids)[BC_ITEM_ID_MAX] = NULL;
	struct bc_item *it;
	struct walk w;
	size_t i, n = 0;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.cat = cat;
	if ((r = bc_case_members(cat, case_no, &ids, &n, err)) != 0)
		return r;
	if ((w.items = json_array()) == NULL) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = bc_catalog_find_item(cat, ids[i], &it, err)) != 0)
			goto out;
		r = case_item(&w, it);
		bc_item_free(it);
		if (r != 0) {
			bc_err_set(err, r, "out of memory");
			goto out;
		}
	}
	if ((*out = json_pack("{s:s, s:O, s:I, s:I}", "case", case_no,
	    "items", w.items, "held", (json_int_t)w.held, "purged",
	    (json_int_t)w.purged)) == NULL)
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
 out:
	json_decref(w.items);
	free(ids);
	return r;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
bc_cases_json(struct bc_catalog *cat, json_t **out, int64_t *none,
    struct bc_err *err)
{
	struct walk w;
	const char **keys = NULL, *k;
	json_t *v;
	size_t i = 0, n;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.cat = cat;
	if ((w.cases = json_object()) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	if ((r = bc_catalog_list(cat, NULL, case_item, &w, err)) != 0) {
		if (r == BC_ERR_NOMEM)
			bc_err_set(err, r, "out of memory");
		goto out;
	}
	n = json_object_size(w.cases);
	if ((*out = json_array()) == NULL ||
	    (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)) {
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_object_foreach(w.cases, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append(*out, json_object_get(w.cases,
		    keys[i])) != 0) {
			r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
			goto out;
		}
	if (none != NULL)
		*none = w.none;
 out:
	if (r != 0) {
		json_decref(*out);
		*out = NULL;
	}
	free(keys);
	json_decref(w.cases);
	return r;
}
