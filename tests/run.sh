#!/bin/sh
# tests/run.sh - runs every Check suite given as an argument and every CLI
# test script in tests/cli/ (and the whole-corpus suite, tests/cli/corpus.sh,
# which prints its own line), and closes with one summary line:
# "tests: N passed, N failed".
#
# The suites are independent (each has its own temporary folder, its own
# catalogs and databases, services on ports the kernel picks), so they run
# TEST_JOBS at a time (default: one more than the CPUs, since a suite
# often waits for a disk, a server or a child), the slowest first; their
# results are printed in the usual order as they come in, each with its
# wall time.  TEST_JOBS=1 runs them one after another.
#
# Check suites print "NN%: Checks: C, Failures: F, Errors: E"; CLI scripts
# end with "N passed, N failed".  Any suite that crashes or prints no
# summary counts as a failure.
set -u
: "${BODYCAM:=build/bodycam}"
export BODYCAM

cpus=$(nproc 2>/dev/null || echo 1)
jobs=${TEST_JOBS:-$((cpus + 1))}
case $jobs in
''|*[!0-9]*|0) echo "run.sh: TEST_JOBS must be a positive integer" >&2
	exit 2 ;;
esac

res=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-run.XXXXXX") || exit 1
pid=""
trap 'rm -rf "$res"' EXIT
# stopped: no more suites start (xargs), and those running are told to
# stop (each suite's own trap then cleans up after it)
stop() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	for f in "$res"/*.pid; do
		[ -f "$f" ] && [ ! -f "${f%.pid}.rc" ] &&
		    kill "$(cat "$f")" 2>/dev/null
	done
}
trap 'stop; exit 130' HUP INT TERM

# The suites, one a line: "N KIND PATH", N their place in the report, KIND
# c (a Check binary), s (a CLI script) or k (the whole-corpus suite: not
# run again on PostgreSQL, tests/pg/matrix.sh, and counted only when it
# ran).
n=0
for t in "$@"; do
	n=$((n + 1)); echo "$n c $t"
done > "$res/list"
for s in tests/cli/t-*.sh; do
	[ -e "$s" ] || continue
	n=$((n + 1)); echo "$n s $s"
done >> "$res/list"
if [ -f tests/cli/corpus.sh ] && [ -z "${BODYCAM_TEST_PG:-}" ]; then
	n=$((n + 1)); echo "$n k tests/cli/corpus.sh"
fi >> "$res/list"

# The order they start in: these take the longest (about a minute or
# more each on two cores), the rest in report order.
slow="t-release t-bundle t-serve t-pg t-tiles t-tsa t-ingest t-witness"
for s in $slow; do
	grep " tests/cli/$s\.sh\$" "$res/list"
done > "$res/order"
grep -v -x -F -f "$res/order" "$res/list" >> "$res/order"

# one suite: its process id in N.pid (for stop), its output in N.out,
# its exit status then its wall time in seconds in N.rc (written last:
# the report waits for it)
cat > "$res/one.sh" <<'EOF'
set -u
res=$1; n=$2; kind=$3; t=$4
start=$(date +%s)
case $kind in
c) "$t" >"$res/$n.out" 2>&1 & ;;
*) sh "$t" >"$res/$n.out" 2>&1 & ;;
esac
echo $! >"$res/$n.pid"
wait $!
rc=$?
# (quiet: when the run was stopped, $res may be gone)
{ echo "$rc $(($(date +%s) - start))" >"$res/$n.rc.tmp" &&
    mv "$res/$n.rc.tmp" "$res/$n.rc"; } 2>/dev/null
EOF
xargs -P "$jobs" -L 1 sh "$res/one.sh" "$res" < "$res/order" &
pid=$!

pass=0
fail=0
bad=""
while read -r i kind t; do
	# wait for this suite, unless the runner has ended without it
	while [ ! -f "$res/$i.rc" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 1
	done
	if [ ! -f "$res/$i.rc" ]; then
		echo "$t: not run"
		fail=$((fail + 1)); bad="$bad $t"; continue
	fi
	read -r rc secs < "$res/$i.rc"
	out=$res/$i.out
	case $kind in
	c)
		grep -v '^[0-9]*%: Checks' "$out" | sed -n '/:[A-Z]:/p'
		line=$(grep -E '^[0-9]+%: Checks: ' "$out" | tail -n 1)
		if [ -z "$line" ]; then
			tail -n 20 "$out"
			echo "$t: no summary (exit $rc)"
			fail=$((fail + 1)); bad="$bad $t"; continue
		fi
		c=$(echo "$line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
		f=$(echo "$line" | sed 's/.*Failures: \([0-9]*\).*/\1/')
		e=$(echo "$line" | sed 's/.*Errors: \([0-9]*\).*/\1/')
		echo "$(basename "$t"): $line (${secs} s)"
		pass=$((pass + c - f - e)); fail=$((fail + f + e))
		if [ "$rc" -ne 0 ] || [ $((f + e)) -ne 0 ]; then
			[ $((f + e)) -eq 0 ] && fail=$((fail + 1))
			bad="$bad $t"
		fi
		;;
	s|k)
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" |
		    tail -n 1)
		if [ -z "$line" ] && [ "$kind" = k ]; then
			# the corpus suite says why it did not run, and
			# counts as failed only when it failed
			tail -n 5 "$out"
			if [ "$rc" -ne 0 ]; then
				fail=$((fail + 1)); bad="$bad $t"
			fi
			continue
		fi
		if [ -z "$line" ]; then
			tail -n 20 "$out"
			echo "$t: no summary (exit $rc)"
			fail=$((fail + 1)); bad="$bad $t"; continue
		fi
		grep -E '^(not ok|FAIL)' "$out"
		echo "$(basename "$t"): $line (${secs} s)"
		p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
			[ "$f" -eq 0 ] && fail=$((fail + 1))
			bad="$bad $t"
		fi
		;;
	esac
done < "$res/list"
wait "$pid"
pid=""

[ -n "$bad" ] && echo "failing:$bad"
echo "tests${BODYCAM_TEST_PG:+ on PostgreSQL}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
