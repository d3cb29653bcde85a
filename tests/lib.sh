# lib.sh - what the shell tests share; source it: . "$(dirname "$0")/lib.sh"
# check LABEL EXPR: evaluates EXPR, prints "ok   - LABEL" or "FAIL - LABEL"
# and counts failures in $fails.
IPCLAB=${IPCLAB:-build/ipclab}
fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
