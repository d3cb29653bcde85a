#!/bin/sh
# t_pipes.sh - pipe and fifo through the ipclab command: bench with several
# clients and sizes past the pipe capacity, serve -m fifo + bench --connect
# between unrelated processes, pipe refused by serve, and what a SIGKILLed
# fifo server leaves for the next run (nothing of ipclab may remain).
set -u
. "$(dirname "$0")/lib.sh"
# our own TMPDIR: every ipclab name must appear and vanish inside it
tmp=$(mktemp -d)
export TMPDIR="$tmp/t"
mkdir -m 700 "$TMPDIR"
srv=
trap '[ -n "$srv" ] && kill -KILL $srv 2>/dev/null; rm -rf "$tmp"' EXIT
leftovers() { ls -A "$TMPDIR" | grep -c '^ipclab-'; }
csv_ok() { # $1 file, $2 rows expected: every row 0 errors, not failed
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == int(sys.argv[2]), rows
for r in rows:
    assert r['errors'] == '0' and r['failed'] == '0', r
PY
}

check "list shows pipe (needs-fork) and fifo (named)" \
	"$IPCLAB list | grep -q '^pipe .*needs-fork' && $IPCLAB list | grep -q '^fifo .*named'"

$IPCLAB bench -m pipe,fifo -s 64,1M --clients 1,4 -n 100 -q -f csv -o "$tmp/r.csv"
check "bench pipe,fifo 64 B and 1 MiB, 1 and 4 clients: exit 0" "[ $? -eq 0 ]"
check "... 8 rows, 0 errors" "csv_ok '$tmp/r.csv' 8"
$IPCLAB bench -m pipe,fifo -s 16M -n 3 --warmup 1 -q -f csv -o "$tmp/big.csv"
check "bench at the 16 MiB cap: exit 0, 0 errors" "[ $? -eq 0 ] && csv_ok '$tmp/big.csv' 2"
check "nothing left after the runs" "[ \$(leftovers) -eq 0 ]"

usage_err() { # $1 label, rest: args; want exit 2 and a one-line message
	label=$1
	shift
	"$IPCLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "usage error ($label): exit 2, one line on stderr" \
		"[ $rc -eq 2 ] && [ \$(wc -l <$tmp/err) -eq 1 ] && [ ! -s $tmp/out ]"
}
usage_err "serve pipe" serve -m pipe
usage_err "bench --connect pipe" bench -m pipe --connect /nowhere

# serve -m fifo in one process, bench --connect in others
$IPCLAB serve -m fifo >"$tmp/addr" 2>"$tmp/serve.err" &
srv=$!
addr=$(wait_line "$tmp/addr" $srv)
check "serve -m fifo prints a private 0700 directory" \
	"[ -d '$addr' ] && [ \"\$(stat -c %a '$addr')\" = 700 ] && case '$addr' in '$TMPDIR'/ipclab-*) true;; *) false;; esac"
check "... holding the announce FIFO, 0600" \
	"[ -p '$addr/announce' ] && [ \"\$(stat -c %a '$addr/announce')\" = 600 ]"
$IPCLAB bench -m fifo --connect "$addr" -s 64,70000 --clients 1,4 -n 200 -q -f csv -o "$tmp/c.csv"
check "bench --connect to serve -m fifo, 4 clients: exit 0, 0 errors" "[ $? -eq 0 ] && csv_ok '$tmp/c.csv' 4"
check "... the clients' FIFOs are gone" "[ \"\$(ls -A '$addr')\" = announce ]"

kill -KILL $srv
wait $srv 2>/dev/null
srv=
check "a SIGKILLed fifo server leaves its directory" "[ -p '$addr/announce' ]"
# refused (it sees the server is gone), not timed out waiting for it; the
# timeout is a safety net against a hang
check "a client of the dead server is refused at once" \
	"timeout $SAFETY_S $IPCLAB bench -m fifo --connect '$addr' -s 64 -n 10 -q >/dev/null 2>'$tmp/dead.err'; [ \$? -eq 1 ] && grep -qi 'refused' '$tmp/dead.err'"
$IPCLAB bench -m fifo -s 64 -n 100 -q >/dev/null
check "the next run works" "[ $? -eq 0 ]"
check "... and nothing of ipclab is left in TMPDIR" "[ \$(leftovers) -eq 0 ] && [ ! -e '$addr' ]"

# --listen DIR: made 0700, cleaned on SIGTERM; a stale announce is replaced
dir="$tmp/fifo dir"
rm -f "$tmp/addr2"
$IPCLAB serve -m fifo --listen "$dir" >"$tmp/addr2" 2>/dev/null &
srv=$!
wait_line "$tmp/addr2" $srv >/dev/null
check "--listen DIR (with a space) is made 0700" "[ \"\$(stat -c %a '$dir')\" = 700 ]"
check "bench --connect DIR" "$IPCLAB bench -m fifo --connect '$dir' -s 64 -n 100 -q >/dev/null"
check "a second server on the same DIR is refused" \
	"! $IPCLAB serve -m fifo --listen '$dir' >/dev/null 2>&1"
kill -KILL $srv
wait $srv 2>/dev/null
rm -f "$tmp/addr3"
$IPCLAB serve -m fifo --listen "$dir" >"$tmp/addr3" 2>/dev/null &
srv=$!
wait_line "$tmp/addr3" $srv >/dev/null
check "the stale announce FIFO does not stop the next server" \
	"[ -s '$tmp/addr3' ] && $IPCLAB bench -m fifo --connect '$dir' -s 64 -n 50 -q >/dev/null"
kill -TERM $srv
wait $srv
check "serve -m fifo exits 0 on SIGTERM" "[ $? -eq 0 ]"
srv=
check "SIGTERM removes the FIFOs (the DIR was there before: it stays)" \
	"[ -d '$dir' ] && [ -z \"\$(ls -A '$dir')\" ]"
chmod 755 "$dir"
check "a DIR others may enter is refused" "! $IPCLAB serve -m fifo --listen '$dir' >/dev/null 2>&1"
rmdir "$dir"
check "nothing of ipclab is left in TMPDIR" "[ \$(leftovers) -eq 0 ]"

echo "pipes: $fails failed"
[ "$fails" -eq 0 ]
