#!/bin/sh
# t-relocate.sh - 'bodycam relocate': the file re-hashed at its new place
# and a signed 'relocate' event; verify, audit --files, show, list and
# purge following the signed place; 'audit --files --search' finding a
# moved file.  As an insider with the database (an edited path row, an
# edited relocate event) and as the writer of the storage folder (other
# content at the new place, a same-named file left at the old one).
# The file changing while it is re-hashed is check_custody.c's; the
# API's relocate is t-serve.sh's.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------------ set-up

keygen_all admin cust dock aud
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys cust:custodian dock:ingest aud:auditor
CK=$K/cust.key

DOCK=$M/dock
ARCH=$M/archive
mkdir -p "$DOCK" "$ARCH" "$W/elsewhere"
cp "$DATA/stills/Apple.jpg" "$DOCK/a.jpg"
cp "$DATA/stills/Canon.jpg" "$DOCK/b.jpg"
cp "$DATA/stills/GPS.jpg" "$DOCK/p.jpg"
cp "$DATA/stills/GoPro.jpg" "$DOCK/e.jpg"
chmod 644 "$DOCK"/*.jpg
regid() {
	bc register "$1" --key "$K/dock.key" --officer OFF-1 2>/dev/null |
	    awk 'NR == 1 { print $1 }'
}
A=$(regid "$DOCK/a.jpg")
B=$(regid "$DOCK/b.jpg")
P=$(regid "$DOCK/p.jpg")
E=$(regid "$DOCK/e.jpg")
check "setup: four items ($A $B $P $E)" -- \
    test -n "$A" -a -n "$B" -a -n "$P" -a -n "$E"
ASUM=$(sha256_of "$DOCK/a.jpg")

reloc() {
	bc relocate "$1" "$2" --key "$CK" --actor "Records" --reason "dock cleared"
}

# -------------------------------------- refused: nothing is written

cp "$DOCK/b.jpg" "$ARCH/not-a.jpg"
expect_exit 1 "relocate A to other content: exit 1" -- reloc "$A" "$ARCH/not-a.jpg"
expect_grep "not the registered file; nothing recorded" "$ERR" \
    "  says it is not the registered file"
expect_eq "$(nevents "$A")" "1" "  nothing recorded (1 event)"
# the same bytes but one: size equal, hash not
cp "$DOCK/a.jpg" "$ARCH/flipped.jpg"
flip_byte "$ARCH/flipped.jpg" 100
expect_exit 1 "relocate A to a copy with one byte changed: exit 1" -- \
    reloc "$A" "$ARCH/flipped.jpg"
expect_eq "$(nevents "$A")" "1" "  nothing recorded (1 event)"
expect_exit 2 "relocate A to a directory: exit 2" -- reloc "$A" "$ARCH"
expect_exit 2 "relocate A to nothing: exit 2" -- reloc "$A" "$ARCH/none.jpg"
expect_exit 2 "relocate without --actor: exit 2" -- \
    bc relocate "$A" "$DOCK/a.jpg" --key "$CK"
expect_exit 2 "relocate with one operand: exit 2" -- \
    bc relocate "$A" --key "$CK" --actor R
expect_exit 2 "custody add ITEM relocate: exit 2, use 'bodycam relocate'" -- \
    bc custody add "$A" relocate --key "$CK" --actor R --file "$DOCK/a.jpg"
expect_grep "bodycam relocate" "$ERR" "  names 'bodycam relocate'"
expect_exit 2 "relocate A where it already is: exit 2" -- reloc "$A" "$DOCK/a.jpg"
expect_grep "already at that place" "$ERR" "  says it is already there"
expect_eq "$(nevents "$A")" "1" "  nothing recorded (1 event)"
# a name that is not UTF-8 cannot be a signed place
LATIN=$(printf 'caf\351.jpg')
cp "$DOCK/a.jpg" "$ARCH/$LATIN"
expect_exit 2 "relocate A to a name that is not UTF-8: exit 2" -- \
    reloc "$A" "$ARCH/$LATIN"
expect_grep "not UTF-8" "$ERR" "  says not UTF-8"
rm -f "$ARCH/$LATIN"

# an ingest key may not record it
mv "$DOCK/a.jpg" "$ARCH/a-2026.jpg"
expect_exit 2 "relocate A with an ingest key: exit 2" -- \
    bc relocate "$A" "$ARCH/a-2026.jpg" --key "$K/dock.key" --actor Dock
expect_grep "has role ingest, not custodian" "$ERR" "  the role is named"
expect_eq "$(nevents "$A")" "1" "  nothing recorded (1 event)"

# ------------------------------ the dock cleared: missing, then moved

# a missing file is not evidence of tampering: exit 2, as before
expect_exit 2 "verify A, its file moved away: exit 2" -- bc verify "$A"
expect_grep "^  FAILED  file-present " "$OUT" "  file-present fails"
expect_exit 1 "audit --files: exit 1" -- bc audit --files
expect_grep "^files: 3 matched, 0 changed, 1 missing, 0 moved, 0 purged\$" \
    "$OUT" "  1 missing, 0 moved"
expect_exit 1 "audit --files --search ARCH --search W: exit 1" -- \
    bc audit --files --search "$ARCH" --search "$W"
expect_grep "^files: 3 matched, 0 changed, 0 missing, 1 moved, 0 purged\$" \
    "$OUT" "  0 missing, 1 moved"
expect_grep "^MOVED   $A  $ARCH/a-2026.jpg\$" "$OUT" "  A is found in ARCH"
expect_grep "run: bodycam relocate $A '$ARCH/a-2026.jpg' --key KEY --actor WHO\$" \
    "$OUT" "  with the relocate command to run"
expect_grep "^FAILED  $A  seq -  file-present  moved: not at $DOCK/a.jpg" \
    "$OUT" "  still a file-present failure, naming both places"
expect_nogrep "MOVED   $A  $ARCH/(not-a|flipped).jpg" "$OUT" \
    "  the other content of the same size is not taken for A"
expect_exit 1 "audit --files --search --json: exit 1" -- \
    bc --json audit --files --search "$ARCH"
json_check "$OUT" "d['files'] == {'matched': 3, 'changed': 0, 'missing': 0, 'moved': 1, 'purged': 0} and d['moved'] == [{'item': '$A', 'from': '$DOCK/a.jpg', 'path': '$ARCH/a-2026.jpg', 'command': \"bodycam relocate $A '$ARCH/a-2026.jpg' --key KEY --actor WHO\"}]" \
    "  --json: the counts and the move"
expect_exit 2 "audit --search without --files: exit 2" -- \
    bc audit --search "$ARCH"
expect_exit 2 "audit --files --search a missing directory: exit 2" -- \
    bc audit --files --search "$W/none"
# the search does not follow a symbolic link out of its directory
ln -s "$ARCH" "$W/elsewhere/link"
expect_exit 1 "audit --files --search through a link only: exit 1" -- \
    bc audit --files --search "$W/elsewhere"
expect_grep "^files: 3 matched, 0 changed, 1 missing, 0 moved, 0 purged\$" \
    "$OUT" "  a link inside the search directory is not followed"
rm "$W/elsewhere/link"

# ---------------------------------------------------- A relocated

expect_exit 0 "relocate A (relative path): exit 0" -- in_dir "$M" \
    "$BODYCAM" --catalog "$CAT" relocate "$A" archive/a-2026.jpg \
    --key "$CK" --actor Records --reason "dock cleared"
expect_grep "^$A  seq 1  relocate  [0-9a-f]{64}\$" "$OUT" "  seq 1, relocate"
expect_grep "now at '?$ARCH/a-2026.jpg'? \(was '?$DOCK/a.jpg'?\)" "$OUT" \
    "  the absolute new place and the old one"
expect_exit 0 "custody log A --json" -- bc custody log "$A" --json
json_check "$OUT" "[e['event']['action'] for e in d['events']] == ['register', 'relocate'] and d['events'][1]['event']['details']['path'] == '$ARCH/a-2026.jpg' and d['events'][1]['event']['details']['from'] == '$DOCK/a.jpg' and d['events'][1]['event']['details']['sha256'] == '$ASUM' and d['events'][1]['event']['details']['size'] == $(size_of "$ARCH/a-2026.jpg") and d['ok'] is True" \
    "  the event's details: path, from, sha256, size"
expect_exit 0 "verify A: exit 0" -- bc verify "$A"
expect_grep "^  ok      file-present +$ARCH/a-2026.jpg\$" "$OUT" \
    "  the file is looked for at the new place"
expect_exit 0 "audit --files: exit 0" -- bc audit --files
expect_grep "^files: 4 matched, 0 changed, 0 missing, 0 moved, 0 purged\$" \
    "$OUT" "  4 matched"
check "  the old path is gone" -- test ! -e "$DOCK/a.jpg"
expect_exit 0 "show A" -- bc show "$A"
expect_grep "^  file +'?$ARCH/a-2026.jpg'?\$" "$OUT" "  show: the new place"
expect_exit 0 "show A --json" -- bc --json show "$A"
json_check "$OUT" "d['path'] == '$ARCH/a-2026.jpg'" "  show --json: path"
expect_exit 0 "list --json" -- bc --json list
json_check "$OUT" "[i['path'] for i in d if i['id'] == '$A'] == ['$ARCH/a-2026.jpg'] and [i['path'] for i in d if i['id'] == '$B'] == ['$DOCK/b.jpg']" \
    "  list --json: A's new place, B's registered one"

# the file changed at its new place: changed, not missing
cp "$ARCH/a-2026.jpg" "$W/a.keep"
flip_byte "$ARCH/a-2026.jpg" 100
expect_exit 1 "audit --files, A changed at its new place: exit 1" -- \
    bc audit --files
expect_grep "^files: 3 matched, 1 changed, 0 missing, 0 moved, 0 purged\$" \
    "$OUT" "  1 changed"
cp "$W/a.keep" "$ARCH/a-2026.jpg"

# moved on again: from must be the last signed place
mkdir -p "$ARCH/2027"
mv "$ARCH/a-2026.jpg" "$ARCH/2027/renamed.jpg"
expect_exit 0 "relocate A again, under another name: exit 0" -- \
    reloc "$A" "$ARCH/2027/renamed.jpg"
expect_exit 0 "custody log A --json" -- bc custody log "$A" --json
json_check "$OUT" "d['events'][2]['event']['details']['from'] == '$ARCH/a-2026.jpg' and d['events'][2]['event']['details']['path'] == '$ARCH/2027/renamed.jpg'" \
    "  from is the last relocate's place"
expect_exit 0 "verify A: exit 0" -- bc verify "$A"
# a release takes the media from the current place, under the sealed name
expect_exit 0 "release A with its media: exit 0" -- bc release "$A" \
    --to "DA office" --authority "discovery order" --key "$K/aud.key" \
    --out "$W/bundle"
expect_eq "$(sha256_of "$W/bundle/media/a.jpg")" "$ASUM" \
    "  media/a.jpg is the sealed file"
expect_exit 0 "verify-bundle: exit 0" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub"

# ----------------------------------- an insider edits the rows

if [ "$HAVE_SQLITE" -eq 1 ] && [ "$HAVE_PYTHON" -eq 1 ]; then
	insider_begin relocate-insider
	# A's registered path pointed at a decoy of the sealed name: the
	# signed place still rules, and the decoy is never looked at
	cp "$DOCK/b.jpg" "$DOCK/a.jpg"
	q "$CAT" "DROP TRIGGER items_no_update;
	    UPDATE items SET path = '$DOCK/a.jpg' WHERE id = '$A';"
	expect_exit 0 "verify A, its path row edited: exit 0" -- bc verify "$A"
	expect_grep "^  ok      file-present +$ARCH/2027/renamed.jpg\$" "$OUT" \
	    "  the signed place is checked, not the row"
	expect_exit 0 "show A --json" -- bc --json show "$A"
	json_check "$OUT" "d['path'] == '$ARCH/2027/renamed.jpg'" \
	    "  show: the signed place, not the row"
	rm -f "$DOCK/a.jpg"

	# B relocated, then its event's path edited to another copy of
	# B's bytes, its stored hash fixed up: the signature breaks
	cp "$DOCK/b.jpg" "$ARCH/b.jpg"
	cp "$DOCK/b.jpg" "$W/elsewhere/b.jpg"
	expect_exit 0 "relocate B: exit 0" -- reloc "$B" "$ARCH/b.jpg"
	expect_exit 0 "verify B: exit 0" -- bc verify "$B"
	q "$CAT" "DROP TRIGGER events_no_update;
	    UPDATE events SET body = replace(body, '$ARCH/b.jpg',
	        '$W/elsewhere/b.jpg') WHERE seq = 1 AND
	        item = (SELECT manifest_hash FROM items WHERE id = '$B');"
	# the hash as the insider would store it (sha256 in python)
	"$PYTHON" - "$CAT" "$B" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
mh, = db.execute("SELECT manifest_hash FROM items WHERE id = ?",
    (sys.argv[2],)).fetchone()
body, = db.execute("SELECT body FROM events WHERE item = ? AND seq = 1",
    (mh,)).fetchone()
db.execute("UPDATE events SET hash = ? WHERE item = ? AND seq = 1",
    (hashlib.sha256(body.encode()).hexdigest(), mh))
db.commit()
EOF
	expect_exit 1 "verify B, its relocate's path edited: exit 1" -- \
	    bc verify "$B"
	expect_grep "^  FAILED  event-signature +seq 1: " "$OUT" \
	    "  the relocate's signature fails"
	expect_nogrep "file-present +$W/elsewhere/b.jpg" "$OUT" \
	    "  the forged place is not taken for the file's"
	expect_grep "file-present +$DOCK/b.jpg\$" "$OUT" \
	    "  the place before the unsigned relocate is"
	expect_exit 1 "audit, B's relocate edited: exit 1" -- bc audit
	expect_grep "^FAILED  $B  seq 1  event-signature " "$OUT" \
	    "  audit: the relocate's signature fails"
	# a purge of B acts only on a record that verifies
	expect_exit 1 "purge B, its relocate forged: exit 1" -- \
	    bc custody add "$B" purge --key "$CK" --actor Records \
	    --reason "retention over"
	check "  the forged place's file is kept" -- test -f "$W/elsewhere/b.jpg"
	check "  the signed place's file is kept" -- test -f "$ARCH/b.jpg"
	insider_end
else
	echo "# skip: edited rows (no sqlite3 or python3)"
fi

# ------------------- P: relocated, then purged: the new place only

mv "$DOCK/p.jpg" "$ARCH/p-moved.jpg"
expect_exit 0 "relocate P under another name: exit 0" -- \
    reloc "$P" "$ARCH/p-moved.jpg"
# the writer of the dock leaves a same-named copy at the old place
cp "$ARCH/p-moved.jpg" "$DOCK/p.jpg"
PSUM=$(sha256_of "$DOCK/p.jpg")
expect_exit 0 "purge P: exit 0" -- bc custody add "$P" purge --key "$CK" \
    --actor Records --reason "retention over"
expect_grep "media destroyed" "$OUT" "  the media is destroyed"
check "  the file at the signed place is gone" -- test ! -e "$ARCH/p-moved.jpg"
check "  the same-named file at the old place is kept" -- test -f "$DOCK/p.jpg"
expect_eq "$(sha256_of "$DOCK/p.jpg")" "$PSUM" "  and unchanged"
expect_exit 0 "verify P: exit 0 (purged)" -- bc verify "$P"
expect_exit 2 "relocate P after its purge: exit 2" -- reloc "$P" "$DOCK/p.jpg"
expect_grep "only a note may be recorded" "$ERR" "  refused: purged"
expect_eq "$(nevents "$P")" "4" "  nothing recorded (register, relocate, purge, note)"
# audit looks at the signed place of a purged item
cp "$DOCK/p.jpg" "$ARCH/p-moved.jpg"
expect_exit 1 "audit --files, P's file back at its signed place: exit 1" -- \
    bc audit --files
expect_grep "^FAILED  $P  seq -  purged-but-present  purged, but the sealed file is still at $ARCH/p-moved.jpg\$" \
    "$OUT" "  purged-but-present at the signed place"
rm -f "$ARCH/p-moved.jpg"

# ------------------------ E: the same rules when never relocated

if [ "$HAVE_SQLITE" -eq 1 ]; then
	# the registered path, unsigned, still must end in the sealed name
	insider_begin relocate-e
	cp "$DOCK/e.jpg" "$W/elsewhere/other.jpg"
	q "$CAT" "DROP TRIGGER IF EXISTS items_no_update;
	    UPDATE items SET path = '$W/elsewhere/other.jpg' WHERE id = '$E';"
	expect_exit 1 "purge E, its row edited to another name: exit 1" -- \
	    bc custody add "$E" purge --key "$CK" --actor Records \
	    --reason "retention over"
	expect_grep "does not end in the sealed file name" "$ERR" \
	    "  the row's path is refused"
	check "  the file it names is kept" -- test -f "$W/elsewhere/other.jpg"
	insider_end
fi

finish
