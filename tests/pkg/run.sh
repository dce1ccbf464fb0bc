#!/bin/sh
# tests/pkg/run.sh - the Debian packages of debian/, built, checked,
# installed, used and removed again ('make package-test'; CI runs it).
#
# The packages are built from a scratch copy of the source tree (the
# files git knows, as they are in the work tree, nothing ignored) in a
# temporary directory, so that neither the clone nor its build/ is
# touched (debian/rules clean runs 'make clean').  dpkg-buildpackage
# builds the source package too, so that lintian checks debian/ as a
# source; lintian must report no error and no warning that debian/ does
# not override.  Then dpkg installs bodycam and libbodycam-dev, and:
#
#   - the installed bodycam reports the version of bodycam.h (which
#     debian/changelog and bodycam.pc must agree with), and runs the
#     installed helpers: probe reads a still's EXIF through bodycam-parse,
#     serve starts bodycam-serve;
#   - tests/pkg/consumer.c, copied out of the tree and compiled with
#     'pkg-config --cflags --libs bodycam' alone, hashes "abc",
#     canonicalizes an RFC 8785 vector, computes an RFC 6962 root and
#     opens a catalog the installed bodycam made; each answer is checked
#     with another tool (sha256sum, the vector's output, python3,
#     sqlite3);
#   - the same program, linked with every object of libbodycam.a, links
#     with what bodycam.pc names;
#   - 'make uninstall' removes every file 'make install' put in the
#     package build's debian/tmp;
#
# and both packages are purged, leaving the machine as it was: a package
# or file of bodycam's already there stops the test before it installs.
#
# Needs root (dpkg); anyone else is told so, which fails only under
# CI=true (a skip is never a pass).  Needs the build dependencies (make
# deps) and the packaging tools (make package-deps).  The build runs with
# DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=NCPU": 'make test'
# runs the suite, and no debug symbol package is needed here.
set -u

# shellcheck disable=SC2034 # read by lib.sh
BC_PROGRAM_LATER=1
BODYCAM=/usr/bin/bodycam
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/../cli/lib.sh"
cd "$REPO" || exit 3

if [ "$(id -u)" -ne 0 ]; then
	echo "# skip: tests/pkg/run.sh installs packages: run it as root"
	if [ "${CI-}" = true ]; then
		fail "runs as root (CI=true)"
		finish
	fi
	exit 0
fi

t0=$(date +%s)
PKGS="bodycam libbodycam-dev"
INSTALLED=0

# purge what this script installed, whatever happens
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	if [ "$INSTALLED" -eq 1 ]; then
		# shellcheck disable=SC2086 # two names
		dpkg --purge $PKGS > "$TMP/purge.log" 2>&1 ||
			cat "$TMP/purge.log" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

for tool in dpkg-buildpackage dpkg-parsechangelog dpkg-architecture \
    lintian dh pkg-config cc python3 sqlite3 sha256sum; do
	if ! command -v "$tool" > /dev/null 2>&1; then
		fail "$tool is installed" "run 'make deps package-deps' as root"
		finish
	fi
done
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# nothing of bodycam's may be installed already: it would be purged
for p in $PKGS; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
	    grep -qv '^not-installed$'; then
		fail "package $p is not installed before the test" \
		    "it is: this test would purge it; remove it first"
		finish
	fi
done
for f in /usr/bin/bodycam /usr/libexec/bodycam /usr/include/bodycam \
    "/usr/lib/$MA/libbodycam.a"; do
	if [ -e "$f" ]; then
		fail "$f does not exist before the test" \
		    "it does: this test would replace and remove it"
		finish
	fi
done
if pkg-config --exists bodycam; then
	fail "no bodycam.pc on pkg-config's path before the test" \
	    "found one (a 'make install'?): $(pkg-config --variable=pcfiledir bodycam)"
	finish
fi

# one version: bodycam.h's, which debian/changelog must repeat
VERSION=$(sed -n 's/^#define BODYCAM_VERSION[[:space:]]*"\(.*\)"$/\1/p' \
    include/bodycam/bodycam.h)
check "bodycam.h defines BODYCAM_VERSION" -- test -n "$VERSION"
clv=$(dpkg-parsechangelog -S Version)
expect_eq "$clv" "$VERSION" "debian/changelog has the version of bodycam.h"
if [ -z "$VERSION" ] || [ "$clv" != "$VERSION" ]; then
	finish
fi

# the scratch copy
SRC=$TMP/src/bodycam-$VERSION
mkdir -p "$SRC"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
	    tar -cf - --null -T - | tar -xf - -C "$SRC"
else
	tar -cf - --exclude='./build*' --exclude=./.git . | tar -xf - -C "$SRC"
fi
check "scratch copy of the source tree" -- test -x "$SRC/debian/rules"

t1=$(date +%s)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$ncpu" \
    dpkg-buildpackage -us -uc -F) > "$TMP/build.log" 2>&1; then
	pass "dpkg-buildpackage builds the packages"
else
	fail "dpkg-buildpackage builds the packages"
	tail -n 40 "$TMP/build.log" | sed 's/^/#   /'
	finish
fi
t2=$(date +%s)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB_BIN=$TMP/src/bodycam_${VERSION}_$ARCH.deb
DEB_DEV=$TMP/src/libbodycam-dev_${VERSION}_$ARCH.deb
CHANGES=$TMP/src/bodycam_${VERSION}_$ARCH.changes
for f in "$DEB_BIN" "$DEB_DEV" "$CHANGES"; do
	if [ -s "$f" ]; then
		pass "built $(basename "$f")"
	else
		fail "built $(basename "$f")" "not in $TMP/src"
		finish
	fi
done

# lintian: errors and warnings fail, unless debian/ overrides them (with
# a reason); information tags are shown, not counted
lintian --display-info --fail-on error,warning "$CHANGES" \
    > "$TMP/lintian.log" 2> "$TMP/lintian.err"
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q '^[EW]: ' "$TMP/lintian.log"; then
	pass "lintian: no error or warning"
else
	fail "lintian: no error or warning" "exit status $rc"
	show_file lintian "$TMP/lintian.log"
	show_file stderr "$TMP/lintian.err"
fi
sed 's/^/# lintian: /' "$TMP/lintian.log"
t3=$(date +%s)

# 'make uninstall' removes all that 'make install' put in debian/tmp
make -s -C "$SRC" uninstall DESTDIR="$SRC/debian/tmp" PREFIX=/usr \
    LIBDIR="/usr/lib/$MA" SYSTEMDUNITDIR=/lib/systemd/system \
    > "$TMP/uninstall.log" 2>&1
(cd "$SRC/debian/tmp" && find . ! -type d) > "$TMP/left"
expect_empty "$TMP/left" "make uninstall leaves no file of make install's"

# what each package holds
dpkg-deb -c "$DEB_BIN" > "$TMP/bin.list"
dpkg-deb -c "$DEB_DEV" > "$TMP/dev.list"
for f in usr/bin/bodycam usr/libexec/bodycam/bodycam-parse \
    usr/libexec/bodycam/bodycam-serve usr/share/man/man1/bodycam.1.gz \
    lib/systemd/system/bodycam.service \
    usr/share/doc/bodycam/examples/serve.conf \
    usr/share/bash-completion/completions/bodycam; do
	expect_grep " \./$f\$" "$TMP/bin.list" "bodycam holds /$f"
done
for f in "usr/lib/$MA/libbodycam.a" "usr/lib/$MA/pkgconfig/bodycam.pc" \
    usr/include/bodycam/bodycam.h usr/include/bodycam/hash.h; do
	expect_grep " \./$f\$" "$TMP/dev.list" "libbodycam-dev holds /$f"
done
expect_nogrep 'libbodycam-(parse|serve)\.a|\.so' "$TMP/dev.list" \
    "libbodycam-dev holds no helper library and no shared object"

INSTALLED=1
if dpkg -i "$DEB_BIN" "$DEB_DEV" > "$TMP/install.log" 2>&1; then
	pass "dpkg installs bodycam and libbodycam-dev"
else
	fail "dpkg installs bodycam and libbodycam-dev" \
	    "(their dependencies come from 'make deps')"
	show_file dpkg "$TMP/install.log"
	finish
fi

# the installed program and its helpers
expect_exit 0 "installed bodycam --version" -- "$BODYCAM" --version
expect_eq "$(cat "$OUT")" "bodycam $VERSION" \
    "installed bodycam is version $VERSION"
# bodycam-parse is found in the libexec directory compiled in: without
# it, probe still succeeds but with the content type only and a warning
expect_exit 0 "installed bodycam probe runs" -- \
    env -u BODYCAM_PARSE "$BODYCAM" probe "$DATA/stills/GPS.jpg"
expect_grep '^  capture\.make +FUJIFILM$' "$OUT" \
    "probe read the EXIF through the installed bodycam-parse"
expect_nogrep 'metadata helper' "$ERR" "probe: no helper warning"
expect_exit 0 "keygen with the installed bodycam" -- \
    "$BODYCAM" keygen admin --dir "$K"
CAT=$TMP/pkg.db
expect_exit 0 "init a catalog with the installed bodycam" -- \
    "$BODYCAM" --catalog "$CAT" init --admin-key "$K/admin.pub"
# serve runs bodycam-serve, which refuses a key it cannot read: its
# complaint, not bodycam's "cannot run .../bodycam-serve"
expect_exit 2 "installed bodycam serve with a missing key" -- \
    env -u BODYCAM_SERVE "$BODYCAM" --catalog "$CAT" serve --storage "$W" \
    --key "$K/none.key" --listen 127.0.0.1:0
expect_nogrep 'cannot run|no path to' "$ERR" \
    "serve ran the installed bodycam-serve"
expect_grep 'none\.key' "$ERR" "bodycam-serve names the missing key"

# the library, through pkg-config alone
expect_eq "$(pkg-config --modversion bodycam)" "$VERSION" \
    "pkg-config: bodycam $VERSION"
expect_eq "$(pkg-config --variable=libdir bodycam)" "/usr/lib/$MA" \
    "pkg-config reads the packaged bodycam.pc"
mkdir -p "$W/consumer"
cp tests/pkg/consumer.c "$W/consumer/"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
expect_exit 0 "cc consumer.c \$(pkg-config --cflags --libs bodycam)" -- \
    in_dir "$W/consumer" cc -Wall -Wextra -Werror -o consumer consumer.c \
    $(pkg-config --cflags --libs bodycam)
JCS=$DATA/vectors/jcs
expect_exit 0 "consumer runs" -- "$W/consumer/consumer" "$CAT" \
    "$(cat "$JCS/input/weird.json")" one two three four five
cp "$OUT" "$W/consumer.out"
expect_grep "^version $VERSION\$" "$W/consumer.out" \
    "consumer: BODYCAM_VERSION from the installed header"
expect_grep "^sha256 $(printf abc | sha256sum | cut -d' ' -f1)\$" \
    "$W/consumer.out" "consumer: SHA-256 of abc, as sha256sum"
expect_eq "$(sed -n 's/^canon //p' "$W/consumer.out")" \
    "$(cat "$JCS/output/weird.json")" \
    "consumer: RFC 8785 vector weird.json"
root=$("$PYTHON" -c '
import hashlib, sys
def mth(d):
    if len(d) == 1:
        return hashlib.sha256(b"\0" + d[0]).digest()
    k = 1
    while 2 * k < len(d):
        k *= 2
    return hashlib.sha256(b"\1" + mth(d[:k]) + mth(d[k:])).digest()
print(mth([a.encode() for a in sys.argv[1:]]).hex())
' one two three four five)
expect_grep "^root $root\$" "$W/consumer.out" \
    "consumer: RFC 6962 root of five leaves, as python3"
expect_grep "^schema $(q "$CAT" 'PRAGMA user_version')\$" "$W/consumer.out" \
    "consumer: opens the installed bodycam's catalog"
expect_exit 1 "consumer: a float is refused" -- "$W/consumer/consumer" \
    "$CAT" '{"a":1.5}'
# every object of the archive, not only those the consumer needs
# shellcheck disable=SC2046
expect_exit 0 "the whole libbodycam.a links with bodycam.pc's libraries" -- \
    in_dir "$W/consumer" cc -o whole consumer.c \
    $(pkg-config --cflags bodycam) -Wl,--whole-archive \
    "/usr/lib/$MA/libbodycam.a" -Wl,--no-whole-archive \
    $(pkg-config --libs bodycam)

# and away again
INSTALLED=0
# shellcheck disable=SC2086 # two names
if dpkg --purge $PKGS > "$TMP/purge.log" 2>&1; then
	pass "dpkg purges both packages"
else
	fail "dpkg purges both packages"
	show_file dpkg "$TMP/purge.log"
fi
check "no /usr/bin/bodycam after the purge" -- test ! -e /usr/bin/bodycam
check "no /usr/libexec/bodycam after the purge" -- \
    test ! -e /usr/libexec/bodycam
check "no bodycam.pc after the purge" -- sh -c '! pkg-config --exists bodycam'

t4=$(date +%s)
echo "# time: build $((t2 - t1)) s, lintian $((t3 - t2)) s," \
    "install and use $((t4 - t3)) s, total $((t4 - t0)) s"
finish
