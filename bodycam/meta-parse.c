/*
 * meta-parse.c - the metadata readers' dispatcher, run in the helper
 * bodycam-parse (parse-main.c), in the unit tests and in the fuzzer; never
 * in bodycam itself, which links neither libavformat nor libexif and asks
 * the helper instead (meta.c).
 */
#include <stdio.h>
#include <string.h>

#include "bodycam/meta.h"
#include "bodycam/meta-util.h"

void
bc_meta_parse_init(int verbose)
{
	bc_meta_av_init(verbose);
}

int
bc_meta_parse_fd(int fd, const char *mime, int verbose, json_t **out,
    struct bc_err *err)
{
	json_t *o, *media, *capture, *warnings;

	*out = NULL;
	if (fd < 0)
		return bc_err_set(err, BC_ERR_INVALID, "no file to read");
	o = json_object();
	media = json_object();
	capture = json_object();
	warnings = json_array();
	if (o == NULL || media == NULL || capture == NULL ||
	    warnings == NULL || json_object_set(o, "media", media) != 0 ||
	    json_object_set(o, "capture", capture) != 0 ||
	    json_object_set(o, "warnings", warnings) != 0) {
		json_decref(o);
		json_decref(media);
		json_decref(capture);
		json_decref(warnings);
		return bc_err_set(err, BC_ERR_NOMEM, "out of memory");
	}
	if (mime != NULL)
		json_object_set_new(media, "mime", json_string(mime));
	if (mime == NULL)
		bc_meta_warn(warnings, "content type unknown: no metadata read");
	else if (strcmp(mime, "image/jpeg") == 0 ||
	    strcmp(mime, "image/tiff") == 0)
		bc_meta_exif_fd(fd, media, capture, warnings);
	else if (strncmp(mime, "video/", 6) == 0)
		bc_meta_av_fd(fd, verbose, media, capture, warnings);
	else
		bc_meta_warn(warnings, "no metadata reader for %s", mime);
	json_decref(media);
	json_decref(capture);
	json_decref(warnings);
	*out = o;
	return 0;
}
