#!/bin/sh
# t_serve_signals.sh - `ipclab serve` under SIGTERM, SIGINT and SIGKILL, for
# every mechanism that can be served (named, not needs-fork; rpc over unix
# and tcp).  SIGTERM/SIGINT, with a client running: exit 0 within a bound,
# every name removed.  SIGKILL: the names left are removed by the next start.
set -u
: "${IPCLAB:?run me through make check (tests/run.sh exports IPCLAB)}"
T=${TMPDIR:-/tmp}
work=$(mktemp -d "$T/sig.XXXXXX")
fails=0
cases=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# names "ipclab-<pid>-*" in $TMPDIR and /dev/shm
names_of() {
	ls -d "$T/ipclab-$1-"* /dev/shm/ipclab-"$1"-* 2>/dev/null | wc -l
}

# start_serve OUT ARGS...: starts the server, waits for its address line;
# sets spid and addr
start_serve() {
	out=$1
	shift
	rm -f "$out" "$out.err"
	"$IPCLAB" serve "$@" >"$out" 2>"$out.err" &
	spid=$!
	i=0
	while [ ! -s "$out" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	addr=$(head -n 1 "$out")
}

# wait_exit PID SECS: the exit status, or 124 after SECS (then killed)
wait_exit() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

mechs=$("$IPCLAB" list | awk 'NR > 1 && $2 ~ /named/ && $2 !~ /needs-fork/ { print $1 }')
set --
for m in $mechs; do
	case $m in
	rpc) set -- "$@" "rpc --via unix" "rpc --via tcp" ;;
	*) set -- "$@" "$m" ;;
	esac
done

for spec in "$@"; do
	# shellcheck disable=SC2086
	set -- $spec
	for sig in TERM INT; do
		cases=$((cases + 1))
		start_serve "$work/out" -m "$@"
		if [ -z "$addr" ]; then
			fail "$spec: serve printed no address"; kill -9 "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; continue
		fi
		if ! timeout 60 "$IPCLAB" bench -q -m "$@" --connect "$addr" -n 200 -s 64,70000 >"$work/bench" 2>&1; then
			fail "$spec: bench against serve failed"; cat "$work/bench"
		fi
		# a client still running when the signal lands
		timeout 60 "$IPCLAB" bench -q -m "$@" --connect "$addr" --duration 30 -s 1024 >/dev/null 2>&1 &
		bpid=$!
		sleep 0.3
		kill -"$sig" "$spid"
		wait_exit "$spid" 10
		st=$?
		[ "$st" -eq 0 ] || { fail "$spec: SIG$sig: serve exited $st"; cat "$work/out.err"; }
		left=$(names_of "$spid")
		[ "$left" -eq 0 ] || fail "$spec: SIG$sig: $left names left by serve"
		wait_exit "$bpid" 20 >/dev/null 2>&1
		[ $? -ne 124 ] || fail "$spec: SIG$sig: the client hung after the server stopped"
		echo "ok: $spec SIG$sig (exit $st, $left names left)"
	done

	cases=$((cases + 1))
	start_serve "$work/out" -m "$@"
	kill -9 "$spid"
	wait "$spid" 2>/dev/null
	old=$spid
	before=$(names_of "$old")
	start_serve "$work/out2" -m "$@"
	after=$(names_of "$old")
	[ -n "$addr" ] || fail "$spec: serve after a crash printed no address"
	kill -TERM "$spid"
	wait_exit "$spid" 10 || fail "$spec: second serve did not stop cleanly"
	[ "$after" -eq 0 ] || fail "$spec: $after names of the killed serve survived the next start"
	echo "ok: $spec SIGKILL ($before names left by the crash, $after after the next start; pid $old)"
done

rm -rf "$work"
echo "$cases cases, $fails failed"
[ "$fails" -eq 0 ]
