# needs.sh - sourced by tests/t_labs.sh, the lab scripts it generates and
# docs/labs/tools/reference.sh: needs_ok "needs=a,b" returns 0 when every
# requirement of a lab-test block holds here, otherwise prints what is
# missing (the reason the block is skipped) and returns 1.
#   cmd:NAME   a command on PATH         mech:NAME   a registered mechanism
#   file:PATH  a file (source-relative)  ipclab:SUB  an ipclab subcommand
#   root       uid 0                     netns       `ip netns add` works here
#   strace     strace can trace ipclab   perf        perf stat counts switches
#   rpcbind    an rpcbind answers on 127.0.0.1 (rpcinfo -p)
needs_ok() {
	list=${1#needs=}
	[ -n "$1" ] || return 0
	old_ifs=$IFS
	IFS=,
	for n in $list; do
		IFS=$old_ifs
		case $n in
		cmd:*) command -v "${n#cmd:}" >/dev/null 2>&1 || { echo "${n#cmd:} not installed"; return 1; } ;;
		file:*) [ -e "${n#file:}" ] || { echo "${n#file:} not built"; return 1; } ;;
		mech:*) ipclab list | awk 'NR > 1 { print $1 }' | grep -qx "${n#mech:}" || { echo "mechanism ${n#mech:} not in this build"; return 1; } ;;
		ipclab:*) ipclab "${n#ipclab:}" --help >/dev/null 2>&1 || { echo "ipclab ${n#ipclab:} not in this build"; return 1; } ;;
		root) [ "$(id -u)" = 0 ] || { echo "not root"; return 1; } ;;
		netns) _ns="ipclab-labs-probe-$$"
			{ ip netns add "$_ns" && ip netns del "$_ns"; } >/dev/null 2>&1 ||
				{ echo "ip netns does not work here"; return 1; } ;;
		strace) # installed, but ptrace may be forbidden (a container), and
			# a sanitizer build's leak check cannot run under it
			strace -f -qq -o /dev/null ipclab list >/dev/null 2>&1 ||
				{ echo "strace cannot trace ipclab here"; return 1; } ;;
		perf) # perf is installed but may not count in a VM or container;
			# with kernel.perf_event_paranoid >= 2 a user's perf falls
			# back to context-switches:u, which counts 0
			perf stat -e context-switches -x, true 2>&1 >/dev/null |
				grep -q '^[0-9][0-9]*,[^,]*,context-switches,' ||
				{ echo "perf stat cannot count context-switches here (kernel.perf_event_paranoid?)"; return 1; } ;;
		rpcbind) rpcinfo -p 127.0.0.1 >/dev/null 2>&1 ||
				{ echo "no rpcbind answers on 127.0.0.1 (apt-get install rpcbind, then start it as root)"; return 1; } ;;
		*) echo "unknown requirement '$n'"; return 2 ;;
		esac
	done
	IFS=$old_ifs
	return 0
}
