#!/bin/sh
# t-api-errors.sh - every error answer of 'bodycam serve' that a request
# can provoke has one shape, {"error": {"code", "message", DETAILS}}, the
# shape the CLI's --json prints, and no answer names a CLI option
# ("--reason"), a placeholder ("<catalog>", "<storage>") or a path of the
# server's (its storage folder, its catalog).  The field at fault is the
# "field" detail by its JSON name; a duplicate names the item it is, in
# "existing", as 'register --json' does.
#
# Needs curl and python3 (make deps): without them it fails, it does not
# skip.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

_missing=""
for _t in curl python3; do
	command -v "$_t" > /dev/null 2>&1 || _missing="$_missing $_t"
done
if [ -n "$_missing" ]; then
	fail "the tools the API tests need are installed" "missing:$_missing"
	finish
fi
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

# ----------------------------------------------------------------- set-up

ST_DIR=$TMP/storage
mkdir -p "$ST_DIR/sub"
keygen_all admin ing cust aud 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ST_DIR"
add_keys ing:ingest cust:custodian aud:auditor
T_ING=$(mktoken dock-1 ingest)
T_CUST=$(mktoken det.smith custodian)
T_AUD=$(mktoken auditor.ann auditor)
cp "$DATA/stills/Canon.jpg" "$DATA/stills/Apple.jpg" \
    "$DATA/stills/GPS.jpg" "$ST_DIR/"
chmod 644 "$ST_DIR"/*.jpg

if ! start_server main --storage "$ST_DIR" --key "$K/ing.key" \
    --key "$K/cust.key" --key "$K/aud.key" --max-upload 1M; then
	fail "the server starts" "no 'serving' line"
	finish
fi
URL=http://127.0.0.1:$PORT

# Each answer is kept as ANS/N.status, N.body and N.want ("CODE FIELD":
# the code, and the field detail or "-" when none is due), and checked
# all together at the end.
ANS=$TMP/answers
mkdir -p "$ANS"
N=0

# ask WANT-STATUS WANT-CODE WANT-FIELD TOKEN METHOD PATH [CURL-OPTIONS...]
ask() {
	_ws=$1
	_wc=$2
	_wf=$3
	shift 3
	api "$@"
	N=$((N + 1))
	echo "$ST" > "$ANS/$N.status"
	cp "$RB" "$ANS/$N.body"
	echo "$_ws $_wc $_wf $2 $3" > "$ANS/$N.want"
}

# keep TOKEN METHOD PATH [CURL-OPTIONS...]: an answer that need not be an
# error, checked for leaks only
keep() {
	api "$@"
	N=$((N + 1))
	echo "$ST" > "$ANS/$N.status"
	cp "$RB" "$ANS/$N.body"
	echo "- - - $2 $3" > "$ANS/$N.want"
}

# ------------------------------------------------------------ the requests

# tokens and routes
ask 401 unauthorized - - GET /v1/items
ask 401 unauthorized - "bct_$(printf '%064d' 0)" GET /v1/items
ask 404 not_found - "$T_ING" GET /v1/nothing-here
ask 405 method_not_allowed - "$T_ING" DELETE /v1/items
ask 403 forbidden - "$T_CUST" POST /v1/items -d '{"path":"Canon.jpg"}'

# bodies
ask 400 bad_request - "$T_ING" POST /v1/items -d '{'
ask 400 bad_request - "$T_ING" POST /v1/items -d '[]'
ask 400 bad_request - "$T_ING" POST /v1/items -d '{"path":"Canon.jpg"} x'
ask 400 bad_request - "$T_ING" POST /v1/items \
    -d '{"path":"Canon.jpg","bogus":1}'
ask 400 bad_request path "$T_ING" POST /v1/items -d '{"path":1}'
ask 400 bad_request path "$T_ING" POST /v1/items -d '{}'
ask 400 bad_request - "$T_ING" POST /v1/items -d ''
head -c 1100000 /dev/zero | tr '\0' ' ' > "$TMP/big.json"
ask 413 too_large - "$T_ING" POST /v1/items --data-binary @"$TMP/big.json"

# paths in the storage folder
ask 400 bad_request - "$T_ING" POST /v1/items -d '{"path":"nosuch.jpg"}'
ask 400 bad_request - "$T_ING" POST /v1/items -d '{"path":"../x.jpg"}'
ask 400 bad_request - "$T_ING" POST /v1/items -d "{\"path\":\"$ST_DIR/Canon.jpg\"}"
ask 400 bad_request - "$T_ING" POST /v1/items -d '{"path":"sub"}'

# operator fields, by their JSON names
ask 400 bad_request officer "$T_ING" POST /v1/items \
    -d '{"path":"Canon.jpg","officer":""}'
ask 400 bad_request device "$T_ING" POST /v1/items \
    -d '{"path":"Canon.jpg","device":"a\u0007b"}'
ask 400 bad_request tags "$T_ING" POST /v1/items -d '{"path":"Canon.jpg","tags":[""]}'
LONG=$(printf '%0300d' 0)
ask 400 bad_request category "$T_ING" POST /v1/items \
    -d "{\"path\":\"Canon.jpg\",\"category\":\"$LONG\"}"

# a registration, then the same file again: exists, with the item
api "$T_ING" POST /v1/items -d '{"path":"Canon.jpg"}'
expect_status 201 "setup: Canon.jpg is registered"
A=$(jget "$RB" 'd["id"]')
ask 409 exists - "$T_ING" POST /v1/items -d '{"path":"Canon.jpg"}'
EXISTS_N=$N
api "$T_ING" POST /v1/items -d '{"path":"Apple.jpg"}'
expect_status 201 "setup: Apple.jpg is registered"
B=$(jget "$RB" 'd["id"]')

# events: the fields the library checks, named as the request names them
ask 400 bad_request reason "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"hold"}'
REASON_N=$N
ask 400 bad_request to "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"transfer","reason":"r"}'
ask 400 bad_request to "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"access","to":"someone"}'
ask 400 bad_request reason "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"hold","reason":""}'
ask 400 bad_request location "$T_CUST" POST "/v1/items/$A/events" \
    -d "{\"action\":\"access\",\"location\":\"$LONG\"}"
ask 400 bad_request note "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"note","note":"a\u001bb"}'
ask 400 bad_request - "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"view"}'
ask 400 bad_request - "$T_CUST" POST "/v1/items/$A/events" -d '{}'
ask 400 bad_request reason "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"hold","reason":7}'
ask 404 not_found - "$T_CUST" POST "/v1/items/BWC-999999/events" \
    -d '{"action":"access"}'
ask 400 bad_request - "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"relocate","path":"../x.jpg"}'
ask 400 bad_request - "$T_CUST" POST "/v1/items/$A/events" \
    -d '{"action":"relocate","path":"gone/none.jpg"}'

# reads
ask 404 not_found - "$T_ING" GET /v1/items/BWC-999999
ask 400 bad_request - "$T_ING" GET '/v1/items?limit=abc'
ask 400 bad_request - "$T_ING" GET '/v1/items?bogus=1'
ask 404 not_found - "$T_ING" GET /v1/cases/NO-SUCH-CASE
ask 404 not_found - "$T_ING" GET "/v1/items/BWC-999999/proof"
ask 416 range_not_satisfiable - "$T_CUST" GET "/v1/items/$A/media" \
    -H 'Range: bytes=99999999-'

# the file of an item gone from storage: the answers say so without
# saying where the storage folder is
rm -f "$ST_DIR/Apple.jpg"
ask 410 gone - "$T_CUST" GET "/v1/items/$B/media"
keep "$T_AUD" POST "/v1/items/$B/verify" -d '{}'
keep "$T_AUD" POST "/v1/items/$B/verify" -d '{"record":true}'

# releases
ask 400 bad_request - "$T_AUD" POST /v1/releases \
    -d '{"items":[],"to":"DA","authority":"order 1","name":"r0"}'
ask 400 bad_request to "$T_AUD" POST /v1/releases \
    -d "{\"items\":[\"$A\"],\"authority\":\"order 1\",\"name\":\"r1\"}"
ask 404 not_found - "$T_AUD" GET /v1/releases/no-such-release
keep "$T_AUD" POST /v1/releases \
    -d "{\"items\":[\"$B\"],\"name\":\"r2\",\"to\":\"DA\",\"authority\":\"order 1\"}"

# uploads
ask 400 bad_request size "$T_ING" POST /v1/uploads -d '{"name":"x.jpg"}'
ask 413 too_large size "$T_ING" POST /v1/uploads \
    -d '{"name":"x.jpg","size":99999999999}'
ask 404 not_found - "$T_ING" GET /v1/uploads/nosuch
ask 404 not_found - "$T_ING" PUT /v1/uploads/nosuch \
    -H 'Content-Type: application/octet-stream' --data-binary 'abc'

# --------------------------------------------------------------- checking

cat > "$TMP/check.py" << 'PYEOF'
import json, os, re, sys

ans, n, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
details = {"field", "existing", "offset", "size", "item", "report"}
bad = []
for i in range(1, n + 1):
    status = open(os.path.join(ans, "%d.status" % i)).read().strip()
    text = open(os.path.join(ans, "%d.body" % i), "rb").read().decode(
        "utf-8", "replace")
    ws, wc, wf, what = open(os.path.join(ans, "%d.want" % i)).read().split(
        None, 3)
    what = what.strip()
    why = []
    if re.search(r"--[A-Za-z]", text):
        why.append("names a CLI option")
    for p in ("<catalog>", "<storage>"):
        if p in text:
            why.append("has the placeholder " + p)
    for p in paths:
        if p in text:
            why.append("names the server's path " + p)
    if ws != "-":
        if status != ws:
            why.append("status %s, not %s" % (status, ws))
        try:
            d = json.loads(text)
        except ValueError:
            d = None
            why.append("not JSON")
        if d is not None:
            e = d.get("error") if isinstance(d, dict) else None
            if not isinstance(d, dict) or list(d) != ["error"] or \
                    not isinstance(e, dict):
                why.append("not {\"error\": {...}}")
            else:
                if list(e)[:2] != ["code", "message"]:
                    why.append("members %s, not code, message first"
                               % list(e))
                if e.get("code") != wc:
                    why.append("code %r, not %r" % (e.get("code"), wc))
                if not isinstance(e.get("message"), str) or \
                        not e["message"]:
                    why.append("no message")
                extra = set(e) - {"code", "message"} - details
                if extra:
                    why.append("unknown members %s" % sorted(extra))
                want_f = None if wf == "-" else wf
                if e.get("field") != want_f:
                    why.append("field %r, not %r" % (e.get("field"),
                                                      want_f))
    if why:
        bad.append("%d %s: %s: %s" % (i, what, "; ".join(why), text[:300]))
if bad:
    print("\n".join(bad))
PYEOF
"$PYTHON" "$TMP/check.py" "$ANS" "$N" "$ST_DIR" "$CAT" "$TMP" \
    > "$TMP/bad" 2>&1
expect_empty "$TMP/bad" \
    "all $N answers: one error shape, the field by its JSON name, no CLI option, placeholder or server path"
check "  and that is some 50 answers" -- test "$N" -ge 50

# the duplicate names the item it is, as register --json does
expect_eq "$(jget "$ANS/$EXISTS_N.body" 'd["error"]["existing"]')" "$A" \
    "a duplicate's answer names the item in 'existing'"
expect_grep "hold needs a reason" "$ANS/$REASON_N.body" \
    "a hold without a reason says so, in words"
expect_exit 2 "the CLI: the same duplicate" -- \
    bc --json register --key "$K/ing.key" "$ST_DIR/Canon.jpg"
json_check "$OUT" "d[0]['error']['code'] == 'exists' and d[0]['error']['existing'] == '$A' and d[0]['existing'] == '$A'" \
    "  has the API's code and 'existing' in its error"
expect_exit 2 "the CLI: an empty --officer" -- \
    bc --json register --key "$K/ing.key" --officer "" "$ST_DIR/GPS.jpg"
json_check "$OUT" "d['error']['code'] == 'bad_request' and d['error']['field'] == 'officer' and d['error']['exit'] == 2 and d['error']['message'] == 'officer is empty (--officer)'" \
    "  the field, and the option in the message"
expect_exit 2 "the CLI: a recipient on access" -- \
    bc --json custody add "$A" access --key "$K/cust.key" --actor x --to y
json_check "$OUT" "list(d) == ['error'] and list(d['error']) == ['code', 'message', 'field', 'exit'] and d['error']['code'] == 'bad_request' and d['error']['field'] == 'to' and '(--to)' in d['error']['message']" \
    "  the API's code and field 'to', with its option --to"

# (a server that took it would run on: timeout ends it, exit 124)
expect_exit 2 "serve --json: refused, exit 2" -- \
    timeout 10 "$BODYCAM" --catalog "$CAT" --json serve \
    --storage "$ST_DIR" --key "$K/ing.key" --listen 127.0.0.1:0
json_check "$OUT" "d['error']['code'] == 'usage' and d['error']['exit'] == 2 and 'log-format json' in d['error']['message']" \
    "  says why, in one JSON error document"

stop_server "$SPID" "the server stops on SIGTERM"
no_server_sanitizer_report
finish
