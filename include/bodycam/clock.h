/*
 * clock.h - the time a writer may put in a signed record.
 *
 * Signed times are for people; log positions are for authority (keys.h).
 * Still, a time in a record must be believable: a writer signs only the
 * time it reads now, never ahead of this machine's real clock by more
 * than BC_TIME_TOLERANCE (BODYCAM_NOW, the clock override of tests, may
 * not go there either), and never before the newest record already in
 * the log.  A time that a signer elsewhere wrote (a pre-signed event) is
 * accepted only within BC_TIME_TOLERANCE of now, either way.  So no
 * record can be dated far ahead to freeze an item or the keyring, and no
 * record can claim a time before what the log already holds.
 */
#ifndef BODYCAM_CLOCK_H
#define BODYCAM_CLOCK_H

#include "bodycam/catalog.h"
#include "bodycam/util.h"

/* Seconds a signed time may be off the clock. */
#define BC_TIME_TOLERANCE	300

/*
 * The time of the newest record in the log (the record at its last
 * leaf) into out; "" when the log is empty.  Returns 0, BC_ERR_INTEGRITY
 * when that record has no readable time, or a catalog error.
 */
int bc_clock_log_time(struct bc_catalog *cat, char out[BC_TIME_MAX],
    struct bc_err *err);

/*
 * The time to sign a new record with, called inside the write
 * transaction that appends it: bc_time_now, refused (BC_ERR_INVALID, and
 * nothing may be written) when it is more than BC_TIME_TOLERANCE ahead of
 * the real clock or before the log's newest time.
 */
int bc_clock_sign_time(struct bc_catalog *cat, char now[BC_TIME_MAX],
    struct bc_err *err);

/*
 * Whether at, a time a signer elsewhere put in its record, may be
 * appended now (inside the write transaction): a UTC time stamp, within
 * BC_TIME_TOLERANCE of bc_time_now either way and of the real clock
 * ahead, and not before the log's newest time.  0 or BC_ERR_INVALID.
 */
int bc_clock_check_received(struct bc_catalog *cat, const char *at,
    struct bc_err *err);

/*
 * Whether at (a time stamp) is more than BC_TIME_TOLERANCE ahead of the
 * real clock, whatever BODYCAM_NOW says: a verifier's check.
 */
int bc_clock_too_far_ahead(const char *at);

#endif /* BODYCAM_CLOCK_H */
