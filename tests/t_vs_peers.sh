#!/bin/sh
# t_vs_peers.sh - bench/vs-peers.sh runs ipclab beside sockperf, iperf3 and qperf and
# reduces the rounds right.  Stand-in tools on PATH print the real tools' output with
# known numbers (sockperf p50 10 us and mean 11 us of half a round trip, qperf 20 us
# and 2 GB/sec, iperf3 16000 Mbit/s), and their servers are real listeners (`ipclab
# serve -m tcp` on the port asked for) that record their pids; the real ipclab runs.
# So each ratio is ipclab's number over a known one, nothing depends on speed, and
# every server can be checked gone afterwards, also after a SIGTERM mid-run.
set -u
. "$(dirname "$0")/lib.sh"
IPCLAB=${IPCLAB:-build/ipclab}
case $IPCLAB in /*) ;; *) IPCLAB=$PWD/$IPCLAB ;; esac
command -v taskset >/dev/null 2>&1 || skip "taskset (util-linux) not installed"
command -v pgrep >/dev/null 2>&1 || skip "pgrep (procps) not installed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_vs_peers.XXXXXX")
# on failure, what vs-peers left behind is stopped here, by pid
trap 'for p in $(cat "$tmp/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
export IPCLAB TVP="$tmp"

# serve PORT: a real TCP listener on PORT that records its pid (exec keeps it)
cat >"$tmp/bin/serve" <<'EOS'
#!/bin/sh
echo $$ >>"$TVP/pids"
echo "$1" >>"$TVP/ports"
exec "$IPCLAB" serve -m tcp --listen "127.0.0.1:$1"
EOS
# hang: a client that never finishes, recorded (a SIGTERM to vs-peers must stop it)
cat >"$tmp/bin/hang" <<'EOS'
#!/bin/sh
echo $$ >>"$TVP/pids"
echo $$ >"$TVP/hanging"
exec sleep 100000
EOS
cat >"$tmp/bin/sockperf" <<'EOS'
#!/bin/sh
mode=$1; port=
while [ $# -gt 0 ]; do [ "$1" = -p ] && port=$2; shift; done
[ "$mode" = server ] && exec "$TVP/bin/serve" "$port"
[ -n "${TVP_HANG:-}" ] && exec "$TVP/bin/hang"
printf 'sockperf: \033[2;35m====> avg-latency=11.000 (std-dev=1.0)\033[0m\n'
echo 'sockperf: ---> percentile 99.000 =   19.291'
echo 'sockperf: ---> percentile 50.000 =   10.000'
EOS
cat >"$tmp/bin/qperf" <<'EOS'
#!/bin/sh
port=; test=
while [ $# -gt 0 ]; do case $1 in -lp) port=$2; shift ;; tcp_*) test=$1 ;; esac; shift; done
[ -z "$test" ] && exec "$TVP/bin/serve" "$port"
case $test in
tcp_lat) printf 'tcp_lat:\n    latency  =  20 us\n' ;;
tcp_bw) printf 'tcp_bw:\n    bw  =  2 GB/sec\n' ;;
esac
EOS
cat >"$tmp/bin/iperf3" <<'EOS'
#!/bin/sh
port=; srv=0
while [ $# -gt 0 ]; do case $1 in -p) port=$2; shift ;; -s) srv=1 ;; esac; shift; done
[ $srv = 1 ] && exec "$TVP/bin/serve" "$port"
[ -n "${TVP_FAIL:-}" ] && { echo "iperf3: error - unable to connect to server" >&2; exit 1; }
echo '[  6]   0.00-1.00   sec  1.11 GBytes  16001 Mbits/sec    9             sender'
echo '[  6]   0.00-1.00   sec  1.10 GBytes  16000 Mbits/sec                  receiver'
EOS
chmod +x "$tmp/bin/"*
PATH="$tmp/bin:$PATH"
export IPCLAB_BENCH_LOCK="$tmp/lock"
VP="sh bench/vs-peers.sh -N"

# none of the recorded processes is left (gone, or a zombie its new parent will reap)
none_left() {
	[ -f "$tmp/pids" ] || return 1
	for p in $(cat "$tmp/pids"); do
		st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] || { echo "left behind: pid $p ($st)"; return 1; }
	done
}

$VP -r 2 -c 0,0 -l 64 -b 64K -t 1 -n 300 >"$tmp/out" 2>"$tmp/err"
rc=$?
grep -v "^vs-peers: record " "$tmp/err"
check "each record is said on stderr as it comes (10)" '[ "$(grep -c "^vs-peers: record [12] 0,0 " "$tmp/err")" -eq 10 ]'
check "one tiny run: exit 0" '[ $rc -eq 0 ]'
check "says what each tool measures" \
	'grep -q "^#   sockperf ping-pong: .*RTT/2: doubled" "$tmp/out" && grep -q "^#   qperf tcp_lat: .*mean" "$tmp/out" &&
	 grep -q "^#   iperf3: .*receiver" "$tmp/out" && grep -q "24 B header" "$tmp/out"'
check "states the load average" 'grep -q "^# load average at start: [0-9.]* [0-9.]* [0-9.]*" "$tmp/out"'
check "five rows a round, two rounds" '[ "$(grep -c "^round [12], --cpu 0,0, " "$tmp/out")" -eq 10 ]'
check "sockperf's p50 is the round trip: 2 x 10 us" \
	'[ "$(grep -c "^round ., .*ping-pong, p50: ipclab [0-9]* ns, sockperf 20000 ns, ratio" "$tmp/out")" -eq 2 ]'
check "sockperf's mean, qperf's latency doubled too" \
	'grep -q "ping-pong, mean: ipclab [0-9]* ns, sockperf 22000 ns" "$tmp/out" &&
	 grep -q "ping-pong, mean: ipclab [0-9]* ns, qperf 40000 ns" "$tmp/out"'
check "iperf3 Mbit/s and qperf GB/sec in MB/s" \
	'grep -q "stream, MB/s: ipclab [0-9.]* MB/s, iperf3 2000.0 MB/s" "$tmp/out" &&
	 grep -q "stream, MB/s: ipclab [0-9.]* MB/s, qperf 2000.0 MB/s" "$tmp/out"'
# every round's ratio is ipclab / peer; the summary's median of two is their mean
bad=$(awk '/^round/ { split($0, a, ": ipclab "); split(a[2], b, " "); i = b[1]; p = b[4]
	r = $NF; if (sprintf("%.2f", i / p) != r) print }' "$tmp/out")
check "each round's ratio is ipclab/peer ($bad)" '[ -z "$bad" ]'
want=$(awk '/^round .*ping-pong, p50/ { split($0, a, ": ipclab "); split(a[2], b, " "); s += b[1] / 20000; n++ }
	END { printf "%.2f", s / n }' "$tmp/out")
check "the p50 ratio's median over the rounds ($want)" \
	'grep -q "ping-pong vs sockperf (p50): .*ratio ipclab/sockperf median $want (" "$tmp/out"'
want=$(awk '/^round .*stream, MB\/s: .*iperf3/ { split($0, a, ": ipclab "); split(a[2], b, " "); s += b[1] / 2000; n++ }
	END { printf "%.2f", s / n }' "$tmp/out")
check "the stream ratio's median over the rounds ($want), higher is faster" \
	'grep -q "stream vs iperf3 (MB/s): .*ratio ipclab/iperf3 median $want (.* over 2 rounds, above 1: ipclab faster" "$tmp/out"'
check "eight servers ran (sockperf, iperf3, qperf twice; two rounds) and none is left" \
	'[ "$(wc -l <"$tmp/pids")" -eq 8 ] && none_left'
check "each server got a port of its own (one left in TIME_WAIT cannot be bound again)" \
	'[ "$(sort -u "$tmp/ports" | wc -l)" -eq 8 ]'

# -p picks the tools; a missing one with -N is left out with a line that says why
: >"$tmp/pids"
PATH="$tmp/bin:$PATH" $VP -r 1 -l 64 -b '' -n 200 -p qperf >"$tmp/q.out" 2>&1
check "-p qperf -b '': only qperf's ping-pong row" \
	'[ "$(grep -c "^round" "$tmp/q.out")" -eq 1 ] && grep -q "^round 1, --cpu 0,0, tcp 64 B ping-pong, mean: .* qperf 40000 ns" "$tmp/q.out"'

# a peer that fails: said, its row left out, the other rows and rounds still run, exit 1
: >"$tmp/pids"
TVP_FAIL=1 $VP -r 2 -l 64 -b 64K -t 1 -n 200 -p iperf3,qperf >"$tmp/x.out" 2>"$tmp/x.err"
rc=$?
check "a failing iperf3: exit 1, said on stderr" \
	'[ $rc -eq 1 ] && grep -q "iperf3.*gave no figure" "$tmp/x.err" && grep -q "2 row(s) failed" "$tmp/x.err"'
check "a failing iperf3: no iperf3 rows, qperf's ping-pong row in both rounds" \
	'! grep -q "iperf3 [0-9]" "$tmp/x.out" && [ "$(grep -c "^round ., .*ping-pong, mean: .* qperf 40000 ns" "$tmp/x.out")" -eq 2 ]'
check "a failing iperf3: its servers are gone too" 'none_left'

# under an outer flock of the same lock (make bench, a user's `flock LOCK ...`): no
# waiting on itself; timeout(1) is only the safety net that turns a deadlock into a failure
if command -v flock >/dev/null 2>&1; then
	timeout 120 flock "$IPCLAB_BENCH_LOCK" $VP -r 1 -l 64 -b '' -n 200 -p qperf >"$tmp/f.out" 2>&1
	rc=$?
	check "under an outer flock of the lock: completes (exit $rc)" \
		'[ $rc -eq 0 ] && grep -q "^round 1, .* qperf 40000 ns" "$tmp/f.out"'
fi

# SIGTERM in the middle of a run: the server and the client in flight are stopped
: >"$tmp/pids"
rm -f "$tmp/hanging"
TVP_HANG=1 $VP -r 1 -l 64 -b '' -n 200 -p sockperf >"$tmp/h.out" 2>&1 &
vp=$!
hung=$(wait_line "$tmp/hanging" "$vp")
check "the hanging client started" '[ -n "$hung" ]'
kill -TERM "$vp"
wait "$vp"
rc=$?
check "SIGTERM: exit 143" '[ $rc -eq 143 ]'
check "SIGTERM: the server and the hanging client are gone" \
	'[ "$(wc -l <"$tmp/pids")" -eq 2 ] && none_left'

# bad input: one line, exit 2, before anything runs
for a in "-r 0" "-r x" "-c 0" "-c 0,x" "-c 0,4096" "-l 12Q" "-l 70000" "-b 1G" "-t 0" "-t 1.5" \
	"-n -3" "-p netperf" "-P 80" "-l '' -b ''" "extra" "-Z"; do
	eval "$VP $a" >"$tmp/bad.out" 2>"$tmp/bad.err"
	rc=$?
	check "bad input '$a': exit 2, says why on stderr" '[ $rc -eq 2 ] && [ -s "$tmp/bad.err" ] && [ ! -s "$tmp/bad.out" ]'
done
check "-h prints the usage" 'sh bench/vs-peers.sh -h | grep -q "vs-peers.sh \[-r ROUNDS\]"'
[ "$fails" -eq 0 ]
