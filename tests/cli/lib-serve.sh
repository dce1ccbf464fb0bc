# lib-serve.sh - what the tests of 'bodycam serve' share (t-serve.sh,
# t-upload.sh): servers started and killed, requests with curl, their
# answers checked.  Sourced after lib.sh.
# shellcheck shell=sh

# ------------------------------------------------------------- processes

SERVERS=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for _p in $SERVERS; do
		kill -KILL "$_p" 2> /dev/null
	done
	[ -n "${KEEP_TMP-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

forget_pid() {
	SERVERS=$(echo " $SERVERS " | sed "s/ $1 / /")
}

# wait_pid PID SECONDS: waits for PID (a child), killing it after SECONDS;
# $WAIT_RC is its exit status, WAIT_KILLED=1 when it had to be killed.
# The watchdog polls for a file rather than being killed: a signal sent
# before it has set its trap would leave its sleep running.
wait_pid() {
	WAIT_KILLED=0
	rm -f "$TMP/wd-done.$1" "$TMP/wd-killed.$1"
	(
		_i=0
		while [ $_i -lt $(($2 * 10)) ]; do
			sleep 0.1
			[ -f "$TMP/wd-done.$1" ] && exit 0
			_i=$((_i + 1))
		done
		[ -f "$TMP/wd-done.$1" ] && exit 0
		kill -KILL "$1" 2> /dev/null && : > "$TMP/wd-killed.$1"
	) > /dev/null 2>&1 &
	_wd=$!
	wait "$1"
	WAIT_RC=$?
	: > "$TMP/wd-done.$1"
	wait "$_wd"
	[ -f "$TMP/wd-killed.$1" ] && WAIT_KILLED=1
	forget_pid "$1"
}

# start_server NAME SERVE-ARGS...: 'bodycam serve' in the background, log
# $TMP/NAME.log (stderr NAME.log.err); waits up to 10 s for the "serving"
# line and sets SPID, PORT and SLOG.  Returns 1 if it did not come up.
start_server() {
	SLOG=$TMP/$1.log
	shift
	: > "$SLOG"
	"$BODYCAM" --catalog "$CAT" serve --listen 127.0.0.1:0 --log "$SLOG" \
	    "$@" < /dev/null > "$SLOG.out" 2> "$SLOG.err" &
	SPID=$!
	SERVERS="$SERVERS $SPID"
	SLOGS="${SLOGS-} $SLOG"
	PORT=""
	_i=0
	while [ $_i -lt 100 ]; do
		PORT=$(sed -n 's/^[^ ]* - serving https\{0,1\} on 127\.0\.0\.1:\([0-9][0-9]*\) .*/\1/p' "$SLOG")
		[ -n "$PORT" ] && return 0
		# (a line read half written has no port yet: read it again)
		if ! kill -0 "$SPID" 2> /dev/null; then
			break
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	show_file "server log" "$SLOG"
	show_file "server stderr" "$SLOG.err"
	return 1
}

# stop_server PID DESC: SIGTERM, then it must exit 0 within 15 s
stop_server() {
	kill -TERM "$1" 2> /dev/null
	wait_pid "$1" 15
	if [ "$WAIT_KILLED" -eq 1 ]; then
		fail "$2" "still running 15 s after SIGTERM (killed)"
	else
		expect_eq "$WAIT_RC" 0 "$2"
	fi
}

# mktoken NAME ROLE: prints a new bearer token of $CAT, made with
# $K/admin.key
mktoken() {
	bc -q token create --name "$1" --role "$2" --key "$K/admin.key" \
	    2> /dev/null
}

# ------------------------------------------------------------ requests

RB=$TMP/resp.body
RH=$TMP/resp.head
NREQ=0		# requests sent to the main server, for the log's count
MAIN_URL=""

# api TOKEN METHOD PATH [CURL-OPTIONS...]: one request to $URL; TOKEN "-"
# sends no Authorization header; the Content-Type is $API_CT, by default
# application/json.  The status is $ST ("000": no answer),
# the body $RB, the headers $RH, curl's exit status $CURL_RC.
api() {
	_tok=$1
	_m=$2
	_p=$3
	shift 3
	if [ "$URL" = "$MAIN_URL" ]; then
		NREQ=$((NREQ + 1))
		echo "$_m ${_p%%\?*}" >> "$TMP/sent"
	fi
	: > "$RB"
	: > "$RH"
	if [ "$_tok" = "-" ]; then
		ST=$(curl -s -o "$RB" -D "$RH" -w '%{http_code}' -X "$_m" \
		    -H "Content-Type: ${API_CT:-application/json}" "$@" "$URL$_p" \
		    2> "$TMP/curl.err")
	else
		ST=$(curl -s -o "$RB" -D "$RH" -w '%{http_code}' -X "$_m" \
		    -H "Content-Type: ${API_CT:-application/json}" \
		    -H "Authorization: Bearer $_tok" "$@" "$URL$_p" \
		    2> "$TMP/curl.err")
	fi
	CURL_RC=$?
	[ -n "$ST" ] || ST=000
}

# expect_status WANT DESC
expect_status() {
	if [ "$ST" = "$1" ]; then
		pass "$2"
	else
		fail "$2" "status $ST, expected $1"
		show_file body "$RB"
	fi
}

# expect_error STATUS CODE DESC: the status, a JSON content type, and the
# body exactly {"error":{"code":CODE,"message":"...",DETAILS}} (jansson's
# compact form, members in that order, DETAILS none or more members with a
# string or integer value such as "field":"reason"; a grep, as this runs
# some 300 times)
expect_error() {
	if [ "$ST" != "$1" ]; then
		fail "$3" "status $ST, expected $1 ($2)"
		show_file body "$RB"
	elif ! grep -i -q '^content-type: application/json' "$RH"; then
		fail "$3" "no Content-Type: application/json"
		show_file headers "$RH"
	elif [ "$(wc -l < "$RB" | tr -d ' ')" != 1 ] || ! grep -E -q -x \
	    "\\{\"error\":\\{\"code\":\"$2\",\"message\":\"([^\"\\\\]|\\\\.)+\"(,\"[a-z_]+\":(\"([^\"\\\\]|\\\\.)*\"|-?[0-9]+))*\\}\\}" \
	    "$RB"; then
		fail "$3" "the body is not {\"error\":{\"code\":\"$2\",\"message\":...}}"
		show_file body "$RB"
	else
		pass "$3"
	fi
}

# header NAME: the value of a response header in $RH (last one)
header() {
	tr -d '\r' < "$RH" | sed -n "s/^$1: //Ip" | tail -n 1
}

# jget FILE EXPR: print a value of the JSON document d in FILE
jget() {
	"$PYTHON" -S -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("null" if v is None else v)' "$1" "$2" 2> /dev/null
}


# no_server_sanitizer_report: a test that no server started here wrote a
# sanitizer report (in its log or on its stderr)
no_server_sanitizer_report() {
	_bad=""
	for _f in ${SLOGS-}; do
		if sanitizer_report "$_f.err" || sanitizer_report "$_f"; then
			_bad="$_bad $_f"
			show_file "$(basename "$_f").err" "$_f.err"
		fi
	done
	expect_eq "$_bad" "" "no sanitizer report from any server"
}

# no_token_logged TOKEN...: a test that no server started here logged or
# printed any of the tokens (nor 24 hex digits of one)
no_token_logged() {
	_found=""
	for _t; do
		[ -n "$_t" ] || continue
		_hex=$(echo "${_t#bct_}" | cut -c1-24)
		for _f in ${SLOGS-}; do
			for _g in "$_f" "$_f.err" "$_f.out"; do
				[ -f "$_g" ] || continue
				grep -q -i -F -e "$_hex" "$_g" &&
				    _found="$_found $_g"
			done
		done
	done
	expect_eq "$_found" "" \
	    "no token (nor 24 hex digits of one) in any server log or output"
}
