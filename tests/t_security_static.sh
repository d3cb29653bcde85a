#!/bin/sh
# t_security_static.sh - source-level security checks over the library, the
# code that handles peers' bytes (common/ sockets/ pipes/ shm/ rpc/):
#   1. no format string that is not a literal: every file compiles with
#      -Wformat=2 -Werror (-Wformat-nonliteral, -Wformat-security), so no
#      peer-supplied (or any run-time) data can reach a printf-family format;
#   2. every shm_open that creates also has O_EXCL (no adopting an object
#      someone else planted under the name);
#   3. library code runs no shell: no system(3) or popen(3).
set -u
. "$(dirname "$0")/lib.sh"
CC=${CC:-cc}
fails=0
files=0
TIRPC_CFLAGS=$(pkg-config --cflags libtirpc 2>/dev/null)
for f in common/*.c sockets/*.c pipes/*.c shm/*.c rpc/*.c; do
	[ -f "$f" ] || continue
	# oncrpc.c is built only with libtirpc (rpc/oncrpc.mk)
	case $f in rpc/oncrpc.c) [ -n "$TIRPC_CFLAGS" ] || continue ;; esac
	files=$((files + 1))
	if ! out=$($CC -fsyntax-only -std=c11 -D_GNU_SOURCE -iquote . -iquote "${BUILD:-build}" \
		$TIRPC_CFLAGS -Wformat=2 -Werror "$f" 2>&1); then
		echo "FAIL: $f: a non-literal or unchecked format string"
		echo "$out"
		fails=$((fails + 1))
	fi
done
echo "format strings: $files files compiled with -Wformat=2 -Werror"

creates=$(grep -n 'shm_open[[:space:]]*(' common/*.c sockets/*.c pipes/*.c shm/*.c rpc/*.c 2>/dev/null |
	grep 'O_CREAT' || true)
if [ -n "$creates" ]; then
	noexcl=$(echo "$creates" | grep -v 'O_EXCL' || true)
	if [ -n "$noexcl" ]; then
		echo "FAIL: shm_open with O_CREAT but without O_EXCL:"
		echo "$noexcl"
		fails=$((fails + 1))
	fi
fi
echo "shm_open: $(echo "$creates" | grep -c . ) creating calls, all O_EXCL"

shell=$(grep -nE '\b(system|popen)[[:space:]]*\(' common/*.c sockets/*.c pipes/*.c shm/*.c rpc/*.c 2>/dev/null || true)
if [ -n "$shell" ]; then
	echo "FAIL: library code runs a shell:"
	echo "$shell"
	fails=$((fails + 1))
fi

echo "$fails failed"
[ "$fails" -eq 0 ]
