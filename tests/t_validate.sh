#!/bin/sh
# t_validate.sh - `ipclab bench` refuses a bad command line before it
# measures anything: exit 2, one line on stderr naming the option, and no
# process forked.  Also: duplicates merged, table labels taken by -m, exit 3
# when results cannot be written, JSON that is always UTF-8, --version,
# did-you-mean, the 120-column table, the bash completion, install/uninstall.
#
# "Nothing ran" rests on two witnesses: strace -f (when it works here) must
# see no clone/fork at all, and IPCLAB_TRACE_RUNS (a line per run, written
# before the run forks) must stay empty.  A good command line is run under
# both first, to show that each witness does see a run.
set -u
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

use_strace=0
if command -v strace >/dev/null 2>&1 &&
	strace -f -qq -e trace=clone,clone3,fork,vfork -o "$tmp/probe" sh -c '/bin/true; /bin/true' 2>/dev/null &&
	grep -qE 'clone|fork' "$tmp/probe"; then
	use_strace=1
else
	echo "# strace unusable here: IPCLAB_TRACE_RUNS is the only witness"
fi

# run ARGS...: ipclab under the witnesses; $rc, $tmp/out, $tmp/err, $tmp/runs, $tmp/trace
run() {
	rm -f "$tmp/runs" "$tmp/trace"
	: >"$tmp/trace"
	if [ $use_strace = 1 ]; then # LeakSanitizer cannot run under ptrace: the SAN build's leaks are other tests' job
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" IPCLAB_TRACE_RUNS="$tmp/runs" strace -f -qq -e trace=clone,clone3,fork,vfork -o "$tmp/trace" \
			"$IPCLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	else
		IPCLAB_TRACE_RUNS="$tmp/runs" "$IPCLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
}
forked() { grep -qE '(clone|clone3|fork|vfork)\(' "$tmp/trace"; }

run bench -m unix -s 64 -n 20 -q -f csv
check "control: a good run exits 0 and both witnesses see it" \
	"[ $rc -eq 0 ] && [ -s '$tmp/runs' ] && { [ $use_strace = 0 ] || forked; }"

# bad LABEL WANT ARGS...: exit 2, exactly one line on stderr that holds WANT,
# nothing on stdout, no run started, no process created
bad() {
	label=$1 want=$2
	shift 2
	run "$@"
	check "$label: exit 2, one line naming '$want', nothing forked" \
		"[ $rc -eq 2 ] && [ \$(wc -l <'$tmp/err') -eq 1 ] && grep -qF -- '$want' '$tmp/err' &&
		 [ ! -s '$tmp/out' ] && [ ! -e '$tmp/runs' ] && ! forked"
	[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || sed 's/^/#   /' "$tmp/err"
}

touch "$tmp/afile"
bad "--save into a missing directory" "--save" bench -m unix -s 64 -n 20 --save /nonexistent/dir/run
bad "--save below a regular file" "--save" bench -m unix -s 64 -n 20 --save "$tmp/afile/run"
bad "-o into a missing directory" "-o /nonexistent" bench -m unix -s 64 -n 20 -o /nonexistent/dir/x.csv
bad "-o onto a directory" "is a directory" bench -m unix -s 64 -n 20 -o "$tmp"
if [ "$(id -u)" != 0 ]; then # root writes anywhere: only a missing directory stops it
	mkdir "$tmp/ro" && chmod 0500 "$tmp/ro"
	bad "--save into a read-only directory" "--save" bench -m unix -s 64 --save "$tmp/ro/run"
fi
bad "--connect with a port over 65535" "--connect 127.0.0.1:99999" bench -m tcp --connect 127.0.0.1:99999
bad "--connect with no port" "--connect" bench -m tcp --connect 127.0.0.1
bad "--connect to a path in a missing directory" "--connect /no/such/dir/sock" \
	bench -m unix --connect /no/such/dir/sock
bad "--connect to a path that is no socket" "not a socket" bench -m unix --connect "$tmp/afile"
bad "--connect with two mechanisms" "--connect" bench -m tcp,unix --connect 127.0.0.1:7
bad "--wait without shm" "--wait spin does not apply" bench -m unix --wait spin
bad "--wait when every shm entry names its own" "--wait" bench -m shm-spin --wait block
bad "--via without rpc" "--via unix does not apply" bench -m tcp --via unix
bad "--mode stream on udp" "udp sends datagrams and has no one-way stream" bench -m tcp,udp --mode latency,stream
bad "--window in latency mode" "--window does not apply" bench -m unix --window 4
bad "-n with --duration" "--duration" bench -m unix -n 100 --duration 1
bad "--wide with csv" "--wide" bench -m unix -f csv --wide
bad "--clients over its limit" "1024 clients" bench -m unix --clients 10000
bad "--clients 0" "--clients" bench -m unix --clients 0
bad "an empty size" "-s 64K,,:" bench -m unix -s 64K,,
bad "an empty mechanism" "-m tcp,:" bench -m tcp,
bad "an empty mode" "--mode" bench -m unix --mode latency,
bad "a -raw label" "--baseline" bench -m unix-raw
bad "a wait policy on a mechanism without one" "unix has no wait policy" bench -m unix-spin
bad "a carrier on a mechanism without one" "only rpc, oncrpc" bench -m tcp/unix
bad "the peer pattern with 2 clients" "--clients" bench -m unix-peer --clients 2
if "$IPCLAB" list | grep -q '^oncrpc '; then
	bad "oncrpc over fifo" "oncrpc runs over tcp, udp or unix only" bench -m oncrpc --via fifo
	bad "oncrpc over fifo, as a label" "oncrpc runs over tcp, udp or unix only" bench -m oncrpc/fifo
fi
bad "serve --listen with a port over 65535" "--listen 127.0.0.1:99999" serve -m tcp --listen 127.0.0.1:99999
bad "serve --listen with no port" "--listen" serve -m tcp --listen 127.0.0.1
bad "serve rpc --listen with a bad port" "--listen 127.0.0.1:x" serve -m rpc --listen 127.0.0.1:x
# --pipe-size / --sockbuf: a mechanism in -m must apply the knob; 0, a
# negative or a non-number is refused, and a pipe over fs.pipe-max-size is
# refused for everyone, root too (docs/performance.md)
pmax=$(cat /proc/sys/fs/pipe-max-size 2>/dev/null || echo 1048576)
bad "--pipe-size without pipe or fifo" "--pipe-size does not apply" bench -m tcp --pipe-size 1M
bad "--pipe-size 0" "--pipe-size 0: must be > 0" bench -m pipe --pipe-size 0
bad "--pipe-size negative" "--pipe-size -4K" bench -m pipe --pipe-size -4K
bad "--pipe-size not a number" "--pipe-size big" bench -m fifo --pipe-size big
bad "--pipe-size over fs.pipe-max-size" "over fs.pipe-max-size" bench -m pipe --pipe-size $((pmax * 2))
bad "--sockbuf without a socket" "--sockbuf does not apply" bench -m pipe,shm --sockbuf 256K
bad "--sockbuf 0" "--sockbuf 0: must be > 0" bench -m tcp --sockbuf 0
bad "--sockbuf negative" "--sockbuf -1" bench -m unix --sockbuf -1
bad "--sockbuf not a number" "--sockbuf 1X" bench -m unix --sockbuf 1X
bad "--sockbuf over 1G" "--sockbuf 2G" bench -m tcp --sockbuf 2G
bad "serve --pipe-size on tcp" "--pipe-size does not apply" serve -m tcp --pipe-size 64K
bad "serve --sockbuf on fifo" "--sockbuf does not apply" serve -m fifo --sockbuf 64K
bad "serve --pipe-size over fs.pipe-max-size" "over fs.pipe-max-size" serve -m fifo --pipe-size $((pmax * 2))
bad "did you mean an option" "did you mean --clients?" bench --clinets 4
bad "did you mean a mechanism" "did you mean unix?" bench -m unx
bad "did you mean a mode" "did you mean throughput?" bench --mode throughptu
bad "did you mean a command" "did you mean bench?" bnech
bad "a flag given a value" "takes no value" bench --crc=1
bad "a size no mechanism given can carry" "nothing to run: udp cannot carry 65536 B" bench -m udp -s 64K -n 10

# duplicates run once, with a note each
run bench -m pipe,pipe -s 64,64 -n 20 -f csv
check "-m pipe,pipe -s 64,64: one row, two notes, exit 0" \
	"[ $rc -eq 0 ] && [ \$(grep -c '^pipe,' '$tmp/out') -eq 1 ] &&
	 grep -q 'note: -m names pipe twice' '$tmp/err' && grep -q 'note: -s lists 64 twice' '$tmp/err'"
run bench -m pipe,pipe -s 64,64 -n 20 -f csv -q
check "-q silences the merge notes" "[ $rc -eq 0 ] && [ ! -s '$tmp/err' ]"

# the labels the table prints are taken back by -m
run bench -m shm-hybrid,rpc/tcp,unix-peer -s 64 -n 20 -q -f csv
check "-m shm-hybrid,rpc/tcp,unix-peer: those three rows" "[ $rc -eq 0 ] && python3 - '$tmp/out' <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r['mechanism'], r['wait']) for r in rows)
assert got == [('rpc/tcp', ''), ('shm', 'hybrid'), ('unix-peer', '')], got
assert all(r['errors'] == '0' for r in rows), rows
PY"
run bench -m shm-block,shm-hybrid -s 64 -n 20 -q -f csv
check "two wait policies of shm in one run" \
	"[ $rc -eq 0 ] && grep -q '^shm,block,' '$tmp/out' && grep -q '^shm,hybrid,' '$tmp/out'"

# exit 3: the run was fine, its results could not be written
if [ -w /dev/full ]; then
	run bench -m unix -s 64 -n 20 -q -o /dev/full
	check "-o /dev/full: exit 3 and says the write failed" "[ $rc -eq 3 ] && grep -q 'writing /dev/full failed' '$tmp/err'"
	ln -s /dev/full "$tmp/full.json"
	run bench -m unix -s 64 -n 20 -q -f csv --save "$tmp/full"
	check "--save onto a full device: exit 3" "[ $rc -eq 3 ] && [ -s '$tmp/full.csv' ]"
fi

# JSON: valid UTF-8 whatever the command line held; schema, time, clock
ff=$(printf '\377')
run bench -m unix -s 64 -n 20 -q --save "$tmp/r$ff"
check "a 0xff byte in an argument: the JSON loads as UTF-8 with schema_version, UTC time, governor, turbo" \
	"[ $rc -eq 0 ] && python3 - '$tmp/r$ff.json' <<'PY'
import json, re, sys
with open(sys.argv[1], 'rb') as f:
    d = json.loads(f.read().decode('utf-8'))  # strict: a stray byte fails here
assert d['schema_version'] == 1, d['schema_version']
assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', d['timestamp_utc']), d['timestamp_utc']
assert '\ufffd' in d['settings']['command'], d['settings']['command']
env = d['environment']
assert 'cpufreq_governor' in env and 'turbo' in env, env
assert env['turbo'] in (None, True, False)
assert env['cpufreq_governor'] is None or isinstance(env['cpufreq_governor'], str)
PY"

# warnings: once on stderr, in the files, not again in the table on stdout
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run bench -m tcp --connect "127.0.0.1:$port" -s 64 -n 20 --save "$tmp/refused"
check "a refused connection: exit 1, each warning once on stderr, none in the table" \
	"[ $rc -eq 1 ] && [ \$(grep -c 'rep 1 FAILED' '$tmp/err') -eq 1 ] && ! grep -q 'FAILED:' '$tmp/out' &&
	 grep -q 'FAILED 1/1' '$tmp/out' && grep -q 'rep 1 FAILED' '$tmp/refused.md'"
check "a refused connection: no talk of wrong bytes, no 'client (unknown)'" \
	"! grep -q 'wrong bytes' '$tmp/err' '$tmp/out' '$tmp/refused.md' &&
	 ! grep -q 'unknown' '$tmp/out' && grep -q 'rep 1 failed' '$tmp/out'"

# the default table fits 120 columns; --wide has the rest
run bench -m unix,pipe -s 64,1K -n 20 --reps 2 --baseline --cpu 0,0 --cpu 0,1 -q
check "default table: every line within 120 columns" \
	"[ $rc -eq 0 ] && [ \$(awk '{ if (length(\$0) > m) m = length(\$0) } END { print m }' '$tmp/out') -le 120 ] &&
	 grep -q '^mechanism ' '$tmp/out' && ! grep -q 'min..max  ' '$tmp/out'"
run bench -m unix -s 64 -n 20 --reps 2 -q --wide
check "--wide: the spread, p90, cs/msg and errors columns" \
	"[ $rc -eq 0 ] && grep -q 'p50 min..max' '$tmp/out' && grep -q ' p90 ' '$tmp/out' && grep -q 'cs/msg' '$tmp/out'"

# --version
run --version
check "--version: version, git revision, build flags, libtirpc" \
	"[ $rc -eq 0 ] && grep -qE '^ipclab [0-9]+\.[0-9]+' '$tmp/out' && grep -qE '^git revision: [0-9a-f]{7}|^git revision: unknown' '$tmp/out' &&
	 grep -qE '^build flags: +.*-std=c11' '$tmp/out' && grep -qE '^libtirpc: +(compiled in|not compiled in)' '$tmp/out'"
if "$IPCLAB" list | grep -q '^oncrpc '; then tirpc="compiled in"; else tirpc="not compiled in"; fi
check "--version: libtirpc line agrees with ipclab list" "grep -qE '^libtirpc: +$tirpc' '$tmp/out'"

# bash completion
comp="$root/scripts/ipclab.bash-completion"
if command -v bash >/dev/null 2>&1; then
	check "completion script: bash -n" "bash -n '$comp'"
	complete_words() { # the words completed for the command line "$@" (last word: being typed)
		bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ipclab; printf "%s\n" "${COMPREPLY[@]}"' \
			"$comp" "$@"
	}
	check "completion: -m u offers unix and unix-peer" \
		"complete_words '$IPCLAB' bench -m u | grep -qx unix && complete_words '$IPCLAB' bench -m u | grep -qx unix-peer"
	check "completion: -m tcp,s offers tcp,shm and tcp,shm-spin" \
		"complete_words '$IPCLAB' bench -m tcp,s | grep -qx tcp,shm && complete_words '$IPCLAB' bench -m tcp,s | grep -qx tcp,shm-spin"
	check "completion: be -> bench, --cli -> --clients" \
		"complete_words '$IPCLAB' be | grep -qx bench && complete_words '$IPCLAB' bench --cli | grep -qx -- --clients"
fi

# make install / uninstall into a DESTDIR
if command -v make >/dev/null 2>&1; then
	d="$tmp/destdir"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" -o "$IPCLAB" IPCLAB="$IPCLAB" \
		DESTDIR="$d" PREFIX=/usr install >"$tmp/install.log" 2>&1
	check "make install: binary, man page, bash completion" \
		"[ -x '$d/usr/bin/ipclab' ] && [ -f '$d/usr/share/man/man1/ipclab.1' ] &&
		 cmp -s '$comp' '$d/usr/share/bash-completion/completions/ipclab'"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" -o "$IPCLAB" IPCLAB="$IPCLAB" \
		DESTDIR="$d" PREFIX=/usr uninstall >>"$tmp/install.log" 2>&1
	check "make uninstall: all three gone" \
		"[ ! -e '$d/usr/bin/ipclab' ] && [ ! -e '$d/usr/share/man/man1/ipclab.1' ] &&
		 [ ! -e '$d/usr/share/bash-completion/completions/ipclab' ]"
fi

echo "validate: $fails failed"
[ "$fails" -eq 0 ]
