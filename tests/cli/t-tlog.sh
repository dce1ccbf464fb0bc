#!/bin/sh
# t-tlog.sh - the transparency log from the command line: init --origin,
# checkpoint, prove, log consistency, log export, verify's log checks and
# audit --against; every proof and signature is also checked here by code
# that is not bodycam's (python3 hashlib, openssl), and an insider's
# deletion, rollback and edit are each caught against a saved checkpoint.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "log tests" sqlite3 openssl
if [ "$HAVE_PYTHON" -ne 1 ]; then
	echo "# skip: log tests (no python3 to recompute the tree)"
	finish
fi

DB=$CAT
ORIGIN=example.org/bodycam/t-tlog

# tlog.py: an RFC 6962 / RFC 9162 implementation that is not bodycam's
cat > "$W/tlog.py" <<'EOF'
import base64, hashlib, json, sys

def leaf(b): return hashlib.sha256(b"\x00" + b).digest()
def node(l, r): return hashlib.sha256(b"\x01" + l + r).digest()

def mth(leaves):
    n = len(leaves)
    if n == 0: return hashlib.sha256(b"").digest()
    if n == 1: return leaves[0]
    k = 1
    while k * 2 < n: k *= 2
    return node(mth(leaves[:k]), mth(leaves[k:]))

def verify_inclusion(index, size, lh, proof, root):
    # RFC 9162 2.1.3.2
    if index >= size: return False
    fn, sn, r = index, size - 1, lh
    for p in proof:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1; sn >>= 1
                    if fn & 1 or fn == 0: break
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root

def verify_consistency(m, n, rm, rn, proof):
    # RFC 9162 2.1.4.2
    if m == n: return not proof and rm == rn
    if m == 0 or m > n or not proof: return False
    if m & (m - 1) == 0: proof = [rm] + proof
    fn, sn = m - 1, n - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr = node(c, fr); sr = node(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1; sn >>= 1
                    if fn & 1 or fn == 0: break
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return fr == rm and sr == rn and sn == 0

def cp(path):
    lines = open(path, "rb").read().split(b"\n")
    return lines[0].decode(), int(lines[1]), base64.b64decode(lines[2])

cmd = sys.argv[1]
if cmd == "root":          # root EXPORT: the root of the exported leaves
    ls = [json.loads(l) for l in open(sys.argv[2])]
    assert [l["index"] for l in ls] == list(range(len(ls)))
    print(base64.b64encode(mth([leaf(base64.b64decode(l["data"]))
                                for l in ls])).decode())
elif cmd == "prove":       # prove JSON CHECKPOINT: every included proof
    d = json.load(open(sys.argv[2])); _, size, root = cp(sys.argv[3])
    ok = 0
    for r in d["records"]:
        if not r["included"]: continue
        proof = [bytes.fromhex(h) for h in r["proof"]]
        assert verify_inclusion(r["leaf_index"], size,
                                bytes.fromhex(r["leaf_hash"]), proof, root)
        ok += 1
    print(ok)
elif cmd == "consistency":  # consistency JSON
    d = json.load(open(sys.argv[2]))
    print(verify_consistency(d["old"]["size"], d["new"]["size"],
                             base64.b64decode(d["old"]["root"]),
                             base64.b64decode(d["new"]["root"]),
                             [bytes.fromhex(h) for h in d["proof"]]))
elif cmd == "leafhash":    # leafhash FILE
    print(leaf(open(sys.argv[2], "rb").read()).hex())
EOF
tlog() {
	"$PYTHON" "$W/tlog.py" "$@"
}

# ------------------------------------------------------------- init

expect_exit 0 "keygen" -- "$BODYCAM" keygen admin --dir "$K"
for k in cust aud ingest; do
	"$BODYCAM" keygen $k --dir "$K" > /dev/null 2>&1
done

expect_exit 2 "init --origin with a space is refused" -- \
    "$BODYCAM" --catalog "$W/x.db" init --admin-key "$K/admin.pub" \
    --origin "a b"
expect_grep "no space" "$ERR" "  and says why"
check "  and no catalog is left" -- test ! -e "$W/x.db"
expect_exit 2 "init --origin with a '+' is refused" -- \
    "$BODYCAM" --catalog "$W/x.db" init --admin-key "$K/admin.pub" \
    --origin "a+b"
expect_exit 2 "init --origin '' is refused" -- \
    "$BODYCAM" --catalog "$W/x.db" init --admin-key "$K/admin.pub" \
    --origin ""
expect_exit 0 "init without --origin" -- \
    "$BODYCAM" --catalog "$W/default.db" init --admin-key "$K/admin.pub"
expect_grep "^log origin [a-z0-9.-]+/bodycam/[0-9a-f]{8}$" "$OUT" \
    "  names the log HOST/bodycam/XXXXXXXX"
"$BODYCAM" --catalog "$W/default2.db" init --admin-key "$K/admin.pub" \
    > "$W/default2.out" 2>&1
check "  two catalogs get two origins" -- \
    test "$(grep origin "$OUT")" != "$(grep origin "$W/default2.out")"

expect_exit 0 "init --origin $ORIGIN" -- \
    bc init --admin-key "$K/admin.pub" --origin "$ORIGIN"
expect_grep "^log origin $ORIGIN$" "$OUT" "  prints the origin"
expect_exit 0 "--json init has the origin" -- \
    "$BODYCAM" --catalog "$W/j.db" --json init --admin-key "$K/admin.pub" \
    --origin o.example/x
json_check "$OUT" "d['origin'] == 'o.example/x' and d['schema'] == 8" \
    "  origin and schema 8"

bc key add "$K/cust.pub" --name "Det. Smith" --role custodian \
    --key "$K/admin.key" > /dev/null
bc key add "$K/aud.pub" --name "QA" --role auditor --key "$K/admin.key" \
    > /dev/null
bc key add "$K/ingest.pub" --name "Station 4" --role ingest \
    --key "$K/admin.key" > /dev/null

# ------------------------------------------------------------- records

i=0
for n in 1 2 3; do
	head -c $((1000 + n)) /dev/urandom > "$M/f$n.bin"
done
cp "$DATA/stills/GPS.jpg" "$M/gps.jpg"
expect_exit 0 "register four files" -- \
    bc register "$M/f1.bin" "$M/f2.bin" "$M/f3.bin" "$M/gps.jpg" \
    --key "$K/ingest.key" --officer O-1 --device D-1
for n in 1 2 3 4 5; do
	bc custody add BWC-000002 access --key "$K/cust.key" \
	    --actor "Det. Smith" > /dev/null 2>&1 || i=$((i + 1))
done
bc custody add BWC-000001 transfer --key "$K/cust.key" --actor "Det. Smith" \
    --to "DA office" --reason trial > /dev/null 2>&1 || i=$((i + 1))
expect_eq "$i" 0 "six custody events recorded"
# 3 key documents, 4 manifests, 4 + 6 events
expect_eq "$(q "$DB" "SELECT count(*) FROM nodes WHERE level = 0")" 17 \
    "the log has a leaf per signed record"
expect_eq "$(q "$DB" "SELECT (SELECT count(leaf) FROM items) +
    (SELECT count(leaf) FROM events) + (SELECT count(leaf) FROM keydocs)")" \
    17 "  and every record has its leaf index"
q "$DB" "SELECT body FROM events ORDER BY id DESC LIMIT 1" | tr -d '\n' \
    > "$W/last.json"
expect_eq "$(q "$DB" "SELECT $(sql_hex hash) FROM nodes WHERE level = 0
    AND idx = (SELECT max(leaf) FROM events)")" \
    "$(tlog leafhash "$W/last.json")" \
    "  the newest leaf is SHA-256(0x00 || its canonical bytes)"

# ------------------------------------------------------------- checkpoint

expect_exit 2 "checkpoint before any is signed: exit 2" -- bc checkpoint
expect_grep "no checkpoint yet" "$ERR" "  and says how to sign one"
expect_exit 2 "a custodian may not sign a checkpoint" -- \
    bc checkpoint --key "$K/cust.key"
expect_grep "may not sign checkpoints" "$ERR" "  and says so"
expect_eq "$(q "$DB" "SELECT count(*) FROM checkpoints")" 0 \
    "  nothing stored"
expect_exit 2 "a public key cannot sign a checkpoint" -- \
    bc checkpoint --key "$K/aud.pub"
expect_exit 0 "the auditor signs a checkpoint to a file" -- \
    bc checkpoint --key "$K/aud.key" --out "$W/cp17.txt"
expect_grep "17 leaves" "$OUT" "  and says what it signed"
expect_exit 2 "--out never overwrites" -- \
    bc checkpoint --key "$K/aud.key" --out "$W/cp17.txt"
expect_eq "$(q "$DB" "SELECT count(*) FROM checkpoints")" 1 \
    "  and a refused checkpoint is not stored"
expect_eq "$(sed -n 1p "$W/cp17.txt")" "$ORIGIN" "line 1 is the origin"
expect_eq "$(sed -n 2p "$W/cp17.txt")" 17 "line 2 is the tree size"
bc log export > "$W/export17.jsonl"
expect_eq "$(sed -n 3p "$W/cp17.txt")" "$(tlog root "$W/export17.jsonl")" \
    "line 3 is the root that python recomputes from the export"
expect_exit 0 "log export --json: one document" -- bc --json log export
"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for l in d["leaves"]:
    print(json.dumps(l, separators=(",", ":")))' "$OUT" > "$W/export17-json.jsonl"
check "  its leaves are the JSON lines' leaves, in order" -- \
    cmp -s "$W/export17.jsonl" "$W/export17-json.jsonl"
json_check "$OUT" "d['from'] == 0 and d['to'] == 17 and d['size'] == 17 and len(d['leaves']) == 17 and list(d) == ['from', 'to', 'size', 'leaves']" \
    "  {from, to, size, leaves}"
expect_exit 0 "log export --json --from 3 --to 5" -- \
    bc log export --json --from 3 --to 5
json_check "$OUT" "[l['index'] for l in d['leaves']] == [3, 4] and d['from'] == 3 and d['to'] == 5" \
    "  leaves 3 and 4"
expect_exit 0 "log export --json --from 5 --to 5: none" -- \
    bc log export --json --from 5 --to 5
json_check "$OUT" "d['leaves'] == []" "  an empty list"
expect_exit 2 "log export --json --to past the log: exit 2" -- \
    bc log export --json --to 99
json_check "$OUT" "d['error']['exit'] == 2 and d['error']['code'] == 'bad_request' and '99' in d['error']['message']" \
    "  one JSON error document"
expect_eq "$(sed -n 4p "$W/cp17.txt")" "" "line 4 is blank"
expect_eq "$(wc -l < "$W/cp17.txt" | tr -d ' ')" 5 "one signature line"
expect_exit 0 "checkpoint without --key prints the newest, checked" -- \
    bc checkpoint
check "  byte for byte the file that was written" -- \
    cmp -s "$OUT" "$W/cp17.txt"

# the signature line, checked with openssl: "— NAME base64(id || sig)"
sigline=$(sed -n 5p "$W/cp17.txt")
expect_eq "${sigline%% *}" "—" "the signature line starts with an em dash"
rest=${sigline#* }
expect_eq "${rest%% *}" "$ORIGIN" "  the key name is the origin"
printf '%s' "${rest#* }" | openssl base64 -d -A > "$W/sig.raw"
expect_eq "$(wc -c < "$W/sig.raw" | tr -d ' ')" 68 \
    "  4-byte key id and 64-byte signature"
openssl pkey -pubin -in "$K/aud.pub" -outform DER | tail -c 32 > "$W/aud.raw"
{ printf '%s\n' "$ORIGIN"; printf '\001'; cat "$W/aud.raw"; } |
    openssl dgst -sha256 -binary | head -c 4 | od -An -tx1 | tr -d ' \n' \
    > "$W/id.want"
head -c 4 "$W/sig.raw" | od -An -tx1 | tr -d ' \n' > "$W/id.got"
check "  the key id is SHA-256(name || LF || 0x01 || key)[:4]" -- \
    cmp -s "$W/id.want" "$W/id.got"
head -n 3 "$W/cp17.txt" > "$W/cp17.body"
tail -c 64 "$W/sig.raw" > "$W/cp17.sig"
check "  openssl verifies the Ed25519 signature over the text" -- \
    openssl pkeyutl -verify -pubin -inkey "$K/aud.pub" -rawin \
    -in "$W/cp17.body" -sigfile "$W/cp17.sig"
expect_exit 0 "checkpoint --json" -- bc --json checkpoint
json_check "$OUT" "d['size'] == 17 and d['note'] == open('$W/cp17.txt').read()" \
    "  has the size and the note"

# ------------------------------------------------------------- prove

expect_exit 0 "prove an item against the newest checkpoint" -- \
    bc prove BWC-000002
expect_grep "^manifest +leaf [0-9]+ +included" "$OUT" "  the manifest"
expect_eq "$(grep -c "^event seq [0-9] .*included" "$OUT")" 6 \
    "  and its six events"
expect_exit 0 "prove --json" -- bc --json prove BWC-000002 \
    --checkpoint "$W/cp17.txt"
cp "$OUT" "$W/prove.json"
expect_eq "$(tlog prove "$W/prove.json" "$W/cp17.txt")" 7 \
    "  python verifies all seven proofs against the checkpoint's root"
bc custody add BWC-000002 hold --key "$K/cust.key" --actor clerk \
    --reason "hold" > /dev/null 2>&1
expect_exit 0 "a record newer than the checkpoint is not failed" -- \
    bc prove BWC-000002 --checkpoint "$W/cp17.txt"
expect_grep "newer than the checkpoint" "$OUT" "  it is named as newer"
expect_exit 2 "prove an unknown item: exit 2" -- bc prove BWC-000099
expect_exit 2 "prove needs one item" -- bc prove

# ------------------------------------------------------------- verify

expect_exit 0 "verify checks the log" -- bc verify BWC-000002
expect_grep "log-checkpoint +17 leaves, signed by QA" "$OUT" \
    "  the checkpoint and its signer"
expect_grep "log-inclusion" "$OUT" "  inclusion"

# ------------------------------------------------------------- export

expect_exit 0 "log export --from 3 --to 9" -- bc log export --from 3 --to 9
expect_eq "$(wc -l < "$OUT" | tr -d ' ')" 6 "  six lines"
expect_eq "$(head -c 12 "$OUT")" '{"index":3,"' "  starting at index 3"
expect_exit 2 "log export --to past the end: exit 2" -- \
    bc log export --to 1000
expect_exit 2 "log export --from past --to: exit 2" -- \
    bc log export --from 5 --to 4
expect_exit 2 "log export --from x: exit 2" -- bc log export --from x

# ------------------------------------------------------------- consistency

expect_exit 0 "checkpoint of 18 leaves" -- \
    bc checkpoint --key "$K/admin.key" --out "$W/cp18.txt"
expect_exit 0 "log consistency between two checkpoint files" -- \
    bc --json log consistency "$W/cp17.txt" "$W/cp18.txt"
cp "$OUT" "$W/cons.json"
expect_eq "$(tlog consistency "$W/cons.json")" True \
    "  python verifies the consistency proof"
json_check "$W/cons.json" "d['old']['root'] == '$(sed -n 3p "$W/cp17.txt")' and d['new']['root'] == '$(sed -n 3p "$W/cp18.txt")' and bytes.fromhex(d['new']['root_hex']) == __import__('base64').b64decode(d['new']['root'])" \
    "  roots in base64 as the checkpoints have them, root_hex the same"
expect_exit 0 "log consistency, text" -- \
    bc log consistency "$W/cp17.txt" "$W/cp18.txt"
expect_grep "^old  17 leaves  root $(sed -n 3p "$W/cp17.txt" | sed 's/[+/]/[&]/g')$" "$OUT" \
    "  prints the old root as cp17.txt's third line"
expect_grep "^new  18 leaves  root $(sed -n 3p "$W/cp18.txt" | sed 's/[+/]/[&]/g')$" "$OUT" \
    "  and the new one as cp18.txt's"
fails=0
for m in 1 2 5 8 16 17; do
	bc --json log consistency $m 18 > "$W/c.json" 2>/dev/null &&
	    [ "$(tlog consistency "$W/c.json")" = True ] || fails=$((fails + 1))
done
expect_eq "$fails" 0 "  and between tree sizes 1, 2, 5, 8, 16, 17 and 18"
expect_exit 2 "log consistency 0 18: exit 2" -- bc log consistency 0 18
expect_exit 2 "log consistency 18 17: exit 2" -- bc log consistency 18 17
expect_exit 1 "log consistency past the log's size: exit 1" -- \
    bc log consistency 1 99
printf 'not a checkpoint\n' > "$W/junk.txt"
expect_exit 2 "log consistency with a file that is no checkpoint: exit 2" -- \
    bc log consistency "$W/junk.txt" 18
"$BODYCAM" --catalog "$W/j.db" checkpoint --key "$K/admin.key" \
    > "$W/other.txt" 2>/dev/null
expect_exit 1 "another log's checkpoint: exit 1" -- \
    bc log consistency "$W/other.txt" 18
expect_grep "not of this catalog's log" "$ERR" "  and says so"

# ------------------------------------------------------------- audit

expect_exit 0 "audit --against the saved checkpoint" -- \
    bc audit --against "$W/cp17.txt"
expect_grep "^log: 18 leaves" "$OUT" "  the log is recomputed"
expect_grep "and the checkpoint given" "$OUT" "  and held to it"
expect_exit 0 "audit --json --against" -- \
    bc --json audit --against "$W/cp17.txt"
json_check "$OUT" "d['log'] == {'size': 18, 'leaves': 18, 'checkpoints': 2,
    'against': True}" "  has the log's figures"
expect_exit 2 "audit --against a file that is no checkpoint: exit 2" -- \
    bc audit --against "$W/junk.txt"
expect_exit 2 "audit --against a missing file: exit 2" -- \
    bc audit --against "$W/none.txt"
expect_exit 1 "audit --against another log's checkpoint: exit 1" -- \
    bc audit --against "$W/other.txt"
expect_grep "checkpoint .*not of this catalog's log" "$OUT" \
    "  failing the checkpoint check"
sed 's/^18$/19/' "$W/cp18.txt" > "$W/cp18-forged.txt"
expect_exit 1 "audit --against a checkpoint whose size was edited: exit 1" \
    -- bc audit --against "$W/cp18-forged.txt"
expect_grep "checkpoint" "$OUT" "  failing the checkpoint check"

# the insider's three moves, each against the saved checkpoint; every
# copy is of a catalog whose WAL was folded in, so that cp copies it all
fold() {
	q "$1" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
}
fold "$DB"

# 1. delete an item's last event, and rebuild the log without it
cat_copy "$W/del.db"
last=$(q "$W/del.db" "SELECT max(leaf) FROM events")
q "$W/del.db" "DROP TRIGGER events_no_delete; DROP TRIGGER nodes_no_delete;
    DROP TRIGGER checkpoints_no_delete;
    DELETE FROM events WHERE leaf = $last;
    DELETE FROM nodes WHERE ((idx + 1) << level) > $last;
    DELETE FROM checkpoints WHERE size > $last"
expect_exit 1 "an item's last event deleted, log rebuilt: audit --against" \
    -- "$BODYCAM" --catalog "$W/del.db" audit --against "$W/cp18.txt"
expect_grep "^FAILED  log  seq -  consistency  the log has 17 leaves, fewer than the 18" \
    "$OUT" "  names consistency"
# the item's derived status (schema 7) still says what the deleted event
# did: an insider who thinks of it mends that row too
expect_exit 1 "  the audit without the checkpoint sees the stale status" -- \
    "$BODYCAM" --catalog "$W/del.db" audit
expect_grep "status +the stored status" "$OUT" "  names the status check"
q "$W/del.db" "DROP TRIGGER status_forward; UPDATE status SET held = 0 WHERE
    seq >= (SELECT count(*) FROM events e WHERE e.item = status.item)"
expect_exit 0 "  with it mended, the audit without the checkpoint sees nothing" \
    -- "$BODYCAM" --catalog "$W/del.db" audit

# the same deletion, leaving the log alone
cat_copy "$W/del2.db"
q "$W/del2.db" "DROP TRIGGER events_no_delete;
    DELETE FROM events WHERE leaf = $last"
expect_exit 1 "an item's last event deleted, log untouched: audit" -- \
    "$BODYCAM" --catalog "$W/del2.db" audit
expect_grep "log-record  leaf $last: no record holds it" "$OUT" \
    "  names the leaf with no record"

# the log's newest leaf lost, its record kept: nothing more is written
cat_copy "$W/lost.db"
q "$W/lost.db" "DROP TRIGGER nodes_no_delete;
    DELETE FROM nodes WHERE ((idx + 1) << level) > $last"
expect_exit 1 "after the log lost its newest leaf, custody add: exit 1" -- \
    "$BODYCAM" --catalog "$W/lost.db" custody add BWC-000003 access \
    --key "$K/cust.key" --actor clerk
expect_grep "the log has lost leaf $last" "$ERR" "  and says why"
expect_eq "$(q "$W/lost.db" "SELECT count(*) FROM events")" \
    "$(q "$DB" "SELECT count(*) FROM events")" "  nothing was written"

# 2. roll the whole catalog file back to a copy taken 10 events earlier
cat_copy "$W/before10.db"
n=0
while [ $n -lt 10 ]; do
	bc custody add BWC-000003 access --key "$K/cust.key" --actor clerk \
	    > /dev/null 2>&1 || break
	n=$((n + 1))
done
expect_eq "$n" 10 "ten more events"
expect_exit 0 "a checkpoint of 28 leaves, kept by the defence" -- \
    bc checkpoint --key "$K/aud.key" --out "$W/cp28.txt"
cp "$W/before10.db" "$W/rolled.db"
expect_exit 1 "the catalog rolled back 10 events: audit --against" -- \
    "$BODYCAM" --catalog "$W/rolled.db" audit --against "$W/cp28.txt"
expect_grep "consistency  the log has 18 leaves, fewer than the 28" "$OUT" \
    "  names consistency"
expect_exit 0 "  while the rolled-back copy audits clean on its own" -- \
    "$BODYCAM" --catalog "$W/rolled.db" audit
expect_exit 1 "  and log consistency from the kept checkpoint fails" -- \
    "$BODYCAM" --catalog "$W/rolled.db" log consistency "$W/cp28.txt" 18

# 3. edit a record in the middle of the log
fold "$DB"
cat_copy "$W/edit.db"
mid=$(q "$W/edit.db" "SELECT leaf FROM events WHERE item = (SELECT
    manifest_hash FROM items WHERE id = 'BWC-000002') AND seq = 2")
q "$W/edit.db" "DROP TRIGGER events_no_update;
    UPDATE events SET body = replace(body, 'Det. Smith', 'Det. Jones')
    WHERE leaf = $mid"
expect_exit 1 "a middle record edited: audit --against" -- \
    "$BODYCAM" --catalog "$W/edit.db" audit --against "$W/cp28.txt"
expect_grep "^FAILED  BWC-000002  seq 2  log-leaf  leaf $mid: " "$OUT" \
    "  names the leaf"
expect_grep "consistency" "$OUT" "  and the checkpoint it breaks"
expect_exit 1 "  verify fails it too" -- \
    "$BODYCAM" --catalog "$W/edit.db" verify BWC-000002
expect_grep "log-inclusion.*leaf $mid" "$OUT" "  naming log-inclusion"
expect_exit 1 "  and prove fails it" -- \
    "$BODYCAM" --catalog "$W/edit.db" prove BWC-000002
expect_grep "FAILED +leaf $mid" "$OUT" "  naming the leaf"

# the edit with its leaf and the tree recomputed, as a careful insider would
cp "$W/edit.db" "$W/edit2.db"
q "$W/edit2.db" "DROP TRIGGER nodes_no_update; DROP TRIGGER nodes_no_delete;
    DELETE FROM nodes WHERE ((idx + 1) << level) > $mid"
"$PYTHON" - "$W/edit2.db" "$mid" <<'EOF'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); mid = int(sys.argv[2])
rows = db.execute("""SELECT leaf, body FROM (SELECT leaf, manifest AS body
    FROM items UNION ALL SELECT leaf, body FROM events UNION ALL
    SELECT leaf, body FROM keydocs) WHERE leaf >= ? ORDER BY leaf""",
    (mid,)).fetchall()
for n, body in rows:
    h = hashlib.sha256(b"\x00" + body.encode()).digest()
    db.execute("INSERT INTO nodes VALUES (0, ?, ?)", (n, h))
    i, level = n, 0
    while i & 1:
        left = db.execute("SELECT hash FROM nodes WHERE level = ? AND idx = ?",
                          (level, i - 1)).fetchone()[0]
        h = hashlib.sha256(b"\x01" + left + h).digest()
        i >>= 1; level += 1
        db.execute("INSERT INTO nodes VALUES (?, ?, ?)", (level, i, h))
db.commit()
EOF
expect_exit 1 "a middle record edited and the log rebuilt: audit --against" \
    -- "$BODYCAM" --catalog "$W/edit2.db" audit --against "$W/cp28.txt"
expect_nogrep "log-leaf" "$OUT" "  the leaves now match their records"
expect_grep "consistency .*the checkpoint" "$OUT" \
    "  but the saved checkpoint names consistency"

# reordered records: two events swap leaves
fold "$DB"
cat_copy "$W/swap.db"
h2=$(q "$DB" "SELECT manifest_hash FROM items WHERE id = 'BWC-000002'")
la=$(q "$DB" "SELECT leaf FROM events WHERE item = '$h2' AND seq = 3")
lb=$(q "$DB" "SELECT leaf FROM events WHERE item = '$h2' AND seq = 4")
q "$W/swap.db" "DROP TRIGGER events_no_update;
    UPDATE events SET leaf = leaf + 1000000 WHERE leaf IN ($la, $lb);
    UPDATE events SET leaf = CASE leaf WHEN 1000000 + $la THEN $lb
    ELSE $la END WHERE leaf >= 1000000"
expect_exit 1 "two events swap leaves: audit" -- \
    "$BODYCAM" --catalog "$W/swap.db" audit
expect_grep "BWC-000002  seq 4  log-leaf  leaf $la: " "$OUT" \
    "  names leaf $la"
expect_grep "BWC-000002  seq 3  log-leaf  leaf $lb: " "$OUT" \
    "  and leaf $lb"

expect_exit 0 "the untouched catalog still audits clean against both" -- \
    bc audit --against "$W/cp17.txt"
expect_exit 0 "  and the newest" -- bc audit --against "$W/cp28.txt"

# ------------------------------------------------------------- migration

cp "$DATA/catalogs/v2.db" "$W/v2.db"
chmod 644 "$W/v2.db"
expect_exit 3 "audit, which only reads, refuses a schema 2 catalog" -- \
    "$BODYCAM" --catalog "$W/v2.db" audit
expect_grep "needs an upgrade" "$ERR" "  it needs an upgrade by a writer"
expect_eq "$(q "$W/v2.db" "PRAGMA user_version")" 2 "  still schema 2"
expect_exit 0 "bodycam upgrade" -- "$BODYCAM" --catalog "$W/v2.db" upgrade
expect_exit 0 "the upgraded schema 2 catalog audits clean" -- \
    "$BODYCAM" --catalog "$W/v2.db" audit
expect_grep "^log: 8 leaves" "$OUT" "  its 8 records are in the log"
expect_eq "$(q "$W/v2.db" "PRAGMA user_version")" 8 \
    "  schema 8 (2 -> 3 -> 4 -> 5 -> 6 -> 7 -> 8)"
expect_eq "$(q "$W/v2.db" "SELECT group_concat(leaf) FROM (SELECT leaf
    FROM keydocs ORDER BY seq)"),$(q "$W/v2.db" "SELECT group_concat(leaf)
    FROM (SELECT leaf FROM items ORDER BY num)"),$(q "$W/v2.db" "SELECT
    group_concat(leaf) FROM (SELECT leaf FROM events ORDER BY id)")" \
    "0,1,2,3,4,5,6,7" "  key documents, then manifests, then events"

finish
