#!/bin/sh
# tests/run.sh - runs every Check suite given as an argument and every CLI
# test script in tests/cli/ (except the whole-corpus suite, which prints its
# own line), and closes with one summary line: "tests: N passed, N failed".
#
# Check suites print "NN%: Checks: C, Failures: F, Errors: E"; CLI scripts
# end with "N passed, N failed".  Any suite that crashes or prints no
# summary counts as a failure.
set -u
: "${BODYCAM:=build/bodycam}"
export BODYCAM
pass=0
fail=0
bad=""

for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^[0-9]*%: Checks' | sed -n '/:[A-Z]:/p'
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "$t: no summary (exit $rc)"
		fail=$((fail + 1)); bad="$bad $t"; continue
	fi
	c=$(echo "$line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
	f=$(echo "$line" | sed 's/.*Failures: \([0-9]*\).*/\1/')
	e=$(echo "$line" | sed 's/.*Errors: \([0-9]*\).*/\1/')
	echo "$(basename "$t"): $line"
	pass=$((pass + c - f - e)); fail=$((fail + f + e))
	if [ "$rc" -ne 0 ] || [ $((f + e)) -ne 0 ]; then
		[ $((f + e)) -eq 0 ] && fail=$((fail + 1))
		bad="$bad $t"
	fi
done

for s in tests/cli/t-*.sh; do
	[ -e "$s" ] || continue
	out=$(sh "$s" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(not ok|FAIL)' || true
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "$s: no summary (exit $rc)"
		fail=$((fail + 1)); bad="$bad $s"; continue
	fi
	echo "$(basename "$s"): $line"
	p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		[ "$f" -eq 0 ] && fail=$((fail + 1))
		bad="$bad $s"
	fi
done

# the whole-corpus suite: counted only when it ran (not again on
# PostgreSQL: tests/pg/matrix.sh)
if [ -f tests/cli/corpus.sh ] && [ -z "${BODYCAM_TEST_PG:-}" ]; then
	out=$(sh tests/cli/corpus.sh 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 5
		if [ "$rc" -ne 0 ]; then
			fail=$((fail + 1)); bad="$bad tests/cli/corpus.sh"
		fi
	else
		printf '%s\n' "$out" | grep -E '^(not ok|FAIL)' || true
		echo "corpus.sh: $line"
		p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
		f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
		pass=$((pass + p)); fail=$((fail + f))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			fail=$((fail + 1)); bad="$bad tests/cli/corpus.sh"
		fi
	fi
fi

[ -n "$bad" ] && echo "failing:$bad"
echo "tests${BODYCAM_TEST_PG:+ on PostgreSQL}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
