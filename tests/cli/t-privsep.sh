#!/bin/sh
# t-privsep.sh - media is parsed by the sandboxed helper bodycam-parse,
# never by bodycam itself: bodycam links no libav* or libexif, and a helper
# that crashes, hangs, floods, answers malformed or wrongly shaped JSON,
# or makes a forbidden system call leaves a registered item whose manifest
# carries a warning, the parent unharmed.
#
# $MISBEHAVE names the helper built with test hooks
# (build/tests/bodycam-parse-misbehave); $BODYCAM_PARSE the real helper.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

: "${MISBEHAVE:=$REPO/build/tests/bodycam-parse-misbehave}"
HELPER=${BODYCAM_PARSE:-$(dirname "$BODYCAM")/bodycam-parse}
case $MISBEHAVE in /*) ;; *) MISBEHAVE=$(pwd)/$MISBEHAVE ;; esac
case $HELPER in /*) ;; *) HELPER=$(pwd)/$HELPER ;; esac

# ------------------------------------------------- what bodycam links

if command -v ldd >/dev/null 2>&1; then
	ldd "$BODYCAM" > "$TMP/ldd" 2>&1
	expect_nogrep 'libav(format|codec|util)|libexif|libswresample' \
	    "$TMP/ldd" "bodycam links no libav* and no libexif"
	ldd "$HELPER" > "$TMP/ldd-helper" 2>&1
	expect_grep 'libavformat' "$TMP/ldd-helper" \
	    "bodycam-parse links libavformat"
	expect_grep 'libexif' "$TMP/ldd-helper" "bodycam-parse links libexif"
	expect_grep 'libseccomp' "$TMP/ldd-helper" \
	    "bodycam-parse links libseccomp"
	expect_nogrep 'libsqlite3|libmicrohttpd' "$TMP/ldd-helper" \
	    "bodycam-parse links neither SQLite nor libmicrohttpd"
	expect_nogrep 'libmicrohttpd|libgnutls|libp11-kit' "$TMP/ldd" \
	    "bodycam links no libmicrohttpd, GnuTLS or p11-kit"
	expect_nogrep 'libpq' "$TMP/ldd" \
	    "bodycam links no libpq (loaded only for a catalog on PostgreSQL)"
	ldd "$(dirname "$BODYCAM")/bodycam-serve" > "$TMP/ldd-serve" 2>&1
	expect_grep 'libmicrohttpd' "$TMP/ldd-serve" \
	    "bodycam-serve links libmicrohttpd"
	expect_nogrep 'libav(format|codec|util)|libexif' "$TMP/ldd-serve" \
	    "bodycam-serve links no libav* and no libexif"
else
	echo "# skip: no ldd"
fi

"$BODYCAM" keygen admin --dir "$K" > /dev/null &&
bc init --admin-key "$K/admin.pub" > /dev/null
check "setup: keys and a fresh catalog" -- cat_ok
KEY=$K/admin.key

# ------------------------------------------------- bodycam serve

expect_exit 0 "serve --help, answered by bodycam itself" -- \
    env BODYCAM_SERVE="$TMP/no-such-server" "$BODYCAM" serve --help
expect_grep '^usage: bodycam serve \[--storage DIR\] --key KEY' "$OUT" \
    "serve --help shows serve's usage"
expect_exit 3 "serve without bodycam-serve: exit 3" -- \
    env BODYCAM_SERVE="$TMP/no-such-server" "$BODYCAM" serve \
    --storage "$TMP" --key "$TMP/k"
expect_grep "cannot run .*no-such-server" "$ERR" \
    "serve without bodycam-serve says which program it could not run"

# ------------------------------------------------- the real helper

cp "$DATA/stills/Apple.jpg" "$M/good.jpg"
expect_exit 0 "probe through the helper" -- \
    env BODYCAM_PARSE="$HELPER" "$BODYCAM" --json probe "$M/good.jpg"
json_check "$OUT" 'd[0]["capture"]["make"] == "Apple" and d[0]["capture"]["gps"]["lat"] == "53.382847"' \
    "the helper's metadata reaches probe"
expect_nogrep 'metadata helper' "$ERR" "no helper warning for a good file"

expect_exit 0 "the helper alone writes canonical JSON" -- \
    sh -c '"$1" -- image/jpeg < "$2" | cat' sh "$HELPER" "$M/good.jpg"
expect_grep '^\{"capture":\{.*"warnings":\[' "$OUT" \
    "the helper's answer is one canonical object"

expect_exit 0 "no helper: probe still answers" -- \
    env BODYCAM_PARSE="$TMP/no-such-helper" "$BODYCAM" probe "$M/good.jpg"
expect_grep 'metadata helper: cannot run .*metadata not sealed' "$ERR" \
    "no helper: a warning says the metadata is not sealed"

# ------------------------------------------------- a misbehaving helper

if [ ! -x "$MISBEHAVE" ]; then
	fail "$MISBEHAVE: not built (make $MISBEHAVE)"
	finish
fi

n=0
misbehave() {	# MODE PATTERN DESC
	n=$((n + 1))
	cp "$DATA/stills/Apple.jpg" "$M/m$n.jpg"
	printf 'x%s' "$n" >> "$M/m$n.jpg"	# a distinct file each time
	expect_exit 0 "$1: register succeeds" -- \
	    env BODYCAM_PARSE="$MISBEHAVE" BODYCAM_PARSE_MISBEHAVE="$1" \
	    BODYCAM_PARSE_TIMEOUT=2 \
	    "$BODYCAM" --catalog "$CAT" --json register "$M/m$n.jpg" \
	    --key "$KEY"
	id=$(sed -n 's/.*"id": *"\(BWC-[0-9]*\)".*/\1/p' "$OUT" | head -n 1)
	expect_exit 0 "$1: show the item" -- bc --json show "$id"
	json_check "$OUT" "any(__import__('re').search(r'''$2''', w) for w in d['manifest']['warnings'])" \
	    "$1: the manifest warns: $3"
	json_check "$OUT" "'make' not in d['manifest']['capture'] and d['manifest']['media'] == {'mime': 'image/jpeg'}" \
	    "$1: no metadata from the helper is sealed"
	expect_exit 0 "$1: the item verifies" -- bc verify "$id"
}

# SIGSEGV; under ASan its report ends the process otherwise
misbehave crash 'metadata helper: (killed by signal [0-9]+ \(SIG[A-Z]+\)|exited with status [0-9]+); metadata not sealed' \
    "a crash"
misbehave hang 'metadata helper: no answer within 2 s: killed' \
    "timed out and killed"
misbehave flood 'metadata helper: more than 1048576 bytes of output: killed' \
    "too much output, killed"
misbehave malformed 'metadata helper: malformed output' "malformed JSON"
misbehave trailing 'metadata helper: malformed output' "trailing data"
misbehave shape 'metadata helper: output of the wrong shape \(capture.gps\)' \
    "a coordinate that is not one"
misbehave socket 'metadata helper: killed by signal 31 \(SIGSYS\); metadata not sealed' \
    "socket() after the filter: SIGSYS"

# without the variable, the test build behaves
expect_exit 0 "the test helper without a hook behaves" -- \
    env BODYCAM_PARSE="$MISBEHAVE" "$BODYCAM" --json probe "$M/good.jpg"
json_check "$OUT" 'd[0]["capture"]["make"] == "Apple"' \
    "the test helper without a hook reads the file"

# the real helper has no hooks
expect_exit 0 "the real helper ignores BODYCAM_PARSE_MISBEHAVE" -- \
    env BODYCAM_PARSE="$HELPER" BODYCAM_PARSE_MISBEHAVE=socket \
    "$BODYCAM" --json probe "$M/good.jpg"
json_check "$OUT" 'd[0]["capture"]["make"] == "Apple"' \
    "the real helper is not misbehaving on request"

finish
