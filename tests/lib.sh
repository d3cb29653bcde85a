# lib.sh - what the shell tests share; source it: . "$(dirname "$0")/lib.sh"
# check LABEL EXPR: evaluates EXPR, prints "ok   - LABEL" or "FAIL - LABEL"
# and counts failures in $fails.
IPCLAB=${IPCLAB:-build/ipclab}
# udp on loopback loses nothing: only a stall of a loaded machine could pass
# for a loss, so its per-reply wait (default 200 ms) is a safety net here
export IPCLAB_UDP_TIMEOUT_MS=${IPCLAB_UDP_TIMEOUT_MS:-60000}
fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
