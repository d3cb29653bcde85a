#!/bin/sh
# t_trust.sh - runs you can trust (issue 15, part A):
#   - Ctrl-C (a real ^C on a pty), SIGTERM and SIGHUP in the middle of a
#     multi-row run: the finished rows are written in every format, marked
#     interrupted, the exit status is 128 + signal, and no process of the run
#     is left (by /proc: processes whose environment carries this run's token;
#     and by the run's process groups); a second ^C exits at once, still
#     without orphans; shm --wait spin and the peer pattern included;
#   - SIGKILL of the driver: its children go (the time it took is printed,
#     not asserted);
#   - the benchmark lock nests: ipclab bench, an `exec 9>LOCK; flock 9` shell
#     and `make bench` (a short sweep) under an outer flock of the same file
#     complete; a waiter says who holds the lock;
#   - cpu/msg covers the timed loop only (at -n 50 on a shared core it stays
#     within 2x of the p50), --connect says "client only", every row has n
#     and percentiles the samples cannot support are "-" / null.
# Events, not sleeps: the progress line "[2/N]" on the pty says the first run
# finished, then the signal goes as soon as a run's processes are seen (any
# later run: the poller may be descheduled longer than one run lasts); long
# deadlines are only safety nets.
set -u
. "$(dirname "$0")/lib.sh"
IPCLAB=${IPCLAB:-build/ipclab}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_trust.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export IPCLAB_BENCH_LOCK="$tmp/bench.lock"
if ! command -v python3 >/dev/null 2>&1; then
	skip "python3 is needed (pty, JSON, CSV)"
fi

# drive.py ACTION WAITFOR TOKEN OUT -- CMD...: runs CMD on a new pty with
# IPL_TRUST_TOKEN=TOKEN in its environment, waits until WAITFOR appears in
# its output, then: ctrl-c (writes ^C to the terminal), ctrl-c2 (two), term,
# hup, kill (signals to the driver).  Saves the output in OUT, prints the
# exit status (-N: killed by signal N), and fails (exit 3) if any process of
# the run is left, by token or by the process groups seen before the signal.
cat >"$tmp/drive.py" <<'PY'
import os, pty, select, signal, sys, time
action, waitfor, token, out = sys.argv[1:5]
cmd = sys.argv[6:]
mark = b"IPL_TRUST_TOKEN=" + token.encode() + b"\0"

def procs():
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if mark in f.read():
                    found.append(int(d))
        except OSError:
            pass
    return found

def pgid(p):
    try:
        with open("/proc/%d/stat" % p) as f:
            return int(f.read().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None

def group_alive(g):
    """A live (not zombie) process in group g: a zombie whose parent died
    waits for init to reap it, and it runs nothing."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[2]) == g and st[0] != "Z":
            return True
    return False

pid, fd = pty.fork()
if pid == 0:
    os.environ["IPL_TRUST_TOKEN"] = token
    os.execvp(cmd[0], cmd)
buf = b""
def pump(limit):
    """Reads until EOF or limit; True at EOF."""
    global buf
    while time.time() < limit:
        r, _, _ = select.select([fd], [], [], max(0, min(0.5, limit - time.time())))
        if not r:
            continue
        try:
            d = os.read(fd, 65536)
        except OSError:
            return True
        if not d:
            return True
        buf += d
        if waiting and waitfor.encode() in buf:
            return False
    return False

waiting = True
pump(time.time() + 600)  # safety net: the event normally comes in seconds
if waitfor.encode() not in buf:
    os.kill(pid, signal.SIGKILL)
    print("never saw %r" % waitfor, file=sys.stderr)
    sys.exit(4)
waiting = False
# A run after the first is under way: find its processes by a cheap poll of
# the driver's children (a whole /proc scan is slow on a busy machine), all
# out of the driver's group (setpgid done), and take the groups from that one
# snapshot: a second look can catch a just-forked client still in our group.
# Any later run will do, not only run 2: on a loaded machine this poller can
# be descheduled for longer than a run lasts (seen: 3 s), and the benches
# below have runs enough that one is caught.  The pty is drained meanwhile,
# so the driver never blocks on a full terminal.
def children():
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []
def run_groups():
    g = [pgid(p) for p in children()]
    return set(g) if g and None not in g and os.getpgid(pid) not in g else set()
groups, ended, limit = set(), False, time.time() + 60  # safety net
while not groups and not ended and time.time() < limit:
    groups = run_groups()
    if not groups:
        ended = pump(time.time() + 0.005)
t0 = time.time()
if action.startswith("ctrl-c"):
    os.write(fd, b"\x03" * (2 if action == "ctrl-c2" else 1))
else:
    os.kill(pid, {"term": signal.SIGTERM, "hup": signal.SIGHUP, "kill": signal.SIGKILL}[action])
eof = pump(time.time() + 120)  # EOF: every holder of the terminal is gone
_, st = os.waitpid(pid, 0)
open(out, "wb").write(buf)
print(os.waitstatus_to_exitcode(st))
if action == "kill":  # the children die on their own: poll, 60 s is a safety net
    limit = time.time() + 60
    # gone means gone from the groups too: a process still exiting has lost
    # its environment (no token) but is not yet a zombie
    while (procs() or any(group_alive(g) for g in groups)) and time.time() < limit:
        time.sleep(0.05)
    print("children gone %.2f s after the SIGKILL" % (time.time() - t0), file=sys.stderr)
left, lgroups = procs(), [g for g in groups if group_alive(g)]
if not groups:
    print("no process group of a run was seen%s" % (" (the bench ended first)" if ended else ""), file=sys.stderr)
    sys.exit(5)
if left or lgroups or not eof:
    print("left behind: pids %s, groups %s, eof %s" % (left, lgroups, eof), file=sys.stderr)
    for p in left:
        os.kill(p, signal.SIGKILL)
    sys.exit(3)
PY

# the partial files: BASE.{csv,json,md} parse, say interrupted, hold a finished rep
cat >"$tmp/partial.py" <<'PY'
import csv, json, sys
base, sig = sys.argv[1], sys.argv[2]
d = json.load(open(base + ".json"))
assert d["interrupted"] is True and d["interrupted_by"] == sig, (d["interrupted"], d["interrupted_by"])
reps = [x for r in d["results"] for x in r["reps"]]
assert any(x["interrupted"] for x in reps), "no rep marked interrupted"
assert any(x["valid"] for x in reps), "no finished rep kept"
assert d["runs_done"] < d["runs_total"], (d["runs_done"], d["runs_total"])
rows = list(csv.DictReader(open(base + ".csv")))
st = [r["status"] for r in rows]
assert "interrupted" in st and "ok" in st, st
assert "INTERRUPTED by " + sig in open(base + ".md").read()
PY

token=0
# interrupt NAME ACTION EXPECT SIG WAITFOR BENCH-ARGS...: one interrupted run
interrupt() {
	name=$1 action=$2 want=$3 sig=$4 waitfor=$5
	shift 5
	token=$((token + 1))
	base="$tmp/$name"
	code=$(python3 "$tmp/drive.py" "$action" "$waitfor" "trust-$$-$token" "$base.out" -- \
		"$IPCLAB" bench "$@" --save "$base" 2>"$base.err")
	drc=$?
	check "$name: exit status $want (got $code)" '[ "$code" = "$want" ]'
	check "$name: no process of the run left" '[ $drc -eq 0 ] || { cat "$base.err"; false; }'
	check "$name: the partial CSV/JSON/MD parse and say interrupted" \
		'python3 "$tmp/partial.py" "$base" "$sig" || { cat "$base.err"; false; }'
	check "$name: the table says so" 'grep -q "INTERRUPTED by $sig" "$base.out"'
}

# --duration makes every run last; "[2/" is printed as run 2 starts; at least
# 6 runs, so the signal lands in one even if the poller misses a run or two
interrupt ctrl-c ctrl-c 130 SIGINT "[2/" -m unix,pipe,fifo,tcp -s 64,4K --duration 3
interrupt spin-ctrl-c ctrl-c 130 SIGINT "[2/" -m shm --wait spin -s 64,4K,64K --cpu 0,1 --duration 3 --reps 2
interrupt term term 143 SIGTERM "[2/" -m shm,unix -s 64 --mode latency,throughput --duration 3 --reps 2
interrupt peer-term term 143 SIGTERM "[2/" -m unix,shm --pattern peer -s 64 --duration 3 --reps 3
interrupt hup hup 129 SIGHUP "[2/" -m tcp,fifo -s 64 --baseline --duration 3 --reps 2
interrupt clients-ctrl-c ctrl-c 130 SIGINT "[2/" -m pipe -s 64 --clients 2,3 --duration 3 --reps 3

# a second ^C: out at once (no files promised), still nothing left behind
code=$(python3 "$tmp/drive.py" ctrl-c2 "[2/" "trust-$$-c2" "$tmp/c2.out" -- \
	"$IPCLAB" bench -m shm --wait spin -s 64,4K --cpu 0,1 --duration 3 --reps 3 2>"$tmp/c2.err")
drc=$?
check "second ^C: exit 130 (got $code)" '[ "$code" = 130 ]'
check "second ^C: no process of the run left" '[ $drc -eq 0 ] || { cat "$tmp/c2.err"; false; }'

# SIGKILL of the driver: nothing can clean up but the children themselves
for m in "shm --wait spin --cpu 0,1" "unix --pattern peer" "tcp --clients 3"; do
	# shellcheck disable=SC2086 # $m is several words on purpose
	code=$(python3 "$tmp/drive.py" kill "[2/" "trust-$$-k$token" "$tmp/k.out" -- \
		"$IPCLAB" bench -m $m -s 64,4K --duration 3 --reps 3 2>"$tmp/k.err")
	drc=$?
	token=$((token + 1))
	cat "$tmp/k.err"
	check "SIGKILL ($m): the driver died of it (got $code)" '[ "$code" = -9 ]'
	check "SIGKILL ($m): its children went" '[ $drc -eq 0 ]'
done

# ---- the lock ------------------------------------------------------------
L=$IPCLAB_BENCH_LOCK
check "ipclab bench under flock of its own lock completes" \
	'timeout 120 flock "$L" "$IPCLAB" bench -m unix -s 64 -n 100 -q -f csv >/dev/null'
check "ipclab bench under a shell holding the lock on fd 9 completes" \
	'timeout 120 sh -c "exec 9>>\"\$1\"; flock 9; exec \"\$2\" bench -m unix -s 64 -n 100 -q -f csv" sh "$L" "$IPCLAB" >/dev/null'
check "vs-floor.sh under flock of the lock completes" \
	'printf "#!/bin/sh\necho \"floor p50_ns=100 ok\"\n" >"$tmp/floor"; chmod +x "$tmp/floor";
	 FLOOR="$tmp/floor" timeout 120 flock "$L" sh bench/vs-floor.sh -r 1 -n 100 -b "$IPCLAB" unix >"$tmp/vf.out" 2>&1 ||
	 { cat "$tmp/vf.out"; false; }'

# make bench, a short sweep, under flock: MECHS/SIZES/DURATION/REPS shorten it
if command -v gnuplot >/dev/null 2>&1 && command -v make >/dev/null 2>&1; then
	bdir=$(dirname "$IPCLAB")
	bdir=${bdir#"$PWD"/} # the Makefile prefixes its own directory
	check "flock LOCK make bench (short sweep) completes" \
		'env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS MECHS=unix SIZES=64 DURATION=0.01 REPS=1 RESULTS="$tmp/results" \
		 timeout 300 flock "$L" make -s bench BUILD="$bdir" >"$tmp/mb.out" 2>&1 && [ -s "$tmp/results/latest.csv" ] ||
		 { tail -20 "$tmp/mb.out"; false; }'
else
	echo "SKIP: make bench needs gnuplot and make"
fi

# a waiter names the holder (after 5 s)
python3 - "$L" "$tmp/held" <<'PY' &
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").write("held\n")
time.sleep(600)
PY
hp=$!
i=0
while [ ! -s "$tmp/held" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
"$IPCLAB" bench -m unix -s 64 -n 100 -q -f csv >/dev/null 2>"$tmp/wait.err" &
bp=$!
i=0
while ! grep -q "waiting for the benchmark lock" "$tmp/wait.err" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "a waiter says who holds the lock" 'grep -q "held by pid $hp (.*python3" "$tmp/wait.err" || { cat "$tmp/wait.err"; false; }'
kill "$hp"
wait "$hp" 2>/dev/null
wait "$bp"
check "the waiter runs once the lock is free" '[ $? -eq 0 ]'

# ---- honest figures --------------------------------------------------------
# the medians of 5 reps: one rep preempted by the rest of a busy machine does not decide
"$IPCLAB" bench -m unix -s 64 -n 50 --reps 5 --cpu 0,0 -q -f json -o "$tmp/n50.json"
check "cpu/msg at -n 50 on a shared core is within 2x of the p50" \
	'python3 - "$tmp/n50.json" <<"PY"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
cpu, p50 = r["cpu_ns_per_msg"]["median"], r["p50_ns"]["median"]
print("cpu/msg %.0f ns, p50 %.0f ns (medians of 5 reps)" % (cpu, p50))
assert 0 < cpu <= 2 * p50, (cpu, p50)
PY'

"$IPCLAB" bench -m unix -s 64 -n 100 -q --save "$tmp/n100" >"$tmp/n100.txt"
check "n and unsupported percentiles: CSV \"-\", JSON null, table n" \
	'python3 - "$tmp/n100" <<"PY"
import csv, json, sys
r = next(csv.DictReader(open(sys.argv[1] + ".csv")))
assert r["n"] == "100", r["n"]
assert r["p50_ns"] not in ("", "-") and r["p90_ns"] not in ("", "-"), r
assert r["p99_ns"] == "-" and r["p999_ns"] == "-" and r["p9999_ns"] == "-", r
row = json.load(open(sys.argv[1] + ".json"))["results"][0]
assert row["n"] == 100, row["n"]
lat = row["latency"]
assert lat["p50_ns"] is not None and lat["p99_ns"] is None and lat["p9999_ns"] is None, lat
assert row["reps"][0]["n"] == 100
PY'
check "the table has an n column" 'grep -q " n .*cpu/msg" "$tmp/n100.txt"'
"$IPCLAB" bench -m unix -s 64 -n 1000 -q -f csv -o "$tmp/n1000.csv"
check "p99 shown at n = 1000, p99.9 not" \
	'python3 -c "import csv,sys; r = next(csv.DictReader(open(sys.argv[1]))); assert r[\"p99_ns\"].isdigit() and r[\"p999_ns\"] == \"-\", r" "$tmp/n1000.csv"'
if command -v gnuplot >/dev/null 2>&1; then
	check "plot reads a CSV with \"-\" percentiles" \
		'"$IPCLAB" plot "$tmp/n100.csv" -o "$tmp/plots" --charts percentiles >/dev/null 2>&1 && ls "$tmp/plots" | grep -q percentiles'
fi

# --connect: the server is elsewhere, so cpu/msg is the client's only
"$IPCLAB" serve -m unix >"$tmp/serve.out" 2>"$tmp/serve.err" &
sp=$!
i=0
while [ ! -s "$tmp/serve.out" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
addr=$(head -n 1 "$tmp/serve.out")
"$IPCLAB" bench -m unix --connect "$addr" -s 64 -n 200 -q --save "$tmp/conn" >"$tmp/conn.txt" 2>&1
check "--connect: the table says client only" 'grep -q "client only" "$tmp/conn.txt" || { cat "$tmp/conn.txt"; false; }'
check "--connect: JSON and CSV say client" \
	'python3 -c "import json,csv,sys; assert json.load(open(sys.argv[1]+\".json\"))[\"settings\"][\"cpu_scope\"] == \"client\"; assert next(csv.DictReader(open(sys.argv[1]+\".csv\")))[\"cpu_scope\"] == \"client\"" "$tmp/conn"'
kill "$sp"
wait "$sp" 2>/dev/null

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
