#!/bin/sh
# t-layers.sh - the library's modules depend on each other without loops.
#
# Read from the objects themselves (nm): module A depends on module B when
# A's object uses a symbol that B's object defines.  A loop (A needs B and
# B, by any path, needs A) is a failure, except inside the two modules that
# are one unit split over files (serve.c with serve-api.c, serve-bundle.c,
# serve-upload.c and serve-metrics.c) and the command table (cmd.c names
# every cmd-*.c, each of which calls back into cmd.c).
# The catalog's four files must form no loop: catalog.c over catalog-sql.c,
# catalog-log.c and catalog-schema.c.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

: "${BUILD:=build}"
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
OBJ=$BUILD/obj

if ! command -v nm >/dev/null 2>&1; then
	fail "nm (binutils) is installed: it reads the objects' symbols"
	finish
fi
nobj=$(ls "$OBJ"/*.o 2>/dev/null | wc -l)
check "the objects are built ($nobj in $OBJ)" -- test "$nobj" -ge 40

# one line a symbol: "D module symbol" (defined) or "U module symbol"
for o in "$OBJ"/*.o; do
	m=$(basename "$o" .o)
	nm -g "$o" | awk -v m="$m" '
	    NF == 3 && $2 ~ /^[TDBRC]$/ { print "D", m, $3 }
	    NF == 2 && $1 == "U" { print "U", m, $2 }'
done > "$TMP/syms"
check "nm read symbols from the objects" -- test -s "$TMP/syms"

# loops: every pair of modules that reach each other
awk '
function same_unit(a, b) {
	if (a ~ /^serve(-api|-bundle|-upload|-metrics)?$/ &&
	    b ~ /^serve(-api|-bundle|-upload|-metrics)?$/)
		return 1
	if (a ~ /^cmd(-|$)/ && b ~ /^cmd(-|$)/) return 1
	return 0
}
$1 == "D" { def[$3] = $2; mods[$2] = 1; next }
$1 == "U" { use[$2, $3] = 1; users[$2] = 1; mods[$2] = 1 }
END {
	for (k in use) {
		split(k, p, SUBSEP)
		if ((p[2] in def) && def[p[2]] != p[1])
			r[p[1], def[p[2]]] = 1
	}
	n = 0
	for (m in mods) name[++n] = m
	for (k = 1; k <= n; k++)
		for (i = 1; i <= n; i++)
			if ((name[i], name[k]) in r)
				for (j = 1; j <= n; j++)
					if ((name[k], name[j]) in r)
						r[name[i], name[j]] = 1
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if ((name[i], name[j]) in r && (name[j], name[i]) in r &&
			    !same_unit(name[i], name[j]))
				print name[i] " <-> " name[j]
}' "$TMP/syms" | sort > "$TMP/loops"
if [ -s "$TMP/loops" ]; then
	fail "no dependency loop between library modules" "$(cat "$TMP/loops")"
else
	pass "no dependency loop between library modules"
fi

# the loops issue "The house" named, by name, so that a rule above that
# grew too lenient would still be caught
dep() {
	awk -v a="$1" -v b="$2" '
	$1 == "D" && $2 == b { d[$3] = 1; next }
	$1 == "U" && $2 == a { u[$3] = 1 }
	END { for (s in u) if (s in d) { print s; exit 0 } }' "$TMP/syms"
}
for r in meta-av meta-exif meta-parse; do
	expect_eq "$(dep "$r" meta)" "" "$r uses nothing of meta.c (bodycam's side)"
done
expect_eq "$(dep tlog verify)" "" "tlog uses nothing of verify.c"
check "verify uses tlog (the direction kept)" -- test -n "$(dep verify tlog)"
for f in catalog-sql catalog-log catalog-schema; do
	expect_eq "$(dep "$f" catalog)" "" "$f uses nothing of catalog.c"
done
expect_nogrep '#include "bodycam/verify.h"' "$REPO/bodycam/tlog.c" \
    "tlog.c does not include verify.h"
expect_nogrep '#include "bodycam/verify.h"' "$REPO/include/bodycam/tlog.h" \
    "tlog.h does not include verify.h"

finish
