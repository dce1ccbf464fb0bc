#!/bin/sh
# t-completion.sh - bash completion (dist/completion.sh, made from the
# program's --help): the script it writes is valid bash; it names every
# command of 'bodycam --help' and, for each, every long option of
# 'bodycam CMD --help'; and in a real bash, with COMP_WORDS as readline
# sets them, it completes commands, sub-commands, options and files:
# "bodycam cus" -> custody, "bodycam custody --rea" -> --reason,
# "bodycam key " -> add list revoke, "bodycam --catalog x.db ver" ->
# verify verify-bundle, "bodycam register --key K" -> the file K.key.
#
# Needs bash.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "bash completion" bash

COMP=$TMP/bodycam.bash
expect_exit 0 "dist/completion.sh writes the completion" -- \
    sh dist/completion.sh "$BODYCAM"
cp "$OUT" "$COMP"
check "  valid bash" -- bash -n "$COMP"

# every command, and every option of each, is in the script
cmds=$("$BODYCAM" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
check "--help lists commands" -- test -n "$cmds"
missing=""
for c in $cmds; do
	grep -q "^	$c)\$" "$COMP" || missing="$missing $c"
	words=$(sed -n "/^	$c)\$/{n;p;}" "$COMP")
	for o in $("$BODYCAM" "$c" --help | grep -o -- '--[a-z][a-z-]*' |
	    sort -u); do
		case " $(echo "$words" | sed 's/.*words="\(.*\)"/\1/') " in
		*" $o "*) ;;
		*) missing="$missing $c:$o" ;;
		esac
	done
done
expect_eq "$missing" "" "every command and every option of each is there"

# complete WORD...: what bash's completion gives for the command line
# WORD... (the last word the one being completed), one a line, sorted
complete_line() {
	bash -c '. "$1"; shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
_bodycam
printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMP" "$@"
}
mkdir -p "$TMP/d"
: > "$TMP/d/station.key"
: > "$TMP/d/notes.txt"

expect_eq "$(complete_line bodycam cus)" "custody" "bodycam cus -> custody"
expect_eq "$(complete_line bodycam --catalog x.db ver | tr '\n' ' ')" \
    "verify verify-bundle " "after --catalog FILE: verify, verify-bundle"
expect_eq "$(complete_line bodycam custody --rea)" "--reason" \
    "bodycam custody --rea -> --reason"
expect_eq "$(complete_line bodycam key "" | tr '\n' ' ')" \
    "add list revoke " "bodycam key: its sub-commands"
expect_eq "$(complete_line bodycam --js)" "--json" "a global option"
expect_eq "$(complete_line bodycam register --key "$TMP/d/st")" \
    "$TMP/d/station.key" "--key completes a file"
expect_eq "$(complete_line bodycam serve --log-f)" "--log-format" \
    "serve's options"
expect_eq "$(complete_line bodycam verify --nosuch)" "" \
    "no option made up"
finish
