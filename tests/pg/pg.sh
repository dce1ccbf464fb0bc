#!/bin/sh
# tests/pg/pg.sh - a throwaway PostgreSQL server for the tests, from
# Debian's packages: initdb in a folder of its own, as an unprivileged
# user, listening only on a Unix socket in that folder.
#
#   pg.sh start DIR     make and start the server in DIR (a new folder);
#                       prints the socket folder.  A DIR that already
#                       holds a server's data (one stopped, kept by a
#                       benchmark for its catalogs) is started as it is,
#                       and one already running is left so
#   pg.sh createdb DIR NAME
#                       a new empty database NAME; prints its catalog URI
#   pg.sh stop DIR      stop it (the folder stays: remove it after)
#
# When run as root the server runs as the 'postgres' user Debian's
# package makes (or 'nobody'): PostgreSQL refuses to run as root.  That
# user must be able to pass through the folders above DIR (o+x).
set -eu

bindir() {
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] &&
		{ pg_config --bindir; return 0; }
	echo "pg.sh: no PostgreSQL server (initdb) installed: run 'make deps'" >&2
	return 1
}

# as_owner CMD...: CMD as the server's unprivileged user
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if id postgres >/dev/null 2>&1; then u=postgres; else u=nobody; fi
		runuser -u "$u" -- "$@"
	else
		"$@"
	fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pg.sh start|createdb|stop DIR [NAME]" >&2; exit 2; }

case $cmd in
start)
	bin=$(bindir)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	chmod 0755 "$dir"
	mkdir -p "$dir/sock"
	if [ "$(id -u)" = 0 ]; then
		if id postgres >/dev/null 2>&1; then u=postgres; else u=nobody; fi
		chown "$u" "$dir" "$dir/sock"
	fi
	if [ -f "$dir/data/PG_VERSION" ] &&
	    as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		echo "$dir/sock"
		exit 0
	fi
	# trust on the socket only: the folder is the server's alone
	[ -f "$dir/data/PG_VERSION" ] ||
	as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-k $dir/sock -c listen_addresses= -c max_connections=200 -c fsync=on -c synchronous_commit=on" \
		start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	echo "$dir/sock"
	;;
createdb)
	name=${3:?database name}
	bin=$(bindir)
	dir=$(cd "$dir" && pwd)
	# as docs/DEPLOY.md advises: bytes as they are, as in SQLite
	"$bin/createdb" -h "$dir/sock" -U postgres -E SQL_ASCII --locale=C \
	    -T template0 "$name"
	# one query parameter, no '&': the URI goes through sed(1) in tests
	echo "postgresql://postgres@/$name?host=$dir/sock"
	;;
stop)
	bin=$(bindir)
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
	;;
*)
	echo "pg.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
