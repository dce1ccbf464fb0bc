#!/bin/sh
# t-purge.sh - a purge destroys the media: the purge event first, then the
# file, then a note saying what became of it; what a purge refuses to
# delete (a symbolic link, another file, a directory reached through a
# link, a row edited to point at another item's file); a failed deletion
# and the rerun that finishes it; 'audit --files' and purged-but-present.
# The API's purge is t-serve.sh's.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# an undeletable directory (lib.sh: lock_dir, unlock_dir, can_lock)
RO=$M/readonly
mkdir -p "$RO"
trap 'unlock_dir "$RO"; rm -rf "$TMP"' EXIT
can_lock "$RO"

# ------------------------------------------------------------------ set-up

keygen_all admin cust aud dock
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys cust:custodian aud:auditor dock:ingest
CK=$K/cust.key

mkdir -p "$M/e"
cp "$DATA/stills/Apple.jpg" "$M/a.jpg"
cp "$DATA/stills/Canon.jpg" "$RO/b.jpg"
cp "$DATA/stills/GPS.jpg" "$M/c.jpg"
cp "$DATA/stills/GoPro.jpg" "$M/d.jpg"
cp "$DATA/stills/Ricoh2.jpg" "$M/e/e.jpg"
cp "$DATA/stills/Sony.jpg" "$M/f.jpg" 2>/dev/null ||
    cp "$DATA/bad/Canon_ifd0_loop.jpg" "$M/f.jpg"
chmod 644 "$M"/*.jpg "$RO"/*.jpg "$M"/e/*.jpg
regid() {
	bc register "$1" --key "$K/dock.key" --officer OFF-1 --case CASE-1 \
	    2>/dev/null | awk 'NR == 1 { print $1 }'
}
A=$(regid "$M/a.jpg")
B=$(regid "$RO/b.jpg")
C=$(regid "$M/c.jpg")
D=$(regid "$M/d.jpg")
E=$(regid "$M/e/e.jpg")
F=$(regid "$M/f.jpg")
check "setup: six items ($A $B $C $D $E $F)" -- \
    test -n "$A" -a -n "$B" -a -n "$C" -a -n "$D" -a -n "$E" -a -n "$F"
DSUM=$(sha256_of "$M/d.jpg")

purge() {
	bc custody add "$1" purge --key "$CK" --actor "Records" \
	    --reason "retention period over"
}

# destroyed ITEM SEQ FILE: the last purge printed its note at SEQ, media
# destroyed, and FILE is gone
destroyed() {
	expect_grep "^$1  seq $2  note  [0-9a-f]{64}  media destroyed\$" \
	    "$OUT" "  a note at seq $2: media destroyed"
	check "  the file is gone" -- test ! -e "$3"
}

# ------------------------------------------------- A: the file is destroyed

expect_exit 0 "purge A: exit 0" -- purge "$A"
expect_grep "^$A  seq 1  purge  [0-9a-f]{64}\$" "$OUT" "purge A: the purge, seq 1"
destroyed "$A" 2 "$M/a.jpg"
expect_exit 0 "custody log --json of A" -- bc custody log "$A" --json
json_check "$OUT" "[e['event']['action'] for e in d['events']] == ['register', 'purge', 'note'] and d['events'][2]['event']['details']['media'] == 'destroyed' and d['events'][2]['event']['details']['note'] == 'media destroyed' and d['purged'] is True and d['ok'] is True" \
    "A: register, purge, note with media 'destroyed'"
expect_exit 0 "verify A: exit 0" -- bc verify "$A"
expect_grep "^$A: OK \(purged\)\$" "$OUT" "verify A: OK (purged)"
expect_exit 0 "purge A again: exit 0" -- purge "$A"
expect_grep "purged before; media already absent" "$OUT" \
    "purge A again: says the media is already absent"
expect_eq "$(nevents "$A")" "3" "purge A again: nothing recorded (3 events)"
expect_exit 0 "purge A again --json: exit 0" -- bc --json custody add "$A" \
    purge --key "$CK" --actor "Records" --reason "again"
json_check "$OUT" "d['item'] == '$A' and d['media'] == 'absent' and d['repeated'] is True and 'note' not in d and 'seq' not in d" \
    "purge A again --json: media absent, repeated, no note"

# ------------------------------- D: not the evidence: nothing is deleted

# held: the purge is refused, nothing deleted
expect_exit 0 "setup: hold D" -- bc custody add "$D" hold --key "$CK" \
    --actor "Records" --reason "litigation"
expect_exit 2 "purge D while held: exit 2" -- purge "$D"
check "purge D while held: the file stays" -- test -f "$M/d.jpg"
expect_exit 0 "setup: unhold D" -- bc custody add "$D" unhold --key "$CK" \
    --actor "Records" --reason "settled"

# a symbolic link to the very evidence, moved elsewhere, is not followed
mv "$M/d.jpg" "$W/d-moved.jpg"
ln -s "$W/d-moved.jpg" "$M/d.jpg"
expect_exit 1 "purge D, a symbolic link at its path: exit 1" -- purge "$D"
expect_grep "symbolic link" "$ERR" "  says a symbolic link is there"
expect_grep "not destroyed" "$ERR" "  says the media was not destroyed"
check "  the link is still there" -- test -L "$M/d.jpg"
check "  the file it points to is still there" -- test -f "$W/d-moved.jpg"
expect_eq "$(sha256_of "$W/d-moved.jpg")" "$DSUM" "  and intact"
expect_exit 0 "custody log --json of D" -- bc custody log "$D" --json
json_check "$OUT" "[e['event']['action'] for e in d['events']][-2:] == ['purge', 'note'] and d['events'][-1]['event']['details']['media'] == 'kept' and 'symbolic link' in d['events'][-1]['event']['details']['note']" \
    "D: purge, then a note with media 'kept' saying why"

expect_exit 1 "audit --files with D's link: exit 1" -- bc audit --files
expect_grep "^FAILED +$D +seq - +purged-but-present .*symbolic link" "$OUT" \
    "audit --files: $D purged-but-present, a symbolic link"

# other content at the path
rm -f "$M/d.jpg"
cp "$DATA/stills/Canon.jpg" "$M/d.jpg"
expect_exit 1 "purge D again, another file at its path: exit 1" -- purge "$D"
expect_grep "not the registered file" "$ERR" "  says it is not the registered file"
check "  the other file is still there" -- test -f "$M/d.jpg"
expect_exit 1 "audit --files with another file at D's path: exit 1" -- \
    bc audit --files
expect_grep "^FAILED +$D +seq - +purged-but-present .*another file" "$OUT" \
    "audit --files: $D purged-but-present, another file"

# the same size, one byte changed
cp "$W/d-moved.jpg" "$M/d.jpg"
flip_byte "$M/d.jpg" 200
expect_exit 1 "purge D again, one byte changed: exit 1" -- purge "$D"
expect_grep "SHA-256" "$ERR" "  says the SHA-256 differs"
check "  the changed file is still there" -- test -f "$M/d.jpg"

# once it is gone, a rerun records that it is absent, once
rm -f "$M/d.jpg"
N=$(nevents "$D")
expect_exit 0 "purge D again, nothing at its path: exit 0" -- purge "$D"
expect_grep "note  [0-9a-f]{64}  media absent\$" "$OUT" \
    "  records a note: media absent"
expect_eq "$(nevents "$D")" "$((N + 1))" "  one event more"
expect_exit 0 "purge D once more: exit 0" -- purge "$D"
expect_eq "$(nevents "$D")" "$((N + 1))" "  nothing recorded"

# ---------------------------- E: its directory reached through a link

mv "$M/e" "$M/e.real"
ln -s "$M/e.real" "$M/e"
expect_exit 1 "purge E, its directory now a symbolic link: exit 1" -- purge "$E"
expect_grep "directory .*symbolic link" "$ERR" "  says its directory is a link"
check "  the file is still there" -- test -f "$M/e.real/e.jpg"

# ------------------------------------- B: the deletion fails, then a rerun

if [ "$CAN_LOCK" -eq 1 ]; then
	lock_dir "$RO"
	expect_exit 3 "purge B, its directory locked: exit 3" -- purge "$B"
	expect_grep "^$B  seq 1  purge " "$OUT" "  the purge is recorded"
	expect_grep "not destroyed.*(Permission denied|Operation not permitted)" \
	    "$ERR" "  says the media was not destroyed, and why"
	expect_grep "custody add $B purge' again" "$ERR" "  says to run the purge again"
	check "  the file is still there" -- test -f "$RO/b.jpg"
	expect_exit 0 "verify B: exit 0 (the record is sound)" -- bc verify "$B"
	expect_grep "^$B: OK \(purged\)\$" "$OUT" "verify B: OK (purged)"
	expect_exit 1 "audit --files, B's file still there: exit 1" -- \
	    bc audit --files
	expect_grep "^FAILED +$B +seq - +purged-but-present .*sealed file is still" \
	    "$OUT" "audit --files: $B purged-but-present, the sealed file"
	expect_exit 1 "audit --files --json: exit 1" -- bc --json audit --files
	json_check "$OUT" "('$B', 'purged-but-present') in [(f['item'], f['check']) for f in d['failures']]" \
	    "audit --files --json: $B purged-but-present"
	# a key that may not purge may not finish one either
	expect_exit 2 "purge B again with the auditor's key: exit 2" -- \
	    bc custody add "$B" purge --key "$K/aud.key" --actor "Aud" \
	    --reason "retry"
	check "  the file is still there" -- test -f "$RO/b.jpg"
	unlock_dir "$RO"
	N=$(nevents "$B")
	expect_exit 0 "purge B again, the directory writable: exit 0" -- purge "$B"
	expect_nogrep "  purge  " "$OUT" "  no second purge event"
	destroyed "$B" "$N" "$RO/b.jpg"
	expect_exit 0 "custody log --json of B" -- bc custody log "$B" --json
	json_check "$OUT" "[e['event']['action'] for e in d['events']] == ['register', 'purge', 'note', 'note'] and [e['event']['details']['media'] for e in d['events'][2:]] == ['kept', 'destroyed'] and d['ok'] is True" \
	    "B: register, purge, note kept, note destroyed"
else
	echo "# skip: a failed deletion (cannot make a directory undeletable here)"
	rm -f "$RO/b.jpg"
	expect_exit 0 "purge B: exit 0" -- purge "$B"
fi

# ------------------ F: an insider points F's row at another item's file

if [ "$HAVE_SQLITE" -eq 1 ]; then
	insider_begin purge-insider
	C_PATH=$M/c.jpg
	CSUM=$(sha256_of "$C_PATH")
	q "$CAT" "DROP TRIGGER items_no_update;
	    UPDATE items SET path = '$C_PATH' WHERE id = '$F';"
	expect_exit 1 "purge F, its row pointing at C's file: exit 1" -- purge "$F"
	expect_grep "does not end in the sealed file name" "$ERR" \
	    "  the row's path does not name F's sealed file name"
	expect_eq "$(sha256_of "$C_PATH")" "$CSUM" "  C's file is intact"
	# its path mended, its purge's signature forged: the writers replay
	# the rules, but a purge deletes only on a record that verifies
	q "$CAT" "UPDATE items SET path = '$M/f.jpg' WHERE id = '$F';
	    DROP TRIGGER events_no_update;
	    UPDATE events SET signature = zeroblob(64) WHERE seq = 1 AND
	    item = (SELECT manifest_hash FROM items WHERE id = '$F');"
	expect_exit 1 "purge F again, its purge's signature forged: exit 1" -- \
	    purge "$F"
	expect_grep "does not verify" "$ERR" "  the record does not verify"
	check "  F's file is still there" -- test -f "$M/f.jpg"
	insider_end
else
	echo "# skip: an edited row (no sqlite3)"
fi

finish
