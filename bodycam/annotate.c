/*
 * annotate.c - annotations and the current view of an item (annotate.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bodycam/annotate.h"
#include "bodycam/manifest.h"

/* The text fields, their caps and where they live in a view. */
static const struct field {
	const char	*name;
	unsigned	 bit;
	size_t		 max;
	size_t		 off;
} fields[] = {
	{ "case", BC_VIEW_CASE, BC_FIELD_MAX,
	    offsetof(struct bc_view, case_no) },
	{ "category", BC_VIEW_CATEGORY, BC_FIELD_MAX,
	    offsetof(struct bc_view, category) },
	{ "title", BC_VIEW_TITLE, BC_TITLE_MAX,
	    offsetof(struct bc_view, title) },
	{ "description", BC_VIEW_DESCRIPTION, BC_DESCRIPTION_MAX,
	    offsetof(struct bc_view, description) },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static const struct field *
text_field(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

unsigned
bc_view_field(const char *name)
{
	const struct field *f;

	if (name == NULL)
		return 0;
	if (strcmp(name, "tags") == 0)
		return BC_VIEW_TAGS;
	return (f = text_field(name)) != NULL ? f->bit : 0;
}

static int
tags_check(const json_t *tags, struct bc_err *err)
{
	const json_t *t, *u;
	size_t i, j;
	int r;

	if (!json_is_array(tags))
		return bc_err_set(err, BC_ERR_INVALID,
		    "annotation: tags is not a list");
	if (json_array_size(tags) > BC_TAGS_MAX)
		return bc_err_set(err, BC_ERR_INVALID, "annotation: %zu tags; "
		    "at most %d are allowed", json_array_size(tags),
		    BC_TAGS_MAX);
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t))
			return bc_err_set(err, BC_ERR_INVALID,
			    "annotation: a tag is not a string");
		if ((r = bc_field_check("a tag", json_string_value(t),
		    BC_TAG_MAX, err)) != 0)
			return r;
		for (j = 0; j < i; j++) {
			u = json_array_get(tags, j);
			if (strcmp(json_string_value(t),
			    json_string_value(u)) == 0)
				return bc_err_set(err, BC_ERR_INVALID,
				    "annotation: tag '%s' is given twice",
				    json_string_value(t));
		}
	}
	return 0;
}

int
bc_annotation_check(const json_t *details, struct bc_err *err)
{
	const json_t *set = json_object_get(details, "set");
	const json_t *clear = json_object_get(details, "clear");
	const struct field *f;
	const char *k;
	unsigned seen = 0, bit;
	json_t *v;
	size_t i;
	int r;

	if (set != NULL && !json_is_object(set))
		return bc_err_set(err, BC_ERR_INVALID,
		    "annotation: 'set' is not an object");
	if (clear != NULL && !json_is_array(clear))
		return bc_err_set(err, BC_ERR_INVALID,
		    "annotation: 'clear' is not a list");
	if (json_object_size(set) + json_array_size(clear) == 0)
		return bc_err_set(err, BC_ERR_INVALID,
		    "annotation changes nothing");
	json_object_foreach((json_t *)set, k, v) {
		if ((bit = bc_view_field(k)) == 0)
			return bc_err_set(err, BC_ERR_INVALID, "annotation "
			    "sets an unknown field '%.32s' (case, category, "
			    "tags, title, description)", k);
		seen |= bit;
		if (bit == BC_VIEW_TAGS) {
			if ((r = tags_check(v, err)) != 0)
				return r;
			continue;
		}
		f = text_field(k);
		if (!json_is_string(v))
			return bc_err_set(err, BC_ERR_INVALID,
			    "annotation: %s is not a string", k);
		if ((r = bc_field_check(f->name, json_string_value(v), f->max,
		    err)) != 0)
			return r;
	}
	json_array_foreach(clear, i, v) {
		if ((bit = bc_view_field(json_string_value(v))) == 0)
			return bc_err_set(err, BC_ERR_INVALID, "annotation "
			    "clears an unknown field '%.32s'",
			    json_is_string(v) ? json_string_value(v) : "?");
		if (seen & bit)
			return bc_err_set(err, BC_ERR_INVALID, "annotation "
			    "sets or clears %s twice", json_string_value(v));
		seen |= bit;
	}
	return 0;
}

static void
set_tags(struct bc_view *v, const json_t *tags)
{
	const json_t *t;
	size_t i;

	v->ntags = 0;
	json_array_foreach(tags, i, t) {
		if (v->ntags == BC_TAGS_MAX || !json_is_string(t))
			break;
		snprintf(v->tags[v->ntags++], sizeof(v->tags[0]), "%s",
		    json_string_value(t));
	}
}

void
bc_view_apply(struct bc_view *v, const json_t *details)
{
	const json_t *set = json_object_get(details, "set");
	const json_t *clear = json_object_get(details, "clear");
	const struct field *f;
	const char *k;
	json_t *x;
	size_t i;

	json_object_foreach((json_t *)set, k, x) {
		if (strcmp(k, "tags") == 0) {
			set_tags(v, x);
			v->changed |= BC_VIEW_TAGS;
		} else if ((f = text_field(k)) != NULL) {
			snprintf((char *)v + f->off, f->max + 1, "%s",
			    json_string_value(x) ? json_string_value(x) : "");
			v->changed |= f->bit;
		}
	}
	json_array_foreach(clear, i, x) {
		k = json_string_value(x);
		if (k != NULL && strcmp(k, "tags") == 0) {
			v->ntags = 0;
			v->changed |= BC_VIEW_TAGS;
		} else if (k != NULL && (f = text_field(k)) != NULL) {
			((char *)v + f->off)[0] = '\0';
			v->changed |= f->bit;
		}
	}
	v->annotations++;
}

void
bc_view_current(const json_t *manifest, const struct bc_view *ann,
    struct bc_view *out)
{
	const char *s;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((s = bc_doc_str(manifest, "case.number")) != NULL)
		snprintf(out->case_no, sizeof(out->case_no), "%s", s);
	if ((s = bc_doc_str(manifest, "case.category")) != NULL)
		snprintf(out->category, sizeof(out->category), "%s", s);
	set_tags(out, json_object_get(manifest, "tags"));
	if (ann == NULL)
		return;
	for (i = 0; i < NFIELDS; i++)
		if (ann->changed & fields[i].bit)
			snprintf((char *)out + fields[i].off,
			    fields[i].max + 1, "%s",
			    (const char *)ann + fields[i].off);
	if (ann->changed & BC_VIEW_TAGS) {
		memcpy(out->tags, ann->tags, sizeof(out->tags));
		out->ntags = ann->ntags;
	}
	out->changed = ann->changed;
	out->annotations = ann->annotations;
}

void
bc_status_make(int64_t num, const char *item, const char *id,
    const json_t *manifest, const struct bc_view *ann, int64_t seq,
    int held, int purged, const char *media, struct bc_status *out)
{
	struct bc_view v;

	memset(out, 0, sizeof(*out));
	out->num = num;
	snprintf(out->item, sizeof(out->item), "%s", item);
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->seq = seq;
	bc_status_start(bc_doc_str(manifest, "capture.taken"),
	    bc_doc_str(manifest, "registered.at"), out);
	bc_view_current(manifest, ann, &v);
	snprintf(out->category, sizeof(out->category), "%s", v.category);
	snprintf(out->case_no, sizeof(out->case_no), "%s", v.case_no);
	out->held = held;
	out->purged = purged;
	snprintf(out->media, sizeof(out->media), "%s", media ? media : "");
}

json_t *
bc_view_json(const struct bc_view *v)
{
	json_t *o, *tags;
	const char *s;
	size_t i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < NFIELDS; i++) {
		s = (const char *)v + fields[i].off;
		if (json_object_set_new(o, fields[i].name, s[0] != '\0' ?
		    json_string(s) : json_null()) != 0)
			goto bad;
	}
	if ((tags = json_array()) == NULL ||
	    json_object_set_new(o, "tags", tags) != 0 ||
	    json_object_set_new(o, "annotations",
	    json_integer((json_int_t)v->annotations)) != 0)
		goto bad;
	for (i = 0; i < v->ntags; i++)
		if (json_array_append_new(tags, json_string(v->tags[i])) != 0)
			goto bad;
	return o;
 bad:
	json_decref(o);
	return NULL;
}

json_t *
bc_view_of(const char *view, const json_t *manifest)
{
	struct bc_view v;
	json_t *o;

	if (view != NULL) {
		if ((o = json_loads(view, JSON_REJECT_DUPLICATES, NULL)) !=
		    NULL && !json_is_object(o)) {
			json_decref(o);
			o = NULL;
		}
		return o;
	}
	bc_view_current(manifest, NULL, &v);
	return bc_view_json(&v);
}
