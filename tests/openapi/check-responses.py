#!/usr/bin/python3
# check-responses.py SPEC DIR - checks the answers t-openapi.sh recorded in
# DIR (N.meta: method, route pattern, status, Content-Type; N.body) against
# the OpenAPI 3.1 description SPEC: the operation exists; the status is
# one of its responses ("default" only for a 500); the Content-Type is one
# the response lists (none when it lists no content); and a JSON body is
# valid against the response's schema, as JSON Schema draft 2020-12 (what
# OpenAPI 3.1 uses), $refs resolved in SPEC.  Prints one line a failure
# and "checked N answers, F failed"; exits 1 on any failure.
import glob
import json
import os
import sys

import jsonschema


def media_match(ctype, listed):
    base = ctype.split(";")[0].strip().lower()
    for m in listed:
        if m == "*/*" or m.lower() == base:
            return m
        if m.endswith("/*") and base.startswith(m[:-1].lower()):
            return m
    return None


def resolve(spec, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        obj = spec
        for part in ref[2:].split("/"):
            obj = obj[part]
    return obj


def main():
    spec = json.load(open(sys.argv[1]))
    resolver = jsonschema.RefResolver.from_schema(spec)
    n = bad = 0
    metas = sorted(glob.glob(os.path.join(sys.argv[2], "*.meta")),
                   key=lambda p: int(os.path.basename(p).split(".")[0]))
    for meta in metas:
        n += 1
        method, route, status, ctype = (open(meta).read().split("\n") +
                                        [""] * 4)[:4]
        body = open(meta[:-len(".meta")] + ".body", "rb").read()
        where = "%s %s -> %s" % (method, route, status)
        op = spec["paths"].get(route, {}).get(method.lower())
        if op is None:
            print("%s: no such operation in the description" % where)
            bad += 1
            continue
        # "default" stands only for 500: every other status an
        # operation gives must be listed for it
        resp = op["responses"].get(status) or \
            op["responses"].get(status[0] + "XX") or \
            (op["responses"].get("default") if status == "500" else None)
        if resp is None:
            print("%s: status not described" % where)
            bad += 1
            continue
        resp = resolve(spec, resp)
        content = resp.get("content", {})
        if not content:
            if body:
                print("%s: a body where the description has none" % where)
                bad += 1
            continue
        m = media_match(ctype, content)
        if m is None:
            print("%s: Content-Type %r is not one of %s" %
                  (where, ctype, sorted(content)))
            bad += 1
            continue
        if not m.endswith("json"):
            continue
        try:
            doc = json.loads(body)
        except ValueError as e:
            print("%s: not JSON: %s" % (where, e))
            bad += 1
            continue
        schema = content[m].get("schema", {})
        v = jsonschema.Draft202012Validator(schema, resolver=resolver)
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
        for e in errs[:3]:
            print("%s: at %s: %s" % (where, "/".join(map(str, e.path)) or
                                     "(top)", e.message[:300]))
        if errs:
            bad += 1
    print("checked %d answers, %d failed" % (n, bad))
    return 1 if bad or n == 0 else 0


sys.exit(main())
