#!/bin/sh
# deps.sh - make sure what ipclab's tests and plots need is installed.
# Installs missing Debian packages with apt-get when we are root (or have
# passwordless sudo); otherwise says exactly what to install and fails.
set -u

missing=""
have_header() { [ -f "/usr/include/$1" ]; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }

have_header cmocka.h || missing="$missing libcmocka-dev"
have_cmd gnuplot || missing="$missing gnuplot-nox"
have_header tirpc/rpc/rpc.h || missing="$missing libtirpc-dev"
have_cmd rpcgen || missing="$missing rpcsvc-proto"
have_cmd pkg-config || missing="$missing pkg-config"

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif have_cmd sudo && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "ipclab: missing packages:$missing" >&2
	echo "ipclab: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
if ! have_cmd apt-get; then
	echo "ipclab: missing packages:$missing (no apt-get here: install them with your package manager)" >&2
	exit 1
fi
echo "ipclab: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq $missing >&2 || {
	echo "ipclab: apt-get install$missing failed" >&2
	exit 1
}
