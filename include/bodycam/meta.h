/*
 * meta.h - what the camera recorded: metadata read with libexif (stills,
 * and EXIF blocks inside containers) and libavformat (video containers),
 * normalised to the names the manifest seals.
 *
 * The result is one JSON object with three members, exactly as a
 * manifest's "media" and "capture" sections and its "warnings" array hold
 * them (README.md, "Metadata"):
 *
 *   media:    mime, container, duration_ms, width, height, created,
 *             streams[] { index, type, codec, width, height, frame_rate,
 *             sample_rate }
 *   capture:  make, model, serial, taken, software, unique_id,
 *             orientation, gps { lat, lon, alt_m }
 *   warnings: [ "..." ]
 *
 * Members are absent when unknown.  No floating-point number appears:
 * coordinates are decimal-degree strings with 6 decimals, altitude a
 * string of metres with 1 decimal, frame rates rationals ("30000/1001"),
 * times RFC 3339 (with Z or an offset when known; an EXIF local time
 * without an offset stays without one).  Integers are JSON integers.
 *
 * media.created is the container's creation time: UTC ("...Z") for MP4,
 * MOV and Matroska, the camera's local time without an offset for AVI
 * (its IDIT chunk), an offset kept as written.  media.container is
 * "jpeg", "tiff" or libavformat's demuxer name.
 *
 * The readers only add members, never overwrite one already set: for a
 * video, what the container says wins over an EXIF block it carries.
 *
 * Extraction never fails on bad content: whatever cannot be read becomes a
 * warning, and registration seals the hash regardless.  Known limits:
 * libexif reads the first 64 KiB of a TIFF; TIFF SubIFDs (a DNG's raw
 * image size) and BigTIFF are not read; values inside an H.264 stream or
 * in vendor boxes libavformat does not parse are not reached.
 */
#ifndef BODYCAM_META_H
#define BODYCAM_META_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bodycam/error.h"

#define BC_META_WARNINGS_MAX	32	/* warnings kept per file */
#define BC_META_STREAMS_MAX	16	/* streams described per file */
#define BC_META_STRING_MAX	256	/* bytes of one metadata string */

struct bc_meta_opts {
	int		 verbose;	/* let the libraries' logs through */
	const char	*now;		/* registration time (RFC 3339) for the
					   clock check; NULL: no check */
};

#define BC_META_OUTPUT_MAX	(1024 * 1024)	/* bytes the helper may write */
#define BC_META_TIMEOUT		30	/* seconds the helper may take */

/*
 * Reads the metadata of the file at path, whose content type mime was
 * sniffed (media.h), into *out = {"media": {...}, "capture": {...},
 * "warnings": [...]} (a new reference).  Returns 0, or BC_ERR_NOMEM; a
 * file that cannot be read or parsed gives warnings, not an error.
 *
 * The file is parsed by the helper program bodycam-parse, one process per
 * file, sandboxed (rlimits, no new privileges, a seccomp filter): the
 * calling process never runs libexif or libavformat.  The helper is
 * $BODYCAM_PARSE when set, else bodycam-parse in the directory of the
 * running program, else BC_LIBEXECDIR/bodycam-parse.  It gets the file as
 * its standard input and answers with canonical JSON on a pipe, which is
 * read strictly (at most BC_META_OUTPUT_MAX bytes, within BC_META_TIMEOUT
 * seconds or $BODYCAM_PARSE_TIMEOUT, exactly the shape above; strings
 * cleaned again, counts capped).  A helper that cannot be run, crashes,
 * is killed, overruns or answers anything else gives no metadata but the
 * content type and one warning "metadata helper: ...; metadata not
 * sealed".
 */
int bc_meta_extract(const char *path, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err);

/*
 * Same, from the open descriptor fd of a regular file, read with pread
 * only (its offset is left alone): what register and probe use, so that
 * the metadata sealed is of the very file hashed, not of whatever its
 * path names by the time the metadata is read.  fd stays open.
 */
int bc_meta_extract_fd(int fd, const char *mime,
    const struct bc_meta_opts *opts, json_t **out, struct bc_err *err);

/*
 * The helper's side (meta-parse.c, linked into bodycam-parse, the unit
 * tests and the fuzzer, never into bodycam nor the installed
 * libbodycam.a).  bc_meta_parse_init sets up the libraries' process-wide
 * state (libav's log hook and allocation cap); bc_meta_parse_fd reads the
 * file in this process, exactly as the helper does, into *out as above
 * but without the clock check (which the caller of bc_meta_extract_fd
 * does on what the helper answered).
 * Returns 0, BC_ERR_INVALID (fd < 0) or BC_ERR_NOMEM.
 */
void bc_meta_parse_init(int verbose);
int bc_meta_parse_fd(int fd, const char *mime, int verbose, json_t **out,
    struct bc_err *err);

/*
 * The parts, for the extractor and the tests.  Each adds what it finds to
 * media and capture and appends warnings; none fails on bad content.
 */

/* A JPEG, TIFF or DNG file, through libexif. */
void bc_meta_exif_file(const char *path, json_t *media, json_t *capture,
    json_t *warnings);

/* Same, from an open descriptor (pread only; fd stays open). */
void bc_meta_exif_fd(int fd, json_t *media, json_t *capture,
    json_t *warnings);

/*
 * An EXIF block found inside a container: with the "Exif\0\0" header, a
 * bare TIFF structure, or the ISO BMFF/HEIF form (a 4-byte offset first).
 */
void bc_meta_exif_data(const unsigned char *data, size_t len, json_t *media,
    json_t *capture, json_t *warnings);

/*
 * A video container, through libavformat: regular files only, read
 * through our own I/O callbacks (no protocol), a whitelist of demuxers
 * (mov, avi, matroska, mpegts), bounded probing and a 10 s deadline.  libav's errors become warnings
 * ("libav: ..."); its log hook is process-wide and silent unless verbose.
 */
void bc_meta_av_file(const char *path, int verbose, json_t *media,
    json_t *capture, json_t *warnings);

/* libav's log hook and allocation cap, once; verbose as below. */
void bc_meta_av_init(int verbose);

/*
 * Same, from an open descriptor: libavformat reads it through callbacks
 * doing pread (no protocol, nothing opened by name); fd stays open.
 */
void bc_meta_av_fd(int fd, int verbose, json_t *media, json_t *capture,
    json_t *warnings);

#endif /* BODYCAM_META_H */
