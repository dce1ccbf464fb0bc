#!/bin/sh
# tests/bench/probe.sh - metadata benchmark: 'bodycam probe FILE --json'
# against 'ffprobe -v error -show_format -show_streams FILE' and
# 'exiftool -j FILE' on every file of the corpus (stills/, video/,
# libexif-testdata/*.jpg, bad/), the three alternating file by file in the
# same run (their order rotating from round to round), each run timed
# under runstat with its output sent to /dev/null.  A file's time for a
# tool is its median over the rounds.  Prints the number of files, the mean
# and median ms per file of each tool (and the means per corpus folder),
# and the ratios probe/ffprobe and probe/exiftool of the means and of the
# medians, with PASS/MISS against the target "probe faster than both"
# (both ratios < 1).  A MISS is reported, not fatal; the exit status is
# non-zero only when something broke: no corpus, ffprobe or exiftool not
# installed (make deps installs them), or probe not exiting 0 on a corpus
# file.  ffprobe and exiftool refuse some bad files (exit 1): such a run
# is timed all the same, and counted.
#
#   BODYCAM=build/bodycam RUNSTAT=build/tests/runstat sh tests/bench/probe.sh
#
# Environment: BODYCAM_CORPUS (default ../shared/corpus), BENCH_ROUNDS
# (default 3), TMPDIR (default /tmp; the results go to a fresh directory
# under it).
set -u

: "${BODYCAM:=build/bodycam}"
: "${RUNSTAT:=build/tests/runstat}"
: "${BODYCAM_CORPUS:=../shared/corpus}"
: "${BENCH_ROUNDS:=3}"
RATIO_MAX=1

die() {
	echo "bench: $*" >&2
	exit 1
}

case $BENCH_ROUNDS in
''|*[!0-9]*) die "BENCH_ROUNDS must be a positive integer" ;;
esac
[ "$BENCH_ROUNDS" -ge 1 ] || die "BENCH_ROUNDS must be at least 1"
[ -x "$BODYCAM" ] || die "$BODYCAM: not found (run 'make' first)"
[ -x "$RUNSTAT" ] || die "$RUNSTAT: not found (make \$(BUILD)/tests/runstat)"
[ -d "$BODYCAM_CORPUS" ] ||
	die "no corpus at $BODYCAM_CORPUS (set BODYCAM_CORPUS)"
command -v ffprobe >/dev/null 2>&1 ||
	die "ffprobe: not found (package ffmpeg; run 'make deps' as root)"
command -v exiftool >/dev/null 2>&1 ||
	die "exiftool: not found (package libimage-exiftool-perl; run" \
	    "'make deps' as root)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bodycam-probe.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The files, one a line as "folder path": no README, MANIFEST, expected/
# or libexif's .parsed files.
files=$tmp/files
: >"$files"
for d in stills video libexif-testdata bad; do
	if [ ! -d "$BODYCAM_CORPUS/$d" ]; then
		echo "bench: warning: $BODYCAM_CORPUS/$d: no such folder" >&2
		continue
	fi
	for f in "$BODYCAM_CORPUS/$d"/*; do
		[ -f "$f" ] || continue
		case ${f##*/} in
		README*|MANIFEST*|*.parsed) continue ;;
		esac
		if [ "$d" = libexif-testdata ]; then
			case $f in *.jpg) ;; *) continue ;; esac
		fi
		printf '%s %s\n' "$d" "$f" >>"$files"
	done
done
nfiles=$(wc -l <"$files" | tr -d ' ')
[ "$nfiles" -ge 1 ] || die "$BODYCAM_CORPUS: no files to probe"

# field NAME LINE: the value of NAME=... in a runstat line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# timed TOOL FILE: runs TOOL on FILE under runstat, output to /dev/null,
# stderr in $tmp/err; sets $secs and $rc; dies when the run broke.
timed() {
	tool=$1
	case $tool in
	probe) set -- "$BODYCAM" probe "$2" --json ;;
	ffprobe) set -- ffprobe -v error -show_format -show_streams "$2" ;;
	exiftool) set -- exiftool -j "$2" ;;
	esac
	stat=$("$RUNSTAT" -o /dev/null -e "$tmp/err" "$@" </dev/null)
	rc=$?
	secs=$(field wall_s "$stat")
	if [ -z "$secs" ] || [ "$rc" -ge 126 ] ||
	    { [ "$tool" = probe ] && [ "$rc" -ne 0 ]; }; then
		cat "$tmp/err" >&2
		die "$tool failed on $2 (exit $rc)"
	fi
}

# Untimed, once each: the programs and their libraries into the page
# cache.
first=$(sed -n '1s/^[^ ]* //p' "$files")
for t in probe ffprobe exiftool; do
	timed "$t" "$first"
done

echo "bench: $BENCH_ROUNDS rounds over $nfiles files of $BODYCAM_CORPUS," \
    "probe, ffprobe and exiftool alternating"
results=$tmp/results	# tool index seconds exit
: >"$results"
r=1
while [ "$r" -le "$BENCH_ROUNDS" ]; do
	case $((r % 3)) in
	1) order="probe ffprobe exiftool" ;;
	2) order="ffprobe exiftool probe" ;;
	0) order="exiftool probe ffprobe" ;;
	esac
	i=0
	while read -r _ f; do
		i=$((i + 1))
		for t in $order; do
			timed "$t" "$f"
			echo "$t $i $secs $rc" >>"$results"
		done
	done <"$files"
	tail -n $((nfiles * 3)) "$results" | awk -v r="$r" '
	    { s[$1] += $3 }
	    END {
		printf "round %d: all files in probe %.3f s, ffprobe %.3f s," \
		    " exiftool %.3f s\n", r, s["probe"], s["ffprobe"],
		    s["exiftool"]
	    }'
	r=$((r + 1))
done

# Each file's median over the rounds, per tool: "tool index ms".
perfile=$tmp/perfile
sort -k1,1 -k2,2n -k3,3n "$results" | awk '
	function flush() {
		if (n == 0)
			return
		m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%s %d %.3f\n", tool, idx, m * 1000
	}
	$1 != tool || $2 != idx { flush(); tool = $1; idx = $2; n = 0 }
	{ v[++n] = $3 }
	END { flush() }' >"$perfile"

# median TOOL: the median of the per-file times of TOOL, in ms.
median() {
	awk -v t="$1" '$1 == t { print $3 }' "$perfile" | sort -n | awk '
	    { v[NR] = $1 }
	    END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf("%.3f\n", m)
	    }'
}

# mean TOOL: the mean of the per-file times of TOOL, in ms.
mean() {
	awk -v t="$1" '$1 == t { s += $3; n++ } END { printf "%.3f\n", s / n }' \
	    "$perfile"
}

p_mean=$(mean probe)
f_mean=$(mean ffprobe)
e_mean=$(mean exiftool)
p_med=$(median probe)
f_med=$(median ffprobe)
e_med=$(median exiftool)

echo "mean ms per file, by folder:"
printf '  %-18s %6s %10s %10s %10s\n' folder files probe ffprobe exiftool
awk 'NR == FNR { dir[NR] = $1; next }
	{ s[dir[$2] SUBSEP $1] += $3; if ($1 == "probe") n[dir[$2]]++ }
	END {
		split("stills video libexif-testdata bad", order, " ")
		for (k = 1; k <= 4; k++) {
			d = order[k]
			if (!(d in n))
				continue
			printf "  %-18s %6d %10.3f %10.3f %10.3f\n", d, n[d],
			    s[d SUBSEP "probe"] / n[d],
			    s[d SUBSEP "ffprobe"] / n[d],
			    s[d SUBSEP "exiftool"] / n[d]
		}
	}' "$files" "$perfile"

printf '%-22s %10s %10s\n' "$nfiles files" mean_ms median_ms
printf '%-22s %10s %10s\n' "bodycam probe --json" "$p_mean" "$p_med"
printf '%-22s %10s %10s\n' "ffprobe" "$f_mean" "$f_med"
printf '%-22s %10s %10s\n' "exiftool -j" "$e_mean" "$e_med"

# Per file: where probe was the faster, and the others' refusals.
awk '{ t[$1 SUBSEP $2] = $3 }
	END {
		for (i = 1; t["probe" SUBSEP i] != ""; i++) {
			n++
			if (t["probe" SUBSEP i] < t["ffprobe" SUBSEP i])
				f++
			if (t["probe" SUBSEP i] < t["exiftool" SUBSEP i])
				e++
		}
		printf "probe faster than ffprobe on %d of %d files, than" \
		    " exiftool on %d of %d\n", f, n, e, n
	}' "$perfile"
awk '$4 != 0 && !(($1, $2) in seen) { seen[$1, $2] = 1; bad[$1]++ }
	END {
		printf "refused (exit non-zero, timed all the same): ffprobe" \
		    " %d files, exiftool %d\n", bad["ffprobe"], bad["exiftool"]
	}' "$results"

# ratio NAME MEAN_OTHER MEDIAN_OTHER: the line for probe/NAME.
ratio() {
	awk -v name="$1" -v pm="$p_mean" -v om="$2" -v pd="$p_med" \
	    -v od="$3" -v max="$RATIO_MAX" 'BEGIN {
		a = pm / om
		b = pd / od
		printf "ratio probe/%s: %.3f of the means, %.3f of the" \
		    " medians (target < %s): %s\n", name, a, b, max,
		    a < max && b < max ? "PASS" : "MISS"
	}'
}
ratio ffprobe "$f_mean" "$f_med"
ratio exiftool "$e_mean" "$e_med"
exit 0
