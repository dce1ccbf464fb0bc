/*
 * case.h - cases: the items whose current case (annotate.h: the sealed
 * case with the annotations applied) is one number, and every case the
 * catalog holds.  The same JSON serves 'bodycam case' and the service's
 * GET /v1/cases.  Which items a case holds is one function,
 * bc_case_members, that every case-wide command uses.
 */
#ifndef BODYCAM_CASE_H
#define BODYCAM_CASE_H

#include <jansson.h>

#include "bodycam/catalog.h"
#include "bodycam/custody.h"

/*
 * The ids of the items whose current case is case_no, in item order, as
 * each item's chain gives it (its manifest with the annotations that
 * obey the rules, annotate.h): not as the stored views say, which are
 * derived and not trusted.  Every item's chain is replayed (hashes,
 * links and rules; not the signatures) and its stored view cross-checked:
 * a view that puts an item into the case, or keeps it out, against its
 * chain is BC_ERR_INTEGRITY naming the item and 'bodycam audit'.  An item
 * whose chain is broken is a member when its sealed case, its stored
 * view or its chain up to the break names case_no: acting on it then
 * fails by its name (bc_custody_add, release and report refuse it).  On
 * success *ids (the caller frees it) holds *n ids; BC_ERR_NOT_FOUND when
 * no item is in the case.  Run it under the caller's write lock or
 * snapshot for a selection that the next step acts on unchanged.
 */
int bc_case_members(struct bc_catalog *cat, const char *case_no,
    char (**ids)[BC_ITEM_ID_MAX], size_t *n, struct bc_err *err);

/*
 * Records req on every item of case case_no (bc_case_members), in one
 * transaction: all or nothing.  Only actions that read no file (access,
 * hold, unhold, note); a purged item is skipped but for a note (its
 * result has purged set and seq -1).  On success *res holds one result
 * an item, in item order (the caller frees it), *n their number.  Errors
 * as bc_custody_add and bc_case_members, err naming the item that was
 * refused; BC_ERR_NOT_FOUND when the case has no item.
 */
int bc_case_add(struct bc_catalog *cat, const struct bc_key *key,
    const char *case_no, const struct bc_custody_req *req,
    struct bc_custody_result **res, size_t *n, struct bc_err *err);

/*
 * The case case_no into *out: {"case", "items": [{id, sha256, name,
 * registered, category, tags, title, held, purged, custodian, events}],
 * "held", "purged"} (held and purged: how many items are), items in
 * registration order and chosen as bc_case_members chooses them (its
 * errors), category, tags and title from their chains.
 * BC_ERR_NOT_FOUND when no item is in the case now.
 */
int bc_case_json(struct bc_catalog *cat, const char *case_no, json_t **out,
    struct bc_err *err);

/*
 * Every case into *out: [{"case", "items", "held", "purged"}] sorted by
 * case, and the items that have no case as *none (may be NULL).  Each
 * item counts in the case its chain gives it; one whose chain cannot be
 * replayed, in the case its stored view gives it.
 */
int bc_cases_json(struct bc_catalog *cat, json_t **out, int64_t *none,
    struct bc_err *err);

#endif /* BODYCAM_CASE_H */
