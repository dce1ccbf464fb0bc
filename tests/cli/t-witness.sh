#!/bin/sh
# t-witness.sh - witnesses (c2sp.org/tlog-witness) and their cosignatures
# (c2sp.org/tlog-cosignature): 'bodycam witness' over HTTP and by file;
# 'log cosign' storing what they sign; the cosigned checkpoint wherever a
# checkpoint leaves the catalog; witness policies held by 'audit
# --against', 'verify-bundle', VERIFY.md and Go's sumdb/note.  A witness
# must refuse a forked, rolled-back or unknown log; a verifier must refuse
# an unknown witness, a bad cosignature and too few of them.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

need_tools "witness tests" sqlite3 openssl curl bash base64 sha256sum od

: "${BODYCAM_SERVE:=$(dirname "$BODYCAM")/bodycam-serve}"
export BODYCAM_SERVE

keygen_all admin aud 2>/dev/null
bc init --admin-key "$K/admin.pub" --origin example.org/t-witness > /dev/null
bc key add "$K/aud.pub" --name QA --role auditor --key "$K/admin.key" \
    > /dev/null
cp "$DATA/stills/GPS.jpg" "$M/gps.jpg"
bc register "$M/gps.jpg" --key "$K/admin.key" > /dev/null 2>&1
expect_exit 0 "setup: checkpoint 1" -- \
    bc checkpoint --key "$K/admin.key" --out "$W/cp1.txt"
ORIGIN=$(head -n 1 "$W/cp1.txt")
S1=$(sed -n 2p "$W/cp1.txt")

# wstart NAME STATE: 'witness serve' in the background; sets WPID, WURL
wstart() {
	: > "$TMP/$1.log"
	"$BODYCAM" witness serve --state "$2" --listen 127.0.0.1:0 \
	    < /dev/null > /dev/null 2> "$TMP/$1.log" &
	WPID=$!
	SERVERS="$SERVERS $WPID"
	WURL=""
	_i=0
	while [ $_i -lt 100 ] && [ -z "$WURL" ]; do
		_p=$(sed -n 's/^witness .* serving on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMP/$1.log")
		[ -n "$_p" ] && WURL=http://127.0.0.1:$_p
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -n "$WURL" ]
}
# post STATE-URL FILE: the add-checkpoint call with curl; the status in
# $CODE, the body in $OUT
post() {
	CODE=$(curl -s -o "$OUT" -w '%{http_code}' -X POST \
	    -H 'Content-Type: text/plain' --data-binary "@$2" \
	    "$1/add-checkpoint")
}

# ----------------------------------------------------------- witness init
expect_exit 2 "witness init without --state: exit 2" -- \
    "$BODYCAM" witness init --name w.example/a
expect_exit 0 "witness init" -- \
    "$BODYCAM" witness init --state "$W/w1" --name witness.example/w1
cp "$OUT" "$W/w1.vkey"
expect_grep '^witness\.example/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$' \
    "$W/w1.vkey" "  prints its vkey: name, key id, type 0x04 and the key"
check "  its key is mode 0600, its state 0700" -- sh -c '
    [ "$(stat -c %a "$1/witness.key")" = 600 ] &&
    [ "$(stat -c %a "$1")" = 700 ]' _ "$W/w1"
expect_exit 0 "witness vkey prints the same" -- \
    "$BODYCAM" witness vkey --state "$W/w1"
expect_eq "$(cat "$OUT")" "$(cat "$W/w1.vkey")" "  the same vkey"
expect_exit 1,2 "witness init again on it: refused" -- \
    "$BODYCAM" witness init --state "$W/w1" --name witness.example/w1
expect_grep "already" "$ERR" "  it says a witness is set up there"
expect_exit 0 "witness trust the log's checkpoint key" -- \
    "$BODYCAM" witness trust --state "$W/w1" --origin "$ORIGIN" \
    --key "$K/admin.pub"
expect_exit 0 "a second witness, for quorums" -- sh -c '
    "$1" witness init --state "$2/w2" --name witness.example/w2 > "$2/w2.vkey" &&
    "$1" witness trust --state "$2/w2" --origin "$3" --key "$4"' \
    _ "$BODYCAM" "$W" "$ORIGIN" "$K/admin.pub"
expect_exit 0 "an unrelated witness, trusting nothing" -- sh -c '
    "$1" witness init --state "$2/w3" --name witness.example/w3 > "$2/w3.vkey"' \
    _ "$BODYCAM" "$W"

# ------------------------------------------------------------- policies
printf 'witness %s\nquorum 1\n' "$(cat "$W/w1.vkey")" > "$W/p1"
printf 'witness %s\nwitness %s\nquorum 2\n' "$(cat "$W/w1.vkey")" \
    "$(cat "$W/w2.vkey")" > "$W/p12"
printf 'witness %s\nquorum 1\n' "$(cat "$W/w3.vkey")" > "$W/p3"
printf 'witness %s\n' "$(cat "$W/w1.vkey")" > "$W/bad-noquorum"
printf 'witness %s\nquorum 2\n' "$(cat "$W/w1.vkey")" > "$W/bad-quorum"
printf 'witness %s\nwitness %s\nquorum 1\n' "$(cat "$W/w1.vkey")" \
    "$(cat "$W/w1.vkey")" > "$W/bad-twice"
printf 'witness %s\nquorum 1\n' \
    "$(sed 's/+[0-9a-f]\{8\}+/+00000000+/' "$W/w1.vkey")" > "$W/bad-keyid"
# the log's own vkey (type 0x01), as 'witness trust' wrote it
printf 'witness %s\nquorum 1\n' \
    "$(sed -n 's/^log //p' "$W/w1/witness.conf")" > "$W/bad-type"
printf 'witnesses %s\nquorum 1\n' "$(cat "$W/w1.vkey")" > "$W/bad-word"
for p in bad-noquorum bad-quorum bad-twice bad-keyid bad-word bad-type; do
	expect_exit 2 "a bad policy ($p): exit 2" -- \
	    bc log cosign --witness-policy "$W/$p" --in /dev/null
	expect_grep "witness policy|vkey" "$ERR" "  the message names the policy"
done

# ----------------------------------------------------------- by file
expect_exit 0 "log cosign-request (file mode)" -- \
    bc log cosign-request --out "$W/req1"
expect_eq "$(head -n 2 "$W/req1" | tr '\n' '|')" "old 0||" \
    "  old 0, no proof, an empty line"
check "  then the checkpoint, byte for byte" -- sh -c \
    'tail -n +3 "$1" | cmp -s - "$2"' _ "$W/req1" "$W/cp1.txt"
expect_exit 0 "witness add answers it" -- \
    "$BODYCAM" witness add --state "$W/w1" --in "$W/req1" --out "$W/ans1"
expect_grep '^— witness\.example/w1 [A-Za-z0-9+/]{102}==$' "$W/ans1" \
    "  one cosignature line (76 bytes: key id, time, signature)"
expect_exit 0 "log cosign --in stores it" -- \
    bc log cosign --witness-policy "$W/p1" --in "$W/ans1"
expect_grep "1 cosignature stored" "$OUT" "  one stored"
expect_grep "policy met" "$OUT" "  and the policy is met"
expect_eq "$(q "$CAT" "SELECT count(*) FROM cosignatures")" 1 \
    "  one row in the catalog"
expect_exit 1 "log cosign --in for a two-witness quorum: exit 1" -- \
    bc log cosign --witness-policy "$W/p12" --in "$W/ans1"
expect_grep "NOT met" "$OUT" "  not met: one of two"
expect_exit 2,1 "an answer by a witness outside the policy: refused" -- \
    bc log cosign --witness-policy "$W/p3" --in "$W/ans1"
expect_grep "no cosignature by a witness of the policy" "$ERR" \
    "  no cosignature by a witness of the policy"
expect_eq "$(q "$CAT" "SELECT count(*) FROM cosignatures")" 1 \
    "  nothing more stored"
# a cosignature line with a flipped signature byte
awk '{ print substr($0, 1, 40) (substr($0, 41, 1) == "A" ? "B" : "A") substr($0, 42) }' \
    "$W/ans1" > "$W/ans1-bad"
expect_exit 1 "a bad cosignature from a policy witness: exit 1" -- \
    bc log cosign --witness-policy "$W/p1" --in "$W/ans1-bad"
expect_grep "bad cosignature by witness.example/w1" "$ERR" "  it says so"

# the cosigned checkpoint, wherever a checkpoint leaves the catalog
expect_exit 0 "checkpoint (the newest) with its cosignature" -- \
    bc checkpoint --out "$W/cp1w.txt"
check "  the note as signed, then the cosignature line" -- sh -c \
    'cat "$1" "$2" | cmp -s - "$3"' _ "$W/cp1.txt" "$W/ans1" "$W/cp1w.txt"

# ---------------------------------------------- the witness's refusals
wr() {	# wr CODE DESC REQ: 'witness add' on w1 exits CODE
	expect_exit "$1" "$2" -- "$BODYCAM" witness add --state "$W/w1" \
	    --in "$3"
}
wr 1 "the same request again (old 0, the witness is at $S1): refused" \
    "$W/req1"
expect_grep "refused \(409\)" "$ERR" "  409 Conflict"
expect_grep "size is $S1\$" "$ERR" "  it gives its size, $S1"
printf 'old %s\n\n' $((S1 + 1)) > "$W/req-big"
cat "$W/cp1.txt" >> "$W/req-big"
wr 2 "old size larger than the checkpoint's: 400" "$W/req-big"
expect_grep "refused \(400\)" "$ERR" "  400"
printf 'old 02\n\n' > "$W/req-lz"
cat "$W/cp1.txt" >> "$W/req-lz"
wr 2 "old size with a leading zero: 400" "$W/req-lz"
printf 'old 0\nAAAA\n\n' > "$W/req-proof0"
cat "$W/cp1.txt" >> "$W/req-proof0"
wr 2 "a proof line from size 0: 400" "$W/req-proof0"
printf 'old 0\n' > "$W/req-noblank"
wr 2 "no empty line, no checkpoint: 400" "$W/req-noblank"
sed 's/example.org\/t-witness/example.org\/other/' "$W/req1" > "$W/req-origin"
wr 2 "a log the witness does not know: 404" "$W/req-origin"
expect_grep "refused \(404\)" "$ERR" "  404"
# the same log's checkpoint signed by a key the witness does not trust
"$BODYCAM" --catalog "$CAT" checkpoint --key "$K/aud.key" --out "$W/cp-aud.txt" \
    > /dev/null
{ printf 'old %s\n\n' "$S1"; cat "$W/cp-aud.txt"; } > "$W/req-aud"
wr 1 "a checkpoint signed by a key the witness does not trust: 403" \
    "$W/req-aud"
expect_grep "refused \(403\)" "$ERR" "  403"
# a signature of the trusted key that does not verify
awk -v s1="$S1" 'NR == 1 { print "old " s1; next }
    /^— / { s = $3; c = substr(s, 20, 1)
	$3 = substr(s, 1, 19) (c == "A" ? "B" : "A") substr(s, 21) } { print }' \
    "$W/req1" > "$W/req-sig"
wr 1 "a trusted key's signature that does not verify: 403" "$W/req-sig"
expect_grep "refused \(403\)" "$ERR" "  403"
expect_nogrep "^— " "$OUT" "  no cosignature given"

# ---------------------------------------------------------- over HTTP
if ! wstart w1 "$W/w1"; then
	fail "witness serve starts" "$(cat "$TMP/w1.log")"
	finish
fi
pass "witness serve starts ($WURL)"
W1URL=$WURL
wstart w2 "$W/w2" || { fail "a second witness serves"; finish; }
W2URL=$WURL
printf 'witness %s %s\nwitness %s %s\nquorum 2\n' "$(cat "$W/w1.vkey")" \
    "$W1URL" "$(cat "$W/w2.vkey")" "$W2URL" > "$W/p12u"
printf 'witness %s\nwitness %s\nquorum 2\n' "$(cat "$W/w1.vkey")" \
    "$(cat "$W/w2.vkey")" > "$W/p12"

CODE=$(curl -s -o "$OUT" -w '%{http_code}' "$W1URL/add-checkpoint")
expect_eq "$CODE" 405 "GET /add-checkpoint: 405"
CODE=$(curl -s -o "$OUT" -w '%{http_code}' -X POST --data x "$W1URL/other")
expect_eq "$CODE" 404 "POST /other: 404"
head -c 200000 /dev/zero | tr '\0' 'a' > "$W/huge"
post "$W1URL" "$W/huge"
expect_eq "$CODE" 413 "a request over the cap: 413"
post "$W1URL" "$W/req1"
expect_eq "$CODE" 409 "over HTTP, old 0 when the witness is at $S1: 409"
expect_eq "$(cat "$OUT")" "$S1" "  the body is its size"
CT=$(curl -s -o /dev/null -w '%{content_type}' -X POST --data-binary "@$W/req1" \
    "$W1URL/add-checkpoint")
expect_eq "$CT" "text/x.tlog.size" "  Content-Type text/x.tlog.size"
post "$W1URL" "$W/req-origin"
expect_eq "$CODE" 404 "over HTTP, an unknown log: 404"
post "$W1URL" "$W/req-aud"
expect_eq "$CODE" 403 "over HTTP, an untrusted key: 403"

# the log grows; 'log cosign' asks both witnesses
bc custody add BWC-000001 access --key "$K/admin.key" --actor t > /dev/null
expect_exit 0 "setup: checkpoint 3" -- \
    bc checkpoint --key "$K/admin.key" --out "$W/cp3.txt"
expect_exit 0 "log cosign asks both witnesses over HTTP" -- \
    bc --json log cosign --witness-policy "$W/p12u"
json_check "$OUT" 'd["policy_met"] and d["cosigned"] == 2 and d["quorum"] == 2 and [w["outcome"] for w in d["witnesses"]] == ["cosigned", "cosigned"]' \
    "  both cosigned: w1 from its size $S1 (a proof), w2 from 0"
expect_grep "add-checkpoint: 200" "$TMP/w1.log" "  the witness logged it"
expect_exit 0 "log cosign again" -- bc --json log cosign --witness-policy "$W/p12u"
json_check "$OUT" '[w["outcome"] for w in d["witnesses"]] == ["already cosigned", "already cosigned"]' \
    "  already cosigned: nothing stored twice"
expect_eq "$(q "$CAT" "SELECT count(*) FROM cosignatures")" 3 \
    "  three rows: one for checkpoint 1, two for checkpoint 3"

# ------------------------------------------- a witness behind TLS
# A TLS front (python3's ssl) for w1, with a certificate for 127.0.0.1
# from a test CA: log cosign reaches it only when that CA is trusted.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3
openssl req -x509 -newkey ed25519 -nodes -keyout "$W/ca.key" \
    -out "$W/ca.pem" -days 2 -subj /CN=t-witness-ca > /dev/null 2>&1
openssl req -x509 -newkey ed25519 -nodes -keyout "$W/evil.key" \
    -out "$W/evil.pem" -days 2 -subj /CN=t-witness-evil > /dev/null 2>&1
openssl req -newkey ed25519 -nodes -keyout "$W/web.key" -out "$W/web.csr" \
    -subj /CN=127.0.0.1 > /dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' > "$W/web.ext"
openssl x509 -req -in "$W/web.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
    -CAcreateserial -days 2 -extfile "$W/web.ext" -out "$W/web.pem" \
    > /dev/null 2>&1
cat > "$W/front.py" <<'PY'
import http.server, ssl, sys, urllib.request, urllib.error
back, cert, key, portfile = sys.argv[1:5]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        req = urllib.request.Request(back + self.path, data=body,
            headers={"Content-Type": "text/plain"})
        try:
            r = urllib.request.urlopen(req)
            st, ct, out = r.status, r.headers["Content-Type"], r.read()
        except urllib.error.HTTPError as e:
            st, ct, out = e.code, e.headers["Content-Type"], e.read()
        self.send_response(st)
        self.send_header("Content-Type", ct or "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
open(portfile, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
env -u http_proxy -u HTTP_PROXY "$PYTHON" "$W/front.py" "$W1URL" \
    "$W/web.pem" "$W/web.key" "$W/fport" < /dev/null > /dev/null 2>&1 &
SERVERS="$SERVERS $!"
_i=0
while [ ! -s "$W/fport" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
printf 'witness %s https://127.0.0.1:%s\nquorum 1\n' "$(cat "$W/w1.vkey")" \
    "$(cat "$W/fport")" > "$W/p1tls"
bc custody add BWC-000001 access --key "$K/admin.key" --actor t > /dev/null
bc checkpoint --key "$K/admin.key" --out "$W/cp-tls.txt" > /dev/null
expect_exit 3 "log cosign over https, the front's CA not trusted: refused" -- \
    env SSL_CERT_FILE="$W/evil.pem" "$BODYCAM" --catalog "$CAT" log cosign \
    --witness-policy "$W/p1tls"
expect_grep "TLS with 127.0.0.1 failed" "$ERR" "  TLS failed, it says"
expect_exit 0 "log cosign over https, its CA trusted (SSL_CERT_FILE)" -- \
    env SSL_CERT_FILE="$W/ca.pem" "$BODYCAM" --catalog "$CAT" log cosign \
    --witness-policy "$W/p1tls"
expect_grep "cosigned" "$OUT" "  w1 cosigned through TLS"
# w2, not asked over TLS, is brought up to date for what follows
expect_exit 0 "log cosign (both, plain HTTP) for the new checkpoint" -- \
    bc log cosign --witness-policy "$W/p12u"

# the witness's memory: its stored checkpoint is the log's newest
check "  w1 keeps the newest checkpoint as the newest it cosigned" -- sh -c \
    'cmp -s "$1"/logs/* "$2"' _ "$W/w1" "$W/cp-tls.txt"

# ------------------------------------------------------------ a fork
# a copy of the catalog grows otherwise, under the same key and origin
cat_copy "$W/fork.db"
"$BODYCAM" --catalog "$W/fork.db" custody add BWC-000001 note \
    --key "$K/admin.key" --actor evil --note "another history" > /dev/null
"$BODYCAM" --catalog "$CAT" custody add BWC-000001 access \
    --key "$K/admin.key" --actor t > /dev/null
expect_exit 0 "setup: the fork's checkpoint (size 4)" -- \
    "$BODYCAM" --catalog "$W/fork.db" checkpoint --key "$K/admin.key" \
    --out "$W/fork4.txt"
expect_exit 0 "setup: the log's checkpoint (size 4)" -- \
    bc checkpoint --key "$K/admin.key" --out "$W/log4.txt"
S4=$(sed -n 2p "$W/log4.txt")
S3=$(sed -n 2p "$W/cp3.txt")
expect_eq "$(sed -n 2p "$W/fork4.txt")" "$S4" "  the fork and the log are of one size"
expect_exit 0 "log cosign: the witnesses cosign the log's 4" -- \
    bc log cosign --witness-policy "$W/p12u"
expect_exit 0 "the fork's request, from the witness's size" -- \
    "$BODYCAM" --catalog "$W/fork.db" log cosign-request --old "$S4" \
    --out "$W/fork-req-same"
wr 1 "a fork at the same size, another root: refused" "$W/fork-req-same"
expect_grep "refused \(409\)" "$ERR" "  409"
expect_grep "forked" "$ERR" "  it says the log forked"
"$BODYCAM" --catalog "$W/fork.db" custody add BWC-000001 note \
    --key "$K/admin.key" --actor evil --note more > /dev/null
"$BODYCAM" --catalog "$W/fork.db" checkpoint --key "$K/admin.key" \
    --out "$W/fork5.txt" > /dev/null
expect_exit 0 "the fork's request from its size $S4, grown by one" -- \
    "$BODYCAM" --catalog "$W/fork.db" log cosign-request --old "$S4" \
    --out "$W/fork-req"
post "$W1URL" "$W/fork-req"
expect_eq "$CODE" 422 "a grown fork: its consistency proof fails: 422"
expect_grep "does not verify" "$OUT" "  the body says why"
expect_exit 1 "the fork's own 'log cosign' is refused too" -- \
    "$BODYCAM" --catalog "$W/fork.db" log cosign --witness-policy "$W/p12u"
expect_grep "refused \(422\)" "$ERR" "  422 from the witness"
check "  w1 still holds the log's 4, not the fork's" -- sh -c \
    'cmp -s "$1"/logs/* "$2"' _ "$W/w1" "$W/log4.txt"

# a rollback: the log's old checkpoint 3 again, from size 4 or from 3
{ printf 'old %s\n\n' "$S4"; cat "$W/cp3.txt"; } > "$W/req-back"
post "$W1URL" "$W/req-back"
expect_eq "$CODE" 400 "a rolled-back checkpoint ($S3) from old $S4: 400"
{ printf 'old %s\n\n' "$S3"; cat "$W/cp3.txt"; } > "$W/req-back3"
post "$W1URL" "$W/req-back3"
expect_eq "$CODE" 409 "a rolled-back checkpoint ($S3) from old $S3: 409"
expect_eq "$(cat "$OUT")" "$S4" "  the witness is at $S4"

# ------------------------------------------- audit --against a policy
expect_exit 0 "checkpoint --out (4, cosigned by both)" -- \
    bc checkpoint --out "$W/cp4w.txt"
expect_eq "$(grep -c '^— witness' "$W/cp4w.txt")" 2 "  two cosignature lines"
expect_exit 0 "audit --against it --witness-policy (2 of 2)" -- \
    bc audit --against "$W/cp4w.txt" --witness-policy "$W/p12"
expect_grep "^witnesses: 2 of quorum 2" "$OUT" "  2 of quorum 2"
expect_exit 1 "audit --against the uncosigned checkpoint: exit 1" -- \
    bc audit --against "$W/log4.txt" --witness-policy "$W/p12"
expect_grep "witness-policy" "$OUT" "  the failure is witness-policy"
expect_nogrep "^OK$" "$OUT" "  and it does not say OK"
expect_exit 1 "audit against a policy of another witness: exit 1" -- \
    bc audit --against "$W/cp4w.txt" --witness-policy "$W/p3"
expect_exit 2 "--witness-policy without --against: exit 2" -- \
    bc audit --witness-policy "$W/p12"
# an insider writes a cosignature into the catalog
LINE=$(grep '^— witness.example/w1 ' "$W/cp4w.txt")
BADLINE=$(printf '%s\n' "$LINE" | awk '{ s = $3; c = substr(s, 60, 1); print $1 " " $2 " " substr(s, 1, 59) (c == "A" ? "B" : "A") substr(s, 61) }')
q "$CAT" "INSERT INTO cosignatures (checkpoint, name, keyid, time, line, added)
    SELECT max(id), 'witness.example/w9', '00000000', 1, '$BADLINE
', 'x' FROM checkpoints"
expect_exit 0 "checkpoint --out with the inserted line" -- \
    bc checkpoint --out "$W/cp4x.txt"
expect_exit 1 "audit: a forged cosignature by a policy witness fails" -- \
    bc audit --against "$W/cp4x.txt" --witness-policy "$W/p12"
expect_grep "bad cosignature by witness.example/w1" "$OUT" \
    "  a bad cosignature by w1"
# an insider's row that is not a signature line (a blank line would move
# the note's text) is left out of the note
q "$CAT" "INSERT INTO cosignatures (checkpoint, name, keyid, time, line, added)
    SELECT max(id), 'x', '11111111', 1, char(10) || 'bogus' || char(10),
    'x' FROM checkpoints"
expect_exit 0 "checkpoint --out with a row that is no signature line" -- \
    bc checkpoint --out "$W/cp4g.txt"
expect_nogrep "bogus" "$W/cp4g.txt" "  the row is left out"
expect_exit 0 "  the checkpoint still checks (audit --against, no policy)" -- \
    bc audit --against "$W/cp4g.txt"

# ----------------------------------------------- release, verify-bundle
expect_exit 0 "release --witness-policy (both witnesses over HTTP)" -- \
    bc --json release BWC-000001 --to defence --authority order \
    --key "$K/admin.key" --out "$W/bundle" --witness-policy "$W/p12u"
json_check "$OUT" 'd["witnesses"]["cosigned"] == 2 and d["witnesses"]["quorum"] == 2' \
    "  both cosigned the release's checkpoint"
expect_eq "$(grep -c '^— witness' "$W/bundle/proofs/release.tlog-proof")" 2 \
    "  its .tlog-proof files carry the two cosignatures"
check "  the bundle's checkpoint file is the note as the log signed it" -- \
    sh -c '! grep -q "^— witness" "$1/checkpoint"' _ "$W/bundle"
check "  SHA256SUMS still holds" -- sh -c \
    'cd "$1" && sha256sum --strict --quiet -c SHA256SUMS' _ "$W/bundle"
expect_exit 0 "verify-bundle --witness-policy (2 of 2): trusted" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub" \
    --witness-policy "$W/p12"
expect_grep "^witnesses: 2 of quorum 2" "$OUT" "  says 2 of quorum 2"
expect_exit 1 "verify-bundle with a policy of an unknown witness: exit 1" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub" \
    --witness-policy "$W/p3"
expect_grep "witness-policy" "$OUT" "  failure witness-policy"
expect_grep "trusted: FAILED" "$OUT" "  not trusted"
expect_exit 0 "verify-bundle without a policy: as before" -- \
    "$BODYCAM" verify-bundle "$W/bundle" --trust "$K/admin.pub"

# VERIFY.md, with and without WITNESS_POLICY
awk '/^```sh$/ { f = 1; next } /^```$/ { f = 0 } f' "$W/bundle/VERIFY.md" \
    > "$W/verify.sh"
vmd() {	# vmd DIR POLICY
	(cd "$1" && ANCHOR=$K/admin.pub WITNESS_POLICY=$2 bash "$W/verify.sh")
}
expect_exit 0 "VERIFY.md with the policy (2 of 2)" -- vmd "$W/bundle" "$W/p12"
expect_grep "^OK step 11 \(witnesses\): 2 of the policy's witnesses" "$OUT" \
    "  step 11: two witnesses cosigned"
expect_exit 0 "VERIFY.md without a policy" -- vmd "$W/bundle" ""
expect_grep "^OK step 11 \(witnesses\): no WITNESS_POLICY given" "$OUT" \
    "  step 11 says it checked nothing"
expect_exit 1 "VERIFY.md with a policy of an unknown witness" -- \
    vmd "$W/bundle" "$W/p3"
expect_grep "FAIL step 11 \(witnesses\)" "$ERR" "  fails at step 11"

# a bundle whose cosignature was altered, in every .tlog-proof file
cp -r "$W/bundle" "$W/bad"
W1LINE=$(grep '^— witness.example/w1 ' "$W/bad/proofs/release.tlog-proof")
W1BAD=$(printf '%s\n' "$W1LINE" | awk '{ s = $3; c = substr(s, 60, 1); print $1 " " $2 " " substr(s, 1, 59) (c == "A" ? "B" : "A") substr(s, 61) }')
find "$W/bad" -name '*.tlog-proof' | while read -r f; do
	awk -v a="$W1LINE" -v b="$W1BAD" '$0 == a { print b; next } { print }' \
	    "$f" > "$f.new" && mv "$f.new" "$f"
done
(cd "$W/bad" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | \
    LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
expect_exit 1 "verify-bundle: an altered cosignature fails the policy" -- \
    "$BODYCAM" verify-bundle "$W/bad" --trust "$K/admin.pub" \
    --witness-policy "$W/p12"
expect_grep "bad cosignature by witness.example/w1" "$OUT" "  names the witness"
expect_exit 1 "VERIFY.md: an altered cosignature fails step 11" -- \
    vmd "$W/bad" "$W/p12"
expect_grep "FAIL step 11 .*witness.example/w1.*does not verify" "$ERR" \
    "  names the witness, and that it does not verify"
# different cosignatures in two .tlog-proof files
cp -r "$W/bundle" "$W/mixed"
f=$W/mixed/proofs/release.tlog-proof
grep -v '^— witness.example/w2 ' "$f" > "$f.new" && mv "$f.new" "$f"
(cd "$W/mixed" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | \
    LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
expect_exit 1 "verify-bundle: .tlog-proof files with other cosignatures" -- \
    "$BODYCAM" verify-bundle "$W/mixed" --trust "$K/admin.pub"
expect_grep "other cosignatures" "$OUT" "  it says so"

# ----------------------------------------------------- Go's sumdb/note
if command -v go > /dev/null 2>&1 &&
    [ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/note ]; then
	TC=$TMP/tlogcheck
	expect_exit 0 "the Go checker builds offline" -- sh -c 'cd "$1" &&
	    GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
	    GOCACHE="$2/gocache" go build -o "$2/tlogcheck" \
	    ./tests/go/tlogcheck' _ "$REPO" "$TMP"
	VK=$("$TC" vkey "$ORIGIN" "$K/admin.pub")
	expect_exit 0 "Go note.Open: the cosigned checkpoint, 2 of 2" -- \
	    "$TC" note -vkey "$VK" -witness "$(cat "$W/w1.vkey")" \
	    -witness "$(cat "$W/w2.vkey")" -quorum 2 "$W/cp4w.txt"
	expect_grep "2 witnesses cosigned" "$OUT" "  both cosignatures verify in Go"
	expect_exit 0 "Go: the bundle's release.tlog-proof, 2 of 2" -- \
	    "$TC" note -vkey "$VK" -witness "$(cat "$W/w1.vkey")" \
	    -witness "$(cat "$W/w2.vkey")" -quorum 2 \
	    "$W/bundle/proofs/release.tlog-proof"
	expect_exit 1 "Go: the altered cosignature is refused" -- \
	    "$TC" note -vkey "$VK" -witness "$(cat "$W/w1.vkey")" \
	    -quorum 1 "$W/bad/proofs/release.tlog-proof"
	expect_exit 1 "Go: the uncosigned checkpoint, quorum 1: refused" -- \
	    "$TC" note -vkey "$VK" -witness "$(cat "$W/w1.vkey")" \
	    -quorum 1 "$W/log4.txt"
	expect_exit 1 "Go: a witness outside the note, quorum 1: refused" -- \
	    "$TC" note -vkey "$VK" -witness "$(cat "$W/w3.vkey")" \
	    -quorum 1 "$W/cp4w.txt"
	# the tiles' checkpoint carries the cosignatures too
	expect_exit 0 "log tiles --out" -- bc log tiles --out "$W/tiles"
	expect_exit 0 "Go: the tiles and their cosigned checkpoint, 2 of 2" -- \
	    "$TC" check -vkey "$VK" -src "$W/tiles" \
	    -witness "$(cat "$W/w1.vkey")" -witness "$(cat "$W/w2.vkey")" \
	    -quorum 2
	expect_grep "2 witnesses cosigned" "$OUT" "  2 witnesses cosigned"
else
	fail "go and golang-golang-x-mod-dev are installed (make deps)"
fi

finish
