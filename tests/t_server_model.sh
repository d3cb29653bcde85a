#!/bin/sh
# t_server_model.sh - --server threads|epoll on the command line: bad values
# and mechanisms the event loop does not serve are refused (exit 2, one
# line, before anything runs); the model is recorded (server_model); and
# 256 clients at once are served with every reply verified, by the epoll
# loop over unix and tcp and by threads over unix (the fd soft limit is
# raised by bench itself).
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null 2>&1 || skip "python3 needed to read the CSV"

refused() { # refused LABEL ARGS...: exit 2 and exactly one line on stderr
	_l=$1
	shift
	"$IPCLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	_rc=$?
	check "$_l: exit 2" "[ $_rc -eq 2 ]"
	check "$_l: one line naming --server" "[ \$(wc -l <'$tmp/err') -eq 1 ] && grep -q -- '--server' '$tmp/err'"
}
refused "bench --server foo" bench -q -m unix -n 10 --server foo
refused "bench --server epoll -m shm" bench -q -m shm -n 10 --server epoll
refused "bench --server epoll -m unix,pipe" bench -q -m unix,pipe -n 10 --server epoll
refused "bench --server epoll -m rpc" bench -q -m rpc -n 10 --server epoll
refused "bench --server with --connect" bench -q -m unix -n 10 --server epoll --connect /nonexistent
refused "serve --server epoll -m shm" serve -m shm --server epoll
refused "serve --server bad" serve -m unix --server bad

# rows: mechanism model clients; every reply verified (ok = clients * n, no errors)
many() {
	_m=$1 _s=$2 _c=$3
	"$IPCLAB" bench -q -m "$_m" --server "$_s" --clients "$_c" -s 64 -n 20 --mode latency,throughput \
		-f csv -o "$tmp/$_m-$_s.csv" 2>"$tmp/err"
	check "$_m --server $_s --clients $_c exits 0" "[ $? -eq 0 ]" || sed 's/^/#   /' "$tmp/err"
	check "$_m --server $_s --clients $_c: every reply verified, model recorded" "python3 -c \"
import csv
rows = list(csv.DictReader(open('$tmp/$_m-$_s.csv')))
assert len(rows) == 2, rows
for r in rows:
    assert r['status'] == 'ok' and r['errors'] == '0', (r['status'], r['why'])
    assert int(r['ok']) == $_c * 20, r['ok']
    assert r['server_model'] == '$_s', r['server_model']
\""
}
many unix epoll 256
many tcp epoll 256
many unix threads 256

echo "server_model: $fails failed"
[ "$fails" -eq 0 ]
