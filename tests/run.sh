#!/bin/sh
# run.sh - runs every test binary and script; prints one summary line.
# Each test gets its own fresh TMPDIR so leftovers are attributable, and a
# timeout so a hang fails instead of stalling CI.  A shell test that exits
# 77 (lib.sh's skip) could not run here: it is counted and listed as
# skipped, never as passed; so are the cases a cmocka binary skips (its
# " N SKIPPED TEST(S)" line), though the binary's other cases pass.
set -u
TIMEOUT=${TEST_TIMEOUT:-600}
passed=0
failed=0
skipped=0
failed_names=""
skipped_names=""
cases_skipped=0
cases_skipped_names=""
root=$(mktemp -d "${TMPDIR:-/tmp}/ipclab-tests.XXXXXX")
trap 'rm -rf "$root"' EXIT
# Stopped by CI or a user: the test in progress is stopped too (timeout(1)
# runs it in a process group of its own, where a terminal's ^C does not
# reach, and passes our TERM on to that group), then the EXIT trap removes
# $root.
child=
stop() {
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
	exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM
# ipclab bench takes the benchmark lock: tests take a private one, so they
# neither queue behind real benchmarks on this machine nor hold them up
IPCLAB_BENCH_LOCK="$root/bench.lock"
export IPCLAB_BENCH_LOCK

# run_one NAME CAN_SKIP CMD...: CAN_SKIP=1 lets exit 77 mean "skipped" (the
# shell tests; a cmocka binary's status is its failure count, which may be 77)
run_one() {
	name=$1
	can_skip=$2
	shift 2
	dir="$root/$name"
	mkdir -p "$dir"
	echo "== $name"
	# in the background, so that a stop signal's trap runs at once (a shell
	# runs traps only between commands) and can stop the test
	TMPDIR="$dir" timeout -k 5 "$TIMEOUT" "$@" >"$dir.log" 2>&1 &
	child=$!
	wait "$child"
	rc=$?
	child=
	cat "$dir.log"
	n=$(sed -n 's/^ *\([0-9][0-9]*\) SKIPPED TEST(S)$/\1/p' "$dir.log" | tail -n 1)
	if [ -n "$n" ] && [ "$n" -gt 0 ]; then
		cases_skipped=$((cases_skipped + n))
		cases_skipped_names="$cases_skipped_names $name($n)"
	fi
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	elif [ "$rc" -eq 77 ] && [ "$can_skip" -eq 1 ]; then
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $name"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
	fi
}

for t in "$@"; do
	run_one "$(basename "$t")" 0 "$t"
done
for s in tests/t_*.sh; do
	[ -f "$s" ] || continue
	run_one "$(basename "$s" .sh)" 1 sh "$s"
done

[ -n "$skipped_names" ] && echo "skipped:$skipped_names"
[ -n "$cases_skipped_names" ] && echo "cases skipped inside passing binaries:$cases_skipped_names"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $skipped skipped, $failed failed; $cases_skipped cmocka cases skipped"
[ "$failed" -eq 0 ]
