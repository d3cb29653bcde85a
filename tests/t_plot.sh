#!/bin/sh
# t_plot.sh - `ipclab plot` on a fixture CSV (a real run of this machine,
# tests/fixtures/bench.csv): every chart is written as a non-empty PNG (and
# SVG) into a directory whose path has spaces and a quote; a CSV with a
# failed rep leaves it out and says so; a missing gnuplot is a clear error.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fixture=tests/fixtures/bench.csv
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_plot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# no gnuplot: a clear message and exit 1, whatever the machine has installed
IPCLAB_GNUPLOT="$tmp/no-such-gnuplot" "$IPCLAB" plot "$fixture" -o "$tmp/x" 2>"$tmp/err" >/dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "missing gnuplot: exit $rc, want 1"
grep -q "gnuplot is not installed" "$tmp/err" || fail "missing gnuplot: said: $(cat "$tmp/err")"

# help: exit 0, usage on stdout; `ipclab --help` lists the command
"$IPCLAB" plot --help >"$tmp/out" 2>&1 && grep -q "^usage: ipclab plot" "$tmp/out" || fail "plot --help"
"$IPCLAB" --help | grep -q "^  plot " || fail "ipclab --help does not list plot"

# usage errors: exit 2
"$IPCLAB" plot "$fixture" 2>/dev/null; [ $? -eq 2 ] || fail "no -o: want exit 2"
"$IPCLAB" plot -o "$tmp/x" 2>/dev/null; [ $? -eq 2 ] || fail "no CSV: want exit 2"
"$IPCLAB" plot "$fixture" -o "$tmp/x" --charts pie 2>/dev/null; [ $? -eq 2 ] || fail "bad --charts: want exit 2"
echo "not,a,bench,csv" >"$tmp/bad.csv"
"$IPCLAB" plot "$tmp/bad.csv" -o "$tmp/x" 2>"$tmp/err"; [ $? -eq 1 ] || fail "not a bench CSV: want exit 1"
grep -q "not an ipclab bench CSV" "$tmp/err" || fail "not a bench CSV: said: $(cat "$tmp/err")"

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "SKIP: gnuplot is not installed: the charts themselves are not tested" >&2
	exit "$([ $fails -eq 0 ] && echo 0 || echo 1)"
fi

out="$tmp/plots with space/it's here"
if ! "$IPCLAB" plot "$fixture" -o "$out" >"$tmp/list" 2>"$tmp/err"; then
	fail "plot failed: $(cat "$tmp/err")"
fi
for chart in latency_vs_size percentiles_64 throughput_vs_size throughput_vs_clients fastest_by_size; do
	for ext in png svg; do
		f="$out/$chart.$ext"
		[ -s "$f" ] || fail "$f missing or empty"
	done
	# a PNG starts with \211PNG
	head -c 4 "$out/$chart.png" 2>/dev/null | od -An -c | grep -q "P   N   G" || fail "$chart.png is not a PNG"
done
grep -q "<svg" "$out/latency_vs_size.svg" || fail "latency_vs_size.svg is not SVG"
# every mechanism and baseline of the fixture is in the legend
for m in tcp tcp-raw unix unix-raw; do
	grep -q ">$m<" "$out/latency_vs_size.svg" || fail "latency_vs_size.svg has no '$m' in its legend"
done
# axis labels carry units
grep -q "microseconds" "$out/latency_vs_size.svg" || fail "latency axis has no unit"
grep -q "MB/s" "$out/throughput_vs_size.svg" || fail "throughput axis has no unit"
[ -s "$out/fastest_by_size.txt" ] || fail "fastest_by_size.txt missing"
# the temporary directory is gone
ls "${TMPDIR:-/tmp}" | grep -q "^ipclab-plot-" && fail "left a temporary directory behind"

# a rep marked failed is left out, and that is said
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") s = i; print; next }
	 NR == 2 { $s = "failed" } { print }' OFS=, "$fixture" >"$tmp/one-failed.csv"
"$IPCLAB" plot "$tmp/one-failed.csv" -o "$tmp/p2" --no-svg >/dev/null 2>"$tmp/err" || fail "plot with a failed rep failed"
grep -q "left out 1 rep" "$tmp/err" || fail "failed rep not reported: $(cat "$tmp/err")"
[ -e "$tmp/p2/latency_vs_size.svg" ] && fail "--no-svg wrote an SVG"

[ $fails -eq 0 ] && echo "t_plot: ok"
[ $fails -eq 0 ]
