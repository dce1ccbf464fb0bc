#!/bin/sh
# tests/bench/serve.sh - the service's write path under load: custody
# events through the API, 16 clients for BENCH_SECONDS (default 20) s,
# against the issue's target of 1,000 acknowledged, durable events per
# second on this machine.  Half the events go to two hot items (one chain
# each, every client contending), half to others.  The service runs as
# it would at an agency: its signing keys are a custodian and an ingest
# key authorised by key documents, not the admin key.  Every event is
# acknowledged only after the transaction holding it committed with
# synchronous = FULL (see writer.h), and the acknowledged events are then
# checked against the catalog (tests/load/check-acks.py) and the catalog
# audited.  Prints the load tool's table, the writer's batching, and
# PASS/MISS; a MISS is reported, not fatal; the exit status is non-zero
# only when something broke.
#
#   BODYCAM=build/bodycam LOAD=build/tests/load sh tests/bench/serve.sh
set -u

: "${BODYCAM:=build/bodycam}"
: "${LOAD:=build/tests/load}"
: "${BENCH_SECONDS:=20}"
TARGET=1000
here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$BODYCAM" ] || die "$BODYCAM: not found"
[ -x "$LOAD" ] || die "$LOAD: not found (make \$(BUILD)/tests/load)"
case $BODYCAM in /*) ;; *) BODYCAM=$(pwd)/$BODYCAM ;; esac
case $LOAD in /*) ;; *) LOAD=$(pwd)/$LOAD ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-serve.XXXXXX") || die "mktemp"
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || die "cd $tmp"
export BODYCAM_CATALOG="$tmp/c.db"
mkdir storage
"$BODYCAM" keygen admin >/dev/null &&
"$BODYCAM" keygen custodian >/dev/null &&
"$BODYCAM" keygen ingest >/dev/null &&
"$BODYCAM" init --admin-key admin.pub >/dev/null &&
"$BODYCAM" key add custodian.pub --name station-c --role custodian \
    --key admin.key >/dev/null &&
"$BODYCAM" key add ingest.pub --name station-i --role ingest \
    --key admin.key >/dev/null || die "set-up failed"
token=$("$BODYCAM" token create --name bench --role admin --key admin.key \
    2>/dev/null) || die "token create failed"

"$BODYCAM" serve --storage storage --key ingest.key --key custodian.key \
    --listen 127.0.0.1:0 --log serve.log &
pid=$!
port=
for _ in $(seq 1 100); do
	port=$(sed -n 's/.*serving http on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    serve.log 2>/dev/null | head -n 1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || die "the service did not start: $(cat serve.log)"

echo "bench: custody events through the API, 16 clients, ${BENCH_SECONDS} s"
"$LOAD" --url "http://127.0.0.1:$port" --token "$token" --storage storage \
    --clients 16 --seconds "$BENCH_SECONDS" --mix 0,50,50,0,0 \
    --acks acks >load.out 2>&1
rc=$?
cat load.out
kill -TERM "$pid"
wait "$pid" || die "the service did not stop cleanly"
pid=
grep ' - writer: ' serve.log | sed 's/^[^ ]* - /bench: /'
[ "$rc" -eq 0 ] || die "the load tool failed (exit $rc)"
python3 "$here/../load/check-acks.py" "$BODYCAM_CATALOG" acks ||
	die "acknowledged events are missing from the catalog"
"$BODYCAM" audit >audit.out 2>&1 || { cat audit.out; die "audit failed"; }

rate=$(sed -n 's/^acknowledged custody events: .*, \([0-9.]*\)\/s .*/\1/p' \
    load.out)
[ -n "$rate" ] || die "no rate in the load tool's output"
verdict=$(awk -v r="$rate" -v t="$TARGET" \
    'BEGIN { print (r >= t) ? "PASS" : "MISS" }')
echo "bench: acknowledged durable custody events: $rate/s (target" \
    "$TARGET/s, ratio $(awk -v r="$rate" -v t="$TARGET" \
    'BEGIN { printf "%.2f", r / t }')) $verdict"
