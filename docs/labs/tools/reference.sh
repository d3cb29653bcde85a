#!/bin/sh
# reference.sh - `make lab-reference`: runs every lab's commands (its
# "```sh lab-test" blocks, in order, in one shell, as a student types them)
# on this machine and writes one results file per lab, OUT/<lab>.md, with
# the commands, their output and a label naming the machine, the kernel,
# the vCPUs, the date, the ipclab revision and the placement: reference
# numbers labelled with their machine.  They are not kept in git
# (docs/labs/reference/.gitignore): an instructor runs this on the lab
# machines and publishes the files; a student compares relations with
# them, never numbers.
#
# Counts are shortened so that all labs take a few minutes: -n above
# REF_ITERS (default 2000) becomes REF_ITERS, --reps above REF_REPS (3)
# becomes REF_REPS, --duration above 1 s becomes 1.  Counts below the caps
# are kept.  The lab's own counts give steadier numbers: REF_ITERS=20000
# runs them as written (about ten times longer).
#
# Usage: reference.sh [LAB.md...]    (default: docs/labs/[0-9]*.md)
# Environment: IPCLAB (default build/ipclab), REF_OUT (default
# docs/labs/reference), REF_ITERS, REF_REPS, REF_TIMEOUT (seconds per
# lab, default 300).
set -u
src=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$src" || exit 2
IPCLAB=${IPCLAB:-build/ipclab}
case $IPCLAB in /*) ;; *) IPCLAB=$src/$IPCLAB ;; esac
[ -x "$IPCLAB" ] || { echo "reference.sh: no ipclab at $IPCLAB (run make)" >&2; exit 2; }
OUT=${REF_OUT:-docs/labs/reference}
ITERS=${REF_ITERS:-2000}
REPS=${REF_REPS:-3}
mkdir -p "$OUT" || exit 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
ln -s "$IPCLAB" "$tmp/bin/ipclab"
PATH="$tmp/bin:$PATH"
export PATH
[ $# -gt 0 ] || set -- docs/labs/[0-9]*.md

# The machine label, shared by every file of this run.
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$cpu" ] || cpu=$(uname -m)
# A virtual machine shows the "hypervisor" CPU flag even inside a container.
# systemd-detect-virt's guess is given as such (it names Firecracker bhyve).
vm=$(grep -q '^flags.* hypervisor' /proc/cpuinfo 2>/dev/null && echo "a virtual machine" || echo "none detected")
guess=$(systemd-detect-virt -v 2>/dev/null) || guess=
[ -n "$guess" ] && [ "$guess" != none ] && vm="$vm (systemd-detect-virt: $guess)"
ct=$(systemd-detect-virt -c 2>/dev/null) || ct=
[ -n "$ct" ] && [ "$ct" != none ] && vm="$vm; container: $ct"
machine="$cpu, $(nproc) vCPUs (virtualisation: $vm)"
kernel="$(uname -sr)"
rev=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)
version=$(ipclab --version 2>/dev/null | head -n 1)

# Splits $1 into $tmp/b<N>.sh (one per block, counts capped) and prints
# "N LINE NEEDS" per block.
split_blocks() {
	awk -v dir="$tmp" -v iters="$ITERS" -v reps="$REPS" '
	function cap(l, opt, max,   out, v, pre) {
		out = ""
		while (match(l, " " opt " [0-9]+[KkMm]?")) {
			pre = substr(l, 1, RSTART - 1)
			v = substr(l, RSTART + length(opt) + 2, RLENGTH - length(opt) - 2)
			if (v ~ /[Kk]$/) v = v * 1000; else if (v ~ /[Mm]$/) v = v * 1000000
			if (v + 0 > max) v = max
			out = out pre " " opt " " v
			l = substr(l, RSTART + RLENGTH)
		}
		return out l
	}
	function shorten(l,   d) {
		if (l !~ /ipclab|netns-lab/)
			return l
		l = cap(l, "-n", iters)
		l = cap(l, "--iters", iters)
		l = cap(l, "--reps", reps)
		if (match(l, / --duration [0-9.]+/)) {
			d = substr(l, RSTART + 12, RLENGTH - 12)
			if (d + 0 > 1) l = substr(l, 1, RSTART - 1) " --duration 1" substr(l, RSTART + RLENGTH)
		}
		return l
	}
	/^```sh lab-test/ {
		inb = 1; nb++; needs = ""
		for (i = 3; i <= NF; i++) if ($i ~ /^needs=/) needs = $i
		print nb, NR, needs
		f = dir "/b" nb ".sh"
		printf "" > f
		next
	}
	inb && /^```/ { inb = 0; close(f); next }
	inb { print shorten($0) >> f }
	' "$1"
}

# Writes the driver that runs the blocks of one lab and prints Markdown.
driver() {
	echo ". '$src/docs/labs/tools/needs.sh'"
	while read -r n line needs; do
		cat <<EOF
printf '\n## Block $n (lab line $line)\n\n\`\`\`sh\n'
cat '$tmp/b$n.sh'
printf '\`\`\`\n\n'
if why=\$(needs_ok "$needs"); then
	printf '\`\`\`text\n'
	. '$tmp/b$n.sh' 2>&1
	rc=\$?
	printf '\`\`\`\n'
	[ \$rc -eq 0 ] || printf '\nThe block exited with status %d.\n' \$rc
else
	printf 'Skipped here: %s.\n' "\$why"
fi
EOF
	done
}

fails=0
for lab in "$@"; do
	name=$(basename "$lab" .md)
	rm -f "$tmp"/b*.sh
	split_blocks "$lab" >"$tmp/index"
	[ -s "$tmp/index" ] || continue
	driver <"$tmp/index" >"$tmp/driver.sh"
	title=$(sed -n '1s/^# //p' "$lab")
	out="$OUT/$name.md"
	start=$(date +%s)
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	{
		echo "# Reference run: $title"
		echo
		echo "Reference numbers, labelled with their machine: what the commands of"
		echo "[$name.md](../$name.md) printed on one machine at one moment, for"
		echo "comparing *relations* (which is faster, by roughly how much, where a"
		echo "curve bends) with your own run. They are not targets: on another"
		echo "machine, or on this one under other load, the numbers differ."
		echo "Regenerate with \`make lab-reference\` (docs/labs/tools/reference.sh)."
		echo
		echo "| | |"
		echo "| --- | --- |"
		echo "| machine | $machine |"
		echo "| kernel | $kernel |"
		echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
		echo "| ipclab | git revision $rev ($version) |"
		echo "| load average before | $load0 |"
		echo "| placement | each command's \`--cpu C,S\`: client(s) on CPU C, server on CPU S; no \`--cpu\`: unpinned |"
		echo "| counts | \`-n\` capped at $ITERS, \`--reps\` at $REPS, \`--duration\` at 1 s (the lab's counts give steadier numbers) |"
		(timeout -k 5 "${REF_TIMEOUT:-300}" sh "$tmp/driver.sh" 2>&1)
		rc=$?
		echo
		echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - start)) s in all."
		[ $rc -eq 0 ] || echo "The run stopped with status $rc (timeout: 124)."
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "$out ($(($(date +%s) - start)) s)"
done
