/*
 * case.c - cases: the items of one case, and every case (case.h).
 */
#include <stdlib.h>
#include <string.h>

#include "bodycam/annotate.h"
#include "bodycam/case.h"
#include "bodycam/custody.h"
#include "bodycam/manifest.h"

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
	struct bc_err e = { "" };
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
	if ((cur = bc_view_of(it->view, m)) == NULL) {
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
	struct bc_list_filter f;
	struct walk w;
	int r;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.cat = cat;
	if ((w.items = json_array()) == NULL)
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	memset(&f, 0, sizeof(f));
	f.case_no = case_no;
	if ((r = bc_catalog_list(cat, &f, case_item, &w, err)) != 0) {
		if (r == BC_ERR_NOMEM)
			bc_err_set(err, r, "out of memory");
		goto out;
	}
	if (json_array_size(w.items) == 0) {
		r = bc_err_set(err, BC_ERR_NOT_FOUND, "no item is in case "
		    "'%s'", case_no);
		goto out;
	}
	if ((*out = json_pack("{s:s, s:O, s:I, s:I}", "case", case_no,
	    "items", w.items, "held", (json_int_t)w.held, "purged",
	    (json_int_t)w.purged)) == NULL)
		r = bc_err_set(err, BC_ERR_NOMEM, "out of memory");
 out:
	json_decref(w.items);
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
