#!/bin/sh
# t_vs_floor.sh - bench/vs-floor.sh pairs floor and ipclab runs and reduces them
# right.  A stand-in floor (its p50s known: 100, 200, 400 ns by round) runs against
# the real ipclab, so each paired ratio is exactly ipclab's p50 over a known number;
# usage errors exit 2.
set -u
. "$(dirname "$0")/lib.sh"
IPCLAB=${IPCLAB:-build/ipclab}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_vs_floor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# the stand-in floor prints the floor's output line; its p50 doubles each round
cat >"$tmp/floor" <<'EOS'
#!/bin/sh
n=$(cat "$0.n" 2>/dev/null || echo 0); echo $((n + 1)) >"$0.n"
p=100; i=0; while [ $i -lt $((n % 3)) ]; do p=$((p * 2)); i=$((i + 1)); done
echo "floor mech=$1 size=$2 iters=$3 pin=$5 min_ns=1 p50_ns=$p p99_ns=1 ok=1"
EOS
chmod +x "$tmp/floor"

FLOOR="$tmp/floor" IPCLAB_BENCH_LOCK="$tmp/lock" sh bench/vs-floor.sh -r 3 -n 300 -c 0,0 \
	-b "$IPCLAB" pipe >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/err"
check "runs: exit 0" '[ $rc -eq 0 ]'
check "three rounds, each with the floor's p50" \
	'grep -q "^round 1: floor 100 ns" "$tmp/out" && grep -q "^round 2: floor 200 ns" "$tmp/out" &&
	 grep -q "^round 3: floor 400 ns" "$tmp/out"'
check "the floor's median and range" 'grep -q "^floor   p50 median 200 ns (100-400)" "$tmp/out"'
# the paired ratios are ipclab_r / floor_r: recompute their median from the rounds
# "round N: floor F ns, ipclab X ns": recompute the median of X/F over the three rounds
want=$(awk '/^round/ { x[++k] = $7 / $4 }
	END { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
	      printf "%.2f", x[2] }' "$tmp/out")
check "the paired ratio median is computed from the rounds ($want)" \
	'grep -q "paired ratio median $want " "$tmp/out"'
check "floor at its best: only the 100 ns round counts" 'grep -q "floor at its best (1 rounds)" "$tmp/out"'

# mq and seqpacket are held against ipclab's own floor loops (bench/floor/)
FLOOR_EXTRA="$tmp/floor" IPCLAB_BENCH_LOCK="$tmp/lock" sh bench/vs-floor.sh -r 1 -n 100 -c 0,0 \
	-b "$IPCLAB" mq >"$tmp/mq.out" 2>&1
rc=$?
check "mq: its rounds use FLOOR_EXTRA (exit 0, one round)" \
	'[ $rc -eq 0 ] && grep -q "^# mq (mq)" "$tmp/mq.out" && grep -q "^round 1: floor [0-9]* ns" "$tmp/mq.out"'
FX=${BUILD:-build}/ipclab-floor-extra
for m in mq seqpacket; do
	check "the $m floor loop runs and prints its p50" \
		'"$FX" $m 64 200 --pin 0,0 | grep -q "^floor mech=$m size=64 iters=200 pin=0,0 .* p50_ns=[1-9]"'
done
check "the mq floor loop refuses a size over fs.mqueue.msgsize_max: exit 1" \
	'"$FX" mq $(($(cat /proc/sys/fs/mqueue/msgsize_max) + 1)) 10 2>/dev/null; [ $? -eq 1 ]'
check "the seqpacket floor loop refuses a size over its send buffer less 32: exit 2, nothing left running" \
	'"$FX" seqpacket 1048576 10 2>/dev/null; [ $? -eq 2 ] && ! pgrep -f "ipclab-floor-extra seqpacket 1048576" >/dev/null'
# a floor that fails fails the comparison, after no ipclab run
printf '#!/bin/sh\necho refused >&2; exit 2\n' >"$tmp/nofloor"
chmod +x "$tmp/nofloor"
FLOOR="$tmp/nofloor" IPCLAB_BENCH_LOCK="$tmp/lock" sh bench/vs-floor.sh -r 2 -n 100 -c 0,0 \
	-b "$IPCLAB" pipe >"$tmp/nf.out" 2>"$tmp/nf.err"
rc=$?
check "a floor that prints no p50: exit 1, says so, no medians" \
	'[ $rc -eq 1 ] && grep -q "the floor printed no p50" "$tmp/nf.err" && ! grep -q "median" "$tmp/nf.out"'
check "an ipclab run that fails: exit 1" \
	'FLOOR="$tmp/floor" IPCLAB_BENCH_LOCK="$tmp/lock" sh bench/vs-floor.sh -r 1 -n 100 -c 0,0 -b /bin/false pipe \
	 >/dev/null 2>&1; [ $? -eq 1 ]'
check "no floor loop for rpc: exit 2" \
	'FLOOR="$tmp/floor" sh bench/vs-floor.sh rpc 2>/dev/null; [ $? -eq 2 ]'
check "bad --wait: exit 2" \
	'FLOOR="$tmp/floor" sh bench/vs-floor.sh -w nap shm 2>/dev/null; [ $? -eq 2 ]'
check "missing floor binary: exit 2, says how to build it" \
	'FLOOR="$tmp/none" sh bench/vs-floor.sh pipe 2>&1 >/dev/null | grep -q "make -C ../shared/floor"'
check "-h prints the usage" 'sh bench/vs-floor.sh -h | grep -q "vs-floor.sh \[-r ROUNDS\]"'
[ "$fails" -eq 0 ]
