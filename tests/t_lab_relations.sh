#!/bin/sh
# t_lab_relations.sh - the relations the lab answer keys state as holding on
# any machine still hold on this one (issue #21: keys that hold anywhere).
#
# Only relations between counts are checked here, never times: a context
# switch count is set by the structure of the exchange (who must sleep for
# whom), so it holds with every core busy, while an ordering by time can
# flip with the load, the CPU's speed state or the host (the keys say which
# of theirs do).  Both ends share one CPU (--cpu C,C): then every wait for
# the other side is a switch, which makes the counts structural.  A loaded
# machine only adds switches (other work runs between the two), so checks
# are lower bounds or ratios with a wide margin, never upper bounds.
#
#   lab 5, key 7: a blocking round trip puts each side to sleep once:
#                 >= 2 switches per round trip for shm (block), unix, pipe
#   lab 4, key 6: above the pipe's 64 KiB capacity the message crosses in
#                 pieces: a 256 KiB pipe round trip switches far more often
#                 than a 64 B one, and more often than a Unix socket's,
#                 whose larger buffer takes bigger pieces
#   lab 6, key 2: on one core a 1 MiB message through the shm ring (a wake
#                 every 32 KiB) switches more often than through a Unix
#                 socket (woken when most of its buffer is free)
#   lab 1, key 12-13: what the kernel tells a survivor whose peer was
#                 killed (the handout's own script, run as it stands): EOF
#                 on a stream socket, ECONNRESET when our request lay
#                 unread, EPIPE on a unix send, a first tcp send accepted;
#                 shared memory keeps what the dead writer left, and only a
#                 pidfd tells.  These are the kernel's rules, not timings.
set -u
: "${IPCLAB:?run me through make check (tests/run.sh exports IPCLAB)}"
. "$(dirname "$0")/lib.sh"
T=${TMPDIR:-/tmp}
work=$(mktemp -d "$T/rel.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the first CPU this test may run on (a cpuset need not hold CPU 0)
cpu=$(awk '/^Cpus_allowed_list/ { split($2, a, /[-,]/); print a[1] }' /proc/self/status)
[ -n "$cpu" ] || cpu=0

# cs MECH SIZE: ctxsw_per_msg of one same-core row (200 round trips); the
# run must succeed with 0 errors, else the test fails and prints why
cs() {
	if ! "$IPCLAB" bench -q -m "$1" -s "$2" -n 200 --warmup 20 --cpu "$cpu,$cpu" -f csv \
		-o "$work/$1-$2.csv" 2>"$work/err"; then
		fail "bench -m $1 -s $2 ran with 0 errors"
		cat "$work/err"
		echo 0
		return
	fi
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ print $c["ctxsw_per_msg"] }' "$work/$1-$2.csv"
}

# at_least A B: A >= B (decimals)
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

for m in shm unix pipe; do
	v=$(cs "$m" 64)
	# 2 per round trip; 1.9 leaves room for the window's first and last
	check "lab 5: a blocking $m round trip switches at least twice ($v per round trip)" \
		'at_least "$v" 1.9'
done

p64=$(cs pipe 64)
p256=$(cs pipe 256K)
u256=$(cs unix 256K)
check "lab 4: a 256 KiB pipe round trip switches >= 4x a 64 B one ($p256 vs $p64)" \
	'at_least "$p256" "$(awk -v x="$p64" "BEGIN { print 4 * x }")"'
check "lab 4: at 256 KiB the pipe switches more often than a Unix socket ($p256 vs $u256)" \
	'at_least "$p256" "$(awk -v x="$u256" "BEGIN { print 1.3 * x }")"'

s1m=$(cs shm 1M)
u1m=$(cs unix 1M)
check "lab 6: at 1 MiB on one core shm switches more often than unix ($s1m vs $u1m)" \
	'at_least "$s1m" "$(awk -v x="$u1m" "BEGIN { print 1.3 * x }")"'

# survivor "CASE" "CALL" "RESULT": the lab 1 script printed RESULT for CALL
# under the heading CASE
lab1=$(dirname "$0")/../docs/labs/01-client-server-vs-peer.md
awk '/^### What the kernel tells the survivor/ { f = 1 }
	f && /^python3 - <<.EOF.$/ { p = 1; next }
	p && /^EOF$/ { exit }
	p' "$lab1" >"$work/survivor.py"
if ! python3 "$work/survivor.py" >"$work/survivor.out" 2>&1; then
	fail "lab 1: the survivor script runs"
	cat "$work/survivor.out"
fi
awk '/^[^ ]/ { c = $0; next } { sub(/^ +/, ""); print c "|" $0 }' "$work/survivor.out" >"$work/survivor.tab"
survivor() { grep -qF -x "$1|$2: $3" "$work/survivor.tab"; }
for k in unix tcp; do
	check "lab 1: $k, a peer dead with nothing unread: recv reads end of file" \
		"survivor '$k: the peer dies with nothing unread' recv \"returns b''\""
	check "lab 1: $k, a peer dead with our request unread: recv fails with ECONNRESET" \
		"survivor '$k: the peer dies with our request unread' recv 'fails with ECONNRESET (Connection reset by peer)'"
done
check "lab 1: unix, a send to a dead peer fails at once with EPIPE" \
	"survivor 'unix: the peer dies with nothing unread' send 'fails with EPIPE (Broken pipe)'"
check "lab 1: tcp, the first send after the peer's FIN is accepted" \
	"survivor 'tcp: the peer dies with nothing unread' send 'returns 1'"
check "lab 1: shm, the dead writer's bytes are still there" \
	"grep -q \"^shm: .*|the memory: b'half a message..' \" '$work/survivor.tab'"
check "lab 1: shm, only the pidfd tells: readable, killed by signal 9" \
	"grep -qxF 'shm: the peer dies in the middle of writing a message|only the pidfd tells: readable=True, exit signal 9' '$work/survivor.tab'"

echo "lab relations: $fails failed"
[ "$fails" -eq 0 ]
