#!/bin/sh
# t_serve_signals.sh - `ipclab serve` under SIGTERM, SIGINT and SIGKILL, for
# every mechanism that can be served (named, not needs-fork; rpc and nng over unix
# and tcp).  SIGTERM/SIGINT, with a client being served: exit 0, every name
# removed, the client does not hang.  SIGKILL: the names left are removed by
# the next start.  Every wait is for an event (lib.sh); bounds are safety nets.
set -u
: "${IPCLAB:?run me through make check (tests/run.sh exports IPCLAB)}"
. "$(dirname "$0")/lib.sh"
T=${TMPDIR:-/tmp}
work=$(mktemp -d "$T/sig.XXXXXX")
fails=0
cases=0


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
	addr=$(wait_line "$out" "$spid")
}

# wait_exit PID: the exit status of our child PID, or 124 if it is still
# running after the safety net (then killed)
wait_exit() {
	if ! wait_gone "$1"; then
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
	nng) set -- "$@" "nng --via unix" "nng --via tcp" ;;
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
		# a client being served when the signal lands: the server's CPU
		# time grows only while it serves one
		t0=$(cpu_ticks "$spid")
		timeout 120 "$IPCLAB" bench -q -m "$@" --connect "$addr" --duration 100 -s 1024 >/dev/null 2>&1 &
		bpid=$!
		wait_busy "$spid" "$t0" || fail "$spec: SIG$sig: the client was never served"
		kill -"$sig" "$spid"
		wait_exit "$spid"
		st=$?
		[ "$st" -eq 0 ] || { fail "$spec: SIG$sig: serve exited $st"; cat "$work/out.err"; }
		left=$(names_of "$spid")
		[ "$left" -eq 0 ] || fail "$spec: SIG$sig: $left names left by serve"
		wait_exit "$bpid" >/dev/null 2>&1
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
	wait_exit "$spid" || fail "$spec: second serve did not stop cleanly"
	[ "$after" -eq 0 ] || fail "$spec: $after names of the killed serve survived the next start"
	echo "ok: $spec SIGKILL ($before names left by the crash, $after after the next start; pid $old)"
done

rm -rf "$work"
echo "$cases cases, $fails failed"
[ "$fails" -eq 0 ]
