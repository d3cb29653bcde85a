#!/bin/sh
# t_grade.sh - the code labs' grader (docs/labs/code, `make grade LAB=N`)
# grades what it should: every reference solution passes; every student
# starting file, and a copy of each reference solution broken on purpose,
# fails with the FAIL line a student would read.  A lab whose tools are
# missing (lab 3 without rpcgen/libtirpc) must say SKIPPED with a reason.
. "$(dirname "$0")/lib.sh"
case $IPCLAB in /*) ;; *) IPCLAB=$(pwd)/$IPCLAB ;; esac
cd "$(dirname "$0")/.." || exit 1
# make check runs us from inside make: its jobserver is not ours to use
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_grade.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
code=docs/labs/code
labs=$(cd "$code" && ls -d [0-9]-* | cut -d- -f1)

# grade LAB SOLUTION: runs make grade; output in $tmp/out, status in $rc
grade() {
	make -s --no-print-directory grade LAB="$1" SOLUTION="$2" GRADE_IPCLAB="$IPCLAB" \
		GRADE_DIR="$tmp/build" >"$tmp/out" 2>&1
	rc=$?
}
# expect LABEL EXPR: check, and on failure the grader's output
expect() {
	_before=$fails
	check "$1" "$2"
	[ "$fails" -eq "$_before" ] || sed 's/^/       | /' "$tmp/out"
}

# break LAB FILE SED-EXPR: a copy of the reference solution with FILE edited
# (the edit must change it), in $tmp/broken-LAB
break_copy() {
	d=$tmp/broken-$1
	rm -rf "$d"
	cp -r "$code/reference/$(cd "$code" && ls -d "$1"-*)" "$d"
	sed -i "$3" "$d/$2"
	cmp -s "$d/$2" "$code/reference/$(cd "$code" && ls -d "$1"-*)/$2" && {
		fail "lab $1: the mutation '$3' no longer changes $2 (update this test)"
		return 1
	}
	return 0
}

skipped=""
for lab in $labs; do
	grade "$lab" reference
	# (through make a skip is exit 2 like any failure: the line tells)
	if [ $rc -ne 0 ] && grep -q "^lab $lab: SKIPPED: ." "$tmp/out"; then
		echo "SKIP - lab $lab: $(grep '^lab .*SKIPPED' "$tmp/out")"
		skipped="$skipped $lab"
		continue
	fi
	expect "lab $lab: the reference solution passes" '[ $rc -eq 0 ] && grep -q "^lab $lab: PASS" "$tmp/out"'
	grade "$lab" ""
	expect "lab $lab: the student's starting files do not pass" \
		'[ $rc -ne 0 ] && grep -q "^lab $lab: FAIL (" "$tmp/out" && grep -q "^  FAIL  " "$tmp/out"'
done

# a lab whose tools are missing says so and does not pass
GRADE_RPCGEN=no-such-rpcgen
export GRADE_RPCGEN
grade 3 reference
unset GRADE_RPCGEN
expect "lab 3 without rpcgen: SKIPPED with the package to install, not a pass" \
	'[ $rc -ne 0 ] && grep -q "^lab 3: SKIPPED: rpcgen is not installed (Debian: apt-get install rpcsvc-proto)" "$tmp/out"'

# broken_fails LAB FILE SED-EXPR EXPECTED-FAIL-LINE: the broken copy fails,
# and the student is told what is wrong
broken_fails() {
	case " $skipped " in *" $1 "*) return 0 ;; esac
	break_copy "$1" "$2" "$3" || return 0
	grade "$1" "$tmp/broken-$1"
	b_lab=$1 b_want=$4
	expect "lab $1: broken ($2: $3) fails with '$4'" \
		'[ $rc -ne 0 ] && grep -q "^lab $b_lab: FAIL (" "$tmp/out" && grep -q "^  FAIL  $b_want" "$tmp/out"'
}
# lab 1: the child answers with the wrong byte
broken_fails 1 pingpong.c 's/b = PONG;/b = PING;/' "[0-9]* byte(s) on the pipes were not where they belong"
# lab 1: one pipe for both directions (to_parent is a second handle on the
# first pipe): either the parent reads its own PING back, or the child's
# PONG is about to enter the PING pipe and the grader stops the run there
# (without that stop it could hang), depending on who runs first
broken_fails 1 pingpong.c \
	's/pipe(to_parent) < 0/(to_parent[0] = dup(to_child[0])) < 0 || (to_parent[1] = dup(to_child[1])) < 0/' \
	"\(PING and PONG went through the same pipe\|[0-9]* byte(s) on the pipes were not where they belong\)"
# lab 1: the child keeps its copy of the ping pipe's write end (so it never
# reads EOF) and the parent does not wait: the child is left running
broken_fails 1 pingpong.c '/^\t\tclose(to_child\[1\]);$/d; /waitpid(pid, NULL, 0);/d' \
	"a process of pingpong was still running"
# lab 2: the client does not compare the payload
broken_fails 2 client.c 's/ || memcmp(back, data, len) != 0//' \
	"your client accepted a reply whose payload differs"
# lab 2: a request header the server refuses (version 2)
broken_fails 2 client.c 's/msg\[4\] = 1;/msg[4] = 2;/' "client .* exited with status 1 against ipclab serve"
# lab 3: the sum in an int (wraps at 2^31)
broken_fails 3 server.c 's/res.sum += v;/res.sum = (int)(res.sum + v);/' \
	"STATS(1000 times 2000000000) answered"
# lab 3: the procedure declared but not implemented
broken_fails 3 server.c '/^ipclab_stats \*ipclab_stats_1_svc/,/^}/d' \
	"server.c does not define ipclab_stats_1_svc"
# lab 4: accept never says it is done: the server takes a conn it was not
# given and dies
broken_fails 4 spair.c 's/^\t\treturn IPL_EDONE;$/\t\treturn 0;/' "spair/orderly_close"

[ "$fails" -eq 0 ]
