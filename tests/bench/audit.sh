#!/bin/sh
# tests/bench/audit.sh - audit benchmark: 'bodycam audit' of a catalog of
# 100,000 custody events against this machine's single-core Ed25519 verify
# rate ('openssl speed -seconds 2 ed25519'), alternating in the same run.
# The catalog is built once by mkcatalog through the library (not timed);
# each audit is timed under runstat (wall time and peak RSS).  Prints every
# round, the medians and the median of the per-round ratios (audit events/s
# over openssl verify/s), with PASS/MISS against the target (ratio >= 1.6,
# which needs more than one core).  For context it also measures what the
# machine's cores give to bare Ed25519 verification in the same round
# ('openssl speed -multi N', N = the CPUs) and prints audit as a share of
# that ceiling.  A MISS is reported, not fatal; the exit
# status is non-zero only when something broke, including an audit that
# does not exit 0 on this clean catalog.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat \
#       MKCATALOG=build/tests/mkcatalog sh tests/bench/audit.sh
#
# Environment: BENCH_AUDIT_ITEMS (default 1000), BENCH_AUDIT_EVENTS (events
# per item, default 100), BENCH_ROUNDS (default 3), TMPDIR (default /tmp;
# the catalog is made in a fresh directory under it).
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${MKCATALOG:=build/tests/mkcatalog}"
: "${BENCH_AUDIT_ITEMS:=1000}"
: "${BENCH_AUDIT_EVENTS:=100}"
: "${BENCH_ROUNDS:=3}"
RATIO_MIN=1.6

die() {
	echo "bench: $*" >&2
	exit 1
}

# positive NAME VALUE: dies unless VALUE is an integer of at least 1.
positive() {
	case $2 in
	''|*[!0-9]*) die "$1 must be a positive integer" ;;
	esac
	[ "$2" -ge 1 ] || die "$1 must be at least 1"
}

positive BENCH_AUDIT_ITEMS "$BENCH_AUDIT_ITEMS"
positive BENCH_AUDIT_EVENTS "$BENCH_AUDIT_EVENTS"
positive BENCH_ROUNDS "$BENCH_ROUNDS"
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
[ -x "$MKCATALOG" ] ||
	die "$MKCATALOG: not found (make \$(BUILD)/tests/mkcatalog)"
command -v openssl >/dev/null 2>&1 || die "openssl: not found"

events=$((BENCH_AUDIT_ITEMS * BENCH_AUDIT_EVENTS))
cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
case $cpus in
''|*[!0-9]*) cpus=unknown ;;
esac

# Room for the catalog (under 2 KiB an event) plus 64 MiB of slack.
base=${TMPDIR:-/tmp}
need_kib=$((events * 2 + 64 * 1024))
avail_kib=$(df -Pk "$base" 2>/dev/null | awk 'NR == 2 { print $4 }')
case $avail_kib in
''|*[!0-9]*) die "$base: cannot read its free space with df" ;;
esac
[ "$avail_kib" -ge "$need_kib" ] ||
	die "$base: $((avail_kib / 1024)) MiB free, need" \
	    "$((need_kib / 1024)) MiB (set TMPDIR or BENCH_AUDIT_ITEMS)"

tmp=$(mktemp -d "$base/bodycam-audit.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
db=$tmp/catalog.db

echo "bench: building a catalog of $BENCH_AUDIT_ITEMS items x" \
    "$BENCH_AUDIT_EVENTS events = $events events in $tmp (not timed)"
"$MKCATALOG" "$db" "$BENCH_AUDIT_ITEMS" "$BENCH_AUDIT_EVENTS" \
    "$tmp/keys" 2>"$tmp/err" || {
	cat "$tmp/err" >&2
	die "mkcatalog failed"
}
sed 's/^/bench: /' "$tmp/err"
# The audit is about verifying, not the disk.
cat "$db" >/dev/null || die "cannot read $db"

# field NAME LINE: the value of NAME=... in a runstat line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# speed [N]: sets $verify to openssl's Ed25519 verifications/s, on one
# core, or with N, on N processes at once.
speed() {
	if [ $# -gt 0 ]; then
		set -- -multi "$1"
	fi
	openssl speed "$@" -seconds 2 ed25519 >"$tmp/out" 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		die "openssl speed failed"
	}
	verify=$(awk '/bits EdDSA \(Ed25519\)/ { v = $NF } END { print v }' \
	    "$tmp/out")
	case $verify in
	''|*[!0-9.]*|*.*.*|.*)
		cat "$tmp/out" >&2
		die "cannot read the verify/s column of 'openssl speed'" ;;
	esac
	awk -v v="$verify" 'BEGIN { exit !(v > 0) }' ||
		die "openssl speed: $verify verify/s"
}

# audit: runs 'bodycam audit' under runstat; sets $stat; dies unless it
# exits 0.
audit() {
	stat=$("$RUNSTAT" -o "$tmp/out" -e "$tmp/err" \
	    "$BODYCAM" --catalog "$db" audit)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$stat" ]; then
		tail -n 20 "$tmp/out" >&2
		cat "$tmp/err" >&2
		die "bodycam audit failed on a clean catalog (exit $rc)"
	fi
}

echo "bench: $BENCH_ROUNDS rounds, alternating; cpus: $cpus (nproc)"
printf '%-6s %14s %14s %10s %12s %8s %9s %12s\n' round openssl_vfy/s \
    "all_cpus_vfy/s" audit_s audit_ev/s ratio of_ceil audit_rss
results=$tmp/results
: >"$results"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	speed
	one=$verify
	ceil=$one
	if [ "$cpus" != unknown ] && [ "$cpus" -gt 1 ]; then
		speed "$cpus"
		ceil=$verify
	fi
	audit
	a_s=$(field wall_s "$stat")
	a_kib=$(field maxrss_kib "$stat")
	if [ "$r" -eq 1 ]; then
		tail -n 1 "$tmp/out" >"$tmp/said"
	fi
	line=$(awk -v n="$events" -v a="$a_s" -v v="$one" -v k="$a_kib" \
	    -v c="$ceil" 'BEGIN {
		e = n / a
		printf "%s %.6f %.1f %.4f %d %s %.4f", v, a, e, e / v, k, c,
		    e / c
	    }')
	echo "$line" >>"$results"
	echo "$line" | awk -v r="$r" '{
		printf "%-6s %14.1f %14.1f %10.3f %12.0f %8.3f %9.3f %8.1f MiB\n",
		    r, $1, $6, $2, $3, $4, $7, $5 / 1024
	}'
	r=$((r + 1))
done
echo "audit said: $(cat "$tmp/said")"

# median COLUMN DECIMALS FILE
median() {
	awk -v c="$1" '{ print $c }' "$3" | sort -n | awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

v_med=$(median 1 1 "$results")
c_med=$(median 6 1 "$results")
share_med=$(median 7 3 "$results")
a_med=$(median 2 6 "$results")
ratio_med=$(median 4 3 "$results")
rss_kib=$(awk '$5 > m { m = $5 } END { print m + 0 }' "$results")

awk -v v="$v_med" -v a="$a_med" -v n="$events" -v k="$rss_kib" \
    -v c="$c_med" 'BEGIN {
	printf "median openssl Ed25519 verify: %.1f /s (one core)\n", v
	printf "median on all cpus:            %.1f /s (openssl speed -multi)\n", c
	printf "median bodycam audit:          %.6f s, %.0f events/s" \
	    " (%d events)\n", a, n / a, n
	printf "peak RSS of audit:             %.1f MiB\n", k / 1024
}'
if awk -v x="$ratio_med" -v m="$RATIO_MIN" 'BEGIN { exit !(x >= m) }'; then
	verdict=PASS
else
	verdict=MISS
fi
echo "median share of the all-cpus openssl rate: $share_med"
echo "median ratio audit/openssl verify: $ratio_med" \
    "(target >= $RATIO_MIN with $cpus cpus): $verdict"
exit 0
