#!/bin/sh
# t-ingest.sh - managed storage and whole folders: 'init --storage',
# 'storage show|set' (once), 'register --copy|--move' (the copy is what
# is registered, at ROOT/ab/SHA256/NAME, verified; nothing is left by a
# copy that fails, is killed, or meets a full disk; a source that changes
# while copied is refused), 'register -r' (no symbolic links followed, a
# duplicate in the middle of a folder, --skip-existing, -q, -j, the
# summary).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

MNT=$TMP/full
trap 'umount "$MNT" 2>/dev/null; unlock_dir "$M/locked" 2>/dev/null;
    rm -rf "$TMP"' EXIT

keygen_all admin cust dock
ST=$M/store
mkdir -p "$ST"

# the number of items in catalog $1
nitems() {
	"$BODYCAM" --catalog "$1" list | awk 'NR > 1' | wc -l | tr -d ' '
}

# the files in storage, the temporaries of .incoming included
nstored() {
	find "$1" -type f | wc -l | tr -d ' '
}

# ------------------------------------------------------------- storage root

expect_exit 2 "init --storage refuses a missing folder" -- \
    bc init --admin-key "$K/admin.pub" --storage "$M/nowhere"
check "nothing created by that refusal" -- test ! -e "$CAT"
expect_exit 0 "init --storage" -- \
    bc init --admin-key "$K/admin.pub" --storage "$ST"
expect_grep "^storage $ST\$" "$OUT" "init prints the storage root"
add_keys cust:custodian dock:ingest
expect_exit 0 "storage show" -- bc storage show
expect_grep "^$ST\$" "$OUT" "storage show prints the root"
expect_exit 0 "storage show --json" -- bc --json storage show
json_check "$OUT" "d['storage'] == '$ST'" "the root in JSON"
expect_exit 2 "storage set refuses a second root" -- bc storage set "$M"
expect_grep "set once" "$ERR" "and says it is set once"
expect_exit 0 "storage show after the refusal" -- bc storage show
expect_grep "^$ST\$" "$OUT" "the root is unchanged"

CAT2=$M/plain.db
expect_exit 0 "a catalog without storage" -- \
    "$BODYCAM" --catalog "$CAT2" init --admin-key "$K/admin.pub"
expect_exit 0 "its storage show" -- "$BODYCAM" --catalog "$CAT2" \
    --json storage show
json_check "$OUT" "d['storage'] is None" "no root: null"
cp "$DATA/stills/Apple.jpg" "$M/apple.jpg"
expect_exit 2 "register --copy without a root is refused" -- \
    "$BODYCAM" --catalog "$CAT2" register --copy "$M/apple.jpg" \
    --key "$K/admin.key"
expect_grep "storage set" "$ERR" "and says how to set one"
expect_exit 2 "storage set of a file is refused" -- \
    "$BODYCAM" --catalog "$CAT2" storage set "$M/apple.jpg"
mkdir -p "$M/sub"
expect_exit 0 "storage set on it" -- \
    "$BODYCAM" --catalog "$CAT2" storage set "$M/sub/.."
expect_grep "^$M\$" "$OUT" "the root is recorded resolved"

# serve without --storage: the catalog's root, or a refusal
"$BODYCAM" --catalog "$M/none.db" init --admin-key "$K/admin.pub" >/dev/null
expect_exit 2 "serve without --storage on a catalog without a root" -- \
    "$BODYCAM" --catalog "$M/none.db" serve --key "$K/admin.key"
expect_grep "no storage root" "$ERR" "saying the catalog has none"
"$BODYCAM" --catalog "$CAT" serve --key "$K/admin.key" \
    --listen 127.0.0.1:0 >"$M/serve.out" 2>"$M/serve.err" &
SPID=$!
i=0
while [ $i -lt 100 ] && ! grep -q "serving http" "$M/serve.err"; do
	sleep 0.1
	i=$((i + 1))
done
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
expect_grep "serving http" "$M/serve.err" \
    "serve without --storage starts on the catalog's root"

# ------------------------------------------------------------------ --copy

SHA=$(sha256sum "$M/apple.jpg" | cut -c1-64)
TOP=$(printf %s "$SHA" | cut -c1-2)
expect_exit 0 "register --copy" -- bc register --copy "$M/apple.jpg" \
    --key "$K/dock.key"
A=$(awk 'NR == 1 { print $1 }' "$OUT")
check "the copy is at ROOT/ab/SHA256/NAME" -- \
    cmp -s "$M/apple.jpg" "$ST/$TOP/$SHA/apple.jpg"
check "the source stays with --copy" -- test -f "$M/apple.jpg"
expect_eq "$(nstored "$ST")" 1 "one file in storage"
expect_exit 0 "show the copied item" -- bc --json show "$A"
json_check "$OUT" "d['path'] == '$ST/$TOP/$SHA/apple.jpg'" \
    "the item's recorded path is the copy"
json_check "$OUT" "d['manifest']['file']['name'] == 'apple.jpg'" \
    "the sealed name is the camera's"
expect_exit 0 "verify the copied item" -- bc verify "$A"
rm "$M/apple.jpg"
expect_exit 0 "it verifies with the source gone" -- bc verify "$A"
expect_eq "$(stat -c %a "$ST/$TOP/$SHA/apple.jpg")" 440 "mode 0440"

# the same content again: a duplicate, and nothing more in storage
cp "$DATA/stills/Apple.jpg" "$M/again.jpg"
expect_exit 2 "a duplicate copied in is refused" -- \
    bc register --copy "$M/again.jpg" --key "$K/dock.key"
expect_grep "already registered as $A" "$ERR" "naming the item"
expect_eq "$(nstored "$ST")" 1 "and leaves no second copy"
expect_exit 0 "with --skip-existing it is a success" -- \
    bc register --copy --skip-existing "$M/again.jpg" --key "$K/dock.key"
expect_grep "^$A .*already registered" "$OUT" "that names the item"
expect_exit 0 "--skip-existing --json" -- bc --json register --copy \
    --skip-existing "$M/again.jpg" --key "$K/dock.key"
json_check "$OUT" "d[0]['status'] == 'existing' and \
d[0]['existing'] == '$A' and 'error' not in d[0]" "status existing, its id"

# --move: the source goes once the copy is registered
cp "$DATA/stills/Canon.jpg" "$M/canon.jpg"
expect_exit 0 "register --move" -- bc --json register --move \
    "$M/canon.jpg" --key "$K/dock.key"
json_check "$OUT" "d[0]['status'] == 'registered' and \
d[0]['stored'].startswith('$ST/')" "the JSON names the copy"
check "the source is gone" -- test ! -e "$M/canon.jpg"
expect_exit 0 "the moved item verifies" -- bc verify BWC-000002
# a duplicate is not moved: the source stays
cp "$DATA/stills/Canon.jpg" "$M/canon2.jpg"
expect_exit 2 "a duplicate --move" -- bc register --move "$M/canon2.jpg" \
    --key "$K/dock.key"
check "keeps its source" -- test -f "$M/canon2.jpg"

# --move whose source cannot be removed: registered, but exit 3, said
LK=$M/locked
mkdir -p "$LK"
can_lock "$LK"
if [ "$CAN_LOCK" = 1 ]; then
	printf 'footage that cannot be moved\n' > "$LK/htc.jpg"
	lock_dir "$LK"
	expect_exit 3 "--move of a source that cannot be removed" -- \
	    bc register --move "$LK/htc.jpg" --key "$K/dock.key"
	unlock_dir "$LK"
	expect_grep "registered, but .*not removed" "$ERR" \
	    "saying the item is registered and the source stays"
	expect_exit 0 "that item verifies" -- \
	    bc verify "$(awk 'NR == 1 { print $1 }' "$OUT")"
	check "the source is still there" -- test -f "$LK/htc.jpg"
	rm -rf "$LK"
else
	echo "# skip: --move of an unremovable source (cannot lock a folder)"
fi

# an earlier placement whose registration never came: the same content
# is taken over, another file is refused
cp "$DATA/stills/GPS.jpg" "$M/gps.jpg"
GSHA=$(sha256sum "$M/gps.jpg" | cut -c1-64)
GDIR=$ST/$(printf %s "$GSHA" | cut -c1-2)/$GSHA
mkdir -p "$GDIR"
cp "$M/gps.jpg" "$GDIR/gps.jpg"
expect_exit 0 "a leftover of the same content is taken over" -- \
    bc register --copy "$M/gps.jpg" --key "$K/dock.key"
expect_exit 0 "and that item verifies" -- \
    bc verify "$(awk 'NR == 1 { print $1 }' "$OUT")"
cp "$DATA/stills/GoPro.jpg" "$M/gopro.jpg"
PSHA=$(sha256sum "$M/gopro.jpg" | cut -c1-64)
PDIR=$ST/$(printf %s "$PSHA" | cut -c1-2)/$PSHA
mkdir -p "$PDIR"
echo "not the footage" > "$PDIR/gopro.jpg"
N0=$(nitems "$CAT")
expect_exit 2 "another file at the final name is refused" -- \
    bc register --copy "$M/gopro.jpg" --key "$K/dock.key"
expect_grep "exists and is another file" "$ERR" "saying so"
expect_eq "$(nitems "$CAT")" "$N0" "nothing registered"
expect_eq "$(cat "$PDIR/gopro.jpg")" "not the footage" \
    "and the file there untouched"
rm -rf "$PDIR"

# --------------------------------------------------- failures leave nothing

# a source that changes while it is copied (touched without end)
BIG=$M/big.bin
head -c 1048576 /dev/urandom > "$BIG"
truncate -s 2G "$BIG"
N1=$(nstored "$ST")
( while :; do touch "$BIG"; done ) &
TOUCHER=$!
expect_exit 2 "a source changing during the copy is refused" -- \
    bc register --copy "$BIG" --key "$K/dock.key"
kill "$TOUCHER" 2>/dev/null
wait "$TOUCHER" 2>/dev/null
expect_grep "changed while it was copied" "$ERR" "saying it changed"
expect_eq "$(nstored "$ST")" "$N1" "no file left in storage"
expect_eq "$(nitems "$CAT")" "$N0" "no item registered"

# SIGKILL in the middle of a copy
# (the program itself, not a subshell running 'bc')
"$BODYCAM" --catalog "$CAT" register --copy "$BIG" --key "$K/dock.key" \
    >/dev/null 2>&1 &
PID=$!
i=0
# until the copy has begun writing (its space is used), at most 10 s
while [ $i -lt 500 ]; do
	ls -l "/proc/$PID/fd" 2>/dev/null | grep -q "$ST" && break
	[ -e "/proc/$PID" ] || break
	sleep 0.02
	i=$((i + 1))
done
kill -9 "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
expect_eq "$?" 137 "register was killed while it copied"
expect_eq "$(nstored "$ST")" "$N1" "a copy killed by SIGKILL leaves no file"
expect_eq "$(nitems "$CAT")" "$N0" "and no item"
expect_exit 0 "the rerun registers it" -- \
    bc register --copy "$BIG" --key "$K/dock.key"
BIGID=$(awk 'NR == 1 { print $1 }' "$OUT")
expect_exit 0 "and it verifies" -- bc verify "$BIGID"
expect_exit 0 "audit --files is clean" -- bc audit --files

# a full disk: a small tmpfs as the storage root of another catalog
mkdir -p "$MNT"
if mount -t tmpfs -o size=4m tmpfs "$MNT" 2>/dev/null; then
	CAT3=$M/full.db
	"$BODYCAM" --catalog "$CAT3" init --admin-key "$K/admin.pub" \
	    --storage "$MNT" >/dev/null
	head -c 8388608 /dev/urandom > "$M/eight.bin"
	expect_exit 3 "a copy onto a full disk fails" -- \
	    "$BODYCAM" --catalog "$CAT3" register --copy "$M/eight.bin" \
	    --key "$K/admin.key"
	expect_grep "disk full" "$ERR" "saying the disk is full"
	expect_eq "$(nstored "$MNT")" 0 "leaving no file"
	expect_eq "$(df -k "$MNT" | awk 'NR == 2 { print $3 }')" 0 \
	    "and no space used"
	expect_eq "$(nitems "$CAT3")" 0 \
	    "and no item"
	head -c 1048576 /dev/urandom > "$M/one.bin"
	expect_exit 0 "a file that fits is copied afterwards" -- \
	    "$BODYCAM" --catalog "$CAT3" register --copy "$M/one.bin" \
	    --key "$K/admin.key"
	umount "$MNT"
else
	echo "# skip: full-disk test (cannot mount a tmpfs here)"
fi

# ------------------------------------------------------------------ folders

D=$M/dock
mkdir -p "$D/a/b"
cp "$DATA/stills/HTC_Desire.jpg" "$D/1.jpg"
cp "$DATA/stills/Ricoh2.jpg" "$D/a/2.jpg"
cp "$DATA/stills/Apple.jpg" "$D/a/3-dup.jpg"	# already registered ($A)
cp "$DATA/stills/ExifTool.tif" "$D/a/b/4.tif"
ln -s /etc/passwd "$D/a/outside"
ln -s "$D/1.jpg" "$D/link.jpg"
mkfifo "$D/fifo"

expect_exit 2 "a folder without -r is refused" -- \
    bc register "$D" --key "$K/dock.key"
expect_grep "register -r" "$ERR" "pointing at -r"
expect_exit 2 "-r with a duplicate in the middle" -- \
    bc register -r "$D" --key "$K/dock.key"
expect_grep "already registered as $A" "$ERR" "names the duplicate"
expect_eq "$(wc -l < "$OUT" | tr -d ' ')" 3 "the other three registered"
expect_grep "/a/b/4.tif\$" "$OUT" "down into subfolders"
expect_nogrep "passwd|outside|link.jpg" "$OUT" "no symbolic link followed"
expect_grep "outside: a symbolic link, not followed" "$ERR" \
    "links reported as skipped"
expect_grep "fifo: not a regular file" "$ERR" "a FIFO reported as skipped"
expect_grep "3 registered, 0 already registered, 1 failed, 3 skipped" \
    "$ERR" "the summary"
# the order is the folder's, sorted
expect_eq "$(awk '{ print $3 }' "$OUT" | sed "s|$D/||" | tr '\n' ' ')" \
    "1.jpg a/2.jpg a/b/4.tif " "files in sorted order"

expect_exit 0 "the rerun with --skip-existing succeeds" -- \
    bc register -r "$D" --skip-existing --key "$K/dock.key"
expect_grep "0 registered, 4 already registered, 0 failed" "$ERR" \
    "all four already there"
expect_exit 0 "-q prints the ids alone" -- \
    bc -q register -r "$D" --skip-existing --key "$K/dock.key"
expect_eq "$(grep -c '^BWC-[0-9]*$' "$OUT")" 4 "four ids, one a line"
expect_empty "$ERR" "and nothing on stderr"

# -j 2 into storage: the same outcome as one at a time
D2=$M/dock2
mkdir -p "$D2"
for f in DNG.dng GoPro.jpg; do cp "$DATA/stills/$f" "$D2/"; done
for f in Matroska.mkv Pentax.avi QuickTime.mov RIFF.avi sample.3gp; do
	cp "$DATA/video/$f" "$D2/"
done
expect_exit 0 "-r -j 2 --copy" -- bc --json register -r -j 2 --copy "$D2" \
    --key "$K/dock.key"
json_check "$OUT" "len(d) == 7 and all(x['status'] == 'registered' and \
x['stored'].startswith('$ST/') for x in d)" "seven registered, all copied"
json_check "$OUT" "len(set(x['id'] for x in d)) == 7" "seven distinct ids"
expect_exit 0 "audit --files after -j 2" -- bc audit --files
expect_grep "0 changed, 0 missing" "$OUT" "every file in place"
expect_exit 2 "-j 0 is refused" -- bc register -j 0 "$D2" --key "$K/dock.key"
expect_exit 2 "--sidecar with -r is refused" -- bc register -r "$D2" \
    --sidecar "$D2/GoPro.jpg" --key "$K/dock.key"

# on a terminal (script(1) gives one), a progress line: file i of N
if command -v script >/dev/null 2>&1; then
	"$BODYCAM" --catalog "$M/tty.db" init --admin-key "$K/admin.pub" \
	    >/dev/null
	script -qec "'$BODYCAM' --catalog '$M/tty.db' register -r -j 2 \
	    '$D2' --key '$K/admin.key'" /dev/null >"$M/tty.out" 2>&1
	expect_grep "register: file 1 of 7, .* MiB of .* MiB, [0-9]+ MB/s" \
	    "$M/tty.out" "a progress line on a terminal"
	expect_grep "register: file 7 of 7" "$M/tty.out" "up to file 7 of 7"
	expect_grep "7 registered, 0 already registered, 0 failed" \
	    "$M/tty.out" "and the summary"
	expect_exit 0 "no progress line without a terminal" -- \
	    "$BODYCAM" --catalog "$M/tty.db" register -r --skip-existing \
	    "$D2" --key "$K/admin.key"
	expect_nogrep "register: file" "$ERR" "(stderr not a terminal)"
else
	echo "# skip: progress line (no script(1))"
fi

# a storage root inside the folder walked is not registered again
D3=$M/dock3
mkdir -p "$D3/store"
cp "$DATA/stills/Canon.jpg" "$D3/c.jpg"
CAT4=$M/inner.db
"$BODYCAM" --catalog "$CAT4" init --admin-key "$K/admin.pub" \
    --storage "$D3/store" >/dev/null
expect_exit 0 "-r --copy over the storage's parent" -- \
    "$BODYCAM" --catalog "$CAT4" register -r --copy "$D3" \
    --key "$K/admin.key"
expect_exit 0 "and again" -- "$BODYCAM" --catalog "$CAT4" register -r \
    --copy --skip-existing "$D3" --key "$K/admin.key"
expect_nogrep "$D3/store/" "$OUT" "the storage root is not walked"
expect_grep "0 registered, 1 already registered, 0 failed, 0 skipped" \
    "$ERR" "only the dock's file is seen"

finish
