#!/bin/sh
# corpus.sh - the whole-corpus suite: register and verify every real
# camera file of the metadata corpus and compare what bodycam records with
# the corpus's MANIFEST.tsv (path, bytes, sha256, media_type).
#
# The corpus is $BODYCAM_CORPUS, by default ../shared/corpus from the
# repository root (the current directory when tests/run.sh runs it).  Without it the suite is not
# run: one line says so and no "N passed" line is printed, so it is never
# counted as passed; with CI=true a missing corpus is a failure (exit 1).
# The corpus is only read; the catalog lives in a temporary directory.

# the default is ../shared/corpus beside the repository root (where
# tests/run.sh runs); a relative $BODYCAM_CORPUS is taken from the cwd
if [ -n "${BODYCAM_CORPUS:-}" ]; then
	CORPUS=$BODYCAM_CORPUS
else
	CORPUS=$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus
	# print it as the user would type it from the repository root
	[ "$(cd "$(dirname "$0")/../.." && pwd)" = "$(pwd)" ] &&
	    CORPUS=../shared/corpus
fi
if [ ! -d "$CORPUS" ] || [ ! -f "$CORPUS/MANIFEST.tsv" ]; then
	echo "corpus suite not run: $CORPUS not found (set BODYCAM_CORPUS)"
	[ "${CI:-}" = true ] && exit 1
	exit 0
fi
CORPUS=$(cd "$CORPUS" && pwd)

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

CAT=$TMP/corpus.db
"$BODYCAM" keygen admin --dir "$TMP" > /dev/null &&
"$BODYCAM" --catalog "$CAT" init --admin-key "$TMP/admin.pub" > /dev/null
check "setup: a fresh catalog" -- test -s "$CAT"
KEY=$TMP/admin.key

# MANIFEST.tsv, reduced to: path TAB bytes TAB sha256 TAB media_type
awk -F '\t' '
NR == 1 {
	for (i = 1; i <= NF; i++)
		col[$i] = i
	if (!("path" in col) || !("bytes" in col) || !("sha256" in col) ||
	    !("media_type" in col)) {
		print "MANIFEST.tsv lacks a needed column" > "/dev/stderr"
		exit 1
	}
	next
}
{ print $col["path"] "\t" $col["bytes"] "\t" $col["sha256"] "\t" $col["media_type"] }
' "$CORPUS/MANIFEST.tsv" > "$TMP/manifest"
check "MANIFEST.tsv has path, bytes, sha256 and media_type columns" -- \
    test -s "$TMP/manifest"

TAB=$(printf '\t')

# manifest_row REL: sets m_bytes, m_sha, m_mime; false without a row
manifest_row() {
	_row=$(awk -F '\t' -v p="$1" '$1 == p { print; exit }' "$TMP/manifest")
	[ -n "$_row" ] || return 1
	IFS=$TAB read -r _p m_bytes m_sha m_mime <<EOF
$_row
EOF
	return 0
}

# the media files: stills/, video/ and libexif's JPEGs
: > "$TMP/list"
for f in "$CORPUS"/stills/* "$CORPUS"/video/* "$CORPUS"/libexif-testdata/*.jpg; do
	[ -f "$f" ] && echo "${f#"$CORPUS"/}" >> "$TMP/list"
done
n=$(wc -l < "$TMP/list" | tr -d ' ')
check "the corpus has media files to register ($n)" -- test "$n" -gt 0

while IFS= read -r rel; do
	f=$CORPUS/$rel
	if ! manifest_row "$rel"; then
		fail "$rel has a row in MANIFEST.tsv"
		continue
	fi
	expect_exit 0 "register $rel" -- \
	    "$BODYCAM" --catalog "$CAT" --json register "$f" --key "$KEY" || continue
	expect_grep "\"sha256\": \"$m_sha\"" "$OUT" \
	    "$rel: registered sha256 = MANIFEST sha256"
	expect_grep "\"size\": $m_bytes([^0-9]|\$)" "$OUT" \
	    "$rel: registered size = MANIFEST bytes ($m_bytes)"
	case $rel in
	stills/* | video/*)
		expect_exit 0 "show --json $rel" -- \
		    "$BODYCAM" --catalog "$CAT" --json show "$m_sha"
		if [ "$HAVE_PYTHON" -eq 1 ]; then
			json_check "$OUT" "d['manifest']['media']['mime'] == '$m_mime'" \
			    "$rel: manifest.media.mime = MANIFEST media_type ($m_mime)"
		else
			expect_grep "\"mime\": \"$m_mime\"" "$OUT" \
			    "$rel: manifest.media.mime = MANIFEST media_type ($m_mime)"
		fi
		;;
	esac
	expect_exit 0 "verify $rel" -- "$BODYCAM" --catalog "$CAT" verify "$m_sha"
	expect_grep ": OK\$" "$OUT" "$rel: verify says OK"
done < "$TMP/list"

set --
while IFS= read -r rel; do
	set -- "$@" "$CORPUS/$rel"
done < "$TMP/list"
expect_exit 0 "verify --file finds all $n corpus files by content, in one call" -- \
    "$BODYCAM" --catalog "$CAT" -q verify --file "$@"

# the malformed files: registered, or refused with a message; never a crash
for f in "$CORPUS"/bad/*; do
	[ -f "$f" ] || continue
	rel=${f#"$CORPUS"/}
	expect_exit 0,2 "bad file $rel registers or is refused cleanly" -- \
	    "$BODYCAM" --catalog "$CAT" --json register "$f" --key "$KEY" ||
	    continue
	if [ "$LAST_RC" -eq 2 ]; then
		expect_grep "^bodycam: " "$ERR" "$rel: refused with a message"
		continue
	fi
	if manifest_row "$rel"; then
		expect_grep "\"sha256\": \"$m_sha\"" "$OUT" \
		    "$rel: registered sha256 = MANIFEST sha256"
		expect_grep "\"size\": $m_bytes([^0-9]|\$)" "$OUT" \
		    "$rel: registered size = MANIFEST bytes ($m_bytes)"
	else
		fail "$rel has a row in MANIFEST.tsv"
	fi
	expect_exit 0 "verify $rel" -- "$BODYCAM" --catalog "$CAT" verify --file "$f"
done

finish
