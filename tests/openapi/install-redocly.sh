#!/bin/sh
# install-redocly.sh DIR - installs Redocly's CLI, the OpenAPI validator
# t-openapi.sh runs, from the npm registry into DIR (DIR/node_modules/.bin/
# redocly), at a pinned version: 2.77.0, which needs Node.js 20.19 or
# later, else 1.34.20 (Node.js 18.17 or later, as Debian 12 has).
set -eu
dir=$1
command -v node > /dev/null 2>&1 && command -v npm > /dev/null 2>&1 || {
	echo "install-redocly: node and npm are needed (make deps)" >&2
	exit 1
}
ver=$(node -p 'var v = process.versions.node.split(".").map(Number);
    (v[0] > 20 || (v[0] == 20 && v[1] >= 19)) ? "2.77.0" : "1.34.20"')
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
    "@redocly/cli@$ver" > "$dir/npm.log" 2>&1 || {
	cat "$dir/npm.log" >&2
	exit 1
}
test -x "$dir/node_modules/.bin/redocly"
