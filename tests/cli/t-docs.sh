#!/bin/sh
# tests/cli/t-docs.sh - the man page and the README describe what --help
# says: every command and every long option that --help lists must appear
# in bodycam.1 and in README.md.
set -u
: "${BODYCAM:=build/bodycam}"
pass=0
fail=0
check() {	# check DESC COMMAND...
	desc=$1; shift
	if "$@" >/dev/null 2>&1; then
		pass=$((pass + 1)); echo "ok - $desc"
	else
		fail=$((fail + 1)); echo "not ok - $desc"
	fi
}

man_text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' bodycam.1)
cmds=$("$BODYCAM" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
check "--help lists commands" test -n "$cmds"
for c in $cmds; do
	check "man page documents '$c'" sh -c 'printf "%s\n" "$1" | grep -q "bodycam $2\|^$2 \|B $2"' _ "$man_text" "$c"
	check "README documents '$c'" grep -q "### $c " README.md
	opts=$("$BODYCAM" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
	for o in $opts; do
		check "man page has '$c $o'" sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$man_text" "$o"
		check "README has '$c $o'" grep -q -- "$o" README.md
	done
done
for o in --catalog --json --quiet --help --version; do
	check "man page has global $o" sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$man_text" "$o"
done
for code in 0 1 2 3; do
	check "README documents exit status $code" grep -q "^| $code |" README.md
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
