#!/bin/sh
# t-tsa.sh - trusted time: RFC 3161 time-stamp tokens over checkpoints.
#
# A local CA and TSA made with openssl req/x509 (EKU timeStamping), a TSA
# of another CA that no one trusts, 'openssl ts -reply' for the file mode
# and, for the URL mode, a tiny HTTP TSA on 127.0.0.1 (python3's
# http.server piping each query through 'openssl ts -reply'): no network.
# Covers checkpoint --tsa / --tsa-query / --tsa-reply, tokens over the
# wrong checkpoint, from an untrusted TSA, with altered bytes, filed
# under another checkpoint by an insider (verify and audit), and a
# revoked key's records covered, or not, by a time-stamped checkpoint
# from before the revocation.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

need_tools "trusted-time tests" openssl sqlite3
if [ "$HAVE_PYTHON" -ne 1 ]; then
	echo "# skip: trusted-time tests (no python3 for the HTTP TSA)"
	finish
fi

P=$TMP/pki
mkdir -p "$P"

# mkpki NAME: a CA $P/NAME-ca.pem, a TSA certificate under it, and an
# 'openssl ts -reply' configuration $P/NAME-ts.cnf
mkpki() {
	_n=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$P/$_n-ca.key" -out "$P/$_n-ca.pem" -days 30 \
	    -subj "/CN=$_n test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$P/$_n-tsa.key" -out "$P/$_n-tsa.csr" \
	    -subj "/CN=$_n test TSA" 2>/dev/null &&
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=critical,timeStamping" > "$P/$_n-ext.cnf" &&
	openssl x509 -req -in "$P/$_n-tsa.csr" -CA "$P/$_n-ca.pem" \
	    -CAkey "$P/$_n-ca.key" -CAcreateserial -out "$P/$_n-tsa.pem" \
	    -days 30 -extfile "$P/$_n-ext.cnf" 2>/dev/null || return 1
	echo 01 > "$P/$_n-serial"
	cat > "$P/$_n-ts.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $P/$_n-serial
crypto_device = builtin
signer_cert = $P/$_n-tsa.pem
certs = $P/$_n-ca.pem
signer_key = $P/$_n-tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
}
check "a test CA and TSA (EKU timeStamping)" -- mkpki good
check "a second CA and TSA, not trusted" -- mkpki evil
CA=$P/good-ca.pem
EVIL_CA=$P/evil-ca.pem

# tsreply NAME QUERY REPLY: 'openssl ts -reply' as the TSA NAME
tsreply() {
	openssl ts -reply -config "$P/$1-ts.cnf" -queryfile "$2" -out "$3" \
	    > /dev/null 2>&1
}

# the HTTP TSA: POST a query, get 'openssl ts -reply' back; /refuse
# answers a rejection (status 2), /big more than any reply may be
cat > "$W/tsa-server.py" <<'EOF'
import http.server, os, subprocess, sys, tempfile
cnf, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ctype = "application/timestamp-reply"
        if self.path.startswith("/refuse"):
            out = bytes.fromhex("3005300302010 2".replace(" ", ""))
        elif self.path.startswith("/big"):
            out = b"\x30\x84\x00\x10\x00\x00" + b"\x00" * (1024 * 1024)
        elif self.path.startswith("/html"):
            out, ctype = b"<html></html>", "text/html"
        else:
            with tempfile.TemporaryDirectory() as d:
                q, r = os.path.join(d, "q"), os.path.join(d, "r")
                with open(q, "wb") as f:
                    f.write(body)
                subprocess.run(["openssl", "ts", "-reply", "-config", cnf,
                    "-queryfile", q, "-out", r], check=True,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                out = open(r, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 4:       # https: CERT KEY
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF
# and for https, a server certificate for 127.0.0.1 from the test CA
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/web.key" -out "$P/web.csr" -subj "/CN=127.0.0.1" \
    2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    > "$P/web.cnf"
openssl x509 -req -in "$P/web.csr" -CA "$CA" -CAkey "$P/good-ca.key" \
    -CAcreateserial -out "$P/web.pem" -days 30 -extfile "$P/web.cnf" \
    2>/dev/null
env -u http_proxy -u HTTP_PROXY "$PYTHON" "$W/tsa-server.py" \
    "$P/good-ts.cnf" "$W/port" 2>/dev/null &
SRV=$!
env -u https_proxy -u HTTPS_PROXY "$PYTHON" "$W/tsa-server.py" \
    "$P/good-ts.cnf" "$W/sport" "$P/web.pem" "$P/web.key" 2>/dev/null &
SSRV=$!
trap 'kill "$SRV" "$SSRV" 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while { [ ! -s "$W/port" ] || [ ! -s "$W/sport" ]; } && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the local HTTP TSA listens" -- test -s "$W/port"
check "the local HTTPS TSA listens" -- test -s "$W/sport"
URL=http://127.0.0.1:$(cat "$W/port" 2>/dev/null)/tsa
SURL=https://127.0.0.1:$(cat "$W/sport" 2>/dev/null)/tsa
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY

# ----------------------------------------------------------- a catalog

keygen_all admin cust cust2 aud > /dev/null
expect_exit 0 "init" -- bc init --admin-key "$K/admin.pub" \
    --origin example.org/t-tsa
add_keys cust:custodian cust2:custodian aud:auditor
printf 'first\n' > "$M/a.mp4"
printf 'second\n' > "$M/b.mp4"
expect_exit 0 "register two files" -- \
    bc register "$M/a.mp4" "$M/b.mp4" --key "$K/admin.key"
expect_exit 0 "custody add by cust (BWC-000001)" -- \
    bc custody add BWC-000001 access --key "$K/cust.key" --actor det-1

# key documents sign checkpoints of their own: count from here
NCP0=$(q "$CAT" "SELECT count(*) FROM checkpoints")
lastcp() {
	q "$CAT" "SELECT max(id) FROM checkpoints"
}

# ---------------------------------------------------------- usage

expect_exit 2 "--tsa without --tsa-ca: usage" -- \
    bc checkpoint --key "$K/aud.key" --tsa "$URL"
expect_grep "needs --tsa-ca" "$ERR" "  says --tsa-ca is needed"
expect_exit 2 "--tsa and --tsa-query together: usage" -- \
    bc checkpoint --tsa "$URL" --tsa-query "$W/x.tsq" --tsa-ca "$CA"
expect_exit 2 "--checkpoint with --key: usage" -- \
    bc checkpoint --key "$K/aud.key" --checkpoint 1 --tsa-query "$W/x.tsq"
expect_exit 2 "--tsa ftp://: refused" -- \
    bc checkpoint --key "$K/aud.key" --tsa ftp://example.org/ --tsa-ca "$CA"
expect_eq "$(q "$CAT" "SELECT count(*) FROM checkpoints")" "$NCP0" \
    "  usage errors sign nothing"
expect_exit 2 "--tsa-ca of a file without certificates: refused" -- \
    bc checkpoint --tsa-reply "$CAT" --tsa-ca "$K/admin.pub"

# ------------------------------------------------------------ URL mode

expect_exit 0 "checkpoint --key --tsa URL --tsa-ca" -- \
    bc checkpoint --key "$K/aud.key" --tsa "$URL" --tsa-ca "$CA"
A=$(lastcp)
expect_grep "^checkpoint $A: [0-9]+ leaves, time-stamped at 20[0-9-]+T[0-9:]+Z by /CN=good test TSA" \
    "$OUT" "  prints the checkpoint, genTime and the TSA"
expect_eq "$(q "$CAT" "SELECT count(*) FROM timestamps WHERE checkpoint = $A AND tsa = '$URL'")" 1 \
    "  one token stored for checkpoint $A, with the URL"
q "$CAT" "SELECT $(sql_hex token) FROM timestamps WHERE id = 1" |
    xxd -r -p > "$W/t1.der"
q "$CAT" "SELECT note FROM checkpoints WHERE id = $A" > "$W/cp1.txt"
# sqlite3 prints a line break after the value: the note ends in one
truncate_file "$W/cp1.txt" "$(q "$CAT" "SELECT $(sql_bytes note) FROM checkpoints WHERE id = $A")"
check "  openssl ts -verify accepts the stored token over the note" -- \
    openssl ts -verify -data "$W/cp1.txt" -in "$W/t1.der" -token_in \
    -CAfile "$CA"
expect_exit 0 "checkpoint --tsa --json (the newest, already signed)" -- \
    bc --json checkpoint --tsa "$URL" --tsa-ca "$CA"
json_check "$OUT" "d['timestamp']['checkpoint'] == $A and d['timestamp']['tsa'] == '$URL' and d['timestamp']['time'].endswith('Z')" \
    "  --json: the token's checkpoint, TSA and time"
expect_exit 0 "checkpoint --json (show) lists its tokens" -- bc --json checkpoint
json_check "$OUT" "d['id'] == $A and [t['tsa'] for t in d['timestamps']] == ['$URL', '$URL'] and all(t['time'].endswith('Z') for t in d['timestamps'])" \
    "  timestamps: [{time, tsa}], as GET /v1/checkpoint has them"
expect_exit 0 "checkpoint --tsa https://, the server's CA trusted (SSL_CERT_FILE)" -- \
    env SSL_CERT_FILE="$CA" "$BODYCAM" --catalog "$CAT" checkpoint \
    --tsa "$SURL" --tsa-ca "$CA"
expect_grep "time-stamped at .* by /CN=good test TSA" "$OUT" "  stored"
expect_exit 3 "checkpoint --tsa https:// to a server no CA vouches for: refused" -- \
    env SSL_CERT_FILE="$EVIL_CA" "$BODYCAM" --catalog "$CAT" checkpoint \
    --tsa "$SURL" --tsa-ca "$CA"
expect_grep "no time-stamp reply from https://" "$ERR" "  says no reply came"
expect_eq "$(q "$CAT" "SELECT count(*) FROM timestamps WHERE tsa = '$SURL'")" 1 \
    "  one token from the https TSA"
expect_exit 1 "a TSA that refuses: exit 1" -- \
    bc checkpoint --tsa "${URL%/tsa}/refuse" --tsa-ca "$CA"
expect_grep "did not grant.*rejection" "$ERR" "  names the status"
expect_exit 2,3 "a TSA whose reply is too large: refused" -- \
    bc checkpoint --tsa "${URL%/tsa}/big" --tsa-ca "$CA"
expect_exit 3 "a reply of another content type: refused" -- \
    bc checkpoint --tsa "${URL%/tsa}/html" --tsa-ca "$CA"
expect_exit 1 "the HTTP TSA's token checked to another CA: refused" -- \
    bc checkpoint --tsa "$URL" --tsa-ca "$EVIL_CA"
expect_grep "does not verify to the given TSA certificates" "$ERR" \
    "  says the signature does not chain to --tsa-ca"
expect_eq "$(q "$CAT" "SELECT count(*) FROM timestamps")" 3 \
    "  the refusals stored nothing"

# ----------------------------------------------------------- file mode

expect_exit 0 "custody add (the log grows)" -- \
    bc custody add BWC-000002 access --key "$K/cust.key" --actor det-1
expect_exit 0 "checkpoint --key --tsa-query FILE" -- \
    bc checkpoint --key "$K/aud.key" --tsa-query "$W/q2.tsq"
B=$(lastcp)
expect_grep "^checkpoint $B: time-stamp request written to" "$OUT" \
    "  says where the request went"
check "  the request is a DER TimeStampReq with SHA-256, a nonce and certReq" -- \
    sh -c 'openssl ts -query -in "$1" -text | grep -q "Hash Algorithm: sha256" &&
	openssl ts -query -in "$1" -text | grep -q "Certificate required: yes" &&
	openssl ts -query -in "$1" -text | grep -qv "Nonce: unspecified"' _ "$W/q2.tsq"
expect_exit 2 "--tsa-query onto an existing file: refused" -- \
    bc checkpoint --tsa-query "$W/q2.tsq"
check "openssl ts -reply answers it (good TSA)" -- \
    tsreply good "$W/q2.tsq" "$W/r2.tsr"
check "openssl ts -reply answers it (the untrusted TSA)" -- \
    tsreply evil "$W/q2.tsq" "$W/e2.tsr"
expect_exit 1 "--tsa-reply from the untrusted TSA: refused" -- \
    bc checkpoint --tsa-reply "$W/e2.tsr" --tsa-ca "$CA"
expect_grep "e2.tsr: not stored for checkpoint $B" "$ERR" \
    "  names the file and the checkpoint"
expect_exit 1 "--tsa-reply over checkpoint $B filed for checkpoint $A: refused" -- \
    bc checkpoint --tsa-reply "$W/r2.tsr" --tsa-ca "$CA" --checkpoint "$A"
expect_grep "over another checkpoint" "$ERR" \
    "  says the token is over another checkpoint"
cp "$W/r2.tsr" "$W/bad.tsr"
flip_byte "$W/bad.tsr" $(( $(size_of "$W/bad.tsr") - 20 ))
expect_exit 1,2 "--tsa-reply with an altered byte: refused" -- \
    bc checkpoint --tsa-reply "$W/bad.tsr" --tsa-ca "$CA"
cp "$W/r2.tsr" "$W/trail.tsr"
printf 'x' >> "$W/trail.tsr"
expect_exit 2 "--tsa-reply with a byte after the DER: refused" -- \
    bc checkpoint --tsa-reply "$W/trail.tsr" --tsa-ca "$CA"
expect_grep "after the time-stamp reply" "$ERR" "  says there is trailing data"
expect_exit 2 "--tsa-reply of a non-DER file: refused" -- \
    bc checkpoint --tsa-reply "$W/q2.tsq" --tsa-ca "$CA"
expect_eq "$(q "$CAT" "SELECT count(*) FROM timestamps")" 3 \
    "  nothing stored by the refusals"
expect_exit 0 "--tsa-reply of the good TSA: stored" -- \
    bc checkpoint --tsa-reply "$W/r2.tsr" --tsa-ca "$CA"
expect_grep "^checkpoint $B: .*time-stamped at" "$OUT" "  for checkpoint $B"
expect_eq "$(q "$CAT" "SELECT tsa FROM timestamps WHERE checkpoint = $B")" \
    file "  stored with tsa 'file'"
expect_exit 2 "the same reply twice: refused" -- \
    bc checkpoint --tsa-reply "$W/r2.tsr" --tsa-ca "$CA"

# --------------------------------------------------- verify and audit

expect_exit 0 "verify --tsa-ca: passes" -- \
    bc verify BWC-000001 --tsa-ca "$CA"
expect_grep "timestamp +4 tokens over their checkpoints, signed by a TSA" \
    "$OUT" "  the tokens are checked to --tsa-ca"
expect_exit 0 "verify without --tsa-ca: passes" -- bc verify BWC-000001
expect_grep "signatures not checked \(no --tsa-ca\)" "$OUT" \
    "  says the signatures were not checked"
expect_exit 1 "verify with another CA: fails" -- \
    bc verify BWC-000001 --tsa-ca "$EVIL_CA"
expect_exit 0 "audit --tsa-ca --json: passes" -- \
    bc --json audit --tsa-ca "$CA"
json_check "$OUT" "d['ok'] and d['timestamps'] == 4" "  counts 4 tokens"

# ------------------------------------------- revoked keys, trusted time

# BWC-000001's event by cust is in checkpoints A and B, time-stamped;
# cust is revoked after those tokens' time: covered, no warning
sleep 3
expect_exit 0 "custody add by cust2 (BWC-000002), in no time-stamped checkpoint" -- \
    bc custody add BWC-000002 access --key "$K/cust2.key" --actor det-2
expect_exit 0 "key revoke cust" -- \
    bc key revoke "$(cat "$TMP/kid.cust")" --reason "left" --key "$K/admin.key"
expect_exit 0 "key revoke cust2" -- \
    bc key revoke "$(cat "$TMP/kid.cust2")" --reason "lost" --key "$K/admin.key"
expect_exit 0 "verify BWC-000001 --tsa-ca: passes" -- \
    bc verify BWC-000001 --tsa-ca "$CA"
expect_grep "trusted-time +event seq 1 \(leaf [0-9]+\), by key [0-9a-f]{16}\.\.\. \(cust\) revoked at [0-9T:.Z-]+: covered by timestamped checkpoint $A at" \
    "$OUT" "  the revoked key's event: covered by timestamped checkpoint $A"
expect_nogrep "no time-stamped checkpoint" "$OUT" "  and no 'not covered' line"
expect_exit 0 "verify BWC-000001 --tsa-ca --json" -- \
    bc --json verify BWC-000001 --tsa-ca "$CA"
json_check "$OUT" "[c['ok'] for c in d[0]['checks'] if c['name'] == 'trusted-time'] == [True] and 'covered by timestamped checkpoint $A' in [c for c in d[0]['checks'] if c['name'] == 'trusted-time'][0]['detail']" \
    "  --json: one trusted-time check, ok, covered"
expect_exit 0 "verify BWC-000002 --tsa-ca: passes (as without trusted time)" -- \
    bc verify BWC-000002 --tsa-ca "$CA"
expect_grep "trusted-time +event seq 1 \(leaf [0-9]+\), by key [0-9a-f]{16}\.\.\. \(cust\) revoked at .*covered by timestamped checkpoint $B" \
    "$OUT" "  cust's event in checkpoint $B: covered"
expect_grep "trusted-time +event seq 2 \(leaf [0-9]+\), by key [0-9a-f]{16}\.\.\. \(cust2\) revoked at [0-9T:.Z-]+: no time-stamped checkpoint from before the revocation covers it; it stands on its place in the log alone" \
    "$OUT" "  cust2's event: reported precisely (record, key, revocation time)"
expect_exit 0 "verify BWC-000001 without --tsa-ca" -- bc verify BWC-000001
expect_grep "no time-stamped checkpoint .*\(no --tsa-ca: no token is trusted\)" \
    "$OUT" "  without anchors nothing is covered, and it says why"

# a token filed later, after the revocation, over a checkpoint that
# covers cust2's record, does not cover it
expect_exit 0 "checkpoint --tsa (the newest, after the revocations)" -- \
    bc checkpoint --tsa "$URL" --tsa-ca "$CA"
expect_exit 0 "verify BWC-000002 --tsa-ca" -- bc verify BWC-000002 --tsa-ca "$CA"
expect_grep "\(cust2\) revoked at .*: no time-stamped checkpoint from before" \
    "$OUT" "  a token from after the revocation covers nothing"

# a catalog without tokens: the revoked key's record passes, as before,
# and says that nothing is time-stamped
PC=$W/plain.db
"$BODYCAM" --catalog "$PC" init --admin-key "$K/admin.pub" \
    --origin example.org/t-tsa-plain > /dev/null 2>&1
"$BODYCAM" --catalog "$PC" key add "$K/cust.pub" --name cust \
    --role custodian --key "$K/admin.key" > /dev/null 2>&1
"$BODYCAM" --catalog "$PC" register "$M/a.mp4" --key "$K/admin.key" \
    > /dev/null 2>&1
"$BODYCAM" --catalog "$PC" custody add BWC-000001 access \
    --key "$K/cust.key" --actor det-1 > /dev/null 2>&1
"$BODYCAM" --catalog "$PC" key revoke "$(cat "$TMP/kid.cust")" \
    --reason left --key "$K/admin.key" > /dev/null 2>&1
expect_exit 0 "no tokens at all: verify passes as before" -- \
    "$BODYCAM" --catalog "$PC" verify BWC-000001 --tsa-ca "$CA"
expect_grep "trusted-time +event seq 1 .*\(cust\) revoked at .*: no time-stamped checkpoint from before the revocation covers it \(no checkpoint is time-stamped\)" \
    "$OUT" "  and says that no checkpoint is time-stamped"
expect_nogrep "timestamp  " "$OUT" "  no timestamp line without tokens"

# ------------------------------------------------- an insider's tokens

insider_begin tsa-insider
cp "$CAT" "$W/clean.db"
# the token of checkpoint B filed under checkpoint A's row
q "$CAT" "INSERT INTO timestamps (checkpoint, token, time, tsa, added)
    SELECT $A, token, time, tsa, added FROM timestamps WHERE checkpoint = $B" \
    > /dev/null
expect_exit 1 "an insider files checkpoint $B's token under checkpoint $A: audit fails" -- \
    bc audit --tsa-ca "$CA"
expect_grep "timestamp.*token [0-9]+ of checkpoint $A: the token is over another checkpoint" \
    "$OUT" "  audit names the token, the checkpoint and why"
expect_exit 1 "  audit without --tsa-ca fails too" -- bc audit
expect_exit 1 "  verify fails" -- bc verify BWC-000001
expect_grep "FAILED +timestamp +token [0-9]+ of checkpoint $A: the token is over another checkpoint" \
    "$OUT" "  verify names it"

cp "$W/clean.db" "$CAT"
rm -f "$CAT-wal" "$CAT-shm"
# a token whose signed bytes were altered, imprint intact
q "$CAT" "SELECT hex(token) FROM timestamps WHERE id = 1" | xxd -r -p \
    > "$W/t.der"
flip_byte "$W/t.der" $(( $(size_of "$W/t.der") - 10 ))
q "$CAT" "INSERT INTO timestamps (checkpoint, token, time, tsa, added)
    SELECT $A, x'$(xxd -p "$W/t.der" | tr -d '\n')', time, tsa, added
    FROM timestamps WHERE id = 1" > /dev/null
expect_exit 1 "an altered token in the table: audit --tsa-ca fails" -- \
    bc audit --tsa-ca "$CA"
expect_grep "does not verify" "$OUT" "  the signature fails"
# a stored time that is not the token's
cp "$W/clean.db" "$CAT"
rm -f "$CAT-wal" "$CAT-shm"
q "$CAT" "INSERT INTO timestamps (checkpoint, token, time, tsa, added)
    SELECT $A, token, '2000-01-01T00:00:00Z', tsa, added FROM timestamps
    WHERE id = 1" > /dev/null
expect_exit 1 "a token whose stored time was backdated: audit fails" -- \
    bc audit
expect_grep "the stored time 2000-01-01T00:00:00Z is not the token's genTime" \
    "$OUT" "  names the stored time"
cp "$W/clean.db" "$CAT"
rm -f "$CAT-wal" "$CAT-shm"
expect_exit 0 "the clean catalog audits" -- bc audit --tsa-ca "$CA"
expect_grep "5 time-stamp tokens checked" "$OUT" "  and counts the tokens"
insider_end

# ------------------------------------------------------------- bundles

expect_exit 0 "release BWC-000001 and BWC-000002" -- \
    bc release BWC-000001 BWC-000002 --to "DA office" --authority "case 7" \
    --key "$K/aud.key" --out "$W/bundle"
C=$(q "$CAT" "SELECT max(checkpoint) FROM timestamps")
for n in "$A" "$B" "$C"; do
	check "the bundle ships timestamps/checkpoint-$n, its .tsr and .consistency" -- \
	    test -s "$W/bundle/timestamps/checkpoint-$n" -a \
	    -s "$W/bundle/timestamps/checkpoint-$n.tsr" -a \
	    -e "$W/bundle/timestamps/checkpoint-$n.consistency"
done
check "  listed in SHA256SUMS" -- \
    grep -q "  timestamps/checkpoint-$A.tsr$" "$W/bundle/SHA256SUMS"
q "$CAT" "SELECT note FROM checkpoints WHERE id = $A" > "$W/noteA"
truncate_file "$W/noteA" "$(q "$CAT" "SELECT $(sql_bytes note) FROM checkpoints WHERE id = $A")"
check "  checkpoint-$A is the stored note, byte for byte" -- \
    cmp "$W/noteA" "$W/bundle/timestamps/checkpoint-$A"
check "  openssl ts -verify accepts checkpoint-$A.tsr over it" -- \
    openssl ts -verify -data "$W/bundle/timestamps/checkpoint-$A" \
    -in "$W/bundle/timestamps/checkpoint-$A.tsr" -token_in -CAfile "$CA"

expect_exit 0 "verify-bundle --tsa-ca: passes" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub" \
    --tsa-ca "$CA"
expect_grep "^timestamps: 3 time-stamped checkpoints, tokens checked to --tsa-ca$" \
    "$OUT" "  three time-stamped checkpoints, checked"
expect_grep "^trusted-time  items/BWC-000001/custody.jsonl  event seq 1 \(leaf [0-9]+\), by key [0-9a-f]{16}\.\.\. \(cust\) revoked at .*: covered by timestamped checkpoint $A at" \
    "$OUT" "  cust's event: covered by timestamped checkpoint $A"
expect_grep "^trusted-time  items/BWC-000002/custody.jsonl  event seq 2 .*\(cust2\) revoked at .*: no time-stamped checkpoint from before the revocation covers it" \
    "$OUT" "  cust2's event: not covered, said precisely"
expect_grep "^integrity: ok  authentic: ok  trusted: ok$" "$OUT" \
    "  every level holds"
expect_exit 0 "verify-bundle --json --tsa-ca" -- \
    "$BODYCAM" --json verify-bundle "$W/bundle" --trust "$K/admin.pub" \
    --tsa-ca "$CA"
json_check "$OUT" "d['timestamps']['tokens'] == 3 and d['timestamps']['checked'] and sorted(t['covered'] for t in d['timestamps']['trusted_time']) == [False, True, True]" \
    "  --json: tokens, checked, and what each revoked signer's record is"
expect_exit 0 "verify-bundle without --tsa-ca: passes" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub"
expect_grep "tokens NOT checked \(no --tsa-ca\): no trusted time" "$OUT" \
    "  says the tokens were not checked"
expect_nogrep "covered by timestamped" "$OUT" "  and claims no trusted time"
expect_exit 1 "verify-bundle with another TSA's CA: fails" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub" \
    --tsa-ca "$EVIL_CA"
expect_grep "^FAILED  timestamps/checkpoint-$A.tsr  timestamp  .*does not verify" \
    "$OUT" "  names the token"

# VERIFY.md, run literally
awk '/^```sh$/ { f = 1; next } /^```$/ { f = 0 } f' "$W/bundle/VERIFY.md" \
    > "$W/verify.sh"
expect_exit 0 "VERIFY.md with TSA_CA: passes" -- \
    sh -c 'cd "$1" && ANCHOR=$2 TSA_CA=$3 bash "$4"' _ "$W/bundle" \
    "$K/admin.pub" "$CA" "$W/verify.sh"
expect_grep "^OK step 10 \(trusted time\): timestamps/checkpoint-$A: its [0-9]+ records existed at" \
    "$OUT" "  step 10 dates checkpoint $A"
expect_grep "^OK step 10 \(trusted time\): 3 time-stamped checkpoints checked$" \
    "$OUT" "  and counts them"
expect_exit 0 "VERIFY.md without TSA_CA: passes, checking no token" -- \
    sh -c 'cd "$1" && ANCHOR=$2 bash "$3"' _ "$W/bundle" "$K/admin.pub" \
    "$W/verify.sh"
expect_grep "^OK step 10 \(trusted time\): NOT checked" "$OUT" \
    "  says so"

# a swapped token: checkpoint B's token in checkpoint A's place
cp -R "$W/bundle" "$W/swapped"
cp "$W/swapped/timestamps/checkpoint-$B.tsr" \
    "$W/swapped/timestamps/checkpoint-$A.tsr"
(cd "$W/swapped" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' |
    LC_ALL=C sort | while read -r f; do sha256sum "$f"; done > SHA256SUMS)
expect_exit 1 "verify-bundle of a bundle with a swapped token: fails" -- \
    "$BODYCAM" verify-bundle "$W/swapped" --trust "$K/admin.pub" \
    --tsa-ca "$CA"
expect_grep "^FAILED  timestamps/checkpoint-$A.tsr  timestamp  the token is over another checkpoint" \
    "$OUT" "  names the token and says it is over another checkpoint"
expect_grep "^integrity: ok  authentic: FAILED" "$OUT" "  not authentic"
expect_exit 1 "  without --tsa-ca too" -- \
    "$BODYCAM" verify-bundle "$W/swapped" --trust "$K/admin.pub"
expect_exit 1 "VERIFY.md on the swapped token: fails" -- \
    sh -c 'cd "$1" && ANCHOR=$2 TSA_CA=$3 bash "$4"' _ "$W/swapped" \
    "$K/admin.pub" "$CA" "$W/verify.sh"
expect_grep "^FAIL step 10 \(trusted time\): timestamps/checkpoint-$A.tsr: openssl ts -verify fails" \
    "$ERR" "  FAIL at step 10, naming the file"

# a consistency proof edited: the old checkpoint is not shown in the log
cp -R "$W/bundle" "$W/badproof"
printf '%064d\n' 0 > "$W/badproof/timestamps/checkpoint-$A.consistency"
(cd "$W/badproof" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' |
    LC_ALL=C sort | while read -r f; do sha256sum "$f"; done > SHA256SUMS)
expect_exit 1 "verify-bundle with an edited consistency proof: fails" -- \
    "$BODYCAM" verify-bundle "$W/badproof" --trust "$K/admin.pub" \
    --tsa-ca "$CA"
expect_grep "^FAILED  timestamps/checkpoint-$A.consistency  timestamp  the bundle checkpoint is not shown to extend" \
    "$OUT" "  names the proof"

finish
