#!/bin/sh
# t_load.sh - `ipclab bench --mode load` end to end: a modest rate on unix
# completes with every reply verified and its achieved rate recorded; a rate
# no machine reaches over a unix socket with one request in flight (10M
# round trips/s) is flagged "not sustained" in the table, CSV and JSON; one
# row per offered rate; --window and --clients run; options that do not
# apply are refused; `ipclab plot` draws the load chart.  No timing assertion: whether 200 msgs/s is sustained
# on a busy machine is not asserted, only that its figures are there.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_load.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$IPCLAB" bench -m unix -s 64 --mode load --rate 200,10M -n 100 --warmup 10 -q \
	--save "$tmp/run" -f table >"$tmp/table" 2>"$tmp/err" || fail "bench --mode load failed: $(cat "$tmp/err")"
check "the table has a load section" 'grep -q "^Latency under load" "$tmp/table"'
check "10M msgs/s is flagged not sustained in the table" \
	'grep -E "^unix +64 .*10\.00M .*not sustained" "$tmp/table" >/dev/null'

if command -v python3 >/dev/null 2>&1; then
	check "CSV and JSON: 0 errors, achieved rate recorded, 10M not sustained" \
		'python3 - "$tmp/run.csv" "$tmp/run.json" <<PY
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["mode"] for r in rows] == ["load", "load"], rows
by = {float(r["offered_rate_msgs_per_s"]): r for r in rows}
assert set(by) == {200.0, 10e6}, by.keys()
for r in rows:
    assert r["status"] == "ok" and r["errors"] == "0", (r["status"], r["errors"], r["why"])
    assert int(r["msgs"]) == 100 and int(r["ok"]) == 100, (r["msgs"], r["ok"])
    assert float(r["achieved_rate_msgs_per_s"]) > 0, r["achieved_rate_msgs_per_s"]
    assert r["p50_ns"] and r["load_status"] in ("sustained", "not sustained"), r
assert by[10e6]["load_status"] == "not sustained", by[10e6]["load_status"]
assert float(by[10e6]["achieved_rate_msgs_per_s"]) < 9.5e6
j = json.load(open(sys.argv[2]))["results"]
assert [r["offered_rate_msgs_per_s"] for r in j] == [200, 10e6], j
assert j[1]["load_status"] == "not sustained" and j[1]["errors"] == 0
PY'
else
	echo "SKIP: python3 not installed: CSV/JSON not parsed back" >&2
fi

# ipclab compare reads load rows from JSON and CSV (plot_read.c) alike:
# each offered rate is its own row, matched with the same rate
"$IPCLAB" compare "$tmp/run.json" "$tmp/run.csv" >"$tmp/cmp" 2>"$tmp/err" ||
	fail "compare of a load run failed: $(cat "$tmp/err")"
check "compare: one line per offered rate, each matched, judged by p50" \
	'[ "$(grep -c "^unix 64 load \(200/s\|10.00M/s\) c1 .* p50 " "$tmp/cmp")" = 2 ] && ! grep -q "only in" "$tmp/cmp"'

# ipclab plot: the hockey-stick chart from load rows, and no other chart
# takes them (the CSV has no latency or throughput rows)
if command -v gnuplot >/dev/null 2>&1; then
	check "plot draws latency_vs_load from load rows" \
		'"$IPCLAB" plot "$tmp/run.csv" -o "$tmp/plots" --no-svg >"$tmp/plot.out" 2>"$tmp/plot.err" &&
		 [ -s "$tmp/plots/latency_vs_load.png" ] && [ "$(ls "$tmp/plots" | wc -l)" = 1 ]'
	check "plot --charts load" \
		'"$IPCLAB" plot "$tmp/run.csv" -o "$tmp/plots2" --no-svg --charts load >/dev/null 2>&1 &&
		 [ -s "$tmp/plots2/latency_vs_load.png" ]'
else
	echo "skip - gnuplot is not installed: the load chart is NOT checked"
fi

# several clients (the rate is shared out) and a window: every reply verified
"$IPCLAB" bench -m unix,pipe -s 64 --mode load --rate 400 --clients 2 --window 4 -n 50 --warmup 5 -q \
	-f csv >"$tmp/multi.csv" 2>"$tmp/err" || fail "load with --clients 2 --window 4 failed: $(cat "$tmp/err")"
check "--clients 2 --window 4: 2 rows, 100 verified replies each, window 4" \
	'[ "$(awk -F, "NR > 1 && \$5 == \"load\" && \$7 == 4 && \$6 == 2 && \$18 == 100 && \$20 == 0" "$tmp/multi.csv" | wc -l)" = 2 ]'

# the offered rate is the total: shared by the clients, and by the two
# peers of --pattern peer.  achieved <= offered holds by construction (the
# schedule's span bounds the elapsed time from below), whatever the load.
"$IPCLAB" bench -m unix-peer -s 64 --mode load --rate 400 -n 50 --warmup 5 -q \
	-f csv >"$tmp/peer.csv" 2>"$tmp/err" || fail "load with the peer pattern failed: $(cat "$tmp/err")"
command -v python3 >/dev/null 2>&1 &&
	check "the rate is shared: achieved <= offered (clients 2, and two peers)" \
	'[ "$(tail -n +2 "$tmp/multi.csv" "$tmp/peer.csv" | grep -c "^unix")" -ge 2 ] &&
	 python3 -c "import csv, sys
rows = [r for f in sys.argv[1:] for r in csv.DictReader(open(f))]
assert len(rows) == 3, len(rows)
for r in rows:
    assert r[\"errors\"] == \"0\", r
    assert float(r[\"achieved_rate_msgs_per_s\"]) <= 1.001 * float(r[\"offered_rate_msgs_per_s\"]), r
" "$tmp/multi.csv" "$tmp/peer.csv"'

# udp (a datagram mechanism) with every 10th datagram dropped: one request
# in flight, so each loss is counted once (lost, also in errors) and the
# other replies still verify; with --window 4 the run is refused (the
# replies are taken in order: one loss would shift all later ones)
IPCLAB_UDP_DROP_EVERY=10 IPCLAB_UDP_TIMEOUT_MS=200 "$IPCLAB" bench -m udp -s 64 --mode load --rate 1k \
	-n 50 --warmup 0 --reps 1 -q -f csv >"$tmp/udp.csv" 2>"$tmp/err"
command -v python3 >/dev/null 2>&1 &&
	check "udp load: losses counted once each, no sequence errors" \
	'python3 -c "import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
assert r[\"mode\"] == \"load\" and int(r[\"lost\"]) > 0, r
assert int(r[\"err_seq\"]) == 0 and int(r[\"ok\"]) + int(r[\"lost\"]) == 50, r
" "$tmp/udp.csv"'
IPCLAB_UDP_TIMEOUT_MS=200 "$IPCLAB" bench -m udp -s 64 --mode load --rate 1k --window 4 -n 50 --warmup 0 \
	--reps 1 -q -f csv >"$tmp/udpw.csv" 2>"$tmp/err"
check "udp load with --window 4 fails as unsupported" \
	'grep -q "^udp,.*,load,.*,failed," "$tmp/udpw.csv" && grep -qi "support" "$tmp/udpw.csv"'

# --save-histograms: each row's non-empty buckets in the JSON, the very
# samples of its "latency" figures (the counts add up to its count, min and
# max lie in the first and last bucket, and p50 is in the bucket where the
# running count passes half); without the option there is none
"$IPCLAB" bench -m unix -s 64,1K --mode load --rate 500 -n 200 --warmup 5 -q --save-histograms \
	-f json >"$tmp/hist.json" 2>"$tmp/err" || fail "--save-histograms failed: $(cat "$tmp/err")"
command -v python3 >/dev/null 2>&1 &&
	check "--save-histograms: every row's buckets add up to its latency figures" \
	'python3 -c "import json, math, sys
res = json.load(open(sys.argv[1]))[\"results\"]
assert len(res) == 2, len(res)
for r in res:
    h, l = r[\"histogram\"], r[\"latency\"]
    assert l[\"count\"] == 200 and sum(b[2] for b in h) == l[\"count\"], (l, h)
    assert all(b[0] <= b[1] and b[2] > 0 for b in h), h
    assert all(a[1] < b[0] for a, b in zip(h, h[1:])), h
    assert h[0][0] <= l[\"min_ns\"] <= h[0][1] and h[-1][0] <= l[\"max_ns\"] <= h[-1][1], (l, h)
    seen, rank = 0, math.ceil(0.5 * l[\"count\"])
    mid = next(b for b in h if (seen := seen + b[2]) >= rank)
    assert mid[0] <= l[\"p50_ns\"] <= mid[1], (l[\"p50_ns\"], mid)
assert all(\"histogram\" not in r for r in json.load(open(sys.argv[2]))[\"results\"])
" "$tmp/hist.json" "$tmp/run.json"'
check "--save-histograms without JSON written is refused" \
	'! "$IPCLAB" bench -m unix --save-histograms -n 10 -f csv 2>"$tmp/e4" && grep -q "does not apply" "$tmp/e4"'

# options that do not apply are errors, not ignored
check "--mode load without --rate is refused" \
	'! "$IPCLAB" bench -m unix --mode load -n 10 2>"$tmp/e1" && grep -q -- "--rate" "$tmp/e1"'
check "--rate without --mode load is refused" \
	'! "$IPCLAB" bench -m unix --rate 100 -n 10 2>"$tmp/e2" && grep -q "does not apply" "$tmp/e2"'
check "--rate takes decimal k suffixes: 1.5k is 1500 msgs/s" \
	'"$IPCLAB" bench -m unix -s 64 --mode load --rate 1.5k -n 20 --warmup 2 -q -f csv 2>/dev/null |
	 grep -q ",1500\.0,[0-9.]*,\(not \)\{0,1\}sustained\$"'
check "a bad rate is refused" \
	'! "$IPCLAB" bench -m unix --mode load --rate 0 -n 10 2>"$tmp/e3" && grep -q "not a rate" "$tmp/e3"'

[ "$fails" -eq 0 ]
