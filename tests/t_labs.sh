#!/bin/sh
# t_labs.sh - the labs never rot: every command block of docs/labs/*.md marked
#
#   ```sh lab-test [needs=REQ,REQ...]
#
# is extracted and run, one script per lab (the blocks in order, in one
# shell, as a student would type them), from the source directory with the
# ipclab under test first on PATH.  A command that fails fails the test.
#
# Small counts: unless LAB_FULL=1, on lines that run ipclab or
# scripts/netns-lab.sh, "-n N" becomes "-n 200", "--reps N" becomes
# "--reps 1", "--warmup N" (N > 0) "--warmup 20", "--duration S"
# "--duration 0.2", and the "flock /tmp/ipclab-bench.lock" prefix is dropped
# (these runs are not measurements).  An `ipclab bench` or netns-lab.sh
# line without -n (or --duration) is refused: it would run 20000 round trips
# per row, as the student would too.
#
# needs= skips a block (loudly) when something it needs is missing:
#   cmd:NAME   a command on PATH         mech:NAME   a registered mechanism
#   file:PATH  a file (source-relative)  ipclab:SUB  an ipclab subcommand
#   root       uid 0                netns      `ip netns add` works here
#   perf       `perf stat -e context-switches` counts here (not in every VM)
# A lab whose every block is skipped (lab 2b when not root) is reported
# "skip", never "ok"; the skipped blocks are counted in a last line
# " N SKIPPED TEST(S)", the form tests/run.sh lists in make check's summary.
# Processes a lab leaves running (found by a mark in their environment)
# and network namespaces (their names end in the lab shell's pid, as the
# handouts name them with $$) are ended after it; a lab that passed but
# left either fails.
#
# Usage: t_labs.sh [LAB.md...]   (default: docs/labs/*.md)
#        LAB_FULL=1 t_labs.sh docs/labs/05-*.md   runs the real counts and
#        shows the output: how the answer keys' numbers were produced.
set -u
. "$(dirname "$0")/lib.sh"
IPCLAB=${IPCLAB:-build/ipclab}
case $IPCLAB in /*) ;; *) IPCLAB=$(pwd)/$IPCLAB ;; esac
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/td"
ln -s "$IPCLAB" "$tmp/bin/ipclab"
PATH="$tmp/bin:$PATH"
export PATH

if [ $# -eq 0 ]; then
	set -- docs/labs/*.md
fi

# needs_ok "needs=a,b": 0 when every requirement holds; prints what is missing.
# Shared with docs/labs/tools/reference.sh; the lab scripts source it too.
cp "$(dirname "$0")/../docs/labs/tools/needs.sh" "$tmp/needs.sh"
. "$tmp/needs.sh"

# Writes the lab-test blocks of $1 to stdout, small counts unless LAB_FULL,
# each block wrapped so a missing requirement skips it.
extract() {
	awk -v full="${LAB_FULL:-0}" '
	function small(l) {
		if (full == 1 || l !~ /ipclab|netns-lab/)
			return l
		sub(/flock \/tmp\/ipclab-bench\.lock /, "", l)
		gsub(/ -n [0-9]+[KkMm]?/, " -n 200", l)
		gsub(/ --iters [0-9]+[KkMm]?/, " --iters 200", l)
		gsub(/ --reps [0-9]+/, " --reps 1", l)
		gsub(/ --warmup [1-9][0-9]*/, " --warmup 20", l)
		gsub(/ --duration [0-9.]+/, " --duration 0.2", l)
		return l
	}
	/^```sh lab-test/ {
		inb = 1; nb++
		needs = ""
		for (i = 3; i <= NF; i++) if ($i ~ /^needs=/) needs = $i
		printf "if why=$(needs_ok \"%s\"); then\n", needs
		printf "echo \"## block %d (line %d)\"\n", nb, NR
		next
	}
	inb && /^```/ {
		inb = 0
		printf "else echo \"SKIP block %d (line %d): $why\"; skipped=$((skipped + 1)); fi\n", nb, NR
		next
	}
	inb {
		if ($0 ~ /(^|[ ;(|&])ipclab bench/ && $0 !~ / -n [0-9]/ && $0 !~ /--iters/ && $0 !~ /--duration/ && $0 !~ /--help/)
			printf "echo \"LAB BUG: line %d runs ipclab bench without -n or --duration\" >&2; exit 3\n", NR
		if ($0 ~ /netns-lab\.sh/ && $0 !~ / -n [0-9]/ && $0 !~ /--help/)
			printf "echo \"LAB BUG: line %d runs netns-lab.sh without -n\" >&2; exit 3\n", NR
		print small($0)
	}
	END { if (inb) { print "echo \"LAB BUG: unterminated block\" >&2; exit 3" } }
	' "$1"
}

# drop_netns PID: removes the network namespaces whose names end in -PID
# (a lab's own, named with its shell's $$); prints their names
drop_netns() {
	[ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 || return 0
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E -- "-$1\$" |
		while read -r ns; do ip netns del "$ns" 2>/dev/null; echo "$ns"; done
}

# kill_marked MARK: ends the processes whose environment holds
# IPCLAB_LAB_RUN=MARK (a lab's own, also inside `ip netns exec`: a server a
# failed lab left running); prints their pids
kill_marked() {
	for d in /proc/[0-9]*; do
		{ tr '\0' '\n' <"$d/environ"; } 2>/dev/null | grep -qxF "IPCLAB_LAB_RUN=$1" || continue
		kill "${d#/proc/}" 2>/dev/null && echo "${d#/proc/}"
	done
}

passed=0
skipped_labs=0
skipped_blocks=0
for lab in "$@"; do
	name=$(basename "$lab" .md)
	script="$tmp/$name.sh"
	{
		echo "set -e"
		echo "skipped=0"
		echo "echo \$\$ >'$tmp/$name.pid'"
		echo ". '$tmp/needs.sh'"
		extract "$lab"
		echo "echo \$skipped >'$tmp/$name.skipped'"
		echo 'echo "## end ($skipped block(s) skipped)"'
	} >"$script"
	nblocks=$(grep -c '^echo "## block' "$script")
	if [ "$nblocks" -eq 0 ]; then
		continue # a lab without commands to test (an index, an answer key)
	fi
	start=$(date +%s)
	if [ "${LAB_FULL:-0}" = 1 ]; then
		(cd "$(dirname "$0")/.." && IPCLAB_LAB_RUN="$script" TMPDIR="$tmp/td" sh -x "$script" 2>&1)
		rc=$?
	else
		(cd "$(dirname "$0")/.." && IPCLAB_LAB_RUN="$script" TMPDIR="$tmp/td" timeout -k 5 300 sh -x "$script" >"$tmp/$name.log" 2>&1)
		rc=$?
	fi
	secs=$(( $(date +%s) - start ))
	nskip=$(cat "$tmp/$name.skipped" 2>/dev/null || echo 0)
	procs=$(kill_marked "$script")
	left=$(drop_netns "$(cat "$tmp/$name.pid" 2>/dev/null || echo none)")
	if [ $rc -eq 0 ] && [ -n "$procs$left" ]; then
		echo "FAIL - $name left processes or network namespaces behind (ended now):" $procs $left
		fails=$((fails + 1))
	elif [ $rc -eq 0 ] && [ "$nskip" -eq "$nblocks" ]; then
		# nothing ran: not a pass
		echo "skip - $name: all $nblocks block(s) skipped, not tested here:"
		grep '^SKIP' "$tmp/$name.log" 2>/dev/null | sed 's/^/       /'
		skipped_labs=$((skipped_labs + 1))
		skipped_blocks=$((skipped_blocks + nskip))
	elif [ $rc -eq 0 ]; then
		echo "ok   - $name (${secs}s) ($nskip of $nblocks block(s) skipped)"
		grep '^SKIP' "$tmp/$name.log" 2>/dev/null | sed 's/^/       /'
		passed=$((passed + 1))
		skipped_blocks=$((skipped_blocks + nskip))
	else
		echo "FAIL - $name (exit $rc after ${secs}s); the end of its log:"
		tail -n 25 "$tmp/$name.log" 2>/dev/null | sed 's/^/       /'
		fails=$((fails + 1))
	fi
done
leftover=$(cd "$tmp/td" && ls -d ipclab-* 2>/dev/null)
if [ -n "$leftover" ]; then
	echo "FAIL - the labs left ipclab names in TMPDIR: $leftover"
	fails=$((fails + 1))
fi
echo "labs: $passed passed, $skipped_labs skipped (every block), $fails failed"
# in cmocka's form, so that make check's summary (tests/run.sh) lists them
[ "$skipped_blocks" -eq 0 ] || echo " $skipped_blocks SKIPPED TEST(S)"
[ "$fails" -eq 0 ]
