/*
 * annotate.h - annotations: what an 'annotate' custody event sets or
 * clears of an item after registration (its case, category, tags, title
 * and description), the rule its details obey, and the item's current
 * view: the sealed manifest's values with the annotations applied in
 * chain order.  The manifest itself never changes.
 *
 * An annotate event's details carry "set", an object of the fields given
 * a new value, and "clear", an array of the fields removed; at least one
 * change, no field in both, tags as the whole new list.
 */
#ifndef BODYCAM_ANNOTATE_H
#define BODYCAM_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/error.h"
#include "bodycam/manifest.h"

#define BC_TITLE_MAX		256	/* bytes of a title */
#define BC_DESCRIPTION_MAX	2048	/* bytes of a description */

/* The fields an annotation may change, as bits of bc_view.changed. */
enum bc_view_field {
	BC_VIEW_CASE		= 1 << 0,	/* "case" */
	BC_VIEW_CATEGORY	= 1 << 1,	/* "category" */
	BC_VIEW_TAGS		= 1 << 2,	/* "tags" */
	BC_VIEW_TITLE		= 1 << 3,	/* "title" */
	BC_VIEW_DESCRIPTION	= 1 << 4	/* "description" */
};

/* The bit of the field named name ("case", ...), or 0. */
unsigned bc_view_field(const char *name);

/*
 * An item's annotatable fields.  In bc_custody_state it holds what the
 * annotations changed (the fields in changed; "" or no tags: cleared);
 * bc_view_current merges that over the manifest.
 */
struct bc_view {
	char		case_no[BC_FIELD_MAX + 1];	/* "" for none */
	char		category[BC_FIELD_MAX + 1];
	char		title[BC_TITLE_MAX + 1];
	char		description[BC_DESCRIPTION_MAX + 1];
	char		tags[BC_TAGS_MAX][BC_TAG_MAX + 1];
	size_t		ntags;
	unsigned	changed;	/* BC_VIEW_* an annotation touched */
	int64_t		annotations;	/* annotate events applied */
};

/*
 * Checks the set/clear members of an annotate event's details (details
 * may carry others: sha256, reason...).  Returns 0, or BC_ERR_INVALID
 * with what is wrong in err.
 */
int bc_annotation_check(const json_t *details, struct bc_err *err);

/* Applies checked details to v (the annotations' part of a state). */
void bc_view_apply(struct bc_view *v, const json_t *details);

/*
 * The current view: the manifest's case, category and tags (title and
 * description have no sealed value), with ann's changes over them.
 */
void bc_view_current(const json_t *manifest, const struct bc_view *ann,
    struct bc_view *out);

/*
 * The view as JSON: {"case", "category", "title", "description"} (each a
 * string or null), "tags" (an array) and "annotations" (the count).
 * NULL when out of memory.
 */
json_t *bc_view_json(const struct bc_view *v);

/*
 * The current view as JSON (bc_view_json's shape) of an item whose stored
 * view is view (canonical JSON, or NULL when never annotated) and whose
 * manifest is manifest (may be NULL).  NULL when out of memory or when the
 * stored view is not a JSON object.
 */
json_t *bc_view_of(const char *view, const json_t *manifest);

/*
 * The status row (catalog.h) of the item numbered num, named id, whose
 * manifest (parsed; its hash item) has the annotations ann (may be NULL),
 * with held, purged and media (custody.h) as of event seq: what the
 * writers store and what verify expects.
 */
void bc_status_make(int64_t num, const char *item, const char *id,
    const json_t *manifest, const struct bc_view *ann, int64_t seq,
    int held, int purged, const char *media, struct bc_status *out);

#endif /* BODYCAM_ANNOTATE_H */
