#!/bin/sh
# t-pg.sh - the catalog on PostgreSQL, what only PostgreSQL has: a server
# of Debian's package started here (tests/pg/pg.sh: initdb in $TMP as an
# unprivileged user, a Unix socket only), the role set-up of
# dist/postgresql-roles.sql (the service role cannot UPDATE, DELETE,
# TRUNCATE or drop a trigger; the reader role only reads), the
# append-only triggers against the owner, an insider who disables them
# (audit and verify name what changed), writers on one catalog at once
# (one chain, one log, no fork), connection errors (no password printed)
# and a database that holds no catalog.  The other suites run on
# PostgreSQL as well under 'make test-pg'.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "PostgreSQL tests" psql

PGDIR=$TMP/pg
# the server's user must pass through $TMP to reach its folder
chmod 0711 "$TMP"
if ! sh "$REPO/tests/pg/pg.sh" start "$PGDIR" > "$TMP/pg.out" 2>&1; then
	if grep -q "no PostgreSQL server" "$TMP/pg.out"; then
		echo "# skip: PostgreSQL tests (no server installed: make deps)"
		finish
	fi
	fail "a PostgreSQL server starts" "$(cat "$TMP/pg.out")"
	finish
fi
SOCK=$PGDIR/sock
trap 'sh "$REPO/tests/pg/pg.sh" stop "$PGDIR" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
pass "a PostgreSQL server starts in a temporary folder"

# su SQL: as the server's superuser
su_sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$SOCK" -U postgres -d postgres \
	    -c "$1"
}

uri() {
	echo "postgresql:///$1?host=$SOCK&user=$2"
}

expect_exit 0 "setup: roles owner, service, reader" -- \
    su_sql "CREATE ROLE bc_owner LOGIN; CREATE ROLE bc_service LOGIN;
CREATE ROLE bc_reader LOGIN"
expect_exit 0 "setup: the database, the owner's" -- \
    su_sql "CREATE DATABASE evidence OWNER bc_owner"
OWNER=$(uri evidence bc_owner)
SVC=$(uri evidence bc_service)
READER=$(uri evidence bc_reader)

keygen_all admin dock cust aud ||
	fail "setup: keygen"

# ----------------------------------------------------------- init, roles

CAT=$OWNER
expect_exit 0 "init as the owner" -- bc init --admin-key "$K/admin.pub" \
    --origin pg.test/bodycam/evidence
expect_grep "^created catalog postgresql:" "$OUT" "  it names the catalog"
expect_exit 2 "init again: refused" -- bc init --admin-key "$K/admin.pub"
expect_grep "already exists" "$ERR" "  it says a catalog exists"
expect_exit 0 "the role set-up of dist/postgresql-roles.sql" -- \
    psql -X -q -v ON_ERROR_STOP=1 -v service=bc_service -v reader=bc_reader \
    -d "$OWNER" -f "$REPO/dist/postgresql-roles.sql"

CAT=$SVC
add_keys dock:ingest cust:custodian aud:auditor
cp "$DATA/stills/Canon.jpg" "$M/a.jpg"
cp "$DATA/stills/Apple.jpg" "$M/b.jpg"
expect_exit 0 "service role: register" -- \
    bc register "$M/a.jpg" "$M/b.jpg" --key "$K/dock.key" --officer "Ann Lee"
expect_exit 0 "service role: custody access" -- \
    bc custody add BWC-000001 access --key "$K/cust.key" --actor ann \
    --reason review
expect_exit 0 "service role: a hold" -- \
    bc custody add BWC-000002 hold --key "$K/cust.key" --actor ann \
    --reason "case 7"
expect_exit 0 "service role: annotate (the derived view is updated)" -- \
    bc annotate BWC-000001 --key "$K/cust.key" --actor ann --case 2026-7 \
    --reason "case assigned"
expect_exit 0 "service role: token create" -- \
    bc -q token create --name t1 --role auditor --key "$K/admin.key"
expect_exit 0 "service role: token revoke (its one UPDATE)" -- \
    bc token revoke t1 --key "$K/admin.key"
expect_exit 0 "service role: checkpoint" -- bc checkpoint --key "$K/aud.key" \
    --out "$W/cp1"
expect_exit 0 "service role: audit" -- bc audit
expect_exit 0 "service role: verify" -- bc verify BWC-000001
expect_exit 0 "list --case finds the annotated item" -- bc list --case 2026-7
expect_grep "BWC-000001" "$OUT" "  BWC-000001"
expect_nogrep "BWC-000002" "$OUT" "  not BWC-000002"
expect_exit 0 "list --officer compares without case" -- \
    bc list --officer "ann LEE"
expect_grep "BWC-000002" "$OUT" "  both items"

psql_as() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
for sql in "UPDATE items SET path = '/x'" "DELETE FROM events" \
    "TRUNCATE nodes" "UPDATE checkpoints SET note = ''" \
    "DROP TRIGGER events_no_change ON events" \
    "ALTER TABLE events DISABLE TRIGGER USER" \
    "UPDATE tokens SET name = 'x'" "DROP TABLE meta"; do
	expect_exit 1,3 "service role may not: $sql" -- psql_as "$SVC" "$sql"
	expect_grep "permission denied|must be owner" "$ERR" \
	    "  the server refuses it (not a trigger)"
done

CAT=$READER
expect_exit 0 "reader role: list" -- bc list
expect_exit 0 "reader role: verify" -- bc verify BWC-000001
expect_exit 0 "reader role: audit" -- bc audit
expect_exit 3 "reader role: custody add is refused" -- \
    bc custody add BWC-000001 access --key "$K/cust.key" --actor x \
    --reason y
expect_grep "may not|permission denied" "$ERR" "  it says the role may not"
expect_exit 1,3 "reader role may not INSERT" -- \
    psql_as "$READER" "INSERT INTO meta VALUES ('x', 'y')"

# ------------------------------------------------ the owner and triggers

for sql in "UPDATE items SET path = '/x'" "DELETE FROM events" \
    "TRUNCATE nodes" "UPDATE checkpoints SET note = ''" \
    "DELETE FROM views" "UPDATE status SET seq = 0" \
    "UPDATE tokens SET name = 'x'"; do
	expect_exit 1,3 "owner: a trigger refuses $sql" -- \
	    psql_as "$OWNER" "$sql"
	expect_grep "bodycam: " "$ERR" "  with bodycam's message"
done

# An insider with the owner's rights disables the triggers and edits.
CAT=$OWNER
expect_exit 0 "insider: disable the triggers, edit an event's body" -- \
    psql_as "$OWNER" "ALTER TABLE events DISABLE TRIGGER USER;
UPDATE events SET body = replace(body, 'review', 'revieW') WHERE seq = 1
  AND item = (SELECT manifest_hash FROM items WHERE id = 'BWC-000001');
ALTER TABLE events ENABLE TRIGGER USER"
expect_exit 1 "  verify fails" -- bc verify BWC-000001
expect_grep "FAILED +event-hash" "$OUT" "  it names the event hash"
expect_exit 1 "  audit fails" -- bc audit
expect_grep "BWC-000001" "$OUT" "  it names the item"
expect_exit 0 "insider: the body put back" -- \
    psql_as "$OWNER" "ALTER TABLE events DISABLE TRIGGER USER;
UPDATE events SET body = replace(body, 'revieW', 'review') WHERE seq = 1
  AND item = (SELECT manifest_hash FROM items WHERE id = 'BWC-000001');
ALTER TABLE events ENABLE TRIGGER USER"
expect_exit 0 "  audit is clean again" -- bc audit

expect_exit 0 "insider: a log node's hash changed" -- \
    psql_as "$OWNER" "ALTER TABLE nodes DISABLE TRIGGER USER;
UPDATE nodes SET hash = sha256(hash) WHERE level = 0 AND idx = 2;
ALTER TABLE nodes ENABLE TRIGGER USER"
expect_exit 1 "  audit fails" -- bc audit
expect_grep "leaf 2|log" "$OUT" "  it names the log"
expect_exit 1 "  audit --against the old checkpoint fails" -- \
    bc audit --against "$W/cp1"

expect_exit 0 "insider: an event deleted (the last of its chain)" -- \
    psql_as "$OWNER" "ALTER TABLE events DISABLE TRIGGER USER;
DELETE FROM events WHERE seq = (SELECT max(seq) FROM events e2
  WHERE e2.item = events.item) AND item = (SELECT manifest_hash FROM items
  WHERE id = 'BWC-000002');
ALTER TABLE events ENABLE TRIGGER USER"
expect_exit 1 "  audit fails" -- bc audit
expect_grep "BWC-000002" "$OUT" "  it names the item"

# ------------------------------------------------- many writers at once

CAT=$(uri conc bc_owner)
expect_exit 0 "setup: a second database, SQL_ASCII as DEPLOY.md advises" -- \
    su_sql "CREATE DATABASE conc OWNER bc_owner ENCODING 'SQL_ASCII'
    LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys dock:ingest cust:custodian
expect_exit 0 "setup: register" -- bc register "$M/a.jpg" --key "$K/dock.key"
i=0
: > "$TMP/pids"
while [ $i -lt 6 ]; do
	(
		j=0
		while [ $j -lt 10 ]; do
			bc custody add BWC-000001 note --key "$K/cust.key" \
			    --actor "w$i" --note "$j" >/dev/null 2>"$TMP/w$i.err" ||
			    echo "writer $i: $(cat "$TMP/w$i.err")" >> "$TMP/werr"
			j=$((j + 1))
		done
	) &
	echo $! >> "$TMP/pids"
	i=$((i + 1))
done
# shellcheck disable=SC2046
wait $(cat "$TMP/pids")
check "6 writers x 10 events on one chain: none failed" -- \
    test ! -s "$TMP/werr"
expect_eq "$(nevents BWC-000001)" 61 "  the chain holds 61 events"
expect_exit 0 "  audit is clean (one chain, one log)" -- bc audit
expect_eq "$(q "$CAT" "SELECT count(*) FROM nodes WHERE level = 0")" \
    "$(q "$CAT" "SELECT (SELECT count(*) FROM items) +
      (SELECT count(*) FROM events) + (SELECT count(*) FROM keydocs)")" \
    "  one leaf a record, no gap"

# a file name that is not UTF-8 (Latin-1 e-acute): SQL_ASCII keeps its
# bytes, as SQLite does; a UTF8 database refuses it, and writes nothing
cp "$DATA/stills/Apple.jpg" "$M/caf$(printf '\351').jpg"
expect_exit 0 "SQL_ASCII: a Latin-1 file name is registered" -- \
    bc register "$M/caf$(printf '\351').jpg" --key "$K/dock.key"
expect_exit 0 "  and verifies (its path read back byte for byte)" -- \
    bc verify BWC-000002
CAT=$OWNER
N0=$(q "$CAT" "SELECT count(*) FROM items")
cp "$DATA/stills/GPS.jpg" "$M/gps$(printf '\351').jpg"
expect_exit 3 "UTF8 database: a Latin-1 file name is refused" -- \
    bc register "$M/gps$(printf '\351').jpg" --key "$K/dock.key"
expect_grep "invalid byte sequence" "$ERR" "  the server says why"
expect_eq "$(q "$CAT" "SELECT count(*) FROM items")" "$N0" \
    "  and nothing was written"

# ------------------------------------------------------------- errors

CAT="postgresql://bc_owner:s3cr3tpw@/evidence?host=$TMP/nowhere"
expect_exit 3,4 "a server that is not there: refused" -- bc list
expect_grep "cannot connect" "$ERR" "  it says it cannot connect"
expect_nogrep "s3cr3tpw" "$ERR" "  the password is not printed"
expect_grep "\\*\\*\\*" "$ERR" "  it is shown as ***"

expect_exit 0 "setup: an empty database" -- \
    su_sql "CREATE DATABASE empty OWNER bc_owner"
CAT=$(uri empty bc_owner)
expect_exit 3 "a database without a catalog: refused" -- bc list
expect_grep "not a bodycam catalog" "$ERR" "  it says so"
expect_exit 0 "  and nothing was made in it" -- \
    test "$(q "$CAT" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0

# ------------------------------------- a connection the server cut
# 'bodycam serve' keeps one connection, the statements it runs prepared
# on it; when the server ends it (a restart, a fail-over) what was in
# flight fails, unacknowledged, and the next requests go through on a new
# connection where the statements are prepared again: a read that found
# the connection broken is read again, a transaction begun again, a write
# never run twice.
if command -v curl > /dev/null 2>&1; then
	expect_exit 0 "setup: a catalog of its own for the cut" -- \
	    su_sql "CREATE DATABASE cut OWNER bc_owner"
	CAT=$(uri cut bc_owner)
	expect_exit 0 "setup: init, an item" -- sh -c '
	    "$1" --catalog "$2" init --admin-key "$3/admin.pub" &&
	    "$1" --catalog "$2" key add "$3/cust.pub" --name cust \
	        --role custodian --key "$3/admin.key" &&
	    "$1" --catalog "$2" key add "$3/dock.pub" --name dock \
	        --role ingest --key "$3/admin.key" &&
	    "$1" --catalog "$2" key add "$3/aud.pub" --name aud \
	        --role auditor --key "$3/admin.key" &&
	    "$1" --catalog "$2" register "$4" --key "$3/dock.key"' sh \
	    "$BODYCAM" "$CAT" "$K" "$DATA/stills/GPS.jpg"
	TOK=$(bc -q token create --name pg-cut --role custodian \
	    --key "$K/admin.key" 2> /dev/null)
	"$BODYCAM" --catalog "$CAT" serve --listen 127.0.0.1:0 \
	    --log "$TMP/cut.log" --key "$K/cust.key" --key "$K/aud.key" \
	    --threads 2 --storage "$DATA/stills" \
	    < /dev/null > "$TMP/cut.out" 2> "$TMP/cut.err" &
	SPID=$!
	PORT=""
	i=0
	while [ -z "$PORT" ] && [ $i -lt 100 ] && kill -0 $SPID 2> /dev/null; do
		sleep 0.1
		PORT=$(sed -n 's/^[^ ]* - serving https\{0,1\} on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$TMP/cut.log")
		i=$((i + 1))
	done
	post_note() {
		curl -s -o "$TMP/cut.body" -w '%{http_code}' -X POST \
		    -H "Authorization: Bearer $TOK" \
		    -H "Content-Type: application/json" \
		    -d "{\"action\":\"note\",\"note\":\"$1\"}" \
		    "http://127.0.0.1:$PORT/v1/items/BWC-000001/events"
	}
	if [ -n "$PORT" ]; then
		pass "serve on PostgreSQL starts"
		NEV=$(q "$CAT" "SELECT count(*) FROM events")
		expect_eq "$(post_note before-1)" 201 "  a custody event: 201"
		expect_eq "$(post_note before-2)" 201 \
		    "  another (its statements prepared): 201"
		expect_exit 0 "setup: the server ends the service's connections" -- \
		    su_sql "SELECT count(pg_terminate_backend(pid)) FROM
pg_stat_activity WHERE datname = 'cut' AND pid <> pg_backend_pid()"
		ACKED=2
		st=$(post_note cut)
		case $st in
		201)	ACKED=$((ACKED + 1))
			pass "  the request after the cut: $st" ;;
		5*)	pass "  the request after the cut: $st (not acknowledged)" ;;
		*)	fail "  the request after the cut: 201 or 5xx" "$st" ;;
		esac
		expect_eq "$(post_note after-1)" 201 \
		    "  the next one goes through on new connections: 201"
		expect_eq "$(post_note after-2)" 201 "  and the one after: 201"
		ACKED=$((ACKED + 2))
		expect_eq "$(q "$CAT" "SELECT count(*) FROM events")" \
		    "$((NEV + ACKED))" "  every acknowledged event stored, no other"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM events WHERE
json_extract(body, '\$.details.note') IN ('before-1', 'before-2', 'after-1', 'after-2')")" 4 \
		    "  the acknowledged notes are there"
		# the write lock held elsewhere past lock_timeout (30 s): that
		# request fails as busy, and the writer's connection is left
		# usable (its failed BEGIN rolled back), not refusing all after
		NEV=$(q "$CAT" "SELECT count(*) FROM events")
		q "$CAT" "SELECT pg_advisory_lock(1111706929), pg_sleep(33)" \
		    > /dev/null 2>&1 &
		LPID=$!
		sleep 1
		st=$(post_note locked)
		case $st in
		201)	fail "  a write while the lock is held elsewhere past 30 s: refused" "$st" ;;
		*)	pass "  a write while the lock is held elsewhere past 30 s: $st" ;;
		esac
		wait $LPID
		expect_eq "$(post_note unlocked)" 201 \
		    "  once the lock is free, the next write: 201"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM events")" \
		    "$((NEV + 1))" "  only the acknowledged one stored"
		# custody events are written batched (writer.h): a hold
		# among notes writes a status row too, and its batch runs
		# again the ordinary way; a refused unhold writes nothing
		NEV=$(q "$CAT" "SELECT count(*) FROM events")
		post_event() {
			curl -s -o /dev/null -w '%{http_code}\n' -X POST \
			    -H "Authorization: Bearer $TOK" \
			    -H "Content-Type: application/json" -d "$1" \
			    "http://127.0.0.1:$PORT/v1/items/BWC-000001/events"
		}
		: > "$TMP/codes"
		cpids=""
		i=0
		while [ $i -lt 12 ]; do
			post_event "{\"action\":\"note\",\"note\":\"b$i\"}" \
			    >> "$TMP/codes" &
			cpids="$cpids $!"
			if [ $i = 5 ]; then
				post_event '{"action":"unhold","reason":"r"}' \
				    > "$TMP/unhold" &
				cpids="$cpids $!"
			fi
			i=$((i + 1))
		done
		# shellcheck disable=SC2086 # a pid a word
		wait $cpids
		post_event '{"action":"hold","reason":"a case"}' > "$TMP/hold" &
		cpids=$!
		post_event '{"action":"note","note":"with the hold"}' >> "$TMP/codes" &
		cpids="$cpids $!"
		post_event '{"action":"note","note":"with the hold 2"}' >> "$TMP/codes" &
		cpids="$cpids $!"
		# shellcheck disable=SC2086
		wait $cpids
		expect_eq "$(sort -u "$TMP/codes")" 201 \
		    "  14 notes sent at once, a hold among them: each 201"
		expect_eq "$(cat "$TMP/hold")" 201 "  the hold: 201"
		expect_eq "$(cut -c1 "$TMP/unhold")" 4 \
		    "  an unhold with no hold among them: refused (4xx)"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM events")" \
		    "$((NEV + 15))" "  the 15 acknowledged events stored, no other"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM status WHERE held = 1")" 1 \
		    "  the hold's status row written"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM (SELECT seq FROM events
WHERE item = (SELECT manifest_hash FROM items WHERE id = 'BWC-000001')
GROUP BY seq HAVING count(*) > 1) d")" 0 "  one chain: no seq twice"
		expect_exit 0 "  audit passes" -- bc audit
		# the writer keeps the items it found (bc_catalog_keep_items);
		# the service's verify must still read the row an insider
		# edited, and say so
		AUD=$(bc -q token create --name pg-aud --role auditor \
		    --key "$K/admin.key" 2> /dev/null)
		post_verify() {
			curl -s -o "$TMP/vfy.body" -w '%{http_code}' -X POST \
			    -H "Authorization: Bearer $AUD" \
			    -H "Content-Type: application/json" \
			    -d '{"no_file":true}' \
			    "http://127.0.0.1:$PORT/v1/items/BWC-000001/verify"
		}
		for i in 1 2 3; do
			post_verify > /dev/null
		done
		expect_grep '"ok":true' "$TMP/vfy.body" \
		    "  POST .../verify before any edit: passes"
		# manifest_sub FROM TO: the insider's edit of the stored row
		manifest_sub() {
			psql_as "$CAT" "ALTER TABLE items DISABLE TRIGGER USER;
UPDATE items SET manifest = replace(manifest, '$1', '$2')
  WHERE id = 'BWC-000001';
ALTER TABLE items ENABLE TRIGGER USER"
		}
		expect_exit 0 "insider: the item's stored manifest edited" -- \
		    manifest_sub '"size":' '"size": '
		st=$(post_verify)
		expect_eq "$st" 200 "  POST .../verify through the service: 200"
		expect_grep '"ok":false' "$TMP/vfy.body" \
		    "  and it fails: the edited row is read, not a kept copy"
		expect_exit 0 "insider: the manifest put back" -- \
		    manifest_sub '"size": ' '"size":'
		# an insider deletes the log's newest leaf (its record kept):
		# the lock's own read sees it, and nothing more is written
		last=$(q "$CAT" "SELECT max(idx) FROM nodes WHERE level = 0")
		NEV=$(q "$CAT" "SELECT count(*) FROM events")
		expect_exit 0 "insider: the log's newest leaf deleted" -- \
		    psql_as "$CAT" "ALTER TABLE nodes DISABLE TRIGGER USER;
DELETE FROM nodes WHERE ((idx + 1) << level) > $last;
ALTER TABLE nodes ENABLE TRIGGER USER"
		st=$(post_note lost)
		check "  a custody event through the service: refused ($st)" -- \
		    test "$st" != 201
		expect_grep "has lost leaf $last" "$TMP/cut.body" \
		    "  and the answer says why"
		kill -TERM $SPID
		wait $SPID
		expect_eq "$?" 0 "  serve stops on SIGTERM, exit 0"
		expect_exit 1 "  custody add: exit 1" -- bc custody add BWC-000001 \
		    note --key "$K/cust.key" --actor clerk --note lost
		expect_grep "has lost leaf $last" "$ERR" "  and says why"
		expect_eq "$(q "$CAT" "SELECT count(*) FROM events")" "$NEV" \
		    "  nothing was written"
		b=$(sed -n 's/.* - writer: .*; \([0-9]*\) batched, \([0-9]*\) run again$/\1 \2/p' \
		    "$TMP/cut.log")
		check "  the writer ran batched transactions ($b)" -- \
		    test "${b%% *}" -ge 1
		check "  and ran the hold's again the ordinary way ($b)" -- \
		    test "${b##* }" -ge 1
	else
		kill -KILL $SPID 2> /dev/null
		show_file "serve log" "$TMP/cut.log"
		show_file "serve stderr" "$TMP/cut.err"
		fail "serve on PostgreSQL starts" "no serving line in 10 s"
	fi
else
	echo "# skip: a connection the server cut (no curl: make deps)"
fi

# a catalog of a newer bodycam
CAT=$(uri conc bc_owner)
NEV=$(q "$CAT" "SELECT count(*) FROM events")
expect_exit 0 "setup: the schema version set to 99 (the owner, triggers off)" -- \
    psql_as "$CAT" "ALTER TABLE bodycam_catalog DISABLE TRIGGER USER;
UPDATE bodycam_catalog SET version = 99;
ALTER TABLE bodycam_catalog ENABLE TRIGGER USER"
expect_exit 3 "schema version 99: list refuses it" -- bc list
expect_grep "newer" "$ERR" "  the message says it is newer"
expect_exit 3 "  custody add refuses it" -- \
    bc custody add BWC-000001 note --key "$K/cust.key" --actor x --note y
expect_eq "$(q "$CAT" "SELECT count(*) FROM events")" "$NEV" \
    "  and nothing was written"

finish
