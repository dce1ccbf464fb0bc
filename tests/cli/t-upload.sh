#!/bin/sh
# t-upload.sh - uploads over HTTP, from the outside (a real server, curl):
# POST /v1/items with the file as an application/octet-stream body (in
# storage at ROOT/ab/SHA256/NAME, registered, verified, metadata sealed);
# Content-Digest, Repr-Digest and Digest checked (a wrong one leaves
# nothing); Idempotency-Key (a retry answers the same item, no second
# registration; another request under the key 422; a key in use 409);
# the size cap; a client killed mid-upload; a full disk (507, nothing
# left); resumable uploads (/v1/uploads: offsets with Content-Range, a
# PUT cut off and resumed, a wrong chunk digest, a wrong file digest,
# another token's upload, DELETE).
#
# Needs curl and python3 (make deps).  KEEP_TMP=1 keeps $TMP.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

need_tools "uploads" curl

MNT=$TMP/full
trap 'umount "$MNT" 2>/dev/null; cleanup' EXIT

ROOT=$TMP/store
mkdir -p "$ROOT" "$M"
keygen_all admin ing 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ROOT"
add_keys ing:ingest
T_ING=$(mktoken dock-1 ingest)
T_ING2=$(mktoken dock-2 ingest)
T_CUST=$(mktoken det.smith custodian)

# the files in storage (not the service's own under .uploads), the
# items in the catalog
nstored() {
	find "$1" -path "$1/.uploads" -prune -o -type f -print | wc -l |
	    tr -d ' '
}
nitems() {
	bc list --json 2> /dev/null > "$TMP/nitems.json"
	jget "$TMP/nitems.json" 'len(d)'
}

# upload TOKEN QUERY FILE [CURL-OPTIONS...]: POST /v1/items with FILE as
# an application/octet-stream body
upload() {
	_tok=$1
	_qs=$2
	_f=$3
	shift 3
	API_CT=application/octet-stream api "$_tok" POST "/v1/items?$_qs" \
	    --data-binary "@$_f" "$@"
}

# cut_off LOGGED CURL-ARGS...: an octet-stream request of dock-1's at 400
# KiB/s, killed (SIGKILL) after 1.5 s; waits up to 5 s for the server to
# log LOGGED
cut_off() {
	_logged=$1
	shift
	curl -s -o /dev/null --limit-rate 400K \
	    -H "Authorization: Bearer $T_ING" \
	    -H 'Content-Type: application/octet-stream' "$@" 2> /dev/null &
	_cpid=$!
	sleep 1.5
	kill -9 "$_cpid" 2> /dev/null
	wait "$_cpid" 2> /dev/null
	_i=0
	while [ $_i -lt 50 ] && ! grep -q "$_logged" "$SLOG"; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# b64sha FILE: its SHA-256, base64 (a digest header's value)
b64sha() {
	openssl dgst -sha256 -binary "$1" | openssl base64 -A
}

if ! start_server main --key "$K/ing.key" --threads 4 --max-upload 6M; then
	fail "the server starts" "no 'serving' line"
	finish
fi
MAIN=$SPID
URL=http://127.0.0.1:$PORT

# --------------------------------------------------------------- one body

cp "$DATA/stills/Apple.jpg" "$M/apple.jpg"
SHA=$(sha256sum "$M/apple.jpg" | cut -c1-64)
TOP=$(printf %s "$SHA" | cut -c1-2)
upload "$T_ING" "name=Apple.jpg&officer=Ofc.%20Reyes&device=cam-9&tags=a&tags=b" \
    "$M/apple.jpg"
expect_status 201 "an octet-stream body is registered (201)"
A=$(jget "$RB" 'd["id"]')
expect_eq "$(jget "$RB" 'd["sha256"]')" "$SHA" "the answer names its sha256"
expect_eq "$(jget "$RB" 'd["mime"]')" "image/jpeg" "and its type"
check "the file is in storage at ROOT/ab/SHA256/NAME" -- \
    cmp -s "$M/apple.jpg" "$ROOT/$TOP/$SHA/Apple.jpg"
check "read-only there" -- test ! -w "$ROOT/$TOP/$SHA/Apple.jpg" -o \
    "$(id -u)" = 0
expect_eq "$(stat -c %a "$ROOT/$TOP/$SHA/Apple.jpg")" 440 "mode 0440"
expect_exit 0 "the uploaded item verifies" -- bc verify "$A"
expect_exit 0 "show --json" -- bc --json show "$A"
json_check "$OUT" "d['path'] == '$ROOT/$TOP/$SHA/Apple.jpg'" \
    "its recorded path is the copy"
json_check "$OUT" "d['manifest']['file']['name'] == 'Apple.jpg'" \
    "the sealed name is the one given"
json_check "$OUT" "d['manifest']['capture']['officer'] == 'Ofc. Reyes'" \
    "the officer is sealed"
json_check "$OUT" "d['manifest']['tags'] == ['a', 'b']" "the tags too"
json_check "$OUT" "d['manifest']['capture']['model'] == 'iPhone 7'" \
    "EXIF read from the stored copy is sealed"
expect_exit 0 "custody log of it" -- bc custody log "$A" --csv
expect_grep ",register,dock-1," "$OUT" \
    "the register event names the token as actor"
N1=$(nstored "$ROOT")

upload "$T_ING" "name=again.jpg" "$M/apple.jpg"
expect_status 409 "the same content again: 409"
expect_eq "$(jget "$RB" 'd["error"]["existing"]')" "$A" \
    "naming the item in 'existing'"
expect_eq "$(nstored "$ROOT")" "$N1" "and storing nothing"

# ---------------------------------------------------------------- digests

cp "$DATA/stills/Canon.jpg" "$M/canon.jpg"
cp "$DATA/stills/GPS.jpg" "$M/gps.jpg"
cp "$DATA/stills/HTC_Desire.jpg" "$M/htc.jpg"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Content-Digest: sha-256=:$(b64sha "$M/gps.jpg"):"
expect_error 400 digest_mismatch "a wrong Content-Digest: 400"
expect_grep "$(sha256sum "$M/canon.jpg" | cut -c1-64)" "$RB" \
    "the answer says the sha256 of what arrived"
expect_eq "$(nstored "$ROOT")" "$N1" "nothing stored"
expect_eq "$(nitems)" 1 "nothing registered"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Repr-Digest: sha-256=:$(b64sha "$M/gps.jpg"):"
expect_error 400 digest_mismatch "a wrong Repr-Digest: 400"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Digest: SHA-256=$(b64sha "$M/gps.jpg")"
expect_error 400 digest_mismatch "a wrong Digest (RFC 3230): 400"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Content-Digest: sha-256=:bm90IGEgZGlnZXN0:"
expect_error 400 bad_request "a malformed Content-Digest: 400"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Content-Digest: sha-256=:$(b64sha "$M/canon.jpg"):" \
    -H "Digest: SHA-256=$(b64sha "$M/gps.jpg")"
expect_error 400 bad_request "digest headers that disagree: 400"
expect_eq "$(nstored "$ROOT")" "$N1" "still nothing stored"
upload "$T_ING" "name=canon.jpg" "$M/canon.jpg" \
    -H "Content-Digest: sha-512=:AAAA:, sha-256=:$(b64sha "$M/canon.jpg"):"
expect_status 201 "the right Content-Digest (among others): 201"
upload "$T_ING" "name=gps.jpg" "$M/gps.jpg" \
    -H "Digest: sha-256=$(b64sha "$M/gps.jpg")"
expect_status 201 "the right Digest: 201"
expect_eq "$(nitems)" 3 "three items"

# ------------------------------------------------------------ idempotency

upload "$T_ING" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
expect_status 201 "an upload with an Idempotency-Key: 201"
H=$(jget "$RB" 'd["id"]')
upload "$T_ING" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
expect_status 201 "retried with the same key: 201 again"
expect_eq "$(jget "$RB" 'd["id"]')" "$H" "the same item"
expect_eq "$(header Idempotent-Replayed)" "true" \
    "marked Idempotent-Replayed"
expect_eq "$(nitems)" 4 "registered once"
upload "$T_ING" "name=other.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
expect_error 422 idempotency_key_reused \
    "the key on another request: 422"
upload "$T_ING2" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
expect_status 409 "another token's key of that name is its own (409 exists)"
upload "$T_ING" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key;"
expect_error 400 bad_request "an empty key: 400"
# the same key while the first request still runs
head -c 3145728 /dev/urandom > "$M/slow.bin"
curl -s -o "$TMP/slow.out" -w '%{http_code}' --limit-rate 1M \
    -H "Authorization: Bearer $T_ING" -H 'Idempotency-Key: k-slow' \
    -H 'Content-Type: application/octet-stream' \
    --data-binary "@$M/slow.bin" "$URL/v1/items?name=slow.bin" \
    > "$TMP/slow.st" 2> /dev/null &
SLOW=$!
sleep 1
upload "$T_ING" "name=slow.bin" "$M/slow.bin" -H "Idempotency-Key: k-slow"
expect_error 409 in_progress "the key while its request runs: 409"
wait "$SLOW"
expect_eq "$(cat "$TMP/slow.st")" 201 "the first request ends with 201"

# the records are the service's, signed and bound to their names: one
# edited in the folder, or moved to another key's name, is not replayed
# idem_name KEY: the file name of dock-1's record of KEY
idem_name() {
	_h=$(printf 'dock-1\0' | sha256sum | cut -c1-64)
	printf '%s%s' "$_h" "$1" | sha256sum | cut -c1-64
}
IDEM=$ROOT/.uploads/idem
check "the record of k-1 is where it should be" -- \
    test -s "$IDEM/$(idem_name k-1)"
sed "s/\"id\":\"$H\"/\"id\":\"$A\"/" "$IDEM/$(idem_name k-1)" \
    > "$TMP/rec"
cat "$TMP/rec" > "$IDEM/$(idem_name k-1)"
upload "$T_ING" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
expect_status 409 "a record edited to name another item is not replayed"
expect_eq "$(jget "$RB" 'd["error"]["existing"]')" "$H" \
    "  (the request ran: 409 exists, naming the real item)"
expect_grep "idempotency record .* is not as this service signed it" \
    "$SLOG" "  and the log says so"
cp "$IDEM/$(idem_name k-slow)" "$IDEM/$(idem_name k-moved)"
upload "$T_ING" "name=slow.bin" "$M/slow.bin" -H "Idempotency-Key: k-moved"
expect_status 409 "a genuine record moved to another key is not replayed"

# the same for a registration by path (JSON)
mkdir -p "$ROOT/dock"
cp "$DATA/stills/Ricoh2.jpg" "$ROOT/dock/ricoh.jpg"
api "$T_ING" POST /v1/items -H "Idempotency-Key: by-path" \
    -d '{"path":"dock/ricoh.jpg"}'
expect_status 201 "a registration by path with an Idempotency-Key: 201"
R=$(jget "$RB" 'd["id"]')
api "$T_ING" POST /v1/items -H "Idempotency-Key: by-path" \
    -d '{"path":"dock/ricoh.jpg"}'
expect_status 201 "retried: 201 again"
expect_eq "$(jget "$RB" 'd["id"]')" "$R" "the same item"
expect_eq "$(header Idempotent-Replayed)" "true" "marked as a replay"
api "$T_ING" POST /v1/items -H "Idempotency-Key: by-path" \
    -d '{"path":"dock/ricoh.jpg","officer":"x"}'
expect_error 422 idempotency_key_reused "another body under the key: 422"

# ------------------------------------------------------- refusals, limits

upload "$T_ING" "officer=x" "$M/htc.jpg"
expect_error 400 bad_request "no name: 400"
upload "$T_ING" "name=a%2Fb.jpg" "$M/htc.jpg"
expect_error 400 bad_request "a name with a '/': 400"
upload "$T_ING" "name=..&x=1" "$M/htc.jpg"
expect_error 400 bad_request "an unknown query argument: 400"
upload "$T_ING" "name=x.jpg&officer=%01" "$M/htc.jpg"
expect_error 400 bad_request "a control character in a field: 400"
upload - "name=x.jpg" "$M/htc.jpg"
expect_error 401 unauthorized "no token: 401"
upload "$T_CUST" "name=x.jpg" "$M/htc.jpg"
expect_error 403 forbidden "a custodian's token: 403"
: > "$M/empty"
upload "$T_ING" "name=empty" "$M/empty"
expect_error 400 bad_request "an empty body: 400"
head -c 7340032 /dev/urandom > "$M/seven.bin"
N2=$(nstored "$ROOT")
upload "$T_ING" "name=seven.bin" "$M/seven.bin"
expect_error 413 too_large "a body over --max-upload (6M): 413"
API_CT=application/octet-stream api "$T_ING" POST "/v1/items?name=seven.bin" \
    -H 'Transfer-Encoding: chunked' --data-binary "@$M/seven.bin"
check "a chunked body over the cap is cut off" -- test "$ST" != 201
expect_eq "$(nstored "$ROOT")" "$N2" "neither left anything"

# a client killed in the middle of its body
head -c 4194304 /dev/urandom > "$M/four.bin"
cut_off "POST /v1/items 499" -X POST --data-binary "@$M/four.bin" \
    "$URL/v1/items?name=four.bin"
expect_grep "dock-1 POST /v1/items 499" "$SLOG" \
    "the server logs the upload cut off (499)"
expect_eq "$(nstored "$ROOT")" "$N2" "a cut-off upload leaves no file"
expect_eq "$(find "$ROOT" -name '*.part' -path '*incoming*' | wc -l)" 0 \
    "nor a temporary"
upload "$T_ING" "name=four.bin" "$M/four.bin"
expect_status 201 "the upload again, whole: 201"
expect_exit 0 "audit --files: every file in place" -- bc audit --files

# ------------------------------------------------------------- resumable

head -c 3000000 /dev/urandom > "$M/big.bin"
BS=$(sha256sum "$M/big.bin" | cut -c1-64)
head -c 1000000 "$M/big.bin" > "$M/p1"
tail -c +1000001 "$M/big.bin" > "$M/rest"
api "$T_ING" POST /v1/uploads -H 'Idempotency-Key: up-1' \
    -d "{\"name\":\"big.bin\",\"size\":3000000,\"sha256\":\"$BS\",\"officer\":\"Ofc. Lin\",\"case\":\"2026-0042\"}"
expect_status 201 "POST /v1/uploads: 201"
U=$(jget "$RB" 'd["id"]')
expect_eq "$(header Location)" "/v1/uploads/$U" "with its Location"
expect_eq "$(jget "$RB" 'd["offset"]')" 0 "at offset 0"
api "$T_ING" POST /v1/uploads -H 'Idempotency-Key: up-1' \
    -d "{\"name\":\"big.bin\",\"size\":3000000,\"sha256\":\"$BS\",\"officer\":\"Ofc. Lin\",\"case\":\"2026-0042\"}"
expect_eq "$(jget "$RB" 'd["id"]')" "$U" \
    "retried with its Idempotency-Key: the same upload"
expect_eq "$(find "$ROOT/.uploads" -maxdepth 1 -name '*.json' | wc -l)" 1 \
    "one upload made"

# put FIRST LAST FILE [CURL-OPTIONS...]: PUT bytes FIRST-LAST of $U
put() {
	set -- "bytes $1-$2/3000000" "$3" "$@"
	_range=$1
	_f=$2
	shift 5
	API_CT=application/octet-stream api "$T_ING" PUT "/v1/uploads/$U" \
	    -H "Content-Range: $_range" --data-binary "@$_f" "$@"
}
put 0 999999 "$M/p1"
expect_status 200 "the first million bytes: 200"
expect_eq "$(jget "$RB" 'd["offset"]')" 1000000 "offset 1000000"
put 0 999999 "$M/p1"
expect_status 409 "the same bytes again: 409"
expect_eq "$(jget "$RB" 'd["error"]["code"]')" offset_mismatch \
    "offset_mismatch"
expect_eq "$(jget "$RB" 'd["error"]["offset"]')" 1000000 \
    "naming the offset to send from"
put 1000000 2999999 "$M/rest" \
    -H "Content-Digest: sha-256=:$(b64sha "$M/p1"):"
expect_error 400 digest_mismatch "a chunk with a wrong Content-Digest: 400"
api "$T_ING" GET "/v1/uploads/$U"
expect_eq "$(jget "$RB" 'd["offset"]')" 1000000 "none of its bytes kept"
put 1000000 1999999 "$M/rest"
expect_error 400 bad_request "a body longer than its Content-Range: 400"
API_CT=application/octet-stream api "$T_ING" PUT "/v1/uploads/$U" \
    -H "Content-Range: bytes */3000000"
expect_status 409 "finishing before all bytes are in: 409"
for cr in "" "bytes 5-3/3000000" "bytes 1000000-3000000/3000000" \
    "bytes 1000000-1000009/3000001" "bytes -1-5/3000000" \
    "bytes 1000000-1000009" "items 1000000-1000009/3000000" \
    "bytes 1000000-1000009/0" "bytes 1000000-99999999999999999999999/3000000"; do
	API_CT=application/octet-stream api "$T_ING" PUT "/v1/uploads/$U" \
	    -H "Content-Range: $cr" --data-binary "@$M/p1"
	expect_error 400 bad_request "Content-Range '$cr': 400"
done
API_CT=text/plain api "$T_ING" PUT "/v1/uploads/$U" \
    -H "Content-Range: bytes 1000000-1999999/3000000" --data-binary "@$M/p1"
expect_error 415 unsupported_media_type "a text/plain body: 415"
api "$T_ING" GET "/v1/uploads/$U"
expect_eq "$(jget "$RB" 'd["offset"]')" 1000000 "none of them moved it"
api "$T_ING2" GET "/v1/uploads/$U"
expect_error 403 forbidden "another token's upload: 403"
api "$T_ING" GET "/v1/uploads/0123"
expect_error 404 not_found "an unknown upload: 404"

# cut off in the middle: what arrived is kept, and the upload resumes
cut_off "PUT /v1/uploads/$U 499" -X PUT \
    -H 'Content-Range: bytes 1000000-2999999/3000000' \
    --data-binary "@$M/rest" "$URL/v1/uploads/$U"
api "$T_ING" GET "/v1/uploads/$U"
OFF=$(jget "$RB" 'd["offset"]')
check "a PUT cut off keeps what arrived ($OFF bytes)" -- \
    test "$OFF" -gt 1000000 -a "$OFF" -lt 3000000
tail -c +$((OFF + 1)) "$M/big.bin" > "$M/tail"
put "$OFF" 2999999 "$M/tail" \
    -H "Repr-Digest: sha-256=:$(b64sha "$M/big.bin"):"
expect_status 201 "resumed from offset $OFF to the end: 201, registered"
B=$(jget "$RB" 'd["id"]')
expect_eq "$(jget "$RB" 'd["sha256"]')" "$BS" "of the whole file's sha256"
expect_exit 0 "the resumed upload verifies" -- bc verify "$B"
expect_exit 0 "show --json" -- bc --json show "$B"
json_check "$OUT" "d['manifest']['capture']['officer'] == 'Ofc. Lin'" \
    "the fields given at creation are sealed"
json_check "$OUT" "d['path'].startswith('$ROOT/')" "it lies in storage"
check "the upload's data is gone from .uploads" -- \
    test ! -e "$ROOT/.uploads/$U.part"
api "$T_ING" GET "/v1/uploads/$U"
expect_eq "$(jget "$RB" 'd["item"]')" "$B" "the upload names its item"
put 0 999999 "$M/p1"
expect_status 409 "a PUT to a finished upload: 409"
expect_eq "$(jget "$RB" 'd["error"]["item"]')" "$B" "naming the item"

# a file whose bytes are not the sha256 given at creation
head -c 100000 /dev/urandom > "$M/small.bin"
api "$T_ING" POST /v1/uploads \
    -d "{\"name\":\"small.bin\",\"size\":100000,\"sha256\":\"$BS\"}"
U=$(jget "$RB" 'd["id"]')
NI=$(nitems)
API_CT=application/octet-stream api "$T_ING" PUT "/v1/uploads/$U" \
    -H 'Content-Range: bytes 0-99999/100000' --data-binary "@$M/small.bin"
expect_error 400 digest_mismatch "the file is not the sha256 given: 400"
expect_eq "$(nitems)" "$NI" "nothing registered"
api "$T_ING" GET "/v1/uploads/$U"
expect_error 404 not_found "and the upload is removed"

# DELETE
api "$T_ING" POST /v1/uploads -d "{\"name\":\"gone.bin\",\"size\":10,\"sha256\":\"$BS\"}"
U=$(jget "$RB" 'd["id"]')
api "$T_ING2" DELETE "/v1/uploads/$U"
expect_error 403 forbidden "DELETE of another token's upload: 403"
if chattr +i "$ROOT/.uploads/$U.json" 2> /dev/null; then
	api "$T_ING" DELETE "/v1/uploads/$U"
	expect_error 500 internal "a DELETE that cannot remove the files: 500"
	chattr -i "$ROOT/.uploads/$U.json"
else
	echo "# skip: DELETE that fails (chattr +i not possible here)"
fi
api "$T_ING" DELETE "/v1/uploads/$U"
expect_status 204 "DELETE of one's own: 204"
check "its files are gone" -- test ! -e "$ROOT/.uploads/$U.part" -a \
    ! -e "$ROOT/.uploads/$U.json"
api "$T_ING" POST /v1/uploads -d "{\"name\":\"x\",\"size\":99999999,\"sha256\":\"$BS\"}"
expect_error 413 too_large "an upload over --max-upload: 413"
api "$T_ING" POST /v1/uploads -d "{\"name\":\"x/y\",\"size\":9,\"sha256\":\"$BS\"}"
expect_error 400 bad_request "a name with '/': 400"
api "$T_ING" POST /v1/uploads -d '{"name":"x","size":9,"what":1}'
expect_error 400 bad_request "an unknown field: 400"
api "$T_ING" POST /v1/uploads -d '{"name":"x","size":9}'
expect_error 400 bad_request "no sha256 of the whole file: 400"

# whoever may write the storage folder, between two PUTs
api "$T_ING" POST /v1/uploads \
    -d "{\"name\":\"t.bin\",\"size\":3000000,\"sha256\":\"$BS\",\"officer\":\"Ofc. Lin\"}"
U=$(jget "$RB" 'd["id"]')
sed 's/Ofc. Lin/Ofc. Nobody/' "$ROOT/.uploads/$U.json" > "$TMP/state"
cp "$ROOT/.uploads/$U.json" "$TMP/state.orig"
cat "$TMP/state" > "$ROOT/.uploads/$U.json"
api "$T_ING" GET "/v1/uploads/$U"
expect_error 409 integrity "an upload's state changed in storage: 409"
put 0 999999 "$M/p1"
expect_error 409 integrity "and no byte is taken for it"
cat "$TMP/state.orig" > "$ROOT/.uploads/$U.json"
put 0 999999 "$M/p1"
expect_status 200 "its own state back: the upload goes on"
head -c 2000000 /dev/urandom > "$M/other"
dd if="$M/other" of="$ROOT/.uploads/$U.part" bs=1000 count=1 conv=notrunc \
    2> /dev/null
NI=$(nitems)
put 1000000 2999999 "$M/rest"
expect_error 400 digest_mismatch \
    "bytes changed in storage between PUTs: 400 at the end"
expect_eq "$(nitems)" "$NI" "nothing registered"
expect_exit 0 "audit --files after all of it" -- bc audit --files
# two uploads left behind, one of them untouched for 2 hours
api "$T_ING" POST /v1/uploads -d "{\"name\":\"old.bin\",\"size\":10,\"sha256\":\"$BS\"}"
OLD=$(jget "$RB" 'd["id"]')
api "$T_ING" POST /v1/uploads -d "{\"name\":\"new.bin\",\"size\":10,\"sha256\":\"$BS\"}"
NEW=$(jget "$RB" 'd["id"]')
stop_server "$MAIN" "the server stops on SIGTERM"
touch -d '2 hours ago' "$ROOT/.uploads/$OLD.part" "$ROOT/.uploads/$OLD.json"
NIDEM=$(find "$ROOT/.uploads/idem" -type f | wc -l | tr -d ' ')
touch -d '25 hours ago' "$ROOT/.uploads/idem/"*
if start_server expiry --key "$K/ing.key" --threads 2 --upload-expiry 1; then
	URL=http://127.0.0.1:$PORT
	expect_grep "swept 1 expired uploads" "$SLOG" \
	    "an upload untouched past --upload-expiry is swept at start"
	expect_grep "swept $NIDEM expired idempotency keys" "$SLOG" \
	    "and idempotency keys past 24 hours"
	api "$T_ING" GET "/v1/uploads/$OLD"
	expect_error 404 not_found "the expired upload is gone"
	check "its files too" -- test ! -e "$ROOT/.uploads/$OLD.part" -a \
	    ! -e "$ROOT/.uploads/$OLD.json"
	api "$T_ING" GET "/v1/uploads/$NEW"
	expect_status 200 "a recent one stays"
	upload "$T_ING" "name=htc.jpg" "$M/htc.jpg" -H "Idempotency-Key: k-1"
	expect_status 409 "an expired key is forgotten (409 exists, not a replay)"
	# a retry answered before its body, which it sends all the same
	head -c 20971520 /dev/urandom > "$M/twenty.bin"
	upload "$T_ING" "name=twenty.bin" "$M/twenty.bin" \
	    -H "Idempotency-Key: k-20"
	expect_status 201 "a 20 MiB upload with a key: 201"
	T20=$(jget "$RB" 'd["id"]')
	upload "$T_ING" "name=twenty.bin" "$M/twenty.bin" \
	    -H "Idempotency-Key: k-20" -H "Expect:"
	expect_status 201 "retried without Expect: 100-continue: answered"
	expect_eq "$(jget "$RB" 'd["id"]')" "$T20" "with the same item"
	stop_server "$SPID" "that server stops"
fi

# -------------------------------------------------------------- full disk

mkdir -p "$MNT"
if mount -t tmpfs -o size=4m tmpfs "$MNT" 2> /dev/null; then
	CAT=$(new_cat full)
	"$BODYCAM" --catalog "$CAT" init --admin-key "$K/admin.pub" \
	    --storage "$MNT" > /dev/null
	T_F=$(mktoken dock-f ingest)
	head -c 5242880 /dev/urandom > "$M/five.bin"
	if start_server full --key "$K/admin.key" --threads 2; then
		URL=http://127.0.0.1:$PORT
		upload "$T_F" "name=five.bin" "$M/five.bin"
		expect_error 507 storage_full "an upload onto a full disk: 507"
		expect_eq "$(nstored "$MNT")" 0 "leaving no file"
		expect_eq "$(nitems)" 0 "and no item"
		api "$T_F" POST /v1/uploads -d "{\"name\":\"f.bin\",\"size\":5242880,\"sha256\":\"$(sha256sum "$M/five.bin" | cut -c1-64)\"}"
		U=$(jget "$RB" 'd["id"]')
		head -c 1048576 "$M/five.bin" > "$M/f1"
		tail -c +1048577 "$M/five.bin" > "$M/f2"
		API_CT=application/octet-stream api "$T_F" PUT \
		    "/v1/uploads/$U" \
		    -H 'Content-Range: bytes 0-1048575/5242880' \
		    --data-binary "@$M/f1"
		expect_status 200 "a resumable upload's first MiB fits"
		API_CT=application/octet-stream api "$T_F" PUT \
		    "/v1/uploads/$U" \
		    -H 'Content-Range: bytes 1048576-5242879/5242880' \
		    --data-binary "@$M/f2"
		expect_error 507 storage_full "the rest does not: 507"
		api "$T_F" GET "/v1/uploads/$U"
		expect_eq "$(jget "$RB" 'd["offset"]')" 1048576 \
		    "none of that PUT's bytes are kept"
		api "$T_F" DELETE "/v1/uploads/$U"
		expect_eq "$(df -k "$MNT" | awk 'NR == 2 { print $3 }')" 0 \
		    "deleted, no space is used"
		upload "$T_F" "name=f1" "$M/f1"
		expect_status 201 "a file that fits is taken afterwards"
		stop_server "$SPID" "the full-disk server stops"
	else
		fail "the full-disk server starts" "no 'serving' line"
	fi
	umount "$MNT"
else
	echo "# skip: full-disk test (cannot mount a tmpfs here)"
fi

# --------------------------------------------------------- no storage root

CAT=$(new_cat nostore)
"$BODYCAM" --catalog "$CAT" init --admin-key "$K/admin.pub" > /dev/null
T_N=$(mktoken dock-n ingest)
if start_server nostore --storage "$M" --key "$K/admin.key" --threads 2; then
	URL=http://127.0.0.1:$PORT
	upload "$T_N" "name=x.jpg" "$M/htc.jpg"
	expect_error 409 no_storage "a catalog without a storage root: 409"
	api "$T_N" POST /v1/uploads -d "{\"name\":\"x\",\"size\":9,\"sha256\":\"$BS\"}"
	expect_error 409 no_storage "for resumable uploads too"
	stop_server "$SPID" "that server stops"
fi

no_token_logged "$T_ING" "$T_ING2" "$T_CUST" "${T_F-}" "${T_N-}"
no_server_sanitizer_report
finish
