#!/bin/sh
# t-systemd.sh - bodycam serve as a systemd service (issue 20, part 4):
#
#   - dist/bodycam.service passes systemd-analyze verify, and its
#     hardening keeps systemd-analyze security's exposure at 3.0 or less;
#   - the metadata helper parses the same under MemoryDenyWriteExecute
#     (PR_SET_MDWE, what the unit's rule amounts to) and no_new_privs;
#   - sd_notify: READY=1 (with the PID systemd started, as bodycam execs
#     bodycam-serve in place) only once the port answers, RELOADING=1 and
#     READY=1 around SIGHUP, STOPPING=1 on SIGTERM, to a socket of ours;
#   - SIGHUP reopens the --log file (rotation);
#   - SIGHUP reloads the TLS certificate and key: new connections get the
#     new certificate, a download in flight across the reload completes,
#     a keep-alive connection gets its answer from the old one and is then
#     closed, requests on new connections during several reloads are all
#     answered; a broken certificate, a key others may read, a key that
#     does not match, a missing key: the old certificate stays, the log
#     says why; no key material in any log;
#   - serve --config FILE: the file's options take effect, the command
#     line's win, and each error is exit 2 with FILE:LINE.
#
# Needs curl, openssl, python3 and systemd-analyze (make deps): without
# them it fails, it does not skip.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

_missing=""
for _t in curl openssl python3 systemd-analyze; do
	command -v "$_t" > /dev/null 2>&1 || _missing="$_missing $_t"
done
if [ -n "$_missing" ]; then
	fail "the tools these tests need are installed" \
	    "missing:$_missing (run 'make deps')"
	finish
fi

# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

HELPER=${BODYCAM_PARSE:-$(dirname "$BODYCAM")/bodycam-parse}
case $HELPER in /*) ;; *) HELPER=$(pwd)/$HELPER ;; esac
# some servers run from another directory
if [ -n "${BODYCAM_SERVE-}" ]; then
	case $BODYCAM_SERVE in /*) ;; *) BODYCAM_SERVE=$(pwd)/$BODYCAM_SERVE ;; esac
	export BODYCAM_SERVE
fi

# wait_grep PATTERN FILE N: waits up to 10 s for N lines of FILE to match
wait_grep() {
	_i=0
	while [ $_i -lt 100 ]; do
		_c=$(grep -c -E -e "$1" "$2" 2> /dev/null)
		[ "${_c:-0}" -ge "$3" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# a TCP port of 127.0.0.1 free when asked: another suite may bind it
# before it is used, and the user must be ready for that
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# the SHA-256 of a certificate (PEM file), lowercase hex of its DER
cert_fp() {
	openssl x509 -in "$1" -outform DER 2> /dev/null | sha256sum | cut -c1-64
}

# the SHA-256 of the certificate a new TLS connection to $PORT gets
server_fp() {
	"$PYTHON" -c 'import hashlib, socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10) as s:
    with ctx.wrap_socket(s) as t:
        print(hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest())
' "$PORT" 2> /dev/null || echo none
}

# ============================================================ the unit

UNIT=$REPO/dist/bodycam.service
check "dist/bodycam.service exists" -- test -s "$UNIT"
check "dist/serve.conf exists" -- test -s "$REPO/dist/serve.conf"

# The unit names /usr/bin/bodycam, which systemd-analyze verify wants to
# find executable, and man:bodycam(1), which it looks up with man: a copy
# names the program built here, and MANPATH finds bodycam.1 of the tree.
mkdir -p "$TMP/man/man1"
cp "$REPO/bodycam.1" "$TMP/man/man1/bodycam.1"
sed "s|^ExecStart=/usr/bin/bodycam |ExecStart=$BODYCAM |" "$UNIT" \
    > "$TMP/bodycam.service"
check "the copy runs the program built here" -- \
    grep -q "^ExecStart=$BODYCAM serve --config /etc/bodycam/serve.conf\$" \
    "$TMP/bodycam.service"
expect_exit 0 "systemd-analyze verify (ExecStart: the built program)" -- \
    env MANPATH="$TMP/man" systemd-analyze verify "$TMP/bodycam.service"
expect_empty "$ERR" "  without a word"
# the real file: nothing but the missing /usr/bin/bodycam, when it is
env MANPATH="$TMP/man" systemd-analyze verify "$UNIT" > "$TMP/verify.out" 2>&1
if [ -x /usr/bin/bodycam ]; then
	expect_empty "$TMP/verify.out" "systemd-analyze verify dist/bodycam.service"
else
	grep -v "Command /usr/bin/bodycam is not executable" "$TMP/verify.out" \
	    > "$TMP/verify.rest"
	expect_empty "$TMP/verify.rest" \
	    "systemd-analyze verify dist/bodycam.service: no error but the missing /usr/bin/bodycam"
fi
expect_exit 0 "systemd-analyze security: exposure 3.0 or less" -- \
    systemd-analyze security --offline=yes --threshold=30 \
    "$TMP/bodycam.service"
for d in Type=notify NotifyAccess=main \
    "ExecReload=/bin/kill -HUP \$MAINPID" User=bodycam Group=bodycam \
    ProtectSystem=strict ReadWritePaths=/var/lib/bodycam \
    StateDirectory=bodycam NoNewPrivileges=yes PrivateTmp=yes \
    PrivateDevices=yes ProtectHome=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" RestrictNamespaces=yes \
    LockPersonality=yes MemoryDenyWriteExecute=yes \
    SystemCallArchitectures=native CapabilityBoundingSet= UMask=0077 \
    Restart=on-failure; do
	check "the unit has $d" -- grep -q -x -F -e "$d" "$UNIT"
done
check "the unit has no DynamicUser" -- sh -c "! grep -q '^DynamicUser' '$UNIT'"

# MemoryDenyWriteExecute: no mapping both writable and executable.  The
# kernel's PR_SET_MDWE is the same rule (inherited across execve); the
# helper must parse a video under it, and under no_new_privs, as without.
cat > "$TMP/mdwe.py" << 'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:     # PR_SET_MDWE, REFUSE_EXEC_GAIN
    sys.exit(77)
if libc.prctl(38, 1, 0, 0, 0) != 0:     # PR_SET_NO_NEW_PRIVS
    sys.exit(78)
os.execv(sys.argv[1], sys.argv[1:])
EOF
# (its output goes to a pipe, as in bodycam: RLIMIT_FSIZE is 0)
"$HELPER" -- video/quicktime < "$DATA/video/with-gps.mov" \
    2> "$TMP/parse.plain.err" | cat > "$TMP/parse.plain"
{ "$PYTHON" "$TMP/mdwe.py" "$HELPER" -- video/quicktime \
    < "$DATA/video/with-gps.mov" 2> "$TMP/parse.mdwe.err"
  echo $? > "$TMP/parse.mdwe.rc"; } | cat > "$TMP/parse.mdwe"
_rc=$(cat "$TMP/parse.mdwe.rc")
if [ $_rc -eq 77 ]; then
	echo "# skip: this kernel has no PR_SET_MDWE (6.3 or later)"
else
	expect_eq "$_rc" 0 "the helper under MDWE and no_new_privs: exit 0"
	[ "$_rc" -eq 0 ] || show_file stderr "$TMP/parse.mdwe.err"
	check "  it read the video's metadata" -- grep -q '"duration_ms":4002' \
	    "$TMP/parse.mdwe"
	check "  the same as without" -- cmp -s "$TMP/parse.plain" \
	    "$TMP/parse.mdwe"
fi

# ============================================================ set-up

ROOT=$TMP/store
mkdir -p "$ROOT"
keygen_all admin 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ROOT"
T_ADM=$(bc -q token create --name admin-al --role admin --key "$K/admin.key" \
    2> /dev/null)
check "setup: a token" -- test -n "$T_ADM"

# ============================================== sd_notify, log rotation

cat > "$TMP/notify.py" << 'EOF'
# A NOTIFY_SOCKET of our own: each datagram one line of OUT ("|" for its
# line breaks); on READY=1 it asks GET /v1/healthz at once of the port
# its STATUS names (or the last one named) and adds "|| probe STATUS".
import http.client, re, socket, sys
path, out, port = sys.argv[1], sys.argv[2], None
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
f = open(out, "a")
f.write("bound\n")
f.flush()
while True:
    msg = s.recv(65536).decode("utf-8", "replace")
    line = msg.replace("\n", "|")
    m = re.search(r"serving https? on 127\.0\.0\.1:([0-9]+) ", msg)
    if m:
        port = int(m.group(1))
    if "READY=1" in msg.split("\n"):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/v1/healthz")
            st = c.getresponse().status
        except Exception as e:
            st = "error " + type(e).__name__
        line += " || probe %s" % st
    f.write(line + "\n")
    f.flush()
EOF
NOUT=$TMP/notify.out
: > "$NOUT"
"$PYTHON" "$TMP/notify.py" "$TMP/notify.sock" "$NOUT" > /dev/null 2>&1 &
NPID=$!
SERVERS="$SERVERS $NPID"
wait_grep '^bound$' "$NOUT" 1
check "setup: the notify socket listens" -- test -S "$TMP/notify.sock"

SLOG=$TMP/notify.log
SLOGS="${SLOGS-} $SLOG"
NOTIFY_SOCKET=$TMP/notify.sock "$BODYCAM" --catalog "$CAT" serve \
    --listen 127.0.0.1:0 --log "$SLOG" --key "$K/admin.key" \
    --threads 2 < /dev/null > "$SLOG.out" 2> "$SLOG.err" &
SPID=$!
SERVERS="$SERVERS $SPID"
if wait_grep '^READY=1' "$NOUT" 1; then
	pass "READY=1 comes"
else
	fail "READY=1 comes"
	show_file "notify socket" "$NOUT"
	show_file "server stderr" "$SLOG.err"
fi
expect_grep '^READY=1\|STATUS=serving http on 127\.0\.0\.1:[1-9][0-9]* \(catalog .*\)\|MAINPID=[0-9]+ \|\| probe 200$' \
    "$NOUT" "  with STATUS and MAINPID, and the port answers by then"
NPORT=$(sed -n 's/^READY=1|STATUS=serving http on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$NOUT" | head -n 1)
expect_eq "$(sed -n 's/^READY=1|.*MAINPID=\([0-9]*\).*/\1/p' "$NOUT" | head -n 1)" \
    "$SPID" "  MAINPID is the PID started (bodycam execs bodycam-serve in place)"

# SIGHUP without TLS: the log reopened, for logrotate
mv "$SLOG" "$SLOG.1"
kill -HUP "$SPID"
wait_grep '^READY=1' "$NOUT" 2
wait_grep 'SIGHUP: log .* reopened' "$SLOG" 1
check "SIGHUP: the log file is made again" -- test -s "$SLOG"
expect_grep "SIGHUP: log .*notify\\.log reopened" "$SLOG" "  and says so there"
URL=http://127.0.0.1:$NPORT
api - GET /v1/healthz -H "X-Request-Id: after-rotation"
expect_status 200 "  the service answers"
wait_grep 'GET /v1/healthz 200' "$SLOG" 1
expect_grep 'GET /v1/healthz 200' "$SLOG" "  the request is logged to the new file"
expect_grep ' - serving http on ' "$SLOG.1" "  the old one kept the lines before"
check "  and only those" -- sh -c "! grep -q 'reopened' '$SLOG.1'"
sed -n '2,$p' "$NOUT" | cut -d'|' -f1 | sed 's/ .*//' > "$TMP/notify.seq"
expect_eq "$(tr '\n' ' ' < "$TMP/notify.seq")" "READY=1 RELOADING=1 READY=1 " \
    "  RELOADING=1, then READY=1 again"
expect_grep '^READY=1.* \|\| probe 200$' "$NOUT" "  and it answers then"

stop_server "$SPID" "SIGTERM: exit 0"
expect_grep '^STOPPING=1\|STATUS=SIGTERM: stopping' "$NOUT" "  after STOPPING=1"
expect_eq "$(tail -n 1 "$NOUT" | cut -d'|' -f1)" "STOPPING=1" \
    "  the last word to systemd"
kill "$NPID" 2> /dev/null
forget_pid "$NPID"

# without NOTIFY_SOCKET nothing is sent and nothing fails: the other tests

# ===================================================== TLS reload

mkcert() {	# mkcert NAME CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=$2" -keyout "$K/$1.key" -out "$K/$1.crt" \
	    > /dev/null 2>&1
	chmod 600 "$K/$1.key"
}
mkcert a cert-a
mkcert b cert-b
FPA=$(cert_fp "$K/a.crt")
FPB=$(cert_fp "$K/b.crt")
check "setup: two certificates" -- test -n "$FPA" -a -n "$FPB" -a "$FPA" != "$FPB"
# use A: TLS=the files the service reads
use() {		# use CERT KEY
	cp "$K/$1.crt" "$TMP/tls.crt"
	cp "$K/$2.key" "$TMP/tls.key"
	chmod 600 "$TMP/tls.key"
}
use a a
if start_server tls --key "$K/admin.key" --threads 2 \
    --tls-cert "$TMP/tls.crt" --tls-key "$TMP/tls.key"; then
	pass "a TLS server is up"
else
	fail "a TLS server is up"
	finish
fi
TPID=$SPID
TLOG=$SLOG
# libmicrohttpd's quiesce (reload, stop) races its own epoll workers and
# can abort the process ("Failed to remove listen FD from epoll set"):
# the service polls with poll(), and holds no epoll instance
_ep=$(ls -l "/proc/$TPID/fd" 2> /dev/null | grep -c 'anon_inode:\[eventpoll\]')
_nfd=$(ls "/proc/$TPID/fd" 2> /dev/null | wc -l)
check "the service's threads poll() (no epoll instance among its $_nfd descriptors)" -- \
    test "$_nfd" -gt 3 -a "$_ep" -eq 0
expect_eq "$(server_fp)" "$FPA" "new connections get certificate A"
expect_grep "TLS certificate .*tls\\.crt \\(sha256 fingerprint [0-9A-F:]{95}, not after " \
    "$TLOG" "  the log names its fingerprint"

# a download in flight across the reload
URL=https://127.0.0.1:$PORT
# (32 MiB at 8 MiB/s: more than the socket buffers hold, so that the
# server is still sending when it reloads)
head -c 33554432 /dev/urandom > "$M/big.bin"
API_CT=application/octet-stream api "$T_ADM" POST "/v1/items?name=big.bin" \
    -k --data-binary "@$M/big.bin"
expect_status 201 "setup: an upload over TLS"
ITEM=$(jget "$RB" 'd["id"]')
curl -s -k --limit-rate 8M -o "$TMP/dl" -w '%{http_code}' \
    -H "Authorization: Bearer $T_ADM" "$URL/v1/items/$ITEM/media" \
    > "$TMP/dl.code" 2> "$TMP/dl.err" &
DLPID=$!
sleep 1

# a keep-alive connection across it: answered by the old daemon (with
# certificate A), then closed; the next request meets certificate B
cat > "$TMP/keepalive.py" << 'EOF'
import hashlib, http.client, os, signal, ssl, sys, time
port, pid, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
def get(what):
    c.request("GET", "/v1/healthz")
    local = c.sock.getsockname()[1]
    fp = hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()
    r = c.getresponse()
    r.read()
    print(what, r.status, fp, local, r.getheader("Connection") or "-")
get("before")
n = open(log).read().count("SIGHUP: new connections")
os.kill(pid, signal.SIGHUP)
for i in range(100):
    if open(log).read().count("SIGHUP: new connections") > n:
        break
    time.sleep(0.1)
get("same")
get("next")
EOF
use b b
"$PYTHON" "$TMP/keepalive.py" "$PORT" "$TPID" "$TLOG" > "$TMP/ka.out" 2>&1
check "the download is still going when the reload is done" -- kill -0 "$DLPID"
expect_grep "SIGHUP: new connections get the TLS certificate .*tls\\.crt" \
    "$TLOG" "SIGHUP: the log says the new certificate is in use"
B_LOCAL=$(sed -n 's/^before [0-9]* [0-9a-f]* \([0-9]*\) .*/\1/p' "$TMP/ka.out")
expect_eq "$(sed -n 's/^before //p' "$TMP/ka.out")" "200 $FPA $B_LOCAL -" \
    "keep-alive: before the reload, certificate A"
expect_eq "$(sed -n 's/^same //p' "$TMP/ka.out")" "200 $FPA $B_LOCAL close" \
    "  on the same connection after it: answered (A), then Connection: close"
expect_grep "^next 200 $FPB " "$TMP/ka.out" \
    "  the next request, on a new connection: certificate B"
grep -q Traceback "$TMP/ka.out" && show_file "keep-alive client" "$TMP/ka.out"
expect_eq "$(server_fp)" "$FPB" "new connections get certificate B"
wait "$DLPID"
expect_eq "$(cat "$TMP/dl.code")" 200 "the download in flight completes: 200"
expect_eq "$(sha256_of "$TMP/dl")" "$(sha256_of "$M/big.bin")" \
    "  with every byte of the file"

# requests on new connections while it reloads, again and again: each
# one answered
cat > "$TMP/storm.py" << 'EOF'
import http.client, os, ssl, sys
port, stop = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
n = bad = 0
while not os.path.exists(stop) or n < 20:
    try:
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx,
                                        timeout=10)
        c.request("GET", "/v1/healthz")
        st = c.getresponse().status
        c.close()
    except Exception as e:
        st = type(e).__name__
    n += 1
    if st != 200:
        bad += 1
        print("request %d: %s" % (n, st))
print("%d requests, %d not answered 200" % (n, bad))
EOF
# (three clients, twelve reloads: with epoll this aborted the service
# within 50 to 220 reloads here, so one run in a few caught it)
STPIDS=""
for _j in 1 2 3; do
	"$PYTHON" "$TMP/storm.py" "$PORT" "$TMP/storm.stop" \
	    > "$TMP/storm.$_j.out" 2>&1 &
	STPIDS="$STPIDS $!"
done
n0=$(grep -c "SIGHUP: new connections" "$TLOG")
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	if [ $((i % 2)) -eq 1 ]; then use a a; else use b b; fi
	kill -HUP "$TPID"
	wait_grep "SIGHUP: new connections" "$TLOG" $((n0 + i))
	sleep 0.1
done
: > "$TMP/storm.stop"
# shellcheck disable=SC2086
wait $STPIDS
cat "$TMP"/storm.[123].out > "$TMP/storm.out"
expect_eq "$(grep -c '^[0-9]* requests, 0 not answered 200$' "$TMP/storm.out")" 3 \
    "twelve reloads under three streams of new connections: every request answered 200"
grep -q '^request ' "$TMP/storm.out" && show_file "storm" "$TMP/storm.out"
if kill -0 "$TPID" 2> /dev/null; then
	pass "  the service is still running"
else
	fail "  the service is still running" "it exited"
	show_file "server stderr" "$TLOG.err"
fi
expect_eq "$(grep -c "SIGHUP: new connections" "$TLOG")" "$((n0 + 12))" \
    "  each reload took"
expect_eq "$(server_fp)" "$FPB" "  the last certificate (B) is served"

# a bad reload keeps the certificate served (B) and says why
bad_reload() {	# bad_reload DESC LOG-PATTERN
	_n=$(grep -c "SIGHUP: still serving" "$TLOG")
	kill -HUP "$TPID"
	if wait_grep "SIGHUP: still serving" "$TLOG" $((_n + 1)); then
		pass "$1: the old certificate stays"
	else
		fail "$1: the old certificate stays" "no 'still serving' line"
		show_file "log" "$TLOG"
	fi
	expect_grep "$2" "$TLOG" "  the log says why"
	expect_eq "$(server_fp)" "$FPB" "  new connections still get B"
}
echo "not a certificate" > "$TMP/tls.crt"
bad_reload "a certificate file that is not PEM" \
    "still serving the TLS certificate loaded before: .*tls\\.crt: not a PEM certificate"
use a a
chmod 644 "$TMP/tls.key"
bad_reload "a key that others may read" \
    "still serving .*tls\\.key: the TLS key is readable by others; chmod 600 it"
use a b
bad_reload "a key that does not match the certificate" \
    "libmicrohttpd: .*(do not match|mismatch)"
use a a
rm -f "$TMP/tls.key"
bad_reload "a missing key file" \
    "still serving .*tls\\.key: No such file"
api - GET /v1/healthz -k
expect_status 200 "after all that it answers"
use a a
kill -HUP "$TPID"
wait_grep "SIGHUP: new connections" "$TLOG" $((n0 + 13))
expect_eq "$(server_fp)" "$FPA" "a good reload after bad ones: certificate A"
stop_server "$TPID" "the TLS server stops on SIGTERM: exit 0"

# no key material in any log or output
for _k in a b; do
	sed -n '2p' "$K/$_k.key" > "$TMP/keyline.$_k"
done
_found=""
for _f in $SLOGS; do
	for _g in "$_f" "$_f.err" "$_f.out"; do
		[ -f "$_g" ] || continue
		grep -q -F -f "$TMP/keyline.a" "$_g" && _found="$_found $_g"
		grep -q -F -f "$TMP/keyline.b" "$_g" && _found="$_found $_g"
		grep -q "PRIVATE KEY" "$_g" && _found="$_found $_g"
	done
done
expect_eq "$_found" "" "no TLS key material in any log or output"

# ===================================================== --config

CONF=$W/serve.conf
# from another directory, without --catalog: all from the file
mkdir -p "$W/elsewhere"
SLOGS="$SLOGS $W/a#b.log"
# The file names a port of its own: one free_port found free.  Another
# suite may bind it in between; then the service says so and exits, and
# it is tried again on another (five times at most).
_try=1
while :; do
	CPORT=$(free_port)
	cat > "$CONF" << EOF
# the service's settings
	# an indented comment

catalog = $CAT
key=$K/admin.key
listen	=	127.0.0.1:$CPORT   
threads = 2
log-format = json
log = $W/a#b.log
EOF
	chmod 600 "$CONF"
	: > "$W/a#b.log"
	(cd "$W/elsewhere" && exec "$BODYCAM" serve --config "$CONF" \
	    < /dev/null > "$W/a#b.log.out" 2> "$W/a#b.log.err") &
	SPID=$!
	SERVERS="$SERVERS $SPID"
	_i=0
	while [ $_i -lt 100 ] && kill -0 "$SPID" 2> /dev/null &&
	    ! grep -q '"serving http on ' "$W/a#b.log"; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if ! kill -0 "$SPID" 2> /dev/null &&
	    grep -q "address in use" "$W/a#b.log.err" && [ $_try -lt 5 ]; then
		wait "$SPID" 2> /dev/null
		_try=$((_try + 1))
		continue
	fi
	break
done
if grep -q '"serving http on 127\.0\.0\.1:'"$CPORT " "$W/a#b.log"; then
	pass "--config: it serves on the file's listen address"
else
	fail "--config: it serves on the file's listen address"
	show_file stderr "$W/a#b.log.err"
fi
check "  logging JSON to the file's log (a '#' in a value is not a comment)" -- \
    grep -q '^{"time":' "$W/a#b.log"
URL=http://127.0.0.1:$CPORT
api "$T_ADM" GET /v1/items
expect_status 200 "  with the file's catalog (the token is known there)"
stop_server "$SPID" "  SIGTERM: exit 0"

# the command line wins: listen, log-format, log, catalog, key
printf 'catalog = %s\nkey = %s\n' "$TMP/no-such.db" "$K/no-such.key" >> "$CONF"
grep -v -x -F "catalog = $CAT" "$CONF" | sed '/^key=/d' > "$CONF.new" &&
    mv "$CONF.new" "$CONF"
if start_server override --config "$CONF" --key "$K/admin.key" \
    --log-format text; then
	pass "the command line wins: --listen, --log, --log-format, --catalog, --key"
	expect_grep '^[^{]* - serving http on 127\.0\.0\.1:' "$SLOG" \
	    "  a text log at --log, port 0 from --listen"
	check "  not on the file's port" -- test "$PORT" != "$CPORT"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "the command line wins: --listen, --log, --log-format, --catalog, --key"
fi
# the file's catalog wins over $BODYCAM_CATALOG
sed -i "s|^catalog = .*|catalog = $CAT|; s|^key = .*|key = $K/admin.key|" "$CONF"
sed -i "s|^listen.*|listen = 127.0.0.1:0|; s|^log = .*|log = $W/env.log|" "$CONF"
(cd "$W/elsewhere" && BODYCAM_CATALOG=$TMP/no-such.db exec "$BODYCAM" serve \
    --config "$CONF" < /dev/null > "$W/env.log.out" 2> "$W/env.log.err") &
SPID=$!
SERVERS="$SERVERS $SPID"
SLOGS="$SLOGS $W/env.log"
if wait_grep 'serving http on' "$W/env.log" 1; then
	pass "the file's catalog wins over \$BODYCAM_CATALOG"
else
	fail "the file's catalog wins over \$BODYCAM_CATALOG"
	show_file stderr "$W/env.log.err"
fi
stop_server "$SPID" "  SIGTERM: exit 0"

# errors: exit 2, FILE:LINE, and no server
GOOD="catalog = $CAT
key = $K/admin.key
listen = 127.0.0.1:0"
conf_err() {	# conf_err DESC PATTERN: $W/bad.conf must be refused
	chmod 600 "$W/bad.conf" 2> /dev/null
	expect_exit 2 "--config $1: exit 2" -- timeout 10 "$BODYCAM" serve \
	    --config "$W/bad.conf"
	expect_grep "$2" "$ERR" "  $(echo "$2" | sed 's/\\//g')"
}
printf '%s\ncolour = blue\n' "$GOOD" > "$W/bad.conf"
conf_err "an unknown key" "bad\\.conf:4: unknown key 'colour'"
printf '%s\nconfig = %s\n' "$GOOD" "$CONF" > "$W/bad.conf"
conf_err "config in a configuration file" "bad\\.conf:4: unknown key 'config'"
printf '%s\n\nthreads = 2\n# x\nthreads = 3\n' "$GOOD" > "$W/bad.conf"
conf_err "a key given twice" "bad\\.conf:7: 'threads' again \\(first on line 5\\)"
printf '%s\nlisten = \n' "$GOOD" | sed '3d' > "$W/bad.conf"
conf_err "a key without a value" "bad\\.conf:3: no value after '='"
printf '%s\nlog %s\n' "$GOOD" "$W/x.log" > "$W/bad.conf"
conf_err "KEY VALUE without '='" "bad\\.conf:4: a line must be KEY = VALUE"
printf '%s\nlisten\n' "$GOOD" | sed '3d' > "$W/bad.conf"
conf_err "a lone key" "bad\\.conf:3: a key without '= VALUE'"
printf '%s\n= x\n' "$GOOD" > "$W/bad.conf"
conf_err "a value without a key" "bad\\.conf:4: a line must be KEY = VALUE"
{ printf '%s\nlog = ' "$GOOD"; head -c 5000 /dev/zero | tr '\0' a; echo; } \
    > "$W/bad.conf"
conf_err "a line over 4096 bytes" "bad\\.conf:4: a line longer than 4096 bytes"
printf '%s\nthreads = 0\n' "$GOOD" > "$W/bad.conf"
conf_err "threads = 0" "bad\\.conf:4: threads: 1 to 256"
printf '%s\nmax-upload = 12Q\n' "$GOOD" > "$W/bad.conf"
conf_err "max-upload = 12Q" "bad\\.conf:4: max-upload: 1 byte to 1P"
printf '%s\nlog-format = xml\n' "$GOOD" > "$W/bad.conf"
conf_err "log-format = xml" "bad\\.conf:4: log-format: text or json"
printf '%s\r\nthreads = 2\r\n' "$GOOD" > "$W/bad.conf"
conf_err "DOS line ends" "bad\\.conf:3: a carriage return"
printf '%s\nlog = a\001b\n' "$GOOD" > "$W/bad.conf"
conf_err "a control character" "bad\\.conf:4: a control character"
printf '%s\nlog = \377\376\n' "$GOOD" > "$W/bad.conf"
conf_err "bytes that are not UTF-8" "bad\\.conf:4: bytes that are not UTF-8"
printf '%s\n# a\000b\n' "$GOOD" > "$W/bad.conf"
conf_err "a NUL byte" "bad\\.conf:4: a NUL byte"
{ echo "$GOOD"; for i in 1 2 3 4 5 6 7 8 9; do echo "key = $K/admin.key"; done; } \
    > "$W/bad.conf"
conf_err "nine keys" "bad\\.conf:11: key: at most 8 keys"
{ echo "$GOOD"; i=0; while [ $i -lt 800 ]; do
	echo "# $i ......................................................................................"
	i=$((i + 1)); done; } > "$W/bad.conf"
conf_err "a file over 64 KiB" "bad\\.conf: larger than 65536 bytes"
echo "$GOOD" > "$W/bad.conf"
chmod 666 "$W/bad.conf"
expect_exit 2 "--config: a file others may write: exit 2" -- timeout 10 \
    "$BODYCAM" serve --config "$W/bad.conf"
expect_grep "bad\\.conf: group or others may write it \\(mode 0666\\)" "$ERR" \
    "  says so"
chmod 620 "$W/bad.conf"
expect_exit 2 "--config: a file the group may write: exit 2" -- timeout 10 \
    "$BODYCAM" serve --config "$W/bad.conf"
if [ "$(id -u)" -eq 0 ]; then
	chmod 600 "$W/bad.conf"
	chown 65534 "$W/bad.conf"
	expect_exit 2 "--config: a file owned by another user: exit 2" -- \
	    timeout 10 "$BODYCAM" serve --config "$W/bad.conf"
	expect_grep "bad\\.conf: owned by uid 65534, neither root nor" "$ERR" \
	    "  says so"
	chown 0 "$W/bad.conf"
else
	echo "# skip: a file owned by another user (needs root to make one)"
fi
mkdir -p "$W/dir.conf"
expect_exit 2 "--config: a directory: exit 2" -- timeout 10 \
    "$BODYCAM" serve --config "$W/dir.conf"
expect_grep "dir\\.conf: not a regular file" "$ERR" "  not a regular file"
mkfifo "$W/fifo.conf"
expect_exit 2 "--config: a FIFO: exit 2, without waiting for a writer" -- \
    timeout 10 "$BODYCAM" serve --config "$W/fifo.conf"
expect_exit 2 "--config: a missing file: exit 2" -- timeout 10 \
    "$BODYCAM" serve --config "$W/no-such.conf"
expect_grep "no-such\\.conf: No such file" "$ERR" "  says so"
expect_exit 2 "--config without a value: exit 2" -- "$BODYCAM" serve --config

# the example configuration parses, and names only keys serve knows
sed 's/^#\([a-z-]* = \)/\1/' "$REPO/dist/serve.conf" |
    sed "s|^catalog = .*|catalog = $CAT|; s|^key = .*|key = $K/admin.key|; s|^listen = .*|listen = 127.0.0.1:0|; s|^log = .*|log = $W/example.log|; s|^storage = .*|storage = $ROOT|; /^tls-/d" \
    > "$W/example.conf"
chmod 640 "$W/example.conf"
"$BODYCAM" serve --config "$W/example.conf" < /dev/null \
    > "$W/example.log.out" 2> "$W/example.log.err" &
SPID=$!
SERVERS="$SERVERS $SPID"
SLOGS="$SLOGS $W/example.log"
if wait_grep 'serving http on' "$W/example.log" 1; then
	pass "dist/serve.conf, every setting uncommented (mode 0640): the service starts"
else
	fail "dist/serve.conf, every setting uncommented (mode 0640): the service starts"
	show_file stderr "$W/example.log.err"
fi
stop_server "$SPID" "  SIGTERM: exit 0"

no_server_sanitizer_report
finish
