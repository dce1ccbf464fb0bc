#!/bin/sh
# t-release.sh - bodycam release: verify first and release nothing on a
# failure; the events, the checkpoint and the bundle on success; and the
# commands of the bundle's VERIFY.md, run literally in bash, passing on
# the bundle and failing on tampered copies of it.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in bash sqlite3 openssl sha256sum base64; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "# skip: release tests ($tool not found)"
		finish
	fi
done

K=$TMP/keys
M=$TMP/media
W=$TMP/work
mkdir -p "$K" "$M" "$W"
DB=$TMP/cat.db

bc() {
	"$BODYCAM" --catalog "$DB" "$@"
}

q() {
	sqlite3 -bail -batch "$1" "$2"
}

counts() {
	q "$DB" "SELECT (SELECT count(*) FROM events) || ' ' ||
	    (SELECT count(*) FROM checkpoints)"
}

for k in admin cust aud; do
	"$BODYCAM" keygen $k --dir "$K" > /dev/null 2>&1
done
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
expect_eq "$(grep -c '^```sh$' "$W/bundle/VERIFY.md")" 7 \
    "VERIFY.md has its seven command blocks"
run_verify() {
	(cd "$1" && ANCHOR=$2 bash "$W/verify.sh")
}
expect_exit 0 "VERIFY.md's commands pass on the bundle" -- \
    run_verify "$W/bundle" "$K/admin.pub"
expect_grep "^bundle verified$" "$OUT" "  to the end"
expect_exit 0 "  and on the bundle without media" -- \
    run_verify "$W/nomedia" "$K/admin.pub"
expect_exit 1 "  but not when ANCHOR is another key" -- \
    run_verify "$W/bundle" "$K/aud.pub"
expect_exit 1 "  nor without ANCHOR" -- run_verify "$W/bundle" ""

# tampered copies: each is caught; where the forger fixed SHA256SUMS too,
# by a signature, a chain link or a proof
resum() {
	(cd "$1" && sha256sum $(cut -c67- SHA256SUMS) > SHA256SUMS.new &&
	    mv SHA256SUMS.new SHA256SUMS)
}
n=0
tamper() {
	n=$((n + 1))
	rm -rf "$W/t$n"
	cp -r "$W/bundle" "$W/t$n"
	(cd "$W/t$n" && eval "$2")
	[ "${3-}" = resum ] && resum "$W/t$n"
	expect_exit 1 "VERIFY.md fails: $1" -- run_verify "$W/t$n" \
	    "$K/admin.pub"
}
tamper "a media byte changed" "printf X | dd of=media/gps.jpg bs=1 seek=100 conv=notrunc 2>/dev/null"
tamper "a media byte changed, sums redone" "printf X | dd of=media/gps.jpg bs=1 seek=100 conv=notrunc 2>/dev/null" resum
tamper "an actor rewritten, sums redone" "sed -i 's/\"actor\":\"Det. Smith\"/\"actor\":\"Det. Jones\"/' items/BWC-000001/custody.jsonl" resum
tamper "two custody lines swapped, sums redone" "sed -i '1{h;d};2{G}' items/BWC-000001/custody.jsonl" resum
tamper "the last custody line dropped, sums redone" "sed -i '\$d' items/BWC-000001/custody.jsonl" resum
tamper "a manifest signature from another item, sums redone" "cp items/BWC-000003/manifest.sig items/BWC-000001/manifest.sig" resum
tamper "every media file removed, sums redone" "rm -r media; grep -v ' media/' SHA256SUMS > S; mv S SHA256SUMS"
tamper "an extra file" "echo hello > extra.txt"
tamper "a file removed" "rm keys.jsonl"
# the last hash's first digit: 0 becomes 1, anything else 0 (a real change)
tamper "a proof hash changed, sums redone" "sed -i '1s/ 0\([0-9a-f]*\)\$/ 1\1/; t; 1s/ [1-9a-f]\([0-9a-f]*\)\$/ 0\1/' items/BWC-000001/proofs.txt" resum
tamper "the checkpoint's size changed, sums redone" "sed -i '2s/.*/999/' checkpoint" resum
audid=$(openssl pkey -pubin -in "$K/aud.pub" -outform DER | tail -c 32 |
    sha256sum | cut -c1-64)
check "the auditor's key is among the signers" -- \
    test -f "$W/bundle/signers/$audid.pub"
tamper "the auditor's key replaced by another valid key, sums redone" \
    "cp '$K/cust.pub' signers/$audid.pub" resum

finish
