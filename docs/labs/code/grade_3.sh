# grade_3.sh - lab 3, a new procedure in ipclab.x (sourced by grade.sh).
# GRADE_RPCGEN: which rpcgen (the tests name a missing one to see the skip)
RPCGEN=${GRADE_RPCGEN:-rpcgen}
command -v "$RPCGEN" >/dev/null 2>&1 ||
	skip "rpcgen is not installed (Debian: apt-get install rpcsvc-proto)"
TIRPC_CFLAGS=$(pkg-config --cflags libtirpc 2>/dev/null) && TIRPC_LIBS=$(pkg-config --libs libtirpc 2>/dev/null) ||
	skip "libtirpc is not installed (Debian: apt-get install libtirpc-dev pkg-config)"
for f in ipclab.x server.c client.c; do
	[ -f "$src/$f" ] || stop "there is no $f in $src"
done

# rpcgen, as tests/interop.mk runs it: the header, the client stubs, the
# server's dispatcher (-m: no main, server.c has one) and the XDR routines
cp "$src/ipclab.x" "$work/ipclab.x"
if ! (cd "$work" && $RPCGEN -h -o ipclab.h ipclab.x && $RPCGEN -l -o ipclab_clnt.c ipclab.x &&
	$RPCGEN -m -o ipclab_svc.c ipclab.x && $RPCGEN -c -o ipclab_xdr.c ipclab.x) >"$work/rpcgen.log" 2>&1; then
	fail "rpcgen cannot read your ipclab.x; it said:"
	sed -n '1,10s/^/          /p' "$work/rpcgen.log"
	verdict
fi
pass "rpcgen made the stubs from your ipclab.x (look at them in $work)"
if grep -q '^#define IPCLAB_STATS 6$' "$work/ipclab.h"; then
	pass "ipclab.x declares procedure IPCLAB_STATS = 6"
else
	stop "ipclab.x has no procedure IPCLAB_STATS = 6 (rpcgen's ipclab.h does not define it)" \
		"add the struct ipclab_stats and the line 'ipclab_stats IPCLAB_STATS(ipclab_ints) = 6;' (README.md)"
fi

# the generated C is rpcgen's, not the student's: compiled without warnings
GEN="$CC -std=gnu11 -O2 -w $TIRPC_CFLAGS -I$work -c"
for g in clnt svc xdr; do
	$GEN -o "$work/gen_$g.o" "$work/ipclab_$g.c" 2>"$work/gen_$g.log" ||
		stop "rpcgen's ipclab_$g.c does not compile: $(head -n 3 "$work/gen_$g.log")"
done
SCFLAGS="$SCFLAGS -Wno-cast-function-type $TIRPC_CFLAGS -I$work"
compile "the grader's checking client (built from your ipclab.x)" "$work/rpc_check" \
	"$here/grader/rpc_check.c" "$work/gen_clnt.o" "$work/gen_xdr.o" $TIRPC_LIBS
if ! "$CC" $SCFLAGS -o "$work/server" "$src/server.c" "$work/gen_svc.o" "$work/gen_xdr.o" \
	$TIRPC_LIBS >"$work/server.log" 2>&1; then
	if grep -q 'undefined reference to .ipclab_stats_1_svc' "$work/server.log"; then
		stop "server.c does not define ipclab_stats_1_svc, the function rpcgen's dispatcher calls for STATS" \
			"its prototype is in $work/ipclab.h; write it in server.c (TODO 2)"
	fi
	fail "server.c does not compile; the compiler said (first lines):"
	sed -n '1,25s/^/          /p' "$work/server.log"
	verdict
fi
pass "server.c compiles and links with rpcgen's dispatcher"
compile client.c "$work/client" "$src/client.c" "$work/gen_clnt.o" "$work/gen_xdr.o" $TIRPC_LIBS

rm -f "$work/srv.out"
"$work/server" >"$work/srv.out" 2>"$work/srv.err" &
srv=$!
addr=$(wait_addr "$work/srv.out" "$srv") || stop "your server did not print its address: $(head -n 3 "$work/srv.err")"
host=${addr%:*}
port=${addr##*:}
run_limited "$work/check.out" "$work/check.err" "$work/rpc_check" "$host" "$port"
while IFS= read -r l; do
	case $l in
	PASS\ *) pass "${l#PASS }" ;;
	FAIL\ *) fail "${l#FAIL }" ;;
	esac
done <"$work/check.out"
[ -s "$work/check.out" ] || fail "the grader's client got nothing from your server: $(head -n 3 "$work/check.err")"
run_limited "$work/out" "$work/err" "$work/client" "$host" "$port"
rc=$?
stop_server "$srv"
if [ $rc -eq 0 ] && grep -q 'count 4' "$work/out"; then
	pass "your client called STATS and printed: $(grep 'count 4' "$work/out" | head -n 1)"
else
	fail "your client exited with status $rc; it printed:" "$(head -n 3 "$work/out")" "$(head -n 3 "$work/err")" \
		"call ipclab_stats_1(&list, cl), print the fields, return 0 when they are right (TODO 3)"
fi
