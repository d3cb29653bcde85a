#!/bin/sh
# t_clients.sh - many clients against the process limits: the pipe
# mechanism makes every client's four pipe fds in the bench process before
# forking, so --clients N needs 4N fds there; bench raises its soft
# RLIMIT_NOFILE towards that (within the hard limit).  Checked cheaply with
# a low soft limit and 40 clients (160 fds) instead of 256 under 1024.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null 2>&1 || skip "python3 needed to read the CSV"
[ "$(ulimit -H -n)" = unlimited ] || [ "$(ulimit -H -n)" -ge 256 ] || skip "hard fd limit under 256"

(ulimit -S -n 64 && "$IPCLAB" bench -q -m pipe,fifo,unix -s 64 -n 20 --clients 40 -f csv -o "$tmp/c.csv") 2>"$tmp/err"
check "--clients 40 under a soft fd limit of 64 exits 0" "[ $? -eq 0 ]" || sed 's/^/#   /' "$tmp/err"
check "every row ok" "python3 -c \"
import csv
rows = list(csv.DictReader(open('$tmp/c.csv')))
assert len(rows) == 3 and all(r['status'] == 'ok' for r in rows), [(r['mechanism'], r['why']) for r in rows]
\""

echo "clients: $fails failed"
[ "$fails" -eq 0 ]
