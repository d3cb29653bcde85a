#!/bin/sh
# t_shm.sh - shm as a user meets it: every wait policy prints rows with 0
# errors and the policy in its label (table, CSV, JSON); serve + --connect;
# and /dev/shm holds nothing of ours after a run, after SIGTERM, and after
# SIGKILL of either side followed by a new run.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
srv=
bench=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; [ -n "$bench" ] && kill -9 $bench 2>/dev/null; rm -rf "$tmp"' EXIT

# names of ours in /dev/shm whose creator pid is one of $@
shm_of() {
	n=0
	for p in "$@"; do
		for f in /dev/shm/ipclab-"$p"-*; do
			[ -e "$f" ] && n=$((n + 1))
		done
	done
	echo $n
}

check "list shows shm as named, multi-client, spin" \
	"$IPCLAB list | grep -q '^shm .*named.*multi-client.*spin'"

# spin with few iterations: on 2 vCPUs both ends burn a CPU each
for w in block spin hybrid; do
	$IPCLAB bench -m shm --wait $w -s 64,70K,1M -n 200 -q -f csv -o "$tmp/$w.csv"
	check "bench --wait $w: exit 0" "[ $? -eq 0 ]"
	check "bench --wait $w: 3 rows, 0 errors, wait column '$w'" "python3 - '$tmp/$w.csv' $w <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, rows
for r in rows:
    assert r['mechanism'] == 'shm' and r['wait'] == sys.argv[2], r
    assert r['errors'] == '0' and r['failed'] == '0', r
PY"
done
$IPCLAB bench -m shm --wait spin -s 64 -n 200 -q >"$tmp/t.txt"
check "table labels spinning rows shm-spin" "grep -q '^shm-spin ' $tmp/t.txt"
$IPCLAB bench -m shm --wait spin -s 64 -n 200 -q -f json >"$tmp/t.json"
check "json parses and carries the wait policy" \
	"python3 -m json.tool $tmp/t.json >/dev/null && grep -q '\"wait\": \"spin\"' $tmp/t.json"
$IPCLAB bench -m shm --wait spin --cpu 0,0 -s 64 -n 5 >/dev/null 2>"$tmp/warn"
check "spin with both ends on one CPU warns" "grep -qi 'warning' $tmp/warn"
$IPCLAB bench -m shm --mode throughput,stream -s 64,64K -n 300 -q -f csv -o "$tmp/tp.csv"
check "throughput and stream modes: exit 0" "[ $? -eq 0 ]"

# serve + --connect, two clients at once, then SIGTERM: nothing left
rm -f "$tmp/addr"
$IPCLAB serve -m shm --wait hybrid >"$tmp/addr" 2>"$tmp/serve.err" &
srv=$!
addr=$(wait_line "$tmp/addr" $srv)
check "serve prints a /ipclab-<pid>-<hex> name" "echo '$addr' | grep -Eq '^/ipclab-$srv-[0-9a-f]{16}$'"
check "the rendezvous is 0600" "[ \"\$(stat -c %a /dev/shm${addr})\" = 600 ]"
$IPCLAB bench -m shm --wait hybrid --connect "$addr" --clients 2 -s 64,200K -n 300 -q >"$tmp/c.txt"
check "bench --connect against serve, 2 clients: exit 0" "[ $? -eq 0 ]"
kill -TERM $srv
wait $srv
check "serve exits 0 on SIGTERM" "[ $? -eq 0 ]"
check "serve removed its rendezvous" "[ \$(shm_of $srv) -eq 0 ]"
srv=

# SIGKILL the server under a running client: the client fails clearly,
# the next run sweeps the dead server's rendezvous (not checked in between:
# any concurrent ipclab run may sweep it first)
rm -f "$tmp/addr"
$IPCLAB serve -m shm >"$tmp/addr" 2>/dev/null &
srv=$!
addr=$(wait_line "$tmp/addr" $srv)
t0=$(cpu_ticks $srv)
$IPCLAB bench -m shm --connect "$addr" -s 64 -n 100000000 -q >"$tmp/k.txt" 2>&1 &
bench=$!
check "the client is being served" "wait_busy $srv $t0"
kill -9 $srv
wait $srv 2>/dev/null
wait $bench
rc=$?
bench=
check "client of a SIGKILLed server exits 1" "[ $rc -eq 1 ]"
check "and says the peer died" "grep -q 'peer process died' $tmp/k.txt"
$IPCLAB bench -m shm -s 64 -n 100 -q >/dev/null
check "the next run removes it" "[ \$(shm_of $srv) -eq 0 ]"
srv=

# SIGKILL a client mid-run: the server goes on serving the next one
rm -f "$tmp/addr"
$IPCLAB serve -m shm --wait spin >"$tmp/addr" 2>/dev/null &
srv=$!
addr=$(wait_line "$tmp/addr" $srv)
t0=$(cpu_ticks $srv)
$IPCLAB bench -m shm --wait spin --connect "$addr" -s 64 -n 100000000 -q >/dev/null 2>&1 &
bench=$!
check "the client to be killed is being served" "wait_busy $srv $t0"
kids=$(ps -o pid= --ppid $bench)
kill -9 $kids $bench 2>/dev/null
wait $bench 2>/dev/null
bench=
$IPCLAB bench -m shm --wait spin --connect "$addr" -s 64 -n 300 -q >/dev/null
check "after a SIGKILLed client the server serves the next" "[ $? -eq 0 ]"
kill -TERM $srv
wait $srv
check "and stops cleanly" "[ $? -eq 0 ]"
check "nothing of the server or the killed clients in /dev/shm" "[ \$(shm_of $srv $kids) -eq 0 ]"
srv=

echo "shm: $fails failed"
[ $fails -eq 0 ]
