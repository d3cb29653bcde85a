#!/bin/sh
# t_bench.sh - `ipclab bench` end to end, briefly: the JSON parses (python3),
# the CSV has every unit-named column, --save writes all three files, bad
# options exit 2 with a message.  No timing assertions.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$IPCLAB" bench -m tcp,unix -s 64,4K -n 300 --warmup 20 --reps 2 --mode latency,throughput \
	--baseline --clients 1,2 -q --save "$tmp/run dir" -f table >"$tmp/table" 2>"$tmp/err" ||
	fail "bench failed: $(cat "$tmp/err")"
for ext in csv json md; do
	[ -s "$tmp/run dir.$ext" ] || fail "--save wrote no .$ext"
done
grep -q "tcp-raw" "$tmp/table" || fail "no baseline row in the table"
grep -q "overhead" "$tmp/table" || fail "no overhead column"

if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/run dir.json" "$tmp/run dir.csv" <<'PY' || fail "python checks"
import csv, json, sys
d = json.load(open(sys.argv[1]))
env = d["environment"]
for k in ("ipclab_version", "git_revision", "kernel", "cpu_model", "cores", "clocksource", "cpuidle_driver"):
    assert k in env, k
# the limits in force that bound mq's figures, as the kernel states them
lim = env["limits"]
for k in ("msg_max", "msgsize_max"):
    want = int(open("/proc/sys/fs/mqueue/" + k).read())
    assert lim["mq." + k] == want, (k, lim)
assert 0 < lim["mq.chunk_bytes"] <= lim["mq.msgsize_max"], lim
s = d["settings"]
for k in ("command", "iters", "warmup", "reps", "window", "cap_bytes", "crc", "baseline", "placements"):
    assert k in s, k
rows = d["results"]
assert len(rows) == 2 * 2 * 2 * 2 * 2, len(rows)   # mech x size x mode x clients x (framed, raw)
for r in rows:
    assert r["status"] in ("ok", "errors", "failed"), r["status"]
    assert len(r["reps"]) == 2
    for k in ("p50_ns", "msgs_per_s", "cpu_ns_per_msg", "ctxsw_per_msg"):
        assert set(r[k]) == {"median", "min", "max", "n"}, r[k]
    lat = r["latency"]
    for k in ("min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns"):
        assert k in lat, k
    if r["mode"] == "latency" and r["status"] == "ok":
        # percentiles the samples cannot support are null (p99 needs n >= 1000)
        ladder = [lat[k] for k in ("p50_ns", "p99_ns", "p9999_ns", "max_ns") if lat[k] is not None]
        assert ladder == sorted(ladder) and lat["p50_ns"] is not None, lat
        assert all(x["msgs"] == 300 * r["clients"] for x in r["reps"]), [x["msgs"] for x in r["reps"]]
    if not r["baseline"]:
        raw = [x for x in rows if x["baseline"] and x["mechanism"] == r["mechanism"] + "-raw"
               and x["size_bytes"] == r["size_bytes"] and x["mode"] == r["mode"] and x["clients"] == r["clients"]]
        assert len(raw) == 1 and "overhead_pct" in r
rd = list(csv.DictReader(open(sys.argv[2])))
assert len(rd) == len(rows) * 2
for c in ("p50_ns", "p99_ns", "p9999_ns", "max_ns", "msgs_per_s", "mb_per_s", "cpu_ns_per_msg",
          "ctxsw_per_msg", "median_p50_ns", "min_p50_ns", "max_p50_ns", "overhead_pct", "status", "flags"):
    assert c in rd[0], c
assert {r["placement"] for r in rd} == {"unpinned"}
PY
else
	echo "SKIP: python3 not installed: JSON/CSV not parsed back here (test_bench does its own)" >&2
fi

# a run that fails (killed by --timeout) is flagged in every format, never a number
"$IPCLAB" bench -m unix -s 64 -n 100M --timeout 1 --reps 2 --save "$tmp/fail" >"$tmp/fail.txt" 2>"$tmp/fail.err"
rc=$?
[ "$rc" -eq 1 ] || fail "failed run: exit $rc, want 1"
grep -q "FAILED 2/2" "$tmp/fail.txt" || fail "table does not say FAILED 2/2"
grep -q "timed out" "$tmp/fail.err" || fail "stderr does not say why"
grep -q "FAILED" "$tmp/fail.md" || fail "markdown does not say FAILED"
grep -q ",failed," "$tmp/fail.csv" || fail "CSV has no failed status"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/fail.json" <<'PY' || fail "JSON of a failed run"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["results"][0]
assert r["status"] == "failed" and r["valid_reps"] == 0, r["status"]
assert r["p50_ns"]["median"] is None and r["msgs_per_s"]["median"] is None
assert any("FAILED" in w for w in d["warnings"])
PY
fi

# udp with a loss injected (the server drops every 5th datagram): the run
# finishes and every format counts the losses (lost is also in errors).
# A 200 ms loss timeout here, not lib.sh's 60 s: 12 losses x 60 s would
# outlast the run's limit; a reply late under load only adds a loss.
IPCLAB_UDP_DROP_EVERY=5 IPCLAB_UDP_TIMEOUT_MS=200 "$IPCLAB" bench -m udp -s 64 -n 60 --warmup 0 --reps 1 --save "$tmp/udp" \
	>"$tmp/udp.txt" 2>"$tmp/udp.err"
rc=$?
[ "$rc" -eq 1 ] || fail "udp with losses: exit $rc, want 1 (errors)"
grep -q "lost/stale/reord" "$tmp/udp.txt" || fail "udp table has no lost/stale/reord column"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/udp.json" "$tmp/udp.csv" <<'PY' || fail "udp losses in JSON and CSV"
import csv, json, sys
x = json.load(open(sys.argv[1]))["results"][0]["reps"][0]
assert x["lost"] > 0 and x["errors"] >= x["lost"], x
c = list(csv.DictReader(open(sys.argv[2])))[0]
assert int(c["lost"]) == x["lost"] and int(c["stale"]) == x["stale"], c
PY
fi

# bad options: exit 2 and a message naming the problem
check_bad() {
	want=$1
	shift
	"$IPCLAB" bench "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "bench $*: exit $rc, want 2"
	grep -q -- "$want" "$tmp/err" || fail "bench $*: said '$(cat "$tmp/err")', want '$want'"
}
check_bad "out of range" --reps 0
check_bad "invalid size" -s 64,huge
check_bad "this machine has CPUs" --cpu 0,4096
check_bad "unknown mode" --mode fastest
check_bad "needs a value" --duration
check_bad "--baseline" --baseline --connect 127.0.0.1:9 -m tcp

[ $fails -eq 0 ] && echo "t_bench: ok"
[ $fails -eq 0 ]
