#!/bin/sh
# vs-floor.sh - ipclab's full exchange against the minimal loop (../shared/floor),
# in paired rounds: each round runs the floor, then ipclab, on the same placement.
#
#   bench/vs-floor.sh [-r ROUNDS] [-n ITERS] [-s SIZE] [-c C,S] [-w WAIT] [-b IPCLAB]... MECH
#
# MECH is an ipclab mechanism: pipe, fifo, unix, tcp, udp, shm (shm takes -w
# block|spin|hybrid; its floor loop is shm-futex for block and hybrid, shm-spin for
# spin), mq or seqpacket (their floor loops are ipclab's own, bench/floor/, as
# ../shared/floor has none).  -b may be given twice to compare two ipclab builds
# (before, after) against the same floor rounds.
#
# Why rounds: on a shared virtual machine the cost of a cross-core hand-off changes from
# one second to the next (this project's 2-vCPU guest flips between states 2-3x apart), so
# a ratio is only meaningful between runs taken back to back.  Reported, per build: the
# median p50 (min-max) of each side, the median (min-max) of the paired ratios ipclab/floor,
# and the same over the "floor at its best" rounds (floor p50 within 25% of its minimum:
# the host's fast state, where the framework's own cost shows most).
#
# Needs the floor built: make -C ../shared/floor (binary /tmp/ipclab-floor/floor, or
# FLOOR=path); for mq and seqpacket, make (build/ipclab-floor-extra, or FLOOR_EXTRA=path).  Holds the benchmark lock (IPCLAB_BENCH_LOCK, default /tmp/ipclab-bench.lock)
# around each timed run when flock exists, unless an ancestor (an outer flock) holds it.
set -eu

ROUNDS=9 ITERS=20000 SIZE=64 CPU=0,0 WAIT=block BINS=""
FLOOR=${FLOOR:-/tmp/ipclab-floor/floor}
FLOOR_EXTRA=${FLOOR_EXTRA:-build/ipclab-floor-extra}
LOCK=${IPCLAB_BENCH_LOCK-/tmp/ipclab-bench.lock}
. "$(dirname "$0")/lock.sh"
usage() { sed -n '2,20s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
while getopts r:n:s:c:w:b:h o; do
	case $o in
	r) ROUNDS=$OPTARG ;; n) ITERS=$OPTARG ;; s) SIZE=$OPTARG ;; c) CPU=$OPTARG ;;
	w) WAIT=$OPTARG ;; b) BINS="$BINS $OPTARG" ;; h) usage 0 ;; *) usage 2 >&2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage 2 >&2
MECH=$1
[ -n "$BINS" ] || BINS=${IPCLAB:-build/ipclab}
case $MECH in
pipe | fifo | tcp | udp) FMECH=$MECH ;;
mq | seqpacket) FMECH=$MECH FLOOR=$FLOOR_EXTRA ;;
unix) FMECH=uds ;;
shm) case $WAIT in spin) FMECH=shm-spin ;; block | hybrid) FMECH=shm-futex ;;
	*) echo "vs-floor: -w must be block, spin or hybrid" >&2; exit 2 ;; esac ;;
*) echo "vs-floor: no floor loop for '$MECH' (pipe fifo unix tcp udp shm mq seqpacket)" >&2; exit 2 ;;
esac
# ipclab bench refuses --wait for a mechanism without a wait policy
WAITOPT=; [ "$MECH" = shm ] && WAITOPT="--wait $WAIT"
if [ ! -x "$FLOOR" ]; then
	case $FMECH in mq | seqpacket) echo "vs-floor: $FLOOR not found: make" >&2 ;;
	*) echo "vs-floor: $FLOOR not found: make -C ../shared/floor" >&2 ;; esac
	exit 2
fi
for b in $BINS; do
	[ -x "$b" ] || { echo "vs-floor: $b not found: make" >&2; exit 2; }
done
locked() { ipl_locked "$LOCK" "$@"; }

# One line per round: floor_p50 ipclab_p50 [ipclab2_p50]; on a failure, a
# line FAILED (the pipe into awk would hide the exit status)
rounds() {
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		f=$(locked "$FLOOR" "$FMECH" "$SIZE" "$ITERS" --pin "$CPU" |
			sed -n 's/.* p50_ns=\([0-9]*\) .*/\1/p')
		[ -n "$f" ] || { echo "vs-floor: the floor printed no p50" >&2; echo FAILED; return 1; }
		line=$f
		for b in $BINS; do
			out=$(locked "$b" bench -m "$MECH" $WAITOPT --cpu "$CPU" -s "$SIZE" \
				-n "$ITERS" --warmup 2000 -f csv -q) ||
				{ echo "vs-floor: $b failed or saw errors" >&2; echo FAILED; return 1; }
			p=$(printf '%s\n' "$out" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "p50_ns") c = i }
				NR == 2 { print $c }')
			line="$line $p"
		done
		echo "$line"
		i=$((i + 1))
	done
}

echo "# $MECH ($FMECH), ${SIZE} B, --cpu $CPU, --wait $WAIT: $ROUNDS paired rounds of $ITERS round trips"
rounds | awk -v bins="$BINS" '
function med(a, n,   i, j, t) { # sorts a[1..n] in place, returns its median
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$0 == "FAILED" { failed = 1; exit 1 }
{ n++; for (k = 1; k <= NF; k++) v[k, n] = $k; nf = NF; print "round " n ": floor " $1 " ns, ipclab " substr($0, index($0, " ") + 1) " ns" }
END {
	if (failed) exit 1
	nb = split(bins, name, " ")
	best = 0; for (r = 1; r <= n; r++) if (!best || v[1, r] < best) best = v[1, r]
	for (r = 1; r <= n; r++) fl[r] = v[1, r]
	fmin = best; fmed = med(fl, n); fmax = fl[n]
	printf "floor   p50 median %d ns (%d-%d)\n", fmed, fmin, fmax
	for (k = 2; k <= nf; k++) {
		m = 0; q = 0
		for (r = 1; r <= n; r++) {
			x[r] = v[k, r]; rt[r] = v[k, r] / v[1, r]
			if (v[1, r] <= best * 1.25) { q++; fr[q] = v[k, r] / v[1, r]; fx[q] = v[k, r] }
		}
		xm = med(x, n); rm = med(rt, n)
		printf "%s p50 median %d ns (%d-%d); paired ratio median %.2f (%.2f-%.2f)", name[k - 1], xm, x[1], x[n], rm, rt[1], rt[n]
		if (q) { fm = med(fr, q); printf "; floor at its best (%d rounds): ipclab %d ns, ratio %.2f", q, med(fx, q), fm }
		printf "\n"
	}
}'
