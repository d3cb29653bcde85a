#!/bin/sh
# t_peer.sh - `ipclab bench --pattern peer`: two processes that each serve and
# each request at once.  Rows for every registered mechanism with 0 errors,
# both directions counted, the pattern visible in the mechanism column next
# to the client-server rows, and clear refusals.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/td"
export TMPDIR="$tmp/td"

$IPCLAB bench --pattern peer -m unix,tcp -s 64,4K -n 300 -q -f csv -o "$tmp/p.csv"
check "peer unix,tcp: exit 0" "[ $? -eq 0 ]"
check "peer unix,tcp: 4 rows labelled -peer, 0 errors, both directions counted" "python3 - '$tmp/p.csv' <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4, rows
assert {r['mechanism'] for r in rows} == {'unix-peer', 'tcp-peer'}, rows
for r in rows:
    assert r['errors'] == '0' and r['failed'] == '0', r
    assert int(r['ok']) == 600, r   # 300 round trips each way
PY"

$IPCLAB bench --pattern client-server,peer -m unix -s 64 -n 200 -q >"$tmp/both.txt"
check "both patterns in one table" \
	"[ $? -eq 0 ] && grep -qE '^unix +64 ' '$tmp/both.txt' && grep -qE '^unix-peer +64 ' '$tmp/both.txt'"

for m in $($IPCLAB list | awk 'NR > 1 { print $1 }'); do
	$IPCLAB bench --pattern peer -m "$m" -s 64 -n 100 -q -f csv -o "$tmp/$m.csv" 2>"$tmp/$m.err"
	check "peer $m: exit 0, 0 errors" "[ $? -eq 0 ] && python3 -c \"import csv,sys; r=list(csv.DictReader(open('$tmp/$m.csv'))); assert len(r)==1 and r[0]['errors']=='0' and int(r[0]['ok'])==200, r\""
done
$IPCLAB bench --pattern peer -m unix --mode throughput,stream -s 1K -n 300 -q -f csv -o "$tmp/tp.csv"
check "peer throughput and stream modes: exit 0" "[ $? -eq 0 ]"
check "no names left in TMPDIR" "[ -z \"\$(ls -A '$tmp/td')\" ]"

usage() {
	label=$1
	shift
	$IPCLAB "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "usage error ($label): exit 2, one line on stderr" "[ $rc -eq 2 ] && [ \$(wc -l <$tmp/err) -eq 1 ] && [ ! -s $tmp/out ]"
}
usage "unknown pattern" bench --pattern mesh
usage "empty pattern" bench --pattern ,
usage "peer with --connect" bench --pattern peer -m tcp --connect 127.0.0.1:1
usage "peer with 2 clients" bench --pattern peer -m tcp --clients 2
check "bench --help documents --pattern" "$IPCLAB bench --help | grep -q -- '--pattern'"

echo "peer: $fails failed"
[ "$fails" -eq 0 ]
