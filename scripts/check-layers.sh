#!/bin/sh
# check-layers.sh - `make layers`: every quoted #include crosses layers
# only downwards.  Usage: check-layers.sh MECH_DIR...
#   common/            includes common/ only
#   a mechanism folder includes common/ and itself; rpc/ also its carriers'
#                      public accessor header (PUBLIC_FOR_RPC: none now)
#   bench/             includes common/, bench/, the generated ipl_config.h
#                      and a mechanism's public headers (PUBLIC_FOR_BENCH),
#                      never a mechanism's private header
# Prints one line per offending include and exits 1 when there is one.
set -u
PUBLIC_FOR_RPC="" # none: rpc/ reaches its carrier through transport.h
# rpc/drc.h: `demo rpc --via udp` runs the duplicate-request cache itself
PUBLIC_FOR_BENCH="rpc/rpcmsg.h rpc/rpcprog.h rpc/rpcbind.h rpc/xdr.h rpc/drc.h"
mechs="$*"
bad=0
# includes FILE: the quoted include targets of FILE, one per line
includes() { sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"; }
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
allowed() { # allowed FILE_LAYER TARGET
	layer=$1 t=$2
	case $layer in
	common) case $t in common/*) return 0 ;; esac ;;
	bench)
		case $t in common/* | bench/* | ipl_config.h) return 0 ;; esac
		in_list "$t" "$PUBLIC_FOR_BENCH" && return 0 ;;
	*)
		case $t in common/* | "$layer"/*) return 0 ;; esac
		[ "$layer" = rpc ] && in_list "$t" "$PUBLIC_FOR_RPC" && return 0 ;;
	esac
	return 1
}
for dir in common bench $mechs; do
	[ -d "$dir" ] || continue
	for f in $(find "$dir" -name '*.[ch]' | sort); do
		for t in $(includes "$f"); do
			if ! allowed "$dir" "$t"; then
				echo "layers: $f includes \"$t\" ($dir/ may not)"
				bad=1
			fi
		done
	done
done
[ "$bad" = 0 ] && echo "layers: ok (common, bench, $mechs)"
exit "$bad"
