#!/bin/sh
# t_report.sh - `ipclab report` without a browser (t_report_browser.sh opens
# the page in Chromium): the page is self-contained (no http(s):// address,
# no <script src>, one inline script), a hostile mechanism name, hostname
# and warning from the JSON come out escaped (inert), two runs give the
# comparison table, and the errors take the exit status of `ipclab compare`
# (2: bad usage or input; 3: the page cannot be written, found before any
# input is read).
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
fx=tests/fixtures/compare
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# one run: the recorded pair's old file; a hostile copy of it
"$IPCLAB" report "$fx/same_old.json" -o "$tmp/one.html" 2>"$tmp/one.err"
rc=$?
check "one run: exit 0, nothing on stderr" '[ "$rc" -eq 0 ] && [ ! -s "$tmp/one.err" ]'
check "one run: a page" 'head -n 1 "$tmp/one.html" | grep -q "^<!DOCTYPE html>" && grep -q "</html>" "$tmp/one.html"'
check "one run: the results table" 'grep -q "<table class=.sortable results. id=.results-1." "$tmp/one.html"'
check "one run: environment and settings" 'grep -q "id=.environment-1." "$tmp/one.html" && grep -q "id=.settings-1." "$tmp/one.html"'
check "one run: a latency chart, one <svg> per chart" \
	'[ "$(grep -c "<figure class=.chart." "$tmp/one.html")" -ge 1 ] &&
	 [ "$(grep -o "<svg" "$tmp/one.html" | wc -l)" -eq "$(grep -o "<figure class=.chart." "$tmp/one.html" | wc -l)" ]'
check "one run: no comparison" '! grep -q "compare-table" "$tmp/one.html"'

# self-contained: nothing fetched from anywhere
check "no http:// or https:// reference" '! grep -qi "https\?://" "$tmp/one.html"'
check "no <script src, no external resource" '! grep -qi "<script[^>]*src\|<link\|<img\|@import\|url(" "$tmp/one.html"'
check "one script element" '[ "$(grep -oi "<script" "$tmp/one.html" | wc -l)" -eq 1 ]'

# hostile strings in the JSON: a mechanism, the hostname, a warning
evil='<script>document.title=1</script><img src=x onerror=alert(1)>'
sed -e "s|\"mechanism\": \"pipe\"|\"mechanism\": \"$evil\"|" \
	-e "s|\"hostname\": \"[^\"]*\"|\"hostname\": \"<b onclick=x>'h'</b>\"|" \
	-e "s|\"warnings\": \[\],|\"warnings\": [\"<iframe>\&\"],|" "$fx/same_old.json" >"$tmp/evil.json"
check "the hostile file carries the names" 'grep -q "<script>document.title" "$tmp/evil.json" && grep -q "<iframe>" "$tmp/evil.json"'
"$IPCLAB" report "$tmp/evil.json" -o "$tmp/evil.html" 2>"$tmp/evil.err"
check "hostile: exit 0" '[ $? -eq 0 ]'
check "hostile: still one script element, no img, no iframe, no <b" \
	'[ "$(grep -oi "<script" "$tmp/evil.html" | wc -l)" -eq 1 ] && ! grep -qi "<img\|<iframe\|<b " "$tmp/evil.html"'
check "hostile: the mechanism escaped in the table" \
	'grep -q "<td>&lt;script&gt;document.title=1&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td>" "$tmp/evil.html"'
check "hostile: the mechanism escaped in the chart's legend" \
	'grep -q "<text [^>]*>&lt;script&gt;document.title=1&lt;/script&gt;" "$tmp/evil.html"'
check "hostile: the hostname and the warning escaped" \
	'grep -q "&lt;b onclick=x&gt;&#39;h&#39;&lt;/b&gt;" "$tmp/evil.html" && grep -q "<li>&lt;iframe&gt;&amp;</li>" "$tmp/evil.html"'

# forged figures: 1e308 and 5e-324 on a log axis (632 decades) must give
# finite coordinates and a bounded number of ticks, and no hang
sed -e 's/"median": [0-9.]*/"median": 1e308/' -e 's/"min": [0-9.]*/"min": 5e-324/g' \
	"$fx/same_old.json" >"$tmp/huge.json"
"$IPCLAB" report "$tmp/huge.json" -o "$tmp/huge.html" 2>"$tmp/huge.err"
check "forged figures: exit 0" '[ $? -eq 0 ] && grep -q "<svg" "$tmp/huge.html"'
check "forged figures: no inf or nan coordinate" '! grep -qi "=.-\?\(inf\|nan\)" "$tmp/huge.html"'
check "forged figures: at most 40 grid lines per chart" \
	'[ "$(grep -o "class=.grid." "$tmp/huge.html" | wc -l)" -le "$((40 * $(grep -o "<svg" "$tmp/huge.html" | wc -l)))" ]'

# two runs: the comparison of ipclab compare, and both runs
"$IPCLAB" report "$fx/same_old.json" "$fx/slow_new.json" -o "$tmp/two.html" 2>"$tmp/two.err"
check "two runs: exit 0" '[ $? -eq 0 ]'
row=$(grep -o "<tr><td>pipe</td><td data-v='64'>64</td><td>latency</td>.*</tr>" "$tmp/two.html" | grep "compare\|slower" | head -n 1)
check "two runs: the comparison table" 'grep -q "<table class=.sortable. id=.compare-table." "$tmp/two.html"'
check "two runs: pipe slower with its interval, as ipclab compare says" \
	'echo "$row" | grep -q "<td>1\.[0-9]*\.\.1\.[0-9]*</td><td class=.slower.>slower</td><td>bootstrap</td>"'
check "two runs: unix no difference" 'grep -q "<tr><td>unix</td>.*<td>no difference</td><td>bootstrap</td></tr>" "$tmp/two.html"'
check "two runs: both runs' tables" 'grep -q "id=.results-1." "$tmp/two.html" && grep -q "id=.results-2." "$tmp/two.html"'

# errors: one line each, the status of ipclab compare
"$IPCLAB" report "$tmp/missing.json" -o "$tmp/x.html" 2>"$tmp/e1"
check "missing input: exit 2, one line, no page" '[ $? -eq 2 ] && [ "$(wc -l <"$tmp/e1")" -eq 1 ] && [ ! -e "$tmp/x.html" ]'
"$IPCLAB" report "$fx/bad_truncated.json" -o "$tmp/x.html" 2>"$tmp/e2"
check "truncated input: exit 2, one line" '[ $? -eq 2 ] && [ "$(wc -l <"$tmp/e2")" -eq 1 ]'
"$IPCLAB" report "$tmp/missing.json" -o "$tmp/nodir/x.html" 2>"$tmp/e3"
check "unwritable output: exit 3 before the input is read" \
	'[ $? -eq 3 ] && [ "$(wc -l <"$tmp/e3")" -eq 1 ] && grep -q "nodir" "$tmp/e3"'
"$IPCLAB" report "$fx/same_old.json" 2>"$tmp/e4"
check "no -o: exit 2" '[ $? -eq 2 ] && grep -q "\-o FILE" "$tmp/e4"'
"$IPCLAB" report a b c -o "$tmp/x.html" 2>"$tmp/e5"
check "three inputs: exit 2" '[ $? -eq 2 ]'
cp "$fx/same_old.json" "$tmp/in.json"
"$IPCLAB" report "$tmp/in.json" -o "$tmp/in.json" 2>"$tmp/e6"
check "-o an input: exit 2, the input kept" '[ $? -eq 2 ] && cmp -s "$tmp/in.json" "$fx/same_old.json"'
"$IPCLAB" report --help >"$tmp/help"
check "--help: exit 0, usage" '[ $? -eq 0 ] && grep -q "^usage: ipclab report" "$tmp/help"'
check "ipclab --help lists report" '"$IPCLAB" --help | grep -q "^  report "'

[ "$fails" -eq 0 ]
