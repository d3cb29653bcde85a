#!/bin/sh
# default.sh - `make bench`: the default comparison (placeholder until the
# benchmark driver issue lands the full grid, exports and plots).
set -eu
: "${IPCLAB:=build/ipclab}"
mkdir -p results
"$IPCLAB" bench -s 64,65536 -n 20000 --cpu 0,0 -f csv -o results/latest.csv -q
"$IPCLAB" bench -s 64,65536 -n 20000 --cpu 0,0 -f json -o results/latest.json -q
"$IPCLAB" bench -s 64,65536 -n 20000 --cpu 0,0
