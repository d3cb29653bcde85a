#!/usr/bin/env bash
# .ci/extra-reliability.sh - run by .ci/run after the sanitizer build:
# every libFuzzer target for FUZZ_SECONDS (40 s here) each from its seed corpus,
# then the conformance suite under valgrind (forked children traced too).
# About 10 minutes on 2 vCPUs: ~8 min fuzzing (every tests/fuzz/fuzz_*.c, build
# included), ~1.5 min valgrind.  Longer fuzzing runs (make fuzz, 60 s
# each by default) are for a developer's machine: CI has 90 minutes.  See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== make fuzz FUZZ_SECONDS=${FUZZ_SECONDS:-40}"
make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-40}"

echo "== valgrind: test_conformance"
make -j2 tests >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# valgrind slows mq's waits most: a whole mq case takes about two minutes,
# at the edge of the suite's 120 s safety net per client, so the net is
# stretched fivefold here (IPCLAB_TEST_TIME_SCALE, tests/helper_fixture.c)
IPCLAB_TEST_TIME_SCALE=5 TMPDIR="$tmp" timeout 1500 valgrind -q --error-exitcode=1 --leak-check=full \
	--suppressions=tests/valgrind.supp \
	--trace-children=yes ./build/tests/test_conformance
