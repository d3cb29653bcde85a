#!/bin/sh
# default.sh - `make bench`: the default comparison, in under 2 minutes on a
# 2-vCPU machine.
#
#   every mechanism `ipclab list` shows (rpc over its default carrier, unix;
#   the library references zmq and nng too, when built: each costs ~10 s)
#   x 64 B, 4 KiB, 64 KiB, 1 MiB
#   x latency (ping-pong ECHO) and throughput (16 SINKs in flight)
#   x same-core (--cpu 0,0) and cross-core (--cpu 0,1) placement
#   3 reps of 0.1 s each (medians and min..max), plus a client-scaling sweep
#   (1, 2, 4 clients, 64 B throughput, cross-core), plus a load sweep (two
#   mechanisms, unix and shm when listed, 64 B, cross-core, offered rates
#   LOAD_RATES for LOAD_DURATION s each, one rep: the latency-vs-load chart).
#
# Writes results/latest.{csv,json,md}, results/latest.html (ipclab report:
# one self-contained page of the main run), results/scaling.{csv,json,md},
# results/load.{csv,json,md}, results/spin.{csv,json,md} (when a mechanism
# can spin, cross-core only) and results/plots/*.png (+ .svg), and prints
# the tables.
#
# Why the settings: a fixed -n would make 1 MiB rows run 100x longer than
# 64 B rows; --duration gives every row the same time.  The warm-up is capped
# at 50 messages so a 1 MiB warm-up (under 0.1 s) does not outlast the
# measurement; the first-rep warning in the output says when that was not
# enough.  Left out on purpose:
#   - --wait spin on the same core (mechanisms with the "spin" capability,
#     i.e. shm): each side spins until the scheduler tick preempts it, so it
#     measures the tick, not the mechanism.  Spin runs cross-core only, as its
#     own set (results/spin.*), because it is not comparable with the blocking
#     rows: a spinning end burns its core whether or not a message comes.
#   - stream mode and --crc: one-way bulk and checksums are separate questions
#     (ipclab bench --mode stream, --crc).
#   - a mechanism that cannot run with these settings is simply not listed
#     by `ipclab list` yet; nothing here names mechanisms.
# Every timed run holds the benchmark lock (IPCLAB_BENCH_LOCK, default
# /tmp/ipclab-bench.lock) so concurrent benchmarks on the same machine do not
# disturb each other (the wait is not measured); under an outer
# `flock LOCK make bench` the lock is already ours (bench/lock.sh).
#
# The load sweep's time: a load row sends LOAD_DURATION x rate requests
# (every scheduled request is sent and timed, or the sweep would omit the
# ones a stall delayed); a rate the mechanism cannot sustain therefore takes
# longer, requests / achieved rate.  The top rate, 100k msgs/s, is past what
# a 2-vCPU machine sustains with one request in flight, at ~40k msgs/s
# achieved that row takes ~0.75 s: the sweep is ~4 s in all.
#
# A shorter sweep (tests, a quick look): MECHS=unix,shm SIZES=64,4K
# DURATION=0.01 REPS=1 RESULTS=dir.
set -eu
: "${IPCLAB:=build/ipclab}"
: "${RESULTS:=results}"
: "${DURATION:=0.1}"
: "${REPS:=3}"
: "${SIZES:=64,4K,64K,1M}"
: "${LOAD_RATES:=1k,10k,30k,100k}"
: "${LOAD_DURATION:=0.3}"
LOCK=${IPCLAB_BENCH_LOCK-/tmp/ipclab-bench.lock}
. "$(dirname "$0")/lock.sh"

mechs=${MECHS:-$("$IPCLAB" list | awk 'NR > 1 { printf "%s%s", sep, $1; sep = "," }')}
if [ -z "$mechs" ]; then
	echo "make bench: ipclab list shows no mechanism" >&2
	exit 1
fi
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
placements="--cpu 0,0"
if [ "$ncpu" -ge 2 ]; then
	placements="--cpu 0,0 --cpu 0,1"
else
	echo "make bench: one CPU: same-core placement only" >&2
fi
cross="0,1"
[ "$ncpu" -ge 2 ] || cross="0,0"

mkdir -p "$RESULTS/plots"
start=$(date +%s)
echo "make bench: $mechs; sizes $SIZES; latency and throughput; $placements; $REPS x ${DURATION}s" >&2

# Exit status 1 means a run failed or saw errors: the outputs say which, and
# the plots are still worth drawing, so remember it and go on.
status=0
# Runs "$@" holding the lock; adds the time spent waiting for it to $waited
# (other benchmarks on this machine), so the wall time can be read honestly.
waited=0
locked() {
	asked=$(date +%s%N)
	rc=0
	ipl_locked "$LOCK" sh -c 'date +%s%N >"$0"; exec "$@"' "$RESULTS/.lock-taken" "$@" || rc=$?
	waited=$((waited + ($(cat "$RESULTS/.lock-taken") - asked) / 1000000))
	rm -f "$RESULTS/.lock-taken"
	return $rc
}
# shellcheck disable=SC2086 # $placements is two words on purpose
locked "$IPCLAB" bench -m "$mechs" -s "$SIZES" --mode latency,throughput \
	$placements --duration "$DURATION" --warmup 50 --reps "$REPS" \
	--save "$RESULTS/latest" -o "$RESULTS/latest.txt" || status=$?
[ "$status" -le 1 ] || exit "$status"

locked "$IPCLAB" bench -m "$mechs" -s 64 --mode throughput --clients 1,2,4 \
	--cpu "$cross" --duration "$DURATION" --warmup 50 --reps "$REPS" \
	--save "$RESULTS/scaling" -o "$RESULTS/scaling.txt" || status=$?
[ "$status" -le 1 ] || exit "$status"

# the load sweep: unix and shm when both are in the list, else the first two
loadm=$(echo "$mechs" | tr , '\n' | awk '$1 == "unix" || $1 == "shm" { printf "%s%s", sep, $1; sep = "," }')
case $loadm in *,*) ;; *) loadm=$(echo "$mechs" | cut -d, -f1-2) ;; esac
locked "$IPCLAB" bench -m "$loadm" -s 64 --mode load --rate "$LOAD_RATES" \
	--cpu "$cross" --duration "$LOAD_DURATION" --warmup 50 --reps 1 \
	--save "$RESULTS/load" -o "$RESULTS/load.txt" || status=$?
[ "$status" -le 1 ] || exit "$status"

spinners=$("$IPCLAB" list | awk -v want=",$mechs," 'NR > 1 && $2 ~ /(^|,)spin(,|$)/ && index(want, "," $1 ",") {
	printf "%s%s", sep, $1; sep = "," }')
rm -f "$RESULTS"/spin.*
if [ -n "$spinners" ] && [ "$ncpu" -ge 2 ]; then
	locked "$IPCLAB" bench -m "$spinners" --wait spin -s "$SIZES" --mode latency,throughput \
		--cpu 0,1 --duration "$DURATION" --warmup 50 --reps "$REPS" \
		--save "$RESULTS/spin" -o "$RESULTS/spin.txt" || status=$?
	[ "$status" -le 1 ] || exit "$status"
fi

# the charts: every row of the comparison, spin rows included (same CSV header)
rm -f "$RESULTS"/plots/*.png "$RESULTS"/plots/*.svg
all="$RESULTS/.plot-input.csv"
cp "$RESULTS/latest.csv" "$all"
[ -f "$RESULTS/spin.csv" ] && tail -n +2 "$RESULTS/spin.csv" >>"$all"
"$IPCLAB" plot "$all" -o "$RESULTS/plots" --charts latency,percentiles,throughput,fastest >/dev/null
"$IPCLAB" plot "$RESULTS/scaling.csv" -o "$RESULTS/plots" --charts clients >/dev/null
"$IPCLAB" plot "$RESULTS/load.csv" -o "$RESULTS/plots" --charts load >/dev/null
rm -f "$all"
# the page to open in a browser: the main run's tables, charts, warnings
"$IPCLAB" report "$RESULTS/latest.json" -o "$RESULTS/latest.html" || exit $?

cat "$RESULTS/latest.txt"
echo
cat "$RESULTS/scaling.txt"
echo
cat "$RESULTS/load.txt"
if [ -f "$RESULTS/spin.txt" ]; then
	echo
	cat "$RESULTS/spin.txt"
fi
end=$(date +%s)
echo
spun=""
[ -f "$RESULTS/spin.csv" ] && spun=" $RESULTS/spin.{csv,json,md},"
echo "make bench: wrote $RESULTS/latest.{csv,json,md,html}, $RESULTS/scaling.{csv,json,md}," \
	"$RESULTS/load.{csv,json,md},$spun" \
	"and $(ls "$RESULTS"/plots/*.png | wc -l) charts in $RESULTS/plots/ in $((end - start)) s" \
	"($((waited / 1000)).$((waited % 1000 / 100)) s of it waiting for other benchmarks' lock)"
exit "$status"
