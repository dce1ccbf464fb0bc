#!/bin/sh
# t-keys.sh - signer keys and roles: key add, revoke and list, who may
# register, verify's keyring check, and tampering with the key documents.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# the key id of NAME in CATALOG (by "key list --json"), or ""
key_id_of() {
	[ "$HAVE_PYTHON" -eq 1 ] || return 0
	"$BODYCAM" --catalog "$2" --json key list 2>/dev/null | "$PYTHON" -c '
import json, sys
for e in json.load(sys.stdin):
    if e["name"] == sys.argv[1]:
        print(e["key_id"])
' "$1"
}

keygen_all admin dock cust spare
check "setup: keygen admin, dock and cust" -- \
    test -f "$K/admin.key" -a -f "$K/dock.pub" -a -f "$K/cust.key"
expect_exit 0 "init with admin.pub" -- bc init --admin-key "$K/admin.pub"

printf 'footage one\n' > "$M/one.mp4"
printf 'footage two\n' > "$M/two.mp4"
printf 'footage three\n' > "$M/three.mp4"
printf 'footage four\n' > "$M/four.mp4"

# ------------------------------------------------------- who may register

expect_exit 2 "register with a key not yet added: exit 2" -- \
    bc register "$M/one.mp4" --key "$K/dock.key"
expect_grep "not a signer" "$ERR" "register with a key not yet added: 'not a signer'"
expect_exit 0 "list after the refused register: exit 0" -- bc list
expect_nogrep "one\.mp4" "$OUT" "the refused register added nothing"

expect_exit 0 "key add dock.pub --role ingest: exit 0" -- \
    bc key add "$K/dock.pub" --name dock --role ingest --key "$K/admin.key"
expect_grep "^added [0-9a-f]{64} dock as ingest\$" "$OUT" \
    "key add prints 'added ID dock as ingest'"

expect_exit 0 "register with dock.key (ingest): exit 0" -- \
    bc register "$M/one.mp4" --key "$K/dock.key"
ID1=$(awk 'NR == 1 { print $1 }' "$OUT")
check "register printed an id ($ID1)" -- test -n "$ID1"
expect_exit 0 "verify the item registered by dock: exit 0" -- bc verify "$ID1"
expect_grep "^ +ok +keyring " "$OUT" "verify names the keyring check as ok"
expect_grep "manifest-signature .*\(dock, ingest\)" "$OUT" \
    "verify names dock (ingest) as the manifest signer"
expect_grep "^$ID1: OK\$" "$OUT" "verify prints '$ID1: OK'"

expect_exit 0 "key add cust.pub --role custodian: exit 0" -- \
    bc key add "$K/cust.pub" --name cust --role custodian --key "$K/admin.key"
expect_exit 2 "register with a custodian key: exit 2" -- \
    bc register "$M/two.mp4" --key "$K/cust.key"
expect_grep "role custodian" "$ERR" "register with a custodian key: 'role custodian'"

# ------------------------------------------------------ refused key changes

expect_exit 2 "adding the same key twice: exit 2" -- \
    bc key add "$K/cust.pub" --name again --role auditor --key "$K/admin.key"
expect_grep "already" "$ERR" "adding the same key twice: says it is already there"
expect_exit 2 "unknown role: exit 2" -- \
    bc key add "$K/spare.pub" --name x --role boss --key "$K/admin.key"
expect_grep "try 'bodycam --help'" "$ERR" "unknown role: 'try bodycam --help'"
expect_exit 2 "a non-admin key signing key add: exit 2" -- \
    bc key add "$K/spare.pub" --name x --role ingest --key "$K/dock.key"
expect_grep "not admin" "$ERR" "a non-admin key signing key add: 'not admin'"
expect_exit 2 "adding the anchor admin key itself: exit 2" -- \
    bc key add "$K/admin.pub" --name x --role ingest --key "$K/admin.key"
expect_exit 2 "key add without --role: exit 2" -- \
    bc key add "$K/spare.pub" --name x --key "$K/admin.key"

# ------------------------------------------------------------------ key list

expect_exit 0 "key list: exit 0" -- bc key list
expect_grep "dock +ingest" "$OUT" "key list shows dock as ingest"
expect_grep "cust +custodian" "$OUT" "key list shows cust as custodian"
expect_grep "admin \(anchor\) +admin" "$OUT" "key list shows the anchor admin"
expect_exit 0 "key list --json: exit 0" -- bc --json key list
cp "$OUT" "$TMP/list.json"
json_check "$TMP/list.json" 'isinstance(d, list) and len(d) == 3' \
    "key list --json has 3 entries"
json_check "$TMP/list.json" 'sorted(e["role"] for e in d) == ["admin", "custodian", "ingest"]' \
    "key list --json roles are admin, custodian, ingest"
json_check "$TMP/list.json" '[e["anchor"] for e in d if e["role"] == "admin"] == [True] and [e["anchor"] for e in d if e["role"] != "admin"] == [False, False]' \
    "key list --json: anchor is true for the admin only"
json_check "$TMP/list.json" 'all(e["revoked"] is None for e in d) and all(__import__("re").fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", e["added"]) for e in d if not e["anchor"])' \
    "key list --json: nothing revoked, added times with microseconds"

# ---------------------------------------------------------------- revocation

DOCK=$(key_id_of dock "$CAT")
ADMIN=$(key_id_of "admin (anchor)" "$CAT")
if [ -n "$DOCK" ] && [ -n "$ADMIN" ]; then
	expect_exit 0 "key revoke dock: exit 0" -- \
	    bc key revoke "$DOCK" --reason "lost" --key "$K/admin.key"
	expect_exit 2 "register with the revoked dock key: exit 2" -- \
	    bc register "$M/three.mp4" --key "$K/dock.key"
	expect_grep "revocation" "$ERR" "register with the revoked key: names the revocation"
	expect_exit 0 "the item dock registered before its revocation verifies: exit 0" -- \
	    bc verify "$ID1"
	expect_grep "^$ID1: OK\$" "$OUT" "... and prints '$ID1: OK'"
	expect_exit 0 "key list --json after the revocation: exit 0" -- \
	    bc --json key list
	json_check "$OUT" '[(e["reason"], e["revoked"] is not None) for e in d if e["name"] == "dock"] == [("lost", True)]' \
	    "key list --json shows dock revoked, with the reason"
	expect_exit 2 "revoking dock a second time: exit 2" -- \
	    bc key revoke "$DOCK" --reason "again" --key "$K/admin.key"
	expect_exit 2 "revoking the anchor admin key: exit 2" -- \
	    bc key revoke "$ADMIN" --reason "no" --key "$K/admin.key"
	expect_grep "anchor" "$ERR" "revoking the anchor: says it is the anchor"
else
	echo "# skip: revocation tests (no python3 to read key ids)"
fi
expect_exit 2 "revoking an unknown key: exit 2" -- \
    bc key revoke 0123456789abcdef --reason "x" --key "$K/admin.key"
expect_exit 0 "register with the admin key: exit 0" -- \
    bc register "$M/four.mp4" --key "$K/admin.key"
ID4=$(awk 'NR == 1 { print $1 }' "$OUT")
expect_exit 0 "verify the admin's item: exit 0" -- bc verify "$ID4"

# ------------------------------------------------------------------ tampering

if [ "$HAVE_SQLITE" -eq 1 ]; then
	cat_copy "$TMP/role.db"
	sqlite3 "$TMP/role.db" "DROP TRIGGER keydocs_no_update; UPDATE keydocs SET body = replace(body, '\"ingest\"', '\"admin\"')"
	check "tamper: the role in a key document changed to admin" -- \
	    test "$(sqlite3 "$TMP/role.db" "SELECT count(*) FROM keydocs WHERE body LIKE '%\"admin\"%'")" -ge 1
	expect_exit 1 "verify with a tampered key document: exit 1" -- \
	    "$BODYCAM" --catalog "$TMP/role.db" verify "$ID1"
	expect_grep "FAILED +keyring " "$OUT" "verify with a tampered key document names keyring"
	expect_exit 1 "key list with a tampered key document: exit 1" -- \
	    "$BODYCAM" --catalog "$TMP/role.db" key list
	expect_grep "key document" "$ERR" "key list names the failing key document"
	expect_exit 1 "register with a tampered keyring: refused, exit 1" -- \
	    "$BODYCAM" --catalog "$TMP/role.db" register "$M/two.mp4" \
	    --key "$K/dock.key"

	cat_copy "$TMP/del.db"
	sqlite3 "$TMP/del.db" "DROP TRIGGER keydocs_no_delete; DELETE FROM keydocs WHERE seq = 1"
	expect_exit 1 "verify with a key document deleted: exit 1" -- \
	    "$BODYCAM" --catalog "$TMP/del.db" verify "$ID1"
	expect_grep "FAILED +keyring .*missing" "$OUT" \
	    "verify with a key document deleted: keyring, 'missing'"
else
	echo "# skip: tampering tests (no sqlite3)"
fi

# an old v1 catalog (before key documents): hard to make here; the
# migration is tested in tests/check_keys.c.


# the keyring's times never go back: a station whose clock is behind the
# last key document is refused, and nothing is written
"$BODYCAM" keygen late --dir "$K" > /dev/null
N0=$(q "$CAT" "SELECT count(*) FROM keydocs")
expect_exit 2 "key add with a clock behind the last key document: exit 2" -- \
    env BODYCAM_NOW=2001-01-01T00:00:00Z "$BODYCAM" --catalog "$CAT" \
    key add "$K/late.pub" --name late --role ingest --key "$K/admin.key"
expect_grep "before the newest record in the log" "$ERR" \
    "clock behind: the message says so"
expect_eq "$(q "$CAT" "SELECT count(*) FROM keydocs")" "$N0" \
    "clock behind: no key document written"

finish
