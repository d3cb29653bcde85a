# grade_1.sh - lab 1, pingpong over two pipes (sourced by grade.sh).
# The student's read/write calls are counted by grader/pipe_tally.c.
N=1000
[ -f "$src/pingpong.c" ] || stop "there is no pingpong.c in $src"
compile pingpong.c "$work/pingpong" "$src/pingpong.c" "$here/grader/pipe_tally.c" \
	-Wl,--wrap=read,--wrap=write
GRADE_TALLY=$work/tally
export GRADE_TALLY
run_limited "$work/out" "$work/err" "$work/pingpong" "$N"
rc=$?
# the grader's wrapper ended the run: one pipe carried both directions (see
# grader/pipe_tally.c: such a run may hang, depending on who runs first)
if grep -q 'stopped=1' "$work/tally" 2>/dev/null; then
	stop "PING and PONG went through the same pipe (the grader stopped pingpong there)" \
		"a pipe is one-way (half-duplex): with one pipe, a process can read back its own byte" \
		"and the other then waits forever. make two pipes, one for each direction"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	stop "pingpong $N did not finish within $RUN_LIMIT s" \
		"a read(2) waits for a byte nobody will write, or for an EOF that never comes:" \
		"every process must close the pipe ends it does not use (a reader sees EOF" \
		"only when every write end, in every process, is closed)"
fi
[ $rc -eq 0 ] && pass "pingpong $N ran and exited with status 0" ||
	fail "pingpong $N exited with status $rc (expected 0); it printed on stderr:" "$(head -n 5 "$work/err")"
[ "$leftover" = 0 ] && pass "no process of pingpong was left running after the parent exited" ||
	fail "a process of pingpong was still running 10 s after the parent exited (the grader killed it)" \
		"a child blocked in read(2) never sees EOF while some process still holds a write end" \
		"of that pipe: close the ends each process does not use, in the parent and the child"
[ -s "$work/tally" ] || stop "the parent process did not end normally (return from main or exit()), so nothing can be counted"
tally=$(cat "$work/tally")
get() { echo "$tally" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# (a stray byte is the better explanation when there is one: reported below)
if [ "$(get wrong)" = 0 ] && { [ "$(get child_seen)" != 1 ] || [ "$(get ping_r)" = 0 ]; }; then
	stop "no child process read a PING from a pipe: fork(2), and let the child answer the pings"
fi
[ "$(get ping_w)" = "$N" ] && pass "the parent wrote $N PING bytes ('i') into a pipe, one per round trip" ||
	fail "the parent wrote $(get ping_w) PING bytes into a pipe; expected $N (one per round trip)"
[ "$(get ping_r)" = "$N" ] && pass "the child read all $N PINGs" ||
	fail "the child read $(get ping_r) PING bytes; expected $N"
[ "$(get pong_w)" = "$N" ] && pass "the child wrote $N PONG bytes ('o') back" ||
	fail "the child wrote $(get pong_w) PONG bytes into a pipe; expected $N (one per PING)"
[ "$(get pong_r)" = "$N" ] && pass "the parent read all $N PONGs" ||
	fail "the parent read $(get pong_r) PONG bytes; expected $N"
if [ "$(get wrong)" = 0 ]; then
	pass "no other bytes went through the pipes"
else
	who=child
	[ "$(get wrong_by_parent)" = 1 ] && who=parent
	dir=read
	[ "$(get wrong_write)" = 1 ] && dir=wrote
	fail "$(get wrong) byte(s) on the pipes were not where they belong: the first, $(printf '%#x' "$(get wrong_byte)"), the $who $dir" \
		"the parent writes only PING ('i') and reads only PONG ('o'); the child the reverse." \
		"a process that reads its own byte back is using one pipe for both directions"
fi
[ "$(get same_pipe)" = 0 ] && pass "PING and PONG travel through two different pipes" ||
	fail "PING and PONG went through the same pipe" \
		"a pipe is one-way (half-duplex): with one pipe, the parent can read back its own PING." \
		"make two pipes, one for each direction"

line=$(grep '^pingpong: ' "$work/out" | tail -n 1)
per=$(echo "$line" | sed -n "s/^pingpong: $N round trips, \([0-9][0-9.]*\) us per round trip\$/\1/p")
if [ -n "$per" ] && awk -v t="$per" 'BEGIN { exit !(t > 0) }'; then
	pass "prints the time: $per us per round trip"
else
	fail "did not print 'pingpong: $N round trips, T us per round trip' with T > 0; it printed:" \
		"${line:-(nothing)}" "measure with now_us() before and after the loop"
fi

# ipclab's number for the same exchange, for the student to compare (no
# grade depends on it: times differ from machine to machine and run to run)
p50=$("$IPCLAB" bench -m pipe -s 1 -n 2000 2>/dev/null | awk '$1 == "pipe" { print $4, $5; exit }')
if [ -n "$p50" ] && [ -n "$per" ]; then
	echo "  info  for comparison, ipclab bench -m pipe -s 1 -n 2000: p50 $p50 per round trip"
	echo "        (yours: $per us, a mean). ipclab sends a 24-byte header + 1 byte and checks"
	echo "        every reply; your loop moves 1 byte. No grade depends on the times."
fi
