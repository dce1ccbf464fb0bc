#!/bin/sh
# t-migrate.sh - bodycam migrate: a catalog holding every kind of row
# (items, custody events, key documents with a revocation, a release,
# tokens one of them revoked, annotations, a retention policy and the
# items' status, checkpoints, a witness cosignature) copied from a file
# to PostgreSQL and from there back to a file.  Each copy audits, checks
# against checkpoints saved from the original (audit --against), exports
# the same log, and the file that came back holds the original's rows
# byte for byte.  Refused: an existing file or a database that holds a
# catalog (left alone), a source that needs an upgrade, a source whose
# log root cannot be computed (nothing left behind); a source with an
# edited node is copied as it is, and audit finds the edit in the copy as
# in the original.  No password of a URI is printed.
#
# PostgreSQL runs here, from tests/pg/pg.sh, in this script's temporary
# folder; without a PostgreSQL server installed the file-only tests run
# and the rest is skipped.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# the original is a file on either run of the suites: the copies go to
# this script's own server and back
CAT=$TMP/cat.db

need_tools "migrate tests" sqlite3 python3 base64 od

PGDIR=$TMP/pg
trap 'sh "$REPO/tests/pg/pg.sh" stop "$PGDIR" > /dev/null 2>&1; rm -rf "$TMP"' \
    EXIT

# have_pg: a PostgreSQL server (initdb) is installed, as pg.sh finds it
have_pg() {
	for _d in /usr/lib/postgresql/*/bin; do
		[ -x "$_d/initdb" ] && return 0
	done
	command -v pg_config > /dev/null 2>&1 &&
	    [ -x "$(pg_config --bindir)/initdb" ]
}

# the tables of schema 8, as migrate copies them
TABLES="meta keydocs items events nodes checkpoints cosignatures timestamps
tokens releases policies views status"

# rows DB: every row of every table of the catalog file DB, in key order
# (blobs as X'..'), for a byte-for-byte comparison
rows() {
	for _t in $TABLES; do
		echo "== $_t"
		sqlite3 -bail -batch -cmd ".mode quote" "$1" \
		    "SELECT * FROM $_t ORDER BY 1, 2" || return 1
	done
}

# jget FILE EXPR: a value of the JSON document d in FILE
jget() {
	"$PYTHON" -S -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)' "$1" "$2" 2> /dev/null
}

# hexroot CHECKPOINT: the root of a checkpoint file, in hex
hexroot() {
	sed -n 3p "$1" | base64 -d | od -An -tx1 | tr -d ' \n'
}

# ------------------------------------------------------------- the original

keygen_all admin cust aud dock 2> /dev/null
expect_exit 0 "setup: init" -- \
    bc init --admin-key "$K/admin.pub" --origin example.org/t-migrate
add_keys cust:custodian aud:auditor dock:ingest
AK=$K/admin.key
CK="--key $K/cust.key --actor Sgt.Lee"
cp "$DATA/stills/Apple.jpg" "$M/a.jpg"
cp "$DATA/stills/GPS.jpg" "$M/b.jpg"
cp "$DATA/video/sample.3gp" "$M/c.3gp"
expect_exit 0 "setup: register three files" -- \
    bc register "$M/a.jpg" "$M/b.jpg" "$M/c.3gp" --key "$K/dock.key" \
    --category patrol --case 2026-7
# shellcheck disable=SC2086
expect_exit 0 "setup: a transfer" -- bc custody add BWC-000001 transfer $CK \
    --to "DA office" --reason trial
# shellcheck disable=SC2086
expect_exit 0 "setup: a hold" -- bc custody add BWC-000002 hold $CK \
    --reason "pending appeal"
# shellcheck disable=SC2086
expect_exit 0 "setup: an annotation" -- bc annotate BWC-000001 \
    --case 2026-0042 --title "Traffic stop" --tag scene \
    --reason "case assigned" $CK
expect_exit 0 "setup: a retention policy" -- \
    bc retention policy set --period patrol=90 --grace 5 --key "$AK" \
    --actor "Records Officer"
expect_exit 0 "setup: the auditor's checkpoint, saved" -- \
    bc checkpoint --key "$K/aud.key" --out "$W/cp-old.txt"
expect_exit 0 "setup: a release" -- \
    bc release BWC-000001 --to "DA office" --authority "subpoena 2026-17" \
    --key "$K/aud.key" --actor QA --out "$W/bundle"
expect_exit 0 "setup: a token" -- \
    bc token create --name alice --role ingest --key "$AK"
expect_exit 0 "setup: another" -- \
    bc token create --name bob --role auditor --key "$AK"
expect_exit 0 "setup: the first revoked" -- \
    bc token revoke alice --key "$AK"
expect_exit 0 "setup: the ingest key revoked" -- \
    bc key revoke "$(cat "$TMP/kid.dock")" --reason lost --key "$AK"
expect_exit 0 "setup: a second checkpoint, saved" -- \
    bc checkpoint --key "$K/aud.key" --out "$W/cp-new.txt"
# a witness cosigns it, by file
"$BODYCAM" witness init --state "$W/w1" --name witness.example/w1 \
    > "$W/w1.vkey" 2> "$ERR" &&
"$BODYCAM" witness trust --state "$W/w1" --origin example.org/t-migrate \
    --key "$K/aud.pub" > /dev/null 2>> "$ERR" &&
printf 'witness %s\nquorum 1\n' "$(cat "$W/w1.vkey")" > "$W/policy" &&
bc log cosign-request --out "$W/req" > /dev/null 2>> "$ERR" &&
"$BODYCAM" witness add --state "$W/w1" --in "$W/req" --out "$W/ans" \
    > /dev/null 2>> "$ERR"
check "setup: a witness cosigns the checkpoint" -- test -s "$W/ans"
expect_exit 0 "setup: the cosignature stored" -- \
    bc log cosign --witness-policy "$W/policy" --in "$W/ans"
expect_exit 0 "the original audits" -- bc audit
empty=""
for t in $TABLES; do
	[ "$(q "$CAT" "SELECT count(*) FROM $t")" -gt 0 ] || empty="$empty $t"
done
expect_eq "$empty" " timestamps" "every table holds rows, but timestamps"
bc log export > "$W/export.jsonl"
check "the log exports" -- test -s "$W/export.jsonl"
rows "$CAT" > "$W/rows.orig"

# ------------------------------------------------------------- usage, help

expect_exit 0 "migrate --help" -- "$BODYCAM" migrate --help
expect_grep "^usage: bodycam migrate --to DEST" "$OUT" "  its usage line"
expect_grep "^  --to DEST" "$OUT" "  its option"
expect_exit 0 "bodycam --help" -- "$BODYCAM" --help
expect_grep "^  migrate --to DEST" "$OUT" "  lists migrate"
expect_exit 2 "migrate without --to: exit 2" -- bc migrate
expect_grep "--to DEST is required" "$ERR" "  says what is missing"
expect_exit 2 "migrate --to '': exit 2" -- bc migrate --to ""
expect_exit 2 "migrate with an operand: exit 2" -- \
    bc migrate --to "$W/x.db" extra
expect_exit 2 "migrate --from: exit 2" -- bc migrate --from "$W/x.db"
check "  nothing made" -- test ! -e "$W/x.db"

# ------------------------------------------------------------- file to file

expect_exit 0 "migrate to a new file" -- bc migrate --to "$W/copy.db"
expect_grep "^migrated $CAT -> $W/copy.db$" "$OUT" "  says what went where"
expect_grep "^events +[0-9]+ rows$" "$OUT" "  and the rows of each table"
expect_grep "^log [0-9]+ leaves, root [0-9a-f]{64}$" "$OUT" \
    "  and the log's size and root"
NCP=$(q "$CAT" "SELECT count(*) FROM checkpoints")
expect_grep "^$NCP checkpoints, each identical$" "$OUT" "  and the checkpoints"
expect_eq "$(ls "$W" | grep -c -e migrating -e 'copy\.db-')" 0 \
    "  one file: no temporary file or WAL left beside it"
rows "$W/copy.db" > "$W/rows.copy"
check "  every row the same, byte for byte" -- \
    cmp -s "$W/rows.orig" "$W/rows.copy"
expect_exit 0 "  the copy audits" -- \
    "$BODYCAM" --catalog "$W/copy.db" audit --against "$W/cp-old.txt"
expect_eq "$(q "$W/copy.db" "PRAGMA application_id") $(q "$W/copy.db" \
    "PRAGMA user_version")" "$(q "$CAT" "PRAGMA application_id") 8" \
    "  a bodycam catalog at schema 8"
rows "$CAT" > "$W/rows.after"
check "  the original is unchanged" -- cmp -s "$W/rows.orig" "$W/rows.after"

sum=$(sha256_of "$W/copy.db")
expect_exit 2 "migrate to an existing file: exit 2" -- \
    bc migrate --to "$W/copy.db"
expect_grep "already exists" "$ERR" "  says it exists"
expect_eq "$(sha256_of "$W/copy.db")" "$sum" "  and leaves it alone"
expect_exit 2 "migrate onto itself: exit 2" -- bc migrate --to "$CAT"
expect_exit 3 "migrate into a folder that is not there: exit 3" -- \
    bc migrate --to "$W/none/x.db"
expect_exit 0 "  the original still audits" -- bc audit

# a source that needs an upgrade (its version set back) is refused
cp "$CAT" "$W/old.db"
q "$W/old.db" "PRAGMA user_version = 7"
expect_exit 3 "a source that needs an upgrade: exit 3" -- \
    "$BODYCAM" --catalog "$W/old.db" migrate --to "$W/x.db"
expect_grep "bodycam upgrade" "$ERR" "  says to run 'bodycam upgrade'"
check "  nothing made" -- test ! -e "$W/x.db"

# a node of the log deleted: the root cannot be computed, nothing copied
cp "$CAT" "$W/hole.db"
q "$W/hole.db" "DROP TRIGGER nodes_no_delete;
    DELETE FROM nodes WHERE level = (SELECT max(level) FROM nodes)"
expect_exit 1 "a source missing a node of its log: exit 1" -- \
    "$BODYCAM" --catalog "$W/hole.db" migrate --to "$W/x.db"
expect_grep "cannot be computed" "$ERR" "  the root check says why"
check "  no file left" -- test ! -e "$W/x.db" -a ! -e "$W/x.db-wal"
expect_eq "$(ls "$W" | grep -c migrating)" 0 \
    "  and no file of the copy's own beside it"

# a leaf's hash edited in the node store (its trigger dropped): the copy
# is faithful, the edit and all, and audit finds it in both
cp "$CAT" "$W/edit.db"
q "$W/edit.db" "DROP TRIGGER nodes_no_update;
    UPDATE nodes SET hash = randomblob(32) WHERE level = 0 AND idx = 1"
expect_exit 1 "the edited source fails audit" -- \
    "$BODYCAM" --catalog "$W/edit.db" audit
expect_exit 0 "the edited source is copied as it is" -- \
    "$BODYCAM" --catalog "$W/edit.db" migrate --to "$W/edit2.db"
expect_eq "$(q "$W/edit2.db" "SELECT hex(hash) FROM nodes WHERE level = 0
    AND idx = 1")" "$(q "$W/edit.db" "SELECT hex(hash) FROM nodes WHERE
    level = 0 AND idx = 1")" "  the edited node with it"
expect_exit 1 "  and the copy fails audit as well" -- \
    "$BODYCAM" --catalog "$W/edit2.db" audit
expect_exit 1 "  and audit --against the saved checkpoint" -- \
    "$BODYCAM" --catalog "$W/edit2.db" audit --against "$W/cp-old.txt"

# ------------------------------------------------------------- PostgreSQL

if ! have_pg; then
	echo "# skip: migrate to and from PostgreSQL (no PostgreSQL server" \
	    "installed)"
	finish
fi
# the server runs as another user, who must reach its folder
chmod 711 "$TMP"
if ! SOCK=$(sh "$REPO/tests/pg/pg.sh" start "$PGDIR" 2> "$ERR"); then
	fail "a PostgreSQL server starts" "$(cat "$ERR")"
	finish
fi
pass "a PostgreSQL server starts"
for n in copy1 copy2 held empty edited; do
	sh "$REPO/tests/pg/pg.sh" createdb "$PGDIR" "$n" > "$W/$n.uri" ||
	    fail "createdb $n"
done
PG1=$(cat "$W/copy1.uri")
PG2=$(cat "$W/copy2.uri")

expect_exit 0 "migrate a file to PostgreSQL (--json)" -- \
    bc --json migrate --to "$PG1"
cp "$OUT" "$W/m1.json"
json_check "$W/m1.json" "(d['source'] == '$CAT' and
    d['destination'] == '$PG1' and d['schema'] == 8)" \
    "  names source and destination"
for t in $TABLES; do
	expect_eq "$(jget "$W/m1.json" "d['rows']['$t']")" \
	    "$(q "$CAT" "SELECT count(*) FROM $t")" "  $t: every row"
done
expect_eq "$(jget "$W/m1.json" "d['log_size']")" "$(sed -n 2p \
    "$W/cp-new.txt")" "  the log's size, the newest checkpoint's"
expect_eq "$(jget "$W/m1.json" "d['root']")" "$(hexroot "$W/cp-new.txt")" \
    "  its root, the newest checkpoint's"
expect_eq "$(jget "$W/m1.json" "d['checkpoints']")" "$NCP" \
    "  every checkpoint"

expect_exit 0 "the PostgreSQL copy audits" -- \
    "$BODYCAM" --catalog "$PG1" audit
expect_exit 0 "  audit --against the original's older checkpoint" -- \
    "$BODYCAM" --catalog "$PG1" audit --against "$W/cp-old.txt"
expect_exit 0 "  audit --against its newer one" -- \
    "$BODYCAM" --catalog "$PG1" audit --against "$W/cp-new.txt"
"$BODYCAM" --catalog "$PG1" log export > "$W/export.pg" 2> "$ERR"
check "  exports the original's log" -- \
    cmp -s "$W/export.jsonl" "$W/export.pg"
expect_exit 0 "  its newest checkpoint" -- \
    "$BODYCAM" --catalog "$PG1" checkpoint
expect_eq "$(sed -n 3p "$OUT")" "$(sed -n 3p "$W/cp-new.txt")" \
    "  has the original's root"
expect_exit 0 "  list finds the annotated case there" -- \
    "$BODYCAM" --catalog "$PG1" list --case 2026-0042
expect_grep "BWC-000001" "$OUT" "  the annotated item"
expect_exit 0 "  token list" -- "$BODYCAM" --catalog "$PG1" --json token list
json_check "$OUT" "(sorted((t['name'], t['revoked'] is None) for t in d)
    == [('alice', False), ('bob', True)])" "  has both tokens, alice revoked"

expect_exit 2 "migrate to a database that holds a catalog: exit 2" -- \
    bc migrate --to "$PG1"
expect_grep "a bodycam catalog already exists" "$ERR" "  says so"
expect_exit 0 "  which still audits" -- "$BODYCAM" --catalog "$PG1" audit

expect_exit 0 "migrate from PostgreSQL back to a file" -- \
    "$BODYCAM" --catalog "$PG1" migrate --to "$W/back.db"
expect_grep "^migrated postgresql://[^ ]*/copy1.* -> $W/back.db$" "$OUT" \
    "  says what went where"
rows "$W/back.db" > "$W/rows.back"
check "  every row the original's, byte for byte" -- \
    cmp -s "$W/rows.orig" "$W/rows.back"
expect_exit 0 "  the file audits" -- \
    "$BODYCAM" --catalog "$W/back.db" audit
expect_exit 0 "  audit --against the original's older checkpoint" -- \
    "$BODYCAM" --catalog "$W/back.db" audit --against "$W/cp-old.txt"
"$BODYCAM" --catalog "$W/back.db" log export > "$W/export.back" 2> "$ERR"
check "  exports the original's log" -- \
    cmp -s "$W/export.jsonl" "$W/export.back"

# a URI's password is never printed, in the user part or as a parameter
expect_exit 0 "migrate to a URI with passwords (trust ignores them)" -- \
    "$BODYCAM" --catalog "$W/back.db" migrate \
    --to "postgresql://postgres:s3cret@/copy2?host=$PGDIR/sock&password=hunter2"
expect_nogrep "s3cret|hunter2" "$OUT" "  neither password on stdout"
expect_nogrep "s3cret|hunter2" "$ERR" "  nor on stderr"
expect_grep "postgres:\*\*\*@/copy2\?host=.*&password=\*\*\*$" "$OUT" \
    "  both shown as ***"
expect_exit 0 "  the copy audits" -- "$BODYCAM" --catalog "$PG2" audit
BAD="postgresql://nobody:s3cret@/none?host=$PGDIR/sock&%70assword=hunter2"
expect_exit 3 "a URI that cannot connect: exit 3" -- \
    bc --json migrate --to "$BAD"
expect_nogrep "s3cret|hunter2" "$OUT" "  no password in the JSON"
expect_nogrep "s3cret|hunter2" "$ERR" "  nor on stderr"

# refused and rolled back: the database is left empty, and takes a copy
expect_exit 1 "a source missing a node, to PostgreSQL: exit 1" -- \
    "$BODYCAM" --catalog "$W/hole.db" migrate --to "$(cat "$W/empty.uri")"
expect_exit 3 "  leaves no catalog in the database" -- \
    "$BODYCAM" --catalog "$(cat "$W/empty.uri")" list
expect_grep "no bodycam tables" "$ERR" "  (it has no bodycam tables)"
expect_exit 0 "  which then takes a copy" -- \
    bc migrate --to "$(cat "$W/empty.uri")"

# an edited node: copied to PostgreSQL as it is, and audit finds it there
expect_exit 0 "the edited source to PostgreSQL" -- \
    "$BODYCAM" --catalog "$W/edit.db" migrate --to "$(cat "$W/edited.uri")"
expect_exit 1 "  audit finds the edit there" -- \
    "$BODYCAM" --catalog "$(cat "$W/edited.uri")" audit

# a PostgreSQL catalog made by init, with a record, copied to a file
U=$(cat "$W/held.uri")
expect_exit 0 "init a PostgreSQL catalog" -- \
    "$BODYCAM" --catalog "$U" init --admin-key "$K/admin.pub" \
    --origin example.org/t-migrate-pg
expect_exit 0 "  register a file there" -- \
    "$BODYCAM" --catalog "$U" register "$M/a.jpg" --key "$AK"
expect_exit 0 "  and a checkpoint" -- \
    "$BODYCAM" --catalog "$U" checkpoint --key "$AK" --out "$W/cp-pg.txt"
expect_exit 0 "  copied to a file" -- \
    "$BODYCAM" --catalog "$U" migrate --to "$W/frompg.db"
expect_exit 0 "  which audits against its checkpoint" -- \
    "$BODYCAM" --catalog "$W/frompg.db" audit --against "$W/cp-pg.txt"

finish
