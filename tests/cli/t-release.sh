#!/bin/sh
# t-release.sh - bodycam release: verify first and release nothing on a
# failure; the events, the checkpoint and the bundle on success; and the
# commands of the bundle's VERIFY.md, run literally in bash, passing on
# the bundle and failing on tampered copies of it.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "release tests" bash sqlite3 openssl sha256sum base64

DB=$CAT

counts() {
	q "$DB" "SELECT (SELECT count(*) FROM events) || ' ' ||
	    (SELECT count(*) FROM checkpoints)"
}

keygen_all admin cust aud 2>/dev/null
bc init --admin-key "$K/admin.pub" --origin example.org/t-release > /dev/null
bc key add "$K/cust.pub" --name "Det. Smith" --role custodian \
    --key "$K/admin.key" > /dev/null
bc key add "$K/aud.pub" --name "QA" --role auditor --key "$K/admin.key" \
    > /dev/null
cp "$DATA/stills/GPS.jpg" "$M/gps.jpg"
cp "$DATA/video/sample.3gp" "$M/sample.3gp"
head -c 3000 /dev/urandom > "$M/redacted.bin"
bc register "$M/gps.jpg" "$M/sample.3gp" --key "$K/admin.key" \
    > /dev/null 2>&1
bc custody add BWC-000001 transfer --key "$K/cust.key" --actor "Det. Smith" \
    --to "DA office" --reason trial > /dev/null
bc custody add BWC-000001 derive --key "$K/cust.key" --actor "Det. Smith" \
    --file "$M/redacted.bin" --reason "faces blurred" > /dev/null
expect_eq "$(q "$DB" "SELECT count(*) FROM items")" 3 "three items"

# ------------------------------------------------------------- refusals

expect_exit 2 "release without --to: exit 2" -- \
    bc release BWC-000001 --authority A --key "$K/aud.key" --out "$W/x"
expect_exit 2 "release with no item: exit 2" -- \
    bc release --to R --authority A --key "$K/aud.key" --out "$W/x"
before=$(counts)
expect_exit 2 "a custodian may not release" -- \
    bc release BWC-000001 --to R --authority A --key "$K/cust.key" \
    --out "$W/x"
expect_grep "may not release" "$ERR" "  and says why"
expect_exit 2 "an unknown item: exit 2" -- \
    bc release BWC-000009 --to R --authority A --key "$K/aud.key" \
    --out "$W/x"
expect_exit 2 "an item named twice: exit 2" -- \
    bc release BWC-000001 BWC-000001 --to R --authority A \
    --key "$K/aud.key" --out "$W/x"
mkdir "$W/exists"
expect_exit 2 "an existing --out: exit 2" -- \
    bc release BWC-000001 --to R --authority A --key "$K/aud.key" \
    --out "$W/exists"
check "  the existing directory is left alone" -- \
    test -z "$(ls -A "$W/exists")"

# a file that no longer matches its seal: nothing is released
cp "$M/sample.3gp" "$W/sample.keep"
printf 'x' >> "$M/sample.3gp"
expect_exit 1 "release when one item fails verification: exit 1" -- \
    bc release BWC-000001 BWC-000002 --to R --authority A \
    --key "$K/aud.key" --out "$W/x"
expect_grep "BWC-000002: file-hash" "$ERR" "  names the item and the check"
expect_grep "nothing was released" "$ERR" "  says nothing was released"
cp "$W/sample.keep" "$M/sample.3gp"
check "  writes no bundle" -- test ! -e "$W/x"
expect_eq "$(ls "$W" | grep -c '^x')" 0 "  and no temporary directory"
expect_eq "$(counts)" "$before" "  and records no event and no checkpoint"

# ------------------------------------------------------------- release

expect_exit 0 "release two items (one derived) to the DA" -- \
    bc release BWC-000001 BWC-000003 --to "DA office" \
    --authority "subpoena 2026-17" --key "$K/aud.key" --actor "QA" \
    --out "$W/bundle"
expect_grep "released 2 items to DA office" "$OUT" "  says so"
for id in BWC-000001 BWC-000003; do
	h=$(q "$DB" "SELECT manifest_hash FROM items WHERE id = '$id'")
	expect_eq "$(q "$DB" "SELECT json_extract(body, '\$.action') FROM events
	    WHERE item = '$h' ORDER BY seq DESC LIMIT 2" | tr '\n' ' ')" \
	    "release verify " "$id: a passing verify, then the release"
	expect_eq "$(q "$DB" "SELECT json_extract(body,
	    '\$.details.to') || '|' || json_extract(body, '\$.details.reason')
	    FROM events WHERE item = '$h' ORDER BY seq DESC LIMIT 1")" \
	    "DA office|subpoena 2026-17" "  the release names recipient and authority"
done
size=$(q "$DB" "SELECT max(idx) + 1 FROM nodes WHERE level = 0")
expect_eq "$(sed -n 2p "$W/bundle/checkpoint")" "$size" \
    "the bundle's checkpoint covers the whole log, release events included"
expect_eq "$(q "$DB" "SELECT count(*) FROM checkpoints")" 1 \
    "  and is stored"
for f in SHA256SUMS VERIFY.md checkpoint anchor.pub keys.jsonl \
    media/gps.jpg media/redacted.bin \
    items/BWC-000001/manifest.json items/BWC-000001/manifest.sig \
    items/BWC-000001/custody.jsonl items/BWC-000001/proofs.json \
    items/BWC-000003/parent/manifest.json \
    items/BWC-000003/parent/derive.jsonl; do
	check "the bundle has $f" -- test -f "$W/bundle/$f"
done
expect_eq "$(wc -c < "$W/bundle/items/BWC-000001/manifest.sig" | tr -d ' ')" \
    64 "a manifest signature is 64 raw bytes"
check "media are the registered files" -- cmp -s "$W/bundle/media/gps.jpg" \
    "$M/gps.jpg"
expect_eq "$(wc -l < "$W/bundle/items/BWC-000001/custody.jsonl" | tr -d ' ')" \
    "$(q "$DB" "SELECT count(*) FROM events WHERE item = (SELECT
    manifest_hash FROM items WHERE id = 'BWC-000001')")" \
    "custody.jsonl has every event"
(cd "$W/bundle" && sha256sum --strict --quiet -c SHA256SUMS) \
    > "$W/sums.out" 2>&1
expect_eq "$?" 0 "sha256sum -c SHA256SUMS passes"
expect_exit 0 "the catalog audits clean after the release" -- bc audit

expect_exit 0 "release --no-media" -- \
    bc release BWC-000002 --to "Public" --authority "records request 88" \
    --key "$K/admin.key" --out "$W/nomedia" --no-media
check "  has no media/" -- test ! -e "$W/nomedia/media"
expect_eq "$(q "$DB" "SELECT json_extract(body, '\$.details.media') FROM events
    WHERE item = (SELECT manifest_hash FROM items WHERE id = 'BWC-000002')
    ORDER BY seq DESC LIMIT 1")" "omitted" "  and its signed release says so"
expect_eq "$(q "$DB" "SELECT json_extract(body, '\$.details.media') FROM events
    WHERE item = (SELECT manifest_hash FROM items WHERE id = 'BWC-000001')
    ORDER BY seq DESC LIMIT 1")" "included" \
    "a release with media says 'included'"

# ------------------------------------------------------------- VERIFY.md

# the sh blocks of VERIFY.md, exactly as written, in one bash session
awk '/^```sh$/ { f = 1; next } /^```$/ { f = 0 } f' "$W/bundle/VERIFY.md" \
    > "$W/verify.sh"
expect_eq "$(grep -c '^```sh$' "$W/bundle/VERIFY.md")" 12 \
    "VERIFY.md has its twelve command blocks (10: trusted time, 11: witnesses)"
run_verify() {
	(cd "$1" && ANCHOR=$2 bash "$W/verify.sh")
}
expect_exit 0 "VERIFY.md's commands pass on the bundle" -- \
    run_verify "$W/bundle" "$K/admin.pub"
expect_grep "^bundle verified$" "$OUT" "  to the end"
for i in 1 2 3 4 5 6 7 8 9 10 11; do
	expect_grep "^OK step $i " "$OUT" "  step $i says OK"
done
expect_nogrep "FAIL" "$OUT$(cat "$ERR")" "  and nothing failed"
expect_grep "^OK step 4 [(]checkpoint[)]: [0-9]+ records of .*, root $(sed -n 3p "$W/bundle/checkpoint" | sed 's/[+/]/[&]/g'), signed by key [0-9a-f]{64}$" \
    "$OUT" "  the checkpoint's root in base64, as the checkpoint has it"
expect_exit 0 "  and on the bundle without media" -- \
    run_verify "$W/nomedia" "$K/admin.pub"
expect_exit 1 "  but not when ANCHOR is another key" -- \
    run_verify "$W/bundle" "$K/aud.pub"
expect_grep "^FAIL step 2 [(]keys[)]: anchor.pub: not the admin key " "$ERR" \
    "  FAIL step 2, anchor.pub"
expect_exit 1 "  nor without ANCHOR" -- run_verify "$W/bundle" ""

# tampered copies: each is caught; where the forger fixed SHA256SUMS too,
# by a signature, a chain link or a proof
resum() {
	(cd "$1" && sha256sum $(cut -c67- SHA256SUMS) > SHA256SUMS.new &&
	    mv SHA256SUMS.new SHA256SUMS)
}
n=0
# tamper DESC EDIT resum|- FAIL: VERIFY.md fails with a line matching
# "^FAIL step FAIL"
tamper() {
	n=$((n + 1))
	sqlite_only "VERIFY.md on a tampered bundle: $1" \
	    "no catalog in it: run on SQLite" || return 0
	rm -rf "$W/t$n"
	cp -r "$W/bundle" "$W/t$n"
	(cd "$W/t$n" && eval "$2")
	[ "${3-}" = resum ] && resum "$W/t$n"
	expect_exit 1 "VERIFY.md fails: $1" -- run_verify "$W/t$n" \
	    "$K/admin.pub"
	expect_grep "^FAIL step $4" "$ERR" "  FAIL step $4"
	expect_eq "$(grep -c '^FAIL' "$ERR")" 1 "  one FAIL line"
}
tamper "a media byte changed" "printf X | dd of=media/gps.jpg bs=1 seek=100 conv=notrunc 2>/dev/null" - \
    "1 [(]files[)]: media/gps.jpg: "
tamper "a media byte changed, sums redone" "printf X | dd of=media/gps.jpg bs=1 seek=100 conv=notrunc 2>/dev/null" resum \
    "6 [(]each item[)]: media/gps.jpg: not the SHA-256 that items/BWC-[0-9]+/manifest.json seals"
tamper "an actor rewritten, sums redone" "sed -i 's/\"actor\":\"Det. Smith\"/\"actor\":\"Det. Jones\"/' items/BWC-000001/custody.jsonl" resum \
    "6 [(]each item[)]: items/BWC-000001/custody.jsonl line [0-9]+: the event's signature does not verify"
tamper "two custody lines swapped, sums redone" "sed -i '1{h;d};2{G}' items/BWC-000001/custody.jsonl" resum \
    "6 [(]each item[)]: items/BWC-000001/custody.jsonl line 1: its prev is not"
tamper "the last custody line dropped, sums redone" "sed -i '\$d' items/BWC-000001/custody.jsonl" resum \
    "5 [(]release statement[)]: items/BWC-000001/custody.jsonl: its last event is not the release event"
tamper "a manifest signature from another item, sums redone" "cp items/BWC-000003/manifest.sig items/BWC-000001/manifest.sig" resum \
    "6 [(]each item[)]: items/BWC-000001/manifest.json: the manifest's signature"
tamper "every media file removed, sums redone" "rm -r media; grep -v ' media/' SHA256SUMS > S; mv S SHA256SUMS" - \
    "6 [(]each item[)]: media/[^:]*: the release includes the media"
tamper "an extra file" "echo hello > extra.txt" - \
    "1 [(]files[)]: extra.txt: not once in the bundle and once in SHA256SUMS"
tamper "a file removed" "rm keys.jsonl" - \
    "1 [(]files[)]: keys.jsonl: "
# the last hash's first digit: 0 becomes 1, anything else 0 (a real change)
tamper "a proof hash changed, sums redone" "sed -i '1s/ 0\([0-9a-f]*\)\$/ 1\1/; t; 1s/ [1-9a-f]\([0-9a-f]*\)\$/ 0\1/' items/BWC-000001/proofs.txt" resum \
    "7 [(]inclusion proofs[)]: items/BWC-000001/proofs.txt [(]manifest -[)]: leaf [0-9]+ is not included under the checkpoint's root"
tamper "the checkpoint's size changed, sums redone" "sed -i '2s/.*/999/' checkpoint" resum \
    "4 [(]checkpoint[)]: checkpoint: the signature of key [0-9a-f]{64} does not verify"
tamper "a file listed twice in SHA256SUMS" "sed -n 1p SHA256SUMS > S && cat SHA256SUMS >> S && mv S SHA256SUMS" - \
    "1 [(]files[)]: VERIFY.md: not once in the bundle and once in SHA256SUMS"
tamper "SHA256SUMS out of order" "sed -i '1{h;d};2{G}' SHA256SUMS" - \
    "1 [(]files[)]: "
T=items/BWC-000001/proofs/event-1.tlog-proof
tamper "a tlog-proof's index changed, sums redone" "sed -i '2s/.*/index 999/' $T" resum \
    "8 [(]tlog-proof files[)]: $T: not the proof of event 1 in proofs.txt with the bundle's checkpoint"
tamper "a tlog-proof's signature line changed, sums redone" "sed -i '\$s/.\$/x/' $T" resum \
    "8 [(]tlog-proof files[)]: $T: not the proof of event 1"
tamper "a tlog-proof with trailing data, sums redone" "echo >> $T" resum \
    "8 [(]tlog-proof files[)]: $T: after the bundle's checkpoint, more than signature lines"
tamper "two tlog-proofs swapped, sums redone" "mv $T x && mv items/BWC-000001/proofs/event-0.tlog-proof $T && mv x items/BWC-000001/proofs/event-0.tlog-proof" resum \
    "8 [(]tlog-proof files[)]: items/BWC-000001/proofs/event-0.tlog-proof: not the proof of event 0"
tamper "a tlog-proof removed, sums redone" "rm $T && grep -v ' $T\$' SHA256SUMS > S; mv S SHA256SUMS" - \
    "8 [(]tlog-proof files[)]: $T: missing: the proof of event 1"
tamper "a tlog-proof of no record added, sums redone" "cp $T items/BWC-000001/proofs/event-77.tlog-proof && sha256sum items/BWC-000001/proofs/event-77.tlog-proof >> SHA256SUMS && LC_ALL=C sort -k2 SHA256SUMS > S && mv S SHA256SUMS" - \
    "8 [(]tlog-proof files[)]: items/BWC-000001/proofs/: holds other files than the proofs"
tamper "the statement's tlog-proof edited, sums redone" "sed -i '2s/.*/index 0/' proofs/release.tlog-proof" resum \
    "8 [(]tlog-proof files[)]: proofs/release.tlog-proof: not the proof of release -"
audid=$(openssl pkey -pubin -in "$K/aud.pub" -outform DER | tail -c 32 |
    sha256sum | cut -c1-64)
check "the auditor's key is among the signers" -- \
    test -f "$W/bundle/signers/$audid.pub"
tamper "the auditor's key replaced by another valid key, sums redone" \
    "cp '$K/cust.pub' signers/$audid.pub" resum \
    "2 [(]keys[)]: signers/$audid.pub: not the key its name says"

# ------------------------------------------- VERIFY.md and forged bundles

if [ "$HAVE_PYTHON" -ne 1 ]; then
	echo "# skip: VERIFY.md on forged bundles (no python3)"
	finish
fi
ED=$REPO/tests/cli/bundle-edit.py
# SHA256SUMS of every file, as a forger who adds or removes files makes it
resum_all() {
	(cd "$1" && find . -type f ! -path ./SHA256SUMS | sed 's|^\./||' |
	    LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done \
	    > "$W/sums" && mv "$W/sums" SHA256SUMS)
}
# edited STATUS WORD CASE EDIT [DIR]: a copy of the bundle (or DIR),
# edited by the shell command EDIT in it, SHA256SUMS redone: VERIFY.md
# exits STATUS
edited() {
	sqlite_only "VERIFY.md on an edited bundle: $3" \
	    "no catalog in it: run on SQLite" || return 0
	rm -rf "$W/f"
	cp -r "${5:-$W/bundle}" "$W/f"
	(cd "$W/f" && eval "$4")
	resum_all "$W/f"
	expect_exit "$1" "VERIFY.md $2: $3" -- run_verify "$W/f" \
	    "$K/admin.pub"
	if [ "$1" -ne 0 ]; then
		expect_eq "$(grep -c '^FAIL step [1-9] [(][a-z -]*[)]: [^ ]' "$ERR")" 1 \
		    "  one FAIL line, naming the step and the file"
	fi
}
forged() {
	edited 1 fails "$@"
}
kept() {
	edited 0 passes "$@"
}

# each record is held to exactly its own proof: a record re-signed with
# changed content (by an insider holding its key), and the proof line of
# another record in its place
forged "the last event re-signed, another record's proof in its place" \
    "'$PYTHON' '$ED' resign-line items/BWC-000001/custody.jsonl 5 '$K/aud.key' 'DA office' 'DA offices' &&
    '$PYTHON' '$ED' dup-proof . BWC-000001 event 4 4"
# the parent's derive event: no chain or statement names it in the
# child's bundle, only its proof does
forged "a derive event re-signed, another record's proof in its place" \
    "'$PYTHON' '$ED' resign-line items/BWC-000003/parent/derive.jsonl 1 '$K/cust.key' 'faces blurred' 'nothing blurred' &&
    '$PYTHON' '$ED' dup-proof . BWC-000003 parent-event 2 2"
forged "a record's proof line given twice (another's dropped)" \
    "'$PYTHON' '$ED' dup-proof . BWC-000001 event 2 2"

# C2SP signed notes: signatures of unknown keys are ignored, and the
# signed text is every line before the blank line (extension lines too)
"$BODYCAM" keygen stranger --dir "$K" > /dev/null 2>&1
kept "an unknown key's signature line first" \
    "'$PYTHON' '$ED' checkpoint . '$K/aud.key' --other-first '$K/stranger.key' &&
    test \"\$(sed '1,/^\$/d' checkpoint | wc -l)\" -eq 2"
kept "a checkpoint with an extension line" \
    "'$PYTHON' '$ED' checkpoint . '$K/aud.key' --ext 'ext: a line' &&
    test \"\$(sed -n 4p checkpoint)\" = 'ext: a line'"
forged "a checkpoint signed by a custodian's key only" \
    "'$PYTHON' '$ED' checkpoint . '$K/cust.key'"
forged "a checkpoint with an extension line not signed" \
    "sed -i '3a ext: a line' checkpoint"

# the release statement: every item, whole up to its release event
expect_exit 0 "setup: a hold on BWC-000002 after its release" -- \
    bc custody add BWC-000002 hold --key "$K/cust.key" --actor clerk \
    --reason "litigation hold"
expect_exit 0 "setup: BWC-000001 and BWC-000002 released" -- \
    bc release BWC-000001 BWC-000002 --to "DA office" \
    --authority "subpoena 2026-18" --key "$K/aud.key" --out "$W/second" \
    --no-media
expect_exit 0 "VERIFY.md passes on that bundle" -- \
    run_verify "$W/second" "$K/admin.pub"
expect_grep "^OK step 5 [(]release statement[)]: 2 items to DA office" "$OUT" "  and names the release"
# BWC-000002: register, verify, release (--no-media), hold, verify, release
forged "the chain cut back to an earlier release" \
    "'$PYTHON' '$ED' cut . BWC-000002 3" "$W/second"
forged "a chain cut to its register event" \
    "'$PYTHON' '$ED' cut . BWC-000001 1" "$W/second"
forged "an item dropped" "rm -r items/BWC-000001" "$W/second"
forged "an item dropped, and from the statement re-signed" \
    "rm -r items/BWC-000001 &&
    '$PYTHON' '$ED' restate . '$K/aud.key' drop-item BWC-000001" "$W/second"
forged "the statement's recipient changed" \
    "sed -i 's/\"to\":\"DA office\"/\"to\":\"DA offices\"/' release.json" \
    "$W/second"
forged "the statement's recipient changed, re-signed" \
    "'$PYTHON' '$ED' restate . '$K/aud.key' to 'Defence counsel'" \
    "$W/second"
forged "an item of another release added" \
    "cp -r '$W/bundle/items/BWC-000003' items/" "$W/second"
forged "the statement's proof line dropped" "sed -i '\$d' proofs.txt" \
    "$W/second"

# ------------------------------------------------------------- schema 5

# a schema 4 catalog (with a release made before statements) upgrades
cp "$DATA/catalogs/v4.db" "$W/v4.db"
chmod 644 "$W/v4.db"
expect_eq "$(q "$W/v4.db" "PRAGMA user_version")" 4 \
    "the v4 fixture is schema 4"
expect_exit 0 "a schema 4 catalog is upgraded" -- \
    "$BODYCAM" --catalog "$W/v4.db" upgrade
expect_exit 0 "  and audits clean" -- "$BODYCAM" --catalog "$W/v4.db" audit
expect_grep "^log: 11 leaves" "$OUT" "  its 11 records are in the log"
expect_eq "$(q "$W/v4.db" "PRAGMA user_version")" 8 "  schema 8 (4 -> 5 -> 6 -> 7 -> 8)"
expect_eq "$(q "$W/v4.db" "SELECT count(*) FROM releases")" 0 \
    "  with an empty releases table"
sqlite_only "the upgraded table is the one a new catalog has" &&
    expect_eq "$(q "$W/v4.db" ".schema releases")" \
    "$(q "$DB" ".schema releases")" \
    "  the upgraded table is the one a new catalog has"
cp "$DATA/catalogs/v3.db" "$W/v3.db"
chmod 644 "$W/v3.db"
expect_exit 0 "a schema 3 catalog is upgraded (3 -> 4 -> 5 -> 6)" -- \
    "$BODYCAM" --catalog "$W/v3.db" upgrade
expect_exit 0 "  and audits clean" -- "$BODYCAM" --catalog "$W/v3.db" audit
expect_eq "$(q "$W/v3.db" "PRAGMA user_version")" 8 "  schema 8"

# release statements are records of the catalog, append-only, in the log
expect_eq "$(q "$DB" "SELECT count(*) FROM releases")" 3 \
    "each release recorded its statement"
expect_eq "$(q "$DB" "SELECT body FROM releases ORDER BY id DESC LIMIT 1")" \
    "$(cat "$W/second/release.json")" "  the bundle's statement is the last"
expect_eq "$(q "$DB" "SELECT leaf + 1 FROM releases ORDER BY id DESC
    LIMIT 1")" "$(sed -n 2p "$W/second/checkpoint")" \
    "  and the last record of its checkpoint"
expect_exit 1,19 "a release statement cannot be deleted" -- \
    q "$DB" "DELETE FROM releases"
expect_exit 1,19 "  nor changed" -- q "$DB" "UPDATE releases SET body = 'x'"
if [ "$ENGINE" = pg ]; then
	# PostgreSQL's replace: an upsert, which is an UPDATE
	expect_exit 1,19 "  nor replaced" -- q "$DB" "INSERT INTO releases
	    SELECT * FROM releases LIMIT 1 ON CONFLICT (id) DO UPDATE SET
	    body = 'x'"
else
	expect_exit 1,19 "  nor replaced" -- q "$DB" "INSERT OR REPLACE INTO
	    releases SELECT * FROM releases LIMIT 1"
fi
expect_grep "releases are append-only" "$ERR" "  by the append-only trigger"
expect_exit 0 "the catalog audits clean with its release statements" -- \
    bc audit
cat_copy "$W/edited.db"
q "$W/edited.db" "DROP TRIGGER releases_no_update;
    UPDATE releases SET body = replace(body, 'DA office', 'DA offices')
    WHERE id = 1"
expect_exit 1 "an edited release statement fails the audit" -- \
    "$BODYCAM" --catalog "$W/edited.db" audit
expect_grep "log-leaf" "$OUT" "  its leaf is recomputed"
expect_exit 0 "audit --json counts the release statements" -- bc --json audit
json_check "$OUT" "d['releases'] == $(q "$DB" "SELECT count(*) FROM releases") and d['releases'] > 0" \
    "  every stored statement was checked"
# the statement's bytes (and so its leaf) untouched, its signature not its
# own: only the statement's signature check can catch it
cat_copy "$W/resigned.db"
q "$W/resigned.db" "DROP TRIGGER releases_no_update;
    UPDATE releases SET signature = (SELECT signature FROM events
        ORDER BY id DESC LIMIT 1) WHERE id = 1"
expect_exit 1 "a release statement with another record's signature fails the audit" -- \
    "$BODYCAM" --catalog "$W/resigned.db" audit
expect_grep "^FAILED +release-1 .*release-statement .*signature does not verify" \
    "$OUT" "  named: release-1, release-statement, the signature"
expect_nogrep "log-leaf" "$OUT" "  its leaf still holds"

finish
