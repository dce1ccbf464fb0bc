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
# With LOAD_ENGINE=pg the catalog is a PostgreSQL database on a server of
# the test's own (tests/pg/pg.sh, in the temporary directory, stopped on
# exit), and with LOAD_INSTANCES=N, N servers run on N ports against the
# one catalog, each under its own load process of $LOAD_CLIENTS clients
# writing its own acknowledgements file; the hot chains of every load
# process are the first one's (load --hot), so that the instances contend
# for one chain as well as for the catalog's log.  In phase 2 only the
# first instance is killed and restarted; the others keep serving and must
# see no error at all.  After each phase, every acknowledgement of every
# file must be in the catalog, no (item, seq) acknowledged twice across
# the files, and 'bodycam audit' (which recomputes the whole log: one
# tree, no fork) must pass.
#
# Any 4xx or 5xx, a body or header that breaks the contract, a lost or
# forked acknowledgement, a slow or unclean shutdown or a failing audit
# fails the test.  Prints the load tool's figures for each phase and a
# summary; exits 0 when everything passed, 1 otherwise.
#
#   BODYCAM=build/bodycam LOAD=build/tests/load LOAD_SECONDS=20 \
#       sh tests/load/run.sh
#   LOAD_ENGINE=pg LOAD_INSTANCES=2 BODYCAM=build/bodycam \
#       LOAD=build/tests/load sh tests/load/run.sh
#
# Environment: BODYCAM (default build/bodycam), LOAD (default
# build/tests/load), LOAD_SECONDS (default 20), LOAD_CLIENTS (clients per
# instance, default 16), LOAD_SEED (default 1), LOAD_ENGINE (sqlite or pg,
# default sqlite), LOAD_INSTANCES (1 to 8, default 1), TMPDIR.  The
# temporary directory is removed when everything passed and kept (its path
# printed) otherwise.
set -u

: "${BODYCAM:=build/bodycam}"
: "${LOAD:=build/tests/load}"
: "${LOAD_SECONDS:=20}"
: "${LOAD_CLIENTS:=16}"
: "${LOAD_SEED:=1}"
: "${LOAD_ENGINE:=sqlite}"
: "${LOAD_INSTANCES:=1}"

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
case $LOAD_INSTANCES in
[1-8]) ;;
*) die "LOAD_INSTANCES: want 1 to 8" ;;
esac
case $LOAD_ENGINE in
sqlite) ;;
pg)
	command -v psql >/dev/null 2>&1 ||
		die "psql not found (make deps: postgresql-client)" ;;
*) die "LOAD_ENGINE: want sqlite or pg" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-load.XXXXXX") || die "mktemp failed"
KEYS=$tmp/keys
CAT=$tmp/catalog.db
STORE=$tmp/storage
PGDIR=""
mkdir -p "$KEYS" "$STORE" || die "mkdir failed"

# Per instance I (1 to $LOAD_INSTANCES): SERVER_I, PORT_I, LOADPID_I and
# SLOG_I (the log of its last start, serve-N.log); its
# acknowledgements go to $tmp/acks-I, its load tool's output to
# $tmp/load-PHASE-I.out.
SLOG=""
NSTART=0
FAILED=0
SUMMARY=""

# (sh has no local variables: the helpers below count with t, the loops
# over the instances with i)

# get NAME I: the value of NAME_I.
get() {
	eval "echo \"\${$1_$2:-}\""
}

# set_ NAME I VALUE
set_() {
	eval "$1_$2=\$3"
}

instances() {
	seq 1 "$LOAD_INSTANCES"
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for i in $(instances); do
		p=$(get LOADPID "$i")
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
		p=$(get SERVER "$i")
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$PGDIR" ]; then
		sh "$HERE/../pg/pg.sh" stop "$PGDIR" >/dev/null 2>&1 ||
			echo "load: could not stop the PostgreSQL server in" \
			    "$PGDIR" >&2
	fi
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

# start_server I PORT: starts instance I on PORT in the background
# (SERVER_I, its log $SLOG) and waits up to 15 s for /v1/healthz.
# Returns 0 when it answers, 2 when the server exited because the address
# was in use, 1 otherwise.
start_server() {
	NSTART=$((NSTART + 1))
	SLOG=$tmp/serve-$NSTART.log
	# not through bc(): $! must be the server itself, not a subshell
	"$BODYCAM" --catalog "$CAT" serve --storage "$STORE" \
	    --key "$KEYS/admin.key" --listen "127.0.0.1:$2" >"$SLOG" 2>&1 &
	pid=$!
	set_ SERVER "$1" "$pid"
	set_ SLOG "$1" "$SLOG"
	t=0
	while [ $t -lt 150 ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			set_ SERVER "$1" ""
			if grep -qi 'in use' "$SLOG"; then
				return 2
			fi
			echo "load: the server exited ($rc) on start:" >&2
			tail -n 5 "$SLOG" >&2
			return 1
		fi
		if curl -fsS -m 2 -o /dev/null \
		    "http://127.0.0.1:$2/v1/healthz" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		t=$((t + 1))
	done
	echo "load: the server did not answer /v1/healthz within 15 s" >&2
	return 1
}

# start_fresh I: starts instance I on a free port (sets PORT_I); up to 10
# tries.
start_fresh() {
	tries=0
	while [ $tries -lt 10 ]; do
		port=$(random_port)
		set_ PORT "$1" "$port"
		start_server "$1" "$port"
		case $? in
		0) return 0 ;;
		2) tries=$((tries + 1)) ;;
		*) return 1 ;;
		esac
	done
	echo "load: no free port in 10 tries" >&2
	return 1
}

# start_all PHASE: starts every instance; fails PHASE and exits if one
# does not start.
start_all() {
	for i in $(instances); do
		if ! start_fresh "$i"; then
			fail "$1: server $i did not start"
			exit 1
		fi
		say "server $i on 127.0.0.1:$(get PORT "$i") (pid" \
		    "$(get SERVER "$i"))"
	done
}

# restart_same_port I: starts instance I again on PORT_I, retrying for a
# few seconds while the address is still in use.
restart_same_port() {
	tries=0
	while [ $tries -lt 10 ]; do
		start_server "$1" "$(get PORT "$1")"
		case $? in
		0) return 0 ;;
		2) tries=$((tries + 1)); sleep 0.5 ;;
		*) return 1 ;;
		esac
	done
	echo "load: port $(get PORT "$1") still in use after 10 tries" >&2
	return 1
}

# stop_server I: SIGTERM; instance I must exit 0 within 10 s (else it is
# killed).
stop_server() {
	pid=$(get SERVER "$1")
	[ -n "$pid" ] || return 1
	kill -TERM "$pid" 2>/dev/null
	t=0
	while kill -0 "$pid" 2>/dev/null && [ $t -lt 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	set_ SERVER "$1" ""
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid"
		echo "load: server $1 was still running 10 s after SIGTERM" >&2
		return 1
	fi
	wait "$pid"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "load: server $1 exited $rc after SIGTERM:" >&2
		tail -n 5 "$(get SLOG "$1")" >&2
		return 1
	fi
	return 0
}

# stop_all PHASE [WHAT]: SIGTERM to every running instance.
stop_all() {
	for i in $(instances); do
		[ -n "$(get SERVER "$i")" ] || continue
		if stop_server "$i"; then
			pass "$1: server $i: SIGTERM${2:-}, exit 0"
		else
			fail "$1: server $i: SIGTERM${2:-}"
		fi
	done
}

# check PHASE [--exact]: the acknowledgements of every instance, then the
# audit.
check_catalog() {
	phase=$1
	shift
	# shellcheck disable=SC2046 # one word a file; the paths have no space
	if python3 "$HERE/check-acks.py" "$@" "$CAT" \
	    $(for i in $(instances); do echo "$tmp/acks-$i"; done); then
		pass "$phase: every acknowledgement in the catalog, once"
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

# acks_count I: the lines of instance I's acknowledgements file.
acks_count() {
	if [ -f "$tmp/acks-$1" ]; then
		wc -l <"$tmp/acks-$1" | tr -d ' '
	else
		echo 0
	fi
}

# start_loads PHASE SEED [--allow-transport-errors]: one load process an
# instance, in the background (LOADPID_I); the first instance's gets the
# option, and the others hammer the first one's hot items (--hot), read
# from its acknowledgements file once it registered them.
start_loads() {
	phase=$1
	seed=$2
	shift 2
	from=$(($(acks_count 1) + 1))
	for i in $(instances); do
		hot=""
		if [ "$i" -gt 1 ]; then
			n=0
			while [ $n -lt 300 ]; do
				hot=$(tail -n "+$from" "$tmp/acks-1" 2>/dev/null |
				    awk '$2 == "register" { print $1 }' |
				    head -n 2 | paste -s -d , -)
				case $hot in *,*) break ;; esac
				sleep 0.1
				n=$((n + 1))
			done
			case $hot in
			*,*) ;;
			*)
				fail "$phase: load 1 registered no hot items" \
				    "within 30 s"
				return 1 ;;
			esac
			set -- --hot "$hot"
		fi
		"$LOAD" --url "http://127.0.0.1:$(get PORT "$i")" \
		    --token "$TOKEN" --storage "$STORE" \
		    --clients "$LOAD_CLIENTS" --seconds "$LOAD_SECONDS" \
		    --acks "$tmp/acks-$i" \
		    --seed "$((seed + 2 * (i - 1)))" "$@" \
		    >"$tmp/load-$phase-$i.out" 2>&1 &
		set_ LOADPID "$i" "$!"
	done
}

# wait_loads PHASE: waits for every load process, shows its figures and
# passes or fails it.
wait_loads() {
	total=0
	for i in $(instances); do
		wait "$(get LOADPID "$i")"
		rc=$?
		set_ LOADPID "$i" ""
		if [ "$LOAD_INSTANCES" -eq 1 ]; then
			cat "$tmp/load-$1-$i.out"
		else
			sed "s/^/[$i] /" "$tmp/load-$1-$i.out"
		fi
		rate=$(sed -n 's/^acknowledged custody events: .*, \([0-9.]*\)\/s .*/\1/p' \
		    "$tmp/load-$1-$i.out")
		total=$(awk -v a="$total" -v b="${rate:-0}" \
		    'BEGIN { print a + b }')
		if [ $rc -eq 0 ]; then
			pass "$1: load $i, no error${2:-}"
		else
			fail "$1: load $i exits $rc"
		fi
	done
	if [ "$LOAD_INSTANCES" -gt 1 ]; then
		say "$1: $total acknowledged custody events/s on" \
		    "$LOAD_INSTANCES instances"
	fi
}

# ---- set-up ----
say "in $tmp: $LOAD_ENGINE, $LOAD_INSTANCES instance(s) x $LOAD_CLIENTS" \
    "clients, $LOAD_SECONDS s a phase"
if [ "$LOAD_ENGINE" = pg ]; then
	# the server runs as an unprivileged user: it must reach its folder
	chmod 0711 "$tmp" || die "chmod $tmp failed"
	PGDIR=$tmp/pg
	sh "$HERE/../pg/pg.sh" start "$PGDIR" >/dev/null ||
		die "cannot start a PostgreSQL server (tests/pg/pg.sh)"
	CAT=$(sh "$HERE/../pg/pg.sh" createdb "$PGDIR" load) ||
		die "cannot make the database (tests/pg/pg.sh createdb)"
	say "catalog $CAT"
fi
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
start_all steady
start_loads steady "$LOAD_SEED" || exit 1
wait_loads steady
stop_all steady
check_catalog steady --exact

# ---- phase 2: the first server killed halfway ----
say "phase 2: SIGKILL halfway, restart"
start_all kill
start_loads kill "$((LOAD_SEED + 1))" --allow-transport-errors || exit 1
half=$((LOAD_SECONDS / 2))
[ $half -gt 0 ] || half=1
sleep "$half"
pid=$(get SERVER 1)
kill -KILL "$pid" 2>/dev/null
wait "$pid"
set_ SERVER 1 ""
before=$(acks_count 1)
say "SIGKILLed server 1 after ${half} s ($before acknowledgements in" \
    "its file)"
sleep 1
if restart_same_port 1; then
	say "restarted server 1 on 127.0.0.1:$PORT_1 (pid $SERVER_1)"
	after=$(acks_count 1)
else
	fail "kill: server 1 did not restart on port $PORT_1"
	after=""
fi
wait_loads kill " but connection errors on 1"
end=$(acks_count 1)
if [ -z "$after" ]; then
	:
elif [ "$end" -gt "$after" ]; then
	pass "kill: $((end - after)) acknowledgements by server 1 after" \
	    "the restart"
elif [ "$LOAD_SECONDS" -ge 4 ]; then
	# (with less, the run may end before the restart)
	fail "kill: no acknowledgement by server 1 after the restart"
fi
stop_all kill " after the restart"
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
