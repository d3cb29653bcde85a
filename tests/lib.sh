# lib.sh - what the shell tests share; source it: . "$(dirname "$0")/lib.sh"
# check LABEL EXPR: evaluates EXPR, prints "ok   - LABEL" or "FAIL - LABEL"
# and counts failures in $fails.  Every tests/t_*.sh sources this file.
IPCLAB=${IPCLAB:-build/ipclab}
# udp on loopback loses nothing: only a stall of a loaded machine could pass
# for a loss, so its per-reply wait (default 200 ms) is a safety net here
export IPCLAB_UDP_TIMEOUT_MS=${IPCLAB_UDP_TIMEOUT_MS:-60000}
fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# skip REASON: this test cannot run here (a tool or a permission is missing):
# says why and exits 77, which tests/run.sh counts as skipped, never passed.
skip() { echo "SKIP: $1"; exit 77; }

# Waiting in the shell tests: for an event, never for time to pass.  The
# deadlines below are safety nets (SAFETY_S, 120 s), far beyond what a
# loaded machine needs; a test that passes only on an idle machine is a
# flaky test (`make check-stress` runs the suite beside a CPU load).
SAFETY_S=${SAFETY_S:-120}

# alive PID: PID is running.  A child that exited but is not reaped yet (a
# zombie) still answers kill -0; it counts as gone here, so a server that
# died at start is seen at once instead of after the safety net.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	_al_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case $_al_st in Z* | X* | '') return 1 ;; esac
}

# wait_line FILE PID: waits until FILE holds a whole first line (the address
# a server prints) or PID has exited; prints the line, or returns 1.  Remove
# FILE before starting the server: the shell truncates a redirect in the
# child, so an old FILE may still be read after the new server started.
wait_line() {
	_wl_n=$((SAFETY_S * 20))
	while [ "$_wl_n" -gt 0 ]; do
		if [ -f "$1" ] && [ "$(wc -l <"$1")" -ge 1 ]; then
			head -n 1 "$1"
			return 0
		fi
		alive "$2" || break
		sleep 0.05
		_wl_n=$((_wl_n - 1))
	done
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge 1 ] && head -n 1 "$1"
}

# wait_gone PID: waits until PID (not necessarily our child) has exited;
# returns 1 if it is still there after the safety net.
wait_gone() {
	_wg_n=$((SAFETY_S * 20))
	while alive "$1"; do
		[ "$_wg_n" -gt 0 ] || return 1
		sleep 0.05
		_wg_n=$((_wg_n - 1))
	done
}

# cpu_ticks PID: the CPU time PID has used (utime + stime, in clock ticks)
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# wait_busy PID TICKS: waits until the server PID has used 3 more clock ticks
# of CPU (30 ms at 100 Hz) than TICKS, read before a client was started:
# an idle server uses none, so this means the client is connected and being
# served (an event, not a guess like `sleep 0.3`).  1 if the server died or
# the safety net ran out.
wait_busy() {
	_wb_n=$((SAFETY_S * 20))
	while [ "$_wb_n" -gt 0 ]; do
		_wb_t=$(cpu_ticks "$1")
		[ -n "$_wb_t" ] || return 1
		[ "$_wb_t" -ge $(($2 + 3)) ] && return 0
		sleep 0.05
		_wb_n=$((_wb_n - 1))
	done
	return 1
}
