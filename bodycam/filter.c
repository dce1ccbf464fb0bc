/*
 * filter.c - filters on the sealed capture metadata (filter.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bodycam/filter.h"
#include "bodycam/manifest.h"
#include "bodycam/util.h"

/* Great-circle distance in km (haversine, mean Earth radius). */
static double
distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) *
	    cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * 6371.0088 * atan2(sqrt(a), sqrt(1 - a));
}

int
bc_meta_filter_near(const char *arg, struct bc_meta_filter *f)
{
	char *end;

	f->lat = strtod(arg, &end);
	if (end == arg || *end != ',')
		return -1;
	arg = end + 1;
	f->lon = strtod(arg, &end);
	if (end == arg || *end != ',')
		return -1;
	arg = end + 1;
	f->km = strtod(arg, &end);
	if (end == arg || *end != '\0' || !isfinite(f->lat) ||
	    !isfinite(f->lon) || !isfinite(f->km) || f->lat < -90 ||
	    f->lat > 90 || f->lon < -180 || f->lon > 180 || f->km < 0)
		return -1;
	f->near = 1;
	return 0;
}

int
bc_meta_filter_active(const struct bc_meta_filter *f)
{
	return f->make != NULL || f->model != NULL || f->near ||
	    f->has_since || f->has_until;
}

int
bc_meta_filter_match(const struct bc_meta_filter *f, const json_t *m)
{
	const char *s, *la, *lo;
	time_t t;

	if (m == NULL)
		return !bc_meta_filter_active(f);
	if (f->make != NULL && ((s = bc_doc_str(m, "capture.make")) ==
	    NULL || strcasecmp(s, f->make) != 0))
		return 0;
	if (f->model != NULL && ((s = bc_doc_str(m, "capture.model")) ==
	    NULL || strcasecmp(s, f->model) != 0))
		return 0;
	if (f->near) {
		if ((la = bc_doc_str(m, "capture.gps.lat")) == NULL ||
		    (lo = bc_doc_str(m, "capture.gps.lon")) == NULL ||
		    distance_km(f->lat, f->lon, strtod(la, NULL),
		    strtod(lo, NULL)) > f->km)
			return 0;
	}
	if (f->has_since || f->has_until) {
		if ((s = bc_doc_str(m, "capture.taken")) == NULL)
			s = bc_doc_str(m, "media.created");
		if (s == NULL || bc_time_parse(s, 0, &t) != 0 ||
		    (f->has_since && t < f->since) ||
		    (f->has_until && t > f->until))
			return 0;
	}
	return 1;
}
