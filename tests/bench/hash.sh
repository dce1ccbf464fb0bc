#!/bin/sh
# tests/bench/hash.sh - hashing benchmark: 'bodycam register' of a large file
# already in the page cache against 'openssl dgst -sha256' of the same file,
# alternating in the same run, each timed under runstat (wall time and peak
# RSS).  Prints every round, the medians, the median of the per-round ratios
# register/openssl and the peak RSS of register, with PASS/MISS against the
# targets (ratio <= 1.05, RSS <= 32 MiB).  A MISS is reported, not fatal; the
# exit status is non-zero only when something broke, including register and
# openssl disagreeing on the SHA-256.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat sh tests/bench/hash.sh
#
# Environment: BENCH_SIZE_MIB (default 1024), BENCH_ROUNDS (default 5),
# TMPDIR (default /tmp; the file is made in a fresh directory under it).
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${BENCH_SIZE_MIB:=1024}"
: "${BENCH_ROUNDS:=5}"
RATIO_MAX=1.05
RSS_MAX_MIB=32

die() {
	echo "bench: $*" >&2
	exit 1
}

case $BENCH_SIZE_MIB in
''|*[!0-9]*) die "BENCH_SIZE_MIB must be a positive integer" ;;
esac
case $BENCH_ROUNDS in
''|*[!0-9]*) die "BENCH_ROUNDS must be a positive integer" ;;
esac
[ "$BENCH_SIZE_MIB" -ge 1 ] || die "BENCH_SIZE_MIB must be at least 1"
[ "$BENCH_ROUNDS" -ge 1 ] || die "BENCH_ROUNDS must be at least 1"
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
command -v openssl >/dev/null 2>&1 || die "openssl: not found"

# Absolute paths: the rounds run in the temporary directory.
case $BODYCAM in /*) ;; *) BODYCAM=$(pwd)/$BODYCAM ;; esac
case $RUNSTAT in /*) ;; *) RUNSTAT=$(pwd)/$RUNSTAT ;; esac

# Room for the file plus 64 MiB for keys, catalogs and slack.
base=${TMPDIR:-/tmp}
need_kib=$(( (BENCH_SIZE_MIB + 64) * 1024 ))
avail_kib=$(df -Pk "$base" 2>/dev/null | awk 'NR == 2 { print $4 }')
case $avail_kib in
''|*[!0-9]*) die "$base: cannot read its free space with df" ;;
esac
[ "$avail_kib" -ge "$need_kib" ] ||
	die "$base: $((avail_kib / 1024)) MiB free, need $((need_kib / 1024)) MiB (set TMPDIR or BENCH_SIZE_MIB)"

# The file must stay in the page cache for the comparison to be about
# hashing, not the disk.
mem_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null)
if [ -n "$mem_kib" ] && [ "$mem_kib" -lt "$need_kib" ]; then
	echo "bench: warning: only $((mem_kib / 1024)) MiB of memory available;" \
	    "the file may not stay in the page cache" >&2
fi

tmp=$(mktemp -d "$base/bodycam-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
file=$tmp/footage.bin

# Non-trivial, reproducible content: AES-128-CTR keystream of zeros.
echo "bench: generating ${BENCH_SIZE_MIB} MiB in $tmp"
head -c $((BENCH_SIZE_MIB * 1048576)) /dev/zero |
	openssl enc -aes-128-ctr -nosalt \
	    -K 000102030405060708090a0b0c0d0e0f \
	    -iv 000000000000000000000000000000ff >"$file" ||
	die "cannot generate $file"
size=$(wc -c <"$file" | tr -d ' ')
[ "$size" -eq $((BENCH_SIZE_MIB * 1048576)) ] ||
	die "$file: $size bytes, expected $((BENCH_SIZE_MIB * 1048576))"
cat "$file" >/dev/null || die "cannot read $file"
cat "$file" >/dev/null
head -c 4096 "$file" >"$tmp/tiny.bin"

"$BODYCAM" keygen bench --dir "$tmp" >/dev/null 2>"$tmp/err" ||
	die "keygen failed: $(cat "$tmp/err")"

# fresh_catalog N: a new catalog, outside the timed part.
fresh_catalog() {
	"$BODYCAM" --catalog "$tmp/cat-$1.db" init \
	    --admin-key "$tmp/bench.pub" >/dev/null 2>"$tmp/err" ||
		die "init of catalog $1 failed: $(cat "$tmp/err")"
}

# field NAME LINE: the value of NAME=... in a runstat line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# run LABEL CMD...: runs CMD under runstat, output in $tmp/out and
# $tmp/err; sets $stat to runstat's line; dies when CMD failed.
run() {
	label=$1
	shift
	stat=$("$RUNSTAT" -o "$tmp/out" -e "$tmp/err" "$@")
	rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$stat" ]; then
		cat "$tmp/err" >&2
		die "$label failed (exit $rc)"
	fi
}

echo "bench: $BENCH_ROUNDS rounds on $size bytes (page cache), alternating"
printf '%-6s %12s %12s %8s %14s\n' round openssl_s register_s ratio \
    register_rss
results=$tmp/results
: >"$results"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	fresh_catalog "$r"

	run "openssl dgst" openssl dgst -sha256 "$file"
	o_s=$(field wall_s "$stat")
	o_sum=$(sed -n 's/^.*= *\([0-9a-f]\{64\}\)$/\1/p' "$tmp/out")

	run "bodycam register" "$BODYCAM" --catalog "$tmp/cat-$r.db" \
	    register "$file" --key "$tmp/bench.key"
	b_s=$(field wall_s "$stat")
	b_kib=$(field maxrss_kib "$stat")
	b_sum=$(awk '{ print $2 }' "$tmp/out")

	if [ -z "$o_sum" ] || [ "$o_sum" != "$b_sum" ]; then
		echo "bench: openssl:  ${o_sum:-(none)}" >&2
		echo "bench: register: ${b_sum:-(none)}" >&2
		die "round $r: register and openssl disagree on the SHA-256"
	fi
	ratio=$(awk -v b="$b_s" -v o="$o_s" 'BEGIN { printf "%.4f", b / o }')
	printf '%-6s %12s %12s %8s %10.1f MiB\n' "$r" "$o_s" "$b_s" "$ratio" \
	    "$(awk -v k="$b_kib" 'BEGIN { print k / 1024 }')"
	echo "$o_s $b_s $ratio $b_kib" >>"$results"
	rm -f "$tmp/cat-$r.db" "$tmp/cat-$r.db-wal" "$tmp/cat-$r.db-shm" \
	    "$tmp/cat-$r.db-journal"
	r=$((r + 1))
done
echo "sha256: $o_sum (register and openssl agree)"

# The fixed cost of register (SQLite, signing, fsync) on a 4 KiB file.
: >"$tmp/tiny"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	fresh_catalog "tiny-$r"
	run "bodycam register (4 KiB)" "$BODYCAM" \
	    --catalog "$tmp/cat-tiny-$r.db" register "$tmp/tiny.bin" \
	    --key "$tmp/bench.key"
	field wall_s "$stat" >>"$tmp/tiny"
	r=$((r + 1))
done

# median COLUMN DECIMALS FILE
median() {
	awk -v c="$1" '{ print $c }' "$3" | sort -n | awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

o_med=$(median 1 6 "$results")
b_med=$(median 2 6 "$results")
ratio_med=$(median 3 4 "$results")
tiny_med=$(median 1 6 "$tmp/tiny")
rss_kib=$(awk '$4 > m { m = $4 } END { print m + 0 }' "$results")
rss_mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')

verdict() {
	if awk -v v="$1" -v m="$2" 'BEGIN { exit !(v <= m) }'; then
		echo PASS
	else
		echo MISS
	fi
}

awk -v o="$o_med" -v b="$b_med" -v t="$tiny_med" -v n="$size" 'BEGIN {
	printf "median openssl dgst:      %.6f s (%.0f MiB/s)\n", o, n / o / 1048576
	printf "median bodycam register:  %.6f s (%.0f MiB/s)\n", b, n / b / 1048576
	printf "register fixed cost:      %.6f s (median, 4 KiB file)\n", t
}'
echo "median ratio register/openssl: $ratio_med" \
    "(target <= $RATIO_MAX): $(verdict "$ratio_med" "$RATIO_MAX")"
echo "peak RSS of register: $rss_mib MiB" \
    "(target <= $RSS_MAX_MIB MiB): $(verdict "$rss_mib" "$RSS_MAX_MIB")"
exit 0
