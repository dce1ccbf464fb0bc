#!/bin/sh
# tests/load/run.sh - load test of 'bodycam serve', in two phases, on a
# fresh catalog in a temporary directory:
#
#   1. steady: the server under $LOAD_CLIENTS clients for $LOAD_SECONDS s
#      (tests/load/load.c: registrations, custody events on one hot chain
#      and on others, reads, downloads with and without Range); then
#      SIGTERM (the server must exit 0 within 10 s), every acknowledgement
#      in the catalog and nothing unacknowledged (check-acks.py --exact),
#      and 'bodycam audit' passes.
#   2. kill: the same for $LOAD_SECONDS s, but the server is killed with
#      SIGKILL halfway and restarted on the same port a second later while
#      the clients keep going (connection errors are then counted, not
#      failures); every acknowledgement from before and after the kill is
#      in the catalog, and the audit passes.
#
# Any 4xx or 5xx, a body or header that breaks the contract, a lost or
# forked acknowledgement, a slow or unclean shutdown or a failing audit
# fails the test.  Prints the load tool's figures for each phase and a
# summary; exits 0 when everything passed, 1 otherwise.
#
#   BODYCAM=build/bodycam LOAD=build/tests/load LOAD_SECONDS=20 \
#       sh tests/load/run.sh
#
# Environment: BODYCAM (default build/bodycam), LOAD (default
# build/tests/load), LOAD_SECONDS (default 20), LOAD_CLIENTS (default 16),
# LOAD_SEED (default 1), TMPDIR.  The temporary directory is removed when
# everything passed and kept (its path printed) otherwise.
set -u

: "${BODYCAM:=build/bodycam}"
: "${LOAD:=build/tests/load}"
: "${LOAD_SECONDS:=20}"
: "${LOAD_CLIENTS:=16}"
: "${LOAD_SEED:=1}"

HERE=$(cd "$(dirname "$0")" && pwd) || exit 1

say() {
	echo "load: $*"
}

die() {
	echo "load: $*" >&2
	exit 1
}

abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$(pwd)/$1" ;;
	esac
}

BODYCAM=$(abspath "$BODYCAM")
LOAD=$(abspath "$LOAD")
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (make)"
[ -x "$LOAD" ] || die "$LOAD: not found (make \$(BUILD)/tests/load)"
command -v python3 >/dev/null 2>&1 || die "python3 not found (make deps)"
command -v curl >/dev/null 2>&1 || die "curl not found (make deps)"
case $LOAD_SECONDS in
''|*[!0-9]*|0) die "LOAD_SECONDS: want a whole number of seconds > 0" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-load.XXXXXX") || die "mktemp failed"
KEYS=$tmp/keys
CAT=$tmp/catalog.db
STORE=$tmp/storage
ACKS=$tmp/acks
mkdir -p "$KEYS" "$STORE" || die "mkdir failed"

SERVER=""
LOADPID=""
PORT=""
SLOG=""
NSTART=0
FAILED=0
SUMMARY=""

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	[ -n "$LOADPID" ] && kill -KILL "$LOADPID" 2>/dev/null
	[ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null
	if [ "$FAILED" -eq 0 ]; then
		rm -rf "$tmp"
	else
		echo "load: kept $tmp (server logs serve-*.log)" >&2
	fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT
trap 'FAILED=1; exit 143' TERM

fail() {
	FAILED=$((FAILED + 1))
	echo "load: FAIL: $*" >&2
	SUMMARY="$SUMMARY
  FAIL  $*"
}

pass() {
	SUMMARY="$SUMMARY
  ok    $*"
}

bc() {
	"$BODYCAM" --catalog "$CAT" "$@"
}

# A random port in 20000-60000.
random_port() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 40001))
}

# start_server PORT: starts the server on PORT in the background ($SERVER,
# its log $SLOG) and waits up to 15 s for /v1/healthz.  Returns 0 when it
# answers, 2 when the server exited because the address was in use, 1
# otherwise.
start_server() {
	NSTART=$((NSTART + 1))
	SLOG=$tmp/serve-$NSTART.log
	# not through bc(): $! must be the server itself, not a subshell
	"$BODYCAM" --catalog "$CAT" serve --storage "$STORE" \
	    --key "$KEYS/admin.key" --listen "127.0.0.1:$1" >"$SLOG" 2>&1 &
	SERVER=$!
	i=0
	while [ $i -lt 150 ]; do
		if ! kill -0 "$SERVER" 2>/dev/null; then
			wait "$SERVER"
			rc=$?
			SERVER=""
			if grep -qi 'in use' "$SLOG"; then
				return 2
			fi
			echo "load: the server exited ($rc) on start:" >&2
			tail -n 5 "$SLOG" >&2
			return 1
		fi
		if curl -fsS -m 2 -o /dev/null \
		    "http://127.0.0.1:$1/v1/healthz" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "load: the server did not answer /v1/healthz within 15 s" >&2
	return 1
}

# Starts the server on a free port (sets $PORT); up to 10 tries.
start_fresh() {
	tries=0
	while [ $tries -lt 10 ]; do
		PORT=$(random_port)
		start_server "$PORT"
		case $? in
		0) return 0 ;;
		2) tries=$((tries + 1)) ;;
		*) return 1 ;;
		esac
	done
	echo "load: no free port in 10 tries" >&2
	return 1
}

# Starts the server again on $PORT, retrying for a few seconds while the
# address is still in use.
restart_same_port() {
	tries=0
	while [ $tries -lt 10 ]; do
		start_server "$PORT"
		case $? in
		0) return 0 ;;
		2) tries=$((tries + 1)); sleep 0.5 ;;
		*) return 1 ;;
		esac
	done
	echo "load: port $PORT still in use after 10 tries" >&2
	return 1
}

# SIGTERM; the server must exit 0 within 10 s (else it is killed).
stop_server() {
	[ -n "$SERVER" ] || return 1
	kill -TERM "$SERVER" 2>/dev/null
	i=0
	while kill -0 "$SERVER" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$SERVER" 2>/dev/null; then
		kill -KILL "$SERVER" 2>/dev/null
		wait "$SERVER"
		SERVER=""
		echo "load: the server was still running 10 s after SIGTERM" >&2
		return 1
	fi
	wait "$SERVER"
	rc=$?
	SERVER=""
	if [ $rc -ne 0 ]; then
		echo "load: the server exited $rc after SIGTERM:" >&2
		tail -n 5 "$SLOG" >&2
		return 1
	fi
	return 0
}

# check PHASE [--exact]: the acknowledgements, then the audit.
check_catalog() {
	phase=$1
	shift
	if python3 "$HERE/check-acks.py" "$@" "$CAT" "$ACKS"; then
		pass "$phase: every acknowledgement in the catalog"
	else
		fail "$phase: check-acks"
	fi
	if bc audit >"$tmp/audit-$phase.out" 2>&1; then
		pass "$phase: bodycam audit"
	else
		fail "$phase: bodycam audit exits $? (see $tmp/audit-$phase.out)"
		tail -n 20 "$tmp/audit-$phase.out" >&2
	fi
}

run_load() {
	"$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" \
	    --storage "$STORE" --clients "$LOAD_CLIENTS" \
	    --seconds "$LOAD_SECONDS" --acks "$ACKS" "$@"
}

acks_count() {
	if [ -f "$ACKS" ]; then
		wc -l <"$ACKS" | tr -d ' '
	else
		echo 0
	fi
}

# ---- set-up ----
say "in $tmp: $LOAD_CLIENTS clients, $LOAD_SECONDS s a phase"
"$BODYCAM" keygen admin --dir "$KEYS" >/dev/null ||
	die "bodycam keygen failed"
bc init --admin-key "$KEYS/admin.pub" --origin load.test/bodycam/load \
    >/dev/null || die "bodycam init failed"
TOKEN=$(bc -q token create --name load --role admin --key "$KEYS/admin.key") ||
	die "bodycam token create failed"
case $TOKEN in
bct_*) ;;
*) die "bodycam token create printed no token" ;;
esac

# ---- phase 1: steady load ----
say "phase 1: steady load"
if ! start_fresh; then
	fail "steady: the server did not start"
	exit 1
fi
say "server on 127.0.0.1:$PORT (pid $SERVER)"
run_load --seed "$LOAD_SEED"
rc=$?
if [ $rc -eq 0 ]; then
	pass "steady: load, no error"
else
	fail "steady: the load tool exits $rc"
fi
if stop_server; then
	pass "steady: SIGTERM, exit 0"
else
	fail "steady: SIGTERM"
fi
check_catalog steady --exact

# ---- phase 2: the server killed halfway ----
say "phase 2: SIGKILL halfway, restart"
if ! start_fresh; then
	fail "kill: the server did not start"
	exit 1
fi
say "server on 127.0.0.1:$PORT (pid $SERVER)"
run_load --seed "$((LOAD_SEED + 1))" --allow-transport-errors &
LOADPID=$!
half=$((LOAD_SECONDS / 2))
[ $half -gt 0 ] || half=1
sleep "$half"
kill -KILL "$SERVER" 2>/dev/null
wait "$SERVER"
SERVER=""
before=$(acks_count)
say "SIGKILLed the server after ${half} s ($before acknowledgements in the file)"
sleep 1
if restart_same_port; then
	say "restarted on 127.0.0.1:$PORT (pid $SERVER)"
	after=$(acks_count)
else
	fail "kill: the server did not restart on port $PORT"
	after=""
fi
wait "$LOADPID"
rc=$?
LOADPID=""
if [ $rc -eq 0 ]; then
	pass "kill: load, no error but connection errors"
else
	fail "kill: the load tool exits $rc"
fi
end=$(acks_count)
if [ -z "$after" ]; then
	:
elif [ "$end" -gt "$after" ]; then
	pass "kill: $((end - after)) acknowledgements after the restart"
elif [ "$LOAD_SECONDS" -ge 4 ]; then
	# (with less, the run may end before the restart)
	fail "kill: no acknowledgement after the restart"
fi
if [ -n "$SERVER" ]; then
	if stop_server; then
		pass "kill: SIGTERM after the restart, exit 0"
	else
		fail "kill: SIGTERM after the restart"
	fi
fi
check_catalog kill

# the request logs must not hold the token
if grep -qF "${TOKEN#bct_}" "$tmp"/serve-*.log; then
	fail "the token appears in the server's log"
else
	pass "the token is in no server log"
fi

# a sanitizer build of the server reports there
if grep -qE 'runtime error|Sanitizer' "$tmp"/serve-*.log; then
	fail "a sanitizer report in the server's log"
fi

# ---- summary ----
echo "load: summary:$SUMMARY"
if [ "$FAILED" -ne 0 ]; then
	echo "load: FAILED ($FAILED)"
	exit 1
fi
echo "load: PASS"
exit 0
