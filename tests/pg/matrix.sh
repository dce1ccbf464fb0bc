#!/bin/sh
# tests/pg/matrix.sh - the CLI suites again, with their catalogs on
# PostgreSQL: starts a throwaway server (tests/pg/pg.sh, in a temporary
# folder, as an unprivileged user, a Unix socket only), runs tests/run.sh
# with BODYCAM_TEST_PG set (each script's $CAT is then a new database of
# that server: tests/cli/lib.sh), and stops the server.  The Check suites
# and the whole-corpus suite are not run again: they test the library and
# the extractors, not the engine.
#
#   BODYCAM=build/bodycam sh tests/pg/matrix.sh
#
# Exits as tests/run.sh does; 1 when the server cannot be started.
set -u

HERE=$(cd "$(dirname "$0")" && pwd) || exit 1
dir=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-pg.XXXXXX") || exit 1
# the server's user must pass through to its folder
chmod 0711 "$dir"
trap 'sh "$HERE/pg.sh" stop "$dir/srv" >/dev/null 2>&1; rm -rf "$dir"' EXIT
trap 'exit 130' HUP INT TERM

if ! sh "$HERE/pg.sh" start "$dir/srv" >"$dir/start.log" 2>&1; then
	cat "$dir/start.log" >&2
	echo "tests on PostgreSQL: the server did not start"
	echo "tests on PostgreSQL: 0 passed, 1 failed"
	exit 1
fi
BODYCAM_TEST_PG=$dir/srv
export BODYCAM_TEST_PG
sh "$HERE/../run.sh"
