#!/bin/sh
# grade.sh - the code labs' grader: `make grade LAB=N [SOLUTION=reference|DIR]`
# (docs/labs/code/labs.mk calls it).  Builds the student's file(s) of lab N
# from docs/labs/code/N-*/ (or the reference solution, or DIR), runs them
# against ipclab and prints one PASS or FAIL line per check, each FAIL with
# what to look at, then a verdict.
#
# Usage: grade.sh LAB [SOLUTION] [OUTDIR]     environment: IPCLAB, CC
# Exit: 0 every check passed, 1 a check failed, 2 bad usage, 77 skipped
# (something the lab needs is not installed; the reason is printed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
lab=${1:-}
solution=${2:-}
out=${3:-build/labs}
IPCLAB=${IPCLAB:-build/ipclab}
CC=${CC:-cc}
# generous: only a program that is stuck (a read nobody answers) hits it
RUN_LIMIT=${GRADE_TIMEOUT:-120}
# forgiving flags: a student's warnings are shown, not fatal
SCFLAGS="-std=gnu11 -O2 -g -Wall -Wextra"

checks=0
failed=0
pass() {
	checks=$((checks + 1))
	echo "  PASS  $1"
}
# fail WHAT [HINT...]: one FAIL line, then each hint indented under it
fail() {
	checks=$((checks + 1))
	failed=$((failed + 1))
	echo "  FAIL  $1"
	shift
	for h in "$@"; do echo "        $h"; done
}
skip() {
	echo "lab $lab: SKIPPED: $1"
	exit 77
}
verdict() {
	if [ "$failed" -eq 0 ] && [ "$checks" -gt 0 ]; then
		echo "lab $lab: PASS ($checks of $checks checks)"
		exit 0
	fi
	echo "lab $lab: FAIL ($failed of $checks checks failed: read the FAIL lines above)"
	exit 1
}
# stop: a failure after which nothing else can be checked
stop() {
	fail "$@"
	verdict
}
# compile NAME OUTPUT SOURCES...: builds, or prints the compiler's complaint
compile() {
	_what=$1 _bin=$2
	shift 2
	if ! "$CC" $SCFLAGS -o "$_bin" "$@" >"$_bin.log" 2>&1; then
		fail "$_what does not compile; the compiler said (first lines):"
		sed -n '1,25s/^/          /p' "$_bin.log"
		verdict
	fi
	if grep -q 'warning:' "$_bin.log"; then
		echo "  note  $_what compiles with warnings (worth reading):"
		grep 'warning:' "$_bin.log" | sed -n '1,10s/^/          /p'
	fi
}
# run_limited OUT ERR CMD...: runs CMD with the time limit (OUT = ERR: both
# into one file, in order); returns its exit status.  timeout(1) makes a process group of its own: whatever CMD forked
# and left running (a child still blocked in read) is found there, reported
# in $leftover (1 if some process was still there 10 s after CMD ended) and
# killed.
run_limited() {
	_o=$1 _e=$2
	shift 2
	if [ "$_o" = "$_e" ]; then
		timeout -k 5 "$RUN_LIMIT" "$@" >"$_o" 2>&1 </dev/null &
	else
		timeout -k 5 "$RUN_LIMIT" "$@" >"$_o" 2>"$_e" </dev/null &
	fi
	_p=$!
	wait "$_p"
	_rc=$?
	leftover=0
	_n=200
	while group_alive "$_p"; do
		[ "$_n" -gt 0 ] || { leftover=1; break; }
		sleep 0.05
		_n=$((_n - 1))
	done
	[ "$leftover" = 0 ] || kill -KILL "-$_p" 2>/dev/null
	return $_rc
}
# group_alive PGID: some process of that group is running (zombies, which
# are already dead, do not count)
group_alive() {
	cat /proc/[0-9]*/stat 2>/dev/null |
		awk -v g="$1" '{ sub(/^.*\) /, ""); if ($3 == g && $1 != "Z") n++ } END { exit !n }'
}
# wait_addr FILE PID: the first line a server prints (its address), once it is there
wait_addr() {
	_n=$((RUN_LIMIT * 20))
	while [ "$_n" -gt 0 ]; do
		if [ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; then
			head -n 1 "$1"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
# stop_server PID: SIGTERM, then waits for it (our child)
stop_server() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

case $lab in
'') echo "usage: make grade LAB=N [SOLUTION=reference|DIR]   (labs: $(cd "$here" && ls -d [0-9]-* | tr '\n' ' '))" >&2; exit 2 ;;
esac
name=$(cd "$here" && ls -d "$lab"-* 2>/dev/null | head -n 1)
[ -n "$name" ] || { echo "grade: there is no code lab $lab (labs: $(cd "$here" && ls -d [0-9]-* | tr '\n' ' '))" >&2; exit 2; }
case $solution in
'') src=$here/$name ;;
reference) src=$here/reference/$name ;;
*) src=$solution ;;
esac
[ -d "$src" ] || { echo "grade: $src is not a directory" >&2; exit 2; }
src=$(cd "$src" && pwd)
case $IPCLAB in /*) ;; *) IPCLAB=$(pwd)/$IPCLAB ;; esac
[ -x "$IPCLAB" ] || { echo "grade: $IPCLAB is not built: run make first" >&2; exit 2; }
work=$out/$name${solution:+-$(basename "$solution")}
rm -rf "$work"
mkdir -p "$work" || exit 2
work=$(cd "$work" && pwd)
echo "== lab $lab ($name): grading $src"

. "$here/grade_$lab.sh"
verdict
