/*
 * filter.h - filters on what a manifest seals of the capture (the camera's
 * make and model, where and when it recorded), shared by 'list' and the
 * service's GET /v1/items.  The catalog filters on the operator's fields
 * in SQL (struct bc_list_filter); these read the sealed metadata.
 */
#ifndef BODYCAM_FILTER_H
#define BODYCAM_FILTER_H

#include <time.h>

#include <jansson.h>

struct bc_meta_filter {
	const char	*make, *model;		/* case-insensitive, exact */
	int		 near;			/* lat, lon, km are set */
	double		 lat, lon, km;
	int		 has_since, has_until;
	time_t		 since, until;		/* capture time, inclusive */
};

/* Reads "LAT,LON,KM" (decimal degrees, km) into f; 0 or -1. */
int bc_meta_filter_near(const char *arg, struct bc_meta_filter *f);

/* Whether f filters anything. */
int bc_meta_filter_active(const struct bc_meta_filter *f);

/*
 * Whether the manifest m passes f: make and model as sealed in
 * capture.make and capture.model; near, within km of capture.gps; since
 * and until, the capture time (capture.taken, else media.created).  An
 * item without the value a filter asks about does not pass it.
 */
int bc_meta_filter_match(const struct bc_meta_filter *f, const json_t *m);

#endif /* BODYCAM_FILTER_H */
