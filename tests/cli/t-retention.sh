#!/bin/sh
# t-retention.sh - retention: the signed, versioned policy (policy set and
# list, what it refuses), what is due (a hold suspends it, a category
# change moves it, --at plans ahead), the purge of what is due (dry run,
# the roles, a failed unlink and the rerun that finishes it), what an
# insider's edits to the derived rows or the policies cannot make it do,
# a run killed by SIGKILL and its rerun, and the upgrade of a catalog the
# previous release (schema 6) made.  The API's routes are t-serve.sh's.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "retention (python3 reads the JSON)" python3
if [ "$HAVE_SQLITE" -ne 1 ]; then
	echo "# skip: retention (no sqlite3 shell)"
	finish
fi

# an undeletable directory (lib.sh: lock_dir, unlock_dir, can_lock)
RO=$M/readonly
mkdir -p "$RO"
trap 'unlock_dir "$RO"; rm -rf "$TMP"' EXIT
can_lock "$RO"

# ------------------------------------------------------------------ set-up

keygen_all admin cust aud dock
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys cust:custodian aud:auditor dock:ingest
AK=$K/admin.key
CK=$K/cust.key

cp "$DATA/stills/Apple.jpg" "$M/a.jpg"		# taken 2016-09-28
cp "$DATA/stills/Canon.jpg" "$M/b.jpg"		# 2003-12-04
cp "$DATA/stills/GPS.jpg" "$M/c.jpg"		# 2002-07-13
cp "$DATA/stills/GoPro.jpg" "$M/d.jpg"		# 2017-10-03
echo "no capture time here" > "$M/e.txt"
cp "$DATA/stills/HTC_Desire.jpg" "$M/f.jpg"
cp "$DATA/stills/Ricoh2.jpg" "$RO/g.jpg"
chmod 644 "$M"/* "$RO"/*
regid() {
	_f=$1
	shift
	bc register "$_f" --key "$K/dock.key" "$@" 2>/dev/null |
	    awk 'NR == 1 { print $1 }'
}
A=$(regid "$M/a.jpg" --category patrol --case 2026-7)
B=$(regid "$M/b.jpg" --category patrol --case 2026-7)
C=$(regid "$M/c.jpg" --category homicide)
D=$(regid "$M/d.jpg" --category traffic)
E=$(regid "$M/e.txt" --category patrol)
F=$(regid "$M/f.jpg")
G=$(regid "$RO/g.jpg" --category patrol)
check "setup: seven items" -- test -n "$A" -a -n "$B" -a -n "$C" -a -n "$D" \
    -a -n "$E" -a -n "$F" -a -n "$G"

npolicies() {
	q "$CAT" "SELECT count(*) FROM policies"
}

# state ITEM: its state in the last 'retention due --all --json'
due_all() {
	bc --json retention due --all "$@" > "$W/due.json" 2> "$ERR"
}
state() {
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print([i["state"] for i in d["due"] if i["id"] == sys.argv[2]][0])
' "$W/due.json" "$1" 2>/dev/null || echo "?"
}

# ------------------------------------------------------------ no policy yet

expect_exit 2 "due with no policy: exit 2" -- bc retention due
expect_grep "no retention policy" "$ERR" "  says no policy has been set"
expect_exit 0 "policy list with none: exit 0" -- bc retention policy list
expect_grep "no retention policy" "$OUT" "  says there is none"
expect_exit 2 "purge with no policy: exit 2" -- bc retention purge \
    --key "$CK" --actor Records
expect_exit 2 "retention with no subcommand: exit 2" -- bc retention
expect_exit 2 "retention policy with neither set nor list: exit 2" -- \
    bc retention policy show

# --------------------------------------------------- what policy set refuses

pset() {
	bc retention policy set --actor "Records Officer" "$@"
}
expect_exit 2 "policy set without --period: exit 2" -- pset --key "$AK"
expect_exit 2 "policy set without --key: exit 2" -- pset --period patrol=90
expect_exit 2 "policy set without --actor: exit 2" -- \
    bc retention policy set --period patrol=90 --key "$AK"
for bad in patrol=abc patrol=-1 patrol=36526 =5 patrol "patrol=" \
    "patrol=90x"; do
	expect_exit 2 "policy set --period '$bad': exit 2" -- \
	    pset --period "$bad" --key "$AK"
done
expect_exit 2 "policy set with a category twice: exit 2" -- \
    pset --period patrol=90 --period patrol=30 --key "$AK"
expect_grep "named twice" "$ERR" "  says it is named twice"
expect_exit 2 "policy set --grace 3651: exit 2" -- \
    pset --period patrol=90 --grace 3651 --key "$AK"
expect_exit 2 "policy set --unlisted maybe: exit 2" -- \
    pset --period patrol=90 --unlisted maybe --key "$AK"
expect_exit 2 "policy set with a control character in a category: exit 2" \
    -- pset --period "$(printf 'pat\001rol=90')" --key "$AK"
expect_exit 2 "policy set by a custodian key: exit 2" -- \
    pset --period patrol=90 --key "$CK"
expect_grep "admin" "$ERR" "  says an admin must sign it"
expect_eq "$(npolicies)" 0 "nothing refused was stored"

# ------------------------------------------------------- version 1, and due

expect_exit 0 "policy set v1: exit 0" -- pset --period patrol=90 \
    --period homicide=indefinite --grace 30 --reason "initial schedule" \
    --key "$AK"
expect_grep "^policy 1 " "$OUT" "  prints policy 1"
expect_exit 0 "policy list --json" -- bc --json retention policy list
json_check "$OUT" "len(d['policies']) == 1 and d['policies'][0]['seq'] == 1 and d['policies'][0]['prev'] == '' and d['policies'][0]['periods'] == {'patrol': 90, 'homicide': 'indefinite'} and d['policies'][0]['grace_days'] == 30 and d['policies'][0]['unlisted'] == 'keep' and d['policies'][0]['actor'] == 'Records Officer'" \
    "  one version: the periods, grace, unlisted keep"
V1=$(q "$CAT" "SELECT hash FROM policies WHERE seq = 1")
expect_exit 0 "audit with a policy: exit 0" -- bc audit
expect_grep "^1 retention policy checked" "$OUT" "  audit checks it"

expect_exit 0 "due --all --json: exit 0" -- due_all
expect_eq "$(state "$A")" due "A (patrol, taken 2016): due"
expect_eq "$(state "$B")" due "B (patrol, taken 2003): due"
expect_eq "$(state "$C")" indefinite "C (homicide): indefinite"
expect_eq "$(state "$D")" unscheduled "D (traffic, not in the policy): unscheduled"
expect_eq "$(state "$E")" kept "E (patrol, no capture time): not yet due"
expect_eq "$(state "$F")" unscheduled "F (no category): unscheduled"
json_check "$W/due.json" "[(i['start_from'], i['due'][:10], i['days'], i['grace_days']) for i in d['due'] if i['id'] == '$A'] == [('capture', '2017-01-26', 90, 30)] and [i['start_from'] for i in d['due'] if i['id'] == '$E'] == ['registered'] and d['policy']['hash'] == '$V1' and d['items'] == 7 and d['counts']['due'] == 3" \
    "  A due 2017-01-26 (taken + 90 + 30 days); E from its registration"
expect_exit 0 "due (text): exit 0" -- bc retention due
expect_grep "^  3 due, 0 held past due" "$OUT" "  3 due, 0 held"
expect_grep "^$A +due +patrol +2017-01-26T18:18:05Z +capture" "$OUT" \
    "  A's line: due, patrol, its date, from capture"
expect_nogrep "^$C " "$OUT" "  without --all, C (not due) is not listed"
expect_exit 0 "due --csv: exit 0" -- bc retention due --csv
expect_grep "^id,state,case,category,start,start_from,days,grace_days,due\$" \
    "$OUT" "  the CSV header"
expect_grep "^$A,due,2026-7,patrol,2016-09-28T18:18:05,capture,90,30,2017-01-26T18:18:05Z\$" \
    "$OUT" "  A's CSV row"
expect_exit 2 "due --csv with --json: exit 2" -- bc --json retention due --csv
expect_exit 2 "due --at garbage: exit 2" -- bc retention due --at soon

# --at plans ahead: E is due 120 days after its registration
expect_exit 0 "due --all --at 2099-01-01: exit 0" -- due_all --at 2099-01-01
expect_eq "$(state "$E")" due "  E is due by 2099"
expect_exit 0 "due --all --at 2016-01-01: exit 0" -- due_all --at 2016-01-01
expect_eq "$(state "$A")" kept "  A was not due in 2016"

# a hold suspends it
expect_exit 0 "setup: hold B" -- bc custody add "$B" hold --key "$CK" \
    --actor Records --reason litigation
expect_exit 0 "due --all after the hold" -- due_all
expect_eq "$(state "$B")" held "B on hold: held, not due"

# a category change moves it: F into patrol, D's category stays unlisted
expect_exit 0 "setup: annotate F into patrol" -- bc annotate "$F" \
    --category patrol --reason reviewed --key "$CK" --actor Records
expect_exit 0 "due --all after the annotation" -- due_all
expect_eq "$(state "$F")" due "F, annotated into patrol (taken long ago): due"

# ------------------------------------------------- versions, never edited

expect_exit 0 "policy set v2: patrol indefinite" -- pset \
    --period patrol=indefinite --period homicide=indefinite --grace 30 \
    --reason "moratorium" --key "$AK"
expect_exit 0 "due --all under v2" -- due_all
expect_eq "$(state "$A")" indefinite "  A is kept indefinitely under v2"
expect_exit 0 "policy set v3: patrol 90 again, unlisted refused" -- pset \
    --period patrol=90 --period homicide=indefinite --period traffic=365 \
    --grace 30 --unlisted refuse --key "$AK"
expect_exit 0 "policy list --json: three versions" -- \
    bc --json retention policy list
json_check "$OUT" "[p['seq'] for p in d['policies']] == [1, 2, 3] and d['policies'][1]['prev'] == '$V1' and d['policies'][2]['prev'] == d['policies'][1]['hash'] and d['policies'][0]['periods']['patrol'] == 90 and d['policies'][1]['periods']['patrol'] == 'indefinite'" \
    "  1, 2, 3, each naming the one before; v1 unchanged"
expect_exit 0 "due --all under v3" -- due_all
expect_eq "$(state "$A")" due "  A due again under v3"
expect_eq "$(state "$D")" due "  D (traffic, 365 days from 2017): due under v3"
expect_exit 0 "policy list (text)" -- bc retention policy list
expect_grep "^current:" "$OUT" "  marks the current version"
expect_exit 1,19 "a policy row cannot be edited (trigger)" -- \
    q "$CAT" "UPDATE policies SET body = body WHERE seq = 1"

# v3 refuses a category it does not name, at register and at annotate
cp "$DATA/stills/DNG.dng" "$M/h.dng"
expect_exit 2 "register with a refused category: exit 2" -- \
    bc register "$M/h.dng" --key "$K/dock.key" --category parking
expect_grep "not in retention policy 3" "$ERR" "  says the policy refuses it"
expect_exit 2 "annotate into a refused category: exit 2" -- \
    bc annotate "$C" --category parking --reason x --key "$CK" --actor R
expect_eq "$(nevents "$C")" 1 "  nothing recorded"

# --------------------------------------------------------------- the purge

expect_exit 2 "purge without --actor: exit 2" -- bc retention purge --key "$CK"
expect_exit 2 "purge by an auditor key: exit 2" -- bc retention purge \
    --key "$K/aud.key" --actor Records
expect_eq "$(nevents "$A")" 1 "  nothing recorded"

expect_exit 0 "purge --dry-run: exit 0" -- bc retention purge --key "$CK" \
    --actor Records --dry-run
for x in "$A" "$D" "$F" "$G"; do
	expect_grep "^$x +would purge" "$OUT" "  dry run: $x would be purged"
done
expect_nogrep "^$B " "$OUT" "  dry run: not B (held)"
expect_eq "$(nevents "$A") $(nevents "$F")" "1 2" "  dry run: nothing recorded"
check "  dry run: A's file is still there" -- test -f "$M/a.jpg"

if [ "$CAN_LOCK" -eq 1 ]; then
	lock_dir "$RO"
	expect_exit 3 "purge with G's directory undeletable: exit 3" -- \
	    bc retention purge --key "$CK" --actor Records
	expect_grep "$G: .*not destroyed" "$ERR" "  says G's media was not destroyed"
	for x in "$A" "$D" "$F"; do
		expect_grep "^$x +purged +media destroyed" "$OUT" \
		    "  $x purged, media destroyed"
	done
	check "  A's file is gone" -- test ! -e "$M/a.jpg"
	check "  G's file is still there" -- test -f "$RO/g.jpg"
	check "  B's file (held) is still there" -- test -f "$M/b.jpg"
	expect_exit 0 "custody log --json of G" -- bc custody log "$G" --json
	json_check "$OUT" "[e['event']['action'] for e in d['events']][-2:] == ['purge', 'note'] and d['events'][-1]['event']['details']['media'] == 'kept' and 'retention policy 3' in d['events'][-2]['event']['details']['reason']" \
	    "  G: the purge (its reason names policy 3), a note 'kept'"
	expect_exit 1 "audit --files: exit 1" -- bc audit --files
	expect_grep "^FAILED +$G +seq - +purged-but-present" "$OUT" \
	    "  G purged-but-present"
	expect_exit 0 "due --all: G unfinished" -- due_all
	expect_eq "$(state "$G")" unfinished "  G: purged, media not yet gone"
	unlock_dir "$RO"
	expect_exit 0 "purge again once G can be deleted: exit 0" -- \
	    bc retention purge --key "$CK" --actor Records
	expect_grep "^$G +finished +media destroyed" "$OUT" \
	    "  G finished: media destroyed"
	check "  G's file is gone" -- test ! -e "$RO/g.jpg"
else
	echo "# skip: an undeletable directory (chattr does not work here)"
	expect_exit 0 "purge: exit 0" -- bc retention purge --key "$CK" \
	    --actor Records
fi
expect_exit 0 "audit --files after the purges: exit 0" -- bc audit --files
expect_exit 0 "purge a third time: nothing to do" -- bc retention purge \
    --key "$CK" --actor Records
expect_grep "^0 items purged or finished, 0 failed" "$OUT" "  0 items"
expect_eq "$(nevents "$A")" 3 "  A: register, purge, note; nothing more"
expect_exit 0 "verify A: exit 0" -- bc verify "$A"
check "B (held) is not purged" -- test "$(nevents "$B")" = 2
expect_exit 2 "a purge of held B by hand is refused too" -- \
    bc custody add "$B" purge --key "$CK" --actor Records --reason x

# ------------------------------- the insider: derived rows are not trusted

insider_begin retention-insider
cp "$CAT" "$W/saved-status.db"
BH=$(q "$CAT" "SELECT manifest_hash FROM items WHERE id = '$B'")
q "$CAT" "DROP TRIGGER status_forward; UPDATE status SET held = 0,
    seq = seq + 100 WHERE item = '$BH'"
expect_exit 0 "B's status edited to 'not held': due lists it" -- due_all
expect_eq "$(state "$B")" due "  the listing (derived rows) says due"
expect_exit 1 "purge refuses B (its record does not verify): exit 1" -- \
    bc retention purge --key "$CK" --actor Records
expect_grep "$B: its record does not verify \(status\)" "$ERR" \
    "  says B's record does not verify (status)"
check "  B's file is still there" -- test -f "$M/b.jpg"
expect_eq "$(nevents "$B")" 2 "  nothing recorded on B"
expect_exit 1 "audit: exit 1" -- bc audit
expect_grep "^FAILED +$B .*status +the stored status's hold, purge or media differs from the record's \(stored not held, not purged, patrol; the record's held, not purged, patrol\)" \
    "$OUT" "  audit: status of B"
q "$CAT" "UPDATE status SET held = 1 WHERE item = '$BH'"
expect_exit 0 "status restored: audit exit 0" -- bc audit

# a status row that moves C (homicide, indefinite) into patrol
CH=$(q "$CAT" "SELECT manifest_hash FROM items WHERE id = '$C'")
q "$CAT" "UPDATE status SET category = 'patrol', seq = seq + 200 WHERE
    item = '$CH'"
expect_exit 0 "C's status forged into patrol: due lists it" -- due_all
expect_eq "$(state "$C")" due "  the listing says due"
expect_exit 1 "purge refuses C (its record does not verify): exit 1" -- \
    bc retention purge --key "$CK" --actor Records
expect_grep "$C: its record does not verify \(status\)" "$ERR" \
    "  says C's record does not verify (status)"
check "  C's file is still there" -- test -f "$M/c.jpg"
expect_exit 1 "audit: exit 1 (status)" -- bc audit
expect_grep "^FAILED +$C .* status +the stored status's case or category differs" \
    "$OUT" "  audit: C's status, its category"
q "$CAT" "UPDATE status SET category = 'homicide', seq = seq + 1 WHERE
    item = '$CH'"
expect_exit 0 "status restored: audit exit 0" -- bc audit

# a status row deleted: the item is off the list (never purged), and
# audit says so
q "$CAT" "DROP TRIGGER status_no_delete; DELETE FROM status WHERE
    item = '$CH'"
expect_exit 0 "C's status deleted: due still answers" -- due_all
json_check "$W/due.json" "'$C' not in [i['id'] for i in d['due']]" \
    "  C is not listed"
expect_exit 1 "audit: exit 1 (no status)" -- bc audit
expect_grep "^FAILED +$C .* status +no status is stored" "$OUT" \
    "  audit: no status stored for C"
cp "$W/saved-status.db" "$CAT"
expect_exit 0 "restored: audit exit 0" -- bc audit

# a policy with a forged signature
cp "$CAT" "$W/saved.db"
q "$CAT" "INSERT INTO policies (seq, hash, body, signature, key, leaf)
    SELECT 4, hash, body, signature, key, leaf + 1000 FROM policies
    WHERE seq = 3" 2>/dev/null
q "$CAT" "DROP TRIGGER policies_no_replace; INSERT INTO policies (seq,
    hash, body, signature, key, leaf) SELECT 4, lower(hex(randomblob(32))),
    replace(body, '\"seq\":3', '\"seq\":4'), signature, key, 9999 FROM
    policies WHERE seq = 3"
expect_exit 1 "due with a forged policy 4: exit 1" -- bc retention due
expect_grep "retention policy 4" "$ERR" "  names policy 4"
expect_exit 1 "purge with a forged policy 4: exit 1" -- \
    bc retention purge --key "$CK" --actor Records
expect_exit 1 "audit: exit 1" -- bc audit
expect_grep "^FAILED +policies +seq 4 +policy " "$OUT" "  audit: the policy check"
cp "$W/saved.db" "$CAT"

# the newest policy deleted: an older, shorter schedule would be in force
q "$CAT" "DROP TRIGGER policies_no_delete; DELETE FROM policies WHERE seq = 3"
expect_exit 1 "purge with policy 3 deleted: exit 1" -- \
    bc retention purge --key "$CK" --actor Records
expect_grep "a record was deleted" "$ERR" "  says a record was deleted"
expect_exit 1 "audit: exit 1" -- bc audit
expect_grep "log-record +leaf [0-9]+: no record holds it" "$OUT" \
    "  audit: the log has a leaf no record holds"
cp "$W/saved.db" "$CAT"
expect_exit 0 "restored: audit exit 0" -- bc audit
insider_end

# ------------------------------------------------ SIGKILL, then the rerun

CAT=$(new_cat kill)
expect_exit 0 "kill: init" -- bc init --admin-key "$K/admin.pub"
add_keys cust:custodian
mkdir -p "$M/k"
i=0
while [ $i -lt 24 ]; do
	head -c 200000 /dev/urandom > "$M/k/f$i.bin"
	bc register "$M/k/f$i.bin" --key "$AK" --category scratch \
	    > /dev/null 2>&1
	i=$((i + 1))
done
expect_eq "$(q "$CAT" "SELECT count(*) FROM items")" 24 "kill: 24 items"
expect_exit 0 "kill: policy scratch=0 days" -- pset --period scratch=0 \
    --key "$AK"
killed=0
if command -v setsid > /dev/null 2>&1; then
	round=0
	while [ $round -lt 5 ] && [ $killed -eq 0 ]; do
		round=$((round + 1))
		rm -f "$W/fifo"
		mkfifo "$W/fifo"
		setsid "$BODYCAM" --catalog "$CAT" retention purge --key "$CK" \
		    --actor Records > "$W/fifo" 2> "$W/kill.err" &
		pid=$!
		# the first item done: kill it in the middle of the rest
		head -n 1 "$W/fifo" > /dev/null
		kill -9 "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		n=$(q "$CAT" "SELECT count(*) FROM status WHERE purged = 1")
		[ "$n" -gt 0 ] && [ "$n" -lt 24 ] && killed=1
	done
fi
if [ $killed -eq 1 ]; then
	pass "kill: purge killed with SIGKILL after $n of 24 items"
	expect_exit 0 "kill: audit after the kill: exit 0" -- bc audit
	expect_exit 0 "kill: the rerun: exit 0" -- bc retention purge \
	    --key "$CK" --actor Records
	# The file is deleted after the purge event is durable and before
	# the note that says so: an item the kill caught between the two is
	# found absent by the rerun, which cannot know who deleted it (and
	# must not claim to have); purge goes one item at a time, so at most
	# one item is.
	expect_eq "$(q "$CAT" "SELECT count(*) FROM status WHERE purged = 1 AND
	    media IN ('destroyed', 'absent')")" 24 \
	    "kill: every item purged, its media destroyed (or found absent)"
	check "  found absent: at most the one item the kill cut short" -- \
	    test "$(q "$CAT" "SELECT count(*) FROM status WHERE
	    media = 'absent'")" -le 1
	expect_eq "$(find "$M/k" -type f | wc -l | tr -d ' ')" 0 \
	    "kill: every file is gone"
	expect_eq "$(q "$CAT" "SELECT count(*) FROM events WHERE
	    json_extract(body, '$.action') = 'purge'")" 24 \
	    "kill: one purge event an item, none twice"
	expect_exit 0 "kill: audit --files: exit 0" -- bc audit --files
else
	echo "# skip: a SIGKILL in the middle of a purge (setsid missing, or" \
	    "the run ended before the kill five times)"
fi

# ------------------------- a catalog the previous release made, upgraded

cp "$DATA/catalogs/v6.db" "$W/v6.db"
chmod 644 "$W/v6.db"
expect_eq "$(q "$W/v6.db" "PRAGMA user_version")" 6 \
    "the v6 fixture (the previous release) is schema 6"
expect_exit 0 "upgrade the v6 catalog: exit 0" -- \
    "$BODYCAM" --catalog "$W/v6.db" upgrade
expect_eq "$(q "$W/v6.db" "PRAGMA user_version")" 8 "  schema 8"
expect_eq "$(q "$W/v6.db" "SELECT id || ':' || held || purged || media
    FROM status ORDER BY num" | tr '\n' ' ')" \
    "BWC-000001:10 BWC-000002:00 BWC-000003:01destroyed BWC-000004:00 " \
    "  status backfilled: 1 held, 2 held then unheld, 3 purged (destroyed), 4"
expect_eq "$(q "$W/v6.db" "SELECT id || ':' || coalesce(category, '-') || ':'
    || coalesce(case_no, '-') || ':' || start_from || ':' || start FROM status
    ORDER BY num" | tr '\n' ' ')" \
    "BWC-000001:patrol:2026-0042:capture:2016-09-28T18:18:05 BWC-000002:patrol:2026-0042:capture:2003-12-04T06:46:52 BWC-000003:patrol:-:capture:2002-07-13T15:58:28 BWC-000004:-:-:capture:2017-10-03T10:58:29 " \
    "  and the current category and case (2 annotated), the start"
sqlite_only "the same status table as a new catalog's" &&
    expect_eq "$(q "$W/v6.db" ".schema status")" \
    "$(q "$CAT" ".schema status")" \
    "  the same status table as a new catalog's"
expect_exit 0 "  and audits clean" -- "$BODYCAM" --catalog "$W/v6.db" audit
expect_exit 2 "  with no policy, nothing is due" -- \
    "$BODYCAM" --catalog "$W/v6.db" retention due

finish
