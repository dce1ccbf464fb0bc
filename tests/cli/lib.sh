# tests/cli/lib.sh - helpers for the CLI tests; sourced by tests/cli/*.sh
# (and tests/pkg/run.sh).
#
# POSIX sh (dash).  The scripts run from the repository root, as
# tests/run.sh does, with $BODYCAM naming the program (absolute, or relative
# to the current directory; default build/bodycam).  Each test prints
# "ok N - what" or "not ok N - what" (with the captured output), and
# 'finish' prints the summary line "N passed, N failed" that tests/run.sh
# reads, and exits 1 if anything failed.
#
#   expect_exit CODE DESC -- CMD...    run CMD, stdout to $OUT, stderr to
#                                      $ERR; CODE may list several: "0,2".
#                                      A crash (exit >= 128) or a sanitizer
#                                      report on stderr always fails.
#                                      $LAST_RC holds the exit status.
#   expect_grep PATTERN FILE DESC      FILE matches the extended regex
#   expect_nogrep PATTERN FILE DESC    FILE does not match it
#   expect_empty FILE DESC             FILE is empty
#   expect_eq GOT WANT DESC            two strings are equal
#   check DESC -- CMD...               CMD exits 0 (a test(1) or similar)
#   json_check FILE PYEXPR DESC        with python3: PYEXPR, evaluated with
#                                      d = the parsed JSON of FILE, is true;
#                                      without python3 it is skipped: a
#                                      "# skip" line, counted neither way
#   pass DESC / fail DESC [DETAIL]     record a result directly
#   finish                             summary line and exit status
#
# and the usual set-up: the directories $K, $M, $W and the catalog $CAT,
# with bc, q, need_tools, keygen_all, add_keys and nevents (see below), and
# HAVE_SQLITE (1 when there is a sqlite3 shell).

set -u

# the repository root: two levels above this script
REPO=$(cd "$(dirname "$0")/../.." && pwd) || exit 3
# shellcheck disable=SC2034 # used by the scripts that source this file
DATA=$REPO/tests/data

: "${BODYCAM:=build/bodycam}"
case $BODYCAM in
/*) ;;
*)
	if [ -e "$(pwd)/$BODYCAM" ]; then
		BODYCAM=$(pwd)/$BODYCAM
	else
		BODYCAM=$REPO/$BODYCAM
	fi
	;;
esac
export BODYCAM

# the tests choose their catalog themselves
unset BODYCAM_CATALOG
# stable, untranslated messages
LC_ALL=C
export LC_ALL

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-test.XXXXXX") || {
	echo "cannot make a temporary directory" >&2
	exit 3
}
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' HUP INT PIPE TERM
OUT=$TMP/stdout
ERR=$TMP/stderr
: > "$OUT"
: > "$ERR"

T_NUM=0
LAST_RC=0
T_PASS=0
T_FAIL=0

# python3 for the JSON checks; the interpreter itself, not a (slow) shim
PYTHON=""
if command -v python3 >/dev/null 2>&1; then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
	[ -x "$PYTHON" ] || PYTHON=python3
fi
if [ -n "$PYTHON" ]; then
	HAVE_PYTHON=1
else
	HAVE_PYTHON=0
fi

# indent a file's content as a TAP-style comment
show_file() {
	# $1 label, $2 file
	if [ -s "$2" ]; then
		echo "#   $1:"
		head -n 40 "$2" | sed 's/^/#     /'
	fi
}

pass() {
	T_NUM=$((T_NUM + 1))
	T_PASS=$((T_PASS + 1))
	echo "ok $T_NUM - $1"
}

fail() {
	T_NUM=$((T_NUM + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_NUM - $1"
	[ $# -ge 2 ] && [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/#   /'
	return 0
}

# a sanitizer or crash report in a stderr file
sanitizer_report() {
	grep -E -q 'Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$1"
}

# expect_exit CODE DESC -- CMD...
expect_exit() {
	_want=$1
	_desc=$2
	shift 2
	[ "${1-}" = "--" ] && shift
	"$@" > "$OUT" 2> "$ERR" < /dev/null
	_rc=$?
	LAST_RC=$_rc
	_why=""
	case ",$_want," in
	*",$_rc,"*) ;;
	*) _why="exit status $_rc, expected $_want" ;;
	esac
	if [ "$_rc" -ge 128 ]; then
		_why="crashed: exit status $_rc (signal $((_rc - 128)))"
	elif sanitizer_report "$ERR"; then
		_why="sanitizer report on stderr (exit status $_rc)"
	fi
	if [ -z "$_why" ]; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc" "$_why"
	echo "#   command: $*"
	show_file stdout "$OUT"
	show_file stderr "$ERR"
	return 1
}

# expect_grep PATTERN FILE DESC
expect_grep() {
	if grep -E -q -e "$1" "$2" 2>/dev/null; then
		pass "$3"
	else
		fail "$3" "no line of $(basename "$2") matches /$1/"
		show_file "$(basename "$2")" "$2"
	fi
}

# expect_nogrep PATTERN FILE DESC
expect_nogrep() {
	if grep -E -q -e "$1" "$2" 2>/dev/null; then
		fail "$3" "$(basename "$2") matches /$1/:"
		grep -E -e "$1" "$2" | head -n 5 | sed 's/^/#     /'
	else
		pass "$3"
	fi
}

# expect_empty FILE DESC
expect_empty() {
	if [ -s "$1" ]; then
		fail "$2" "$(basename "$1") is not empty"
		show_file "$(basename "$1")" "$1"
	else
		pass "$2"
	fi
}

# expect_eq GOT WANT DESC
expect_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:  '$1'
want: '$2'"
	fi
}

# check DESC -- CMD...
check() {
	_desc=$1
	shift
	[ "${1-}" = "--" ] && shift
	if "$@" > /dev/null 2>&1; then
		pass "$_desc"
	else
		fail "$_desc" "failed: $*"
	fi
}

# json_check FILE PYEXPR DESC: PYEXPR sees d (the document) and json
json_check() {
	if [ "$HAVE_PYTHON" -ne 1 ]; then
		echo "# skip: $3 (no python3)"
		return 0
	fi
	if _msg=$("$PYTHON" -c '
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        d = json.load(f)
except Exception as e:
    print("not JSON: %s" % e)
    sys.exit(1)
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
    sys.exit(1)
if not ok:
    print("false: " + sys.argv[2])
    sys.exit(1)
' "$1" "$2" 2>&1); then
		pass "$3"
	else
		fail "$3" "$_msg"
		show_file "$(basename "$1")" "$1"
	fi
}

# sha256 of a file, lowercase hex
sha256_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# size of a file in bytes
size_of() {
	wc -c < "$1" | tr -d ' '
}

# flip_byte FILE OFFSET: change one byte in place, keeping the length
flip_byte() {
	_b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	if [ "$_b" = "0" ]; then
		printf '\001' | dd of="$1" bs=1 seek="$2" conv=notrunc \
		    2>/dev/null
	else
		printf '\000' | dd of="$1" bs=1 seek="$2" conv=notrunc \
		    2>/dev/null
	fi
}

# truncate_file FILE BYTES
truncate_file() {
	dd if=/dev/null of="$1" bs=1 seek="$2" 2>/dev/null
}

# run a command in a directory: in_dir DIR CMD...
in_dir() {
	(
		cd "$1" || exit 99
		shift
		"$@"
	)
}

# The layout most scripts use: keys in $K, media in $M, scratch files in
# $W, and the catalog $CAT (a script may point CAT elsewhere) that 'bc'
# runs bodycam on.
# shellcheck disable=SC2034 # used by the scripts that source this file
K=$TMP/keys
M=$TMP/media
W=$TMP/work
CAT=$TMP/cat.db
mkdir -p "$K" "$M" "$W"

# The engine matrix: with BODYCAM_TEST_PG naming the folder of a server
# that tests/pg/pg.sh started (make test-pg), $CAT is a new empty
# database of that server, one per script, so that every suite runs on
# PostgreSQL as on SQLite; ENGINE says which ("sqlite" or "pg").  new_cat
# gives a script a further fresh catalog of the same engine.
ENGINE=sqlite
# new_cat NAME: prints a fresh catalog argument (a file path in $TMP, or a
# new database); each NAME once a script
new_cat() {
	if [ "$ENGINE" = pg ]; then
		sh "$REPO/tests/pg/pg.sh" createdb "$BODYCAM_TEST_PG" \
		    "bct_${_dbtag}_$(printf '%s' "$1" | tr -c 'a-z0-9' _)"
	else
		echo "$TMP/$1.db"
	fi
}
if [ -n "${BODYCAM_TEST_PG:-}" ]; then
	ENGINE=pg
	_dbtag=$(basename "$0" .sh | tr -c 'a-z0-9\n' _)_$$
	CAT=$(new_cat cat) || {
		echo "cannot make a database on the server in $BODYCAM_TEST_PG" >&2
		exit 3
	}
fi

# cat_copy DEST: a copy of $CAT as the SQLite file DEST, for a test that
# edits a copy with the sqlite3 shell: cp(1), or on PostgreSQL 'bodycam
# migrate', which copies every row as it is (and checks that the copy's
# log is the original's)
cat_copy() {
	if [ "$ENGINE" = pg ]; then
		"$BODYCAM" --catalog "$CAT" -q migrate --to "$1"
	else
		cp "$CAT" "$1"
	fi
}

# insider_begin NAME ... insider_end: a section in which an insider edits
# $CAT with the sqlite3 shell (q).  On PostgreSQL it works on a SQLite
# copy (cat_copy) named NAME in $W, and $CAT is the live catalog again
# after insider_end, unchanged; on SQLite $CAT is the catalog itself, as
# the section leaves it.  t-pg.sh is the insider on PostgreSQL itself.
insider_begin() {
	_live=$CAT
	if [ "$ENGINE" = pg ]; then
		cat_copy "$W/$1.db" ||
		    fail "setup: a SQLite copy of the catalog for the insider"
		CAT=$W/$1.db
	fi
}
insider_end() {
	CAT=$_live
}

# sql_hex EXPR, sql_bytes EXPR: SQL for a blob as lower-case hex, and for
# a text's length in bytes, as $CAT's engine writes them
sql_hex() {
	if [ "$ENGINE" = pg ]; then
		echo "encode($1, 'hex')"
	else
		echo "lower(hex($1))"
	fi
}
sql_bytes() {
	if [ "$ENGINE" = pg ]; then
		echo "octet_length($1)"
	else
		echo "length(CAST($1 AS BLOB))"
	fi
}

# cat_ok: $CAT is there (a file that is not empty, or a database whose
# catalog answers)
cat_ok() {
	if [ "$ENGINE" = pg ]; then
		"$BODYCAM" --catalog "$CAT" -q list > /dev/null 2>&1
	else
		test -s "$CAT"
	fi
}

# cat_digest [CAT]: a digest of everything in a catalog ($CAT by
# default): of the file, or of the database's rows (pg_dump --data-only)
cat_digest() {
	case ${1:-$CAT} in
	postgres://*|postgresql://*)
		# without the \restrict lines' random key (pg_dump 15.14 on)
		pg_dump --data-only --no-owner -d "${1:-$CAT}" |
		    grep -v '^\\\(un\)\{0,1\}restrict ' | sha256sum |
		    cut -d' ' -f1 ;;
	*)
		sha256sum < "${1:-$CAT}" | cut -d' ' -f1 ;;
	esac
}

# sqlite_only DESC [WHY]: with ENGINE=pg, a "# skip: DESC (WHY)" line,
# counted neither way, and status 1; on SQLite status 0 (run the test).
# For a test about the SQLite file itself (WHY: "SQLite file only"), or
# one that reads no catalog at all, e.g. a released bundle edited on disk
# and checked offline: the same files on either engine, checked once.
sqlite_only() {
	[ "$ENGINE" = sqlite ] && return 0
	echo "# skip: $1 (${2:-SQLite file only})"
	return 1
}

# bc ARGS...: bodycam on the catalog $CAT
bc() {
	"$BODYCAM" --catalog "$CAT" "$@"
}

# q DB SQL: the sqlite3 shell (psql for a PostgreSQL catalog), stopping
# at the first error
q() {
	case $1 in
	postgres://*|postgresql://*)
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
	*)
		sqlite3 -bail -batch "$1" "$2" ;;
	esac
}

HAVE_SQLITE=0
if [ "$ENGINE" = pg ]; then
	# q speaks to PostgreSQL through psql; an insider's SQLite copy
	# (insider_begin) needs sqlite3 too
	command -v psql >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1 &&
	    HAVE_SQLITE=1
else
	command -v sqlite3 >/dev/null 2>&1 && HAVE_SQLITE=1
fi

# need_tools WHAT TOOL...: when a TOOL is not on PATH, skip the whole
# script (WHAT names its tests) and finish
need_tools() {
	_what=$1
	shift
	for _tool; do
		if ! command -v "$_tool" >/dev/null 2>&1; then
			echo "# skip: $_what ($_tool not found)"
			finish
		fi
	done
}

# keygen_all NAME...: a key pair $K/NAME.key, $K/NAME.pub for each NAME,
# its key id in $TMP/kid.NAME; non-zero when any keygen failed
keygen_all() {
	_rc=0
	for _k; do
		"$BODYCAM" keygen "$_k" --dir "$K" > "$TMP/kid.$_k" || _rc=1
	done
	return $_rc
}

# add_keys NAME:ROLE...: 'key add' $K/NAME.pub as NAME with ROLE to $CAT,
# signed by $K/admin.key; a test each
add_keys() {
	for _kr; do
		expect_exit 0 "setup: key add ${_kr%%:*} as ${_kr#*:}" -- \
		    bc key add "$K/${_kr%%:*}.pub" --name "${_kr%%:*}" \
		    --role "${_kr#*:}" --key "$K/admin.key"
	done
}

# nevents ITEM: the number of events of ITEM, from the CSV log (one line
# per event: the fields cannot hold a line break), or "?" when it fails
nevents() {
	_n=$(bc custody log "$1" --csv 2>/dev/null | wc -l) || _n=0
	if [ "$_n" -ge 1 ]; then
		echo $((_n - 1))
	else
		echo "?"
	fi
}

# An undeletable directory, for a deletion that must fail: lock_dir DIR
# makes it so (chmod as a user; as root, who may unlink from a read-only
# directory, chattr +i when it works here), unlock_dir DIR undoes it, and
# can_lock DIR sets CAN_LOCK=1 when lock_dir really stops an unlink there.
# A script that locks must unlock in its EXIT trap.
lock_dir() {
	if [ "$(id -u)" -ne 0 ]; then
		chmod 555 "$1"
	else
		chattr +i "$1" 2>/dev/null
	fi
}
unlock_dir() {
	if [ "$(id -u)" -ne 0 ]; then
		chmod 755 "$1"
	else
		chattr -i "$1" 2>/dev/null
	fi
}
can_lock() {
	CAN_LOCK=0
	: > "$1/probe"
	if lock_dir "$1" && ! rm -f "$1/probe" 2>/dev/null; then
		CAN_LOCK=1
	fi
	unlock_dir "$1"
	rm -f "$1/probe"
}

# finish: the summary line tests/run.sh reads, and the exit status
finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}

# every script needs the program, but one that installs it itself (it
# sets BC_PROGRAM_LATER=1 before sourcing this file: tests/pkg/run.sh)
if [ -z "${BC_PROGRAM_LATER-}" ] && [ ! -x "$BODYCAM" ]; then
	fail "the program exists: $BODYCAM" "not found or not executable; run make first"
	finish
fi
