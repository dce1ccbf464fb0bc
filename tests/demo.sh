#!/bin/sh
# tests/demo.sh - what 'make demo' shows: generate keys, create a catalog,
# register a real still and a real video, verify them, record custody
# (transfer, copy, hold, a recorded verification), audit the catalog,
# release the video as a bundle, its checkpoint cosigned by a witness the
# defence runs, and check it offline against the defence's witness
# policy, set a retention
# schedule and purge what is due (the held video is spared), then
# flip one byte of a file and forge one custody record and watch
# verification and audit fail; ingest a folder into managed storage and
# upload a file over HTTP (a corrupted upload refused).  Everything happens in a throwaway
# directory; the repository's keys/ is never touched.
set -eu
: "${BODYCAM:=build/bodycam}"
case "$BODYCAM" in /*) ;; *) BODYCAM="$(pwd)/$BODYCAM" ;; esac
data="$(pwd)/tests/data"
work=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-demo.XXXXXX")
spid=""
trap '[ -z "$spid" ] || kill "$spid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
cd "$work"
export BODYCAM_CATALOG="$work/catalog.db"

say() { printf '\n== %s\n' "$*"; }
bc() { printf '$ bodycam %s\n' "$*"; "$BODYCAM" "$@"; }

say "1. an admin key (throwaway, in $work)"
bc keygen admin --dir "$work"

say "2. a new catalog whose trust anchor is that key"
bc init --admin-key "$work/admin.pub"

say "3a. what the camera recorded, as register will seal it"
bc probe "$data/stills/GPS.jpg" "$data/video/with-gps.mov"

say "3. register a still and a video (copies, so we can tamper later)"
cp "$data/stills/GPS.jpg" "$data/video/with-gps.mp4" "$data/video/sample.3gp" "$work/"
bc register "$work/GPS.jpg" "$work/with-gps.mp4" "$work/sample.3gp" \
	--key "$work/admin.key" --officer O-1742 --device BWC-CAM-07 \
	--case 2026-000451 --category traffic-stop --tag demo

say "4. the catalog"
bc list

say "5. verify all three: every check is named"
bc verify BWC-000001 BWC-000002 BWC-000003

say "6. one item in detail"
bc show BWC-000002

say "7. a custodian key and an auditor key, authorised by the admin"
bc keygen custodian --dir "$work"
bc keygen auditor --dir "$work"
bc key add "$work/custodian.pub" --name "Det. Smith" --role custodian --key "$work/admin.key"
bc key add "$work/auditor.pub" --name "QA auditor" --role auditor --key "$work/admin.key"

say "7a. a case assigned after ingest: a signed annotation, the manifest unchanged"
bc annotate BWC-000003 --case 2026-000777 --category evidence --tag dui \
	--untag demo --reason "assigned after review" \
	--key "$work/custodian.key" --actor "Det. Smith"
bc list --case 2026-000777
bc show BWC-000003

say "8. custody: transfer, a checked copy, a legal hold"
bc custody add BWC-000002 transfer --key "$work/custodian.key" --actor "Det. Smith" \
	--to "DA office" --reason "trial preparation" --location "evidence room 2"
cp "$work/with-gps.mp4" "$work/copy-for-defence.mp4"
bc custody add BWC-000002 copy --key "$work/custodian.key" --actor "Det. Smith" \
	--to "defence counsel" --file "$work/copy-for-defence.mp4"
bc custody add BWC-000002 hold --key "$work/custodian.key" --actor "records clerk" \
	--reason "litigation hold, case 2026-000451"
bc verify BWC-000002 --record --key "$work/auditor.key" --actor "QA auditor"
bc custody log BWC-000002

say "9. audit the whole catalog"
bc audit --files

say "9a. retention: an admin-signed schedule, what is due, and its purge; a hold suspends it"
bc retention policy set --period traffic-stop=90 --period evidence=indefinite \
	--grace 30 --reason "agency schedule 2026" --key "$work/admin.key" --actor "Records Unit"
bc retention due
bc retention purge --key "$work/custodian.key" --actor "Records Unit"
ls "$work"/GPS.jpg 2>/dev/null || echo "(GPS.jpg is gone: destroyed after its signed purge)"
bc retention due --all
echo "(in 2028 the video BWC-000002 is past due, but on legal hold since step 8:)"
bc retention due --at 2028-01-01
bc audit --files

say "9a2. the defence bar runs a witness of the agency's log (c2sp.org/tlog-witness)"
origin=$("$BODYCAM" checkpoint --key "$work/auditor.key" --out "$work/cp-now.txt" > /dev/null &&
    head -n 1 "$work/cp-now.txt")
echo "$ bodycam witness init --state $work/witness --name witness.defence-bar.example/w1"
"$BODYCAM" witness init --state "$work/witness" \
    --name witness.defence-bar.example/w1 | tee "$work/witness.vkey"
bc witness trust --state "$work/witness" --origin "$origin" --key "$work/auditor.pub"
echo "$ bodycam witness serve --state witness --listen 127.0.0.1:0 &"
"$BODYCAM" witness serve --state "$work/witness" --listen 127.0.0.1:0 \
	2> "$work/witness.log" </dev/null &
wpid=$!
wport=""
i=0
while [ -z "$wport" ] && [ $i -lt 100 ]; do
	sleep 0.1
	wport=$(sed -n 's/^witness .* serving on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$work/witness.log")
	i=$((i + 1))
done
echo "(the agency asks it to cosign; the defence's own policy names its key, quorum 1)"
printf 'witness %s http://127.0.0.1:%s\nquorum 1\n' "$(cat "$work/witness.vkey")" \
    "$wport" | tee "$work/agency-witnesses.txt"
printf 'witness %s\nquorum 1\n' "$(cat "$work/witness.vkey")" > "$work/defence-policy.txt"
bc log cosign --witness-policy "$work/agency-witnesses.txt"

say "9b. release the video to defence counsel: verified first, then a bundle that proves itself, its checkpoint cosigned by the witness"
bc release BWC-000002 --to "defence counsel" --authority "discovery order 2026-000451" \
	--key "$work/auditor.key" --actor "QA auditor" --out "$work/bundle" \
	--witness-policy "$work/agency-witnesses.txt"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null || true
(cd "$work/bundle" && find . -type f | sort)

say "9c. the defence checks the bundle offline, with bodycam and with only bash, sha256sum and openssl, and demands its witness's cosignature"
set +e
bc verify-bundle "$work/bundle" --trust "$work/admin.pub" \
	--witness-policy "$work/defence-policy.txt"
wrc=$?
set -e
echo "$ (cd bundle && ANCHOR=admin.pub WITNESS_POLICY=defence-policy.txt bash <the sh blocks of VERIFY.md>)"
awk '/^```sh$/ { f = 1; next } /^```$/ { f = 0 } f' "$work/bundle/VERIFY.md" > "$work/verify.sh"
(cd "$work/bundle" && ANCHOR="$work/admin.pub" \
    WITNESS_POLICY="$work/defence-policy.txt" bash "$work/verify.sh")
echo "(the defence keeps the bundle's signed checkpoint)"
cp "$work/bundle/checkpoint" "$work/defence-checkpoint.txt"
cat "$work/defence-checkpoint.txt"

say "10. flip one byte in the middle of the video, then verify again"
size=$(wc -c < "$work/with-gps.mp4")
off=$((size / 2))
orig=$(dd if="$work/with-gps.mp4" bs=1 skip="$off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
new=$(( (orig + 1) % 256 ))
printf "$(printf '\\%03o' "$new")" | dd of="$work/with-gps.mp4" bs=1 seek="$off" conv=notrunc 2>/dev/null
echo "(byte $off: $orig -> $new)"
set +e
bc verify BWC-000002
rc=$?
set -e

command -v sqlite3 >/dev/null 2>&1 || {
	echo "demo: sqlite3 is needed for the forgery step (make deps installs it)" >&2
	exit 1
}
sqlite3 "$work/catalog.db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
cp "$work/catalog.db" "$work/second.db"

say "11. an insider rewrites who made the copy, with sqlite3, then audits"
echo "$ sqlite3 catalog.db 'DROP TRIGGER events_no_update; UPDATE events SET body = replace(...)'"
sqlite3 "$work/catalog.db" "DROP TRIGGER events_no_update;
    UPDATE events SET body = replace(body, '\"actor\":\"Det. Smith\"', '\"actor\":\"Det. Jones\"')
    WHERE seq = 2 AND body LIKE '%\"action\":\"copy\"%';"
set +e
bc audit
arc=$?
set -e

say "12. on another copy, an insider deletes the newest custody event (and the release statement after it) and rebuilds the log to match"
echo "$ sqlite3 second.db 'DROP TRIGGER ...; DELETE FROM events ...; DELETE FROM releases ...; DELETE FROM nodes ...'"
sqlite3 "$work/second.db" "DROP TRIGGER events_no_delete; DROP TRIGGER nodes_no_delete;
    DROP TRIGGER checkpoints_no_delete; DROP TRIGGER releases_no_delete;
    DELETE FROM nodes WHERE ((idx + 1) << level) > (SELECT max(leaf) FROM events);
    DELETE FROM checkpoints;
    DELETE FROM releases WHERE leaf > (SELECT max(leaf) FROM events);
    DELETE FROM events WHERE leaf = (SELECT max(leaf) FROM events);"
export BODYCAM_CATALOG="$work/second.db"
echo "(the catalog alone looks whole:)"
set +e
bc audit --quiet
brc=$?
echo "(but not against the checkpoint the defence kept:)"
bc audit --against "$work/defence-checkpoint.txt"
crc=$?
set -e

say "13. a dock folder ingested into managed storage: copied while hashed, verified from the disk"
unset BODYCAM_CATALOG
mkdir -p "$work/dock/sub" "$work/store"
cp "$data/stills/Apple.jpg" "$data/stills/Canon.jpg" "$work/dock/"
cp "$data/video/sample.3gp" "$work/dock/sub/"
bc --catalog "$work/ingest.db" init --admin-key "$work/admin.pub" --storage "$work/store"
bc --catalog "$work/ingest.db" register -r --copy "$work/dock" --key "$work/admin.key" \
	--officer O-1742 --device BWC-CAM-07
echo "(the dock is cleared; the copies stand)"
rm -rf "$work/dock"
set +e
bc --catalog "$work/ingest.db" audit --files
irc=$?
set -e

say "14. a docking station uploads over HTTP: streamed into storage while hashed, its Content-Digest checked"
tok=$("$BODYCAM" --catalog "$work/ingest.db" -q token create --name dock-7 \
	--role ingest --key "$work/admin.key")
echo "$ bodycam serve --key admin.key --listen 127.0.0.1:0 &   (token dock-7, ingest)"
"$BODYCAM" --catalog "$work/ingest.db" serve --key "$work/admin.key" \
	--listen 127.0.0.1:0 --log "$work/serve.log" </dev/null &
spid=$!
port=""
i=0
while [ -z "$port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	port=$(sed -n 's/.* serving http on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' \
	    "$work/serve.log")
	i=$((i + 1))
done
f="$data/stills/GPS.jpg"
dig=$(openssl dgst -sha256 -binary "$f" | openssl base64 -A)
echo "$ curl -H 'Content-Type: application/octet-stream' -H 'Content-Digest: sha-256=:$dig:' \\"
echo "    --data-binary @GPS.jpg 'http://127.0.0.1:$port/v1/items?name=GPS.jpg&officer=O-1742'"
# post FILE NAME: its upload with $dig as Content-Digest; prints the answer,
# sets $st to the status
post() {
	st=$(curl -s -o "$work/up.json" -w '%{http_code}' \
		-H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/octet-stream' \
		-H "Content-Digest: sha-256=:$dig:" --data-binary "@$1" \
		"http://127.0.0.1:$port/v1/items?name=$2&officer=O-1742") || st=000
	echo "$st $(cat "$work/up.json")"
}
post "$f" GPS.jpg
ust=$st
echo "(the same digest on other bytes, as a corrupted transfer would arrive:)"
post "$data/stills/Canon.jpg" GPS.jpg
bst=$st
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null || true
spid=""

say "summary"
if [ "$rc" -eq 1 ] && [ "$arc" -eq 1 ] && [ "$brc" -eq 0 ] && [ "$crc" -eq 1 ] &&
    [ "$irc" -eq 0 ] && [ "$ust" = 201 ] && [ "$bst" = 400 ] && [ "$wrc" -eq 0 ]; then
	echo "3 files registered and sealed; custody recorded and verified; the audit passed;"
	echo "the video released to the defence as a bundle that verify-bundle and VERIFY.md both check offline,"
	echo "its checkpoint cosigned by the defence bar's witness, as the defence's witness policy demands."
	echo "A retention schedule purged the one item due (its media destroyed after the signed purge); the held video was spared."
	echo "After one flipped byte, 'bodycam verify BWC-000002' exited 1 and named file-hash;"
	echo "after one forged custody record, 'bodycam audit' exited 1 and named the item, seq and check;"
	echo "after a deleted event and a rebuilt log, 'bodycam audit --against' the defence's checkpoint exited 1 and named consistency."
	echo "A dock folder was copied into managed storage and still audited clean after the dock was cleared."
	echo "An upload over HTTP was registered (201); one whose bytes did not match its Content-Digest was refused (400), nothing kept."
	exit 0
fi
echo "UNEXPECTED: verify of the tampered file exited $rc, audit of the forged record $arc," >&2
echo "audit of the rebuilt log $brc, audit against the checkpoint $crc, audit of the" >&2
echo "ingested copies $irc, the uploads $ust and $bst, verify-bundle with the witness policy" >&2
echo "$wrc (expected 1, 1, 0, 1, 0, 201, 400 and 0)" >&2
exit 1
