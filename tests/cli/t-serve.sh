#!/bin/sh
# t-serve.sh - the HTTP API of 'bodycam serve' from the outside: a real
# server on a loopback port, a real client (curl; python3 sockets where
# curl cannot hold a connection the way a test needs).  Every endpoint and
# its error paths, status codes and bodies; what each request left in the
# catalog, read back with the CLI; events signed by the caller's own key;
# proofs re-checked here against the checkpoint root (RFC 9162); TLS;
# connection limits and timeouts; the request log; SIGTERM with a download
# in flight; startup errors.  Servers are started with --listen
# 127.0.0.1:0 and the port is read from their log; every server is killed
# on exit.
#
# Needs curl, openssl and python3 (make deps): without them it fails, it
# does not skip.  KEEP_TMP=1 keeps the temporary directory (server logs).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------------ tools

_missing=""
for _t in curl openssl python3; do
	command -v "$_t" > /dev/null 2>&1 || _missing="$_missing $_t"
done
if [ -n "$_missing" ]; then
	fail "the tools the API tests need are installed" \
	    "missing:$_missing (run 'make deps')"
	finish
fi

# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

# ----------------------------------------------------------------- set-up

ST_DIR=$TMP/storage
OUTSIDE=$TMP/outside
mkdir -p "$ST_DIR/sub" "$OUTSIDE"

# the number of items in the catalog
nitems() {
	bc list --json 2> /dev/null > "$TMP/nitems.json"
	jget "$TMP/nitems.json" 'len(d)'
}

keygen_all admin ing cust aud stranger 2> /dev/null
KID_admin=$(cat "$TMP/kid.admin")
KID_ing=$(cat "$TMP/kid.ing")
KID_cust=$(cat "$TMP/kid.cust")
KID_aud=$(cat "$TMP/kid.aud")
KID_stranger=$(cat "$TMP/kid.stranger")
check "setup: keygen admin, ing, cust, aud, stranger" -- \
    test ${#KID_admin} -eq 64 -a ${#KID_ing} -eq 64 -a ${#KID_cust} -eq 64 \
    -a ${#KID_aud} -eq 64 -a ${#KID_stranger} -eq 64
expect_exit 0 "setup: init with admin.pub" -- bc init --admin-key "$K/admin.pub"
add_keys ing:ingest cust:custodian aud:auditor

# tokens: one per role, and one to revoke while the server runs
T_ING=$(mktoken dock-7 ingest)
T_CUST=$(mktoken det.smith custodian)
T_AUD=$(mktoken auditor.ann auditor)
T_ADMIN=$(mktoken admin-al admin)
T_RITA=$(mktoken rita custodian)
_ok=1
for t in "$T_ING" "$T_CUST" "$T_AUD" "$T_ADMIN" "$T_RITA"; do
	echo "$t" | grep -E -q '^bct_[0-9a-f]{64}$' || _ok=0
done
expect_eq "$_ok" 1 "setup: five tokens (ingest, custodian, auditor, admin, rita)"
# well formed, never issued
T_UNKNOWN=bct_$(printf '%s' "unknown token" | sha256sum | cut -c1-64)
T_UPPER=bct_$(echo "${T_CUST#bct_}" | tr 'a-f' 'A-F')
T_SHORT=$(echo "$T_CUST" | cut -c1-67)

# the media: small real files from tests/data, copies only
cp "$DATA/stills/Apple.jpg" "$DATA/stills/Canon.jpg" "$DATA/stills/GPS.jpg" \
    "$DATA/stills/HTC_Desire.jpg" "$DATA/video/with-gps.mp4" \
    "$DATA/video/sample.3gp" "$ST_DIR/"
cp "$DATA/stills/GoPro.jpg" "$ST_DIR/sub/"
cp "$DATA/stills/Ricoh2.jpg" "$ST_DIR/gone.jpg"
cp "$DATA/stills/Ricoh2.jpg" "$OUTSIDE/Ricoh2.jpg"
cp "$DATA/video/QuickTime.mov" "$ST_DIR/admin-only.mov"
cp "$DATA/video/Pentax.avi" "$ST_DIR/order.avi"
cp "$DATA/video/Matroska.mkv" "$ST_DIR/spare.mkv"
ln -s Canon.jpg "$ST_DIR/alias.jpg"
ln -s "$OUTSIDE/Ricoh2.jpg" "$ST_DIR/escape.jpg"
ln -s ../outside "$ST_DIR/outlink"
# a file big enough that a download of it outlasts the kernel's socket
# buffers (SIGTERM with a download in flight): 16 MiB, or 4 times the
# largest TCP send buffer
BIG=16777216
_w=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem 2> /dev/null)
case $_w in
'' | *[!0-9]*) ;;
*) [ $((_w * 4)) -gt $BIG ] && BIG=$((_w * 4)) ;;
esac
head -c "$BIG" /dev/urandom > "$ST_DIR/big.bin"
chmod 644 "$ST_DIR"/*.* "$ST_DIR/sub/GoPro.jpg"

# ----------------------------------------------------------- python parts

cat > "$TMP/h.py" << 'PYEOF'
# h.py - the python3 side of t-serve.sh: signing events, checking proofs
# and checkpoints independently of bodycam, and raw-socket clients.
import base64, datetime, hashlib, json, os, socket, subprocess, sys, time


def H(b):
    return hashlib.sha256(b).digest()


def canon(o):
    # RFC 8785 for what signed documents hold here (ASCII strings, ints)
    return json.dumps(o, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def raw_pub(pemfile):
    pem = open(pemfile).read().split("\n")
    der = base64.b64decode("".join(l for l in pem if l and "-----" not in l))
    return der[-32:]


def key_id(pemfile):
    return hashlib.sha256(raw_pub(pemfile)).hexdigest()


def ed_verify(pemfile, data, sig):
    d = os.environ.get("TMPDIR_H", "/tmp")
    m, s = os.path.join(d, "h.msg"), os.path.join(d, "h.sig")
    open(m, "wb").write(data)
    open(s, "wb").write(sig)
    r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                        pemfile, "-rawin", "-in", m, "-sigfile", s],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def sign(args):
    # sign CUSTODY.json KEY.key KEYID OUT [NAME=VALUE...]: an event as the
    # catalog stores its own, signed with openssl; writes OUT (the request
    # body) and OUT.canon (the signed bytes), prints the event's hash
    #   action= actor= seq= prev= item= at= key= : the members
    #   at=+N / at=-N : now plus or minus N seconds
    #   at=before-last : a microsecond before the newest event
    #   detail.N=V nodetail.N extra.N=V drop=N : change the members
    #   sig=flip|short|long|noncanon|newline : spoil the signature
    #   form=loose : members reversed, with white space
    #   wrap.N=V : one more member of the request body
    cust = json.load(open(args[0]))
    keyfile, keyid, out = args[1:4]
    now = datetime.datetime.now(datetime.timezone.utc)
    ev = {
        "type": "bodycam.event", "version": 2,
        "log": cust["events"][0]["event"]["log"],
        "item": cust["manifest_hash"], "seq": cust["next_seq"],
        "prev": cust["head"], "action": "access", "actor": "det.smith",
        "at": stamp(now),
        "details": {
            "sha256": cust["events"][0]["event"]["details"]["sha256"],
            "station": "api-test-station", "outcome": "done"},
        "key": keyid,
    }
    sig_mode = form = None
    wrap = {}
    for a in args[4:]:
        name, _, v = a.partition("=")
        if name == "seq":
            ev["seq"] = int(v)
        elif name == "at" and v[:1] in "+-":
            ev["at"] = stamp(now + datetime.timedelta(seconds=int(v)))
        elif name == "at" and v == "before-last":
            last = datetime.datetime.strptime(
                cust["events"][-1]["event"]["at"], "%Y-%m-%dT%H:%M:%S.%fZ")
            ev["at"] = stamp(last - datetime.timedelta(microseconds=1))
        elif name.startswith("detail."):
            ev["details"][name[7:]] = v
        elif name.startswith("nodetail."):
            del ev["details"][name[9:]]
        elif name.startswith("extra."):
            ev[name[6:]] = v
        elif name.startswith("wrap."):
            wrap[name[5:]] = v
        elif name == "version":
            ev["version"] = int(v)
        elif name == "drop":
            del ev[v]
        elif name == "sig":
            sig_mode = v
        elif name == "form":
            form = v
        else:
            ev[name] = v
    c = canon(ev)
    open(out + ".canon", "wb").write(c)
    sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey",
                          keyfile, "-in", out + ".canon"], check=True,
                         stdout=subprocess.PIPE).stdout
    assert len(sig) == 64
    if sig_mode == "flip":
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    elif sig_mode == "short":
        sig = sig[:63]
    elif sig_mode == "long":
        sig = sig + b"\0"
    b64 = base64.b64encode(sig).decode()
    if sig_mode == "noncanon":
        # the character before "==" carries 4 unused bits: set one
        al = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
              "0123456789+/")
        i = al.index(b64[-3])
        b64 = b64[:-3] + al[i ^ 1] + "=="
    elif sig_mode == "newline":
        b64 = b64[:44] + "\n" + b64[44:]
    body = {"event": ev, "sig": b64}
    body.update(wrap)
    with open(out, "w") as f:
        if form == "loose":
            def rev(o):
                if isinstance(o, dict):
                    return {k: rev(o[k]) for k in sorted(o, reverse=True)}
                return o
            json.dump(rev(body), f, indent=2)
        else:
            json.dump(body, f, separators=(",", ":"))
    print(hashlib.sha256(c).hexdigest())


def chain(args):
    # chain CUSTODY.json PUB...: the custody document is a whole, linked
    # chain; each hash is the SHA-256 of the event's canonical bytes and
    # each signature verifies with the public key named by its key id
    cust = json.load(open(args[0]))
    pubs = {key_id(p): p for p in args[1:]}
    evs = cust["events"]
    errs = []
    if cust["next_seq"] != len(evs):
        errs.append("next_seq %d, %d events" % (cust["next_seq"], len(evs)))
    prev = cust["manifest_hash"]
    for i, e in enumerate(evs):
        ev = e["event"]
        c = canon(ev)
        if e["seq"] != i or ev["seq"] != i:
            errs.append("seq %d at %d" % (e["seq"], i))
        if hashlib.sha256(c).hexdigest() != e["hash"]:
            errs.append("seq %d: hash is not SHA-256 of the canonical "
                        "event" % i)
        if ev["prev"] != prev or ev["item"] != cust["manifest_hash"]:
            errs.append("seq %d: prev or item wrong" % i)
        if ev["key"] != e["key"]:
            errs.append("seq %d: key differs" % i)
        if e["key"] not in pubs:
            errs.append("seq %d: signer %s unknown here" % (i, e["key"][:16]))
        elif not ed_verify(pubs[e["key"]], c, base64.b64decode(e["sig"])):
            errs.append("seq %d: signature does not verify" % i)
        prev = e["hash"]
    if cust["head"] != prev:
        errs.append("head is not the last event's hash")
    for e in errs:
        print(e)
    if not errs:
        print("%d events chain and verify" % len(evs))
    sys.exit(1 if errs else 0)


def inclusion_ok(index, size, leaf, proof, root):
    # RFC 9162, 2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = H(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = H(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def note_parts(note):
    text, _, sigs = note.partition("\n\n")
    return text + "\n", sigs


def proof(args):
    # proof PROOF.json ITEM.json CUSTODY.json: every record of the item is
    # in the answer, and each inclusion proof leads from the leaf hash of
    # the record's canonical bytes (computed here) to the checkpoint root
    p = json.load(open(args[0]))
    it = json.load(open(args[1]))
    cust = json.load(open(args[2]))
    cp = p["checkpoint"]
    root, size = bytes.fromhex(cp["root"]), cp["size"]
    errs = []
    text, _ = note_parts(cp["note"])
    lines = text.split("\n")
    if lines[1] != str(size) or base64.b64decode(lines[2]) != root:
        errs.append("the note's size or root is not the checkpoint's")
    want = [("manifest", None, it["leaf"], canon(it["manifest"]))]
    want += [("event", e["seq"], e["leaf"], canon(e["event"]))
             for e in cust["events"]]
    if len(p["records"]) != len(want):
        errs.append("%d records, %d expected" % (len(p["records"]),
                                                 len(want)))
    n = 0
    for (kind, seq, leaf, data), r in zip(want, p["records"]):
        if (r["record"], r["seq"], r["leaf"]) != (kind, seq, leaf):
            errs.append("record %r, expected %r" %
                        ((r["record"], r["seq"], r["leaf"]),
                         (kind, seq, leaf)))
            continue
        lh = H(b"\x00" + data)
        if r.get("included") is not True or r.get("leaf_hash") != lh.hex():
            errs.append("%s %s: not included, or another leaf hash" %
                        (kind, seq))
            continue
        if not inclusion_ok(leaf, size, lh,
                            [bytes.fromhex(x) for x in r["proof"]], root):
            errs.append("%s %s: the proof does not lead to the root" %
                        (kind, seq))
            continue
        n += 1
    for e in errs:
        print(e)
    if not errs:
        print("%d records proven against root %s" % (n, cp["root"][:16]))
    sys.exit(1 if errs else 0)


def msig(args):
    # msig ITEM.json PUB: the item's manifest hash is the SHA-256 of the
    # canonical manifest, and its signature verifies with PUB
    it = json.load(open(args[0]))
    c = canon(it["manifest"])
    if hashlib.sha256(c).hexdigest() != it["manifest_hash"]:
        print("manifest_hash is not the SHA-256 of the canonical manifest")
        sys.exit(1)
    if not ed_verify(args[1], c, base64.b64decode(it["signature"])):
        print("the signature does not verify with %s" % args[1])
        sys.exit(1)
    print("manifest verifies")


def logroot(args):
    # logroot EXPORT.jsonl CHECKPOINT.json: the checkpoint covers the whole
    # log, and its root is the root of the exported leaves (computed here)
    leaves = [H(b"\x00" + base64.b64decode(json.loads(l)["data"]))
              for l in open(args[0]) if l.strip()]
    cp = json.load(open(args[1]))
    if cp["size"] != len(leaves):
        print("checkpoint size %d, log %d leaves" % (cp["size"], len(leaves)))
        sys.exit(1)
    if mth(leaves).hex() != cp["root"]:
        print("root %s, leaves give %s" % (cp["root"], mth(leaves).hex()))
        sys.exit(1)
    print("%d leaves, root agrees" % len(leaves))


def cpsig(args):
    # cpsig CHECKPOINT.json PUB: a signature line of the note verifies
    # with PUB under the note's origin (C2SP signed note, Ed25519)
    cp = json.load(open(args[0]))
    pub = raw_pub(args[1])
    text, sigs = note_parts(cp["note"])
    origin = text.split("\n")[0]
    kid = H(origin.encode() + b"\n\x01" + pub)[:4]
    for line in sigs.split("\n"):
        if not line.startswith("\u2014 "):
            continue
        name, _, b = line[2:].rpartition(" ")
        raw = base64.b64decode(b)
        if name == origin and raw[:4] == kid and len(raw) == 68 and \
                ed_verify(args[1], text.encode(), raw[4:]):
            print("signed by %s" % args[1])
            return
    print("no signature line verifies with %s" % args[1])
    sys.exit(1)


def http_req(path, token=None, close=False):
    h = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path
    if token:
        h += "Authorization: Bearer %s\r\n" % token
    if close:
        h += "Connection: close\r\n"
    return (h + "\r\n").encode()


def read_response(s):
    # one response: (status, body), status "closed" or "none" (timeout)
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                return ("closed", b"")
            buf += d
        head, _, body = buf.partition(b"\r\n\r\n")
        n = 0
        for l in head.split(b"\r\n")[1:]:
            k, _, v = l.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        while len(body) < n:
            d = s.recv(65536)
            if not d:
                break
            body += d
        return (head.split(b" ")[1].decode(), body)
    except socket.timeout:
        return ("none", b"")
    except ConnectionError:
        return ("closed", b"")


def connect(port):
    return socket.create_connection(("127.0.0.1", int(port)))


def healthz(port, wait):
    # a new connection and GET /v1/healthz on it: (socket, status)
    c = connect(port)
    c.settimeout(wait)
    try:
        c.sendall(http_req("/v1/healthz"))
        st, _ = read_response(c)
    except ConnectionError:
        st = "closed"
    return c, st


def maxconn(args):
    # maxconn PORT: with two idle connections held open, a third gets no
    # answer; once one of the two is closed, one gets an answer again
    port = args[0]
    a, b = connect(port), connect(port)
    time.sleep(0.3)
    c, st = healthz(port, 1.0)
    print("third-while-full", st)
    b.settimeout(3)
    b.sendall(http_req("/v1/healthz"))
    print("held-one", read_response(b)[0])
    a.close()
    if st == "none":
        # still waiting: its request is answered now
        c.settimeout(3)
        st2, _ = read_response(c)
        print("after-close", st2)
        print("third-queued yes")
    else:
        print("after-close", healthz(port, 3)[1])
        print("third-queued no")


def idle(args):
    # idle PORT: seconds until the server closes an idle connection, and
    # a keep-alive connection idle after one request
    port = args[0]
    s = connect(port)
    s.settimeout(10)
    t = time.time()
    try:
        d = s.recv(100)
    except (socket.timeout, ConnectionError):
        d = b"?"
    print("idle-closed %.2f %s" % (time.time() - t, "eof" if d == b"" else
                                   "data"))
    s = connect(port)
    s.settimeout(10)
    s.sendall(http_req("/v1/healthz"))
    st, _ = read_response(s)
    t = time.time()
    try:
        d = s.recv(100)
    except (socket.timeout, ConnectionError):
        d = b"?"
    print("keepalive-closed %.2f %s %s" % (time.time() - t, st,
                                           "eof" if d == b"" else "data"))


def slow(args):
    # slow PORT TOKEN PATH OUT MARK GO: starts a download, reads slowly
    # for half a second, writes MARK, waits for GO, reads the rest
    port, tok, path, out, mark, go = args
    s = connect(port)
    s.sendall(http_req(path, tok, close=True))
    parts = []
    got = 0
    t = time.time()
    while time.time() - t < 0.5:
        d = s.recv(1024)
        if not d:
            break
        parts.append(d)
        got += len(d)
        time.sleep(0.01)
    open(mark, "w").write("%d\n" % got)
    t = time.time()
    while not os.path.exists(go) and time.time() - t < 30:
        time.sleep(0.02)
    s.settimeout(30)
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        parts.append(d)
    head, _, body = b"".join(parts).partition(b"\r\n\r\n")
    open(out, "wb").write(body)
    open(out + ".head", "wb").write(head + b"\r\n")


def keepalive(args):
    # keepalive PORT TOKEN OUT MARK GO: one request, MARK, wait for GO, a
    # second request on the same connection: OUT holds its status line
    # ("closed" if the connection was closed) and body
    port, tok, out, mark, go = args
    s = connect(port)
    s.settimeout(5)
    s.sendall(http_req("/v1/items?limit=1", tok))
    st, _ = read_response(s)
    open(mark, "w").write(st + "\n")
    t = time.time()
    while not os.path.exists(go) and time.time() - t < 30:
        time.sleep(0.02)
    try:
        s.sendall(http_req("/v1/items?limit=1", tok))
        st, body = read_response(s)
    except ConnectionError:
        st, body = "closed", b""
    open(out, "wb").write(st.encode() + b"\n" + body)


def trickle(args):
    # trickle PORT head|body [TOKEN]: a request whose headers (head), or
    # whose 1000-byte body after quick headers (body), come one byte every
    # 0.2 s, up to 8 s: "closed SECONDS" when the server closes the
    # connection, "answered STATUS" when it answers, "held" otherwise
    port, what = args[0], args[1]
    s = connect(port)
    if what == "head":
        s.sendall(b"GET /v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        data = b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    else:
        s.sendall(("POST /v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: "
                   "application/json\r\nContent-Length: 1000\r\n\r\n"
                   % args[2]).encode())
        data = b" " * 1000
    s.settimeout(0.2)
    t = time.time()
    i = 0
    while time.time() - t < 8:
        try:
            if i < len(data):
                s.send(data[i:i + 1])
                i += 1
            d = s.recv(100)
        except socket.timeout:
            continue
        except OSError:
            d = b""
        if not d:
            print("closed %.2f" % (time.time() - t))
            return
        print("answered %s" % d.split(b" ")[1].decode())
        return
    print("held")


def perip(args):
    # perip PORT N: with N idle connections held open, one more is closed
    # unanswered; once one of the N is closed, a new one is answered
    port, n = args[0], int(args[1])
    held = [connect(port) for _ in range(n)]
    time.sleep(0.3)
    print("one-more", healthz(port, 2)[1])
    held[0].settimeout(2)
    held[0].sendall(http_req("/v1/healthz"))
    print("held-one", read_response(held[0])[0])
    held[0].close()
    time.sleep(0.3)
    print("after-close", healthz(port, 2)[1])


{"sign": sign, "chain": chain, "msig": msig, "proof": proof, "logroot": logroot,
 "cpsig": cpsig, "maxconn": maxconn, "idle": idle, "slow": slow,
 "keepalive": keepalive, "trickle": trickle,
 "perip": perip}[sys.argv[1]](sys.argv[2:])
PYEOF

hpy() {
	TMPDIR_H=$TMP "$PYTHON" -S "$TMP/h.py" "$@"
}

# ------------------------------------------------------- startup errors

serve_try() {
	# serve_try CODES DESC ARGS...: serve must exit (within 10 s) with CODES
	_c=$1
	_d=$2
	shift 2
	expect_exit "$_c" "$_d" -- timeout 10 "$BODYCAM" --catalog "$CAT" serve \
	    "$@"
}
serve_try 2 "serve without --storage: exit 2" --key "$K/admin.key" \
    --listen 127.0.0.1:0
expect_grep "--storage DIR is required: the catalog has no storage root" "$ERR" "  names what is missing"
serve_try 2 "serve without --key: exit 2" --storage "$ST_DIR" \
    --listen 127.0.0.1:0
expect_grep "try 'bodycam --help'" "$ERR" "  a usage error"
for l in nonsense 127.0.0.1 127.0.0.1:99999 127.0.0.1:http :8080 \
    "[::1]8080" 300.1.1.1:80; do
	serve_try 2 "serve --listen '$l': exit 2" --storage "$ST_DIR" \
	    --key "$K/admin.key" --listen "$l"
done
expect_grep "is not ADDR:PORT" "$ERR" "  says --listen is not ADDR:PORT"
serve_try 2 "serve --threads 0: exit 2" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 --threads 0
serve_try 2 "serve --max-connections x: exit 2" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 --max-connections x
serve_try 2 "serve --tls-cert without --tls-key: exit 2" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 --tls-cert "$K/admin.pub"
serve_try 2 "serve with an unexpected argument: exit 2" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 extra
serve_try 1,2,3 "serve --key of a key with no role in the catalog: refused" \
    --storage "$ST_DIR" --key "$K/stranger.key" --listen 127.0.0.1:0
expect_grep "$KID_stranger holds no role" "$ERR" \
    "  names the key and says it holds no role"
serve_try 1,2,3 "serve with a role-less key after a good one: refused" \
    --storage "$ST_DIR" --key "$K/cust.key" --key "$K/stranger.key" \
    --listen 127.0.0.1:0
keygen_all old 2> /dev/null
bc key add "$K/old.pub" --name old --role custodian --key "$K/admin.key" \
    > /dev/null 2>&1
expect_exit 0 "setup: key revoke old" -- bc key revoke "$(cat "$TMP/kid.old")" \
    --reason "station retired" --key "$K/admin.key"
serve_try 1,2,3 "serve --key of a revoked key: refused" \
    --storage "$ST_DIR" --key "$K/old.key" --listen 127.0.0.1:0
expect_grep "holds no role" "$ERR" "  says it holds no role now"
serve_try 2 "serve --key PUBLIC.pub: exit 2" --storage "$ST_DIR" \
    --key "$K/admin.pub" --listen 127.0.0.1:0
expect_grep "private key is needed" "$ERR" "  a private key is needed"
serve_try 2 "serve --key of a missing file: exit 2" --storage "$ST_DIR" \
    --key "$K/nothing.key" --listen 127.0.0.1:0
serve_try 2,3 "serve --storage of a missing directory: refused" \
    --storage "$TMP/nowhere" --key "$K/admin.key" --listen 127.0.0.1:0
expect_grep "nowhere" "$ERR" "  names the directory"
expect_exit 3 "serve without a catalog: exit 3" -- timeout 10 \
    "$BODYCAM" --catalog "$TMP/none.db" serve --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0
check "  and no catalog was made" -- test ! -e "$TMP/none.db"

# ------------------------------------------------------ the main server
#
# Separate keys: registrations are signed by ing, custody events by cust,
# verifications, releases and checkpoints by aud.

if start_server main --storage "$ST_DIR" --key "$K/ing.key" \
    --key "$K/cust.key" --key "$K/aud.key" --threads 4; then
	pass "main server (ingest, custodian and auditor keys) is up on port $PORT"
else
	fail "main server (ingest, custodian and auditor keys) is up"
	finish
fi
MAIN_PID=$SPID
MAIN_PORT=$PORT
MAIN_LOG=$SLOG
MAIN_URL=http://127.0.0.1:$PORT
URL=$MAIN_URL
expect_grep "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z - serving http on 127\.0\.0\.1:$PORT \(catalog " \
    "$MAIN_LOG" "  the log's first line names the address and the catalog"

serve_try 1,2,3 "a second server on the same port: refused" \
    --storage "$ST_DIR" --key "$K/admin.key" --listen "127.0.0.1:$MAIN_PORT"
expect_grep "cannot listen" "$ERR" "  says it cannot listen"

# ---------------------------------------------------------------- healthz

api - GET /v1/healthz
expect_status 200 "GET /v1/healthz without a token: 200"
json_check "$RB" 'd == {"status": "ok"}' '  {"status": "ok"}'
expect_grep '^[Cc]ontent-[Tt]ype: application/json' "$RH" \
    "  Content-Type: application/json"
api "$T_UNKNOWN" GET /v1/healthz
expect_status 200 "GET /v1/healthz with an unknown token: 200 all the same"

# ------------------------------------------------------------ POST items

api "$T_ING" POST /v1/items -d '{"path":"Apple.jpg","officer":"OFF-1","device":"CAM-1","case":"CASE-1","category":"traffic","tags":["api","bodycam"]}'
expect_status 201 "POST /v1/items Apple.jpg (ingest): 201"
cp "$RB" "$TMP/regA.json"
A=$(jget "$RB" 'd["id"]')
json_check "$RB" 'sorted(d) == ["id", "manifest_hash", "mime", "sha256", "size", "warnings"]' \
    "  exactly id, sha256, size, manifest_hash, mime, warnings"
json_check "$RB" "__import__('re').fullmatch(r'BWC-[0-9]{6}', d['id']) and d['sha256'] == '$(sha256_of "$ST_DIR/Apple.jpg")' and d['size'] == $(size_of "$ST_DIR/Apple.jpg")" \
    "  the id, the file's SHA-256 and size"
json_check "$RB" "__import__('re').fullmatch('[0-9a-f]{64}', d['manifest_hash']) and d['mime'] == 'image/jpeg' and isinstance(d['warnings'], list) and all(isinstance(w, str) for w in d['warnings'])" \
    "  a manifest hash, the MIME type, warnings as strings"
expect_exit 0 "  show $A --json: exit 0" -- bc show "$A" --json
json_check "$OUT" "d['manifest_hash'] == '$(jget "$TMP/regA.json" 'd["manifest_hash"]')' and d['manifest']['capture']['officer'] == 'OFF-1' and d['manifest']['capture']['device'] == 'CAM-1' and d['manifest']['case'] == {'category': 'traffic', 'number': 'CASE-1'} and d['manifest']['tags'] == ['api', 'bodycam']" \
    "  the catalog holds the manifest with officer, device, case, category, tags"
json_check "$OUT" "d['manifest']['registered']['key'] == '$KID_ing' and d['path'] == '$ST_DIR/Apple.jpg'" \
    "  signed by the ingest key (not admin), the path under storage"
expect_exit 0 "  custody log $A --json: exit 0" -- bc custody log "$A" --json
json_check "$OUT" "len(d['events']) == 1 and d['events'][0]['event']['action'] == 'register' and d['events'][0]['event']['actor'] == 'dock-7' and d['events'][0]['event']['key'] == '$KID_ing'" \
    "  one register event, actor = the token's name 'dock-7', ingest key"

# regok PATH JSON-MEMBERS DESC: POST /v1/items as dock-7 is a 201; the
# new id in $REG_ID
regok() {
	api "$T_ING" POST /v1/items -d "{\"path\":\"$1\"$2}"
	expect_status 201 "$3"
	REG_ID=$(jget "$RB" 'd["id"]')
}
regok Canon.jpg ',"officer":"OFF-2","device":"CAM-2","case":"CASE-1"' \
    "POST /v1/items Canon.jpg: 201"
B=$REG_ID
regok with-gps.mp4 ',"officer":"OFF-1","device":"CAM-3","case":"CASE-2"' \
    "POST /v1/items with-gps.mp4: 201"
V=$REG_ID
json_check "$RB" "d['mime'] == 'video/mp4' and d['size'] == $(size_of "$ST_DIR/with-gps.mp4")" \
    "  video/mp4, its size"
regok GPS.jpg ',"officer":"OFF-3","case":"CASE-3"' "POST /v1/items GPS.jpg: 201"
G=$REG_ID
regok gone.jpg '' "POST /v1/items gone.jpg: 201"
X=$REG_ID
regok big.bin ',"officer":"OFF-9"' "POST /v1/items big.bin ($BIG bytes): 201"
Z=$REG_ID
json_check "$RB" "d['size'] == $BIG and d['sha256'] == '$(sha256_of "$ST_DIR/big.bin")'" \
    "  its size and SHA-256"

api "$T_ADMIN" POST /v1/items -d '{"path":"sub/GoPro.jpg","tags":[]}'
expect_status 201 "POST /v1/items sub/GoPro.jpg with the admin token: 201"
P=$(jget "$RB" 'd["id"]')
expect_eq "$(bc custody log "$P" --csv 2> /dev/null | awk -F, 'NR == 2 { print $4 " " $5 }')" \
    "admin-al $KID_ing" "  actor admin-al, signed by the ingest key"

# a small body sent chunked
api "$T_ING" POST /v1/items -H 'Transfer-Encoding: chunked' \
    -d '{"path":"sample.3gp"}'
expect_status 201 "POST /v1/items with a chunked body: 201"
S3=$(jget "$RB" 'd["id"]')

# a body of exactly 1 MiB (white space, then the object) is not too large
_j='{"path":"HTC_Desire.jpg"}'
{
	head -c $((1048576 - ${#_j})) /dev/zero | tr '\0' ' '
	printf '%s' "$_j"
} > "$TMP/mib.json"
expect_eq "$(size_of "$TMP/mib.json")" 1048576 "setup: a 1 MiB body"
api "$T_ING" POST /v1/items --data-binary @"$TMP/mib.json"
expect_status 201 "POST /v1/items with a body of exactly 1 MiB: 201"
U=$(jget "$RB" 'd["id"]')
ITEMS=$(nitems)
expect_eq "$ITEMS" 9 "the catalog holds 9 items"

# ------------------------------------------------- POST items: refused

api "$T_ING" POST /v1/items -d '{"path":"Apple.jpg"}'
expect_status 409 "POST /v1/items Apple.jpg again: 409"
expect_eq "$(jget "$RB" 'd["error"]["code"]')" exists "  code exists"
expect_eq "$(jget "$RB" 'd["error"]["existing"]')" "$A" \
    "  the field existing names $A"
expect_grep "registered as $A" "$RB" "  the message names $A"
api "$T_ING" POST /v1/items -d '{"path":"alias.jpg"}'
expect_status 409 \
    "POST /v1/items alias.jpg (a symlink to Canon.jpg inside storage): 409"
expect_eq "$(jget "$RB" 'd["error"]["existing"]')" "$B" \
    "  the field existing names $B"

badpath() {
	# badpath JSON-PATH DESC
	api "$T_ING" POST /v1/items -d "{\"path\":$1}"
	expect_error 400 bad_request "POST /v1/items $2: 400"
}
badpath '"../outside/Ricoh2.jpg"' "'../outside/Ricoh2.jpg'"
badpath '"sub/../Apple.jpg"' "'sub/../Apple.jpg' (a '..' that stays inside)"
badpath '".."' "'..'"
badpath '"sub/.."' "'sub/..'"
badpath '"/etc/hostname"' "an absolute path outside"
badpath "\"$ST_DIR/HTC_Desire.jpg\"" "the absolute path of a file inside storage"
badpath '"escape.jpg"' "'escape.jpg' (a symlink to a file outside)"
expect_grep "outside" "$RB" "  says it leads outside"
badpath '"outlink/Ricoh2.jpg"' "'outlink/Ricoh2.jpg' (through a symlinked directory outside)"
badpath '"sub"' "'sub' (a directory)"
expect_grep "regular file" "$RB" "  says it is not a regular file"
badpath '"."' "'.' (the storage directory itself)"
badpath '"missing.jpg"' "'missing.jpg' (no such file)"
badpath '""' "'' (empty)"
badpath '5' "a number as path"
badpath 'null' "null as path"
badpath '["Apple.jpg"]' "an array as path"

badbody() {
	# badbody BODY DESC: POST /v1/items with BODY (given as is) is a 400
	printf '%s' "$1" > "$TMP/badbody"
	api "$T_ING" POST /v1/items --data-binary @"$TMP/badbody"
	expect_error 400 bad_request "POST /v1/items $2: 400"
}
badbody '{"path":"HTC_Desire.jpg","colour":"red"}' "with an unknown field"
expect_grep "colour" "$RB" "  names the field"
badbody '{"path":"HTC_Desire.jpg","officer":5}' "with officer a number"
badbody '{"path":"HTC_Desire.jpg","tags":"api"}' "with tags a string"
badbody '{"path":"HTC_Desire.jpg","tags":["a",1]}' "with a number among the tags"
badbody '{"path":"HTC_Desire.jpg","case":null}' "with case null"
badbody '{"officer":"OFF-1"}' "without path"
expect_grep "required" "$RB" "  says path is required"
badbody '{"path":' "with malformed JSON (cut short)"
badbody "{path:'HTC_Desire.jpg'}" "with malformed JSON (unquoted)"
badbody '{"path":"HTC_Desire.jpg",}' "with a trailing comma"
badbody '{"path":"HTC_Desire.jpg"} x' "with trailing data"
badbody '{"path":"HTC_Desire.jpg"}{}' "with a second object after the first"
badbody '["HTC_Desire.jpg"]' "with an array body"
badbody '"HTC_Desire.jpg"' "with a string body"
badbody 'null' "with a null body"
badbody '42' "with a number body"
badbody '' "with an empty body"
badbody '{"path":"HTC_Desire.jpg","path":"Canon.jpg"}' "with a duplicate key"
badbody '{"path":"HTC_Desire.jpg","officer":"a","officer":"a"}' \
    "with a duplicate key of the same value"
badbody "$(printf '{"path":"HTC_Desire.jpg","officer":"\377"}')" \
    "with invalid UTF-8"
badbody '{"path":"HTC_Desire.jpg","officer":"a\u0001b"}' \
    "with a control character in officer"
api "$T_ING" POST /v1/items
expect_error 400 bad_request "POST /v1/items with no body at all: 400"

# over 1 MiB: refused before the body is read (Content-Length) and while a
# chunked body arrives
head -c 1048577 /dev/zero | tr '\0' ' ' > "$TMP/big.json"
api "$T_ING" POST /v1/items --data-binary @"$TMP/big.json"
expect_error 413 too_large "POST /v1/items, 1 MiB + 1 (Content-Length): 413"
{
	printf '{"path":"HTC_Desire.jpg","officer":"'
	head -c 1100000 /dev/zero | tr '\0' 'a'
	printf '"}'
} > "$TMP/big2.json"
api "$T_ING" POST /v1/items --data-binary @"$TMP/big2.json"
expect_error 413 too_large "POST /v1/items, 1.05 MiB of JSON (Content-Length): 413"
api "$T_ING" POST /v1/items -H 'Transfer-Encoding: chunked' \
    --data-binary @"$TMP/big2.json"
expect_error 413 too_large \
    "POST /v1/items, 1.05 MiB of JSON (Transfer-Encoding: chunked): 413"
expect_eq "$(nitems)" "$ITEMS" "after the refusals, still $ITEMS items"

api "$T_CUST" POST /v1/items -d '{"path":"HTC_Desire.jpg"}'
expect_error 403 forbidden "POST /v1/items with the custodian token: 403"
expect_grep "ingest" "$RB" "  says the ingest role is needed"
api "$T_AUD" POST /v1/items -d '{"path":"HTC_Desire.jpg"}'
expect_error 403 forbidden "POST /v1/items with the auditor token: 403"
expect_eq "$(nitems)" "$ITEMS" "  still $ITEMS items"

# -------------------------------------------------------------- GET items

ALL="['$A', '$B', '$V', '$G', '$X', '$Z', '$P', '$S3', '$U']"
api "$T_AUD" GET /v1/items
expect_status 200 "GET /v1/items (auditor): 200"
json_check "$RB" "sorted(d) == ['items', 'next'] and d['next'] is None and [i['id'] for i in d['items']] == $ALL" \
    "  all $ITEMS items in order, next null"
json_check "$RB" "all(sorted(i) == ['case', 'category', 'device', 'id', 'mime', 'name', 'officer', 'registered', 'sha256', 'size', 'tags'] for i in d['items'])" \
    "  each with exactly id, sha256, size, name, mime, officer, device, case, registered, category, tags"
json_check "$RB" "d['items'][0] == dict(d['items'][0], id='$A', sha256='$(sha256_of "$ST_DIR/Apple.jpg")', size=$(size_of "$ST_DIR/Apple.jpg"), name='Apple.jpg', mime='image/jpeg', officer='OFF-1', device='CAM-1', case='CASE-1') and __import__('re').fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z', d['items'][0]['registered'])" \
    "  $A: its values"
json_check "$RB" "d['items'][4]['officer'] is None and d['items'][4]['device'] is None and d['items'][4]['case'] is None and d['items'][4]['name'] == 'gone.jpg'" \
    "  $X: officer, device, case null"

listq() {
	# listq QUERY IDS DESC: GET /v1/items?QUERY gives exactly IDS (a
	# python list), next null
	api "$T_ING" GET "/v1/items?$1"
	if [ "$ST" != 200 ]; then
		fail "$3" "status $ST"
		show_file body "$RB"
		return
	fi
	json_check "$RB" "[i['id'] for i in d['items']] == $2 and d['next'] is None" "$3"
}
listq officer=OFF-1 "['$A', '$V']" "GET /v1/items?officer=OFF-1: $A, $V"
listq device=CAM-2 "['$B']" "GET /v1/items?device=CAM-2: $B"
listq case=CASE-1 "['$A', '$B']" "GET /v1/items?case=CASE-1: $A, $B"
listq 'officer=OFF-1&case=CASE-2' "['$V']" "GET /v1/items?officer=OFF-1&case=CASE-2: $V"
listq 'officer=OFF-1&device=CAM-2' "[]" "GET /v1/items?officer=OFF-1&device=CAM-2: none"
listq officer=nobody "[]" "GET /v1/items?officer=nobody: none"
listq officer=off-1 "['$A', '$V']" "GET /v1/items?officer=off-1: OFF-1's (ASCII letters in any case)"
listq officer=OFF-10 "[]" "GET /v1/items?officer=OFF-10: none (the whole id compares)"
listq registered_since=2000-01-01 "$ALL" "GET /v1/items?registered_since=2000-01-01: all"
listq registered_since=2999-01-01 "[]" "GET /v1/items?registered_since=2999-01-01: none"
listq registered_until=2000-01-01 "[]" "GET /v1/items?registered_until=2000-01-01: none"
listq registered_until=2999-12-31 "$ALL" "GET /v1/items?registered_until=2999-12-31: all"
listq 'registered_since=2000-01-01T00:00:00Z&registered_until=2999-12-31T23:59:59Z&case=CASE-1' \
    "['$A', '$B']" "GET /v1/items?registered_since=...&registered_until=...&case=CASE-1 (RFC 3339 times)"
# the filters on the sealed capture metadata give what 'list' gives for
# the same options (make and model ignore case; since and until are the
# capture time; near LAT,LON,KM)
_some=0
_subset=0
for q in make=Apple make=apple make=Canon make=NoSuchMake model=NoSuchModel \
    since=2000-01-01 until=2000-01-01 since=2010-01-01 \
    'since=2000-01-01&until=2015-12-31' near=0,0,20100 near=0,0,1 \
    'make=Apple&since=2000-01-01'; do
	_opts=$(printf '%s' "$q" | sed 's/^/--/; s/&/ --/g; s/=/ /g')
	# shellcheck disable=SC2086 # the options are split on purpose
	_cli=$(bc --json list $_opts 2> /dev/null |
	    jget /dev/stdin '[i["id"] for i in d]')
	api "$T_ING" GET "/v1/items?$q"
	_api=$(jget "$RB" '[i["id"] for i in d["items"]]')
	if [ "$ST" = 200 ] && [ -n "$_cli" ] && [ "$_api" = "$_cli" ]; then
		pass "GET /v1/items?$q: as 'list $_opts' ($_api)"
	else
		fail "GET /v1/items?$q: as 'list $_opts'" "api $ST $_api, cli $_cli"
	fi
	[ "$_api" != "[]" ] && _some=$((_some + 1))
	[ "$_api" != "[]" ] && [ "$_api" != "$ALL" ] && _subset=$((_subset + 1))
done
check "  the capture filters select something ($_some queries) and not everything ($_subset)" -- \
    test "$_some" -ge 3 -a "$_subset" -ge 2
# pages of 2, followed through next
_after=""
_seen=""
_pages=0
_pageok=1
while [ $_pages -lt 10 ]; do
	api "$T_ING" GET "/v1/items?limit=2$_after"
	[ "$ST" = 200 ] || { _pageok=0; break; }
	_pages=$((_pages + 1))
	_ids=$(jget "$RB" '" ".join(i["id"] for i in d["items"])')
	_next=$(jget "$RB" 'd["next"]')
	_n=$(jget "$RB" 'len(d["items"])')
	_seen="$_seen $_ids"
	if [ "$_next" = null ]; then
		break
	fi
	# next is the last id of this page, and the page is full
	[ "$_next" = "${_ids##* }" ] && [ "$_n" = 2 ] || _pageok=0
	_after="&after=$_next"
done
expect_eq "$_pageok $_pages" "1 5" "GET /v1/items?limit=2: 5 pages, next = each page's last id"
expect_eq "${_seen# }" "$A $B $V $G $X $Z $P $S3 $U" \
    "  the pages hold every item once, in order"
api "$T_ING" GET "/v1/items?limit=9"
json_check "$RB" "len(d['items']) == 9 and d['next'] is None" \
    "GET /v1/items?limit=9 (exactly all): next null"
api "$T_ING" GET "/v1/items?limit=8"
json_check "$RB" "len(d['items']) == 8 and d['next'] == '$S3'" \
    "GET /v1/items?limit=8: next = $S3"
api "$T_ING" GET "/v1/items?after=$U"
json_check "$RB" "d == {'items': [], 'next': None}" "GET /v1/items?after=(last): none"
api "$T_ING" GET "/v1/items?limit=1000&officer=OFF-1&after=$A"
json_check "$RB" "[i['id'] for i in d['items']] == ['$V']" \
    "GET /v1/items?limit=1000&officer=OFF-1&after=$A: $V"
for q in limit=0 limit=1001 limit=-1 limit=abc limit= limit=1.5 "limit=%2B5" \
    since=yesterday until=2026-13-01 registered_since=x \
    registered_until=2026-02-30 near=1,2 near=91,0,1 near=a,b,c \
    after=BWC-999999 after=nothing foo=1 \
    "officer=OFF-1&colour=red"; do
	api "$T_ING" GET "/v1/items?$q"
	expect_error 400 bad_request "GET /v1/items?$q: 400"
done
expect_grep "colour" "$RB" "  the unknown argument is named"

# ------------------------------------------------------- GET one item

api "$T_CUST" GET "/v1/items/$A"
expect_status 200 "GET /v1/items/$A (custodian): 200"
cp "$RB" "$TMP/itemA.json"
json_check "$RB" "sorted(d) == ['current', 'id', 'key', 'leaf', 'manifest', 'manifest_hash', 'registered', 'sha256', 'signature', 'size']" \
    "  id, sha256, size, manifest_hash, manifest, signature, key, registered, leaf, current"
json_check "$RB" "d['id'] == '$A' and d['manifest']['id'] == '$A' and d['key'] == '$KID_ing' and d['manifest_hash'] == '$(jget "$TMP/regA.json" 'd["manifest_hash"]')' and d['registered'] == d['manifest']['registered']['at'] and isinstance(d['leaf'], int)" \
    "  its values agree with the registration"
_r=$(hpy msig "$TMP/itemA.json" "$K/ing.pub" 2>&1)
expect_eq "$_r" "manifest verifies" \
    "  manifest_hash = SHA-256 of the canonical manifest; signature verifies with ing.pub"
_sha=$(sha256_of "$ST_DIR/Apple.jpg")
api "$T_CUST" GET "/v1/items/$(echo "$_sha" | cut -c1-8)"
json_check "$RB" "d['id'] == '$A'" "GET /v1/items/<8 hex digits of the SHA-256>: $A"
api "$T_CUST" GET "/v1/items/$_sha"
json_check "$RB" "d['id'] == '$A'" "GET /v1/items/<the whole SHA-256>: $A"
api "$T_CUST" GET /v1/items/BWC-999999
expect_error 404 not_found "GET /v1/items/BWC-999999: 404"
expect_nogrep "$TMP" "$RB" "  the message does not show where the catalog lies on the server"
api "$T_CUST" GET "/v1/items/$(echo "$_sha" | cut -c1-7)"
expect_error 404 not_found "GET /v1/items/<7 hex digits>: 404 (too short to name an item)"

# ------------------------------------------------------ GET custody

api "$T_ING" GET "/v1/items/$A/custody"
expect_status 200 "GET /v1/items/$A/custody (ingest): 200"
json_check "$RB" "sorted(d) == ['events', 'head', 'id', 'manifest_hash', 'next_seq'] and d['id'] == '$A' and d['next_seq'] == 1 and d['head'] == d['events'][0]['hash'] and d['manifest_hash'] == '$(jget "$TMP/itemA.json" 'd["manifest_hash"]')'" \
    "  id, manifest_hash, next_seq 1, head = the register event's hash"
json_check "$RB" "all(sorted(e) == ['event', 'hash', 'key', 'leaf', 'seq', 'sig'] for e in d['events']) and d['events'][0]['event']['action'] == 'register'" \
    "  each event: seq, hash, key, event, sig, leaf"

# ------------------------------------------------------------ 401 / 403

# the last event of ITEM as "seq action actor key hash" (from the CLI)
last_event() {
	bc custody log "$1" --csv 2> /dev/null | tail -n 1 |
	    awk -F, '{ print $1, $3, $4, $5, $13 }'
}

# rita may read and download until her token is revoked
api "$T_RITA" GET "/v1/items/$A/media"
expect_status 200 "rita's token (custodian) downloads $A: 200"
expect_eq "$(last_event "$A" | cut -d' ' -f1-4)" "1 access rita $KID_cust" \
    "  recorded: seq 1, access, actor rita, the custodian key"
expect_exit 0 "token revoke rita while the server runs: exit 0" -- \
    bc token revoke rita --key "$K/admin.key"

EV_A=$(nevents "$A")
for ep in "POST /v1/items" "GET /v1/items" "GET /v1/items/$A" \
    "GET /v1/items/$A/custody" "GET /v1/items/$A/media" \
    "POST /v1/items/$A/events" "POST /v1/items/$A/verify" \
    "GET /v1/items/$A/proof" "GET /v1/checkpoint" "POST /v1/releases" \
    "GET /v1/releases/rel-1"; do
	_m=${ep%% *}
	_p=${ep#* }
	case $_p in
	/v1/items) _body='{"path":"spare.mkv"}' ;;
	*/events) _body='{"action":"note","note":"unauthorised"}' ;;
	*/verify) _body='{}' ;;
	/v1/releases) _body="{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"auth-test\"}" ;;
	*) _body="" ;;
	esac
	for kind in none malformed unknown revoked; do
		case $kind in
		none) _h="X-Nothing: 1" ;;
		malformed) _h="Authorization: Bearer bct_123" ;;
		unknown) _h="Authorization: Bearer $T_UNKNOWN" ;;
		revoked) _h="Authorization: Bearer $T_RITA" ;;
		esac
		if [ -n "$_body" ]; then
			api - "$_m" "$_p" -H "$_h" -d "$_body"
		else
			api - "$_m" "$_p" -H "$_h"
		fi
		expect_error 401 unauthorized "$_m $_p, $kind token: 401"
		if [ "$ST" = 401 ]; then
			expect_eq "$(header WWW-Authenticate)" Bearer \
			    "  WWW-Authenticate: Bearer"
		fi
	done
done
for h in "Authorization: Bearer" "Authorization: Bearer " \
    "Authorization: Basic ZGV0LnNtaXRoOnNlY3JldA==" "Authorization: $T_CUST" \
    "Authorization: Bearer $T_UPPER" "Authorization: Bearer $T_SHORT" \
    "Authorization: Bearer ${T_CUST}0" "Authorization: Bearer $T_CUST x" \
    "Authorization: Bearer ${T_CUST#bct_}" "Authorization: Token $T_CUST"; do
	api - GET /v1/items -H "$h"
	expect_error 401 unauthorized "GET /v1/items with '$(echo "$h" | cut -c1-40)...': 401"
done
api - GET /v1/items -H "Authorization: bearer $T_CUST"
expect_status 200 "GET /v1/items with 'bearer' in lower case: 200 (the scheme is case-insensitive)"
expect_eq "$(nevents "$A")" "$EV_A" "the refused requests recorded nothing on $A"
expect_eq "$(nitems)" "$ITEMS" "  and registered nothing"
check "  and wrote no bundle" -- test ! -e "$ST_DIR/releases/auth-test"

for t in ING:dock-7 CUST:det.smith AUD:auditor.ann ADMIN:admin-al; do
	eval "_tok=\$T_${t%%:*}"
	api "$_tok" GET "/v1/items/$A/custody"
	expect_status 200 "GET /v1/items/$A/custody with ${t#*:}'s token: 200"
done
api "$T_ING" GET "/v1/items/$A/media"
expect_error 403 forbidden "GET /v1/items/$A/media with the ingest token: 403"
expect_grep "custodian" "$RB" "  says the custodian role is needed"
api "$T_AUD" GET "/v1/items/$A/media"
expect_error 403 forbidden "GET /v1/items/$A/media with the auditor token: 403"
api "$T_ING" POST "/v1/items/$A/events" -d '{"action":"access"}'
expect_error 403 forbidden "POST events access with the ingest token: 403"
api "$T_AUD" POST "/v1/items/$A/events" -d '{"action":"note","note":"n"}'
expect_error 403 forbidden "POST events note with the auditor token: 403"
api "$T_ING" POST "/v1/items/$A/verify" -d '{}'
expect_error 403 forbidden "POST verify with the ingest token: 403"
api "$T_CUST" POST "/v1/items/$A/verify" -d '{}'
expect_error 403 forbidden "POST verify with the custodian token: 403"
expect_grep "auditor" "$RB" "  says the auditor role is needed"
api "$T_CUST" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"forbidden\"}"
expect_error 403 forbidden "POST /v1/releases with the custodian token: 403"
api "$T_ING" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"forbidden\"}"
expect_error 403 forbidden "POST /v1/releases with the ingest token: 403"
expect_eq "$(nevents "$A")" "$EV_A" "the forbidden requests recorded nothing on $A"
check "  and wrote no bundle" -- test ! -e "$ST_DIR/releases/forbidden"

# ---------------------------------------------------------------- media

SIZE_V=$(size_of "$ST_DIR/with-gps.mp4")
SEQ_V=$(nevents "$V")

# media_ok TOKEN ACTOR RANGE STATUS DESC: a download of $V: STATUS, the
# body in $TMP/media.out, the access event recorded (actor, custodian key)
# and named by the X-Bodycam-Event-* headers
media_ok() {
	if [ -n "$3" ]; then
		api "$1" GET "/v1/items/$V/media" -H "Range: $3"
	else
		api "$1" GET "/v1/items/$V/media"
	fi
	cp "$RB" "$TMP/media.out"
	expect_status "$4" "$5: $4"
	case $ST in
	2??) ;;
	*) return ;;
	esac
	expect_eq "$(header X-Bodycam-Event-Seq) $(header X-Bodycam-Event-Hash)" \
	    "$SEQ_V $(last_event "$V" | cut -d' ' -f5)" \
	    "  X-Bodycam-Event-Seq/Hash name the newest event ($SEQ_V)"
	expect_eq "$(last_event "$V" | cut -d' ' -f1-4)" \
	    "$SEQ_V access $2 $KID_cust" \
	    "  the event: access by $2, signed by the custodian key"
	SEQ_V=$((SEQ_V + 1))
}

media_ok "$T_CUST" det.smith "" 200 "GET /v1/items/$V/media (custodian)"
check "  the body is byte-identical to the file" -- cmp "$TMP/media.out" "$ST_DIR/with-gps.mp4"
expect_eq "$(header Content-Length)" "$SIZE_V" "  Content-Length $SIZE_V"
expect_eq "$(header Content-Type)" video/mp4 "  Content-Type video/mp4"
expect_eq "$(header X-Bodycam-SHA256)" "$(sha256_of "$ST_DIR/with-gps.mp4")" \
    "  X-Bodycam-SHA256 is the file's"
expect_eq "$(header Accept-Ranges)" bytes "  Accept-Ranges: bytes"
expect_exit 0 "  custody log $V --json: exit 0" -- bc custody log "$V" --json
json_check "$OUT" "d['events'][-1]['event']['details']['note'] == 'downloaded through the API' and d['events'][-1]['status'] == 'ok'" \
    "  its note says it was downloaded through the API"

media_ok "$T_CUST" det.smith "bytes=0-99" 206 "Range bytes=0-99"
expect_eq "$(header Content-Range)" "bytes 0-99/$SIZE_V" "  Content-Range bytes 0-99/$SIZE_V"
head -c 100 "$ST_DIR/with-gps.mp4" > "$TMP/want"
check "  the first 100 bytes" -- cmp "$TMP/media.out" "$TMP/want"
expect_exit 0 "  custody log $V --json: exit 0" -- bc custody log "$V" --json
json_check "$OUT" "'bytes 0-99' in d['events'][-1]['event']['details']['note']" \
    "  the event's note names the range"

media_ok "$T_CUST" det.smith "bytes=100-" 206 "Range bytes=100-"
expect_eq "$(header Content-Range)" "bytes 100-$((SIZE_V - 1))/$SIZE_V" \
    "  Content-Range bytes 100-$((SIZE_V - 1))/$SIZE_V"
tail -c +101 "$ST_DIR/with-gps.mp4" > "$TMP/want"
check "  all bytes from 100 on" -- cmp "$TMP/media.out" "$TMP/want"

media_ok "$T_CUST" det.smith "bytes=-10" 206 "Range bytes=-10"
expect_eq "$(header Content-Range)" "bytes $((SIZE_V - 10))-$((SIZE_V - 1))/$SIZE_V" \
    "  Content-Range of the last 10 bytes"
tail -c 10 "$ST_DIR/with-gps.mp4" > "$TMP/want"
check "  the last 10 bytes" -- cmp "$TMP/media.out" "$TMP/want"

media_ok "$T_CUST" det.smith "bytes=0-0" 206 "Range bytes=0-0"
expect_eq "$(header Content-Range) $(size_of "$TMP/media.out")" \
    "bytes 0-0/$SIZE_V 1" "  one byte"
media_ok "$T_CUST" det.smith "bytes=5-999999999" 206 "Range bytes=5-999999999 (past the end)"
expect_eq "$(header Content-Range)" "bytes 5-$((SIZE_V - 1))/$SIZE_V" \
    "  cut at the end of the file"
media_ok "$T_CUST" det.smith "bytes=-999999999" 206 "Range bytes=-999999999 (more than the file)"
check "  the whole file" -- cmp "$TMP/media.out" "$ST_DIR/with-gps.mp4"
media_ok "$T_CUST" det.smith "bytes=0-1,5-6" 200 "Range with two ranges: the whole file"
check "  the whole file" -- cmp "$TMP/media.out" "$ST_DIR/with-gps.mp4"
media_ok "$T_ADMIN" admin-al "" 200 "GET /v1/items/$V/media with the admin token"

_ev=$(nevents "$V")
for r in "bytes=$SIZE_V-" "bytes=999999999-" "bytes=-0"; do
	api "$T_CUST" GET "/v1/items/$V/media" -H "Range: $r"
	expect_error 416 range_not_satisfiable "Range $r: 416"
	expect_eq "$(header Content-Range)" "bytes */$SIZE_V" "  Content-Range: bytes */$SIZE_V"
done
expect_eq "$(nevents "$V")" "$_ev" "the 416s recorded nothing"
api "$T_ING" GET "/v1/items/$V/media"
api "$T_AUD" GET "/v1/items/$V/media"
expect_eq "$(nevents "$V")" "$_ev" "the 403s recorded nothing"
expect_eq "$_ev" "$SEQ_V" "$V: the register event and one access event per download ($((SEQ_V - 1)))"
api "$T_CUST" GET /v1/items/BWC-999999/media
expect_error 404 not_found "GET /v1/items/BWC-999999/media: 404"
api "$T_CUST" GET "/v1/items/$V/media" -d 'x'
expect_error 400 bad_request "GET media with a request body: 400"

# ------------------------------------------ POST events, server-signed

EV_B=$(nevents "$B")

# ev_ok TOKEN ACTOR BODY ACTION DESC: a 201 {item, seq, hash}, and the
# event in the catalog: ACTION by ACTOR, signed by the custodian key
ev_ok() {
	api "$1" POST "/v1/items/$B/events" -d "$3"
	expect_status 201 "$5: 201"
	[ "$ST" = 201 ] || return
	json_check "$RB" "sorted(d) == ['hash', 'item', 'seq'] and d['item'] == '$B' and d['seq'] == $EV_B" \
	    "  {item: $B, seq: $EV_B, hash}"
	expect_eq "$(last_event "$B")" \
	    "$EV_B $4 $2 $KID_cust $(jget "$RB" 'd["hash"]')" \
	    "  recorded: seq $EV_B $4 by $2, the custodian key, that hash"
	EV_B=$((EV_B + 1))
}
# ev_bad TOKEN BODY STATUS CODE DESC: refused, nothing recorded
ev_bad() {
	api "$1" POST "/v1/items/$B/events" --data-binary "$2"
	expect_error "$3" "$4" "$5: $3 $4"
	expect_eq "$(nevents "$B")" "$EV_B" "  nothing recorded"
}

ev_ok "$T_CUST" det.smith '{"action":"access","location":"Room 4","note":"viewed"}' \
    access "POST events access"
expect_exit 0 "  custody log $B --json: exit 0" -- bc custody log "$B" --json
json_check "$OUT" "d['events'][-1]['event']['details'] == dict(d['events'][-1]['event']['details'], location='Room 4', note='viewed', outcome='done', sha256='$(sha256_of "$ST_DIR/Canon.jpg")')" \
    "  its details: location, note, outcome done, the sealed SHA-256"
ev_ok "$T_CUST" det.smith '{"action":"copy","to":"Defence counsel"}' copy "POST events copy with to"
ev_bad "$T_CUST" '{"action":"copy"}' 400 bad_request "POST events copy without to"
ev_ok "$T_CUST" det.smith '{"action":"transfer","to":"DA office","reason":"trial"}' \
    transfer "POST events transfer"
ev_bad "$T_CUST" '{"action":"transfer","reason":"trial"}' 400 bad_request \
    "POST events transfer without to"
ev_bad "$T_CUST" '{"action":"transfer","to":"DA office"}' 400 bad_request \
    "POST events transfer without reason"
ev_bad "$T_CUST" '{"action":"hold"}' 400 bad_request "POST events hold without reason"
ev_ok "$T_CUST" det.smith '{"action":"hold","reason":"litigation"}' hold "POST events hold"
ev_bad "$T_CUST" '{"action":"hold","reason":"again"}' 409 rule "POST events hold while held"
expect_grep "already on legal hold" "$RB" "  says it is already on hold"
ev_bad "$T_CUST" '{"action":"purge","reason":"retention"}' 409 rule "POST events purge while held"
ev_ok "$T_CUST" det.smith '{"action":"unhold","reason":"case closed"}' unhold "POST events unhold"
ev_bad "$T_CUST" '{"action":"unhold","reason":"again"}' 409 rule "POST events unhold when not held"
ev_bad "$T_CUST" '{"action":"unhold"}' 400 bad_request "POST events unhold without reason"
ev_ok "$T_ADMIN" admin-al '{"action":"note","note":"checked by admin"}' note \
    "POST events note with the admin token"
ev_bad "$T_CUST" '{"action":"access","to":"someone"}' 400 bad_request "POST events access with to"
for a in register derive release verify frobnicate ACCESS ""; do
	ev_bad "$T_CUST" "{\"action\":\"$a\",\"reason\":\"r\",\"to\":\"t\"}" 400 bad_request \
	    "POST events action '$a'"
done
ev_bad "$T_ADMIN" '{"action":"verify"}' 400 bad_request "POST events verify with the admin token"
ev_bad "$T_CUST" '{}' 400 bad_request "POST events {}"
ev_bad "$T_CUST" '{"action":5}' 400 bad_request "POST events action a number"
ev_bad "$T_CUST" '{"action":"note","note":["a"]}' 400 bad_request "POST events note an array"
ev_bad "$T_CUST" '{"action":"note","colour":"red"}' 400 bad_request "POST events with an unknown field"
# the identifying and free-text fields refuse what the CLI refuses
ev_bad "$T_CUST" '{"action":"copy","to":"DA\u202e office"}' 400 bad_request \
    "POST events copy to a name with U+202E (bidi override)"
ev_bad "$T_CUST" '{"action":"note","note":"a\u0085b"}' 400 bad_request \
    "POST events note with U+0085 (a C1 control)"
ev_bad "$T_CUST" '{"action":"note","note":"a\u001b[2Jb"}' 400 bad_request \
    "POST events note with ESC"
ev_bad "$T_CUST" '{"action":"access","location":"\u2066room"}' 400 bad_request \
    "POST events location with U+2066 (bidi isolate)"
ev_bad "$T_CUST" '{"action":"note","sig":"AAAA"}' 400 bad_request "POST events action and sig"
ev_bad "$T_CUST" '{"action":"note","action":"access"}' 400 bad_request "POST events with a duplicate key"
ev_bad "$T_CUST" '{"action":"note"} {}' 400 bad_request "POST events with trailing data"
ev_bad "$T_CUST" '{"action":' 400 bad_request "POST events with malformed JSON"
ev_bad "$T_CUST" '["access"]' 400 bad_request "POST events with an array"
ev_bad "$T_CUST" '' 400 bad_request "POST events with an empty body"
ev_bad "$T_ING" '{"action":"access"}' 403 forbidden "POST events access with the ingest token"
ev_bad "$T_AUD" '{"action":"access"}' 403 forbidden "POST events access with the auditor token"
# annotate: the current view changes, the sealed manifest does not
ev_ok "$T_CUST" det.smith '{"action":"annotate","reason":"case assigned","set":{"case":"CASE-9","category":"evidence"},"add_tags":["scene"]}' \
    annotate "POST events annotate"
api "$T_ING" GET "/v1/items/$B"
expect_status 200 "  GET /v1/items/$B: 200"
json_check "$RB" "d['current']['case'] == 'CASE-9' and d['current']['category'] == 'evidence' and 'scene' in d['current']['tags'] and d['current']['annotations'] == 1 and d['manifest']['case']['number'] == 'CASE-1'" \
    "  'current' has the annotated case, category and tag; the manifest its sealed case"
listq case=CASE-9 "['$B']" "  GET /v1/items?case=CASE-9: $B, by its current case"
listq category=evidence "['$B']" "  GET /v1/items?category=evidence: $B"
listq tag=scene "['$B']" "  GET /v1/items?tag=scene: $B"
ev_ok "$T_CUST" det.smith '{"action":"annotate","reason":"closed","clear":["case"],"remove_tags":["scene"]}' \
    annotate "POST events annotate clearing the case and a tag"
listq case=CASE-9 "[]" "  GET /v1/items?case=CASE-9: none now"
ev_bad "$T_CUST" '{"action":"annotate","reason":"r"}' 400 bad_request \
    "POST events annotate that changes nothing"
ev_bad "$T_CUST" '{"action":"annotate","reason":"r","set":{"owner":"x"}}' 400 \
    bad_request "POST events annotate of an unknown field"
ev_bad "$T_CUST" '{"action":"annotate","set":{"case":"1"}}' 400 bad_request \
    "POST events annotate without a reason"
ev_bad "$T_CUST" '{"action":"annotate","reason":"r","set":{"case":"1"},"clear":"case"}' \
    400 bad_request "POST events annotate with clear not a list"
ev_bad "$T_CUST" '{"action":"note","set":{"case":"1"}}' 400 bad_request \
    "POST events note that sets a field"
ev_bad "$T_ING" '{"action":"annotate","reason":"r","set":{"case":"1"}}' 403 \
    forbidden "POST events annotate with the ingest token"
# cases, as 'bodycam case list' and 'case show'
api "$T_ING" GET /v1/cases
expect_status 200 "GET /v1/cases: 200"
expect_exit 0 "  bodycam --json case list: exit 0" -- bc --json case list
expect_eq "$(jget "$RB" 'json.dumps(d, sort_keys=True)')" \
    "$(jget "$OUT" 'json.dumps(d, sort_keys=True)')" "  the same document as case list --json"
json_check "$RB" "{'case': 'CASE-2', 'items': 1, 'held': 0, 'purged': 0} in d['cases']" \
    "  CASE-2 with its one item"
api "$T_ING" GET /v1/cases/CASE-2
expect_status 200 "GET /v1/cases/CASE-2: 200"
json_check "$RB" "d['case'] == 'CASE-2' and [i['id'] for i in d['items']] == ['$V']" \
    "  its item $V"
api "$T_ING" GET /v1/cases/CASE-9
expect_error 404 not_found "GET /v1/cases/CASE-9 (emptied by an annotation): 404"
api "$T_ING" GET "/v1/cases?limit=1"
expect_error 400 bad_request "GET /v1/cases with an unknown argument: 400"
api - GET /v1/cases
expect_status 401 "GET /v1/cases without a token: 401"
# retention, as 'bodycam retention due --json' and 'policy list --json'
api "$T_ING" GET /v1/retention/due
expect_error 404 not_found "GET /v1/retention/due with no policy: 404"
api "$T_ING" GET /v1/retention/policy
expect_status 200 "GET /v1/retention/policy with no policy: 200"
json_check "$RB" "d == {'policies': []}" "  no policies"
expect_exit 0 "setup: retention policy set" -- bc retention policy set \
    --period patrol=90 --period evidence=indefinite --grace 10 \
    --key "$K/admin.key" --actor Records
api "$T_ING" GET "/v1/retention/due?all=1&at=2030-01-01"
expect_status 200 "GET /v1/retention/due?all=1&at=2030-01-01: 200"
expect_exit 0 "  bodycam --json retention due --all --at 2030-01-01" -- \
    bc --json retention due --all --at 2030-01-01
expect_eq "$(jget "$RB" 'json.dumps(d, sort_keys=True)')" \
    "$(jget "$OUT" 'json.dumps(d, sort_keys=True)')" \
    "  the same document as retention due --json"
json_check "$RB" "d['policy']['seq'] == 1 and d['at'] == '2030-01-01T23:59:59Z' and d['items'] == len(d['due']) and d['items'] > 0" \
    "  policy 1, as of the end of that day, every item"
api "$T_ING" GET /v1/retention/due
expect_status 200 "GET /v1/retention/due: 200"
json_check "$RB" "set(d) == {'policy', 'at', 'items', 'counts', 'due'}" \
    "  policy, at, items, counts, due"
api "$T_ING" GET /v1/retention/policy
expect_status 200 "GET /v1/retention/policy: 200"
expect_exit 0 "  bodycam --json retention policy list" -- \
    bc --json retention policy list
expect_eq "$(jget "$RB" 'json.dumps(d, sort_keys=True)')" \
    "$(jget "$OUT" 'json.dumps(d, sort_keys=True)')" \
    "  the same document as policy list --json"
api "$T_ING" GET "/v1/retention/due?all=2"
expect_error 400 bad_request "GET /v1/retention/due?all=2: 400"
api "$T_ING" GET "/v1/retention/due?at=soon"
expect_error 400 bad_request "GET /v1/retention/due?at=soon: 400"
api "$T_ING" GET "/v1/retention/due?limit=1"
expect_error 400 bad_request "GET /v1/retention/due with an unknown argument: 400"
api - GET /v1/retention/due
expect_status 401 "GET /v1/retention/due without a token: 401"
api "$T_CUST" POST /v1/items/BWC-999999/events -d '{"action":"access"}'
expect_error 404 not_found "POST /v1/items/BWC-999999/events: 404"
api "$T_CUST" POST "/v1/items/$(sha256_of "$ST_DIR/Canon.jpg" | cut -c1-12)/events" \
    -d '{"action":"access"}'
expect_status 201 "POST events to the item named by 12 hex digits of its SHA-256: 201"
json_check "$RB" "d['item'] == '$B' and d['seq'] == $EV_B" "  recorded on $B"
EV_B=$((EV_B + 1))
expect_exit 0 "verify $B after the server-signed events: exit 0" -- bc verify "$B"
expect_eq "$(nevents "$B")" "$EV_B" "  $B has $EV_B events"

# custody pages
api "$T_AUD" GET "/v1/items/$B/custody"
cp "$RB" "$TMP/custB.json"
_r=$(hpy chain "$TMP/custB.json" "$K/ing.pub" "$K/cust.pub" "$K/aud.pub" "$K/admin.pub" 2>&1)
expect_eq "$_r" "$EV_B events chain and verify" \
    "GET /v1/items/$B/custody: $EV_B events that chain and verify (checked here)"
api "$T_AUD" GET "/v1/items/$B/custody?from=2&limit=3"
json_check "$RB" "[e['seq'] for e in d['events']] == [2, 3, 4] and d['next_seq'] == $EV_B and d['head'] == json.load(open('$TMP/custB.json'))['head'] and d['events'] == json.load(open('$TMP/custB.json'))['events'][2:5]" \
    "GET custody?from=2&limit=3: seq 2-4; next_seq and head still the chain's"
api "$T_AUD" GET "/v1/items/$B/custody?from=$((EV_B - 1))"
json_check "$RB" "[e['seq'] for e in d['events']] == [$((EV_B - 1))]" \
    "GET custody?from=$((EV_B - 1)): the last event"
api "$T_AUD" GET "/v1/items/$B/custody?from=999"
json_check "$RB" "d['events'] == [] and d['next_seq'] == $EV_B" "GET custody?from=999: none"
for q in limit=10001 from=-1 from=x limit=1e3 after=1; do
	api "$T_AUD" GET "/v1/items/$B/custody?$q"
	expect_error 400 bad_request "GET custody?$q: 400"
done
api "$T_AUD" GET /v1/items/BWC-999999/custody
expect_error 404 not_found "GET /v1/items/BWC-999999/custody: 404"

# eight events at once: each gets its own seq, one chain
_pids=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o "$TMP/par$i.body" -w '%{http_code}\n' \
	    -H "Authorization: Bearer $T_CUST" \
	    -d "{\"action\":\"note\",\"note\":\"parallel $i\"}" \
	    "$URL/v1/items/$B/events" > "$TMP/par$i.st" 2> /dev/null &
	_pids="$_pids $!"
	echo "POST /v1/items/$B/events" >> "$TMP/sent"
	NREQ=$((NREQ + 1))
done
for _p in $_pids; do
	wait_pid "$_p" 20
done
expect_eq "$(cat "$TMP"/par?.st | sort | uniq -c | awk '{ printf "%s*%s ", $1, $2 }')" \
    "8*201 " "eight server-signed events at once: eight 201s"
expect_eq "$(cat "$TMP"/par?.body | sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')" \
    "$(i=0; while [ $i -lt 8 ]; do printf '%s ' $((EV_B + i)); i=$((i + 1)); done)" \
    "  seqs $EV_B to $((EV_B + 7)), each once"
EV_B=$((EV_B + 8))
api "$T_AUD" GET "/v1/items/$B/custody"
cp "$RB" "$TMP/custB.json"
_r=$(hpy chain "$TMP/custB.json" "$K/ing.pub" "$K/cust.pub" "$K/aud.pub" "$K/admin.pub" 2>&1)
expect_eq "$_r" "$EV_B events chain and verify" "  one chain of $EV_B events (checked here)"

# purge: the event, then the media (t-purge.sh), then only a note; first
# with a symbolic link at the path, which is not followed
EV_U=$(nevents "$U")
U_FILE=$ST_DIR/HTC_Desire.jpg
mv "$U_FILE" "$TMP/htc.jpg"
ln -s "$TMP/htc.jpg" "$U_FILE"
api "$T_CUST" POST "/v1/items/$U/events" -d '{"action":"purge","reason":"retention period over"}'
expect_error 409 media_kept "POST events purge on $U, a link at its path: 409 media_kept"
expect_grep "symbolic link.*purge is recorded" "$RB" "  says why, and that the purge is recorded"
check "  the link and its target stay" -- test -L "$U_FILE" -a -f "$TMP/htc.jpg"
expect_eq "$(nevents "$U")" "$((EV_U + 2))" "  $U: the purge and a note (media kept)"
rm -f "$U_FILE"
mv "$TMP/htc.jpg" "$U_FILE"
api "$T_CUST" POST "/v1/items/$U/events" -d '{"action":"purge","reason":"retention period over"}'
expect_status 200 "POST events purge on $U again, its file back: 200"
json_check "$RB" "d['item'] == '$U' and d['media'] == 'destroyed' and d['repeated'] is True and 'seq' not in d and d['note']['seq'] == $((EV_U + 2))" \
    "  {item, media destroyed, repeated, note at seq $((EV_U + 2))}"
check "  the file is gone" -- test ! -e "$U_FILE"
api "$T_CUST" POST "/v1/items/$U/events" -d '{"action":"purge","reason":"retention period over"}'
expect_status 200 "POST events purge on $U once more: 200"
json_check "$RB" "d['media'] == 'absent' and d['repeated'] is True and 'note' not in d" \
    "  media absent, nothing recorded"
api "$T_CUST" GET "/v1/items/$U/media"
expect_error 410 gone "GET /v1/items/$U/media after the purge: 410"
api "$T_CUST" POST "/v1/items/$U/events" -d '{"action":"access"}'
expect_error 409 rule "POST events access after the purge: 409 rule"
expect_eq "$(nevents "$U")" "$((EV_U + 3))" "  the 200, 410 and 409 recorded nothing more"
api "$T_CUST" POST "/v1/items/$U/events" -d '{"action":"note","note":"after the purge"}'
expect_status 201 "POST events note after the purge: 201"
api "$T_AUD" POST "/v1/items/$U/verify"
expect_status 200 "POST verify of the purged $U: 200"
json_check "$RB" "d['status'] == 'purged' and 'recorded' not in d" \
    "  status purged, nothing recorded"
expect_eq "$(nevents "$U")" "$((EV_U + 4))" "  $U: register, purge, note, note, note"

# a registered file that is no longer there
rm -f "$ST_DIR/gone.jpg"
EV_X=$(nevents "$X")
api "$T_CUST" GET "/v1/items/$X/media"
expect_error 410 gone "GET /v1/items/$X/media, its file deleted: 410"
expect_eq "$(nevents "$X")" "$EV_X" "  nothing recorded"

# ------------------------------------------- media: storage that changed
#
# Whoever may write into storage must not get the service to send anything
# but a regular file of the sealed size, found under storage without a
# symbolic link: each refusal is a 409 and records nothing.  A file whose
# status-change time is after its registration is hashed before it is sent:
# a same-size edit, even with its old modification time put back, is a 409;
# the right bytes under a new inode or mode are sent.

mkdir -p "$ST_DIR/cam9" "$OUTSIDE/cam9"
head -c 3000 /dev/urandom > "$ST_DIR/cam9/m.bin"
head -c 3000 /dev/urandom > "$OUTSIDE/cam9/m.bin"
# made before the registration, to be renamed over the file after it
head -c 3000 /dev/urandom > "$ST_DIR/cam9/early.bin"
sleep 1
regok cam9/m.bin '' "POST /v1/items cam9/m.bin: 201"
M=$REG_ID
api "$T_CUST" GET "/v1/items/$M/media"
expect_status 200 "GET /v1/items/$M/media: 200"
EV_M=$(nevents "$M")

# media_refused STATUS CODE DESC: a download of $M refused, nothing recorded
media_refused() {
	api "$T_CUST" GET "/v1/items/$M/media" --max-time 5
	expect_error "$1" "$2" "$3: $1 $2"
	expect_eq "$(nevents "$M")" "$EV_M" "  nothing recorded"
}
mv "$ST_DIR/cam9" "$ST_DIR/cam9.real"
ln -s "$OUTSIDE/cam9" "$ST_DIR/cam9"
media_refused 409 integrity "GET media, its directory a symlink out of storage"
rm "$ST_DIR/cam9"
ln -s cam9.real "$ST_DIR/cam9"
media_refused 409 integrity "GET media, its directory a symlink to the right one"
rm "$ST_DIR/cam9"
mv "$ST_DIR/cam9.real" "$ST_DIR/cam9"
mv "$ST_DIR/cam9/m.bin" "$ST_DIR/cam9/m.keep"
ln -s m.keep "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, the file a symlink to itself"
rm "$ST_DIR/cam9/m.bin"
mkfifo "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, a FIFO in its place (answered, not hung)"
# a server that opened the FIFO blocking would wait for a writer: free it
"$PYTHON" -c 'import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))
except OSError:
    pass' "$ST_DIR/cam9/m.bin"
rm "$ST_DIR/cam9/m.bin"
mkdir "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, a directory in its place"
rmdir "$ST_DIR/cam9/m.bin"
head -c 2999 "$ST_DIR/cam9/m.keep" > "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, one byte shorter"
cp "$OUTSIDE/cam9/m.bin" "$ST_DIR/cam9/m.bin"
touch -r "$ST_DIR/cam9/m.keep" "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, other bytes of the same size and mtime"
expect_grep 'does not hold the bytes sealed' "$RB" \
    "  the message says the bytes are not the ones sealed"
api "$T_AUD" POST "/v1/items/$M/verify"
json_check "$RB" "d['status'] == 'failed'" "  verify re-hashes it: failed"
EV_M=$((EV_M + 1))
mv "$ST_DIR/cam9/m.keep" "$ST_DIR/cam9/m.bin"
api "$T_CUST" GET "/v1/items/$M/media"
expect_status 200 "GET media, the sealed file moved back: 200"
check "  the bytes sent are the sealed ones" -- \
    test "$(sha256_of "$RB")" = "$(header X-Bodycam-SHA256)"
EV_M=$((EV_M + 1))
chmod 0600 "$ST_DIR/cam9/m.bin"
api "$T_CUST" GET "/v1/items/$M/media"
expect_status 200 "GET media, its mode changed: 200 (hashed, right)"
EV_M=$((EV_M + 1))
api "$T_CUST" GET "/v1/items/$M/media"
expect_status 200 "GET media again: 200"
EV_M=$((EV_M + 1))
# rewritten in place with other bytes after it was found right once
cp "$ST_DIR/cam9/m.bin" "$TMP/m.sealed"
cat "$OUTSIDE/cam9/m.bin" > "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, rewritten in place after a good download"
cat "$TMP/m.sealed" > "$ST_DIR/cam9/m.bin"
# a file older than the registration renamed over it: rename sets ctime
mv "$ST_DIR/cam9/m.bin" "$ST_DIR/cam9/m.good"
mv "$ST_DIR/cam9/early.bin" "$ST_DIR/cam9/m.bin"
media_refused 409 integrity "GET media, a file made before the registration renamed over it"
mv "$ST_DIR/cam9/m.good" "$ST_DIR/cam9/m.bin"

# a file registered outside storage (from the command line) is not served
head -c 1000 /dev/urandom > "$OUTSIDE/cli.bin"
expect_exit 0 "setup: register $OUTSIDE/cli.bin from the command line" -- \
    bc register "$OUTSIDE/cli.bin" --key "$K/ing.key"
_id=$(bc list --json 2> /dev/null > "$TMP/l.json"; jget "$TMP/l.json" 'd[-1]["id"]')
_ev=$(nevents "$_id")
api "$T_CUST" GET "/v1/items/$_id/media"
expect_error 409 not_in_storage "GET media of a file registered outside storage: 409 not_in_storage"
expect_eq "$(nevents "$_id")" "$_ev" "  nothing recorded"
ITEMS=$((ITEMS + 2))

# ------------------------------------------------ messages from requests
#
# An error message quotes what the request held: invalid UTF-8 and a cut
# in the middle of a character must still give a 4xx JSON answer.

for p in '/v1/items/%ff%fe' '/v1/items/%c3/custody' '/v1/items/a%00b'; do
	api "$T_CUST" GET "$p"
	expect_error 404 not_found "GET $p: 404"
done
for p in '/v1/items?%ff=1' '/v1/items?after=%ff%fe' "/v1/items/$A/custody?%e2%82=1"; do
	api "$T_CUST" GET "$p"
	expect_error 400 bad_request "GET $p: 400"
done
_a63=$(printf '%063d' 0 | tr 0 a)
api "$T_ING" POST /v1/items -d "{\"$_a63$(printf '\303\251')\":1}"
expect_error 400 bad_request "POST /v1/items with an unknown field cut inside a character: 400"
json_check "$RB" "d['error']['message'] == \"unknown field '$_a63...'\"" \
    "  the name cut before the character, and marked"
api "$T_CUST" POST "/v1/items/$A/events" -d "{\"action\":\"$(echo "$_a63" | cut -c1-31)$(printf '\342\202\254')\"}"
expect_error 400 bad_request "POST events with an action cut inside a character: 400"

# a token pasted into the path or the query: answered, never logged (the
# request log is checked below)
api "$T_CUST" GET "/v1/items/$T_CUST/media"
expect_error 404 not_found "GET /v1/items/<a token>/media: 404"
api - GET "/v1/$T_ADMIN"
expect_error 404 not_found "GET /v1/<a token> without a token: 404"
api "$T_CUST" GET "/v1/items/x$T_UPPER/custody"
expect_error 404 not_found "GET /v1/items/x<a token in capitals>/custody: 404"
api "$T_CUST" GET "/v1/items?case=$T_AUD"
expect_status 200 "GET /v1/items?case=<a token>: 200"

# --------------------------------------------- POST events, pre-signed
#
# Built here as the catalog builds its own events, signed with openssl by
# the caller's own key (cust.key, registered as custodian).

EV_P=$(nevents "$P")
custody_of() {
	# custody_of ITEM FILE: GET .../custody into FILE
	api "$T_CUST" GET "/v1/items/$1/custody"
	cp "$RB" "$2"
}
# ps_post TOKEN BODY-FILE [ITEM]: POST the pre-signed body to ITEM ($P)
ps_post() {
	api "$1" POST "/v1/items/${3:-$P}/events" --data-binary @"$2"
}
# sign_cust CUSTODY [NAME=VALUE...]: hpy sign with cust.key into
# $TMP/ps.json; prints the event's hash
sign_cust() {
	_c=$1
	shift
	hpy sign "$_c" "$K/cust.key" "$KID_cust" "$TMP/ps.json" "$@"
}
# ps_bad TOKEN STATUS CODE DESC SIGN-ARGS...: sign with SIGN-ARGS (KEY
# KEYID OUT NAME=VALUE..., or "cust" NAME=VALUE... for cust.key) against
# $TMP/custP.json, POST as TOKEN: refused with STATUS CODE, nothing recorded
ps_bad() {
	_tok=$1
	_st=$2
	_code=$3
	_d=$4
	shift 4
	if [ "$1" = cust ]; then
		shift
		sign_cust "$TMP/custP.json" "$@" > /dev/null
	else
		hpy sign "$TMP/custP.json" "$@" > /dev/null
	fi
	ps_post "$_tok" "$TMP/ps.json"
	expect_error "$_st" "$_code" "$_d: $_st $_code"
	expect_eq "$(nevents "$P")" "$EV_P" "  nothing recorded"
}

custody_of "$P" "$TMP/custP.json"
cp "$TMP/custP.json" "$TMP/custP.old.json"
_hash=$(sign_cust "$TMP/custP.json")
cp "$TMP/ps.json" "$TMP/ps.first.json"
ps_post "$T_CUST" "$TMP/ps.json"
expect_status 201 "POST events, an access event signed by cust.key: 201"
json_check "$RB" "d == {'item': '$P', 'seq': $EV_P, 'hash': '$_hash'}" \
    "  {item, seq: $EV_P, hash: SHA-256 of the canonical bytes signed}"
EV_P=$((EV_P + 1))
custody_of "$P" "$TMP/custP.json"
json_check "$TMP/custP.json" "d['next_seq'] == $EV_P and d['head'] == '$_hash' and d['events'][-1]['event'] == json.load(open('$TMP/ps.json'))['event'] and d['events'][-1]['sig'] == json.load(open('$TMP/ps.json'))['sig'] and d['events'][-1]['key'] == '$KID_cust'" \
    "  stored as sent: the event, the signature, the signer's key id"
expect_eq "$(last_event "$P")" "$((EV_P - 1)) access det.smith $KID_cust $_hash" \
    "  the CLI shows it: access by det.smith, cust's key, that hash"
_r=$(hpy chain "$TMP/custP.json" "$K/ing.pub" "$K/cust.pub" "$K/aud.pub" "$K/admin.pub" 2>&1)
expect_eq "$_r" "$EV_P events chain and verify" \
    "  the chain links, and every signature verifies (checked here)"

ps_post "$T_CUST" "$TMP/ps.first.json"
expect_error 409 stale "the same signed event again (a replay): 409 stale"
expect_eq "$(nevents "$P")" "$EV_P" "  nothing recorded"
sign_cust "$TMP/custP.old.json" "detail.note=built on the old head" > /dev/null
ps_post "$T_CUST" "$TMP/ps.json"
expect_error 409 stale "a new event built on the old head: 409 stale"
expect_eq "$(nevents "$P")" "$EV_P" "  nothing recorded"
_oldhead=$(jget "$TMP/custP.old.json" 'd["head"]')
ps_bad "$T_CUST" 409 stale "seq right, prev the old head" cust "prev=$_oldhead"
ps_bad "$T_CUST" 409 stale "prev right, seq one behind" cust "seq=$((EV_P - 1))"
ps_bad "$T_CUST" 409 stale "prev right, seq one ahead" cust "seq=$((EV_P + 1))"
# what became of the media is said by a purge, not by a signed note
ps_bad "$T_CUST" 409 rule "a note carrying details.media" cust action=note \
    detail.media=destroyed

# signatures and signers
ps_bad "$T_CUST" 400 signature "a bad signature (one bit flipped)" cust sig=flip
ps_bad "$T_CUST" 400 signature "signed by a key the catalog does not know" \
    "$K/stranger.key" "$KID_stranger" "$TMP/ps.json"
ps_bad "$T_CUST" 400 signature "signed by the ingest key (no custodian role)" \
    "$K/ing.key" "$KID_ing" "$TMP/ps.json"
ps_bad "$T_CUST" 400 signature "signed by cust.key, naming the auditor's key" \
    "$K/cust.key" "$KID_aud" "$TMP/ps.json"
ps_bad "$T_ING" 403 forbidden "a good event, posted with the ingest token" cust
ps_bad "$T_AUD" 403 forbidden "a good event, posted with the auditor token" cust
ps_bad "$T_CUST" 403 forbidden "a verify event, posted with the custodian token" \
    "$K/aud.key" "$KID_aud" "$TMP/ps.json" action=verify actor=auditor.ann \
    detail.outcome=passed
ps_bad "$T_CUST" 400 bad_request "a signature of 63 bytes" cust sig=short
ps_bad "$T_CUST" 400 bad_request "a signature of 65 bytes" cust sig=long
ps_bad "$T_CUST" 400 bad_request "a signature in non-canonical base64" cust sig=noncanon
ps_bad "$T_CUST" 400 bad_request "a signature with a line break" cust sig=newline

# the event itself
_otheritem=$(jget "$TMP/itemA.json" 'd["manifest_hash"]')
EV_A=$(nevents "$A")
ps_bad "$T_CUST" 409 rule "an event naming another item ($A)" cust "item=$_otheritem"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded on $A either"
ps_bad "$T_CUST" 409 rule "'at' a day in the future" cust at=+86400
expect_grep "ahead of now" "$RB" "  says it is ahead of now"
ps_bad "$T_CUST" 409 rule "'at' ten minutes ago (not now)" cust at=-600
expect_grep "not now" "$RB" "  says it is not now"
ps_bad "$T_CUST" 409 rule "an event naming another catalog's log" cust \
    "extra.log=elsewhere.example/bodycam"
expect_grep "another catalog" "$RB" "  says it was signed for another catalog"
ps_bad "$T_CUST" 409 rule "an unbound event (version 1, no log)" cust \
    drop=log version=1
expect_grep "unbound" "$RB" "  says it is unbound"
ps_bad "$T_CUST" 409 rule "'at' a microsecond before the previous event" cust \
    at=before-last
ps_bad "$T_CUST" 400 bad_request "'at' not an RFC 3339 UTC time stamp" cust \
    "at=2026-11-26 09:00:00"
ps_bad "$T_CUST" 409 rule "an extra member in the event" cust extra.comment=hi
ps_bad "$T_CUST" 409 rule "an extra member whose name the message cuts inside a character" \
    cust "extra.$(printf '%031d' 0 | tr 0 x)$(printf '\303\251')=hi"
ps_bad "$T_CUST" 409 rule "the wrong file SHA-256 in details" cust \
    "detail.sha256=$(sha256_of "$ST_DIR/Apple.jpg")"
ps_bad "$T_CUST" 400 bad_request "type bodycam.manifest" cust type=bodycam.manifest
ps_bad "$T_CUST" 400 bad_request "no key member" cust drop=key
# the actor the caller signs is held to the --actor rule
ps_bad "$T_CUST" 400 bad_request "an actor with U+202E (bidi override)" cust \
    "actor=det.$(printf '\342\200\256')htims"
expect_grep "actor contains a bidirectional-text control character \\(U\\+202E\\)" \
    "$RB" "  says which character"
ps_bad "$T_CUST" 400 bad_request "an actor with U+0085 (a C1 control)" cust \
    "actor=det.$(printf '\302\205')smith"
ps_bad "$T_CUST" 400 bad_request "an actor with ESC" cust \
    "actor=det.$(printf '\033')[31msmith"
ps_bad "$T_CUST" 400 bad_request "an actor with U+2069 (bidi isolate)" cust \
    "actor=det.smith$(printf '\342\201\251')"
ps_bad "$T_CUST" 400 bad_request "a note with U+202E" cust \
    "detail.note=x$(printf '\342\200\256')y"
ps_bad "$T_CUST" 400 bad_request "no seq member" cust drop=seq
ps_bad "$T_CUST" 400 bad_request "an unknown action" cust action=frobnicate
ps_bad "$T_CUST" 409 rule "a hold without a reason" cust action=hold
ps_bad "$T_CUST" 400 bad_request "an action 'derive'" cust action=derive detail.reason=r
ps_bad "$T_ING" 400 bad_request "an action 'register' (ingest key and token)" \
    "$K/ing.key" "$KID_ing" "$TMP/ps.json" action=register
ps_bad "$T_CUST" 400 bad_request "one more member beside event and sig" cust \
    wrap.colour=red
ps_bad "$T_CUST" 400 bad_request "'action' beside event and sig" cust \
    wrap.action=access
printf '{"event":%s}' "$(cat "$TMP/ps.json.canon")" > "$TMP/ps2.json"
ps_post "$T_CUST" "$TMP/ps2.json"
expect_error 400 bad_request "an event without sig: 400"
printf '{"event":%s,"sig":5}' "$(cat "$TMP/ps.json.canon")" > "$TMP/ps2.json"
ps_post "$T_CUST" "$TMP/ps2.json"
expect_error 400 bad_request "sig a number: 400"
printf '{"event":"%s","sig":"%s"}' "x" "$(jget "$TMP/ps.first.json" 'd["sig"]')" > "$TMP/ps2.json"
ps_post "$T_CUST" "$TMP/ps2.json"
expect_error 400 bad_request "event a string: 400"
expect_eq "$(nevents "$P")" "$EV_P" "after the refusals $P still has $EV_P events"

# a verify event signed by the auditor, sent unsorted and spaced out: the
# server canonicalises it, and the hash is that of the canonical bytes
_hash=$(hpy sign "$TMP/custP.json" "$K/aud.key" "$KID_aud" "$TMP/ps.json" \
    action=verify actor=auditor.ann detail.outcome=passed form=loose)
check "  (the body sent is not canonical: members reversed, spaced out)" -- \
    grep -q '^  "sig": ' "$TMP/ps.json"
ps_post "$T_AUD" "$TMP/ps.json"
expect_status 201 "a verify event signed by aud.key, members unsorted (auditor token): 201"
json_check "$RB" "d == {'item': '$P', 'seq': $EV_P, 'hash': '$_hash'}" \
    "  the hash of the canonical form"
EV_P=$((EV_P + 1))
expect_eq "$(last_event "$P")" "$((EV_P - 1)) verify auditor.ann $KID_aud $_hash" \
    "  recorded: verify by auditor.ann, aud's key"

# the contract: register, derive and release are not accepted here
custody_of "$P" "$TMP/custP.json"
ps_bad "$T_AUD" 400 bad_request \
    "a release event right after a passing verification (no bundle is made)" \
    "$K/aud.key" "$KID_aud" "$TMP/ps.json" action=release actor=auditor.ann \
    detail.to=DA detail.reason=court detail.authority=order

expect_exit 0 "verify $P after the pre-signed events: exit 0" -- bc verify "$P"

# six events signed on the same head, sent at once: one is recorded, the
# others are stale; the chain never forks
EV_P=$(nevents "$P")
custody_of "$P" "$TMP/custP.json"
_pids=""
for i in 1 2 3 4 5 6; do
		hpy sign "$TMP/custP.json" "$K/cust.key" "$KID_cust" "$TMP/race$i.json" \
	    action=note "detail.note=race $i" > /dev/null
done
for i in 1 2 3 4 5 6; do
	curl -s -o "$TMP/race$i.body" -w '%{http_code}\n' \
	    -H "Authorization: Bearer $T_CUST" --data-binary @"$TMP/race$i.json" \
	    "$URL/v1/items/$P/events" > "$TMP/race$i.st" 2> /dev/null &
	_pids="$_pids $!"
	echo "POST /v1/items/$P/events" >> "$TMP/sent"
	NREQ=$((NREQ + 1))
done
for _p in $_pids; do
	wait_pid "$_p" 20
done
expect_eq "$(cat "$TMP"/race?.st | sort | uniq -c | awk '{ printf "%s*%s ", $1, $2 }')" \
    "1*201 5*409 " "six events on one head at once: one 201, five 409"
expect_eq "$(cat "$TMP"/race?.body | grep -c '"code":"stale"')" 5 "  the 409s are 'stale'"
expect_eq "$(nevents "$P")" "$((EV_P + 1))" "  one event recorded"
expect_exit 0 "  verify $P: exit 0" -- bc verify "$P"

# ---------------------------------------------------------------- verify

EV_A=$(nevents "$A")
api "$T_AUD" POST "/v1/items/$A/verify"
expect_status 200 "POST /v1/items/$A/verify (auditor, no body): 200"
cp "$RB" "$TMP/verA.json"
json_check "$RB" "d['id'] == '$A' and d['ok'] is True and d['status'] == 'ok' and len(d['checks']) > 5 and all(c['ok'] is True and isinstance(c['name'], str) and isinstance(c['detail'], str) for c in d['checks'])" \
    "  ok true, status ok, every check ok with name and detail"
json_check "$RB" "{'file-hash', 'manifest-signature', 'event-signature'} <= set(c['name'] for c in d['checks'])" \
    "  the file, the manifest and the events were checked"
json_check "$RB" "sorted(d['recorded']) == ['hash', 'seq'] and d['recorded']['seq'] == $EV_A" \
    "  recorded: {seq: $EV_A, hash}"
expect_eq "$(last_event "$A")" "$EV_A verify auditor.ann $KID_aud $(jget "$RB" 'd["recorded"]["hash"]')" \
    "  the catalog holds it: verify by auditor.ann, aud's key"
expect_exit 0 "  custody log $A --json: exit 0" -- bc custody log "$A" --json
json_check "$OUT" "d['events'][-1]['event']['details']['outcome'] == 'passed' and d['events'][-1]['event']['details']['measured'] == '$(sha256_of "$ST_DIR/Apple.jpg")'" \
    "  outcome passed, the measured SHA-256"
expect_nogrep "$ST_DIR" "$TMP/verA.json" \
    "  the answer does not show where the file lies on the server"
EV_A=$((EV_A + 1))
api "$T_ADMIN" POST "/v1/items/$A/verify" -d '{}'
expect_status 200 "POST verify with {} (admin): 200"
EV_A=$((EV_A + 1))
api "$T_AUD" POST "/v1/items/$A/verify" -d '{"no_file":true}'
expect_status 200 "POST verify with {\"no_file\": true}: 200"
json_check "$RB" "d['ok'] is True and not any(c['name'].startswith('file-') for c in d['checks']) and d['recorded']['seq'] == $EV_A" \
    "  no file checks; recorded"
EV_A=$((EV_A + 1))
for b in '{"no_file":"yes"}' '{"files":false}' '[]' '{"no_file":true} 1' 'x'; do
	api "$T_AUD" POST "/v1/items/$A/verify" -d "$b"
	expect_error 400 bad_request "POST verify with $b: 400"
done
api "$T_AUD" POST /v1/items/BWC-999999/verify
expect_error 404 not_found "POST /v1/items/BWC-999999/verify: 404"
expect_eq "$(nevents "$A")" "$EV_A" "$A: one verify event per 200, none for the refusals"

# tampering: one byte appended to GPS.jpg
printf 'x' >> "$ST_DIR/GPS.jpg"
EV_G=$(nevents "$G")
api "$T_AUD" POST "/v1/items/$G/verify"
expect_status 200 "POST verify of $G after a byte was appended: 200"
json_check "$RB" "d['ok'] is False and d['status'] == 'failed' and [c['name'] for c in d['checks'] if not c['ok']] and all(c['ok'] for c in d['checks'] if not c['name'].startswith('file-')) and d['recorded']['seq'] == $EV_G" \
    "  ok false, status failed, only file checks fail, recorded"
expect_eq "$(last_event "$G" | cut -d' ' -f1-4)" "$EV_G verify auditor.ann $KID_aud" \
    "  a verify event by auditor.ann"
expect_exit 0 "  custody log $G --json: exit 0" -- bc custody log "$G" --json
json_check "$OUT" "d['events'][-1]['event']['details']['outcome'] == 'failed' and len(d['events'][-1]['event']['details']['failed']) > 0" \
    "  outcome failed, with the failing checks"
EV_G=$((EV_G + 1))
expect_exit 1 "bodycam verify $G: exit 1" -- bc verify "$G"
api "$T_CUST" GET "/v1/items/$G/media"
expect_error 409 integrity "GET /v1/items/$G/media, the file grew: 409 integrity"
expect_eq "$(nevents "$G")" "$EV_G" "  nothing recorded"

# ------------------------------------------------ proof and checkpoint

custody_of "$A" "$TMP/custA.json"
api "$T_ING" GET "/v1/items/$A/proof"
expect_status 200 "GET /v1/items/$A/proof (ingest): 200"
cp "$RB" "$TMP/proofA.json"
json_check "$RB" "sorted(d) == ['checkpoint', 'id', 'records'] and d['id'] == '$A' and len(d['records']) == 1 + $EV_A" \
    "  id, checkpoint, records: the manifest and $EV_A events"
_r=$(hpy proof "$TMP/proofA.json" "$TMP/itemA.json" "$TMP/custA.json" 2>&1)
expect_grep "^$((EV_A + 1)) records proven against root" "$(printf '%s\n' "$_r" > "$TMP/r"; echo "$TMP/r")" \
    "  every record's inclusion proof leads to the checkpoint root (RFC 9162, checked here)"
api "$T_ING" GET /v1/items/BWC-999999/proof
expect_error 404 not_found "GET /v1/items/BWC-999999/proof: 404"

api "$T_CUST" GET /v1/checkpoint
expect_status 200 "GET /v1/checkpoint (custodian): 200"
cp "$RB" "$TMP/cp.json"
json_check "$RB" "sorted(d) == ['cosignatures', 'created', 'key', 'note', 'root', 'root_base64', 'size', 'timestamps'] and d['timestamps'] == [] and d['cosignatures'] == 0 and d['key'] == '$KID_aud' and d['note'].split(chr(10))[2] == d['root_base64'] and __import__('base64').b64decode(d['root_base64']).hex() == d['root']" \
    "  note, size, root (hex), root_base64 (the note's third line), key, created, timestamps and cosignatures (none here); signed by the auditor key"
expect_exit 0 "  log export: exit 0" -- bc log export
cp "$OUT" "$TMP/export.jsonl"
_r=$(hpy logroot "$TMP/export.jsonl" "$TMP/cp.json" 2>&1)
expect_eq "$_r" "$(wc -l < "$TMP/export.jsonl" | tr -d ' ') leaves, root agrees" \
    "  its size covers the whole log and its root is the leaves' (checked here)"
_r=$(hpy cpsig "$TMP/cp.json" "$K/aud.pub" 2>&1)
expect_eq "$_r" "signed by $K/aud.pub" "  the note's signature verifies with aud.pub"
api "$T_CUST" GET /v1/checkpoint
json_check "$RB" "d == json.load(open('$TMP/cp.json'))" \
    "  again, with the log unchanged: the same checkpoint (none signed)"
api "$T_CUST" POST "/v1/items/$A/events" -d '{"action":"note","note":"grow the log"}'
EV_A=$((EV_A + 1))
api "$T_CUST" GET /v1/checkpoint
json_check "$RB" "d['size'] == json.load(open('$TMP/cp.json'))['size'] + 1" \
    "  after one more event: a new checkpoint, one leaf more"

# -------------------------------------------------------------- releases

EV_A=$(nevents "$A")
EV_B=$(nevents "$B")
api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\",\"$B\"],\"to\":\"DA office\",\"authority\":\"court order 17\",\"name\":\"rel-1\"}"
expect_status 201 "POST /v1/releases $A $B as rel-1 (auditor): 201"
json_check "$RB" "sorted(d) == ['bundle', 'checkpoint_size', 'items'] and d['bundle'] == 'releases/rel-1' and d['items'] == ['$A', '$B'] and isinstance(d['checkpoint_size'], int) and d['checkpoint_size'] > 0" \
    "  bundle releases/rel-1, the items, checkpoint_size"
check "  the bundle is in storage/releases/rel-1, with the media" -- \
    cmp "$ST_DIR/releases/rel-1/media/Apple.jpg" "$ST_DIR/Apple.jpg"
expect_exit 0 "  verify-bundle rel-1 --trust admin.pub: exit 0" -- \
    bc verify-bundle "$ST_DIR/releases/rel-1" --trust "$K/admin.pub"
expect_grep "integrity: ok +authentic: ok +trusted: ok" "$OUT" "  integrity, authenticity, trust ok"
expect_eq "$(nevents "$A") $(nevents "$B")" "$((EV_A + 2)) $((EV_B + 2))" \
    "  a verify and a release event on each item"
expect_eq "$(last_event "$A" | cut -d' ' -f1-4)" "$((EV_A + 1)) release auditor.ann $KID_aud" \
    "  the release by auditor.ann, aud's key"
EV_A=$((EV_A + 2))
EV_B=$((EV_B + 2))

api "$T_ADMIN" POST /v1/releases -d "{\"items\":[\"$V\"],\"to\":\"Press office\",\"authority\":\"FOI 3\",\"name\":\"rel-2_no.media\",\"media\":false}"
expect_status 201 "POST /v1/releases media false (admin): 201"
check "  the bundle is there" -- test -f "$ST_DIR/releases/rel-2_no.media/SHA256SUMS"
expect_eq "$(find "$ST_DIR/releases/rel-2_no.media" -path '*/media/*' | wc -l | tr -d ' ')" 0 \
    "  without media"
expect_exit 0 "  verify-bundle: exit 0" -- \
    bc verify-bundle "$ST_DIR/releases/rel-2_no.media" --trust "$K/admin.pub"

api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"rel-1\"}"
expect_error 409 exists "POST /v1/releases rel-1 again: 409 exists"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded"
for n in ../x .hidden a/b "" . .. "a b" "x$(printf '\303\251')" \
    nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn; do
	api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"$n\"}"
	expect_error 400 bad_request "POST /v1/releases name '$n': 400"
done
check "  no directory was made" -- test ! -e "$ST_DIR/x" -a \
    ! -e "$ST_DIR/releases/.hidden" -a ! -e "$ST_DIR/releases/a"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded"

api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\",\"$G\"],\"to\":\"DA\",\"authority\":\"order 18\",\"name\":\"rel-bad\"}"
expect_status 409 "POST /v1/releases with $G (fails verification): 409"
json_check "$RB" "d['error']['code'] == 'integrity' and d['error']['item'] == '$G' and '$G' in d['error']['message']" \
    "  code integrity, naming $G"
check "  no bundle" -- test ! -e "$ST_DIR/releases/rel-bad"
expect_eq "$(nevents "$A") $(nevents "$G")" "$EV_A $EV_G" "  nothing recorded on $A or $G"
expect_nogrep "$ST_DIR" "$RB" "  the answer does not show where files lie on the server"
api "$T_AUD" POST /v1/releases -d '{"items":["BWC-999999"],"to":"DA","authority":"o","name":"rel-none"}'
expect_error 404 not_found "POST /v1/releases of BWC-999999: 404"
check "  no bundle" -- test ! -e "$ST_DIR/releases/rel-none"
for b in "{\"items\":[],\"to\":\"x\",\"authority\":\"y\",\"name\":\"r\"}" \
    "{\"items\":[\"$A\"],\"authority\":\"y\",\"name\":\"r\"}" \
    "{\"items\":[\"$A\"],\"to\":\"x\",\"name\":\"r\"}" \
    "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\"}" \
    "{\"items\":\"$A\",\"to\":\"x\",\"authority\":\"y\",\"name\":\"r\"}" \
    "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"r\",\"media\":\"no\"}" \
    "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"r\",\"colour\":1}" \
    '' '[]'; do
	api "$T_AUD" POST /v1/releases -d "$b"
	expect_error 400 bad_request "POST /v1/releases $(echo "$b" | cut -c1-50): 400"
done
check "  no bundle" -- test ! -e "$ST_DIR/releases/r"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded"

# storage/releases turned into a symbolic link that leads out of storage
mkdir "$TMP/outside-releases"
mv "$ST_DIR/releases" "$ST_DIR/releases.real"
ln -s "$TMP/outside-releases" "$ST_DIR/releases"
api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"rel-out\"}"
expect_error 500 internal "POST /v1/releases with storage/releases a symlink out: 500"
expect_eq "$(find "$TMP/outside-releases" | wc -l | tr -d ' ')" 1 \
    "  nothing written where the link leads"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded"
rm "$ST_DIR/releases"
mv "$ST_DIR/releases.real" "$ST_DIR/releases"

# ------------------------------------------------------ release downloads
#
# GET /v1/releases/NAME: the bundle as one archive (pax tar; zip on
# request), unpacked with the standard tools and checked by verify-bundle
# as a recipient would; the auditor role as for POST; unknown and bad
# names 404; a bundle being written (NAME.tmpXXXXXX) never served; a
# symbolic link, a FIFO or a link in the bundle's place refused, not
# followed; and a 64 MiB bundle sent with the server's peak RSS growing
# by far less than the file.

DL=$TMP/dl
mkdir -p "$DL/tar" "$DL/zip" "$DL/tamper"
api "$T_AUD" GET /v1/releases/rel-1
expect_status 200 "GET /v1/releases/rel-1 (auditor): 200"
expect_eq "$(header Content-Type)" application/x-tar "  Content-Type: application/x-tar"
expect_eq "$(header Content-Disposition)" 'attachment; filename="rel-1.tar"' \
    "  Content-Disposition: attachment; filename=\"rel-1.tar\""
cp "$RB" "$DL/rel-1.tar"
expect_exit 0 "  tar -tf lists it: exit 0" -- tar -tf "$DL/rel-1.tar"
expect_nogrep '^([^r]|r[^e]|re[^l]|rel[^-]|rel-[^1]|rel-1[^/])' "$OUT" \
    "  every member is under rel-1/"
expect_grep '^rel-1/media/Apple\.jpg$' "$OUT" "  rel-1/media/Apple.jpg is a member"
expect_exit 0 "  tar -xf: exit 0" -- tar -xf "$DL/rel-1.tar" -C "$DL/tar"
check "  the unpacked bundle is the one in storage, file for file" -- \
    diff -r "$DL/tar/rel-1" "$ST_DIR/releases/rel-1"
expect_eq "$(find "$DL/tar/rel-1" ! -type f ! -type d | wc -l | tr -d ' ')" 0 \
    "  regular files and directories only"
expect_exit 0 "  verify-bundle on the unpacked bundle --trust admin.pub: exit 0" -- \
    bc verify-bundle "$DL/tar/rel-1" --trust "$K/admin.pub"
expect_grep "integrity: ok +authentic: ok +trusted: ok" "$OUT" \
    "  integrity, authenticity, trust ok"
cp -R "$DL/tar/rel-1" "$DL/tamper/rel-1"
flip_byte "$DL/tamper/rel-1/media/Apple.jpg" 200
expect_exit 1 "  one byte of the unpacked media changed: verify-bundle exit 1" -- \
    bc verify-bundle "$DL/tamper/rel-1" --trust "$K/admin.pub"
expect_nogrep "integrity: ok" "$OUT" "  integrity is not ok"
expect_eq "$(nevents "$A")" "$EV_A" "  the download recorded no event (the release did)"

api "$T_ADMIN" GET "/v1/releases/rel-2_no.media?format=zip"
expect_status 200 "GET /v1/releases/rel-2_no.media?format=zip (admin): 200"
expect_eq "$(header Content-Type)" application/zip "  Content-Type: application/zip"
expect_eq "$(header Content-Disposition)" 'attachment; filename="rel-2_no.media.zip"' \
    "  Content-Disposition: attachment; filename=\"rel-2_no.media.zip\""
check "  python's zipfile unpacks it" -- "$PYTHON" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert all(n.startswith("rel-2_no.media/") for n in z.namelist())
z.extractall(sys.argv[2])' "$RB" "$DL/zip"
check "  the unpacked bundle is the one in storage" -- \
    diff -r "$DL/zip/rel-2_no.media" "$ST_DIR/releases/rel-2_no.media"
expect_exit 0 "  verify-bundle on it: exit 0" -- \
    bc verify-bundle "$DL/zip/rel-2_no.media" --trust "$K/admin.pub"
api "$T_AUD" GET "/v1/releases/rel-1?format=tar"
expect_eq "$ST $(header Content-Type)" "200 application/x-tar" \
    "GET ...?format=tar: 200, a tar"
api "$T_AUD" GET "/v1/releases/rel-1?format=7z"
expect_error 400 bad_request "GET ...?format=7z: 400"
api "$T_AUD" GET "/v1/releases/rel-1?colour=red"
expect_error 400 bad_request "GET ...?colour=red: 400"

api "$T_CUST" GET /v1/releases/rel-1
expect_error 403 forbidden "GET /v1/releases/rel-1 with the custodian token: 403"
expect_grep "auditor" "$RB" "  says the auditor role is needed"
api "$T_ING" GET /v1/releases/rel-1
expect_error 403 forbidden "GET /v1/releases/rel-1 with the ingest token: 403"
api - GET /v1/releases/rel-1
expect_error 401 unauthorized "GET /v1/releases/rel-1 without a token: 401"

api "$T_AUD" GET /v1/releases/rel-none
expect_error 404 not_found "GET /v1/releases/rel-none (no such release): 404"
for n in .. ../x ../../etc/passwd .hidden a/b "a%20b" ..%2fx \
    nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn; do
	api "$T_AUD" GET "/v1/releases/$n" --path-as-is
	expect_error 404 not_found "GET /v1/releases/$n: 404"
done
# a bundle being written is NAME.tmpXXXXXX, renamed NAME when whole
cp -R "$ST_DIR/releases/rel-1" "$ST_DIR/releases/rel-9.tmpAb12Cd"
api "$T_AUD" GET /v1/releases/rel-9.tmpAb12Cd
expect_error 404 not_found "GET a bundle still being written (rel-9.tmpAb12Cd): 404"
api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"rel-3.tmpXy34Zw\"}"
expect_error 400 bad_request "POST /v1/releases named like one being written (rel-3.tmpXy34Zw): 400"
expect_eq "$(nevents "$A")" "$EV_A" "  nothing recorded"

# whoever may write into storage must not get other files sent
echo "not for release" > "$OUTSIDE/secret.txt"
cp -R "$ST_DIR/releases/rel-1" "$ST_DIR/releases/rel-link"
ln -s "$OUTSIDE/secret.txt" "$ST_DIR/releases/rel-link/media/extra.jpg"
api "$T_AUD" GET /v1/releases/rel-link -m 20
expect_error 409 integrity "a symbolic link planted in a bundle: 409 integrity"
expect_grep "media/extra\.jpg is a symbolic link" "$RB" "  naming it"
expect_nogrep "not for release" "$RB" "  the link is not followed"
rm "$ST_DIR/releases/rel-link/media/extra.jpg"
ln -s ../SHA256SUMS "$ST_DIR/releases/rel-link/items/link-back"
api "$T_AUD" GET /v1/releases/rel-link -m 20
expect_error 409 integrity "a symbolic link back into the bundle, one level down: 409"
rm "$ST_DIR/releases/rel-link/items/link-back"
mkfifo "$ST_DIR/releases/rel-link/fifo"
api "$T_AUD" GET /v1/releases/rel-link -m 20
expect_error 409 integrity "a FIFO in a bundle: 409 integrity (and no hang)"
rm "$ST_DIR/releases/rel-link/fifo"
api "$T_AUD" GET /v1/releases/rel-link -m 20
expect_status 200 "  the same bundle without them: 200"
mkdir "$TMP/outside-bundle"
echo "not for release" > "$TMP/outside-bundle/SHA256SUMS"
ln -s "$TMP/outside-bundle" "$ST_DIR/releases/rel-out"
ln -s rel-1 "$ST_DIR/releases/rel-alias"
for n in rel-out rel-alias; do
	api "$T_AUD" GET "/v1/releases/$n" -m 20
	expect_error 409 integrity "the bundle $n a symbolic link: 409 integrity"
done
rm "$ST_DIR/releases/rel-out" "$ST_DIR/releases/rel-alias"
mv "$ST_DIR/releases" "$ST_DIR/releases.real"
ln -s "$ST_DIR/releases.real" "$ST_DIR/releases"
api "$T_AUD" GET /v1/releases/rel-1 -m 20
expect_error 409 integrity "storage/releases a symbolic link (back into storage): 409"
rm "$ST_DIR/releases"
mv "$ST_DIR/releases.real" "$ST_DIR/releases"

# 64 MiB of media: the server's peak RSS (VmHWM, reset through
# clear_refs just before) must grow by much less than the bundle
head -c 67108864 /dev/urandom > "$ST_DIR/big64.bin"
regok big64.bin '' "POST /v1/items big64.bin (64 MiB): 201"
B64=$REG_ID
ITEMS=$((ITEMS + 1))
api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$B64\"],\"to\":\"DA\",\"authority\":\"order 19\",\"name\":\"rel-big\"}"
expect_status 201 "POST /v1/releases rel-big (64 MiB): 201"
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$MAIN_PID/status"
}
_hwm0=""
if echo 5 > "/proc/$MAIN_PID/clear_refs" 2> /dev/null; then
	_hwm0=$(hwm)
fi
api "$T_AUD" GET /v1/releases/rel-big
expect_status 200 "GET /v1/releases/rel-big: 200"
_hwm1=$(hwm)
expect_exit 0 "  tar -xf: exit 0" -- tar -xf "$RB" -C "$DL/tar"
check "  the media unpacked are the file registered" -- \
    cmp "$DL/tar/rel-big/media/big64.bin" "$ST_DIR/big64.bin"
expect_exit 0 "  verify-bundle: exit 0" -- \
    bc verify-bundle "$DL/tar/rel-big" --trust "$K/admin.pub"
if [ -n "$_hwm0" ] && [ -n "$_hwm1" ]; then
	echo "# server VmHWM: $_hwm0 kB before, $_hwm1 kB after sending 65536 kB"
	check "  the server's peak RSS grew by less than 16 MiB ($((_hwm1 - _hwm0)) kB)" -- \
	    test $((_hwm1 - _hwm0)) -lt 16384
else
	echo "# skip: the server's peak RSS (no /proc/PID/clear_refs)"
fi

# a name in UTF-8 is written as UTF-8 (no pax hdrcharset=BINARY, which
# GNU tar warns of); the route sends any directory of files, valid
# bundle or not
mkdir "$ST_DIR/releases/rel-utf"
echo hi > "$ST_DIR/releases/rel-utf/caf$(printf '\303\251').txt"
api "$T_AUD" GET /v1/releases/rel-utf
expect_status 200 "GET /v1/releases/rel-utf (a file named café.txt): 200"
expect_exit 0 "  tar -tf: exit 0" -- tar --quoting-style=literal -tf "$RB"
expect_eq "$(sed -n 2p "$OUT")" "rel-utf/caf$(printf '\303\251').txt" "  the name in UTF-8"
expect_empty "$ERR" "  tar has nothing to say"

# a file cut short while it is sent: the answer ends without its last
# chunk (the client sees an error), and the log says why
cp -R "$ST_DIR/releases/rel-big" "$ST_DIR/releases/rel-cut"
rm -f "$TMP/cut.mark" "$TMP/cut.go"
hpy slow "$MAIN_PORT" "$T_AUD" /v1/releases/rel-cut "$TMP/cut.out" \
    "$TMP/cut.mark" "$TMP/cut.go" > /dev/null 2>&1 &
_cut=$!
SERVERS="$SERVERS $_cut"
NREQ=$((NREQ + 1))
echo "GET /v1/releases/rel-cut" >> "$TMP/sent"
_i=0
while [ $_i -lt 100 ] && [ ! -s "$TMP/cut.mark" ]; do
	sleep 0.1
	_i=$((_i + 1))
done
check "a download of rel-cut (64 MiB) has started and is read slowly" -- \
    test -s "$TMP/cut.mark"
truncate_file "$ST_DIR/releases/rel-cut/media/big64.bin" 1000
touch "$TMP/cut.go"
wait_pid "$_cut" 30
expect_grep '^HTTP/1\.1 200 ' "$TMP/cut.out.head" "  status 200 (sent before)"
check "  the body is shorter than the bundle" -- \
    test "$(size_of "$TMP/cut.out")" -lt 67108864
check "  and has no last chunk (0 CRLF CRLF)" -- \
    "$PYTHON" -c 'import sys
sys.exit(open(sys.argv[1], "rb").read().endswith(b"\r\n0\r\n\r\n"))' "$TMP/cut.out"
expect_grep " - release rel-cut: the download was cut short: media/big64\.bin: shorter than when it was opened$" \
    "$MAIN_LOG" "  the log says why"
rm -rf "$ST_DIR/releases/rel-cut" "$ST_DIR/releases/rel-utf"
rm -rf "$DL"

# ---------------------------------------------------------- 404 and 405

for p in / /v1 /v1/ /v1/nothing /v2/items /v1/items/ "/v1/items/$A/" \
    "/v1/items/$A/nothing" "/v1/items/$A/custody/extra" /v1/healthz/x \
    /V1/ITEMS; do
	api "$T_ADMIN" GET "$p"
	expect_error 404 not_found "GET $p: 404"
done
api - GET /v1/nothing
expect_error 404 not_found "GET /v1/nothing without a token: 404"
for mp in "POST /v1/healthz" "DELETE /v1/items/$A" "PUT /v1/items" \
    "GET /v1/releases" "GET /v1/items/$A/events" "POST /v1/checkpoint" \
    "PATCH /v1/items/$A/media" "DELETE /v1/items/$A/custody" \
    "GET /v1/items/$A/verify" "POST /v1/items/$A/proof"; do
	api "$T_ADMIN" "${mp%% *}" "${mp#* }"
	expect_error 405 method_not_allowed "$mp: 405"
done
expect_eq "$(nevents "$A")" "$EV_A" "the 404s and 405s recorded nothing on $A"

# ------------------------------------------------------ other key sets

# one admin key signs everything
if start_server admin --storage "$ST_DIR" --key "$K/admin.key" --threads 2; then
	pass "a server with only the admin key is up"
	URL=http://127.0.0.1:$PORT
	api "$T_ING" POST /v1/items -d '{"path":"admin-only.mov"}'
	expect_status 201 "  POST /v1/items: 201"
	_id=$(jget "$RB" 'd["id"]')
	expect_eq "$(last_event "$_id" | cut -d' ' -f2-4)" "register dock-7 $KID_admin" \
	    "  the registration is signed by the admin key"
	api "$T_CUST" GET "/v1/items/$_id/media"
	expect_status 200 "  GET media: 200"
	expect_eq "$(last_event "$_id" | cut -d' ' -f2-4)" "access det.smith $KID_admin" \
	    "  the access event is signed by the admin key"
	api "$T_AUD" POST "/v1/items/$_id/verify"
	expect_eq "$ST $(last_event "$_id" | cut -d' ' -f2-4)" "200 verify auditor.ann $KID_admin" \
	    "  POST verify: 200, the verify event signed by the admin key"
	api "$T_AUD" GET /v1/checkpoint
	json_check "$RB" "d['key'] == '$KID_admin'" "  a fresh checkpoint signed by the admin key"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with only the admin key is up"
fi

# the first key holding a role signs for it: cust before admin
if start_server order --storage "$ST_DIR" --key "$K/cust.key" \
    --key "$K/admin.key" --threads 2; then
	pass "a server with --key cust.key --key admin.key is up"
	URL=http://127.0.0.1:$PORT
	api "$T_ING" POST /v1/items -d '{"path":"order.avi"}'
	_id=$(jget "$RB" 'd["id"]')
	expect_eq "$ST $(last_event "$_id" | cut -d' ' -f2-4)" "201 register dock-7 $KID_admin" \
	    "  registrations: admin (cust holds no ingest role)"
	api "$T_CUST" POST "/v1/items/$_id/events" -d '{"action":"access"}'
	expect_eq "$ST $(last_event "$_id" | cut -d' ' -f2-4)" "201 access det.smith $KID_cust" \
	    "  custody events: cust, the first key holding the role"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with --key cust.key --key admin.key is up"
fi

# no key for a role: 503
if start_server custonly --storage "$ST_DIR" --key "$K/cust.key" --threads 2; then
	pass "a server with only the custodian key is up"
	URL=http://127.0.0.1:$PORT
	api "$T_ING" POST /v1/items -d '{"path":"spare.mkv"}'
	expect_error 503 unavailable "  POST /v1/items (no ingest key): 503"
	api "$T_AUD" POST "/v1/items/$A/verify"
	expect_error 503 unavailable "  POST verify (no auditor key): 503"
	api "$T_AUD" POST /v1/releases -d "{\"items\":[\"$A\"],\"to\":\"x\",\"authority\":\"y\",\"name\":\"nokey\"}"
	expect_error 503 unavailable "  POST /v1/releases (no auditor key): 503"
	check "  no bundle" -- test ! -e "$ST_DIR/releases/nokey"
	expect_eq "$(nitems)" "$((ITEMS + 2))" "  nothing registered"
	api "$T_CUST" POST "/v1/items/$A/events" -d '{"action":"note","note":"custonly"}'
	expect_eq "$ST $(last_event "$A" | cut -d' ' -f2-4)" "201 note det.smith $KID_cust" \
	    "  a custody event: 201, signed by cust"
	EV_A=$((EV_A + 1))
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with only the custodian key is up"
fi

# the service's own key revoked while it runs: a state conflict, 409 (503
# is for a service started without a key for the role)
keygen_all cust2 2> /dev/null
expect_exit 0 "setup: key add cust2 as custodian" -- bc key add "$K/cust2.pub" \
    --name cust2 --role custodian --key "$K/admin.key"
if start_server revoked --storage "$ST_DIR" --key "$K/cust2.key" --threads 2; then
	pass "a server with only the cust2 key is up"
	URL=http://127.0.0.1:$PORT
	api "$T_CUST" POST "/v1/items/$A/events" -d '{"action":"note","note":"cust2"}'
	expect_status 201 "  POST events note: 201"
	EV_A=$((EV_A + 1))
	expect_exit 0 "  key revoke cust2 while the server runs: exit 0" -- \
	    bc key revoke "$(cat "$TMP/kid.cust2")" --reason "station stolen" \
	    --key "$K/admin.key"
	_evs="$(nevents "$A") $(nevents "$V")"
	api "$T_CUST" POST "/v1/items/$A/events" -d '{"action":"note","note":"cust2 revoked"}'
	expect_error 409 rule "  POST events note with the station key revoked: 409 rule"
	expect_grep "revo(ked|cation)" "$RB" "  the message says the key is revoked"
	api "$T_CUST" GET "/v1/items/$V/media"
	expect_error 409 rule "  GET media with the station key revoked: 409 rule"
	expect_eq "$(nevents "$A") $(nevents "$V")" "$_evs" "  nothing recorded"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with only the cust2 key is up"
fi
# bodycam(1)'s serve section as text, bold (\fB...\fR) as `...` as in the
# markdown of docs/HTTP-API.md
{ sed -n '/^\.SS "serve /,/^\.S[SH] /p' bodycam.1 |
    sed 's/\\-/-/g; s/\\f[BI]\([^\\]*\)\\f[RP]/`\1`/g; s/\\f[BIRP]//g; s/\\&//g'
  cat docs/HTTP-API.md; } | tr '\n' ' ' > "$TMP/readme-serve"
expect_grep "revoked while (it|the service) runs[^.]*409 \`rule\`" "$TMP/readme-serve" \
    "docs (serve, HTTP API) say a station key revoked while the service runs is a 409 rule"
expect_nogrep "503 \`unavailable\` \([^)]*revoked" "$TMP/readme-serve" \
    "  and not that it is a 503"

# ------------------------------------------------------------------- TLS

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=localhost -keyout "$K/tls.key" -out "$K/tls.crt" > /dev/null 2>&1
chmod 600 "$K/tls.key"
check "setup: a self-signed certificate for localhost" -- test -s "$K/tls.crt"
if start_server tls --storage "$ST_DIR" --key "$K/admin.key" --threads 2 \
    --tls-cert "$K/tls.crt" --tls-key "$K/tls.key"; then
	pass "a TLS server is up"
	expect_grep " - serving https on 127\.0\.0\.1:$PORT " "$SLOG" \
	    "  its log says https"
	URL=https://localhost:$PORT
	api - GET /v1/healthz --cacert "$K/tls.crt" --resolve "localhost:$PORT:127.0.0.1"
	expect_status 200 "  GET https://localhost:$PORT/v1/healthz --cacert tls.crt: 200"
	api "$T_AUD" GET "/v1/items/$A" --cacert "$K/tls.crt" \
	    --resolve "localhost:$PORT:127.0.0.1"
	expect_status 200 "  GET /v1/items/$A over TLS with a token: 200"
	json_check "$RB" "d['id'] == '$A'" "  the item"
	api "$T_AUD" GET "/v1/items/$A" --resolve "localhost:$PORT:127.0.0.1"
	expect_eq "$ST $CURL_RC" "000 60" \
	    "  without --cacert curl refuses the certificate (exit 60)"
	URL=http://127.0.0.1:$PORT
	api - GET /v1/healthz
	case $CURL_RC in
	52 | 56) _r=ok ;;
	*) _r="curl exit $CURL_RC" ;;
	esac
	expect_eq "$ST $_r" "000 ok" \
	    "  plain http to the TLS port: connected, but no HTTP answer (curl exit 52/56)"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a TLS server is up"
fi
chmod 644 "$K/tls.key"
serve_try 2 "a TLS key that others may read (0644): exit 2" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 --tls-cert "$K/tls.crt" \
    --tls-key "$K/tls.key"
expect_grep "chmod 600" "$ERR" "  says to chmod 600 it"
chmod 600 "$K/tls.key"
echo "not a certificate" > "$K/bad.crt"
serve_try 1,2,3 "a certificate that is not PEM: refused" --storage "$ST_DIR" \
    --key "$K/admin.key" --listen 127.0.0.1:0 --tls-cert "$K/bad.crt" \
    --tls-key "$K/tls.key"

# ---------------------------------------------------------------- limits

if start_server limits --storage "$ST_DIR" --key "$K/admin.key" \
    --max-connections 2; then
	pass "a server with --max-connections 2 is up"
	hpy maxconn "$PORT" > "$TMP/maxconn.out" 2>&1
	expect_grep '^third-while-full (none|closed)$' "$TMP/maxconn.out" \
	    "  two idle connections held: a third is not served"
	expect_grep '^held-one 200$' "$TMP/maxconn.out" \
	    "  one of the two held connections is served"
	expect_grep '^after-close 200$' "$TMP/maxconn.out" \
	    "  once one is closed, a connection is served again"
	if grep -q '^third-queued yes' "$TMP/maxconn.out"; then
		echo "# note: the third connection was kept waiting (not accepted), not refused"
	fi
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with --max-connections 2 is up"
fi
if start_server timeout --storage "$ST_DIR" --key "$K/admin.key" --timeout 1; then
	pass "a server with --timeout 1 is up"
	hpy idle "$PORT" > "$TMP/idle.out" 2>&1
	expect_grep '^idle-closed (0\.[5-9]|1\.|2\.)[0-9]* eof$' "$TMP/idle.out" \
	    "  an idle connection is closed by the server after 0.5-3 s"
	expect_grep '^keepalive-closed (0\.[5-9]|1\.|2\.)[0-9]* 200 eof$' "$TMP/idle.out" \
	    "  a keep-alive connection idle after a request: closed after 0.5-3 s"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with --timeout 1 is up"
fi

# slow clients: MHD's idle timeout starts again with each byte; the
# headers and the body each have a deadline of their own
if start_server slowc --storage "$ST_DIR" --key "$K/admin.key" --threads 2 \
    --header-timeout 1 --body-timeout 2; then
	pass "a server with --header-timeout 1 --body-timeout 2 is up"
	_n=$(nitems)
	_r=$(hpy trickle "$PORT" head 2>&1)
	case $_r in
	"closed "0.[89]* | "closed "1.* | "closed "2.*) _ok=yes ;;
	*) _ok="$_r" ;;
	esac
	expect_eq "$_ok" yes "  headers sent a byte every 0.2 s: closed after 1-3 s"
	_r=$(hpy trickle "$PORT" body "$T_ING" 2>&1)
	case $_r in
	"closed "1.[89]* | "closed "2.* | "closed "3.*) _ok=yes ;;
	*) _ok="$_r" ;;
	esac
	expect_eq "$_ok" yes "  a body sent a byte every 0.2 s: closed after 2-4 s"
	expect_grep "Z dock-7 POST /v1/items 408 " "$SLOG" "  logged as 408"
	URL=http://127.0.0.1:$PORT
	api - GET /v1/healthz
	expect_status 200 "  a request sent at once is answered"
	expect_eq "$(nitems)" "$_n" "  nothing registered"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with --header-timeout 1 --body-timeout 2 is up"
fi
if start_server perip --storage "$ST_DIR" --key "$K/admin.key" --threads 2 \
    --max-connections-per-ip 3; then
	pass "a server with --max-connections-per-ip 3 is up"
	hpy perip "$PORT" 3 > "$TMP/perip.out" 2>&1
	expect_grep '^one-more closed$' "$TMP/perip.out" \
	    "  three connections held from 127.0.0.1: a fourth is closed unanswered"
	expect_grep '^held-one 200$' "$TMP/perip.out" "  a held one is served"
	expect_grep '^after-close 200$' "$TMP/perip.out" \
	    "  once one is closed, a new one is served"
	stop_server "$SPID" "  SIGTERM: exit 0"
else
	fail "a server with --max-connections-per-ip 3 is up"
fi
for o in "--header-timeout 0" "--body-timeout x" "--max-connections-per-ip 0" \
    "--max-connections-per-ip 65537"; do
	# shellcheck disable=SC2086 # the option and its value
	serve_try 2 "serve $o: exit 2" --storage "$ST_DIR" --key "$K/admin.key" \
	    --listen 127.0.0.1:0 $o
done

# ------------------------------------------------------- POST relocate

URL=$MAIN_URL
ST_REAL=$(cd "$ST_DIR" && pwd -P)
mkdir -p "$ST_DIR/archive"
# content of its own (every test file is registered by now)
seq 1 2000 | sed 's/^/relocated line /' > "$ST_DIR/reloc.jpg"
cp "$DATA/stills/Canon.jpg" "$ST_DIR/archive/other.jpg"
regok reloc.jpg '' "POST /v1/items reloc.jpg: 201"
R=$REG_ID
EV_R=$(nevents "$R")
mv "$ST_DIR/reloc.jpg" "$ST_DIR/archive/r2.jpg"
api "$T_CUST" GET "/v1/items/$R/media"
expect_error 410 gone "GET media of $R, moved away: 410"
EV_R=$(nevents "$R")
api "$T_CUST" POST "/v1/items/$R/events" -d '{"action":"relocate"}'
expect_error 400 bad_request "POST relocate without a path: 400"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"note","note":"n","path":"archive/r2.jpg"}'
expect_error 400 bad_request "POST note with a path: 400"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"../outside/r2.jpg"}'
expect_error 400 bad_request "POST relocate to ../: 400"
cp "$ST_DIR/archive/r2.jpg" "$OUTSIDE/r2.jpg"
ln -s "$OUTSIDE/r2.jpg" "$ST_DIR/archive/link.jpg"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"archive/link.jpg"}'
expect_error 400 bad_request "POST relocate through a link out of storage: 400"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d "{\"action\":\"relocate\",\"path\":\"$ST_REAL/archive/r2.jpg\"}"
expect_error 400 bad_request "POST relocate to an absolute path: 400"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"archive/other.jpg"}'
expect_error 409 integrity "POST relocate to other content: 409 integrity"
api "$T_ING" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"archive/r2.jpg"}'
expect_error 403 forbidden "POST relocate with the ingest token: 403"
_sig=$(printf '%086d==' 0 | tr 0 A)
api "$T_CUST" POST "/v1/items/$R/events" \
    -d "{\"event\":{\"action\":\"relocate\"},\"sig\":\"$_sig\"}"
expect_error 400 bad_request "POST a pre-signed relocate: 400"
expect_grep "re-hashes" "$RB" "  says the server must re-hash the file"
expect_eq "$(nevents "$R")" "$EV_R" "  the refused relocations recorded nothing"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"archive/r2.jpg","reason":"moved"}'
expect_status 201 "POST relocate to archive/r2.jpg: 201"
json_check "$RB" "d == {'item': '$R', 'seq': $EV_R, 'hash': d['hash'], 'path': 'archive/r2.jpg'} and len(d['hash']) == 64" \
    "  {item, seq, hash, path}"
expect_exit 0 "  custody log $R --json: exit 0" -- bc custody log "$R" --json
json_check "$OUT" "d['events'][-1]['event']['action'] == 'relocate' and d['events'][-1]['event']['details']['path'] == '$ST_REAL/archive/r2.jpg' and d['events'][-1]['event']['details']['from'] == '$ST_REAL/reloc.jpg' and d['events'][-1]['event']['actor'] == 'det.smith'" \
    "  the event: the absolute new place, the old one, the token's name"
expect_exit 0 "  verify $R: exit 0" -- bc verify "$R"
api "$T_CUST" GET "/v1/items/$R/media"
expect_status 200 "GET media of $R at its new place: 200"
check "  the body is the file at the new place" -- \
    cmp "$RB" "$ST_DIR/archive/r2.jpg"
api "$T_CUST" POST "/v1/items/$R/events" \
    -d '{"action":"relocate","path":"archive/r2.jpg"}'
expect_error 409 rule "POST relocate to where it is: 409 rule"

# ------------------------------------------------------- the request log

URL=$MAIN_URL
LOGRE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z [^ ]+ (GET|POST|PUT|DELETE|PATCH) /[^ ]* [0-9]{3} [0-9]+\.[0-9]{3}ms$'
# the server's own lines: "TIME - serving ...", "- SIGTERM: ...", ...
SRVRE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z - ([a-z]|SIGTERM: |SIGINT: )'
grep -E "$LOGRE" "$MAIN_LOG" > "$TMP/reqlines"
grep -v -E "$LOGRE" "$MAIN_LOG" | grep -v -E "$SRVRE" > "$TMP/badlines"
expect_empty "$TMP/badlines" \
    "every line of the log is a request line (TIME CALLER METHOD PATH STATUS DURATION) or the server's"
expect_grep "Z dock-7 POST /v1/items 201 [0-9.]+ms\$" "$MAIN_LOG" \
    "  'dock-7 POST /v1/items 201'"
expect_grep "Z - GET /v1/items 401 [0-9.]+ms\$" "$MAIN_LOG" \
    "  '- GET /v1/items 401' (no valid token: '-')"
expect_grep "Z - GET /v1/healthz 200 " "$MAIN_LOG" "  '- GET /v1/healthz 200'"
expect_grep "Z det.smith GET /v1/items/$V/media 206 " "$MAIN_LOG" \
    "  'det.smith GET /v1/items/$V/media 206'"
expect_grep "Z auditor.ann POST /v1/items/$A/verify 200 " "$MAIN_LOG" \
    "  'auditor.ann POST /v1/items/$A/verify 200'"
expect_grep "Z rita GET /v1/items/$A/media 200 " "$MAIN_LOG" \
    "  'rita GET ... 200' before the revocation"
expect_grep "Z - DELETE /v1/items/$A 405 " "$MAIN_LOG" \
    "  '- DELETE /v1/items/$A 405' (answered before the token is read)"
expect_nogrep "Z rita " "$(grep -n . "$MAIN_LOG" | sed -n '/rita GET/,$p' | sed 1d > "$TMP/after-rita"; echo "$TMP/after-rita")" \
    "  after the revocation rita is never named"
expect_nogrep '\?' "$TMP/reqlines" "  no query string in the log"
expect_grep "Z det.smith GET /v1/items/%FF%FE 404 " "$MAIN_LOG" \
    "  bytes outside printable ASCII are logged as %XX"
expect_grep "Z det.smith GET /v1/items/bct_REDACTED/media 404 " "$MAIN_LOG" \
    "  a token in the path is logged as bct_REDACTED"
expect_grep "Z - GET /v1/bct_REDACTED 404 " "$MAIN_LOG" \
    "  also without a valid token"
expect_grep "Z det.smith GET /v1/items/xbct_REDACTED/custody 404 " "$MAIN_LOG" \
    "  also in capitals, inside a segment"

# --------------------------------------------------- SIGTERM, in flight

# a keep-alive connection with one request done, and a download of big.bin
# read slowly; then SIGTERM
rm -f "$TMP/ka.mark" "$TMP/ka.go" "$TMP/slow.mark" "$TMP/slow.go"
hpy keepalive "$MAIN_PORT" "$T_AUD" "$TMP/ka.out" "$TMP/ka.mark" "$TMP/ka.go" \
    > /dev/null 2>&1 &
KA_PID=$!
SERVERS="$SERVERS $KA_PID"
hpy slow "$MAIN_PORT" "$T_CUST" "/v1/items/$Z/media" "$TMP/big.out" \
    "$TMP/slow.mark" "$TMP/slow.go" > /dev/null 2>&1 &
SLOW_PID=$!
SERVERS="$SERVERS $SLOW_PID"
NREQ=$((NREQ + 3))
printf '%s\n' "GET /v1/items" "GET /v1/items" "GET /v1/items/$Z/media" >> "$TMP/sent"
_i=0
while [ $_i -lt 100 ] && ! { [ -s "$TMP/ka.mark" ] && [ -s "$TMP/slow.mark" ]; }; do
	sleep 0.1
	_i=$((_i + 1))
done
expect_eq "$(cat "$TMP/ka.mark" 2> /dev/null)" 200 \
    "SIGTERM test: a keep-alive connection had one request answered"
check "  a download of big.bin has started and is read slowly" -- test -s "$TMP/slow.mark"
expect_nogrep "/v1/items/$Z/media" "$MAIN_LOG" \
    "  the download is still in flight (not logged as done)"
kill -TERM "$MAIN_PID"
_i=0
while [ $_i -lt 50 ] && ! grep -q ' - SIGTERM: stopping' "$MAIN_LOG"; do
	sleep 0.1
	_i=$((_i + 1))
done
expect_grep ' - SIGTERM: stopping' "$MAIN_LOG" "  the log says it is stopping"
_i=0
_rc=0
while [ $_i -lt 30 ]; do
	_st=$(curl -s -o /dev/null -w '%{http_code}' "$MAIN_URL/v1/healthz")
	_rc=$?
	[ "$_rc" -eq 7 ] && break
	if [ "$_st" != 000 ]; then
		NREQ=$((NREQ + 1))
		echo "GET /v1/healthz" >> "$TMP/sent"
	fi
	sleep 0.1
	_i=$((_i + 1))
done
expect_eq "$_rc" 7 "  after SIGTERM new connections are refused (curl exit 7)"
expect_nogrep ' - stopped' "$MAIN_LOG" "  the server waits for the download"
touch "$TMP/ka.go"
wait_pid "$KA_PID" 10
expect_eq "$(head -n 1 "$TMP/ka.out" 2> /dev/null)" 503 \
    "  a new request on the open keep-alive connection: 503"
sed 1d "$TMP/ka.out" > "$RB" 2> /dev/null
expect_grep '^\{"error":\{"code":"unavailable","message":"[^"]+"\}\}$' "$RB" \
    "  code unavailable"
touch "$TMP/slow.go"
wait_pid "$SLOW_PID" 30
check "  the download completes: byte-identical to the file" -- \
    cmp "$TMP/big.out" "$ST_DIR/big.bin"
expect_grep '^HTTP/1\.1 200 ' "$TMP/big.out.head" "  status 200"
wait_pid "$MAIN_PID" 40
expect_eq "$WAIT_RC $WAIT_KILLED" "0 0" "  the server exits 0"
expect_grep ' - stopped$' "$MAIN_LOG" "  the log says it stopped"
expect_eq "$(sed -n "/ - SIGTERM: stopping/,\$p" "$MAIN_LOG" | grep -c "det.smith GET /v1/items/$Z/media 200 ")" 1 \
    "  the download is logged (200) after the SIGTERM line"
_seq=$(tr -d '\r' < "$TMP/big.out.head" | sed -n 's/^X-Bodycam-Event-Seq: //Ip')
expect_eq "$(last_event "$Z" | cut -d' ' -f1-4)" "$_seq access det.smith $KID_cust" \
    "  its access event is in the catalog (seq $_seq)"
expect_exit 0 "bodycam audit after the shutdown: exit 0" -- bc audit
expect_grep '^OK$' "$OUT" "  OK"
grep -E "$LOGRE" "$MAIN_LOG" > "$TMP/reqlines"
expect_eq "$(wc -l < "$TMP/reqlines" | tr -d ' ')" "$NREQ" \
    "the log has one line per request ($NREQ)"
awk '{ print $3, $4 }' "$TMP/reqlines" | sort > "$TMP/logged"
sed -E 's/bct_[0-9a-fA-F]+/bct_REDACTED/g' "$TMP/sent" | sort > "$TMP/sent.sorted"
if ! cmp -s "$TMP/logged" "$TMP/sent.sorted"; then
	echo "# requests sent (<) and logged (>) differ:"
	diff "$TMP/sent.sorted" "$TMP/logged" | grep '^[<>]' | head -n 10 | sed 's/^/#   /'
fi

# ------------------------------------------- no token in any log or output

_found=""
for t in "$T_ING" "$T_CUST" "$T_AUD" "$T_ADMIN" "$T_RITA" "$T_UNKNOWN"; do
	_hex=${t#bct_}
	for f in "$TMP"/*.log "$TMP"/*.log.err "$TMP"/*.log.out; do
		grep -q -i -F -e "$(echo "$_hex" | cut -c1-24)" "$f" && _found="$_found $f"
	done
done
expect_eq "$_found" "" "no token (nor 24 hex digits of one) in any server log or output"

# -------------------------------------------------------------- sanitizers

no_server_sanitizer_report

finish
