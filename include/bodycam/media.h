/*
 * media.h - what kind of media a file is, from its content.
 *
 * The MIME type is sniffed from the leading bytes (never from the file
 * name), with the same answers as file(1) for the formats bodycam expects
 * from cameras: JPEG, TIFF/DNG, MP4, QuickTime, 3GPP, AVI, Matroska and
 * MPEG-2 transport streams (MTS).
 */
#ifndef BODYCAM_MEDIA_H
#define BODYCAM_MEDIA_H

#include <stddef.h>
#include <stdint.h>

/*
 * The MIME type of a file whose first len bytes are head (a static string;
 * "application/octet-stream" when unknown, "application/x-empty" for an
 * empty file).
 */
const char *bc_media_sniff(const uint8_t *head, size_t len);

#endif /* BODYCAM_MEDIA_H */
