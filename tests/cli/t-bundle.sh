#!/bin/sh
# t-bundle.sh - bodycam verify-bundle: a real release bundle (two items and
# a derived one, so that parent/ is there) passes offline with the right
# admin key and without any catalog; it is not "trusted" without --trust
# or under another admin key; and every way of tampering with it fails
# (exit 1) with the file named: each file edited by one byte, removed or
# renamed, both as it is and with SHA256SUMS recomputed to match (so that
# the signatures, chains and proofs must catch it), an extra file, a
# symbolic link, two custody lines swapped, signatures swapped between
# items, a signer's key replaced by another valid key, and a checkpoint
# from another catalog or from before the release.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "bundle tests" sha256sum find sort
if ! "$BODYCAM" help release > /dev/null 2>&1; then
	echo "# skip: bundle tests (this bodycam has no 'release')"
	finish
fi

DB=$CAT
B=$TMP/bundle		# the pristine bundle; tests change copies ($W)

vb() {
	"$BODYCAM" verify-bundle "$@"
}

# ------------------------------------------------------------------ set-up

keygen_all admin cust aud dock other otheraud
AUD_ID=$(grep -o '[0-9a-f]\{64\}' "$TMP/kid.aud" | head -n 1)
CUST_ID=$(grep -o '[0-9a-f]\{64\}' "$TMP/kid.cust" | head -n 1)
check "setup: keygen admin, cust, aud, dock, other, otheraud (ids read)" -- \
    test -n "$AUD_ID" -a -n "$CUST_ID" -a -f "$K/other.pub"
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub" \
    --origin example.org/t-bundle
add_keys cust:custodian aud:auditor dock:ingest
cp "$DATA/stills/Apple.jpg" "$DATA/stills/Canon.jpg" "$DATA/stills/GPS.jpg" \
    "$M/"
chmod 644 "$M"/*
expect_exit 0 "setup: register Apple.jpg (BWC-000001)" -- \
    bc register "$M/Apple.jpg" --key "$K/dock.key"
expect_exit 0 "setup: register Canon.jpg (BWC-000002)" -- \
    bc register "$M/Canon.jpg" --key "$K/dock.key"
expect_exit 0 "setup: custody access" -- \
    bc custody add BWC-000001 access --key "$K/cust.key" --actor "Det. Smith"
expect_exit 0 "setup: derive GPS.jpg from BWC-000001 (BWC-000003)" -- \
    bc custody add BWC-000001 derive --file "$M/GPS.jpg" \
    --reason "faces redacted" --key "$K/cust.key" --actor "AV tech"
expect_exit 0 "setup: a checkpoint before the release" -- \
    bc checkpoint --key "$K/aud.key" --out "$TMP/cp-before"
expect_exit 0 "setup: release BWC-000001 BWC-000002 BWC-000003" -- \
    bc release BWC-000001 BWC-000002 BWC-000003 --to "DA office" \
    --authority "subpoena 2026-17" --key "$K/aud.key" --out "$B"
check "setup: the bundle has parent/ files" -- \
    test -f "$B/items/BWC-000003/parent/derive.jsonl"

# another catalog: other keys, and one with the same keys but another log
mkdir -p "$TMP/o1" "$TMP/o2"
cp "$DATA/stills/GoPro.jpg" "$TMP/o1/"
cp "$DATA/stills/GoPro.jpg" "$TMP/o2/"
chmod 644 "$TMP/o1/GoPro.jpg" "$TMP/o2/GoPro.jpg"
o1() { "$BODYCAM" --catalog "$TMP/o1.db" "$@"; }
o2() { "$BODYCAM" --catalog "$TMP/o2.db" "$@"; }
o1 init --admin-key "$K/other.pub" > /dev/null 2>&1
o1 key add "$K/otheraud.pub" --name oa --role auditor --key "$K/other.key" \
    > /dev/null 2>&1
o1 register "$TMP/o1/GoPro.jpg" --key "$K/other.key" > /dev/null 2>&1
o1 release BWC-000001 --to x --authority y --key "$K/otheraud.key" \
    --out "$TMP/o1/bundle" > /dev/null 2>&1
o2 init --admin-key "$K/admin.pub" > /dev/null 2>&1
o2 key add "$K/aud.pub" --name aud --role auditor --key "$K/admin.key" \
    > /dev/null 2>&1
o2 register "$TMP/o2/GoPro.jpg" --key "$K/admin.key" > /dev/null 2>&1
o2 release BWC-000001 --to x --authority y --key "$K/aud.key" \
    --out "$TMP/o2/bundle" > /dev/null 2>&1
check "setup: checkpoints of two other catalogs" -- \
    test -s "$TMP/o1/bundle/checkpoint" -a -s "$TMP/o2/bundle/checkpoint"

# ------------------------------------------------------ the untouched bundle

# no catalog anywhere: verify-bundle must not need or make one
export BODYCAM_CATALOG="$TMP/no-such-catalog.db"
expect_exit 0 "untouched bundle, --trust admin.pub: exit 0" -- \
    vb "$B" --trust "$K/admin.pub"
expect_grep '^integrity: ok  authentic: ok  trusted: ok$' "$OUT" \
    "untouched bundle: the summary says all three levels hold"
expect_nogrep '^FAILED' "$OUT" "untouched bundle: no FAILED line"
expect_grep '3 items, 1[0-9] custody events, [0-9]+ files' "$OUT" \
    "untouched bundle: counts items, events and files"
check "no catalog was opened or made" -- test ! -e "$TMP/no-such-catalog.db"
expect_exit 0 "--catalog naming a missing file does not matter" -- \
    "$BODYCAM" --catalog "$TMP/nope/x.db" verify-bundle "$B" \
    --trust "$K/admin.pub"
unset BODYCAM_CATALOG
(cd "$B" && sha256sum -c --quiet SHA256SUMS) > /dev/null 2>&1
expect_eq "$?" 0 "sha256sum -c agrees with the bundle's SHA256SUMS"

expect_exit 0 "--json: exit 0" -- vb --json "$B" --trust "$K/admin.pub"
json_check "$OUT" "d['integrity'] is True and d['authentic'] is True and d['trusted'] is True and d['failures'] == []" \
    "--json: integrity, authentic, trusted true, no failures"
json_check "$OUT" "d['items'] == 3 and d['events'] >= 10 and d['files'] == sum(1 for l in open('$B/SHA256SUMS'))" \
    "--json: items 3, events, files as SHA256SUMS lists"
json_check "$OUT" "sorted(d) == ['authentic', 'events', 'failures', 'files', 'integrity', 'items', 'trusted', 'views']" \
    "--json: exactly the documented members"

expect_exit 1 "without --trust: exit 1" -- vb "$B"
expect_grep 'no trust anchor given: --trust ADMIN.pub' "$OUT" \
    "without --trust: says so"
expect_grep '^integrity: ok  authentic: ok  trusted: not checked$' "$OUT" \
    "without --trust: integrity and authentic ok, trusted not checked"
expect_exit 1 "without --trust, --json: exit 1" -- vb --json "$B"
json_check "$OUT" "d['integrity'] is True and d['authentic'] is True and d['trusted'] is False" \
    "without --trust, --json: integrity and authentic still true"
json_check "$OUT" "[f['check'] for f in d['failures']] == ['trust-anchor'] and d['failures'][0]['level'] == 'trusted'" \
    "without --trust, --json: one trusted-level failure"

expect_exit 1 "--trust another admin key: exit 1" -- \
    vb "$B" --trust "$K/other.pub"
expect_grep '^FAILED  anchor\.pub  trust-anchor  ' "$OUT" \
    "another admin key: anchor.pub fails trust-anchor"
expect_grep '^integrity: ok  authentic: ok  trusted: FAILED$' "$OUT" \
    "another admin key: trusted FAILED, the rest ok"
expect_exit 1 "--trust another admin key, --json: exit 1" -- \
    vb --json "$B" --trust "$K/other.pub"
json_check "$OUT" "d['integrity'] and d['authentic'] and not d['trusted']" \
    "another admin key, --json: not trusted, still authentic"
expect_exit 1 "--trust the auditor's key (not the admin): exit 1" -- \
    vb "$B" --trust "$K/aud.pub"

# usage and environment
expect_exit 2 "no DIR: exit 2" -- vb
expect_exit 2 "two DIRs: exit 2" -- vb "$B" "$B"
expect_exit 2 "unknown option: exit 2" -- vb "$B" --frobnicate
expect_exit 2 "--trust without a value: exit 2" -- vb "$B" --trust
expect_exit 2 "a missing DIR: exit 2" -- vb "$TMP/no-such-bundle"
expect_grep 'no-such-bundle' "$ERR" "a missing DIR: named on stderr"
expect_exit 2 "DIR is a file: exit 2" -- vb "$B/SHA256SUMS"
expect_exit 2 "--trust a missing file: exit 2" -- vb "$B" --trust "$TMP/x.pub"
expect_exit 2 "--trust a private key: exit 2" -- vb "$B" --trust "$K/admin.key"
expect_exit 2 "--trust a file that is not a key: exit 2" -- \
    vb "$B" --trust "$B/SHA256SUMS"
mkdir "$TMP/empty"
expect_exit 1 "an empty directory: exit 1" -- \
    vb "$TMP/empty" --trust "$K/admin.pub"
expect_grep '^FAILED  SHA256SUMS  missing' "$OUT" \
    "an empty directory: SHA256SUMS missing"
expect_exit 0 "verify-bundle --help: exit 0" -- vb --help
expect_grep 'trust ADMIN\.pub' "$OUT" "--help names --trust ADMIN.pub"

# ------------------------------------------------------------- tampering

fresh() {
	rm -rf "$W"
	cp -R "$B" "$W"
}

# recompute SHA256SUMS as a careful forger would
resum() {
	(
		cd "$W" || exit 1
		find . -type f ! -path ./SHA256SUMS | sed 's|^\./||' |
		    LC_ALL=C sort | while IFS= read -r f; do
			sha256sum "$f"
		done > "$TMP/sums" && mv "$TMP/sums" SHA256SUMS
	)
}

# tampered DESC FILE: verify-bundle exits 1 and a FAILED line names FILE
tampered() {
	expect_exit 1 "$1: exit 1" -- vb "$W" --trust "$K/admin.pub"
	if grep '^FAILED' "$OUT" | grep -F -q -- "$2"; then
		pass "$1: names $2"
	else
		fail "$1: names $2"
		show_file stdout "$OUT"
	fi
}

# authentic_fails DESC: with SHA256SUMS recomputed the files are intact,
# and the authentic level fails
authentic_fails() {
	expect_grep '^integrity: ok  authentic: FAILED' "$OUT" \
	    "$1: integrity ok, authentic FAILED"
}

FILES=$(cd "$B" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
NFILES=$(printf '%s\n' "$FILES" | wc -l | tr -d ' ')
check "the bundle has files to tamper with ($NFILES)" -- test "$NFILES" -ge 25

for f in $FILES; do
	sz=$(size_of "$B/$f")
	off=$((sz / 2))

	fresh
	flip_byte "$W/$f" "$off"
	tampered "one byte of $f edited" "$f"

	fresh
	rm "$W/$f"
	tampered "$f removed" "$f"

	fresh
	mv "$W/$f" "$W/$f.renamed"
	tampered "$f renamed" "$f"

	# with SHA256SUMS recomputed, only the format and the signatures can
	# tell; VERIFY.md (instructions for people) and SHA256SUMS itself
	# are not signed, so a forger who rewrites them is caught only
	# through what they describe
	case $f in
	SHA256SUMS|VERIFY.md)
		continue
		;;
	esac
	fresh
	flip_byte "$W/$f" "$off"
	resum
	tampered "one byte of $f edited, SHA256SUMS recomputed" "$f"
	case $f in
	media/*) ;;
	*) authentic_fails "one byte of $f edited, SHA256SUMS recomputed" ;;
	esac

	fresh
	rm "$W/$f"
	resum
	tampered "$f removed, SHA256SUMS recomputed" "$f"

	fresh
	mv "$W/$f" "$W/$f.renamed"
	resum
	tampered "$f renamed, SHA256SUMS recomputed" "$f"
done

fresh
rm "$W/VERIFY.md"
resum
tampered "VERIFY.md removed, SHA256SUMS recomputed" "VERIFY.md"

fresh
echo "not part of it" > "$W/notes.txt"
tampered "an extra file" "notes.txt"
expect_grep '^FAILED  notes\.txt  extra-file  extra file' "$OUT" \
    "an extra file: 'extra file', not listed in SHA256SUMS"
resum
tampered "an extra file, SHA256SUMS recomputed" "notes.txt"

fresh
echo x > "$W/items/BWC-000002/extra.json"
resum
tampered "an extra file in an item, SHA256SUMS recomputed" \
    "items/BWC-000002/extra.json"

fresh
mkdir "$W/items/BWC-000002/parent"
cp "$B/items/BWC-000003/parent/manifest.json" \
    "$B/items/BWC-000003/parent/manifest.sig" "$W/items/BWC-000002/parent/"
resum
tampered "parent/ files given to an item that is not derived" \
    "items/BWC-000002/parent/manifest.json"

# links: even to the very same bytes, a bundle holds regular files only
fresh
rm "$W/media/Apple.jpg"
ln -s "$B/media/Apple.jpg" "$W/media/Apple.jpg"
tampered "a media file replaced by a symlink to the same bytes" \
    "media/Apple.jpg"
expect_grep '^FAILED  media/Apple\.jpg  symlink' "$OUT" \
    "the symlink is named as one"
fresh
rm -rf "$W/items/BWC-000002"
ln -s "$B/items/BWC-000002" "$W/items/BWC-000002"
tampered "an item directory replaced by a symlink" "items/BWC-000002"
fresh
ln -s /etc/passwd "$W/passwd"
tampered "a symlink out of the bundle" "passwd"
if command -v mkfifo > /dev/null 2>&1; then
	fresh
	mkfifo "$W/media/pipe"
	tampered "a FIFO in the bundle (and no hang)" "media/pipe"
fi

# two custody lines swapped
fresh
c=$W/items/BWC-000001/custody.jsonl
{ sed -n 2p "$c"; sed -n 1p "$c"; sed -n '3,$p' "$c"; } > "$TMP/c.jsonl"
mv "$TMP/c.jsonl" "$c"
resum
tampered "two custody lines swapped" "items/BWC-000001/custody.jsonl"
authentic_fails "two custody lines swapped"
expect_grep 'event-link' "$OUT" "two custody lines swapped: event-link"

fresh
c=$W/items/BWC-000001/custody.jsonl
{ sed -n 1p "$c"; sed -n 3p "$c"; sed -n 2p "$c"; sed -n '4,$p' "$c"; } \
    > "$TMP/c.jsonl"
mv "$TMP/c.jsonl" "$c"
resum
tampered "custody lines 2 and 3 swapped" "items/BWC-000001/custody.jsonl"

fresh
sed '$d' "$B/items/BWC-000002/custody.jsonl" \
    > "$W/items/BWC-000002/custody.jsonl"
resum
tampered "the last custody line (the release) dropped" \
    "items/BWC-000002/proofs.json"

# signatures swapped between items
fresh
cp "$B/items/BWC-000002/manifest.sig" "$W/items/BWC-000001/manifest.sig"
cp "$B/items/BWC-000001/manifest.sig" "$W/items/BWC-000002/manifest.sig"
resum
tampered "manifest signatures swapped between items (1)" \
    "items/BWC-000001/manifest.sig"
tampered "manifest signatures swapped between items (2)" \
    "items/BWC-000002/manifest.sig"
authentic_fails "manifest signatures swapped between items"

fresh
sig2=$(sed -n '1s/.*,"sig":"\([^"]*\)"}$/\1/p' \
    "$B/items/BWC-000002/custody.jsonl")
c=$W/items/BWC-000001/custody.jsonl
sed "1s|,\"sig\":\"[^\"]*\"}\$|,\"sig\":\"$sig2\"}|" \
    "$B/items/BWC-000001/custody.jsonl" > "$c"
resum
check "an event's signature was swapped in" -- test "$(sha256_of "$c")" != \
    "$(sha256_of "$B/items/BWC-000001/custody.jsonl")"
tampered "an event signature swapped with another item's" \
    "items/BWC-000001/custody.jsonl"
expect_grep 'event-signature' "$OUT" "event signature swapped: event-signature"

# a signer key replaced by another valid key
fresh
cp "$K/cust.pub" "$W/signers/$AUD_ID.pub"
resum
tampered "a signer key replaced by another valid key" "signers/$AUD_ID.pub"
authentic_fails "a signer key replaced by another valid key"
fresh
rm "$W/signers/$AUD_ID.pub"
cp "$K/cust.pub" "$W/signers/$AUD_ID.pub"
cp "$K/aud.pub" "$W/signers/$CUST_ID.pub"
resum
tampered "two signer keys swapped (1)" "signers/$AUD_ID.pub"
tampered "two signer keys swapped (2)" "signers/$CUST_ID.pub"

# checkpoints that are not this release's
fresh
cp "$TMP/o1/bundle/checkpoint" "$W/checkpoint"
resum
tampered "the checkpoint of another catalog (other keys)" "checkpoint"
authentic_fails "the checkpoint of another catalog"
fresh
cp "$TMP/o2/bundle/checkpoint" "$W/checkpoint"
resum
tampered "the checkpoint of another catalog (the same keys)" "checkpoint"
fresh
cp "$TMP/cp-before" "$W/checkpoint"
resum
tampered "a checkpoint of this log from before the release" "checkpoint"

# keys.jsonl without its last document (dock's authorisation): the chain
# of key documents still holds and every signature verifies, but dock
# was never an ingest station of this catalog: not trusted
fresh
sed '$d' "$B/keys.jsonl" > "$W/keys.jsonl"
resum
tampered "keys.jsonl without the ingest key's authorisation" \
    "items/BWC-000001/manifest.json"
expect_grep '^FAILED  items/BWC-000002/manifest\.json  signer-authority  ' \
    "$OUT" "the manifests dock signed fail signer-authority"
expect_grep '^FAILED  keys\.jsonl  release-keys  ' "$OUT" \
    "  and the release statement names the key documents it was made under"

# the other catalog's anchor, keys and signers: a consistent forgery
fresh
cp "$TMP/o1/bundle/anchor.pub" "$W/anchor.pub"
resum
tampered "another catalog's anchor.pub" "anchor.pub"

# SHA256SUMS itself: strict format
fresh
sed 's/  /  .\//' "$B/SHA256SUMS" > "$W/SHA256SUMS"
tampered "SHA256SUMS with ./ paths" "SHA256SUMS"
fresh
LC_ALL=C sort -r "$B/SHA256SUMS" > "$W/SHA256SUMS"
tampered "SHA256SUMS not sorted" "SHA256SUMS"
fresh
awk '{ printf "%s  %s\n", toupper($1), $2 }' "$B/SHA256SUMS" > "$W/SHA256SUMS"
tampered "SHA256SUMS with upper-case hex" "SHA256SUMS"
fresh
sed 's/  / /' "$B/SHA256SUMS" > "$W/SHA256SUMS"
tampered "SHA256SUMS with one space" "SHA256SUMS"
fresh
printf '%s  ../../etc/passwd\n' "$(sha256_of /etc/passwd)" \
    >> "$W/SHA256SUMS"
tampered "SHA256SUMS naming ../../etc/passwd" "SHA256SUMS"
fresh
printf '%s  /etc/passwd\n' "$(sha256_of /etc/passwd)" | cat - "$B/SHA256SUMS" \
    > "$W/SHA256SUMS"
tampered "SHA256SUMS naming /etc/passwd" "SHA256SUMS"

# the bundle's own records (key documents, the release statement) are
# proved where they are in the log
fresh
expect_eq "$(cut -d' ' -f1,2 "$W/proofs.txt" | tr '\n' ,)" \
    "key 0,key 1,key 2,release -," \
    "proofs.txt proves each key document, then the release statement"
expect_eq "$(cut -d' ' -f3 "$W/proofs.txt" | tail -n 1)" \
    "$(($(sed -n 2p "$W/checkpoint") - 1))" \
    "  the statement is the checkpoint's last record"

# a bundle of the first format (no statement, no key positions)
fresh
rm "$W/release.json" "$W/release.sig" "$W/proofs.json" "$W/proofs.txt"
resum
tampered "a bundle of the first format" "release.json"
expect_grep '^FAILED  release\.json  bundle-format  no release statement' \
    "$OUT" "  it cannot show that it holds every item released"
expect_grep '^FAILED  keys\.jsonl  key-positions  .*no signer.s authority' \
    "$OUT" "  and no authority can be judged: the key positions are unproven"
expect_grep '^integrity: ok  authentic: FAILED  trusted: FAILED$' "$OUT" \
    "  integrity ok, authentic and trusted FAILED"

# a sparse file of 20 GB where a media file was: its size is held to the
# seal before a byte is read
fresh
truncate -s 20G "$W/media/Apple.jpg"
if command -v timeout > /dev/null 2>&1; then
	expect_exit 1 "a 20 GB sparse media file fails at once" -- \
	    timeout 20 "$BODYCAM" verify-bundle "$W" --trust "$K/admin.pub"
else
	expect_exit 1 "a 20 GB sparse media file fails" -- \
	    vb "$W" --trust "$K/admin.pub"
fi
expect_grep '^FAILED  media/Apple\.jpg  media-size  21474836480 bytes' \
    "$OUT" "  media-size, with the file's size"
expect_nogrep 'media-hash' "$OUT" "  and it is not hashed"
rm -rf "$W"

# a bundle made without media passes
expect_exit 0 "setup: a second release, --no-media" -- \
    bc release BWC-000002 --to "PD" --authority "discovery" \
    --key "$K/aud.key" --out "$TMP/nomedia" --no-media
expect_exit 0 "a --no-media bundle passes" -- \
    vb "$TMP/nomedia" --trust "$K/admin.pub"
check "the --no-media bundle has no media/" -- test ! -e "$TMP/nomedia/media"

# what the signed release says of the media is held to the bundle
fresh
rm -r "$W/media"
resum
tampered "every media file removed, sums redone" "media/"
expect_grep "media-missing.*signed release includes" "$OUT" \
    "  the signed release says the media were included"
rm -rf "$W"
cp -R "$TMP/nomedia" "$W"
mkdir "$W/media"
cp "$B/media/$(ls "$B/media" | head -n 1)" "$W/media/"
resum
expect_exit 1 "media added to a --no-media bundle, sums redone: exit 1" -- \
    vb "$W" --trust "$K/admin.pub"

# ------------------------------------------------------ tlog-proof files

# each record's proof, as c2sp.org/tlog-proof@v1: what proofs.json says,
# with the bundle's checkpoint verbatim
P=items/BWC-000001/proofs
for d in . items/BWC-000001 items/BWC-000002 items/BWC-000003; do
	expect_eq "$(ls "$B/$d/proofs" | grep -c '\.tlog-proof$')" \
	    "$(wc -l < "$B/$d/proofs.txt" | tr -d ' ')" \
	    "$d: one .tlog-proof file per line of proofs.txt"
done
for f in manifest event-0 event-1; do
	expect_eq "$(head -n 1 "$B/$P/$f.tlog-proof")" c2sp.org/tlog-proof@v1 \
	    "$P/$f.tlog-proof: the tlog-proof@v1 header"
done
rec=$(grep '^event 1 ' "$B/items/BWC-000001/proofs.txt")
set -- $rec
expect_eq "$(sed -n 2p "$B/$P/event-1.tlog-proof")" "index $3" \
    "$P/event-1.tlog-proof: the index proofs.txt gives"
shift 4
want=$(for h in "$@"; do printf '%s' "$h" | sed 's/../\\x&/g' |
    xargs -0 printf | base64; done)
expect_eq "$(sed -n '3,/^$/p' "$B/$P/event-1.tlog-proof" | sed '/^$/d')" \
    "$want" "$P/event-1.tlog-proof: the proof hashes of proofs.txt, base64"
ncp=$(size_of "$B/checkpoint")
tail -c "$ncp" "$B/$P/event-1.tlog-proof" > "$TMP/tp-cp"
check "$P/event-1.tlog-proof: ends with the bundle's checkpoint, verbatim" -- \
    cmp -s "$TMP/tp-cp" "$B/checkpoint"

# tproof DESC FILE PATTERN: with sums redone, FILE fails as PATTERN says
tproof() {
	resum
	tampered "$1" "$2"
	authentic_fails "$1"
	expect_grep "^FAILED  $2  $3" "$OUT" "  $3"
}
sub_line() {	# FILE N TEXT: line N of FILE becomes TEXT
	awk -v n="$2" -v t="$3" 'NR == n { print t; next } { print }' \
	    "$1" > "$1.new" && mv "$1.new" "$1"
}
T=$P/event-1.tlog-proof
idx=$(sed -n 2p "$B/$T" | cut -d' ' -f2)

fresh
sub_line "$W/$T" 2 "index $((idx + 1))"
tproof "tlog proof: index edited" "$T" "tlog-proof  index $((idx + 1)), but proofs.json proves the event seq 1 at leaf $idx"
fresh
sub_line "$W/$T" 2 "index 0$idx"
tproof "tlog proof: index with a leading zero" "$T" "tlog-proof-format  tlog proof: line 2 is not \"index N\""
fresh
sub_line "$W/$T" 2 "index 99999"
tproof "tlog proof: index past the tree" "$T" "tlog-proof  the event seq 1 is not leaf 99999 of the tree"
fresh
sub_line "$W/$T" 3 "$(sed -n 4p "$B/$T")"
tproof "tlog proof: a proof hash replaced by another" "$T" "tlog-proof  the event seq 1 is not leaf $idx"
expect_grep "^FAILED  $T  tlog-proof  proof hash 0 [(]line 3[)] is not that of proofs.json" \
    "$OUT" "  and names the hash that differs from proofs.json"
fresh
sub_line "$W/$T" 3 "$(sed -n 3p "$B/$T" | sed 's/=$/A/')"
tproof "tlog proof: a proof hash not base64 of 32 bytes" "$T" "tlog-proof-format  tlog proof: line 3: not the canonical base64"
fresh
sub_line "$W/$T" 3 "$(sed -n 3p "$B/$T" | base64 -d | od -An -tx1 | tr -d ' \n')"
tproof "tlog proof: a proof hash in hex" "$T" "tlog-proof-format  "
fresh
sed -i '3d' "$W/$T"
tproof "tlog proof: a proof hash removed" "$T" "tlog-proof  "
fresh
n=$(grep -n '^$' "$B/$T" | head -n 1 | cut -d: -f1)
sub_line "$W/$T" "$((n + 2))" "$(($(sed -n "$((n + 2))p" "$B/$T") + 1))"
tproof "tlog proof: the checkpoint's size line edited" "$T" "tlog-proof  its checkpoint is not the bundle's checkpoint"
fresh
sub_line "$W/$T" "$((n + 3))" "$(sed -n "$((n + 3))p" "$B/$T" | tr 'A-Za-z' 'B-ZAb-za')"
tproof "tlog proof: the checkpoint's root line edited" "$T" "tlog-proof"
fresh
last=$(wc -l < "$B/$T")
sub_line "$W/$T" "$last" "$(sed -n "${last}p" "$B/$T" | sed 's/\(.\{20\}\)./\1x/')"
tproof "tlog proof: the checkpoint's signature edited" "$T" "tlog-proof  its checkpoint is not the bundle's checkpoint"
fresh
sub_line "$W/$T" 1 "c2sp.org/tlog-proof@v2"
tproof "tlog proof: another header" "$T" "tlog-proof-format  tlog proof: line 1 is not"
fresh
sub_line "$W/$T" 1 "c2sp.org/tlog-proof@v1
extra aGk="
tproof "tlog proof: extra data" "$T" "tlog-proof-format  extra data"
fresh
printf 'junk\n' >> "$W/$T"
tproof "tlog proof: trailing data" "$T" "tlog-proof  after the bundle's checkpoint, its note holds more than signature lines"
fresh
printf '\342\200\224 witness.example/w AAAAAAAAAAA=\n' >> "$W/$T"
resum
tampered "tlog proof: a signature line after the checkpoint, in one file only" "$T"
authentic_fails "tlog proof: a signature line after the checkpoint, in one file only"
expect_grep "^FAILED  .*[.]tlog-proof  tlog-proof  its checkpoint carries other cosignatures than another [.]tlog-proof file" \
    "$OUT" "  one file's cosignatures are not another's"
fresh
printf '\n' >> "$W/$T"
tproof "tlog proof: a trailing empty line" "$T" "tlog-proof"
fresh
sed '/^$/,$d' "$B/$T" > "$W/$T"
tproof "tlog proof: no checkpoint" "$T" "tlog-proof-format  "
fresh
: > "$W/$T"
tproof "tlog proof: empty" "$T" "tlog-proof-format  "
fresh
mv "$W/$P/event-0.tlog-proof" "$TMP/swap"
mv "$W/$T" "$W/$P/event-0.tlog-proof"
mv "$TMP/swap" "$W/$T"
tproof "tlog proof: two records' proofs swapped" "$T" "tlog-proof  the event seq 1 is not leaf"
expect_grep "^FAILED  $P/event-0.tlog-proof  tlog-proof  " "$OUT" \
    "  the other one fails too"
fresh
cp "$B/$P/event-0.tlog-proof" "$W/$T"
tproof "tlog proof: one record's proof copied over another's" "$T" "tlog-proof  "
fresh
rm "$W/$T"
resum
tampered "tlog proof: removed, sums redone" "$T"
expect_grep "^FAILED  $T  missing  the bundle format requires this file" \
    "$OUT" "  missing"
fresh
rm "$W/proofs/release.tlog-proof"
resum
tampered "tlog proof: the release statement's removed, sums redone" \
    "proofs/release.tlog-proof"
fresh
cp "$B/$T" "$W/$P/event-99.tlog-proof"
tproof "tlog proof: a proof of no record added" "$P/event-99.tlog-proof" "tlog-proof  the proof of no record"
fresh
cp "$B/$P/manifest.tlog-proof" "$W/items/BWC-000002/proofs/manifest.tlog-proof"
tproof "tlog proof: another item's manifest proof" "items/BWC-000002/proofs/manifest.tlog-proof" "tlog-proof  "

# ------------------------------------------- cut bundles, forged records

if [ "$HAVE_PYTHON" -ne 1 ] || ! command -v openssl > /dev/null 2>&1 ||
    ! command -v sqlite3 > /dev/null 2>&1; then
	echo "# skip: forged bundles (python3, openssl and sqlite3 needed)"
	finish
fi
ED=$REPO/tests/cli/bundle-edit.py
edit() {
	"$PYTHON" "$ED" "$@"
}
fresh_from() {
	rm -rf "$W"
	cp -R "$1" "$W"
}

# BWC-000002 goes on after its releases, and is released again: a
# forger who holds this bundle cuts it back to an earlier release
expect_exit 0 "setup: a hold on BWC-000002 after its releases" -- \
    bc custody add BWC-000002 hold --key "$K/cust.key" --actor clerk \
    --reason "litigation hold"
expect_exit 0 "setup: BWC-000001 and BWC-000002 released again" -- \
    bc release BWC-000001 BWC-000002 --to "DA office" \
    --authority "subpoena 2026-18" --key "$K/aud.key" --out "$TMP/second"
expect_exit 0 "the second release's bundle passes" -- \
    vb "$TMP/second" --trust "$K/admin.pub"
# BWC-000002: register, verify, release, verify, release (--no-media),
# hold, verify, release
expect_eq "$(wc -l < "$TMP/second/items/BWC-000002/custody.jsonl" |
    tr -d ' ')" 8 "  BWC-000002 has 8 events"

fresh_from "$TMP/second"
edit cut "$W" BWC-000002 5
resum
tampered "the chain cut back to the earlier release (hold, verify, release gone)" \
    "items/BWC-000002/custody.jsonl"
expect_grep '^FAILED  items/BWC-000002/custody\.jsonl  release-chain  BWC-000002: ' \
    "$OUT" "  release-chain, naming the item"
expect_grep 'authentic: FAILED' "$OUT" \
    "the chain cut back to the earlier release: authentic FAILED"

fresh_from "$TMP/second"
edit cut "$W" BWC-000001 1
resum
tampered "a chain cut to its register event" "items/BWC-000001/custody.jsonl"
expect_grep '^FAILED  items/BWC-000001/custody\.jsonl  release-chain  ' \
    "$OUT" "  release-chain"

fresh_from "$TMP/second"
rm -r "$W/items/BWC-000001" "$W/media/Apple.jpg"
resum
tampered "an item dropped with its media" "items/BWC-000001"
expect_grep '^FAILED  items/BWC-000001  release-items  the release statement names item BWC-000001' \
    "$OUT" "  release-items, naming the item"
authentic_fails "an item dropped"

fresh_from "$TMP/second"
rm -r "$W/items/BWC-000001" "$W/media/Apple.jpg"
edit restate "$W" "$K/aud.key" drop-item BWC-000001
resum
tampered "an item dropped, and from the statement re-signed by the auditor" \
    "proofs.json"
expect_grep '^FAILED  proofs\.json  proof-leaf  release: ' "$OUT" \
    "  the statement is not the one the log holds"

fresh_from "$TMP/second"
edit restate "$W" "$K/aud.key" to "Defence counsel"
resum
tampered "the statement's recipient changed, re-signed" "proofs.json"
fresh_from "$TMP/second"
sed 's/"to":"DA office"/"to":"DA offices"/' "$TMP/second/release.json" \
    > "$W/release.json"
resum
tampered "the statement's recipient changed" "release.sig"
expect_grep '^FAILED  release\.sig  release-signature  ' "$OUT" \
    "  release-signature"

fresh_from "$TMP/second"
cp -R "$B/items/BWC-000003" "$W/items/"
resum
tampered "an item of another release added" "items/BWC-000003"
expect_grep '^FAILED  items/BWC-000003  release-items  BWC-000003 is not an item of the release statement' \
    "$OUT" "  release-items"

# the checkpoint as a C2SP signed note may carry extension lines and
# signatures of keys the bundle does not know
fresh_from "$TMP/second"
edit checkpoint "$W" "$K/aud.key" --ext "ext: a line" --other-first \
    "$K/other.key"
resum
expect_exit 0 "a checkpoint with an extension line and an unknown key's signature first" -- \
    vb "$W" --trust "$K/admin.pub"

# a revoked key signs a record dated before its revocation, placed after
# it in the log: the whole bundle re-signed and re-proved by the
# auditor's key, so that only the key's authority at its leaf is wrong
R=$TMP/revoked
mkdir "$R"
rv() { "$BODYCAM" --catalog "$R/c.db" "$@"; }
rv init --admin-key "$K/admin.pub" --origin example.org/revoked > /dev/null
rv key add "$K/cust.pub" --name "Det. K" --role custodian \
    --key "$K/admin.key" > /dev/null
rv key add "$K/dock.pub" --name "Det. L" --role custodian \
    --key "$K/admin.key" > /dev/null
rv key add "$K/aud.pub" --name QA --role auditor --key "$K/admin.key" \
    > /dev/null
cp "$DATA/stills/Canon.jpg" "$R/x.jpg"
chmod 644 "$R/x.jpg"
rv register "$R/x.jpg" --key "$K/admin.key" > /dev/null 2>&1
before=$(sqlite3 "$R/c.db" "SELECT json_extract(body, '\$.at') FROM events
    ORDER BY id DESC LIMIT 1")
rv key revoke "$CUST_ID" --reason "left the unit" --key "$K/admin.key" \
    > /dev/null
rv custody add BWC-000001 access --key "$K/dock.key" --actor "Det. L" \
    > /dev/null
expect_exit 0 "setup: a release after the custodian's revocation" -- \
    rv release BWC-000001 --to DA --authority sub --key "$K/aud.key" \
    --out "$R/bundle"
sqlite3 "$R/c.db" "SELECT lower(hex(hash)) FROM nodes WHERE level = 0 AND
    idx < $(sed -n 2p "$R/bundle/checkpoint") ORDER BY idx" > "$R/leaves"
fresh_from "$R/bundle"
edit forge-event "$W" "$R/leaves" BWC-000001 1 "$K/cust.key" "$before" \
    "$K/aud.key"
resum
expect_exit 1 "an event by a revoked key, backdated, after its revocation in the log: exit 1" -- \
    vb "$W" --trust "$K/admin.pub"
expect_grep '^FAILED  items/BWC-000001/custody\.jsonl  signer-authority  event seq 1: .*after its revocation' \
    "$OUT" "  signer-authority: judged at its leaf, not by its time"
expect_grep '^integrity: ok  authentic: ok  trusted: FAILED$' "$OUT" \
    "  every signature and proof holds: only the authority fails"
# VERIFY.md, run literally, fails it too: at its step 9, not before
awk '/^```sh$/ { f = 1; next } /^```$/ { f = 0 } f' "$W/VERIFY.md" \
    > "$TMP/verify-revoked.sh"
expect_exit 1 "  VERIFY.md fails it too" -- \
    sh -c 'cd "$1" && ANCHOR=$2 bash "$3"' _ "$W" "$K/admin.pub" \
    "$TMP/verify-revoked.sh"
expect_grep '^FAIL step 9 [(]authority[)]: items/BWC-000001/custody.jsonl line 2: key [0-9a-f]{64} held no custodian role at leaf [0-9]+$' \
    "$ERR" "  at step 9: the revoked key held no role at the event's leaf"
expect_grep "^OK step 8 .*in the checkpoint's log, the statement last|^OK step 8 [(]tlog-proof files[)]: items/BWC-000001/proofs/" "$OUT" \
    "  after every signature and proof held (steps 7 and 8)"

# ------------------------------------------- the current view, recomputed

# four is sealed with a case, a category and a tag and never annotated;
# two is annotated: its view in the bundle is the manifest's with the
# annotation applied, by verify-bundle itself (nothing of the catalog's
# views table is in a bundle)
cp "$DATA/stills/Ricoh2.jpg" "$M/"
chmod 644 "$M/Ricoh2.jpg"
expect_exit 0 "setup: register Ricoh2.jpg (BWC-000004) in case SEALED-1" -- \
    bc register "$M/Ricoh2.jpg" --key "$K/dock.key" --case SEALED-1 \
    --category traffic --tag sealed-tag
expect_exit 0 "setup: annotate BWC-000002: case, category, tag, title" -- \
    bc annotate BWC-000002 --case C-9 --category patrol --tag night \
    --title "Stop on the A61" --reason "filed late" --key "$K/cust.key" \
    --actor clerk
V=$TMP/vbundle
expect_exit 0 "setup: release BWC-000002 BWC-000004" -- \
    bc release BWC-000002 BWC-000004 --to "DA office" \
    --authority "subpoena 2026-18" --key "$K/aud.key" --out "$V"
check "  no view file in the bundle: the verifier recomputes it" -- \
    test -z "$(find "$V" -name '*view*')"
# the annotate event's seq: its line in custody.jsonl, less one
ASEQ=$(($(grep -n '"action":"annotate"' "$V/items/BWC-000002/custody.jsonl" |
    cut -d: -f1) - 1))
expect_exit 0 "verify-bundle --json with an annotated item: exit 0" -- \
    vb --json "$V" --trust "$K/admin.pub"
json_check "$OUT" "[v['id'] for v in d['views']] == ['BWC-000002', 'BWC-000004'] and all(v['verified'] is True for v in d['views'])" \
    "  views: one an item, verified"
json_check "$OUT" "d['views'][0]['view'] == {'case': 'C-9', 'category': 'patrol', 'tags': ['night'], 'title': 'Stop on the A61', 'description': None, 'annotations': 1}" \
    "  the annotated item: its case, category, tags and title now"
json_check "$OUT" "[(h['seq'], h['actor'], h['reason'], h['set']) for h in d['views'][0]['history']] == [($ASEQ, 'clerk', 'filed late', {'case': 'C-9', 'category': 'patrol', 'tags': ['night'], 'title': 'Stop on the A61'})] and d['views'][0]['history'][0]['at'].endswith('Z')" \
    "  and its history: seq, at, actor, reason, what it set"
json_check "$OUT" "d['views'][1]['view'] == {'case': 'SEALED-1', 'category': 'traffic', 'tags': ['sealed-tag'], 'title': None, 'description': None, 'annotations': 0} and d['views'][1]['history'] == []" \
    "  the item never annotated: its sealed values, no history"
expect_exit 0 "verify-bundle with an annotated item: exit 0" -- \
    vb "$V" --trust "$K/admin.pub"
expect_grep '^BWC-000002$' "$OUT" "  names the item"
expect_grep '^  case        C-9$' "$OUT" "  its case now"
expect_grep '^  category    patrol$' "$OUT" "  its category now"
expect_grep '^  tags        night$' "$OUT" "  its tags now"
expect_grep '^  title       Stop on the A61$' "$OUT" "  its title"
expect_grep "^ +$ASEQ  [0-9T:.-]+Z +clerk +case=C-9 category=patrol tags=night title=Stop on the A61  \(filed late\)\$" \
    "$OUT" "  the annotation: seq, time, actor, what it set, why"
expect_grep '^  case        SEALED-1$' "$OUT" "  the sealed case of the other"
expect_grep '^  annotations: none \(as sealed\)$' "$OUT" \
    "  which no annotation changed"

# a recipient edits the annotation (C-9 to C-8) and SHA256SUMS: its
# signature fails, so it does not count: the view is the sealed one
rm -rf "$W"
cp -R "$V" "$W"
sed 's/"C-9"/"C-8"/' "$W/items/BWC-000002/custody.jsonl" > "$TMP/cj" &&
    cat "$TMP/cj" > "$W/items/BWC-000002/custody.jsonl"
resum
expect_exit 1 "an edited annotation: exit 1" -- vb --json "$W" \
    --trust "$K/admin.pub"
json_check "$OUT" "'event-signature' in [f['check'] for f in d['failures']]" \
    "  its signature fails"
json_check "$OUT" "d['views'][0]['verified'] is False and d['views'][0]['view']['case'] is None and d['views'][0]['history'] == [] and d['views'][1]['verified'] is True" \
    "  it is not in the view (no case, no history), which is not verified"
expect_exit 1 "an edited annotation, human output: exit 1" -- vb "$W" \
    --trust "$K/admin.pub"
expect_grep '^BWC-000002  \(NOT VERIFIED: see the failures\)$' "$OUT" \
    "  says the item's view is not verified"
expect_nogrep 'C-8' "$OUT" "  and never shows the forged case"

finish
