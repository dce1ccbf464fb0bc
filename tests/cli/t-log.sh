#!/bin/sh
# t-log.sh - 'serve --log-format json': every line of the log parses as
# one JSON object; a request's has time (RFC 3339, milliseconds), remote,
# caller, method, route, path, status, bytes_in, bytes_out, duration_ms
# and request_id, and that id is the answer's X-Request-Id (the client's
# own when well formed, never a token); the other lines have time and
# message; no token anywhere.  Also: the text log is the default and
# --log-format refuses anything else; HEAD answers a GET route without
# its body, and HEAD on media checks the file but records no access.
#
# Needs curl and python3 (make deps).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

need_tools "the JSON log" curl python3

ROOT=$TMP/store
mkdir -p "$ROOT" "$M"
keygen_all admin 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ROOT"
T_ADM=$(bc -q token create --name admin-al --role admin --key "$K/admin.key" \
    2> /dev/null)

expect_exit 2 "--log-format xml is refused" -- \
    bc serve --key "$K/admin.key" --log-format xml
expect_grep "text or json" "$ERR" "naming the choices"

# start_server reads the port from the text line: read it from JSON here
SLOG=$TMP/json.log
: > "$SLOG"
"$BODYCAM" --catalog "$CAT" serve --listen 127.0.0.1:0 --log "$SLOG" \
    --log-format json --key "$K/admin.key" --threads 2 \
    < /dev/null > "$SLOG.out" 2> "$SLOG.err" &
SPID=$!
SERVERS="$SERVERS $SPID"
SLOGS="$SLOG"
PORT=""
i=0
while [ $i -lt 100 ] && [ -z "$PORT" ]; do
	sleep 0.1
	PORT=$(sed -n 's/.*"serving http on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' \
	    "$SLOG")
	i=$((i + 1))
done
check "the server starts and says so in JSON" -- test -n "$PORT"
URL=http://127.0.0.1:$PORT

api - GET /v1/healthz
expect_status 200 "healthz"
RID1=$(header X-Request-Id)
check "an answer carries a request id of 32 hex digits" -- \
    sh -c "echo '$RID1' | grep -E -q -x '[0-9a-f]{32}'"
api "$T_ADM" GET /v1/items -H "X-Request-Id: proxy-7.a_b:c"
RID2=$(header X-Request-Id)
expect_eq "$RID2" "proxy-7.a_b:c" "the client's own id is echoed"
api "$T_ADM" GET /v1/items -H "X-Request-Id: has space"
check "an id with a space is replaced" -- \
    sh -c "echo '$(header X-Request-Id)' | grep -E -q -x '[0-9a-f]{32}'"
api "$T_ADM" GET /v1/items -H "X-Request-Id: $T_ADM"
RID3=$(header X-Request-Id)
check "a token sent as the id is not echoed" -- test "$RID3" != "$T_ADM"
PART=x-$(echo "$T_ADM" | cut -c1-60)
api "$T_ADM" GET /v1/items -H "X-Request-Id: $PART"
check "nor an id with part of one in it" -- \
    sh -c "echo '$(header X-Request-Id)' | grep -E -q -x '[0-9a-f]{32}'"
api "bct_0123" GET /v1/items
expect_status 401 "a bad token: 401"
cp "$DATA/stills/Apple.jpg" "$M/apple.jpg"
API_CT=application/octet-stream api "$T_ADM" POST "/v1/items?name=a.jpg" \
    --data-binary "@$M/apple.jpg" -H "X-Request-Id: up-1"
expect_status 201 "an upload"
A=$(jget "$RB" 'd["id"]')
api "$T_ADM" GET "/v1/items/$A/media" -H "Range: bytes=0-99"
expect_status 206 "a download of 100 bytes"
RID4=$(header X-Request-Id)

# HEAD: a GET's answer without its body; on media, no custody event
N0=$(nevents "$A")
api "$T_ADM" HEAD "/v1/items/$A/media" -I -H "X-Request-Id: head-1"
expect_status 200 "HEAD on media: 200"
expect_eq "$(header Content-Length)" "$(size_of "$M/apple.jpg")" \
    "  with the file's Content-Length"
expect_eq "$(header X-Bodycam-SHA256)" \
    "$(sha256sum "$M/apple.jpg" | cut -c1-64)" "  and its sealed SHA-256"
expect_eq "$(header X-Bodycam-Event-Seq)" "" "  and no custody event named"
check "  and no body (no Exif block after the headers)" -- \
    sh -c "! grep -a -q Exif '$RB'"
expect_eq "$(nevents "$A")" "$N0" "HEAD on media records no access event"
api "$T_ADM" HEAD /v1/items -I
expect_status 200 "HEAD /v1/items: 200"
api "$T_ADM" POST "/v1/items/$A/media"
expect_status 405 "POST on media: 405"
check "  its Allow names HEAD beside GET" -- \
    sh -c "echo '$(header Allow)' | grep -q 'GET, HEAD'"
api "$T_ADM" GET "/v1/items/$A/media"
expect_eq "$(nevents "$A")" "$((N0 + 1))" "a GET records one"
stop_server "$SPID" "the server stops"

# every line: one JSON object with exactly the fields it should have
"$PYTHON" -S - "$SLOG" "$(size_of "$M/apple.jpg")" "$RID1" "$RID4" \
    > "$TMP/check.out" 2>&1 <<'EOF'
import json, re, sys
log, size, rid1, rid4 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
T = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
REQ = ['time', 'remote', 'caller', 'method', 'route', 'path', 'status',
       'bytes_in', 'bytes_out', 'duration_ms', 'request_id']
bad = []
reqs = {}
msgs = []
for n, line in enumerate(open(log), 1):
    try:
        d = json.loads(line)
    except ValueError as e:
        bad.append('line %d: not JSON: %s' % (n, e))
        continue
    if not T.match(d.get('time', '')):
        bad.append('line %d: time %r' % (n, d.get('time')))
    if 'message' in d:
        if sorted(d) != ['message', 'time']:
            bad.append('line %d: fields %s' % (n, sorted(d)))
        msgs.append(d['message'])
        continue
    if sorted(d) != sorted(REQ):
        bad.append('line %d: fields %s' % (n, sorted(d)))
        continue
    if d['remote'] != '127.0.0.1' or not isinstance(d['status'], int) \
       or not isinstance(d['duration_ms'], (int, float)):
        bad.append('line %d: %r' % (n, d))
    reqs[d['request_id']] = d
def want(rid, **kw):
    d = reqs.get(rid)
    if d is None:
        bad.append('no line for request %s' % rid)
        return
    for k, v in kw.items():
        if d[k] != v:
            bad.append('%s: %s is %r, not %r' % (rid, k, d[k], v))
want(rid1, caller=None, method='GET', route='/v1/healthz', status=200,
     bytes_in=0)
want('proxy-7.a_b:c', caller='admin-al', route='/v1/items', status=200)
want('up-1', caller='admin-al', method='POST', route='/v1/items',
     status=201, bytes_in=size)
want(rid4, route='/v1/items/{id}/media', status=206, bytes_out=100)
want('head-1', method='HEAD', route='/v1/items/{id}/media', status=200,
     bytes_out=0)
if not any(d['status'] == 401 and d['caller'] is None for d in reqs.values()):
    bad.append('no 401 line without a caller')
for d in reqs.values():
    if d['method'] != 'HEAD' and d['bytes_out'] is not None and \
       d['bytes_out'] <= 0:
        bad.append('%s: bytes_out %r' % (d['request_id'], d['bytes_out']))
if len(reqs) != 12:
    bad.append('%d request lines, not 12' % len(reqs))
for m in ('serving http on', 'stopping', 'stopped', 'writer:'):
    if not any(m in x for x in msgs):
        bad.append('no %r line' % m)
print('\n'.join(bad) if bad else 'ok')
EOF
expect_eq "$(cat "$TMP/check.out")" "ok" \
    "every line is a JSON object with the fields it should have"
no_token_logged "$T_ADM"
no_server_sanitizer_report

finish
