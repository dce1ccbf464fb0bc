#!/bin/sh
# t-metrics.sh - GET /metrics: an auditor's (or admin's) token only; the
# answer is Prometheus's text format 0.0.4, read back by the Prometheus
# project's own Python parser (prometheus_client); the counters count
# exactly the requests sent (by method, route and status, HEAD apart from
# GET, unmatched paths on their own), every histogram is cumulative with
# its +Inf bucket equal to its count, the writer's transactions add up to
# the jobs sent to it, the log size is the catalog's and the checkpoint's
# age appears once a checkpoint is signed; no token in the answer.
#
# Needs curl and python3 with python3-prometheus-client (make deps).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/cli/lib-serve.sh
. "$(dirname "$0")/lib-serve.sh"

need_tools "the metrics" curl python3
# Debian's interpreter, which sees Debian's python3-* packages (a python3
# earlier on PATH, such as pyenv's, does not)
DEBPY=/usr/bin/python3

ROOT=$TMP/store
mkdir -p "$ROOT" "$M"
keygen_all admin auditor custodian 2> /dev/null
expect_exit 0 "setup: init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ROOT"
add_keys auditor:auditor custodian:custodian
T_ADM=$(mktoken admin-al admin)
T_AUD=$(mktoken aud-ann auditor)
T_CUS=$(mktoken cus-cy custodian)

start_server m --key "$K/admin.key" --key "$K/auditor.key" \
    --key "$K/custodian.key" --threads 2 ||
    fail "the server starts" "see above"
URL=http://127.0.0.1:$PORT

# scrape FILE: GET /metrics with the auditor's token into FILE
scrape() {
	api "$T_AUD" GET /metrics
	cp "$RB" "$1"
}

# prom FILE EXPR: EXPR over the parsed exposition in FILE: s(name,
# **labels) is one sample's value (None when absent), fams the families
# by name; exits 1 when the parser refuses the text
prom() {
	"$DEBPY" - "$1" "$2" <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
try:
    fams = {f.name: f for f in text_string_to_metric_families(text)}
except Exception as e:
    print("parse error: %s" % e)
    sys.exit(1)
def s(name, **lab):
    for f in fams.values():
        for x in f.samples:
            if x.name == name and all(x.labels.get(k) == v
                                      for k, v in lab.items()):
                return x.value
    return None
v = eval(sys.argv[2])
print("null" if v is None else v)
EOF
}

# ------------------------------------------------------------- who may read

api - GET /metrics
expect_status 401 "no token: 401"
api "$T_CUS" GET /metrics
expect_status 403 "a custodian's token: 403"
api "$T_ADM" GET /metrics
expect_status 200 "an admin's token: 200"
api "$T_AUD" GET /metrics
expect_status 200 "an auditor's token: 200"
expect_eq "$(header Content-Type)" "text/plain; version=0.0.4; charset=utf-8" \
    "the exposition format's content type"
expect_eq "$(header Cache-Control)" "no-store" "not cached"

# --------------------------------------------------------------- counting
# a fresh server, so that every request it saw is one sent here

stop_server "$SPID" "the first server stops"
start_server m2 --key "$K/admin.key" --key "$K/auditor.key" \
    --key "$K/custodian.key" --threads 2 ||
    fail "the second server starts" "see above"
URL=http://127.0.0.1:$PORT

for i in 1 2 3; do
	api - GET /v1/healthz
done
api - HEAD /v1/healthz
api "$T_CUS" GET /v1/items
api "$T_CUS" GET /v1/items/nope
expect_status 404 "an unknown item: 404"
api - GET /v1/no-such-route
expect_status 404 "an unknown route: 404"
api - GET /v1/another-one
cp "$DATA/stills/Apple.jpg" "$M/apple.jpg"
API_CT=application/octet-stream api "$T_ADM" POST "/v1/items?name=a.jpg" \
    --data-binary "@$M/apple.jpg"
expect_status 201 "an upload"
A=$(jget "$RB" 'd["id"]')
api "$T_CUS" POST "/v1/items/$A/events" \
    -d '{"action":"access","note":"review"}'
expect_status 201 "a custody event"

scrape "$TMP/m1"
expect_eq "$(prom "$TMP/m1" 'len(fams) > 0')" "True" \
    "the Prometheus parser reads the answer"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    method="GET", route="/v1/healthz", code="200")')" "3.0" \
    "three GETs of /v1/healthz counted"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    method="HEAD", route="/v1/healthz", code="200")')" "1.0" \
    "the HEAD counted apart"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    method="GET", route="/v1/items/{id}", code="404")')" "1.0" \
    "a 404 on a route counted with its route and status"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    method="any", route="unmatched", code="404")')" "2.0" \
    "unknown paths counted together, not by path"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    method="POST", route="/v1/items", code="201")')" "1.0" \
    "the upload counted"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_request_bytes_total",
    method="POST", route="/v1/items")')" \
    "$(wc -c < "$M/apple.jpg" | tr -d ' ').0" \
    "the upload's body bytes counted"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_requests_total",
    route="/metrics")')" "null" \
    "the scrape itself is not in its own answer yet"
expect_eq "$(prom "$TMP/m1" 'sum(x.value for x in
    fams["bodycam_http_requests"].samples
    if x.name == "bodycam_http_requests_total")')" "10.0" \
    "all ten requests, no more"
# every histogram: cumulative buckets, +Inf = count, sum >= 0
expect_eq "$(prom "$TMP/m1" 'all(
    [x.value for x in f.samples if x.name.endswith("_bucket") and
     all(x.labels.get(k) == v for k, v in lab.items() if k != "le")] ==
    sorted(x.value for x in f.samples if x.name.endswith("_bucket") and
     all(x.labels.get(k) == v for k, v in lab.items() if k != "le"))
    for f in fams.values() if f.type == "histogram"
    for lab in [y.labels for y in f.samples if y.name.endswith("_count")])')" \
    "True" "histogram buckets never decrease"
expect_eq "$(prom "$TMP/m1" 'all(
    s(f.name + "_bucket", le="+Inf", **lab) == s(f.name + "_count", **lab)
    for f in fams.values() if f.type == "histogram"
    for lab in [y.labels for y in f.samples if y.name.endswith("_count")])')" \
    "True" "each +Inf bucket equals its count"
expect_eq "$(prom "$TMP/m1" 's("bodycam_http_request_duration_seconds_count",
    method="GET", route="/v1/healthz")')" "3.0" "three durations of healthz"
# the writer: the upload and the event, at least one transaction
expect_eq "$(prom "$TMP/m1" 's("bodycam_writer_batch_size_sum")')" "2.0" \
    "two jobs through the writer"
expect_eq "$(prom "$TMP/m1" '1 <= s("bodycam_writer_batch_size_count") <= 2')" \
    "True" "in one or two transactions"
expect_eq "$(prom "$TMP/m1" 's("bodycam_writer_queue_depth")')" "0.0" \
    "nothing waiting"
expect_eq "$(prom "$TMP/m1" 's("bodycam_writer_jobs_failed_total")')" "0.0" \
    "none failed"
# the log: leaves as the catalog says; no checkpoint yet, no age
LEAVES=$(bc log export | wc -l | tr -d ' ')
expect_eq "$(prom "$TMP/m1" 's("bodycam_log_size")')" "$LEAVES.0" \
    "the log size is the catalog's ($LEAVES leaves)"
expect_eq "$(prom "$TMP/m1" 's("bodycam_checkpoint_age_seconds")')" "null" \
    "no checkpoint: no age made up"
expect_eq "$(prom "$TMP/m1" 's("bodycam_build_info",
    version="'"$("$BODYCAM" --version | cut -d' ' -f2)"'")')" "1.0" \
    "the version"

api "$T_CUS" GET /v1/checkpoint
expect_status 200 "a checkpoint is signed"
scrape "$TMP/m2"
expect_eq "$(prom "$TMP/m2" 's("bodycam_checkpoint_size")')" "$LEAVES.0" \
    "the checkpoint covers the log"
expect_eq "$(prom "$TMP/m2" '0 <= s("bodycam_checkpoint_age_seconds") < 60')" \
    "True" "its age is seconds"
expect_eq "$(prom "$TMP/m2" 's("bodycam_http_requests_total",
    method="GET", route="/metrics", code="200")')" "1.0" \
    "the first scrape is counted by the second"
expect_eq "$(prom "$TMP/m2" 's("bodycam_writer_batch_size_sum")')" "3.0" \
    "the checkpoint went through the writer"

for t in "$T_ADM" "$T_AUD" "$T_CUS"; do
	expect_nogrep "$t" "$TMP/m2" "no token in the answer"
done
stop_server "$SPID" "the server stops"
no_server_sanitizer_report
finish
