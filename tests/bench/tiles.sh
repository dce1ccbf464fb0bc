#!/bin/sh
# tests/bench/tiles.sh - the log as C2SP tlog-tiles at scale: the time
# 'bodycam log tiles --out' takes to write every tile of a log of
# BENCH_TILES_ITEMS * 2 + 1 leaves (default 1,000,001; made with
# tests/bench/mkcatalog, not timed), and how many bytes a monitor
# downloads to catch up BENCH_TILES_GROW new leaves (default 1,000, each
# a custody event): the new checkpoint and the tiles and entry bundles it
# has not seen, which are exactly the files a second, incremental run of
# 'log tiles --out' writes (a partial tile it had at a narrower width
# counts again).  With Go and tests/go/tlogcheck built (TLOGCHECK), the
# grown log is then checked by Go's sumdb/tlog, consistency with the first
# checkpoint included.  Prints the figures; exits non-zero only when
# something broke.
#
#   BODYCAM=build/bodycam MKCATALOG=build/tests/mkcatalog \
#       RUNSTAT=build/tests/runstat sh tests/bench/tiles.sh
#
# Environment: TMPDIR (default /tmp; about 1 GiB for the catalog and the
# tiles), BENCH_TILES_ITEMS, BENCH_TILES_GROW, TLOGCHECK.
set -u

: "${BODYCAM:=build/bodycam}"
: "${MKCATALOG:=build/tests/mkcatalog}"
: "${RUNSTAT:=build/tests/runstat}"
: "${BENCH_TILES_ITEMS:=500000}"
: "${BENCH_TILES_GROW:=1000}"
: "${TLOGCHECK:=}"

die() {
	echo "bench: $*" >&2
	exit 1
}

for x in "$BODYCAM" "$MKCATALOG" "$RUNSTAT"; do
	[ -x "$x" ] || die "$x: not found (make bench builds it)"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-tiles.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
db=$tmp/cat.db
bc() {
	"$BODYCAM" --catalog "$db" "$@"
}
n=$((BENCH_TILES_ITEMS * 2 + 1))
# tiles NAME: log tiles --out, timed; sets wall, rss, files and bytes
tiles() {
	"$RUNSTAT" -o "$tmp/$1.out" -- "$BODYCAM" --catalog "$db" --json \
		log tiles --out "$tmp/tiles" > "$tmp/$1.stat" ||
		die "log tiles failed: $(cat "$tmp/$1.out")"
	wall=$(sed -n 's/^wall_s=\([0-9.]*\) .*/\1/p' "$tmp/$1.stat")
	rss=$(sed -n 's/.*maxrss_kib=\([0-9]*\) .*/\1/p' "$tmp/$1.stat")
	files=$(sed -n 's/.*"written": *\([0-9]*\).*/\1/p' "$tmp/$1.out")
	bytes=$(sed -n 's/.*"bytes": *\([0-9]*\).*/\1/p' "$tmp/$1.out")
}

echo "bench: tiles: building a log of $n leaves" >&2
"$MKCATALOG" "$db" "$BENCH_TILES_ITEMS" 1 "$tmp/keys" >&2 ||
	die "mkcatalog failed"
bc checkpoint --key "$tmp/keys/admin.key" --out "$tmp/cp-old.txt" \
	> /dev/null || die "checkpoint failed"
tiles first
printf 'tiles: %d leaves: log tiles --out wrote %d files, %d bytes in %s s (peak RSS %d KiB)\n' \
	"$n" "$files" "$bytes" "$wall" "$rss"

echo "bench: tiles: appending $BENCH_TILES_GROW leaves" >&2
i=0
while [ $i -lt "$BENCH_TILES_GROW" ]; do
	item=$(printf 'BWC-%06d' $((i % BENCH_TILES_ITEMS + 1)))
	bc custody add "$item" access --key "$tmp/keys/custodian.key" \
		--actor bench > /dev/null || die "custody add failed"
	i=$((i + 1))
done
bc checkpoint --key "$tmp/keys/admin.key" > /dev/null ||
	die "checkpoint failed"
tiles second
printf 'tiles: catching up %d new leaves (%d to %d): %d files, %d bytes with the checkpoint (%d bytes a leaf); written in %s s\n' \
	"$BENCH_TILES_GROW" "$n" $((n + BENCH_TILES_GROW)) $((files + 1)) \
	"$bytes" $((bytes / BENCH_TILES_GROW)) "$wall"

if [ -n "$TLOGCHECK" ] && [ -x "$TLOGCHECK" ]; then
	vkey=$("$TLOGCHECK" vkey "$(head -n 1 "$tmp/cp-old.txt")" \
		"$tmp/keys/admin.pub") || die "tlogcheck vkey failed"
	"$RUNSTAT" -o "$tmp/go.out" -- "$TLOGCHECK" check -vkey "$vkey" \
		-src "$tmp/tiles" -old "$tmp/cp-old.txt" -every 997 \
		> "$tmp/go.stat" || die "Go's check failed: $(cat "$tmp/go.out")"
	printf 'tiles: Go (sumdb/tlog) checked it in %s s: %s\n' \
		"$(sed -n 's/^wall_s=\([0-9.]*\) .*/\1/p' "$tmp/go.stat")" \
		"$(cat "$tmp/go.out")"
fi
