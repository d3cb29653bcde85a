#!/bin/sh
# run.sh - runs every test binary and script; prints one summary line.
# Each test gets its own fresh TMPDIR so leftovers are attributable, and a
# timeout so a hang fails instead of stalling CI.
set -u
TIMEOUT=${TEST_TIMEOUT:-600}
passed=0
failed=0
failed_names=""
root=$(mktemp -d "${TMPDIR:-/tmp}/ipclab-tests.XXXXXX")
trap 'rm -rf "$root"' EXIT
trap 'exit 130' INT TERM # so the EXIT trap removes $root when CI or a user stops us
# ipclab bench takes the benchmark lock: tests take a private one, so they
# neither queue behind real benchmarks on this machine nor hold them up
IPCLAB_BENCH_LOCK="$root/bench.lock"
export IPCLAB_BENCH_LOCK

run_one() {
	name=$1
	shift
	dir="$root/$name"
	mkdir -p "$dir"
	echo "== $name"
	if TMPDIR="$dir" timeout -k 5 "$TIMEOUT" "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
	fi
}

for t in "$@"; do
	run_one "$(basename "$t")" "$t"
done
for s in tests/t_*.sh; do
	[ -f "$s" ] || continue
	run_one "$(basename "$s" .sh)" sh "$s"
done

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
