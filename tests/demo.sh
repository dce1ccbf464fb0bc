#!/bin/sh
# tests/demo.sh - what 'make demo' shows: generate a key, create a catalog,
# register a real still and a real video, verify them, flip one byte of a
# copy and watch verification fail.  Everything happens in a throwaway
# directory; the repository's keys/ is never touched.
set -eu
: "${BODYCAM:=build/bodycam}"
case "$BODYCAM" in /*) ;; *) BODYCAM="$(pwd)/$BODYCAM" ;; esac
data="$(pwd)/tests/data"
work=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"
export BODYCAM_CATALOG="$work/catalog.db"

say() { printf '\n== %s\n' "$*"; }
bc() { printf '$ bodycam %s\n' "$*"; "$BODYCAM" "$@"; }

say "1. an admin key (throwaway, in $work)"
bc keygen admin --dir "$work"

say "2. a new catalog whose trust anchor is that key"
bc init --admin-key "$work/admin.pub"

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

say "7. flip one byte in the middle of the video, then verify again"
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

say "summary"
if [ "$rc" -eq 1 ]; then
	echo "3 files registered and sealed; all verified OK before tampering."
	echo "After one flipped byte, 'bodycam verify BWC-000002' exited 1 and named file-hash."
	exit 0
fi
echo "UNEXPECTED: verify of the tampered file exited $rc (expected 1)" >&2
exit 1
