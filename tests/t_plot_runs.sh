#!/bin/sh
# t_plot_runs.sh - `ipclab plot` on hand-made files whose answers are known,
# checked on the gnuplot script and data it keeps with --keep-script:
# several runs with labels (old=a.csv new=b.csv, file names, a concatenated
# CSV) are series "label: mechanism" with distinct point types; error bars
# come from the p50's 95% CI columns, else from min_p50..max_p50; the y range
# is fitted to the data; spin rows get their own chart; fastest_by_size.txt
# names the right mechanisms; --size not measured and bad labels are exit 2;
# a --samples file gives the time-series chart.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_plot_runs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
command -v gnuplot >/dev/null 2>&1 || skip "gnuplot is not installed"

# At 64 B: shm-spin 0.5 us beats unix 10 us beats tcp 20 us; at 1 KiB tcp
# 11 us beats unix 12 us (the baseline tcp-raw, 5 us, is no candidate);
# throughput at 64 B: unix 12.8 MB/s beats tcp 6.4.
cat >"$tmp/a.csv" <<'EOF'
mechanism,wait,baseline,size_bytes,mode,clients,status,p50_ns,p99_ns,msgs_per_s,mb_per_s,min_p50_ns,max_p50_ns,median_p50_ci95_lo_ns,median_p50_ci95_hi_ns
tcp,,0,64,latency,1,ok,20000,40000,,,19000,21000,19500,20500
tcp,,0,64,latency,1,ok,20000,40000,,,19000,21000,19500,20500
unix,,0,64,latency,1,ok,10000,30000,,,9000,11000,9700,10300
unix,,0,1024,latency,1,ok,12000,30000,,,11000,13000,11800,12200
tcp,,0,1024,latency,1,ok,11000,30000,,,10000,12000,10900,11100
tcp-raw,,1,1024,latency,1,ok,5000,9000,,,4000,6000,4900,5100
shm,spin,0,64,latency,1,ok,500,900,,,400,600,480,520
tcp,,0,64,throughput,1,ok,,,100000,6.4,,,,
unix,,0,64,throughput,1,ok,,,200000,12.8,,,,
EOF
cp "$tmp/a.csv" "$tmp/b.csv"
# the same without the CI columns (a CSV from before they existed)
cut -d, -f1-13 "$tmp/a.csv" >"$tmp/noci.csv"

# section NAME of the kept script: from its `set output '...NAME.png'` on
section() {
	awk -v n="/$2.png'" 'index($0, "set output") && index($0, n) { on = 1 }
		on { print } on && /^unset output/ { exit }' "$1/plot.gp"
}
# the point types of a section's plot command, one a line
pts() { section "$1" "$2" | grep -o ' pt [0-9]*' | awk '{ print $2 }'; }

run() { # run DIR ARGS...: plot into DIR/out keeping the script in DIR/k
	d=$1
	shift
	"$IPCLAB" plot "$@" -o "$tmp/$d/out" --keep-script "$tmp/$d/k" --no-svg >"$tmp/$d.out" 2>"$tmp/$d.err"
}

# 1. labelled runs: "old: tcp" and "new: tcp", each series its own point type
run lab old="$tmp/a.csv" new="$tmp/b.csv"
check "old=a.csv new=b.csv: exit 0" '[ $? -eq 0 ] || { cat "$tmp/lab.err"; false; }'
check "labelled runs: series 'old: tcp', 'new: tcp', 'old: unix', 'new: unix'" \
	'for t in "old: tcp" "new: tcp" "old: unix" "new: unix"; do
		section "$tmp/lab/k" latency_vs_size | grep -qF "title \"$t\"" || exit 1; done'
check "labelled runs: six series (tcp, unix, tcp-raw twice), six distinct point types" \
	'[ "$(pts "$tmp/lab/k" latency_vs_size | wc -l)" = 6 ] &&
	 [ "$(pts "$tmp/lab/k" latency_vs_size | sort -u | wc -l)" = 6 ]'
check "labelled runs: the second run's dash pattern differs" \
	'section "$tmp/lab/k" latency_vs_size | grep "title \"new: tcp\"" | grep -q " dt 2 " &&
	 section "$tmp/lab/k" latency_vs_size | grep "title \"old: tcp\"" | grep -q " dt 1 "'

# 2. files without labels are named after the file; a concatenated CSV is split
run names "$tmp/a.csv" "$tmp/b.csv"
check "a.csv b.csv: series 'a: tcp' and 'b: tcp'" \
	'section "$tmp/names/k" latency_vs_size | grep -qF "title \"a: tcp\"" &&
	 section "$tmp/names/k" latency_vs_size | grep -qF "title \"b: tcp\""'
cat "$tmp/a.csv" "$tmp/b.csv" >"$tmp/both.csv"
run cat "$tmp/both.csv"
check "concatenated CSV: runs 'both#1' and 'both#2'" \
	'section "$tmp/cat/k" latency_vs_size | grep -qF "title \"both#1: tcp\"" &&
	 section "$tmp/cat/k" latency_vs_size | grep -qF "title \"both#2: unix\""'
run one "$tmp/a.csv"
check "one CSV: series named by mechanism alone" \
	'section "$tmp/one/k" latency_vs_size | grep -qF "title \"tcp\""'

# 3. bad labels and files: exit 2, one line
for bad in "old=" "=$tmp/a.csv" "old=$tmp/missing.csv" "$tmp/missing.csv"; do
	"$IPCLAB" plot "$bad" -o "$tmp/x" 2>"$tmp/err"
	rc=$?
	check "'$bad': exit 2 with one line" '[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ]'
done
"$IPCLAB" plot x="$tmp/a.csv" x="$tmp/b.csv" -o "$tmp/x" 2>"$tmp/err"
rc=$?
check "a label given twice: exit 2, says so" '[ $rc -eq 2 ] && grep -q "given twice" "$tmp/err"'

# 4. error bars: the CI columns when present (tcp 64 B: 19.5..20.5 us), else
# min_p50..max_p50 (19..21 us); the title says which
check "CI columns: tcp 64 B bar is 19.5..20.5 us" \
	'head -n 1 "$tmp/one/k/latency_vs_size.dat" | grep -qE "^[0-9.]+ 20\.000 19\.500 20\.500$"'
check "CI columns: the title says confidence interval" \
	'section "$tmp/one/k" latency_vs_size | grep -q "bars: 95% confidence interval of the p50"'
run noci "$tmp/noci.csv"
check "no CI columns: tcp 64 B bar is min..max p50, 19..21 us" \
	'head -n 1 "$tmp/noci/k/latency_vs_size.dat" | grep -qE "^[0-9.]+ 20\.000 19\.000 21\.000$"'
check "no CI columns: the title says min..max across reps" \
	'section "$tmp/noci/k" latency_vs_size | grep -q "bars: min..max p50 across reps"'

# 5. y range fitted: the blocking chart's values are 4..21 us (bars included); its range
# holds them and stays within a factor 2 (not gnuplot's whole decades)
check "y range fitted to 4..21 us" \
	'section "$tmp/noci/k" latency_vs_size | sed -n "s/^set yrange \[\(.*\):\(.*\)\]$/\1 \2/p" |
	 awk "{ ok = \$1 <= 4 && \$1 > 2 && \$2 >= 21 && \$2 < 42 } END { exit !(NR == 1 && ok) }"'
check "a range under two decades gets labelled ytics (1-2-5 steps)" \
	'section "$tmp/noci/k" latency_vs_size | grep -qx "set ytics (5, 10, 20)"'

# 6. spin rows on their own chart
check "spin rows: latency_vs_size_spin.png written" '[ -s "$tmp/one/out/latency_vs_size_spin.png" ]'
check "spin rows: shm-spin only on the spin chart" \
	'section "$tmp/one/k" latency_vs_size_spin | grep -qF "title \"shm-spin\"" &&
	 ! section "$tmp/one/k" latency_vs_size_spin | grep -qF "title \"tcp\"" &&
	 ! section "$tmp/one/k" latency_vs_size | grep -qF "shm-spin"'
grep -v '^shm,' "$tmp/a.csv" >"$tmp/nospin.csv"
run nospin "$tmp/nospin.csv"
check "no spin rows: no spin chart" '[ ! -e "$tmp/nospin/out/latency_vs_size_spin.png" ]'

# 7. fastest mechanism at each size
f="$tmp/one/out/fastest_by_size.txt"
check "fastest_by_size.png written" '[ -s "$tmp/one/out/fastest_by_size.png" ]'
check "fastest at 64 B: shm-spin (0.5 us), unix by MB/s (12.8)" \
	'grep -qE "^64 +shm-spin +0\.500 +unix +12\.80$" "$f" || { cat "$f"; false; }'
check "fastest at 1 KiB: tcp (11 us; the tcp-raw baseline is no candidate), no throughput" \
	'grep -qE "^1024 +tcp +11\.000 +- +-$" "$f" || { cat "$f"; false; }'

# 8. --size: a measured size is drawn, another one is exit 2 naming them
"$IPCLAB" plot "$tmp/a.csv" --size 999 -o "$tmp/x" --no-svg >/dev/null 2>"$tmp/err"
rc=$?
check "--size 999: exit 2 naming the measured sizes" \
	'[ $rc -eq 2 ] && grep -q "not measured.*64, 1024" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]'
check "--size 1024: percentiles_1024 drawn" \
	'"$IPCLAB" plot "$tmp/a.csv" --size 1024 --charts percentiles -o "$tmp/s" --no-svg >/dev/null 2>&1 &&
	 [ -s "$tmp/s/percentiles_1024.png" ]'

# 9. a samples file: latency against index, one series per rep, log y
cat >"$tmp/samples.csv" <<'EOF'
# ipclab bench --samples: unix 64 B latency
rep,index,latency_ns
1,0,90000
1,1,20000
1,2,21000
2,0,50000
2,1,19000
EOF
run samp "$tmp/samples.csv"
check "samples file: samples_timeseries.png written" '[ -s "$tmp/samp/out/samples_timeseries.png" ] || { cat "$tmp/samp.err"; false; }'
check "samples file: two reps, log y, index against latency" \
	'section "$tmp/samp/k" samples_timeseries | grep -q "^set logscale y" &&
	 section "$tmp/samp/k" samples_timeseries | grep -qF "title \"rep 1\"" &&
	 section "$tmp/samp/k" samples_timeseries | grep -qF "title \"rep 2\"" &&
	 [ "$(grep -c . "$tmp/samp/k/samples_timeseries.dat")" = 5 ] &&
	 grep -qx "0 90000" "$tmp/samp/k/samples_timeseries.dat"'
printf 'rep,index,latency_ns\n1,0,12x\n' >"$tmp/badsamples.csv"
"$IPCLAB" plot "$tmp/badsamples.csv" -o "$tmp/x" >/dev/null 2>"$tmp/err"
rc=$?
check "a malformed samples line: exit 1 naming the line" '[ $rc -eq 1 ] && grep -q "badsamples.csv:2:" "$tmp/err"'

[ $fails -eq 0 ] && echo "t_plot_runs: ok"
[ $fails -eq 0 ]
