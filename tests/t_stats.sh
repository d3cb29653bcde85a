#!/bin/sh
# t_stats.sh - the 95% confidence interval of p50 in every output (CSV,
# JSON, Markdown: present, and lo <= p50 <= hi for every row and rep), read
# back by compare and plot (new files and old ones without the columns);
# and --samples: every timed sample of one row, in order, agreeing with the
# row's p50, refused before any run for several rows or an unwritable file,
# and kept for the reps that finished when the run is stopped.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_stats.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- the interval in every format ---------------------------------------------
"$IPCLAB" bench -m unix -s 64 -n 400 --warmup 20 --reps 3 --mode latency,throughput,load --rate 2k \
	-q --save "$tmp/r3" -f table >/dev/null 2>"$tmp/err3"
check "bench with 3 reps runs" '[ $? -eq 0 ] || { cat "$tmp/err3"; false; }'
"$IPCLAB" bench -m unix -s 64 -n 400 --warmup 20 -q --save "$tmp/r1" -f table >/dev/null 2>"$tmp/err1"
check "bench with 1 rep runs" '[ $? -eq 0 ] || { cat "$tmp/err1"; false; }'

cat >"$tmp/ci.py" <<'PY'
import csv, json, re, sys
base, want_method = sys.argv[1], sys.argv[2]
cols = ["p50_ci95_lo_ns", "p50_ci95_hi_ns", "median_p50_ci95_lo_ns", "median_p50_ci95_hi_ns"]
header = open(base + ".csv").readline().strip().split(",")
i = header.index("load_status")
assert header[i:i + 5] == ["load_status"] + cols, header[i:]
def within(lo, v, hi, what):
    assert float(lo) <= float(v) <= float(hi), (what, lo, v, hi)
timed = 0
for r in csv.DictReader(open(base + ".csv")):
    if r["mode"] in ("latency", "load"):
        timed += 1
        within(r["p50_ci95_lo_ns"], r["p50_ns"], r["p50_ci95_hi_ns"], "csv rep")
        within(r["median_p50_ci95_lo_ns"], r["median_p50_ns"], r["median_p50_ci95_hi_ns"], "csv row")
    else:  # no latency histogram: no interval
        assert all(r[c] == "" for c in cols), r
assert timed, "no timed row in the CSV"
d = json.load(open(base + ".json"))
for row in d["results"]:
    if row["mode"] not in ("latency", "load"):
        assert row["median_p50_ci95_lo_ns"] is None and row["median_p50_ci95_method"] is None, row
        continue
    assert row["median_p50_ci95_method"] == want_method, row["median_p50_ci95_method"]
    within(row["median_p50_ci95_lo_ns"], row["median_p50_ns"], row["median_p50_ci95_hi_ns"], "json row")
    for h in [row["latency"]] + [x["latency"] for x in row["reps"]]:
        within(h["p50_ci95_lo_ns"], h["p50_ns"], h["p50_ci95_hi_ns"], "json histogram")
# Markdown: "p50 (95% CI)" beside p50 in the latency and load tables
unit = {"ns": 1, "us": 1e3, "ms": 1e6}
def ns(text):
    m = re.fullmatch(r"([0-9.]+) (ns|us|ms)", text)
    return float(m.group(1)) * unit[m.group(2)]
rows = 0
heads = None
for line in open(base + ".md"):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if "p50 (95% CI)" in cells:
        heads = cells
        continue
    if not heads or len(cells) != len(heads) or cells[0].startswith("--"):
        continue
    p50, ci = cells[heads.index("p50")], cells[heads.index("p50 (95% CI)")]
    m = re.fullmatch(r"([0-9.]+)\.\.([0-9.]+) (ns|us|ms) (boot|hist)", ci)
    assert m, ci
    assert m.group(4) == want_method[:4], ci
    lo, hi = float(m.group(1)) * unit[m.group(3)], float(m.group(2)) * unit[m.group(3)]
    # each end is rounded to its unit: allow that much
    assert lo * 0.995 <= ns(p50) <= hi * 1.005, (lo, p50, hi)
    rows += 1
assert rows >= 1, "no row with an interval in the Markdown"
PY
check "3 reps: CSV, JSON, MD intervals hold p50 (bootstrap)" \
	'python3 "$tmp/ci.py" "$tmp/r3" bootstrap'
check "1 rep: CSV, JSON, MD intervals hold p50 (histogram)" \
	'python3 "$tmp/ci.py" "$tmp/r1" histogram'
check "the Markdown's latency and load tables both have the interval" \
	'[ "$(grep -c "| p50 | p50 (95% CI) |" "$tmp/r3.md")" -eq 2 ]'
"$IPCLAB" bench -m unix -s 64 -n 200 --warmup 20 -q >"$tmp/default" 2>/dev/null
check "the default table keeps to its columns (no interval column)" \
	'grep "^mechanism" "$tmp/default" | grep -q p50 && ! grep "^mechanism" "$tmp/default" | grep -q "95% CI"'

# ---- read back: compare and plot, new files and old ones -----------------------
for f in "$tmp/r3.json" "$tmp/r3.csv" tests/fixtures/compare/same_old.json tests/fixtures/bench.csv; do
	"$IPCLAB" compare "$f" "$f" >"$tmp/cmp" 2>&1
	check "compare reads $(basename "$f")" '[ $? -eq 0 ] || { cat "$tmp/cmp"; false; }'
done
"$IPCLAB" compare tests/fixtures/compare/same_old.json "$tmp/r3.json" >"$tmp/cmp" 2>&1
check "compare reads an old JSON beside a new one" '[ $? -eq 0 ] || { cat "$tmp/cmp"; false; }'
if command -v gnuplot >/dev/null 2>&1; then
	for f in "$tmp/r3.csv" tests/fixtures/bench.csv; do
		"$IPCLAB" plot "$f" -o "$tmp/plot-$(basename "$f")" >"$tmp/plot" 2>&1
		check "plot reads $(basename "$f")" '[ $? -eq 0 ] || { cat "$tmp/plot"; false; }'
	done
else
	echo "note: gnuplot is not installed: plot read-back not checked"
fi

# ---- --samples -----------------------------------------------------------------
cat >"$tmp/samples.py" <<'PY'
import csv, sys
path, results, per_rep, mech, mode, clients = sys.argv[1:7]
lines = open(path).read().splitlines()
comments = [l for l in lines if l.startswith("# ")]
body = [l for l in lines if not l.startswith("#")]
meta = dict(c[2:].split(": ", 1) for c in comments[1:])
assert comments[0].startswith("# ipclab ") and "--samples" in comments[0], comments[0]
assert meta["mechanism"] == mech and meta["mode"] == mode and meta["size_bytes"] == "64", meta
assert meta["clients"].startswith(clients + " ") and "placement" in meta, meta
assert lines.index(body[0]) == len(comments), "comments after the header"
assert body[0] == "rep,index,latency_ns", body[0]
reps = {}
for l in body[1:]:
    rep, idx, ns = (int(x) for x in l.split(","))
    reps.setdefault(rep, []).append((idx, ns))
rows = {int(r["rep"]): r for r in csv.DictReader(open(results))}
assert sorted(reps) == sorted(rows), (sorted(reps), sorted(rows))
for rep, s in reps.items():
    assert [i for i, _ in s] == list(range(int(per_rep))), (rep, len(s))
    v = sorted(ns for _, ns in s)
    med = v[(len(v) + 1) // 2 - 1]  # nearest rank, as the histogram
    p50 = float(rows[rep]["p50_ns"])
    if int(clients) == 1:  # within the histogram's bucket (1/128 of the value)
        assert abs(med - p50) <= p50 / 128 + 1, (rep, med, p50)
    else:  # client 1 of several: its samples are within the row's range
        assert float(rows[rep]["min_ns"]) <= med <= float(rows[rep]["max_ns"]), (rep, med)
PY
"$IPCLAB" bench -m unix -s 64 -n 500 --warmup 20 --reps 2 -q -f csv -o "$tmp/s.csv" \
	--samples "$tmp/samples 1.csv" 2>"$tmp/serr"
check "--samples: the run succeeds" '[ $? -eq 0 ] || { cat "$tmp/serr"; false; }'
check "--samples: every sample of each rep, in order, median = p50" \
	'python3 "$tmp/samples.py" "$tmp/samples 1.csv" "$tmp/s.csv" 500 unix latency 1'
"$IPCLAB" bench -m pipe -s 64 -n 300 --warmup 20 --clients 2 -q -f csv -o "$tmp/s2.csv" \
	--samples "$tmp/s2" 2>"$tmp/serr"
check "--samples --clients 2: client 1's samples only" \
	'python3 "$tmp/samples.py" "$tmp/s2" "$tmp/s2.csv" 300 pipe latency 2 || { cat "$tmp/serr"; false; }'
"$IPCLAB" bench -m unix -s 64 -n 300 --warmup 20 --mode load --rate 5k -q -f csv -o "$tmp/s3.csv" \
	--samples "$tmp/s3" 2>"$tmp/serr"
check "--samples --mode load: each request's corrected latency" \
	'python3 "$tmp/samples.py" "$tmp/s3" "$tmp/s3.csv" 300 unix load 1 || { cat "$tmp/serr"; false; }'

# refused before any run: exit 2, one line, no run traced, no file written
refused() { # LABEL PATTERN ARGS...
	label=$1 pattern=$2
	shift 2
	rm -f "$tmp/trace" "$tmp/never"
	IPCLAB_TRACE_RUNS="$tmp/trace" "$IPCLAB" bench -q -n 100 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "$label: exit 2 (got $rc)" '[ $rc -eq 2 ]'
	check "$label: one line naming it" '[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- "$pattern" "$tmp/err" || { cat "$tmp/err"; false; }'
	check "$label: nothing ran" '[ ! -e "$tmp/trace" ] && [ ! -e "$tmp/never" ]'
}
refused "--samples with two sizes" "-s gives 2 sizes" -m unix -s 64,128 --samples "$tmp/never"
refused "--samples with two mechanisms" "2 mechanisms" -m unix,pipe -s 64 --samples "$tmp/never"
refused "--samples with --baseline" "--baseline" -m unix -s 64 --baseline --samples "$tmp/never"
refused "--samples with throughput" "times no single message" -m unix -s 64 --mode throughput --samples "$tmp/never"
refused "--samples to an unwritable path" "no directory" -m unix -s 64 --samples "$tmp/no/such/dir/x"
refused "--samples to a directory" "is a directory" -m unix -s 64 --samples "$tmp"

# stopped after rep 1: the reps that finished (status ok in the CSV written
# on the way out) are in the file, whole; the one cut short is not
rm -f "$tmp/trace"
IPCLAB_TRACE_RUNS="$tmp/trace" "$IPCLAB" bench -m unix -s 64 --duration 4 --warmup 10 --reps 3 -q \
	-f csv -o "$tmp/int.csv" --samples "$tmp/int" 2>"$tmp/interr" &
pid=$!
n=$((SAFETY_S * 20))
while ! grep -q "rep 2" "$tmp/trace" 2>/dev/null && [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.05
	n=$((n - 1))
done
kill -TERM $pid
wait $pid
rc=$?
check "--samples, stopped: exit 143 (got $rc)" '[ $rc -eq 143 ]'
cat >"$tmp/int.py" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = {int(r["rep"]) for r in rows if r["status"] == "ok"}
assert ok and any(r["status"] == "interrupted" for r in rows), [r["status"] for r in rows]
body = [l.split(",") for l in open(sys.argv[2]).read().splitlines() if not l.startswith("#")][1:]
assert {int(b[0]) for b in body} == ok, ({int(b[0]) for b in body}, ok)
for r in rows:
    if r["status"] == "ok":  # whole: as many samples as the rep measured
        assert sum(1 for b in body if b[0] == r["rep"]) == int(r["msgs"]), r["rep"]
PY
check "--samples, stopped: the finished reps are written, whole; the cut one is not" \
	'python3 "$tmp/int.py" "$tmp/int.csv" "$tmp/int" || { cat "$tmp/interr"; false; }'

[ "$fails" -eq 0 ]
