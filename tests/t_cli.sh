#!/bin/sh
# t_cli.sh - the ipclab command as a user meets it: help, usage errors, the
# bench outputs (table, CSV, JSON agree), serve + --connect, and a server
# that answers garbage with ERROR and keeps serving.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
srv=

for c in "" bench serve list; do
	check "help: ipclab $c --help exits 0 and prints usage" \
		"$IPCLAB $c --help >$tmp/out 2>&1 && grep -q '^usage: ipclab' $tmp/out"
done

usage_err() { # $1 label, rest: args; want exit 2 and a one-line message
	label=$1
	shift
	"$IPCLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "usage error ($label): exit 2, one line on stderr" \
		"[ $rc -eq 2 ] && [ \$(wc -l <$tmp/err) -eq 1 ] && [ ! -s $tmp/out ]"
}
usage_err "unknown command" frobnicate
usage_err "unknown option" bench --frob
usage_err "unknown mechanism" bench -m carrier-pigeon
usage_err "bad size" bench -s 12Q
usage_err "size over cap" bench -s 2M --cap 1M
usage_err "zero iters" bench -n 0
usage_err "bad cpu" bench --cpu 0
usage_err "missing cpu" bench --cpu 0,4096
usage_err "bad format" bench -f xml
usage_err "missing value" bench -n
usage_err "serve without -m" serve
usage_err "stray argument" list extra

check "list shows tcp and unix with capabilities" \
	"$IPCLAB list | grep -q '^tcp .*cross-host' && $IPCLAB list | grep -q '^unix .*named'"

# the same run in three formats: each parses, each has every row, 0 errors
$IPCLAB bench -m tcp,unix -s 64,4K -n 300 -q -f csv -o "$tmp/r.csv"
check "bench csv: exit 0" "[ $? -eq 0 ]"
$IPCLAB bench -m tcp,unix -s 64,4K -n 300 -q -f json >"$tmp/r.json"
check "bench json: exit 0" "[ $? -eq 0 ]"
$IPCLAB bench -m tcp,unix -s 64,4K -n 300 -q >"$tmp/r.txt"
check "bench table: exit 0" "[ $? -eq 0 ]"
check "csv has 4 data rows with 0 errors and unit columns" "python3 - '$tmp/r.csv' <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
for r in rows:
    assert r['errors'] == '0' and r['failed'] == '0', r
    assert int(r['ok']) == 300, r
    assert 0 < float(r['p50_ns']) <= float(r['max_ns']) and r['p99_ns'] == '-', r  # p99 needs n >= 1000
    assert float(r['msgs_per_s']) > 0
assert {r['mechanism'] for r in rows} == {'tcp', 'unix'}
assert {r['size_bytes'] for r in rows} == {'64', '4096'}
PY"
check "json parses, has environment and 4 results with 0 errors" "python3 - '$tmp/r.json' <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
env = d['environment']
for k in ('ipclab_version', 'git_revision', 'kernel', 'cpu_model', 'cores', 'clocksource'):
    assert k in env, k
res = d['results']
assert len(res) == 4
for r in res:
    assert r['errors'] == 0 and not r['failed']
    lat = r['latency']
    assert lat['count'] == 300
    assert lat['min_ns'] <= lat['p50_ns'] <= lat['p90_ns'] <= lat['max_ns']
    assert lat['p99_ns'] is None and lat['p9999_ns'] is None  # too few samples for them
PY"
check "table has 4 rows and a status column" \
	"[ \$(grep -cE '^(tcp|unix) ' $tmp/r.txt) -eq 4 ] && grep -q status $tmp/r.txt"
check "--out refuses an unwritable path" \
	"! $IPCLAB bench -m unix -s 64 -n 10 -q -o /nonexistent/dir/x.csv 2>/dev/null"

# serve + bench --connect, and garbage sent to the server
$IPCLAB serve -m tcp --listen 127.0.0.1:0 >"$tmp/addr" 2>"$tmp/serve.err" &
srv=$!
addr=$(wait_line "$tmp/addr" $srv)
check "serve prints its address" "echo '$addr' | grep -qE '^127\.0\.0\.1:[0-9]+$'"
check "serve listens on loopback only by default" "ss -ltn 2>/dev/null | grep -q '127.0.0.1:${addr##*:}' || ! command -v ss >/dev/null"
check "bench --connect against serve: 0 errors" \
	"$IPCLAB bench -m tcp --connect $addr -s 64,1K -n 200 -q -f csv | python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); assert len(r)==2 and all(x[\"errors\"]==\"0\" for x in r)'"
check "garbage gets an ERROR reply (bad magic) or a close" "python3 - '$addr' <<'PY'
import socket, struct, sys
host, port = sys.argv[1].rsplit(':', 1)
s = socket.create_connection((host, int(port)), timeout=120)  # a safety net
s.sendall(b'GET / HTTP/1.0\r\n\r\n' + b'x' * 10)
data = b''
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
assert data == b'' or (data[:4] == b'IPL1' and data[5] == 4 and struct.unpack('>I', data[24:28])[0] == 1), data
PY"
check "the next client is served after the garbage" \
	"$IPCLAB bench -m tcp --connect $addr -s 64 -n 100 -q >/dev/null"
usage_err "connect with pipe-like mechanism list" bench -m tcp,unix --connect "$addr"
kill -TERM $srv
wait $srv
check "serve exits 0 on SIGTERM" "[ $? -eq 0 ]"
srv=
check "serve reports what it served" "grep -q 'stopped: [1-9][0-9]* connections' $tmp/serve.err"

# a unix server on a chosen path removes it on exit; a stale one is replaced
sock="$tmp/my server.sock"
$IPCLAB serve -m unix --listen "$sock" >"$tmp/addr2" 2>/dev/null &
srv=$!
wait_line "$tmp/addr2" $srv >/dev/null
check "unix socket is 0600" "[ \"\$(stat -c %a '$sock')\" = 600 ]"
check "bench --connect to a unix path with a space" "$IPCLAB bench -m unix --connect '$sock' -s 64 -n 100 -q >/dev/null"
kill -KILL $srv
wait $srv 2>/dev/null
srv=
check "a SIGKILLed server leaves its socket" "[ -S '$sock' ]"
rm -f "$tmp/addr2"
$IPCLAB serve -m unix --listen "$sock" >"$tmp/addr2" 2>/dev/null &
srv=$!
wait_line "$tmp/addr2" $srv >/dev/null
check "the stale socket does not stop the next server" "$IPCLAB bench -m unix --connect '$sock' -s 64 -n 50 -q >/dev/null"
kill -TERM $srv
wait $srv
srv=
check "SIGTERM removes the socket" "[ ! -e '$sock' ]"

# a stop sent the moment the address appears is held, not fatal: exit 0, names removed
early_ok=1
for i in $(seq 1 25); do
	rm -f "$tmp/addr3"
	$IPCLAB serve -m unix >"$tmp/addr3" 2>/dev/null &
	srv=$!
	while [ ! -s "$tmp/addr3" ] && kill -0 $srv 2>/dev/null; do :; done
	kill -TERM $srv
	wait $srv || early_ok=0
	srv=
	[ -e "$(head -1 "$tmp/addr3")" ] && early_ok=0
done
check "SIGTERM right after the address is printed: exit 0, socket removed" "[ $early_ok -eq 1 ]"

echo "cli: $fails failed"
[ "$fails" -eq 0 ]
