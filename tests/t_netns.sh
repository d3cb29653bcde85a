#!/bin/sh
# t_netns.sh - across hosts: `ipclab bench --connect` refuses a network
# address to a mechanism that cannot cross hosts (always), and, where this
# machine allows it (root, working `ip netns`), scripts/netns-lab.sh runs tcp
# (and rpc over tcp when registered) between two network namespaces with 0
# errors, over IPv4 and IPv6, leaves no namespace or veth behind, survives a
# SIGKILLed earlier run and a parallel run.  Otherwise the namespace part
# says "SKIP:" and exits 77 (counted as skipped by tests/run.sh).
set -u
. "$(dirname "$0")/lib.sh"
LAB="$(cd "$(dirname "$0")/.." && pwd)/scripts/netns-lab.sh"
tmp=$(mktemp -d)
started=  # lab runs we started, for the cleanup below
srv=

# Whatever happens to this test, no namespace of a run it started survives.
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	for p in $started; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $started; do
		for side in srv cli; do
			ns="ipclab-ns-$p-$side"
			if ip netns list 2>/dev/null | grep -q "^$ns\\b"; then
				pids=$(ip netns pids "$ns" 2>/dev/null)
				[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
				ip netns del "$ns" 2>/dev/null
			fi
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for SECONDS EXPR: polls until EXPR holds.  The deadline is only a
# safety net (a hung run fails instead of stalling): every EXPR waited for
# here must become true, however slow the machine is this minute.
wait_for() {
	_end=$(($(date +%s) + $1))
	while ! eval "$2"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}

# ---- 1. the refusal, no privileges needed --------------------------------
refused() { # $1 label, $2 pattern wanted in the message, rest: bench args
	label=$1 want=$2
	shift 2
	"$IPCLAB" bench "$@" -s 64 -n 10 -q >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "refused ($label): exit 2, one line naming the reason" \
		"[ $rc -eq 2 ] && [ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q -- '$want' '$tmp/err' && [ ! -s '$tmp/out' ]"
}
refused "unix to another host's IPv4" "cannot cross hosts" -m unix --connect 192.0.2.7:4242
refused "unix to another host's IPv6" "cannot cross hosts" -m unix --connect "[2001:db8::7]:4242"
refused "unix to a host name" "cannot cross hosts" -m unix --connect example.invalid:80
refused "unix to this host's HOST:PORT" "not to HOST:PORT" -m unix --connect 127.0.0.1:4242
# every other registered mechanism that cannot cross hosts (pipe, fifo, shm
# once they land): refused either as "cannot cross hosts" or, for pipe, as
# having no address at all
for m in $("$IPCLAB" list | awk 'NR > 1 && $2 !~ /cross-host/ && $2 !~ /layered/ { print $1 }'); do
	[ "$m" = unix ] && continue
	refused "$m to another host" "cannot cross hosts\|no address" -m "$m" --connect 192.0.2.7:4242
done
have_rpc=0
"$IPCLAB" list | awk '$1 == "rpc" { f = 1 } END { exit !f }' && have_rpc=1
if [ "$have_rpc" = 1 ]; then
	refused "rpc over unix (the default carrier) to another host" "via tcp" -m rpc --connect 192.0.2.7:4242
	refused "rpc --via unix to another host" "cannot cross hosts" -m rpc --via unix --connect 192.0.2.7:4242
fi
# local forms are not refused: a unix socket whose name looks like HOST:PORT
# (the file system wins) and a plain path
(cd "$tmp" && exec "$IPCLAB" serve -m unix --listen "db:5432") >/dev/null 2>&1 &
srv=$!
wait_for 120 "[ -S '$tmp/db:5432' ] || ! kill -0 $srv 2>/dev/null"
check "unix: a socket named like HOST:PORT that exists is still reachable" \
	"(cd '$tmp' && '$IPCLAB' bench -m unix --connect db:5432 -s 64 -n 50 -q >/dev/null)"
check "unix: an absolute path is reachable" \
	"'$IPCLAB' bench -m unix --connect '$tmp/db:5432' -s 64 -n 50 -q >/dev/null"
kill -TERM "$srv"
wait "$srv"
srv=
# and every local-only named mechanism (unix, fifo, shm, ...) still reaches a
# server of its own at the address that server printed (a path, a directory,
# an shm name)
for m in $("$IPCLAB" list | awk 'NR > 1 && $2 ~ /named/ && $2 !~ /cross-host|layered|needs-fork/ { print $1 }'); do
	rm -f "$tmp/addr"
	"$IPCLAB" serve -m "$m" >"$tmp/addr" 2>/dev/null &
	srv=$!
	# the first line is printed once the server listens
	wait_for 120 "[ -s '$tmp/addr' ] || ! kill -0 $srv 2>/dev/null"
	a=$(head -1 "$tmp/addr")
	check "$m: its own local address form ('$a') is accepted by --connect" \
		"[ -n '$a' ] && '$IPCLAB' bench -m $m --connect '$a' -s 64 -n 50 -q >/dev/null"
	kill -TERM "$srv"
	wait "$srv"
	srv=
done

# ---- 2. can this machine make namespaces? --------------------------------
# part 1 failed: that is a failure; else the namespace part (the point of
# this test) cannot run here: skipped (lib.sh), not passed
netns_skip() {
	echo "netns: $fails failed"
	[ "$fails" -eq 0 ] || exit 1
	skip "$1 (the netns lab needs root, iproute2 and network namespaces)"
}
[ "$(id -u)" = 0 ] || netns_skip "not root"
command -v ip >/dev/null 2>&1 || netns_skip "'ip' (iproute2) not installed"
command -v tc >/dev/null 2>&1 || netns_skip "'tc' (iproute2) not installed"
probe="ipclab-probe-$$"
if ! ip netns add "$probe" 2>"$tmp/probe.err"; then
	netns_skip "cannot create a network namespace: $(head -1 "$tmp/probe.err")"
fi
ip netns del "$probe" 2>/dev/null

TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout -k 5 600"

# Runs the lab in the background (so $! is its pid, which its names carry),
# waits for it; sets lab_pid and lab_rc.
lab() {
	$TO sh "$LAB" --ipclab "$IPCLAB" -q "$@" >"$tmp/lab.out" 2>"$tmp/lab.err" &
	lab_pid=$!
	started="$started $lab_pid"
	wait "$lab_pid"
	lab_rc=$?
	# with timeout(1) in front, $! is timeout's pid; the script is its child
	# and named after its own pid: find it in the output
	real=$(sed -n 's/^# netns-lab: server in ipclab-ns-\([0-9]*\)-srv.*/\1/p' "$tmp/lab.out" | head -1)
	[ -n "$real" ] && lab_pid=$real && started="$started $real"
}

left_by() { # $1 pid: prints the namespaces and root-namespace veths of run $1
	ip netns list 2>/dev/null | awk -v p="ipclab-ns-$1-" 'index($1, p) == 1 { print $1 }'
	ip -o link show 2>/dev/null | awk -F': ' -v s="ipl$1s" -v c="ipl$1c" \
		'{ sub(/@.*/, "", $2) } $2 == s || $2 == c { print $2 }'
}

# CSV rows of a lab run checked in python: every row 0 errors and complete,
# the veth rows crossed between the two namespaces' addresses.
check_rows() { # $1 dir, $2 mechanisms wanted (row labels), $3 server host, $4 client host, $5 ok per row
	python3 - "$1" "$2" "$3" "$4" "$5" <<'PY'
import csv, glob, os, sys
d, want, shost, chost, iters = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], int(sys.argv[5])
seen = set()
for path in sorted(glob.glob(os.path.join(d, '*.csv'))):
    link = os.path.basename(path).rsplit('-', 1)[0]
    rows = list(csv.DictReader(open(path)))
    assert rows, path
    for r in rows:
        assert r['errors'] == '0' and r['failed'] == '0', (path, r)
        assert int(r['ok']) == iters, (path, r['ok'])
        if link.startswith('veth'):
            assert r['server_addr'].startswith(shost), (path, r['server_addr'])
            # a messaging library owns its connection and does not tell
            # its local address: zmq/nng rows may leave it empty
            if r['client_addr'] or not r['mechanism'].startswith(('zmq/', 'nng/')):
                assert r['client_addr'].startswith(chost), (path, r['client_addr'])
        seen.add((link.split('+')[0], r['mechanism']))
for m in want:
    assert ('veth', m) in seen, ('no veth row for', m, seen)
PY
}

# ---- 3. tcp (and rpc) across the namespaces, IPv4 ------------------------
ITERS=200
want="tcp"
[ "$have_rpc" = 1 ] && want="tcp rpc/tcp"
lab -n $ITERS -s 64,1K --reps 1 --out "$tmp/v4"
check "lab (IPv4): exit 0" "[ $lab_rc -eq 0 ]"
[ $lab_rc -eq 0 ] || sed 's/^/    /' "$tmp/lab.err"
check "lab (IPv4): rows for $want across the veth, 0 errors, 10.200.1.2 -> 10.200.1.1" \
	"check_rows '$tmp/v4' '$want' 10.200.1.1: 10.200.1.2: $ITERS"
check "lab (IPv4): loopback rows too" "ls '$tmp/v4'/loopback-tcp.csv >/dev/null 2>&1"
check "lab (IPv4): the table shows 0 errors for every row" \
	"awk '/^(loopback|veth)/ { n++; if (\$9 != 0) bad = 1 } END { exit bad || n < 2 }' '$tmp/lab.out'"
check "lab (IPv4): no namespace or veth left" "[ -z \"\$(left_by $lab_pid)\" ]"

# ---- 4. IPv6, three clients at once on one server -------------------------
lab -n $ITERS -s 64 --reps 1 --ipv6 --clients 3 --out "$tmp/v6"
check "lab (IPv6, 3 clients): exit 0" "[ $lab_rc -eq 0 ]"
check "lab (IPv6, 3 clients): rows across the veth, 0 errors, [fd49:706c:6162::2] -> [::1]" \
	"check_rows '$tmp/v6' '$want' '[fd49:706c:6162::1]:' '[fd49:706c:6162::2]:' $((3 * ITERS))"
check "lab (IPv6, 3 clients): the veth tcp server served 3 connections and exited 0" \
	"grep -q 'stopped: 3 connections' '$tmp/v6/veth-tcp.serve.log'"
check "lab (IPv6): no namespace or veth left" "[ -z \"\$(left_by $lab_pid)\" ]"

# ---- 4b. datagrams and the messaging libraries across the veth -----------
# udp, and zmq/nng over tcp where this ipclab has them (`ipclab list`)
dg=udp dgwant=udp
for m in zmq nng; do
	"$IPCLAB" list | awk -v m=$m '$1 == m { f = 1 } END { exit !f }' && dg="$dg,$m" dgwant="$dgwant $m/tcp"
done
lab -n $ITERS -s 64,1K --reps 1 --links veth -m "$dg" --out "$tmp/dg"
check "lab ($dg): exit 0" "[ $lab_rc -eq 0 ]"
[ $lab_rc -eq 0 ] || sed 's/^/    /' "$tmp/lab.err"
check "lab ($dg): rows for $dgwant across the veth, 0 errors, 10.200.1.2 -> 10.200.1.1" \
	"check_rows '$tmp/dg' '$dgwant' 10.200.1.1: 10.200.1.2: $ITERS"
check "lab ($dg): no namespace or veth left" "[ -z \"\$(left_by $lab_pid)\" ]"
sh "$LAB" --ipclab "$IPCLAB" -m seqpacket >/dev/null 2>"$tmp/sp.err"
rc=$?
check "lab: a mechanism that cannot cross hosts is refused (exit 2, named)" \
	"[ $rc -eq 2 ] && grep -q 'seqpacket cannot cross hosts' '$tmp/sp.err'"

# ---- 5. delay: applied, or said clearly that it cannot be ----------------
lab -n 50 -s 64 --reps 1 --links veth -m tcp --delay 1 --out "$tmp/delay"
check "lab --delay: exit 0" "[ $lab_rc -eq 0 ]"
check "lab --delay: netem applied, or a clear 'NOT available' warning and an unshaped label" \
	"grep -q 'shaping: netem delay 1ms' '$tmp/lab.out' ||
	 (grep -q 'netem is NOT available' '$tmp/lab.err' && grep -q 'NOT applied' '$tmp/lab.out' && grep -q '^veth ' '$tmp/lab.out')"
check "lab --delay: no namespace or veth left" "[ -z \"\$(left_by $lab_pid)\" ]"

# ---- 6. a SIGKILLed run leaves its namespaces; the next run still works ---
sh "$LAB" --ipclab "$IPCLAB" -q -n 100000000 -s 64 --reps 1 --links veth -m tcp \
	--out "$tmp/killed" >/dev/null 2>&1 &
kpid=$!
started="$started $kpid"
# Its processes: those whose command line names its output directory (the
# bench client, `-o $tmp/killed/...`).  The kill waits for the event that
# makes the case real, the bench client running in the client namespace,
# not for a time: on a loaded machine setting up the namespaces can take
# longer than any fixed wait.
orphans() { grep -l "$tmp/kille[d]" /proc/[0-9]*/cmdline 2>/dev/null | wc -l; }
bench_in_cli_ns() {
	for p in $(ip netns pids "ipclab-ns-$kpid-cli" 2>/dev/null); do
		grep -q "$tmp/kille[d]" "/proc/$p/cmdline" 2>/dev/null && return 0
	done
	return 1
}
check "killed run: its bench client starts in the client namespace" \
	"wait_for 300 'bench_in_cli_ns || ! kill -0 $kpid 2>/dev/null' && bench_in_cli_ns"
kill -KILL "$kpid"
wait "$kpid" 2>/dev/null
check "killed run: its namespaces are still there (the case under test is real)" \
	"[ \$(left_by $kpid | grep -c ipclab-ns-) -eq 2 ]"
# its server and client are orphans now, still running inside them (the
# client has 10^8 round trips to go: it outlives this test by far)
check "killed run: its ipclab processes live on" "[ \$(orphans) -gt 0 ]"
lab -n 100 -s 64 --reps 1 -m tcp --out "$tmp/after"
check "the next run: exit 0 despite the leftovers" "[ $lab_rc -eq 0 ]"
check "the next run: said it removed the dead run's namespaces" \
	"grep -q 'removing ipclab-ns-$kpid-srv' '$tmp/lab.err' 2>/dev/null || [ -z \"\$(left_by $kpid)\" ]"
check "the next run: the dead run's namespaces and veths are gone" "[ -z \"\$(left_by $kpid)\" ]"
check "the next run: the dead run's orphaned processes are gone" "[ \$(orphans) -eq 0 ]"
check "the next run: its own namespaces are gone too" "[ -z \"\$(left_by $lab_pid)\" ]"

# ---- 7. two runs at once do not collide ----------------------------------
sh "$LAB" --ipclab "$IPCLAB" -q -n 100 -s 64 --reps 1 -m tcp --out "$tmp/p1" >"$tmp/p1.out" 2>&1 &
p1=$!
sh "$LAB" --ipclab "$IPCLAB" -q -n 100 -s 64 --reps 1 -m tcp --out "$tmp/p2" >"$tmp/p2.out" 2>&1 &
p2=$!
started="$started $p1 $p2"
wait $p1
r1=$?
wait $p2
r2=$?
check "two parallel runs: both exit 0" "[ $r1 -eq 0 ] && [ $r2 -eq 0 ]"
check "two parallel runs: nothing left" "[ -z \"\$(left_by $p1)\$(left_by $p2)\" ]"

echo "netns: $fails failed"
[ "$fails" -eq 0 ]
