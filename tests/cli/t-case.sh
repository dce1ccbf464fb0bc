#!/bin/sh
# t-case.sh - cases: 'bodycam case list' and 'case show N' (by each item's
# current case: the sealed one with its annotations applied), and
# 'custody add --case N ACTION', which records ACTION on every item of
# the case in one transaction: all or nothing, purged items skipped.
# Every case-wide command (custody add, release, report, case show)
# takes the case's items from their chains: a stored view edited to put
# an item in a case, or take it out, stops them (exit 1).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

keygen_all admin cust
check "setup: keygen admin and cust" -- test -f "$K/admin.key" -a -f "$K/cust.key"
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
add_keys cust:custodian
for f in one two three four; do
	printf 'footage %s\n' "$f" > "$M/$f.mp4"
done
expect_exit 0 "setup: register one and two in case 7" -- \
    bc register "$M/one.mp4" "$M/two.mp4" --key "$K/admin.key" --case 7
expect_exit 0 "setup: register three in case 8, four in none" -- \
    bc register "$M/three.mp4" --key "$K/admin.key" --case 8
expect_exit 0 "setup: register four" -- \
    bc register "$M/four.mp4" --key "$K/admin.key"
# three moves to case 7 by annotation; one stays
expect_exit 0 "setup: annotate three into case 7" -- bc annotate BWC-000003 \
    --case 7 --reason "same incident" --key "$K/cust.key" --actor clerk

expect_exit 0 "case list: exit 0" -- bc case list
expect_grep "^7 +3 +0 +0\$" "$OUT" "  case 7: 3 items (one moved in), none held"
expect_nogrep "^8 " "$OUT" "  case 8 has no item now"
expect_grep "^\\(1 item without a case\\)\$" "$OUT" "  one item without a case"
expect_exit 0 "case list --json: exit 0" -- bc --json case list
json_check "$OUT" "d == {'cases': [{'case': '7', 'items': 3, 'held': 0, 'purged': 0}], 'without_case': 1}" \
    "  {cases: [...], without_case}"

expect_exit 0 "case show 7: exit 0" -- bc case show 7
expect_grep "^case 7: 3 items, 0 on legal hold, 0 purged\$" "$OUT" "  a summary line"
expect_grep "^BWC-000003 " "$OUT" "  the item annotated into the case"
expect_exit 0 "case show 7 --json: exit 0" -- bc --json case show 7
json_check "$OUT" "[i['id'] for i in d['items']] == ['BWC-000001', 'BWC-000002', 'BWC-000003'] and all(i['held'] is False and i['purged'] is False and i['events'] >= 1 for i in d['items'])" \
    "  its items, in order, with hold, purge and events"
expect_exit 2 "case show 8 (emptied by the annotation): exit 2" -- bc case show 8
expect_grep "no item is in case '8'" "$ERR" "  says no item is in it"
expect_exit 2 "case show without N: exit 2" -- bc case show
expect_exit 2 "case frobnicate: exit 2" -- bc case frobnicate

# ------------------------------------------------ custody add --case N

CK="--key $K/cust.key --actor clerk"
# shellcheck disable=SC2086
expect_exit 0 "custody add --case 7 hold: exit 0" -- \
    bc custody add --case 7 hold --reason "litigation" $CK
expect_grep "^BWC-000001  seq 1  hold  " "$OUT" "  one line an item: one"
expect_grep "^BWC-000003  seq 2  hold  " "$OUT" "  three (after its annotation)"
expect_eq "$(nevents BWC-000004)" 1 "  four, not in the case, untouched"
expect_exit 0 "case list after the hold" -- bc case list
expect_grep "^7 +3 +3 +0\$" "$OUT" "  case 7: 3 held"

# all or nothing: with two unheld by hand, a case-wide unhold is refused
# whole, and one and three stay held
expect_exit 0 "setup: unhold two by hand" -- bc custody add BWC-000002 \
    unhold --reason "released" --key "$K/cust.key" --actor clerk
# shellcheck disable=SC2086
expect_exit 2 "custody add --case 7 unhold with two not held: exit 2" -- \
    bc custody add --case 7 unhold --reason "case closed" $CK
expect_grep "BWC-000002: unhold while the item is not on legal hold" "$ERR" \
    "  names the item refused and why"
expect_grep "nothing recorded for any of its 3 items" "$ERR" "  and that nothing was recorded"
expect_eq "$(nevents BWC-000001)" 2 "  one kept its 2 events (not unheld)"
expect_eq "$(nevents BWC-000003)" 3 "  three kept its 3 events"

# purged items are skipped
expect_exit 0 "setup: unhold one and three" -- sh -c "
    '$BODYCAM' --catalog '$CAT' custody add BWC-000001 unhold --reason r \
        --key '$K/cust.key' --actor clerk >/dev/null &&
    '$BODYCAM' --catalog '$CAT' custody add BWC-000003 unhold --reason r \
        --key '$K/cust.key' --actor clerk >/dev/null"
expect_exit 0 "setup: purge one" -- bc custody add BWC-000001 purge \
    --reason retention --key "$K/cust.key" --actor clerk
check "  its media is destroyed" -- test ! -e "$M/one.mp4"
# shellcheck disable=SC2086
expect_exit 0 "custody add --case 7 access: exit 0" -- \
    bc --json custody add --case 7 access $CK
json_check "$OUT" "d['case'] == '7' and d['action'] == 'access' and d['items'][0] == {'item': 'BWC-000001', 'skipped_purged': True} and [i['seq'] for i in d['items'][1:]] == [3, 4]" \
    "  the purged item skipped, the others recorded"
# shellcheck disable=SC2086
expect_exit 0 "custody add --case 7 note: exit 0 (a note follows a purge too)" -- \
    bc custody add --case 7 note --note "case file closed" $CK
expect_grep "^BWC-000001  seq 5  note  " "$OUT" \
    "  the purged item has its note (after the purge's media note, seq 4)"

# usage
# shellcheck disable=SC2086
expect_exit 2 "custody add --case 7 transfer: exit 2" -- \
    bc custody add --case 7 transfer --to x --reason y $CK
expect_grep "access, hold, unhold or note" "$ERR" "  only those four"
# shellcheck disable=SC2086
expect_exit 2 "custody add --case 7 ITEM hold: exit 2" -- \
    bc custody add --case 7 BWC-000002 hold --reason r $CK
# shellcheck disable=SC2086
expect_exit 2 "custody add --case 99 hold: exit 2, no item" -- \
    bc custody add --case 99 hold --reason r $CK
expect_grep "no item is in case '99'" "$ERR" "  says the case has no item"

# release --case: every item of the case, verified first
keygen_all aud
add_keys aud:auditor
# a purged item cannot be released: the case is refused whole
expect_exit 2 "release --case 7 (one purged): exit 2" -- bc release --case 7 \
    --to "DA office" --authority "subpoena 1" --key "$K/aud.key" \
    --actor QA --out "$W/rel7"
expect_grep "BWC-000001 was purged" "$ERR" "  names the purged item"
check "  and writes no bundle" -- test ! -e "$W/rel7"
expect_exit 0 "setup: annotate two and four into case 10" -- sh -c "
    for i in BWC-000002 BWC-000004; do
        '$BODYCAM' --catalog '$CAT' annotate \$i --case 10 --reason r \
            --key '$K/cust.key' --actor clerk >/dev/null || exit 1
    done"
expect_exit 0 "release --case 10: exit 0" -- bc --json release --case 10 \
    --to "DA office" --authority "subpoena 2" --key "$K/aud.key" \
    --actor QA --out "$W/rel10"
json_check "$OUT" "d['released'] is True and d['items'] == 2" \
    "  the 2 items of case 10 released"
check "  each is in the bundle" -- test -d "$W/rel10/items/BWC-000002" \
    -a -d "$W/rel10/items/BWC-000004"
check "  three, in case 7, is not" -- test ! -e "$W/rel10/items/BWC-000003"
expect_exit 0 "  the bundle verifies" -- "$BODYCAM" verify-bundle "$W/rel10" \
    --trust "$K/admin.pub"
expect_exit 2 "release --case 99: exit 2" -- bc release --case 99 \
    --to x --authority y --key "$K/aud.key" --out "$W/rel99"
expect_grep "no item is in case '99'" "$ERR" "  says the case has no item"
check "  and writes no bundle" -- test ! -e "$W/rel99"
expect_exit 2 "release --case 7 ITEM: exit 2" -- bc release --case 7 \
    BWC-000004 --to x --authority y --key "$K/aud.key" --out "$W/relx"

# an insider edits the derived view to take three out of case 7: a
# case-wide hold must not silently miss it
if [ "$HAVE_SQLITE" -eq 1 ]; then
	cat_copy "$W/forged.db"
	q "$W/forged.db" "UPDATE views SET seq = seq + 100, view =
	    replace(view, '\"case\":\"7\"', '\"case\":\"77\"')
	    WHERE view LIKE '%\"case\":\"7\"%'"
	expect_exit 1 "custody add --case 7 on a forged view: exit 1" -- \
	    "$BODYCAM" --catalog "$W/forged.db" custody add --case 7 note \
	    --note n --key "$K/cust.key" --actor clerk
	expect_grep "BWC-000003: its stored view keeps it out of case '7'" \
	    "$ERR" "  names the item whose view disagrees with its chain"
	expect_eq "$(q "$W/forged.db" "SELECT count(*) FROM events")" \
	    "$(q "$CAT" "SELECT count(*) FROM events")" "  and records nothing"

	# the same for release, report and case show, both ways: four's
	# view (triggers dropped) moved from case 10, where its chain keeps
	# it, to case 11, where its chain never put it
	cat_copy "$W/moved.db"
	q "$W/moved.db" "DROP TRIGGER views_forward;
	    DROP TRIGGER views_no_delete;
	    UPDATE views SET view = replace(view, '\"case\":\"10\"',
	    '\"case\":\"11\"') WHERE item = (SELECT manifest_hash FROM
	    items WHERE id = 'BWC-000004')"
	expect_eq "$("$BODYCAM" --catalog "$W/moved.db" --json list \
	    --case 11 | grep -c BWC-000004)" 1 \
	    "setup: list (by the views) puts four in case 11"
	for c in 10 11; do
		if [ "$c" = 10 ]; then
			how="keeps it out of case '10'"
		else
			how="puts it in case '11'"
		fi
		expect_exit 1 "release --case $c on a moved view: exit 1" -- \
		    "$BODYCAM" --catalog "$W/moved.db" release --case "$c" \
		    --to "DA office" --authority "subpoena 3" \
		    --key "$K/aud.key" --actor QA --out "$W/relm$c"
		expect_grep "BWC-000004: its stored view $how and its chain" \
		    "$ERR" "  names four and the view's lie"
		expect_grep "run 'bodycam audit'" "$ERR" "  and says to audit"
		check "  writes no bundle" -- test ! -e "$W/relm$c"
		expect_exit 1 "report --case $c on a moved view: exit 1" -- \
		    "$BODYCAM" --catalog "$W/moved.db" report --case "$c" \
		    --format csv --out "$W/repm$c.csv"
		expect_grep "BWC-000004: its stored view $how" "$ERR" \
		    "  names four"
		check "  writes no report" -- test ! -e "$W/repm$c.csv"
		expect_exit 1 "case show $c on a moved view: exit 1" -- \
		    "$BODYCAM" --catalog "$W/moved.db" case show "$c"
		expect_grep "BWC-000004: its stored view $how" "$ERR" \
		    "  names four"
	done
	expect_eq "$(q "$W/moved.db" "SELECT count(*) FROM events")" \
	    "$(q "$CAT" "SELECT count(*) FROM events")" \
	    "  no release was recorded"

	# a broken chain cannot say its case and stays broken: it stops
	# the cases that anything readable of it names (three: sealed in 8,
	# annotated into 7), by its name, and no other
	cat_copy "$W/broken.db"
	q "$W/broken.db" "DROP TRIGGER events_no_update;
	    UPDATE events SET body = replace(body, 'same incident',
	    'other incident') WHERE seq = 1 AND item = (SELECT
	    manifest_hash FROM items WHERE id = 'BWC-000003')"
	expect_exit 0 "case show 10 beside a broken chain: exit 0" -- \
	    "$BODYCAM" --catalog "$W/broken.db" --json case show 10
	json_check "$OUT" "[i['id'] for i in d['items']] == ['BWC-000002', 'BWC-000004']" \
	    "  its two items"
	expect_exit 0 "custody add --case 10 beside a broken chain: exit 0" -- \
	    "$BODYCAM" --catalog "$W/broken.db" custody add --case 10 note \
	    --note n --key "$K/cust.key" --actor clerk
	for c in 7 8; do
		expect_exit 1 "case show $c (broken three may be in it): exit 1" -- \
		    "$BODYCAM" --catalog "$W/broken.db" --json case show "$c"
		json_check "$OUT" "[i['id'] for i in d['items'] if 'broken' in i] == ['BWC-000003']" \
		    "  three is there, shown broken"
		expect_grep "BWC-000003: .*broken" "$ERR" "  and named on stderr"
		expect_exit 1 "custody add --case $c with three broken: exit 1" -- \
		    "$BODYCAM" --catalog "$W/broken.db" custody add --case "$c" \
		    note --note n --key "$K/cust.key" --actor clerk
		expect_grep "BWC-000003: .*broken" "$ERR" "  names three"
	done
fi

expect_exit 0 "audit after it all: exit 0" -- bc audit

finish
