# grade_4.sh - lab 4, a new mechanism (sourced by grade.sh): the student's
# spair.c built into a copy of ipclab's conformance suite
# (tests/test_conformance.c with grader/variants_spair.c as its variant list).
root=$(cd "$here/../../.." && pwd)
lib=$(dirname "$IPCLAB")
[ -f "$src/spair.c" ] || stop "there is no spair.c in $src"
for a in libipclab.a libipclab-bench.a; do
	[ -f "$lib/$a" ] || skip "$lib/$a is not built (run make first)"
done
printf '#include <stdarg.h>\n#include <stddef.h>\n#include <setjmp.h>\n#include <cmocka.h>\n' |
	"$CC" -E -x c - >/dev/null 2>&1 || skip "cmocka is not installed (Debian: apt-get install libcmocka-dev)"
# the libraries of a sanitizer build (build/san-address-undefined) need the
# same sanitizers at link time
san=
case $(basename "$lib") in san-*) san="-fsanitize=$(basename "$lib" | sed 's/^san-//; s/-/,/g')" ;; esac
SCFLAGS="-std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -pthread $san -iquote $root -iquote $lib"
# the libraries the archive needs (libtirpc, libzmq, ... as found when it
# was built): the Makefile writes them beside it
[ -f "$lib/ldlibs" ] || skip "$lib/ldlibs is missing (run make again)"
LIBS="$lib/libipclab-bench.a $lib/libipclab.a -lcmocka $(cat "$lib/ldlibs")"
compile "spair.c + ipclab's conformance suite" "$work/conformance" "$src/spair.c" \
	"$root/tests/test_conformance.c" "$root/tests/helper_fixture.c" "$here/grader/variants_spair.c" \
	-Wl,--wrap=ipl_transport_find,--wrap=ipl_transport_count $LIBS
pass "spair.c compiles and links into the conformance suite"

mkdir -p "$work/tmp"
# stdout and stderr in one file: a case's messages come between its RUN and
# its verdict
# (stdbuf: line-buffered stdout, so that the two stay in order)
lb=
command -v stdbuf >/dev/null 2>&1 && lb="stdbuf -oL"
# stdbuf works by LD_PRELOAD, which ASan refuses to follow unless told
[ -n "$san" ] && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" && export ASAN_OPTIONS
TMPDIR=$work/tmp run_limited "$work/out" "$work/out" $lb "$work/conformance" spair
rc=$?
[ $rc -eq 124 ] || [ $rc -eq 137 ] &&
	fail "the conformance suite did not finish within $RUN_LIMIT s" \
		"a process waits for EOF that never comes: does every process close the ends it does not own?"
# one line per case, in the suite's words: what each one asks of a mechanism
hint() {
	case $1 in
	*/echo_sizes) echo "one client, ECHO from 0 bytes to 16 MiB: prepare, attach_server, accept, attach_client" ;;
	*/many_messages) echo "10000 round trips, then pipelined and streamed messages on one conn" ;;
	*/orderly_close) echo "after BYE the server closes and the client reads EOF: no stray copy of the server's end may stay open in the client" ;;
	*/malformed_then_next) echo "garbage from one client, then a second client is served: accept hands out channel after channel" ;;
	*/concurrent_clients) echo "4 clients at once, each on its own channel (attach_client takes channel idx)" ;;
	*/cleanup) echo "prepare then stop with no client: release and cleanup close every fd and leave nothing behind" ;;
	registry/*) echo "the grader finds your table by its name \"spair\"" ;;
	*) echo "see tests/test_conformance.c" ;;
	esac
}
# decode HEX: a return code the suite printed, by name (common/err.h)
decode() {
	case $1 in
	# a negative int printed as a 64-bit hex (cmocka): the low 32 bits
	0xffffffff????????) v=$((0x${1#0xffffffff} - 4294967296)) ;;
	*) v=$(($1)) ;;
	esac
	if [ "$v" -le -4000 ] && [ "$v" -gt -4100 ]; then
		n=$(sed -n "s/^[[:space:]]*\(IPL_E[A-Z]*\) = IPL_ERR_BASE - $((-4000 - v)),.*/\1/p" "$root/common/err.h")
		echo "${n:-$v} ($v, see common/err.h)"
	elif [ "$v" -lt 0 ]; then
		echo "-errno $((-v)) (see errno(3))"
	else
		echo "$v"
	fi
}
ran=0
cur=
why=
while IFS= read -r l; do
	case $l in
	"[ RUN      ] "*) cur=${l#\[ RUN      \] } why= ;;
	"[  ERROR   ] --- "*" != "*)
		got=$(echo "$l" | sed 's/^.*--- \(0x[0-9a-f]*\|-*[0-9]*\) != .*/\1/')
		want=$(echo "$l" | sed 's/^.* != //')
		why="${why:+$why; }got $(decode "$got") where the suite expected $want" ;;
	*"exited with"*) why="${why:+$why; }$l" ;;
	"[       OK ] $cur")
		[ -n "$cur" ] && { ran=$((ran + 1)); pass "$cur ($(hint "$cur"))"; }
		cur= ;;
	"[  SKIPPED ] $cur")
		[ -n "$cur" ] && { ran=$((ran + 1)); echo "  ----  $cur skipped (not asked of this mechanism)"; }
		cur= ;;
	"[  FAILED  ] $cur")
		[ -n "$cur" ] && { ran=$((ran + 1)); fail "$cur: $(hint "$cur")" "${why:-the suite gave no detail: see $work/out}"; }
		cur= ;;
	esac
done <"$work/out"
[ "$ran" -gt 0 ] || fail "the conformance suite ran no case (exit $rc); it said:" "$(tail -n 5 "$work/out")"
