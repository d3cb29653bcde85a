# lock.sh - the benchmark lock for the shell scripts; source it.  The same
# rule as bench/run/lock.c (read that for why): flock(1) on $LOCK
# (IPCLAB_BENCH_LOCK, default /tmp/ipclab-bench.lock, empty: no lock),
# skipped when this shell or an ancestor already holds it, so the scripts
# run under an outer `flock LOCK ...` without waiting on themselves.
#
#   ipl_lock_held LOCK      0 when we or an ancestor hold LOCK
#   ipl_locked LOCK CMD...  runs CMD holding LOCK (taken unless held); says
#                           who holds it after 5 s of waiting

# ipl_lock_held LOCK: a process on our parent chain has an fd on LOCK whose
# /proc/PID/fdinfo lists a FLOCK lock (only the holding open file
# description lists it; waiters do not).
ipl_lock_held() {
	[ -e "$1" ] || return 1
	_p=$$
	while [ "${_p:-0}" -gt 0 ]; do
		for _fd in /proc/"$_p"/fd/*; do
			[ "$_fd" -ef "$1" ] 2>/dev/null || continue
			grep -q '^lock:.*FLOCK' "/proc/$_p/fdinfo/${_fd##*/}" 2>/dev/null &&
				! grep -q '^lock:.*->' "/proc/$_p/fdinfo/${_fd##*/}" 2>/dev/null && return 0
		done
		_s=$(cat "/proc/$_p/stat" 2>/dev/null) || return 1
		_s=${_s##*) }
		# shellcheck disable=SC2086 # split the fields after "(comm)"
		set -- "$1" $_s
		_p=$3
	done
	return 1
}

# ipl_lock_holder LOCK: "pid N (command)" from /proc/locks
ipl_lock_holder() {
	_ino=$(stat -c %i "$1" 2>/dev/null) || return 0
	_pid=$(awk -v ino="$_ino" '$2 == "FLOCK" { n = split($6, d, ":"); if (d[n] == ino) { print $5; exit } }' /proc/locks)
	[ -n "$_pid" ] || { echo "another process"; return 0; }
	_cmd=$(tr '\0' ' ' <"/proc/$_pid/cmdline" 2>/dev/null)
	echo "pid $_pid (${_cmd:-gone: a descriptor it passed on holds the lock})"
}

ipl_locked() {
	_lock=$1
	shift
	if [ -z "$_lock" ] || ! command -v flock >/dev/null 2>&1 || ipl_lock_held "$_lock"; then
		"$@"
		return
	fi
	# fd 8 on the lock while CMD runs: CMD and its children inherit it, and
	# ipclab bench inside sees the lock as its ancestor's (ours)
	exec 8>>"$_lock"
	if ! flock -w 5 8; then
		echo "${0##*/}: waiting for the benchmark lock $_lock, held by $(ipl_lock_holder "$_lock")" >&2
		flock 8
	fi
	_rc=0
	"$@" || _rc=$?
	flock -u 8
	exec 8>&-
	return $_rc
}
