#!/bin/sh
# t_oncrpc_udp.sh - oncrpc over udp (libtirpc's svc_dg and clnt_dg):
#   1. ECHO of 1 B .. its largest payload (65,460: one call per datagram)
#      comes back verified (ok = msgs, no error of any kind, --crc too);
#   2. a size above it, and --mode stream, are refused with one line and
#      exit 2 before any run;
#   3. `serve -m oncrpc --via udp` keeps serving after hostile datagrams
#      (garbage, empty, a truncated call, the largest datagram, a call for
#      another program, a flood of them): `bench --connect` then verifies its
#      ECHOs, and SIGTERM stops the server with exit 0; its limits line says
#      the connection limits do not apply, and --max-clients, --idle-timeout
#      or --max-memory is refused (exit 2): svc_dg keeps no connections.
# Skips (exit 77, says why) when the build has no libtirpc.
. "$(dirname "$0")/lib.sh"
"$IPCLAB" --version | grep -q "libtirpc: *compiled in" || skip "built without libtirpc: no oncrpc"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipl-oncudp.XXXXXX")
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT

# every row ok, msgs == ok, no error, one row per size asked
rows_ok() { # CSV NROWS
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
bad = [r for r in rows if r["status"] != "ok" or r["ok"] != r["msgs"] or int(r["errors"]) != 0
       or int(r["ok"]) == 0]
sys.exit(0 if len(rows) == int(sys.argv[2]) and not bad else 1)
PY
}

# ---- 1. sizes up to the largest, verified -----------------------------------
MAX=65460
"$IPCLAB" bench -q -m oncrpc --via udp -s 1,$((MAX + 4)) -n 5 -f csv -o "$tmp/mixed.csv" 2>"$tmp/mixed.err"
check "a size over the limit among others: left out with a note, the rest runs" \
	"grep -q 'oncrpc $((MAX + 4)) B refused' '$tmp/mixed.err' && rows_ok '$tmp/mixed.csv' 1"
"$IPCLAB" bench -q -m oncrpc --via udp -s 1,64,1024,4096,$MAX -n 30 -f csv -o "$tmp/sizes.csv" \
	2>"$tmp/sizes.err"
check "ECHO 1 B .. $MAX B over oncrpc/udp exits 0" "[ $? -eq 0 ]"
check "ECHO 1 B .. $MAX B: every reply verified" "rows_ok '$tmp/sizes.csv' 5"
"$IPCLAB" bench -q -m oncrpc --via udp -s 3,$MAX --crc -n 20 -f csv -o "$tmp/crc.csv" 2>/dev/null
check "with --crc too" "rows_ok '$tmp/crc.csv' 2"

# ---- 2. refusals -------------------------------------------------------------
"$IPCLAB" bench -m oncrpc --via udp -s $((MAX + 1)) -n 10 >"$tmp/over.out" 2>"$tmp/over.err"
rc=$?
check "$((MAX + 1)) B: exit 2" "[ $rc -eq 2 ]"
check "$((MAX + 1)) B: one line naming the limit, nothing measured" \
	"[ \$(wc -l <'$tmp/over.err') -eq 1 ] && grep -q '65,460 of payload' '$tmp/over.err' && [ ! -s '$tmp/over.out' ]"
"$IPCLAB" bench -m oncrpc --via udp -s 64 --mode stream -n 10 >"$tmp/st.out" 2>"$tmp/st.err"
rc=$?
check "--mode stream: exit 2, one line, nothing measured" \
	"[ $rc -eq 2 ] && [ \$(wc -l <'$tmp/st.err') -eq 1 ] && grep -q 'cannot stream' '$tmp/st.err' && [ ! -s '$tmp/st.out' ]"

# ---- 3. hostile datagrams, then served -----------------------------------------
# the connection limits do not apply over udp: each is refused, one line, exit 2
for opt in "--max-clients 5" "--idle-timeout 10" "--max-memory 1M"; do
	# (a server that accepted the option would serve on: timeout only ends that)
	timeout -k 5 120 "$IPCLAB" serve -m oncrpc --via udp $opt >"$tmp/lim.out" 2>"$tmp/lim.err"
	rc=$?
	check "serve -m oncrpc --via udp $opt: refused, one line, exit 2" \
		"[ $rc -eq 2 ] && [ \$(wc -l <'$tmp/lim.err') -eq 1 ] && grep -q 'do not apply to oncrpc over udp' '$tmp/lim.err' && [ ! -s '$tmp/lim.out' ]"
done
rm -f "$tmp/addr"
"$IPCLAB" serve -m oncrpc --via udp --listen 127.0.0.1:0 >"$tmp/addr" 2>"$tmp/serve.err" &
spid=$!
addr=$(wait_line "$tmp/addr" "$spid")
check "serve -m oncrpc --via udp prints its address" "[ -n '$addr' ]"
check "its limits line says the connection limits do not apply (no connections)" \
	"grep 'limits:' '$tmp/serve.err' | grep -q 'no connections, so --max-clients, --idle-timeout and --max-memory do not apply'"
python3 - "$addr" >"$tmp/hostile.out" <<'PY'
import socket, struct, sys
host, port = sys.argv[1].rsplit(":", 1)
dst = (host, int(port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
PROG = 0x2049504c
def call(xid, prog, proc, body=b""):  # RFC 5531 CALL, AUTH_NONE
    return struct.pack(">IIIIIIIIII", xid, 0, 2, prog, 1, proc, 0, 0, 0, 0) + body
junk = [b"", b"\x00", b"\xff" * 7, b"\xff" * 65507,
        call(1, PROG, 1)[:30],                          # a truncated call
        call(2, PROG, 1, struct.pack(">I", 0x7fffffff)), # ECHO claiming 2 GiB
        call(3, PROG, 5, struct.pack(">I", 0x40000000)), # SUM of a billion ints
        struct.pack(">II", 4, 1) + b"\0" * 40]           # a REPLY sent as a call
for i in range(3000):  # a flood of them
    s.sendto(junk[i % len(junk)], dst)
# a call for another program: libtirpc answers PROG_UNAVAIL (accept_stat 1).
# The flood may have filled the server's socket buffer, so this call may be
# lost like any datagram: resent every 0.5 s until its reply comes (240
# tries, 120 s, is only a safety net)
s.settimeout(0.5)
d = b""
for _ in range(240):
    s.sendto(call(77, PROG + 1, 0), dst)
    try:
        while d[:4] != struct.pack(">I", 77):
            d = s.recv(65536)
        break
    except socket.timeout:
        continue
print("prog_unavail" if len(d) >= 24 and struct.unpack(">I", d[20:24])[0] == 1 else "other")
PY
check "a call for another program gets PROG_UNAVAIL, after the flood" "grep -q prog_unavail '$tmp/hostile.out'"
"$IPCLAB" bench -q -m oncrpc --via udp --connect "$addr" -s 64,$MAX -n 30 -f csv -o "$tmp/after.csv" 2>/dev/null
check "after the hostile datagrams, bench --connect is served and verified" "rows_ok '$tmp/after.csv' 2"
kill -TERM "$spid"
wait "$spid"
rc=$?
spid=
check "SIGTERM stops the server, exit 0" "[ $rc -eq 0 ]"

[ "$fails" -eq 0 ]
