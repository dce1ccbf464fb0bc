#!/bin/sh
# t-meta.sh - metadata from the outside: 'probe' (text and JSON), what
# 'register' seals of it, the camera-clock check, sidecars, the list
# filters on sealed metadata, and bad files that must not block a
# registration.  The expected values are those exiftool and ffprobe report
# (tests/data/MANIFEST.tsv); the whole-corpus comparison is check_meta_tsv.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

cp "$DATA/stills/Apple.jpg" "$DATA/stills/GPS.jpg" "$DATA/stills/GoPro.jpg" \
    "$DATA/stills/Canon.jpg" "$DATA/video/with-gps.mov" \
    "$DATA/bad/jpeg_header_garbage.jpg" "$DATA/bad/empty.jpg" "$M/"

# ------------------------------------------------------------------- probe

expect_exit 0 "probe a still, a video and a bad file" -- \
    "$BODYCAM" --json probe "$M/GPS.jpg" "$M/with-gps.mov" \
    "$M/jpeg_header_garbage.jpg"
cp "$OUT" "$TMP/probe.json"
json_check "$TMP/probe.json" "[o['file'] for o in d] == ['$M/GPS.jpg', '$M/with-gps.mov', '$M/jpeg_header_garbage.jpg']" \
    "probe --json: one object per file, in argument order"
json_check "$TMP/probe.json" "all(set(o) == {'file', 'media', 'capture', 'warnings'} for o in d)" \
    "probe --json: file, media, capture, warnings"
json_check "$TMP/probe.json" "d[0]['capture']['make'] == 'FUJIFILM' and d[0]['capture']['model'] == 'FinePixS1Pro'" \
    "probe: GPS.jpg make and model as exiftool reports"
json_check "$TMP/probe.json" "d[0]['capture']['taken'] == '2002-07-13T15:58:28'" \
    "probe: GPS.jpg DateTimeOriginal, local time without an offset"
json_check "$TMP/probe.json" "d[0]['capture']['gps'] == dict(d[0]['capture']['gps'], lat='54.989667', lon='-1.914167')" \
    "probe: GPS.jpg coordinates to 6 decimals, signed"
json_check "$TMP/probe.json" "d[1]['capture']['make'] == 'Apple' and d[1]['capture']['model'] == 'iPhone 6'" \
    "probe: with-gps.mov make and model from the QuickTime tags"
json_check "$TMP/probe.json" "d[1]['capture']['gps']['lat'] == '32.092900' and d[1]['capture']['gps']['lon'] == '34.862000'" \
    "probe: with-gps.mov ISO 6709 location"
json_check "$TMP/probe.json" "d[1]['media']['duration_ms'] == 4002 and d[1]['media']['created'] == '2019-07-24T08:25:57Z'" \
    "probe: with-gps.mov duration in ms and creation time in UTC"
json_check "$TMP/probe.json" "any(s['type'] == 'video' and '/' in s.get('frame_rate', '') for s in d[1]['media']['streams'])" \
    "probe: a video stream with a rational frame rate"
json_check "$TMP/probe.json" "len(d[2]['warnings']) > 0 and 'make' not in d[2]['capture']" \
    "probe: a garbage JPEG header gives warnings, no invented values"
json_check "$TMP/probe.json" "not any(isinstance(v, float) for o in d for sec in ('media', 'capture') for v in o[sec].values())" \
    "probe: no floating-point numbers"

expect_exit 0 "probe (text)" -- "$BODYCAM" probe "$M/Apple.jpg"
expect_grep "capture\\.model +iPhone 7" "$OUT" "probe text: capture.model"
expect_grep "capture\\.gps\\.lat +53\\.382847" "$OUT" "probe text: capture.gps.lat"
expect_exit 2 "probe a missing file: exit 2" -- "$BODYCAM" probe "$M/nope.jpg"
expect_exit 2 "probe with no FILE: exit 2" -- "$BODYCAM" probe
expect_exit 0 "probe needs no catalog" -- \
    "$BODYCAM" --catalog "$TMP/none.db" probe "$M/Canon.jpg"
check "probe created no catalog" -- test ! -e "$TMP/none.db"

# ------------------------------------------------- register seals the same

"$BODYCAM" keygen admin --dir "$K" > /dev/null
expect_exit 0 "init" -- bc init --admin-key "$K/admin.pub"
expect_exit 0 "register stills and a video" -- bc --json register \
    "$M/Apple.jpg" "$M/GPS.jpg" "$M/GoPro.jpg" "$M/with-gps.mov" \
    --key "$K/admin.key"
expect_exit 0 "show --json of the GPS still" -- bc --json show BWC-000002
cp "$OUT" "$TMP/show.json"
json_check "$TMP/show.json" "d['manifest']['capture']['make'] == 'FUJIFILM' and d['manifest']['capture']['gps']['lat'] == '54.989667'" \
    "the manifest seals what probe reads"
"$BODYCAM" --json probe "$M/GPS.jpg" > "$TMP/p1.json"
json_check "$TMP/show.json" "d['manifest']['capture'] == __import__('json').load(open('$TMP/p1.json'))[0]['capture']" \
    "manifest capture equals probe's"
expect_exit 0 "verify the registered items" -- bc verify BWC-000001 BWC-000002 \
    BWC-000003 BWC-000004

# bad files: metadata never blocks registration
expect_exit 0 "register a JPEG with a garbage header: exit 0" -- \
    bc --json register "$M/jpeg_header_garbage.jpg" --key "$K/admin.key"
json_check "$OUT" "d[0]['status'] == 'registered' and len(d[0]['warnings']) > 0" \
    "garbage header: registered, with warnings"
expect_exit 0 "register an empty .jpg: exit 0" -- \
    bc register "$M/empty.jpg" --key "$K/admin.key"

# --------------------------------------------------------- the clock check

# Each in a catalog of its own: a signing time is never before the newest
# record of the log, and these go back in time.
CLK=0
clockcat() {
	CLK=$((CLK + 1))
	CCAT=$TMP/clock$CLK.db
	"$BODYCAM" --catalog "$CCAT" init --admin-key "$K/admin.pub" \
	    > /dev/null 2>&1
}
cp "$DATA/stills/Ricoh2.jpg" "$M/clock1.jpg"
clockcat
expect_exit 0 "register a 2006 still in 2026" -- env \
    BODYCAM_NOW=2026-01-01T00:00:00Z "$BODYCAM" --catalog "$CCAT" \
    register "$M/clock1.jpg" --key "$K/admin.key"
expect_grep "warning: .*more than 24 hours before" "$ERR" \
    "clock: a capture years before registration is a warning on stderr"
cp "$DATA/stills/Canon.jpg" "$M/clock2.jpg"
printf 'x' >> "$M/clock2.jpg"	# new content, same metadata
clockcat
expect_exit 0 "register a still taken an hour before" -- env \
    BODYCAM_NOW=2003-12-04T08:00:00Z "$BODYCAM" --catalog "$CCAT" --json \
    register "$M/clock2.jpg" --key "$K/admin.key"
json_check "$OUT" "not any('hours' in w or 'ahead' in w for w in d[0]['warnings'])" \
    "clock: a capture within the day is no warning"
cp "$DATA/stills/GoPro.jpg" "$M/clock3.jpg"
printf 'y' >> "$M/clock3.jpg"
clockcat
expect_exit 0 "register a 2017 still in 2001" -- env \
    BODYCAM_NOW=2001-01-01T00:00:00Z "$BODYCAM" --catalog "$CCAT" --json \
    register "$M/clock3.jpg" --key "$K/admin.key"
json_check "$OUT" "any('ahead' in w for w in d[0]['warnings'])" \
    "clock: a capture after registration is a warning"
expect_exit 0 "show --json of that item" -- \
    "$BODYCAM" --catalog "$CCAT" --json show BWC-000001
json_check "$OUT" "any('ahead' in w for w in d['manifest']['warnings'])" \
    "clock: the warning is sealed in the manifest"
cp "$DATA/stills/GoPro.jpg" "$M/clock4.jpg"
printf 'z' >> "$M/clock4.jpg"
expect_exit 2 "a clock behind the newest record of the log: exit 2" -- env \
    BODYCAM_NOW=2000-01-01T00:00:00Z "$BODYCAM" --catalog "$CCAT" \
    register "$M/clock4.jpg" --key "$K/admin.key"
expect_grep "before the newest record in the log" "$ERR" \
    "clock behind the log: the message says so"

# ---------------------------------------------------------------- sidecars

cat > "$M/side.json" <<'EOF'
{"officer": "O-2231", "device": "AXON-BODY-3 X7", "incident": "INC-2026-0042",
 "battery": 87, "note": "first\u0007line"}
EOF
cp "$DATA/stills/HTC_Desire.jpg" "$M/htc.jpg"
expect_exit 0 "register --sidecar" -- \
    bc --json register "$M/htc.jpg" --sidecar "$M/side.json" --key "$K/admin.key"
json_check "$OUT" "any('battery' in w for w in d[0]['warnings'])" \
    "sidecar: a non-string member is left out with a warning"
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT")
expect_exit 0 "show --json of the item with a sidecar" -- bc --json show "$ID"
SUM=$(sha256sum "$M/side.json" | cut -d' ' -f1)
json_check "$OUT" "d['manifest']['sidecar']['sha256'] == '$SUM' and d['manifest']['sidecar']['name'] == 'side.json'" \
    "sidecar: its SHA-256 and name are sealed"
json_check "$OUT" "d['manifest']['sidecar']['fields']['incident'] == 'INC-2026-0042' and 'battery' not in d['manifest']['sidecar']['fields']" \
    "sidecar: string members are sealed, others not"
json_check "$OUT" "d['manifest']['sidecar']['fields']['note'] == 'first?line'" \
    "sidecar: a control character is replaced"
json_check "$OUT" "d['manifest']['capture']['officer'] == 'O-2231' and d['manifest']['capture']['device'] == 'AXON-BODY-3 X7'" \
    "sidecar: officer and device fill the capture section"
cp "$DATA/stills/Ricoh2.jpg" "$M/r2.jpg"
printf 'z' >> "$M/r2.jpg"
expect_exit 0 "register --sidecar --officer: the option wins" -- \
    bc --json register "$M/r2.jpg" --sidecar "$M/side.json" --officer O-1 \
    --key "$K/admin.key"
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT")
bc --json show "$ID" > "$TMP/s2.json"
json_check "$TMP/s2.json" "d['manifest']['capture']['officer'] == 'O-1'" \
    "sidecar: --officer wins over the sidecar's"
expect_exit 2 "--sidecar with two files: exit 2" -- \
    bc register "$M/Canon.jpg" "$M/GPS.jpg" --sidecar "$M/side.json" --key "$K/admin.key"
printf '{"officer": "x",}' > "$M/bad.json"
expect_exit 2 "a malformed sidecar: exit 2" -- \
    bc register "$M/Canon.jpg" --sidecar "$M/bad.json" --key "$K/admin.key"
printf '["officer"]' > "$M/arr.json"
expect_exit 2 "a sidecar that is not an object: exit 2" -- \
    bc register "$M/Canon.jpg" --sidecar "$M/arr.json" --key "$K/admin.key"
expect_exit 2 "a missing sidecar: exit 2" -- \
    bc register "$M/Canon.jpg" --sidecar "$M/none.json" --key "$K/admin.key"
python3 -c 'import sys; open(sys.argv[1], "w").write("{\"a\": \"" + "x" * 1048576 + "\"}")' "$M/big.json"
expect_exit 2 "a sidecar over 1 MiB: exit 2" -- \
    bc register "$M/Canon.jpg" --sidecar "$M/big.json" --key "$K/admin.key"
expect_exit 0 "none of the refused sidecars registered Canon.jpg" -- \
    bc --json list --make canon
json_check "$OUT" "all(o['name'] != 'Canon.jpg' for o in d)" \
    "Canon.jpg was not registered by the refused attempts"

# ------------------------------------------------------------ list filters

expect_exit 0 "list --make fujifilm" -- bc --json list --make fujifilm
json_check "$OUT" "sorted(o['name'] for o in d) == ['GPS.jpg']" \
    "--make matches the sealed make, any case"
expect_exit 0 "list --model 'iPhone 6'" -- bc --json list --model "iPhone 6"
json_check "$OUT" "[o['name'] for o in d] == ['with-gps.mov']" "--model"
expect_exit 0 "list --near 54.99,-1.91,5" -- bc --json list --near 54.99,-1.91,5
json_check "$OUT" "[o['name'] for o in d] == ['GPS.jpg']" \
    "--near: within 5 km of the GPS still"
expect_exit 0 "list --near 53.38,-1.46,500" -- bc --json list --near 53.38,-1.46,500
json_check "$OUT" "sorted(o['name'] for o in d) == ['Apple.jpg', 'GPS.jpg']" \
    "--near: Sheffield and Durham are within 500 km of each other"
expect_exit 0 "list --since 2016-01-01 --until 2018-01-01" -- \
    bc --json list --since 2016-01-01 --until 2018-01-01
json_check "$OUT" "sorted(o['name'] for o in d) == ['Apple.jpg', 'GoPro.jpg']" \
    "--since/--until on the capture time"
expect_exit 0 "list --until 2003-01-01" -- bc --json list --until 2003-01-01
json_check "$OUT" "[o['name'] for o in d] == ['GPS.jpg']" \
    "--until: only the 2002 still"
expect_exit 0 "list --make apple --near 32.09,34.86,1" -- \
    bc --json list --make apple --near 32.09,34.86,1
json_check "$OUT" "[o['name'] for o in d] == ['with-gps.mov']" \
    "filters combine"
expect_exit 2 "--near without km: exit 2" -- bc list --near 54.9,-1.9
expect_exit 2 "--near out of range: exit 2" -- bc list --near 95,0,1
expect_exit 2 "--since garbage: exit 2" -- bc list --since soon

# ------------------------------------------------------------------ fuzzing

# fuzzing regressions: each must probe and register cleanly
for f in "$REPO"/tests/fuzz/regress-meta/*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	expect_exit 0 "fuzz regression $b: probe" -- "$BODYCAM" --json probe "$f"
	json_check "$OUT" "isinstance(d[0]['warnings'], list) and not any(isinstance(v, float) or (isinstance(v, int) and abs(v) > 2**53 - 1) for v in d[0]['media'].values())" \
	    "fuzz regression $b: no number a signed document cannot carry"
	cp "$f" "$M/$b"
	expect_exit 0 "fuzz regression $b: register" -- \
	    bc register "$M/$b" --key "$K/admin.key"
done
expect_exit 0 "probe the duration regression" -- "$BODYCAM" --json probe \
    "$REPO/tests/fuzz/regress-meta/mvhd-duration-over-2p53-ms.mp4"
json_check "$OUT" "'duration_ms' not in d[0]['media'] and any('not believable' in w for w in d[0]['warnings'])" \
    "a duration over 2^53 ms is left out with a warning"

finish
