#!/bin/sh
# tests/bench/startup.sh - start-up cost: 'bodycam --version' and 'bodycam
# show ITEM' (on a catalog of a few items, and on a large catalog built by
# mkcatalog when MKCATALOG is set) against 'openssl version', alternating
# in the same run, each timed under runstat; the median over BENCH_RUNS
# (default 20) runs of each.  Prints each median in ms and its ratio to
# openssl's, with PASS/MISS against the target ratio <= 1.5.  Then the
# cost of a helper process per file: 'register' of BENCH_FILES (default
# 100) small JPEGs, one run, in ms per file.  A MISS is reported, not
# fatal; the exit status is non-zero only when something broke.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat \
#       MKCATALOG=build/tests/mkcatalog sh tests/bench/startup.sh
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${MKCATALOG:=}"
: "${BENCH_RUNS:=20}"
: "${BENCH_FILES:=100}"
: "${BENCH_LARGE_ITEMS:=20000}"
RATIO_MAX=1.5

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found"
command -v openssl >/dev/null 2>&1 || die "openssl: not found"
REPO=$(cd "$(dirname "$0")/../.." && pwd) || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-startup.XXXXXX") || die "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

K=$tmp/keys
mkdir -p "$K" "$tmp/m"
"$BODYCAM" keygen admin --dir "$K" >/dev/null || die "keygen failed"
CAT=$tmp/small.db
"$BODYCAM" --catalog "$CAT" init --admin-key "$K/admin.pub" >/dev/null ||
	die "init failed"
for f in "$REPO"/tests/data/stills/*.jpg; do
	cp "$f" "$tmp/m/"
done
"$BODYCAM" --catalog "$CAT" register "$tmp"/m/*.jpg --key "$K/admin.key" \
    >/dev/null 2>&1 || die "register failed"
ITEM=BWC-000001

LARGE=
if [ -n "$MKCATALOG" ] && [ -x "$MKCATALOG" ]; then
	mkdir -p "$tmp/lk"
	if "$MKCATALOG" "$tmp/large.db" "$BENCH_LARGE_ITEMS" 2 "$tmp/lk" \
	    >/dev/null 2>&1; then
		LARGE=$tmp/large.db
	else
		echo "bench: mkcatalog failed; no large-catalog figure" >&2
	fi
fi

# one timed run: prints the wall time in ms
run() {
	"$RUNSTAT" -q -- "$@" | sed -n 's/^wall_s=\([0-9.]*\) .*/\1/p' |
	    awk '{ printf "%.3f\n", $1 * 1000 }'
}

median() {	# FILE
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
	    else if (NR % 2) print v[(NR + 1) / 2];
	    else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	run openssl version >> "$tmp/openssl"
	run "$BODYCAM" --version >> "$tmp/version"
	run "$BODYCAM" --catalog "$CAT" show "$ITEM" >> "$tmp/show"
	if [ -n "$LARGE" ]; then
		run "$BODYCAM" --catalog "$LARGE" show BWC-000001 \
		    >> "$tmp/large"
	fi
	i=$((i + 1))
done

base=$(median "$tmp/openssl")
echo "startup: median of $BENCH_RUNS runs, alternating; target <= " \
    "$RATIO_MAX x openssl version"
printf '  %-44s %8s ms\n' "openssl version" "$base"
report() {	# NAME FILE
	m=$(median "$2")
	awk -v n="$1" -v m="$m" -v b="$base" -v t="$RATIO_MAX" 'BEGIN {
	    r = m / b; printf "  %-44s %8s ms  %5.2f x  %s\n", n, m, r,
	    r <= t ? "PASS" : "MISS" }'
}
report "bodycam --version" "$tmp/version"
report "bodycam show ITEM (catalog of a few items)" "$tmp/show"
[ -n "$LARGE" ] && report "bodycam show ITEM ($BENCH_LARGE_ITEMS items)" \
    "$tmp/large"

# a helper process per file: register of BENCH_FILES small JPEGs
src=$REPO/tests/data/stills/Apple.jpg
mkdir -p "$tmp/many"
n=0
while [ "$n" -lt "$BENCH_FILES" ]; do
	cp "$src" "$tmp/many/f$n.jpg"
	printf '%s' "$n" >> "$tmp/many/f$n.jpg"
	n=$((n + 1))
done
"$BODYCAM" --catalog "$tmp/many.db" init --admin-key "$K/admin.pub" \
    >/dev/null || die "init failed"
ms=$(run "$BODYCAM" --catalog "$tmp/many.db" register "$tmp"/many/*.jpg \
    --key "$K/admin.key")
[ -n "$ms" ] || die "register of $BENCH_FILES files failed"
awk -v ms="$ms" -v n="$BENCH_FILES" 'BEGIN {
    printf "  register of %d small JPEGs: %.1f ms, %.2f ms per file\n",
    n, ms, ms / n }'
