# grade_2.sh - lab 2, a TCP client of ipclab's protocol (sourced by grade.sh).
N=200
[ -f "$src/client.c" ] || stop "there is no client.c in $src"
compile client.c "$work/client" "$src/client.c"
compile "the grader's test server" "$work/liar" "$here/grader/liar.c"

# 1. against the real server: every reply right, and the server counted them
rm -f "$work/srv.out"
"$IPCLAB" serve -m tcp >"$work/srv.out" 2>"$work/srv.err" &
srv=$!
addr=$(wait_addr "$work/srv.out" "$srv") || stop "ipclab serve -m tcp did not start: $(head -n 3 "$work/srv.err")"
run_limited "$work/out" "$work/err" "$work/client" "$addr" "$N"
rc=$?
stop_server "$srv"
honest=$rc
case $rc in
0) pass "client $addr $N exited 0 against ipclab serve -m tcp" ;;
124 | 137) fail "client $addr $N did not finish within $RUN_LIMIT s" \
	"a read that waits for more bytes than the server sends? a reply is 24 bytes + len" ;;
*) fail "client $addr $N exited with status $rc against ipclab serve -m tcp; it said:" \
	"$(head -n 3 "$work/err")" \
	"every field is big-endian; a request has flags 0, version 1; compare your bytes with 'ipclab demo tcp'" ;;
esac
served=$(sed -n 's/.*stopped: \([0-9]*\) connections, \([0-9]*\) requests, \([0-9]*\) refused as bad.*/\2 \3/p' "$work/srv.err")
reqs=${served% *}
bad=${served#* }
if [ -n "$served" ] && [ "$reqs" -ge "$N" ] && [ "$bad" = 0 ]; then
	pass "the server counted $reqs requests (at least $N ECHOs), none refused as bad"
else
	fail "the server counted ${reqs:-no} requests, ${bad:-?} refused as bad; expected at least $N and none bad" \
		"the server's own account: $(grep 'stopped:' "$work/srv.err" | sed 's/^ipclab serve: //')"
fi

# 2. against a server that lies once: the client must notice (only worth
# asking of a client that works against an honest one)
if [ "$honest" != 0 ]; then
	echo "  ----  not yet checked: whether your client notices a wrong reply (first make it"
	echo "        work against ipclab serve -m tcp)"
	verdict
fi
for mode in payload seq; do
	rm -f "$work/liar.out"
	"$work/liar" "$mode" >"$work/liar.out" 2>/dev/null &
	liar=$!
	laddr=$(wait_addr "$work/liar.out" "$liar") || stop "the grader's test server did not start"
	run_limited "$work/lout" "$work/lerr" "$work/client" "$laddr" 10
	rc=$?
	kill "$liar" 2>/dev/null
	wait "$liar" 2>/dev/null
	case $mode in
	payload) what="a reply whose payload differs from the request by one byte" hint="compare every payload byte (memcmp)" ;;
	seq) what="a reply with the wrong seq" hint="check that the reply's seq is the request's" ;;
	esac
	case $rc in
	0) fail "your client accepted $what (it exited 0)" "$hint, and exit 1 when a reply is wrong" ;;
	124 | 137) fail "given $what, your client did not finish within $RUN_LIMIT s" ;;
	*) pass "your client noticed $what (exit $rc)" ;;
	esac
done
