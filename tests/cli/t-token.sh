#!/bin/sh
# t-token.sh - bearer tokens: token create, revoke and list; the token is
# printed once and only its hash is stored; who may manage tokens; usage
# errors and exit statuses; a schema 3 catalog upgraded to tokens.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

keygen_all admin cust adm2 stranger
expect_exit 0 "setup: init with admin.pub" -- bc init --admin-key "$K/admin.pub"
expect_exit 0 "setup: key add cust.pub as custodian" -- \
    bc key add "$K/cust.pub" --name cust --role custodian --key "$K/admin.key"

# ------------------------------------------------------------------ create

expect_exit 0 "token create alice ingest: exit 0" -- \
    bc token create --name alice --role ingest --key "$K/admin.key"
TOK=$(cat "$OUT")
expect_eq "$(wc -l < "$OUT" | tr -d ' ')" 1 "  one line on stdout"
expect_grep '^bct_[0-9a-f]{64}$' "$OUT" "  the line is bct_ and 64 hex digits"
expect_grep "will not be shown again" "$ERR" "  stderr says it will not be shown again"
expect_nogrep "bct_" "$ERR" "  stderr does not hold the token"

expect_exit 0 "token create bob@example.org custodian --json: exit 0" -- \
    bc --json token create --name bob@example.org --role custodian \
    --key "$K/admin.key"
cp "$OUT" "$TMP/bob.json"
json_check "$TMP/bob.json" 'sorted(d) == ["name", "role", "token"]' \
    "  --json has exactly name, role and token"
json_check "$TMP/bob.json" 'd["name"] == "bob@example.org" and d["role"] == "custodian" and __import__("re").fullmatch("bct_[0-9a-f]{64}", d["token"])' \
    "  --json: the name, the role and a token"
BOB=$(sed -n 's/.*"token": "\(bct_[0-9a-f]*\)".*/\1/p' "$TMP/bob.json")
check "  the two tokens differ" -- test -n "$BOB" -a "$BOB" != "$TOK"

expect_exit 0 "token create -q: exit 0" -- \
    bc -q token create --name quiet.one --role auditor --key "$K/admin.key"
expect_grep '^bct_[0-9a-f]{64}$' "$OUT" "  -q still prints the token"
expect_empty "$ERR" "  -q: nothing on stderr"

expect_exit 0 "token create with an added admin key: exit 0" -- \
    bc key add "$K/adm2.pub" --name adm2 --role admin --key "$K/admin.key"
expect_exit 0 "  adm2 creates 'ci-runner_2'" -- \
    bc token create --name ci-runner_2 --role admin --key "$K/adm2.key"

# ---------------------------------------------------- only the hash is kept

if [ "$HAVE_SQLITE" -eq 1 ]; then
	HASH=$(printf '%s' "$TOK" | sha256sum | cut -d' ' -f1)
	expect_eq "$(q "$CAT" "SELECT name || ' ' || role FROM tokens WHERE hash = '$HASH'")" \
	    "alice 1" "the row holds the SHA-256 of the token string"
	expect_eq "$(q "$CAT" "SELECT count(*) FROM tokens WHERE (name || role || hash || created || created_by || coalesce(revoked, '')) LIKE '%' || substr('$TOK', 5, 40) || '%'")" \
	    0 "no column holds the token"
else
	echo "# skip: hash column tests (no sqlite3)"
fi
found=0
if [ "$ENGINE" = pg ]; then
	# the database's bytes as pg_dump gives them
	pg_dump --no-owner -d "$CAT" > "$TMP/dump.sql"
	set -- "$TMP/dump.sql"
else
	set -- "$CAT" "$CAT-wal"
fi
for f; do
	[ -f "$f" ] || continue
	for t in "$TOK" "$BOB"; do
		grep -a -q -F -e "${t#bct_}" "$f" && found=1
	done
done
expect_eq "$found" 0 "no token is anywhere in the catalog's bytes (WAL included)"

# -------------------------------------------------------------------- list

expect_exit 0 "token list: exit 0" -- bc token list
expect_grep "^NAME +ROLE +CREATED +CREATED BY +REVOKED" "$OUT" "  a header line"
expect_grep "^alice +ingest +[0-9T:.-]+Z +[0-9a-f]{16} +-\$" "$OUT" \
    "  alice, ingest, created, by, not revoked"
expect_grep "^bob@example.org +custodian " "$OUT" "  bob, custodian"
expect_grep "^ci-runner_2 +admin " "$OUT" "  ci-runner_2, admin"
expect_nogrep "bct_" "$OUT" "  no token in the list"
if [ "$HAVE_SQLITE" -eq 1 ]; then
	expect_nogrep "$HASH" "$OUT" "  no hash in the list"
fi
expect_exit 0 "token list --json: exit 0" -- bc --json token list
cp "$OUT" "$TMP/list.json"
json_check "$TMP/list.json" 'isinstance(d, list) and len(d) == 4' \
    "  4 tokens"
json_check "$TMP/list.json" 'all(sorted(e) == ["created", "created_by", "name", "revoked", "role"] for e in d)' \
    "  each with name, role, created, created_by and revoked only"
json_check "$TMP/list.json" '[e["name"] for e in d] == ["alice", "bob@example.org", "quiet.one", "ci-runner_2"] and [e["role"] for e in d] == ["ingest", "custodian", "auditor", "admin"]' \
    "  in creation order, with their roles"
json_check "$TMP/list.json" 'all(e["revoked"] is None for e in d) and all(__import__("re").fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", e["created"]) for e in d)' \
    "  none revoked, created times with microseconds"
json_check "$TMP/list.json" 'len(set(e["created_by"] for e in d)) == 2 and all(len(e["created_by"]) == 64 for e in d)' \
    "  created_by is the full key id of either admin"
expect_nogrep "bct_" "$TMP/list.json" "  --json: no token"

# ----------------------------------------------------------------- refused

expect_exit 2 "a second active 'alice': exit 2" -- \
    bc token create --name alice --role auditor --key "$K/admin.key"
expect_grep "active token named 'alice' exists" "$ERR" "  says it exists"
expect_empty "$OUT" "  and prints no token"
expect_exit 2 "a custodian key: exit 2" -- \
    bc token create --name c --role ingest --key "$K/cust.key"
expect_grep "role custodian, not admin" "$ERR" "  says it is not admin"
expect_empty "$OUT" "  and prints no token"
expect_exit 2 "a key the catalog does not know: exit 2" -- \
    bc token create --name s --role ingest --key "$K/stranger.key"
expect_grep "not a signer" "$ERR" "  says it is not a signer"
expect_exit 2 "a public key as --key: exit 2" -- \
    bc token create --name p --role ingest --key "$K/admin.pub"
expect_exit 2 "a missing key file: exit 2" -- \
    bc token create --name p --role ingest --key "$K/nothing.key"
cp "$K/admin.key" "$K/open.key"
chmod 644 "$K/open.key"
expect_exit 2 "a private key others may read: exit 2" -- \
    bc token create --name p --role ingest --key "$K/open.key"
expect_exit 2 "unknown role: exit 2" -- \
    bc token create --name r --role root --key "$K/admin.key"
expect_grep "unknown role 'root'" "$ERR" "  names the role"
expect_grep "try 'bodycam --help'" "$ERR" "  try 'bodycam --help'"
for n in "a b" "a/b" "" "caf$(printf '\303\251')" \
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"; do
	expect_exit 2 "bad name '$n': exit 2" -- \
	    bc token create --name "$n" --role ingest --key "$K/admin.key"
done
expect_grep "try 'bodycam --help'" "$ERR" "  a bad name is a usage error"
expect_exit 2 "create without --key: exit 2" -- \
    bc token create --name x --role ingest
expect_grep "needs --name, --role and --key" "$ERR" "  names what is needed"
expect_exit 2 "create without --name: exit 2" -- \
    bc token create --role ingest --key "$K/admin.key"
expect_exit 2 "create without --role: exit 2" -- \
    bc token create --name x --key "$K/admin.key"
expect_exit 2 "create with an argument: exit 2" -- \
    bc token create extra --name x --role ingest --key "$K/admin.key"
expect_exit 2 "create with an unknown option: exit 2" -- \
    bc token create --name x --role ingest --key "$K/admin.key" --ttl 5
expect_grep "unknown option '--ttl'" "$ERR" "  names the option"
expect_exit 2 "create --name without a value: exit 2" -- \
    bc token create --role ingest --key "$K/admin.key" --name
expect_exit 2 "token alone: exit 2" -- bc token
expect_exit 2 "token frob: exit 2" -- bc token frob
expect_grep "unknown token command 'frob'" "$ERR" "  names the command"
expect_exit 2 "token list with an argument: exit 2" -- bc token list x
expect_exit 3 "token list without a catalog: exit 3" -- \
    "$BODYCAM" --catalog "$TMP/none.db" token list
expect_exit 3 "token create without a catalog: exit 3" -- \
    "$BODYCAM" --catalog "$TMP/none.db" token create --name x \
    --role ingest --key "$K/admin.key"
check "  and no catalog was made" -- test ! -e "$TMP/none.db"
expect_exit 2 "--json and an error: exit 2" -- \
    bc --json token create --name alice --role ingest --key "$K/admin.key"
json_check "$OUT" 'd["error"]["exit"] == 2 and "alice" in d["error"]["message"]' \
    "  one JSON error document"
expect_exit 0 "token --help: exit 0" -- bc token --help
for o in --name --role --key --json; do
	expect_grep "$o" "$OUT" "  --help documents $o"
done
expect_exit 0 "after the refusals, 4 tokens still" -- bc --json token list
json_check "$OUT" 'len(d) == 4' "  none was added"

# ------------------------------------------------------------------ revoke

expect_exit 2 "revoke with a custodian key: exit 2" -- \
    bc token revoke alice --key "$K/cust.key"
expect_exit 2 "revoke without --key: exit 2" -- bc token revoke alice
expect_exit 2 "revoke without a NAME: exit 2" -- \
    bc token revoke --key "$K/admin.key"
expect_exit 2 "revoke with two names: exit 2" -- \
    bc token revoke alice bob --key "$K/admin.key"
expect_exit 2 "revoke a bad name: exit 2" -- \
    bc token revoke "a b" --key "$K/admin.key"
expect_exit 2 "revoke an unknown name: exit 2" -- \
    bc token revoke carol --key "$K/admin.key"
expect_grep "no active token named 'carol'" "$ERR" "  says there is none"
expect_exit 0 "revoke alice: exit 0" -- bc token revoke alice --key "$K/admin.key"
expect_grep "^revoked token alice\$" "$OUT" "  prints 'revoked token alice'"
expect_exit 2 "revoke alice again: exit 2" -- \
    bc token revoke alice --key "$K/admin.key"
expect_exit 0 "revoke bob@example.org --json: exit 0" -- \
    bc --json token revoke bob@example.org --key "$K/adm2.key"
json_check "$OUT" 'd == {"revoked": "bob@example.org"}' "  --json: what was revoked"
expect_exit 0 "token list after revoking: exit 0" -- bc token list
expect_grep "^alice +ingest +[0-9T:.-]+Z +[0-9a-f]{16} +[0-9]{4}-[0-9T:.-]+Z\$" \
    "$OUT" "  alice shows when it was revoked"

expect_exit 0 "a new 'alice' after the revocation: exit 0" -- \
    bc token create --name alice --role auditor --key "$K/admin.key"
TOK2=$(cat "$OUT")
check "  it is a new token" -- test "$TOK2" != "$TOK"
expect_exit 0 "token list --json: exit 0" -- bc --json token list
json_check "$OUT" '[(e["role"], e["revoked"] is None) for e in d if e["name"] == "alice"] == [("ingest", False), ("auditor", True)]' \
    "  two alices: the revoked ingest one, the active auditor one"

if [ "$HAVE_SQLITE" -eq 1 ]; then
	q "$CAT" "DELETE FROM tokens" 2> "$TMP/del.err"
	expect_grep "tokens are never deleted" "$TMP/del.err" \
	    "sqlite3 cannot delete a token row"
	q "$CAT" "UPDATE tokens SET revoked = NULL WHERE name = 'alice' AND revoked IS NOT NULL" 2> "$TMP/upd.err"
	expect_grep "can only be revoked" "$TMP/upd.err" \
	    "sqlite3 cannot take a revocation back"
	expect_eq "$(q "$CAT" "SELECT count(*) FROM tokens")" 5 \
	    "  all 5 rows are still there"
fi

# a token that could not be printed does not stay valid
# shellcheck disable=SC2016 # $1..$3 are the inner shell's
expect_exit 3 "create with stdout on a full disk: exit 3" -- \
    sh -c '"$1" --catalog "$2" token create --name lost --role ingest --key "$3" > /dev/full' \
    _ "$BODYCAM" "$CAT" "$K/admin.key"
expect_grep "revoked again" "$ERR" "  says the token was revoked again"
expect_exit 0 "token list --json: exit 0" -- bc --json token list
json_check "$OUT" '[e["revoked"] is not None for e in d if e["name"] == "lost"] == [True]' \
    "  'lost' is revoked"

# ------------------------------------------------------------- concurrency

i=0
while [ $i -lt 6 ]; do
	bc -q token create --name "par$i" --role ingest --key "$K/admin.key" \
	    > "$TMP/par$i.out" 2> "$TMP/par$i.err" &
	i=$((i + 1))
done
wait
n=$(cat "$TMP"/par*.out | grep -c -E '^bct_[0-9a-f]{64}$')
expect_eq "$n" 6 "6 tokens created at once each print a token"
expect_eq "$(cat "$TMP"/par*.out | sort -u | wc -l | tr -d ' ')" 6 \
    "  6 different ones"
expect_exit 0 "token list --json: exit 0" -- bc --json token list
json_check "$OUT" 'sorted(e["name"] for e in d if e["name"].startswith("par")) == ["par%d" % i for i in range(6)]' \
    "  all 6 are listed"

# --------------------------------------------------------- schema 3 -> 4

cp "$DATA/catalogs/v3.db" "$TMP/v3.db"
chmod 644 "$TMP/v3.db"
if [ "$HAVE_SQLITE" -eq 1 ]; then
	expect_eq "$(sqlite3 "$TMP/v3.db" "PRAGMA user_version")" 3 \
	    "the v3 fixture is schema 3"
fi
expect_exit 3 "token list on a schema 3 catalog: exit 3" -- \
    "$BODYCAM" --catalog "$TMP/v3.db" --json token list
expect_grep "schema version 3 and needs an upgrade.*bodycam upgrade" \
    "$ERR" "  a command that only reads never upgrades: it says so"
expect_exit 0 "upgrade: exit 0" -- "$BODYCAM" --catalog "$TMP/v3.db" upgrade
expect_grep "at schema 8" "$OUT" "  says the schema it is at"
if [ "$HAVE_SQLITE" -eq 1 ]; then
	expect_eq "$(sqlite3 "$TMP/v3.db" "PRAGMA user_version")" 8 \
	    "  it is upgraded to schema 8 (3 -> 4 -> 5 -> 6 -> 7 -> 8)"
fi
expect_exit 0 "token list on the upgraded catalog: exit 0" -- \
    "$BODYCAM" --catalog "$TMP/v3.db" --json token list
json_check "$OUT" 'd == []' "  no tokens yet"
expect_exit 0 "the upgraded catalog audits clean" -- \
    "$BODYCAM" --catalog "$TMP/v3.db" audit
expect_grep "^audited 1 key document, 2 items, 5 events" "$OUT" \
    "  its key document, items and events are all there"
expect_grep "^log: 8 leaves.*1 stored checkpoint checked" "$OUT" \
    "  its log and its checkpoint too"
expect_exit 0 "list on the upgraded catalog: exit 0" -- \
    "$BODYCAM" --catalog "$TMP/v3.db" list
expect_grep "^BWC-000002 " "$OUT" "  lists its items"
expect_exit 2 "a key that is not its admin cannot make a token: exit 2" -- \
    "$BODYCAM" --catalog "$TMP/v3.db" token create --name x --role ingest \
    --key "$K/admin.key"
expect_grep "not a signer" "$ERR" "  not a signer of that catalog"

finish
