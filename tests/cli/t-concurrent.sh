#!/bin/sh
# t-concurrent.sh - custody events under concurrency and crashes: many
# processes appending to one item's chain at once (no lost event, no fork),
# writers killed with SIGKILL mid-burst (the catalog stays consistent and
# audits clean), audits running while others write, and a key revoked while
# its holder is writing.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "concurrency tests" sqlite3

# a burst's process group still running when the script ends is killed
BURST=""
trap '[ -n "$BURST" ] && kill -9 "-$BURST" 2>/dev/null; rm -rf "$TMP"' EXIT

# item_hash ID: an item's manifest hash (what its events name)
item_hash() {
	q "$CAT" "SELECT manifest_hash FROM items WHERE id = '$1'"
}

# chain_ok ITEMHASH: the item's event rows have seq 0..n-1 with no gap and
# no duplicate, each prev (in the body) is the hash of the row before, and
# no two events share a prev (no fork); prints "ok" or what is wrong
chain_ok() {
	q "$CAT" "
WITH e AS (SELECT seq, hash, json_extract(body, '\$.prev') AS prev
           FROM events WHERE item = '$1')
SELECT CASE
  WHEN (SELECT count(*) FROM e) != (SELECT max(seq) + 1 FROM e)
    THEN 'seq gap: ' || (SELECT count(*) FROM e) || ' rows, max seq ' ||
         (SELECT max(seq) FROM e)
  WHEN (SELECT count(DISTINCT prev) FROM e) != (SELECT count(*) FROM e)
    THEN 'fork: two events share a prev'
  WHEN EXISTS (SELECT 1 FROM e AS a JOIN e AS b ON b.seq = a.seq + 1
               WHERE b.prev != a.hash)
    THEN 'prev mismatch'
  WHEN (SELECT prev FROM e WHERE seq = 0) != '$1'
    THEN 'seq 0 does not follow the manifest'
  ELSE 'ok' END"
}

# rand_ms LOW HIGH: a random number of milliseconds in [LOW, HIGH)
rand_ms() {
	_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + _r % ($2 - $1)))
}

# sleep_ms N
sleep_ms() {
	sleep "$(awk -v n="$1" 'BEGIN { printf "%.3f", n / 1000 }')"
}

# clean_errors DESC FILE...: every non-empty stderr file holds only
# "bodycam: ..." lines, and no sanitizer or crash report
clean_errors() {
	_d=$1
	shift
	_bad=""
	for _f; do
		[ -s "$_f" ] || continue
		if sanitizer_report "$_f" || grep -v -q '^bodycam: ' "$_f"; then
			_bad="$_bad $_f"
		fi
	done
	if [ -z "$_bad" ]; then
		pass "$_d"
	else
		fail "$_d" "unexpected output in:$_bad"
		for _f in $_bad; do show_file "$(basename "$_f")" "$_f"; done
	fi
}

keygen_all admin dock cust cust2
bc init --admin-key "$K/admin.pub" > /dev/null &&
bc key add "$K/dock.pub" --name dock --role ingest --key "$K/admin.key" \
    > /dev/null &&
bc key add "$K/cust.pub" --name cust --role custodian --key "$K/admin.key" \
    > /dev/null &&
bc key add "$K/cust2.pub" --name cust2 --role custodian --key "$K/admin.key" \
    > /dev/null
check "setup: a catalog with ingest and custodian keys" -- test $? -eq 0
for f in one two three four five; do
	printf 'concurrent footage %s\n' "$f" > "$M/$f.mp4"
done
expect_exit 0 "setup: register five files" -- \
    bc register "$M/one.mp4" "$M/two.mp4" "$M/three.mp4" "$M/four.mp4" \
    "$M/five.mp4" --key "$K/dock.key"
I1=$(awk '/one\.mp4/ { print $1 }' "$OUT")
I2=$(awk '/two\.mp4/ { print $1 }' "$OUT")
I3=$(awk '/three\.mp4/ { print $1 }' "$OUT")
I4=$(awk '/four\.mp4/ { print $1 }' "$OUT")
I5=$(awk '/five\.mp4/ { print $1 }' "$OUT")
check "setup: five ids" -- test -n "$I1" -a -n "$I4" -a -n "$I5"
H1=$(item_hash "$I1")
expect_exit 0 "setup: one custody add works" -- \
    bc custody add "$I2" access --key "$K/cust.key" --actor setup

# ---------------------------------- (a) 8 writers x 10 events, one item

P=8
N=10
p=1
while [ $p -le $P ]; do
	(
		i=1
		while [ $i -le $N ]; do
			"$BODYCAM" --catalog "$CAT" custody add "$I1" access \
			    --key "$K/cust.key" --actor "writer-$p" \
			    --note "writer $p event $i" \
			    >> "$W/a$p.out" 2>> "$W/a$p.err"
			echo $? >> "$W/a$p.rc"
			i=$((i + 1))
		done
	) &
	eval "apid$p=\$!"
	p=$((p + 1))
done
p=1
while [ $p -le $P ]; do
	eval "wait \$apid$p"
	p=$((p + 1))
done
cat "$W"/a*.rc > "$W/a.rc"
NOK=$(grep -c '^0$' "$W/a.rc")
expect_eq "$(wc -l < "$W/a.rc" | tr -d ' ')" $((P * N)) \
    "(a) $P writers ran $((P * N)) custody adds"
expect_eq "$NOK" $((P * N)) "(a) all $((P * N)) concurrent custody adds exit 0"
expect_nogrep '^(1|[4-9]|[0-9][0-9]+)$' "$W/a.rc" \
    "(a) a refused add exits 2 or 3, never 1 or a signal"
clean_errors "(a) stderr holds only clean 'bodycam:' errors" "$W"/a*.err
cat "$W"/a*.out > "$W/a.out"
expect_eq "$(grep -c -E "^$I1 +seq [0-9]+ +access +[0-9a-f]{64}\$" "$W/a.out")" \
    "$NOK" "(a) each successful add printed 'ID  seq N  access  HASH'"
expect_eq "$(awk '{ print $3 }' "$W/a.out" | sort -n | tr '\n' ' ')" \
    "$(seq 1 "$NOK" | tr '\n' ' ')" \
    "(a) the printed seqs are exactly 1..$NOK, each once"
expect_eq "$(q "$CAT" "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM events WHERE item = '$H1'")" \
    "$((NOK + 1)) 0 $NOK" "(a) $I1 has $((NOK + 1)) events, seq 0..$NOK"
expect_eq "$(chain_ok "$H1")" ok "(a) $I1's chain has no gap, no fork"
awk '{ print $5 }' "$W/a.out" | sort > "$W/a.printed"
q "$CAT" "SELECT hash FROM events WHERE item = '$H1' AND seq > 0 ORDER BY hash" \
    > "$W/a.stored"
check "(a) the stored hashes are the printed ones" -- \
    cmp -s "$W/a.printed" "$W/a.stored"
expect_exit 0 "(a) audit exits 0" -- bc audit
expect_exit 0 "(a) verify $I1 exits 0" -- bc verify "$I1"

# ------------------------------- (b) write bursts killed with SIGKILL

if command -v setsid >/dev/null 2>&1; then
	# burst.sh DIR BODYCAM CAT KEY ITEM...: two writers, custody add in a
	# loop while DIR exists (at most 500 rounds each: never an orphan
	# spinning forever, whatever happens to this script)
	cat > "$W/burst.sh" <<'EOF'
d=$1 b=$2 c=$3 k=$4
shift 4
for w in 1 2; do
	(
		n=0
		while [ -d "$d" ] && [ $n -lt 500 ]; do
			for it; do
				"$b" --catalog "$c" custody add "$it" note \
				    --key "$k" --actor "burst-$w" \
				    --note "burst $w" > /dev/null 2>&1
			done
			n=$((n + 1))
		done
	) &
done
wait
EOF
	round=1
	while [ $round -le 5 ]; do
		before=$(q "$CAT" "SELECT count(*) FROM events")
		# its own session and process group, so that kill -9 reaches
		# the writers and whichever bodycam is running (dash's kill
		# takes no "--": the group is "-PGID" right after the signal)
		setsid sh "$W/burst.sh" "$W" "$BODYCAM" "$CAT" "$K/cust.key" \
		    "$I2" "$I3" "$I4" < /dev/null &
		BURST=$!
		sleep_ms "$(rand_ms 150 900)"
		kill -9 "-$BURST" 2>/dev/null
		n=0
		while kill -0 "-$BURST" 2>/dev/null && [ $n -lt 50 ]; do
			sleep_ms 100
			n=$((n + 1))
		done
		if kill -0 "-$BURST" 2>/dev/null; then
			fail "(b) round $round: the writers died of kill -9"
			break
		fi
		wait "$BURST" 2>/dev/null
		BURST=""
		after=$(q "$CAT" "SELECT count(*) FROM events")
		echo "# round $round: $((after - before)) events written before the kill"
		expect_exit 0 "(b) round $round: audit after kill -9 exits 0" -- \
		    bc audit
		sqlite_only "(b) round $round: PRAGMA integrity_check" &&
		    expect_eq "$(sqlite3 "$CAT" 'PRAGMA integrity_check')" ok \
		    "(b) round $round: PRAGMA integrity_check is ok"
		for it in "$I2" "$I3" "$I4"; do
			expect_eq "$(chain_ok "$(item_hash "$it")")" ok \
			    "(b) round $round: $it's chain has no gap, no fork"
		done
		expect_exit 0 "(b) round $round: a custody add afterwards exits 0" -- \
		    bc custody add "$I2" access --key "$K/cust.key" --actor after
		round=$((round + 1))
	done
	expect_exit 0 "(b) verify the burst items" -- bc verify "$I2" "$I3" "$I4"
else
	echo "# skip: kill -9 bursts (no setsid)"
fi

# ---------------------------------- (c) audits while others are writing

STOP=$W/stop
rm -f "$STOP"
(
	i=0
	while [ -d "$W" ] && [ ! -e "$STOP" ] && [ $i -lt 1000 ]; do
		i=$((i + 1))
		"$BODYCAM" --catalog "$CAT" custody add "$I3" access \
		    --key "$K/cust.key" --actor reader-race > /dev/null \
		    2>> "$W/c.err"
		echo $? >> "$W/c.rc"
	done
) &
cw1=$!
(
	i=0
	while [ -d "$W" ] && [ ! -e "$STOP" ] && [ $i -lt 40 ]; do
		printf 'registered during audits %s\n' "$i" > "$W/c$i.bin"
		"$BODYCAM" --catalog "$CAT" register "$W/c$i.bin" \
		    --key "$K/dock.key" > /dev/null 2>> "$W/c.err"
		echo $? >> "$W/c.rc"
		i=$((i + 1))
	done
) &
cw2=$!
i=1
while [ $i -le 6 ]; do
	expect_exit 0 "(c) audit $i during writes exits 0" -- bc audit
	[ "$LAST_RC" -ne 0 ] && grep '^FAILED' "$OUT" | head -n 5 | sed 's/^/#   /'
	expect_exit 0 "(c) audit --threads 4 ($i) during writes exits 0" -- \
	    bc audit --threads 4
	i=$((i + 1))
done
touch "$STOP"
wait $cw1
wait $cw2
expect_nogrep '^[1-9]' "$W/c.rc" "(c) every write during the audits exited 0"
clean_errors "(c) the writers printed no error" "$W/c.err"
expect_exit 0 "(c) audit after the writes exits 0" -- bc audit

# -------------------------------- (d) a key revoked while it is writing

CUST2=$(bc --json key list | "$PYTHON" -c '
import json, sys
print([e["key_id"] for e in json.load(sys.stdin) if e["name"] == "cust2"][0])
' 2>/dev/null)
if [ -n "$CUST2" ]; then
	p=1
	while [ $p -le 4 ]; do
		(
			i=1
			while [ $i -le 15 ]; do
				"$BODYCAM" --catalog "$CAT" custody add "$I5" \
				    access --key "$K/cust2.key" \
				    --actor "revoked-$p" > /dev/null \
				    2>> "$W/d$p.err"
				echo $? >> "$W/d.rc"
				i=$((i + 1))
			done
		) &
		eval "dpid$p=\$!"
		p=$((p + 1))
	done
	# revoke once 10 to 20 adds are done, so that it lands mid-burst
	want=$(rand_ms 10 20)
	n=0
	while [ "$(cat "$W/d.rc" 2>/dev/null | wc -l)" -lt "$want" ] &&
	    [ $n -lt 200 ]; do
		sleep_ms 20
		n=$((n + 1))
	done
	expect_exit 0 "(d) key revoke cust2 while it writes: exit 0" -- \
	    bc key revoke "$CUST2" --reason "revoked mid-burst" \
	    --key "$K/admin.key"
	p=1
	while [ $p -le 4 ]; do
		eval "wait \$dpid$p"
		p=$((p + 1))
	done
	echo "# (d) $(grep -c '^0$' "$W/d.rc") adds before the revocation, $(grep -c -v '^0$' "$W/d.rc") refused"
	expect_nogrep '^(1|[3-9]|[0-9][0-9]+)$' "$W/d.rc" \
	    "(d) each add by cust2 either succeeded or was refused (exit 2)"
	clean_errors "(d) refusals are clean 'bodycam:' errors" "$W"/d*.err
	expect_exit 0 "(d) audit after the revocation race exits 0" -- bc audit
	[ "$LAST_RC" -ne 0 ] && grep '^FAILED' "$OUT" | head -n 5 | sed 's/^/#   /'
	expect_eq "$(chain_ok "$(item_hash "$I5")")" ok \
	    "(d) $I5's chain has no gap, no fork"
	expect_exit 0 "(d) verify $I5 exits 0" -- bc verify "$I5"
else
	echo "# skip: revocation race (no key id for cust2)"
fi

sqlite_only "PRAGMA integrity_check at the end" &&
    expect_eq "$(sqlite3 "$CAT" 'PRAGMA integrity_check')" ok \
    "PRAGMA integrity_check is ok at the end"
expect_exit 0 "audit --json at the end: exit 0" -- bc --json audit
json_check "$OUT" "d['ok'] is True and d['failures'] == [] and d['items'] >= 5" \
    "audit --json at the end: ok, no failures"

finish
