#!/bin/sh
# t_compare.sh - `ipclab compare` on recorded pairs (tests/fixtures/compare/,
# README there says how they were made): two runs of one build compare as
# "no difference" on every row and pass --fail-if-slower 10; a pair with
# the pipe row made 1.5x slower names that row slower with an interval
# excluding 1 and fails the gate; malformed files give exit 2 and one line;
# every output format carries the verdicts; a CSV pair compares too.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fx=tests/fixtures/compare
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run_cmp OUT ARGS...: runs ipclab compare, stdout to OUT, stderr to
# OUT.err; sets rc
run_cmp() {
	_out=$1
	shift
	"$IPCLAB" compare "$@" >"$_out" 2>"$_out.err"
	rc=$?
}

# identical build: every row "no difference", the gate passes
run_cmp "$tmp/same" --fail-if-slower 10 "$fx/same_old.json" "$fx/same_new.json"
check "same pair: exit 0" '[ "$rc" -eq 0 ]'
check "same pair: two rows" '[ "$(grep -c " 64 latency c1 unpinned" "$tmp/same")" -eq 2 ]'
check "same pair: every row no difference" '! grep " latency c1 " "$tmp/same" | grep -qv "no difference"'
check "same pair: the method is named" 'grep -q "bootstrap" "$tmp/same"'
check "same pair: no environment warning" '! grep -q "^warning" "$tmp/same"'

# pipe made 1.5x slower: pipe slower, interval above 1, unix unchanged
run_cmp "$tmp/slow" "$fx/same_old.json" "$fx/slow_new.json"
check "slow pair without a gate: exit 0" '[ "$rc" -eq 0 ]'
pipe=$(grep "^pipe 64 latency" "$tmp/slow")
check "slow pair: pipe slower" 'echo "$pipe" | grep -q " slower "'
lo=$(echo "$pipe" | sed -n 's/.* \([0-9.]*\)\.\.\([0-9.]*\) .*/\1/p')
check "slow pair: interval excludes 1 (low end $lo)" 'awk -v x="$lo" "BEGIN { exit !(x > 1) }"'
check "slow pair: unix no difference" 'grep "^unix 64 latency" "$tmp/slow" | grep -q "no difference"'
run_cmp "$tmp/gate" --fail-if-slower 10 "$fx/same_old.json" "$fx/slow_new.json"
check "slow pair: --fail-if-slower 10 exits 1" '[ "$rc" -eq 1 ]'
check "slow pair: the gate names pipe" 'grep -q "pipe 64 B latency.*slower by more than 10%" "$tmp/gate.err"'
run_cmp "$tmp/gate60" --fail-if-slower 60 "$fx/same_old.json" "$fx/slow_new.json"
check "slow pair: --fail-if-slower 60 exits 0" '[ "$rc" -eq 0 ]'

# throughput: the ratio is of msgs/s, below 1 is slower; swapped, faster
run_cmp "$tmp/tp" --fail-if-slower 10 "$fx/tp_old.json" "$fx/tp_slow.json"
check "throughput 1.5x fewer msgs/s: slower, gate exits 1" \
	'[ "$rc" -eq 1 ] && grep -q "^pipe 64 throughput c1 unpinned .* msgs/s .* 0\.6[0-9]*\.\.0\.[0-9]* *slower " "$tmp/tp"'
run_cmp "$tmp/tp2" --fail-if-slower 10 "$fx/tp_slow.json" "$fx/tp_old.json"
check "throughput 1.5x more msgs/s: faster, gate exits 0" '[ "$rc" -eq 0 ] && grep -q " faster " "$tmp/tp2"'
run_cmp "$tmp/tp3" "$fx/tp_old.json" "$fx/tp_old.json"
check "throughput against itself: no difference" 'grep -q "^pipe 64 throughput .* no difference bootstrap" "$tmp/tp3"'

# the formats
run_cmp "$tmp/csv" -f csv "$fx/same_old.json" "$fx/slow_new.json"
check "csv: header and pipe slower" 'head -n 1 "$tmp/csv" | grep -q "^mechanism,size_bytes" && grep -q "^pipe,64,latency,1,unpinned,.*,slower,bootstrap,-$" "$tmp/csv"'
run_cmp "$tmp/json" -f json "$fx/same_old.json" "$fx/slow_new.json"
check "json: pipe slower" 'grep -q "\"mechanism\": \"pipe\".*\"verdict\": \"slower\"" "$tmp/json"'
if command -v python3 >/dev/null 2>&1; then
	check "json: parses" 'python3 -m json.tool "$tmp/json" >/dev/null'
fi
run_cmp "$tmp/md" -f md "$fx/same_old.json" "$fx/slow_new.json"
check "md: a table row for pipe" 'grep -q "^| pipe 64 latency c1 unpinned |.*| slower | bootstrap |$" "$tmp/md"'

# the same JSON read back by ipclab itself (round trip through its reader)
run_cmp "$tmp/self" "$fx/same_old.json" "$fx/same_old.json"
check "a file against itself: ratio 1.000" '[ "$(grep -c " 1.000 " "$tmp/self")" -eq 2 ]'

# rows in one file only, environment differences
sed 's/"mechanism": "unix"/"mechanism": "tcp"/; s/"kernel": "[^"]*"/"kernel": "Linux 0.0-other"/' \
	"$fx/same_new.json" >"$tmp/other.json"
run_cmp "$tmp/only" "$fx/same_old.json" "$tmp/other.json"
check "only in OLD listed" 'grep "^unix 64" "$tmp/only" | grep -q "only in OLD"'
check "only in NEW listed" 'grep "^tcp 64" "$tmp/only" | grep -q "only in NEW"'
check "environment warning above the table" 'head -n 1 "$tmp/only" | grep -q "^warning: the runs differ: kernel: .* -> Linux 0.0-other"'

# one rep (a recorded --reps 1 run): the histogram interval, said so
run_cmp "$tmp/one" -f csv "$fx/one_rep.json" "$fx/one_rep.json"
check "one rep: histogram method, no difference" '[ "$rc" -eq 0 ] && grep -q "^pipe,.*,no difference,histogram,-$" "$tmp/one"'

# CSV: the bench CSV fixture against itself, and against a JSON run
run_cmp "$tmp/csvin" tests/fixtures/bench.csv tests/fixtures/bench.csv
check "csv input: rows matched, no difference" \
	'[ "$rc" -eq 0 ] && grep -q "^tcp-raw 64 latency c1 cross-core .* no difference bootstrap" "$tmp/csvin" && ! grep -q "only in" "$tmp/csvin"'
run_cmp "$tmp/mixed" tests/fixtures/bench.csv "$fx/same_old.json"
check "csv against json: the machines differ" 'head -n 1 "$tmp/mixed" | grep -q "^warning: .*machine: "'

# malformed input: exit 2, one line
for f in "$fx"/bad_*.json /dev/null "$tmp/missing.json"; do
	run_cmp "$tmp/bad" "$fx/same_old.json" "$f"
	check "malformed $(basename "$f"): exit 2, one line" \
		'[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] && [ ! -s "$tmp/bad" ]'
done
# a results file cut short anywhere
size=$(wc -c <"$fx/same_old.json")
cut_bad=0
off=1
while [ "$off" -lt "$size" ]; do
	head -c "$off" "$fx/same_old.json" >"$tmp/cut.json"
	"$IPCLAB" compare "$fx/same_old.json" "$tmp/cut.json" >/dev/null 2>"$tmp/cut.err"
	rc=$?
	{ [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/cut.err")" -eq 1 ]; } || { echo "cut at $off: exit $rc"; cut_bad=1; }
	off=$((off + 499))
done
check "a file cut at every 499th byte: exit 2, one line" '[ "$cut_bad" -eq 0 ]'
head -c 200000 /dev/urandom >"$tmp/random.json"
run_cmp "$tmp/bad" "$fx/same_old.json" "$tmp/random.json"
check "random bytes: exit 2, one line" '[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ]'

# usage
run_cmp "$tmp/u" "$fx/same_old.json"
check "one file: exit 2" '[ "$rc" -eq 2 ]'
run_cmp "$tmp/u" -f xml "$fx/same_old.json" "$fx/same_new.json"
check "bad format: exit 2" '[ "$rc" -eq 2 ]'
run_cmp "$tmp/u" --fail-if-slower x "$fx/same_old.json" "$fx/same_new.json"
check "bad percentage: exit 2" '[ "$rc" -eq 2 ]'
run_cmp "$tmp/u" --help
check "--help: exit 0, usage" '[ "$rc" -eq 0 ] && grep -q "^usage: ipclab compare" "$tmp/u"'
check "ipclab --help lists compare" '"$IPCLAB" --help | grep -q "^  compare "'

[ "$fails" -eq 0 ] || { echo "t_compare: $fails check(s) failed"; exit 1; }
echo "t_compare: ok"
