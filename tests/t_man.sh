#!/bin/sh
# t_man.sh - the manual page renders without warnings and documents every
# command and every long option the binary accepts, so it cannot fall behind
# the code silently.
set -u
. "$(dirname "$0")/lib.sh"
PAGE=${PAGE:-docs/ipclab.1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "the page exists" "[ -s '$PAGE' ]"
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man --warnings -l "$PAGE" >"$tmp/page.txt" 2>"$tmp/warn.txt"
	check "man -l renders it" "[ $? -eq 0 ] && grep -q '^NAME' '$tmp/page.txt'"
	check "man -l --warnings: no warnings" "[ ! -s '$tmp/warn.txt' ] || { cat '$tmp/warn.txt'; false; }"
else
	echo "skip - man(1) is not installed: rendering NOT checked"
fi
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$PAGE" 2>"$tmp/groff.txt"
	check "groff -ww: no warnings" "[ ! -s '$tmp/groff.txt' ] || { cat '$tmp/groff.txt'; false; }"
fi

# every long option of every command's --help, written as \-\-name in roff
for cmd in bench serve demo plot compare report; do
	$IPCLAB $cmd --help >"$tmp/help.txt" 2>/dev/null || continue
	for opt in $(grep -oE -- '--[a-z][a-z-]*' "$tmp/help.txt" | sort -u); do
		roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		check "man page documents ipclab $cmd $opt" "grep -q -- '$roff' '$PAGE'"
	done
done
# every command `ipclab --help` lists
for c in $($IPCLAB --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
	check "man page has the command $c" "grep -qE '^\.B $c\$|^\.TP' '$PAGE' && grep -qxF '.B $c' '$PAGE'"
done
check "ipclab --help points to the man page and the labs" \
	"$IPCLAB --help | grep -q 'ipclab(1)' && $IPCLAB --help | grep -q 'docs/labs/'"
check "the labs the page names exist" "[ -d docs/labs ] && [ -d docs/labs/answers ]"

echo "man: $fails failed"
[ "$fails" -eq 0 ]
