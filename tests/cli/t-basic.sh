#!/bin/sh
# t-basic.sh - the program's surface: help, usage errors, global options,
# keygen, init, and catalogs that cannot be used.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- help

expect_exit 0 "--help exits 0" -- "$BODYCAM" --help
for c in init keygen register show list verify; do
	expect_grep "^  $c( |\$)" "$OUT" "--help lists the '$c' command"
done
expect_grep "Exit status" "$OUT" "--help documents the exit status"
expect_empty "$ERR" "--help writes nothing on stderr"

expect_exit 0 "-h exits 0" -- "$BODYCAM" -h
expect_grep "^usage: bodycam" "$OUT" "-h prints the usage"

for c in init keygen register show list verify; do
	expect_exit 0 "$c --help exits 0" -- "$BODYCAM" "$c" --help
	expect_grep "^usage: bodycam $c" "$OUT" "$c --help prints its usage"
done
expect_exit 0 "'help verify' exits 0" -- "$BODYCAM" help verify
expect_grep "^usage: bodycam verify" "$OUT" "'help verify' shows verify's usage"

expect_exit 0 "--version exits 0" -- "$BODYCAM" --version
expect_grep "^bodycam [0-9]" "$OUT" "--version prints 'bodycam VERSION'"

expect_exit 2 "no command: exit 2" -- "$BODYCAM"
expect_grep "usage: bodycam" "$ERR" "no command: the usage goes to stderr"

expect_exit 2 "unknown command: exit 2" -- "$BODYCAM" frobnicate
expect_grep "frobnicate" "$ERR" "unknown command: stderr names it"
expect_grep "try 'bodycam --help'" "$ERR" "unknown command: stderr says try 'bodycam --help'"
expect_empty "$OUT" "unknown command: nothing on stdout"

expect_exit 2 "unknown global option: exit 2" -- "$BODYCAM" --frobnicate list
expect_grep "try 'bodycam --help'" "$ERR" "unknown global option: try 'bodycam --help'"

# a usage error is reported as one even before there is a catalog
expect_exit 2 "unknown command option, no catalog yet: exit 2 (usage beats catalog)" -- \
    "$BODYCAM" --catalog "$CAT" list --frobnicate
expect_grep "try 'bodycam --help'" "$ERR" "unknown command option, no catalog yet: try 'bodycam --help'"

expect_exit 2 "option without its value: exit 2" -- "$BODYCAM" keygen x --dir
expect_grep "needs a value" "$ERR" "option without its value: stderr says so"
expect_exit 2 "--catalog without a PATH: exit 2" -- "$BODYCAM" list --catalog

# ---------------------------------------------------------------- keygen

expect_exit 0 "keygen admin" -- "$BODYCAM" keygen admin --dir "$K"
KEYID=$(cat "$OUT")
check "keygen prints one 64-hex key id" -- \
    sh -c 'test "$(wc -l < "$1")" -eq 1 && grep -Eqx "[0-9a-f]{64}" "$1"' \
    sh "$OUT"
check "keygen wrote admin.key" -- test -f "$K/admin.key"
check "keygen wrote admin.pub" -- test -f "$K/admin.pub"
expect_eq "$(stat -c %a "$K/admin.key" 2>/dev/null)" 600 \
    "admin.key has mode 600"
expect_grep "BEGIN PRIVATE KEY" "$K/admin.key" "admin.key is PKCS#8 PEM"
expect_grep "BEGIN PUBLIC KEY" "$K/admin.pub" "admin.pub is a PEM public key"
if command -v openssl >/dev/null 2>&1; then
	# the key id is the SHA-256 of the raw 32-byte Ed25519 public key
	raw=$(openssl pkey -pubin -in "$K/admin.pub" -outform DER 2>/dev/null |
	    tail -c 32 | sha256sum | cut -d' ' -f1)
	expect_eq "$KEYID" "$raw" \
	    "key id = SHA-256 of the raw public key (openssl)"
	openssl pkey -in "$K/admin.key" -noout -text > "$TMP/pktext" 2>&1
	expect_grep "ED25519" "$TMP/pktext" "admin.key is an Ed25519 key (openssl)"
fi

keysum=$(sha256_of "$K/admin.key")
pubsum=$(sha256_of "$K/admin.pub")
expect_exit 2 "keygen refuses to overwrite an existing pair (exit 2)" -- \
    "$BODYCAM" keygen admin --dir "$K"
expect_grep "exists" "$ERR" "keygen refusal says the file exists"
expect_eq "$(sha256_of "$K/admin.key")" "$keysum" "admin.key is unchanged"
expect_eq "$(sha256_of "$K/admin.pub")" "$pubsum" "admin.pub is unchanged"

# only the private half left behind: still never overwritten
cp "$K/admin.key" "$K/lone.key"
chmod 600 "$K/lone.key"
expect_exit 2 "keygen refuses when only NAME.key exists (exit 2)" -- \
    "$BODYCAM" keygen lone --dir "$K"
expect_eq "$(sha256_of "$K/lone.key")" "$keysum" "the existing lone.key is unchanged"
check "no lone.pub was left behind" -- test ! -e "$K/lone.pub"

expect_exit 2 "keygen rejects a name with a slash" -- \
    "$BODYCAM" keygen ../evil --dir "$K"
check "nothing was written outside --dir" -- test ! -e "$TMP/evil.key"
expect_exit 2 "keygen without NAME: exit 2" -- "$BODYCAM" keygen
expect_exit 3 "keygen into a missing directory: exit 3" -- \
    "$BODYCAM" keygen x --dir "$TMP/no/such/dir"

expect_exit 0 "keygen --json" -- "$BODYCAM" --json keygen other --dir "$K"
json_check "$OUT" 'len(d["key_id"]) == 64 and d["name"] == "other" and d["private"].endswith("other.key") and d["public"].endswith("other.pub")' \
    "keygen --json gives name, key_id, private, public"
expect_exit 0 "keygen -q" -- "$BODYCAM" -q keygen quiet --dir "$K"
expect_empty "$OUT" "keygen -q prints nothing"
expect_exit 0 "keygen writes to the current directory by default" -- \
    in_dir "$W" "$BODYCAM" keygen here
check "here.key and here.pub are in the current directory" -- \
    test -f "$W/here.key" -a -f "$W/here.pub"

# ---------------------------------------------------------------- init

expect_exit 0 "init creates a catalog" -- \
    "$BODYCAM" --catalog "$CAT" init --admin-key "$K/admin.pub"
sqlite_only "the catalog file exists" &&
	check "the catalog file exists" -- test -s "$CAT"
expect_grep "$KEYID" "$OUT" "init names the admin key id"
catsum=$(cat_digest)

expect_exit 2 "init refuses an existing catalog (exit 2)" -- \
    "$BODYCAM" --catalog "$CAT" init --admin-key "$K/other.pub"
expect_grep "exists" "$ERR" "init refusal says it exists"
expect_eq "$(cat_digest)" "$catsum" "the existing catalog is unchanged"

cp "$DATA/stills/Apple.jpg" "$W/photo.jpg"
expect_exit 2 "init refuses an existing non-catalog file (exit 2)" -- \
    "$BODYCAM" --catalog "$W/photo.jpg" init --admin-key "$K/admin.pub"
check "the existing file is unchanged" -- cmp "$W/photo.jpg" "$DATA/stills/Apple.jpg"

expect_exit 2 "init with a private key: exit 2" -- \
    "$BODYCAM" --catalog "$TMP/p.db" init --admin-key "$K/admin.key"
expect_grep "private key" "$ERR" "init with a private key: says it is private"
check "init with a private key leaves no catalog" -- test ! -e "$TMP/p.db"

printf 'this is not a key\n' > "$TMP/garbage.pub"
expect_exit 2 "init with a garbage key file: exit 2" -- \
    "$BODYCAM" --catalog "$TMP/g.db" init --admin-key "$TMP/garbage.pub"
expect_grep "garbage.pub" "$ERR" "init with garbage: stderr names the file"
check "init with garbage leaves no catalog" -- test ! -e "$TMP/g.db"

expect_exit 2 "init with a missing key file: exit 2" -- \
    "$BODYCAM" --catalog "$TMP/m.db" init --admin-key "$TMP/nothere.pub"
check "init with a missing key leaves no catalog" -- test ! -e "$TMP/m.db"
expect_exit 2 "init without --admin-key: exit 2" -- \
    "$BODYCAM" --catalog "$TMP/n.db" init
expect_exit 3 "init in a missing directory: exit 3" -- \
    "$BODYCAM" --catalog "$TMP/no/such/dir/c.db" init --admin-key "$K/admin.pub"

expect_exit 2 "unknown command option: exit 2" -- \
    "$BODYCAM" --catalog "$CAT" list --frobnicate
expect_grep "frobnicate" "$ERR" "unknown command option: stderr names it"
expect_grep "try 'bodycam --help'" "$ERR" "unknown command option: try 'bodycam --help'"
expect_exit 2 "show without ITEM: exit 2" -- "$BODYCAM" --catalog "$CAT" show
expect_exit 2 "list with a stray argument: exit 2" -- "$BODYCAM" --catalog "$CAT" list extra

expect_exit 0 "init --json" -- \
    "$BODYCAM" --json --catalog "$TMP/j.db" init --admin-key "$K/admin.pub"
json_check "$OUT" "d['admin_key'] == '$KEYID' and isinstance(d['schema'], int)" \
    "init --json gives admin_key and schema"
expect_exit 0 "init -q" -- \
    "$BODYCAM" -q --catalog "$TMP/q.db" init --admin-key "$K/admin.pub"
expect_empty "$OUT" "init -q prints nothing"

# ------------------------------------------------ global options, catalog

cp "$DATA/stills/Canon.jpg" "$W/canon.jpg"
expect_exit 0 "register one file for the option tests" -- \
    "$BODYCAM" --catalog "$CAT" register "$W/canon.jpg" --key "$K/admin.key" \
    --officer OFF-1
ID=$(cut -d' ' -f1 "$OUT")

"$BODYCAM" --catalog "$CAT" --json list > "$TMP/g1" 2>&1
"$BODYCAM" list --json --catalog "$CAT" > "$TMP/g2" 2>&1
"$BODYCAM" --json list --catalog="$CAT" > "$TMP/g3" 2>&1
check "list --json: global options before the command give output" -- \
    grep -q "$ID" "$TMP/g1"
check "list --json: global options after the command give identical output" -- \
    cmp "$TMP/g1" "$TMP/g2"
check "list --json: mixed placement and --catalog=PATH give identical output" -- \
    cmp "$TMP/g1" "$TMP/g3"
"$BODYCAM" -q --catalog "$CAT" show "$ID" > "$TMP/s1" 2>&1
"$BODYCAM" show "$ID" --catalog "$CAT" -q > "$TMP/s2" 2>&1
check "show -q: before and after the command give identical (empty) output" -- \
    sh -c 'cmp "$1" "$2" && test ! -s "$1"' sh "$TMP/s1" "$TMP/s2"
"$BODYCAM" --catalog "$CAT" show "$ID" > "$TMP/s3" 2>&1
"$BODYCAM" show --catalog "$CAT" "$ID" > "$TMP/s4" 2>&1
check "show: --catalog before and after the command give identical output" -- \
    sh -c 'cmp "$1" "$2" && grep -q "$3" "$1"' sh "$TMP/s3" "$TMP/s4" "$ID"

expect_exit 0 "\$BODYCAM_CATALOG is honoured" -- \
    env BODYCAM_CATALOG="$CAT" "$BODYCAM" --json list
check "\$BODYCAM_CATALOG gives the same list as --catalog" -- cmp "$OUT" "$TMP/g1"
expect_exit 0 "--catalog wins over \$BODYCAM_CATALOG" -- \
    env BODYCAM_CATALOG="$TMP/none.db" "$BODYCAM" --json --catalog "$CAT" list
check "--catalog over \$BODYCAM_CATALOG gives the same list" -- cmp "$OUT" "$TMP/g1"
cat_copy "$W/bodycam.db"
expect_exit 0 "default catalog is ./bodycam.db" -- \
    in_dir "$W" "$BODYCAM" --json list
check "./bodycam.db gives the same list" -- cmp "$OUT" "$TMP/g1"

# ------------------------------------------------ catalogs that cannot serve

expect_exit 3 "a missing catalog: exit 3" -- "$BODYCAM" --catalog "$TMP/none.db" list
expect_grep "bodycam init" "$ERR" "a missing catalog: the message points to 'bodycam init'"
check "a missing catalog is not created by reading it" -- test ! -e "$TMP/none.db"

expect_exit 3 "a JPEG as --catalog: exit 3" -- \
    "$BODYCAM" --catalog "$W/photo.jpg" list
expect_grep "not a bodycam catalog" "$ERR" "a JPEG as --catalog: says 'not a bodycam catalog'"
check "the JPEG is unchanged" -- cmp "$W/photo.jpg" "$DATA/stills/Apple.jpg"
expect_exit 3 "a JPEG as --catalog for register: exit 3" -- \
    "$BODYCAM" --catalog "$W/photo.jpg" register "$W/canon.jpg" --key "$K/admin.key"
check "the JPEG is still unchanged" -- cmp "$W/photo.jpg" "$DATA/stills/Apple.jpg"

: > "$W/empty.db"
expect_exit 3 "an empty file as --catalog: exit 3" -- "$BODYCAM" --catalog "$W/empty.db" list
expect_grep "not a bodycam catalog" "$ERR" "an empty file: says 'not a bodycam catalog'"
check "the empty file stays empty" -- test ! -s "$W/empty.db"

if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$W/other.db" 'CREATE TABLE t (x);'
	expect_exit 3 "another program's SQLite database: exit 3" -- \
	    "$BODYCAM" --catalog "$W/other.db" list
	expect_grep "not a bodycam catalog" "$ERR" "another SQLite database: says 'not a bodycam catalog'"

	cat_copy "$W/v99.db"
	sqlite3 "$W/v99.db" 'PRAGMA user_version = 99;'
	expect_exit 3 "a catalog with schema version 99: exit 3" -- \
	    "$BODYCAM" --catalog "$W/v99.db" list
	expect_grep "newer" "$ERR" "schema version 99: the message says it is newer"
	expect_grep "99" "$ERR" "schema version 99: the message gives the version"
	expect_exit 3 "schema version 99: register refuses too" -- \
	    "$BODYCAM" --catalog "$W/v99.db" register "$DATA/stills/GPS.jpg" --key "$K/admin.key"
	expect_eq "$(sqlite3 "$W/v99.db" 'PRAGMA user_version;')" 99 \
	    "schema version 99 is left alone"
else
	echo "# skip: sqlite3 tests (no sqlite3)"
fi

finish
