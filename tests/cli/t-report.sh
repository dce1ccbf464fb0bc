#!/bin/sh
# t-report.sh - 'bodycam report': the chain-of-custody report for a court
# file, as HTML and CSV.  What it shows (manifest summary, every event with
# its signer and verification, the checkpoint), that hostile catalog text
# is escaped (HTML) or defused (CSV), that the HTML is self-contained and
# well formed, that a tampered file or event makes it say FAILED and exit 1,
# --out, and the usage errors.  Then annotations: case and category in
# rows of their own from the current view, the annotation history (HTML
# escaped, CSV defused), FAILED set apart from OK, --tz local times and
# unknown zones, and --case (an item moved in by annotation, not one
# moved out).
#
# Times are fixed with BODYCAM_NOW as the catalog is written, so that the
# time axis can be checked; the expected counts are kept here, not read
# back from the program.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

umask 022

# at TIME: the clock of what follows
at() {
	BODYCAM_NOW=$1
	export BODYCAM_NOW
}

# py FILE... -- CODE: run python on files; skipped (as passing nothing)
# without python3.  Prints what CODE prints; its exit status.
py() {
	_code=$1
	shift
	"$PYTHON" -c "$_code" "$@" 2>&1
}

# py_check DESC CODE FILE...: CODE (python, files in sys.argv[1:]) exits 0
py_check() {
	_d=$1
	shift
	if [ "$HAVE_PYTHON" -ne 1 ]; then
		echo "# skip: $_d (no python3)"
		return 0
	fi
	if _msg=$(py "$@"); then
		pass "$_d"
	else
		fail "$_d" "$_msg"
	fi
}

# ------------------------------------------------------------------ set-up

at 2026-01-01T09:00:00Z
keygen_all admin cust dock
expect_exit 0 "setup: init" -- bc init --admin-key "$K/admin.pub"
expect_exit 0 "setup: key add cust (a name with & and markup)" -- \
    bc key add "$K/cust.pub" --name "Smith & <i>Jones</i>" \
    --role custodian --key "$K/admin.key"
expect_exit 0 "setup: key add dock" -- \
    bc key add "$K/dock.pub" --name dock --role ingest --key "$K/admin.key"

for f in stills/GPS.jpg stills/Canon.jpg stills/GoPro.jpg stills/Apple.jpg \
    stills/Ricoh2.jpg; do
	cp "$DATA/$f" "$M/"
done
chmod 644 "$M"/*
mv "$M/Ricoh2.jpg" "$W/redacted.jpg"
ASUM=$(sha256_of "$M/GPS.jpg")
BSUM=$(sha256_of "$M/Canon.jpg")

regid() {
	bc register "$1" --key "$K/dock.key" --officer OFF-7 --case CASE-7 \
	    2>/dev/null | awk 'NR == 1 { print $1 }'
}
CK=$K/cust.key

# A: events spread over ten days, the last two at one time
at 2026-01-01T10:00:00Z
A=$(regid "$M/GPS.jpg")
at 2026-01-01T12:00:00Z
expect_exit 0 "setup: A access by a <script> actor" -- \
    bc custody add "$A" access --key "$CK" \
    --actor "<script>alert(1)</script>" --location "Room 4 & 5"
at 2026-01-02T10:00:00Z
expect_exit 0 "setup: A copy to a recipient with a comma and quotes" -- \
    bc custody add "$A" copy --key "$CK" --actor "Det. J. Smith" \
    --to 'Defence, "counsel"'
at 2026-01-11T10:00:00Z
expect_exit 0 "setup: A transfer by a formula actor" -- \
    bc custody add "$A" transfer --key "$CK" --actor "=cmd|' /C calc'!A0" \
    --to "DA office" --reason "trial preparation"
expect_exit 0 "setup: A derive" -- \
    bc custody add "$A" derive --key "$CK" --actor "AV tech" \
    --reason "faces redacted" --file "$W/redacted.jpg"
CHILD=$(awk '$2 == "derived" { print $1 }' "$OUT")
AEVENTS=5
check "setup: items $A and the derived $CHILD" -- test -n "$A" -a -n "$CHILD"

# B: to be tampered with; D: three events at one time; E: purged
at 2026-01-12T10:00:00Z
B=$(regid "$M/Canon.jpg")
D=$(regid "$M/GoPro.jpg")
expect_exit 0 "setup: D access" -- \
    bc custody add "$D" access --key "$CK" --actor "tech-2"
expect_exit 0 "setup: D note" -- \
    bc custody add "$D" note --key "$CK" --actor "@clerk" --note "+1 box"
E=$(regid "$M/Apple.jpg")
expect_exit 0 "setup: E purge" -- \
    bc custody add "$E" purge --key "$CK" --actor "Records" \
    --reason "retention over"
check "setup: items $B $D $E, E's file destroyed by its purge" -- \
    test -n "$B" -a -n "$D" -a -n "$E" -a ! -e "$M/Apple.jpg"

at 2026-02-01T08:00:00Z

# the HTML checker: parses with html.parser, checks that elements nest
# (void elements and SVG's self-closed ones aside), and prints facts
cat > "$W/htmlcheck.py" <<'PYEOF'
import sys, json
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr"}

class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []
        self.svgs, self.cur = [], None
        self.rows, self.in_events = [], False
        self.tags = set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "svg":
            self.cur = {"marks": [], "text": []}
            self.svgs.append(self.cur)
        if tag == "table" and a.get("class") == "events":
            self.in_events = True
            self.rows.append(0)
        if tag == "tr" and self.in_events and "tbody" in self.stack:
            self.rows[-1] += 1
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if self.cur is not None and tag in ("circle", "rect"):
            self.cur["marks"].append((tag, a.get("class"),
                float(a.get("cx") or a.get("x"))))
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes %s" % (tag,
                self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        if tag == "svg":
            self.cur = None
        if tag == "table":
            self.in_events = False
    def handle_data(self, d):
        if self.cur is not None and self.stack and self.stack[-1] == "text":
            self.cur["text"].append(d)

p = P()
p.feed(open(sys.argv[1], encoding="utf-8", errors="strict").read())
p.close()
if p.stack:
    p.errors.append("unclosed: %s" % p.stack)
print(json.dumps({"errors": p.errors, "svgs": p.svgs, "rows": p.rows,
                  "tags": sorted(p.tags)}))
PYEOF

# html_facts HTML JSON: the checker's facts about HTML into JSON
html_facts() {
	if [ "$HAVE_PYTHON" -eq 1 ]; then
		"$PYTHON" "$W/htmlcheck.py" "$1" > "$2" 2>&1
	else
		echo '{}' > "$2"
	fi
}

# ------------------------------------------------------------ HTML, clean

expect_exit 0 "report $A --format html: exit 0" -- \
    bc report "$A" --format html
cp "$OUT" "$W/a.html"
expect_empty "$ERR" "report html: nothing on stderr"
expect_eq "$(head -n 1 "$W/a.html")" "<!DOCTYPE html>" \
    "report html: starts with <!DOCTYPE html>"
expect_grep "^</html>\$" "$W/a.html" "report html: ends the document"
expect_grep "$ASUM" "$W/a.html" "report html: the file's SHA-256"
expect_grep "Verification at the time of this report: OK<" "$W/a.html" \
    "report html: says the verification is OK"
expect_grep "FUJIFILM FinePixS1Pro" "$W/a.html" "report html: the camera"
expect_grep "2002-07-13T15:58:28" "$W/a.html" "report html: the capture time"
expect_grep "54\.989667, -1\.914167" "$W/a.html" "report html: the GPS place"
expect_grep "<th>Device</th><td class=\"nr\">not recorded</td>" "$W/a.html" \
    "report html: a member the manifest lacks is 'not recorded'"
expect_grep "OFF-7" "$W/a.html" "report html: the officer"
expect_grep "No checkpoint yet" "$W/a.html" "report html: no checkpoint yet"
expect_grep "new item $CHILD" "$W/a.html" \
    "report html: the derive names the new item"

# hostile text
expect_grep "&lt;script&gt;alert\(1\)&lt;/script&gt;" "$W/a.html" \
    "report html: the <script> actor is escaped"
expect_nogrep "<script" "$W/a.html" "report html: no <script element"
expect_grep "Smith &amp; &lt;i&gt;Jones&lt;/i&gt;" "$W/a.html" \
    "report html: the signer's name is escaped"
expect_nogrep "<i>" "$W/a.html" "report html: no markup from the catalog"
expect_grep "Room 4 &amp; 5" "$W/a.html" \
    "report html: & in a location is escaped"
expect_grep "Defence, &quot;counsel&quot;" "$W/a.html" \
    "report html: quotes are escaped"
expect_grep "=cmd\|&#39; /C calc&#39;!A0" "$W/a.html" \
    "report html: apostrophes are escaped"

# self-contained
expect_nogrep \
    "http|src=|href=|url\(|@import|<link|<img|<script|<iframe|<object" \
    "$W/a.html" "report html: no external reference and no script"

html_facts "$W/a.html" "$W/a.json"
json_check "$W/a.json" "d['errors'] == []" \
    "report html: html.parser reads it and every element is closed in order"
json_check "$W/a.json" "len(d['svgs']) == 1 and 'script' not in d['tags']" \
    "report html: one svg timeline (balanced), no script"
json_check "$W/a.json" "d['rows'] == [$AEVENTS]" \
    "report html: one table row per event ($AEVENTS)"
# the markers: one per event, then the legend's circle and square
json_check "$W/a.json" "len(d['svgs'][0]['marks']) == $AEVENTS + 2 and all(m[1] == 'ok' for m in d['svgs'][0]['marks'][:$AEVENTS])" \
    "report html: one marker per event, each verified"
json_check "$W/a.json" "[t for t in d['svgs'][0]['text'] if t[:1].isdigit() and ' ' in t][:$AEVENTS] == ['0 register', '1 access', '2 copy', '3 transfer', '4 derive']" \
    "report html: the markers are labelled with seq and action"
# register 0h, access 2h, copy 24h, transfer and derive 240h
json_check "$W/a.json" "(lambda x: all(abs((x[i] - x[0]) / (x[4] - x[0]) - f) < 0.005 for i, f in enumerate([0, 2 / 240, 24 / 240, 1, 1])))([m[2] for m in d['svgs'][0]['marks'][:5]])" \
    "report html: markers sit on a time axis (0, 2 h, 1 d, 10 d, 10 d)"
json_check "$W/a.json" "'2026-01-01T10:00:00.000000Z' in d['svgs'][0]['text'] and '2026-01-11T10:00:00.000000Z' in d['svgs'][0]['text']" \
    "report html: the axis shows the first and the last time"

# deterministic with BODYCAM_NOW
expect_exit 0 "report html again: exit 0" -- bc report "$A" --format html
check "report html: the same BODYCAM_NOW gives the same bytes" -- \
    cmp -s "$OUT" "$W/a.html"
BODYCAM_NOW=2026-03-01T00:00:00Z bc report "$A" --format html \
    > "$W/a2.html" 2>/dev/null
expect_eq "$(diff "$W/a.html" "$W/a2.html" | grep -c '^[<>]')" "2" \
    "report html: another BODYCAM_NOW changes only the report time line"
expect_grep "2026-03-01T00:00:00" "$W/a2.html" \
    "report html: shows the report time"

# the derived item, and events at one time
expect_exit 0 "report $CHILD --format html: exit 0" -- \
    bc report "$CHILD" --format html
cp "$OUT" "$W/child.html"
expect_grep "<th>Derived from</th><td>$A, file SHA-256 $ASUM; reason: faces redacted<" \
    "$W/child.html" "report html of the derived item: derived from $A"
expect_grep ">one event<" "$W/child.html" "report html of the derived item: one event"
expect_exit 0 "report $D --format html: exit 0" -- bc report "$D" --format html
cp "$OUT" "$W/d.html"
expect_grep "evenly spaced: their times coincide" "$W/d.html" \
    "report html: events at one time are evenly spaced, and it says so"
html_facts "$W/d.html" "$W/d.json"
json_check "$W/d.json" "(lambda x: len(x) == 3 and x[1] - x[0] == x[2] - x[1] > 0)([m[2] for m in d['svgs'][0]['marks'][:3]])" \
    "report html: three events at one time have evenly spaced markers"

# several items, one purged
expect_exit 0 "report $A $CHILD $E $A --format html: exit 0" -- \
    bc report "$A" "$CHILD" "$E" "$A" --format html
cp "$OUT" "$W/multi.html"
expect_eq "$(grep -c '<section class="item">' "$W/multi.html")" "3" \
    "report html of 3 items (one given twice): three sections"
expect_grep "Verification at the time of this report: OK \(purged\)<" \
    "$W/multi.html" "report html: a purged item is OK (purged), its file not checked"
expect_grep "OK: every item verifies" "$W/multi.html" "report html: every item verifies"
html_facts "$W/multi.html" "$W/multi.json"
json_check "$W/multi.json" "d['errors'] == [] and len(d['svgs']) == 3 and d['rows'] == [$AEVENTS, 1, 3]" \
    "report html of 3 items: well formed, three timelines, rows 5, 1, 3 (purge, note)"

# ------------------------------------------------------------------ CSV

expect_exit 0 "report $A $CHILD --format csv: exit 0" -- \
    bc report "$A" "$CHILD" --format csv
cp "$OUT" "$W/a.csv"
expect_eq "$(head -n 1 "$W/a.csv")" \
    "item,seq,at,action,actor,to,reason,location,signer_key,signer_name,signer_role,verified,event_hash,item_result,at_local,changes,case,category,tags,title,description" \
    "report csv: the header (the first fourteen columns as they were)"
expect_eq "$(wc -l < "$W/a.csv" | tr -d ' ')" "$((AEVENTS + 2))" \
    "report csv: the header and a line per event ($AEVENTS + 1)"
expect_grep "^$A,3,[^,]*,transfer,\"'=cmd\|' /C calc'!A0\",DA office," "$W/a.csv" \
    "report csv: the formula actor is quoted and prefixed with '"
expect_grep "^$A,2,.*,\"Defence, \"\"counsel\"\"\"," "$W/a.csv" \
    "report csv: a comma and quotes are quoted (RFC 4180)"
expect_nogrep ",=|,\+|,@|,-" "$W/a.csv" "report csv: no bare field starts a formula"
py_check "report csv: python's csv module reads $((AEVENTS + 1)) rows of 21 fields" '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == int(sys.argv[2]) + 1, len(rows)
assert all(len(r) == 21 for r in rows), [len(r) for r in rows]
' "$W/a.csv" "$((AEVENTS + 1))"
bc --json custody log "$A" > "$W/logA.json" 2>/dev/null
py_check "report csv: the fields, as the signed events and the custody log say" '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
log = json.load(open(sys.argv[2]))
a, child, asum = sys.argv[3], sys.argv[4], sys.argv[5]
ra = [r for r in rows if r["item"] == a]
assert [r["seq"] for r in ra] == ["0", "1", "2", "3", "4"], ra
assert [r["action"] for r in ra] == ["register", "access", "copy", "transfer", "derive"]
assert [r["event_hash"] for r in ra] == [e["hash"] for e in log["events"]]
assert [r["at"] for r in ra] == [e["event"]["at"] for e in log["events"]]
assert ra[1]["actor"] == "<script>alert(1)</script>", ra[1]["actor"]
assert ra[1]["location"] == "Room 4 & 5"
assert ra[2]["to"] == "Defence, \"counsel\"", ra[2]["to"]
assert ra[3]["actor"] == "\x27=cmd|\x27 /C calc\x27!A0", ra[3]["actor"]
assert ra[3]["reason"] == "trial preparation" and ra[3]["to"] == "DA office"
assert ra[0]["signer_name"] == "dock" and ra[0]["signer_role"] == "ingest"
assert all(r["signer_name"] == "Smith & <i>Jones</i>" and r["signer_role"] == "custodian" for r in ra[1:])
assert ra[1]["signer_key"] == log["events"][1]["event"]["key"]
assert all(r["verified"] == "yes" and r["item_result"] == "OK" for r in rows)
assert all(r["at_local"] == "" and r["changes"] == "" for r in rows)
assert all(r["case"] == "CASE-7" and r["category"] == "" for r in rows)
rc = [r for r in rows if r["item"] == child]
assert len(rc) == 1 and rc[0]["action"] == "register", rc
' "$W/a.csv" "$W/logA.json" "$A" "$CHILD" "$ASUM"

expect_exit 0 "report $D --format csv: exit 0" -- bc report "$D" --format csv
expect_grep "^$D,2,.*,note,\"'@clerk\"," "$OUT" "report csv: an actor starting with @ is defused"

# ---------------------------------------------------------------- --out

expect_exit 0 "report --out FILE: exit 0" -- \
    bc report "$A" --format html --out "$W/out.html"
expect_grep "written to .*out\.html" "$OUT" "report --out: says where"
check "report --out: the file holds what stdout would" -- \
    cmp -s "$W/out.html" "$W/a.html"
expect_eq "$(stat -c %a "$W/out.html" 2>/dev/null)" "644" "report --out: mode 0644"
cp "$W/out.html" "$W/out.keep"
expect_exit 2 "report --out to an existing file: exit 2" -- \
    bc report "$A" --format csv --out "$W/out.html"
expect_grep "exists|never written over" "$ERR" "report --out: refuses to overwrite, says why"
check "report --out: the existing file is untouched" -- \
    cmp -s "$W/out.html" "$W/out.keep"
expect_exit 2 "report --out with an unknown item: exit 2" -- \
    bc report BWC-999999 --format csv --out "$W/none.csv"
check "report --out with an unknown item: no file" -- test ! -e "$W/none.csv"
ln -s "$W/target.html" "$W/link.html"
expect_exit 2,3 "report --out to a dangling symlink: refused" -- \
    bc report "$A" --format html --out "$W/link.html"
check "report --out to a dangling symlink: nothing written through it" -- \
    test ! -e "$W/target.html"
expect_exit 3 "report --out into a missing directory: exit 3" -- \
    bc report "$A" --format html --out "$W/no/such/dir.html"

# ------------------------------------------------------------- usage

expect_exit 2 "report an unknown item: exit 2" -- \
    bc report BWC-999999 --format html
expect_grep "BWC-999999" "$ERR" "report an unknown item: names it"
expect_empty "$OUT" "report an unknown item: no report"
expect_exit 2 "report a known and an unknown item: exit 2" -- \
    bc report "$A" BWC-999999 --format csv
expect_empty "$OUT" "report a known and an unknown item: no partial report"
expect_exit 2 "report without --format: exit 2" -- bc report "$A"
expect_grep "--format" "$ERR" "report without --format: names --format"
expect_exit 2 "report --format pdf: exit 2" -- bc report "$A" --format pdf
expect_grep "pdf" "$ERR" "report --format pdf: names it"
expect_exit 2 "report without an ITEM: exit 2" -- bc report --format html
expect_exit 2 "report --bogus: exit 2" -- bc report "$A" --format html --bogus
expect_exit 2 "report --json with --format: refused, exit 2" -- \
    bc --json report "$A" --format csv
expect_grep "not with --format" "$ERR" "  says --json is instead of --format"
expect_exit 2 "report --json with --out: refused, exit 2" -- \
    bc --json report "$A" --out "$W/never.json"
check "  and writes no file" -- test ! -e "$W/never.json"
expect_exit 0 "report --json: exit 0" -- bc report --json "$A" "$CHILD"
json_check "$OUT" "[i['id'] for i in d['items']] == ['$A', '$CHILD'] and all(i['ok'] and i['result'] == 'OK' for i in d['items']) and len(d['items'][0]['events']) == $AEVENTS" \
    "  the items, in order, their result and every event of each"
json_check "$OUT" "set(d) == {'generated', 'station', 'origin', 'tz', 'log_size', 'checkpoint', 'items'} and d['items'][0]['events'][0]['action'] == 'register' and d['items'][0]['events'][0]['event']['seq'] == 0 and d['items'][0]['events'][0]['verified'] is True" \
    "  with the log and each event as signed, verified"
bc report "$A" --format csv > "$W/json-vs.csv" 2> /dev/null
"$PYTHON" -c 'import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
ev = d["items"][0]["events"]
ok = len(rows) == len(ev) and all(r["event_hash"] == e["hash"] and
    r["action"] == e["action"] and
    # the CSV defuses a formula with a leading quote; JSON has the text
    r["actor"] in (e["actor"], "\x27" + e["actor"]) and
    int(r["seq"]) == e["seq"] and r["signer_name"] == (e["signer_name"] or
    "(unknown key)") for r, e in zip(rows, ev))
print("same" if ok else "differ: %d rows, %d events; %r" % (len(rows),
    len(ev), [(r, e) for r, e in zip(rows, ev)][:1]))' "$OUT" "$W/json-vs.csv" > "$W/json-vs.txt"
expect_eq "$(cat "$W/json-vs.txt")" same "  the same events as the CSV report"
expect_exit 3 "report with no catalog: exit 3" -- \
    "$BODYCAM" --catalog "$TMP/none.db" report "$A" --format html
expect_exit 0 "report --help: exit 0" -- "$BODYCAM" report --help
for o in --format --out --json --case --tz; do
	expect_grep "$o" "$OUT" "report --help mentions $o"
done

# ---------------------------------------------------------- checkpoint

expect_exit 0 "setup: sign a checkpoint" -- \
    bc --json checkpoint --key "$K/admin.key"
ROOT=$(sed -n 's/.*"root_hex": *"\([0-9a-f]*\)".*/\1/p' "$OUT")
cp "$OUT" "$OUT.cp"
SIZE=$(sed -n 's/.*"size": *\([0-9]*\).*/\1/p' "$OUT")
check "setup: the checkpoint's root and size ($SIZE)" -- test -n "$ROOT" -a -n "$SIZE"
expect_exit 0 "report html with a checkpoint: exit 0" -- \
    bc report "$A" --format html
cp "$OUT" "$W/cp.html"
expect_grep "<th>Tree size</th><td>$SIZE leaves" "$W/cp.html" \
    "report html: the checkpoint's tree size"
expect_grep "$ROOT" "$W/cp.html" "report html: the checkpoint's root"
ROOT64=$(sed -n 's/.*"root": *"\([A-Za-z0-9+/=]*\)".*/\1/p' "$OUT.cp")
expect_grep "<th>Root [(]base64, as in the checkpoint[)]</th><td[^>]*>$(printf %s "$ROOT64" | sed 's/[+/]/[&]/g')<" "$W/cp.html" \
    "report html: the root in base64, as the checkpoint has it"
expect_grep "<th>Root [(]hex[)]</th>" "$W/cp.html" "report html: the hex root labelled so"
expect_exit 0 "report --json with a checkpoint: exit 0" -- bc --json report "$A"
json_check "$OUT" "d['checkpoint']['root'] == '$ROOT64' and d['checkpoint']['root_hex'] == '$ROOT'" \
    "report --json: root in base64, root_hex in hex"
expect_grep "<th>Signature</th><td>valid<" "$W/cp.html" "report html: the checkpoint's signature is valid"
expect_grep "the log still gives this root" "$W/cp.html" "report html: the log is consistent with it"
expect_nogrep "No checkpoint yet" "$W/cp.html" "report html: no longer 'no checkpoint yet'"

# ------------------------------------------------------- a tampered file

flip_byte "$M/Canon.jpg" 200
expect_exit 1 "report of a tampered file, html: exit 1" -- \
    bc report "$B" --format html
cp "$OUT" "$W/b.html"
expect_grep "Verification at the time of this report: FAILED \(file-hash\)<" \
    "$W/b.html" "report html: FAILED (file-hash)"
expect_grep "<td>file-hash</td><td></td><td class=\"no\">FAILED</td><td>file SHA-256 [0-9a-f]{64} differs from the sealed $BSUM<" \
    "$W/b.html" "report html: the file-hash check, FAILED, with the sealed hash"
expect_grep "^bodycam: $B: FAILED \(file-hash\)\$" "$ERR" "report html: stderr names the failed check"
html_facts "$W/b.html" "$W/b.json"
json_check "$W/b.json" "d['errors'] == [] and d['rows'] == [1]" \
    "report html of the tampered item: still well formed, its event listed"
expect_exit 1 "report of a tampered file, csv: exit 1" -- \
    bc report "$B" --format csv
expect_grep "^$B,0,.*,register,.*,yes,[0-9a-f]{64},FAILED \(file-hash\),,,CASE-7," "$OUT" \
    "report csv: the item_result column says FAILED (file-hash)"
expect_exit 1 "report of a clean and a tampered item: exit 1" -- \
    bc report "$A" "$B" --format html
expect_grep "FAILED: 1 of 2 items" "$OUT" "report html: the summary says 1 of 2 items failed"
expect_grep '<p class="result failed"><span class="mark">[^<]+</span> Verification' \
    "$W/b.html" "report html: a FAILED result has its own class and a mark"
expect_nogrep 'class="result ok"' "$W/b.html" \
    "report html: a FAILED item is not styled as OK"
expect_grep '\.result\.failed \{[^}]*color: #b00000' "$W/b.html" \
    "report html: the failed class has a colour of its own"
expect_grep '<p class="result ok"><span class="mark">' "$W/a.html" \
    "report html: an OK result has the ok class"
expect_nogrep 'class="result failed"' "$W/a.html" \
    "report html: a clean item has no FAILED styling"
expect_exit 1 "report --out of a tampered file: exit 1" -- \
    bc report "$B" --format html --out "$W/b-out.html"
check "report --out of a tampered file: the report is still written" -- \
    cmp -s "$W/b-out.html" "$W/b.html"

# ------------------------------------------------------ a tampered event

if [ "$HAVE_SQLITE" -eq 1 ]; then
	insider_begin report-insider
	HD=$(sqlite3 "$CAT" "SELECT manifest_hash FROM items WHERE id = '$D'")
	# a readable event whose hash no longer matches: a control
	# character and markup in the actor, in canonical JSON
	sqlite3 -bail "$CAT" "DROP TRIGGER events_no_update;
	    UPDATE events SET body = replace(body, '\"actor\":\"tech-2\"',
	    '\"actor\":\"<b>x\\u0001y</b>\"') WHERE item = '$HD' AND seq = 1"
	check "setup: $D seq 1 rewritten" -- test "$(sqlite3 "$CAT" \
	    "SELECT count(*) FROM events WHERE item = '$HD' AND body LIKE '%<b>x%'")" = 1
	expect_exit 1 "report of a tampered event, html: exit 1" -- \
	    bc report "$D" --format html
	cp "$OUT" "$W/d-bad.html"
	expect_grep "FAILED \(event-hash seq 1" "$W/d-bad.html" \
	    "report html: FAILED names event-hash seq 1"
	expect_grep "<td class=\"no\">NO<br>failed: event-hash" "$W/d-bad.html" \
	    "report html: the event is not verified, its check named"
	expect_grep "&lt;b&gt;x$(printf '\357\277\275')y&lt;/b&gt;" "$W/d-bad.html" \
	    "report html: a control character becomes U+FFFD, markup is escaped"
	check "report html: no control character is written" -- \
	    sh -c '! LC_ALL=C grep -q "$(printf "\001")" "$1"' _ "$W/d-bad.html"
	html_facts "$W/d-bad.html" "$W/d-bad.json"
	json_check "$W/d-bad.json" "d['errors'] == [] and [m[1] for m in d['svgs'][0]['marks'][:3]] == ['ok', 'bad', 'bad']" \
	    "report html: the tampered event and the one linked to it are 'not verified'"
	expect_exit 1 "report of a tampered event, csv: exit 1" -- \
	    bc report "$D" --format csv
	cp "$OUT" "$W/d-bad.csv"
	py_check "report csv: verified is no from the tampered seq 1 on" '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert [r["verified"] for r in rows] == ["yes", "no", "no"], rows
assert all(r["item_result"].startswith("FAILED (event-hash seq 1") for r in rows)
' "$W/d-bad.csv"

	# an unreadable event
	sqlite3 -bail "$CAT" "UPDATE events SET body = '{\"action\":'
	    WHERE item = '$HD' AND seq = 2"
	expect_exit 1 "report with an unreadable event, html: exit 1" -- \
	    bc report "$D" --format html
	expect_grep "\(unreadable\)" "$OUT" "report html: the unreadable event is shown as such"
	expect_grep "a time is unreadable" "$OUT" "report html: the timeline says a time is unreadable"
	expect_exit 1 "report with an unreadable event, csv: exit 1" -- \
	    bc report "$D" --format csv
	expect_eq "$(wc -l < "$OUT" | tr -d ' ')" "4" "report csv: the unreadable event still has its row"

	# sixty rewritten events: the result names every failing check and
	# is never cut (it was once a fixed 1 KiB, cut without its ")")
	cp "$DATA/stills/HTC_Desire.jpg" "$M/"
	F=$(regid "$M/HTC_Desire.jpg")
	n=0
	while [ $n -lt 60 ]; do
		bc custody add "$F" note --key "$CK" --actor "clerk-$n" \
		    --note n > /dev/null 2>&1 || break
		n=$((n + 1))
	done
	expect_eq "$n" 60 "setup: $F has sixty notes"
	HF=$(sqlite3 "$CAT" "SELECT manifest_hash FROM items WHERE id = '$F'")
	sqlite3 -bail "$CAT" "UPDATE events SET body = replace(body,
	    '\"note\":\"n\"', '\"note\":\"m\"') WHERE item = '$HF'"
	expect_exit 1 "report of sixty rewritten events, csv: exit 1" -- \
	    bc report "$F" --format csv
	cp "$OUT" "$W/f-bad.csv"
	cp "$ERR" "$W/f-bad.err"
	expect_grep "^bodycam: $F: FAILED \(event-hash seq 1, .*\.\.\.\$" \
	    "$ERR" "report csv: stderr says it, cut at 1 KiB with ..."
	py_check "report csv: the result names all sixty events, whole" '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
res = rows[0]["item_result"]
assert len(res) > 1024, len(res)
assert res.startswith("FAILED (") and res.endswith(")"), res[-40:]
for seq in range(1, 61):
    assert "event-hash seq %d," % seq in res + ",", seq
' "$W/f-bad.csv"
	insider_end
else
	echo "# skip: tampered events (no sqlite3)"
fi

# ------------------------------------------- annotations, --case, --tz

cp "$DATA/stills/DNG.dng" "$DATA/stills/ExifTool.tif" \
    "$DATA/video/sample.3gp" "$M/"
at 2026-03-01T09:00:00Z
reg_case() {
	bc register "$1" --key "$K/dock.key" --officer OFF-8 --case "$2" \
	    --category "$3" 2>/dev/null | awk 'NR == 1 { print $1 }'
}
G=$(reg_case "$M/DNG.dng" CASE-7 traffic)
H=$(reg_case "$M/ExifTool.tif" CASE-9 traffic)
I=$(reg_case "$M/sample.3gp" CASE-9 assault)
check "setup: items $G $H $I" -- test -n "$G" -a -n "$H" -a -n "$I"
# 12:00 UTC is 07:00 in New York (EST: no daylight saving on March 1)
at 2026-03-01T12:00:00Z
expect_exit 0 "setup: $G moved to CASE-9 by annotation, hostile text" -- \
    bc annotate "$G" --case CASE-9 --category "<b>assault</b>" \
    --tag "=1+1" --tag "ok-tag" --title "=HYPERLINK(\"http://x\")" \
    --description "<script>alert(2)</script> & more" \
    --reason "filed <i>wrongly</i>" --actor "@sgt" --key "$CK"
at 2026-03-01T13:00:00Z
expect_exit 0 "setup: $G title cleared" -- \
    bc annotate "$G" --clear title --reason "not needed" --actor clerk \
    --key "$CK"
expect_exit 0 "setup: $H moved away from CASE-9" -- \
    bc annotate "$H" --case CASE-10 --reason "other case" --actor clerk \
    --key "$CK"

expect_exit 0 "report $G --format html: exit 0" -- bc report "$G" --format html
cp "$OUT" "$W/g.html"
expect_grep '<tr><th>Case</th><td class="annotated">CASE-9 <span class="ann">\[changed by annotation; sealed at registration: CASE-7\]' \
    "$W/g.html" "report html: the case now, marked as annotated, with the sealed one"
expect_grep '<tr><th>Category</th><td class="annotated">&lt;b&gt;assault&lt;/b&gt; <span class="ann">\[changed by annotation; sealed at registration: traffic\]' \
    "$W/g.html" "report html: the category in a row of its own, escaped"
expect_nogrep '<th>Case</th><td[^>]*>[^<]*(traffic|assault)' "$W/g.html" \
    "report html: the Case row does not give the category"
expect_grep '<tr><th>Tags</th><td class="annotated">=1\+1, ok-tag ' \
    "$W/g.html" "report html: the tags now"
expect_grep '<tr><th>Title</th><td class="annotated"><span class="nr">none \(cleared\)</span>' \
    "$W/g.html" "report html: a cleared title says so"
expect_grep '<tr><th>Description</th><td class="annotated">&lt;script&gt;alert\(2\)&lt;/script&gt; &amp; more ' \
    "$W/g.html" "report html: the description, escaped"
expect_grep '<h3>Annotation history \(2\)</h3>' "$W/g.html" \
    "report html: the annotation history has two entries"
expect_grep '^<tr><td>1</td><td>2026-03-01T12:00:00\.000000Z</td><td>@sgt</td><td>case: CASE-9<br>category: &lt;b&gt;assault&lt;/b&gt;<br>description: &lt;script&gt;alert\(2\)&lt;/script&gt; &amp; more<br>tags: =1\+1, ok-tag<br>title: =HYPERLINK\(&quot;http://x&quot;\)</td><td></td><td>filed &lt;i&gt;wrongly&lt;/i&gt;</td></tr>$' \
    "$W/g.html" "report html: who set what, when and why"
expect_grep '^<tr><td>2</td><td>2026-03-01T13:00:00\.000000Z</td><td>clerk</td><td></td><td>title</td><td>not needed</td></tr>$' \
    "$W/g.html" "report html: a cleared field in the history"
expect_nogrep "<script|<b>assault|<i>wrongly" "$W/g.html" \
    "report html: no markup from annotations"
html_facts "$W/g.html" "$W/g.json"
json_check "$W/g.json" "d['errors'] == [] and d['rows'] == [3]" \
    "report html with annotations: well formed, three events"
expect_exit 0 "report $I --format html: exit 0" -- bc report "$I" --format html
expect_grep '<tr><th>Case</th><td>CASE-9</td></tr>' "$OUT" \
    "report html: a case never annotated is plain"
expect_grep '<tr><th>Category</th><td>assault</td></tr>' "$OUT" \
    "report html: so is its category"
expect_grep 'No annotations' "$OUT" "report html: no annotation history"

expect_exit 0 "report $G --format csv: exit 0" -- bc report "$G" --format csv
cp "$OUT" "$W/g.csv"
py_check "report csv: the current view and the changes of each annotation" '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert [r["action"] for r in rows] == ["register", "annotate", "annotate"]
assert all(r["case"] == "CASE-9" and r["category"] == "<b>assault</b>" for r in rows)
assert all(r["tags"] == "\x27=1+1, ok-tag" for r in rows), rows[0]["tags"]
assert all(r["title"] == "" for r in rows)
assert all(r["description"] == "<script>alert(2)</script> & more" for r in rows)
assert rows[0]["changes"] == ""
assert rows[1]["changes"] == "set case=CASE-9; set category=<b>assault</b>; set description=<script>alert(2)</script> & more; set tags==1+1, ok-tag; set title==HYPERLINK(\"http://x\")", rows[1]["changes"]
assert rows[2]["changes"] == "clear title", rows[2]["changes"]
assert rows[1]["actor"] == "\x27@sgt" and rows[1]["reason"] == "filed <i>wrongly</i>"
' "$W/g.csv"
expect_nogrep ",=|,\+|,@|,-" "$W/g.csv" \
    "report csv: no annotation field starts a formula"
expect_exit 0 "setup: $I given a formula title" -- \
    bc annotate "$I" --title "=cmd|x" --reason r --actor clerk --key "$CK"
expect_exit 0 "report $I --format csv: exit 0" -- bc report "$I" --format csv
expect_grep ",\"'=cmd\|x\",\$" "$OUT" \
    "report csv: a formula title is quoted and prefixed with '"

# --tz
expect_exit 0 "report --tz America/New_York: exit 0" -- \
    bc report "$G" --format html --tz America/New_York
cp "$OUT" "$W/g-ny.html"
expect_grep '<tr><th>Local times</th><td>America/New_York</td></tr>' \
    "$W/g-ny.html" "report html --tz: names the zone"
expect_grep '<td>2026-03-01T12:00:00\.000000Z<br><span class="local">2026-03-01 07:00:00 EST, UTC-05:00</span></td><td>@sgt' \
    "$W/g-ny.html" "report html --tz: an annotation's local time beside UTC"
expect_grep '2026-03-01T09:00:00\.000000Z<br><span class="local">2026-03-01 04:00:00 EST, UTC-05:00</span>' \
    "$W/g-ny.html" "report html --tz: an event's local time"
expect_grep '<th>Report time \(UTC\)</th><td>2026-03-01T13:00:00\.000000Z; local 2026-03-01 08:00:00 EST, UTC-05:00<' \
    "$W/g-ny.html" "report html --tz: the report time's local time"
expect_grep '<th>Registered</th><td>2026-03-01T09:00:00\.000000Z on station .*; local 2026-03-01 04:00:00 EST' \
    "$W/g-ny.html" "report html --tz: the registration's local time"
html_facts "$W/g-ny.html" "$W/g-ny.json"
json_check "$W/g-ny.json" "d['errors'] == []" "report html --tz: well formed"
expect_nogrep 'class="local"|Local times' "$W/g.html" \
    "report html without --tz: no local times"
expect_exit 0 "report --tz Europe/London --format csv: exit 0" -- \
    bc report "$G" --format csv --tz Europe/London
py_check "report csv --tz: at_local of each event" '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert [r["at_local"] for r in rows] == ["2026-03-01 09:00:00 GMT, UTC+00:00", "2026-03-01 12:00:00 GMT, UTC+00:00", "2026-03-01 13:00:00 GMT, UTC+00:00"], rows
' "$OUT"
expect_exit 0 "report --tz UTC: exit 0" -- bc report "$G" --format csv --tz UTC
expect_grep ',"2026-03-01 12:00:00 UTC, UTC\+00:00",' "$OUT" "report --tz UTC: UTC local times"
for z in Mars/Olympus ../../etc/passwd /etc/localtime America/../UTC "" \
    zone.tab; do
	expect_exit 2 "report --tz '$z': exit 2" -- \
	    bc report "$G" --format html --tz "$z"
	expect_grep "time zone" "$ERR" "report --tz '$z': says the zone is unknown"
	expect_empty "$OUT" "report --tz '$z': no report"
done

# --case
expect_exit 0 "report --case CASE-9 --format csv: exit 0" -- \
    bc report --case CASE-9 --format csv
expect_eq "$(awk -F, 'NR > 1 { print $1 }' "$OUT" | sort -u | tr '\n' ' ')" \
    "$G $I " "report --case CASE-9: the items there now ($G moved in, not $H moved out)"
expect_exit 0 "report --case CASE-9 --format html: exit 0" -- \
    bc report --case CASE-9 --format html
expect_eq "$(grep -c '<section class="item">' "$OUT")" "2" \
    "report --case CASE-9 html: two sections"
expect_grep "<tr><th>Items</th><td>$G, $I</td></tr>" "$OUT" \
    "report --case html: the items, in registration order"
expect_exit 0 "report --case CASE-10: exit 0" -- \
    bc report --case CASE-10 --format csv
expect_eq "$(awk -F, 'NR > 1 { print $1 }' "$OUT" | sort -u)" "$H" \
    "report --case CASE-10: the item moved there"
expect_exit 2 "report --case with no item: exit 2" -- \
    bc report --case CASE-404 --format csv
expect_grep "no item is in case CASE-404" "$ERR" "report --case with no item: says so"
expect_empty "$OUT" "report --case with no item: no report"
expect_exit 2 "report --case and an ITEM: exit 2" -- \
    bc report "$G" --case CASE-9 --format csv
expect_grep "not both" "$ERR" "report --case and an ITEM: says why"
expect_exit 2 "report --case '': exit 2" -- bc report --case "" --format csv

finish
