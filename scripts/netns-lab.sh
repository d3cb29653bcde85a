#!/bin/sh
# netns-lab.sh - tcp, udp and the layers over tcp (rpc, oncrpc, zmq, nng)
# between two "hosts": two network
# namespaces joined by a veth pair, compared with loopback.
#
#   sudo scripts/netns-lab.sh [options]          (run with --help for them)
#
# What it does, in order:
#   1. removes namespaces and veths a killed earlier run left behind (names
#      carry the creating pid; only those whose pid is dead are touched),
#   2. creates ipclab-ns-<pid>-srv and ipclab-ns-<pid>-cli, a veth pair
#      ipl<pid>s <-> ipl<pid>c between them, addresses 10.200.1.1/24 and
#      10.200.1.2/24 (and fd49:706c:6162::1/64, ::2/64).  These addresses
#      exist only inside the two namespaces: nothing on the host's own
#      interfaces, routes or firewall changes,
#   3. optionally shapes the veth with tc: netem delay/loss (--delay, --loss)
#      on both ends' egress, or a tbf rate limit (--rate).  When the kernel
#      has no netem (sch_netem), it says so and runs unshaped,
#   4. for each link (loopback inside the server namespace, then the veth)
#      and each mechanism: `ipclab serve` in the server namespace,
#      `ipclab bench --connect` in the client namespace, results as CSV,
#   5. prints one table (median p50 over --reps, spread, p99, msgs/s,
#      errors, both ends' addresses),
#   6. removes everything it created, on success, failure, SIGINT or SIGTERM
#      (trap EXIT INT TERM).  A SIGKILLed run cannot clean up: step 1 of the
#      next run does.
#
# Exit status: 0 when every run finished with 0 errors, 1 when one failed or
# saw errors, 2 on bad usage or a missing prerequisite (root, ip, tc).
set -u

PREFIX="ipclab-ns"
me=$$
NS_S="$PREFIX-$me-srv"
NS_C="$PREFIX-$me-cli"
V_S="ipl${me}s"
V_C="ipl${me}c"
# Fixed addresses are fine for parallel runs: each pair of namespaces has
# its own routing table, so two runs' 10.200.1.1 never meet.
A4_S=10.200.1.1
A4_C=10.200.1.2
A6_S=fd49:706c:6162::1
A6_C=fd49:706c:6162::2

usage() {
	cat <<'EOF'
usage: netns-lab.sh [options]           (as root)

Runs `ipclab serve` in one network namespace and `ipclab bench` in another,
joined by a veth pair, and compares with loopback.

  --ipclab PATH     the ipclab binary (default: $IPCLAB, else build/ipclab)
  -m, --mech LIST   tcp,udp,rpc,oncrpc,zmq,nng: those `ipclab list` shows
                    (default: tcp, plus rpc over tcp when it is there); the
                    layered ones run --via tcp.  udp carries at most 65,507
                    bytes a datagram: a larger -s is refused with its reason
  -s, --sizes LIST  payload sizes (default 64,1K,64K)
  -n, --iters N     measured round trips per run (default 20000)
      --reps R      repetitions; the table shows the median p50 (default 3)
      --clients N   concurrent client processes (default 1)
      --cpu C,S     pin clients to CPU C and the server to CPU S
      --links LIST  loopback,veth (default both)
      --ipv6        use the IPv6 addresses (fd49:706c:6162::/64, ::1)
      --delay MS    netem: add MS milliseconds on each veth end's egress
                    (the round trip grows by 2*MS)
      --loss PCT    netem: drop PCT percent of packets on each end's egress
      --rate RATE   limit the veth to RATE (tc syntax: 100mbit), with tbf
                    (or netem's rate when --delay/--loss is given too)
      --require-netem  fail (exit 2) instead of running unshaped when the
                    kernel has no netem
      --out DIR     keep the CSVs, logs and summary there
  -q, --quiet       only the table
  -h, --help        this text
EOF
}

die() { echo "netns-lab: $*" >&2; exit 2; }
say() { [ "$quiet" = 1 ] || echo "netns-lab: $*" >&2; }

ipclab=${IPCLAB:-}
mechs=
sizes=64,1K,64K
iters=20000
reps=3
clients=1
cpu=
links=loopback,veth
ipv6=0
delay=
loss=
rate=
require_netem=0
outdir=
quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	--ipclab) ipclab=${2:?--ipclab needs a path}; shift ;;
	-m|--mech) mechs=${2:?-m needs a list}; shift ;;
	-s|--sizes) sizes=${2:?-s needs a list}; shift ;;
	-n|--iters) iters=${2:?-n needs a number}; shift ;;
	--reps) reps=${2:?--reps needs a number}; shift ;;
	--clients) clients=${2:?--clients needs a number}; shift ;;
	--cpu) cpu=${2:?--cpu needs C,S}; shift ;;
	--links) links=${2:?--links needs a list}; shift ;;
	--ipv6) ipv6=1 ;;
	--delay) delay=${2:?--delay needs milliseconds}; shift ;;
	--loss) loss=${2:?--loss needs a percentage}; shift ;;
	--rate) rate=${2:?--rate needs a rate}; shift ;;
	--require-netem) require_netem=1 ;;
	--out) outdir=${2:?--out needs a directory}; shift ;;
	-q|--quiet) quiet=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done

case $delay in ''|*[!0-9.]*|*.*.*) [ -z "$delay" ] || die "--delay wants milliseconds, e.g. 5 or 0.5" ;; esac
case $loss in ''|*[!0-9.]*|*.*.*) [ -z "$loss" ] || die "--loss wants a percentage, e.g. 1 or 0.5" ;; esac
case $iters$reps$clients in *[!0-9]*) die "-n, --reps and --clients want plain numbers" ;; esac
case $rate in *[!0-9a-zA-Z.]*) die "--rate wants a tc rate such as 100mbit" ;; esac

# ---- prerequisites -------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (network namespaces and veth pairs are privileged)"
command -v ip >/dev/null 2>&1 || die "'ip' (iproute2) is not installed: apt-get install iproute2"
command -v tc >/dev/null 2>&1 || die "'tc' (iproute2) is not installed: apt-get install iproute2"
if [ -z "$ipclab" ]; then
	ipclab=$(dirname "$0")/../build/ipclab
fi
[ -x "$ipclab" ] || die "no ipclab binary at '$ipclab' (run make, or pass --ipclab PATH)"
case $ipclab in /*) ;; *) ipclab=$(cd "$(dirname "$ipclab")" && pwd)/$(basename "$ipclab") ;; esac

have_rpc=0
"$ipclab" list 2>/dev/null | awk '$1 == "rpc" { found = 1 } END { exit !found }' && have_rpc=1
if [ -z "$mechs" ]; then
	mechs=tcp
	[ "$have_rpc" = 1 ] && mechs=tcp,rpc
fi
listed() { "$ipclab" list 2>/dev/null | awk -v m="$1" '$1 == m { f = 1 } END { exit !f }'; }
for m in $(echo "$mechs" | tr ',' ' '); do
	case $m in
	tcp | udp | rpc | oncrpc | zmq | nng)
		listed "$m" || die "this ipclab has no $m mechanism (see '$ipclab list')" ;;
	*) die "$m cannot cross hosts: only tcp, udp, and rpc, oncrpc, zmq or nng over tcp, can; unix, seqpacket, pipe, fifo, shm and mq name things inside one kernel" ;;
	esac
done
for l in $(echo "$links" | tr ',' ' '); do
	case $l in loopback|veth) ;; *) die "unknown link '$l' (loopback, veth)" ;; esac
done

# ---- cleanup: ours on exit, and what dead runs left ----------------------
# Stops every process inside namespace $1 (our servers and clients only ever
# run there), politely first.
kill_ns_pids() {
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] || return 0
	kill -TERM $pids 2>/dev/null
	i=0
	while [ $i -lt 20 ] && [ -n "$(ip netns pids "$1" 2>/dev/null)" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] || return 0
	kill -KILL $pids 2>/dev/null
	# SIGKILL is delivered at once but carried out when the process next
	# runs: wait until they are gone, so that "removed" means removed (120 s
	# is only a safety net on a loaded machine)
	end=$(($(date +%s) + 120))
	while [ -n "$(ip netns pids "$1" 2>/dev/null)" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.05
	done
}

# Deletes namespace $1 (its veth end goes with it) and the veth $2 should it
# still be in the root namespace (a run killed between creating and moving).
remove_ns() {
	if ip netns list 2>/dev/null | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; then
		kill_ns_pids "$1"
		ip -n "$1" link del "$2" 2>/dev/null
		ip netns del "$1" 2>/dev/null
	fi
	ip link show "$2" >/dev/null 2>&1 && ip link del "$2" 2>/dev/null
	return 0
}

sweep_stale() {
	for name in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $name in "$PREFIX"-*-srv|"$PREFIX"-*-cli) ;; *) continue ;; esac
		pid=${name#"$PREFIX"-}
		pid=${pid%-*}
		case $pid in ''|*[!0-9]*) continue ;; esac
		# alive: a parallel run's (ours cannot exist yet: a match on our own
		# pid is a dead run whose pid was reused for us)
		if [ "$pid" != "$me" ] && kill -0 "$pid" 2>/dev/null; then
			continue
		fi
		say "removing $name, left by run $pid (no longer running)"
		side=s
		case $name in *-cli) side=c ;; esac
		remove_ns "$name" "ipl$pid$side"
	done
	for dev in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		case $dev in ipl*s|ipl*c) ;; *) continue ;; esac
		pid=${dev#ipl}
		pid=${pid%?}
		case $pid in ''|*[!0-9]*) continue ;; esac
		if [ "$pid" = "$me" ] || ! kill -0 "$pid" 2>/dev/null; then
			say "removing veth $dev, left by run $pid (no longer running)"
			ip link del "$dev" 2>/dev/null
		fi
	done
}

work=
servers=
cleanup() {
	trap - EXIT INT TERM
	set +e
	for p in $servers; do kill -TERM "$p" 2>/dev/null; done
	remove_ns "$NS_C" "$V_C"
	remove_ns "$NS_S" "$V_S"
	if [ -n "$work" ] && [ "$work" != "$outdir" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

sweep_stale

if [ -n "$outdir" ]; then
	mkdir -p "$outdir" || die "cannot create '$outdir'"
	work=$outdir
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/netns-lab.XXXXXX") || die "mktemp failed"
fi
: >"$work/reps.txt"

# ---- the two "hosts" -----------------------------------------------------
step() { # $1 what, rest: the command; fails the run with what and tc/ip's words
	what=$1
	shift
	if ! out=$("$@" 2>&1); then
		echo "netns-lab: $what failed: $out" >&2
		exit 1
	fi
}
say "creating $NS_S <-> $NS_C (veth $V_S <-> $V_C)"
step "ip netns add $NS_S" ip netns add "$NS_S"
step "ip netns add $NS_C" ip netns add "$NS_C"
step "veth pair" ip link add "$V_S" netns "$NS_S" type veth peer name "$V_C" netns "$NS_C"
for side in srv cli; do
	if [ $side = srv ]; then
		ns=$NS_S dev=$V_S a4=$A4_S a6=$A6_S
	else
		ns=$NS_C dev=$V_C a4=$A4_C a6=$A6_C
	fi
	step "lo up in $ns" ip -n "$ns" link set lo up
	step "address $a4 on $dev" ip -n "$ns" addr add "$a4/24" dev "$dev"
	# nodad: the address is usable at once instead of after duplicate
	# detection (no one else is on this wire)
	step "address $a6 on $dev" ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
	step "$dev up" ip -n "$ns" link set "$dev" up
done

# ---- shaping -------------------------------------------------------------
shaping=none
veth_label=veth
if [ -n "$delay$loss" ]; then
	args=
	[ -n "$delay" ] && args="delay ${delay}ms"
	[ -n "$loss" ] && args="$args loss ${loss}%"
	[ -n "$rate" ] && args="$args rate $rate"
	if out=$(ip netns exec "$NS_S" tc qdisc add dev "$V_S" root netem $args 2>&1); then
		step "netem on $V_C" ip netns exec "$NS_C" tc qdisc add dev "$V_C" root netem $args
		shaping="netem $args (each direction)"
		veth_label="veth+${delay:+${delay}ms}${loss:+${delay:+,}loss${loss}%}${rate:+,$rate}"
	else
		msg="netem is NOT available in this kernel (tc said: $(echo "$out" | head -1)); sch_netem is missing"
		[ "$require_netem" = 1 ] && die "$msg"
		echo "netns-lab: WARNING: $msg: the veth runs WITHOUT the requested delay/loss" >&2
		shaping="none (netem unavailable: --delay/--loss NOT applied)"
		if [ -n "$rate" ]; then
			step "tbf on $V_S" ip netns exec "$NS_S" tc qdisc add dev "$V_S" root tbf rate "$rate" burst 16kb latency 200ms
			step "tbf on $V_C" ip netns exec "$NS_C" tc qdisc add dev "$V_C" root tbf rate "$rate" burst 16kb latency 200ms
			shaping="tbf rate $rate (netem unavailable: --delay/--loss NOT applied)"
			veth_label="veth+$rate"
		fi
	fi
elif [ -n "$rate" ]; then
	step "tbf on $V_S" ip netns exec "$NS_S" tc qdisc add dev "$V_S" root tbf rate "$rate" burst 16kb latency 200ms
	step "tbf on $V_C" ip netns exec "$NS_C" tc qdisc add dev "$V_C" root tbf rate "$rate" burst 16kb latency 200ms
	shaping="tbf rate $rate (each direction)"
	veth_label="veth+$rate"
fi

# ---- the runs ------------------------------------------------------------
pin_server=
cpu_args=
if [ -n "$cpu" ]; then
	cpu_args="--cpu $cpu"
	if command -v taskset >/dev/null 2>&1; then
		pin_server="taskset -c ${cpu#*,}"
	else
		say "no taskset: the server is not pinned"
	fi
fi

bad=0
# run_one LINK_LABEL SERVER_NS CLIENT_NS LISTEN_HOST MECH
run_one() {
	label=$1 sns=$2 cns=$3 host=$4 mech=$5
	tag="$label-$mech"
	mopt="-m $mech"
	case $mech in rpc | oncrpc | zmq | nng) mopt="-m $mech --via tcp" ;; esac
	case $host in *:*) listen="[$host]:0" ;; *) listen="$host:0" ;; esac
	ip netns exec "$sns" $pin_server "$ipclab" serve $mopt --listen "$listen" \
		>"$work/$tag.addr" 2>"$work/$tag.serve.log" &
	spid=$!
	servers="$servers $spid"
	# the server prints its address once it listens; the deadline is only
	# a safety net against a server that hangs before listening
	end=$(($(date +%s) + 120))
	while [ ! -s "$work/$tag.addr" ] && [ "$(date +%s)" -lt "$end" ] && kill -0 "$spid" 2>/dev/null; do
		sleep 0.05
	done
	addr=$(head -1 "$work/$tag.addr" 2>/dev/null)
	if [ -z "$addr" ]; then
		echo "netns-lab: $tag: ipclab serve did not start: $(cat "$work/$tag.serve.log")" >&2
		bad=1
		return
	fi
	say "$tag: serving on $addr in $sns; bench from $cns"
	ip netns exec "$cns" "$ipclab" bench $mopt --connect "$addr" -s "$sizes" -n "$iters" \
		--reps "$reps" --clients "$clients" $cpu_args -q -f csv -o "$work/$tag.csv" \
		2>"$work/$tag.bench.log" &
	bpid=$!
	wait $bpid
	brc=$?
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	src=$?
	servers=$(echo "$servers" | sed "s/ $spid\$//; s/ $spid / /")
	if [ $brc -ne 0 ]; then
		echo "netns-lab: $tag: ipclab bench exited $brc: $(head -3 "$work/$tag.bench.log")" >&2
		bad=1
	fi
	if [ $src -ne 0 ]; then
		echo "netns-lab: $tag: ipclab serve exited $src: $(tail -2 "$work/$tag.serve.log")" >&2
		bad=1
	fi
	[ -f "$work/$tag.csv" ] || return
	# RFC 4180 CSV (the machine and why columns are quoted and hold commas),
	# columns found by name
	awk -v link="$label" '
		function split_csv(line, out,   n, i, c, q, f) {
			n = 0; f = ""; q = 0
			for (i = 1; i <= length(line); i++) {
				c = substr(line, i, 1)
				if (q) {
					if (c == "\"" && substr(line, i + 1, 1) == "\"") { f = f c; i++ }
					else if (c == "\"") q = 0
					else f = f c
				} else if (c == "\"") q = 1
				else if (c == ",") { out[++n] = f; f = "" }
				else f = f c
			}
			out[++n] = f
			return n
		}
		{ sub(/\r$/, "") }
		NR == 1 { n = split_csv($0, hdr); for (i = 1; i <= n; i++) h[hdr[i]] = i; next }
		{
			split_csv($0, v)
			ca = v[h["client_addr"]]; if (ca == "") ca = "?"
			print link, v[h["mechanism"]], v[h["size_bytes"]], v[h["p50_ns"]], v[h["p99_ns"]],
			      v[h["msgs_per_s"]], v[h["errors"]], v[h["failed"]], v[h["ok"]], ca, v[h["server_addr"]]
		}
	' "$work/$tag.csv" >>"$work/reps.txt"
}

if [ "$ipv6" = 1 ]; then lo_host=::1 s_host=$A6_S; else lo_host=127.0.0.1 s_host=$A4_S; fi
for l in $(echo "$links" | tr ',' ' '); do
	for m in $(echo "$mechs" | tr ',' ' '); do
		case $l in
		loopback) run_one loopback "$NS_S" "$NS_S" "$lo_host" "$m" ;;
		veth) run_one "$veth_label" "$NS_S" "$NS_C" "$s_host" "$m" ;;
		esac
	done
done

# ---- the table -----------------------------------------------------------
echo "# netns-lab: server in $NS_S, client in $NS_C; veth shaping: $shaping"
echo "# $(uname -r), $(nproc) CPUs, placement ${cpu:-unpinned}; $iters round trips x $reps reps, $clients client(s); p50 = median over reps [min..max]"
awk '
	function med(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		lo = a[1]; hi = a[n]
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function us(ns) { return sprintf("%.1f", ns / 1000) }
	{
		k = $1 SUBSEP $2 SUBSEP $3
		if (!(k in p50)) { order[++n] = k; caddr[k] = $10; saddr[k] = $11 }
		p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5; mps[k] = mps[k] " " $6
		err[k] += $7; fail[k] += $8; ok[k] += $9
		if ($1 == "loopback") base[$2 SUBSEP $3] = 1
	}
	END {
		printf "%-18s %-11s %6s %10s %17s %10s %9s %9s %6s  %s\n", "link", "mechanism", "size",
		       "p50 us", "[min..max]", "p99 us", "msgs/s", "x loopbk", "errors", "client -> server"
		for (i = 1; i <= n; i++) { k = order[i]; m50[k] = med(p50[k]); l50[k] = lo; h50[k] = hi }
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, f, SUBSEP)
			l = l50[k]; h = h50[k]
			rel = "-"
			bk = "loopback" SUBSEP f[2] SUBSEP f[3]
			if (f[1] != "loopback" && (bk in m50) && m50[bk] > 0) rel = sprintf("%.2fx", m50[k] / m50[bk])
			printf "%-18s %-11s %6s %10s %17s %10s %9.0f %9s %6s  %s -> %s\n", f[1], f[2], f[3],
			       us(m50[k]), "[" us(l) ".." us(h) "]", us(med(p99[k])), med(mps[k]), rel,
			       err[k] (fail[k] ? " FAIL" : ""), caddr[k], saddr[k]
		}
		if (!n) print "(no results)"
	}
' "$work/reps.txt"
if awk '$7 != 0 || $8 != 0 { bad = 1 } END { exit !bad }' "$work/reps.txt"; then
	bad=1
fi
[ -s "$work/reps.txt" ] || bad=1
[ -n "$outdir" ] && say "CSVs and logs kept in $outdir"
[ "$bad" = 0 ] || echo "netns-lab: some runs failed or saw errors (logs: ${outdir:-rerun with --out DIR})" >&2
exit "$bad"
