#!/usr/bin/env python3
"""check-acks.py - is every acknowledged custody event in the catalog?

    python3 tests/load/check-acks.py [--exact] CATALOG ACKS...

Each ACKS is a file tests/load/load.c appends to, one line per
acknowledged (2xx) answer of the server (several: one load process per
instance of the service, all on the one catalog):

    BWC-000123 register <sha256>     a registration (201)
    BWC-000123 <seq> <event hash>    a custody event (201), or the access
                                     event a download (200/206) recorded

CATALOG is a SQLite file, or a postgresql:// or postgres:// URI, read
with psql (postgresql-client) in a read-only transaction.

Opens the catalog read-only and checks that each registered item exists
with that file hash and has its register event (seq 0), that the events
row of each acknowledged (item, seq) has that hash, that the hash occurs
once in the events table, and that no (item, seq) and no item was
acknowledged twice, in one file or across them (two answers for one
place in a chain would be a fork).
With --exact, also that the catalog holds no event that was not
acknowledged (every request got an answer: the server was not killed).

Prints the counts; exits 0 when everything was found, 1 on any miss, 2 on
a usage or input error.  Python 3 standard library only.
"""

import csv
import os
import re
import sqlite3
import subprocess
import sys
import urllib.parse

HEX64 = re.compile(r"[0-9a-f]{64}\Z")
MAX_SHOWN = 20


def usage(msg=None):
    if msg:
        print(f"check-acks: {msg}", file=sys.stderr)
    print("usage: check-acks.py [--exact] CATALOG ACKS...", file=sys.stderr)
    sys.exit(2)


def open_ro(path):
    uri = "file:" + urllib.parse.quote(path) + "?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    db.execute("PRAGMA query_only = ON")
    return db


class CatalogError(Exception):
    pass


def is_pg(catalog):
    return catalog.startswith(("postgresql://", "postgres://"))


def pg_rows(uri, sql):
    """The rows of sql as lists of text, through psql: CSV without a
    header, in a read-only transaction, the settings of ~/.psqlrc left
    out."""
    env = dict(os.environ, PGOPTIONS="-c default_transaction_read_only=on")
    try:
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            "--csv", "-t", "-d", uri, "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, check=False)
    except OSError as e:
        raise CatalogError(f"psql: {e.strerror} (make deps: "
                           f"postgresql-client)") from e
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip()
        raise CatalogError(f"psql exits {p.returncode}: {msg}")
    return csv.reader(p.stdout.decode("utf-8").splitlines())


def read_catalog(catalog):
    """Returns (items, events): items maps an id to (manifest hash, sha256),
    events is a list of (manifest hash, seq, hash)."""
    items_sql = "SELECT id, manifest_hash, sha256 FROM items"
    events_sql = "SELECT item, seq, hash FROM events"
    if is_pg(catalog):
        items = {iid: (mh, sha) for iid, mh, sha in pg_rows(catalog,
                                                             items_sql)}
        events = [(item, int(seq), h) for item, seq, h in
                  pg_rows(catalog, events_sql)]
        return items, events
    try:
        db = open_ro(catalog)
        items = {iid: (mh, sha) for iid, mh, sha in db.execute(items_sql)}
        events = list(db.execute(events_sql))
        db.close()
    except sqlite3.Error as e:
        raise CatalogError(str(e)) from e
    return items, events


def read_acks(paths):
    """Returns (registrations, events, problems): registrations maps an item
    id to its sha256, events maps (item id, seq) to a hash, from every
    file of paths."""
    regs, events, problems = {}, {}, []
    where = {}      # item or (item, seq) -> "FILE:LINE" of its first ack
    for path in paths:
        read_ack_file(path, regs, events, where, problems)
    return regs, events, problems


def read_ack_file(path, regs, events, where, problems):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    partial = lines.pop()       # b"" when the file ends with a newline
    if partial:
        # the tool was killed in the middle of a line: that one was never
        # a whole acknowledgement
        print(f"check-acks: note: {path}: ignoring an unfinished last "
              f"line ({len(partial)} bytes)")
    for n, raw in enumerate(lines, 1):
        n = f"{path}:{n}"       # for messages
        try:
            fields = raw.decode("ascii").split(" ")
        except UnicodeDecodeError:
            fields = []
        if len(fields) != 3:
            problems.append(f"line {n}: malformed: {raw[:100]!r}")
            continue
        item, what, h = fields
        if not HEX64.match(h):
            problems.append(f"line {n}: not a hash: {h[:80]!r}")
            continue
        if what == "register":
            if item in regs:
                problems.append(f"line {n}: {item} registered twice "
                                f"({regs[item][:16]}..., {h[:16]}...; "
                                f"first at {where[item]})")
                continue
            regs[item] = h
            where[item] = n
            continue
        if not what.isdigit():
            problems.append(f"line {n}: bad seq {what[:40]!r}")
            continue
        key = (item, int(what))
        if key in events:
            kind = "twice" if events[key] == h else \
                f"twice with two hashes ({events[key][:16]}..., {h[:16]}...)"
            problems.append(f"line {n}: {item} seq {what} acknowledged "
                            f"{kind} (first at {where[key]})")
            continue
        events[key] = h
        where[key] = n


def main(argv):
    args = argv[1:]
    exact = False
    if args and args[0] == "--exact":
        exact = True
        args = args[1:]
    if len(args) < 2 or args[0].startswith("-"):
        usage()
    catalog, ackpaths = args[0], args[1:]

    try:
        regs, acked, problems = read_acks(ackpaths)
    except OSError as e:
        usage(f"{e.filename}: {e.strerror}")

    try:
        items, rows = read_catalog(catalog)     # id -> (manifest_hash, sha256)
    except CatalogError as e:
        print(f"check-acks: {catalog}: {e}", file=sys.stderr)
        return 2
    stored = {}         # (manifest hash, seq) -> hash
    count = {}          # hash -> rows
    for item, seq, h in rows:
        stored[(item, seq)] = h
        count[h] = count.get(h, 0) + 1

    missing = []
    for iid, sha in sorted(regs.items()):
        if iid not in items:
            missing.append(f"{iid}: registered (sha256 {sha[:16]}...) but "
                           f"not in the catalog")
        elif items[iid][1] != sha:
            missing.append(f"{iid}: registered with sha256 {sha[:16]}..., "
                           f"the catalog has {items[iid][1][:16]}...")
        elif (items[iid][0], 0) not in stored:
            missing.append(f"{iid}: registered but has no register event")

    found = set()
    for (iid, seq), h in sorted(acked.items()):
        if iid not in items:
            missing.append(f"{iid} seq {seq}: no such item in the catalog")
            continue
        mh = items[iid][0]
        got = stored.get((mh, seq))
        if got is None:
            missing.append(f"{iid} seq {seq}: acknowledged ({h[:16]}...), "
                           f"not in the catalog")
        elif got != h:
            missing.append(f"{iid} seq {seq}: acknowledged {h[:16]}..., "
                           f"the catalog has {got[:16]}...")
        elif count.get(h, 0) != 1:
            missing.append(f"{iid} seq {seq}: hash {h[:16]}... occurs "
                           f"{count.get(h, 0)} times")
        else:
            found.add((mh, seq))
    for iid in regs:
        if iid in items:
            found.add((items[iid][0], 0))
    unacked = len(stored) - len(found)

    print(f"check-acks: {len(regs)} registrations and {len(acked)} custody "
          f"events acknowledged in {len(ackpaths)} file"
          f"{'' if len(ackpaths) == 1 else 's'}; the catalog has {len(items)} items and "
          f"{len(stored)} events ({unacked} not acknowledged)")
    bad = problems + missing
    if exact and unacked:
        byitem = {mh: iid for iid, (mh, _) in items.items()}
        extra = sorted((byitem.get(mh, mh[:16]), seq)
                       for (mh, seq) in stored if (mh, seq) not in found)
        bad += [f"{iid} seq {seq}: in the catalog, never acknowledged"
                for iid, seq in extra]
    for line in bad[:MAX_SHOWN]:
        print(f"check-acks: {line}", file=sys.stderr)
    if len(bad) > MAX_SHOWN:
        print(f"check-acks: ... and {len(bad) - MAX_SHOWN} more",
              file=sys.stderr)
    if bad:
        print(f"check-acks: FAILED: {len(problems)} bad lines in the acks "
              f"file, {len(missing)} acknowledgements not in the catalog"
              + (f", {unacked} events never acknowledged" if exact and
                 unacked else ""), file=sys.stderr)
        return 1
    print("check-acks: every acknowledgement is in the catalog, once")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
