#!/bin/sh
# tests/bench/engines.sh - the two catalog engines side by side, in one
# run (issue 16):
#
#   1. acknowledged durable custody events/s through the API: SQLite with
#      one 'bodycam serve', PostgreSQL with one, PostgreSQL with two on
#      the one catalog (the sum of both).  Each instance is driven by its
#      own load process (tests/load/load.c) of $BENCH_CLIENTS clients
#      sending custody events only (--mix 0,50,50,0,0: half on the
#      process's two hot items, half on others); a fresh catalog each run,
#      the service signing with a custodian and an ingest key as at an
#      agency (as tests/bench/serve.sh).  After each run every
#      acknowledged event must be in the catalog once (check-acks.py, all
#      the instances' files together) and 'bodycam audit' must pass.
#      Target: two PostgreSQL instances >= 1.5 x one.
#   2. 'bodycam audit' of a catalog of $BENCH_ENGINE_ITEMS items x
#      $BENCH_ENGINE_EVENTS events (default 10,000 x 100 = 1,000,000) on
#      each engine, both built by mkcatalog through the library (not
#      timed: it prints how long building took), timed under runstat
#      (wall time, peak RSS of the audit process).  Target: PostgreSQL
#      audit events/s >= 0.8 x SQLite's.
#
# The configurations alternate within each of $BENCH_ROUNDS rounds; the
# figures are medians over the rounds, the ratios medians of the
# per-round ratios.  Prints every round, the medians, and PASS/MISS per
# target; a MISS is reported, not fatal; the exit status is non-zero only
# when something broke (a lost acknowledgement, a failing audit, a
# service that would not start or stop).
#
# PostgreSQL runs on a throwaway server of tests/pg/pg.sh, in the
# temporary directory (stopped and removed on exit), or with
# BENCH_AUDIT_CACHE in DIR/pg, kept (stopped) with the audit catalogs
# for later runs: building 1,000,000 events takes about half an hour on
# PostgreSQL (each statement a round trip), minutes on SQLite.
#
#   BODYCAM=build/bodycam LOAD=build/tests/load RUNSTAT=build/tests/runstat \
#       MKCATALOG=build/tests/mkcatalog sh tests/bench/engines.sh
#
# The full run (make bench runs this), with the catalogs kept:
#
#   BENCH_AUDIT_CACHE=/var/tmp/bodycam-bench make bench
#
# A quick run (a minute or two):
#
#   BENCH_SECONDS=5 BENCH_ROUNDS=1 BENCH_ENGINE_ITEMS=100 \
#       BODYCAM=... sh tests/bench/engines.sh
#
# Environment: BENCH_SECONDS (a load run, default 20), BENCH_CLIENTS
# (clients per instance, default 16), BENCH_ROUNDS (default 3),
# BENCH_ENGINE_ITEMS (default 10000), BENCH_ENGINE_EVENTS (events per
# item, default 100), BENCH_AUDIT_CACHE (a directory where the audit
# catalogs are kept and reused; the SQLite ones are audit.sh's), TMPDIR
# (default /tmp).
set -u

: "${BODYCAM:=build/bodycam}"
: "${LOAD:=build/tests/load}"
: "${RUNSTAT:=build/tests/runstat}"
: "${MKCATALOG:=build/tests/mkcatalog}"
: "${BENCH_SECONDS:=20}"
: "${BENCH_CLIENTS:=16}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_ENGINE_ITEMS:=10000}"
: "${BENCH_ENGINE_EVENTS:=100}"
: "${BENCH_AUDIT_CACHE:=}"
SCALE_MIN=1.5		# two PostgreSQL instances over one
AUDIT_MIN=0.8		# PostgreSQL audit over SQLite's
MIX=0,50,50,0,0

die() {
	echo "bench: $*" >&2
	exit 1
}

# positive NAME VALUE: dies unless VALUE is an integer of at least 1.
positive() {
	case $2 in
	''|*[!0-9]*) die "$1 must be a positive integer" ;;
	esac
	[ "$2" -ge 1 ] || die "$1 must be at least 1"
}

abspath() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$(pwd)/$1" ;;
	esac
}

positive BENCH_SECONDS "$BENCH_SECONDS"
positive BENCH_CLIENTS "$BENCH_CLIENTS"
positive BENCH_ROUNDS "$BENCH_ROUNDS"
positive BENCH_ENGINE_ITEMS "$BENCH_ENGINE_ITEMS"
positive BENCH_ENGINE_EVENTS "$BENCH_ENGINE_EVENTS"
[ "$BENCH_ENGINE_ITEMS" -le 999999 ] ||
	die "BENCH_ENGINE_ITEMS must be at most 999999 (mkcatalog)"
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$LOAD" ] || die "$LOAD: not found (make \$(BUILD)/tests/load)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
[ -x "$MKCATALOG" ] ||
	die "$MKCATALOG: not found (make \$(BUILD)/tests/mkcatalog)"
BODYCAM=$(abspath "$BODYCAM")
LOAD=$(abspath "$LOAD")
RUNSTAT=$(abspath "$RUNSTAT")
MKCATALOG=$(abspath "$MKCATALOG")
command -v psql >/dev/null 2>&1 ||
	die "psql not found (make deps: postgresql-client)"
here=$(cd "$(dirname "$0")" && pwd) || exit 1
PGSH=$here/../pg/pg.sh
CHECKACKS=$here/../load/check-acks.py

base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/bodycam-engines.XXXXXX") || die "mktemp failed"
# the PostgreSQL server runs as an unprivileged user: it must reach its
# folder
chmod 0711 "$tmp" || die "chmod $tmp"
if [ -n "$BENCH_AUDIT_CACHE" ]; then
	mkdir -p "$BENCH_AUDIT_CACHE" || die "cannot make $BENCH_AUDIT_CACHE"
	store=$(cd "$BENCH_AUDIT_CACHE" && pwd) || exit 1
	chmod 0711 "$store" || die "chmod $store"
else
	store=$tmp
fi
pgdir=$store/pg
pids=""		# the services and load processes of a run
loads=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	for p in $pids $loads; do
		kill -KILL "$p" 2>/dev/null
	done
	sh "$PGSH" stop "$pgdir" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sock=$(sh "$PGSH" start "$pgdir") ||
	die "cannot start a PostgreSQL server (tests/pg/pg.sh start $pgdir)"

# pg_uri NAME: the URI of database NAME on the server.
pg_uri() {
	echo "postgresql:///$1?host=$sock&user=postgres"
}

# pg_drop NAME: drops database NAME if it exists.
pg_drop() {
	psql -X -q -d "$(pg_uri postgres)" -v ON_ERROR_STOP=1 \
	    -c "DROP DATABASE IF EXISTS \"$1\"" >/dev/null 2>&1 ||
		die "cannot drop database $1"
}

# ---- the keys and a catalog for a load run ----
keys=$tmp/keys
mkdir "$keys" "$tmp/storage" || die "mkdir"
(
	cd "$keys" &&
	"$BODYCAM" keygen admin >/dev/null &&
	"$BODYCAM" keygen custodian >/dev/null &&
	"$BODYCAM" keygen ingest >/dev/null
) || die "keygen failed"

# fresh_catalog ENGINE: sets $cat to a new catalog on ENGINE (sqlite or
# pg) as serve.sh makes it, and $token to an admin token for it.
nrun=0
fresh_catalog() {
	nrun=$((nrun + 1))
	if [ "$1" = pg ]; then
		pg_drop "serve$nrun"
		cat=$(sh "$PGSH" createdb "$pgdir" "serve$nrun") ||
			die "createdb serve$nrun failed"
	else
		cat=$tmp/serve$nrun.db
	fi
	export BODYCAM_CATALOG="$cat"
	if ! "$BODYCAM" init --admin-key "$keys/admin.pub" >/dev/null ||
	    ! "$BODYCAM" key add "$keys/custodian.pub" --name station-c \
	    --role custodian --key "$keys/admin.key" >/dev/null ||
	    ! "$BODYCAM" key add "$keys/ingest.pub" --name station-i \
	    --role ingest --key "$keys/admin.key" >/dev/null; then
		die "set-up of $cat failed"
	fi
	token=$("$BODYCAM" token create --name bench --role admin \
	    --key "$keys/admin.key" 2>/dev/null) || die "token create failed"
}

# drop_catalog ENGINE: removes the catalog of the last run.
drop_catalog() {
	if [ "$1" = pg ]; then
		pg_drop "serve$nrun"
	else
		rm -f "$cat" "$cat-wal" "$cat-shm"
	fi
}

# serve_run ENGINE INSTANCES: one load run; sets $rate to the sum of the
# instances' acknowledged custody events/s.  (sh has no local variables:
# the functions leave $r, the round, alone.)
serve_run() {
	fresh_catalog "$1"
	run=$tmp/run$nrun
	mkdir "$run" || die "mkdir $run"
	pids=""
	i=1
	while [ "$i" -le "$2" ]; do
		"$BODYCAM" serve --storage "$tmp/storage" \
		    --key "$keys/ingest.key" --key "$keys/custodian.key" \
		    --listen 127.0.0.1:0 --log "$run/serve-$i.log" &
		pids="$pids $!"
		i=$((i + 1))
	done
	ports=""
	i=1
	while [ "$i" -le "$2" ]; do
		port=
		for _ in $(seq 1 150); do
			port=$(sed -n 's/.*serving http on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
			    "$run/serve-$i.log" 2>/dev/null | head -n 1)
			[ -n "$port" ] && break
			sleep 0.1
		done
		[ -n "$port" ] ||
			die "service $i did not start: $(cat "$run/serve-$i.log")"
		ports="$ports $port"
		i=$((i + 1))
	done
	loads=""
	i=1
	for port in $ports; do
		"$LOAD" --url "http://127.0.0.1:$port" --token "$token" \
		    --storage "$tmp/storage" --clients "$BENCH_CLIENTS" \
		    --seconds "$BENCH_SECONDS" --mix "$MIX" --seed "$i" \
		    --acks "$run/acks-$i" >"$run/load-$i.out" 2>&1 &
		loads="$loads $!"
		i=$((i + 1))
	done
	failed=0
	for p in $loads; do
		wait "$p" || failed=1
	done
	loads=""
	for p in $pids; do
		kill -TERM "$p"
	done
	for p in $pids; do
		wait "$p" || die "a service did not stop cleanly ($run)"
	done
	pids=""
	rate=0
	i=1
	while [ "$i" -le "$2" ]; do
		got=$(sed -n 's/^acknowledged custody events: .*, \([0-9.]*\)\/s .*/\1/p' \
		    "$run/load-$i.out")
		[ -n "$got" ] || {
			cat "$run/load-$i.out" >&2
			die "no rate in load $i's output"
		}
		rate=$(awk -v a="$rate" -v b="$got" 'BEGIN { print a + b }')
		sed -n 's/^.* - writer: /  writer: /p' "$run/serve-$i.log" |
		    tail -n 1 >>"$run/writers"
		i=$((i + 1))
	done
	if [ "$failed" -ne 0 ]; then
		cat "$run"/load-*.out >&2
		die "a load process failed ($1, $2 instance(s))"
	fi
	# shellcheck disable=SC2046 # one word a file; no space in the paths
	python3 "$CHECKACKS" "$cat" $(ls "$run"/acks-*) >"$run/check" 2>&1 || {
		cat "$run/check" >&2
		die "acknowledged events are missing from the catalog ($1)"
	}
	"$BODYCAM" audit >"$run/audit" 2>&1 || {
		tail -n 20 "$run/audit" >&2
		die "audit failed after the load run ($1, $2 instance(s))"
	}
	drop_catalog "$1"
	rm -rf "$tmp/storage/load"
}

# ---- the audit catalogs ----
items=$BENCH_ENGINE_ITEMS
per=$BENCH_ENGINE_EVENTS
events=$((items * per))
name=catalog-${items}x$per
lite=$store/$name.db
pgname=catalog_${items}x$per
pgcat=$(pg_uri "$pgname")

if [ -f "$lite" ] && [ -f "$lite.done" ]; then
	echo "bench: reusing $lite"
else
	rm -f "$lite" "$lite-wal" "$lite-shm" "$lite.done"
	echo "bench: building a SQLite catalog of $items items x $per events" \
	    "= $events events (not timed)"
	"$MKCATALOG" "$lite" "$items" "$per" "$store/keys" 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		die "mkcatalog failed"
	}
	sed 's/^/bench: sqlite: /' "$tmp/err"
	: >"$lite.done"
fi
if [ -f "$store/pg-$name.done" ]; then
	echo "bench: reusing $pgcat"
else
	pg_drop "$pgname"
	sh "$PGSH" createdb "$pgdir" "$pgname" >/dev/null ||
		die "createdb $pgname failed"
	echo "bench: building a PostgreSQL catalog of $items items x $per" \
	    "events = $events events (not timed)"
	"$MKCATALOG" "$pgcat" "$items" "$per" "$store/keys" 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		die "mkcatalog failed"
	}
	sed 's/^/bench: pg: /' "$tmp/err"
	: >"$store/pg-$name.done"
fi

# field NAME LINE: the value of NAME=... in a runstat line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# audit CATALOG: 'bodycam audit' under runstat; sets $a_s and $a_kib; dies
# unless it exits 0.
audit() {
	stat=$("$RUNSTAT" -o "$tmp/out" -e "$tmp/err" \
	    "$BODYCAM" --catalog "$1" audit)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -z "$stat" ]; then
		tail -n 20 "$tmp/out" >&2
		cat "$tmp/err" >&2
		die "bodycam audit failed on a clean catalog (exit $rc)"
	fi
	a_s=$(field wall_s "$stat")
	a_kib=$(field maxrss_kib "$stat")
}

# ---- the rounds ----
echo "bench: $BENCH_ROUNDS rounds; load runs of $BENCH_SECONDS s," \
    "$BENCH_CLIENTS clients an instance, --mix $MIX; audit of $events events"
printf '%-6s %12s %12s %12s %8s %12s %12s %8s %10s %10s\n' round \
    sqlite1_ev/s pg1_ev/s pg2_ev/s pg2/pg1 sqlite_aud/s pg_aud/s \
    pg/sqlite sqlite_rss pg_rss
results=$tmp/results
: >"$results"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	serve_run sqlite 1
	s1=$rate
	sed "s/^ */bench: sqlite x1: /" "$tmp/run$nrun/writers"
	serve_run pg 1
	p1=$rate
	sed "s/^ */bench: pg x1: /" "$tmp/run$nrun/writers"
	serve_run pg 2
	p2=$rate
	sed "s/^ */bench: pg x2: /" "$tmp/run$nrun/writers"
	# the audits are about verifying, not the disk
	cat "$lite" >/dev/null
	audit "$lite"
	sa=$a_s
	sk=$a_kib
	[ "$r" -eq 1 ] && grep '^audited' "$tmp/out" |
	    sed 's/^/bench: sqlite: /'
	audit "$pgcat"
	pa=$a_s
	pk=$a_kib
	[ "$r" -eq 1 ] && grep '^audited' "$tmp/out" | sed 's/^/bench: pg: /'
	line=$(awk -v s1="$s1" -v p1="$p1" -v p2="$p2" -v n="$events" \
	    -v sa="$sa" -v pa="$pa" -v sk="$sk" -v pk="$pk" 'BEGIN {
		printf "%.1f %.1f %.1f %.4f %.1f %.1f %.4f %d %d", s1, p1, p2,
		    (p1 > 0 ? p2 / p1 : 0), n / sa, n / pa, sa / pa, sk, pk
	    }')
	echo "$line" >>"$results"
	echo "$line" | awk -v r="$r" '{
		printf "%-6s %12.1f %12.1f %12.1f %8.3f %12.0f %12.0f %8.3f" \
		    " %6.1f MiB %6.1f MiB\n", r, $1, $2, $3, $4, $5, $6, $7,
		    $8 / 1024, $9 / 1024
	}'
	r=$((r + 1))
done

# median COLUMN DECIMALS
median() {
	awk -v c="$1" '{ print $c }' "$results" | sort -n | awk -v d="$2" '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%." d "f\n", m)
	    }'
}

# verdict VALUE MIN
verdict() {
	awk -v x="$1" -v m="$2" 'BEGIN { print (x >= m) ? "PASS" : "MISS" }'
}

s1=$(median 1 1)
p1=$(median 2 1)
p2=$(median 3 1)
scale=$(median 4 3)
sa=$(median 5 0)
pa=$(median 6 0)
ratio=$(median 7 3)
peak() {
	awk -v c="$1" '$c > m { m = $c } END { printf "%.1f", m / 1024 }' \
	    "$results"
}
echo "acknowledged durable custody events/s (median of $BENCH_ROUNDS," \
    "$BENCH_SECONDS s, $BENCH_CLIENTS clients an instance): sqlite one" \
    "instance $s1, pg one instance $p1, pg two instances $p2"
echo "pg two instances / one: $scale (target >= $SCALE_MIN):" \
    "$(verdict "$scale" "$SCALE_MIN")"
echo "pg one instance / sqlite one instance: $(awk -v a="$p1" -v b="$s1" \
    'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
echo "audit of $events events (median of $BENCH_ROUNDS): sqlite $sa" \
    "events/s, peak RSS $(peak 8) MiB; pg $pa events/s, peak RSS" \
    "$(peak 9) MiB"
echo "audit pg / sqlite: $ratio (target >= $AUDIT_MIN):" \
    "$(verdict "$ratio" "$AUDIT_MIN")"
exit 0
