#!/bin/sh
# t-annotate.sh - 'bodycam annotate': an item's case, category, tags,
# title and description set or cleared after registration as signed
# 'annotate' events; the current view in show, show --json and list (and
# its --case, --category, --tag filters); officer ids compared without
# regard to case; the stored view checked by verify and audit against the
# chain (an insider who edits it is caught); the roles; the usage errors;
# a schema 5 catalog of the previous release upgraded to the views table.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# the clock of the writes, so that the history's times can be checked
BODYCAM_NOW=2026-05-01T09:00:00Z
export BODYCAM_NOW
keygen_all admin dock cust aud
check "setup: keygen admin, dock, cust and aud" -- \
    test -f "$K/admin.key" -a -f "$K/cust.key" -a -f "$K/aud.key"
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys dock:ingest cust:custodian aud:auditor

printf 'footage one\n' > "$M/one.mp4"
printf 'footage two\n' > "$M/two.mp4"
expect_exit 0 "setup: register one (case 7, category patrol, tag dock)" -- \
    bc register "$M/one.mp4" --key "$K/dock.key" --officer O-17 \
    --case 7 --category patrol --tag dock --tag night
expect_exit 0 "setup: register two (no case)" -- \
    bc register "$M/two.mp4" --key "$K/dock.key" --officer o-17

CK="--key $K/cust.key --actor Sgt.Lee"

# ------------------------------------------------------------ usage errors

# shellcheck disable=SC2086 # CK is words
usage() {
	_what=$1
	_words=$2
	shift 3
	expect_exit 2 "annotate $_what: exit 2" -- bc annotate "$@"
	expect_grep "$_words" "$ERR" "  says: $_words"
}
# shellcheck disable=SC2086
usage "with nothing to change" "nothing to change" -- BWC-000001 \
    --reason r $CK
# shellcheck disable=SC2086
usage "without --reason" "needs --reason, --key and --actor" -- \
    BWC-000001 --case 9 $CK
usage "without --key" "needs --reason" -- BWC-000001 --case 9 --reason r \
    --actor x
# shellcheck disable=SC2086
usage "--clear of an unknown field" "not 'officer'" -- BWC-000001 \
    --clear officer --reason r $CK
# shellcheck disable=SC2086
usage "without ITEM" "one ITEM" -- --case 9 --reason r $CK
# shellcheck disable=SC2086
usage "with an unknown option" "unknown option '--owner'" -- BWC-000001 \
    --owner x --reason r $CK
# shellcheck disable=SC2086
expect_exit 2 "annotate --case '' : exit 2" -- bc annotate BWC-000001 \
    --case "" --reason r $CK
expect_grep "case is empty" "$ERR" "  says the case is empty"
# shellcheck disable=SC2086
expect_exit 2 "annotate --tag x and --clear tags: exit 2" -- \
    bc annotate BWC-000001 --tag x --clear tags --reason r $CK
expect_grep "not both" "$ERR" "  says: not both"
expect_exit 2 "custody add ITEM annotate: exit 2, pointing at annotate" -- \
    bc custody add BWC-000001 annotate --key "$K/cust.key" --actor x
expect_grep "bodycam annotate" "$ERR" "  names 'bodycam annotate'"
expect_eq "$(nevents BWC-000001)" 1 "the refused annotations wrote nothing"

# ------------------------------------------------------------------ roles

expect_exit 2 "annotate with an ingest key: exit 2" -- \
    bc annotate BWC-000001 --case 9 --reason r --key "$K/dock.key" \
    --actor dock
expect_grep "role" "$ERR" "  the ingest role may not annotate"
expect_exit 2 "annotate with an auditor key: exit 2" -- \
    bc annotate BWC-000001 --case 9 --reason r --key "$K/aud.key" \
    --actor aud
expect_eq "$(nevents BWC-000001)" 1 "the refused signers wrote nothing"

# ------------------------------------------------------------ annotations

BODYCAM_NOW=2026-06-01T09:00:00Z
# shellcheck disable=SC2086
expect_exit 0 "annotate: case, title, tag added and tag removed" -- \
    bc annotate BWC-000001 --case 2026-0042 --title "Traffic stop" \
    --tag scene --untag night --reason "case assigned" $CK
expect_grep "^BWC-000001  seq 1  annotate  [0-9a-f]{64}\$" "$OUT" \
    "  prints item, seq, action and hash"
BODYCAM_NOW=2026-06-02T09:00:00Z
# shellcheck disable=SC2086
expect_exit 0 "annotate: category set, title cleared" -- \
    bc annotate BWC-000001 --category evidence --clear title \
    --reason "charged" $CK
unset BODYCAM_NOW

expect_exit 0 "show: exit 0" -- bc show BWC-000001
expect_grep "^  case +2026-0042  \\(annotated\\)\$" "$OUT" \
    "  the current case, marked as annotated"
expect_grep "^  category +evidence  \\(annotated\\)\$" "$OUT" \
    "  the current category"
expect_grep "^  tags +dock scene  \\(annotated\\)\$" "$OUT" \
    "  the current tags: dock kept, night removed, scene added"
expect_nogrep "^  title" "$OUT" "  no title: it was cleared"
expect_grep "^  annotations:\$" "$OUT" "  an annotation history"
expect_grep "^ +1  2026-06-01T09:00:00[.0-9]*Z  Sgt.Lee +case=2026-0042 tags=dock,scene title='?Traffic stop'?  \\(case assigned\\)\$" \
    "$OUT" "  the first: who, when, what and why"
expect_grep "^ +2  2026-06-02T09:00:00[.0-9]*Z  Sgt.Lee +category=evidence -title  \\(charged\\)\$" \
    "$OUT" "  the second: category set, title cleared"

expect_exit 0 "show --json: exit 0" -- bc --json show BWC-000001
json_check "$OUT" "d['current'] == {'case': '2026-0042', 'category': 'evidence', 'title': None, 'description': None, 'tags': ['dock', 'scene'], 'annotations': 2}" \
    "  'current' is the view now"
json_check "$OUT" "d['manifest']['case'] == {'number': '7', 'category': 'patrol'}" \
    "  the sealed manifest is unchanged"
json_check "$OUT" "[a['seq'] for a in d['annotations']] == [1, 2] and d['annotations'][1]['clear'] == ['title'] and d['annotations'][0]['reason'] == 'case assigned'" \
    "  'annotations' is the history"
expect_exit 0 "show of an item never annotated: exit 0" -- \
    bc --json show BWC-000002
json_check "$OUT" "d['current']['case'] is None and d['current']['annotations'] == 0 and d['annotations'] == []" \
    "  its view is the manifest's"

# -------------------------------------------------------- list, filtered

list_ids() {
	bc --json list "$@" > "$TMP/list.json" 2>"$ERR" &&
	    "$PYTHON" -c 'import json,sys; print(" ".join(i["id"] for i in json.load(open(sys.argv[1]))))' \
	    "$TMP/list.json" 2>/dev/null ||
	    sed -n 's/^ *"id": "\(BWC-[0-9]*\)",*$/\1/p' "$TMP/list.json" |
	    tr '\n' ' ' | sed 's/ $//'
}
expect_eq "$(list_ids --case 2026-0042)" "BWC-000001" \
    "list --case: the annotated case"
expect_eq "$(list_ids --case 7)" "" "list --case: not the sealed one it replaced"
expect_eq "$(list_ids --category evidence)" "BWC-000001" "list --category"
expect_eq "$(list_ids --category patrol)" "" \
    "list --category: not the sealed one"
expect_eq "$(list_ids --tag scene)" "BWC-000001" "list --tag: an added tag"
expect_eq "$(list_ids --tag night)" "" "list --tag: not a removed tag"
expect_eq "$(list_ids --tag dock)" "BWC-000001" "list --tag: a kept tag"
expect_eq "$(list_ids --officer o-17)" "BWC-000001 BWC-000002" \
    "list --officer: any case of ASCII letters (O-17 and o-17)"
expect_eq "$(list_ids --officer O-17 --case 2026-0042)" "BWC-000001" \
    "list: filters combine"
expect_exit 0 "list: exit 0" -- bc list --case 2026-0042
expect_grep "^BWC-000001 .* 2026-0042 " "$OUT" \
    "  the CASE column shows the current case"

# --------------------------------------------------- verify, audit, forgery

expect_exit 0 "verify: exit 0" -- bc verify BWC-000001
expect_grep "^  ok +view +as 2 annotations give it\$" "$OUT" \
    "  the stored view is checked against the chain"
expect_exit 0 "audit: exit 0" -- bc audit
if [ "$HAVE_SQLITE" -eq 1 ]; then
	cat_copy "$W/forged.db"
	# an insider moves the item into another case in the view table only
	q "$W/forged.db" "UPDATE views SET seq = seq + 1, view =
	    replace(view, '2026-0042', '2026-0666')" 2>/dev/null
	expect_eq "$("$BODYCAM" --catalog "$W/forged.db" --json list \
	    --case 2026-0666 | grep -c BWC-000001)" 1 \
	    "forged view: list is fooled, as an index can be"
	expect_exit 1 "forged view: verify exit 1" -- \
	    "$BODYCAM" --catalog "$W/forged.db" verify BWC-000001
	expect_grep "FAILED +view .*differs" "$OUT" "  it names the view check"
	expect_exit 1 "forged view: audit exit 1" -- \
	    "$BODYCAM" --catalog "$W/forged.db" audit
	expect_grep "BWC-000001 .*view" "$OUT" "  audit names the item"
	# a deleted view row: refused by the trigger
	expect_exit 1,19 "a view row cannot be deleted" -- \
	    q "$W/forged.db" "DELETE FROM views"
	expect_exit 1,19 "a view cannot move back to an earlier event" -- \
	    q "$W/forged.db" "UPDATE views SET seq = 1"
	# the annotate event edited in place: its hash no longer matches
	cat_copy "$W/edited.db"
	q "$W/edited.db" "DROP TRIGGER events_no_update;
	    UPDATE events SET body = replace(body, 'case assigned',
	    'case closed') WHERE seq = 1 AND body LIKE '%annotate%'"
	expect_exit 1 "an annotation edited in place: verify exit 1" -- \
	    "$BODYCAM" --catalog "$W/edited.db" verify BWC-000001
	expect_grep "FAILED +event-hash" "$OUT" "  its event hash fails"
else
	echo "# skip: the forgery tests need sqlite3"
fi

# shellcheck disable=SC2086
expect_exit 0 "annotate --json: exit 0" -- bc --json annotate BWC-000001 \
    --description "stop on the A61" --reason "detail" $CK
json_check "$OUT" "d == dict(d, item='BWC-000001', seq=3, action='annotate') and len(d['hash']) == 64 and sorted(d) == ['action', 'hash', 'item', 'seq']" \
    "  {item, seq, action, hash}"
expect_exit 0 "show after a description: exit 0" -- bc show BWC-000001
expect_grep "^  description stop on the A61\$" "$OUT" "  shows the description"

# ------------------------------------------------ revoked key, after purge

expect_exit 0 "setup: revoke cust's key" -- bc key revoke "$(cat "$TMP/kid.cust")" \
    --reason "left" --key "$K/admin.key"
# shellcheck disable=SC2086
expect_exit 2 "annotate with a revoked key: exit 2" -- \
    bc annotate BWC-000001 --case 1 --reason r $CK
expect_grep "revoked" "$ERR" "  says the key is revoked"
expect_exit 0 "setup: purge two" -- bc custody add BWC-000002 purge \
    --reason "retention" --key "$K/admin.key" --actor Records
expect_exit 2 "annotate a purged item: exit 2" -- bc annotate BWC-000002 \
    --case 1 --reason r --key "$K/admin.key" --actor Records
expect_grep "only a note" "$ERR" "  only a note may follow a purge"

# ------------------------------------------------- schema 5 -> 6 upgrade

if [ "$HAVE_SQLITE" -eq 1 ]; then
	cp "$DATA/catalogs/v5.db" "$W/v5.db"
	chmod 644 "$W/v5.db"
	expect_eq "$(q "$W/v5.db" "PRAGMA user_version")" 5 \
	    "the v5 fixture (the previous release) is schema 5"
	expect_exit 0 "a schema 5 catalog is upgraded" -- \
	    "$BODYCAM" --catalog "$W/v5.db" upgrade
	expect_eq "$(q "$W/v5.db" "PRAGMA user_version")" 8 "  schema 8"
	sqlite_only "its views table is the one a new catalog has" &&
	    expect_eq "$(q "$W/v5.db" ".schema views")" \
	    "$(q "$CAT" ".schema views")" \
	    "  its views table is the one a new catalog has"
	expect_exit 0 "  and audits clean" -- "$BODYCAM" --catalog "$W/v5.db" audit
	expect_grep "^log: 7 leaves" "$OUT" "  its 7 records are in the log"
	expect_eq "$("$BODYCAM" --catalog "$W/v5.db" --json list \
	    --case 2026-0042 | grep -c BWC-000001)" 1 \
	    "  list --case finds its sealed case"
fi

finish
