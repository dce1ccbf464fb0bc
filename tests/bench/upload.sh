#!/bin/sh
# tests/bench/upload.sh - the upload benchmark: 'bodycam serve' taking a
# file by 'POST /v1/items' (application/octet-stream: streamed into the
# managed storage root while hashed, flushed, read back from the disk,
# fsync'd, then registered) against a curl PUT of the same bytes to
# tests/bench/sink.c (libmicrohttpd writing the body to a file: no hash,
# no fsync), both over loopback, in the same run, rounds alternating:
#
#  1. the upload without a digest, against the sink.  Target: throughput
#     ratio (bodycam over sink) >= 0.8.
#  2. the upload with 'Content-Digest: sha-256=:BASE64:' (RFC 9530),
#     checked by the server, against the same sink time.  Target: >= 0.8.
#  3. the server's peak RSS (VmHWM of bodycam-serve) over every upload.
#     Target: <= 64 MiB.
#
# For information, not a target: the sink's time plus a 'sync' after it,
# a durable reference (bodycam fsyncs and reads back, the sink does not),
# and the ratio of the upload without a digest to it.
#
# The catalog refuses the same content twice, and registered copies are
# evidence that stays: each round writes a fresh random file (not timed)
# for the sink and the first upload, then changes its first bytes (not
# timed) for the upload with a digest.  Disk: the file, the sink's copy
# and two copies in storage a round.
#
# Prints every round, the medians and PASS/MISS; a MISS is reported, not
# fatal.  The exit status is non-zero only when something broke.
#
#   BODYCAM=build/bodycam SINK=build/tests/sink sh tests/bench/upload.sh
#
# Environment: BENCH_UPLOAD_MIB (default 1024), BENCH_ROUNDS (default 3),
# TMPDIR (default /tmp).
set -u

: "${BODYCAM:=build/bodycam}"
: "${SINK:=build/tests/sink}"
: "${BENCH_UPLOAD_MIB:=1024}"
: "${BENCH_ROUNDS:=3}"
RATIO_MIN=0.8
RSS_MAX_MIB=64
LC_ALL=C
export LC_ALL

die() {
	echo "bench: $*" >&2
	exit 1
}

for v in "$BENCH_UPLOAD_MIB" "$BENCH_ROUNDS"; do
	case $v in
	''|*[!0-9]*|0) die "BENCH_UPLOAD_MIB and BENCH_ROUNDS are positive integers" ;;
	esac
done
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$SINK" ] || die "$SINK: not found (make \$(BUILD)/tests/sink)"
for c in openssl curl base64; do
	command -v "$c" >/dev/null 2>&1 || die "$c: not found"
done
[ -r /proc/self/status ] || die "/proc: not mounted (the peak RSS is read there)"
case $(date +%N) in
*[!0-9]*|'') die "date +%N: not supported (GNU date needed)" ;;
esac
case $BODYCAM in /*) ;; *) BODYCAM=$(pwd)/$BODYCAM ;; esac
case $SINK in /*) ;; *) SINK=$(pwd)/$SINK ;; esac

# the file, the sink's copy and two copies in storage a round
base=${TMPDIR:-/tmp}
size=$((BENCH_UPLOAD_MIB * 1048576))
need_kib=$(( ((2 * BENCH_ROUNDS + 2) * BENCH_UPLOAD_MIB + 64) * 1024 ))
avail_kib=$(df -Pk "$base" 2>/dev/null | awk 'NR == 2 { print $4 }')
case $avail_kib in
''|*[!0-9]*) die "$base: cannot read its free space with df" ;;
esac
[ "$avail_kib" -ge "$need_kib" ] ||
	die "$base: $((avail_kib / 1024)) MiB free, need $((need_kib / 1024)) MiB (set TMPDIR, BENCH_UPLOAD_MIB or BENCH_ROUNDS)"

SPID=""
KPID=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for p in $SPID $KPID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $SPID $KPID; do
		wait "$p" 2>/dev/null
	done
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
tmp=$(mktemp -d "$base/bodycam-bench.XXXXXX") || die "mktemp failed"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$tmp/store" "$tmp/keys" || die "mkdir failed"

# ---------------------------------------------------------- the catalog

CAT=$tmp/cat.db
"$BODYCAM" keygen admin --dir "$tmp/keys" >/dev/null 2>"$tmp/err" ||
	die "keygen failed: $(cat "$tmp/err")"
"$BODYCAM" --catalog "$CAT" init --admin-key "$tmp/keys/admin.pub" \
    --storage "$tmp/store" >/dev/null 2>"$tmp/err" ||
	die "init failed: $(cat "$tmp/err")"
T=$("$BODYCAM" --catalog "$CAT" -q token create --name bench --role ingest \
    --key "$tmp/keys/admin.key" 2>"$tmp/err") ||
	die "token create failed: $(cat "$tmp/err")"
[ -n "$T" ] || die "token create printed no token"

# ------------------------------------------------------------ the servers

# 'bodycam serve' execs bodycam-serve: the job's pid is the server's
"$BODYCAM" --catalog "$CAT" serve --key "$tmp/keys/admin.key" \
    --listen 127.0.0.1:0 --log "$tmp/serve.log" </dev/null \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
SPID=$!
PORT=""
serving='s/^[^ ]* - serving http on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p'
i=0
while [ "$i" -lt 100 ]; do
	[ -f "$tmp/serve.log" ] && PORT=$(sed -n "$serving" "$tmp/serve.log")
	[ -n "$PORT" ] && break
	kill -0 "$SPID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
[ -n "$PORT" ] || die "bodycam serve did not come up: $(cat "$tmp/serve.err" \
    "$tmp/serve.log" 2>/dev/null)"
# (its argv, /proc/PID/cmdline, is still bodycam's: the name of the
# program it runs is in /proc/PID/comm)
comm=$(cat "/proc/$SPID/comm" 2>/dev/null)
[ "$comm" = bodycam-serve ] ||
	die "pid $SPID runs '$comm', not bodycam-serve"

"$SINK" 0 "$tmp/sink.out" </dev/null >"$tmp/sink.port" 2>"$tmp/sink.err" &
KPID=$!
SINKPORT=""
i=0
while [ "$i" -lt 100 ]; do
	SINKPORT=$(sed -n 's/^listening \([0-9][0-9]*\)$/\1/p' "$tmp/sink.port")
	[ -n "$SINKPORT" ] && break
	kill -0 "$KPID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
[ -n "$SINKPORT" ] || die "the sink did not come up: $(cat "$tmp/sink.err")"

# ----------------------------------------------------------- the helpers

now() {
	date +%s.%N
}

# hwm PID: its peak RSS in KiB
hwm() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

# put: the sink's PUT of $tmp/f.bin; sets put_s
put() {
	rm -f "$tmp/sink.out"
	sync
	out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
	    -T "$tmp/f.bin" "http://127.0.0.1:$SINKPORT/x") ||
		die "curl PUT to the sink failed"
	[ "${out%% *}" = 201 ] || die "the sink answered ${out%% *}"
	put_s=${out#* }
	n=$(wc -c <"$tmp/sink.out" | tr -d ' ')
	[ "$n" -eq "$size" ] || die "the sink wrote $n bytes of $size"
}

# post NAME HEX [CURL-ARGS...]: the upload of $tmp/f.bin as NAME, whose
# SHA-256 is HEX; sets post_s
post() {
	name=$1
	hex=$2
	shift 2
	sync
	out=$(curl -s -o "$tmp/body" -w '%{http_code} %{time_total}' "$@" \
	    -H "Authorization: Bearer $T" \
	    -H 'Content-Type: application/octet-stream' \
	    -T "$tmp/f.bin" -X POST \
	    "http://127.0.0.1:$PORT/v1/items?name=$name") ||
		die "curl POST of $name failed"
	[ "${out%% *}" = 201 ] ||
		die "POST of $name answered ${out%% *}: $(cat "$tmp/body")"
	grep -q "\"sha256\": *\"$hex\"" "$tmp/body" ||
		die "POST of $name: not the SHA-256 $hex: $(cat "$tmp/body")"
	post_s=${out#* }
}

mbs() {
	awk -v b="$size" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'
}

# ratio A B: throughput of the one that took B seconds over that of A
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'
}

median() {
	awk -v c="$1" '{ print $c }' "$3" | sort -n | awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

# ------------------------------------------------------------- the rounds

echo "bench: upload of $BENCH_UPLOAD_MIB MiB over loopback, $BENCH_ROUNDS" \
    "rounds; bodycam-serve pid $SPID port $PORT, sink port $SINKPORT;" \
    "files in $tmp"
echo "bench: ratio = throughput of the upload (post_s, or dig_s with" \
    "Content-Digest) / the sink's; +sync_s = the sink plus a sync, and" \
    "info = upload / that: informational, not the target"
printf '%-5s %8s %7s %8s %7s %6s %8s %7s %6s %9s %6s %8s\n' round \
    sink_s MB/s post_s MB/s ratio dig_s MB/s ratio +sync_s info \
    hwm_MiB
: >"$tmp/rounds"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	# not timed: a fresh random file, its digest; then the sink and
	# the upload without a digest
	head -c "$size" /dev/zero |
		openssl enc -aes-128-ctr -nosalt \
		    -K 000102030405060708090a0b0c0d0e0f \
		    -iv "$(printf '%032x' "$r")" >"$tmp/f.bin" ||
		die "cannot generate the file of round $r"
	hex=$(openssl dgst -sha256 -r "$tmp/f.bin" | awk '{ print $1 }')

	put
	s_s=$put_s
	t0=$(now)
	sync
	t1=$(now)
	ss_s=$(awk -v p="$s_s" -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.6f", p + b - a }')

	post "round$r.bin" "$hex"
	b_s=$post_s

	# not timed: other bytes, their digest; then the upload with it
	printf 'round %d, with a digest\n' "$r" |
		dd of="$tmp/f.bin" conv=notrunc 2>/dev/null ||
		die "cannot change the file of round $r"
	hex=$(openssl dgst -sha256 -r "$tmp/f.bin" | awk '{ print $1 }')
	b64=$(openssl dgst -sha256 -binary "$tmp/f.bin" | base64)
	post "round$r-digest.bin" "$hex" \
	    -H "Content-Digest: sha-256=:$b64:"
	d_s=$post_s

	kib=$(hwm "$SPID")
	[ -n "$kib" ] || die "cannot read the peak RSS of pid $SPID"
	printf '%-5s %8.3f %7s %8.3f %7s %6s %8.3f %7s %6s %9.3f %6s %8.1f\n' \
	    "$r" "$s_s" "$(mbs "$s_s")" "$b_s" "$(mbs "$b_s")" \
	    "$(ratio "$s_s" "$b_s")" "$d_s" "$(mbs "$d_s")" \
	    "$(ratio "$s_s" "$d_s")" "$ss_s" "$(ratio "$ss_s" "$b_s")" \
	    "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
	echo "$s_s $b_s $d_s $ss_s $(ratio "$s_s" "$b_s")" \
	    "$(ratio "$s_s" "$d_s") $(ratio "$ss_s" "$b_s")" >>"$tmp/rounds"
	r=$((r + 1))
done

"$BODYCAM" --catalog "$CAT" -q audit --files >/dev/null 2>"$tmp/err" ||
	die "audit --files of the uploads failed: $(cat "$tmp/err")"
kill -0 "$SPID" 2>/dev/null || die "bodycam serve died"
s_kib=$(hwm "$SPID")
k_kib=$(hwm "$KPID")

verdict_le() {
	awk -v v="$1" -v m="$2" 'BEGIN { exit !(v <= m) }' && echo PASS ||
	    echo MISS
}
verdict_ge() {
	awk -v v="$1" -v m="$2" 'BEGIN { exit !(v >= m) }' && echo PASS ||
	    echo MISS
}
p_ratio=$(median 5 4 "$tmp/rounds")
d_ratio=$(median 6 4 "$tmp/rounds")
i_ratio=$(median 7 4 "$tmp/rounds")
s_mib=$(awk -v k="$s_kib" 'BEGIN { printf "%.1f", k / 1024 }')
m1=$(median 1 3 "$tmp/rounds")
m2=$(median 2 3 "$tmp/rounds")
m3=$(median 3 3 "$tmp/rounds")
echo "median sink PUT:           $m1 s, $(mbs "$m1") MB/s"
echo "median upload:             $m2 s, $(mbs "$m2") MB/s"
echo "median upload with digest: $m3 s, $(mbs "$m3") MB/s"
echo "median throughput upload/sink: $p_ratio (target >= $RATIO_MIN):" \
    "$(verdict_ge "$p_ratio" "$RATIO_MIN")"
echo "median throughput upload with digest/sink: $d_ratio" \
    "(target >= $RATIO_MIN): $(verdict_ge "$d_ratio" "$RATIO_MIN")"
echo "peak RSS of bodycam-serve (VmHWM): $s_mib MiB" \
    "(target <= $RSS_MAX_MIB MiB): $(verdict_le "$s_mib" "$RSS_MAX_MIB")"
echo "info, not a target: median sink PUT + sync: $(median 4 3 \
    "$tmp/rounds") s; upload/(sink + sync): $i_ratio; sink peak RSS" \
    "$(awk -v k="$k_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
exit 0
