#!/bin/sh
# t-register.sh - register, show, list and verify real footage, and catch
# every kind of tampering with the files and with the catalog.
#
# All files are copies in a temporary directory; tests/data is only read.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

keygen_all admin other &&
bc init --admin-key "$K/admin.pub" > /dev/null
check "setup: a fresh catalog" -- cat_ok
check "setup: keys" -- test -f "$K/admin.key"
KEY=$K/admin.key

DAY=$(date -u +%Y-%m-%d)

# ---------------------------------------------- register the sample footage

files=""
for f in "$DATA"/stills/* "$DATA"/video/*; do
	[ -f "$f" ] || continue
	cp "$f" "$M/"
	files="$files $(basename "$f")"
done
nfiles=$(echo $files | wc -w | tr -d ' ')
check "tests/data has stills and videos to register ($nfiles)" -- \
    test "$nfiles" -ge 10

# shellcheck disable=SC2086
set -- $files
args=""
for f; do args="$args $M/$f"; done
# shellcheck disable=SC2086
expect_exit 0 "register every still and video in one call (--json)" -- \
    bc --json register $args --key "$KEY" --officer OFF-7 --device CAM-3 \
    --case CASE-1 --category use-of-force --tag alpha --tag beta
cp "$OUT" "$TMP/reg.json"
expect_empty "$ERR" "register: nothing on stderr"
json_check "$TMP/reg.json" "isinstance(d, list) and len(d) == $nfiles" \
    "register --json is an array with one entry per file"
json_check "$TMP/reg.json" 'all(set(("id", "path", "sha256", "size", "manifest_hash", "status")) <= set(e) for e in d)' \
    "every entry has id, path, sha256, size, manifest_hash, status"
json_check "$TMP/reg.json" 'all(e["status"] == "registered" for e in d)' \
    "every entry has status 'registered'"
json_check "$TMP/reg.json" 'len(set(e["id"] for e in d)) == len(d) and all(__import__("re").fullmatch(r"BWC-[0-9]+", e["id"]) for e in d)' \
    "ids are distinct and look like BWC-NNNNNN"
json_check "$TMP/reg.json" 'all(__import__("re").fullmatch(r"[0-9a-f]{64}", e["manifest_hash"]) for e in d)' \
    "manifest hashes are 64 hex digits"

# per file: sha256 and size agree with sha256sum and wc -c
for f in $files; do
	sum=$(sha256_of "$M/$f")
	size=$(size_of "$M/$f")
	if [ "$HAVE_PYTHON" -eq 1 ]; then
		json_check "$TMP/reg.json" "[(e['sha256'], e['size']) for e in d if e['path'] == '$M/$f'] == [('$sum', $size)]" \
		    "register $f: sha256 = sha256sum, size = $size"
	else
		expect_grep "\"sha256\": \"$sum\"" "$TMP/reg.json" \
		    "register $f: sha256 = sha256sum"
	fi
	# the id of this file, for later
	id=$(bc show "$sum" | head -n 1)
	eval "ID_$(echo "$f" | tr -c 'A-Za-z0-9\n' '_')=\$id"
	expect_exit 0 "verify $f ($id): exit 0" -- bc verify "$id"
	expect_grep "^$id: OK\$" "$OUT" "verify $f: prints '$id: OK'"
	expect_grep "file-hash .*$sum" "$OUT" "verify $f: file-hash check shows its SHA-256"
done

idof() {
	eval "echo \"\${ID_$(echo "$1" | tr -c 'A-Za-z0-9\n' '_')}\""
}
A=$(idof Apple.jpg)
ASUM=$(sha256_of "$M/Apple.jpg")

# ---------------------------------------------------------- verify --json

# shellcheck disable=SC2046
expect_exit 0 "verify --json of every item: exit 0" -- \
    bc --json verify $(for f in $files; do idof "$f"; done)
cp "$OUT" "$TMP/ver.json"
json_check "$TMP/ver.json" "isinstance(d, list) and len(d) == $nfiles" \
    "verify --json is an array, one entry per item"
json_check "$TMP/ver.json" 'all(isinstance(e["id"], str) and e["ok"] is True and isinstance(e["checks"], list) and e["checks"] for e in d)' \
    "each entry has id, ok (true, a boolean) and a non-empty checks array"
json_check "$TMP/ver.json" 'all(isinstance(c["name"], str) and c["ok"] is True and isinstance(c["detail"], str) for e in d for c in e["checks"])' \
    "each check has name, ok (boolean) and detail"
json_check "$TMP/ver.json" 'all({"file-hash", "file-size", "file-present", "manifest-signature"} <= {c["name"] for c in e["checks"]} for e in d)' \
    "the checks include file-present, file-size, file-hash, manifest-signature"

# ----------------------------------------------------------------- show

expect_exit 0 "show $A" -- bc show "$A"
expect_grep "$ASUM" "$OUT" "show: prints the SHA-256"
expect_grep "OFF-7" "$OUT" "show: prints the officer"
expect_grep "CASE-1" "$OUT" "show: prints the case"
expect_grep "image/jpeg" "$OUT" "show: prints the MIME type"
expect_grep "signature +valid" "$OUT" "show: the signature is valid"
expect_grep "register" "$OUT" "show: lists the register event"

expect_exit 0 "show --json $A" -- bc --json show "$A"
cp "$OUT" "$TMP/show.json"
json_check "$TMP/show.json" "d['id'] == '$A' and d['manifest']['file']['sha256'] == '$ASUM' and d['manifest']['file']['size'] == $(size_of "$M/Apple.jpg")" \
    "show --json: id, manifest.file.sha256 and size"
json_check "$TMP/show.json" "d['manifest']['capture']['officer'] == 'OFF-7' and d['manifest']['capture']['device'] == 'CAM-3' and d['manifest']['case']['number'] == 'CASE-1' and d['manifest']['case']['category'] == 'use-of-force'" \
    "show --json: officer, device, case number and category are sealed"
json_check "$TMP/show.json" "sorted(d['manifest']['tags']) == ['alpha', 'beta']" \
    "show --json: the tags are sealed"
json_check "$TMP/show.json" "d['manifest']['media']['mime'] == 'image/jpeg' and d['manifest']['file']['name'] == 'Apple.jpg'" \
    "show --json: media.mime and file.name"
json_check "$TMP/show.json" "d['signature']['ok'] is True and [e['action'] for e in d['events']] == ['register'] and d['events'][0]['signature_ok'] is True and d['events'][0]['seq'] == 0" \
    "show --json: valid signature, one signed 'register' event with seq 0"
json_check "$TMP/show.json" "d['events'][0]['event']['prev'] == d['manifest_hash'] == d['events'][0]['event']['item']" \
    "show --json: event 0 links to the manifest hash"

expect_exit 0 "show by an 8-digit hash prefix" -- bc show "$(echo "$ASUM" | cut -c1-8)"
expect_grep "^$A\$" "$OUT" "the 8-digit prefix finds $A"
expect_exit 0 "show by an upper-case 12-digit prefix" -- \
    bc show "$(echo "$ASUM" | cut -c1-12 | tr a-f A-F)"
expect_grep "^$A\$" "$OUT" "the upper-case prefix finds $A"
expect_exit 0 "show by the full SHA-256" -- bc show "$ASUM"
expect_grep "^$A\$" "$OUT" "the full SHA-256 finds $A"
expect_exit 2 "show by a 7-digit prefix (too short): exit 2" -- \
    bc show "$(echo "$ASUM" | cut -c1-7)"
expect_grep "8 or more" "$ERR" "too-short prefix: the message says 8 or more digits"
expect_exit 2 "show an unknown id: exit 2" -- bc show BWC-999999
expect_grep "BWC-999999" "$ERR" "unknown id: the message names it"
expect_exit 2 "show an unknown hash prefix: exit 2" -- bc show 0000000000
expect_exit 2 "show a non-hex reference: exit 2" -- bc show not-an-item

if [ "$HAVE_SQLITE" -eq 1 ]; then
	# ambiguity needs two hashes with one prefix: plant a second row
	cat_copy "$W/amb.db"
	pre=$(echo "$ASUM" | cut -c1-10)
	fake="${pre}$(printf '%054d' 0)"
	sqlite3 "$W/amb.db" "INSERT INTO items (id, sha256, size, path, manifest, manifest_hash, signature, key, registered) VALUES ('BWC-900000', '$fake', 1, '/nonexistent', '{}', '$(printf '%064d' 0)', x'00', 'k', '2000-01-01T00:00:00Z');"
	expect_exit 2 "an ambiguous prefix: exit 2" -- \
	    "$BODYCAM" --catalog "$W/amb.db" show "$(echo "$ASUM" | cut -c1-8)"
	expect_grep "$A" "$ERR" "ambiguous prefix: the message names $A"
	expect_grep "BWC-900000" "$ERR" "ambiguous prefix: the message names the other item"
	expect_exit 0 "a longer prefix resolves the ambiguity" -- \
	    "$BODYCAM" --catalog "$W/amb.db" show "$(echo "$ASUM" | cut -c1-12)"
	expect_grep "^$A\$" "$OUT" "the longer prefix finds $A"
fi

# ----------------------------------------------------------- duplicates

expect_exit 2 "registering the same content again: exit 2" -- \
    bc register "$M/Apple.jpg" --key "$KEY"
expect_grep "$A" "$ERR" "duplicate: stderr names the existing item $A"
cp "$M/Apple.jpg" "$W/renamed.jpg"
expect_exit 2 "the same content under another name: exit 2" -- \
    bc --json register "$W/renamed.jpg" --key "$KEY"
json_check "$OUT" "d[0]['status'] == 'duplicate' and d[0]['existing'] == '$A'" \
    "duplicate --json: status 'duplicate', existing $A"
expect_exit 0 "list still has $nfiles items" -- bc --json list
json_check "$OUT" "len(d) == $nfiles" "no item was added by the duplicates"

# ------------------------------------------------ several files, one missing

printf 'bodycam test file one\n' > "$W/one.bin"
printf 'bodycam test file two\n' > "$W/two.bin"
expect_exit 2 "register a, missing, b: exit 2" -- \
    bc register "$W/one.bin" "$W/missing.bin" "$W/two.bin" --key "$KEY" \
    --officer OFF-9 --case CASE-2 --device CAM-9
expect_grep "missing.bin" "$ERR" "stderr names the missing file"
expect_grep "one.bin" "$OUT" "the file before the missing one was registered"
expect_grep "two.bin" "$OUT" "the file after the missing one was registered"
ONE=$(grep one.bin "$OUT" | cut -d' ' -f1)
TWO=$(grep two.bin "$OUT" | cut -d' ' -f1)
expect_exit 0 "the two are in the catalog and verify" -- bc verify "$ONE" "$TWO"
NTOTAL=$((nfiles + 2))

mkdir "$W/adir"
expect_exit 2 "register a directory: exit 2" -- bc register "$W/adir" --key "$KEY"
expect_grep "adir" "$ERR" "register a directory: stderr names it"

# ------------------------------------------------------------------ list

expect_exit 0 "list" -- bc list
expect_eq "$(grep -c '^BWC-' "$OUT")" "$NTOTAL" "list shows all $NTOTAL items"
expect_grep "Apple\\.jpg" "$OUT" "list shows the file names"
expect_exit 0 "list --json" -- bc --json list
json_check "$OUT" "len(d) == $NTOTAL and all(set(('id','sha256','size','path','mime')) <= set(e) for e in d)" \
    "list --json: $NTOTAL entries with id, sha256, size, path, mime"
json_check "$OUT" "[e['sha256'] for e in d if e['id'] == '$A'] == ['$ASUM']" \
    "list --json: $A has its SHA-256"
expect_exit 0 "list --officer OFF-7" -- bc --json list --officer OFF-7
json_check "$OUT" "len(d) == $nfiles and all(e['officer'] == 'OFF-7' for e in d)" \
    "--officer OFF-7 gives the $nfiles items of OFF-7"
expect_exit 0 "list --officer OFF-9" -- bc --json list --officer OFF-9
json_check "$OUT" "sorted(e['id'] for e in d) == sorted(['$ONE', '$TWO'])" \
    "--officer OFF-9 gives exactly its two items"
expect_exit 0 "list --case CASE-2" -- bc --json list --case CASE-2
json_check "$OUT" "sorted(e['id'] for e in d) == sorted(['$ONE', '$TWO']) and all(e['case'] == 'CASE-2' for e in d)" \
    "--case CASE-2 gives exactly its two items"
expect_exit 0 "list --device CAM-3 --case CASE-1" -- \
    bc --json list --device CAM-3 --case CASE-1
json_check "$OUT" "len(d) == $nfiles" "--device and --case combine"
expect_exit 0 "list --officer nobody" -- bc --json list --officer nobody
json_check "$OUT" "d == []" "--officer nobody gives an empty array"
expect_exit 0 "list --officer nobody (text)" -- bc list --officer nobody
expect_nogrep "^BWC-" "$OUT" "--officer nobody lists no item"
expect_exit 0 "list --registered-since 2000-01-01" -- bc --json list --registered-since 2000-01-01
json_check "$OUT" "len(d) == $NTOTAL" "--since 2000-01-01 gives every item"
expect_exit 0 "list --registered-since $DAY (today)" -- bc --json list --registered-since "$DAY"
json_check "$OUT" "len(d) == $NTOTAL" "--since today gives every item"
expect_exit 0 "list --registered-until $DAY (today: a date means its end)" -- \
    bc --json list --registered-until "$DAY"
json_check "$OUT" "len(d) == $NTOTAL" "--until today gives every item"
expect_exit 0 "list --registered-since 2999-01-01" -- bc --json list --registered-since 2999-01-01
json_check "$OUT" "d == []" "--since 2999-01-01 gives nothing"
expect_exit 0 "list --registered-until 2000-01-01T00:00:00Z" -- \
    bc --json list --registered-until 2000-01-01T00:00:00Z
json_check "$OUT" "d == []" "--until 2000-01-01T00:00:00Z gives nothing"
expect_exit 0 "list --registered-since 2000-01-01 --registered-until 2999-12-31 --officer OFF-9" -- \
    bc --json list --registered-since 2000-01-01 --registered-until 2999-12-31 --officer OFF-9
json_check "$OUT" "len(d) == 2" "time and officer filters combine"
expect_exit 2 "list --since yesterday-ish garbage: exit 2" -- \
    bc list --since last-tuesday
expect_grep "last-tuesday" "$ERR" "bad --since: the message quotes it"
expect_exit 2 "list --until 2024-13-45: exit 2" -- bc list --until 2024-13-45

# ----------------------------------------------------------- verify --file

mkdir "$W/elsewhere"
cp "$DATA/stills/Apple.jpg" "$W/elsewhere/evidence.jpg"
expect_exit 0 "verify --file finds a copy by its content" -- \
    bc verify --file "$W/elsewhere/evidence.jpg"
expect_grep "^$A: OK\$" "$OUT" "verify --file names the item $A"
expect_exit 0 "verify --file --json" -- bc --json verify --file "$W/elsewhere/evidence.jpg"
json_check "$OUT" "d[0]['id'] == '$A' and d[0]['ok'] is True" \
    "verify --file --json: id $A, ok true"
printf 'never registered\n' > "$W/stranger.bin"
expect_exit 2 "verify --file of unregistered content: exit 2" -- \
    bc verify --file "$W/stranger.bin"
expect_grep "stranger.bin" "$ERR" "unregistered content: the message names the file"
expect_exit 2 "verify --file of a missing file: exit 2" -- \
    bc verify --file "$W/nothere.bin"
expect_exit 2 "verify without arguments: exit 2" -- bc verify

expect_exit 2 "verify an unknown item: exit 2" -- bc verify BWC-999999
expect_grep "BWC-999999" "$ERR" "verify unknown item: stderr names it"
expect_exit 2 "verify a known and an unknown item: exit 2" -- \
    bc verify "$A" BWC-999999
expect_grep "^$A: OK\$" "$OUT" "the known item is still verified"
expect_exit 2 "verify --json with an unknown item" -- bc --json verify BWC-999999
json_check "$OUT" "len(d) == 1 and d[0]['ok'] is False" \
    "verify --json: the unknown item's entry has ok false"

# ------------------------------------------------------------ quiet mode

printf 'quiet one\n' > "$W/q.bin"
expect_exit 0 "register -q" -- bc -q register "$W/q.bin" --key "$KEY"
# scripts need the new id: -q prints it alone (issue "Ingest")
expect_eq "$(cat "$OUT")" "$(bc list | awk 'END { print $1 }')" \
    "register -q prints the new id alone on stdout"
expect_empty "$ERR" "register -q prints nothing on stderr"
expect_exit 0 "verify -q" -- bc -q verify "$A"
expect_empty "$OUT" "verify -q of a good item prints nothing"
expect_exit 0 "list -q" -- bc -q list
expect_empty "$OUT" "list -q prints nothing"
expect_exit 0 "show -q" -- bc -q show "$A"
expect_empty "$OUT" "show -q prints nothing"
NTOTAL=$((NTOTAL + 1))

# ----------------------------------------------- tampering with the files

# a byte flipped in the middle of a registered copy
F=$M/GoPro.jpg
FID=$(idof GoPro.jpg)
fsize=$(size_of "$F")
flip_byte "$F" $((fsize / 2))
check "the copy really changed" -- sh -c '! cmp -s "$1" "$2"' sh "$F" "$DATA/stills/GoPro.jpg"
expect_exit 1 "verify after one byte was changed: exit 1" -- bc verify "$FID"
expect_grep "FAILED +file-hash" "$OUT" "the failed check is named file-hash"
expect_grep "ok +file-size" "$OUT" "file-size still passes"
expect_grep "^$FID: FAILED \\(.*file-hash" "$OUT" "the summary line names file-hash"
expect_exit 1 "verify --json after one byte was changed: exit 1" -- bc --json verify "$FID"
json_check "$OUT" "d[0]['ok'] is False and [c['ok'] for c in d[0]['checks'] if c['name'] == 'file-hash'] == [False]" \
    "verify --json: ok false and the file-hash check false"
expect_exit 1 "verify -q of a tampered item still reports" -- bc -q verify "$FID"
expect_grep "$FID: FAILED" "$OUT" "verify -q prints the failure"
expect_exit 2 "verify --file of the altered file: exit 2 (no such content)" -- \
    bc verify --file "$F"
expect_grep "altered|never registered" "$ERR" "verify --file says it was never registered or altered"
expect_exit 1 "verify a good and a tampered item: exit 1 (the worst)" -- \
    bc verify "$A" "$FID"
expect_grep "^$A: OK\$" "$OUT" "the good item still shows OK"

# a truncated copy
F=$M/with-gps.mp4
TID=$(idof with-gps.mp4)
truncate_file "$F" 1000
expect_eq "$(size_of "$F")" 1000 "the copy is truncated to 1000 bytes"
expect_exit 1 "verify after truncation: exit 1" -- bc verify "$TID"
expect_grep "FAILED +file-size" "$OUT" "truncation: file-size fails"

# a deleted copy
F=$M/Canon.jpg
DID=$(idof Canon.jpg)
rm -f "$F"
expect_exit 2 "verify after the file was deleted: exit 2" -- bc verify "$DID"
cat "$OUT" "$ERR" > "$TMP/both"
expect_grep "file-present" "$TMP/both" "deleted file: the output names file-present"
expect_exit 2 "verify --json of a deleted file: exit 2" -- bc --json verify "$DID"
json_check "$OUT" "d[0]['ok'] is False and [c['ok'] for c in d[0]['checks'] if c['name'] == 'file-present'] == [False]" \
    "verify --json: file-present is false"

# --------------------------------------------- tampering with the catalog

if [ "$HAVE_SQLITE" -eq 1 ]; then
	# the manifest text edited in SQL (the append-only trigger dropped)
	cat_copy "$W/t1.db"
	sqlite3 "$W/t1.db" "DROP TRIGGER items_no_update; UPDATE items SET manifest = replace(manifest, 'OFF-7', 'OFF-8') WHERE id = '$A';"
	expect_eq "$(sqlite3 "$W/t1.db" "SELECT instr(manifest, 'OFF-8') > 0 FROM items WHERE id = '$A';")" 1 \
	    "the stored manifest was edited"
	expect_exit 1 "verify an edited manifest: exit 1" -- \
	    "$BODYCAM" --catalog "$W/t1.db" verify "$A"
	expect_grep "FAILED +manifest-signature" "$OUT" "edited manifest: manifest-signature fails"
	expect_grep "FAILED +manifest-hash" "$OUT" "edited manifest: manifest-hash fails"
	expect_exit 1 "show an edited manifest: exit 1" -- \
	    "$BODYCAM" --catalog "$W/t1.db" show "$A"
	expect_grep "INVALID" "$OUT" "show: the signature is INVALID"
	expect_exit 0 "the other items still verify in the edited catalog" -- \
	    "$BODYCAM" --catalog "$W/t1.db" verify "$ONE"

	# the catalog row's sha256 swapped for another file's: the row lies
	cat_copy "$W/t2.db"
	sqlite3 "$W/t2.db" "DROP TRIGGER items_no_update; UPDATE items SET sha256 = '$(sha256_of "$W/stranger.bin")' WHERE id = '$A';"
	expect_exit 1 "verify a catalog row that disagrees with its manifest: exit 1" -- \
	    "$BODYCAM" --catalog "$W/t2.db" verify "$A"
	expect_grep "FAILED +manifest-record" "$OUT" "row edit: manifest-record fails"

	# the custody event edited
	cat_copy "$W/t3.db"
	sqlite3 "$W/t3.db" "DROP TRIGGER events_no_update; UPDATE events SET body = replace(body, '\"action\":\"register\"', '\"action\":\"release\"') WHERE item = (SELECT manifest_hash FROM items WHERE id = '$A');"
	expect_eq "$(sqlite3 "$W/t3.db" "SELECT count(*) FROM events WHERE body LIKE '%\"release\"%';")" 1 \
	    "the stored event was edited"
	expect_exit 1 "verify an edited custody event: exit 1" -- \
	    "$BODYCAM" --catalog "$W/t3.db" verify "$A"
	expect_grep "FAILED +event-hash +seq 0:" "$OUT" "edited event: event-hash of seq 0 fails"

	# the append-only triggers are in place in a normal catalog
	refuses() {
		! q "$1" "$2" 2>/dev/null
	}
	check "the catalog refuses UPDATE on items" -- \
	    refuses "$CAT" "UPDATE items SET path = path;"
	check "the catalog refuses DELETE on events" -- \
	    refuses "$CAT" "DELETE FROM events;"
else
	echo "# skip: catalog tampering (no sqlite3)"
fi

# ------------------------------------------------------------ bad keys

printf 'key mode one\n' > "$W/k1.bin"
cp "$KEY" "$W/loose.key"
chmod 644 "$W/loose.key"
expect_exit 2 "register with a key of mode 644: exit 2" -- \
    bc register "$W/k1.bin" --key "$W/loose.key"
expect_grep "chmod 600" "$ERR" "mode 644 key: the message says chmod 600"
printf -- '-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n' > "$W/garbage.key"
chmod 600 "$W/garbage.key"
expect_exit 2 "register with a garbage PEM key: exit 2" -- \
    bc register "$W/k1.bin" --key "$W/garbage.key"
expect_grep "garbage.key" "$ERR" "garbage key: the message names the key file"
expect_exit 2 "register with the public key (as keygen left it) as --key: exit 2" -- \
    bc register "$W/k1.bin" --key "$K/admin.pub"
expect_grep "public key" "$ERR" "public key as --key: the message says it is a public key"
expect_nogrep "chmod" "$ERR" "public key as --key: no advice to chmod a public key"
cp "$K/admin.pub" "$W/p600.pub"
chmod 600 "$W/p600.pub"
expect_exit 2 "register with a mode-600 public key as --key: exit 2" -- \
    bc register "$W/k1.bin" --key "$W/p600.pub"
expect_grep "public key" "$ERR" "mode-600 public key: the message says it is a public key"
expect_exit 2 "register with a missing key file: exit 2" -- \
    bc register "$W/k1.bin" --key "$W/nokey.key"
expect_exit 2 "register with a key that is not the catalog's: exit 2" -- \
    bc register "$W/k1.bin" --key "$K/other.key"
expect_grep "not a signer" "$ERR" "foreign key: the message says it is not a signer"
expect_exit 2 "register without --key: exit 2" -- bc register "$W/k1.bin"
expect_exit 2 "register without a FILE: exit 2" -- bc register --key "$KEY"
expect_exit 0 "none of those registered anything" -- bc --json list
json_check "$OUT" "len(d) == $NTOTAL" "the catalog still has $NTOTAL items"

# ----------------------------------------------------- malformed inputs

BC=$TMP/bad.db
"$BODYCAM" --catalog "$BC" init --admin-key "$K/admin.pub" > /dev/null
for f in "$DATA"/bad/*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	cp "$f" "$W/$b"
	expect_exit 0,2 "bad/$b registers or is refused cleanly" -- \
	    "$BODYCAM" --catalog "$BC" --json register "$W/$b" --key "$KEY" ||
	    continue
	if [ "$LAST_RC" -eq 0 ]; then
		json_check "$OUT" "d[0]['sha256'] == '$(sha256_of "$f")' and d[0]['size'] == $(size_of "$f")" \
		    "bad/$b: sha256 and size are right"
		expect_exit 0 "bad/$b verifies" -- \
		    "$BODYCAM" --catalog "$BC" verify --file "$W/$b"
		expect_exit 0 "bad/$b: show works" -- \
		    "$BODYCAM" --catalog "$BC" show "$(sha256_of "$f" | cut -c1-16)"
	else
		expect_grep "^bodycam: .*$b" "$ERR" "bad/$b: the message names the file"
	fi
done

# ---------------------------------------------------- concurrent writers

CC=$TMP/conc.db
"$BODYCAM" --catalog "$CC" init --admin-key "$K/admin.pub" > /dev/null
for p in 1 2 3 4; do
	for i in 1 2 3; do
		printf 'concurrent writer %s file %s\n' "$p" "$i" > "$W/c$p-$i.bin"
	done
done
for p in 1 2 3 4; do
	"$BODYCAM" --catalog "$CC" register "$W/c$p-1.bin" "$W/c$p-2.bin" \
	    "$W/c$p-3.bin" --key "$KEY" > "$TMP/conc$p.out" 2> "$TMP/conc$p.err" &
	eval "pid$p=\$!"
done
for p in 1 2 3 4; do
	eval "wait \$pid$p"
	rc=$?
	expect_eq "$rc" 0 "concurrent register process $p exits 0"
	if [ "$rc" -ne 0 ] || sanitizer_report "$TMP/conc$p.err"; then
		show_file stderr "$TMP/conc$p.err"
	fi
done
cat "$TMP"/conc?.out | cut -d' ' -f1 | sort > "$TMP/conc.ids"
expect_eq "$(wc -l < "$TMP/conc.ids" | tr -d ' ')" 12 \
    "the four processes registered 12 files"
expect_eq "$(sort -u "$TMP/conc.ids" | wc -l | tr -d ' ')" 12 \
    "all 12 ids are distinct"
expect_exit 0 "list after concurrent registration" -- \
    "$BODYCAM" --catalog "$CC" --json list
json_check "$OUT" "len(d) == 12 and len({e['id'] for e in d}) == 12" \
    "the catalog holds 12 distinct items"
# shellcheck disable=SC2046
expect_exit 0 "every concurrently registered item verifies" -- \
    "$BODYCAM" --catalog "$CC" verify $(cat "$TMP/conc.ids")

# the same file from two processes at once: exactly one wins
printf 'raced file\n' > "$W/race.bin"
"$BODYCAM" --catalog "$CC" register "$W/race.bin" --key "$KEY" \
    > "$TMP/r1.out" 2> "$TMP/r1.err" &
r1=$!
"$BODYCAM" --catalog "$CC" register "$W/race.bin" --key "$KEY" \
    > "$TMP/r2.out" 2> "$TMP/r2.err" &
r2=$!
wait $r1
rc1=$?
wait $r2
rc2=$?
expect_eq "$(echo "$rc1 $rc2" | tr ' ' '\n' | sort | tr '\n' ' ')" "0 2 " \
    "the same file registered twice at once: one exits 0, the other 2"
cat "$TMP/r1.err" "$TMP/r2.err" > "$TMP/r.err"
expect_grep "already registered" "$TMP/r.err" "the loser says it is already registered"
expect_exit 0 "list after the race" -- "$BODYCAM" --catalog "$CC" --json list
json_check "$OUT" "len(d) == 13" "the raced file was registered once"

finish
