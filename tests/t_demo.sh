#!/bin/sh
# t_demo.sh - `ipclab demo MECH` for every registered mechanism: exits 0,
# shows the steps and an annotated request, leaves nothing behind; colour only
# on a terminal and never with NO_COLOR; for rpc, the CALL and REPLY bytes
# the demo prints are checked against the RFC 5531 layout, word by word.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
esc=$(printf '\033')
mkdir "$tmp/td"
export TMPDIR="$tmp/td" # the demos' private directories go here, so leftovers are ours

mechs=$($IPCLAB list | awk 'NR > 1 { print $1 }')
check "ipclab list names at least tcp and unix" "echo '$mechs' | grep -qx tcp && echo '$mechs' | grep -qx unix"

for m in $mechs; do
	out="$tmp/demo-$m.txt"
	timeout "$SAFETY_S" $IPCLAB demo "$m" >"$out" 2>"$tmp/err-$m" # a safety net
	rc=$?
	check "demo $m: exit 0" "[ $rc -eq 0 ]"
	check "demo $m: says the exchange completed and verified" \
		"grep -q '^result: the exchange completed and the reply verified' '$out'"
	check "demo $m: setup, connect and teardown sections, both sides" \
		"grep -q '^== 1. setup' '$out' && grep -q '^== 2. connect' '$out' && grep -q 'teardown' '$out' &&
		 grep -q '^\[client\]' '$out' && grep -q '^\[server\]' '$out'"
	check "demo $m: no colour codes when stdout is not a terminal" "! grep -q '$esc' '$out'"
	check "demo $m: nothing on stderr" "[ ! -s '$tmp/err-$m' ]"
	if [ "$m" != rpc ]; then
		check "demo $m: the request's 24-byte header annotated field by field" \
			"grep -qE '^ +0000  49 50 4c 31 +magic' '$out' && grep -qE '^ +0005  02 +op +2 = ECHO' '$out' &&
			 grep -qE '^ +0008  00 00 00 00 00 00 00 01 +seq' '$out' && grep -qE '^ +0010  00 00 00 0e +len +14' '$out' &&
			 grep -qE '^ +0014  ([0-9a-f]{2} ){4} +crc .*\(checks\)' '$out' && grep -qE '^ +0018  68 65 6c 6c 6f 2c 20 69 +payload' '$out'"
		if $IPCLAB list | grep -E "^$m " | grep -q layered; then
			# a library-owned layer (oncrpc: libtirpc) hides its carrier: client side only
			check "demo $m: names what moved the request" "grep -qE '^\[client\] ($m send|zmq_msg_send|nng_[a-z]*send)' '$out'"
		else
			check "demo $m: names the call that moved the bytes, both ways" \
				"grep -qE '^\[client\] (send|sendmsg|write|writev|sendto|mq_timedsend|$m send)' '$out' && grep -qE '^\[server\] (read|recv|recvmsg|recvfrom|mq_timedreceive|$m recv)' '$out'"
		fi
	fi
done

case " $(echo $mechs) " in
*" tcp "*)
	out="$tmp/demo-tcp.txt"
	port=$(sed -n 's/.*getsockname(fd [0-9]*) -> 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
	check "demo tcp: the server's real port from getsockname" "[ -n '$port' ] && [ '$port' -gt 0 ]"
	check "demo tcp: the client's ephemeral port and the server's port on both ends" \
		"grep -qE '^\[client\]   fd [0-9]+ = socket:\[[0-9]+\]  local 127\.0\.0\.1:[0-9]+  <->  remote 127\.0\.0\.1:$port' '$out' &&
		 grep -qE '^\[server\]   fd [0-9]+ = socket:\[[0-9]+\]  local 127\.0\.0\.1:$port  <->  remote 127\.0\.0\.1:[0-9]+' '$out'"
	;;
esac
case " $(echo $mechs) " in
*" shm "*)
	name=$(sed -n 's/.*shm_open("\(\/ipclab-[0-9]*-[0-9a-f]*\)".*/\1/p' "$tmp/demo-shm.txt" | head -1)
	check "demo shm: its rendezvous is gone from /dev/shm afterwards" "[ -n '$name' ] && [ ! -e '/dev/shm$name' ]"
	check "demo shm: the connection segment is mapped and has no name (a memfd)" \
		"grep -qE 'mapped: /memfd:ipclab-shm \(deleted\)' '$tmp/demo-shm.txt'"
	;;
esac
# Each mechanism's key system calls, named by its own describe table
# (common/transport.h): a describe text lost on the way to the demo fails
# here.  A mechanism not listed gets the generic checks above only.
key_calls() {
	case $1 in
	tcp) echo 'socket(AF_INET bind(fd listen(fd getsockname(fd connect( accept4( send(fd recv(fd' ;;
	unix) echo 'mkdtemp( socket(AF_UNIX bind(fd listen(fd connect( accept4( send(fd recv(fd unlink(' ;;
	pipe) echo 'pipe2(O_CLOEXEC) write(fd read(fd' ;;
	fifo) echo 'mkdtemp() mkfifo( read(announce) open(.r write(fd read(fd unlink(announce)' ;;
	shm) echo 'shm_open( ftruncate mmap(MAP_SHARED) memfd_create( futex shm_unlink(' ;;
	oncrpc) echo 'svc_fd_create svc_getreq_common clnt_vc_create() clnt_call()' ;;
	rpc) echo 'socket(AF_UNIX connect( accept4( send(fd recv(fd ipl_rpc_echo(' ;;
	esac
}
for m in $mechs; do
	out="$tmp/demo-$m.txt"
	for call in $(key_calls "$m"); do
		check "demo $m: names $call" "grep -qF -- '$call' '$out'"
	done
	check "demo $m: every placeholder of its describe texts filled in" "! grep -qE '[{][a-z_]+[}]' '$out'"
	check "demo $m: fds named in the send and recv calls are real fds" \
		"! grep -qE '^\[(client|server)\] [a-z]+\(fd \?' '$out'"
done

# The demo never names a mechanism: what it says comes from the transport.
src=$(cd "$(dirname "$0")/.." && pwd)
for m in $mechs; do
	check "bench/demo/ never names the mechanism $m" "! grep -qF '\"$m\"' '$src'/bench/demo/*.c"
done

check "no directories, sockets or FIFOs left in TMPDIR" "[ -z \"\$(ls -A '$tmp/td')\" ]"

# rpc: the bytes the demo shows must be an RFC 5531 CALL / REPLY.
if echo "$mechs" | grep -qx rpc; then
	# The Python checks below read the demo's hex dumps with this one reader
	# (PYTHONPATH=$tmp): call_and_reply(path) is the bytes of the two dumps
	# (runs of offset-numbered rows, offsets checked), the CALL and the REPLY.
	cat >"$tmp/hexdumps.py" <<'PY'
import re


def call_and_reply(path):
    dumps, cur = [], None
    for l in open(path).read().splitlines():
        m = re.match(r'^ +([0-9a-f]{4})  ((?:[0-9a-f]{2} )+)', l)
        if m:
            if cur is None:
                cur = bytearray()
            assert int(m.group(1), 16) == len(cur), (l, len(cur))
            cur += bytes.fromhex(m.group(2))
        elif cur is not None:
            dumps.append(bytes(cur))
            cur = None
    if cur is not None:
        dumps.append(bytes(cur))
    assert len(dumps) == 2, [d.hex() for d in dumps]
    return dumps
PY
	for via in unix tcp; do
		out="$tmp/rpc-$via.txt"
		$IPCLAB demo rpc --via "$via" >"$out" 2>&1
		check "demo rpc --via $via: exit 0" "[ $? -eq 0 ]"
		check "demo rpc --via $via: the CALL and REPLY bytes match the RFC 5531 layout" "PYTHONPATH='$tmp' python3 - '$out' <<'PY'
import sys
from hexdumps import call_and_reply
call, reply = call_and_reply(sys.argv[1])
be = lambda *w: b''.join(x.to_bytes(4, 'big') for x in w)
arg = b'hello, ipclab!'
xid = call[4:8]
assert xid != b'\0\0\0\0'
# record mark (last fragment | length), then RFC 5531 call_body
body = (xid + be(0, 2, 0x2049504c, 1, 1) +   # CALL, rpcvers 2, prog, vers, proc ECHO
        be(0, 0) + be(0, 0) +                # cred AUTH_NONE, verf AUTH_NONE
        be(len(arg)) + arg + b'\0\0')        # opaque<>: length, bytes, 2 pad bytes
want = be(0x80000000 | len(body)) + body
assert call == want, (call.hex(), want.hex())
assert len(call) == 64 and call[:4] == bytes.fromhex('8000003c')
rbody = xid + be(1, 0, 0, 0, 0) + be(len(arg)) + arg + b'\0\0'  # REPLY, ACCEPTED, verf NONE, SUCCESS
assert reply == be(0x80000000 | len(rbody)) + rbody, reply.hex()
PY"
	done
	out="$tmp/rpc-unix.txt"
	check "demo rpc: the eight steps of an RPC, labelled, in order" "python3 - '$out' <<'PY'
import sys
t = open(sys.argv[1]).read()
steps = ['1. client stub', '2. marshal parameters', '3. kernel sends', '4. server stub receives',
         '5. unmarshal', '6. procedure runs', '7. result marshalled and returned', '8. client stub unmarshals']
pos = [t.find('RPC step ' + s + ' --') for s in steps]
assert all(p >= 0 for p in pos), pos
assert pos == sorted(pos), pos
PY"
	check "demo rpc: each field of the CALL is named" \
		"for f in 'record mark' xid msg_type rpcvers prog vers proc cred verf argument padding; do grep -qE \"^ +[0-9a-f]{4}  .* \$f \" '$out' || exit 1; done"
	$IPCLAB demo rpc -p 0123456789abcdef >"$tmp/rpc16.txt" 2>&1
	check "demo rpc: a 16-byte argument needs no padding" "[ $? -eq 0 ] && ! grep -qE '^ +[0-9a-f]{4}  .* padding ' '$tmp/rpc16.txt'"
	$IPCLAB demo rpc -p abcde >"$tmp/rpc5.txt" 2>&1
	check "demo rpc: a 5-byte argument gets 3 padding bytes" "[ $? -eq 0 ] && grep -qE '^ +0035  00 00 00 +padding +3 zero bytes' '$tmp/rpc5.txt'"
	# --proc: typed XDR.  The words shown must be the ints, big-endian, and
	# the typed result; the whole CALL and REPLY are checked byte by byte.
	$IPCLAB demo rpc --proc add 3 4 >"$tmp/rpcadd.txt" 2>&1
	check "demo rpc --proc add 3 4: exit 0, verified" \
		"[ $? -eq 0 ] && grep -q '^result: the exchange completed and the reply verified' '$tmp/rpcadd.txt'"
	check "demo rpc --proc add 3 4: a and b as big-endian ints with their bytes, and the int result 7" \
		"grep -qE '^ +002c  00 00 00 03 +a +3: ' '$tmp/rpcadd.txt' && grep -qE '^ +0030  00 00 00 04 +b +4: ' '$tmp/rpcadd.txt' &&
		 grep -qE '^ +001c  00 00 00 07 +result +7: ' '$tmp/rpcadd.txt' && grep -q 'sum = 7 (as computed here)' '$tmp/rpcadd.txt'"
	$IPCLAB demo rpc --proc sum 1 2 -- -3 >"$tmp/rpcsum.txt" 2>&1
	check "demo rpc --proc sum 1 2 -3: exit 0" "[ $? -eq 0 ]"
	check "demo rpc --proc sum: count, two's complement elements, the 8-byte hyper result 0" \
		"grep -qE '^ +002c  00 00 00 03 +count +3' '$tmp/rpcsum.txt' && grep -qE '^ +0038  ff ff ff fd +\[2\] +-3: ' '$tmp/rpcsum.txt' &&
		 grep -qE '^ +001c  00 00 00 00 00 00 00 00 +result +0: ' '$tmp/rpcsum.txt'"
	for f in rpcadd rpcsum; do
		check "demo rpc --proc ($f): the CALL and REPLY bytes are RFC 5531 + RFC 4506 XDR" "PYTHONPATH='$tmp' python3 - '$tmp/$f.txt' $f <<'PY'
import sys
from hexdumps import call_and_reply
call, reply = call_and_reply(sys.argv[1])
be = lambda *w: b''.join((x & 0xffffffff).to_bytes(4, 'big') for x in w)
xid = call[4:8]
if sys.argv[2] == 'rpcadd':
    proc, args, res = 3, be(3, 4), be(7)
else:
    proc, args, res = 4, be(3, 1, 2, -3), (0).to_bytes(8, 'big', signed=True)
body = xid + be(0, 2, 0x2049504c, 1, proc) + be(0, 0) + be(0, 0) + args
assert call == be(0x80000000 | len(body)) + body, call.hex()
rbody = xid + be(1, 0, 0, 0, 0) + res
assert reply == be(0x80000000 | len(rbody)) + rbody, reply.hex()
PY"
	done
	for bad in "--proc mul 3 4" "--proc add 3" "--proc add 3 x" "--proc add 3 4 5" "--proc sum" \
		"--proc add 3 4294967296" "--proc echo 3" "-p x --proc add 3 4"; do
		# shellcheck disable=SC2086 # the words of $bad are the arguments
		$IPCLAB demo rpc $bad >"$tmp/bad.out" 2>"$tmp/bad.err"
		check "demo rpc $bad: exit 2, one line, nothing run" \
			"[ $? -eq 2 ] && [ \"\$(wc -l <'$tmp/bad.err')\" = 1 ] && [ ! -s '$tmp/bad.out' ]"
	done
	for bad in "rpc --register --proc add 3 4" "rpc --register -p x" "rpc --register --via tcp" "tcp --register"; do
		# shellcheck disable=SC2086 # the words of $bad are the arguments
		$IPCLAB demo $bad >"$tmp/bad.out" 2>"$tmp/bad.err"
		check "demo $bad: exit 2, one line (before asking any rpcbind)" \
			"[ $? -eq 2 ] && [ \"\$(wc -l <'$tmp/bad.err')\" = 1 ] && [ ! -s '$tmp/bad.out' ]"
	done
	# --via udp: one datagram per call, the lost reply, the same xid again,
	# and the server's answer: from the cache (INCR 1) or run again (INCR 2)
	for sem in at-most-once at-least-once; do
		$IPCLAB demo rpc --via udp --rpc-semantics $sem >"$tmp/rpcudp-$sem.txt" 2>&1
		check "demo rpc --via udp ($sem): exit 0" "[ $? -eq 0 ]"
		check "demo rpc --via udp ($sem): two CALL datagrams with the same xid and no record mark, INCR's value as promised" \
			"python3 - '$tmp/rpcudp-$sem.txt' $sem <<'PY'
import re, struct, sys
text = open(sys.argv[1]).read().splitlines()
sem = sys.argv[2]
want = 1 if sem == 'at-most-once' else 2
row = re.compile(r'^ +([0-9a-f]{4})  ((?:[0-9a-f]{2} )+)')
def blocks(prefix):  # the bytes shown after each line starting with prefix
    out = []
    for i, l in enumerate(text):
        if l.startswith(prefix):
            b = b''
            for m in map(row.match, text[i + 1:]):
                if not m:
                    break
                b += bytes.fromhex(m.group(2).replace(' ', ''))
            out.append(b)
    return out
calls = blocks('[client] send(fd')
replies = blocks('[server] sendto(fd')
be = lambda b, i: struct.unpack('>I', b[i:i + 4])[0]
assert len(calls) == 2 and len(replies) == 2, (len(calls), len(replies))
assert calls[0] == calls[1], 'the retransmission is not the same datagram'
c = calls[0]
# no record mark: the datagram starts with the xid, CALL, rpcvers 2, prog, vers 1, proc 6 = INCR
assert len(c) == 40 and be(c, 4) == 0 and be(c, 8) == 2 and be(c, 12) == 0x2049504c and be(c, 20) == 6, c.hex()
assert not any(row.match(l) and ' record mark ' in l for l in text)  # no such field shown
for r in replies:
    assert len(r) == 28 and r[:4] == c[:4] and be(r, 4) == 1, r.hex()
assert be(replies[0], 24) == 1 and be(replies[1], 24) == want, (replies[0].hex(), replies[1].hex())
assert any(('INCR returned %d ' % want) in l for l in text)
hit = any('cache HIT' in l for l in text)
ran2 = any('run number 2 ' in l for l in text)
assert (hit, ran2) == ((True, False) if want == 1 else (False, True)), (hit, ran2)
assert any('DROPS' in l for l in text) and any('SAME xid' in l for l in text)
PY"
	done
	for bad in "--via udp --proc add 3 4" "--via udp -p x" "--rpc-semantics at-least-once" \
		"--via tcp --rpc-semantics at-most-once" "--via udp --rpc-semantics twice" "--via udp --register"; do
		# shellcheck disable=SC2086 # the words of $bad are the arguments
		$IPCLAB demo rpc $bad >"$tmp/bad.out" 2>"$tmp/bad.err"
		check "demo rpc $bad: exit 2, one line, nothing run" \
			"[ $? -eq 2 ] && [ \"\$(wc -l <'$tmp/bad.err')\" = 1 ] && [ ! -s '$tmp/bad.out' ]"
	done
	$IPCLAB demo tcp --via udp >/dev/null 2>"$tmp/bad.err"
	check "demo tcp --via udp: exit 2 (rpc only)" "[ $? -eq 2 ] && grep -q 'rpc only' '$tmp/bad.err'"
	$IPCLAB demo tcp --proc add 3 4 >/dev/null 2>"$tmp/bad.err"
	check "demo tcp --proc: exit 2 (rpc only)" "[ $? -eq 2 ] && grep -q 'rpc only' '$tmp/bad.err'"
else
	echo "skip - rpc is not registered in this build"
fi

# colour: only on a terminal, never with NO_COLOR
if command -v script >/dev/null 2>&1; then
	script -qec "$IPCLAB demo unix" /dev/null >"$tmp/tty.txt" 2>&1
	check "colour on a terminal" "grep -q '$esc\[' '$tmp/tty.txt'"
	NO_COLOR=1 script -qec "$IPCLAB demo unix" /dev/null >"$tmp/tty2.txt" 2>&1
	check "no colour on a terminal with NO_COLOR=1" "! grep -q '$esc\[' '$tmp/tty2.txt' && grep -q 'result: the exchange completed' '$tmp/tty2.txt'"
else
	echo "skip - script(1) missing: colour on a terminal not checked"
fi

usage() { # $1 label, rest: args; want exit 2 and one line on stderr
	label=$1
	shift
	$IPCLAB "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "usage error ($label): exit 2, one line on stderr" "[ $rc -eq 2 ] && [ \$(wc -l <$tmp/err) -eq 1 ] && [ ! -s $tmp/out ]"
}
usage "no mechanism" demo
usage "unknown mechanism" demo carrier-pigeon
usage "two mechanisms" demo tcp unix
usage "--via for a plain mechanism" demo tcp --via unix
usage "unknown option" demo tcp --frob
check "demo --help exits 0" "$IPCLAB demo --help | grep -q '^usage: ipclab demo MECH'"
check "ipclab --help lists demo and points to the labs and the man page" \
	"$IPCLAB --help | grep -q '^  demo ' && $IPCLAB --help | grep -q 'docs/labs/' && $IPCLAB --help | grep -q 'ipclab(1)'"

echo "demo: $fails failed"
[ "$fails" -eq 0 ]
