#!/bin/sh
# t-tamper.sh - an insider with write access to the catalog file (and, in
# some cases, a signer's private key) edits, deletes, reorders, moves and
# forges custody events, manifests, signatures and key documents with the
# sqlite3 shell; 'bodycam audit' must exit 1 and name the item, the seq and
# the check of each.
#
# One baseline catalog (several items, several custody events each) is
# built once; every case tampers with a fresh copy of it.  The baseline
# itself must audit clean, and events forged with the helpers below but
# signed by an authorised key must audit clean too, so that no case can
# pass because the helpers, rather than the tampering, broke something.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$ENGINE" = pg ]; then
	# this insider edits a SQLite file; PostgreSQL's is t-pg.sh
	echo "# skip: tamper tests (SQLite file only)"
	finish
fi
need_tools "tamper tests" sqlite3 openssl
if [ "$HAVE_PYTHON" -ne 1 ]; then
	echo "# skip: tamper tests (no python3 to write canonical JSON)"
	finish
fi

BASE=$TMP/base.db
CAT=$BASE		# what bc works on

# ------------------------------------------------------------- helpers

# key_id PUB: the key id, hex SHA-256 of the raw 32-byte public key (the
# last 32 bytes of its DER SubjectPublicKeyInfo)
key_id() {
	openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | sha256sum |
	    cut -d' ' -f1
}

# now_stamp: the current time as bodycam writes it (UTC, microseconds)
now_stamp() {
	"$PYTHON" -c 'import datetime
print(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))'
}

# canon_edit IN OUT PYCODE: parse the JSON document in IN as d, run PYCODE
# on it, write d's canonical bytes (RFC 8785 for ASCII strings and
# integers; no trailing newline) to OUT
canon_edit() {
	"$PYTHON" -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
exec(sys.argv[3])
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    f.write(json.dumps(d, sort_keys=True, separators=(",", ":"),
                       ensure_ascii=False))
' "$1" "$2" "$3"
}

# sign_raw KEY IN SIG: the raw 64-byte Ed25519 signature of IN's bytes
sign_raw() {
	openssl pkeyutl -sign -inkey "$1" -rawin -in "$2" -out "$3"
}

# item_hash DB ID: an item's manifest hash (what events name as "item")
item_hash() {
	q "$1" "SELECT manifest_hash FROM items WHERE id = '$2'"
}

# last_seq DB ITEMHASH
last_seq() {
	q "$1" "SELECT max(seq) FROM events WHERE item = '$2'"
}

# ev_hash DB ITEMHASH SEQ: the stored hash of an event
ev_hash() {
	q "$1" "SELECT hash FROM events WHERE item = '$2' AND seq = $3"
}

# ev_body DB ITEMHASH SEQ OUT: the stored body of an event, to a file
ev_body() {
	q "$1" "SELECT body FROM events WHERE item = '$2' AND seq = $3" > "$4"
}

# log_append DB FILE: append FILE's bytes to the catalog's transparency
# log as an insider would, with RFC 6962 hashes computed here (leaf
# SHA-256(0x00 || bytes), and each parent the new leaf completes); prints
# the new leaf's index, for the record's leaf column
# (LOG_APPEND_PY defines append(db, data), for other scripts too)
LOG_APPEND_PY='
import hashlib
def append(db, data):
    n = db.execute("SELECT coalesce(max(idx) + 1, 0) FROM nodes"
                   " WHERE level = 0").fetchone()[0]
    h = hashlib.sha256(b"\x00" + data).digest()
    db.execute("INSERT INTO nodes VALUES (0, ?, ?)", (n, h))
    i, level = n, 0
    while i & 1:
        left = db.execute("SELECT hash FROM nodes WHERE level = ? AND"
                          " idx = ?", (level, i - 1)).fetchone()[0]
        h = hashlib.sha256(b"\x01" + left + h).digest()
        i >>= 1
        level += 1
        db.execute("INSERT INTO nodes VALUES (?, ?, ?)", (level, i, h))
    return n
'
log_append() {
	"$PYTHON" -c "$LOG_APPEND_PY"'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = append(db, open(sys.argv[2], "rb").read())
db.commit()
print(n)
' "$1" "$2"
}

# insert_event DB ITEMHASH SEQ BODY SIG KEYID: a row with the body and
# signature files' bytes and the body's true hash, appended to the log too
insert_event() {
	_ileaf=$(log_append "$1" "$4") || return 1
	q "$1" "INSERT INTO events (item, seq, hash, body, signature, key, leaf)
	    VALUES ('$2', $3, '$(sha256_of "$4")', CAST(readfile('$4') AS TEXT),
	    readfile('$5'), '$6', $_ileaf)"
}

# forge_next DB ITEMHASH KEY PUB [PYCODE]: append to an item's chain a new
# event, a copy of its last one with seq, prev, at and key set right (and
# PYCODE applied), canonical, with its true hash, signed by KEY.  The seq
# is left in FORGED_SEQ.  Fails when any step does.
FORGED_SEQ=""
forge_next() {
	_fdb=$1
	_fh=$2
	_fkey=$3
	_fkid=$(key_id "$4") || return 1
	_fcode=${5-}
	_flast=$(last_seq "$_fdb" "$_fh") || return 1
	[ -n "$_flast" ] || return 1
	FORGED_SEQ=$((_flast + 1))
	_fprev=$(ev_hash "$_fdb" "$_fh" "$_flast") || return 1
	ev_body "$_fdb" "$_fh" "$_flast" "$W/forge.in" || return 1
	canon_edit "$W/forge.in" "$W/forge.json" "
d['seq'] = $FORGED_SEQ
d['prev'] = '$_fprev'
d['at'] = '$(now_stamp)'
d['key'] = '$_fkid'
$_fcode" || return 1
	sign_raw "$_fkey" "$W/forge.json" "$W/forge.sig" || return 1
	insert_event "$_fdb" "$_fh" "$FORGED_SEQ" "$W/forge.json" \
	    "$W/forge.sig" "$_fkid"
}

# rewrite_event DB ITEMHASH SEQ PYCODE [rehash]: replace a stored event
# body by its canonical form with PYCODE applied; with "rehash", also store
# the new body's true hash (the signature is left as it was)
rewrite_event() {
	ev_body "$1" "$2" "$3" "$W/rewrite.in" || return 1
	canon_edit "$W/rewrite.in" "$W/rewrite.json" "$4" || return 1
	_rset="body = CAST(readfile('$W/rewrite.json') AS TEXT)"
	[ "${5-}" = rehash ] &&
	    _rset="$_rset, hash = '$(sha256_of "$W/rewrite.json")'"
	q "$1" "DROP TRIGGER IF EXISTS events_no_update;
	    UPDATE events SET $_rset WHERE item = '$2' AND seq = $3"
}

# raw_pub_hex PUB: the raw 32-byte public key in hex
raw_pub_hex() {
	openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | od -An -tx1 |
	    tr -d ' \n'
}

# forge_keydoc DB SIGNERKEY SIGNERPUB NEWPUB NAME ROLE [AT]: append a key
# document adding NEWPUB as NAME with ROLE, chained right, signed by
# SIGNERKEY
forge_keydoc() {
	_kdb=$1
	_kn=$(q "$_kdb" "SELECT max(seq) + 1 FROM keydocs") || return 1
	_kprev=$(q "$_kdb" "SELECT hash FROM keydocs WHERE seq = $_kn - 1") ||
	    return 1
	_ksigner=$(key_id "$3") || return 1
	_knew=$(key_id "$4") || return 1
	_korigin=$(q "$_kdb" "SELECT value FROM meta WHERE name = 'origin'") ||
	    return 1
	echo '{}' > "$W/kforge.in"
	canon_edit "$W/kforge.in" "$W/kforge.json" "d.update({
    'action': 'add', 'at': '${7:-$(now_stamp)}', 'key': '$_knew', 'name': '$5',
    'prev': '$_kprev', 'public': '$(raw_pub_hex "$4")', 'role': '$6',
    'seq': $_kn, 'signer': '$_ksigner', 'type': 'bodycam.key',
    'version': 2, 'log': '$_korigin'})" || return 1
	sign_raw "$2" "$W/kforge.json" "$W/kforge.sig" || return 1
	FORGED_SEQ=$_kn
	_kleaf=$(log_append "$_kdb" "$W/kforge.json") || return 1
	q "$_kdb" "INSERT INTO keydocs (seq, hash, key, body, signature, signer,
	    leaf) VALUES ($_kn, '$(sha256_of "$W/kforge.json")', '$_knew',
	    CAST(readfile('$W/kforge.json') AS TEXT),
	    readfile('$W/kforge.sig'), '$_ksigner', $_kleaf)"
}

# fresh NAME: a copy of the baseline catalog, printed as its path
fresh() {
	rm -f "$W/$1.db" "$W/$1.db-wal" "$W/$1.db-shm"
	cp "$BASE" "$W/$1.db"
	echo "$W/$1.db"
}

# tampered CASE DB CMD...: run the tampering command; a failure of the
# command itself is a failed test (the case would prove nothing)
tampered() {
	_tc=$1
	_tdb=$2
	shift 2
	if "$@" > "$W/tamper.out" 2>&1; then
		pass "$_tc: tampered with the catalog"
	else
		fail "$_tc: tampered with the catalog" "failed: $*"
		show_file output "$W/tamper.out"
	fi
}

# run_audit CASE DB: audit and audit --json, both must exit 1; the outputs
# are kept in $W/CASE.txt and $W/CASE.json
run_audit() {
	expect_exit 1 "$1: audit exits 1" -- "$BODYCAM" --catalog "$2" audit
	cp "$OUT" "$W/$1.txt"
	expect_exit 1 "$1: audit --json exits 1" -- \
	    "$BODYCAM" --catalog "$2" --json audit
	cp "$OUT" "$W/$1.json"
}

# names CASE ITEM SEQS CHECK: the audit of CASE reported a failure of CHECK
# for ITEM at one of SEQS ("2", "2|3", or "-" for none), in both outputs
names() {
	if [ "$3" = "-" ]; then
		_pyseq="[None, '-']"
	else
		_pyseq="[$(echo "$3" | tr '|' ',')]"
	fi
	expect_grep "^FAILED +$2 +seq +($3) +$4( |\$)" "$W/$1.txt" \
	    "$1: audit names $2, seq $3, $4"
	json_check "$W/$1.json" "d['ok'] is False and any(f['item'] == '$2' and f['seq'] in $_pyseq and f['check'] == '$4' for f in d['failures'])" \
	    "$1: audit --json has {item: $2, seq: $3, check: $4}"
}

# clean_audit DESC DB: audit exits 0 and reports no failure
clean_audit() {
	expect_exit 0 "$1: audit exits 0" -- "$BODYCAM" --catalog "$2" audit
	expect_nogrep "^FAILED" "$OUT" "$1: audit prints no FAILED line"
	expect_exit 0 "$1: audit --json exits 0" -- \
	    "$BODYCAM" --catalog "$2" --json audit
	json_check "$OUT" "d['ok'] is True and d['failures'] == []" \
	    "$1: audit --json has ok true and no failures"
}

# ------------------------------------------------------------- baseline

for k in admin dock cust old aud stranger; do
	"$BODYCAM" keygen "$k" --dir "$K" > /dev/null
done
check "setup: six key pairs" -- test -f "$K/admin.key" -a -f "$K/stranger.pub"
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
expect_exit 0 "setup: key add dock (ingest)" -- \
    bc key add "$K/dock.pub" --name dock --role ingest --key "$K/admin.key"
expect_exit 0 "setup: key add cust (custodian)" -- \
    bc key add "$K/cust.pub" --name cust --role custodian --key "$K/admin.key"
expect_exit 0 "setup: key add old (custodian, revoked later)" -- \
    bc key add "$K/old.pub" --name old --role custodian --key "$K/admin.key"
expect_exit 0 "setup: key add aud (auditor)" -- \
    bc key add "$K/aud.pub" --name aud --role auditor --key "$K/admin.key"
CUST=$(key_id "$K/cust.pub")
OLD=$(key_id "$K/old.pub")
STRANGER=$(key_id "$K/stranger.pub")

for f in alpha bravo charlie delta; do
	printf 'body camera footage %s\n' "$f" > "$M/$f.mp4"
done
expect_exit 0 "setup: register four files" -- \
    bc register "$M/alpha.mp4" "$M/bravo.mp4" "$M/charlie.mp4" \
    "$M/delta.mp4" --key "$K/dock.key" --officer O-17 --case C-9
IA=$(awk '/alpha\.mp4/ { print $1 }' "$OUT")
IB=$(awk '/bravo\.mp4/ { print $1 }' "$OUT")
IC=$(awk '/charlie\.mp4/ { print $1 }' "$OUT")
ID=$(awk '/delta\.mp4/ { print $1 }' "$OUT")
check "setup: four item ids ($IA $IB $IC $ID)" -- \
    test -n "$IA" -a -n "$IB" -a -n "$IC" -a -n "$ID"

# cadd ITEM ACTION KEYNAME ARGS...: custody add, which must succeed
cadd() {
	_ci=$1
	_ca=$2
	_ck=$3
	shift 3
	expect_exit 0 "setup: custody add $_ci $_ca (key $_ck)" -- \
	    bc custody add "$_ci" "$_ca" --key "$K/$_ck.key" "$@"
}

# Every chain ends with an 'access', which the forged events copy: an
# 'access' may follow anything, so a forged one breaks no action rule.
# A: seq 0..5
cadd "$IA" access cust --actor tech-1 --location "evidence room"
expect_grep "^$IA +seq 1 +access +[0-9a-f]{64}\$" "$OUT" \
    "custody add prints 'ID  seq 1  access  HASH'"
cadd "$IA" copy cust --actor tech-1 --to "lab-2" --note "working copy"
cadd "$IA" transfer cust --actor tech-1 --to "det-4" --reason "case review"
cadd "$IA" hold cust --actor det-4 --reason "litigation hold C-9"
cadd "$IA" access cust --actor det-4
# B: seq 0..6 (one longer than A: its last event can be moved onto A)
cadd "$IB" access cust --actor tech-2
cadd "$IB" note cust --actor tech-2 --note "audio muted 00:10-00:12"
cadd "$IB" copy cust --actor tech-2 --to "da-office"
cadd "$IB" transfer cust --actor tech-2 --to "records" --reason "retention"
cadd "$IB" hold cust --actor records-1 --reason "appeal"
cadd "$IB" access cust --actor records-1 --location "records vault"
# C: two events by old, then old is revoked, then one by cust
cadd "$IC" access old --actor tech-3
cadd "$IC" note old --actor tech-3 --note "reviewed"
expect_exit 0 "setup: key revoke old" -- \
    bc key revoke "$OLD" --reason "laptop stolen" --key "$K/admin.key"
cadd "$IC" access cust --actor tech-4
# D: a custody event, a recorded verification, a custody event
cadd "$ID" access cust --actor tech-5
expect_exit 0 "setup: verify $ID --record (auditor key)" -- \
    bc verify "$ID" --record --key "$K/aud.key"
cadd "$ID" access cust --actor tech-5

HA=$(item_hash "$BASE" "$IA")
HB=$(item_hash "$BASE" "$IB")
HC=$(item_hash "$BASE" "$IC")
HD=$(item_hash "$BASE" "$ID")
expect_eq "$(last_seq "$BASE" "$HA")" 5 "setup: $IA has events 0..5"
expect_eq "$(last_seq "$BASE" "$HB")" 6 "setup: $IB has events 0..6"
expect_eq "$(last_seq "$BASE" "$HC")" 3 "setup: $IC has events 0..3"
NEV=$(q "$BASE" "SELECT count(*) FROM events")
NKD=$(q "$BASE" "SELECT count(*) FROM keydocs")
q "$BASE" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
rm -f "$BASE-wal" "$BASE-shm"

# ------------------------------------------------ the baseline is clean

clean_audit "baseline" "$BASE"
json_check "$OUT" "d['items'] == 4 and d['events'] == $NEV and d['keydocs'] == $NKD" \
    "baseline: audit --json counts 4 items, $NEV events, $NKD key documents"
json_check "$OUT" "d['signatures'] == d['keydocs'] + d['events'] + d['items']" \
    "baseline: audit --json counts a signature per key document, event and manifest"
expect_exit 0 "baseline: verify every item" -- bc verify "$IA" "$IB" "$IC" "$ID"
clean_audit "baseline, 4 threads" "$BASE"
expect_exit 0 "baseline: audit --threads 4 exits 0" -- bc audit --threads 4

# The helpers forge a valid event when the key is authorised: this is
# what makes the unknown-key and revoked-key cases below meaningful.
DB=$(fresh control)
tampered "control: event forged with the cust key" "$DB" \
    forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub"
expect_eq "$(last_seq "$DB" "$HA")" 6 "control: the forged event is seq 6"
clean_audit "control: an event forged with an authorised key" "$DB"
DB=$(fresh control2)
tampered "control: event rewritten as is" "$DB" \
    rewrite_event "$DB" "$HB" 2 "pass" rehash
clean_audit "control: an event rewritten unchanged" "$DB"

# ------------------------------------------------------- event bodies

C=details
DB=$(fresh $C)
tampered $C "$DB" rewrite_event "$DB" "$HA" 2 \
    "d['details']['station'] = 'somewhere-else'"
run_audit $C "$DB"
names $C "$IA" 2 event-hash

C=details-rehashed
DB=$(fresh $C)
tampered $C "$DB" rewrite_event "$DB" "$HA" 2 \
    "d['details']['station'] = 'somewhere-else'" rehash
run_audit $C "$DB"
names $C "$IA" 2 event-signature
names $C "$IA" 3 event-link

C=actor
DB=$(fresh $C)
tampered $C "$DB" rewrite_event "$DB" "$HA" 3 "d['actor'] = 'mallory'"
run_audit $C "$DB"
names $C "$IA" 3 event-hash

C=actor-sql
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET body = replace(body, '\"actor\":\"tech-2\"', '\"actor\":\"mallory\"')
    WHERE item = '$HB' AND seq = 1"
check "$C: the actor of $IB seq 1 is now mallory" -- test "$(q "$DB" \
    "SELECT count(*) FROM events WHERE item = '$HB' AND seq = 1 AND body LIKE '%\"mallory\"%'")" = 1
run_audit $C "$DB"
names $C "$IB" 1 event-hash

C=not-canonical
# the same members pretty-printed, with the hash of those bytes stored
DB=$(fresh $C)
ev_body "$DB" "$HA" 2 "$W/pretty.in"
"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    json.dump(d, f, indent=1, sort_keys=True)
' "$W/pretty.in" "$W/pretty.json"
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET body = CAST(readfile('$W/pretty.json') AS TEXT),
    hash = '$(sha256_of "$W/pretty.json")' WHERE item = '$HA' AND seq = 2"
run_audit $C "$DB"
names $C "$IA" 2 event-hash

C=garbage-body
DB=$(fresh $C)
printf '{"action":"access",' > "$W/garbage.json"
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET body = CAST(readfile('$W/garbage.json') AS TEXT),
    hash = '$(sha256_of "$W/garbage.json")' WHERE item = '$HB' AND seq = 3"
run_audit $C "$DB"
names $C "$IB" 3 event-hash

# ------------------------------------------------------- the chain

C=seq-changed
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET seq = 9 WHERE item = '$HA' AND seq = 2"
run_audit $C "$DB"
names $C "$IA" "2|3|9" event-link

C=middle-deleted
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_delete;
    DELETE FROM events WHERE item = '$HB' AND seq = 2"
expect_eq "$(q "$DB" "SELECT count(*) FROM events WHERE item = '$HB'")" 6 \
    "$C: $IB has 6 events left"
run_audit $C "$DB"
names $C "$IB" "2|3" event-link

C=swapped
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET seq = 1000 WHERE item = '$HB' AND seq = 1;
    UPDATE events SET seq = 1 WHERE item = '$HB' AND seq = 3;
    UPDATE events SET seq = 3 WHERE item = '$HB' AND seq = 1000"
run_audit $C "$DB"
names $C "$IB" "1|2|3" event-link

C=moved-from-other-item
# events.hash is UNIQUE, so a literal copy cannot be inserted: the insider
# moves B's newest event (seq 6, signed by cust) onto the end of A (seq 6).
# B's own chain still looks whole without its newest event (the log
# catches that: t-tlog.sh); on A the event names another item and another
# prev.
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET item = '$HA' WHERE item = '$HB' AND seq = 6"
expect_eq "$(last_seq "$DB" "$HA")" 6 "$C: $IA now has a seq 6"
run_audit $C "$DB"
names $C "$IA" 6 event-link
expect_nogrep "^FAILED +$IA +seq +6 +event-(hash|signature)" "$W/$C.txt" \
    "$C: the moved event's hash and signature still check"

C=copied-from-other-item
# a custodian key holder copies B's seq 3 onto A as seq 6: the body is
# unchanged except seq (so re-signed with the real cust key); it still
# names B's manifest and B's prev
DB=$(fresh $C)
ev_body "$DB" "$HB" 3 "$W/copy.in"
canon_edit "$W/copy.in" "$W/copy.json" "d['seq'] = 6"
sign_raw "$K/cust.key" "$W/copy.json" "$W/copy.sig"
tampered $C "$DB" insert_event "$DB" "$HA" 6 "$W/copy.json" "$W/copy.sig" "$CUST"
run_audit $C "$DB"
names $C "$IA" 6 event-link

# --------------------------------------------------------- signatures

C=unknown-key
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/stranger.key" "$K/stranger.pub"
expect_eq "$FORGED_SEQ" 6 "$C: forged $IA seq 6"
expect_eq "$(q "$DB" "SELECT key FROM events WHERE item = '$HA' AND seq = 6")" \
    "$STRANGER" "$C: the forged row names the stranger's key"
run_audit $C "$DB"
names $C "$IA" 6 event-signature
expect_nogrep "^FAILED +$IA +seq +6 +event-(hash|link)" "$W/$C.txt" \
    "$C: only the signature check catches it (hash and link are right)"
expect_grep "^FAILED +$IA +seq +6 +event-signature .*(not a signer|unknown)" \
    "$W/$C.txt" "$C: the reason says the key is not a signer"

C=revoked-key
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HC" "$K/old.key" "$K/old.pub"
expect_eq "$FORGED_SEQ" 4 "$C: forged $IC seq 4, signed by old now"
run_audit $C "$DB"
names $C "$IC" 4 event-signature
expect_nogrep "^FAILED +$IC +seq +4 +event-(hash|link)" "$W/$C.txt" \
    "$C: only the signature check catches it (hash and link are right)"
expect_grep "^FAILED +$IC +seq +4 +event-signature .*revo" "$W/$C.txt" \
    "$C: the reason names the revocation"
expect_nogrep "^FAILED +$IC +seq +[12] " "$W/$C.txt" \
    "$C: old's events from before its revocation still pass"

C=wrong-role
# the auditor key may record verifications, not custody events
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/aud.key" "$K/aud.pub"
run_audit $C "$DB"
names $C "$IA" 6 event-signature

C=backdated
# the cust key backdates an event to before the key was added: authority
# is judged by log position, where cust was added; the time going back
# along the chain is what is wrong
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['at'] = '2020-01-01T00:00:00.000000Z'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_nogrep "^FAILED +$IA +seq +6 +event-signature" "$W/$C.txt" \
    "$C: the signature and the signer's authority are right"

C=revoked-key-backdated
# The holder of the revoked key old signs an event dated before the
# revocation (the time of B's last event, which came before it) and an
# insider appends it, with its leaf, after the revocation in the log.
# Its time is consistent; its place in the log is not.
DB=$(fresh $C)
BAT=$(q "$DB" "SELECT json_extract(body, '\$.at') FROM events
    WHERE item = '$HB' AND seq = 6")
tampered $C "$DB" forge_next "$DB" "$HB" "$K/old.key" "$K/old.pub" \
    "d['at'] = '$BAT'"
run_audit $C "$DB"
names $C "$IB" 7 event-signature
expect_grep "^FAILED +$IB +seq +7 +event-signature .*after its revocation" \
    "$W/$C.txt" "$C: the reason is the revocation's place in the log"
expect_nogrep "^FAILED +$IB +seq +7 +event-rule" "$W/$C.txt" \
    "$C: the backdated time itself breaks no rule"
expect_exit 1 "$C: verify $IB exits 1" -- "$BODYCAM" --catalog "$DB" \
    verify "$IB"

C=signature-truncated
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET signature = substr(signature, 1, 63)
    WHERE item = '$HC' AND seq = 1"
run_audit $C "$DB"
names $C "$IC" 1 event-signature

C=signature-swapped
# A seq 2's signature replaced by A seq 3's: valid, same key, other bytes
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER events_no_update;
    UPDATE events SET signature = (SELECT signature FROM events
        WHERE item = '$HA' AND seq = 3) WHERE item = '$HA' AND seq = 2"
run_audit $C "$DB"
names $C "$IA" 2 event-signature
expect_nogrep "^FAILED +$IA +seq +3 " "$W/$C.txt" "$C: seq 3 is still fine"

C=manifest-signature-swapped
# B's manifest signature replaced by C's (both by dock)
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER items_no_update;
    UPDATE items SET signature = (SELECT signature FROM items
        WHERE id = '$IC') WHERE id = '$IB'"
run_audit $C "$DB"
names $C "$IB" - manifest-signature

# ---------------------------------------------------------- manifests

OTHER=$(printf 'some other footage\n' | sha256sum | cut -d' ' -f1)

C=manifest-garbage
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER items_no_update;
    UPDATE items SET manifest = 'not a manifest' WHERE id = '$IC'"
run_audit $C "$DB"
names $C "$IC" - manifest-format
SUMD=$(q "$BASE" "SELECT sha256 FROM items WHERE id = '$ID'")

C=sha256-column
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER items_no_update;
    UPDATE items SET sha256 = '$OTHER' WHERE id = '$ID'"
run_audit $C "$DB"
names $C "$ID" - manifest-record

C=sha256-in-manifest
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER items_no_update;
    UPDATE items SET manifest = replace(manifest, '$SUMD', '$OTHER')
    WHERE id = '$ID'"
check "$C: the manifest names the other sha256" -- test "$(q "$DB" \
    "SELECT instr(manifest, '$OTHER') > 0 FROM items WHERE id = '$ID'")" = 1
run_audit $C "$DB"
names $C "$ID" - manifest-hash
names $C "$ID" - manifest-signature

C=sha256-everywhere
# manifest body, sha256 column and manifest hash column all made to agree:
# only the signature (and the events, which name the old manifest hash)
# can tell
DB=$(fresh $C)
q "$DB" "SELECT manifest FROM items WHERE id = '$ID'" > "$W/man.in"
canon_edit "$W/man.in" "$W/man.json" "d['file']['sha256'] = '$OTHER'"
tampered $C "$DB" q "$DB" "DROP TRIGGER items_no_update;
    UPDATE items SET manifest = CAST(readfile('$W/man.json') AS TEXT),
    sha256 = '$OTHER', manifest_hash = '$(sha256_of "$W/man.json")'
    WHERE id = '$ID'"
expect_eq "$(q "$DB" "SELECT count(*) FROM events WHERE item = '$HD'")" 4 \
    "$C: $ID's events still name the old manifest hash"
run_audit $C "$DB"
names $C "$ID" - manifest-signature
expect_nogrep "^FAILED +$ID +seq +- +manifest-(hash|record)" "$W/$C.txt" \
    "$C: manifest-hash and manifest-record agree with the edit"

# ------------------------------------------------------ key documents

C=keydoc-role
KSEQ=$(q "$BASE" "SELECT seq FROM keydocs WHERE key = '$CUST' AND body LIKE '%\"action\":\"add\"%'")
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER keydocs_no_update;
    UPDATE keydocs SET body = replace(body, '\"role\":\"custodian\"', '\"role\":\"admin\"')
    WHERE seq = $KSEQ"
check "$C: key document $KSEQ now says admin" -- test "$(q "$DB" \
    "SELECT count(*) FROM keydocs WHERE seq = $KSEQ AND body LIKE '%\"role\":\"admin\"%'")" = 1
run_audit $C "$DB"
names $C keys "$KSEQ" keyring

C=keydoc-role-rehashed
# the role edited and the hash column made to agree: the signature (and
# the next document's prev) catch it
DB=$(fresh $C)
q "$DB" "SELECT body FROM keydocs WHERE seq = $KSEQ" > "$W/kd.in"
canon_edit "$W/kd.in" "$W/kd.json" "d['role'] = 'admin'"
tampered $C "$DB" q "$DB" "DROP TRIGGER keydocs_no_update;
    UPDATE keydocs SET body = CAST(readfile('$W/kd.json') AS TEXT),
    hash = '$(sha256_of "$W/kd.json")' WHERE seq = $KSEQ"
run_audit $C "$DB"
names $C keys "$KSEQ" keyring

C=keydoc-deleted
# a key document in the middle of the chain deleted (old's addition)
OSEQ=$(q "$BASE" "SELECT seq FROM keydocs WHERE key = '$OLD' AND body LIKE '%\"action\":\"add\"%'")
DB=$(fresh $C)
tampered $C "$DB" q "$DB" "DROP TRIGGER keydocs_no_delete;
    DELETE FROM keydocs WHERE seq = $OSEQ"
run_audit $C "$DB"
names $C keys "$OSEQ|$((OSEQ + 1))" keyring

# the keydoc helper is sound: the anchor admin adding a key audits clean
DB=$(fresh control3)
tampered "control: key document forged with the admin key" "$DB" \
    forge_keydoc "$DB" "$K/admin.key" "$K/admin.pub" "$K/stranger.pub" \
    extra ingest
clean_audit "control: a key document forged with the admin key" "$DB"
expect_exit 0 "control: key list shows the forged key" -- \
    "$BODYCAM" --catalog "$DB" key list
expect_grep "extra +ingest" "$OUT" "control: key list shows extra as ingest"

C=keydoc-by-custodian
# a custodian key makes a stranger's key an admin, chained right
DB=$(fresh $C)
tampered $C "$DB" forge_keydoc "$DB" "$K/cust.key" "$K/cust.pub" \
    "$K/stranger.pub" evil admin
run_audit $C "$DB"
names $C keys "$FORGED_SEQ" keyring
expect_grep "^FAILED +keys +seq +$FORGED_SEQ +keyring .*(admin|custodian)" \
    "$W/$C.txt" "$C: the reason says the signer was no admin"

C=keydoc-backdated
# the admin key itself adds a key dated before the documents before it:
# times compare as strings and must never go back along the keyring
DB=$(fresh $C)
tampered $C "$DB" forge_keydoc "$DB" "$K/admin.key" "$K/admin.pub" \
    "$K/stranger.pub" early ingest 2001-01-01T00:00:00.000000Z
run_audit $C "$DB"
names $C keys "$FORGED_SEQ" keyring
expect_grep "earlier than the document before it" "$W/$C.txt" \
    "$C: the reason says the time went back"

C=keydoc-malformed-time
DB=$(fresh $C)
tampered $C "$DB" forge_keydoc "$DB" "$K/admin.key" "$K/admin.pub" \
    "$K/stranger.pub" odd ingest 2099-13-45T99:00:00Z
run_audit $C "$DB"
names $C keys "$FORGED_SEQ" keyring

# --------------------------------------------------- rules and orphans

C=rule-unknown-member
# a properly signed and chained event carrying a member the format does
# not have: a signed event says what the format says, nothing more
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'note'
d['approved_by'] = 'nobody'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_grep "unknown member 'approved_by'" "$W/$C.txt" \
    "$C: the reason names the member"

C=rule-transfer-without-reason
# a transfer with neither --to nor --reason, signed by the real cust key
# with a correct chain: only the action rules catch it
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'transfer'
for k in ('reason', 'to'):
    d['details'].pop(k, None)"
run_audit $C "$DB"
names $C "$IA" 6 event-rule

C=rule-hold-while-held
# A is on hold since seq 4; a second hold, properly signed and chained
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'hold'
d['details']['reason'] = 'again'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_nogrep "^FAILED +$IA +seq +6 +event-(hash|link|signature)" \
    "$W/$C.txt" "$C: hash, link and signature of the event are right"

C=rule-malformed-time
# a properly signed and chained event whose time is not a UTC time stamp:
# times compare as strings, so a month 13 could sort anywhere
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'note'
d['at'] = '2026-13-45T99:00:00.000000Z'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_grep "not a UTC time stamp" "$W/$C.txt" "$C: the reason says why"

C=rule-backdated
# an event dated before the event before it (say, a revoked key's holder
# backdating past the revocation): properly signed and chained
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'note'
d['at'] = '2001-01-01T00:00:00.000000Z'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_grep "before the event before it" "$W/$C.txt" \
    "$C: the reason says the time went back"

C=rule-far-future
# an event dated 2099 by a valid key, slipped in by an insider: no writer
# signs it (it would freeze the chain until 2099), and verifiers say so
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "d['action'] = 'note'
d['at'] = '2099-01-01T00:00:00.000000Z'"
run_audit $C "$DB"
names $C "$IA" 6 event-rule
expect_grep "ahead of this clock" "$W/$C.txt" \
    "$C: the reason says the time is ahead of the clock"

C=replayed-unbound
# an unbound (version 1) event, validly signed by cust, slipped in after
# the log began to bind its records: as if replayed from an old catalog
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/cust.key" "$K/cust.pub" \
    "del d['log']
d['version'] = 1"
run_audit $C "$DB"
names $C "$IA" 6 event-log
expect_grep "^FAILED +$IA +seq +6 +event-log .*unbound" "$W/$C.txt" \
    "$C: the reason says it is unbound"
expect_nogrep "^FAILED +$IA +seq +6 +event-signature" "$W/$C.txt" \
    "$C: its signature and signer are right"

C=replayed-other-log
# Another catalog with the same anchor and station key registers five
# files; an insider copies its fifth item, records and leaves, into this
# one.  Every signature is right; the records name the other log.
OTHER=$W/other.db
expect_exit 0 "$C: another catalog, same anchor" -- \
    "$BODYCAM" --catalog "$OTHER" init --admin-key "$K/admin.pub"
expect_exit 0 "$C: the same station key there" -- \
    "$BODYCAM" --catalog "$OTHER" key add "$K/dock.pub" --name dock \
    --role ingest --key "$K/admin.key"
for f in o1 o2 o3 o4 o5; do
	printf 'other footage %s\n' "$f" > "$M/$f.mp4"
done
expect_exit 0 "$C: five items there" -- "$BODYCAM" --catalog "$OTHER" \
    register "$M/o1.mp4" "$M/o2.mp4" "$M/o3.mp4" "$M/o4.mp4" "$M/o5.mp4" \
    --key "$K/dock.key"
DB=$(fresh $C)
tampered $C "$DB" "$PYTHON" -c "$LOG_APPEND_PY"'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ATTACH ? AS o", (sys.argv[2],))
cols = "num, id, sha256, size, path, manifest, manifest_hash, signature, key, registered"
row = db.execute("SELECT " + cols + " FROM o.items WHERE id = ?",
                 ("BWC-000005",)).fetchone()
leaf = append(db, row[5].encode())
db.execute("INSERT INTO items (" + cols + ", leaf) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
           row + (leaf,))
for ev in db.execute("SELECT item, seq, hash, body, signature, key FROM"
                     " o.events WHERE item = ? ORDER BY seq", (row[6],)).fetchall():
    db.execute("INSERT INTO events (item, seq, hash, body, signature, key,"
               " leaf) VALUES (?,?,?,?,?,?,?)", ev + (append(db, ev[3].encode()),))
db.commit()
' "$DB" "$OTHER"
run_audit $C "$DB"
names $C BWC-000005 - manifest-log
names $C BWC-000005 0 event-log
expect_grep "^FAILED +BWC-000005 .*manifest-log .*another catalog" \
    "$W/$C.txt" "$C: the reason says it was signed for another catalog"
expect_nogrep "^FAILED +BWC-000005 .*(signature|link|hash)" "$W/$C.txt" \
    "$C: its signatures, links and hashes are right"
expect_exit 1 "$C: verify BWC-000005 exits 1" -- \
    "$BODYCAM" --catalog "$DB" verify BWC-000005

C=rule-second-register
# a second 'register' (seq 6) signed by the ingest key
DB=$(fresh $C)
tampered $C "$DB" forge_next "$DB" "$HA" "$K/dock.key" "$K/dock.pub" \
    "d['action'] = 'register'"
run_audit $C "$DB"
expect_grep "^FAILED +$IA +seq +6 +event-(rule|link) " "$W/$C.txt" \
    "$C: audit names $IA seq 6 (event-rule or event-link)"

C=orphan
# an event naming a manifest hash that no item has
DB=$(fresh $C)
ev_body "$DB" "$HA" 1 "$W/orphan.in"
canon_edit "$W/orphan.in" "$W/orphan.json" "d['item'] = d['prev'] = '$OTHER'; d['seq'] = 0"
sign_raw "$K/cust.key" "$W/orphan.json" "$W/orphan.sig"
tampered $C "$DB" insert_event "$DB" "$OTHER" 0 "$W/orphan.json" \
    "$W/orphan.sig" "$CUST"
run_audit $C "$DB"
expect_grep "^FAILED +[^ ]+ +seq +[^ ]+ +orphan-event( |\$)" "$W/$C.txt" \
    "$C: audit names an orphan-event"
json_check "$W/$C.json" "any(f['check'] == 'orphan-event' for f in d['failures'])" \
    "$C: audit --json has an orphan-event failure"

# ------------------------------------------- several at once, threads

C=combined
DB=$(fresh $C)
rewrite_event "$DB" "$HA" 2 "d['actor'] = 'mallory'" &&
q "$DB" "DROP TRIGGER events_no_delete;
    DELETE FROM events WHERE item = '$HB' AND seq = 2" &&
forge_next "$DB" "$HC" "$K/stranger.key" "$K/stranger.pub"
check "$C: tampered with three items" -- test $? -eq 0
run_audit $C "$DB"
names $C "$IA" 2 event-hash
names $C "$IB" "2|3" event-link
names $C "$IC" 4 event-signature
expect_nogrep "^FAILED +$ID " "$W/$C.txt" "$C: the untouched $ID is not named"
for n in 1 2 8; do
	expect_exit 1 "$C: audit --json --threads $n exits 1" -- \
	    "$BODYCAM" --catalog "$DB" --json audit --threads "$n"
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in sorted(d["failures"], key=lambda f: (f["item"], str(f["seq"]), f["check"])):
    print(f["item"], f["seq"], f["check"])
' "$OUT" > "$W/threads$n.txt" 2>&1
done
check "$C: --threads 2 reports the same failures as --threads 1" -- \
    cmp -s "$W/threads1.txt" "$W/threads2.txt"
check "$C: --threads 8 reports the same failures as --threads 1" -- \
    cmp -s "$W/threads1.txt" "$W/threads8.txt"

# ------------------------------------------------------------- --files

C=files
DB=$(fresh $C)
expect_exit 0 "$C: audit --files of the baseline exits 0" -- \
    "$BODYCAM" --catalog "$DB" audit --files
printf 'edited footage\n' > "$M/bravo.mp4"
expect_exit 0 "$C: audit without --files does not read the files" -- \
    "$BODYCAM" --catalog "$DB" audit
expect_exit 1 "$C: audit --files after a file was edited exits 1" -- \
    "$BODYCAM" --catalog "$DB" audit --files
expect_grep "^FAILED +$IB +seq +- +file-" "$OUT" \
    "$C: audit --files names $IB and a file check"

finish
