#!/bin/sh
# tests/bench/tlog.sh - transparency-log benchmark: the time of one append
# to the catalog's Merkle tree at 1,000, 10,000, 100,000 and 1,000,000
# leaves (median of windows of appends, in the SQLite node store and, for
# comparison, in memory), and the time to produce and to check one
# inclusion proof at 1,000,000 leaves.  All of it is tests/bench/tlog.c,
# run here on a scratch catalog in a fresh directory; see there for how it
# measures.  Prints the results with PASS/MISS against the targets (an
# append at 1M costs at most twice one at 1k; a proof, and its check,
# under 1 ms).  A MISS is reported, not fatal; the exit status is non-zero
# only when something broke.
#
#   TLOG=build/tests/tlog sh tests/bench/tlog.sh
#
# Environment: TMPDIR (default /tmp; the catalogs, about 100 MiB, are made
# in a fresh directory under it).
set -u

: "${TLOG:=build/tests/tlog}"

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$TLOG" ] || die "$TLOG: not found (make \$(BUILD)/tests/tlog)"

# Room for the catalog and its WAL of a million leaves, with slack.
base=${TMPDIR:-/tmp}
need_kib=$((256 * 1024))
avail_kib=$(df -Pk "$base" 2>/dev/null | awk 'NR == 2 { print $4 }')
case $avail_kib in
''|*[!0-9]*) die "$base: cannot read its free space with df" ;;
esac
[ "$avail_kib" -ge "$need_kib" ] ||
	die "$base: $((avail_kib / 1024)) MiB free, need" \
	    "$((need_kib / 1024)) MiB (set TMPDIR)"

tmp=$(mktemp -d "$base/bodycam-tlog.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: transparency log in $tmp"
"$TLOG" "$tmp" || die "tlog failed"
exit 0
