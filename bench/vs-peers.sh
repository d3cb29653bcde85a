#!/bin/sh
# vs-peers.sh - ipclab's tcp against the established tools (sockperf, iperf3, qperf),
# side by side on the same placement and sizes, in interleaved rounds.
#
#   bench/vs-peers.sh [-r ROUNDS] [-c C,S]... [-l SIZES] [-b SIZES] [-t SECS]
#                     [-n ITERS] [-p PEERS] [-P PORT] [-N] [-h]
#
#   -r ROUNDS  rounds (default 5); each round runs every row once, ipclab then the peers
#   -c C,S     client on CPU C, server on CPU S (ipclab --cpu C,S; the peers under
#              taskset); repeat for several placements (default 0,0)
#   -l SIZES   ping-pong sizes, bytes with K/M, comma-separated (default 64)
#   -b SIZES   one-way stream sizes (default 64K,1M); -l '' or -b '' drops that part
#   -t SECS    each peer run lasts SECS whole seconds, ipclab's stream too (default 1)
#   -n ITERS   ipclab's measured round trips per ping-pong run (default 20000)
#   -p PEERS   which tools: sockperf,iperf3,qperf (default all three)
#   -P PORT    first TCP port tried; each peer server gets a free one (default: from pid)
#   -N         never install a missing tool (default: apt-get install it as root)
#
# Rows: ping-pong SIZE: ipclab bench -m tcp (p50 and mean round trip, every reply
# verified) against sockperf ping-pong (p50 and mean; it prints half a round trip,
# doubled here) and qperf tcp_lat (mean half round trip, doubled; no percentiles).
# Stream SIZE: ipclab --mode stream (one-way payload MB/s) against iperf3
# (receiver's rate of SIZE-byte writes) and qperf tcp_bw (SIZE-byte messages); the
# peers verify nothing, and ipclab checks a SINK's header but its payload only with
# --crc (not given here).  Ratios are ipclab/peer per round, reported as the median
# (min-max) over the rounds: below 1 ipclab is faster at ping-pong, above 1 at stream.
# Every run holds the benchmark lock (IPCLAB_BENCH_LOCK, default /tmp/ipclab-bench.lock;
# bench/lock.sh); every peer server is stopped after its run, and on Ctrl-C or SIGTERM.
set -u

ROUNDS=5 CPUS="" LAT=64 BW=64K,1M SECS=1 ITERS=20000 PEERS=sockperf,iperf3,qperf
PORT=0 INSTALL=1
IPCLAB=${IPCLAB:-build/ipclab}
LOCK=${IPCLAB_BENCH_LOCK-/tmp/ipclab-bench.lock}
. "$(dirname "$0")/lock.sh"
usage() { sed -n '2,28s/^# \{0,1\}//p' "$0"; exit "${1:-0}"; }
die2() { echo "vs-peers: $1" >&2; exit 2; }
while getopts r:c:l:b:t:n:p:P:Nh o; do
	case $o in
	r) ROUNDS=$OPTARG ;; c) CPUS="$CPUS $OPTARG" ;; l) LAT=$OPTARG ;; b) BW=$OPTARG ;;
	t) SECS=$OPTARG ;; n) ITERS=$OPTARG ;; p) PEERS=$OPTARG ;; P) PORT=$OPTARG ;;
	N) INSTALL=0 ;; h) usage 0 ;; *) usage 2 >&2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || die2 "unexpected argument '$1' (see -h)"
[ -n "$CPUS" ] || CPUS=0,0

posint() { case $1 in '' | *[!0-9]* | 0*) return 1 ;; esac; }
posint "$ROUNDS" || die2 "-r must be a positive integer, not '$ROUNDS'"
posint "$SECS" || die2 "-t must be a positive whole number of seconds, not '$SECS'"
posint "$ITERS" || die2 "-n must be a positive integer, not '$ITERS'"
[ "$PORT" = 0 ] || { posint "$PORT" && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65000 ]; } ||
	die2 "-P must be a port 1024-65000, not '$PORT'"
NCPU=$(getconf _NPROCESSORS_ONLN)
for c in $CPUS; do
	case $c in
	*,*) a=${c%%,*} b=${c#*,} ;;
	*) die2 "-c must be C,S (two CPU numbers), not '$c'" ;;
	esac
	for x in "$a" "$b"; do
		{ [ "$x" = 0 ] || posint "$x"; } || die2 "-c must be C,S (two CPU numbers), not '$c'"
		[ "$x" -lt "$NCPU" ] || die2 "-c $c: CPU $x does not exist (this machine has $NCPU online)"
	done
done
# bytes SIZE: 64, 64K, 1M as a byte count, or nothing
bytes() {
	case $1 in
	*[Kk]) n=${1%?} m=1024 ;; *[Mm]) n=${1%?} m=1048576 ;; *) n=$1 m=1 ;;
	esac
	posint "$n" || return 1
	echo $((n * m))
}
LATB="" BWB=""
for s in $(echo "$LAT" | tr , ' '); do
	v=$(bytes "$s") || die2 "-l: '$s' is not a size (bytes, K or M)"
	[ "$v" -le 65000 ] || die2 "-l: $s is over 65000 bytes (sockperf's largest message)"
	LATB="$LATB $v"
done
for s in $(echo "$BW" | tr , ' '); do
	v=$(bytes "$s") || die2 "-b: '$s' is not a size (bytes, K or M)"
	[ "$v" -le 16777216 ] || die2 "-b: $s is over 16M (ipclab's default --cap)"
	BWB="$BWB $v"
done
[ -n "$LATB$BWB" ] || die2 "-l and -b are both empty: nothing to measure"
HAVE=""
for p in $(echo "$PEERS" | tr , ' '); do
	case $p in sockperf | iperf3 | qperf) ;; *) die2 "-p: unknown tool '$p' (sockperf, iperf3, qperf)" ;; esac
	case " $HAVE " in *" $p "*) ;; *) HAVE="$HAVE $p" ;; esac
done
[ -n "$HAVE" ] || die2 "-p names no tool"
[ -x "$IPCLAB" ] || die2 "$IPCLAB not found: make (or IPCLAB=path)"
command -v taskset >/dev/null || die2 "taskset (util-linux) not found"

# A missing tool is installed from Debian when we can (root, apt-get), else left out
# with one line that says how to get it.
peers=""
for p in $HAVE; do
	if ! command -v "$p" >/dev/null 2>&1 && [ "$INSTALL" = 1 ]; then
		if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
			echo "vs-peers: installing $p (apt-get install -y $p)" >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$p" >/dev/null 2>&1 ||
				{ apt-get update -q >/dev/null 2>&1 &&
					DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$p" >/dev/null 2>&1; }
		fi
	fi
	if command -v "$p" >/dev/null 2>&1; then
		peers="$peers $p"
	elif [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 || [ "$INSTALL" = 0 ]; then
		echo "vs-peers: $p not installed and not installing it (needs root and apt-get; -N): apt-get install $p; its rows are left out" >&2
	else
		echo "vs-peers: apt-get install $p failed; its rows are left out" >&2
	fi
done
[ -n "$peers" ] || { echo "vs-peers: none of the tools ($PEERS) is available" >&2; exit 1; }
has() { case " $peers " in *" $1 "*) return 0 ;; esac; return 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vs-peers.XXXXXX") || exit 1
chmod 700 "$tmp"
# Every process we start in the background: stopped with its descendants on exit
PIDS=""
kill_tree() { # PID: TERM to PID and every descendant, then KILL what is left
	_k=$(pgrep -P "$1" 2>/dev/null)
	kill -TERM "$1" 2>/dev/null
	for _c in $_k; do kill_tree "$_c"; done
}
stop_all() {
	for _p in $PIDS; do kill_tree "$_p"; done
	for _p in $PIDS; do
		_n=100 # 5 s for a server to honour TERM, then KILL
		while kill -0 "$_p" 2>/dev/null && [ "$_n" -gt 0 ]; do
			# a zombie child of ours counts as gone: wait reaps it below
			[ "$(sed 's/^.*) \(.\).*/\1/' /proc/"$_p"/stat 2>/dev/null)" = Z ] && break
			sleep 0.05
			_n=$((_n - 1))
		done
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	PIDS=""
}
trap 'stop_all; rm -rf "$tmp"' EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all; exit 129' HUP

# listening PORT: a TCP socket listens on PORT (v4 or v6)
listening() {
	_h=$(printf ':%04X' "$1")
	awk -v h="$_h" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}
[ "$PORT" != 0 ] || PORT=$((20000 + ($$ % 15000) * 3))
# inuse PORT: a TCP socket of this machine has PORT as its local port, in any state (a
# server's port lingers in TIME_WAIT after its run, and a new server could not bind it)
inuse() {
	_h=$(printf ':%04X' "$1")
	awk -v h="$_h" 'substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}
# nextport: sets NEXT to a port no socket uses, a fresh one for every peer server
NEXT=$((PORT - 1))
nextport() {
	NEXT=$((NEXT + 1))
	[ "$NEXT" -le 65000 ] || NEXT=20000
	while inuse "$NEXT"; do NEXT=$((NEXT + 1)); done
}

# runbg CMD...: runs CMD in the background (output to $tmp/srv), recorded in PIDS; not
# holding the lock's fd, which only the measuring client and its parent need
runbg() {
	"$@" >"$tmp/srv" 2>&1 8>&- &
	PIDS="$PIDS $!"
	BGPID=$!
}
# runfg OUT CMD...: runs CMD in the background and waits for it, so that a signal's
# trap runs at once (a shell runs traps between commands) and stops it
runfg() {
	_o=$1
	shift
	"$@" >"$_o" 2>"$tmp/fgerr" &
	_f=$!
	PIDS="$PIDS $_f"
	wait "$_f"
	_rc=$?
	PIDS=$(echo "$PIDS" | sed "s/ $_f\$//; s/ $_f / /")
	[ "$_rc" -eq 0 ] || { echo "vs-peers: $* failed (exit $_rc): $(head -c 300 "$tmp/fgerr")" >&2; }
	return "$_rc"
}
# server PORT CMD...: starts a peer server and waits until PORT listens (or it died)
server() {
	_port=$1
	shift
	runbg "$@"
	_n=$((SAFETY_S * 20))
	until listening "$_port"; do
		if ! kill -0 "$BGPID" 2>/dev/null || [ "$_n" -le 0 ]; then
			echo "vs-peers: server $* did not listen on $_port: $(head -c 300 "$tmp/srv")" >&2
			return 1
		fi
		sleep 0.05
		_n=$((_n - 1))
	done
}
SAFETY_S=${SAFETY_S:-60}

# unit NUMBER UNIT: NUMBER in base units (ns for time, bytes/s for rates)
unit() {
	awk -v v="$1" -v u="$2" 'BEGIN {
		m["ns"] = 1; m["us"] = 1e3; m["ms"] = 1e6; m["sec"] = 1e9; m["s"] = 1e9
		m["bytes/sec"] = 1; m["KB/sec"] = 1e3; m["MB/sec"] = 1e6; m["GB/sec"] = 1e9
		if (!(u in m)) exit 1
		printf "%.0f\n", v * m[u] }'
}
csvcol() { # CSV-FILE COLUMN...: the columns of the first data row, space-separated
	# a quoted field ("AMD EPYC, 2 cores, ...") keeps its commas: blank them first
	awk -F, -v cols="$*" '{ l = $0; o = ""
			while (match(l, /"[^"]*"/)) { q = substr(l, RSTART, RLENGTH); gsub(/,/, ";", q)
				o = o substr(l, 1, RSTART - 1) q; l = substr(l, RSTART + RLENGTH) }
			$0 = o l }
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR == 2 { n = split(cols, k, " "); for (i = 2; i <= n; i++) printf "%s%s", $c[k[i]], (i < n ? " " : "\n") }' "$1"
}

# Each run_* prints its metric(s); 1 if the run failed or printed nothing usable.
run_ipclab_lat() { # SIZE C S -> p50_ns mean_ns
	runfg "$tmp/ipl" "$IPCLAB" bench -q -m tcp --cpu "$2,$3" -s "$1" -n "$ITERS" -f csv || return 1
	csvcol "$tmp/ipl" p50_ns mean_ns | awk '$1 > 0 && $2 > 0 { printf "%d %d\n", $1, $2; ok = 1 } END { exit !ok }'
}
run_ipclab_bw() { # SIZE C S -> MB/s (1e6 bytes of payload per second, one way)
	runfg "$tmp/ipl" "$IPCLAB" bench -q -m tcp --mode stream --cpu "$2,$3" -s "$1" \
		--duration "$SECS" -f csv || return 1
	csvcol "$tmp/ipl" median_mb_per_s | awk '$1 > 0 { printf "%.1f\n", $1; ok = 1 } END { exit !ok }'
}
run_sockperf() { # SIZE C S -> p50_ns mean_ns of the round trip (sockperf prints half)
	nextport
	server "$NEXT" taskset -c "$3" sockperf server --tcp -i 127.0.0.1 -p "$NEXT" || return 1
	runfg "$tmp/sp" taskset -c "$2" sockperf ping-pong --tcp -i 127.0.0.1 -p "$NEXT" -m "$1" -t "$SECS"
	_rc=$?
	stop_all
	[ $_rc -eq 0 ] || return 1
	sed 's/\x1b\[[0-9;]*m//g' "$tmp/sp" | awk '
		/percentile 50\.000 =/ { p = $NF } /avg-latency=/ { sub(/.*avg-latency=/, ""); sub(/ .*/, ""); a = $0 }
		END { if (p == "" || a == "") exit 1; printf "%.0f %.0f\n", p * 2000, a * 2000 }'
}
run_iperf3() { # SIZE C S -> receiver MB/s
	nextport
	server "$NEXT" taskset -c "$3" iperf3 -s -1 -p "$NEXT" || return 1
	runfg "$tmp/ip" taskset -c "$2" iperf3 -c 127.0.0.1 -p "$NEXT" -l "$1" -t "$SECS" -f m
	_rc=$?
	stop_all
	[ $_rc -eq 0 ] || return 1
	awk '$NF == "receiver" { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i }
		END { if (r == "") exit 1; printf "%.1f\n", r / 8 }' "$tmp/ip"
}
run_qperf() { # TEST SIZE C S -> tcp_lat: round trip ns (mean); tcp_bw: MB/s
	nextport
	server "$NEXT" taskset -c "$4" qperf -lp "$NEXT" || return 1
	runfg "$tmp/qp" taskset -c "$3" qperf -lp "$NEXT" -t "$SECS" -m "$2" 127.0.0.1 "$1"
	_rc=$?
	stop_all
	[ $_rc -eq 0 ] || return 1
	_l=$(awk '$2 == "=" { print $3, $4; exit }' "$tmp/qp")
	[ -n "$_l" ] || return 1
	# shellcheck disable=SC2086 # "value unit"
	_v=$(unit $_l) || return 1
	case $1 in
	tcp_lat) echo $((_v * 2)) ;;
	tcp_bw) awk -v v="$_v" 'BEGIN { printf "%.1f\n", v / 1e6 }' ;;
	esac
}
locked() { ipl_locked "$LOCK" "$@"; }
# measure VAR CMD...: runs CMD under the lock in this shell (not in a $(...) subshell,
# whose servers the traps could not see) and sets VAR to what it printed
measure() {
	_var=$1
	shift
	locked "$@" >"$tmp/v" || { echo "vs-peers: $* gave no figure: this row is left out of this round" >&2; return 1; }
	eval "$_var=\$(cat \"\$tmp/v\")"
}
# record LINE: a round's figures on stdout (reduced at the end) and, as they come, on
# stderr, so that a run stopped early still leaves what it measured
record() {
	echo "$1"
	echo "vs-peers: record $1" >&2
}
# row ROUND CPU KIND SIZE: one locked run of ipclab, then each peer under its own hold.
# Prints "R CPU KIND SIZE TOOL METRIC IPCLAB PEER" records on stdout.
row() {
	vp_c=${2%%,*} vp_s=${2#*,} _i='' _p=''
	if [ "$3" = pingpong ]; then
		measure _i run_ipclab_lat "$4" "$vp_c" "$vp_s" || return 1
		if has sockperf; then
			measure _p run_sockperf "$4" "$vp_c" "$vp_s" || return 1
			record "$1 $2 $3 $4 sockperf p50 ${_i% *} ${_p% *}"
			record "$1 $2 $3 $4 sockperf mean ${_i#* } ${_p#* }"
		fi
		if has qperf; then
			measure _p run_qperf tcp_lat "$4" "$vp_c" "$vp_s" || return 1
			record "$1 $2 $3 $4 qperf mean ${_i#* } $_p"
		fi
	else
		measure _i run_ipclab_bw "$4" "$vp_c" "$vp_s" || return 1
		if has iperf3; then
			measure _p run_iperf3 "$4" "$vp_c" "$vp_s" || return 1
			record "$1 $2 $3 $4 iperf3 MB/s $_i $_p"
		fi
		if has qperf; then
			measure _p run_qperf tcp_bw "$4" "$vp_c" "$vp_s" || return 1
			record "$1 $2 $3 $4 qperf MB/s $_i $_p"
		fi
	fi
}

echo "# vs-peers: tcp on 127.0.0.1, $ROUNDS interleaved rounds,$(for c in $CPUS; do printf ' --cpu %s' "$c"; done);" \
	"ping-pong sizes:${LATB:- none}, stream sizes:${BWB:- none}; peers:$peers"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(uname -srm); $NCPU CPUs online"
echo "# what each side measures (ipclab sends SIZE B of payload plus a 24 B header per message):"
echo "#   ipclab ping-pong: round trip of one message each way, every reply verified; p50 and mean"
has sockperf && echo "#   sockperf ping-pong: SIZE B messages (its header inside), prints RTT/2: doubled here; p50 and mean"
has qperf && echo "#   qperf tcp_lat: SIZE B messages, prints the mean of RTT/2: doubled here; mean only"
echo "#   ipclab stream: one-way SINK messages for -t s, payload MB/s (1e6 B); each header is checked, the payload only with --crc (not here)"
has iperf3 && echo "#   iperf3: SIZE B writes (-l) for -t s, the receiver's rate (Mbit/s / 8), nothing verified"
has qperf && echo "#   qperf tcp_bw: SIZE B messages for -t s, one-way bandwidth, nothing verified"
r=1
: >"$tmp/rec"
failed=0 # rows that failed: said on stderr as they fail; the rounds go on without them
while [ "$r" -le "$ROUNDS" ]; do
	for c in $CPUS; do
		for s in $LATB; do row "$r" "$c" pingpong "$s" >>"$tmp/rec" || failed=$((failed + 1)); done
		for s in $BWB; do row "$r" "$c" stream "$s" >>"$tmp/rec" || failed=$((failed + 1)); done
	done
	r=$((r + 1))
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
function med(a, n,   i, j, t) { # sorts a[1..n] in place, returns its median
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function what(kind, size) { return (kind == "pingpong" ? "tcp " size " B ping-pong" : "tcp " size " B stream") }
{
	k = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5 SUBSEP $6
	if (!(k in n)) order[++nk] = k
	i = ++n[k]; iv[k, i] = $7; pv[k, i] = $8; rt[k, i] = $7 / $8
	u = ($6 == "MB/s" ? " MB/s" : " ns")
	printf "round %d, --cpu %s, %s, %s: ipclab %s%s, %s %s%s, ratio %.2f\n", $1, $2, what($3, $4), $6, $7, u, $5, $8, u, $7 / $8
}
END {
	for (o = 1; o <= nk; o++) {
		k = order[o]; split(k, f, SUBSEP); m = n[k]
		for (i = 1; i <= m; i++) { a[i] = iv[k, i]; b[i] = pv[k, i]; c[i] = rt[k, i] }
		u = (f[5] == "MB/s" ? " MB/s" : " ns")
		ia = med(a, m); pa = med(b, m); ra = med(c, m)
		printf "--cpu %s, %s vs %s (%s): ipclab median %.0f%s (%.0f-%.0f), %s %.0f%s (%.0f-%.0f); ratio ipclab/%s median %.2f (%.2f-%.2f) over %d rounds, %s\n", \
			f[1], what(f[2], f[3]), f[4], f[5], ia, u, a[1], a[m], f[4], pa, u, b[1], b[m], f[4], ra, c[1], c[m], m, \
			(f[5] == "MB/s" ? "above 1: ipclab faster" : "below 1: ipclab faster")
	}
}' "$tmp/rec"
[ "$failed" -eq 0 ] || { echo "vs-peers: $failed row(s) failed (said above): their rounds are missing from the medians" >&2; exit 1; }
