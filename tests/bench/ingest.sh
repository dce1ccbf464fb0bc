#!/bin/sh
# tests/bench/ingest.sh - ingest benchmarks, each against its reference in
# the same run, rounds alternating:
#
#  1. copy-in: 'bodycam register --copy' of N files into managed storage
#     on the same disk (hash, write, flush, read back from the disk, fsync)
#     against 'cp' of the same files followed by 'sync'; the page cache is
#     dropped before each (when /proc/sys/vm/drop_caches is writable, as
#     root; otherwise the files are cached and the line says so).
#     Target: ratio <= 1.15.
#  2. 'bodycam register -j 2' of the same N files, cached, against one
#     'openssl dgst -sha256' stream over the same files.  Target:
#     throughput ratio >= 1.7 (register -j2 bytes/s over openssl's).
#
# Prints every round, the medians and PASS/MISS; a MISS is reported, not
# fatal.  The exit status is non-zero only when something broke.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat sh tests/bench/ingest.sh
#
# Environment: BENCH_FILES (default 8), BENCH_FILE_MIB (default 256),
# BENCH_ROUNDS (default 3), TMPDIR (default /tmp).
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${BENCH_FILES:=8}"
: "${BENCH_FILE_MIB:=256}"
: "${BENCH_ROUNDS:=3}"
COPY_MAX=1.15
JOBS_MIN=1.7

die() {
	echo "bench: $*" >&2
	exit 1
}

for v in "$BENCH_FILES" "$BENCH_FILE_MIB" "$BENCH_ROUNDS"; do
	case $v in
	''|*[!0-9]*|0) die "BENCH_FILES, BENCH_FILE_MIB and BENCH_ROUNDS are positive integers" ;;
	esac
done
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
command -v openssl >/dev/null 2>&1 || die "openssl: not found"
case $BODYCAM in /*) ;; *) BODYCAM=$(pwd)/$BODYCAM ;; esac
case $RUNSTAT in /*) ;; *) RUNSTAT=$(pwd)/$RUNSTAT ;; esac

# the sources, a cp of them and a copy in storage: three times the data
base=${TMPDIR:-/tmp}
total_mib=$((BENCH_FILES * BENCH_FILE_MIB))
need_kib=$(( (3 * total_mib + 64) * 1024 ))
avail_kib=$(df -Pk "$base" 2>/dev/null | awk 'NR == 2 { print $4 }')
case $avail_kib in
''|*[!0-9]*) die "$base: cannot read its free space with df" ;;
esac
[ "$avail_kib" -ge "$need_kib" ] ||
	die "$base: $((avail_kib / 1024)) MiB free, need $((need_kib / 1024)) MiB (set TMPDIR or BENCH_FILES)"

tmp=$(mktemp -d "$base/bodycam-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$tmp/src" || die "mkdir failed"

echo "bench: generating $BENCH_FILES files of $BENCH_FILE_MIB MiB in $tmp"
i=1
while [ "$i" -le "$BENCH_FILES" ]; do
	head -c $((BENCH_FILE_MIB * 1048576)) /dev/zero |
		openssl enc -aes-128-ctr -nosalt \
		    -K 000102030405060708090a0b0c0d0e0f \
		    -iv "$(printf '%032x' "$i")" >"$tmp/src/f$i.bin" ||
		die "cannot generate f$i.bin"
	i=$((i + 1))
done
"$BODYCAM" keygen bench --dir "$tmp" >/dev/null 2>"$tmp/err" ||
	die "keygen failed: $(cat "$tmp/err")"

if [ -w /proc/sys/vm/drop_caches ] && sync &&
    echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then
	CACHE="page cache dropped before each run"
	drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
else
	CACHE="page cache NOT dropped (not root): sources cached"
	drop() { sync; }
fi

field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

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

# a fresh catalog with storage, and an empty cp target
fresh() {
	rm -rf "$tmp/store" "$tmp/cp" "$tmp/cat.db" "$tmp/cat.db-wal" \
	    "$tmp/cat.db-shm"
	mkdir "$tmp/store" "$tmp/cp" || die "mkdir failed"
	"$BODYCAM" --catalog "$tmp/cat.db" init --admin-key "$tmp/bench.pub" \
	    --storage "$tmp/store" >/dev/null 2>"$tmp/err" ||
		die "init failed: $(cat "$tmp/err")"
}

median() {
	awk -v c="$1" '{ print $c }' "$3" | sort -n | awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

# --------------------------------------------------------------- copy-in

echo "bench: copy-in of $BENCH_FILES x $BENCH_FILE_MIB MiB, same disk," \
    "$BENCH_ROUNDS rounds; $CACHE"
printf '%-6s %12s %12s %8s %12s\n' round cp_sync_s copy_in_s ratio copy_rss
: >"$tmp/copy"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	fresh
	drop
	run "cp + sync" sh -c 'cp "$1"/*.bin "$2"/ && sync' sh "$tmp/src" \
	    "$tmp/cp"
	c_s=$(field wall_s "$stat")
	rm -rf "$tmp/cp"
	drop
	run "register --copy" "$BODYCAM" --catalog "$tmp/cat.db" -q \
	    register --copy "$tmp"/src/*.bin --key "$tmp/bench.key"
	b_s=$(field wall_s "$stat")
	b_kib=$(field maxrss_kib "$stat")
	n=$(wc -l <"$tmp/out" | tr -d ' ')
	[ "$n" -eq "$BENCH_FILES" ] || die "register --copy printed $n ids"
	ratio=$(awk -v b="$b_s" -v c="$c_s" 'BEGIN { printf "%.4f", b / c }')
	printf '%-6s %12s %12s %8s %8.1f MiB\n' "$r" "$c_s" "$b_s" "$ratio" \
	    "$(awk -v k="$b_kib" 'BEGIN { print k / 1024 }')"
	echo "$c_s $b_s $ratio" >>"$tmp/copy"
	r=$((r + 1))
done
"$BODYCAM" --catalog "$tmp/cat.db" -q audit --files >/dev/null 2>"$tmp/err" ||
	die "audit --files of the copies failed: $(cat "$tmp/err")"

# ------------------------------------------------------- register -j 2

cat "$tmp"/src/*.bin >/dev/null
cat "$tmp"/src/*.bin >/dev/null
echo "bench: register -j 2 against one openssl dgst stream, cached," \
    "$BENCH_ROUNDS rounds"
printf '%-6s %12s %12s %10s\n' round openssl_s register_s speedup
: >"$tmp/jobs"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	fresh
	run "openssl dgst" openssl dgst -sha256 "$tmp"/src/*.bin
	o_s=$(field wall_s "$stat")
	run "register -j 2" "$BODYCAM" --catalog "$tmp/cat.db" -q \
	    register -j 2 "$tmp"/src/*.bin --key "$tmp/bench.key"
	j_s=$(field wall_s "$stat")
	sp=$(awk -v j="$j_s" -v o="$o_s" 'BEGIN { printf "%.4f", o / j }')
	printf '%-6s %12s %12s %10s\n' "$r" "$o_s" "$j_s" "$sp"
	echo "$o_s $j_s $sp" >>"$tmp/jobs"
	r=$((r + 1))
done

verdict_le() {
	awk -v v="$1" -v m="$2" 'BEGIN { exit !(v <= m) }' && echo PASS ||
	    echo MISS
}
verdict_ge() {
	awk -v v="$1" -v m="$2" 'BEGIN { exit !(v >= m) }' && echo PASS ||
	    echo MISS
}
c_ratio=$(median 3 4 "$tmp/copy")
j_sp=$(median 3 4 "$tmp/jobs")
echo "median cp + sync:          $(median 1 3 "$tmp/copy") s"
echo "median register --copy:    $(median 2 3 "$tmp/copy") s"
echo "median ratio copy-in/cp+sync: $c_ratio (target <= $COPY_MAX," \
    "$CACHE): $(verdict_le "$c_ratio" "$COPY_MAX")"
echo "median openssl dgst:       $(median 1 3 "$tmp/jobs") s"
echo "median register -j 2:      $(median 2 3 "$tmp/jobs") s"
echo "median throughput register -j2 / openssl: $j_sp" \
    "(target >= $JOBS_MIN): $(verdict_ge "$j_sp" "$JOBS_MIN")"
exit 0
