/*
 * case.h - cases: the items whose current case (annotate.h: the sealed
 * case with the annotations applied) is one number, and every case the
 * catalog holds.  The same JSON serves 'bodycam case' and the service's
 * GET /v1/cases.
 */
#ifndef BODYCAM_CASE_H
#define BODYCAM_CASE_H

#include <jansson.h>

#include "bodycam/catalog.h"

/*
 * The case case_no into *out: {"case", "items": [{id, sha256, name,
 * registered, category, tags, title, held, purged, custodian, events}],
 * "held", "purged"} (held and purged: how many items are), items in
 * registration order.  An item whose chain cannot be replayed has
 * "broken" (why) instead of held, purged, custodian and events: verify
 * says more.  BC_ERR_NOT_FOUND when no item is in the case now.
 */
int bc_case_json(struct bc_catalog *cat, const char *case_no, json_t **out,
    struct bc_err *err);

/*
 * Every case into *out: [{"case", "items", "held", "purged"}] sorted by
 * case, and the items that have no case as *none (may be NULL).
 */
int bc_cases_json(struct bc_catalog *cat, json_t **out, int64_t *none,
    struct bc_err *err);

#endif /* BODYCAM_CASE_H */
