#!/bin/sh
# stress.sh - `make check-stress N=10`: the whole of `make check` (tests/run.sh
# with the same arguments) N times in a row while a CPU load runs beside it:
# `stress-ng --cpu 2` when installed, else one busy loop per core.  A test
# that only passes when the machine is idle this minute is a flaky test; this
# is how they are found.  Passes only if all N runs pass; says which failed.
#
# The load runs in its own process group and is stopped on every way out
# (pass, fail, Ctrl-C, SIGTERM).  stress-ng also gets a timeout of its own,
# so even a SIGKILL of this script cannot leave it burning CPU for long.
set -u
N=${N:-10}
case $N in '' | *[!0-9]*) echo "check-stress: N must be a number, got '$N'" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "check-stress: N must be at least 1" >&2; exit 2; }

load=
run=
work=$(mktemp -d "${TMPDIR:-/tmp}/ipclab-stress.XXXXXX") || exit 1
# (no `kill --` here: dash's kill takes "-PGID" only without it)
stop_load() {
	if [ -n "$load" ]; then
		kill -TERM "-$load" 2>/dev/null
		wait "$load" 2>/dev/null
		load=
	fi
}
stop_run() {
	if [ -n "$run" ]; then
		kill -TERM "$run" 2>/dev/null # run.sh removes its files and exits
		wait "$run" 2>/dev/null
		run=
	fi
}
trap 'stop_run; stop_load; rm -rf "$work"' EXIT
# the runs are waited for with `wait`, which a trapped signal interrupts:
# Ctrl-C or a SIGTERM stops the load at once, not after the current run
trap 'exit 130' INT TERM

# setsid: a new process group we can stop as a whole (stress-ng forks workers)
if command -v stress-ng >/dev/null 2>&1; then
	what="stress-ng --cpu 2"
	setsid stress-ng --cpu 2 --timeout "$((N * 3600))s" --quiet </dev/null >/dev/null 2>&1 &
	load=$!
else
	cores=$(nproc 2>/dev/null || echo 2)
	what="$cores busy loops (stress-ng not installed)"
	setsid sh -c "i=0; while [ \$i -lt $cores ]; do (while :; do :; done) & i=\$((i + 1)); done; wait" \
		</dev/null >/dev/null 2>&1 &
	load=$!
fi
echo "check-stress: $N runs of make check beside $what (pid group $load)"

failed_runs=""
i=1
while [ "$i" -le "$N" ]; do
	echo "== check-stress: run $i of $N"
	log="$work/run$i.log"
	# in the background, so that a signal is taken at once (see the traps);
	# the output streams as usual and is read back for the summary
	sh tests/run.sh "$@" >"$log" 2>&1 &
	run=$!
	tail -n +1 -f --pid="$run" "$log" &
	shown=$!
	wait "$run"
	rc=$?
	run=
	wait "$shown"
	if [ "$rc" != 0 ]; then
		what_failed=$(sed -n 's/^failed: *//p' "$log" | tail -n 1)
		failed_runs="$failed_runs
  run $i:${what_failed:+ $what_failed}"
		echo "== check-stress: run $i of $N FAILED: ${what_failed:-see above}"
	else
		echo "== check-stress: run $i of $N passed"
	fi
	i=$((i + 1))
done
stop_load

if [ -n "$failed_runs" ]; then
	echo "check-stress: FAILED under load ($what); failed runs:$failed_runs"
	exit 1
fi
echo "check-stress: all $N runs passed under load ($what)"
