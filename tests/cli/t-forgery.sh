#!/bin/sh
# tests/cli/t-forgery.sh - what the holder of a revoked key and a clock
# set by hand cannot do: sign by backdating (authority is judged by log
# position), date a record far ahead to freeze an item or the keyring, or
# date one before what the log already holds.
. "$(dirname "$0")/lib.sh"

CAT=$(new_cat catalog)
umask 022

# counts ITEMS EVENTS LEAVES: what the catalog holds, by bodycam itself
items() { bc --json list | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
events() { bc --json show "$1" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))'; }
leaves() { bc log export | wc -l | tr -d ' '; }

keygen_all admin dock cust late
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
expect_exit 0 "setup: key add dock (ingest)" -- \
    bc key add "$K/dock.pub" --name dock --role ingest --key "$K/admin.key"
expect_exit 0 "setup: key add cust (custodian)" -- \
    bc key add "$K/cust.pub" --name cust --role custodian --key "$K/admin.key"
# BODYCAM_NOW has whole seconds: the records below come a second later
sleep 1
printf 'footage one\n' > "$M/one.mp4"
expect_exit 0 "setup: register with dock" -- \
    bc register "$M/one.mp4" --key "$K/dock.key"
expect_exit 0 "setup: an access by cust" -- \
    bc custody add BWC-000001 access --actor tech-1 --key "$K/cust.key"
# a time when both keys were valid: after their records, before the
# revocations (whole seconds, as BODYCAM_NOW takes them)
sleep 1
EARLY=$(date -u +%Y-%m-%dT%H:%M:%SZ)
check "setup: a time before the revocations ($EARLY)" -- test -n "$EARLY"
DOCK=$(bc --json key list | "$PYTHON" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["name"] == "dock"][0])')
CUST=$(bc --json key list | "$PYTHON" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["name"] == "cust"][0])')
expect_exit 0 "setup: revoke dock" -- \
    bc key revoke "$DOCK" --reason "dock stolen" --key "$K/admin.key"
expect_exit 0 "setup: revoke cust" -- \
    bc key revoke "$CUST" --reason "laptop stolen" --key "$K/admin.key"
N_ITEMS=$(items)
N_EVENTS=$(events BWC-000001)
N_LEAVES=$(leaves)

# -------------------------------------------- a revoked key, backdating

printf 'made-up footage\n' > "$M/fake.mp4"
expect_exit 2 "revoked dock, the clock set before its revocation: register refused" -- \
    env BODYCAM_NOW="$EARLY" "$BODYCAM" --catalog "$CAT" \
    register "$M/fake.mp4" --key "$K/dock.key"
expect_grep "revoked|before the newest record" "$ERR" \
    "backdated register: the message names why"
expect_exit 2 "revoked cust, the clock set before its revocation: purge refused" -- \
    env BODYCAM_NOW="$EARLY" "$BODYCAM" --catalog "$CAT" \
    custody add BWC-000001 purge --reason "retention" --actor tech-1 \
    --key "$K/cust.key"
expect_exit 2 "revoked dock, the clock now: register refused" -- \
    bc register "$M/fake.mp4" --key "$K/dock.key"
expect_grep "revoked" "$ERR" "register now: the message names the revocation"
expect_exit 2 "revoked cust, the clock now: purge refused" -- \
    bc custody add BWC-000001 purge --reason "retention" --actor tech-1 \
    --key "$K/cust.key"
expect_grep "revoked" "$ERR" "purge now: the message names the revocation"
expect_eq "$(items)" "$N_ITEMS" "backdating: no item registered"
expect_eq "$(events BWC-000001)" "$N_EVENTS" "backdating: no event recorded"
expect_eq "$(leaves)" "$N_LEAVES" "backdating: nothing appended to the log"
expect_exit 0 "backdating: verify still passes" -- bc verify BWC-000001
expect_exit 0 "backdating: audit still passes" -- bc audit

# ----------------------------------------- a time far ahead, or behind

expect_exit 2 "a note dated 2099: refused" -- \
    env BODYCAM_NOW=2099-01-01T00:00:00Z "$BODYCAM" --catalog "$CAT" \
    custody add BWC-000001 note --note "from the future" --actor tech-1 \
    --key "$K/admin.key"
expect_grep "ahead of this machine's clock" "$ERR" \
    "2099 note: the message says it is ahead of the clock"
expect_exit 2 "a key document dated 2099: refused" -- \
    env BODYCAM_NOW=2099-01-01T00:00:00Z "$BODYCAM" --catalog "$CAT" \
    key add "$K/late.pub" --name late --role custodian --key "$K/admin.key"
expect_grep "ahead of this machine's clock" "$ERR" \
    "2099 key document: the message says it is ahead of the clock"
printf 'future footage\n' > "$M/future.mp4"
expect_exit 2 "a registration dated 2099: refused" -- \
    env BODYCAM_NOW=2099-01-01T00:00:00Z "$BODYCAM" --catalog "$CAT" \
    register "$M/future.mp4" --key "$K/admin.key"
expect_exit 2 "a note dated before the newest record: refused" -- \
    env BODYCAM_NOW=2001-01-01T00:00:00Z "$BODYCAM" --catalog "$CAT" \
    custody add BWC-000001 note --note "from the past" --actor tech-1 \
    --key "$K/admin.key"
expect_grep "before the newest record in the log" "$ERR" \
    "2001 note: the message says it is behind the log"
expect_eq "$(events BWC-000001)" "$N_EVENTS" "far times: no event recorded"
expect_eq "$(leaves)" "$N_LEAVES" "far times: nothing appended to the log"
# nothing was frozen: the item can be held and released, keys managed
expect_exit 0 "after the refusals: hold" -- \
    bc custody add BWC-000001 hold --reason "case 7" --actor tech-1 \
    --key "$K/admin.key"
expect_exit 0 "after the refusals: unhold" -- \
    bc custody add BWC-000001 unhold --reason "case 7 closed" \
    --actor tech-1 --key "$K/admin.key"
expect_exit 0 "after the refusals: key add" -- \
    bc key add "$K/late.pub" --name late --role custodian --key "$K/admin.key"
expect_exit 0 "after the refusals: audit passes" -- bc audit

# a revocation is checkpointed at once: nothing can be slipped in before it
LATE=$(bc --json key list | "$PYTHON" -c 'import json,sys; print([k["key_id"] for k in json.load(sys.stdin) if k["name"] == "late"][0])')
expect_exit 0 "key revoke --json" -- \
    bc --json key revoke "$LATE" --reason "left" --key "$K/admin.key"
json_check "$OUT" "d['checkpoint'] == $(leaves)" \
    "key revoke signs a checkpoint of the whole log, revocation included"

# ------------------------------------- old (version 1) records stay valid

# tests/data/catalogs/v3.db: written by an older bodycam, every record
# unbound; upgraded, it audits, and reports them as unbound
OLD=$TMP/v3.db
cp "$DATA/catalogs/v3.db" "$OLD"
expect_exit 0 "an old catalog: upgrade" -- "$BODYCAM" --catalog "$OLD" upgrade
expect_exit 0 "an old catalog: audit --json passes" -- \
    "$BODYCAM" --catalog "$OLD" --json audit
json_check "$OUT" "d['ok'] is True and d['unbound'] == d['items'] + d['events'] and d['unbound'] > 0" \
    "an old catalog: every manifest and event is reported unbound"
expect_exit 0 "an old catalog: audit says how many are unbound" -- \
    "$BODYCAM" --catalog "$OLD" audit
expect_grep "of format version 1, valid but naming no log" "$OUT" \
    "an old catalog: the text says they name no log"
# (its media are not here: the file checks fail, the record checks pass)
expect_exit 0,1,2 "an old catalog: verify BWC-000001 --json" -- \
    "$BODYCAM" --catalog "$OLD" --json verify BWC-000001
json_check "$OUT" "any(c['name'] == 'manifest-log' and c['ok'] and 'unbound' in c['detail'] for c in d[0]['checks'])" \
    "an old catalog: verify's manifest-log check passes, saying unbound"

finish
