#!/usr/bin/env python3
# tests/cli/bundle-edit.py - edits a release bundle as a forger would, for
# t-bundle.sh and t-release.sh: every file it writes is consistent with
# the others (proofs.txt from proofs.json, records re-signed where their
# bytes change, each .tlog-proof from proofs.json and the checkpoint), so
# that only the check under test can catch the edit.
# SHA256SUMS is left to the caller.  Signing uses openssl(1).
#
#   cut DIR ITEM KEEP          keep the first KEEP lines of ITEM's
#                              custody.jsonl, and only their proofs
#   forge-event DIR LEAVES ITEM SEQ KEY AT AUDKEY
#                              replace ITEM's event SEQ by one signed by
#                              KEY (a PEM private key) with time AT, and
#                              re-sign with AUDKEY what follows from it:
#                              the later events of the chain, the release
#                              statement, the proofs against the log whose
#                              leaf hashes (hex, one a line, from the
#                              catalog) are in LEAVES, and the checkpoint
#   checkpoint DIR AUDKEY [--ext LINE] [--other-first KEY]
#                              the checkpoint re-signed by AUDKEY, with an
#                              extension line LINE, and/or a signature
#                              line of KEY (a key the bundle does not
#                              know) before AUDKEY's
#   resign-line FILE LINE KEY OLD NEW
#                              in the record of line LINE of FILE (a
#                              JSONL file of the bundle), OLD replaced by
#                              NEW, and the line signed again by KEY
#   restate DIR KEY FIELD VALUE
#                              release.json with FIELD set to VALUE (or,
#                              for FIELD drop-item, without item VALUE),
#                              signed again by KEY
#   dup-proof DIR ITEM WHAT SEQ FROM
#                              the proofs.txt line of record WHAT SEQ
#                              ("-" for none) of ITEM ("-": the bundle's
#                              own) replaced by a copy of line FROM
#                              (1-based) of the same file
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def canon(d):
    return json.dumps(d, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(key, data):
    with tempfile.TemporaryDirectory() as t:
        i, o = os.path.join(t, "in"), os.path.join(t, "sig")
        with open(i, "wb") as f:
            f.write(data)
        subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key,
                        "-rawin", "-in", i, "-out", o], check=True)
        with open(o, "rb") as f:
            return f.read()


def raw_pub(key):
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return der[-32:]


def key_id(key):
    return hashlib.sha256(raw_pub(key)).hexdigest()


def read_jsonl(path, name):
    out = []
    head = '{"%s":' % name
    for line in open(path, "rb").read().decode().splitlines():
        body, sig = line[len(head):].rsplit(',"sig":"', 1)
        out.append([body.encode(), base64.b64decode(sig[:-2])])
    return out


def write_jsonl(path, name, lines):
    with open(path, "wb") as f:
        for body, sig in lines:
            f.write(b'{"' + name.encode() + b'":' + body + b',"sig":"' +
                    base64.b64encode(sig) + b'"}\n')


def proofs_txt(d):
    lines = []
    for r in d["records"]:
        seq = "-" if r["seq"] is None else str(r["seq"])
        lines.append(" ".join([r["record"], seq, str(r["leaf_index"]),
                               r["leaf_hash"]] + r["proof"]) + "\n")
    return "".join(lines)


def write_proofs(dirname, d):
    with open(os.path.join(dirname, "proofs.json"), "w") as f:
        f.write(json.dumps(d, indent=2, sort_keys=True) + "\n")
    with open(os.path.join(dirname, "proofs.txt"), "w") as f:
        f.write(proofs_txt(d))


def tlog_proofs(b):
    # every proofs/*.tlog-proof again, from proofs.json and the checkpoint
    note = open(os.path.join(b, "checkpoint"), "rb").read()
    dirs = [b] + [os.path.join(b, "items", x)
                  for x in sorted(os.listdir(os.path.join(b, "items")))]
    for x in dirs:
        pj = os.path.join(x, "proofs.json")
        pd = os.path.join(x, "proofs")
        if not os.path.exists(pj) or not os.path.isdir(pd):
            continue
        for n in os.listdir(pd):
            if n.endswith(".tlog-proof"):
                os.unlink(os.path.join(pd, n))
        for r in json.load(open(pj))["records"]:
            name = r["record"] if r["seq"] is None else \
                "%s-%d" % (r["record"], r["seq"])
            text = "c2sp.org/tlog-proof@v1\nindex %d\n" % r["leaf_index"]
            for h in r["proof"]:
                text += base64.b64encode(bytes.fromhex(h)).decode() + "\n"
            with open(os.path.join(pd, name + ".tlog-proof"), "wb") as f:
                f.write(text.encode() + b"\n" + note)


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    # RFC 6962, 2.1.1: the audit path of leaf m
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def sign_note(text, origin, key):
    kid = hashlib.sha256(origin.encode() + b"\n\x01" +
                         raw_pub(key)).digest()[:4]
    sig = base64.b64encode(kid + sign(key, text)).decode()
    return "\u2014 %s %s\n" % (origin, sig)


def checkpoint(b, key, ext=None, other=None, size=None, root=None):
    lines = open(os.path.join(b, "checkpoint"), "rb").read().decode()
    origin, osize, oroot = lines.split("\n")[:3]
    text = "%s\n%s\n%s\n" % (origin, osize if size is None else size,
                             oroot if root is None else
                             base64.b64encode(root).decode())
    if ext is not None:
        text += ext + "\n"
    sigs = ""
    if other is not None:
        sigs += sign_note(text.encode(), origin, other)
    sigs += sign_note(text.encode(), origin, key)
    with open(os.path.join(b, "checkpoint"), "w") as f:
        f.write(text + "\n" + sigs)


def cmd_cut(b, item, keep):
    d = os.path.join(b, "items", item)
    lines = open(os.path.join(d, "custody.jsonl"), "rb").readlines()
    with open(os.path.join(d, "custody.jsonl"), "wb") as f:
        f.write(b"".join(lines[:keep]))
    p = json.load(open(os.path.join(d, "proofs.json")))
    p["records"] = [r for r in p["records"]
                    if r["record"] != "event" or r["seq"] < keep]
    write_proofs(d, p)


def cmd_forge_event(b, leaves_file, item, seq, key, at, aud):
    d = os.path.join(b, "items", item)
    ev = read_jsonl(os.path.join(d, "custody.jsonl"), "event")
    changed = {}    # (dir, record, seq) -> new bytes
    doc = json.loads(ev[seq][0])
    doc["key"] = key_id(key)
    doc["at"] = at
    ev[seq][0] = canon(doc)
    ev[seq][1] = sign(key, ev[seq][0])
    changed[(d, "event", seq)] = ev[seq][0]
    pem = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"],
                         check=True, capture_output=True).stdout
    with open(os.path.join(b, "signers", doc["key"] + ".pub"), "wb") as f:
        f.write(pem)
    for i in range(seq + 1, len(ev)):
        doc = json.loads(ev[i][0])
        doc["prev"] = hashlib.sha256(ev[i - 1][0]).hexdigest()
        ev[i][0] = canon(doc)
        ev[i][1] = sign(aud, ev[i][0])
        changed[(d, "event", i)] = ev[i][0]
    write_jsonl(os.path.join(d, "custody.jsonl"), "event", ev)
    # the release statement (a bundle of the first format has none)
    if os.path.exists(os.path.join(b, "release.json")):
        st = json.loads(open(os.path.join(b, "release.json"), "rb").read())
        for it in st["items"]:
            if it["id"] == item:
                it["release"] = hashlib.sha256(ev[-1][0]).hexdigest()
        body = canon(st)
        with open(os.path.join(b, "release.json"), "wb") as f:
            f.write(body)
        with open(os.path.join(b, "release.sig"), "wb") as f:
            f.write(sign(aud, body))
        changed[(b, "release", None)] = body

    # the log with the changed records' leaves, and every proof again
    leaves = [bytes.fromhex(x) for x in open(leaves_file).read().split()]
    dirs = [b] + [os.path.join(b, "items", x)
                  for x in sorted(os.listdir(os.path.join(b, "items")))]
    docs = {x: json.load(open(os.path.join(x, "proofs.json")))
            for x in dirs if os.path.exists(os.path.join(x, "proofs.json"))}
    for x, p in docs.items():
        for r in p["records"]:
            new = changed.get((x, r["record"], r["seq"]))
            if new is not None:
                leaves[r["leaf_index"]] = leaf_hash(new)
    size = len(leaves)
    root = mth(leaves)
    for x, p in docs.items():
        p["size"] = size
        p["root"] = base64.b64encode(root).decode()
        for r in p["records"]:
            r["leaf_hash"] = leaves[r["leaf_index"]].hex()
            r["proof"] = [h.hex() for h in path(r["leaf_index"], leaves)]
        write_proofs(x, p)
    checkpoint(b, aud, size=size, root=root)


def cmd_resign_line(path, line, key, old, new):
    name = next(iter(json.loads(open(path, "rb").readline())))
    lines = read_jsonl(path, name)
    body = lines[line - 1][0].replace(old.encode(), new.encode())
    assert body != lines[line - 1][0], "nothing to change"
    lines[line - 1] = [body, sign(key, body)]
    write_jsonl(path, name, lines)


def cmd_restate(b, key, field, value):
    st = json.loads(open(os.path.join(b, "release.json"), "rb").read())
    if field == "drop-item":
        st["items"] = [x for x in st["items"] if x["id"] != value]
    else:
        st[field] = value
    body = canon(st)
    with open(os.path.join(b, "release.json"), "wb") as f:
        f.write(body)
    with open(os.path.join(b, "release.sig"), "wb") as f:
        f.write(sign(key, body))


def cmd_dup_proof(b, item, what, seq, src):
    d = b if item == "-" else os.path.join(b, "items", item)
    lines = open(os.path.join(d, "proofs.txt")).read().splitlines(True)
    for i, line in enumerate(lines):
        w = line.split(" ")
        if w[0] == what and w[1] == seq:
            lines[i] = lines[src - 1]
            break
    else:
        sys.exit("no proof of %s %s" % (what, seq))
    with open(os.path.join(d, "proofs.txt"), "w") as f:
        f.write("".join(lines))


def main(a):
    if a[0] == "cut":
        cmd_cut(a[1], a[2], int(a[3]))
        tlog_proofs(a[1])
    elif a[0] == "forge-event":
        cmd_forge_event(a[1], a[2], a[3], int(a[4]), a[5], a[6], a[7])
        tlog_proofs(a[1])
    elif a[0] == "checkpoint":
        ext = other = None
        rest = a[3:]
        while rest:
            if rest[0] == "--ext":
                ext = rest[1]
            elif rest[0] == "--other-first":
                other = rest[1]
            rest = rest[2:]
        checkpoint(a[1], a[2], ext=ext, other=other)
        tlog_proofs(a[1])
    elif a[0] == "resign-line":
        cmd_resign_line(a[1], int(a[2]), a[3], a[4], a[5])
    elif a[0] == "restate":
        cmd_restate(a[1], a[2], a[3], a[4])
    elif a[0] == "dup-proof":
        cmd_dup_proof(a[1], a[2], a[3], a[4], int(a[5]))
    else:
        sys.exit("unknown command " + a[0])


main(sys.argv[1:])
