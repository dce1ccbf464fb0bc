#!/bin/sh
# t-tiles.sh - the transparency log as C2SP tlog-tiles, checked by Go's own
# packages (golang.org/x/mod/sumdb/note and .../tlog, tests/go/tlogcheck,
# built here offline from Debian's golang-golang-x-mod-dev): 'log tiles
# --out' and 'serve' at /log/ give the same bytes; Go opens every
# checkpoint, authenticates every tile against it, finds every entry under
# its leaf, and checks inclusion and consistency proofs, which agree with
# bodycam's own; partial tiles of widths 1 and 255; tiles past the
# checkpoint's tree (404) and hostile paths (400); --log-access; a tile or
# entry edited on disk is caught.  The large log has $TILES_ITEMS * 2 + 1
# leaves (default 100,001; tests/bench/mkcatalog makes it).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

: "${BUILD:=build}"
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
: "${MKCATALOG:=$BUILD/tests/mkcatalog}"
: "${TILES_ITEMS:=50000}"

need_tools "tile tests" curl
if ! command -v go > /dev/null 2>&1; then
	fail "go is installed (golang-go, make deps)"
	finish
fi
if [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]; then
	fail "golang-golang-x-mod-dev is installed (make deps)"
	finish
fi
if [ ! -x "$MKCATALOG" ]; then
	fail "$MKCATALOG is built (make \$(BUILD)/tests/mkcatalog)"
	finish
fi

TC=$TMP/tlogcheck
expect_exit 0 "the Go checker builds offline (GOPATH mode, GOPROXY=off)" -- \
    sh -c 'cd "$1" && GO111MODULE=off GOPATH=/usr/share/gocode \
    GOPROXY=off GOFLAGS= GOCACHE="$2/gocache" go build -o "$2/tlogcheck" \
    ./tests/go/tlogcheck' _ "$REPO" "$TMP"
[ -x "$TC" ] || finish

KD=$W/keys
# mk DB ITEMS: a catalog of ITEMS * 2 + 1 leaves (a key document, then an
# item and its register event each)
mk() {
	"$MKCATALOG" "$1" "$2" 1 "$KD" > /dev/null 2> "$TMP/mk.err"
}
# tc ARGS...: the Go checker, its output in $OUT and $ERR
tc() {
	"$TC" check -vkey "$VKEY" "$@"
}
# files DIR: the files of a static tree, relative, sorted
files() {
	(cd "$1" && find . -type f ! -name '*.tmp*' | sed 's|^\./||' | sort)
}

# ------------------------------------------------------ width 1: 257 leaves
CAT=$(new_cat small)
expect_exit 0 "setup: a catalog of 257 leaves" -- mk "$CAT" 128
expect_exit 2 "log tiles before any checkpoint: exit 2" -- \
    bc log tiles --out "$W/s"
expect_grep "no checkpoint yet" "$ERR" "  and says to sign one"
expect_exit 2 "log tiles without --out: exit 2" -- bc log tiles
expect_exit 0 "setup: a checkpoint of 257" -- \
    bc checkpoint --key "$KD/admin.key" --out "$W/cp-257.txt"
ORIGIN=$(head -n 1 "$W/cp-257.txt")
VKEY=$("$TC" vkey "$ORIGIN" "$KD/admin.pub")
echo "$VKEY" > "$TMP/vkey"
expect_grep "^[^+ ]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/=]+\$" "$TMP/vkey" \
    "  Go makes a note verifier key of the admin key"
expect_exit 0 "log tiles --out" -- bc log tiles --out "$W/s"
files "$W/s" > "$TMP/files"
printf '%s\n' checkpoint tile/0/000 tile/0/001.p/1 tile/1/000.p/1 \
    tile/entries/000 tile/entries/001.p/1 > "$TMP/want"
expect_eq "$(cat "$TMP/files")" "$(cat "$TMP/want")" \
    "  the tiles of 257 leaves: partial tiles of width 1 at levels 0 and 1"
check "  the checkpoint is the signed note" -- cmp -s "$W/s/checkpoint" \
    "$W/cp-257.txt"
check "  a full tile is 256 hashes" -- \
    test "$(wc -c < "$W/s/tile/0/000")" -eq 8192
check "  a partial tile of width 1 is one hash" -- \
    test "$(wc -c < "$W/s/tile/0/001.p/1")" -eq 32
expect_exit 0 "Go: checkpoint, tiles and every leaf's inclusion (257)" -- \
    tc -src "$W/s" -every 1
expect_grep "257 entries hash to their leaves; 257 inclusion proofs" "$OUT" \
    "  all 257 entries and inclusion proofs"

# grown by two leaves: only the new tiles are written
expect_exit 0 "setup: two more leaves" -- sh -c '
    "$1" --catalog "$2" custody add BWC-000001 access --key "$3" \
        --actor t > /dev/null &&
    "$1" --catalog "$2" custody add BWC-000002 access --key "$3" \
        --actor t > /dev/null' _ "$BODYCAM" "$CAT" "$KD/custodian.key"
expect_exit 0 "setup: a checkpoint of 259" -- \
    bc checkpoint --key "$KD/admin.key" --out "$W/cp-259.txt"
expect_exit 0 "log tiles again, --json" -- bc --json log tiles --out "$W/s"
json_check "$OUT" 'd["size"] == 259 and d["written"] == 2 and d["kept"] == 3' \
    "  writes the 2 new tiles, keeps 3"
check "  the old partial tile stays" -- test -f "$W/s/tile/0/001.p/1"
check "  the new checkpoint is in place" -- cmp -s "$W/s/checkpoint" \
    "$W/cp-259.txt"
expect_exit 0 "Go: 259 leaves, consistent with the checkpoint of 257" -- \
    tc -src "$W/s" -every 1 -old "$W/cp-257.txt" -proofs "$W/p-small"
expect_exit 0 "bodycam's own consistency proof 257 -> 259" -- \
    bc --json log consistency "$W/cp-257.txt" "$W/cp-259.txt"
"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("consistency %d %d%s" % (d["old"]["size"], d["new"]["size"],
    "".join(" " + h for h in d["proof"])))' "$OUT" > "$TMP/bc-proof"
check "  Go's proof and bodycam's are the same hashes" -- \
    cmp -s "$TMP/bc-proof" "$W/p-small"

# ---------------------------------------------------------------- served
mkdir -p "$W/src"
start_server s --storage "$W/src" --key "$KD/admin.key" ||
    fail "the server starts" "see above"
URL=http://127.0.0.1:$PORT
TOK=$(bc -q token create --name monitor --role custodian \
    --key "$KD/admin.key" 2> /dev/null)
api - GET /log/checkpoint
expect_status 401 "GET /log/checkpoint without a token: 401 (by default)"
api "$TOK" GET /log/checkpoint
expect_status 200 "GET /log/checkpoint with a token"
check "  the newest checkpoint's note, byte for byte" -- \
    cmp -s "$RB" "$W/cp-259.txt"
expect_eq "$(header Content-Type)" "text/plain; charset=utf-8" \
    "  as text/plain; charset=utf-8"
expect_eq "$(header Cache-Control)" "public, max-age=10" "  cached briefly"
# every file of the static tree, from the server
bad=""
for f in $(files "$W/s"); do
	api "$TOK" GET "/log/$f"
	if [ "$ST" != 200 ] || ! cmp -s "$RB" "$W/s/$f"; then
		bad="$bad $f:$ST"
	fi
done
expect_eq "$bad" "" "the server gives every file of the static tree, same bytes"
api "$TOK" GET /log/tile/0/000
expect_eq "$(header Cache-Control)" "public, max-age=31536000, immutable" \
    "  a full tile is immutable"
expect_eq "$(header Content-Type)" "application/octet-stream" \
    "  as application/octet-stream"
api "$TOK" GET /log/tile/0/001.p/3
expect_eq "$(header Cache-Control)" "public, max-age=10" \
    "  a partial tile is cached briefly"
api "$TOK" HEAD /log/tile/entries/000 -I
expect_status 200 "HEAD on an entry bundle"
expect_exit 0 "Go over HTTP: 259 leaves, consistent with 257" -- \
    tc -src "$URL/log" -token "$TOK" -every 1 -old "$W/cp-257.txt"
expect_exit 1 "Go without a token: refused" -- tc -src "$URL/log"

# past the checkpoint's tree: 404
for p in tile/0/001 tile/0/001.p/4 tile/entries/001 tile/entries/002.p/1 \
    tile/1/000 tile/1/000.p/2 tile/2/000.p/1 tile/7/000.p/1 \
    tile/0/x001/000 tile/0/x999/x999/x999/x999/999; do
	api "$TOK" GET "/log/$p"
	expect_status 404 "GET /log/$p (past the tree): 404"
done
# not a tile path in the spec's one spelling: 400
for p in tile/0/0 tile/0/01 tile/0/0000 tile/00/000 tile/8/000 \
    tile/0/000.p/0 tile/0/000.p/256 tile/0/000.p/01 tile/0/000.p/ \
    tile/0/x000/001 tile/0/001/ tile/0/000.p/1/ tile/-1/000 \
    tile/0/x001/x002/x003/x004/x005/x006/007 tile/entries/x1/000 \
    tile/0/abc tile/entries/ tile/entries/000.p tile/0/000x \
    tile/data/000 tile/0/000.P/1 tile/0/x999/x999/x999/x999/x999/999; do
	api "$TOK" GET "/log/$p"
	expect_status 400 "GET /log/$p (not a tile path): 400"
done
# the path in other shapes: never a crash, never a file outside
for p in "tile/0/../0/000" "tile/..%2f..%2fsmall.db" "tile/0%2f000" \
    "tile/0/000%00" \
    "tile/$(printf '%0300d' 0)" "tile/0/000?x=1" "tile" "tile/"; do
	api "$TOK" GET "/log/$p" --path-as-is
	case $ST in
	200|400|404) pass "GET /log/$p: $ST" ;;
	*) fail "GET /log/$p: 200, 400 or 404" "status $ST" ;;
	esac
done
api "$TOK" POST /log/tile/0/000 -d '{}'
expect_status 405 "POST on a tile: 405"
stop_server "$SPID" "the server stops"

start_server p --storage "$W/src" --key "$KD/admin.key" \
    --log-access public || fail "the server starts (public log)" "see above"
URL=http://127.0.0.1:$PORT
api - GET /log/checkpoint
expect_status 200 "--log-access public: the checkpoint without a token"
api - GET /log/tile/entries/001.p/3
expect_status 200 "  and the entries"
api - GET /v1/items
expect_status 401 "  the rest of the API still needs a token"
expect_exit 0 "Go over HTTP without a token (public)" -- \
    tc -src "$URL/log" -old "$W/cp-257.txt"
stop_server "$SPID" "the server stops"

# an edited tile or entry is caught
cp -R "$W/s" "$W/e1"
printf 'X' | dd of="$W/e1/tile/0/000" bs=1 seek=100 conv=notrunc 2> /dev/null
expect_exit 1 "Go: a hash tile edited on disk is caught" -- tc -src "$W/e1"
cp -R "$W/s" "$W/e2"
printf 'X' | dd of="$W/e2/tile/entries/000" bs=1 seek=40 conv=notrunc \
    2> /dev/null
expect_exit 1 "Go: an entry edited on disk is caught" -- tc -src "$W/e2"
expect_grep "does not hash to the leaf" "$ERR" "  as an entry off its leaf"
cp -R "$W/s" "$W/e3"
sed 's/^259$/258/' "$W/cp-259.txt" > "$W/e3/checkpoint"
expect_exit 1 "Go: a checkpoint edited on disk is caught" -- tc -src "$W/e3"

# ----------------------------------------------------- width 255: 511 leaves
CAT=$(new_cat w255)
expect_exit 0 "setup: a catalog of 511 leaves" -- mk "$CAT" 255
expect_exit 0 "setup: a checkpoint of 511" -- \
    bc checkpoint --key "$KD/admin.key" --out "$W/cp-511.txt"
VKEY=$("$TC" vkey "$(head -n 1 "$W/cp-511.txt")" "$KD/admin.pub")
expect_exit 0 "log tiles --out (511)" -- bc log tiles --out "$W/w"
files "$W/w" > "$TMP/files"
printf '%s\n' checkpoint tile/0/000 tile/0/001.p/255 tile/1/000.p/1 \
    tile/entries/000 tile/entries/001.p/255 > "$TMP/want"
expect_eq "$(cat "$TMP/files")" "$(cat "$TMP/want")" \
    "  the tiles of 511 leaves: a partial tile of width 255"
expect_exit 0 "Go: every leaf of 511" -- tc -src "$W/w" -every 1

# ------------------------------------------------------------ a large log
NBIG=$((TILES_ITEMS * 2 + 1))
CAT=$(new_cat big)
t0=$(date +%s)
expect_exit 0 "setup: a catalog of $NBIG leaves" -- mk "$CAT" "$TILES_ITEMS"
t1=$(date +%s)
echo "# $NBIG leaves made in $((t1 - t0)) s"
expect_exit 0 "setup: a checkpoint of $NBIG" -- \
    bc checkpoint --key "$KD/admin.key" --out "$W/cp-a.txt"
VKEY=$("$TC" vkey "$(head -n 1 "$W/cp-a.txt")" "$KD/admin.pub")
expect_exit 0 "log tiles --out ($NBIG leaves)" -- bc log tiles --out "$W/b"
t2=$(date +%s)
echo "# tiles written in $((t2 - t1)) s"
# three more checkpoints, one leaf apart, then one past a full tile
n=0
for c in b c d; do
	expect_exit 0 "setup: a leaf and a checkpoint ($c)" -- sh -c '
	    "$1" --catalog "$2" custody add BWC-000001 access --key "$3" \
	        --actor t > /dev/null &&
	    "$1" --catalog "$2" checkpoint --key "$4" --out "$5"' _ \
	    "$BODYCAM" "$CAT" "$KD/custodian.key" "$KD/admin.key" \
	    "$W/cp-$c.txt"
done
expect_exit 0 "log tiles --out again ($((NBIG + 3)) leaves)" -- \
    bc --json log tiles --out "$W/b"
json_check "$OUT" 'd["written"] <= 5' "  only the changed tiles are written"
expect_exit 0 "Go: $((NBIG + 3)) leaves, consistent with 3 older checkpoints" -- \
    tc -src "$W/b" -old "$W/cp-a.txt" -old "$W/cp-b.txt" \
    -old "$W/cp-c.txt" -proofs "$W/p-big"
sed "s/^/# /" "$OUT"
: > "$TMP/bc-proofs"
for c in a b c; do
	bc --json log consistency "$W/cp-$c.txt" "$W/cp-d.txt" > "$TMP/c.json"
	"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("consistency %d %d%s" % (d["old"]["size"], d["new"]["size"],
    "".join(" " + h for h in d["proof"])))' "$TMP/c.json" >> "$TMP/bc-proofs"
done
check "  Go's 3 consistency proofs and bodycam's are the same hashes" -- \
    cmp -s "$TMP/bc-proofs" "$W/p-big"
# the root Go computed from the tiles is the one bodycam gives
bc --json log consistency "$((NBIG + 3))" "$((NBIG + 3))" > "$TMP/c.json"
root=$(jget "$TMP/c.json" 'd["new"]["root_hex"]')
expect_grep "root $root;" "$OUT" "  Go's root from the tiles is bodycam's root"

start_server b --storage "$W/src" --key "$KD/admin.key" \
    --log-access public || fail "the server starts (large log)" "see above"
URL=http://127.0.0.1:$PORT
expect_exit 0 "Go over HTTP: $((NBIG + 3)) leaves, consistent with 3" -- \
    tc -src "$URL/log" -old "$W/cp-a.txt" -old "$W/cp-b.txt" \
    -old "$W/cp-c.txt" -proofs "$W/p-big-http"
check "  the same proofs as from the files" -- cmp -s "$W/p-big" \
    "$W/p-big-http"
# the tiles above level 0 and the last ones of level 0, byte for byte
bad=""
for f in $(files "$W/b" | grep -v '^tile/0/\|^tile/entries/' ) \
    $(files "$W/b" | grep '^tile/0/\|^tile/entries/' | tail -n 6); do
	api - GET "/log/$f"
	if [ "$ST" != 200 ] || ! cmp -s "$RB" "$W/b/$f"; then
		bad="$bad $f:$ST"
	fi
done
expect_eq "$bad" "" "  the server's tiles are the files' bytes"
stop_server "$SPID" "the server stops"
no_server_sanitizer_report
finish
