#!/bin/sh
# t-openapi.sh - the OpenAPI description (docs/openapi.json): the server
# serves it byte for byte at GET /v1/openapi.json without a token;
# Redocly's CLI (an outside, well-kept validator, from the npm registry:
# make openapi-tools) lints it as OpenAPI 3.1 with no error and no
# warning; every route of the route table is described and every
# described operation is a route; and the real server's answers, to a
# walk through every route (successes and errors), each have a status the
# description lists for that operation and a body its JSON Schema
# accepts (python3-jsonschema, draft 2020-12, as OpenAPI 3.1 uses).
#
# Needs curl, node (Redocly) and python3-jsonschema (make deps).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

need_tools "the OpenAPI description" curl python3
DEBPY=/usr/bin/python3		# Debian's, with python3-jsonschema
SPEC=docs/openapi.json
REDOCLY=${REDOCLY:-${BUILD:-build}/tools/node_modules/.bin/redocly}

# ---------------------------------------------------------- the document

check "the description is JSON" -- \
    "$DEBPY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$SPEC"
if [ -x "$REDOCLY" ]; then
	"$REDOCLY" lint --config tests/openapi/redocly.yaml \
	    --format stylish "$SPEC" > "$TMP/lint.out" 2>&1
	rc=$?
	# recommended-strict: a warning is an error, and fails the lint
	if [ $rc -eq 0 ] && grep -q "validated in" "$TMP/lint.out"; then
		pass "Redocly lints it: valid OpenAPI 3.1, no warning"
	else
		fail "Redocly lints it: valid OpenAPI 3.1, no warning" \
		    "exit $rc"
		show_file "redocly lint" "$TMP/lint.out"
	fi
else
	# not a skip: the validator is part of the test set-up
	fail "Redocly lints it" "$REDOCLY missing (make openapi-tools)"
fi

# the route table, as t-docs.sh reads it, against the described operations
sed -n 's/^[[:space:]]*{ "\([A-Z]*\)", "\(\/[^"]*\)".*/\1 \2/p' \
    bodycam/serve-api.c | sort -u > "$TMP/routes"
"$DEBPY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for p, ops in d["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "delete", "head", "patch",
                 "options"):
            print(m.upper(), p)' "$SPEC" | sort -u > "$TMP/described"
check "the route table has routes" -- test -s "$TMP/routes"
comm -23 "$TMP/routes" "$TMP/described" > "$TMP/undescribed"
comm -13 "$TMP/routes" "$TMP/described" > "$TMP/unrouted"
expect_empty "$TMP/undescribed" "every route is described"
expect_empty "$TMP/unrouted" "every described operation is a route"

# ------------------------------------------------------------ the server

SRC=$TMP/src
ROOT=$TMP/store
mkdir -p "$SRC" "$ROOT" "$M"
cp "$DATA/stills/Apple.jpg" "$SRC/a.jpg"
cp "$DATA/stills/GoPro.jpg" "$M/b.jpg"
keygen_all admin ing cust aud 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ROOT"
add_keys ing:ingest cust:custodian aud:auditor
T_ING=$(mktoken dock-1 ingest)
T_CUST=$(mktoken det.smith custodian)
T_AUD=$(mktoken aud.ann auditor)

start_server o --storage "$SRC" --key "$K/ing.key" --key "$K/cust.key" \
    --key "$K/aud.key" --threads 2 ||
    fail "the server starts" "see above"
URL=http://127.0.0.1:$PORT

api - GET /v1/openapi.json
expect_status 200 "GET /v1/openapi.json without a token: 200"
check "  the file itself, byte for byte" -- cmp -s "$RB" "$SPEC"
expect_eq "$(header Content-Type)" "application/json" "  as JSON"

# call TOKEN METHOD ROUTE PATH [CURL-OPTIONS...]: api, and the answer kept
# for the schema check as $TMP/rec/N.{meta,body}
NREC=0
mkdir -p "$TMP/rec"
call() {
	_route=$3
	_t=$1
	_mm=$2
	_pp=$4
	shift 4
	api "$_t" "$_mm" "$_pp" "$@"
	NREC=$((NREC + 1))
	printf '%s\n%s\n%s\n%s\n' "$_mm" "$_route" "$ST" \
	    "$(header Content-Type)" > "$TMP/rec/$NREC.meta"
	cp "$RB" "$TMP/rec/$NREC.body"
}

call - GET /v1/healthz /v1/healthz
call - GET /v1/items /v1/items
call "$T_CUST" POST /v1/items /v1/items -d '{"path":"a.jpg"}'
call "$T_ING" POST /v1/items /v1/items -d '{"path":"a.jpg","officer":"O-1","case":"C-1","tags":["x"]}'
A=$(jget "$RB" 'd["id"]')
call "$T_ING" POST /v1/items /v1/items -d '{"path":"a.jpg"}'
call "$T_ING" POST /v1/items /v1/items -d '{"path":"../x"}'
call "$T_ING" POST /v1/items /v1/items -d '{"path":"a.jpg","colour":1}'
call "$T_ING" POST /v1/items /v1/items -d '{'
API_CT=application/octet-stream call "$T_ING" POST /v1/items \
    "/v1/items?name=b.jpg&officer=O-2" --data-binary "@$M/b.jpg"
B=$(jget "$RB" 'd["id"]')
API_CT=application/octet-stream call "$T_ING" POST /v1/items \
    "/v1/items?name=c.jpg" --data-binary "@$M/b.jpg" \
    -H "Content-Digest: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
call "$T_CUST" GET /v1/items "/v1/items?limit=1"
call "$T_CUST" GET /v1/items "/v1/items?limit=x"
call "$T_CUST" GET "/v1/items/{id}" "/v1/items/$A"
call "$T_CUST" GET "/v1/items/{id}" /v1/items/BWC-999999
call "$T_CUST" GET "/v1/items/{id}/custody" "/v1/items/$A/custody"
call "$T_CUST" POST "/v1/items/{id}/events" "/v1/items/$A/events" \
    -d '{"action":"access","note":"viewed"}'
call "$T_CUST" POST "/v1/items/{id}/events" "/v1/items/$A/events" \
    -d '{"action":"transfer"}'
call "$T_CUST" POST "/v1/items/{id}/events" "/v1/items/$A/events" \
    -d '{"action":"hold","reason":"case C-1"}'
call "$T_ING" POST "/v1/items/{id}/events" "/v1/items/$A/events" \
    -d '{"action":"access"}'
call "$T_CUST" GET "/v1/items/{id}/media" "/v1/items/$A/media"
call "$T_CUST" GET "/v1/items/{id}/media" "/v1/items/$A/media" \
    -H "Range: bytes=0-9"
call "$T_CUST" GET "/v1/items/{id}/media" "/v1/items/$A/media" \
    -H "Range: bytes=99999999-"
call "$T_AUD" POST "/v1/items/{id}/verify" "/v1/items/$A/verify" -d '{}'
call "$T_CUST" GET /v1/checkpoint /v1/checkpoint
call "$T_CUST" GET "/v1/items/{id}/proof" "/v1/items/$A/proof"
call "$T_CUST" GET /v1/cases /v1/cases
call "$T_CUST" GET "/v1/cases/{id}" /v1/cases/C-1
call "$T_CUST" GET "/v1/cases/{id}" /v1/cases/NONE
call "$T_CUST" GET /v1/retention/due /v1/retention/due
call "$T_CUST" GET /v1/retention/policy /v1/retention/policy
expect_exit 0 "setup: retention policy set" -- bc retention policy set \
    --period patrol=90 --period evidence=indefinite --grace 10 \
    --key "$K/admin.key" --actor Records
call "$T_CUST" GET /v1/retention/due "/v1/retention/due?all=1&at=2030-01-01"
call "$T_CUST" GET /v1/retention/policy /v1/retention/policy
call "$T_AUD" POST /v1/releases /v1/releases \
    -d "{\"items\":[\"$A\"],\"to\":\"Defence\",\"authority\":\"Order 7\",\"name\":\"rel-1\"}"
call "$T_AUD" POST /v1/releases /v1/releases \
    -d "{\"items\":[\"$A\"],\"to\":\"Defence\",\"authority\":\"Order 7\",\"name\":\"rel-1\"}"
call "$T_AUD" GET "/v1/releases/{id}" /v1/releases/rel-1
call "$T_AUD" GET "/v1/releases/{id}" "/v1/releases/rel-1?format=zip"
call "$T_AUD" GET "/v1/releases/{id}" /v1/releases/none
head -c 300000 /dev/urandom > "$M/up.bin"
US=$(sha256sum "$M/up.bin" | cut -c1-64)
call "$T_ING" POST /v1/uploads /v1/uploads \
    -d "{\"name\":\"up.bin\",\"size\":300000,\"sha256\":\"$US\"}"
U=$(jget "$RB" 'd["id"]')
head -c 100000 "$M/up.bin" > "$M/p1"
tail -c +100001 "$M/up.bin" > "$M/p2"
API_CT=application/octet-stream call "$T_ING" PUT "/v1/uploads/{id}" \
    "/v1/uploads/$U" -H "Content-Range: bytes 0-99999/300000" \
    --data-binary "@$M/p1"
call "$T_ING" GET "/v1/uploads/{id}" "/v1/uploads/$U"
API_CT=application/octet-stream call "$T_ING" PUT "/v1/uploads/{id}" \
    "/v1/uploads/$U" -H "Content-Range: bytes 5-99999/300000" \
    --data-binary "@$M/p1"
API_CT=application/octet-stream call "$T_ING" PUT "/v1/uploads/{id}" \
    "/v1/uploads/$U" -H "Content-Range: bytes 100000-299999/300000" \
    --data-binary "@$M/p2"
call "$T_ING" GET "/v1/uploads/{id}" "/v1/uploads/$U"
call "$T_ING" POST /v1/uploads /v1/uploads \
    -d "{\"name\":\"gone.bin\",\"size\":10,\"sha256\":\"$US\"}"
call "$T_ING" DELETE "/v1/uploads/{id}" "/v1/uploads/$(jget "$RB" 'd["id"]')"
call "$T_ING" DELETE "/v1/uploads/{id}" "/v1/uploads/$U"
call "$T_ING" GET "/v1/uploads/{id}" /v1/uploads/0123456789abcdef0123456789abcdef
call "$T_AUD" GET /metrics /metrics
call "$T_CUST" GET /metrics /metrics
call - GET /v1/openapi.json /v1/openapi.json
# the log (tlog-tiles): a token by default; tiles of the checkpoint only
call - GET /log/checkpoint /log/checkpoint
call "$T_CUST" GET /log/checkpoint /log/checkpoint
LOGN=$(sed -n 2p "$RB")
check "  the checkpoint note names a tree size ($LOGN)" -- \
    test "$LOGN" -ge 1 -a "$LOGN" -lt 256
call "$T_CUST" GET "/log/tile/{path}" "/log/tile/0/000.p/$LOGN"
call "$T_CUST" GET "/log/tile/{path}" /log/tile/0/000
call "$T_CUST" GET "/log/tile/{path}" /log/tile/0/0
call - GET "/log/tile/{path}" "/log/tile/0/000.p/$LOGN"
call "$T_CUST" GET "/log/tile/entries/{path}" "/log/tile/entries/000.p/$LOGN"
call "$T_CUST" GET "/log/tile/entries/{path}" /log/tile/entries/x000/001

# every route was called at least once
cut -d' ' -f2 "$TMP/routes" | sort -u > "$TMP/route-paths"
for f in "$TMP"/rec/*.meta; do
	sed -n 2p "$f"
done | sort -u > "$TMP/called"
comm -23 "$TMP/route-paths" "$TMP/called" > "$TMP/uncalled"
expect_empty "$TMP/uncalled" "the walk called every route ($NREC requests)"

"$DEBPY" tests/openapi/check-responses.py "$SPEC" "$TMP/rec" \
    > "$TMP/schema.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	pass "every answer's status is described and its body fits its schema"
else
	fail "every answer's status is described and its body fits its schema" \
	    "exit $rc"
	show_file check-responses "$TMP/schema.out"
fi
expect_grep "^checked $NREC answers" "$TMP/schema.out" \
    "  all $NREC answers were checked"

stop_server "$SPID" "the server stops"
no_server_sanitizer_report
finish
