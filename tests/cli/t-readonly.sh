#!/bin/sh
# t-readonly.sh - a catalog the user may only read (a 0444 copy in a
# directory that cannot be written, with no -wal or -shm file) can still be
# listed, shown, verified, audited, proved, exported and reported; those
# commands write nothing, and the commands that write say why they cannot.
#
# Root writes anywhere, so as root the reading commands run as nobody
# (setpriv); otherwise the file and directory modes do it.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$ENGINE" = pg ]; then
	# a database role that may only read: t-pg.sh
	echo "# skip: read-only catalog files (SQLite file only)"
	finish
fi

RO=$TMP/ro
mkdir -p "$RO"

AS=""
if [ "$(id -u)" -eq 0 ]; then
	if ! command -v setpriv >/dev/null 2>&1; then
		echo "# skip: running as root without setpriv to drop it"
		echo "0 passed, 0 failed"
		exit 0
	fi
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# nobody must reach the copy and the media
	chmod 0755 "$TMP"
fi

# as the reader, on the read-only copy
ro() {
	$AS "$BODYCAM" --catalog "$RO/cat.db" "$@"
}

"$BODYCAM" keygen admin --dir "$K" > /dev/null &&
bc init --admin-key "$K/admin.pub" > /dev/null &&
cp "$DATA/stills/Canon.jpg" "$DATA/video/with-gps.mp4" "$M/" &&
chmod 0644 "$M"/* &&
bc register "$M/Canon.jpg" "$M/with-gps.mp4" --key "$K/admin.key" \
    --officer OFF-1 --case C-1 > /dev/null 2>&1 &&
bc checkpoint --key "$K/admin.key" --out "$TMP/cp.txt" > /dev/null
check "setup: a catalog with two items and a checkpoint" -- \
    test -s "$CAT" -a -s "$TMP/cp.txt"
check "  closed cleanly: no -wal file beside it" -- test ! -e "$CAT-wal"

cp "$CAT" "$RO/cat.db"
chmod 0444 "$RO/cat.db"
chmod 0555 "$RO"
# the reader's own copy of the admin key, for the commands that sign
cp "$K/admin.key" "$TMP/reader.key"
[ -n "$AS" ] && chown 65534:65534 "$TMP/reader.key"
chmod 0600 "$TMP/reader.key"
if [ -z "$AS" ] && [ -w "$RO" ]; then
	echo "# skip: cannot make a directory read-only here"
	echo "0 passed, 0 failed"
	exit 0
fi
sum_before=$(cksum < "$RO/cat.db")

expect_exit 0 "list on a read-only copy: exit 0" -- ro list
expect_grep "^BWC-000002 " "$OUT" "  lists its items"
expect_exit 0 "show: exit 0" -- ro show BWC-000001
expect_exit 0 "show --json: exit 0" -- ro --json show BWC-000002
expect_exit 0 "verify ITEM: exit 0" -- ro verify BWC-000001 BWC-000002
expect_exit 0 "verify --file: exit 0" -- ro verify --file "$M/Canon.jpg"
expect_exit 0 "audit: exit 0" -- ro audit
expect_grep "^audited 0 key documents, 2 items, 2 events" "$OUT" \
    "  audits everything"
expect_exit 0 "audit --against a checkpoint: exit 0" -- \
    ro audit --against "$TMP/cp.txt"
expect_exit 0 "checkpoint (show the newest): exit 0" -- ro checkpoint
expect_exit 0 "prove ITEM: exit 0" -- ro prove BWC-000002
expect_exit 0 "prove --checkpoint: exit 0" -- \
    ro prove BWC-000001 --checkpoint "$TMP/cp.txt"
expect_exit 0 "log export: exit 0" -- ro log export
expect_exit 0 "key list: exit 0" -- ro key list
expect_exit 0 "token list: exit 0" -- ro token list
expect_exit 0 "custody log: exit 0" -- ro custody log BWC-000001
expect_exit 0 "report --format csv: exit 0" -- \
    ro report BWC-000001 BWC-000002 --format csv
expect_exit 0 "report --format html: exit 0" -- \
    ro report BWC-000001 --format html
expect_nogrep "readonly|read-only" "$ERR" "  no complaint about writing"

expect_exit 3 "verify --record cannot write: exit 3" -- \
    ro verify BWC-000001 --record --key "$TMP/reader.key"
expect_grep "cannot be written" "$ERR" "  says the catalog cannot be written"
expect_exit 3 "checkpoint --key cannot write: exit 3" -- \
    ro checkpoint --key "$TMP/reader.key"
expect_grep "cannot be written" "$ERR" "  says so"
expect_exit 3 "upgrade cannot write: exit 3" -- ro upgrade
expect_grep "cannot be written" "$ERR" "  says so"

expect_eq "$(cksum < "$RO/cat.db")" "$sum_before" \
    "the read-only copy is byte for byte what it was"
check "  and no -wal or -shm file was made beside it" -- \
    test ! -e "$RO/cat.db-wal" -a ! -e "$RO/cat.db-shm"

# a read-only copy of an older schema: refused, never upgraded
chmod 0755 "$RO"
cp "$DATA/catalogs/v3.db" "$RO/v3.db"
chmod 0444 "$RO/v3.db"
chmod 0555 "$RO"
expect_exit 3 "list on a read-only schema 3 copy: exit 3" -- \
    $AS "$BODYCAM" --catalog "$RO/v3.db" list
expect_grep "schema version 3 and needs an upgrade.*writer" "$ERR" \
    "  it says a writer must upgrade it"
if command -v sqlite3 >/dev/null 2>&1; then
	expect_eq "$(sqlite3 "$RO/v3.db" "PRAGMA user_version")" 3 \
	    "  still schema 3"
fi
chmod 0755 "$RO"

finish
