#!/bin/sh
# tests/bench/audit.sh - audit benchmark: 'bodycam audit' of catalogs of
# 100,000 and 1,000,000 custody events against the Ed25519 verify rate of
# this machine's cores ('openssl speed -multi N ed25519', N = nproc),
# measured in the same round, alternating with the audits.
#
# Each catalog is built once by mkcatalog through the library (not timed);
# each audit is timed under runstat (wall time and peak RSS).  Prints every
# round, then per size the medians and the median of the per-round ratios
# audit events/s over openssl verify/s on all cores, with PASS/MISS against
# the target (ratio >= 0.85), the old ratio over one core's rate, and the
# peak RSS of each size with a verdict: flat when the largest catalog's
# peak is within 10% (and 8 MiB) of the smallest's, since audit streams the
# catalog and must not grow with it.  A MISS is reported, not fatal; the
# exit status is non-zero only when something broke, including an audit
# that does not exit 0 on a clean catalog.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat \
#       MKCATALOG=build/tests/mkcatalog sh tests/bench/audit.sh
#
# Environment: BENCH_AUDIT_ITEMS (item counts, one catalog each, default
# "1000 10000"), BENCH_AUDIT_EVENTS (events per item, default 100),
# BENCH_ROUNDS (default 3), BENCH_AUDIT_CACHE (a directory where the
# catalogs are kept and reused by later runs; building 1,000,000 events
# takes minutes; default: none, a fresh temporary directory), TMPDIR
# (default /tmp).
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${MKCATALOG:=build/tests/mkcatalog}"
: "${BENCH_AUDIT_ITEMS:=1000 10000}"
: "${BENCH_AUDIT_EVENTS:=100}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_AUDIT_CACHE:=}"
RATIO_MIN=0.85
RSS_SLACK=1.10
RSS_SLACK_KIB=8192

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

[ -n "$BENCH_AUDIT_ITEMS" ] || die "BENCH_AUDIT_ITEMS is empty"
for n in $BENCH_AUDIT_ITEMS; do
	positive BENCH_AUDIT_ITEMS "$n"
done
positive BENCH_AUDIT_EVENTS "$BENCH_AUDIT_EVENTS"
positive BENCH_ROUNDS "$BENCH_ROUNDS"
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
[ -x "$MKCATALOG" ] ||
	die "$MKCATALOG: not found (make \$(BUILD)/tests/mkcatalog)"
command -v openssl >/dev/null 2>&1 || die "openssl: not found"

cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
case $cpus in
''|*[!0-9]*) cpus=1 ;;
esac

base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/bodycam-audit.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -n "$BENCH_AUDIT_CACHE" ]; then
	mkdir -p "$BENCH_AUDIT_CACHE" || die "cannot make $BENCH_AUDIT_CACHE"
	store=$BENCH_AUDIT_CACHE
else
	store=$tmp
fi

# catalog ITEMS: sets $db to a catalog of ITEMS x BENCH_AUDIT_EVENTS
# events, built unless the cache has it.
catalog() {
	db=$store/catalog-$1x$BENCH_AUDIT_EVENTS.db
	if [ -f "$db" ] && [ -f "$db.done" ]; then
		echo "bench: reusing $db"
		return
	fi
	rm -f "$db" "$db-wal" "$db-shm" "$db.done"
	ev=$(($1 * BENCH_AUDIT_EVENTS))
	# Room for the catalog (under 2 KiB an event) plus 64 MiB of slack.
	need_kib=$((ev * 2 + 64 * 1024))
	avail_kib=$(df -Pk "$store" 2>/dev/null | awk 'NR == 2 { print $4 }')
	case $avail_kib in
	''|*[!0-9]*) die "$store: cannot read its free space with df" ;;
	esac
	[ "$avail_kib" -ge "$need_kib" ] ||
		die "$store: $((avail_kib / 1024)) MiB free, need" \
		    "$((need_kib / 1024)) MiB (set TMPDIR or BENCH_AUDIT_CACHE)"
	echo "bench: building a catalog of $1 items x $BENCH_AUDIT_EVENTS" \
	    "events = $ev events in $db (not timed)"
	"$MKCATALOG" "$db" "$1" "$BENCH_AUDIT_EVENTS" "$store/keys" \
	    2>"$tmp/err" || {
		cat "$tmp/err" >&2
		die "mkcatalog failed"
	}
	sed 's/^/bench: /' "$tmp/err"
	: >"$db.done"
}

for n in $BENCH_AUDIT_ITEMS; do
	catalog "$n"
done

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

# audit DB: runs 'bodycam audit' under runstat; sets $stat; dies unless
# it exits 0.
audit() {
	stat=$("$RUNSTAT" -o "$tmp/out" -e "$tmp/err" \
	    "$BODYCAM" --catalog "$1" audit)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$stat" ]; then
		tail -n 20 "$tmp/out" >&2
		cat "$tmp/err" >&2
		die "bodycam audit failed on a clean catalog (exit $rc)"
	fi
}

echo "bench: $BENCH_ROUNDS rounds, alternating; cpus: $cpus (nproc)"
printf '%-6s %9s %12s %14s %10s %11s %8s %8s %10s\n' round events \
    one_vfy/s "all_cpus_vfy/s" audit_s audit_ev/s of_all of_one audit_rss
results=$tmp/results
: >"$results"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	for n in $BENCH_AUDIT_ITEMS; do
		events=$((n * BENCH_AUDIT_EVENTS))
		db=$store/catalog-${n}x$BENCH_AUDIT_EVENTS.db
		# the audit is about verifying, not the disk
		cat "$db" >/dev/null || die "cannot read $db"
		speed
		one=$verify
		speed "$cpus"
		all=$verify
		audit "$db"
		a_s=$(field wall_s "$stat")
		a_kib=$(field maxrss_kib "$stat")
		if [ "$r" -eq 1 ]; then
			echo "$events $(tail -n 1 "$tmp/out")" >>"$tmp/said"
		fi
		line=$(awk -v n="$events" -v a="$a_s" -v v="$one" \
		    -v k="$a_kib" -v c="$all" 'BEGIN {
			e = n / a
			printf "%d %s %s %.6f %.1f %.4f %.4f %d", n, v, c, a,
			    e, e / c, e / v, k
		    }')
		echo "$line" >>"$results"
		echo "$line" | awk -v r="$r" '{
			printf "%-6s %9d %12.1f %14.1f %10.3f %11.0f %8.3f" \
			    " %8.3f %6.1f MiB\n", r, $1, $2, $3, $4, $5, $6,
			    $7, $8 / 1024
		}'
	done
	r=$((r + 1))
done
sed 's/^\([0-9]*\) /audit said (\1 events): /' "$tmp/said"

# median COLUMN DECIMALS EVENTS
median() {
	awk -v c="$1" -v n="$3" '$1 == n { print $c }' "$results" | sort -n |
	    awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

status=PASS
rss_first=
rss_last=
for n in $BENCH_AUDIT_ITEMS; do
	events=$((n * BENCH_AUDIT_EVENTS))
	one_med=$(median 2 1 "$events")
	all_med=$(median 3 1 "$events")
	a_med=$(median 4 6 "$events")
	ratio=$(median 6 3 "$events")
	ratio_one=$(median 7 3 "$events")
	rss=$(awk -v n="$events" '$1 == n && $8 > m { m = $8 }
	    END { print m + 0 }' "$results")
	[ -n "$rss_first" ] || rss_first=$rss
	rss_last=$rss
	if awk -v x="$ratio" -v m="$RATIO_MIN" 'BEGIN { exit !(x >= m) }'
	then
		verdict=PASS
	else
		verdict=MISS
		status=MISS
	fi
	awk -v n="$events" -v a="$a_med" -v v="$one_med" -v c="$all_med" \
	    -v k="$rss" -v cpus="$cpus" 'BEGIN {
		printf "%d events: median audit %.3f s, %.0f events/s;" \
		    " openssl verify %.1f /s on %d cpus, %.1f /s on one;" \
		    " peak RSS %.1f MiB\n", n, a, n / a, c, cpus, v, k / 1024
	}'
	echo "$events events: median ratio audit/openssl -multi $cpus:" \
	    "$ratio (target >= $RATIO_MIN): $verdict"
	echo "$events events: median ratio audit/openssl one core:" \
	    "$ratio_one"
done
if awk -v a="$rss_first" -v b="$rss_last" -v s="$RSS_SLACK" \
    -v k="$RSS_SLACK_KIB" 'BEGIN { exit !(b <= a * s || b <= a + k) }'
then
	flat=flat
else
	flat="NOT flat"
fi
awk -v a="$rss_first" -v b="$rss_last" -v f="$flat" 'BEGIN {
	printf "peak RSS from the smallest to the largest catalog: %.1f MiB" \
	    " -> %.1f MiB: %s\n", a / 1024, b / 1024, f
}'
echo "audit at the signature ceiling: $status"
exit 0
