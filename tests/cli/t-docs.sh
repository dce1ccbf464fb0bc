#!/bin/sh
# tests/cli/t-docs.sh - the documentation stays true: every command and
# every long option that --help lists appears in bodycam.1, and each
# command has its own section there (.SS, the command reference) that
# names every option of the command; the exit statuses and every
# environment variable the code reads are in bodycam.1; the split docs
# exist and README.md links them; every relative link in README.md and
# docs/*.md resolves; every HTTP route the service registers is in
# docs/HTTP-API.md.
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
	check "man page has a section for '$c'" sh -c 'printf "%s\n" "$1" | grep -q "^\.SS \"$2 \\\\(em "' _ "$man_text" "$c"
	man_cmd=$(printf '%s\n' "$man_text" | sed -n "/^\.SS \"$c /,/^\.S[SH] /p")
	opts=$("$BODYCAM" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
	for o in $opts; do
		check "man page has '$c $o'" sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$man_text" "$o"
		check "man page section '$c' has $o" sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$man_cmd" "$o"
	done
done
for o in --catalog --json --quiet --help --version; do
	check "man page has global $o" sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$man_text" "$o"
done
man_sect() {	# the text of one .SH section of bodycam.1
	printf '%s\n' "$man_text" | sed -n "/^\.SH $1\$/,/^\.SH /p"
}
man_exit=$(man_sect "EXIT STATUS")
for code in 0 1 2 3; do
	check "man page EXIT STATUS documents $code" sh -c 'printf "%s\n" "$1" | grep -q "^\.B $2\$"' _ "$man_exit" "$code"
done

# Every check name of include/bodycam/checks.h is documented: as `name` in
# README.md or docs/*.md, or as a bold word in bodycam.1.
names=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, "\([a-z0-9-]*\)",.*/\1/p' \
    include/bodycam/checks.h)
check "checks.h lists check names" test -n "$names"
for n in $names; do
	check "check '$n' is documented" sh -c '
		for f in README.md docs/*.md; do
			[ -f "$f" ] && grep -qF "\`$1\`" "$f" && exit 0
		done
		grep -qxF ".B $1" bodycam.1 && exit 0
		grep -qF "\\fB$1\\fR" bodycam.1' _ "$n"
done
man_env=$(man_sect ENVIRONMENT)
envs=$(cat bodycam/*.c | grep -o 'getenv("[A-Z_][A-Z0-9_]*")' | sed 's/.*("\(.*\)")/\1/' | sort -u)
check "the code reads environment variables" test -n "$envs"
for e in $envs; do
	check "man page ENVIRONMENT documents $e" sh -c 'printf "%s\n" "$1" | grep -q "^\.B $2\$"' _ "$man_env" "$e"
done
for f in docs/FORMATS.md docs/VERIFYING.md docs/HTTP-API.md docs/HACKING.md; do
	check "$f exists" test -s "$f"
	check "README.md links $f" grep -q "]($f)" README.md
done
for md in README.md docs/*.md; do
	dir=$(dirname "$md")
	links=$(grep -o '\]([^)#]*' "$md" | sed 's/^](//' | grep -v '^[a-z][a-z]*:' | grep -v '^$' | sort -u)
	for l in $links; do
		check "$md: link $l resolves" test -e "$dir/$l"
	done
done
routes=$(sed -n 's/^[[:space:]]*{ "\([A-Z]*\)", "\(\/[^"]*\)".*/\1 \2/p' bodycam/serve-api.c bodycam/serve.c | sort -u)
check "the service registers routes" test -n "$routes"
printf '%s\n' "$routes" | while read -r m r; do
	grep -qF "\`$m $r\`" docs/HTTP-API.md || echo "$m $r"
done > "${TMPDIR:-/tmp}/t-docs-routes.$$"
for r in $(sed 's/ /_/' "${TMPDIR:-/tmp}/t-docs-routes.$$"); do
	fail=$((fail + 1)); echo "not ok - docs/HTTP-API.md documents route $r"
done
n=$(printf '%s\n' "$routes" | wc -l)
m=$(wc -l < "${TMPDIR:-/tmp}/t-docs-routes.$$")
rm -f "${TMPDIR:-/tmp}/t-docs-routes.$$"
[ "$m" -eq 0 ] && { pass=$((pass + 1)); echo "ok - docs/HTTP-API.md documents all $n routes"; }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
