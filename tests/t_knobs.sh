#!/bin/sh
# t_knobs.sh - --pipe-size and --sockbuf end to end: the size in force each
# row records (CSV pipe_size_bytes / sockbuf_bytes, JSON, the table's
# settings line) is what the kernel reports, not what was asked, and a row
# without the knob leaves the column empty.  Short runs; no timing asserted.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null 2>&1 || skip "python3 needed to read the CSV"

pmax=$(cat /proc/sys/fs/pipe-max-size)
ask=1048576
[ "$pmax" -ge $ask ] || ask=$pmax
wmax=$(cat /proc/sys/net/core/wmem_max) rmax=$(cat /proc/sys/net/core/rmem_max)
sask=65536
# what Linux keeps: the request capped at the sysctl, doubled (socket(7))
scap=$sask
[ "$wmax" -lt $scap ] && scap=$wmax
[ "$rmax" -lt $scap ] && scap=$rmax
sgot=$((scap * 2))

# col FILE MECH COLUMN: the column's values for MECH's rows, one per line
col() {
	python3 - "$@" <<'PY'
import csv, sys
path, mech, col = sys.argv[1:4]
for r in csv.DictReader(open(path)):
    if r["mechanism"] == mech:
        print(r[col] if r["status"] == "ok" else "status=" + r["status"] + ":" + r["why"])
PY
}

"$IPCLAB" bench -q -m pipe,fifo,unix,tcp,seqpacket,shm -s 64K -n 50 --pipe-size $ask --sockbuf $sask \
	-f csv -o "$tmp/k.csv" 2>"$tmp/err"
check "a run with both knobs exits 0" "[ $? -eq 0 ]" || sed 's/^/#   /' "$tmp/err"
for m in pipe fifo; do
	check "$m: pipe_size_bytes is $ask (F_GETPIPE_SZ), sockbuf_bytes empty" \
		"[ \"\$(col '$tmp/k.csv' $m pipe_size_bytes)\" = $ask ] && [ -z \"\$(col '$tmp/k.csv' $m sockbuf_bytes)\" ]"
done
for m in unix tcp seqpacket; do
	check "$m: sockbuf_bytes is $sgot (twice $scap), pipe_size_bytes empty" \
		"[ \"\$(col '$tmp/k.csv' $m sockbuf_bytes)\" = $sgot ] && [ -z \"\$(col '$tmp/k.csv' $m pipe_size_bytes)\" ]"
done
check "shm (no knob): both columns empty" \
	"[ -z \"\$(col '$tmp/k.csv' shm sockbuf_bytes)\$(col '$tmp/k.csv' shm pipe_size_bytes)\" ]"

# the kernel's rounding is what is recorded: 100000 bytes is 32 pages
page=$(getconf PAGESIZE)
want=$page
while [ "$want" -lt 100000 ]; do want=$((want * 2)); done
"$IPCLAB" bench -q -m pipe -s 64 -n 20 --pipe-size 100000 -f csv -o "$tmp/r.csv" 2>"$tmp/err"
check "--pipe-size 100000 records the $want the kernel granted" "[ \"\$(col '$tmp/r.csv' pipe pipe_size_bytes)\" = $want ]"

"$IPCLAB" bench -q -m pipe,unix -s 64 -n 20 -f csv -o "$tmp/n.csv" 2>"$tmp/err"
check "knobs not given: both columns empty" \
	"[ -z \"\$(col '$tmp/n.csv' pipe pipe_size_bytes)\$(col '$tmp/n.csv' unix sockbuf_bytes)\" ]"

"$IPCLAB" bench -q -m fifo -s 64 -n 20 --pipe-size $ask -f json -o "$tmp/k.json" 2>"$tmp/err"
check "JSON: each rep's pipe_size_bytes and the request in settings" \
	"python3 -c \"
import json, sys
j = json.load(open('$tmp/k.json'))
assert j['settings']['pipe_size_request_bytes'] == $ask and j['settings']['sockbuf_request_bytes'] is None
reps = [x for r in j['results'] for x in r['reps']]
assert reps and all(x['pipe_size_bytes'] == $ask and x['sockbuf_bytes'] is None for x in reps), reps
\""
"$IPCLAB" bench -q -m unix -s 64 -n 20 --sockbuf $sask -f md -o "$tmp/k.md" 2>"$tmp/err"
check "markdown: a settings line with the size in force" \
	"grep -q 'socket buffers.*asked $sask, in force $sgot bytes' '$tmp/k.md'"

echo "knobs: $fails failed"
[ "$fails" -eq 0 ]
