#!/bin/sh
# check_layers.sh BUILD_DIR - the library's layers depend one way: no object
# of a layer references a symbol defined by a layer above it.  Layers,
# bottom up: core world policies views workloads replay (see CMakeLists.txt).
set -eu
B=$1
LAYERS="core world policies views workloads replay"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in $LAYERS; do
	objs=$(find "$B/CMakeFiles/af_$l.dir" -name '*.o' | sort)
	[ -n "$objs" ] || { echo "check_layers: no objects for layer $l in $B" >&2; exit 2; }
	# shellcheck disable=SC2086
	nm --defined-only -g $objs 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/def.$l"
	# shellcheck disable=SC2086
	nm -u $objs 2>/dev/null | awk 'NF == 2 { print $2 }' | sort -u >"$tmp/undef.$l"
done
bad=0
for l in $LAYERS; do
	above=""
	seen=0
	for u in $LAYERS; do
		[ "$u" = "$l" ] && { seen=1; continue; }
		[ $seen = 1 ] && above="$above $u"
	done
	for u in $above; do
		comm -12 "$tmp/undef.$l" "$tmp/def.$u" >"$tmp/x"
		if [ -s "$tmp/x" ]; then
			echo "check_layers: $l references $u (a layer above it):" $(cat "$tmp/x") >&2
			bad=1
		fi
	done
done
[ $bad = 0 ] && echo "check_layers: core < world < policies < views < workloads < replay, no reference up"
exit $bad
