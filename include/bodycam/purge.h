/*
 * purge.h - a purge that destroys the media.
 *
 * The signed 'purge' event is committed first; only then is the file at
 * the item's current place (its last relocate's path, else the registered
 * one) deleted (never before the purge is durable,
 * so a crash leaves a purged item with its file, which a rerun finishes,
 * never a deleted file with no record of why).  What became of the file
 * is then recorded as a signed 'note' whose details.media is one of:
 *
 *	"destroyed"	the sealed file was deleted and its directory synced
 *	"absent"	nothing was at the path any more
 *	"kept"		the file was not deleted; details.note says why
 *
 * A note only records a claim: 'bodycam audit --files' looks at the path
 * of every purged item itself and reports whatever is still there as
 * "purged-but-present", whatever the notes say.
 */
#ifndef BODYCAM_PURGE_H
#define BODYCAM_PURGE_H

#include <stdint.h>

#include "bodycam/catalog.h"
#include "bodycam/custody.h"
#include "bodycam/error.h"

/*
 * Deletes the regular file at path if it is the sealed one (size bytes
 * with SHA-256 sha256, lower-case hex), then fsyncs its directory.  path
 * must be absolute and canonical, as registration stores it: a directory
 * now reached through a symbolic link, a symbolic link or anything but a
 * regular file at path, other content, or a file that changes while it
 * is hashed is left alone.  Sets *fate and returns 0 (DESTROYED or
 * ABSENT); BC_ERR_INTEGRITY (KEPT: not the sealed file, err says what is
 * there); BC_ERR_IO (KEPT: it could not be read or deleted; or DESTROYED:
 * deleted but the directory could not be synced).  err never names the
 * path (it may go into a signed note).
 */
int bc_media_destroy(const char *path, const char *sha256, int64_t size,
    int *fate, struct bc_err *err);

/*
 * Destroys the media of the purged item ref as above, after checking its
 * whole record (bc_verify_item without the file: signatures, authority,
 * the rules; so that a catalog row edited to point elsewhere, or an item
 * forged in the database, cannot get a file deleted).  The file is
 * looked for at the item's current place (bc_custody_place): the path of
 * its last relocate event, signed, whatever its last component; else the
 * registered path, which must end in the sealed file name.  *prev is the fate
 * its last media note recorded (BC_MEDIA_NONE: none).  Returns what
 * bc_media_destroy returns, with the item and path in err and, when the
 * media is kept, the cause alone (no path: it goes into a signed note)
 * in why; BC_ERR_INTEGRITY (KEPT) when the record does not verify;
 * BC_ERR_INVALID when the item is not purged; catalog errors.  Reads
 * only: the note is for the caller to record (bc_purge_note_req).
 */
int bc_purge_media(struct bc_catalog *cat, const char *ref, int *fate,
    int *prev, char *why, size_t whysz, struct bc_err *err);

/*
 * The note that records fate, from the purge request purge (its actor,
 * location and reason): why (may be NULL) says why the media was kept.
 * The note text is written into buf, which must outlive *note.
 */
void bc_purge_note_req(const struct bc_custody_req *purge, int fate,
    const char *why, struct bc_custody_req *note, char *buf, size_t bufsz);

/*
 * Whether a note should record fate, after a purge (repeated: the item
 * was purged before; prev: the fate its last media note recorded): not
 * when the media was already said to be gone and is absent still.
 */
int bc_purge_note_needed(int repeated, int fate, int prev);

struct bc_purge_result {
	struct bc_custody_result purge;	/* the purge event (seq -1: the
					   item was purged before) */
	struct bc_custody_result note;	/* the media note (seq -1: none
					   recorded) */
	int	repeated;		/* the item was purged before */
	int	fate;			/* enum bc_media_fate */
};

/*
 * A purge from the command line: records the purge of ref
 * (bc_custody_add, committed), then destroys its media
 * (bc_purge_media) and records the outcome as a note, signed by key.  On
 * an item purged before, no purge event is added: the media is destroyed
 * if it is still there (and a note recorded); when it is already absent
 * and a note said so, nothing is recorded.  Returns 0 when the media is
 * gone (res->fate DESTROYED or ABSENT); the purge's errors (nothing done);
 * or bc_media_destroy's error when the media is kept, with the purge and
 * the note recorded all the same.
 */
int bc_purge(struct bc_catalog *cat, const struct bc_key *key,
    const char *ref, const struct bc_custody_req *req,
    struct bc_purge_result *res, struct bc_err *err);

#endif /* BODYCAM_PURGE_H */
