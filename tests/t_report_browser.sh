#!/bin/sh
# t_report_browser.sh - the `ipclab report` page in a real browser: two
# small runs, their report opened in headless Chromium (Debian package
# chromium; skipped, with the reason, when it is not installed).  Checks:
# the DOM has the tables and one <svg> per chart; the page's script ran
# to its end (it sets data-script="ok" on <body> last) and the console shows
# nothing (no error, no exception); a screenshot is a PNG (written to
# results/report-test.png); clicking a header sorts numbers as numbers.
# The detectors are checked too: a copy of the page whose script throws
# must lose the marker and log the exception.
set -u
. "$(dirname "$0")/lib.sh"
: "${IPCLAB:=build/ipclab}"
: "${RESULTS:=results}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || skip "no chromium (Debian package chromium): the report is not opened in a browser"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_report_browser.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"

# browse NAME ARGS...: one headless Chromium on its own profile and HOME in
# $tmp, stdout to $tmp/NAME.out, its log (console lines) to $tmp/NAME.log.
# timeout is the safety net for a hung browser: it stops only the process
# it started (and that one's children go with it).
n=0
browse() {
	_name=$1
	shift
	n=$((n + 1))
	HOME="$tmp/home" timeout -k 10 300 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--user-data-dir="$tmp/profile$n" --no-first-run --disable-extensions --disable-sync --disable-dev-shm-usage \
		--enable-logging=stderr --v=0 "$@" >"$tmp/$_name.out" 2>"$tmp/$_name.log"
}

# two small runs and their report
for r in old new; do
	"$IPCLAB" bench -m pipe,unix -s 64,1024 -n 2000 --reps 2 --save "$tmp/$r" >/dev/null 2>"$tmp/$r.err" ||
		{ cat "$tmp/$r.err"; fail "ipclab bench ($r run)"; exit 1; }
done
"$IPCLAB" report "$tmp/old.json" "$tmp/new.json" -o "$tmp/report.html"
check "the report is written" '[ $? -eq 0 ] && [ -s "$tmp/report.html" ]'
url="file://$tmp/report.html"

browse dom --dump-dom "$url"
check "chromium dumps the DOM" '[ $? -eq 0 ] && grep -q "</html>" "$tmp/dom.out"'
check "the script ran to its end" 'grep -q "<body data-script=\"ok\">" "$tmp/dom.out"'
check "no console message (error or exception)" '! grep -q "CONSOLE" "$tmp/dom.log"'
grep "CONSOLE" "$tmp/dom.log"
check "the tables: comparison and both runs" \
	'grep -q "id=\"compare-table\"" "$tmp/dom.out" && grep -q "id=\"results-1\"" "$tmp/dom.out" && grep -q "id=\"results-2\"" "$tmp/dom.out"'
charts=$(grep -o "<figure class=\"chart\"" "$tmp/dom.out" | wc -l)
svgs=$(grep -o "<svg" "$tmp/dom.out" | wc -l)
check "one <svg> per chart ($charts charts, $svgs svg)" '[ "$charts" -ge 2 ] && [ "$svgs" -eq "$charts" ]'
check "each chart has its series and legend" \
	'[ "$(grep -o "<g class=\"series\">" "$tmp/dom.out" | wc -l)" -ge 4 ]'

mkdir -p "$RESULTS"
rm -f "$RESULTS/report-test.png"
browse shot --screenshot="$RESULTS/report-test.png" --window-size=1280,2000 --hide-scrollbars "$url"
check "screenshot: a PNG" \
	'[ -s "$RESULTS/report-test.png" ] && [ "$(head -c 8 "$RESULTS/report-test.png" | od -An -c | tr -d " ")" = "211PNG\r\n032\n" ]'
check "screenshot: not a blank page (over 20 KB)" '[ "$(wc -c <"$RESULTS/report-test.png")" -gt 20000 ]'

# sorting: the size column of run 1 clicked twice is descending, by number
# (as text "64" would come before "1024")
sed 's|</body>|<script>var h=document.querySelectorAll("#results-1 th")[3];h.click();h.click();</script></body>|' \
	"$tmp/report.html" >"$tmp/sorted.html"
browse sorted --dump-dom "file://$tmp/sorted.html"
first=$(tr '\n' ' ' <"$tmp/sorted.out" | sed 's/.*id="results-1"//' | grep -o "<tr><td>[^/]*</td><td>[^/]*</td><td>[^/]*</td><td data-v=\"[0-9]*\"" | head -n 1)
check "sorting: size descending by number (first row: $first)" 'echo "$first" | grep -q "data-v=\"1024\"$"'

# the detectors: a script that throws loses the marker and logs the exception
sed 's|^(function(){$|(function(){throw new Error("injected");|' "$tmp/report.html" >"$tmp/throw.html"
check "the throwing copy differs" '! cmp -s "$tmp/report.html" "$tmp/throw.html"'
browse throw --dump-dom "file://$tmp/throw.html"
check "detector: a throwing script leaves no marker" '! grep -q "data-script=\"ok\"" "$tmp/throw.out"'
check "detector: a throwing script is in the console log" 'grep -q "CONSOLE.*injected" "$tmp/throw.log"'

[ "$fails" -eq 0 ]
